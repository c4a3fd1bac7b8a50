//! Built-in collectors: parsers that follow the real program's rules and
//! record, for every value, the file and line it came from.

pub mod accounts;
pub mod apache;
pub mod apt;
pub mod credentials;
pub mod declared;
pub mod listeners;
pub mod mysql;
pub mod nginx;
pub mod packages;
pub mod pam;
pub mod policy_documents;
pub mod postgresql;
pub mod rabbitmq;
pub mod redis;
pub mod secret_files;
pub mod sql_scripts;
pub mod sshd;
pub mod sudoers;
pub mod sysctl;
pub mod systemd;
pub mod webtls;

use crate::sources::{Scan, Unavailable};
use serde_json::Value;

/// Run the collector `name` (one of [`crate::sources::BUILTIN`]).
pub fn collect(scan: &Scan, name: &str) -> Result<Value, Unavailable> {
    match name {
        "sshd" => scan.memo("sshd", sshd::read).map(|c| c.facts()),
        "passwd" => accounts::passwd(scan),
        "shadow" => accounts::shadow(scan, "/etc/shadow"),
        "gshadow" => accounts::shadow(scan, "/etc/gshadow"),
        "group" => accounts::group(scan),
        "sudoers" => sudoers::collect(scan),
        "apt_config" => apt::config(scan),
        "apt_sources" => apt::sources(scan),
        "systemd" => systemd::collect(scan),
        "packages" => packages::collect(scan),
        "sysctl" => sysctl::collect(scan),
        "listeners" => listeners::collect(scan),
        "mycnf" => scan.memo("mysql", |r| Ok(mysql::read(r))).map(|c| c.facts()),
        "declared_listeners" => declared::collect(scan),
        "pam" => pam::collect(scan),
        "nginx" => nginx::collect(scan),
        "apache" => apache::collect(scan),
        "certificates" => crate::tls::disk::collect(scan),
        "tls_ports" => crate::tls::probe::collect(scan),
        n if n.starts_with("tls_ports:") => crate::tls::probe::collect_only(scan, &n["tls_ports:".len()..]),
        "credentials" => credentials::collect(scan),
        // The probe's own app paths: `credentials:` + paths, one per line.
        n if n.starts_with("credentials:") => credentials::collect_with(scan, &credentials::paths_of(n)),
        "postgresql" => scan.memo("postgresql", postgresql::read).map(|c| c.facts()),
        "redis" => scan.memo("redis", |r| Ok(redis::read(r))).and_then(|c| c.facts()),
        "sql_scripts" => sql_scripts::collect(scan, crate::sources::tree_walk::DEFAULT_APP_PATHS),
        n if n.starts_with("sql_scripts:") => sql_scripts::collect_named(scan, n),
        "policy_documents" => policy_documents::collect(scan, policy_documents::DEFAULT_APP_PATHS),
        n if n.starts_with("policy_documents:") => policy_documents::collect_named(scan, n),
        other => Err(Unavailable::NotFound(format!("unknown source `{other}`"))),
    }
}

/// Helpers for the collectors' unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::sources::Scan;
    use crate::target::FsTarget;
    use std::sync::Arc;

    /// A scan of a temporary root holding `files` (in-target path, text);
    /// keep the directory alive as long as the scan.
    pub fn scan_with(files: &[(&str, &str)]) -> (tempfile::TempDir, Scan) {
        let dir = tempfile::tempdir().unwrap();
        for (p, text) in files {
            let full = dir.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        let scan = Scan::new(Arc::new(FsTarget::root(dir.path()).unwrap()));
        (dir, scan)
    }
}
