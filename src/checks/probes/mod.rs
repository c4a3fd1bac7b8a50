//! Probes: the Rust-backed checks, every one of them here. A check file
//! names its probe (`probe: NAME`) and gives its parameters (`params:`);
//! the probe's typed parameter struct ([`params`]) is checked when the
//! definition loads. [`PROBES`] is the one registry: definition loading,
//! the engine and the registry test read it, nothing else lists probes.

mod credentials;
mod database_live;
mod findings;
mod guessing;
/// Probes that guess passwords (started first, see the engine).
pub use guessing::PROBES as GUESSING;
mod home_directories;
pub mod params;
mod policy_documents;
mod secrets;
mod sql_scripts;
mod sysctl;
pub mod tls;
mod weak_passwords;

use crate::facts::Facts;
use crate::sources::Unavailable;
use crate::target::ReadError;
use params::{NoParams, ParamError};
use serde_json::{Map, Value};

/// What a probe found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Failing items (maps with `path`, `line`, `detail`, and any fields the
    /// message and fix templates use).
    pub failures: Vec<Map<String, Value>>,
    /// Failing items beyond those kept in `failures` (a predicate keeps the
    /// first [`crate::limits::EVIDENCE_PER_RESULT`]: only they are reported,
    /// the rest are counted).
    pub more_failures: usize,
    /// How many things were judged (for the pass message).
    pub checked: usize,
    /// Inputs that could not be read (a would-be pass becomes a skip).
    pub unreadable: Vec<ReadError>,
    /// What was not judged, or how (a budget that ran out, a scheme that is
    /// not verified): appended to the result's message, so that nothing is
    /// skipped silently.
    pub notes: Vec<String>,
}

/// A check's parameters, by name.
pub type Params = Map<String, Value>;

/// One Rust-backed check.
pub struct Probe {
    pub name: &'static str,
    pub summary: &'static str,
    /// The registry facts it reads (see [`crate::facts::FACTS`]).
    pub facts: &'static [&'static str],
    /// Check a definition's parameters (the whole definition file) and give
    /// them with their defaults.
    pub load: fn(&str) -> Result<Map<String, Value>, ParamError>,
    /// [`Probe::load`] from the `params` of a definition already parsed
    /// (its build-time JSON); an error is told by `load`, with its line.
    pub load_parsed: fn(&Params) -> Result<Params, String>,
    /// Check parameters as a check runs with them (a profile may set some).
    pub check: fn(&Map<String, Value>) -> Result<(), String>,
    /// Judge.
    pub run: fn(&Facts, &Map<String, Value>) -> Result<Outcome, Unavailable>,
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probe").field("name", &self.name).finish()
    }
}

/// A registry entry for a probe whose parameters are `$params` and whose
/// typed entry point is `$run(&Facts, &$params)`.
macro_rules! probe {
    ($name:literal, $summary:literal, facts: $facts:expr, $params:ty, $run:path) => {
        Probe {
            name: $name,
            summary: $summary,
            facts: $facts,
            load: |text| params::from_yaml::<$params>(text),
            load_parsed: |m| params::from_json::<$params>(m).and_then(|p| params::to_map(&p)),
            check: |m| params::from_json::<$params>(m).map(|_| ()),
            run: |f, m| {
                let p = params::from_json::<$params>(m)
                    .map_err(|e| Unavailable::Failed(format!("probe `{}`: invalid params: {e}", $name)))?;
                $run(f, &p)
            },
        }
    };
}

/// The one registry of probes.
pub static PROBES: &[Probe] = &[
    probe!(
        "sysctl",
        "kernel parameters: boot-time config (sysctl.d) and, on a live host, the running value",
        facts: &["sysctl"],
        sysctl::SysctlParams,
        sysctl::run
    ),
    probe!(
        "home_directories",
        "interactive users' home directories: exist, owned by the user, not group/world writable",
        facts: &["passwd"],
        home_directories::HomeParams,
        home_directories::run
    ),
    probe!(
        "tls_certificates",
        "certificates on disk, in `cert_paths` and named by service configurations: expiry, key size, signature hash, self-signed, host names",
        facts: &["certificates"],
        tls::CertificateParams,
        tls::run_certificates
    ),
    probe!(
        "tls_private_keys",
        "private key files under /etc/ssl, /etc/pki, /etc/letsencrypt and those service configurations name: not readable by other users",
        facts: &["certificates"],
        NoParams,
        tls::run_private_keys
    ),
    probe!(
        "tls_live",
        "live TLS handshakes with listening ports: legacy protocols, served certificate, plain HTTP",
        facts: &["tls_ports"],
        tls::LiveParams,
        tls::run_live
    ),
    probe!(
        "weak_passwords",
        "stored password hashes (shadow, htpasswd, Jenkins) tried with the likeliest guesses, within a time budget",
        facts: &["shadow"],
        weak_passwords::GuessParams,
        weak_passwords::run
    ),
    probe!(
        "password_hashes",
        "stored password hashes: cost above the verification caps, or a weak scheme",
        facts: &["shadow"],
        weak_passwords::HashParams,
        weak_passwords::run_hashes
    ),
    probe!(
        "credentials",
        "service and app credentials (Redis, Grafana, RabbitMQ, Tomcat, MySQL client, env/compose files) against the weak list, vendor defaults and a minimum length",
        facts: &["credentials"],
        credentials::CredentialParams,
        credentials::run
    ),
    probe!(
        "secret_files",
        "exposed secrets found by one bounded search: private keys, tokens, env files, shell histories",
        facts: &["packages"],
        secrets::SecretParams,
        secrets::run_secret_files
    ),
    probe!(
        "credential_files",
        "credential files in every home (~/.aws, ~/.kube, .netrc, .pgpass, ssh keys…): mode and owner",
        facts: &["passwd"],
        NoParams,
        secrets::run_credential_files
    ),
    probe!(
        "sql_scripts",
        "SQL init scripts and application SQL files: statements that grant too much (param `concern`, `app_paths`)",
        facts: &["sql_scripts"],
        sql_scripts::SqlParams,
        sql_scripts::run
    ),
    probe!(
        "policy_documents",
        "token scopes in Kubernetes RBAC and workloads, IAM policies, GitHub workflows and Vault policies under app paths (param `concern`, `app_paths`)",
        facts: &["policy_documents"],
        policy_documents::PolicyParams,
        policy_documents::run
    ),
    probe!(
        "database_live",
        "live database introspection over `--db` URLs (PostgreSQL, MySQL/MariaDB, Redis): roles, grants, default users",
        facts: &[],
        database_live::DbParams,
        database_live::run
    ),
    probe!(
        "image",
        "a container image's configuration, history and layers (param `concern`): root user, secrets in Env, admin ports, health check, setuid files above the base, leftovers, remote fetches",
        facts: &["image"],
        findings::ImageParams,
        findings::run_image
    ),
    probe!(
        "dockerfile",
        "Dockerfiles under app paths and `--dockerfile` (param `concern`): final USER, ADD of a URL, curl|sh, secrets in ENV/ARG, unpinned base, apt recommends, sudo",
        facts: &["dockerfiles"],
        findings::DockerfileParams,
        findings::run_dockerfile
    ),
];

pub fn find(name: &str) -> Option<&'static Probe> {
    PROBES.iter().find(|p| p.name == name)
}

pub fn names() -> Vec<&'static str> {
    PROBES.iter().map(|p| p.name).collect()
}
