//! Remit as a service: every query and finding over JSON, Remit's own users and their rights,
//! the audit trail of every change, and the web console — one process, no state of its own.
//!
//! Why stateless: a security team runs Remit where it cannot go down with one machine, and
//! two instances behind a load balancer must agree. Everything a request needs is in the
//! database (sessions, tokens, suppressions, the audit trail, snapshots) or derived from it
//! (loaded analyses, cached per process, never authoritative), so any instance answers any
//! request.
//!
//! Every route names the Remit action it performs (`read`, `suppress`, `manage_users` ...),
//! and one layer asks the Cedar policies whether the caller's role (and, for an API token, its
//! scopes) allows it before the handler runs; a refusal is a 403 and an audit record.

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use axum::Router;
use remit_history::History;
use remit_store::Store;

mod api;
mod caller;
mod console;
mod error;
mod security;
mod state;

pub use crate::{api::verification_json, error::ApiError, state::AppState};

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where to listen.
    pub listen: SocketAddr,
    /// Mark cookies `Secure` (default; turn off only behind a TLS-terminating proxy that
    /// speaks plain HTTP to Remit on another host — browsers accept `Secure` cookies from
    /// `http://127.0.0.1` and `http://localhost`).
    pub secure_cookies: bool,
    /// OIDC single sign-on, when configured.
    pub oidc: Option<remit_auth::oidc::OidcSettings>,
    /// The role given to users signing on through OIDC the first time.
    pub oidc_default_role: remit_auth::Role,
    /// Where `remit serve` was told the data directory is (shown in `/api/about`).
    pub data_dir: Option<PathBuf>,
}

impl ServerConfig {
    /// Listening on `listen`, secure cookies, no OIDC.
    pub fn new(listen: SocketAddr) -> ServerConfig {
        ServerConfig {
            listen,
            secure_cookies: true,
            oidc: None,
            oidc_default_role: remit_auth::Role::Requester,
            data_dir: None,
        }
    }
}

/// A server error before it serves.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// OIDC discovery failed.
    #[error("OIDC: {0}")]
    Oidc(String),
    /// Serving failed.
    #[error("serving: {0}")]
    Serve(#[source] std::io::Error),
}

/// The whole application (routes, authorization, security headers, console) over `state`.
pub fn app(state: AppState) -> Router {
    let state = Arc::new(state);
    api::router(state.clone())
        .merge(console::router())
        .layer(axum::middleware::from_fn(error::json_errors))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(1024 * 1024))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(120),
        ))
}

/// The OpenAPI document, as served at `/api/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::openapi()
}

/// Serves until Ctrl-C (or SIGTERM), with `on_ready` called once listening (the address
/// actually bound: port 0 picks one).
pub async fn serve(store: Store, config: ServerConfig, on_ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let oidc = match &config.oidc {
        Some(settings) => {
            Some(remit_auth::oidc::OidcClient::discover(settings).await.map_err(|e| ServeError::Oidc(e.to_string()))?)
        }
        None => None,
    };
    let state = AppState::new(History::new(store), config.clone(), oidc);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Listen { addr: config.listen, source })?;
    let bound = listener.local_addr().map_err(|source| ServeError::Listen { addr: config.listen, source })?;
    on_ready(bound);
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(ServeError::Serve)
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
