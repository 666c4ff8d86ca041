//! The estate through the binary: Azure and Google Cloud questions answered by their engines,
//! one scan over every cloud, a snapshot of the whole estate read back `--at` a date, and bad
//! input reported with its file.
//!
//! The estate is the Azure and Google Cloud crates' own fixtures (in the `az` / Microsoft Graph
//! and gcloud / Cloud Asset Inventory shapes, documented in their tests) laid out as one bundle.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::{copy_dir, ok_json, remit, s, text};
use serde_json::Value;

const TENANT: &str = "11111111-1111-1111-1111-111111111111";
const VM: &str = "/subscriptions/aaaaaaaa-0000-0000-0000-000000000001/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-web";

fn crates() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A bundle holding the Azure tenant and the Google Cloud organization of the fixtures.
fn estate(dir: &Path) -> PathBuf {
    let env = dir.join("estate");
    copy_dir(&crates().join("remit-azure/tests/fixtures/tenant-a").join(TENANT), &env.join("azure").join(TENANT));
    copy_dir(&crates().join("remit-gcp/tests/fixtures/org-a"), &env.join("gcp/org-a"));
    env
}

#[test]
fn azure_who_can_agrees_with_explain_principal_by_principal() {
    let dir = tempfile::tempdir().unwrap();
    let env = estate(dir.path());
    let action = "Microsoft.Compute/virtualMachines/runCommand/action";
    let who = ok_json(&remit(&["who-can", action, VM, "--env", &s(&env), "--format", "json"]));
    let holders = who["principals"].as_array().unwrap();
    assert!(!holders.is_empty(), "someone can run commands on the VM: {who}");
    for h in holders {
        let id = h["id"].as_str().unwrap();
        let eligible = h["via"].as_array().unwrap().iter().any(|v| v["type"] == "activate");
        let group = h["via"].as_array().unwrap().iter().any(|v| v["type"] == "group");
        if eligible || group || h["kind"] == "group" {
            continue; // explain decides standing access of the principal itself
        }
        let explained = ok_json(&remit(&["explain", id, action, VM, "--env", &s(&env), "--format", "json"]));
        assert_eq!(explained["decision"], h["decision"], "{id}: who-can says {}, explain {explained}", h["decision"]);
    }
    // And the users who-can does not list: explain denies them.
    let users: Value =
        serde_json::from_slice(&std::fs::read(env.join("azure").join(TENANT).join("entra/users.json")).unwrap())
            .unwrap();
    let listed: Vec<&str> = holders.iter().filter_map(|h| h["id"].as_str()).collect();
    let mut denied = 0;
    // Graph's own shape (`{"value": [...]}`), as `az rest` writes it.
    for user in users["value"].as_array().unwrap() {
        let id = user["id"].as_str().unwrap();
        if listed.iter().any(|l| l.eq_ignore_ascii_case(id)) {
            continue;
        }
        let explained = ok_json(&remit(&["explain", id, action, VM, "--env", &s(&env), "--format", "json"]));
        assert_eq!(explained["decision"], "denied", "{id}: not listed by who-can, but {explained}");
        denied += 1;
    }
    assert!(denied > 0, "the fixture has users who cannot run commands on the VM");
}

#[test]
fn gcp_what_can_lists_impersonation_through_a_service_accounts_own_policy() {
    let dir = tempfile::tempdir().unwrap();
    let env = estate(dir.path());
    let answer = ok_json(&remit(&["what-can", "user:dev@corp.example", "--env", &s(&env), "--format", "json"]));
    assert_eq!(answer["principal"]["cloud"], "gcp");
    let entitlements = answer["entitlements"].as_array().unwrap();
    assert!(
        entitlements.iter().any(|e| e["action"] == "iam.serviceAccounts.getAccessToken"
            && e["resource"].as_str().unwrap().contains("serviceAccounts/deployer@")),
        "{answer}"
    );
    // A member no binding names holds nothing.
    let out = remit(&["what-can", "user:nobody@corp.example", "--env", &s(&env), "--format", "json"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no principal"), "{}", text(&out));
}

#[test]
fn one_scan_reports_every_cloud() {
    let dir = tempfile::tempdir().unwrap();
    let env = estate(dir.path());
    let out = remit(&["scan", &s(&env), "--format", "json", "--no-record"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out)));
    let clouds: std::collections::BTreeSet<&str> =
        report["findings"].as_array().unwrap().iter().filter_map(|f| f["cloud"].as_str()).collect();
    assert!(clouds.contains("azure") && clouds.contains("gcp"), "{clouds:?}");
    // No people/ directory: no finding about owners or leavers (they would all be guesses).
    assert!(
        !report["findings"].as_array().unwrap().iter().any(|f| f["rule"].as_str().unwrap_or("").starts_with("people-"))
    );
}

#[test]
fn a_snapshot_of_the_estate_answers_as_the_bundle_did() {
    let dir = tempfile::tempdir().unwrap();
    let env = estate(dir.path());
    let data = dir.path().join("data");
    let snap = remit(&["--data-dir", &s(&data), "snapshot", &s(&env), "--name", "fx", "--taken-at", "2026-11-01"]);
    assert!(snap.status.success(), "{}", text(&snap));
    for principal in ["alice@contoso.onmicrosoft.com", "user:dev@corp.example"] {
        let live = ok_json(&remit(&["what-can", principal, "--env", &s(&env), "--format", "json"]));
        let past = ok_json(&remit(&[
            "--data-dir",
            &s(&data),
            "what-can",
            principal,
            "--at",
            "2026-11-02",
            "--format",
            "json",
        ]));
        assert_eq!(live, past, "{principal}");
    }
    let list = ok_json(&remit(&["--data-dir", &s(&data), "snapshots", "--format", "json"]));
    let first = &list["snapshots"].as_array().unwrap()[0];
    assert!(first["summary"]["principals"].as_u64().unwrap() > 20, "{first}");
    assert_eq!(first["cloud"], "azure,gcp");
}

#[test]
fn a_damaged_azure_file_is_reported_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let env = estate(dir.path());
    let users = env.join("azure").join(TENANT).join("entra/users.json");
    std::fs::write(&users, "[{\"id\": \"x\",").unwrap();
    let out = remit(&["what-can", "alice@contoso.onmicrosoft.com", "--env", &s(&env)]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("users.json") && !err.contains("panicked"), "{err}");
}

/// The principal of an activity truth with the most distinct actions allowed, and those actions.
fn busiest(truth: &Value) -> (String, std::collections::BTreeSet<String>) {
    truth["principals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let allowed: std::collections::BTreeSet<String> = p["calls"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["allowed"].as_u64().unwrap_or(0) > 0)
                .map(|c| c["action"].as_str().unwrap().to_owned())
                .collect();
            (p["principal"].as_str().unwrap().to_owned(), allowed)
        })
        .max_by_key(|(id, allowed)| (allowed.len(), std::cmp::Reverse(id.clone())))
        .unwrap()
}

#[test]
fn azure_and_gcp_usage_gives_unused_entitlements_and_right_sized_roles() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("estate");
    let data = dir.path().join("data");
    let out = remit(&["generate", "estate", "--out", &s(&env), "--seed", "2"]);
    assert!(out.status.success(), "{}", text(&out));
    let activity = |cloud: &str| -> PathBuf {
        let parent = env.join(cloud);
        let tenant = std::fs::read_dir(&parent).unwrap().flatten().find(|e| e.path().is_dir()).unwrap().path();
        tenant.join("activity")
    };
    for cloud in ["azure", "gcp"] {
        let ingest = remit(&["--data-dir", &s(&data), "ingest", cloud, &s(&activity(cloud)), "--format", "json"]);
        assert!(ingest.status.success(), "{}", text(&ingest));
        // Twice: the ledger knows every file.
        let again =
            ok_json(&remit(&["--data-dir", &s(&data), "ingest", cloud, &s(&activity(cloud)), "--format", "json"]));
        assert_eq!(again["files"], 0, "{again}");
    }
    for (cloud, truth_file) in [("azure", "azure-activity-truth.json"), ("gcp", "gcp-activity-truth.json")] {
        let truth: Value = serde_json::from_slice(&std::fs::read(env.join(truth_file)).unwrap()).unwrap();
        let (principal, allowed) = busiest(&truth);
        let principal =
            if cloud == "gcp" && !principal.contains(':') { format!("user:{principal}") } else { principal };
        let end = truth["end"].as_i64().unwrap();
        let days = ((end - truth["start"].as_i64().unwrap()) / 86_400 + 1).to_string();
        let as_of = format!("@{end}");
        let as_of = remit_activity_time(end).unwrap_or(as_of);
        let base = ["--data-dir", &s(&data)];
        let unused = ok_json(&remit(
            &[
                &base[..],
                &["unused", &principal, "--env", &s(&env), "--days", &days, "--as-of", &as_of, "--format", "json"],
            ]
            .concat(),
        ));
        let used: std::collections::BTreeSet<String> = unused["entitlements"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|e| e["usedActions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_lowercase()))
            .collect();
        for action in &allowed {
            assert!(
                used.contains(&action.to_lowercase()),
                "{cloud} {principal}: used {action} not under any entitlement: {unused}"
            );
        }
        let sized = ok_json(&remit(
            &[
                &base[..],
                &["rightsize", &principal, "--env", &s(&env), "--days", &days, "--as-of", &as_of, "--format", "json"],
            ]
            .concat(),
        ));
        let fields: &[&str] = if cloud == "azure" {
            &["actions", "dataActions", "outsideScope"]
        } else {
            &["permissions", "otherProjects"]
        };
        let granted: std::collections::BTreeSet<String> = fields
            .iter()
            .flat_map(|f| sized[*f].as_array().into_iter().flatten().map(|a| a.as_str().unwrap().to_lowercase()))
            .collect();
        let expected: std::collections::BTreeSet<String> = allowed.iter().map(|a| a.to_lowercase()).collect();
        assert_eq!(granted, expected, "{cloud} {principal}: the right-sized role holds exactly what was used: {sized}");
    }
}

/// An RFC 3339 time for `--as-of`.
fn remit_activity_time(unix: i64) -> Option<String> {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Civil date from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    Some(format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60))
}
