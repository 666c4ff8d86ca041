//! The `remit aws decide` case format: JSON Lines of requests and policies in, one decision per
//! line out (documented in `docs/aws-decide.md`).
//!
//! This is the edge where the wire format meets the engine: it turns a JSON case into a
//! [`Request`] and [`Policies`], reports a malformed case with the JSON path of the problem,
//! and renders the [`Decision`] (and, on request, its explanation) back to JSON. The engine in
//! `remit-aws-policy` knows nothing of this format; the differential tests and the CLI share
//! it through [`decide_line`].

use std::io::{self, BufRead, Write};

use remit_aws_policy::{
    Caller, Context, ContextValue, Decision, Explanation, Policies, Policy, PolicyError, PolicyKind, PolicySet, Request,
};
use serde_json::{Map, Value, json};

/// A decoded case.
#[derive(Debug)]
pub struct Case {
    /// The case's id, echoed back (`null` when absent).
    pub id: Value,
    /// The request.
    pub request: Request,
    /// The policies that apply.
    pub policies: Policies,
}

/// A case that could not be decoded: its id (when readable) and what is wrong, with the JSON
/// path of the problem.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseError {
    /// The case's id, when it could be read.
    pub id: Value,
    /// The problem, prefixed by its JSON path.
    pub message: String,
}

impl Case {
    /// Decodes one JSON line.
    pub fn parse(line: &str) -> Result<Case, CaseError> {
        let value: Value = serde_json::from_str(line)
            .map_err(|err| CaseError { id: Value::Null, message: format!("not valid JSON: {err}") })?;
        let Value::Object(fields) = &value else {
            return Err(CaseError { id: Value::Null, message: "expected a JSON object".into() });
        };
        let id = fields.get("id").cloned().unwrap_or(Value::Null);
        Case::from_fields(fields)
            .map(|(request, policies)| Case { id: id.clone(), request, policies })
            .map_err(|message| CaseError { id, message })
    }

    fn from_fields(fields: &Map<String, Value>) -> Result<(Request, Policies), String> {
        if let Some(id) = fields.get("id")
            && !(id.is_string() || id.is_number())
        {
            return Err("id: expected a string or a number".into());
        }
        let request = fields.get("request").ok_or("request: missing")?;
        let Value::Object(request) = request else {
            return Err("request: expected an object".into());
        };
        let principal = required_string(request, "principal")?;
        let caller = Caller::parse(principal).map_err(|e| format!("request.principal: {e}"))?;
        let action = required_string(request, "action")?;
        match action.split_once(':') {
            Some((service, name)) if !service.is_empty() && !name.is_empty() && !action.contains(['*', '?']) => {}
            _ => return Err(format!("request.action: `{action}` is not an action of the form `service:Action`")),
        }
        let resource = required_string(request, "resource")?;
        if resource != "*" && !resource.starts_with("arn:") {
            return Err(format!("request.resource: `{resource}` is neither an ARN nor `*`"));
        }
        let resource_account = match request.get("resourceAccount") {
            None | Some(Value::Null) => None,
            Some(Value::String(a)) if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) => Some(a.as_str()),
            Some(_) => return Err("request.resourceAccount: expected a 12-digit account id".into()),
        };
        let context = match request.get("context") {
            None | Some(Value::Null) => Context::default(),
            Some(Value::Object(map)) => parse_context(map)?,
            Some(_) => return Err("request.context: expected an object".into()),
        };
        for key in request.keys() {
            if !matches!(key.as_str(), "principal" | "action" | "resource" | "resourceAccount" | "context") {
                return Err(format!("request.{key}: unknown field"));
            }
        }

        let policies = Policies {
            identity: policy_list(fields, "identityPolicies", PolicyKind::Identity)?,
            permissions_boundary: optional_policy(fields, "permissionsBoundary", PolicyKind::PermissionsBoundary)?,
            session: optional_policy(fields, "sessionPolicy", PolicyKind::Session)?,
            scps: levels(fields, "scps", PolicyKind::ServiceControl)?,
            resource: optional_policy(fields, "resourcePolicy", resource_policy_kind(action, resource))?,
            rcps: levels(fields, "rcps", PolicyKind::ResourceControl)?,
        };
        check_applicable(&caller, &policies)?;
        let request = Request::new(caller, action, resource, resource_account, context);
        Ok((request, policies))
    }
}

/// A role's trust policy is the resource policy of `sts:AssumeRole*` on a role.
fn resource_policy_kind(action: &str, resource: &str) -> PolicyKind {
    let is_role = resource.split(':').nth(2) == Some("iam")
        && resource.splitn(6, ':').nth(5).is_some_and(|r| r.starts_with("role/"));
    if is_role && action.to_ascii_lowercase().starts_with("sts:") { PolicyKind::Trust } else { PolicyKind::Resource }
}

/// Policies that cannot apply to this kind of caller are a malformed case, not a silent no-op.
fn check_applicable(caller: &Caller, policies: &Policies) -> Result<(), String> {
    let what = match caller {
        Caller::Anonymous => "an anonymous request",
        Caller::Root { .. } => "the account root user",
        Caller::Service { .. } => "a service principal",
        Caller::Federated { .. } => "an identity provider",
        _ => "",
    };
    if !caller.is_iam_identity() {
        if !policies.identity.is_empty() {
            return Err(format!("identityPolicies: {what} has no identity-based policies"));
        }
        if policies.permissions_boundary.is_some() {
            return Err(format!("permissionsBoundary: {what} has no permissions boundary"));
        }
    }
    if policies.session.is_some() && !caller.is_session() {
        return Err("sessionPolicy: only role sessions and federated users have session policies".into());
    }
    if !caller.is_in_account() && policies.scps.iter().any(|l| !l.is_empty()) {
        return Err(format!("scps: service control policies do not apply to {what}"));
    }
    Ok(())
}

fn required_string<'a>(map: &'a Map<String, Value>, key: &str) -> Result<&'a str, String> {
    match map.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(format!("request.{key}: expected a string")),
        None => Err(format!("request.{key}: missing")),
    }
}

fn parse_context(map: &Map<String, Value>) -> Result<Context, String> {
    let mut pairs = Vec::with_capacity(map.len());
    for (key, value) in map {
        let scalar = |v: &Value, at: &str| -> Result<Box<str>, String> {
            match v {
                Value::String(s) => Ok(s.as_str().into()),
                Value::Bool(b) => Ok(b.to_string().into()),
                Value::Number(n) => Ok(n.to_string().into()),
                _ => Err(format!("{at}: expected a string, boolean or number")),
            }
        };
        let at = format!("request.context.{key}");
        let value = match value {
            Value::Array(items) => ContextValue::Multi(
                items.iter().enumerate().map(|(i, v)| scalar(v, &format!("{at}[{i}]"))).collect::<Result<_, _>>()?,
            ),
            other => ContextValue::Single(scalar(other, &at)?),
        };
        pairs.push((key.clone(), value));
    }
    Ok(Context::new(pairs))
}

fn parse_policy(value: &Value, kind: PolicyKind, at: &str) -> Result<Policy, String> {
    Policy::from_json(value, kind).map_err(|e: PolicyError| e.within(at).to_string())
}

fn optional_policy(fields: &Map<String, Value>, key: &str, kind: PolicyKind) -> Result<Option<Policy>, String> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => parse_policy(value, kind, key).map(Some),
    }
}

fn policy_list(fields: &Map<String, Value>, key: &str, kind: PolicyKind) -> Result<Vec<Policy>, String> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => {
            items.iter().enumerate().map(|(i, item)| parse_policy(item, kind, &format!("{key}[{i}]"))).collect()
        }
        Some(_) => Err(format!("{key}: expected an array of policies")),
    }
}

fn levels(fields: &Map<String, Value>, key: &str, kind: PolicyKind) -> Result<Vec<Vec<Policy>>, String> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(levels)) => levels
            .iter()
            .enumerate()
            .map(|(level, policies)| match policies {
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| parse_policy(item, kind, &format!("{key}[{level}][{i}]")))
                    .collect(),
                _ => Err(format!("{key}[{level}]: expected an array of policies (one organization level)")),
            })
            .collect(),
        Some(_) => Err(format!("{key}: expected an array of levels, each an array of policies")),
    }
}

/// Decides one case line and renders the answer line (without a trailing newline).
pub fn decide_line(line: &str, explain: bool) -> String {
    answer(line, explain).0.to_string()
}

/// Decides one case line: the answer as JSON, and whether it is an error.
pub fn answer(line: &str, explain: bool) -> (Value, bool) {
    match Case::parse(line) {
        Err(err) => (json!({"id": err.id, "error": err.message}), true),
        Ok(case) => {
            let set = PolicySet::new(&case.policies);
            if explain {
                let explanation = set.explain(&case.request);
                (
                    json!({"id": case.id, "decision": explanation.decision.as_str(), "explain": explanation_json(&explanation)}),
                    false,
                )
            } else {
                let decision: Decision = set.decide(&case.request);
                (json!({"id": case.id, "decision": decision.as_str()}), false)
            }
        }
    }
}

fn explanation_json(explanation: &Explanation) -> Value {
    let statements: Vec<Value> = explanation
        .matched
        .iter()
        .map(|m| {
            let mut out = Map::new();
            out.insert("layer".into(), m.layer.as_str().into());
            if let Some(level) = m.level {
                out.insert("level".into(), level.into());
            }
            out.insert("policy".into(), m.policy.into());
            out.insert("statement".into(), m.statement.into());
            if let Some(sid) = &m.sid {
                out.insert("sid".into(), sid.clone().into());
            }
            out.insert("effect".into(), m.effect.as_str().into());
            Value::Object(out)
        })
        .collect();
    let denied_by = match explanation.denied_by {
        None => Value::Null,
        Some((layer, None)) => json!({"layer": layer.as_str()}),
        Some((layer, Some(level))) => json!({"layer": layer.as_str(), "level": level}),
    };
    json!({"reason": explanation.reason, "deniedBy": denied_by, "statements": statements})
}

/// What a run of [`decide_stream`] saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Cases decided.
    pub decided: usize,
    /// Lines that were not valid cases.
    pub errors: usize,
}

/// Decides every line of `input`, writing one answer line each, in order. Blank lines are
/// skipped.
pub fn decide_stream(input: &mut dyn BufRead, output: &mut dyn Write, explain: bool) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let mut bytes = Vec::new();
    loop {
        bytes.clear();
        if input.read_until(b'\n', &mut bytes)? == 0 {
            break;
        }
        let (value, is_error) = match std::str::from_utf8(&bytes) {
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => answer(line.trim_end_matches(['\n', '\r']), explain),
            Err(err) => (json!({"id": Value::Null, "error": format!("not valid UTF-8: {err}")}), true),
        };
        if is_error {
            summary.errors += 1;
        } else {
            summary.decided += 1;
        }
        serde_json::to_writer(&mut *output, &value)?;
        output.write_all(b"\n")?;
    }
    output.flush()?;
    Ok(summary)
}
