//! Decoding and deciding any line must never panic: a bad line yields an error answer.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let answer = remit_aws_decide::decide_line(text, true);
    assert!(answer.starts_with('{'));
});
