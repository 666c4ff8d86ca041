//! Which IAM action a CloudTrail record exercised, and on which resource.
//!
//! Most records name their action directly: `eventSource`'s first label is the service prefix
//! and `eventName` the action (`iam.amazonaws.com` + `CreateRole` → `iam:CreateRole`), checked
//! against the action catalogue. The known exceptions are tabled here, each with its source:
//! services whose endpoint is not their prefix, API versions appended to event names (Lambda,
//! CloudFront), and operations authorized by an action of another name (S3's `ListObjectsV2` →
//! `s3:ListBucket`, SQS's batch operations). An event the catalogue cannot place is *not*
//! dropped silently: it is counted as unmapped, by source and name, and reported.
//!
//! Some events are not authorized by IAM policies at all (console sign-in, `GetCallerIdentity`,
//! events AWS services emit themselves): they count as activity of the principal, not as use of
//! a permission.

use std::{borrow::Cow, cell::RefCell, collections::HashMap};

use remit_aws_catalog::Catalog;

use crate::record::{Lenient, Record};

/// What a record exercised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Exercised<'r> {
    /// An IAM action, on a resource (an ARN, a pattern of ARNs, or `*`).
    Action { action: &'static str, resource: Cow<'r, str> },
    /// Not authorized by identity policies (sign-in, `GetCallerIdentity`, service events).
    NotAuthorized,
    /// No action of the catalogue.
    Unmapped,
}

/// Event sources whose service prefix is not their host name's first label.
/// CloudWatch: <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/logging_cw_api_calls.html>;
/// SES: <https://docs.aws.amazon.com/ses/latest/dg/logging-using-cloudtrail.html>;
/// DynamoDB Streams: <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/logging-using-cloudtrail.html>.
const SOURCE_PREFIXES: &[(&str, &str)] = &[
    ("monitoring", "cloudwatch"),
    ("email", "ses"),
    ("streams.dynamodb", "dynamodb"),
    ("runtime.sagemaker", "sagemaker"),
    ("api.sagemaker", "sagemaker"),
    ("models.lex", "lex"),
    ("runtime.lex", "lex"),
    ("bedrock-runtime", "bedrock"),
    ("tagging", "tag"),
    ("data.iot", "iot"),
    ("iotdata", "iot"),
    ("api.ecr", "ecr"),
    ("api.elastic-inference", "elastic-inference"),
];

/// Operations authorized by an action of another name.
/// S3: <https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html>;
/// SQS batch actions: <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html>;
/// Lambda `Invoke` data events: <https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html>.
const RENAMED: &[(&str, &str, &str)] = &[
    ("s3", "ListObjects", "s3:ListBucket"),
    ("s3", "ListObjectsV2", "s3:ListBucket"),
    ("s3", "HeadBucket", "s3:ListBucket"),
    ("s3", "ListObjectVersions", "s3:ListBucketVersions"),
    ("s3", "HeadObject", "s3:GetObject"),
    ("s3", "SelectObjectContent", "s3:GetObject"),
    ("s3", "ListBuckets", "s3:ListAllMyBuckets"),
    ("s3", "ListMultipartUploads", "s3:ListBucketMultipartUploads"),
    ("s3", "ListParts", "s3:ListMultipartUploadParts"),
    ("s3", "CreateMultipartUpload", "s3:PutObject"),
    ("s3", "UploadPart", "s3:PutObject"),
    ("s3", "UploadPartCopy", "s3:PutObject"),
    ("s3", "CompleteMultipartUpload", "s3:PutObject"),
    ("s3", "CopyObject", "s3:PutObject"),
    ("s3", "DeleteObjects", "s3:DeleteObject"),
    ("s3", "GetBucketLifecycle", "s3:GetLifecycleConfiguration"),
    ("s3", "GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration"),
    ("s3", "PutBucketLifecycle", "s3:PutLifecycleConfiguration"),
    ("s3", "PutBucketLifecycleConfiguration", "s3:PutLifecycleConfiguration"),
    ("s3", "DeleteBucketLifecycle", "s3:PutLifecycleConfiguration"),
    ("s3", "GetBucketEncryption", "s3:GetEncryptionConfiguration"),
    ("s3", "PutBucketEncryption", "s3:PutEncryptionConfiguration"),
    ("s3", "DeleteBucketEncryption", "s3:PutEncryptionConfiguration"),
    ("s3", "GetBucketReplication", "s3:GetReplicationConfiguration"),
    ("s3", "PutBucketReplication", "s3:PutReplicationConfiguration"),
    ("s3", "DeleteBucketReplication", "s3:PutReplicationConfiguration"),
    ("s3", "DeleteBucketCors", "s3:PutBucketCORS"),
    ("s3", "DeleteBucketTagging", "s3:PutBucketTagging"),
    ("s3", "DeleteBucketOwnershipControls", "s3:PutBucketOwnershipControls"),
    ("s3", "GetBucketNotificationConfiguration", "s3:GetBucketNotification"),
    ("s3", "PutBucketNotificationConfiguration", "s3:PutBucketNotification"),
    ("s3", "GetBucketAccelerateConfiguration", "s3:GetAccelerateConfiguration"),
    ("s3", "PutBucketAccelerateConfiguration", "s3:PutAccelerateConfiguration"),
    ("s3", "GetBucketAnalyticsConfiguration", "s3:GetAnalyticsConfiguration"),
    ("s3", "PutBucketAnalyticsConfiguration", "s3:PutAnalyticsConfiguration"),
    ("s3", "ListBucketAnalyticsConfigurations", "s3:GetAnalyticsConfiguration"),
    ("s3", "DeleteBucketAnalyticsConfiguration", "s3:PutAnalyticsConfiguration"),
    ("s3", "GetBucketInventoryConfiguration", "s3:GetInventoryConfiguration"),
    ("s3", "PutBucketInventoryConfiguration", "s3:PutInventoryConfiguration"),
    ("s3", "ListBucketInventoryConfigurations", "s3:GetInventoryConfiguration"),
    ("s3", "DeleteBucketInventoryConfiguration", "s3:PutInventoryConfiguration"),
    ("s3", "GetBucketMetricsConfiguration", "s3:GetMetricsConfiguration"),
    ("s3", "PutBucketMetricsConfiguration", "s3:PutMetricsConfiguration"),
    ("s3", "ListBucketMetricsConfigurations", "s3:GetMetricsConfiguration"),
    ("s3", "DeleteBucketMetricsConfiguration", "s3:PutMetricsConfiguration"),
    ("s3", "GetBucketIntelligentTieringConfiguration", "s3:GetIntelligentTieringConfiguration"),
    ("s3", "PutBucketIntelligentTieringConfiguration", "s3:PutIntelligentTieringConfiguration"),
    ("s3", "ListBucketIntelligentTieringConfigurations", "s3:GetIntelligentTieringConfiguration"),
    ("s3", "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
    ("s3", "PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock"),
    ("s3", "DeletePublicAccessBlock", "s3:PutBucketPublicAccessBlock"),
    ("s3", "DeleteBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"),
    ("s3", "GetObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration"),
    ("s3", "PutObjectLockConfiguration", "s3:PutBucketObjectLockConfiguration"),
    ("sqs", "SendMessageBatch", "sqs:SendMessage"),
    ("sqs", "DeleteMessageBatch", "sqs:DeleteMessage"),
    ("sqs", "ChangeMessageVisibilityBatch", "sqs:ChangeMessageVisibility"),
    ("lambda", "Invoke", "lambda:InvokeFunction"),
    ("lambda", "InvokeWithResponseStream", "lambda:InvokeFunction"),
];

/// S3 object operations that, given a `versionId`, are authorized by the version's action.
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html>
const S3_VERSIONED: &[(&str, &str)] = &[
    ("s3:GetObject", "s3:GetObjectVersion"),
    ("s3:DeleteObject", "s3:DeleteObjectVersion"),
    ("s3:GetObjectAcl", "s3:GetObjectVersionAcl"),
    ("s3:PutObjectAcl", "s3:PutObjectVersionAcl"),
    ("s3:GetObjectTagging", "s3:GetObjectVersionTagging"),
    ("s3:PutObjectTagging", "s3:PutObjectVersionTagging"),
    ("s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging"),
];

/// The service prefix of an event source (`s3.amazonaws.com` → `s3`).
fn prefix_of(source: &str) -> &str {
    let host = source.strip_suffix(".amazonaws.com").unwrap_or(source);
    SOURCE_PREFIXES.iter().find(|(s, _)| *s == host).map_or_else(|| host.split('.').next().unwrap_or(host), |(_, p)| p)
}

/// `UpdateFunctionCode20150331v2` → `UpdateFunctionCode`; `GetDistribution2020_05_31` →
/// `GetDistribution`: Lambda and CloudFront append their API version to event names
/// (<https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html>,
/// <https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/logging_using_cloudtrail.html>).
fn without_api_version(name: &str) -> &str {
    let b = name.as_bytes();
    // Lambda: 8 digits, optionally "v" and digits.
    let mut end = b.len();
    while end > 0 && b[end - 1].is_ascii_digit() {
        end -= 1;
    }
    let digits_end = end;
    if end > 0 && b[end - 1] == b'v' && digits_end < b.len() {
        end -= 1;
    } else {
        end = b.len();
    }
    let mut start = end;
    while start > 0 && b[start - 1].is_ascii_digit() {
        start -= 1;
    }
    if end - start == 8 && start > 0 {
        return &name[..start];
    }
    // CloudFront: YYYY_MM_DD.
    if b.len() > 10 {
        let tail = &b[b.len() - 10..];
        let shape =
            tail.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'_' } else { c.is_ascii_digit() });
        if shape {
            return &name[..name.len() - 10];
        }
    }
    name
}

/// Whether the event is a request authorized by IAM identity policies at all.
fn authorized_by_iam(record: &Record<'_>, prefix: &str, name: &str) -> bool {
    // Console sign-in events: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html
    if prefix == "signin" {
        return false;
    }
    // "No permissions are required to perform this operation":
    // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
    if prefix == "sts" && name == "GetCallerIdentity" {
        return false;
    }
    // Web-identity and SAML assumptions are authorized by the role's trust policy alone.
    if prefix == "sts" && matches!(name, "AssumeRoleWithWebIdentity" | "AssumeRoleWithSAML") {
        return false;
    }
    // Events AWS emits itself, and sign-ins: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/non-api-aws-events.html
    !matches!(record.event_type.get(), Some("AwsServiceEvent" | "AwsConsoleSignIn" | "AwsCloudTrailInsight"))
}

/// What `record` exercised.
pub(crate) fn exercised<'r>(record: &'r Record<'r>) -> Exercised<'r> {
    let catalog = Catalog::aws();
    let (Some(source), Some(name)) = (record.event_source.get(), record.event_name.get()) else {
        return Exercised::Unmapped;
    };
    let prefix = prefix_of(source);
    if !authorized_by_iam(record, prefix, name) {
        return Exercised::NotAuthorized;
    }
    let Some((action, wildcard_only)) = cached_action(catalog, prefix, name) else {
        return Exercised::Unmapped;
    };
    let versioned_action = versioned(record, action);
    let wildcard_only =
        if versioned_action == action { wildcard_only } else { is_wildcard_only(catalog, versioned_action) };
    let resource = if wildcard_only { Cow::Borrowed("*") } else { resource_of(record, prefix, versioned_action) };
    Exercised::Action { action: versioned_action, resource }
}

fn is_wildcard_only(catalog: &Catalog, action: &str) -> bool {
    catalog.action(action).and_then(|id| catalog.action_info(id)).is_some_and(|a| a.is_wildcard_only())
}

type ActionCache = HashMap<Box<str>, Option<(&'static str, bool)>>;

thread_local! {
    /// Each thread's answers for the (source, name) pairs it met: a log holds a few hundred
    /// distinct operations and millions of records.
    static ACTIONS: RefCell<(String, ActionCache)> = RefCell::new((String::new(), HashMap::new()));
}

/// [`action_of`] and whether the action takes no resource, remembered per thread.
fn cached_action(catalog: &'static Catalog, prefix: &str, name: &str) -> Option<(&'static str, bool)> {
    ACTIONS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let (key, answers) = &mut *cache;
        key.clear();
        key.push_str(prefix);
        key.push(':');
        key.push_str(name);
        if let Some(answer) = answers.get(key.as_str()) {
            return *answer;
        }
        let answer = action_of(catalog, prefix, name).map(|a| (a, is_wildcard_only(catalog, a)));
        answers.insert(key.as_str().into(), answer);
        answer
    })
}

/// The catalogue's spelling of the action `prefix:name` (with the exceptions tabled above).
fn action_of(catalog: &'static Catalog, prefix: &str, name: &str) -> Option<&'static str> {
    if let Some((_, _, action)) = RENAMED.iter().find(|(p, n, _)| *p == prefix && *n == name) {
        return Some(action);
    }
    let lookup = |name: &str| {
        let mut full = String::with_capacity(prefix.len() + 1 + name.len());
        full.push_str(prefix);
        full.push(':');
        full.push_str(name);
        catalog.action(&full).and_then(|id| catalog.action_info(id)).map(|a| a.name())
    };
    lookup(name).or_else(|| {
        let bare = without_api_version(name);
        if bare.len() == name.len() { None } else { lookup(bare) }
    })
}

fn versioned(record: &Record<'_>, action: &'static str) -> &'static str {
    if !action.starts_with("s3:") {
        return action;
    }
    let has_version = record.request_parameters.get().and_then(|p| p.version_id.get()).is_some_and(|v| !v.is_empty());
    if !has_version {
        return action;
    }
    S3_VERSIONED.iter().find(|(a, _)| *a == action).map_or(action, |(_, v)| v)
}

/// The part of an S3 object key kept in rollups: the first path segment (`logs/2026/a.gz` →
/// `logs/*`), or the whole bucket for keys at its root. One row per object would grow with the
/// objects touched; one per prefix keeps rollups proportional to how the data is organized,
/// which is also the granularity a least-privilege policy names.
fn s3_object_pattern(bucket: &str, key: &str) -> String {
    match key.split_once('/') {
        Some((first, _)) if !first.is_empty() => format!("arn:aws:s3:::{bucket}/{first}/*"),
        _ => format!("arn:aws:s3:::{bucket}/*"),
    }
}

/// The resource an action acted on: from the request's parameters for the services whose
/// records carry them, else the record's `resources`, else `*` (not known).
fn resource_of<'r>(record: &'r Record<'r>, prefix: &str, action: &str) -> Cow<'r, str> {
    let region = record.aws_region.get().unwrap_or("");
    let account = record.recipient_account_id.get().unwrap_or("");
    let params = record.request_parameters.get();
    let param = |f: fn(&'r crate::record::RequestParameters<'r>) -> Option<&'r str>| params.and_then(f);
    if prefix == "s3" {
        let Some(bucket) = param(|p| p.bucket_name.get()) else {
            return Cow::Borrowed("*");
        };
        let object_level = action.contains("Object") || action == "s3:RestoreObject";
        return match param(|p| p.key.get()) {
            Some(key) if object_level => Cow::Owned(s3_object_pattern(bucket, key)),
            _ if object_level => Cow::Owned(format!("arn:aws:s3:::{bucket}/*")),
            _ => Cow::Owned(format!("arn:aws:s3:::{bucket}")),
        };
    }
    if let Some(arn) = record.resources.get().into_iter().flatten().filter_map(Lenient::get).find_map(|r| r.arn.get()) {
        return Cow::Borrowed(arn);
    }
    let named = |text: &'r str, build: &dyn Fn(&str) -> String| -> Cow<'r, str> {
        if text.starts_with("arn:") { Cow::Borrowed(text) } else { Cow::Owned(build(text)) }
    };
    match prefix {
        "lambda" => param(|p| p.function_name.get()).map(|f| {
            // A qualified name or ARN (`name:alias`) is authorized on the function.
            let f = if f.starts_with("arn:") {
                f.splitn(8, ':').take(7).collect::<Vec<_>>().join(":")
            } else {
                f.split(':').next().unwrap_or(f).to_owned()
            };
            if f.starts_with("arn:") {
                Cow::Owned(f)
            } else {
                Cow::Owned(format!("arn:aws:lambda:{region}:{account}:function:{f}"))
            }
        }),
        "dynamodb" => param(|p| p.table_name.get())
            .map(|t| named(t, &|t| format!("arn:aws:dynamodb:{region}:{account}:table/{t}"))),
        "kms" => param(|p| p.key_id.get()).and_then(|k| {
            if k.starts_with("arn:") {
                Some(Cow::Borrowed(k))
            } else if k.starts_with("alias/") {
                None
            } else {
                Some(Cow::Owned(format!("arn:aws:kms:{region}:{account}:key/{k}")))
            }
        }),
        "sqs" => param(|p| p.queue_url.get()).and_then(|url| {
            // https://sqs.<region>.amazonaws.com/<account>/<name>
            let mut parts = url.rsplit('/');
            let name = parts.next()?;
            let owner = parts.next()?;
            Some(Cow::Owned(format!("arn:aws:sqs:{region}:{owner}:{name}")))
        }),
        "sns" => param(|p| p.topic_arn.get()).map(Cow::Borrowed),
        "secretsmanager" => param(|p| p.secret_id.get())
            // A secret's ARN ends in a random six-character suffix the name does not carry.
            .map(|s| named(s, &|s| format!("arn:aws:secretsmanager:{region}:{account}:secret:{s}-??????"))),
        "iam" => param(|p| p.role_name.get())
            .map(|n| Cow::Owned(format!("arn:aws:iam::{account}:role/{n}")))
            .or_else(|| param(|p| p.user_name.get()).map(|n| Cow::Owned(format!("arn:aws:iam::{account}:user/{n}"))))
            .or_else(|| param(|p| p.group_name.get()).map(|n| Cow::Owned(format!("arn:aws:iam::{account}:group/{n}"))))
            .or_else(|| param(|p| p.policy_arn.get()).map(Cow::Borrowed)),
        "sts" => param(|p| p.role_arn.get()).map(Cow::Borrowed),
        "ec2" => {
            param(|p| p.instance_id.get()).map(|i| Cow::Owned(format!("arn:aws:ec2:{region}:{account}:instance/{i}")))
        }
        "ecr" => param(|p| p.repository_name.get())
            .map(|r| Cow::Owned(format!("arn:aws:ecr:{region}:{account}:repository/{r}"))),
        "codebuild" => param(|p| p.project_name.get())
            .map(|r| named(r, &|r| format!("arn:aws:codebuild:{region}:{account}:project/{r}"))),
        "states" => param(|p| p.state_machine_arn.get()).map(Cow::Borrowed),
        "cloudformation" => param(|p| p.stack_name.get())
            .map(|s| named(s, &|s| format!("arn:aws:cloudformation:{region}:{account}:stack/{s}/*"))),
        _ => None,
    }
    .unwrap_or(Cow::Borrowed("*"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercised_by(json: &str) -> Exercised<'static> {
        let record: Record<'_> = serde_json::from_str(json).expect("record");
        match exercised(&record) {
            Exercised::Action { action, resource } => {
                Exercised::Action { action, resource: Cow::Owned(resource.into_owned()) }
            }
            other => match other {
                Exercised::NotAuthorized => Exercised::NotAuthorized,
                _ => Exercised::Unmapped,
            },
        }
    }

    fn action(action: &'static str, resource: &str) -> Exercised<'static> {
        Exercised::Action { action, resource: Cow::Owned(resource.to_owned()) }
    }

    #[test]
    fn plain_names_map_through_the_catalogue() {
        assert_eq!(
            exercised_by(
                r#"{"eventSource":"iam.amazonaws.com","eventName":"CreateRole","recipientAccountId":"111122223333","requestParameters":{"roleName":"app"}}"#
            ),
            action("iam:CreateRole", "arn:aws:iam::111122223333:role/app")
        );
        assert_eq!(
            exercised_by(r#"{"eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances"}"#),
            action("ec2:DescribeInstances", "*")
        );
    }

    #[test]
    fn s3_operations_map_to_their_actions_and_objects_to_prefixes() {
        assert_eq!(
            exercised_by(
                r#"{"eventSource":"s3.amazonaws.com","eventName":"ListObjectsV2","requestParameters":{"bucketName":"data","Host":"data.s3.amazonaws.com"}}"#
            ),
            action("s3:ListBucket", "arn:aws:s3:::data")
        );
        assert_eq!(
            exercised_by(
                r#"{"eventSource":"s3.amazonaws.com","eventName":"HeadObject","requestParameters":{"bucketName":"data","key":"logs/2026/a.gz"}}"#
            ),
            action("s3:GetObject", "arn:aws:s3:::data/logs/*")
        );
        assert_eq!(
            exercised_by(
                r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","requestParameters":{"bucketName":"data","key":"a.txt","versionId":"3HL4kqtJ"}}"#
            ),
            action("s3:GetObjectVersion", "arn:aws:s3:::data/*")
        );
        assert_eq!(
            exercised_by(r#"{"eventSource":"s3.amazonaws.com","eventName":"ListBuckets"}"#),
            action("s3:ListAllMyBuckets", "*")
        );
        assert_eq!(
            exercised_by(
                r#"{"eventSource":"s3.amazonaws.com","eventName":"PutBucketCors","requestParameters":{"bucketName":"data"}}"#
            ),
            action("s3:PutBucketCORS", "arn:aws:s3:::data")
        );
    }

    #[test]
    fn api_versions_are_stripped() {
        assert_eq!(without_api_version("UpdateFunctionCode20150331v2"), "UpdateFunctionCode");
        assert_eq!(without_api_version("ListFunctions20150331"), "ListFunctions");
        assert_eq!(without_api_version("GetDistribution2020_05_31"), "GetDistribution");
        assert_eq!(without_api_version("GetObject"), "GetObject");
        assert_eq!(without_api_version("Ec2"), "Ec2");
        assert_eq!(
            exercised_by(
                r#"{"eventSource":"lambda.amazonaws.com","eventName":"UpdateFunctionCode20150331v2","awsRegion":"eu-west-1","recipientAccountId":"111122223333","requestParameters":{"functionName":"app:live"}}"#
            ),
            action("lambda:UpdateFunctionCode", "arn:aws:lambda:eu-west-1:111122223333:function:app")
        );
        assert_eq!(
            exercised_by(
                r#"{"eventSource":"lambda.amazonaws.com","eventName":"Invoke","resources":[{"ARN":"arn:aws:lambda:eu-west-1:111122223333:function:app","type":"AWS::Lambda::Function"}]}"#
            ),
            action("lambda:InvokeFunction", "arn:aws:lambda:eu-west-1:111122223333:function:app")
        );
    }

    #[test]
    fn endpoints_that_are_not_prefixes() {
        assert_eq!(
            exercised_by(r#"{"eventSource":"monitoring.amazonaws.com","eventName":"PutMetricData"}"#),
            action("cloudwatch:PutMetricData", "*")
        );
        assert_eq!(
            exercised_by(
                r#"{"eventSource":"sqs.amazonaws.com","eventName":"SendMessageBatch","awsRegion":"us-east-1","requestParameters":{"queueUrl":"https://sqs.us-east-1.amazonaws.com/111122223333/jobs"}}"#
            ),
            action("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:jobs")
        );
    }

    #[test]
    fn sign_in_and_caller_identity_are_not_permissions() {
        assert_eq!(
            exercised_by(
                r#"{"eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","eventType":"AwsConsoleSignIn"}"#
            ),
            Exercised::NotAuthorized
        );
        assert_eq!(
            exercised_by(r#"{"eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity"}"#),
            Exercised::NotAuthorized
        );
        assert_eq!(
            exercised_by(
                r#"{"eventSource":"kms.amazonaws.com","eventName":"RotateKey","eventType":"AwsServiceEvent"}"#
            ),
            Exercised::NotAuthorized
        );
    }

    #[test]
    fn unknown_operations_are_unmapped_not_dropped() {
        assert_eq!(
            exercised_by(r#"{"eventSource":"s3.amazonaws.com","eventName":"NoSuchOperation"}"#),
            Exercised::Unmapped
        );
        assert_eq!(
            exercised_by(r#"{"eventSource":"nosuchservice.amazonaws.com","eventName":"Get"}"#),
            Exercised::Unmapped
        );
        assert_eq!(exercised_by(r#"{"eventName":"Get"}"#), Exercised::Unmapped);
    }

    #[test]
    fn every_renamed_action_is_in_the_catalogue() {
        let catalog = Catalog::aws();
        for (_, _, action) in RENAMED {
            assert!(catalog.action(action).is_some(), "{action}");
        }
        for (a, v) in S3_VERSIONED {
            assert!(catalog.action(a).is_some() && catalog.action(v).is_some(), "{a} {v}");
        }
    }
}
