//! UTC timestamps as reports write them (RFC 3339, `2026-12-06T11:17:14Z`), without a date
//! library: findings need only "now", parsing a user's date or timestamp, and ordering them.

use std::{fmt, time::SystemTime};

use remit_model::calendar::{civil_from_days, days_from_civil, days_in_month};

/// A UTC instant to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z.
    seconds: i64,
}

/// A date or timestamp that is not `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a date (YYYY-MM-DD) or a UTC timestamp (YYYY-MM-DDTHH:MM:SSZ)")]
pub struct TimestampError(pub String);

impl Timestamp {
    /// Now, from the system clock.
    pub fn now() -> Timestamp {
        let seconds = match SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64,
            Err(e) => -(e.duration().as_secs() as i64),
        };
        Timestamp { seconds }
    }

    /// From seconds since the Unix epoch.
    pub fn from_unix(seconds: i64) -> Timestamp {
        Timestamp { seconds }
    }

    /// Seconds since the Unix epoch.
    pub fn unix(self) -> i64 {
        self.seconds
    }

    /// Reads `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM:SS` followed by `Z`, `+00:00`
    /// or fractional seconds (AWS's credential report writes `2026-03-01T09:00:00+00:00`).
    /// Other offsets are applied.
    pub fn parse(text: &str) -> Result<Timestamp, TimestampError> {
        let bad = || TimestampError(text.to_owned());
        let b = text.as_bytes();
        let num = |from: usize, len: usize| -> Option<i64> {
            let s = text.get(from..from + len)?;
            s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok()).flatten()
        };
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let (year, month, day) = (num(0, 4).ok_or_else(bad)?, num(5, 2).ok_or_else(bad)?, num(8, 2).ok_or_else(bad)?);
        let (month, day) = (u32::try_from(month).map_err(|_| bad())?, u32::try_from(day).map_err(|_| bad())?);
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return Err(bad());
        }
        let mut seconds = days_from_civil(year, month, day) * 86_400;
        if b.len() == 10 {
            return Ok(Timestamp { seconds });
        }
        if b.len() < 19 || (b[10] != b'T' && b[10] != b't' && b[10] != b' ') || b[13] != b':' || b[16] != b':' {
            return Err(bad());
        }
        let (h, m, s) = (num(11, 2).ok_or_else(bad)?, num(14, 2).ok_or_else(bad)?, num(17, 2).ok_or_else(bad)?);
        if h > 23 || m > 59 || s > 60 {
            return Err(bad());
        }
        seconds += h * 3600 + m * 60 + s;
        let mut rest = &text[19..];
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(bad());
            }
            rest = &frac[digits..];
        }
        match rest {
            "Z" | "z" => Ok(Timestamp { seconds }),
            _ if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) && rest.get(3..4) == Some(":") => {
                let hours: i64 = rest.get(1..3).and_then(|h| h.parse().ok()).ok_or_else(bad)?;
                let minutes: i64 = rest.get(4..6).and_then(|m| m.parse().ok()).ok_or_else(bad)?;
                let offset = hours * 3600 + minutes * 60;
                Ok(Timestamp { seconds: if rest.starts_with('+') { seconds - offset } else { seconds + offset } })
            }
            _ => Err(bad()),
        }
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Timestamp) -> i64 {
        (later.seconds - self.seconds).div_euclid(86_400)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.seconds.div_euclid(86_400);
        let secs = self.seconds.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(f, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_utc() {
        let t = Timestamp::parse("2026-03-01T09:00:00+00:00").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.to_string(), "2026-03-01T09:00:00Z");
        assert_eq!(t.unix(), 1_772_355_600);
        assert_eq!(Timestamp::parse("2026-03-01T10:00:00+01:00"), Ok(t));
        assert_eq!(Timestamp::parse("2026-03-01T09:00:00.123Z"), Ok(t));
        assert_eq!(Timestamp::parse("2024-02-29").map(|t| t.to_string()).as_deref(), Ok("2024-02-29T00:00:00Z"));
        for bad in [
            "2025-02-29",
            "2026-13-01",
            "yesterday",
            "2026-03-01T25:00:00Z",
            "2026-03-01T09:00:00",
            "2026-3-1",
            "2026-03-01T09:00:00+0é00",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Timestamp::from_unix(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp::from_unix(0).days_until(t), 20_513);
    }
}
