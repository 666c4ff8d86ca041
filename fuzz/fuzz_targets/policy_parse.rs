//! The policy parser must never panic, and every policy it accepts must round-trip through
//! its canonical JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use remit_aws_policy::{Policy, PolicyKind};

const KINDS: [PolicyKind; 7] = [
    PolicyKind::Identity,
    PolicyKind::PermissionsBoundary,
    PolicyKind::Session,
    PolicyKind::Resource,
    PolicyKind::Trust,
    PolicyKind::ServiceControl,
    PolicyKind::ResourceControl,
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for kind in KINDS {
        if let Ok(policy) = Policy::parse(text, kind) {
            let rendered = policy.to_json();
            let again = Policy::from_json(&rendered, kind).expect("a rendered policy parses");
            assert_eq!(policy, again, "round trip changed the policy");
        }
    }
});
