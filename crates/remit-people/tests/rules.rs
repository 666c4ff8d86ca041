//! Each correlation and owner rule in isolation, with a case where it must not apply.
//!
//! Inputs are built in code from the public types (their fields mirror Okta's API:
//! https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/ and
//! …/tag/ApplicationUsers/), so each test shows exactly the facts a rule sees.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use remit_model::{Cloud, PrincipalKind};
use remit_people::{
    AppUser, CloudIdentity, HrRecord, HrStatus, Level, OktaApp, OktaUser, PeopleInputs, RULE_LEAVER, RULE_NO_OWNER,
    RULE_OWNER_LEFT, Resolution, Rule, correlate,
};

fn hr(line: u64, email: &str, name: &str, employee_id: Option<&str>, status: HrStatus) -> HrRecord {
    HrRecord {
        line,
        employee_id: employee_id.map(str::to_owned),
        email: email.to_owned(),
        display_name: Some(name.to_owned()),
        department: None,
        title: None,
        manager_email: None,
        status,
        start_date: None,
        end_date: None,
        incomplete: false,
    }
}

fn okta(id: &str, login: &str, first: &str, last: &str, status: &str) -> OktaUser {
    OktaUser {
        id: id.to_owned(),
        status: status.to_owned(),
        created: None,
        last_login: None,
        login: login.to_owned(),
        email: Some(login.to_owned()),
        second_email: None,
        first_name: Some(first.to_owned()),
        last_name: Some(last.to_owned()),
        display_name: None,
        employee_number: None,
        department: None,
        title: None,
        manager: None,
        manager_id: None,
        incomplete: false,
    }
}

fn app(name: &str, assignments: &[(&str, &str)]) -> OktaApp {
    OktaApp {
        id: format!("0oa-{name}"),
        name: name.to_owned(),
        label: name.to_owned(),
        status: "ACTIVE".to_owned(),
        users: assignments
            .iter()
            .map(|(user, user_name)| AppUser {
                user_id: (*user).to_owned(),
                user_name: Some((*user_name).to_owned()),
                scope: "USER".to_owned(),
                status: "PROVISIONED".to_owned(),
                saml_roles: Vec::new(),
            })
            .collect(),
    }
}

fn base() -> PeopleInputs {
    PeopleInputs {
        hr: vec![
            hr(2, "alice@example.com", "Alice Smith", Some("E1"), HrStatus::Active),
            hr(3, "carol@example.com", "Carol White", Some("E3"), HrStatus::Terminated),
        ],
        okta_users: vec![
            okta("00ualice", "alice@example.com", "Alice", "Smith", "ACTIVE"),
            okta("00ucarol", "carol@example.com", "Carol", "White", "ACTIVE"),
        ],
        ..PeopleInputs::default()
    }
}

fn user(cloud: Cloud, id: &str, name: &str) -> CloudIdentity {
    CloudIdentity::new(cloud, PrincipalKind::User, id, name)
}

fn sa(cloud: Cloud, id: &str) -> CloudIdentity {
    CloudIdentity::new(cloud, PrincipalKind::ServiceAccount, id, id)
}

fn link_rule(inputs: &PeopleInputs, identity: CloudIdentity) -> Option<(String, Rule, Level)> {
    let id = identity.id.clone();
    let dir = correlate(inputs, &[identity]);
    dir.person_of(&id).map(|(p, l)| (p.key.clone(), l.rule, l.confidence.level))
}

#[test]
fn idp_subject_positive_and_negative() {
    let mut i = user(Cloud::Aws, "ic/1", "someone");
    i.idp_subject = Some(("Okta".into(), "00ualice".into()));
    assert_eq!(link_rule(&base(), i.clone()), Some(("alice@example.com".into(), Rule::IdpSubject, Level::High)));
    // An unknown subject, or a subject of another IdP, links nobody.
    i.idp_subject = Some(("okta".into(), "00unobody".into()));
    assert_eq!(link_rule(&base(), i.clone()), None);
    i.idp_subject = Some(("ping".into(), "00ualice".into()));
    assert_eq!(link_rule(&base(), i), None);
}

#[test]
fn app_assignment_positive_and_negative() {
    let mut inputs = base();
    inputs.okta_apps =
        vec![app("amazon_aws_sso", &[("00ualice", "al")]), app("google", &[("00ucarol", "cw@gmail.com")])];
    let ic = user(Cloud::Aws, "ic/al", "al");
    assert_eq!(link_rule(&inputs, ic), Some(("alice@example.com".into(), Rule::AppAssignment, Level::High)));
    // The user name of the AWS app says nothing about an Azure user of that name.
    assert_eq!(link_rule(&inputs, user(Cloud::Azure, "obj-al", "al")), None);
    // The google app maps to Google Cloud `user:` members.
    let g = user(Cloud::Gcp, "user:cw@gmail.com", "cw@gmail.com");
    assert_eq!(link_rule(&inputs, g), Some(("carol@example.com".into(), Rule::AppAssignment, Level::High)));
    // An app Remit does not map to a cloud (slack) links nothing.
    let mut other = base();
    other.okta_apps = vec![app("slack", &[("00ualice", "al")])];
    assert_eq!(link_rule(&other, user(Cloud::Aws, "ic/al", "al")), None);
}

#[test]
fn employee_id_positive_and_negative() {
    let mut i = user(Cloud::Azure, "obj-1", "Someone");
    i.employee_id = Some("E1".into());
    i.upn = Some("someone@corp.onmicrosoft.com".into());
    assert_eq!(link_rule(&base(), i.clone()), Some(("alice@example.com".into(), Rule::EmployeeId, Level::High)));
    // Guests carry employee ids too; a wrong one links nobody (and a guest makes no person).
    i.employee_id = Some("E9".into());
    i.federated_via = Some("azure-b2b".into());
    assert_eq!(link_rule(&base(), i), None);
}

#[test]
fn email_and_upn_positive_alias_medium_and_negative() {
    let mut i = user(Cloud::Azure, "obj-2", "Alice");
    i.upn = Some("ALICE@example.com".into());
    i.federated_via = Some("azure-b2b".into());
    assert_eq!(link_rule(&base(), i), Some(("alice@example.com".into(), Rule::Email, Level::High)));
    let mut inputs = base();
    inputs.okta_users[0].second_email = Some("a.smith@personal.example".into());
    let g = user(Cloud::Gcp, "user:a.smith@personal.example", "a.smith@personal.example");
    assert_eq!(link_rule(&inputs, g), Some(("alice@example.com".into(), Rule::Alias, Level::Medium)));
    let g = user(Cloud::Gcp, "user:mallory@example.com", "mallory@example.com");
    assert_eq!(link_rule(&inputs, g), None);
}

#[test]
fn names_positive_and_never_over_an_exact_match() {
    assert_eq!(
        link_rule(&base(), user(Cloud::Aws, "arn:aws:iam::1:user/smith_alice", "smith_alice")),
        Some(("alice@example.com".into(), Rule::FullName, Level::Low))
    );
    assert_eq!(
        link_rule(&base(), user(Cloud::Aws, "arn:aws:iam::1:user/cwhite", "cwhite")),
        Some(("carol@example.com".into(), Rule::InitialAndName, Level::Low))
    );
    assert_eq!(
        link_rule(&base(), user(Cloud::Aws, "ic/x", "Alice Smith")),
        Some(("alice@example.com".into(), Rule::FullName, Level::Low))
    );
    assert_eq!(link_rule(&base(), user(Cloud::Aws, "arn:aws:iam::1:user/cwhite2", "cwhite2")), None);
    assert_eq!(link_rule(&base(), user(Cloud::Aws, "arn:aws:iam::1:user/alice", "alice")), None);
    // `carol.white` reads as Carol, but the address is Alice's: the exact match wins alone.
    let mut i = user(Cloud::Gcp, "user:alice@example.com", "carol.white");
    i.emails = vec!["alice@example.com".into()];
    let dir = correlate(&base(), &[i]);
    let (p, link) = dir.person_of("user:alice@example.com").unwrap();
    assert_eq!(p.key, "alice@example.com");
    assert_eq!(link.rule, Rule::Email);
    assert!(!link.reason.contains("carol"), "{}", link.reason);
}

#[test]
fn names_are_not_tried_on_machine_identities() {
    let i = CloudIdentity::new(Cloud::Aws, PrincipalKind::Role, "arn:aws:iam::1:role/asmith", "asmith");
    let dir = correlate(&base(), &[i]);
    assert!(dir.person_of("arn:aws:iam::1:role/asmith").is_none());
    assert!(dir.owner_of("arn:aws:iam::1:role/asmith").is_none());
}

#[test]
fn equal_exact_matches_on_two_persons_are_ambiguous() {
    // The employee id says Alice, the address says Carol: both 90, neither decided.
    let mut i = user(Cloud::Azure, "obj-3", "x");
    i.employee_id = Some("E1".into());
    i.emails = vec!["carol@example.com".into()];
    i.federated_via = Some("azure-b2b".into());
    let dir = correlate(&base(), &[i]);
    assert!(dir.person_of("obj-3").is_none());
    let (_, a) = dir.ambiguous().into_iter().next().unwrap();
    assert_eq!(a.candidates.len(), 2);
    assert_eq!(a.confidence.level, Level::High);
    // No leaver finding on an undecided link.
    assert!(dir.findings().is_empty());
}

#[test]
fn a_stronger_match_decides_and_notes_the_weaker() {
    let mut i = user(Cloud::Aws, "ic/9", "x");
    i.idp_subject = Some(("okta".into(), "00ualice".into()));
    i.emails = vec!["carol@example.com".into()];
    let dir = correlate(&base(), &[i]);
    let (p, link) = dir.person_of("ic/9").unwrap();
    assert_eq!(p.key, "alice@example.com");
    assert!(link.reason.contains("carol@example.com also matched less strongly"), "{}", link.reason);
}

#[test]
fn leaver_rule_positive_and_negative() {
    let carol = user(Cloud::Aws, "arn:aws:iam::1:user/carol", "carol@example.com");
    let mut carol = carol;
    carol.emails = vec!["carol@example.com".into()];
    let dir = correlate(&base(), std::slice::from_ref(&carol));
    assert_eq!(dir.findings().len(), 1);
    assert_eq!(dir.findings()[0].rule, RULE_LEAVER);
    // Disabled: no finding.
    let mut disabled = carol.clone();
    disabled.enabled = false;
    assert!(correlate(&base(), &[disabled]).findings().is_empty());
    // An active person: no finding.
    let mut alice = carol.clone();
    alice.emails = vec!["alice@example.com".into()];
    assert!(correlate(&base(), &[alice]).findings().is_empty());
    // Okta DEPROVISIONED alone makes a leaver (HR still says active).
    let mut inputs = base();
    inputs.okta_users[0].status = "DEPROVISIONED".into();
    let mut a = user(Cloud::Gcp, "user:alice@example.com", "alice@example.com");
    a.last_active = Some(0);
    let dir = correlate(&inputs, &[a]);
    assert_eq!(dir.findings().len(), 1);
    assert!(dir.findings()[0].evidence[0].detail.as_deref().unwrap().contains("DEPROVISIONED"));
    // Okta SUSPENDED is not leaving.
    let mut inputs = base();
    inputs.okta_users[0].status = "SUSPENDED".into();
    let a = user(Cloud::Gcp, "user:alice@example.com", "alice@example.com");
    assert!(correlate(&inputs, &[a]).findings().is_empty());
}

#[test]
fn a_leaver_found_by_name_only_is_conditional() {
    let dir = correlate(&base(), &[user(Cloud::Aws, "arn:aws:iam::1:user/cwhite", "cwhite")]);
    let f = &dir.findings()[0];
    assert_eq!(f.rule, RULE_LEAVER);
    assert!(!f.reach.is_allowed());
    assert!(f.reach.conditions[0].contains("low-confidence"));
}

#[test]
fn recorded_owner_positive_and_negative() {
    // The owner is an Entra user linked to Alice.
    let mut alice_entra = user(Cloud::Azure, "obj-alice", "Alice Smith");
    alice_entra.upn = Some("alice@example.com".into());
    let mut sp = sa(Cloud::Azure, "sp-1");
    sp.owners = vec!["obj-alice".into()];
    let dir = correlate(&base(), &[alice_entra.clone(), sp.clone()]);
    let (p, l) = dir.owner_of("sp-1").unwrap();
    assert_eq!((p.key.as_str(), l.rule), ("alice@example.com", Rule::RecordedOwner));
    assert!(dir.findings().is_empty());
    // A creator given as an email (Google service account metadata).
    let mut gsa = sa(Cloud::Gcp, "serviceAccount:x@p.iam.gserviceaccount.com");
    gsa.owners = vec!["user:carol@example.com".into()];
    let dir = correlate(&base(), &[gsa]);
    assert_eq!(dir.owner_of("serviceAccount:x@p.iam.gserviceaccount.com").unwrap().0.key, "carol@example.com");
    assert_eq!(dir.findings()[0].rule, RULE_OWNER_LEFT);
    // An owner nobody knows: no owner, and the note says which.
    sp.owners = vec!["obj-unknown".into()];
    let dir = correlate(&base(), &[sp]);
    assert!(dir.owner_of("sp-1").is_none());
    assert!(dir.unlinked()[0].1.contains("obj-unknown"));
    assert_eq!(dir.findings()[0].rule, RULE_NO_OWNER);
}

#[test]
fn one_active_owner_among_leavers_is_enough() {
    let mut sp = sa(Cloud::Azure, "sp-2");
    sp.owners = vec!["carol@example.com".into(), "alice@example.com".into()];
    let dir = correlate(&base(), &[sp]);
    assert_eq!(dir.owners_of("sp-2").len(), 2);
    assert!(dir.findings().is_empty());
}

#[test]
fn owner_tags_positive_and_negative() {
    for key in ["owner", "Owner", "created-by", "contact"] {
        let mut r = CloudIdentity::new(Cloud::Aws, PrincipalKind::Role, "arn:aws:iam::1:role/job", "job");
        r.tags = vec![(key.into(), "alice@example.com".into())];
        let dir = correlate(&base(), &[r]);
        let (p, l) = dir.owner_of("arn:aws:iam::1:role/job").unwrap();
        assert_eq!((p.key.as_str(), l.rule, l.confidence.level), ("alice@example.com", Rule::OwnerTag, Level::High));
    }
    // Another tag key, or an address nobody has: no owner.
    for (key, value) in [("team", "alice@example.com"), ("owner", "nobody@example.com")] {
        let mut r = CloudIdentity::new(Cloud::Aws, PrincipalKind::Role, "arn:aws:iam::1:role/job", "job");
        r.tags = vec![(key.into(), value.into())];
        let dir = correlate(&base(), &[r]);
        assert!(dir.owner_of("arn:aws:iam::1:role/job").is_none());
        assert_eq!(dir.findings()[0].rule, RULE_NO_OWNER);
    }
}

#[test]
fn an_owner_tag_with_a_shared_display_name_is_ambiguous() {
    let mut inputs = base();
    inputs.hr.push(hr(4, "alice.smith2@example.com", "Alice Smith", Some("E4"), HrStatus::Active));
    let mut r = sa(Cloud::Gcp, "serviceAccount:y@p.iam.gserviceaccount.com");
    r.tags = vec![("owner".into(), "Alice Smith".into())];
    let dir = correlate(&inputs, std::slice::from_ref(&r));
    assert!(dir.owner_of(&r.id).is_none());
    assert_eq!(dir.ambiguous()[0].1.candidates.len(), 2);
    // With one Alice Smith, the display name decides, with medium confidence.
    let dir = correlate(&base(), std::slice::from_ref(&r));
    let (p, l) = dir.owner_of(&r.id).unwrap();
    assert_eq!((p.key.as_str(), l.rule, l.confidence.level), ("alice@example.com", Rule::OwnerTagName, Level::Medium));
}

#[test]
fn a_user_no_person_matches_but_tagged_is_owned() {
    let mut ci = user(Cloud::Aws, "arn:aws:iam::1:user/ci-bot", "ci-bot");
    ci.tags = vec![("owner".into(), "alice@example.com".into())];
    let dir = correlate(&base(), &[ci]);
    assert!(matches!(dir.resolution("arn:aws:iam::1:user/ci-bot"), Some(Resolution::Owned(_))));
    let (p, _) = dir.owner_of("arn:aws:iam::1:user/ci-bot").unwrap();
    assert_eq!(p.key, "alice@example.com");
    assert!(dir.findings().is_empty());
    // Owned by a leaver: orphaned, as a machine identity would be.
    let mut ci = user(Cloud::Aws, "arn:aws:iam::1:user/ci-bot", "ci-bot");
    ci.tags = vec![("created-by".into(), "carol@example.com".into())];
    let dir = correlate(&base(), &[ci]);
    assert_eq!(dir.findings()[0].rule, RULE_OWNER_LEFT);
    // Without the tag it is simply unlinked, and a user without owner is no orphan finding.
    let dir = correlate(&base(), &[user(Cloud::Aws, "arn:aws:iam::1:user/ci-bot", "ci-bot")]);
    assert_eq!(dir.unlinked().len(), 1);
    assert!(dir.findings().is_empty());
}

#[test]
fn a_deleted_member_is_linked_but_never_a_finding() {
    let d = user(Cloud::Gcp, "deleted:user:carol@example.com?uid=42", "carol@example.com");
    assert!(d.is_deleted() && !d.is_active());
    assert_eq!(d.member(), "user:carol@example.com");
    let dir = correlate(&base(), &[d]);
    assert_eq!(dir.person_of("deleted:user:carol@example.com?uid=42").unwrap().0.key, "carol@example.com");
    assert!(dir.findings().is_empty());
    let mut sa_deleted = sa(Cloud::Gcp, "deleted:serviceAccount:z@p.iam.gserviceaccount.com?uid=7");
    sa_deleted.kind = PrincipalKind::ServiceAccount;
    assert!(correlate(&base(), &[sa_deleted]).findings().is_empty());
}

#[test]
fn okta_merges_into_hr_by_employee_number_and_reports_conflicts() {
    let mut inputs = base();
    let mut other = okta("00uother", "alice.s@corp.example", "Alice", "Smith", "ACTIVE");
    other.employee_number = Some("E1".into());
    inputs.okta_users = vec![other];
    let dir = correlate(&inputs, &[]);
    assert_eq!(dir.persons().len(), 2);
    assert!(dir.person("alice.s@corp.example").unwrap().emails.contains(&"alice@example.com".to_owned()));
    // Its employee number says Alice, its address says Carol: merged into Alice, reported.
    let mut inputs = base();
    let mut conflicting = okta("00uother", "carol@example.com", "C", "W", "ACTIVE");
    conflicting.employee_number = Some("E1".into());
    inputs.okta_users = vec![conflicting];
    let dir = correlate(&inputs, &[]);
    assert_eq!(dir.issues().len(), 1);
    assert!(dir.issues()[0].message.contains("different persons"));
}

#[test]
fn workforce_subjects_and_saml_session_names_are_addresses() {
    let wf = user(
        Cloud::Gcp,
        "principal://iam.googleapis.com/locations/global/workforcePools/okta-pool/subject/alice@example.com",
        "alice",
    );
    assert_eq!(wf.workforce_subject(), Some("alice@example.com"));
    assert_eq!(link_rule(&base(), wf), Some(("alice@example.com".into(), Rule::Email, Level::High)));
    let mut session = user(Cloud::Aws, "arn:aws:sts::111122223333:assumed-role/Okta-Admin/carol@example.com", "x");
    session.kind = PrincipalKind::Session;
    assert_eq!(session.session_name(), Some("carol@example.com"));
    assert_eq!(link_rule(&base(), session), Some(("carol@example.com".into(), Rule::Email, Level::High)));
    // An IAM role ARN has no session; a session named after nobody links nobody.
    let role = user(Cloud::Aws, "arn:aws:iam::111122223333:role/Okta-Admin", "Okta-Admin");
    assert_eq!(role.session_name(), None);
    let mut other = user(Cloud::Aws, "arn:aws:sts::111122223333:assumed-role/Okta-Admin/botsession", "x");
    other.kind = PrincipalKind::Session;
    assert_eq!(link_rule(&base(), other), None);
}
