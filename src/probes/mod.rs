//! Rust probes: logic a CEL predicate cannot express, behind the same
//! definition format (`probe: NAME` plus `params:` in the check file).
//! Every probe registers in [`PROBES`]; nothing else needs to change to add one.

mod credentials;
mod database_live;
mod home_directories;
mod secrets;
mod sysctl;
mod tls;
mod weak_passwords;

use crate::sources::{Scan, Unavailable};
use crate::target::ReadError;
use serde_json::{Map, Value};

/// What a probe found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Failing items (maps with `path`, `line`, `detail`, and any fields the
    /// message and fix templates use).
    pub failures: Vec<Map<String, Value>>,
    /// How many things were judged (for the pass message).
    pub checked: usize,
    /// Inputs that could not be read (a would-be pass becomes a skip).
    pub unreadable: Vec<ReadError>,
    /// What was not judged, or how (a budget that ran out, a scheme that is
    /// not verified): appended to the result's message, so that nothing is
    /// skipped silently.
    pub notes: Vec<String>,
}

pub type ProbeFn = fn(&Scan, &Map<String, Value>) -> Result<Outcome, Unavailable>;

pub struct Probe {
    pub name: &'static str,
    pub summary: &'static str,
    pub run: ProbeFn,
}

/// The one registry of probes.
pub static PROBES: &[Probe] = &[
    Probe {
        name: "sysctl",
        summary: "kernel parameters: boot-time config (sysctl.d) and, on a live host, the running value",
        run: sysctl::run,
    },
    Probe {
        name: "home_directories",
        summary: "interactive users' home directories: exist, owned by the user, not group/world writable",
        run: home_directories::run,
    },
    Probe {
        name: "tls_certificates",
        summary: "certificates on disk, in `cert_paths` and named by service configurations: expiry, key size, signature hash, self-signed, host names",
        run: tls::run_certificates,
    },
    Probe {
        name: "tls_private_keys",
        summary: "private key files under /etc/ssl, /etc/pki, /etc/letsencrypt and those service configurations name: not readable by other users",
        run: tls::run_private_keys,
    },
    Probe {
        name: "tls_live",
        summary: "live TLS probe of listening ports: legacy protocols, served certificate, plain HTTP",
        run: tls::run_live,
    },
    Probe {
        name: "weak_passwords",
        summary:
            "stored password hashes (shadow, htpasswd, Jenkins) tried with the likeliest guesses, within a time budget",
        run: weak_passwords::run,
    },
    Probe {
        name: "password_hashes",
        summary: "stored password hashes: cost above the verification caps, or a weak scheme",
        run: weak_passwords::run_hashes,
    },
    Probe {
        name: "credentials",
        summary: "service and app credentials (Redis, Grafana, RabbitMQ, Tomcat, MySQL client, env/compose files) against the weak list, vendor defaults and a minimum length",
        run: credentials::run,
    },
    Probe {
        name: "secret_files",
        summary: "exposed secrets found by one bounded search: private keys, tokens, env files, shell histories",
        run: secrets::run_secret_files,
    },
    Probe {
        name: "credential_files",
        summary: "credential files in every home (~/.aws, ~/.kube, .netrc, .pgpass, ssh keys…): mode and owner",
        run: secrets::run_credential_files,
    },
    Probe {
        name: "sql_scripts",
        summary:
            "SQL init scripts and application SQL files: statements that grant too much (param `concern`, `app_paths`)",
        run: crate::collectors::sql_scripts::probe,
    },
    Probe {
        name: "policy_documents",
        summary: "token scopes in Kubernetes RBAC and workloads, IAM policies, GitHub workflows and Vault policies under app paths (param `concern`, `app_paths`)",
        run: crate::collectors::policy_documents::probe,
    },
    Probe {
        name: "database_live",
        summary: "live database introspection over `--db` URLs (PostgreSQL, MySQL/MariaDB, Redis): roles, grants, default users",
        run: database_live::run,
    },
];

pub fn find(name: &str) -> Option<&'static Probe> {
    PROBES.iter().find(|p| p.name == name)
}

pub fn names() -> Vec<&'static str> {
    PROBES.iter().map(|p| p.name).collect()
}

/// An integer parameter.
pub(crate) fn param_i64(params: &Map<String, Value>, key: &str) -> Option<i64> {
    params.get(key).and_then(Value::as_i64)
}

/// A list-of-strings parameter.
pub(crate) fn param_strings(params: &Map<String, Value>, key: &str) -> Vec<String> {
    match params.get(key) {
        Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}
