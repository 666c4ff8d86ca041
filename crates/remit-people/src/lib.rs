//! One person across every cloud.
//!
//! AWS, Azure and Google Cloud each know a different identity for the same human (an IAM
//! Identity Center user, an Entra user, a Google account), and none of them knows whether
//! that human still works here. Access reviews, "what can Alice do everywhere" and leaver
//! checks need the person behind each identity, and the owner behind each machine identity.
//! This crate reads the identity provider (Okta) and the HR feed, merges them into persons,
//! and correlates every cloud identity to a person or an owner, with a confidence and the
//! reason in words; two equally good matches are reported as ambiguous, never decided. It also
//! ties persons to what they reach through federation (AWS SAML roles, Google Cloud workforce
//! pool groups), which is nobody's own identity.
//!
//! It depends on no cloud crate: the integrator adapts each cloud's principals into
//! [`CloudIdentity`]. Rules, scores and findings are documented in `docs/people.md`.

mod directory;
mod error;
mod federation;
mod hr;
mod identity;
mod index;
mod inputs;
mod json;
mod leavers;
mod link;
mod matching;
mod okta;
mod owners;
mod person;

pub use crate::directory::{Directory, correlate};
pub use crate::error::{Issue, PeopleError};
pub use crate::federation::{AWS_OIDC, AWS_SAML, OKTA_AWS_SAML_APP, SamlRole, parse_saml_role, workforce_group};
pub use crate::hr::{HrRecord, HrStatus, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, read_hr};
pub use crate::identity::CloudIdentity;
pub use crate::inputs::PeopleInputs;
pub use crate::leavers::{RULE_LEAVER, RULE_NO_OWNER, RULE_OWNER_LEFT};
pub use crate::link::{Ambiguity, Candidate, Confidence, Level, Link, Resolution, Rule};
pub use crate::matching::app_cloud;
pub use crate::okta::{
    AppUser, OktaApp, OktaGroup, OktaUser, read_app_users, read_apps, read_group_members, read_groups, read_users,
};
pub use crate::owners::OWNER_TAG_KEYS;
pub use crate::person::Person;
