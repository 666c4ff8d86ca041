//! The tenant as planned: every object, grant and planted case, before anything is written.
//!
//! The planted cases are placed first, on the people `people::cast` names and in resource groups
//! of their own, and the random grants that bring the tenant to its size are drawn from roles and
//! scopes that cannot reach them (no Owner, User Access Administrator or custom role writing role
//! assignments; Contributor only on ordinary resource groups, whose managed identities hold only
//! read and data roles), so that the planted cases are the only ways to administrator rights and
//! the ground truth can list every one.

use super::{AzureSpec, roles};
use crate::{
    aws_org::rng::Rng,
    json_out::{DAY, NOW},
    people::{People, cast},
};

/// A principal of the tenant: an index into its users, groups or service principals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum P {
    User(usize),
    Group(usize),
    Sp(usize),
}

#[derive(Debug)]
pub(crate) struct Mg {
    pub(crate) name: String,
    pub(crate) display: String,
    pub(crate) parent: Option<usize>,
}

#[derive(Debug)]
pub(crate) struct Sub {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) mg: usize,
    pub(crate) rgs: Vec<Rg>,
}

#[derive(Debug)]
pub(crate) struct Rg {
    pub(crate) name: String,
    pub(crate) location: &'static str,
    /// Holds planted cases: random grants never land here.
    pub(crate) planted: bool,
    pub(crate) resources: Vec<Res>,
}

#[derive(Debug)]
pub(crate) struct Res {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) rtype: &'static str,
    pub(crate) kind: Option<&'static str>,
    /// The service principal of its system-assigned identity.
    pub(crate) system_identity: Option<usize>,
    /// Its user-assigned identities: the identity's resource id and service principal.
    pub(crate) user_identities: Vec<(String, usize)>,
    /// For a user-assigned identity resource: its service principal.
    pub(crate) identity_sp: Option<usize>,
}

#[derive(Debug)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) upn: String,
    pub(crate) display: String,
    pub(crate) mail: String,
    pub(crate) person: Option<usize>,
    pub(crate) guest: bool,
    pub(crate) enabled: bool,
    pub(crate) created: i64,
}

#[derive(Debug)]
pub(crate) struct Group {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) assignable: bool,
    pub(crate) members: Vec<P>,
    pub(crate) owners: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpKind {
    Application,
    ManagedIdentity,
    /// A Microsoft first-party application (Microsoft Graph).
    Microsoft,
}

#[derive(Debug)]
pub(crate) struct Sp {
    pub(crate) id: String,
    pub(crate) app_id: String,
    pub(crate) name: String,
    pub(crate) kind: SpKind,
    /// For a managed identity: the resource id it belongs to (system) or is (user-assigned).
    pub(crate) resource: Option<String>,
    /// The application it instantiates.
    pub(crate) app: Option<usize>,
    pub(crate) owners: Vec<usize>,
}

#[derive(Debug)]
pub(crate) struct App {
    pub(crate) id: String,
    pub(crate) app_id: String,
    pub(crate) name: String,
    pub(crate) owners: Vec<usize>,
}

/// An active Azure RBAC role assignment.
#[derive(Debug)]
pub(crate) struct Assignment {
    pub(crate) id: String,
    pub(crate) scope: String,
    pub(crate) sub: Option<usize>,
    pub(crate) mg: Option<usize>,
    pub(crate) rg: Option<String>,
    pub(crate) role: usize,
    pub(crate) principal: P,
    pub(crate) condition: Option<String>,
    pub(crate) created: i64,
}

/// A PIM eligibility (Azure RBAC), or a directory role eligibility when `scope` is `/`.
#[derive(Debug)]
pub(crate) struct Eligible {
    pub(crate) id: String,
    pub(crate) schedule: String,
    pub(crate) scope: String,
    pub(crate) mg: Option<usize>,
    pub(crate) sub: Option<usize>,
    pub(crate) role: usize,
    pub(crate) principal: P,
    pub(crate) start: i64,
    pub(crate) end: i64,
}

/// A directory role assignment (Entra).
#[derive(Debug)]
pub(crate) struct DirGrant {
    pub(crate) id: String,
    pub(crate) role: usize,
    pub(crate) principal: P,
}

/// An application permission held by a service principal.
#[derive(Debug)]
pub(crate) struct AppRoleGrant {
    pub(crate) id: String,
    pub(crate) sp: usize,
    pub(crate) role: usize,
}

/// The deny assignment protecting the data resource group.
#[derive(Debug)]
pub(crate) struct Deny {
    pub(crate) id: String,
    pub(crate) scope: String,
    pub(crate) sub: usize,
    pub(crate) excluded: P,
    pub(crate) actions: &'static [&'static str],
}

/// What the truth says, recorded as each case is planted.
#[derive(Debug)]
pub(crate) struct Admin {
    pub(crate) principal: P,
    /// `tenant` (directory administrator) or the RBAC scope the principal can grant anything at.
    pub(crate) scope: String,
    pub(crate) via: Vec<(&'static str, String, Option<P>)>,
}

#[derive(Debug)]
pub(crate) struct Escalation {
    pub(crate) principal: P,
    pub(crate) technique: &'static str,
    /// The principal acted as (`None`: the principal grants itself).
    pub(crate) target: Option<P>,
    /// What it reaches: a role and a scope (`tenant` for directory roles).
    pub(crate) reaches_role: &'static str,
    pub(crate) reaches_scope: String,
    /// The grants the path uses (role assignment, eligibility, ownership ... ids).
    pub(crate) grants: Vec<String>,
    pub(crate) eligible: bool,
}

#[derive(Debug)]
pub(crate) struct AccessFact {
    pub(crate) principal: P,
    pub(crate) action: &'static str,
    pub(crate) scope: String,
    pub(crate) decision: &'static str,
    pub(crate) why: String,
}

#[derive(Debug)]
pub(crate) struct Tenant {
    pub(crate) id: String,
    pub(crate) company: String,
    pub(crate) default_domain: String,
    pub(crate) mgs: Vec<Mg>,
    pub(crate) subs: Vec<Sub>,
    pub(crate) users: Vec<User>,
    pub(crate) groups: Vec<Group>,
    pub(crate) sps: Vec<Sp>,
    pub(crate) apps: Vec<App>,
    pub(crate) assignments: Vec<Assignment>,
    pub(crate) eligible: Vec<Eligible>,
    /// Assignments that are PIM activations (listed as `Activated` schedule instances).
    pub(crate) activated: Vec<(usize, usize)>,
    /// Assignments made through PIM as permanent (listed as `Assigned` schedule instances).
    pub(crate) pim_assigned: Vec<usize>,
    pub(crate) dir_grants: Vec<DirGrant>,
    pub(crate) dir_eligible: Vec<DirGrant>,
    pub(crate) app_role_grants: Vec<AppRoleGrant>,
    pub(crate) deny: Deny,
    pub(crate) graph_sp: usize,
    pub(crate) admins: Vec<Admin>,
    pub(crate) escalations: Vec<Escalation>,
    pub(crate) access: Vec<AccessFact>,
    pub(crate) planted: Vec<(&'static str, String)>,
    /// The user of each person (`None`: not in the tenant).
    pub(crate) person_user: Vec<Option<usize>>,
}

const LOCATIONS: &[&str] = &["westeurope", "northeurope", "eastus", "eastus2", "uksouth"];
const APPS: &[&str] = &[
    "payments",
    "orders",
    "catalog",
    "billing",
    "search",
    "identity",
    "reporting",
    "checkout",
    "ledger",
    "notify",
    "gateway",
    "inventory",
    "pricing",
    "loyalty",
    "support",
];
const ENVS: &[&str] = &["prod", "dev", "test", "stage"];
const PARTNERS: &[&str] = &["fabrikam.example.com", "adatum.example.org", "litware.example.net"];

pub(crate) fn mg_scope(name: &str) -> String {
    format!("/providers/Microsoft.Management/managementGroups/{name}")
}

impl Tenant {
    pub(crate) fn sub_scope(&self, sub: usize) -> String {
        format!("/subscriptions/{}", self.subs[sub].id)
    }

    pub(crate) fn rg_scope(&self, sub: usize, rg: &str) -> String {
        format!("/subscriptions/{}/resourceGroups/{rg}", self.subs[sub].id)
    }

    /// The management groups from `mg` up to the root, nearest first.
    pub(crate) fn mg_chain(&self, mg: usize) -> Vec<usize> {
        let mut chain = vec![mg];
        let mut at = mg;
        while let Some(parent) = self.mgs[at].parent {
            chain.push(parent);
            at = parent;
        }
        chain
    }

    /// The principal's object id, name as `az` shows it, and `principalType`.
    pub(crate) fn principal(&self, p: P) -> (&str, &str, &'static str) {
        match p {
            P::User(u) => (&self.users[u].id, &self.users[u].upn, "User"),
            P::Group(g) => (&self.groups[g].id, &self.groups[g].name, "Group"),
            P::Sp(s) => (&self.sps[s].id, &self.sps[s].app_id, "ServicePrincipal"),
        }
    }

    pub(crate) fn display(&self, p: P) -> &str {
        match p {
            P::User(u) => &self.users[u].display,
            P::Group(g) => &self.groups[g].name,
            P::Sp(s) => &self.sps[s].name,
        }
    }
}

struct Builder<'a> {
    rng: Rng,
    people: &'a People,
    t: Tenant,
}

impl Builder<'_> {
    fn uuid(&mut self) -> String {
        self.rng.uuid()
    }

    fn assign(&mut self, scope_of: Scope, role: usize, principal: P, condition: Option<String>) -> usize {
        let (scope, sub, mg, rg) = match scope_of {
            Scope::Mg(mg) => (mg_scope(&self.t.mgs[mg].name), None, Some(mg), None),
            Scope::Sub(sub) => (self.t.sub_scope(sub), Some(sub), None, None),
            Scope::Rg(sub, rg) => {
                let name = self.t.subs[sub].rgs[rg].name.clone();
                (self.t.rg_scope(sub, &name), Some(sub), None, Some(name))
            }
            Scope::Res(sub, rg, res) => {
                let r = &self.t.subs[sub].rgs[rg];
                (r.resources[res].id.clone(), Some(sub), None, Some(r.name.clone()))
            }
        };
        let id = self.uuid();
        let created = NOW - self.rng.range_i64(1, 700) * DAY - self.rng.range_i64(0, DAY);
        self.t.assignments.push(Assignment { id, scope, sub, mg, rg, role, principal, condition, created });
        self.t.assignments.len() - 1
    }

    fn sp(&mut self, name: &str, kind: SpKind, resource: Option<String>, owners: Vec<usize>) -> usize {
        let id = self.uuid();
        let app_id = self.uuid();
        let app = (kind == SpKind::Application).then(|| {
            let app_object = self.uuid();
            self.t.apps.push(App {
                id: app_object,
                app_id: app_id.clone(),
                name: name.to_string(),
                owners: owners.clone(),
            });
            self.t.apps.len() - 1
        });
        self.t.sps.push(Sp { id, app_id, name: name.to_string(), kind, resource, app, owners });
        self.t.sps.len() - 1
    }

    fn group(&mut self, name: &str, description: &str, assignable: bool, members: Vec<P>) -> usize {
        let id = self.uuid();
        let owners = vec![];
        self.t.groups.push(Group {
            id,
            name: name.into(),
            description: description.into(),
            assignable,
            members,
            owners,
        });
        self.t.groups.len() - 1
    }

    fn user_of(&self, person: usize) -> usize {
        // The planted people are all in the tenant (the contractor as a guest).
        self.t.person_user[person].unwrap_or(0)
    }

    /// Adds a resource to a resource group, with its managed identities' service principals.
    fn resource(&mut self, sub: usize, rg: usize, kind: ResKind, name: &str, system: bool) -> usize {
        let rg_id = self.t.rg_scope(sub, &self.t.subs[sub].rgs[rg].name);
        let (rtype, kind_s) = match kind {
            ResKind::Storage => ("Microsoft.Storage/storageAccounts", Some("StorageV2")),
            ResKind::Vault => ("Microsoft.KeyVault/vaults", None),
            ResKind::Vm => ("Microsoft.Compute/virtualMachines", None),
            ResKind::Automation => ("Microsoft.Automation/automationAccounts", None),
            ResKind::WebApp => ("Microsoft.Web/sites", Some("app,linux")),
            ResKind::Uami => ("Microsoft.ManagedIdentity/userAssignedIdentities", None),
        };
        let id = format!("{rg_id}/providers/{rtype}/{name}");
        let identity_sp =
            (kind == ResKind::Uami).then(|| self.sp(name, SpKind::ManagedIdentity, Some(id.clone()), vec![]));
        let system_identity = system.then(|| self.sp(name, SpKind::ManagedIdentity, Some(id.clone()), vec![]));
        self.t.subs[sub].rgs[rg].resources.push(Res {
            id,
            name: name.to_string(),
            rtype,
            kind: kind_s,
            system_identity,
            user_identities: Vec::new(),
            identity_sp,
        });
        self.t.subs[sub].rgs[rg].resources.len() - 1
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResKind {
    Storage,
    Vault,
    Vm,
    Automation,
    WebApp,
    Uami,
}

#[derive(Debug, Clone, Copy)]
enum Scope {
    Mg(usize),
    Sub(usize),
    Rg(usize, usize),
    Res(usize, usize, usize),
}

/// The condition on the analyst's Storage Blob Data Reader assignment: blob reads only in the
/// `reports` container. Format: <https://learn.microsoft.com/azure/role-based-access-control/conditions-format>
pub(crate) const REPORTS_ONLY: &str = "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'reports'))";

/// Plans the tenant.
pub(crate) fn build(spec: &AzureSpec, people: &People) -> Tenant {
    let mut rng = Rng::new(spec.seed, "azure-tenant", 0);
    let id = rng.uuid();
    let company = people.company().to_string();
    let default_domain = format!("{company}.onmicrosoft.com");
    let deny_placeholder = Deny { id: String::new(), scope: String::new(), sub: 0, excluded: P::User(0), actions: &[] };
    let mut b = Builder {
        rng,
        people,
        t: Tenant {
            id: id.clone(),
            company,
            default_domain,
            mgs: Vec::new(),
            subs: Vec::new(),
            users: Vec::new(),
            groups: Vec::new(),
            sps: Vec::new(),
            apps: Vec::new(),
            assignments: Vec::new(),
            eligible: Vec::new(),
            activated: Vec::new(),
            pim_assigned: Vec::new(),
            dir_grants: Vec::new(),
            dir_eligible: Vec::new(),
            app_role_grants: Vec::new(),
            deny: deny_placeholder,
            graph_sp: 0,
            admins: Vec::new(),
            escalations: Vec::new(),
            access: Vec::new(),
            planted: Vec::new(),
            person_user: Vec::new(),
        },
    };
    hierarchy(&mut b, spec);
    users(&mut b, spec);
    plant(&mut b);
    fill(&mut b, spec);
    b.t
}

/// The management-group tree (root, Platform / Landing Zones / Sandbox, and Identity, Corp and
/// Online below), the subscriptions and their resource groups.
fn hierarchy(b: &mut Builder, spec: &AzureSpec) {
    let tenant = b.t.id.clone();
    let mg = |b: &mut Builder, name: &str, display: &str, parent: Option<usize>| {
        b.t.mgs.push(Mg { name: name.into(), display: display.into(), parent });
        b.t.mgs.len() - 1
    };
    let root = mg(b, &tenant, "Tenant Root Group", None);
    let platform = mg(b, "mg-platform", "Platform", Some(root));
    let landing = mg(b, "mg-landingzones", "Landing Zones", Some(root));
    let sandbox = mg(b, "mg-sandbox", "Sandbox", Some(root));
    let identity = mg(b, "mg-identity", "Identity", Some(platform));
    let corp = mg(b, "mg-corp", "Corp", Some(landing));
    let online = mg(b, "mg-online", "Online", Some(landing));
    let fixed =
        [("sub-identity", identity), ("sub-corp-prod", corp), ("sub-online-prod", online), ("sub-sandbox", sandbox)];
    let spread = [corp, online, corp, sandbox, platform];
    for idx in 0..spec.subscriptions {
        let (name, mg) = match fixed.get(idx) {
            Some((name, mg)) => ((*name).to_string(), *mg),
            None => (format!("sub-lz-{:03}", idx - fixed.len() + 1), spread[idx % spread.len()]),
        };
        let id = b.uuid();
        let mut rgs = Vec::new();
        for n in 0..spec.resource_groups_per_subscription {
            let app = *b.rng.pick(APPS);
            let env = *b.rng.pick(ENVS);
            let location = LOCATIONS[b.rng.range(0, LOCATIONS.len() - 1)];
            rgs.push(Rg { name: format!("rg-{app}-{env}-{n:02}"), location, planted: false, resources: Vec::new() });
        }
        b.t.subs.push(Sub { id, name, mg, rgs });
    }
    // Ordinary resources.
    for sub in 0..b.t.subs.len() {
        for rg in 0..b.t.subs[sub].rgs.len() {
            for n in 0..spec.resources_per_group {
                let kind = *b.rng.pick(&[
                    ResKind::Storage,
                    ResKind::Vault,
                    ResKind::Vm,
                    ResKind::WebApp,
                    ResKind::Uami,
                    ResKind::Storage,
                ]);
                let suffix = b.rng.lower_alnum(6);
                let name = match kind {
                    ResKind::Storage => format!("st{suffix}{n}"),
                    ResKind::Vault => format!("kv-{suffix}-{n}"),
                    ResKind::Vm => format!("vm-{suffix}-{n}"),
                    ResKind::WebApp => format!("app-{suffix}-{n}"),
                    ResKind::Automation => format!("aa-{suffix}-{n}"),
                    ResKind::Uami => format!("id-{suffix}-{n}"),
                };
                let system = matches!(kind, ResKind::Vm | ResKind::WebApp) && b.rng.chance(0.6);
                b.resource(sub, rg, kind, &name, system);
            }
        }
    }
}

/// Entra users: every person still employed (and the planted leaver) as a member whose UPN is
/// their address, the contractor as a B2B guest from their agency, and partners' guests.
fn users(b: &mut Builder, spec: &AzureSpec) {
    let people = b.people;
    let domain = b.t.default_domain.clone();
    for (idx, p) in people.persons.iter().enumerate() {
        if !people.in_clouds(idx) {
            b.t.person_user.push(None);
            continue;
        }
        let id = b.uuid();
        let created = p.start + b.rng.range_i64(0, 3) * DAY;
        let user = if p.contractor {
            // B2B guest: `<mail with @ as _>#EXT#@<tenant>.onmicrosoft.com`.
            // <https://learn.microsoft.com/entra/external-id/user-properties>
            let mail = p.alt_email.clone().unwrap_or_else(|| p.email.clone());
            User {
                id,
                upn: format!("{}#EXT#@{domain}", mail.replace('@', "_")),
                display: p.display_name.clone(),
                mail,
                person: Some(idx),
                guest: true,
                enabled: true,
                created,
            }
        } else {
            User {
                id,
                upn: p.email.clone(),
                display: p.display_name.clone(),
                mail: p.email.clone(),
                person: Some(idx),
                guest: false,
                enabled: true,
                created,
            }
        };
        b.t.users.push(user);
        b.t.person_user.push(Some(b.t.users.len() - 1));
    }
    for n in 0..spec.guests {
        let partner = *b.rng.pick(PARTNERS);
        let first = *b.rng.pick(crate::aws_org::names::FIRST_NAMES);
        let last = *b.rng.pick(crate::aws_org::names::LAST_NAMES);
        let mail = format!("{first}.{last}{n}@{partner}");
        let id = b.uuid();
        b.t.users.push(User {
            id,
            upn: format!("{}#EXT#@{domain}", mail.replace('@', "_")),
            display: format!("{} {} ({partner})", crate::people::capitalized(first), crate::people::capitalized(last)),
            mail,
            person: None,
            guest: true,
            enabled: true,
            created: NOW - b.rng.range_i64(30, 900) * DAY,
        });
    }
}

/// Finds (or makes) a resource group flagged as planted in `sub`.
fn planted_rg(b: &mut Builder, sub: usize, name: &str) -> usize {
    let location = LOCATIONS[0];
    b.t.subs[sub].rgs.push(Rg { name: name.into(), location, planted: true, resources: Vec::new() });
    b.t.subs[sub].rgs.len() - 1
}

/// The planted cases, each recorded in the truth as it is made.
fn plant(b: &mut Builder) {
    let corp = 1; // sub-corp-prod
    let online = 2;
    let sandbox_sub = 3;
    let root = 0;
    let landing = 2;
    let u = |b: &Builder, person: usize| P::User(b.user_of(person));

    // Microsoft Graph's service principal, the resource of application permissions.
    let graph = b.uuid();
    b.t.sps.push(Sp {
        id: graph,
        app_id: roles::GRAPH_APP_ID.into(),
        name: "Microsoft Graph".into(),
        kind: SpKind::Microsoft,
        resource: None,
        app: None,
        owners: vec![],
    });
    b.t.graph_sp = b.t.sps.len() - 1;

    // 1. Global Administrators through a role-assignable group; Owner at the tenant root group.
    let lead = u(b, cast::PLATFORM_LEAD);
    let ga_group = b.group("Entra-GlobalAdmins", "Global Administrators (role-assignable)", true, vec![lead]);
    let ga_id = b.uuid();
    b.t.dir_grants.push(DirGrant { id: ga_id.clone(), role: roles::GLOBAL_ADMIN, principal: P::Group(ga_group) });
    let root_owner = b.assign(Scope::Mg(root), roles::OWNER, lead, None);
    let root_scope = mg_scope(&b.t.mgs[root].name);
    b.t.admins.push(Admin {
        principal: lead,
        scope: "tenant".into(),
        via: vec![("directory-role", ga_id.clone(), Some(P::Group(ga_group)))],
    });
    b.t.admins.push(Admin {
        principal: lead,
        scope: root_scope.clone(),
        via: vec![("role-assignment", b.t.assignments[root_owner].id.clone(), None)],
    });
    b.t.planted.push(("role-assignable-group-holds-global-administrator", b.t.groups[ga_group].id.clone()));

    // 2. Security: nested groups with Reader at the root, Privileged Role Administrator
    // eligible, and an activated Contributor in the sandbox.
    let security = u(b, cast::SECURITY);
    let sec_engineers = b.group("grp-security-engineers", "Security engineers", false, vec![security]);
    let sec = b.group("grp-security", "Security team", false, vec![P::Group(sec_engineers)]);
    b.assign(Scope::Mg(root), roles::READER, P::Group(sec), None);
    let pra_eligible = b.uuid();
    b.t.dir_eligible.push(DirGrant {
        id: pra_eligible.clone(),
        role: roles::PRIVILEGED_ROLE_ADMIN,
        principal: security,
    });
    b.t.escalations.push(Escalation {
        principal: security,
        technique: "pim-activation",
        target: None,
        reaches_role: "Privileged Role Administrator",
        reaches_scope: "tenant".into(),
        grants: vec![pra_eligible],
        eligible: true,
    });
    let activated = b.assign(Scope::Sub(sandbox_sub), roles::CONTRIBUTOR, security, None);
    let schedule = b.uuid();
    let sandbox_scope = b.t.sub_scope(sandbox_sub);
    let activation_schedule = b.uuid();
    b.t.eligible.push(Eligible {
        id: schedule.clone(),
        schedule: activation_schedule,
        scope: sandbox_scope,
        mg: None,
        sub: Some(sandbox_sub),
        role: roles::CONTRIBUTOR,
        principal: security,
        start: NOW - 100 * DAY,
        end: NOW + 265 * DAY,
    });
    b.t.activated.push((activated, b.t.eligible.len() - 1));

    // 3. The leaver owns an application whose service principal is Privileged Role
    // Administrator; the platform lead owns one holding RoleManagement.ReadWrite.Directory.
    let leaver = b.user_of(cast::LEAVER);
    let sync = b.sp("identity-sync", SpKind::Application, None, vec![leaver]);
    let pra_id = b.uuid();
    b.t.dir_grants.push(DirGrant { id: pra_id.clone(), role: roles::PRIVILEGED_ROLE_ADMIN, principal: P::Sp(sync) });
    b.t.admins.push(Admin {
        principal: P::Sp(sync),
        scope: "tenant".into(),
        via: vec![("directory-role", pra_id.clone(), None)],
    });
    let sync_app = b.t.sps[sync].app.map(|a| b.t.apps[a].id.clone()).unwrap_or_default();
    b.t.escalations.push(Escalation {
        principal: P::User(leaver),
        technique: "add-credential-to-owned-application",
        target: Some(P::Sp(sync)),
        reaches_role: "Privileged Role Administrator",
        reaches_scope: "tenant".into(),
        grants: vec![format!("owner:{sync_app}"), pra_id],
        eligible: false,
    });
    b.t.planted.push(("service-principal-owned-by-leaver", b.t.sps[sync].id.clone()));
    // An Application Administrator can add a credential to any application, identity-sync's too.
    let app_admin = u(b, cast::APP_ADMIN);
    let app_admin_id = b.uuid();
    b.t.dir_grants.push(DirGrant { id: app_admin_id.clone(), role: roles::APPLICATION_ADMIN, principal: app_admin });
    b.t.escalations.push(Escalation {
        principal: app_admin,
        technique: "add-credential-to-any-application",
        target: Some(P::Sp(sync)),
        reaches_role: "Privileged Role Administrator",
        reaches_scope: "tenant".into(),
        grants: vec![
            app_admin_id,
            b.t.dir_grants.iter().find(|g| g.principal == P::Sp(sync)).map(|g| g.id.clone()).unwrap_or_default(),
        ],
        eligible: false,
    });
    let lead_user = b.user_of(cast::PLATFORM_LEAD);
    let graph_auto = b.sp("graph-automation", SpKind::Application, None, vec![lead_user]);
    let grant_id = b.rng.alnum(43);
    b.t.app_role_grants.push(AppRoleGrant { id: grant_id.clone(), sp: graph_auto, role: roles::GRAPH_ROLE_MANAGEMENT });
    b.t.admins.push(Admin {
        principal: P::Sp(graph_auto),
        scope: "tenant".into(),
        via: vec![("app-role", grant_id, None)],
    });
    let ci = b.sp("ci-pipeline", SpKind::Application, None, vec![lead_user]);
    // On the online subscription, where no planted identity runs: Contributor on the corporate
    // one would reach the build VM's Owner identity.
    b.assign(Scope::Sub(online), roles::CONTRIBUTOR, P::Sp(ci), None);

    // 4. A VM whose system-assigned identity is Owner of the subscription, and a Virtual
    // Machine Contributor on that VM.
    let build_rg = planted_rg(b, corp, "rg-build");
    let vm = b.resource(corp, build_rg, ResKind::Vm, "vm-build-01", true);
    let vm_sp = b.t.subs[corp].rgs[build_rg].resources[vm].system_identity.unwrap_or(0);
    let vm_owner = b.assign(Scope::Sub(corp), roles::OWNER, P::Sp(vm_sp), None);
    let corp_scope = b.t.sub_scope(corp);
    b.t.admins.push(Admin {
        principal: P::Sp(vm_sp),
        scope: corp_scope.clone(),
        via: vec![("role-assignment", b.t.assignments[vm_owner].id.clone(), None)],
    });
    let vm_operator = u(b, cast::VM_OPERATOR);
    let vmc = b.assign(Scope::Res(corp, build_rg, vm), roles::VM_CONTRIBUTOR, vm_operator, None);
    b.t.escalations.push(Escalation {
        principal: vm_operator,
        technique: "Microsoft.Compute/virtualMachines/runCommand/action",
        target: Some(P::Sp(vm_sp)),
        reaches_role: "Owner",
        reaches_scope: corp_scope.clone(),
        grants: vec![b.t.assignments[vmc].id.clone(), b.t.assignments[vm_owner].id.clone()],
        eligible: false,
    });
    let vm_id = b.t.subs[corp].rgs[build_rg].resources[vm].id.clone();
    b.t.planted.push(("vm-managed-identity-owner", vm_id.clone()));
    let other_vm = b.resource(corp, build_rg, ResKind::Vm, "vm-build-02", false);
    let other_vm_id = b.t.subs[corp].rgs[build_rg].resources[other_vm].id.clone();
    b.t.access.push(AccessFact {
        principal: vm_operator,
        action: "Microsoft.Compute/virtualMachines/runCommand/action",
        scope: vm_id.clone(),
        decision: "allowed",
        why: b.t.assignments[vmc].id.clone(),
    });
    b.t.access.push(AccessFact {
        principal: vm_operator,
        action: "Microsoft.Compute/virtualMachines/runCommand/action",
        scope: other_vm_id,
        decision: "denied",
        why: "no assignment".into(),
    });

    // 5. A custom role with roleAssignments/write, held by a group the deployer is in through
    // another group.
    let deployer = u(b, cast::DEPLOYER);
    let devs = b.group("grp-payments-devs", "Payments developers", false, vec![deployer]);
    let deployers = b.group("grp-app-deployers", "Application deployers", false, vec![P::Group(devs)]);
    let custom = b.assign(Scope::Sub(corp), roles::DEPLOYMENT_OPERATOR, P::Group(deployers), None);
    // It can grant itself anything there: admin-equivalent at the subscription, by a technique
    // on itself.
    b.t.admins.push(Admin {
        principal: deployer,
        scope: corp_scope.clone(),
        via: vec![("role-assignment", b.t.assignments[custom].id.clone(), Some(P::Group(deployers)))],
    });
    b.t.escalations.push(Escalation {
        principal: deployer,
        technique: "Microsoft.Authorization/roleAssignments/write",
        target: None,
        reaches_role: "Owner",
        reaches_scope: corp_scope.clone(),
        grants: vec![b.t.assignments[custom].id.clone()],
        eligible: false,
    });
    b.t.planted.push(("custom-role-writes-role-assignments", b.t.assignments[custom].id.clone()));
    b.t.access.push(AccessFact {
        principal: deployer,
        action: "Microsoft.Authorization/roleAssignments/write",
        scope: corp_scope.clone(),
        decision: "allowed",
        why: b.t.assignments[custom].id.clone(),
    });

    // 6. Owner eligible (PIM) on the landing zones, never activated.
    let eligible_owner = u(b, cast::ELIGIBLE_OWNER);
    let landing_scope = mg_scope(&b.t.mgs[landing].name);
    let eligible_id = b.uuid();
    let schedule = b.uuid();
    b.t.eligible.push(Eligible {
        id: eligible_id.clone(),
        schedule,
        scope: landing_scope.clone(),
        mg: Some(landing),
        sub: None,
        role: roles::OWNER,
        principal: eligible_owner,
        start: NOW - 40 * DAY,
        end: NOW + 325 * DAY,
    });
    b.t.escalations.push(Escalation {
        principal: eligible_owner,
        technique: "pim-activation",
        target: None,
        reaches_role: "Owner",
        reaches_scope: landing_scope,
        grants: vec![eligible_id],
        eligible: true,
    });
    b.t.planted.push(("eligible-only-owner", b.t.users[b.user_of(cast::ELIGIBLE_OWNER)].id.clone()));
    b.t.access.push(AccessFact {
        principal: eligible_owner,
        action: "Microsoft.Compute/virtualMachines/write",
        scope: corp_scope.clone(),
        decision: "eligible",
        why: "Owner eligible at mg-landingzones".into(),
    });

    // 7. Storage Blob Data Reader under an ABAC condition, and a deny assignment on the data
    // resource group that spares the break-glass account.
    let data_rg = planted_rg(b, corp, "rg-data");
    let st = b.resource(corp, data_rg, ResKind::Storage, "stcorpdata01", false);
    let analyst = u(b, cast::ANALYST);
    let abac = b.assign(Scope::Res(corp, data_rg, st), roles::BLOB_READER, analyst, Some(REPORTS_ONLY.into()));
    let st_id = b.t.subs[corp].rgs[data_rg].resources[st].id.clone();
    b.t.planted.push(("abac-condition-on-blob-reader", b.t.assignments[abac].id.clone()));
    b.t.access.push(AccessFact {
        principal: analyst,
        action: "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
        scope: format!("{st_id}/blobServices/default/containers/reports"),
        decision: "allowed",
        why: b.t.assignments[abac].id.clone(),
    });
    b.t.access.push(AccessFact {
        principal: analyst,
        action: "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
        scope: format!("{st_id}/blobServices/default/containers/finance"),
        decision: "denied",
        why: format!("condition of {}", b.t.assignments[abac].id),
    });
    let break_glass = u(b, cast::BREAK_GLASS);
    let bg_owner = b.assign(Scope::Sub(corp), roles::OWNER, break_glass, None);
    // Made permanent through PIM: listed as an `Assigned` schedule instance too.
    b.t.pim_assigned.push(bg_owner);
    b.t.admins.push(Admin {
        principal: break_glass,
        scope: corp_scope.clone(),
        via: vec![("role-assignment", b.t.assignments[bg_owner].id.clone(), None)],
    });
    let deny_id = b.uuid();
    let data_scope = b.t.rg_scope(corp, "rg-data");
    b.t.deny = Deny {
        id: deny_id.clone(),
        scope: data_scope,
        sub: corp,
        excluded: break_glass,
        actions: &["Microsoft.Storage/storageAccounts/delete", "Microsoft.Storage/storageAccounts/write"],
    };
    b.t.planted.push(("deny-assignment-with-excluded-principal", deny_id.clone()));
    b.t.access.push(AccessFact {
        principal: lead,
        action: "Microsoft.Storage/storageAccounts/delete",
        scope: st_id.clone(),
        decision: "denied",
        why: format!("deny assignment {deny_id}"),
    });
    b.t.access.push(AccessFact {
        principal: break_glass,
        action: "Microsoft.Storage/storageAccounts/delete",
        scope: st_id,
        decision: "allowed",
        why: b.t.assignments[bg_owner].id.clone(),
    });
    b.t.access.push(AccessFact {
        principal: lead,
        action: "Microsoft.Compute/virtualMachines/write",
        scope: vm_id,
        decision: "allowed",
        why: b.t.assignments[root_owner].id.clone(),
    });

    // 8. An automation account running as a user-assigned identity that is User Access
    // Administrator; a Contributor on its resource group.
    let auto_rg = planted_rg(b, corp, "rg-automation");
    let uami = b.resource(corp, auto_rg, ResKind::Uami, "id-automation-runner", false);
    let uami_id = b.t.subs[corp].rgs[auto_rg].resources[uami].id.clone();
    let uami_sp = b.t.subs[corp].rgs[auto_rg].resources[uami].identity_sp.unwrap_or(0);
    let aa = b.resource(corp, auto_rg, ResKind::Automation, "aa-operations", false);
    b.t.subs[corp].rgs[auto_rg].resources[aa].user_identities.push((uami_id, uami_sp));
    let uaa = b.assign(Scope::Sub(corp), roles::USER_ACCESS_ADMIN, P::Sp(uami_sp), None);
    b.t.admins.push(Admin {
        principal: P::Sp(uami_sp),
        scope: corp_scope.clone(),
        via: vec![("role-assignment", b.t.assignments[uaa].id.clone(), None)],
    });
    let auto_dev = u(b, cast::AUTOMATION_DEV);
    let contrib = b.assign(Scope::Rg(corp, auto_rg), roles::CONTRIBUTOR, auto_dev, None);
    b.t.escalations.push(Escalation {
        principal: auto_dev,
        technique: "Microsoft.Automation/automationAccounts/runbooks/write + jobs/write",
        target: Some(P::Sp(uami_sp)),
        reaches_role: "User Access Administrator",
        reaches_scope: corp_scope,
        grants: vec![b.t.assignments[contrib].id.clone(), b.t.assignments[uaa].id.clone()],
        eligible: false,
    });
    b.t.planted.push(("automation-account-privileged-identity", b.t.subs[corp].rgs[auto_rg].resources[aa].id.clone()));

    // 9. The contractor (a guest) reads the online subscription; a web app there runs as a
    // system identity reading a key vault's secrets.
    let contractor = u(b, cast::CONTRACTOR);
    let guest_reader = b.assign(Scope::Sub(online), roles::READER, contractor, None);
    let online_scope = b.t.sub_scope(online);
    b.t.access.push(AccessFact {
        principal: contractor,
        action: "Microsoft.Resources/subscriptions/resourceGroups/read",
        scope: online_scope,
        decision: "allowed",
        why: b.t.assignments[guest_reader].id.clone(),
    });

    // Owners of the planted groups (for the people truth: groups are not machines, but the
    // files carry their owners).
    b.t.groups[ga_group].owners.push(lead_user);
    let deployer_user = b.user_of(cast::DEPLOYER);
    b.t.groups[deployers].owners.push(deployer_user);
}

/// Random groups, service principals and grants up to the spec's size.
fn fill(b: &mut Builder, spec: &AzureSpec) {
    let n_users = b.t.users.len();
    // Planted people get no random grant and join no random group, so that their cases stay exact.
    let member_users: Vec<usize> =
        (0..n_users).filter(|&u| !b.t.users[u].guest && b.t.users[u].person.is_none_or(|p| p > cast::LAST)).collect();
    let first_random_group = b.t.groups.len();
    for n in 0..spec.groups {
        let app = *b.rng.pick(APPS);
        let size = b.rng.range(3, 30);
        let mut members: Vec<P> = (0..size).map(|_| P::User(*b.rng.pick(&member_users))).collect();
        members.sort_by_key(|p| match p {
            P::User(u) => *u,
            _ => 0,
        });
        members.dedup();
        if n > 0 && b.rng.chance(0.1) {
            // Nest an earlier random group (never a cycle).
            let inner = first_random_group + b.rng.range(0, n - 1);
            members.push(P::Group(inner));
        }
        let owner = *b.rng.pick(&member_users);
        let gi = b.group(&format!("grp-{app}-{n:04}"), &format!("{app} team {n}"), false, members);
        b.t.groups[gi].owners.push(owner);
    }
    for n in 0..spec.app_service_principals {
        let app = *b.rng.pick(APPS);
        let owners = if b.rng.chance(0.8) { vec![*b.rng.pick(&member_users)] } else { vec![] };
        b.sp(&format!("{app}-app-{n:04}"), SpKind::Application, None, owners);
    }
    // Managed identities of ordinary resources: read and data roles on their own resource group.
    let mut ordinary: Vec<(usize, usize)> = Vec::new();
    for sub in 0..b.t.subs.len() {
        for rg in 0..b.t.subs[sub].rgs.len() {
            if !b.t.subs[sub].rgs[rg].planted {
                ordinary.push((sub, rg));
            }
        }
    }
    // A user-assigned identity of the same group attached to every web app and half the VMs.
    for &(sub, rg) in &ordinary {
        let uamis: Vec<(String, usize)> =
            b.t.subs[sub].rgs[rg].resources.iter().filter_map(|r| r.identity_sp.map(|sp| (r.id.clone(), sp))).collect();
        if uamis.is_empty() {
            continue;
        }
        for res in 0..b.t.subs[sub].rgs[rg].resources.len() {
            let rtype = b.t.subs[sub].rgs[rg].resources[res].rtype;
            let attach =
                rtype == "Microsoft.Web/sites" || (rtype == "Microsoft.Compute/virtualMachines" && b.rng.chance(0.5));
            if attach {
                let pick = b.rng.pick(&uamis).clone();
                b.t.subs[sub].rgs[rg].resources[res].user_identities.push(pick);
            }
        }
    }
    for &(sub, rg) in &ordinary {
        let identities: Vec<usize> = b.t.subs[sub].rgs[rg]
            .resources
            .iter()
            .flat_map(|r| r.system_identity.into_iter().chain(r.identity_sp))
            .collect();
        for sp in identities {
            let role = *b.rng.pick(&[roles::READER, roles::BLOB_READER, roles::KV_SECRETS_USER]);
            b.assign(Scope::Rg(sub, rg), role, P::Sp(sp), None);
        }
    }
    let app_sps: Vec<usize> = (0..b.t.sps.len()).filter(|&s| b.t.sps[s].kind == SpKind::Application).collect();
    let random_groups: Vec<usize> = (first_random_group..b.t.groups.len()).collect();
    // A few Graph read permissions for applications.
    for &sp in app_sps.iter().skip(3).step_by(7) {
        let role = b.rng.range(3, roles::GRAPH_APP_ROLES.len() - 1);
        let id = b.rng.alnum(43);
        b.t.app_role_grants.push(AppRoleGrant { id, sp, role });
    }
    // Random grants that reach no administrator: Reader or data roles anywhere, Contributor,
    // Virtual Machine Contributor, Log Reader and data roles on ordinary resource groups and resources.
    while b.t.assignments.len() < spec.role_assignments {
        let principal = match b.rng.weighted(&[6, 3, 1]) {
            0 => P::User(*b.rng.pick(&member_users)),
            1 if !random_groups.is_empty() => P::Group(*b.rng.pick(&random_groups)),
            _ => P::Sp(*b.rng.pick(&app_sps)),
        };
        let (sub, rg) = *b.rng.pick(&ordinary);
        // Management groups rarely: every subscription's file repeats what is granted above it.
        let at_mg = b.rng.chance(0.002);
        let scope = match b.rng.weighted(&[2, 6, 4]) {
            _ if at_mg => Scope::Mg(b.rng.range(1, b.t.mgs.len() - 1)),
            0 => Scope::Sub(sub),
            1 => Scope::Rg(sub, rg),
            _ => {
                let n = b.t.subs[sub].rgs[rg].resources.len();
                if n == 0 { Scope::Rg(sub, rg) } else { Scope::Res(sub, rg, b.rng.range(0, n - 1)) }
            }
        };
        let role = match scope {
            Scope::Mg(_) | Scope::Sub(_) => {
                *b.rng.pick(&[roles::READER, roles::READER, roles::LOG_READER, roles::BLOB_READER])
            }
            _ => *b.rng.pick(&[
                roles::READER,
                roles::CONTRIBUTOR,
                roles::VM_CONTRIBUTOR,
                roles::BLOB_READER,
                roles::BLOB_CONTRIBUTOR,
                roles::KV_SECRETS_USER,
                roles::LOG_READER,
            ]),
        };
        b.assign(scope, role, principal, None);
    }
}
