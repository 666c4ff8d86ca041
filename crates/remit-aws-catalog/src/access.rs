//! Access levels, as the Service Authorization Reference classifies every action.
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_understand-policy-summary-access-level-summaries.html>

use std::fmt;

/// One access level. An action has one or more (the reference lists, for instance,
/// `iam:PutRolePolicy` as "Permissions management" and a few actions as "Tagging, Write").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessLevel {
    /// Listing resources (`s3:ListAllMyBuckets`).
    List,
    /// Reading contents and attributes (`s3:GetObject`).
    Read,
    /// Creating, changing or deleting resources (`s3:PutObject`).
    Write,
    /// Granting or changing permissions (`iam:PutRolePolicy`, `s3:PutBucketPolicy`).
    PermissionsManagement,
    /// Changing tags only (`s3:PutObjectTagging`).
    Tagging,
}

impl AccessLevel {
    /// Every level, in the reference's order.
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::PermissionsManagement,
        AccessLevel::Tagging,
    ];

    /// The reference's name: `List`, `Read`, `Write`, `Permissions management`, `Tagging`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Tagging => "Tagging",
        }
    }

    /// Reads a level by the reference's name, ignoring ASCII case (`permissions management`),
    /// also accepting the name without spaces (`PermissionsManagement`).
    pub fn from_name(name: &str) -> Option<AccessLevel> {
        AccessLevel::ALL.into_iter().find(|level| {
            let canonical = level.as_str();
            name.eq_ignore_ascii_case(canonical)
                || (name.len() + 1 == canonical.len()
                    && name
                        .bytes()
                        .zip(canonical.bytes().filter(|b| *b != b' '))
                        .all(|(a, b)| a.eq_ignore_ascii_case(&b)))
        })
    }

    pub(crate) fn bit(self) -> u8 {
        1 << self as u8
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The access levels of one action: a small bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AccessLevels(u8);

impl AccessLevels {
    /// No level.
    pub const EMPTY: AccessLevels = AccessLevels(0);

    /// The set from the wire bits (List 1, Read 2, Write 4, Permissions management 8, Tagging 16);
    /// `None` if other bits are set.
    pub(crate) fn from_bits(bits: u8) -> Option<AccessLevels> {
        (bits < 1 << AccessLevel::ALL.len()).then_some(AccessLevels(bits))
    }

    /// Whether `level` is among them.
    pub fn contains(self, level: AccessLevel) -> bool {
        self.0 & level.bit() != 0
    }

    /// These levels and `level`.
    #[must_use]
    pub fn with(self, level: AccessLevel) -> AccessLevels {
        AccessLevels(self.0 | level.bit())
    }

    /// Whether there is no level.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// How many levels.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The levels, in the reference's order.
    pub fn iter(self) -> impl Iterator<Item = AccessLevel> {
        AccessLevel::ALL.into_iter().filter(move |l| self.contains(*l))
    }
}

impl FromIterator<AccessLevel> for AccessLevels {
    fn from_iter<I: IntoIterator<Item = AccessLevel>>(iter: I) -> AccessLevels {
        iter.into_iter().fold(AccessLevels::EMPTY, AccessLevels::with)
    }
}

/// As the reference writes compound levels: `Permissions management, Write`.
impl fmt::Display for AccessLevels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.iter().map(AccessLevel::as_str).collect();
        names.sort_unstable();
        f.write_str(&names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for level in AccessLevel::ALL {
            assert_eq!(AccessLevel::from_name(level.as_str()), Some(level));
            assert_eq!(AccessLevel::from_name(&level.as_str().to_uppercase()), Some(level));
        }
        assert_eq!(AccessLevel::from_name("PermissionsManagement"), Some(AccessLevel::PermissionsManagement));
        assert_eq!(AccessLevel::from_name("permissions-management"), None);
        assert_eq!(AccessLevel::from_name(""), None);
    }

    #[test]
    fn sets() {
        let levels: AccessLevels = [AccessLevel::Write, AccessLevel::PermissionsManagement].into_iter().collect();
        assert!(levels.contains(AccessLevel::Write));
        assert!(!levels.contains(AccessLevel::Read));
        assert_eq!(levels.len(), 2);
        assert_eq!(levels.to_string(), "Permissions management, Write");
        assert_eq!(AccessLevels::from_bits(4).map(|l| l.to_string()).as_deref(), Some("Write"));
        assert_eq!(AccessLevels::from_bits(32), None);
    }
}
