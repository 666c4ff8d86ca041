//! Signing in (a local password or OIDC single sign-on) and out.
//!
//! Why failures are counted in the database: with two instances behind a load balancer, a
//! counter in memory would give an attacker twice the guesses. The limits (per account and per
//! source address) are `remit_auth::ratelimit`'s; over them, logins are refused with 429 and
//! `Retry-After`.

use std::sync::Arc;

use axum::{
    Json,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use remit_auth::oidc::PendingLogin;
use remit_store::{Outcome, SessionRow, UserRow};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::{
    caller::{Caller, SESSION_COOKIE, Source, Via, cookie, parse_role},
    error::ApiError,
    state::AppState,
};

/// A session lasts this long.
const SESSION_SECONDS: i64 = 8 * 3600;
/// The cookie holding the state of a pending OIDC sign-on.
const OIDC_COOKIE: &str = "remit_oidc";
/// How long a sign-on may take at the identity provider.
const PENDING_SECONDS: i64 = 600;

/// A local sign-in.
#[derive(Deserialize, ToSchema)]
pub(crate) struct Login {
    username: String,
    password: String,
}

fn session_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("remit_session=; Max-Age=0; Path=/"))
}

async fn open_session(state: &AppState, user: &UserRow, source: &str) -> Result<(HeaderValue, String), ApiError> {
    let new = remit_auth::secret::NewSession::generate().map_err(|e| ApiError::internal(&e))?;
    let (secret, id_hash, csrf) = (new.value.clone(), new.hash.clone(), new.csrf.clone());
    let now = remit_findings::Timestamp::now().unix();
    state
        .store
        .create_session(&SessionRow {
            id_hash,
            user: user.name.clone(),
            csrf: csrf.clone(),
            created_at: now,
            expires_at: now + SESSION_SECONDS,
            source: source.to_owned(),
        })
        .await?;
    state.store.purge_sessions(now).await?;
    Ok((session_cookie(state, &secret, SESSION_SECONDS), csrf))
}

fn me_json(user: &UserRow, csrf: Option<&str>) -> serde_json::Value {
    json!({"user": {"name": user.name, "display": user.display, "role": user.role, "email": user.email}, "csrf": csrf})
}

/// How one may sign in here (no sign-in needed): local passwords, and OIDC single sign-on
/// when configured.
#[utoipa::path(get, path = "/api/auth/methods", tag = "session", responses((status = 200, description = "`{password: true, oidc: bool}`")))]
pub(crate) async fn methods(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(json!({"password": true, "oidc": state.oidc.is_some()}))
}

/// Signs in with a local account's password; sets the session cookie.
#[utoipa::path(post, path = "/api/login", tag = "session", request_body = Login,
    responses((status = 200, description = "Signed in: the user and the CSRF token"), (status = 401, description = "Wrong name or password"), (status = 429, description = "Too many failures: wait Retry-After seconds")))]
pub(crate) async fn login(
    State(state): State<Arc<AppState>>,
    Source(source): Source,
    Json(body): Json<Login>,
) -> Result<Response, ApiError> {
    use remit_auth::ratelimit::{RateLimit, Verdict, account_key, source_key};
    let now = remit_findings::Timestamp::now().unix();
    let user_key = account_key(&body.username);
    let source_key = source_key(&source);
    let by_user = state.store.login_failures_since(&user_key, RateLimit::PER_ACCOUNT.window_start(now)).await?;
    let by_source = state.store.login_failures_since(&source_key, RateLimit::PER_SOURCE.window_start(now)).await?;
    let event = |outcome, why: &str| {
        remit_store::AuditEvent::new(&body.username, "login", &body.username, &source)
            .with_outcome(outcome)
            .with_detail(json!({"method": "password", "reason": why}))
    };
    let verdict = RateLimit::both(
        RateLimit::PER_ACCOUNT.check(by_user, None, now),
        RateLimit::PER_SOURCE.check(by_source, None, now),
    );
    if let Verdict::RetryAfter(wait) = verdict {
        state.store.audit(&event(Outcome::Denied, "rate limited")).await?;
        let mut err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many failed sign-ins: wait and try again",
        );
        err.retry_after = Some(wait.as_secs());
        return Err(err);
    }
    let user = state.store.user(&body.username).await?;
    // The password is checked even for an unknown, disabled or password-less user, so that
    // timing does not tell which names exist.
    let ok = match user.as_ref() {
        Some(u) if !u.disabled => match &u.password_hash {
            Some(stored) => remit_auth::password::verify(&body.password, stored),
            None => remit_auth::password::verify_unknown_user(&body.password),
        },
        _ => remit_auth::password::verify_unknown_user(&body.password),
    } && user.as_ref().is_some_and(|u| !u.disabled && u.password_hash.is_some());
    let Some(user) = user.filter(|_| ok) else {
        state.store.login_failure(&user_key, now).await?;
        state.store.login_failure(&source_key, now).await?;
        state.store.audit(&event(Outcome::Failure, "wrong name or password")).await?;
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "bad_credentials", "wrong name or password"));
    };
    state.store.clear_login_failures(&user_key).await?;
    let (cookie_value, csrf) = open_session(&state, &user, &source).await?;
    state.store.audit(&event(Outcome::Success, "")).await?;
    let mut response = Json(me_json(&user, Some(&csrf))).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie_value);
    Ok(response)
}

/// Signs out: the session is deleted on the server.
#[utoipa::path(post, path = "/api/logout", tag = "session", responses((status = 204, description = "Signed out")))]
pub(crate) async fn logout(State(state): State<Arc<AppState>>, caller: Caller) -> Result<Response, ApiError> {
    if let Via::Session { id_hash, .. } = &caller.via {
        state.store.delete_session(id_hash).await?;
    }
    state.store.audit(&caller.event("logout", &caller.user, Outcome::Success, json!({}))).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().append(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(response)
}

/// The signed-in user, and the session's CSRF token.
#[utoipa::path(get, path = "/api/me", tag = "session", responses((status = 200, description = "The user"), (status = 401, description = "Not signed in")))]
pub(crate) async fn me(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<serde_json::Value>, ApiError> {
    let user = state.store.user(&caller.user).await?.ok_or_else(ApiError::unauthenticated)?;
    let csrf = match &caller.via {
        Via::Session { csrf, .. } => Some(csrf.as_str()),
        Via::Token { .. } => None,
    };
    let mut out = me_json(&user, csrf);
    out["user"]["role"] = json!(caller.role.as_str());
    out["oidc"] = json!(state.oidc.is_some());
    Ok(Json(out))
}

/// Starts OIDC single sign-on: redirects to the identity provider.
#[utoipa::path(get, path = "/auth/oidc/login", tag = "session", responses((status = 303, description = "To the identity provider"), (status = 404, description = "OIDC is not configured")))]
pub(crate) async fn oidc_login(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let oidc = state.oidc.as_ref().ok_or_else(|| ApiError::not_found("single sign-on is not configured"))?;
    let (url, pending) = oidc.begin();
    // The nonce and the PKCE verifier stay on the server (in the database, so that the
    // provider's answer may reach any instance), keyed by the state's hash; the browser keeps
    // only the state, in a cookie that ties the answer to the browser that asked (login CSRF).
    let now = remit_findings::Timestamp::now().unix();
    let body = serde_json::to_string(&pending).map_err(|e| ApiError::internal(&e))?;
    state
        .store
        .put_pending_login(&remit_auth::secret::sha256_hex(&pending.state), &body, now + PENDING_SECONDS, now)
        .await?;
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    // Lax, not Strict: the identity provider's redirect back is a cross-site navigation, which
    // must carry it.
    let cookie_value = HeaderValue::from_str(&format!(
        "{OIDC_COOKIE}={}; HttpOnly; SameSite=Lax; Path=/auth/oidc; Max-Age={PENDING_SECONDS}{secure}",
        pending.state
    ))
    .map_err(|e| ApiError::internal(&e))?;
    let mut response = Redirect::to(&url).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie_value);
    Ok(response)
}

/// The identity provider's answer.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// Completes OIDC single sign-on: checks the answer, signs the user in (creating the account
/// on first sign-on, with the configured default role) and redirects to the console.
#[utoipa::path(get, path = "/auth/oidc/callback", tag = "session", params(Callback),
    responses((status = 303, description = "Signed in: to the console"), (status = 401, description = "The sign-on failed")))]
pub(crate) async fn oidc_callback(
    State(state): State<Arc<AppState>>,
    Source(source): Source,
    headers: HeaderMap,
    Query(callback): Query<Callback>,
) -> Result<Response, ApiError> {
    let oidc = state.oidc.as_ref().ok_or_else(|| ApiError::not_found("single sign-on is not configured"))?;
    let fail = |why: String| {
        let state = state.clone();
        let source = source.clone();
        async move {
            let event = remit_store::AuditEvent::new("unknown", "login", "oidc", &source)
                .with_outcome(Outcome::Failure)
                .with_detail(json!({"method": "oidc", "reason": why}));
            let _ = state.store.audit(&event).await;
            ApiError::new(StatusCode::UNAUTHORIZED, "sso_failed", format!("single sign-on failed: {why}"))
        }
    };
    if let Some(error) = callback.error {
        return Err(fail(format!("the identity provider answered `{error}`")).await);
    }
    let (Some(browser_state), Some(code), Some(returned_state)) =
        (cookie(&headers, OIDC_COOKIE).map(str::to_owned), callback.code, callback.state)
    else {
        return Err(fail("the sign-on was not started here, or expired".to_owned()).await);
    };
    if !remit_auth::secret::constant_time_eq(&browser_state, &returned_state) {
        return Err(fail("the state does not match the sign-on this browser started".to_owned()).await);
    }
    let now = remit_findings::Timestamp::now().unix();
    let pending = match state.store.take_pending_login(&remit_auth::secret::sha256_hex(&returned_state), now).await? {
        Some(body) => serde_json::from_str::<PendingLogin>(&body).map_err(|e| ApiError::internal(&e))?,
        None => return Err(fail("the sign-on was not started here, was already used, or expired".to_owned()).await),
    };
    let identity = match oidc.finish(pending, &code, &returned_state).await {
        Ok(identity) => identity,
        Err(err) => return Err(fail(err.to_string()).await),
    };
    let subject = format!("{}|{}", identity.issuer, identity.subject);
    let user = match state.store.user_by_subject(&subject).await? {
        Some(user) => user,
        None => {
            let name = identity.email.clone().unwrap_or_else(|| identity.subject.clone());
            if state.store.user(&name).await?.is_some() {
                return Err(fail(format!("a local account `{name}` exists: an admin must link it")).await);
            }
            let user = UserRow {
                name: name.clone(),
                display: identity.name.clone().unwrap_or_else(|| name.clone()),
                email: identity.email.clone(),
                role: state.config.oidc_default_role.as_str().to_owned(),
                password_hash: None,
                oidc_subject: Some(subject.clone()),
                disabled: false,
                created_at: remit_findings::Timestamp::now().unix(),
            };
            let event = remit_store::AuditEvent::new(&name, "user.create", &name, &source)
                .with_outcome(Outcome::Success)
                .with_detail(json!({"method": "oidc", "role": user.role, "subject": subject}));
            state.store.create_user(&user, &event).await?;
            user
        }
    };
    if user.disabled {
        return Err(fail(format!("the account `{}` is disabled", user.name)).await);
    }
    parse_role(&user.role)?;
    let (cookie_value, _) = open_session(&state, &user, &source).await?;
    let event = remit_store::AuditEvent::new(&user.name, "login", &user.name, &source)
        .with_outcome(Outcome::Success)
        .with_detail(json!({"method": "oidc", "subject": subject}));
    state.store.audit(&event).await?;
    let mut response = Redirect::to("/#/dashboard").into_response();
    let h = response.headers_mut();
    h.append(header::SET_COOKIE, cookie_value);
    h.append(
        header::SET_COOKIE,
        HeaderValue::from_static("remit_oidc=; HttpOnly; SameSite=Lax; Path=/auth/oidc; Max-Age=0"),
    );
    Ok(response)
}
