//! End-to-end: CloudTrail log objects laid out as an organization trail delivers them are put in
//! a moto bucket (moto in server mode, as in `moto.rs`), and read back with
//! [`remit_aws_collect::read_trail_objects`]: which keys, in which order, the exact bytes, what
//! is left out (digests, other files), what the caller skips (never downloaded), and the errors.

mod support;

use std::{
    collections::BTreeMap,
    future::Future,
    net::TcpListener,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use aws_config::{BehaviorVersion, Region};
use aws_sdk_s3::{config::Credentials, primitives::ByteStream};
use remit_aws_collect::{
    NoProgress, Progress, S3Location, StaticCredentials, TrailObject, TrailReadError, TrailReadOptions,
    read_trail_objects,
};
use support::start_moto;

const BUCKET: &str = "remit-org-trail";
const ACCESS_KEY: &str = "AKIAREMITTESTKEY0002";
const SECRET_KEY: &str = "remit-trail-test-secret-key";
const ACCOUNT: &str = "AWSLogs/o-abc/111122223333/";

/// The log files the test puts, in key order (as S3 lists them).
const LOGS: &[&str] = &[
    "AWSLogs/o-abc/111122223333/CloudTrail/eu-west-1/2026/02/27/111122223333_CloudTrail_eu-west-1_20260227T1005Z_CdEfGh2345678901.json.gz",
    "AWSLogs/o-abc/111122223333/CloudTrail/us-east-1/2026/02/27/111122223333_CloudTrail_us-east-1_20260227T1005Z_AbCdEf0123456789.json.gz",
    "AWSLogs/o-abc/111122223333/CloudTrail/us-east-1/2026/02/27/111122223333_CloudTrail_us-east-1_20260227T1010Z_BcDeFg1234567890.json.gz",
    "AWSLogs/o-abc/444455556666/CloudTrail/us-east-1/2026/02/27/444455556666_CloudTrail_us-east-1_20260227T1005Z_DeFgHi3456789012.json.gz",
    "AWSLogs/o-abc/444455556666/CloudTrail/us-east-1/2026/02/27/444455556666_CloudTrail_us-east-1_20260227T1015Z_EfGhIj4567890123.json.gz",
    "exports/2026-02.jsonl",
];

/// The objects that are not log files: a digest, a note, a folder marker.
const OTHERS: &[&str] = &[
    "AWSLogs/o-abc/111122223333/CloudTrail-Digest/us-east-1/2026/02/27/111122223333_CloudTrail-Digest_us-east-1_org-trail_us-east-1_20260227T100500Z.json.gz",
    "AWSLogs/o-abc/111122223333/CloudTrail/",
    "AWSLogs/o-abc/111122223333/CloudTrail/us-east-1/2026/02/27/README.txt",
];

/// The big one: several hundred kilobytes, so that its body arrives in many chunks.
const BIG: usize = 2;

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime").block_on(future)
}

/// A client of its own (a client stays with the runtime it was first used on).
async fn s3(endpoint: &str) -> aws_sdk_s3::Client {
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "test"))
        .load()
        .await;
    aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build())
}

/// CRC-32 (ISO-HDLC), gzip's trailer checksum.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// `data` as a gzip member (RFC 1952) of stored deflate blocks: real gzip that `gunzip` reads,
/// without a compression dependency.
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let chunks: Vec<&[u8]> = if data.is_empty() { vec![&[]] } else { data.chunks(usize::from(u16::MAX)).collect() };
    for (i, chunk) in chunks.iter().enumerate() {
        out.push(u8::from(i + 1 == chunks.len()));
        let len = u16::try_from(chunk.len()).expect("a stored block's length");
        out.extend(len.to_le_bytes());
        out.extend((!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend(crc32(data).to_le_bytes());
    out.extend(u32::try_from(data.len()).expect("small").to_le_bytes());
    out
}

fn records(account: &str, events: usize) -> Vec<u8> {
    let records: Vec<String> = (0..events)
        .map(|i| {
            format!(
                r#"{{"eventVersion":"1.11","eventTime":"2026-02-27T10:05:{:02}Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.{}","recipientAccountId":"{account}","eventID":"{i:08}"}}"#,
                i % 60,
                i % 250
            )
        })
        .collect();
    format!(r#"{{"Records":[{}]}}"#, records.join(",")).into_bytes()
}

/// An object put in the bucket: its bytes and ETag (without quotes).
struct Put {
    body: Vec<u8>,
    etag: String,
}

/// Creates the bucket and puts [`LOGS`] and [`OTHERS`], `.json.gz` files with CloudTrail's
/// `Content-Type` and `Content-Encoding`.
fn put_trail(endpoint: &str) -> BTreeMap<String, Put> {
    block_on(async {
        let s3 = s3(endpoint).await;
        s3.create_bucket().bucket(BUCKET).send().await.expect("create-bucket");
        let mut put = BTreeMap::new();
        for (i, key) in LOGS.iter().chain(OTHERS).enumerate() {
            let account = key.split('/').nth(2).unwrap_or("111122223333");
            let body = if key.ends_with(".json.gz") {
                gzip(&records(account, if i == BIG { 3000 } else { 3 + i }))
            } else if key.ends_with('/') {
                Vec::new()
            } else {
                records(account, 2)
            };
            let mut request = s3.put_object().bucket(BUCKET).key(*key).body(ByteStream::from(body.clone()));
            if key.ends_with(".json.gz") {
                request = request.content_type("application/json").content_encoding("gzip");
            }
            let out = request.send().await.expect("put-object");
            let etag = out.e_tag().expect("an ETag").trim_matches('"').to_owned();
            put.insert((*key).to_owned(), Put { body, etag });
        }
        assert!(put[LOGS[BIG]].body.len() > 300_000, "the big object is big");
        put
    })
}

/// Deletes an object, from a thread of its own (the reader's runtime is busy on this one).
fn delete(endpoint: &str, key: &str) {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                block_on(async { s3(endpoint).await.delete_object().bucket(BUCKET).key(key).send().await })
                    .expect("delete-object");
            })
            .join()
            .expect("the delete thread");
    });
}

fn options(endpoint: &str) -> TrailReadOptions {
    TrailReadOptions {
        endpoint_url: Some(endpoint.to_owned()),
        region: Some("us-east-1".to_owned()),
        credentials: Some(StaticCredentials {
            access_key_id: ACCESS_KEY.to_owned(),
            secret_access_key: SECRET_KEY.to_owned(),
            session_token: None,
        }),
        force_path_style: true,
        max_attempts: 2,
        ..TrailReadOptions::default()
    }
}

/// Counts what the reader reports.
#[derive(Default)]
struct Counted {
    added: AtomicU64,
    done: AtomicU64,
    warnings: Mutex<Vec<String>>,
}

impl Progress for Counted {
    fn add_work(&self, units: u64) {
        self.added.fetch_add(units, Ordering::Relaxed);
    }
    fn work_done(&self, units: u64) {
        self.done.fetch_add(units, Ordering::Relaxed);
    }
    fn status(&self, _message: &str) {}
    fn warn(&self, message: &str) {
        self.warnings.lock().expect("lock").push(message.to_owned());
    }
}

/// Reads `location` to its end, keeping every object.
fn read_all(
    location: &S3Location,
    options: &TrailReadOptions,
    progress: &dyn Progress,
) -> (remit_aws_collect::TrailReadSummary, Vec<TrailObject>) {
    let mut objects = Vec::new();
    let summary = read_trail_objects(
        location,
        options,
        progress,
        |_, _| false,
        |object| {
            objects.push(object);
            Ok::<(), String>(())
        },
    )
    .map_err(|err| format!("reading {location}: {err}"))
    .expect("a read to the end");
    (summary, objects)
}

fn check_objects(objects: &[TrailObject], expected: &[&str], put: &BTreeMap<String, Put>) {
    let keys: Vec<&str> = objects.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, expected, "the log files, in key order");
    for object in objects {
        let stored = &put[&object.key];
        assert!(object.body == stored.body, "{}: the bytes differ from those put", object.key);
        assert_eq!(object.size, stored.body.len() as u64, "{}", object.key);
        assert_eq!(object.etag.as_deref(), Some(stored.etag.as_str()), "{}", object.key);
        if object.key.ends_with(".json.gz") {
            assert_eq!(object.body[..2], [0x1f, 0x8b], "{}: still gzip-compressed", object.key);
        }
    }
}

#[test]
fn reads_the_log_files_of_an_organization_trail_in_key_order() {
    let Some(moto) = start_moto() else { return };
    let put = put_trail(&moto.endpoint);
    assert_eq!(put.keys().filter(|k| LOGS.contains(&k.as_str())).count(), LOGS.len());

    // The whole bucket, with pages of every size and any number of downloads at a time.
    let whole: S3Location = format!("s3://{BUCKET}").parse().expect("a location");
    assert_eq!(whole, S3Location { bucket: BUCKET.to_owned(), prefix: String::new() });
    for (page_size, concurrency) in [(1, 1), (2, 3), (4, 2), (1000, 8), (1000, 64)] {
        let options = TrailReadOptions { page_size, concurrency, ..options(&moto.endpoint) };
        let progress = Counted::default();
        let (summary, objects) = read_all(&whole, &options, &progress);
        check_objects(&objects, LOGS, &put);
        let what = format!("pages of {page_size}, {concurrency} at a time");
        assert_eq!(summary.listed, (LOGS.len() + OTHERS.len()) as u64, "{what}");
        assert_eq!(summary.ignored, OTHERS.len() as u64, "{what}: the digest, the note and the folder");
        assert_eq!((summary.skipped, summary.read), (0, LOGS.len() as u64), "{what}");
        assert_eq!(summary.bytes, LOGS.iter().map(|k| put[*k].body.len() as u64).sum::<u64>(), "{what}");
        assert!(summary.vanished.is_empty(), "{what}");
        assert_eq!(progress.added.load(Ordering::Relaxed), LOGS.len() as u64, "{what}: a unit per log file");
        assert_eq!(progress.done.load(Ordering::Relaxed), LOGS.len() as u64, "{what}: every unit done");
        assert!(progress.warnings.lock().expect("lock").is_empty());
    }

    // One account's folder of the organization trail.
    let account: S3Location = format!("s3://{BUCKET}/{ACCOUNT}").parse().expect("a location");
    assert_eq!(account.prefix, ACCOUNT);
    let (summary, objects) = read_all(&account, &options(&moto.endpoint), &NoProgress);
    let expected: Vec<&str> = LOGS.iter().copied().filter(|k| k.starts_with(ACCOUNT)).collect();
    assert_eq!(expected.len(), 3);
    check_objects(&objects, &expected, &put);
    assert_eq!((summary.listed, summary.ignored, summary.read), (6, 3, 3));

    // A prefix that is not a folder is S3's: every key that begins with it.
    let partial: S3Location = format!("s3://{BUCKET}/AWSLogs/o-abc/4444").parse().expect("a location");
    let (_, objects) = read_all(&partial, &options(&moto.endpoint), &NoProgress);
    check_objects(&objects, &LOGS[3..5], &put);

    // Nothing under the prefix: nothing read, no error.
    let empty: S3Location = format!("s3://{BUCKET}/AWSLogs/o-none/").parse().expect("a location");
    let (summary, objects) = read_all(&empty, &options(&moto.endpoint), &NoProgress);
    assert!(objects.is_empty());
    assert_eq!(summary, remit_aws_collect::TrailReadSummary::default());
}

/// `skip` is asked about every log file, in key order, with its ETag, before it is downloaded:
/// the objects it skips are deleted as it is asked, so a download of one would come back as
/// `NoSuchKey` (`vanished`). An object deleted without being skipped is reported vanished, and
/// the read goes on.
#[test]
fn skipped_objects_are_not_downloaded() {
    let Some(moto) = start_moto() else { return };
    let put = put_trail(&moto.endpoint);
    let location: S3Location = format!("s3://{BUCKET}/").parse().expect("a location");
    let skipped = [LOGS[1], LOGS[BIG], LOGS[4]];
    let deleted = LOGS[3];
    let mut asked = Vec::new();
    let mut objects = Vec::new();
    let progress = Counted::default();
    let options = TrailReadOptions { page_size: 2, concurrency: 2, ..options(&moto.endpoint) };
    let summary = read_trail_objects(
        &location,
        &options,
        &progress,
        |key, etag| {
            asked.push((key.to_owned(), etag.map(str::to_owned)));
            if skipped.contains(&key) || key == deleted {
                delete(&moto.endpoint, key);
            }
            skipped.contains(&key)
        },
        |object| {
            objects.push(object);
            Ok::<(), String>(())
        },
    )
    .expect("read");

    let expected_asked: Vec<(String, Option<String>)> =
        LOGS.iter().map(|k| ((*k).to_owned(), Some(put[*k].etag.clone()))).collect();
    assert_eq!(asked, expected_asked, "asked about every log file, in key order, with its ETag");
    let read: Vec<&str> = LOGS.iter().copied().filter(|k| !skipped.contains(k) && *k != deleted).collect();
    check_objects(&objects, &read, &put);
    assert_eq!(summary.vanished, [deleted], "only the deleted object that was not skipped was asked for");
    assert_eq!(summary.skipped, skipped.len() as u64);
    assert_eq!(summary.read, read.len() as u64);
    assert_eq!(summary.listed, summary.ignored + summary.skipped + summary.read + summary.vanished.len() as u64);
    assert_eq!(progress.done.load(Ordering::Relaxed), LOGS.len() as u64);
    let warnings = progress.warnings.lock().expect("lock");
    assert!(warnings.len() == 1 && warnings[0].contains(deleted), "{warnings:?}");
}

#[test]
fn a_missing_bucket_is_an_error_naming_it_and_the_code() {
    let Some(moto) = start_moto() else { return };
    let location: S3Location = "s3://remit-no-such-bucket/AWSLogs/".parse().expect("a location");
    let mut called = false;
    let result = read_trail_objects(
        &location,
        &options(&moto.endpoint),
        &NoProgress,
        |_, _| {
            called = true;
            false
        },
        |_| Ok::<(), String>(()),
    );
    let Err(err) = result else { panic!("a missing bucket was read: {result:?}") };
    assert_eq!(err.code(), Some("NoSuchBucket"));
    let shown = err.to_string();
    assert!(shown.starts_with("s3:ListBucket on s3://remit-no-such-bucket/AWSLogs/ failed: NoSuchBucket"), "{shown}");
    let TrailReadError::S3(s3) = err else { panic!("not an S3 error") };
    assert_eq!((s3.action, s3.bucket.as_str(), s3.key.as_str()), ("s3:ListBucket", "remit-no-such-bucket", "AWSLogs/"));
    assert!(!called, "nothing was listed");
    assert!(!shown.contains(SECRET_KEY));
}

#[derive(Debug, PartialEq, Eq)]
struct Stop(usize);

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stopped at object {}", self.0)
    }
}

impl std::error::Error for Stop {}

/// The caller stops the read by returning an error: nothing is handed over after it, and the
/// error comes back as it was.
#[test]
fn an_error_from_on_object_stops_the_read() {
    let Some(moto) = start_moto() else { return };
    put_trail(&moto.endpoint);
    let location: S3Location = format!("s3://{BUCKET}").parse().expect("a location");
    for concurrency in [1, 8] {
        let mut seen = Vec::new();
        let options = TrailReadOptions { concurrency, page_size: 2, ..options(&moto.endpoint) };
        let result = read_trail_objects(
            &location,
            &options,
            &NoProgress,
            |_, _| false,
            |object| {
                seen.push(object.key);
                if seen.len() == 2 { Err(Stop(2)) } else { Ok(()) }
            },
        );
        match result {
            Err(TrailReadError::Handler(stop)) => assert_eq!(stop, Stop(2)),
            other => panic!("expected the handler's error, got {other:?}"),
        }
        assert_eq!(seen, &LOGS[..2], "{concurrency} at a time");
        // The error chain is the caller's own.
        let err: Box<dyn std::error::Error> = Box::new(TrailReadError::Handler(Stop(2)));
        assert_eq!(err.to_string(), "stopped at object 2");
    }
}

/// No answer at all: the error names the bucket and prefix and says why, without a code.
#[test]
fn an_unreachable_endpoint_is_an_error_naming_the_location() {
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let location: S3Location = "s3://remit-org-trail/AWSLogs/".parse().expect("a location");
    let options = TrailReadOptions { max_attempts: 1, ..options(&format!("http://127.0.0.1:{port}")) };
    let result = read_trail_objects(&location, &options, &NoProgress, |_, _| false, |_| Ok::<(), String>(()));
    let Err(TrailReadError::S3(err)) = result else { panic!("expected an S3 error, got {result:?}") };
    assert_eq!(err.code, None);
    let shown = err.to_string();
    assert!(shown.starts_with("s3:ListBucket on s3://remit-org-trail/AWSLogs/ failed: "), "{shown}");
    assert!(!shown.contains(SECRET_KEY), "{shown}");
}
