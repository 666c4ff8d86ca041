//! Bad input: every error and issue says which file and where (line or JSON path). The shapes
//! are those of the fixture (`tests/common/mod.rs`); CAI exports are newline-delimited `Asset`
//! JSON (https://cloud.google.com/asset-inventory/docs/reference/rest/v1/Asset), read in both
//! spellings.
#![allow(clippy::unwrap_used)]

mod common;

use std::{fs, path::Path};

use remit_gcp::load;

fn copy_fixture(to: &Path) {
    fn walk(from: &Path, to: &Path) {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), &target);
            } else {
                fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    walk(&common::fixture(), to);
}

#[test]
fn invalid_json_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    fs::write(dir.path().join("projects.json"), "[\n  {\"projectId\": \"p\",\n  oops\n]").unwrap();
    let err = load(dir.path()).unwrap_err();
    assert!(err.file.ends_with("projects.json"));
    assert!(err.location.starts_with("line 3"), "{err}");
}

#[test]
fn wrong_top_level_shape_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    fs::write(dir.path().join("folders.json"), "{\"name\": \"folders/1\"}").unwrap();
    let err = load(dir.path()).unwrap_err();
    assert_eq!(err.location, "$");
    assert!(err.to_string().contains("folders.json"));
}

#[test]
fn missing_organization_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = load(dir.path()).unwrap_err();
    assert!(err.file.ends_with("organization.json"));
}

#[test]
fn malformed_binding_is_an_issue_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    let text = fs::read_to_string(dir.path().join("iam-policies.json")).unwrap();
    let text = text.replacen("\"role\": \"roles/resourcemanager.organizationAdmin\"", "\"role\": [7]", 1);
    fs::write(dir.path().join("iam-policies.json"), text).unwrap();
    let (env, issues) = load(dir.path()).unwrap();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].location, "$[0].policy.bindings[0].role");
    assert_eq!(issues[0].concerns.as_deref(), Some("//cloudresourcemanager.googleapis.com/organizations/100000000001"));
    // The other bindings are kept; the binding's member is marked incomplete, no one else.
    assert_eq!(env.policies[0].bindings.len(), 1);
    assert_eq!(issues[0].principals, vec!["user:admin@corp.example"]);
    let a = remit_gcp::GcpAnalysis::new(env);
    assert!(a.find_principal("admin@corp.example").unwrap().incomplete);
    assert!(!a.find_principal("ann@corp.example").unwrap().incomplete);
}

#[test]
fn malformed_deny_rule_refuses_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    let file = dir.path().join("deny-policies/cloudresourcemanager.googleapis.com%2Fprojects%2Fproj-a.json");
    let text = fs::read_to_string(&file).unwrap().replacen("\"deniedPrincipals\": [", "\"deniedPrincipals\": [1, ", 1);
    fs::write(&file, text).unwrap();
    let (env, issues) = load(dir.path()).unwrap();
    assert!(env.deny_policies.iter().all(|p| !p.name.ends_with("protect-prod")));
    assert_eq!(issues[0].location, "$[0].rules[0].denyRule.deniedPrincipals[0]");
    // Whom it denied cannot be told: every principal is marked incomplete.
    assert!(env.incomplete_everyone);
    let a = remit_gcp::GcpAnalysis::new(env);
    assert!(a.principals().iter().all(|p| p.incomplete));
}

#[test]
fn malformed_membership_marks_its_group_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    let file = dir.path().join("groups/sre@corp.example.json");
    let text = fs::read_to_string(&file).unwrap().replacen("\"preferredMemberKey\"", "\"otherKey\"", 1);
    fs::write(&file, text).unwrap();
    let (env, issues) = load(dir.path()).unwrap();
    assert_eq!(issues[0].location, "$[0].preferredMemberKey");
    let a = remit_gcp::GcpAnalysis::new(env);
    assert!(a.find_principal("group:sre@corp.example").unwrap().incomplete);
    assert!(!a.find_principal("group:platform@corp.example").unwrap().incomplete);
}

#[test]
fn cai_export_in_both_spellings() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    fs::remove_file(dir.path().join("iam-policies.json")).unwrap();
    fs::create_dir_all(dir.path().join("asset-export")).unwrap();
    let both = dir.path().join("both");
    copy_fixture(&both);
    let lines = [
        r#"{"name":"//cloudresourcemanager.googleapis.com/projects/300000000003","asset_type":"cloudresourcemanager.googleapis.com/Project","iam_policy":{"version":1,"bindings":[{"role":"roles/storage.objectViewer","members":["user:x@corp.example"]}]},"ancestors":["projects/300000000003","organizations/100000000001"],"update_time":"2026-01-01T00:00:00Z"}"#,
        "",
        r#"{"name":"//storage.googleapis.com/c-bucket","assetType":"storage.googleapis.com/Bucket","iamPolicy":{"bindings":[{"role":"roles/storage.objectViewer","members":["user:y@corp.example"]}]},"ancestors":["projects/300000000003","organizations/100000000001"]}"#,
    ];
    fs::write(dir.path().join("asset-export/iam-policy.json"), lines.join("\n")).unwrap();
    let (env, issues) = load(dir.path()).unwrap();
    assert!(issues.is_empty());
    assert_eq!(env.policies.len(), 2);
    let a = remit_gcp::GcpAnalysis::new(env);
    // The bucket inherits from its project through CAI's ancestors.
    let e = a
        .explain("x@corp.example", "storage.objects.get", "//storage.googleapis.com/projects/_/buckets/c-bucket")
        .unwrap();
    assert_eq!(e.verdict.as_str(), "allowed");
    assert_eq!(
        a.explain("y@corp.example", "storage.objects.get", "projects/proj-c").unwrap().verdict.as_str(),
        "denied"
    );
    // With both files, a resource's policy is read once.
    fs::create_dir_all(both.join("asset-export")).unwrap();
    fs::write(both.join("asset-export/iam-policy.json"), lines[0]).unwrap();
    let (env, _) = load(&both).unwrap();
    let a = remit_gcp::GcpAnalysis::new(env);
    assert!(a.find_principal("x@corp.example").is_none());
    let findings = remit_gcp::risk::findings(&a);
    let public = findings.iter().filter(|f| f.rule == remit_gcp::risk::rules::PUBLIC_ACCESS).count();
    assert_eq!(public, 2);
    // A bad line is an error with its line number.
    fs::write(dir.path().join("asset-export/iam-policy.json"), format!("{}\n{{bad", lines[0])).unwrap();
    let err = load(dir.path()).unwrap_err();
    assert!(err.location.starts_with("line 2"), "{err}");
}
