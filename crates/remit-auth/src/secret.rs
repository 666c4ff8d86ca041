//! Random secrets: API tokens, session identifiers, CSRF tokens.
//!
//! Each is 256 bits from the operating system's random source (`getrandom`), hex-encoded, so
//! it cannot be guessed (OWASP asks for at least 64 bits of entropy for session identifiers:
//! <https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#session-id-entropy>).
//! API tokens and session identifiers are stored as the SHA-256 of the whole value, never the
//! value: a leaked database then gives no usable credential. A fast hash is enough here, unlike
//! for passwords, because the secret has 256 bits of entropy: there is no dictionary to try
//! (the argument of the OWASP Password Storage Cheat Sheet for slow hashes is low-entropy input,
//! <https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#background>).
//!
//! An API token reads `rmt_<id>_<secret>`: the prefix lets secret scanners (and people) spot a
//! leaked Remit token, and the 16-hex-digit id names the token in lists and the audit trail
//! without revealing it. A session value is shown to the browser only, in an HttpOnly cookie.
//! CSRF tokens follow the synchronizer token pattern
//! (<https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html#synchronizer-token-pattern>):
//! one per session, kept with the session server-side, compared with [`constant_time_eq`].

use std::fmt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What every API token starts with.
pub const TOKEN_PREFIX: &str = "rmt_";
/// Hex digits of a token's id (64 bits: unique enough to name tokens, not a secret).
pub const TOKEN_ID_LEN: usize = 16;
/// Hex digits of a token's secret part, a session value and a CSRF token (256 bits).
pub const SECRET_LEN: usize = 64;

/// The operating system gave no randomness.
#[derive(Debug, thiserror::Error)]
#[error("no randomness from the operating system: {0}")]
pub struct RandomnessError(getrandom::Error);

fn random_hex<const N: usize>() -> Result<String, RandomnessError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(RandomnessError)?;
    Ok(hex::encode(bytes))
}

/// SHA-256 of a secret value as lowercase hex: what the store keeps for tokens and sessions.
pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// Compares two secrets in time that depends on their lengths only, not on where they differ,
/// so an attacker cannot find a secret one byte at a time by timing the answers.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// A new API token: `token` is shown to its owner once, then only `id` and `hash` are kept.
#[derive(Clone, PartialEq, Eq)]
pub struct NewToken {
    /// The token's public name, `<id>` in `rmt_<id>_<secret>`.
    pub id: String,
    /// The whole token, `rmt_<id>_<secret>`.
    pub token: String,
    /// [`sha256_hex`] of the whole token.
    pub hash: String,
}

impl fmt::Debug for NewToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewToken")
            .field("id", &self.id)
            .field("token", &"<redacted>")
            .field("hash", &self.hash)
            .finish()
    }
}

impl NewToken {
    /// Draws a new token.
    pub fn generate() -> Result<NewToken, RandomnessError> {
        let id = random_hex::<8>()?;
        let secret = random_hex::<32>()?;
        let token = format!("{TOKEN_PREFIX}{id}_{secret}");
        let hash = sha256_hex(&token);
        Ok(NewToken { id, token, hash })
    }
}

/// A token as presented by a client, checked for shape only (it may not exist).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PresentedToken<'a> {
    token: &'a str,
    id: &'a str,
}

impl fmt::Debug for PresentedToken<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresentedToken").field("id", &self.id).finish_non_exhaustive()
    }
}

impl<'a> PresentedToken<'a> {
    /// Parses `rmt_<16 hex>_<64 hex>`; `None` for anything else, so that garbage is refused
    /// before it reaches the store.
    pub fn parse(token: &'a str) -> Option<PresentedToken<'a>> {
        let rest = token.strip_prefix(TOKEN_PREFIX)?;
        let (id, secret) = rest.split_once('_')?;
        let is_hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        (is_hex(id, TOKEN_ID_LEN) && is_hex(secret, SECRET_LEN)).then_some(PresentedToken { token, id })
    }

    /// The token's id (public).
    pub fn id(&self) -> &'a str {
        self.id
    }

    /// The hash to look the token up by.
    pub fn hash(&self) -> String {
        sha256_hex(self.token)
    }

    /// Whether this is the token whose hash was stored, compared in constant time (the store's
    /// lookup by hash already matched; this guards against a lookup that matched loosely).
    pub fn matches(&self, stored_hash: &str) -> bool {
        constant_time_eq(&self.hash(), stored_hash)
    }
}

/// A new browser session: `value` goes into the cookie, `hash` and `csrf` into the store.
#[derive(Clone, PartialEq, Eq)]
pub struct NewSession {
    /// The cookie's value (64 hex digits).
    pub value: String,
    /// [`sha256_hex`] of `value`: the session's key in the store.
    pub hash: String,
    /// The session's CSRF token, see [`new_csrf_token`].
    pub csrf: String,
}

impl fmt::Debug for NewSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewSession").field("hash", &self.hash).finish_non_exhaustive()
    }
}

impl NewSession {
    /// Draws a new session value and its CSRF token. A new one at every login, never reusing a
    /// value the browser had before (session fixation, OWASP Session Management Cheat Sheet:
    /// <https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#renew-the-session-id-after-any-privilege-level-change>).
    pub fn generate() -> Result<NewSession, RandomnessError> {
        let value = random_hex::<32>()?;
        let hash = sha256_hex(&value);
        let csrf = new_csrf_token()?;
        Ok(NewSession { value, hash, csrf })
    }
}

/// The store key of a presented session cookie value, or `None` when the value does not have a
/// session value's shape (64 lowercase hex digits).
pub fn session_hash(value: &str) -> Option<String> {
    let well_formed = value.len() == SECRET_LEN && value.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    well_formed.then(|| sha256_hex(value))
}

/// A new CSRF token (64 hex digits).
pub fn new_csrf_token() -> Result<String, RandomnessError> {
    random_hex::<32>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_tokens_have_the_documented_shape_and_parse_back_to_their_id() {
        let new = NewToken::generate().unwrap();
        assert_eq!(new.token.len(), TOKEN_PREFIX.len() + TOKEN_ID_LEN + 1 + SECRET_LEN);
        assert!(new.token.starts_with("rmt_"));
        assert_eq!(new.hash, sha256_hex(&new.token));
        assert_eq!(new.hash.len(), 64);
        let presented = PresentedToken::parse(&new.token).unwrap();
        assert_eq!(presented.id(), new.id);
        assert_eq!(presented.hash(), new.hash);
        assert!(presented.matches(&new.hash));
        assert!(!presented.matches(&sha256_hex("something else")));
        // Secrets stay out of Debug output.
        assert!(!format!("{new:?}").contains(&new.token));
        assert!(!format!("{presented:?}").contains(&new.token));
        assert!(format!("{new:?}").contains(&new.id));
    }

    #[test]
    fn tokens_are_random() {
        let a = NewToken::generate().unwrap();
        let b = NewToken::generate().unwrap();
        assert_ne!(a.id, b.id);
        assert_ne!(a.token, b.token);
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let good = format!("rmt_{}_{}", "0123456789abcdef", "a".repeat(64));
        assert!(PresentedToken::parse(&good).is_some());
        for bad in [
            String::new(),
            "rmt_".to_owned(),
            "rmt__".to_owned(),
            good.replacen("rmt_", "rmx_", 1),
            good.to_uppercase(),
            format!("rmt_{}_{}", "0123456789abcde", "a".repeat(64)),
            format!("rmt_{}_{}", "0123456789abcdef", "a".repeat(63)),
            format!("rmt_{}_{}", "0123456789abcdeg", "a".repeat(64)),
            format!("rmt_{}_{}_", "0123456789abcdef", "a".repeat(64)),
            format!("{good} "),
            format!("Bearer {good}"),
        ] {
            assert!(PresentedToken::parse(&bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn sessions_hash_their_value_and_carry_a_csrf_token() {
        let session = NewSession::generate().unwrap();
        assert_eq!(session.value.len(), 64);
        assert_eq!(session_hash(&session.value), Some(session.hash.clone()));
        assert_eq!(session.csrf.len(), 64);
        assert_ne!(session.csrf, session.value);
        assert!(!format!("{session:?}").contains(&session.value));
        assert!(!format!("{session:?}").contains(&session.csrf));
        assert_eq!(session_hash("not-a-session"), None);
        assert_eq!(session_hash(&session.value.to_uppercase()), None);
    }

    #[test]
    fn constant_time_comparison_is_equality() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
        assert!(constant_time_eq("", ""));
        // Known answer: SHA-256 of the empty string.
        assert_eq!(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
