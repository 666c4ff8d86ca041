//! Findings against the generator's ground truth: what each generated policy was written to
//! grant (never read back from the documents), so these tests check the analysis rather than
//! repeat it.
//!
//! On a single account and on a twelve-account organization with SCPs: the administrators
//! found are exactly the ground truth's (those an SCP blocks are not reported), every listed
//! escalation is found with a path no longer than the listed one, and no escalation that
//! holds outright is reported beyond them (those beyond are conditional: compute the
//! generator does not model).

use std::collections::{BTreeMap, BTreeSet};

use remit_aws_analysis::AwsAnalysis;
use remit_aws_risk::{ScanOptions, scan};
use remit_findings::{Finding, Kind, Timestamp};
use remit_gen::aws_org::{Options, Size, generate_with};
use serde_json::Value;

struct Checked {
    admins: usize,
    escalations: usize,
    blocked: usize,
}

fn check(options: &Options) -> Checked {
    let dir = tempfile::tempdir().expect("a temporary directory");
    generate_with(options, dir.path()).expect("the generator writes its bundle");
    let truth: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("ground-truth.json")).expect("the ground truth is written"),
    )
    .expect("the ground truth is JSON");
    let env = remit_aws_import::load(dir.path()).expect("the bundle loads");
    let analysis = AwsAnalysis::new(remit_aws_risk::admin::with_probes(env));
    let now = Timestamp::parse("2026-03-01T09:00:00Z").expect("a timestamp");
    let findings = scan(&analysis, &ScanOptions::new(now));
    let of_kind = |kind: Kind| -> BTreeMap<&str, &Finding> {
        findings.iter().filter(|f| f.kind == kind).map(|f| (f.principals[0].as_str(), f)).collect()
    };
    let admins = of_kind(Kind::AdminEquivalent);
    let escalations = of_kind(Kind::PrivilegeEscalation);
    let empty = Vec::new();
    let list = |key: &str| truth[key].as_array().unwrap_or(&empty);
    let blocked = |v: &Value| v["blockedBy"].as_array().is_some_and(|b| !b.is_empty());
    let mut expected_admins: BTreeSet<&str> = BTreeSet::new();
    let mut blocked_count = 0;
    for a in list("adminEquivalent") {
        let arn = a["principal"].as_str().expect("an ARN");
        if blocked(a) {
            blocked_count += 1;
            assert!(
                !admins.contains_key(arn),
                "{arn}: an SCP denies everything in its account, yet reported as administrator"
            );
        } else {
            expected_admins.insert(arn);
        }
    }
    let found: BTreeSet<&str> = admins.keys().copied().collect();
    assert_eq!(found, expected_admins, "administrators differ from the ground truth");
    let mut expected_escalations: BTreeSet<&str> = BTreeSet::new();
    for e in list("escalations") {
        let arn = e["principal"].as_str().expect("an ARN");
        if blocked(e) {
            blocked_count += 1;
            assert!(!escalations.contains_key(arn), "{arn}: blocked by an SCP, yet an escalation is reported");
            continue;
        }
        expected_escalations.insert(arn);
        let listed = e["path"].as_array().map_or(0, Vec::len);
        let found = escalations.get(arn);
        assert!(found.is_some(), "{arn}: the ground truth's escalation ({e}) is not found");
        let Some(f) = found else { continue };
        assert!(f.path.len() <= listed, "{arn}: a path of {} steps where the ground truth has {listed}", f.path.len());
        assert_eq!(f.path.first().map(|s| s.from.as_str()), Some(arn));
    }
    // Workloads the generator records (`workloads`): a path that changes one of them is one
    // the ground truth does not list (it models no techniques on existing compute), and is
    // checked against the record instead.
    let workloads: BTreeMap<&str, &str> =
        list("workloads").iter().filter_map(|w| Some((w["arn"].as_str()?, w["role"].as_str()?))).collect();
    for (arn, f) in &escalations {
        let on_workload = f.path.iter().any(|s| {
            s.permissions
                .iter()
                .any(|p| workloads.iter().any(|(w, role)| p.contains(&format!(" on {w}")) && *role == s.to.as_str()))
        });
        if !expected_escalations.contains(arn) && !on_workload {
            assert!(
                !f.reach.is_allowed(),
                "{arn}: an escalation that holds outright, not in the ground truth: {:?}",
                f.path.iter().map(|s| &s.technique).collect::<Vec<_>>()
            );
        }
        // Every path ends at an administrator or at the principal's own power.
        let last = f.path.last().expect("a path");
        assert!(
            admins.contains_key(last.to.as_str()) || f.path.iter().any(|s| s.from == last.to || s.to == last.to),
            "{arn}: the path does not end at an administrator"
        );
    }
    Checked { admins: found.len(), escalations: expected_escalations.len(), blocked: blocked_count }
}

#[test]
fn a_single_account_matches_the_ground_truth() {
    let checked = check(&Options { seed: 1, size: Size::Small, org_accounts: None });
    assert!(checked.admins >= 10 && checked.escalations >= 10, "too little planted to check anything");
}

#[test]
fn an_organization_with_scps_matches_the_ground_truth() {
    // Its first twelve accounts: SCPs and RCPs everywhere, Identity Center, cross-account roles.
    let checked = check(&Options { seed: 3, size: Size::Org, org_accounts: Some(12) });
    assert!(checked.admins >= 10 && checked.escalations >= 10);
}

/// The whole organization, whose quarantined accounts' administrators an SCP blocks (slow in
/// a debug build: `cargo test --release -p remit-aws-risk --test ground_truth -- --ignored`).
#[test]
#[ignore = "the full organization takes minutes in a debug build"]
fn the_whole_organization_matches_the_ground_truth() {
    let checked = check(&Options { seed: 1, size: Size::Org, org_accounts: None });
    assert!(checked.admins >= 100 && checked.escalations >= 100);
    assert!(checked.blocked > 0, "no SCP-blocked principal to check");
}
