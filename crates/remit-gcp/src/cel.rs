//! IAM Conditions: the part of CEL that can be decided offline, decided; the rest reported.
//!
//! A conditional binding grants only when its expression is true at request time. Offline,
//! some of what it reads is known (the resource queried, its tags when collected, a given
//! evaluation time) and some is not (the request's host, Access Context Manager levels,
//! `api.getAttribute`). Deciding the known part lets a condition that is false whatever the
//! request (`resource.type == "storage.googleapis.com/Bucket"` on a secret) be dropped, and one
//! that is true be granted outright; everything else stays *conditional* with its expression,
//! never guessed. Evaluation is three-valued (Kleene): `false && unknown` is false,
//! `true || unknown` is true.
//!
//! Decided (https://cloud.google.com/iam/docs/conditions-overview,
//! https://cloud.google.com/iam/docs/conditions-attribute-reference):
//! - attributes `resource.name`, `resource.type`, `resource.service` (when the resource is
//!   given and its service's resources recognize resource attributes: the engine leaves them
//!   unknown otherwise), `request.time` (when an evaluation time is given);
//! - string literals (single or double quotes, with `\` escapes), integers, `true`, `false`,
//!   lists `[…]`;
//! - `==`, `!=` on strings, integers, booleans and timestamps; `<`, `<=`, `>`, `>=` on
//!   timestamps and integers; `in` on a list; `&&`, `||`, `!`, parentheses;
//! - `.startsWith(s)`, `.endsWith(s)` on strings; `timestamp("RFC 3339")`;
//! - `resource.matchTag('ORG/key', 'value')`, `resource.hasTagKey('ORG/key')`,
//!   `resource.matchTagId('tagKeys/…', 'tagValues/…')`, `resource.hasTagKeyId('tagKeys/…')`
//!   when the resource's tags were collected.
//!
//! Everything else (other functions such as `.extract()`, `.getHours()`, `duration()`,
//! `api.getAttribute()`, `.hasOnly()`; attributes such as `request.host`, `request.path`,
//! `destination.*`, `request.auth.*`; a time condition without an evaluation time; tags not
//! collected; syntax outside this subset) is unknown, and makes the condition conditional
//! unless Kleene logic decides it.

use crate::import::Tag;

/// The deepest nesting parsed: deeper expressions are refused (IAM itself limits an
/// expression to 12 logical operators), so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

/// The longest expression parsed, in tokens (IAM limits an expression to 12 logical operators
/// and 1,000 characters: a real one is far shorter), so that evaluation and drop stay shallow.
const MAX_TOKENS: usize = 2048;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    /// `a || b`.
    Or(Box<Ast>, Box<Ast>),
    /// `a && b`.
    And(Box<Ast>, Box<Ast>),
    /// `!a`.
    Not(Box<Ast>),
    /// A comparison.
    Compare(CmpOp, Box<Ast>, Box<Ast>),
    /// `a in b`.
    In(Box<Ast>, Box<Ast>),
    /// A call: `target.name(args)` or `name(args)`.
    Call(Option<Box<Ast>>, String, Vec<Ast>),
    /// `target.field`.
    Select(Box<Ast>, String),
    /// An identifier.
    Ident(String),
    /// A string literal.
    Str(String),
    /// An integer literal.
    Int(i64),
    /// `true` or `false`.
    Bool(bool),
    /// `[a, b]`.
    List(Vec<Ast>),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

/// An expression outside the parsed subset, with where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at byte {offset}: {message}")]
pub struct ParseError {
    /// The byte offset.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Int(i64),
    Op(&'static str),
}

fn tokenize(text: &str) -> Result<Vec<(usize, Token)>, ParseError> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |offset: usize, message: &str| ParseError { offset, message: message.to_owned() };
    while i < chars.len() {
        let (at, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '"' || c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                let Some(&(_, d)) = chars.get(i) else { return Err(err(at, "unterminated string")) };
                i += 1;
                if d == c {
                    break;
                }
                if d == '\\' {
                    let Some(&(_, e)) = chars.get(i) else { return Err(err(at, "unterminated string")) };
                    i += 1;
                    s.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        other => other,
                    });
                } else {
                    s.push(d);
                }
            }
            out.push((at, Token::Str(s)));
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while chars.get(i).is_some_and(|(_, d)| d.is_ascii_digit()) {
                i += 1;
            }
            let digits: String = chars[start..i].iter().map(|(_, d)| d).collect();
            let n = digits.parse().map_err(|_| err(at, "integer out of range"))?;
            out.push((at, Token::Int(n)));
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while chars.get(i).is_some_and(|(_, d)| d.is_alphanumeric() || *d == '_') {
                i += 1;
            }
            out.push((at, Token::Ident(chars[start..i].iter().map(|(_, d)| d).collect())));
            continue;
        }
        let next = chars.get(i + 1).map(|(_, d)| *d);
        let two = match (c, next) {
            ('&', Some('&')) => Some("&&"),
            ('|', Some('|')) => Some("||"),
            ('=', Some('=')) => Some("=="),
            ('!', Some('=')) => Some("!="),
            ('<', Some('=')) => Some("<="),
            ('>', Some('=')) => Some(">="),
            _ => None,
        };
        if let Some(op) = two {
            out.push((at, Token::Op(op)));
            i += 2;
            continue;
        }
        let one = match c {
            '!' => "!",
            '<' => "<",
            '>' => ">",
            '(' => "(",
            ')' => ")",
            '[' => "[",
            ']' => "]",
            ',' => ",",
            '.' => ".",
            _ => return Err(err(at, &format!("unexpected `{c}`"))),
        };
        out.push((at, Token::Op(one)));
        i += 1;
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    pos: usize,
    end: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(_, t)| t)
    }

    fn offset(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |(o, _)| *o)
    }

    fn error(&self, message: &str) -> ParseError {
        ParseError { offset: self.offset(), message: message.to_owned() }
    }

    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Token::Op(o)) if *o == op) {
            self.pos += 1;
            return true;
        }
        false
    }

    fn expect(&mut self, op: &str) -> Result<(), ParseError> {
        match self.eat(op) {
            true => Ok(()),
            false => Err(self.error(&format!("expected `{op}`"))),
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        match self.depth > MAX_DEPTH {
            true => Err(self.error("nested too deeply")),
            false => Ok(()),
        }
    }

    fn or(&mut self) -> Result<Ast, ParseError> {
        self.enter()?;
        let mut left = self.and()?;
        while self.eat("||") {
            left = Ast::Or(Box::new(left), Box::new(self.and()?));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> Result<Ast, ParseError> {
        let mut left = self.relation()?;
        while self.eat("&&") {
            left = Ast::And(Box::new(left), Box::new(self.relation()?));
        }
        Ok(left)
    }

    fn relation(&mut self) -> Result<Ast, ParseError> {
        let left = self.unary()?;
        let op = match self.peek() {
            Some(Token::Op("==")) => CmpOp::Eq,
            Some(Token::Op("!=")) => CmpOp::Ne,
            Some(Token::Op("<")) => CmpOp::Lt,
            Some(Token::Op("<=")) => CmpOp::Le,
            Some(Token::Op(">")) => CmpOp::Gt,
            Some(Token::Op(">=")) => CmpOp::Ge,
            Some(Token::Ident(w)) if w == "in" => {
                self.pos += 1;
                return Ok(Ast::In(Box::new(left), Box::new(self.unary()?)));
            }
            _ => return Ok(left),
        };
        self.pos += 1;
        Ok(Ast::Compare(op, Box::new(left), Box::new(self.unary()?)))
    }

    fn unary(&mut self) -> Result<Ast, ParseError> {
        if self.eat("!") {
            self.enter()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Ast::Not(Box::new(inner)));
        }
        let mut node = self.primary()?;
        while self.eat(".") {
            let Some(Token::Ident(name)) = self.peek().cloned() else {
                return Err(self.error("expected a name after `.`"));
            };
            self.pos += 1;
            node = match self.eat("(") {
                true => Ast::Call(Some(Box::new(node)), name, self.args(")")?),
                false => Ast::Select(Box::new(node), name),
            };
        }
        Ok(node)
    }

    fn args(&mut self, close: &str) -> Result<Vec<Ast>, ParseError> {
        let mut args = Vec::new();
        if self.eat(close) {
            return Ok(args);
        }
        loop {
            args.push(self.or()?);
            if self.eat(close) {
                return Ok(args);
            }
            self.expect(",")?;
        }
    }

    fn primary(&mut self) -> Result<Ast, ParseError> {
        let Some(token) = self.peek().cloned() else { return Err(self.error("unexpected end")) };
        self.pos += 1;
        match token {
            Token::Str(s) => Ok(Ast::Str(s)),
            Token::Int(n) => Ok(Ast::Int(n)),
            Token::Ident(w) if w == "true" => Ok(Ast::Bool(true)),
            Token::Ident(w) if w == "false" => Ok(Ast::Bool(false)),
            Token::Ident(w) => match self.eat("(") {
                true => Ok(Ast::Call(None, w, self.args(")")?)),
                false => Ok(Ast::Ident(w)),
            },
            Token::Op("(") => {
                let inner = self.or()?;
                self.expect(")")?;
                Ok(inner)
            }
            Token::Op("[") => {
                self.enter()?;
                let items = self.args("]")?;
                self.depth -= 1;
                Ok(Ast::List(items))
            }
            Token::Op(op) => {
                self.pos -= 1;
                Err(self.error(&format!("unexpected `{op}`")))
            }
        }
    }
}

/// Parses an IAM condition expression (the subset in the module docs).
pub fn parse(text: &str) -> Result<Ast, ParseError> {
    let tokens = tokenize(text)?;
    if tokens.len() > MAX_TOKENS {
        return Err(ParseError { offset: 0, message: format!("longer than {MAX_TOKENS} tokens") });
    }
    let mut parser = Parser { tokens, pos: 0, end: text.len(), depth: 0 };
    let ast = parser.or()?;
    match parser.peek() {
        None => Ok(ast),
        Some(_) => Err(parser.error("unexpected text after the expression")),
    }
}

/// Three-valued truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    /// Holds whatever the request.
    True,
    /// Never holds.
    False,
    /// Depends on what is not known offline.
    Unknown,
}

impl Truth {
    fn from(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }

    /// Kleene conjunction.
    pub fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }

    /// Kleene disjunction.
    pub fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::False, Truth::False) => Truth::False,
            _ => Truth::Unknown,
        }
    }

    /// Kleene negation.
    pub fn negate(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

/// The resource attributes known offline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceAttributes {
    /// `resource.name` (e.g. `projects/_/buckets/b`), when its service documents one.
    pub name: Option<String>,
    /// `resource.type` (e.g. `storage.googleapis.com/Bucket`); empty when unknown.
    pub resource_type: String,
    /// `resource.service` (e.g. `storage.googleapis.com`); empty when unknown.
    pub service: String,
    /// Its effective tags (own and inherited), when collected.
    pub tags: Option<Vec<Tag>>,
}

/// What is known when deciding a condition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// The resource, when one is decided (None: the grant covers many resources).
    pub resource: Option<ResourceAttributes>,
    /// `request.time`, in seconds since the epoch, when an evaluation time is given.
    pub time: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
enum Val {
    Str(String),
    Int(i64),
    Bool(bool),
    Time(i64),
    List(Vec<Val>),
    Unknown,
}

/// Decides a condition's expression (see the module docs); text that does not parse is
/// unknown.
pub fn evaluate(expression: &str, context: &Context) -> Truth {
    match parse(expression) {
        Ok(ast) => decide(&ast, context),
        Err(_) => Truth::Unknown,
    }
}

/// Decides a parsed expression.
pub fn decide(ast: &Ast, context: &Context) -> Truth {
    truth(&value(ast, context))
}

fn truth(v: &Val) -> Truth {
    match v {
        Val::Bool(b) => Truth::from(*b),
        // A non-boolean where a boolean is expected is an evaluation error: IAM does not grant
        // on an error, but offline we cannot rule out that our model of the value is wrong.
        _ => Truth::Unknown,
    }
}

fn bool_val(t: Truth) -> Val {
    match t {
        Truth::True => Val::Bool(true),
        Truth::False => Val::Bool(false),
        Truth::Unknown => Val::Unknown,
    }
}

fn value(ast: &Ast, cx: &Context) -> Val {
    match ast {
        Ast::Or(a, b) => bool_val(truth(&value(a, cx)).or(truth(&value(b, cx)))),
        Ast::And(a, b) => bool_val(truth(&value(a, cx)).and(truth(&value(b, cx)))),
        Ast::Not(a) => bool_val(truth(&value(a, cx)).negate()),
        Ast::Compare(op, a, b) => compare(*op, &value(a, cx), &value(b, cx)),
        Ast::In(a, b) => match (value(a, cx), value(b, cx)) {
            (Val::Unknown, _) | (_, Val::Unknown) => Val::Unknown,
            (x, Val::List(items)) => {
                if items.contains(&x) {
                    Val::Bool(true)
                } else if items.contains(&Val::Unknown) {
                    Val::Unknown
                } else {
                    Val::Bool(false)
                }
            }
            _ => Val::Unknown,
        },
        Ast::Str(s) => Val::Str(s.clone()),
        Ast::Int(n) => Val::Int(*n),
        Ast::Bool(b) => Val::Bool(*b),
        Ast::List(items) => Val::List(items.iter().map(|i| value(i, cx)).collect()),
        Ast::Ident(_) => Val::Unknown,
        Ast::Select(target, field) => attribute(target, field, cx),
        Ast::Call(target, name, args) => call(target.as_deref(), name, args, cx),
    }
}

fn is_ident(ast: &Ast, name: &str) -> bool {
    matches!(ast, Ast::Ident(n) if n == name)
}

/// `resource.name|type|service`, `request.time`; every other attribute is unknown.
fn attribute(target: &Ast, field: &str, cx: &Context) -> Val {
    if is_ident(target, "resource") {
        let Some(r) = &cx.resource else { return Val::Unknown };
        return match field {
            "name" => r.name.clone().map_or(Val::Unknown, Val::Str),
            "type" if !r.resource_type.is_empty() => Val::Str(r.resource_type.clone()),
            "service" if !r.service.is_empty() => Val::Str(r.service.clone()),
            _ => Val::Unknown,
        };
    }
    if is_ident(target, "request") && field == "time" {
        return cx.time.map_or(Val::Unknown, Val::Time);
    }
    Val::Unknown
}

fn compare(op: CmpOp, a: &Val, b: &Val) -> Val {
    use std::cmp::Ordering;
    let ordering = match (a, b) {
        (Val::Unknown, _) | (_, Val::Unknown) => return Val::Unknown,
        (Val::Str(x), Val::Str(y)) => x.cmp(y),
        (Val::Int(x), Val::Int(y)) | (Val::Time(x), Val::Time(y)) => x.cmp(y),
        (Val::Bool(x), Val::Bool(y)) if matches!(op, CmpOp::Eq | CmpOp::Ne) => x.cmp(y),
        (Val::List(x), Val::List(y)) if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
            if x.contains(&Val::Unknown) || y.contains(&Val::Unknown) {
                return Val::Unknown;
            }
            if x == y { Ordering::Equal } else { Ordering::Less }
        }
        // Mixed types (or an ordering on strings and booleans, which IAM does not document
        // for conditions): not decided.
        _ => return Val::Unknown,
    };
    if matches!((a, b), (Val::Str(_), Val::Str(_))) && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
        return Val::Unknown;
    }
    Val::Bool(match op {
        CmpOp::Eq => ordering == Ordering::Equal,
        CmpOp::Ne => ordering != Ordering::Equal,
        CmpOp::Lt => ordering == Ordering::Less,
        CmpOp::Le => ordering != Ordering::Greater,
        CmpOp::Gt => ordering == Ordering::Greater,
        CmpOp::Ge => ordering != Ordering::Less,
    })
}

fn string_args(args: &[Ast], cx: &Context) -> Option<Vec<String>> {
    args.iter()
        .map(|a| match value(a, cx) {
            Val::Str(s) => Some(s),
            _ => None,
        })
        .collect()
}

fn call(target: Option<&Ast>, name: &str, args: &[Ast], cx: &Context) -> Val {
    match (target, name) {
        // https://cloud.google.com/iam/docs/conditions-attribute-reference#request-time
        (None, "timestamp") => match string_args(args, cx).as_deref() {
            Some([text]) => remit_findings::Timestamp::parse(text).map_or(Val::Unknown, |t| Val::Time(t.unix())),
            _ => Val::Unknown,
        },
        (Some(t), "startsWith" | "endsWith") => {
            let (Val::Str(subject), Some(args)) = (value(t, cx), string_args(args, cx)) else { return Val::Unknown };
            let [arg] = args.as_slice() else { return Val::Unknown };
            Val::Bool(match name {
                "startsWith" => subject.starts_with(arg.as_str()),
                _ => subject.ends_with(arg.as_str()),
            })
        }
        // https://cloud.google.com/iam/docs/tags-access-control#conditions
        (Some(t), "matchTag" | "hasTagKey" | "matchTagId" | "hasTagKeyId") if is_ident(t, "resource") => {
            let Some(tags) = cx.resource.as_ref().and_then(|r| r.tags.as_ref()) else { return Val::Unknown };
            let Some(args) = string_args(args, cx) else { return Val::Unknown };
            let found = match (name, args.as_slice()) {
                ("matchTag", [key, val]) => tags.iter().any(|t| &t.key == key && tag_short_value(t) == val),
                ("hasTagKey", [key]) => tags.iter().any(|t| &t.key == key),
                ("matchTagId", [key, val]) => {
                    tags.iter().any(|t| t.key_id.as_deref() == Some(key) && t.value_id.as_deref() == Some(val))
                }
                ("hasTagKeyId", [key]) => tags.iter().any(|t| t.key_id.as_deref() == Some(key)),
                _ => return Val::Unknown,
            };
            Val::Bool(found)
        }
        _ => Val::Unknown,
    }
}

/// The short name of a tag's value: search results write the namespaced value
/// (`123/env/prod`) while `matchTag` takes the short one (`prod`).
fn tag_short_value(tag: &Tag) -> &str {
    match tag.value.strip_prefix(tag.key.as_str()).and_then(|r| r.strip_prefix('/')) {
        Some(short) => short,
        None => &tag.value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket() -> Context {
        Context {
            resource: Some(ResourceAttributes {
                name: Some("projects/_/buckets/logs".into()),
                resource_type: "storage.googleapis.com/Bucket".into(),
                service: "storage.googleapis.com".into(),
                tags: Some(vec![Tag {
                    key: "123/env".into(),
                    key_id: Some("tagKeys/1".into()),
                    value: "123/env/prod".into(),
                    value_id: Some("tagValues/9".into()),
                }]),
            }),
            time: Some(remit_findings::Timestamp::parse("2026-06-01T00:00:00Z").unwrap().unix()),
        }
    }

    #[test]
    fn resource_attributes_decide() {
        let cx = bucket();
        assert_eq!(evaluate(r#"resource.name.startsWith("projects/_/buckets/lo")"#, &cx), Truth::True);
        assert_eq!(evaluate(r#"resource.name.endsWith('/other')"#, &cx), Truth::False);
        assert_eq!(evaluate(r#"resource.type == "storage.googleapis.com/Bucket""#, &cx), Truth::True);
        assert_eq!(evaluate(r#"resource.service != "storage.googleapis.com""#, &cx), Truth::False);
        assert_eq!(evaluate(r#"resource.type in ["a", "storage.googleapis.com/Bucket"]"#, &cx), Truth::True);
        assert_eq!(evaluate(r#"resource.type in ["a"]"#, &cx), Truth::False);
    }

    #[test]
    fn time_decides_only_with_a_time() {
        let cx = bucket();
        let e = r#"request.time < timestamp("2027-01-01T00:00:00Z")"#;
        assert_eq!(evaluate(e, &cx), Truth::True);
        assert_eq!(evaluate(r#"request.time >= timestamp("2027-01-01T00:00:00Z")"#, &cx), Truth::False);
        assert_eq!(evaluate(e, &Context { time: None, ..cx }), Truth::Unknown);
    }

    #[test]
    fn tags_decide_only_when_collected() {
        let cx = bucket();
        assert_eq!(evaluate("resource.matchTag('123/env', 'prod')", &cx), Truth::True);
        assert_eq!(evaluate("resource.matchTag('123/env', 'dev')", &cx), Truth::False);
        assert_eq!(evaluate("resource.hasTagKey('123/env')", &cx), Truth::True);
        assert_eq!(evaluate("resource.hasTagKeyId('tagKeys/2')", &cx), Truth::False);
        assert_eq!(evaluate("resource.matchTagId('tagKeys/1', 'tagValues/9')", &cx), Truth::True);
        let mut unknown = cx.clone();
        if let Some(r) = unknown.resource.as_mut() {
            r.tags = None;
        }
        assert_eq!(evaluate("resource.matchTag('123/env', 'prod')", &unknown), Truth::Unknown);
    }

    #[test]
    fn kleene_logic() {
        let cx = bucket();
        let unknown = "request.host == 'x'";
        assert_eq!(evaluate(unknown, &cx), Truth::Unknown);
        assert_eq!(evaluate(&format!("false && {unknown}"), &cx), Truth::False);
        assert_eq!(evaluate(&format!("true || {unknown}"), &cx), Truth::True);
        assert_eq!(evaluate(&format!("true && {unknown}"), &cx), Truth::Unknown);
        assert_eq!(evaluate(&format!("!({unknown})"), &cx), Truth::Unknown);
        assert_eq!(evaluate("!(resource.name == 'x')", &cx), Truth::True);
        assert_eq!(
            evaluate("api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/x'])", &cx),
            Truth::Unknown
        );
        assert_eq!(evaluate("request.time.getHours('Europe/Berlin') > 9", &cx), Truth::Unknown);
    }

    #[test]
    fn malformed_is_unknown_and_errors_say_where() {
        assert_eq!(evaluate("resource.name ==", &bucket()), Truth::Unknown);
        let e = parse("a && (b").unwrap_err();
        assert_eq!(e.offset, 7);
        assert!(parse(&"(".repeat(1000)).is_err());
        assert!(parse(&"!".repeat(1000)).is_err());
    }
}
