//! How a collection tells its caller where it is.
//!
//! The collector reports units of work (one per account's IAM, one per account's S3, one per
//! account and region, one for the organization, one for IAM Identity Center) and a short line
//! saying what it is reading. Messages name accounts, regions, services and resources, never
//! credentials. The CLI draws them with [`terminal`] (an indicatif bar on standard error).

use std::{borrow::Cow, time::Duration};

/// Receives progress from [`crate::collect`] and [`crate::read_trail_objects`]. Calls come from
/// one task at a time.
pub trait Progress: Send + Sync {
    /// More work has been discovered (accounts and regions are known only as collection goes).
    fn add_work(&self, units: u64);
    /// Units of work finished.
    fn work_done(&self, units: u64);
    /// What is being collected now, e.g. `111122223333 eu-west-1 kms`.
    fn status(&self, message: &str);
    /// Something went wrong but collection goes on (it is also recorded in `bundle.json`).
    fn warn(&self, message: &str);
}

/// Reports nothing.
#[derive(Debug, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn add_work(&self, _units: u64) {}
    fn work_done(&self, _units: u64) {}
    fn status(&self, _message: &str) {}
    fn warn(&self, _message: &str) {}
}

/// A progress bar on standard error (hidden when standard error is not a terminal, as
/// indicatif does), with warnings printed above it.
pub fn terminal() -> impl Progress {
    let bar = indicatif::ProgressBar::new(0);
    let style = indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    TerminalProgress { bar }
}

struct TerminalProgress {
    bar: indicatif::ProgressBar,
}

impl Progress for TerminalProgress {
    fn add_work(&self, units: u64) {
        self.bar.inc_length(units);
    }

    fn work_done(&self, units: u64) {
        self.bar.inc(units);
    }

    fn status(&self, message: &str) {
        self.bar.set_message(Cow::Owned(message.to_owned()));
    }

    fn warn(&self, message: &str) {
        self.bar.suspend(|| eprintln!("warning: {message}"));
    }
}

impl Drop for TerminalProgress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
