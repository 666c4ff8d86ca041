//! ABAC conditions come from role assignments anyone with write access can set: parsing and
//! evaluating any text must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use remit_azure::condition::{Context, evaluate, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(expr) = parse(text) {
        let mut context = Context { action: "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read".to_owned(), ..Context::default() };
        let _ = evaluate(&expr, &context);
        context.sub_operation = Some(None);
        context.attributes.insert(remit_azure::condition::CONTAINER_NAME.to_owned(), vec!["c".to_owned()]);
        let _ = evaluate(&expr, &context);
    }
});
