//! One account's IAM: groups, users, roles and customer-managed policies, and its resources.
//!
//! An account is built in a fixed order from its own stream (resource names, policies, groups,
//! users, roles, resource policies), so that it is the same whatever the other accounts are.
//! The infrastructure every account of its kind has comes first (service-linked roles, the
//! organization's roles, Identity Center's roles, vendors, federation, CI, CDK); then the
//! planted problems; then application roles and policies fill the account to its size.

use std::collections::{HashMap, HashSet};

use crate::aws_org::{
    managed,
    model::{
        AccessKey, AccountPlan, Boundary, BoundaryKind, Caps, Credentials, CustomerPolicy, Group, Inline,
        InstanceProfile, PolicyRef, ResourceKind, Role, RoleKind, RootUser, SVC_CFN, SVC_CODEBUILD, SVC_EC2, SVC_GLUE,
        SVC_LAMBDA, Trust, Trusted, User, Version,
    },
    names::{APPS, COMPONENTS, FIRST_NAMES, GITHUB_ORGS, LAST_NAMES, REGIONS, SERVICE_KINDS, TEAMS, VENDORS},
    out::DAY,
    policies::{self, Draft, Scope},
    resources,
    rng::Rng,
    sso::{SetBoundary, SsoPlan},
    workloads,
    world::{AccountKind, AccountSpec, World, past},
};

/// An account's plan and what it planted.
pub(super) struct Built {
    pub(super) plan: AccountPlan,
    /// (what, ARN) of each planted problem.
    pub(super) planted: Vec<(&'static str, String)>,
}

/// The resources an application's policies may name.
#[derive(Default)]
struct AppResources {
    buckets: Vec<String>,
    queues: Vec<String>,
    topics: Vec<String>,
}

struct Builder<'a> {
    world: &'a World,
    spec: &'a AccountSpec,
    account_idx: usize,
    sso: &'a SsoPlan,
    rng: Rng,
    apps: Vec<&'static str>,
    res: Vec<AppResources>,
    keys: Vec<String>,
    plan: AccountPlan,
    taken: HashSet<String>,
    policy_index: HashMap<String, u32>,
    app_policies: Vec<Vec<u32>>,
    /// Deployment policies: (application, policy), for CI users.
    deploy_policies: Vec<(usize, u32)>,
    planted: Vec<(&'static str, String)>,
    /// Whether this account gets each planted problem.
    plant_all: bool,
}

fn aws_ref(name: &str) -> Option<PolicyRef> {
    managed::index(name).map(PolicyRef::Aws)
}

fn push_aws(list: &mut Vec<PolicyRef>, name: &str) {
    if let Some(policy) = aws_ref(name)
        && !list.contains(&policy)
    {
        list.push(policy);
    }
}

/// Builds the account `account_idx` of `world`.
pub(super) fn build(world: &World, account_idx: usize, sso: &SsoPlan) -> Built {
    let spec = &world.accounts[account_idx];
    let mut rng = Rng::new(world.seed, "account", spec.index as u64);
    let apps: Vec<&'static str> = if spec.apps.is_empty() {
        let fallback: &[&str] = match spec.kind {
            AccountKind::LogArchive => &["log-shipper", "audit-trail"],
            AccountKind::Audit => &["audit-trail", "metrics-exporter"],
            AccountKind::Backup => &["backup-runner"],
            AccountKind::Management => &["finance-export"],
            AccountKind::Network => &["metrics-exporter"],
            _ => &["reporting"],
        };
        fallback.iter().filter_map(|name| APPS.iter().find(|app| *app == name).copied()).collect()
    } else {
        spec.apps.iter().map(|idx| APPS[*idx]).collect()
    };
    let mut resource_rng = rng.fork("resources");
    let skeleton = resources::skeleton(&mut resource_rng, world, spec, &apps);
    let mut res: Vec<AppResources> = apps.iter().map(|_| AppResources::default()).collect();
    for resource in &skeleton {
        let Some(app) = apps.iter().position(|app| resource.name.contains(app)) else { continue };
        match resource.kind {
            ResourceKind::Bucket => res[app].buckets.push(resource.name.clone()),
            ResourceKind::Queue => res[app].queues.push(resource.arn.clone()),
            ResourceKind::Topic => res[app].topics.push(resource.arn.clone()),
            _ => {}
        }
    }
    let keys = skeleton
        .iter()
        .filter(|r| r.kind == ResourceKind::Key && r.extra.aws_managed_alias.is_none())
        .map(|r| r.arn.clone())
        .collect();
    let plan = AccountPlan {
        id: spec.id.clone(),
        users: Vec::new(),
        groups: Vec::new(),
        roles: Vec::new(),
        policies: Vec::new(),
        resources: skeleton,
        root: RootUser { created: spec.joined, password_last_used: None, mfa: true, keys: Vec::new() },
        public_access_block: None,
        canonical_id: rng.hex(64),
        workloads: Vec::new(),
    };
    let plant_all = spec.legacy;
    let mut builder = Builder {
        world,
        spec,
        account_idx,
        sso,
        rng,
        app_policies: apps.iter().map(|_| Vec::new()).collect(),
        deploy_policies: Vec::new(),
        apps,
        res,
        keys,
        plan,
        taken: HashSet::new(),
        policy_index: HashMap::new(),
        planted: Vec::new(),
        plant_all,
    };
    builder.build(resource_rng);
    let mut plan = builder.plan;
    plan.workloads = workloads::build(world, spec, &plan);
    Built { plan, planted: builder.planted }
}

impl Builder<'_> {
    /// Whether to plant a problem here: always in the legacy account, now and then elsewhere.
    fn plant(&mut self) -> bool {
        self.plant_all || self.rng.chance(self.world.risk_rate)
    }

    fn unique(&mut self, kind: &str, name: String) -> String {
        let mut candidate = name.clone();
        let mut n = 2;
        while !self.taken.insert(format!("{kind}:{candidate}")) {
            candidate = format!("{name}-{n}");
            n += 1;
        }
        candidate
    }

    fn scope(&self, app: usize) -> Scope<'_> {
        let res = &self.res[app.min(self.res.len().saturating_sub(1))];
        Scope {
            account: &self.spec.id,
            region: self.spec.region,
            app: self.apps.get(app).copied().unwrap_or("shared"),
            env: self.spec.env,
            buckets: &res.buckets,
            queues: &res.queues,
            topics: &res.topics,
            keys: &self.keys,
        }
    }

    fn app_count(&self) -> usize {
        self.apps.len().max(1)
    }

    // -----------------------------------------------------------------------------------------
    // Policies.

    /// Adds a customer-managed policy with a history of versions; returns its index.
    fn add_policy(&mut self, draft: Draft, path: &str, app: Option<usize>) -> u32 {
        let name = self.unique("policy", draft.name.clone());
        let created = past(&mut self.rng, self.world.now, 20, 2500);
        let n_versions = [1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4][self.rng.range(0, 11)];
        let first = 1 + self.rng.range(0, 2) as u32 * u32::from(n_versions > 1);
        let mut docs = vec![draft.doc.clone()];
        for _ in 1..n_versions {
            let older = earlier_version(docs.last().unwrap_or(&draft.doc));
            docs.push(older);
        }
        let mut versions = Vec::with_capacity(docs.len());
        let mut time = created;
        for (age, doc) in docs.iter().enumerate().rev() {
            versions.push(Version {
                number: first + (docs.len() - 1 - age) as u32,
                doc: doc.to_string(),
                created: time,
            });
            time += self.rng.range_i64(DAY, 200 * DAY).min((self.world.now - time).max(1));
        }
        versions.reverse();
        let id = self.rng.unique_id("ANPA");
        self.push_policy(CustomerPolicy {
            name,
            path: path.to_owned(),
            id,
            description: draft.description.map(str::to_owned),
            created,
            versions,
            default: 0,
            caps: draft.caps,
            admin_old_version: false,
            attachments: 0,
            boundary_uses: 0,
            app,
        })
    }

    fn push_policy(&mut self, policy: CustomerPolicy) -> u32 {
        let idx = self.plan.policies.len() as u32;
        self.policy_index.insert(policy.name.clone(), idx);
        if let Some(app) = policy.app
            && let Some(list) = self.app_policies.get_mut(app)
        {
            list.push(idx);
        }
        self.plan.policies.push(policy);
        idx
    }

    /// The customer policy named `name`, made by `make` the first time.
    fn named_policy(&mut self, name: &str, path: &str, make: impl FnOnce(&mut Self) -> Draft) -> u32 {
        if let Some(idx) = self.policy_index.get(name) {
            return *idx;
        }
        let draft = make(self);
        self.add_policy(draft, path, None)
    }

    fn developer_boundary(&mut self) -> u32 {
        let arn = format!("arn:aws:iam::{}:policy/boundaries/DeveloperBoundary", self.spec.id);
        let account = self.spec.id.clone();
        self.named_policy("DeveloperBoundary", "/boundaries/", |_| policies::developer_boundary(&account, &arn))
    }

    fn workload_boundary(&mut self) -> u32 {
        self.named_policy("WorkloadBoundary", "/boundaries/", |_| policies::workload_boundary())
    }

    fn inline(draft: Draft) -> Inline {
        Inline { name: draft.name, doc: draft.doc.to_string(), caps: draft.caps }
    }

    // -----------------------------------------------------------------------------------------
    // The account, in order.

    fn build(&mut self, mut resource_rng: Rng) {
        let profile = self.spec.profile.clone();
        let humans = profile.humans;

        // Policies every account of this shape has.
        if humans > 0 {
            self.named_policy("Force_MFA", "/", |_| policies::force_mfa());
            self.named_policy("SelfServiceCredentials", "/", |_| policies::self_service_credentials());
            self.named_policy("DenyOutsideApprovedRegions", "/guardrails/", |b| {
                policies::deny_outside_regions(&mut b.rng)
            });
            self.developer_boundary();
        }
        if humans > 5 {
            self.named_policy("CorporateNetworkOnly", "/guardrails/", |_| policies::corporate_network_only());
            self.named_policy("SupportEngineer", "/", |_| policies::support_engineer());
        }
        if profile.service_users > 0 {
            self.workload_boundary();
        }
        let team_count = profile.team_groups.min(TEAMS.len());
        let account = self.spec.id.clone();
        let mut team_policies = Vec::new();
        for team in self.teams(team_count) {
            let idx = self
                .named_policy(&format!("{team}-developers"), "/teams/", |_| policies::developers_base(&account, team));
            team_policies.push((team, idx));
        }
        // Deployment policies: one per application and service it deploys with.
        let deploy_count = (self.app_count() / 2).max(1).min(profile.policies / 6 + 1);
        for n in 0..deploy_count {
            let app = n % self.app_count();
            let svc = [SVC_LAMBDA, SVC_LAMBDA, SVC_EC2, SVC_CFN, SVC_GLUE, SVC_CODEBUILD][self.rng.range(0, 5)];
            let draft = policies::deploy_policy(&self.scope(app), svc);
            let idx = self.add_policy(draft, "/applications/", None);
            self.deploy_policies.push((app, idx));
        }

        // Application policies first, so that users and roles can hold them, leaving room for
        // the policies the roles and plants below add; then up to the account's size.
        self.application_policies(profile.policies.saturating_sub(profile.github_roles + 12));
        self.groups(&team_policies);
        self.users();
        self.infrastructure_roles();
        self.planted_principals();
        self.application_policies(profile.policies);
        self.application_roles(profile.roles);

        // Resource policies, naming the roles now that they exist.
        let account = self.spec.id.clone();
        let admins: Vec<String> = self
            .plan
            .roles
            .iter()
            .filter(|r| {
                matches!(r.kind, RoleKind::Admin | RoleKind::Sso(_)) && r.name.contains("Admin") || r.name == "admin"
            })
            .map(|r| r.arn(&account))
            .take(4)
            .collect();
        let app_roles: Vec<String> = self
            .plan
            .roles
            .iter()
            .filter(|r| r.kind == RoleKind::Application)
            .map(|r| r.arn(&account))
            .take(200)
            .collect();
        let org_accounts: Vec<String> = self
            .world
            .accounts
            .iter()
            .filter(|a| a.collected && a.id != account && self.world.org.is_some())
            .map(|a| a.id.clone())
            .collect();
        let planted = self.plant_all || self.rng.chance(self.world.risk_rate);
        let who = resources::Principals { admins: &admins, apps: &app_roles, org_accounts: &org_accounts, planted };
        resources::attach_policies(&mut resource_rng, self.world, self.spec, &mut self.plan.resources, &who);
        let mut public_bucket = false;
        for resource in &self.plan.resources {
            let public = resource
                .grants
                .iter()
                .any(|g| g.to == crate::aws_org::model::Grantee::Anyone && g.conditions.is_empty());
            if public {
                public_bucket |= resource.kind == ResourceKind::Bucket;
                self.planted.push(("public-resource", resource.arn.clone()));
            }
        }

        self.root_user();
        // An account that serves public buckets has not turned Block Public Access on.
        self.plan.public_access_block = if public_bucket {
            if self.rng.chance(0.5) { None } else { Some([false, false, false, false]) }
        } else if self.rng.chance(0.85) {
            Some([true, true, true, true])
        } else {
            None
        };
        self.count_attachments();
    }

    /// Application policies until the account has `target` customer-managed policies.
    fn application_policies(&mut self, target: usize) {
        while self.plan.policies.len() < target {
            let app = self.rng.range(0, self.app_count() - 1);
            let mut rng = self.rng.fork("app-policy");
            let draft = policies::app_policy(&mut rng, &self.scope(app));
            let path = if self.rng.chance(0.3) { "/applications/" } else { "/" };
            self.add_policy(draft, path, Some(app));
        }
    }

    fn teams(&self, n: usize) -> Vec<&'static str> {
        let mut teams: Vec<&'static str> = self.spec.teams.iter().map(|t| TEAMS[*t]).collect();
        for team in TEAMS {
            if teams.len() >= n {
                break;
            }
            if !teams.contains(team) {
                teams.push(team);
            }
        }
        teams.truncate(n);
        teams
    }

    fn group(&mut self, name: &str, path: &str, attached: Vec<PolicyRef>, inline: Vec<Inline>) -> u32 {
        let name = self.unique("group", name.to_owned());
        self.plan.groups.push(Group {
            name,
            path: path.to_owned(),
            id: self.rng.unique_id("AGPA"),
            created: past(&mut self.rng, self.world.now, 30, 2600),
            inline,
            attached,
        });
        (self.plan.groups.len() - 1) as u32
    }

    fn groups(&mut self, team_policies: &[(&'static str, u32)]) {
        if self.spec.profile.humans == 0 {
            return;
        }
        let mut attached = Vec::new();
        push_aws(&mut attached, "AdministratorAccess");
        self.group("Admins", "/", attached, Vec::new());
        let mut attached = vec![PolicyRef::Customer(self.policy_index["Force_MFA"])];
        attached.push(PolicyRef::Customer(self.policy_index["SelfServiceCredentials"]));
        self.group("MFARequired", "/", attached, Vec::new());
        let mut read_only = Vec::new();
        push_aws(&mut read_only, "ReadOnlyAccess");
        self.group("ReadOnly", "/", read_only, Vec::new());
        for (team, policy) in team_policies {
            let mut attached = vec![PolicyRef::Customer(*policy)];
            push_aws(&mut attached, "ReadOnlyAccess");
            if let Some(idx) = self.policy_index.get("DenyOutsideApprovedRegions") {
                attached.push(PolicyRef::Customer(*idx));
            }
            self.group(&format!("{team}-developers"), "/teams/", attached, Vec::new());
        }
        if self.spec.profile.humans >= 6 {
            let mut attached = Vec::new();
            push_aws(&mut attached, "PowerUserAccess");
            self.group("PlatformEngineers", "/", attached, Vec::new());
            let mut attached = Vec::new();
            push_aws(&mut attached, "SecurityAudit");
            let inline = vec![Inline {
                name: "securityhub-read".into(),
                doc: serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["securityhub:Get*", "securityhub:List*", "guardduty:Get*", "guardduty:List*"], "Resource": "*"}]}).to_string(),
                caps: Caps::default(),
            }];
            self.group("SecurityAuditors", "/", attached, inline);
            let mut attached = Vec::new();
            push_aws(&mut attached, "Billing");
            self.group("Billing", "/", attached, Vec::new());
            let mut attached = Vec::new();
            push_aws(&mut attached, "DatabaseAdministrator");
            self.group("DBAs", "/", attached, Vec::new());
            let mut attached = Vec::new();
            push_aws(&mut attached, "NetworkAdministrator");
            self.group("NetworkAdmins", "/", attached, Vec::new());
            let mut attached = Vec::new();
            push_aws(&mut attached, "ViewOnlyAccess");
            if let Some(idx) = self.policy_index.get("SupportEngineer") {
                attached.push(PolicyRef::Customer(*idx));
            }
            self.group("Support", "/", attached, Vec::new());
            self.group("Contractors", "/contractors/", Vec::new(), Vec::new());
            self.group("temp-migration-2021", "/", Vec::new(), Vec::new());
        }
        if self.plant() {
            let idx = self.add_policy(policies::add_user_to_group(&self.spec.id.clone()), "/", None);
            self.group("Helpdesk", "/", vec![PolicyRef::Customer(idx)], Vec::new());
        }
        if self.plant() {
            let arn = format!("arn:aws:iam::{}:policy/release-managers", self.spec.id);
            let (draft, old) = policies::set_default_version(&self.spec.id.clone(), &arn);
            if !self.taken.contains("policy:release-managers") {
                let idx = self.add_policy(draft, "/", None);
                let policy = &mut self.plan.policies[idx as usize];
                let newest = policy.versions.first().map_or(1, |v| v.number);
                policy.versions.truncate(1);
                policy.versions.push(Version {
                    number: newest.saturating_sub(1).max(1),
                    doc: old.to_string(),
                    created: policy.created,
                });
                if policy.versions[0].number == policy.versions[1].number {
                    policy.versions[0].number += 1;
                }
                policy.admin_old_version = true;
                self.group("release-managers", "/", vec![PolicyRef::Customer(idx)], Vec::new());
            }
        }
        if self.plant() {
            let idx = self.add_policy(policies::not_action_admin(), "/", None);
            self.group("Operations", "/", vec![PolicyRef::Customer(idx)], Vec::new());
        }
    }

    fn group_index(&self, name: &str) -> Option<u32> {
        self.plan.groups.iter().position(|g| g.name == name).map(|idx| idx as u32)
    }

    /// A person with nothing that escalates or administers: no boundary, no inline policy, no
    /// group that administers or leads up (`except` aside), no planted policy of their own.
    fn plain_user(&self, idx: usize, except: Option<u32>) -> bool {
        let user = &self.plan.users[idx];
        let loaded = ["Admins", "Operations", "Helpdesk", "release-managers", "PlatformEngineers"]
            .iter()
            .filter_map(|name| self.group_index(name))
            .filter(|g| Some(*g) != except);
        let self_service = self.policy_index.get("SelfServicePolicies").map(|idx| PolicyRef::Customer(*idx));
        user.boundary.is_none()
            && user.inline.is_empty()
            && user.creds.password.is_some()
            && !loaded.into_iter().any(|g| user.groups.contains(&g))
            && self_service.is_none_or(|policy| !user.attached.contains(&policy))
    }

    fn new_user(&mut self, name: String, path: &str) -> User {
        let name = self.unique("user", name);
        User {
            name,
            path: path.to_owned(),
            id: self.rng.unique_id("AIDA"),
            created: past(&mut self.rng, self.world.now, 5, 2800),
            inline: Vec::new(),
            groups: Vec::new(),
            attached: Vec::new(),
            boundary: None,
            tags: Vec::new(),
            creds: Credentials::default(),
        }
    }

    fn key(&mut self, created: i64, used_recently: bool) -> AccessKey {
        let rotated = created.max(self.world.now - self.rng.range_i64(DAY, 1500 * DAY));
        let last_used = if used_recently || self.rng.chance(0.7) {
            let region = *self.rng.pick(REGIONS);
            let service = *self.rng.pick(&["s3", "sts", "ec2", "dynamodb", "sqs", "iam", "lambda", "secretsmanager"]);
            Some((self.world.now.min(rotated + self.rng.range_i64(DAY, 900 * DAY)).max(rotated), region, service))
        } else {
            None
        };
        AccessKey { active: self.rng.chance(0.9), rotated, last_used }
    }

    fn users(&mut self) {
        let profile = self.spec.profile.clone();
        let team_groups: Vec<u32> = self
            .plan
            .groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.path == "/teams/")
            .map(|(idx, _)| idx as u32)
            .collect();
        let by_name = |b: &Self, name: &str| b.group_index(name);
        let mfa_group = by_name(self, "MFARequired");
        let extra_groups: Vec<(Option<u32>, f64)> = [
            ("ReadOnly", 0.15),
            ("PlatformEngineers", 0.03),
            ("Admins", 0.01),
            ("SecurityAuditors", 0.02),
            ("Billing", 0.01),
            ("DBAs", 0.02),
            ("NetworkAdmins", 0.015),
            ("Support", 0.05),
            ("Helpdesk", 0.01),
            ("release-managers", 0.01),
            ("Operations", 0.01),
        ]
        .iter()
        .map(|(name, p)| (by_name(self, name), *p))
        .collect();
        let direct = [
            "AmazonS3ReadOnlyAccess",
            "AmazonEC2ReadOnlyAccess",
            "CloudWatchReadOnlyAccess",
            "AWSSupportAccess",
            "AmazonDynamoDBReadOnlyAccess",
            "AWSLambda_ReadOnlyAccess",
            "IAMReadOnlyAccess",
        ];
        for n in 0..profile.humans {
            let first = *self.rng.pick(FIRST_NAMES);
            let last = *self.rng.pick(LAST_NAMES);
            let contractor = self.rng.chance(0.06);
            let name = match self.rng.range(0, 4) {
                0 => format!("{first}{}", &last[..1]),
                1 => format!("{first}.{last}@{}.example.com", self.world.company),
                _ => format!("{first}.{last}"),
            };
            let path = if contractor {
                "/contractors/"
            } else if self.rng.chance(0.2) {
                "/people/"
            } else {
                "/"
            };
            let mut user = self.new_user(name, path);
            let team = if team_groups.is_empty() { None } else { Some(team_groups[n % team_groups.len()]) };
            if let Some(group) = mfa_group
                && self.rng.chance(0.85)
            {
                user.groups.push(group);
            }
            if let Some(team) = team
                && !contractor
                && self.rng.chance(0.75)
            {
                user.groups.push(team);
            }
            for (group, p) in &extra_groups {
                if let Some(group) = group
                    && self.rng.chance(*p)
                {
                    user.groups.push(*group);
                }
            }
            // Every account with people has at least one administrator.
            if n == 0
                && let Some(admins) = by_name(self, "Admins")
            {
                user.groups.push(admins);
            }
            if self.rng.chance(0.08) {
                push_aws(&mut user.attached, direct[self.rng.range(0, direct.len() - 1)]);
            }
            if self.rng.chance(0.05) && !self.plan.policies.is_empty() {
                let app = self.rng.range(0, self.app_count() - 1);
                if let Some(policy) = self.app_policies[app].first() {
                    user.attached.push(PolicyRef::Customer(*policy));
                }
            }
            if contractor {
                let boundary = self.developer_boundary();
                user.boundary = Some(Boundary { policy: PolicyRef::Customer(boundary), kind: BoundaryKind::Developer });
                if let Some(group) = by_name(self, "Contractors") {
                    user.groups.push(group);
                }
                let app = self.rng.range(0, self.app_count() - 1);
                let until = crate::aws_org::out::iso_z(self.world.now + self.rng.range_i64(-60, 300) * DAY);
                let mut rng = self.rng.fork("contractor");
                user.inline.push(Self::inline(policies::contractor(&mut rng, &self.scope(app), &until)));
            }
            user.groups.sort_unstable();
            user.groups.dedup();
            let team_name = team
                .map(|g| self.plan.groups[g as usize].name.trim_end_matches("-developers").to_owned())
                .unwrap_or_else(|| "platform".to_owned());
            user.tags.push(("team".into(), team_name));
            if self.rng.chance(0.5) {
                user.tags.push(("cost-center".into(), format!("CC-{}", self.rng.range(1000, 9999))));
            }
            let in_mfa_group = mfa_group.is_some_and(|g| user.groups.contains(&g));
            let created = user.created;
            let last_changed = created.max(self.world.now - self.rng.range_i64(DAY, 700 * DAY));
            let last_used =
                if self.rng.chance(0.85) { Some(self.world.now - self.rng.range_i64(3600, 200 * DAY)) } else { None };
            user.creds.password = if self.rng.chance(0.92) { Some((last_changed, last_used)) } else { None };
            user.creds.mfa = user.creds.password.is_some() && self.rng.chance(if in_mfa_group { 0.93 } else { 0.4 });
            if self.rng.chance(0.3) {
                let key = self.key(created, false);
                user.creds.keys.push(key);
                if self.rng.chance(0.1) {
                    let key = self.key(created, false);
                    user.creds.keys.push(key);
                }
            }
            self.plan.users.push(user);
        }

        // The planted groups have members, or they would plant nothing: a plain user each, so
        // that the planted technique is their shortest way up.
        for name in ["Helpdesk", "release-managers", "Operations"] {
            let Some(group) = by_name(self, name) else { continue };
            if self
                .plan
                .users
                .iter()
                .enumerate()
                .any(|(idx, u)| u.groups.contains(&group) && self.plain_user(idx, Some(group)))
            {
                continue;
            }
            let candidates: Vec<usize> = (0..self.plan.users.len()).filter(|idx| self.plain_user(*idx, None)).collect();
            if !candidates.is_empty() {
                let user = candidates[self.rng.range(0, candidates.len() - 1)];
                self.plan.users[user].groups.push(group);
                self.plan.users[user].groups.sort_unstable();
            }
        }

        for n in 0..profile.service_users {
            let app = n % self.app_count();
            let app_name = self.apps.get(app).copied().unwrap_or("shared");
            let name = match n % 6 {
                0 => format!("svc-{app_name}"),
                1 => format!("{app_name}-smtp"),
                2 => format!("ci-{}", ["jenkins", "circleci", "gitlab", "buildkite"][self.rng.range(0, 3)]),
                3 => format!("{app_name}-integration"),
                4 => "backup-agent".into(),
                _ => format!("{app_name}-s3-uploader"),
            };
            let path = if self.rng.chance(0.6) { "/service/" } else { "/" };
            let mut user = self.new_user(name, path);
            if user.name.ends_with("-smtp") {
                user.inline.push(Inline {
                    name: "AmazonSesSendingAccess".into(),
                    doc: serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ses:SendRawEmail", "Resource": "*"}]}).to_string(),
                    caps: Caps::default(),
                });
            } else if user.name.starts_with("ci-")
                && let Some((_, deploy)) =
                    self.deploy_policies.iter().find(|(a, _)| *a == app).or(self.deploy_policies.first())
            {
                user.attached.push(PolicyRef::Customer(*deploy));
                push_aws(&mut user.attached, "AmazonS3ReadOnlyAccess");
            } else {
                let policies: Vec<u32> = self.app_policies.get(app).cloned().unwrap_or_default();
                for idx in policies.iter().take(self.rng.range(1, 3)) {
                    user.attached.push(PolicyRef::Customer(*idx));
                }
                if user.attached.is_empty() {
                    push_aws(&mut user.attached, "AmazonS3ReadOnlyAccess");
                }
            }
            if self.rng.chance(0.2) {
                let boundary = self.workload_boundary();
                user.boundary = Some(Boundary { policy: PolicyRef::Customer(boundary), kind: BoundaryKind::Workload });
            }
            user.tags.push(("owner".into(), format!("{app_name}-team")));
            let created = user.created;
            let key = self.key(created, true);
            user.creds.keys.push(key);
            self.plan.users.push(user);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Roles.

    fn new_role(&mut self, name: String, path: &str, trust: Trust, kind: RoleKind) -> Role {
        let name = self.unique("role", name);
        let created = past(&mut self.rng, self.world.now, 3, 2600);
        let last_used = match self.rng.range(0, 9) {
            0 => None,
            1 => {
                Some((created.max(self.world.now - self.rng.range_i64(400 * DAY, 900 * DAY)), *self.rng.pick(REGIONS)))
            }
            _ => Some((self.world.now - self.rng.range_i64(600, 80 * DAY), self.spec.region)),
        };
        Role {
            name,
            path: path.to_owned(),
            id: self.rng.unique_id("AROA"),
            created,
            trust,
            inline: Vec::new(),
            attached: Vec::new(),
            boundary: None,
            tags: Vec::new(),
            last_used,
            instance_profile: None,
            kind,
        }
    }

    fn role_arn(&self, path: &str, name: &str) -> String {
        format!("arn:aws:iam::{}:role{path}{name}", self.spec.id)
    }

    fn add_role(&mut self, role: Role) -> usize {
        self.plan.roles.push(role);
        self.plan.roles.len() - 1
    }

    fn with_instance_profile(&mut self, role: &mut Role) {
        role.instance_profile =
            Some(InstanceProfile { name: role.name.clone(), id: self.rng.unique_id("AIPA"), created: role.created });
    }

    fn sso_provider(&self) -> String {
        let hex = format!("{:016x}", crate::aws_org::rng::fnv(&format!("{}{}", self.world.seed, self.spec.id)));
        format!("arn:aws:iam::{}:saml-provider/AWSSSO_{hex}_DO_NOT_DELETE", self.spec.id)
    }

    fn infrastructure_roles(&mut self) {
        let account = self.spec.id.clone();
        let kind = self.spec.kind;
        let world = self.world;

        // Service-linked roles.
        for (name, service, policy) in managed::SERVICE_LINKED {
            let wanted = match *name {
                "AWSServiceRoleForOrganizations" | "AWSServiceRoleForSupport" | "AWSServiceRoleForTrustedAdvisor" => {
                    true
                }
                "AWSServiceRoleForSSO" => !self.sso.sets_for(self.account_idx).is_empty(),
                "AWSServiceRoleForConfig" | "AWSServiceRoleForAmazonGuardDuty" => kind != AccountKind::Suspended,
                _ => kind.is_workload() || self.rng.chance(0.5),
            };
            if !wanted {
                continue;
            }
            let host = service.trim_end_matches(".amazonaws.com");
            let mut role = self.new_role(
                (*name).to_owned(),
                &format!("/aws-service-role/{host}.amazonaws.com/"),
                Trust::service(service),
                RoleKind::ServiceLinked,
            );
            push_aws(&mut role.attached, policy);
            self.add_role(role);
        }

        // The role Organizations creates in the accounts it creates.
        if self.spec.created_by_org && kind != AccountKind::Management {
            let mut role = self.new_role(
                "OrganizationAccountAccessRole".into(),
                "/",
                Trust::new(vec![Trusted::Account(world.management.clone())]),
                RoleKind::OrgAccess,
            );
            push_aws(&mut role.attached, "AdministratorAccess");
            self.add_role(role);
        }

        // Identity Center's roles.
        let provider = self.sso_provider();
        for set_idx in self.sso.sets_for(self.account_idx) {
            let set = &self.sso.sets[set_idx];
            let hex =
                format!("{:016x}", crate::aws_org::rng::fnv(&format!("{}{}{}", self.world.seed, self.spec.id, set.id)));
            let mut trust = Trust::new(vec![Trusted::Sso(provider.clone())]);
            trust.tag_session = true;
            let mut role = self.new_role(
                format!("AWSReservedSSO_{}_{hex}", set.name),
                "/aws-reserved/sso.amazonaws.com/",
                trust,
                RoleKind::Sso(set_idx),
            );
            for name in &set.managed {
                push_aws(&mut role.attached, name);
            }
            let customer = set.customer.clone();
            for (name, path) in customer {
                let idx = match name {
                    "DataScienceAccess" => {
                        let buckets: Vec<String> = self.res.iter().flat_map(|r| r.buckets.iter().cloned()).collect();
                        let account = account.clone();
                        self.named_policy(name, path, |_| policies::data_science(&account, &buckets))
                    }
                    _ => self.developer_boundary(),
                };
                role.attached.push(PolicyRef::Customer(idx));
            }
            if let Some((doc, caps)) = &set.inline {
                role.inline.push(Inline {
                    name: "AwsSSOInlinePolicy".into(),
                    doc: doc.to_string(),
                    caps: caps.clone(),
                });
            }
            role.boundary = match &set.boundary {
                Some(SetBoundary::Managed(name, kind)) => aws_ref(name).map(|policy| Boundary { policy, kind: *kind }),
                Some(SetBoundary::Customer(_, _, kind)) => {
                    Some(Boundary { policy: PolicyRef::Customer(self.developer_boundary()), kind: *kind })
                }
                None => None,
            };
            self.add_role(role);
        }

        // The organization's own cross-account roles.
        if kind != AccountKind::Suspended && kind != AccountKind::Audit {
            let mut role = self.new_role(
                "security-audit".into(),
                "/",
                Trust::new(vec![Trusted::Account(world.audit.clone())]),
                RoleKind::CrossAccount,
            );
            push_aws(&mut role.attached, "SecurityAudit");
            push_aws(&mut role.attached, "ViewOnlyAccess");
            self.add_role(role);
        }
        if kind.is_workload() {
            let mut trust = Trust::new(vec![Trusted::Principal(world.ci_deployer_arn())]);
            trust.org_id = Some(world.org_id.clone());
            let mut role = self.new_role("deployer".into(), "/", trust, RoleKind::CrossAccount);
            push_aws(&mut role.attached, "AdministratorAccess");
            self.add_role(role);
        }
        match kind {
            AccountKind::Audit => {
                let mut role = self.new_role(
                    "security-scanner".into(),
                    "/",
                    Trust::service("lambda.amazonaws.com"),
                    RoleKind::CrossAccount,
                );
                push_aws(&mut role.attached, "SecurityAudit");
                push_aws(&mut role.attached, "AWSLambdaBasicExecutionRole");
                role.inline.push(Self::inline(policies::assume_roles(
                    "assume-security-audit".into(),
                    vec!["arn:aws:iam::*:role/security-audit".into()],
                )));
                self.add_role(role);
                let mut role = self.new_role(
                    "incident-responder".into(),
                    "/",
                    Trust { mfa: true, ..Trust::new(vec![Trusted::Account(account.clone())]) },
                    RoleKind::Admin,
                );
                role.inline.push(Self::inline(policies::assume_roles(
                    "assume-org-access".into(),
                    vec!["arn:aws:iam::*:role/OrganizationAccountAccessRole".into()],
                )));
                push_aws(&mut role.attached, "SecurityAudit");
                self.add_role(role);
            }
            AccountKind::SharedServices => {
                let provider = format!("arn:aws:iam::{account}:oidc-provider/token.actions.githubusercontent.com");
                let sub = format!("repo:{}/infrastructure:ref:refs/heads/main", GITHUB_ORGS[0]);
                let trust = Trust::new(vec![Trusted::Oidc {
                    provider,
                    host: "token.actions.githubusercontent.com".into(),
                    sub: Some(sub),
                }]);
                let mut role = self.new_role("github-actions-deployer".into(), "/", trust, RoleKind::GithubOidc);
                role.inline.push(Self::inline(policies::assume_roles(
                    "assume-deployers".into(),
                    vec!["arn:aws:iam::*:role/deployer".into()],
                )));
                self.add_role(role);
            }
            AccountKind::LogArchive => {
                let mut role = self.new_role(
                    "log-archive-reader".into(),
                    "/",
                    Trust::new(vec![Trusted::Account(world.audit.clone())]),
                    RoleKind::CrossAccount,
                );
                push_aws(&mut role.attached, "AmazonS3ReadOnlyAccess");
                self.add_role(role);
            }
            AccountKind::Management => {
                let mut role = self.new_role(
                    "org-admin".into(),
                    "/",
                    Trust { mfa: true, ..Trust::new(vec![Trusted::Account(account.clone())]) },
                    RoleKind::Admin,
                );
                push_aws(&mut role.attached, "AdministratorAccess");
                role.inline.push(Self::inline(policies::assume_roles(
                    "assume-member-accounts".into(),
                    vec!["arn:aws:iam::*:role/OrganizationAccountAccessRole".into()],
                )));
                self.add_role(role);
            }
            _ => {}
        }

        // Administration roles of the account.
        if self.spec.profile.humans > 0 || kind.is_workload() {
            let mut role = self.new_role(
                "admin".into(),
                "/",
                Trust { mfa: true, ..Trust::new(vec![Trusted::Account(account.clone())]) },
                RoleKind::Admin,
            );
            push_aws(&mut role.attached, "AdministratorAccess");
            self.add_role(role);
            let mut role = self.new_role(
                "readonly".into(),
                "/",
                Trust::new(vec![Trusted::Account(account.clone())]),
                RoleKind::Admin,
            );
            push_aws(&mut role.attached, "ReadOnlyAccess");
            self.add_role(role);
            // A jump role that leads to the operations administrators.
            let jump_arn = self.role_arn("/", "ops-jump");
            let mut role = self.new_role(
                "ops-jump".into(),
                "/",
                Trust { mfa: true, ..Trust::new(vec![Trusted::Account(account.clone())]) },
                RoleKind::Admin,
            );
            role.inline.push(Self::inline(policies::assume_roles(
                "assume-ops".into(),
                vec![format!("arn:aws:iam::{account}:role/ops-*")],
            )));
            self.add_role(role);
            let mut role =
                self.new_role("ops-admin".into(), "/", Trust::new(vec![Trusted::Principal(jump_arn)]), RoleKind::Admin);
            push_aws(&mut role.attached, "AdministratorAccess");
            self.add_role(role);
        }

        // Vendors, each with the external id its setup asks for.
        let vendors: Vec<usize> = {
            let all: Vec<usize> = (0..VENDORS.len()).collect();
            self.rng.sample(&all, self.spec.profile.vendors).into_iter().copied().collect()
        };
        for vendor in vendors {
            let (name, attached, external) = VENDORS[vendor];
            let mut trust = Trust::new(vec![Trusted::Account(world.vendor_accounts[vendor].clone())]);
            if external {
                trust.external_id = Some(self.rng.alnum(32));
            }
            let mut role = self.new_role(name.to_owned(), "/", trust, RoleKind::Vendor);
            for policy in attached {
                push_aws(&mut role.attached, policy);
            }
            self.add_role(role);
        }

        // Partners in production accounts.
        if matches!(kind, AccountKind::Prod | AccountKind::Standalone) && self.rng.chance(0.5) {
            let partner = self.rng.pick(&world.partner_accounts).clone();
            let mut trust = Trust::new(vec![Trusted::Account(partner)]);
            if self.rng.chance(0.6) {
                trust.external_id = Some(self.rng.uuid());
            }
            let name = format!("partner-data-exchange-{}", self.rng.lower_alnum(4));
            let mut role = self.new_role(name, "/partners/", trust, RoleKind::Partner);
            let app = self.rng.range(0, self.app_count() - 1);
            let mut rng = self.rng.fork("partner");
            role.inline.push(Self::inline(policies::role_inline(&mut rng, &self.scope(app))));
            self.add_role(role);
        }

        // SAML federation outside Identity Center.
        if matches!(kind, AccountKind::Standalone | AccountKind::Management) {
            let provider = format!("arn:aws:iam::{account}:saml-provider/Okta");
            for (name, policy) in [
                ("okta-readonly", "ReadOnlyAccess"),
                ("okta-poweruser", "PowerUserAccess"),
                ("okta-admin", "AdministratorAccess"),
            ] {
                let mut role = self.new_role(
                    name.into(),
                    "/federated/",
                    Trust::new(vec![Trusted::Saml(provider.clone())]),
                    RoleKind::Federated,
                );
                push_aws(&mut role.attached, policy);
                self.add_role(role);
            }
        }

        // GitHub Actions deployers, one per repository.
        let github = format!("arn:aws:iam::{account}:oidc-provider/token.actions.githubusercontent.com");
        for n in 0..self.spec.profile.github_roles {
            let app = n % self.app_count();
            let app_name = self.apps.get(app).copied().unwrap_or("shared");
            let org = *self.rng.pick(GITHUB_ORGS);
            let sub = match self.rng.range(0, 3) {
                0 => format!(
                    "repo:{org}/{app_name}:environment:{}",
                    if self.spec.env == "prod" { "production" } else { "staging" }
                ),
                1 => format!("repo:{org}/{app_name}:pull_request"),
                _ => format!("repo:{org}/{app_name}:ref:refs/heads/main"),
            };
            let trust = Trust::new(vec![Trusted::Oidc {
                provider: github.clone(),
                host: "token.actions.githubusercontent.com".into(),
                sub: Some(sub),
            }]);
            let mut role = self.new_role(format!("{app_name}-github-deploy"), "/ci/", trust, RoleKind::GithubOidc);
            let draft = policies::deploy_policy(&self.scope(app), [SVC_LAMBDA, SVC_CFN, SVC_EC2][n % 3]);
            let idx = self.add_policy(draft, "/applications/", None);
            role.attached.push(PolicyRef::Customer(idx));
            if self.rng.chance(0.2) {
                push_aws(&mut role.attached, "PowerUserAccess");
            }
            self.add_role(role);
        }

        // EKS: the cluster's roles and service-account roles.
        if self.spec.profile.eks {
            let host =
                format!("oidc.eks.{}.amazonaws.com/id/{}", self.spec.region, self.rng.hex(32).to_ascii_uppercase());
            let provider = format!("arn:aws:iam::{account}:oidc-provider/{host}");
            let mut role = self.new_role(
                "eks-cluster-role".into(),
                "/",
                Trust::service("eks.amazonaws.com"),
                RoleKind::Application,
            );
            role.inline.push(Self::inline(policies::role_inline(&mut self.rng.fork("eks"), &self.scope(0))));
            self.add_role(role);
            let mut role =
                self.new_role("eks-node-role".into(), "/", Trust::service("ec2.amazonaws.com"), RoleKind::Application);
            push_aws(&mut role.attached, "AmazonSSMManagedInstanceCore");
            push_aws(&mut role.attached, "CloudWatchAgentServerPolicy");
            let mut profile_role = role;
            self.with_instance_profile(&mut profile_role);
            self.add_role(profile_role);
            let n = (self.spec.profile.roles / 80).clamp(2, 40);
            for idx in 0..n {
                let app = idx % self.app_count();
                let app_name = self.apps.get(app).copied().unwrap_or("shared");
                let sub = format!("system:serviceaccount:{app_name}:{app_name}-sa");
                let trust =
                    Trust::new(vec![Trusted::Oidc { provider: provider.clone(), host: host.clone(), sub: Some(sub) }]);
                let mut role = self.new_role(format!("{app_name}-irsa"), "/eks/", trust, RoleKind::Irsa);
                if let Some(policy) = self.app_policies.get(app).and_then(|p| p.last()) {
                    role.attached.push(PolicyRef::Customer(*policy));
                }
                self.add_role(role);
            }
            if self.plant() {
                let trust = Trust::new(vec![Trusted::Oidc {
                    provider: provider.clone(),
                    host: host.clone(),
                    sub: Some("system:serviceaccount:*:*".into()),
                }]);
                let mut role = self.new_role("eks-shared-workloads".into(), "/eks/", trust, RoleKind::Planted);
                push_aws(&mut role.attached, "AmazonS3FullAccess");
                push_aws(&mut role.attached, "AmazonDynamoDBFullAccess");
                let arn = role.arn(&account);
                self.add_role(role);
                self.planted.push(("irsa-any-service-account", arn));
            }
        }

        // CDK bootstrap roles: the deploy role passes the admin execution role to CloudFormation.
        if self.spec.profile.cdk {
            let region = self.spec.region;
            let exec_name = format!("cdk-hnb659fds-cfn-exec-role-{account}-{region}");
            let exec_arn = self.role_arn("/", &exec_name);
            let mut role = self.new_role(exec_name, "/", Trust::service("cloudformation.amazonaws.com"), RoleKind::Cdk);
            push_aws(&mut role.attached, "AdministratorAccess");
            self.add_role(role);
            let mut role = self.new_role(
                format!("cdk-hnb659fds-deploy-role-{account}-{region}"),
                "/",
                Trust { tag_session: true, ..Trust::new(vec![Trusted::Account(account.clone())]) },
                RoleKind::Cdk,
            );
            let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "CloudFormationPermissions", "Effect": "Allow", "Action": ["cloudformation:CreateChangeSet", "cloudformation:DeleteChangeSet", "cloudformation:DescribeChangeSet", "cloudformation:DescribeStacks", "cloudformation:ExecuteChangeSet", "cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:RollbackStack", "cloudformation:ContinueUpdateRollback"], "Resource": "*"},
                {"Sid": "PipelineCrossAccountArtifactsBucket", "Effect": "Allow", "Action": ["s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:Abort*", "s3:DeleteObject*", "s3:PutObject*"], "Resource": "*", "Condition": {"StringNotEquals": {"s3:ResourceAccount": account}}},
                {"Sid": "CliPermissions", "Effect": "Allow", "Action": "iam:PassRole", "Resource": exec_arn},
                {"Sid": "ReadVersion", "Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters"], "Resource": format!("arn:aws:ssm:{region}:{account}:parameter/cdk-bootstrap/hnb659fds/version")},
            ]});
            role.inline.push(Inline {
                name: "default".into(),
                doc: doc.to_string(),
                caps: Caps { create: SVC_CFN, pass: vec![(exec_arn, SVC_CFN)], ..Caps::default() },
            });
            self.add_role(role);
            for (short, actions) in [("file-publishing", "s3"), ("image-publishing", "ecr"), ("lookup", "read")] {
                let mut role = self.new_role(
                    format!("cdk-hnb659fds-{short}-role-{account}-{region}"),
                    "/",
                    Trust::new(vec![Trusted::Account(account.clone())]),
                    RoleKind::Cdk,
                );
                let statement = match actions {
                    "s3" => {
                        serde_json::json!({"Action": ["s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:PutObject*", "s3:Abort*"], "Resource": [format!("arn:aws:s3:::cdk-hnb659fds-assets-{account}-{region}"), format!("arn:aws:s3:::cdk-hnb659fds-assets-{account}-{region}/*")], "Effect": "Allow"})
                    }
                    "ecr" => {
                        serde_json::json!({"Action": ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:BatchCheckLayerAvailability", "ecr:DescribeRepositories", "ecr:DescribeImages", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], "Resource": format!("arn:aws:ecr:{region}:{account}:repository/cdk-hnb659fds-container-assets-{account}-{region}"), "Effect": "Allow"})
                    }
                    _ => {
                        serde_json::json!({"Sid": "DontReadSecrets", "Effect": "Deny", "Action": ["kms:Decrypt"], "Resource": "*"})
                    }
                };
                if actions == "read" {
                    push_aws(&mut role.attached, "ReadOnlyAccess");
                }
                role.inline.push(Inline {
                    name: "default".into(),
                    doc: serde_json::json!({"Version": "2012-10-17", "Statement": [statement]}).to_string(),
                    caps: Caps::default(),
                });
                self.add_role(role);
            }
        }
    }

    /// The planted problems: each a classic path to administrator, or an exposure.
    fn planted_principals(&mut self) {
        let account = self.spec.id.clone();
        let world = self.world;
        let app = self.rng.range(0, self.app_count() - 1);
        let app_name = self.apps.get(app).copied().unwrap_or("shared");

        if self.plant() {
            let mut role = self.new_role(
                "legacy-support-access".into(),
                "/",
                Trust::new(vec![Trusted::Anyone]),
                RoleKind::Planted,
            );
            push_aws(&mut role.attached, "ReadOnlyAccess");
            self.planted.push(("role-trusts-anyone", role.arn(&account)));
            self.add_role(role);
        }
        if self.plant() {
            let partner = self.rng.pick(&world.partner_accounts).clone();
            let mut role = self.new_role(
                "partner-admin-temp".into(),
                "/",
                Trust::new(vec![Trusted::Account(partner)]),
                RoleKind::Planted,
            );
            push_aws(&mut role.attached, "AdministratorAccess");
            self.planted.push(("external-account-admin-without-external-id", role.arn(&account)));
            self.add_role(role);
        }
        if self.plant() {
            // A Lambda role with administrator access, which the application's deployers can
            // pass to a function they create.
            let mut role = self.new_role(
                format!("{app_name}-processor-lambda-role"),
                "/",
                Trust::service("lambda.amazonaws.com"),
                RoleKind::Planted,
            );
            push_aws(&mut role.attached, "AdministratorAccess");
            self.planted.push(("admin-service-role", role.arn(&account)));
            self.add_role(role);
            let draft = policies::deploy_policy(&self.scope(app), SVC_LAMBDA);
            let idx = self.add_policy(draft, "/applications/", None);
            let mut user = self.new_user(format!("svc-{app_name}-deploy"), "/service/");
            user.attached.push(PolicyRef::Customer(idx));
            let created = user.created;
            let key = self.key(created, true);
            user.creds.keys.push(key);
            self.planted.push(("pass-role-to-admin", format!("arn:aws:iam::{account}:user/service/{}", user.name)));
            self.plan.users.push(user);
        }
        if self.plant() {
            let mut role = self.new_role(
                "jenkins-master-role".into(),
                "/",
                Trust::service("ec2.amazonaws.com"),
                RoleKind::Planted,
            );
            push_aws(&mut role.attached, "AdministratorAccess");
            self.with_instance_profile(&mut role);
            self.planted.push(("admin-service-role", role.arn(&account)));
            self.add_role(role);
            let idx = self.add_policy(policies::pass_any_role(SVC_EC2), "/", None);
            let mut user = self.new_user("ci-runner".into(), "/");
            user.attached.push(PolicyRef::Customer(idx));
            let created = user.created;
            let key = self.key(created, true);
            user.creds.keys.push(key);
            self.planted.push(("pass-any-role", format!("arn:aws:iam::{account}:user/{}", user.name)));
            self.plan.users.push(user);
        }
        if self.plant() {
            let mut role = self.new_role(
                "glue-etl-admin-role".into(),
                "/service-role/",
                Trust::service("glue.amazonaws.com"),
                RoleKind::Planted,
            );
            push_aws(&mut role.attached, "AdministratorAccess");
            push_aws(&mut role.attached, "AWSGlueServiceRole");
            self.add_role(role);
            let mut role = self.new_role(
                "data-engineering-jobs".into(),
                "/",
                Trust::service("lambda.amazonaws.com"),
                RoleKind::Planted,
            );
            role.inline.push(Self::inline(policies::pass_any_role(SVC_GLUE)));
            push_aws(&mut role.attached, "AWSLambdaBasicExecutionRole");
            self.planted.push(("pass-any-role", role.arn(&account)));
            self.add_role(role);
        }
        if self.plant() {
            let idx = self.add_policy(policies::create_policy_version(&account), "/", None);
            let mut user = self.new_user("policy-automation".into(), "/service/");
            user.attached.push(PolicyRef::Customer(idx));
            let created = user.created;
            let key = self.key(created, true);
            user.creds.keys.push(key);
            self.planted
                .push(("iam:CreatePolicyVersion", format!("arn:aws:iam::{account}:user/service/{}", user.name)));
            self.plan.users.push(user);
        }
        if self.plant() {
            let idx = self.add_policy(policies::attach_own_user_policy(), "/", None);
            let candidate = (0..self.plan.users.len())
                .rev()
                .find(|idx| self.plain_user(*idx, None) && self.plan.users[*idx].path == "/");
            let candidate = candidate.map(|idx| &mut self.plan.users[idx]);
            if let Some(user) = candidate {
                user.attached.push(PolicyRef::Customer(idx));
                self.planted.push(("iam:AttachUserPolicy", format!("arn:aws:iam::{account}:user/{}", user.name)));
            }
        }
        if self.plant() {
            let mut role = self.new_role(
                format!("{app_name}-provisioner"),
                "/",
                Trust::service("lambda.amazonaws.com"),
                RoleKind::Planted,
            );
            role.inline.push(Self::inline(policies::put_role_policy_any(&account)));
            self.planted.push(("iam:PutRolePolicy", role.arn(&account)));
            self.add_role(role);
        }
        if self.plant() {
            let idx = self.add_policy(
                policies::not_resource_admin(&self.res[app.min(self.res.len().saturating_sub(1))].buckets.clone()),
                "/",
                None,
            );
            let mut user = self.new_user("deploy-bot".into(), "/service/");
            user.attached.push(PolicyRef::Customer(idx));
            let created = user.created;
            let key = self.key(created, true);
            user.creds.keys.push(key);
            self.planted.push(("not-resource-admin", format!("arn:aws:iam::{account}:user/service/{}", user.name)));
            self.plan.users.push(user);
        }
        if self.plant() {
            let mut user = self.new_user("jenkins".into(), "/");
            push_aws(&mut user.attached, "IAMFullAccess");
            push_aws(&mut user.attached, "AmazonEC2FullAccess");
            let created = user.created;
            let key = self.key(created, true);
            user.creds.keys.push(key);
            self.planted.push(("iam-full-access", format!("arn:aws:iam::{account}:user/{}", user.name)));
            self.plan.users.push(user);
        }
        if self.plant() {
            let mut user = self.new_user("terraform".into(), "/");
            push_aws(&mut user.attached, "AdministratorAccess");
            let created = user.created;
            let mut key = self.key(created, true);
            key.rotated = created;
            user.creds.keys.push(key);
            self.planted.push(("admin-user-with-old-key", format!("arn:aws:iam::{account}:user/{}", user.name)));
            self.plan.users.push(user);
        }
        if self.plant() {
            let mut user = self.new_user("legacy.admin".into(), "/");
            user.inline.push(Self::inline(policies::inline_admin("AdministratorAccess-inline")));
            let created = user.created;
            user.creds.password = Some((created, Some(self.world.now - 40 * DAY)));
            user.creds.mfa = false;
            self.planted.push(("admin-without-mfa", format!("arn:aws:iam::{account}:user/{}", user.name)));
            self.plan.users.push(user);
        }
        if self.plant() {
            let idx = self.named_policy("BoundaryTemporary", "/boundaries/", |_| policies::allow_all_boundary());
            let mut user = self.new_user("platform-oncall".into(), "/");
            push_aws(&mut user.attached, "AdministratorAccess");
            user.boundary = Some(Boundary { policy: PolicyRef::Customer(idx), kind: BoundaryKind::AllowAll });
            let created = user.created;
            user.creds.password = Some((created, Some(self.world.now - 3 * DAY)));
            user.creds.mfa = true;
            self.planted.push(("boundary-that-bounds-nothing", format!("arn:aws:iam::{account}:user/{}", user.name)));
            self.plan.users.push(user);
        }
        if self.plant() {
            let idx = self.add_policy(policies::iam_role_admin(&account), "/", None);
            let mut role = self.new_role(
                "identity-automation".into(),
                "/",
                Trust::service("lambda.amazonaws.com"),
                RoleKind::Planted,
            );
            role.attached.push(PolicyRef::Customer(idx));
            self.planted.push(("iam-write-all", role.arn(&account)));
            self.add_role(role);
        }
        if self.plant() {
            let provider = format!("arn:aws:iam::{account}:oidc-provider/token.actions.githubusercontent.com");
            let trust = Trust::new(vec![Trusted::Oidc {
                provider: provider.clone(),
                host: "token.actions.githubusercontent.com".into(),
                sub: None,
            }]);
            let mut role = self.new_role("github-actions-legacy".into(), "/", trust, RoleKind::Planted);
            push_aws(&mut role.attached, "AdministratorAccess");
            self.planted.push(("oidc-without-subject", role.arn(&account)));
            self.add_role(role);
            let org = GITHUB_ORGS[0];
            let trust = Trust::new(vec![Trusted::Oidc {
                provider,
                host: "token.actions.githubusercontent.com".into(),
                sub: Some(format!("repo:{org}/*")),
            }]);
            let mut role = self.new_role("github-actions-any-repo".into(), "/", trust, RoleKind::Planted);
            push_aws(&mut role.attached, "PowerUserAccess");
            self.planted.push(("oidc-any-repository", role.arn(&account)));
            self.add_role(role);
        }
        if self.plant() {
            let deleted = self.rng.unique_id("AROA");
            let mut role = self.new_role(
                "reporting-cross-account".into(),
                "/",
                Trust::new(vec![Trusted::Deleted(deleted)]),
                RoleKind::Planted,
            );
            push_aws(&mut role.attached, "ReadOnlyAccess");
            self.planted.push(("trust-names-deleted-principal", role.arn(&account)));
            self.add_role(role);
        }
        if self.plant() {
            let external = self.rng.account_id();
            let mut role = self.new_role(
                "contractor-access".into(),
                "/",
                Trust::new(vec![Trusted::Account(external)]),
                RoleKind::Planted,
            );
            push_aws(&mut role.attached, "PowerUserAccess");
            self.planted.push(("unknown-external-account", role.arn(&account)));
            self.add_role(role);
        }
        if self.plant() {
            self.plan.root.keys.push(AccessKey {
                active: true,
                rotated: self.spec.joined + 30 * DAY,
                last_used: Some((self.world.now - 90 * DAY, "us-east-1", "s3")),
            });
            self.planted.push(("root-access-key", format!("arn:aws:iam::{account}:root")));
        }
    }

    /// Application roles, up to `target` roles in the account.
    fn application_roles(&mut self, target: usize) {
        let account = self.spec.id.clone();
        let weights: Vec<u32> = vec![34, 24, 10, 5, 5, 6, 5, 4, 3, 4];
        // A few applications orchestrate workers: the orchestrator may assume its workers.
        let mut orchestrators: Vec<(usize, String)> = Vec::new();
        while self.plan.roles.len() < target {
            let app = self.rng.range(0, self.app_count() - 1);
            let app_name = self.apps.get(app).copied().unwrap_or("shared");
            let (service, suffix) = SERVICE_KINDS[self.rng.weighted(&weights)];
            let component = *self.rng.pick(COMPONENTS);
            let console = service == "lambda.amazonaws.com" && self.rng.chance(0.2);
            let developer = self.spec.profile.humans > 0 && self.rng.chance(0.03);
            let (name, path) = if console {
                (format!("{app_name}-{component}-role-{}", self.rng.lower_alnum(8)), "/service-role/")
            } else if developer {
                (format!("{app_name}-{component}-experiment"), "/developer/")
            } else {
                (format!("{app_name}-{component}-{}-{suffix}", self.spec.env), "/")
            };
            // A worker of an orchestrator.
            let worker_of = if !orchestrators.is_empty() && self.rng.chance(0.04) {
                Some(orchestrators[self.rng.range(0, orchestrators.len() - 1)].clone())
            } else {
                None
            };
            let (name, trust) = match &worker_of {
                Some((_, orchestrator)) => (
                    format!(
                        "{}-worker-{}",
                        orchestrator.rsplit('/').next().unwrap_or(app_name).trim_end_matches("-orchestrator"),
                        self.rng.lower_alnum(4)
                    ),
                    Trust::new(vec![Trusted::Principal(orchestrator.clone())]),
                ),
                None => (name, Trust::service(service)),
            };
            let mut role = self.new_role(name, path, trust, RoleKind::Application);
            match service {
                "lambda.amazonaws.com" => push_aws(
                    &mut role.attached,
                    if self.rng.chance(0.2) {
                        "AWSLambdaVPCAccessExecutionRole"
                    } else {
                        "AWSLambdaBasicExecutionRole"
                    },
                ),
                "ecs-tasks.amazonaws.com" if self.rng.chance(0.5) => {
                    push_aws(&mut role.attached, "AmazonECSTaskExecutionRolePolicy")
                }
                "ec2.amazonaws.com" => {
                    push_aws(&mut role.attached, "AmazonSSMManagedInstanceCore");
                    if self.rng.chance(0.5) {
                        push_aws(&mut role.attached, "CloudWatchAgentServerPolicy");
                    }
                    self.with_instance_profile(&mut role);
                }
                "glue.amazonaws.com" => push_aws(&mut role.attached, "AWSGlueServiceRole"),
                _ => {}
            }
            let own: Vec<u32> = self.app_policies.get(app).cloned().unwrap_or_default();
            if !own.is_empty() {
                for _ in 0..self.rng.range(1, 3) {
                    let idx = own[self.rng.range(0, own.len() - 1)];
                    if !role.attached.contains(&PolicyRef::Customer(idx)) {
                        role.attached.push(PolicyRef::Customer(idx));
                    }
                }
            }
            let lazy = self.rng.range(0, 99);
            match lazy {
                0..=2 => push_aws(&mut role.attached, "AmazonS3FullAccess"),
                3..=4 => push_aws(&mut role.attached, "AWSLambda_FullAccess"),
                5 => push_aws(&mut role.attached, "AmazonDynamoDBFullAccess"),
                6 => push_aws(&mut role.attached, "AmazonSQSFullAccess"),
                7 => push_aws(&mut role.attached, "SecretsManagerReadWrite"),
                _ => {}
            }
            for _ in 0..[0, 0, 1, 1, 1, 2][self.rng.range(0, 5)] {
                let mut rng = self.rng.fork("inline");
                let mut inline = Self::inline(policies::role_inline(&mut rng, &self.scope(app)));
                if role.inline.iter().any(|i| i.name == inline.name) {
                    inline.name = format!("{}-{}", inline.name, role.inline.len() + 1);
                }
                role.inline.push(inline);
            }
            if developer {
                let boundary = self.developer_boundary();
                role.boundary = Some(Boundary { policy: PolicyRef::Customer(boundary), kind: BoundaryKind::Developer });
                if self.rng.chance(0.25) {
                    push_aws(&mut role.attached, "PowerUserAccess");
                }
            } else if self.rng.chance(0.04) && self.spec.profile.service_users > 0 {
                let boundary = self.workload_boundary();
                role.boundary = Some(Boundary { policy: PolicyRef::Customer(boundary), kind: BoundaryKind::Workload });
            }
            if worker_of.is_none() && service == "lambda.amazonaws.com" && self.rng.chance(0.05) && !console {
                role.name = self.unique("role", format!("{app_name}-{component}-orchestrator"));
                let pattern = format!("arn:aws:iam::{account}:role/{app_name}-{component}-worker-*");
                role.inline.push(Self::inline(policies::assume_roles("assume-workers".into(), vec![pattern])));
                orchestrators.push((app, role.arn(&account)));
            }
            role.tags.push(("app".into(), app_name.to_owned()));
            if self.rng.chance(0.7) {
                role.tags.push(("environment".into(), self.spec.env.to_owned()));
            }
            if self.rng.chance(0.4) {
                role.tags.push((
                    "managed-by".into(),
                    (*self.rng.pick(&["terraform", "cloudformation", "cdk", "console"])).to_owned(),
                ));
            }
            self.add_role(role);
        }
    }

    fn root_user(&mut self) {
        let now = self.world.now;
        self.plan.root.mfa = !self.plant_all && self.rng.chance(0.92);
        self.plan.root.password_last_used =
            if self.rng.chance(0.6) { Some(now - self.rng.range_i64(DAY, 700 * DAY)) } else { None };
    }

    fn count_attachments(&mut self) {
        let mut counts = vec![(0u32, 0u32); self.plan.policies.len()];
        let mut count = |refs: &[PolicyRef], boundary: Option<Boundary>| {
            for policy in refs {
                if let PolicyRef::Customer(idx) = policy {
                    counts[*idx as usize].0 += 1;
                }
            }
            if let Some(Boundary { policy: PolicyRef::Customer(idx), .. }) = boundary {
                counts[idx as usize].1 += 1;
            }
        };
        for user in &self.plan.users {
            count(&user.attached, user.boundary);
        }
        for group in &self.plan.groups {
            count(&group.attached, None);
        }
        for role in &self.plan.roles {
            count(&role.attached, role.boundary);
        }
        for (policy, (attachments, boundary_uses)) in self.plan.policies.iter_mut().zip(counts) {
            policy.attachments = attachments;
            policy.boundary_uses = boundary_uses;
        }
    }
}

/// An earlier version of a document: one statement fewer, or fewer actions in its only
/// statement (policies grow over time).
fn earlier_version(doc: &serde_json::Value) -> serde_json::Value {
    let mut older = doc.clone();
    if let Some(statements) = older.get_mut("Statement").and_then(|s| s.as_array_mut()) {
        if statements.len() > 1 {
            statements.pop();
        } else if let Some(actions) =
            statements.first_mut().and_then(|s| s.get_mut("Action")).and_then(|a| a.as_array_mut())
            && actions.len() > 1
        {
            let keep = actions.len().div_ceil(2);
            actions.truncate(keep);
        }
    }
    older
}
