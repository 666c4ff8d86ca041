//! Federation: the persons behind AWS SAML roles and Google Cloud workforce pool groups, and
//! Entra B2B guests tied to their home address.
//!
//! The Okta files are written in the shapes Okta's management API returns:
//! `GET /api/v1/users` (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/),
//! `GET /api/v1/apps` and `GET /api/v1/apps/{appId}/users`
//! (…/tag/Application/ and …/tag/ApplicationUsers/; the AWS Account Federation app's
//! `profile.samlRoles`, as in https://help.okta.com/en-us/content/topics/deploymentguides/aws/aws-deployment.htm),
//! `GET /api/v1/groups` and `GET /api/v1/groups/{groupId}/users` (…/tag/Group/). The cloud
//! identities are built as `remit-estate` adapts them (`federated_via` = `aws-saml:<provider
//! arn>` for a role whose trust policy lets that SAML provider `sts:AssumeRoleWithSAML`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use proptest::prelude::*;
use remit_model::{Cloud, PrincipalKind};
use remit_people::{CloudIdentity, Level, PeopleInputs, Resolution, Rule, SamlRole, correlate, parse_saml_role};
use serde_json::{Value, json};

const OKTA_PROVIDER_1: &str = "arn:aws:iam::111111111111:saml-provider/Okta";
const OKTA_PROVIDER_2: &str = "arn:aws:iam::222222222222:saml-provider/Okta";

fn okta_user(id: &str, login: &str, first: &str, last: &str) -> Value {
    json!({
        "id": id,
        "status": "ACTIVE",
        "created": "2024-01-10T17:00:00.000Z",
        "activated": "2024-01-10T17:00:01.000Z",
        "statusChanged": "2024-01-10T17:00:01.000Z",
        "lastLogin": "2026-11-30T09:12:44.000Z",
        "lastUpdated": "2026-11-01T10:00:00.000Z",
        "passwordChanged": "2024-01-10T17:05:00.000Z",
        "type": {"id": "oty1a2b3c4d5e6f7g8h9"},
        "profile": {
            "firstName": first,
            "lastName": last,
            "mobilePhone": null,
            "secondEmail": null,
            "login": login,
            "email": login
        },
        "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
        "_links": {"self": {"href": format!("https://example.okta.com/api/v1/users/{id}")}}
    })
}

fn app(id: &str, name: &str, label: &str, status: &str) -> Value {
    json!({
        "id": id,
        "name": name,
        "label": label,
        "status": status,
        "lastUpdated": "2025-06-01T12:00:00.000Z",
        "created": "2023-03-01T12:00:00.000Z",
        "signOnMode": "SAML_2_0",
        "settings": {
            "app": {
                "awsEnvironmentType": "aws.amazon",
                "identityProviderArn": OKTA_PROVIDER_1,
                "joinAllRoles": false,
                "sessionDuration": 3600,
                "loginURL": null
            }
        },
        "_links": {"users": {"href": format!("https://example.okta.com/api/v1/apps/{id}/users")}}
    })
}

fn app_user(id: &str, user_name: &str, scope: &str, saml_roles: &[&str]) -> Value {
    json!({
        "id": id,
        "externalId": null,
        "created": "2024-02-01T08:00:00.000Z",
        "lastUpdated": "2024-02-01T08:00:00.000Z",
        "scope": scope,
        "status": "ACTIVE",
        "statusChanged": "2024-02-01T08:00:00.000Z",
        "passwordChanged": null,
        "syncState": "DISABLED",
        "credentials": {"userName": user_name},
        "profile": {"role": null, "samlRoles": saml_roles},
        "_links": {"user": {"href": format!("https://example.okta.com/api/v1/users/{id}")}}
    })
}

fn write(dir: &Path, rel: &str, value: &Value) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

/// Alice, Bob and Dan in Okta; the AWS Account Federation app assigns Alice `Admin` by name, Bob
/// a `provider,role` pair (Okta's group-mapping order), Dan a pair naming the wrong provider and
/// a role that is not federated; an Identity Center app and an inactive AWS app carry
/// samlRoles that must be ignored. Okta group `gcp-admins` holds Alice.
fn inputs() -> (tempfile::TempDir, PeopleInputs) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "okta/users.json",
        &json!([
            okta_user("00ualice", "alice@corp.com", "Alice", "Smith"),
            okta_user("00ubob", "bob@corp.com", "Bob", "Jones"),
            okta_user("00udan", "dan@corp.com", "Dan", "Brown"),
        ]),
    );
    write(
        d,
        "okta/apps.json",
        &json!([
            app("0oaaws", "amazon_aws", "AWS Account Federation", "ACTIVE"),
            app("0oasso", "amazon_aws_sso", "AWS IAM Identity Center", "ACTIVE"),
            app("0oaold", "amazon_aws", "AWS (old)", "INACTIVE"),
        ]),
    );
    write(
        d,
        "okta/app-users/0oaaws.json",
        &json!([
            app_user("00ualice", "alice@corp.com", "USER", &["Admin"]),
            app_user(
                "00ubob",
                "bob@corp.com",
                "GROUP",
                &[&format!("{OKTA_PROVIDER_2},arn:aws:iam::222222222222:role/ReadOnly")]
            ),
            app_user(
                "00udan",
                "dan@corp.com",
                "USER",
                &["arn:aws:iam::111111111111:role/Admin,arn:aws:iam::111111111111:saml-provider/Other", "Deploy"]
            ),
        ]),
    );
    write(d, "okta/app-users/0oasso.json", &json!([app_user("00udan", "dan@corp.com", "USER", &["ReadOnly"])]));
    write(d, "okta/app-users/0oaold.json", &json!([app_user("00udan", "dan@corp.com", "USER", &["Audit"])]));
    write(
        d,
        "okta/groups.json",
        &json!([
            {"id": "00gadmins", "created": "2024-01-01T00:00:00.000Z", "type": "OKTA_GROUP",
             "profile": {"name": "gcp-admins", "description": "Google Cloud administrators"}},
            {"id": "00gother", "created": "2024-01-01T00:00:00.000Z", "type": "OKTA_GROUP",
             "profile": {"name": "gcp-auditors", "description": null}}
        ]),
    );
    write(d, "okta/group-members/00gadmins.json", &json!([okta_user("00ualice", "alice@corp.com", "Alice", "Smith")]));
    write(d, "okta/group-members/00gother.json", &json!([okta_user("00udan", "dan@corp.com", "Dan", "Brown")]));
    let inputs = PeopleInputs::load(d).unwrap();
    assert!(inputs.issues.is_empty(), "{:?}", inputs.issues);
    (dir, inputs)
}

fn role(arn: &str, name: &str, provider: Option<&str>) -> CloudIdentity {
    let mut r = CloudIdentity::new(Cloud::Aws, PrincipalKind::Role, arn, name);
    r.federated_via = provider.map(|p| format!("aws-saml:{p}"));
    r
}

fn roles() -> Vec<CloudIdentity> {
    vec![
        role("arn:aws:iam::111111111111:role/Admin", "Admin", Some(OKTA_PROVIDER_1)),
        role("arn:aws:iam::222222222222:role/ReadOnly", "ReadOnly", Some(OKTA_PROVIDER_2)),
        // Same name as a SAML role, but trusted by EC2 only.
        role("arn:aws:iam::111111111111:role/Deploy", "Deploy", None),
        // Federated, but no Okta assignment names it.
        role("arn:aws:iam::111111111111:role/BreakGlass", "BreakGlass", Some(OKTA_PROVIDER_1)),
        role("arn:aws:iam::111111111111:role/Audit", "Audit", Some(OKTA_PROVIDER_1)),
    ]
}

fn users_of(dir: &remit_people::Directory, id: &str) -> Vec<String> {
    dir.federated_users_of(id).into_iter().map(|(p, _)| p.key.clone()).collect()
}

#[test]
fn a_saml_role_named_by_name_is_used_by_its_okta_assignee() {
    let (_d, inputs) = inputs();
    let dir = correlate(&inputs, &roles());
    let admin = "arn:aws:iam::111111111111:role/Admin";
    let users = dir.federated_users_of(admin);
    assert_eq!(users.len(), 1, "{users:?}");
    let (person, link) = users[0];
    assert_eq!(person.key, "alice@corp.com");
    assert_eq!((link.rule, link.confidence.level), (Rule::AppAssignment, Level::High));
    assert!(link.reason.contains("samlRoles") && link.reason.contains(OKTA_PROVIDER_1), "{}", link.reason);
    // Used by, not owned by, and not her own identity.
    let alice = dir.person("alice@corp.com").unwrap();
    let roles: Vec<&str> = dir.federated_roles_of(alice).into_iter().map(|(i, _)| i.id.as_str()).collect();
    assert_eq!(roles, vec![admin]);
    assert!(dir.identities_of(alice).is_empty());
    assert!(dir.person_of(admin).is_none());
    assert!(dir.owner_of(admin).is_none());
}

#[test]
fn a_role_and_provider_pair_in_either_order_links_when_the_role_trusts_that_provider() {
    let (_d, inputs) = inputs();
    let dir = correlate(&inputs, &roles());
    assert_eq!(users_of(&dir, "arn:aws:iam::222222222222:role/ReadOnly"), vec!["bob@corp.com"]);
    let (_, link) = dir.federated_users_of("arn:aws:iam::222222222222:role/ReadOnly")[0];
    assert!(link.reason.contains("scope GROUP"), "{}", link.reason);
}

#[test]
fn a_pair_naming_a_provider_the_role_does_not_trust_links_nobody_and_is_reported() {
    let (_d, inputs) = inputs();
    let dir = correlate(&inputs, &roles());
    let dan = dir.person("dan@corp.com").unwrap();
    assert!(dir.federated_roles_of(dan).is_empty(), "{:?}", dir.federated_roles_of(dan));
    let issue = dir
        .issues()
        .iter()
        .find(|i| i.location.contains("saml-provider/Other"))
        .unwrap_or_else(|| panic!("{:?}", dir.issues()));
    assert_eq!(issue.file, "okta/app-users/0oaaws.json");
    assert!(issue.message.contains("does not trust"), "{}", issue.message);
}

#[test]
fn a_role_that_is_not_saml_federated_is_not_reached_by_its_name() {
    let (_d, inputs) = inputs();
    let dir = correlate(&inputs, &roles());
    assert!(dir.federated_users_of("arn:aws:iam::111111111111:role/Deploy").is_empty());
    let issue = dir.issues().iter().find(|i| i.location.contains("`Deploy`")).unwrap();
    assert!(issue.message.contains("names no role"), "{}", issue.message);
}

#[test]
fn identity_center_and_inactive_apps_give_no_federated_users() {
    let (_d, inputs) = inputs();
    let dir = correlate(&inputs, &roles());
    // `ReadOnly` from the Identity Center app and `Audit` from the inactive app are ignored.
    assert_eq!(users_of(&dir, "arn:aws:iam::222222222222:role/ReadOnly"), vec!["bob@corp.com"]);
    assert!(dir.federated_users_of("arn:aws:iam::111111111111:role/Audit").is_empty());
}

#[test]
fn a_saml_role_without_assignment_says_its_users_are_unknown() {
    let (_d, inputs) = inputs();
    let dir = correlate(&inputs, &roles());
    let Some(Resolution::Unlinked(why)) = dir.resolution("arn:aws:iam::111111111111:role/BreakGlass") else {
        panic!("{:?}", dir.resolution("arn:aws:iam::111111111111:role/BreakGlass"))
    };
    assert!(why.contains("no Okta `amazon_aws` assignment") && why.contains("unknown"), "{why}");
    let Some(Resolution::Unlinked(why)) = dir.resolution("arn:aws:iam::111111111111:role/Admin") else { panic!() };
    assert!(why.contains("by 1 person"), "{why}");
    // A role that is not federated says nothing of federation.
    let Some(Resolution::Unlinked(why)) = dir.resolution("arn:aws:iam::111111111111:role/Deploy") else { panic!() };
    assert!(!why.contains("SAML"), "{why}");
}

#[test]
fn a_role_name_in_several_accounts_links_with_medium_confidence() {
    let (_d, inputs) = inputs();
    let mut identities = roles();
    identities.push(role(
        "arn:aws:iam::333333333333:role/Admin",
        "Admin",
        Some("arn:aws:iam::333333333333:saml-provider/Okta"),
    ));
    let dir = correlate(&inputs, &identities);
    for arn in ["arn:aws:iam::111111111111:role/Admin", "arn:aws:iam::333333333333:role/Admin"] {
        let users = dir.federated_users_of(arn);
        assert_eq!(users.len(), 1);
        assert_eq!(users[0].1.confidence.level, Level::Medium, "{}", users[0].1.reason);
        assert!(users[0].1.reason.contains("2 accounts"), "{}", users[0].1.reason);
    }
}

#[test]
fn a_workforce_pool_group_is_used_by_the_members_of_the_okta_group_of_its_name() {
    let (_d, inputs) = inputs();
    let set = |g: &str| {
        let id = format!("principalSet://iam.googleapis.com/locations/global/workforcePools/corp-pool/group/{g}");
        let mut i = CloudIdentity::new(Cloud::Gcp, PrincipalKind::Group, id, g);
        i.federated_via = Some("gcp-workforce:corp-pool".into());
        i
    };
    let dir = correlate(&inputs, &[set("gcp-admins"), set("gcp-readers")]);
    let admins = "principalSet://iam.googleapis.com/locations/global/workforcePools/corp-pool/group/gcp-admins";
    let users = dir.federated_users_of(admins);
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].0.key, "alice@corp.com");
    assert_eq!((users[0].1.rule, users[0].1.confidence.level), (Rule::GroupMembership, Level::Medium));
    assert!(users[0].1.reason.contains("attribute mapping is not read"), "{}", users[0].1.reason);
    // No Okta group of that name: nobody.
    assert!(
        dir.federated_users_of(
            "principalSet://iam.googleapis.com/locations/global/workforcePools/corp-pool/group/gcp-readers"
        )
        .is_empty()
    );
    // Dan is in another group only.
    assert!(dir.federated_roles_of(dir.person("dan@corp.com").unwrap()).is_empty());
    assert!(matches!(dir.resolution(admins), Some(Resolution::NotApplicable)));
}

#[test]
fn a_b2b_guest_links_to_its_home_address_with_a_reason_saying_so() {
    let (_d, inputs) = inputs();
    let mut by_upn = CloudIdentity::new(Cloud::Azure, PrincipalKind::User, "obj-g1", "Bob Jones (Corp)");
    by_upn.upn = Some("Bob_corp.com#EXT#@partner.onmicrosoft.com".into());
    by_upn.federated_via = Some("azure-b2b".into());
    let mut by_mail = CloudIdentity::new(Cloud::Azure, PrincipalKind::User, "obj-g2", "Dan Brown (Corp)");
    by_mail.upn = Some("dbrown_gmail.com#EXT#@partner.onmicrosoft.com".into());
    by_mail.emails = vec!["dan@corp.com".into()];
    by_mail.federated_via = Some("azure-b2b".into());
    let dir = correlate(&inputs, &[by_upn, by_mail]);
    let (p, link) = dir.person_of("obj-g1").unwrap();
    assert_eq!((p.key.as_str(), link.rule), ("bob@corp.com", Rule::Email));
    assert!(link.reason.contains("B2B guest's home address"), "{}", link.reason);
    let (p, link) = dir.person_of("obj-g2").unwrap();
    assert_eq!((p.key.as_str(), link.rule), ("dan@corp.com", Rule::Email));
    assert!(link.reason.contains("B2B guest's mail"), "{}", link.reason);
    // Guests make no persons.
    assert_eq!(dir.persons().len(), 3);
}

#[test]
fn a_b2b_home_address_is_read_only_from_an_ext_upn() {
    let upn = |u: &str| {
        let mut i = CloudIdentity::new(Cloud::Azure, PrincipalKind::User, "o", "n");
        i.upn = Some(u.into());
        i.b2b_home_address()
    };
    assert_eq!(upn("first.last_domain.com#EXT#@tenant.onmicrosoft.com").as_deref(), Some("first.last@domain.com"));
    // The last `_` is the `@`: underscores of the local part stay.
    assert_eq!(upn("first_last_sub.domain.com#ext#@t.onmicrosoft.com").as_deref(), Some("first_last@sub.domain.com"));
    assert_eq!(upn("first.last_domain.com@tenant.onmicrosoft.com"), None);
    assert_eq!(upn("nounderscore#EXT#@t.onmicrosoft.com"), None);
    assert_eq!(upn("alice_localhost#EXT#@t.onmicrosoft.com"), None);
    // A member whose own UPN has an underscore keeps it as written.
    let mut member = CloudIdentity::new(Cloud::Azure, PrincipalKind::User, "o", "n");
    member.upn = Some("alice_smith@corp.com".into());
    assert_eq!(member.addresses(), vec![("alice_smith@corp.com".to_owned(), "UPN")]);
}

#[test]
fn saml_role_values_read_as_okta_writes_them() {
    let role = "arn:aws:iam::111111111111:role/Admin";
    let pair = SamlRole::Pair { role: role.into(), provider: OKTA_PROVIDER_1.into() };
    assert_eq!(parse_saml_role(&format!("{role},{OKTA_PROVIDER_1}")), pair);
    assert_eq!(parse_saml_role(&format!("{OKTA_PROVIDER_1}, {role}")), pair);
    assert_eq!(parse_saml_role(role), SamlRole::Arn(role.into()));
    assert_eq!(parse_saml_role("Admin"), SamlRole::Name("Admin".into()));
    assert!(matches!(parse_saml_role(&format!("{role},{role}")), SamlRole::Invalid(_)));
    assert!(matches!(parse_saml_role("not a role"), SamlRole::Invalid(_)));
    assert!(matches!(parse_saml_role("arn:aws:iam::1:user/alice"), SamlRole::Invalid(_)));
    assert!(matches!(parse_saml_role(""), SamlRole::Invalid(_)));
}

proptest! {
    #[test]
    fn saml_role_parser_never_panics(value in "\\PC{0,80}") {
        let _ = parse_saml_role(&value);
    }

    #[test]
    fn pairs_read_back_in_either_order(account in "[0-9]{12}", name in "[A-Za-z0-9+=.@_-]{1,20}", idp in "[A-Za-z0-9_-]{1,20}") {
        let role = format!("arn:aws:iam::{account}:role/{name}");
        let provider = format!("arn:aws:iam::{account}:saml-provider/{idp}");
        let pair = SamlRole::Pair { role: role.clone(), provider: provider.clone() };
        prop_assert_eq!(parse_saml_role(&format!("{role},{provider}")), pair.clone());
        prop_assert_eq!(parse_saml_role(&format!("{provider},{role}")), pair);
    }

    #[test]
    fn b2b_home_address_never_panics_and_is_an_address(upn in "\\PC{0,60}") {
        let mut i = CloudIdentity::new(Cloud::Azure, PrincipalKind::User, "o", "n");
        i.upn = Some(upn);
        if let Some(home) = i.b2b_home_address() {
            prop_assert_eq!(home.matches('@').count(), 1);
        }
    }
}

#[test]
fn a_leaver_okta_still_signs_in_is_found_on_the_saml_role_but_not_once_okta_suspends_them() {
    let (_d, mut inputs) = inputs();
    inputs.hr = vec![remit_people::HrRecord {
        line: 2,
        employee_id: None,
        email: "alice@corp.com".into(),
        display_name: Some("Alice Smith".into()),
        department: None,
        title: None,
        manager_email: None,
        status: remit_people::HrStatus::Terminated,
        start_date: None,
        end_date: Some("2026-10-31".into()),
        incomplete: false,
    }];
    let dir = correlate(&inputs, &roles());
    let admin = "arn:aws:iam::111111111111:role/Admin";
    let found: Vec<_> =
        dir.findings().iter().filter(|f| f.rule == remit_people::RULE_LEAVER && f.principals == [admin]).collect();
    assert_eq!(found.len(), 1, "{:?}", dir.findings());
    assert!(found[0].title.contains("through federation"), "{}", found[0].title);
    assert_eq!(found[0].reach.access, "allowed");
    // Bob has not left: nothing on his role.
    assert!(!dir.findings().iter().any(|f| f.rule == remit_people::RULE_LEAVER
        && f.principals == ["arn:aws:iam::222222222222:role/ReadOnly"]));
    // Okta suspended: she cannot sign in, so cannot federate.
    inputs.okta_users.iter_mut().find(|u| u.id == "00ualice").unwrap().status = "SUSPENDED".into();
    let dir = correlate(&inputs, &roles());
    assert!(!dir.findings().iter().any(|f| f.rule == remit_people::RULE_LEAVER && f.principals == [admin]));
}
