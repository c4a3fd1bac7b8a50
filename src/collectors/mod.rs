//! Collectors: one module per program, each reading its files once (through
//! the [`Reader`](crate::sources::Reader) and the include-following reader)
//! the way the program does, into a typed configuration that records, for
//! every value, the file and line it came from, or that it is a default.
//! Views for other concerns are built over the program modules and never
//! parse a file again: [`credentials`], [`declared_listeners`],
//! [`tls_refs`]. Live state is here too, named for what it does:
//! [`listeners`] (/proc), [`handshake`] (TLS/HTTP handshakes with local
//! ports), [`dblive`] (database introspection over `--db`).
//!
//! Collectors never import the facts layer, the checks or the report: what
//! a view is built over is handed to it.

pub mod accounts;
pub mod apache;
pub mod app_env;
pub mod apt;
pub mod certificates;
pub mod container;
pub mod credentials;
pub mod dblive;
pub mod declared_listeners;
pub mod dockerfiles;
pub mod grafana;
pub mod handshake;
pub mod image;
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

/// Helpers for the collectors' unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::sources::Reader;
    use crate::target::FsTarget;
    use std::sync::Arc;

    /// A reader of a temporary root holding `files` (in-target path, text);
    /// keep the directory alive as long as the reader.
    pub fn scan_with(files: &[(&str, &str)]) -> (tempfile::TempDir, Reader) {
        let dir = tempfile::tempdir().unwrap();
        for (p, text) in files {
            let full = dir.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        let scan = Reader::new(Arc::new(FsTarget::root(dir.path()).unwrap()));
        (dir, scan)
    }

    /// The `declared_listeners` facts of a root holding `files`.
    pub fn declared_with(files: &[(&str, &str)]) -> serde_json::Value {
        let (_dir, r) = scan_with(files);
        declared(&r)
    }

    /// Each declared listener as `service address:port proto scope`, with
    /// ` path:line` appended when `located`.
    pub fn listener_lines(v: &serde_json::Value, located: bool) -> Vec<String> {
        let s = |l: &serde_json::Value, k: &str| l[k].as_str().unwrap().to_string();
        v["listeners"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                let line = format!(
                    "{} {}:{} {} {}",
                    s(l, "service"),
                    s(l, "address"),
                    l["port"],
                    s(l, "proto"),
                    s(l, "scope")
                );
                if located {
                    format!("{line} {}:{}", s(l, "path"), l["line"])
                } else {
                    line
                }
            })
            .collect()
    }

    /// The `declared_listeners` facts of a reader, every program read.
    pub fn declared(r: &Reader) -> serde_json::Value {
        use super::*;
        let packages = packages::read(r);
        let postgresql = postgresql::read(r);
        let sshd = sshd::read(r);
        let inputs = declared_listeners::Inputs {
            sshd: sshd.as_ref().ok(),
            mysql: &mysql::read(r),
            redis: &redis::read(r),
            rabbitmq: &rabbitmq::read(r),
            systemd: &systemd::read(r),
            nginx: &nginx::read(r, &packages),
            apache: &apache::read(r),
            postgresql: postgresql.as_ref(),
        };
        declared_listeners::collect(r, &inputs).fact().value
    }
}
