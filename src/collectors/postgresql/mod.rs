//! `postgresql`: PostgreSQL server configuration, read the way the server
//! reads it (PostgreSQL documentation, "Setting Parameters" 20.1 and "The
//! pg_hba.conf File" 21.1; `guc-file.l`, `hba.c`).
//!
//! Clusters are found at `/etc/postgresql/*/*/postgresql.conf` (Debian,
//! Ubuntu), `/var/lib/pgsql/data/` and `/var/lib/pgsql/*/data/` (RHEL, PGDG
//! RPMs) and `/var/lib/postgresql/data/` (the official container image).
//!
//! postgresql.conf:
//! - one parameter a line, `name = value` or `name value`; `#` starts a
//!   comment (also after a value); names are case-insensitive; a value is a
//!   single-quoted string (`''` or `\'` for a quote) or a bare word; the last
//!   setting of a name wins.
//! - `include 'file'`, `include_if_exists 'file'`, `include_dir 'dir'`
//!   (files ending in `.conf`, not starting with `.`, in C-locale order);
//!   relative paths are taken from the including file's directory. Nesting
//!   stops at 10 levels (`CONF_FILE_MAX_DEPTH`), a file already being read is
//!   skipped (the server would report an error), and the files read are
//!   bounded ([`crate::limits::POSTGRESQL_INCLUDES`]).
//! - `postgresql.auto.conf` (`ALTER SYSTEM`) in the data directory is read
//!   last, so it wins.
//! - unset parameters get the server default (`default: true`, `line:
//!   null`): `listen_addresses` `localhost`, `password_encryption`
//!   `scram-sha-256` from 14 on (`md5` before; the major version comes from
//!   `PG_VERSION` in the data directory or the path, and 14+ is assumed when
//!   unknown), `ssl` `off`, `log_connections` `off`.
//!
//! pg_hba.conf (`hba_file`, default `pg_hba.conf` next to postgresql.conf):
//! - records `local DATABASE USER METHOD [OPTIONS]` and
//!   `host|hostssl|hostnossl|hostgssenc|hostnogssenc DATABASE USER ADDRESS
//!   [MASK] METHOD [OPTIONS]`; `#` comments; fields separated by blanks;
//!   lists by commas; a double-quoted token is a name, never a keyword (so
//!   `"all"` is a database called all); a trailing `\` continues the line;
//!   `@file` in a database or user list reads names from a file (relative to
//!   the pg_hba.conf directory); PostgreSQL 16 `include`, `include_if_exists`
//!   and `include_dir` lines.
//! - the first record that matches a connection decides it, so every record
//!   carries `shadowed_by`: the earlier record (`path:line`) that matches
//!   every connection this one would match (same or wider type, databases,
//!   users and address), or null; `reachable` is its negation.
//!
//! Facts: `{exists, clusters, hba, unreadable}`. A cluster: `{path (the
//! postgresql.conf), line: null, detail, version, data_directory, hba_file,
//! files, settings (every assignment in order), values (name -> effective
//! entry, defaults included), loopback_only (listen_addresses names only
//! loopback addresses or nothing), listen (the effective listen_addresses)}`.
//! Setting entries: `{path, line, detail, name, value, lower, default}`.
//! HBA records (also in the top-level `hba`, all clusters): `{path, line,
//! detail, cluster, type, databases, users, address, mask, method, options,
//! all_databases, all_users, any_address, shadowed_by, reachable}`.

mod hba;

use crate::limits;
use crate::sources::include::{dir_of, relative_to, Includes, Skip};
use crate::sources::{item, Reader, Unavailable};
use crate::target::{self, FileType, ReadError};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Where clusters' postgresql.conf live (globs).
pub const CONF_GLOBS: &[&str] = &[
    "/etc/postgresql/*/*/postgresql.conf",
    "/var/lib/pgsql/data/postgresql.conf",
    "/var/lib/pgsql/*/data/postgresql.conf",
    "/var/lib/postgresql/data/postgresql.conf",
];

/// Settings a check reads, with the server default (PostgreSQL 14+).
const DEFAULTS: &[(&str, &str)] = &[
    ("listen_addresses", "localhost"),
    ("password_encryption", "scram-sha-256"),
    ("ssl", "off"),
    ("log_connections", "off"),
];

// ---------------------------------------------------------------- postgresql.conf

/// One parsed postgresql.conf line.
#[derive(Debug, PartialEq)]
enum ConfLine {
    Setting(String, String),
    Include(String),
    IncludeIfExists(String),
    IncludeDir(String),
    Nothing,
    Bad(&'static str),
}

/// Parse a value at the start of `s`: a single-quoted string (`''` and
/// backslash escapes) or a bare word. Returns the value and the rest.
fn conf_value(s: &str) -> Result<(String, &str), &'static str> {
    let s = s.trim_start();
    if let Some(rest) = s.strip_prefix('\'') {
        let mut out = String::new();
        let mut chars = rest.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '\'' => {
                    if let Some((_, '\'')) = chars.peek() {
                        chars.next();
                        out.push('\'');
                    } else {
                        return Ok((out, &rest[i + 1..]));
                    }
                }
                '\\' => match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, 'r')) => out.push('\r'),
                    Some((_, 'b')) => out.push('\u{8}'),
                    Some((_, 'f')) => out.push('\u{c}'),
                    Some((_, o)) => out.push(o),
                    None => return Err("unterminated quoted string"),
                },
                c => out.push(c),
            }
        }
        return Err("unterminated quoted string");
    }
    let end = s.find(|c: char| c.is_whitespace() || c == '#' || c == '\'').unwrap_or(s.len());
    if end == 0 {
        return Err("missing value");
    }
    Ok((s[..end].to_string(), &s[end..]))
}

fn parse_conf_line(raw: &str) -> ConfLine {
    let t = raw.trim_start();
    if t.is_empty() || t.starts_with('#') {
        return ConfLine::Nothing;
    }
    let name_end = t.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '$')).unwrap_or(t.len());
    if name_end == 0 || !t.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        return ConfLine::Bad("syntax error: expected a parameter name");
    }
    let name = t[..name_end].to_ascii_lowercase();
    let mut rest = t[name_end..].trim_start();
    if let Some(r) = rest.strip_prefix('=') {
        rest = r;
    }
    let (value, after) = match conf_value(rest) {
        Ok(v) => v,
        Err(e) => return ConfLine::Bad(e),
    };
    let after = after.trim_start();
    if !(after.is_empty() || after.starts_with('#')) {
        return ConfLine::Bad("syntax error: text after the value");
    }
    match name.as_str() {
        "include" => ConfLine::Include(value),
        "include_if_exists" => ConfLine::IncludeIfExists(value),
        "include_dir" => ConfLine::IncludeDir(value),
        _ => ConfLine::Setting(name, value),
    }
}

/// One parameter as set (or its server default).
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub path: String,
    /// `None` for a server default.
    pub line: Option<usize>,
    pub detail: String,
    /// Lower-case name.
    pub name: String,
    pub value: String,
    pub default: bool,
}

impl Setting {
    fn fact(&self) -> Value {
        let mut m = item(Some(&self.path), self.line, self.detail.clone());
        m.insert("lower".into(), self.value.to_ascii_lowercase().into());
        m.insert("name".into(), self.name.clone().into());
        m.insert("value".into(), self.value.clone().into());
        m.insert("default".into(), self.default.into());
        Value::Object(m)
    }
}

/// Reads postgresql.conf and what it includes, in order.
struct ConfReader {
    settings: Vec<Setting>,
    /// The first syntax error (the server refuses to start on it).
    malformed: Option<(String, usize, String)>,
}

impl ConfReader {
    fn malformed(&mut self, path: &str, line: usize, message: String) {
        if self.malformed.is_none() {
            self.malformed = Some((path.to_string(), line, message));
        }
    }

    /// Read one file; a loop or too deep a nesting is skipped.
    fn read(&mut self, inc: &mut Includes, path: &str, depth: usize) -> Result<(), Skip> {
        let r = inc.read(path, depth, |inc, file| {
            for (i, raw) in file.text.lines().enumerate() {
                self.line(inc, path, i + 1, raw, depth);
            }
        });
        match r {
            Err(Skip::Loop | Skip::TooDeep) => Ok(()),
            Err(Skip::TooMany) => {
                inc.record_skip(path, Skip::TooMany);
                Ok(())
            }
            other => other,
        }
    }

    fn line(&mut self, inc: &mut Includes, path: &str, line: usize, raw: &str, depth: usize) {
        match parse_conf_line(raw) {
            ConfLine::Nothing => {}
            // The server refuses to start on a syntax error; keep the first
            // one and go on reading (the rest is still evidence).
            ConfLine::Bad(msg) => self.malformed(path, line, msg.to_string()),
            ConfLine::Setting(name, value) => self.settings.push(Setting {
                path: path.to_string(),
                line: Some(line),
                detail: raw.trim().to_string(),
                name,
                value,
                default: false,
            }),
            ConfLine::Include(p) | ConfLine::IncludeIfExists(p) if p.is_empty() => {}
            ConfLine::Include(p) => {
                let p = relative_to(path, &p);
                if let Err(skip) = self.read(inc, &p, depth + 1) {
                    if skip.is_not_found() {
                        self.malformed(path, line, format!("included file {p} does not exist"));
                    }
                    inc.record_skip(&p, skip);
                }
            }
            ConfLine::IncludeIfExists(p) => {
                let p = relative_to(path, &p);
                if let Err(skip) = self.read(inc, &p, depth + 1) {
                    inc.record_skip(&p, skip);
                }
            }
            ConfLine::IncludeDir(d) => self.read_dir(inc, &relative_to(path, &d), depth + 1),
        }
    }

    /// `include_dir`: files ending in `.conf`, not starting with `.`, in
    /// C-locale (byte) order.
    fn read_dir(&mut self, inc: &mut Includes, dir: &str, depth: usize) {
        let list = match inc.dir(dir) {
            Ok(l) => l,
            Err(e) => return inc.record(e),
        };
        for e in list {
            if e.name.starts_with('.') || !e.name.ends_with(".conf") {
                continue;
            }
            if inc.reader.target.stat(&e.path).is_ok_and(|m| m.file_type != FileType::File) {
                continue;
            }
            if let Err(skip) = self.read(inc, &e.path, depth) {
                inc.record_skip(&e.path, skip);
            }
        }
    }
}

/// The major version from a path such as `/etc/postgresql/16/main/...` or
/// `/var/lib/pgsql/15/data/...`.
fn version_from_path(path: &str) -> Option<u32> {
    let parts: Vec<&str> = path.split('/').collect();
    parts.windows(2).find_map(|w| {
        if matches!(w[0], "postgresql" | "pgsql") {
            let v = w[1].split('.').next()?;
            v.parse::<u32>().ok().filter(|n| (7..100).contains(n))
        } else {
            None
        }
    })
}

/// Whether every listen address is a loopback address (or there is none:
/// Unix sockets only).
fn loopback_only(listen: &str) -> bool {
    listen
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .all(|a| a.eq_ignore_ascii_case("localhost") || a.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()))
}

// ---------------------------------------------------------------- clusters

/// One cluster's configuration.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Its postgresql.conf.
    pub conf: String,
    pub version: Option<u32>,
    pub data_directory: String,
    /// Whether the data directory is known (set, or the configuration lives in it).
    pub data_directory_known: bool,
    pub hba_file: String,
    pub files: Vec<String>,
    /// Every assignment, in order.
    pub settings: Vec<Setting>,
    /// pg_hba.conf records (fact items), with `shadowed_by`/`reachable`.
    pub hba: Vec<Map<String, Value>>,
}

impl Cluster {
    /// The effective settings: the last assignment of each name, and the
    /// server default of the names checks read.
    pub fn values(&self) -> BTreeMap<String, Setting> {
        let mut values = BTreeMap::new();
        for (name, default) in DEFAULTS {
            let default =
                if *name == "password_encryption" && self.version.is_some_and(|v| v < 14) { "md5" } else { default };
            let s = Setting {
                path: self.conf.clone(),
                line: None,
                detail: format!("{name} not set (server default '{default}')"),
                name: name.to_string(),
                value: default.to_string(),
                default: true,
            };
            values.insert(name.to_string(), s);
        }
        for s in &self.settings {
            values.insert(s.name.clone(), s.clone());
        }
        values
    }

    /// The effective value of a parameter, when it is set or has a default here.
    pub fn value(&self, name: &str) -> Option<Setting> {
        self.values().remove(name)
    }

    fn fact(&self) -> Value {
        let values = self.values();
        let listen = values.get("listen_addresses").map(|s| s.value.clone()).unwrap_or_default();
        let mut c = item(Some(&self.conf), None, format!("PostgreSQL cluster {}", self.conf));
        c.insert("version".into(), self.version.map(Value::from).unwrap_or(Value::Null));
        c.insert("data_directory".into(), self.data_directory.clone().into());
        c.insert("hba_file".into(), self.hba_file.clone().into());
        c.insert("files".into(), self.files.clone().into());
        c.insert("settings".into(), self.settings.iter().map(Setting::fact).collect::<Vec<_>>().into());
        c.insert("values".into(), values.iter().map(|(k, v)| (k.clone(), v.fact())).collect::<Map<_, _>>().into());
        c.insert("loopback_only".into(), loopback_only(&listen).into());
        c.insert("listen".into(), listen.into());
        c.insert("hba".into(), self.hba.iter().cloned().map(Value::Object).collect::<Vec<_>>().into());
        Value::Object(c)
    }
}

/// Every cluster found, and what could not be read.
#[derive(Debug, Default)]
pub struct Config {
    pub clusters: Vec<Cluster>,
    pub unreadable: Vec<ReadError>,
}

impl Config {
    /// The `postgresql` facts: `{exists, clusters, hba, unreadable}`.
    pub fn facts(&self) -> Value {
        let clusters: Vec<Value> = self.clusters.iter().map(Cluster::fact).collect();
        let hba: Vec<Value> = self.clusters.iter().flat_map(|c| c.hba.iter().cloned().map(Value::Object)).collect();
        let unreadable: Vec<Value> =
            self.unreadable.iter().map(|e| json!({"path": e.path(), "reason": e.reason()})).collect();
        json!({"exists": true, "clusters": clusters, "hba": hba, "unreadable": unreadable})
    }
}

fn cluster(r: &Reader, conf: &str, unreadable: &mut Vec<ReadError>) -> Result<Option<Cluster>, Unavailable> {
    let mut inc = Includes::new(r, limits::POSTGRESQL_INCLUDES);
    let mut cr = ConfReader { settings: Vec::new(), malformed: None };
    match cr.read(&mut inc, conf, 0) {
        Err(Skip::Read(e)) if e.is_not_found() => return Ok(None),
        Err(skip) => {
            if let Some(e) = inc.skip_error(conf, skip) {
                unreadable.push(e);
            }
            return Ok(None);
        }
        Ok(()) => {}
    }
    let last = |settings: &[Setting], name: &str| -> Option<String> {
        settings.iter().rev().find(|e| e.name == name).map(|e| e.value.clone())
    };
    let data_directory_known = last(&cr.settings, "data_directory").is_some() || !conf.starts_with("/etc/");
    let set_data_dir = last(&cr.settings, "data_directory").filter(|d| !d.is_empty());
    let data_dir = set_data_dir.map(|d| relative_to(conf, &d)).unwrap_or_else(|| dir_of(conf).to_string());
    // ALTER SYSTEM settings, read after postgresql.conf.
    let auto = target::join(&data_dir, "postgresql.auto.conf");
    if !inc.files().contains(&auto) {
        if let Err(skip) = cr.read(&mut inc, &auto, 0) {
            inc.record_skip(&auto, skip);
        }
    }
    if let Some((path, line, message)) = cr.malformed.take() {
        return Err(Unavailable::Malformed { path, line, message });
    }
    let version = r
        .target
        .read_text(&target::join(&data_dir, "PG_VERSION"))
        .ok()
        .and_then(|f| f.text.trim().split('.').next().and_then(|v| v.parse::<u32>().ok()))
        .or_else(|| version_from_path(conf));
    // Debian keeps pg_hba.conf next to postgresql.conf and names it in hba_file;
    // without that setting the server looks in the data directory.
    let hba_file = last(&cr.settings, "hba_file")
        .filter(|h| !h.is_empty())
        .map(|h| relative_to(conf, &h))
        .unwrap_or_else(|| target::join(&data_dir, "pg_hba.conf"));
    let (files, conf_unreadable) = inc.finish();
    let mut hba_inc = Includes::new(r, limits::POSTGRESQL_INCLUDES);
    let mut h = hba::HbaReader { cluster: conf.to_string(), records: Vec::new() };
    h.read(&mut hba_inc, &hba_file, 0);
    hba::mark_shadowed(&mut h.records);
    unreadable.extend(conf_unreadable);
    unreadable.extend(hba_inc.finish().1);
    Ok(Some(Cluster {
        conf: conf.to_string(),
        version,
        data_directory: data_dir,
        data_directory_known,
        hba_file,
        files,
        settings: cr.settings,
        hba: h.records,
    }))
}

/// Every cluster's configuration.
pub fn read(r: &Reader) -> Result<Config, Unavailable> {
    let mut confs: Vec<String> = Vec::new();
    for g in CONF_GLOBS {
        for p in r.glob(g) {
            if !confs.contains(&p) {
                confs.push(p);
            }
        }
    }
    let mut unreadable = Vec::new();
    let mut clusters = Vec::new();
    for conf in &confs {
        clusters.extend(cluster(r, conf, &mut unreadable)?);
    }
    if clusters.is_empty() {
        if let Some(e) = unreadable.first() {
            return Err(Unavailable::Unreadable(e.clone()));
        }
        return Err(Unavailable::NotFound("no PostgreSQL configuration (postgresql.conf) found".into()));
    }
    Ok(Config { clusters, unreadable })
}

#[cfg(test)]
mod tests {
    use super::hba::*;
    use super::*;
    use crate::collectors::test_support::scan_with;

    fn collect(r: &Reader) -> Result<Value, Unavailable> {
        read(r).map(|c| c.facts())
    }

    #[test]
    fn conf_lines() {
        use ConfLine::*;
        assert_eq!(parse_conf_line("ssl = on # comment"), Setting("ssl".into(), "on".into()));
        assert_eq!(parse_conf_line("SSL on"), Setting("ssl".into(), "on".into()));
        assert_eq!(parse_conf_line("listen_addresses='*'#all"), Setting("listen_addresses".into(), "*".into()));
        assert_eq!(parse_conf_line("x = 'it''s # not a comment'"), Setting("x".into(), "it's # not a comment".into()));
        assert_eq!(parse_conf_line("x = 'a\\'b'"), Setting("x".into(), "a'b".into()));
        assert_eq!(parse_conf_line("include_dir 'conf.d'"), IncludeDir("conf.d".into()));
        assert_eq!(parse_conf_line("include = 'a.conf'"), Include("a.conf".into()));
        assert_eq!(parse_conf_line("  #ssl = off"), Nothing);
        assert!(matches!(parse_conf_line("x = 'open"), Bad(_)));
        assert!(matches!(parse_conf_line("x = a b"), Bad(_)));
        assert!(matches!(parse_conf_line("= 3"), Bad(_)));
    }

    #[test]
    fn hba_tokens() {
        let f = hba_fields("host  \"all\",db2, db3 all 0.0.0.0/0 md5 # c").unwrap();
        assert_eq!(f.len(), 5);
        assert_eq!(f[1].len(), 3);
        assert!(f[1][0].quoted && f[1][0].text == "all");
        assert_eq!(f[4][0].text, "md5");
        assert!(hba_fields("host \"x").is_none());
        assert_eq!(hba_fields("   # only a comment").unwrap().len(), 0);
    }

    #[test]
    fn nets() {
        let p = |a: &str, m: Option<&str>| Net::parse(a, m, false).unwrap();
        assert!(p("0.0.0.0/0", None).covers(&p("10.1.2.3/32", None)));
        assert!(!p("0.0.0.0/0", None).covers(&p("::1/128", None)));
        assert!(p("10.0.0.0", Some("255.0.0.0")).covers(&p("10.9.0.0/16", None)));
        assert!(!p("10.0.0.0/16", None).covers(&p("10.0.0.0/8", None)));
        assert!(p("all", None).covers(&p("samenet", None)));
        assert!(!p("samenet", None).covers(&p("all", None)));
    }

    #[test]
    fn includes_defaults_and_first_match() {
        let (_d, scan) = scan_with(&[
            (
                "/etc/postgresql/13/main/postgresql.conf",
                "data_directory = '/var/lib/postgresql/13/main'\nhba_file = '/etc/postgresql/13/main/pg_hba.conf'\nssl = on # c\ninclude_dir 'conf.d'\nlisten_addresses = 'localhost'\n",
            ),
            ("/etc/postgresql/13/main/conf.d/b.conf", "ssl = off\n"),
            ("/etc/postgresql/13/main/conf.d/a.conf", "SSL = 'true'\n"),
            ("/etc/postgresql/13/main/conf.d/.hidden.conf", "ssl = maybe\n"),
            (
                "/etc/postgresql/13/main/pg_hba.conf",
                "local all postgres peer\nhost all all 0.0.0.0/0 reject\nhost all @admins 10.0.0.0/8 trust\nhost all all all md5\n",
            ),
            ("/etc/postgresql/13/main/admins", "alice, bob # admins\n"),
            ("/var/lib/postgresql/13/main/postgresql.auto.conf", "log_connections = 'on'\n"),
        ]);
        let v = collect(&scan).unwrap();
        let c = &v["clusters"][0];
        assert_eq!(c["values"]["ssl"]["value"], "off");
        assert_eq!(c["values"]["ssl"]["path"], "/etc/postgresql/13/main/conf.d/b.conf");
        assert_eq!(c["values"]["password_encryption"]["value"], "md5", "13 defaults to md5");
        assert_eq!(c["values"]["password_encryption"]["default"], true);
        assert_eq!(c["values"]["log_connections"]["value"], "on");
        assert_eq!(c["loopback_only"], true);
        let hba = v["hba"].as_array().unwrap();
        assert_eq!(hba.len(), 4);
        assert_eq!(hba[2]["users"], json!(["alice", "bob"]));
        assert_eq!(hba[2]["reachable"], false);
        assert_eq!(hba[2]["shadowed_by"], "/etc/postgresql/13/main/pg_hba.conf:2");
        assert_eq!(hba[3]["reachable"], true, "IPv6 clients still reach `all`");
        assert_eq!(hba[3]["any_address"], true);
    }

    #[test]
    fn include_cycles_and_missing_files_do_not_hang() {
        let (_d, scan) = scan_with(&[
            ("/var/lib/pgsql/data/postgresql.conf", "include 'a.conf'\nssl = on\n"),
            ("/var/lib/pgsql/data/a.conf", "include 'postgresql.conf'\ninclude_if_exists 'none.conf'\nport = 1\n"),
            ("/var/lib/pgsql/data/pg_hba.conf", "include_dir hba.d\nlocal all all trust\n"),
            ("/var/lib/pgsql/data/hba.d/x.conf", "include_dir .\nhost all all ::/0 password\n"),
        ]);
        let v = collect(&scan).unwrap();
        assert_eq!(v["hba"].as_array().unwrap().len(), 2);
        assert_eq!(v["hba"][0]["path"], "/var/lib/pgsql/data/hba.d/x.conf");
    }

    #[test]
    fn garbage_never_panics() {
        let garbage = [
            "\u{0}\u{1}=\u{7f}",
            "'''",
            "host",
            "host all",
            "host all all",
            "host all all 1.2.3.4",
            "host all all 1.2.3.4/99 md5",
            "host all all 1.2.3.4 255.255.255.0",
            "\\",
            "local \"",
            "include",
            "@",
            "host @ @ / trust",
            "ünïcödé = 'x'",
            "include_dir ''",
        ];
        for g in garbage {
            let _ = parse_conf_line(g);
            let _ = hba_fields(g);
        }
        let text = garbage.join("\n");
        let (_d, scan) = scan_with(&[
            ("/var/lib/postgresql/data/postgresql.conf", "ssl = on\n"),
            ("/var/lib/postgresql/data/pg_hba.conf", &text),
        ]);
        let _ = collect(&scan);
        let (_d, scan) = scan_with(&[("/var/lib/postgresql/data/postgresql.conf", &text)]);
        assert!(matches!(collect(&scan), Err(Unavailable::Malformed { .. })));
    }
}
