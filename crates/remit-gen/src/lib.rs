//! Seeded generators of synthetic test data.
//!
//! Remit's engines are checked against independent evaluators, its importers and analyses are
//! tested and benchmarked on environments no one has to write by hand, and its findings are
//! checked against answers known in advance.
//! All of these need inputs that are many, varied and *reproducible*: a failure found on case
//! `g7-1234`, or in the organization of seed 7, must come back when the seed is given again, on
//! any machine, so every generator here is a pure function of its seed (ChaCha8 streams, never
//! the thread RNG or the clock).
//!
//! Generated data is shaped to be *interesting*, not uniform: values are drawn from small shared
//! pools so that policies, conditions and requests refer to one another often enough for
//! decisions to be mixed, and environments carry the mistakes real ones carry.
//!
//! - [`aws_decide_cases`]: JSON Lines cases in the `remit aws decide` format (see `docs/aws-decide.md`).
//! - [`aws_org`]: whole AWS organizations as environment bundles, with a ground truth of what is
//!   known by construction (see `docs/generator.md`).
//! - [`cloudtrail`]: CloudTrail activity of given actors, written as a trail delivers it, with a
//!   truth of every call made (see `docs/generator.md`).
//! - [`people`], [`azure_tenant`], [`gcp_org`], [`cloud_activity`] and [`estate`]: the same people
//!   across an Okta org, an HR feed, an Entra tenant with its Azure estate and a Google Cloud
//!   organization, with their activity and ground truths (see `docs/generator.md`).

mod aws_cases;
pub mod aws_org;
pub mod azure_tenant;
pub mod cloud_activity;
pub mod cloudtrail;
pub mod estate;
pub mod gcp_org;
mod json_out;
pub mod people;
mod stable;

pub use crate::json_out::GenError;

pub use crate::aws_cases::aws_decide_cases;
