//! Every privilege-escalation technique, on bundles written as the AWS CLI writes them: for
//! each, an attacker that becomes an administrator through exactly that technique as its
//! first step, and the same set-up with the step taken away (an SCP, a permissions boundary, a
//! condition the step cannot meet, an explicit deny, a statement naming another resource, a
//! role that does not trust the service ...), where no escalation may be reported.
//!
//! A case is a small environment (the attacker, its grants, the administrator it reaches)
//! plus a *twist* that neutralizes one part of it; `check` scans it and compares the finding
//! for the attacker with what the twist leaves. Workload techniques (changing compute that
//! already runs as a role) are conditional while workloads are not in the bundle: the role
//! trusts the service, but whether something runs as it is unknown.

use std::{collections::BTreeSet, path::Path};

use remit_aws_analysis::AwsAnalysis;
use remit_aws_risk::{ScanOptions, TECHNIQUES, Technique, TechniqueKind};
use remit_findings::{Finding, Kind, Timestamp};
use serde_json::{Value, json};

/// The account every case lives in.
const A: &str = "111122223333";
/// The organization's management account (not in the bundle: SCPs apply to `A`).
const MANAGEMENT: &str = "999988887777";
/// An account outside the environment.
const OTHER_ACCOUNT: &str = "444455556666";
const ADMIN_POLICY: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

fn arn(kind: &str, name: &str) -> String {
    format!("arn:aws:iam::{A}:{kind}/{name}")
}

fn document(statements: &[Value]) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn allow(actions: &[&str], resource: &str) -> Value {
    json!({"Effect": "Allow", "Action": actions, "Resource": resource})
}

fn deny(actions: &[&str], resource: &str) -> Value {
    json!({"Effect": "Deny", "Action": actions, "Resource": resource})
}

fn trust(principal: Value) -> Value {
    document(&[json!({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})])
}

/// Trusted by the account: any of its principals whose own policies allow `sts:AssumeRole`.
fn trust_account() -> Value {
    trust(json!({"AWS": format!("arn:aws:iam::{A}:root")}))
}

fn trust_service(service: &str) -> Value {
    trust(json!({"Service": service}))
}

fn inline_list(statements: &[Value]) -> Value {
    match statements.is_empty() {
        true => json!([]),
        false => json!([{"PolicyName": "own", "PolicyDocument": document(statements)}]),
    }
}

/// A user with an inline policy of `statements` (none when empty).
fn user(name: &str, statements: &[Value]) -> Value {
    json!({
        "Path": "/",
        "UserName": name,
        "UserId": format!("AIDA{}", name.to_uppercase()),
        "Arn": arn("user", name),
        "CreateDate": "2024-01-02 03:04:05+00:00",
        "UserPolicyList": inline_list(statements),
        "GroupList": [],
        "AttachedManagedPolicies": [],
        "Tags": []
    })
}

/// A role trusting as `trust` says, with an inline policy of `statements`.
fn role(name: &str, trust: Value, statements: &[Value]) -> Value {
    json!({
        "Path": "/",
        "RoleName": name,
        "RoleId": format!("AROA{}", name.to_uppercase()),
        "Arn": arn("role", name),
        "CreateDate": "2024-01-02 03:04:05+00:00",
        "AssumeRolePolicyDocument": trust,
        "InstanceProfileList": [],
        "RolePolicyList": inline_list(statements),
        "AttachedManagedPolicies": [],
        "Tags": [],
        "RoleLastUsed": {}
    })
}

/// A group with an inline policy of `statements`.
fn group(name: &str, statements: &[Value]) -> Value {
    json!({
        "Path": "/",
        "GroupName": name,
        "GroupId": format!("AGPA{}", name.to_uppercase()),
        "Arn": arn("group", name),
        "CreateDate": "2024-01-02 03:04:05+00:00",
        "GroupPolicyList": inline_list(statements),
        "AttachedManagedPolicies": []
    })
}

/// `principal` (a user, group or role) with the managed policy `policy` attached.
fn attach(mut principal: Value, policy: &str) -> Value {
    let name = policy.rsplit('/').next().unwrap_or(policy);
    if let Some(list) = principal["AttachedManagedPolicies"].as_array_mut() {
        list.push(json!({"PolicyName": name, "PolicyArn": policy}));
    }
    principal
}

/// `principal` (a user or role) under the permissions boundary `policy`.
fn bounded(mut principal: Value, policy: &str) -> Value {
    principal["PermissionsBoundary"] =
        json!({"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": policy});
    principal
}

/// `user` a member of `group`.
fn member(mut user: Value, group: &str) -> Value {
    if let Some(list) = user["GroupList"].as_array_mut() {
        list.push(json!(group));
    }
    user
}

/// `role` with an instance profile of its name (as EC2 needs).
fn with_profile(mut role: Value) -> Value {
    let name = role["RoleName"].as_str().unwrap_or_default().to_owned();
    let copy = json!({
        "Path": role["Path"],
        "RoleName": role["RoleName"],
        "RoleId": role["RoleId"],
        "Arn": role["Arn"],
        "CreateDate": role["CreateDate"],
        "AssumeRolePolicyDocument": role["AssumeRolePolicyDocument"]
    });
    role["InstanceProfileList"] = json!([{
        "Path": "/",
        "InstanceProfileName": name,
        "InstanceProfileId": format!("AIPA{}", name.to_uppercase()),
        "Arn": arn("instance-profile", &name),
        "CreateDate": "2024-01-02 03:04:05+00:00",
        "Roles": [copy],
        "Tags": []
    }]);
    role
}

/// A customer-managed policy with its versions (`(statements, default)`, newest first).
fn managed(name: &str, versions: &[(&[Value], bool)]) -> Value {
    let count = versions.len();
    let list: Vec<Value> = versions
        .iter()
        .enumerate()
        .map(|(idx, (statements, default))| {
            json!({
                "Document": document(statements),
                "VersionId": format!("v{}", count - idx),
                "IsDefaultVersion": default,
                "CreateDate": "2024-01-02 03:04:05+00:00"
            })
        })
        .collect();
    let default = versions.iter().position(|(_, d)| *d).map_or(1, |idx| count - idx);
    json!({
        "PolicyName": name,
        "PolicyId": format!("ANPA{}", name.to_uppercase().replace('-', "")),
        "Arn": arn("policy", name),
        "Path": "/",
        "DefaultVersionId": format!("v{default}"),
        "AttachmentCount": 1,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": true,
        "CreateDate": "2024-01-02 03:04:05+00:00",
        "UpdateDate": "2024-01-02 03:04:05+00:00",
        "PolicyVersionList": list
    })
}

/// `AdministratorAccess` as the export lists it (an AWS-managed policy attached in the
/// account).
fn administrator_access() -> Value {
    json!({
        "PolicyName": "AdministratorAccess",
        "PolicyId": "ANPAIWMBCKSKIEE64ZLYK",
        "Arn": ADMIN_POLICY,
        "Path": "/",
        "DefaultVersionId": "v1",
        "AttachmentCount": 1,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": true,
        "CreateDate": "2015-02-06 18:39:46+00:00",
        "UpdateDate": "2015-02-06 18:39:46+00:00",
        "PolicyVersionList": [{
            "Document": document(&[allow(&["*"], "*")]),
            "VersionId": "v1",
            "IsDefaultVersion": true,
            "CreateDate": "2015-02-06 18:39:46+00:00"
        }]
    })
}

/// A user's row of the credential report.
#[derive(Debug, Clone)]
struct Credentials {
    user: &'static str,
    password: bool,
    mfa: bool,
    keys: (bool, bool),
}

/// An environment bundle of account `A`: IAM, optionally a credential report, and SCPs
/// (besides `FullAWSAccess`) attached to the account, when any, in an organization.
#[derive(Debug, Clone, Default)]
struct Env {
    users: Vec<Value>,
    groups: Vec<Value>,
    roles: Vec<Value>,
    policies: Vec<Value>,
    report: Option<Vec<Credentials>>,
    scps: Vec<Value>,
    /// Identity Center permission sets (by name), when the instance is collected.
    permission_sets: Vec<&'static str>,
}

impl Env {
    fn user(mut self, user: Value) -> Env {
        self.users.push(user);
        self
    }

    fn group(mut self, group: Value) -> Env {
        self.groups.push(group);
        self
    }

    fn role(mut self, role: Value) -> Env {
        self.roles.push(role);
        self
    }

    fn policy(mut self, policy: Value) -> Env {
        self.policies.push(policy);
        self
    }

    fn credentials(mut self, row: Credentials) -> Env {
        self.report.get_or_insert_with(Vec::new).push(row);
        self
    }

    fn permission_set(mut self, name: &'static str) -> Env {
        self.permission_sets.push(name);
        self
    }

    fn scp(mut self, statements: &[Value]) -> Env {
        self.scps.push(document(statements));
        self
    }

    fn write(&self, dir: &Path) {
        let mut policies = vec![administrator_access()];
        policies.extend(self.policies.iter().cloned());
        let details = json!({
            "UserDetailList": self.users,
            "GroupDetailList": self.groups,
            "RoleDetailList": self.roles,
            "Policies": policies,
        });
        write_json(dir, &format!("accounts/{A}/authorization-details.json"), &details);
        if let Some(rows) = &self.report {
            write(dir, &format!("accounts/{A}/credential-report.csv"), &credential_report(rows));
        }
        if !self.scps.is_empty() {
            write_organization(dir, &self.scps);
        }
        if !self.permission_sets.is_empty() {
            write_identity_center(dir, &self.permission_sets);
        }
    }

    /// The findings of a scan of the bundle, as `remit scan` makes them.
    fn scan(&self) -> Vec<Finding> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        self.write(dir.path());
        let env = remit_aws_import::load(dir.path()).expect("the bundle loads");
        let issues: Vec<String> =
            env.issues.iter().map(|i| format!("{} @ {}: {}", i.file.display(), i.location, i.message)).collect();
        assert!(issues.is_empty(), "the fixture imports cleanly: {issues:#?}");
        let analysis = AwsAnalysis::new(remit_aws_risk::admin::with_probes(env));
        remit_aws_risk::scan(&analysis, &ScanOptions::new(Timestamp::from_unix(1_767_225_600)))
    }
}

fn write(dir: &Path, rel: &str, contents: &str) {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("a bundle directory");
    }
    std::fs::write(&path, contents).expect("a bundle file");
}

/// `identity-center/`: one instance with the permission sets `names` (describe-permission-set
/// only), and an empty identity store.
fn write_identity_center(dir: &Path, names: &[&str]) {
    write_json(
        dir,
        "identity-center/instances.json",
        &json!({"Instances": [{"InstanceArn": INSTANCE, "IdentityStoreId": "d-1234567890", "OwnerAccountId": A}]}),
    );
    for name in names {
        let id = permission_set_id(name);
        write_json(
            dir,
            &format!("identity-center/permission-sets/{id}/describe.json"),
            &json!({"PermissionSet": {"Name": name, "PermissionSetArn": permission_set_arn(name), "SessionDuration": "PT1H"}}),
        );
        let set = format!("identity-center/permission-sets/{id}");
        write_json(dir, &format!("{set}/inline-policy.json"), &json!({"InlinePolicy": ""}));
        write_json(dir, &format!("{set}/managed-policies.json"), &json!({"AttachedManagedPolicies": []}));
        write_json(
            dir,
            &format!("{set}/customer-managed-policies.json"),
            &json!({"CustomerManagedPolicyReferences": []}),
        );
    }
    write_json(dir, "identity-center/identity-store/users.json", &json!({"Users": []}));
    write_json(dir, "identity-center/identity-store/groups.json", &json!({"Groups": []}));
}

const INSTANCE: &str = "arn:aws:sso:::instance/ssoins-1234567890abcdef";

fn permission_set_id(name: &str) -> String {
    format!("ps-{:016x}", name.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))))
}

fn permission_set_arn(name: &str) -> String {
    format!("arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/{}", permission_set_id(name))
}

/// The role Identity Center provisions in account `A` for permission set `name`, trusting the
/// instance's SAML provider, with `statements` (as its permission set's inline policy).
fn sso_role(name: &str, statements: &[Value]) -> Value {
    let role_name = format!("AWSReservedSSO_{name}_0123456789abcdef");
    let mut r = role(
        &role_name,
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            "Principal": {"Federated": format!("arn:aws:iam::{A}:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE")},
            "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}]}),
        statements,
    );
    r["Path"] = json!("/aws-reserved/sso.amazonaws.com/");
    r["Arn"] = json!(format!("arn:aws:iam::{A}:role/aws-reserved/sso.amazonaws.com/{role_name}"));
    r
}

fn sso_role_arn(name: &str) -> String {
    format!("arn:aws:iam::{A}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_{name}_0123456789abcdef")
}

/// Pretty JSON, as the AWS CLI writes it.
fn write_json(dir: &Path, rel: &str, value: &Value) {
    write(dir, rel, &serde_json::to_string_pretty(value).expect("JSON"));
}

/// `aws iam get-credential-report`, its content decoded.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html>
fn credential_report(rows: &[Credentials]) -> String {
    let mut out = String::from(
        "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,\
         mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,\
         access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,\
         access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,\
         cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n",
    );
    out.push_str(&format!(
        "<root_account>,arn:aws:iam::{A}:root,2024-01-02T03:04:05+00:00,not_supported,N/A,not_supported,\
         not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
    ));
    let when = "2025-12-01T00:00:00+00:00";
    for row in rows {
        let password = match row.password {
            true => format!("true,{when},{when},N/A"),
            false => "false,N/A,N/A,N/A".to_owned(),
        };
        let key = |active: bool| match active {
            true => format!("true,{when},{when},us-east-1,iam"),
            false => "false,N/A,N/A,N/A,N/A".to_owned(),
        };
        out.push_str(&format!(
            "{},{},2024-01-02T03:04:05+00:00,{password},{},{},{},false,N/A,false,N/A\n",
            row.user,
            arn("user", row.user),
            row.mfa,
            key(row.keys.0),
            key(row.keys.1),
        ));
    }
    out
}

/// `organization/`: account `A` alone under the root, `FullAWSAccess` on both, and each of
/// `scps` on the account.
fn write_organization(dir: &Path, scps: &[Value]) {
    let org = "o-exampleorgid";
    let root = "r-ex12";
    let org_arn = |kind: &str, id: &str| format!("arn:aws:organizations::{MANAGEMENT}:{kind}/{org}/{id}");
    write_json(
        dir,
        "organization/describe-organization.json",
        &json!({"Organization": {
            "Id": org,
            "Arn": format!("arn:aws:organizations::{MANAGEMENT}:organization/{org}"),
            "FeatureSet": "ALL",
            "MasterAccountArn": org_arn("account", MANAGEMENT),
            "MasterAccountId": MANAGEMENT,
            "MasterAccountEmail": "management@example.com",
            "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]
        }}),
    );
    write_json(
        dir,
        "organization/roots.json",
        &json!({"Roots": [{
            "Id": root,
            "Arn": org_arn("root", root),
            "Name": "Root",
            "PolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]
        }]}),
    );
    write_json(dir, &format!("organization/children/{root}.ous.json"), &json!({"OrganizationalUnits": []}));
    write_json(
        dir,
        &format!("organization/children/{root}.accounts.json"),
        &json!({"Accounts": [{
            "Id": A,
            "Arn": org_arn("account", A),
            "Email": "workloads@example.com",
            "Name": "workloads",
            "Status": "ACTIVE",
            "State": "ACTIVE",
            "JoinedMethod": "CREATED",
            "JoinedTimestamp": "2024-01-02T03:04:05+00:00"
        }]}),
    );
    let full = document(&[allow(&["*"], "*")]);
    let mut listed: Vec<(String, String, &Value, bool)> =
        vec![("p-FullAWSAccess".to_owned(), "FullAWSAccess".to_owned(), &full, true)];
    listed.extend(
        scps.iter()
            .enumerate()
            .map(|(idx, doc)| (format!("p-examplescp{idx}"), format!("guardrail-{idx}"), doc, false)),
    );
    let summary = |id: &str, name: &str, aws_managed: bool| {
        json!({
            "Id": id,
            "Arn": format!("arn:aws:organizations::{MANAGEMENT}:policy/{org}/service_control_policy/{id}"),
            "Name": name,
            "Description": name,
            "Type": "SERVICE_CONTROL_POLICY",
            "AwsManaged": aws_managed
        })
    };
    let summaries: Vec<Value> = listed.iter().map(|(id, name, _, managed)| summary(id, name, *managed)).collect();
    write_json(dir, "organization/policies/service-control-policies.json", &json!({"Policies": summaries}));
    for (id, name, doc, aws_managed) in &listed {
        let content = serde_json::to_string_pretty(doc).expect("JSON");
        write_json(
            dir,
            &format!("organization/policies/{id}.json"),
            &json!({"Policy": {"PolicySummary": summary(id, name, *aws_managed), "Content": content}}),
        );
        // FullAWSAccess stays attached at every level, as AWS attaches it by default: SCPs
        // allow only what every level from the root to the account allows.
        // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
        let root_target = json!({"TargetId": root, "Arn": org_arn("root", root), "Name": "Root", "Type": "ROOT"});
        let account_target =
            json!({"TargetId": A, "Arn": org_arn("account", A), "Name": "workloads", "Type": "ACCOUNT"});
        let targets = match aws_managed {
            true => json!([root_target, account_target]),
            false => json!([account_target]),
        };
        write_json(dir, &format!("organization/policies/{id}.targets.json"), &json!({"Targets": targets}));
    }
}

/// The privilege-escalation finding for `principal`, if any.
fn escalation<'f>(findings: &'f [Finding], principal: &str) -> Option<&'f Finding> {
    findings
        .iter()
        .find(|f| f.kind == Kind::PrivilegeEscalation && f.principals.first().map(String::as_str) == Some(principal))
}

fn technique(id: &str) -> &'static Technique {
    TECHNIQUES.iter().find(|t| t.id == id).expect("a technique of TECHNIQUES")
}

/// What takes a case's step away (or, for `MfaCondition`, makes it conditional; for the near
/// misses, leaves it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Twist {
    /// An SCP on the account denies the action.
    Scp(&'static str),
    /// The attacker is under a boundary that allows only `s3:*`.
    Boundary,
    /// The attacker's own policy also denies the action.
    Deny(&'static str),
    /// Every grant is conditioned on a principal tag the attacker does not carry.
    TagCondition,
    /// Every grant is conditioned on MFA: the step holds only conditionally.
    MfaCondition,
    /// The grant on the technique's resource names another resource instead (for workloads,
    /// another account's).
    OtherResource,
    /// `iam:PassRole` only when passed to another service.
    PassedToOtherService,
    /// The attachment is allowed only for `iam:PolicyARN` ReadOnlyAccess.
    PolicyArnNotAdmin,
    /// The target role trusts another service (an assumed role: only a service).
    Untrusted,
    /// The EC2 role has no instance profile.
    NoInstanceProfile,
    /// The target user has an MFA device.
    UserHasMfa,
    /// The non-default policy version does not allow everything.
    NonAdminVersion,
    /// The group's policies do not allow everything.
    NonAdminGroup,
    /// A near miss, which leaves the step as it was: an SCP denies an unrelated action.
    UnrelatedScp,
    /// A near miss: the attacker is under a boundary that allows everything.
    OpenBoundary,
    /// A near miss: `iam:PassRole` only when passed to the technique's own service.
    PassedToItsService,
    /// A near miss: every grant is conditioned on a principal tag the attacker carries.
    TagConditionMet,
}

use Twist::*;

/// What a case expects for the attacker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A finding whose first step is the technique, to the case's `to`, unconditional.
    Allowed,
    /// The same, conditional.
    Conditional,
    /// No escalation finding.
    Absent,
}

/// One case: an environment with its attacker.
struct Case {
    env: Env,
    /// The attacker's ARN.
    attacker: String,
    /// Where the first step leads.
    to: String,
}

/// The role, user and group names cases use.
const ATTACKER: &str = "attacker";
const TARGET: &str = "target";
const WITNESS: &str = "witness";

/// An unrelated service, to trust or pass to instead of `service`.
fn other_service(service: &str) -> &'static str {
    match service {
        "lambda.amazonaws.com" => "ec2.amazonaws.com",
        _ => "lambda.amazonaws.com",
    }
}

/// The case for technique `t` with `twist`.
fn case(t: &Technique, twist: Option<Twist>) -> Case {
    // An administrator every twist leaves one: the witness that a case without an escalation
    // is not a case where nothing works.
    let mut env = Env::default().user(attach(user(WITNESS, &[]), ADMIN_POLICY));
    let mut attacker_is_role = false;
    let mut attacker_groups: Vec<&str> = Vec::new();
    let mut attacker_policies: Vec<String> = Vec::new();
    // The grants, the resource the key grant names, and another of its kind.
    let (mut grants, scoped, other, to): (Vec<Value>, String, String, String);
    let admin_role = |trusted: Value| attach(role(TARGET, trusted, &[]), ADMIN_POLICY);
    let admin_user = || attach(user(TARGET, &[]), ADMIN_POLICY);
    match t.kind {
        TechniqueKind::AssumeRole => {
            let trusted = match twist {
                Some(Untrusted) => trust_service("ec2.amazonaws.com"),
                _ => trust_account(),
            };
            env = env.role(admin_role(trusted));
            (scoped, other, to) = (arn("role", TARGET), arn("role", "other"), arn("role", TARGET));
            grants = vec![allow(&["sts:AssumeRole"], &scoped)];
        }
        TechniqueKind::UpdateTrust => {
            env = env.role(admin_role(trust_service("ssm.amazonaws.com")));
            (scoped, other, to) = (arn("role", TARGET), arn("role", "other"), arn("role", TARGET));
            grants = vec![allow(&["iam:UpdateAssumeRolePolicy"], &scoped)];
        }
        TechniqueKind::AccessKey => {
            env = env.user(admin_user());
            (scoped, other, to) = (arn("user", TARGET), arn("user", "other"), arn("user", TARGET));
            grants = vec![allow(&["iam:CreateAccessKey"], &scoped)];
        }
        TechniqueKind::LoginProfile { create } => {
            let mfa = twist == Some(UserHasMfa);
            env = env.user(admin_user()).credentials(Credentials {
                user: TARGET,
                password: !create,
                mfa,
                keys: (false, false),
            });
            (scoped, other, to) = (arn("user", TARGET), arn("user", "other"), arn("user", TARGET));
            let action = if create { "iam:CreateLoginProfile" } else { "iam:UpdateLoginProfile" };
            grants = vec![allow(&[action], &scoped)];
        }
        TechniqueKind::Modify { action } => {
            let (kind, name) = match action {
                "iam:PutUserPolicy" | "iam:AttachUserPolicy" => ("user", ATTACKER),
                "iam:PutRolePolicy" | "iam:AttachRolePolicy" => ("role", ATTACKER),
                "iam:PutGroupPolicy" | "iam:AttachGroupPolicy" => ("group", "devs"),
                "iam:CreatePolicyVersion" => ("policy", "dev-policy"),
                _ => unreachable!("no case for {action}"),
            };
            attacker_is_role = kind == "role";
            if kind == "group" {
                env = env.group(group("devs", &[allow(&["s3:GetObject"], "*")]));
                attacker_groups.push("devs");
            }
            if kind == "policy" {
                env = env.policy(managed("dev-policy", &[(&[allow(&["s3:GetObject"], "*")], true)]));
                attacker_policies.push(arn("policy", "dev-policy"));
            }
            (scoped, other, to) =
                (arn(kind, name), arn(kind, "other"), arn(if attacker_is_role { "role" } else { "user" }, ATTACKER));
            grants = vec![allow(&[action], &scoped)];
        }
        TechniqueKind::SetDefaultVersion => {
            let older: &[Value] = match twist {
                Some(NonAdminVersion) => &[allow(&["s3:*", "ec2:*"], "*")],
                _ => &[allow(&["*"], "*")],
            };
            env = env.policy(managed("dev-policy", &[(&[allow(&["s3:GetObject"], "*")], true), (older, false)]));
            attacker_policies.push(arn("policy", "dev-policy"));
            (scoped, other, to) = (arn("policy", "dev-policy"), arn("policy", "other"), arn("user", ATTACKER));
            grants = vec![allow(&["iam:SetDefaultPolicyVersion"], &scoped)];
        }
        TechniqueKind::AddUserToGroup => {
            let admins = match twist {
                Some(NonAdminGroup) => group("admins", &[allow(&["s3:*", "ec2:*"], "*")]),
                _ => attach(group("admins", &[]), ADMIN_POLICY),
            };
            env = env.group(admins);
            (scoped, other, to) = (arn("group", "admins"), arn("group", "other"), arn("user", ATTACKER));
            grants = vec![allow(&["iam:AddUserToGroup"], &scoped)];
        }
        TechniqueKind::PassRole { service, actions, instance_profile } => {
            let trusted = match twist {
                Some(Untrusted) => other_service(service),
                _ => service,
            };
            let mut target = admin_role(trust_service(trusted));
            if instance_profile && twist != Some(NoInstanceProfile) {
                target = with_profile(target);
            }
            env = env.role(target);
            (scoped, other, to) = (arn("role", TARGET), arn("role", "other"), arn("role", TARGET));
            let mut pass = allow(&["iam:PassRole"], &scoped);
            match twist {
                Some(PassedToOtherService) => {
                    pass["Condition"] = json!({"StringEquals": {"iam:PassedToService": other_service(service)}});
                }
                Some(PassedToItsService) => {
                    pass["Condition"] = json!({"StringEquals": {"iam:PassedToService": service}})
                }
                _ => {}
            }
            grants = vec![pass, allow(actions, "*")];
        }
        TechniqueKind::Workload { service, actions, instance_profile, .. } => {
            let trusted = match twist {
                Some(Untrusted) => other_service(service),
                _ => service,
            };
            let mut target = admin_role(trust_service(trusted));
            if instance_profile && twist != Some(NoInstanceProfile) {
                target = with_profile(target);
            }
            env = env.role(target);
            (scoped, other, to) = ("*".to_owned(), format!("arn:aws:*:*:{OTHER_ACCOUNT}:*"), arn("role", TARGET));
            grants = vec![allow(actions, "*")];
        }
        TechniqueKind::EditPermissionSet | TechniqueKind::AssignPermissionSet => {
            unreachable!("{}: tested apart (TESTED_APART), its fixture needs Identity Center", t.id)
        }
    }
    // The twists on the attacker's grants, boundary and guardrails.
    match twist {
        Some(Scp(action)) => env = env.scp(&[deny(&[action], "*")]),
        Some(Deny(action)) => grants.push(deny(&[action], "*")),
        Some(UnrelatedScp) => env = env.scp(&[deny(&["s3:DeleteBucket"], "*")]),
        Some(TagCondition | TagConditionMet) => {
            condition_all(&mut grants, json!({"StringEquals": {"aws:PrincipalTag/team": "platform"}}))
        }
        Some(MfaCondition) => condition_all(&mut grants, json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
        Some(PolicyArnNotAdmin) => condition_all(
            &mut grants,
            json!({"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}),
        ),
        Some(OtherResource) => {
            for g in &mut grants {
                if g["Resource"] == json!(scoped) {
                    g["Resource"] = json!(other);
                }
            }
        }
        _ => {}
    }
    let mut attacker = match attacker_is_role {
        true => role(ATTACKER, trust_account(), &grants),
        false => user(ATTACKER, &grants),
    };
    for g in attacker_groups {
        attacker = member(attacker, g);
    }
    for p in &attacker_policies {
        attacker = attach(attacker, p);
    }
    match twist {
        Some(Boundary) => {
            env = env.policy(managed("boundary", &[(&[allow(&["s3:*"], "*")], true)]));
            attacker = bounded(attacker, &arn("policy", "boundary"));
        }
        Some(OpenBoundary) => {
            env = env.policy(managed("boundary", &[(&[allow(&["*"], "*")], true)]));
            attacker = bounded(attacker, &arn("policy", "boundary"));
        }
        Some(TagConditionMet) => attacker["Tags"] = json!([{"Key": "team", "Value": "platform"}]),
        _ => {}
    }
    let attacker_arn = attacker["Arn"].as_str().unwrap_or_default().to_owned();
    env = match attacker_is_role {
        true => env.role(attacker),
        false => env.user(attacker),
    };
    Case { env, attacker: attacker_arn, to }
}

/// Every `Allow` statement of `grants` with `condition`.
fn condition_all(grants: &mut [Value], condition: Value) {
    for g in grants.iter_mut().filter(|g| g["Effect"] == "Allow") {
        g["Condition"] = condition.clone();
    }
}

fn is_workload(t: &Technique) -> bool {
    matches!(t.kind, TechniqueKind::Workload { .. })
}

/// What `twist` leaves of technique `t`'s step.
fn expected(t: &Technique, twist: Option<Twist>) -> Expect {
    match twist {
        None | Some(UnrelatedScp | OpenBoundary | PassedToItsService | TagConditionMet) if is_workload(t) => {
            Expect::Conditional
        }
        None | Some(UnrelatedScp | OpenBoundary | PassedToItsService | TagConditionMet) => Expect::Allowed,
        Some(MfaCondition) => Expect::Conditional,
        Some(_) => Expect::Absent,
    }
}

/// How the finding for `case`'s attacker among `findings` differs from `expect`, if it does.
fn compare(t: &Technique, twist: Option<Twist>, case: &Case, findings: &[Finding], expect: Expect) -> Option<String> {
    let label = format!("{} with {twist:?}", t.id);
    let found = escalation(findings, &case.attacker);
    let summary = |f: &Finding| {
        let steps: Vec<String> =
            f.path.iter().map(|s| format!("{} -> {} by {} ({})", s.from, s.to, s.technique, s.reach.access)).collect();
        format!("{} [{}] {:?}", f.reach.access, steps.join("; "), f.reach.conditions)
    };
    match (expect, found) {
        (Expect::Absent, None) => None,
        (Expect::Absent, Some(f)) => Some(format!("{label}: expected no escalation, found {}", summary(f))),
        (_, None) => Some(format!("{label}: expected an escalation of {}, found none", case.attacker)),
        (_, Some(f)) => {
            let first = f.path.first()?;
            let access = match expect {
                Expect::Allowed => "allowed",
                _ => "conditional",
            };
            let ok = first.technique == t.id
                && first.from == case.attacker
                && first.to == case.to
                && first.reach.access == access
                && f.reach.access == access;
            let workload_condition =
                !is_workload(t) || first.reach.conditions.iter().any(|c| c.contains("workloads not collected"));
            match ok && workload_condition {
                true => None,
                false => Some(format!(
                    "{label}: expected {} -> {} by {} ({access}), found {}",
                    case.attacker,
                    case.to,
                    t.id,
                    summary(f)
                )),
            }
        }
    }
}

/// The positive case of technique `id` and each of `twists`, every failure listed.
fn check(id: &str, twists: &[Twist]) {
    let t = technique(id);
    let mut failures = Vec::new();
    for twist in std::iter::once(None).chain(twists.iter().copied().map(Some)) {
        let case = case(t, twist);
        let findings = case.env.scan();
        let mut admins = vec![arn("user", WITNESS)];
        admins.extend(Some(case.to.clone()).filter(|to| *to != case.attacker));
        for admin in admins {
            if !findings.iter().any(|f| f.kind == Kind::AdminEquivalent && f.principals == [admin.clone()]) {
                failures.push(format!("{id} with {twist:?}: {admin} is not found an administrator"));
            }
        }
        if let Some(failure) = compare(t, twist, &case, &findings, expected(t, twist)) {
            failures.push(failure);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// One test per technique: its positive case, then each neutralized (or conditional) case.
macro_rules! techniques {
    ($($name:ident: $id:literal => [$($twist:expr),* $(,)?];)*) => {
        $(
            #[test]
            fn $name() {
                check($id, &[$($twist),*]);
            }
        )*
        /// The techniques tested above.
        const TESTED: &[&str] = &[$($id),*];
    };
}

techniques! {
    assume_role: "aws-assume-role" => [Scp("sts:AssumeRole"), Untrusted, Boundary, MfaCondition, UnrelatedScp];
    update_assume_role_policy: "aws-update-assume-role-policy" => [OtherResource, Deny("iam:UpdateAssumeRolePolicy")];
    create_access_key: "aws-create-access-key" => [Deny("iam:CreateAccessKey"), TagCondition, MfaCondition, TagConditionMet];
    create_login_profile: "aws-create-login-profile" => [UserHasMfa, Boundary, OtherResource];
    update_login_profile: "aws-update-login-profile" => [UserHasMfa, TagCondition];
    put_user_policy: "aws-put-user-policy" => [OtherResource, Boundary, MfaCondition, OpenBoundary];
    attach_user_policy: "aws-attach-user-policy" => [PolicyArnNotAdmin, Deny("iam:AttachUserPolicy")];
    put_role_policy: "aws-put-role-policy" => [Boundary, OtherResource, OpenBoundary];
    attach_role_policy: "aws-attach-role-policy" => [PolicyArnNotAdmin, Scp("iam:AttachRolePolicy"), UnrelatedScp];
    put_group_policy: "aws-put-group-policy" => [Scp("iam:PutGroupPolicy"), OtherResource];
    attach_group_policy: "aws-attach-group-policy" => [PolicyArnNotAdmin, Boundary];
    create_policy_version: "aws-create-policy-version" => [OtherResource, Deny("iam:CreatePolicyVersion"), TagCondition];
    set_default_policy_version: "aws-set-default-policy-version" => [NonAdminVersion, OtherResource];
    add_user_to_group: "aws-add-user-to-group" => [NonAdminGroup, OtherResource, Deny("iam:AddUserToGroup")];
    passrole_lambda_invoke: "aws-passrole-lambda-invoke" => [PassedToOtherService, Untrusted, Scp("lambda:CreateFunction"), PassedToItsService];
    passrole_lambda_event_source: "aws-passrole-lambda-event-source" => [PassedToOtherService, Boundary];
    passrole_lambda_add_permission: "aws-passrole-lambda-add-permission" => [OtherResource, Deny("lambda:AddPermission")];
    passrole_ec2: "aws-passrole-ec2" => [NoInstanceProfile, PassedToOtherService, Untrusted, MfaCondition, PassedToItsService];
    passrole_ec2_spot: "aws-passrole-ec2-spot" => [NoInstanceProfile, TagCondition];
    passrole_cloudformation: "aws-passrole-cloudformation" => [Untrusted, Scp("iam:PassRole"), UnrelatedScp];
    passrole_cloudformation_stackset: "aws-passrole-cloudformation-stackset" => [PassedToOtherService, Deny("cloudformation:CreateStackInstances")];
    passrole_cloudformation_update_stackset: "aws-passrole-cloudformation-update-stackset" => [OtherResource, Boundary];
    passrole_cloudformation_changeset: "aws-passrole-cloudformation-changeset" => [Untrusted, TagCondition];
    // Passing the role elsewhere leaves StartBuild on existing projects: see
    // `blocking_pass_role_leaves_changing_existing_compute`.
    passrole_codebuild: "aws-passrole-codebuild" => [Untrusted, Deny("codebuild:StartBuild"), OpenBoundary];
    passrole_codebuild_batch: "aws-passrole-codebuild-batch" => [PassedToOtherService, Untrusted, Boundary];
    passrole_datapipeline: "aws-passrole-datapipeline" => [OtherResource, Deny("datapipeline:ActivatePipeline")];
    passrole_glue_dev_endpoint: "aws-passrole-glue-dev-endpoint" => [PassedToOtherService, Scp("glue:CreateDevEndpoint")];
    passrole_glue_job: "aws-passrole-glue-job" => [Untrusted, TagCondition, TagConditionMet];
    passrole_glue_job_trigger: "aws-passrole-glue-job-trigger" => [OtherResource, Deny("glue:CreateTrigger")];
    passrole_glue_update_job: "aws-passrole-glue-update-job" => [PassedToOtherService, Boundary];
    passrole_glue_update_job_trigger: "aws-passrole-glue-update-job-trigger" => [Untrusted, Deny("glue:UpdateJob")];
    passrole_sagemaker_notebook: "aws-passrole-sagemaker-notebook" => [PassedToOtherService, OtherResource];
    passrole_sagemaker_training: "aws-passrole-sagemaker-training" => [Untrusted, Boundary];
    passrole_sagemaker_processing: "aws-passrole-sagemaker-processing" => [TagCondition, Deny("sagemaker:CreateProcessingJob")];
    passrole_ecs_service: "aws-passrole-ecs-service" => [PassedToOtherService, Untrusted, PassedToItsService];
    passrole_ecs_run_task: "aws-passrole-ecs-run-task" => [OtherResource, Scp("ecs:RunTask")];
    passrole_ecs_start_task: "aws-passrole-ecs-start-task" => [Boundary, Deny("ecs:RegisterTaskDefinition")];
    passrole_apprunner: "aws-passrole-apprunner" => [PassedToOtherService, Untrusted];
    // Passing the role elsewhere leaves invoking existing code interpreters (conditional on
    // one running as the role): denying the invocation stops both.
    passrole_bedrock_code_interpreter: "aws-passrole-bedrock-code-interpreter" => [Deny("bedrock-agentcore:InvokeCodeInterpreter"), TagCondition, PassedToItsService];
    passrole_step_functions: "aws-passrole-step-functions" => [PassedToOtherService, Deny("states:StartExecution")];
    lambda_update_code: "aws-lambda-update-code" => [Untrusted, Scp("lambda:UpdateFunctionCode"), UnrelatedScp];
    ssm_send_command: "aws-ssm-send-command" => [NoInstanceProfile, Boundary];
    ssm_start_session: "aws-ssm-start-session" => [NoInstanceProfile, Deny("ssm:StartSession")];
    ec2_instance_connect: "aws-ec2-instance-connect" => [Untrusted, TagCondition];
    ec2_user_data: "aws-ec2-user-data" => [NoInstanceProfile, Deny("ec2:StopInstances")];
    codebuild_start_build: "aws-codebuild-start-build" => [OtherResource, Boundary];
    cloudformation_update_stack: "aws-cloudformation-update-stack" => [Untrusted, Deny("cloudformation:UpdateStack")];
    cloudformation_change_set: "aws-cloudformation-change-set" => [Untrusted, Deny("cloudformation:ExecuteChangeSet"), Boundary];
    glue_update_dev_endpoint: "aws-glue-update-dev-endpoint" => [TagCondition, Scp("glue:UpdateDevEndpoint"), TagConditionMet];
    sagemaker_presigned_notebook_url: "aws-sagemaker-presigned-notebook-url" => [Untrusted, OtherResource];
    apprunner_update_service: "aws-apprunner-update-service" => [Boundary, Deny("apprunner:UpdateService"), OpenBoundary];
    ecs_execute_command: "aws-ecs-execute-command" => [Untrusted, TagCondition];
    ec2_launch_template: "aws-ec2-launch-template" => [NoInstanceProfile, Deny("ec2:ModifyLaunchTemplate")];
    bedrock_code_interpreter: "aws-bedrock-code-interpreter" => [Untrusted, Boundary];
    sagemaker_lifecycle_config: "aws-sagemaker-lifecycle-config" => [OtherResource, Deny("sagemaker:StartNotebookInstance")];
}

/// Techniques tested by their own tests below (their fixtures need Identity Center).
const TESTED_APART: &[&str] = &["aws-sso-edit-permission-set", "aws-sso-assign-permission-set"];

#[test]
fn every_technique_is_tested() {
    let tested: BTreeSet<&str> = TESTED.iter().chain(TESTED_APART).copied().collect();
    let all: BTreeSet<&str> = TECHNIQUES.iter().map(|t| t.id).collect();
    assert_eq!(tested, all, "each technique of TECHNIQUES has its test above, and only those");
}

/// The escalation finding of `principal`, which must exist.
fn escalation_of<'f>(findings: &'f [Finding], principal: &str) -> &'f Finding {
    let found = escalation(findings, principal);
    assert!(found.is_some(), "an escalation finding for {principal}: {findings:#?}");
    found.expect("checked above")
}

/// The admin user `TARGET`, `ATTACKER` with `grants`, and `TARGET`'s credential report row
/// with `keys` active.
fn keys_case(grants: &[Value], keys: (bool, bool)) -> Env {
    Env::default().user(attach(user(TARGET, &[]), ADMIN_POLICY)).user(user(ATTACKER, grants)).credentials(Credentials {
        user: TARGET,
        password: false,
        mfa: true,
        keys,
    })
}

#[test]
fn a_user_with_two_active_keys_needs_one_deleted_first() {
    let target = arn("user", TARGET);
    let attacker = arn("user", ATTACKER);
    let create = allow(&["iam:CreateAccessKey"], &target);
    let delete = allow(&["iam:DeleteAccessKey"], &target);
    // One key: creating the second is enough.
    let findings = keys_case(std::slice::from_ref(&create), (true, false)).scan();
    let first = &escalation_of(&findings, &attacker).path[0];
    assert_eq!((first.technique.as_str(), first.to.as_str()), ("aws-create-access-key", target.as_str()));
    assert_eq!(first.permissions.len(), 1, "{:?}", first.permissions);
    // Two keys (AWS allows two per user): creating one needs deleting one.
    let findings = keys_case(std::slice::from_ref(&create), (true, true)).scan();
    assert!(escalation(&findings, &attacker).is_none(), "{findings:#?}");
    let findings = keys_case(&[create, delete], (true, true)).scan();
    let first = &escalation_of(&findings, &attacker).path[0];
    assert_eq!((first.technique.as_str(), first.reach.access.as_str()), ("aws-create-access-key", "allowed"));
    assert!(first.permissions.iter().any(|p| p.starts_with("iam:DeleteAccessKey on ")), "{:?}", first.permissions);
}

#[test]
fn a_login_profile_without_a_credential_report_is_conditional() {
    for action in ["iam:CreateLoginProfile", "iam:UpdateLoginProfile"] {
        let env =
            Env::default().user(attach(user(TARGET, &[]), ADMIN_POLICY)).user(user(ATTACKER, &[allow(&[action], "*")]));
        let findings = env.scan();
        let finding = escalation_of(&findings, &arn("user", ATTACKER));
        assert_eq!(finding.reach.access, "conditional", "{action}");
        assert!(
            finding.reach.conditions.iter().any(|c| c.contains("credential report not collected")),
            "{action}: {:?}",
            finding.reach.conditions
        );
    }
}

#[test]
fn a_console_password_is_set_only_where_the_user_has_none_and_reset_only_where_it_has_one() {
    let attacker = arn("user", ATTACKER);
    for (action, password, escalates) in [
        ("iam:CreateLoginProfile", false, true),
        ("iam:CreateLoginProfile", true, false),
        ("iam:UpdateLoginProfile", true, true),
        ("iam:UpdateLoginProfile", false, false),
    ] {
        let findings = Env::default()
            .user(attach(user(TARGET, &[]), ADMIN_POLICY))
            .user(user(ATTACKER, &[allow(&[action], &arn("user", TARGET))]))
            .credentials(Credentials { user: TARGET, password, mfa: false, keys: (false, false) })
            .scan();
        assert_eq!(escalation(&findings, &attacker).is_some(), escalates, "{action} with password {password}");
    }
}

#[test]
fn a_boundary_the_attacker_can_remove_is_removed_first() {
    let attacker = arn("user", ATTACKER);
    let boundary = managed("boundary", &[(&[allow(&["iam:*", "s3:*"], "*")], true)]);
    let env = |grants: &[Value]| {
        Env::default().policy(boundary.clone()).user(bounded(user(ATTACKER, grants), &arn("policy", "boundary")))
    };
    let put = allow(&["iam:PutUserPolicy"], &attacker);
    let findings = env(&[put.clone(), allow(&["iam:DeleteUserPermissionsBoundary"], &attacker)]).scan();
    let first = &escalation_of(&findings, &attacker).path[0];
    assert_eq!((first.technique.as_str(), first.to.as_str()), ("aws-put-user-policy", attacker.as_str()));
    assert!(first.permissions.iter().any(|p| p.starts_with("iam:DeleteUserPermissionsBoundary on ")), "{first:?}");
    // The boundary allows `iam:*`, so after writing a policy allowing everything the attacker
    // may remove the boundary itself (two calls).
    let findings = env(&[put]).scan();
    let first = &escalation_of(&findings, &attacker).path[0];
    assert_eq!(first.technique, "aws-put-user-policy");
    assert!(first.permissions.iter().any(|p| p.starts_with("iam:DeleteUserPermissionsBoundary on ")), "{first:?}");
    // A boundary without IAM writes stays.
    let narrow = managed("boundary", &[(&[allow(&["s3:*"], "*")], true)]);
    let findings = Env::default()
        .policy(narrow)
        .user(bounded(user(ATTACKER, &[allow(&["iam:PutUserPolicy"], &attacker)]), &arn("policy", "boundary")))
        .scan();
    assert!(escalation(&findings, &attacker).is_none(), "{findings:#?}");
}

#[test]
fn a_role_one_can_assume_and_change_is_a_two_step_path() {
    let attacker = arn("user", ATTACKER);
    let dev = arn("role", "dev");
    let findings = Env::default()
        .role(role("dev", trust_account(), &[allow(&["s3:GetObject"], "*")]))
        .user(user(ATTACKER, &[allow(&["sts:AssumeRole"], &dev), allow(&["iam:AttachRolePolicy"], &dev)]))
        .scan();
    let path = &escalation_of(&findings, &attacker).path;
    let steps: Vec<(&str, &str, &str)> =
        path.iter().map(|s| (s.technique.as_str(), s.from.as_str(), s.to.as_str())).collect();
    assert_eq!(
        steps,
        [
            ("aws-attach-role-policy", attacker.as_str(), dev.as_str()),
            ("aws-assume-role", attacker.as_str(), dev.as_str())
        ]
    );
}

#[test]
fn assuming_a_role_then_passing_an_administrator_to_lambda_is_a_two_hop_path() {
    let attacker = arn("user", ATTACKER);
    let deployer = arn("role", "deployer");
    let target = arn("role", TARGET);
    let findings = Env::default()
        .role(attach(role(TARGET, trust_service("lambda.amazonaws.com"), &[]), ADMIN_POLICY))
        .role(role(
            "deployer",
            trust_account(),
            &[allow(&["iam:PassRole"], &target), allow(&["lambda:CreateFunction", "lambda:InvokeFunction"], "*")],
        ))
        .user(user(ATTACKER, &[allow(&["sts:AssumeRole"], &deployer)]))
        .scan();
    let steps = |principal: &str| -> Vec<(String, String, String, String)> {
        escalation_of(&findings, principal)
            .path
            .iter()
            .map(|s| (s.technique.clone(), s.from.clone(), s.to.clone(), s.reach.access.clone()))
            .collect()
    };
    let pass = ("aws-passrole-lambda-invoke".to_owned(), deployer.clone(), target.clone(), "allowed".to_owned());
    assert_eq!(
        steps(&attacker),
        [("aws-assume-role".to_owned(), attacker.clone(), deployer.clone(), "allowed".to_owned()), pass.clone()]
    );
    assert_eq!(steps(&deployer), [pass]);
    let finding = escalation_of(&findings, &attacker);
    assert_eq!((finding.reach.access.as_str(), finding.severity), ("allowed", remit_findings::Severity::High));
}

#[test]
fn administrators_are_admin_equivalent_and_never_escalate() {
    let findings = Env::default()
        .user(attach(user("boss", &[]), ADMIN_POLICY))
        .role(attach(role(TARGET, trust_account(), &[]), ADMIN_POLICY))
        .user(user(ATTACKER, &[allow(&["sts:AssumeRole"], &arn("role", TARGET))]))
        .scan();
    for admin in [arn("user", "boss"), arn("role", TARGET)] {
        assert!(
            findings.iter().any(|f| f.kind == Kind::AdminEquivalent && f.principals == [admin.clone()]),
            "{admin} is admin-equivalent: {findings:#?}"
        );
        assert!(escalation(&findings, &admin).is_none(), "{admin} needs no escalation");
    }
    // The one who is not: an escalation, and not admin-equivalent.
    let attacker = arn("user", ATTACKER);
    assert!(escalation(&findings, &attacker).is_some());
    assert!(!findings.iter().any(|f| f.kind == Kind::AdminEquivalent && f.principals.contains(&attacker)));
    // The ceiling probe is never named.
    assert!(!findings.iter().flat_map(|f| &f.principals).any(|p| remit_aws_risk::admin::is_probe(p)));
}

#[test]
fn blocking_pass_role_leaves_changing_existing_compute() {
    // The PassRole path is gone, but codebuild:StartBuild on a project already running as
    // the role (with a buildspec override) remains, conditional on such a project.
    let t = technique("aws-passrole-codebuild");
    let case = case(t, Some(PassedToOtherService));
    let findings = case.env.scan();
    let first = &escalation_of(&findings, &case.attacker).path[0];
    assert_eq!(
        (first.technique.as_str(), first.to.as_str(), first.reach.access.as_str()),
        ("aws-codebuild-start-build", case.to.as_str(), "conditional")
    );
}

#[test]
fn policy_versions_count_through_groups_too() {
    let attacker = arn("user", ATTACKER);
    let policy = arn("policy", "team-policy");
    let findings = Env::default()
        .policy(managed("team-policy", &[(&[allow(&["s3:GetObject"], "*")], true), (&[allow(&["*"], "*")], false)]))
        .group(attach(group("devs", &[]), &policy))
        .user(member(user(ATTACKER, &[allow(&["iam:SetDefaultPolicyVersion"], &policy)]), "devs"))
        .scan();
    let first = &escalation_of(&findings, &attacker).path[0];
    assert_eq!((first.technique.as_str(), first.to.as_str()), ("aws-set-default-policy-version", attacker.as_str()));
}

#[test]
fn rewriting_a_trust_policy_needs_assuming_the_role_afterwards() {
    // An SCP that denies sts:AssumeRole (or the attacker's own explicit deny) stops the
    // second half of the technique: the attacker may rewrite the trust policy, but never use
    // it. The assumption is decided under the trust the attacker would write.
    // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
    for twist in [Scp("sts:AssumeRole"), Deny("sts:AssumeRole")] {
        let case = case(technique("aws-update-assume-role-policy"), Some(twist));
        let findings = case.env.scan();
        assert!(escalation(&findings, &case.attacker).is_none(), "{twist:?}: {findings:#?}");
    }
    // Without them, the step names both permissions.
    let case = case(technique("aws-update-assume-role-policy"), None);
    let findings = case.env.scan();
    let first = &escalation_of(&findings, &case.attacker).path[0];
    assert_eq!(first.technique, "aws-update-assume-role-policy");
    assert_eq!(first.permissions.len(), 2, "{:?}", first.permissions);
}

/// `ATTACKER` holding `dev-policy` of `versions` versions (the default first), with `grants`.
fn versions_case(versions: usize, grants: &[Value]) -> Env {
    let limited = [allow(&["s3:GetObject"], "*")];
    let list: Vec<(&[Value], bool)> = (0..versions).map(|idx| (&limited[..], idx == 0)).collect();
    Env::default()
        .policy(managed("dev-policy", &list))
        .user(attach(user(ATTACKER, grants), &arn("policy", "dev-policy")))
}

#[test]
fn a_policy_with_five_versions_needs_one_deleted_first() {
    // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicyVersion.html
    let attacker = arn("user", ATTACKER);
    let policy = arn("policy", "dev-policy");
    let create = allow(&["iam:CreatePolicyVersion"], &policy);
    let findings = versions_case(4, std::slice::from_ref(&create)).scan();
    assert_eq!(escalation_of(&findings, &attacker).path[0].technique, "aws-create-policy-version");
    let findings = versions_case(5, std::slice::from_ref(&create)).scan();
    assert!(escalation(&findings, &attacker).is_none(), "{findings:#?}");
    let findings = versions_case(5, &[create, allow(&["iam:DeletePolicyVersion"], &policy)]).scan();
    let first = &escalation_of(&findings, &attacker).path[0];
    assert_eq!((first.technique.as_str(), first.reach.access.as_str()), ("aws-create-policy-version", "allowed"));
    assert!(first.permissions.iter().any(|p| p.starts_with("iam:DeletePolicyVersion on ")), "{:?}", first.permissions);
}

#[test]
fn attaching_a_customer_policy_that_allows_everything() {
    // The attachment is allowed only for the account's own policies, one of which allows
    // everything: each of them is tried, not only AdministratorAccess.
    let attacker = arn("user", ATTACKER);
    let findings = Env::default()
        .policy(managed("everything", &[(&[allow(&["*"], "*")], true)]))
        .user(user(
            ATTACKER,
            &[json!({"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": attacker,
                     "Condition": {"ArnLike": {"iam:PolicyARN": format!("arn:aws:iam::{A}:policy/*")}}})],
        ))
        .scan();
    let first = &escalation_of(&findings, &attacker).path[0];
    assert_eq!(first.technique, "aws-attach-user-policy");
    assert!(first.permissions[0].contains(&arn("policy", "everything")), "{first:?}");
}

#[test]
fn joining_a_group_that_grants_iam_writes() {
    // A group allowing `iam:*` makes its members IAM administrators (they can attach
    // AdministratorAccess to themselves), so joining it is an escalation.
    let attacker = arn("user", ATTACKER);
    let findings = Env::default()
        .group(group("iam-admins", &[allow(&["iam:*"], "*")]))
        .user(user(ATTACKER, &[allow(&["iam:AddUserToGroup"], &arn("group", "iam-admins"))]))
        .scan();
    assert_eq!(escalation_of(&findings, &attacker).path[0].technique, "aws-add-user-to-group");
}

#[test]
fn passing_a_role_to_app_runner_as_aws_managed_policies_allow_it() {
    // AWSAppRunnerFullAccess allows iam:PassRole when `iam:PassedToService` is
    // `apprunner.amazonaws.com`, while instance roles trust `tasks.apprunner.amazonaws.com`.
    // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSAppRunnerFullAccess.html
    // The pass is decided with the service App Runner names when it is passed a role.
    let target = arn("role", TARGET);
    let findings = Env::default()
        .role(attach(role(TARGET, trust_service("tasks.apprunner.amazonaws.com"), &[]), ADMIN_POLICY))
        .user(user(
            ATTACKER,
            &[
                json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
                       "Condition": {"StringLike": {"iam:PassedToService": "apprunner.amazonaws.com"}}}),
                allow(&["apprunner:CreateService"], "*"),
            ],
        ))
        .scan();
    let found = escalation_of(&findings, &arn("user", ATTACKER));
    assert_eq!(found.path[0].technique, "aws-passrole-apprunner");
    assert_eq!(found.path[0].to, target);
    assert!(found.reach.is_allowed(), "{found:#?}");
}

#[test]
fn editing_ones_own_permission_set_is_an_escalation() {
    // An Identity Center user signed in as `Operators` (in the instance's account) may change
    // that permission set and provision it: its own role then allows everything.
    let ops = sso_role_arn("Operators");
    let ps = permission_set_arn("Operators");
    let grants = |edit: &[&str]| {
        let mut g = vec![allow(&["s3:GetObject"], "*")];
        if !edit.is_empty() {
            g.push(allow(edit, &ps));
        }
        Env::default().permission_set("Operators").role(sso_role("Operators", &g))
    };
    let findings = grants(&["sso:PutInlinePolicyToPermissionSet", "sso:ProvisionPermissionSet"]).scan();
    let first = &escalation_of(&findings, &ops).path[0];
    assert_eq!((first.technique.as_str(), first.to.as_str()), ("aws-sso-edit-permission-set", ops.as_str()));
    assert!(first.permissions.iter().any(|p| p == &format!("sso:ProvisionPermissionSet on {ps}")), "{first:?}");
    // Without provisioning the change never reaches the role.
    let findings = grants(&["sso:PutInlinePolicyToPermissionSet"]).scan();
    assert!(escalation(&findings, &ops).is_none(), "{findings:#?}");
    // Another permission set's edits give nothing.
    let other = permission_set_arn("Auditors");
    let findings = Env::default()
        .permission_set("Operators")
        .permission_set("Auditors")
        .role(sso_role(
            "Operators",
            &[allow(&["sso:PutInlinePolicyToPermissionSet", "sso:ProvisionPermissionSet"], &other)],
        ))
        .scan();
    assert!(escalation(&findings, &ops).is_none(), "{findings:#?}");
}

#[test]
fn assigning_oneself_an_administrator_permission_set_is_an_escalation() {
    // An Identity Center user (signed in as `Helpdesk`) that may create account assignments
    // can give itself `Admins`, whose role allows everything, and sign in as it.
    let helpdesk = sso_role_arn("Helpdesk");
    let admins = sso_role_arn("Admins");
    let env = |grants: &[Value]| {
        Env::default()
            .permission_set("Helpdesk")
            .permission_set("Admins")
            .role(attach(sso_role("Admins", &[]), ADMIN_POLICY))
            .role(sso_role("Helpdesk", grants))
    };
    let assign = allow(&["sso:CreateAccountAssignment", "sso:ProvisionPermissionSet"], "*");
    let findings = env(std::slice::from_ref(&assign)).scan();
    let first = &escalation_of(&findings, &helpdesk).path[0];
    assert_eq!((first.technique.as_str(), first.to.as_str()), ("aws-sso-assign-permission-set", admins.as_str()));
    // A deny on assignments neutralizes it.
    let deny = json!({"Effect": "Deny", "Action": "sso:CreateAccountAssignment", "Resource": "*"});
    let findings = env(&[assign.clone(), deny]).scan();
    assert!(escalation(&findings, &helpdesk).is_none(), "{findings:#?}");
    // An IAM role that is not Identity Center's has no Identity Center user to assign.
    let findings = env(&[]).role(role("automation", trust_account(), std::slice::from_ref(&assign))).scan();
    assert!(escalation(&findings, &arn("role", "automation")).is_none(), "{findings:#?}");
}
