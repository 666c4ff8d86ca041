//! Privilege-escalation paths: a graph over users and roles, searched backwards from the
//! administrators.
//!
//! A node is a user or role; an edge `A → B` says A can act as B (assume it, mint its
//! credentials, run code as it); a *terminal* says A can give itself (or a principal it acts
//! as) every permission. Each edge is decided by the engine with every layer (SCPs, the
//! boundary, conditions, resource policies) and the request-context keys the technique sets.
//!
//! The search runs backwards: from the administrators (cost 0) and the terminals, each popped
//! node asks once "who can act as me, by each technique that applies to my kind?" (who-can on
//! one resource, an index lookup plus a few decisions). Only principals that lead to an
//! administrator are ever asked about, so the work follows the risky part of the graph, not
//! its size. Costs order paths by length, then by how many steps are only conditional: the
//! path reported is the shortest, the most certain among the shortest.
//!
//! Techniques come from the literature (Rhino Security Labs' list, pathfinding.cloud's
//! catalogue, PMapper's edge checkers); each names the pathfinding.cloud ids it covers, and
//! `docs/findings.md` lists them.

use std::{
    cmp::Reverse,
    collections::{BinaryHeap, HashMap, HashSet},
    sync::{Arc, Mutex},
};

use rayon::prelude::*;
use remit_aws_analysis::AwsAnalysis;
use remit_aws_import::{Account, AwsEnvironment, WorkloadKind};
use remit_aws_policy::{Effect, Policy, PrincipalType, Principals};
use remit_findings::{Evidence, Finding, FindingId, Kind, PathStep, Reach, Severity};
use remit_model::{Holder, PrincipalKind};

use crate::{
    admin::Admins,
    evidence::{both, how, reach, statements},
    rules,
};

/// What a technique needs and gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TechniqueKind {
    /// `sts:AssumeRole` into a role whose trust admits the principal (the trust graph).
    AssumeRole,
    /// Rewrite a role's trust policy to admit oneself, then assume it.
    UpdateTrust,
    /// Create an access key for a user (and delete one first when it has two).
    AccessKey,
    /// Set a console password for a user without one (`create`), or reset it (`!create`):
    /// only for users without an MFA device, whose console sign-in the password alone opens.
    LoginProfile {
        /// `iam:CreateLoginProfile` rather than `iam:UpdateLoginProfile`.
        create: bool,
    },
    /// Pass a role trusting `service` to new compute one creates with `actions`, and run code
    /// there as the role.
    PassRole {
        /// The service principal the role must trust.
        service: &'static str,
        /// The actions that create and start the compute (beside `iam:PassRole`).
        actions: &'static [&'static str],
        /// EC2 passes roles through instance profiles: the role must have one.
        instance_profile: bool,
    },
    /// Change the code or configuration of existing compute running as a role (no
    /// `iam:PassRole` needed: the role is already attached).
    Workload {
        /// The service principal such roles trust.
        service: &'static str,
        /// What runs as the role (`Lambda function` ...).
        workload: &'static str,
        /// The actions, each on the workload.
        actions: &'static [&'static str],
        /// EC2 instances carry roles through instance profiles.
        instance_profile: bool,
    },
    /// Give a principal a policy that allows everything: an inline policy, an attached
    /// managed policy (`AdministratorAccess`), or a new default version of a managed policy
    /// it holds.
    Modify {
        /// The IAM action.
        action: &'static str,
    },
    /// Make an older version of a managed policy the principal holds, one that allows
    /// everything, the default.
    SetDefaultVersion,
    /// Add oneself to a group whose policies allow everything.
    AddUserToGroup,
    /// Change the permission set an Identity Center role is provisioned from (its inline
    /// policy, or an attached AdministratorAccess), then provision it.
    EditPermissionSet,
    /// As an Identity Center user (signed in through one of its roles), assign oneself
    /// another permission set in another account, then provision it.
    AssignPermissionSet,
}

/// A privilege-escalation technique.
#[derive(Debug, Clone, Copy)]
pub struct Technique {
    /// Remit's id (`aws-passrole-lambda`), as path steps name it.
    pub id: &'static str,
    /// The pathfinding.cloud ids it covers.
    pub pathfinding: &'static [&'static str],
    /// Its name in the literature (the permissions it uses).
    pub name: &'static str,
    /// What it needs and gives.
    pub kind: TechniqueKind,
}

use TechniqueKind::*;

/// Every technique the analysis searches (`docs/findings.md` describes each).
pub const TECHNIQUES: &[Technique] = &[
    Technique { id: "aws-assume-role", pathfinding: &["sts-001"], name: "sts:AssumeRole", kind: AssumeRole },
    Technique {
        id: "aws-update-assume-role-policy",
        pathfinding: &["iam-012", "iam-019", "iam-020", "iam-021"],
        name: "iam:UpdateAssumeRolePolicy",
        kind: UpdateTrust,
    },
    Technique {
        id: "aws-create-access-key",
        pathfinding: &["iam-002", "iam-003"],
        name: "iam:CreateAccessKey",
        kind: AccessKey,
    },
    Technique {
        id: "aws-create-login-profile",
        pathfinding: &["iam-004"],
        name: "iam:CreateLoginProfile",
        kind: LoginProfile { create: true },
    },
    Technique {
        id: "aws-update-login-profile",
        pathfinding: &["iam-006"],
        name: "iam:UpdateLoginProfile",
        kind: LoginProfile { create: false },
    },
    Technique {
        id: "aws-put-user-policy",
        pathfinding: &["iam-007", "iam-018"],
        name: "iam:PutUserPolicy",
        kind: Modify { action: "iam:PutUserPolicy" },
    },
    Technique {
        id: "aws-attach-user-policy",
        pathfinding: &["iam-008", "iam-015"],
        name: "iam:AttachUserPolicy",
        kind: Modify { action: "iam:AttachUserPolicy" },
    },
    Technique {
        id: "aws-put-role-policy",
        pathfinding: &["iam-005", "iam-017"],
        name: "iam:PutRolePolicy",
        kind: Modify { action: "iam:PutRolePolicy" },
    },
    Technique {
        id: "aws-attach-role-policy",
        pathfinding: &["iam-009", "iam-014"],
        name: "iam:AttachRolePolicy",
        kind: Modify { action: "iam:AttachRolePolicy" },
    },
    Technique {
        id: "aws-put-group-policy",
        pathfinding: &["iam-011"],
        name: "iam:PutGroupPolicy",
        kind: Modify { action: "iam:PutGroupPolicy" },
    },
    Technique {
        id: "aws-attach-group-policy",
        pathfinding: &["iam-010"],
        name: "iam:AttachGroupPolicy",
        kind: Modify { action: "iam:AttachGroupPolicy" },
    },
    Technique {
        id: "aws-create-policy-version",
        pathfinding: &["iam-001", "iam-016"],
        name: "iam:CreatePolicyVersion",
        kind: Modify { action: "iam:CreatePolicyVersion" },
    },
    Technique {
        id: "aws-set-default-policy-version",
        pathfinding: &[],
        name: "iam:SetDefaultPolicyVersion",
        kind: SetDefaultVersion,
    },
    Technique {
        id: "aws-add-user-to-group",
        pathfinding: &["iam-013"],
        name: "iam:AddUserToGroup",
        kind: AddUserToGroup,
    },
    Technique {
        id: "aws-sso-edit-permission-set",
        pathfinding: &[],
        name: "sso:PutInlinePolicyToPermissionSet (or AttachManagedPolicyToPermissionSet) + sso:ProvisionPermissionSet",
        kind: EditPermissionSet,
    },
    Technique {
        id: "aws-sso-assign-permission-set",
        pathfinding: &[],
        name: "sso:CreateAccountAssignment + sso:ProvisionPermissionSet",
        kind: AssignPermissionSet,
    },
    Technique {
        id: "aws-passrole-lambda-invoke",
        pathfinding: &["lambda-001"],
        name: "iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction",
        kind: PassRole {
            service: "lambda.amazonaws.com",
            actions: &["lambda:CreateFunction", "lambda:InvokeFunction"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-lambda-event-source",
        pathfinding: &["lambda-002"],
        name: "iam:PassRole + lambda:CreateFunction + lambda:CreateEventSourceMapping",
        kind: PassRole {
            service: "lambda.amazonaws.com",
            actions: &["lambda:CreateFunction", "lambda:CreateEventSourceMapping"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-lambda-add-permission",
        pathfinding: &["lambda-006"],
        name: "iam:PassRole + lambda:CreateFunction + lambda:AddPermission",
        kind: PassRole {
            service: "lambda.amazonaws.com",
            actions: &["lambda:CreateFunction", "lambda:AddPermission"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-ec2",
        pathfinding: &["ec2-001"],
        name: "iam:PassRole + ec2:RunInstances",
        kind: PassRole { service: "ec2.amazonaws.com", actions: &["ec2:RunInstances"], instance_profile: true },
    },
    Technique {
        id: "aws-passrole-ec2-spot",
        pathfinding: &["ec2-003"],
        name: "iam:PassRole + ec2:RequestSpotInstances",
        kind: PassRole { service: "ec2.amazonaws.com", actions: &["ec2:RequestSpotInstances"], instance_profile: true },
    },
    Technique {
        id: "aws-passrole-cloudformation",
        pathfinding: &["cloudformation-001"],
        name: "iam:PassRole + cloudformation:CreateStack",
        kind: PassRole {
            service: "cloudformation.amazonaws.com",
            actions: &["cloudformation:CreateStack"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-cloudformation-stackset",
        pathfinding: &["cloudformation-003"],
        name: "iam:PassRole + cloudformation:CreateStackSet + cloudformation:CreateStackInstances",
        kind: PassRole {
            service: "cloudformation.amazonaws.com",
            actions: &["cloudformation:CreateStackSet", "cloudformation:CreateStackInstances"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-cloudformation-update-stackset",
        pathfinding: &["cloudformation-004"],
        name: "iam:PassRole + cloudformation:UpdateStackSet",
        kind: PassRole {
            service: "cloudformation.amazonaws.com",
            actions: &["cloudformation:UpdateStackSet"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-cloudformation-changeset",
        pathfinding: &["cloudformation-005"],
        name: "iam:PassRole + cloudformation:CreateChangeSet + cloudformation:ExecuteChangeSet",
        kind: PassRole {
            service: "cloudformation.amazonaws.com",
            actions: &["cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-codebuild",
        pathfinding: &["codebuild-001"],
        name: "iam:PassRole + codebuild:CreateProject + codebuild:StartBuild",
        kind: PassRole {
            service: "codebuild.amazonaws.com",
            actions: &["codebuild:CreateProject", "codebuild:StartBuild"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-codebuild-batch",
        pathfinding: &["codebuild-004"],
        name: "iam:PassRole + codebuild:CreateProject + codebuild:StartBuildBatch",
        kind: PassRole {
            service: "codebuild.amazonaws.com",
            actions: &["codebuild:CreateProject", "codebuild:StartBuildBatch"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-datapipeline",
        pathfinding: &["datapipeline-001"],
        name: "iam:PassRole + datapipeline:CreatePipeline + datapipeline:PutPipelineDefinition + datapipeline:ActivatePipeline",
        kind: PassRole {
            service: "datapipeline.amazonaws.com",
            actions: &[
                "datapipeline:CreatePipeline",
                "datapipeline:PutPipelineDefinition",
                "datapipeline:ActivatePipeline",
            ],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-glue-dev-endpoint",
        pathfinding: &["glue-001"],
        name: "iam:PassRole + glue:CreateDevEndpoint",
        kind: PassRole { service: "glue.amazonaws.com", actions: &["glue:CreateDevEndpoint"], instance_profile: false },
    },
    Technique {
        id: "aws-passrole-glue-job",
        pathfinding: &["glue-003"],
        name: "iam:PassRole + glue:CreateJob + glue:StartJobRun",
        kind: PassRole {
            service: "glue.amazonaws.com",
            actions: &["glue:CreateJob", "glue:StartJobRun"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-glue-job-trigger",
        pathfinding: &["glue-004"],
        name: "iam:PassRole + glue:CreateJob + glue:CreateTrigger",
        kind: PassRole {
            service: "glue.amazonaws.com",
            actions: &["glue:CreateJob", "glue:CreateTrigger"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-glue-update-job",
        pathfinding: &["glue-005"],
        name: "iam:PassRole + glue:UpdateJob + glue:StartJobRun",
        kind: PassRole {
            service: "glue.amazonaws.com",
            actions: &["glue:UpdateJob", "glue:StartJobRun"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-glue-update-job-trigger",
        pathfinding: &["glue-006"],
        name: "iam:PassRole + glue:UpdateJob + glue:CreateTrigger",
        kind: PassRole {
            service: "glue.amazonaws.com",
            actions: &["glue:UpdateJob", "glue:CreateTrigger"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-sagemaker-notebook",
        pathfinding: &["sagemaker-001"],
        name: "iam:PassRole + sagemaker:CreateNotebookInstance",
        kind: PassRole {
            service: "sagemaker.amazonaws.com",
            actions: &["sagemaker:CreateNotebookInstance"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-sagemaker-training",
        pathfinding: &["sagemaker-002"],
        name: "iam:PassRole + sagemaker:CreateTrainingJob",
        kind: PassRole {
            service: "sagemaker.amazonaws.com",
            actions: &["sagemaker:CreateTrainingJob"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-sagemaker-processing",
        pathfinding: &["sagemaker-003"],
        name: "iam:PassRole + sagemaker:CreateProcessingJob",
        kind: PassRole {
            service: "sagemaker.amazonaws.com",
            actions: &["sagemaker:CreateProcessingJob"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-ecs-service",
        pathfinding: &["ecs-001", "ecs-003"],
        name: "iam:PassRole + ecs:RegisterTaskDefinition + ecs:CreateService",
        kind: PassRole {
            service: "ecs-tasks.amazonaws.com",
            actions: &["ecs:RegisterTaskDefinition", "ecs:CreateService"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-ecs-run-task",
        pathfinding: &["ecs-002", "ecs-004"],
        name: "iam:PassRole + ecs:RegisterTaskDefinition + ecs:RunTask",
        kind: PassRole {
            service: "ecs-tasks.amazonaws.com",
            actions: &["ecs:RegisterTaskDefinition", "ecs:RunTask"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-ecs-start-task",
        pathfinding: &["ecs-005"],
        name: "iam:PassRole + ecs:RegisterTaskDefinition + ecs:StartTask",
        kind: PassRole {
            service: "ecs-tasks.amazonaws.com",
            actions: &["ecs:RegisterTaskDefinition", "ecs:StartTask"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-apprunner",
        pathfinding: &["apprunner-001"],
        name: "iam:PassRole + apprunner:CreateService",
        kind: PassRole {
            service: "tasks.apprunner.amazonaws.com",
            actions: &["apprunner:CreateService"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-bedrock-code-interpreter",
        pathfinding: &["bedrock-001"],
        name: "iam:PassRole + bedrock-agentcore:CreateCodeInterpreter + StartCodeInterpreterSession + InvokeCodeInterpreter",
        kind: PassRole {
            service: "bedrock-agentcore.amazonaws.com",
            actions: &[
                "bedrock-agentcore:CreateCodeInterpreter",
                "bedrock-agentcore:StartCodeInterpreterSession",
                "bedrock-agentcore:InvokeCodeInterpreter",
            ],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-passrole-step-functions",
        pathfinding: &[],
        name: "iam:PassRole + states:CreateStateMachine + states:StartExecution",
        kind: PassRole {
            service: "states.amazonaws.com",
            actions: &["states:CreateStateMachine", "states:StartExecution"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-lambda-update-code",
        pathfinding: &["lambda-003", "lambda-004", "lambda-005"],
        name: "lambda:UpdateFunctionCode",
        kind: Workload {
            service: "lambda.amazonaws.com",
            workload: "Lambda function",
            actions: &["lambda:UpdateFunctionCode"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-ssm-send-command",
        pathfinding: &["ssm-002"],
        name: "ssm:SendCommand",
        kind: Workload {
            service: "ec2.amazonaws.com",
            workload: "EC2 instance",
            actions: &["ssm:SendCommand"],
            instance_profile: true,
        },
    },
    Technique {
        id: "aws-ssm-start-session",
        pathfinding: &["ssm-001"],
        name: "ssm:StartSession",
        kind: Workload {
            service: "ec2.amazonaws.com",
            workload: "EC2 instance",
            actions: &["ssm:StartSession"],
            instance_profile: true,
        },
    },
    Technique {
        id: "aws-ec2-instance-connect",
        pathfinding: &["ec2instanceconnect-003"],
        name: "ec2-instance-connect:SendSSHPublicKey",
        kind: Workload {
            service: "ec2.amazonaws.com",
            workload: "EC2 instance",
            actions: &["ec2-instance-connect:SendSSHPublicKey"],
            instance_profile: true,
        },
    },
    Technique {
        id: "aws-ec2-user-data",
        pathfinding: &["ec2-002"],
        name: "ec2:ModifyInstanceAttribute + ec2:StopInstances + ec2:StartInstances",
        kind: Workload {
            service: "ec2.amazonaws.com",
            workload: "EC2 instance",
            actions: &["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"],
            instance_profile: true,
        },
    },
    Technique {
        id: "aws-codebuild-start-build",
        pathfinding: &["codebuild-002", "codebuild-003"],
        name: "codebuild:StartBuild (buildspec override)",
        kind: Workload {
            service: "codebuild.amazonaws.com",
            workload: "CodeBuild project",
            actions: &["codebuild:StartBuild"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-cloudformation-update-stack",
        pathfinding: &["cloudformation-002"],
        name: "cloudformation:UpdateStack",
        kind: Workload {
            service: "cloudformation.amazonaws.com",
            workload: "CloudFormation stack",
            actions: &["cloudformation:UpdateStack"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-cloudformation-change-set",
        pathfinding: &[],
        name: "cloudformation:CreateChangeSet + cloudformation:ExecuteChangeSet (existing stack)",
        kind: Workload {
            service: "cloudformation.amazonaws.com",
            workload: "CloudFormation stack",
            actions: &["cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-ec2-launch-template",
        pathfinding: &["ec2-004"],
        name: "ec2:CreateLaunchTemplateVersion + ec2:ModifyLaunchTemplate",
        kind: Workload {
            service: "ec2.amazonaws.com",
            workload: "launch template (of an Auto Scaling group)",
            actions: &["ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"],
            instance_profile: true,
        },
    },
    Technique {
        id: "aws-bedrock-code-interpreter",
        pathfinding: &["bedrock-002"],
        name: "bedrock-agentcore:StartCodeInterpreterSession + bedrock-agentcore:InvokeCodeInterpreter",
        kind: Workload {
            service: "bedrock-agentcore.amazonaws.com",
            workload: "Bedrock AgentCore code interpreter",
            actions: &["bedrock-agentcore:StartCodeInterpreterSession", "bedrock-agentcore:InvokeCodeInterpreter"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-sagemaker-lifecycle-config",
        pathfinding: &["sagemaker-005"],
        name: "sagemaker:CreateNotebookInstanceLifecycleConfig + StopNotebookInstance + UpdateNotebookInstance + StartNotebookInstance",
        kind: Workload {
            service: "sagemaker.amazonaws.com",
            workload: "SageMaker notebook instance",
            actions: &[
                "sagemaker:CreateNotebookInstanceLifecycleConfig",
                "sagemaker:StopNotebookInstance",
                "sagemaker:UpdateNotebookInstance",
                "sagemaker:StartNotebookInstance",
            ],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-glue-update-dev-endpoint",
        pathfinding: &["glue-002"],
        name: "glue:UpdateDevEndpoint",
        kind: Workload {
            service: "glue.amazonaws.com",
            workload: "Glue development endpoint",
            actions: &["glue:UpdateDevEndpoint"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-sagemaker-presigned-notebook-url",
        pathfinding: &["sagemaker-004"],
        name: "sagemaker:CreatePresignedNotebookInstanceUrl",
        kind: Workload {
            service: "sagemaker.amazonaws.com",
            workload: "SageMaker notebook instance",
            actions: &["sagemaker:CreatePresignedNotebookInstanceUrl"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-apprunner-update-service",
        pathfinding: &["apprunner-002"],
        name: "apprunner:UpdateService",
        kind: Workload {
            service: "tasks.apprunner.amazonaws.com",
            workload: "App Runner service",
            actions: &["apprunner:UpdateService"],
            instance_profile: false,
        },
    },
    Technique {
        id: "aws-ecs-execute-command",
        pathfinding: &["ecs-006"],
        name: "ecs:ExecuteCommand",
        kind: Workload {
            service: "ecs-tasks.amazonaws.com",
            workload: "ECS task",
            actions: &["ecs:ExecuteCommand"],
            instance_profile: false,
        },
    },
];

fn technique(id: &str) -> &'static Technique {
    TECHNIQUES.iter().find(|t| t.id == id).unwrap_or(&TECHNIQUES[0])
}

/// One permission a step uses: an action on a resource, with the context keys it sets.
#[derive(Debug, Clone)]
struct Permission {
    action: &'static str,
    resource: String,
    context: Vec<(&'static str, String)>,
}

impl Permission {
    fn new(action: &'static str, resource: &str) -> Permission {
        Permission { action, resource: resource.to_owned(), context: Vec::new() }
    }

    fn with(mut self, key: &'static str, value: &str) -> Permission {
        self.context.push((key, value.to_owned()));
        self
    }

    fn context(&self) -> Vec<(&str, &str)> {
        self.context.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }

    fn describe(&self) -> String {
        match self.context.is_empty() {
            true => format!("{} on {}", self.action, self.resource),
            false => {
                let keys: Vec<String> = self.context.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("{} on {} ({})", self.action, self.resource, keys.join(", "))
            }
        }
    }
}

/// A step: `from` uses `technique` on `to` (a principal; `from` itself for a change to its
/// own permissions).
#[derive(Debug, Clone)]
struct Step {
    from: String,
    to: String,
    technique: &'static Technique,
    permissions: Vec<Permission>,
    reach: Reach,
    /// Facts the step rests on (the trust, the instance profile, the workload).
    facts: Vec<Evidence>,
    description: String,
}

/// How a node reaches an administrator: its first steps (one, or two for "change another
/// principal's permissions, then act as it"), then the node they lead to (none: the steps
/// end at an administrator's power).
#[derive(Debug, Clone)]
struct Route {
    cost: u64,
    steps: Vec<Step>,
    next: Option<String>,
}

/// The most versions AWS keeps of a managed policy.
/// https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicyVersion.html
const MAX_POLICY_VERSIONS: usize = 5;

/// Path costs: steps first, then conditional steps.
const STEP: u64 = 1000;

fn cost_of(steps: &[Step]) -> u64 {
    steps.iter().map(|s| STEP + u64::from(!s.reach.is_allowed())).sum()
}

/// What the environment says about each principal that techniques read.
struct Facts<'e> {
    /// Accounts by id.
    accounts: HashMap<&'e str, &'e Account>,
    /// Managed policies by ARN (customer-managed of every account, and AWS-managed).
    policies: HashMap<&'e str, &'e remit_aws_import::ManagedPolicy>,
    /// Groups by (account, name).
    groups: HashMap<(&'e str, &'e str), &'e remit_aws_import::Group>,
    /// Roles by ARN.
    roles: HashMap<&'e str, &'e remit_aws_import::Role>,
    /// Users by ARN.
    users: HashMap<&'e str, &'e remit_aws_import::User>,
    /// Credential-report rows by user ARN.
    report: HashMap<&'e str, &'e remit_aws_import::CredentialReportRow>,
    /// IAM Identity Center, when collected.
    identity_center: Option<&'e remit_aws_import::IdentityCenter>,
    /// The organization, when the bundle has one.
    organization: Option<&'e remit_aws_import::Organization>,
}

impl<'e> Facts<'e> {
    fn new(env: &'e AwsEnvironment) -> Facts<'e> {
        let mut facts = Facts {
            accounts: HashMap::new(),
            policies: HashMap::new(),
            groups: HashMap::new(),
            roles: HashMap::new(),
            users: HashMap::new(),
            report: HashMap::new(),
            identity_center: env.identity_center.as_ref(),
            organization: env.organization.as_ref(),
        };
        for account in &env.accounts {
            facts.accounts.insert(&account.id, account);
            for p in &account.managed_policies {
                facts.policies.entry(&p.arn).or_insert(p);
            }
            for g in &account.groups {
                facts.groups.insert((&account.id, &g.name), g);
            }
            for r in &account.roles {
                facts.roles.insert(&r.arn, r);
            }
            for u in &account.users {
                facts.users.insert(&u.arn, u);
            }
            for row in &account.credential_report {
                facts.report.insert(&row.arn, row);
            }
        }
        facts
    }

    fn account_of(&self, arn: &str) -> &'e str {
        let id = arn.split(':').nth(4).unwrap_or_default();
        self.accounts.get(id).map_or("", |a| a.id.as_str())
    }

    fn partition_of(&self, arn: &str) -> &'e str {
        self.accounts.get(self.account_of(arn)).map_or("aws", |a| a.partition.as_str())
    }

    fn report_field(&self, user: &str, field: &str) -> Option<&'e str> {
        let row = self.report.get(user)?;
        row.fields.iter().find(|(k, _)| k == field).map(|(_, v)| v.as_str())
    }

    fn report_collected(&self, user: &str) -> bool {
        self.accounts.get(self.account_of(user)).is_some_and(|a| a.credential_report_collected)
    }

    /// The groups (ARNs) a user is in.
    fn groups_of(&self, user: &str) -> Vec<&'e remit_aws_import::Group> {
        let account = self.account_of(user);
        let Some(u) = self.users.get(user) else { return Vec::new() };
        u.groups.iter().filter_map(|name| self.groups.get(&(account, name.as_str())).copied()).collect()
    }

    /// The managed policies attached to a principal, directly or through its groups, that a
    /// customer can change (customer-managed).
    fn customer_policies_of(&self, principal: &str) -> Vec<&'e remit_aws_import::ManagedPolicy> {
        let mut arns: Vec<&str> = Vec::new();
        if let Some(u) = self.users.get(principal) {
            arns.extend(u.attached_policies.iter().map(String::as_str));
            for g in self.groups_of(principal) {
                arns.extend(g.attached_policies.iter().map(String::as_str));
            }
        }
        if let Some(r) = self.roles.get(principal) {
            arns.extend(r.attached_policies.iter().map(String::as_str));
        }
        arns.sort_unstable();
        arns.dedup();
        arns.into_iter().filter_map(|a| self.policies.get(a).copied()).filter(|p| !p.aws_managed).collect()
    }

    /// The principal's permissions boundary: `Ok(None)` without one, `Err` when it cannot be
    /// read (an unknown principal, a boundary policy not in the export).
    fn boundary(&self, analysis: &AwsAnalysis, principal: &str) -> Result<Option<&'e Policy>, ()> {
        match analysis.boundary_of(principal) {
            Ok(None) => Ok(None),
            Ok(Some(arn)) => self.policies.get(arn).and_then(|p| p.document.as_ref()).map(Some).ok_or(()),
            Err(_) => Err(()),
        }
    }

    /// True when the principal's permissions boundary (if any) limits nothing.
    fn boundary_is_open(&self, analysis: &AwsAnalysis, principal: &str) -> bool {
        self.boundary(analysis, principal).is_ok_and(|b| b.is_none_or(allows_everything))
    }

    /// The account that holds the Identity Center instance: the organization's management
    /// account, or the bundle's only account.
    fn identity_center_account(&self) -> Option<&'e str> {
        self.identity_center?;
        match self.organization {
            Some(org) => Some(org.management_account.as_str()),
            None if self.accounts.len() == 1 => self.accounts.keys().next().copied(),
            None => None,
        }
    }

    /// The permission set an Identity Center role (`AWSReservedSSO_<set>_<suffix>` under
    /// `/aws-reserved/sso.amazonaws.com/`) is provisioned from.
    /// https://docs.aws.amazon.com/singlesignon/latest/userguide/using-service-linked-roles.html
    fn permission_set_of(&self, role: &str) -> Option<&'e remit_aws_import::PermissionSet> {
        let record = self.roles.get(role)?;
        if !record.path.starts_with("/aws-reserved/sso.amazonaws.com/") {
            return None;
        }
        let (name, _) = record.name.strip_prefix("AWSReservedSSO_")?.rsplit_once('_')?;
        self.identity_center?.permission_sets.iter().find(|ps| ps.name == name)
    }

    /// True when the principal's permissions boundary allows every IAM action on every
    /// resource (so a policy allowing everything lets it remove the boundary).
    fn boundary_allows_iam(&self, analysis: &AwsAnalysis, principal: &str) -> bool {
        self.boundary(analysis, principal).is_ok_and(|b| b.is_some_and(allows_iam))
    }

    /// True when a group's own policies (inline and attached) allow everything, or every IAM
    /// action (its members can then grant themselves everything).
    fn group_allows_everything(&self, group: &remit_aws_import::Group) -> bool {
        group.inline_policies.iter().filter_map(|p| p.document.as_ref()).any(allows_iam)
            || group
                .attached_policies
                .iter()
                .filter_map(|a| self.policies.get(a.as_str()).and_then(|p| p.document.as_ref()))
                .any(allows_iam)
    }

    /// The managed policies of `subject`'s account (and `AdministratorAccess`) that allow
    /// everything: what an attach can give.
    fn open_policies(&self, subject: &str) -> Vec<String> {
        let partition = self.partition_of(subject);
        let mut out = vec![format!("arn:{partition}:iam::aws:policy/AdministratorAccess")];
        if let Some(account) = self.accounts.get(self.account_of(subject)) {
            out.extend(
                account
                    .managed_policies
                    .iter()
                    .filter(|p| !p.aws_managed && p.document.as_ref().is_some_and(allows_everything))
                    .map(|p| p.arn.clone()),
            );
        }
        out
    }
}

/// True when a policy has an unconditional `Allow` of every IAM action (`iam:*` or `*`) on
/// every resource, and no `Deny`.
fn allows_iam(policy: &Policy) -> bool {
    allows_on_any(policy, |a| a == "*" || a.eq_ignore_ascii_case("iam:*"))
}

/// True when a policy has an unconditional `Allow` of every action on every resource (as
/// `AdministratorAccess` has) and no `Deny`.
pub(crate) fn allows_everything(policy: &Policy) -> bool {
    allows_on_any(policy, |a| a == "*")
}

/// True when a policy has no `Deny` and an unconditional `Allow` on every resource of an
/// `Action` that `names` accepts.
fn allows_on_any(policy: &Policy, names: impl Fn(&str) -> bool) -> bool {
    let denies = policy.statements.iter().any(|s| s.effect == Effect::Deny);
    !denies
        && policy.statements.iter().any(|s| {
            s.effect == Effect::Allow
                && s.conditions.is_empty()
                && !s.action.negated
                && s.action.values.iter().any(|a| names(a))
                && s.resource.as_ref().is_some_and(|r| !r.negated && r.values.iter().any(|v| v == "*"))
        })
}

/// Services a role's trust policy names as principals (`lambda.amazonaws.com`).
fn trusted_services(role: &remit_aws_import::Role) -> Vec<String> {
    let mut out = Vec::new();
    let Some(trust) = &role.trust_policy else { return out };
    for st in trust.statements.iter().filter(|s| s.effect == Effect::Allow) {
        if let Some(p) = &st.principal
            && !p.negated
            && let Principals::Typed(entries) = &p.values
        {
            for (kind, values) in entries {
                if *kind == PrincipalType::Service {
                    out.extend(values.iter().cloned());
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The search.
struct Search<'a, 'e> {
    analysis: &'a AwsAnalysis,
    facts: Facts<'e>,
    admins: &'a Admins,
    /// Per action, whether some principal that is not an administrator may be allowed it
    /// (who-can is asked only then).
    wanted: Mutex<HashMap<&'static str, bool>>,
    /// Per technique (by id) whose actions need no particular resource, the principals that
    /// can perform all of them on some resource of their account, with the permissions used.
    operators: Mutex<HashMap<&'static str, Arc<Operators>>>,
}

/// The principals that can perform a technique's actions, each with its reach and the
/// permissions used.
type Operators = HashMap<String, (Reach, Vec<Permission>)>;

impl<'a, 'e> Search<'a, 'e> {
    fn wanted(&self, action: &'static str) -> bool {
        if let Some(&w) = self.wanted.lock().ok().and_then(|m| m.get(action).copied()).as_ref() {
            return w;
        }
        let w = self.analysis.identity_may_allow(action).iter().any(|p| !self.admins.contains(&p.id));
        if let Ok(mut m) = self.wanted.lock() {
            m.insert(action, w);
        }
        w
    }

    /// Direct holders of `action` on `resource`, by ARN (administrators left out: they need
    /// no path).
    fn holders(&self, action: &'static str, resource: &str, context: &[(&str, &str)]) -> HashMap<String, Holder> {
        if !self.wanted(action) {
            return HashMap::new();
        }
        match self.analysis.who_can_directly(action, resource, context) {
            Ok(holders) => holders
                .into_iter()
                .filter(|h| !self.admins.contains(&h.principal.id))
                .filter(|h| matches!(h.principal.kind, PrincipalKind::User | PrincipalKind::Role))
                .map(|h| (h.principal.id.clone(), h))
                .collect(),
            Err(_) => HashMap::new(),
        }
    }

    /// The principals that can perform every action of `actions` on some resource of their
    /// own account (the compute they would create, named as they like), cached per technique.
    fn operators(&self, id: &'static str, actions: &'static [&'static str]) -> Arc<Operators> {
        if let Some(found) = self.operators.lock().ok().and_then(|m| m.get(id).cloned()) {
            return found;
        }
        let mut candidates: Option<HashSet<String>> = None;
        for action in actions {
            let may: HashSet<String> = self
                .analysis
                .identity_may_allow(action)
                .iter()
                .filter(|p| !self.admins.contains(&p.id))
                .map(|p| p.id.clone())
                .collect();
            candidates = Some(match candidates {
                None => may,
                Some(c) => c.intersection(&may).cloned().collect(),
            });
        }
        let candidates: Vec<String> = candidates.unwrap_or_default().into_iter().collect();
        let found: HashMap<String, (Reach, Vec<Permission>)> = candidates
            .par_iter()
            .filter_map(|p| {
                let mut reach_all = Reach::allowed();
                let mut used = Vec::new();
                for action in actions {
                    let (r, perm) = self.on_some_resource(p, action)?;
                    reach_all = both(&reach_all, &r);
                    used.push(perm);
                }
                Some((p.clone(), (reach_all, used)))
            })
            .collect();
        let found = Arc::new(found);
        if let Ok(mut m) = self.operators.lock() {
            m.insert(id, Arc::clone(&found));
        }
        found
    }

    /// Whether `principal` can perform `action` on some resource of its own account: each
    /// resource its `Allow` statements name for the action, with wildcards filled in, is
    /// decided until one is allowed.
    fn on_some_resource(&self, principal: &str, action: &'static str) -> Option<(Reach, Permission)> {
        let account = self.facts.account_of(principal);
        let partition = self.facts.partition_of(principal);
        let patterns = self.analysis.allowed_resources(principal, action).ok()?;
        let mut conditional: Option<(Reach, Permission)> = None;
        for pattern in patterns {
            let Some(resource) = instantiate(&pattern, partition, account) else { continue };
            if let Ok(Some(holder)) = self.analysis.can_directly(principal, action, &resource, &[]) {
                let r = reach(&holder.access);
                if r.is_allowed() {
                    return Some((r, Permission::new(action, &resource)));
                }
                conditional.get_or_insert((r, Permission::new(action, &resource)));
            }
        }
        conditional
    }

    /// Every edge into `target` (who can act as it, and how), for the search's next level.
    fn edges_into(&self, target: &str) -> Vec<Step> {
        let Some(principal) = self.analysis.principal(target) else { return Vec::new() };
        let mut steps = Vec::new();
        match principal.kind {
            PrincipalKind::Role => self.edges_into_role(target, &mut steps),
            PrincipalKind::User => self.edges_into_user(target, &mut steps),
            _ => {}
        }
        steps.retain(|s| s.from != target && !self.admins.contains(&s.from));
        steps
    }

    fn edges_into_role(&self, role: &str, steps: &mut Vec<Step>) {
        let analysis = self.analysis;
        let Some(record) = self.facts.roles.get(role) else { return };
        let trust_source = format!("trust policy of {role}");
        // Assuming it.
        if let Ok((inside, _)) = analysis.assumers_directly(role) {
            for h in inside {
                if self.admins.contains(&h.principal.id) {
                    continue;
                }
                steps.push(Step {
                    from: h.principal.id.clone(),
                    to: role.to_owned(),
                    technique: technique("aws-assume-role"),
                    permissions: vec![Permission::new("sts:AssumeRole", role)],
                    reach: reach(&h.access),
                    facts: vec![Evidence::fact(trust_source.clone(), format!("its trust admits it ({})", how(&h)))],
                    description: format!("assumes {role}"),
                });
            }
        }
        // Rewriting its trust policy to admit itself, then assuming it: the assumption is
        // decided under the trust it would write (its own policies, boundary and SCPs still
        // apply: an SCP denying sts:AssumeRole stops the path).
        for (from, h) in self.holders("iam:UpdateAssumeRolePolicy", role, &[]) {
            if self.facts.account_of(&from) != self.facts.account_of(role) {
                continue;
            }
            let trust = serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": from}, "Action": "sts:AssumeRole"}]
            });
            let Ok(trust) = Policy::from_json(&trust, remit_aws_policy::PolicyKind::Trust) else { continue };
            let Ok(Some(assume)) = analysis.can_directly_under(&from, "sts:AssumeRole", role, &trust) else { continue };
            steps.push(Step {
                from,
                to: role.to_owned(),
                technique: technique("aws-update-assume-role-policy"),
                permissions: vec![
                    Permission::new("iam:UpdateAssumeRolePolicy", role),
                    Permission::new("sts:AssumeRole", role),
                ],
                reach: both(&reach(&h.access), &reach(&assume.access)),
                facts: Vec::new(),
                description: format!("rewrites the trust policy of {role} to admit itself, then assumes it"),
            });
        }
        // Assigning its permission set, in its account, to the Identity Center user an actor
        // is signed in as (an actor that is itself an Identity Center role, in the instance's
        // account).
        // https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CreateAccountAssignment.html
        if let Some(ps) = self.facts.permission_set_of(role)
            && let Some(home) = self.facts.identity_center_account()
        {
            for actor in analysis.identity_may_allow("sso:CreateAccountAssignment") {
                let from = actor.id.as_str();
                if from == role
                    || self.admins.contains(from)
                    || self.facts.account_of(from) != home
                    || self.facts.permission_set_of(from).is_none()
                {
                    continue;
                }
                let decided = |action: &str| match analysis.can_directly(from, action, &ps.arn, &[]) {
                    Ok(Some(h)) => Some(reach(&h.access)),
                    _ => None,
                };
                let (Some(assign), Some(provision)) =
                    (decided("sso:CreateAccountAssignment"), decided("sso:ProvisionPermissionSet"))
                else {
                    continue;
                };
                steps.push(Step {
                    from: from.to_owned(),
                    to: role.to_owned(),
                    technique: technique("aws-sso-assign-permission-set"),
                    permissions: vec![
                        Permission::new("sso:CreateAccountAssignment", &ps.arn),
                        Permission::new("sso:ProvisionPermissionSet", &ps.arn),
                    ],
                    reach: both(&assign, &provision),
                    facts: vec![Evidence::fact(
                        format!("permission set {}", ps.arn),
                        format!("{role} is provisioned from it; {from} is an Identity Center user's role"),
                    )],
                    description: format!(
                        "assigns its own Identity Center user the permission set {} in the account of {role}, then signs in as it",
                        ps.name
                    ),
                });
            }
        }
        // Passing it to compute, new or existing.
        let services = trusted_services(record);
        let has_profile = !record.instance_profiles.is_empty();
        for t in TECHNIQUES {
            match t.kind {
                PassRole { service, actions, instance_profile } => {
                    if !services.iter().any(|s| s == service) || (instance_profile && !has_profile) {
                        continue;
                    }
                    let operators = self.operators(t.id, actions);
                    if operators.is_empty() {
                        continue;
                    }
                    let passed_to = passed_to_service(service);
                    let pass = self.holders("iam:PassRole", role, &[("iam:PassedToService", passed_to)]);
                    for (from, h) in pass {
                        if self.facts.account_of(&from) != self.facts.account_of(role) {
                            continue;
                        }
                        let Some((op_reach, used)) = operators.get(&from) else { continue };
                        let mut permissions =
                            vec![Permission::new("iam:PassRole", role).with("iam:PassedToService", passed_to)];
                        permissions.extend(used.iter().cloned());
                        let mut facts = vec![Evidence::fact(trust_source.clone(), format!("trusts {service}"))];
                        if instance_profile {
                            facts.push(Evidence::fact(
                                format!("instance profiles of {role}"),
                                record.instance_profiles.join(", "),
                            ));
                        }
                        steps.push(Step {
                            from,
                            to: role.to_owned(),
                            technique: t,
                            permissions,
                            reach: both(&reach(&h.access), op_reach),
                            facts,
                            description: format!(
                                "creates compute that runs as {role} ({}) and runs its own code there",
                                t.name
                            ),
                        });
                    }
                }
                Workload { service, workload, actions, instance_profile } => {
                    let kind = workload_kind(t.id);
                    let account = self.facts.accounts.get(self.facts.account_of(role));
                    let collected = account.is_some_and(|a| kind.is_some_and(|k| a.workloads_collected.contains(&k)));
                    if collected {
                        // The workloads that run as the role: whoever can perform every action
                        // on one of them (SSM and Instance Connect need it running).
                        let needs_running = matches!(
                            t.id,
                            "aws-ssm-send-command" | "aws-ssm-start-session" | "aws-ec2-instance-connect"
                        );
                        let running_as = account.into_iter().flat_map(|a| a.workloads.iter()).filter(|w| {
                            Some(w.kind) == kind
                                && w.role.as_deref() == Some(role)
                                && !(needs_running && w.state.as_deref().is_some_and(|s| s != "running"))
                        });
                        for w in running_as {
                            let mut met: Option<HashMap<String, (Reach, Vec<Permission>)>> = None;
                            for action in actions {
                                let holders = self.holders(action, &w.arn, &[]);
                                met = Some(
                                    holders
                                        .into_iter()
                                        .filter_map(|(from, h)| {
                                            let (before, mut used) = match &met {
                                                None => (Reach::allowed(), Vec::new()),
                                                Some(m) => m.get(&from)?.clone(),
                                            };
                                            used.push(Permission::new(action, &w.arn));
                                            Some((from, (both(&before, &reach(&h.access)), used)))
                                        })
                                        .collect(),
                                );
                            }
                            for (from, (r, used)) in met.unwrap_or_default() {
                                steps.push(Step {
                                    from,
                                    to: role.to_owned(),
                                    technique: t,
                                    permissions: used,
                                    reach: r,
                                    facts: vec![Evidence::fact(
                                        w.source.display().to_string(),
                                        format!("{} runs as {role}", w.arn),
                                    )],
                                    description: format!(
                                        "changes {workload} {} running as {role} ({}) to run its code",
                                        w.arn, t.name
                                    ),
                                });
                            }
                        }
                        continue;
                    }
                    if !services.iter().any(|s| s == service) || (instance_profile && !has_profile) {
                        continue;
                    }
                    // The workloads running as the role are not collected: anyone who can
                    // change such a workload anywhere in the account may reach the role,
                    // on the condition that one runs as it.
                    let operators = self.operators(t.id, actions);
                    for (from, (op_reach, used)) in operators.iter() {
                        if self.facts.account_of(from) != self.facts.account_of(role) {
                            continue;
                        }
                        let condition = format!("a {workload} runs as {role} (workloads not collected)");
                        let mut conditions = vec![condition];
                        conditions.extend(op_reach.conditions.iter().cloned());
                        steps.push(Step {
                            from: from.clone(),
                            to: role.to_owned(),
                            technique: t,
                            permissions: used.clone(),
                            reach: Reach::conditional(conditions),
                            facts: vec![Evidence::fact(trust_source.clone(), format!("trusts {service}"))],
                            description: format!("changes a {workload} running as {role} ({}) to run its code", t.name),
                        });
                    }
                }
                _ => {}
            }
        }
    }

    fn edges_into_user(&self, user: &str, steps: &mut Vec<Step>) {
        let report = self.facts.report_collected(user);
        let field = |f: &str| self.facts.report_field(user, f);
        let active_keys =
            ["access_key_1_active", "access_key_2_active"].iter().filter(|f| field(f) == Some("true")).count();
        let create = self.holders("iam:CreateAccessKey", user, &[]);
        let delete = match active_keys >= 2 {
            true => Some(self.holders("iam:DeleteAccessKey", user, &[])),
            false => None,
        };
        for (from, h) in create {
            let mut permissions = vec![Permission::new("iam:CreateAccessKey", user)];
            let mut r = reach(&h.access);
            let mut facts = Vec::new();
            if let Some(delete) = &delete {
                let Some(d) = delete.get(&from) else { continue };
                permissions.push(Permission::new("iam:DeleteAccessKey", user));
                r = both(&r, &reach(&d.access));
                facts.push(Evidence::fact(
                    "credential report",
                    "the user has two active access keys: one must go first",
                ));
            }
            steps.push(Step {
                from,
                to: user.to_owned(),
                technique: technique("aws-create-access-key"),
                permissions,
                reach: r,
                facts,
                description: format!("creates an access key for {user}"),
            });
        }
        // Console passwords open the console only for users without MFA.
        let mfa = field("mfa_active");
        let password = field("password_enabled");
        for create in [true, false] {
            let action = if create { "iam:CreateLoginProfile" } else { "iam:UpdateLoginProfile" };
            let applies = match (mfa, password) {
                (Some("true"), _) => continue,
                (Some(_), Some(p)) => (p == "true") != create,
                _ => true,
            };
            if !applies {
                continue;
            }
            let id = if create { "aws-create-login-profile" } else { "aws-update-login-profile" };
            for (from, h) in self.holders(action, user, &[]) {
                let mut r = reach(&h.access);
                if !report || mfa.is_none() {
                    let state = if create { "no console password" } else { "a console password" };
                    r = both(
                        &r,
                        &Reach::conditional(vec![format!(
                            "{user} has {state} and no MFA device (credential report not collected)"
                        )]),
                    );
                }
                steps.push(Step {
                    from,
                    to: user.to_owned(),
                    technique: technique(id),
                    permissions: vec![Permission::new(action, user)],
                    reach: r,
                    facts: vec![Evidence::fact("credential report", "the user has no MFA device")],
                    description: format!("sets the console password of {user} and signs in as it"),
                });
            }
        }
    }

    /// The ways `principal` can give itself every permission (routes of one step), or give them
    /// to a principal it can act as in one step, then act as it (two steps).
    fn terminals(&self, principal: &str) -> Vec<Vec<Step>> {
        let mut out = Vec::new();
        let Some(p) = self.analysis.principal(principal) else { return out };
        let kind = p.kind;
        // Its own permissions.
        for step in self.modifications(principal, principal, kind) {
            out.push(vec![step]);
        }
        // A role it can assume, whose permissions it can change.
        if let Ok(roles) = self.analysis.assumes_directly(principal) {
            for h in roles {
                let role = h.principal.id.clone();
                for step in self.modifications(principal, &role, PrincipalKind::Role) {
                    let assume = Step {
                        from: principal.to_owned(),
                        to: role.clone(),
                        technique: technique("aws-assume-role"),
                        permissions: vec![Permission::new("sts:AssumeRole", &role)],
                        reach: reach(&h.access),
                        facts: Vec::new(),
                        description: format!("assumes {role}"),
                    };
                    out.push(vec![step, assume]);
                }
            }
        }
        out
    }

    /// How `actor` can give `subject` (itself, or a role it assumes) every permission: each a
    /// step from `actor` to `subject`. A subject under a permissions boundary that limits
    /// something gains only what the boundary allows, so it needs the boundary removed too.
    fn modifications(&self, actor: &str, subject: &str, kind: PrincipalKind) -> Vec<Step> {
        let mut out = Vec::new();
        let analysis = self.analysis;
        let decide = |action: &'static str, resource: &str, context: &[(&str, &str)]| -> Option<Reach> {
            if !self.wanted(action) {
                return None;
            }
            match analysis.can_directly(actor, action, resource, context) {
                Ok(Some(h)) => Some(reach(&h.access)),
                _ => None,
            }
        };
        // The boundary: open, or removable.
        let (boundary_reach, boundary_perm) = if self.facts.boundary_is_open(analysis, subject) {
            (Reach::allowed(), None)
        } else {
            let action = match kind {
                PrincipalKind::User => "iam:DeleteUserPermissionsBoundary",
                _ => "iam:DeleteRolePermissionsBoundary",
            };
            match decide(action, subject, &[]) {
                Some(r) => (r, Some(Permission::new(action, subject))),
                // A boundary that allows IAM writes lets the policy written next remove it:
                // the subject then holds the policy's IAM writes, and the boundary's removal
                // among them.
                None if self.facts.boundary_allows_iam(analysis, subject) => {
                    (Reach::allowed(), Some(Permission::new(action, subject)))
                }
                None => return out,
            }
        };
        let partition = self.facts.partition_of(subject);
        let admin_policy = format!("arn:{partition}:iam::aws:policy/AdministratorAccess");
        let mut push = |t: &'static str, used: Vec<Permission>, r: Reach, facts: Vec<Evidence>, description: String| {
            let mut permissions = used;
            permissions.extend(boundary_perm.clone());
            out.push(Step {
                from: actor.to_owned(),
                to: subject.to_owned(),
                technique: technique(t),
                permissions,
                reach: both(&r, &boundary_reach),
                facts,
                description,
            });
        };
        let (put, attach) = match kind {
            PrincipalKind::User => ("iam:PutUserPolicy", "iam:AttachUserPolicy"),
            _ => ("iam:PutRolePolicy", "iam:AttachRolePolicy"),
        };
        let who = if actor == subject { "itself".to_owned() } else { subject.to_owned() };
        if let Some(r) = decide(put, subject, &[]) {
            let t = if kind == PrincipalKind::User { "aws-put-user-policy" } else { "aws-put-role-policy" };
            push(
                t,
                vec![Permission::new(put, subject)],
                r,
                Vec::new(),
                format!("writes an inline policy allowing everything on {who}"),
            );
        }
        let open = self.facts.open_policies(subject);
        if let Some((policy, r)) =
            open.iter().find_map(|p| decide(attach, subject, &[("iam:PolicyARN", p.as_str())]).map(|r| (p, r)))
        {
            let t = if kind == PrincipalKind::User { "aws-attach-user-policy" } else { "aws-attach-role-policy" };
            push(
                t,
                vec![Permission::new(attach, subject).with("iam:PolicyARN", policy)],
                r,
                Vec::new(),
                format!("attaches {policy}, which allows everything, to {who}"),
            );
        }
        // The permission set an Identity Center role is provisioned from, changed from the
        // instance's account (provisioning pushes it to every account it is assigned in).
        // https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsetsconcept.html
        if kind == PrincipalKind::Role
            && let Some(ps) = self.facts.permission_set_of(subject)
            && self.facts.identity_center_account() == Some(self.facts.account_of(actor))
        {
            let edit = decide("sso:PutInlinePolicyToPermissionSet", &ps.arn, &[])
                .map(|r| ("sso:PutInlinePolicyToPermissionSet", r))
                .or_else(|| {
                    decide("sso:AttachManagedPolicyToPermissionSet", &ps.arn, &[])
                        .map(|r| ("sso:AttachManagedPolicyToPermissionSet", r))
                });
            if let Some((action, r)) = edit
                && let Some(provision) = decide("sso:ProvisionPermissionSet", &ps.arn, &[])
            {
                push(
                    "aws-sso-edit-permission-set",
                    vec![Permission::new(action, &ps.arn), Permission::new("sso:ProvisionPermissionSet", &ps.arn)],
                    both(&r, &provision),
                    vec![Evidence::fact(
                        format!("permission set {}", ps.arn),
                        format!("{subject} is provisioned from it"),
                    )],
                    format!(
                        "changes the permission set {} ({}) to allow everything and provisions it to {who}",
                        ps.name, ps.arn
                    ),
                );
            }
        }
        if kind == PrincipalKind::User {
            for g in self.facts.groups_of(subject) {
                if let Some(r) = decide("iam:PutGroupPolicy", &g.arn, &[]) {
                    push(
                        "aws-put-group-policy",
                        vec![Permission::new("iam:PutGroupPolicy", &g.arn)],
                        r,
                        vec![Evidence::fact(format!("group {}", g.arn), format!("{subject} is a member"))],
                        format!("writes an inline policy allowing everything on its group {}", g.arn),
                    );
                }
                if let Some(r) = decide("iam:AttachGroupPolicy", &g.arn, &[("iam:PolicyARN", admin_policy.as_str())]) {
                    push(
                        "aws-attach-group-policy",
                        vec![Permission::new("iam:AttachGroupPolicy", &g.arn).with("iam:PolicyARN", &admin_policy)],
                        r,
                        vec![Evidence::fact(format!("group {}", g.arn), format!("{subject} is a member"))],
                        format!("attaches AdministratorAccess to its group {}", g.arn),
                    );
                }
            }
            // Joining a group that allows everything (only oneself: the user is the actor).
            if actor == subject
                && let Some(account) = self.facts.accounts.get(self.facts.account_of(subject))
            {
                let member: HashSet<&str> = self.facts.groups_of(subject).iter().map(|g| g.arn.as_str()).collect();
                for g in account.groups.iter().filter(|g| !member.contains(g.arn.as_str())) {
                    if !self.facts.group_allows_everything(g) {
                        continue;
                    }
                    if let Some(r) = decide("iam:AddUserToGroup", &g.arn, &[]) {
                        push(
                            "aws-add-user-to-group",
                            vec![Permission::new("iam:AddUserToGroup", &g.arn)],
                            r,
                            vec![Evidence::fact(
                                format!("group {}", g.arn),
                                "its policies allow every action on every resource",
                            )],
                            format!("adds itself to {}, whose policies allow every IAM action", g.arn),
                        );
                        break;
                    }
                }
            }
        }
        for policy in self.facts.customer_policies_of(subject) {
            // A managed policy keeps at most five versions: with five, one must be deleted before
            // another is created.
            // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicyVersion.html
            let delete = match policy.versions.len() >= MAX_POLICY_VERSIONS {
                true => decide("iam:DeletePolicyVersion", &policy.arn, &[]).map(Some),
                false => Some(None),
            };
            if let Some(delete) = delete
                && let Some(r) = decide("iam:CreatePolicyVersion", &policy.arn, &[])
            {
                let mut used = vec![Permission::new("iam:CreatePolicyVersion", &policy.arn)];
                let mut facts = vec![Evidence::fact(
                    format!("policy {}", policy.arn),
                    format!("attached to {subject} (or its group)"),
                )];
                let r = match delete {
                    Some(d) => {
                        used.push(Permission::new("iam:DeletePolicyVersion", &policy.arn));
                        facts.push(Evidence::fact(
                            format!("policy {}", policy.arn),
                            "it has five versions, the most AWS keeps: one must be deleted first",
                        ));
                        both(&r, &d)
                    }
                    None => r,
                };
                push(
                    "aws-create-policy-version",
                    used,
                    r,
                    facts,
                    format!("creates a new default version allowing everything of {}, which {who} holds", policy.arn),
                );
            }
            let open_version = policy
                .versions
                .iter()
                .find(|(v, doc)| *v != policy.default_version && doc.as_ref().is_some_and(allows_everything));
            if let Some((version, _)) = open_version
                && let Some(r) = decide("iam:SetDefaultPolicyVersion", &policy.arn, &[])
            {
                push(
                    "aws-set-default-policy-version",
                    vec![Permission::new("iam:SetDefaultPolicyVersion", &policy.arn)],
                    r,
                    vec![Evidence::fact(
                        format!("policy {}", policy.arn),
                        format!("its version {version} (not the default) allows everything"),
                    )],
                    format!("makes version {version} of {}, which allows everything, the default", policy.arn),
                );
            }
        }
        out
    }
}

/// The value of `iam:PassedToService` when a role trusting `service` is passed: the service's
/// principal, except where the service that receives the role is not the one the role trusts.
/// App Runner instance roles trust `tasks.apprunner.amazonaws.com`, and App Runner is passed
/// them as `apprunner.amazonaws.com` (as AWS's own AWSAppRunnerFullAccess policy conditions
/// iam:PassRole): https://docs.aws.amazon.com/apprunner/latest/dg/security_iam_service-with-iam.html
fn passed_to_service(service: &str) -> &str {
    match service {
        "tasks.apprunner.amazonaws.com" => "apprunner.amazonaws.com",
        other => other,
    }
}

/// The kind of workload a technique on existing compute changes.
fn workload_kind(technique: &str) -> Option<WorkloadKind> {
    Some(match technique {
        "aws-lambda-update-code" => WorkloadKind::LambdaFunction,
        "aws-ssm-send-command" | "aws-ssm-start-session" | "aws-ec2-instance-connect" | "aws-ec2-user-data" => {
            WorkloadKind::Ec2Instance
        }
        "aws-codebuild-start-build" => WorkloadKind::CodeBuildProject,
        "aws-cloudformation-update-stack" | "aws-cloudformation-change-set" => WorkloadKind::CloudFormationStack,
        "aws-glue-update-dev-endpoint" => WorkloadKind::GlueDevEndpoint,
        "aws-sagemaker-presigned-notebook-url" | "aws-sagemaker-lifecycle-config" => WorkloadKind::SageMakerNotebook,
        "aws-apprunner-update-service" => WorkloadKind::AppRunnerService,
        "aws-ecs-execute-command" => WorkloadKind::EcsTask,
        _ => return None,
    })
}

/// A resource ARN that `pattern` names, in `account` (`None` when the pattern names only other
/// accounts' resources): wildcards filled in (the region with `us-east-1` where it allows it),
/// policy variables left as they are.
fn instantiate(pattern: &str, partition: &str, account: &str) -> Option<String> {
    if pattern == "*" {
        return Some("*".to_owned());
    }
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return None;
    }
    let fill = |s: &str, with: &str| s.replace('*', with).replace('?', "x");
    let matches = |pattern: &str, text: &str| remit_aws_policy::Glob::resource(pattern, false).may_match(text);
    let partition = if matches(parts[1], partition) { partition.to_owned() } else { return None };
    let region = match parts[3] {
        "" => String::new(),
        r if matches(r, "us-east-1") => "us-east-1".to_owned(),
        r => fill(r, "a"),
    };
    let account = match parts[4] {
        "" => String::new(),
        a if matches(a, account) => account.to_owned(),
        _ => return None,
    };
    Some(format!("arn:{partition}:{}:{region}:{account}:{}", fill(parts[2], "x"), fill(parts[5], "remit-probe")))
}

/// The privilege-escalation findings: for every principal that is not an administrator but
/// can become one, the shortest path.
pub(crate) fn findings(analysis: &AwsAnalysis, admins: &Admins) -> Vec<Finding> {
    let env = analysis.environment();
    let search = Search {
        analysis,
        facts: Facts::new(env),
        admins,
        wanted: Mutex::new(HashMap::new()),
        operators: Mutex::new(HashMap::new()),
    };
    let routes = search_routes(&search);
    let mut out: Vec<Finding> = routes
        .par_iter()
        .filter_map(|(principal, _)| {
            let path = path_of(principal, &routes)?;
            Some(finding(&search, principal, &path))
        })
        .collect();
    out.sort_by(|a, b| a.principals.cmp(&b.principals));
    out
}

/// The best route of every principal that reaches an administrator (administrators left
/// out).
fn search_routes(search: &Search<'_, '_>) -> HashMap<String, Route> {
    let analysis = search.analysis;
    let mut best: HashMap<String, Route> = HashMap::new();
    let mut heap: BinaryHeap<Reverse<(u64, String)>> = BinaryHeap::new();
    for arn in search.admins.arns() {
        heap.push(Reverse((0, arn.to_owned())));
    }
    // Principals that can change their own permissions (or a role's they assume): those that
    // may be allowed one of the IAM writes involved.
    let writes = [
        "iam:PutUserPolicy",
        "iam:AttachUserPolicy",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:PutGroupPolicy",
        "iam:AttachGroupPolicy",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:AddUserToGroup",
        "sso:PutInlinePolicyToPermissionSet",
        "sso:AttachManagedPolicyToPermissionSet",
    ];
    let mut writers: Vec<String> = writes
        .iter()
        .flat_map(|a| analysis.identity_may_allow(a))
        .filter(|p| !search.admins.contains(&p.id))
        .map(|p| p.id.clone())
        .collect();
    writers.sort();
    writers.dedup();
    let terminals: Vec<(String, Vec<Step>)> = writers
        .par_iter()
        .filter_map(|p| {
            let mut ways = search.terminals(p);
            ways.sort_by_key(|steps| cost_of(steps));
            ways.into_iter().next().map(|steps| (p.clone(), steps))
        })
        .collect();
    for (p, steps) in terminals {
        let cost = cost_of(&steps);
        heap.push(Reverse((cost, p.clone())));
        best.insert(p, Route { cost, steps, next: None });
    }
    let mut done: HashSet<String> = HashSet::new();
    while let Some(Reverse((cost, node))) = heap.pop() {
        if !done.insert(node.clone()) {
            continue;
        }
        if let Some(route) = best.get(&node)
            && route.cost < cost
        {
            continue;
        }
        for step in search.edges_into(&node) {
            let c = cost + STEP + u64::from(!step.reach.is_allowed());
            let better = best.get(&step.from).is_none_or(|r| c < r.cost);
            if better && !done.contains(&step.from) {
                heap.push(Reverse((c, step.from.clone())));
                best.insert(step.from.clone(), Route { cost: c, steps: vec![step], next: Some(node.clone()) });
            }
        }
    }
    best
}

/// The steps from `principal` to an administrator's power.
fn path_of(principal: &str, routes: &HashMap<String, Route>) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    let mut at = principal.to_owned();
    for _ in 0..64 {
        let route = routes.get(&at)?;
        steps.extend(route.steps.iter().cloned());
        match &route.next {
            Some(next) if routes.contains_key(next) => at = next.clone(),
            _ => return Some(steps),
        }
    }
    None
}

fn finding(search: &Search<'_, '_>, principal: &str, steps: &[Step]) -> Finding {
    let analysis = search.analysis;
    let mut path_reach = Reach::allowed();
    let mut path = Vec::new();
    for step in steps {
        path_reach = both(&path_reach, &step.reach);
        let mut evidence = Vec::new();
        for p in &step.permissions {
            evidence.extend(statements(analysis, &step.from, p.action, &p.resource, &p.context()));
        }
        evidence.extend(step.facts.iter().cloned());
        path.push(PathStep {
            from: step.from.clone(),
            to: step.to.clone(),
            technique: step.technique.id.to_owned(),
            description: step.description.clone(),
            permissions: step.permissions.iter().map(Permission::describe).collect(),
            reach: step.reach.clone(),
            evidence,
        });
    }
    let end = steps.last().map(|s| s.to.clone()).unwrap_or_default();
    let end_note = match search.admins.contains(&end) {
        true => format!("{end} is an administrator"),
        false => format!("{end} then holds every permission"),
    };
    let count = steps.len();
    let severity = match (path_reach.is_allowed(), count) {
        (true, 1) => Severity::Critical,
        (true, _) => Severity::High,
        (false, _) => Severity::Medium,
    };
    let rationale = match severity {
        Severity::Critical => "one unconditional API call gives this principal full control of its account",
        Severity::High => "an unconditional path of several steps ends with full control of an account",
        _ => "the path holds only under conditions (listed) that an attacker may or may not meet",
    };
    let mut resources: Vec<String> = steps.iter().map(|s| s.to.clone()).filter(|t| t != principal).collect();
    resources.dedup();
    let first = steps.first().map(|s| s.technique.name).unwrap_or_default();
    Finding {
        id: FindingId::new(rules::ESCALATION, &[principal], &[] as &[&str]),
        kind: Kind::PrivilegeEscalation,
        rule: rules::ESCALATION.to_owned(),
        title: format!(
            "{} can become an administrator in {count} step{} ({first}{})",
            short(principal),
            if count == 1 { "" } else { "s" },
            if count > 1 { ", ..." } else { "" }
        ),
        severity,
        severity_rationale: rationale.to_owned(),
        cloud: "aws".to_owned(),
        account: Some(search.facts.account_of(principal).to_owned()).filter(|a| !a.is_empty()),
        principals: vec![principal.to_owned()],
        resources,
        categories: vec!["privilege-escalation".to_owned()],
        reach: path_reach,
        evidence: vec![Evidence::fact("escalation graph", end_note)],
        path,
        remediation: remediation(steps),
        first_seen: None,
        suppressed: None,
    }
}

/// The fix: break the first step (the one the principal takes itself).
fn remediation(steps: &[Step]) -> String {
    let Some(first) = steps.first() else { return String::new() };
    let perms: Vec<String> = first.permissions.iter().map(Permission::describe).collect();
    let base = match first.technique.kind {
        AssumeRole => "Narrow the role's trust policy, or the principal's sts:AssumeRole statements, so that it cannot assume the role; or reduce the role's own permissions so that it is not an escalation step.".to_owned(),
        PassRole { .. } => "Scope iam:PassRole to the roles the principal must pass (with an iam:PassedToService condition), and never to roles stronger than the principal.".to_owned(),
        Workload { .. } => "Restrict who can change this compute to principals at least as privileged as the role it runs as, or give the compute a weaker role.".to_owned(),
        EditPermissionSet | AssignPermissionSet => "Keep Identity Center administration (permission-set edits, assignments, provisioning) to a dedicated administrator permission set, scoped with sso resource ARNs; delegate it to a member account rather than the management account.".to_owned(),
        _ => "Remove this IAM write from the principal, or scope it to resources that are not its own (and add a permissions boundary that denies changing itself).".to_owned(),
    };
    format!("{base} The first step uses: {}.", perms.join("; "))
}

/// The last part of an ARN (`user/alice`), for titles.
pub(crate) fn short(arn: &str) -> &str {
    arn.splitn(6, ':').nth(5).unwrap_or(arn)
}
