//! OIDC single sign-on end to end through the server's routes, against a real provider
//! (oidc-provider-mock, run locally by the test harness of remit-auth): the redirect to the
//! provider, signing in there, the callback, the session, the account made with the
//! configured default role; and a tampered callback refused and audited.
//!
//! Skipped (with the reason printed) only when the provider is not installed and
//! `REMIT_REQUIRE_OIDC` is unset.

#[path = "../../remit-auth/tests/support/oidc_provider.rs"]
mod oidc_provider;
mod support;

use remit_auth::{Role, oidc::OidcSettings};
use remit_store::Outcome;
use serde_json::json;
use support::*;

/// Remit's client secret at the provider.
const CLIENT_SECRET: &str = "remit-client-secret-for-tests";

/// The query parameter `name` of a URL.
fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v.to_owned())
}

/// A URL's path and query, without scheme and host.
fn path_and_query(url: &str, base: &str) -> String {
    url.strip_prefix(base).map(str::to_owned).expect("a URL of this server")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oidc_sign_on_through_the_server() {
    let claims = r#"{"sub": "carol-0001", "email": "carol@example.test", "name": "Carol Example"}"#;
    let Some(provider) = oidc_provider::OidcProvider::start(&[claims]) else { return };
    let f = Fixture::sqlite().await;
    let issuer = provider.issuer.clone();
    let server = Server::start_with(&f.store, |config| {
        let callback = format!("http://{}/auth/oidc/callback", config.listen);
        let mut settings = OidcSettings::new(&issuer, "remit-test", &callback);
        // The provider authenticates clients (a confidential client, as most deployments).
        settings.client_secret = Some(CLIENT_SECRET.to_owned());
        config.oidc = Some(settings);
        config.oidc_default_role = Role::Auditor;
    })
    .await;
    let c = server.client();

    // The login route sends the browser to the provider, with a cookie tying the answer to it.
    let start = c.get("/auth/oidc/login", Auth::None).await;
    assert!((300..400).contains(&start.status), "{}: {}", start.status, start.body);
    let authorize = start.header("location").expect("a Location").to_owned();
    assert!(authorize.starts_with(&issuer), "{authorize}");
    for param in ["state", "nonce", "code_challenge", "client_id", "redirect_uri"] {
        assert!(query_param(&authorize, param).is_some(), "no {param} in {authorize}");
    }
    let pending = start.set_cookie("remit_oidc").expect("the pending sign-on's cookie");
    let attributes = cookie_attributes(&pending);
    for wanted in ["httponly", "secure", "samesite=lax", "path=/auth/oidc"] {
        assert!(attributes.iter().any(|a| a == wanted), "`{wanted}` missing from {pending}");
    }
    let oidc_cookie = format!("remit_oidc={}", cookie_value(&pending));

    // Signed in at the provider, which redirects to our callback with a code and the state.
    let back = provider.sign_in(&authorize, "carol-0001");
    assert!(back.starts_with(&format!("{}/auth/oidc/callback?", server.base)), "{back}");
    let callback = path_and_query(&back, &server.base);
    let state = query_param(&back, "state").expect("the state");

    // A tampered state is refused and audited; so is a callback without the cookie.
    let before = audit_trail(&f.store).await.len();
    let tampered = callback.replace(&format!("state={state}"), &format!("state={state}x"));
    assert_ne!(tampered, callback);
    let refused = c.send("GET", &tampered, Auth::None, None, &[("cookie", &oidc_cookie)]).await;
    refused.expect_error(401, "sso_failed");
    assert!(refused.set_cookie("remit_session").is_none());
    c.get(&callback, Auth::None).await.expect_error(401, "sso_failed");
    let failures: Vec<_> = audit_trail(&f.store).await[before..]
        .iter()
        .filter(|r| r.action == "login" && r.outcome == Outcome::Failure && r.detail["method"] == json!("oidc"))
        .cloned()
        .collect();
    assert_eq!(failures.len(), 2, "{failures:#?}");
    assert!(failures[0].detail["reason"].as_str().is_some_and(|r| r.contains("state")), "{:?}", failures[0].detail);
    let code = query_param(&back, "code").expect("a code");
    assert!(!failures.iter().any(|r| r.detail.to_string().contains(&code)), "the code is in the audit trail");

    // The real callback: a session, the pending cookie cleared, on to the console.
    let done = c.send("GET", &callback, Auth::None, None, &[("cookie", &oidc_cookie)]).await;
    assert!((300..400).contains(&done.status), "{}: {}", done.status, done.body);
    assert_eq!(done.header("location"), Some("/#/dashboard"));
    let session_cookie = done.set_cookie("remit_session").expect("a session");
    let attributes = cookie_attributes(&session_cookie);
    for wanted in ["httponly", "secure", "samesite=strict", "path=/"] {
        assert!(attributes.iter().any(|a| a == wanted), "`{wanted}` missing from {session_cookie}");
    }
    let cleared = done.set_cookie("remit_oidc").expect("the pending cookie is cleared");
    assert_eq!(cookie_value(&cleared), "");

    // Who is signed in: the provider's user, made a Remit user with the default role.
    let mut session =
        Session { cookie: cookie_value(&session_cookie).to_owned(), csrf: String::new(), user: json!(null) };
    let me = c.get("/api/me", Auth::Session(&session)).await;
    me.expect(200);
    let me = me.json();
    assert_eq!(me["user"]["name"], json!("carol@example.test"));
    assert_eq!(me["user"]["display"], json!("Carol Example"));
    assert_eq!(me["user"]["role"], json!("auditor"));
    session.csrf = me["csrf"].as_str().expect("a CSRF token").to_owned();
    // The role is enforced like any other: an auditor reads the trail and cannot suppress.
    c.get("/api/audit", Auth::Session(&session)).await.expect(200);
    let user = f.store.user("carol@example.test").await.expect("read").expect("the user exists");
    assert_eq!(user.oidc_subject.as_deref(), Some(format!("{issuer}|carol-0001").as_str()));
    assert!(user.password_hash.is_none());
    let trail = audit_trail(&f.store).await;
    assert!(trail.iter().any(|r| r.action == "user.create" && r.target == "carol@example.test"));
    assert!(trail.iter().any(|r| r.action == "login"
        && r.actor == "carol@example.test"
        && r.outcome == Outcome::Success
        && r.source == "127.0.0.1"));

    // The code is spent: replaying the callback is refused.
    let replay = c.send("GET", &callback, Auth::None, None, &[("cookie", &oidc_cookie)]).await;
    replay.expect_error(401, "sso_failed");
    // No secret of the exchange in the trail.
    let text = trail.iter().map(remit_store::audit_jsonl).collect::<String>();
    let pkce = cookie_value(&pending).to_owned();
    for secret in [code.as_str(), session.cookie.as_str(), pkce.as_str(), CLIENT_SECRET] {
        assert!(!text.contains(secret), "a secret of the sign-on is in the audit trail");
    }
    assert_intact(&f.store.audit_verify(None).await.expect("verify"));
}
