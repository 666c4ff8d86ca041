//! Importing any bytes as one of a tenant directory's files must never panic, and every
//! principal it marks incomplete must be named by an issue.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// The files the first byte chooses among.
const FILES: [&str; 8] = [
    "management-groups.json",
    "role-definitions.json",
    "subscriptions/s/role-assignments.json",
    "subscriptions/s/deny-assignments.json",
    "subscriptions/s/resources.json",
    "entra/users.json",
    "entra/group-members/g.json",
    "entra/app-role-assignments/p.json",
];

fuzz_target!(|data: &[u8]| {
    let Some((&choice, content)) = data.split_first() else { return };
    let dir = std::env::temp_dir().join(format!("remit-azure-fuzz-{}", std::process::id())).join("tenant");
    let _ = std::fs::remove_dir_all(&dir);
    let file = dir.join(FILES[usize::from(choice) % FILES.len()]);
    std::fs::create_dir_all(file.parent().expect("a parent")).expect("temporary directory");
    std::fs::write(&file, content).expect("temporary file");
    if let Ok((env, issues)) = remit_azure::load(&dir) {
        for id in &env.incomplete {
            assert!(issues.iter().any(|i| i.principal.as_deref() == Some(id.as_str())), "{id} incomplete without an issue");
        }
        let _ = remit_azure::findings(&remit_azure::AzureAnalysis::new(env));
    }
});
