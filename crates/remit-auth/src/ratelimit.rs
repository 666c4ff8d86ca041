//! When to stop accepting login attempts.
//!
//! Online password guessing is throttled by counting failed logins per key over a sliding
//! window; the store counts (`login_failure`, `login_failures_since`), this module decides.
//! Two keys per attempt, both checked (OWASP Authentication Cheat Sheet, login throttling:
//! <https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#login-throttling>):
//! the account, so that one account cannot be guessed from many addresses, and the source
//! address, so that one address cannot spray many accounts. Failures are counted for unknown
//! usernames too, otherwise the limit itself would reveal which accounts exist.
//! The limit refuses *attempts*, it does not lock the account: a successful login is not
//! possible while limited, but the lock lifts by itself when the window slides past, so an
//! attacker cannot lock a user out for longer than one window.

use std::time::Duration;

/// At most `max_failures` failed logins per key within `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Failed attempts allowed within the window; the next one is refused.
    pub max_failures: u32,
    /// How far back failures count.
    pub window: Duration,
}

/// Whether an attempt may go ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Check the password.
    Allowed,
    /// Refuse without checking the password; tell the client to come back after this long
    /// (HTTP `Retry-After`).
    RetryAfter(Duration),
}

impl RateLimit {
    /// Per account: five failures in fifteen minutes.
    pub const PER_ACCOUNT: RateLimit = RateLimit { max_failures: 5, window: Duration::from_secs(15 * 60) };
    /// Per source address: twenty failures in fifteen minutes (several people may share one
    /// address behind a NAT or proxy).
    pub const PER_SOURCE: RateLimit = RateLimit { max_failures: 20, window: Duration::from_secs(15 * 60) };

    /// The start of the window ending at `now` (unix seconds): what to pass to the store's
    /// `login_failures_since`.
    pub fn window_start(&self, now: i64) -> i64 {
        let window = i64::try_from(self.window.as_secs()).unwrap_or(i64::MAX);
        now.saturating_sub(window)
    }

    /// Decides from the number of failures in the window and, when known, the time of the
    /// oldest of them (unix seconds): the attempt may proceed once that one leaves the window.
    /// Without it the whole window is the (upper-bound) wait.
    pub fn check(&self, failures: i64, oldest_failure: Option<i64>, now: i64) -> Verdict {
        if failures < i64::from(self.max_failures) {
            return Verdict::Allowed;
        }
        let window = i64::try_from(self.window.as_secs()).unwrap_or(i64::MAX);
        let wait = match oldest_failure {
            Some(oldest) => oldest.saturating_add(window).saturating_sub(now).clamp(1, window),
            None => window,
        };
        Verdict::RetryAfter(Duration::from_secs(wait.unsigned_abs()))
    }

    /// The stricter of two verdicts (the longer wait).
    pub fn both(a: Verdict, b: Verdict) -> Verdict {
        match (a, b) {
            (Verdict::Allowed, other) | (other, Verdict::Allowed) => other,
            (Verdict::RetryAfter(x), Verdict::RetryAfter(y)) => Verdict::RetryAfter(x.max(y)),
        }
    }
}

/// The store key counting failures of an account. Usernames are compared case-insensitively
/// here so that `Alice` and `alice` share one budget.
pub fn account_key(username: &str) -> String {
    format!("user:{}", username.trim().to_lowercase())
}

/// The store key counting failures from one source address.
pub fn source_key(source: &str) -> String {
    format!("source:{source}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    #[test]
    fn attempts_are_allowed_until_the_limit_then_refused_for_the_rest_of_the_window() {
        let limit = RateLimit { max_failures: 3, window: Duration::from_secs(600) };
        assert_eq!(limit.window_start(NOW), NOW - 600);
        assert_eq!(limit.check(0, None, NOW), Verdict::Allowed);
        assert_eq!(limit.check(2, Some(NOW - 10), NOW), Verdict::Allowed);
        assert_eq!(limit.check(3, None, NOW), Verdict::RetryAfter(Duration::from_secs(600)));
        // The oldest failure, 500 s ago, leaves the window in 100 s.
        assert_eq!(limit.check(3, Some(NOW - 500), NOW), Verdict::RetryAfter(Duration::from_secs(100)));
        // Never less than a second, never more than the window (clock skew, bad input).
        assert_eq!(limit.check(9, Some(NOW - 600), NOW), Verdict::RetryAfter(Duration::from_secs(1)));
        assert_eq!(limit.check(9, Some(NOW + 60), NOW), Verdict::RetryAfter(Duration::from_secs(600)));
    }

    #[test]
    fn the_stricter_verdict_wins_and_keys_are_normalised() {
        let wait = |s| Verdict::RetryAfter(Duration::from_secs(s));
        assert_eq!(RateLimit::both(Verdict::Allowed, Verdict::Allowed), Verdict::Allowed);
        assert_eq!(RateLimit::both(Verdict::Allowed, wait(5)), wait(5));
        assert_eq!(RateLimit::both(wait(5), Verdict::Allowed), wait(5));
        assert_eq!(RateLimit::both(wait(5), wait(9)), wait(9));
        assert_eq!(account_key(" Alice "), account_key("alice"));
        assert_ne!(account_key("alice"), source_key("alice"));
        assert_eq!(RateLimit::PER_ACCOUNT.check(4, None, NOW), Verdict::Allowed);
        assert_ne!(RateLimit::PER_ACCOUNT.check(5, None, NOW), Verdict::Allowed);
        assert_eq!(RateLimit::PER_SOURCE.check(19, None, NOW), Verdict::Allowed);
    }
}
