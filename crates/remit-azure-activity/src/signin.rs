//! Entra sign-in records: that an identity was active, and when it last signed in.
//!
//! Why: sign-ins use no Azure RBAC permission, but they are the best evidence that a user or an
//! application is still in use (inactive identities) and they carry the user principal name
//! that ties an object id to a person. They go to the principal's activity in the rollups (only
//! successful sign-ins: a failed attempt against a dormant account must not make it look
//! active) and to a table of their own with successes, failures and the last success.
//!
//! Shapes: the diagnostic-setting export (`time`, `category` `SignInLogs` …, `resultType` "0" =
//! success, `properties{…}`; <https://learn.microsoft.com/azure/azure-monitor/reference/tables/signinlogs>),
//! Microsoft Graph `signIn` resources (`{"value":[…]}`; <https://learn.microsoft.com/graph/api/resources/signin>),
//! and Log Analytics `SigninLogs` rows (the same properties as columns).

use std::collections::BTreeMap;

use remit_activity::{Counts, Outcome, window::parse_time};
use serde_json::Value;

use crate::json::{field, first, object, text};

/// What kind of identity signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SignInKind {
    /// A user (interactive or not).
    User,
    /// A service principal (an application's identity).
    ServicePrincipal,
    /// A managed identity.
    ManagedIdentity,
}

impl SignInKind {
    /// The kind's name as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            SignInKind::User => "user",
            SignInKind::ServicePrincipal => "service-principal",
            SignInKind::ManagedIdentity => "managed-identity",
        }
    }
}

/// One sign-in record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignIn {
    pub(crate) time: i64,
    pub(crate) principal: String,
    pub(crate) kind: SignInKind,
    pub(crate) tenant: String,
    pub(crate) success: bool,
    pub(crate) user_principal_name: Option<String>,
    pub(crate) display_name: Option<String>,
}

/// The diagnostic categories of sign-in logs (signinlogs table reference above and the
/// diagnostic settings' categories for Entra ID).
const CATEGORIES: &[&str] = &[
    "signinlogs",
    "noninteractiveusersigninlogs",
    "serviceprincipalsigninlogs",
    "managedidentitysigninlogs",
    "microsoftserviceprincipalsigninlogs",
    "adfssigninlogs",
];

/// Whether a record is a sign-in: its category (or Log Analytics `Type`) is a sign-in log's, or
/// it is a Graph `signIn` (`createdDateTime` with a `status`, `userId`, `servicePrincipalId` or
/// `appId`).
pub(crate) fn is_signin(record: &Value) -> bool {
    if let Some(category) = text(first(record, &["category", "Type"]))
        && CATEGORIES.contains(&category.to_ascii_lowercase().as_str())
    {
        return true;
    }
    field(record, "createdDateTime").is_some()
        && ["status", "userId", "servicePrincipalId", "appId"].iter().any(|f| field(record, f).is_some())
}

fn error_code(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Reads one sign-in record.
pub(crate) fn signin(record: &Value) -> Result<SignIn, String> {
    let properties = object(field(record, "properties")).unwrap_or_else(|| record.clone());
    let p = &properties;
    let time = text(first(record, &["time", "TimeGenerated", "createdDateTime"]))
        .or_else(|| text(field(p, "createdDateTime")))
        .and_then(parse_time)
        .ok_or("time (or createdDateTime) is missing or not an ISO 8601 time")?;
    let category = text(first(record, &["category", "Type"])).unwrap_or("").to_ascii_lowercase();
    let event_types: Vec<String> = field(p, "signInEventTypes")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_ascii_lowercase).collect())
        .unwrap_or_default();
    let user = text(field(p, "userId"));
    let service_principal = text(field(p, "servicePrincipalId"));
    // The Graph signIn's servicePrincipalId is the application's for service-principal
    // sign-ins; userId is the user's for user sign-ins (signin resource reference above).
    let kind = if category.contains("managedidentity") || event_types.iter().any(|t| t == "managedidentity") {
        SignInKind::ManagedIdentity
    } else if category.contains("serviceprincipal") || event_types.iter().any(|t| t == "serviceprincipal") {
        SignInKind::ServicePrincipal
    } else if user.is_some() {
        SignInKind::User
    } else if service_principal.is_some() {
        SignInKind::ServicePrincipal
    } else {
        return Err("names neither userId nor servicePrincipalId".into());
    };
    let principal = match kind {
        SignInKind::User => user,
        _ => service_principal,
    }
    .ok_or(match kind {
        SignInKind::User => "a user sign-in without userId",
        _ => "a service principal sign-in without servicePrincipalId",
    })?
    .to_ascii_lowercase();
    // status.errorCode 0 is success (Graph signIn `signInStatus`); the envelope's resultType
    // is the same code as a string.
    let code = field(p, "status")
        .and_then(|s| error_code(field(s, "errorCode")))
        .or_else(|| error_code(first(record, &["resultType", "ResultType"])))
        .ok_or("neither status.errorCode nor resultType is a number")?;
    let tenant = text(first(record, &["tenantId", "AADTenantId"]))
        .or_else(|| text(first(p, &["homeTenantId", "resourceTenantId"])))
        .unwrap_or("")
        .to_ascii_lowercase();
    let name = |names: &[&str]| text(first(p, names)).map(str::to_owned);
    Ok(SignIn {
        time,
        principal,
        kind,
        tenant,
        success: code == 0,
        user_principal_name: name(&["userPrincipalName"]),
        display_name: match kind {
            SignInKind::User => name(&["userDisplayName"]),
            _ => name(&["servicePrincipalName", "appDisplayName"]),
        },
    })
}

/// One identity's sign-ins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInRow {
    /// The object id (a user's, or a service principal's), lower case.
    pub principal: String,
    /// What signed in.
    pub kind: SignInKind,
    /// The tenant.
    pub tenant: String,
    /// The user principal name of its latest sign-in, when logged.
    pub user_principal_name: Option<String>,
    /// The display name of its latest sign-in, when logged.
    pub display_name: Option<String>,
    /// First and last attempt; `allowed` counts successes and `denied` failures.
    pub counts: Counts,
    /// The latest successful sign-in.
    pub last_success: Option<i64>,
    /// When the names were logged (the names of the latest record are kept).
    pub names_at: i64,
}

/// Sign-ins per identity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignIns {
    rows: BTreeMap<String, SignInRow>,
}

impl SignIns {
    pub(crate) fn add(&mut self, s: &SignIn) {
        let outcome = if s.success { Outcome::Allowed } else { Outcome::Denied };
        let row = SignInRow {
            principal: s.principal.clone(),
            kind: s.kind,
            tenant: s.tenant.clone(),
            user_principal_name: s.user_principal_name.clone(),
            display_name: s.display_name.clone(),
            counts: Counts::one(s.time, outcome),
            last_success: s.success.then_some(s.time),
            names_at: s.time,
        };
        self.merge_row(row);
    }

    /// Adds one identity's row (as the store reads it back), merged with any row it has.
    pub fn merge_row(&mut self, row: SignInRow) {
        match self.rows.get_mut(&row.principal) {
            None => {
                self.rows.insert(row.principal.clone(), row);
            }
            Some(kept) => {
                kept.counts.merge(&row.counts);
                kept.last_success = kept.last_success.max(row.last_success);
                // The names of the latest record (a user renamed keeps its id); ties go to the
                // greater name so that merge order does not matter.
                let newer = (row.names_at, &row.user_principal_name, &row.display_name)
                    > (kept.names_at, &kept.user_principal_name, &kept.display_name);
                if newer {
                    kept.names_at = row.names_at;
                    kept.user_principal_name = row.user_principal_name;
                    kept.display_name = row.display_name;
                }
            }
        }
    }

    /// Adds another table.
    pub fn merge(&mut self, other: &SignIns) {
        for row in other.rows.values() {
            self.merge_row(row.clone());
        }
    }

    /// Every identity's sign-ins, sorted by object id.
    pub fn rows(&self) -> Vec<SignInRow> {
        self.rows.values().cloned().collect()
    }

    /// Identities seen.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when no sign-in was read.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn service_principal_sign_ins_name_the_service_principal() {
        let r = json!({"time": "2026-01-01T00:00:00Z", "category": "ServicePrincipalSignInLogs", "resultType": "0",
            "properties": {"servicePrincipalId": "AB", "appId": "x", "userId": ""}});
        let s = signin(&r).unwrap();
        assert_eq!((s.principal.as_str(), s.kind, s.success), ("ab", SignInKind::ServicePrincipal, true));
        let bad =
            json!({"time": "2026-01-01T00:00:00Z", "category": "SignInLogs", "resultType": "0", "properties": {}});
        assert!(signin(&bad).is_err());
        assert!(!is_signin(&json!({"category": "Administrative"})));
    }
}
