//! The plan of one account: its IAM entities and resources, light enough that the largest
//! account (10,000 roles) holds in a few tens of megabytes. Policy documents are kept as
//! compact JSON text and expanded only while their file is written; trust policies are kept
//! structured ([`Trust`]) because the ground truth reads them.
//!
//! What a policy grants that matters for privilege escalation is recorded beside it as
//! [`Caps`], set by the code that writes the document: the ground truth is computed from these,
//! never by reading the documents back.

use serde_json::Value;

/// Services that run a passed role: bit flags for [`Caps::create`] and [`Caps::pass_any`].
pub(super) const SVC_LAMBDA: u8 = 1;
pub(super) const SVC_EC2: u8 = 2;
pub(super) const SVC_CFN: u8 = 4;
pub(super) const SVC_GLUE: u8 = 8;
pub(super) const SVC_CODEBUILD: u8 = 16;
pub(super) const ALL_SERVICES: u8 = 31;

/// Conditions that gate every action of a principal (an explicit deny unless they hold).
pub(super) const GATE_MFA: u8 = 1;
pub(super) const GATE_SOURCE_IP: u8 = 2;

/// The service principal for a service bit.
pub(super) fn service_principal(svc: u8) -> &'static str {
    match svc {
        SVC_LAMBDA => "lambda.amazonaws.com",
        SVC_EC2 => "ec2.amazonaws.com",
        SVC_CFN => "cloudformation.amazonaws.com",
        SVC_GLUE => "glue.amazonaws.com",
        _ => "codebuild.amazonaws.com",
    }
}

/// The service bit for a service principal, 0 for the others.
pub(super) fn service_bit(principal: &str) -> u8 {
    match principal {
        "lambda.amazonaws.com" => SVC_LAMBDA,
        "ec2.amazonaws.com" => SVC_EC2,
        "cloudformation.amazonaws.com" => SVC_CFN,
        "glue.amazonaws.com" => SVC_GLUE,
        "codebuild.amazonaws.com" => SVC_CODEBUILD,
        _ => 0,
    }
}

/// The pathfinding.cloud name of the technique that creates compute in `svc` with a passed
/// role.
pub(super) fn pass_role_technique(svc: u8) -> &'static str {
    match svc {
        SVC_LAMBDA => "iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction",
        SVC_EC2 => "iam:PassRole + ec2:RunInstances",
        SVC_CFN => "iam:PassRole + cloudformation:CreateStack",
        SVC_GLUE => "iam:PassRole + glue:CreateJob + glue:StartJobRun",
        _ => "iam:PassRole + codebuild:CreateProject + codebuild:StartBuild",
    }
}

/// What a policy grants that matters for privilege escalation, as the generator knows it by
/// construction.
#[derive(Debug, Clone, Default)]
pub(super) struct Caps {
    /// Every action on every resource (`*` on `*`, or a `NotAction` that leaves out nothing
    /// that matters).
    pub(super) admin: bool,
    /// `iam:*` on every IAM resource: the holder can grant itself anything.
    pub(super) iam_full: bool,
    /// A narrower IAM write the holder can turn on itself to become an administrator, named as
    /// pathfinding.cloud names it (`iam:CreatePolicyVersion`, `iam:AddUserToGroup` ...).
    pub(super) escalate: Option<&'static str>,
    /// `sts:AssumeRole` on `*`.
    pub(super) assume_any: bool,
    /// Role ARN patterns (`*` wildcards) the holder may assume.
    pub(super) assume: Vec<String>,
    /// Services (bits) in which the holder can create compute that runs a passed role.
    pub(super) create: u8,
    /// Services (bits) to which the holder may pass any role.
    pub(super) pass_any: u8,
    /// Role ARN patterns the holder may pass, with the services it may pass them to.
    pub(super) pass: Vec<(String, u8)>,
    /// Conditions that must hold for anything to be allowed (see [`GATE_MFA`]).
    pub(super) gates: u8,
}

impl Caps {
    pub(super) fn admin() -> Caps {
        Caps {
            admin: true,
            iam_full: true,
            assume_any: true,
            create: ALL_SERVICES,
            pass_any: ALL_SERVICES,
            ..Caps::default()
        }
    }

    pub(super) fn merge(&mut self, other: &Caps) {
        self.admin |= other.admin;
        self.iam_full |= other.iam_full;
        if self.escalate.is_none() {
            self.escalate = other.escalate;
        }
        self.assume_any |= other.assume_any;
        self.create |= other.create;
        self.pass_any |= other.pass_any;
        self.gates |= other.gates;
        for pattern in &other.assume {
            if !self.assume.contains(pattern) {
                self.assume.push(pattern.clone());
            }
        }
        for pass in &other.pass {
            if !self.pass.contains(pass) {
                self.pass.push(pass.clone());
            }
        }
    }

    /// Whether the holder's identity policies let it call `sts:AssumeRole` on `role_arn`.
    pub(super) fn may_assume(&self, role_arn: &str) -> bool {
        self.assume_any || self.assume.iter().any(|pattern| glob(pattern, role_arn))
    }

    /// The services to which the holder may pass `role_arn`.
    pub(super) fn may_pass(&self, role_arn: &str) -> u8 {
        self.pass.iter().filter(|(pattern, _)| glob(pattern, role_arn)).fold(self.pass_any, |acc, (_, svc)| acc | svc)
    }

    /// The caps left once `boundary` caps them.
    pub(super) fn within(&self, boundary: BoundaryKind, account: &str) -> Caps {
        match boundary {
            BoundaryKind::AllowAll => self.clone(),
            BoundaryKind::Workload => Caps { gates: self.gates, ..Caps::default() },
            BoundaryKind::PowerUser => Caps {
                assume_any: self.assume_any,
                assume: self.assume.clone(),
                create: self.create,
                gates: self.gates,
                ..Caps::default()
            },
            BoundaryKind::Developer => {
                let allowed = format!("arn:aws:iam::{account}:role/developer/");
                let mut pass: Vec<(String, u8)> =
                    self.pass.iter().filter(|(pattern, _)| pattern.starts_with(&allowed)).cloned().collect();
                if self.pass_any != 0 {
                    pass.push((format!("{allowed}*"), self.pass_any));
                }
                Caps {
                    assume_any: self.assume_any,
                    assume: self.assume.clone(),
                    create: self.create,
                    pass,
                    gates: self.gates,
                    ..Caps::default()
                }
            }
        }
    }
}

/// `*`-wildcard matching (the only wildcard the generator writes in role patterns).
pub(super) fn glob(pattern: &str, text: &str) -> bool {
    let pattern = pattern.as_bytes();
    let text = text.as_bytes();
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|b| *b == b'*')
}

/// A managed policy attached to a principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum PolicyRef {
    /// An index into [`crate::aws_org::managed::CATALOG`].
    Aws(u16),
    /// An index into [`AccountPlan::policies`].
    Customer(u32),
}

/// An inline policy.
#[derive(Debug, Clone)]
pub(super) struct Inline {
    pub(super) name: String,
    /// Compact JSON.
    pub(super) doc: String,
    pub(super) caps: Caps,
}

/// One version of a customer-managed policy.
#[derive(Debug, Clone)]
pub(super) struct Version {
    /// `v<number>`.
    pub(super) number: u32,
    /// Compact JSON.
    pub(super) doc: String,
    pub(super) created: i64,
}

/// A customer-managed policy.
#[derive(Debug, Clone)]
pub(super) struct CustomerPolicy {
    pub(super) name: String,
    pub(super) path: String,
    pub(super) id: String,
    pub(super) description: Option<String>,
    pub(super) created: i64,
    /// Versions, newest first.
    pub(super) versions: Vec<Version>,
    /// Index of the default version in `versions`.
    pub(super) default: usize,
    /// What the default version grants.
    pub(super) caps: Caps,
    /// True when a version that is not the default grants `*` on `*`.
    pub(super) admin_old_version: bool,
    pub(super) attachments: u32,
    pub(super) boundary_uses: u32,
    /// The application it was written for, if any (index into the account's apps).
    pub(super) app: Option<usize>,
}

/// What a permissions boundary lets through, as the ground truth sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BoundaryKind {
    /// Everything but IAM writes (`iam:PassRole` and role creation only under `/developer/`).
    Developer,
    /// Data-plane actions only: nothing that escalates.
    Workload,
    /// `PowerUserAccess` used as a boundary: everything but IAM and Organizations.
    PowerUser,
    /// `*` on `*`: a boundary that bounds nothing.
    AllowAll,
}

/// A permissions boundary on a user or role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Boundary {
    pub(super) policy: PolicyRef,
    pub(super) kind: BoundaryKind,
}

/// An IAM user.
#[derive(Debug, Clone)]
pub(super) struct User {
    pub(super) name: String,
    pub(super) path: String,
    pub(super) id: String,
    pub(super) created: i64,
    pub(super) inline: Vec<Inline>,
    pub(super) groups: Vec<u32>,
    pub(super) attached: Vec<PolicyRef>,
    pub(super) boundary: Option<Boundary>,
    pub(super) tags: Vec<(String, String)>,
    pub(super) creds: Credentials,
}

/// A user's credentials, for the credential report.
#[derive(Debug, Clone, Default)]
pub(super) struct Credentials {
    /// Console password: (last changed, last used).
    pub(super) password: Option<(i64, Option<i64>)>,
    pub(super) mfa: bool,
    pub(super) keys: Vec<AccessKey>,
}

/// An access key, for the credential report.
#[derive(Debug, Clone)]
pub(super) struct AccessKey {
    pub(super) active: bool,
    pub(super) rotated: i64,
    /// (time, region, service).
    pub(super) last_used: Option<(i64, &'static str, &'static str)>,
}

/// An IAM group.
#[derive(Debug, Clone)]
pub(super) struct Group {
    pub(super) name: String,
    pub(super) path: String,
    pub(super) id: String,
    pub(super) created: i64,
    pub(super) inline: Vec<Inline>,
    pub(super) attached: Vec<PolicyRef>,
}

/// Who a role trusts, kept structured for the ground truth and rendered into the trust policy.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Trusted {
    /// A service principal.
    Service(&'static str),
    /// An account's root (`arn:aws:iam::A:root`): any principal of that account allowed by its
    /// own policies.
    Account(String),
    /// One principal's ARN.
    Principal(String),
    /// The unique id of a principal deleted since (`AROA...`): AWS shows it in place of the ARN.
    Deleted(String),
    /// `"AWS": "*"`.
    Anyone,
    /// A SAML provider ARN.
    Saml(String),
    /// The IAM Identity Center SAML provider.
    Sso(String),
    /// An OIDC provider ARN with its `sub` pattern, if any.
    Oidc { provider: String, host: String, sub: Option<String> },
}

/// A role's trust policy.
#[derive(Debug, Clone)]
pub(super) struct Trust {
    pub(super) trusted: Vec<Trusted>,
    /// `sts:ExternalId` required for the AWS principals.
    pub(super) external_id: Option<String>,
    /// `aws:MultiFactorAuthPresent` required for the AWS principals.
    pub(super) mfa: bool,
    /// An `aws:PrincipalOrgID` condition on the AWS principals.
    pub(super) org_id: Option<String>,
    /// `sts:TagSession` allowed beside `sts:AssumeRole`.
    pub(super) tag_session: bool,
}

impl Trust {
    pub(super) fn new(trusted: Vec<Trusted>) -> Trust {
        Trust { trusted, external_id: None, mfa: false, org_id: None, tag_session: false }
    }

    pub(super) fn service(principal: &'static str) -> Trust {
        Trust::new(vec![Trusted::Service(principal)])
    }

    /// The escalation-relevant services the role trusts.
    pub(super) fn services(&self) -> u8 {
        self.trusted
            .iter()
            .map(|t| match t {
                Trusted::Service(s) => service_bit(s),
                _ => 0,
            })
            .fold(0, |a, b| a | b)
    }
}

/// An instance profile holding the role.
#[derive(Debug, Clone)]
pub(super) struct InstanceProfile {
    pub(super) name: String,
    pub(super) id: String,
    pub(super) created: i64,
}

/// Why a role exists (for the ground truth, never written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RoleKind {
    ServiceLinked,
    /// Provisioned by IAM Identity Center for a permission set (index into the plan's sets).
    Sso(usize),
    Application,
    OrgAccess,
    CrossAccount,
    Vendor,
    Partner,
    Federated,
    GithubOidc,
    Irsa,
    Cdk,
    Admin,
    Planted,
}

impl RoleKind {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            RoleKind::ServiceLinked => "service-linked",
            RoleKind::Sso(_) => "identity-center",
            RoleKind::Application => "application",
            RoleKind::OrgAccess => "organization-access",
            RoleKind::CrossAccount => "cross-account",
            RoleKind::Vendor => "vendor",
            RoleKind::Partner => "partner",
            RoleKind::Federated => "saml-federation",
            RoleKind::GithubOidc => "github-actions",
            RoleKind::Irsa => "eks-service-account",
            RoleKind::Cdk => "cdk-bootstrap",
            RoleKind::Admin => "administration",
            RoleKind::Planted => "planted",
        }
    }
}

/// An IAM role.
#[derive(Debug, Clone)]
pub(super) struct Role {
    pub(super) name: String,
    pub(super) path: String,
    pub(super) id: String,
    pub(super) created: i64,
    pub(super) trust: Trust,
    pub(super) inline: Vec<Inline>,
    pub(super) attached: Vec<PolicyRef>,
    pub(super) boundary: Option<Boundary>,
    pub(super) tags: Vec<(String, String)>,
    pub(super) last_used: Option<(i64, &'static str)>,
    pub(super) instance_profile: Option<InstanceProfile>,
    pub(super) kind: RoleKind,
}

impl Role {
    pub(super) fn arn(&self, account: &str) -> String {
        format!("arn:aws:iam::{account}:role{}{}", self.path, self.name)
    }
}

/// The kinds of resources with resource-based policies the generator writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum ResourceKind {
    Bucket,
    Key,
    Queue,
    Topic,
    Function,
    Secret,
}

impl ResourceKind {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Bucket => "s3-bucket",
            ResourceKind::Key => "kms-key",
            ResourceKind::Queue => "sqs-queue",
            ResourceKind::Topic => "sns-topic",
            ResourceKind::Function => "lambda-function",
            ResourceKind::Secret => "secretsmanager-secret",
        }
    }
}

/// Whom a resource policy lets in, as written (for the ground truth).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Grantee {
    /// `"Principal": "*"` (or `{"AWS": "*"}`) with no condition that narrows it to known callers.
    Anyone,
    /// Every principal of the organization (`aws:PrincipalOrgID`).
    Organization,
    /// One account, by its root or one of its principals.
    Account(String),
    /// An AWS service principal.
    Service(&'static str),
}

/// One grant of a resource policy.
#[derive(Debug, Clone)]
pub(super) struct Grant {
    pub(super) to: Grantee,
    pub(super) actions: Vec<String>,
    /// Condition keys the grant depends on beyond who calls.
    pub(super) conditions: Vec<&'static str>,
}

/// A resource with (or without) a resource-based policy.
#[derive(Debug, Clone)]
pub(super) struct Resource {
    pub(super) kind: ResourceKind,
    /// The name (for keys, the key id).
    pub(super) name: String,
    pub(super) region: &'static str,
    pub(super) arn: String,
    /// The policy, if any.
    pub(super) policy: Option<Value>,
    pub(super) grants: Vec<Grant>,
    pub(super) extra: ResourceExtra,
}

/// Per-kind facts of a resource.
#[derive(Debug, Clone, Default)]
pub(super) struct ResourceExtra {
    /// S3: the bucket's Block Public Access settings, if set.
    pub(super) bpa: Option<[bool; 4]>,
    /// S3: a public-read ACL grant.
    pub(super) public_acl: bool,
    /// S3: log-delivery ACL grants.
    pub(super) log_delivery_acl: bool,
    /// KMS: AWS-managed key (its alias).
    pub(super) aws_managed_alias: Option<String>,
    /// KMS: scheduled for deletion.
    pub(super) pending_deletion: bool,
    /// KMS: grants (grantee principal, operations, encryption-context constraint).
    pub(super) grants: Vec<KeyGrant>,
    /// KMS, SNS, secrets: a description or display name.
    pub(super) description: String,
    pub(super) created: i64,
    /// SNS: the KMS key of server-side encryption.
    pub(super) kms_key: Option<String>,
    /// A revision id (Lambda).
    pub(super) revision: String,
}

/// A KMS grant.
#[derive(Debug, Clone)]
pub(super) struct KeyGrant {
    pub(super) id: String,
    pub(super) name: Option<String>,
    pub(super) grantee: String,
    pub(super) retiring: Option<String>,
    pub(super) operations: Vec<&'static str>,
    pub(super) context: Option<(String, String)>,
    pub(super) created: i64,
}

/// The account root user, for the credential report.
#[derive(Debug, Clone)]
pub(super) struct RootUser {
    pub(super) created: i64,
    pub(super) password_last_used: Option<i64>,
    pub(super) mfa: bool,
    /// Root access keys (a finding when present).
    pub(super) keys: Vec<AccessKey>,
}

/// The kinds of compute the generator writes with the role each runs as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum WorkloadKind {
    Function,
    Instance,
    Project,
    Stack,
}

impl WorkloadKind {
    /// The name the importer gives the kind (`remit_aws_import::WorkloadKind::as_str`).
    pub(super) fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Function => "lambda-function",
            WorkloadKind::Instance => "ec2-instance",
            WorkloadKind::Project => "codebuild-project",
            WorkloadKind::Stack => "cloudformation-stack",
        }
    }
}

/// A Lambda function, EC2 instance, CodeBuild project or CloudFormation stack.
#[derive(Debug, Clone)]
pub(super) struct Workload {
    pub(super) kind: WorkloadKind,
    pub(super) arn: String,
    /// The role it runs as (an instance: its instance profile's), as the ground truth says it.
    pub(super) role: Option<String>,
    /// The state written (instances and stacks).
    pub(super) state: Option<&'static str>,
    /// Its entry in the CLI output that lists it, as written.
    pub(super) entry: Value,
}

/// Everything generated for one account.
#[derive(Debug, Clone)]
pub(super) struct AccountPlan {
    pub(super) id: String,
    pub(super) users: Vec<User>,
    pub(super) groups: Vec<Group>,
    pub(super) roles: Vec<Role>,
    pub(super) policies: Vec<CustomerPolicy>,
    pub(super) resources: Vec<Resource>,
    pub(super) root: RootUser,
    /// The account-level S3 Block Public Access settings, when configured.
    pub(super) public_access_block: Option<[bool; 4]>,
    /// The S3 canonical user id of the account.
    pub(super) canonical_id: String,
    /// Compute running as the account's roles, drawn from a stream of its own (see
    /// `workloads.rs`).
    pub(super) workloads: Vec<Workload>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_iam_wildcards() {
        assert!(glob("arn:aws:iam::1:role/app-*", "arn:aws:iam::1:role/app-x"));
        assert!(glob("arn:aws:iam::*:role/deploy", "arn:aws:iam::2:role/deploy"));
        assert!(!glob("arn:aws:iam::*:role/deploy", "arn:aws:iam::2:role/deployer"));
        assert!(glob("*", "anything"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b*c", "axxbyy"));
    }

    #[test]
    fn boundaries_remove_what_they_do_not_allow() {
        let admin = Caps::admin();
        let developer = admin.within(BoundaryKind::Developer, "111122223333");
        assert!(!developer.admin && !developer.iam_full && developer.assume_any);
        assert_eq!(developer.may_pass("arn:aws:iam::111122223333:role/developer/x"), ALL_SERVICES);
        assert_eq!(developer.may_pass("arn:aws:iam::111122223333:role/admin"), 0);
        let workload = admin.within(BoundaryKind::Workload, "1");
        assert!(!workload.admin && !workload.assume_any && workload.create == 0);
        assert!(admin.within(BoundaryKind::AllowAll, "1").admin);
    }
}
