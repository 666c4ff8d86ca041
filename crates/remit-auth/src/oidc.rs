//! OpenID Connect single sign-on: the normal way into Remit.
//!
//! Why OIDC: the organisation's identity provider already knows who works there, enforces
//! MFA and offboards leavers; Remit should not keep a second password for each of them.
//!
//! The flow is the authorization code flow (OpenID Connect Core 1.0 §3.1,
//! <https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth>) with, on top:
//! - `state`, a random value bound to the login (RFC 6749 §10.12, CSRF on the redirect:
//!   <https://www.rfc-editor.org/rfc/rfc6749#section-10.12>), compared in constant time;
//! - PKCE with S256 (RFC 7636, <https://www.rfc-editor.org/rfc/rfc7636>), so a stolen code is
//!   useless without the verifier that never left the server (the OAuth 2.0 Security BCP makes
//!   it mandatory for every client, RFC 9700 §2.1.1:
//!   <https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1>);
//! - `nonce`, bound to the ID token, so a token cannot be replayed into another login
//!   (Core §3.1.2.1 and §15.5.2).
//!
//! The ID token is verified by `openidconnect`: its signature against the provider's keys from
//! discovery, `iss` equal to the configured issuer, `aud` containing our client id and no
//! untrusted other audience, `exp` in the future, and `nonce` (Core §3.1.3.7,
//! <https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation>); `at_hash` too
//! when present. The issuer must be `https` (Core §2: `iss` is "a case-sensitive URL using the
//! https scheme") except on a loopback address, for tests and local trials.
//!
//! The HTTP client follows no redirect: discovery, keys and token requests go to the URLs the
//! administrator and the provider's metadata named, and a redirect (e.g. to an internal
//! address) is refused, which closes a server-side request forgery path (the `openidconnect`
//! crate's own advice: <https://docs.rs/openidconnect/4.0.1/openidconnect/#security-warning>).
//!
//! A user is identified by `(issuer, subject)`, never by email, which providers let users
//! change (Core §5.7, <https://openid.net/specs/openid-connect-core-1_0.html#ClaimStability>).
//! Group membership is read from the `groups` claim, the name Keycloak, Okta, Entra ID and
//! Authentik use; a provider that sends none yields no groups.
//!
//! The provider's keys are fetched at discovery: after the provider rotates its signing key,
//! logins fail until the server discovers again (restart, or call [`OidcClient::discover`]
//! again on a verification error).

use std::{fmt, time::Duration};

use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthenticationFlow, AuthorizationCode, Client, ClientId, ClientSecret,
    CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, StandardErrorResponse,
    StandardTokenResponse, TokenResponse,
    core::{
        CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
        CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreResponseType,
        CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
    },
    reqwest,
};
use serde::{Deserialize, Serialize};

use crate::secret::constant_time_eq;

/// How Remit signs in with the organisation's provider.
#[derive(Clone, PartialEq, Eq)]
pub struct OidcSettings {
    /// The provider's issuer URL (discovery is at `<issuer>/.well-known/openid-configuration`).
    pub issuer: String,
    /// Remit's client id at the provider; ID tokens must be issued to it.
    pub client_id: String,
    /// The client secret, for a confidential client; `None` for a public client (PKCE only).
    pub client_secret: Option<String>,
    /// Where the provider sends the browser back: Remit's `/auth/oidc/callback`.
    pub redirect_url: String,
    /// Scopes asked for besides `openid` (which is always asked for).
    pub scopes: Vec<String>,
    /// How long one request to the provider may take.
    pub timeout: Duration,
}

impl OidcSettings {
    /// Settings asking for the `email` and `profile` scopes, with a 10 s timeout.
    pub fn new(issuer: &str, client_id: &str, redirect_url: &str) -> OidcSettings {
        OidcSettings {
            issuer: issuer.to_owned(),
            client_id: client_id.to_owned(),
            client_secret: None,
            redirect_url: redirect_url.to_owned(),
            scopes: vec!["email".to_owned(), "profile".to_owned()],
            timeout: Duration::from_secs(10),
        }
    }
}

impl fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "<redacted>"))
            .field("redirect_url", &self.redirect_url)
            .field("scopes", &self.scopes)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A login under way: created by [`OidcClient::begin`], kept server-side (keyed by `state`,
/// for a few minutes), consumed by [`OidcClient::finish`]. Never sent to the browser.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    /// The `state` sent to the provider, which must come back with the code.
    pub state: String,
    /// The `nonce` the ID token must carry.
    pub nonce: String,
    /// The PKCE code verifier (the provider saw only its S256 hash).
    pub pkce_verifier: String,
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin").finish_non_exhaustive()
    }
}

/// Who signed in, as the provider vouched in a verified ID token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcIdentity {
    /// The provider's issuer URL.
    pub issuer: String,
    /// The user's stable id at that provider; `(issuer, subject)` identifies a Remit user.
    pub subject: String,
    /// The user's email, if the provider sent one (informational: not an identifier).
    pub email: Option<String>,
    /// Whether the provider says it verified that email (`None` when it does not say).
    pub email_verified: Option<bool>,
    /// The display name (`name`, else `preferred_username`), if any.
    pub name: Option<String>,
    /// The `groups` claim (empty when absent), e.g. to map groups to Remit roles.
    pub groups: Vec<String>,
}

/// Why a login failed. Messages carry no secret (no code, token or verifier).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OidcError {
    /// The settings are unusable (a URL does not parse, the issuer is not https).
    #[error("OIDC settings: {0}")]
    Settings(String),
    /// The provider's discovery document or keys could not be fetched or are invalid.
    #[error("OIDC discovery at `{issuer}`: {message}")]
    Discovery {
        /// The configured issuer.
        issuer: String,
        /// What went wrong.
        message: String,
    },
    /// The `state` that came back is not the login's: a forged or mixed-up callback.
    #[error("the OIDC state does not match this login")]
    StateMismatch,
    /// The provider refused the code (expired, already used, issued to another client, bad
    /// PKCE verifier) or could not be reached.
    #[error("exchanging the OIDC code: {0}")]
    CodeExchange(String),
    /// The ID token is missing or failed verification (signature, issuer, audience, expiry,
    /// nonce, access token hash).
    #[error("the OIDC ID token is not valid: {0}")]
    IdToken(String),
}

/// The claims beyond the standard ones that Remit reads.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct RemitClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    groups: Option<Groups>,
}

impl AdditionalClaims for RemitClaims {}

/// `groups` as providers send it: usually a list of names, sometimes one name; anything else is
/// ignored rather than failing the login.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Groups {
    Many(Vec<String>),
    One(String),
    #[serde(skip_serializing)]
    Other(serde::de::IgnoredAny),
}

type RemitTokenResponse = StandardTokenResponse<
    IdTokenFields<
        RemitClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;

/// `openidconnect`'s `CoreClient` with [`RemitClaims`], as discovery configures it.
type DiscoveredClient = Client<
    RemitClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    RemitTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A provider discovered and ready for logins. Cheap to share (`Clone`).
#[derive(Clone)]
pub struct OidcClient {
    client: DiscoveredClient,
    http: reqwest::Client,
    scopes: Vec<String>,
}

impl fmt::Debug for OidcClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcClient").field("client_id", &self.client.client_id().as_str()).finish_non_exhaustive()
    }
}

fn is_loopback(url: &openidconnect::url::Url) -> bool {
    match url.host() {
        Some(openidconnect::url::Host::Domain(domain)) => domain == "localhost",
        Some(openidconnect::url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(openidconnect::url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

impl OidcClient {
    /// Fetches the provider's discovery document and signing keys, and checks that the
    /// document names the configured issuer.
    pub async fn discover(settings: &OidcSettings) -> Result<OidcClient, OidcError> {
        let issuer = IssuerUrl::new(settings.issuer.trim_end_matches('/').to_owned())
            .map_err(|e| OidcError::Settings(format!("issuer `{}`: {e}", settings.issuer)))?;
        if issuer.url().scheme() != "https" && !is_loopback(issuer.url()) {
            return Err(OidcError::Settings(format!(
                "issuer `{}` must use https (plain http only on a loopback address)",
                settings.issuer
            )));
        }
        let redirect = RedirectUrl::new(settings.redirect_url.clone())
            .map_err(|e| OidcError::Settings(format!("redirect URL `{}`: {e}", settings.redirect_url)))?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .build()
            .map_err(|e| OidcError::Settings(format!("HTTP client: {e}")))?;
        let discovery_error = |message: String| OidcError::Discovery { issuer: settings.issuer.clone(), message };
        let metadata =
            CoreProviderMetadata::discover_async(issuer, &http).await.map_err(|e| discovery_error(error_chain(&e)))?;
        if metadata.token_endpoint().is_none() {
            return Err(discovery_error("the provider has no token endpoint".to_owned()));
        }
        let client = DiscoveredClient::from_provider_metadata(
            metadata,
            ClientId::new(settings.client_id.clone()),
            settings.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect);
        Ok(OidcClient { client, http, scopes: settings.scopes.clone() })
    }

    /// Starts a login: the URL to send the browser to, and what to keep until it comes back.
    pub fn begin(&self) -> (String, PendingLogin) {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = self.client.authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in &self.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let pending = PendingLogin {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        };
        (url.to_string(), pending)
    }

    /// Completes a login from the callback's `code` and `state`: checks the state, exchanges
    /// the code (with the PKCE verifier) and verifies the ID token.
    pub async fn finish(&self, pending: PendingLogin, code: &str, state: &str) -> Result<OidcIdentity, OidcError> {
        if !constant_time_eq(&pending.state, state) {
            return Err(OidcError::StateMismatch);
        }
        let response = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| OidcError::CodeExchange(error_chain(&e)))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::CodeExchange(error_chain(&e)))?;
        let id_token =
            response.id_token().ok_or_else(|| OidcError::IdToken("the provider sent no ID token".to_owned()))?;
        let verifier = self.client.id_token_verifier();
        let invalid = |e: &dyn std::error::Error| OidcError::IdToken(error_chain(e));
        let claims = id_token.claims(&verifier, &Nonce::new(pending.nonce)).map_err(|e| invalid(&e))?;
        if let Some(expected) = claims.access_token_hash() {
            let algorithm = id_token.signing_alg().map_err(|e| invalid(&e))?;
            let key = id_token.signing_key(&verifier).map_err(|e| invalid(&e))?;
            let actual =
                AccessTokenHash::from_token(response.access_token(), algorithm, key).map_err(|e| invalid(&e))?;
            if actual != *expected {
                return Err(OidcError::IdToken("the access token hash does not match".to_owned()));
            }
        }
        let name = claims
            .name()
            .and_then(|it| it.get(None))
            .map(|it| it.as_str().to_owned())
            .or_else(|| claims.preferred_username().map(|it| it.as_str().to_owned()));
        let groups = match &claims.additional_claims().groups {
            Some(Groups::Many(groups)) => groups.clone(),
            Some(Groups::One(group)) => vec![group.clone()],
            Some(Groups::Other(_)) | None => Vec::new(),
        };
        Ok(OidcIdentity {
            issuer: claims.issuer().as_str().to_owned(),
            subject: claims.subject().as_str().to_owned(),
            email: claims.email().map(|it| it.as_str().to_owned()),
            email_verified: claims.email_verified(),
            name,
            groups,
        })
    }
}

/// An error and its causes, joined with `: `.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message = format!("{message}: {text}");
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let mut settings = OidcSettings::new("https://id.example", "remit", "https://remit.example/cb");
        settings.client_secret = Some("s3cret-value".to_owned());
        assert!(!format!("{settings:?}").contains("s3cret-value"));
        let pending = PendingLogin {
            state: "state-value".into(),
            nonce: "nonce-value".into(),
            pkce_verifier: "verifier-value".into(),
        };
        let debug = format!("{pending:?}");
        assert!(!debug.contains("value"), "{debug}");
        // The server keeps it as JSON, keyed by state.
        let json = serde_json::to_string(&pending).unwrap();
        assert_eq!(serde_json::from_str::<PendingLogin>(&json).unwrap(), pending);
    }

    #[tokio::test]
    async fn plain_http_issuers_are_refused_unless_on_loopback() {
        let settings = OidcSettings::new("http://id.example", "remit", "https://remit.example/cb");
        let error = OidcClient::discover(&settings).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "OIDC settings: issuer `http://id.example` must use https (plain http only on a loopback address)"
        );
        // Loopback is allowed, and then nothing listens on port 9 (discard): a discovery error.
        let settings = OidcSettings::new("http://127.0.0.1:9", "remit", "https://remit.example/cb");
        let error = OidcClient::discover(&settings).await.unwrap_err();
        assert!(matches!(error, OidcError::Discovery { .. }), "{error}");
    }

    #[test]
    fn groups_are_read_leniently() {
        let parse = |json: &str| serde_json::from_str::<RemitClaims>(json).unwrap().groups;
        assert!(matches!(parse(r#"{"groups": ["a", "b"]}"#), Some(Groups::Many(it)) if it == ["a", "b"]));
        assert!(matches!(parse(r#"{"groups": "a"}"#), Some(Groups::One(it)) if it == "a"));
        assert!(matches!(parse(r#"{"groups": {"odd": 1}}"#), Some(Groups::Other(_))));
        assert!(parse("{}").is_none());
    }
}
