//! The AWS policy language as data: what a policy document says, before it is compiled.
//!
//! These types keep every distinction the JSON makes that can change a decision (for example
//! `Action` vs `NotAction`, or the `Version` that decides whether `${...}` is a variable), and
//! nothing else: string-or-array forms are normalised to lists. [`Policy::to_json`] renders the
//! canonical JSON form, so `parse(render(p)) == p` holds for every parsed policy.

use serde_json::{Map, Value};

/// The policy language version.
///
/// Policy variables are substituted only under `2012-10-17`; under `2008-10-17`, or with no
/// `Version`, `${aws:username}` is literal text.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// `"Version": "2012-10-17"`.
    V2012_10_17,
    /// `"Version": "2008-10-17"`.
    V2008_10_17,
    /// No `Version` element: AWS treats the policy as `2008-10-17`.
    Absent,
}

impl Version {
    /// Whether `${...}` policy variables are substituted in this version.
    pub fn substitutes_variables(self) -> bool {
        self == Version::V2012_10_17
    }
}

/// A policy document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Policy {
    /// The language version.
    pub version: Version,
    /// The optional `Id` element.
    pub id: Option<String>,
    /// The statements, in document order.
    pub statements: Vec<Statement>,
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// `"Effect": "Allow"`.
    Allow,
    /// `"Effect": "Deny"`.
    Deny,
}

impl Effect {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// One statement of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Statement {
    /// The optional statement id.
    pub sid: Option<String>,
    /// Allow or deny.
    pub effect: Effect,
    /// `Principal` or `NotPrincipal`, present only in resource-based policies, trust policies
    /// and RCPs.
    pub principal: Option<Negatable<Principals>>,
    /// `Action` or `NotAction`.
    pub action: Negatable<Vec<String>>,
    /// `Resource` or `NotResource`; absent in trust policies (and optional in some
    /// resource-based policies, where it means the resource the policy is attached to).
    pub resource: Option<Negatable<Vec<String>>>,
    /// The condition block, one entry per operator and key, in document order.
    pub conditions: Vec<ConditionEntry>,
}

/// An element that has a `Not` form: `Action`/`NotAction`, `Resource`/`NotResource`,
/// `Principal`/`NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Negatable<T> {
    /// True for the `Not...` form.
    pub negated: bool,
    /// The listed values.
    pub values: T,
}

/// The value of a `Principal` or `NotPrincipal` element.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Principals {
    /// `"Principal": "*"`: everyone, including anonymous callers.
    Everyone,
    /// `{"AWS": [...], "Service": [...], ...}`, in document order.
    Typed(Vec<(PrincipalType, Vec<String>)>),
}

/// The key of a typed principal entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalType {
    /// `"AWS"`: accounts, users, roles, sessions, federated users.
    Aws,
    /// `"Service"`: AWS service principals such as `lambda.amazonaws.com`.
    Service,
    /// `"Federated"`: SAML providers, OIDC providers and web identity providers.
    Federated,
    /// `"CanonicalUser"`: an S3 canonical user id.
    CanonicalUser,
}

impl PrincipalType {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalType::Aws => "AWS",
            PrincipalType::Service => "Service",
            PrincipalType::Federated => "Federated",
            PrincipalType::CanonicalUser => "CanonicalUser",
        }
    }

    /// Parses the JSON spelling (case-sensitive, as AWS).
    pub fn from_json(key: &str) -> Option<PrincipalType> {
        Some(match key {
            "AWS" => PrincipalType::Aws,
            "Service" => PrincipalType::Service,
            "Federated" => PrincipalType::Federated,
            "CanonicalUser" => PrincipalType::CanonicalUser,
            _ => return None,
        })
    }
}

/// One `"Operator": {"key": values}` pair of a condition block.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConditionEntry {
    /// The operator, as written (for example `ForAnyValue:StringLikeIfExists`).
    pub operator: String,
    /// The condition key, as written.
    pub key: String,
    /// The policy values, each rendered as a string (JSON numbers and booleans are compared as
    /// their text, as AWS does).
    pub values: Vec<String>,
}

impl Policy {
    /// Renders the canonical JSON form of the policy.
    pub fn to_json(&self) -> Value {
        let mut doc = Map::new();
        match self.version {
            Version::V2012_10_17 => {
                doc.insert("Version".into(), "2012-10-17".into());
            }
            Version::V2008_10_17 => {
                doc.insert("Version".into(), "2008-10-17".into());
            }
            Version::Absent => {}
        }
        if let Some(id) = &self.id {
            doc.insert("Id".into(), id.clone().into());
        }
        let statements = self.statements.iter().map(Statement::to_json).collect();
        doc.insert("Statement".into(), Value::Array(statements));
        Value::Object(doc)
    }
}

impl Statement {
    fn to_json(&self) -> Value {
        let mut out = Map::new();
        if let Some(sid) = &self.sid {
            out.insert("Sid".into(), sid.clone().into());
        }
        out.insert("Effect".into(), self.effect.as_str().into());
        if let Some(principal) = &self.principal {
            let name = if principal.negated { "NotPrincipal" } else { "Principal" };
            let value = match &principal.values {
                Principals::Everyone => Value::from("*"),
                Principals::Typed(entries) => {
                    let mut map = Map::new();
                    for (kind, values) in entries {
                        map.insert(kind.as_str().into(), strings(values));
                    }
                    Value::Object(map)
                }
            };
            out.insert(name.into(), value);
        }
        let name = if self.action.negated { "NotAction" } else { "Action" };
        out.insert(name.into(), strings(&self.action.values));
        if let Some(resource) = &self.resource {
            let name = if resource.negated { "NotResource" } else { "Resource" };
            out.insert(name.into(), strings(&resource.values));
        }
        if !self.conditions.is_empty() {
            let mut block = Map::new();
            for entry in &self.conditions {
                let keys = block.entry(entry.operator.clone()).or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(keys) = keys {
                    keys.insert(entry.key.clone(), strings(&entry.values));
                }
            }
            out.insert("Condition".into(), Value::Object(block));
        }
        Value::Object(out)
    }
}

fn strings(values: &[String]) -> Value {
    Value::Array(values.iter().cloned().map(Value::String).collect())
}
