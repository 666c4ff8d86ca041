//! The one place that talks HTTP: tokens, throttling, paging and error reporting.
//!
//! Every collector read goes through [`Rest::get_list`] or [`Rest::get_object`], which attach
//! the bearer token, retry throttled calls, follow `nextPageToken`, and turn any failure into a
//! [`CollectError`] that names the call, its status and the permission it needs. Credentials are
//! redacted from every message built here. What is the same for every cloud (retries, error
//! bodies, the token answer, the HTTP client) is `remit_rest`; this module holds the service
//! account's grant and Google's paging.

use std::{
    collections::BTreeSet,
    sync::Mutex,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use remit_rest::{
    CollectError, Secret,
    http::{self, Called},
    token::{TokenSlot, request_token},
};
use serde_json::Value;

use crate::{
    calls::GcpCall,
    config::{Config, Credentials, SCOPE, ServiceAccountKey},
    jwt,
};

pub(crate) struct Rest {
    http: reqwest::Client,
    config: Config,
    token: TokenSlot,
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
        let http = http::client(concat!("remit-gcp-collect/", env!("CARGO_PKG_VERSION")))?;
        Ok(Self { http, config, token: TokenSlot::default(), made: Mutex::new(BTreeSet::new()) })
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
                    let encoded = http::encode(token);
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
        let called = self.called(call, url);
        let redact = |text: &str| self.redact(text);
        let response = http::send_retrying(self.config.retry, async || {
            let token = self.token().await?;
            let mut request = self.http.get(url).bearer_auth(token.expose()).header("Accept", "application/json");
            if let Some(project) = &self.config.quota_project {
                request = request.header("x-goog-user-project", project);
            }
            request.send().await.map_err(|e| http::transport(&called, e, redact))
        })
        .await?;
        http::json_answer(response, &called, "status", redact).await
    }

    /// The call as messages name it.
    fn called(&self, call: GcpCall, url: &str) -> Called {
        Called { call: call.describe().into(), url: self.shown_url(url), needs: call.needs() }
    }

    pub(crate) fn shape(&self, call: GcpCall, url: &str, detail: String) -> CollectError {
        http::shape(&self.called(call, url), &detail, |text| self.redact(text))
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
        self.token.get(async || self.request_token(key).await).await
    }

    /// The JWT bearer grant of a service account key
    /// (https://developers.google.com/identity/protocols/oauth2/service-account#httprest).
    async fn request_token(&self, key: &ServiceAccountKey) -> Result<(Secret, Option<Instant>), CollectError> {
        let url = self.config.endpoints.token.clone().unwrap_or_else(|| key.token_uri.clone());
        let fail = |detail: String| CollectError::Token {
            scope: None,
            url: url.clone(),
            detail: key.private_key.redact(&detail),
        };
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let assertion = jwt::assertion(key, SCOPE, &url, now).map_err(fail)?;
        let form = [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion.as_str())];
        let (token, answer) = request_token(&self.http, &url, &form, self.config.retry, fail).await?;
        let expires = answer.get("expires_in").and_then(Value::as_u64).map(|s| Instant::now() + Duration::from_secs(s));
        Ok((token, expires))
    }
}
