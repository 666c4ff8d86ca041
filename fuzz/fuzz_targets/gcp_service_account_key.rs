//! A service account key file is read from wherever the operator points the collector: any
//! bytes must give a key or a clear error, never a panic, and neither may show the private key.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match remit_gcp_collect::ServiceAccountKey::from_json(text) {
        Ok(key) => {
            let shown = format!("{key:?}");
            assert!(shown.contains("private_key: ***"), "the private key is shown: {shown}");
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
