//! Azure and Google Cloud through the API: a snapshot of a generated estate (an Entra tenant
//! with its subscriptions, a Google Cloud organization, the people), asked over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use remit_history::History;
use remit_store::Store;
use serde_json::Value;
use support::{Auth, PASSWORD, Server, create_users, setup_event};

async fn estate_store(dir: &std::path::Path) -> Store {
    let bundle = dir.join("estate");
    remit_gen::estate::write_estate(&remit_gen::estate::EstateSpec::demo(5), &bundle).expect("generate the estate");
    let store = Store::open(&dir.join("data")).await.expect("open the store");
    History::new(store.clone())
        .capture(&bundle, "estate", Some(1_738_368_000), &setup_event("snapshot.capture", "estate"))
        .await
        .expect("capture the estate");
    create_users(&store).await;
    store
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azure_and_google_cloud_answer_over_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let store = estate_store(dir.path()).await;
    let server = Server::start(&store).await;
    let c = server.client();
    let s = c.login("analyst", PASSWORD).await;
    let get = |path: String| {
        let c = c.clone();
        let s = s.clone();
        async move {
            let answer = c.get(&path, Auth::Session(&s)).await;
            answer.expect(200);
            answer.json()
        }
    };

    // Every cloud's principals are listed, and each kind of page answers.
    let all = get("/api/principals?limit=1000".to_owned()).await;
    let items = all["items"].as_array().unwrap();
    let of = |cloud: &str| items.iter().filter(|p| p["cloud"] == cloud).cloned().collect::<Vec<Value>>();
    let (azure, gcp) = (of("azure"), of("gcp"));
    assert!(!azure.is_empty() && !gcp.is_empty(), "{all}");

    // An Azure user's page lists its entitlements; what-can answers the same.
    let user = azure.iter().find(|p| p["kind"] == "user").expect("an Entra user");
    let id = user["arn"].as_str().unwrap();
    let page = get(format!("/api/principals/{}", enc(id))).await;
    let what = get(format!("/api/what-can?principal={}", enc(id))).await;
    assert_eq!(page["entitlements"], what["entitlements"], "{page}");

    // Who can run commands on an Azure VM: each holder is one explain allows.
    let vm = get("/api/resources?limit=1000".to_owned()).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["arn"].as_str().map(str::to_owned))
        .find(|r| r.contains("/Microsoft.Compute/virtualMachines/"))
        .expect("a VM");
    let action = "Microsoft.Compute/virtualMachines/runCommand/action";
    let who = get(format!("/api/who-can?action={}&resource={}", enc(action), enc(&vm))).await;
    for holder in who["principals"].as_array().unwrap() {
        let via = holder["via"].as_array().unwrap();
        if holder["kind"] == "group" || via.iter().any(|v| v["type"] == "group" || v["type"] == "activate") {
            continue;
        }
        let principal = holder["arn"].as_str().unwrap();
        let explained =
            get(format!("/api/explain?principal={}&action={}&resource={}", enc(principal), enc(action), enc(&vm)))
                .await;
        assert_eq!(explained["decision"], holder["decision"], "{principal}: {explained}");
    }

    // A Google Cloud service account's page, and findings of both clouds in the list.
    let sa = gcp.iter().find(|p| p["kind"] == "service-account").expect("a service account");
    let page = get(format!("/api/principals/{}", enc(sa["arn"].as_str().unwrap()))).await;
    assert!(page["entitlements"].is_array(), "{page}");
    let findings = get("/api/findings?limit=1000".to_owned()).await;
    let clouds: std::collections::BTreeSet<&str> =
        findings["items"].as_array().unwrap().iter().filter_map(|f| f["cloud"].as_str()).collect();
    assert!(clouds.contains("azure") && clouds.contains("gcp"), "{clouds:?}");

    // One person across both clouds, as the CLI's `what-can person:EMAIL` answers.
    let truth: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("estate/people-ground-truth.json")).unwrap()).unwrap();
    let email = truth["persons"][0]["email"].as_str().unwrap();
    let person = get(format!("/api/what-can?principal={}", enc(&format!("person:{email}")))).await;
    assert_eq!(person["person"]["key"], email, "{person}");
    let clouds: std::collections::BTreeSet<&str> =
        person["identities"].as_array().unwrap().iter().filter_map(|i| i["cloud"].as_str()).collect();
    assert!(clouds.contains("azure"), "{person}");
    let unknown = c.get("/api/what-can?principal=person%3Anobody%40nowhere.example", Auth::Session(&s)).await;
    unknown.expect(400);

    // A name of no cloud is a JSON 400, not a 500.
    let bad = c.get("/api/who-can?action=x&resource=bucket", Auth::Session(&s)).await;
    bad.expect(400);
}
