//! Parsing and deciding any text as an IAM condition, or as a member string, must never panic;
//! a condition that parses must decide the same way twice.
#![no_main]

use libfuzzer_sys::fuzz_target;
use remit_gcp::{cel, member::Member};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let context = cel::Context::default();
    if let Ok(ast) = cel::parse(text) {
        assert_eq!(cel::decide(&ast, &context), cel::decide(&ast, &context));
    }
    let _ = cel::evaluate(text, &context);
    let _ = Member::parse(text).canonical();
});
