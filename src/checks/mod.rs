//! Checks: definitions (one YAML file per check), predicates in CEL, the
//! Rust-backed checks ([`probes`]), the engine that judges them over the
//! facts, profiles, and the score.

pub mod definition;
pub mod engine;
pub mod expr;
mod expr_bounds;
mod expr_lists;
mod expr_shared;
pub mod probes;
pub mod profile;
pub mod remediation;
pub mod score;
mod session;
pub mod surface;
pub mod timings;
