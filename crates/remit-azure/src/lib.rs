//! Azure RBAC and Microsoft Entra ID, from the bundle's `azure/<tenant-id>/` directory to the
//! cloud-neutral answers.
//!
//! Azure has two authorization systems that an entitlement review must see together: Azure
//! RBAC (role assignments over the management-group / subscription / resource tree, deny
//! assignments, ABAC conditions, PIM eligibility) and Entra ID (directory roles, application
//! permissions, ownership of applications and groups). This crate reads both as the az CLI and
//! Microsoft Graph export them ([`import`]), decides single requests exactly as Azure documents
//! it ([`eval`]), answers who-can / what-can / explain in `remit_model` terms ([`analysis`]) and
//! reports the risks ([`risk`]). Anything it cannot decide offline (an ABAC attribute the
//! request does not tell) is reported as conditional, never guessed.

pub mod action;
pub mod analysis;
pub mod condition;
pub mod eval;
pub mod gain;
pub mod import;
pub mod risk;
pub mod scope;

pub use crate::import::{AzureEnvironment, ImportError, ImportIssue, load};

pub use crate::analysis::{AzureAnalysis, ManagedIdentityAttachment, QueryError};
pub use crate::risk::findings;
