//! AWS risk findings: what to fix first in an AWS environment, each risk with its evidence.
//!
//! Tools that read policies one at a time (Cloudsplaining) raise alarms an SCP, a permissions
//! boundary, a condition or a resource policy already answers, and miss what only appears
//! when principals are combined (a role passed to compute, a chain of roles). Every finding
//! here is decided by the exact engine (`remit-aws-analysis`), over the whole environment:
//! a risk is reported only when AWS would allow its steps, and conditional when that depends
//! on request context nobody knows in advance (MFA, source IP, time), never dropped.
//!
//! The rules, their severities and why, and their remediations are documented in
//! `docs/findings.md`; each rule's id is a constant here ([`rules`]).

pub mod admin;
mod credentials;
mod escalation;
mod evidence;
mod exposure;
mod overpermission;
pub mod rules;
mod toxic;

pub use crate::escalation::{TECHNIQUES, Technique, TechniqueKind};
pub use crate::toxic::{Requirement, ToxicRule, ToxicRules, ToxicRulesError};

use remit_aws_analysis::AwsAnalysis;
use remit_findings::{Finding, Timestamp};

/// What a scan looks for, and its thresholds.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// "Now", for ages (keys, last use): the scan's clock, or a fixed time in tests.
    pub now: Timestamp,
    /// An identity unused this many days is inactive (default 90).
    pub inactive_days: i64,
    /// An access key older than this many days should be rotated (default 90).
    pub key_age_days: i64,
    /// Separation-of-duties rules (toxic combinations).
    pub toxic: ToxicRules,
}

impl ScanOptions {
    /// The defaults (90 days for inactivity and key age, no toxic-combination rules), as of
    /// `now`.
    pub fn new(now: Timestamp) -> ScanOptions {
        ScanOptions { now, inactive_days: 90, key_age_days: 90, toxic: ToxicRules::default() }
    }
}

/// Every finding of every rule over an analysed environment.
///
/// Admin-equivalence is decided first (escalation paths end at an administrator, and
/// over-permission skips administrators, whose finding already says everything); the other
/// rules then run on every core.
pub fn scan(analysis: &AwsAnalysis, options: &ScanOptions) -> Vec<Finding> {
    let admins = admin::administrators(analysis);
    let mut findings = admin::findings(analysis, &admins);
    let ((escalations, exposure), (over, (credentials, toxic))) = rayon::join(
        || rayon::join(|| escalation::findings(analysis, &admins), || exposure::findings(analysis)),
        || {
            rayon::join(
                || overpermission::findings(analysis, &admins),
                || {
                    rayon::join(
                        || credentials::findings(analysis, &admins, options),
                        || toxic::findings(analysis, &options.toxic),
                    )
                },
            )
        },
    );
    findings.extend(escalations);
    findings.extend(exposure);
    findings.extend(over);
    findings.extend(credentials);
    findings.extend(toxic);
    merge_alike(findings)
}

/// One finding per id: a rule that meets the same risk twice (two statements opening one
/// resource to anyone) reports it once, with both pieces of evidence and the worse severity.
fn merge_alike(findings: Vec<Finding>) -> Vec<Finding> {
    let mut at: std::collections::HashMap<remit_findings::FindingId, usize> = std::collections::HashMap::new();
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings {
        match at.get(&f.id) {
            Some(&i) => {
                let kept = &mut out[i];
                if f.severity > kept.severity {
                    kept.severity = f.severity;
                    kept.severity_rationale = f.severity_rationale.clone();
                    kept.title = f.title.clone();
                }
                if f.reach.is_allowed() {
                    kept.reach = f.reach.clone();
                }
                for e in f.evidence {
                    if !kept.evidence.contains(&e) {
                        kept.evidence.push(e);
                    }
                }
            }
            None => {
                at.insert(f.id.clone(), out.len());
                out.push(f);
            }
        }
    }
    out
}
