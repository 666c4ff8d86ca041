//! Reading a written bundle back and arbitrary API answers, for the collectors' tests (feature
//! `testing`).
//!
//! Why here: both collectors' tests check the files a collection wrote and their JSON, and
//! property-test their conversions of REST answers on arbitrary JSON; the helpers panic with the
//! path, as a test wants, so they live behind a feature that only dev-dependencies turn on.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::{collections::BTreeSet, path::Path};

use proptest::prelude::*;
use serde_json::{Value, json};

/// Arbitrary JSON (nested `depth` deep, about `size` nodes) whose objects use `keys` (those a
/// conversion looks at) and whose strings match the regex `strings`.
pub fn json_value(
    keys: &'static [&'static str],
    strings: &'static str,
    depth: u32,
    size: u32,
) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        strings.prop_map(Value::String),
    ];
    leaf.prop_recursive(depth, size, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((proptest::sample::select(keys), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

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
