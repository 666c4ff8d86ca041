//! Single sign-on against a real OpenID Connect provider run locally (see support/).

#[path = "support/oidc_provider.rs"]
mod oidc_provider;

use oidc_provider::OidcProvider;
use openidconnect::url::Url;
use remit_auth::oidc::{OidcClient, OidcError, OidcIdentity, OidcSettings};

const REDIRECT: &str = "http://127.0.0.1:9/auth/oidc/callback";

/// Predefined users: one honest, and four whose (properly signed) ID token carries a wrong
/// claim, copied by the provider over the right one.
const USERS: [&str; 5] = [
    r#"{"sub": "alice", "email": "alice@example.com", "email_verified": true, "name": "Alice Example", "groups": ["remit-admins", "security"]}"#,
    r#"{"sub": "mallory-aud", "aud": "another-client"}"#,
    r#"{"sub": "mallory-iss", "iss": "https://evil.example"}"#,
    r#"{"sub": "mallory-exp", "exp": 1000000000}"#,
    r#"{"sub": "mallory-nonce", "nonce": "a-nonce-from-another-login"}"#,
];

fn settings(provider: &OidcProvider, client_id: &str) -> OidcSettings {
    let mut settings = OidcSettings::new(&provider.issuer, client_id, REDIRECT);
    settings.client_secret = Some("remit-client-secret".to_owned());
    settings
}

/// The `code` and `state` of the redirect back to us.
fn code_and_state(location: &str) -> (String, String) {
    assert!(location.starts_with(REDIRECT), "{location}");
    let url = Url::parse(location).expect("the redirect is a URL");
    let param = |name: &str| {
        url.query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
            .expect("the redirect has a code and a state")
    };
    (param("code"), param("state"))
}

#[tokio::test]
async fn sign_in_verifies_the_provider_and_refuses_forgeries() {
    let Some(provider) = OidcProvider::start(&USERS) else { return };
    let client = OidcClient::discover(&settings(&provider, "remit")).await.unwrap();

    // The authorize request carries state, nonce and an S256 PKCE challenge.
    let (url, pending) = client.begin();
    let query: Vec<(String, String)> =
        Url::parse(&url).unwrap().query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let get = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    assert_eq!(get("response_type"), Some("code"));
    assert_eq!(get("client_id"), Some("remit"));
    assert_eq!(get("scope"), Some("openid email profile"));
    assert_eq!(get("state"), Some(pending.state.as_str()));
    assert_eq!(get("nonce"), Some(pending.nonce.as_str()));
    assert_eq!(get("code_challenge_method"), Some("S256"));
    assert_eq!(get("code_challenge").map(str::len), Some(43));
    assert!(!url.contains(&pending.pkce_verifier));

    let (code, state) = code_and_state(&provider.sign_in(&url, "alice"));
    assert_eq!(state, pending.state);

    // A tampered state is refused before the code is used...
    let tampered = client.finish(pending.clone(), &code, "tampered-state").await.unwrap_err();
    assert!(matches!(tampered, OidcError::StateMismatch), "{tampered}");
    // ...so the genuine callback still succeeds.
    let identity = client.finish(pending.clone(), &code, &state).await.unwrap();
    assert_eq!(
        identity,
        OidcIdentity {
            issuer: provider.issuer.clone(),
            subject: "alice".into(),
            email: Some("alice@example.com".into()),
            email_verified: Some(true),
            name: Some("Alice Example".into()),
            groups: vec!["remit-admins".into(), "security".into()],
        }
    );

    // The provider deletes a redeemed code: replaying the callback fails.
    let reused = client.finish(pending, &code, &state).await.unwrap_err();
    assert!(matches!(reused, OidcError::CodeExchange(_)), "{reused}");

    // A code issued to us cannot be redeemed by another client (the provider binds codes to
    // their client).
    let intruder = OidcClient::discover(&settings(&provider, "intruder")).await.unwrap();
    let (url, pending) = client.begin();
    let (code, state) = code_and_state(&provider.sign_in(&url, "alice"));
    let error = intruder.finish(pending, &code, &state).await.unwrap_err();
    assert!(matches!(error, OidcError::CodeExchange(_)), "{error}");

    // A user the provider did not predefine: its email is the subject, no name, no groups.
    let (url, pending) = client.begin();
    let (code, state) = code_and_state(&provider.sign_in(&url, "bob@example.com"));
    let bob = client.finish(pending, &code, &state).await.unwrap();
    assert_eq!((bob.subject.as_str(), bob.email.as_deref()), ("bob@example.com", Some("bob@example.com")));
    assert_eq!((bob.name, bob.groups), (None, vec![]));

    // Properly signed ID tokens with a wrong audience, issuer, expiry or nonce are refused.
    for (subject, expected) in
        [("mallory-aud", "audience"), ("mallory-iss", "issuer"), ("mallory-exp", "expired"), ("mallory-nonce", "nonce")]
    {
        let (url, pending) = client.begin();
        let (code, state) = code_and_state(&provider.sign_in(&url, subject));
        let error = client.finish(pending, &code, &state).await.unwrap_err();
        assert!(matches!(error, OidcError::IdToken(_)), "{subject}: {error}");
        assert!(error.to_string().to_lowercase().contains(expected), "{subject}: {error}");
    }
}

#[tokio::test]
async fn discovery_reads_the_configured_issuers_own_document() {
    let Some(provider) = OidcProvider::start(&[]) else { return };
    // The document is looked up under the configured issuer, whose value it must repeat
    // (OpenID Connect Discovery 1.0 §4.3); nothing is served under another path.
    let mut settings = settings(&provider, "remit");
    settings.issuer = format!("{}/", provider.issuer);
    assert!(OidcClient::discover(&settings).await.is_ok(), "a trailing slash is the same issuer");
    settings.issuer = format!("{}/other", provider.issuer);
    let error = OidcClient::discover(&settings).await.unwrap_err();
    assert!(matches!(error, OidcError::Discovery { .. }), "{error}");
}
