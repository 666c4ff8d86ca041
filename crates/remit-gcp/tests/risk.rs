//! Risk rules over the fixture organization `org-a` (shapes documented in
//! `tests/common/mod.rs`), each with a positive and a negative case.
#![allow(clippy::unwrap_used)]

mod common;

use common::{analysis, env};
use remit_findings::{Finding, Kind, Severity};
use remit_gcp::{GcpAnalysis, risk};

fn findings() -> Vec<Finding> {
    risk::findings(&analysis())
}

fn of<'a>(all: &'a [Finding], rule: &str, principal: &str) -> Vec<&'a Finding> {
    all.iter().filter(|f| f.rule == rule && f.principals.first().is_some_and(|p| p == principal)).collect()
}

// Rhino Security Labs SetOrgIAMPolicy / SetFolderIAMPolicy / SetProjectIAMPolicy.
#[test]
fn admin_equivalence_reports_the_topmost_container() {
    let all = findings();
    let admin = of(&all, risk::rules::ADMIN_EQUIVALENT, "user:admin@corp.example");
    assert_eq!(admin.len(), 1, "covered projects are not repeated");
    assert_eq!(admin[0].resources, vec!["organizations/100000000001"]);
    assert_eq!(admin[0].severity, Severity::Critical);
    let folder = of(&all, risk::rules::ADMIN_EQUIVALENT, "user:folderadmin@corp.example");
    assert_eq!(folder[0].resources, vec!["folders/200000000001"]);
    // dev holds a custom role and token creation, not setIamPolicy.
    assert!(of(&all, risk::rules::ADMIN_EQUIVALENT, "user:dev@corp.example").is_empty());
}

// Rhino #4 (getAccessToken) in a two-hop chain: dev → deployer (Token Creator on the account)
// → admin-sa (Token Creator on proj-b; admin-sa owns proj-b).
#[test]
fn token_creator_chains_reach_an_administrator() {
    let all = findings();
    let dev = of(&all, risk::rules::PRIVILEGE_ESCALATION, "user:dev@corp.example");
    let to_admin =
        dev.iter().find(|f| f.principals[1] == "serviceAccount:admin-sa@proj-b.iam.gserviceaccount.com").unwrap();
    assert_eq!(to_admin.severity, Severity::Critical);
    assert_eq!(to_admin.kind, Kind::PrivilegeEscalation);
    let hops: Vec<(&str, &str)> = to_admin.path.iter().map(|s| (s.to.as_str(), s.technique.as_str())).collect();
    assert_eq!(
        hops,
        vec![
            ("serviceAccount:deployer@proj-a.iam.gserviceaccount.com", "iam.serviceAccounts.getAccessToken"),
            ("serviceAccount:admin-sa@proj-b.iam.gserviceaccount.com", "iam.serviceAccounts.getAccessToken"),
        ]
    );
    // carol holds nothing on service accounts.
    assert!(of(&all, risk::rules::PRIVILEGE_ESCALATION, "user:carol@corp.example").is_empty());
}

// Rhino CreateGCEInstanceWithSA: actAs + the compute permissions in the account's project.
#[test]
fn act_as_with_a_workload_reaches_the_service_account() {
    let all = findings();
    let vm = of(&all, risk::rules::PRIVILEGE_ESCALATION, "user:vm@corp.example");
    assert_eq!(vm.len(), 1);
    assert_eq!(vm[0].path[0].technique, "actAs+compute-instance");
    assert!(vm[0].path[0].permissions.iter().any(|p| p.starts_with("iam.serviceAccounts.actAs")));
    // platform@ holds actAs on every account (organization) but cannot create workloads.
    assert!(of(&all, risk::rules::PRIVILEGE_ESCALATION, "group:platform@corp.example").is_empty());
}

// Rhino #1 and #2: Cloud Build and Deployment Manager run as the project's Google-managed
// accounts, without actAs.
#[test]
fn builds_and_deployments_act_as_service_agents() {
    let all = findings();
    let builder = of(&all, risk::rules::PRIVILEGE_ESCALATION, "user:builder@corp.example");
    let agent = builder
        .iter()
        .find(|f| f.principals[1] == "serviceAccount:300000000003@cloudbuild.gserviceaccount.com")
        .unwrap();
    assert_eq!(agent.path.len(), 1);
    assert_eq!(agent.path[0].technique, "cloud-build-legacy-account");
    // From there, runner adds only what the service-account set of proj-c gives it; the
    // Deployment Manager agent, as powerful as the Cloud Build one, is not reported again.
    assert!(!builder.iter().any(|f| f.principals[1].contains("cloudservices")));
    let dm = of(&all, risk::rules::PRIVILEGE_ESCALATION, "user:dm@corp.example");
    let agent =
        dm.iter().find(|f| f.principals[1] == "serviceAccount:300000000003@cloudservices.gserviceaccount.com").unwrap();
    assert_eq!(agent.path[0].technique, "deployment-manager");
    assert_eq!(agent.severity, Severity::Critical);
    // The agents of proj-a do not appear in any binding: no step to them.
    assert!(all.iter().all(|f| f.principals.iter().all(|p| !p.contains("300000000001@"))));
}

// Rhino #6: implicitDelegation lets a principal use an account as a delegate only.
#[test]
fn implicit_delegation_chains_only_through_token_steps() {
    let mut env = env();
    // A custom role with implicitDelegation only, granted to carol on the deployer account.
    env.roles.push(remit_gcp::import::Role {
        name: "projects/proj-a/roles/delegate".into(),
        title: "Delegate".into(),
        stage: "GA".into(),
        deleted: false,
        included_permissions: vec!["iam.serviceAccounts.implicitDelegation".into()],
    });
    let policy = env
        .policies
        .iter_mut()
        .find(|p| p.resource.starts_with("//iam.googleapis.com/projects/proj-a/serviceAccounts/"))
        .unwrap();
    policy.bindings.push(remit_gcp::import::Binding {
        role: "projects/proj-a/roles/delegate".into(),
        members: vec!["user:carol@corp.example".into()],
        condition: None,
    });
    let all = risk::findings(&GcpAnalysis::at(env, common::NOW));
    let carol = of(&all, risk::rules::PRIVILEGE_ESCALATION, "user:carol@corp.example");
    // carol reaches admin-sa through deployer, but not deployer itself.
    assert_eq!(carol.len(), 1, "{carol:#?}");
    assert_eq!(carol[0].principals[1], "serviceAccount:admin-sa@proj-b.iam.gserviceaccount.com");
    assert_eq!(carol[0].path[0].technique, "iam.serviceAccounts.implicitDelegation");
}

// Rhino #3: iam.roles.update on a custom role one holds; a deleted role does not count.
#[test]
fn custom_role_update() {
    let all = findings();
    let dev = of(&all, risk::rules::CUSTOM_ROLE_UPDATE, "user:dev@corp.example");
    assert_eq!(dev.len(), 1);
    assert_eq!(dev[0].resources, vec!["projects/proj-a/roles/deployer"]);
    assert!(of(&all, risk::rules::CUSTOM_ROLE_UPDATE, "user:vm@corp.example").is_empty());
}

// Rhino #15: storage.hmacKeys.create (in the abbreviated roles/owner).
#[test]
fn hmac_keys() {
    let all = findings();
    assert_eq!(of(&all, risk::rules::HMAC_KEY_CREATE, "user:admin@corp.example").len(), 1);
    assert!(of(&all, risk::rules::HMAC_KEY_CREATE, "user:dev@corp.example").is_empty());
}

// https://cloud.google.com/iam/docs/principal-identifiers#allow-public
#[test]
fn public_access() {
    let all = findings();
    let public: Vec<&Finding> = all.iter().filter(|f| f.rule == risk::rules::PUBLIC_ACCESS).collect();
    assert_eq!(public.len(), 2);
    let anyone = public.iter().find(|f| f.principals == ["allUsers"]).unwrap();
    assert_eq!(anyone.resources, vec!["//storage.googleapis.com/a-www"]);
    assert_eq!(anyone.severity, Severity::Critical);
    let authenticated = public.iter().find(|f| f.principals == ["allAuthenticatedUsers"]).unwrap();
    assert_eq!(authenticated.severity, Severity::High);
    assert!(!public.iter().any(|f| f.resources.iter().any(|r| r.contains("a-logs"))));
}

// https://cloud.google.com/resource-manager/docs/organization-policy/restricting-domains
#[test]
fn external_access() {
    let all = findings();
    let external: Vec<&str> =
        all.iter().filter(|f| f.rule == risk::rules::EXTERNAL_ACCESS).map(|f| f.principals[0].as_str()).collect();
    assert_eq!(external, vec!["user:contractor@partner.example", "user:partner@partner.example"]);
}

// https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys
#[test]
fn user_managed_keys_and_their_age() {
    let all = findings();
    let old = of(&all, risk::rules::OLD_KEY, "serviceAccount:deployer@proj-a.iam.gserviceaccount.com");
    assert_eq!(old.len(), 1);
    let fresh = of(&all, risk::rules::USER_MANAGED_KEY, "serviceAccount:runner@proj-c.iam.gserviceaccount.com");
    assert_eq!(fresh.len(), 1);
    // The system-managed key of deployer is not reported.
    assert!(
        of(&all, risk::rules::USER_MANAGED_KEY, "serviceAccount:deployer@proj-a.iam.gserviceaccount.com").is_empty()
    );
    // Without an evaluation time, ages are unknown: user-managed, not old.
    let timeless = risk::findings(&GcpAnalysis::new(env()));
    assert!(timeless.iter().all(|f| f.rule != risk::rules::OLD_KEY));
}

#[test]
fn finding_ids_are_stable() {
    let a: Vec<String> = findings().iter().map(|f| f.id.to_string()).collect();
    let b: Vec<String> = findings().iter().map(|f| f.id.to_string()).collect();
    assert_eq!(a, b);
    assert!(findings().iter().all(|f| f.cloud == "gcp"));
}
