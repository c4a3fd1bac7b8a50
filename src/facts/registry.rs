//! The one registry of facts: every name a check may read in `sources:`,
//! what it holds, which parameters it takes, which facts it is built over,
//! and how it is collected. Nothing else lists them: definition loading,
//! the engine and the docs derive the list from [`FACTS`].

use super::{Facts, Params};
use crate::collectors::{accounts, apt, credentials, pam, sql_scripts, sudoers};
use crate::sources::tree_walk::DEFAULT_APP_PATHS;
use crate::sources::{Fact, Unavailable};

/// The parameters a fact takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    None,
    /// Application directories walked (default [`DEFAULT_APP_PATHS`]).
    AppPaths,
    /// Ports to handshake with (default: every listening TCP port).
    Ports,
}

impl ParamKind {
    /// The parameters as this fact takes them: missing ones defaulted,
    /// foreign ones dropped.
    pub fn normalise(self, p: &Params) -> Params {
        match (self, p) {
            (ParamKind::None, _) => Params::None,
            (ParamKind::AppPaths, Params::AppPaths(v)) => Params::AppPaths(v.clone()),
            (ParamKind::AppPaths, _) => Params::AppPaths(DEFAULT_APP_PATHS.iter().map(|s| s.to_string()).collect()),
            (ParamKind::Ports, Params::Ports(v)) => {
                let mut v = v.clone();
                v.sort_unstable();
                v.dedup();
                Params::Ports(v)
            }
            (ParamKind::Ports, _) => Params::Ports(Vec::new()),
        }
    }
}

/// One registry entry.
pub struct FactDef {
    /// The variable name a predicate uses (`sources: [sshd]`).
    pub name: &'static str,
    pub summary: &'static str,
    pub params: ParamKind,
    /// Facts this one is built over.
    pub depends: &'static [&'static str],
    /// Kept for users' own checks: no built-in check reads it.
    pub for_user_checks: bool,
    pub collect: fn(&Facts, &Params) -> Result<Fact, Unavailable>,
}

impl std::fmt::Debug for FactDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FactDef").field("name", &self.name).field("depends", &self.depends).finish()
    }
}

fn paths(p: &Params) -> Vec<String> {
    match p {
        Params::AppPaths(v) => v.clone(),
        _ => Vec::new(),
    }
}

const fn fact(
    name: &'static str,
    summary: &'static str,
    collect: fn(&Facts, &Params) -> Result<Fact, Unavailable>,
) -> FactDef {
    FactDef { name, summary, params: ParamKind::None, depends: &[], for_user_checks: false, collect }
}

/// Every fact, by name.
pub static FACTS: &[FactDef] = &[
    fact("sshd", "the effective OpenSSH server configuration: includes, Match blocks, defaults", |f, _| {
        let c = f.sshd()?;
        Ok(Fact::new(c.facts(), c.unreadable.clone()))
    }),
    fact("passwd", "accounts of /etc/passwd", |f, _| Ok(accounts::passwd_facts(&*f.accounts(accounts::PASSWD)?))),
    fact("shadow", "password hash schemes and ageing of /etc/shadow (never a hash)", |f, _| {
        Ok(accounts::shadow_facts(&*f.accounts(accounts::SHADOW)?))
    }),
    fact("group", "groups of /etc/group", |f, _| Ok(accounts::group_facts(&*f.accounts(accounts::GROUP)?))),
    FactDef {
        for_user_checks: true,
        ..fact("gshadow", "group password schemes of /etc/gshadow (never a hash)", |f, _| {
            Ok(accounts::shadow_facts(&*f.accounts(accounts::GSHADOW)?))
        })
    },
    fact("sudoers", "/etc/sudoers and its includes: defaults, rules, aliases", |f, _| sudoers::collect(f.reader())),
    fact("apt_config", "APT configuration (apt.conf.d) entries and values", |f, _| apt::config(f.reader())),
    fact("apt_sources", "APT package sources (one-line and deb822)", |f, _| apt::sources(f.reader())),
    fact("systemd", "enabled, masked and installed systemd units", |f, _| {
        let u = f.systemd()?;
        Ok(Fact::new(u.facts(), Vec::new()))
    }),
    fact("packages", "installed packages (dpkg, apk)", |f, _| {
        let p = f.packages()?;
        Ok(Fact::new(p.facts(), p.unreadable.clone()))
    }),
    fact("sysctl", "kernel parameters assigned in sysctl.d and sysctl.conf, in load order", |f, _| {
        let s = f.sysctl()?;
        Ok(Fact::new(s.facts(), s.unreadable.clone()))
    }),
    fact("listeners", "listening sockets of a live host with their processes", |f, _| {
        let l = f.listeners()?;
        Ok(Fact::new(l.facts(), l.unreadable.clone()))
    }),
    fact("mycnf", "MySQL/MariaDB option files as the server reads them", |f, _| {
        let c = f.mysql()?;
        Ok(Fact::new(c.facts(), c.unreadable.clone()))
    }),
    FactDef {
        depends: &["sshd", "mycnf", "redis", "systemd", "nginx", "apache", "postgresql"],
        ..fact("declared_listeners", "what the configuration says will listen, offline too", |f, _| {
            Ok(f.declared_listeners()?.fact())
        })
    },
    fact("pam", "Linux-PAM stacks as libpam builds them, with module settings", |f, _| pam::collect(f.reader())),
    FactDef {
        depends: &["packages"],
        ..fact("nginx", "the nginx configuration: servers, listens, TLS, HSTS, tokens", |f, _| {
            let c = f.nginx()?;
            Ok(Fact::new(c.facts(), c.unreadable.clone()))
        })
    },
    fact("apache", "the Apache httpd configuration: sites, listens, TLS, HSTS, tokens", |f, _| {
        let c = f.apache()?;
        Ok(Fact::new(c.facts(), c.unreadable.clone()))
    }),
    FactDef {
        depends: &["nginx", "apache", "postgresql", "redis", "mycnf"],
        ..fact("certificates", "certificates and private keys on disk and named by configurations", |f, _| {
            let c = f.certificates()?;
            Ok(Fact::new(c.facts(), c.unreadable.clone()))
        })
    },
    FactDef {
        params: ParamKind::Ports,
        depends: &["listeners"],
        ..fact("tls_ports", "what each listening TCP port of a live host speaks (TLS, HTTP)", |f, p| {
            let ports = match p {
                Params::Ports(v) => v.clone(),
                _ => Vec::new(),
            };
            let h = f.handshakes(&ports)?;
            Ok(Fact::new(h.facts(), Vec::new()))
        })
    },
    FactDef {
        params: ParamKind::AppPaths,
        depends: &["redis", "mycnf"],
        ..fact("credentials", "service and application credentials, judged without exposing them", |f, p| {
            let inputs = credentials::Inputs {
                redis: &*f.redis()?,
                grafana: &*f.grafana()?,
                rabbitmq: &*f.rabbitmq()?,
                tomcat: &*f.tomcat()?,
                mysql: &*f.mysql()?,
                mysql_clients: &*f.mysql_clients()?,
                app: &*f.app_env(&paths(p))?,
            };
            let (value, unreadable) = credentials::collect(&inputs);
            Ok(Fact::new(value, unreadable))
        })
    },
    fact("postgresql", "PostgreSQL clusters: settings, defaults, pg_hba.conf records", |f, _| {
        let c = f.postgresql()?;
        Ok(Fact::new(c.facts(), c.unreadable.clone()))
    }),
    fact("redis", "Redis servers: directives, users, the default user, dangerous commands", |f, _| {
        let c = f.redis()?;
        Ok(Fact::new(c.facts()?, c.unreadable.clone()))
    }),
    FactDef {
        params: ParamKind::AppPaths,
        ..fact("sql_scripts", "SQL statements that grant too much, in init scripts and app paths", |f, p| {
            let s = f.sql_scripts(&paths(p))?;
            Ok(Fact::new(sql_scripts::facts(&s), s.unreadable.clone()))
        })
    },
    FactDef {
        params: ParamKind::AppPaths,
        ..fact("policy_documents", "token scopes in Kubernetes, IAM, workflow and Vault policies", |f, p| {
            let d = f.policy_documents(&paths(p))?;
            Ok(Fact::new(d.facts(), d.unreadable()))
        })
    },
    fact("image", "a container image's configuration, history and layers, judged (image targets)", |f, _| {
        Ok(Fact::new(f.image()?.facts(), Vec::new()))
    }),
    FactDef {
        params: ParamKind::AppPaths,
        ..fact("dockerfiles", "Dockerfiles under app paths and `--dockerfile`, judged per instruction", |f, p| {
            let d = f.dockerfiles(&paths(p))?;
            Ok(Fact::new(d.facts(), d.unreadable.clone()))
        })
    },
];

/// The registry entry of a name.
pub fn find(name: &str) -> Option<&'static FactDef> {
    FACTS.iter().find(|f| f.name == name)
}

/// Every name a check may read in `sources:`.
pub fn names() -> impl Iterator<Item = &'static str> {
    FACTS.iter().map(|f| f.name)
}
