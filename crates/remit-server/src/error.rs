//! Errors as the API answers them: a status and `{"error": {"code", "message"}}`.
//!
//! Why messages are chosen here: an internal error's text may name a database host or a file;
//! it is logged on the server and the client gets a generic message with a correlation id.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable code (`not_found`, `forbidden` ...).
    pub code: &'static str,
    /// For people.
    pub message: String,
    /// Seconds to wait, for 429.
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), retry_after: None }
    }
    /// 400.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    /// 401.
    pub fn unauthenticated() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "sign in, or present an API token")
    }
    /// 403.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    /// 500, logged with a correlation id that the client sees instead of the details.
    pub fn internal(err: &dyn std::fmt::Display) -> ApiError {
        let id = remit_auth::secret::new_csrf_token().unwrap_or_default();
        let id = id.get(..12).unwrap_or(&id).to_owned();
        eprintln!("remit serve: internal error {id}: {err}");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("internal error (reference {id})"))
    }
}

/// The error shape of every failed answer (documented in the OpenAPI document).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

/// What went wrong.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorDetail {
    /// A stable code: `bad_request`, `unauthenticated`, `forbidden`, `not_found`, `conflict`,
    /// `rate_limited`, `internal` ...
    code: String,
    /// For people.
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: ErrorDetail { code: self.code.to_owned(), message: self.message } };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

impl From<remit_store::StoreError> for ApiError {
    fn from(err: remit_store::StoreError) -> ApiError {
        // What a change names may not exist (lifting a suppression that is not there) or may
        // exist already (two admins creating one user): the client's doing, not a fault. The
        // message leaves out the database (its file or host).
        match err {
            remit_store::StoreError::NotFound { what, .. } => ApiError::not_found(format!("no {what}")),
            remit_store::StoreError::Conflict { what, .. } => {
                ApiError::new(StatusCode::CONFLICT, "conflict", format!("{what} exists already"))
            }
            other => ApiError::internal(&other),
        }
    }
}

impl From<remit_history::HistoryError> for ApiError {
    fn from(err: remit_history::HistoryError) -> ApiError {
        match err {
            remit_history::HistoryError::NoSnapshot(message) => ApiError::not_found(message),
            other => ApiError::internal(&other),
        }
    }
}

impl From<remit_estate::CloudQueryError> for ApiError {
    fn from(err: remit_estate::CloudQueryError) -> ApiError {
        ApiError::bad_request(err.to_string())
    }
}

impl From<remit_aws_analysis::QueryError> for ApiError {
    fn from(err: remit_aws_analysis::QueryError) -> ApiError {
        ApiError::bad_request(err.to_string())
    }
}

/// Answers every API error as JSON, including those axum gives before a handler runs (a
/// missing query parameter, a malformed body, an unknown route, a method not allowed), which
/// it answers in plain text or with an empty body.
pub(crate) async fn json_errors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = request.uri().path().starts_with("/api/") || request.uri().path().starts_with("/auth/");
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !api || !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    // A body that is not JSON, or JSON of the wrong shape, is a bad request like any other:
    // one status for clients to handle.
    let status = match status {
        StatusCode::UNSUPPORTED_MEDIA_TYPE | StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
        other => other,
    };
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let code = match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        _ if status.is_server_error() => "internal",
        _ => "error",
    };
    let message = match (text.trim(), status) {
        ("", StatusCode::NOT_FOUND) => "no such route".to_owned(),
        ("", StatusCode::METHOD_NOT_ALLOWED) => "this route does not take this method".to_owned(),
        ("", _) => status.canonical_reason().unwrap_or("error").to_owned(),
        (t, _) => t.to_owned(),
    };
    let mut answer = ApiError::new(status, code, message).into_response();
    for (name, value) in parts.headers.iter().filter(|(n, _)| *n == header::ALLOW || *n == header::RETRY_AFTER) {
        answer.headers_mut().insert(name.clone(), value.clone());
    }
    answer
}
