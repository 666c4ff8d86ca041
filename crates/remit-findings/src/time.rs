//! UTC timestamps as reports write them (RFC 3339, `2026-12-06T11:17:14Z`), without a date
//! library: findings need only "now", parsing a user's date or timestamp, and ordering them.

use std::{fmt, time::SystemTime};

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

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
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
