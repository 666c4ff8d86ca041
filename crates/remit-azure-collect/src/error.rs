//! Why a collection stopped, said so that an operator can act on it.
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
    /// The token endpoint refused or could not be reached.
    #[error("token request for {scope} at {url}: {detail}")]
    Token {
        /// The scope requested.
        scope: String,
        /// The token endpoint (no query, no credential).
        url: String,
        /// What went wrong, with the HTTP status and Entra's error code when there is one.
        detail: String,
    },
    /// A REST call answered with an error status.
    #[error("{call} ({url}): HTTP {status}{remote}{needs}", remote = remote_text(code, message), needs = needs_text(*status, needs))]
    Status {
        /// What the call reads, e.g. "list role assignments".
        call: String,
        /// The URL called (path and query; never a credential).
        url: String,
        /// The HTTP status code.
        status: u16,
        /// The service's error code (`AuthorizationFailed`, `Authorization_RequestDenied` ...).
        code: Option<String>,
        /// The service's error message.
        message: Option<String>,
        /// The permission the call needs (an ARM action or a Graph application permission).
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
