//! One Cloud Audit Logs entry into who checked which permissions on which resources, and how
//! each check ended.
//!
//! Why a module of its own: the mapping rules (who the principal is and how allow policies
//! name it, who was behind an impersonation, which checks were granted) decide "used", and are
//! kept in one place next to the documentation they follow
//! (<https://cloud.google.com/logging/docs/audit/understanding-audit-logs>; the `AuditLog`
//! message: <https://cloud.google.com/logging/docs/reference/audit/auditlog/rest/Shared.Types/AuditLog>).

use remit_activity::{CallerKind, IdentityKind, Outcome, window::parse_time};
use serde_json::Value;

use crate::json::{field, first, text};

/// One permission check of an entry (`authorizationInfo[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Check {
    pub(crate) permission: String,
    pub(crate) resource: String,
    pub(crate) outcome: Outcome,
}

/// What one entry says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entry {
    /// An audit log entry.
    Audit(Box<Audit>),
    /// A log entry whose payload is not an `AuditLog` (a sink exporting more than audit logs).
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Audit {
    pub(crate) time: i64,
    pub(crate) principal: Option<(String, CallerKind)>,
    /// The project the principal belongs to (a service account's), else the log's parent.
    pub(crate) account: String,
    /// The log's parent (`projects/P`, `folders/F`, `organizations/O`, `billingAccounts/B`).
    pub(crate) parent: String,
    /// Which audit log (`activity`, `data_access`, `system_event`, `policy`).
    pub(crate) stream: String,
    /// Who was behind a service account's call (the first of the delegation chain).
    pub(crate) behind: Option<(IdentityKind, String)>,
    pub(crate) checks: Vec<Check>,
    pub(crate) service: String,
    pub(crate) method: String,
    /// The request's outcome (`status.code`).
    pub(crate) outcome: Outcome,
    /// The entry is the last of a long-running operation's entries and not its first.
    pub(crate) operation_end: bool,
}

/// `google.rpc.Code`: 0 OK, 7 PERMISSION_DENIED, 16 UNAUTHENTICATED
/// (<https://cloud.google.com/apis/design/errors#handling_errors>).
fn outcome_of(code: i64) -> Outcome {
    match code {
        0 => Outcome::Allowed,
        7 | 16 => Outcome::Denied,
        _ => Outcome::Failed,
    }
}

/// The member string allow policies use for an e-mail
/// (<https://cloud.google.com/iam/docs/principal-identifiers>): service accounts' addresses end
/// with `.gserviceaccount.com`.
pub(crate) fn member_of_email(email: &str) -> (String, CallerKind) {
    let email = email.trim().to_ascii_lowercase();
    if email.ends_with(".gserviceaccount.com") {
        (format!("serviceAccount:{email}"), CallerKind::Role)
    } else {
        (format!("user:{email}"), CallerKind::User)
    }
}

/// A `principalSubject` (`principal://…` for workforce and workload identity federation,
/// `user:…`, `serviceAccount:…`) as a member string.
fn member_of_subject(subject: &str) -> (String, CallerKind) {
    let subject = subject.trim();
    let kind = if subject.starts_with("principal://") || subject.starts_with("principalSet://") {
        CallerKind::FederatedUser
    } else if subject.starts_with("serviceAccount:") {
        CallerKind::Role
    } else if subject.starts_with("user:") {
        CallerKind::User
    } else {
        CallerKind::Unknown
    };
    (subject.to_owned(), kind)
}

/// The project of a user-managed service account (`name@PROJECT.iam.gserviceaccount.com`);
/// service agents (`service-NUMBER@gcp-sa-SERVICE.iam.gserviceaccount.com`) belong to Google
/// (<https://cloud.google.com/iam/docs/service-account-types>).
fn project_of_service_account(member: &str) -> Option<&str> {
    let email = member.strip_prefix("serviceAccount:")?;
    let domain = email.split_once('@')?.1;
    domain
        .strip_suffix(".iam.gserviceaccount.com")
        .filter(|p| !p.is_empty() && !p.contains('.') && !p.starts_with("gcp-sa-"))
}

/// The parent and audit log of a `logName` (`projects/P/logs/cloudaudit.googleapis.com%2Factivity`).
fn log_of(name: &str) -> (String, String) {
    let (parent, log) = name.split_once("/logs/").unwrap_or(("", name));
    let log = log.replace("%2F", "/").replace("%2f", "/");
    let stream = log.strip_prefix("cloudaudit.googleapis.com/").unwrap_or(&log);
    (parent.to_owned(), stream.to_owned())
}

/// Who the first of a delegation chain is: `firstPartyPrincipal.principalEmail`, a
/// `principalSubject`, or a third-party principal's claims
/// (<https://cloud.google.com/logging/docs/reference/audit/auditlog/rest/Shared.Types/AuditLog#serviceaccountdelegationinfo>;
/// the chain is in delegation order, the original authority first).
fn behind_of(authentication: &Value) -> Result<Option<(IdentityKind, String)>, String> {
    let Some(chain) = field(authentication, "serviceAccountDelegationInfo").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let chain = chain.as_array().ok_or("authenticationInfo.serviceAccountDelegationInfo is not an array")?;
    let Some(original) = chain.first() else { return Ok(None) };
    if let Some(email) = field(original, "firstPartyPrincipal").and_then(|p| text(field(p, "principalEmail"))) {
        return Ok(Some((IdentityKind::SourceIdentity, member_of_email(email).0)));
    }
    if let Some(subject) = text(field(original, "principalSubject")) {
        return Ok(Some((IdentityKind::SourceIdentity, member_of_subject(subject).0)));
    }
    if let Some(third) = field(original, "thirdPartyPrincipal").filter(|v| v.is_object()) {
        let claims = field(third, "thirdPartyClaims").unwrap_or(third);
        return Ok(Some((IdentityKind::WebIdentity, claims.to_string())));
    }
    Err("authenticationInfo.serviceAccountDelegationInfo[0] names no principal".into())
}

/// BigQuery exports write timestamps as `2021-03-18 18:38:34.926563 UTC`.
fn time_of(text: &str) -> Option<i64> {
    parse_time(text.strip_suffix(" UTC").unwrap_or(text))
}

/// Reads one entry.
pub(crate) fn entry(record: &Value) -> Result<Entry, String> {
    if !record.is_object() {
        return Err("not a JSON object".into());
    }
    let Some(payload) = first(record, &["protoPayload", "protopayload_auditlog"]) else {
        return Ok(Entry::Other);
    };
    if let Some(kind) = text(first(payload, &["@type", "at_sign_type"]))
        && !kind.ends_with("google.cloud.audit.AuditLog")
    {
        return Ok(Entry::Other);
    }
    if !payload.is_object() {
        return Err("protoPayload is not an object".into());
    }
    let time =
        text(field(record, "timestamp")).and_then(time_of).ok_or("timestamp is missing or not an RFC 3339 time")?;
    let (mut parent, stream) = text(field(record, "logName")).map(log_of).unwrap_or_default();
    if parent.is_empty()
        && let Some(project) =
            field(record, "resource").and_then(|r| field(r, "labels")).and_then(|l| text(field(l, "project_id")))
    {
        parent = format!("projects/{project}");
    }
    let authentication = field(payload, "authenticationInfo").filter(|v| !v.is_null());
    if authentication.is_some_and(|a| !a.is_object()) {
        return Err("protoPayload.authenticationInfo is not an object".into());
    }
    let principal = authentication.and_then(|a| {
        text(field(a, "principalEmail"))
            .map(member_of_email)
            .or_else(|| text(field(a, "principalSubject")).map(member_of_subject))
    });
    let behind = match authentication {
        Some(a) => behind_of(a)?,
        None => None,
    };
    let code = match field(payload, "status").and_then(|s| field(s, "code")) {
        None | Some(Value::Null) => 0,
        Some(Value::Number(n)) => n.as_i64().ok_or("protoPayload.status.code is not an integer")?,
        // BigQuery exports write INT64 columns as strings.
        Some(Value::String(s)) => s.trim().parse().map_err(|_| "protoPayload.status.code is not an integer")?,
        Some(_) => return Err("protoPayload.status.code is not an integer".into()),
    };
    let outcome = outcome_of(code);
    let resource_name = text(field(payload, "resourceName")).unwrap_or("*");
    let mut checks = Vec::new();
    match field(payload, "authorizationInfo") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let permission = text(field(item, "permission"))
                    .ok_or_else(|| format!("protoPayload.authorizationInfo[{i}].permission is missing"))?;
                // proto3 JSON omits false: a check without `granted` was not granted.
                let granted = match field(item, "granted") {
                    None | Some(Value::Null) => false,
                    Some(Value::Bool(b)) => *b,
                    Some(_) => return Err(format!("protoPayload.authorizationInfo[{i}].granted is not a boolean")),
                };
                let check_outcome = match (granted, outcome) {
                    (false, _) => Outcome::Denied,
                    (true, Outcome::Allowed) => Outcome::Allowed,
                    // Granted, but the request failed (for another check, or later): used.
                    (true, _) => Outcome::Failed,
                };
                let resource = text(field(item, "resource")).unwrap_or(resource_name);
                checks.push(Check {
                    permission: permission.to_owned(),
                    resource: resource.to_owned(),
                    outcome: check_outcome,
                });
            }
        }
        Some(_) => return Err("protoPayload.authorizationInfo is not an array".into()),
    }
    // https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry#LogEntryOperation
    let flag =
        |name: &str| field(record, "operation").and_then(|o| field(o, name)).and_then(Value::as_bool) == Some(true);
    let operation_end = flag("last") && !flag("first");
    let account = principal
        .as_ref()
        .and_then(|(m, _)| project_of_service_account(m))
        .map_or_else(|| parent.clone(), |p| format!("projects/{p}"));
    Ok(Entry::Audit(Box::new(Audit {
        time,
        principal,
        account,
        parent,
        stream,
        behind,
        checks,
        service: text(field(payload, "serviceName")).unwrap_or("(no serviceName)").to_owned(),
        method: text(field(payload, "methodName")).unwrap_or("(no methodName)").to_owned(),
        outcome,
        operation_end,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_named_as_allow_policies_name_them() {
        assert_eq!(member_of_email("Alice@Example.com"), ("user:alice@example.com".into(), CallerKind::User));
        assert_eq!(
            member_of_email("ci@proj.iam.gserviceaccount.com"),
            ("serviceAccount:ci@proj.iam.gserviceaccount.com".into(), CallerKind::Role)
        );
        assert_eq!(member_of_email("123-compute@developer.gserviceaccount.com").1, CallerKind::Role);
        assert_eq!(member_of_email("someone@gserviceaccount.com.evil.example").1, CallerKind::User);
        assert_eq!(
            member_of_subject("principal://iam.googleapis.com/locations/global/workforcePools/p/subject/s").1,
            CallerKind::FederatedUser
        );
        assert_eq!(project_of_service_account("serviceAccount:ci@proj.iam.gserviceaccount.com"), Some("proj"));
        assert_eq!(project_of_service_account("serviceAccount:1-compute@developer.gserviceaccount.com"), None);
        assert_eq!(project_of_service_account("serviceAccount:service-1@gcp-sa-pubsub.iam.gserviceaccount.com"), None);
    }

    #[test]
    fn log_names_give_parent_and_stream() {
        assert_eq!(
            log_of("projects/p/logs/cloudaudit.googleapis.com%2Fdata_access"),
            ("projects/p".into(), "data_access".into())
        );
        assert_eq!(log_of("organizations/1/logs/cloudaudit.googleapis.com/activity").1, "activity");
        assert_eq!(outcome_of(7), Outcome::Denied);
        assert_eq!(outcome_of(5), Outcome::Failed);
        assert_eq!(time_of("2021-03-18 18:38:34.926563 UTC"), Some(1_616_092_714));
    }
}
