//! The compute already running as the account's roles: Lambda functions, EC2 instances,
//! CodeBuild projects and CloudFormation stacks, written as `aws lambda list-functions`,
//! `aws ec2 describe-instances`, `aws codebuild batch-get-projects` and `aws cloudformation
//! describe-stacks` print them.
//!
//! Privilege escalation does not only create compute with a passed role: updating a function's
//! code, sending a command to an instance, starting a build or updating a stack acts as the
//! role that compute already runs as. Analyses of those techniques need workloads whose roles
//! are known, some of them strong (the legacy account's administrator Lambda role runs a
//! function; its administrator EC2 role runs an instance; the CDK execution role deploys
//! stacks).
//!
//! Everything here is drawn from a stream of its own (`"workloads"`, the account's index) and
//! read from the finished plan, never from the account's stream: the files generated before
//! workloads existed stay byte for byte what they were for every seed.

use std::io;

use serde_json::{Value, json};

use crate::aws_org::{
    model::{AccountPlan, Role, RoleKind, SVC_CODEBUILD, Trusted, Workload, WorkloadKind},
    names::COMPONENTS,
    out::{DAY, Out, iso},
    rng::Rng,
    world::{AccountSpec, World, past},
};

const LAMBDA: Trusted = Trusted::Service("lambda.amazonaws.com");

/// The workloads of an account whose IAM and resources are planned.
pub(super) fn build(world: &World, spec: &AccountSpec, plan: &AccountPlan) -> Vec<Workload> {
    let mut rng = Rng::new(world.seed, "workloads", spec.index as u64);
    let mut out = Vec::new();
    functions(&mut rng, world, spec, plan, &mut out);
    instances(&mut rng, world, spec, plan, &mut out);
    projects(&mut rng, world, spec, plan, &mut out);
    stacks(&mut rng, world, spec, plan, &mut out);
    out
}

/// The `app` tag of a role, which application roles carry.
fn app_of(role: &Role) -> Option<&str> {
    role.tags.iter().find(|(key, _)| key == "app").map(|(_, value)| value.as_str())
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (idx, b)| acc | u32::from(*b) << (16 - 8 * idx));
        for idx in 0..4 {
            if idx <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * idx) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A code hash as Lambda prints it: the SHA-256 of the package, in base64.
fn code_sha256(rng: &mut Rng) -> String {
    let bytes: Vec<u8> = (0..32).map(|_| rng.range(0, 255) as u8).collect();
    base64(&bytes)
}

/// Lambda's `LastModified`: `2026-02-11T08:15:02.123+0000`.
fn lambda_time(rng: &mut Rng, epoch: i64) -> String {
    let text = iso(epoch);
    format!("{}.{:03}+0000", text.get(..19).unwrap_or(&text), rng.range(0, 999))
}

/// Lambda functions: every function of the account's resources (those with a policy and those
/// without), a few more without a policy, and one for each planted Lambda role.
fn functions(rng: &mut Rng, world: &World, spec: &AccountSpec, plan: &AccountPlan, out: &mut Vec<Workload>) {
    let account = spec.id.as_str();
    let region = spec.region;
    let lambda_roles: Vec<&Role> = plan.roles.iter().filter(|role| role.trust.trusted.contains(&LAMBDA)).collect();
    let applications: Vec<&Role> =
        lambda_roles.iter().copied().filter(|role| role.kind == RoleKind::Application).collect();
    let mut taken: Vec<String> = Vec::new();
    let mut listed: Vec<(String, Option<String>, i64, String)> = Vec::new();
    let role_for = |rng: &mut Rng, app: &str| -> Option<String> {
        let own: Vec<&&Role> = applications.iter().filter(|role| app_of(role) == Some(app)).collect();
        let role = if own.is_empty() {
            if applications.is_empty() {
                (!lambda_roles.is_empty()).then(|| *rng.pick(&lambda_roles))
            } else {
                Some(*rng.pick(&applications))
            }
        } else {
            Some(**rng.pick(&own))
        };
        role.map(|role| role.arn(account))
    };
    let app_of_function = |name: &str| -> String {
        COMPONENTS.iter().find_map(|component| name.strip_suffix(&format!("-{component}"))).unwrap_or(name).to_owned()
    };
    for resource in plan.resources.iter().filter(|r| r.kind == crate::aws_org::model::ResourceKind::Function) {
        let role = role_for(rng, &app_of_function(&resource.name));
        taken.push(resource.name.clone());
        listed.push((resource.name.clone(), role, resource.extra.created, resource.extra.revision.clone()));
    }
    let apps: Vec<String> = applications.iter().filter_map(|role| app_of(role)).map(str::to_owned).collect();
    let extra = if apps.is_empty() { 0 } else { rng.range(1, (spec.profile.functions / 3).max(2)) };
    for _ in 0..extra {
        let app = rng.pick(&apps).clone();
        let component = *rng.pick(COMPONENTS);
        let name = unique(&mut taken, format!("{app}-{component}"));
        let role = role_for(rng, &app);
        let created = past(rng, world.now, 5, 1500);
        let revision = rng.uuid();
        listed.push((name, role, created, revision));
    }
    // The planted Lambda roles run functions too: updating their code acts as them.
    for role in lambda_roles.iter().filter(|role| role.kind == RoleKind::Planted) {
        let stem = role.name.trim_end_matches("-lambda-role").trim_end_matches("-role");
        let name = unique(&mut taken, stem.to_owned());
        let created = past(rng, world.now, 5, 900);
        let revision = rng.uuid();
        listed.push((name, Some(role.arn(account)), created, revision));
    }
    for (name, role, created, revision) in listed {
        let arn = format!("arn:aws:lambda:{region}:{account}:function:{name}");
        // Every Lambda function has a role; one whose role is gone still names it.
        let role_arn = match &role {
            Some(role) => role.clone(),
            None => format!("arn:aws:iam::{account}:role/service-role/{name}-role-{}", rng.lower_alnum(8)),
        };
        let (runtime, handler) = *rng.pick(&[
            ("python3.12", "app.handler"),
            ("python3.11", "lambda_function.lambda_handler"),
            ("nodejs20.x", "index.handler"),
            ("nodejs22.x", "index.handler"),
            ("java21", "com.example.Handler::handleRequest"),
            ("provided.al2023", "bootstrap"),
        ]);
        let modified = created + rng.range_i64(0, (world.now - created).max(0));
        let entry = json!({
            "FunctionName": name,
            "FunctionArn": arn,
            "Runtime": runtime,
            "Role": role_arn,
            "Handler": handler,
            "CodeSize": rng.range(300, 30_000_000),
            "Description": "",
            "Timeout": *rng.pick(&[3, 10, 30, 60, 300, 900]),
            "MemorySize": *rng.pick(&[128, 256, 512, 1024, 2048]),
            "LastModified": lambda_time(rng, modified),
            "CodeSha256": code_sha256(rng),
            "Version": "$LATEST",
            "TracingConfig": {"Mode": if rng.chance(0.2) { "Active" } else { "PassThrough" }},
            "RevisionId": revision,
            "PackageType": "Zip",
            "Architectures": [if rng.chance(0.3) { "arm64" } else { "x86_64" }],
            "EphemeralStorage": {"Size": 512},
            "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
            "LoggingConfig": {"LogFormat": "Text", "LogGroup": format!("/aws/lambda/{name}")},
        });
        out.push(Workload { kind: WorkloadKind::Function, arn, role: Some(role_arn), state: None, entry });
    }
}

fn unique(taken: &mut Vec<String>, name: String) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{name}-{n}");
        n += 1;
    }
    taken.push(candidate.clone());
    candidate
}

/// EC2 instances: a few for most roles with an instance profile (running or stopped), always
/// one running for a planted one, EKS nodes, and a few without a profile.
fn instances(rng: &mut Rng, world: &World, spec: &AccountSpec, plan: &AccountPlan, out: &mut Vec<Workload>) {
    let account = spec.id.as_str();
    let region = spec.region;
    let vpc = format!("vpc-{}", rng.hex(17));
    let subnets: Vec<String> = (0..3).map(|_| format!("subnet-{}", rng.hex(17))).collect();
    let group = format!("sg-{}", rng.hex(17));
    let mut planned: Vec<(String, Option<&Role>, bool)> = Vec::new();
    for role in plan.roles.iter().filter(|role| role.instance_profile.is_some()) {
        let label = app_of(role).unwrap_or(role.name.as_str()).to_owned();
        let count = match role.kind {
            RoleKind::Planted => 1,
            _ if role.name == "eks-node-role" => rng.range(2, 4),
            _ => [0, 1, 1, 1, 2, 2, 3][rng.range(0, 6)],
        };
        for n in 0..count {
            let running = (role.kind == RoleKind::Planted && n == 0) || rng.chance(0.8);
            planned.push((format!("{label}-{}", n + 1), Some(role), running));
        }
    }
    for n in 0..rng.range(0, 2) {
        planned.push((format!("{}-{}", ["bastion", "legacy-build", "vpn"][n % 3], spec.env), None, rng.chance(0.6)));
    }
    for (name, role, running) in planned {
        let id = format!("i-{}", rng.hex(17));
        let arn = format!("arn:aws:ec2:{region}:{account}:instance/{id}");
        let launched = past(rng, world.now, 1, 700);
        let zone = rng.range(0, 2);
        let ip = format!("10.{}.{}.{}", rng.range(0, 255), rng.range(0, 255), rng.range(4, 254));
        let (code, state, reason) = if running {
            (16, "running", String::new())
        } else {
            let stopped = launched + rng.range_i64(DAY, (world.now - launched).max(DAY + 1));
            let stamp = iso(stopped.min(world.now));
            (
                80,
                "stopped",
                format!("User initiated ({} {} GMT)", stamp.get(..10).unwrap_or(""), stamp.get(11..19).unwrap_or("")),
            )
        };
        let mut entry = json!({
            "AmiLaunchIndex": 0,
            "ImageId": format!("ami-{}", rng.hex(17)),
            "InstanceId": id,
            "InstanceType": *rng.pick(&["t3.micro", "t3.small", "t3.medium", "m5.large", "m6i.xlarge", "c6g.large"]),
            "LaunchTime": iso(launched),
            "Monitoring": {"State": "disabled"},
            "Placement": {"AvailabilityZone": format!("{region}{}", ["a", "b", "c"][zone]), "GroupName": "", "Tenancy": "default"},
            "PrivateDnsName": format!("ip-{}.{region}.compute.internal", ip.replace('.', "-")),
            "PrivateIpAddress": ip,
            "ProductCodes": [],
            "PublicDnsName": "",
            "State": {"Code": code, "Name": state},
            "StateTransitionReason": reason,
            "SubnetId": subnets[zone],
            "VpcId": vpc,
            "Architecture": "x86_64",
            "EbsOptimized": false,
            "EnaSupport": true,
            "Hypervisor": "xen",
        });
        if let (Some(role), Some(map)) = (role, entry.as_object_mut())
            && let Some(profile) = &role.instance_profile
        {
            map.insert(
                "IamInstanceProfile".into(),
                json!({"Arn": format!("arn:aws:iam::{account}:instance-profile/{}", profile.name), "Id": profile.id}),
            );
        }
        if let Some(map) = entry.as_object_mut() {
            map.insert("RootDeviceName".into(), json!("/dev/xvda"));
            map.insert("RootDeviceType".into(), json!("ebs"));
            map.insert("SecurityGroups".into(), json!([{"GroupId": group, "GroupName": "default"}]));
            map.insert("SourceDestCheck".into(), json!(true));
            map.insert(
                "Tags".into(),
                json!([{"Key": "Name", "Value": name}, {"Key": "environment", "Value": spec.env}]),
            );
            map.insert("VirtualizationType".into(), json!("hvm"));
            map.insert(
                "MetadataOptions".into(),
                json!({"State": "applied", "HttpTokens": if rng.chance(0.85) { "required" } else { "optional" }, "HttpPutResponseHopLimit": 2, "HttpEndpoint": "enabled", "HttpProtocolIpv6": "disabled", "InstanceMetadataTags": "disabled"}),
            );
        }
        out.push(Workload {
            kind: WorkloadKind::Instance,
            arn,
            role: role.map(|role| role.arn(account)),
            state: Some(state),
            entry,
        });
    }
}

/// CodeBuild projects: most roles CodeBuild may assume build a project, at least one.
fn projects(rng: &mut Rng, world: &World, spec: &AccountSpec, plan: &AccountPlan, out: &mut Vec<Workload>) {
    let account = spec.id.as_str();
    let region = spec.region;
    let roles: Vec<&Role> = plan.roles.iter().filter(|role| role.trust.services() & SVC_CODEBUILD != 0).collect();
    let mut taken = Vec::new();
    for (idx, role) in roles.iter().enumerate() {
        if idx > 0 && !rng.chance(0.6) {
            continue;
        }
        let label = app_of(role).unwrap_or(role.name.as_str()).to_owned();
        let name = unique(&mut taken, format!("{label}-{}", rng.pick(&["build", "test", "release", "package"])));
        let arn = format!("arn:aws:codebuild:{region}:{account}:project/{name}");
        let created = past(rng, world.now, 10, 1500);
        let modified = created + rng.range_i64(0, (world.now - created).max(0));
        let entry = json!({
            "name": name,
            "arn": arn,
            "source": {
                "type": "GITHUB",
                "location": format!("https://github.com/{}/{label}.git", world.company),
                "gitCloneDepth": 1,
                "buildspec": "buildspec.yml",
                "reportBuildStatus": true,
                "insecureSsl": false
            },
            "secondarySources": [],
            "secondarySourceVersions": [],
            "artifacts": {"type": "NO_ARTIFACTS"},
            "secondaryArtifacts": [],
            "cache": {"type": "NO_CACHE"},
            "environment": {
                "type": "LINUX_CONTAINER",
                "image": "aws/codebuild/amazonlinux2-x86_64-standard:5.0",
                "computeType": "BUILD_GENERAL1_SMALL",
                "environmentVariables": [],
                "privilegedMode": rng.chance(0.3),
                "imagePullCredentialsType": "CODEBUILD"
            },
            "serviceRole": role.arn(account),
            "timeoutInMinutes": 60,
            "queuedTimeoutInMinutes": 480,
            "encryptionKey": format!("arn:aws:kms:{region}:{account}:alias/aws/s3"),
            "tags": [{"key": "app", "value": label}],
            "created": iso(created),
            "lastModified": iso(modified),
            "badge": {"badgeEnabled": false},
            "logsConfig": {"cloudWatchLogs": {"status": "ENABLED"}, "s3Logs": {"status": "DISABLED", "encryptionDisabled": false}},
            "projectVisibility": "PRIVATE"
        });
        out.push(Workload { kind: WorkloadKind::Project, arn, role: Some(role.arn(account)), state: None, entry });
    }
}

/// CloudFormation stacks: where CDK is bootstrapped, the toolkit stack and the applications'
/// stacks, deployed with the CDK execution role; elsewhere a stack or two deployed with the
/// caller's own credentials.
fn stacks(rng: &mut Rng, world: &World, spec: &AccountSpec, plan: &AccountPlan, out: &mut Vec<Workload>) {
    let account = spec.id.as_str();
    let region = spec.region;
    let exec = plan.roles.iter().find(|role| {
        role.kind == RoleKind::Cdk && role.trust.trusted.contains(&Trusted::Service("cloudformation.amazonaws.com"))
    });
    let mut names: Vec<(String, Option<String>)> = Vec::new();
    match exec {
        Some(exec) => {
            names.push(("CDKToolkit".into(), None));
            let apps: Vec<&str> = plan.roles.iter().filter_map(app_of).collect();
            let mut taken = Vec::new();
            for _ in 0..rng.range(1, 3) {
                let Some(app) = (!apps.is_empty()).then(|| *rng.pick(&apps)) else { break };
                let stack: String = app
                    .split('-')
                    .map(|word| {
                        let mut chars = word.chars();
                        chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
                    })
                    .collect();
                let name = unique(&mut taken, format!("{stack}Stack"));
                names.push((name, Some(exec.arn(account))));
            }
        }
        None => {
            for idx in 0..rng.range(0, 2) {
                names.push(([format!("{}-baseline", spec.env), "monitoring".to_owned()][idx].clone(), None));
            }
        }
    }
    for (name, role) in names {
        let arn = format!("arn:aws:cloudformation:{region}:{account}:stack/{name}/{}", rng.uuid());
        let created = past(rng, world.now, 10, 1200);
        let updated = rng.chance(0.7).then(|| created + rng.range_i64(0, (world.now - created).max(0)));
        let state = if updated.is_some() { "UPDATE_COMPLETE" } else { "CREATE_COMPLETE" };
        let mut entry = json!({
            "StackId": arn,
            "StackName": name,
            "Description": if role.is_some() || name == "CDKToolkit" { "Deployed with the AWS CDK" } else { "Account baseline" },
            "CreationTime": iso(created),
        });
        if let Some(map) = entry.as_object_mut() {
            if let Some(updated) = updated {
                map.insert("LastUpdatedTime".into(), json!(iso(updated)));
            }
            map.insert("RollbackConfiguration".into(), json!({}));
            map.insert("StackStatus".into(), json!(state));
            map.insert("DisableRollback".into(), json!(false));
            map.insert("NotificationARNs".into(), json!([]));
            map.insert("Capabilities".into(), json!(["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]));
            if let Some(role) = &role {
                map.insert("RoleARN".into(), json!(role));
            }
            map.insert("Tags".into(), json!([]));
            map.insert("EnableTerminationProtection".into(), json!(name == "CDKToolkit"));
            map.insert("DriftInformation".into(), json!({"StackDriftStatus": "NOT_CHECKED"}));
        }
        out.push(Workload { kind: WorkloadKind::Stack, arn, role, state: Some(state), entry });
    }
}

/// Writes an account's inventory files, one per kind in the account's region, every kind
/// present (an empty list says that the kind was collected and there is none).
pub(super) fn write(out: &mut Out, plan: &AccountPlan, region: &str) -> io::Result<()> {
    let dir = format!("accounts/{}/{region}", plan.id);
    let entries = |kind: WorkloadKind| -> Vec<Value> {
        plan.workloads.iter().filter(|w| w.kind == kind).map(|w| w.entry.clone()).collect()
    };
    out.json(&format!("{dir}/lambda/functions.list.json"), &json!({"Functions": entries(WorkloadKind::Function)}))?;
    let reservations: Vec<Value> = plan
        .workloads
        .iter()
        .filter(|w| w.kind == WorkloadKind::Instance)
        .map(|w| {
            let id = w.entry.get("InstanceId").and_then(Value::as_str).unwrap_or_default();
            json!({"Groups": [], "Instances": [w.entry], "OwnerId": plan.id, "ReservationId": format!("r-{}", id.trim_start_matches("i-"))})
        })
        .collect();
    out.json(&format!("{dir}/ec2/instances.json"), &json!({"Reservations": reservations}))?;
    out.json(
        &format!("{dir}/codebuild/projects.json"),
        &json!({"projects": entries(WorkloadKind::Project), "projectsNotFound": []}),
    )?;
    out.json(&format!("{dir}/cloudformation/stacks.json"), &json!({"Stacks": entries(WorkloadKind::Stack)}))?;
    // The kinds the generator makes none of, listed as collected and empty: an analysis then
    // knows there is no Glue development endpoint or ECS task, rather than not knowing.
    out.json(&format!("{dir}/glue/dev-endpoints.json"), &json!({"DevEndpoints": []}))?;
    out.json(&format!("{dir}/ecs/tasks.json"), &json!({"tasks": [], "failures": []}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads_like_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xff; 32]).len(), 44);
    }
}
