//! Import never panics: on arbitrary bytes, and on valid exports and workload inventories with
//! any element replaced by arbitrary JSON.

use std::path::Path;

use proptest::prelude::*;
use remit_aws_import::{WorkloadKind, load, parse_authorization_details, parse_workloads};
use serde_json::Value;

use crate::{
    support::{ACCOUNT, TempDir, authorization_details},
    workloads,
};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z0-9*:/%{}\"\\\\ -]{0,16}".prop_map(Value::String),
        Just(Value::String("%7B%22Statement%22%3A%5B%5D%7D".into())),
        Just(Value::String("{\"Version\":\"2012-10-17\",\"Statement\":[]}".into())),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[A-Za-z]{1,12}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Every node of a JSON tree, as a pointer.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Array(items) => {
            for (idx, item) in items.iter().enumerate() {
                pointers(item, format!("{at}/{idx}"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                pointers(item, format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// A valid export with the node `pick` chooses replaced by `replacement` (the whole export
/// for the root), and the depth of that node.
fn mutated_export(pick: &prop::sample::Index, replacement: Value) -> (Value, usize) {
    let mut export = authorization_details(ACCOUNT);
    let mut all = Vec::new();
    pointers(&export, String::new(), &mut all);
    let pointer = pick.get(&all).clone();
    match export.pointer_mut(&pointer) {
        Some(node) => *node = replacement,
        None => export = replacement,
    }
    (export, pointer.matches('/').count())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn load_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let dir = TempDir::new("prop-bytes");
        let file = dir.write("authorization-details.json", &bytes);
        let _ = load(&file);
        // And as an account's export inside a bundle.
        dir.write(&format!("accounts/{ACCOUNT}/authorization-details.json"), &bytes);
        let env = load(dir.path()).unwrap();
        prop_assert_eq!(env.accounts.len(), 1);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parsing_never_panics_on_mutated_exports(pick in any::<prop::sample::Index>(), replacement in json_value()) {
        let (export, _) = mutated_export(&pick, replacement);
        let bytes = serde_json::to_vec(&export).unwrap();
        let (account, issues) = parse_authorization_details(&bytes, Path::new("authz.json"));
        // Whatever was lost is said: an issue for anything marked incomplete.
        let incomplete = account.iam_incomplete
            || account.users.iter().any(|user| user.incomplete)
            || account.roles.iter().any(|role| role.incomplete)
            || account.groups.iter().any(|group| group.incomplete);
        prop_assert!(!incomplete || !issues.is_empty());
    }

    #[test]
    fn parsing_never_panics_on_arbitrary_text(text in "[\\[\\]{}\",:0-9a-zA-Z%\\\\ ]{0,200}") {
        let _ = parse_authorization_details(text.as_bytes(), Path::new("authz.json"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// An export read in one pass (one object, its lists arrays) gives what the same export
    /// read a pass at a time gives (here as the one page of an array of pages, whose paths
    /// start with `[0].`): the same entities and the same issues.
    #[test]
    fn one_pass_and_page_by_page_read_alike(pick in any::<prop::sample::Index>(), replacement in json_value()) {
        let (export, depth) = mutated_export(&pick, replacement);
        // Keep the top level an object with its lists (the one-pass reading's shape).
        prop_assume!(depth >= 2);
        let direct = serde_json::to_vec(&export).unwrap();
        let paged = serde_json::to_vec(&Value::Array(vec![export])).unwrap();
        let (a, a_issues) = parse_authorization_details(&direct, Path::new("authz.json"));
        let (b, b_issues) = parse_authorization_details(&paged, Path::new("authz.json"));
        prop_assert_eq!(format!("{a:?}"), format!("{b:?}"));
        let unprefixed: Vec<_> = b_issues
            .into_iter()
            .map(|mut issue| {
                issue.location = issue.location.strip_prefix("[0].").unwrap_or(&issue.location).to_owned();
                issue
            })
            .collect();
        prop_assert_eq!(a_issues, unprefixed);
    }
}

/// A sample inventory of `kind`, as the CLI prints it.
fn inventory(kind: WorkloadKind) -> Value {
    match kind {
        WorkloadKind::LambdaFunction => workloads::functions(),
        WorkloadKind::Ec2Instance => workloads::instances(),
        WorkloadKind::CodeBuildProject => workloads::projects(),
        WorkloadKind::CloudFormationStack => workloads::stacks(),
        WorkloadKind::GlueDevEndpoint => workloads::dev_endpoints(),
        WorkloadKind::SageMakerNotebook => workloads::notebook(),
        WorkloadKind::AppRunnerService => workloads::apprunner_service(),
        WorkloadKind::EcsTask => workloads::tasks(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever an inventory holds, reading it never panics, every workload read is of the
    /// account and region of the file, and whatever is marked incomplete is reported.
    #[test]
    fn workload_inventories_never_panic(
        kind in prop::sample::select(WorkloadKind::ALL.to_vec()),
        pick in any::<prop::sample::Index>(),
        replacement in json_value(),
    ) {
        let mut value = inventory(kind);
        let mut all = Vec::new();
        pointers(&value, String::new(), &mut all);
        let pointer = pick.get(&all).clone();
        match value.pointer_mut(&pointer) {
            Some(node) => *node = replacement,
            None => value = replacement,
        }
        let bytes = serde_json::to_vec(&value).unwrap();
        let (found, issues) = parse_workloads(kind, &bytes, Path::new("inventory.json"), ACCOUNT, "eu-west-1");
        prop_assert!(!found.iter().any(|w| w.incomplete) || !issues.is_empty());
        for workload in &found {
            prop_assert_eq!(workload.kind, kind);
            prop_assert_eq!(workload.region.as_str(), "eu-west-1");
            prop_assert!(workload.arn.contains(&format!(":eu-west-1:{ACCOUNT}:")), "{}", workload.arn);
        }
    }

    #[test]
    fn workload_inventories_never_panic_on_arbitrary_text(
        kind in prop::sample::select(WorkloadKind::ALL.to_vec()),
        text in "[\\[\\]{}\",:0-9a-zA-Z%\\\\ ]{0,200}",
    ) {
        let _ = parse_workloads(kind, text.as_bytes(), Path::new("inventory.json"), ACCOUNT, "eu-west-1");
    }
}
