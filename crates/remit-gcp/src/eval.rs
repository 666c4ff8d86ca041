//! The decision: may this principal use this permission on this resource?
//!
//! IAM decides by walking the resource hierarchy: deny policies attached to the resource's
//! ancestors first, then the union of the allow policies of the resource and every ancestor.
//! Every query (who can, what can, explain, the risk rules) is answered through this one
//! procedure, so an answer never disagrees with another about the same access.
//!
//! - https://cloud.google.com/iam/docs/deny-overview ("IAM always checks relevant deny
//!   policies before checking relevant allow policies"; a deny policy attached to an
//!   organization, folder or project applies to it and to every descendant).
//! - https://cloud.google.com/iam/docs/resource-hierarchy-access-control (the effective allow
//!   policy is the union of the resource's own and its ancestors'; a child cannot remove an
//!   inherited grant).

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::Arc,
};

use remit_model::{Condition, Verdict};

use crate::{
    cel::{self, Context, ResourceAttributes, Truth},
    import::{Binding, DenyRule, GcpEnvironment, Tag},
    member::{BasicRole, Match, Member, SubjectFacts, matches},
};

/// One node of the hierarchy (organization, folder, project) or a resource under it.
#[derive(Debug, Clone)]
pub struct Node {
    /// Canonical id: `organizations/1`, `folders/2`, `projects/<project-id>`, or a full
    /// resource name.
    pub id: String,
    /// Its asset type.
    pub asset_type: String,
    /// Its parent's canonical id.
    pub parent: Option<String>,
    /// The project id it belongs to (itself for a project).
    pub project: Option<String>,
    /// Its allow-policy bindings, members parsed.
    pub bindings: Vec<(Binding, Vec<Member>)>,
    /// Where its allow policy was read.
    pub policy_source: Option<String>,
    /// Deny rules attached here: (policy index, rule index).
    pub denies: Vec<(usize, usize)>,
    /// Its attributes for IAM Conditions.
    pub attributes: ResourceAttributes,
    /// Tags bound to it, when it was listed with its tags.
    own_tags: Option<Vec<Tag>>,
}

impl Node {
    /// True for an organization, folder or project.
    pub fn is_container(&self) -> bool {
        ["organizations/", "folders/", "projects/"].iter().any(|p| self.id.starts_with(p))
    }
}

/// A grant found for a principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The node whose policy grants.
    pub node: String,
    /// The role.
    pub role: String,
    /// The member as written in the binding.
    pub member: String,
    /// Groups between the principal and the member (outermost last).
    pub groups: Vec<String>,
    /// Conditions it depends on (empty: unconditional).
    pub conditions: Vec<Condition>,
    /// The policy's source (file and JSON path).
    pub source: String,
}

/// A deny rule that applies (or may apply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenyHit {
    /// The deny policy's name.
    pub policy: String,
    /// The rule's index in it.
    pub rule: usize,
    /// Where it is attached.
    pub attachment: String,
    /// Conditions under which it denies (empty: it denies outright).
    pub conditions: Vec<Condition>,
}

/// A decision with what made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The verdict.
    pub verdict: Verdict,
    /// Grants that match (unconditional first).
    pub grants: Vec<Grant>,
    /// Deny rules that apply or may apply.
    pub denies: Vec<DenyHit>,
    /// Rules that name the principal and permission but do not apply here, each in a line
    /// (a binding whose condition is false, a deny rule that excepts the principal): filled by
    /// [`Engine::decide_explained`] only.
    pub not_applied: Vec<String>,
}

/// A role's permissions, and whether its bindings are in force.
#[derive(Debug, Clone)]
struct RoleInfo {
    permissions: HashSet<Arc<str>>,
    /// False for a deleted or disabled custom role: "bindings … are inactivated".
    /// https://cloud.google.com/iam/docs/creating-custom-roles#disabling_a_custom_role
    /// https://cloud.google.com/iam/docs/creating-custom-roles#deleting-custom-role
    active: bool,
}

/// The environment indexed for decisions.
#[derive(Debug)]
pub struct Engine {
    env: GcpEnvironment,
    nodes: HashMap<String, Node>,
    aliases: HashMap<String, String>,
    roles: HashMap<String, RoleInfo>,
    /// Member email → groups that list it directly.
    member_of: HashMap<String, Vec<String>>,
    /// Project id → project number, and back.
    project_numbers: HashMap<String, String>,
    project_ids: HashMap<String, String>,
    /// `request.time`, when an evaluation time is given.
    time: Option<i64>,
    /// Roles bound but not in the bundle.
    missing_roles: HashSet<String>,
    /// Children of each node.
    children: HashMap<String, Vec<String>>,
    /// Where each member is bound.
    bound: MemberIndex,
}

/// A place a member is written: (node, in the order of [`MemberIndex::nodes`]; binding, in the
/// node's list; position, in the binding's members).
type Place = (usize, usize, usize);

/// Where members are bound, so that a principal's bindings are found without matching it
/// against every member of the organization.
///
/// A user, group or service-account member (`user:`, `group:`, `serviceAccount:`) names one
/// principal: it matches only the principal it is, a member of the group it is, or the service
/// account whose unique id it is ([`matches`]). Those are looked up by the principal's own
/// member, groups and unique id; every other member (everyone, domains, pools, convenience
/// values) is matched for every principal, as before.
#[derive(Debug, Default)]
struct MemberIndex {
    /// Node ids, sorted (the order [`Engine::all_grants`] lists grants in).
    nodes: Vec<String>,
    /// Each user, group or service-account member → where it is written.
    keyed: HashMap<Member, Vec<Place>>,
    /// Where every other member is written.
    others: Vec<Place>,
    /// The unconditional basic-role bindings on projects' own policies (for Cloud Storage's
    /// convenience values): the role and the project.
    basic: Vec<(BasicRole, Option<String>)>,
    /// Each user, group or service-account member → the basic bindings naming it.
    basic_keyed: HashMap<Member, Vec<usize>>,
    /// The other members of basic bindings (convenience values excluded): binding, member.
    basic_others: Vec<(usize, Member)>,
}

/// True for the members that name one principal (see [`MemberIndex`]).
fn is_keyed(member: &Member) -> bool {
    matches!(member, Member::User(_) | Member::Group(_) | Member::ServiceAccount(_))
}

/// The keyed members that may match the principal `facts` describes: itself, its groups, and
/// (a service account) its unique id.
fn subject_keys(facts: &SubjectFacts) -> Vec<Member> {
    let mut keys: Vec<Member> = facts.groups.keys().map(|g| Member::Group(g.clone())).collect();
    if let Some(subject) = facts.member.as_ref().filter(|m| is_keyed(m)) {
        keys.push(subject.clone());
        if let (Member::ServiceAccount(_), Some(uid)) = (subject, &facts.unique_id) {
            keys.push(Member::ServiceAccount(uid.clone()));
        }
    }
    keys
}

impl Engine {
    /// Indexes `env`; `time` is the evaluation time for `request.time` (seconds since the
    /// epoch), None to leave time conditions conditional.
    pub fn new(env: GcpEnvironment, time: Option<i64>) -> Engine {
        let mut engine = Engine {
            env,
            nodes: HashMap::new(),
            aliases: HashMap::new(),
            roles: HashMap::new(),
            member_of: HashMap::new(),
            project_numbers: HashMap::new(),
            project_ids: HashMap::new(),
            time,
            missing_roles: HashSet::new(),
            children: HashMap::new(),
            bound: MemberIndex::default(),
        };
        engine.index();
        engine
    }

    /// The evaluation time (seconds since the epoch), when given.
    pub fn time(&self) -> Option<i64> {
        self.time
    }

    /// The environment.
    pub fn env(&self) -> &GcpEnvironment {
        &self.env
    }

    /// Every node.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.values()
    }

    /// A node by canonical id.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.get(id)
    }

    /// Roles bound somewhere but absent from the bundle (their grants are unknown).
    pub fn missing_roles(&self) -> &HashSet<String> {
        &self.missing_roles
    }

    /// A role's permissions (None when not collected), and whether its bindings are in force.
    pub fn role_permissions(&self, role: &str) -> Option<(impl Iterator<Item = &str>, bool)> {
        self.roles.get(role).map(|r| (r.permissions.iter().map(|p| &**p), r.active))
    }

    /// True when a role grants `permission` and is in force.
    pub fn role_grants(&self, role: &str, permission: &str) -> bool {
        self.roles.get(role).is_some_and(|r| r.active && r.permissions.contains(permission))
    }

    /// The canonical id of a resource named any way the bundle or a user may name it.
    pub fn resolve(&self, name: &str) -> Option<&str> {
        let name = name.trim();
        if let Some(node) = self.nodes.get_key_value(name) {
            return Some(node.0);
        }
        self.aliases.get(name).map(String::as_str)
    }

    /// The canonical id of a resource, or of a resource the bundle does not list but whose
    /// place in the hierarchy its name tells (see [`Engine::unlisted`]).
    pub fn resolve_any(&self, name: &str) -> Option<String> {
        match self.resolve(name) {
            Some(id) => Some(id.to_owned()),
            None => self.unlisted(name.trim()).map(|n| n.id),
        }
    }

    /// A resource the bundle does not list, placed by its full name: a Cloud Storage object
    /// under its bucket (`//storage.googleapis.com/projects/_/buckets/b/objects/o`), or any
    /// `//service/projects/{project}/…` under its project. Its type is unknown unless its name
    /// tells it (objects), and its tags are unknown: conditions on them stay conditional.
    /// https://cloud.google.com/iam/docs/full-resource-names
    pub fn unlisted(&self, name: &str) -> Option<Node> {
        let rest = name.strip_prefix("//")?;
        let (service, path) = rest.split_once('/')?;
        let (parent, asset_type, cel_name) = if let Some(object) = path.strip_prefix("projects/_/buckets/") {
            let (bucket, object) = object.split_once("/objects/")?;
            let parent = self.resolve(&format!("//storage.googleapis.com/{bucket}"))?.to_owned();
            (
                parent,
                "storage.googleapis.com/Object".to_owned(),
                format!("projects/_/buckets/{bucket}/objects/{object}"),
            )
        } else {
            let project = path.strip_prefix("projects/")?.split('/').next()?;
            let parent = self.resolve(&format!("projects/{project}"))?.to_owned();
            (parent, String::new(), path.to_owned())
        };
        let project = self.project_of(&parent);
        Some(Node {
            id: name.to_owned(),
            asset_type: asset_type.clone(),
            parent: Some(parent),
            project,
            bindings: Vec::new(),
            policy_source: None,
            denies: Vec::new(),
            attributes: match ATTRIBUTE_SERVICES.contains(&service) {
                true => ResourceAttributes {
                    name: Some(cel_name),
                    resource_type: asset_type,
                    service: service.to_owned(),
                    tags: None,
                },
                false => ResourceAttributes::default(),
            },
            own_tags: None,
        })
    }

    /// The project number of a project id.
    pub fn project_number(&self, project_id: &str) -> Option<&str> {
        self.project_numbers.get(project_id).map(String::as_str)
    }

    /// The node and its ancestors, nearest first.
    pub fn ancestry(&self, id: &str) -> Vec<&Node> {
        let mut out: Vec<&Node> = Vec::new();
        let mut next = self.nodes.get(id);
        while let Some(node) = next {
            if out.iter().any(|n| n.id == node.id) || out.len() > 64 {
                break;
            }
            out.push(node);
            next = node.parent.as_deref().and_then(|p| self.nodes.get(p));
        }
        out
    }

    /// Every descendant of a node (not itself).
    pub fn descendants(&self, id: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut queue: VecDeque<&str> = VecDeque::from([id]);
        let mut seen = HashSet::from([id]);
        while let Some(n) = queue.pop_front() {
            for c in self.children.get(n).into_iter().flatten() {
                if seen.insert(c.as_str()) {
                    out.push(c.as_str());
                    queue.push_back(c.as_str());
                }
            }
        }
        out
    }

    fn alias(&mut self, alias: String, canonical: &str) {
        self.aliases.entry(alias).or_insert_with(|| canonical.to_owned());
    }

    /// A node for `id`, created with `parent` if absent.
    fn ensure(&mut self, id: &str, asset_type: &str, parent: Option<String>) {
        if self.nodes.contains_key(id) {
            if let Some(node) = self.nodes.get_mut(id)
                && node.parent.is_none()
            {
                node.parent = parent;
            }
            return;
        }
        let attributes = attributes_of(id, asset_type);
        if let Some(bucket) = id.strip_prefix("//storage.googleapis.com/").filter(|b| !b.contains('/')) {
            self.alias(format!("//storage.googleapis.com/projects/_/buckets/{bucket}"), id);
            self.alias(format!("projects/_/buckets/{bucket}"), id);
        }
        self.nodes.insert(
            id.to_owned(),
            Node {
                id: id.to_owned(),
                asset_type: asset_type.to_owned(),
                parent,
                project: None,
                bindings: Vec::new(),
                policy_source: None,
                denies: Vec::new(),
                attributes,
                own_tags: None,
            },
        );
    }

    /// The canonical id of a hierarchy name (`projects/123` → `projects/proj-a`).
    fn container(&self, short: &str) -> String {
        if let Some(n) = short.strip_prefix("projects/")
            && let Some(id) = self.project_ids.get(n)
        {
            return format!("projects/{id}");
        }
        short.to_owned()
    }

    /// The canonical id of a full or short name, creating nothing.
    fn canonical(&self, name: &str) -> String {
        if let Some(c) = self.resolve(name) {
            return c.to_owned();
        }
        match name.strip_prefix("//cloudresourcemanager.googleapis.com/") {
            Some(short) => self.container(short),
            None if name.starts_with("//") => name.to_owned(),
            None => self.container(name),
        }
    }

    fn index(&mut self) {
        let env = std::mem::take(&mut self.env);
        for p in &env.projects {
            self.project_numbers.insert(p.project_id.clone(), p.project_number.clone());
            self.project_ids.insert(p.project_number.clone(), p.project_id.clone());
        }
        // The hierarchy: organization, folders, projects.
        let org = env.organization.name.clone();
        self.ensure(&org, "cloudresourcemanager.googleapis.com/Organization", None);
        self.alias(format!("//cloudresourcemanager.googleapis.com/{org}"), &org);
        for f in &env.folders {
            let parent = self.container(&f.parent);
            self.ensure(&f.name, "cloudresourcemanager.googleapis.com/Folder", Some(parent));
            self.alias(format!("//cloudresourcemanager.googleapis.com/{}", f.name), &f.name);
        }
        for p in &env.projects {
            let id = format!("projects/{}", p.project_id);
            let parent = p.parent.as_deref().map(|x| self.container(x));
            self.ensure(&id, "cloudresourcemanager.googleapis.com/Project", parent);
            if let Some(node) = self.nodes.get_mut(&id) {
                node.project = Some(p.project_id.clone());
            }
            for form in [&p.project_id, &p.project_number] {
                self.alias(format!("projects/{form}"), &id);
                self.alias(format!("//cloudresourcemanager.googleapis.com/projects/{form}"), &id);
            }
        }
        // Service accounts are resources too (their own allow policies).
        for sa in &env.service_accounts {
            let id = format!("//iam.googleapis.com/projects/{}/serviceAccounts/{}", sa.project_id, sa.email);
            let parent = self.container(&format!("projects/{}", sa.project_id));
            self.ensure(&id, "iam.googleapis.com/ServiceAccount", Some(parent));
            if let Some(node) = self.nodes.get_mut(&id) {
                node.project = Some(sa.project_id.clone());
            }
            for project in [sa.project_id.as_str(), "-"] {
                for key in [&sa.email, &sa.unique_id] {
                    if !key.is_empty() {
                        self.alias(format!("//iam.googleapis.com/projects/{project}/serviceAccounts/{key}"), &id);
                        self.alias(format!("projects/{project}/serviceAccounts/{key}"), &id);
                    }
                }
            }
            if let Some(number) = self.project_numbers.get(&sa.project_id).cloned() {
                self.alias(format!("//iam.googleapis.com/projects/{number}/serviceAccounts/{}", sa.unique_id), &id);
            }
            self.alias(format!("serviceAccount:{}", sa.email), &id);
            self.alias(sa.email.clone(), &id);
        }
        // Resources listed by Cloud Asset Inventory, with their tags.
        for r in &env.resources {
            let id = self.resource_id(&r.name);
            let parent = self.parent_of(&id, r.parent.as_deref(), &r.ancestors, r.project.as_deref());
            self.ensure(&id, &r.asset_type, parent);
            let project = self.project_of(&id);
            if let Some(node) = self.nodes.get_mut(&id) {
                if node.asset_type.is_empty() {
                    node.asset_type = r.asset_type.clone();
                    node.attributes = attributes_of(&id, &r.asset_type);
                }
                node.project = node.project.clone().or(project);
                if env.tags_collected || !r.tags.is_empty() {
                    node.own_tags.get_or_insert_with(Vec::new).extend(r.tags.iter().cloned());
                }
            }
        }
        // Allow policies.
        for policy in &env.policies {
            let id = self.resource_id(&policy.resource);
            let parent = self.parent_of(&id, None, &policy.ancestors, policy.project.as_deref());
            self.ensure(&id, &policy.asset_type, parent);
            let project = self.project_of(&id);
            let bindings: Vec<(Binding, Vec<Member>)> = policy
                .bindings
                .iter()
                .map(|b| (b.clone(), b.members.iter().map(|m| Member::parse(m)).collect()))
                .collect();
            for (b, _) in &bindings {
                if !env.roles.iter().any(|r| r.name == b.role) {
                    self.missing_roles.insert(b.role.clone());
                }
            }
            if let Some(node) = self.nodes.get_mut(&id) {
                // A resource has one allow policy: when both the search results and an export
                // list it, the first read is kept (`iam-policies.json`).
                if node.policy_source.is_some() {
                    continue;
                }
                node.bindings.extend(bindings);
                node.policy_source = Some(policy.source.clone());
                node.project = node.project.clone().or(project);
                if node.asset_type.is_empty() {
                    node.asset_type = policy.asset_type.clone();
                    node.attributes = attributes_of(&id, &policy.asset_type);
                }
            }
        }
        // Deny policies, on their attachment points.
        for (pi, policy) in env.deny_policies.iter().enumerate() {
            let point = self.canonical(&format!("//{}", policy.attachment_point.trim_start_matches('/')));
            self.ensure(&point, "", None);
            if let Some(node) = self.nodes.get_mut(&point) {
                node.denies.extend((0..policy.rules.len()).map(|ri| (pi, ri)));
            }
        }
        for role in &env.roles {
            let active = !role.deleted && role.stage != "DISABLED";
            let permissions = role.included_permissions.iter().map(|p| Arc::from(p.as_str())).collect();
            self.roles.insert(role.name.clone(), RoleInfo { permissions, active });
        }
        for group in &env.groups {
            for m in &group.members {
                self.member_of.entry(m.id.clone()).or_default().push(group.email.clone());
            }
        }
        let ids: Vec<(String, Option<String>)> =
            self.nodes.values().map(|n| (n.id.clone(), n.parent.clone())).collect();
        for (id, parent) in ids {
            if let Some(p) = parent {
                self.children.entry(p).or_default().push(id);
            }
        }
        for list in self.children.values_mut() {
            list.sort();
        }
        self.env = env;
        self.effective_tags();
        self.index_members();
    }

    /// Builds [`MemberIndex`] from the nodes' bindings.
    fn index_members(&mut self) {
        let mut index = MemberIndex::default();
        let mut ids: Vec<&String> = self.nodes.keys().collect();
        ids.sort();
        for (ni, id) in ids.iter().enumerate() {
            let Some(node) = self.nodes.get(*id) else { continue };
            for (bi, (binding, members)) in node.bindings.iter().enumerate() {
                for (pi, member) in members.iter().enumerate() {
                    match is_keyed(member) {
                        true => index.keyed.entry(member.clone()).or_default().push((ni, bi, pi)),
                        false => index.others.push((ni, bi, pi)),
                    }
                }
                let role = match binding.role.as_str() {
                    "roles/owner" => BasicRole::Owner,
                    "roles/editor" => BasicRole::Editor,
                    "roles/viewer" => BasicRole::Viewer,
                    _ => continue,
                };
                if !node.id.starts_with("projects/") || binding.condition.is_some() {
                    continue;
                }
                let b = index.basic.len();
                index.basic.push((role, node.project.clone()));
                for member in members.iter().filter(|m| !matches!(m, Member::ProjectRole(..))) {
                    match is_keyed(member) {
                        true => index.basic_keyed.entry(member.clone()).or_default().push(b),
                        false => index.basic_others.push((b, member.clone())),
                    }
                }
            }
        }
        index.nodes = ids.into_iter().cloned().collect();
        self.bound = index;
    }

    /// The canonical id of a non-hierarchy resource's full name (Cloud Storage buckets are
    /// named `//storage.googleapis.com/b` by Cloud Asset Inventory and
    /// `//storage.googleapis.com/projects/_/buckets/b` by users).
    fn resource_id(&self, name: &str) -> String {
        let canonical = self.canonical(name);
        match canonical.strip_prefix("//storage.googleapis.com/projects/_/buckets/") {
            Some(bucket) if !bucket.contains('/') => format!("//storage.googleapis.com/{bucket}"),
            _ => canonical,
        }
    }

    fn parent_of(&self, id: &str, parent: Option<&str>, ancestors: &[String], project: Option<&str>) -> Option<String> {
        if let Some(p) = parent {
            return Some(self.canonical(p));
        }
        let own = self.container(id.trim_start_matches("//cloudresourcemanager.googleapis.com/"));
        if let Some(a) = ancestors.iter().map(|a| self.container(a)).find(|a| *a != own && a != id) {
            return Some(a);
        }
        project.map(|p| self.container(p)).filter(|p| p != id)
    }

    fn project_of(&self, id: &str) -> Option<String> {
        self.ancestry(id).iter().find_map(|n| n.id.strip_prefix("projects/").map(str::to_owned))
    }

    /// Tags are inherited down the hierarchy; a value bound lower for the same key overrides.
    /// https://cloud.google.com/resource-manager/docs/tags/tags-overview#inheritance
    /// A node's effective tags are known only when it and every ancestor were listed.
    fn effective_tags(&mut self) {
        let ids: Vec<String> = self.nodes.keys().cloned().collect();
        for id in ids {
            let chain = self.ancestry(&id);
            let known = chain.iter().all(|n| n.own_tags.is_some());
            let tags = known.then(|| {
                let mut by_key: Vec<Tag> = Vec::new();
                for node in chain.iter().rev() {
                    for t in node.own_tags.iter().flatten() {
                        by_key.retain(|x| x.key != t.key);
                        by_key.push(t.clone());
                    }
                }
                by_key
            });
            if let Some(node) = self.nodes.get_mut(&id) {
                node.attributes.tags = tags;
            }
        }
    }

    /// What is known of a principal (its groups, its project), for matching members.
    pub fn facts(&self, member: &Member) -> SubjectFacts {
        let mut facts = SubjectFacts { member: Some(member.clone()), ..SubjectFacts::default() };
        facts.organization_customer = self
            .env
            .organization
            .directory_customer_id
            .clone()
            .map(|c| (c, self.env.organization.display_name.to_ascii_lowercase()));
        if let Some(email) = member.email() {
            // Breadth first: each group with the shortest chain that reaches it.
            let mut queue = VecDeque::from([(email.to_owned(), Vec::<String>::new())]);
            while let Some((current, chain)) = queue.pop_front() {
                for g in self.member_of.get(&current).into_iter().flatten() {
                    if facts.groups.contains_key(g) || g == email {
                        continue;
                    }
                    let mut next = chain.clone();
                    next.push(g.clone());
                    facts.groups.insert(g.clone(), next.clone());
                    queue.push_back((g.clone(), next));
                }
            }
        }
        if let Member::ServiceAccount(email) = member {
            let sa = self.env.service_accounts.iter().find(|s| &s.email == email);
            facts.unique_id = sa.map(|s| s.unique_id.clone());
            let project = sa.map(|s| s.project_id.clone()).or_else(|| project_of_email(email));
            if let Some(project) = project {
                let node = self.container(&format!("projects/{project}"));
                let node = self.resolve(&node).map(str::to_owned).unwrap_or(node);
                for n in self.ancestry(&node) {
                    facts.ancestors.push(n.id.clone());
                    if let Some(p) = n.id.strip_prefix("projects/")
                        && let Some(number) = self.project_numbers.get(p)
                    {
                        facts.ancestors.push(format!("projects/{number}"));
                    }
                }
            }
        }
        // Basic roles on each project's own policy, for Cloud Storage's convenience values: the
        // bindings naming the principal, looked up by its keys, and those whose other members
        // match it.
        let mut named: HashSet<usize> = HashSet::new();
        for key in subject_keys(&facts) {
            named.extend(self.bound.basic_keyed.get(&key).into_iter().flatten().copied());
        }
        for (b, member) in &self.bound.basic_others {
            if !named.contains(b) && matches!(matches(member, &facts), Match::Yes(_)) {
                named.insert(*b);
            }
        }
        let mut basic = HashSet::new();
        for b in named {
            let Some((role, Some(project))) = self.bound.basic.get(b) else { continue };
            basic.insert((*role, project.clone()));
            if let Some(n) = self.project_numbers.get(project) {
                basic.insert((*role, n.clone()));
            }
        }
        facts.basic_roles = basic;
        facts
    }

    fn context(&self, node: Option<&Node>) -> Context {
        Context { resource: node.map(|n| n.attributes.clone()), time: self.time }
    }

    /// Does `rule` deny `permission` to the principal on a resource with `context`?
    fn deny_applies(
        &self,
        rule: &DenyRule,
        facts: &SubjectFacts,
        permission: &str,
        cx: &Context,
    ) -> (Truth, Vec<String>) {
        let permission_denied = rule.denied_permissions.iter().any(|p| deny_permission_matches(p, permission))
            && !rule.exception_permissions.iter().any(|p| deny_permission_matches(p, permission));
        if !permission_denied {
            return (Truth::False, Vec::new());
        }
        let mut unknowns = Vec::new();
        let mut any = |list: &[String]| {
            let mut t = Truth::False;
            for m in list {
                t = t.or(match matches(&Member::parse(m), facts) {
                    Match::Yes(_) => Truth::True,
                    Match::No => Truth::False,
                    Match::Unknown(reason) => {
                        unknowns.push(reason);
                        Truth::Unknown
                    }
                });
            }
            t
        };
        let denied = any(&rule.denied_principals);
        let excepted = any(&rule.exception_principals);
        let condition = match &rule.denial_condition {
            None => Truth::True,
            Some(e) => {
                let t = cel::evaluate(&e.expression, cx);
                if t == Truth::Unknown {
                    unknowns.push(format!("denialCondition `{}`", e.expression));
                }
                t
            }
        };
        (denied.and(excepted.negate()).and(condition), unknowns)
    }

    /// The deny rules on `node`'s ancestry (itself included) that apply or may apply.
    fn denies(&self, facts: &SubjectFacts, permission: &str, chain: &[&Node], cx: &Context) -> Vec<DenyHit> {
        let mut hits = Vec::new();
        for node in chain {
            for &(pi, ri) in &node.denies {
                let Some(policy) = self.env.deny_policies.get(pi) else { continue };
                let Some(rule) = policy.rules.get(ri) else { continue };
                let (truth, unknowns) = self.deny_applies(rule, facts, permission, cx);
                let conditions = match truth {
                    Truth::False => continue,
                    Truth::True => Vec::new(),
                    Truth::Unknown => vec![Condition {
                        source: Arc::from(format!("{} rule {ri}", policy.name)),
                        expression: Arc::from(unknowns.join("; ")),
                        on_deny: true,
                    }],
                };
                hits.push(DenyHit { policy: policy.name.clone(), rule: ri, attachment: node.id.clone(), conditions });
            }
        }
        hits
    }

    /// The grants of `permission` to the principal in `node`'s own allow policy.
    fn grants_at(&self, facts: &SubjectFacts, permission: Option<&str>, node: &Node, cx: &Context) -> Vec<Grant> {
        let mut out = Vec::new();
        for (binding, members) in &node.bindings {
            if let Some(p) = permission
                && !self.role_grants(&binding.role, p)
            {
                continue;
            }
            out.extend(self.binding_grant(facts, node, binding, members, 0..members.len(), cx));
        }
        out
    }

    /// The grant of one binding to the principal, matching the members at `positions` only (in
    /// increasing order; the others are known not to match).
    fn binding_grant(
        &self,
        facts: &SubjectFacts,
        node: &Node,
        binding: &Binding,
        members: &[Member],
        positions: impl Iterator<Item = usize>,
        cx: &Context,
    ) -> Option<Grant> {
        // The member that names the principal most specifically: a direct or group match
        // before one naming everyone, and any match before an undecidable one.
        let mut found: Option<(String, Vec<String>, Option<String>)> = None;
        let mut found_rank = u8::MAX;
        for (written, member) in positions.filter_map(|i| binding.members.get(i).zip(members.get(i))) {
            let (rank, candidate) = match matches(member, facts) {
                Match::Yes(groups) if !member.is_broad() => (0, (written.clone(), groups, None)),
                Match::Yes(groups) => (1, (written.clone(), groups, None)),
                Match::Unknown(reason) => (2, (written.clone(), Vec::new(), Some(reason))),
                Match::No => continue,
            };
            if rank < found_rank {
                found_rank = rank;
                found = Some(candidate);
            }
        }
        let (member, groups, unknown_member) = found?;
        let mut conditions = Vec::new();
        if let Some(reason) = unknown_member {
            conditions.push(Condition {
                source: Arc::from(format!("member {member} of {} on {}", binding.role, node.id)),
                expression: Arc::from(reason),
                on_deny: false,
            });
        }
        if let Some(c) = &binding.condition {
            match cel::evaluate(&c.expression, cx) {
                Truth::False => return None,
                Truth::True => {}
                Truth::Unknown => conditions.push(Condition {
                    source: Arc::from(format!("{} on {} (condition \"{}\")", binding.role, node.id, c.title)),
                    expression: Arc::from(c.expression.as_str()),
                    on_deny: false,
                }),
            }
        }
        Some(Grant {
            node: node.id.clone(),
            role: binding.role.clone(),
            member,
            groups,
            conditions,
            source: node.policy_source.clone().unwrap_or_default(),
        })
    }

    /// Decides `permission` on `resource` (a canonical id) for the principal `facts`
    /// describes (see the module docs for the rules applied).
    pub fn decide(&self, facts: &SubjectFacts, permission: &str, resource: &str) -> Decision {
        let unlisted;
        let chain = match self.nodes.contains_key(resource) {
            true => self.ancestry(resource),
            false => match self.unlisted(resource) {
                Some(node) => {
                    unlisted = node;
                    let mut chain = vec![&unlisted];
                    chain.extend(unlisted.parent.as_deref().map(|p| self.ancestry(p)).unwrap_or_default());
                    chain
                }
                None => Vec::new(),
            },
        };
        let cx = self.context(chain.first().copied());
        let denies = self.denies(facts, permission, &chain, &cx);
        if denies.iter().any(|d| d.conditions.is_empty()) {
            return Decision { verdict: Verdict::Denied, grants: Vec::new(), denies, not_applied: Vec::new() };
        }
        let mut grants: Vec<Grant> =
            chain.iter().flat_map(|n| self.grants_at(facts, Some(permission), n, &cx)).collect();
        // Outright grants first, and among them those that name the principal rather than
        // everyone (the more telling path).
        grants.sort_by_key(|g| (g.conditions.len(), Member::parse(&g.member).is_broad()));
        let deny_conditions: Vec<Condition> = denies.iter().flat_map(|d| d.conditions.clone()).collect();
        let verdict = match grants.first() {
            None => Verdict::Denied,
            Some(g) if g.conditions.is_empty() && deny_conditions.is_empty() => Verdict::Allowed,
            Some(g) => Verdict::Conditional(g.conditions.iter().cloned().chain(deny_conditions).collect()),
        };
        Decision { verdict, grants, denies, not_applied: Vec::new() }
    }

    /// [`Engine::decide`], with the rules that name the principal and the permission but do
    /// not apply to this resource (for explanations).
    pub fn decide_explained(&self, facts: &SubjectFacts, permission: &str, resource: &str) -> Decision {
        let mut decision = self.decide(facts, permission, resource);
        let chain: Vec<&Node> = match self.nodes.contains_key(resource) {
            true => self.ancestry(resource),
            false => Vec::new(),
        };
        let cx = self.context(chain.first().copied());
        for node in &chain {
            for &(pi, ri) in &node.denies {
                let Some(policy) = self.env.deny_policies.get(pi) else { continue };
                let Some(rule) = policy.rules.get(ri) else { continue };
                let named =
                    rule.denied_principals.iter().any(|m| matches!(matches(&Member::parse(m), facts), Match::Yes(_)));
                let permission_denied = rule.denied_permissions.iter().any(|p| deny_permission_matches(p, permission));
                if !named || !permission_denied || self.deny_applies(rule, facts, permission, &cx).0 != Truth::False {
                    continue;
                }
                let why = if rule.exception_permissions.iter().any(|p| deny_permission_matches(p, permission)) {
                    "the permission is excepted"
                } else if rule
                    .exception_principals
                    .iter()
                    .any(|m| matches!(matches(&Member::parse(m), facts), Match::Yes(_)))
                {
                    "the principal is excepted"
                } else {
                    "its denialCondition is false here"
                };
                decision
                    .not_applied
                    .push(format!("deny policy {} rule {ri} at {} does not apply: {why}", policy.name, node.id));
            }
            for (binding, members) in &node.bindings {
                let Some(condition) = &binding.condition else { continue };
                if !self.role_grants(&binding.role, permission)
                    || !members.iter().any(|m| matches!(matches(m, facts), Match::Yes(_)))
                    || cel::evaluate(&condition.expression, &cx) != Truth::False
                {
                    continue;
                }
                decision.not_applied.push(format!(
                    "{} on {}: condition \"{}\" (`{}`) is false here",
                    binding.role, node.id, condition.title, condition.expression
                ));
            }
        }
        decision
    }

    /// Every grant to the principal anywhere (any role), with conditions decided without a
    /// resource (a grant covers the node and everything under it).
    pub fn all_grants(&self, facts: &SubjectFacts) -> Vec<Grant> {
        let cx = self.context(None);
        // The places that may name the principal, in node, binding and member order: each
        // binding's are matched as `grants_at` would match them all (the others cannot match).
        let mut places: Vec<Place> = self.bound.others.clone();
        for key in subject_keys(facts) {
            places.extend(self.bound.keyed.get(&key).into_iter().flatten().copied());
        }
        places.sort_unstable();
        places.dedup();
        let mut out = Vec::new();
        for run in places.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let (ni, bi, _) = run[0];
            let Some(node) = self.bound.nodes.get(ni).and_then(|id| self.nodes.get(id)) else { continue };
            let Some((binding, members)) = node.bindings.get(bi) else { continue };
            out.extend(self.binding_grant(facts, node, binding, members, run.iter().map(|p| p.2), &cx));
        }
        out
    }

    /// The nodes whose own allow policy binds a role including one of `permissions` to a
    /// member that names, or may name, the principal (conditions not read). A decision on a
    /// resource none of whose ancestors is among them has no grant: it is denied by default
    /// (<https://cloud.google.com/iam/docs/policy-evaluation>), whatever its deny policies say.
    pub fn nodes_binding(&self, facts: &SubjectFacts, permissions: &[&str]) -> HashSet<&str> {
        let mut places: Vec<Place> = self.bound.others.clone();
        for key in subject_keys(facts) {
            places.extend(self.bound.keyed.get(&key).into_iter().flatten().copied());
        }
        let mut out = HashSet::new();
        for (ni, bi, pi) in places {
            let Some(id) = self.bound.nodes.get(ni) else { continue };
            if out.contains(id.as_str()) {
                continue;
            }
            let Some((binding, members)) = self.nodes.get(id).and_then(|n| n.bindings.get(bi)) else { continue };
            if !permissions.iter().any(|p| self.role_grants(&binding.role, p)) {
                continue;
            }
            if members.get(pi).is_some_and(|m| !matches!(matches(m, facts), Match::No)) {
                out.insert(id.as_str());
            }
        }
        out
    }

    /// The nodes whose deny policies bear on a grant at `node`: those at or above it (they
    /// deny there), and those below it (they carve exceptions out of it). Only nodes with deny
    /// policies are returned.
    pub fn deny_scope(&self, node: &str) -> (Vec<&Node>, Vec<&Node>) {
        let above = self.ancestry(node).into_iter().filter(|n| !n.denies.is_empty()).collect();
        let below = self
            .descendants(node)
            .into_iter()
            .filter_map(|d| self.nodes.get(d))
            .filter(|n| !n.denies.is_empty())
            .collect();
        (above, below)
    }

    /// The deny rules attached to `nodes` that apply (or may) to `permission` for the
    /// principal, decided without a resource.
    pub fn denies_on(&self, facts: &SubjectFacts, permission: &str, nodes: &[&Node]) -> Vec<DenyHit> {
        match nodes.is_empty() {
            true => Vec::new(),
            false => self.denies(facts, permission, nodes, &self.context(None)),
        }
    }
}

/// The project id of a user-managed service account's email (`name@project.iam.gserviceaccount.com`).
/// https://cloud.google.com/iam/docs/service-account-types#user-managed
pub fn project_of_email(email: &str) -> Option<String> {
    let domain = email.rsplit_once('@')?.1;
    domain.strip_suffix(".iam.gserviceaccount.com").map(str::to_owned)
}

/// Services whose resources IAM Conditions' resource attributes recognize, among those listed
/// at https://cloud.google.com/iam/docs/conditions-resource-attributes and whose
/// `resource.name` is the full resource name without the service (Cloud Storage excepted, see
/// [`attributes_of`]). "Other services and resource types do not recognize resource
/// attributes": for them every resource attribute is unknown here.
const ATTRIBUTE_SERVICES: &[&str] = &[
    "bigquery.googleapis.com",
    "bigtableadmin.googleapis.com",
    "cloudkms.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "compute.googleapis.com",
    "container.googleapis.com",
    "secretmanager.googleapis.com",
    "spanner.googleapis.com",
    "storage.googleapis.com",
];

/// The attributes IAM Conditions see for a resource.
/// https://cloud.google.com/iam/docs/conditions-attribute-reference#resource-name
fn attributes_of(id: &str, asset_type: &str) -> ResourceAttributes {
    let service = id.strip_prefix("//").and_then(|r| r.split('/').next()).map(str::to_owned);
    let service = match (service, asset_type.split_once('/')) {
        (Some(s), _) => s,
        (None, Some((s, _))) => s.to_owned(),
        (None, None) => String::new(),
    };
    if !ATTRIBUTE_SERVICES.contains(&service.as_str()) {
        return ResourceAttributes::default();
    }
    // resource.name is service-specific; the names built here: Cloud Storage buckets
    // (`projects/_/buckets/{bucket}`), and otherwise the full name without its service
    // (`projects/p/secrets/s`). Resource Manager containers: none relied on (unknown).
    let name = if id.starts_with("//cloudresourcemanager.googleapis.com/") || !id.starts_with("//") {
        None
    } else if let Some(bucket) = id.strip_prefix("//storage.googleapis.com/") {
        Some(match bucket.starts_with("projects/") {
            true => bucket.to_owned(),
            false => format!("projects/_/buckets/{bucket}"),
        })
    } else {
        id.strip_prefix("//").and_then(|r| r.split_once('/')).map(|(_, rest)| rest.to_owned())
    };
    ResourceAttributes { name, resource_type: asset_type.to_owned(), service, tags: None }
}

/// The v1 name of a deny policy's permission: `iam.googleapis.com/roles.list` →
/// `iam.roles.list`; Resource Manager's service is `cloudresourcemanager.googleapis.com` while
/// its permissions start `resourcemanager.`.
/// https://cloud.google.com/iam/docs/deny-permissions-support
pub fn deny_permission_to_v1(fqdn: &str) -> String {
    match fqdn.split_once('/') {
        Some((host, rest)) => {
            let service = host.strip_suffix(".googleapis.com").unwrap_or(host);
            let service = if service == "cloudresourcemanager" { "resourcemanager" } else { service };
            format!("{service}.{rest}")
        }
        None => fqdn.to_owned(),
    }
}

/// Does a deny policy's permission (FQDN form, with `*` permission groups such as
/// `storage.googleapis.com/buckets.*` or `iam.googleapis.com/*`) cover a v1 permission?
/// https://cloud.google.com/iam/docs/deny-overview#permission-groups
pub fn deny_permission_matches(pattern: &str, permission: &str) -> bool {
    let v1 = deny_permission_to_v1(pattern);
    let pattern: Vec<&str> = v1.split('.').collect();
    let target: Vec<&str> = permission.split('.').collect();
    match pattern.as_slice() {
        [service, "*"] => target.first() == Some(service),
        _ => pattern.len() == target.len() && pattern.iter().zip(&target).all(|(p, t)| *p == "*" || p == t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_permissions_map_to_v1() {
        assert_eq!(deny_permission_to_v1("iam.googleapis.com/roles.list"), "iam.roles.list");
        assert_eq!(
            deny_permission_to_v1("cloudresourcemanager.googleapis.com/projects.delete"),
            "resourcemanager.projects.delete"
        );
        assert!(deny_permission_matches("storage.googleapis.com/buckets.*", "storage.buckets.delete"));
        assert!(!deny_permission_matches("storage.googleapis.com/buckets.*", "storage.objects.delete"));
        assert!(deny_permission_matches("iam.googleapis.com/*", "iam.serviceAccountKeys.create"));
        assert!(deny_permission_matches("storage.googleapis.com/*.delete", "storage.objects.delete"));
        assert!(!deny_permission_matches("iam.googleapis.com/roles.list", "iam.roles.get"));
    }

    #[test]
    fn bucket_names_follow_cloud_storage() {
        let a = attributes_of("//storage.googleapis.com/logs", "storage.googleapis.com/Bucket");
        assert_eq!(a.name.as_deref(), Some("projects/_/buckets/logs"));
        assert_eq!(a.service, "storage.googleapis.com");
        let s =
            attributes_of("//secretmanager.googleapis.com/projects/1/secrets/s", "secretmanager.googleapis.com/Secret");
        assert_eq!(s.name.as_deref(), Some("projects/1/secrets/s"));
        assert_eq!(attributes_of("projects/p", "cloudresourcemanager.googleapis.com/Project").name, None);
    }
}
