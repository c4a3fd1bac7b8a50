//! hardcheck: a secure-defaults hardening checker for Linux hosts, offline
//! root filesystems and container images.
//!
//! Layout: [`target`] (every file read), [`sources`] and [`collectors`]
//! (facts with path and line), [`definition`] (check files), [`expr`] (CEL
//! predicates), [`probes`] (Rust-backed checks), [`engine`], [`profile`],
//! [`score`], [`report`].
#![forbid(unsafe_code)]

pub mod collectors;
pub mod dblive;
pub mod definition;
pub mod engine;
pub mod expr;
pub mod limits;
pub mod model;
pub mod passwords;
pub mod probes;
pub mod profile;
pub mod redact;
pub mod report;
pub mod score;
pub mod sources;
pub mod target;
