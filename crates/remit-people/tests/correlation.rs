//! Correlation over a realistic people directory: every rule, positive and negative.
//!
//! The fixtures under `fixtures/people/` are in the shapes Okta's management API returns
//! (users: https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/ ;
//! groups and members: …/tag/Group/ ; apps: …/tag/Application/ ; app users:
//! …/tag/ApplicationUsers/), and an HR feed with the columns of docs/people.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use remit_findings::{Kind, Severity};
use remit_model::{Cloud, PrincipalKind};
use remit_people::{
    CloudIdentity, Directory, HrStatus, Level, PeopleInputs, RULE_LEAVER, RULE_NO_OWNER, RULE_OWNER_LEFT, Resolution,
    Rule, correlate,
};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/people")
}

fn inputs() -> PeopleInputs {
    PeopleInputs::load(&fixture_dir()).unwrap()
}

fn user(cloud: Cloud, id: &str, name: &str) -> CloudIdentity {
    CloudIdentity::new(cloud, PrincipalKind::User, id, name)
}

fn identities() -> Vec<CloudIdentity> {
    let mut alice_ic = user(Cloud::Aws, "identitystore:d-9067/user/alice-ic", "alice.smith@example.com");
    alice_ic.federated_via = Some("aws-identity-center".into());
    alice_ic.idp_subject = Some(("okta".into(), "00u1alicesmith0001".into()));

    let alice_gcp = user(Cloud::Gcp, "user:alice.smith@example.com", "alice.smith@example.com");
    let asmith = user(Cloud::Aws, "arn:aws:iam::111122223333:user/asmith", "asmith");
    let alice_iam = user(Cloud::Aws, "arn:aws:iam::111122223333:user/alice.smith", "alice.smith");

    let mut adam_ic = user(Cloud::Aws, "identitystore:d-9067/user/adam-ic", "adam.s");
    adam_ic.federated_via = Some("aws-identity-center".into());

    let bob_gcp = user(Cloud::Gcp, "user:bob.jones@example.com", "bob.jones@example.com");
    let mut bob_guest = user(Cloud::Azure, "5b0b0000-0000-0000-0000-00000000b0b0", "Bob Jones (guest)");
    bob_guest.upn = Some("bob_contractor.io#EXT#@example.onmicrosoft.com".into());
    bob_guest.emails = vec!["bob@contractor.io".into()];
    bob_guest.federated_via = Some("azure-b2b".into());

    let mut carol_ic = user(Cloud::Aws, "identitystore:d-9067/user/carol-ic", "carol.white@example.com");
    carol_ic.idp_subject = Some(("okta".into(), "00u4carolwhite0004".into()));
    carol_ic.last_active = Some(1_764_000_000);
    let carol_gcp = user(Cloud::Gcp, "user:carol.white@example.com", "carol.white@example.com");
    let carol_deleted =
        user(Cloud::Gcp, "deleted:user:carol.white@example.com?uid=123456789", "carol.white@example.com");

    let mut dave_entra = user(Cloud::Azure, "0d0d0000-0000-0000-0000-00000000dave", "Dave Brown");
    dave_entra.upn = Some("dave.brown@example.com".into());
    dave_entra.employee_id = Some("E1004".into());
    dave_entra.enabled = false;

    let mut pipeline = CloudIdentity::new(
        Cloud::Azure,
        PrincipalKind::ServiceAccount,
        "5p5p0000-0000-0000-0000-0000000build",
        "build-pipeline",
    );
    pipeline.owners = vec!["0d0d0000-0000-0000-0000-00000000dave".into()];

    let mut etl = CloudIdentity::new(
        Cloud::Gcp,
        PrincipalKind::ServiceAccount,
        "serviceAccount:etl@analytics-prod.iam.gserviceaccount.com",
        "etl",
    );
    etl.tags = vec![("owner".into(), "Alice.Smith@example.com".into())];

    let legacy = CloudIdentity::new(
        Cloud::Aws,
        PrincipalKind::Role,
        "arn:aws:iam::111122223333:role/legacy-batch",
        "legacy-batch",
    );

    let mut frank = user(Cloud::Azure, "0f0f0000-0000-0000-0000-0000000frank", "Frank Miller");
    frank.upn = Some("frank@example.onmicrosoft.com".into());

    let mut erin = user(Cloud::Azure, "0e0e0000-0000-0000-0000-00000000erin", "Erin Green");
    erin.upn = Some("erin.green@example.onmicrosoft.com".into());
    erin.employee_id = Some("E2001".into());

    let group = CloudIdentity::new(Cloud::Gcp, PrincipalKind::Group, "group:eng@example.com", "eng");
    vec![
        alice_ic,
        alice_gcp,
        asmith,
        alice_iam,
        adam_ic,
        bob_gcp,
        bob_guest,
        carol_ic,
        carol_gcp,
        carol_deleted,
        dave_entra,
        pipeline,
        etl,
        legacy,
        frank,
        erin,
        group,
    ]
}

fn directory() -> Directory {
    correlate(&inputs(), &identities())
}

#[test]
fn inputs_are_read_from_the_bundle_layout() {
    let inputs = inputs();
    assert_eq!(inputs.okta_users.len(), 5);
    assert_eq!(inputs.okta_groups.len(), 2);
    let eng = inputs.okta_groups.iter().find(|g| g.name == "Engineering").unwrap();
    assert_eq!(eng.members, vec!["00u1alicesmith0001", "00u5eringreen00005"]);
    assert_eq!(eng.group_type, "OKTA_GROUP");
    let aws = inputs.okta_apps.iter().find(|a| a.name == "amazon_aws_sso").unwrap();
    assert_eq!(aws.users.len(), 2);
    assert_eq!(aws.users[1].user_name.as_deref(), Some("adam.s"));
    assert_eq!(inputs.hr.len(), 5);
    assert_eq!(inputs.hr[0].email, "alice.smith@example.com");
    assert_eq!(inputs.hr[2].display_name.as_deref(), Some("Jones, Bob (contractor)"));
    assert_eq!(inputs.hr[2].employee_id, None);
    assert_eq!(inputs.hr[3].status, HrStatus::Terminated);
    assert!(inputs.issues.is_empty(), "{:?}", inputs.issues);
}

#[test]
fn persons_are_keyed_by_hr_then_okta_then_entra() {
    let dir = directory();
    let keys: Vec<&str> = dir.persons().iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "alice.smith@example.com",
            "adam.smith@example.com",
            "bob@contractor.io",
            "carol.white@example.com",
            "dave.brown@example.com",
            "erin.green@example.com",
            "frank@example.onmicrosoft.com",
        ]
    );
    // The guest made no person.
    assert!(dir.person("bob_contractor.io#ext#@example.onmicrosoft.com").is_none());
    let erin = dir.person("erin.green@example.com").unwrap();
    assert_eq!(erin.hr_status, None);
    assert_eq!(erin.okta_status.as_deref(), Some("ACTIVE"));
    assert!(erin.emails.contains(&"erin.green@example.onmicrosoft.com".to_owned()));
    let alice = dir.person("alice.smith@example.com").unwrap();
    assert_eq!(alice.department.as_deref(), Some("Engineering"));
    assert_eq!(alice.manager.as_deref(), Some("erin.green@example.com"));
    assert_eq!(alice.okta_id.as_deref(), Some("00u1alicesmith0001"));
}

#[test]
fn a_contractor_with_two_emails_is_one_person() {
    let dir = directory();
    let bob = dir.person("bob@contractor.io").unwrap();
    assert_eq!(bob.emails, vec!["bob@contractor.io", "bob.jones@example.com", "bob.jones+alt@contractor.io"]);
    assert_eq!(dir.person("BOB.JONES@example.com").map(|p| &p.key), Some(&bob.key));
    // Through the alias: medium.
    let (p, link) = dir.person_of("user:bob.jones@example.com").unwrap();
    assert_eq!(p.key, "bob@contractor.io");
    assert_eq!(link.rule, Rule::Alias);
    assert_eq!(link.confidence.level, Level::Medium);
    // Through the canonical address (the guest's mail): high.
    let (p, link) = dir.person_of("5b0b0000-0000-0000-0000-00000000b0b0").unwrap();
    assert_eq!(p.key, "bob@contractor.io");
    assert_eq!(link.rule, Rule::Email);
    assert_eq!(link.confidence.level, Level::High);
    assert_eq!(dir.identities_of(bob).len(), 2);
}

#[test]
fn idp_subject_links_with_full_confidence() {
    let dir = directory();
    let (p, link) = dir.person_of("identitystore:d-9067/user/alice-ic").unwrap();
    assert_eq!(p.key, "alice.smith@example.com");
    assert_eq!(link.rule, Rule::IdpSubject);
    assert_eq!(link.confidence.score, 100);
    assert!(link.reason.contains("okta:00u1alicesmith0001"), "{}", link.reason);
}

#[test]
fn okta_app_assignment_links_the_cloud_user_name() {
    let dir = directory();
    // amazon_aws_sso assigns Adam as `adam.s`: nothing else would tie `adam.s` to him.
    let (p, link) = dir.person_of("identitystore:d-9067/user/adam-ic").unwrap();
    assert_eq!(p.key, "adam.smith@example.com");
    assert_eq!(link.rule, Rule::AppAssignment);
    assert_eq!(link.confidence.level, Level::High);
    assert!(link.reason.contains("amazon_aws_sso"));
    // The google app assigns Alice as her address: the GCP user links through it.
    let (p, link) = dir.person_of("user:alice.smith@example.com").unwrap();
    assert_eq!(p.key, "alice.smith@example.com");
    assert_eq!(link.rule, Rule::AppAssignment);
    assert!(link.reason.contains("(email)"), "the address also matched: {}", link.reason);
}

#[test]
fn employee_id_links_an_entra_user() {
    let dir = directory();
    let (p, link) = dir.person_of("0e0e0000-0000-0000-0000-00000000erin").unwrap();
    assert_eq!(p.key, "erin.green@example.com");
    assert_eq!(link.rule, Rule::EmployeeId);
    assert_eq!(link.confidence.level, Level::High);
    let (p, link) = dir.person_of("0d0d0000-0000-0000-0000-00000000dave").unwrap();
    assert_eq!(p.key, "dave.brown@example.com");
    assert_eq!(link.confidence.level, Level::High);
}

#[test]
fn an_entra_only_user_is_a_person_of_its_own() {
    let dir = directory();
    let (p, link) = dir.person_of("0f0f0000-0000-0000-0000-0000000frank").unwrap();
    assert_eq!(p.key, "frank@example.onmicrosoft.com");
    assert_eq!(p.display_name, "Frank Miller");
    assert_eq!(link.rule, Rule::Email);
    assert_eq!(dir.person("person:frank miller").map(|p| p.key.as_str()), Some("frank@example.onmicrosoft.com"));
}

#[test]
fn a_name_collision_is_ambiguous_with_both_candidates() {
    let dir = directory();
    assert!(dir.person_of("arn:aws:iam::111122223333:user/asmith").is_none());
    let ambiguous = dir.ambiguous();
    let (identity, a) = ambiguous.iter().find(|(i, _)| i.name == "asmith").unwrap();
    assert_eq!(identity.cloud, Cloud::Aws);
    let mut persons: Vec<&str> = a.candidates.iter().map(|c| c.person.as_str()).collect();
    persons.sort_unstable();
    assert_eq!(persons, vec!["adam.smith@example.com", "alice.smith@example.com"]);
    assert!(a.candidates.iter().all(|c| c.rule == Rule::InitialAndName));
    assert_eq!(a.confidence.level, Level::Low);
}

#[test]
fn a_full_name_links_with_low_confidence() {
    let dir = directory();
    let (p, link) = dir.person_of("arn:aws:iam::111122223333:user/alice.smith").unwrap();
    assert_eq!(p.key, "alice.smith@example.com");
    assert_eq!(link.rule, Rule::FullName);
    assert_eq!(link.confidence.level, Level::Low);
}

#[test]
fn lookups_by_employee_id_alias_and_display_name() {
    let dir = directory();
    assert_eq!(dir.person("E1003").map(|p| p.key.as_str()), Some("carol.white@example.com"));
    assert_eq!(dir.person("person:e1003").map(|p| p.key.as_str()), Some("carol.white@example.com"));
    assert_eq!(dir.person("alice SMITH").map(|p| p.key.as_str()), Some("alice.smith@example.com"));
    assert!(dir.person("nobody@example.com").is_none());
    assert!(dir.person("person:").is_none());
}

#[test]
fn a_terminated_person_with_an_active_aws_user_and_gcp_account_is_found() {
    let dir = directory();
    let leavers: Vec<_> = dir.findings().iter().filter(|f| f.rule == RULE_LEAVER).collect();
    let mut principals: Vec<&str> = leavers.iter().map(|f| f.principals[0].as_str()).collect();
    principals.sort_unstable();
    // The deleted Google member and Dave's disabled Entra user are not active: no finding.
    assert_eq!(principals, vec!["identitystore:d-9067/user/carol-ic", "user:carol.white@example.com"]);
    for f in &leavers {
        assert_eq!(f.kind, Kind::InactiveIdentity);
        assert_eq!(f.severity, Severity::High);
        assert!(f.reach.is_allowed());
        assert!(f.severity_rationale.contains("PS-4"));
        assert!(f.evidence.iter().any(|e| e.detail.as_deref().unwrap_or("").contains("terminated")));
    }
    let aws = leavers.iter().find(|f| f.cloud == "aws").unwrap();
    assert!(aws.evidence.iter().any(|e| e.detail.as_deref().unwrap_or("").contains("DEPROVISIONED")));
    assert!(aws.evidence.iter().any(|e| e.detail.as_deref().unwrap_or("").starts_with("last active")));
    assert_eq!(leavers.iter().find(|f| f.principals[0].starts_with("user:")).unwrap().cloud, "gcp");
    // The deleted member is still Carol's (for history), just not a finding.
    let (p, _) = dir.person_of("deleted:user:carol.white@example.com?uid=123456789").unwrap();
    assert_eq!(p.key, "carol.white@example.com");
}

#[test]
fn a_service_principal_owned_by_a_leaver_is_orphaned() {
    let dir = directory();
    let (owner, link) = dir.owner_of("5p5p0000-0000-0000-0000-0000000build").unwrap();
    assert_eq!(owner.key, "dave.brown@example.com");
    assert_eq!(link.rule, Rule::RecordedOwner);
    assert_eq!(link.confidence.level, Level::High);
    let f = dir.findings().iter().find(|f| f.rule == RULE_OWNER_LEFT).unwrap();
    assert_eq!(f.principals, vec!["5p5p0000-0000-0000-0000-0000000build"]);
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.cloud, "azure");
    assert_eq!(dir.owned_by(owner).len(), 1);
}

#[test]
fn an_owner_tag_names_an_active_owner_and_no_finding() {
    let dir = directory();
    let id = "serviceAccount:etl@analytics-prod.iam.gserviceaccount.com";
    let (owner, link) = dir.owner_of(id).unwrap();
    assert_eq!(owner.key, "alice.smith@example.com");
    assert_eq!(link.rule, Rule::OwnerTag);
    assert!(dir.findings().iter().all(|f| f.principals[0] != id));
    assert!(dir.person_of(id).is_none());
}

#[test]
fn a_role_without_owner_is_reported() {
    let dir = directory();
    let id = "arn:aws:iam::111122223333:role/legacy-batch";
    assert!(dir.owner_of(id).is_none());
    let (_, why) = dir.unlinked().into_iter().find(|(i, _)| i.id == id).unwrap();
    assert!(why.starts_with("no owner found"), "{why}");
    let f = dir.findings().iter().find(|f| f.rule == RULE_NO_OWNER).unwrap();
    assert_eq!(f.principals, vec![id]);
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(dir.findings().iter().filter(|f| f.rule == RULE_NO_OWNER).count(), 1);
}

#[test]
fn groups_are_not_correlated() {
    let dir = directory();
    assert_eq!(dir.resolution("group:eng@example.com"), Some(&Resolution::NotApplicable));
    assert!(dir.unlinked().iter().all(|(i, _)| i.kind != PrincipalKind::Group));
    // Every other user is decided: only the asmith collision is ambiguous, nothing unlinked
    // but the role.
    assert_eq!(dir.ambiguous().len(), 1);
    assert_eq!(dir.unlinked().len(), 1);
}
