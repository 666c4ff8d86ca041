//! Resource-based policies and the settings beside them, one account at a time: S3 buckets and
//! access points, KMS keys, SQS queues, SNS topics, Lambda functions, Secrets Manager secrets,
//! ECR repositories, Glacier vaults, OpenSearch domains, API Gateway REST APIs.
//!
//! Each resource's ARN is rebuilt from its place in the bundle and checked against the ARN the
//! output carries, where it carries one. Every policy arrives as a JSON string inside the
//! output (API Gateway's escaped once more) and is parsed as a resource-based policy.

use std::path::{Path, PathBuf};

use remit_aws_policy::{Policy, PolicyKind};
use serde_json::Value;

use rayon::prelude::*;

use crate::{
    dir::{self, decode_name},
    env::{AclGrant, ImportIssue, KmsGrant, PublicAccessBlock, Resource},
    json::{self, FileRead, Obj, Sink},
    workloads,
};

/// The regional services read, by directory name.
const REGIONAL: [&str; 9] =
    ["kms", "sqs", "sns", "lambda", "secretsmanager", "ecr", "glacier", "opensearch", "apigateway"];

/// Reads the resources of one account.
pub(crate) struct Reader<'a> {
    /// The bundle's directory.
    pub(crate) bundle: &'a Path,
    /// `accounts/<account-id>`, relative to the bundle.
    pub(crate) account_dir: PathBuf,
    /// The account id.
    pub(crate) account_id: &'a str,
    /// The account's partition.
    pub(crate) partition: &'a str,
    /// Where issues go.
    pub(crate) issues: &'a mut Vec<ImportIssue>,
    /// The resources read.
    pub(crate) resources: Vec<Resource>,
    /// The account-level S3 Block Public Access settings.
    pub(crate) account_public_access_block: Option<PublicAccessBlock>,
}

impl Reader<'_> {
    fn sink(&mut self, rel: PathBuf) -> Sink<'_> {
        Sink::new(rel, self.issues)
    }

    /// Reads everything under the account's directory but its IAM files.
    pub(crate) fn read_all(&mut self) {
        let account_abs = self.bundle.join(&self.account_dir);
        let entries =
            dir::list(&account_abs, &mut Sink::new(self.account_dir.clone(), self.issues)).unwrap_or_default();
        for entry in entries.iter().filter(|entry| entry.is_dir) {
            if entry.name == "s3" {
                self.read_s3();
            } else {
                self.read_region(&entry.name);
            }
        }
        self.resources.sort_by(|a, b| a.arn.cmp(&b.arn));
    }

    fn read_s3(&mut self) {
        let s3_rel = self.account_dir.join("s3");
        let s3_abs = self.bundle.join(&s3_rel);
        let entries = dir::list(&s3_abs, &mut self.sink(s3_rel.clone())).unwrap_or_default();
        self.each_in_parallel(&entries, |reader, entry| {
            if entry.is_dir {
                reader.read_bucket(&s3_rel.join(&entry.name), &decode_name(&entry.name));
            } else if entry.name == "account-public-access-block.json" {
                let rel = s3_rel.join(&entry.name);
                let abs = reader.bundle.join(&rel);
                let mut sink = Sink::new(rel, reader.issues);
                if let FileRead::Json(value) = json::read_json(&abs, &mut sink) {
                    reader.account_public_access_block = public_access_block(&value, &mut sink);
                }
            }
        });
    }

    /// Runs `read` for each of `items` on every core, each with a reader of its own, and takes
    /// what they read, and their issues, in the order of `items` (an account's resources are
    /// thousands of small files).
    fn each_in_parallel<T: Sync>(&mut self, items: &[T], read: impl Fn(&mut Reader<'_>, &T) + Sync) {
        let (bundle, account_dir, account_id, partition) =
            (self.bundle, &self.account_dir, self.account_id, self.partition);
        let parts: Vec<(Vec<Resource>, Option<PublicAccessBlock>, Vec<ImportIssue>)> = items
            .par_iter()
            .map(|item| {
                let mut issues = Vec::new();
                let mut reader = Reader {
                    bundle,
                    account_dir: account_dir.clone(),
                    account_id,
                    partition,
                    issues: &mut issues,
                    resources: Vec::new(),
                    account_public_access_block: None,
                };
                read(&mut reader, item);
                let (resources, block) = (reader.resources, reader.account_public_access_block);
                (resources, block, issues)
            })
            .collect();
        for (resources, block, issues) in parts {
            self.resources.extend(resources);
            if block.is_some() {
                self.account_public_access_block = block;
            }
            self.issues.extend(issues);
        }
    }

    fn read_bucket(&mut self, rel: &Path, name: &str) {
        let arn = format!("arn:{}:s3:::{name}", self.partition);
        let mut resource = new_resource(&arn, "s3", None, "bucket", rel.to_path_buf());
        let mut incomplete = false;
        let bundle = self.bundle;

        // get-bucket-policy: {"Policy": "<json>"}
        let mut sink = Sink::new(rel.join("policy.json"), self.issues);
        sink.subject = Some(arn.clone());
        let mark = sink.mark();
        read_policy_answer(&bundle.join(rel).join("policy.json"), &mut resource, &mut sink);
        incomplete |= sink.since(mark);

        // get-public-access-block: {"PublicAccessBlockConfiguration": {...}}
        let mut sink = Sink::new(rel.join("public-access-block.json"), self.issues);
        sink.subject = Some(arn.clone());
        let mark = sink.mark();
        if let FileRead::Json(value) = json::read_json(&bundle.join(rel).join("public-access-block.json"), &mut sink) {
            resource.public_access_block = public_access_block(&value, &mut sink);
        }
        incomplete |= sink.since(mark);

        // get-bucket-acl: {"Owner": {...}, "Grants": [{"Grantee": {...}, "Permission"}]}
        let mut sink = Sink::new(rel.join("acl.json"), self.issues);
        sink.subject = Some(arn.clone());
        let mark = sink.mark();
        if let FileRead::Json(value) = json::read_json(&bundle.join(rel).join("acl.json"), &mut sink)
            && let Some(root) = Obj::new(&value, "", &mut sink)
        {
            let mut owner_path = String::new();
            if let Some(owner) = root.obj("Owner", &mut owner_path, &mut sink)
                && let Some(id) = owner.str("ID", &mut sink)
            {
                resource.attributes.push(("AclOwner".into(), id.to_owned()));
            }
            resource.acl_grants = acl_grants(&root, &mut sink);
        }
        incomplete |= sink.since(mark);
        resource.incomplete = incomplete;
        self.resources.push(resource);

        self.read_access_points(rel, name);
    }

    /// `access-points.json` (list-access-points) and `access-points/<name>.policy.json`
    /// (get-access-point-policy).
    fn read_access_points(&mut self, bucket_rel: &Path, bucket: &str) {
        let bundle = self.bundle;
        let list_rel = bucket_rel.join("access-points.json");
        let mut points: Vec<Resource> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let mut sink = Sink::new(list_rel.clone(), self.issues);
        let listed = match json::read_json(&bundle.join(&list_rel), &mut sink) {
            FileRead::Json(value) => {
                if let Some(root) = Obj::new(&value, "", &mut sink) {
                    root.check_not_truncated(&mut sink);
                    for (path, map) in root.objects("AccessPointList", &mut sink) {
                        let item = Obj { map, path: &path };
                        let mark = sink.mark();
                        let Some(name) = item.required_str("Name", &mut sink) else { continue };
                        let Some(arn) = item.required_str("AccessPointArn", &mut sink) else { continue };
                        sink.subject = Some(arn.to_owned());
                        let region = json::arn_region(arn).filter(|region| !region.is_empty());
                        let expected_tail = format!(":{}:accesspoint/{name}", self.account_id);
                        if !arn.starts_with("arn:") || !arn.ends_with(&expected_tail) || region.is_none() {
                            sink.push(
                                item.at("AccessPointArn"),
                                format!(
                                    "`{arn}` is not the ARN of access point `{name}` in account `{}`",
                                    self.account_id
                                ),
                            );
                        }
                        let mut point =
                            new_resource(arn, "s3", region.map(str::to_owned), "accesspoint", list_rel.clone());
                        point.attributes.push(("Bucket".into(), bucket.to_owned()));
                        if let Some(listed_bucket) = item.str("Bucket", &mut sink)
                            && listed_bucket != bucket
                        {
                            sink.push(
                                item.at("Bucket"),
                                format!("access point of bucket `{listed_bucket}`, listed under bucket `{bucket}`"),
                            );
                        }
                        if let Some(origin) = item.str("NetworkOrigin", &mut sink) {
                            point.attributes.push(("NetworkOrigin".into(), origin.to_owned()));
                        }
                        let mut vpc_path = String::new();
                        if let Some(vpc) = item.obj("VpcConfiguration", &mut vpc_path, &mut sink)
                            && let Some(vpc_id) = vpc.str("VpcId", &mut sink)
                        {
                            point.attributes.push(("VpcId".into(), vpc_id.to_owned()));
                        }
                        point.incomplete = sink.since(mark);
                        sink.subject = None;
                        names.push(name.to_owned());
                        points.push(point);
                    }
                }
                true
            }
            FileRead::Bad => true,
            FileRead::Absent => false,
        };

        let policies_rel = bucket_rel.join("access-points");
        let entries = dir::list(&bundle.join(&policies_rel), &mut Sink::new(policies_rel.clone(), self.issues))
            .unwrap_or_default();
        for entry in entries.iter().filter(|entry| !entry.is_dir) {
            let Some(stem) = entry.name.strip_suffix(".policy.json") else { continue };
            let name = decode_name(stem);
            let rel = policies_rel.join(&entry.name);
            let mut sink = Sink::new(rel.clone(), self.issues);
            let Some(idx) = names.iter().position(|listed| *listed == name) else {
                let why =
                    if listed { "is not in `access-points.json`" } else { "has no `access-points.json` beside it" };
                sink.push("", format!("access point `{name}` {why}: its ARN is unknown (ignored)"));
                continue;
            };
            let point = &mut points[idx];
            sink.subject = Some(point.arn.clone());
            let mark = sink.mark();
            read_policy_answer(&bundle.join(&rel), point, &mut sink);
            point.incomplete |= sink.since(mark);
        }
        self.resources.extend(points);
    }

    fn read_region(&mut self, region: &str) {
        let region_rel = self.account_dir.join(region);
        let entries = dir::list(&self.bundle.join(&region_rel), &mut self.sink(region_rel.clone())).unwrap_or_default();
        for service in entries.iter().filter(|entry| entry.is_dir && REGIONAL.contains(&entry.name.as_str())) {
            let service_rel = region_rel.join(&service.name);
            let items =
                dir::list(&self.bundle.join(&service_rel), &mut self.sink(service_rel.clone())).unwrap_or_default();
            self.each_in_parallel(&items, |reader, item| {
                if service.name == "kms" {
                    if item.is_dir {
                        reader.read_key(region, &service_rel.join(&item.name), &decode_name(&item.name));
                    }
                } else if !item.is_dir
                    && !is_workload_list(&service.name, &item.name)
                    && let Some(stem) = item.name.strip_suffix(".json")
                {
                    reader.read_regional_file(region, &service.name, &service_rel.join(&item.name), &decode_name(stem));
                }
            });
        }
    }

    fn read_key(&mut self, region: &str, rel: &Path, key_id: &str) {
        let partition = json::region_partition(region);
        let arn = format!("arn:{partition}:kms:{region}:{}:key/{key_id}", self.account_id);
        let mut resource = new_resource(&arn, "kms", Some(region.to_owned()), "key", rel.to_path_buf());
        let bundle = self.bundle;
        let mut incomplete = false;

        // describe-key: {"KeyMetadata": {"Arn", "KeyManager", ...}}
        let mut sink = Sink::new(rel.join("describe.json"), self.issues);
        sink.subject = Some(arn.clone());
        let mark = sink.mark();
        if let FileRead::Json(value) = json::read_json(&bundle.join(rel).join("describe.json"), &mut sink)
            && let Some(root) = Obj::new(&value, "", &mut sink)
        {
            let mut meta_path = String::new();
            match root.obj("KeyMetadata", &mut meta_path, &mut sink) {
                Some(meta) => {
                    check_arn(&meta, "Arn", &arn, &mut sink);
                    if let Some(manager) = meta.str("KeyManager", &mut sink) {
                        resource.aws_managed_key = manager == "AWS";
                    }
                    for key in ["KeyManager", "KeyState", "KeyUsage", "KeySpec"] {
                        if let Some(text) = meta.str(key, &mut sink) {
                            resource.attributes.push((key.to_owned(), text.to_owned()));
                        }
                    }
                }
                None if !root.has("KeyMetadata") => sink.push("KeyMetadata", "missing"),
                None => {}
            }
        }
        incomplete |= sink.since(mark);

        // get-key-policy: {"Policy": "<json>", "PolicyName": "default"}
        let mut sink = Sink::new(rel.join("policy.json"), self.issues);
        sink.subject = Some(arn.clone());
        let mark = sink.mark();
        read_policy_answer(&bundle.join(rel).join("policy.json"), &mut resource, &mut sink);
        incomplete |= sink.since(mark);

        // list-grants: {"Grants": [...], "Truncated": false}
        let mut sink = Sink::new(rel.join("grants.json"), self.issues);
        sink.subject = Some(arn.clone());
        let mark = sink.mark();
        if let FileRead::Json(value) = json::read_json(&bundle.join(rel).join("grants.json"), &mut sink)
            && let Some(root) = Obj::new(&value, "", &mut sink)
        {
            root.check_not_truncated(&mut sink);
            resource.kms_grants = kms_grants(&root, &mut sink);
        }
        incomplete |= sink.since(mark);
        resource.incomplete = incomplete;
        self.resources.push(resource);
    }

    fn read_regional_file(&mut self, region: &str, service_dir: &str, rel: &Path, name: &str) {
        let partition = json::region_partition(region);
        let account = self.account_id;
        let (service, resource_type, arn) = match service_dir {
            "sqs" => ("sqs", "queue", format!("arn:{partition}:sqs:{region}:{account}:{name}")),
            "sns" => ("sns", "topic", format!("arn:{partition}:sns:{region}:{account}:{name}")),
            "lambda" => ("lambda", "function", format!("arn:{partition}:lambda:{region}:{account}:function:{name}")),
            "secretsmanager" => {
                ("secretsmanager", "secret", format!("arn:{partition}:secretsmanager:{region}:{account}:secret:{name}"))
            }
            "ecr" => ("ecr", "repository", format!("arn:{partition}:ecr:{region}:{account}:repository/{name}")),
            "glacier" => ("glacier", "vault", format!("arn:{partition}:glacier:{region}:{account}:vaults/{name}")),
            "opensearch" => ("es", "domain", format!("arn:{partition}:es:{region}:{account}:domain/{name}")),
            "apigateway" => {
                ("execute-api", "restapi", format!("arn:{partition}:execute-api:{region}:{account}:{name}"))
            }
            _ => return,
        };
        let mut resource = new_resource(&arn, service, Some(region.to_owned()), resource_type, rel.to_path_buf());
        let mut sink = Sink::new(rel.to_path_buf(), self.issues);
        sink.subject = Some(arn.clone());
        let mark = sink.mark();
        match json::read_json(&self.bundle.join(rel), &mut sink) {
            FileRead::Absent => {}
            FileRead::Bad => resource.policy_collected = true,
            FileRead::Json(value) => {
                resource.policy_collected = true;
                if let Some(root) = Obj::new(&value, "", &mut sink) {
                    read_output(service_dir, &root, name, &mut resource, &mut sink);
                }
            }
        }
        resource.incomplete = sink.since(mark);
        self.resources.push(resource);
    }
}

/// Whether a file of a service's directory is the region's workload inventory rather than a
/// resource's policy.
fn is_workload_list(service_dir: &str, file: &str) -> bool {
    service_dir == "lambda" && file == workloads::LAMBDA_LIST
}

/// The policy and facts of one regional output file.
fn read_output(service_dir: &str, root: &Obj<'_, '_>, name: &str, resource: &mut Resource, sink: &mut Sink<'_>) {
    let mut path = String::new();
    match service_dir {
        // get-queue-attributes: {"Attributes": {"Policy", "QueueArn"}}
        // get-topic-attributes: {"Attributes": {"Policy", "TopicArn", "Owner", ...}}
        "sqs" | "sns" => {
            let Some(attributes) = root.obj("Attributes", &mut path, sink) else {
                if !root.has("Attributes") {
                    sink.push("Attributes", "missing");
                }
                return;
            };
            let arn_key = if service_dir == "sqs" { "QueueArn" } else { "TopicArn" };
            check_arn(&attributes, arn_key, &resource.arn, sink);
            if let Some(owner) = attributes.str("Owner", sink) {
                resource.attributes.push(("Owner".into(), owner.to_owned()));
            }
            resource.policy = policy_member(&attributes, "Policy", false, sink);
        }
        // get-policy: {"Policy": "<json>", "RevisionId"}
        "lambda" => {
            if let Some(revision) = root.str("RevisionId", sink) {
                resource.attributes.push(("RevisionId".into(), revision.to_owned()));
            }
            resource.policy = policy_member(root, "Policy", false, sink);
        }
        // get-resource-policy: {"ARN", "Name", "ResourcePolicy"}; the ARN ends in a random
        // six-character suffix the bundle's path cannot know, so it is taken from the output.
        "secretsmanager" => {
            if let Some(found) = root.str("ARN", sink) {
                let suffix = found.strip_prefix(resource.arn.as_str()).and_then(|rest| rest.strip_prefix('-'));
                if found == resource.arn
                    || suffix.is_some_and(|suffix| suffix.len() == 6 && !suffix.contains(['/', ':']))
                {
                    resource.arn = found.to_owned();
                    sink.subject = Some(found.to_owned());
                } else {
                    sink.push(
                        "ARN",
                        format!("`{found}` is not the ARN of `{}`, rebuilt from the bundle", resource.arn),
                    );
                }
            }
            if let Some(found) = root.str("Name", sink)
                && found != name
            {
                sink.push("Name", format!("`{found}` is not the secret `{name}` of the file name"));
            }
            resource.policy = policy_member(root, "ResourcePolicy", false, sink);
        }
        // get-repository-policy: {"registryId", "repositoryName", "policyText"}
        "ecr" => {
            let account = json::arn_account(&resource.arn).unwrap_or_default().to_owned();
            if let Some(found) = root.str("registryId", sink)
                && found != account
            {
                sink.push("registryId", format!("registry `{found}`, filed under account `{account}`"));
            }
            if let Some(found) = root.str("repositoryName", sink)
                && found != name
            {
                sink.push("repositoryName", format!("`{found}` is not the repository `{name}` of the file name"));
            }
            resource.policy = policy_member(root, "policyText", false, sink);
        }
        // get-vault-access-policy: {"policy": {"Policy": "<json>"}}
        "glacier" => {
            if let Some(policy) = root.obj("policy", &mut path, sink) {
                resource.policy = policy_member(&policy, "Policy", false, sink);
            }
        }
        // describe-domain-config: {"DomainConfig": {"AccessPolicies": {"Options": "<json>"}}}
        "opensearch" => {
            let mut inner = String::new();
            if let Some(config) = root.obj("DomainConfig", &mut path, sink)
                && let Some(access) = config.obj("AccessPolicies", &mut inner, sink)
            {
                resource.policy = policy_member(&access, "Options", false, sink);
            } else if !root.has("DomainConfig") {
                sink.push("DomainConfig", "missing");
            }
        }
        // get-rest-api: {"id", "name", "policy": "<json, escaped>", ...}
        "apigateway" => {
            if let Some(found) = root.str("id", sink)
                && found != name
            {
                sink.push("id", format!("`{found}` is not the REST API `{name}` of the file name"));
            }
            if let Some(api_name) = root.str("name", sink) {
                resource.attributes.push(("Name".into(), api_name.to_owned()));
            }
            resource.policy = policy_member(root, "policy", false, sink);
        }
        _ => {}
    }
}

/// Reads a `{"Policy": "<json>"}` answer (get-bucket-policy, get-key-policy,
/// get-access-point-policy) into `resource`: its policy is collected once the file is there,
/// even when the file is malformed (the issue says so, and the resource is incomplete).
fn read_policy_answer(file: &Path, resource: &mut Resource, sink: &mut Sink<'_>) {
    match json::read_json(file, sink) {
        FileRead::Absent => {}
        FileRead::Bad => resource.policy_collected = true,
        FileRead::Json(value) => {
            resource.policy_collected = true;
            if let Some(root) = Obj::new(&value, "", sink) {
                resource.policy = policy_member(&root, "Policy", true, sink);
            }
        }
    }
}

fn new_resource(arn: &str, service: &str, region: Option<String>, resource_type: &str, source: PathBuf) -> Resource {
    Resource {
        arn: arn.to_owned(),
        service: service.to_owned(),
        region,
        resource_type: resource_type.to_owned(),
        source,
        ..Resource::default()
    }
}

/// A resource policy carried as a string member; an empty string means "no policy". When
/// `required`, a missing member is an issue (the file exists only for its policy).
fn policy_member(parent: &Obj<'_, '_>, key: &str, required: bool, sink: &mut Sink<'_>) -> Option<Policy> {
    let Some(value) = parent.get(key) else {
        if required {
            sink.push(parent.at(key), "missing");
        }
        return None;
    };
    let path = parent.at(key);
    match value {
        Value::String(text) if text.trim().is_empty() => None,
        Value::String(text) => match Policy::from_json(value, PolicyKind::Resource) {
            Ok(policy) => Some(policy),
            // API Gateway returns the document escaped once more (`{\"Version\":...}`).
            Err(first) => match unescape(text) {
                Some(inner) => json::policy(&Value::String(inner), PolicyKind::Resource, &path, sink),
                None => {
                    let err = first.within(&path);
                    sink.push(err.path(), err.message());
                    None
                }
            },
        },
        _ => json::policy(value, PolicyKind::Resource, &path, sink),
    }
}

/// A JSON document escaped as the body of a JSON string (`{\"Version\":...}`), unescaped.
fn unescape(text: &str) -> Option<String> {
    if !text.contains("\\\"") {
        return None;
    }
    serde_json::from_str::<String>(&format!("\"{text}\"")).ok()
}

/// Checks an ARN member against the ARN rebuilt from the bundle.
fn check_arn(parent: &Obj<'_, '_>, key: &str, expected: &str, sink: &mut Sink<'_>) {
    if let Some(found) = parent.str(key, sink)
        && found != expected
    {
        sink.push(
            parent.at(key),
            format!("`{found}` is not `{expected}`, the ARN rebuilt from the file's place in the bundle"),
        );
    }
}

/// `{"PublicAccessBlockConfiguration": {...}}`; an unset flag is false.
fn public_access_block(value: &Value, sink: &mut Sink<'_>) -> Option<PublicAccessBlock> {
    let root = Obj::new(value, "", sink)?;
    let mut path = String::new();
    let Some(config) = root.obj("PublicAccessBlockConfiguration", &mut path, sink) else {
        if !root.has("PublicAccessBlockConfiguration") {
            sink.push("PublicAccessBlockConfiguration", "missing");
        }
        return None;
    };
    Some(PublicAccessBlock {
        block_public_acls: config.bool("BlockPublicAcls", sink).unwrap_or(false),
        ignore_public_acls: config.bool("IgnorePublicAcls", sink).unwrap_or(false),
        block_public_policy: config.bool("BlockPublicPolicy", sink).unwrap_or(false),
        restrict_public_buckets: config.bool("RestrictPublicBuckets", sink).unwrap_or(false),
    })
}

/// `Grants[]` of get-bucket-acl.
fn acl_grants(root: &Obj<'_, '_>, sink: &mut Sink<'_>) -> Vec<AclGrant> {
    let mut out = Vec::new();
    for (path, map) in root.objects("Grants", sink) {
        let grant = Obj { map, path: &path };
        let mut grantee_path = String::new();
        let Some(grantee) = grant.obj("Grantee", &mut grantee_path, sink) else {
            if !grant.has("Grantee") {
                sink.push(grant.at("Grantee"), "missing");
            }
            continue;
        };
        let Some(kind) = grantee.required_str("Type", sink) else { continue };
        let key = match kind {
            "CanonicalUser" => "ID",
            "Group" => "URI",
            "AmazonCustomerByEmail" => "EmailAddress",
            other => {
                sink.push(grantee.at("Type"), format!("unknown grantee type `{other}`"));
                continue;
            }
        };
        let Some(who) = grantee.required_str(key, sink) else { continue };
        let Some(permission) = grant.required_str("Permission", sink) else { continue };
        out.push(AclGrant { grantee: format!("{kind}:{who}"), permission: permission.to_owned() });
    }
    out
}

/// `Grants[]` of kms list-grants.
fn kms_grants(root: &Obj<'_, '_>, sink: &mut Sink<'_>) -> Vec<KmsGrant> {
    let mut out = Vec::new();
    for (path, map) in root.objects("Grants", sink) {
        let grant = Obj { map, path: &path };
        let Some(grantee) = grant.required_str("GranteePrincipal", sink) else { continue };
        let mut constraints_path = String::new();
        let mut subset = Vec::new();
        let mut equals = Vec::new();
        if let Some(constraints) = grant.obj("Constraints", &mut constraints_path, sink) {
            subset = string_map(&constraints, "EncryptionContextSubset", sink);
            equals = string_map(&constraints, "EncryptionContextEquals", sink);
        }
        out.push(KmsGrant {
            grantee: grantee.to_owned(),
            operations: grant.strings("Operations", sink),
            grant_id: grant.string("GrantId", sink).unwrap_or_default(),
            retiring_principal: grant.string("RetiringPrincipal", sink),
            issuing_account: grant.string("IssuingAccount", sink),
            encryption_context_subset: subset,
            encryption_context_equals: equals,
        });
    }
    out
}

/// A `{"key": "value"}` member, sorted by key.
fn string_map(parent: &Obj<'_, '_>, key: &str, sink: &mut Sink<'_>) -> Vec<(String, String)> {
    let mut path = String::new();
    let Some(map) = parent.obj(key, &mut path, sink) else { return Vec::new() };
    let mut out = Vec::new();
    for name in map.map.keys() {
        if let Some(value) = map.str(name, sink) {
            out.push((name.clone(), value.to_owned()));
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_documents_unescape() {
        let text = r#"{\"Version\":\"2012-10-17\",\"Statement\":[]}"#;
        assert_eq!(unescape(text).as_deref(), Some(r#"{"Version":"2012-10-17","Statement":[]}"#));
        assert_eq!(unescape(r#"{"Version":"2012-10-17"}"#), None);
    }
}
