//! Who is calling: a session cookie or an API token, checked against the database on every
//! request, and what they may do, asked of Cedar.
//!
//! Why CSRF is checked here: a session rides on a cookie the browser attaches by itself, so a
//! request that changes something must also carry the session's CSRF token in a header that
//! another site's page cannot set (OWASP's synchronizer token pattern,
//! <https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html>),
//! and its `Origin`, when the browser sends one, must be this server. `SameSite=Strict` on the
//! cookie is a second fence, not the only one. API tokens are not sent by browsers on their
//! own, so they need neither.

use std::{net::SocketAddr, sync::Arc};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{Method, header, request::Parts},
};
use remit_auth::{
    Role,
    authorize::{Action, Request as AuthzRequest, Resource},
};
use remit_store::{AuditEvent, Outcome};
use serde_json::json;

use crate::{error::ApiError, state::AppState};

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "remit_session";
/// The header carrying the CSRF token.
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub(crate) enum Via {
    /// A browser session (its hash).
    Session { id_hash: String, csrf: String },
    /// An API token (its id and scopes).
    Token { id: String, scopes: Vec<String> },
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) user: String,
    pub(crate) role: Role,
    pub(crate) via: Via,
    pub(crate) source: String,
}

impl Caller {
    /// An audit event by this caller.
    pub(crate) fn event(&self, action: &str, target: &str, outcome: Outcome, detail: serde_json::Value) -> AuditEvent {
        AuditEvent::new(&self.user, action, target, &self.source).with_outcome(outcome).with_detail(detail)
    }

    /// Whether Cedar allows `action` on `resource` for this caller (no audit record: for
    /// deciding what to show, never for refusing).
    pub(crate) async fn may(&self, state: &AppState, action: Action, resource: Resource) -> Result<bool, ApiError> {
        Ok(self.decide(state, action, resource).await?.allowed)
    }

    async fn decide(
        &self,
        state: &AppState,
        action: Action,
        resource: Resource,
    ) -> Result<remit_auth::authorize::Decision, ApiError> {
        let authorizer = state.authorizer().await?;
        let token_scopes = match &self.via {
            Via::Token { scopes, .. } => Some(scopes.clone()),
            Via::Session { .. } => None,
        };
        Ok(authorizer.is_allowed(&AuthzRequest {
            user: self.user.clone(),
            role: self.role,
            action,
            resource,
            token_scopes,
        }))
    }

    /// Refuses (403, audited) unless Cedar allows `action` on `resource` for this caller.
    pub(crate) async fn must(&self, state: &AppState, action: Action, resource: Resource) -> Result<(), ApiError> {
        let target = describe(&resource);
        let decision = self.decide(state, action, resource).await?;
        if decision.allowed {
            return Ok(());
        }
        let event = self.event(
            action.as_str(),
            &target,
            Outcome::Denied,
            json!({
                "role": self.role.as_str(),
                "token": match &self.via { Via::Token { id, .. } => Some(id.as_str()), Via::Session { .. } => None },
                "reasons": decision.reasons,
            }),
        );
        state.store.audit(&event).await?;
        let how = if matches!(self.via, Via::Token { .. }) { "your role or this token's scopes" } else { "your role" };
        Err(ApiError::forbidden(format!("{how} ({}) may not {action}", self.role.as_str())))
    }
}

/// A resource as the audit trail names it.
fn describe(resource: &Resource) -> String {
    match resource {
        Resource::Environment(env) if env.is_empty() => "environment".to_owned(),
        Resource::Environment(env) => format!("environment:{env}"),
        Resource::AuditTrail => "audit-trail".to_owned(),
        Resource::User(name) => format!("user:{name}"),
        Resource::Token { id, .. } => format!("token:{id}"),
        Resource::Policy(name) => format!("policy:{name}"),
        Resource::AccessRequest { id, .. } => format!("request:{id}"),
    }
}

/// The client's address: the socket's peer (Remit does not trust `X-Forwarded-For`, which any
/// client can write).
pub(crate) fn source_of(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The client's address, as an extractor.
pub(crate) struct Source(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for Source {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Source, Self::Rejection> {
        Ok(Source(source_of(parts)))
    }
}

/// The value of a cookie.
pub(crate) fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Caller, ApiError> {
        let source = source_of(parts);
        let now = remit_findings::Timestamp::now().unix();
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if let Some(token) = bearer {
            let presented = remit_auth::secret::PresentedToken::parse(token).ok_or_else(ApiError::unauthenticated)?;
            let Some(row) = state.store.token_by_hash(&presented.hash()).await? else {
                return Err(ApiError::unauthenticated());
            };
            if !presented.matches(&row.hash) || row.id != presented.id() {
                return Err(ApiError::unauthenticated());
            }
            if row.revoked || row.expires_at <= now {
                return Err(ApiError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "token_expired",
                    "this API token is expired or revoked",
                ));
            }
            let user = active_user(state, &row.user).await?;
            state.store.touch_token(&row.id, now).await?;
            return Ok(Caller {
                role: parse_role(&user.role)?,
                user: user.name,
                via: Via::Token { id: row.id, scopes: row.scopes },
                source,
            });
        }
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(ApiError::unauthenticated());
        };
        let id_hash = remit_auth::secret::session_hash(secret).ok_or_else(ApiError::unauthenticated)?;
        let Some(session) = state.store.session(&id_hash).await? else {
            return Err(ApiError::unauthenticated());
        };
        if session.expires_at <= now {
            state.store.delete_session(&id_hash).await?;
            return Err(ApiError::unauthenticated());
        }
        if changes_state(&parts.method) {
            let presented = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            if !remit_auth::secret::constant_time_eq(presented, &session.csrf) {
                return Err(ApiError::forbidden("missing or wrong CSRF token (X-CSRF-Token)"));
            }
            if !same_origin(parts) {
                return Err(ApiError::forbidden("cross-origin request refused"));
            }
        }
        let user = active_user(state, &session.user).await?;
        Ok(Caller {
            role: parse_role(&user.role)?,
            user: user.name,
            via: Via::Session { id_hash, csrf: session.csrf },
            source,
        })
    }
}

/// True when the request's `Origin` (if any) is the host it was sent to.
pub(crate) fn same_origin(parts: &Parts) -> bool {
    let Some(origin) = parts.headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = parts.headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
    !host.is_empty() && origin_host == host
}

async fn active_user(state: &AppState, name: &str) -> Result<remit_store::UserRow, ApiError> {
    match state.store.user(name).await? {
        Some(u) if !u.disabled => Ok(u),
        _ => Err(ApiError::unauthenticated()),
    }
}

pub(crate) fn parse_role(text: &str) -> Result<Role, ApiError> {
    text.parse::<Role>().map_err(|_| ApiError::internal(&format!("unknown role `{text}` in the store")))
}
