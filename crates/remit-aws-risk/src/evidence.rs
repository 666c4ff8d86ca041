//! Evidence from the engine's answers: the statements of every layer that decide a step.

use remit_aws_analysis::{AwsAnalysis, Explained};
use remit_findings::{Evidence, Reach};
use remit_model::{Access, Holder, Step};

/// The statements that decide `principal`'s `action` on `resource` (with `context` known),
/// as evidence; nothing when the question cannot be asked (the caller decided it already).
pub(crate) fn statements(
    analysis: &AwsAnalysis,
    principal: &str,
    action: &str,
    resource: &str,
    context: &[(&str, &str)],
) -> Vec<Evidence> {
    match analysis.explain_with(principal, action, resource, context) {
        Ok(explained) => of_explained(&explained, action, resource),
        Err(_) => Vec::new(),
    }
}

fn of_explained(explained: &Explained, action: &str, resource: &str) -> Vec<Evidence> {
    explained
        .statements
        .iter()
        .map(|s| Evidence {
            principal: Some(explained.principal.id.clone()),
            action: Some(action.to_owned()),
            resource: Some(resource.to_owned()),
            layer: s.layer.to_owned(),
            source: s.source.clone(),
            statement: Some(s.statement.clone()),
            effect: Some(s.effect.to_owned()),
            conditions: s.conditions.clone(),
            detail: None,
        })
        .collect()
}

/// A holder's access as a finding's reach (its conditions as written, with where).
pub(crate) fn reach(access: &Access) -> Reach {
    Reach::conditional(access.conditions().iter().map(condition_text).collect())
}

/// A condition as a reach lists it: `expression (source)`, or `unless ...` on a deny.
pub(crate) fn condition_text(c: &remit_model::Condition) -> String {
    match c.on_deny {
        true => format!("unless {} ({})", c.expression, c.source),
        false => format!("{} ({})", c.expression, c.source),
    }
}

/// Both reaches together (a path holds when every step does).
pub(crate) fn both(a: &Reach, b: &Reach) -> Reach {
    let mut conditions = a.conditions.clone();
    for c in &b.conditions {
        if !conditions.contains(c) {
            conditions.push(c.clone());
        }
    }
    Reach::conditional(conditions)
}

/// How a holder gets its access, in a sentence (`policies X, Y; group G`).
pub(crate) fn how(holder: &Holder) -> String {
    let parts: Vec<String> = holder
        .via
        .iter()
        .map(|step| match step {
            Step::Direct { sources } if sources.is_empty() => "its own policies".to_owned(),
            step => step.describe(),
        })
        .collect();
    parts.join("; ")
}
