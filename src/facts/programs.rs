//! The program configurations (and other typed results) several facts and
//! checks are built over, each read once per scan.

use super::Facts;
use crate::collectors::{
    accounts, apache, app_env, certificates, credentials, dblive, declared_listeners, dockerfiles, grafana, handshake,
    image, listeners, mysql, nginx, packages, policy_documents, postgresql, rabbitmq, redis, secret_files, sql_scripts,
    sshd, sysctl, systemd, tls_refs, tomcat,
};
use crate::sources::Unavailable;
use std::sync::Arc;

/// A typed, shared value of this scan.
pub type Shared<T> = Result<Arc<T>, Unavailable>;

impl Facts {
    pub fn sshd(&self) -> Shared<sshd::Config> {
        self.memo("sshd", |f| sshd::read(f.reader()))
    }

    pub fn mysql(&self) -> Shared<mysql::Config> {
        self.memo("mysql", |f| Ok(mysql::read(f.reader())))
    }

    /// The client option files (`~/.my.cnf`, Debian's maintenance file).
    pub fn mysql_clients(&self) -> Shared<mysql::Config> {
        self.memo("mysql_clients", |f| {
            let r = f.reader();
            let files: Vec<String> = credentials::MYSQL_CLIENT_FILES.iter().flat_map(|g| r.expand(g)).collect();
            Ok(mysql::read_files(r, &files))
        })
    }

    pub fn postgresql(&self) -> Shared<postgresql::Config> {
        self.memo("postgresql", |f| postgresql::read(f.reader()))
    }

    pub fn redis(&self) -> Shared<redis::Config> {
        self.memo("redis", |f| Ok(redis::read(f.reader())))
    }

    pub fn rabbitmq(&self) -> Shared<rabbitmq::Config> {
        self.memo("rabbitmq", |f| Ok(rabbitmq::read(f.reader())))
    }

    pub fn grafana(&self) -> Shared<Result<Option<grafana::Config>, crate::target::ReadError>> {
        self.memo("grafana", |f| Ok(grafana::read(f.reader())))
    }

    pub fn tomcat(&self) -> Shared<tomcat::Config> {
        self.memo("tomcat", |f| Ok(tomcat::read(f.reader())))
    }

    pub fn packages(&self) -> Shared<packages::Packages> {
        self.memo("packages", |f| Ok(packages::read(f.reader())))
    }

    pub fn nginx(&self) -> Shared<nginx::Config> {
        self.memo("nginx", |f| Ok(nginx::read(f.reader(), &*f.packages()?)))
    }

    pub fn apache(&self) -> Shared<apache::Config> {
        self.memo("apache", |f| Ok(apache::read(f.reader())))
    }

    pub fn systemd(&self) -> Shared<systemd::Units> {
        self.memo("systemd", |f| Ok(systemd::read(f.reader())))
    }

    pub fn sysctl(&self) -> Shared<sysctl::Settings> {
        self.memo("sysctl", |f| Ok(sysctl::read(f.reader())))
    }

    /// `/etc/passwd`, `/etc/shadow`, `/etc/group`, `/etc/gshadow`.
    pub fn accounts(&self, path: &'static str) -> Shared<accounts::Database> {
        self.memo(path, |f| accounts::read(f.reader(), path))
    }

    /// The listening sockets of a live host.
    pub fn listeners(&self) -> Shared<listeners::Listeners> {
        self.memo("listeners", |f| listeners::read(f.reader()))
    }

    /// Env and compose files under `roots`.
    pub fn app_env(&self, roots: &[String]) -> Shared<app_env::AppEnv> {
        self.memo(&format!("app_env:{}", roots.join("\n")), |f| Ok(app_env::read(f.reader(), roots)))
    }

    /// What the configuration says will listen.
    pub fn declared_listeners(&self) -> Shared<declared_listeners::Declarations> {
        self.memo("declared_listeners", |f| {
            let postgresql = f.postgresql();
            let sshd = f.sshd();
            Ok(declared_listeners::collect(
                f.reader(),
                &declared_listeners::Inputs {
                    sshd: sshd.as_deref().ok(),
                    mysql: &*f.mysql()?,
                    redis: &*f.redis()?,
                    rabbitmq: &*f.rabbitmq()?,
                    systemd: &*f.systemd()?,
                    nginx: &*f.nginx()?,
                    apache: &*f.apache()?,
                    postgresql: postgresql.as_deref(),
                },
            ))
        })
    }

    /// Every certificate and key file the service configurations name.
    pub fn tls_refs(&self) -> Shared<tls_refs::Refs> {
        self.memo("tls_refs", |f| {
            let postgresql = f.postgresql();
            Ok(tls_refs::collect(&tls_refs::Inputs {
                nginx: &*f.nginx()?,
                apache: &*f.apache()?,
                postgresql: postgresql.as_deref().ok(),
                redis: &*f.redis()?,
                mysql: &*f.mysql()?,
            }))
        })
    }

    /// Certificates and keys on disk and those configurations name.
    pub fn certificates(&self) -> Shared<certificates::Certificates> {
        self.memo("certificates", |f| Ok(certificates::collect(f.reader(), &*f.tls_refs()?)))
    }

    /// What each listening port speaks (live TLS and HTTP handshakes), for
    /// `ports` (empty: every port).
    pub fn handshakes(&self, ports: &[u16]) -> Shared<handshake::Handshakes> {
        let mut ports = ports.to_vec();
        ports.sort_unstable();
        ports.dedup();
        let key = format!("handshakes:{ports:?}");
        self.memo(&key, |f| {
            if !f.target().is_live() {
                return Err(Unavailable::NotFound("offline target: TLS probing needs a live host".into()));
            }
            if !f.options().probe {
                return Err(Unavailable::NotFound("probing disabled (--no-probe)".into()));
            }
            Ok(handshake::collect(f.reader(), &*f.listeners()?, &ports))
        })
    }

    /// The secret search under `paths` (one walk for every `secrets.*` check).
    pub fn secret_search(&self, paths: &[String]) -> Shared<secret_files::Search> {
        self.memo(&format!("secret_files:{}", paths.join("\n")), |f| {
            let passwd = f.accounts(accounts::PASSWD);
            let packages = f.packages();
            Ok(secret_files::search(f.reader(), paths, passwd.as_deref().ok(), packages.as_deref().ok()))
        })
    }

    /// SQL scripts under `/docker-entrypoint-initdb.d` and `paths`.
    pub fn sql_scripts(&self, paths: &[String]) -> Shared<sql_scripts::Scripts> {
        self.memo(&format!("sql_scripts:{}", paths.join("\n")), |f| Ok(sql_scripts::collect(f.reader(), paths)))
    }

    /// Policy documents under `paths`.
    pub fn policy_documents(&self, paths: &[String]) -> Shared<policy_documents::Documents> {
        let key = format!("policy_documents:{}", paths.join("\n"));
        self.memo(&key, |f| Ok(policy_documents::collect(f.reader(), paths)))
    }

    /// One database introspected over its URL (`--db`), once per scan.
    pub fn database(&self, url: &dblive::Url) -> Shared<serde_json::Value> {
        self.memo(&format!("dblive:{}", url.raw), |_| dblive::introspect(url))
    }

    /// What the image checks judge; `NotFound` when the target is not an image.
    pub fn image(&self) -> Shared<image::ImageFacts> {
        self.memo("image", |f| match f.target().image() {
            Some(img) => Ok(image::collect(f.reader(), img)),
            None => Err(Unavailable::NotFound("the target is not a container image (scan --image)".into())),
        })
    }

    /// Dockerfiles under `paths` and the one given with `--dockerfile`.
    pub fn dockerfiles(&self, paths: &[String]) -> Shared<dockerfiles::Dockerfiles> {
        self.memo(&format!("dockerfiles:{}", paths.join("\n")), |f| {
            Ok(dockerfiles::read(f.reader(), paths, f.options().dockerfile.as_deref()))
        })
    }
}
