//! Live database introspection (`hardcheck scan --db URL`): read-only
//! queries against a running PostgreSQL, MySQL/MariaDB or Redis server.
//!
//! Each URL is connected to once per scan ([`introspect`], memoised by the
//! facts layer); the `database_live` probe then picks one kind of finding
//! per check. A finding names the role or user (and host), never a password
//! or hash, and the URL's password never reaches any output: URLs are shown
//! without it ([`Url::display`]), and every error text is scrubbed of it and
//! passed through [`crate::redact::mask`].
//!
//! The database is remote of the scanned target: offline targets (`--root`)
//! run these checks too when `--db` is given.

#[cfg(feature = "live-db")]
mod mysql;
#[cfg(feature = "live-db")]
mod postgres;
mod redis;

use crate::sources::text::percent_decode;
use crate::sources::{item, Unavailable};
use serde_json::{json, Map, Value};
use std::time::Duration;

/// Connect, read and write timeout of every connection.
pub const TIMEOUT: Duration = crate::limits::DB_TIMEOUT;
/// Most findings kept per kind and connection.
pub const MAX_FINDINGS: usize = crate::limits::DB_FINDINGS;

/// The database engines `--db` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    Mysql,
    Redis,
}

impl Engine {
    pub fn parse(name: &str) -> Option<Engine> {
        match name {
            "postgres" | "postgresql" => Some(Engine::Postgres),
            "mysql" | "mariadb" => Some(Engine::Mysql),
            "redis" => Some(Engine::Redis),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
            Engine::Redis => "redis",
        }
    }
}

/// Why a connection or a query failed. The texts never hold the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DbError {
    #[error("invalid --db URL {url}: {why}")]
    InvalidUrl { url: String, why: String },
    #[error("cannot connect to {url}: {why}")]
    Connect { url: String, why: String },
    #[error("authentication failed at {url}: {why}")]
    Auth { url: String, why: String },
    #[error("query failed at {url}: {why}")]
    Query { url: String, why: String },
    #[error("{url}: unexpected reply: {why}")]
    Protocol { url: String, why: String },
    #[error("{url}: this build has no {engine} support (cargo feature `live-db`)")]
    NotBuilt { url: String, engine: &'static str },
}

/// A parsed connection URL: `scheme://[user[:password]@]host[:port][/db][?…]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Url {
    pub engine: Engine,
    pub scheme: String,
    pub user: Option<String>,
    pub password: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    pub database: Option<String>,
    /// The URL as given (holds the password: only for the client libraries).
    pub raw: String,
}

impl std::fmt::Debug for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

impl Url {
    pub fn parse(raw: &str) -> Result<Url, DbError> {
        let raw = raw.trim();
        let bad = |why: &str| DbError::InvalidUrl { url: display_raw(raw), why: why.to_string() };
        let (scheme, rest) =
            raw.split_once("://").ok_or_else(|| bad("expected scheme://host (postgres://, mysql://, redis://)"))?;
        let scheme = scheme.to_ascii_lowercase();
        let engine = Engine::parse(&scheme)
            .ok_or_else(|| bad("unknown scheme (postgres://, mysql://, mariadb://, redis://)"))?;
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            Some(ui) => match ui.split_once(':') {
                Some((u, p)) => (Some(percent_decode(u)), Some(percent_decode(p))),
                None => (Some(percent_decode(ui)), None),
            },
            None => (None, None),
        };
        let user = user.filter(|u| !u.is_empty());
        let (host, port) = if let Some(h) = hostport.strip_prefix('[') {
            let (h, after) = h.split_once(']').ok_or_else(|| bad("unclosed `[` in the host"))?;
            (h.to_string(), after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (hostport.to_string(), None),
            }
        };
        let port = match port {
            Some(p) if !p.is_empty() => Some(p.parse::<u16>().map_err(|_| bad("the port is not a number"))?),
            _ => None,
        };
        let host = percent_decode(&host);
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let database = path
            .strip_prefix('/')
            .map(|p| p.split('?').next().unwrap_or(""))
            .filter(|d| !d.is_empty())
            .map(percent_decode);
        Ok(Url { engine, scheme, user, password, host, port, database, raw: raw.to_string() })
    }

    /// The URL without its password, for messages and evidence.
    pub fn display(&self) -> String {
        let user = self.user.as_deref().map(|u| format!("{u}@")).unwrap_or_default();
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
        let db = self.database.as_deref().map(|d| format!("/{d}")).unwrap_or_default();
        format!("{}://{user}{host}{port}{db}", self.scheme)
    }

    /// `text` with the password removed (defence in depth: client libraries'
    /// error texts), then masked as every message is.
    pub fn scrub(&self, text: &str) -> String {
        let mut s = text.replace(&self.raw, &self.display());
        if let Some(p) = self.password.as_deref().filter(|p| !p.is_empty()) {
            s = s.replace(p, "****");
        }
        crate::redact::mask(&s)
    }
}

/// A URL that did not parse, shown without anything that could be a password.
fn display_raw(raw: &str) -> String {
    match raw.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
            let host = host.split(['/', '?']).next().unwrap_or("");
            format!("{scheme}://{host}")
        }
        None => "(not a URL)".to_string(),
    }
}

/// What one connection found: `{engine, url, findings: {kind: [items]},
/// unjudged: {kind: why}}`.
pub struct Facts {
    url: String,
    findings: Map<String, Value>,
    unjudged: Map<String, Value>,
}

impl Facts {
    pub fn new(url: &Url) -> Facts {
        Facts { url: url.display(), findings: Map::new(), unjudged: Map::new() }
    }

    /// Record the finding kind as judged (possibly with no offender).
    pub fn judged(&mut self, kind: &str) {
        self.findings.entry(kind.to_string()).or_insert_with(|| Value::Array(Vec::new()));
    }

    /// One offender: `detail` names the role/user, `fields` go to templates.
    pub fn add(&mut self, kind: &str, detail: String, fields: Value) {
        self.judged(kind);
        let Some(Value::Array(list)) = self.findings.get_mut(kind) else { return };
        if list.len() >= MAX_FINDINGS {
            return;
        }
        let mut m = item(Some(&self.url), None, detail);
        m.insert("url".into(), self.url.clone().into());
        if let Value::Object(f) = fields {
            m.extend(f);
        }
        list.push(Value::Object(m));
    }

    /// A kind that could not be judged over this connection, and why.
    pub fn unjudged(&mut self, kind: &str, why: String) {
        self.unjudged.insert(kind.to_string(), why.into());
    }

    fn into_json(self, engine: Engine) -> Value {
        json!({"engine": engine.as_str(), "url": self.url, "findings": self.findings, "unjudged": self.unjudged})
    }
}

/// Connect to `url` and collect every finding of its engine (no cache).
pub fn collect(url: &Url) -> Result<Value, DbError> {
    let facts = match url.engine {
        #[cfg(feature = "live-db")]
        Engine::Postgres => postgres::collect(url)?,
        #[cfg(feature = "live-db")]
        Engine::Mysql => mysql::collect(url)?,
        #[cfg(not(feature = "live-db"))]
        e @ (Engine::Postgres | Engine::Mysql) => {
            return Err(DbError::NotBuilt { url: url.display(), engine: e.as_str() })
        }
        Engine::Redis => redis::collect(url)?,
    };
    Ok(facts.into_json(url.engine))
}

/// The facts of one connection, collected once per scan and shared by the
/// checks of its engine. A failed connection is an `error` for each of them.
pub fn introspect(url: &Url) -> Result<Value, Unavailable> {
    collect_within(url, DEADLINE).map_err(|e| Unavailable::Failed(url.scrub(&e.to_string())))
}

/// Longest a whole connection (connect, authenticate, every query) may take:
/// a server that accepts but never answers the startup (PostgreSQL's client
/// has no read timeout) must not hold the scan.
pub const DEADLINE: Duration = crate::limits::DB_DEADLINE;

/// [`collect`] on its own thread, given up after `deadline` (the thread
/// ends with the process or when its socket times out).
pub fn collect_within(url: &Url, deadline: Duration) -> Result<Value, DbError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let u = url.clone();
    let spawned = std::thread::Builder::new().name("dblive".into()).spawn(move || {
        let _ = tx.send(collect(&u));
    });
    if spawned.is_err() {
        return collect(url);
    }
    rx.recv_timeout(deadline).unwrap_or_else(|_| {
        Err(DbError::Connect {
            url: url.display(),
            why: format!("no answer within {} s (timed out)", deadline.as_secs()),
        })
    })
}

/// Map a client library error to [`DbError`], scrubbed of the password.
#[cfg_attr(not(feature = "live-db"), allow(dead_code))]
pub(crate) fn classify(url: &Url, text: &str, auth: bool, connected: bool) -> DbError {
    let why = url.scrub(text.trim());
    let u = url.display();
    if auth {
        DbError::Auth { url: u, why }
    } else if connected {
        DbError::Query { url: u, why }
    } else {
        DbError::Connect { url: u, why }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_and_display_without_password() {
        let u = Url::parse("postgres://app:s3cr%40t@127.0.0.1:5433/appdb?sslmode=disable").unwrap();
        assert_eq!(u.engine, Engine::Postgres);
        assert_eq!(u.user.as_deref(), Some("app"));
        assert_eq!(u.password.as_deref(), Some("s3cr@t"));
        assert_eq!(u.port, Some(5433));
        assert_eq!(u.database.as_deref(), Some("appdb"));
        assert_eq!(u.display(), "postgres://app@127.0.0.1:5433/appdb");
        assert_eq!(format!("{u:?}"), "postgres://app@127.0.0.1:5433/appdb");
        let r = Url::parse("redis://:pw@[::1]:6380/0").unwrap();
        assert_eq!((r.user.as_deref(), r.password.as_deref(), r.host.as_str()), (None, Some("pw"), "::1"));
        assert_eq!(r.display(), "redis://[::1]:6380/0");
        assert_eq!(Url::parse("mariadb://root@localhost").unwrap().engine, Engine::Mysql);
    }

    #[test]
    fn bad_urls_never_echo_the_password() {
        for raw in [
            "ftp://u:Hunter2Secret@h",
            "postgres://u:Hunter2Secret@h:notaport/db",
            "Hunter2Secret",
            "mysql://u:Hunter2Secret@",
            "redis://u:Hunter2Secret@[::1",
            "%%%://:@",
            "postgres://%zz:%@h:99999",
        ] {
            if let Err(e) = Url::parse(raw) {
                assert!(!e.to_string().contains("Hunter2Secret"), "{e}");
            }
        }
    }

    #[test]
    fn scrub_removes_the_password_everywhere() {
        let u = Url::parse("mysql://root:Pa55-w0rd-xyz@127.0.0.1:3307/").unwrap();
        let s = u.scrub("Access denied (using password: Pa55-w0rd-xyz) for mysql://root:Pa55-w0rd-xyz@127.0.0.1:3307/");
        assert!(!s.contains("Pa55-w0rd-xyz"), "{s}");
    }
}
