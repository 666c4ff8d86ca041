//! Properties of the CloudTrail reader over generated records: the same records give the same
//! rollups whatever shape and split of files carries them, and any cut of a file is read up to
//! the cut, reported, never a panic.

use std::{collections::HashSet, io::Write};

use flate2::{Compression, write::GzEncoder};
use proptest::prelude::*;
use remit_aws_activity::{Batch, Ingester, Input, Issue, Rollups, Totals};

fn identity() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..4u8).prop_map(|u| format!(r#"{{"type":"IAMUser","principalId":"AIDA{u}","arn":"arn:aws:iam::111122223333:user/u{u}","accountId":"111122223333","userName":"u{u}"}}"#)),
        (0..4u8, 0..3u8).prop_map(|(r, s)| format!(
            r#"{{"type":"AssumedRole","principalId":"AROA{r}:s{s}","arn":"arn:aws:sts::111122223333:assumed-role/r{r}/s{s}","accountId":"111122223333","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"AROA{r}","arn":"arn:aws:iam::111122223333:role/app/r{r}","accountId":"111122223333","userName":"r{r}"}},"sourceIdentity":"p{s}@example.com"}}}}"#
        )),
        Just(r#"{"type":"AWSService","invokedBy":"lambda.amazonaws.com"}"#.to_owned()),
        Just(r#"{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333"}"#.to_owned()),
        Just(r#"{"type":"AWSAccount","principalId":"AROAOTHER:x","accountId":"444455556666"}"#.to_owned()),
    ]
}

fn call() -> impl Strategy<Value = (String, String, String)> {
    prop_oneof![
        Just(("s3.amazonaws.com", "GetObject", r#"{"bucketName":"b","key":"logs/a.gz"}"#)),
        Just(("s3.amazonaws.com", "ListObjectsV2", r#"{"bucketName":"b"}"#)),
        Just(("iam.amazonaws.com", "GetRole", r#"{"roleName":"r1"}"#)),
        Just(("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", r#"{"functionName":"f"}"#)),
        Just(("sts.amazonaws.com", "GetCallerIdentity", "null")),
        Just(("signin.amazonaws.com", "ConsoleLogin", "null")),
        Just(("nosuch.amazonaws.com", "DoThing", r#"{"x":[1,{"y":"\u00e9"}]}"#)),
        Just(("kms.amazonaws.com", "Decrypt", r#"{"keyId":"arn:aws:kms:us-east-1:111122223333:key/k"}"#)),
    ]
    .prop_map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
}

fn record() -> impl Strategy<Value = String> {
    (identity(), call(), 0..86_400i64 * 20, prop_oneof![Just(None), Just(Some("AccessDenied")), Just(Some("ThrottlingException"))], any::<bool>())
        .prop_map(|(who, (source, name, params), t, error, shared)| {
            let time = remit_activity::window::format_time(1_770_000_000 + t);
            let error = error.map(|e| format!(r#","errorCode":"{e}","errorMessage":"no""#)).unwrap_or_default();
            let shared = if shared { r#","sharedEventID":"5d7a-1""# } else { "" };
            format!(
                r#"{{"eventVersion":"1.09","userIdentity":{who},"eventTime":"{time}","eventSource":"{source}","eventName":"{name}","awsRegion":"us-east-1","sourceIPAddress":"10.0.0.1","requestParameters":{params},"responseElements":null,"eventID":"e","eventType":"AwsApiCall","recipientAccountId":"111122223333"{error}{shared}}}"#
            )
        })
}

fn gzip(text: &str) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(text.as_bytes()).expect("gzip");
    enc.finish().expect("gzip")
}

fn ingest(files: Vec<Vec<u8>>) -> (Rollups, Totals, Vec<Issue>) {
    let mut rollups = Rollups::new();
    let mut ingester = Ingester::new(HashSet::new(), HashSet::new(), |b: Batch| {
        rollups.merge(&b.rollups);
        Ok::<(), ()>(())
    })
    .with_batch_records(3);
    for (i, bytes) in files.into_iter().enumerate() {
        ingester.add(Input { location: format!("f{i}"), bytes }).expect("add");
    }
    let (totals, issues) = ingester.finish().expect("finish");
    (rollups, totals, issues)
}

fn same(a: &Rollups, b: &Rollups) {
    assert_eq!(a.usage(), b.usage());
    assert_eq!(a.principals(), b.principals());
    assert_eq!(a.identities(), b.identities());
    assert_eq!(a.unmapped(), b.unmapped());
    assert_eq!(a.coverage(), b.coverage());
    assert_eq!(a.events(), b.events());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_shape_and_split_gives_the_same_rollups(records in prop::collection::vec(record(), 1..40), cut in 0usize..40, seed in any::<u64>()) {
        // Distinct files (a file's digest names it: equal files would count once).
        let one = |rs: &[String], tag: usize| format!(r#"{{"Records":[{}],"tag":{tag}}}"#, rs.join(","));
        let (whole, totals, issues) = ingest(vec![one(&records, 0).into_bytes()]);
        prop_assert!(issues.is_empty(), "{:?}", issues);
        prop_assert_eq!(totals.stats.records, records.len() as u64);
        let cut = cut.min(records.len());
        let (split, _, _) = ingest(vec![gzip(&one(&records[..cut], 1)), gzip(&one(&records[cut..], 2))]);
        same(&whole, &split);
        let (lines, _, issues) = ingest(vec![(records.join("\n") + "\n").into_bytes()]);
        prop_assert!(issues.is_empty(), "{:?}", issues);
        same(&whole, &lines);
        let mut shuffled = records.clone();
        let n = shuffled.len();
        for i in 0..n {
            shuffled.swap(i, (seed as usize).wrapping_mul(i + 7) % n);
        }
        let (array, _, _) = ingest(vec![gzip(&format!("[{}]", shuffled.join(",")))]);
        same(&whole, &array);
    }

    #[test]
    fn any_cut_of_a_gzip_file_is_read_to_the_cut_and_reported(records in prop::collection::vec(record(), 1..30), at in 0.0f64..1.0) {
        let bytes = gzip(&format!(r#"{{"Records":[{}]}}"#, records.join(",")));
        let cut = ((bytes.len() as f64) * at) as usize;
        let (rollups, totals, issues) = ingest(vec![bytes[..cut].to_vec()]);
        prop_assert!(totals.stats.records <= records.len() as u64);
        prop_assert!(rollups.events() <= totals.stats.records);
        prop_assert!(!issues.is_empty(), "a cut file must be reported");
        prop_assert!(!totals.stats.complete);
    }
}
