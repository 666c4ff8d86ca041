//! Amazon Security Lake's CloudTrail: OCSF events in Apache Parquet, into the same rollups as
//! CloudTrail's JSON.
//!
//! Security Lake stores CloudTrail's management events and its S3 and Lambda data events as OCSF
//! (<https://docs.aws.amazon.com/security-lake/latest/userguide/open-cybersecurity-schema-framework.html>):
//! source version 1 in OCSF 1.0.0-rc.2 (API Activity is class 3005), source version 2 in OCSF
//! 1.1.0 (class 6003); management events also come as Account Change (3001) and Authentication
//! (3002). Every class carries the same `actor` and `api` objects, so every row is read alike.
//! Each row becomes a [`Record`] — the struct CloudTrail's JSON is read into — and is counted by
//! [`Sink::record_at`], so who made a request and which action it used are decided by the same
//! code whatever the format.
//!
//! The mapping (the OCSF project's CloudTrail mappings, `ocsf/examples`, `mappings/markdown/AWS`):
//!
//! | CloudTrail | OCSF 1.1.0 (and later) | OCSF 1.0.0-rc.2 |
//! |---|---|---|
//! | `eventTime` | `time` (epoch ms), else `time_dt` | `time` |
//! | `eventSource`, `eventName` | `api.service.name`, `api.operation` | same |
//! | `errorCode` | `api.response.error` | same |
//! | `awsRegion` | `cloud.region` | same |
//! | `recipientAccountId` | `cloud.account.uid`, else `unmapped` | `cloud.account_uid`, else `unmapped` |
//! | `eventType` | `metadata.event_code`, else `unmapped` | `unmapped` |
//! | `userIdentity.type` | `actor.user.type` | same |
//! | `userIdentity.arn` | `actor.user.uid` | `actor.user.uuid` |
//! | `userIdentity.principalId` | `actor.user.uid_alt` | `actor.user.uid` |
//! | `userIdentity.onBehalfOf.userId` | `actor.user.uid_alt` when `actor.idp.uid` is an Identity Store | — |
//! | `userIdentity.accountId` | `actor.user.account.uid` | `actor.user.account_uid` |
//! | `userIdentity.userName` | `actor.user.name` | same |
//! | `userIdentity.invokedBy` | `actor.invoked_by` | same |
//! | `…identityProvider`, `…webIdFederationData.federatedProvider` | `actor.idp.name` | same |
//! | `…sessionContext.sessionIssuer.arn` | `actor.session.issuer` | same |
//! | `requestParameters` | `api.request.data` (JSON text), else `unmapped` | `unmapped` (JSON text, or flattened `requestParameters.<name>` keys) |
//! | `resources[].ARN`, `.type` | `resources[].uid`, `.type` | same |
//! | `sharedEventID`, `…sessionIssuer.accountId`, `…sessionContext.sourceIdentity` | `unmapped` (flattened keys) | same |
//!
//! A file is read one row group at a time, and only the columns above (a projection: the
//! rest of a row — observables, response data, endpoints — is never decoded). Damage is reported
//! with the file, the row (its index in the file) and the row group; the rows before it are
//! counted. Rows of another product than CloudTrail (the same classes hold EKS audit logs, for
//! one) are not read and are reported once per file.

use std::{
    borrow::Cow,
    panic::{AssertUnwindSafe, catch_unwind},
    sync::Arc,
};

use bytes::Bytes;
use parquet::{
    basic::{ConvertedType, LogicalType, Repetition, TimeUnit, Type as Physical},
    file::reader::{FileReader, SerializedFileReader},
    record::{Field, Row, reader::RowIter},
    schema::types::{Type, TypePtr},
};
use remit_activity::window::parse_time;
use serde::{
    Deserialize,
    de::value::{Error as ValueError, MapDeserializer},
};

use crate::{
    read::{Issue, Names, Sink},
    record::{
        Lenient, OnBehalfOf, Record, RequestParameters, ResourceRef, SessionContext, SessionIssuer, Text, UserIdentity,
        WebIdFederationData,
    },
};

/// Parquet's magic number, at both ends of a file.
const MAGIC: &[u8; 4] = b"PAR1";

/// Whether `bytes` are a Parquet file: they begin with its magic number (a file cut short still
/// is one, and is reported as damaged rather than read as JSON).
pub(crate) fn is_parquet(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// How OCSF names what a row lacks.
const OCSF: Names = Names {
    time: "time is missing or not a time (epoch milliseconds or a timestamp)",
    source_or_name: "api.service.name or api.operation is missing",
    caller: "actor.user names no caller",
};

/// What a column must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A string (BYTE_ARRAY).
    Text,
    /// Epoch milliseconds, a timestamp, or ISO 8601 text.
    Time,
    /// A group read whole (a list of resources, the map of unmapped fields).
    Whole,
}

/// The columns read, by their dotted path; every other column is left undecoded.
const COLUMNS: &[(&str, Kind)] = &[
    ("time", Kind::Time),
    ("time_dt", Kind::Time),
    ("metadata.product.name", Kind::Text),
    ("metadata.event_code", Kind::Text),
    ("actor.user.type", Kind::Text),
    ("actor.user.uid", Kind::Text),
    ("actor.user.uuid", Kind::Text),
    ("actor.user.uid_alt", Kind::Text),
    ("actor.user.name", Kind::Text),
    ("actor.user.account.uid", Kind::Text),
    ("actor.user.account_uid", Kind::Text),
    ("actor.session.issuer", Kind::Text),
    ("actor.invoked_by", Kind::Text),
    ("actor.idp.name", Kind::Text),
    ("actor.idp.uid", Kind::Text),
    ("api.operation", Kind::Text),
    ("api.service.name", Kind::Text),
    ("api.response.error", Kind::Text),
    ("api.request.data", Kind::Text),
    ("cloud.region", Kind::Text),
    ("cloud.account.uid", Kind::Text),
    ("cloud.account_uid", Kind::Text),
    ("resources", Kind::Whole),
    ("unmapped", Kind::Whole),
];

/// The keys of `unmapped` that are read (besides `requestParameters.<name>`).
const UNMAPPED: &[&str] = &[
    "recipientAccountId",
    "requestParameters",
    "eventType",
    "sharedEventID",
    "userIdentity.sessionContext.sessionIssuer.accountId",
    "userIdentity.sessionContext.sessionIssuer.type",
    "userIdentity.sessionContext.sourceIdentity",
    "userIdentity.onBehalfOf.userId",
    "userIdentity.onBehalfOf.identityStoreArn",
];

/// The columns of a file that are read.
struct Projection {
    /// The file's schema cut down to them.
    schema: Type,
    /// The paths found (with a fitting type).
    found: Vec<&'static str>,
    /// Columns whose type is not what OCSF says, left unread: `path (type)`.
    unfit: Vec<String>,
    /// INT64 time columns in nanoseconds (which the record API hands over as plain integers).
    nanos: Vec<&'static str>,
}

impl Projection {
    fn has(&self, path: &str) -> bool {
        self.found.contains(&path)
    }
}

fn describe(t: &Type) -> String {
    if t.is_group() {
        let info = t.get_basic_info();
        match (info.logical_type_ref(), info.converted_type()) {
            (Some(LogicalType::List), _) | (_, ConvertedType::LIST) => "a list".to_owned(),
            (Some(LogicalType::Map), _) | (_, ConvertedType::MAP | ConvertedType::MAP_KEY_VALUE) => "a map".to_owned(),
            _ if info.has_repetition() && info.repetition() == Repetition::REPEATED => "a repeated group".to_owned(),
            _ => "a group".to_owned(),
        }
    } else {
        format!("{}", t.get_physical_type())
    }
}

fn repeated(t: &Type) -> bool {
    let info = t.get_basic_info();
    info.has_repetition() && info.repetition() == Repetition::REPEATED
}

/// Whether `t` can be read as `kind`.
fn fits(t: &Type, kind: Kind) -> bool {
    match kind {
        Kind::Text => t.is_primitive() && !repeated(t) && t.get_physical_type() == Physical::BYTE_ARRAY,
        Kind::Time => {
            t.is_primitive()
                && !repeated(t)
                && matches!(t.get_physical_type(), Physical::INT64 | Physical::INT96 | Physical::BYTE_ARRAY)
        }
        Kind::Whole => t.is_group(),
    }
}

/// A plain struct (not a list, a map or repeated) that can be walked into.
fn is_struct(t: &Type) -> bool {
    let info = t.get_basic_info();
    t.is_group()
        && !repeated(t)
        && !matches!(info.logical_type_ref(), Some(LogicalType::List | LogicalType::Map))
        && !matches!(info.converted_type(), ConvertedType::LIST | ConvertedType::MAP | ConvertedType::MAP_KEY_VALUE)
}

fn wanted_below(path: &str) -> bool {
    COLUMNS.iter().any(|(p, _)| p.len() > path.len() && p.starts_with(path) && p.as_bytes()[path.len()] == b'.')
}

fn project_group(group: &Type, prefix: &str, out: &mut Projection) -> parquet::errors::Result<Vec<TypePtr>> {
    let mut kept = Vec::new();
    for child in group.get_fields() {
        let path = if prefix.is_empty() { child.name().to_owned() } else { format!("{prefix}.{}", child.name()) };
        if let Some((name, kind)) = COLUMNS.iter().find(|(p, _)| *p == path) {
            if fits(child, *kind) {
                kept.push(child.clone());
                out.found.push(name);
                let nanos = matches!(
                    child.get_basic_info().logical_type_ref(),
                    Some(LogicalType::Timestamp(t)) if matches!(t.unit, TimeUnit::NANOS)
                );
                if *kind == Kind::Time && nanos {
                    out.nanos.push(name);
                }
            } else {
                out.unfit.push(format!("{path} ({})", describe(child)));
            }
        } else if wanted_below(&path) {
            if !is_struct(child) {
                out.unfit.push(format!("{path} ({}, not a struct)", describe(child)));
                continue;
            }
            let fields = project_group(child, &path, out)?;
            if fields.is_empty() {
                continue;
            }
            let info = child.get_basic_info();
            let mut builder = Type::group_type_builder(info.name())
                .with_fields(fields)
                .with_converted_type(info.converted_type())
                .with_logical_type(info.logical_type_ref().cloned());
            if info.has_repetition() {
                builder = builder.with_repetition(info.repetition());
            }
            if info.has_id() {
                builder = builder.with_id(Some(info.id()));
            }
            kept.push(Arc::new(builder.build()?));
        }
    }
    Ok(kept)
}

/// The file's schema cut down to [`COLUMNS`].
fn project(root: &Type) -> parquet::errors::Result<Projection> {
    let mut out = Projection {
        schema: Type::group_type_builder(root.name()).build()?,
        found: Vec::new(),
        unfit: Vec::new(),
        nanos: Vec::new(),
    };
    let fields = project_group(root, "", &mut out)?;
    out.schema = Type::group_type_builder(root.name()).with_fields(fields).build()?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Rows.

fn field<'r>(row: &'r Row, name: &str) -> Option<&'r Field> {
    row.get_column_iter().find(|(n, _)| n.as_str() == name).map(|(_, f)| f)
}

fn at<'r>(row: &'r Row, path: &[&str]) -> Option<&'r Field> {
    let (last, parents) = path.split_last()?;
    let mut row = row;
    for name in parents {
        match field(row, name)? {
            Field::Group(inner) => row = inner,
            _ => return None,
        }
    }
    field(row, last)
}

fn as_str(f: &Field) -> Option<&str> {
    match f {
        Field::Str(s) => Some(s),
        Field::Bytes(b) => b.as_utf8().ok(),
        _ => None,
    }
}

fn str_at<'r>(row: &'r Row, path: &[&str]) -> Option<&'r str> {
    at(row, path).and_then(as_str)
}

fn text(s: Option<&str>) -> Text<'_> {
    Text(s.map(Cow::Borrowed))
}

/// The keys of `unmapped` that are read, whether it is a map (Security Lake) or a struct.
fn unmapped(row: &Row) -> Vec<(&str, &str)> {
    let wanted = |k: &str| UNMAPPED.contains(&k) || k.starts_with("requestParameters.");
    let mut out = Vec::new();
    match field(row, "unmapped") {
        Some(Field::MapInternal(map)) => {
            for (k, v) in map.entries() {
                if let (Some(k), Some(v)) = (as_str(k), as_str(v))
                    && wanted(k)
                {
                    out.push((k, v));
                }
            }
        }
        Some(Field::Group(group)) => {
            for (k, v) in group.get_column_iter() {
                if let Some(v) = as_str(v)
                    && wanted(k)
                {
                    out.push((k.as_str(), v));
                }
            }
        }
        _ => {}
    }
    out
}

fn lookup<'r>(pairs: &[(&'r str, &'r str)], key: &str) -> Option<&'r str> {
    pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// The row's time in Unix seconds.
fn time_of(row: &Row, nanos: &[&str]) -> Option<i64> {
    for name in ["time", "time_dt"] {
        let seconds = match field(row, name) {
            Some(Field::Long(n)) if nanos.contains(&name) => Some(n.div_euclid(1_000_000_000)),
            Some(Field::Long(ms) | Field::TimestampMillis(ms)) => Some(ms.div_euclid(1_000)),
            Some(Field::TimestampMicros(us)) => Some(us.div_euclid(1_000_000)),
            Some(f) => as_str(f).and_then(parse_time),
            None => None,
        };
        if seconds.is_some() {
            return seconds;
        }
    }
    None
}

/// `requestParameters`: JSON text in `api.request.data` or `unmapped`, else flattened
/// `requestParameters.<name>` keys of `unmapped`.
fn request_parameters<'r>(row: &'r Row, pairs: &[(&'r str, &'r str)]) -> Lenient<RequestParameters<'r>> {
    let json = str_at(row, &["api", "request", "data"]).or_else(|| lookup(pairs, "requestParameters"));
    if let Some(json) = json {
        return serde_json::from_str::<Lenient<RequestParameters<'r>>>(json).unwrap_or_default();
    }
    let flat: Vec<(&str, &str)> = pairs
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("requestParameters.").filter(|k| !k.contains('.')).map(|k| (k, *v)))
        .collect();
    if flat.is_empty() {
        return Lenient(None);
    }
    let map: MapDeserializer<'_, _, ValueError> = MapDeserializer::new(flat.into_iter());
    Lenient(RequestParameters::deserialize(map).ok())
}

fn resources(row: &Row) -> Lenient<Vec<Lenient<ResourceRef<'_>>>> {
    let Some(Field::ListInternal(list)) = field(row, "resources") else {
        return Lenient(None);
    };
    let refs = list
        .elements()
        .iter()
        .map(|element| match element {
            Field::Group(r) => Lenient(Some(ResourceRef {
                arn: text(field(r, "uid").and_then(as_str)),
                kind: text(field(r, "type").and_then(as_str)),
            })),
            _ => Lenient(None),
        })
        .collect();
    Lenient(Some(refs))
}

/// `onBehalfOf`, read from its CloudTrail names as the JSON is (so that every field the JSON
/// reader knows of is filled alike).
fn on_behalf<'r>(user: &'r str, store: Option<&'r str>) -> Option<OnBehalfOf<'r>> {
    let mut fields = vec![("userId", user)];
    fields.extend(store.map(|s| ("identityStoreArn", s)));
    let map: MapDeserializer<'_, _, ValueError> = MapDeserializer::new(fields.into_iter());
    OnBehalfOf::deserialize(map).ok()
}

/// The CloudTrail record an OCSF row holds.
fn record_of<'r>(row: &'r Row, pairs: &[(&'r str, &'r str)]) -> Record<'r> {
    let user = |name: &str| str_at(row, &["actor", "user", name]);
    let uid = user("uid");
    let not_arn = |s: &&str| !s.starts_with("arn:");
    // 1.1.0: uid is the ARN, uid_alt the principal id; rc.2: uuid is the ARN, uid the principal id.
    let arn = [user("uuid"), uid].into_iter().flatten().find(|s| s.starts_with("arn:"));
    // OCSF's conditional mapping puts onBehalfOf.userId in uid_alt, with the Identity Store's
    // ARN in actor.idp.uid.
    let identity_store = str_at(row, &["actor", "idp", "uid"]).filter(|u| u.contains(":identitystore:"));
    let (principal_id, on_behalf_of) = if identity_store.is_some() {
        (uid.filter(not_arn), user("uid_alt"))
    } else {
        (user("uid_alt").or(uid.filter(not_arn)), None)
    };
    // Else, as every field without a mapping, in `unmapped`.
    let on_behalf_of = on_behalf_of.or_else(|| lookup(pairs, "userIdentity.onBehalfOf.userId"));
    let identity_store = identity_store.or_else(|| lookup(pairs, "userIdentity.onBehalfOf.identityStoreArn"));
    let idp = str_at(row, &["actor", "idp", "name"]);
    let issuer = str_at(row, &["actor", "session", "issuer"]);
    let issuer_account = lookup(pairs, "userIdentity.sessionContext.sessionIssuer.accountId");
    let source_identity = lookup(pairs, "userIdentity.sessionContext.sourceIdentity");
    let session_context = (issuer.is_some() || source_identity.is_some() || idp.is_some()).then(|| SessionContext {
        session_issuer: Lenient(issuer.map(|arn| SessionIssuer {
            kind: text(lookup(pairs, "userIdentity.sessionContext.sessionIssuer.type")),
            arn: text(Some(arn)),
            account_id: text(issuer_account),
        })),
        source_identity: text(source_identity),
        web_id_federation_data: Lenient(idp.map(|p| WebIdFederationData { federated_provider: text(Some(p)) })),
    });
    let identity = UserIdentity {
        kind: text(user("type")),
        principal_id: text(principal_id),
        arn: text(arn),
        account_id: text(str_at(row, &["actor", "user", "account", "uid"]).or_else(|| user("account_uid"))),
        user_name: text(user("name")),
        invoked_by: text(str_at(row, &["actor", "invoked_by"])),
        identity_provider: text(idp),
        session_context: Lenient(session_context),
        on_behalf_of: Lenient(on_behalf_of.and_then(|user| on_behalf(user, identity_store))),
    };
    let recipient = str_at(row, &["cloud", "account", "uid"])
        .or_else(|| str_at(row, &["cloud", "account_uid"]))
        .or_else(|| lookup(pairs, "recipientAccountId"));
    Record {
        event_time: Text(None),
        event_source: text(str_at(row, &["api", "service", "name"])),
        event_name: text(str_at(row, &["api", "operation"])),
        aws_region: text(str_at(row, &["cloud", "region"])),
        error_code: text(str_at(row, &["api", "response", "error"])),
        recipient_account_id: text(recipient),
        shared_event_id: text(lookup(pairs, "sharedEventID")),
        event_type: text(str_at(row, &["metadata", "event_code"]).or_else(|| lookup(pairs, "eventType"))),
        user_identity: Lenient(Some(identity)),
        request_parameters: request_parameters(row, pairs),
        resources: resources(row),
    }
}

// ---------------------------------------------------------------------------------------------
// Files.

/// Where reading got to (for a report if the reader fails).
#[derive(Default)]
struct Progress {
    group: usize,
    row: u64,
}

/// Rows of other products than CloudTrail, reported once per file.
#[derive(Default)]
struct Foreign {
    rows: u64,
    first: Option<(u64, String)>,
}

/// Reads a Parquet file of OCSF events into `sink`, reporting problems in `issues`.
pub(crate) fn read_parquet(location: &str, bytes: Bytes, sink: &mut Sink<'_>, issues: &mut Vec<Issue>) {
    let issue =
        |record: Option<u64>, message: String| Issue { location: location.to_owned(), offset: None, record, message };
    if bytes.len() < 12 || !bytes.ends_with(MAGIC) {
        sink.stats.complete = false;
        issues.push(issue(
            None,
            "not a whole Parquet file: it does not end with PAR1 (truncated?); nothing was read".into(),
        ));
        return;
    }
    let mut progress = Progress::default();
    let mut foreign = Foreign::default();
    // The Parquet reader is not written for hostile input: a few inconsistencies in damaged files
    // end in a panic rather than an error. A damaged file must be reported, not end the run.
    let result =
        catch_unwind(AssertUnwindSafe(|| read_rows(location, bytes, sink, issues, &mut progress, &mut foreign)));
    if let Err(panic) = result {
        let why = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("no message");
        sink.stats.complete = false;
        issues.push(issue(
            Some(progress.row),
            format!(
                "row group {}: the Parquet reader failed on damaged data ({why}); the rows before it were read",
                progress.group
            ),
        ));
    }
    if let Some((row, product)) = foreign.first {
        issues.push(issue(
            Some(row),
            format!(
                "{} rows are not CloudTrail events (metadata.product.name `{product}`, the first at this row): not read",
                foreign.rows
            ),
        ));
    }
}

fn read_rows(
    location: &str,
    bytes: Bytes,
    sink: &mut Sink<'_>,
    issues: &mut Vec<Issue>,
    progress: &mut Progress,
    foreign: &mut Foreign,
) {
    let issue =
        |record: Option<u64>, message: String| Issue { location: location.to_owned(), offset: None, record, message };
    let reader = match SerializedFileReader::new(bytes) {
        Ok(reader) => reader,
        Err(err) => {
            sink.stats.complete = false;
            issues.push(issue(None, format!("not a readable Parquet file: {err}; nothing was read")));
            return;
        }
    };
    let projection = match project(reader.metadata().file_metadata().schema()) {
        Ok(projection) => projection,
        Err(err) => {
            sink.stats.complete = false;
            issues.push(issue(None, format!("the Parquet schema cannot be read: {err}; nothing was read")));
            return;
        }
    };
    let mut missing: Vec<&str> =
        ["api.operation", "api.service.name"].into_iter().filter(|p| !projection.has(p)).collect();
    if !projection.has("time") && !projection.has("time_dt") {
        missing.push("time");
    }
    if !missing.is_empty() {
        let unfit = if projection.unfit.is_empty() {
            String::new()
        } else {
            format!("; columns of an unexpected type: {}", projection.unfit.join(", "))
        };
        sink.stats.complete = false;
        issues.push(issue(
            None,
            format!(
                "not CloudTrail in OCSF (Security Lake's API Activity): no {} column{unfit}; nothing was read",
                missing.join(", ")
            ),
        ));
        return;
    }
    if !projection.unfit.is_empty() {
        issues
            .push(issue(None, format!("columns of an unexpected type were not read: {}", projection.unfit.join(", "))));
    }
    let groups = reader.metadata().num_row_groups();
    let mut first_row = 0u64;
    for group in 0..groups {
        let rows = u64::try_from(reader.metadata().row_group(group).num_rows()).unwrap_or(0);
        progress.group = group;
        progress.row = first_row;
        let unread = |sink: &mut Sink<'_>, issues: &mut Vec<Issue>, at: u64, err: &dyn std::fmt::Display| {
            sink.stats.complete = false;
            issues.push(issue(
                Some(at),
                format!(
                    "row group {group}: cannot be read from this row on: {err}; its {} rows left were not read",
                    (first_row + rows).saturating_sub(at)
                ),
            ));
        };
        let row_group = match reader.get_row_group(group) {
            Ok(row_group) => row_group,
            Err(err) => {
                unread(sink, issues, first_row, &err);
                first_row += rows;
                continue;
            }
        };
        let iter = match RowIter::from_row_group(Some(projection.schema.clone()), &*row_group) {
            Ok(iter) => iter,
            Err(err) => {
                unread(sink, issues, first_row, &err);
                first_row += rows;
                continue;
            }
        };
        for (index, row) in (first_row..).zip(iter) {
            progress.row = index;
            let row = match row {
                Ok(row) => row,
                Err(err) => {
                    unread(sink, issues, index, &err);
                    break;
                }
            };
            read_row(&row, index, group, &projection, sink, issues, foreign, location);
        }
        first_row += rows;
    }
}

#[allow(clippy::too_many_arguments, reason = "one row, where it is, and where what it gives goes")]
fn read_row(
    row: &Row,
    index: u64,
    group: usize,
    projection: &Projection,
    sink: &mut Sink<'_>,
    issues: &mut Vec<Issue>,
    foreign: &mut Foreign,
    location: &str,
) {
    if let Some(product) = str_at(row, &["metadata", "product", "name"])
        && product != "CloudTrail"
    {
        foreign.rows += 1;
        foreign.first.get_or_insert_with(|| (index, product.to_owned()));
        return;
    }
    let pairs = unmapped(row);
    let record = record_of(row, &pairs);
    sink.record_at(&record, time_of(row, &projection.nanos), &OCSF);
    sink.stats.malformed += sink.bad.len() as u64;
    for (_, message) in std::mem::take(&mut sink.bad) {
        issues.push(Issue {
            location: location.to_owned(),
            offset: None,
            record: Some(index),
            message: format!("row group {group}: {message}"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parquet_is_recognised_by_its_magic_number() {
        assert!(is_parquet(b"PAR1\x15\x04PAR1"));
        assert!(is_parquet(b"PAR1 cut short"));
        assert!(!is_parquet(b"{\"Records\":[]}"));
        assert!(!is_parquet(b"PAR"));
    }

    #[test]
    fn only_the_columns_read_are_projected() {
        let schema = parquet::schema::parser::parse_message_type(
            "message schema {
                optional int64 time;
                optional group actor {
                    optional group user { optional binary uid (STRING); optional binary email_addr (STRING); optional int32 type; }
                    optional binary app_name (STRING);
                }
                optional group api { optional binary operation (STRING); optional group service { optional binary name (STRING); } }
                optional group observables (LIST) { repeated group list { optional group element { optional binary name (STRING); } } }
            }",
        )
        .expect("schema");
        let p = project(&schema).expect("projection");
        assert_eq!(p.found, ["time", "actor.user.uid", "api.operation", "api.service.name"]);
        assert_eq!(p.unfit, ["actor.user.type (INT32)"]);
        assert!(schema.check_contains(&p.schema));
        let kept: Vec<&str> = p.schema.get_fields().iter().map(|f| f.name()).collect();
        assert_eq!(kept, ["time", "actor", "api"]);
    }
}
