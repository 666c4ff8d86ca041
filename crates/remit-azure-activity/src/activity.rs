//! One Azure Activity Log record into who did which RBAC action on which scope, and how it ended.
//!
//! Why a module of its own: the three export shapes name the same facts differently, and the
//! mapping rules (who the caller is, when a failure is an authorization refusal, which events
//! of one operation to count) are what decide "used" — they are kept in one place, each next to
//! the documentation it follows.
//!
//! Shapes (<https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema>):
//! - REST / `az monitor activity-log list`: `eventTimestamp`, `authorization{action,scope}`,
//!   `claims{…}`, `caller`, `status{value}`, `subStatus{value}`, `operationName{value}`,
//!   `operationId`, `correlationId`, `resourceId`, `subscriptionId`, `category{value}`;
//! - diagnostic-setting export (storage JSON Lines, Event Hub `{"records":[…]}`): `time`,
//!   `resourceId`, `operationName`, `resultType`, `resultSignature`, `correlationId`,
//!   `identity{authorization{scope,action,evidence{…}},claims{…}}`, `category`, `properties{…}`;
//! - Log Analytics `AzureActivity` rows: `TimeGenerated`, `OperationNameValue`,
//!   `ActivityStatusValue`, `ActivitySubstatusValue`, `Authorization_d`/`Authorization`,
//!   `Claims_d`/`Claims`, `Properties_d`/`Properties`, `_ResourceId`, `Caller`
//!   (<https://learn.microsoft.com/azure/azure-monitor/reference/tables/azureactivity>).

use remit_activity::{CallerKind, Outcome, window::parse_time};
use serde_json::Value;

use crate::json::{field, first, is_guid, normalize_guid, object, text};

/// Where an event stands in its operation's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// `Started`, `Accepted` or `In Progress`: the operation's end is logged later.
    Intermediate,
    /// `Succeeded`, `Failed`, `Canceled` or anything else: counted.
    Terminal,
}

/// The role assignment that granted a call (`identity.authorization.evidence`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Evidence {
    pub(crate) assignment_id: String,
    pub(crate) role_definition_id: String,
    pub(crate) role: String,
    pub(crate) scope: String,
    pub(crate) assignee: String,
    pub(crate) assignee_type: String,
}

/// What one record says.
#[derive(Debug, Clone)]
pub(crate) struct Activity {
    pub(crate) time: i64,
    pub(crate) principal: Option<(String, CallerKind)>,
    /// The caller's tenant (`tid` claim, else the record's `tenantId`), else the subscription.
    pub(crate) tenant: String,
    pub(crate) subscription: String,
    pub(crate) action: Option<String>,
    pub(crate) resource: String,
    pub(crate) outcome: Outcome,
    pub(crate) phase: Phase,
    /// `operationId`, else `correlationId`: what the events of one operation share.
    pub(crate) operation: Option<String>,
    /// The category (`Administrative`, `ServiceHealth`, `Policy` …), for unmapped events.
    pub(crate) source: String,
    /// The operation's name, for unmapped events.
    pub(crate) name: String,
    pub(crate) evidence: Option<Evidence>,
}

/// The object-id claim (<https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference>,
/// `oid`; the Activity Log writes claims under their WS-Federation URIs).
const OID_CLAIMS: &[&str] = &["http://schemas.microsoft.com/identity/claims/objectidentifier", "oid"];
/// Claims only user tokens carry (`upn`, `unique_name`, `name`).
const USER_CLAIMS: &[&str] = &[
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
    "upn",
    "unique_name",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
];
/// The client application of a token (`appid` v1, `azp` v2).
const APP_CLAIMS: &[&str] = &["appid", "azp"];

/// Who made the call, as Remit names Entra principals: the object id, lower case.
fn caller(
    claims: Option<&Value>,
    evidence: Option<&Evidence>,
    record_caller: Option<&str>,
) -> Option<(String, CallerKind)> {
    let claim = |names: &[&str]| claims.and_then(|c| text(first(c, names)));
    // idtyp is "app" for app-only tokens and "user" for delegated ones (access-token claims
    // reference above); older tokens lack it, and then a user claim decides.
    let kind = match claim(&["idtyp"]).map(str::to_ascii_lowercase).as_deref() {
        Some("app") => CallerKind::Role,
        Some("user") => CallerKind::User,
        _ if claim(USER_CLAIMS).is_some() => CallerKind::User,
        _ if claim(APP_CLAIMS).is_some() => CallerKind::Role,
        _ => match evidence.map(|e| e.assignee_type.to_ascii_lowercase()).as_deref() {
            Some("user") => CallerKind::User,
            Some("serviceprincipal") => CallerKind::Role,
            _ if record_caller.is_some_and(|c| c.contains('@')) => CallerKind::User,
            _ => CallerKind::Unknown,
        },
    };
    if let Some(oid) = claim(OID_CLAIMS).filter(|o| is_guid(o)) {
        return Some((oid.to_ascii_lowercase(), kind));
    }
    // The evidence names the assignment's principal, which is the caller unless the assignment
    // is a group's (https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema,
    // "evidence").
    if let Some(e) = evidence.filter(|e| {
        matches!(e.assignee_type.to_ascii_lowercase().as_str(), "user" | "serviceprincipal") && is_guid(&e.assignee)
    }) {
        return Some((e.assignee.to_ascii_lowercase(), kind));
    }
    // Service principals' calls name their object id as the caller.
    record_caller.filter(|c| is_guid(c)).map(|c| (c.to_ascii_lowercase(), kind))
}

fn evidence_of(authorization: Option<&Value>) -> Option<Evidence> {
    let evidence = object(authorization.and_then(|a| field(a, "evidence")))?;
    let get = |name: &str| text(field(&evidence, name)).unwrap_or("").to_owned();
    // Ids as dashed lower-case GUIDs, as `az role assignment list` names them.
    let id = |name: &str| {
        let raw = get(name);
        normalize_guid(&raw).unwrap_or_else(|| raw.to_ascii_lowercase())
    };
    let assignment_id = id("roleAssignmentId");
    if assignment_id.is_empty() {
        return None;
    }
    Some(Evidence {
        assignment_id,
        role_definition_id: id("roleDefinitionId"),
        role: get("role"),
        scope: get("roleAssignmentScope").to_ascii_lowercase(),
        assignee: id("principalId"),
        assignee_type: get("principalType"),
    })
}

/// Markers of a refusal by authorization: `AuthorizationFailed` (and `LinkedAuthorizationFailed`)
/// error codes and HTTP 403 `Forbidden`
/// (<https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-codes>,
/// `AuthorizationFailed`; the Activity Log's `subStatus` / `properties.statusCode`).
fn is_refusal(texts: &[Option<&str>]) -> bool {
    texts.iter().flatten().any(|t| {
        let t = t.to_ascii_lowercase();
        t.contains("authorizationfailed") || t.contains("forbidden") || t.trim() == "403"
    })
}

/// The phase and outcome of a status: `Started`, `Accepted`, `Succeeded`, `Failed` (REST), or
/// `Start`, `Accept`, `Success`, `Failure` (diagnostic `resultType`, Log Analytics).
fn status_of(status: Option<&str>, refused: bool) -> (Phase, Outcome) {
    let status = status.unwrap_or("").trim().to_ascii_lowercase();
    if status.starts_with("start") || status.starts_with("accept") || status.replace(' ', "") == "inprogress" {
        (Phase::Intermediate, Outcome::Allowed)
    } else if status.starts_with("succe") {
        (Phase::Terminal, Outcome::Allowed)
    } else if refused && (status.starts_with("fail") || status.is_empty()) {
        (Phase::Terminal, Outcome::Denied)
    } else {
        // Failed, Canceled, or a status this reader does not know: the call got past
        // authorization as far as the log says, so it counts as used (remit_activity::Outcome).
        (Phase::Terminal, Outcome::Failed)
    }
}

/// The subscription of a resource id (`/subscriptions/{id}/…`).
fn subscription_of(resource: &str) -> Option<&str> {
    let mut parts = resource.split('/').filter(|p| !p.is_empty());
    while let Some(part) = parts.next() {
        if part.eq_ignore_ascii_case("subscriptions") {
            return parts.next();
        }
    }
    None
}

/// Reads one record.
pub(crate) fn activity(record: &Value) -> Result<Activity, String> {
    if !record.is_object() {
        return Err("not a JSON object".into());
    }
    let time_text = text(first(record, &["eventTimestamp", "time", "TimeGenerated"]));
    let time = time_text.and_then(parse_time).ok_or("eventTimestamp (or time) is missing or not an ISO 8601 time")?;
    let identity = object(field(record, "identity"));
    let authorization = object(first(record, &["authorization", "Authorization_d"]))
        .or_else(|| identity.as_ref().and_then(|i| object(field(i, "authorization"))));
    let claims = object(first(record, &["claims", "Claims_d"]))
        .or_else(|| identity.as_ref().and_then(|i| object(field(i, "claims"))));
    let properties = object(first(record, &["properties", "Properties_d"]));
    let evidence = evidence_of(authorization.as_ref());
    let record_caller = text(first(record, &["caller"]));
    let principal = caller(claims.as_ref(), evidence.as_ref(), record_caller);
    let auth_text = |name: &str| authorization.as_ref().and_then(|a| text(field(a, name)));
    let action = auth_text("action").map(str::to_owned);
    let resource = text(first(record, &["resourceId", "_ResourceId"]))
        .or_else(|| auth_text("scope"))
        .map_or_else(|| "*".to_owned(), str::to_ascii_lowercase);
    let subscription = text(first(record, &["subscriptionId"]))
        .map(str::to_owned)
        .or_else(|| subscription_of(&resource).map(str::to_owned))
        .unwrap_or_default()
        .to_ascii_lowercase();
    let prop = |name: &str| properties.as_ref().and_then(|p| text(field(p, name)));
    let refused = is_refusal(&[
        text(first(record, &["subStatus", "ActivitySubstatusValue", "ActivitySubstatus", "resultSignature"])),
        prop("statusCode"),
        prop("statusMessage"),
        prop("message"),
    ]);
    let status = text(first(record, &["status", "ActivityStatusValue", "ActivityStatus", "resultType"]));
    let (phase, outcome) = status_of(status, refused);
    let operation = text(first(record, &["operationId"]))
        .or_else(|| text(first(record, &["correlationId"])))
        .map(str::to_ascii_lowercase);
    let tenant = claims
        .as_ref()
        .and_then(|c| text(first(c, &["http://schemas.microsoft.com/identity/claims/tenantid", "tid"])))
        .or_else(|| text(first(record, &["tenantId"])))
        .map_or_else(|| subscription.clone(), str::to_ascii_lowercase);
    let source = text(first(record, &["category", "CategoryValue"])).unwrap_or("activity").to_owned();
    let name = text(first(record, &["operationName", "OperationNameValue"])).unwrap_or("(no operationName)").to_owned();
    Ok(Activity {
        time,
        principal,
        tenant,
        subscription,
        action,
        resource,
        outcome,
        phase,
        operation,
        source,
        name,
        evidence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const OID: &str = "http://schemas.microsoft.com/identity/claims/objectidentifier";

    #[test]
    fn statuses_map_to_phases_and_outcomes() {
        assert_eq!(status_of(Some("Started"), false), (Phase::Intermediate, Outcome::Allowed));
        assert_eq!(status_of(Some("Accept"), false), (Phase::Intermediate, Outcome::Allowed));
        assert_eq!(status_of(Some("Succeeded"), false), (Phase::Terminal, Outcome::Allowed));
        assert_eq!(status_of(Some("Success"), false), (Phase::Terminal, Outcome::Allowed));
        assert_eq!(status_of(Some("Failed"), true), (Phase::Terminal, Outcome::Denied));
        assert_eq!(status_of(Some("Failure"), false), (Phase::Terminal, Outcome::Failed));
        assert_eq!(status_of(Some("Canceled"), true), (Phase::Terminal, Outcome::Failed));
    }

    #[test]
    fn refusals_are_authorization_failures_and_403_only() {
        assert!(is_refusal(&[Some("Forbidden")]));
        assert!(is_refusal(&[None, Some("{\"error\":{\"code\":\"AuthorizationFailed\"}}")]));
        assert!(is_refusal(&[Some("403")]));
        assert!(!is_refusal(&[Some("Conflict"), Some("{\"error\":{\"code\":\"ResourceNotFound\"}}")]));
        assert!(!is_refusal(&[None]));
    }

    #[test]
    fn the_caller_is_the_object_id_claim_then_the_evidence_then_a_guid_caller() {
        let oid = "AAAAAAAA-0000-0000-0000-000000000001";
        let claims = json!({OID: oid, "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "a@b.c"});
        assert_eq!(caller(Some(&claims), None, None), Some((oid.to_ascii_lowercase(), CallerKind::User)));
        let app = json!({OID: oid, "appid": "x", "idtyp": "app"});
        assert_eq!(caller(Some(&app), None, None).map(|c| c.1), Some(CallerKind::Role));
        let evidence = |t: &str| Evidence {
            assignment_id: "a".into(),
            role_definition_id: "d".into(),
            role: "Reader".into(),
            scope: "/".into(),
            assignee: "bbbbbbbb-0000-0000-0000-000000000002".into(),
            assignee_type: t.into(),
        };
        assert_eq!(caller(None, Some(&evidence("User")), None).map(|c| c.1), Some(CallerKind::User));
        // A group's assignment does not name the caller.
        assert_eq!(caller(None, Some(&evidence("Group")), Some("a@b.c")), None);
        assert_eq!(
            caller(None, None, Some("cccccccc-0000-0000-0000-000000000003")).map(|c| c.0),
            Some("cccccccc-0000-0000-0000-000000000003".to_owned())
        );
        assert_eq!(caller(None, None, Some("a@b.c")), None);
    }

    #[test]
    fn subscriptions_come_from_resource_ids() {
        assert_eq!(subscription_of("/SUBSCRIPTIONS/abc/resourceGroups/rg"), Some("abc"));
        assert_eq!(subscription_of("/providers/Microsoft.Management/managementGroups/mg"), None);
    }
}
