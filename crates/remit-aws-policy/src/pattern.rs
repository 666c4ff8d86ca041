//! Wildcard patterns with policy variables, matched without allocating.
//!
//! IAM uses one wildcard syntax everywhere: `*` matches any run of characters (including `/`
//! and, in the last segment of an ARN, `:`), `?` matches one character. Under policy version
//! `2012-10-17` a pattern may also hold `${key}` variables (with an optional
//! `${key, 'default'}`) and the escapes `${*}`, `${?}`, `${$}` for literal `*`, `?`, `$`.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html>
//!
//! A pattern is compiled once into pieces; matching walks the pieces with the classic
//! two-pointer wildcard algorithm, reading a variable's value straight from the request
//! context, so the hot path never builds a substituted string.

use crate::context::{Context, ContextValue, key_hash};

/// Whether letters compare with or without case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// ARNs and condition values: case-sensitive.
    Sensitive,
    /// Actions and `...IgnoreCase` operators.
    Insensitive,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Literal(Box<str>),
    /// `*` (only when wildcards are enabled).
    Star,
    /// `?` (only when wildcards are enabled).
    Question,
    /// `${key}` or `${key, 'default'}`; the key is lower-cased for lookup.
    Variable {
        key: Box<str>,
        hash: u64,
        default: Option<Box<str>>,
    },
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pattern {
    pieces: Vec<Piece>,
    shape: Shape,
}

/// Fast paths for the common shapes (no variables).
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    /// Only `*`s: matches everything.
    Any,
    /// No wildcards, no variables.
    Exact(Box<str>),
    /// `prefix*` with no other wildcard.
    Prefix(Box<str>),
    /// `prefix*suffix` (or `*suffix`) with no other wildcard: common in `StringLike`
    /// conditions on ARNs (`arn:aws:iam::*:root`), read by every principal of an analysis.
    Surrounded(Box<str>, Box<str>),
    /// Anything else.
    General,
}

/// How to read a pattern's text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Syntax {
    /// `*` and `?` are wildcards (else literal).
    pub(crate) wildcards: bool,
    /// `${...}` is a variable (policy version 2012-10-17).
    pub(crate) variables: bool,
}

const MAX_VARIABLES_ON_STACK: usize = 8;

impl Pattern {
    /// Compiles `text`. With `Case::Insensitive`, literals are stored lower-cased and the
    /// subject must be lower-cased by the caller for the fast paths.
    pub(crate) fn new(text: &str, syntax: Syntax, case: Case) -> Pattern {
        let mut pieces: Vec<Piece> = Vec::new();
        let mut literal = String::new();
        let flush = |literal: &mut String, pieces: &mut Vec<Piece>| {
            if !literal.is_empty() {
                let text = std::mem::take(literal);
                let text = if case == Case::Insensitive { text.to_lowercase() } else { text };
                pieces.push(Piece::Literal(text.into()));
            }
        };
        let bytes = text.as_bytes();
        let mut idx = 0;
        while idx < text.len() {
            let rest = &text[idx..];
            if syntax.variables
                && rest.starts_with("${")
                && let Some(end) = rest.find('}')
            {
                let inner = &rest[2..end];
                match inner {
                    "*" => literal.push('*'),
                    "?" => literal.push('?'),
                    "$" => literal.push('$'),
                    _ => {
                        flush(&mut literal, &mut pieces);
                        pieces.push(parse_variable(inner));
                    }
                }
                idx += end + 1;
                continue;
            }
            match bytes.get(idx) {
                Some(b'*') if syntax.wildcards => {
                    flush(&mut literal, &mut pieces);
                    if pieces.last() != Some(&Piece::Star) {
                        pieces.push(Piece::Star);
                    }
                    idx += 1;
                }
                Some(b'?') if syntax.wildcards => {
                    flush(&mut literal, &mut pieces);
                    pieces.push(Piece::Question);
                    idx += 1;
                }
                _ => {
                    let ch = rest.chars().next().unwrap_or_default();
                    literal.push(ch);
                    idx += ch.len_utf8().max(1);
                }
            }
        }
        flush(&mut literal, &mut pieces);
        let shape = shape_of(&pieces);
        Pattern { pieces, shape }
    }

    /// Calls `visit` with the (lower-case) key of each variable of the pattern.
    pub(crate) fn visit_keys(&self, visit: &mut dyn FnMut(&str)) {
        for piece in &self.pieces {
            if let Piece::Variable { key, .. } = piece {
                visit(key);
            }
        }
    }

    /// True when a variable of the pattern reads a key whose value is unknown.
    pub(crate) fn reads_unknown(&self, context: &Context) -> bool {
        self.pieces.iter().any(|p| match p {
            Piece::Variable { key, hash, .. } => context.is_unknown(*hash, key),
            _ => false,
        })
    }

    /// The text, when the pattern is plain text (no wildcard, no variable).
    pub(crate) fn as_exact(&self) -> Option<&str> {
        match &self.shape {
            Shape::Exact(text) => Some(text),
            _ => None,
        }
    }

    /// The text every subject the pattern matches starts with: its first piece when that is
    /// plain text (`""` otherwise).
    pub(crate) fn literal_start(&self) -> &str {
        match self.pieces.first() {
            Some(Piece::Literal(text)) => text,
            _ => "",
        }
    }

    /// True when the last piece is a `*` wildcard.
    pub(crate) fn ends_with_wildcard_star(&self) -> bool {
        matches!(self.pieces.last(), Some(Piece::Star))
    }

    /// Matches `subject`. A variable with no value in `context` (and no default) makes the
    /// pattern match nothing, as AWS documents for unresolvable variables.
    pub(crate) fn matches(&self, subject: &str, case: Case, context: &Context) -> bool {
        match &self.shape {
            Shape::Any => return true,
            Shape::Exact(text) => return eq(text.as_bytes(), subject.as_bytes(), case),
            Shape::Prefix(prefix) => {
                return subject.len() >= prefix.len()
                    && eq(prefix.as_bytes(), &subject.as_bytes()[..prefix.len()], case);
            }
            Shape::Surrounded(prefix, suffix) => {
                let bytes = subject.as_bytes();
                return bytes.len() >= prefix.len() + suffix.len()
                    && eq(prefix.as_bytes(), &bytes[..prefix.len()], case)
                    && eq(suffix.as_bytes(), &bytes[bytes.len() - suffix.len()..], case);
            }
            Shape::General => {}
        }
        let mut stack: [&str; MAX_VARIABLES_ON_STACK] = [""; MAX_VARIABLES_ON_STACK];
        let mut heap: Vec<&str> = Vec::new();
        let mut n_vars = 0;
        for piece in &self.pieces {
            if let Piece::Variable { key, hash, default } = piece {
                let value = match context.get(*hash, key) {
                    Some(ContextValue::Single(v)) => &**v,
                    _ => match default {
                        Some(d) => &**d,
                        None => return false,
                    },
                };
                if n_vars < MAX_VARIABLES_ON_STACK {
                    stack[n_vars] = value;
                } else {
                    heap.push(value);
                }
                n_vars += 1;
            }
        }
        let values = Values { stack: &stack, heap: &heap };
        glob(&self.pieces, &values, subject.as_bytes(), case)
    }
}

/// A policy wildcard pattern for indexes that must never miss a match: analyses use it to
/// skip principals and statements that cannot apply before asking the engine, which alone
/// decides. A pattern with policy variables may match anything (its values depend on the
/// request), so [`Glob::may_match`] says yes to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Glob {
    pattern: Pattern,
    case: Case,
    has_variables: bool,
}

impl Glob {
    /// An `Action`/`NotAction` value: case-insensitive, no variables.
    pub fn action(text: &str) -> Glob {
        let pattern = Pattern::new(text, Syntax { wildcards: true, variables: false }, Case::Insensitive);
        Glob { pattern, case: Case::Insensitive, has_variables: false }
    }

    /// A `Resource`/`NotResource` value of a policy of `version` 2012-10-17 (variables) or older.
    pub fn resource(text: &str, variables: bool) -> Glob {
        let pattern = Pattern::new(text, Syntax { wildcards: true, variables }, Case::Sensitive);
        let has_variables = pattern.pieces.iter().any(|p| matches!(p, Piece::Variable { .. }));
        Glob { pattern, case: Case::Sensitive, has_variables }
    }

    /// True when the pattern matches `subject`, or could for some values of its variables.
    pub fn may_match(&self, subject: &str) -> bool {
        if self.has_variables {
            return true;
        }
        // The pattern compares without case itself where it must (`Case::Insensitive`).
        self.pattern.matches(subject, self.case, &Context::default())
    }

    /// True for a pattern of only `*`s.
    pub fn is_any(&self) -> bool {
        matches!(self.pattern.shape, Shape::Any)
    }
}

/// `text`, a `Resource` value of a policy that substitutes variables, with each policy
/// variable replaced by its value in `context` (or its default): the resources a statement
/// names for one caller whose own keys (`${aws:username}`) are known. `None` when a variable
/// has no single value there, or when the text writes a literal `*`, `?` or `$` (`${*}`),
/// which the resolved text could not tell from a wildcard.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html>
pub fn resolve_variables(text: &str, context: &Context) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let end = start + rest[start..].find('}')?;
        out.push_str(&rest[..start]);
        let Piece::Variable { key, hash, default } = parse_variable(&rest[start + 2..end]) else { return None };
        if matches!(&*key, "*" | "?" | "$") {
            return None;
        }
        match (context.get(hash, &key), default) {
            (Some(ContextValue::Single(value)), _) => out.push_str(value),
            (None, Some(default)) => out.push_str(&default),
            _ => return None,
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

fn parse_variable(inner: &str) -> Piece {
    // `${aws:PrincipalTag/team, 'company-wide'}`: a default follows a comma, in single quotes.
    if let Some((name, rest)) = inner.split_once(',') {
        let rest = rest.trim();
        if rest.len() >= 2 && rest.starts_with('\'') && rest.ends_with('\'') {
            let key = name.trim().to_ascii_lowercase();
            return Piece::Variable {
                hash: key_hash(&key),
                key: key.into(),
                default: Some(rest[1..rest.len() - 1].into()),
            };
        }
    }
    let key = inner.trim().to_ascii_lowercase();
    Piece::Variable { hash: key_hash(&key), key: key.into(), default: None }
}

fn shape_of(pieces: &[Piece]) -> Shape {
    if pieces.iter().all(|p| *p == Piece::Star) && !pieces.is_empty() {
        return Shape::Any;
    }
    match pieces {
        [] => Shape::Exact("".into()),
        [Piece::Literal(text)] => Shape::Exact(text.clone()),
        [Piece::Literal(text), Piece::Star] => Shape::Prefix(text.clone()),
        [Piece::Star, Piece::Literal(suffix)] => Shape::Surrounded("".into(), suffix.clone()),
        [Piece::Literal(prefix), Piece::Star, Piece::Literal(suffix)] => {
            Shape::Surrounded(prefix.clone(), suffix.clone())
        }
        _ => Shape::General,
    }
}

struct Values<'a, 'b> {
    stack: &'b [&'a str; MAX_VARIABLES_ON_STACK],
    heap: &'b [&'a str],
}

impl<'a> Values<'a, '_> {
    fn get(&self, idx: usize) -> &'a str {
        if idx < MAX_VARIABLES_ON_STACK {
            self.stack[idx]
        } else {
            self.heap.get(idx - MAX_VARIABLES_ON_STACK).copied().unwrap_or("")
        }
    }
}

/// A position in the pattern: piece index, byte offset inside a literal or variable value,
/// and the index of the variable the piece is (for looking its value up).
#[derive(Clone, Copy)]
struct Cursor {
    piece: usize,
    offset: usize,
    var: usize,
}

enum Unit {
    Byte(u8),
    Star,
    Question,
    End,
}

fn unit_at(pieces: &[Piece], values: &Values<'_, '_>, cursor: &mut Cursor) -> Unit {
    loop {
        let Some(piece) = pieces.get(cursor.piece) else {
            return Unit::End;
        };
        match piece {
            Piece::Star => return Unit::Star,
            Piece::Question => return Unit::Question,
            Piece::Literal(text) => match text.as_bytes().get(cursor.offset) {
                Some(b) => return Unit::Byte(*b),
                None => {
                    cursor.piece += 1;
                    cursor.offset = 0;
                }
            },
            Piece::Variable { .. } => match values.get(cursor.var).as_bytes().get(cursor.offset) {
                Some(b) => return Unit::Byte(*b),
                None => {
                    cursor.piece += 1;
                    cursor.offset = 0;
                    cursor.var += 1;
                }
            },
        }
    }
}

fn advance(pieces: &[Piece], cursor: &mut Cursor) {
    match pieces.get(cursor.piece) {
        Some(Piece::Star | Piece::Question) => {
            cursor.piece += 1;
            cursor.offset = 0;
        }
        _ => cursor.offset += 1,
    }
}

fn glob(pieces: &[Piece], values: &Values<'_, '_>, subject: &[u8], case: Case) -> bool {
    let mut cursor = Cursor { piece: 0, offset: 0, var: 0 };
    let mut pos = 0;
    let mut backtrack: Option<(Cursor, usize)> = None;
    loop {
        let unit = unit_at(pieces, values, &mut cursor);
        if pos < subject.len() {
            match unit {
                Unit::Star => {
                    advance(pieces, &mut cursor);
                    backtrack = Some((cursor, pos));
                    continue;
                }
                Unit::Question => {
                    advance(pieces, &mut cursor);
                    pos += char_len(subject, pos);
                    continue;
                }
                Unit::Byte(b) if byte_eq(b, subject[pos], case) => {
                    advance(pieces, &mut cursor);
                    pos += 1;
                    continue;
                }
                _ => {}
            }
            match &mut backtrack {
                Some((star_cursor, star_pos)) => {
                    *star_pos += char_len(subject, *star_pos);
                    cursor = *star_cursor;
                    pos = *star_pos;
                }
                None => return false,
            }
        } else {
            return match unit {
                Unit::End => true,
                Unit::Star => {
                    advance(pieces, &mut cursor);
                    continue;
                }
                _ => false,
            };
        }
    }
}

fn char_len(subject: &[u8], pos: usize) -> usize {
    match subject.get(pos) {
        Some(b) if *b < 0x80 => 1,
        Some(b) if *b >= 0xF0 => 4,
        Some(b) if *b >= 0xE0 => 3,
        Some(b) if *b >= 0xC0 => 2,
        _ => 1,
    }
}

fn byte_eq(a: u8, b: u8, case: Case) -> bool {
    match case {
        Case::Sensitive => a == b,
        Case::Insensitive => a.eq_ignore_ascii_case(&b),
    }
}

fn eq(a: &[u8], b: &[u8], case: Case) -> bool {
    match case {
        Case::Sensitive => a == b,
        Case::Insensitive => a.eq_ignore_ascii_case(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, subject: &str, expected: bool) {
        let syntax = Syntax { wildcards: true, variables: true };
        let context = Context::from_pairs(&[("aws:username", "bob")]);
        let p = Pattern::new(pattern, syntax, Case::Sensitive);
        assert_eq!(p.matches(subject, Case::Sensitive, &context), expected, "{pattern} vs {subject}");
    }

    #[test]
    fn wildcards() {
        check("*", "", true);
        check("a*", "abc", true);
        check("a*c", "abc", true);
        check("a*c", "abd", false);
        check("a?c", "abc", true);
        check("a?c", "ac", false);
        check("*/test/*", "1/2/test/3/x.jpg", true);
        check("bucket/*/test/*", "bucket//test/object.jpg", true);
        check("a*b*c", "aXbYbZc", true);
        check("?", "é", true);
        check("home/${aws:username}/*", "home/bob/x", true);
        check("home/${aws:username}/*", "home/alice/x", false);
        check("home/${aws:userid}/*", "home/bob/x", false);
        check("home/${aws:userid, 'bob'}/*", "home/bob/x", true);
        check("${*}", "*", true);
        check("${*}", "x", false);
        check("a${?}", "a?", true);
        check("${$}x", "$x", true);
    }

    #[test]
    fn resolving_variables() {
        let context = Context::from_pairs(&[("aws:username", "bob")]);
        let resolve = |text: &str| resolve_variables(text, &context);
        assert_eq!(resolve("arn:aws:s3:::home/${aws:username}/*").as_deref(), Some("arn:aws:s3:::home/bob/*"));
        assert_eq!(resolve("x-${aws:PrincipalTag/team, 'all'}").as_deref(), Some("x-all"));
        assert_eq!(resolve("plain").as_deref(), Some("plain"));
        assert_eq!(resolve("x-${aws:SourceIp}"), None);
        assert_eq!(resolve("x-${*}"), None);
        assert_eq!(resolve("x-${aws:username"), None);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// The obvious recursive matcher, as the reference.
    fn naive(pattern: &[char], subject: &[char]) -> bool {
        match pattern.split_first() {
            None => subject.is_empty(),
            Some(('*', rest)) => (0..=subject.len()).any(|i| naive(rest, &subject[i..])),
            Some(('?', rest)) => !subject.is_empty() && naive(rest, &subject[1..]),
            Some((c, rest)) => subject.first() == Some(c) && naive(rest, &subject[1..]),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn matches_like_the_naive_matcher(pattern in "[ab/*?é]{0,8}", subject in "[ab/é]{0,10}") {
            let compiled = Pattern::new(&pattern, Syntax { wildcards: true, variables: false }, Case::Sensitive);
            let p: Vec<char> = pattern.chars().collect();
            let s: Vec<char> = subject.chars().collect();
            prop_assert_eq!(compiled.matches(&subject, Case::Sensitive, &Context::default()), naive(&p, &s));
        }

        /// Without case too (`StringLike`'s `IgnoreCase` kin, action names): as the naive
        /// matcher on lower-case texts.
        #[test]
        fn matches_without_case_like_the_naive_matcher(pattern in "[aAbB/*?]{0,8}", subject in "[aAbB/]{0,10}") {
            let compiled = Pattern::new(&pattern, Syntax { wildcards: true, variables: false }, Case::Insensitive);
            let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
            let s: Vec<char> = subject.to_ascii_lowercase().chars().collect();
            prop_assert_eq!(compiled.matches(&subject, Case::Insensitive, &Context::default()), naive(&p, &s));
        }

        /// A resource written with variables, resolved for a caller, is a resource its
        /// pattern names for that caller (what-can lists it as the caller's).
        #[test]
        fn resolved_variables_name_what_the_pattern_matches(text in "[ab/$,'{}é]{0,6}(\\$\\{(aws:username|aws:userid|x|\\*)(, 'd')?\\})?[ab/$}é]{0,6}") {
            let context = Context::from_pairs(&[("aws:username", "bob"), ("aws:userid", "AID}$")]);
            if let Some(resolved) = resolve_variables(&text, &context)
                && !resolved.contains(['*', '?'])
            {
                let compiled = Pattern::new(&text, Syntax { wildcards: true, variables: true }, Case::Sensitive);
                prop_assert!(compiled.matches(&resolved, Case::Sensitive, &context), "{text} -> {resolved}");
            }
        }
    }
}
