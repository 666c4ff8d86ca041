//! Suppressions: a team's decision that a finding is accepted, with the reason and until when.
//!
//! They live in a TOML file the team keeps under version control (reviewed like code), so a
//! suppression without a reason, with an unreadable expiry or naming no valid id is an error
//! with its line, never silently ignored. An expired suppression stops applying: the finding
//! is open again, and says so.

use std::path::Path;

use serde::Deserialize;

use crate::{Finding, FindingId, Suppressed, Timestamp};

/// One suppression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The finding.
    pub id: FindingId,
    /// Why it is accepted.
    pub reason: String,
    /// Who accepted it.
    pub by: Option<String>,
    /// Until when (none: until removed).
    pub expires: Option<Timestamp>,
}

/// The suppressions of a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Suppressions {
    /// In file order.
    pub entries: Vec<Suppression>,
}

/// A suppressions file that cannot be used (its file and line).
pub type SuppressionsError = crate::FileError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    suppress: Vec<toml::Spanned<Entry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: String,
    reason: String,
    #[serde(default)]
    by: Option<String>,
    #[serde(default)]
    expires: Option<String>,
}

impl Suppressions {
    /// Reads a file of `[[suppress]]` tables (`id`, `reason`, optional `by` and `expires`,
    /// a date or UTC timestamp).
    pub fn load(path: &Path) -> Result<Suppressions, SuppressionsError> {
        Suppressions::parse(&crate::toml_file::read(path)?, path)
    }

    /// Reads the text of a suppressions file (`path` names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Suppressions, SuppressionsError> {
        let document = crate::toml_file::Document::new(text, path);
        let invalid = |offset: usize, message: String| document.invalid(offset, message);
        let file: File = document.parse()?;
        let mut entries = Vec::new();
        for spanned in file.suppress {
            let at = spanned.span().start;
            let entry = spanned.into_inner();
            let id = FindingId::parse(entry.id.trim())
                .ok_or_else(|| invalid(at, format!("`{}` is not a finding id (rmt- and 16 hex digits)", entry.id)))?;
            if entry.reason.trim().is_empty() {
                return Err(invalid(at, format!("the suppression of {id} gives no reason")));
            }
            let expires = match &entry.expires {
                Some(text) => Some(Timestamp::parse(text.trim()).map_err(|e| invalid(at, e.to_string()))?),
                None => None,
            };
            if entries.iter().any(|s: &Suppression| s.id == id) {
                return Err(invalid(at, format!("{id} is suppressed twice")));
            }
            entries.push(Suppression { id, reason: entry.reason.trim().to_owned(), by: entry.by, expires });
        }
        Ok(Suppressions { entries })
    }

    /// Marks the findings these suppress, as of `now`. Returns the ids of suppressions that
    /// matched no finding (stale) and of those that have expired (their findings stay open
    /// and say so in their evidence).
    pub fn apply(&self, findings: &mut [Finding], now: Timestamp) -> Applied {
        let mut applied = Applied::default();
        for s in &self.entries {
            let mut matched = false;
            for f in findings.iter_mut().filter(|f| f.id == s.id) {
                matched = true;
                match s.expires {
                    Some(expiry) if expiry <= now => {
                        f.evidence.push(crate::Evidence::fact(
                            "suppressions",
                            format!("suppression expired {expiry}: {}", s.reason),
                        ));
                    }
                    _ => {
                        f.suppressed = Some(Suppressed {
                            reason: s.reason.clone(),
                            by: s.by.clone().unwrap_or_else(|| "suppressions file".to_owned()),
                            expires: s.expires.map(|t| t.to_string()),
                        })
                    }
                }
            }
            match (matched, s.expires) {
                (false, _) => applied.stale.push(s.id.clone()),
                (true, Some(expiry)) if expiry <= now => applied.expired.push(s.id.clone()),
                _ => {}
            }
        }
        applied
    }
}

/// What applying suppressions found beside the findings it suppressed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Suppressions of no current finding.
    pub stale: Vec<FindingId>,
    /// Suppressions past their expiry.
    pub expired: Vec<FindingId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        match Suppressions::parse(text, Path::new("s.toml")) {
            Ok(_) => panic!("accepted: {text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn bad_files_name_their_line() {
        let id = "rmt-0123456789abcdef";
        assert_eq!(
            err(&format!("[[suppress]]\nid = \"{id}\"\nreason = \"\"\n")),
            format!("s.toml:1: the suppression of {id} gives no reason")
        );
        assert!(
            err(&format!("\n[[suppress]]\nid = \"{id}\"\nreason = \"r\"\nexpires = \"soon\"\n"))
                .starts_with("s.toml:2: `soon`")
        );
        assert!(err("[[suppress]]\nid = \"x\"\nreason = \"r\"\n").contains("not a finding id"));
        assert!(err("[[suppress]]\nid = \"rmt-0123456789abcdef\"\nreason = \"r\"\ncolour = 1\n").contains("colour"));
        assert!(err("[[suppress]\n").starts_with("s.toml:1:"));
        let twice =
            format!("[[suppress]]\nid = \"{id}\"\nreason = \"r\"\n[[suppress]]\nid = \"{id}\"\nreason = \"r\"\n");
        assert!(err(&twice).starts_with("s.toml:4: "), "{}", err(&twice));
    }
}
