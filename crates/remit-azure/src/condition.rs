//! ABAC role-assignment conditions (`conditionVersion` 2.0): parsing and three-valued evaluation.
//!
//! A condition narrows a role assignment to the requests it accepts
//! (<https://learn.microsoft.com/azure/role-based-access-control/conditions-format>). Offline we
//! know the action, and some attributes (a blob container's name from the resource id); the
//! rest (`@Request` values of a role assignment being created, `@Principal` custom security
//! attributes, `@Environment` network and time) are only known at request time. Evaluation is
//! therefore three-valued: true, false, or unknown, and unknown becomes a *conditional* answer
//! carrying the expression text, never a guess.
//!
//! What is decided:
//! - `ActionMatches{'pattern'}`: from the request's action (wildcards as in role definitions,
//!   case-insensitive), so `!(ActionMatches{'x'})` is true for every other action and the
//!   condition then holds ("conditions only constrain the targeted actions").
//! - `SubOperationMatches{'x'}`: only when the caller supplies the sub-operation
//!   ([`Context::sub_operation`]); otherwise unknown.
//! - A comparison (`attribute Operator value`, with or without a `ForAnyOfAnyValues:`-style
//!   cross-product prefix) whose attribute values are in [`Context::attributes`] and whose
//!   operator is one of: `StringEquals`, `StringNotEquals`, `StringStartsWith`,
//!   `StringNotStartsWith`, `StringLike`, `StringNotLike` (each also `…IgnoreCase`),
//!   `NumericEquals`, `NumericNotEquals`, `NumericLessThan`, `NumericLessThanEquals`,
//!   `NumericGreaterThan`, `NumericGreaterThanEquals`, `BoolEquals`, `BoolNotEquals`,
//!   `GuidEquals`, `GuidNotEquals`, and `DateTime…` comparisons of RFC 3339 UTC values written
//!   alike.
//! - `Exists attr` / `NotExists attr`: when the attribute is known present or known absent.
//! - `AND`/`&&`, `OR`/`||`, `NOT`/`!` with Kleene logic (false AND unknown = false, true OR
//!   unknown = true).
//!
//! What stays conditional: any attribute not supplied (in [`crate::analysis`] only the blob
//! container name, blob path and queue name, read from the resource id, are supplied), any attribute used
//! as a right-hand value (`@Principal[…]` compared to `@Resource[…]`), unknown operators, and
//! date-times written differently.

use std::collections::BTreeMap;

use crate::action;

/// A parsed condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// `a AND b`.
    And(Box<Expr>, Box<Expr>),
    /// `a OR b`.
    Or(Box<Expr>, Box<Expr>),
    /// `NOT a`.
    Not(Box<Expr>),
    /// `ActionMatches{'pattern'}`.
    ActionMatches(String),
    /// `SubOperationMatches{'name'}`.
    SubOperationMatches(String),
    /// `Exists attr` (true) or `NotExists attr` (false).
    Exists(Attribute, bool),
    /// `attr [Quantifier:]Operator value`.
    Compare {
        /// The left-hand attribute.
        attribute: Attribute,
        /// `ForAnyOfAnyValues` etc., when written.
        quantifier: Option<Quantifier>,
        /// The operator's name as written (`StringEquals`).
        operator: String,
        /// The right-hand value.
        value: Value,
    },
}

/// An attribute reference `@Source[name]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// `Resource`, `Request`, `Principal` or `Environment` (as written).
    pub source: String,
    /// The name between the brackets.
    pub name: String,
}

impl Attribute {
    /// The key [`Context::attributes`] uses: `@Source[name]` lowercased.
    pub fn key(&self) -> String {
        format!("@{}[{}]", self.source, self.name).to_ascii_lowercase()
    }
}

/// The cross-product quantifiers of multi-valued attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    /// `ForAnyOfAnyValues`.
    AnyOfAny,
    /// `ForAllOfAnyValues`.
    AllOfAny,
    /// `ForAnyOfAllValues`.
    AnyOfAll,
    /// `ForAllOfAllValues`.
    AllOfAll,
}

/// A right-hand value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// One literal (a quoted string, a number, a bare GUID or `true`/`false`), unquoted.
    One(String),
    /// `{a, b, …}`.
    List(Vec<String>),
    /// Another attribute (only known at request time).
    Attribute(Attribute),
}

/// A parse error: where and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("condition: at character {position}: {message}")]
pub struct ParseError {
    /// The character offset.
    pub position: usize,
    /// What is wrong.
    pub message: String,
}

/// Three-valued truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    /// Holds.
    True,
    /// Does not hold.
    False,
    /// Depends on what is only known at request time.
    Unknown,
}

impl Truth {
    fn from_bool(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }

    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }

    fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }

    fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::False, Truth::False) => Truth::False,
            _ => Truth::Unknown,
        }
    }
}

/// What is known about a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// The action requested.
    pub action: String,
    /// The sub-operation (`Blob.List`), when known; `None` leaves `SubOperationMatches` unknown.
    pub sub_operation: Option<Option<String>>,
    /// Known attributes by [`Attribute::key`]: their values (empty = known absent). An
    /// attribute not in the map is unknown.
    pub attributes: BTreeMap<String, Vec<String>>,
}

/// Parses a condition.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    let mut parser = Parser { chars: text.chars().collect(), pos: 0, depth: 0 };
    let expr = parser.or()?;
    parser.skip_ws();
    match parser.pos < parser.chars.len() {
        true => Err(parser.error("unexpected text after the condition")),
        false => Ok(expr),
    }
}

/// Evaluates a parsed condition against what is known of the request.
pub fn evaluate(expr: &Expr, context: &Context) -> Truth {
    match expr {
        Expr::And(a, b) => evaluate(a, context).and(evaluate(b, context)),
        Expr::Or(a, b) => evaluate(a, context).or(evaluate(b, context)),
        Expr::Not(a) => evaluate(a, context).not(),
        // https://learn.microsoft.com/azure/role-based-access-control/conditions-format#actions
        Expr::ActionMatches(pattern) => Truth::from_bool(action::matches(pattern, &context.action)),
        Expr::SubOperationMatches(name) => match &context.sub_operation {
            Some(Some(sub)) => Truth::from_bool(sub.eq_ignore_ascii_case(name)),
            Some(None) => Truth::False,
            None => Truth::Unknown,
        },
        // https://learn.microsoft.com/azure/role-based-access-control/conditions-format#exists
        Expr::Exists(attribute, positive) => match context.attributes.get(&attribute.key()) {
            Some(values) => Truth::from_bool(values.is_empty() != *positive),
            None => Truth::Unknown,
        },
        Expr::Compare { attribute, quantifier, operator, value } => {
            let Some(left) = context.attributes.get(&attribute.key()) else { return Truth::Unknown };
            let right: Vec<String> = match value {
                Value::One(v) => vec![v.clone()],
                Value::List(vs) => vs.clone(),
                Value::Attribute(_) => return Truth::Unknown,
            };
            compare(left, *quantifier, operator, &right)
        }
    }
}

/// Applies an operator with its cross-product quantifier
/// (<https://learn.microsoft.com/azure/role-based-access-control/conditions-format#cross-product-comparison-operators>).
fn compare(left: &[String], quantifier: Option<Quantifier>, operator: &str, right: &[String]) -> Truth {
    let Some((negated, base)) = operator_base(operator) else { return Truth::Unknown };
    let one = |l: &str, r: &str| -> Option<bool> { base_compare(base, l, r) };
    // Without a quantifier the attribute is single-valued: any value against any listed value.
    let quantifier = quantifier.unwrap_or(Quantifier::AnyOfAny);
    let mut table = Vec::new();
    for l in left {
        let mut row = Vec::new();
        for r in right {
            match one(l, r) {
                Some(b) => row.push(b),
                None => return Truth::Unknown,
            }
        }
        table.push(row);
    }
    let any_row = |row: &Vec<bool>| row.iter().any(|&b| b);
    let all_row = |row: &Vec<bool>| row.iter().all(|&b| b);
    let result = match quantifier {
        Quantifier::AnyOfAny => table.iter().any(any_row),
        Quantifier::AllOfAny => table.iter().all(any_row),
        Quantifier::AnyOfAll => table.iter().any(all_row),
        Quantifier::AllOfAll => table.iter().all(all_row),
    };
    Truth::from_bool(result != negated)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    Equals { ignore_case: bool },
    StartsWith { ignore_case: bool },
    Like { ignore_case: bool },
    Numeric(std::cmp::Ordering, bool),
    Bool,
    Guid,
    DateTime(std::cmp::Ordering, bool),
}

/// Splits an operator name into (negated, base), or `None` for an operator not decided here.
fn operator_base(operator: &str) -> Option<(bool, Base)> {
    use std::cmp::Ordering::{Equal, Greater, Less};
    let op = operator.to_ascii_lowercase();
    let (op, ignore_case) = match op.strip_suffix("ignorecase") {
        Some(stem) => (stem.to_owned(), true),
        None => (op, false),
    };
    Some(match op.as_str() {
        "stringequals" => (false, Base::Equals { ignore_case }),
        "stringnotequals" => (true, Base::Equals { ignore_case }),
        "stringstartswith" => (false, Base::StartsWith { ignore_case }),
        "stringnotstartswith" => (true, Base::StartsWith { ignore_case }),
        "stringlike" => (false, Base::Like { ignore_case }),
        "stringnotlike" => (true, Base::Like { ignore_case }),
        "numericequals" if !ignore_case => (false, Base::Numeric(Equal, false)),
        "numericnotequals" if !ignore_case => (true, Base::Numeric(Equal, false)),
        "numericlessthan" if !ignore_case => (false, Base::Numeric(Less, false)),
        "numericlessthanequals" if !ignore_case => (false, Base::Numeric(Less, true)),
        "numericgreaterthan" if !ignore_case => (false, Base::Numeric(Greater, false)),
        "numericgreaterthanequals" if !ignore_case => (false, Base::Numeric(Greater, true)),
        "boolequals" if !ignore_case => (false, Base::Bool),
        "boolnotequals" if !ignore_case => (true, Base::Bool),
        "guidequals" if !ignore_case => (false, Base::Guid),
        "guidnotequals" if !ignore_case => (true, Base::Guid),
        "datetimeequals" if !ignore_case => (false, Base::DateTime(Equal, false)),
        "datetimenotequals" if !ignore_case => (true, Base::DateTime(Equal, false)),
        "datetimelessthan" if !ignore_case => (false, Base::DateTime(Less, false)),
        "datetimelessthanequals" if !ignore_case => (false, Base::DateTime(Less, true)),
        "datetimegreaterthan" if !ignore_case => (false, Base::DateTime(Greater, false)),
        "datetimegreaterthanequals" if !ignore_case => (false, Base::DateTime(Greater, true)),
        _ => return None,
    })
}

/// One comparison; `None` when the values cannot be compared (the answer is then unknown).
fn base_compare(base: Base, left: &str, right: &str) -> Option<bool> {
    let fold = |s: &str, ignore: bool| if ignore { s.to_lowercase() } else { s.to_owned() };
    Some(match base {
        Base::Equals { ignore_case } => fold(left, ignore_case) == fold(right, ignore_case),
        Base::StartsWith { ignore_case } => fold(left, ignore_case).starts_with(&fold(right, ignore_case)),
        Base::Like { ignore_case } => like(&fold(right, ignore_case), &fold(left, ignore_case)),
        Base::Numeric(ordering, or_equal) => {
            let l: i64 = left.trim().parse().ok()?;
            let r: i64 = right.trim().parse().ok()?;
            let got = l.cmp(&r);
            got == ordering || (or_equal && got == std::cmp::Ordering::Equal)
        }
        Base::Bool => {
            let l: bool = left.trim().to_ascii_lowercase().parse().ok()?;
            let r: bool = right.trim().to_ascii_lowercase().parse().ok()?;
            l == r
        }
        Base::Guid => left.trim().eq_ignore_ascii_case(right.trim()),
        Base::DateTime(ordering, or_equal) => {
            // Only values written alike (same length, UTC `Z`) compare as text exactly.
            let comparable = left.len() == right.len() && left.ends_with('Z') && right.ends_with('Z');
            if !comparable {
                return None;
            }
            let got = left.cmp(right);
            got == ordering || (or_equal && got == std::cmp::Ordering::Equal)
        }
    })
}

/// `StringLike`: `*` any run, `?` one character, `\` escapes the next character.
fn like(pattern: &str, text: &str) -> bool {
    #[derive(Clone, Copy)]
    enum Token {
        Star,
        One,
        Char(char),
    }
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '*' => Token::Star,
            '?' => Token::One,
            '\\' => Token::Char(chars.next().unwrap_or('\\')),
            other => Token::Char(other),
        });
    }
    let text: Vec<char> = text.chars().collect();
    let mut reach = vec![false; text.len() + 1];
    reach[0] = true;
    for token in tokens {
        let mut next = vec![false; text.len() + 1];
        for i in 0..=text.len() {
            if !reach[i] {
                continue;
            }
            match token {
                Token::Star => {
                    for slot in next.iter_mut().skip(i) {
                        *slot = true;
                    }
                }
                Token::One => {
                    if i < text.len() {
                        next[i + 1] = true;
                    }
                }
                Token::Char(c) => {
                    if i < text.len() && text[i] == c {
                        next[i + 1] = true;
                    }
                }
            }
        }
        reach = next;
    }
    reach[text.len()]
}

/// The deepest nesting the parser follows (bad input must not exhaust the stack).
const MAX_DEPTH: usize = 64;

struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn error(&self, message: &str) -> ParseError {
        ParseError { position: self.pos, message: message.to_owned() }
    }

    fn skip_ws(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    /// Consumes `word` (case-insensitive) when it is next and is followed by a non-word char.
    fn keyword(&mut self, word: &str) -> bool {
        self.skip_ws();
        let len = word.chars().count();
        let Some(slice) = self.chars.get(self.pos..self.pos + len) else { return false };
        let matches = slice.iter().zip(word.chars()).all(|(a, b)| a.eq_ignore_ascii_case(&b));
        let boundary = self.chars.get(self.pos + len).is_none_or(|c| !c.is_alphanumeric());
        if matches && boundary {
            self.pos += len;
            true
        } else {
            false
        }
    }

    fn symbol(&mut self, text: &str) -> bool {
        self.skip_ws();
        let len = text.chars().count();
        let Some(slice) = self.chars.get(self.pos..self.pos + len) else { return false };
        if slice.iter().copied().eq(text.chars()) {
            self.pos += len;
            true
        } else {
            false
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        match self.depth > MAX_DEPTH {
            true => Err(self.error("nested too deeply")),
            false => Ok(()),
        }
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let mut left = self.and()?;
        while self.keyword("OR") || self.symbol("||") {
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        while self.keyword("AND") || self.symbol("&&") {
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        if self.keyword("NOT")
            || (self.peek() == Some('!') && self.chars.get(self.pos + 1) != Some(&'=') && self.symbol("!"))
        {
            self.enter()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        if self.symbol("(") {
            let inner = self.or()?;
            if !self.symbol(")") {
                return Err(self.error("expected `)`"));
            }
            return Ok(inner);
        }
        if self.keyword("ActionMatches") {
            return Ok(Expr::ActionMatches(self.braced_string()?));
        }
        if self.keyword("SubOperationMatches") {
            return Ok(Expr::SubOperationMatches(self.braced_string()?));
        }
        if self.keyword("Exists") {
            return Ok(Expr::Exists(self.attribute()?, true));
        }
        if self.keyword("NotExists") {
            return Ok(Expr::Exists(self.attribute()?, false));
        }
        let attribute = self.attribute()?;
        let (quantifier, operator) = self.operator()?;
        let value = self.value()?;
        Ok(Expr::Compare { attribute, quantifier, operator, value })
    }

    fn braced_string(&mut self) -> Result<String, ParseError> {
        if !self.symbol("{") {
            return Err(self.error("expected `{`"));
        }
        let text = self.quoted()?;
        if !self.symbol("}") {
            return Err(self.error("expected `}`"));
        }
        Ok(text)
    }

    fn quoted(&mut self) -> Result<String, ParseError> {
        self.skip_ws();
        if self.peek() != Some('\'') {
            return Err(self.error("expected a quoted string"));
        }
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some('\'') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some('\\') if self.chars.get(self.pos + 1) == Some(&'\'') => {
                    out.push('\'');
                    self.pos += 2;
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn attribute(&mut self) -> Result<Attribute, ParseError> {
        self.skip_ws();
        if self.peek() != Some('@') {
            return Err(
                self.error("expected an attribute (`@Resource[…]`, `@Request[…]`, `@Principal[…]`, `@Environment[…]`)")
            );
        }
        self.pos += 1;
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_alphanumeric()) {
            self.pos += 1;
        }
        let source: String = self.chars[start..self.pos].iter().collect();
        if source.is_empty() || self.peek() != Some('[') {
            return Err(self.error("expected `[` after the attribute source"));
        }
        self.pos += 1;
        let start = self.pos;
        while self.peek().is_some_and(|c| c != ']') {
            self.pos += 1;
        }
        if self.peek() != Some(']') {
            return Err(self.error("unterminated attribute name"));
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        self.pos += 1;
        Ok(Attribute { source, name: name.trim().to_owned() })
    }

    fn word(&mut self) -> String {
        self.skip_ws();
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '+')) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    fn operator(&mut self) -> Result<(Option<Quantifier>, String), ParseError> {
        let first = self.word();
        if first.is_empty() {
            return Err(self.error("expected an operator"));
        }
        let quantifier = match first.to_ascii_lowercase().as_str() {
            "foranyofanyvalues" => Some(Quantifier::AnyOfAny),
            "forallofanyvalues" => Some(Quantifier::AllOfAny),
            "foranyofallvalues" => Some(Quantifier::AnyOfAll),
            "forallofallvalues" => Some(Quantifier::AllOfAll),
            _ => None,
        };
        match quantifier {
            Some(q) => {
                if self.peek() != Some(':') {
                    return Err(self.error("expected `:` after the cross-product quantifier"));
                }
                self.pos += 1;
                let op = self.word();
                match op.is_empty() {
                    true => Err(self.error("expected an operator after the quantifier")),
                    false => Ok((Some(q), op)),
                }
            }
            None => Ok((None, first)),
        }
    }

    fn literal(&mut self) -> Result<String, ParseError> {
        self.skip_ws();
        if self.peek() == Some('\'') {
            return self.quoted();
        }
        let word = self.word();
        match word.is_empty() {
            true => Err(self.error("expected a value")),
            false => Ok(word),
        }
    }

    fn value(&mut self) -> Result<Value, ParseError> {
        self.skip_ws();
        match self.peek() {
            Some('@') => Ok(Value::Attribute(self.attribute()?)),
            Some('{') => {
                self.pos += 1;
                let mut items = Vec::new();
                if self.symbol("}") {
                    return Ok(Value::List(items));
                }
                loop {
                    items.push(self.literal()?);
                    if self.symbol(",") {
                        continue;
                    }
                    if self.symbol("}") {
                        return Ok(Value::List(items));
                    }
                    return Err(self.error("expected `,` or `}` in a value list"));
                }
            }
            _ => Ok(Value::One(self.literal()?)),
        }
    }
}

/// The attribute naming a blob container.
pub const CONTAINER_NAME: &str = "@resource[microsoft.storage/storageaccounts/blobservices/containers:name]";
/// The attribute naming a blob's path inside its container.
pub const BLOB_PATH: &str = "@resource[microsoft.storage/storageaccounts/blobservices/containers/blobs:path]";

/// The attribute naming a storage queue.
pub const QUEUE_NAME: &str = "@resource[microsoft.storage/storageaccounts/queueservices/queues:name]";

/// The attributes a resource id tells: a blob container's name, a blob's path, a queue's name
/// (<https://learn.microsoft.com/azure/storage/blobs/storage-auth-abac-attributes>,
/// <https://learn.microsoft.com/azure/storage/queues/queues-auth-abac-attributes>).
pub fn attributes_from_resource(resource_id: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let segments: Vec<&str> = resource_id.split('/').collect();
    let position = |name: &str| segments.iter().position(|s| s.eq_ignore_ascii_case(name));
    if let Some(i) = position("containers")
        && segments.get(i.wrapping_sub(2)).is_some_and(|s| s.eq_ignore_ascii_case("blobServices"))
        && let Some(container) = segments.get(i + 1)
    {
        out.insert(CONTAINER_NAME.to_owned(), vec![(*container).to_owned()]);
        if let Some(b) = segments.iter().skip(i + 2).position(|s| s.eq_ignore_ascii_case("blobs")) {
            let path = segments[i + 3 + b..].join("/");
            if !path.is_empty() {
                out.insert(BLOB_PATH.to_owned(), vec![path]);
            }
        }
    }
    if let Some(i) = position("queues")
        && segments.get(i.wrapping_sub(2)).is_some_and(|s| s.eq_ignore_ascii_case("queueServices"))
        && let Some(queue) = segments.get(i + 1)
    {
        out.insert(QUEUE_NAME.to_owned(), vec![(*queue).to_owned()]);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    // The documented examples:
    // https://learn.microsoft.com/azure/role-based-access-control/conditions-format
    // https://learn.microsoft.com/azure/storage/blobs/storage-auth-abac-examples
    const CONTAINER: &str = "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} AND NOT SubOperationMatches{'Blob.List'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'blobs-example-container'))";
    const CONSTRAIN_ROLES: &str = "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {ba92f5b4-2d11-453d-a403-e96b0029c9fe, 2a2b9908-6ea1-4ae2-8e65-a410df84e7d1})) AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {ba92f5b4-2d11-453d-a403-e96b0029c9fe}))";

    fn ctx(action: &str) -> Context {
        Context { action: action.into(), ..Context::default() }
    }

    #[test]
    fn other_actions_are_not_constrained() {
        let e = parse(CONTAINER).unwrap();
        assert_eq!(
            evaluate(&e, &ctx("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write")),
            Truth::True
        );
    }

    #[test]
    fn targeted_action_with_unknown_attribute_is_unknown() {
        let e = parse(CONTAINER).unwrap();
        assert_eq!(
            evaluate(&e, &ctx("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read")),
            Truth::Unknown
        );
    }

    #[test]
    fn known_container_decides() {
        let e = parse(CONTAINER).unwrap();
        let mut c = ctx("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read");
        c.sub_operation = Some(None);
        c.attributes.insert(CONTAINER_NAME.into(), vec!["blobs-example-container".into()]);
        assert_eq!(evaluate(&e, &c), Truth::True);
        c.attributes.insert(CONTAINER_NAME.into(), vec!["other".into()]);
        assert_eq!(evaluate(&e, &c), Truth::False);
    }

    #[test]
    fn constrain_roles_delegation() {
        let e = parse(CONSTRAIN_ROLES).unwrap();
        let mut c = ctx("Microsoft.Authorization/roleAssignments/write");
        assert_eq!(evaluate(&e, &c), Truth::Unknown);
        c.attributes.insert(
            "@request[microsoft.authorization/roleassignments:roledefinitionid]".into(),
            vec!["8e3af657-a8ff-443c-a75c-2fe8c4bcb635".into()],
        );
        assert_eq!(evaluate(&e, &c), Truth::False, "Owner is not in the allowed list");
        c.attributes.insert(
            "@request[microsoft.authorization/roleassignments:roledefinitionid]".into(),
            vec!["BA92F5B4-2D11-453D-A403-E96B0029C9FE".into()],
        );
        assert_eq!(evaluate(&e, &c), Truth::True);
    }

    #[test]
    fn operators_and_exists() {
        let e =
            parse("@Resource[x:y] StringLikeIgnoreCase 'ab*c?' && NotExists @Request[z:w] || NumericLessThan").err();
        assert!(e.is_some(), "an operator without value is an error");
        let e = parse("(@Resource[x:y] StringLikeIgnoreCase 'AB*c?') && NotExists @Request[z:w]").unwrap();
        let mut c = ctx("a/b");
        c.attributes.insert("@resource[x:y]".into(), vec!["abxxcd".into()]);
        assert_eq!(evaluate(&e, &c), Truth::Unknown);
        c.attributes.insert("@request[z:w]".into(), vec![]);
        assert_eq!(evaluate(&e, &c), Truth::True);
        let n = parse("@Resource[n] NumericGreaterThanEquals 5 AND @Resource[b] BoolEquals true").unwrap();
        c.attributes.insert("@resource[n]".into(), vec!["5".into()]);
        c.attributes.insert("@resource[b]".into(), vec!["True".into()]);
        assert_eq!(evaluate(&n, &c), Truth::True);
        let u = parse("@Resource[n] IpInRange '10.0.0.0/8'").unwrap();
        assert_eq!(evaluate(&u, &c), Truth::Unknown, "an operator not decided here stays unknown");
    }

    #[test]
    fn attributes_compared_to_attributes_stay_unknown() {
        let e = parse("@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>] StringEquals @Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Engineering_Project]").unwrap();
        let mut c = ctx("x/y");
        c.attributes.insert("@resource[microsoft.storage/storageaccounts/blobservices/containers/blobs/tags:project<$key_case_sensitive$>]".into(), vec!["a".into()]);
        assert_eq!(evaluate(&e, &c), Truth::Unknown);
    }

    #[test]
    fn resource_attributes() {
        let a = attributes_from_resource(
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/sa/blobServices/default/containers/logs/blobs/a/b.txt",
        );
        assert_eq!(a.get(CONTAINER_NAME).unwrap(), &vec!["logs".to_owned()]);
        assert_eq!(a.get(BLOB_PATH).unwrap(), &vec!["a/b.txt".to_owned()]);
        assert!(attributes_from_resource("/subscriptions/s").is_empty());
        let q = attributes_from_resource(
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/sa/queueServices/default/queues/jobs",
        );
        assert_eq!(q.get(QUEUE_NAME).unwrap(), &vec!["jobs".to_owned()]);
    }

    #[test]
    fn malformed_conditions_are_errors() {
        for bad in [
            "(",
            "ActionMatches{'x'",
            "@Resource[x",
            "@Resource[x] StringEquals",
            "a AND",
            "((((",
            "@R[x] ForAnyOfAnyValues StringEquals 'x'",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse(&"(".repeat(10_000)).is_err());
    }

    proptest! {
        #[test]
        fn parser_never_panics(text in "\\PC{0,80}") {
            let _ = parse(&text);
        }

        #[test]
        fn parser_never_panics_on_near_conditions(text in "[()!&| @A-Za-z\\[\\]{}':,0-9*-]{0,80}") {
            if let Ok(e) = parse(&text) {
                let _ = evaluate(&e, &ctx("a/b"));
            }
        }
    }
}
