//! Sending a call and reading its answer: throttling, retries, and errors that name the call.
//!
//! Why here: Azure Resource Manager, Microsoft Graph and Google's APIs all answer a throttled
//! call with 429 or 503 and an optional `Retry-After` in seconds, and all wrap an error in
//! `{"error": {...}}`; the collectors differ in tokens and paging, not in this.

use std::time::Duration;

use serde_json::Value;

use crate::error::CollectError;

/// What is percent-encoded in a URL path segment or query value built from an id: everything
/// but RFC 3986's unreserved characters (and `@`, allowed in a path segment).
pub const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'@');

/// `text` (an id, a page token) percent-encoded as one URL path segment or query value.
pub fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, SEGMENT).to_string()
}

/// Runs `collection` on a runtime of its own, for callers without one (called from inside a
/// tokio runtime it returns an error instead of blocking that runtime: await it there).
pub fn block_on<T>(collection: impl Future<Output = Result<T, CollectError>>) -> Result<T, CollectError> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(CollectError::Config("collect_blocking was called inside an async runtime: await collect".into()));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CollectError::Config(format!("async runtime: {e}")))?;
    runtime.block_on(collection)
}

/// How throttled calls (HTTP 429 and 503) are retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt; then the call fails with its status.
    pub max_retries: u32,
    /// The longest wait between two attempts; a longer `Retry-After` is cut to this.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_retries: 6, max_wait: Duration::from_secs(60) }
    }
}

/// A call as messages name it.
#[derive(Debug, Clone)]
pub struct Called {
    /// What the call reads, e.g. "list role assignments".
    pub call: String,
    /// The URL as messages show it (without the API's base, credentials redacted).
    pub url: String,
    /// The permission the call needs, told when it is refused.
    pub needs: String,
}

/// The HTTP client of a collector: `user_agent`, a two-minute timeout, and no redirects (a
/// redirect could carry the bearer token to another host; none of the clouds' APIs redirects).
pub fn client(user_agent: &str) -> Result<reqwest::Client, CollectError> {
    reqwest::Client::builder()
        .user_agent(user_agent)
        .timeout(Duration::from_secs(120))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| CollectError::Config(format!("HTTP client: {e}")))
}

/// The answer of `send` (called again for each attempt, so that it can renew its token), sent
/// again after a wait while it is throttled (429 or 503) and `policy` allows.
pub async fn send_retrying<E>(
    policy: RetryPolicy,
    mut send: impl AsyncFnMut() -> Result<reqwest::Response, E>,
) -> Result<reqwest::Response, E> {
    let mut attempt = 0u32;
    loop {
        let response = send().await?;
        let status = response.status().as_u16();
        if (status == 429 || status == 503) && attempt < policy.max_retries {
            let wait = retry_wait(response.headers(), attempt, policy);
            attempt += 1;
            tokio::time::sleep(wait).await;
            continue;
        }
        return Ok(response);
    }
}

/// A call that could not be sent or whose answer could not be read.
pub fn transport(called: &Called, error: reqwest::Error, redact: impl Fn(&str) -> String) -> CollectError {
    CollectError::Transport {
        call: called.call.clone(),
        url: called.url.clone(),
        detail: redact(&error.without_url().to_string()),
    }
}

/// A response not in the documented shape.
pub fn shape(called: &Called, detail: &str, redact: impl Fn(&str) -> String) -> CollectError {
    CollectError::Shape { call: called.call.clone(), url: called.url.clone(), detail: redact(detail) }
}

/// The JSON of a successful answer, or the error that names the call: its status with the
/// service's `error.<code_key>` and `error.message`, and the permission it needs.
pub async fn json_answer(
    response: reqwest::Response,
    called: &Called,
    code_key: &str,
    redact: impl Fn(&str) -> String,
) -> Result<Value, CollectError> {
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| transport(called, e, &redact))?;
    if !(200..300).contains(&status) {
        let (code, message) = remote_error(&body, code_key);
        return Err(CollectError::Status {
            call: called.call.clone(),
            url: called.url.clone(),
            status,
            code: code.map(|c| redact(&c)),
            message: message.map(|m| redact(&m)),
            needs: called.needs.clone(),
        });
    }
    serde_json::from_slice(&body).map_err(|e| shape(called, &format!("not JSON: {e}"), &redact))
}

/// How long to wait before retrying a throttled call: `Retry-After` in seconds when given
/// (https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling,
/// https://learn.microsoft.com/graph/throttling), otherwise a truncated exponential backoff
/// (https://cloud.google.com/iam/docs/retry-strategy); capped by the policy.
pub fn retry_wait(headers: &reqwest::header::HeaderMap, attempt: u32, policy: RetryPolicy) -> Duration {
    let given = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let backoff = Duration::from_secs(1u64 << attempt.min(6));
    given.unwrap_or(backoff).min(policy.max_wait)
}

/// The code (the member `code_key` of `error`) and message of an error body: ARM's
/// `{"error": {"code", "message"}}`
/// (https://learn.microsoft.com/azure/azure-resource-manager/templates/common-deployment-errors),
/// Graph's `{"error": {"code", "message", "innerError"}}` (https://learn.microsoft.com/graph/errors),
/// Google's `{"error": {"code": 403, "message", "status": "PERMISSION_DENIED", "details"}}`
/// (https://cloud.google.com/apis/design/errors#http_mapping, code key `status`).
pub fn remote_error(body: &[u8], code_key: &str) -> (Option<String>, Option<String>) {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return (None, None);
    };
    let error = value.get("error").unwrap_or(&Value::Null);
    let text = |key: &str| error.get(key).and_then(Value::as_str).map(str::to_owned);
    (text(code_key), text("message"))
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
        assert_eq!(retry_wait(&headers, 4, policy), Duration::from_secs(2));
        headers.insert(reqwest::header::RETRY_AFTER, reqwest::header::HeaderValue::from_static("3600"));
        assert_eq!(retry_wait(&headers, 0, policy), Duration::from_secs(10));
    }

    #[test]
    fn retry_wait_backs_off_without_retry_after_and_caps_it() {
        let policy = RetryPolicy { max_retries: 3, max_wait: Duration::from_secs(5) };
        let none = reqwest::header::HeaderMap::new();
        assert_eq!(retry_wait(&none, 0, policy), Duration::from_secs(1));
        assert_eq!(retry_wait(&none, 2, policy), Duration::from_secs(4));
        assert_eq!(retry_wait(&none, 5, policy), Duration::from_secs(5));
    }

    #[test]
    fn remote_error_reads_azure_and_google_bodies() {
        let arm = br#"{"error":{"code":"AuthorizationFailed","message":"no"}}"#;
        assert_eq!(remote_error(arm, "code"), (Some("AuthorizationFailed".into()), Some("no".into())));
        let google = br#"{"error":{"code":403,"message":"denied","status":"PERMISSION_DENIED"}}"#;
        assert_eq!(remote_error(google, "status"), (Some("PERMISSION_DENIED".into()), Some("denied".into())));
        assert_eq!(remote_error(google, "code"), (None, Some("denied".into())));
        assert_eq!(remote_error(b"<html>", "code"), (None, None));
    }

    #[test]
    fn ids_are_encoded_as_one_segment() {
        assert_eq!(encode("a/b c@d~e"), "a%2Fb%20c@d~e");
        assert_eq!(encode("CiRh=="), "CiRh%3D%3D");
    }

    #[tokio::test]
    async fn block_on_refuses_inside_a_runtime() {
        let refused = block_on(async { Ok(()) });
        assert!(matches!(refused, Err(CollectError::Config(_))));
    }
}
