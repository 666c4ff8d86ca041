//! The 2,461 real predefined roles (`gcloud iam roles describe` outputs in the shared data set,
//! when present) all load, with their permissions.
#![allow(clippy::unwrap_used)]

use std::{fs, path::Path};

#[test]
fn every_predefined_role_loads() {
    let roles = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/iam-dataset/gcp/roles");
    if !roles.is_dir() {
        println!("skipped: {} is absent", roles.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("organization.json"),
        r#"{"displayName":"corp.example","name":"organizations/1","owner":{"directoryCustomerId":"C0"}}"#,
    )
    .unwrap();
    fs::create_dir(dir.path().join("roles")).unwrap();
    let mut count = 0;
    for entry in fs::read_dir(&roles).unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, dir.path().join("roles").join(path.file_name().unwrap())).unwrap();
        count += 1;
    }
    let (env, issues) = remit_gcp::load(dir.path()).unwrap();
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(env.roles.len(), count);
    assert_eq!(count, 2461);
    let token = env.roles.iter().find(|r| r.name == "roles/iam.serviceAccountTokenCreator").unwrap();
    assert!(token.included_permissions.iter().any(|p| p == "iam.serviceAccounts.getAccessToken"));
    assert!(token.included_permissions.iter().any(|p| p == "iam.serviceAccounts.implicitDelegation"));
    let owner = env.roles.iter().find(|r| r.name == "roles/owner").unwrap();
    assert!(owner.included_permissions.iter().any(|p| p == "resourcemanager.projects.setIamPolicy"));
}
