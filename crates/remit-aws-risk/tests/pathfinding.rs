//! Every privilege-escalation path of pathfinding.cloud's catalogue is covered by a technique.
//!
//! The catalogue (public, `../shared/data/pathfinding-cloud/pathfinding-paths-catalog.yaml`
//! beside the repository) is read when present; without it the test says so and checks
//! nothing more.

use std::collections::BTreeSet;

use remit_aws_risk::TECHNIQUES;

#[test]
fn every_pathfinding_cloud_path_is_a_technique() {
    let catalogue = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/pathfinding-cloud/pathfinding-paths-catalog.yaml");
    let Ok(text) = std::fs::read_to_string(&catalogue) else {
        eprintln!("pathfinding.cloud's catalogue is absent ({}): not checked", catalogue.display());
        return;
    };
    // Its paths are the `- id: ...` entries of `paths:`.
    let listed: BTreeSet<&str> = text.lines().filter_map(|l| l.strip_prefix("- id: ")).map(str::trim).collect();
    assert!(listed.len() >= 60, "only {} paths read from the catalogue", listed.len());
    let covered: BTreeSet<&str> = TECHNIQUES.iter().flat_map(|t| t.pathfinding.iter().copied()).collect();
    let missing: Vec<&&str> = listed.iter().filter(|id| !covered.contains(**id)).collect();
    assert!(missing.is_empty(), "paths no technique covers: {missing:?}");
    let unknown: Vec<&&str> = covered.iter().filter(|id| !listed.contains(**id)).collect();
    assert!(unknown.is_empty(), "techniques naming paths the catalogue does not have: {unknown:?}");
}
