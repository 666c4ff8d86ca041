//! The cloud-neutral entitlement model.
//!
//! Every cloud says "who can do what on which resource" in its own terms: AWS policies with
//! SCPs and resource policies, Azure role assignments over a scope tree, Google Cloud bindings
//! over a hierarchy. The queries users ask (who can, what can, explain, can become) are the
//! same everywhere, so they speak this vocabulary: principals, actions, resources, scopes,
//! guardrails, and the *path* by which access is granted. Each cloud's analysis crate maps its
//! facts into these types; the CLI, the API and the console read only these.
//!
//! **Architecture invariant:** no cloud-specific policy syntax here, no IO, no serialization.

use std::sync::Arc;

pub mod calendar;

/// The cloud a principal or resource belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cloud {
    /// Amazon Web Services.
    Aws,
    /// Microsoft Azure.
    Azure,
    /// Google Cloud.
    Gcp,
}

impl Cloud {
    /// The spelling used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Azure => "azure",
            Cloud::Gcp => "gcp",
        }
    }
}

/// What kind of principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalKind {
    /// A human or machine user with long-term credentials (IAM user, Entra user, Google user).
    User,
    /// A group of users.
    Group,
    /// A role that others assume (IAM role, Azure role-holder identity).
    Role,
    /// A service account, managed identity or service principal of the customer.
    ServiceAccount,
    /// A session of a role, or a federated user session.
    Session,
    /// An identity provider (SAML, OIDC) whose users act through federation.
    IdentityProvider,
    /// A cloud service acting on the customer's behalf (`lambda.amazonaws.com`).
    CloudService,
    /// An account, subscription or project outside the analysed environment.
    ExternalAccount,
    /// Every principal of an account inside the analysed environment (an AWS account named by a
    /// resource policy, whose own policies then decide).
    Account,
    /// Anyone, including unauthenticated callers.
    Anyone,
    /// A person known to the identity provider or the HR feed.
    Person,
}

impl PrincipalKind {
    /// The spelling used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::Group => "group",
            PrincipalKind::Role => "role",
            PrincipalKind::ServiceAccount => "service-account",
            PrincipalKind::Session => "session",
            PrincipalKind::IdentityProvider => "identity-provider",
            PrincipalKind::CloudService => "cloud-service",
            PrincipalKind::ExternalAccount => "external-account",
            PrincipalKind::Account => "account",
            PrincipalKind::Anyone => "anyone",
            PrincipalKind::Person => "person",
        }
    }
}

/// A principal: who may act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Its cloud.
    pub cloud: Cloud,
    /// Its kind.
    pub kind: PrincipalKind,
    /// Its native identifier (an ARN, an object id, a member string).
    pub id: String,
    /// A short display name.
    pub name: String,
    /// The account, subscription or project it belongs to (`None` for `Anyone`, services).
    pub scope: Option<String>,
    /// True when some of its policies could not be read: answers about it may be incomplete.
    pub incomplete: bool,
}

/// A resource: what is acted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Its cloud.
    pub cloud: Cloud,
    /// Its native identifier.
    pub id: String,
    /// Its type (`s3:bucket`, `Microsoft.Storage/storageAccounts`, `storage.googleapis.com/Bucket`).
    pub resource_type: String,
    /// The account, subscription or project that owns it.
    pub scope: Option<String>,
    /// Its region or location, where it has one.
    pub region: Option<String>,
}

/// Whether access is granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Granted whatever the request context.
    Allowed,
    /// Granted only when the listed conditions hold.
    Conditional(Vec<Condition>),
}

impl Access {
    /// `allowed` or `conditional`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Access::Allowed => "allowed",
            Access::Conditional(_) => "conditional",
        }
    }

    /// The conditions of a conditional grant (empty when allowed).
    pub fn conditions(&self) -> &[Condition] {
        match self {
            Access::Allowed => &[],
            Access::Conditional(conditions) => conditions,
        }
    }
}

/// A condition a grant depends on, with where it is written.
///
/// Its texts are shared (`Arc<str>`): one answer may repeat the same condition for thousands
/// of principals, and copying it copies no text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The policy and statement that carry it, in the cloud's own terms.
    pub source: Arc<str>,
    /// The condition as written.
    pub expression: Arc<str>,
    /// True when the condition restricts a deny (the grant holds unless it is met), false when
    /// it restricts the grant itself.
    pub on_deny: bool,
}

/// One step of the path by which a principal gets access (its texts shared, as a
/// [`Condition`]'s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Its own policies (identity-based policies, role assignments, bindings).
    Direct {
        /// The policies that grant, in the cloud's terms.
        sources: Vec<Arc<str>>,
    },
    /// Membership of a group.
    Group {
        /// The group.
        group: Arc<str>,
    },
    /// Assuming or impersonating another principal (a role, a service account).
    Assume {
        /// The principal assumed.
        target: Arc<str>,
    },
    /// A grant in the resource's own policy.
    ResourcePolicy {
        /// The statement that grants.
        source: Arc<str>,
    },
    /// An eligible (just-in-time) assignment the principal must activate first: Azure PIM
    /// eligibility, for example. Access through it is not standing access.
    Activate {
        /// The eligibility, in the cloud's terms.
        source: Arc<str>,
    },
    /// Inheritance down a hierarchy: a grant made at an ancestor scope (an Azure management
    /// group or subscription, a Google Cloud organization, folder or project).
    Inherited {
        /// The scope where the grant is made.
        scope: Arc<str>,
    },
}

impl Step {
    /// A one-line description.
    pub fn describe(&self) -> String {
        match self {
            Step::Direct { sources } if sources.is_empty() => "its own policies".to_owned(),
            Step::Direct { sources } => sources.join(", "),
            Step::Group { group } => format!("group {group}"),
            Step::Assume { target } => format!("assumes {target}"),
            Step::ResourcePolicy { source } => format!("resource policy {source}"),
            Step::Activate { source } => format!("once activated: {source}"),
            Step::Inherited { scope } => format!("inherited from {scope}"),
        }
    }
}

/// A principal that can perform an action on a resource, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The principal (shared: one answer may name thousands, each through several paths).
    pub principal: Arc<Principal>,
    /// Allowed or conditional.
    pub access: Access,
    /// The path, from the principal to the grant.
    pub via: Vec<Step>,
}

/// One entitlement of a principal, in the cloud's own terms: an action (or pattern of actions)
/// on a resource or on everything under a scope, with the exceptions its grant subtracts.
///
/// This is how Azure and Google Cloud state access (a role's actions at a scope; a role's
/// permissions on a node of the hierarchy), and what `what-can` answers for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entitlement {
    /// The action, permission or pattern granted (`Microsoft.Compute/virtualMachines/*`,
    /// `storage.objects.get`).
    pub action: Arc<str>,
    /// Actions the grant subtracts from `action` (Azure `NotActions`), empty when none.
    pub except: Vec<Arc<str>>,
    /// True for a data-plane action (Azure `DataActions`).
    pub data_plane: bool,
    /// The resource, or the scope under which every resource is covered.
    pub resource: Arc<str>,
    /// Allowed or conditional.
    pub access: Access,
    /// The path, from the principal to the grant.
    pub via: Vec<Step>,
}

impl Entitlement {
    /// True when the principal holds it only after activating an eligible assignment.
    pub fn eligible(&self) -> bool {
        self.via.iter().any(|step| matches!(step, Step::Activate { .. }))
    }
}

/// The answer to "can this principal do this action on this resource, and why".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Allowed whatever the request context.
    Allowed,
    /// Allowed only when the listed conditions hold.
    Conditional(Vec<Condition>),
    /// Denied: by an explicit deny, or because nothing grants it.
    Denied,
}

impl Verdict {
    /// `allowed`, `conditional` or `denied`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Allowed => "allowed",
            Verdict::Conditional(_) => "conditional",
            Verdict::Denied => "denied",
        }
    }
}

/// A decision with the reasons that make it, each naming the rule of the cloud it applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The decision.
    pub verdict: Verdict,
    /// The grants or denials that decide it, in evaluation order, each one line
    /// (`deny assignment X at /subscriptions/…: denies Microsoft.Storage/*`).
    pub reasons: Vec<String>,
    /// The path of the grant that allows, when one does.
    pub via: Vec<Step>,
}
