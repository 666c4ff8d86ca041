//! Federation across the estate: a role's trust policy tells which identity provider federates
//! it, and a person's Okta AWS Account Federation assignment gives them that role's access.
//!
//! `accounts/<id>/authorization-details.json` is `aws iam get-account-authorization-details`
//! output (https://docs.aws.amazon.com/cli/latest/reference/iam/get-account-authorization-details.html),
//! its SAML trust policy as AWS documents it
//! (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_saml.html) and its
//! OIDC one as GitHub's (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html).
//! The Okta files are Okta's management API output (`GET /api/v1/users`, `/api/v1/apps`,
//! `/api/v1/apps/{appId}/users` with the AWS app's `profile.samlRoles`:
//! https://developer.okta.com/docs/api/openapi/okta-management/management/tag/ApplicationUsers/).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use remit_aws_policy::{Policy, PolicyKind};
use remit_estate::{Estate, Parts, WhatCan, identities};
use serde_json::{Value, json};

const ACCOUNT: &str = "111111111111";
const SAML: &str = "arn:aws:iam::111111111111:saml-provider/Okta";
const OIDC: &str = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com";

fn saml_trust() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": SAML},
            "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
        }]
    })
}

fn oidc_trust() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": OIDC},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "StringLike": {"token.actions.githubusercontent.com:sub": "repo:corp/app:*"}
            }
        }]
    })
}

fn ec2_trust() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    })
}

fn role(name: &str, trust: Value, inline: Option<Value>) -> Value {
    let policies: Vec<Value> =
        inline.into_iter().map(|doc| json!({"PolicyName": format!("{name}-inline"), "PolicyDocument": doc})).collect();
    json!({
        "Path": "/",
        "RoleName": name,
        "RoleId": format!("AROA{:0>17}", name.to_uppercase()),
        "Arn": format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
        "CreateDate": "2024-01-10T17:00:00+00:00",
        "AssumeRolePolicyDocument": trust,
        "InstanceProfileList": [],
        "RolePolicyList": policies,
        "AttachedManagedPolicies": [],
        "Tags": [],
        "RoleLastUsed": {}
    })
}

fn read_bucket() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::corp-reports/*"}]
    })
}

fn write(dir: &Path, rel: &str, value: &Value) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

fn okta_user(id: &str, login: &str) -> Value {
    json!({
        "id": id,
        "status": "ACTIVE",
        "created": "2024-01-10T17:00:00.000Z",
        "lastLogin": null,
        "profile": {"login": login, "email": login, "firstName": null, "lastName": null}
    })
}

fn bundle() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        &format!("accounts/{ACCOUNT}/authorization-details.json"),
        &json!({
            "UserDetailList": [],
            "GroupDetailList": [],
            "RoleDetailList": [
                role("OktaReports", saml_trust(), Some(read_bucket())),
                role("GitHubDeploy", oidc_trust(), None),
                role("AppServer", ec2_trust(), None),
                // Names the SAML provider, but for sts:AssumeRole, which a SAML assertion cannot call.
                role("Misconfigured", json!({
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Principal": {"Federated": SAML}, "Action": "sts:AssumeRole"}]
                }), None),
            ],
            "Policies": [],
            "IsTruncated": false
        }),
    );
    write(
        d,
        "people/okta/users.json",
        &json!([okta_user("00ualice", "alice@corp.com"), okta_user("00ubob", "bob@corp.com")]),
    );
    write(
        d,
        "people/okta/apps.json",
        &json!([{"id": "0oaaws", "name": "amazon_aws", "label": "AWS Account Federation", "status": "ACTIVE", "signOnMode": "SAML_2_0"}]),
    );
    write(
        d,
        "people/okta/app-users/0oaaws.json",
        &json!([{
            "id": "00ualice",
            "externalId": null,
            "scope": "USER",
            "status": "ACTIVE",
            "syncState": "DISABLED",
            "credentials": {"userName": "alice@corp.com"},
            "profile": {"role": null, "samlRoles": ["OktaReports"]}
        }]),
    );
    dir
}

#[test]
fn roles_are_marked_federated_from_their_trust_policy() {
    let dir = bundle();
    let estate = Estate::load(dir.path(), Parts::ALL).unwrap();
    let all = identities::all(&estate, None);
    let via = |name: &str| {
        all.iter().find(|i| i.id == format!("arn:aws:iam::{ACCOUNT}:role/{name}")).unwrap().federated_via.clone()
    };
    assert_eq!(via("OktaReports"), Some(format!("aws-saml:{SAML}")));
    assert_eq!(via("GitHubDeploy"), Some(format!("aws-oidc:{OIDC}")));
    assert_eq!(via("AppServer"), None);
    assert_eq!(via("Misconfigured"), None);
}

#[test]
fn federated_via_reads_wildcards_not_action_and_deny() {
    let parse = |v: Value| Policy::parse(&v.to_string(), PolicyKind::Trust).unwrap();
    let with = |effect: &str, action: Value, key: &str| {
        let mut statement = json!({"Effect": effect, "Principal": {"Federated": SAML}});
        statement[key] = action;
        parse(json!({"Version": "2012-10-17", "Statement": [statement]}))
    };
    let saml = Some(format!("aws-saml:{SAML}"));
    assert_eq!(identities::federated_via(&with("Allow", json!("sts:AssumeRoleWith*"), "Action")), saml);
    assert_eq!(identities::federated_via(&with("Allow", json!("sts:TagSession"), "NotAction")), saml);
    assert_eq!(identities::federated_via(&with("Allow", json!("sts:AssumeRoleWithSAML"), "NotAction")), None);
    assert_eq!(identities::federated_via(&with("Deny", json!("sts:AssumeRoleWithSAML"), "Action")), None);
    // A web identity provider named by its domain.
    let cognito = parse(json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:12345678-abcd-abcd-abcd-123456789012"}}
    }]}));
    assert_eq!(identities::federated_via(&cognito).as_deref(), Some("aws-oidc:cognito-identity.amazonaws.com"));
}

#[test]
fn a_person_can_do_what_the_saml_roles_okta_assigns_them_can() {
    let dir = bundle();
    let estate = Estate::load(dir.path(), Parts::ALL).unwrap();
    let access = estate.person_access("person:alice@corp.com").unwrap();
    let role = format!("arn:aws:iam::{ACCOUNT}:role/OktaReports");
    let reports = access
        .identities
        .iter()
        .find(|i| i.identity.id == role)
        .unwrap_or_else(|| panic!("{:?}", access.identities.iter().map(|i| &i.identity.id).collect::<Vec<_>>()));
    assert!(reports.federated);
    assert_eq!(reports.link.rule, remit_people::Rule::AppAssignment);
    let Ok(WhatCan::Aws { permissions, .. }) = &reports.access else { panic!("no AWS access") };
    assert!(
        permissions.iter().any(|p| p.action == "s3:GetObject"),
        "{:?}",
        permissions.iter().map(|p| &p.action).collect::<Vec<_>>()
    );
    // Only that role: not the OIDC or EC2 ones, and nothing of her own.
    assert_eq!(access.identities.len(), 1);
    assert!(access.owned.is_empty());
}

#[test]
fn a_person_without_assignment_reaches_no_saml_role() {
    let dir = bundle();
    let estate = Estate::load(dir.path(), Parts::ALL).unwrap();
    let access = estate.person_access("person:bob@corp.com").unwrap();
    assert!(access.identities.is_empty(), "{:?}", access.identities.iter().map(|i| &i.identity.id).collect::<Vec<_>>());
    let people = estate.people.as_ref().unwrap();
    let users = people.federated_users_of(&format!("arn:aws:iam::{ACCOUNT}:role/OktaReports"));
    assert_eq!(users.iter().map(|(p, _)| p.key.as_str()).collect::<Vec<_>>(), vec!["alice@corp.com"]);
}

/// A Google Cloud organization whose policy grants `roles/browser` to a workforce pool group
/// (`gcloud organizations describe`, `gcloud asset search-all-iam-policies`, `gcloud iam roles
/// describe` output: https://cloud.google.com/asset-inventory/docs/reference/rest/v1/TopLevel/searchAllIamPolicies,
/// https://cloud.google.com/iam/docs/reference/rest/v1/roles), and Okta group `gcp-admins` holding Alice.
fn gcp_bundle() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let org = "gcp/123456789012";
    let set = "principalSet://iam.googleapis.com/locations/global/workforcePools/corp-pool/group/gcp-admins";
    write(
        d,
        &format!("{org}/organization.json"),
        &json!({
            "name": "organizations/123456789012",
            "displayName": "corp.com",
            "owner": {"directoryCustomerId": "C01abcdef"},
            "creationTime": "2020-01-01T00:00:00.000Z",
            "lifecycleState": "ACTIVE"
        }),
    );
    write(
        d,
        &format!("{org}/iam-policies.json"),
        &json!([{
            "resource": "//cloudresourcemanager.googleapis.com/organizations/123456789012",
            "assetType": "cloudresourcemanager.googleapis.com/Organization",
            "organization": "organizations/123456789012",
            "policy": {"bindings": [{"role": "roles/browser", "members": [set]}]}
        }]),
    );
    write(
        d,
        &format!("{org}/roles.json"),
        &json!([{
            "name": "roles/browser",
            "title": "Browser",
            "description": "Read access to browse the hierarchy for a project, including the folder, organization, and allow policy.",
            "includedPermissions": ["resourcemanager.folders.get", "resourcemanager.organizations.get", "resourcemanager.projects.get"],
            "stage": "GA",
            "etag": "AA=="
        }]),
    );
    write(
        d,
        "people/okta/users.json",
        &json!([okta_user("00ualice", "alice@corp.com"), okta_user("00ubob", "bob@corp.com")]),
    );
    write(
        d,
        "people/okta/groups.json",
        &json!([{"id": "00gadmins", "type": "OKTA_GROUP", "profile": {"name": "gcp-admins", "description": null}}]),
    );
    write(d, "people/okta/group-members/00gadmins.json", &json!([okta_user("00ualice", "alice@corp.com")]));
    dir
}

#[test]
fn a_person_can_do_what_their_workforce_pool_group_can() {
    let dir = gcp_bundle();
    let estate = Estate::load(dir.path(), Parts::ALL).unwrap();
    let set = "principalSet://iam.googleapis.com/locations/global/workforcePools/corp-pool/group/gcp-admins";
    let access = estate.person_access("person:alice@corp.com").unwrap();
    let group = access
        .identities
        .iter()
        .find(|i| i.identity.id == set)
        .unwrap_or_else(|| panic!("{:?}", access.identities.iter().map(|i| &i.identity.id).collect::<Vec<_>>()));
    assert!(group.federated);
    assert_eq!(group.identity.federated_via.as_deref(), Some("gcp-workforce:corp-pool"));
    let Ok(WhatCan::Entitlements { entitlements, .. }) = &group.access else { panic!("no Google Cloud access") };
    assert!(entitlements.iter().any(|e| &*e.action == "resourcemanager.projects.get"));
    // Bob is in no group: nothing.
    assert!(estate.person_access("person:bob@corp.com").unwrap().identities.is_empty());
}
