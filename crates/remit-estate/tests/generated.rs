//! The generated estate against its ground truth: what each grant was written to do (never
//! read back from the generated files), checked against what the engines decide and find.
//!
//! - every sampled Azure and Google Cloud decision of the truth (allowed and denied) is the
//!   engine's;
//! - every administrator and every planted escalation path is reported by a finding naming
//!   the principal;
//! - every person's identities in Entra and Google Cloud are linked to that person, the leaver's
//!   still-active identities are reported, and so are machines the leaver owns.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use remit_estate::{Estate, Parts};
use remit_findings::Finding;
use remit_model::Verdict;
use serde_json::Value;

fn truth(dir: &Path, name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join(name)).unwrap()).unwrap()
}

/// Seeds of the generated estates checked: each plants the same kinds of paths on other
/// principals, resources and names.
const SEEDS: [u64; 3] = [1, 2, 3];

fn estate_of(seed: u64) -> (tempfile::TempDir, Estate) {
    let dir = tempfile::tempdir().unwrap();
    remit_gen::estate::write_estate(&remit_gen::estate::EstateSpec::demo(seed), dir.path()).unwrap();
    let estate = Estate::load(dir.path(), Parts::ALL).unwrap();
    assert!(estate.issues.is_empty(), "{:?}", estate.issues);
    (dir, estate)
}

fn names(findings: &[Finding], id: &str) -> bool {
    findings.iter().any(|f| f.principals.iter().any(|p| p.eq_ignore_ascii_case(id)))
}

#[test]
fn azure_decisions_admins_and_escalations_agree_with_the_truth() {
    for seed in SEEDS {
        azure_agrees(seed);
    }
}

fn azure_agrees(seed: u64) {
    let (dir, estate) = estate_of(seed);
    let truth = truth(dir.path(), "azure-ground-truth.json");
    let tenant = &estate.azure[0].analysis;
    let mut checked = 0;
    for case in truth["access"].as_array().unwrap() {
        let principal = case["principal"].as_str().unwrap();
        let action = case["action"].as_str().unwrap();
        let scope = case["scope"].as_str().unwrap();
        let data = tenant.is_data_action(action);
        let standing = tenant.decide(principal, action, data, scope);
        match case["decision"].as_str().unwrap() {
            // Eligible (PIM): nothing standing, allowed once activated.
            "eligible" => {
                assert_eq!(standing.as_str(), "denied", "{principal} {action} {scope}: standing");
                let activated = tenant.decide_including_eligible(principal, action, data, scope);
                assert_eq!(activated.as_str(), "allowed", "{principal} {action} {scope}: once activated");
            }
            expected => assert_eq!(standing.as_str(), expected, "{principal} {action} {scope}: {}", case["why"]),
        }
        checked += 1;
    }
    assert!(checked >= 5, "the truth samples decisions");
    // A finding about a group holds for its members: the principal or one of its groups is named.
    let findings = remit_azure::findings(tenant);
    let named = |id: &str| tenant.identity_ids(id).iter().any(|i| names(&findings, i));
    for admin in truth["adminEquivalent"].as_array().unwrap() {
        let id = admin["principal"]["id"].as_str().unwrap();
        assert!(named(id), "administrator {id} ({}) has no finding", admin["principal"]["name"]);
    }
    for path in truth["escalations"].as_array().unwrap() {
        let id = path["principal"]["id"].as_str().unwrap();
        assert!(named(id), "escalation of {id} by {} not found", path["technique"]);
    }
    // Eligible grants are just-in-time, not standing: what-can says so.
    for grant in truth["grants"]["eligible"].as_array().unwrap() {
        let id = grant["principal"].as_str().unwrap();
        let entitlements = tenant.what_can(id).unwrap();
        assert!(entitlements.iter().any(|e| e.eligible()), "{id}: eligible grant {} not marked", grant["role"]);
    }
}

#[test]
fn gcp_decisions_admins_and_escalations_agree_with_the_truth() {
    for seed in SEEDS {
        gcp_agrees(seed);
    }
}

fn gcp_agrees(seed: u64) {
    let (dir, estate) = estate_of(seed);
    let truth = truth(dir.path(), "gcp-ground-truth.json");
    let org = &estate.gcp[0].analysis;
    for case in truth["access"].as_array().unwrap() {
        let member = case["member"].as_str().unwrap();
        let permission = case["permission"].as_str().unwrap();
        let resource = case["resource"].as_str().unwrap();
        let explained = org.explain(member, permission, resource).unwrap();
        let expected = case["decision"].as_str().unwrap();
        let got = match &explained.verdict {
            Verdict::Allowed => "allowed",
            Verdict::Denied => "denied",
            Verdict::Conditional(_) => "conditional",
        };
        assert_eq!(got, expected, "{member} {permission} {resource}: {} / {:?}", case["why"], explained.reasons);
    }
    let findings = remit_gcp::risk::findings(org);
    for admin in truth["adminEquivalent"].as_array().unwrap() {
        let member = admin["member"].as_str().unwrap();
        assert!(names(&findings, member), "administrator {member} has no finding");
    }
    for path in truth["escalations"].as_array().unwrap() {
        let member = path["member"].as_str().unwrap();
        assert!(names(&findings, member), "escalation of {member} by {} not found", path["technique"]);
    }
}

#[test]
fn every_person_is_found_behind_their_identities() {
    for seed in SEEDS {
        people_agree(seed);
    }
}

fn people_agree(seed: u64) {
    let (dir, estate) = estate_of(seed);
    let truth = truth(dir.path(), "people-ground-truth.json");
    let people = estate.people.as_ref().unwrap();
    let (mut linked, mut total) = (0, 0);
    for person in truth["persons"].as_array().unwrap() {
        let email = person["email"].as_str().unwrap();
        for identity in person["identities"].as_array().unwrap() {
            let system = identity["system"].as_str().unwrap();
            if system == "okta" {
                continue; // Okta is where persons come from, not an identity to link
            }
            let id = identity["id"].as_str().unwrap();
            // A Google account no policy names is not in any export: IAM cannot see it.
            if system == "gcp" && estate.gcp[0].analysis.find_principal(id).is_none() {
                continue;
            }
            total += 1;
            let (found, link) = people.person_of(id).unwrap_or_else(|| panic!("{system} {id} of {email}: no person"));
            assert_eq!(found.key, email, "{system} {id}: linked to {} ({})", found.key, link.reason);
            linked += 1;
        }
    }
    assert_eq!(linked, total);
    assert!(total > 40, "identities in several clouds: {total}");
    let findings = estate.findings();
    for planted in truth["planted"].as_array().unwrap() {
        match planted["what"].as_str().unwrap() {
            "leaver-still-active" => {
                for identity in planted["activeIdentities"].as_array().unwrap() {
                    let id = identity["id"].as_str().unwrap();
                    assert!(
                        findings
                            .iter()
                            .any(|f| f.rule.starts_with("people-leaver") && f.principals.iter().any(|p| p == id)),
                        "leaver's active {id} not reported"
                    );
                }
            }
            "non-human-owned-by-leaver" => {
                for id in planted["identities"].as_array().unwrap() {
                    let id = id.as_str().unwrap();
                    assert!(
                        findings
                            .iter()
                            .any(|f| f.rule.starts_with("people-orphaned")
                                && f.principals.iter().any(|p| p.contains(id))),
                        "machine {id} owned by the leaver not reported"
                    );
                }
            }
            _ => {}
        }
    }
}
