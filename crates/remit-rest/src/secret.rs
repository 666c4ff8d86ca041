//! Keeps credentials out of logs, error messages and written files.
//!
//! A credential (a client secret, a private key, an access token) is wrapped in [`Secret`] as
//! soon as it enters a collector: its `Debug` prints `***` and it has no `Display`, so no `{:?}` of a config,
//! request or error can leak it. Error texts built from a remote response are passed through
//! [`Secret::redact`] as well, in case a service echoed what it was sent.

use std::fmt;

/// A credential (client secret, private key or access token). `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The credential itself, only to put it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of this secret replaced by `***`. When the replacement
    /// itself forms the secret again (a secret made of `*`s and what surrounds it), the whole
    /// text is withheld: a message is never worth a credential.
    pub fn redact(&self, text: &str) -> String {
        if self.0.is_empty() {
            return text.to_owned();
        }
        let redacted = text.replace(&self.0, "***");
        // A secret that `***` can form is made of `*`s only, which the notice does not hold.
        if redacted.contains(&self.0) { "[withheld: it held a credential]".to_owned() } else { redacted }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        let secret = Secret::new("s3cr3t~value");
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(format!("{:?}", Some(secret.clone())), "Some(***)");
    }

    #[test]
    fn redact_replaces_every_occurrence_and_keeps_other_text() {
        let secret = Secret::new("abc");
        assert_eq!(secret.redact("x abc y abc"), "x *** y ***");
        assert_eq!(secret.redact("nothing here"), "nothing here");
        assert_eq!(Secret::new("").redact("text"), "text");
    }

    #[test]
    fn redact_withholds_text_where_the_mask_would_form_the_secret_again() {
        let secret = Secret::new("a*");
        assert!(!secret.redact("aa**").contains("a*"));
        assert!(!Secret::new("**").redact("x ** y").contains("**"));
        assert_eq!(Secret::new("*").redact("a*b"), "[withheld: it held a credential]");
    }

    proptest::proptest! {
        /// Whatever the secret and the text, the secret never survives redaction.
        #[test]
        fn the_secret_never_survives(secret in "[a-z*~.]{1,6}", before in ".{0,20}", after in ".{0,20}") {
            let text = format!("{before}{secret}{after}");
            let redacted = Secret::new(secret.clone()).redact(&text);
            proptest::prop_assert!(!redacted.contains(&secret));
        }
    }
}
