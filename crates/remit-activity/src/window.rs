//! Time as activity analyses read it: unix seconds, windows of days, and the ISO 8601 form
//! logs and reports use.
//!
//! Why not a date crate: logs carry one fixed format (`2026-02-27T10:11:12Z`, sometimes with
//! fractional seconds), parsed millions of times a second; the calendar is `remit-model`'s.

use remit_model::calendar::{civil_from_days, days_from_civil, days_in_month};

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// A period `[start, end)` in unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First second inside.
    pub start: i64,
    /// First second after.
    pub end: i64,
}

impl Window {
    /// The `days` days up to `end`.
    pub fn last_days(end: i64, days: u32) -> Window {
        Window { start: end.saturating_sub(i64::from(days) * DAY), end }
    }

    /// Whether `time` falls inside.
    pub fn contains(&self, time: i64) -> bool {
        self.start <= time && time < self.end
    }
}

fn digits(bytes: &[u8]) -> Option<u32> {
    let mut value = 0u32;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(b - b'0');
    }
    Some(value)
}

/// Unix seconds of `YYYY-MM-DDTHH:MM:SS` followed by optional fractional seconds and `Z` or
/// an offset `±HH:MM`; also a bare date `YYYY-MM-DD` (midnight UTC). `None` for anything else.
pub fn parse_time(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i64::from(digits(&b[0..4])?);
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let date = days_from_civil(year, month, day) * DAY;
    if b.len() == 10 {
        return Some(date);
    }
    if b.len() < 19 || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, m, s) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let mut rest = &b[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    let offset = match rest {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), hh @ .., b':', m1, m2] if hh.len() == 2 => {
            let minutes = i64::from(digits(hh)?) * 60 + i64::from(digits(&[*m1, *m2])?);
            if *sign == b'+' { minutes * 60 } else { -minutes * 60 }
        }
        _ => return None,
    };
    Some(date + i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s) - offset)
}

/// `2026-02-27T10:11:12Z`.
pub fn format_time(time: i64) -> String {
    let (days, secs) = (time.div_euclid(DAY), time.rem_euclid(DAY));
    let (y, mo, d) = civil_from_days(days);
    format!("{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// `2026-02-27`.
pub fn format_date(time: i64) -> String {
    let (y, mo, d) = civil_from_days(time.div_euclid(DAY));
    format!("{y:04}-{mo:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cloudtrail_times() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_time("2026-03-01T09:00:00Z"), Some(1_772_355_600));
        assert_eq!(parse_time("2026-03-01T09:00:00.123Z"), Some(1_772_355_600));
        assert_eq!(parse_time("2026-03-01T10:00:00+01:00"), Some(1_772_355_600));
        assert_eq!(parse_time("2026-03-01"), Some(1_772_323_200));
        assert_eq!(parse_time("2024-02-29T00:00:00Z"), Some(1_709_164_800));
        for bad in
            ["", "2026-02-30T00:00:00Z", "2026-13-01", "2026-03-01T25:00:00Z", "2026-03-01T09:00:00Q", "x026-03-01"]
        {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for t in [0, 1_772_355_600, 951_782_400, 4_102_444_799, -86_400] {
            assert_eq!(parse_time(&format_time(t)), Some(t), "{t}");
        }
        assert_eq!(format_date(1_772_355_600), "2026-03-01");
    }
}
