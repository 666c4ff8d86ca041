//! The roles of Remit's users.
//!
//! A closed enum rather than free strings: the built-in Cedar policies name each role, the
//! store keeps the name, and a typo must fail when a user is created, not silently grant nothing.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

/// What a user is in Remit; [`crate::authorize`] says what each may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Runs Remit: users, tokens, policies, everything.
    Admin,
    /// Reads every analysis, suppresses findings, imports snapshots, manages own API tokens.
    SecurityAnalyst,
    /// Reads everything (history, audit trail, reports and exports) and changes nothing.
    Auditor,
    /// Reads the analysis and approves access requests.
    Approver,
    /// Requests access and reads their own profile.
    Requester,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 5] = [Role::Admin, Role::SecurityAnalyst, Role::Auditor, Role::Approver, Role::Requester];

    /// The role's name: what the store keeps, the API shows, and Cedar's `Remit::Role` ids are.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::SecurityAnalyst => "security-analyst",
            Role::Auditor => "auditor",
            Role::Approver => "approver",
            Role::Requester => "requester",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is none of [`Role::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}` (expected admin, security-analyst, auditor, approver or requester)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Role, UnknownRole> {
        Role::ALL.into_iter().find(|role| role.as_str() == s).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text_and_serde() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(role.to_string(), role.as_str());
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
            assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), role);
        }
        assert_eq!(
            "Admin".parse::<Role>().unwrap_err().to_string(),
            "unknown role `Admin` (expected admin, security-analyst, auditor, approver or requester)"
        );
        assert!(serde_json::from_str::<Role>("\"security_analyst\"").is_err());
    }
}
