//! One `get-account-authorization-details` file, as `load`'s single-file form and through
//! `parse_authorization_details`.

use std::path::Path;

use remit_aws_import::{LoadError, load, parse_authorization_details};
use remit_aws_policy::{Effect, Policy, PolicyKind};
use serde_json::{Value, json};

use crate::support::{ACCOUNT, TempDir, authorization_details, describe, read_only, url_encode};

fn parse(value: &Value) -> (remit_aws_import::Account, Vec<remit_aws_import::ImportIssue>) {
    parse_authorization_details(serde_json::to_string_pretty(value).unwrap().as_bytes(), Path::new("authz.json"))
}

#[test]
fn a_cli_export_imports_every_element() {
    let dir = TempDir::new("cli-export");
    let file = dir.write_json("authz.json", &authorization_details(ACCOUNT));
    let env = load(&file).unwrap();
    assert!(env.issues.is_empty(), "{:#?}", describe(&env.issues));
    assert!(env.organization.is_none() && env.identity_center.is_none());
    assert_eq!(env.accounts.len(), 1);
    let account = &env.accounts[0];
    assert_eq!(account.id, ACCOUNT);
    assert_eq!(account.partition, "aws");
    assert!(account.iam_collected && !account.iam_incomplete);
    assert!(account.iam_absent_lists.is_empty());

    // Users, sorted by ARN.
    let names: Vec<&str> = account.users.iter().map(|user| user.name.as_str()).collect();
    assert_eq!(names, ["alice", "bob"]);
    let alice = account.user(&format!("arn:aws:iam::{ACCOUNT}:user/alice")).unwrap();
    assert_eq!(alice.id, "AIDAEXAMPLEALICE");
    assert_eq!(alice.path, "/");
    assert_eq!(alice.groups, ["admins"]);
    assert_eq!(alice.inline_policies.len(), 1);
    assert_eq!(alice.inline_policies[0].name, "inline-read");
    let document = alice.inline_policies[0].document.as_ref().unwrap();
    assert_eq!(document, &Policy::from_json(&read_only(), PolicyKind::Identity).unwrap());
    assert_eq!(alice.attached_policies, ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    assert_eq!(alice.permissions_boundary.as_deref(), Some(format!("arn:aws:iam::{ACCOUNT}:policy/boundary").as_str()));
    assert_eq!(alice.tags, [("team".to_owned(), "data".to_owned())]);
    // The CLI's non-ISO timestamp is kept as written.
    assert_eq!(alice.create_date.as_deref(), Some("2022-08-07 12:55:43+00:00"));
    assert!(!alice.incomplete);

    let group = account.group_named("admins").unwrap();
    assert_eq!(group.arn, format!("arn:aws:iam::{ACCOUNT}:group/admins"));
    assert_eq!(group.inline_policies[0].name, "group-inline");
    assert_eq!(group.attached_policies, ["arn:aws:iam::aws:policy/AdministratorAccess"]);
    assert_eq!(group.create_date.as_deref(), Some("2020-05-06 07:08:09+00:00"));

    let role = account.role(&format!("arn:aws:iam::{ACCOUNT}:role/service-role/app")).unwrap();
    assert_eq!(role.name, "app");
    assert_eq!(role.path, "/service-role/");
    let trust = role.trust_policy.as_ref().unwrap();
    assert_eq!(trust.statements.len(), 1);
    assert_eq!(trust.statements[0].effect, Effect::Allow);
    assert_eq!(role.inline_policies[0].name, "role-inline");
    assert_eq!(role.attached_policies, [format!("arn:aws:iam::{ACCOUNT}:policy/app-policy")]);
    assert_eq!(role.instance_profiles, [format!("arn:aws:iam::{ACCOUNT}:instance-profile/app-profile")]);
    assert_eq!(role.last_used.as_deref(), Some("2024-03-01 10:00:00+00:00"));
    assert_eq!(role.last_used_region.as_deref(), Some("eu-west-1"));
    assert_eq!(role.tags, [("env".to_owned(), "prod".to_owned())]);

    // Managed policies: every version, the default one as the document; AWS-managed by ARN.
    let arns: Vec<&str> = account.managed_policies.iter().map(|policy| policy.arn.as_str()).collect();
    let mut sorted = arns.clone();
    sorted.sort();
    assert_eq!(arns, sorted);
    let app = account.managed_policy(&format!("arn:aws:iam::{ACCOUNT}:policy/app-policy")).unwrap();
    assert!(!app.aws_managed);
    assert_eq!(app.default_version, "v2");
    assert_eq!(app.versions.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["v2", "v1"]);
    assert!(app.versions.iter().all(|(_, document)| document.is_some()));
    assert_eq!(app.document.as_ref(), app.versions[0].1.as_ref());
    assert_eq!(app.id, "ANPAEXAMPLEAPP");
    assert_eq!(app.attachment_count, Some(1));
    let read_only_access = account.managed_policy("arn:aws:iam::aws:policy/ReadOnlyAccess").unwrap();
    assert!(read_only_access.aws_managed);
    // An attached policy the export does not list is unknown, not an issue.
    assert!(account.managed_policy("arn:aws:iam::aws:policy/AdministratorAccess").is_none());
}

#[test]
fn string_and_url_encoded_documents_read_as_objects_do() {
    let mut export = authorization_details(ACCOUNT);
    let expected = parse(&export).0;
    // The raw API's form: URL-encoded.
    export["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"] = json!(url_encode(&read_only()));
    export["RoleDetailList"][0]["AssumeRolePolicyDocument"] =
        json!(url_encode(&export["RoleDetailList"][0]["AssumeRolePolicyDocument"]));
    // JSON strings.
    export["GroupDetailList"][0]["GroupPolicyList"][0]["PolicyDocument"] =
        json!(serde_json::to_string(&read_only()).unwrap());
    export["Policies"][0]["PolicyVersionList"][0]["Document"] = json!(serde_json::to_string(&read_only()).unwrap());
    let (account, issues) = parse(&export);
    assert!(issues.is_empty(), "{:#?}", describe(&issues));
    assert_eq!(account.users[0].inline_policies[0].document, expected.users[0].inline_policies[0].document);
    assert_eq!(account.roles[0].trust_policy, expected.roles[0].trust_policy);
    assert_eq!(account.groups[0].inline_policies[0].document, expected.groups[0].inline_policies[0].document);
    assert_eq!(account.managed_policies[0].document, expected.managed_policies[0].document);
}

#[test]
fn pages_as_an_array_or_one_after_another_are_merged() {
    let export = authorization_details(ACCOUNT);
    let expected = parse(&export).0;
    let mut first = json!({"UserDetailList": export["UserDetailList"], "GroupDetailList": [], "RoleDetailList": [],
        "Policies": [export["Policies"][0], export["Policies"][1]], "IsTruncated": true, "Marker": "page-2"});
    let second = json!({"UserDetailList": [], "GroupDetailList": export["GroupDetailList"],
        "RoleDetailList": export["RoleDetailList"], "Policies": [export["Policies"][2]], "IsTruncated": false,
        "ResponseMetadata": {"RequestId": "abc", "HTTPStatusCode": 200}});

    let (account, issues) = parse(&json!([first, second]));
    assert!(issues.is_empty(), "{:#?}", describe(&issues));
    assert_eq!(account.users.len(), expected.users.len());
    assert_eq!(account.groups.len(), 1);
    assert_eq!(account.roles.len(), 1);
    assert_eq!(account.managed_policies.len(), 3);
    assert_eq!(
        account.managed_policies.iter().map(|policy| &policy.arn).collect::<Vec<_>>(),
        expected.managed_policies.iter().map(|policy| &policy.arn).collect::<Vec<_>>()
    );

    // Pages one after another (a raw dump of several responses).
    let stream = format!("{}\n{}\n", serde_json::to_string(&first).unwrap(), serde_json::to_string(&second).unwrap());
    let (account, issues) = parse_authorization_details(stream.as_bytes(), Path::new("authz.json"));
    assert!(issues.is_empty(), "{:#?}", describe(&issues));
    assert_eq!(account.roles.len(), 1);
    assert_eq!(account.managed_policies.len(), 3);

    // A last page that says more follow: the export is truncated.
    let (account, issues) = parse(&json!([second, first.clone()]));
    assert!(account.iam_incomplete);
    assert_eq!(
        describe(&issues),
        ["authz.json @ [1].IsTruncated: the export is truncated: later pages were not collected"]
    );

    // The same page twice: duplicates are reported, the first kept.
    first["IsTruncated"] = json!(false);
    let (account, issues) = parse(&json!([first, first]));
    assert_eq!(account.users.len(), 2);
    assert!(account.users.iter().all(|user| user.incomplete));
    assert!(issues.iter().any(|issue| issue.location == "[1].UserDetailList[0].Arn"), "{:#?}", describe(&issues));
}

#[test]
fn a_malformed_policy_is_an_issue_at_its_json_path_and_the_rest_imports() {
    let mut export = authorization_details(ACCOUNT);
    export["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"]["Statement"][1]["Effect"] = json!("Permit");
    let dir = TempDir::new("malformed");
    let file = dir.write_json("export.json", &export);
    let env = load(&file).unwrap();
    assert_eq!(env.issues.len(), 1, "{:#?}", describe(&env.issues));
    let issue = &env.issues[0];
    assert_eq!(issue.file, Path::new("export.json"));
    assert_eq!(issue.location, "UserDetailList[0].UserPolicyList[0].PolicyDocument.Statement[1].Effect");
    assert!(issue.message.contains("Allow"), "{}", issue.message);
    assert_eq!(issue.subject.as_deref(), Some(format!("arn:aws:iam::{ACCOUNT}:user/alice").as_str()));
    let account = &env.accounts[0];
    let alice = &account.users[0];
    assert!(alice.incomplete);
    assert!(alice.inline_policies[0].document.is_none());
    // Everything else is there, complete.
    assert_eq!(alice.attached_policies.len(), 1);
    assert!(!account.users[1].incomplete);
    assert!(account.roles.iter().all(|role| !role.incomplete && role.trust_policy.is_some()));
    assert_eq!(account.managed_policies.len(), 3);
    assert!(!account.iam_incomplete);

    // The same inside a URL-encoded document: the path goes on inside the decoded text.
    let mut bad_trust = export["RoleDetailList"][0]["AssumeRolePolicyDocument"].clone();
    bad_trust["Statement"][0]["Resource"] = json!("*");
    export["RoleDetailList"][0]["AssumeRolePolicyDocument"] = json!(url_encode(&bad_trust));
    let (account, issues) = parse(&export);
    assert!(
        issues.iter().any(|issue| issue.location == "RoleDetailList[0].AssumeRolePolicyDocument.Statement[0].Resource"),
        "{:#?}",
        describe(&issues)
    );
    assert!(account.roles[0].incomplete && account.roles[0].trust_policy.is_none());
}

#[test]
fn an_unreadable_managed_policy_makes_its_holders_incomplete() {
    let mut export = authorization_details(ACCOUNT);
    // The default version of app-policy names a principal: not an identity policy.
    export["Policies"][0]["PolicyVersionList"][0]["Document"]["Statement"][0]["Principal"] = json!("*");
    let (account, issues) = parse(&export);
    let app_arn = format!("arn:aws:iam::{ACCOUNT}:policy/app-policy");
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/service-role/app");
    let app = account.managed_policy(&app_arn).unwrap();
    assert!(app.incomplete && app.document.is_none());
    assert!(app.versions[1].1.is_some(), "the older version still reads");
    let role = account.role(&role_arn).unwrap();
    assert!(role.incomplete);
    assert!(account.users.iter().all(|user| !user.incomplete));
    assert_eq!(
        issues.iter().map(|issue| (issue.location.as_str(), issue.subject.as_deref())).collect::<Vec<_>>(),
        [
            ("Policies[0].PolicyVersionList[0].Document.Statement[0].Principal", Some(app_arn.as_str())),
            ("RoleDetailList[0].AttachedManagedPolicies", Some(role_arn.as_str())),
        ]
    );

    // A default version missing from the list.
    let mut export = authorization_details(ACCOUNT);
    export["Policies"][1]["DefaultVersionId"] = json!("v9");
    export["Policies"][1]["PolicyVersionList"][0]["IsDefaultVersion"] = json!(false);
    let (account, issues) = parse(&export);
    assert!(account.managed_policy(&format!("arn:aws:iam::{ACCOUNT}:policy/boundary")).unwrap().document.is_none());
    // The boundary's holders are incomplete.
    assert!(account.users[0].incomplete && account.roles[0].incomplete && !account.users[1].incomplete);
    assert!(issues.iter().any(|issue| issue.location == "Policies[1].PolicyVersionList"), "{:#?}", describe(&issues));
}

#[test]
fn unknown_fields_are_ignored() {
    let mut export = authorization_details(ACCOUNT);
    export["SomethingNew"] = json!({"any": ["thing"]});
    export["UserDetailList"][0]["LoginProfile"] = json!({"CreateDate": "2020-01-01"});
    export["RoleDetailList"][0]["RoleLastUsed"]["Future"] = json!(1);
    export["Policies"][0]["PolicyVersionList"][0]["Extra"] = json!(null);
    export["UserDetailList"][1]["Path"] = Value::Null;
    let (account, issues) = parse(&export);
    assert!(issues.is_empty(), "{:#?}", describe(&issues));
    assert_eq!(account.users.len(), 2);
}

#[test]
fn wrong_shapes_are_issues_and_the_rest_imports() {
    let mut export = authorization_details(ACCOUNT);
    export["UserDetailList"][0]["GroupList"] = json!("admins");
    export["UserDetailList"][1]["Tags"] = json!([{"Key": 1}]);
    export["GroupDetailList"] = json!({"not": "a list"});
    export["RoleDetailList"].as_array_mut().unwrap().push(json!({"RoleName": "no-arn"}));
    export["RoleDetailList"].as_array_mut().unwrap().push(json!(7));
    let (account, issues) = parse(&export);
    assert_eq!(
        issues.iter().map(|issue| issue.location.as_str()).collect::<Vec<_>>(),
        [
            "UserDetailList[0].GroupList",
            "UserDetailList[1].Tags[0].Key",
            "GroupDetailList",
            // Issues come in the order of the entries they are about.
            "RoleDetailList[1].Arn",
            "RoleDetailList[2]",
        ],
        "{:#?}",
        describe(&issues)
    );
    assert!(account.iam_incomplete, "a list that is not a list, and entries without an ARN, lose principals");
    assert!(account.users.iter().all(|user| user.incomplete));
    assert!(account.groups.is_empty());
    assert_eq!(account.roles.len(), 1);
    assert!(!account.roles[0].incomplete);
}

#[test]
fn absent_lists_are_recorded_not_reported() {
    let export = json!({"UserDetailList": [], "Policies": []});
    let (account, issues) = parse(&export);
    assert_eq!(account.iam_absent_lists, ["GroupDetailList", "RoleDetailList"]);
    // No ARN names the account: that is the one issue.
    assert_eq!(
        describe(&issues),
        ["authz.json @ : no ARN in the file names a 12-digit account id: the account is unknown"]
    );
}

#[test]
fn the_account_comes_from_the_arns_and_its_partition_too() {
    let text =
        serde_json::to_string(&authorization_details("222222222222")).unwrap().replace("arn:aws:", "arn:aws-cn:");
    let (account, issues) = parse_authorization_details(text.as_bytes(), Path::new("a.json"));
    assert!(issues.is_empty(), "{:#?}", describe(&issues));
    assert_eq!(account.id, "222222222222");
    assert_eq!(account.partition, "aws-cn");

    let mut export = authorization_details(ACCOUNT);
    export["UserDetailList"][1]["Arn"] = json!("arn:aws:iam::999999999999:user/ops/bob");
    let (account, issues) = parse(&export);
    assert_eq!(account.id, ACCOUNT);
    assert_eq!(
        describe(&issues),
        ["authz.json @ : the ARNs name several accounts; took `111111111111`, also named: 999999999999"]
    );
}

#[test]
fn files_that_are_not_exports_cannot_be_loaded() {
    let dir = TempDir::new("not-exports");
    let missing = dir.path().join("nope.json");
    assert!(matches!(load(&missing), Err(LoadError::NotFound { .. })));

    let broken = dir.write("broken.json", "{\n  \"UserDetailList\": [\n");
    let err = load(&broken).unwrap_err();
    assert!(
        matches!(&err, LoadError::NotAuthorizationDetails { location, .. } if location.starts_with("line ")),
        "{err}"
    );

    let other = dir.write("other.json", r#"{"Roles": []}"#);
    let err = load(&other).unwrap_err();
    assert!(err.to_string().contains("get-account-authorization-details"), "{err}");

    let empty = dir.write("empty.json", "");
    assert!(matches!(load(&empty), Err(LoadError::NotAuthorizationDetails { .. })));

    // Without the disk: one issue, an empty account marked incomplete.
    let (account, issues) = parse_authorization_details(b"\xff\xfe garbage", Path::new("x.json"));
    assert!(account.iam_incomplete && account.users.is_empty());
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].file, Path::new("x.json"));
}

#[test]
fn a_byte_order_mark_is_ignored() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(serde_json::to_vec(&authorization_details(ACCOUNT)).unwrap());
    let (account, issues) = parse_authorization_details(&bytes, Path::new("bom.json"));
    assert!(issues.is_empty(), "{:#?}", describe(&issues));
    assert_eq!(account.users.len(), 2);
}
