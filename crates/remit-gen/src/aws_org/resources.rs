//! Resources with resource-based policies: S3 buckets, KMS keys, SQS queues, SNS topics,
//! Lambda functions and Secrets Manager secrets.
//!
//! Resources are made in two passes. [`skeleton`] names them first, so that identity policies
//! can refer to real buckets, queues and keys; [`attach_policies`] writes their policies once
//! the account's roles exist, so that key policies and bucket policies name real roles. Each
//! policy statement that lets in someone outside the account (anyone, the organization,
//! another account, a service) is recorded as a [`Grant`] beside the document.

use serde_json::{Value, json};

use crate::aws_org::{
    model::{Grant, Grantee, KeyGrant, Resource, ResourceExtra, ResourceKind},
    names::COMPONENTS,
    rng::Rng,
    world::{AccountKind, AccountSpec, World, past},
};

/// The Elastic Load Balancing account of us-east-1, which writes access logs into buckets.
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html>
pub(super) const ELB_ACCOUNT: &str = "127311923021";

const BUCKET_PURPOSES: &[&str] =
    &["data", "uploads", "exports", "artifacts", "logs", "backups", "static", "reports", "raw", "curated"];

/// What the skeleton knows of a bucket, to write its policy later.
fn purpose_of(resource: &Resource) -> &str {
    resource.extra.description.as_str()
}

/// Names the account's resources, spread over its applications.
pub(super) fn skeleton(rng: &mut Rng, world: &World, spec: &AccountSpec, apps: &[&'static str]) -> Vec<Resource> {
    let account = spec.id.as_str();
    let region = spec.region;
    let profile = &spec.profile;
    let env = spec.env;
    let company = world.company;
    let mut out = Vec::new();
    let mut taken = std::collections::HashSet::new();
    // The application of the n-th resource of a kind (`shared` in an account without any).
    let app_at = |n: usize| apps.get(n % apps.len().max(1)).copied().unwrap_or("shared");
    let unique = |name: String, taken: &mut std::collections::HashSet<String>| -> String {
        let mut candidate = name.clone();
        let mut n = 2;
        while !taken.insert(candidate.clone()) {
            candidate = format!("{name}-{n}");
            n += 1;
        }
        candidate
    };
    let base = |kind, name: String, region: &'static str, arn: String, extra: ResourceExtra| Resource {
        kind,
        name,
        region,
        arn,
        policy: None,
        grants: Vec::new(),
        extra,
    };

    // Buckets: names carry the account id, as many organizations name them, so that they are
    // unique across the organization.
    let mut special: Vec<(String, &'static str)> = Vec::new();
    match spec.kind {
        AccountKind::LogArchive => {
            special.push((format!("aws-cloudtrail-logs-{account}-{}", rng.hex(8)), "trail"));
            special.push((format!("{company}-config-history-{account}"), "config"));
        }
        AccountKind::Standalone | AccountKind::Prod => {
            special.push((format!("www.{}-{env}.example.com", company), "static"));
        }
        _ => {}
    }
    if profile.cdk {
        special.push((format!("cdk-hnb659fds-assets-{account}-{region}"), "cdk"));
    }
    for (n, (name, purpose)) in special.into_iter().enumerate() {
        if n >= profile.buckets {
            break;
        }
        let name = unique(name, &mut taken);
        let arn = format!("arn:aws:s3:::{name}");
        let extra = ResourceExtra {
            description: purpose.into(),
            created: past(rng, world.now, 30, 2400),
            ..ResourceExtra::default()
        };
        out.push(base(ResourceKind::Bucket, name, region, arn, extra));
    }
    let mut n = 0;
    while out.iter().filter(|r| r.kind == ResourceKind::Bucket).count() < profile.buckets {
        let app = app_at(n);
        let purpose = *rng.pick(BUCKET_PURPOSES);
        let name = match rng.range(0, 2) {
            0 => format!("{company}-{app}-{purpose}-{account}"),
            1 => format!("{app}-{purpose}-{env}-{account}"),
            _ => format!("{company}-{env}-{app}-{purpose}-{account}-{region}"),
        };
        let name = unique(name, &mut taken);
        let arn = format!("arn:aws:s3:::{name}");
        let extra = ResourceExtra {
            description: purpose.into(),
            created: past(rng, world.now, 10, 2400),
            ..ResourceExtra::default()
        };
        out.push(base(ResourceKind::Bucket, name, region, arn, extra));
        n += 1;
    }

    // Keys: the customer-managed ones, then the AWS-managed keys services created.
    for n in 0..profile.keys {
        let id = rng.uuid();
        let app = app_at(n);
        let arn = format!("arn:aws:kms:{region}:{account}:key/{id}");
        let description = match rng.range(0, 3) {
            0 => format!("{app} data encryption key"),
            1 => format!("CMK for {app} ({env})"),
            2 => String::new(),
            _ => format!("Encrypts {app} secrets and queues"),
        };
        let extra = ResourceExtra {
            description,
            created: past(rng, world.now, 10, 2400),
            pending_deletion: rng.chance(0.04),
            ..ResourceExtra::default()
        };
        out.push(base(ResourceKind::Key, id, region, arn, extra));
    }
    let aws_keys: &[(&str, &str)] = &[
        ("aws/s3", "Default key that protects my S3 objects when no other key is defined"),
        ("aws/secretsmanager", "Default key that protects my Secrets Manager data when no other key is defined"),
        ("aws/sns", "Default master key that protects my SNS data when no other key is defined"),
        ("aws/lambda", "Default key that protects my Lambda functions when no other key is defined"),
    ];
    let aws_count = if profile.keys == 0 { 0 } else { rng.range(1, aws_keys.len()) };
    for (alias, description) in aws_keys.iter().take(aws_count) {
        let id = rng.uuid();
        let arn = format!("arn:aws:kms:{region}:{account}:key/{id}");
        let extra = ResourceExtra {
            description: (*description).to_owned(),
            aws_managed_alias: Some((*alias).to_owned()),
            created: past(rng, world.now, 100, 2400),
            ..ResourceExtra::default()
        };
        out.push(base(ResourceKind::Key, id, region, arn, extra));
    }

    for n in 0..profile.queues {
        let app = app_at(n);
        let component = *rng.pick(COMPONENTS);
        let mut name = format!("{app}-{component}");
        if rng.chance(0.15) {
            name.push_str("-dlq");
        }
        if rng.chance(0.1) {
            name.push_str(".fifo");
        }
        let name = unique(name, &mut taken);
        let arn = format!("arn:aws:sqs:{region}:{account}:{name}");
        let extra = ResourceExtra { created: past(rng, world.now, 10, 2000), ..ResourceExtra::default() };
        out.push(base(ResourceKind::Queue, name, region, arn, extra));
    }
    for n in 0..profile.topics {
        let app = app_at(n);
        let suffix = *rng.pick(&["events", "alerts", "notifications", "updates", "alarms"]);
        let name = unique(format!("{app}-{suffix}"), &mut taken);
        let arn = format!("arn:aws:sns:{region}:{account}:{name}");
        let extra = ResourceExtra {
            description: if rng.chance(0.3) { format!("{app} {suffix}") } else { String::new() },
            created: past(rng, world.now, 10, 2400),
            ..ResourceExtra::default()
        };
        out.push(base(ResourceKind::Topic, name, region, arn, extra));
    }
    for n in 0..profile.functions {
        let app = app_at(n);
        let component = *rng.pick(COMPONENTS);
        let name = unique(format!("{app}-{component}"), &mut taken);
        let arn = format!("arn:aws:lambda:{region}:{account}:function:{name}");
        let extra =
            ResourceExtra { revision: rng.uuid(), created: past(rng, world.now, 5, 1500), ..ResourceExtra::default() };
        out.push(base(ResourceKind::Function, name, region, arn, extra));
    }
    for n in 0..profile.secrets {
        let app = app_at(n);
        let name = match rng.range(0, 4) {
            0 => format!("{env}/{app}/db-credentials"),
            1 => format!("{env}/{app}/api-key"),
            2 => format!("rds!db-{}", rng.uuid()),
            3 => format!("{app}-oauth-client-secret"),
            _ => format!("{env}/{app}/third-party/token"),
        };
        let name = unique(name, &mut taken);
        let suffix = rng.alnum(6);
        let arn = format!("arn:aws:secretsmanager:{region}:{account}:secret:{name}-{suffix}");
        let extra = ResourceExtra { created: past(rng, world.now, 10, 1800), ..ResourceExtra::default() };
        out.push(base(ResourceKind::Secret, name, region, arn, extra));
    }
    out
}

/// The roles and accounts resource policies name.
pub(super) struct Principals<'a> {
    /// Administrative roles of the account (key administrators, break-glass).
    pub(super) admins: &'a [String],
    /// Application roles of the account.
    pub(super) apps: &'a [String],
    /// Other collected accounts of the organization, for cross-account grants.
    pub(super) org_accounts: &'a [String],
    /// Whether this account gets the planted exposures.
    pub(super) planted: bool,
}

fn aws(arns: &[String]) -> Value {
    match arns {
        [one] => json!({"AWS": one}),
        many => json!({"AWS": many}),
    }
}

fn pick_some(rng: &mut Rng, items: &[String], n: usize) -> Vec<String> {
    rng.sample(items, n).into_iter().cloned().collect()
}

/// Writes the resources' policies, settings and grants.
pub(super) fn attach_policies(
    rng: &mut Rng,
    world: &World,
    spec: &AccountSpec,
    resources: &mut [Resource],
    who: &Principals<'_>,
) {
    let topics: Vec<String> =
        resources.iter().filter(|r| r.kind == ResourceKind::Topic).map(|r| r.arn.clone()).collect();
    let buckets: Vec<String> = resources
        .iter()
        .filter(|r| r.kind == ResourceKind::Bucket && !matches!(purpose_of(r), "trail" | "config" | "cdk"))
        .map(|r| r.name.clone())
        .collect();
    let mut planted_public = [false; 6];
    for resource in resources.iter_mut() {
        let plant_here = who.planted
            && !planted_public[resource.kind as usize]
            && resource.extra.aws_managed_alias.is_none()
            && !matches!(purpose_of(resource), "trail" | "config" | "cdk" | "static");
        if plant_here {
            planted_public[resource.kind as usize] = true;
        }
        match resource.kind {
            ResourceKind::Bucket => bucket(rng, world, spec, resource, who, plant_here),
            ResourceKind::Key => key(rng, world, spec, resource, who, plant_here),
            ResourceKind::Queue => queue(rng, spec, resource, who, &topics, &buckets, plant_here),
            ResourceKind::Topic => topic(rng, world, spec, resource, who, plant_here),
            ResourceKind::Function => function(rng, spec, resource, who, &topics, &buckets, plant_here),
            ResourceKind::Secret => secret(rng, world, resource, who, plant_here),
        }
    }
}

fn other_account(rng: &mut Rng, world: &World, who: &Principals<'_>) -> String {
    if !who.org_accounts.is_empty() && rng.chance(0.7) {
        rng.pick(who.org_accounts).clone()
    } else if rng.chance(0.5) {
        world.shared_services.clone()
    } else {
        rng.pick(&world.partner_accounts).clone()
    }
}

fn bucket(
    rng: &mut Rng,
    world: &World,
    spec: &AccountSpec,
    resource: &mut Resource,
    who: &Principals<'_>,
    plant: bool,
) {
    let account = spec.id.as_str();
    let name = resource.name.clone();
    let bucket_arn = format!("arn:aws:s3:::{name}");
    let objects = format!("{bucket_arn}/*");
    let purpose = purpose_of(resource).to_owned();
    let mut statements = Vec::new();
    let mut grants = Vec::new();
    let mut public = false;
    match purpose.as_str() {
        "trail" => {
            statements.push(json!({"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl", "Resource": bucket_arn}));
            statements.push(json!({
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": format!("{bucket_arn}/AWSLogs/{}/*", world.org_id),
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": format!("arn:aws:cloudtrail:us-east-1:{}:trail/organization-trail", world.management)}},
            }));
            grants.push(Grant {
                to: Grantee::Service("cloudtrail.amazonaws.com"),
                actions: vec!["s3:PutObject".into(), "s3:GetBucketAcl".into()],
                conditions: vec!["aws:SourceArn"],
            });
            statements.push(json!({"Sid": "OrganizationReadLogs", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{}:root", world.audit)}, "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": [bucket_arn, objects]}));
            grants.push(Grant {
                to: Grantee::Account(world.audit.clone()),
                actions: vec!["s3:GetObject".into(), "s3:ListBucket".into()],
                conditions: vec![],
            });
        }
        "config" => {
            statements.push(json!({"Sid": "AWSConfigBucketPermissionsCheck", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"}, "Action": ["s3:GetBucketAcl", "s3:ListBucket"], "Resource": bucket_arn, "Condition": {"StringEquals": {"aws:SourceOrgID": world.org_id}}}));
            statements.push(json!({"Sid": "AWSConfigBucketDelivery", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"}, "Action": "s3:PutObject", "Resource": format!("{bucket_arn}/AWSLogs/*/Config/*"), "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceOrgID": world.org_id}}}));
            grants.push(Grant {
                to: Grantee::Service("config.amazonaws.com"),
                actions: vec!["s3:PutObject".into()],
                conditions: vec!["aws:SourceOrgID"],
            });
        }
        "cdk" => {
            statements.push(json!({"Sid": "AllowSSLRequestsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [bucket_arn, objects], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}));
        }
        "static" => {
            if plant || rng.chance(0.4) {
                statements.push(json!({"Sid": "PublicReadGetObject", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": objects}));
                grants.push(Grant { to: Grantee::Anyone, actions: vec!["s3:GetObject".into()], conditions: vec![] });
                public = true;
            } else {
                let distribution = rng.alnum(14).to_ascii_uppercase();
                statements.push(json!({
                    "Sid": "AllowCloudFrontServicePrincipal",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudfront.amazonaws.com"},
                    "Action": "s3:GetObject",
                    "Resource": objects,
                    "Condition": {"StringEquals": {"AWS:SourceArn": format!("arn:aws:cloudfront::{account}:distribution/{distribution}")}},
                }));
                grants.push(Grant {
                    to: Grantee::Service("cloudfront.amazonaws.com"),
                    actions: vec!["s3:GetObject".into()],
                    conditions: vec!["aws:SourceArn"],
                });
            }
        }
        _ => {
            if rng.chance(0.55) {
                statements.push(json!({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [bucket_arn, objects], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}));
            }
            match purpose.as_str() {
                "logs" => {
                    statements.push(json!({"Sid": "S3ServerAccessLogsPolicy", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject", "Resource": format!("{bucket_arn}/access-logs/*"), "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}, "StringEquals": {"aws:SourceAccount": account}}}));
                    grants.push(Grant {
                        to: Grantee::Service("logging.s3.amazonaws.com"),
                        actions: vec!["s3:PutObject".into()],
                        conditions: vec!["aws:SourceAccount"],
                    });
                    if rng.chance(0.5) {
                        statements.push(json!({"Sid": "ELBAccessLogs", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ELB_ACCOUNT}:root")}, "Action": "s3:PutObject", "Resource": format!("{bucket_arn}/alb/AWSLogs/{account}/*")}));
                        grants.push(Grant {
                            to: Grantee::Account(ELB_ACCOUNT.into()),
                            actions: vec!["s3:PutObject".into()],
                            conditions: vec![],
                        });
                    }
                }
                "exports" | "reports" if rng.chance(0.6) => {
                    let partner = rng.pick(&world.partner_accounts).clone();
                    let principal = if rng.chance(0.5) {
                        format!("arn:aws:iam::{partner}:root")
                    } else {
                        format!("arn:aws:iam::{partner}:role/{}-data-import", world.company)
                    };
                    statements.push(json!({"Sid": "PartnerRead", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": [bucket_arn, format!("{bucket_arn}/outgoing/*")]}));
                    grants.push(Grant {
                        to: Grantee::Account(partner),
                        actions: vec!["s3:GetObject".into(), "s3:ListBucket".into()],
                        conditions: vec![],
                    });
                }
                "data" | "curated" | "raw" if rng.chance(0.5) => {
                    statements.push(json!({"Sid": "OrganizationRead", "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": [bucket_arn, objects], "Condition": {"StringEquals": {"aws:PrincipalOrgID": world.org_id}}}));
                    grants.push(Grant {
                        to: Grantee::Organization,
                        actions: vec!["s3:GetObject".into(), "s3:ListBucket".into()],
                        conditions: vec![],
                    });
                }
                "artifacts" if rng.chance(0.6) => {
                    let accounts: Vec<String> = (0..rng.range(1, 3)).map(|_| other_account(rng, world, who)).collect();
                    let roles: Vec<String> =
                        accounts.iter().map(|a| format!("arn:aws:iam::{a}:role/deployer")).collect();
                    statements.push(json!({"Sid": "DeployersRead", "Effect": "Allow", "Principal": aws(&roles), "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": objects}));
                    for other in accounts {
                        if other != account {
                            grants.push(Grant {
                                to: Grantee::Account(other),
                                actions: vec!["s3:GetObject".into(), "s3:GetObjectVersion".into()],
                                conditions: vec![],
                            });
                        }
                    }
                }
                "backups" => {
                    statements.push(json!({"Sid": "DenyDeleteExceptBackupService", "Effect": "Deny", "Principal": "*", "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutLifecycleConfiguration"], "Resource": [bucket_arn, objects], "Condition": {"ArnNotLike": {"aws:PrincipalArn": format!("arn:aws:iam::{account}:role/backup-*")}}}));
                }
                _ if rng.chance(0.15) => {
                    let vpce = format!("vpce-{}", rng.hex(17));
                    let mut except: Vec<String> = who.admins.iter().take(2).cloned().collect();
                    except.push(format!("arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/*"));
                    statements.push(json!({"Sid": "AccessOnlyThroughVpcEndpoint", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [bucket_arn, objects], "Condition": {"StringNotEquals": {"aws:SourceVpce": vpce}, "ArnNotLike": {"aws:PrincipalArn": except}}}));
                }
                _ => {}
            }
            if plant {
                statements.push(json!({"Sid": "AllowPublicUploads", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["s3:PutObject", "s3:GetObject"], "Resource": objects}));
                grants.push(Grant {
                    to: Grantee::Anyone,
                    actions: vec!["s3:PutObject".into(), "s3:GetObject".into()],
                    conditions: vec![],
                });
                public = true;
            } else if rng.chance(0.03) {
                statements.push(json!({"Sid": "OfficeList", "Effect": "Allow", "Principal": "*", "Action": ["s3:ListBucket", "s3:GetObject"], "Resource": [bucket_arn, objects], "Condition": {"IpAddress": {"aws:SourceIp": crate::aws_org::names::CORP_CIDRS}}}));
                grants.push(Grant {
                    to: Grantee::Anyone,
                    actions: vec!["s3:ListBucket".into(), "s3:GetObject".into()],
                    conditions: vec!["aws:SourceIp"],
                });
                public = true;
            }
        }
    }
    if !statements.is_empty() {
        resource.policy = Some(json!({"Version": "2012-10-17", "Statement": statements}));
    }
    resource.grants = grants;
    resource.extra.bpa = if public {
        if rng.chance(0.5) { None } else { Some([false, false, false, false]) }
    } else if rng.chance(0.08) {
        None
    } else {
        Some([true, true, true, true])
    };
    resource.extra.log_delivery_acl = purpose == "logs" && rng.chance(0.5);
    resource.extra.public_acl = plant && purpose != "static";
}

fn key(rng: &mut Rng, world: &World, spec: &AccountSpec, resource: &mut Resource, who: &Principals<'_>, plant: bool) {
    let account = spec.id.as_str();
    let region = spec.region;
    let root = format!("arn:aws:iam::{account}:root");
    if let Some(alias) = resource.extra.aws_managed_alias.clone() {
        let service = alias.trim_start_matches("aws/");
        let id = match service {
            "s3" => "auto-s3-2",
            "secretsmanager" => "auto-secretsmanager-2",
            "sns" => "auto-sns-2",
            _ => "auto-lambda-2",
        };
        resource.policy = Some(json!({
            "Version": "2012-10-17",
            "Id": id,
            "Statement": [
                {
                    "Sid": format!("Allow access through {} for all principals in the account that are authorized to use {}", service.to_uppercase(), service.to_uppercase()),
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"kms:CallerAccount": account, "kms:ViaService": format!("{service}.{region}.amazonaws.com")}},
                },
                {
                    "Sid": "Allow direct access to key metadata to the account",
                    "Effect": "Allow",
                    "Principal": {"AWS": root},
                    "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
                    "Resource": "*",
                },
            ],
        }));
        return;
    }
    let mut statements = vec![
        json!({"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*", "Resource": "*"}),
    ];
    let mut grants = Vec::new();
    let console = rng.chance(0.6);
    let policy_id = if console { "key-consolepolicy-3" } else { "key-default-1" };
    if console {
        let admins = pick_some(rng, who.admins, 2);
        if !admins.is_empty() {
            statements.push(json!({
                "Sid": "Allow access for Key Administrators",
                "Effect": "Allow",
                "Principal": aws(&admins),
                "Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand"],
                "Resource": "*",
            }));
        }
        let n_users = rng.range(1, 4);
        let users = pick_some(rng, who.apps, n_users);
        if !users.is_empty() {
            statements.push(json!({"Sid": "Allow use of the key", "Effect": "Allow", "Principal": aws(&users), "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*"}));
            statements.push(json!({"Sid": "Allow attachment of persistent resources", "Effect": "Allow", "Principal": aws(&users), "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], "Resource": "*", "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}}));
        }
    }
    if rng.chance(0.25) {
        let other = other_account(rng, world, who);
        if other != account {
            statements.push(json!({"Sid": "Allow use of the key by another account", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{other}:root")}, "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*"}));
            grants.push(Grant {
                to: Grantee::Account(other),
                actions: vec!["kms:Decrypt".into(), "kms:Encrypt".into(), "kms:GenerateDataKey*".into()],
                conditions: vec![],
            });
        }
    }
    if rng.chance(0.2) {
        statements.push(json!({
            "Sid": "Allow CloudWatch Logs",
            "Effect": "Allow",
            "Principal": {"Service": format!("logs.{region}.amazonaws.com")},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": format!("arn:aws:logs:{region}:{account}:log-group:*")}},
        }));
    }
    if rng.chance(0.15) {
        statements.push(json!({"Sid": "OrganizationDecrypt", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": world.org_id}}}));
        grants.push(Grant {
            to: Grantee::Organization,
            actions: vec!["kms:Decrypt".into(), "kms:DescribeKey".into()],
            conditions: vec![],
        });
    }
    if plant {
        statements.push(json!({"Sid": "AllowDecryptForPartners", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}));
        grants.push(Grant { to: Grantee::Anyone, actions: vec!["kms:Decrypt".into()], conditions: vec![] });
    }
    resource.policy = Some(json!({"Version": "2012-10-17", "Id": policy_id, "Statement": statements}));
    resource.grants = grants;

    // Grants: EBS encryption through Auto Scaling, and now and then a role of another account.
    if rng.chance(0.3) {
        resource.extra.grants.push(KeyGrant {
            id: rng.hex(64),
            name: None,
            grantee: format!(
                "arn:aws:iam::{account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
            ),
            retiring: None,
            operations: vec![
                "Encrypt",
                "Decrypt",
                "ReEncryptFrom",
                "ReEncryptTo",
                "GenerateDataKey",
                "GenerateDataKeyWithoutPlaintext",
                "DescribeKey",
                "CreateGrant",
            ],
            context: None,
            created: past(rng, world.now, 10, 900),
        });
    }
    if rng.chance(0.15) && !who.apps.is_empty() {
        let role = rng.pick(who.apps).clone();
        resource.extra.grants.push(KeyGrant {
            id: rng.hex(64),
            name: Some(format!("{}-decrypt", role.rsplit('/').next().unwrap_or("app"))),
            grantee: role.clone(),
            retiring: Some(role),
            operations: vec!["Decrypt", "DescribeKey"],
            context: Some(("tenant".into(), rng.lower_alnum(6))),
            created: past(rng, world.now, 10, 900),
        });
    }
    if rng.chance(0.08) {
        let other = other_account(rng, world, who);
        if other != account {
            resource.extra.grants.push(KeyGrant {
                id: rng.hex(64),
                name: Some("cross-account-decrypt".into()),
                grantee: format!("arn:aws:iam::{other}:role/data-consumer"),
                retiring: None,
                operations: vec!["Decrypt"],
                context: None,
                created: past(rng, world.now, 10, 900),
            });
            resource.grants.push(Grant {
                to: Grantee::Account(other),
                actions: vec!["kms:Decrypt".into()],
                conditions: vec!["kms grant"],
            });
        }
    }
}

fn queue(
    rng: &mut Rng,
    spec: &AccountSpec,
    resource: &mut Resource,
    who: &Principals<'_>,
    topics: &[String],
    buckets: &[String],
    plant: bool,
) {
    let account = spec.id.as_str();
    let arn = resource.arn.clone();
    let mut statements = Vec::new();
    let mut grants = Vec::new();
    let old_style = rng.chance(0.2);
    match rng.range(0, 5) {
        0 | 1 if !topics.is_empty() => {
            let topic = rng.pick(topics).clone();
            if old_style {
                statements.push(json!({"Sid": format!("Sid{}", rng.range_i64(1_400_000_000_000, 1_700_000_000_000)), "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "SQS:SendMessage", "Resource": arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}));
                grants.push(Grant {
                    to: Grantee::Anyone,
                    actions: vec!["sqs:SendMessage".into()],
                    conditions: vec!["aws:SourceArn"],
                });
            } else {
                statements.push(json!({"Sid": "AllowSnsTopic", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}));
                grants.push(Grant {
                    to: Grantee::Service("sns.amazonaws.com"),
                    actions: vec!["sqs:SendMessage".into()],
                    conditions: vec!["aws:SourceArn"],
                });
            }
        }
        2 if !buckets.is_empty() => {
            let bucket = rng.pick(buckets).clone();
            statements.push(json!({"Sid": "AllowS3Notifications", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": arn, "Condition": {"ArnLike": {"aws:SourceArn": format!("arn:aws:s3:::{bucket}")}, "StringEquals": {"aws:SourceAccount": account}}}));
            grants.push(Grant {
                to: Grantee::Service("s3.amazonaws.com"),
                actions: vec!["sqs:SendMessage".into()],
                conditions: vec!["aws:SourceArn", "aws:SourceAccount"],
            });
        }
        3 if !who.org_accounts.is_empty() => {
            let other = rng.pick(who.org_accounts).clone();
            statements.push(json!({"Sid": "CrossAccountProducer", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{other}:root")}, "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"], "Resource": arn}));
            grants.push(Grant {
                to: Grantee::Account(other),
                actions: vec!["sqs:SendMessage".into(), "sqs:GetQueueAttributes".into(), "sqs:GetQueueUrl".into()],
                conditions: vec![],
            });
        }
        4 => {
            let rule = format!(
                "arn:aws:events:{}:{account}:rule/{}-schedule",
                spec.region,
                resource.name.trim_end_matches(".fifo")
            );
            statements.push(json!({"Sid": "AllowEventBridge", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": arn, "Condition": {"ArnEquals": {"aws:SourceArn": rule}}}));
            grants.push(Grant {
                to: Grantee::Service("events.amazonaws.com"),
                actions: vec!["sqs:SendMessage".into()],
                conditions: vec!["aws:SourceArn"],
            });
        }
        _ => {}
    }
    if plant {
        statements.push(json!({"Sid": "PublicSend", "Effect": "Allow", "Principal": "*", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"], "Resource": arn}));
        grants.push(Grant {
            to: Grantee::Anyone,
            actions: vec!["sqs:SendMessage".into(), "sqs:ReceiveMessage".into()],
            conditions: vec![],
        });
    }
    if !statements.is_empty() {
        let (version, id) = if old_style {
            ("2008-10-17", format!("{arn}/SQSDefaultPolicy"))
        } else {
            ("2012-10-17", "__default_policy_ID".into())
        };
        resource.policy = Some(json!({"Version": version, "Id": id, "Statement": statements}));
    }
    resource.grants = grants;
}

fn topic(rng: &mut Rng, world: &World, spec: &AccountSpec, resource: &mut Resource, who: &Principals<'_>, plant: bool) {
    let account = spec.id.as_str();
    let arn = resource.arn.clone();
    let mut statements = vec![json!({
        "Sid": "__default_statement_ID",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
        "Resource": arn,
        "Condition": {"StringEquals": {"AWS:SourceOwner": account}},
    })];
    let mut grants = Vec::new();
    match rng.range(0, 4) {
        0 => {
            statements.push(json!({"Sid": "AllowEventBridgePublish", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish", "Resource": arn}));
            grants.push(Grant {
                to: Grantee::Service("events.amazonaws.com"),
                actions: vec!["sns:Publish".into()],
                conditions: vec![],
            });
        }
        1 => {
            statements.push(json!({"Sid": "AllowCloudWatchAlarms", "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": "sns:Publish", "Resource": arn, "Condition": {"ArnLike": {"aws:SourceArn": format!("arn:aws:cloudwatch:{}:{account}:alarm:*", spec.region)}}}));
            grants.push(Grant {
                to: Grantee::Service("cloudwatch.amazonaws.com"),
                actions: vec!["sns:Publish".into()],
                conditions: vec!["aws:SourceArn"],
            });
        }
        2 => {
            statements.push(json!({"Sid": "OrganizationPublish", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sns:Publish", "Resource": arn, "Condition": {"StringEquals": {"aws:PrincipalOrgID": world.org_id}}}));
            grants.push(Grant { to: Grantee::Organization, actions: vec!["sns:Publish".into()], conditions: vec![] });
        }
        3 if !who.org_accounts.is_empty() => {
            let other = rng.pick(who.org_accounts).clone();
            statements.push(json!({"Sid": "CrossAccountSubscribe", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{other}:root")}, "Action": ["sns:Subscribe", "sns:Receive"], "Resource": arn}));
            grants.push(Grant {
                to: Grantee::Account(other),
                actions: vec!["sns:Subscribe".into(), "sns:Receive".into()],
                conditions: vec![],
            });
        }
        _ => {}
    }
    if plant {
        statements.push(json!({"Sid": "AllowAnyonePublish", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "SNS:Publish", "Resource": arn}));
        grants.push(Grant { to: Grantee::Anyone, actions: vec!["sns:Publish".into()], conditions: vec![] });
    }
    resource.policy = Some(json!({"Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": statements}));
    resource.grants = grants;
    if rng.chance(0.3) {
        resource.extra.kms_key = Some("alias/aws/sns".into());
    }
}

fn function(
    rng: &mut Rng,
    spec: &AccountSpec,
    resource: &mut Resource,
    who: &Principals<'_>,
    topics: &[String],
    buckets: &[String],
    plant: bool,
) {
    let account = spec.id.as_str();
    let region = spec.region;
    let arn = resource.arn.clone();
    let mut statements = Vec::new();
    let mut grants = Vec::new();
    let n = rng.range(1, 2);
    for idx in 0..n {
        match rng.range(0, 5) {
            0 | 1 => {
                let api = rng.lower_alnum(10);
                statements.push(json!({"Sid": format!("apigateway-invoke-{idx}"), "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "lambda:InvokeFunction", "Resource": arn, "Condition": {"ArnLike": {"AWS:SourceArn": format!("arn:aws:execute-api:{region}:{account}:{api}/*/*/*")}}}));
                grants.push(Grant {
                    to: Grantee::Service("apigateway.amazonaws.com"),
                    actions: vec!["lambda:InvokeFunction".into()],
                    conditions: vec!["aws:SourceArn"],
                });
            }
            2 if !buckets.is_empty() => {
                let bucket = rng.pick(buckets).clone();
                statements.push(json!({"Sid": format!("s3-invoke-{idx}"), "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "lambda:InvokeFunction", "Resource": arn, "Condition": {"StringEquals": {"AWS:SourceAccount": account}, "ArnLike": {"AWS:SourceArn": format!("arn:aws:s3:::{bucket}")}}}));
                grants.push(Grant {
                    to: Grantee::Service("s3.amazonaws.com"),
                    actions: vec!["lambda:InvokeFunction".into()],
                    conditions: vec!["aws:SourceAccount", "aws:SourceArn"],
                });
            }
            3 if !topics.is_empty() => {
                let topic = rng.pick(topics).clone();
                statements.push(json!({"Sid": format!("sns-invoke-{idx}"), "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "lambda:InvokeFunction", "Resource": arn, "Condition": {"ArnLike": {"AWS:SourceArn": topic}}}));
                grants.push(Grant {
                    to: Grantee::Service("sns.amazonaws.com"),
                    actions: vec!["lambda:InvokeFunction".into()],
                    conditions: vec!["aws:SourceArn"],
                });
            }
            4 if !who.org_accounts.is_empty() => {
                let other = rng.pick(who.org_accounts).clone();
                statements.push(json!({"Sid": format!("cross-account-invoke-{idx}"), "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{other}:root")}, "Action": "lambda:InvokeFunction", "Resource": arn}));
                grants.push(Grant {
                    to: Grantee::Account(other),
                    actions: vec!["lambda:InvokeFunction".into()],
                    conditions: vec![],
                });
            }
            _ => {
                let rule = format!("arn:aws:events:{region}:{account}:rule/{}-{idx}", resource.name);
                statements.push(json!({"Sid": format!("events-invoke-{idx}"), "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "lambda:InvokeFunction", "Resource": arn, "Condition": {"ArnLike": {"AWS:SourceArn": rule}}}));
                grants.push(Grant {
                    to: Grantee::Service("events.amazonaws.com"),
                    actions: vec!["lambda:InvokeFunction".into()],
                    conditions: vec!["aws:SourceArn"],
                });
            }
        }
    }
    if plant || rng.chance(0.03) {
        statements.push(json!({"Sid": "FunctionURLAllowPublicAccess", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl", "Resource": arn, "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}}));
        grants.push(Grant {
            to: Grantee::Anyone,
            actions: vec!["lambda:InvokeFunctionUrl".into()],
            conditions: vec![],
        });
    }
    resource.policy = Some(json!({"Version": "2012-10-17", "Id": "default", "Statement": statements}));
    resource.grants = grants;
}

fn secret(rng: &mut Rng, world: &World, resource: &mut Resource, who: &Principals<'_>, plant: bool) {
    let mut statements = Vec::new();
    let mut grants = Vec::new();
    match rng.range(0, 4) {
        0 if !who.org_accounts.is_empty() => {
            let other = rng.pick(who.org_accounts).clone();
            let role = format!(
                "arn:aws:iam::{other}:role/{}",
                resource.name.split('/').nth(1).unwrap_or("app").replace('!', "-") + "-reader"
            );
            statements.push(json!({"Sid": "CrossAccountRead", "Effect": "Allow", "Principal": {"AWS": role}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}));
            grants.push(Grant {
                to: Grantee::Account(other),
                actions: vec!["secretsmanager:GetSecretValue".into()],
                conditions: vec![],
            });
        }
        1 if !who.apps.is_empty() => {
            let allowed = pick_some(rng, who.apps, 2);
            statements.push(json!({"Sid": "RestrictToApplication", "Effect": "Deny", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Condition": {"StringNotEquals": {"aws:PrincipalArn": allowed}, "Bool": {"aws:PrincipalIsAWSService": "false"}}}));
        }
        2 => {
            statements.push(json!({"Sid": "OrganizationRead", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": world.org_id}, "ArnLike": {"aws:PrincipalArn": format!("arn:aws:iam::*:role/{}-*", world.company)}}}));
            grants.push(Grant {
                to: Grantee::Organization,
                actions: vec!["secretsmanager:GetSecretValue".into(), "secretsmanager:DescribeSecret".into()],
                conditions: vec!["aws:PrincipalArn"],
            });
        }
        _ => {}
    }
    if plant {
        statements.push(json!({"Sid": "LegacyIntegration", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}));
        grants.push(Grant {
            to: Grantee::Anyone,
            actions: vec!["secretsmanager:GetSecretValue".into()],
            conditions: vec![],
        });
    }
    if !statements.is_empty() {
        resource.policy = Some(json!({"Version": "2012-10-17", "Statement": statements}));
    }
    resource.grants = grants;
}
