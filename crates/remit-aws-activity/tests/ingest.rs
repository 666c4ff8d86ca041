//! Ingestion of damaged and repeated files: what was readable is counted once, what was not is
//! reported with the file and where.

use std::{collections::HashSet, io::Write};

use flate2::{Compression, write::GzEncoder};
use remit_aws_activity::{Batch, Ingester, Input, Rollups};

fn record(i: usize) -> String {
    format!(
        r#"{{"eventVersion":"1.09","userIdentity":{{"type":"IAMUser","principalId":"AIDA","arn":"arn:aws:iam::111122223333:user/u{u}","accountId":"111122223333","userName":"u{u}"}},"eventTime":"2026-02-2{d}T10:00:0{s}Z","eventSource":"iam.amazonaws.com","eventName":"ListRoles","awsRegion":"us-east-1","recipientAccountId":"111122223333","eventType":"AwsApiCall"}}"#,
        u = i % 3,
        d = i % 9,
        s = i % 10
    )
}

fn gzip(text: &str) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(text.as_bytes()).expect("gzip");
    enc.finish().expect("gzip")
}

fn file(records: usize) -> String {
    let body: Vec<String> = (0..records).map(record).collect();
    format!(r#"{{"Records":[{}]}}"#, body.join(","))
}

fn ingest(
    known: HashSet<String>,
    inputs: Vec<Input>,
) -> (Rollups, remit_aws_activity::Totals, Vec<remit_aws_activity::Issue>, Vec<String>) {
    let mut rollups = Rollups::new();
    let mut digests = Vec::new();
    let mut ingester = Ingester::new(known, HashSet::new(), |batch: Batch| {
        rollups.merge(&batch.rollups);
        digests.extend(batch.sources.into_iter().map(|s| s.digest));
        Ok::<(), ()>(())
    })
    .with_batch_records(7);
    for input in inputs {
        ingester.add(input).expect("add");
    }
    let (totals, issues) = ingester.finish().expect("finish");
    (rollups, totals, issues, digests)
}

#[test]
fn the_same_file_twice_counts_once_and_a_known_file_not_at_all() {
    let bytes = gzip(&file(20));
    let inputs = vec![
        Input { location: "a.json.gz".into(), bytes: bytes.clone() },
        Input { location: "copy-of-a.json.gz".into(), bytes: bytes.clone() },
    ];
    let (rollups, totals, issues, digests) = ingest(HashSet::new(), inputs);
    assert!(issues.is_empty());
    assert_eq!((totals.files, totals.repeated, rollups.events()), (1, 1, 20));
    let (again, totals, _, _) =
        ingest(digests.into_iter().collect(), vec![Input { location: "a.json.gz".into(), bytes }]);
    assert_eq!((totals.files, totals.already_ingested, again.events()), (0, 1, 0));
}

#[test]
fn a_truncated_gzip_keeps_the_records_before_the_cut_and_says_where() {
    let whole = gzip(&file(200));
    let cut = whole[..whole.len() * 2 / 3].to_vec();
    let (rollups, totals, issues, _) =
        ingest(HashSet::new(), vec![Input { location: "cut.json.gz".into(), bytes: cut }]);
    assert!(!totals.stats.complete);
    assert!(rollups.events() > 0 && rollups.events() < 200, "{}", rollups.events());
    let text: Vec<String> = issues.iter().map(ToString::to_string).collect();
    assert!(text.iter().any(|t| t.starts_with("cut.json.gz") && t.contains("truncated")), "{text:?}");
    assert!(text.iter().any(|t| t.contains("byte ") && t.contains("records before it were read")), "{text:?}");
}

#[test]
fn a_malformed_record_is_reported_by_index_and_offset_and_the_others_are_read() {
    let mut records: Vec<String> = (0..5).map(record).collect();
    records[2] = r#"{"eventName":"ListRoles","eventTime":"not a time","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/x"}}"#.into();
    records[3] = r#""just a string""#.into();
    let text = format!(r#"{{"Records":[{}]}}"#, records.join(","));
    let offset = text.find("\"just a string\"").expect("offset") as u64;
    let (rollups, totals, issues, _) =
        ingest(HashSet::new(), vec![Input { location: "bad.json".into(), bytes: text.into_bytes() }]);
    assert_eq!(rollups.events(), 3);
    assert_eq!(totals.stats.malformed, 2);
    assert!(totals.stats.complete);
    assert_eq!(issues.len(), 2);
    assert_eq!((issues[0].record, issues[1].record), (Some(2), Some(3)));
    assert!(issues[0].message.contains("eventTime"), "{:?}", issues[0]);
    assert_eq!(issues[1].offset, Some(offset));
}

#[test]
fn json_lines_and_bare_arrays_read_like_records() {
    let lines: Vec<String> = (0..6).map(record).collect();
    let ndjson = lines.join("\n") + "\nnot json\n";
    let array = format!("[{}]", lines.join(","));
    let (rollups, totals, issues, _) = ingest(
        HashSet::new(),
        vec![
            Input { location: "x.jsonl".into(), bytes: ndjson.into_bytes() },
            Input { location: "y.json".into(), bytes: array.into_bytes() },
        ],
    );
    assert_eq!(rollups.events(), 12);
    assert_eq!(totals.stats.malformed, 1);
    assert_eq!(issues.len(), 1);
    assert!(issues[0].location == "x.jsonl" && issues[0].record == Some(6), "{:?}", issues[0]);
}

#[test]
fn the_public_attack_samples_all_map_when_present() {
    // Stratus Red Team's detonation logs (../shared/data, Apache-2.0), when present.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/stratus-red-team/docs/detonation-logs");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    };
    let inputs: Vec<Input> = entries
        .filter_map(Result::ok)
        .map(|e| Input { location: e.path().display().to_string(), bytes: std::fs::read(e.path()).expect("read") })
        .collect();
    assert!(!inputs.is_empty());
    let (rollups, totals, issues, _) = ingest(HashSet::new(), inputs);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(totals.stats.unmapped, 0, "{:?}", rollups.unmapped());
    assert!(totals.stats.usage > 250);
}
