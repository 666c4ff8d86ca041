//! The reader never panics, whatever the bytes, and what it counts never exceeds what it read.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use remit_azure_activity::read_file;

fn check(bytes: &[u8]) {
    let read = read_file("p.json", bytes);
    let s = &read.stats;
    assert!(s.usage + s.unmapped + s.paired + s.signins + s.failed_signins + s.malformed <= s.records, "{s:?}");
    assert!(s.malformed as usize <= read.issues.len());
    assert!(s.complete || !read.issues.is_empty());
}

const SEED: &str = r#"[{"eventTimestamp":"2018-01-29T20:42:31Z","authorization":{"action":"Microsoft.Network/networkSecurityGroups/write","scope":"/subscriptions/s"},"claims":{"http://schemas.microsoft.com/identity/claims/objectidentifier":"a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1"},"status":{"value":"Started"},"operationId":"o","resourceId":"/subscriptions/s"},
{"time":"2026-03-01T09:00:00Z","category":"SignInLogs","resultType":"0","properties":{"userId":"u","status":{"errorCode":0}}}]"#;

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
        check(format!("{{\"records\":[{text}]}}").as_bytes());
    }
}
