//! The reader never panics, whatever the bytes, and what it counts never exceeds what it read.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use remit_gcp_activity::read_file;

fn check(bytes: &[u8]) {
    let read = read_file("p.json", bytes);
    let s = &read.stats;
    assert!(s.usage + s.unmapped + s.operation_ends + s.other_entries + s.malformed <= s.records, "{s:?}");
    assert!(s.malformed as usize <= read.issues.len());
    assert!(s.complete || !read.issues.is_empty());
}

const SEED: &str = r#"[{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","status":{"code":7},"authenticationInfo":{"principalEmail":"a@b.c","serviceAccountDelegationInfo":[{"firstPartyPrincipal":{"principalEmail":"x@y.z"}}]},"serviceName":"s","methodName":"m","authorizationInfo":[{"resource":"r","permission":"p","granted":true}]},"timestamp":"2021-03-18T18:38:33Z","logName":"projects/p/logs/cloudaudit.googleapis.com%2Factivity"},
{"protoPayload":{"authenticationInfo":{"principalSubject":"principal://x"},"methodName":"m"},"timestamp":"2021-03-18 18:38:33 UTC","operation":{"last":true}}]"#;

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check(&bytes);
    }

    #[test]
    fn cut_and_mutated_logs_never_panic(cut in 0..SEED.len(), at in 0..SEED.len(), byte in any::<u8>()) {
        let mut bytes = SEED.as_bytes().to_vec();
        bytes[at] = byte;
        check(&bytes[..cut]);
        check(&bytes);
    }

    #[test]
    fn json_of_any_shape_never_panics(text in "[\\[\\]{}\",:0-9a-zA-Z \n]{0,200}") {
        check(text.as_bytes());
        check(format!("{{\"entries\":[{text}]}}").as_bytes());
    }
}
