//! The one place that talks HTTP: tokens, throttling, paging and error reporting.
//!
//! Every collector read goes through [`Rest::get_list`] or [`Rest::get_object`], which attach
//! the right bearer token, retry throttled calls, follow `nextLink` / `@odata.nextLink`, and turn
//! any failure into a [`CollectError`] that names the call, its status and the permission it
//! needs. Credentials are redacted from every message built here.

use std::{
    collections::BTreeSet,
    sync::Mutex,
    time::{Duration, Instant},
};

use serde_json::Value;

use crate::{
    calls::Call,
    config::{Config, Credentials, RetryPolicy},
    error::CollectError,
    secret::Secret,
};

/// The scopes of the client credentials grant: one token per resource
/// (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow#get-a-token).
pub(crate) const ARM_SCOPE: &str = "https://management.azure.com/.default";
pub(crate) const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

/// A token is renewed when less than this is left of its lifetime.
const RENEW_MARGIN: Duration = Duration::from_secs(300);

/// Which API a request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    Arm,
    Graph,
}

struct Cached {
    token: Secret,
    expires: Option<Instant>,
}

pub(crate) struct Rest {
    http: reqwest::Client,
    config: Config,
    arm_token: tokio::sync::Mutex<Option<Cached>>,
    graph_token: tokio::sync::Mutex<Option<Cached>>,
    made: Mutex<BTreeSet<Call>>,
}

impl Rest {
    pub(crate) fn new(config: &Config) -> Result<Self, CollectError> {
        for (name, url) in
            [("ARM", &config.endpoints.arm), ("Graph", &config.endpoints.graph), ("login", &config.endpoints.login)]
        {
            reqwest::Url::parse(url).map_err(|e| CollectError::Config(format!("{name} base URL {url:?}: {e}")))?;
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("remit-azure-collect/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(120))
            // A redirect could carry the bearer token to another host: none of these APIs redirects.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| CollectError::Config(format!("HTTP client: {e}")))?;
        let mut config = config.clone();
        config.endpoints.arm = config.endpoints.arm.trim_end_matches('/').to_owned();
        config.endpoints.graph = config.endpoints.graph.trim_end_matches('/').to_owned();
        config.endpoints.login = config.endpoints.login.trim_end_matches('/').to_owned();
        Ok(Self {
            http,
            config,
            arm_token: tokio::sync::Mutex::new(None),
            graph_token: tokio::sync::Mutex::new(None),
            made: Mutex::new(BTreeSet::new()),
        })
    }

    /// The calls made so far.
    pub(crate) fn calls_made(&self) -> BTreeSet<Call> {
        self.made.lock().map(|m| m.clone()).unwrap_or_default()
    }

    pub(crate) fn arm_url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.config.endpoints.arm)
    }

    pub(crate) fn graph_url(&self, path_and_query: &str) -> String {
        format!("{}/v1.0{path_and_query}", self.config.endpoints.graph)
    }

    /// Every element of a paged list: the `value` arrays of the first page and of every page
    /// its `nextLink` (ARM) or `@odata.nextLink` (Graph) leads to.
    pub(crate) async fn get_list(&self, call: Call, api: Api, url: &str) -> Result<Vec<Value>, CollectError> {
        let mut items = Vec::new();
        let mut next = Some(url.to_owned());
        let mut pages = 0usize;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > 100_000 {
                return Err(self.shape(call, &url, "more than 100000 pages: the next links loop".into()));
            }
            let mut page = self.get_object(call, api, &url).await?;
            match page.get_mut("value").map(Value::take) {
                Some(Value::Array(values)) => items.extend(values),
                _ => return Err(self.shape(call, &url, "no \"value\" array in the page".into())),
            }
            let link = page.get("nextLink").or_else(|| page.get("@odata.nextLink"));
            match link {
                None | Some(Value::Null) => {}
                Some(Value::String(link)) if link.is_empty() => {}
                Some(Value::String(link)) => {
                    // The bearer token goes with the next request: only to the API it came from.
                    let base = match api {
                        Api::Arm => &self.config.endpoints.arm,
                        Api::Graph => &self.config.endpoints.graph,
                    };
                    if !same_origin(link, base) {
                        return Err(self.shape(call, &url, format!("next link {link:?} leaves {base}")));
                    }
                    next = Some(link.clone());
                }
                Some(_) => return Err(self.shape(call, &url, "the next link is not a string".into())),
            }
        }
        Ok(items)
    }

    /// One JSON object, retried while throttled.
    pub(crate) async fn get_object(&self, call: Call, api: Api, url: &str) -> Result<Value, CollectError> {
        if let Ok(mut made) = self.made.lock() {
            made.insert(call);
        }
        let shown = self.shown_url(url);
        let mut attempt = 0u32;
        loop {
            let token = self.token(api).await?;
            let sent = self.http.get(url).bearer_auth(token.expose()).header("Accept", "application/json").send().await;
            let response = match sent {
                Ok(response) => response,
                Err(e) => {
                    return Err(CollectError::Transport {
                        call: call.describe().into(),
                        url: shown,
                        detail: self.redact(&e.without_url().to_string()),
                    });
                }
            };
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

    fn shape(&self, call: Call, url: &str, detail: String) -> CollectError {
        CollectError::Shape { call: call.describe().into(), url: self.shown_url(url), detail: self.redact(&detail) }
    }

    /// The URL without the base, as messages show it.
    fn shown_url(&self, url: &str) -> String {
        let endpoints = &self.config.endpoints;
        let path =
            [&endpoints.arm, &endpoints.graph].iter().find_map(|base| url.strip_prefix(base.as_str())).unwrap_or(url);
        self.redact(path)
    }

    fn redact(&self, text: &str) -> String {
        match &self.config.credentials {
            Credentials::ClientSecret { secret, .. } => secret.redact(text),
            Credentials::AccessTokens { arm, graph } => graph.redact(&arm.redact(text)),
        }
    }

    async fn token(&self, api: Api) -> Result<Secret, CollectError> {
        let (client_id, secret) = match &self.config.credentials {
            Credentials::AccessTokens { arm, graph } => {
                return Ok(match api {
                    Api::Arm => arm.clone(),
                    Api::Graph => graph.clone(),
                });
            }
            Credentials::ClientSecret { client_id, secret } => (client_id, secret),
        };
        let (slot, scope) = match api {
            Api::Arm => (&self.arm_token, ARM_SCOPE),
            Api::Graph => (&self.graph_token, GRAPH_SCOPE),
        };
        let mut slot = slot.lock().await;
        if let Some(cached) = slot.as_ref()
            && cached.expires.is_none_or(|at| at > Instant::now() + RENEW_MARGIN)
        {
            return Ok(cached.token.clone());
        }
        let fresh = self.request_token(client_id, secret, scope).await?;
        let token = fresh.token.clone();
        *slot = Some(fresh);
        Ok(token)
    }

    /// The client credentials grant with a shared secret
    /// (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow#first-case-access-token-request-with-a-shared-secret).
    async fn request_token(&self, client_id: &str, secret: &Secret, scope: &str) -> Result<Cached, CollectError> {
        let tenant = percent_encoding::utf8_percent_encode(&self.config.tenant_id, crate::out::SEGMENT);
        let url = format!("{}/{tenant}/oauth2/v2.0/token", self.config.endpoints.login);
        let fail = |detail: String| CollectError::Token {
            scope: scope.into(),
            url: url.clone(),
            detail: secret.redact(&detail),
        };
        let form = [
            ("client_id", client_id),
            ("scope", scope),
            ("client_secret", secret.expose()),
            ("grant_type", "client_credentials"),
        ];
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
            // Entra's error response: error, error_description, error_codes ...
            let code = parsed.get("error").and_then(Value::as_str).unwrap_or("no error code");
            let description = parsed.get("error_description").and_then(Value::as_str).unwrap_or("");
            return Err(fail(format!("HTTP {status} {code}: {description}")));
        }
        let token = parsed
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| fail("the response has no access_token".into()))?;
        let expires = parsed
            .get("expires_in")
            .and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
            .map(|seconds| Instant::now() + Duration::from_secs(seconds));
        Ok(Cached { token: Secret::new(token), expires })
    }
}

/// Whether `link` goes to the scheme, host and port of `base` (an explicit default port, as in
/// `https://management.azure.com:443/...`, is the same origin).
fn same_origin(link: &str, base: &str) -> bool {
    match (reqwest::Url::parse(link), reqwest::Url::parse(base)) {
        (Ok(link), Ok(base)) => link.origin() == base.origin() && link.origin().is_tuple(),
        _ => false,
    }
}

/// How long to wait before retrying a throttled call: `Retry-After` in seconds when given
/// (https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling,
/// https://learn.microsoft.com/graph/throttling), otherwise an exponential backoff; capped by
/// the policy.
fn retry_wait(headers: &reqwest::header::HeaderMap, attempt: u32, policy: RetryPolicy) -> Duration {
    let given = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let backoff = Duration::from_secs(1u64 << attempt.min(6));
    given.unwrap_or(backoff).min(policy.max_wait)
}

/// The code and message of an ARM (`{"error": {"code", "message"}}`,
/// https://learn.microsoft.com/azure/azure-resource-manager/templates/common-deployment-errors)
/// or Graph (`{"error": {"code", "message", "innerError"}}`,
/// https://learn.microsoft.com/graph/errors) error body.
fn remote_error(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return (None, None);
    };
    let error = value.get("error").unwrap_or(&Value::Null);
    let text = |key: &str| error.get(key).and_then(Value::as_str).map(str::to_owned);
    (text("code"), text("message"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_wait_honours_retry_after_and_caps_it() {
        let policy = RetryPolicy { max_retries: 3, max_wait: Duration::from_secs(10) };
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, reqwest::header::HeaderValue::from_static("2"));
        assert_eq!(retry_wait(&headers, 0, policy), Duration::from_secs(2));
        headers.insert(reqwest::header::RETRY_AFTER, reqwest::header::HeaderValue::from_static("3600"));
        assert_eq!(retry_wait(&headers, 0, policy), Duration::from_secs(10));
        let none = reqwest::header::HeaderMap::new();
        assert_eq!(retry_wait(&none, 2, policy), Duration::from_secs(4));
    }

    #[test]
    fn next_links_must_stay_on_the_api_origin() {
        let base = "https://management.azure.com";
        assert!(same_origin("https://management.azure.com/subscriptions?$skiptoken=x", base));
        assert!(same_origin("https://MANAGEMENT.azure.com:443/subscriptions", base));
        assert!(!same_origin("https://management.azure.com.attacker.example/x", base));
        assert!(!same_origin("http://management.azure.com/x", base));
        assert!(!same_origin("https://management.azure.com:8443/x", base));
        assert!(!same_origin("/subscriptions?$skiptoken=x", base));
    }

    #[test]
    fn remote_error_reads_arm_and_graph_bodies() {
        let arm = br#"{"error":{"code":"AuthorizationFailed","message":"no"}}"#;
        assert_eq!(remote_error(arm), (Some("AuthorizationFailed".into()), Some("no".into())));
        assert_eq!(remote_error(b"<html>"), (None, None));
    }
}
