//! The IAM actions the collector uses, recorded as it calls them, and the policy that grants them.
//!
//! Every client is built with a [`Recorder`] that notes the IAM action behind each operation
//! it sends, so a run reports exactly which permissions it exercised. A unit test reads this
//! crate's source for every SDK call and checks that `collector-policy.json` grants each
//! action and nothing else; the moto test checks the recorded actions of a real run. The
//! CloudTrail reader (`trail_objects.rs`) has its own policy, `trail-reader-policy.json`,
//! checked the same way against that file's calls.
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

/// The IAM policy [`crate::read_trail_objects`] needs, as a template: replace `<TRAIL_BUCKET>`,
/// `<PREFIX>` (the prefix read, e.g. `AWSLogs/o-abc/`; empty for the whole bucket, and then
/// remove the `s3:prefix` condition, which a listing without a prefix does not set),
/// `<TRAIL_KMS_KEY_ARN>` and `<REGION>` (the bucket's), or remove the `kms:Decrypt` statement
/// when the trail's logs are not SSE-KMS encrypted. A reader in another account than the bucket
/// also needs the bucket's policy (and the key's) to grant it the same.
pub const TRAIL_READER_POLICY: &str = include_str!("../trail-reader-policy.json");

/// The IAM action that authorizes an operation of the client named by `prefix` (an IAM
/// service prefix). Most operations are authorized by the action of the same name; the
/// exceptions are listed here.
pub(crate) fn iam_action(prefix: &str, operation: &str) -> String {
    match (prefix, operation) {
        // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
        ("s3", "ListBuckets") => "s3:ListAllMyBuckets".to_owned(),
        ("s3", "GetPublicAccessBlock") => "s3:GetBucketPublicAccessBlock".to_owned(),
        ("s3", "ListObjectsV2") => "s3:ListBucket".to_owned(),
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

    /// The source files of the trail reader, whose calls `trail-reader-policy.json` grants
    /// (every other file is the collector's).
    const TRAIL_READER_SOURCES: &[&str] = &["trail_objects.rs"];

    /// The actions called in this crate's `src/*.rs` files (but this one) that `keep` accepts
    /// by file name.
    fn source_actions(keep: impl Fn(&str) -> bool) -> BTreeSet<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut found = BTreeSet::new();
        let mut entries: Vec<_> = std::fs::read_dir(&dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if name.ends_with(".rs") && name != "actions.rs" && keep(name) {
                let source = std::fs::read_to_string(&path).unwrap_or_default();
                found.extend(actions_called(&source));
            }
        }
        found
    }

    fn collector_source_actions() -> BTreeSet<String> {
        source_actions(|name| !TRAIL_READER_SOURCES.contains(&name))
    }

    fn trail_reader_source_actions() -> BTreeSet<String> {
        source_actions(|name| TRAIL_READER_SOURCES.contains(&name))
    }

    fn policy_actions(policy: &str) -> BTreeSet<String> {
        let value: serde_json::Value = serde_json::from_str(policy).unwrap_or_default();
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
        let source = "let x = c.iam\n    .get_account_authorization_details()\n; s3.list_buckets().s3.config(); sso . list_instances ( ); s3.list_objects_v2()";
        let found: Vec<String> = actions_called(source).into_iter().collect();
        assert_eq!(
            found,
            ["iam:GetAccountAuthorizationDetails", "s3:ListAllMyBuckets", "s3:ListBucket", "sso:ListInstances"]
        );
    }

    /// Every operation the collector sends is allowed by `collector-policy.json`, decided by
    /// Remit's own engine for a collector role session, and the policy grants nothing it does
    /// not use (`sts:AssumeRole` is sent by aws-config's assume-role provider, not by our code).
    #[test]
    fn collector_policy_covers_exactly_the_calls() {
        let used = collector_source_actions();
        assert!(used.len() > 30, "the source scan found too few calls: {used:?}");
        let granted = policy_actions(COLLECTOR_POLICY);
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
        for action in policy_actions(COLLECTOR_POLICY) {
            let name = action.split_once(':').map(|(_, name)| name).unwrap_or("");
            let read = ["List", "Get", "Describe"].iter().any(|verb| name.starts_with(verb));
            assert!(
                read || action == "iam:GenerateCredentialReport" || action == "sts:AssumeRole",
                "{action} is not a read-only action"
            );
            assert!(!action.contains('*'), "{action}: the policy names each action exactly");
        }
    }

    /// `trail-reader-policy.json` with its placeholders filled in.
    fn trail_reader_policy(prefix: &str) -> Policy {
        let filled = TRAIL_READER_POLICY
            .replace("<TRAIL_BUCKET>", "org-trail-logs")
            .replace("<PREFIX>", prefix)
            .replace(
                "<TRAIL_KMS_KEY_ARN>",
                "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            )
            .replace("<REGION>", "eu-west-1");
        assert!(!filled.contains('<'), "a placeholder is left: {filled}");
        match Policy::parse(&filled, PolicyKind::Identity) {
            Ok(policy) => policy,
            Err(err) => panic!("trail-reader-policy.json is not a valid identity policy: {err:?}"),
        }
    }

    /// Every S3 operation the trail reader sends is granted by `trail-reader-policy.json`, and
    /// it grants nothing else but `kms:Decrypt` (which S3 calls on the reader's behalf for
    /// SSE-KMS objects); decided by Remit's own engine, only on the prefix it names.
    #[test]
    fn trail_reader_policy_covers_exactly_the_calls() {
        let used = trail_reader_source_actions();
        assert_eq!(
            used.iter().map(String::as_str).collect::<Vec<_>>(),
            ["s3:GetObject", "s3:ListBucket"],
            "the source scan of the trail reader"
        );
        let mut expected = used.clone();
        expected.insert("kms:Decrypt".to_owned());
        assert_eq!(policy_actions(TRAIL_READER_POLICY), expected, "trail-reader-policy.json must list exactly these");

        let policy = trail_reader_policy("AWSLogs/o-abc/");
        // KMS reads a key's policy first: the default one lets the account's policies decide.
        let key_policy = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}"#;
        let key_policy = match Policy::parse(key_policy, PolicyKind::Resource) {
            Ok(key_policy) => key_policy,
            Err(err) => panic!("{err:?}"),
        };
        let decide = |action: &str, resource: &str, context: &[(&str, &str)]| {
            let resource_policy = action.starts_with("kms:").then(|| key_policy.clone());
            let set = PolicySet::new(&Policies {
                identity: vec![policy.clone()],
                resource: resource_policy,
                ..Policies::default()
            });
            let caller = match Caller::parse("arn:aws:iam::111122223333:role/RemitTrailReader") {
                Ok(caller) => caller,
                Err(err) => panic!("{err}"),
            };
            let owner = resource.starts_with("arn:aws:s3:::").then_some("111122223333");
            set.decide(&Request::new(caller, action, resource, owner, Context::from_pairs(context)))
        };
        let bucket = "arn:aws:s3:::org-trail-logs";
        let object = "arn:aws:s3:::org-trail-logs/AWSLogs/o-abc/111122223333/CloudTrail/eu-west-1/2026/02/27/x.json.gz";
        let via_s3 = [("kms:ViaService", "s3.eu-west-1.amazonaws.com")];
        let key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        assert_eq!(decide("s3:ListBucket", bucket, &[("s3:prefix", "AWSLogs/o-abc/")]), Decision::Allowed);
        assert_eq!(decide("s3:ListBucket", bucket, &[("s3:prefix", "AWSLogs/o-abc/111122223333/")]), Decision::Allowed);
        assert_eq!(decide("s3:GetObject", object, &[]), Decision::Allowed);
        assert_eq!(decide("kms:Decrypt", key, &via_s3), Decision::Allowed);
        // Nothing outside the prefix, and the key only through S3.
        assert_eq!(decide("s3:ListBucket", bucket, &[("s3:prefix", "other/")]), Decision::ImplicitlyDenied);
        assert_eq!(decide("s3:ListBucket", bucket, &[]), Decision::ImplicitlyDenied);
        assert_eq!(
            decide("s3:GetObject", "arn:aws:s3:::org-trail-logs/other/x.json.gz", &[]),
            Decision::ImplicitlyDenied
        );
        assert_eq!(
            decide("s3:GetObject", "arn:aws:s3:::other-bucket/AWSLogs/o-abc/x", &[]),
            Decision::ImplicitlyDenied
        );
        assert_eq!(decide("s3:PutObject", object, &[]), Decision::ImplicitlyDenied);
        assert_eq!(decide("kms:Decrypt", key, &[]), Decision::ImplicitlyDenied);
        assert_eq!(
            decide("kms:Decrypt", key, &[("kms:ViaService", "secretsmanager.eu-west-1.amazonaws.com")]),
            Decision::ImplicitlyDenied
        );
    }

    /// The trail reader's policy only reads.
    #[test]
    fn trail_reader_policy_is_read_only() {
        for action in policy_actions(TRAIL_READER_POLICY) {
            let name = action.split_once(':').map(|(_, name)| name).unwrap_or("");
            assert!(
                name.starts_with("List") || name.starts_with("Get") || action == "kms:Decrypt",
                "{action} is not a read-only action"
            );
            assert!(!action.contains('*'), "{action}: the policy names each action exactly");
        }
    }
}
