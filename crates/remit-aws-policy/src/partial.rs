//! Decisions over a request context that is only partly known.
//!
//! An analysis ("who can read this bucket?") knows the principal and the resource but not the
//! request: its source IP, time, MFA state, tags on a future request. A condition on such a key
//! can go either way, so the honest answer is *conditional*, with the conditions shown, never
//! a silent allow or deny. This module evaluates AWS's decision logic (the same rules as
//! [`crate::eval`], cited there) in three-valued logic: each statement applies, does not apply,
//! or depends on unknown context; the layers combine with Kleene's AND/OR/NOT. With a complete
//! context it decides exactly as [`crate::decide`] (a test checks this on every case of the
//! corpus and of the differential generator).

use std::{
    collections::HashMap,
    hash::{BuildHasherDefault, Hasher},
    sync::Arc,
};

use crate::{
    compile::{ActionRef, CompiledPolicy, CompiledStatement},
    context::Context,
    eval::{Layer, PrincipalPolicies, Request, ResourcePolicies, SessionPolicy},
    policy::Effect,
    principal::{Caller, PrincipalMatch},
};

/// Three-valued truth: `None` is "depends on unknown context".
type Truth = Option<bool>;

fn and(a: Truth, b: Truth) -> Truth {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn or(a: Truth, b: Truth) -> Truth {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

fn not(a: Truth) -> Truth {
    a.map(|v| !v)
}

/// The outcome of a decision over a partly known context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Allowed whatever the unknown context is.
    Allowed,
    /// Allowed for some request contexts and denied for others.
    Conditional,
    /// Denied whatever the unknown context is, and no `Deny` certainly applies.
    ImplicitlyDenied,
    /// A `Deny` statement certainly applies.
    ExplicitlyDenied,
}

impl Verdict {
    /// The spelling used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allowed => "allowed",
            Verdict::Conditional => "conditional",
            Verdict::ImplicitlyDenied => "implicitlyDenied",
            Verdict::ExplicitlyDenied => "explicitlyDenied",
        }
    }
}

/// A statement whose application depends on unknown context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionalStatement {
    /// The policy type.
    pub layer: Layer,
    /// The organization level for SCPs and RCPs.
    pub level: Option<usize>,
    /// The policy's index in its list.
    pub policy: usize,
    /// The statement's index.
    pub statement: usize,
    /// Its `Sid`.
    pub sid: Option<Arc<str>>,
    /// Its effect: an `Allow` that may grant, or a `Deny` that may deny.
    pub effect: Effect,
    /// The conditions that could not be decided, as written (shared with the compiled
    /// policy).
    pub conditions: Vec<Arc<str>>,
}

/// A decision over a partly known context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialDecision {
    /// The verdict.
    pub verdict: Verdict,
    /// For a conditional verdict, the statements that depend on unknown context.
    pub conditions: Vec<ConditionalStatement>,
    /// For an allowed or conditional verdict, the identity- and resource-policy `Allow`
    /// statements that apply outright: with `conditions`, every statement that grants (what
    /// an analysis reports as the path), without evaluating the request a second time.
    pub grants: Vec<GrantingStatement>,
}

/// An identity- or resource-policy `Allow` statement that applies outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantingStatement {
    /// [`Layer::Identity`] or [`Layer::Resource`].
    pub layer: Layer,
    /// The policy's index in its list (0 for the resource policy).
    pub policy: usize,
    /// The statement's index.
    pub statement: usize,
}

#[derive(Clone, Copy)]
struct Scan {
    allow: Truth,
    deny: Truth,
}

struct Collector<'m> {
    undecided: Vec<ConditionalStatement>,
    grants: Vec<GrantingStatement>,
    shared: Option<&'m mut SharedOutcomes>,
}

/// Outcomes of statements that read only context shared by the callers of one question.
///
/// An analysis asks one question (an action on a resource) of thousands of callers. A
/// statement with conditions that read none of a caller's own keys (a bucket policy's
/// `aws:SecureTransport` deny, an identity policy's `aws:SourceIp` allow) has the same outcome
/// for every caller, so it is evaluated once; statements that read a caller's key (its tags,
/// its ARN, `${aws:username}`) are evaluated for each.
///
/// The contract: every request decided with one `SharedOutcomes` asks the same action on the
/// same resource (checked: another question starts afresh), and the requests' contexts differ
/// only in the keys that `caller_key` claims (lower-case names).
#[derive(Debug)]
pub struct SharedOutcomes {
    caller_key: fn(&str) -> bool,
    question: Option<(Arc<str>, Arc<str>)>,
    /// By statement address: the outcome and its unknown conditions, or `None` when the
    /// statement reads a caller's key.
    outcomes: HashMap<usize, Option<Outcome>, BuildHasherDefault<AddressHasher>>,
    /// The action's ids in the symbol table of the callers' policies (callers of one library
    /// share it), by the table's address.
    action_ids: Option<(usize, Option<u32>, Option<u32>)>,
    /// Per policy that reads no context (by address): whether an `Allow` and whether a `Deny`
    /// applies, and the `Allow` statements that do.
    policies: HashMap<usize, Option<PolicyOutcome>, BuildHasherDefault<AddressHasher>>,
    /// The policies (and symbol table) whose addresses key the above, kept alive so that no
    /// other can take their addresses while they are kept.
    kept: HashMap<usize, Arc<CompiledPolicy>, BuildHasherDefault<AddressHasher>>,
    kept_symbols: Option<Arc<crate::compile::Symbols>>,
}

/// A statement's outcome, and the indices of the conditions it depends on when undecided.
type Outcome = (Truth, Vec<usize>);

/// A policy's outcome when it reads no context: an `Allow` applies, a `Deny` applies, and the
/// `Allow` statements that apply.
type PolicyOutcome = (bool, bool, Vec<usize>);

/// Hashes statement addresses (aligned, so their low bits carry nothing on their own).
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        let h = self.0.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h ^ (h >> 29)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = n as u64;
    }
}

impl SharedOutcomes {
    /// Outcomes shared by callers whose contexts differ only in the keys `caller_key` claims.
    pub fn new(caller_key: fn(&str) -> bool) -> SharedOutcomes {
        SharedOutcomes {
            caller_key,
            question: None,
            outcomes: HashMap::default(),
            policies: HashMap::default(),
            action_ids: None,
            kept: HashMap::default(),
            kept_symbols: None,
        }
    }

    /// The request's action as `p`'s policies read it, looked up once per symbol table.
    fn action_ref<'r>(&mut self, p: &PrincipalPolicies, request: &'r Request) -> ActionRef<'r> {
        let table = p.symbols_address();
        match self.action_ids {
            Some((at, id, service_id)) if at == table => {
                ActionRef { id, service_id, ..request.action_ref_unresolved() }
            }
            _ => {
                let action = p.action_ref(request);
                self.action_ids = Some((table, action.id, action.service_id));
                self.kept_symbols = Some(p.symbols());
                action
            }
        }
    }

    /// The outcome of a policy that reads no context, scanned when first met.
    fn policy_outcome(
        &mut self,
        policy: &Arc<CompiledPolicy>,
        action: &ActionRef<'_>,
        resource: &str,
        context: &Context,
    ) -> Option<&PolicyOutcome> {
        let address = Arc::as_ptr(policy) as usize;
        if !self.policies.contains_key(&address) {
            let mut outcome: PolicyOutcome = (false, false, Vec::new());
            let mut unknown = Vec::new();
            let mut decided = true;
            for (idx, st) in policy.statements.iter().enumerate() {
                // Reading no context, a statement applies or not; were it ever undecided, the
                // policy is scanned for each caller instead.
                match (st.truth(action, resource, context, &mut unknown), st.effect) {
                    (Some(true), Effect::Allow) => {
                        outcome.0 = true;
                        outcome.2.push(idx);
                    }
                    (Some(true), Effect::Deny) => outcome.1 = true,
                    (Some(false), _) => {}
                    (None, _) => decided = false,
                }
            }
            self.kept.entry(address).or_insert_with(|| Arc::clone(policy));
            self.policies.insert(address, decided.then_some(outcome));
        }
        self.policies.get(&address).and_then(Option::as_ref)
    }

    /// Forgets the outcomes kept for another question.
    fn ask(&mut self, request: &Request) {
        let (action, resource) = request.question();
        let same = self.question.as_ref().is_some_and(|(a, r)| {
            (Arc::ptr_eq(a, action) || **a == **action) && (Arc::ptr_eq(r, resource) || **r == **resource)
        });
        if !same {
            self.outcomes.clear();
            self.policies.clear();
            self.action_ids = None;
            self.kept.clear();
            self.kept_symbols = None;
            self.question = Some((Arc::clone(action), Arc::clone(resource)));
        }
    }
}

impl Collector<'_> {
    /// [`CompiledStatement::truth`], kept in `shared` for a statement with conditions that read
    /// none of the caller's keys.
    fn truth(
        &mut self,
        owner: &Arc<CompiledPolicy>,
        st: &CompiledStatement,
        action: &ActionRef<'_>,
        resource: &str,
        context: &Context,
        unknown: &mut Vec<usize>,
    ) -> Truth {
        let Some(shared) = self.shared.as_deref_mut().filter(|_| st.has_conditions()) else {
            return st.truth(action, resource, context, unknown);
        };
        let address = std::ptr::from_ref(st) as usize;
        if let Some(kept) = shared.outcomes.get(&address) {
            if let Some((truth, conditions)) = kept {
                unknown.extend_from_slice(conditions);
                return *truth;
            }
            return st.truth(action, resource, context, unknown);
        }
        let mut reads_caller = false;
        let caller_key = shared.caller_key;
        st.visit_keys(&mut |key| reads_caller |= caller_key(key));
        let mark = unknown.len();
        let truth = st.truth(action, resource, context, unknown);
        let kept = (!reads_caller).then(|| (truth, unknown[mark..].to_vec()));
        shared.outcomes.insert(address, kept);
        shared.kept.entry(Arc::as_ptr(owner) as usize).or_insert_with(|| Arc::clone(owner));
        truth
    }

    #[allow(clippy::too_many_arguments, reason = "one call site per layer, each naming its coordinates")]
    fn scan(
        &mut self,
        policies: &[Arc<CompiledPolicy>],
        layer: Layer,
        level: Option<usize>,
        action: &ActionRef<'_>,
        resource: &str,
        context: &Context,
    ) -> Scan {
        let mut found = Scan { allow: Some(false), deny: Some(false) };
        let mut unknown = Vec::new();
        for (policy_idx, policy) in policies.iter().enumerate() {
            if !policy.may_match(action) {
                continue;
            }
            // A policy that reads no context is scanned once per question.
            let kept = match self.shared.as_deref_mut() {
                Some(shared) if policy.context_free => shared.policy_outcome(policy, action, resource, context),
                _ => None,
            };
            if let Some((allow, deny, granting)) = kept {
                found.allow = or(found.allow, Some(*allow));
                found.deny = or(found.deny, Some(*deny));
                if layer == Layer::Identity {
                    let grants =
                        granting.iter().map(|&statement| GrantingStatement { layer, policy: policy_idx, statement });
                    self.grants.extend(grants);
                }
                continue;
            }
            for (statement_idx, st) in policy.statements.iter().enumerate() {
                unknown.clear();
                let truth = self.truth(policy, st, action, resource, context, &mut unknown);
                if truth.is_none() {
                    self.note(layer, level, policy_idx, statement_idx, st, &unknown);
                } else if truth == Some(true) && st.effect == Effect::Allow && layer == Layer::Identity {
                    self.grants.push(GrantingStatement { layer, policy: policy_idx, statement: statement_idx });
                }
                match st.effect {
                    Effect::Allow => found.allow = or(found.allow, truth),
                    Effect::Deny => found.deny = or(found.deny, truth),
                }
            }
        }
        found
    }

    #[allow(clippy::too_many_arguments, reason = "the coordinates of one statement")]
    fn note(
        &mut self,
        layer: Layer,
        level: Option<usize>,
        policy: usize,
        statement: usize,
        st: &CompiledStatement,
        conditions: &[usize],
    ) {
        self.undecided.push(ConditionalStatement {
            layer,
            level,
            policy,
            statement,
            sid: st.sid.clone(),
            effect: st.effect,
            conditions: conditions.iter().filter_map(|i| st.condition_source(*i)).cloned().collect(),
        });
    }
}

/// Grants of the resource-based policy by how it names the caller, and its deny.
struct ResourceScan {
    direct: Truth,
    role: Truth,
    account: Truth,
    deny: Truth,
}

/// Decides a request whose context may be partial (see [`Context::partial`]).
pub fn decide_partial(
    p: &PrincipalPolicies,
    s: Option<&SessionPolicy>,
    r: &ResourcePolicies,
    request: &Request,
) -> PartialDecision {
    decide(p, s, r, request, None)
}

/// [`decide_partial`] of one of many callers asked the same question, keeping the outcomes
/// of the statements that do not depend on the caller (see [`SharedOutcomes`]).
pub fn decide_partial_shared(
    p: &PrincipalPolicies,
    s: Option<&SessionPolicy>,
    r: &ResourcePolicies,
    request: &Request,
    shared: &mut SharedOutcomes,
) -> PartialDecision {
    shared.ask(request);
    decide(p, s, r, request, Some(shared))
}

fn decide(
    p: &PrincipalPolicies,
    s: Option<&SessionPolicy>,
    r: &ResourcePolicies,
    request: &Request,
    shared: Option<&mut SharedOutcomes>,
) -> PartialDecision {
    let facts = request.facts();
    let caller = request.caller();
    let context = request.context();
    let resource = request.resource();
    let mut shared = shared;
    let action = match shared.as_deref_mut() {
        Some(shared) => shared.action_ref(p, request),
        None => p.action_ref(request),
    };
    let resource_action = r.action_ref(request);
    let mut out = Collector { undecided: Vec::new(), grants: Vec::new(), shared };

    // sts:GetCallerIdentity needs no permission (see `eval`).
    if facts.get_caller_identity && !matches!(caller, Caller::Anonymous) {
        return PartialDecision { verdict: Verdict::Allowed, conditions: Vec::new(), grants: Vec::new() };
    }

    let identity_applies = caller.is_iam_identity();
    let identity = if identity_applies {
        out.scan(p.identity(), Layer::Identity, None, &action, resource, context)
    } else {
        Scan { allow: Some(false), deny: Some(false) }
    };
    let boundary = p
        .boundary()
        .filter(|_| identity_applies)
        .map(|b| out.scan(std::slice::from_ref(b), Layer::PermissionsBoundary, None, &action, resource, context));
    let session = s.filter(|_| caller.is_session()).map(|s| {
        let session_action = s.action_ref(request);
        out.scan(std::slice::from_ref(s.policy()), Layer::Session, None, &session_action, resource, context)
    });

    let mut explicit: Truth = Some(false);
    let mut scp_ok: Truth = Some(true);
    // (Whether the caller is spared is read only when there are SCPs.)
    if !p.scps().is_empty() && caller.is_restricted_by_scps() {
        for (level, policies) in p.scps().iter().enumerate() {
            let found = out.scan(policies, Layer::Scp, Some(level), &action, resource, context);
            explicit = or(explicit, found.deny);
            scp_ok = and(scp_ok, found.allow);
        }
    }
    if facts.rcp_applies {
        for (level, policies) in r.rcps().iter().enumerate() {
            let found = out.scan(policies, Layer::Rcp, Some(level), &resource_action, resource, context);
            explicit = or(explicit, found.deny);
        }
    }
    let rbp = r.resource().filter(|policy| policy.may_match(&resource_action)).map(|policy| {
        let mut found =
            ResourceScan { direct: Some(false), role: Some(false), account: Some(false), deny: Some(false) };
        let mut unknown = Vec::new();
        for (statement_idx, st) in policy.statements.iter().enumerate() {
            let named = st.names(caller, p.has_boundary());
            if named == PrincipalMatch::None {
                continue;
            }
            unknown.clear();
            let truth = out.truth(policy, st, &resource_action, resource, context, &mut unknown);
            if truth.is_none() {
                out.note(Layer::Resource, None, 0, statement_idx, st, &unknown);
            } else if truth == Some(true) && st.effect == Effect::Allow {
                out.grants.push(GrantingStatement { layer: Layer::Resource, policy: 0, statement: statement_idx });
            }
            match (st.effect, named) {
                (Effect::Deny, _) => found.deny = or(found.deny, truth),
                (Effect::Allow, PrincipalMatch::Direct) => found.direct = or(found.direct, truth),
                (Effect::Allow, PrincipalMatch::Role) => found.role = or(found.role, truth),
                (Effect::Allow, _) => found.account = or(found.account, truth),
            }
        }
        found
    });
    let rbp =
        rbp.unwrap_or(ResourceScan { direct: Some(false), role: Some(false), account: Some(false), deny: Some(false) });

    explicit = or(explicit, rbp.deny);
    explicit = or(explicit, identity.deny);
    explicit = or(explicit, boundary.map_or(Some(false), |b| b.deny));
    explicit = or(explicit, session.map_or(Some(false), |s| s.deny));

    let any_rbp = or(rbp.direct, or(rbp.role, rbp.account));
    let grant: Truth = match caller {
        Caller::Anonymous | Caller::Service { .. } | Caller::Federated { .. } => rbp.direct,
        Caller::Root { .. } => {
            if facts.assume_role {
                Some(false)
            } else if request.same_account() && !facts.explicit_allow_resource {
                Some(true)
            } else {
                any_rbp
            }
        }
        _ => {
            let boundary_ok = boundary.map_or(Some(true), |b| b.allow);
            let session_ok = session.map_or(Some(true), |s| s.allow);
            let federated_without_session = matches!(caller, Caller::FederatedUser { .. }) && session.is_none();
            let identity_side =
                and(and(identity.allow, boundary_ok), and(session_ok, Some(!federated_without_session)));
            if request.same_account() {
                let direct = if facts.assume_role { and(rbp.direct, boundary_ok) } else { rbp.direct };
                let via_role = and(rbp.role, and(boundary_ok, session_ok));
                let via_identity =
                    if facts.explicit_allow_resource { and(any_rbp, identity_side) } else { identity_side };
                or(direct, or(via_role, via_identity))
            } else {
                and(any_rbp, identity_side)
            }
        }
    };
    let overall = and(and(not(explicit), scp_ok), and(Some(facts.refused.is_none()), grant));
    let verdict = match overall {
        Some(true) => Verdict::Allowed,
        None => Verdict::Conditional,
        Some(false) if explicit == Some(true) => Verdict::ExplicitlyDenied,
        Some(false) => Verdict::ImplicitlyDenied,
    };
    let conditions = if verdict == Verdict::Conditional { out.undecided } else { Vec::new() };
    let grants = match verdict {
        Verdict::Allowed | Verdict::Conditional => out.grants,
        Verdict::ImplicitlyDenied | Verdict::ExplicitlyDenied => Vec::new(),
    };
    PartialDecision { verdict, conditions, grants }
}
