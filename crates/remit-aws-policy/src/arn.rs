//! ARN patterns, matched segment by segment.
//!
//! An ARN is `arn:partition:service:region:account:resource`, and the resource part may hold
//! further colons. Wildcards apply "within ARN segments (the parts separated by colons)", and
//! `*` "can expand to replace everything within a segment, including characters like a forward
//! slash" (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>).
//! The same per-segment rule governs `ArnLike`/`ArnEquals`: "Each of the six colon-delimited
//! components of the ARN is checked separately and each can include multi-character match
//! wildcards" (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN>).
//! A pattern with fewer than six segments matches only when its last segment ends in `*`,
//! which then covers the rest of the ARN (AWS documents no other reading of a short ARN).
//! ARNs compare case-sensitively.

use crate::{
    context::Context,
    pattern::{Case, Pattern, Syntax},
};

/// A compiled `Resource` value or `Arn*` condition value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ArnPattern {
    /// `*`: every resource, including the `*` of actions that take no resource.
    Any,
    /// Up to six segment patterns. The leading segments that are plain text are kept as one
    /// `prefix` (with their colons), checked with a single comparison.
    Segments {
        prefix: Box<str>,
        // INVARIANT: non-empty; the segments after the prefix, the last one included.
        rest: Vec<Pattern>,
        n_segments: usize,
    },
}

impl ArnPattern {
    pub(crate) fn new(text: &str, variables: bool) -> ArnPattern {
        if text == "*" {
            return ArnPattern::Any;
        }
        let syntax = Syntax { wildcards: true, variables };
        let segments: Vec<Pattern> =
            split_segments(text, variables).into_iter().map(|s| Pattern::new(s, syntax, Case::Sensitive)).collect();
        let n_segments = segments.len();
        let mut prefix = String::new();
        let mut n_exact = 0;
        for segment in segments.iter().take(n_segments.saturating_sub(1)) {
            let Some(exact) = segment.as_exact() else { break };
            prefix.push_str(exact);
            prefix.push(':');
            n_exact += 1;
        }
        ArnPattern::Segments { prefix: prefix.into(), rest: segments.into_iter().skip(n_exact).collect(), n_segments }
    }

    /// The text every ARN the pattern matches starts with (`""` for `*`): its plain-text
    /// segments and the plain-text start of the next one.
    pub(crate) fn literal_start(&self) -> String {
        match self {
            ArnPattern::Any => String::new(),
            ArnPattern::Segments { prefix, rest, .. } => {
                format!("{prefix}{}", rest.first().map_or("", |segment| segment.literal_start()))
            }
        }
    }

    /// Calls `visit` with the key of each variable of the pattern (the plain-text prefix has
    /// none).
    pub(crate) fn visit_keys(&self, visit: &mut dyn FnMut(&str)) {
        if let ArnPattern::Segments { rest, .. } = self {
            rest.iter().for_each(|p| p.visit_keys(visit));
        }
    }

    /// True when a variable of the pattern reads a key whose value is unknown.
    pub(crate) fn reads_unknown(&self, context: &Context) -> bool {
        match self {
            ArnPattern::Any => false,
            ArnPattern::Segments { rest, .. } => rest.iter().any(|p| p.reads_unknown(context)),
        }
    }

    /// Matches a concrete resource.
    pub(crate) fn matches(&self, resource: &str, context: &Context) -> bool {
        let (prefix, segments, n_segments) = match self {
            ArnPattern::Any => return true,
            ArnPattern::Segments { prefix, rest, n_segments } => (prefix, rest, *n_segments),
        };
        let Some(mut rest) = resource.strip_prefix(&**prefix) else {
            return false;
        };
        let Some((last, leading)) = segments.split_last() else {
            return false;
        };
        for pattern in leading {
            let Some((segment, tail)) = rest.split_once(':') else {
                return false;
            };
            if !pattern.matches(segment, Case::Sensitive, context) {
                return false;
            }
            rest = tail;
        }
        if n_segments < 6 {
            // A short pattern: its last segment must end in `*` to cover the rest.
            return last.ends_with_wildcard_star() && last.matches(rest, Case::Sensitive, context);
        }
        last.matches(rest, Case::Sensitive, context)
    }
}

/// Splits at the first five colons that are not inside `${...}`.
fn split_segments(text: &str, variables: bool) -> Vec<&str> {
    let mut out = Vec::with_capacity(6);
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut idx = 0;
    while idx < bytes.len() && out.len() < 5 {
        if variables
            && bytes[idx] == b'$'
            && bytes.get(idx + 1) == Some(&b'{')
            && let Some(end) = text[idx..].find('}')
        {
            idx += end + 1;
            continue;
        }
        if bytes[idx] == b':' {
            out.push(&text[start..idx]);
            start = idx + 1;
        }
        idx += 1;
    }
    out.push(&text[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, arn: &str, expected: bool) {
        let context = Context::from_pairs(&[("aws:username", "bob"), ("aws:principalaccount", "111122223333")]);
        assert_eq!(ArnPattern::new(pattern, true).matches(arn, &context), expected, "{pattern} vs {arn}");
    }

    #[test]
    fn segments() {
        check("*", "arn:aws:s3:::b", true);
        check("arn:aws:s3:::b/*", "arn:aws:s3:::b/k", true);
        check("arn:aws:s3:::b/*", "arn:aws:s3:::c/k", false);
        check("arn:aws:s3:::B/*", "arn:aws:s3:::b/k", false);
        check("arn:aws:logs:*:*:log-group:x:*", "arn:aws:logs:us-east-1:1:log-group:x:log-stream:y", true);
        check("arn:aws:iam::*:user/*", "arn:aws:iam::1:user/a/b", true);
        check("arn:aws:iam::*", "arn:aws:iam::1:user/a", true);
        check("arn:aws:iam::1", "arn:aws:iam::1:user/a", false);
        check("arn:*:s3:::b", "arn:aws:s3:::b", true);
        check("arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}", "arn:aws:iam::111122223333:user/bob", true);
        check("arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}", "arn:aws:iam::111122223333:user/eve", false);
        check("arn:aws:s3:::b", "*", false);
    }
}
