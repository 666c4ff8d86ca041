//! Risk findings, for every cloud: the record, its stable id, suppressions, first-seen, and the
//! formats a report leaves Remit in.
//!
//! A security team triages findings across scans, clouds and tools: a finding must keep its id
//! while the environment around it changes (so a suppression or a ticket stays attached), say
//! why it has its severity, and carry the evidence a reviewer needs without re-running the
//! analysis. Each cloud's risk crate produces [`Finding`]s; this crate knows nothing of any
//! cloud's policy language. The report's JSON is a published wire format
//! (`docs/findings.md`), so it is owned here and versioned ([`SCHEMA_VERSION`]).

pub mod html;
mod id;
mod names;
pub mod ocsf;
#[cfg(test)]
mod sample;
mod seen;
mod suppress;
mod time;
pub mod toml_file;

pub use crate::id::FindingId;
pub use crate::seen::{FirstSeen, SeenError};
pub use crate::suppress::{Suppression, Suppressions, SuppressionsError};
pub use crate::time::{Timestamp, TimestampError};
pub use crate::toml_file::FileError;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The version of the report's JSON schema (`docs/findings.md`): bumped on any change that
/// could break a reader; fields are only added within a version.
pub const SCHEMA_VERSION: u32 = 1;

/// What kind of risk (the documented list of `findings[].kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The principal can do everything, or grant itself anything.
    AdminEquivalent,
    /// The principal can become an administrator through a chain of steps.
    PrivilegeEscalation,
    /// Principals outside the organization (named accounts, identity providers) can get in.
    ExternalAccess,
    /// Anyone (`*`, unauthenticated or any AWS account) can get in.
    PublicAccess,
    /// More access than a principal of its kind needs: risky action categories, wildcards on
    /// sensitive services.
    OverPermission,
    /// An identity not used for a long time, or never.
    InactiveIdentity,
    /// Credentials kept badly: old or unused keys, console without MFA, root keys or use.
    CredentialHygiene,
    /// A principal holds two permissions a separation-of-duties rule forbids together.
    ToxicCombination,
}

impl Kind {
    /// Every kind, in the order reports list them.
    pub const ALL: [Kind; 8] = [
        Kind::AdminEquivalent,
        Kind::PrivilegeEscalation,
        Kind::ExternalAccess,
        Kind::PublicAccess,
        Kind::OverPermission,
        Kind::InactiveIdentity,
        Kind::CredentialHygiene,
        Kind::ToxicCombination,
    ];

    /// The spelling in reports (`admin-equivalent`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::AdminEquivalent => "admin-equivalent",
            Kind::PrivilegeEscalation => "privilege-escalation",
            Kind::ExternalAccess => "external-access",
            Kind::PublicAccess => "public-access",
            Kind::OverPermission => "over-permission",
            Kind::InactiveIdentity => "inactive-identity",
            Kind::CredentialHygiene => "credential-hygiene",
            Kind::ToxicCombination => "toxic-combination",
        }
    }
}

/// How bad: what to fix first. Each rule documents why it has its severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; no action expected.
    Info,
    /// Hygiene: fix when convenient.
    Low,
    /// A weakness an attacker needs more to use.
    Medium,
    /// Directly usable to gain access or data.
    High,
    /// Full control of an account (or more) is one step away, or open to anyone.
    Critical,
}

impl Severity {
    /// Every severity, most severe first.
    pub const DESCENDING: [Severity; 5] =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];

    /// The spelling in reports (`high`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Reads `critical`, `high`, `medium`, `low` or `info` (any case).
    pub fn parse(text: &str) -> Option<Severity> {
        Severity::DESCENDING.into_iter().find(|s| s.as_str().eq_ignore_ascii_case(text))
    }
}

/// One piece of evidence: a policy statement that takes part, or a fact read from the
/// environment (a credential report row, a trust relationship, an attached workload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    /// The principal the evidence is about, when it is not the finding's only one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// The action decided, for a decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The resource decided, for a decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// Where it comes from: a policy layer (`identity`, `permissionsBoundary`, `scp`, `rcp`,
    /// `resource`, `trust`), or `fact` for what the environment records.
    pub layer: String,
    /// The policy (an ARN, an inline policy and its owner, an SCP) or the record (a file).
    pub source: String,
    /// The statement (`#2 (Sid AllowPassRole)`), for a statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// `Allow` or `Deny`, for a statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    /// Conditions it depends on that are not known in advance.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    /// What it shows, in a sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Evidence {
    /// A fact read from the environment.
    pub fn fact(source: impl Into<String>, detail: impl Into<String>) -> Evidence {
        Evidence {
            principal: None,
            action: None,
            resource: None,
            layer: "fact".to_owned(),
            source: source.into(),
            statement: None,
            effect: None,
            conditions: Vec::new(),
            detail: Some(detail.into()),
        }
    }
}

/// Whether a finding's access holds outright or only under conditions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reach {
    /// `allowed` or `conditional`.
    pub access: String,
    /// The conditions (empty when allowed): what must hold for the risk to be real.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
}

impl Reach {
    /// Holds whatever the request context.
    pub fn allowed() -> Reach {
        Reach { access: "allowed".to_owned(), conditions: Vec::new() }
    }

    /// Holds when `conditions` hold (allowed when there are none).
    pub fn conditional(conditions: Vec<String>) -> Reach {
        match conditions.is_empty() {
            true => Reach::allowed(),
            false => Reach { access: "conditional".to_owned(), conditions },
        }
    }

    /// True when it holds whatever the request context.
    pub fn is_allowed(&self) -> bool {
        self.conditions.is_empty()
    }
}

/// One step of an escalation path: `from` acts as (or gains the power of) `to` by a technique.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PathStep {
    /// The principal taking the step.
    pub from: String,
    /// The principal whose power it gains (itself, for a technique on its own permissions).
    pub to: String,
    /// The technique's id (`docs/findings.md` lists them, with pathfinding.cloud's ids).
    pub technique: String,
    /// What the technique does, in a sentence.
    pub description: String,
    /// The permissions it uses, each as `action on resource`.
    pub permissions: Vec<String>,
    /// Whether the step holds outright.
    #[serde(flatten)]
    pub reach: Reach,
    /// The statements that allow it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

/// Why a finding is not open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Suppressed {
    /// Why.
    pub reason: String,
    /// Who (from the suppressions file), or `remit` when the analysis itself finds the risk
    /// neutralized (an SCP, a boundary, a condition, a resource policy).
    pub by: String,
    /// Until when (RFC 3339), for a user's suppression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// One risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Stable across scans: see [`FindingId`].
    pub id: FindingId,
    /// The kind.
    pub kind: Kind,
    /// The rule that found it (`docs/findings.md` lists every rule with its severity
    /// rationale and remediation).
    pub rule: String,
    /// A one-line summary.
    pub title: String,
    /// How bad.
    pub severity: Severity,
    /// Why it has that severity.
    pub severity_rationale: String,
    /// `aws`, `azure` or `gcp`.
    pub cloud: String,
    /// The account, subscription or project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The principals at risk or holding the risk (ARNs, object ids, member strings).
    pub principals: Vec<String>,
    /// The resources concerned.
    #[serde(default)]
    pub resources: Vec<String>,
    /// Risk categories (`privilege-escalation`, `data-exfiltration`, `resource-exposure`,
    /// `credentials-exposure`, `infrastructure-modification`), for over-permission.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Whether the risk holds outright or only under conditions.
    #[serde(flatten)]
    pub reach: Reach,
    /// The statements, layers and facts that make it a risk.
    pub evidence: Vec<Evidence>,
    /// For an escalation, the path step by step (the shortest found).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<PathStep>,
    /// How to fix it.
    pub remediation: String,
    /// When Remit first reported it (RFC 3339), when scans are recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    /// Set when the finding is suppressed, by a user or because the analysis shows it
    /// neutralized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppressed>,
}

impl Finding {
    /// True unless suppressed.
    pub fn is_open(&self) -> bool {
        self.suppressed.is_none()
    }
}

/// The tool that wrote a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// `remit`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// Counts over the open findings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Open findings.
    pub open: usize,
    /// Suppressed findings (by users or as neutralized).
    pub suppressed: usize,
    /// Open findings per severity.
    pub by_severity: BTreeMap<Severity, usize>,
    /// Open findings per kind.
    pub by_kind: BTreeMap<Kind, usize>,
    /// Principals analysed.
    pub principals: usize,
    /// Principals with at least one open finding.
    pub principals_at_risk: usize,
}

/// A scan's result: what `remit scan --format json` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// `remit-findings`.
    pub schema: String,
    /// [`SCHEMA_VERSION`].
    pub version: u32,
    /// The tool.
    pub tool: Tool,
    /// When the scan ran (RFC 3339).
    pub generated_at: String,
    /// What was scanned (as given on the command line).
    pub source: String,
    /// Counts.
    pub summary: Summary,
    /// Every finding, open and suppressed, most severe first.
    pub findings: Vec<Finding>,
}

impl Report {
    /// A report of `findings`, ordered most severe first (then by kind, rule, principal, id),
    /// with its summary.
    pub fn new(
        tool: Tool,
        generated_at: String,
        source: String,
        principals: usize,
        mut findings: Vec<Finding>,
    ) -> Report {
        findings.sort_by(|a, b| {
            (b.severity, a.kind, &a.rule, &a.principals, &a.id).cmp(&(
                a.severity,
                b.kind,
                &b.rule,
                &b.principals,
                &b.id,
            ))
        });
        let summary = summarize(&findings, principals);
        Report {
            schema: "remit-findings".to_owned(),
            version: SCHEMA_VERSION,
            tool,
            generated_at,
            source,
            summary,
            findings,
        }
    }

    /// The open findings at or above `severity`.
    pub fn open_at_least(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.is_open() && f.severity >= severity).count()
    }

    /// Counts `principalsAtRisk` among the principals analysed only (`analysed` tells them):
    /// outsiders a finding names (`*`, another account, an identity provider) are not among
    /// the principals the summary counts.
    pub fn count_at_risk_among(&mut self, analysed: impl Fn(&str) -> bool) {
        let mut at_risk = std::collections::BTreeSet::new();
        for f in self.findings.iter().filter(|f| f.is_open()) {
            at_risk.extend(f.principals.iter().map(String::as_str).filter(|p| analysed(p)));
        }
        self.summary.principals_at_risk = at_risk.len();
    }

    /// Recounts the summary (after suppressions change).
    pub fn resummarize(&mut self) {
        self.summary = summarize(&self.findings, self.summary.principals);
    }

    /// The principals with the most severe open findings: (principal, worst severity, open
    /// findings), worst first, at most `limit`.
    pub fn riskiest_principals(&self, limit: usize) -> Vec<(String, Severity, usize)> {
        let mut by: BTreeMap<&str, (Severity, usize)> = BTreeMap::new();
        for f in self.findings.iter().filter(|f| f.is_open()) {
            for p in &f.principals {
                let e = by.entry(p).or_insert((f.severity, 0));
                e.0 = e.0.max(f.severity);
                e.1 += 1;
            }
        }
        let mut out: Vec<(String, Severity, usize)> = by.into_iter().map(|(p, (s, n))| (p.to_owned(), s, n)).collect();
        out.sort_by(|a, b| (b.1, b.2).cmp(&(a.1, a.2)).then_with(|| a.0.cmp(&b.0)));
        out.truncate(limit);
        out
    }
}

fn summarize(findings: &[Finding], principals: usize) -> Summary {
    let mut summary = Summary { principals, ..Summary::default() };
    let mut at_risk = std::collections::BTreeSet::new();
    for f in findings {
        if !f.is_open() {
            summary.suppressed += 1;
            continue;
        }
        summary.open += 1;
        *summary.by_severity.entry(f.severity).or_default() += 1;
        *summary.by_kind.entry(f.kind).or_default() += 1;
        at_risk.extend(f.principals.iter().map(String::as_str));
    }
    summary.principals_at_risk = at_risk.len();
    summary
}
