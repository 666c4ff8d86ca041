//! Seeded generators of synthetic test data.
//!
//! Remit's engines are checked against independent evaluators and benchmarked on corpora that no one has to
//! write by hand.
//! Both need inputs that are many, varied and *reproducible*: a failure found on case `g7-1234` must come back
//! when the seed and the index are given again, on any machine, so every generator here is a pure function of
//! its seed (a ChaCha8 stream, never the thread RNG or the clock).
//!
//! Generated data is shaped to be *interesting*, not uniform: values are drawn from small shared pools so that
//! policies, conditions and requests refer to one another often enough for decisions to be mixed, rather than
//! almost always "implicitly denied".
//!
//! - [`aws_decide_cases`]: JSON Lines cases in the `remit aws decide` format (see `docs/aws-decide.md`).

mod aws_cases;

pub use crate::aws_cases::aws_decide_cases;
