//! `who-can`, `explain`, `can-become` and `exposure`: load an environment, ask the analysis,
//! print a table for people or JSON for programs.

use std::path::Path;

use anyhow::Context as _;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use remit_aws_analysis::{AwsAnalysis, Explained, Exposure};
use remit_model::{Access, Holder};
use serde_json::json;

/// How to print answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// A table for the terminal.
    Table,
    /// JSON for programs (documented in docs/queries.md).
    Json,
}

/// Loads the environment and reports import issues on standard error, with a spinner on a
/// terminal (a large organization takes seconds).
pub(crate) fn load(env: &Path) -> anyhow::Result<AwsAnalysis> {
    load_with(env, |e| e)
}

/// [`load`], with the environment changed by `prepare` before it is indexed (a scan adds its
/// ceiling probes).
pub(crate) fn load_with(
    env: &Path,
    prepare: impl FnOnce(remit_aws_import::AwsEnvironment) -> remit_aws_import::AwsEnvironment,
) -> anyhow::Result<AwsAnalysis> {
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner.set_message(format!("reading {}", env.display()));
    let started = std::time::Instant::now();
    let environment =
        remit_aws_import::load(env).with_context(|| format!("cannot load the environment `{}`", env.display()))?;
    if !environment.issues.is_empty() {
        spinner.suspend(|| {
            eprintln!(
                "remit: {} import issue(s); the principals and resources they touch are marked incomplete (first: {}: {}: {}); `remit aws check --env {}` lists them all",
                environment.issues.len(),
                environment.issues[0].file.display(),
                environment.issues[0].location,
                environment.issues[0].message,
                env.display(),
            )
        });
    }
    spinner.set_message("indexing: compiling policies and the trust graph");
    let analysis = AwsAnalysis::new(prepare(environment));
    let (principals, edges) = analysis.size();
    spinner.finish_and_clear();
    if console_is_terminal() {
        eprintln!(
            "remit: {principals} principals, {edges} role-assumption edges, ready in {:.2} s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(analysis)
}

/// `remit aws check`: every import issue of an environment.
pub(crate) fn check(env: &Path, format: Format) -> anyhow::Result<u8> {
    let environment =
        remit_aws_import::load(env).with_context(|| format!("cannot load the environment `{}`", env.display()))?;
    let accounts = environment.accounts.len();
    let principals: usize = environment.accounts.iter().map(|a| a.users.len() + a.roles.len()).sum();
    let resources: usize = environment.accounts.iter().map(|a| a.resources.len()).sum();
    match format {
        Format::Json => {
            let out = json!({
                "accounts": accounts,
                "principals": principals,
                "resources": resources,
                "issues": environment.issues.iter().map(|i| json!({
                    "file": i.file.display().to_string(), "path": i.location, "problem": i.message, "subject": i.subject,
                })).collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Table => {
            println!(
                "{accounts} account(s), {principals} users and roles, {resources} resources; {} import issue(s)",
                environment.issues.len()
            );
            if !environment.issues.is_empty() {
                let mut t = table(&["file", "JSON path", "problem", "marked incomplete"]);
                for i in &environment.issues {
                    t.add_row(vec![
                        i.file.display().to_string(),
                        i.location.clone(),
                        i.message.clone(),
                        i.subject.clone().unwrap_or_default(),
                    ]);
                }
                println!("{t}");
            }
        }
    }
    Ok(u8::from(!environment.issues.is_empty()))
}

fn console_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}

fn conditions_text(access: &Access) -> String {
    access
        .conditions()
        .iter()
        .map(|c| {
            if c.on_deny {
                format!("unless {} ({})", c.expression, c.source)
            } else {
                format!("{} ({})", c.expression, c.source)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic).set_header(header);
    t
}

pub(crate) fn who_can(env: &Path, action: &str, resource: &str, format: Format) -> anyhow::Result<u8> {
    let analysis = load(env)?;
    let holders = analysis.who_can(action, resource)?;
    match format {
        Format::Json => {
            let out = remit_history::answers::who_can(action, resource, &holders, analysis.environment().issues.len());
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Table => print_holders(&holders, action, resource, usize::MAX),
    }
    Ok(0)
}

/// who-can as a table, at most `limit` rows (the demo's excerpt).
pub(crate) fn who_can_limited(
    analysis: &AwsAnalysis,
    action: &str,
    resource: &str,
    limit: usize,
) -> anyhow::Result<()> {
    let holders = analysis.who_can(action, resource)?;
    print_holders(&holders, action, resource, limit);
    Ok(())
}

fn print_holders(holders: &[Holder], action: &str, resource: &str, limit: usize) {
    if holders.is_empty() {
        println!("No principal can perform {action} on {resource}.");
        return;
    }
    let mut t = table(&["principal", "kind", "decision", "via", "conditions"]);
    for h in holders.iter().take(limit) {
        let name =
            if h.principal.incomplete { format!("{} (incomplete)", h.principal.id) } else { h.principal.id.clone() };
        t.add_row(vec![
            name,
            h.principal.kind.as_str().to_owned(),
            h.access.as_str().to_owned(),
            h.via.iter().map(|s| s.describe()).collect::<Vec<_>>().join("\n→ "),
            conditions_text(&h.access),
        ]);
    }
    println!("{t}");
    let conditional = holders.iter().filter(|h| matches!(h.access, Access::Conditional(_))).count();
    let shown = if holders.len() > limit { format!(" (the first {limit} shown)") } else { String::new() };
    println!("{} principal(s) can perform {action} on {resource} ({conditional} conditionally){shown}.", holders.len());
}

pub(crate) fn explain(env: &Path, principal: &str, action: &str, resource: &str, format: Format) -> anyhow::Result<u8> {
    let analysis = load(env)?;
    let explained: Explained = analysis.explain(principal, action, resource)?;
    match format {
        Format::Json => {
            let out = remit_history::answers::explain(&explained, action, resource);
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Table => {
            println!(
                "{} → {action} on {resource}: {} ({})",
                explained.principal.id,
                explained.verdict.as_str(),
                explained.reason
            );
            if !explained.statements.is_empty() {
                let mut t = table(&["layer", "policy", "statement", "effect", "undecided conditions"]);
                for s in &explained.statements {
                    t.add_row(vec![
                        s.layer.to_owned(),
                        s.source.clone(),
                        s.statement.clone(),
                        s.effect.to_owned(),
                        s.conditions.join("\n"),
                    ]);
                }
                println!("{t}");
            }
        }
    }
    Ok(0)
}

pub(crate) fn can_become(env: &Path, role: Option<&str>, from: Option<&str>, format: Format) -> anyhow::Result<u8> {
    let analysis = load(env)?;
    let (holders, what) = match (role, from) {
        (Some(role), None) => (analysis.can_become(role)?, format!("can become {role}")),
        (None, Some(from)) => (analysis.can_become_from(from)?, format!("{from} can become")),
        _ => anyhow::bail!("give either ROLE or --from PRINCIPAL"),
    };
    match format {
        Format::Json => {
            let out = remit_history::answers::can_become(&what, &holders);
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Table => print_becomers(&holders, &what, usize::MAX),
    }
    Ok(0)
}

/// can-become as a table, at most `limit` rows (the demo's excerpt).
pub(crate) fn can_become_limited(analysis: &AwsAnalysis, role: &str, limit: usize) -> anyhow::Result<()> {
    let holders = analysis.can_become(role)?;
    print_becomers(&holders, &format!("can become {role}"), limit);
    Ok(())
}

fn print_becomers(holders: &[Holder], what: &str, limit: usize) {
    let mut t = table(&["principal", "decision", "path", "conditions"]);
    for h in holders.iter().take(limit) {
        t.add_row(vec![
            h.principal.id.clone(),
            h.access.as_str().to_owned(),
            h.via.iter().map(|s| s.describe()).collect::<Vec<_>>().join("\n→ "),
            conditions_text(&h.access),
        ]);
    }
    println!("{t}");
    println!("{} principal(s): {what}.", holders.len());
}

pub(crate) fn exposure(env: &Path, format: Format) -> anyhow::Result<u8> {
    let analysis = load(env)?;
    let exposures: Vec<Exposure> = analysis.exposure();
    match format {
        Format::Json => {
            println!("{}", serde_json::to_string_pretty(&remit_history::answers::exposure(&exposures))?);
        }
        Format::Table => {
            print_exposures(&exposures);
            println!("{} resource grant(s) reach outside the environment.", exposures.len());
        }
    }
    Ok(0)
}

pub(crate) fn print_exposures(exposures: &[Exposure]) {
    let mut t = table(&["resource", "outsider", "decision", "actions", "statement", "conditions"]);
    for e in exposures {
        t.add_row(vec![
            e.resource.clone(),
            e.outsider.clone(),
            e.access.as_str().to_owned(),
            e.actions.join(", "),
            e.statement.clone(),
            conditions_text(&e.access),
        ]);
    }
    println!("{t}");
}

pub(crate) struct WhatCanArgs<'a> {
    pub(crate) principal: &'a str,
    pub(crate) service: Option<String>,
    pub(crate) resource: Option<String>,
    pub(crate) access_level: Option<String>,
    pub(crate) expand: bool,
}

pub(crate) fn what_can(env: &Path, args: WhatCanArgs<'_>, format: Format) -> anyhow::Result<u8> {
    use remit_aws_analysis::{AccessLevel, WhatCanFilter};
    let level = match &args.access_level {
        None => None,
        Some(name) => Some(AccessLevel::from_name(name).with_context(|| {
            format!("unknown access level `{name}` (expected List, Read, Write, \"Permissions management\" or Tagging)")
        })?),
    };
    let analysis = load(env)?;
    let filter = WhatCanFilter { service: args.service.clone(), resource: args.resource.clone(), access_level: level };
    let permissions = analysis.what_can(args.principal, &filter)?;
    let summary = remit_history::answers::permission_summary(&permissions);
    match format {
        Format::Json => {
            let out = remit_history::answers::what_can(args.principal, &permissions);
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Table => {
            let mut header = vec!["service"];
            header.extend(AccessLevel::ALL.iter().map(|l| l.as_str()));
            let mut t = table(&header);
            for (service, row) in &summary {
                let mut cells = vec![service.clone()];
                for (a, c) in row {
                    cells.push(match (a, c) {
                        (0, 0) => String::new(),
                        (a, 0) => a.to_string(),
                        (a, c) => format!("{a} (+{c} conditional)"),
                    });
                }
                t.add_row(cells);
            }
            println!("{t}");
            if args.expand {
                let mut t = table(&["action", "resource", "decision", "conditions"]);
                for p in &permissions {
                    for (r, a) in &p.resources {
                        t.add_row(vec![p.action.clone(), r.clone(), a.as_str().to_owned(), conditions_text(a)]);
                    }
                }
                println!("{t}");
            }
            println!(
                "{} can perform {} action(s) in {} service(s){}.",
                args.principal,
                permissions.len(),
                summary.len(),
                if args.expand { "" } else { " (--expand lists them with their resources)" }
            );
        }
    }
    Ok(0)
}
