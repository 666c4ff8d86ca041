//! Errors as the API answers them: a status and `{"error": {"code", "message"}}`.
//!
//! Why messages are chosen here: an internal error's text may name a database host or a file;
//! it is logged on the server and the client gets a generic message with a correlation id.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response =
            (self.status, Json(json!({"error": {"code": self.code, "message": self.message}}))).into_response();
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

impl From<remit_aws_analysis::QueryError> for ApiError {
    fn from(err: remit_aws_analysis::QueryError) -> ApiError {
        ApiError::bad_request(err.to_string())
    }
}
