//! The audit trail: every change made through Remit, append-only and hash-chained, so that a
//! modified, deleted or reordered record is found by [`Store::audit_verify`].
//!
//! Why a hash chain: each record's hash covers its sequence number, time, every field and the
//! previous record's hash, so editing a record breaks its own hash, deleting one leaves a gap
//! and a link to nothing, and moving one makes its link point at a record that is not its
//! predecessor. A chain cannot show that its tail was cut off: for that the verifier reports
//! the head (sequence number and hash) for keeping elsewhere, and checks a kept head
//! (`expect_head`) later.
//!
//! Why SHA-256 (`sha2`) and not BLAKE3 as the dependency survey suggests: the store already
//! names blobs with it and sqlx builds it, an auditor can recompute it with `sha256sum`-grade
//! tools, and the trail hashes a few hundred bytes per change, where BLAKE3's speed does not
//! show.
//!
//! Why the chain is linear across writers: a record is appended inside the transaction of the
//! change it records, under the trail's lock (SQLite's single writer; a PostgreSQL advisory
//! lock held to commit, across processes), so sequence numbers are given out in commit order
//! with no gaps.

use std::{collections::HashMap, fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::{LOCK_AUDIT, Store, StoreError, now_ms, sha256_hex};

/// The `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How an audited attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// It was done.
    Success,
    /// It was refused (not allowed, bad credentials).
    Denied,
    /// It was allowed but failed.
    Failure,
}

impl Outcome {
    /// The name stored and exported.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Denied => "denied",
            Outcome::Failure => "failure",
        }
    }

    /// The outcome a stored name names.
    pub fn parse(s: &str) -> Option<Outcome> {
        match s {
            "success" => Some(Outcome::Success),
            "denied" => Some(Outcome::Denied),
            "failure" => Some(Outcome::Failure),
            _ => None,
        }
    }
}

/// What happened, as the caller describes it: who, what, to what, from where, with what result.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// Who (a user name, `token:<id>`, `cli:<os user>`).
    pub actor: String,
    /// What (`snapshot.commit`, `login`, `user.set_role`).
    pub action: String,
    /// To what (a snapshot id, a user name).
    pub target: String,
    /// From where: the client's IP address, or `cli`.
    pub source: String,
    /// The result.
    pub outcome: Outcome,
    /// Anything else worth keeping (never a secret).
    pub detail: serde_json::Value,
}

impl AuditEvent {
    /// A successful event with no detail.
    pub fn new(actor: &str, action: &str, target: &str, source: &str) -> AuditEvent {
        AuditEvent {
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            source: source.to_owned(),
            outcome: Outcome::Success,
            detail: serde_json::Value::Null,
        }
    }

    /// The same event with another outcome.
    pub fn with_outcome(mut self, outcome: Outcome) -> AuditEvent {
        self.outcome = outcome;
        self
    }

    /// The same event with detail.
    pub fn with_detail(mut self, detail: serde_json::Value) -> AuditEvent {
        self.detail = detail;
        self
    }
}

/// A record of the trail: an event, where it sits in the chain, and its hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Its position: 1, 2, 3… with no gaps.
    pub seq: i64,
    /// When it was appended, in milliseconds since the epoch (never before its predecessor's).
    pub at_ms: i64,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// To what.
    pub target: String,
    /// From where.
    pub source: String,
    /// The result.
    pub outcome: Outcome,
    /// The detail.
    pub detail: serde_json::Value,
    /// The hash of the record before it ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// SHA-256 of the canonical encoding of every field above (see [`AuditRecord::computed_hash`]).
    pub hash: String,
}

impl AuditRecord {
    /// The hash its fields give: SHA-256 (lowercase hex) over, in order, `remit-audit-1`, the
    /// decimal `seq` and `at_ms`, actor, action, target, source, outcome, the detail as compact
    /// JSON and `prev_hash`, each as an 8-byte big-endian length and its UTF-8 bytes.
    pub fn computed_hash(&self) -> String {
        chain_hash(self.seq, self, &self.detail.to_string())
    }
}

fn chain_hash(seq: i64, r: &AuditRecord, detail: &str) -> String {
    let fields: [&str; 10] = [
        "remit-audit-1",
        &seq.to_string(),
        &r.at_ms.to_string(),
        &r.actor,
        &r.action,
        &r.target,
        &r.source,
        r.outcome.as_str(),
        detail,
        &r.prev_hash,
    ];
    let mut bytes = Vec::with_capacity(fields.iter().map(|f| f.len() + 8).sum());
    for field in fields {
        bytes.extend_from_slice(&u64::try_from(field.len()).unwrap_or(u64::MAX).to_be_bytes());
        bytes.extend_from_slice(field.as_bytes());
    }
    sha256_hex(&bytes)
}

/// The last record of a trail: keep it elsewhere (printed, in a ticket, signed) to detect a
/// trail cut short later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    /// Its sequence number.
    pub seq: i64,
    /// Its hash.
    pub hash: String,
}

impl fmt::Display for AuditHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl FromStr for AuditHead {
    type Err = String;

    /// `SEQ:HASH`, as displayed.
    fn from_str(s: &str) -> Result<AuditHead, String> {
        let (seq, hash) = s.split_once(':').ok_or_else(|| format!("{s:?} is not SEQ:HASH"))?;
        let seq = seq.parse().map_err(|_| format!("{seq:?} is not a sequence number"))?;
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("{hash:?} is not a SHA-256 in hex"));
        }
        Ok(AuditHead { seq, hash: hash.to_ascii_lowercase() })
    }
}

/// What is wrong at a place in the trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditProblemKind {
    /// The record's fields do not give its hash: it was edited.
    Modified,
    /// Records are missing: a gap in the sequence numbers (`seq` is the first missing one).
    Deleted,
    /// The record is not where it was written: its link points at a record that is not its
    /// predecessor.
    Reordered,
    /// The record links to a record that is nowhere in the trail: the one before it was
    /// deleted and the rest renumbered, or rewritten with a new hash.
    Unlinked,
    /// The trail does not reach, or no longer holds, a head kept earlier.
    Truncated,
}

impl AuditProblemKind {
    /// Its name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditProblemKind::Modified => "modified",
            AuditProblemKind::Deleted => "deleted",
            AuditProblemKind::Reordered => "reordered",
            AuditProblemKind::Unlinked => "unlinked",
            AuditProblemKind::Truncated => "truncated",
        }
    }
}

/// One problem, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditProblem {
    /// The sequence number it concerns.
    pub seq: i64,
    /// What sort of problem.
    pub kind: AuditProblemKind,
    /// What was found.
    pub message: String,
}

impl fmt::Display for AuditProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "seq {}: {}: {}", self.seq, self.kind.as_str(), self.message)
    }
}

/// What verifying the trail found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    /// Records read.
    pub records: i64,
    /// The last record, to keep for the next verification.
    pub head: Option<AuditHead>,
    /// Every problem, by sequence number.
    pub problems: Vec<AuditProblem>,
}

impl AuditVerification {
    /// Whether the trail is intact.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verifies records in the order of their sequence numbers (as exported), against a head
/// kept earlier if given.
pub fn verify_records(
    records: impl IntoIterator<Item = AuditRecord>,
    expect_head: Option<&AuditHead>,
) -> AuditVerification {
    let mut verifier = Verifier::default();
    for r in records {
        let detail = r.detail.to_string();
        verifier.push(r, &detail);
    }
    verifier.finish(expect_head)
}

/// A record as the chain needs it.
struct Link {
    seq: i64,
    hash: String,
    prev_hash: String,
    intact: bool,
}

/// Collects the chain's links; keeps in full only records whose hash does not match (to check
/// them again at the place their link says they were written).
#[derive(Default)]
struct Verifier {
    links: Vec<Link>,
    suspects: HashMap<i64, (AuditRecord, String)>,
}

impl Verifier {
    fn push(&mut self, r: AuditRecord, detail: &str) {
        let intact = chain_hash(r.seq, &r, detail) == r.hash;
        self.links.push(Link { seq: r.seq, hash: r.hash.clone(), prev_hash: r.prev_hash.clone(), intact });
        if !intact {
            self.suspects.insert(r.seq, (r, detail.to_owned()));
        }
    }

    /// Where each record was written, following links back: one past the record its link
    /// names (1 after [`GENESIS`]); its own seq when the link names nothing (or a cycle).
    fn written_at(&self, by_hash: &HashMap<&str, usize>) -> Vec<i64> {
        let n = self.links.len();
        let mut at: Vec<Option<i64>> = vec![None; n];
        let mut visiting = vec![false; n];
        for start in 0..n {
            let mut stack = vec![start];
            while let Some(&i) = stack.last() {
                if at[i].is_some() {
                    stack.pop();
                    continue;
                }
                let link = &self.links[i];
                let target = if link.prev_hash == GENESIS {
                    Err(1)
                } else {
                    match by_hash.get(link.prev_hash.as_str()) {
                        Some(&j) if j != i => Ok(j),
                        _ => Err(link.seq),
                    }
                };
                match target {
                    Err(value) => {
                        at[i] = Some(value);
                        stack.pop();
                    }
                    Ok(j) => match at[j] {
                        Some(value) => {
                            at[i] = Some(value + 1);
                            stack.pop();
                        }
                        None if visiting[j] => {
                            at[i] = Some(link.seq);
                            stack.pop();
                        }
                        None => {
                            visiting[i] = true;
                            stack.push(j);
                        }
                    },
                }
            }
        }
        at.into_iter().zip(&self.links).map(|(a, l)| a.unwrap_or(l.seq)).collect()
    }

    fn finish(self, expect_head: Option<&AuditHead>) -> AuditVerification {
        let mut problems = Vec::new();
        let mut by_hash: HashMap<&str, usize> = HashMap::with_capacity(self.links.len());
        for (i, l) in self.links.iter().enumerate() {
            by_hash.entry(l.hash.as_str()).or_insert(i);
        }
        let written = self.written_at(&by_hash);
        let moved = |i: usize| written[i] != self.links[i].seq;
        for (i, l) in self.links.iter().enumerate() {
            let expected_seq = if i == 0 { 1 } else { self.links[i - 1].seq + 1 };
            let gap = l.seq > expected_seq;
            if gap {
                let message = if l.seq == expected_seq + 1 {
                    format!("record {expected_seq} is missing")
                } else {
                    format!("records {expected_seq} to {} are missing", l.seq - 1)
                };
                problems.push(AuditProblem { seq: expected_seq, kind: AuditProblemKind::Deleted, message });
            }
            if moved(i) {
                problems.push(AuditProblem {
                    seq: l.seq,
                    kind: AuditProblemKind::Reordered,
                    message: format!("holds the record written as seq {}", written[i]),
                });
                let intact_there =
                    self.suspects.get(&l.seq).is_none_or(|(r, detail)| chain_hash(written[i], r, detail) == r.hash);
                if !intact_there {
                    problems.push(AuditProblem {
                        seq: l.seq,
                        kind: AuditProblemKind::Modified,
                        message: "its fields do not give its hash".to_owned(),
                    });
                }
                continue;
            }
            if !l.intact {
                problems.push(AuditProblem {
                    seq: l.seq,
                    kind: AuditProblemKind::Modified,
                    message: "its fields do not give its hash".to_owned(),
                });
            }
            if gap || (i == 0 && l.seq != 1) {
                continue;
            }
            let expected_prev = if i == 0 { GENESIS } else { self.links[i - 1].hash.as_str() };
            if l.prev_hash == expected_prev {
                continue;
            }
            match by_hash.get(l.prev_hash.as_str()) {
                // Its predecessor moved: reported there.
                Some(&j) if moved(j) => {}
                Some(&j) => problems.push(AuditProblem {
                    seq: l.seq,
                    kind: AuditProblemKind::Reordered,
                    message: format!("links to seq {}, not to its predecessor", self.links[j].seq),
                }),
                None => problems.push(AuditProblem {
                    seq: l.seq,
                    kind: AuditProblemKind::Unlinked,
                    message: "links to a record that is not in the trail".to_owned(),
                }),
            }
        }
        let head = self.links.last().map(|l| AuditHead { seq: l.seq, hash: l.hash.clone() });
        if let Some(expected) = expect_head {
            match self.links.binary_search_by_key(&expected.seq, |l| l.seq) {
                Ok(i) if self.links[i].hash == expected.hash => {}
                Ok(_) => problems.push(AuditProblem {
                    seq: expected.seq,
                    kind: AuditProblemKind::Truncated,
                    message: format!(
                        "the record at seq {} is not the head kept ({expected}): the trail was cut and rewritten",
                        expected.seq
                    ),
                }),
                Err(_) => problems.push(AuditProblem {
                    seq: expected.seq,
                    kind: AuditProblemKind::Truncated,
                    message: match &head {
                        Some(h) => format!("the trail ends at seq {}, before the head kept ({expected})", h.seq),
                        None => format!("the trail is empty, but a head was kept ({expected})"),
                    },
                }),
            }
        }
        problems.sort_by_key(|p| p.seq);
        AuditVerification { records: i64::try_from(self.links.len()).unwrap_or(i64::MAX), head, problems }
    }
}

const AUDIT_COLUMNS: &str = "seq, at_ms, actor, action, target, source, outcome, detail, prev_hash, hash";

/// A stored record, and its detail's text exactly as hashed.
fn audit_row(r: &AnyRow) -> Result<(AuditRecord, String), sqlx::Error> {
    let outcome: &str = r.try_get(6)?;
    let detail: String = r.try_get(7)?;
    let record = AuditRecord {
        seq: r.try_get(0)?,
        at_ms: r.try_get(1)?,
        actor: r.try_get(2)?,
        action: r.try_get(3)?,
        target: r.try_get(4)?,
        source: r.try_get(5)?,
        // An unknown outcome is kept as a failure: the hash, computed over the stored name,
        // then reports the record modified.
        outcome: Outcome::parse(outcome).unwrap_or(Outcome::Failure),
        detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail.clone())),
        prev_hash: r.try_get(8)?,
        hash: r.try_get(9)?,
    };
    Ok((record, detail))
}

/// Records read per query while verifying.
const PAGE: i64 = 10_000;

impl Store {
    /// Appends a record for `event` inside the caller's transaction (which takes the trail's
    /// lock until it ends).
    pub(crate) async fn append_audit(
        &self,
        conn: &mut AnyConnection,
        event: &AuditEvent,
    ) -> Result<AuditRecord, StoreError> {
        self.lock(conn, LOCK_AUDIT).await.map_err(self.err("lock the audit trail"))?;
        let head = sqlx::query("SELECT seq, at_ms, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await
            .and_then(|r| {
                r.map(|r| Ok::<(i64, i64, String), sqlx::Error>((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
                    .transpose()
            })
            .map_err(self.err("read the audit trail's head"))?;
        let (seq, at_ms, prev_hash) = match head {
            Some((seq, at_ms, hash)) => (seq + 1, now_ms().max(at_ms), hash),
            None => (1, now_ms(), GENESIS.to_owned()),
        };
        let detail = event.detail.to_string();
        let mut record = AuditRecord {
            seq,
            at_ms,
            actor: event.actor.clone(),
            action: event.action.clone(),
            target: event.target.clone(),
            source: event.source.clone(),
            outcome: event.outcome,
            detail: event.detail.clone(),
            prev_hash,
            hash: String::new(),
        };
        record.hash = chain_hash(seq, &record, &detail);
        sqlx::query(
            "INSERT INTO audit_log (seq, at_ms, actor, action, target, source, outcome, detail, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(record.seq)
        .bind(record.at_ms)
        .bind(&record.actor)
        .bind(&record.action)
        .bind(&record.target)
        .bind(&record.source)
        .bind(record.outcome.as_str())
        .bind(&detail)
        .bind(&record.prev_hash)
        .bind(&record.hash)
        .execute(&mut *conn)
        .await
        .map_err(self.err("append to the audit trail"))?;
        Ok(record)
    }

    /// Appends a record that goes with no other change (a login, a refusal).
    pub async fn audit(&self, event: &AuditEvent) -> Result<AuditRecord, StoreError> {
        let mut tx = self.write("begin an audit record").await?;
        let record = self.append_audit(&mut tx, event).await?;
        tx.commit().await.map_err(self.err("commit an audit record"))?;
        Ok(record)
    }

    /// Up to `limit` records after `after_seq`, in order.
    pub async fn audit_records(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
        )))
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(self.err("read the audit trail"))?;
        rows.iter()
            .map(|r| audit_row(r).map(|(record, _)| record))
            .collect::<Result<_, _>>()
            .map_err(self.err("read the audit trail"))
    }

    /// Verifies the whole trail (every record's hash, every link, no gap) and, when given, that
    /// it still holds a head kept earlier.
    pub async fn audit_verify(&self, expect_head: Option<&AuditHead>) -> Result<AuditVerification, StoreError> {
        let mut verifier = Verifier::default();
        let mut after = i64::MIN;
        loop {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
            )))
            .bind(after)
            .bind(PAGE)
            .fetch_all(&self.pool)
            .await
            .map_err(self.err("read the audit trail"))?;
            let Some(last) = rows.last() else { break };
            after = last.try_get(0).map_err(self.err("read the audit trail"))?;
            let full = i64::try_from(rows.len()).unwrap_or(0) == PAGE;
            for r in &rows {
                let (record, detail) = audit_row(r).map_err(self.err("read the audit trail"))?;
                verifier.push(record, &detail);
            }
            if !full {
                break;
            }
        }
        Ok(verifier.finish(expect_head))
    }
}

/// A record as one line of JSON (JSON Lines), with every field the hash covers.
pub fn audit_jsonl(r: &AuditRecord) -> String {
    serde_json::to_string(r).unwrap_or_default()
}

/// A record as one ArcSight Common Event Format line (for syslog and SIEMs):
/// `CEF:0|Remit|Remit|<version>|<action>|<action>|<severity>|<extension>`.
///
/// Escaping follows "Micro Focus Security ArcSight Common Event Format, Version 25", section
/// "Character Encoding": in the header a backslash and a pipe are escaped with a backslash
/// (`\\`, `\|`); in the extension a backslash and an equals sign are (`\\`, `\=`), and a
/// newline is written `\n` (carriage return `\r`); pipes need no escape there. The header
/// cannot hold a line break, so one becomes a space.
pub fn audit_cef(r: &AuditRecord) -> String {
    let severity = match r.outcome {
        Outcome::Success => 3,
        Outcome::Failure => 6,
        Outcome::Denied => 8,
    };
    let action = cef_header(&r.action);
    let mut ext: Vec<(&str, String)> = vec![("rt", r.at_ms.to_string()), ("suser", r.actor.clone())];
    if r.source.parse::<std::net::IpAddr>().is_ok() {
        ext.push(("src", r.source.clone()));
    } else {
        ext.push(("shost", r.source.clone()));
    }
    ext.extend([
        ("act", r.action.clone()),
        ("outcome", r.outcome.as_str().to_owned()),
        ("externalId", r.seq.to_string()),
        ("cs1Label", "hash".to_owned()),
        ("cs1", r.hash.clone()),
        ("cs2Label", "prev_hash".to_owned()),
        ("cs2", r.prev_hash.clone()),
        ("cs3Label", "target".to_owned()),
        ("cs3", r.target.clone()),
        ("msg", r.detail.to_string()),
    ]);
    let extension: Vec<String> = ext.iter().map(|(k, v)| format!("{k}={}", cef_extension(v))).collect();
    format!(
        "CEF:0|Remit|Remit|{}|{action}|{action}|{severity}|{}",
        cef_header(env!("CARGO_PKG_VERSION")),
        extension.join(" ")
    )
}

fn cef_header(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn cef_extension(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '=' => out.push_str("\\="),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: i64, prev: &str) -> AuditRecord {
        let mut r = AuditRecord {
            seq,
            at_ms: 1_700_000_000_000 + seq,
            actor: "alice".into(),
            action: "user.set_role".into(),
            target: format!("user{seq}"),
            source: "10.0.0.1".into(),
            outcome: Outcome::Success,
            detail: serde_json::json!({"role": "auditor"}),
            prev_hash: prev.into(),
            hash: String::new(),
        };
        r.hash = r.computed_hash();
        r
    }

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut out: Vec<AuditRecord> = Vec::new();
        for seq in 1..=n {
            let prev = out.last().map_or(GENESIS.to_owned(), |r| r.hash.clone());
            out.push(record(seq, &prev));
        }
        out
    }

    fn kinds(v: &AuditVerification) -> Vec<(i64, AuditProblemKind)> {
        v.problems.iter().map(|p| (p.seq, p.kind)).collect()
    }

    #[test]
    fn an_intact_chain_verifies_and_reports_its_head() {
        let records = chain(5);
        let v = verify_records(records.clone(), None);
        assert!(v.is_ok(), "{:?}", v.problems);
        assert_eq!(v.head, Some(AuditHead { seq: 5, hash: records[4].hash.clone() }));
        let head: AuditHead = v.head.as_ref().map(ToString::to_string).unwrap_or_default().parse().expect("parse");
        assert!(verify_records(records, Some(&head)).is_ok());
    }

    #[test]
    fn each_tampering_is_named_where_it_is() {
        let mut modified = chain(5);
        modified[2].actor = "mallory".into();
        assert_eq!(kinds(&verify_records(modified, None)), vec![(3, AuditProblemKind::Modified)]);

        let mut deleted = chain(5);
        deleted.remove(2);
        assert_eq!(kinds(&verify_records(deleted, None)), vec![(3, AuditProblemKind::Deleted)]);

        let mut swapped = chain(5);
        swapped.swap(2, 3);
        swapped[2].seq = 3;
        swapped[3].seq = 4;
        assert_eq!(
            kinds(&verify_records(swapped, None)),
            vec![(3, AuditProblemKind::Reordered), (4, AuditProblemKind::Reordered)]
        );

        // Rewritten with a fresh hash: the next record's link names nothing.
        let mut rewritten = chain(5);
        rewritten[2].actor = "mallory".into();
        rewritten[2].hash = rewritten[2].computed_hash();
        assert_eq!(kinds(&verify_records(rewritten, None)), vec![(4, AuditProblemKind::Unlinked)]);

        let full = chain(5);
        let head = AuditHead { seq: 5, hash: full[4].hash.clone() };
        assert_eq!(kinds(&verify_records(chain(3), Some(&head))), vec![(5, AuditProblemKind::Truncated)]);
    }

    #[test]
    fn cef_escapes_header_and_extension() {
        let mut r = record(1, GENESIS);
        r.action = "a|b\\c".into();
        r.actor = "x=y\\z\nw".into();
        r.source = "cli".into();
        let line = audit_cef(&r);
        assert!(line.starts_with("CEF:0|Remit|Remit|"), "{line}");
        assert!(line.contains("|a\\|b\\\\c|a\\|b\\\\c|3|"), "{line}");
        assert!(line.contains("suser=x\\=y\\\\z\\nw shost=cli"), "{line}");
        assert!(!line.contains('\n'));
    }

    #[test]
    fn jsonl_round_trips_and_rehashes() {
        let r = record(1, GENESIS);
        let line = audit_jsonl(&r);
        let back: AuditRecord = serde_json::from_str(&line).expect("parse");
        assert_eq!(back, r);
        assert_eq!(back.computed_hash(), r.hash);
        assert!(line.contains("\"outcome\":\"success\""));
    }
}
