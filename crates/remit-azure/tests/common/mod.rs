//! The fixture tenant shared by the integration tests.
//!
//! `tests/fixtures/tenant-a/<tenant-id>/` is written in the exact shapes of the commands
//! docs/environment-bundle.md names: `az account management-group show --expand --recurse`,
//! `az account list --all`, `az role definition list`, `az role assignment list --all`,
//! `az group list`, `az resource list`, ARM REST `{"value": [...]}` pages for deny
//! assignments and PIM schedule instances (api-version 2022-04-01 / 2020-10-01), and Microsoft
//! Graph v1.0 for users, groups, members, service principals, applications, owners, directory
//! roles and app role assignments (one group-members file in the pre-2.37 `objectId` /
//! `objectType` shape).
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use remit_azure::{AzureAnalysis, AzureEnvironment};

pub const TENANT: &str = "11111111-1111-1111-1111-111111111111";
pub const SUB_A: &str = "/subscriptions/aaaaaaaa-0000-0000-0000-000000000001";
pub const SUB_B: &str = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000002";
pub const RG_APP: &str = "/subscriptions/aaaaaaaa-0000-0000-0000-000000000001/resourceGroups/rg-app";
pub const SA_DATA: &str = "/subscriptions/aaaaaaaa-0000-0000-0000-000000000001/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/sadata";
pub const SA_LOGS: &str = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000002/resourceGroups/rg-logs/providers/Microsoft.Storage/storageAccounts/salogs";
pub const VM_WEB: &str = "/subscriptions/aaaaaaaa-0000-0000-0000-000000000001/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-web";
pub const VM_BATCH: &str = "/subscriptions/aaaaaaaa-0000-0000-0000-000000000001/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-batch";
pub const UAMI: &str = "/subscriptions/aaaaaaaa-0000-0000-0000-000000000001/resourceGroups/rg-identity/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami-deployer";

pub const ALICE: &str = "00000001-0000-4000-8000-000000000001";
pub const BOB: &str = "00000002-0000-4000-8000-000000000002";
pub const CAROL: &str = "00000003-0000-4000-8000-000000000003";
pub const DAVE: &str = "00000004-0000-4000-8000-000000000004";
pub const EVE: &str = "00000005-0000-4000-8000-000000000005";
pub const FRANK: &str = "00000006-0000-4000-8000-000000000006";
pub const GRACE: &str = "00000007-0000-4000-8000-000000000007";
pub const HENRY: &str = "00000008-0000-4000-8000-000000000008";
pub const IVAN: &str = "00000009-0000-4000-8000-000000000009";
pub const JUDY: &str = "0000000a-0000-4000-8000-00000000000a";
pub const KATE: &str = "0000000b-0000-4000-8000-00000000000b";
pub const MALLORY: &str = "0000000c-0000-4000-8000-00000000000c";
pub const OSCAR: &str = "0000000d-0000-4000-8000-00000000000d";
pub const ALL_ENGINEERS: &str = "9a000000-0000-4000-8000-000000000001";
pub const PLATFORM_READERS: &str = "9a000000-0000-4000-8000-000000000002";
pub const TIER0: &str = "9a000000-0000-4000-8000-000000000003";
pub const SP_DEPLOY: &str = "5b000000-0000-4000-8000-000000000001";
pub const MI_VM_WEB: &str = "5b000000-0000-4000-8000-000000000002";
pub const MI_UAMI: &str = "5b000000-0000-4000-8000-000000000003";
pub const SP_SYNC: &str = "5b000000-0000-4000-8000-000000000004";
pub const APP_DEPLOY: &str = "ab000000-0000-4000-8000-000000000001";

pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tenant-a").join(TENANT)
}

pub fn env() -> AzureEnvironment {
    let (env, issues) = remit_azure::load(&fixture_dir()).unwrap();
    assert!(issues.is_empty(), "{issues:?}");
    env
}

pub fn analysis() -> AzureAnalysis {
    AzureAnalysis::new(env())
}

/// Copies the fixture into a temporary directory (for tests that corrupt a file).
pub fn copy_fixture() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join(TENANT);
    copy_dir(&fixture_dir(), &dest);
    (tmp, dest)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
