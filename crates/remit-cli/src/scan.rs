//! `remit scan`: every risk finding of an environment, ranked, in the format its reader wants
//! (a terminal summary, the documented JSON, OCSF for a SIEM, one HTML file for people), with
//! an exit status a CI pipeline can gate on.

use std::{
    io::{self, Write},
    path::{Path, PathBuf},
};

use anyhow::Context as _;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use remit_aws_risk::{ScanOptions, ToxicRules};
use remit_findings::{FirstSeen, Report, Severity, Suppressions, Timestamp, Tool};

/// How `remit scan` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ScanFormat {
    /// A ranked summary for the terminal.
    Table,
    /// The report as JSON (docs/report-formats.md).
    Json,
    /// OCSF Detection Findings, one JSON object per line.
    Ocsf,
    /// One self-contained HTML file with charts and escalation graphs.
    Html,
}

/// What `remit scan` was asked.
#[derive(clap::Args)]
pub(crate) struct ScanArgs {
    /// The environment: a bundle directory or one `get-account-authorization-details` file
    /// (without it, a snapshot of the store: the newest, or the one --at, --snapshot and
    /// --name select).
    pub(crate) path: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) at: crate::service::AtArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Table)]
    pub(crate) format: ScanFormat,
    /// Write the report to this file (atomically, readable by its owner only) instead of
    /// standard output.
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// Exit with status 3 when open findings reach this severity (critical, high, medium,
    /// low, info).
    #[arg(long)]
    pub(crate) fail_on: Option<String>,
    /// Suppressions (a TOML file of [[suppress]] tables).
    #[arg(long)]
    pub(crate) suppressions: Option<PathBuf>,
    /// Separation-of-duties rules (a TOML file of [[rule]] tables).
    #[arg(long)]
    pub(crate) rules: Option<PathBuf>,
    /// Do not record first-seen times.
    #[arg(long)]
    pub(crate) no_record: bool,
    /// Days without use after which an identity or key is inactive.
    #[arg(long, default_value_t = 90)]
    pub(crate) inactive_days: i64,
    /// Days after which an active access key should have been rotated.
    #[arg(long, default_value_t = 90)]
    pub(crate) key_age_days: i64,
    /// Rows of the terminal table.
    #[arg(long, default_value_t = 40)]
    pub(crate) limit: usize,
}

/// The exit status when open findings reach `--fail-on`.
pub(crate) const EXIT_FINDINGS: u8 = 3;

/// Remit's data directory: `--data-dir`, else `$XDG_DATA_HOME/remit`, else
/// `~/.local/share/remit`.
pub(crate) fn data_dir(given: Option<&Path>) -> Option<PathBuf> {
    if let Some(dir) = given {
        return Some(dir.to_owned());
    }
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(xdg).join("remit"));
    }
    std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|home| PathBuf::from(home).join(".local/share/remit"))
}

pub(crate) fn run(args: ScanArgs, env: &Path, data_dir_given: Option<&Path>) -> anyhow::Result<u8> {
    // Everything the user gave is checked before the (long) analysis starts.
    let fail_on = match &args.fail_on {
        Some(text) => Some(
            Severity::parse(text)
                .with_context(|| format!("--fail-on `{text}`: expected critical, high, medium, low or info"))?,
        ),
        None => None,
    };
    let suppressions = match &args.suppressions {
        Some(path) => Suppressions::load(path)?,
        None => Suppressions::default(),
    };
    let toxic = match &args.rules {
        Some(path) => ToxicRules::load(path)?,
        None => ToxicRules::default(),
    };
    let now = Timestamp::now();
    let seen_path = match args.no_record {
        true => None,
        false => data_dir(data_dir_given).map(|d| d.join("findings").join("first-seen.json")),
    };
    let mut seen = match &seen_path {
        Some(path) => FirstSeen::load(path)?,
        None => FirstSeen::default(),
    };
    // The AWS part (with the probes its rules need), then every other cloud and the people
    // around it: one report for the whole estate.
    let aws = match remit_estate::has_aws(env) {
        true => Some(crate::queries::load_with(env, remit_aws_risk::admin::with_probes)?),
        false => None,
    };
    let estate = crate::estate::load_around(env, aws)?;
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner.set_message("scanning: administrators, escalation paths, exposure, credentials, people");
    let started = std::time::Instant::now();
    let mut options = ScanOptions::new(now);
    options.inactive_days = args.inactive_days;
    options.key_age_days = args.key_age_days;
    options.toxic = toxic;
    let mut findings = match &estate.aws {
        Some(analysis) => remit_aws_risk::scan(analysis, &options),
        None => Vec::new(),
    };
    findings.extend(estate.findings());
    estate.name_people(&mut findings);
    spinner.finish_and_clear();
    let applied = suppressions.apply(&mut findings, now);
    for id in &applied.stale {
        eprintln!("remit: warning: suppression {id} matches no finding (stale?)");
    }
    for id in &applied.expired {
        eprintln!("remit: warning: suppression {id} has expired; the finding is open again");
    }
    seen.stamp(&mut findings, now);
    if let Some(path) = &seen_path {
        seen.save(path)?;
    }
    let known = crate::estate::principal_ids(&estate);
    let tool = Tool { name: "remit".to_owned(), version: env!("CARGO_PKG_VERSION").to_owned() };
    let mut report = Report::new(tool, now.to_string(), env.display().to_string(), known.len(), findings);
    report.count_at_risk_among(|p| known.contains(p));
    let elapsed = started.elapsed().as_secs_f64();
    write(&report, &args, elapsed)?;
    if let Some(level) = fail_on {
        let failing = report.open_at_least(level);
        if failing > 0 {
            eprintln!("remit: {failing} open finding(s) at or above {} (--fail-on)", level.as_str());
            return Ok(EXIT_FINDINGS);
        }
    }
    Ok(crate::EXIT_OK)
}

fn write(report: &Report, args: &ScanArgs, elapsed: f64) -> anyhow::Result<()> {
    let mut text: Vec<u8> = Vec::new();
    match args.format {
        ScanFormat::Json => {
            serde_json::to_writer_pretty(&mut text, report)?;
            text.push(b'\n');
        }
        ScanFormat::Ocsf => remit_findings::ocsf::write_ocsf_lines(report, &mut text)?,
        ScanFormat::Html => text.extend(remit_findings::html::to_html(report).into_bytes()),
        ScanFormat::Table => table(report, args.limit, elapsed, &mut text)?,
    }
    match &args.out {
        Some(path) => {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let mut file = tempfile::NamedTempFile::new_in(dir)
                .with_context(|| format!("cannot write into `{}`", dir.display()))?;
            file.write_all(&text)?;
            file.persist(path).with_context(|| format!("cannot write `{}`", path.display()))?;
            eprintln!("remit: wrote {} ({} findings)", path.display(), report.findings.len());
        }
        None => {
            let stdout = io::stdout();
            let mut out = stdout.lock();
            out.write_all(&text)?;
            out.flush()?;
        }
    }
    Ok(())
}

fn table(report: &Report, limit: usize, elapsed: f64, out: &mut Vec<u8>) -> anyhow::Result<()> {
    let s = &report.summary;
    let counts: Vec<String> = Severity::DESCENDING
        .iter()
        .map(|sev| format!("{} {}", s.by_severity.get(sev).copied().unwrap_or(0), sev.as_str()))
        .collect();
    writeln!(
        out,
        "{} open findings ({}); {} of {} principals at risk; {} suppressed; scanned in {elapsed:.2} s",
        s.open,
        counts.join(", "),
        s.principals_at_risk,
        s.principals,
        s.suppressed
    )?;
    let kinds: Vec<String> = s.by_kind.iter().map(|(k, n)| format!("{} {n}", k.as_str())).collect();
    if !kinds.is_empty() {
        writeln!(out, "by kind: {}", kinds.join(", "))?;
    }
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(["severity", "kind", "finding", "access", "id"]);
    let open: Vec<_> = report.findings.iter().filter(|f| f.is_open()).collect();
    for f in open.iter().take(limit) {
        table.add_row([f.severity.as_str(), f.kind.as_str(), f.title.as_str(), f.reach.access.as_str(), f.id.as_str()]);
    }
    if !open.is_empty() {
        writeln!(out, "{table}")?;
    }
    if open.len() > limit {
        writeln!(
            out,
            "... and {} more (--limit N, or --format json|html for every finding with its evidence)",
            open.len() - limit
        )?;
    }
    let riskiest = report.riskiest_principals(5);
    if !riskiest.is_empty() {
        writeln!(out, "riskiest principals:")?;
        for (p, sev, n) in riskiest {
            writeln!(out, "  {} ({} open, worst {})", p, n, sev.as_str())?;
        }
    }
    Ok(())
}
