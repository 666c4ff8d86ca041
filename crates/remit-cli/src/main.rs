//! The `remit` command: argv in, the engines wired together, an exit code out.
//!
//! Only this crate knows argv; everything it runs is a library call, so the HTTP API and the
//! console (later) reach the same answers through the same functions.

use std::{
    fs::File,
    io::{self, BufReader, BufWriter, IsTerminal, Write},
    path::PathBuf,
    process::ExitCode,
};

use anyhow::Context as _;
use clap::{Parser, Subcommand};

/// Exit statuses, published in `--help`.
const EXIT_OK: u8 = 0;
const EXIT_SOME_FAILED: u8 = 1;
const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "remit",
    version,
    about = "Who can do what, on which cloud resource, why, and do they use it",
    after_help = "Exit status: 0 success; 1 some inputs were rejected (each reported); 2 error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Amazon Web Services.
    Aws {
        #[command(subcommand)]
        command: AwsCommand,
    },
}

#[derive(Subcommand)]
enum AwsCommand {
    /// Decide AWS requests exactly as AWS would: JSON Lines of cases in, one decision per line out.
    #[command(after_help = "\
Each input line is a case: a request (principal, action, resource, context) and the policies
that apply (identity, permissions boundary, session, SCPs per level, resource policy, RCPs per
level). Each output line is {\"id\":...,\"decision\":\"Allowed\"|\"ImplicitlyDenied\"|\"ExplicitlyDenied\"},
or {\"id\":...,\"error\":\"<JSON path>: <problem>\"} for a line that is not a valid case.
The format is documented in docs/aws-decide.md.

Examples:
  remit aws decide examples/aws-decide.jsonl
  remit aws decide --explain examples/aws-decide.jsonl
  remit aws decide examples/aws-decide-malformed.jsonl   # an error naming the JSON path, exit 1
  echo '{\"id\":\"1\",\"request\":{\"principal\":\"arn:aws:iam::111122223333:user/alice\",\"action\":\"s3:GetObject\",\"resource\":\"arn:aws:s3:::b/k\"},\"identityPolicies\":[{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:Get*\",\"Resource\":\"*\"}}]}' | remit aws decide

Exit status: 0 every line decided; 1 some lines were not valid cases; 2 the input could not be read.")]
    Decide {
        /// Also list the statements that matched and the layer that decided.
        #[arg(long)]
        explain: bool,
        /// Print each answer as indented JSON (for reading, not for piping).
        #[arg(long)]
        pretty: bool,
        /// The JSON Lines file of cases; `-` or nothing reads standard input.
        file: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            // A closed pipe (`remit ... | head`) is not an error.
            if err.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe) {
                return ExitCode::from(EXIT_OK);
            }
            eprintln!("remit: error: {err:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Aws { command: AwsCommand::Decide { explain, pretty, file } } => decide(file, explain, pretty),
    }
}

fn decide(file: Option<PathBuf>, explain: bool, pretty: bool) -> anyhow::Result<u8> {
    let mut input: Box<dyn io::BufRead> = match &file {
        Some(path) if path.as_os_str() != "-" => {
            let f = File::open(path).with_context(|| format!("cannot open `{}`", path.display()))?;
            Box::new(BufReader::new(f))
        }
        _ => {
            if io::stdin().is_terminal() {
                eprintln!("remit: reading cases from standard input (one JSON object per line; Ctrl-D to end)");
            }
            Box::new(io::stdin().lock())
        }
    };
    let stdout = io::stdout();
    let mut output = BufWriter::new(stdout.lock());
    let summary = if pretty {
        let mut buffer = Vec::new();
        let summary =
            remit_aws_decide::decide_stream(&mut input, &mut buffer, explain).with_context(|| describe(&file))?;
        for line in buffer.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let value: serde_json::Value = serde_json::from_slice(line)?;
            serde_json::to_writer_pretty(&mut output, &value)?;
            output.write_all(b"\n")?;
        }
        output.flush()?;
        summary
    } else {
        remit_aws_decide::decide_stream(&mut input, &mut output, explain).with_context(|| describe(&file))?
    };
    if summary.errors > 0 {
        eprintln!(
            "remit: {} case(s) decided, {} line(s) rejected (see their \"error\")",
            summary.decided, summary.errors
        );
        return Ok(EXIT_SOME_FAILED);
    }
    Ok(EXIT_OK)
}

fn describe(file: &Option<PathBuf>) -> String {
    match file {
        Some(path) if path.as_os_str() != "-" => format!("cannot read `{}`", path.display()),
        _ => "cannot read standard input".to_owned(),
    }
}
