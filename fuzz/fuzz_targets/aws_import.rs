//! Importing any bytes as an authorization-details export must never panic, and whatever it
//! marks incomplete it reports.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (account, issues) = remit_aws_import::parse_authorization_details(data, Path::new("authorization-details.json"));
    let incomplete = account.iam_incomplete
        || account.users.iter().any(|user| user.incomplete)
        || account.groups.iter().any(|group| group.incomplete)
        || account.roles.iter().any(|role| role.incomplete)
        || account.managed_policies.iter().any(|policy| policy.incomplete);
    assert!(!incomplete || !issues.is_empty(), "marked incomplete without an issue");
});
