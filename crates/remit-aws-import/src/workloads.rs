//! The compute of an account that runs as an IAM role: Lambda functions, EC2 instances,
//! CodeBuild projects, CloudFormation stacks, Glue development endpoints, SageMaker notebook
//! instances, App Runner services and ECS tasks.
//!
//! Whoever may change such a workload's code, send it a command or open a session on it acts
//! as its role without ever calling `iam:PassRole`: privilege-escalation analysis needs to know
//! which role each existing workload runs as, not only which roles could be passed to new ones.
//! Resource-policy files say nothing of that, so the inventory is read from the services' own
//! list and describe outputs, one file per kind and region (or one per workload where the
//! service only describes one at a time).
//!
//! Which kinds had a file is kept apart from what the files held: an account without
//! `ec2/instances.json` in any region has instances nobody looked at, not none. An instance's
//! role is not in its output (only its instance profile is); it is resolved afterwards, from
//! the roles' `InstanceProfileList` in the authorization details ([`resolve_instance_roles`]).

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use rayon::prelude::*;
use serde_json::Value;

use crate::{
    dir::{self, decode_name},
    env::{ImportIssue, Role, Workload, WorkloadKind},
    json::{self, FileRead, Obj, Sink},
};

/// The `aws lambda list-functions` file in a region's `lambda/` directory. The directory holds
/// one `get-policy` file per function, named after it; a function's name has no `.`, so no
/// function's policy file can take this one's place.
pub(crate) const LAMBDA_LIST: &str = "functions.list.json";

/// Where a kind's inventory is, under a region's directory.
enum Place {
    /// One file listing every workload of the region.
    List(&'static str),
    /// A directory of one describe output per workload, named after it.
    PerWorkload(&'static str),
}

fn place(kind: WorkloadKind) -> Place {
    match kind {
        WorkloadKind::LambdaFunction => Place::List("lambda/functions.list.json"),
        WorkloadKind::Ec2Instance => Place::List("ec2/instances.json"),
        WorkloadKind::CodeBuildProject => Place::List("codebuild/projects.json"),
        WorkloadKind::CloudFormationStack => Place::List("cloudformation/stacks.json"),
        WorkloadKind::GlueDevEndpoint => Place::List("glue/dev-endpoints.json"),
        WorkloadKind::SageMakerNotebook => Place::PerWorkload("sagemaker/notebook-instances"),
        WorkloadKind::AppRunnerService => Place::PerWorkload("apprunner/services"),
        WorkloadKind::EcsTask => Place::List("ecs/tasks.json"),
    }
}

/// The ECS task definitions of a region, by ARN: the role they give their tasks, and whether
/// their file could be read whole.
type TaskDefinitions = BTreeMap<String, (Option<String>, bool)>;

/// What one file is read for.
struct Ctx<'a> {
    account: &'a str,
    region: &'a str,
    partition: &'static str,
    /// The file, relative to the bundle.
    source: &'a Path,
    /// The workload a per-workload file is named after.
    file_name: &'a str,
    /// ECS: the region's task definitions.
    definitions: &'a TaskDefinitions,
}

/// A workload read, with the JSON path of its entry (for the issues found later about it).
struct Found {
    workload: Workload,
    path: String,
}

/// Reads the workloads of one account: the workloads, sorted by ARN, and the kinds that had a
/// file in at least one region.
pub(crate) fn read(
    bundle: &Path,
    account_dir: &Path,
    account_id: &str,
    issues: &mut Vec<ImportIssue>,
) -> (Vec<Workload>, Vec<WorkloadKind>) {
    // The account's directory is listed by the resource reader too, which reports what cannot
    // be read in it.
    let mut scratch = Vec::new();
    let entries = dir::list(&bundle.join(account_dir), &mut Sink::new(account_dir.to_path_buf(), &mut scratch))
        .unwrap_or_default();
    let jobs: Vec<(&str, WorkloadKind)> = entries
        .iter()
        .filter(|entry| entry.is_dir && entry.name != "s3")
        .flat_map(|entry| WorkloadKind::ALL.into_iter().map(move |kind| (entry.name.as_str(), kind)))
        .collect();
    // Thousands of small files in a large organization: read on every core, joined in order.
    let parts: Vec<(Vec<Found>, bool, Vec<ImportIssue>)> = jobs
        .par_iter()
        .map(|(region, kind)| {
            let mut issues = Vec::new();
            let region_rel = account_dir.join(region);
            let (found, present) = read_kind(bundle, &region_rel, account_id, region, *kind, &mut issues);
            (found, present, issues)
        })
        .collect();
    let mut found = Vec::new();
    let mut collected = Vec::new();
    for ((_, kind), (part, present, part_issues)) in jobs.iter().zip(parts) {
        found.extend(part);
        issues.extend(part_issues);
        if present && !collected.contains(kind) {
            collected.push(*kind);
        }
    }
    collected.sort_by_key(|kind| WorkloadKind::ALL.iter().position(|k| k == kind));
    (finish(found, issues), collected)
}

/// Sorts by ARN, keeping the first of workloads listed more than once.
fn finish(mut found: Vec<Found>, issues: &mut Vec<ImportIssue>) -> Vec<Workload> {
    found.sort_by(|a, b| a.workload.arn.cmp(&b.workload.arn));
    let mut out: Vec<Workload> = Vec::with_capacity(found.len());
    for Found { workload, path } in found {
        match out.last() {
            Some(last) if last.arn == workload.arn => issues.push(ImportIssue {
                file: workload.source.clone(),
                location: path,
                message: format!("`{}` is listed more than once: the first listing is kept", workload.arn),
                subject: Some(workload.arn),
            }),
            _ => out.push(workload),
        }
    }
    out
}

/// One kind's file (or directory) in one region, and whether it is there.
fn read_kind(
    bundle: &Path,
    region_rel: &Path,
    account: &str,
    region: &str,
    kind: WorkloadKind,
    issues: &mut Vec<ImportIssue>,
) -> (Vec<Found>, bool) {
    let partition = json::region_partition(region);
    let no_definitions = TaskDefinitions::new();
    match place(kind) {
        Place::List(file) => {
            let rel = region_rel.join(file);
            let definitions = match kind {
                WorkloadKind::EcsTask if bundle.join(&rel).is_file() => {
                    task_definitions(bundle, &region_rel.join("ecs/task-definitions"), issues)
                }
                _ => TaskDefinitions::new(),
            };
            let mut sink = Sink::new(rel.clone(), issues);
            let value = match json::read_json(&bundle.join(&rel), &mut sink) {
                FileRead::Absent => return (Vec::new(), false),
                FileRead::Bad => return (Vec::new(), true),
                FileRead::Json(value) => value,
            };
            let ctx = Ctx { account, region, partition, source: &rel, file_name: "", definitions: &definitions };
            (parse(kind, &value, &ctx, &mut sink), true)
        }
        Place::PerWorkload(sub) => {
            let dir_rel = region_rel.join(sub);
            let Some(entries) = dir::list(&bundle.join(&dir_rel), &mut Sink::new(dir_rel.clone(), issues)) else {
                return (Vec::new(), false);
            };
            let mut found = Vec::new();
            for entry in entries.iter().filter(|entry| !entry.is_dir) {
                let Some(stem) = entry.name.strip_suffix(".json") else { continue };
                let rel = dir_rel.join(&entry.name);
                let mut sink = Sink::new(rel.clone(), issues);
                let FileRead::Json(value) = json::read_json(&bundle.join(&rel), &mut sink) else { continue };
                let name = decode_name(stem);
                let ctx =
                    Ctx { account, region, partition, source: &rel, file_name: &name, definitions: &no_definitions };
                found.extend(parse(kind, &value, &ctx, &mut sink));
            }
            (found, true)
        }
    }
}

/// Reads one inventory file from bytes: `aws lambda list-functions`, `aws ec2
/// describe-instances`, `aws codebuild batch-get-projects`, `aws cloudformation
/// describe-stacks`, `aws glue get-dev-endpoints`, `aws sagemaker describe-notebook-instance`,
/// `aws apprunner describe-service` or `aws ecs describe-tasks`, as `kind` says, as if it were
/// `file` of `account` in `region` (the name of a per-workload file is `file`'s stem). ECS tasks
/// are read without their task definitions: their roles are unknown unless overridden.
///
/// Never fails: what cannot be read is an issue with `file` and the JSON path.
pub fn parse_workloads(
    kind: WorkloadKind,
    bytes: &[u8],
    file: &Path,
    account: &str,
    region: &str,
) -> (Vec<Workload>, Vec<ImportIssue>) {
    let mut issues = Vec::new();
    let mut sink = Sink::new(file.to_path_buf(), &mut issues);
    let value: Value = match serde_json::from_slice(json::strip_bom(bytes)) {
        Ok(value) => value,
        Err(err) => {
            sink.push(json::syntax_location(&err), format!("not valid JSON: {}", json::syntax_message(&err)));
            return (Vec::new(), issues);
        }
    };
    let name = file.file_stem().and_then(|stem| stem.to_str()).map(decode_name).unwrap_or_default();
    let definitions = TaskDefinitions::new();
    let ctx = Ctx {
        account,
        region,
        partition: json::region_partition(region),
        source: file,
        file_name: &name,
        definitions: &definitions,
    };
    let found = parse(kind, &value, &ctx, &mut sink);
    let workloads = finish(found, &mut issues);
    (workloads, issues)
}

fn parse(kind: WorkloadKind, value: &Value, ctx: &Ctx<'_>, sink: &mut Sink<'_>) -> Vec<Found> {
    let mut out = Vec::new();
    match kind {
        // An ECS file merges describe-tasks outputs: one, or an array of them.
        WorkloadKind::EcsTask => match value {
            Value::Array(pages) => {
                for (idx, page) in pages.iter().enumerate() {
                    let path = json::index("", idx);
                    if let Some(root) = Obj::new(page, &path, sink) {
                        ecs_tasks(&root, ctx, sink, &mut out);
                    }
                }
            }
            _ => {
                if let Some(root) = Obj::new(value, "", sink) {
                    ecs_tasks(&root, ctx, sink, &mut out);
                }
            }
        },
        _ => {
            let Some(root) = Obj::new(value, "", sink) else { return out };
            match kind {
                WorkloadKind::LambdaFunction => lambda_functions(&root, ctx, sink, &mut out),
                WorkloadKind::Ec2Instance => ec2_instances(&root, ctx, sink, &mut out),
                WorkloadKind::CodeBuildProject => codebuild_projects(&root, ctx, sink, &mut out),
                WorkloadKind::CloudFormationStack => cloudformation_stacks(&root, ctx, sink, &mut out),
                WorkloadKind::GlueDevEndpoint => glue_dev_endpoints(&root, ctx, sink, &mut out),
                WorkloadKind::SageMakerNotebook => sagemaker_notebook(&root, ctx, sink, &mut out),
                WorkloadKind::AppRunnerService => apprunner_service(&root, ctx, sink, &mut out),
                WorkloadKind::EcsTask => {}
            }
        }
    }
    out
}

fn new_workload(arn: &str, kind: WorkloadKind, name: &str, ctx: &Ctx<'_>) -> Workload {
    Workload {
        arn: arn.to_owned(),
        kind,
        name: name.to_owned(),
        region: ctx.region.to_owned(),
        role: None,
        state: None,
        instance_profile: None,
        tags: Vec::new(),
        attributes: Vec::new(),
        incomplete: false,
        source: ctx.source.to_path_buf(),
    }
}

/// Whether `arn` is the ARN of a `service` resource of the file's account and region whose
/// resource part starts with `prefix`; an issue (the entry is ignored) when not.
fn in_place(
    item: &Obj<'_, '_>,
    key: &str,
    arn: &str,
    service: &str,
    prefix: &str,
    ctx: &Ctx<'_>,
    sink: &mut Sink<'_>,
) -> bool {
    let mut parts = arn.splitn(6, ':');
    let fits = parts.next() == Some("arn")
        && parts.next().is_some_and(|partition| !partition.is_empty())
        && parts.next() == Some(service)
        && parts.next() == Some(ctx.region)
        && parts.next() == Some(ctx.account)
        && parts.next().is_some_and(|rest| rest.len() > prefix.len() && rest.starts_with(prefix));
    if !fits {
        sink.push(
            item.at(key),
            format!(
                "`{arn}` is not the ARN of a {service} `{}` of account `{}` in `{}`, where the file is (ignored)",
                prefix.trim_end_matches([':', '/']),
                ctx.account,
                ctx.region
            ),
        );
    }
    fits
}

/// A role ARN member; `required` members missing are issues (the workload's role is unknown).
fn role_member(item: &Obj<'_, '_>, key: &str, required: bool, sink: &mut Sink<'_>) -> Option<String> {
    if required && !item.has(key) {
        sink.push(item.at(key), "missing: the role it runs as is unknown");
        return None;
    }
    item.string(key, sink).filter(|role| !role.is_empty())
}

/// A `[{"key": k, "value": v}]` tag list (CodeBuild's and ECS's spelling).
fn lower_case_tags(item: &Obj<'_, '_>, key: &str, sink: &mut Sink<'_>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, map) in item.objects(key, sink) {
        let tag = Obj { map, path: &path };
        let name = tag.required_str("key", sink);
        let value = tag.str("value", sink).unwrap_or("");
        if let Some(name) = name {
            out.push((name.to_owned(), value.to_owned()));
        }
    }
    out
}

/// Requires the top-level list `key` of a list output.
fn list_member(root: &Obj<'_, '_>, key: &str, sink: &mut Sink<'_>) {
    root.check_not_truncated(sink);
    if !root.has(key) {
        sink.push(root.at(key), "missing");
    }
}

/// `aws lambda list-functions`: `{"Functions": [{"FunctionName", "FunctionArn", "Role",
/// "Version", ...}], "NextMarker"}`. Published versions (listed with `--function-version ALL`)
/// are skipped: their code cannot be changed.
fn lambda_functions(root: &Obj<'_, '_>, ctx: &Ctx<'_>, sink: &mut Sink<'_>, out: &mut Vec<Found>) {
    list_member(root, "Functions", sink);
    for (path, map) in root.objects("Functions", sink) {
        let item = Obj { map, path: &path };
        let mark = sink.mark();
        let Some(arn) = item.required_str("FunctionArn", sink) else { continue };
        if !in_place(&item, "FunctionArn", arn, "lambda", "function:", ctx, sink) {
            continue;
        }
        let qualified = arn.split(':').count() > 7;
        if qualified || item.str("Version", sink).is_some_and(|version| version != "$LATEST") {
            continue;
        }
        sink.subject = Some(arn.to_owned());
        let name = arn.rsplit(':').next().unwrap_or_default();
        if let Some(listed) = item.str("FunctionName", sink)
            && listed != name
        {
            sink.push(item.at("FunctionName"), format!("`{listed}` is not the function of `{arn}`"));
        }
        let mut workload = new_workload(arn, WorkloadKind::LambdaFunction, name, ctx);
        workload.role = role_member(&item, "Role", true, sink);
        workload.state = item.string("State", sink);
        workload.incomplete = sink.since(mark);
        sink.subject = None;
        out.push(Found { workload, path });
    }
}

/// `aws ec2 describe-instances`: `{"Reservations": [{"OwnerId", "Instances": [{"InstanceId",
/// "IamInstanceProfile": {"Arn", "Id"}, "State": {"Code", "Name"}, "Tags"}]}], "NextToken"}`.
fn ec2_instances(root: &Obj<'_, '_>, ctx: &Ctx<'_>, sink: &mut Sink<'_>, out: &mut Vec<Found>) {
    list_member(root, "Reservations", sink);
    for (reservation_path, map) in root.objects("Reservations", sink) {
        let reservation = Obj { map, path: &reservation_path };
        if let Some(owner) = reservation.str("OwnerId", sink)
            && owner != ctx.account
        {
            sink.push(
                reservation.at("OwnerId"),
                format!("instances of account `{owner}`, filed under account `{}` (ignored)", ctx.account),
            );
            continue;
        }
        for (path, map) in reservation.objects("Instances", sink) {
            let item = Obj { map, path: &path };
            let mark = sink.mark();
            let Some(id) = item.required_str("InstanceId", sink) else { continue };
            if id.is_empty() || id.contains(['/', ':']) {
                sink.push(item.at("InstanceId"), format!("`{id}` is not an instance id (ignored)"));
                continue;
            }
            let arn = format!("arn:{}:ec2:{}:{}:instance/{id}", ctx.partition, ctx.region, ctx.account);
            sink.subject = Some(arn.clone());
            let mut workload = new_workload(&arn, WorkloadKind::Ec2Instance, id, ctx);
            let mut profile_path = String::new();
            if let Some(profile) = item.obj("IamInstanceProfile", &mut profile_path, sink) {
                workload.instance_profile = profile.required_str("Arn", sink).map(str::to_owned);
            }
            let mut state_path = String::new();
            if let Some(state) = item.obj("State", &mut state_path, sink) {
                workload.state = state.string("Name", sink);
            }
            workload.tags = item.tags("Tags", sink);
            workload.incomplete = sink.since(mark);
            sink.subject = None;
            out.push(Found { workload, path });
        }
    }
}

/// `aws codebuild batch-get-projects`: `{"projects": [{"name", "arn", "serviceRole", "tags"}],
/// "projectsNotFound"}`.
fn codebuild_projects(root: &Obj<'_, '_>, ctx: &Ctx<'_>, sink: &mut Sink<'_>, out: &mut Vec<Found>) {
    list_member(root, "projects", sink);
    for (path, map) in root.objects("projects", sink) {
        let item = Obj { map, path: &path };
        let mark = sink.mark();
        let Some(arn) = item.required_str("arn", sink) else { continue };
        if !in_place(&item, "arn", arn, "codebuild", "project/", ctx, sink) {
            continue;
        }
        sink.subject = Some(arn.to_owned());
        let name = arn.split_once("project/").map(|(_, name)| name).unwrap_or_default();
        let mut workload = new_workload(arn, WorkloadKind::CodeBuildProject, name, ctx);
        workload.role = role_member(&item, "serviceRole", true, sink);
        workload.tags = lower_case_tags(&item, "tags", sink);
        workload.incomplete = sink.since(mark);
        sink.subject = None;
        out.push(Found { workload, path });
    }
}

/// `aws cloudformation describe-stacks`: `{"Stacks": [{"StackId", "StackName", "RoleARN",
/// "StackStatus", "Tags"}], "NextToken"}`. A stack without `RoleARN` is changed with its
/// caller's own credentials.
fn cloudformation_stacks(root: &Obj<'_, '_>, ctx: &Ctx<'_>, sink: &mut Sink<'_>, out: &mut Vec<Found>) {
    list_member(root, "Stacks", sink);
    for (path, map) in root.objects("Stacks", sink) {
        let item = Obj { map, path: &path };
        let mark = sink.mark();
        let Some(arn) = item.required_str("StackId", sink) else { continue };
        if !in_place(&item, "StackId", arn, "cloudformation", "stack/", ctx, sink) {
            continue;
        }
        sink.subject = Some(arn.to_owned());
        let from_arn = arn.split('/').nth(1).unwrap_or_default();
        let name = item.str("StackName", sink).unwrap_or(from_arn);
        if name != from_arn {
            sink.push(item.at("StackName"), format!("`{name}` is not the stack of `{arn}`"));
        }
        let mut workload = new_workload(arn, WorkloadKind::CloudFormationStack, name, ctx);
        workload.role = role_member(&item, "RoleARN", false, sink);
        workload.state = item.string("StackStatus", sink);
        workload.tags = item.tags("Tags", sink);
        workload.incomplete = sink.since(mark);
        sink.subject = None;
        out.push(Found { workload, path });
    }
}

/// `aws glue get-dev-endpoints`: `{"DevEndpoints": [{"EndpointName", "RoleArn", "Status"}],
/// "NextToken"}`. The output has no ARN: it is built as IAM names development endpoints.
fn glue_dev_endpoints(root: &Obj<'_, '_>, ctx: &Ctx<'_>, sink: &mut Sink<'_>, out: &mut Vec<Found>) {
    list_member(root, "DevEndpoints", sink);
    for (path, map) in root.objects("DevEndpoints", sink) {
        let item = Obj { map, path: &path };
        let mark = sink.mark();
        let Some(name) = item.required_str("EndpointName", sink) else { continue };
        if name.is_empty() || name.contains(['/', ':']) {
            sink.push(item.at("EndpointName"), format!("`{name}` is not a development endpoint name (ignored)"));
            continue;
        }
        // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsglue.html#awsglue-resources-for-iam-policies
        let arn = format!("arn:{}:glue:{}:{}:devEndpoint/{name}", ctx.partition, ctx.region, ctx.account);
        sink.subject = Some(arn.clone());
        let mut workload = new_workload(&arn, WorkloadKind::GlueDevEndpoint, name, ctx);
        workload.role = role_member(&item, "RoleArn", true, sink);
        workload.state = item.string("Status", sink);
        workload.incomplete = sink.since(mark);
        sink.subject = None;
        out.push(Found { workload, path });
    }
}

/// `aws sagemaker describe-notebook-instance`: `{"NotebookInstanceArn", "NotebookInstanceName",
/// "NotebookInstanceStatus", "RoleArn", ...}`, in a file named after the notebook instance.
fn sagemaker_notebook(root: &Obj<'_, '_>, ctx: &Ctx<'_>, sink: &mut Sink<'_>, out: &mut Vec<Found>) {
    let mark = sink.mark();
    let Some(arn) = root.required_str("NotebookInstanceArn", sink) else { return };
    // SageMaker writes its ARNs in lower case, whatever the name's case.
    if !in_place(root, "NotebookInstanceArn", arn, "sagemaker", "notebook-instance/", ctx, sink) {
        return;
    }
    sink.subject = Some(arn.to_owned());
    let name = root.str("NotebookInstanceName", sink).unwrap_or(ctx.file_name);
    if name != ctx.file_name {
        sink.push(
            "NotebookInstanceName",
            format!("`{name}` is not the notebook instance `{}` of the file name", ctx.file_name),
        );
    }
    let mut workload = new_workload(arn, WorkloadKind::SageMakerNotebook, name, ctx);
    workload.role = role_member(root, "RoleArn", true, sink);
    workload.state = root.string("NotebookInstanceStatus", sink);
    workload.incomplete = sink.since(mark);
    sink.subject = None;
    out.push(Found { workload, path: String::new() });
}

/// `aws apprunner describe-service`: `{"Service": {"ServiceArn", "ServiceName", "Status",
/// "InstanceConfiguration": {"InstanceRoleArn"}}}`, in a file named after the service. A
/// service without an instance role runs as none.
fn apprunner_service(root: &Obj<'_, '_>, ctx: &Ctx<'_>, sink: &mut Sink<'_>, out: &mut Vec<Found>) {
    let mark = sink.mark();
    let mut service_path = String::new();
    let Some(service) = root.obj("Service", &mut service_path, sink) else {
        if !root.has("Service") {
            sink.push("Service", "missing");
        }
        return;
    };
    let Some(arn) = service.required_str("ServiceArn", sink) else { return };
    if !in_place(&service, "ServiceArn", arn, "apprunner", "service/", ctx, sink) {
        return;
    }
    sink.subject = Some(arn.to_owned());
    let name = service.str("ServiceName", sink).unwrap_or(ctx.file_name);
    if name != ctx.file_name {
        sink.push(
            service.at("ServiceName"),
            format!("`{name}` is not the service `{}` of the file name", ctx.file_name),
        );
    }
    let mut workload = new_workload(arn, WorkloadKind::AppRunnerService, name, ctx);
    let mut instance_path = String::new();
    if let Some(instance) = service.obj("InstanceConfiguration", &mut instance_path, sink) {
        workload.role = role_member(&instance, "InstanceRoleArn", false, sink);
    }
    workload.state = service.string("Status", sink);
    workload.incomplete = sink.since(mark);
    sink.subject = None;
    out.push(Found { workload, path: service_path });
}

/// `aws ecs describe-tasks`: `{"tasks": [{"taskArn", "clusterArn", "taskDefinitionArn",
/// "lastStatus", "enableExecuteCommand", "overrides": {"taskRoleArn"}, "tags"}], "failures"}`.
/// A task runs as the role its launch overrode, else its task definition's.
fn ecs_tasks(root: &Obj<'_, '_>, ctx: &Ctx<'_>, sink: &mut Sink<'_>, out: &mut Vec<Found>) {
    if !root.has("tasks") {
        sink.push(root.at("tasks"), "missing");
    }
    for (path, map) in root.objects("tasks", sink) {
        let item = Obj { map, path: &path };
        let mark = sink.mark();
        let Some(arn) = item.required_str("taskArn", sink) else { continue };
        if !in_place(&item, "taskArn", arn, "ecs", "task/", ctx, sink) {
            continue;
        }
        sink.subject = Some(arn.to_owned());
        let name = arn.rsplit('/').next().unwrap_or_default();
        let mut workload = new_workload(arn, WorkloadKind::EcsTask, name, ctx);
        if let Some(cluster) = item.str("clusterArn", sink) {
            workload.attributes.push(("Cluster".into(), cluster.to_owned()));
        }
        let definition = item.str("taskDefinitionArn", sink);
        if let Some(definition) = definition {
            workload.attributes.push(("TaskDefinition".into(), definition.to_owned()));
        }
        if let Some(exec) = item.bool("enableExecuteCommand", sink) {
            workload.attributes.push(("EnableExecuteCommand".into(), exec.to_string()));
        }
        workload.state = item.string("lastStatus", sink);
        workload.tags = lower_case_tags(&item, "tags", sink);
        let mut overrides_path = String::new();
        let overridden = item
            .obj("overrides", &mut overrides_path, sink)
            .and_then(|overrides| role_member(&overrides, "taskRoleArn", false, sink));
        workload.role = match (overridden, definition) {
            (Some(role), _) => Some(role),
            (None, Some(definition)) => {
                match ctx.definitions.get(definition) {
                    Some((role, true)) => role.clone(),
                    Some((role, false)) => {
                        sink.push(
                            item.at("taskDefinitionArn"),
                            format!(
                                "task definition `{definition}` could not be read whole: the task's role may be unknown"
                            ),
                        );
                        role.clone()
                    }
                    None => {
                        sink.push(
                        item.at("taskDefinitionArn"),
                        format!("task definition `{definition}` is not in `task-definitions/`: the task's role is unknown"),
                    );
                        None
                    }
                }
            }
            (None, None) => {
                sink.push(item.at("taskDefinitionArn"), "missing: the task's role is unknown");
                None
            }
        };
        workload.incomplete = sink.since(mark);
        sink.subject = None;
        out.push(Found { workload, path });
    }
}

/// `ecs/task-definitions/<family>-<revision>.json`, each `aws ecs describe-task-definition`:
/// `{"taskDefinition": {"taskDefinitionArn", "family", "revision", "taskRoleArn"}, "tags"}`.
fn task_definitions(bundle: &Path, dir_rel: &Path, issues: &mut Vec<ImportIssue>) -> TaskDefinitions {
    let mut out = TaskDefinitions::new();
    let entries = dir::list(&bundle.join(dir_rel), &mut Sink::new(dir_rel.to_path_buf(), issues)).unwrap_or_default();
    for entry in entries.iter().filter(|entry| !entry.is_dir) {
        let Some(stem) = entry.name.strip_suffix(".json") else { continue };
        let rel: PathBuf = dir_rel.join(&entry.name);
        let mut sink = Sink::new(rel.clone(), issues);
        let FileRead::Json(value) = json::read_json(&bundle.join(&rel), &mut sink) else { continue };
        let Some(root) = Obj::new(&value, "", &mut sink) else { continue };
        let mark = sink.mark();
        let mut path = String::new();
        let Some(definition) = root.obj("taskDefinition", &mut path, &mut sink) else {
            if !root.has("taskDefinition") {
                sink.push("taskDefinition", "missing");
            }
            continue;
        };
        let Some(arn) = definition.required_str("taskDefinitionArn", &mut sink) else { continue };
        // `.../task-definition/<family>:<revision>`, filed as `<family>-<revision>.json`.
        let expected = arn.rsplit('/').next().map(|tail| tail.replacen(':', "-", 1)).unwrap_or_default();
        if decode_name(stem) != expected {
            sink.push(
                definition.at("taskDefinitionArn"),
                format!("`{arn}` is filed as `{}`, not as `{expected}.json`", entry.name),
            );
        }
        let role = role_member(&definition, "taskRoleArn", false, &mut sink);
        let whole = !sink.since(mark);
        out.entry(arn.to_owned()).or_insert((role, whole));
    }
    out
}

/// Sets each instance's role from its instance profile: the role whose `InstanceProfileList`
/// lists the profile in the account's authorization details (`authz_rel`, for the issues).
pub(crate) fn resolve_instance_roles(
    workloads: &mut [Workload],
    roles: &[Role],
    authz_rel: &Path,
    issues: &mut Vec<ImportIssue>,
) {
    let mut by_profile: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for role in roles {
        for profile in &role.instance_profiles {
            by_profile.entry(profile.as_str()).or_default().push(role.arn.as_str());
        }
    }
    let mut reported: Vec<&str> = Vec::new();
    for workload in workloads.iter_mut().filter(|workload| workload.kind == WorkloadKind::Ec2Instance) {
        let Some(profile) = workload.instance_profile.as_deref() else { continue };
        let Some((profile, holders)) = by_profile.get_key_value(profile) else { continue };
        let Some(first) = holders.first() else { continue };
        workload.role = Some((*first).to_owned());
        if holders.len() > 1 {
            // An instance profile holds at most one role: an export that says otherwise
            // cannot say which one the instance runs as.
            workload.incomplete = true;
            if !reported.contains(profile) {
                reported.push(profile);
                issues.push(ImportIssue {
                    file: authz_rel.to_path_buf(),
                    location: "RoleDetailList".into(),
                    message: format!(
                        "instance profile `{profile}` is listed under several roles (`{}`), but holds one: its instances are read as running as `{first}`",
                        holders.join("`, `")
                    ),
                    subject: Some(workload.arn.clone()),
                });
            }
        }
    }
}
