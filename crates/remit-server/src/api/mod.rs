//! The routes, with their OpenAPI annotations: the document at `/api/openapi.json` is generated
//! from these, so it cannot drift from what is served.
//!
//! Conventions shared by every route: reads take `env`, `at` (a date or RFC 3339 time: the
//! newest snapshot taken then or before) or `snapshot`, and answer with the snapshot they used;
//! lists take `q`, `sort`, `order`, `limit` and `offset` and answer `{total, offset, limit,
//! items}`.

use std::sync::Arc;

use axum::Router;
use remit_history::Selection;
use remit_store::SnapshotRow;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{error::ApiError, state::AppState};

mod admin;
pub use admin::verification_json;
mod queries;
mod session;
mod views;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Remit",
        description = "Who can do what, on which cloud resource, why, and do they use it. Every read takes `env`, `at` or `snapshot`; lists take `q`, `sort`, `order`, `limit`, `offset`. Authenticate with the session cookie from `POST /api/login` (and send `X-CSRF-Token` on changes) or `Authorization: Bearer rmt_…`.",
        license(name = "Apache-2.0")
    ),
    components(schemas(session::Login, views::SuppressBody, admin::NewUser, admin::UserPatch, admin::NewToken, admin::PolicyBody)),
    tags(
        (name = "session", description = "Signing in and out"),
        (name = "views", description = "Snapshots, dashboard, identities, resources, findings, diffs, search"),
        (name = "queries", description = "who-can, what-can, explain, can-become, exposure, usage, creep, right-sizing"),
        (name = "admin", description = "Users, API tokens, Cedar policies and the audit trail"),
    )
)]
struct ApiDoc;

fn api_router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(session::methods))
        .routes(routes!(session::login))
        .routes(routes!(session::logout))
        .routes(routes!(session::me))
        .routes(routes!(session::oidc_login))
        .routes(routes!(session::oidc_callback))
        .routes(routes!(views::health))
        .routes(routes!(views::snapshots))
        .routes(routes!(views::dashboard))
        .routes(routes!(views::principals))
        .routes(routes!(views::principal))
        .routes(routes!(views::resources))
        .routes(routes!(views::resource))
        .routes(routes!(views::findings))
        .routes(routes!(views::finding))
        .routes(routes!(views::suppress, views::unsuppress))
        .routes(routes!(views::diff))
        .routes(routes!(views::search))
        .routes(routes!(queries::who_can))
        .routes(routes!(queries::what_can))
        .routes(routes!(queries::explain))
        .routes(routes!(queries::can_become))
        .routes(routes!(queries::exposure))
        .routes(routes!(queries::usage))
        .routes(routes!(queries::unused))
        .routes(routes!(queries::creep))
        .routes(routes!(queries::rightsize))
        .routes(routes!(admin::audit))
        .routes(routes!(admin::audit_verify))
        .routes(routes!(admin::audit_export))
        .routes(routes!(admin::users, admin::create_user))
        .routes(routes!(admin::update_user))
        .routes(routes!(admin::tokens, admin::create_token))
        .routes(routes!(admin::revoke_token))
        .routes(routes!(admin::policies))
        .routes(routes!(admin::put_policy, admin::delete_policy))
}

pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    with_error_responses(api_router().split_for_parts().1)
}

use crate::error::{ErrorBody, ErrorDetail};

/// Every operation documents the errors every route may answer (a bad parameter, no or a
/// wrong credential, a refusal by Cedar, something not in the snapshot, throttling, an
/// internal error), with the one error body, unless it documents them itself.
fn with_error_responses(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let common = [
        ("400", "A parameter or the body is not valid"),
        ("401", "Not signed in, or the API token is unknown, expired or revoked"),
        ("403", "Refused by Remit's Cedar policies for the caller's role or token scopes, or a CSRF check failed"),
        ("404", "Not found (a snapshot, principal, finding ...)"),
        ("429", "Too many failed sign-ins: wait Retry-After seconds"),
        ("500", "Internal error (logged on the server with the reference given)"),
    ];
    let components = api.components.get_or_insert_with(Default::default);
    components.schemas.insert("ErrorBody".to_owned(), <ErrorBody as utoipa::PartialSchema>::schema());
    components.schemas.insert("ErrorDetail".to_owned(), <ErrorDetail as utoipa::PartialSchema>::schema());
    for item in api.paths.paths.values_mut() {
        let operations =
            [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten();
        for operation in operations {
            for (status, description) in common {
                operation.responses.responses.entry(status.to_owned()).or_insert_with(|| {
                    RefOr::T(
                        ResponseBuilder::new()
                            .description(description)
                            .content(
                                "application/json",
                                ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build(),
                            )
                            .build(),
                    )
                });
            }
        }
    }
    api
}

pub(crate) fn router(state: Arc<AppState>) -> Router {
    let (router, api) = api_router().split_for_parts();
    let api = with_error_responses(api);
    let document = Arc::new(api);
    router
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let document = document.clone();
                async move { axum::Json(document.as_ref().clone()) }
            }),
        )
        .with_state(state)
}

/// Which snapshot a read is about.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct At {
    /// The environment (default: the one most recently captured).
    pub(crate) env: Option<String>,
    /// The newest snapshot taken at or before this time (`YYYY-MM-DD` or RFC 3339).
    pub(crate) at: Option<String>,
    /// This snapshot.
    pub(crate) snapshot: Option<i64>,
}

impl At {
    /// What Cedar is asked about: the environment named (`""`: the default one).
    pub(crate) fn resource(&self) -> remit_auth::authorize::Resource {
        remit_auth::authorize::Resource::Environment(self.env.clone().unwrap_or_default())
    }

    pub(crate) async fn resolve(&self, state: &AppState) -> Result<SnapshotRow, ApiError> {
        let at = match &self.at {
            Some(text) if !text.is_empty() => Some(
                remit_findings::Timestamp::parse(text)
                    .map_err(|_| ApiError::bad_request(format!("at: `{text}` is not YYYY-MM-DD or an RFC 3339 time")))?
                    .unix(),
            ),
            _ => None,
        };
        Ok(state
            .history
            .resolve(&Selection { env: self.env.clone().filter(|e| !e.is_empty()), at, snapshot: self.snapshot })
            .await?)
    }
}

/// Paging, filtering and sorting of lists.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Page {
    /// Only items whose text contains this (case-insensitive).
    pub(crate) q: Option<String>,
    /// The field to sort by (each list documents its fields).
    pub(crate) sort: Option<String>,
    /// `asc` or `desc`.
    pub(crate) order: Option<String>,
    /// At most this many items (default 50, at most 1000).
    pub(crate) limit: Option<usize>,
    /// Skip this many.
    pub(crate) offset: Option<usize>,
}

impl Page {
    /// Filters by `q` (over every string of the item), sorts by `sort` (numbers as numbers,
    /// the rest as text, then by `tiebreak`), slices, and wraps.
    pub(crate) fn apply(&self, mut items: Vec<Value>, default_sort: &str, tiebreak: &str) -> Result<Value, ApiError> {
        if let Some(q) = self.q.as_deref().filter(|q| !q.is_empty()) {
            let q = q.to_lowercase();
            items.retain(|item| contains(item, &q));
        }
        let sort = self.sort.as_deref().unwrap_or(default_sort);
        let descending = match self.order.as_deref() {
            None | Some("") => {
                sort != tiebreak && items.first().is_some_and(|i| i.get(sort).is_some_and(Value::is_number))
            }
            Some("asc") => false,
            Some("desc") => true,
            Some(other) => return Err(ApiError::bad_request(format!("order: `{other}`: expected asc or desc"))),
        };
        if !items.is_empty() && items.iter().all(|i| i.get(sort).is_none()) {
            return Err(ApiError::bad_request(format!("sort: no field `{sort}` in these items")));
        }
        items.sort_by(|a, b| {
            let ord = compare(a.get(sort), b.get(sort));
            let ord = if descending { ord.reverse() } else { ord };
            ord.then_with(|| compare(a.get(tiebreak), b.get(tiebreak)))
        });
        let total = items.len();
        let limit = self.limit.unwrap_or(50).clamp(1, 1000);
        let offset = self.offset.unwrap_or(0).min(total);
        let page: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
        Ok(json!({"total": total, "offset": offset, "limit": limit, "items": page}))
    }
}

fn contains(value: &Value, q: &str) -> bool {
    match value {
        Value::String(s) => s.to_lowercase().contains(q),
        Value::Array(a) => a.iter().any(|v| contains(v, q)),
        Value::Object(o) => o.values().any(|v| contains(v, q)),
        _ => false,
    }
}

fn compare(a: Option<&Value>, b: Option<&Value>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => {
            x.as_f64().unwrap_or(0.0).total_cmp(&y.as_f64().unwrap_or(0.0))
        }
        (Some(x), Some(y)) => text(x).cmp(&text(y)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A snapshot as answers name it.
/// True when a resource name belongs to Azure or Google Cloud, whose engines the estate holds
/// (AWS's is the snapshot's own analysis).
pub(crate) fn cloud_of_resource_is_other(resource: &str) -> bool {
    matches!(remit_estate::route::resource_cloud(resource), Some(remit_model::Cloud::Azure | remit_model::Cloud::Gcp))
}

pub(crate) fn snapshot_json(s: &SnapshotRow) -> Value {
    json!({
        "id": s.id, "env": s.env, "cloud": s.cloud, "source": s.source,
        "taken_at": remit_findings::Timestamp::from_unix(s.taken_at).to_string(),
        "created_at": remit_findings::Timestamp::from_unix(s.created_at).to_string(),
        "previous": s.previous, "summary": s.summary,
    })
}

/// Severity order, most severe first.
pub(crate) const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

pub(crate) fn severity_rank(s: &str) -> usize {
    SEVERITIES.iter().position(|x| *x == s).unwrap_or(SEVERITIES.len())
}
