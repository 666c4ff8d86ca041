//! Reading CloudTrail log objects from S3 (`remit ingest cloudtrail s3://bucket/prefix`).
//!
//! CloudTrail delivers its logs to a bucket, an object per account, region and few minutes
//! (`AWSLogs/<org-id>/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/<file>.json.gz` for an
//! organization trail), and often keeps years of them: far more than fits in memory. This module
//! is the S3 half of ingesting them: [`read_trail_objects`] lists a location's objects with
//! `ListObjectsV2` (every page, through the SDK's paginator), keeps the log files (by their
//! suffix, leaving out CloudTrail's digest files), asks the caller which of them it already has,
//! and downloads the others a few at a time, handing each object's bytes to the caller in key
//! order as they arrive. Parsing is the caller's: this crate is the only one that talks to AWS,
//! and it knows nothing of CloudTrail's record format.
//!
//! **Memory** is bounded by [`TrailReadOptions::concurrency`], not by the bucket: at most that
//! many downloads are in flight, each holds at most one object's bytes until the caller has
//! taken the objects before it, and the listing is read a page (up to 1,000 keys) at a time.
//!
//! **Permissions.** Reading needs only `s3:ListBucket` on the bucket (which may be limited to the
//! prefix with the `s3:prefix` condition key) and `s3:GetObject` on the prefix's objects, plus
//! `kms:Decrypt` on the trail's key when its logs are SSE-KMS encrypted (S3 calls KMS on the
//! reader's behalf). [`TRAIL_READER_POLICY`](crate::TRAIL_READER_POLICY)
//! (`trail-reader-policy.json`) is that policy as a template; a test checks it against every
//! S3 call of this module, as `collector-policy.json` is checked against the collector's.
//!
//! **Regions.** AWS's SDK for Rust does not follow S3's redirect to a bucket's region, so when
//! S3 answers the first listing with the bucket's region (`x-amz-bucket-region`, sent with
//! `PermanentRedirect`), the reader moves there (unless an endpoint URL was given).
//!
//! The client is held in a variable named `s3` (as in `collect.rs`): the policy test finds the
//! calls by that name.

use std::{collections::VecDeque, error::Error, fmt, str::FromStr};

use aws_config::{Region, SdkConfig, retry::RetryConfig};
use aws_sdk_s3::{
    error::{DisplayErrorContext, ProvideErrorMetadata, SdkError},
    types::Object,
};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use tokio::task::JoinHandle;

use crate::{Progress, StaticCredentials};

/// The region a bucket is in when S3 does not say otherwise (and the SDK has none configured).
const DEFAULT_REGION: &str = "us-east-1";

/// The header S3 names a bucket's region in, on redirects and on `HeadBucket`.
const BUCKET_REGION_HEADER: &str = "x-amz-bucket-region";

/// How many times an object whose body broke off mid-download is asked for (the SDK retries
/// failed requests itself, but not a body that stops arriving after the response began).
const BODY_ATTEMPTS: u32 = 3;

/// The suffixes of the objects read: CloudTrail's own `.json.gz`, and the shapes a trail's
/// events take once exported or transformed (JSON Lines, Parquet). Compared ignoring ASCII case.
pub const TRAIL_LOG_SUFFIXES: &[&str] =
    &[".json.gz", ".json", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".parquet"];

/// An S3 location, `s3://bucket/prefix`. The prefix may be empty: `s3://bucket` and
/// `s3://bucket/` mean the whole bucket. The prefix is matched as S3 matches it, character by
/// character: `s3://b/AWSLogs/o-abc` also covers `AWSLogs/o-abcd/...` (end it with `/` to mean a
/// folder).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct S3Location {
    /// The bucket's name.
    pub bucket: String,
    /// The key prefix; empty for the whole bucket.
    pub prefix: String,
}

/// Why a string is not an [`S3Location`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3LocationError {
    /// The string given.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for S3LocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not an S3 location (s3://bucket/prefix): {}", self.input, self.reason)
    }
}

impl Error for S3LocationError {}

impl FromStr for S3Location {
    type Err = S3LocationError;

    fn from_str(input: &str) -> Result<S3Location, S3LocationError> {
        let fail = |reason: String| Err(S3LocationError { input: input.to_owned(), reason });
        let Some(rest) = input.strip_prefix("s3://") else {
            let reason = if input.starts_with("arn:") {
                "an ARN; write the bucket and prefix as s3://bucket/prefix".to_owned()
            } else if let Some((scheme, _)) = input.split_once("://") {
                format!("the scheme is {scheme:?}, not \"s3\" (lower-case)")
            } else {
                "it does not start with s3://".to_owned()
            };
            return fail(reason);
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return fail("the bucket name is empty".to_owned());
        }
        if let Err(reason) = check_bucket_name(bucket) {
            return fail(format!("{bucket:?} is not a valid bucket name: {reason}"));
        }
        Ok(S3Location { bucket: bucket.to_owned(), prefix: prefix.to_owned() })
    }
}

impl fmt::Display for S3Location {
    /// `s3://bucket/prefix` (`s3://bucket/` for the whole bucket), which parses back to the same
    /// location.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// The naming rules of general purpose buckets
/// (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html>): 3 to 63
/// lower-case letters, digits, `.` and `-`, beginning and ending with a letter or digit, no
/// `..`, not shaped like an IP address. (Buckets created in us-east-1 before March 2018 may
/// have other names; CloudTrail has required these rules of its buckets since it began.)
fn check_bucket_name(name: &str) -> Result<(), &'static str> {
    let bytes = name.as_bytes();
    if !(3..=63).contains(&bytes.len()) {
        return Err("bucket names are 3 to 63 characters long");
    }
    if !bytes.iter().all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-') {
        return Err("bucket names have only lower-case letters, digits, '.' and '-'");
    }
    let alphanumeric = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    if !alphanumeric(bytes.first()) || !alphanumeric(bytes.last()) {
        return Err("bucket names begin and end with a letter or digit");
    }
    if name.contains("..") {
        return Err("bucket names have no two adjacent periods");
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err("bucket names are not IP addresses");
    }
    Ok(())
}

/// Whether [`read_trail_objects`] reads the object named `key`: its name ends in one of
/// [`TRAIL_LOG_SUFFIXES`], and it is not one of CloudTrail's digest files (kept under
/// `.../CloudTrail-Digest/`, named `..._CloudTrail-Digest_...json.gz`: they hold hashes of the
/// log files for validation, not events).
pub fn is_trail_log_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    let suffix = TRAIL_LOG_SUFFIXES
        .iter()
        .any(|s| bytes.len() >= s.len() && bytes[bytes.len() - s.len()..].eq_ignore_ascii_case(s.as_bytes()));
    let digest = key.split('/').any(|segment| segment == "CloudTrail-Digest") || key.contains("_CloudTrail-Digest_");
    suffix && !digest
}

/// One object read: its bytes exactly as stored (a `.json.gz` stays gzip-compressed, whatever
/// its `Content-Encoding`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailObject {
    /// The object's key.
    pub key: String,
    /// Its ETag as `GetObject` returned it, without the surrounding quotes.
    pub etag: Option<String>,
    /// Its size in bytes (the length of `body`).
    pub size: u64,
    /// Its bytes.
    pub body: Vec<u8>,
}

/// How to reach S3 and how hard to read.
#[derive(Debug, Clone)]
pub struct TrailReadOptions {
    /// An endpoint that replaces AWS's (moto or LocalStack in tests). With one, the reader does
    /// not follow S3 to the bucket's region.
    pub endpoint_url: Option<String>,
    /// The region to ask first; none: the profile's or the environment's, else `us-east-1`.
    /// S3's redirect to the bucket's own region is followed.
    pub region: Option<String>,
    /// The named profile of the shared config files; none: the default credential chain.
    pub profile: Option<String>,
    /// Credentials to use instead of the profile's (tests).
    pub credentials: Option<StaticCredentials>,
    /// Address the bucket by path (`endpoint/bucket`) rather than by host name; needed for
    /// endpoints on loopback addresses such as moto's.
    pub force_path_style: bool,
    /// Downloads in flight at a time (at least 1), and so objects held in memory at most.
    pub concurrency: usize,
    /// Keys per `ListObjectsV2` page, 1 to 1000 (S3's most).
    pub page_size: i32,
    /// Attempts per request, the first included (at least 1): the SDK retries throttling and
    /// transient errors with exponential backoff.
    pub max_attempts: u32,
}

impl Default for TrailReadOptions {
    /// The default credential chain and region, 8 downloads at a time, pages of 1,000 keys,
    /// 10 attempts per request.
    fn default() -> TrailReadOptions {
        TrailReadOptions {
            endpoint_url: None,
            region: None,
            profile: None,
            credentials: None,
            force_path_style: false,
            concurrency: 8,
            page_size: 1000,
            max_attempts: 10,
        }
    }
}

/// What a read did. Every listed object is counted once: `listed == ignored + skipped + read +
/// vanished.len()` when the read ran to its end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrailReadSummary {
    /// Objects listed under the location.
    pub listed: u64,
    /// Listed objects that are not log files ([`is_trail_log_key`]): digests, other suffixes,
    /// folder markers.
    pub ignored: u64,
    /// Log files the caller's `skip` said it already had (not downloaded).
    pub skipped: u64,
    /// Log files handed to `on_object`.
    pub read: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Log files deleted between listing and reading (`NoSuchKey`: a lifecycle rule expiring
    /// old logs during the read, say), by key.
    pub vanished: Vec<String>,
}

/// An S3 request that failed, after the SDK's retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailS3Error {
    /// The IAM action of the request: `s3:ListBucket` (`ListObjectsV2`) or `s3:GetObject`.
    pub action: &'static str,
    /// The bucket.
    pub bucket: String,
    /// The object's key (`s3:GetObject`) or the prefix listed (`s3:ListBucket`).
    pub key: String,
    /// AWS's error code (`AccessDenied`, `NoSuchBucket` ...); none when the request got no answer
    /// (network, credentials, timeout) or the answer had no code the SDK could read.
    pub code: Option<String>,
    /// AWS's message, or the error chain when there was no answer.
    pub message: String,
    /// The bucket's region, when S3 named it (it does when the request went to another region).
    pub bucket_region: Option<String>,
}

impl fmt::Display for TrailS3Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on s3://{}/{} failed: ", self.action, self.bucket, self.key)?;
        match (&self.code, self.message.is_empty()) {
            (Some(code), true) => f.write_str(code)?,
            (Some(code), false) => write!(f, "{code}: {}", self.message)?,
            (None, _) => f.write_str(&self.message)?,
        }
        if self.code.as_deref() == Some("AccessDenied") {
            if self.action == "s3:GetObject" {
                write!(
                    f,
                    " (reading needs s3:GetObject on the objects, and kms:Decrypt on the trail's key when its logs \
                     are SSE-KMS encrypted: see trail-reader-policy.json)"
                )?;
            } else {
                write!(
                    f,
                    " (listing needs s3:ListBucket on arn:aws:s3:::{} for this prefix: see trail-reader-policy.json)",
                    self.bucket
                )?;
            }
        }
        if let Some(region) = &self.bucket_region {
            write!(f, " (the bucket is in {region}: give that region)")?;
        }
        Ok(())
    }
}

impl Error for TrailS3Error {}

/// Why [`read_trail_objects`] stopped before the end. `E` is the error `on_object` returned.
#[derive(Debug)]
pub enum TrailReadError<E> {
    /// The options cannot be used (concurrency 0, a page size out of range ...), or the reader
    /// was called inside a Tokio runtime.
    Config(String),
    /// The reader's Tokio runtime could not be started.
    Runtime(std::io::Error),
    /// S3 refused or failed a request (boxed: it is the large one).
    S3(Box<TrailS3Error>),
    /// `on_object` returned this error; nothing was read after it.
    Handler(E),
}

impl<E> TrailReadError<E> {
    /// AWS's error code, when S3 sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            TrailReadError::S3(err) => err.code.as_deref(),
            _ => None,
        }
    }
}

impl<E: fmt::Display> fmt::Display for TrailReadError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrailReadError::Config(message) => f.write_str(message),
            TrailReadError::Runtime(err) => write!(f, "cannot start the S3 reader's runtime: {err}"),
            TrailReadError::S3(err) => err.fmt(f),
            // The caller's own error, as it wrote it.
            TrailReadError::Handler(err) => err.fmt(f),
        }
    }
}

impl<E: Error + 'static> Error for TrailReadError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            TrailReadError::Config(_) => None,
            TrailReadError::Runtime(err) => Some(err),
            TrailReadError::S3(err) => Some(err.as_ref()),
            // Displayed as itself: its source is the caller's error's source.
            TrailReadError::Handler(err) => err.source(),
        }
    }
}

/// Reads the CloudTrail log objects under `location`.
///
/// Lists every object under the location, in key order (S3 lists a general purpose bucket's
/// keys in UTF-8 binary order), and keeps those [`is_trail_log_key`] accepts. For each, in that
/// order, `skip(key, etag)` (the ETag as listed, without quotes) is asked before anything is
/// downloaded: `true` means the caller already has it, and it is not downloaded. The others are
/// downloaded, [`TrailReadOptions::concurrency`] at a time, and handed to `on_object` one by
/// one in key order. An error from `on_object` stops the read (the downloads in flight are
/// abandoned) and comes back as [`TrailReadError::Handler`].
///
/// `progress` counts a unit of work per log file (known as the listing goes: the total grows
/// page by page), done when it is skipped, read or found deleted, and shows the key being read.
///
/// Builds its own single-threaded Tokio runtime: call it from a thread without one (inside one,
/// it returns [`TrailReadError::Config`]). `skip` and `on_object` run on the calling thread.
pub fn read_trail_objects<E>(
    location: &S3Location,
    options: &TrailReadOptions,
    progress: &dyn Progress,
    mut skip: impl FnMut(&str, Option<&str>) -> bool,
    mut on_object: impl FnMut(TrailObject) -> Result<(), E>,
) -> Result<TrailReadSummary, TrailReadError<E>> {
    validate(options)?;
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(TrailReadError::Config(
            "read_trail_objects makes its own Tokio runtime and cannot be called inside one".to_owned(),
        ));
    }
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(TrailReadError::Runtime)?;
    runtime.block_on(read(location, options, progress, &mut skip, &mut on_object))
}

fn validate<E>(options: &TrailReadOptions) -> Result<(), TrailReadError<E>> {
    let bad = |message: &str| Err(TrailReadError::Config(message.to_owned()));
    if options.concurrency == 0 {
        return bad("concurrency must be at least 1");
    }
    if !(1..=1000).contains(&options.page_size) {
        return bad("page_size must be 1 to 1000");
    }
    if options.max_attempts == 0 {
        return bad("max_attempts must be at least 1");
    }
    Ok(())
}

async fn sdk_config(options: &TrailReadOptions) -> SdkConfig {
    crate::collect::load_sdk_config(crate::collect::SdkSource {
        retry: RetryConfig::adaptive().with_max_attempts(options.max_attempts),
        profile: options.profile.as_deref(),
        region: options.region.as_deref(),
        endpoint_url: options.endpoint_url.as_deref(),
        credentials: options.credentials.as_ref(),
    })
    .await
}

fn s3_client(sdk: &SdkConfig, region: &str, options: &TrailReadOptions) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .region(Region::new(region.to_owned()))
            .force_path_style(options.force_path_style)
            .build(),
    )
}

/// A log file listed and not yet downloaded or skipped.
struct Listed {
    key: String,
    etag: Option<String>,
}

/// Counts a page's objects and queues its log files.
fn take_page(
    objects: &[Object],
    queue: &mut VecDeque<Listed>,
    summary: &mut TrailReadSummary,
    progress: &dyn Progress,
) {
    let before = queue.len();
    for object in objects {
        summary.listed += 1;
        match object.key() {
            Some(key) if is_trail_log_key(key) => queue.push_back(listed(key, object)),
            _ => summary.ignored += 1,
        }
    }
    progress.add_work((queue.len() - before) as u64);
}

fn listed(key: &str, object: &Object) -> Listed {
    Listed { key: key.to_owned(), etag: unquoted(object.e_tag()) }
}

/// An ETag without the quotes S3 puts around it.
fn unquoted(etag: Option<&str>) -> Option<String> {
    etag.map(|e| e.trim_matches('"').to_owned()).filter(|e| !e.is_empty())
}

/// The region S3 says the bucket is in (`x-amz-bucket-region`), when it answered at all.
fn bucket_region<E>(err: &SdkError<E, HttpResponse>) -> Option<&str> {
    match err {
        SdkError::ServiceError(service) => service.raw().headers().get(BUCKET_REGION_HEADER).filter(|r| !r.is_empty()),
        _ => None,
    }
}

fn s3_error<E>(action: &'static str, bucket: &str, key: &str, err: &SdkError<E, HttpResponse>) -> TrailS3Error
where
    E: ProvideErrorMetadata + Error + 'static,
{
    let (code, message) = match err {
        SdkError::ServiceError(service) => match (err.code(), err.message()) {
            (Some(code), message) => (Some(code.to_owned()), message.unwrap_or("").to_owned()),
            (None, _) => (None, format!("HTTP {} with no error code the SDK could read", service.raw().status())),
        },
        _ => (None, DisplayErrorContext(err).to_string()),
    };
    TrailS3Error {
        action,
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        code,
        message,
        bucket_region: bucket_region(err).map(str::to_owned),
    }
}

/// What a download came to.
enum Fetched {
    Object(TrailObject),
    /// `NoSuchKey`: deleted since it was listed.
    Gone(String),
    Failed(TrailS3Error),
}

/// Downloads one object (retrying a body that broke off).
async fn fetch(s3: aws_sdk_s3::Client, bucket: String, key: String) -> Fetched {
    let mut attempt = 1;
    loop {
        let out = match s3.get_object().bucket(&bucket).key(&key).send().await {
            Ok(out) => out,
            Err(err) if err.code() == Some("NoSuchKey") => return Fetched::Gone(key),
            Err(err) => return Fetched::Failed(s3_error("s3:GetObject", &bucket, &key, &err)),
        };
        let etag = unquoted(out.e_tag());
        match out.body.collect().await {
            Ok(bytes) => {
                let body = bytes.to_vec();
                return Fetched::Object(TrailObject { key, etag, size: body.len() as u64, body });
            }
            Err(_) if attempt < BODY_ATTEMPTS => attempt += 1,
            Err(err) => {
                return Fetched::Failed(TrailS3Error {
                    action: "s3:GetObject",
                    bucket,
                    key,
                    code: None,
                    message: format!(
                        "the object's body broke off {BODY_ATTEMPTS} times: {}",
                        DisplayErrorContext(&err)
                    ),
                    bucket_region: None,
                });
            }
        }
    }
}

/// The downloads in flight, oldest first; the ones left are aborted when it is dropped (an
/// error stopped the read).
struct InFlight(VecDeque<(String, JoinHandle<Fetched>)>);

impl Drop for InFlight {
    fn drop(&mut self) {
        for (_, handle) in &self.0 {
            handle.abort();
        }
    }
}

async fn read<E>(
    location: &S3Location,
    options: &TrailReadOptions,
    progress: &dyn Progress,
    skip: &mut dyn FnMut(&str, Option<&str>) -> bool,
    on_object: &mut dyn FnMut(TrailObject) -> Result<(), E>,
) -> Result<TrailReadSummary, TrailReadError<E>> {
    let mut summary = TrailReadSummary::default();
    progress.status(&format!("listing {location}"));
    let sdk = sdk_config(options).await;
    let mut region = sdk.region().map(|r| r.as_ref().to_owned()).unwrap_or_else(|| DEFAULT_REGION.to_owned());
    let mut s3 = s3_client(&sdk, &region, options);
    let prefix = Some(location.prefix.clone()).filter(|p| !p.is_empty());
    let list = |s3: &aws_sdk_s3::Client| {
        s3.list_objects_v2()
            .bucket(&location.bucket)
            .set_prefix(prefix.clone())
            .max_keys(options.page_size)
            .into_paginator()
            .send()
    };
    let mut pages = list(&s3);
    // The current page's log files not yet taken; whether a page was read (S3 redirects on the
    // first) and whether the last was.
    let mut queue = VecDeque::new();
    let mut first = true;
    let mut listed_all = false;
    let mut in_flight = InFlight(VecDeque::with_capacity(options.concurrency));
    loop {
        // Keep `concurrency` downloads going (each task runs while this one waits, here for the
        // next page or below for the oldest download).
        while in_flight.0.len() < options.concurrency {
            let Some(next) = queue.pop_front() else {
                if listed_all {
                    break;
                }
                match pages.next().await {
                    None => listed_all = true,
                    Some(Ok(page)) => take_page(page.contents(), &mut queue, &mut summary, progress),
                    Some(Err(err)) => {
                        let moved = bucket_region(&err).filter(|r| *r != region).map(str::to_owned);
                        match moved {
                            Some(moved) if first && options.endpoint_url.is_none() => {
                                progress.status(&format!("listing {location} in {moved}"));
                                s3 = s3_client(&sdk, &moved, options);
                                pages = list(&s3);
                                region = moved;
                            }
                            _ => {
                                let err = s3_error("s3:ListBucket", &location.bucket, &location.prefix, &err);
                                return Err(TrailReadError::S3(Box::new(err)));
                            }
                        }
                    }
                }
                first = false;
                continue;
            };
            if skip(&next.key, next.etag.as_deref()) {
                summary.skipped += 1;
                progress.work_done(1);
                continue;
            }
            let task = fetch(s3.clone(), location.bucket.clone(), next.key.clone());
            in_flight.0.push_back((next.key, tokio::spawn(task)));
        }
        let Some((key, oldest)) = in_flight.0.pop_front() else { break };
        // (A task fails only if it panicked: the runtime is ours and outlives it.)
        let fetched = oldest.await.unwrap_or_else(|err| {
            Fetched::Failed(TrailS3Error {
                action: "s3:GetObject",
                bucket: location.bucket.clone(),
                key,
                code: None,
                message: format!("the download stopped: {err}"),
                bucket_region: None,
            })
        });
        match fetched {
            Fetched::Object(object) => {
                progress.status(&format!("s3://{}/{}", location.bucket, object.key));
                summary.read += 1;
                summary.bytes += object.size;
                on_object(object).map_err(TrailReadError::Handler)?;
            }
            Fetched::Gone(key) => {
                progress.warn(&format!("s3://{}/{key} was deleted before it could be read", location.bucket));
                summary.vanished.push(key);
            }
            Fetched::Failed(err) => return Err(TrailReadError::S3(Box::new(err))),
        }
        progress.work_done(1);
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use aws_sdk_s3::primitives::SdkBody;
    use aws_smithy_runtime_api::http::StatusCode;

    use super::*;
    use crate::NoProgress;

    fn location(text: &str) -> Result<S3Location, S3LocationError> {
        text.parse()
    }

    fn ok(bucket: &str, prefix: &str) -> Result<S3Location, S3LocationError> {
        Ok(S3Location { bucket: bucket.to_owned(), prefix: prefix.to_owned() })
    }

    #[test]
    fn locations_parse() {
        assert_eq!(location("s3://trail-bucket"), ok("trail-bucket", ""));
        assert_eq!(location("s3://trail-bucket/"), ok("trail-bucket", ""));
        assert_eq!(location("s3://trail-bucket/AWSLogs/o-abc/"), ok("trail-bucket", "AWSLogs/o-abc/"));
        assert_eq!(location("s3://trail-bucket/AWSLogs/o-abc"), ok("trail-bucket", "AWSLogs/o-abc"));
        assert_eq!(location("s3://my.trail.bucket-1/a b/ü//x?y#z"), ok("my.trail.bucket-1", "a b/ü//x?y#z"));
        assert_eq!(location("s3://abc//"), ok("abc", "/"));
        assert_eq!(location(&format!("s3://{}", "a".repeat(63))), ok(&"a".repeat(63), ""));
    }

    #[test]
    fn bad_locations_say_why() {
        let reason = |text: &str| match location(text) {
            Ok(parsed) => panic!("{text:?} parsed as {parsed:?}"),
            Err(err) => {
                assert_eq!(err.input, text);
                let shown = err.to_string();
                assert!(shown.contains(&format!("{text:?}")) && shown.contains(&err.reason), "{shown}");
                err.reason
            }
        };
        assert!(reason("trail-bucket/AWSLogs").contains("s3://"));
        assert!(reason("").contains("s3://"));
        assert!(reason("S3://trail-bucket").contains("\"S3\""));
        assert!(reason("https://trail-bucket.s3.amazonaws.com/x").contains("\"https\""));
        assert!(reason("arn:aws:s3:::trail-bucket").contains("ARN"));
        assert!(reason("s3://").contains("empty"));
        assert!(reason("s3:///AWSLogs/").contains("empty"));
        assert!(reason("s3:/trail-bucket").contains("s3://"));
        for bad in ["ab", &"a".repeat(64), "Trail-Bucket", "trail_bucket", "trail bucket", "-trail", "trail.", "a..b"] {
            let why = reason(&format!("s3://{bad}/x"));
            assert!(why.contains("not a valid bucket name"), "{bad}: {why}");
        }
        assert!(reason("s3://192.168.5.4/").contains("IP address"));
    }

    /// Every location prints as a string that parses back to it, over a grid of buckets and
    /// prefixes (the crate has no property-testing dependency).
    #[test]
    fn locations_round_trip() {
        let buckets = ["abc", "trail-bucket", "my.trail.bucket-1", "0-9", &"z".repeat(63)];
        let prefixes = ["", "/", "AWSLogs", "AWSLogs/", "AWSLogs/o-abc/111122223333/", "a//b", " ü€ ", "x?y#z/"];
        for bucket in buckets {
            for prefix in prefixes {
                let loc = S3Location { bucket: bucket.to_owned(), prefix: prefix.to_owned() };
                let text = loc.to_string();
                assert_eq!(text.parse::<S3Location>().as_ref(), Ok(&loc), "{text}");
                assert!(text.starts_with("s3://"));
            }
        }
    }

    #[test]
    fn log_keys_are_recognized() {
        let base = "AWSLogs/o-abc/111122223333/CloudTrail/us-east-1/2026/02/27/";
        for name in [
            "111122223333_CloudTrail_us-east-1_20260227T1005Z_AbCdEf0123456789.json.gz",
            "x.json",
            "x.jsonl",
            "x.jsonl.gz",
            "x.ndjson",
            "x.ndjson.gz",
            "x.parquet",
            "X.JSON.GZ",
        ] {
            assert!(is_trail_log_key(&format!("{base}{name}")), "{name}");
            assert!(is_trail_log_key(name), "{name}");
        }
        for key in [
            format!("{base}README.txt"),
            format!("{base}x.json.gz.tmp"),
            format!("{base}x.gz"),
            base.to_owned(),
            "AWSLogs/o-abc/111122223333/CloudTrail-Digest/us-east-1/2026/02/27/\
             111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20260227T100500Z.json.gz"
                .to_owned(),
            "elsewhere/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20260227T100500Z.json.gz".to_owned(),
            "json".to_owned(),
        ] {
            assert!(!is_trail_log_key(&key), "{key}");
        }
        // A prefix that merely names digests does not hide logs.
        assert!(is_trail_log_key("CloudTrail-Digest-copies-not/x.json.gz"));
    }

    #[test]
    fn etags_lose_their_quotes() {
        assert_eq!(
            unquoted(Some("\"9b2cf535f27731c974343645a3985328\"")).as_deref(),
            Some("9b2cf535f27731c974343645a3985328")
        );
        assert_eq!(unquoted(Some("abc-2")).as_deref(), Some("abc-2"));
        assert_eq!(unquoted(Some("\"\"")), None);
        assert_eq!(unquoted(None), None);
    }

    #[test]
    fn options_are_checked() {
        let loc = S3Location { bucket: "trail-bucket".into(), prefix: String::new() };
        let run = |options: &TrailReadOptions| {
            read_trail_objects(&loc, options, &NoProgress, |_, _| true, |_| Ok::<(), String>(()))
        };
        for bad in [
            TrailReadOptions { concurrency: 0, ..TrailReadOptions::default() },
            TrailReadOptions { page_size: 0, ..TrailReadOptions::default() },
            TrailReadOptions { page_size: 1001, ..TrailReadOptions::default() },
            TrailReadOptions { max_attempts: 0, ..TrailReadOptions::default() },
        ] {
            assert!(matches!(run(&bad), Err(TrailReadError::Config(_))), "{bad:?}");
        }
        assert_eq!(TrailReadOptions::default().concurrency, 8);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn not_inside_a_runtime() {
        let loc = S3Location { bucket: "trail-bucket".into(), prefix: String::new() };
        let result =
            read_trail_objects(&loc, &TrailReadOptions::default(), &NoProgress, |_, _| true, |_| Ok::<(), String>(()));
        assert!(matches!(result, Err(TrailReadError::Config(ref m)) if m.contains("runtime")), "{result:?}");
    }

    /// A request sent to another region than the bucket's: S3's `PermanentRedirect` names the
    /// bucket's region in a header, which the reader moves to and the error shows.
    #[test]
    fn redirects_name_the_region() {
        let mut raw = HttpResponse::new(StatusCode::try_from(301).expect("status"), SdkBody::from("<Error/>"));
        raw.headers_mut().insert(BUCKET_REGION_HEADER, "eu-west-3");
        let err: SdkError<aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Error, HttpResponse> =
            SdkError::service_error(
                aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Error::generic(
                    aws_sdk_s3::error::ErrorMetadata::builder()
                        .code("PermanentRedirect")
                        .message(
                            "The bucket you are attempting to access must be addressed using the specified endpoint.",
                        )
                        .build(),
                ),
                raw,
            );
        assert_eq!(bucket_region(&err), Some("eu-west-3"));
        let described = s3_error("s3:ListBucket", "trail-bucket", "AWSLogs/", &err);
        assert_eq!(described.code.as_deref(), Some("PermanentRedirect"));
        assert_eq!(described.bucket_region.as_deref(), Some("eu-west-3"));
        let shown = described.to_string();
        assert!(
            shown.starts_with("s3:ListBucket on s3://trail-bucket/AWSLogs/ failed: PermanentRedirect: ")
                && shown.ends_with("(the bucket is in eu-west-3: give that region)"),
            "{shown}"
        );
    }

    #[test]
    fn access_denied_points_at_the_policy() {
        let err = TrailS3Error {
            action: "s3:GetObject",
            bucket: "trail-bucket".into(),
            key: "AWSLogs/x.json.gz".into(),
            code: Some("AccessDenied".into()),
            message: "Access Denied".into(),
            bucket_region: None,
        };
        let shown = TrailReadError::<std::io::Error>::S3(Box::new(err)).to_string();
        assert!(
            shown
                .starts_with("s3:GetObject on s3://trail-bucket/AWSLogs/x.json.gz failed: AccessDenied: Access Denied")
        );
        assert!(shown.contains("kms:Decrypt") && shown.contains("trail-reader-policy.json"), "{shown}");
    }
}
