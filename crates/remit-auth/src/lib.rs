//! Who may use Remit, and what they may do.
//!
//! This crate holds the security rules of Remit's service and nothing of HTTP: the server
//! (`remit-server`) maps requests onto these functions, so every rule can be tested here
//! without a socket, and a second front end (the CLI, a future gRPC API) cannot drift from it.
//!
//! - [`password`]: argon2id hashes of local (break-glass) accounts' passwords.
//! - [`secret`]: API tokens, session identifiers, CSRF tokens: random values shown once and
//!   stored hashed.
//! - [`Role`] and [`authorize`]: what each role may do, as Cedar policies that admins can extend.
//! - [`oidc`]: single sign-on against the organisation's OpenID Connect provider.
//! - [`ratelimit`]: when to refuse further login attempts.
//!
//! **Architecture Invariant:** no secret (password, token, session id, client secret, code)
//! appears in a `Debug` output or an error message of this crate.

pub mod authorize;
pub mod oidc;
pub mod password;
pub mod ratelimit;
mod role;
pub mod secret;

pub use role::{Role, UnknownRole};
