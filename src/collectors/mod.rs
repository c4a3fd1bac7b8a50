//! Built-in collectors: parsers that follow the real program's rules and
//! record, for every value, the file and line it came from.

pub mod accounts;
pub mod apache;
pub mod app_env;
pub mod apt;
pub mod certificates;
pub mod credentials;
pub mod declared;
pub mod grafana;
pub mod handshake;
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
pub mod tls_refs;
pub mod tomcat;
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
        "packages" => scan.memo("packages", |r| Ok(packages::read(r))).map(|p| p.facts()),
        "sysctl" => sysctl::collect(scan),
        "listeners" => listeners::collect(scan),
        "mycnf" => scan.memo("mysql", |r| Ok(mysql::read(r))).map(|c| c.facts()),
        "declared_listeners" => declared::collect(scan),
        "pam" => pam::collect(scan),
        "nginx" => {
            let packages = scan.memo("packages", |r| Ok(packages::read(r)))?;
            scan.memo("nginx", |r| Ok(nginx::read(r, &packages))).map(|c| c.facts())
        }
        "apache" => scan.memo("apache", |r| Ok(apache::read(r))).map(|c| c.facts()),
        "certificates" => {
            let packages = scan.memo("packages", |r| Ok(packages::read(r)))?;
            let postgresql = scan.memo("postgresql", postgresql::read);
            let refs = tls_refs::collect(&tls_refs::Inputs {
                nginx: &*scan.memo("nginx", |r| Ok(nginx::read(r, &packages)))?,
                apache: &*scan.memo("apache", |r| Ok(apache::read(r)))?,
                postgresql: postgresql.as_deref().ok(),
                redis: &*scan.memo("redis", |r| Ok(redis::read(r)))?,
                mysql: &*scan.memo("mysql", |r| Ok(mysql::read(r)))?,
            });
            certificates::collect(scan, &refs)
        }
        "tls_ports" => handshake::collect(scan),
        n if n.starts_with("tls_ports:") => handshake::collect_only(scan, &n["tls_ports:".len()..]),
        "credentials" => credentials_with(scan, &default_app_paths()),
        // The probe's own app paths: `credentials:` + paths, one per line.
        n if n.starts_with("credentials:") => credentials_with(scan, &credentials_paths(n)),
        "postgresql" => scan.memo("postgresql", postgresql::read).map(|c| c.facts()),
        "redis" => scan.memo("redis", |r| Ok(redis::read(r))).and_then(|c| c.facts()),
        "sql_scripts" => sql_scripts::collect(scan, crate::sources::tree_walk::DEFAULT_APP_PATHS),
        n if n.starts_with("sql_scripts:") => sql_scripts::collect_named(scan, n),
        "policy_documents" => policy_documents::collect(scan, policy_documents::DEFAULT_APP_PATHS),
        n if n.starts_with("policy_documents:") => policy_documents::collect_named(scan, n),
        other => Err(Unavailable::NotFound(format!("unknown source `{other}`"))),
    }
}

fn default_app_paths() -> Vec<String> {
    crate::sources::tree_walk::DEFAULT_APP_PATHS.iter().map(|s| s.to_string()).collect()
}

/// The source name under which credentials for `roots` are cached.
pub fn credentials_source(roots: &[String]) -> String {
    if *roots == default_app_paths() {
        "credentials".into()
    } else {
        format!("credentials:{}", roots.join("\n"))
    }
}

fn credentials_paths(name: &str) -> Vec<String> {
    name.strip_prefix("credentials:").unwrap_or("").lines().filter(|l| l.starts_with('/')).map(str::to_string).collect()
}

fn credentials_with(scan: &Scan, roots: &[String]) -> Result<Value, Unavailable> {
    let clients: Vec<String> = credentials::MYSQL_CLIENT_FILES.iter().flat_map(|g| scan.expand(g)).collect();
    let inputs = credentials::Inputs {
        redis: &*scan.memo("redis", |r| Ok(redis::read(r)))?,
        grafana: &grafana::read(scan),
        rabbitmq: &*scan.memo("rabbitmq", |r| Ok(rabbitmq::read(r)))?,
        tomcat: &tomcat::read(scan),
        mysql: &*scan.memo("mysql", |r| Ok(mysql::read(r)))?,
        mysql_clients: &mysql::read_files(scan, &clients),
        app: &app_env::read(scan, roots),
    };
    Ok(credentials::collect(&inputs).0)
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
