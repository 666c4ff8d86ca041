//! What the generator knows of each service's records: event versions, endpoints, the IAM
//! action behind an event name, request parameters, responses, resources and errors.
//!
//! Everything that depends only on the call is prepared once per [`Call`](super::Call)
//! ([`prepare`]), so that writing a record copies text rather than deciding anything. The
//! shapes follow real records (the CloudTrail documentation's examples and the detonation logs
//! of Stratus Red Team): `requestParameters` name the resource as the service's API does
//! (`bucketName` and `Host`, `functionName`, `tableName`, `keyId`, `queueUrl`, `topicArn`,
//! `secretId`, `roleName`, `instancesSet` ...), reads answer `null`, and the values CloudTrail
//! hides are written as it hides them (`HIDDEN_DUE_TO_SECURITY_REASONS`).

use super::{
    Call,
    json::{Obj, push_str},
};

/// The parts of an ARN, split at its first five colons.
pub(super) struct Arn<'a> {
    pub(super) service: &'a str,
    pub(super) region: &'a str,
    pub(super) account: &'a str,
    pub(super) resource: &'a str,
}

pub(super) fn parse_arn(arn: &str) -> Option<Arn<'_>> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let _partition = parts.next()?;
    Some(Arn { service: parts.next()?, region: parts.next()?, account: parts.next()?, resource: parts.next()? })
}

/// A resource part's type and the rest: `function:name` → (`function`, `name`),
/// `role/path/name` → (`role`, `path/name`), `my-queue` → (``, `my-queue`).
fn split_resource(resource: &str) -> (&str, &str) {
    match resource.find(['/', ':']) {
        Some(idx) => (&resource[..idx], &resource[idx + 1..]),
        None => ("", resource),
    }
}

/// The last `/`-separated part of a name (a role's name without its path).
fn last_part(rest: &str) -> &str {
    rest.rsplit('/').next().unwrap_or(rest)
}

/// How the request parameters of a call are written.
pub(super) enum Params {
    /// JSON text (`null` included), the same for every record.
    Json(String),
    /// An S3 object request: the key is drawn under `prefix` unless `fixed`.
    S3Object { bucket: String, host: String, fixed: Option<String>, prefix: String },
    /// `sts:AssumeRole` as an ordinary call: the session name is drawn.
    AssumeRole { role_arn: String },
}

/// What `resources` holds.
pub(super) enum Resources {
    None,
    /// JSON text of the array.
    Json(String),
    /// An S3 object (its ARN depends on the key drawn) and its bucket's entry, as JSON text.
    S3Object {
        bucket_entry: String,
    },
}

/// How the response elements of a successful call are written.
pub(super) enum Response {
    Null,
    Ec2State { instance: String, start: bool, terminate: bool },
    Ec2Return,
    SqsSend,
    SnsPublish,
    AccessKey { user: String },
    LambdaWrite { name: String, arn: String },
    SecretWrite { arn: String, name: String },
    S3Put,
    AssumeRole { role_arn: String },
}

/// `additionalEventData`.
pub(super) enum Additional {
    None,
    /// S3's signature, cipher, byte counts and `x-amz-id-2`.
    S3,
    /// Lambda `Invoke`: the function version invoked.
    LambdaInvoke(String),
}

/// What writing a record of a call needs, prepared once.
pub(super) struct Prepared {
    /// `s3`, `lambda`: the event source without `.amazonaws.com`.
    pub(super) prefix: String,
    pub(super) version: &'static str,
    /// `tlsDetails.clientProvidedHostHeader`.
    pub(super) host: String,
    /// The AWS CLI command (`s3api.get-object`), for user agents that carry it.
    pub(super) command: String,
    pub(super) params: Params,
    pub(super) resources: Resources,
    pub(super) response: Response,
    pub(super) additional: Additional,
    pub(super) api_version: Option<&'static str>,
    /// Requests from a VPC may reach the service through an interface or gateway endpoint.
    pub(super) vpce: bool,
    /// S3 writes request ids its own way and answers a denial with `Access Denied`.
    pub(super) s3: bool,
    /// For a denial: the message after the caller's ARN (`" is not authorized to perform: …"`),
    /// or the whole message when it does not name the caller.
    pub(super) denied_tail: String,
    pub(super) denied_names_caller: bool,
    /// EC2 appends an encoded authorization message to its denials.
    pub(super) denied_encoded: bool,
    /// Other failures this call can meet: (errorCode, errorMessage; empty: none written).
    pub(super) failures: Vec<(String, String)>,
}

/// Lambda's API versions in event names: `UpdateFunctionCode20150331v2` is
/// `lambda:UpdateFunctionCode`.
fn strip_api_version(name: &str) -> &str {
    let mut end = name.len();
    let bytes = name.as_bytes();
    // An optional `v<digits>` suffix.
    let mut idx = end;
    while idx > 0 && bytes[idx - 1].is_ascii_digit() {
        idx -= 1;
    }
    if idx < end && idx > 0 && bytes[idx - 1] == b'v' {
        end = idx - 1;
    }
    // Then eight digits: the API's date.
    let digits = bytes[..end].iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if digits == 8 && end > 8 { &name[..end - 8] } else { name }
}

/// The IAM action an event stands for, as error messages name it.
pub(super) fn iam_action(prefix: &str, event_name: &str) -> String {
    let service = match prefix {
        "monitoring" => "cloudwatch",
        "email" => "ses",
        other => other,
    };
    let name = match prefix {
        "lambda" => match strip_api_version(event_name) {
            "Invoke" => "InvokeFunction",
            other => other,
        },
        "s3" => match event_name {
            "ListObjects" | "ListObjectsV2" | "HeadBucket" => "ListBucket",
            "ListObjectVersions" => "ListBucketVersions",
            "HeadObject" => "GetObject",
            "DeleteObjects" => "DeleteObject",
            "CopyObject" | "CreateMultipartUpload" | "UploadPart" | "CompleteMultipartUpload" => "PutObject",
            other => other,
        },
        _ => event_name,
    };
    if prefix == "sns" { format!("SNS:{name}") } else { format!("{service}:{name}") }
}

/// `GetObject` → `get-object`, `ListObjectsV2` → `list-objects-v2`, `DescribeDBInstances` →
/// `describe-db-instances`.
pub(super) fn kebab(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (idx, c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && idx > 0 {
            let prev = chars[idx - 1];
            let next_lower = chars.get(idx + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next_lower) {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The `eventVersion` each service writes today.
fn event_version(prefix: &str, data: bool) -> &'static str {
    match prefix {
        "sts"
        | "lambda"
        | "ssm"
        | "rds"
        | "kms"
        | "route53"
        | "ecr"
        | "signin"
        | "sns"
        | "ec2-instance-connect"
        | "route53resolver" => "1.08",
        "cloudtrail" | "rolesanywhere" | "bedrock" | "access-analyzer" => "1.10",
        "s3" if data => "1.10",
        _ => "1.09",
    }
}

fn api_version(prefix: &str) -> Option<&'static str> {
    match prefix {
        "elasticloadbalancing" => Some("2015-12-01"),
        "route53" => Some("2013-04-01"),
        "cloudfront" => Some("2020_05_31"),
        _ => None,
    }
}

fn is_object_level(event_name: &str) -> bool {
    (event_name.contains("Object") && !event_name.starts_with("ListObject") && event_name != "DeleteObjects")
        || event_name.contains("MultipartUpload")
        || event_name == "UploadPart"
}

/// `AWS::S3::Bucket`, `AWS::Lambda::Function` ...
fn resource_type(service: &str, rtype: &str) -> String {
    let known = match (service, rtype) {
        ("s3", _) => "AWS::S3::Bucket",
        ("lambda", "function") => "AWS::Lambda::Function",
        ("dynamodb", "table") => "AWS::DynamoDB::Table",
        ("kms", "key") => "AWS::KMS::Key",
        ("sqs", _) => "AWS::SQS::Queue",
        ("sns", _) => "AWS::SNS::Topic",
        ("secretsmanager", "secret") => "AWS::SecretsManager::Secret",
        ("iam", "role") => "AWS::IAM::Role",
        ("iam", "user") => "AWS::IAM::User",
        ("iam", "policy") => "AWS::IAM::Policy",
        ("ssm", "parameter") => "AWS::SSM::Parameter",
        ("ec2", "instance") => "AWS::EC2::Instance",
        ("logs", "log-group") => "AWS::Logs::LogGroup",
        ("states", "stateMachine") => "AWS::StepFunctions::StateMachine",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    let cap = |text: &str| {
        text.split('-')
            .map(|part| {
                let mut chars = part.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                    None => String::new(),
                }
            })
            .collect::<String>()
    };
    format!("AWS::{}::{}", cap(service), cap(if rtype.is_empty() { "resource" } else { rtype }))
}

/// The `resources` entry of one ARN.
fn resource_entry(out: &mut String, account: &str, rtype: &str, arn: &str) {
    let mut obj = Obj::open(out);
    obj.str("accountId", account);
    obj.str("type", rtype);
    obj.str("ARN", arn);
    obj.close();
}

fn object(fields: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut obj = Obj::open(&mut out);
    for (key, value) in fields {
        obj.str(key, value);
    }
    obj.close();
    out
}

/// Prepares what writing records of `call` needs; `owner` is the account owning its resource.
pub(super) fn prepare(call: &Call, owner: &str) -> Prepared {
    let prefix = call.event_source.strip_suffix(".amazonaws.com").unwrap_or(&call.event_source).to_owned();
    let region = call.region.as_str();
    let name = call.event_name.as_str();
    let action = iam_action(&prefix, name);
    let resource = call.resource.as_deref();
    let arn = resource.and_then(parse_arn);
    let (rtype, rest) = arn.as_ref().map_or(("", ""), |a| split_resource(a.resource));
    let rname = last_part(rest);

    let mut host = match prefix.as_str() {
        "iam" | "cloudfront" | "route53" => format!("{prefix}.amazonaws.com"),
        "organizations" => "organizations.us-east-1.amazonaws.com".to_owned(),
        "sts" if region == "us-east-1" => "sts.amazonaws.com".to_owned(),
        "bedrock" if name.starts_with("InvokeModel") || name == "Converse" || name == "ConverseStream" => {
            format!("bedrock-runtime.{region}.amazonaws.com")
        }
        "signin" => "signin.aws.amazon.com".to_owned(),
        _ => format!("{prefix}.{region}.amazonaws.com"),
    };
    let cli_service = match prefix.as_str() {
        "s3" => "s3api",
        "monitoring" => "cloudwatch",
        "email" => "ses",
        other => other,
    };
    let command = format!("{cli_service}.{}", kebab(strip_api_version(name)));

    let mut params = Params::Json("null".to_owned());
    let mut resources = Resources::None;
    let mut response = Response::Null;
    let mut additional = Additional::None;
    let with_resources = |arn: &str, rtype: &str| {
        let mut out = String::from("[");
        resource_entry(&mut out, owner, rtype, arn);
        out.push(']');
        Resources::Json(out)
    };

    match prefix.as_str() {
        "s3" => {
            additional = Additional::S3;
            let (bucket, key) = match arn.as_ref() {
                Some(a) if resource.is_some() => match a.resource.split_once('/') {
                    Some((bucket, key)) => (bucket.to_owned(), Some(key.to_owned())),
                    None => (a.resource.to_owned(), None),
                },
                _ => (String::new(), None),
            };
            if bucket.is_empty() {
                host = format!("s3.{region}.amazonaws.com");
                params = Params::Json(object(&[("Host", &host)]));
            } else {
                host = format!("{bucket}.s3.{region}.amazonaws.com");
                let bucket_arn = format!("arn:aws:s3:::{bucket}");
                let mut bucket_entry = String::new();
                resource_entry(&mut bucket_entry, owner, "AWS::S3::Bucket", &bucket_arn);
                if is_object_level(name) {
                    let (fixed, prefix) = match key {
                        Some(key) if !key.contains('*') && !key.is_empty() => (Some(key), String::new()),
                        Some(key) => (None, key.split('*').next().unwrap_or("").to_owned()),
                        None => (None, String::new()),
                    };
                    params = Params::S3Object { bucket: bucket.clone(), host: host.clone(), fixed, prefix };
                    resources = Resources::S3Object { bucket_entry };
                    if matches!(name, "PutObject" | "CopyObject" | "CompleteMultipartUpload") {
                        response = Response::S3Put;
                    }
                } else {
                    let mut out = String::new();
                    let mut obj = Obj::open(&mut out);
                    if name == "ListObjectsV2" || name == "ListObjects" {
                        if name == "ListObjectsV2" {
                            obj.str("list-type", "2");
                        }
                        obj.str("bucketName", &bucket);
                        obj.str("prefix", key.as_deref().map_or("", |k| k.split('*').next().unwrap_or("")));
                        obj.str("Host", &host);
                    } else {
                        obj.str("bucketName", &bucket);
                        obj.str("Host", &host);
                        let sub = match name {
                            "GetBucketPolicy" | "PutBucketPolicy" | "DeleteBucketPolicy" | "GetBucketPolicyStatus" => {
                                "policy"
                            }
                            "GetBucketAcl" | "PutBucketAcl" => "acl",
                            "GetBucketLocation" => "location",
                            "GetBucketVersioning" | "PutBucketVersioning" => "versioning",
                            "GetBucketEncryption" | "PutBucketEncryption" => "encryption",
                            "GetBucketTagging" | "PutBucketTagging" => "tagging",
                            "GetBucketLogging" | "PutBucketLogging" => "logging",
                            "GetPublicAccessBlock" | "PutPublicAccessBlock" => "publicAccessBlock",
                            "DeleteObjects" => "delete",
                            _ => "",
                        };
                        if !sub.is_empty() {
                            obj.str(sub, "");
                        }
                    }
                    obj.close();
                    params = Params::Json(out);
                    resources = Resources::Json(format!("[{bucket_entry}]"));
                }
            }
        }
        "lambda" => {
            if let Some(res) = resource {
                let function = if rtype == "function" { rest.split(':').next().unwrap_or(rest) } else { rname };
                if call.data_event || strip_api_version(name) == "Invoke" {
                    params = Params::Json(object(&[("functionName", res)]));
                    resources = with_resources(res, "AWS::Lambda::Function");
                    additional = Additional::LambdaInvoke(format!("{res}:$LATEST"));
                } else {
                    params = Params::Json(object(&[("functionName", function)]));
                    let base = strip_api_version(name);
                    if !call.read_only
                        && (base.starts_with("Update") || base.starts_with("Create") || base.starts_with("Publish"))
                    {
                        response = Response::LambdaWrite { name: function.to_owned(), arn: res.to_owned() };
                    }
                }
            }
        }
        "dynamodb" => {
            if let Some(res) = resource {
                let table = rest.split('/').next().unwrap_or(rest);
                let mut out = String::new();
                let mut obj = Obj::open(&mut out);
                obj.str("tableName", table);
                match name {
                    "GetItem" | "DeleteItem" | "UpdateItem" | "PutItem" => {
                        let mut key = obj.obj("key");
                        key.str("id", "HIDDEN_DUE_TO_SECURITY_REASONS");
                        key.close();
                    }
                    "Query" => obj.str("keyConditionExpression", "HIDDEN_DUE_TO_SECURITY_REASONS"),
                    "Scan" => obj.num("limit", 1000),
                    _ => {}
                }
                obj.close();
                params = Params::Json(out);
                if call.data_event {
                    resources = with_resources(res, "AWS::DynamoDB::Table");
                }
            }
        }
        "kms" => {
            if let Some(res) = resource {
                let mut out = String::new();
                let mut obj = Obj::open(&mut out);
                obj.str("keyId", res);
                match name {
                    "Decrypt" | "Encrypt" | "ReEncrypt" => obj.str("encryptionAlgorithm", "SYMMETRIC_DEFAULT"),
                    "GenerateDataKey" | "GenerateDataKeyWithoutPlaintext" => obj.str("keySpec", "AES_256"),
                    _ => {}
                }
                obj.close();
                params = Params::Json(out);
                if rtype == "key" {
                    resources = with_resources(res, "AWS::KMS::Key");
                }
            }
        }
        "sqs" => {
            if let (Some(_), Some(a)) = (resource, arn.as_ref()) {
                let url = format!("https://sqs.{}.amazonaws.com/{}/{}", a.region, a.account, a.resource);
                let mut out = String::new();
                let mut obj = Obj::open(&mut out);
                obj.str("queueUrl", &url);
                match name {
                    "SendMessage" => obj.str("messageBody", "HIDDEN_DUE_TO_SECURITY_REASONS"),
                    "ReceiveMessage" => {
                        obj.num("maxNumberOfMessages", 10);
                        obj.num("waitTimeSeconds", 20);
                    }
                    _ => {}
                }
                obj.close();
                params = Params::Json(out);
                if name == "SendMessage" {
                    response = Response::SqsSend;
                }
                if call.data_event {
                    resources = with_resources(resource.unwrap_or(""), "AWS::SQS::Queue");
                }
            }
        }
        "sns" => {
            if let Some(res) = resource {
                let mut out = String::new();
                let mut obj = Obj::open(&mut out);
                obj.str("topicArn", res);
                if name == "Publish" {
                    obj.str("message", "HIDDEN_DUE_TO_SECURITY_REASONS");
                    response = Response::SnsPublish;
                }
                obj.close();
                params = Params::Json(out);
                if call.data_event {
                    resources = with_resources(res, "AWS::SNS::Topic");
                }
            }
        }
        "secretsmanager" => {
            if let Some(res) = resource {
                params = Params::Json(object(&[("secretId", res)]));
                if matches!(name, "PutSecretValue" | "UpdateSecret" | "CreateSecret" | "RotateSecret") {
                    let secret = rest.rsplit_once('-').map_or(rest, |(n, _)| n);
                    response = Response::SecretWrite { arn: res.to_owned(), name: secret.to_owned() };
                }
            }
        }
        "iam" => {
            if resource.is_some() {
                let mut out = String::new();
                let mut obj = Obj::open(&mut out);
                match rtype {
                    "role" => obj.str("roleName", rname),
                    "user" => obj.str("userName", rname),
                    "group" => obj.str("groupName", rname),
                    "instance-profile" => obj.str("instanceProfileName", rname),
                    "policy" => obj.str("policyArn", resource.unwrap_or("")),
                    "oidc-provider" => obj.str("openIDConnectProviderArn", resource.unwrap_or("")),
                    "saml-provider" => obj.str("sAMLProviderArn", resource.unwrap_or("")),
                    _ => obj.str("resourceArn", resource.unwrap_or("")),
                }
                if name.starts_with("Attach") && name.ends_with("Policy") && rtype != "policy" {
                    obj.str("policyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess");
                }
                if name.starts_with("Put") && name.ends_with("Policy") && !name.contains("Boundary") {
                    obj.str("policyName", "inline-access");
                }
                obj.close();
                params = Params::Json(out);
                if name == "CreateAccessKey" && rtype == "user" {
                    response = Response::AccessKey { user: rname.to_owned() };
                }
            }
        }
        "ec2" => {
            let instance = (rtype == "instance").then_some(rname);
            let mut out = String::new();
            let mut obj = Obj::open(&mut out);
            match (name, instance) {
                (
                    "StartInstances" | "StopInstances" | "TerminateInstances" | "RebootInstances" | "MonitorInstances",
                    Some(id),
                ) => {
                    let mut set = obj.obj("instancesSet");
                    set.raw("items", &format!("[{}]", object(&[("instanceId", id)])));
                    set.close();
                    if name == "StopInstances" {
                        obj.bool("force", false);
                    }
                    if matches!(name, "StartInstances" | "StopInstances" | "TerminateInstances") {
                        response = Response::Ec2State {
                            instance: id.to_owned(),
                            start: name == "StartInstances",
                            terminate: name == "TerminateInstances",
                        };
                    } else {
                        response = Response::Ec2Return;
                    }
                }
                ("DescribeInstanceAttribute" | "ModifyInstanceAttribute", Some(id)) => {
                    obj.str("instanceId", id);
                    obj.str("attribute", "userData");
                    if name.starts_with("Modify") {
                        response = Response::Ec2Return;
                    }
                }
                (_, Some(id)) => {
                    obj.str("instanceId", id);
                    if !call.read_only {
                        response = Response::Ec2Return;
                    }
                }
                ("DescribeInstances", None) => {
                    obj.raw("instancesSet", "{}");
                    obj.raw("filterSet", "{}");
                }
                ("DescribeSecurityGroups", None) => {
                    obj.raw("securityGroupSet", "{}");
                    obj.raw("securityGroupIdSet", "{}");
                    obj.raw("filterSet", "{}");
                }
                ("DescribeVolumes", None) => {
                    obj.raw("volumeSet", "{}");
                    obj.raw("filterSet", "{}");
                }
                ("DescribeRegions", None) => obj.raw("regionSet", "{}"),
                (other, None) if other.starts_with("Describe") => obj.raw("filterSet", "{}"),
                (_, None) => {
                    if resource.is_some() {
                        let key = format!("{}Id", kebab_to_camel(rtype));
                        obj.str(&key, rname);
                    }
                    if !call.read_only {
                        response = Response::Ec2Return;
                    }
                }
            }
            obj.close();
            params = Params::Json(if out == "{}" && resource.is_none() && !name.starts_with("Describe") {
                "null".to_owned()
            } else {
                out
            });
        }
        "ssm" => {
            if let (Some(res), "parameter") = (resource, rtype) {
                let param = if rest.starts_with('/') { rest.to_owned() } else { format!("/{rest}") };
                let param = if rest.contains('/') { param } else { rest.to_owned() };
                let mut out = String::new();
                let mut obj = Obj::open(&mut out);
                match name {
                    "GetParameters" => {
                        let mut names = String::from("[");
                        push_str(&mut names, &param);
                        names.push(']');
                        obj.raw("names", &names);
                        obj.bool("withDecryption", true);
                    }
                    "GetParameter" => {
                        obj.str("name", &param);
                        obj.bool("withDecryption", true);
                    }
                    "GetParametersByPath" => {
                        obj.str("path", &param);
                        obj.bool("recursive", true);
                        obj.bool("withDecryption", true);
                    }
                    "PutParameter" => {
                        obj.str("name", &param);
                        obj.str("type", "SecureString");
                        obj.bool("overwrite", true);
                    }
                    _ => obj.str("name", &param),
                }
                obj.close();
                params = Params::Json(out);
                let mut entry = String::from("[");
                let mut e = Obj::open(&mut entry);
                e.str("ARN", res);
                e.str("accountId", owner);
                e.close();
                entry.push(']');
                resources = Resources::Json(entry);
            }
        }
        "sts" => {
            if name == "AssumeRole" {
                if let Some(res) = resource {
                    params = Params::AssumeRole { role_arn: res.to_owned() };
                    resources = with_resources(res, "AWS::IAM::Role");
                    response = Response::AssumeRole { role_arn: res.to_owned() };
                }
            } else if name == "GetSessionToken" {
                params = Params::Json("{\"durationSeconds\":43200}".to_owned());
            }
        }
        "logs" => {
            if resource.is_some() && rtype == "log-group" {
                let group = rest.strip_suffix(":*").unwrap_or(rest);
                params = Params::Json(object(&[("logGroupName", group)]));
            }
        }
        "states" => {
            if let Some(res) = resource {
                params = Params::Json(object(&[("stateMachineArn", res)]));
            }
        }
        _ => {
            if resource.is_some() && !rname.is_empty() {
                let key = if rtype.is_empty() { "name".to_owned() } else { format!("{}Name", kebab_to_camel(rtype)) };
                params = Params::Json(object(&[(&key, rname)]));
            }
        }
    }
    if call.data_event
        && matches!(resources, Resources::None)
        && let (Some(res), Some(a)) = (resource, arn.as_ref())
    {
        resources = with_resources(res, &resource_type(a.service, rtype));
    }

    let s3 = prefix == "s3";
    let target = resource.unwrap_or("*");
    let (denied_tail, denied_names_caller) = if s3 && call.denied_code == "AccessDenied" {
        ("Access Denied".to_owned(), false)
    } else {
        (
            format!(
                " is not authorized to perform: {action} on resource: {target} because no identity-based policy allows the {action} action"
            ),
            true,
        )
    };
    let failures = failures(&prefix, name, resource, rtype, rname);
    Prepared {
        version: event_version(&prefix, call.data_event),
        api_version: api_version(&prefix),
        vpce: matches!(
            prefix.as_str(),
            "s3" | "dynamodb"
                | "sts"
                | "kms"
                | "secretsmanager"
                | "sqs"
                | "sns"
                | "ssm"
                | "logs"
                | "ecr"
                | "lambda"
                | "ec2"
                | "monitoring"
                | "events"
                | "states"
        ),
        s3,
        denied_encoded: call.denied_code == "Client.UnauthorizedOperation",
        denied_tail,
        denied_names_caller,
        failures,
        prefix,
        host,
        command,
        params,
        resources,
        response,
        additional,
    }
}

/// `log-group` → `logGroup`.
fn kebab_to_camel(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut upper = false;
    for c in text.chars() {
        if c == '-' || c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The errors other than a denial that a call meets now and then.
fn failures(prefix: &str, name: &str, resource: Option<&str>, rtype: &str, rname: &str) -> Vec<(String, String)> {
    let pair = |code: &str, message: &str| (code.to_owned(), message.to_owned());
    let res = resource.unwrap_or("");
    match prefix {
        "s3" => match name {
            "GetObject" | "HeadObject" | "GetObjectAcl" | "GetObjectTagging" => {
                vec![pair("NoSuchKey", "The specified key does not exist.")]
            }
            "GetBucketPolicy" => vec![pair("NoSuchBucketPolicy", "The bucket policy does not exist")],
            "GetBucketEncryption" => vec![pair(
                "ServerSideEncryptionConfigurationNotFoundError",
                "The server side encryption configuration was not found",
            )],
            "GetBucketTagging" => vec![pair("NoSuchTagSet", "The TagSet does not exist")],
            _ => vec![pair("SlowDown", "Please reduce your request rate.")],
        },
        "ec2" => {
            let mut list = vec![pair("Client.RequestLimitExceeded", "Request limit exceeded.")];
            if rtype == "instance" {
                list.push(pair(
                    "Client.InvalidInstanceID.NotFound",
                    &format!("The instance ID '{rname}' does not exist"),
                ));
            }
            list
        }
        "iam" => {
            let mut list = vec![pair("Throttling", "Rate exceeded")];
            match rtype {
                "role" | "user" | "group" => {
                    list.push(pair("NoSuchEntityException", &format!("The {rtype} with name {rname} cannot be found.")))
                }
                "policy" => list
                    .push(pair("NoSuchEntityException", &format!("Policy {res} does not exist or is not attachable."))),
                _ => {}
            }
            list
        }
        "lambda" => vec![
            pair("ResourceNotFoundException", &format!("Function not found: {res}")),
            pair("TooManyRequestsException", "Rate Exceeded."),
        ],
        "dynamodb" => vec![
            pair("ResourceNotFoundException", "Requested resource not found"),
            pair("ThrottlingException", "Rate of requests exceeds the allowed throughput."),
            pair("ValidationException", "The provided key element does not match the schema"),
        ],
        "kms" => {
            if name == "Decrypt" {
                vec![pair("InvalidCiphertextException", ""), pair("ThrottlingException", "Rate exceeded")]
            } else {
                vec![
                    pair("ThrottlingException", "Rate exceeded"),
                    pair("NotFoundException", &format!("Key '{res}' does not exist")),
                ]
            }
        }
        "secretsmanager" => vec![
            pair("ResourceNotFoundException", "Secrets Manager can't find the specified secret."),
            pair("ThrottlingException", "Rate exceeded"),
        ],
        "sqs" => vec![pair(
            "AWS.SimpleQueueService.NonExistentQueue",
            "The specified queue does not exist for this wsdl version.",
        )],
        "sns" => vec![pair("NotFound", "Topic does not exist"), pair("Throttling", "Rate exceeded")],
        "ssm" => vec![pair("ParameterNotFound", ""), pair("ThrottlingException", "Rate exceeded")],
        "sts" => vec![pair("Throttling", "Rate exceeded")],
        _ => vec![
            pair("ThrottlingException", "Rate exceeded"),
            pair(
                "ValidationException",
                "1 validation error detected: Value at 'maxResults' failed to satisfy constraint",
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_and_commands() {
        assert_eq!(iam_action("lambda", "UpdateFunctionCode20150331v2"), "lambda:UpdateFunctionCode");
        assert_eq!(iam_action("lambda", "Invoke"), "lambda:InvokeFunction");
        assert_eq!(iam_action("lambda", "ListFunctions20150331"), "lambda:ListFunctions");
        assert_eq!(iam_action("s3", "ListObjects"), "s3:ListBucket");
        assert_eq!(iam_action("sns", "Publish"), "SNS:Publish");
        assert_eq!(iam_action("monitoring", "GetMetricData"), "cloudwatch:GetMetricData");
        assert_eq!(kebab("ListObjectsV2"), "list-objects-v2");
        assert_eq!(kebab("DescribeDBInstances"), "describe-db-instances");
        assert_eq!(kebab("GetObject"), "get-object");
        assert_eq!(kebab_to_camel("log-group"), "logGroup");
    }
}
