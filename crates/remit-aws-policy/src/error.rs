//! The one error a policy document can cause: where in the JSON, and what is wrong there.

use std::fmt;

/// A policy document AWS would reject, with the JSON path of the offending element.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError {
    path: String,
    message: String,
}

impl PolicyError {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> PolicyError {
        PolicyError { path: path.into(), message: message.into() }
    }

    /// The JSON path of the offending element inside the policy (for example
    /// `Statement[2].Condition.StringLike`); empty for the document itself.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong there.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error seen from an enclosing document: `prefix` is prepended to the path.
    pub fn within(self, prefix: &str) -> PolicyError {
        let path = if self.path.is_empty() {
            prefix.to_owned()
        } else if prefix.is_empty() {
            self.path
        } else {
            format!("{prefix}.{}", self.path)
        };
        PolicyError { path, message: self.message }
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() { write!(f, "{}", self.message) } else { write!(f, "{}: {}", self.path, self.message) }
    }
}
