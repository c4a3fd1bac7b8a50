//! hardcheck: a secure-defaults hardening checker for Linux hosts, offline
//! root filesystems and container images.
//!
//! The crate is built in floors; a module imports only modules of a lower
//! floor (`tests/architecture.rs` holds every file to it, and
//! `docs/architecture.md` says what lives where):
//!
//! 0. foundation: [`model`] (the result model), [`redact`] (masking
//!    secrets), [`limits`] (every bound), [`passwords`] (weak-password
//!    judgement, hash verification), [`cache`] (the invoking user's
//!    resume cache, keyed digests only);
//! 1. [`target`]: every read of the host, a root filesystem or an image;
//! 2. [`sources`]: the [`sources::Reader`], the include-following reader,
//!    generic formats (lines, key/value, INI, YAML/JSON/TOML, file
//!    metadata, walks, PEM/X.509);
//! 3. [`collectors`]: one module per program (sshd, Redis, MySQL,
//!    PostgreSQL, nginx, Apache, RabbitMQ, PAM…), each reading its files
//!    once into a typed configuration, views over them (credentials,
//!    declared listeners, TLS references) and live state (listening
//!    sockets, handshakes, database introspection);
//! 4. [`facts`]: the per-scan cache, the registry of facts checks may read,
//!    the scan's options;
//! 5. [`checks`]: definitions, CEL, the Rust-backed checks (probes), the
//!    engine, profiles and the score;
//! 6. [`audit`]: benchmark controls, waivers and baselines over a finished
//!    scan;
//! 7. [`report`]: the output formats;
//! 8. [`fleet`]: `hardcheck merge`, many hosts' reports in one view.
#![forbid(unsafe_code)]

pub mod audit;
pub mod cache;
pub mod checks;
pub mod collectors;
pub mod facts;
pub mod fix;
pub mod fleet;
pub mod limits;
pub mod model;
pub mod passwords;
pub mod redact;
pub mod report;
pub mod sources;
pub mod target;
