//! JSON text to [`Policy`], accepting every form AWS accepts and rejecting what it rejects.
//!
//! The grammar is AWS's: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>.
//! Each policy type adds its own restrictions (identity policies name no principal, trust
//! policies no resource, RCPs only `"Principal": "*"` ...), checked here so that a policy the
//! engine accepts is one AWS would have accepted as that type. Errors carry the JSON path of the
//! offending element so that a user can find it in a large export.

use serde_json::Value;

use crate::{
    condition::Operator,
    error::PolicyError,
    policy::{ConditionEntry, Effect, Negatable, Policy, PrincipalType, Principals, Statement, Version},
};

/// What a policy is attached to, which decides which elements it may and must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// A policy attached to a user, group or role (inline or managed).
    Identity,
    /// A permissions boundary.
    PermissionsBoundary,
    /// A session policy passed to `AssumeRole*` or `GetFederationToken`.
    Session,
    /// A resource-based policy (bucket, key, queue, topic, function ... policy).
    Resource,
    /// A role trust policy.
    Trust,
    /// An Organizations service control policy.
    ServiceControl,
    /// An Organizations resource control policy.
    ResourceControl,
}

impl PolicyKind {
    /// A short name for messages, with its article.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Identity => "an identity policy",
            PolicyKind::PermissionsBoundary => "a permissions boundary",
            PolicyKind::Session => "a session policy",
            PolicyKind::Resource => "a resource-based policy",
            PolicyKind::Trust => "a trust policy",
            PolicyKind::ServiceControl => "a service control policy",
            PolicyKind::ResourceControl => "a resource control policy",
        }
    }

    fn takes_principal(self) -> bool {
        matches!(self, PolicyKind::Resource | PolicyKind::Trust | PolicyKind::ResourceControl)
    }
}

impl Policy {
    /// Parses a policy document from JSON text.
    pub fn parse(text: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        let value: Value =
            serde_json::from_str(text).map_err(|err| PolicyError::new("", format!("not valid JSON: {err}")))?;
        Policy::from_json(&value, kind)
    }

    /// Parses a policy document from a JSON value. A JSON string holding a policy document (the
    /// form most AWS APIs return) is parsed too.
    pub fn from_json(value: &Value, kind: PolicyKind) -> Result<Policy, PolicyError> {
        match value {
            Value::String(text) => {
                // The raw IAM API returns documents URL-encoded; the CLI decodes them.
                // https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
                let decoded;
                let text = if text.trim_start().starts_with('%') {
                    decoded = percent_decode(text)
                        .ok_or_else(|| PolicyError::new("", "a URL-encoded policy document that does not decode"))?;
                    &decoded
                } else {
                    text
                };
                let inner: Value = serde_json::from_str(text).map_err(|err| {
                    PolicyError::new("", format!("a string that is not a JSON policy document: {err}"))
                })?;
                if inner.is_string() {
                    return Err(PolicyError::new("", "expected an object"));
                }
                parse_policy(&inner, kind)
            }
            _ => parse_policy(value, kind),
        }
    }
}

fn parse_policy(value: &Value, kind: PolicyKind) -> Result<Policy, PolicyError> {
    let Value::Object(doc) = value else {
        return Err(PolicyError::new("", "expected an object"));
    };
    let mut version = Version::Absent;
    let mut id = None;
    let mut statements = None;
    for (key, item) in doc {
        match key.as_str() {
            "Version" => {
                version = match item.as_str() {
                    Some("2012-10-17") => Version::V2012_10_17,
                    Some("2008-10-17") => Version::V2008_10_17,
                    _ => {
                        return Err(PolicyError::new("Version", "expected `2012-10-17` or `2008-10-17`"));
                    }
                }
            }
            "Id" => id = Some(expect_string(item, "Id")?.to_owned()),
            "Statement" => statements = Some(parse_statements(item, kind)?),
            other => {
                return Err(PolicyError::new(other, "unknown policy element"));
            }
        }
    }
    let statements = statements.ok_or_else(|| PolicyError::new("Statement", "missing"))?;
    // RCPs must declare the current language version.
    // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html
    if kind == PolicyKind::ResourceControl && version != Version::V2012_10_17 {
        return Err(PolicyError::new("Version", "a resource control policy must use `2012-10-17`"));
    }
    let mut seen_sids: Vec<&str> = Vec::new();
    for (idx, statement) in statements.iter().enumerate() {
        if let Some(sid) = &statement.sid {
            // Statement ids must be unique within a policy.
            // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html
            if seen_sids.contains(&sid.as_str()) {
                return Err(PolicyError::new(
                    format!("Statement[{idx}].Sid"),
                    format!("duplicate statement id `{sid}`"),
                ));
            }
            seen_sids.push(sid);
        }
    }
    Ok(Policy { version, id, statements })
}

fn parse_statements(value: &Value, kind: PolicyKind) -> Result<Vec<Statement>, PolicyError> {
    match value {
        // A single statement may be given as an object rather than an array.
        Value::Object(_) => Ok(vec![parse_statement(value, kind, "Statement".to_owned())?]),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(idx, item)| parse_statement(item, kind, format!("Statement[{idx}]")))
            .collect(),
        _ => Err(PolicyError::new("Statement", "expected an object or an array of objects")),
    }
}

fn parse_statement(value: &Value, kind: PolicyKind, path: String) -> Result<Statement, PolicyError> {
    let Value::Object(fields) = value else {
        return Err(PolicyError::new(path, "expected an object"));
    };
    let mut sid = None;
    let mut effect = None;
    let mut principal = None;
    let mut action = None;
    let mut resource = None;
    let mut conditions = Vec::new();
    for (key, item) in fields {
        let at = format!("{path}.{key}");
        match key.as_str() {
            "Sid" => sid = Some(expect_string(item, &at)?.to_owned()),
            "Effect" => {
                effect = Some(match item.as_str() {
                    Some("Allow") => Effect::Allow,
                    Some("Deny") => Effect::Deny,
                    _ => return Err(PolicyError::new(at, "expected `Allow` or `Deny`")),
                })
            }
            "Principal" | "NotPrincipal" => {
                if principal.is_some() {
                    return Err(PolicyError::new(at, "only one of `Principal` and `NotPrincipal` may be given"));
                }
                principal = Some(Negatable { negated: key == "NotPrincipal", values: parse_principals(item, &at)? });
            }
            "Action" | "NotAction" => {
                if action.is_some() {
                    return Err(PolicyError::new(at, "only one of `Action` and `NotAction` may be given"));
                }
                let values = string_list(item, &at)?;
                for (idx, value) in values.iter().enumerate() {
                    check_action(value).map_err(|msg| PolicyError::new(index_path(&at, item, idx), msg))?;
                }
                action = Some(Negatable { negated: key == "NotAction", values });
            }
            "Resource" | "NotResource" => {
                if resource.is_some() {
                    return Err(PolicyError::new(at, "only one of `Resource` and `NotResource` may be given"));
                }
                let values = string_list(item, &at)?;
                for (idx, value) in values.iter().enumerate() {
                    check_resource(value).map_err(|msg| PolicyError::new(index_path(&at, item, idx), msg))?;
                }
                resource = Some(Negatable { negated: key == "NotResource", values });
            }
            "Condition" => conditions = parse_conditions(item, &at)?,
            other => return Err(PolicyError::new(at, format!("unknown statement element `{other}`"))),
        }
    }
    let effect = effect.ok_or_else(|| PolicyError::new(format!("{path}.Effect"), "missing"))?;
    let action = action
        .ok_or_else(|| PolicyError::new(format!("{path}.Action"), "missing (`Action` or `NotAction` is required)"))?;

    // Which elements each policy type takes.
    // Identity-based policies: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    // ("You cannot use the Principal element in an identity-based policy").
    // Trust policies take no Resource and no NotPrincipal:
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
    // SCP elements: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_syntax.html
    // RCP elements: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html
    if kind.takes_principal() {
        if principal.is_none() {
            return Err(PolicyError::new(
                format!("{path}.Principal"),
                format!("missing ({} names its principals)", kind.as_str()),
            ));
        }
    } else if principal.is_some() {
        let name = if principal.as_ref().is_some_and(|p| p.negated) { "NotPrincipal" } else { "Principal" };
        return Err(PolicyError::new(format!("{path}.{name}"), format!("not allowed in {}", kind.as_str())));
    }
    if let Some(p) = &principal {
        // NotPrincipal must be used with Deny; it is not allowed in trust policies or RCPs.
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
        if p.negated {
            if effect == Effect::Allow {
                return Err(PolicyError::new(
                    format!("{path}.NotPrincipal"),
                    "may only be used with `\"Effect\": \"Deny\"`",
                ));
            }
            if matches!(kind, PolicyKind::Trust | PolicyKind::ResourceControl) {
                return Err(PolicyError::new(
                    format!("{path}.NotPrincipal"),
                    format!("not allowed in {}", kind.as_str()),
                ));
            }
        }
    }
    match kind {
        PolicyKind::Identity | PolicyKind::PermissionsBoundary | PolicyKind::Session => {
            if resource.is_none() {
                return Err(PolicyError::new(
                    format!("{path}.Resource"),
                    format!("missing (`Resource` or `NotResource` is required in {})", kind.as_str()),
                ));
            }
        }
        PolicyKind::Trust => {
            if let Some(r) = &resource {
                let name = if r.negated { "NotResource" } else { "Resource" };
                return Err(PolicyError::new(format!("{path}.{name}"), "not allowed in a trust policy"));
            }
        }
        PolicyKind::ResourceControl => {
            if action.negated {
                return Err(PolicyError::new(format!("{path}.NotAction"), "not allowed in a resource control policy"));
            }
            let is_everyone = matches!(&principal, Some(p) if is_everyone(&p.values));
            if !is_everyone {
                return Err(PolicyError::new(
                    format!("{path}.Principal"),
                    "a resource control policy must name `\"Principal\": \"*\"`",
                ));
            }
            // "The effect of Allow is only supported for the RCPFullAWSAccess policy."
            if effect == Effect::Allow {
                let full_access = action.values.iter().all(|a| a == "*")
                    && resource.as_ref().is_none_or(|r| !r.negated && r.values.iter().all(|v| v == "*"))
                    && conditions.is_empty();
                if !full_access {
                    return Err(PolicyError::new(
                        format!("{path}.Effect"),
                        "`Allow` is supported in a resource control policy only as in `RCPFullAWSAccess`",
                    ));
                }
            }
        }
        PolicyKind::Resource | PolicyKind::ServiceControl => {}
    }
    Ok(Statement { sid, effect, principal, action, resource, conditions })
}

fn is_everyone(principals: &Principals) -> bool {
    match principals {
        Principals::Everyone => true,
        Principals::Typed(entries) => {
            entries.len() == 1
                && entries[0].0 == PrincipalType::Aws
                && entries[0].1.len() == 1
                && entries[0].1[0] == "*"
        }
    }
}

fn parse_principals(value: &Value, at: &str) -> Result<Principals, PolicyError> {
    match value {
        Value::String(s) if s == "*" => Ok(Principals::Everyone),
        Value::String(_) => Err(PolicyError::new(at, "expected `\"*\"` or an object such as `{\"AWS\": ...}`")),
        Value::Object(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (key, item) in map {
                let here = format!("{at}.{key}");
                let kind = PrincipalType::from_json(key).ok_or_else(|| {
                    PolicyError::new(
                        &here,
                        "unknown principal type (expected `AWS`, `Service`, `Federated` or `CanonicalUser`)",
                    )
                })?;
                let values = string_list(item, &here)?;
                for (idx, v) in values.iter().enumerate() {
                    // "You cannot use a wildcard to match part of a principal name or ARN."
                    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
                    if v.is_empty() {
                        return Err(PolicyError::new(index_path(&here, item, idx), "empty principal"));
                    }
                    if v != "*" && (v.contains('*') || v.contains('?')) && kind != PrincipalType::CanonicalUser {
                        return Err(PolicyError::new(
                            index_path(&here, item, idx),
                            format!("`{v}`: a wildcard cannot match part of a principal"),
                        ));
                    }
                }
                entries.push((kind, values));
            }
            if entries.is_empty() {
                return Err(PolicyError::new(at, "expected at least one principal"));
            }
            Ok(Principals::Typed(entries))
        }
        _ => Err(PolicyError::new(at, "expected `\"*\"` or an object such as `{\"AWS\": ...}`")),
    }
}

fn parse_conditions(value: &Value, at: &str) -> Result<Vec<ConditionEntry>, PolicyError> {
    let Value::Object(block) = value else {
        return Err(PolicyError::new(at, "expected an object"));
    };
    let mut entries = Vec::new();
    for (operator, keys) in block {
        let here = format!("{at}.{operator}");
        Operator::parse(operator).map_err(|msg| PolicyError::new(&here, msg))?;
        let Value::Object(keys) = keys else {
            return Err(PolicyError::new(here, "expected an object"));
        };
        for (key, values) in keys {
            let key_path = format!("{here}.{key}");
            if key.is_empty() {
                return Err(PolicyError::new(key_path, "empty condition key"));
            }
            let values = condition_values(values, &key_path)?;
            entries.push(ConditionEntry { operator: operator.clone(), key: key.clone(), values });
        }
    }
    Ok(entries)
}

fn condition_values(value: &Value, at: &str) -> Result<Vec<String>, PolicyError> {
    fn scalar(value: &Value, at: &str) -> Result<String, PolicyError> {
        match value {
            Value::String(s) => Ok(s.clone()),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(PolicyError::new(at, "expected a string, number or boolean")),
        }
    }
    match value {
        Value::Array(items) => {
            items.iter().enumerate().map(|(idx, item)| scalar(item, &format!("{at}[{idx}]"))).collect()
        }
        _ => Ok(vec![scalar(value, at)?]),
    }
}

fn expect_string<'a>(value: &'a Value, at: &str) -> Result<&'a str, PolicyError> {
    value.as_str().ok_or_else(|| PolicyError::new(at, "expected a string"))
}

/// A string or a non-empty array of strings.
fn string_list(value: &Value, at: &str) -> Result<Vec<String>, PolicyError> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => {
            if items.is_empty() {
                return Err(PolicyError::new(at, "expected at least one value"));
            }
            items
                .iter()
                .enumerate()
                .map(|(idx, item)| {
                    item.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| PolicyError::new(format!("{at}[{idx}]"), "expected a string"))
                })
                .collect()
        }
        _ => Err(PolicyError::new(at, "expected a string or an array of strings")),
    }
}

fn index_path(at: &str, value: &Value, idx: usize) -> String {
    if value.is_array() { format!("{at}[{idx}]") } else { at.to_owned() }
}

/// `*`, or `service:name` where the service prefix is letters, digits and hyphens and the name
/// may hold `*` and `?`.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html>
fn check_action(action: &str) -> Result<(), String> {
    if action == "*" {
        return Ok(());
    }
    let Some((service, name)) = action.split_once(':') else {
        return Err(format!("`{action}`: expected `*` or `service:action`"));
    };
    if service.is_empty() || !service.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(format!("`{action}`: the service prefix must be letters, digits and hyphens"));
    }
    if name.is_empty()
        || !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'*' | b'?' | b'-' | b'_' | b'.'))
    {
        return Err(format!("`{action}`: the action name must be letters, digits and wildcards"));
    }
    Ok(())
}

/// `*`, or an ARN `arn:partition:service:region:account:resource` (wildcards allowed within
/// segments, but not in the service segment).
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>
fn check_resource(resource: &str) -> Result<(), String> {
    if resource == "*" {
        return Ok(());
    }
    if !resource.starts_with("arn:") {
        return Err(format!("`{resource}`: expected `*` or an ARN"));
    }
    let mut parts = resource.splitn(6, ':');
    let _arn = parts.next();
    let _partition = parts.next();
    if let Some(service) = parts.next()
        && (service.contains('?') || (service.contains('*') && service != "*"))
    {
        return Err(format!("`{resource}`: a wildcard cannot match part of the service segment"));
    }
    Ok(())
}

/// Decodes `%XX` escapes (and `+` as a space), as URL-encoded policy documents use.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.trim().as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut idx = 0;
    while let Some(&b) = bytes.get(idx) {
        match b {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(idx + 1..idx + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                idx += 3;
            }
            b'+' => {
                out.push(b' ');
                idx += 1;
            }
            _ => {
                out.push(b);
                idx += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}
