//! Writing records: each item of an actor's stream becomes one or more CloudTrail records, in
//! CloudTrail's field order, and is counted in the truth.
//!
//! Counting runs (which only need how many records there are) go through the same code with
//! [`Sink::writing`] off: truth and counts are kept, text is not built, so the records counted
//! are exactly the records the writing run writes.

use std::io;

use super::{
    clock::{iso, push_iso, push_java_date},
    deliver::Delivery,
    json::{Obj, one},
    plan::{CallInfo, Caller, Plan, Profile, Tool, Who},
    rng::{ALNUM, Rng, fnv},
    schedule::{ActorStream, Item, ServiceStream, Session, Start},
    services::{Additional, Params, Resources, Response},
    truth::Truth,
};

/// Where records go: counted, and written when [`Sink::writing`].
pub(super) struct Sink {
    pub(super) writing: bool,
    pub(super) records: u64,
    pub(super) truth: Truth,
    pub(super) delivery: Option<Delivery>,
}

impl Sink {
    /// One record of time `t` for `account`'s trail in `region`; `delayed` records are delivered
    /// with the next five minutes' file.
    fn put(&mut self, t: i64, account: u32, region: u32, delayed: bool, record: String) {
        self.records += 1;
        if let Some(delivery) = &mut self.delivery {
            let window = t.div_euclid(300) + i64::from(delayed);
            delivery.put(window, account, region, record);
        }
    }
}

/// The `userIdentity` of an IAM user or the root user; `console` is (sign-in time, MFA) for a
/// console session's temporary credentials.
pub(super) fn principal_identity(profile: &Profile<'_>, key: &str, console: Option<(i64, bool)>) -> String {
    let mut out = String::with_capacity(320);
    let mut obj = Obj::open(&mut out);
    let root = matches!(profile.who, Who::Root);
    obj.str("type", if root { "Root" } else { "IAMUser" });
    obj.str("principalId", if root { &profile.actor.account } else { &profile.unique_id });
    obj.str("arn", &profile.actor.arn);
    obj.str("accountId", &profile.actor.account);
    obj.str("accessKeyId", key);
    if !root {
        obj.str("userName", &profile.name);
    }
    if let Some((created, mfa)) = console {
        let mut context = obj.obj("sessionContext");
        context.raw("sessionIssuer", "{}");
        context.raw("webIdFederationData", "{}");
        let mut attributes = context.obj("attributes");
        let mut date = String::new();
        push_iso(&mut date, created);
        attributes.str("creationDate", &date);
        attributes.str("mfaAuthenticated", if mfa { "true" } else { "false" });
        attributes.close();
        context.close();
    }
    obj.close();
    out
}

/// The `userIdentity` a resource owner's copy of a cross-account call names the caller by.
pub(super) fn account_identity(principal_id: &str, account: &str) -> String {
    let mut out = String::with_capacity(96);
    let mut obj = Obj::open(&mut out);
    obj.str("type", "AWSAccount");
    obj.str("principalId", principal_id);
    obj.str("accountId", account);
    obj.close();
    out
}

/// What an assumed role's `userIdentity` says.
pub(super) struct RoleIdentity<'a> {
    pub(super) profile: &'a Profile<'a>,
    pub(super) session: &'a str,
    pub(super) key: &'a str,
    pub(super) created: i64,
    pub(super) mfa: bool,
    /// The OIDC provider of a web-identity session.
    pub(super) web: Option<&'a str>,
    pub(super) source_identity: Option<&'a str>,
    /// Credentials delivered by the EC2 instance metadata service.
    pub(super) ec2: bool,
    pub(super) invoked_by: Option<&'a str>,
    /// (Identity Center user id, identity store ARN).
    pub(super) on_behalf: Option<(&'a str, &'a str)>,
}

/// `arn:aws:sts::<account>:assumed-role/<role name>/<session>`: the role's name without its path.
pub(super) fn session_arn(profile: &Profile<'_>, session: &str) -> String {
    format!("arn:{}:sts::{}:assumed-role/{}/{session}", profile.partition, profile.actor.account, profile.name)
}

pub(super) fn role_identity(r: &RoleIdentity<'_>) -> String {
    let p = r.profile;
    let mut out = String::with_capacity(640);
    let mut obj = Obj::open(&mut out);
    obj.str("type", "AssumedRole");
    obj.str("principalId", &format!("{}:{}", p.unique_id, r.session));
    obj.str("arn", &session_arn(p, r.session));
    obj.str("accountId", &p.actor.account);
    obj.str("accessKeyId", r.key);
    let mut context = obj.obj("sessionContext");
    let mut issuer = context.obj("sessionIssuer");
    issuer.str("type", "Role");
    issuer.str("principalId", &p.unique_id);
    issuer.str("arn", &p.actor.arn);
    issuer.str("accountId", &p.actor.account);
    issuer.str("userName", &p.name);
    issuer.close();
    match r.web {
        Some(provider) => {
            let mut web = context.obj("webIdFederationData");
            web.str("federatedProvider", provider);
            web.raw("attributes", "{}");
            web.close();
        }
        None => context.raw("webIdFederationData", "{}"),
    }
    let mut attributes = context.obj("attributes");
    let mut date = String::new();
    push_iso(&mut date, r.created);
    attributes.str("creationDate", &date);
    attributes.str("mfaAuthenticated", if r.mfa { "true" } else { "false" });
    attributes.close();
    if let Some(source) = r.source_identity {
        context.str("sourceIdentity", source);
    }
    if r.ec2 {
        context.str("ec2RoleDelivery", "2.0");
    }
    context.close();
    if let Some(service) = r.invoked_by {
        obj.str("invokedBy", service);
    }
    if let Some((user, store)) = r.on_behalf {
        let mut on_behalf = obj.obj("onBehalfOf");
        on_behalf.str("userId", user);
        on_behalf.str("identityStoreArn", store);
        on_behalf.close();
    }
    obj.close();
    out
}

/// An identity store user id, stable for a user name: `906734c8-4081-70c1-5d2f-3f1d0fd1bdc6`.
pub(super) fn identity_store_user_id(seed: u64, user: &str) -> String {
    let mut rng = Rng::new(seed, "identity-store-user", fnv(user));
    format!("{}-{}-70{}-{}-{}", rng.hex(8), rng.hex(4), rng.hex(2), rng.hex(4), rng.hex(12))
}

/// A VPC endpoint id, stable for an account, region and service.
fn vpce_id(account: &str, region: &str, service: &str) -> String {
    let hash = fnv(&format!("{account}/{region}/{service}"));
    format!("vpce-0{:016x}", hash).chars().take(22).collect()
}

const BROWSERS: [&str; 4] = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.6; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
];

fn pick<'a>(variant: u64, shift: u32, items: &[&'a str]) -> &'a str {
    let len = items.len().max(1) as u64;
    items.get(((variant >> shift) % len) as usize).copied().unwrap_or("")
}

/// Where a client runs: a person's computer, a server, or a Lambda function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Host {
    Person,
    Server,
    Lambda,
}

impl Host {
    fn of(profile: &Profile<'_>) -> Host {
        if profile.lambda_env {
            Host::Lambda
        } else if profile.actor.human {
            Host::Person
        } else {
            Host::Server
        }
    }
}

/// Writes the user agent of `tool` for a call to service `api` (`s3`) with CLI `command`.
fn push_agent(out: &mut String, tool: Tool, variant: u64, host: Host, api: &str, command: &str, rng: &mut Rng) {
    let lambda = host == Host::Lambda;
    let machine = host != Host::Person;
    match tool {
        Tool::Console => {
            if rng.chance(0.5) {
                out.push_str("AWS Internal");
            } else {
                out.push_str(pick(variant, 0, &BROWSERS));
            }
        }
        Tool::Cli => {
            let version = pick(variant, 4, &["2.15.30", "2.17.51", "2.22.35", "2.24.10"]);
            let os = if machine {
                pick(
                    variant,
                    8,
                    &[
                        "linux#5.10.227-239.884.amzn2.x86_64",
                        "linux#6.1.119-129.201.amzn2023.x86_64",
                        "linux#6.8.0-1021-aws",
                    ],
                )
            } else {
                pick(variant, 8, &["macos#23.6.0", "macos#24.3.0", "linux#6.8.0-51-generic", "windows#10"])
            };
            let arch = pick(variant, 12, &["x86_64", "arm64"]);
            out.push_str("aws-cli/");
            out.push_str(version);
            out.push_str(" md/awscrt#0.23.4 ua/2.0 os/");
            out.push_str(os);
            out.push_str(" md/arch#");
            out.push_str(arch);
            out.push_str(" lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#");
            out.push_str(command);
        }
        Tool::Boto3 => {
            let version = pick(variant, 4, &["1.34.69", "1.35.36", "1.35.90", "1.36.2"]);
            let os = if lambda {
                "linux#5.10.227-239.884.amzn2.x86_64"
            } else if machine {
                pick(variant, 8, &["linux#5.10.219-208.866.amzn2.x86_64", "linux#6.1.112-122.189.amzn2023.x86_64"])
            } else {
                pick(variant, 8, &["macos#23.6.0", "macos#24.3.0", "linux#6.8.0-51-generic"])
            };
            out.push_str("Boto3/");
            out.push_str(version);
            out.push_str(" md/Botocore#");
            out.push_str(version);
            out.push_str(" ua/2.0 os/");
            out.push_str(os);
            out.push_str(" md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython");
            if lambda {
                out.push_str(" exec-env/AWS_Lambda_python3.12");
            }
            out.push_str(" cfg/retry-mode#legacy Botocore/");
            out.push_str(version);
        }
        Tool::Go | Tool::Terraform => {
            if tool == Tool::Terraform {
                out.push_str("APN/1.0 HashiCorp/1.0 Terraform/");
                out.push_str(pick(variant, 16, &["1.7.5", "1.9.8", "1.10.3"]));
                out.push_str(" (+https://www.terraform.io) terraform-provider-aws/");
                out.push_str(pick(variant, 20, &["5.42.0", "5.75.0", "5.82.2"]));
                out.push_str(" (+https://registry.terraform.io/providers/hashicorp/aws) ");
            }
            out.push_str("aws-sdk-go-v2/");
            out.push_str(pick(variant, 4, &["1.30.3", "1.32.7", "1.36.1"]));
            out.push_str(" ua/2.1 os/linux lang/go#");
            out.push_str(pick(variant, 8, &["1.22.5", "1.23.4"]));
            out.push_str(" md/GOOS#linux md/GOARCH#amd64 api/");
            out.push_str(api);
            out.push('#');
            out.push_str(pick(variant, 12, &["1.58.2", "1.24.3", "1.40.0"]));
            if tool == Tool::Go {
                out.push_str(" m/E");
            }
        }
        Tool::Java => {
            out.push_str("aws-sdk-java/");
            out.push_str(pick(variant, 4, &["2.25.16", "2.28.29", "2.29.52"]));
            out.push_str(" ua/2.1 os/Linux#5.10.225-213.878.amzn2.x86_64 lang/java#17.0.12 md/OpenJDK_64-Bit_Server_VM#17.0.12+7-LTS md/vendor#Amazon.com_Inc. md/en_US m/D,N");
        }
        Tool::Node => {
            let version = pick(variant, 4, &["3.583.0", "3.687.0", "3.723.0"]);
            out.push_str("aws-sdk-js/");
            out.push_str(version);
            out.push_str(" ua/2.1 os/linux#5.10.227-239.884.amzn2.x86_64 lang/js md/nodejs#20.17.0 api/");
            out.push_str(api);
            out.push('#');
            out.push_str(version);
            if lambda {
                out.push_str(" exec-env/AWS_Lambda_nodejs20.x");
            }
        }
    }
}

fn tls(obj: &mut Obj<'_>, tls13: bool, host: &str) {
    let mut details = obj.obj("tlsDetails");
    details.str("tlsVersion", if tls13 { "TLSv1.3" } else { "TLSv1.2" });
    details.str("cipherSuite", if tls13 { "TLS_AES_128_GCM_SHA256" } else { "ECDHE-RSA-AES128-GCM-SHA256" });
    details.str("clientProvidedHostHeader", host);
    details.close();
}

/// A session token: long, opaque, base64.
fn push_token(out: &mut String, rng: &mut Rng) {
    out.push_str("IQoJb3JpZ2luX2Vj");
    let n = 340 + rng.index(120);
    rng.push_base64(out, n);
}

/// `{"credentials":{...},"assumedRoleUser":{...}` (left open for what follows).
fn assume_response<'o>(
    out: &'o mut String,
    key: &str,
    expires: i64,
    role_id: &str,
    sts_arn: &str,
    rng: &mut Rng,
) -> Obj<'o> {
    let mut obj = Obj::open(out);
    let mut credentials = obj.obj("credentials");
    credentials.str("accessKeyId", key);
    let mut token = String::new();
    push_token(&mut token, rng);
    credentials.str("sessionToken", &token);
    let mut date = String::new();
    push_java_date(&mut date, expires);
    credentials.str("expiration", &date);
    credentials.close();
    let mut user = obj.obj("assumedRoleUser");
    user.str("assumedRoleId", role_id);
    user.str("arn", sts_arn);
    user.close();
    obj
}

fn resources_of_role(account: &str, role_arn: &str, extra: Option<(&str, &str)>) -> String {
    let mut out = String::from("[");
    let mut obj = Obj::open(&mut out);
    obj.str("accountId", account);
    obj.str("type", "AWS::IAM::Role");
    obj.str("ARN", role_arn);
    obj.close();
    if let Some((rtype, arn)) = extra {
        out.push(',');
        let mut obj = Obj::open(&mut out);
        obj.str("accountId", account);
        obj.str("type", rtype);
        obj.str("ARN", arn);
        obj.close();
    }
    out.push(']');
    out
}

/// The parts of a call's records both copies share.
struct Parts {
    params: String,
    response: String,
    additional: Option<String>,
    resources: Option<String>,
    error: Option<(String, String)>,
    request_id: String,
}

fn parts(profile: &Profile<'_>, session: &Session, info: &CallInfo<'_>, item: Item, t: i64, rng: &mut Rng) -> Parts {
    let prep = &info.prep;
    let (denied, failed) = match item {
        Item::Call { denied, failed, .. } => (denied, failed),
        _ => (false, false),
    };
    let mut resources = match &prep.resources {
        Resources::None => None,
        Resources::Json(json) => Some(json.clone()),
        Resources::S3Object { .. } => None,
    };
    let mut assumed = None;
    let params = match &prep.params {
        Params::Json(json) => json.clone(),
        Params::S3Object { bucket, host, fixed, prefix } => {
            let key = match fixed {
                Some(key) => key.clone(),
                None => {
                    let mut key = prefix.clone();
                    match rng.index(4) {
                        0 => {
                            let date = iso(t);
                            key.push_str(&date[..10].replace('-', "/"));
                            key.push('/');
                            rng.push_hex(&mut key, 8);
                            key.push_str(".json.gz");
                        }
                        1 => key.push_str(&format!("part-{:05}.parquet", rng.below(2000))),
                        2 => {
                            rng.push_hex(&mut key, 12);
                            key.push_str(".csv");
                        }
                        _ => {
                            key.push_str("exports/");
                            rng.push_hex(&mut key, 8);
                            key.push_str(".zip");
                        }
                    }
                    key
                }
            };
            if let Resources::S3Object { bucket_entry } = &prep.resources {
                let mut list = String::from("[");
                let mut obj = Obj::open(&mut list);
                obj.str("type", "AWS::S3::Object");
                obj.str("ARN", &format!("arn:aws:s3:::{bucket}/{key}"));
                obj.close();
                list.push(',');
                list.push_str(bucket_entry);
                list.push(']');
                resources = Some(list);
            }
            let mut out = String::with_capacity(160);
            let mut obj = Obj::open(&mut out);
            obj.str("bucketName", bucket);
            obj.str("Host", host);
            obj.str("key", &key);
            obj.close();
            out
        }
        Params::AssumeRole { role_arn } => {
            let name = format!("botocore-session-{t}");
            let mut out = String::new();
            let mut obj = Obj::open(&mut out);
            obj.str("roleArn", role_arn);
            obj.str("roleSessionName", &name);
            obj.num("durationSeconds", 3600);
            obj.close();
            assumed = Some(name);
            out
        }
    };
    let mut request_id = String::with_capacity(36);
    if prep.s3 {
        rng.push_s3_request_id(&mut request_id);
    } else {
        rng.push_uuid(&mut request_id);
    }
    let error = if denied {
        let code = info.call.denied_code.clone();
        let message = if prep.denied_names_caller {
            let mut message = String::with_capacity(prep.denied_tail.len() + 120);
            if prep.denied_encoded {
                message.push_str("You are not authorized to perform this operation. ");
            }
            message.push_str("User: ");
            message.push_str(&session.arn);
            message.push_str(&prep.denied_tail);
            if prep.denied_encoded {
                message.push_str(". Encoded authorization failure message: ");
                let n = 280 + rng.index(200);
                rng.push_chars(&mut message, ALNUM, n);
            }
            message
        } else {
            prep.denied_tail.clone()
        };
        Some((code, message))
    } else if failed {
        prep.failures.get(rng.index(prep.failures.len())).cloned()
    } else {
        None
    };
    let response =
        if error.is_some() { "null".to_owned() } else { response(profile, &prep.response, assumed.as_deref(), t, rng) };
    let additional = match &prep.additional {
        Additional::None => None,
        Additional::LambdaInvoke(version) => Some(one("functionVersion", version)),
        Additional::S3 => {
            let mut out = String::with_capacity(200);
            let mut obj = Obj::open(&mut out);
            obj.str("SignatureVersion", "SigV4");
            obj.str(
                "CipherSuite",
                if session.tls13 { "TLS_AES_128_GCM_SHA256" } else { "ECDHE-RSA-AES128-GCM-SHA256" },
            );
            let name = info.call.event_name.as_str();
            let put = name.starts_with("Put") || name == "UploadPart";
            obj.num("bytesTransferredIn", if put && error.is_none() { 200 + rng.below(5_000_000) } else { 0 });
            obj.str("AuthenticationMethod", "AuthHeader");
            let mut id2 = String::with_capacity(76);
            rng.push_base64(&mut id2, 76);
            obj.str("x-amz-id-2", &id2);
            let out_bytes = if error.is_some() {
                243
            } else if name == "GetObject" {
                100 + rng.below(20_000_000)
            } else if info.call.read_only {
                300 + rng.below(30_000)
            } else {
                0
            };
            obj.num("bytesTransferredOut", out_bytes);
            obj.close();
            Some(out)
        }
    };
    Parts { params, response, additional, resources, error, request_id }
}

fn response(profile: &Profile<'_>, kind: &Response, assumed: Option<&str>, t: i64, rng: &mut Rng) -> String {
    let mut out = String::new();
    match kind {
        Response::Null => out.push_str("null"),
        Response::Ec2State { instance, start, terminate } => {
            let mut obj = Obj::open(&mut out);
            let mut id = String::new();
            rng.push_uuid(&mut id);
            obj.str("requestId", &id);
            let (now, before) = match (start, terminate) {
                (true, _) => ((0, "pending"), (80, "stopped")),
                (false, true) => ((32, "shutting-down"), (16, "running")),
                (false, false) => ((64, "stopping"), (16, "running")),
            };
            let mut item = String::new();
            let mut state = Obj::open(&mut item);
            state.str("instanceId", instance);
            let mut current = state.obj("currentState");
            current.num("code", now.0);
            current.str("name", now.1);
            current.close();
            let mut previous = state.obj("previousState");
            previous.num("code", before.0);
            previous.str("name", before.1);
            previous.close();
            state.close();
            let mut set = obj.obj("instancesSet");
            set.raw("items", &format!("[{item}]"));
            set.close();
            obj.close();
        }
        Response::Ec2Return => {
            let mut obj = Obj::open(&mut out);
            let mut id = String::new();
            rng.push_uuid(&mut id);
            obj.str("requestId", &id);
            obj.bool("_return", true);
            obj.close();
        }
        Response::SqsSend => {
            let mut obj = Obj::open(&mut out);
            obj.str("mD5OfMessageBody", &rng.hex(32));
            obj.str("messageId", &rng.uuid());
            obj.close();
        }
        Response::SnsPublish => out.push_str(&one("messageId", &rng.uuid())),
        Response::AccessKey { user } => {
            let mut obj = Obj::open(&mut out);
            let mut key = obj.obj("accessKey");
            key.str("accessKeyId", &rng.key_id("AKIA"));
            key.str("status", "Active");
            key.str("userName", user);
            let mut date = String::new();
            push_java_date(&mut date, t);
            key.str("createDate", &date);
            key.close();
            obj.close();
        }
        Response::LambdaWrite { name, arn } => {
            let mut obj = Obj::open(&mut out);
            obj.str("functionName", name);
            obj.str("functionArn", arn);
            let mut modified = iso(t);
            modified.pop();
            modified.push_str(".000+0000");
            obj.str("lastModified", &modified);
            obj.str("revisionId", &rng.uuid());
            obj.str("state", "Active");
            obj.close();
        }
        Response::SecretWrite { arn, name } => {
            let mut obj = Obj::open(&mut out);
            obj.str("arn", arn);
            obj.str("name", name);
            obj.str("versionId", &rng.uuid());
            obj.close();
        }
        Response::S3Put => out.push_str(&one("x-amz-server-side-encryption", "AES256")),
        Response::AssumeRole { role_arn } => {
            let name = assumed.unwrap_or("session");
            let role_id = format!("AROA{}:{name}", &rng.unique_id("")[..17]);
            let role_name = role_arn.rsplit('/').next().unwrap_or(role_arn);
            let account = role_arn.split(':').nth(4).unwrap_or(&profile.actor.account);
            let sts = format!("arn:{}:sts::{account}:assumed-role/{role_name}/{name}", profile.partition);
            let key = rng.key_id("ASIA");
            let obj = assume_response(&mut out, &key, t + 3600, &role_id, &sts, rng);
            obj.close();
        }
    }
    out
}

/// Writes one copy of a call's record.
#[expect(clippy::too_many_arguments, reason = "one record's many independent parts")]
fn call_record(
    plan: &Plan<'_>,
    profile: &Profile<'_>,
    session: &Session,
    info: &CallInfo<'_>,
    parts: &Parts,
    t: i64,
    owner_copy: bool,
    shared: Option<&str>,
    rng: &mut Rng,
) -> String {
    let prep = &info.prep;
    let call = info.call;
    let region = plan.regions.get(info.region as usize).map_or("us-east-1", String::as_str);
    let account = &profile.actor.account;
    let mut out = String::with_capacity(1400);
    let mut obj = Obj::open(&mut out);
    obj.str("eventVersion", prep.version);
    obj.raw("userIdentity", if owner_copy { &session.owner_identity } else { &session.identity });
    let time = obj.key("eventTime");
    time.push('"');
    push_iso(time, t);
    time.push('"');
    obj.str("eventSource", &call.event_source);
    obj.str("eventName", &call.event_name);
    obj.str("awsRegion", region);
    let vpce = profile.vpce && prep.vpce && session.service.is_none() && !session.console;
    let internal = session.console && rng.chance(0.3);
    match (&session.service, vpce, internal) {
        (Some(service), _, _) => obj.str("sourceIPAddress", service),
        (None, true, _) => obj.str("sourceIPAddress", &session.private_ip),
        (None, false, true) => obj.str("sourceIPAddress", "AWS Internal"),
        (None, false, false) => obj.str("sourceIPAddress", &session.ip),
    }
    match &session.service {
        Some(service) => obj.str("userAgent", service),
        None if internal => obj.str("userAgent", "AWS Internal"),
        None => {
            let agent = obj.key("userAgent");
            agent.push('"');
            let mut text = String::with_capacity(200);
            push_agent(&mut text, session.tool, profile.variant, Host::of(profile), &prep.prefix, &prep.command, rng);
            agent.push_str(&text);
            agent.push('"');
        }
    }
    if let Some((code, message)) = &parts.error {
        obj.str("errorCode", code);
        if !message.is_empty() {
            obj.str("errorMessage", message);
        }
    }
    obj.raw("requestParameters", &parts.params);
    obj.raw("responseElements", &parts.response);
    if let Some(additional) = &parts.additional {
        obj.raw("additionalEventData", additional);
    }
    obj.str("requestID", &parts.request_id);
    let mut id = String::with_capacity(36);
    rng.push_uuid(&mut id);
    obj.str("eventID", &id);
    obj.bool("readOnly", call.read_only);
    if let Some(resources) = &parts.resources {
        obj.raw("resources", resources);
    }
    obj.str("eventType", "AwsApiCall");
    if let Some(version) = prep.api_version {
        obj.str("apiVersion", version);
    }
    obj.bool("managementEvent", !call.data_event);
    let recipient = if owner_copy {
        plan.accounts.get(info.owner as usize).map_or(account.as_str(), String::as_str)
    } else {
        account
    };
    obj.str("recipientAccountId", recipient);
    if let Some(shared) = shared {
        obj.str("sharedEventID", shared);
    }
    if vpce {
        obj.str("vpcEndpointId", &vpce_id(account, region, &prep.prefix));
        obj.str("vpcEndpointAccountId", account);
    }
    obj.str("eventCategory", if call.data_event { "Data" } else { "Management" });
    if session.service.is_none() && !session.console {
        tls(&mut obj, session.tls13, &prep.host);
    }
    if session.console {
        obj.str("sessionCredentialFromConsole", "true");
    }
    obj.close();
    out
}

/// Writes (or counts) the records of a stream's current item.
pub(super) fn emit(plan: &Plan<'_>, stream: &mut ActorStream, sink: &mut Sink) -> io::Result<()> {
    let Some((t, item)) = stream.current else { return Ok(()) };
    let Some(profile) = plan.actors.get(stream.idx) else { return Ok(()) };
    let no_session = || io::Error::other("an actor's call came before its session");
    match item {
        Item::Call { denied, call, failed } => {
            let list = if denied { &profile.denied } else { &profile.calls };
            let Some(info) = list.get(call as usize) else { return Ok(()) };
            sink.truth.call(stream.idx, denied, call as usize, failed, t);
            if info.cross {
                sink.truth.counts.cross_account_copies += 1;
            }
            if !sink.writing {
                sink.records += 1 + u64::from(info.cross);
                return Ok(());
            }
            let session = stream.session.as_ref().ok_or_else(no_session)?;
            let rng = &mut stream.render;
            let parts = parts(profile, session, info, item, t, rng);
            let shared = info.cross.then(|| rng.uuid());
            let delayed = rng.chance(0.01);
            let record = call_record(plan, profile, session, info, &parts, t, false, shared.as_deref(), rng);
            sink.put(t, profile.account, info.region, delayed, record);
            if info.cross {
                let delayed = rng.chance(0.01);
                let record = call_record(plan, profile, session, info, &parts, t, true, shared.as_deref(), rng);
                sink.put(t, info.owner, info.region, delayed, record);
            }
        }
        Item::ConsoleLogin => {
            sink.truth.console_sign_in(stream.idx);
            if !sink.writing {
                sink.records += 1;
                return Ok(());
            }
            let session = stream.session.as_ref().ok_or_else(no_session)?;
            let record = console_login(profile, session, t, &mut stream.render);
            let delayed = stream.render.chance(0.01);
            sink.put(t, profile.account, plan.us_east_1, delayed, record);
        }
        Item::SignIn => {
            sink.truth.counts.service_events += 2;
            if !sink.writing {
                sink.records += 2;
                return Ok(());
            }
            let (Some(store), Some(session)) = (&plan.store, stream.session.as_ref()) else { return Ok(()) };
            let user = session.start.as_ref().and_then(|s| s.federated.clone()).unwrap_or_default();
            let rng = &mut stream.render;
            for (step, credential) in [("CredentialChallenge", "PASSWORD"), ("CredentialVerification", "WEBAUTHN")] {
                let record = sign_in(plan, store, session, &user, step, credential, t, rng);
                let delayed = rng.chance(0.01);
                sink.put(t, store.account, plan.us_east_1, delayed, record);
            }
        }
        Item::Start => {
            let session = stream.session.as_ref().ok_or_else(no_session)?;
            let Some(start) = &session.start else { return Ok(()) };
            starts(plan, profile, session, start, t, &mut stream.render, sink);
        }
        Item::Rotation(_) => {}
    }
    Ok(())
}

/// How the truth names who started a session: an actor's ARN, an AWS service, or
/// `external:<account>`.
fn caller_label(plan: &Plan<'_>, caller: &Caller) -> String {
    match caller {
        Caller::Actor(idx) => plan.actors.get(*idx).map_or_else(String::new, |a| a.actor.arn.clone()),
        Caller::Service(service) => (*service).to_owned(),
        Caller::External { account, .. } => format!("external:{account}"),
        Caller::Federated => "federated".to_owned(),
    }
}

/// Writes (or counts) the STS records that started a role's session, and counts them in the
/// truth: a session of the role, an `sts:AssumeRole` call of the caller when it is an actor.
fn starts(
    plan: &Plan<'_>,
    profile: &Profile<'_>,
    session: &Session,
    start: &Start,
    t: i64,
    rng: &mut Rng,
    sink: &mut Sink,
) {
    let region = start.region;
    sink.truth.counts.session_starts += 1;
    let federated = matches!(profile.who, Who::IdentityCenter { .. } | Who::WebIdentity { .. });
    if federated {
        sink.truth.session(profile.idx, None, start);
        if !sink.writing {
            sink.records += 1;
            return;
        }
        let record = if matches!(profile.who, Who::IdentityCenter { .. }) {
            saml_record(plan, profile, session, start, t, rng)
        } else {
            web_record(plan, profile, session, start, t, rng)
        };
        let delayed = rng.chance(0.01);
        sink.put(t, profile.account, region, delayed, record);
        return;
    }
    let caller = match &start.caller {
        Caller::Actor(idx) => plan.actors.get(*idx),
        _ => None,
    };
    sink.truth.session(profile.idx, Some(caller_label(plan, &start.caller)), start);
    // A chain: the calling role's own session starts first, at the same moment.
    if let (Some(chain), Some(link)) = (&start.chain, caller)
        && let Some(link_start) = &chain.start
    {
        sink.truth.counts.session_starts += 1;
        sink.truth.session(link.idx, Some(caller_label(plan, &link_start.caller)), link_start);
        if let Caller::Actor(user) = &link_start.caller {
            sink.truth.assume(*user, &link.actor.arn, t);
        }
        if sink.writing {
            let record = assume_record(plan, link, chain, link_start, t, false, None, rng);
            let delayed = rng.chance(0.01);
            sink.put(t, link.account, link_start.region, delayed, record);
        } else {
            sink.records += 1;
        }
    }
    if let Some(caller) = caller {
        sink.truth.assume(caller.idx, &profile.actor.arn, t);
    }
    // A user of another account: the call is written in both accounts.
    let cross = caller.is_some_and(|c| c.account != profile.account && matches!(c.who, Who::User));
    if cross {
        sink.truth.counts.cross_account_copies += 1;
    }
    if !sink.writing {
        sink.records += 1 + u64::from(cross);
        return;
    }
    match caller.filter(|_| cross) {
        Some(caller) => {
            let shared = rng.uuid();
            let record = assume_record(plan, profile, session, start, t, false, Some(&shared), rng);
            let delayed = rng.chance(0.01);
            sink.put(t, caller.account, region, delayed, record);
            let record = assume_record(plan, profile, session, start, t, true, Some(&shared), rng);
            let delayed = rng.chance(0.01);
            sink.put(t, profile.account, region, delayed, record);
        }
        None => {
            let record = assume_record(plan, profile, session, start, t, false, None, rng);
            let delayed = rng.chance(0.01);
            sink.put(t, profile.account, region, delayed, record);
        }
    }
}

/// The `sts:AssumeRole` call that started `session` of role `profile`. `owner_copy`: the role
/// owner's copy of a call from another account (the caller named as `AWSAccount`).
#[expect(clippy::too_many_arguments, reason = "one record's many independent parts")]
fn assume_record(
    plan: &Plan<'_>,
    profile: &Profile<'_>,
    session: &Session,
    start: &Start,
    t: i64,
    owner_copy: bool,
    shared: Option<&str>,
    rng: &mut Rng,
) -> String {
    let region = plan.regions.get(start.region as usize).map_or("us-east-1", String::as_str);
    let role_account = &profile.actor.account;
    // The caller: its identity, address, client and account.
    let mut service = None;
    let (identity, ip, recipient, tool, tls13, variant, host) = match &start.caller {
        Caller::Service(host) => {
            service = Some(*host);
            let mut identity = String::new();
            let mut obj = Obj::open(&mut identity);
            obj.str("type", "AWSService");
            obj.str("invokedBy", host);
            obj.close();
            (identity, (*host).to_owned(), role_account.clone(), Tool::Cli, true, 0, Host::Server)
        }
        Caller::External { account, principal, .. } => {
            let ip = format!("198.51.100.{}", 1 + rng.below(254));
            (account_identity(principal, account), ip, role_account.clone(), Tool::Cli, true, 0, Host::Person)
        }
        Caller::Federated => {
            (String::new(), session.ip.clone(), role_account.clone(), Tool::Cli, true, 0, Host::Server)
        }
        Caller::Actor(idx) => match plan.actors.get(*idx) {
            Some(caller) if matches!(caller.who, Who::Role { .. }) => match &start.chain {
                Some(chain) => (
                    chain.identity.clone(),
                    chain.ip.clone(),
                    role_account.clone(),
                    chain.tool,
                    chain.tls13,
                    caller.variant,
                    Host::of(caller),
                ),
                None => (String::new(), session.ip.clone(), role_account.clone(), Tool::Cli, true, 0, Host::Server),
            },
            Some(caller) => {
                let key = caller.keys.first().cloned().unwrap_or_default();
                let identity = if owner_copy {
                    account_identity(&caller.unique_id, &caller.actor.account)
                } else {
                    principal_identity(caller, &key, None)
                };
                let recipient = if owner_copy { role_account.clone() } else { caller.actor.account.clone() };
                let tool = if session.tool == Tool::Console { Tool::Cli } else { session.tool };
                (identity, session.ip.clone(), recipient, tool, session.tls13, caller.variant, Host::of(caller))
            }
            None => (String::new(), session.ip.clone(), role_account.clone(), Tool::Cli, true, 0, Host::Server),
        },
    };
    let mut out = String::with_capacity(1800);
    let mut obj = Obj::open(&mut out);
    obj.str("eventVersion", "1.08");
    obj.raw("userIdentity", &identity);
    obj.str("eventTime", &iso(t));
    obj.str("eventSource", "sts.amazonaws.com");
    obj.str("eventName", "AssumeRole");
    obj.str("awsRegion", region);
    obj.str("sourceIPAddress", &ip);
    match service {
        Some(host) => obj.str("userAgent", host),
        None => {
            let mut agent = String::new();
            push_agent(&mut agent, tool, variant, host, "sts", "sts.assume-role", rng);
            obj.str("userAgent", &agent);
        }
    }
    let mut params = obj.obj("requestParameters");
    params.str("roleArn", &profile.actor.arn);
    params.str("roleSessionName", &session.name);
    if service.is_none() {
        params.num("durationSeconds", start.duration as u64);
    }
    if let Some(source) = &start.source_identity {
        params.str("sourceIdentity", source);
    }
    params.close();
    let role_id = format!("{}:{}", profile.unique_id, session.name);
    let response = obj.key("responseElements");
    let mut inner = assume_response(
        response,
        &session.key,
        session.created + start.duration,
        &role_id,
        &session_arn(profile, &session.name),
        rng,
    );
    if let Some(source) = &start.source_identity {
        inner.str("sourceIdentity", source);
    }
    inner.close();
    obj.str("requestID", &rng.uuid());
    obj.str("eventID", &rng.uuid());
    obj.bool("readOnly", true);
    obj.raw("resources", &resources_of_role(role_account, &profile.actor.arn, None));
    obj.str("eventType", "AwsApiCall");
    obj.bool("managementEvent", true);
    obj.str("recipientAccountId", &recipient);
    match (shared, service) {
        (Some(shared), _) => obj.str("sharedEventID", shared),
        (None, Some(_)) => obj.str("sharedEventID", &rng.uuid()),
        _ => {}
    }
    obj.str("eventCategory", "Management");
    if service.is_none() {
        let host =
            if region == "us-east-1" { "sts.amazonaws.com".to_owned() } else { format!("sts.{region}.amazonaws.com") };
        tls(&mut obj, tls13, &host);
    }
    obj.close();
    out
}

/// The opening of an `AssumeRoleWithSAML` / `AssumeRoleWithWebIdentity` record: the federated
/// caller (`type`, `principalId`, `userName`, `identityProvider`), when and where.
fn federated_head(
    obj: &mut Obj<'_>,
    (kind, principal_id, user, provider): (&str, &str, &str, &str),
    event: &str,
    t: i64,
    region: &str,
    ip: &str,
) {
    obj.str("eventVersion", "1.08");
    let mut identity = obj.obj("userIdentity");
    identity.str("type", kind);
    identity.str("principalId", principal_id);
    identity.str("userName", user);
    identity.str("identityProvider", provider);
    identity.close();
    obj.str("eventTime", &iso(t));
    obj.str("eventSource", "sts.amazonaws.com");
    obj.str("eventName", event);
    obj.str("awsRegion", region);
    obj.str("sourceIPAddress", ip);
}

/// The fields after the response of a federated assumption's record.
fn federated_tail(obj: &mut Obj<'_>, rng: &mut Rng, resources: &str, account: &str, tls13: bool, region: &str) {
    obj.str("requestID", &rng.uuid());
    obj.str("eventID", &rng.uuid());
    obj.bool("readOnly", true);
    obj.raw("resources", resources);
    obj.str("eventType", "AwsApiCall");
    obj.bool("managementEvent", true);
    obj.str("recipientAccountId", account);
    obj.str("eventCategory", "Management");
    tls(obj, tls13, &format!("sts.{region}.amazonaws.com"));
}

fn saml_record(
    plan: &Plan<'_>,
    profile: &Profile<'_>,
    session: &Session,
    start: &Start,
    t: i64,
    rng: &mut Rng,
) -> String {
    let Who::IdentityCenter { provider, name_qualifier, .. } = &profile.who else { return String::new() };
    let region = plan.regions.get(start.region as usize).map_or("us-east-1", String::as_str);
    let user = start.federated.as_deref().unwrap_or("");
    let account = &profile.actor.account;
    let mut out = String::with_capacity(2000);
    let mut obj = Obj::open(&mut out);
    let principal_id = format!("{name_qualifier}:{user}");
    federated_head(
        &mut obj,
        ("SAMLUser", &principal_id, user, name_qualifier),
        "AssumeRoleWithSAML",
        t,
        region,
        &session.ip,
    );
    let mut agent = String::new();
    let tool = if session.console { Tool::Console } else { Tool::Cli };
    push_agent(&mut agent, tool, profile.variant, Host::Person, "sts", "sso.login", rng);
    obj.str("userAgent", if agent == "AWS Internal" { pick(profile.variant, 0, &BROWSERS) } else { &agent });
    let mut params = obj.obj("requestParameters");
    let mut assertion = String::from("_");
    rng.push_uuid(&mut assertion);
    params.str("sAMLAssertionID", &assertion);
    params.str("roleSessionName", user);
    params.num("durationSeconds", start.duration as u64);
    params.str("roleArn", &profile.actor.arn);
    params.str("principalArn", provider);
    params.close();
    let role_id = format!("{}:{user}", profile.unique_id);
    let response = obj.key("responseElements");
    let mut inner = assume_response(
        response,
        &session.key,
        session.created + start.duration,
        &role_id,
        &session_arn(profile, user),
        rng,
    );
    inner.str("subject", user);
    inner.str("subjectType", "persistent");
    let mut issuer = format!("https://portal.sso.{region}.amazonaws.com/saml/assertion/");
    rng.push_base64(&mut issuer, 40);
    inner.str("issuer", &issuer);
    inner.str("audience", "https://signin.aws.amazon.com/saml");
    inner.str("nameQualifier", name_qualifier);
    inner.close();
    let resources = resources_of_role(account, &profile.actor.arn, Some(("AWS::IAM::SAMLProvider", provider)));
    federated_tail(&mut obj, rng, &resources, account, session.tls13, region);
    obj.close();
    out
}

fn web_record(
    plan: &Plan<'_>,
    profile: &Profile<'_>,
    session: &Session,
    start: &Start,
    t: i64,
    rng: &mut Rng,
) -> String {
    let Who::WebIdentity { provider_arn, github, .. } = &profile.who else { return String::new() };
    let region = plan.regions.get(start.region as usize).map_or("us-east-1", String::as_str);
    let subject = start.federated.as_deref().unwrap_or("");
    let account = &profile.actor.account;
    let mut out = String::with_capacity(1800);
    let mut obj = Obj::open(&mut out);
    let principal_id = format!("{provider_arn}:sts.amazonaws.com:{subject}");
    federated_head(
        &mut obj,
        ("WebIdentityUser", &principal_id, subject, provider_arn),
        "AssumeRoleWithWebIdentity",
        t,
        region,
        &session.ip,
    );
    if *github {
        obj.str("userAgent", "configure-aws-credentials-for-github-actions");
    } else {
        let mut agent = String::new();
        push_agent(
            &mut agent,
            session.tool,
            profile.variant,
            Host::of(profile),
            "sts",
            "sts.assume-role-with-web-identity",
            rng,
        );
        obj.str("userAgent", &agent);
    }
    let mut params = obj.obj("requestParameters");
    params.str("roleArn", &profile.actor.arn);
    params.str("roleSessionName", &session.name);
    params.num("durationSeconds", start.duration as u64);
    params.close();
    let role_id = format!("{}:{}", profile.unique_id, session.name);
    let response = obj.key("responseElements");
    let mut inner = assume_response(
        response,
        &session.key,
        session.created + start.duration,
        &role_id,
        &session_arn(profile, &session.name),
        rng,
    );
    inner.str("subjectFromWebIdentityToken", subject);
    inner.str("provider", provider_arn);
    inner.str("audience", "sts.amazonaws.com");
    inner.close();
    obj.raw("additionalEventData", "{\"identityProviderConnectionVerificationMethod\":\"IAMTrustStore\"}");
    federated_tail(
        &mut obj,
        rng,
        &resources_of_role(account, &profile.actor.arn, None),
        account,
        session.tls13,
        region,
    );
    obj.close();
    out
}

fn console_login(profile: &Profile<'_>, session: &Session, t: i64, rng: &mut Rng) -> String {
    let account = &profile.actor.account;
    let root = matches!(profile.who, Who::Root);
    let mut out = String::with_capacity(1000);
    let mut obj = Obj::open(&mut out);
    obj.str("eventVersion", "1.08");
    let mut identity = obj.obj("userIdentity");
    identity.str("type", if root { "Root" } else { "IAMUser" });
    identity.str("principalId", if root { account } else { &profile.unique_id });
    identity.str("arn", &profile.actor.arn);
    identity.str("accountId", account);
    if root {
        identity.str("accessKeyId", "");
    } else {
        identity.str("userName", &profile.name);
    }
    identity.close();
    obj.str("eventTime", &iso(t));
    obj.str("eventSource", "signin.amazonaws.com");
    obj.str("eventName", "ConsoleLogin");
    obj.str("awsRegion", "us-east-1");
    obj.str("sourceIPAddress", &session.ip);
    obj.str("userAgent", pick(profile.variant, 0, &BROWSERS));
    obj.null("requestParameters");
    obj.raw("responseElements", "{\"ConsoleLogin\":\"Success\"}");
    let mut data = obj.obj("additionalEventData");
    let mut login = String::from(
        "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_",
    );
    rng.push_hex(&mut login, 16);
    data.str("LoginTo", &login);
    data.str("MobileVersion", "No");
    if profile.mfa {
        let device = if root { "root-account-mfa-device".to_owned() } else { profile.name.clone() };
        data.str("MFAIdentifier", &format!("arn:{}:iam::{account}:mfa/{device}", profile.partition));
    }
    data.str("MFAUsed", if profile.mfa { "Yes" } else { "No" });
    data.close();
    obj.str("eventID", &rng.uuid());
    obj.bool("readOnly", false);
    obj.str("eventType", "AwsConsoleSignIn");
    obj.bool("managementEvent", true);
    obj.str("recipientAccountId", account);
    obj.str("eventCategory", "Management");
    tls(&mut obj, true, "signin.aws.amazon.com");
    obj.close();
    out
}

#[expect(clippy::too_many_arguments, reason = "one record's many independent parts")]
fn sign_in(
    plan: &Plan<'_>,
    store: &super::plan::Store,
    session: &Session,
    user: &str,
    step: &str,
    credential: &str,
    t: i64,
    rng: &mut Rng,
) -> String {
    let account = plan.accounts.get(store.account as usize).map_or("", String::as_str);
    let mut out = String::with_capacity(900);
    let mut obj = Obj::open(&mut out);
    obj.str("eventVersion", "1.08");
    let mut identity = obj.obj("userIdentity");
    identity.str("type", "IdentityCenterUser");
    identity.str("accountId", account);
    let mut on_behalf = identity.obj("onBehalfOf");
    on_behalf.str("userId", &identity_store_user_id(plan.seed, user));
    on_behalf.str("identityStoreArn", &store.arn);
    on_behalf.close();
    identity.str("credentialId", &rng.uuid());
    identity.close();
    obj.str("eventTime", &iso(t));
    obj.str("eventSource", "signin.amazonaws.com");
    obj.str("eventName", step);
    obj.str("awsRegion", "us-east-1");
    obj.str("sourceIPAddress", &session.ip);
    obj.str("userAgent", pick(fnv(user), 0, &BROWSERS));
    obj.null("requestParameters");
    obj.null("responseElements");
    let mut data = obj.obj("additionalEventData");
    data.str("AuthWorkflowID", &rng.uuid());
    data.str("CredentialType", credential);
    data.close();
    obj.str("requestID", &rng.uuid());
    obj.str("eventID", &rng.uuid());
    obj.bool("readOnly", false);
    obj.str("eventType", "AwsServiceEvent");
    obj.bool("managementEvent", true);
    obj.str("recipientAccountId", account);
    let details = obj.key("serviceEventDetails");
    details.push_str(&one(step, "Success"));
    obj.str("eventCategory", "Management");
    obj.close();
    out
}

/// Writes (or counts) a KMS key's automatic rotation.
pub(super) fn emit_service(plan: &Plan<'_>, stream: &mut ServiceStream, sink: &mut Sink) {
    let Some((t, Item::Rotation(key))) = stream.current else { return };
    let Some(key) = plan.keys.get(key) else { return };
    sink.truth.counts.service_events += 1;
    if !sink.writing {
        sink.records += 1;
        return;
    }
    let account = plan.accounts.get(key.account as usize).map_or("", String::as_str);
    let region = plan.regions.get(key.region as usize).map_or("us-east-1", String::as_str);
    let rng = &mut stream.render;
    let mut out = String::with_capacity(700);
    let mut obj = Obj::open(&mut out);
    obj.str("eventVersion", "1.08");
    let mut identity = obj.obj("userIdentity");
    identity.str("accountId", account);
    identity.str("invokedBy", "kms.amazonaws.com");
    identity.close();
    obj.str("eventTime", &iso(t));
    obj.str("eventSource", "kms.amazonaws.com");
    obj.str("eventName", "RotateKey");
    obj.str("awsRegion", region);
    obj.str("sourceIPAddress", "kms.amazonaws.com");
    obj.str("userAgent", "kms.amazonaws.com");
    obj.null("requestParameters");
    obj.null("responseElements");
    obj.raw("additionalEventData", &one("keyId", &key.arn));
    obj.str("eventID", &rng.uuid());
    obj.bool("readOnly", false);
    let mut resources = String::from("[");
    let mut entry = Obj::open(&mut resources);
    entry.str("accountId", account);
    entry.str("type", "AWS::KMS::Key");
    entry.str("ARN", &key.arn);
    entry.close();
    resources.push(']');
    obj.raw("resources", &resources);
    obj.str("eventType", "AwsServiceEvent");
    obj.bool("managementEvent", true);
    obj.str("recipientAccountId", account);
    obj.raw("serviceEventDetails", "{\"keyOrigin\":\"AWS_KMS\"}");
    obj.str("eventCategory", "Management");
    obj.close();
    let delayed = rng.chance(0.01);
    sink.put(t, key.account, key.region, delayed, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_are_plausible() {
        let mut rng = Rng::new(1, "t", 0);
        let mut out = String::new();
        push_agent(&mut out, Tool::Cli, 0, Host::Person, "s3", "s3api.get-object", &mut rng);
        assert!(out.starts_with("aws-cli/2.") && out.ends_with("md/command#s3api.get-object"), "{out}");
        out.clear();
        push_agent(&mut out, Tool::Boto3, 0, Host::Lambda, "s3", "", &mut rng);
        assert!(out.contains("exec-env/AWS_Lambda_python3.12"), "{out}");
        assert_eq!(vpce_id("1", "2", "3").len(), 22);
    }
}
