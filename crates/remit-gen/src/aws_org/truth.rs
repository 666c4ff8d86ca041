//! `ground-truth.json`: what the generator knows by construction (see `docs/generator.md`).
//!
//! Nothing here reads a policy document back. Every fact comes from the [`Caps`] written beside
//! each document and from the structured trust of each role, combined by a few rules:
//! a principal's caps are the union of its policies' (its groups' included), cut by its
//! permissions boundary; a role is assumable by a principal when its trust admits the principal
//! and the principal's caps allow `sts:AssumeRole` on it; a role can be passed when the caps
//! allow `iam:PassRole` on it to a service the role trusts and in which the principal can
//! create compute. The escalation paths are the shortest over these steps to a principal that
//! is administrator-equivalent. Every listed path exists; paths through techniques the
//! generator does not model (updating existing compute, for example) may exist unlisted, and
//! the compute they would act on is listed under `workloads` with the role it runs as.

use std::collections::{HashMap, VecDeque};

use serde_json::{Value, json};

use crate::aws_org::{
    managed::CATALOG,
    model::{
        ALL_SERVICES, AccountPlan, BoundaryKind, Caps, GATE_MFA, GATE_SOURCE_IP, Grantee, PolicyRef, RoleKind, SVC_EC2,
        Trusted, pass_role_technique,
    },
    org::{OrgPolicy, applying},
    sso::SsoPlan,
    world::World,
};

/// What the ground truth keeps of one principal.
struct Principal {
    arn: String,
    account: String,
    /// Its permissions boundary, if any.
    boundary: Option<BoundaryKind>,
    /// The SCP that denies everything in its account, if any.
    blocked: Option<&'static str>,
    caps: Caps,
    /// Policies (with the group they come through) that make it administrator-equivalent.
    via: Vec<(String, Option<String>)>,
    role: Option<RoleFacts>,
}

struct RoleFacts {
    trusted: Vec<Trusted>,
    external_id: bool,
    mfa: bool,
    org_id: bool,
    services: u8,
    instance_profile: bool,
    kind: RoleKind,
    /// Identity Center: (permission set name, user names).
    sso: Option<(String, Vec<String>)>,
}

/// A step of an escalation path.
#[derive(Clone)]
struct Step {
    technique: &'static str,
    /// The principal the step leads to, `None` for a step that ends at the principal itself.
    target: Option<usize>,
    /// Conditions the step depends on ([`GATE_MFA`], [`GATE_SOURCE_IP`], [`NEEDS_EXTERNAL_ID`]).
    requires: u8,
}

/// The ground truth being gathered, account by account.
pub(super) struct Truth {
    principals: Vec<Principal>,
    resources: Vec<Value>,
    planted: Vec<Value>,
    workloads: Vec<Value>,
}

/// A step that needs the trust's `sts:ExternalId` (beside the gates of [`Caps::gates`]).
const NEEDS_EXTERNAL_ID: u8 = 4;

/// The condition keys of a set of condition bits.
fn condition_keys(bits: u8) -> Vec<&'static str> {
    let mut out = Vec::new();
    if bits & GATE_MFA != 0 {
        out.push("aws:MultiFactorAuthPresent");
    }
    if bits & GATE_SOURCE_IP != 0 {
        out.push("aws:SourceIp");
    }
    if bits & NEEDS_EXTERNAL_ID != 0 {
        out.push("sts:ExternalId");
    }
    out
}

fn gates(caps: &Caps) -> Vec<&'static str> {
    condition_keys(caps.gates)
}

impl Truth {
    pub(super) fn new() -> Truth {
        Truth { principals: Vec::new(), resources: Vec::new(), planted: Vec::new(), workloads: Vec::new() }
    }

    /// Records an account's principals, resources and planted problems.
    pub(super) fn add_account(
        &mut self,
        world: &World,
        account_idx: usize,
        sso: &SsoPlan,
        plan: &AccountPlan,
        planted: &[(&'static str, String)],
        guardrails: &[&OrgPolicy],
    ) {
        let account = plan.id.as_str();
        let blocked: Option<&'static str> = guardrails.iter().find(|p| p.deny_all).map(|p| p.name);
        let perimeter: Option<&'static str> = guardrails.iter().find(|p| p.identity_perimeter).map(|p| p.name);
        let policy_caps = |policy: PolicyRef| -> (Caps, String) {
            match policy {
                PolicyRef::Aws(idx) => (CATALOG[idx as usize].caps(), CATALOG[idx as usize].arn()),
                PolicyRef::Customer(idx) => {
                    let p = &plan.policies[idx as usize];
                    (p.caps.clone(), format!("arn:aws:iam::{account}:policy{}{}", p.path, p.name))
                }
            }
        };
        let gather =
            |sources: Vec<(Caps, String, Option<String>)>, is_user: bool| -> (Caps, Vec<(String, Option<String>)>) {
                let mut caps = Caps::default();
                let mut via = Vec::new();
                for (source, label, through) in sources {
                    let mut source = source;
                    // Techniques that only work for one kind of holder.
                    match source.escalate {
                        Some("iam:PutRolePolicy") if is_user => source.escalate = None,
                        Some("iam:AttachUserPolicy" | "iam:AddUserToGroup") if !is_user => source.escalate = None,
                        _ => {}
                    }
                    if source.admin || source.iam_full {
                        via.push((label, through));
                    }
                    caps.merge(&source);
                }
                (caps, via)
            };
        let has_admin_group = plan.groups.iter().any(|g| {
            g.attached.iter().any(|p| {
                let caps = policy_caps(*p).0;
                caps.admin || caps.iam_full
            })
        });

        for user in &plan.users {
            let arn = format!("arn:aws:iam::{account}:user{}{}", user.path, user.name);
            let mut sources = Vec::new();
            for policy in &user.attached {
                let (caps, label) = policy_caps(*policy);
                sources.push((caps, label, None));
            }
            for inline in &user.inline {
                sources.push((inline.caps.clone(), format!("{arn} (inline {})", inline.name), None));
            }
            for group in &user.groups {
                let group = &plan.groups[*group as usize];
                let group_arn = format!("arn:aws:iam::{account}:group{}{}", group.path, group.name);
                for policy in &group.attached {
                    let (caps, label) = policy_caps(*policy);
                    sources.push((caps, label, Some(group_arn.clone())));
                }
                for inline in &group.inline {
                    sources.push((
                        inline.caps.clone(),
                        format!("{group_arn} (inline {})", inline.name),
                        Some(group_arn.clone()),
                    ));
                }
            }
            let (mut caps, mut via) = gather(sources, true);
            if caps.escalate == Some("iam:AddUserToGroup") && !has_admin_group {
                caps.escalate = None;
            }
            if let Some(boundary) = user.boundary {
                caps = caps.within(boundary.kind, account);
                if boundary.kind != BoundaryKind::AllowAll {
                    via.clear();
                }
            }
            self.principals.push(Principal {
                arn,
                account: account.to_owned(),
                blocked,
                boundary: user.boundary.map(|b| b.kind),
                caps,
                via,
                role: None,
            });
        }

        for role in &plan.roles {
            let arn = role.arn(account);
            let mut sources = Vec::new();
            for policy in &role.attached {
                let (caps, label) = policy_caps(*policy);
                sources.push((caps, label, None));
            }
            for inline in &role.inline {
                sources.push((inline.caps.clone(), format!("{arn} (inline {})", inline.name), None));
            }
            let (mut caps, mut via) = gather(sources, false);
            if let Some(boundary) = role.boundary {
                caps = caps.within(boundary.kind, account);
                if boundary.kind != BoundaryKind::AllowAll {
                    via.clear();
                }
            }
            let sso_users = match role.kind {
                RoleKind::Sso(set) => Some((
                    sso.sets[set].name.to_owned(),
                    sso.users_for(set, account_idx).into_iter().map(|u| sso.users[u].user_name.clone()).collect(),
                )),
                _ => None,
            };
            let facts = RoleFacts {
                trusted: role.trust.trusted.clone(),
                external_id: role.trust.external_id.is_some(),
                mfa: role.trust.mfa,
                org_id: role.trust.org_id.is_some(),
                services: role.trust.services(),
                instance_profile: role.instance_profile.is_some(),
                kind: role.kind,
                sso: sso_users,
            };
            self.principals.push(Principal {
                arn,
                account: account.to_owned(),
                boundary: role.boundary.map(|b| b.kind),
                blocked,
                caps,
                via,
                role: Some(facts),
            });
        }

        for resource in &plan.resources {
            if resource.grants.is_empty() {
                continue;
            }
            let grants: Vec<Value> = resource
                .grants
                .iter()
                .map(|grant| {
                    let (to, scope) = match &grant.to {
                        Grantee::Anyone => ("anyone".to_owned(), None),
                        Grantee::Organization => ("organization".to_owned(), None),
                        Grantee::Account(id) if id == crate::aws_org::resources::ELB_ACCOUNT => {
                            (format!("account:{id}"), Some("aws-service".to_owned()))
                        }
                        Grantee::Account(id) => (format!("account:{id}"), Some(world.scope_of(id))),
                        Grantee::Service(service) => (format!("service:{service}"), None),
                    };
                    // The identity perimeter denies outsiders (but not AWS services) these services.
                    let outsider = match &grant.to {
                        Grantee::Anyone => true,
                        Grantee::Account(id) => !world.in_org(id),
                        Grantee::Organization | Grantee::Service(_) => false,
                    };
                    let service = resource.arn.split(':').nth(2).unwrap_or_default();
                    let blocked_by: Vec<&str> = perimeter
                        .filter(|_| outsider && crate::aws_org::org::PERIMETER_SERVICES.contains(&service))
                        .into_iter()
                        .collect();
                    let mut entry = json!({
                        "to": to,
                        "actions": grant.actions,
                        "requires": grant.conditions,
                        "blockedBy": blocked_by,
                    });
                    if let (Some(scope), Some(map)) = (scope, entry.as_object_mut()) {
                        map.insert("scope".into(), json!(scope));
                    }
                    entry
                })
                .collect();
            let mut entry = json!({"arn": resource.arn, "kind": resource.kind.as_str(), "grants": grants});
            if resource.kind == crate::aws_org::model::ResourceKind::Bucket
                && let Some(map) = entry.as_object_mut()
            {
                // Block Public Access: true when all four settings are on, false when some are
                // off, null when not configured; the account's settings apply too.
                let all_on = |flags: Option<[bool; 4]>| flags.map(|flags| flags.iter().all(|f| *f));
                map.insert(
                    "blockPublicAccess".into(),
                    json!({"bucket": all_on(resource.extra.bpa), "account": all_on(plan.public_access_block)}),
                );
                map.insert("publicAcl".into(), json!(resource.extra.public_acl));
            }
            self.resources.push(entry);
        }
        for (what, arn) in planted {
            self.planted.push(json!({"what": what, "arn": arn}));
        }
        let mut workloads: Vec<&crate::aws_org::model::Workload> = plan.workloads.iter().collect();
        workloads.sort_by(|a, b| a.arn.cmp(&b.arn));
        for workload in workloads {
            self.workloads.push(json!({
                "arn": workload.arn,
                "kind": workload.kind.as_str(),
                "role": workload.role,
                "state": workload.state,
            }));
        }
    }

    /// Whether the trust of `role` admits `p` (and on which conditions), ignoring `p`'s own
    /// permission to call `sts:AssumeRole`.
    fn admits(world: &World, role: &RoleFacts, p: &Principal) -> Option<u8> {
        let admitted = role.trusted.iter().any(|t| match t {
            Trusted::Account(account) => *account == p.account,
            Trusted::Principal(arn) => *arn == p.arn,
            Trusted::Anyone => true,
            _ => false,
        });
        if !admitted {
            return None;
        }
        let mut requires = 0;
        if role.mfa {
            // Users sign in with MFA; role sessions carry it when they were assumed with it.
            requires |= GATE_MFA;
        }
        if role.external_id {
            requires |= NEEDS_EXTERNAL_ID;
        }
        if role.org_id && !world.in_org(&p.account) {
            return None;
        }
        Some(requires)
    }

    /// Writes the file's contents.
    pub(super) fn finish(
        self,
        world: &World,
        size: &str,
        org_policies: &[OrgPolicy],
        out: &mut crate::aws_org::out::Out,
    ) -> std::io::Result<(usize, usize)> {
        let n = self.principals.len();
        let admin: Vec<bool> = self.principals.iter().map(|p| p.caps.admin || p.caps.iam_full).collect();
        let by_account: HashMap<&str, Vec<usize>> =
            self.principals.iter().enumerate().fold(HashMap::new(), |mut map, (idx, p)| {
                map.entry(p.account.as_str()).or_default().push(idx);
                map
            });
        let by_arn: HashMap<&str, usize> =
            self.principals.iter().enumerate().map(|(idx, p)| (p.arn.as_str(), idx)).collect();

        // Edges: (from, step).
        let mut edges: Vec<Vec<Step>> = vec![Vec::new(); n];
        let mut assumable_by: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (role_idx, role_p) in self.principals.iter().enumerate() {
            let Some(role) = &role_p.role else { continue };
            let mut candidates: Vec<usize> = Vec::new();
            for trusted in &role.trusted {
                match trusted {
                    Trusted::Account(account) => {
                        candidates.extend(by_account.get(account.as_str()).into_iter().flatten())
                    }
                    Trusted::Principal(arn) => candidates.extend(by_arn.get(arn.as_str())),
                    Trusted::Anyone => candidates.extend(0..n),
                    _ => {}
                }
            }
            candidates.sort_unstable();
            candidates.dedup();
            for p_idx in candidates {
                if p_idx == role_idx {
                    continue;
                }
                let p = &self.principals[p_idx];
                // In the role's own account, a trust policy that names the principal (or
                // everyone) is enough without an identity policy, unless a boundary that does
                // not allow `sts:AssumeRole` stands in the way.
                // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
                let named_here = p.account == role_p.account
                    && p.boundary != Some(BoundaryKind::Workload)
                    && role.trusted.iter().any(|t| match t {
                        Trusted::Anyone => true,
                        Trusted::Principal(arn) => *arn == p.arn,
                        _ => false,
                    });
                if !named_here && !p.caps.may_assume(&role_p.arn) {
                    continue;
                }
                let Some(requires) = Self::admits(world, role, p) else { continue };
                let requires = requires | p.caps.gates;
                assumable_by[role_idx].push(p_idx);
                edges[p_idx].push(Step { technique: "sts:AssumeRole", target: Some(role_idx), requires });
            }
        }
        // Passing roles to compute the principal creates.
        let mut service_roles: HashMap<&str, Vec<usize>> = HashMap::new();
        for (idx, p) in self.principals.iter().enumerate() {
            if let Some(role) = &p.role
                && role.services != 0
            {
                service_roles.entry(p.account.as_str()).or_default().push(idx);
            }
        }
        for (p_idx, p) in self.principals.iter().enumerate() {
            if p.caps.create == 0 || (p.caps.pass_any == 0 && p.caps.pass.is_empty()) {
                continue;
            }
            for &r_idx in service_roles.get(p.account.as_str()).into_iter().flatten() {
                if r_idx == p_idx {
                    continue;
                }
                let role_p = &self.principals[r_idx];
                let Some(role) = &role_p.role else { continue };
                let mut usable = p.caps.create & p.caps.may_pass(&role_p.arn) & role.services;
                if !role.instance_profile {
                    usable &= !SVC_EC2;
                }
                if usable == 0 {
                    continue;
                }
                let svc = (0..5).map(|bit| 1u8 << bit).find(|bit| usable & bit != 0).unwrap_or(ALL_SERVICES);
                edges[p_idx].push(Step {
                    technique: pass_role_technique(svc),
                    target: Some(r_idx),
                    requires: p.caps.gates,
                });
            }
        }

        // Shortest paths to an administrator: a breadth-first search backwards from the
        // administrators and from a virtual node `n` that self-escalation steps lead to.
        const SELF: usize = usize::MAX;
        let mut reverse: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n + 1];
        for (from, steps) in edges.iter().enumerate() {
            for (step_idx, step) in steps.iter().enumerate() {
                if let Some(target) = step.target {
                    reverse[target].push((from, step_idx));
                }
            }
        }
        for (idx, p) in self.principals.iter().enumerate() {
            if p.caps.escalate.is_some() {
                reverse[n].push((idx, SELF));
            }
        }
        let mut next: Vec<Option<Step>> = vec![None; n];
        let mut dist: Vec<usize> = vec![usize::MAX; n + 1];
        let mut queue: VecDeque<usize> = VecDeque::new();
        for idx in (0..n).filter(|idx| admin[*idx]) {
            dist[idx] = 0;
            queue.push_back(idx);
        }
        dist[n] = 0;
        queue.push_back(n);
        while let Some(node) = queue.pop_front() {
            for &(from, step_idx) in &reverse[node] {
                if dist[from] != usize::MAX {
                    continue;
                }
                dist[from] = dist[node] + 1;
                next[from] = Some(match step_idx {
                    SELF => {
                        let p = &self.principals[from];
                        Step { technique: p.caps.escalate.unwrap_or("iam"), target: None, requires: p.caps.gates }
                    }
                    _ => edges[from][step_idx].clone(),
                });
                queue.push_back(from);
            }
        }

        // Write.
        let file = out.create("ground-truth.json")?;
        let mut w = crate::aws_org::out::ListsWriter::new(file)?;
        w.value("format", &json!("remit-gen-ground-truth"))?;
        w.value("version", &json!(1))?;
        w.value("generator", &json!({"seed": world.seed, "size": size}))?;
        w.value(
            "organization",
            &json!({"id": world.org_id, "managementAccount": world.management, "inBundle": world.org.is_some()}),
        )?;
        w.begin_list("accounts")?;
        for (idx, account) in world.accounts.iter().enumerate() {
            let policies = applying(world, org_policies, idx);
            let ou = account.ou.and_then(|ou| world.org.as_ref().map(|org| org.ous[ou].name));
            w.item(&json!({
                "id": account.id,
                "name": account.name,
                "kind": account.kind.as_str(),
                "ou": ou,
                "collected": account.collected,
                "scps": policies.iter().filter(|p| !p.rcp).map(|p| p.name).collect::<Vec<_>>(),
                "rcps": policies.iter().filter(|p| p.rcp).map(|p| p.name).collect::<Vec<_>>(),
                "denyAll": policies.iter().any(|p| p.deny_all),
            }))?;
        }
        w.end_list()?;

        w.begin_list("adminEquivalent")?;
        for (idx, p) in self.principals.iter().enumerate() {
            if !admin[idx] {
                continue;
            }
            let via: Vec<Value> = p
                .via
                .iter()
                .map(|(policy, through)| match through {
                    Some(group) => json!({"policy": policy, "through": group}),
                    None => json!({"policy": policy}),
                })
                .collect();
            let blocked_by: Vec<&str> = p.blocked.into_iter().collect();
            w.item(&json!({"principal": p.arn, "via": via, "requires": gates(&p.caps), "blockedBy": blocked_by}))?;
        }
        w.end_list()?;

        w.begin_list("escalations")?;
        for idx in 0..n {
            if admin[idx] || dist[idx] == usize::MAX {
                continue;
            }
            let mut path = Vec::new();
            let mut node = idx;
            let mut requires = 0;
            // A path is blocked when any principal on it is in a quarantined account.
            let mut blocked_by: Vec<&str> = self.principals[idx].blocked.into_iter().collect();
            while let Some(step) = &next[node] {
                requires |= step.requires;
                if let Some(name) = step.target.and_then(|t| self.principals[t].blocked)
                    && !blocked_by.contains(&name)
                {
                    blocked_by.push(name);
                }
                path.push(json!({"technique": step.technique, "target": step.target.map(|t| self.principals[t].arn.as_str())}));
                match step.target {
                    Some(target) => node = target,
                    None => break,
                }
            }
            let reaches =
                if admin[node] { self.principals[node].arn.as_str() } else { self.principals[idx].arn.as_str() };
            w.item(&json!({
                "principal": self.principals[idx].arn,
                "reaches": reaches,
                "path": path,
                "requires": condition_keys(requires),
                "blockedBy": blocked_by,
            }))?;
        }
        w.end_list()?;

        w.begin_list("roles")?;
        for (idx, p) in self.principals.iter().enumerate() {
            let Some(role) = &p.role else { continue };
            let trust: Vec<Value> = role
                .trusted
                .iter()
                .map(|t| {
                    let mut aws_requires = Vec::new();
                    if role.external_id {
                        aws_requires.push("sts:ExternalId");
                    }
                    if role.mfa {
                        aws_requires.push("aws:MultiFactorAuthPresent");
                    }
                    if role.org_id {
                        aws_requires.push("aws:PrincipalOrgID");
                    }
                    let scope = |account: &str| {
                        if account == p.account { "same-account".to_owned() } else { world.scope_of(account) }
                    };
                    let in_bundle = |account: &str| world.accounts.iter().any(|a| a.id == account && a.collected);
                    match t {
                        Trusted::Service(service) => json!({"type": "service", "service": service}),
                        Trusted::Account(account) => json!({"type": "account", "account": account, "scope": scope(account), "inBundle": in_bundle(account), "requires": aws_requires}),
                        Trusted::Principal(arn) => {
                            let account = arn.split(':').nth(4).unwrap_or_default();
                            json!({"type": "principal", "principal": arn, "scope": scope(account), "inBundle": in_bundle(account), "requires": aws_requires})
                        }
                        Trusted::Deleted(id) => json!({"type": "deleted-principal", "id": id}),
                        Trusted::Anyone => json!({"type": "anyone", "requires": aws_requires}),
                        Trusted::Saml(provider) => json!({"type": "saml", "provider": provider}),
                        Trusted::Sso(provider) => json!({"type": "identity-center", "provider": provider}),
                        Trusted::Oidc { provider, sub, .. } => json!({"type": "oidc", "provider": provider, "subject": sub}),
                    }
                })
                .collect();
            let assumable: Vec<&str> = assumable_by[idx].iter().map(|i| self.principals[*i].arn.as_str()).collect();
            let mut entry = json!({
                "role": p.arn,
                "kind": role.kind.as_str(),
                "adminEquivalent": admin[idx],
                "trust": trust,
                "assumableBy": assumable,
            });
            if let (Some((set, users)), Some(map)) = (&role.sso, entry.as_object_mut()) {
                map.insert("identityCenter".into(), json!({"permissionSet": set, "users": users}));
            }
            w.item(&entry)?;
        }
        w.end_list()?;

        w.begin_list("resources")?;
        for resource in &self.resources {
            w.item(resource)?;
        }
        w.end_list()?;
        w.begin_list("planted")?;
        for planted in &self.planted {
            w.item(planted)?;
        }
        w.end_list()?;
        // Last, so that what came before reads as it did before workloads were generated.
        w.begin_list("workloads")?;
        for workload in &self.workloads {
            w.item(workload)?;
        }
        w.end_list()?;
        let file = w.finish()?;
        out.finish(file)?;
        let admins = admin.iter().filter(|a| **a).count();
        let escalations = (0..n).filter(|idx| !admin[*idx] && dist[*idx] != usize::MAX).count();
        Ok((admins, escalations))
    }
}
