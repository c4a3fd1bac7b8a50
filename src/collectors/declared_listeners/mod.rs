//! `declared_listeners`: the ports a host (or an image) is configured to
//! listen on, read from each service's own configuration, so that offline
//! roots and images show their network surface too.
//!
//! Every entry: `service`, `source` (which configuration said so), `address`
//! (as written, `*` when the service binds every interface), `port` (null
//! when the source does not say), `proto` (`tcp`/`udp`), `scope`
//! (`all` | `loopback` | `specific`), `path`, `line`, `detail`, and `remedy`
//! (what to change to bind the service to loopback).
//!
//! The sources are split by kind: [`daemons`] (sshd, Redis, MySQL/MariaDB,
//! MongoDB, memcached, Elasticsearch, etcd, kubelet, RabbitMQ),
//! [`containers`] (docker-compose `ports`, Dockerfile `EXPOSE`, Docker
//! daemon `hosts`), [`units`] (systemd `.socket` units, X11 over TCP) and
//! [`web`] (nginx `listen`, Apache `Listen`, PostgreSQL `listen_addresses`,
//! from the `nginx`, `apache` and `postgresql` readers).

mod containers;
mod daemons;
mod units;
mod web;

use super::{apache, mysql, nginx, postgresql, rabbitmq, redis, sshd, systemd};
use crate::sources::{item, Fact, Reader, Unavailable};
use crate::target::ReadError;
use serde_json::{json, Value};
use std::net::IpAddr;

/// One declared listening socket.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared {
    pub service: String,
    pub source: &'static str,
    pub address: String,
    pub port: Option<u16>,
    /// The port inside the container (compose), else the same as `port`.
    pub target_port: Option<u16>,
    pub proto: &'static str,
    pub path: String,
    pub line: Option<usize>,
    pub detail: String,
    pub remedy: String,
}

impl Declared {
    pub fn to_json(&self) -> Value {
        let mut m = item(Some(&self.path), self.line, self.detail.clone());
        m.insert("service".into(), self.service.clone().into());
        m.insert("source".into(), self.source.into());
        m.insert("address".into(), self.address.clone().into());
        m.insert("port".into(), self.port.into());
        m.insert("target_port".into(), self.target_port.or(self.port).into());
        m.insert("proto".into(), self.proto.into());
        m.insert("scope".into(), scope(&self.address).into());
        m.insert("remedy".into(), self.remedy.clone().into());
        Value::Object(m)
    }
}

/// What the collectors of one scan found: listeners and what could not be read.
#[derive(Default)]
pub(crate) struct Found {
    pub listeners: Vec<Declared>,
    pub unreadable: Vec<ReadError>,
    pub files: Vec<String>,
    /// The bound on listeners was reached.
    full: bool,
}

impl Found {
    /// Whether the bound on listeners was reached (nothing more is listed).
    pub fn is_full(&self) -> bool {
        self.full
    }

    /// Read a file; a missing file is not an error, an unreadable one is recorded.
    pub fn read(&mut self, scan: &Reader, path: &str) -> Option<crate::target::TextFile> {
        match scan.read_text(path) {
            Ok(f) => {
                self.files.push(f.path.clone());
                Some(f)
            }
            Err(e) if e.is_not_found() => None,
            Err(e) => {
                self.unreadable.push(e);
                None
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        service: &str,
        source: &'static str,
        address: &str,
        port: Option<u16>,
        proto: &'static str,
        path: &str,
        line: Option<usize>,
        detail: impl Into<String>,
        remedy: impl Into<String>,
    ) {
        // A hostile configuration cannot declare more than the bound.
        if self.full {
            return;
        }
        if self.listeners.len() >= crate::limits::DECLARED_LISTENERS {
            self.full = true;
            let message = format!("more than {} listeners declared: the rest are not listed", self.listeners.len());
            self.unreadable.push(ReadError::Io { path: path.to_string(), message });
            return;
        }
        self.listeners.push(Declared {
            service: service.to_string(),
            source,
            address: address.to_string(),
            port,
            target_port: None,
            proto,
            path: path.to_string(),
            line,
            detail: detail.into(),
            remedy: remedy.into(),
        });
    }
}

/// Classify a bind address as written in a config file: `all` for the
/// wildcard forms, `loopback` for 127/8, ::1 and `localhost`, `specific` for
/// anything else (an address, a host name, an interface).
pub fn scope(address: &str) -> &'static str {
    let a = address.trim().trim_start_matches('[').trim_end_matches(']');
    let a = a.strip_prefix('-').unwrap_or(a); // Redis `-::1`: optional address
    match a {
        "" | "*" | "0.0.0.0" | "::" | "::0" | "0:0:0:0:0:0:0:0" | "[::]" | "::*" | "0" => return "all",
        "localhost" | "ip6-localhost" | "ip6-loopback" | "localhost.localdomain" => return "loopback",
        _ => {}
    }
    match a.parse::<IpAddr>() {
        Ok(ip) => super::listeners::scope(&ip),
        Err(_) => "specific",
    }
}

/// Split `host:port`, `[v6]:port`, `port` or `host` (the port as u16).
pub fn split_host_port(s: &str) -> (String, Option<u16>) {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix('[') {
        if let Some((host, tail)) = rest.split_once(']') {
            return (host.to_string(), tail.strip_prefix(':').and_then(|p| p.parse().ok()));
        }
    }
    if let Ok(p) = s.parse::<u16>() {
        return (String::new(), Some(p));
    }
    match s.rsplit_once(':') {
        // An IPv6 address without brackets has several colons and no port.
        Some((host, port)) if !host.contains(':') => (host.to_string(), port.parse().ok()),
        _ => (s.to_string(), None),
    }
}

/// The URL's host and port (`http://0.0.0.0:2379` → ("0.0.0.0", 2379)).
/// `None` for URLs that are not network sockets (`unix://`, `unixs://`).
pub fn url_host_port(url: &str) -> Option<(String, Option<u16>)> {
    let (scheme, rest) = url.trim().split_once("://")?;
    if scheme.starts_with("unix") || scheme == "fd" {
        return None;
    }
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map(|(_, a)| a).unwrap_or(authority);
    Some(split_host_port(authority))
}

/// The program configurations whose listeners are declared here (each
/// read once per scan); other sources are read here.
pub struct Inputs<'a> {
    pub sshd: Option<&'a sshd::Config>,
    pub mysql: &'a mysql::Config,
    pub redis: &'a redis::Config,
    pub rabbitmq: &'a rabbitmq::Config,
    pub systemd: &'a systemd::Units,
    pub nginx: &'a nginx::Config,
    pub apache: &'a apache::Config,
    pub postgresql: Result<&'a postgresql::Config, &'a Unavailable>,
}

/// Every declared listener, the files read, what could not be read.
#[derive(Debug, Default)]
pub struct Declarations {
    pub listeners: Vec<Declared>,
    pub files: Vec<String>,
    pub unreadable: Vec<ReadError>,
}

impl Declarations {
    /// The `declared_listeners` facts: `{exists, listeners, files}`.
    pub fn fact(&self) -> Fact {
        let value = json!({
            "exists": !self.listeners.is_empty(),
            "listeners": self.listeners.iter().map(Declared::to_json).collect::<Vec<_>>(),
            "files": self.files,
        });
        Fact::new(value, self.unreadable.clone())
    }
}

/// Every declared listener.
pub fn collect(r: &Reader, i: &Inputs) -> Declarations {
    let mut found = Found::default();
    daemons::collect(r, i, &mut found);
    containers::collect(r, &mut found);
    units::collect(r, i.systemd, &mut found);
    web::collect(i, &mut found);
    found.files.sort();
    found.files.dedup();
    Declarations { listeners: found.listeners, files: found.files, unreadable: found.unreadable }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        for (a, s) in [
            ("", "all"),
            ("*", "all"),
            ("0.0.0.0", "all"),
            ("::", "all"),
            ("[::]", "all"),
            ("127.0.0.1", "loopback"),
            ("-::1", "loopback"),
            ("localhost", "loopback"),
            ("10.1.2.3", "specific"),
            ("db.internal", "specific"),
        ] {
            assert_eq!(scope(a), s, "{a}");
        }
    }

    #[test]
    fn host_ports() {
        assert_eq!(split_host_port("0.0.0.0:22"), ("0.0.0.0".into(), Some(22)));
        assert_eq!(split_host_port("[::]:8080"), ("::".into(), Some(8080)));
        assert_eq!(split_host_port("2222"), ("".into(), Some(2222)));
        assert_eq!(split_host_port("::1"), ("::1".into(), None));
        assert_eq!(split_host_port("host"), ("host".into(), None));
        assert_eq!(split_host_port("host:99999"), ("host".into(), None));
        assert_eq!(url_host_port("http://0.0.0.0:2379"), Some(("0.0.0.0".into(), Some(2379))));
        assert_eq!(url_host_port("https://[::1]:2379/x"), Some(("::1".into(), Some(2379))));
        assert_eq!(url_host_port("unix:///run/x"), None);
        assert_eq!(url_host_port("nonsense"), None);
    }
}
