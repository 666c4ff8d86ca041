//! The AWS IAM policy language and AWS's access-decision logic.
//!
//! Every answer Remit gives about AWS (who can do what, which path escalates, which permission
//! is unused) rests on one primitive: is this request allowed, and why? This crate is that
//! primitive, written from AWS's documentation, each rule cited beside its code.
//!
//! - [`Policy::parse`] reads a policy document of a given [`PolicyKind`], accepting every form AWS
//!   accepts and rejecting what it rejects, with the JSON path of any error.
//! - [`PolicySet::new`] compiles the policies that apply to one request once: interned action
//!   ids, pre-split wildcard patterns, pre-parsed condition values.
//! - [`PolicySet::decide`] answers a [`Request`] without allocating; [`PolicySet::explain`] also
//!   lists the statements that matched and the layer that decided.
//!
//! **Architecture invariant:** no IO, no panics on any input, deterministic. Nothing here knows
//! about files, the CLI or the `remit aws decide` wire format.

mod arn;
mod compile;
mod condition;
mod context;
mod error;
mod eval;
mod library;
mod parse;
mod partial;
mod pattern;
mod policy;
mod principal;

pub use crate::{
    context::{Context, ContextValue, KnownAbsent},
    error::PolicyError,
    eval::{
        ActionName, CallerTraits, Decision, EvaluationGroup, Explanation, Layer, MatchedStatement, Policies, PolicySet,
        PrincipalPolicies, Request, ResourcePolicies, SessionPolicy, caller_traits, decide, evaluation_group, explain,
        resource_traits,
    },
    library::{PolicyId, PolicyLibrary},
    parse::PolicyKind,
    partial::{
        ConditionalStatement, GrantingStatement, PartialDecision, SharedOutcomes, Verdict, decide_partial,
        decide_partial_shared,
    },
    pattern::{Glob, resolve_variables},
    policy::{ConditionEntry, Effect, Negatable, Policy, PrincipalType, Principals, Statement, Version},
    principal::{Caller, NamedInParticular, PrincipalMatch, is_account_id},
};
