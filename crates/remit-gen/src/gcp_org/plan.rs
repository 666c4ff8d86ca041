//! The organization as planned: hierarchy, identities, allow and deny policies and the planted
//! cases, before anything is written.
//!
//! As for Azure, the planted cases come first, on the people `people::cast` names and on
//! service accounts of their own, and the random grants that bring the organization to its size
//! use roles that cannot impersonate, create keys, deploy as a service account or change a
//! policy, given to people who play no part, so that the ground truth lists every path.

use std::collections::HashMap;

use super::GcpSpec;
use crate::{
    aws_org::rng::Rng,
    people::{
        People, cast,
        write::{gcp_email, in_gcp},
    },
};

/// A node that can hold an allow policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Node {
    Org,
    Folder(usize),
    Project(usize),
    Bucket(usize, usize),
    Sa(usize, usize),
    Secret(usize, usize),
    Run(usize, usize),
}

#[derive(Debug)]
pub(crate) struct Folder {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) parent: Option<usize>,
}

#[derive(Debug)]
pub(crate) struct Sa {
    pub(crate) email: String,
    pub(crate) unique_id: String,
    pub(crate) display: String,
    /// The person who owns it (written in its description).
    pub(crate) owner: Option<usize>,
    /// Ids of its user-managed keys.
    pub(crate) keys: Vec<String>,
}

#[derive(Debug)]
pub(crate) struct Project {
    pub(crate) id: String,
    pub(crate) number: String,
    pub(crate) name: String,
    pub(crate) folder: usize,
    pub(crate) planted: bool,
    pub(crate) sas: Vec<Sa>,
    pub(crate) buckets: Vec<String>,
    pub(crate) secrets: Vec<String>,
    /// Cloud Run services and the service account each runs as.
    pub(crate) run: Vec<(String, usize)>,
}

#[derive(Debug)]
pub(crate) struct Group {
    pub(crate) email: String,
    pub(crate) id: String,
    /// Direct members: `user:`, `group:` or `serviceAccount:` keys.
    pub(crate) members: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Binding {
    pub(crate) role: String,
    pub(crate) members: Vec<String>,
    pub(crate) condition: Option<(String, String)>,
}

#[derive(Debug)]
pub(crate) struct CustomRole {
    pub(crate) name: String,
    pub(crate) title: &'static str,
    pub(crate) permissions: &'static [&'static str],
}

#[derive(Debug)]
pub(crate) struct Admin {
    pub(crate) member: String,
    pub(crate) scope: String,
    pub(crate) via: Vec<(String, String)>,
}

#[derive(Debug)]
pub(crate) struct Escalation {
    pub(crate) member: String,
    pub(crate) technique: &'static str,
    pub(crate) target: Option<String>,
    pub(crate) reaches_role: String,
    pub(crate) reaches_scope: String,
    /// The grants used: (node's full resource name, role, member).
    pub(crate) grants: Vec<(String, String, String)>,
}

#[derive(Debug)]
pub(crate) struct AccessFact {
    pub(crate) member: String,
    pub(crate) permission: &'static str,
    pub(crate) resource: String,
    pub(crate) decision: &'static str,
    pub(crate) why: String,
}

#[derive(Debug)]
pub(crate) struct Org {
    pub(crate) id: String,
    pub(crate) domain: String,
    pub(crate) customer_id: String,
    pub(crate) folders: Vec<Folder>,
    pub(crate) projects: Vec<Project>,
    pub(crate) groups: Vec<Group>,
    pub(crate) policies: Vec<(Node, Vec<Binding>)>,
    pub(crate) custom_roles: Vec<CustomRole>,
    pub(crate) pool: String,
    pub(crate) grants: usize,
    pub(crate) admins: Vec<Admin>,
    pub(crate) escalations: Vec<Escalation>,
    pub(crate) access: Vec<AccessFact>,
    pub(crate) planted: Vec<(&'static str, String)>,
    policy_at: HashMap<Node, usize>,
}

/// The custom organization role that can change every allow policy.
pub(crate) const ORG_IAM_ADMIN_PERMISSIONS: &[&str] = &[
    "resourcemanager.folders.getIamPolicy",
    "resourcemanager.folders.setIamPolicy",
    "resourcemanager.organizations.get",
    "resourcemanager.organizations.getIamPolicy",
    "resourcemanager.organizations.setIamPolicy",
    "resourcemanager.projects.getIamPolicy",
    "resourcemanager.projects.setIamPolicy",
];
/// A custom project role that lists buckets.
pub(crate) const BUCKET_LISTER_PERMISSIONS: &[&str] = &["storage.buckets.get", "storage.buckets.list"];

const APPS: &[&str] =
    &["payments", "orders", "catalog", "billing", "search", "reporting", "ledger", "notify", "gateway", "pricing"];
const ENVS: &[&str] = &["prod", "dev", "test"];

impl Org {
    pub(crate) fn org_name(&self) -> String {
        format!("organizations/{}", self.id)
    }

    /// The node's full resource name, as Cloud Asset Inventory writes it.
    /// <https://cloud.google.com/asset-inventory/docs/resource-name-format>
    pub(crate) fn full_name(&self, node: Node) -> String {
        match node {
            Node::Org => format!("//cloudresourcemanager.googleapis.com/organizations/{}", self.id),
            Node::Folder(f) => format!("//cloudresourcemanager.googleapis.com/folders/{}", self.folders[f].id),
            Node::Project(p) => format!("//cloudresourcemanager.googleapis.com/projects/{}", self.projects[p].number),
            Node::Bucket(p, b) => format!("//storage.googleapis.com/{}", self.projects[p].buckets[b]),
            Node::Sa(p, s) => {
                format!(
                    "//iam.googleapis.com/projects/{}/serviceAccounts/{}",
                    self.projects[p].id, self.projects[p].sas[s].unique_id
                )
            }
            Node::Secret(p, s) => {
                format!(
                    "//secretmanager.googleapis.com/projects/{}/secrets/{}",
                    self.projects[p].number, self.projects[p].secrets[s]
                )
            }
            Node::Run(p, r) => {
                format!(
                    "//run.googleapis.com/projects/{}/locations/europe-west1/services/{}",
                    self.projects[p].id, self.projects[p].run[r].0
                )
            }
        }
    }

    /// The folders above a folder, nearest first, as `folders/<id>`.
    pub(crate) fn folder_chain(&self, folder: usize) -> Vec<String> {
        let mut chain = vec![format!("folders/{}", self.folders[folder].id)];
        let mut at = folder;
        while let Some(parent) = self.folders[at].parent {
            chain.push(format!("folders/{}", self.folders[parent].id));
            at = parent;
        }
        chain
    }

    pub(crate) fn sa_member(&self, p: usize, s: usize) -> String {
        format!("serviceAccount:{}", self.projects[p].sas[s].email)
    }

    fn grant(&mut self, node: Node, role: &str, member: &str, condition: Option<(String, String)>) {
        let idx = match self.policy_at.get(&node) {
            Some(&idx) => idx,
            None => {
                self.policies.push((node, Vec::new()));
                self.policy_at.insert(node, self.policies.len() - 1);
                self.policies.len() - 1
            }
        };
        let bindings = &mut self.policies[idx].1;
        let binding = match bindings.iter().position(|b| b.role == role && b.condition == condition) {
            Some(b) => b,
            None => {
                bindings.push(Binding { role: role.to_string(), members: Vec::new(), condition });
                bindings.len() - 1
            }
        };
        if !bindings[binding].members.iter().any(|m| m == member) {
            bindings[binding].members.push(member.to_string());
            self.grants += 1;
        }
    }
}

fn numeric(rng: &mut Rng, digits: usize) -> String {
    let first = rng.range(1, 9);
    let mut s = first.to_string();
    for _ in 1..digits {
        s.push(char::from(b'0' + rng.range(0, 9) as u8));
    }
    s
}

fn sa(rng: &mut Rng, project: &str, name: &str, owner: Option<usize>) -> Sa {
    Sa {
        email: format!("{name}@{project}.iam.gserviceaccount.com"),
        unique_id: numeric(rng, 21),
        display: name.replace('-', " "),
        owner,
        keys: Vec::new(),
    }
}

/// Plans the organization.
pub(crate) fn build(spec: &GcpSpec, people: &People) -> Org {
    let mut rng = Rng::new(spec.seed, "gcp-org", 0);
    let company = people.company().to_string();
    let mut org = Org {
        id: numeric(&mut rng, 12),
        domain: people.domain.clone(),
        customer_id: format!("C0{}", rng.lower_alnum(7)),
        folders: Vec::new(),
        projects: Vec::new(),
        groups: Vec::new(),
        policies: Vec::new(),
        custom_roles: Vec::new(),
        pool: format!("{company}-workforce"),
        grants: 0,
        admins: Vec::new(),
        escalations: Vec::new(),
        access: Vec::new(),
        planted: Vec::new(),
        policy_at: HashMap::new(),
    };
    // Folders: Platform, Production, Development, Sandbox, and the spec's extra ones, each
    // top-level folder with a sub-folder.
    let mut top = vec!["Platform".to_string(), "Production".into(), "Development".into(), "Sandbox".into()];
    top.extend((0..spec.folders).map(|n| format!("Business-Unit-{:02}", n + 1)));
    let mut leaves = Vec::new();
    for name in top {
        let id = numeric(&mut rng, 12);
        org.folders.push(Folder { id, name: name.clone(), parent: None });
        let parent = org.folders.len() - 1;
        let id = numeric(&mut rng, 12);
        org.folders.push(Folder { id, name: format!("{name}-Teams"), parent: Some(parent) });
        leaves.push(org.folders.len() - 1);
    }
    // Projects: four planted ones, then the rest spread over the leaf folders.
    let fixed = ["platform-prod", "payments-prod", "data-prod", "sandbox"];
    for idx in 0..spec.projects {
        let (name, folder, planted) = match fixed.get(idx) {
            Some(name) => ((*name).to_string(), leaves[idx.min(3)], true),
            None => (format!("{}-{}-{:03}", rng.pick(APPS), rng.pick(ENVS), idx), leaves[idx % leaves.len()], false),
        };
        let id = format!("{company}-{name}");
        let number = numeric(&mut rng, 12);
        let mut project = Project {
            id: id.clone(),
            number,
            name: name.clone(),
            folder,
            planted,
            sas: Vec::new(),
            buckets: Vec::new(),
            secrets: Vec::new(),
            run: Vec::new(),
        };
        for n in 0..spec.service_accounts_per_project {
            let owner =
                (people.persons.len() > cast::LAST + 1).then(|| rng.range(cast::LAST + 1, people.persons.len() - 1));
            let name = format!("{}-sa-{n}", rng.pick(APPS));
            project.sas.push(sa(&mut rng, &id, &name, owner));
        }
        for n in 0..spec.buckets_per_project {
            let suffix = rng.lower_alnum(6);
            project.buckets.push(format!("{id}-data-{suffix}-{n}"));
        }
        project.secrets.push(format!("{}-api-key", rng.pick(APPS)));
        if !project.sas.is_empty() {
            project.run.push((format!("{}-svc", rng.pick(APPS)), 0));
        }
        org.projects.push(project);
    }
    org.custom_roles.push(CustomRole {
        name: format!("organizations/{}/roles/orgIamAdmin", org.id),
        title: "Organization IAM Administrator",
        permissions: ORG_IAM_ADMIN_PERMISSIONS,
    });
    plant(&mut org, &mut rng, people);
    fill(&mut org, &mut rng, spec, people);
    org
}

fn user(people: &People, idx: usize) -> String {
    format!("user:{}", gcp_email(people, idx))
}

fn plant(org: &mut Org, rng: &mut Rng, people: &People) {
    let org_role = org.custom_roles[0].name.clone();
    let domain = org.domain.clone();
    let (platform, payments, data, sandbox) = (0, 1, 2, 3);
    let org_scope = org.full_name(Node::Org);

    // Groups: organization administrators (the platform lead through a nested group).
    let leads = format!("group:gcp-platform-leads@{domain}");
    let admins = format!("group:gcp-org-admins@{domain}");
    org.groups.push(Group {
        email: format!("gcp-platform-leads@{domain}"),
        id: rng.lower_alnum(15),
        members: vec![user(people, cast::PLATFORM_LEAD)],
    });
    org.groups.push(Group {
        email: format!("gcp-org-admins@{domain}"),
        id: rng.lower_alnum(15),
        members: vec![leads.clone()],
    });
    org.grant(Node::Org, &org_role, &admins, None);
    org.admins.push(Admin {
        member: user(people, cast::PLATFORM_LEAD),
        scope: org_scope.clone(),
        via: vec![(org_role.clone(), admins.clone()), ("member-of".into(), leads)],
    });
    org.planted.push(("nested-group-org-admin", admins.clone()));

    // A privileged deployer service account (organization IAM administrator).
    let deployer_sa = org.projects[platform].sas.len();
    let project_id = org.projects[platform].id.clone();
    org.projects[platform].sas.push(sa(rng, &project_id, "org-deployer", Some(cast::PLATFORM_LEAD)));
    let deployer = org.sa_member(platform, deployer_sa);
    org.grant(Node::Org, &org_role, &deployer, None);
    org.admins.push(Admin {
        member: deployer.clone(),
        scope: org_scope.clone(),
        via: vec![(org_role.clone(), deployer.clone())],
    });

    // 1. getAccessToken on the deployer.
    let token = user(people, cast::TOKEN_CREATOR);
    org.grant(Node::Sa(platform, deployer_sa), "roles/iam.serviceAccountTokenCreator", &token, None);
    let sa_node = org.full_name(Node::Sa(platform, deployer_sa));
    org.escalations.push(Escalation {
        member: token.clone(),
        technique: "iam.serviceAccounts.getAccessToken",
        target: Some(deployer.clone()),
        reaches_role: org_role.clone(),
        reaches_scope: org_scope.clone(),
        grants: vec![
            (sa_node.clone(), "roles/iam.serviceAccountTokenCreator".into(), token.clone()),
            (org_scope.clone(), org_role.clone(), deployer.clone()),
        ],
    });
    org.access.push(AccessFact {
        member: token,
        permission: "iam.serviceAccounts.getAccessToken",
        resource: sa_node,
        decision: "allowed",
        why: "roles/iam.serviceAccountTokenCreator on the service account".into(),
    });

    // 2. keys.create on a CI service account that administers the platform project's policy.
    let ci_sa = org.projects[platform].sas.len();
    let project_id = org.projects[platform].id.clone();
    org.projects[platform].sas.push(sa(rng, &project_id, "ci-builder", Some(cast::LEAVER)));
    org.projects[platform].sas[ci_sa].keys.push(rng.hex(40));
    let ci = org.sa_member(platform, ci_sa);
    let platform_scope = org.full_name(Node::Project(platform));
    org.grant(Node::Project(platform), "roles/resourcemanager.projectIamAdmin", &ci, None);
    org.admins.push(Admin {
        member: ci.clone(),
        scope: platform_scope.clone(),
        via: vec![("roles/resourcemanager.projectIamAdmin".into(), ci.clone())],
    });
    let key_admin = user(people, cast::KEY_ADMIN);
    org.grant(Node::Sa(platform, ci_sa), "roles/iam.serviceAccountKeyAdmin", &key_admin, None);
    org.escalations.push(Escalation {
        member: key_admin,
        technique: "iam.serviceAccountKeys.create",
        target: Some(ci.clone()),
        reaches_role: "roles/resourcemanager.projectIamAdmin".into(),
        reaches_scope: platform_scope.clone(),
        grants: vec![
            (
                org.full_name(Node::Sa(platform, ci_sa)),
                "roles/iam.serviceAccountKeyAdmin".into(),
                user(people, cast::KEY_ADMIN),
            ),
            (platform_scope.clone(), "roles/resourcemanager.projectIamAdmin".into(), ci.clone()),
        ],
    });
    org.planted.push(("service-account-user-managed-key", ci.clone()));

    // 3. actAs + run.services.create: a Cloud Run developer who may act as a service account
    // administering the payments project's policy.
    let run_sa = org.projects[payments].sas.len();
    let project_id = org.projects[payments].id.clone();
    org.projects[payments].sas.push(sa(rng, &project_id, "payments-release", Some(cast::RUN_DEPLOYER)));
    let run_member = org.sa_member(payments, run_sa);
    let payments_scope = org.full_name(Node::Project(payments));
    org.grant(Node::Project(payments), "roles/resourcemanager.projectIamAdmin", &run_member, None);
    org.admins.push(Admin {
        member: run_member.clone(),
        scope: payments_scope.clone(),
        via: vec![("roles/resourcemanager.projectIamAdmin".into(), run_member.clone())],
    });
    let dev = user(people, cast::RUN_DEPLOYER);
    org.grant(Node::Project(payments), "roles/run.developer", &dev, None);
    org.grant(Node::Sa(payments, run_sa), "roles/iam.serviceAccountUser", &dev, None);
    org.escalations.push(Escalation {
        member: dev.clone(),
        technique: "iam.serviceAccounts.actAs + run.services.create",
        target: Some(run_member.clone()),
        reaches_role: "roles/resourcemanager.projectIamAdmin".into(),
        reaches_scope: payments_scope.clone(),
        grants: vec![
            (payments_scope.clone(), "roles/run.developer".into(), dev.clone()),
            (org.full_name(Node::Sa(payments, run_sa)), "roles/iam.serviceAccountUser".into(), dev.clone()),
            (payments_scope.clone(), "roles/resourcemanager.projectIamAdmin".into(), run_member),
        ],
    });
    org.access.push(AccessFact {
        member: dev,
        permission: "run.services.create",
        resource: payments_scope.clone(),
        decision: "allowed",
        why: "roles/run.developer on the project".into(),
    });

    // 4. setIamPolicy on the data project.
    let iam_admin = user(people, cast::PROJECT_IAM_ADMIN);
    let data_scope = org.full_name(Node::Project(data));
    org.grant(Node::Project(data), "roles/resourcemanager.projectIamAdmin", &iam_admin, None);
    org.admins.push(Admin {
        member: iam_admin.clone(),
        scope: data_scope.clone(),
        via: vec![("roles/resourcemanager.projectIamAdmin".into(), iam_admin.clone())],
    });
    org.escalations.push(Escalation {
        member: iam_admin.clone(),
        technique: "resourcemanager.projects.setIamPolicy",
        target: None,
        reaches_role: "any role".into(),
        reaches_scope: data_scope.clone(),
        grants: vec![(data_scope.clone(), "roles/resourcemanager.projectIamAdmin".into(), iam_admin)],
    });

    // Conditions: objects under a prefix, a grant that expires, and a tag.
    // <https://cloud.google.com/iam/docs/conditions-attribute-reference>
    let bucket = org.projects[data].buckets.first().cloned().unwrap_or_default();
    let analyst = user(people, cast::ANALYST);
    let prefix = format!("projects/_/buckets/{bucket}/objects/reports/");
    org.grant(
        Node::Project(data),
        "roles/storage.objectViewer",
        &analyst,
        Some(("Reports only".into(), format!("resource.name.startsWith(\"{prefix}\")"))),
    );
    org.access.push(AccessFact {
        member: analyst.clone(),
        permission: "storage.objects.get",
        resource: format!("//storage.googleapis.com/projects/_/buckets/{bucket}/objects/reports/q1.csv"),
        decision: "allowed",
        why: "conditional roles/storage.objectViewer (resource.name matches)".into(),
    });
    org.access.push(AccessFact {
        member: analyst,
        permission: "storage.objects.get",
        resource: format!("//storage.googleapis.com/projects/_/buckets/{bucket}/objects/finance/ledger.csv"),
        decision: "denied",
        why: "condition false".into(),
    });
    let contractor = user(people, cast::CONTRACTOR);
    org.grant(
        Node::Project(payments),
        "roles/secretmanager.secretAccessor",
        &contractor,
        Some(("Until end of contract".into(), "request.time < timestamp(\"2026-06-30T00:00:00Z\")".into())),
    );
    org.access.push(AccessFact {
        member: contractor,
        permission: "secretmanager.versions.access",
        resource: org.full_name(Node::Secret(payments, 0)),
        decision: "conditional",
        why: "request.time condition".into(),
    });
    let devs_group = format!("gcp-developers@{domain}");
    org.groups.push(Group {
        email: devs_group.clone(),
        id: rng.lower_alnum(15),
        members: vec![user(people, cast::RUN_DEPLOYER), user(people, cast::VM_OPERATOR)],
    });
    let lister = format!("projects/{}/roles/bucketLister", org.projects[payments].id);
    org.custom_roles.push(CustomRole {
        name: lister.clone(),
        title: "Bucket Lister",
        permissions: BUCKET_LISTER_PERMISSIONS,
    });
    org.grant(Node::Project(payments), &lister, &format!("group:{devs_group}"), None);
    org.grant(
        Node::Folder(org.projects[sandbox].folder),
        "roles/storage.objectCreator",
        &format!("group:{devs_group}"),
        Some(("Dev-tagged only".into(), format!("resource.matchTag(\"{}/env\", \"dev\")", org.id))),
    );

    // A workforce pool group reads the organization's hierarchy.
    let pool_set =
        format!("principalSet://iam.googleapis.com/locations/global/workforcePools/{}/group/gcp-readers", org.pool);
    org.grant(Node::Org, "roles/browser", &pool_set, None);
    org.planted.push(("workforce-pool-principal-set", pool_set));

    // Public bucket, deleted member, and the leaver's lingering grant.
    let public_bucket = org.projects[payments].buckets.len();
    let public_name = format!("{}-public-assets", org.projects[payments].id);
    org.projects[payments].buckets.push(public_name);
    org.grant(Node::Bucket(payments, public_bucket), "roles/storage.objectViewer", "allUsers", None);
    org.planted.push(("public-bucket", org.full_name(Node::Bucket(payments, public_bucket))));
    org.access.push(AccessFact {
        member: "allUsers".into(),
        permission: "storage.objects.get",
        resource: org.full_name(Node::Bucket(payments, public_bucket)),
        decision: "allowed",
        why: "allUsers on the bucket".into(),
    });
    let deleted = format!(
        "deleted:serviceAccount:old-etl@{}.iam.gserviceaccount.com?uid={}",
        org.projects[data].id,
        numeric(rng, 21)
    );
    org.grant(Node::Project(data), "roles/storage.objectAdmin", &deleted, None);
    org.planted.push(("deleted-member", deleted));
    let leaver = user(people, cast::LEAVER);
    org.grant(Node::Project(platform), "roles/run.invoker", &leaver, None);
    org.planted.push(("leaver-still-granted", leaver));
    org.grant(Node::Project(sandbox), "roles/browser", &user(people, cast::SECURITY), None);
}

/// Random groups and grants up to the spec's size.
fn fill(org: &mut Org, rng: &mut Rng, spec: &GcpSpec, people: &People) {
    let users: Vec<String> =
        (cast::LAST + 1..people.persons.len()).filter(|&i| in_gcp(people, i)).map(|i| user(people, i)).collect();
    if users.is_empty() {
        return;
    }
    let first = org.groups.len();
    for n in 0..spec.groups {
        let size = rng.range(3, 25);
        let mut members: Vec<String> = rng.sample(&users, size).into_iter().cloned().collect();
        if n > 0 && rng.chance(0.1) {
            let inner = first + rng.range(0, n - 1);
            members.push(format!("group:{}", org.groups[inner].email));
        }
        org.groups.push(Group {
            email: format!("team-{}-{n:04}@{}", rng.pick(APPS), org.domain),
            id: rng.lower_alnum(15),
            members,
        });
    }
    let groups: Vec<String> = org.groups[first..].iter().map(|g| format!("group:{}", g.email)).collect();
    let ordinary: Vec<usize> = (0..org.projects.len()).filter(|&p| !org.projects[p].planted).collect();
    let ordinary = if ordinary.is_empty() { vec![3] } else { ordinary };
    // Each service account of an ordinary project reads its project's buckets and secrets.
    for &p in &ordinary {
        for s in 0..org.projects[p].sas.len() {
            let member = org.sa_member(p, s);
            org.grant(Node::Project(p), "roles/storage.objectViewer", &member, None);
        }
    }
    let safe = [
        "roles/storage.objectViewer",
        "roles/storage.objectCreator",
        "roles/storage.objectAdmin",
        "roles/secretmanager.viewer",
        "roles/run.invoker",
        "roles/browser",
    ];
    let mut guard = 0usize;
    while org.grants < spec.bindings && guard < spec.bindings * 4 {
        guard += 1;
        let member = match rng.weighted(&[7, 3]) {
            0 => rng.pick(&users).clone(),
            _ if !groups.is_empty() => rng.pick(&groups).clone(),
            _ => rng.pick(&users).clone(),
        };
        let p = *rng.pick(&ordinary);
        let node = match rng.weighted(&[6, 2, 1, 1]) {
            0 => Node::Project(p),
            1 if !org.projects[p].buckets.is_empty() => {
                Node::Bucket(p, rng.range(0, org.projects[p].buckets.len() - 1))
            }
            2 => Node::Secret(p, 0),
            3 => Node::Folder(org.projects[p].folder),
            _ => Node::Project(p),
        };
        let role = match node {
            Node::Secret(..) => "roles/secretmanager.secretAccessor",
            Node::Folder(_) => "roles/browser",
            _ => rng.pick(&safe),
        };
        org.grant(node, role, &member, None);
    }
}
