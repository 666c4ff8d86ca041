//! Why a collection stopped, said so that an operator can act on it, whatever the cloud.
//!
//! Every error names the call that failed (what it reads and the URL path), the HTTP status
//! when there was one, and for 401/403 the permission the collector needed. No error text holds
//! a credential: messages built from responses are redacted before they get here.

use std::path::PathBuf;

/// A collection that could not complete. Nothing is written to the bundle's final place when
/// this is returned (the partial output is discarded).
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The configuration cannot be used (for example a base URL that does not parse).
    #[error("configuration: {0}")]
    Config(String),
    /// The credential cannot be used, or the token endpoint refused it or could not be reached.
    #[error("token request{} at {url}: {detail}", for_scope(scope))]
    Token {
        /// The scope requested, when the grant names one per request (Entra's client
        /// credentials grant does; a Google service account's JWT carries its scope inside).
        scope: Option<String>,
        /// The token endpoint (no query, no credential).
        url: String,
        /// What went wrong, with the HTTP status and the identity provider's error code when
        /// there is one.
        detail: String,
    },
    /// A REST call answered with an error status.
    #[error("{call} ({url}): HTTP {status}{remote}{needs}", remote = remote_text(code, message), needs = needs_text(*status, needs))]
    Status {
        /// What the call reads, e.g. "list role assignments" or "search all IAM policies".
        call: String,
        /// The URL called (path and query; never a credential).
        url: String,
        /// The HTTP status code.
        status: u16,
        /// The service's error code (Azure's `AuthorizationFailed`, Google's `PERMISSION_DENIED` ...).
        code: Option<String>,
        /// The service's error message.
        message: Option<String>,
        /// The permission the call needs (an Azure action or Graph application permission, a
        /// Google Cloud IAM permission or admin role).
        needs: String,
    },
    /// A call could not be sent or its answer not read (network, TLS, timeout).
    #[error("{call} ({url}): {detail}")]
    Transport {
        /// What the call reads.
        call: String,
        /// The URL called.
        url: String,
        /// The transport error.
        detail: String,
    },
    /// A response is not in the documented shape.
    #[error("{call} ({url}): unexpected response: {detail}")]
    Shape {
        /// What the call reads.
        call: String,
        /// The URL called.
        url: String,
        /// What was expected and not found.
        detail: String,
    },
    /// The bundle could not be written.
    #[error("writing {}: {detail}", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        detail: String,
    },
}

fn for_scope(scope: &Option<String>) -> String {
    scope.as_ref().map(|scope| format!(" for {scope}")).unwrap_or_default()
}

fn remote_text(code: &Option<String>, message: &Option<String>) -> String {
    match (code, message) {
        (Some(code), Some(message)) => format!(" {code}: {message}"),
        (Some(code), None) => format!(" {code}"),
        (None, Some(message)) => format!(" {message}"),
        (None, None) => String::new(),
    }
}

fn needs_text(status: u16, needs: &str) -> String {
    if status == 401 || status == 403 { format!(" (the collector needs {needs})") } else { String::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_scope_the_remote_error_and_the_permission_needed() {
        let token = |scope: Option<&str>| CollectError::Token {
            scope: scope.map(str::to_owned),
            url: "https://login/t/token".into(),
            detail: "HTTP 401".into(),
        };
        assert_eq!(
            token(Some("s/.default")).to_string(),
            "token request for s/.default at https://login/t/token: HTTP 401"
        );
        assert_eq!(token(None).to_string(), "token request at https://login/t/token: HTTP 401");
        let status = |status: u16, code: Option<&str>| CollectError::Status {
            call: "list roles".into(),
            url: "/v1/roles".into(),
            status,
            code: code.map(str::to_owned),
            message: Some("no".into()),
            needs: "iam.roles.list".into(),
        };
        assert_eq!(
            status(403, Some("PERMISSION_DENIED")).to_string(),
            "list roles (/v1/roles): HTTP 403 PERMISSION_DENIED: no (the collector needs iam.roles.list)"
        );
        assert_eq!(status(500, None).to_string(), "list roles (/v1/roles): HTTP 500 no");
    }
}
