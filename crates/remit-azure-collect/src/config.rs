//! What a collection needs to know: which tenant, which credentials, which endpoints.
//!
//! The endpoints are fields so that tests (and sovereign clouds) can point the collector
//! elsewhere; the defaults are Azure's public cloud.

pub use remit_rest::RetryPolicy;
use remit_rest::Secret;

/// Azure Resource Manager, public cloud.
pub const DEFAULT_ARM_URL: &str = "https://management.azure.com";
/// Microsoft Graph, public cloud.
pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com";
/// The Microsoft identity platform's authority, public cloud.
pub const DEFAULT_LOGIN_URL: &str = "https://login.microsoftonline.com";

/// How the collector authenticates.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// An app registration's client secret, exchanged for tokens with the OAuth 2.0 client
    /// credentials grant (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow).
    ClientSecret {
        /// The application (client) id.
        client_id: String,
        /// The client secret.
        secret: Secret,
    },
    /// Access tokens obtained elsewhere (e.g. `az account get-access-token --resource
    /// https://management.azure.com` and `--resource-type ms-graph`). They are not refreshed.
    AccessTokens {
        /// A token for `https://management.azure.com/`.
        arm: Secret,
        /// A token for `https://graph.microsoft.com/`.
        graph: Secret,
    },
}

/// Base URLs, without a trailing slash.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// Azure Resource Manager.
    pub arm: String,
    /// Microsoft Graph (the collector appends `/v1.0/...`).
    pub graph: String,
    /// The authority (the collector appends `/{tenant}/oauth2/v2.0/token`).
    pub login: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Self { arm: DEFAULT_ARM_URL.into(), graph: DEFAULT_GRAPH_URL.into(), login: DEFAULT_LOGIN_URL.into() }
    }
}

/// A collection of one Entra tenant and its subscriptions.
#[derive(Debug, Clone)]
pub struct Config {
    /// The tenant (directory) id, a GUID. It is also the name of the tenant root management group.
    pub tenant_id: String,
    /// How to authenticate.
    pub credentials: Credentials,
    /// Where the APIs are.
    pub endpoints: Endpoints,
    /// Only these subscription ids; `None` reads every subscription of the tenant the
    /// credentials can see.
    pub subscriptions: Option<Vec<String>>,
    /// Throttling retries.
    pub retry: RetryPolicy,
    /// Calls in flight at once for per-object reads (group members, owners ...); at least 1.
    pub concurrency: usize,
}

impl Config {
    /// A configuration for the public cloud with default retries and concurrency.
    pub fn new(tenant_id: impl Into<String>, credentials: Credentials) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            credentials,
            endpoints: Endpoints::default(),
            subscriptions: None,
            retry: RetryPolicy::default(),
            concurrency: 8,
        }
    }
}
