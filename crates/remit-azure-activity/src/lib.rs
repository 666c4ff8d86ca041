//! Azure activity: the Activity Log and Entra sign-in logs into Remit's cloud-neutral usage
//! rollups, and least-privilege custom roles from what was used.
//!
//! Why a crate of its own: reading Azure's exports is work over untrusted files with its own
//! knowledge (three shapes of one log, which failures are authorization refusals, which events
//! of an operation to count), and it must not depend on the Azure decision engine; the
//! analyses that compare usage with grants read [`Rollups`] and [`Assignments`] from here.
//!
//! - [`read_file`], [`read_paths`], [`read_files`]: files into a [`Read`] (rollups, role
//!   assignments used, sign-ins, counts, issues).
//! - [`rightsize`]: a custom role (JSON for `az role definition create`, `az` commands,
//!   Terraform) from a principal's used actions.

mod activity;
mod assignments;
mod json;
mod read;
pub mod rightsize;
mod signin;

pub use crate::{
    assignments::{AssignmentUse, Assignments},
    read::{ACTIVITY_STREAM, FileStats, Read, SIGNIN_STREAM, read_file, read_files, read_path, read_paths},
    signin::{SignInKind, SignInRow, SignIns},
};
pub use remit_activity::{
    Rollups,
    input::{Input, Issue},
};
