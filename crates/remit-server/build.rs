//! Embeds the console: every file of `console/` becomes a `(name, bytes)` entry of
//! `CONSOLE_ASSETS`, so the binary serves the console with nothing on disk and nothing from
//! the internet, and a new asset needs no code change.

use std::{env, fmt::Write as _, fs, path::Path};

fn main() {
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR")).join("console");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.') && n != "README.md")
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out =
        String::from("/// The console's files, by name.\npub(crate) const CONSOLE_ASSETS: &[(&str, &[u8])] = &[\n");
    for name in &names {
        println!("cargo:rerun-if-changed={}", dir.join(name).display());
        let _ = writeln!(out, "    ({name:?}, include_bytes!({:?})),", dir.join(name).display().to_string());
    }
    out.push_str("];\n");
    let target = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("console_assets.rs");
    fs::write(target, out).expect("OUT_DIR is writable");
}
