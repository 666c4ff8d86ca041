//! The IAM actions the collector uses, recorded as it calls them, and the policy that grants them.
//!
//! Every client is built with a [`Recorder`] that notes the IAM action behind each operation
//! it sends, so a run reports exactly which permissions it exercised. A unit test reads this
//! crate's source for every SDK call and checks that `collector-policy.json` grants each
//! action and nothing else; the moto test checks the recorded actions of a real run.
//!
//! Each client lives in a variable or field named after its service's IAM prefix (`iam`,
//! `s3`, `sso` for `sso-admin` ...), which is what lets the source scan map a call to an action.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use aws_sdk_sts::config::{
    ConfigBag, Intercept, RuntimeComponents, interceptors::BeforeSerializationInterceptorContextRef,
};
use aws_smithy_runtime_api::{box_error::BoxError, client::orchestrator::Metadata};

/// The IAM policy the collector's credentials need (the caller in the management account, and
/// the member role in every other account), exactly: no more, no less.
pub const COLLECTOR_POLICY: &str = include_str!("../collector-policy.json");

/// The IAM action that authorizes an operation of the client named by `prefix` (an IAM
/// service prefix). Most operations are authorized by the action of the same name; the
/// exceptions are listed here.
pub(crate) fn iam_action(prefix: &str, operation: &str) -> String {
    match (prefix, operation) {
        // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
        ("s3", "ListBuckets") => "s3:ListAllMyBuckets".to_owned(),
        ("s3", "GetPublicAccessBlock") => "s3:GetBucketPublicAccessBlock".to_owned(),
        _ => format!("{prefix}:{operation}"),
    }
}

/// Counts, per IAM action, the operations sent (each page once, however many attempts it took).
#[derive(Debug, Clone, Default)]
pub(crate) struct Calls(Arc<Mutex<BTreeMap<String, u64>>>);

impl Calls {
    pub(crate) fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0.lock().map(|calls| calls.clone()).unwrap_or_default()
    }

    /// Notes a call made outside our clients (aws-config's assume-role provider).
    pub(crate) fn add(&self, action: &str) {
        if let Ok(mut calls) = self.0.lock() {
            *calls.entry(action.to_owned()).or_insert(0) += 1;
        }
    }

    pub(crate) fn recorder(&self, prefix: &'static str) -> Recorder {
        Recorder { prefix, calls: self.clone() }
    }
}

/// The interceptor that feeds [`Calls`].
#[derive(Debug, Clone)]
pub(crate) struct Recorder {
    prefix: &'static str,
    calls: Calls,
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "RemitCallRecorder"
    }

    // Not `read_before_execution`: a client's interceptors run that before the operation's
    // configuration, which holds the operation's name, is in the bag.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(metadata) = cfg.load::<Metadata>() {
            let action = iam_action(self.prefix, metadata.name());
            if let Ok(mut calls) = self.calls.0.lock() {
                *calls.entry(action).or_insert(0) += 1;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use remit_aws_policy::{Caller, Context, Decision, Policies, Policy, PolicyKind, PolicySet, Request};

    use super::*;

    /// The IAM prefixes of the clients, as the source names them.
    const CLIENTS: &[&str] =
        &["sts", "organizations", "iam", "s3", "kms", "sqs", "sns", "lambda", "secretsmanager", "sso", "identitystore"];

    /// Methods of a client that send nothing.
    const NOT_OPERATIONS: &[&str] = &["clone", "config", "from_conf", "new"];

    /// Every `CLIENT.operation(` in `source`, `CLIENT` one of [`CLIENTS`] (with any whitespace
    /// around the `.`, as rustfmt breaks long chains), mapped to its IAM action.
    fn actions_called(source: &str) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        let bytes = source.as_bytes();
        let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        for (dot, _) in source.match_indices('.') {
            // The identifier before the dot (skipping whitespace).
            let mut end = dot;
            while end > 0 && bytes[end - 1].is_ascii_whitespace() {
                end -= 1;
            }
            let mut start = end;
            while start > 0 && is_ident(bytes[start - 1]) {
                start -= 1;
            }
            let receiver = &source[start..end];
            if !CLIENTS.contains(&receiver) {
                continue;
            }
            // The method after the dot, and its `(`.
            let mut begin = dot + 1;
            while begin < bytes.len() && bytes[begin].is_ascii_whitespace() {
                begin += 1;
            }
            let mut stop = begin;
            while stop < bytes.len() && is_ident(bytes[stop]) {
                stop += 1;
            }
            let method = &source[begin..stop];
            let mut paren = stop;
            while paren < bytes.len() && bytes[paren].is_ascii_whitespace() {
                paren += 1;
            }
            if method.is_empty() || bytes.get(paren) != Some(&b'(') || NOT_OPERATIONS.contains(&method) {
                continue;
            }
            let operation: String = method
                .split('_')
                .map(|word| {
                    let mut chars = word.chars();
                    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
                })
                .collect();
            found.insert(iam_action(receiver, &operation));
        }
        found
    }

    fn source_actions() -> BTreeSet<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut found = BTreeSet::new();
        let mut entries: Vec<_> = std::fs::read_dir(&dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.extension().is_some_and(|ext| ext == "rs") && !path.ends_with("actions.rs") {
                let source = std::fs::read_to_string(&path).unwrap_or_default();
                found.extend(actions_called(&source));
            }
        }
        found
    }

    fn policy_actions() -> BTreeSet<String> {
        let value: serde_json::Value = serde_json::from_str(COLLECTOR_POLICY).unwrap_or_default();
        let mut found = BTreeSet::new();
        for statement in value["Statement"].as_array().into_iter().flatten() {
            match &statement["Action"] {
                serde_json::Value::String(action) => {
                    found.insert(action.clone());
                }
                serde_json::Value::Array(actions) => {
                    found.extend(actions.iter().filter_map(|a| a.as_str().map(str::to_owned)));
                }
                _ => {}
            }
        }
        found
    }

    #[test]
    fn the_scan_sees_chained_and_split_calls() {
        let source = "let x = c.iam\n    .get_account_authorization_details()\n; s3.list_buckets().s3.config(); sso . list_instances ( )";
        let found: Vec<String> = actions_called(source).into_iter().collect();
        assert_eq!(found, ["iam:GetAccountAuthorizationDetails", "s3:ListAllMyBuckets", "sso:ListInstances"]);
    }

    /// Every operation the collector sends is allowed by `collector-policy.json`, decided by
    /// Remit's own engine for a collector role session, and the policy grants nothing it does
    /// not use (`sts:AssumeRole` is sent by aws-config's assume-role provider, not by our code).
    #[test]
    fn collector_policy_covers_exactly_the_calls() {
        let used = source_actions();
        assert!(used.len() > 30, "the source scan found too few calls: {used:?}");
        let granted = policy_actions();
        let mut expected = used.clone();
        expected.insert("sts:AssumeRole".to_owned());
        assert_eq!(granted, expected, "collector-policy.json must list exactly the actions the collector calls");

        let policy = match Policy::parse(COLLECTOR_POLICY, PolicyKind::Identity) {
            Ok(policy) => policy,
            Err(err) => panic!("collector-policy.json is not a valid identity policy: {err:?}"),
        };
        // The member role trusts the caller's account, as documented for the collector role.
        let trust = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}]}"#;
        let trust = match Policy::parse(trust, PolicyKind::Trust) {
            Ok(trust) => trust,
            Err(err) => panic!("{err:?}"),
        };
        let session = "arn:aws:sts::111122223333:assumed-role/RemitCollector/remit-collector";
        for action in &expected {
            let (resource, resource_policy) = if action == "sts:AssumeRole" {
                ("arn:aws:iam::444455556666:role/RemitCollector", Some(trust.clone()))
            } else {
                ("*", None)
            };
            let set = PolicySet::new(&Policies {
                identity: vec![policy.clone()],
                resource: resource_policy,
                ..Policies::default()
            });
            let caller = match Caller::parse(session) {
                Ok(caller) => caller,
                Err(err) => panic!("{err}"),
            };
            let request = Request::new(caller, action, resource, None, Context::from_pairs(&[]));
            assert_eq!(set.decide(&request), Decision::Allowed, "{action} is not allowed by collector-policy.json");
        }
    }

    /// The policy only reads: every action lists, gets or describes, except generating the
    /// credential report (which AWS classifies as Read) and assuming the collector role.
    #[test]
    fn collector_policy_is_read_only() {
        for action in policy_actions() {
            let name = action.split_once(':').map(|(_, name)| name).unwrap_or("");
            let read = ["List", "Get", "Describe"].iter().any(|verb| name.starts_with(verb));
            assert!(
                read || action == "iam:GenerateCredentialReport" || action == "sts:AssumeRole",
                "{action} is not a read-only action"
            );
            assert!(!action.contains('*'), "{action}: the policy names each action exactly");
        }
    }
}
