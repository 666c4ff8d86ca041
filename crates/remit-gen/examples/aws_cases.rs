//! Prints generated `remit aws decide` cases: `cargo run -p remit-gen --example aws_cases -- SEED COUNT`.

use std::io::Write;

fn main() {
    let mut args = std::env::args().skip(1);
    let seed = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let count = args.next().and_then(|s| s.parse().ok()).unwrap_or(100);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in remit_gen::aws_decide_cases(seed, count) {
        if writeln!(out, "{line}").is_err() {
            return;
        }
    }
}
