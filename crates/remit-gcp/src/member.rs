//! Member strings: who a binding or a deny rule names, and whether that includes a principal.
//!
//! Allow policies and deny policies name principals in two different syntaxes, and one
//! principal may be named many ways (its email, a group it is in, its domain, every service
//! account of a folder, a workforce pool's attribute). Parsing every syntax into one
//! [`Member`] lets the engine ask a single question — does this member include this principal?
//! — and answer it yes, no, or "unknown" when the bundle does not hold the facts (a federated
//! identity's group claims), which then makes the grant or deny conditional.
//!
//! Syntax: https://cloud.google.com/iam/docs/principal-identifiers

use std::collections::{HashMap, HashSet};

/// Which subjects of an identity pool a member names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PoolSet {
    /// One identity (`…/subject/{subject}`).
    Subject(String),
    /// Identities with a group claim (`…/group/{group}`).
    Group(String),
    /// Identities with an attribute value (`…/attribute.{name}/{value}`).
    Attribute(String, String),
    /// Every identity of the pool (`…/*`).
    All,
}

/// A Google Cloud basic role named by a Cloud Storage convenience value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BasicRole {
    /// `projectOwner:` — holders of `roles/owner` on the project.
    Owner,
    /// `projectEditor:` — holders of `roles/editor`.
    Editor,
    /// `projectViewer:` — holders of `roles/viewer`.
    Viewer,
}

impl BasicRole {
    /// The role it names.
    pub fn role(self) -> &'static str {
        match self {
            BasicRole::Owner => "roles/owner",
            BasicRole::Editor => "roles/editor",
            BasicRole::Viewer => "roles/viewer",
        }
    }
}

/// A member, in either syntax.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Member {
    /// `allUsers`, or `principalSet://goog/public:all` in deny policies: anyone, signed in or
    /// not.
    AllUsers,
    /// `allAuthenticatedUsers`: every authenticated principal (Google accounts, service
    /// accounts, federated identities).
    AllAuthenticatedUsers,
    /// `user:{email}` or `principal://goog/subject/{email}`.
    User(String),
    /// `group:{email}` or `principalSet://goog/group/{email}`.
    Group(String),
    /// `serviceAccount:{email}` or `principal://iam.googleapis.com/projects/-/serviceAccounts/{email or unique id}`.
    ServiceAccount(String),
    /// `domain:{domain}`: the users of a Workspace or Cloud Identity domain.
    Domain(String),
    /// `principalSet://goog/cloudIdentityCustomerId/{id}`: the principals of a Cloud Identity
    /// or Workspace account.
    Customer(String),
    /// A deleted principal (`deleted:user:…?uid=…`, `deleted:principal://…?uid=…`): never a
    /// live principal, even one that now has the same email.
    Deleted(String),
    /// A workforce pool member (`principal[Set]://iam.googleapis.com/locations/global/workforcePools/…`).
    Workforce {
        /// The pool id.
        pool: String,
        /// Which of its identities.
        set: PoolSet,
    },
    /// A workload identity pool member (`…/projects/{number}/locations/global/workloadIdentityPools/…`),
    /// GKE's `{project}.svc.id.goog` pools included.
    Workload {
        /// The pool id (`{project}.svc.id.goog` for GKE).
        pool: String,
        /// Which of its identities.
        set: PoolSet,
    },
    /// `principalSet://cloudresourcemanager.googleapis.com/{projects|folders|organizations}/{number}/type/ServiceAccount`:
    /// every service account under that node.
    ServiceAccountsUnder(String),
    /// `projectOwner:`/`projectEditor:`/`projectViewer:{project}` (Cloud Storage).
    ProjectRole(BasicRole, String),
    /// Anything else, kept as written.
    Unknown(String),
}

impl Member {
    /// Parses an allow-policy member or a deny-policy principal.
    pub fn parse(text: &str) -> Member {
        let text = text.trim();
        // https://cloud.google.com/iam/docs/principal-identifiers#allow (deleted principals)
        if text.starts_with("deleted:") {
            return Member::Deleted(text.to_owned());
        }
        match text {
            "allUsers" | "principalSet://goog/public:all" => return Member::AllUsers,
            "allAuthenticatedUsers" => return Member::AllAuthenticatedUsers,
            _ => {}
        }
        if let Some((kind, rest)) = text.split_once(':')
            && !rest.starts_with("//")
        {
            let lower = rest.to_ascii_lowercase();
            return match kind {
                "user" => Member::User(lower),
                "group" => Member::Group(lower),
                "serviceAccount" => kubernetes(rest).unwrap_or(Member::ServiceAccount(lower)),
                "domain" => Member::Domain(lower),
                "projectOwner" => Member::ProjectRole(BasicRole::Owner, rest.to_owned()),
                "projectEditor" => Member::ProjectRole(BasicRole::Editor, rest.to_owned()),
                "projectViewer" => Member::ProjectRole(BasicRole::Viewer, rest.to_owned()),
                _ => Member::Unknown(text.to_owned()),
            };
        }
        principal_uri(text).unwrap_or_else(|| Member::Unknown(text.to_owned()))
    }

    /// True for members that name everyone or a whole domain or account: queries list them as
    /// principals of their own rather than expanding them to every user.
    pub fn is_broad(&self) -> bool {
        matches!(self, Member::AllUsers | Member::AllAuthenticatedUsers | Member::Domain(_) | Member::Customer(_))
    }

    /// The canonical member string (allow-policy syntax where one exists).
    pub fn canonical(&self) -> String {
        let pool_set = |set: &PoolSet| match set {
            PoolSet::Subject(s) => format!("subject/{s}"),
            PoolSet::Group(g) => format!("group/{g}"),
            PoolSet::Attribute(n, v) => format!("attribute.{n}/{v}"),
            PoolSet::All => "*".to_owned(),
        };
        let scheme = |set: &PoolSet| if matches!(set, PoolSet::Subject(_)) { "principal" } else { "principalSet" };
        match self {
            Member::AllUsers => "allUsers".into(),
            Member::AllAuthenticatedUsers => "allAuthenticatedUsers".into(),
            Member::User(e) => format!("user:{e}"),
            Member::Group(e) => format!("group:{e}"),
            Member::ServiceAccount(e) => format!("serviceAccount:{e}"),
            Member::Domain(d) => format!("domain:{d}"),
            Member::Customer(c) => format!("principalSet://goog/cloudIdentityCustomerId/{c}"),
            Member::Deleted(t) | Member::Unknown(t) => t.clone(),
            Member::Workforce { pool, set } => {
                format!("{}://iam.googleapis.com/locations/global/workforcePools/{pool}/{}", scheme(set), pool_set(set))
            }
            Member::Workload { pool, set } => format!(
                "{}://iam.googleapis.com/projects/-/locations/global/workloadIdentityPools/{pool}/{}",
                scheme(set),
                pool_set(set)
            ),
            Member::ServiceAccountsUnder(node) => {
                format!("principalSet://cloudresourcemanager.googleapis.com/{node}/type/ServiceAccount")
            }
            Member::ProjectRole(role, p) => match role {
                BasicRole::Owner => format!("projectOwner:{p}"),
                BasicRole::Editor => format!("projectEditor:{p}"),
                BasicRole::Viewer => format!("projectViewer:{p}"),
            },
        }
    }

    /// The email of a user, group or service account.
    pub fn email(&self) -> Option<&str> {
        match self {
            Member::User(e) | Member::Group(e) | Member::ServiceAccount(e) => Some(e),
            _ => None,
        }
    }
}

/// `serviceAccount:{project}.svc.id.goog[{namespace}/{ksa}]`: a Kubernetes service account
/// through GKE Workload Identity, the same identity as
/// `principal://…/workloadIdentityPools/{project}.svc.id.goog/subject/ns/{ns}/sa/{ksa}`.
/// https://cloud.google.com/kubernetes-engine/docs/concepts/workload-identity#principal-identifiers
fn kubernetes(rest: &str) -> Option<Member> {
    let (pool, tail) = rest.split_once('[')?;
    let inner = tail.strip_suffix(']')?;
    let (ns, ksa) = inner.split_once('/')?;
    pool.ends_with(".svc.id.goog")
        .then(|| Member::Workload { pool: pool.to_owned(), set: PoolSet::Subject(format!("ns/{ns}/sa/{ksa}")) })
}

/// The `principal://` and `principalSet://` forms.
fn principal_uri(text: &str) -> Option<Member> {
    let (set_scheme, rest) = match text.split_once("://")? {
        ("principal", rest) => (false, rest),
        ("principalSet", rest) => (true, rest),
        _ => return None,
    };
    // Deny-policy forms, https://cloud.google.com/iam/docs/principal-identifiers#deny
    if let Some(email) = rest.strip_prefix("goog/subject/") {
        return (!set_scheme).then(|| Member::User(email.to_ascii_lowercase()));
    }
    if let Some(group) = rest.strip_prefix("goog/group/") {
        return set_scheme.then(|| Member::Group(group.to_ascii_lowercase()));
    }
    if let Some(customer) = rest.strip_prefix("goog/cloudIdentityCustomerId/") {
        return set_scheme.then(|| Member::Customer(customer.to_owned()));
    }
    if let Some(sa) = rest.strip_prefix("iam.googleapis.com/projects/-/serviceAccounts/") {
        return (!set_scheme).then(|| Member::ServiceAccount(sa.to_ascii_lowercase()));
    }
    if let Some(node) = rest.strip_prefix("cloudresourcemanager.googleapis.com/") {
        let node = node.strip_suffix("/type/ServiceAccount")?;
        return set_scheme.then(|| Member::ServiceAccountsUnder(node.to_owned()));
    }
    let rest = rest.strip_prefix("iam.googleapis.com/")?;
    if let Some(pool_rest) = rest.strip_prefix("locations/global/workforcePools/") {
        let (pool, set) = pool_set(pool_rest, set_scheme)?;
        return Some(Member::Workforce { pool, set });
    }
    // projects/{number}/locations/global/workloadIdentityPools/{pool}/…
    let (_, after) = rest.strip_prefix("projects/")?.split_once("/locations/global/workloadIdentityPools/")?;
    let (pool, set) = pool_set(after, set_scheme)?;
    Some(Member::Workload { pool, set })
}

fn pool_set(text: &str, set_scheme: bool) -> Option<(String, PoolSet)> {
    let (pool, what) = text.split_once('/')?;
    let set = if let Some(subject) = what.strip_prefix("subject/") {
        if set_scheme {
            return None;
        }
        PoolSet::Subject(subject.to_owned())
    } else if !set_scheme {
        return None;
    } else if let Some(group) = what.strip_prefix("group/") {
        PoolSet::Group(group.to_owned())
    } else if let Some(attr) = what.strip_prefix("attribute.") {
        let (name, value) = attr.split_once('/')?;
        PoolSet::Attribute(name.to_owned(), value.to_owned())
    } else if what == "*" {
        PoolSet::All
    } else {
        return None;
    };
    Some((pool.to_owned(), set))
}

/// Whether a member includes a principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// No.
    No,
    /// Yes, through these groups (outermost last; empty when named directly).
    Yes(Vec<String>),
    /// Perhaps: the bundle does not hold the facts (the reason says which).
    Unknown(String),
}

/// What is known of the principal being decided, gathered once per principal by the engine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectFacts {
    /// The principal itself.
    pub member: Option<Member>,
    /// Groups it belongs to, directly or through nested groups: each with the chain of groups
    /// from the principal to it (the group itself last).
    pub groups: HashMap<String, Vec<String>>,
    /// A service account's unique id.
    pub unique_id: Option<String>,
    /// A service account's project and that project's ancestors (`projects/111`,
    /// `projects/proj-a`, `folders/…`, `organizations/…`).
    pub ancestors: Vec<String>,
    /// The organization's Cloud Identity customer and primary domain.
    pub organization_customer: Option<(String, String)>,
    /// `(basic role, project id or number)` it holds through an unconditional binding on the
    /// project's own policy (for `projectOwner:` and friends).
    pub basic_roles: HashSet<(BasicRole, String)>,
}

/// Does `member` include the principal `facts` describes?
pub fn matches(member: &Member, facts: &SubjectFacts) -> Match {
    let Some(subject) = &facts.member else { return Match::No };
    if member == subject {
        return Match::Yes(Vec::new());
    }
    let anonymous = matches!(subject, Member::AllUsers);
    match member {
        // https://cloud.google.com/iam/docs/principal-identifiers#allow-public
        Member::AllUsers => Match::Yes(Vec::new()),
        // "All authenticated users": any principal that signed in, including service accounts
        // and federated identities. https://cloud.google.com/iam/docs/principal-identifiers
        Member::AllAuthenticatedUsers => match anonymous {
            true => Match::No,
            false => Match::Yes(Vec::new()),
        },
        // Groups include their members and the members of nested groups.
        // https://cloud.google.com/iam/docs/groups-in-cloud-console
        Member::Group(g) => facts.groups.get(g).map_or(Match::No, |chain| Match::Yes(chain.clone())),
        // A service account named by unique id (deny form) is the same principal.
        Member::ServiceAccount(id) => match (subject, &facts.unique_id) {
            (Member::ServiceAccount(_), Some(uid)) if uid == id => Match::Yes(Vec::new()),
            _ => Match::No,
        },
        // `domain:` names the users (and groups) of a Workspace / Cloud Identity domain.
        // https://cloud.google.com/iam/docs/principal-identifiers#allow
        Member::Domain(d) => match subject {
            Member::User(e) | Member::Group(e) if e.rsplit_once('@').is_some_and(|(_, dom)| dom == d) => {
                Match::Yes(Vec::new())
            }
            _ => Match::No,
        },
        // The principals of a Cloud Identity account. The bundle knows one account, the
        // organization's: its users are those of its primary domain; principals of other
        // domains may belong to it through secondary domains, which the bundle does not list.
        // https://cloud.google.com/iam/docs/principal-identifiers#deny
        Member::Customer(c) => match (subject, &facts.organization_customer) {
            (Member::User(e) | Member::Group(e), Some((customer, domain))) if customer == c => {
                match e.rsplit_once('@').is_some_and(|(_, dom)| dom == domain) {
                    true => Match::Yes(Vec::new()),
                    false => {
                        Match::Unknown(format!("whether {e} belongs to Cloud Identity customer {c} is not collected"))
                    }
                }
            }
            (Member::User(e) | Member::Group(e), _) => {
                Match::Unknown(format!("whether {e} belongs to Cloud Identity customer {c} is not collected"))
            }
            _ => Match::No,
        },
        // A deleted principal is not a live principal with the same email.
        // https://cloud.google.com/iam/docs/principal-identifiers#allow (deleted:…?uid=)
        Member::Deleted(_) | Member::Unknown(_) => Match::No,
        // Workforce and workload pools: a subject is itself; `*` includes every identity of the
        // pool; group and attribute sets depend on the identity provider's claims, which the
        // bundle does not hold.
        // https://cloud.google.com/iam/docs/principal-identifiers#allow
        Member::Workforce { pool, set } => pool_match(pool, set, subject, true),
        Member::Workload { pool, set } => pool_match(pool, set, subject, false),
        // https://cloud.google.com/iam/docs/principal-identifiers#allow (all service accounts in a project, folder or organization)
        Member::ServiceAccountsUnder(node) => match subject {
            Member::ServiceAccount(_) if facts.ancestors.iter().any(|a| a == node) => Match::Yes(Vec::new()),
            _ => Match::No,
        },
        // https://cloud.google.com/storage/docs/access-control/iam#convenience-values
        Member::ProjectRole(role, project) => match facts.basic_roles.contains(&(*role, project.clone())) {
            true => Match::Yes(Vec::new()),
            false => Match::No,
        },
        Member::User(_) => Match::No,
    }
}

fn pool_match(pool: &str, set: &PoolSet, subject: &Member, workforce: bool) -> Match {
    let (subject_pool, subject_set) = match (subject, workforce) {
        (Member::Workforce { pool, set }, true) | (Member::Workload { pool, set }, false) => (pool, set),
        _ => return Match::No,
    };
    if subject_pool != pool || !matches!(subject_set, PoolSet::Subject(_)) {
        return Match::No;
    }
    match set {
        PoolSet::All => Match::Yes(Vec::new()),
        PoolSet::Subject(_) => Match::No,
        PoolSet::Group(g) => {
            Match::Unknown(format!("membership of group `{g}` in pool `{pool}` comes from the identity provider"))
        }
        PoolSet::Attribute(n, v) => {
            Match::Unknown(format!("attribute `{n}` = `{v}` in pool `{pool}` comes from the identity provider"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_syntax() {
        assert_eq!(Member::parse("user:Alice@Corp.com"), Member::User("alice@corp.com".into()));
        assert_eq!(Member::parse("principal://goog/subject/alice@corp.com"), Member::User("alice@corp.com".into()));
        assert_eq!(Member::parse("principalSet://goog/group/g@corp.com"), Member::Group("g@corp.com".into()));
        assert_eq!(Member::parse("principalSet://goog/public:all"), Member::AllUsers);
        assert_eq!(
            Member::parse("principal://iam.googleapis.com/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com"),
            Member::ServiceAccount("sa@p.iam.gserviceaccount.com".into())
        );
        assert_eq!(
            Member::parse("principalSet://iam.googleapis.com/locations/global/workforcePools/pool/group/eng"),
            Member::Workforce { pool: "pool".into(), set: PoolSet::Group("eng".into()) }
        );
        assert_eq!(
            Member::parse("serviceAccount:proj.svc.id.goog[ns1/ksa]"),
            Member::parse(
                "principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/proj.svc.id.goog/subject/ns/ns1/sa/ksa"
            )
        );
        assert_eq!(
            Member::parse("principalSet://cloudresourcemanager.googleapis.com/projects/111/type/ServiceAccount"),
            Member::ServiceAccountsUnder("projects/111".into())
        );
        assert!(matches!(Member::parse("deleted:user:bob@corp.com?uid=123"), Member::Deleted(_)));
        assert!(matches!(Member::parse("principalSet://goog/subject/x"), Member::Unknown(_)));
        assert_eq!(Member::parse("projectViewer:proj-a"), Member::ProjectRole(BasicRole::Viewer, "proj-a".into()));
    }

    #[test]
    fn deleted_members_never_match_a_new_principal_with_the_same_email() {
        let facts = SubjectFacts { member: Some(Member::User("bob@corp.com".into())), ..SubjectFacts::default() };
        assert_eq!(matches(&Member::parse("deleted:user:bob@corp.com?uid=123"), &facts), Match::No);
        assert_eq!(matches(&Member::parse("user:bob@corp.com"), &facts), Match::Yes(vec![]));
    }

    #[test]
    fn anonymous_is_not_authenticated() {
        let anyone = SubjectFacts { member: Some(Member::AllUsers), ..SubjectFacts::default() };
        assert_eq!(matches(&Member::AllAuthenticatedUsers, &anyone), Match::No);
        assert_eq!(matches(&Member::AllUsers, &anyone), Match::Yes(vec![]));
    }

    #[test]
    fn domain_covers_users_of_the_domain_only() {
        let facts = SubjectFacts { member: Some(Member::User("a@corp.com".into())), ..SubjectFacts::default() };
        assert_eq!(matches(&Member::parse("domain:corp.com"), &facts), Match::Yes(vec![]));
        assert_eq!(matches(&Member::parse("domain:other.com"), &facts), Match::No);
        let sa = SubjectFacts { member: Some(Member::ServiceAccount("s@corp.com".into())), ..SubjectFacts::default() };
        assert_eq!(matches(&Member::parse("domain:corp.com"), &sa), Match::No);
    }
}
