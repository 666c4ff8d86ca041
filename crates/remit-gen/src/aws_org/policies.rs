//! Identity policy documents, each written together with the [`Caps`] it grants.
//!
//! The documents are the kinds real accounts accumulate: application policies scoped to their
//! buckets, queues and secrets; wildcards (`s3:Get*`, `ec2:Describe*`); conditions on the
//! source IP, region, MFA, tags, prefixes, time and the service a role is passed to; explicit
//! denies; `NotAction` and `NotResource`; policy variables. Beside them are the few shapes that
//! make an escalation (an unscoped `iam:PassRole`, `iam:CreatePolicyVersion`, a self-service
//! policy that reaches too far), planted on purpose so that analyses have something to find.
//!
//! Each function returns the document with its caps: the caps are written by hand from the
//! document beside them, which is the one place a reviewer must check they agree. Denies that
//! these documents write never cover IAM or STS actions, except the all-action gates
//! ([`GATE_MFA`], [`GATE_SOURCE_IP`]), which the caps record.

use serde_json::{Value, json};

use crate::aws_org::{
    model::{ALL_SERVICES, Caps, GATE_MFA, GATE_SOURCE_IP, SVC_CFN, SVC_CODEBUILD, SVC_EC2, SVC_GLUE, SVC_LAMBDA},
    names::{CORP_CIDRS, REGIONS},
    rng::Rng,
};

/// A document and what it grants.
pub(super) struct Draft {
    /// A name for it (customer-managed policies are uniquified by the caller).
    pub(super) name: String,
    pub(super) description: Option<&'static str>,
    pub(super) doc: Value,
    pub(super) caps: Caps,
}

impl Draft {
    fn new(name: String, doc: Value) -> Draft {
        Draft { name, description: None, doc, caps: Caps::default() }
    }

    fn caps(mut self, caps: Caps) -> Draft {
        self.caps = caps;
        self
    }

    fn described(mut self, description: &'static str) -> Draft {
        self.description = Some(description);
        self
    }
}

/// Where a policy is written, and the resources it may name.
pub(super) struct Scope<'a> {
    pub(super) account: &'a str,
    pub(super) region: &'static str,
    pub(super) app: &'a str,
    pub(super) env: &'static str,
    /// Bucket names, the application's first.
    pub(super) buckets: &'a [String],
    /// Queue ARNs, the application's first.
    pub(super) queues: &'a [String],
    /// Topic ARNs, the application's first.
    pub(super) topics: &'a [String],
    /// Customer-managed key ARNs.
    pub(super) keys: &'a [String],
}

impl Scope<'_> {
    fn bucket(&self, rng: &mut Rng) -> String {
        match self.buckets.len() {
            0 => format!("{}-{}-data", self.app, self.env),
            n => self.buckets[rng.range(0, (n - 1).min(2))].clone(),
        }
    }

    fn queue(&self, rng: &mut Rng) -> String {
        match self.queues.len() {
            0 => format!("arn:aws:sqs:{}:{}:{}-jobs", self.region, self.account, self.app),
            n => self.queues[rng.range(0, (n - 1).min(2))].clone(),
        }
    }

    fn topic(&self, rng: &mut Rng) -> String {
        match self.topics.len() {
            0 => format!("arn:aws:sns:{}:{}:{}-events", self.region, self.account, self.app),
            n => self.topics[rng.range(0, (n - 1).min(2))].clone(),
        }
    }

    fn key(&self, rng: &mut Rng) -> String {
        match self.keys.len() {
            0 => format!("arn:aws:kms:{}:{}:key/*", self.region, self.account),
            n => self.keys[rng.range(0, n - 1)].clone(),
        }
    }

    fn table(&self) -> String {
        format!("arn:aws:dynamodb:{}:{}:table/{}-{}", self.region, self.account, self.app, self.env)
    }
}

fn doc(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn one_or_many(items: &[String]) -> Value {
    match items {
        [one] => json!(one),
        many => json!(many),
    }
}

/// `Sid`s the console's visual editor writes.
fn editor_sid(idx: usize) -> String {
    format!("VisualEditor{idx}")
}

// ---------------------------------------------------------------------------------------------
// Application policies: nothing escalation-relevant.

/// An ordinary policy for an application: data access, with conditions.
pub(super) fn app_policy(rng: &mut Rng, scope: &Scope<'_>) -> Draft {
    const WEIGHTS: &[u32] = &[16, 10, 9, 7, 8, 5, 6, 6, 4, 4, 3, 3, 3];
    match rng.weighted(WEIGHTS) {
        0 => s3_access(rng, scope),
        1 => dynamodb_access(rng, scope),
        2 => queue_access(rng, scope),
        3 => topic_publish(rng, scope),
        4 => secrets_read(rng, scope),
        5 => kms_use(rng, scope),
        6 => logs_write(scope),
        7 => ops_read(rng, scope),
        8 => abac_ec2(scope),
        9 => region_scoped_data(rng, scope),
        10 => s3_tagged_objects(rng, scope),
        11 => ssm_parameters(scope),
        _ => athena_query(rng, scope),
    }
}

fn s3_access(rng: &mut Rng, scope: &Scope<'_>) -> Draft {
    let bucket = scope.bucket(rng);
    let write = rng.chance(0.6);
    let mut object_actions = vec!["s3:GetObject", "s3:GetObjectVersion"];
    if write {
        object_actions.extend(["s3:PutObject", "s3:DeleteObject"]);
    }
    let mut statements = vec![
        json!({
            "Sid": "ListBucketPrefix",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": format!("arn:aws:s3:::{bucket}"),
            "Condition": {"StringLike": {"s3:prefix": [format!("{}/*", scope.app), format!("shared/{}", scope.env)]}},
        }),
        json!({
            "Sid": "ObjectAccess",
            "Effect": "Allow",
            "Action": object_actions,
            "Resource": [format!("arn:aws:s3:::{bucket}/{}/*", scope.app), format!("arn:aws:s3:::{bucket}/shared/*")],
        }),
    ];
    if rng.chance(0.3) {
        statements.push(json!({
            "Sid": "DenyUnencryptedUploads",
            "Effect": "Deny",
            "Action": "s3:PutObject",
            "Resource": format!("arn:aws:s3:::{bucket}/*"),
            "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
        }));
    }
    let suffix = if write { "s3-readwrite" } else { "s3-read" };
    Draft::new(format!("{}-{suffix}", scope.app), doc(statements))
}

fn dynamodb_access(rng: &mut Rng, scope: &Scope<'_>) -> Draft {
    let table = scope.table();
    let mut statement = json!({
        "Sid": "TableAccess",
        "Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"],
        "Resource": [table.clone(), format!("{table}/index/*")],
    });
    if rng.chance(0.35)
        && let Some(map) = statement.as_object_mut()
    {
        // Row-level isolation by the caller's tenant tag.
        map.insert(
            "Condition".into(),
            json!({"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:PrincipalTag/tenant-id}"]}}),
        );
    }
    let mut statements = vec![statement];
    if rng.chance(0.4) {
        statements.push(json!({
            "Sid": "StreamRead",
            "Effect": "Allow",
            "Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"],
            "Resource": format!("{table}/stream/*"),
        }));
    }
    Draft::new(format!("{}-dynamodb", scope.app), doc(statements))
}

fn queue_access(rng: &mut Rng, scope: &Scope<'_>) -> Draft {
    let queue = scope.queue(rng);
    let consumer = rng.chance(0.5);
    let actions: &[&str] = if consumer {
        &["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
    } else {
        &["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"]
    };
    let statements =
        vec![json!({"Effect": "Allow", "Action": actions, "Resource": [queue.clone(), format!("{queue}-dlq")]})];
    Draft::new(format!("{}-sqs-{}", scope.app, if consumer { "consumer" } else { "producer" }), doc(statements))
}

fn topic_publish(rng: &mut Rng, scope: &Scope<'_>) -> Draft {
    let topic = scope.topic(rng);
    let statements = vec![
        json!({"Sid": "Publish", "Effect": "Allow", "Action": "sns:Publish", "Resource": topic}),
        json!({"Sid": "EncryptedTopic", "Effect": "Allow", "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": scope.key(rng), "Condition": {"StringEquals": {"kms:ViaService": format!("sns.{}.amazonaws.com", scope.region)}}}),
    ];
    Draft::new(format!("{}-sns-publish", scope.app), doc(statements))
}

fn secrets_read(rng: &mut Rng, scope: &Scope<'_>) -> Draft {
    let mut statements = vec![json!({
        "Sid": "ReadAppSecrets",
        "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        "Resource": format!("arn:aws:secretsmanager:{}:{}:secret:{}/{}/*", scope.region, scope.account, scope.env, scope.app),
    })];
    if rng.chance(0.5) {
        statements.push(json!({
            "Sid": "DecryptViaSecretsManager",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": scope.key(rng),
            "Condition": {"StringEquals": {"kms:ViaService": format!("secretsmanager.{}.amazonaws.com", scope.region)}},
        }));
    }
    Draft::new(format!("{}-{}-secrets-read", scope.app, scope.env), doc(statements))
}

fn kms_use(rng: &mut Rng, scope: &Scope<'_>) -> Draft {
    let services: Vec<String> = rng
        .sample(&["s3", "dynamodb", "sqs", "secretsmanager", "rds"], 2)
        .iter()
        .map(|s| format!("{s}.{}.amazonaws.com", scope.region))
        .collect();
    let statements = vec![json!({
        "Effect": "Allow",
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        "Resource": scope.key(rng),
        "Condition": {"StringEquals": {"kms:ViaService": services}},
    })];
    Draft::new(format!("{}-kms-use", scope.app), doc(statements))
}

fn logs_write(scope: &Scope<'_>) -> Draft {
    let group = format!("arn:aws:logs:{}:{}:log-group:/{}/{}*", scope.region, scope.account, scope.env, scope.app);
    let statements = vec![
        json!({"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], "Resource": [group.clone(), format!("{group}:log-stream:*")]}),
        json!({"Effect": "Allow", "Action": ["cloudwatch:PutMetricData"], "Resource": "*", "Condition": {"StringEquals": {"cloudwatch:namespace": format!("{}/{}", scope.app, scope.env)}}}),
    ];
    Draft::new(format!("{}-logging", scope.app), doc(statements))
}

fn ops_read(rng: &mut Rng, scope: &Scope<'_>) -> Draft {
    let mut actions = vec![
        "ec2:Describe*",
        "cloudwatch:Get*",
        "cloudwatch:List*",
        "cloudwatch:Describe*",
        "logs:Describe*",
        "logs:FilterLogEvents",
        "logs:GetLogEvents",
        "xray:Get*",
        "xray:BatchGet*",
    ];
    if rng.chance(0.5) {
        actions.extend(["ecs:Describe*", "ecs:List*", "elasticloadbalancing:Describe*", "autoscaling:Describe*"]);
    }
    let statements = vec![json!({"Sid": editor_sid(0), "Effect": "Allow", "Action": actions, "Resource": "*"})];
    Draft::new(format!("{}-{}-observability", scope.app, scope.env), doc(statements))
}

fn abac_ec2(scope: &Scope<'_>) -> Draft {
    let statements = vec![
        json!({"Sid": "DescribeAll", "Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}),
        json!({
            "Sid": "OperateOwnTeamInstances",
            "Effect": "Allow",
            "Action": ["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"],
            "Resource": format!("arn:aws:ec2:*:{}:instance/*", scope.account),
            "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
        }),
        json!({
            "Sid": "TagOnlyOwnTeam",
            "Effect": "Deny",
            "Action": ["ec2:CreateTags", "ec2:DeleteTags"],
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}, "ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}},
        }),
    ];
    Draft::new(format!("{}-ec2-operate-by-team", scope.app), doc(statements))
}

fn region_scoped_data(rng: &mut Rng, scope: &Scope<'_>) -> Draft {
    let regions: Vec<&str> = rng.sample(REGIONS, 2).into_iter().copied().collect();
    let statements = vec![json!({
        "Effect": "Allow",
        "Action": ["dynamodb:*", "sqs:*", "sns:*", "s3:*"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestedRegion": regions}},
    })];
    Draft::new(format!("{}-regional-data-full", scope.app), doc(statements))
        .described("Data services in the approved regions")
}

fn s3_tagged_objects(rng: &mut Rng, scope: &Scope<'_>) -> Draft {
    let bucket = scope.bucket(rng);
    let statements = vec![
        json!({"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")]}),
        json!({
            "Effect": "Deny",
            "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:::{bucket}/*"),
            "Condition": {"StringEquals": {"s3:ExistingObjectTag/classification": ["restricted", "pii"]}},
        }),
    ];
    Draft::new(format!("{}-s3-unrestricted-objects", scope.app), doc(statements))
}

fn ssm_parameters(scope: &Scope<'_>) -> Draft {
    let statements = vec![json!({
        "Effect": "Allow",
        "Action": ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
        "Resource": format!("arn:aws:ssm:{}:{}:parameter/{}/{}/*", scope.region, scope.account, scope.env, scope.app),
    })];
    Draft::new(format!("{}-{}-parameters", scope.app, scope.env), doc(statements))
}

fn athena_query(rng: &mut Rng, scope: &Scope<'_>) -> Draft {
    let bucket = scope.bucket(rng);
    let statements = vec![
        json!({"Effect": "Allow", "Action": ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution"], "Resource": format!("arn:aws:athena:{}:{}:workgroup/{}", scope.region, scope.account, scope.app)}),
        json!({"Effect": "Allow", "Action": ["glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables", "glue:GetPartitions"], "Resource": "*"}),
        json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket", "s3:PutObject", "s3:GetBucketLocation"], "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/athena-results/*")]}),
    ];
    Draft::new(format!("{}-athena", scope.app), doc(statements))
}

/// A small inline policy for an application role.
pub(super) fn role_inline(rng: &mut Rng, scope: &Scope<'_>) -> Draft {
    let bucket = scope.bucket(rng);
    match rng.range(0, 5) {
        0 => Draft::new(
            "s3-read".into(),
            doc(vec![
                json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")]}),
            ]),
        ),
        1 => Draft::new(
            "xray".into(),
            doc(vec![
                json!({"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"], "Resource": "*"}),
            ]),
        ),
        2 => Draft::new(
            "parameters".into(),
            doc(vec![
                json!({"Effect": "Allow", "Action": "ssm:GetParameter*", "Resource": format!("arn:aws:ssm:{}:{}:parameter/{}/*", scope.region, scope.account, scope.app)}),
            ]),
        ),
        3 => Draft::new(
            "root".into(),
            doc(vec![
                json!({"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], "Resource": scope.queue(rng)}),
            ]),
        ),
        4 => Draft::new(
            format!("{}-events", scope.app),
            doc(vec![
                json!({"Effect": "Allow", "Action": "events:PutEvents", "Resource": format!("arn:aws:events:{}:{}:event-bus/{}", scope.region, scope.account, scope.app)}),
            ]),
        ),
        _ => Draft::new(
            "default".into(),
            doc(vec![
                json!({"Effect": "Allow", "Action": ["dynamodb:Query", "dynamodb:GetItem"], "Resource": [scope.table(), format!("{}/index/*", scope.table())]}),
            ]),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Deployment policies: they create compute and pass roles, scoped as teams usually scope them.

/// A deployer's policy for `svc` (one of the `SVC_*` bits): create compute there and pass the
/// application's roles to it.
pub(super) fn deploy_policy(scope: &Scope<'_>, svc: u8) -> Draft {
    let roles = format!("arn:aws:iam::{}:role/{}-*", scope.account, scope.app);
    let region = scope.region;
    let account = scope.account;
    let app = scope.app;
    let (name, create) = match svc {
        SVC_LAMBDA => (
            "lambda-deploy",
            json!({"Sid": "ManageFunctions", "Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:InvokeFunction", "lambda:AddPermission", "lambda:GetFunction", "lambda:PublishVersion"], "Resource": format!("arn:aws:lambda:{region}:{account}:function:{app}-*")}),
        ),
        SVC_EC2 => (
            "ec2-launch",
            json!({"Sid": "LaunchInstances", "Effect": "Allow", "Action": ["ec2:RunInstances", "ec2:CreateTags", "ec2:AssociateIamInstanceProfile"], "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": region}}}),
        ),
        SVC_CFN => (
            "cloudformation-deploy",
            json!({"Sid": "Stacks", "Effect": "Allow", "Action": ["cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet", "cloudformation:Describe*"], "Resource": format!("arn:aws:cloudformation:{region}:{account}:stack/{app}-*/*")}),
        ),
        SVC_GLUE => (
            "glue-jobs",
            json!({"Sid": "Jobs", "Effect": "Allow", "Action": ["glue:CreateJob", "glue:UpdateJob", "glue:StartJobRun", "glue:GetJob*"], "Resource": "*"}),
        ),
        _ => (
            "codebuild-projects",
            json!({"Sid": "Projects", "Effect": "Allow", "Action": ["codebuild:CreateProject", "codebuild:UpdateProject", "codebuild:StartBuild", "codebuild:BatchGet*"], "Resource": format!("arn:aws:codebuild:{region}:{account}:project/{app}-*")}),
        ),
    };
    let pass = json!({
        "Sid": "PassApplicationRoles",
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": roles,
        "Condition": {"StringEquals": {"iam:PassedToService": crate::aws_org::model::service_principal(svc)}},
    });
    Draft::new(
        format!("{app}-{name}"),
        doc(vec![
            create,
            pass,
            json!({"Effect": "Allow", "Action": ["iam:GetRole", "iam:ListRoles"], "Resource": "*"}),
        ]),
    )
    .caps(Caps { create: svc, pass: vec![(roles, svc)], ..Caps::default() })
}

/// `sts:AssumeRole` on the given role ARN patterns.
pub(super) fn assume_roles(name: String, patterns: Vec<String>) -> Draft {
    let statements = vec![
        json!({"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": one_or_many(&patterns)}),
    ];
    Draft::new(name, doc(statements)).caps(Caps { assume: patterns, ..Caps::default() })
}

// ---------------------------------------------------------------------------------------------
// Human access: groups, guardrails, boundaries.

/// The policy AWS documents for "allow users to manage their own MFA and nothing else without
/// MFA": an explicit deny of everything but MFA setup when MFA is absent.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_iam_mfa-selfmanage.html>
pub(super) fn force_mfa() -> Draft {
    let statements = vec![
        json!({"Sid": "AllowViewAccountInfo", "Effect": "Allow", "Action": ["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"], "Resource": "*"}),
        json!({"Sid": "AllowManageOwnVirtualMFADevice", "Effect": "Allow", "Action": ["iam:CreateVirtualMFADevice"], "Resource": "arn:aws:iam::*:mfa/*"}),
        json!({"Sid": "AllowManageOwnUserMFA", "Effect": "Allow", "Action": ["iam:DeactivateMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:GetMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice"], "Resource": "arn:aws:iam::*:user/${aws:username}"}),
        json!({
            "Sid": "DenyAllExceptListedIfNoMFA",
            "Effect": "Deny",
            "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices", "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken"],
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        }),
    ];
    Draft::new("Force_MFA".into(), doc(statements))
        .described("Denies everything but MFA setup to sessions without MFA")
        .caps(Caps { gates: GATE_MFA, ..Caps::default() })
}

/// Users manage their own password and access keys.
pub(super) fn self_service_credentials() -> Draft {
    let statements = vec![
        json!({"Sid": "OwnCredentials", "Effect": "Allow", "Action": ["iam:ChangePassword", "iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey", "iam:GetAccessKeyLastUsed", "iam:GetUser", "iam:ListSSHPublicKeys", "iam:UploadSSHPublicKey"], "Resource": "arn:aws:iam::*:user/${aws:username}"}),
        json!({"Sid": "PasswordPolicy", "Effect": "Allow", "Action": "iam:GetAccountPasswordPolicy", "Resource": "*"}),
    ];
    Draft::new("SelfServiceCredentials".into(), doc(statements))
}

/// Denies everything outside the approved regions, except the global services.
pub(super) fn deny_outside_regions(rng: &mut Rng) -> Draft {
    let regions: Vec<&str> = rng.sample(REGIONS, 2).into_iter().copied().collect();
    let statements = vec![json!({
        "Sid": "DenyOutsideApprovedRegions",
        "Effect": "Deny",
        "NotAction": ["iam:*", "sts:*", "organizations:*", "support:*", "cloudfront:*", "route53:*", "budgets:*", "ce:*", "health:*", "trustedadvisor:*", "waf:*"],
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": regions}},
    })];
    Draft::new("DenyOutsideApprovedRegions".into(), doc(statements))
}

/// Denies everything from outside the corporate network, except calls AWS services make.
pub(super) fn corporate_network_only() -> Draft {
    let statements = vec![json!({
        "Sid": "DenyOutsideCorporateNetwork",
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"NotIpAddress": {"aws:SourceIp": CORP_CIDRS}, "Bool": {"aws:ViaAWSService": "false"}},
    })];
    Draft::new("CorporateNetworkOnly".into(), doc(statements)).caps(Caps { gates: GATE_SOURCE_IP, ..Caps::default() })
}

/// What a team's developers get: the data and compute services their applications use, and
/// role passing only under `/developer/`.
pub(super) fn developers_base(account: &str, team: &str) -> Draft {
    let developer_roles = format!("arn:aws:iam::{account}:role/developer/*");
    let statements = vec![
        json!({"Sid": "Services", "Effect": "Allow", "Action": ["lambda:*", "dynamodb:*", "sqs:*", "sns:*", "s3:*", "logs:*", "cloudwatch:*", "xray:*", "states:*", "events:*", "apigateway:*", "ecr:*", "ecs:*"], "Resource": "*"}),
        json!({"Sid": "ReadIam", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}),
        json!({"Sid": "PassDeveloperRoles", "Effect": "Allow", "Action": "iam:PassRole", "Resource": developer_roles.clone()}),
        json!({"Sid": "DenyProductionData", "Effect": "Deny", "Action": ["s3:DeleteBucket", "dynamodb:DeleteTable"], "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/environment": "prod"}}}),
    ];
    Draft::new(format!("{team}-developers"), doc(statements)).caps(Caps {
        create: SVC_LAMBDA,
        pass: vec![(developer_roles, ALL_SERVICES)],
        ..Caps::default()
    })
}

/// Data scientists: analytics services, read access to the data buckets, their notebooks' roles.
pub(super) fn data_science(account: &str, buckets: &[String]) -> Draft {
    let mut resources: Vec<String> = buckets.iter().take(3).map(|b| format!("arn:aws:s3:::{b}")).collect();
    resources.extend(buckets.iter().take(3).map(|b| format!("arn:aws:s3:::{b}/*")));
    if resources.is_empty() {
        resources.push("arn:aws:s3:::*-analytics-*".into());
    }
    let statements = vec![
        json!({"Effect": "Allow", "Action": ["sagemaker:*", "athena:*", "glue:Get*", "glue:BatchGet*", "quicksight:Describe*"], "Resource": "*"}),
        json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": resources}),
        json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": format!("arn:aws:iam::{account}:role/service-role/AmazonSageMaker-ExecutionRole-*"), "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}}),
    ];
    Draft::new("DataScienceAccess".into(), doc(statements))
}

/// Support engineers: read everything, restart things, open tickets.
pub(super) fn support_engineer() -> Draft {
    let statements = vec![
        json!({"Effect": "Allow", "Action": ["support:*", "ec2:RebootInstances", "ecs:UpdateService", "rds:RebootDBInstance", "ssm:StartSession", "ssm:DescribeSessions", "ssm:TerminateSession"], "Resource": "*"}),
        json!({"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*", "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}, "DateLessThan": {"aws:CurrentTime": "2027-12-31T23:59:59Z"}}}),
    ];
    Draft::new("SupportEngineer".into(), doc(statements))
}

/// A contractor's access: read one bucket until the contract ends, from the office.
pub(super) fn contractor(rng: &mut Rng, scope: &Scope<'_>, until: &str) -> Draft {
    let bucket = scope.bucket(rng);
    let statements = vec![json!({
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
        "Condition": {"DateLessThan": {"aws:CurrentTime": until}, "IpAddress": {"aws:SourceIp": CORP_CIDRS[0]}},
    })];
    Draft::new(format!("contractor-{}-read", scope.app), doc(statements))
}

/// The delegated-administration boundary: developers may create roles under `/developer/`
/// only with this same boundary, and may pass only those roles.
pub(super) fn developer_boundary(account: &str, self_arn: &str) -> Draft {
    let developer_roles = format!("arn:aws:iam::{account}:role/developer/*");
    let statements = vec![
        json!({"Sid": "AllowAllButIdentityAndOrganization", "Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}),
        json!({"Sid": "ReadIam", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*", "iam:SimulatePrincipalPolicy"], "Resource": "*"}),
        json!({"Sid": "CreateBoundedRoles", "Effect": "Allow", "Action": ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:DeleteRolePolicy"], "Resource": developer_roles.clone(), "Condition": {"StringEquals": {"iam:PermissionsBoundary": self_arn}}}),
        json!({"Sid": "PassBoundedRoles", "Effect": "Allow", "Action": "iam:PassRole", "Resource": developer_roles}),
        json!({"Sid": "DenyBoundaryChanges", "Effect": "Deny", "Action": ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary", "iam:PutUserPermissionsBoundary", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"], "Resource": "*"}),
    ];
    Draft::new("DeveloperBoundary".into(), doc(statements))
        .described("Permissions boundary for developer-created roles and contractors")
}

/// A boundary for workloads: data-plane actions only.
pub(super) fn workload_boundary() -> Draft {
    let statements = vec![json!({
        "Sid": "DataPlaneOnly",
        "Effect": "Allow",
        "Action": ["s3:Get*", "s3:List*", "s3:PutObject", "dynamodb:*", "sqs:*", "sns:Publish", "logs:*", "cloudwatch:PutMetricData", "kms:Decrypt", "kms:GenerateDataKey*", "secretsmanager:GetSecretValue", "ssm:GetParameter*", "xray:Put*"],
        "Resource": "*",
    })];
    Draft::new("WorkloadBoundary".into(), doc(statements))
}

/// A boundary someone wrote and forgot to restrict.
pub(super) fn allow_all_boundary() -> Draft {
    let statements = vec![json!({"Sid": "TemporaryAllowAll", "Effect": "Allow", "Action": "*", "Resource": "*"})];
    Draft::new("BoundaryTemporary".into(), doc(statements))
}

// ---------------------------------------------------------------------------------------------
// Planted escalations.

/// Everything but two destructive actions: administrator access in all but name.
pub(super) fn not_action_admin() -> Draft {
    let statements = vec![
        json!({"Sid": "EverythingButDeletes", "Effect": "Allow", "NotAction": ["s3:DeleteBucket", "cloudtrail:DeleteTrail"], "Resource": "*"}),
    ];
    Draft::new("OperationsFullAccess".into(), doc(statements)).caps(Caps { escalate: None, ..Caps::admin() })
}

/// Every action on everything but the production data buckets: still `iam:*` on every IAM
/// resource.
pub(super) fn not_resource_admin(buckets: &[String]) -> Draft {
    let mut excluded: Vec<String> = buckets.iter().take(2).map(|b| format!("arn:aws:s3:::{b}")).collect();
    excluded.extend(buckets.iter().take(2).map(|b| format!("arn:aws:s3:::{b}/*")));
    if excluded.is_empty() {
        excluded.push("arn:aws:s3:::*-prod-*".into());
    }
    let statements =
        vec![json!({"Sid": "AllButProductionData", "Effect": "Allow", "Action": "*", "NotResource": excluded})];
    Draft::new("PlatformEngineerAccess".into(), doc(statements)).caps(Caps {
        iam_full: true,
        assume_any: true,
        create: ALL_SERVICES,
        pass_any: ALL_SERVICES,
        ..Caps::default()
    })
}

/// `iam:CreatePolicyVersion` on every customer-managed policy, this one included.
pub(super) fn create_policy_version(account: &str) -> Draft {
    let statements = vec![
        json!({"Sid": "MaintainPolicies", "Effect": "Allow", "Action": ["iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"], "Resource": format!("arn:aws:iam::{account}:policy/*")}),
        json!({"Sid": "ListPolicies", "Effect": "Allow", "Action": "iam:ListPolicies", "Resource": "*"}),
    ];
    Draft::new("PolicyMaintainer".into(), doc(statements))
        .caps(Caps { escalate: Some("iam:CreatePolicyVersion"), ..Caps::default() })
}

/// The current version of a policy whose first version granted `*` on `*`, allowing its holder
/// to switch the default version back.
pub(super) fn set_default_version(account: &str, self_arn: &str) -> (Draft, Value) {
    let statements = vec![
        json!({"Sid": "ReadOnlyIam", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}),
        json!({"Sid": "ManageOwnVersions", "Effect": "Allow", "Action": ["iam:SetDefaultPolicyVersion", "iam:ListPolicyVersions"], "Resource": self_arn}),
        json!({"Sid": "Deploy", "Effect": "Allow", "Action": ["cloudformation:Describe*", "cloudformation:List*"], "Resource": format!("arn:aws:cloudformation:*:{account}:stack/*")}),
    ];
    let old = doc(vec![json!({"Effect": "Allow", "Action": "*", "Resource": "*"})]);
    let draft = Draft::new("release-managers".into(), doc(statements))
        .caps(Caps { escalate: Some("iam:SetDefaultPolicyVersion"), ..Caps::default() });
    (draft, old)
}

/// A role that may write its own policies (`role/*`).
pub(super) fn put_role_policy_any(account: &str) -> Draft {
    let statements = vec![json!({
        "Sid": "ManageApplicationRoles",
        "Effect": "Allow",
        "Action": ["iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:GetRole", "iam:ListRolePolicies"],
        "Resource": format!("arn:aws:iam::{account}:role/*"),
    })];
    Draft::new("manage-roles".into(), doc(statements))
        .caps(Caps { escalate: Some("iam:PutRolePolicy"), ..Caps::default() })
}

/// Users may attach policies to themselves: meant for self-service, escalates instead.
pub(super) fn attach_own_user_policy() -> Draft {
    let statements = vec![json!({
        "Sid": "SelfServicePolicies",
        "Effect": "Allow",
        "Action": ["iam:AttachUserPolicy", "iam:DetachUserPolicy", "iam:ListAttachedUserPolicies"],
        "Resource": "arn:aws:iam::*:user/${aws:username}",
    })];
    Draft::new("SelfServicePolicies".into(), doc(statements))
        .caps(Caps { escalate: Some("iam:AttachUserPolicy"), ..Caps::default() })
}

/// Helpdesk may add users to any group, the administrators' included.
pub(super) fn add_user_to_group(account: &str) -> Draft {
    let statements = vec![json!({
        "Sid": "HelpdeskGroupMembership",
        "Effect": "Allow",
        "Action": ["iam:AddUserToGroup", "iam:RemoveUserFromGroup", "iam:ListGroups", "iam:GetGroup"],
        "Resource": format!("arn:aws:iam::{account}:group/*"),
    })];
    Draft::new("HelpdeskGroupMembership".into(), doc(statements))
        .caps(Caps { escalate: Some("iam:AddUserToGroup"), ..Caps::default() })
}

/// `ec2:RunInstances` with `iam:PassRole` on every role, for any service.
pub(super) fn pass_any_role(service: u8) -> Draft {
    let (sid, actions, name) = match service {
        SVC_EC2 => (
            "Instances",
            json!(["ec2:RunInstances", "ec2:Describe*", "ec2:CreateTags", "ec2:AssociateIamInstanceProfile"]),
            "ci-instances",
        ),
        SVC_GLUE => (
            "GlueDevEndpoints",
            json!(["glue:CreateJob", "glue:StartJobRun", "glue:CreateDevEndpoint", "glue:GetJob*"]),
            "etl-admin",
        ),
        SVC_CODEBUILD => (
            "Builds",
            json!(["codebuild:CreateProject", "codebuild:StartBuild", "codebuild:BatchGetBuilds"]),
            "build-admin",
        ),
        SVC_CFN => ("Stacks", json!(["cloudformation:*"]), "stack-admin"),
        _ => (
            "Functions",
            json!([
                "lambda:CreateFunction",
                "lambda:InvokeFunction",
                "lambda:UpdateFunctionCode",
                "lambda:GetFunction"
            ]),
            "serverless-admin",
        ),
    };
    let statements = vec![
        json!({"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": "*"}),
        json!({"Sid": "PassAnyRole", "Effect": "Allow", "Action": ["iam:PassRole", "iam:GetRole", "iam:ListInstanceProfiles"], "Resource": "*"}),
    ];
    Draft::new(name.into(), doc(statements)).caps(Caps { create: service, pass_any: ALL_SERVICES, ..Caps::default() })
}

/// The caps of `Action: "*"` written inline (lazy administrators).
pub(super) fn inline_admin(name: &str) -> Draft {
    Draft::new(name.into(), doc(vec![json!({"Effect": "Allow", "Action": "*", "Resource": "*"})])).caps(Caps::admin())
}

/// Creating roles and attaching any policy: unrestricted IAM writes without `iam:*`.
pub(super) fn iam_role_admin(account: &str) -> Draft {
    let statements = vec![json!({
        "Sid": "IdentityAdministration",
        "Effect": "Allow",
        "Action": ["iam:Create*", "iam:Attach*", "iam:Put*", "iam:Update*", "iam:Delete*", "iam:Detach*", "iam:Get*", "iam:List*", "iam:PassRole", "iam:Tag*"],
        "Resource": [format!("arn:aws:iam::{account}:role/*"), format!("arn:aws:iam::{account}:user/*"), format!("arn:aws:iam::{account}:group/*"), format!("arn:aws:iam::{account}:policy/*"), format!("arn:aws:iam::{account}:instance-profile/*")],
    })];
    Draft::new("IdentityAdministrators".into(), doc(statements)).caps(Caps {
        iam_full: true,
        pass_any: ALL_SERVICES,
        ..Caps::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope<'static> {
        Scope {
            account: "111122223333",
            region: "us-east-1",
            app: "payments-api",
            env: "prod",
            buckets: &[],
            queues: &[],
            topics: &[],
            keys: &[],
        }
    }

    /// Every template, every branch, parses as the identity policy it is.
    #[test]
    fn every_document_parses() {
        use remit_aws_policy::{Policy, PolicyKind};
        let scope = scope();
        let mut drafts = Vec::new();
        for seed in 0..200 {
            let mut rng = Rng::new(seed, "policies-test", 0);
            drafts.push(app_policy(&mut rng, &scope));
            drafts.push(role_inline(&mut rng, &scope));
            drafts.push(contractor(&mut rng, &scope, "2026-12-31T00:00:00Z"));
            drafts.push(deny_outside_regions(&mut rng));
        }
        for svc in [SVC_LAMBDA, SVC_EC2, SVC_CFN, SVC_GLUE, SVC_CODEBUILD] {
            drafts.push(deploy_policy(&scope, svc));
            drafts.push(pass_any_role(svc));
        }
        let arn = "arn:aws:iam::111122223333:policy/x";
        let (current, old) = set_default_version("111122223333", arn);
        drafts.extend([
            force_mfa(),
            self_service_credentials(),
            corporate_network_only(),
            developers_base("111122223333", "payments"),
            data_science("111122223333", &["b".to_owned()]),
            support_engineer(),
            developer_boundary("111122223333", arn),
            workload_boundary(),
            allow_all_boundary(),
            not_action_admin(),
            not_resource_admin(&[]),
            create_policy_version("111122223333"),
            current,
            put_role_policy_any("111122223333"),
            attach_own_user_policy(),
            add_user_to_group("111122223333"),
            inline_admin("admin"),
            iam_role_admin("111122223333"),
            assume_roles("x".into(), vec!["arn:aws:iam::*:role/a".into()]),
        ]);
        for draft in &drafts {
            if let Err(err) = Policy::from_json(&draft.doc, PolicyKind::Identity) {
                panic!("{}: {err:?}\n{}", draft.name, draft.doc);
            }
        }
        assert!(Policy::from_json(&old, PolicyKind::Identity).is_ok());
    }
}
