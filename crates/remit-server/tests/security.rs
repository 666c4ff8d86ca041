//! Remit's own security, tried over HTTP: local sign-in and its rate limit, the session
//! cookie, CSRF, the security headers, Cedar on every route for every role (and an admin's
//! policy taking effect at once), API tokens, and no secret in any answer or audit record.

mod support;

use remit_store::Outcome;
use serde_json::{Value, json};
use support::*;

/// Records appended after `seq`.
async fn records_after(store: &remit_store::Store, seq: i64) -> Vec<remit_store::AuditRecord> {
    store.audit_records(seq, 1000).await.expect("read the audit trail")
}

async fn head(store: &remit_store::Store) -> i64 {
    audit_trail(store).await.last().map_or(0, |r| r.seq)
}

/// The whole audit trail as text (JSON Lines), for "no secret in it" checks.
async fn trail_text(store: &remit_store::Store) -> String {
    audit_trail(store).await.iter().map(remit_store::audit_jsonl).collect::<Vec<_>>().join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_sign_in_wrong_password_and_rate_limit_are_audited() {
    let f = Fixture::sqlite().await;
    let server = Server::start(&f.store).await;
    let c = server.client();
    let start = head(&f.store).await;
    let wrong = "not-the-password-123";

    // Five wrong passwords: 401 each, the same answer as for a name that does not exist.
    let mut bodies = Vec::new();
    for _ in 0..5 {
        let answer = c.try_login("analyst", wrong).await;
        answer.expect_error(401, "bad_credentials");
        assert!(answer.set_cookie("remit_session").is_none(), "a failed sign-in sets no session");
        bodies.push(answer.body.clone());
    }
    let unknown = c.try_login("nobody-here", wrong).await;
    unknown.expect_error(401, "bad_credentials");
    assert_eq!(unknown.json()["error"], serde_json::from_str::<Value>(&bodies[0]).expect("JSON")["error"]);

    // The sixth attempt, with the right password, is refused: 429 with Retry-After.
    let limited = c.try_login("analyst", PASSWORD).await;
    limited.expect_error(429, "rate_limited");
    let retry: u64 = limited.header("retry-after").expect("Retry-After").parse().expect("Retry-After in seconds");
    assert!((1..=900).contains(&retry), "Retry-After {retry}");
    assert!(limited.set_cookie("remit_session").is_none());
    // Case does not buy another budget.
    c.try_login("ANALYST", PASSWORD).await.expect_error(429, "rate_limited");

    // Another account from the same address is not locked out (the per-address limit is higher).
    let admin = c.login("admin", PASSWORD).await;
    assert_eq!(admin.user["name"], json!("admin"));
    assert_eq!(admin.user["role"], json!("admin"));

    // Every attempt is in the audit trail, from the client's address, with its result.
    let records = records_after(&f.store, start).await;
    let logins: Vec<_> = records.iter().filter(|r| r.action == "login").collect();
    let of = |actor: &str, outcome: Outcome| logins.iter().filter(|r| r.actor == actor && r.outcome == outcome).count();
    assert_eq!(of("analyst", Outcome::Failure), 5, "{logins:#?}");
    assert_eq!(of("nobody-here", Outcome::Failure), 1);
    assert_eq!(of("analyst", Outcome::Denied), 1, "the rate-limited attempt is audited as denied");
    assert_eq!(of("ANALYST", Outcome::Denied), 1);
    assert_eq!(of("admin", Outcome::Success), 1);
    assert!(logins.iter().all(|r| r.source == "127.0.0.1"), "{logins:#?}");

    // No password in the trail or in any answer.
    let trail = trail_text(&f.store).await;
    for secret in [PASSWORD, wrong] {
        assert!(!trail.contains(secret), "the audit trail holds a password");
        for body in bodies.iter().chain([&limited.body, &unknown.body]) {
            assert!(!body.contains(secret), "an answer holds a password: {body}");
        }
    }
    assert_intact(&f.store.audit_verify(None).await.expect("verify"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_is_locked_down_and_logout_ends_the_session_on_the_server() {
    let f = Fixture::sqlite().await;
    let server = Server::start(&f.store).await;
    let c = server.client();

    let answer = c.try_login("auditor", PASSWORD).await;
    answer.expect(200);
    let set_cookie = answer.set_cookie("remit_session").expect("a session cookie");
    let attributes = cookie_attributes(&set_cookie);
    for wanted in ["httponly", "secure", "samesite=strict", "path=/"] {
        assert!(attributes.iter().any(|a| a == wanted), "`{wanted}` missing from {set_cookie}");
    }
    let value = cookie_value(&set_cookie).to_owned();
    assert!(value.len() >= 32, "a short session secret: {value}");
    let csrf = answer.json()["csrf"].as_str().expect("a CSRF token").to_owned();
    assert_ne!(csrf, value);
    let session = Session { cookie: value.clone(), csrf: csrf.clone(), user: answer.json()["user"].clone() };

    // The cookie signs in; nothing else does.
    let me = c.get("/api/me", Auth::Session(&session)).await;
    me.expect(200);
    assert_eq!(me.json()["user"]["name"], json!("auditor"));
    assert_eq!(me.json()["user"]["role"], json!("auditor"));
    assert_eq!(me.json()["csrf"], json!(csrf));
    c.get("/api/me", Auth::None).await.expect_error(401, "unauthenticated");
    let forged = Session { cookie: format!("{}x", &value[..value.len() - 1]), ..session.clone() };
    c.get("/api/me", Auth::Session(&forged)).await.expect_error(401, "unauthenticated");

    // Only the session's hash is stored: the cookie's value is in no database file.
    let id_hash = remit_auth::secret::session_hash(&value).expect("a well-formed session value");
    assert!(f.store.session(&id_hash).await.expect("read the session").is_some());
    assert!(!contains_bytes(&f.database_bytes(), &value), "the session secret is stored in the database");

    // Logout: 204, the cookie is cleared, and the session is gone on the server, so the old
    // cookie no longer works even if the browser kept it.
    let out = c.post("/api/logout", Auth::Session(&session), &json!({})).await;
    out.expect(204);
    let cleared = out.set_cookie("remit_session").expect("the cookie is cleared");
    assert_eq!(cookie_value(&cleared), "");
    assert!(cookie_attributes(&cleared).iter().any(|a| a == "max-age=0"), "{cleared}");
    assert!(f.store.session(&id_hash).await.expect("read the session").is_none());
    c.get("/api/me", Auth::Session(&session)).await.expect_error(401, "unauthenticated");
    c.get("/api/findings", Auth::Session(&session)).await.expect_error(401, "unauthenticated");

    let trail = trail_text(&f.store).await;
    assert!(!trail.contains(&value) && !trail.contains(&id_hash), "the audit trail names the session");
    assert!(!trail.contains(&csrf), "the audit trail holds the CSRF token");
    assert!(audit_trail(&f.store).await.iter().any(|r| r.action == "logout" && r.actor == "auditor"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_need_the_csrf_token_and_this_origin_but_api_tokens_do_not() {
    let f = Fixture::sqlite().await;
    let server = Server::start(&f.store).await;
    let c = server.client();
    let analyst = c.login("analyst", PASSWORD).await;
    let other = c.login("analyst", PASSWORD).await;
    let findings = c.get("/api/findings?limit=2", Auth::Session(&analyst)).await;
    findings.expect(200);
    let id = findings.json()["items"][0]["id"].as_str().expect("a finding").to_owned();
    let path = format!("/api/findings/{id}/suppression");
    let body = json!({"reason": "accepted for the test"});

    // Without the header, with a wrong one, with another session's: 403, nothing changes.
    c.post(&path, Auth::SessionNoCsrf(&analyst), &body).await.expect_error(403, "forbidden");
    c.post(&path, Auth::SessionCsrf(&analyst, "wrong"), &body).await.expect_error(403, "forbidden");
    c.post(&path, Auth::SessionCsrf(&analyst, ""), &body).await.expect_error(403, "forbidden");
    c.post(&path, Auth::SessionCsrf(&analyst, &other.csrf), &body).await.expect_error(403, "forbidden");
    // The right token from another site's page: 403.
    let foreign =
        c.send("POST", &path, Auth::Session(&analyst), Some(&body), &[("origin", "https://evil.example")]).await;
    foreign.expect_error(403, "forbidden");
    let foreign_port =
        c.send("POST", &path, Auth::Session(&analyst), Some(&body), &[("origin", "http://127.0.0.1:1")]).await;
    foreign_port.expect_error(403, "forbidden");
    assert!(f.store.suppressions(ENV).await.expect("suppressions").is_empty(), "a refused change landed");
    // Logout is a change too.
    c.post("/api/logout", Auth::SessionNoCsrf(&analyst), &json!({})).await.expect_error(403, "forbidden");
    c.get("/api/me", Auth::Session(&analyst)).await.expect(200);

    // The right token (and this origin, when the browser names one): it goes through.
    let origin = server.base.clone();
    c.send("POST", &path, Auth::Session(&analyst), Some(&body), &[("origin", &origin)]).await.expect(201);
    assert_eq!(f.store.suppressions(ENV).await.expect("suppressions").len(), 1);
    c.delete(&path, Auth::SessionNoCsrf(&analyst)).await.expect_error(403, "forbidden");
    c.delete(&path, Auth::Session(&analyst)).await.expect(204);
    assert!(f.store.suppressions(ENV).await.expect("suppressions").is_empty());
    // Reads need no CSRF token.
    c.get("/api/findings?limit=1", Auth::SessionNoCsrf(&analyst)).await.expect(200);

    // An API token is not sent by browsers on their own: no CSRF token needed.
    let created = c
        .post("/api/tokens", Auth::Session(&analyst), &json!({"name": "ci", "scopes": ["read", "suppress"], "days": 1}))
        .await;
    created.expect(201);
    let token = created.json()["token"].as_str().expect("the secret").to_owned();
    c.post(&path, Auth::Bearer(&token), &body).await.expect(201);
    c.delete(&path, Auth::Bearer(&token)).await.expect(204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_the_security_headers() {
    let f = Fixture::sqlite().await;
    let server = Server::start(&f.store).await;
    let c = server.client();
    let admin = c.login("admin", PASSWORD).await;
    const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    let cases: Vec<(&str, Auth<'_>, u16)> = vec![
        ("/", Auth::None, 200),
        ("/assets/app.js", Auth::None, 200),
        ("/assets/app.css", Auth::None, 200),
        ("/assets/no-such-file.js", Auth::None, 404),
        ("/healthz", Auth::None, 200),
        ("/api/me", Auth::None, 401),
        ("/api/me", Auth::Session(&admin), 200),
        ("/api/findings?limit=1", Auth::Session(&admin), 200),
        ("/api/findings?sort=nope", Auth::Session(&admin), 400),
        ("/api/openapi.json", Auth::None, 200),
        ("/api/no-such-route", Auth::Session(&admin), 404),
        ("/auth/oidc/login", Auth::None, 404),
    ];
    for (path, auth, status) in cases {
        let answer = c.get(path, auth).await;
        assert_eq!(answer.status, status, "{path}: {}", answer.body);
        assert_eq!(answer.header("content-security-policy"), Some(CSP), "{path}");
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(answer.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(answer.header("referrer-policy"), Some("no-referrer"), "{path}");
        if path.starts_with("/api/") || path.starts_with("/auth/") {
            assert_eq!(answer.header("cache-control"), Some("no-store"), "{path}");
        }
        if path == "/" {
            assert!(answer.header("content-type").is_some_and(|t| t.starts_with("text/html")), "{path}");
            assert!(!answer.body.contains("<script>"), "an inline script in the console");
        }
    }
    // The login's answer too (it sets the cookie).
    let login = c.try_login("admin", PASSWORD).await;
    assert_eq!(login.header("content-security-policy"), Some(CSP));
    assert_eq!(login.header("cache-control"), Some("no-store"));
}

/// Which roles a request is allowed for, and what it answers them.
struct Row {
    method: &'static str,
    path: String,
    body: Option<Value>,
    allowed: &'static [&'static str],
    /// The first allowed role's status.
    ok: u16,
    /// The next allowed roles' (lifting a suppression already lifted: 404).
    then: u16,
}

const ALL: &[&str] = &["admin", "security-analyst", "auditor", "approver", "requester"];
const READERS: &[&str] = &["admin", "security-analyst", "auditor", "approver"];
const AUDIT: &[&str] = &["admin", "auditor"];
const ADMIN: &[&str] = &["admin"];
const ANALYSTS: &[&str] = &["admin", "security-analyst"];

fn row(
    method: &'static str,
    path: impl Into<String>,
    body: Option<Value>,
    allowed: &'static [&'static str],
    ok: u16,
) -> Row {
    Row { method, path: path.into(), body, allowed, ok, then: ok }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cedar_decides_every_route_for_every_role_and_refusals_are_audited() {
    let f = Fixture::sqlite().await;
    let server = Server::start(&f.store).await;
    let c = server.client();
    let mut sessions = Vec::new();
    for (name, role) in USERS {
        sessions.push((name, role, c.login(name, PASSWORD).await));
    }
    let admin = &sessions[0].2;
    let analyst = &sessions[1].2;
    let findings = c.get("/api/findings?limit=1", Auth::Session(admin)).await.json();
    let finding = findings["items"][0]["id"].as_str().expect("a finding").to_owned();
    let principals = c.get("/api/principals?kind=user&limit=1", Auth::Session(admin)).await.json();
    let arn = principals["items"][0]["arn"].as_str().expect("a principal").to_owned();
    let resources = c.get("/api/resources?limit=1", Auth::Session(admin)).await.json();
    let resource = resources["items"][0]["arn"].as_str().expect("a resource").to_owned();
    let token = c
        .post("/api/tokens", Auth::Session(analyst), &json!({"name": "victim", "scopes": ["read"], "days": 1}))
        .await
        .json();
    let token_id = token["id"].as_str().expect("a token id").to_owned();
    let (p, r) = (encode(&arn), encode(&resource));
    let (earlier, later) = (f.snapshots.earlier.id, f.snapshots.later.id);

    let policy = json!({"text": "permit (principal in Remit::Role::\"auditor\", action == Remit::Action::\"read\", resource is Remit::Environment);"});
    let table = vec![
        row("GET", "/healthz", None, ALL, 200),
        row("GET", "/api/auth/methods", None, ALL, 200),
        row("GET", "/api/me", None, ALL, 200),
        row("GET", "/api/snapshots", None, READERS, 200),
        row("GET", "/api/dashboard", None, READERS, 200),
        row("GET", "/api/principals", None, READERS, 200),
        row("GET", format!("/api/principals/{p}"), None, READERS, 200),
        row("GET", "/api/resources", None, READERS, 200),
        row("GET", format!("/api/resources/{r}"), None, READERS, 200),
        row("GET", "/api/findings", None, READERS, 200),
        row("GET", format!("/api/findings/{finding}"), None, READERS, 200),
        row("POST", format!("/api/findings/{finding}/suppression"), Some(json!({"reason": "table"})), ANALYSTS, 201),
        Row { then: 404, ..row("DELETE", format!("/api/findings/{finding}/suppression"), None, ANALYSTS, 204) },
        row("GET", format!("/api/diff?from={earlier}&to={later}"), None, READERS, 200),
        row("GET", "/api/search?q=admin", None, READERS, 200),
        row("GET", format!("/api/who-can?action=iam:PassRole&resource={}", encode("*")), None, READERS, 200),
        row("GET", format!("/api/what-can?principal={p}"), None, READERS, 200),
        row(
            "GET",
            format!("/api/explain?principal={p}&action=s3:GetObject&resource={}", encode("arn:aws:s3:::x/y")),
            None,
            READERS,
            200,
        ),
        row("GET", format!("/api/can-become?from={p}"), None, READERS, 200),
        row("GET", "/api/exposure", None, READERS, 200),
        row("GET", "/api/usage", None, READERS, 200),
        // No activity is ingested in this store: the readers get 404 saying so.
        row("GET", format!("/api/unused?principal={p}"), None, READERS, 404),
        row("GET", "/api/creep", None, READERS, 404),
        row("GET", format!("/api/rightsize?principal={p}"), None, READERS, 404),
        row("GET", "/api/audit", None, AUDIT, 200),
        row("GET", "/api/audit/verify", None, AUDIT, 200),
        row("GET", "/api/audit/export", None, AUDIT, 200),
        row("GET", "/api/users", None, ADMIN, 200),
        row(
            "POST",
            "/api/users",
            Some(json!({"name": "made-by-table", "role": "auditor", "password": "A-long-enough-passw0rd"})),
            ADMIN,
            201,
        ),
        row("PATCH", "/api/users/requester", Some(json!({"role": "requester"})), ADMIN, 200),
        row("GET", "/api/tokens", None, ANALYSTS, 200),
        row("POST", "/api/tokens", Some(json!({"name": "t", "scopes": ["read"], "days": 1})), ANALYSTS, 201),
        row("DELETE", format!("/api/tokens/{token_id}"), None, ANALYSTS, 204),
        row("GET", "/api/policies", None, ADMIN, 200),
        row("PUT", "/api/policies/table", Some(policy), ADMIN, 200),
        row("DELETE", "/api/policies/table", None, ADMIN, 204),
    ];

    // The table covers every route (the OpenAPI document lists them: see api.rs).
    for (method, template) in ROUTES {
        let prefix = template.split('{').next().unwrap_or(template);
        let covered = ["/api/login", "/api/logout", "/auth/oidc/login", "/auth/oidc/callback"].contains(template)
            || table.iter().any(|r| {
                r.method.eq_ignore_ascii_case(method)
                    && r.path.split('?').next().is_some_and(|p| {
                        if template.contains('{') {
                            p.starts_with(prefix) && p.ends_with(template.rsplit('}').next().unwrap_or(""))
                        } else {
                            p == *template
                        }
                    })
            });
        assert!(covered, "the role table has no row for {method} {template}");
    }

    for row in &table {
        let mut first = true;
        for (name, role, session) in &sessions {
            let before = head(&f.store).await;
            let answer = c.send(row.method, &row.path, Auth::Session(session), row.body.as_ref(), &[]).await;
            let allowed = row.allowed.contains(role);
            let want = match (allowed, first) {
                (true, true) => row.ok,
                (true, false) => row.then,
                (false, _) => 403,
            };
            first &= !allowed;
            assert_eq!(answer.status, want, "{} {} as {role}: {}", row.method, row.path, short(&answer.body));
            let denied: Vec<_> =
                records_after(&f.store, before).await.into_iter().filter(|r| r.outcome == Outcome::Denied).collect();
            if allowed {
                assert!(denied.is_empty(), "{} {} as {role}: denial recorded: {denied:?}", row.method, row.path);
            } else {
                assert_eq!(answer.json()["error"]["code"], json!("forbidden"));
                assert_eq!(denied.len(), 1, "{} {} as {role}: one denial recorded", row.method, row.path);
                let record = &denied[0];
                assert_eq!(record.actor, *name);
                assert_eq!(record.source, "127.0.0.1");
                assert_eq!(record.detail["role"], json!(role));
            }
        }
    }
    assert_intact(&f.store.audit_verify(None).await.expect("verify"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admins_policy_takes_effect_at_once_and_an_invalid_one_is_refused_with_its_place() {
    let f = Fixture::sqlite().await;
    let server = Server::start(&f.store).await;
    let c = server.client();
    let admin = c.login("admin", PASSWORD).await;
    let auditor = c.login("auditor", PASSWORD).await;
    c.get("/api/audit", Auth::Session(&auditor)).await.expect(200);

    let forbid = "@id(\"no-audit\")\nforbid (\n  principal in Remit::Role::\"auditor\",\n  action == Remit::Action::\"read_audit\",\n  resource\n);";
    let put = c.put("/api/policies/auditors-off-the-trail", Auth::Session(&admin), &json!({"text": forbid})).await;
    put.expect(200);
    let before = head(&f.store).await;
    let refused = c.get("/api/audit", Auth::Session(&auditor)).await;
    refused.expect_error(403, "forbidden");
    c.get("/api/audit/verify", Auth::Session(&auditor)).await.expect_error(403, "forbidden");
    // What the policy does not name still works.
    c.get("/api/findings?limit=1", Auth::Session(&auditor)).await.expect(200);
    c.get("/api/audit", Auth::Session(&admin)).await.expect(200);
    let denied: Vec<_> =
        records_after(&f.store, before).await.into_iter().filter(|r| r.outcome == Outcome::Denied).collect();
    assert_eq!(denied.len(), 2, "{denied:#?}");
    assert_eq!(denied[0].actor, "auditor");
    assert_eq!(denied[0].action, "read_audit");
    assert!(denied[0].detail["reasons"].to_string().contains("auditors-off-the-trail"), "{:?}", denied[0].detail);
    let listed = c.get("/api/policies", Auth::Session(&admin)).await.json();
    assert_eq!(listed["extensions"][0]["name"], json!("auditors-off-the-trail"));
    assert!(audit_trail(&f.store).await.iter().any(|r| r.action == "policy.put" && r.actor == "admin"));

    c.delete("/api/policies/auditors-off-the-trail", Auth::Session(&admin)).await.expect(204);
    c.get("/api/audit", Auth::Session(&auditor)).await.expect(200);

    // Invalid policies: refused with the line and column, nothing stored.
    let cases = [
        ("permit (principal, action == Remit::Action::\"fly\", resource);", "fly"),
        ("permit (\n  principal,\n  action,\n  resource\n) when { resource.colour == \"red\" };", "colour"),
        ("permit (principal, action, resource", ""),
    ];
    for (text, names) in cases {
        let answer = c.put("/api/policies/bad", Auth::Session(&admin), &json!({"text": text})).await;
        answer.expect_error(400, "bad_request");
        let message = answer.json()["error"]["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.contains("line") && message.contains("column"), "no line and column: {message}");
        assert!(message.contains(names), "`{names}` not named: {message}");
    }
    // One that would lock admins out of the policies is refused too.
    let lockout = "forbid (principal, action == Remit::Action::\"manage_policies\", resource);";
    c.put("/api/policies/lockout", Auth::Session(&admin), &json!({"text": lockout}))
        .await
        .expect_error(400, "bad_request");
    assert!(f.store.policies().await.expect("policies").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_tokens_are_shown_once_stored_hashed_scoped_and_expire() {
    let f = Fixture::sqlite().await;
    let server = Server::start(&f.store).await;
    let c = server.client();
    let analyst = c.login("analyst", PASSWORD).await;
    let mut answers = Vec::new();

    let created = c
        .post("/api/tokens", Auth::Session(&analyst), &json!({"name": "read-only", "scopes": ["read"], "days": 30}))
        .await;
    created.expect(201);
    let body = created.json();
    let secret = body["token"].as_str().expect("the secret, once").to_owned();
    let id = body["id"].as_str().expect("an id").to_owned();
    assert!(secret.starts_with("rmt_"), "{secret}");
    assert_eq!(body["scopes"], json!(["read"]));

    // The store keeps its hash only: not the secret, in no column of any file.
    let rows = f.store.tokens(Some("analyst")).await.expect("tokens");
    let row = rows.iter().find(|t| t.id == id).expect("the token's row");
    assert_ne!(row.hash, secret);
    assert!(!row.hash.contains(&secret[4..]));
    assert_eq!(row.hash, remit_auth::secret::PresentedToken::parse(&secret).expect("parse").hash());
    assert!(!contains_bytes(&f.database_bytes(), &secret), "the token's secret is in the database");
    let secret_part = secret.rsplit('_').next().unwrap_or(&secret).to_owned();
    assert!(!contains_bytes(&f.database_bytes(), &secret_part), "the token's secret part is in the database");

    // Listed without it.
    let listed = c.get("/api/tokens", Auth::Session(&analyst)).await;
    listed.expect(200);
    assert!(!listed.body.contains(&secret_part), "the list shows the secret");
    assert!(listed.body.contains(&id));
    answers.push(listed.body);

    // Used with Bearer: reads work, and the token acts as its user.
    let me = c.get("/api/me", Auth::Bearer(&secret)).await;
    me.expect(200);
    assert_eq!(me.json()["user"]["name"], json!("analyst"));
    assert_eq!(me.json()["csrf"], Value::Null, "a token has no CSRF token");
    let findings = c.get("/api/findings?limit=1", Auth::Bearer(&secret)).await;
    findings.expect(200);
    let finding = findings.json()["items"][0]["id"].as_str().expect("a finding").to_owned();
    answers.push(findings.body);
    assert!(f.store.tokens(Some("analyst")).await.expect("tokens")[0].last_used.is_some(), "use is recorded");

    // A read-only token cannot suppress, though its analyst can: 403, audited with the token.
    let before = head(&f.store).await;
    let refused =
        c.post(&format!("/api/findings/{finding}/suppression"), Auth::Bearer(&secret), &json!({"reason": "x"})).await;
    refused.expect_error(403, "forbidden");
    answers.push(refused.body);
    let denied: Vec<_> =
        records_after(&f.store, before).await.into_iter().filter(|r| r.outcome == Outcome::Denied).collect();
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].actor, "analyst");
    assert_eq!(denied[0].detail["token"], json!(id));
    // Nor manage tokens with it.
    c.post("/api/tokens", Auth::Bearer(&secret), &json!({"name": "x", "scopes": ["read"], "days": 1}))
        .await
        .expect_error(403, "forbidden");
    // Scopes never exceed the role: an analyst's token scoped to manage users still cannot.
    let wide = c
        .post(
            "/api/tokens",
            Auth::Session(&analyst),
            &json!({"name": "wide", "scopes": ["read", "manage_users", "read_audit"], "days": 1}),
        )
        .await;
    wide.expect(201);
    let wide_secret = wide.json()["token"].as_str().expect("secret").to_owned();
    c.get("/api/users", Auth::Bearer(&wide_secret)).await.expect_error(403, "forbidden");
    c.get("/api/audit", Auth::Bearer(&wide_secret)).await.expect_error(403, "forbidden");
    // Bad requests.
    for bad in [
        json!({"name": "x", "scopes": ["fly"], "days": 1}),
        json!({"name": "x", "scopes": [], "days": 1}),
        json!({"name": "x", "scopes": ["read"], "days": 0}),
        json!({"name": "x", "scopes": ["read"], "days": 400}),
    ] {
        c.post("/api/tokens", Auth::Session(&analyst), &bad).await.expect_error(400, "bad_request");
    }
    // An auditor may not have tokens at all.
    let auditor = c.login("auditor", PASSWORD).await;
    c.post("/api/tokens", Auth::Session(&auditor), &json!({"name": "x", "scopes": ["read"], "days": 1}))
        .await
        .expect_error(403, "forbidden");

    // Revoked: 401 from then on.
    c.delete(&format!("/api/tokens/{id}"), Auth::Session(&analyst)).await.expect(204);
    let revoked = c.get("/api/findings?limit=1", Auth::Bearer(&secret)).await;
    revoked.expect_error(401, "token_expired");
    answers.push(revoked.body);
    assert!(f.store.tokens(Some("analyst")).await.expect("tokens").iter().any(|t| t.id == id && t.revoked));

    // Expired: 401. (Made directly in the store: the API allows at least a day.)
    let new = remit_auth::secret::NewToken::generate().expect("a token");
    let now = remit_findings::Timestamp::now().unix();
    let expired = remit_store::TokenRow {
        id: new.id.clone(),
        user: "analyst".to_owned(),
        name: "expired".to_owned(),
        hash: new.hash.clone(),
        scopes: vec!["read".to_owned()],
        created_at: now - 7200,
        expires_at: now - 60,
        last_used: None,
        revoked: false,
    };
    f.store.create_token(&expired, &setup_event("token.create", &new.id)).await.expect("store the token");
    c.get("/api/findings?limit=1", Auth::Bearer(&new.token)).await.expect_error(401, "token_expired");
    // Forged and malformed tokens: 401.
    let forged = format!("{}{}", &wide_secret[..wide_secret.len() - 4], "AAAA");
    c.get("/api/findings?limit=1", Auth::Bearer(&forged)).await.expect_error(401, "unauthenticated");
    c.get("/api/findings?limit=1", Auth::Bearer("rmt_nonsense")).await.expect_error(401, "unauthenticated");
    c.get("/api/findings?limit=1", Auth::Bearer("")).await.expect_error(401, "unauthenticated");
    // A disabled user's tokens stop working.
    let admin = c.login("admin", PASSWORD).await;
    c.patch("/api/users/analyst", Auth::Session(&admin), &json!({"disabled": true})).await.expect(200);
    c.get("/api/findings?limit=1", Auth::Bearer(&wide_secret)).await.expect_error(401, "unauthenticated");

    // No secret in the audit trail or in any answer but the one that created it.
    let trail = trail_text(&f.store).await;
    for s in [&secret, &secret_part, &wide_secret, &new.token] {
        assert!(!trail.contains(s.as_str()), "the audit trail holds a token secret");
        for a in &answers {
            assert!(!a.contains(s.as_str()), "an answer holds a token secret: {a}");
        }
    }
    assert!(!trail.contains(PASSWORD));
    assert_intact(&f.store.audit_verify(None).await.expect("verify"));
}
