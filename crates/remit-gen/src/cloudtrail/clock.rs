//! Calendar arithmetic on Unix seconds, and the two ways CloudTrail writes a moment.
//!
//! The generator never reads the clock: every moment comes from the spec's `end`.

/// Seconds in a day.
pub(super) const DAY: i64 = 86_400;

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

pub(super) use crate::stable::civil_from_days;

/// The day of the week of a day counted from 1970-01-01 (a Thursday): 0 is Monday, 6 Sunday.
pub(super) fn weekday(days: i64) -> i64 {
    (days + 3).rem_euclid(7)
}

fn push_2(out: &mut String, n: u32) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

fn push_4(out: &mut String, n: i64) {
    let n = n.rem_euclid(10_000) as u32;
    push_2(out, n / 100);
    push_2(out, n % 100);
}

/// `2026-02-27T10:11:12Z`: CloudTrail's `eventTime` and session `creationDate`.
pub(super) fn push_iso(out: &mut String, t: i64) {
    let (y, m, d) = civil_from_days(t.div_euclid(DAY));
    let s = t.rem_euclid(DAY) as u32;
    push_4(out, y);
    out.push('-');
    push_2(out, m);
    out.push('-');
    push_2(out, d);
    out.push('T');
    push_2(out, s / 3600);
    out.push(':');
    push_2(out, s / 60 % 60);
    out.push(':');
    push_2(out, s % 60);
    out.push('Z');
}

pub(super) fn iso(t: i64) -> String {
    let mut out = String::with_capacity(20);
    push_iso(&mut out, t);
    out
}

/// `Feb 27, 2026, 11:11:12 AM`: how STS and IAM responses write dates in CloudTrail.
pub(super) fn push_java_date(out: &mut String, t: i64) {
    let (y, m, d) = civil_from_days(t.div_euclid(DAY));
    let s = t.rem_euclid(DAY) as u32;
    out.push_str(MONTHS.get(m.saturating_sub(1) as usize).copied().unwrap_or("Jan"));
    out.push(' ');
    out.push_str(&d.to_string());
    out.push_str(", ");
    out.push_str(&y.to_string());
    out.push_str(", ");
    let h = s / 3600;
    let h12 = if h.is_multiple_of(12) { 12 } else { h % 12 };
    out.push_str(&h12.to_string());
    out.push(':');
    push_2(out, s / 60 % 60);
    out.push(':');
    push_2(out, s % 60);
    out.push_str(if h < 12 { " AM" } else { " PM" });
}

/// `(yyyy, mm, dd, "yyyymmddThhmmZ")` of a log file's delivery time.
pub(super) fn file_stamp(t: i64) -> (String, String, String, String) {
    let (y, m, d) = civil_from_days(t.div_euclid(DAY));
    let s = t.rem_euclid(DAY) as u32;
    let mut yyyy = String::new();
    push_4(&mut yyyy, y);
    let mut mm = String::new();
    push_2(&mut mm, m);
    let mut dd = String::new();
    push_2(&mut dd, d);
    let mut stamp = format!("{yyyy}{mm}{dd}T");
    push_2(&mut stamp, s / 3600);
    push_2(&mut stamp, s / 60 % 60);
    stamp.push('Z');
    (yyyy, mm, dd, stamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        // 2026-02-27T10:11:12Z, a Friday.
        let t = 1_772_187_072;
        assert_eq!(iso(t), "2026-02-27T10:11:12Z");
        assert_eq!(weekday(t.div_euclid(DAY)), 4);
        let mut date = String::new();
        push_java_date(&mut date, t + 3600 * 12);
        assert_eq!(date, "Feb 27, 2026, 10:11:12 PM");
        assert_eq!(file_stamp(t).3, "20260227T1011Z");
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
    }
}
