//! What each user may do: Remit's own authorization, in Cedar.
//!
//! Why Cedar (<https://docs.cedarpolicy.com/>) rather than `if role == ...` in handlers: the
//! rules are data that admins can read and extend without a new release, the schema makes
//! Cedar's validator refuse a policy that names an attribute or action that does not exist
//! (<https://docs.cedarpolicy.com/policies/validation.html>), and `forbid` always overrides
//! `permit` (<https://docs.cedarpolicy.com/auth/authorization.html>), so an admin can restrict
//! the built-in rules safely and nobody can extend past a `forbid`.
//!
//! The model (`policies/schema.cedarschema`): a `Remit::User` is a member of exactly one
//! `Remit::Role` group, so policies say `principal in Remit::Role::"auditor"`. Roles are groups
//! rather than a `role` attribute because a resource can be a user too (`manage_users`), whose
//! role the server does not load for every request; groups need no attribute on other users.
//! One action per kind of route ([`Action`]); one resource type per kind of object
//! ([`Resource`]). The built-in policies (`policies/*.cedar`, embedded in the binary) give each
//! role its rights and set guardrails (no self-approval; API tokens within their scopes).
//!
//! API tokens: a request made with a token is allowed only if the role allows it **and** the
//! token's scopes name the action (least privilege for automation). The scopes go into the
//! Cedar context (`context.token`, `context.scopes`) and the guardrail policies forbid an action
//! missing from them; a session has every action of its role.
//!
//! Deny by default: a request no policy permits is refused, also one that does not fit the
//! schema (e.g. `manage_tokens` on an environment).

use std::{
    collections::{HashMap, HashSet},
    fmt,
    str::FromStr,
};

use cedar_policy::{
    Context, Entities, Entity, EntityId, EntityTypeName, EntityUid, Policy, PolicyId, PolicySet, RestrictedExpression,
    Schema, ValidationMode, Validator,
};
use serde::{Deserialize, Serialize};

use crate::Role;

/// The Cedar schema of Remit's authorization, in Cedar's schema syntax.
pub const SCHEMA: &str = include_str!("../policies/schema.cedarschema");

/// The built-in policies, by name: shown to admins (`GET /api/policies`) next to theirs.
pub const BUILT_IN: [(&str, &str); 7] = [
    ("admin", include_str!("../policies/admin.cedar")),
    ("security-analyst", include_str!("../policies/security-analyst.cedar")),
    ("auditor", include_str!("../policies/auditor.cedar")),
    ("approver", include_str!("../policies/approver.cedar")),
    ("requester", include_str!("../policies/requester.cedar")),
    ("everyone", include_str!("../policies/everyone.cedar")),
    ("guardrails", include_str!("../policies/guardrails.cedar")),
];

/// What a request does; also the scopes of API tokens (by [`Action::as_str`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Queries, findings, snapshots, dashboard, diff, search (on an [`Resource::Environment`]);
    /// a user's profile (on a [`Resource::User`]).
    Read,
    /// The audit trail and its verification.
    ReadAudit,
    /// Reports and exports (of an environment, or of the audit trail).
    Export,
    /// Suppressing and unsuppressing findings.
    Suppress,
    /// Importing snapshots.
    Import,
    /// Creating users, changing roles, disabling.
    ManageUsers,
    /// Creating, listing and revoking API tokens.
    ManageTokens,
    /// Adding and removing Cedar policies.
    ManagePolicies,
    /// Asking for access to a cloud entitlement.
    RequestAccess,
    /// Approving someone's access request.
    Approve,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 10] = [
        Action::Read,
        Action::ReadAudit,
        Action::Export,
        Action::Suppress,
        Action::Import,
        Action::ManageUsers,
        Action::ManageTokens,
        Action::ManagePolicies,
        Action::RequestAccess,
        Action::Approve,
    ];

    /// The action's name: its Cedar id (`Remit::Action::"read_audit"`) and token scope.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::ReadAudit => "read_audit",
            Action::Export => "export",
            Action::Suppress => "suppress",
            Action::Import => "import",
            Action::ManageUsers => "manage_users",
            Action::ManageTokens => "manage_tokens",
            Action::ManagePolicies => "manage_policies",
            Action::RequestAccess => "request_access",
            Action::Approve => "approve",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is none of [`Action::ALL`] (e.g. an unknown token scope).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown action `{0}`")]
pub struct UnknownAction(pub String);

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Action, UnknownAction> {
        Action::ALL.into_iter().find(|action| action.as_str() == s).ok_or_else(|| UnknownAction(s.to_owned()))
    }
}

/// What a request acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resource {
    /// An environment's analysed data, by name (`""` when there is none yet).
    Environment(String),
    /// Remit's audit trail.
    AuditTrail,
    /// A user (profile, role, password), by name; `"*"` for the list or a new user.
    User(String),
    /// An API token: its id (`"*"` for the list, `"new"` for one being created) and the user it
    /// belongs to.
    Token {
        /// The token's id.
        id: String,
        /// The user the token acts as.
        owner: String,
    },
    /// An admin-written policy, by name (`"*"` for the list).
    Policy(String),
    /// An access request: its id and who asked.
    AccessRequest {
        /// The request's id (`"new"` for one being made).
        id: String,
        /// Who asked.
        requester: String,
    },
}

/// One authorization question: may `user`, who has `role`, do `action` on `resource`?
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The user's name.
    pub user: String,
    /// The user's role.
    pub role: Role,
    /// What they want to do.
    pub action: Action,
    /// To what.
    pub resource: Resource,
    /// `None` for a browser session (every action of the role); the token's scopes for a
    /// request made with an API token.
    pub token_scopes: Option<Vec<String>>,
}

/// The answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// Why: the ids (`<policy name>/<@id>`) of the policies that decided: the permits of an
    /// allowed request, the forbids of a refused one (empty when no policy permitted it); then
    /// any evaluation error or schema mismatch, as text.
    pub reasons: Vec<String>,
}

/// The built-in policies or an admin's policy could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// An admin-written policy is invalid (it was valid when stored, but e.g. a newer Remit
    /// changed the schema).
    #[error("policy `{name}`: {message}")]
    Extension {
        /// The policy's name in the store.
        name: String,
        /// What is wrong, with line and column.
        message: String,
    },
    /// The built-in schema or policies do not load: a bug in this crate.
    #[error("built-in authorization policies: {0}")]
    BuiltIn(String),
}

/// Answers [`Request`]s with the built-in policies plus the admins' ones.
pub struct Authorizer {
    schema: Schema,
    policies: PolicySet,
    types: EntityTypes,
    cedar: cedar_policy::Authorizer,
}

impl fmt::Debug for Authorizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorizer").field("policies", &self.policies.policies().count()).finish_non_exhaustive()
    }
}

struct EntityTypes {
    user: EntityTypeName,
    role: EntityTypeName,
    action: EntityTypeName,
    environment: EntityTypeName,
    audit_trail: EntityTypeName,
    token: EntityTypeName,
    policy: EntityTypeName,
    access_request: EntityTypeName,
}

impl EntityTypes {
    fn new() -> Result<EntityTypes, PolicyError> {
        let name = |it: &str| EntityTypeName::from_str(it).map_err(|e| PolicyError::BuiltIn(format!("{it}: {e}")));
        Ok(EntityTypes {
            user: name("Remit::User")?,
            role: name("Remit::Role")?,
            action: name("Remit::Action")?,
            environment: name("Remit::Environment")?,
            audit_trail: name("Remit::AuditTrail")?,
            token: name("Remit::Token")?,
            policy: name("Remit::Policy")?,
            access_request: name("Remit::AccessRequest")?,
        })
    }
}

fn uid(ty: &EntityTypeName, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(ty.clone(), EntityId::new(id))
}

fn schema() -> Result<Schema, PolicyError> {
    Schema::from_cedarschema_str(SCHEMA)
        .map(|(schema, _warnings)| schema)
        .map_err(|e| PolicyError::BuiltIn(e.to_string()))
}

impl Authorizer {
    /// Loads the built-in policies and the admins' `(name, text)` ones; each of the latter must
    /// validate against the schema (as [`Authorizer::validate`] checks before one is stored).
    pub fn new(extensions: &[(String, String)]) -> Result<Authorizer, PolicyError> {
        let schema = schema()?;
        let mut policies = PolicySet::new();
        for (name, text) in BUILT_IN {
            let parsed = parse_named(&schema, name, text).map_err(PolicyError::BuiltIn)?;
            add_all(&mut policies, parsed).map_err(PolicyError::BuiltIn)?;
        }
        for (name, text) in extensions {
            let extension = |message| PolicyError::Extension { name: name.clone(), message };
            let parsed = parse_named(&schema, name, text).map_err(extension)?;
            add_all(&mut policies, parsed).map_err(extension)?;
        }
        Ok(Authorizer { schema, policies, types: EntityTypes::new()?, cedar: cedar_policy::Authorizer::new() })
    }

    /// Checks a policy an admin wants to add: Cedar syntax, validation against the schema
    /// (strict mode), no templates, and that admins could still manage policies with it in
    /// force (a `forbid` that locks them out could not be undone from the console). The error
    /// is meant for the admin: `line L, column C: what` per problem, joined with `; `.
    pub fn validate(text: &str) -> Result<(), String> {
        let schema = schema().map_err(|e| e.to_string())?;
        parse_named(&schema, "new", text)?;
        let with_it = Authorizer::new(&[("new".to_owned(), text.to_owned())]).map_err(|e| e.to_string())?;
        let probe = Request {
            user: "admin".to_owned(),
            role: Role::Admin,
            action: Action::ManagePolicies,
            resource: Resource::Policy("*".to_owned()),
            token_scopes: None,
        };
        let decision = with_it.is_allowed(&probe);
        if !decision.allowed {
            return Err(format!(
                "this policy would stop admins from managing policies (refused by {})",
                decision.reasons.join(", ")
            ));
        }
        Ok(())
    }

    /// Decides a request. Never fails: anything that cannot be evaluated is refused, with the
    /// reason.
    pub fn is_allowed(&self, request: &Request) -> Decision {
        match self.evaluate(request) {
            Ok(decision) => decision,
            Err(reason) => Decision { allowed: false, reasons: vec![reason] },
        }
    }

    fn evaluate(&self, request: &Request) -> Result<Decision, String> {
        let types = &self.types;
        let role = uid(&types.role, request.role.as_str());
        let principal = uid(&types.user, &request.user);
        let action = uid(&types.action, request.action.as_str());
        let mut entities = vec![
            Entity::new_no_attrs(principal.clone(), HashSet::from([role.clone()])),
            Entity::new_no_attrs(role, HashSet::new()),
        ];
        let with_user = |attr: &str, user: &str| {
            HashMap::from([(attr.to_owned(), RestrictedExpression::new_entity_uid(uid(&types.user, user)))])
        };
        let (resource, attrs) = match &request.resource {
            Resource::Environment(name) => (uid(&types.environment, name), None),
            Resource::AuditTrail => (uid(&types.audit_trail, "remit"), None),
            Resource::User(name) => (uid(&types.user, name), None),
            Resource::Policy(name) => (uid(&types.policy, name), None),
            Resource::Token { id, owner } => (uid(&types.token, id), Some(with_user("owner", owner))),
            Resource::AccessRequest { id, requester } => {
                (uid(&types.access_request, id), Some(with_user("requester", requester)))
            }
        };
        // The principal may be its own resource (reading one's profile): one entity, not two.
        if resource != principal {
            entities.push(match attrs {
                Some(attrs) => {
                    Entity::new(resource.clone(), attrs, HashSet::new()).map_err(|e| format!("resource: {e}"))?
                }
                None => Entity::new_no_attrs(resource.clone(), HashSet::new()),
            });
        }
        let entities = Entities::from_entities(entities, Some(&self.schema)).map_err(|e| format!("entities: {e}"))?;
        let scopes = request.token_scopes.as_deref().unwrap_or_default();
        let context = Context::from_pairs([
            ("token".to_owned(), RestrictedExpression::new_bool(request.token_scopes.is_some())),
            (
                "scopes".to_owned(),
                RestrictedExpression::new_set(scopes.iter().map(|it| RestrictedExpression::new_string(it.clone()))),
            ),
        ])
        .map_err(|e| format!("context: {e}"))?;
        let cedar_request = cedar_policy::Request::new(principal, action, resource, context, Some(&self.schema))
            .map_err(|e| format!("request does not fit the schema: {e}"))?;
        let response = self.cedar.is_authorized(&cedar_request, &self.policies, &entities);
        let mut reasons: Vec<String> = response.diagnostics().reason().map(|id| id.to_string()).collect();
        reasons.sort();
        reasons.extend(response.diagnostics().errors().map(|e| format!("error: {e}")));
        Ok(Decision { allowed: response.decision() == cedar_policy::Decision::Allow, reasons })
    }
}

/// Parses and validates one named policy text; ids become `<name>/<@id>` (or `<name>/policyN`
/// in source order for a policy without an `@id` annotation).
fn parse_named(schema: &Schema, name: &str, text: &str) -> Result<Vec<Policy>, String> {
    let set = PolicySet::from_str(text)
        .map_err(|errors| errors.iter().map(|e| describe(text, e)).collect::<Vec<_>>().join("; "))?;
    if set.templates().next().is_some() {
        return Err("policy templates (`?principal`, `?resource`) are not supported".to_owned());
    }
    if set.policies().next().is_none() {
        return Err("no policy in the text".to_owned());
    }
    let validation = Validator::new(schema.clone()).validate(&set, ValidationMode::Strict);
    if !validation.validation_passed() {
        let errors: Vec<String> = validation.validation_errors().map(|e| describe(text, e)).collect();
        return Err(errors.join("; "));
    }
    let mut res: Vec<Policy> = set
        .policies()
        .map(|policy| {
            let local = policy.annotation("id").map_or_else(|| policy.id().to_string(), str::to_owned);
            policy.new_id(PolicyId::new(format!("{name}/{local}")))
        })
        .collect();
    res.sort_by_key(|policy| policy.id().to_string());
    Ok(res)
}

fn add_all(set: &mut PolicySet, policies: Vec<Policy>) -> Result<(), String> {
    for policy in policies {
        let id = policy.id().to_string();
        set.add(policy).map_err(|e| format!("`{id}`: {e}"))?;
    }
    Ok(())
}

/// `line L, column C: message (help)` from a Cedar diagnostic's first labelled span.
fn describe(text: &str, diagnostic: &dyn miette::Diagnostic) -> String {
    let mut message = diagnostic.to_string();
    if let Some(help) = diagnostic.help() {
        message = format!("{message} ({help})");
    }
    let offset = diagnostic.labels().and_then(|mut labels| labels.next()).map(|it| it.offset());
    match offset {
        Some(offset) => {
            let (line, column) = position(text, offset);
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |it| it + 1);
    let column = before.get(line_start..).map_or(0, |it| it.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests;
