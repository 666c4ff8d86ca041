//! Remit's own administration: users and roles, API tokens, the Cedar policies admins add, and
//! the audit trail. Every change is recorded in the audit trail in the same transaction.

use std::sync::Arc;

use axum::{
    Json,
    extract::{Path, Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use remit_auth::{
    Role,
    authorize::{Action, Resource},
};
use remit_store::{Outcome, TokenRow, UserRow};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use super::Page;
use crate::{caller::Caller, error::ApiError, state::AppState};

type Answer = Result<Json<Value>, ApiError>;

fn time(t: i64) -> String {
    remit_findings::Timestamp::from_unix(t).to_string()
}

fn record_json(r: &remit_store::AuditRecord) -> Value {
    serde_json::from_str(&remit_store::audit_jsonl(r)).unwrap_or(Value::Null)
}

/// Where to start reading the trail.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditQuery {
    /// Records after this sequence number (default: the newest ones).
    after: Option<i64>,
    /// At most this many (default 100, at most 1000).
    limit: Option<i64>,
}

/// The audit trail: who did what, when, from where, with what result.
#[utoipa::path(get, path = "/api/audit", tag = "admin", params(AuditQuery), responses((status = 200, description = "Records, oldest first")))]
pub(crate) async fn audit(State(state): State<Arc<AppState>>, caller: Caller, Query(q): Query<AuditQuery>) -> Answer {
    caller.must(&state, Action::ReadAudit, Resource::AuditTrail).await?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let after = match q.after {
        Some(a) => a,
        None => {
            let v = state.store.audit_verify(None).await?;
            (v.head.map_or(0, |h| h.seq) - limit).max(0)
        }
    };
    let records = state.store.audit_records(after, limit).await?;
    Ok(Json(json!({"items": records.iter().map(record_json).collect::<Vec<_>>(), "after": after, "limit": limit})))
}

/// Checks the whole hash chain: modified, deleted and reordered records are reported with
/// their sequence numbers; the head is returned for anchoring elsewhere.
#[utoipa::path(get, path = "/api/audit/verify", tag = "admin", responses((status = 200, description = "The verification")))]
pub(crate) async fn audit_verify(State(state): State<Arc<AppState>>, caller: Caller) -> Answer {
    caller.must(&state, Action::ReadAudit, Resource::AuditTrail).await?;
    let v = state.store.audit_verify(None).await?;
    Ok(Json(verification_json(&v)))
}

/// A verification as JSON (the CLI's `remit audit verify --format json` too).
pub fn verification_json(v: &remit_store::AuditVerification) -> Value {
    json!({
        "intact": v.is_ok(), "records": v.records,
        "head": v.head.as_ref().map(|h| json!({"seq": h.seq, "hash": h.hash})),
        "problems": v.problems.iter().map(|p| json!({"seq": p.seq, "kind": format!("{:?}", p.kind).to_lowercase(), "message": p.message})).collect::<Vec<_>>(),
    })
}

/// The export format.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExportQuery {
    /// `jsonl` (default) or `cef` (syslog / ArcSight Common Event Format).
    format: Option<String>,
}

/// The whole audit trail, as JSON Lines or CEF lines.
#[utoipa::path(get, path = "/api/audit/export", tag = "admin", params(ExportQuery), responses((status = 200, description = "One record per line")))]
pub(crate) async fn audit_export(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    caller.must(&state, Action::Export, Resource::AuditTrail).await?;
    let cef = match q.format.as_deref() {
        None | Some("jsonl") => false,
        Some("cef") => true,
        Some(other) => return Err(ApiError::bad_request(format!("format: `{other}`: expected jsonl or cef"))),
    };
    let mut out = String::new();
    let mut after = 0;
    loop {
        let records = state.store.audit_records(after, 1000).await?;
        let Some(last) = records.last() else { break };
        after = last.seq;
        for r in &records {
            out.push_str(&if cef { remit_store::audit_cef(r) } else { remit_store::audit_jsonl(r) });
            out.push('\n');
        }
    }
    let event =
        caller.event("audit.export", "audit", Outcome::Success, json!({"format": if cef { "cef" } else { "jsonl" }}));
    state.store.audit(&event).await?;
    let mut response = out.into_response();
    let content_type = if cef { "text/plain; charset=utf-8" } else { "application/x-ndjson" };
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(response)
}

fn user_json(u: &UserRow) -> Value {
    json!({"name": u.name, "display": u.display, "email": u.email, "role": u.role, "sso": u.oidc_subject.is_some(),
        "password": u.password_hash.is_some(), "disabled": u.disabled, "created_at": time(u.created_at)})
}

/// Remit's users.
#[utoipa::path(get, path = "/api/users", tag = "admin", params(Page), responses((status = 200, description = "`{total, offset, limit, items}`")))]
pub(crate) async fn users(State(state): State<Arc<AppState>>, caller: Caller, Query(page): Query<Page>) -> Answer {
    caller.must(&state, Action::ManageUsers, Resource::User("*".to_owned())).await?;
    let items = state.store.users().await?.iter().map(user_json).collect();
    Ok(Json(page.apply(items, "name", "name")?))
}

/// A new local user.
#[derive(Deserialize, ToSchema)]
pub(crate) struct NewUser {
    name: String,
    display: Option<String>,
    email: Option<String>,
    /// admin, security-analyst, auditor, approver or requester.
    role: String,
    /// At least 12 characters.
    password: String,
}

fn role_of(text: &str) -> Result<Role, ApiError> {
    text.parse::<Role>().map_err(|_| {
        ApiError::bad_request(format!(
            "role: `{text}`: expected admin, security-analyst, auditor, approver or requester"
        ))
    })
}

/// Creates a local user (admin).
#[utoipa::path(post, path = "/api/users", tag = "admin", request_body = NewUser, responses((status = 201, description = "Created"), (status = 409, description = "The name is taken")))]
pub(crate) async fn create_user(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Json(body): Json<NewUser>,
) -> Result<Response, ApiError> {
    caller.must(&state, Action::ManageUsers, Resource::User(body.name.clone())).await?;
    let role = role_of(&body.role)?;
    if body.name.trim().is_empty() || body.name.len() > 128 || body.name.chars().any(char::is_control) {
        return Err(ApiError::bad_request("name: 1 to 128 printable characters"));
    }
    remit_auth::password::check_strength(&body.password).map_err(|e| ApiError::bad_request(e.to_string()))?;
    if state.store.user(&body.name).await?.is_some() {
        return Err(ApiError::new(StatusCode::CONFLICT, "conflict", format!("a user `{}` exists", body.name)));
    }
    let hash = remit_auth::password::hash(&body.password).map_err(|e| ApiError::internal(&e))?;
    let user = UserRow {
        name: body.name.clone(),
        display: body.display.clone().unwrap_or_else(|| body.name.clone()),
        email: body.email.clone(),
        role: role.as_str().to_owned(),
        password_hash: Some(hash),
        oidc_subject: None,
        disabled: false,
        created_at: remit_findings::Timestamp::now().unix(),
    };
    let event = caller.event("user.create", &body.name, Outcome::Success, json!({"role": role.as_str()}));
    state.store.create_user(&user, &event).await?;
    Ok((StatusCode::CREATED, Json(user_json(&user))).into_response())
}

/// Changes to a user.
#[derive(Deserialize, ToSchema)]
pub(crate) struct UserPatch {
    role: Option<String>,
    disabled: Option<bool>,
    password: Option<String>,
}

/// Changes a user's role, disables or enables it, or sets its password (admin).
#[utoipa::path(patch, path = "/api/users/{name}", tag = "admin", request_body = UserPatch, params(("name" = String, Path, description = "The user")),
    responses((status = 200, description = "Changed"), (status = 404, description = "No such user")))]
pub(crate) async fn update_user(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(name): Path<String>,
    Json(body): Json<UserPatch>,
) -> Answer {
    caller.must(&state, Action::ManageUsers, Resource::User(name.clone())).await?;
    let user = state.store.user(&name).await?.ok_or_else(|| ApiError::not_found(format!("no user `{name}`")))?;
    if let Some(role) = &body.role {
        let role = role_of(role)?;
        if name == caller.user && role != Role::Admin {
            return Err(ApiError::bad_request("an admin cannot take their own admin role away (ask another admin)"));
        }
        let event = caller.event("user.role", &name, Outcome::Success, json!({"from": user.role, "to": role.as_str()}));
        state.store.set_role(&name, role.as_str(), &event).await?;
    }
    if let Some(disabled) = body.disabled {
        if name == caller.user && disabled {
            return Err(ApiError::bad_request("you cannot disable yourself"));
        }
        let event =
            caller.event(if disabled { "user.disable" } else { "user.enable" }, &name, Outcome::Success, json!({}));
        state.store.set_disabled(&name, disabled, &event).await?;
    }
    if let Some(password) = &body.password {
        remit_auth::password::check_strength(password).map_err(|e| ApiError::bad_request(e.to_string()))?;
        let hash = remit_auth::password::hash(password).map_err(|e| ApiError::internal(&e))?;
        let event = caller.event("user.password", &name, Outcome::Success, json!({}));
        state.store.set_password(&name, &hash, &event).await?;
    }
    let user = state.store.user(&name).await?.ok_or_else(|| ApiError::not_found(format!("no user `{name}`")))?;
    Ok(Json(user_json(&user)))
}

fn token_json(t: &TokenRow) -> Value {
    json!({"id": t.id, "user": t.user, "name": t.name, "scopes": t.scopes, "created_at": time(t.created_at),
        "expires_at": time(t.expires_at), "last_used": t.last_used.map(time), "revoked": t.revoked})
}

/// API tokens: your own (every user's, for an admin).
#[utoipa::path(get, path = "/api/tokens", tag = "admin", responses((status = 200, description = "Tokens, without their secrets")))]
pub(crate) async fn tokens(State(state): State<Arc<AppState>>, caller: Caller) -> Answer {
    caller
        .must(&state, Action::ManageTokens, Resource::Token { id: "*".to_owned(), owner: caller.user.clone() })
        .await?;
    let all = caller.may(&state, Action::ManageUsers, Resource::User("*".to_owned())).await?;
    let rows = state.store.tokens(if all { None } else { Some(&caller.user) }).await?;
    Ok(Json(json!({"items": rows.iter().map(token_json).collect::<Vec<_>>()})))
}

/// A new API token.
#[derive(Deserialize, ToSchema)]
pub(crate) struct NewToken {
    /// What it is for.
    name: String,
    /// Remit actions it may perform (e.g. `read`, `read_audit`): never more than the role allows.
    scopes: Vec<String>,
    /// Days until it expires (1 to 366).
    days: i64,
}

/// Creates an API token for yourself; its secret is shown once, only its hash is stored.
#[utoipa::path(post, path = "/api/tokens", tag = "admin", request_body = NewToken, responses((status = 201, description = "The token, with its secret (shown once)")))]
pub(crate) async fn create_token(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Json(body): Json<NewToken>,
) -> Result<Response, ApiError> {
    caller
        .must(&state, Action::ManageTokens, Resource::Token { id: "new".to_owned(), owner: caller.user.clone() })
        .await?;
    if !(1..=366).contains(&body.days) {
        return Err(ApiError::bad_request("days: 1 to 366"));
    }
    if body.scopes.is_empty() {
        return Err(ApiError::bad_request("scopes: name at least one action (e.g. read)"));
    }
    for scope in &body.scopes {
        if scope.parse::<Action>().is_err() {
            return Err(ApiError::bad_request(format!("scopes: unknown action `{scope}`")));
        }
    }
    let new = remit_auth::secret::NewToken::generate().map_err(|e| ApiError::internal(&e))?;
    let (secret, id, hash) = (new.token.clone(), new.id.clone(), new.hash.clone());
    let now = remit_findings::Timestamp::now().unix();
    let row = TokenRow {
        id: id.clone(),
        user: caller.user.clone(),
        name: body.name.clone(),
        hash,
        scopes: body.scopes.clone(),
        created_at: now,
        expires_at: now + body.days * 86_400,
        last_used: None,
        revoked: false,
    };
    let event = caller.event(
        "token.create",
        &id,
        Outcome::Success,
        json!({"name": body.name, "scopes": body.scopes, "days": body.days}),
    );
    state.store.create_token(&row, &event).await?;
    let mut out = token_json(&row);
    out["token"] = json!(secret);
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// Revokes an API token (yours; any, for an admin).
#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "admin", params(("id" = String, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked"), (status = 404, description = "No such token of yours")))]
pub(crate) async fn revoke_token(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    // A role that may not manage even its own tokens is refused (and audited) before the
    // lookup, which would otherwise answer 404 without a record of the attempt.
    caller.must(&state, Action::ManageTokens, Resource::Token { id: id.clone(), owner: caller.user.clone() }).await?;
    let all = caller.may(&state, Action::ManageUsers, Resource::User("*".to_owned())).await?;
    let rows = state.store.tokens(if all { None } else { Some(&caller.user) }).await?;
    let Some(token) = rows.iter().find(|t| t.id == id) else {
        return Err(ApiError::not_found(format!("no token {id} of yours")));
    };
    caller.must(&state, Action::ManageTokens, Resource::Token { id: id.clone(), owner: token.user.clone() }).await?;
    let event = caller.event("token.revoke", &id, Outcome::Success, json!({}));
    state.store.revoke_token(&id, &event).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The Cedar policies: built in, and added by admins.
#[utoipa::path(get, path = "/api/policies", tag = "admin", responses((status = 200, description = "The policies")))]
pub(crate) async fn policies(State(state): State<Arc<AppState>>, caller: Caller) -> Answer {
    caller.must(&state, Action::ManagePolicies, Resource::Policy("*".to_owned())).await?;
    let extensions = state.store.policies().await?;
    Ok(Json(json!({
        "builtin": remit_auth::authorize::BUILT_IN.iter().map(|(n, t)| json!({"name": n, "text": t})).collect::<Vec<_>>(),
        "schema": remit_auth::authorize::SCHEMA,
        "actions": Action::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        "extensions": extensions.iter().map(|(n, t)| json!({"name": n, "text": t})).collect::<Vec<_>>(),
    })))
}

/// A policy's text.
#[derive(Deserialize, ToSchema)]
pub(crate) struct PolicyBody {
    /// Cedar policies, checked against the schema.
    text: String,
}

/// Adds or replaces an admin policy (checked against the schema first).
#[utoipa::path(put, path = "/api/policies/{name}", tag = "admin", request_body = PolicyBody, params(("name" = String, Path, description = "The policy's name")),
    responses((status = 200, description = "Stored"), (status = 400, description = "Invalid: the error says where")))]
pub(crate) async fn put_policy(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(name): Path<String>,
    Json(body): Json<PolicyBody>,
) -> Answer {
    caller.must(&state, Action::ManagePolicies, Resource::Policy(name.clone())).await?;
    remit_auth::authorize::Authorizer::validate(&body.text)
        .map_err(|e| ApiError::bad_request(format!("policy `{name}`: {e}")))?;
    let event = caller.event("policy.put", &name, Outcome::Success, json!({"text": body.text}));
    state.store.put_policy(&name, &body.text, &event).await?;
    Ok(Json(json!({"name": name, "text": body.text})))
}

/// Deletes an admin policy.
#[utoipa::path(delete, path = "/api/policies/{name}", tag = "admin", params(("name" = String, Path, description = "The policy's name")),
    responses((status = 204, description = "Deleted")))]
pub(crate) async fn delete_policy(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.must(&state, Action::ManagePolicies, Resource::Policy(name.clone())).await?;
    let event = caller.event("policy.delete", &name, Outcome::Success, json!({}));
    state.store.delete_policy(&name, &event).await?;
    Ok(StatusCode::NO_CONTENT)
}
