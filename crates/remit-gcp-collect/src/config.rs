//! What a collection needs to know: which organization, which credentials, which endpoints.
//!
//! The endpoints are fields so that tests can point the collector at a mock; the defaults are
//! Google's public endpoints.

use serde_json::Value;

pub use remit_rest::RetryPolicy;
use remit_rest::{CollectError, Secret};

/// Cloud Resource Manager.
pub const DEFAULT_RESOURCE_MANAGER_URL: &str = "https://cloudresourcemanager.googleapis.com";
/// Cloud Asset Inventory.
pub const DEFAULT_CLOUD_ASSET_URL: &str = "https://cloudasset.googleapis.com";
/// IAM (v1 roles and service accounts, v2 deny policies).
pub const DEFAULT_IAM_URL: &str = "https://iam.googleapis.com";
/// Cloud Identity (groups).
pub const DEFAULT_CLOUD_IDENTITY_URL: &str = "https://cloudidentity.googleapis.com";

/// The OAuth scope requested for a service account
/// (https://developers.google.com/identity/protocols/oauth2/scopes): every API read here lists
/// it; what the token may do is limited by the account's IAM roles.
pub const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// A service account key file (the JSON `gcloud iam service-accounts keys create` writes).
#[derive(Clone)]
pub struct ServiceAccountKey {
    /// The account's email (`client_email`), the JWT's issuer.
    pub client_email: String,
    /// The key id (`private_key_id`), the JWT's `kid`.
    pub private_key_id: String,
    /// The PKCS #8 PEM private key (`private_key`).
    pub private_key: Secret,
    /// The token endpoint (`token_uri`), the JWT's audience.
    pub token_uri: String,
}

impl std::fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("client_email", &self.client_email)
            .field("private_key_id", &self.private_key_id)
            .field("private_key", &self.private_key)
            .field("token_uri", &self.token_uri)
            .finish()
    }
}

impl ServiceAccountKey {
    /// Reads a key file's JSON. The error names the missing field, never the key.
    pub fn from_json(text: &str) -> Result<Self, CollectError> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            CollectError::Config(format!("service account key: not JSON (line {}, column {})", e.line(), e.column()))
        })?;
        let field = |key: &str| -> Result<String, CollectError> {
            value
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| CollectError::Config(format!("service account key: no \"{key}\" string")))
        };
        if value.get("type").and_then(Value::as_str) != Some("service_account") {
            return Err(CollectError::Config("service account key: \"type\" is not \"service_account\"".into()));
        }
        Ok(Self {
            client_email: field("client_email")?,
            private_key_id: field("private_key_id")?,
            private_key: Secret::new(field("private_key")?),
            token_uri: field("token_uri").unwrap_or_else(|_| "https://oauth2.googleapis.com/token".into()),
        })
    }
}

/// How the collector authenticates.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// An access token obtained elsewhere (`gcloud auth print-access-token`). Not refreshed: it
    /// must outlive the collection (one hour by default).
    AccessToken(Secret),
    /// A service account key, exchanged for tokens with the JWT bearer grant
    /// (https://developers.google.com/identity/protocols/oauth2/service-account#authorizingrequests).
    ServiceAccountKey(ServiceAccountKey),
}

/// Base URLs, without a trailing slash.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// Cloud Resource Manager (`/v3/...`).
    pub resource_manager: String,
    /// Cloud Asset Inventory (`/v1/...`).
    pub cloud_asset: String,
    /// IAM (`/v1/...`, `/v2/...`).
    pub iam: String,
    /// Cloud Identity (`/v1/...`).
    pub cloud_identity: String,
    /// The token endpoint to use instead of the key's `token_uri` (tests); also the JWT's audience.
    pub token: Option<String>,
}

impl Default for Endpoints {
    fn default() -> Self {
        Self {
            resource_manager: DEFAULT_RESOURCE_MANAGER_URL.into(),
            cloud_asset: DEFAULT_CLOUD_ASSET_URL.into(),
            iam: DEFAULT_IAM_URL.into(),
            cloud_identity: DEFAULT_CLOUD_IDENTITY_URL.into(),
            token: None,
        }
    }
}

/// A collection of one Google Cloud organization.
#[derive(Debug, Clone)]
pub struct Config {
    /// The organization's numeric id (without `organizations/`).
    pub organization_id: String,
    /// How to authenticate.
    pub credentials: Credentials,
    /// Where the APIs are.
    pub endpoints: Endpoints,
    /// Also read `resources.json` (searchAllResources); large organizations have many resources.
    pub include_resources: bool,
    /// Also read Cloud Identity group memberships (needs the Groups Reader admin role).
    pub include_groups: bool,
    /// The project billed for the calls, sent as `x-goog-user-project`
    /// (https://cloud.google.com/apis/docs/system-parameters). Needed with a user's access token
    /// (Cloud Asset and Cloud Identity refuse user credentials without a quota project); the
    /// caller then needs `serviceusage.services.use` on it. `None` for a service account, whose
    /// own project is billed.
    pub quota_project: Option<String>,
    /// Throttling retries.
    pub retry: RetryPolicy,
    /// Calls in flight at once for per-project and per-account reads; at least 1.
    pub concurrency: usize,
}

impl Config {
    /// A configuration for Google's public endpoints, reading everything.
    pub fn new(organization_id: impl Into<String>, credentials: Credentials) -> Self {
        Self {
            organization_id: organization_id.into(),
            credentials,
            endpoints: Endpoints::default(),
            include_resources: true,
            include_groups: true,
            quota_project: None,
            retry: RetryPolicy::default(),
            concurrency: 8,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_key_file_is_read_and_its_key_never_shown() {
        let key = ServiceAccountKey::from_json(
            r#"{"type":"service_account","project_id":"p","private_key_id":"abc","private_key":"-----BEGIN PRIVATE KEY-----\nSECRETBODY\n-----END PRIVATE KEY-----\n","client_email":"c@p.iam.gserviceaccount.com","client_id":"1","token_uri":"https://oauth2.googleapis.com/token"}"#,
        )
        .unwrap();
        assert_eq!(key.client_email, "c@p.iam.gserviceaccount.com");
        assert!(!format!("{key:?}").contains("SECRETBODY"));
    }

    #[test]
    fn a_bad_key_file_names_what_is_missing_without_its_content() {
        let error =
            ServiceAccountKey::from_json(r#"{"type":"service_account","private_key":"SECRETBODY"}"#).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("client_email"), "{text}");
        assert!(!text.contains("SECRETBODY"));
        assert!(ServiceAccountKey::from_json("{").unwrap_err().to_string().contains("line 1"));
        assert!(ServiceAccountKey::from_json(r#"{"type":"authorized_user"}"#).is_err());
    }
}
