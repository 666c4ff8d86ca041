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
