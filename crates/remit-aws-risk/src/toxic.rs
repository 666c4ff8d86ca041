//! Toxic combinations: separation-of-duties rules a team writes, such as "no principal can
//! both write to the deploy bucket and approve releases".
//!
//! Each rule lists requirements (an action on a resource); a principal that can meet all of
//! them, in any way who-can finds (its own policies, groups, role chains, resource policies),
//! breaks the rule. Rules live in a TOML file the team reviews; an unreadable rule is an
//! error naming its line.

use std::{collections::BTreeMap, path::Path};

use remit_aws_analysis::AwsAnalysis;
use remit_findings::{Evidence, Finding, FindingId, Kind, Reach, Severity};
use remit_model::PrincipalKind;
use serde::Deserialize;

use crate::{escalation::short, evidence, rules};

/// One requirement: an action on a resource (an ARN, or `*` for actions on no resource).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// `service:Action`.
    pub action: String,
    /// The resource's ARN, or `*`.
    pub resource: String,
}

/// A separation-of-duties rule.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToxicRule {
    /// A short id, unique in the file (part of each finding's id).
    pub id: String,
    /// What it forbids, as the report titles it.
    pub title: String,
    /// `critical`, `high` (the default), `medium`, `low` or `info`.
    #[serde(default)]
    pub severity: Option<String>,
    /// Why the combination is dangerous (the severity rationale).
    #[serde(default)]
    pub rationale: Option<String>,
    /// The requirements no principal may meet together (two or more).
    pub requires: Vec<Requirement>,
}

/// The rules of a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToxicRules {
    /// In file order.
    pub rules: Vec<ToxicRule>,
}

/// A rules file that cannot be used (its file and line).
pub type ToxicRulesError = remit_findings::FileError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    rule: Vec<toml::Spanned<ToxicRule>>,
}

impl ToxicRules {
    /// Reads a file of `[[rule]]` tables.
    pub fn load(path: &Path) -> Result<ToxicRules, ToxicRulesError> {
        ToxicRules::parse(&remit_findings::toml_file::read(path)?, path)
    }

    /// Reads the text of a rules file (`path` names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<ToxicRules, ToxicRulesError> {
        let document = remit_findings::toml_file::Document::new(text, path);
        let invalid = |offset: usize, message: String| document.invalid(offset, message);
        let file: File = document.parse()?;
        let mut rules: Vec<ToxicRule> = Vec::new();
        for spanned in file.rule {
            let at = spanned.span().start;
            let rule = spanned.into_inner();
            if rule.id.trim().is_empty() || rules.iter().any(|r| r.id == rule.id) {
                return Err(invalid(at, format!("rule id `{}` is empty or not unique", rule.id)));
            }
            if rule.requires.len() < 2 {
                return Err(invalid(at, format!("rule `{}` needs at least two requirements", rule.id)));
            }
            if let Some(s) = &rule.severity
                && Severity::parse(s).is_none()
            {
                return Err(invalid(
                    at,
                    format!("rule `{}`: severity `{s}` is not critical, high, medium, low or info", rule.id),
                ));
            }
            for r in &rule.requires {
                let action_ok = r.action.split_once(':').is_some_and(|(s, a)| !s.is_empty() && !a.is_empty());
                if !action_ok {
                    return Err(invalid(
                        at,
                        format!("rule `{}`: `{}` is not an action (service:Action)", rule.id, r.action),
                    ));
                }
                if r.resource != "*" && !r.resource.starts_with("arn:") {
                    return Err(invalid(at, format!("rule `{}`: `{}` is neither an ARN nor `*`", rule.id, r.resource)));
                }
            }
            rules.push(rule);
        }
        Ok(ToxicRules { rules })
    }
}

pub(crate) fn findings(analysis: &AwsAnalysis, toxic: &ToxicRules) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in &toxic.rules {
        // principal → (reach, evidence) for every requirement met so far.
        let mut met: Option<BTreeMap<String, (Reach, Vec<Evidence>)>> = None;
        for r in &rule.requires {
            let holders = analysis.who_can(&r.action, &r.resource).unwrap_or_default();
            let mut now: BTreeMap<String, (Reach, Vec<Evidence>)> = BTreeMap::new();
            for h in holders.iter().filter(|h| matches!(h.principal.kind, PrincipalKind::User | PrincipalKind::Role)) {
                if crate::admin::is_probe(&h.principal.id) {
                    continue;
                }
                let before = match &met {
                    None => Some((Reach::allowed(), Vec::new())),
                    Some(m) => m.get(&h.principal.id).cloned(),
                };
                let Some((reach, mut ev)) = before else { continue };
                ev.push(Evidence {
                    principal: Some(h.principal.id.clone()),
                    action: Some(r.action.clone()),
                    resource: Some(r.resource.clone()),
                    layer: "path".to_owned(),
                    source: evidence::how(h),
                    statement: None,
                    effect: Some("Allow".to_owned()),
                    conditions: h.access.conditions().iter().map(evidence::condition_text).collect(),
                    detail: None,
                });
                now.insert(h.principal.id.clone(), (evidence::both(&reach, &evidence::reach(&h.access)), ev));
            }
            met = Some(now);
        }
        let severity = rule.severity.as_deref().and_then(Severity::parse).unwrap_or(Severity::High);
        let rule_id = format!("{}:{}", rules::TOXIC_PREFIX, rule.id);
        for (principal, (reach, evidence)) in met.unwrap_or_default() {
            let resources: Vec<String> = rule.requires.iter().map(|r| r.resource.clone()).collect();
            out.push(Finding {
                id: FindingId::new(&rule_id, &[principal.as_str()], &[] as &[&str]),
                kind: Kind::ToxicCombination,
                rule: rule_id.clone(),
                title: format!("{}: {}", short(&principal), rule.title),
                severity,
                severity_rationale: rule.rationale.clone().unwrap_or_else(|| format!("breaks the separation-of-duties rule `{}`", rule.id)),
                cloud: "aws".to_owned(),
                account: principal.split(':').nth(4).map(str::to_owned),
                principals: vec![principal.clone()],
                resources,
                categories: Vec::new(),
                reach,
                evidence,
                path: Vec::new(),
                remediation: "Split the duties between principals: remove one of the requirements from this principal (or from the roles it can assume).".to_owned(),
                first_seen: None,
                suppressed: None,
            });
        }
    }
    out
}
