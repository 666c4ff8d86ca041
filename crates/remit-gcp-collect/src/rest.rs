//! The one place that talks HTTP: tokens, throttling, paging and error reporting.
//!
//! Every collector read goes through [`Rest::get_list`] or [`Rest::get_object`], which attach
//! the bearer token, retry throttled calls, follow `nextPageToken`, and turn any failure into a
//! [`CollectError`] that names the call, its status and the permission it needs. Credentials are
//! redacted from every message built here.

use std::{
    collections::BTreeSet,
    sync::Mutex,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use serde_json::Value;

use crate::{
    calls::GcpCall,
    config::{Config, Credentials, RetryPolicy, SCOPE},
    error::CollectError,
    jwt,
    secret::Secret,
};

/// A token is renewed when less than this is left of its lifetime.
const RENEW_MARGIN: Duration = Duration::from_secs(300);

struct Cached {
    token: Secret,
    expires: Option<Instant>,
}

pub(crate) struct Rest {
    http: reqwest::Client,
    config: Config,
    token: tokio::sync::Mutex<Option<Cached>>,
    made: Mutex<BTreeSet<GcpCall>>,
}

impl Rest {
    pub(crate) fn new(config: &Config) -> Result<Self, CollectError> {
        let mut config = config.clone();
        let endpoints = &mut config.endpoints;
        for (name, url) in [
            ("Resource Manager", &mut endpoints.resource_manager),
            ("Cloud Asset", &mut endpoints.cloud_asset),
            ("IAM", &mut endpoints.iam),
            ("Cloud Identity", &mut endpoints.cloud_identity),
        ] {
            reqwest::Url::parse(url).map_err(|e| CollectError::Config(format!("{name} base URL {url:?}: {e}")))?;
            *url = url.trim_end_matches('/').to_owned();
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("remit-gcp-collect/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(120))
            // A redirect could carry the bearer token to another host: none of these APIs redirects.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| CollectError::Config(format!("HTTP client: {e}")))?;
        Ok(Self { http, config, token: tokio::sync::Mutex::new(None), made: Mutex::new(BTreeSet::new()) })
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// The calls made so far.
    pub(crate) fn calls_made(&self) -> BTreeSet<GcpCall> {
        self.made.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Every element of the `field` arrays of a paged list, following `nextPageToken`
    /// (https://cloud.google.com/apis/design/design_patterns#list_pagination).
    pub(crate) async fn get_list(&self, call: GcpCall, url: &str, field: &str) -> Result<Vec<Value>, CollectError> {
        let mut items = Vec::new();
        let mut seen = BTreeSet::new();
        let mut page_url = url.to_owned();
        let joiner = if url.contains('?') { '&' } else { '?' };
        loop {
            let mut page = self.get_object(call, &page_url).await?;
            match page.get_mut(field).map(Value::take) {
                // An empty list is an empty object: the field is omitted.
                None | Some(Value::Null) => {}
                Some(Value::Array(values)) => items.extend(values),
                Some(_) => return Err(self.shape(call, &page_url, format!("\"{field}\" is not an array"))),
            }
            match page.get("nextPageToken") {
                None | Some(Value::Null) => break,
                Some(Value::String(token)) if token.is_empty() => break,
                Some(Value::String(token)) => {
                    if !seen.insert(token.clone()) {
                        return Err(self.shape(call, &page_url, "the same nextPageToken came twice".into()));
                    }
                    let encoded = percent_encoding::utf8_percent_encode(token, crate::out::SEGMENT);
                    page_url = format!("{url}{joiner}pageToken={encoded}");
                }
                Some(_) => return Err(self.shape(call, &page_url, "nextPageToken is not a string".into())),
            }
        }
        Ok(items)
    }

    /// One JSON object, retried while throttled.
    pub(crate) async fn get_object(&self, call: GcpCall, url: &str) -> Result<Value, CollectError> {
        if let Ok(mut made) = self.made.lock() {
            made.insert(call);
        }
        let shown = self.shown_url(url);
        let mut attempt = 0u32;
        loop {
            let token = self.token().await?;
            let mut request = self.http.get(url).bearer_auth(token.expose()).header("Accept", "application/json");
            if let Some(project) = &self.config.quota_project {
                request = request.header("x-goog-user-project", project);
            }
            let sent = request.send().await;
            let response = sent.map_err(|e| CollectError::Transport {
                call: call.describe().into(),
                url: shown.clone(),
                detail: self.redact(&e.without_url().to_string()),
            })?;
            let status = response.status().as_u16();
            if (status == 429 || status == 503) && attempt < self.config.retry.max_retries {
                let wait = retry_wait(response.headers(), attempt, self.config.retry);
                attempt += 1;
                tokio::time::sleep(wait).await;
                continue;
            }
            let body = response.bytes().await.map_err(|e| CollectError::Transport {
                call: call.describe().into(),
                url: shown.clone(),
                detail: self.redact(&e.without_url().to_string()),
            })?;
            if !(200..300).contains(&status) {
                let (code, message) = remote_error(&body);
                return Err(CollectError::Status {
                    call: call.describe().into(),
                    url: shown,
                    status,
                    code: code.map(|c| self.redact(&c)),
                    message: message.map(|m| self.redact(&m)),
                    needs: call.needs(),
                });
            }
            return serde_json::from_slice(&body).map_err(|e| self.shape(call, url, format!("not JSON: {e}")));
        }
    }

    pub(crate) fn shape(&self, call: GcpCall, url: &str, detail: String) -> CollectError {
        CollectError::Shape { call: call.describe().into(), url: self.shown_url(url), detail: self.redact(&detail) }
    }

    /// The URL without the base, as messages show it.
    fn shown_url(&self, url: &str) -> String {
        let endpoints = &self.config.endpoints;
        let path = [&endpoints.resource_manager, &endpoints.cloud_asset, &endpoints.iam, &endpoints.cloud_identity]
            .iter()
            .find_map(|base| url.strip_prefix(base.as_str()))
            .unwrap_or(url);
        self.redact(path)
    }

    fn redact(&self, text: &str) -> String {
        match &self.config.credentials {
            Credentials::AccessToken(token) => token.redact(text),
            Credentials::ServiceAccountKey(key) => key.private_key.redact(text),
        }
    }

    async fn token(&self) -> Result<Secret, CollectError> {
        let key = match &self.config.credentials {
            Credentials::AccessToken(token) => return Ok(token.clone()),
            Credentials::ServiceAccountKey(key) => key,
        };
        let mut slot = self.token.lock().await;
        if let Some(cached) = slot.as_ref()
            && cached.expires.is_none_or(|at| at > Instant::now() + RENEW_MARGIN)
        {
            return Ok(cached.token.clone());
        }
        let url = self.config.endpoints.token.clone().unwrap_or_else(|| key.token_uri.clone());
        let fail = |detail: String| CollectError::Token { url: url.clone(), detail: key.private_key.redact(&detail) };
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let assertion = jwt::assertion(key, SCOPE, &url, now).map_err(fail)?;
        let form = [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion.as_str())];
        let mut attempt = 0u32;
        let response = loop {
            let response =
                self.http.post(&url).form(&form).send().await.map_err(|e| fail(e.without_url().to_string()))?;
            let status = response.status().as_u16();
            if (status == 429 || status == 503) && attempt < self.config.retry.max_retries {
                let wait = retry_wait(response.headers(), attempt, self.config.retry);
                attempt += 1;
                tokio::time::sleep(wait).await;
                continue;
            }
            break response;
        };
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| fail(e.without_url().to_string()))?;
        let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if !(200..300).contains(&status) {
            // https://developers.google.com/identity/protocols/oauth2/service-account#error-codes
            let code = parsed.get("error").and_then(Value::as_str).unwrap_or("no error code");
            let description = parsed.get("error_description").and_then(Value::as_str).unwrap_or("");
            return Err(fail(format!("HTTP {status} {code}: {description}")));
        }
        let token = parsed
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| fail("the response has no access_token".into()))?;
        let expires = parsed.get("expires_in").and_then(Value::as_u64).map(|s| Instant::now() + Duration::from_secs(s));
        let token = Secret::new(token);
        *slot = Some(Cached { token: token.clone(), expires });
        Ok(token)
    }
}

/// How long to wait before retrying a throttled call: `Retry-After` in seconds when given,
/// otherwise a truncated exponential backoff (https://cloud.google.com/iam/docs/retry-strategy),
/// capped by the policy.
fn retry_wait(headers: &reqwest::header::HeaderMap, attempt: u32, policy: RetryPolicy) -> Duration {
    let given = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let backoff = Duration::from_secs(1u64 << attempt.min(6));
    given.unwrap_or(backoff).min(policy.max_wait)
}

/// The status and message of a Google API error body
/// (`{"error": {"code": 403, "message", "status": "PERMISSION_DENIED", "details"}}`,
/// https://cloud.google.com/apis/design/errors#http_mapping).
fn remote_error(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return (None, None);
    };
    let error = value.get("error").unwrap_or(&Value::Null);
    let text = |key: &str| error.get(key).and_then(Value::as_str).map(str::to_owned);
    (text("status"), text("message"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_wait_uses_backoff_without_retry_after_and_caps_it() {
        let policy = RetryPolicy { max_retries: 3, max_wait: Duration::from_secs(5) };
        let none = reqwest::header::HeaderMap::new();
        assert_eq!(retry_wait(&none, 0, policy), Duration::from_secs(1));
        assert_eq!(retry_wait(&none, 5, policy), Duration::from_secs(5));
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, reqwest::header::HeaderValue::from_static("2"));
        assert_eq!(retry_wait(&headers, 4, policy), Duration::from_secs(2));
    }

    #[test]
    fn remote_error_reads_google_error_bodies() {
        let body = br#"{"error":{"code":403,"message":"denied","status":"PERMISSION_DENIED"}}"#;
        assert_eq!(remote_error(body), (Some("PERMISSION_DENIED".into()), Some("denied".into())));
        assert_eq!(remote_error(b"not json"), (None, None));
    }
}
