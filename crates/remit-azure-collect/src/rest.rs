//! The one place that talks HTTP: tokens, throttling, paging and error reporting.
//!
//! Every collector read goes through [`Rest::get_list`] or [`Rest::get_object`], which attach
//! the right bearer token, retry throttled calls, follow `nextLink` / `@odata.nextLink`, and turn
//! any failure into a [`CollectError`] that names the call, its status and the permission it
//! needs. Credentials are redacted from every message built here. What is the same for every
//! cloud (retries, error bodies, the HTTP client) is `remit_rest::http`; this module holds
//! Entra's tokens and ARM's and Graph's paging.

use std::{
    collections::BTreeSet,
    sync::Mutex,
    time::{Duration, Instant},
};

use remit_rest::{
    CollectError, Secret,
    http::{self, Called},
    token::{TokenSlot, request_token},
};
use serde_json::Value;

use crate::{
    calls::Call,
    config::{Config, Credentials},
};

/// The scopes of the client credentials grant: one token per resource
/// (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow#get-a-token).
pub(crate) const ARM_SCOPE: &str = "https://management.azure.com/.default";
pub(crate) const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

/// Which API a request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    Arm,
    Graph,
}

pub(crate) struct Rest {
    http: reqwest::Client,
    config: Config,
    arm_token: TokenSlot,
    graph_token: TokenSlot,
    made: Mutex<BTreeSet<Call>>,
}

impl Rest {
    pub(crate) fn new(config: &Config) -> Result<Self, CollectError> {
        for (name, url) in
            [("ARM", &config.endpoints.arm), ("Graph", &config.endpoints.graph), ("login", &config.endpoints.login)]
        {
            reqwest::Url::parse(url).map_err(|e| CollectError::Config(format!("{name} base URL {url:?}: {e}")))?;
        }
        let http = http::client(concat!("remit-azure-collect/", env!("CARGO_PKG_VERSION")))?;
        let mut config = config.clone();
        config.endpoints.arm = config.endpoints.arm.trim_end_matches('/').to_owned();
        config.endpoints.graph = config.endpoints.graph.trim_end_matches('/').to_owned();
        config.endpoints.login = config.endpoints.login.trim_end_matches('/').to_owned();
        Ok(Self {
            http,
            config,
            arm_token: TokenSlot::default(),
            graph_token: TokenSlot::default(),
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
        let called = self.called(call, url);
        let redact = |text: &str| self.redact(text);
        let response = http::send_retrying(self.config.retry, async || {
            let token = self.token(api).await?;
            let sent = self.http.get(url).bearer_auth(token.expose()).header("Accept", "application/json").send().await;
            sent.map_err(|e| http::transport(&called, e, redact))
        })
        .await?;
        http::json_answer(response, &called, "code", redact).await
    }

    /// The call as messages name it.
    fn called(&self, call: Call, url: &str) -> Called {
        Called { call: call.describe().into(), url: self.shown_url(url), needs: call.needs() }
    }

    fn shape(&self, call: Call, url: &str, detail: String) -> CollectError {
        http::shape(&self.called(call, url), &detail, |text| self.redact(text))
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
        slot.get(async || self.request_token(client_id, secret, scope).await).await
    }

    /// The client credentials grant with a shared secret
    /// (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow#first-case-access-token-request-with-a-shared-secret).
    async fn request_token(
        &self,
        client_id: &str,
        secret: &Secret,
        scope: &str,
    ) -> Result<(Secret, Option<Instant>), CollectError> {
        let tenant = http::encode(&self.config.tenant_id);
        let url = format!("{}/{tenant}/oauth2/v2.0/token", self.config.endpoints.login);
        let fail = |detail: String| CollectError::Token {
            scope: Some(scope.into()),
            url: url.clone(),
            detail: secret.redact(&detail),
        };
        let form = [
            ("client_id", client_id),
            ("scope", scope),
            ("client_secret", secret.expose()),
            ("grant_type", "client_credentials"),
        ];
        let (token, answer) = request_token(&self.http, &url, &form, self.config.retry, fail).await?;
        let expires = answer
            .get("expires_in")
            .and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
            .map(|seconds| Instant::now() + Duration::from_secs(seconds));
        Ok((token, expires))
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
