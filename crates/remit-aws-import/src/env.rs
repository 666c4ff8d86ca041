//! An AWS environment as read from a bundle: organizations, accounts, their IAM and their
//! resource policies, IAM Identity Center. Plain data, close to AWS's own shapes; the
//! cloud-neutral model is built from it elsewhere.
//!
//! A policy that could not be parsed is kept as `None` beside an [`ImportIssue`] naming the
//! file and JSON path, and the principal that holds it is marked incomplete: it is never
//! silently treated as allowing or denying.

use std::path::PathBuf;

use remit_aws_policy::Policy;

/// Everything read from one bundle.
#[derive(Debug, Clone, Default)]
pub struct AwsEnvironment {
    /// The organization, when the bundle has one.
    pub organization: Option<Organization>,
    /// The accounts, sorted by id.
    pub accounts: Vec<Account>,
    /// IAM Identity Center, when collected.
    pub identity_center: Option<IdentityCenter>,
    /// What could not be read, each with its file and JSON path.
    pub issues: Vec<ImportIssue>,
    /// `bundle.json`, when the bundle has one.
    pub bundle: Option<BundleInfo>,
}

/// The optional `bundle.json` of a bundle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BundleInfo {
    /// `version`.
    pub version: u64,
    /// `collectedAt`, as written.
    pub collected_at: Option<String>,
    /// `collector`, as written.
    pub collector: Option<String>,
}

/// A problem found while importing: the rest imports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportIssue {
    /// The file, relative to the bundle.
    pub file: PathBuf,
    /// The JSON path (or `line N` for CSV) inside the file.
    pub location: String,
    /// What is wrong.
    pub message: String,
    /// The ARN of the principal or resource marked incomplete because of it.
    pub subject: Option<String>,
}

/// An AWS Organizations organization.
#[derive(Debug, Clone, Default)]
pub struct Organization {
    /// `o-...`.
    pub id: String,
    /// The management account's id.
    pub management_account: String,
    /// Roots, OUs and accounts, parents before children.
    pub nodes: Vec<OrgNode>,
    /// SCPs and RCPs by id.
    pub policies: Vec<OrgPolicy>,
    /// `FeatureSet` (`ALL` or `CONSOLIDATED_BILLING`: SCPs and RCPs apply only under `ALL`).
    pub feature_set: Option<String>,
    /// The policy types enabled on the root (`PolicyTypes` with status `ENABLED` in
    /// `roots.json`); `None` when `roots.json` does not say. An SCP or RCP whose type is not
    /// enabled does not apply.
    pub enabled_policy_types: Option<Vec<OrgPolicyType>>,
}

/// What an organization node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgNodeKind {
    /// `r-...`.
    Root,
    /// `ou-...`.
    OrganizationalUnit,
    /// A 12-digit account id.
    Account,
}

/// A root, OU or account in the organization tree.
#[derive(Debug, Clone)]
pub struct OrgNode {
    /// `r-...`, `ou-...` or the account id.
    pub id: String,
    /// Its kind.
    pub kind: OrgNodeKind,
    /// Its name.
    pub name: String,
    /// The parent's id (`None` for a root).
    pub parent: Option<String>,
    /// Ids of the SCPs and RCPs attached to it, sorted.
    pub attached_policies: Vec<String>,
    /// Its ARN, when listed.
    pub arn: Option<String>,
    /// Accounts: `Status` (`ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`), when listed.
    pub status: Option<String>,
}

/// The type of an organization policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgPolicyType {
    /// A service control policy.
    ServiceControl,
    /// A resource control policy.
    ResourceControl,
}

/// An SCP or RCP.
#[derive(Debug, Clone)]
pub struct OrgPolicy {
    /// `p-...`.
    pub id: String,
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// SCP or RCP.
    pub policy_type: OrgPolicyType,
    /// AWS-managed (`FullAWSAccess`, `RCPFullAWSAccess`).
    pub aws_managed: bool,
    /// The document; `None` when it could not be parsed (see the issues).
    pub document: Option<Policy>,
    /// True when its document or its targets could not be read: where it applies, or what it
    /// says, is unknown.
    pub incomplete: bool,
}

/// One AWS account.
#[derive(Debug, Clone)]
pub struct Account {
    /// The 12-digit id.
    pub id: String,
    /// Its name in the organization, when known.
    pub name: Option<String>,
    /// IAM users.
    pub users: Vec<User>,
    /// IAM groups.
    pub groups: Vec<Group>,
    /// IAM roles.
    pub roles: Vec<Role>,
    /// Managed policies (customer-managed, and the AWS-managed ones the export lists).
    pub managed_policies: Vec<ManagedPolicy>,
    /// Resources with resource-based policies (buckets, keys, queues, topics, functions ...).
    pub resources: Vec<Resource>,
    /// Rows of the credential report.
    pub credential_report: Vec<CredentialReportRow>,
    /// The account-level S3 Block Public Access settings.
    pub s3_public_access_block: Option<PublicAccessBlock>,
    /// False when the bundle has no `authorization-details.json` for this account (only known
    /// from the organization).
    pub iam_collected: bool,
    /// True when part of the authorization details could not be read at all (the file is not
    /// JSON, a list is not a list, an entry has no ARN, the export is truncated): principals
    /// may be missing, not just incomplete.
    pub iam_incomplete: bool,
    /// The lists of `get-account-authorization-details` absent from the export
    /// (`UserDetailList`, `GroupDetailList`, `RoleDetailList`, `Policies`): an export run with
    /// `--filter` leaves them out, so their absence means "not collected", not "none".
    pub iam_absent_lists: Vec<String>,
    /// True when the bundle has a `credential-report.csv` for this account.
    pub credential_report_collected: bool,
    /// The ARN partition (`aws`, `aws-cn`, `aws-us-gov` ...), from the account's ARNs or
    /// regions; `aws` when nothing says.
    pub partition: String,
    /// The compute that runs as a role (functions, instances, projects, stacks ...), sorted by
    /// ARN.
    pub workloads: Vec<Workload>,
    /// The kinds of workloads whose inventory file is in the bundle for at least one region,
    /// in [`WorkloadKind::ALL`]'s order: a kind not listed was not collected, which is not the
    /// same as "none".
    pub workloads_collected: Vec<WorkloadKind>,
}

/// An inline policy.
#[derive(Debug, Clone)]
pub struct InlinePolicy {
    /// Its name.
    pub name: String,
    /// The document; `None` when it could not be parsed.
    pub document: Option<Policy>,
}

/// An IAM user.
#[derive(Debug, Clone, Default)]
pub struct User {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Unique id (`AIDA...`).
    pub id: String,
    /// Path.
    pub path: String,
    /// Names of its groups.
    pub groups: Vec<String>,
    /// Inline policies.
    pub inline_policies: Vec<InlinePolicy>,
    /// ARNs of attached managed policies.
    pub attached_policies: Vec<String>,
    /// ARN of its permissions boundary.
    pub permissions_boundary: Option<String>,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// When created (as exported, `2022-08-07 12:55:43+00:00` from the CLI).
    pub create_date: Option<String>,
    /// True when a policy of this user could not be read.
    pub incomplete: bool,
}

/// An IAM group.
#[derive(Debug, Clone, Default)]
pub struct Group {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Unique id (`AGPA...`).
    pub id: String,
    /// Path.
    pub path: String,
    /// Inline policies.
    pub inline_policies: Vec<InlinePolicy>,
    /// ARNs of attached managed policies.
    pub attached_policies: Vec<String>,
    /// When created (as exported).
    pub create_date: Option<String>,
    /// True when a policy of this group could not be read.
    pub incomplete: bool,
}

/// An IAM role.
#[derive(Debug, Clone, Default)]
pub struct Role {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Unique id (`AROA...`).
    pub id: String,
    /// Path.
    pub path: String,
    /// The trust policy; `None` when it could not be parsed.
    pub trust_policy: Option<Policy>,
    /// Inline policies.
    pub inline_policies: Vec<InlinePolicy>,
    /// ARNs of attached managed policies.
    pub attached_policies: Vec<String>,
    /// ARN of its permissions boundary.
    pub permissions_boundary: Option<String>,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// ARNs of the instance profiles that hold it.
    pub instance_profiles: Vec<String>,
    /// `RoleLastUsed.LastUsedDate`.
    pub last_used: Option<String>,
    /// `RoleLastUsed.Region`.
    pub last_used_region: Option<String>,
    /// When created (as exported).
    pub create_date: Option<String>,
    /// True when a policy of this role could not be read.
    pub incomplete: bool,
}

/// A managed policy.
#[derive(Debug, Clone, Default)]
pub struct ManagedPolicy {
    /// ARN (`arn:aws:iam::aws:policy/...` for AWS-managed policies).
    pub arn: String,
    /// Name.
    pub name: String,
    /// The default version's id.
    pub default_version: String,
    /// The default version's document; `None` when it could not be parsed.
    pub document: Option<Policy>,
    /// Every version exported, with its id (older versions matter for escalation).
    pub versions: Vec<(String, Option<Policy>)>,
    /// True for AWS-managed policies.
    pub aws_managed: bool,
    /// `PolicyId` (`ANPA...`).
    pub id: String,
    /// `Path`.
    pub path: String,
    /// `AttachmentCount`.
    pub attachment_count: Option<u64>,
    /// `PermissionsBoundaryUsageCount`.
    pub permissions_boundary_usage_count: Option<u64>,
    /// `UpdateDate` (as exported).
    pub update_date: Option<String>,
    /// True when part of it could not be read (see the issues); `document: None` says that
    /// its default version is unknown, and the principals that hold it are incomplete too.
    pub incomplete: bool,
}

/// A resource with a resource-based policy.
#[derive(Debug, Clone, Default)]
pub struct Resource {
    /// ARN.
    pub arn: String,
    /// The service prefix (`s3`, `kms`, `sqs` ...).
    pub service: String,
    /// The region (`None` for S3 buckets and other global resources).
    pub region: Option<String>,
    /// The resource policy; `None` when there is none or it could not be parsed.
    pub policy: Option<Policy>,
    /// S3: the bucket's Block Public Access settings.
    pub public_access_block: Option<PublicAccessBlock>,
    /// S3: ACL grants.
    pub acl_grants: Vec<AclGrant>,
    /// KMS: grants.
    pub kms_grants: Vec<KmsGrant>,
    /// KMS: true for AWS-managed keys.
    pub aws_managed_key: bool,
    /// True when its policy could not be read.
    pub incomplete: bool,
    /// The resource type within the service: `bucket`, `accesspoint`, `key`, `queue`, `topic`,
    /// `function`, `secret`, `repository`, `vault`, `domain`, `restapi`.
    pub resource_type: String,
    /// True when the file that carries the policy was read. `policy: None` with
    /// `policy_collected: true` and `incomplete: false` means "has no policy".
    pub policy_collected: bool,
    /// Facts of the resource's type, by name: `AclOwner` (S3 canonical id), `Bucket`,
    /// `NetworkOrigin` and `VpcId` (access points), `KeyManager`, `KeyState` and `KeySpec`
    /// (KMS), `RevisionId` (Lambda), `Name` (API Gateway), `Owner` (SNS) ...
    pub attributes: Vec<(String, String)>,
    /// The file or directory it was read from, relative to the bundle.
    pub source: PathBuf,
}

/// What a workload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkloadKind {
    /// A Lambda function (`aws lambda list-functions`), its unpublished version: the one whose
    /// code can be changed.
    LambdaFunction,
    /// An EC2 instance (`aws ec2 describe-instances`), running as its instance profile's role.
    Ec2Instance,
    /// A CodeBuild project (`aws codebuild batch-get-projects`), building as its service role.
    CodeBuildProject,
    /// A CloudFormation stack (`aws cloudformation describe-stacks`), changed with its service
    /// role.
    CloudFormationStack,
    /// A Glue development endpoint (`aws glue get-dev-endpoints`).
    GlueDevEndpoint,
    /// A SageMaker notebook instance (`aws sagemaker describe-notebook-instance`).
    SageMakerNotebook,
    /// An App Runner service (`aws apprunner describe-service`), running as its instance role.
    AppRunnerService,
    /// An ECS task (`aws ecs describe-tasks`), running as its task role.
    EcsTask,
}

impl WorkloadKind {
    /// Every kind, in the order [`Account::workloads_collected`] lists them.
    pub const ALL: [WorkloadKind; 8] = [
        WorkloadKind::LambdaFunction,
        WorkloadKind::Ec2Instance,
        WorkloadKind::CodeBuildProject,
        WorkloadKind::CloudFormationStack,
        WorkloadKind::GlueDevEndpoint,
        WorkloadKind::SageMakerNotebook,
        WorkloadKind::AppRunnerService,
        WorkloadKind::EcsTask,
    ];

    /// Its name in reports and in the generator's ground truth: `lambda-function`,
    /// `ec2-instance`, `codebuild-project`, `cloudformation-stack`, `glue-dev-endpoint`,
    /// `sagemaker-notebook-instance`, `apprunner-service`, `ecs-task`.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::LambdaFunction => "lambda-function",
            WorkloadKind::Ec2Instance => "ec2-instance",
            WorkloadKind::CodeBuildProject => "codebuild-project",
            WorkloadKind::CloudFormationStack => "cloudformation-stack",
            WorkloadKind::GlueDevEndpoint => "glue-dev-endpoint",
            WorkloadKind::SageMakerNotebook => "sagemaker-notebook-instance",
            WorkloadKind::AppRunnerService => "apprunner-service",
            WorkloadKind::EcsTask => "ecs-task",
        }
    }
}

/// Compute that runs as an IAM role: whoever can change or enter it acts as that role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    /// ARN (EC2 instances and Glue development endpoints: rebuilt from the bundle, as their
    /// outputs carry none).
    pub arn: String,
    /// Its kind.
    pub kind: WorkloadKind,
    /// Its name: the function, project, stack, endpoint, notebook or service name, the instance
    /// id, the task id.
    pub name: String,
    /// The region (its directory in the bundle).
    pub region: String,
    /// The ARN of the role it runs as; `None` when it runs as none, or when that could not be
    /// read (then `incomplete`, or for an instance, see `instance_profile`).
    pub role: Option<String>,
    /// Its state as the output says it: `running`, `stopped` ... (EC2), `CREATE_COMPLETE` ...
    /// (CloudFormation), `RUNNING`, `STOPPED` ... (ECS), `READY` (Glue), `InService` (SageMaker),
    /// `RUNNING`, `PAUSED` (App Runner), when the output has one; list-functions has none.
    pub state: Option<String>,
    /// EC2: the instance profile's ARN. Its role is the role whose `InstanceProfileList` lists
    /// the profile in the account's authorization details; `role: None` with a profile means
    /// that no role the export lists holds it (the profile is empty, or the export is not
    /// complete: see [`Account::iam_collected`] and [`Account::iam_incomplete`]).
    pub instance_profile: Option<String>,
    /// Tags, where the output carries them (EC2, CodeBuild, CloudFormation, ECS).
    pub tags: Vec<(String, String)>,
    /// Facts of its kind, by name: `Cluster`, `TaskDefinition` and `EnableExecuteCommand`
    /// (`true`/`false`) for ECS tasks.
    pub attributes: Vec<(String, String)>,
    /// True when part of it could not be read (see the issues): its role may be unknown rather
    /// than none.
    pub incomplete: bool,
    /// The file it was read from, relative to the bundle.
    pub source: PathBuf,
}

/// S3 Block Public Access settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublicAccessBlock {
    /// `BlockPublicAcls`.
    pub block_public_acls: bool,
    /// `IgnorePublicAcls`.
    pub ignore_public_acls: bool,
    /// `BlockPublicPolicy`.
    pub block_public_policy: bool,
    /// `RestrictPublicBuckets`.
    pub restrict_public_buckets: bool,
}

/// One S3 ACL grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclGrant {
    /// The grantee as `<Type>:<ID|URI|EmailAddress>`: `CanonicalUser:<canonical id>`,
    /// `Group:http://acs.amazonaws.com/groups/global/AllUsers`,
    /// `AmazonCustomerByEmail:<address>`.
    pub grantee: String,
    /// `READ`, `WRITE`, `READ_ACP`, `WRITE_ACP`, `FULL_CONTROL`.
    pub permission: String,
}

/// One KMS grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsGrant {
    /// The grantee principal.
    pub grantee: String,
    /// The operations granted (`Decrypt`, `Encrypt` ...).
    pub operations: Vec<String>,
    /// `GrantId`.
    pub grant_id: String,
    /// `RetiringPrincipal`.
    pub retiring_principal: Option<String>,
    /// `IssuingAccount`.
    pub issuing_account: Option<String>,
    /// `Constraints.EncryptionContextSubset`, sorted by key.
    pub encryption_context_subset: Vec<(String, String)>,
    /// `Constraints.EncryptionContextEquals`, sorted by key.
    pub encryption_context_equals: Vec<(String, String)>,
}

/// One row of the IAM credential report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialReportRow {
    /// The `user` column (`<root_account>` for the root user).
    pub user: String,
    /// The `arn` column.
    pub arn: String,
    /// Every column, by header name, as exported.
    pub fields: Vec<(String, String)>,
}

/// IAM Identity Center.
#[derive(Debug, Clone, Default)]
pub struct IdentityCenter {
    /// The instance ARN.
    pub instance_arn: String,
    /// Permission sets.
    pub permission_sets: Vec<PermissionSet>,
    /// Account assignments.
    pub assignments: Vec<AccountAssignment>,
    /// Identity store users: (user id, user name).
    pub users: Vec<(String, String)>,
    /// Identity store groups: (group id, display name).
    pub groups: Vec<(String, String)>,
    /// Group memberships: (group id, user id).
    pub memberships: Vec<(String, String)>,
    /// The identity store id (`d-...`).
    pub identity_store_id: String,
    /// What the identity store says of each user beyond its name, for telling which person
    /// it is (`list-users`: `DisplayName`, `Emails`, `ExternalIds`).
    pub profiles: Vec<IdentityStoreProfile>,
}

/// An identity store user's profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityStoreProfile {
    /// The user id.
    pub user_id: String,
    /// The display name.
    pub display_name: Option<String>,
    /// Its email addresses (`Emails[].Value`), the primary first.
    pub emails: Vec<String>,
    /// Its ids at the external identity provider that provisions it (SCIM):
    /// `(ExternalIds[].Issuer, ExternalIds[].Id)`.
    pub external_ids: Vec<(String, String)>,
}

/// A permission set.
#[derive(Debug, Clone, Default)]
pub struct PermissionSet {
    /// ARN.
    pub arn: String,
    /// Name (the provisioned roles are `AWSReservedSSO_<name>_<hex>`).
    pub name: String,
    /// The inline policy.
    pub inline_policy: Option<Policy>,
    /// ARNs of AWS-managed policies attached.
    pub managed_policies: Vec<String>,
    /// Customer-managed policy references: (name, path), resolved in each account.
    pub customer_managed_policies: Vec<(String, String)>,
    /// The permissions boundary: an AWS-managed policy ARN, or a customer-managed reference
    /// written as its path and name (`/` + `Name` for the default path, `/team/Name`), which is
    /// how the policy's ARN ends in each account.
    pub permissions_boundary: Option<String>,
    /// `SessionDuration`.
    pub session_duration: Option<String>,
    /// The permission set id (`ps-...`), its directory's name.
    pub id: String,
    /// `Description`.
    pub description: Option<String>,
    /// True when one of its files could not be read or is missing: what it grants is unknown.
    pub incomplete: bool,
}

/// A permission set assigned to a user or group in an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountAssignment {
    /// The account.
    pub account_id: String,
    /// The permission set's ARN.
    pub permission_set_arn: String,
    /// `USER` or `GROUP`.
    pub principal_type: String,
    /// The identity store id.
    pub principal_id: String,
}

impl Default for Account {
    fn default() -> Account {
        Account {
            id: String::new(),
            name: None,
            users: Vec::new(),
            groups: Vec::new(),
            roles: Vec::new(),
            managed_policies: Vec::new(),
            resources: Vec::new(),
            credential_report: Vec::new(),
            s3_public_access_block: None,
            iam_collected: false,
            iam_incomplete: false,
            iam_absent_lists: Vec::new(),
            credential_report_collected: false,
            partition: "aws".to_owned(),
            workloads: Vec::new(),
            workloads_collected: Vec::new(),
        }
    }
}

impl Account {
    /// The managed policy with this ARN, when the export lists it. Attached policies may name
    /// policies the export does not list (AWS-managed policies left out by `--filter`, trimmed
    /// exports): those are unknown, not empty.
    pub fn managed_policy(&self, arn: &str) -> Option<&ManagedPolicy> {
        self.managed_policies
            .binary_search_by(|policy| policy.arn.as_str().cmp(arn))
            .ok()
            .map(|idx| &self.managed_policies[idx])
    }

    /// The user with this ARN.
    pub fn user(&self, arn: &str) -> Option<&User> {
        self.users.binary_search_by(|user| user.arn.as_str().cmp(arn)).ok().map(|idx| &self.users[idx])
    }

    /// The group with this name.
    pub fn group_named(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|group| group.name == name)
    }

    /// The role with this ARN.
    pub fn role(&self, arn: &str) -> Option<&Role> {
        self.roles.binary_search_by(|role| role.arn.as_str().cmp(arn)).ok().map(|idx| &self.roles[idx])
    }

    /// The resource with this ARN.
    pub fn resource(&self, arn: &str) -> Option<&Resource> {
        self.resources.binary_search_by(|resource| resource.arn.as_str().cmp(arn)).ok().map(|idx| &self.resources[idx])
    }

    /// The workload with this ARN.
    pub fn workload(&self, arn: &str) -> Option<&Workload> {
        self.workloads.binary_search_by(|workload| workload.arn.as_str().cmp(arn)).ok().map(|idx| &self.workloads[idx])
    }
}
