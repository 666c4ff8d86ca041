//! Activity of the generated Azure and Google Cloud principals: Azure Activity Log and Entra
//! sign-in logs as diagnostic settings export them, and Cloud Audit Logs as `gcloud logging
//! read --format=json` prints them, with a truth of every call made.
//!
//! Usage analyses (which granted permissions are used, by whom, what was denied) are tested on
//! logs whose answers are known: each principal acts only through the grants the tenant or
//! organization gave it (and the Activity Log's `identity.authorization.evidence` names the
//! assignment that allowed it), and now and then tries something it was not given, which the
//! logs show denied. Like every generator here the output is a pure function of the spec.

mod azure;
mod gcp;

use std::collections::BTreeMap;

use serde_json::{Value, json};

pub use azure::write_azure_activity;
pub use gcp::write_gcp_activity;

use crate::{
    aws_org::rng::Rng,
    json_out::{DAY, NOW, iso_z},
};

/// What activity to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudActivitySpec {
    /// The seed: the same spec (and estate) gives the same bytes.
    pub seed: u64,
    /// End of the period (Unix seconds, exclusive).
    pub end: i64,
    /// Length of the period in days (at least 1).
    pub days: u32,
    /// How many principals act (the planted ones first).
    pub actors: usize,
    /// Calls a principal makes on a day it works.
    pub calls_per_day: usize,
}

impl CloudActivitySpec {
    /// A week up to the estate's collection time, 60 principals, 12 calls a day each.
    pub fn demo() -> CloudActivitySpec {
        CloudActivitySpec { seed: 1, end: NOW - NOW.rem_euclid(DAY), days: 7, actors: 60, calls_per_day: 12 }
    }
}

/// What activity was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityTruth {
    /// Audit records (Activity Log or Cloud Audit Logs entries).
    pub records: usize,
    /// Of which denied.
    pub denied: usize,
    /// Sign-in records (Azure only).
    pub sign_ins: usize,
    /// Principals that acted.
    pub principals: usize,
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
}

/// One call a principal may make: what it does, on what, and the grant that allows it
/// (`None`: nothing does, so it is denied).
#[derive(Debug, Clone)]
pub(crate) struct Capability {
    pub(crate) action: String,
    pub(crate) resource: String,
    pub(crate) via: Option<usize>,
}

/// The per-principal, per-call tally the truth files report.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    /// (principal key) → (action, resource) → [allowed, denied, first, last]
    map: BTreeMap<String, BTreeMap<(String, String), [i64; 4]>>,
}

impl Tally {
    pub(crate) fn add(&mut self, principal: &str, action: &str, resource: &str, allowed: bool, time: i64) {
        let entry = self
            .map
            .entry(principal.to_string())
            .or_default()
            .entry((action.to_string(), resource.to_string()))
            .or_insert([0, 0, i64::MAX, i64::MIN]);
        entry[if allowed { 0 } else { 1 }] += 1;
        entry[2] = entry[2].min(time);
        entry[3] = entry[3].max(time);
    }

    pub(crate) fn principals(&self) -> usize {
        self.map.len()
    }

    pub(crate) fn to_json(&self, names: &BTreeMap<String, Value>) -> Vec<Value> {
        self.map
            .iter()
            .map(|(principal, calls)| {
                let calls: Vec<Value> = calls
                    .iter()
                    .map(|((action, resource), [allowed, denied, first, last])| {
                        json!({"action": action, "resource": resource, "allowed": allowed, "denied": denied, "first": first, "last": last})
                    })
                    .collect();
                json!({"principal": principal, "identity": names.get(principal), "calls": calls})
            })
            .collect()
    }
}

/// Whether `day` (days since 1970-01-01, a Thursday) is a weekday.
pub(crate) fn weekday(day: i64) -> bool {
    (day + 3).rem_euclid(7) < 5
}

/// The moments a principal calls on one day: people in office hours on weekdays, machines
/// around the clock. Sorted.
pub(crate) fn moments(rng: &mut Rng, day_start: i64, human: bool, calls: usize) -> Vec<i64> {
    if human && !weekday(day_start.div_euclid(DAY)) {
        return Vec::new();
    }
    let (lo, hi) = if human { (8 * 3600, 18 * 3600) } else { (0, DAY - 1) };
    let mut times: Vec<i64> = (0..calls).map(|_| day_start + rng.range_i64(lo, hi)).collect();
    times.sort_unstable();
    times
}

/// A timestamp with seven fractional digits, as Azure's diagnostic logs write them.
pub(crate) fn azure_time(epoch: i64, fraction: u32) -> String {
    let z = iso_z(epoch);
    format!("{}.{fraction:07}Z", z.trim_end_matches('Z'))
}

/// The path part `y=YYYY/m=MM/d=DD/h=HH/m=00` of a diagnostic export's blob.
pub(crate) fn hour_path(epoch: i64) -> String {
    let z = iso_z(epoch);
    format!("y={}/m={}/d={}/h={}/m=00", &z[0..4], &z[5..7], &z[8..10], &z[11..13])
}
