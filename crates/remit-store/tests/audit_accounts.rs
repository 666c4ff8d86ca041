//! The audit trail and accounts on both engines: tampering found by raw SQL edits, one chain
//! across concurrent writers and instances, and every account change audited with it.

mod support;

use remit_store::{
    AuditEvent, AuditHead, AuditProblemKind, Outcome, SessionRow, StoreError, SuppressionRow, TokenRow, UserRow,
    audit_cef, audit_jsonl, verify_records,
};
use serde_json::json;
use support::Fixture;

on_both!(
    tampering_with_the_trail_is_found,
    the_chain_stays_linear_across_writers_and_instances,
    exports_verify_and_escape,
    user_changes_are_audited_with_them,
    tokens_and_sessions_are_found_by_hash,
    failures_suppressions_and_policies,
);

fn event(n: usize) -> AuditEvent {
    AuditEvent::new("alice", "user.set_role", &format!("user{n}"), "192.0.2.7").with_detail(json!({"n": n}))
}

fn kinds(v: &remit_store::AuditVerification) -> Vec<(i64, AuditProblemKind)> {
    v.problems.iter().map(|p| (p.seq, p.kind)).collect()
}

async fn tampering_with_the_trail_is_found(f: Fixture) {
    for n in 1..=8 {
        f.store.audit(&event(n)).await.expect("append");
    }
    let clean = f.store.audit_verify(None).await.expect("verify");
    assert!(clean.is_ok(), "{:?}", clean.problems);
    assert_eq!(clean.records, 8);
    let head = clean.head.clone().expect("a head");
    assert_eq!(head.seq, 8);

    // Modified: one field of record 3.
    f.sql("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3").await;
    assert_eq!(kinds(&f.store.audit_verify(None).await.expect("verify")), vec![(3, AuditProblemKind::Modified)]);
    f.sql("UPDATE audit_log SET actor = 'alice' WHERE seq = 3").await;
    assert!(f.store.audit_verify(None).await.expect("verify").is_ok());

    // Modified: the outcome, and the detail.
    f.sql("UPDATE audit_log SET outcome = 'denied' WHERE seq = 2").await;
    f.sql("UPDATE audit_log SET detail = '{\"n\":99}' WHERE seq = 6").await;
    assert_eq!(
        kinds(&f.store.audit_verify(None).await.expect("verify")),
        vec![(2, AuditProblemKind::Modified), (6, AuditProblemKind::Modified)]
    );
    f.sql("UPDATE audit_log SET outcome = 'success' WHERE seq = 2").await;
    f.sql("UPDATE audit_log SET detail = '{\"n\":6}' WHERE seq = 6").await;
    assert!(f.store.audit_verify(None).await.expect("verify").is_ok());

    // Reordered: records 4 and 5 swap places.
    f.sql("UPDATE audit_log SET seq = -5 WHERE seq = 5").await;
    f.sql("UPDATE audit_log SET seq = 5 WHERE seq = 4").await;
    f.sql("UPDATE audit_log SET seq = 4 WHERE seq = -5").await;
    let reordered = f.store.audit_verify(None).await.expect("verify");
    assert_eq!(kinds(&reordered), vec![(4, AuditProblemKind::Reordered), (5, AuditProblemKind::Reordered)]);
    assert!(reordered.problems[0].to_string().contains("written as seq 5"), "{}", reordered.problems[0]);
    f.sql("UPDATE audit_log SET seq = -5 WHERE seq = 4").await;
    f.sql("UPDATE audit_log SET seq = 4 WHERE seq = 5").await;
    f.sql("UPDATE audit_log SET seq = 5 WHERE seq = -5").await;
    assert!(f.store.audit_verify(None).await.expect("verify").is_ok());

    // Deleted: record 6, and then the first.
    f.sql("DELETE FROM audit_log WHERE seq = 6").await;
    assert_eq!(kinds(&f.store.audit_verify(None).await.expect("verify")), vec![(6, AuditProblemKind::Deleted)]);
    f.sql("DELETE FROM audit_log WHERE seq = 1").await;
    assert_eq!(
        kinds(&f.store.audit_verify(None).await.expect("verify")),
        vec![(1, AuditProblemKind::Deleted), (6, AuditProblemKind::Deleted)]
    );

    // Deleted and the rest renumbered to hide the gap: 7 and 8 no longer hash, and the
    // first renumbered record links to nothing.
    f.sql("UPDATE audit_log SET seq = seq - 1 WHERE seq > 6").await;
    let renumbered = f.store.audit_verify(None).await.expect("verify");
    assert!(
        renumbered.problems.iter().any(|p| p.seq == 6 && p.kind == AuditProblemKind::Unlinked),
        "{:?}",
        renumbered.problems
    );
    assert!(!renumbered.is_ok());

    // Truncated: the tail cut off leaves a chain that verifies alone; the kept head does not.
    let fresh = f.second().await;
    f.sql("DELETE FROM audit_log").await;
    for n in 1..=5 {
        fresh.audit(&event(n)).await.expect("append");
    }
    let kept = fresh.audit_verify(None).await.expect("verify").head.expect("head");
    let text = kept.to_string();
    assert_eq!(text.parse::<AuditHead>().expect("parse"), kept);
    f.sql("DELETE FROM audit_log WHERE seq >= 4").await;
    assert!(fresh.audit_verify(None).await.expect("verify").is_ok());
    let cut = fresh.audit_verify(Some(&kept)).await.expect("verify");
    assert_eq!(kinds(&cut), vec![(5, AuditProblemKind::Truncated)]);
    // Cut and written again up to the same length: the head kept no longer matches.
    fresh.audit(&event(40)).await.expect("append");
    fresh.audit(&event(50)).await.expect("append");
    assert_eq!(kinds(&fresh.audit_verify(Some(&kept)).await.expect("verify")), vec![(5, AuditProblemKind::Truncated)]);
}

async fn the_chain_stays_linear_across_writers_and_instances(f: Fixture) {
    let other = f.second().await;
    let mut tasks = Vec::new();
    for (w, store) in [f.store.clone(), other.clone(), f.store.clone(), other].into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            for n in 0..15 {
                store.audit(&event(w * 100 + n)).await.expect("append");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let v = f.store.audit_verify(None).await.expect("verify");
    assert!(v.is_ok(), "{:?}", v.problems);
    assert_eq!(v.records, 60);
    let records = f.store.audit_records(0, 1_000).await.expect("records");
    assert_eq!(records.iter().map(|r| r.seq).collect::<Vec<_>>(), (1..=60).collect::<Vec<_>>());
    assert!(records.windows(2).all(|w| w[0].at_ms <= w[1].at_ms && w[1].prev_hash == w[0].hash));
    // Paging.
    let page = f.store.audit_records(10, 5).await.expect("page");
    assert_eq!(page.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![11, 12, 13, 14, 15]);
}

async fn exports_verify_and_escape(f: Fixture) {
    f.store.audit(&event(1)).await.expect("append");
    let odd = AuditEvent::new("eve|x=y\\", "login", "a=b\r\nc", "cli")
        .with_outcome(Outcome::Denied)
        .with_detail(json!({"why": "bad\npassword", "float": 0.1, "nested": {"z": 1, "a": [true, null]}}));
    let record = f.store.audit(&odd).await.expect("append");
    assert_eq!(record.seq, 2);
    let stored = f.store.audit_records(0, 10).await.expect("records");
    assert_eq!(stored[1], record);
    // JSON Lines round-trips and verifies on its own.
    let lines: Vec<String> = stored.iter().map(audit_jsonl).collect();
    assert!(lines.iter().all(|l| !l.contains('\n')));
    let parsed: Vec<remit_store::AuditRecord> = lines.iter().map(|l| serde_json::from_str(l).expect("parse")).collect();
    assert_eq!(parsed, stored);
    let head = f.store.audit_verify(None).await.expect("verify").head;
    assert!(verify_records(parsed, head.as_ref()).is_ok());
    // CEF: header and extension escaping.
    let cef = audit_cef(&stored[1]);
    assert!(cef.starts_with("CEF:0|Remit|Remit|"), "{cef}");
    assert!(cef.contains("|login|login|8|"), "{cef}");
    assert!(cef.contains("suser=eve|x\\=y\\\\ "), "{cef}");
    assert!(cef.contains("shost=cli "), "{cef}");
    assert!(cef.contains("cs3=a\\=b\\r\\nc "), "{cef}");
    assert!(cef.contains("outcome=denied"), "{cef}");
    assert!(cef.contains(&format!("cs1={}", stored[1].hash)), "{cef}");
    // The detail is JSON, whose own escape of a newline (`\n`) has its backslash escaped.
    assert!(cef.contains(r#"msg={"why":"bad\\npassword""#), "{cef}");
    assert!(!cef.contains('\n'));
    assert!(audit_cef(&stored[0]).contains("src=192.0.2.7 "));
}

fn user(name: &str) -> UserRow {
    UserRow {
        name: name.into(),
        display: name.to_uppercase(),
        email: Some(format!("{name}@example.com")),
        role: "auditor".into(),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        oidc_subject: None,
        disabled: false,
        created_at: 1_700_000_000,
    }
}

fn admin(action: &str, target: &str) -> AuditEvent {
    AuditEvent::new("admin", action, target, "127.0.0.1")
}

async fn user_changes_are_audited_with_them(f: Fixture) {
    f.store.create_user(&user("alice"), &admin("user.create", "alice")).await.expect("create");
    let err = f.store.create_user(&user("alice"), &admin("user.create", "alice")).await.expect_err("taken");
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    f.store.create_user(&user("bob"), &admin("user.create", "bob")).await.expect("create");
    f.store.set_role("alice", "admin", &admin("user.set_role", "alice")).await.expect("role");
    f.store.set_password("alice", "$argon2id$new", &admin("user.set_password", "alice")).await.expect("password");
    f.store.set_disabled("bob", true, &admin("user.disable", "bob")).await.expect("disable");
    f.store.set_subject("bob", Some("https://idp.example bob-sub"), &admin("user.bind", "bob")).await.expect("bind");
    let err = f.store.set_role("carol", "admin", &admin("user.set_role", "carol")).await.expect_err("absent");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");

    let alice = f.store.user("alice").await.expect("read").expect("present");
    assert_eq!((alice.role.as_str(), alice.password_hash.as_deref()), ("admin", Some("$argon2id$new")));
    assert_eq!(alice.email.as_deref(), Some("alice@example.com"));
    let bob = f.store.user_by_subject("https://idp.example bob-sub").await.expect("read").expect("present");
    assert!(bob.disabled);
    assert_eq!(bob.name, "bob");
    assert_eq!(f.store.user("carol").await.expect("read"), None);
    assert_eq!(
        f.store.users().await.expect("users").iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        vec!["alice", "bob"]
    );

    // One record per change that happened, none for those refused, in order.
    let actions: Vec<(String, String)> =
        f.store.audit_records(0, 100).await.expect("audit").into_iter().map(|r| (r.action, r.target)).collect();
    let want = [
        ("user.create", "alice"),
        ("user.create", "bob"),
        ("user.set_role", "alice"),
        ("user.set_password", "alice"),
        ("user.disable", "bob"),
        ("user.bind", "bob"),
    ];
    assert_eq!(actions, want.iter().map(|(a, t)| ((*a).to_owned(), (*t).to_owned())).collect::<Vec<_>>());
    assert!(f.store.audit_verify(None).await.expect("verify").is_ok());
}

async fn tokens_and_sessions_are_found_by_hash(f: Fixture) {
    let token = TokenRow {
        id: "tok1".into(),
        user: "alice".into(),
        name: "ci".into(),
        hash: "a".repeat(64),
        scopes: vec!["read".into(), "snapshot".into()],
        created_at: 100,
        expires_at: 10_000,
        last_used: None,
        revoked: false,
    };
    f.store.create_token(&token, &admin("token.create", "tok1")).await.expect("create");
    let second = TokenRow { id: "tok2".into(), hash: "b".repeat(64), created_at: 200, ..token.clone() };
    f.store.create_token(&second, &admin("token.create", "tok2")).await.expect("create");
    assert_eq!(f.store.token_by_hash(&"a".repeat(64)).await.expect("read"), Some(token.clone()));
    assert_eq!(f.store.token_by_hash("secret-itself").await.expect("read"), None);
    f.store.touch_token("tok1", 500).await.expect("touch");
    f.store.revoke_token("tok1", &admin("token.revoke", "tok1")).await.expect("revoke");
    assert!(matches!(
        f.store.revoke_token("nope", &admin("token.revoke", "nope")).await,
        Err(StoreError::NotFound { .. })
    ));
    let found = f.store.token_by_hash(&"a".repeat(64)).await.expect("read").expect("present");
    assert_eq!((found.last_used, found.revoked), (Some(500), true));
    assert_eq!(
        f.store.tokens(Some("alice")).await.expect("list").iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
        vec!["tok2", "tok1"]
    );
    assert!(f.store.tokens(Some("bob")).await.expect("list").is_empty());
    assert_eq!(f.store.tokens(None).await.expect("list").len(), 2);
    // Only the hash is stored.
    assert_eq!(f.count("SELECT COUNT(*) FROM account_token WHERE hash = 'secret-itself'").await, 0);

    let session = |id: &str, expires_at| SessionRow {
        id_hash: id.into(),
        user: "alice".into(),
        csrf: format!("csrf-{id}"),
        created_at: 100,
        expires_at,
        source: "127.0.0.1".into(),
    };
    f.store.create_session(&session("s1", 1_000)).await.expect("session");
    f.store.create_session(&session("s2", 5_000)).await.expect("session");
    f.store.create_session(&session("s3", 5_000)).await.expect("session");
    assert_eq!(f.store.session("s1").await.expect("read"), Some(session("s1", 1_000)));
    assert_eq!(f.store.purge_sessions(1_000).await.expect("purge"), 1);
    assert_eq!(f.store.session("s1").await.expect("read"), None);
    assert!(f.store.delete_session("s2").await.expect("delete"));
    assert!(!f.store.delete_session("s2").await.expect("delete"));
    assert_eq!(f.store.delete_sessions_of("alice").await.expect("delete"), 1);
    // Sessions are bookkeeping; only the token changes were audited.
    assert_eq!(f.store.audit_records(0, 100).await.expect("audit").len(), 3);
}

async fn failures_suppressions_and_policies(f: Fixture) {
    for at in [10, 20, 30] {
        f.store.login_failure("alice", at).await.expect("failure");
    }
    f.store.login_failure("bob", 30).await.expect("failure");
    assert_eq!(f.store.login_failures_since("alice", 20).await.expect("count"), 2);
    assert_eq!(f.store.purge_login_failures(15).await.expect("purge"), 1);
    f.store.clear_login_failures("alice").await.expect("clear");
    assert_eq!(f.store.login_failures_since("alice", 0).await.expect("count"), 0);
    assert_eq!(f.store.login_failures_since("bob", 0).await.expect("count"), 1);

    let s = SuppressionRow {
        finding: "f-1".into(),
        env: "prod".into(),
        reason: "accepted risk".into(),
        by: "analyst".into(),
        created_at: 5,
        expires_at: Some(50),
    };
    f.store.suppress(&s, &admin("finding.suppress", "f-1")).await.expect("suppress");
    let replaced = SuppressionRow { reason: "still accepted".into(), expires_at: None, ..s.clone() };
    f.store.suppress(&replaced, &admin("finding.suppress", "f-1")).await.expect("suppress again");
    assert_eq!(f.store.suppressions("prod").await.expect("list"), vec![replaced]);
    assert!(f.store.suppressions("dev").await.expect("list").is_empty());
    f.store.unsuppress("prod", "f-1", &admin("finding.unsuppress", "f-1")).await.expect("lift");
    assert!(matches!(
        f.store.unsuppress("prod", "f-1", &admin("finding.unsuppress", "f-1")).await,
        Err(StoreError::NotFound { .. })
    ));

    f.store.put_policy("b", "permit(principal, action, resource);", &admin("policy.put", "b")).await.expect("put");
    f.store.put_policy("a", "forbid(principal, action, resource);", &admin("policy.put", "a")).await.expect("put");
    f.store
        .put_policy("b", "permit(principal, action == Action::\"read\", resource);", &admin("policy.put", "b"))
        .await
        .expect("replace");
    let policies = f.store.policies().await.expect("list");
    assert_eq!(policies.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), vec!["a", "b"]);
    assert!(policies[1].1.contains("read"));
    f.store.delete_policy("a", &admin("policy.delete", "a")).await.expect("delete");
    assert!(matches!(f.store.delete_policy("a", &admin("policy.delete", "a")).await, Err(StoreError::NotFound { .. })));
    assert_eq!(f.store.policies().await.expect("list").len(), 1);
    let actions: Vec<String> =
        f.store.audit_records(0, 100).await.expect("audit").into_iter().map(|r| r.action).collect();
    assert_eq!(
        actions,
        [
            "finding.suppress",
            "finding.suppress",
            "finding.unsuppress",
            "policy.put",
            "policy.put",
            "policy.put",
            "policy.delete"
        ]
    );
}
