//! The AWS-managed policies this generator attaches, with plausible documents.
//!
//! The documents follow the real policies' structure (the same `NotAction` in
//! `PowerUserAccess`, the same `iam:PassedToService` condition in `AWSLambda_FullAccess`), with
//! the long read-only lists abridged. What matters for analyses is kept exact: which of them
//! grant `*`, `iam:*`, `sts:AssumeRole`, `iam:PassRole` or a compute-creating action; that is
//! recorded beside each document as its [`Caps`].

use serde_json::{Value, json};

use crate::aws_org::{
    model::{ALL_SERVICES, Caps, SVC_CFN, SVC_CODEBUILD, SVC_EC2, SVC_GLUE, SVC_LAMBDA},
    rng::stable_id,
};

/// One AWS-managed policy.
pub(super) struct AwsManaged {
    pub(super) name: &'static str,
    /// `/`, `/job-function/`, `/service-role/` or `/aws-service-role/`.
    pub(super) path: &'static str,
    pub(super) version: &'static str,
    pub(super) created: &'static str,
    pub(super) updated: &'static str,
    doc: fn() -> Value,
    caps: fn() -> Caps,
}

impl AwsManaged {
    pub(super) fn arn(&self) -> String {
        format!("arn:aws:iam::aws:policy{}{}", self.path, self.name)
    }

    /// The policy id, the same in every account (AWS-managed policies are global).
    pub(super) fn id(&self) -> String {
        if self.name == "AdministratorAccess" {
            return "ANPAIWMBCKSKIEE64ZLYK".to_owned();
        }
        stable_id("ANPA", self.name)
    }

    pub(super) fn document(&self) -> Value {
        (self.doc)()
    }

    pub(super) fn caps(&self) -> Caps {
        (self.caps)()
    }
}

/// The index of `name` in [`CATALOG`].
pub(super) fn index(name: &str) -> Option<u16> {
    CATALOG.iter().position(|p| p.name == name).and_then(|idx| u16::try_from(idx).ok())
}

fn doc(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn allow(actions: &[&str], resource: &str) -> Value {
    let action: Value = if actions.len() == 1 { json!(actions[0]) } else { json!(actions) };
    json!({"Effect": "Allow", "Action": action, "Resource": resource})
}

fn allow_sid(sid: &str, actions: &[&str], resource: Value) -> Value {
    json!({"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource})
}

fn read_patterns(services: &[&str], verbs: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for s in services {
        for v in verbs {
            out.push(format!("{s}:{v}*"));
        }
    }
    out
}

fn none() -> Caps {
    Caps::default()
}

const READ_SERVICES: &[&str] = &[
    "access-analyzer",
    "acm",
    "apigateway",
    "application-autoscaling",
    "appsync",
    "athena",
    "autoscaling",
    "backup",
    "batch",
    "ce",
    "cloudformation",
    "cloudfront",
    "cloudtrail",
    "cloudwatch",
    "codebuild",
    "codecommit",
    "codedeploy",
    "codepipeline",
    "cognito-identity",
    "cognito-idp",
    "config",
    "dax",
    "dms",
    "ds",
    "dynamodb",
    "ec2",
    "ecr",
    "ecs",
    "eks",
    "elasticache",
    "elasticbeanstalk",
    "elasticfilesystem",
    "elasticloadbalancing",
    "emr",
    "es",
    "events",
    "firehose",
    "glacier",
    "glue",
    "guardduty",
    "health",
    "iam",
    "inspector2",
    "kafka",
    "kinesis",
    "kms",
    "lambda",
    "logs",
    "organizations",
    "rds",
    "redshift",
    "route53",
    "s3",
    "sagemaker",
    "secretsmanager",
    "securityhub",
    "ses",
    "sns",
    "sqs",
    "ssm",
    "states",
    "sts",
    "tag",
    "waf",
    "wafv2",
    "xray",
];

fn read_only() -> Value {
    let mut actions = read_patterns(READ_SERVICES, &["Describe", "Get", "List"]);
    actions.retain(|a| a != "sts:List*" && a != "sts:Describe*");
    actions.extend(
        [
            "dynamodb:BatchGetItem",
            "dynamodb:Query",
            "dynamodb:Scan",
            "logs:FilterLogEvents",
            "logs:StartQuery",
            "s3:ListBucket",
            "sqs:ReceiveMessage",
        ]
        .map(String::from),
    );
    doc(vec![json!({"Sid": "ReadOnlyActions", "Effect": "Allow", "Action": actions, "Resource": "*"})])
}

fn view_only() -> Value {
    let services = &READ_SERVICES[..40];
    let mut actions = read_patterns(services, &["Describe", "List"]);
    actions.retain(|a| !a.starts_with("sts:"));
    doc(vec![json!({"Effect": "Allow", "Action": actions, "Resource": "*"})])
}

fn security_audit() -> Value {
    let services = [
        "access-analyzer",
        "acm",
        "apigateway",
        "cloudformation",
        "cloudfront",
        "cloudtrail",
        "cloudwatch",
        "config",
        "ec2",
        "ecr",
        "ecs",
        "eks",
        "elasticloadbalancing",
        "guardduty",
        "iam",
        "kms",
        "lambda",
        "logs",
        "organizations",
        "rds",
        "route53",
        "s3",
        "secretsmanager",
        "securityhub",
        "sns",
        "sqs",
        "ssm",
        "waf",
    ];
    let mut actions = read_patterns(&services, &["Describe", "List"]);
    actions.extend(
        [
            "iam:GenerateCredentialReport",
            "iam:GetAccountAuthorizationDetails",
            "iam:GetCredentialReport",
            "iam:GetPolicy",
            "iam:GetPolicyVersion",
            "iam:GetRole",
            "iam:GetRolePolicy",
            "iam:GetUserPolicy",
            "kms:GetKeyPolicy",
            "kms:GetKeyRotationStatus",
            "lambda:GetPolicy",
            "s3:GetAccountPublicAccessBlock",
            "s3:GetBucketAcl",
            "s3:GetBucketPolicy",
            "s3:GetBucketPolicyStatus",
            "s3:GetBucketPublicAccessBlock",
            "s3:GetEncryptionConfiguration",
            "secretsmanager:GetResourcePolicy",
            "sns:GetTopicAttributes",
            "sqs:GetQueueAttributes",
        ]
        .map(String::from),
    );
    doc(vec![json!({"Effect": "Allow", "Action": actions, "Resource": "*"})])
}

/// The AWS-managed policies, in a fixed order (indices are stored in plans).
pub(super) static CATALOG: &[AwsManaged] = &[
    AwsManaged {
        name: "AdministratorAccess",
        path: "/",
        version: "v1",
        created: "2015-02-06T18:39:46+00:00",
        updated: "2015-02-06T18:39:46+00:00",
        doc: || doc(vec![allow(&["*"], "*")]),
        caps: || Caps::admin(),
    },
    AwsManaged {
        name: "PowerUserAccess",
        path: "/",
        version: "v5",
        created: "2015-02-06T18:39:47+00:00",
        updated: "2023-07-06T22:04:19+00:00",
        doc: || {
            doc(vec![
                json!({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}),
                json!({"Effect": "Allow", "Action": ["account:GetAccountInformation", "account:GetPrimaryEmail", "account:ListRegions", "iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles", "organizations:DescribeOrganization"], "Resource": "*"}),
            ])
        },
        caps: || Caps {
            assume_any: true,
            create: SVC_LAMBDA | SVC_EC2 | SVC_CFN | SVC_GLUE | SVC_CODEBUILD,
            ..Caps::default()
        },
    },
    AwsManaged {
        name: "ReadOnlyAccess",
        path: "/",
        version: "v121",
        created: "2015-02-06T18:39:48+00:00",
        updated: "2025-09-30T17:42:10+00:00",
        doc: read_only,
        caps: none,
    },
    AwsManaged {
        name: "ViewOnlyAccess",
        path: "/job-function/",
        version: "v45",
        created: "2016-11-10T17:20:15+00:00",
        updated: "2025-04-22T18:12:21+00:00",
        doc: view_only,
        caps: none,
    },
    AwsManaged {
        name: "SecurityAudit",
        path: "/",
        version: "v48",
        created: "2015-02-06T18:41:01+00:00",
        updated: "2025-08-17T15:27:26+00:00",
        doc: security_audit,
        caps: none,
    },
    AwsManaged {
        name: "IAMFullAccess",
        path: "/",
        version: "v2",
        created: "2015-02-06T18:40:38+00:00",
        updated: "2019-06-21T19:40:00+00:00",
        doc: || {
            doc(vec![allow(
                &[
                    "iam:*",
                    "organizations:DescribeAccount",
                    "organizations:DescribeOrganization",
                    "organizations:DescribeOrganizationalUnit",
                    "organizations:DescribePolicy",
                    "organizations:ListChildren",
                    "organizations:ListParents",
                    "organizations:ListPoliciesForTarget",
                    "organizations:ListRoots",
                    "organizations:ListPolicies",
                    "organizations:ListTargetsForPolicy",
                ],
                "*",
            )])
        },
        caps: || Caps { iam_full: true, ..Caps::default() },
    },
    AwsManaged {
        name: "IAMReadOnlyAccess",
        path: "/",
        version: "v4",
        created: "2015-02-06T18:40:39+00:00",
        updated: "2018-01-25T19:11:27+00:00",
        doc: || {
            doc(vec![allow(
                &[
                    "iam:GenerateCredentialReport",
                    "iam:GenerateServiceLastAccessedDetails",
                    "iam:Get*",
                    "iam:List*",
                    "iam:SimulateCustomPolicy",
                    "iam:SimulatePrincipalPolicy",
                ],
                "*",
            )])
        },
        caps: none,
    },
    AwsManaged {
        name: "Billing",
        path: "/job-function/",
        version: "v15",
        created: "2016-11-10T17:33:18+00:00",
        updated: "2024-06-03T20:21:05+00:00",
        doc: || {
            doc(vec![
                json!({"Sid": "VisualEditor0", "Effect": "Allow", "Action": ["account:GetAccountInformation", "aws-portal:*Billing", "aws-portal:*PaymentMethods", "aws-portal:*Usage", "billing:*", "budgets:ModifyBudget", "budgets:ViewBudget", "ce:*", "consolidatedbilling:*", "cur:*", "freetier:*", "invoicing:*", "payments:*", "pricing:*", "purchase-orders:*", "tax:*"], "Resource": "*"}),
            ])
        },
        caps: none,
    },
    AwsManaged {
        name: "DatabaseAdministrator",
        path: "/job-function/",
        version: "v7",
        created: "2016-11-10T17:25:43+00:00",
        updated: "2023-03-31T17:02:17+00:00",
        doc: || {
            doc(vec![
                allow(
                    &[
                        "cloudwatch:DeleteAlarms",
                        "cloudwatch:Describe*",
                        "cloudwatch:GetMetricStatistics",
                        "cloudwatch:PutMetricAlarm",
                        "dynamodb:*",
                        "ec2:Describe*",
                        "elasticache:*",
                        "lambda:CreateEventSourceMapping",
                        "lambda:CreateFunction",
                        "lambda:GetFunctionConfiguration",
                        "lambda:ListFunctions",
                        "rds:*",
                        "redshift:*",
                        "s3:CreateBucket",
                        "sns:CreateTopic",
                        "sns:Publish",
                    ],
                    "*",
                ),
                json!({"Effect": "Allow", "Action": ["iam:GetRole", "iam:PassRole"], "Resource": ["arn:aws:iam::*:role/rds-monitoring-role", "arn:aws:iam::*:role/rdbms-lambda-access", "arn:aws:iam::*:role/lambda_exec_role", "arn:aws:iam::*:role/lambda-dynamodb-*", "arn:aws:iam::*:role/lambda-vpc-execution-role", "arn:aws:iam::*:role/DataPipelineDefaultRole", "arn:aws:iam::*:role/DataPipelineDefaultResourceRole"]}),
            ])
        },
        // `iam:PassRole` on these names without an `iam:PassedToService` condition.
        caps: || Caps {
            create: SVC_LAMBDA,
            pass: [
                "rds-monitoring-role",
                "rdbms-lambda-access",
                "lambda_exec_role",
                "lambda-dynamodb-*",
                "lambda-vpc-execution-role",
                "DataPipelineDefaultRole",
                "DataPipelineDefaultResourceRole",
            ]
            .iter()
            .map(|name| (format!("arn:aws:iam::*:role/{name}"), ALL_SERVICES))
            .collect(),
            ..Caps::default()
        },
    },
    AwsManaged {
        name: "NetworkAdministrator",
        path: "/job-function/",
        version: "v12",
        created: "2016-11-10T17:31:35+00:00",
        updated: "2023-06-02T18:46:16+00:00",
        doc: || {
            doc(vec![
                allow(
                    &[
                        "autoscaling:Describe*",
                        "cloudfront:ListDistributions",
                        "directconnect:*",
                        "ec2:AcceptVpcPeeringConnection",
                        "ec2:AllocateAddress",
                        "ec2:AssociateRouteTable",
                        "ec2:AttachInternetGateway",
                        "ec2:AttachVpnGateway",
                        "ec2:CreateFlowLogs",
                        "ec2:CreateNatGateway",
                        "ec2:CreateRoute",
                        "ec2:CreateRouteTable",
                        "ec2:CreateSubnet",
                        "ec2:CreateVpc",
                        "ec2:CreateVpcEndpoint",
                        "ec2:DeleteRoute",
                        "ec2:Describe*",
                        "ec2:ModifyVpcAttribute",
                        "elasticloadbalancing:*",
                        "route53:*",
                        "route53domains:*",
                        "route53resolver:*",
                    ],
                    "*",
                ),
                json!({"Effect": "Allow", "Action": ["iam:GetRole", "iam:PassRole"], "Resource": "arn:aws:iam::*:role/flow-logs-*"}),
            ])
        },
        caps: || Caps { pass: vec![("arn:aws:iam::*:role/flow-logs-*".to_owned(), ALL_SERVICES)], ..Caps::default() },
    },
    AwsManaged {
        name: "AmazonS3FullAccess",
        path: "/",
        version: "v2",
        created: "2015-02-06T18:40:58+00:00",
        updated: "2021-09-27T20:16:37+00:00",
        doc: || doc(vec![allow(&["s3:*", "s3-object-lambda:*"], "*")]),
        caps: none,
    },
    AwsManaged {
        name: "AmazonS3ReadOnlyAccess",
        path: "/",
        version: "v3",
        created: "2015-02-06T18:40:59+00:00",
        updated: "2023-08-10T21:31:39+00:00",
        doc: || {
            doc(vec![allow(
                &["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"],
                "*",
            )])
        },
        caps: none,
    },
    AwsManaged {
        name: "AmazonEC2FullAccess",
        path: "/",
        version: "v5",
        created: "2015-02-06T18:40:15+00:00",
        updated: "2018-11-27T02:16:56+00:00",
        doc: || {
            doc(vec![
                allow(&["ec2:*"], "*"),
                allow(&["elasticloadbalancing:*"], "*"),
                allow(&["cloudwatch:*"], "*"),
                allow(&["autoscaling:*"], "*"),
                json!({"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*", "Condition": {"StringEquals": {"iam:AWSServiceName": ["autoscaling.amazonaws.com", "ec2scheduled.amazonaws.com", "elasticloadbalancing.amazonaws.com", "spot.amazonaws.com", "spotfleet.amazonaws.com", "transitgateway.amazonaws.com"]}}}),
            ])
        },
        caps: || Caps { create: SVC_EC2, ..Caps::default() },
    },
    AwsManaged {
        name: "AmazonEC2ReadOnlyAccess",
        path: "/",
        version: "v1",
        created: "2015-02-06T18:40:17+00:00",
        updated: "2015-02-06T18:40:17+00:00",
        doc: || {
            doc(vec![
                allow(&["ec2:Describe*"], "*"),
                allow(&["elasticloadbalancing:Describe*"], "*"),
                allow(&["cloudwatch:ListMetrics", "cloudwatch:GetMetricStatistics", "cloudwatch:Describe*"], "*"),
                allow(&["autoscaling:Describe*"], "*"),
            ])
        },
        caps: none,
    },
    AwsManaged {
        name: "AmazonDynamoDBFullAccess",
        path: "/",
        version: "v18",
        created: "2015-02-06T18:40:11+00:00",
        updated: "2024-08-14T19:11:03+00:00",
        doc: || {
            doc(vec![
                allow(
                    &[
                        "application-autoscaling:*",
                        "cloudwatch:DeleteAlarms",
                        "cloudwatch:DescribeAlarms",
                        "cloudwatch:GetMetricData",
                        "cloudwatch:PutMetricAlarm",
                        "dax:*",
                        "dynamodb:*",
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeVpcs",
                        "iam:GetRole",
                        "iam:ListRoles",
                        "kms:DescribeKey",
                        "kms:ListAliases",
                        "sns:CreateTopic",
                        "sns:ListSubscriptions",
                        "sns:ListTopics",
                        "sns:Subscribe",
                    ],
                    "*",
                ),
                json!({"Action": "iam:PassRole", "Effect": "Allow", "Resource": "*", "Condition": {"StringLike": {"iam:PassedToService": ["application-autoscaling.amazonaws.com", "application-autoscaling.amazonaws.com.cn", "dax.amazonaws.com"]}}}),
            ])
        },
        caps: none,
    },
    AwsManaged {
        name: "AmazonDynamoDBReadOnlyAccess",
        path: "/",
        version: "v14",
        created: "2015-02-06T18:40:12+00:00",
        updated: "2024-05-01T17:34:22+00:00",
        doc: || {
            doc(vec![allow(
                &[
                    "application-autoscaling:DescribeScalableTargets",
                    "cloudwatch:GetMetricData",
                    "dax:Describe*",
                    "dax:List*",
                    "dax:GetItem",
                    "dax:BatchGetItem",
                    "dax:Query",
                    "dax:Scan",
                    "dynamodb:BatchGetItem",
                    "dynamodb:Describe*",
                    "dynamodb:List*",
                    "dynamodb:GetItem",
                    "dynamodb:Query",
                    "dynamodb:Scan",
                    "dynamodb:PartiQLSelect",
                ],
                "*",
            )])
        },
        caps: none,
    },
    AwsManaged {
        name: "AmazonSQSFullAccess",
        path: "/",
        version: "v2",
        created: "2015-02-06T18:41:07+00:00",
        updated: "2024-02-05T17:53:46+00:00",
        doc: || doc(vec![allow(&["sqs:*"], "*")]),
        caps: none,
    },
    AwsManaged {
        name: "AmazonSNSFullAccess",
        path: "/",
        version: "v1",
        created: "2015-02-06T18:41:05+00:00",
        updated: "2015-02-06T18:41:05+00:00",
        doc: || doc(vec![allow(&["sns:*"], "*")]),
        caps: none,
    },
    AwsManaged {
        name: "AWSLambda_FullAccess",
        path: "/",
        version: "v7",
        created: "2020-11-23T19:05:51+00:00",
        updated: "2025-02-12T18:00:51+00:00",
        doc: || {
            doc(vec![
                allow(
                    &[
                        "cloudformation:DescribeStacks",
                        "cloudformation:ListStackResources",
                        "cloudwatch:ListMetrics",
                        "cloudwatch:GetMetricData",
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeVpcs",
                        "kms:DescribeKey",
                        "kms:ListAliases",
                        "iam:GetPolicy",
                        "iam:GetPolicyVersion",
                        "iam:GetRole",
                        "iam:GetRolePolicy",
                        "iam:ListAttachedRolePolicies",
                        "iam:ListRolePolicies",
                        "iam:ListRoles",
                        "lambda:*",
                        "logs:DescribeLogGroups",
                        "states:DescribeStateMachine",
                        "states:ListStateMachines",
                        "tag:GetResources",
                        "xray:GetTraceSummaries",
                        "xray:BatchGetTraces",
                    ],
                    "*",
                ),
                json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}),
                json!({"Effect": "Allow", "Action": ["logs:DescribeLogStreams", "logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartLiveTail", "logs:StopLiveTail"], "Resource": "arn:aws:logs:*:*:log-group:/aws/lambda/*"}),
            ])
        },
        caps: || Caps { create: SVC_LAMBDA, pass_any: SVC_LAMBDA, ..Caps::default() },
    },
    AwsManaged {
        name: "AWSLambda_ReadOnlyAccess",
        path: "/",
        version: "v3",
        created: "2020-11-23T19:05:51+00:00",
        updated: "2023-05-12T16:18:45+00:00",
        doc: || {
            doc(vec![allow(
                &[
                    "cloudformation:DescribeStacks",
                    "cloudformation:ListStackResources",
                    "cloudwatch:GetMetricData",
                    "cloudwatch:ListMetrics",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeVpcs",
                    "iam:GetRole",
                    "iam:ListRoles",
                    "lambda:Get*",
                    "lambda:List*",
                    "logs:DescribeLogGroups",
                    "states:DescribeStateMachine",
                    "tag:GetResources",
                    "xray:GetTraceSummaries",
                ],
                "*",
            )])
        },
        caps: none,
    },
    AwsManaged {
        name: "CloudWatchLogsFullAccess",
        path: "/",
        version: "v2",
        created: "2015-02-06T18:40:02+00:00",
        updated: "2022-10-04T16:45:31+00:00",
        doc: || {
            doc(vec![
                json!({"Sid": "CloudWatchLogsFullAccess", "Effect": "Allow", "Action": ["logs:*", "cloudwatch:GenerateQuery"], "Resource": "*"}),
            ])
        },
        caps: none,
    },
    AwsManaged {
        name: "CloudWatchReadOnlyAccess",
        path: "/",
        version: "v18",
        created: "2015-02-06T18:40:01+00:00",
        updated: "2025-01-14T18:26:11+00:00",
        doc: || {
            doc(vec![
                json!({"Sid": "CloudWatchReadOnlyAccessPermissions", "Effect": "Allow", "Action": ["application-autoscaling:DescribeScalingPolicies", "autoscaling:Describe*", "cloudwatch:BatchGet*", "cloudwatch:Describe*", "cloudwatch:GenerateQuery", "cloudwatch:Get*", "cloudwatch:List*", "logs:Get*", "logs:List*", "logs:StartQuery", "logs:StopQuery", "logs:Describe*", "logs:TestMetricFilter", "logs:FilterLogEvents", "sns:Get*", "sns:List*"], "Resource": "*"}),
            ])
        },
        caps: none,
    },
    AwsManaged {
        name: "AmazonRDSFullAccess",
        path: "/",
        version: "v12",
        created: "2015-02-06T18:40:52+00:00",
        updated: "2023-09-21T16:48:49+00:00",
        doc: || {
            doc(vec![
                allow_sid(
                    "AmazonRDSFullAccess",
                    &[
                        "rds:*",
                        "application-autoscaling:DeleteScalingPolicy",
                        "application-autoscaling:DescribeScalableTargets",
                        "application-autoscaling:PutScalingPolicy",
                        "application-autoscaling:RegisterScalableTarget",
                        "cloudwatch:DescribeAlarms",
                        "cloudwatch:GetMetricStatistics",
                        "cloudwatch:PutMetricAlarm",
                        "ec2:DescribeAccountAttributes",
                        "ec2:DescribeAvailabilityZones",
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeVpcs",
                        "sns:ListSubscriptions",
                        "sns:ListTopics",
                        "sns:Publish",
                        "logs:DescribeLogStreams",
                        "logs:GetLogEvents",
                        "outposts:GetOutpostInstanceTypes",
                        "devops-guru:GetResourceCollection",
                    ],
                    json!("*"),
                ),
                allow_sid(
                    "PerformanceInsightsFullAccess",
                    &["pi:*"],
                    json!(["arn:aws:pi:*:*:metrics/rds/*", "arn:aws:pi:*:*:perf-reports/rds/*"]),
                ),
                json!({"Sid": "CreateServiceLinkedRole", "Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*", "Condition": {"StringLike": {"iam:AWSServiceName": ["rds.amazonaws.com", "rds.application-autoscaling.amazonaws.com"]}}}),
            ])
        },
        caps: none,
    },
    AwsManaged {
        name: "AWSSupportAccess",
        path: "/",
        version: "v1",
        created: "2015-02-06T18:41:11+00:00",
        updated: "2015-02-06T18:41:11+00:00",
        doc: || doc(vec![allow(&["support:*"], "*")]),
        caps: none,
    },
    AwsManaged {
        name: "SecretsManagerReadWrite",
        path: "/",
        version: "v5",
        created: "2018-04-04T18:05:29+00:00",
        updated: "2024-03-25T19:40:17+00:00",
        doc: || {
            doc(vec![
                json!({"Sid": "BasePermissions", "Effect": "Allow", "Action": ["secretsmanager:*", "cloudformation:CreateChangeSet", "cloudformation:DescribeChangeSet", "cloudformation:DescribeStackResource", "cloudformation:DescribeStacks", "cloudformation:ExecuteChangeSet", "docdb-elastic:GetCluster", "docdb-elastic:ListClusters", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "kms:DescribeKey", "kms:ListAliases", "kms:ListKeys", "lambda:ListFunctions", "rds:DescribeDBClusters", "rds:DescribeDBInstances", "redshift:DescribeClusters", "tag:GetResources"], "Resource": "*"}),
                json!({"Sid": "LambdaPermissions", "Effect": "Allow", "Action": ["lambda:AddPermission", "lambda:CreateFunction", "lambda:GetFunction", "lambda:InvokeFunction", "lambda:UpdateFunctionConfiguration"], "Resource": "arn:aws:lambda:*:*:function:SecretsManager*"}),
                json!({"Sid": "SARPermissions", "Effect": "Allow", "Action": ["serverlessrepo:CreateCloudFormationChangeSet", "serverlessrepo:GetApplication"], "Resource": "arn:aws:serverlessrepo:*:*:applications/SecretsManager*"}),
                json!({"Sid": "S3Permissions", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::awsserverlessrepo-changesets*", "arn:aws:s3:::secrets-manager-rotation-apps-*/*"]}),
            ])
        },
        caps: none,
    },
    AwsManaged {
        name: "AmazonSSMReadOnlyAccess",
        path: "/",
        version: "v1",
        created: "2015-05-29T17:44:19+00:00",
        updated: "2015-05-29T17:44:19+00:00",
        doc: || doc(vec![allow(&["ssm:Describe*", "ssm:Get*", "ssm:List*"], "*")]),
        caps: none,
    },
    AwsManaged {
        name: "AWSCloudTrail_ReadOnlyAccess",
        path: "/",
        version: "v3",
        created: "2022-05-02T21:11:03+00:00",
        updated: "2023-05-25T19:25:18+00:00",
        doc: || {
            doc(vec![allow(
                &["cloudtrail:Get*", "cloudtrail:Describe*", "cloudtrail:List*", "cloudtrail:LookupEvents"],
                "*",
            )])
        },
        caps: none,
    },
    AwsManaged {
        name: "AmazonSSMManagedInstanceCore",
        path: "/",
        version: "v3",
        created: "2019-03-15T17:22:12+00:00",
        updated: "2023-04-27T20:20:44+00:00",
        doc: || {
            doc(vec![
                allow(
                    &[
                        "ssm:DescribeAssociation",
                        "ssm:GetDeployablePatchSnapshotForInstance",
                        "ssm:GetDocument",
                        "ssm:DescribeDocument",
                        "ssm:GetManifest",
                        "ssm:GetParameter",
                        "ssm:GetParameters",
                        "ssm:ListAssociations",
                        "ssm:ListInstanceAssociations",
                        "ssm:PutInventory",
                        "ssm:PutComplianceItems",
                        "ssm:PutConfigurePackageResult",
                        "ssm:UpdateAssociationStatus",
                        "ssm:UpdateInstanceAssociationStatus",
                        "ssm:UpdateInstanceInformation",
                    ],
                    "*",
                ),
                allow(
                    &[
                        "ssmmessages:CreateControlChannel",
                        "ssmmessages:CreateDataChannel",
                        "ssmmessages:OpenControlChannel",
                        "ssmmessages:OpenDataChannel",
                    ],
                    "*",
                ),
                allow(
                    &[
                        "ec2messages:AcknowledgeMessage",
                        "ec2messages:DeleteMessage",
                        "ec2messages:FailMessage",
                        "ec2messages:GetEndpoint",
                        "ec2messages:GetMessages",
                        "ec2messages:SendReply",
                    ],
                    "*",
                ),
            ])
        },
        caps: none,
    },
    AwsManaged {
        name: "CloudWatchAgentServerPolicy",
        path: "/",
        version: "v2",
        created: "2017-09-13T00:00:35+00:00",
        updated: "2023-08-18T21:52:38+00:00",
        doc: || {
            doc(vec![
                json!({"Sid": "CWACloudWatchServerPermissions", "Effect": "Allow", "Action": ["cloudwatch:PutMetricData", "ec2:DescribeVolumes", "ec2:DescribeTags", "logs:PutLogEvents", "logs:PutRetentionPolicy", "logs:DescribeLogStreams", "logs:DescribeLogGroups", "logs:CreateLogStream", "logs:CreateLogGroup", "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"], "Resource": "*"}),
                json!({"Sid": "CWASSMServerPermissions", "Effect": "Allow", "Action": ["ssm:GetParameter"], "Resource": "arn:aws:ssm:*:*:parameter/AmazonCloudWatch-*"}),
            ])
        },
        caps: none,
    },
    AwsManaged {
        name: "AWSLambdaBasicExecutionRole",
        path: "/service-role/",
        version: "v1",
        created: "2015-04-09T15:03:43+00:00",
        updated: "2015-04-09T15:03:43+00:00",
        doc: || doc(vec![allow(&["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], "*")]),
        caps: none,
    },
    AwsManaged {
        name: "AWSLambdaVPCAccessExecutionRole",
        path: "/service-role/",
        version: "v3",
        created: "2016-02-11T23:15:26+00:00",
        updated: "2024-01-05T22:37:07+00:00",
        doc: || {
            doc(vec![
                json!({"Sid": "AWSLambdaVPCAccessExecutionPermissions", "Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"], "Resource": "*"}),
            ])
        },
        caps: none,
    },
    AwsManaged {
        name: "AWSLambdaSQSQueueExecutionRole",
        path: "/service-role/",
        version: "v2",
        created: "2016-11-21T16:21:06+00:00",
        updated: "2023-08-18T19:42:08+00:00",
        doc: || {
            doc(vec![allow(
                &[
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                ],
                "*",
            )])
        },
        caps: none,
    },
    AwsManaged {
        name: "AmazonECSTaskExecutionRolePolicy",
        path: "/service-role/",
        version: "v1",
        created: "2017-11-16T18:48:22+00:00",
        updated: "2017-11-16T18:48:22+00:00",
        doc: || {
            doc(vec![allow(
                &[
                    "ecr:GetAuthorizationToken",
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchGetImage",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                ],
                "*",
            )])
        },
        caps: none,
    },
    AwsManaged {
        name: "AWSGlueServiceRole",
        path: "/service-role/",
        version: "v5",
        created: "2017-08-14T13:37:39+00:00",
        updated: "2022-10-21T15:56:42+00:00",
        doc: || {
            doc(vec![
                allow(
                    &[
                        "glue:*",
                        "s3:GetBucketLocation",
                        "s3:ListBucket",
                        "s3:ListAllMyBuckets",
                        "s3:GetBucketAcl",
                        "ec2:DescribeVpcEndpoints",
                        "ec2:DescribeRouteTables",
                        "ec2:CreateNetworkInterface",
                        "ec2:DeleteNetworkInterface",
                        "ec2:DescribeNetworkInterfaces",
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeVpcAttribute",
                        "iam:ListRolePolicies",
                        "iam:GetRole",
                        "iam:GetRolePolicy",
                        "cloudwatch:PutMetricData",
                    ],
                    "*",
                ),
                json!({"Effect": "Allow", "Action": ["s3:CreateBucket"], "Resource": ["arn:aws:s3:::aws-glue-*"]}),
                json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "Resource": ["arn:aws:s3:::aws-glue-*/*", "arn:aws:s3:::*/*aws-glue-*/*"]}),
                json!({"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": ["arn:aws:logs:*:*:*:/aws-glue/*"]}),
            ])
        },
        caps: none,
    },
    AwsManaged {
        name: "AWSSupportServiceRolePolicy",
        path: "/aws-service-role/",
        version: "v38",
        created: "2018-04-19T18:04:44+00:00",
        updated: "2025-06-10T19:02:14+00:00",
        doc: || {
            doc(vec![
                json!({"Sid": "AWSSupportAPIGatewayAccess", "Effect": "Allow", "Action": ["apigateway:GET"], "Resource": ["arn:aws:apigateway:*::/account", "arn:aws:apigateway:*::/apis"]}),
                allow(
                    &[
                        "acm:DescribeCertificate",
                        "acm:ListCertificates",
                        "autoscaling:Describe*",
                        "cloudformation:Describe*",
                        "cloudtrail:DescribeTrails",
                        "cloudwatch:Describe*",
                        "ec2:Describe*",
                        "iam:GetAccountSummary",
                        "iam:ListRoles",
                        "lambda:ListFunctions",
                        "rds:Describe*",
                        "s3:GetBucketLocation",
                        "s3:ListAllMyBuckets",
                    ],
                    "*",
                ),
            ])
        },
        caps: none,
    },
    AwsManaged {
        name: "AWSTrustedAdvisorServiceRolePolicy",
        path: "/aws-service-role/",
        version: "v14",
        created: "2018-02-22T21:24:25+00:00",
        updated: "2024-12-12T19:22:44+00:00",
        doc: || {
            doc(vec![
                json!({"Sid": "TrustedAdvisorServiceRolePermissions", "Effect": "Allow", "Action": ["autoscaling:DescribeAccountLimits", "cloudformation:DescribeAccountLimits", "cloudtrail:DescribeTrails", "dynamodb:DescribeLimits", "ec2:DescribeInstances", "ec2:DescribeVolumes", "elasticloadbalancing:DescribeLoadBalancers", "iam:GenerateCredentialReport", "iam:GetAccountPasswordPolicy", "iam:GetAccountSummary", "iam:GetCredentialReport", "iam:ListServerCertificates", "rds:DescribeDBInstances", "s3:GetBucketAcl", "s3:GetBucketPolicy", "s3:ListAllMyBuckets"], "Resource": "*"}),
            ])
        },
        caps: none,
    },
    AwsManaged {
        name: "AWSOrganizationsServiceTrustPolicy",
        path: "/aws-service-role/",
        version: "v2",
        created: "2017-10-10T23:04:07+00:00",
        updated: "2017-11-01T06:01:18+00:00",
        doc: || {
            doc(vec![
                json!({"Sid": "AllowDeletionOfServiceLinkedRoleForOrganizations", "Effect": "Allow", "Action": ["iam:DeleteRole"], "Resource": ["arn:aws:iam::*:role/aws-service-role/organizations.amazonaws.com/*"]}),
                json!({"Sid": "AllowCreationOfServiceLinkedRoles", "Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole"], "Resource": "*"}),
            ])
        },
        caps: none,
    },
    AwsManaged {
        name: "AWSSSOServiceRolePolicy",
        path: "/aws-service-role/",
        version: "v28",
        created: "2017-12-05T18:36:15+00:00",
        updated: "2025-05-06T17:11:52+00:00",
        doc: || {
            doc(vec![
                json!({"Sid": "IAMRoleProvisioningActions", "Effect": "Allow", "Action": ["iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy"], "Resource": ["arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*"], "Condition": {"StringNotEquals": {"aws:PrincipalOrgMasterAccountId": "${aws:PrincipalAccount}"}}}),
                json!({"Sid": "IAMRoleReadActions", "Effect": "Allow", "Action": ["iam:GetRole", "iam:ListRoles"], "Resource": ["*"]}),
                json!({"Sid": "IAMSLRCleanupActions", "Effect": "Allow", "Action": ["iam:DeleteServiceLinkedRole", "iam:GetServiceLinkedRoleDeletionStatus", "iam:DeleteRole", "iam:GetRole"], "Resource": ["arn:aws:iam::*:role/aws-service-role/sso.amazonaws.com/AWSServiceRoleForSSO"]}),
            ])
        },
        caps: none,
    },
    AwsManaged {
        name: "AutoScalingServiceRolePolicy",
        path: "/aws-service-role/",
        version: "v9",
        created: "2018-01-08T23:10:55+00:00",
        updated: "2024-05-10T17:05:41+00:00",
        doc: || {
            doc(vec![
                json!({"Sid": "EC2InstanceManagement", "Effect": "Allow", "Action": ["ec2:AttachClassicLinkVpc", "ec2:CancelSpotInstanceRequests", "ec2:CreateFleet", "ec2:CreateTags", "ec2:DeleteTags", "ec2:Describe*", "ec2:DetachClassicLinkVpc", "ec2:ModifyInstanceAttribute", "ec2:RequestSpotInstances", "ec2:RunInstances", "ec2:StartInstances", "ec2:StopInstances", "ec2:TerminateInstances"], "Resource": "*"}),
                json!({"Sid": "EC2InstanceProfileManagement", "Effect": "Allow", "Action": ["iam:PassRole"], "Resource": "*", "Condition": {"StringLike": {"iam:PassedToService": "ec2.amazonaws.com*"}}}),
            ])
        },
        caps: none,
    },
    AwsManaged {
        name: "AWSElasticLoadBalancingServiceRolePolicy",
        path: "/aws-service-role/",
        version: "v9",
        created: "2017-09-19T22:19:04+00:00",
        updated: "2023-05-31T19:43:12+00:00",
        doc: || {
            doc(vec![allow(
                &[
                    "ec2:DescribeAddresses",
                    "ec2:DescribeInstances",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeVpcs",
                    "ec2:DescribeInternetGateways",
                    "ec2:DescribeAccountAttributes",
                    "ec2:DescribeClassicLinkInstances",
                    "ec2:DescribeVpcClassicLink",
                    "ec2:CreateSecurityGroup",
                    "ec2:CreateNetworkInterface",
                    "ec2:DeleteNetworkInterface",
                    "ec2:ModifyNetworkInterfaceAttribute",
                    "ec2:AuthorizeSecurityGroupIngress",
                    "ec2:AssociateAddress",
                    "ec2:DisassociateAddress",
                    "ec2:AttachNetworkInterface",
                    "ec2:DetachNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:AssignIpv6Addresses",
                    "ec2:UnassignIpv6Addresses",
                    "logs:CreateLogDelivery",
                    "logs:GetLogDelivery",
                    "logs:UpdateLogDelivery",
                    "logs:DeleteLogDelivery",
                    "logs:ListLogDeliveries",
                ],
                "*",
            )])
        },
        caps: none,
    },
    AwsManaged {
        name: "AmazonRDSServiceRolePolicy",
        path: "/aws-service-role/",
        version: "v16",
        created: "2018-01-08T18:17:46+00:00",
        updated: "2024-06-04T17:20:31+00:00",
        doc: || {
            doc(vec![
                allow(
                    &[
                        "ec2:AllocateAddress",
                        "ec2:AssociateAddress",
                        "ec2:AuthorizeSecurityGroupIngress",
                        "ec2:CreateNetworkInterface",
                        "ec2:CreateSecurityGroup",
                        "ec2:DeleteNetworkInterface",
                        "ec2:DeleteSecurityGroup",
                        "ec2:DescribeAddresses",
                        "ec2:DescribeAvailabilityZones",
                        "ec2:DescribeInternetGateways",
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeVpcAttribute",
                        "ec2:DescribeVpcs",
                        "ec2:ModifyNetworkInterfaceAttribute",
                        "ec2:RevokeSecurityGroupIngress",
                    ],
                    "*",
                ),
                json!({"Effect": "Allow", "Action": ["logs:CreateLogGroup"], "Resource": ["arn:aws:logs:*:*:log-group:/aws/rds/*"]}),
            ])
        },
        caps: none,
    },
    AwsManaged {
        name: "AmazonECSServiceRolePolicy",
        path: "/aws-service-role/",
        version: "v9",
        created: "2017-10-14T01:18:58+00:00",
        updated: "2023-12-01T19:20:36+00:00",
        doc: || {
            doc(vec![
                json!({"Sid": "ECSTaskManagement", "Effect": "Allow", "Action": ["ec2:AttachNetworkInterface", "ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface", "ec2:DeleteNetworkInterfacePermission", "ec2:Describe*", "ec2:DetachNetworkInterface", "elasticloadbalancing:DeregisterInstancesFromLoadBalancer", "elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:Describe*", "elasticloadbalancing:RegisterInstancesWithLoadBalancer", "elasticloadbalancing:RegisterTargets", "route53:ChangeResourceRecordSets", "servicediscovery:DeregisterInstance", "servicediscovery:Get*", "servicediscovery:List*", "servicediscovery:RegisterInstance"], "Resource": "*"}),
            ])
        },
        caps: none,
    },
    AwsManaged {
        name: "AmazonGuardDutyServiceRolePolicy",
        path: "/aws-service-role/",
        version: "v12",
        created: "2017-11-28T20:12:59+00:00",
        updated: "2025-03-19T18:42:05+00:00",
        doc: || {
            doc(vec![
                json!({"Sid": "GuardDutyGetDescribeListPolicy", "Effect": "Allow", "Action": ["ec2:DescribeInstances", "ec2:DescribeImages", "ec2:DescribeVpcEndpoints", "ec2:DescribeSubnets", "ec2:DescribeVpcPeeringConnections", "ec2:DescribeTransitGatewayAttachments", "organizations:ListAccounts", "organizations:DescribeAccount", "organizations:DescribeOrganization", "s3:GetBucketPublicAccessBlock", "s3:GetEncryptionConfiguration", "s3:GetBucketTagging", "s3:GetAccountPublicAccessBlock", "s3:ListAllMyBuckets", "s3:GetBucketAcl", "s3:GetBucketPolicy", "s3:GetBucketPolicyStatus", "lambda:GetFunctionConfiguration", "lambda:ListFunctions", "lambda:ListTags"], "Resource": "*"}),
            ])
        },
        caps: none,
    },
    AwsManaged {
        name: "AWSConfigServiceRolePolicy",
        path: "/aws-service-role/",
        version: "v60",
        created: "2018-05-30T23:31:46+00:00",
        updated: "2025-07-29T16:12:33+00:00",
        doc: || {
            doc(vec![
                json!({"Sid": "AWSConfigServiceRolePolicyStatementID", "Effect": "Allow", "Action": ["acm:DescribeCertificate", "acm:ListCertificates", "cloudtrail:DescribeTrails", "cloudtrail:GetEventSelectors", "cloudtrail:GetTrailStatus", "ec2:Describe*", "iam:GetAccountAuthorizationDetails", "iam:GetAccountPasswordPolicy", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:GetRole", "iam:GetRolePolicy", "iam:GetUser", "iam:ListAttachedRolePolicies", "iam:ListRoles", "iam:ListUsers", "kms:DescribeKey", "kms:GetKeyPolicy", "lambda:GetPolicy", "s3:GetBucketAcl", "s3:GetBucketPolicy", "s3:GetBucketPublicAccessBlock", "s3:ListAllMyBuckets", "sns:GetTopicAttributes", "sqs:GetQueueAttributes"], "Resource": "*"}),
            ])
        },
        caps: none,
    },
];

/// The service-linked roles: (role name, service principal, attached policy name).
pub(super) const SERVICE_LINKED: &[(&str, &str, &str)] = &[
    ("AWSServiceRoleForSupport", "support.amazonaws.com", "AWSSupportServiceRolePolicy"),
    ("AWSServiceRoleForTrustedAdvisor", "trustedadvisor.amazonaws.com", "AWSTrustedAdvisorServiceRolePolicy"),
    ("AWSServiceRoleForOrganizations", "organizations.amazonaws.com", "AWSOrganizationsServiceTrustPolicy"),
    ("AWSServiceRoleForSSO", "sso.amazonaws.com", "AWSSSOServiceRolePolicy"),
    ("AWSServiceRoleForConfig", "config.amazonaws.com", "AWSConfigServiceRolePolicy"),
    ("AWSServiceRoleForAmazonGuardDuty", "guardduty.amazonaws.com", "AmazonGuardDutyServiceRolePolicy"),
    ("AWSServiceRoleForAutoScaling", "autoscaling.amazonaws.com", "AutoScalingServiceRolePolicy"),
    (
        "AWSServiceRoleForElasticLoadBalancing",
        "elasticloadbalancing.amazonaws.com",
        "AWSElasticLoadBalancingServiceRolePolicy",
    ),
    ("AWSServiceRoleForRDS", "rds.amazonaws.com", "AmazonRDSServiceRolePolicy"),
    ("AWSServiceRoleForECS", "ecs.amazonaws.com", "AmazonECSServiceRolePolicy"),
];
