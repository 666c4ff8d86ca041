//! Bearer tokens: asked of an OAuth 2.0 token endpoint, kept until shortly before they expire.
//!
//! Why here: Entra's client credentials grant and Google's JWT bearer grant differ in what they
//! post, not in how the answer reads (RFC 6749 §5.1 and §5.2: `access_token`, `expires_in`,
//! `error`, `error_description`) nor in how a token is kept and renewed.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{
    CollectError, Secret,
    http::{self, RetryPolicy},
};

/// A token is renewed when less than this is left of its lifetime.
pub const RENEW_MARGIN: Duration = Duration::from_secs(300);

struct Cached {
    token: Secret,
    expires: Option<Instant>,
}

/// One token, renewed when it is about to expire; concurrent calls wait for one renewal.
#[derive(Default)]
pub struct TokenSlot {
    slot: tokio::sync::Mutex<Option<Cached>>,
}

impl TokenSlot {
    /// The kept token while it has more than [`RENEW_MARGIN`] left (or no known expiry), else a
    /// new one from `renew` (the token and when it expires), kept for the next call.
    pub async fn get(
        &self,
        renew: impl AsyncFnOnce() -> Result<(Secret, Option<Instant>), CollectError>,
    ) -> Result<Secret, CollectError> {
        let mut slot = self.slot.lock().await;
        if let Some(cached) = slot.as_ref()
            && cached.expires.is_none_or(|at| at > Instant::now() + RENEW_MARGIN)
        {
            return Ok(cached.token.clone());
        }
        let (token, expires) = renew().await?;
        *slot = Some(Cached { token: token.clone(), expires });
        Ok(token)
    }
}

/// Posts `form` to the token endpoint `url` (retried while throttled) and returns the access
/// token with the whole answer (for its `expires_in`). Every failure goes through `fail`, which
/// redacts the credential: the endpoint's error response
/// (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow#error-response-1,
/// https://developers.google.com/identity/protocols/oauth2/service-account#error-codes) is told
/// as `HTTP <status> <error>: <error_description>`.
pub async fn request_token(
    client: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
    retry: RetryPolicy,
    fail: impl Fn(String) -> CollectError,
) -> Result<(Secret, Value), CollectError> {
    let response = http::send_retrying(retry, async || client.post(url).form(form).send().await)
        .await
        .map_err(|e| fail(e.without_url().to_string()))?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| fail(e.without_url().to_string()))?;
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if !(200..300).contains(&status) {
        let code = parsed.get("error").and_then(Value::as_str).unwrap_or("no error code");
        let description = parsed.get("error_description").and_then(Value::as_str).unwrap_or("");
        return Err(fail(format!("HTTP {status} {code}: {description}")));
    }
    let token = parsed
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| fail("the response has no access_token".into()))?;
    Ok((Secret::new(token), parsed))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn a_token_is_kept_until_it_nears_its_expiry() {
        let slot = TokenSlot::default();
        let later = Some(Instant::now() + Duration::from_secs(3600));
        let first = slot.get(async || Ok((Secret::new("a"), later))).await.unwrap();
        let kept = slot.get(async || Ok((Secret::new("b"), later))).await.unwrap();
        assert_eq!((first, kept), (Secret::new("a"), Secret::new("a")));
        let soon = TokenSlot::default();
        let near = Some(Instant::now() + Duration::from_secs(10));
        soon.get(async || Ok((Secret::new("a"), near))).await.unwrap();
        assert_eq!(soon.get(async || Ok((Secret::new("b"), near))).await.unwrap(), Secret::new("b"));
    }
}
