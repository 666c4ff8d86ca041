//! The cloudsplaining fixtures: real `get-account-authorization-details` files, read from the
//! shared data beside the repository when it is there.

use remit_aws_import::load;

use crate::support::{describe, shared_data};

#[test]
fn cloudsplaining_fixtures_import_without_issues() {
    let Some(data) = shared_data() else {
        eprintln!("note: shared/data is absent; the cloudsplaining fixtures were not read");
        return;
    };
    let dir = data.join("cloudsplaining-fixtures");
    if !dir.is_dir() {
        eprintln!("note: shared/data/cloudsplaining-fixtures is absent; skipped");
        return;
    }
    // (file, account, users, groups, roles, managed policies, absent lists)
    type Case<'a> = (&'a str, &'a str, usize, usize, usize, usize, &'a [&'a str]);
    let cases: [Case; 5] = [
        ("example-authz-details.json", "012345678901", 3, 2, 3, 32, &[]),
        ("example_authz_details_for_overrides.json", "012345678901", 0, 0, 0, 1, &[]),
        ("example_authz_details_for_overrides_complete.json", "012345678901", 1, 1, 2, 3, &[]),
        ("example_authz_v2.json", "012345678901", 1, 1, 2, 2, &[]),
        ("managed_policy_mismatch.json", "123456789012", 0, 1, 0, 1, &["RoleDetailList"]),
    ];
    for (file, id, users, groups, roles, policies, absent) in cases {
        let path = dir.join(file);
        if !path.is_file() {
            eprintln!("note: {file} is absent; skipped");
            continue;
        }
        let env = load(&path).unwrap_or_else(|err| panic!("{file}: {err}"));
        assert!(env.issues.is_empty(), "{file}: {:#?}", describe(&env.issues));
        let account = &env.accounts[0];
        assert_eq!(account.id, id, "{file}");
        let counts = (account.users.len(), account.groups.len(), account.roles.len(), account.managed_policies.len());
        assert_eq!(counts, (users, groups, roles, policies), "{file}");
        assert_eq!(account.iam_absent_lists, absent, "{file}");
        assert!(account.roles.iter().all(|role| role.trust_policy.is_some()), "{file}");
        assert!(account.managed_policies.iter().all(|policy| policy.document.is_some()), "{file}");
        let incomplete = account.users.iter().any(|user| user.incomplete)
            || account.groups.iter().any(|group| group.incomplete)
            || account.roles.iter().any(|role| role.incomplete);
        assert!(!incomplete, "{file}");
    }
}
