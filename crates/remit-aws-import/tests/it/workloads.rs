//! Workload inventories: every file kind in the shape the AWS CLI prints it (trimmed to the
//! members that matter, plus a few that do not), instance roles resolved through the
//! authorization details, and what malformed files and entries become.

use std::path::Path;

use remit_aws_import::{Workload, WorkloadKind, load, parse_workloads};
use serde_json::{Value, json};

use crate::support::{ACCOUNT, TempDir, authorization_details, describe};

const REGION: &str = "eu-west-1";

fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

/// `aws lambda list-functions`.
pub(crate) fn functions() -> Value {
    json!({"Functions": [
        {
            "FunctionName": "orders-handler",
            "FunctionArn": format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-handler"),
            "Runtime": "python3.12",
            "Role": role("service-role/orders-handler-role"),
            "Handler": "app.handler",
            "CodeSize": 294,
            "Description": "",
            "Timeout": 3,
            "MemorySize": 128,
            "LastModified": "2025-10-01T16:47:28.490+0000",
            "CodeSha256": "sU0cJ2/hOZevwV/lTxCuQqK3gDZP3i8gUoqUUVRmY6E=",
            "Version": "$LATEST",
            "TracingConfig": {"Mode": "PassThrough"},
            "RevisionId": "93017fc9-59cb-41dc-901b-4845ce4bf668",
            "PackageType": "Zip",
            "Architectures": ["x86_64"]
        },
        {
            "FunctionName": "orders-handler",
            "FunctionArn": format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-handler:3"),
            "Role": role("old-role"),
            "Version": "3"
        },
        {
            "FunctionName": "thumbnails",
            "FunctionArn": format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:thumbnails"),
            "Runtime": "nodejs22.x",
            "Role": role("app"),
            "Version": "$LATEST",
            "VpcConfig": {"SubnetIds": [], "VpcId": "", "SecurityGroupIds": []}
        }
    ]})
}

/// `aws ec2 describe-instances`.
pub(crate) fn instances() -> Value {
    json!({"Reservations": [
        {
            "Groups": [],
            "Instances": [
                {
                    "AmiLaunchIndex": 0,
                    "ImageId": "ami-0abcdef1234567890",
                    "InstanceId": "i-1234567890abcdef0",
                    "InstanceType": "t3.micro",
                    "LaunchTime": "2024-03-01T09:00:00+00:00",
                    "Placement": {"AvailabilityZone": "eu-west-1a", "GroupName": "", "Tenancy": "default"},
                    "State": {"Code": 16, "Name": "running"},
                    "IamInstanceProfile": {
                        "Arn": format!("arn:aws:iam::{ACCOUNT}:instance-profile/app-profile"),
                        "Id": "AIPAEXAMPLEAPP"
                    },
                    "Tags": [{"Key": "Name", "Value": "app-1"}, {"Key": "env", "Value": "prod"}]
                },
                {
                    "InstanceId": "i-0fedcba9876543210",
                    "InstanceType": "t3.small",
                    "State": {"Code": 80, "Name": "stopped"}
                }
            ],
            "OwnerId": ACCOUNT,
            "ReservationId": "r-1234567890abcdef0"
        },
        {
            "Groups": [],
            "Instances": [{
                "InstanceId": "i-00000000000000001",
                "State": {"Code": 16, "Name": "running"},
                "IamInstanceProfile": {"Arn": format!("arn:aws:iam::{ACCOUNT}:instance-profile/empty-profile"), "Id": "AIPAEMPTY"}
            }],
            "OwnerId": ACCOUNT,
            "ReservationId": "r-0000000000000000a"
        }
    ]})
}

/// `aws codebuild batch-get-projects`.
pub(crate) fn projects() -> Value {
    json!({
        "projectsNotFound": [],
        "projects": [{
            "name": "build-app",
            "arn": format!("arn:aws:codebuild:{REGION}:{ACCOUNT}:project/build-app"),
            "source": {"type": "NO_SOURCE", "buildspec": "version: 0.2", "insecureSsl": false, "gitCloneDepth": 1},
            "artifacts": {"type": "NO_ARTIFACTS"},
            "cache": {"type": "NO_CACHE"},
            "serviceRole": role("service-role/codebuild-build-app-service-role"),
            "timeoutInMinutes": 60,
            "queuedTimeoutInMinutes": 480,
            "encryptionKey": format!("arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws/s3"),
            "tags": [{"key": "team", "value": "platform"}],
            "created": 1540588091.108,
            "lastModified": 1540588091.108,
            "environment": {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL", "environmentVariables": [], "privilegedMode": false},
            "badge": {"badgeEnabled": false}
        }]
    })
}

/// `aws cloudformation describe-stacks`.
pub(crate) fn stacks() -> Value {
    json!({"Stacks": [
        {
            "StackId": format!("arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/network/a69442d0-0b8f-11e3-8b8a-500150b352e0"),
            "StackName": "network",
            "Description": "VPC",
            "Parameters": [],
            "CreationTime": "2023-08-23T01:02:15.422000+00:00",
            "RollbackConfiguration": {},
            "StackStatus": "UPDATE_COMPLETE",
            "DisableRollback": false,
            "NotificationARNs": [],
            "Capabilities": ["CAPABILITY_NAMED_IAM"],
            "RoleARN": role("cfn-exec"),
            "Tags": [{"Key": "owner", "Value": "network-team"}],
            "EnableTerminationProtection": false,
            "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"}
        },
        {
            "StackId": format!("arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/CDKToolkit/0b9e4e80-0b8f-11e3-8b8a-500150b352e0"),
            "StackName": "CDKToolkit",
            "CreationTime": "2023-08-23T01:02:15.422000+00:00",
            "StackStatus": "CREATE_COMPLETE",
            "Tags": []
        }
    ]})
}

/// `aws glue get-dev-endpoints`.
pub(crate) fn dev_endpoints() -> Value {
    json!({"DevEndpoints": [{
        "EndpointName": "etl-dev",
        "RoleArn": role("service-role/AWSGlueServiceRole-dev"),
        "SecurityGroupIds": [],
        "YarnEndpointAddress": "10.0.1.10",
        "PrivateAddress": "10.0.1.10",
        "ZeppelinRemoteSparkInterpreterPort": 0,
        "Status": "READY",
        "WorkerType": "Standard",
        "GlueVersion": "1.0",
        "NumberOfWorkers": 5,
        "CreatedTimestamp": "2024-01-01T00:00:00+00:00"
    }]})
}

/// `aws sagemaker describe-notebook-instance`, filed as `Research-Notebook.json`.
pub(crate) fn notebook() -> Value {
    json!({
        "NotebookInstanceArn": format!("arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/research-notebook"),
        "NotebookInstanceName": "Research-Notebook",
        "NotebookInstanceStatus": "InService",
        "Url": "research-notebook.notebook.eu-west-1.sagemaker.aws",
        "InstanceType": "ml.t3.medium",
        "RoleArn": role("service-role/AmazonSageMaker-ExecutionRole"),
        "LastModifiedTime": "2024-01-01T00:00:00+00:00",
        "CreationTime": "2024-01-01T00:00:00+00:00",
        "DirectInternetAccess": "Enabled",
        "VolumeSizeInGB": 5,
        "RootAccess": "Enabled",
        "PlatformIdentifier": "notebook-al2-v2"
    })
}

/// `aws apprunner describe-service`, filed as `python-app.json`.
pub(crate) fn apprunner_service() -> Value {
    json!({"Service": {
        "ServiceName": "python-app",
        "ServiceId": "8fe1e10304f84fd2b0df550fe98a71fa",
        "ServiceArn": format!("arn:aws:apprunner:{REGION}:{ACCOUNT}:service/python-app/8fe1e10304f84fd2b0df550fe98a71fa"),
        "ServiceUrl": "psbqam834h.eu-west-1.awsapprunner.com",
        "CreatedAt": "2020-11-20T19:05:25+00:00",
        "UpdatedAt": "2020-11-20T19:05:25+00:00",
        "Status": "RUNNING",
        "SourceConfiguration": {"AutoDeploymentsEnabled": true},
        "InstanceConfiguration": {"Cpu": "1024", "Memory": "2048", "InstanceRoleArn": role("apprunner-instance")}
    }})
}

/// `aws ecs describe-tasks`, two clusters' outputs merged.
pub(crate) fn tasks() -> Value {
    let task = |cluster: &str, id: &str, definition: &str, exec: bool, overrides: Value| {
        json!({
            "taskArn": format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task/{cluster}/{id}"),
            "clusterArn": format!("arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{cluster}"),
            "taskDefinitionArn": format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{definition}"),
            "overrides": overrides,
            "lastStatus": "RUNNING",
            "desiredStatus": "RUNNING",
            "cpu": "256",
            "memory": "512",
            "containers": [],
            "enableExecuteCommand": exec,
            "launchType": "FARGATE",
            "createdAt": "2023-11-28T11:10:49.299000-05:00",
            "tags": [{"key": "service", "value": "web"}]
        })
    };
    json!({
        "tasks": [
            task("web", "c524291ae4154100b601a543108b193a", "webserver:5", true, json!({"containerOverrides": [{"name": "web"}]})),
            task("web", "d524291ae4154100b601a543108b193b", "webserver:5", false,
                 json!({"containerOverrides": [], "taskRoleArn": role("override-role")})),
            task("batch", "e524291ae4154100b601a543108b193c", "no-role:1", false, json!({"containerOverrides": []})),
        ],
        "failures": []
    })
}

/// `aws ecs describe-task-definition`.
fn task_definition(family: &str, revision: u32, task_role: Option<&str>) -> Value {
    let mut definition = json!({
        "taskDefinitionArn": format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family}:{revision}"),
        "containerDefinitions": [{"name": "web", "image": "nginx", "essential": true}],
        "family": family,
        "executionRoleArn": role("ecsTaskExecutionRole"),
        "networkMode": "awsvpc",
        "revision": revision,
        "status": "ACTIVE",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512"
    });
    if let (Some(task_role), Some(map)) = (task_role, definition.as_object_mut()) {
        map.insert("taskRoleArn".into(), json!(role(task_role)));
    }
    json!({"taskDefinition": definition, "tags": []})
}

/// Every inventory file of one region of `ACCOUNT`, with its authorization details.
fn write_inventory(dir: &TempDir) {
    let base = format!("accounts/{ACCOUNT}");
    dir.write_json(&format!("{base}/authorization-details.json"), &authorization_details(ACCOUNT));
    let region = format!("{base}/{REGION}");
    dir.write_json(&format!("{region}/lambda/functions.list.json"), &functions());
    dir.write_json(&format!("{region}/ec2/instances.json"), &instances());
    dir.write_json(&format!("{region}/codebuild/projects.json"), &projects());
    dir.write_json(&format!("{region}/cloudformation/stacks.json"), &stacks());
    dir.write_json(&format!("{region}/glue/dev-endpoints.json"), &dev_endpoints());
    dir.write_json(&format!("{region}/sagemaker/notebook-instances/Research-Notebook.json"), &notebook());
    dir.write_json(&format!("{region}/apprunner/services/python-app.json"), &apprunner_service());
    dir.write_json(&format!("{region}/ecs/tasks.json"), &tasks());
    dir.write_json(
        &format!("{region}/ecs/task-definitions/webserver-5.json"),
        &task_definition("webserver", 5, Some("web-task")),
    );
    dir.write_json(&format!("{region}/ecs/task-definitions/no-role-1.json"), &task_definition("no-role", 1, None));
}

/// (name, kind, role, state) of each workload, for readable assertions.
fn summary(workloads: &[Workload]) -> Vec<(String, &'static str, Option<String>, Option<String>)> {
    workloads.iter().map(|w| (w.name.clone(), w.kind.as_str(), w.role.clone(), w.state.clone())).collect()
}

#[test]
fn every_inventory_file_kind() {
    let dir = TempDir::new("workloads");
    write_inventory(&dir);
    let env = load(dir.path()).unwrap();
    assert!(env.issues.is_empty(), "{:#?}", describe(&env.issues));
    let account = &env.accounts[0];
    assert_eq!(account.workloads_collected, WorkloadKind::ALL);
    // The list of functions is not a function's policy.
    assert!(account.resources.is_empty(), "{:?}", account.resources.iter().map(|r| &r.arn).collect::<Vec<_>>());

    let arns: Vec<&str> = account.workloads.iter().map(|w| w.arn.as_str()).collect();
    let mut sorted = arns.clone();
    sorted.sort_unstable();
    assert_eq!(arns, sorted, "sorted by ARN");
    let s = |text: &str| Some(text.to_owned());
    let mut got = summary(&account.workloads);
    got.sort();
    assert_eq!(
        got,
        [
            ("CDKToolkit".into(), "cloudformation-stack", None, s("CREATE_COMPLETE")),
            (
                "Research-Notebook".into(),
                "sagemaker-notebook-instance",
                s(&role("service-role/AmazonSageMaker-ExecutionRole")),
                s("InService")
            ),
            ("build-app".into(), "codebuild-project", s(&role("service-role/codebuild-build-app-service-role")), None),
            ("c524291ae4154100b601a543108b193a".into(), "ecs-task", s(&role("web-task")), s("RUNNING")),
            ("d524291ae4154100b601a543108b193b".into(), "ecs-task", s(&role("override-role")), s("RUNNING")),
            ("e524291ae4154100b601a543108b193c".into(), "ecs-task", None, s("RUNNING")),
            ("etl-dev".into(), "glue-dev-endpoint", s(&role("service-role/AWSGlueServiceRole-dev")), s("READY")),
            // The instance profile's role, from the role's `InstanceProfileList`.
            ("i-00000000000000001".into(), "ec2-instance", None, s("running")),
            ("i-0fedcba9876543210".into(), "ec2-instance", None, s("stopped")),
            ("i-1234567890abcdef0".into(), "ec2-instance", s(&role("service-role/app")), s("running")),
            ("network".into(), "cloudformation-stack", s(&role("cfn-exec")), s("UPDATE_COMPLETE")),
            ("orders-handler".into(), "lambda-function", s(&role("service-role/orders-handler-role")), None),
            ("python-app".into(), "apprunner-service", s(&role("apprunner-instance")), s("RUNNING")),
            ("thumbnails".into(), "lambda-function", s(&role("app")), None),
        ]
    );
    assert!(account.workloads.iter().all(|w| !w.incomplete && w.region == REGION));

    let instance = account.workload(&format!("arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-1234567890abcdef0")).unwrap();
    assert_eq!(
        instance.instance_profile.as_deref(),
        Some(format!("arn:aws:iam::{ACCOUNT}:instance-profile/app-profile").as_str())
    );
    assert_eq!(instance.tags, [("Name".to_owned(), "app-1".to_owned()), ("env".to_owned(), "prod".to_owned())]);
    assert_eq!(instance.source, Path::new(&format!("accounts/{ACCOUNT}/{REGION}/ec2/instances.json")));
    // A profile no role holds: no role, and no issue (an instance profile may be empty).
    let empty = account.workload(&format!("arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-00000000000000001")).unwrap();
    assert!(empty.instance_profile.is_some() && empty.role.is_none());

    let task =
        account.workload(&format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task/web/c524291ae4154100b601a543108b193a")).unwrap();
    let attribute = |name: &str| task.attributes.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
    assert_eq!(attribute("EnableExecuteCommand"), Some("true"));
    assert_eq!(attribute("Cluster"), Some(format!("arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/web").as_str()));
    assert_eq!(task.tags, [("service".to_owned(), "web".to_owned())]);
    let project = account.workload(&format!("arn:aws:codebuild:{REGION}:{ACCOUNT}:project/build-app")).unwrap();
    assert_eq!(project.tags, [("team".to_owned(), "platform".to_owned())]);
    // Published versions are not workloads of their own: their code cannot change.
    assert!(!arns.iter().any(|arn| arn.ends_with(":3")));
    let glue = account.workload(&format!("arn:aws:glue:{REGION}:{ACCOUNT}:devEndpoint/etl-dev")).unwrap();
    assert_eq!(glue.source, Path::new(&format!("accounts/{ACCOUNT}/{REGION}/glue/dev-endpoints.json")));
}

#[test]
fn kinds_without_a_file_are_not_collected() {
    let dir = TempDir::new("workloads-some");
    dir.write_json(&format!("accounts/{ACCOUNT}/authorization-details.json"), &authorization_details(ACCOUNT));
    dir.write_json(&format!("accounts/{ACCOUNT}/{REGION}/lambda/functions.list.json"), &json!({"Functions": []}));
    dir.write_json(&format!("accounts/{ACCOUNT}/us-east-1/ec2/instances.json"), &instances());
    // A directory of per-workload files that is empty: collected, none there.
    std::fs::create_dir_all(dir.path().join(format!("accounts/{ACCOUNT}/us-east-1/sagemaker/notebook-instances")))
        .unwrap();
    let env = load(dir.path()).unwrap();
    assert!(env.issues.is_empty(), "{:#?}", describe(&env.issues));
    let account = &env.accounts[0];
    assert_eq!(
        account.workloads_collected,
        [WorkloadKind::LambdaFunction, WorkloadKind::Ec2Instance, WorkloadKind::SageMakerNotebook]
    );
    assert_eq!(account.workloads.len(), 3);
    // An account with none of them has collected none.
    let dir = TempDir::new("workloads-none");
    dir.write_json(&format!("accounts/{ACCOUNT}/authorization-details.json"), &authorization_details(ACCOUNT));
    let env = load(dir.path()).unwrap();
    assert!(env.accounts[0].workloads_collected.is_empty() && env.accounts[0].workloads.is_empty());
}

#[test]
fn malformed_entries_are_issues_at_their_json_path_and_the_rest_imports() {
    let dir = TempDir::new("workloads-bad");
    let region = format!("accounts/{ACCOUNT}/{REGION}");
    dir.write_json(&format!("accounts/{ACCOUNT}/authorization-details.json"), &authorization_details(ACCOUNT));
    let mut functions = functions();
    functions["Functions"][0]["Role"] = json!(42);
    functions["Functions"][2]["FunctionArn"] = json!(format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:thumbnails"));
    functions["NextMarker"] = json!("token");
    dir.write_json(&format!("{region}/lambda/functions.list.json"), &functions);
    let mut instances = instances();
    instances["Reservations"][0]["Instances"][1] = json!("i-123");
    instances["Reservations"][1]["OwnerId"] = json!("999999999999");
    dir.write_json(&format!("{region}/ec2/instances.json"), &instances);
    let mut projects = projects();
    projects["projects"][0].as_object_mut().unwrap().remove("serviceRole");
    dir.write_json(&format!("{region}/codebuild/projects.json"), &projects);
    dir.write(&format!("{region}/cloudformation/stacks.json"), "{\"Stacks\": [");
    dir.write_json(&format!("{region}/glue/dev-endpoints.json"), &json!({"DevEndpoints": {"EndpointName": "x"}}));
    let mut notebook = notebook();
    notebook["NotebookInstanceName"] = json!("other");
    dir.write_json(&format!("{region}/sagemaker/notebook-instances/Research-Notebook.json"), &notebook);
    dir.write_json(&format!("{region}/apprunner/services/python-app.json"), &json!({"ServiceArn": "x"}));
    dir.write_json(&format!("{region}/ecs/tasks.json"), &tasks());
    // No task definition for `no-role:1`.
    dir.write_json(
        &format!("{region}/ecs/task-definitions/webserver-5.json"),
        &task_definition("webserver", 5, Some("web-task")),
    );

    let env = load(dir.path()).unwrap();
    let issues: Vec<String> = describe(&env.issues);
    let expected = [
        format!(
            "{region}/lambda/functions.list.json @ NextMarker: the output is truncated: later pages were not collected"
        ),
        format!("{region}/lambda/functions.list.json @ Functions[0].Role: expected a string, found a number"),
        format!(
            "{region}/lambda/functions.list.json @ Functions[2].FunctionArn: `arn:aws:lambda:us-east-1:{ACCOUNT}:function:thumbnails` is not the ARN of a lambda `function` of account `{ACCOUNT}` in `{REGION}`, where the file is (ignored)"
        ),
        format!("{region}/ec2/instances.json @ Reservations[0].Instances[1]: expected an object, found a string"),
        format!(
            "{region}/ec2/instances.json @ Reservations[1].OwnerId: instances of account `999999999999`, filed under account `{ACCOUNT}` (ignored)"
        ),
        format!("{region}/codebuild/projects.json @ projects[0].serviceRole: missing: the role it runs as is unknown"),
        format!("{region}/cloudformation/stacks.json @ line 1 column 12: not valid JSON: EOF while parsing a list"),
        format!("{region}/glue/dev-endpoints.json @ DevEndpoints: expected an array, found an object"),
        format!(
            "{region}/sagemaker/notebook-instances/Research-Notebook.json @ NotebookInstanceName: `other` is not the notebook instance `Research-Notebook` of the file name"
        ),
        format!("{region}/apprunner/services/python-app.json @ Service: missing"),
        format!(
            "{region}/ecs/tasks.json @ tasks[2].taskDefinitionArn: task definition `arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/no-role:1` is not in `task-definitions/`: the task's role is unknown"
        ),
    ];
    assert_eq!(issues, expected);
    let account = &env.accounts[0];
    // Every kind had its file, broken or not.
    assert_eq!(account.workloads_collected, WorkloadKind::ALL);
    let s = |text: &str| Some(text.to_owned());
    let mut got: Vec<(String, Option<String>, bool)> =
        account.workloads.iter().map(|w| (w.name.clone(), w.role.clone(), w.incomplete)).collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("build-app".into(), None, true),
            ("c524291ae4154100b601a543108b193a".into(), s(&role("web-task")), false),
            ("d524291ae4154100b601a543108b193b".into(), s(&role("override-role")), false),
            ("e524291ae4154100b601a543108b193c".into(), None, true),
            ("i-1234567890abcdef0".into(), s(&role("service-role/app")), false),
            ("orders-handler".into(), None, true),
            // The name the output gives, beside the issue.
            ("other".into(), s(&role("service-role/AmazonSageMaker-ExecutionRole")), true),
        ]
    );
    // Issues about an entry name it.
    let role_issue = env.issues.iter().find(|issue| issue.location == "Functions[0].Role").unwrap();
    assert_eq!(
        role_issue.subject.as_deref(),
        Some(format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-handler").as_str())
    );
}

#[test]
fn an_instance_profile_listed_under_two_roles_is_an_issue() {
    let dir = TempDir::new("workloads-profile");
    let mut details = authorization_details(ACCOUNT);
    let mut second = details["RoleDetailList"][0].clone();
    second["RoleName"] = json!("zz-second");
    second["Arn"] = json!(role("zz-second"));
    details["RoleDetailList"].as_array_mut().unwrap().push(second);
    dir.write_json(&format!("accounts/{ACCOUNT}/authorization-details.json"), &details);
    dir.write_json(&format!("accounts/{ACCOUNT}/{REGION}/ec2/instances.json"), &instances());
    let env = load(dir.path()).unwrap();
    assert_eq!(
        describe(&env.issues),
        [format!(
            "accounts/{ACCOUNT}/authorization-details.json @ RoleDetailList: instance profile `arn:aws:iam::{ACCOUNT}:instance-profile/app-profile` is listed under several roles (`{}`, `{}`), but holds one: its instances are read as running as `{}`",
            role("service-role/app"),
            role("zz-second"),
            role("service-role/app")
        )]
    );
    let instance = &env.accounts[0].workloads.iter().find(|w| w.name == "i-1234567890abcdef0").unwrap();
    assert!(instance.incomplete && instance.role == Some(role("service-role/app")));
}

#[test]
fn workloads_listed_twice_are_kept_once() {
    let mut tasks = tasks();
    let first = tasks["tasks"][0].clone();
    tasks["tasks"].as_array_mut().unwrap().push(first);
    let (workloads, issues) = parse_workloads(
        WorkloadKind::EcsTask,
        &serde_json::to_vec(&json!([tasks])).unwrap(),
        Path::new("tasks.json"),
        ACCOUNT,
        REGION,
    );
    assert_eq!(workloads.len(), 3);
    let issues = describe(&issues);
    // Without task definitions, tasks that take their role from theirs have it unknown.
    assert_eq!(issues.len(), 4, "{issues:#?}");
    assert_eq!(
        issues[3],
        format!(
            "tasks.json @ [0].tasks[3]: `arn:aws:ecs:{REGION}:{ACCOUNT}:task/web/c524291ae4154100b601a543108b193a` is listed more than once: the first listing is kept"
        )
    );
}

#[test]
fn partitions_come_from_the_region() {
    let instances =
        json!({"Reservations": [{"OwnerId": ACCOUNT, "Instances": [{"InstanceId": "i-0123456789abcdef0"}]}]});
    let (workloads, issues) = parse_workloads(
        WorkloadKind::Ec2Instance,
        &serde_json::to_vec(&instances).unwrap(),
        Path::new("instances.json"),
        ACCOUNT,
        "cn-north-1",
    );
    assert!(issues.is_empty());
    assert_eq!(workloads[0].arn, format!("arn:aws-cn:ec2:cn-north-1:{ACCOUNT}:instance/i-0123456789abcdef0"));
    let endpoints =
        json!({"DevEndpoints": [{"EndpointName": "dev", "RoleArn": "arn:aws-us-gov:iam::111111111111:role/glue"}]});
    let (workloads, _) = parse_workloads(
        WorkloadKind::GlueDevEndpoint,
        &serde_json::to_vec(&endpoints).unwrap(),
        Path::new("dev-endpoints.json"),
        ACCOUNT,
        "us-gov-west-1",
    );
    assert_eq!(workloads[0].arn, format!("arn:aws-us-gov:glue:us-gov-west-1:{ACCOUNT}:devEndpoint/dev"));
}

#[test]
fn per_workload_files_read_alone() {
    let (workloads, issues) = parse_workloads(
        WorkloadKind::AppRunnerService,
        &serde_json::to_vec(&apprunner_service()).unwrap(),
        Path::new("python-app.json"),
        ACCOUNT,
        REGION,
    );
    assert!(issues.is_empty(), "{:#?}", describe(&issues));
    assert_eq!(workloads[0].role, Some(role("apprunner-instance")));
    let (workloads, issues) =
        parse_workloads(WorkloadKind::SageMakerNotebook, b"\xEF\xBB\xBF[]", Path::new("n.json"), ACCOUNT, REGION);
    assert!(workloads.is_empty());
    assert_eq!(describe(&issues), ["n.json @ : expected an object, found an array"]);
}
