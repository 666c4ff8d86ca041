//! The server on PostgreSQL, as a team runs it: two instances (two `remit_server::serve`s, each
//! with its own connection pool) behind one database. Whatever one instance does, the other
//! sees at once — a session, a suppression, the login rate limit — and the audit trail stays
//! one intact chain however their writes interleave.
//!
//! Skipped (with the reason printed) only when no PostgreSQL is installed and
//! `REMIT_REQUIRE_POSTGRES` is unset.

#[path = "../../remit-store/tests/support/pg.rs"]
mod pg;
mod support;

use std::net::SocketAddr;

use remit_server::ServerConfig;
use remit_store::{Outcome, Store};
use serde_json::json;
use support::*;

/// `remit_server::serve` on a loopback port picked by the system; its client.
async fn serve(store: Store) -> (Client, tokio::task::JoinHandle<()>) {
    let (tx, rx) = tokio::sync::oneshot::channel::<SocketAddr>();
    let config = ServerConfig::new("127.0.0.1:0".parse().expect("an address"));
    let task = tokio::spawn(async move {
        remit_server::serve(store, config, move |addr| {
            let _ = tx.send(addr);
        })
        .await
        .expect("serve");
    });
    let addr = rx.await.expect("the server listens");
    (Client::new(&format!("http://{addr}")), task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_database_share_everything() {
    let Some(cluster) = pg::PgCluster::start() else { return };
    let url = cluster.create_database("remit_server");
    let store_a = Store::connect(&url).await.expect("connect instance A's store");
    let bundles = tempfile::tempdir().expect("a temporary directory");
    let snapshots = populate(&store_a, bundles.path()).await;
    let store_b = Store::connect(&url).await.expect("connect instance B's store");
    let (a, task_a) = serve(store_a.clone()).await;
    let (b, task_b) = serve(store_b.clone()).await;
    assert_ne!(a.base, b.base);

    // Signed in on A, the cookie works on B (and the CSRF token with it).
    let analyst = a.login("analyst", PASSWORD).await;
    let me = b.get("/api/me", Auth::Session(&analyst)).await;
    me.expect(200);
    assert_eq!(me.json()["user"]["name"], json!("analyst"));
    assert_eq!(me.json()["csrf"], json!(analyst.csrf));

    // Reads agree, time travel included.
    for at in ["", "&at=2025-01-15"] {
        let from_a = a.get(&format!("/api/principals?limit=1000{at}"), Auth::Session(&analyst)).await.json();
        let from_b = b.get(&format!("/api/principals?limit=1000{at}"), Auth::Session(&analyst)).await.json();
        assert_eq!(from_a["items"], from_b["items"]);
        let want = if at.is_empty() { &snapshots.later } else { &snapshots.earlier };
        assert_eq!(from_a["snapshot"]["id"], json!(want.id));
        assert_eq!(from_a["total"], want.summary["principals"]);
    }

    // Suppressed on A, seen on B.
    let findings = a.get("/api/findings?limit=20", Auth::Session(&analyst)).await.json();
    let ids: Vec<String> = findings["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().expect("an id").to_owned())
        .collect();
    assert!(ids.len() >= 10);
    let path = |id: &str| format!("/api/findings/{id}/suppression");
    a.post(&path(&ids[0]), Auth::Session(&analyst), &json!({"reason": "seen on B"})).await.expect(201);
    let on_b = b.get(&format!("/api/findings/{}", ids[0]), Auth::Session(&analyst)).await.json();
    assert_eq!(on_b["suppressed"]["reason"], json!("seen on B"));
    assert_eq!(on_b["suppressed"]["by"], json!("analyst"));
    b.delete(&path(&ids[0]), Auth::Session(&analyst)).await.expect(204);
    assert_eq!(
        a.get(&format!("/api/findings/{}", ids[0]), Auth::Session(&analyst)).await.json()["suppressed"],
        json!(null)
    );

    // The login rate limit is the database's, not an instance's: three failures on A and two
    // on B use the account's five.
    for (client, n) in [(&a, 3), (&b, 2)] {
        for _ in 0..n {
            client.try_login("auditor", "wrong-password-123").await.expect_error(401, "bad_credentials");
        }
    }
    a.try_login("auditor", PASSWORD).await.expect_error(429, "rate_limited");
    b.try_login("auditor", PASSWORD).await.expect_error(429, "rate_limited");

    // Interleaved writes from both instances: suppressions, lifts, denials, sign-ins.
    let before = store_a.audit_verify(None).await.expect("verify").records;
    let auditor_session = {
        // The auditor is rate limited; the approver signs in instead, to be refused changes.
        b.login("approver", PASSWORD).await
    };
    let mut writes = Vec::new();
    for (i, id) in ids.iter().enumerate().skip(1).take(8) {
        let (client, other) = if i % 2 == 0 { (a.clone(), b.clone()) } else { (b.clone(), a.clone()) };
        let (analyst, approver, id) = (analyst.clone(), auditor_session.clone(), id.clone());
        writes.push(tokio::spawn(async move {
            let p = format!("/api/findings/{id}/suppression");
            client.post(&p, Auth::Session(&analyst), &json!({"reason": format!("interleaved {id}")})).await.expect(201);
            other.post(&p, Auth::Session(&approver), &json!({"reason": "no"})).await.expect_error(403, "forbidden");
            other.delete(&p, Auth::Session(&analyst)).await.expect(204);
            client.post(&p, Auth::Session(&analyst), &json!({"reason": format!("again {id}")})).await.expect(201);
        }));
    }
    for w in writes {
        w.await.expect("a writer");
    }
    let (va, vb) =
        (store_a.audit_verify(None).await.expect("verify"), store_b.audit_verify(None).await.expect("verify"));
    assert_intact(&va);
    assert_eq!(va, vb, "both instances see one chain");
    // 8 findings × (suppress, denial, lift, suppress) + the approver's login.
    assert_eq!(va.records - before, 8 * 4 + 1);
    let trail = audit_trail(&store_b).await;
    let seqs: Vec<i64> = trail.iter().map(|r| r.seq).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "gaps in the chain");
    assert_eq!(
        trail.iter().filter(|r| r.action == "finding.suppress" && r.outcome == Outcome::Success).count(),
        1 + 16
    );
    assert_eq!(trail.iter().filter(|r| r.actor == "approver" && r.outcome == Outcome::Denied).count(), 8);
    let suppressed = b.get("/api/findings?suppressed=true&limit=1000", Auth::Session(&analyst)).await.json();
    assert_eq!(suppressed["total"], json!(8));
    let verify = a.get("/api/audit/verify", Auth::Session(&a.login("admin", PASSWORD).await)).await.json();
    assert_eq!(verify["intact"], json!(true));

    // Signed out on B: the session is gone on A too.
    b.post("/api/logout", Auth::Session(&analyst), &json!({})).await.expect(204);
    a.get("/api/me", Auth::Session(&analyst)).await.expect_error(401, "unauthenticated");

    task_a.abort();
    task_b.abort();
    let _ = (task_a.await, task_b.await);
    store_a.close().await;
    store_b.close().await;
    drop(cluster);
}
