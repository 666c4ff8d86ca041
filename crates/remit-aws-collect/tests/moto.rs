//! End-to-end: a small organization is built in moto (a local AWS emulator, in server mode)
//! through the AWS SDK, collected with [`remit_aws_collect::collect`], and the bundle is checked:
//! its files and their CLI shapes, every policy in it parsed by `remit-aws-policy`, and access
//! questions about the organization answered from the collected policies.
//!
//! Environment:
//! - `REMIT_MOTO_SERVER`: the `moto_server` binary (`scripts/test.sh` installs it); else
//!   `moto_server` on `PATH`. Without either the test is skipped, except under `CI`, where it fails.
//! - `REMIT_KEEP_TEST_BUNDLE`: keep the collected bundles (their directory is printed).
//!
//! moto 5.2.5 quirks met here (each is tolerated by the assertions, not hidden by the collector):
//! - IAM Identity Center: every region has one instance from the start (no `CreateInstance`);
//!   `GetPermissionsBoundaryForPermissionSet` is not implemented (HTTP 500, a recorded error).
//! - IAM: `GetAccountAuthorizationDetails` is never paginated, and with
//!   `MOTO_IAM_LOAD_MANAGED_POLICIES=true` it lists every AWS-managed policy (real AWS lists only
//!   the attached ones, about 1,600 here: 10 MB per account); its entries of `Policies` lack
//!   `PolicyName` and `PolicyId` (real AWS sends both); the credential report is `STARTED` on the first `Generate` call and
//!   `COMPLETE` on the next.
//! - STS: `AssumeRole` works for any role ARN, existing or not, and the credentials it returns act
//!   in the role's account: that is how the member account is populated and collected.
//! - S3 needs path-style addressing on 127.0.0.1.
//! - IAM Identity Center permission-set ARNs read `arn:aws:sso:::instance/ssoins-.../ps-...`
//!   (AWS: `arn:aws:sso:::permissionSet/ssoins-.../ps-...`); the importer reports it.

mod support;

use std::{
    collections::BTreeSet,
    net::TcpListener,
    path::{Path, PathBuf},
    time::Duration,
};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::Credentials;
use remit_aws_collect::{
    COLLECTOR_POLICY, CollectConfig, CollectError, NoProgress, OrganizationStatus, RetryMode, StaticCredentials,
};
use remit_aws_policy::{Caller, Context, Decision, Policies, Policy, PolicyKind, PolicySet, Request};
use serde_json::{Value, json};
use support::start_moto;

const MANAGEMENT: &str = "123456789012";
const PARTNER: &str = "999988887777";
const ACCESS_KEY: &str = "AKIAREMITTESTKEY0001";
const SECRET_KEY: &str = "remit-test-secret-key-that-must-never-be-printed";
const SECRET_VALUE: &str = "remit-secret-value-that-must-never-be-collected";

/// A directory removed on drop (kept when `REMIT_KEEP_TEST_BUNDLE` is set, to look at).
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("REMIT_KEEP_TEST_BUNDLE").is_some() {
            eprintln!("kept {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn temp_dir(name: &str) -> TempDir {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("remit-collect-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    TempDir(dir)
}

async fn sdk(endpoint: &str, credentials: Credentials) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(credentials)
        .load()
        .await
}

fn s3_client(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(sdk).force_path_style(true).build())
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).map_err(|err| format!("{}: {err}", path.display())).expect("readable");
    assert!(text.ends_with("}\n"), "{}: the CLI ends its JSON with a newline", path.display());
    serde_json::from_str(&text).map_err(|err| format!("{}: {err}", path.display())).expect("JSON")
}

fn parse(value: &Value, kind: PolicyKind, what: &str) -> Policy {
    let value = match value {
        Value::String(text) => {
            serde_json::from_str(text).map_err(|err| format!("{what}: {err}")).expect("a JSON document")
        }
        other => other.clone(),
    };
    Policy::from_json(&value, kind)
        .map_err(|err| format!("{what} as {}: {err:?}", kind.as_str()))
        .expect("every collected policy parses")
}

fn decide(
    identity: &[Policy],
    scps: &[Vec<Policy>],
    resource: Option<&Policy>,
    caller: &str,
    action: &str,
    on: &str,
) -> Decision {
    let set = PolicySet::new(&Policies {
        identity: identity.to_vec(),
        scps: scps.to_vec(),
        resource: resource.cloned(),
        ..Policies::default()
    });
    let caller = Caller::parse(caller).expect("caller");
    // An S3 ARN does not name its account: the buckets asked about here are the management
    // account's.
    let owner = on.starts_with("arn:aws:s3:::").then_some(MANAGEMENT);
    set.decide(&Request::new(caller, action, on, owner, Context::from_pairs(&[])))
}

fn policy_doc(value: Value) -> String {
    serde_json::to_string(&value).expect("json")
}

/// What the test builds in moto and later looks for in the bundle.
struct World {
    member: String,
    ou: String,
    root: String,
    scp: String,
    key: String,
    permission_set: String,
    group: String,
    remote: Credentials,
}

async fn build_world(endpoint: &str) -> World {
    let management = sdk(endpoint, Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "test")).await;

    // The organization: root → OU "Workloads" → member account, an SCP on the OU.
    let organizations = aws_sdk_organizations::Client::new(&management);
    use aws_sdk_organizations::types::{OrganizationFeatureSet, PolicyType};
    organizations
        .create_organization()
        .feature_set(OrganizationFeatureSet::All)
        .send()
        .await
        .expect("create-organization");
    let roots = organizations.list_roots().send().await.expect("list-roots");
    let root = roots.roots().first().and_then(|r| r.id.clone()).expect("a root");
    organizations
        .enable_policy_type()
        .root_id(&root)
        .policy_type(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .expect("enable-policy-type");
    let ou = organizations
        .create_organizational_unit()
        .parent_id(&root)
        .name("Workloads")
        .send()
        .await
        .expect("create-organizational-unit")
        .organizational_unit
        .and_then(|u| u.id)
        .expect("ou id");
    let created = organizations
        .create_account()
        .email("member@example.com")
        .account_name("member")
        .send()
        .await
        .expect("create-account");
    let member = created.create_account_status.and_then(|s| s.account_id).expect("member account id");
    organizations
        .move_account()
        .account_id(&member)
        .source_parent_id(&root)
        .destination_parent_id(&ou)
        .send()
        .await
        .expect("move-account");
    let scp_content = policy_doc(json!({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "DenyLeave", "Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]
    }));
    let scp = organizations
        .create_policy()
        .name("DenyLeave")
        .description("members stay")
        .r#type(PolicyType::ServiceControlPolicy)
        .content(scp_content)
        .send()
        .await
        .expect("create-policy")
        .policy
        .and_then(|p| p.policy_summary)
        .and_then(|s| s.id)
        .expect("scp id");
    organizations.attach_policy().policy_id(&scp).target_id(&ou).send().await.expect("attach-policy");

    // IAM in the management account.
    let iam = aws_sdk_iam::Client::new(&management);
    iam.create_user().user_name("alice").send().await.expect("create-user");
    iam.put_user_policy()
        .user_name("alice")
        .policy_name("read-shared-data")
        .policy_document(policy_doc(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::remit-shared-data/*"}]
        })))
        .send()
        .await
        .expect("put-user-policy");
    iam.create_group().group_name("auditors").send().await.expect("create-group");
    iam.add_user_to_group().group_name("auditors").user_name("alice").send().await.expect("add-user-to-group");
    let managed = iam
        .create_policy()
        .policy_name("ListEverything")
        .policy_document(policy_doc(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["s3:List*", "iam:List*"], "Resource": "*"}]
        })))
        .send()
        .await
        .expect("create-policy")
        .policy
        .and_then(|p| p.arn)
        .expect("policy arn");
    iam.attach_group_policy().group_name("auditors").policy_arn(&managed).send().await.expect("attach-group-policy");
    iam.create_role()
        .role_name("PartnerAudit")
        .assume_role_policy_document(policy_doc(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{PARTNER}:root")}, "Action": "sts:AssumeRole"}]
        })))
        .send()
        .await
        .expect("create-role");
    iam.attach_role_policy()
        .role_name("PartnerAudit")
        .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
        .send()
        .await
        .expect("attach-role-policy (AWS-managed)");
    iam.put_role_policy()
        .role_name("PartnerAudit")
        .policy_name("no-secrets")
        .policy_document(policy_doc(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]
        })))
        .send()
        .await
        .expect("put-role-policy");

    // A role chain for the queries: erin may assume DataReader, which reads one bucket from
    // the office network only.
    iam.create_role()
        .role_name("DataReader")
        .assume_role_policy_document(policy_doc(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{MANAGEMENT}:root")}, "Action": "sts:AssumeRole"}]
        })))
        .send()
        .await
        .expect("create-role");
    iam.put_role_policy()
        .role_name("DataReader")
        .policy_name("office-reads")
        .policy_document(policy_doc(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::remit-no-policy/*",
                           "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]
        })))
        .send()
        .await
        .expect("put-role-policy");
    iam.create_user().user_name("erin").send().await.expect("create-user");
    iam.put_user_policy()
        .user_name("erin")
        .policy_name("become-reader")
        .policy_document(policy_doc(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": format!("arn:aws:iam::{MANAGEMENT}:role/DataReader")}]
        })))
        .send()
        .await
        .expect("put-user-policy");

    // Resources with resource-based policies.
    let s3 = s3_client(&management);
    s3.create_bucket().bucket("remit-shared-data").send().await.expect("create-bucket");
    s3.put_bucket_policy()
        .bucket("remit-shared-data")
        .policy(policy_doc(json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "PartnerReads",
                "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{PARTNER}:root")},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::remit-shared-data/*"
            }]
        })))
        .send()
        .await
        .expect("put-bucket-policy");
    s3.put_public_access_block()
        .bucket("remit-shared-data")
        .public_access_block_configuration(
            aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .expect("put-public-access-block");
    s3.create_bucket().bucket("remit-no-policy").send().await.expect("create-bucket");

    let kms = aws_sdk_kms::Client::new(&management);
    let key = kms
        .create_key()
        .description("orders")
        .send()
        .await
        .expect("create-key")
        .key_metadata
        .map(|k| k.key_id)
        .expect("key id");

    let sqs = aws_sdk_sqs::Client::new(&management);
    sqs.create_queue()
        .queue_name("orders")
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::Policy,
            policy_doc(json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": format!("arn:aws:sqs:us-east-1:{MANAGEMENT}:orders")
                }]
            })),
        )
        .send()
        .await
        .expect("create-queue");

    let sns = aws_sdk_sns::Client::new(&management);
    sns.create_topic().name("alerts").send().await.expect("create-topic");

    let secretsmanager = aws_sdk_secretsmanager::Client::new(&management);
    let secret = secretsmanager
        .create_secret()
        .name("prod/db/password")
        .secret_string(SECRET_VALUE)
        .send()
        .await
        .expect("create-secret");
    secretsmanager
        .put_resource_policy()
        .secret_id(secret.arn.clone().expect("secret arn"))
        .resource_policy(policy_doc(json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{MANAGEMENT}:role/PartnerAudit")},
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*"
            }]
        })))
        .send()
        .await
        .expect("put-resource-policy");

    // A Lambda function running as a role, invoked by SNS, with an environment variable that
    // must never reach the bundle. moto keeps the code as given: any bytes serve as its zip.
    let function_role = iam
        .create_role()
        .role_name("orders-handler-role")
        .path("/service-role/")
        .assume_role_policy_document(policy_doc(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
        })))
        .send()
        .await
        .expect("create-role")
        .role
        .map(|role| role.arn)
        .expect("role arn");
    let lambda = aws_sdk_lambda::Client::new(&management);
    use aws_sdk_lambda::types::{Environment, FunctionCode, Runtime};
    lambda
        .create_function()
        .function_name("orders-handler")
        .runtime(Runtime::Python312)
        .role(&function_role)
        .handler("app.handler")
        .code(FunctionCode::builder().zip_file(aws_sdk_lambda::primitives::Blob::new(b"PK\x05\x06".to_vec())).build())
        .environment(Environment::builder().variables("DB_PASSWORD", SECRET_VALUE).build())
        .send()
        .await
        .expect("create-function");
    lambda
        .add_permission()
        .function_name("orders-handler")
        .statement_id("sns-invoke")
        .action("lambda:InvokeFunction")
        .principal("sns.amazonaws.com")
        .source_arn(format!("arn:aws:sns:us-east-1:{MANAGEMENT}:alerts"))
        .send()
        .await
        .expect("add-permission");

    // IAM Identity Center: a permission set assigned to a group in the member account.
    let sso = aws_sdk_ssoadmin::Client::new(&management);
    let instance = sso.list_instances().send().await.expect("list-instances");
    let instance = instance.instances().first().cloned().expect("moto's instance");
    let instance_arn = instance.instance_arn.clone().expect("instance arn");
    let store = instance.identity_store_id.clone().expect("identity store");
    let identitystore = aws_sdk_identitystore::Client::new(&management);
    let user = identitystore
        .create_user()
        .identity_store_id(&store)
        .user_name("carol")
        .display_name("Carol")
        .name(aws_sdk_identitystore::types::Name::builder().given_name("Carol").family_name("Doe").build())
        .send()
        .await
        .expect("create-user")
        .user_id;
    let group = identitystore
        .create_group()
        .identity_store_id(&store)
        .display_name("Operators")
        .send()
        .await
        .expect("create-group")
        .group_id;
    identitystore
        .create_group_membership()
        .identity_store_id(&store)
        .group_id(&group)
        .member_id(aws_sdk_identitystore::types::MemberId::UserId(user))
        .send()
        .await
        .expect("create-group-membership");
    let permission_set_arn = sso
        .create_permission_set()
        .instance_arn(&instance_arn)
        .name("Operator")
        .session_duration("PT4H")
        .send()
        .await
        .expect("create-permission-set")
        .permission_set
        .and_then(|p| p.permission_set_arn)
        .expect("permission set arn");
    sso.put_inline_policy_to_permission_set()
        .instance_arn(&instance_arn)
        .permission_set_arn(&permission_set_arn)
        .inline_policy(policy_doc(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]
        })))
        .send()
        .await
        .expect("put-inline-policy-to-permission-set");
    sso.attach_managed_policy_to_permission_set()
        .instance_arn(&instance_arn)
        .permission_set_arn(&permission_set_arn)
        .managed_policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
        .send()
        .await
        .expect("attach-managed-policy-to-permission-set");
    sso.create_account_assignment()
        .instance_arn(&instance_arn)
        .permission_set_arn(&permission_set_arn)
        .target_id(&member)
        .target_type(aws_sdk_ssoadmin::types::TargetType::AwsAccount)
        .principal_type(aws_sdk_ssoadmin::types::PrincipalType::Group)
        .principal_id(&group)
        .send()
        .await
        .expect("create-account-assignment");
    let permission_set = permission_set_arn.rsplit('/').next().unwrap_or_default().to_owned();

    // The member account, entered as the collector will enter it.
    let sts = aws_sdk_sts::Client::new(&management);
    let assumed = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{member}:role/RemitCollector"))
        .role_session_name("setup")
        .send()
        .await
        .expect("assume-role into the member account");
    let c = assumed.credentials.expect("credentials");
    let member_sdk =
        sdk(endpoint, Credentials::new(c.access_key_id, c.secret_access_key, Some(c.session_token), None, "member"))
            .await;
    let member_iam = aws_sdk_iam::Client::new(&member_sdk);
    member_iam.create_user().user_name("bob").send().await.expect("create-user in member");
    member_iam
        .create_role()
        .role_name("DeployFromManagement")
        .assume_role_policy_document(policy_doc(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{MANAGEMENT}:root")}, "Action": "sts:AssumeRole"}]
        })))
        .send()
        .await
        .expect("create-role in member");
    let member_s3 = s3_client(&member_sdk);
    member_s3.create_bucket().bucket("member-artifacts").send().await.expect("create-bucket in member");
    member_s3
        .put_bucket_policy()
        .bucket("member-artifacts")
        .policy(policy_doc(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::member-artifacts/*",
                           "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]
        })))
        .send()
        .await
        .expect("put-bucket-policy in member");

    // An account outside any organization.
    let outside = sts
        .assume_role()
        .role_arn("arn:aws:iam::555566667777:role/RemitCollector")
        .role_session_name("setup")
        .send()
        .await
        .expect("assume-role into a standalone account");
    let c = outside.credentials.expect("credentials");
    let remote = Credentials::new(c.access_key_id, c.secret_access_key, Some(c.session_token), None, "standalone");
    let standalone = sdk(endpoint, remote.clone()).await;
    aws_sdk_iam::Client::new(&standalone).create_user().user_name("dave").send().await.expect("create-user standalone");

    World { member, ou, root, scp, key, permission_set, group, remote }
}

fn config(endpoint: &str, out: PathBuf) -> CollectConfig {
    let mut config = CollectConfig::new(out);
    config.region = Some("us-east-1".into());
    config.endpoint_url = Some(endpoint.to_owned());
    config.credentials = Some(StaticCredentials {
        access_key_id: ACCESS_KEY.into(),
        secret_access_key: SECRET_KEY.into(),
        session_token: None,
    });
    config.member_role_name = Some("RemitCollector".into());
    config.regions = vec!["us-east-1".into()];
    config.s3_force_path_style = true;
    config.retry_mode = RetryMode::Standard;
    config.max_attempts = 3;
    config.credential_report_wait = Duration::from_secs(30);
    config
}

/// Every file of the bundle, relative, sorted.
fn files(dir: &Path) -> BTreeSet<String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, out);
            } else if let Ok(rel) = path.strip_prefix(base) {
                out.insert(rel.to_string_lossy().into_owned());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

fn collector_actions() -> BTreeSet<String> {
    let policy: Value = serde_json::from_str(COLLECTOR_POLICY).expect("collector policy");
    let mut actions = BTreeSet::new();
    for statement in policy["Statement"].as_array().expect("statements") {
        match &statement["Action"] {
            Value::String(a) => {
                actions.insert(a.clone());
            }
            Value::Array(list) => actions.extend(list.iter().filter_map(|a| a.as_str().map(str::to_owned))),
            _ => {}
        }
    }
    actions
}

#[tokio::test(flavor = "current_thread")]
async fn collects_an_organization_from_moto() {
    let Some(moto) = start_moto() else { return };
    let endpoint = moto.endpoint.clone();
    let world = build_world(&endpoint).await;
    let tmp = temp_dir("moto");
    let out = tmp.0.join("bundle");

    let summary = remit_aws_collect::collect(&config(&endpoint, out.clone()), &NoProgress).await.expect("collect");
    assert_eq!(summary.out_dir, out);
    assert_eq!(summary.caller_account, MANAGEMENT);
    assert!(matches!(summary.organization, OrganizationStatus::Collected { .. }), "{:?}", summary.organization);
    assert_eq!(summary.accounts, {
        let mut accounts = vec![MANAGEMENT.to_owned(), world.member.clone()];
        accounts.sort();
        accounts
    });
    assert!(!tmp.0.join("bundle.partial").exists(), "the partial directory is renamed away");
    let all = files(&out);
    assert!(!all.iter().any(|f| f.ends_with(".tmp") || f.contains(".remit-partial")), "{all:#?}");
    assert_eq!(summary.files, all.len(), "the summary counts the files written");

    // Only the calls the collector policy allows were made, and every one it grants was needed.
    let granted = collector_actions();
    for action in summary.calls.keys() {
        assert!(granted.contains(action), "{action} was called but collector-policy.json does not grant it");
    }
    for needed in
        ["iam:GetAccountAuthorizationDetails", "organizations:ListRoots", "sts:AssumeRole", "s3:GetBucketPolicy"]
    {
        assert!(summary.calls.contains_key(needed), "{needed} missing from {:?}", summary.calls);
    }

    // Errors: only moto's known gaps.
    for error in &summary.errors {
        let known = (error.call == "organizations:ListPolicies"
            && error.resource.as_deref() == Some("RESOURCE_CONTROL_POLICY"))
            || error.call == "sso:GetPermissionsBoundaryForPermissionSet";
        assert!(known, "unexpected error: {error:?}");
    }

    // bundle.json
    let bundle = read_json(&out.join("bundle.json"));
    assert_eq!(bundle["format"], "remit-aws-bundle");
    assert_eq!(bundle["version"], 1);
    assert_eq!(bundle["caller"]["Account"], MANAGEMENT);
    assert_eq!(bundle["organization"]["status"], "collected");
    assert_eq!(bundle["errors"].as_array().map(Vec::len), Some(summary.errors.len()));
    assert!(bundle["collectedAt"].as_str().is_some_and(|t| t.ends_with("+00:00")));

    // The organization.
    let org = &out.join("organization");
    let described = read_json(&org.join("describe-organization.json"));
    assert_eq!(described["Organization"]["MasterAccountId"], MANAGEMENT);
    let roots = read_json(&org.join("roots.json"));
    assert_eq!(roots["Roots"][0]["Id"], world.root.as_str());
    let ous = read_json(&org.join(format!("children/{}.ous.json", world.root)));
    assert_eq!(ous["OrganizationalUnits"][0]["Name"], "Workloads");
    let root_accounts = read_json(&org.join(format!("children/{}.accounts.json", world.root)));
    assert!(root_accounts["Accounts"].as_array().expect("Accounts").iter().any(|a| a["Id"] == MANAGEMENT));
    let ou_accounts = read_json(&org.join(format!("children/{}.accounts.json", world.ou)));
    assert_eq!(ou_accounts["Accounts"][0]["Id"], world.member.as_str());
    assert!(ou_accounts["Accounts"][0]["JoinedTimestamp"].as_str().is_some_and(|t| t.ends_with("+00:00")));
    let scps = read_json(&org.join("policies/service-control-policies.json"));
    let names: BTreeSet<&str> =
        scps["Policies"].as_array().expect("Policies").iter().filter_map(|p| p["Name"].as_str()).collect();
    assert!(names.contains("DenyLeave") && names.contains("FullAWSAccess"), "{names:?}");
    let mut scp_policies = Vec::new();
    for policy in scps["Policies"].as_array().expect("Policies") {
        let id = policy["Id"].as_str().expect("Id");
        let described = read_json(&org.join(format!("policies/{id}.json")));
        assert_eq!(described["Policy"]["PolicySummary"]["Id"], id);
        let content = &described["Policy"]["Content"];
        assert!(content.is_string(), "describe-policy prints Content as a string");
        let parsed = parse(content, PolicyKind::ServiceControl, &format!("SCP {id}"));
        let targets = read_json(&org.join(format!("policies/{id}.targets.json")));
        assert!(targets["Targets"].is_array());
        if id == world.scp {
            assert_eq!(targets["Targets"][0]["TargetId"], world.ou.as_str());
            scp_policies.push(parsed);
        }
    }
    assert_eq!(scp_policies.len(), 1, "the DenyLeave SCP was collected");

    // The management account's IAM, with documents decoded into objects as the CLI prints them.
    let acct = out.join("accounts").join(MANAGEMENT);
    let details = read_json(&acct.join("authorization-details.json"));
    let keys: Vec<&String> = details.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"]);
    let alice =
        details["UserDetailList"].as_array().expect("users").iter().find(|u| u["UserName"] == "alice").expect("alice");
    assert_eq!(alice["GroupList"], json!(["auditors"]));
    assert!(alice["CreateDate"].as_str().is_some_and(|t| t.ends_with("+00:00")));
    let alice_inline = &alice["UserPolicyList"][0];
    assert_eq!(alice_inline["PolicyName"], "read-shared-data");
    assert!(alice_inline["PolicyDocument"].is_object(), "inline documents are decoded: {alice_inline}");
    let auditors = details["GroupDetailList"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["GroupName"] == "auditors")
        .expect("auditors");
    assert_eq!(auditors["AttachedManagedPolicies"][0]["PolicyName"], "ListEverything");
    let partner = details["RoleDetailList"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["RoleName"] == "PartnerAudit")
        .expect("role");
    assert_eq!(
        partner["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"],
        format!("arn:aws:iam::{PARTNER}:root")
    );
    assert_eq!(partner["AttachedManagedPolicies"][0]["PolicyArn"], "arn:aws:iam::aws:policy/ReadOnlyAccess");
    assert_eq!(partner["RolePolicyList"][0]["PolicyName"], "no-secrets");
    let list_everything = details["Policies"]
        .as_array()
        .expect("policies")
        .iter()
        .find(|p| p["Arn"] == format!("arn:aws:iam::{MANAGEMENT}:policy/ListEverything"))
        .expect("managed policy");
    assert!(list_everything["PolicyVersionList"][0]["Document"].is_object());
    assert_eq!(list_everything["IsAttachable"], true);

    // Every policy document of every account parses.
    let mut parsed = 0;
    for account in [MANAGEMENT, world.member.as_str()] {
        let details = read_json(&out.join("accounts").join(account).join("authorization-details.json"));
        for user in details["UserDetailList"].as_array().expect("users") {
            for p in user["UserPolicyList"].as_array().into_iter().flatten() {
                parse(&p["PolicyDocument"], PolicyKind::Identity, "user inline policy");
                parsed += 1;
            }
        }
        for group in details["GroupDetailList"].as_array().expect("groups") {
            for p in group["GroupPolicyList"].as_array().into_iter().flatten() {
                parse(&p["PolicyDocument"], PolicyKind::Identity, "group inline policy");
                parsed += 1;
            }
        }
        for role in details["RoleDetailList"].as_array().expect("roles") {
            let name = role["RoleName"].as_str().unwrap_or_default();
            parse(&role["AssumeRolePolicyDocument"], PolicyKind::Trust, &format!("trust policy of {name}"));
            parsed += 1;
            for p in role["RolePolicyList"].as_array().into_iter().flatten() {
                parse(&p["PolicyDocument"], PolicyKind::Identity, "role inline policy");
                parsed += 1;
            }
        }
        for policy in details["Policies"].as_array().expect("policies") {
            for version in policy["PolicyVersionList"].as_array().into_iter().flatten() {
                let what = format!("{} {}", policy["Arn"], version["VersionId"]);
                parse(&version["Document"], PolicyKind::Identity, &what);
                parsed += 1;
            }
        }
    }
    assert!(parsed > 100, "moto's AWS-managed policies are parsed too ({parsed})");

    let report = std::fs::read_to_string(acct.join("credential-report.csv")).expect("credential report");
    assert!(report.starts_with("user,arn,"), "{report}");
    assert!(report.contains("alice"));

    // S3.
    let bucket = acct.join("s3/remit-shared-data");
    let bucket_policy = read_json(&bucket.join("policy.json"));
    assert!(bucket_policy["Policy"].is_string(), "get-bucket-policy prints the policy as a string");
    let bucket_policy = parse(&bucket_policy["Policy"], PolicyKind::Resource, "bucket policy");
    let block = read_json(&bucket.join("public-access-block.json"));
    assert_eq!(block["PublicAccessBlockConfiguration"]["BlockPublicPolicy"], true);
    let acl = read_json(&bucket.join("acl.json"));
    assert!(acl["Owner"]["ID"].is_string() && acl["Grants"].is_array(), "{acl}");
    assert!(!acct.join("s3/remit-no-policy/policy.json").exists(), "no bucket policy, no file");
    assert!(acct.join("s3/remit-no-policy/acl.json").exists());

    // KMS, SQS, SNS, Secrets Manager in us-east-1.
    let region = acct.join("us-east-1");
    let key_dir = region.join("kms").join(&world.key);
    let key_policy = read_json(&key_dir.join("policy.json"));
    parse(&key_policy["Policy"], PolicyKind::Resource, "key policy");
    assert_eq!(read_json(&key_dir.join("describe.json"))["KeyMetadata"]["KeyId"], world.key.as_str());
    assert!(read_json(&key_dir.join("grants.json"))["Grants"].is_array());
    let queue = read_json(&region.join("sqs/orders.json"));
    assert_eq!(queue["Attributes"]["QueueArn"], format!("arn:aws:sqs:us-east-1:{MANAGEMENT}:orders"));
    parse(&queue["Attributes"]["Policy"], PolicyKind::Resource, "queue policy");
    let topic = read_json(&region.join("sns/alerts.json"));
    assert_eq!(topic["Attributes"]["TopicArn"], format!("arn:aws:sns:us-east-1:{MANAGEMENT}:alerts"));
    if let Some(policy) = topic["Attributes"].get("Policy") {
        parse(policy, PolicyKind::Resource, "topic policy");
    }
    // Lambda: the function's policy, and the inventory of functions with the role each runs as
    // (and without their environment variables).
    let function_policy = read_json(&region.join("lambda/orders-handler.json"));
    parse(&function_policy["Policy"], PolicyKind::Resource, "function policy");
    let functions = read_json(&region.join("lambda/functions.list.json"));
    let function = &functions["Functions"][0];
    assert_eq!(function["FunctionName"], "orders-handler");
    assert_eq!(function["FunctionArn"], format!("arn:aws:lambda:us-east-1:{MANAGEMENT}:function:orders-handler"));
    assert_eq!(function["Role"], format!("arn:aws:iam::{MANAGEMENT}:role/service-role/orders-handler-role"));
    assert_eq!(function["Runtime"], "python3.12");
    assert!(function.get("Environment").is_none(), "{function}");
    assert_eq!(functions["Functions"].as_array().map(Vec::len), Some(1));
    let secret = read_json(&region.join("secretsmanager/prod%2Fdb%2Fpassword.json"));
    assert_eq!(secret["Name"], "prod/db/password");
    let secret_policy = parse(&secret["ResourcePolicy"], PolicyKind::Resource, "secret policy");

    // The member account, collected through the assumed role.
    let member = out.join("accounts").join(&world.member);
    let member_details = read_json(&member.join("authorization-details.json"));
    assert!(member_details["UserDetailList"].as_array().expect("users").iter().any(|u| u["UserName"] == "bob"));
    assert!(!member_details["UserDetailList"].as_array().expect("users").iter().any(|u| u["UserName"] == "alice"));
    let deploy = member_details["RoleDetailList"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["RoleName"] == "DeployFromManagement")
        .expect("role");
    assert_eq!(deploy["Arn"], format!("arn:aws:iam::{}:role/DeployFromManagement", world.member));
    let member_bucket = read_json(&member.join("s3/member-artifacts/policy.json"));
    let member_bucket = parse(&member_bucket["Policy"], PolicyKind::Resource, "member bucket policy");
    assert!(!member.join("s3/remit-shared-data").exists(), "buckets are listed per account");

    // IAM Identity Center.
    let idc = out.join("identity-center");
    assert_eq!(read_json(&idc.join("instances.json"))["Instances"].as_array().map(Vec::len), Some(1));
    let set_dir = idc.join("permission-sets").join(&world.permission_set);
    assert_eq!(read_json(&set_dir.join("describe.json"))["PermissionSet"]["Name"], "Operator");
    let inline = read_json(&set_dir.join("inline-policy.json"));
    parse(&inline["InlinePolicy"], PolicyKind::Identity, "permission set inline policy");
    assert_eq!(
        read_json(&set_dir.join("managed-policies.json"))["AttachedManagedPolicies"][0]["Arn"],
        "arn:aws:iam::aws:policy/ReadOnlyAccess"
    );
    let assignments = read_json(&set_dir.join(format!("assignments/{}.json", world.member)));
    assert_eq!(assignments["AccountAssignments"][0]["PrincipalId"], world.group.as_str());
    assert_eq!(read_json(&set_dir.join(format!("assignments/{MANAGEMENT}.json")))["AccountAssignments"], json!([]));
    let users = read_json(&idc.join("identity-store/users.json"));
    assert_eq!(users["Users"][0]["UserName"], "carol");
    let memberships = read_json(&idc.join(format!("identity-store/memberships/{}.json", world.group)));
    assert!(memberships["GroupMemberships"][0]["MemberId"]["UserId"].is_string());

    // Questions answered from what was collected.
    let alice_policies: Vec<Policy> = vec![
        parse(&alice_inline["PolicyDocument"], PolicyKind::Identity, "alice"),
        parse(&list_everything["PolicyVersionList"][0]["Document"], PolicyKind::Identity, "ListEverything"),
    ];
    let alice_arn = format!("arn:aws:iam::{MANAGEMENT}:user/alice");
    assert_eq!(
        decide(&alice_policies, &[], None, &alice_arn, "s3:GetObject", "arn:aws:s3:::remit-shared-data/report.csv"),
        Decision::Allowed
    );
    assert_eq!(
        decide(&alice_policies, &[], None, &alice_arn, "s3:PutObject", "arn:aws:s3:::remit-shared-data/report.csv"),
        Decision::ImplicitlyDenied
    );
    let admin = parse(
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
        PolicyKind::Identity,
        "admin",
    );
    let partner_reader = format!("arn:aws:iam::{PARTNER}:role/reader");
    let object = "arn:aws:s3:::remit-shared-data/report.csv";
    assert_eq!(
        decide(std::slice::from_ref(&admin), &[], Some(&bucket_policy), &partner_reader, "s3:GetObject", object),
        Decision::Allowed
    );
    assert_eq!(
        decide(std::slice::from_ref(&admin), &[], Some(&bucket_policy), &partner_reader, "s3:PutObject", object),
        Decision::ImplicitlyDenied
    );
    assert_eq!(
        decide(
            std::slice::from_ref(&admin),
            &[],
            Some(&bucket_policy),
            "arn:aws:iam::111111111111:role/reader",
            "s3:GetObject",
            object
        ),
        Decision::ImplicitlyDenied
    );
    // The SCP on the member's OU: root level FullAWSAccess, OU level FullAWSAccess + DenyLeave.
    let full = parse(
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
        PolicyKind::ServiceControl,
        "full",
    );
    let levels = vec![vec![full.clone()], vec![full.clone(), scp_policies[0].clone()], vec![full]];
    let member_admin = format!("arn:aws:iam::{}:role/DeployFromManagement", world.member);
    assert_eq!(
        decide(std::slice::from_ref(&admin), &levels, None, &member_admin, "organizations:LeaveOrganization", "*"),
        Decision::ExplicitlyDenied
    );
    assert_eq!(
        decide(std::slice::from_ref(&admin), &levels, None, &member_admin, "s3:ListAllMyBuckets", "*"),
        Decision::Allowed
    );
    let insecure = Context::from_pairs(&[("aws:SecureTransport", "false")]);
    let set = PolicySet::new(&Policies {
        identity: vec![admin.clone()],
        resource: Some(member_bucket),
        ..Policies::default()
    });
    let request = Request::new(
        Caller::parse(&member_admin).expect("caller"),
        "s3:GetObject",
        "arn:aws:s3:::member-artifacts/x",
        Some(&world.member),
        insecure,
    );
    assert_eq!(set.decide(&request), Decision::ExplicitlyDenied);
    let partner_role = format!("arn:aws:iam::{MANAGEMENT}:role/PartnerAudit");
    let secret_arn = format!("arn:aws:secretsmanager:us-east-1:{MANAGEMENT}:secret:prod/db/password-AbCdEf");
    let partner_identity =
        vec![parse(&partner["RolePolicyList"][0]["PolicyDocument"], PolicyKind::Identity, "no-secrets")];
    assert_eq!(
        decide(
            &partner_identity,
            &[],
            Some(&secret_policy),
            &partner_role,
            "secretsmanager:GetSecretValue",
            &secret_arn
        ),
        Decision::ExplicitlyDenied,
        "the role's own deny wins over the secret's grant"
    );

    // No secret reached the bundle.
    for file in &all {
        let bytes = std::fs::read(out.join(file)).expect("read");
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(SECRET_KEY), "{file} holds the secret access key");
        assert!(!text.contains(SECRET_VALUE), "{file} holds a secret's value");
    }

    // The queries, answered by `remit-aws-analysis` from the bundle as collected.
    queries_answer_from_the_bundle(&out, &world);

    // Collecting again into the same directory: refused, unless asked to overwrite.
    let again = remit_aws_collect::collect(&config(&endpoint, out.clone()), &NoProgress).await;
    assert!(matches!(again, Err(CollectError::OutputExists(_))), "{again:?}");
    let mut overwrite = config(&endpoint, out.clone());
    overwrite.overwrite = true;
    overwrite.identity_center = false;
    overwrite.accounts = vec![world.member.clone()];
    let summary = remit_aws_collect::collect(&overwrite, &NoProgress).await.expect("overwrite");
    assert_eq!(summary.accounts, std::slice::from_ref(&world.member));
    assert!(!out.join("accounts").join(MANAGEMENT).exists(), "the old bundle was replaced");
    assert!(!out.join("identity-center").exists());

    // Without a member role only the caller's account is collected.
    let mut alone = config(&endpoint, tmp.0.join("alone"));
    alone.member_role_name = None;
    alone.identity_center = false;
    // Through the blocking entry point (its own runtime, on a thread that has none).
    let summary = tokio::task::spawn_blocking(move || remit_aws_collect::collect_blocking(&alone, &NoProgress))
        .await
        .expect("joined")
        .expect("caller only");
    assert_eq!(summary.accounts, [MANAGEMENT.to_owned()]);
    assert!(summary.skipped_accounts.iter().any(|(id, _)| id == &world.member), "{:?}", summary.skipped_accounts);

    // An account in no organization: recorded as such, collected alone, with session credentials.
    let mut standalone = config(&endpoint, tmp.0.join("standalone"));
    standalone.credentials = Some(StaticCredentials {
        access_key_id: world.remote.access_key_id().to_owned(),
        secret_access_key: world.remote.secret_access_key().to_owned(),
        session_token: world.remote.session_token().map(str::to_owned),
    });
    let summary = remit_aws_collect::collect(&standalone, &NoProgress).await.expect("standalone");
    assert_eq!(summary.caller_account, "555566667777");
    assert_eq!(summary.organization, OrganizationStatus::NotInOrganization);
    assert_eq!(summary.accounts, ["555566667777".to_owned()]);
    let out = tmp.0.join("standalone");
    assert!(!out.join("organization").exists());
    let details = read_json(&out.join("accounts/555566667777/authorization-details.json"));
    assert_eq!(details["UserDetailList"][0]["UserName"], "dave");
    assert_eq!(read_json(&out.join("bundle.json"))["organization"]["status"], "not-in-organization");

    drop(moto);
}

/// who-can, explain, can-become, what-can and exposure over the collected organization.
fn queries_answer_from_the_bundle(out: &Path, world: &World) {
    use remit_aws_analysis::{AwsAnalysis, WhatCanFilter};
    use remit_aws_import::WorkloadKind;
    use remit_model::{Access, PrincipalKind, Step};

    let env = remit_aws_import::load(out).expect("the collected bundle loads");
    for issue in &env.issues {
        eprintln!("import issue: {}: {}: {}", issue.file.display(), issue.location, issue.message);
    }
    // moto writes permission-set ARNs as `...:instance/ssoins-.../ps-...` where AWS writes
    // `...:permissionSet/ssoins-.../ps-...`: the importer rightly reports that, and nothing else.
    let unexpected: Vec<_> =
        env.issues.iter().filter(|i| !i.message.contains("is not a permission set of instance")).collect();
    assert!(unexpected.is_empty(), "the collected bundle imports without issues: {unexpected:#?}");

    // The function is a workload running as its role; its policy is a resource beside it.
    let management = env.accounts.iter().find(|account| account.id == MANAGEMENT).expect("the management account");
    assert_eq!(management.workloads_collected, [WorkloadKind::LambdaFunction]);
    let function_arn = format!("arn:aws:lambda:us-east-1:{MANAGEMENT}:function:orders-handler");
    let function = management.workload(&function_arn).expect("the function is a workload");
    assert_eq!(function.kind, WorkloadKind::LambdaFunction);
    assert_eq!(function.role, Some(format!("arn:aws:iam::{MANAGEMENT}:role/service-role/orders-handler-role")));
    assert!(!function.incomplete);
    assert!(management.resource(&function_arn).is_some_and(|resource| resource.policy.is_some()));
    assert_eq!(management.workloads.len(), 1, "{:#?}", management.workloads);
    // The member account has none, and says it looked.
    let member = env.accounts.iter().find(|account| account.id == world.member).expect("the member account");
    assert!(member.workloads.is_empty() && member.workloads_collected == [WorkloadKind::LambdaFunction]);

    let analysis = AwsAnalysis::new(env);
    let alice = format!("arn:aws:iam::{MANAGEMENT}:user/alice");
    let erin = format!("arn:aws:iam::{MANAGEMENT}:user/erin");
    let reader = format!("arn:aws:iam::{MANAGEMENT}:role/DataReader");
    let partner_audit = format!("arn:aws:iam::{MANAGEMENT}:role/PartnerAudit");
    let partner_root = format!("arn:aws:iam::{PARTNER}:root");

    // Shared data: alice by her inline policy, the partner account by the bucket policy.
    let holders = analysis.who_can("s3:GetObject", "arn:aws:s3:::remit-shared-data/report.csv").expect("who-can");
    let alice_holds = holders.iter().find(|h| h.principal.id == alice).expect("alice can read the shared data");
    assert_eq!(alice_holds.access, Access::Allowed);
    assert_eq!(alice_holds.via, [Step::Direct { sources: vec!["inline read-shared-data".into()] }]);
    let partner = holders.iter().find(|h| h.principal.id == partner_root).expect("the partner account is let in");
    assert_eq!(partner.principal.kind, PrincipalKind::ExternalAccount);
    assert!(matches!(&partner.access, Access::Conditional(c) if c.iter().any(|c| c.source.contains(PARTNER))));
    assert!(!holders.iter().any(|h| h.principal.id == erin), "erin holds nothing on the shared data");
    // ReadOnlyAccess reads every bucket: the partner can also act through PartnerAudit.
    let audit = holders.iter().find(|h| h.principal.id == partner_audit).expect("PartnerAudit reads all buckets");
    assert_eq!(audit.access, Access::Allowed);
    // Writing is nobody's right but those who hold `s3:*` (no one here).
    let writers = analysis.who_can("s3:PutObject", "arn:aws:s3:::remit-shared-data/report.csv").expect("who-can");
    assert!(writers.iter().all(|h| h.principal.id != alice && h.principal.id != partner_root), "{writers:#?}");

    // The chain: erin assumes DataReader, whose grant holds from the office network only.
    let holders = analysis.who_can("s3:GetObject", "arn:aws:s3:::remit-no-policy/x").expect("who-can");
    let role = holders.iter().find(|h| h.principal.id == reader).expect("DataReader");
    assert!(matches!(&role.access, Access::Conditional(c) if c.iter().any(|c| c.expression.contains("aws:SourceIp"))));
    let through = holders.iter().find(|h| h.principal.id == erin).expect("erin, through DataReader");
    assert!(through.via.contains(&Step::Assume { target: reader.as_str().into() }), "{:?}", through.via);
    assert_eq!(through.access.as_str(), "conditional");
    assert!(!holders.iter().any(|h| h.principal.id == alice), "alice cannot assume DataReader");

    // The trust graph.
    let becomers = analysis.can_become(&reader).expect("can-become");
    assert_eq!(becomers.iter().map(|h| h.principal.id.as_str()).collect::<Vec<_>>(), [erin.as_str()]);
    let from = analysis.can_become_from(&erin).expect("can-become --from");
    assert_eq!(from.iter().map(|h| h.principal.id.as_str()).collect::<Vec<_>>(), [reader.as_str()]);
    let partner_in = analysis.can_become(&partner_audit).expect("can-become");
    assert!(partner_in.iter().any(|h| h.principal.id == partner_root), "{partner_in:#?}");
    let deploy = format!("arn:aws:iam::{}:role/DeployFromManagement", world.member);
    let deployers = analysis.can_become(&deploy).expect("can-become");
    assert!(deployers.is_empty(), "no one in the management account may assume roles on any resource: {deployers:#?}");

    // explain: the layers that decided.
    let secret = format!("arn:aws:secretsmanager:us-east-1:{MANAGEMENT}:secret:prod/db/password-AbCdEf");
    let explained = analysis.explain(&partner_audit, "secretsmanager:GetSecretValue", &secret).expect("explain");
    assert_eq!(explained.verdict, remit_aws_policy::Verdict::ExplicitlyDenied);
    assert!(explained.statements.iter().any(|s| s.layer == "identity" && s.effect == "Deny"), "{explained:#?}");
    let explained = analysis.explain(&alice, "s3:PutObject", "arn:aws:s3:::remit-shared-data/a").expect("explain");
    assert_eq!(explained.verdict, remit_aws_policy::Verdict::ImplicitlyDenied);
    // The SCP on the member's OU.
    let bob = format!("arn:aws:iam::{}:user/bob", world.member);
    let explained = analysis.explain(&bob, "organizations:LeaveOrganization", "*").expect("explain");
    assert_eq!(explained.verdict, remit_aws_policy::Verdict::ExplicitlyDenied);
    assert!(explained.statements.iter().any(|s| s.layer == "scp" && s.effect == "Deny"), "{explained:#?}");

    // what-can: alice reads the shared data and lists, through her group.
    let permissions = analysis.what_can(&alice, &WhatCanFilter::default()).expect("what-can");
    assert!(permissions.iter().any(|p| p.action == "s3:GetObject"));
    assert!(permissions.iter().any(|p| p.action == "iam:ListUsers"));
    assert!(!permissions.iter().any(|p| p.action == "s3:PutObject"));

    // Exposure: the partner account into the bucket and into PartnerAudit.
    let exposure = analysis.exposure();
    assert!(exposure.iter().any(|e| e.resource == "arn:aws:s3:::remit-shared-data" && e.outsider == partner_root));
    assert!(exposure.iter().any(|e| e.resource == partner_audit && e.outsider == partner_root));
    assert!(
        !exposure.iter().any(|e| e.outsider == "*" && e.access == Access::Allowed),
        "nothing is public outright: {exposure:#?}"
    );
    // SNS's default topic policy lets `*` in on `AWS:SourceOwner` = the account: conditional.
    let alerts = format!("arn:aws:sns:us-east-1:{MANAGEMENT}:alerts");
    let default_policy = exposure.iter().find(|e| e.resource == alerts && e.outsider == "*").expect("alerts");
    assert!(
        default_policy.access.conditions().iter().any(|c| c.expression.contains("SourceOwner")),
        "{default_policy:#?}"
    );
}

/// Credentials that cannot even say who they are: a fatal error, and no bundle, partial or not.
#[tokio::test(flavor = "current_thread")]
async fn no_bundle_when_the_caller_cannot_be_identified() {
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let tmp = temp_dir("unreachable");
    let out = tmp.0.join("bundle");
    let mut config = config(&format!("http://127.0.0.1:{port}"), out.clone());
    config.max_attempts = 1;
    let result = remit_aws_collect::collect(&config, &NoProgress).await;
    let Err(CollectError::Identity(message)) = result else { panic!("expected an identity error, got {result:?}") };
    assert!(!message.contains(SECRET_KEY), "{message}");
    assert!(!out.exists() && !tmp.0.join("bundle.partial").exists(), "nothing is left behind");
    let debug = format!("{config:?}");
    assert!(debug.contains(ACCESS_KEY) && !debug.contains(SECRET_KEY), "Debug hides the secret: {debug}");
}
