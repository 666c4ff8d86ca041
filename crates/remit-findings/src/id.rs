//! Finding ids that survive re-scans.
//!
//! A suppression, a ticket or a first-seen date hangs on the id, so the id must be a function
//! of what the finding *is* (the rule, the principals and resources it is about), never of
//! where it was printed, what else was found or which version of Remit found it. SHA-256 is
//! used because its output is fixed by its standard; std's hashers are not.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `rmt-` and 16 hex digits: the first 64 bits of SHA-256 over the rule, the sorted principals
/// and the sorted resources (each list's items separated by a newline, the three parts by NUL).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FindingId(String);

impl FindingId {
    /// The id of the finding of `rule` about `principals` and `resources` (order does not
    /// matter).
    pub fn new<P: AsRef<str>, R: AsRef<str>>(rule: &str, principals: &[P], resources: &[R]) -> FindingId {
        let mut hasher = Sha256::new();
        hasher.update(rule.as_bytes());
        for part in [sorted(principals), sorted(resources)] {
            hasher.update([0u8]);
            hasher.update(part.join("\n").as_bytes());
        }
        let digest = hasher.finalize();
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        FindingId(format!("rmt-{hex}"))
    }

    /// Reads an id as printed (`rmt-` and 16 lowercase hex digits).
    pub fn parse(text: &str) -> Option<FindingId> {
        let hex = text.strip_prefix("rmt-")?;
        let ok = hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        ok.then(|| FindingId(text.to_owned()))
    }

    /// As printed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FindingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn sorted<S: AsRef<str>>(items: &[S]) -> Vec<&str> {
    let mut out: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_depend_on_what_the_finding_is_about_only() {
        let a = FindingId::new("r", &["p1", "p2"], &["x"]);
        assert_eq!(a, FindingId::new("r", &["p2", "p1"], &["x"]));
        assert_ne!(a, FindingId::new("r", &["p1"], &["x"]));
        assert_ne!(a, FindingId::new("s", &["p1", "p2"], &["x"]));
        assert_ne!(a, FindingId::new("r", &["p1", "p2"], &["y"]));
        // A principal list and a resource list are not confused.
        assert_ne!(FindingId::new("r", &["a"], &[] as &[&str]), FindingId::new("r", &[] as &[&str], &["a"]));
        assert_eq!(FindingId::parse(a.as_str()), Some(a.clone()));
        assert_eq!(FindingId::parse("rmt-XYZ"), None);
    }

    #[test]
    fn ids_are_fixed_by_sha256() {
        // Pinned (computed independently, with Python's hashlib): a change here breaks every
        // user's suppressions.
        assert_eq!(
            FindingId::new("aws-admin-equivalent", &["arn:aws:iam::111122223333:user/alice"], &[] as &[&str]).as_str(),
            "rmt-9b84736c348f3572"
        );
        let mut h = Sha256::new();
        h.update(b"r\0p\0");
        let d = h.finalize();
        let hex: String = d[..8].iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(FindingId::new("r", &["p"], &[] as &[&str]).as_str(), format!("rmt-{hex}"));
    }
}
