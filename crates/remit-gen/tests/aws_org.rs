//! Generated AWS environments: reproducible byte for byte, of the sizes they promise, and read
//! by the importer without a single issue.
//!
//! The large and org sizes take about ten seconds together in a debug build: they run with the
//! rest, so that the benchmark's inputs are known to import cleanly.

use std::{collections::BTreeMap, fs, path::Path};

use remit_aws_import::{AwsEnvironment, WorkloadKind};
use remit_gen::aws_org::{Options, Size, Summary, generate, generate_with};
use tempfile::TempDir;

/// A new directory under the system's temporary directory, removed when dropped.
fn tempdir(tag: &str) -> TempDir {
    tempfile::Builder::new().prefix(&format!("remit-gen-{tag}-")).tempdir().expect("create a temporary directory")
}

/// FNV-1a of a file's bytes.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Every file under `dir` (relative path, hash, size).
fn hashes(dir: &Path) -> BTreeMap<String, (u64, u64)> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, (u64, u64)>) {
        for entry in fs::read_dir(dir).expect("read the bundle") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let bytes = fs::read(&path).expect("read a file");
                let rel = path.strip_prefix(root).expect("under the root").to_string_lossy().into_owned();
                out.insert(rel, (fnv(&bytes), bytes.len() as u64));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn run(options: &Options, tag: &str) -> (TempDir, Summary) {
    let dir = tempdir(tag);
    let summary = generate_with(options, dir.path()).expect("generate");
    (dir, summary)
}

fn import(dir: &Path) -> AwsEnvironment {
    let env = remit_aws_import::load(dir).expect("the bundle loads");
    let issues: Vec<String> = env
        .issues
        .iter()
        .take(20)
        .map(|issue| format!("{}: {}: {}", issue.file.display(), issue.location, issue.message))
        .collect();
    assert!(issues.is_empty(), "{} import issue(s), first ones:\n{}", env.issues.len(), issues.join("\n"));
    env
}

/// The importer sees what the generator says it wrote.
fn check_counts(env: &AwsEnvironment, summary: &Summary) {
    let collected: Vec<_> = env.accounts.iter().filter(|a| a.iam_collected).collect();
    assert_eq!(env.accounts.len(), summary.accounts);
    assert_eq!(collected.len(), summary.collected_accounts);
    assert_eq!(collected.iter().map(|a| a.users.len()).sum::<usize>(), summary.users);
    assert_eq!(collected.iter().map(|a| a.groups.len()).sum::<usize>(), summary.groups);
    assert_eq!(collected.iter().map(|a| a.roles.len()).sum::<usize>(), summary.roles);
    let customer: usize = collected.iter().map(|a| a.managed_policies.iter().filter(|p| !p.aws_managed).count()).sum();
    assert_eq!(customer, summary.policies);
    assert_eq!(collected.iter().map(|a| a.resources.len()).sum::<usize>(), summary.resources);
    for account in &collected {
        assert!(!account.iam_incomplete && account.iam_absent_lists.is_empty(), "{}", account.id);
        assert!(account.credential_report_collected, "{}", account.id);
        assert_eq!(account.credential_report.len(), account.users.len() + 1, "{}", account.id);
        assert!(account.users.iter().all(|u| !u.incomplete) && account.roles.iter().all(|r| !r.incomplete));
        // Every attached policy is listed, and its counts are what the entities say.
        let mut attached: BTreeMap<&str, u64> = BTreeMap::new();
        let holders = account
            .users
            .iter()
            .map(|u| &u.attached_policies)
            .chain(account.groups.iter().map(|g| &g.attached_policies))
            .chain(account.roles.iter().map(|r| &r.attached_policies));
        for list in holders {
            for arn in list {
                *attached.entry(arn.as_str()).or_default() += 1;
            }
        }
        for (arn, count) in attached {
            let policy = account.managed_policy(arn);
            assert!(policy.is_some(), "{arn} is attached but not listed");
            assert_eq!(policy.and_then(|p| p.attachment_count), Some(count), "{arn}");
        }
    }
}

/// The importer reads the workloads the ground truth lists, each with its role and state, and
/// every collected account says which kinds were collected.
fn check_workloads(env: &AwsEnvironment, dir: &Path, summary: &Summary) {
    let truth: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("ground-truth.json")).expect("ground truth")).expect("JSON");
    let listed = truth["workloads"].as_array().expect("workloads");
    assert_eq!(listed.len(), summary.workloads);
    let mut imported = BTreeMap::new();
    for account in env.accounts.iter().filter(|a| a.iam_collected) {
        assert_eq!(
            account.workloads_collected,
            [
                WorkloadKind::LambdaFunction,
                WorkloadKind::Ec2Instance,
                WorkloadKind::CodeBuildProject,
                WorkloadKind::CloudFormationStack,
                WorkloadKind::GlueDevEndpoint,
                WorkloadKind::EcsTask,
            ],
            "{}",
            account.id
        );
        for workload in &account.workloads {
            assert!(!workload.incomplete, "{}", workload.arn);
            imported.insert(workload.arn.as_str(), workload);
        }
    }
    assert_eq!(imported.len(), listed.len());
    for item in listed {
        let arn = item["arn"].as_str().unwrap_or_default();
        assert!(imported.contains_key(arn), "{arn} is in the ground truth, not in the bundle");
        let workload = imported.get(arn).expect("checked");
        assert_eq!(Some(workload.kind.as_str()), item["kind"].as_str(), "{arn}");
        assert_eq!(workload.role.as_deref(), item["role"].as_str(), "{arn}");
        assert_eq!(workload.state.as_deref(), item["state"].as_str(), "{arn}");
    }
}

fn within(what: &str, value: usize, low: usize, high: usize) {
    assert!((low..=high).contains(&value), "{what}: {value} is not within {low}..={high}");
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let options = Options { seed: 7, size: Size::Small, org_accounts: None };
    let (first, a) = run(&options, "same-a");
    let (second, b) = run(&options, "same-b");
    assert_eq!(a, b);
    let first = hashes(first.path());
    assert_eq!(first, hashes(second.path()));
    assert_eq!(first.len(), a.files);
    assert_eq!(first.values().map(|(_, size)| size).sum::<u64>(), a.bytes);
    let (other, _) = run(&Options { seed: 8, ..options }, "other-seed");
    let other = hashes(other.path());
    let differing = first.iter().filter(|(path, hash)| other.get(*path) != Some(hash)).count();
    assert!(differing * 2 > first.len(), "only {differing} of {} files differ with another seed", first.len());
}

#[test]
fn small_imports_without_issues() {
    let dir = tempdir("small");
    let summary = generate(1, Size::Small, dir.path()).expect("generate");
    within("accounts", summary.accounts, 1, 1);
    within("users", summary.users, 20, 60);
    within("roles", summary.roles, 55, 110);
    within("policies", summary.policies, 30, 60);
    within("resources", summary.resources, 20, 60);
    assert!(summary.admin_equivalent > 0 && summary.escalations > 0, "{summary:?}");
    let env = import(dir.path());
    check_counts(&env, &summary);
    check_workloads(&env, dir.path(), &summary);
    assert!(env.organization.is_none() && env.identity_center.is_none());
    let truth: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("ground-truth.json")).expect("ground truth")).expect("JSON");
    assert_eq!(truth["adminEquivalent"].as_array().map(Vec::len), Some(summary.admin_equivalent));
    assert_eq!(truth["roles"].as_array().map(Vec::len), Some(summary.roles));
}

#[test]
fn medium_has_its_size_and_imports_without_issues() {
    let dir = tempdir("medium");
    let summary = generate(3, Size::Medium, dir.path()).expect("generate");
    within("users", summary.users, 250, 400);
    within("roles", summary.roles, 950, 1100);
    within("policies", summary.policies, 480, 600);
    let env = import(dir.path());
    check_counts(&env, &summary);
    check_workloads(&env, dir.path(), &summary);
}

#[test]
fn a_reduced_organization_imports_without_issues() {
    let options = Options { seed: 5, size: Size::Org, org_accounts: Some(12) };
    let (dir, summary) = run(&options, "org12");
    within("accounts", summary.accounts, 12, 12);
    within("collected accounts", summary.collected_accounts, 10, 12);
    let env = import(dir.path());
    check_counts(&env, &summary);
    check_workloads(&env, dir.path(), &summary);
    let org = env.organization.as_ref().expect("an organization");
    assert!(
        org.policies.iter().any(|p| p.name == "RegionLock")
            && org.policies.iter().any(|p| p.name == "EnforceOrgIdentities")
    );
    let center = env.identity_center.as_ref().expect("Identity Center");
    assert!(!center.permission_sets.is_empty() && !center.assignments.is_empty() && !center.memberships.is_empty());
    assert!(center.permission_sets.iter().all(|set| !set.incomplete));
    // Every account an assignment names has the role Identity Center provisions for it.
    for assignment in &center.assignments {
        let set = center.permission_sets.iter().find(|s| s.arn == assignment.permission_set_arn).expect("the set");
        let account = env.accounts.iter().find(|a| a.id == assignment.account_id).expect("the account");
        let prefix = format!("AWSReservedSSO_{}_", set.name);
        assert!(account.roles.iter().any(|r| r.name.starts_with(&prefix)), "{} in {}", set.name, account.id);
    }
}

#[test]
fn large_and_org_have_their_sizes() {
    let dir = tempdir("large");
    let summary = generate(1, Size::Large, dir.path()).expect("generate");
    within("users", summary.users, 2900, 3200);
    within("roles", summary.roles, 9500, 10_500);
    within("policies", summary.policies, 4800, 5200);
    let env = import(dir.path());
    check_counts(&env, &summary);
    check_workloads(&env, dir.path(), &summary);
    drop(env);
    drop(dir);

    let dir = tempdir("org");
    let summary = generate(1, Size::Org, dir.path()).expect("generate");
    within("accounts", summary.accounts, 100, 100);
    within("roles", summary.roles, 5000, 12_000);
    let env = import(dir.path());
    check_counts(&env, &summary);
    check_workloads(&env, dir.path(), &summary);
}

/// Each planted problem shows in the part of the ground truth that describes its kind.
#[test]
fn planted_problems_are_in_the_ground_truth() {
    let dir = tempdir("planted");
    generate(11, Size::Small, dir.path()).expect("generate");
    let truth: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("ground-truth.json")).expect("ground truth")).expect("JSON");
    let arns = |section: &str, key: &str| -> Vec<String> {
        truth[section]
            .as_array()
            .map_or(Vec::new(), |items| items.iter().filter_map(|item| item[key].as_str().map(str::to_owned)).collect())
    };
    let admins = arns("adminEquivalent", "principal");
    let escalating = arns("escalations", "principal");
    let exposed = arns("resources", "arn");
    let planted = truth["planted"].as_array().expect("planted");
    // The standalone account is the legacy account: it gets every planted problem.
    assert!(planted.len() >= 20, "{}", planted.len());
    for item in planted {
        let what = item["what"].as_str().unwrap_or_default();
        let arn = item["arn"].as_str().unwrap_or_default().to_owned();
        let expected = match what {
            "not-resource-admin"
            | "iam-full-access"
            | "admin-without-mfa"
            | "iam-write-all"
            | "boundary-that-bounds-nothing"
            | "admin-user-with-old-key"
            | "admin-service-role" => &admins,
            "pass-role-to-admin"
            | "pass-any-role"
            | "iam:CreatePolicyVersion"
            | "iam:AttachUserPolicy"
            | "iam:PutRolePolicy" => &escalating,
            "public-resource" => &exposed,
            _ => continue,
        };
        assert!(expected.contains(&arn), "{what}: {arn}");
    }
    // Every kind of step the generator plants is on some path.
    let techniques: Vec<&str> = truth["escalations"]
        .as_array()
        .expect("escalations")
        .iter()
        .flat_map(|e| e["path"].as_array().into_iter().flatten())
        .filter_map(|step| step["technique"].as_str())
        .collect();
    for technique in [
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:AddUserToGroup",
        "iam:PutRolePolicy",
        "iam:PassRole + ec2:RunInstances",
        "iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction",
        "iam:PassRole + glue:CreateJob + glue:StartJobRun",
        "iam:PassRole + cloudformation:CreateStack",
        "sts:AssumeRole",
    ] {
        assert!(techniques.contains(&technique), "{technique}");
    }
}

/// The legacy account's strongest roles run workloads: updating the function, commanding the
/// instance or updating the stack acts as an administrator.
#[test]
fn administrator_roles_run_workloads_in_the_legacy_account() {
    let dir = tempdir("workloads");
    generate(11, Size::Small, dir.path()).expect("generate");
    let truth: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("ground-truth.json")).expect("ground truth")).expect("JSON");
    let admins: Vec<&str> = truth["adminEquivalent"]
        .as_array()
        .expect("adminEquivalent")
        .iter()
        .filter_map(|a| a["principal"].as_str())
        .collect();
    let workloads = truth["workloads"].as_array().expect("workloads");
    let as_admin = |kind: &str, role_part: &str, state: Option<&str>| {
        workloads.iter().any(|w| {
            let role = w["role"].as_str().unwrap_or_default();
            w["kind"] == kind && role.contains(role_part) && admins.contains(&role) && w["state"].as_str() == state
        })
    };
    assert!(as_admin("lambda-function", "-processor-lambda-role", None), "a function runs as the planted Lambda role");
    assert!(
        as_admin("ec2-instance", "role/jenkins-master-role", Some("running")),
        "an instance runs as jenkins-master-role"
    );
    assert!(
        workloads
            .iter()
            .any(|w| w["kind"] == "cloudformation-stack"
                && w["role"].as_str().is_some_and(|r| r.contains("cfn-exec-role"))),
        "a stack is deployed with the CDK execution role"
    );
    assert!(
        workloads.iter().any(|w| w["kind"] == "ec2-instance" && w["role"].is_null()),
        "some instances have no profile"
    );
    assert!(workloads.iter().any(|w| w["state"] == "stopped"), "some instances are stopped");
}
