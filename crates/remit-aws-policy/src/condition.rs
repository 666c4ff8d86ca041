//! Condition operators: parsing, compiling the policy values once, and testing a request.
//!
//! Semantics, from <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>
//! and <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html>:
//! - several values for one key are ORed; a negated operator (`StringNotEquals`, `NotIpAddress`,
//!   ...) with several values matches when the request value matches none of them;
//! - a key missing from the request makes the condition false, except that negated operators
//!   are then true, `...IfExists` is then true, and `Null` tests exactly presence;
//! - `ForAllValues:` is true when every request value matches (so also when the key is absent
//!   or empty), `ForAnyValue:` when at least one does (so false when absent or empty)
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html>);
//! - an operator without a set qualifier applied to a multivalued request value does not match:
//!   multivalued keys are compared only through `ForAllValues:`/`ForAnyValue:` (same page:
//!   "multivalued context keys ... require a set operator").
//! - policy variables are substituted in string and ARN operators only
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-infotouse>).

use std::net::IpAddr;

use crate::{
    arn::ArnPattern,
    context::{Context, ContextValue, Parsed, key_hash},
    pattern::{Case, Pattern, Syntax},
};

/// The operator family, without qualifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BaseOperator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

const OPERATORS: &[(&str, BaseOperator)] = &[
    ("StringEquals", BaseOperator::StringEquals),
    ("StringNotEquals", BaseOperator::StringNotEquals),
    ("StringEqualsIgnoreCase", BaseOperator::StringEqualsIgnoreCase),
    ("StringNotEqualsIgnoreCase", BaseOperator::StringNotEqualsIgnoreCase),
    ("StringLike", BaseOperator::StringLike),
    ("StringNotLike", BaseOperator::StringNotLike),
    ("NumericEquals", BaseOperator::NumericEquals),
    ("NumericNotEquals", BaseOperator::NumericNotEquals),
    ("NumericLessThan", BaseOperator::NumericLessThan),
    ("NumericLessThanEquals", BaseOperator::NumericLessThanEquals),
    ("NumericGreaterThan", BaseOperator::NumericGreaterThan),
    ("NumericGreaterThanEquals", BaseOperator::NumericGreaterThanEquals),
    ("DateEquals", BaseOperator::DateEquals),
    ("DateNotEquals", BaseOperator::DateNotEquals),
    ("DateLessThan", BaseOperator::DateLessThan),
    ("DateLessThanEquals", BaseOperator::DateLessThanEquals),
    ("DateGreaterThan", BaseOperator::DateGreaterThan),
    ("DateGreaterThanEquals", BaseOperator::DateGreaterThanEquals),
    ("Bool", BaseOperator::Bool),
    ("BinaryEquals", BaseOperator::BinaryEquals),
    ("IpAddress", BaseOperator::IpAddress),
    ("NotIpAddress", BaseOperator::NotIpAddress),
    ("ArnEquals", BaseOperator::ArnEquals),
    ("ArnLike", BaseOperator::ArnLike),
    ("ArnNotEquals", BaseOperator::ArnNotEquals),
    ("ArnNotLike", BaseOperator::ArnNotLike),
    ("Null", BaseOperator::Null),
];

impl BaseOperator {
    /// Negated operators match when the request value matches none of the policy values, and
    /// match when the key is missing.
    fn is_negated(self) -> bool {
        matches!(
            self,
            BaseOperator::StringNotEquals
                | BaseOperator::StringNotEqualsIgnoreCase
                | BaseOperator::StringNotLike
                | BaseOperator::NumericNotEquals
                | BaseOperator::DateNotEquals
                | BaseOperator::NotIpAddress
                | BaseOperator::ArnNotEquals
                | BaseOperator::ArnNotLike
        )
    }
}

/// A set qualifier for multivalued keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

/// A parsed operator: `[ForAllValues:|ForAnyValue:]Base[IfExists]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Operator {
    pub(crate) base: BaseOperator,
    pub(crate) set: Option<SetQualifier>,
    pub(crate) if_exists: bool,
}

impl Operator {
    /// Parses an operator name; operator names compare without case.
    pub(crate) fn parse(text: &str) -> Result<Operator, String> {
        let mut rest = text;
        let mut set = None;
        if let Some((prefix, tail)) = text.split_once(':') {
            set = Some(if prefix.eq_ignore_ascii_case("ForAllValues") {
                SetQualifier::ForAllValues
            } else if prefix.eq_ignore_ascii_case("ForAnyValue") {
                SetQualifier::ForAnyValue
            } else {
                return Err(format!("unknown set operator `{prefix}` (expected `ForAllValues` or `ForAnyValue`)"));
            });
            rest = tail;
        }
        let mut if_exists = false;
        let lower = rest.to_ascii_lowercase();
        let mut name = lower.as_str();
        if let Some(stripped) = name.strip_suffix("ifexists") {
            name = stripped;
            if_exists = true;
        }
        let base = OPERATORS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, op)| *op)
            .ok_or_else(|| format!("unknown condition operator `{text}`"))?;
        if base == BaseOperator::Null && (if_exists || set.is_some()) {
            return Err(format!("`{text}`: the `Null` operator takes no `IfExists` suffix or set operator"));
        }
        Ok(Operator { base, set, if_exists })
    }
}

/// Policy values compiled for their operator.
#[derive(Debug, Clone, PartialEq)]
enum Values {
    /// String operators: literal (Equals) or wildcard (Like) patterns, with variables.
    Strings(Vec<Pattern>),
    Numbers(Vec<Option<f64>>),
    Dates(Vec<Option<i128>>),
    Bools(Vec<Box<str>>),
    Binary(Vec<Box<str>>),
    Cidrs(Vec<Option<Cidr>>),
    Arns(Vec<ArnPattern>),
    /// `Null`: `true` means "the key must be absent".
    Null(Vec<Option<bool>>),
}

/// A compiled `"Operator": {"key": values}` entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    operator: Operator,
    // INVARIANT: lower-case; `key_hash` is its hash.
    key: Box<str>,
    key_hash: u64,
    values: Values,
    /// The entry as written, for explanations (shared by every answer that shows it).
    source: std::sync::Arc<str>,
}

impl Condition {
    /// Compiles an entry; `variables` says whether the policy version substitutes `${...}`.
    pub(crate) fn new(operator: Operator, key: &str, values: &[String], variables: bool) -> Condition {
        let literal = Syntax { wildcards: false, variables };
        let like = Syntax { wildcards: true, variables };
        let compiled = match operator.base {
            BaseOperator::StringEquals | BaseOperator::StringNotEquals => {
                Values::Strings(values.iter().map(|v| Pattern::new(v, literal, Case::Sensitive)).collect())
            }
            BaseOperator::StringEqualsIgnoreCase | BaseOperator::StringNotEqualsIgnoreCase => {
                Values::Strings(values.iter().map(|v| Pattern::new(v, literal, Case::Insensitive)).collect())
            }
            BaseOperator::StringLike | BaseOperator::StringNotLike => {
                Values::Strings(values.iter().map(|v| Pattern::new(v, like, Case::Sensitive)).collect())
            }
            BaseOperator::NumericEquals
            | BaseOperator::NumericNotEquals
            | BaseOperator::NumericLessThan
            | BaseOperator::NumericLessThanEquals
            | BaseOperator::NumericGreaterThan
            | BaseOperator::NumericGreaterThanEquals => {
                Values::Numbers(values.iter().map(|v| parse_number(v)).collect())
            }
            BaseOperator::DateEquals
            | BaseOperator::DateNotEquals
            | BaseOperator::DateLessThan
            | BaseOperator::DateLessThanEquals
            | BaseOperator::DateGreaterThan
            | BaseOperator::DateGreaterThanEquals => Values::Dates(values.iter().map(|v| parse_date(v)).collect()),
            BaseOperator::Bool => Values::Bools(values.iter().map(|v| v.to_ascii_lowercase().into()).collect()),
            BaseOperator::BinaryEquals => Values::Binary(values.iter().map(|v| v.as_str().into()).collect()),
            BaseOperator::IpAddress | BaseOperator::NotIpAddress => {
                Values::Cidrs(values.iter().map(|v| Cidr::parse(v)).collect())
            }
            BaseOperator::ArnEquals | BaseOperator::ArnLike | BaseOperator::ArnNotEquals | BaseOperator::ArnNotLike => {
                Values::Arns(values.iter().map(|v| ArnPattern::new(v, variables)).collect())
            }
            BaseOperator::Null => Values::Null(
                values
                    .iter()
                    .map(|v| match v.to_ascii_lowercase().as_str() {
                        "true" => Some(true),
                        "false" => Some(false),
                        _ => None,
                    })
                    .collect(),
            ),
        };
        let source = format!("{}: {} {}", operator_name(operator), key, values.join(", ")).into();
        let key = key.to_ascii_lowercase();
        Condition { operator, key_hash: key_hash(&key), key: key.into(), values: compiled, source }
    }

    /// The entry as written (`StringEquals: aws:sourceip 10.0.0.0/8`).
    pub(crate) fn source(&self) -> &std::sync::Arc<str> {
        &self.source
    }

    /// Calls `visit` with every context key the entry reads: its own key and the keys of the
    /// variables in its values.
    pub(crate) fn visit_keys(&self, visit: &mut dyn FnMut(&str)) {
        visit(&self.key);
        match &self.values {
            Values::Strings(patterns) => patterns.iter().for_each(|p| p.visit_keys(visit)),
            Values::Arns(patterns) => patterns.iter().for_each(|p| p.visit_keys(visit)),
            _ => {}
        }
    }

    /// Tests an analysis context: `None` when the outcome depends on a key whose value is
    /// unknown.
    pub(crate) fn truth(&self, context: &Context) -> Option<bool> {
        // One lookup: only an absent key can be unknown.
        let entry = context.get_parsed(self.key_hash, &self.key);
        if entry.is_none() && context.absence_unknown(self.key_hash, &self.key) {
            return None;
        }
        let reads_unknown = match &self.values {
            Values::Strings(patterns) => patterns.iter().any(|p| p.reads_unknown(context)),
            Values::Arns(patterns) => patterns.iter().any(|p| p.reads_unknown(context)),
            _ => false,
        };
        if reads_unknown {
            return None;
        }
        Some(self.matches_entry(entry, context))
    }

    /// Tests the request context.
    pub(crate) fn matches(&self, context: &Context) -> bool {
        self.matches_entry(context.get_parsed(self.key_hash, &self.key), context)
    }

    /// Tests the key's entry in `context` (`None`: absent).
    fn matches_entry(&self, entry: Option<(&ContextValue, &Parsed)>, context: &Context) -> bool {
        let value = entry.map(|(v, _)| v);
        let op = self.operator;
        if let Values::Null(expected) = &self.values {
            // Null: "true" means the key must be absent, "false" that it must be present.
            let absent = value.is_none();
            return expected.contains(&Some(absent));
        }
        match op.set {
            Some(SetQualifier::ForAllValues) => match entry {
                None => true,
                Some((ContextValue::Single(v), parsed)) => self.value_matches(v, parsed, context),
                Some((ContextValue::Multi(vs), _)) => vs.iter().all(|v| self.value_matches(v, &Parsed::of(v), context)),
            },
            Some(SetQualifier::ForAnyValue) => match entry {
                // `IfExists`: "If the policy key is not present in the context of the request,
                // evaluate the condition element as true."
                None => op.if_exists,
                Some((ContextValue::Single(v), parsed)) => self.value_matches(v, parsed, context),
                Some((ContextValue::Multi(vs), _)) => vs.iter().any(|v| self.value_matches(v, &Parsed::of(v), context)),
            },
            None => match entry {
                None => op.if_exists || op.base.is_negated(),
                Some((ContextValue::Single(v), parsed)) => self.value_matches(v, parsed, context),
                Some((ContextValue::Multi(_), _)) => false,
            },
        }
    }

    /// One request value against the policy values: OR for positive operators, NOR for
    /// negated ones.
    fn value_matches(&self, request: &str, parsed: &Parsed, context: &Context) -> bool {
        let base = self.operator.base;
        let any = match &self.values {
            Values::Strings(patterns) => {
                let case = match base {
                    BaseOperator::StringEqualsIgnoreCase | BaseOperator::StringNotEqualsIgnoreCase => Case::Insensitive,
                    _ => Case::Sensitive,
                };
                patterns.iter().any(|p| p.matches(request, case, context))
            }
            Values::Numbers(numbers) => {
                let Some(r) = parsed.number else {
                    return false;
                };
                numbers.iter().flatten().any(|p| compare(base, r.partial_cmp(p)))
            }
            Values::Dates(dates) => {
                let Some(r) = parsed.date else {
                    return false;
                };
                dates.iter().flatten().any(|p| compare(base, Some(r.cmp(p))))
            }
            Values::Bools(bools) => bools.iter().any(|b| b.eq_ignore_ascii_case(request)),
            Values::Binary(values) => values.iter().any(|b| **b == *request),
            Values::Cidrs(cidrs) => {
                let Some(ip) = parsed.ip else {
                    return false;
                };
                cidrs.iter().flatten().any(|c| c.contains(ip))
            }
            Values::Arns(patterns) => patterns.iter().any(|p| p.matches(request, context)),
            Values::Null(_) => false,
        };
        if base.is_negated() { !any } else { any }
    }
}

/// Applies the operator's comparison to `request.cmp(policy)`.
fn compare(base: BaseOperator, ordering: Option<std::cmp::Ordering>) -> bool {
    use std::cmp::Ordering::*;
    let Some(ordering) = ordering else {
        return false;
    };
    match base {
        BaseOperator::NumericEquals
        | BaseOperator::NumericNotEquals
        | BaseOperator::DateEquals
        | BaseOperator::DateNotEquals => ordering == Equal,
        BaseOperator::NumericLessThan | BaseOperator::DateLessThan => ordering == Less,
        BaseOperator::NumericLessThanEquals | BaseOperator::DateLessThanEquals => ordering != Greater,
        BaseOperator::NumericGreaterThan | BaseOperator::DateGreaterThan => ordering == Greater,
        BaseOperator::NumericGreaterThanEquals | BaseOperator::DateGreaterThanEquals => ordering != Less,
        _ => false,
    }
}

/// A decimal number: optional sign, digits, optional fraction.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let ok = !int.is_empty() || !frac.is_empty();
    if !ok || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// A date as milliseconds since the Unix epoch: ISO 8601 (`2020-01-01`,
/// `2020-01-01T00:00:00Z`, with optional fraction and offset) or epoch seconds.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date>
pub(crate) fn parse_date(text: &str) -> Option<i128> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse::<i128>().ok().map(|s| s * 1000);
    }
    let bytes = t.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let s = t.get(range)?;
        if s.bytes().all(|b| b.is_ascii_digit()) { s.parse().ok() } else { None }
    };
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut millis: i128 = i128::from(days_from_civil(year, month, day)) * 86_400_000;
    let rest = &t[10..];
    if rest.is_empty() {
        return Some(millis);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let rb = rest.as_bytes();
    if rb.len() < 5 || rb[2] != b':' {
        return None;
    }
    let hour = rest.get(0..2)?.parse::<i64>().ok()?;
    let minute = rest.get(3..5)?.parse::<i64>().ok()?;
    let mut idx = 5;
    let mut second = 0;
    if rb.get(5) == Some(&b':') {
        second = rest.get(6..8)?.parse::<i64>().ok()?;
        idx = 8;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    millis += i128::from((hour * 3600 + minute * 60 + second) * 1000);
    if rb.get(idx) == Some(&b'.') {
        let start = idx + 1;
        let mut end = start;
        while end < rb.len() && rb[end].is_ascii_digit() {
            end += 1;
        }
        if end == start {
            return None;
        }
        let frac = &rest[start..end.min(start + 3)];
        let scale = 10_i128.pow(3 - frac.len() as u32);
        millis += frac.parse::<i128>().ok()? * scale;
        idx = end;
    }
    let zone = &rest[idx..];
    match zone {
        "" | "Z" | "z" => Some(millis),
        _ => {
            let sign = match zone.as_bytes().first() {
                Some(b'+') => -1,
                Some(b'-') => 1,
                _ => return None,
            };
            let z = &zone[1..];
            let (h, m) = match z.len() {
                5 if z.as_bytes()[2] == b':' => (z.get(0..2)?, z.get(3..5)?),
                4 => (z.get(0..2)?, z.get(2..4)?),
                2 => (z, "00"),
                _ => return None,
            };
            let offset = h.parse::<i128>().ok()? * 3600 + m.parse::<i128>().ok()? * 60;
            Some(millis + sign * offset * 1000)
        }
    }
}

/// Days from 1970-01-01 to the given civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An IPv4 or IPv6 network in CIDR form (a bare address is a /32 or /128).
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress>
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    fn parse(text: &str) -> Option<Cidr> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let network: IpAddr = addr.parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(Cidr { network, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(self.prefix)) };
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(self.prefix)) };
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

fn operator_name(operator: Operator) -> String {
    let base = OPERATORS.iter().find(|(_, op)| *op == operator.base).map_or("?", |(name, _)| name);
    let set = match operator.set {
        Some(SetQualifier::ForAllValues) => "ForAllValues:",
        Some(SetQualifier::ForAnyValue) => "ForAnyValue:",
        None => "",
    };
    let if_exists = if operator.if_exists { "IfExists" } else { "" };
    format!("{set}{base}{if_exists}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(parse_date("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_date("2020-01-01T00:00:00.5Z"), parse_date("1577836800").map(|m| m + 500));
        assert_eq!(parse_date("2020-02-30"), Some(i128::from(days_from_civil(2020, 3, 1)) * 86_400_000));
        assert_eq!(parse_date("yesterday"), None);
    }

    #[test]
    fn cidrs() {
        let c = Cidr::parse("10.0.0.0/8").unwrap_or(Cidr { network: IpAddr::from([0, 0, 0, 0]), prefix: 32 });
        assert!(c.contains("10.1.2.3".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))));
        let any = Cidr::parse("0.0.0.0/0");
        assert!(any.is_some_and(|c| c.contains(IpAddr::from([1, 2, 3, 4]))));
        let v6 = Cidr::parse("2001:db8::/32");
        assert!(v6.is_some_and(|c| c.contains("2001:db8::1".parse().unwrap_or(IpAddr::from([0u16; 8])))));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
    }
}
