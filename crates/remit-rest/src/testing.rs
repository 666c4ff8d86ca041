//! Reading a written bundle back, for the collectors' tests (feature `testing`).
//!
//! Why here: both collectors' tests check the files a collection wrote and their JSON; the
//! helpers panic with the path, as a test wants, so they live behind a feature that only
//! dev-dependencies turn on.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::{collections::BTreeSet, path::Path};

use serde_json::Value;

/// The JSON of a written file (panics with the path when it is missing or not JSON).
pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}

/// Every file below `dir`, as slash-separated paths relative to it.
pub fn files_under(dir: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let entry = entry.unwrap().path();
            if entry.is_dir() {
                stack.push(entry);
            } else {
                found.insert(entry.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found
}
