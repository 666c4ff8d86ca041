//! Importing any bytes as a Google Cloud organization's allow policies, deny policies, roles or
//! group memberships must never panic: it is read, reported as issues, or refused with an error.
#![no_main]

use std::{fs, path::PathBuf, sync::OnceLock};

use libfuzzer_sys::fuzz_target;

/// One scratch organization directory per fuzzing process.
fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("remit-gcp-fuzz-{}", std::process::id()));
        fs::create_dir_all(dir.join("deny-policies")).expect("scratch directory");
        fs::create_dir_all(dir.join("groups")).expect("scratch directory");
        fs::write(dir.join("organization.json"), r#"{"displayName":"corp.example","name":"organizations/1"}"#)
            .expect("organization");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = scratch();
    let (selector, body) = data.split_first().map_or((0, data), |(s, b)| (*s, b));
    let file = match selector % 4 {
        0 => dir.join("iam-policies.json"),
        1 => dir.join("deny-policies").join("cloudresourcemanager.googleapis.com%2Fprojects%2Fp.json"),
        2 => dir.join("roles.json"),
        _ => dir.join("groups").join("g@corp.example.json"),
    };
    fs::write(&file, body).expect("write");
    if let Ok((env, _issues)) = remit_gcp::load(dir) {
        let analysis = remit_gcp::GcpAnalysis::new(env);
        let _ = remit_gcp::risk::findings(&analysis);
    }
    fs::remove_file(&file).expect("remove");
});
