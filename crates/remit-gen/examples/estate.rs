//! Writes a generated estate (people, Azure, Google Cloud, activity) into a directory, beside an
//! AWS bundle if one is there: `cargo run -p remit-gen --example estate -- DIR [SEED] [demo|large]`.

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: estate DIR [SEED] [demo|large]");
        std::process::exit(2);
    };
    let seed = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let spec = match args.next().as_deref() {
        Some("large") => remit_gen::estate::EstateSpec::large(seed),
        _ => remit_gen::estate::EstateSpec::demo(seed),
    };
    let started = std::time::Instant::now();
    match remit_gen::estate::write_estate(&spec, std::path::Path::new(&dir)) {
        Ok(truth) => println!(
            "{:?}: {} people, tenant {} ({} users, {} role assignments), organization {} ({} projects, {} grants)",
            started.elapsed(),
            truth.people.persons,
            truth.azure.tenant_id,
            truth.azure.users,
            truth.azure.role_assignments,
            truth.gcp.organization_id,
            truth.gcp.projects,
            truth.gcp.bindings
        ),
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(1);
        }
    }
}
