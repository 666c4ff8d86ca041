//! What talking to a cloud's REST API needs, whatever the cloud: credentials kept out of every
//! message ([`Secret`]), throttled calls retried as the service asks ([`http`]), bearer tokens
//! asked for and renewed ([`token`]), errors that name the call and the permission it needs
//! ([`CollectError`]), and the bundle written so that a reader never sees half of it
//! ([`bundle`]).
//!
//! Why a crate of its own: the Azure and Google Cloud collectors (`remit-azure-collect`,
//! `remit-gcp-collect`) differ in their grants, paging and the calls they make, not in this; one
//! copy means a fix to redaction, retries or atomic output reaches both. It knows no cloud's
//! calls or layout: each collector names its calls, permissions, error-code key and bundle
//! directory.

pub mod bundle;
mod error;
pub mod http;
mod secret;
#[cfg(feature = "testing")]
pub mod testing;
pub mod token;

pub use error::CollectError;
pub use http::RetryPolicy;
pub use secret::Secret;
