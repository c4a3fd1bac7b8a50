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
//!   skipped (the server would report an error), at most 256 files.
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

use crate::sources::{item, Scan, Unavailable};
use crate::target::{self, FileType, ReadError};
use serde_json::{json, Map, Value};
use std::net::IpAddr;

/// Where clusters' postgresql.conf live (globs).
pub const CONF_GLOBS: &[&str] = &[
    "/etc/postgresql/*/*/postgresql.conf",
    "/var/lib/pgsql/data/postgresql.conf",
    "/var/lib/pgsql/*/data/postgresql.conf",
    "/var/lib/postgresql/data/postgresql.conf",
];
/// `CONF_FILE_MAX_DEPTH` in guc.h.
const MAX_DEPTH: usize = 10;
/// Most files one cluster's configuration may pull in.
const MAX_FILES: usize = 256;
/// Most `@file` nesting levels followed in pg_hba.conf.
const MAX_AT_DEPTH: usize = 10;

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

fn dir_of(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some(("", _)) => "/",
        Some((d, _)) => d,
        None => "/",
    }
}

fn resolve(base_file: &str, p: &str) -> String {
    target::normalize(&target::join(dir_of(base_file), p))
}

struct ConfReader<'a> {
    scan: &'a Scan,
    stack: Vec<String>,
    files: Vec<String>,
    settings: Vec<Value>,
    unreadable: Vec<ReadError>,
    malformed: Option<(String, usize, String)>,
}

impl ConfReader<'_> {
    fn note(&mut self, e: ReadError) {
        if !e.is_not_found() {
            self.scan.note_unreadable(&e);
            self.unreadable.push(e);
        }
    }

    fn read(&mut self, path: &str, depth: usize) -> Result<(), ReadError> {
        let key = self.scan.target.stat(path).map(|m| m.path).unwrap_or_else(|_| path.to_string());
        if self.stack.contains(&key) || depth > MAX_DEPTH {
            return Ok(());
        }
        if self.files.len() >= MAX_FILES {
            self.note(ReadError::Io {
                path: path.into(),
                message: format!("not read: more than {MAX_FILES} configuration files"),
            });
            return Ok(());
        }
        let file = self.scan.read_text(path)?;
        self.files.push(path.to_string());
        self.stack.push(key);
        for (i, raw) in file.text.lines().enumerate() {
            match parse_conf_line(raw) {
                ConfLine::Nothing => {}
                ConfLine::Bad(msg) => {
                    // The server refuses to start on a syntax error; keep the
                    // first one and go on reading (the rest is still evidence).
                    if self.malformed.is_none() {
                        self.malformed = Some((path.to_string(), i + 1, msg.to_string()));
                    }
                }
                ConfLine::Setting(name, value) => {
                    let mut m = item(Some(path), Some(i + 1), raw.trim());
                    m.insert("lower".into(), value.to_ascii_lowercase().into());
                    m.insert("name".into(), name.into());
                    m.insert("value".into(), value.into());
                    m.insert("default".into(), false.into());
                    self.settings.push(Value::Object(m));
                }
                ConfLine::Include(p) | ConfLine::IncludeIfExists(p) if p.is_empty() => {}
                ConfLine::Include(p) => {
                    let p = resolve(path, &p);
                    if let Err(e) = self.read(&p, depth + 1) {
                        if e.is_not_found() && self.malformed.is_none() {
                            self.malformed =
                                Some((path.to_string(), i + 1, format!("included file {p} does not exist")));
                        }
                        self.note(e);
                    }
                }
                ConfLine::IncludeIfExists(p) => {
                    let p = resolve(path, &p);
                    if let Err(e) = self.read(&p, depth + 1) {
                        self.note(e);
                    }
                }
                ConfLine::IncludeDir(d) => {
                    let d = resolve(path, &d);
                    self.read_dir(&d, depth + 1);
                }
            }
        }
        self.stack.pop();
        Ok(())
    }

    fn read_dir(&mut self, dir: &str, depth: usize) {
        let mut list = match self.scan.target.read_dir(dir) {
            Ok(l) => l,
            Err(e) => return self.note(e),
        };
        // C-locale order: byte order of the names.
        list.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        for e in list {
            if e.name.starts_with('.') || !e.name.ends_with(".conf") {
                continue;
            }
            if self.scan.target.stat(&e.path).is_ok_and(|m| m.file_type != FileType::File) {
                continue;
            }
            if let Err(err) = self.read(&e.path, depth) {
                self.note(err);
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

// ---------------------------------------------------------------- pg_hba.conf

/// A token: its text and whether it was quoted (a quoted keyword is a name).
#[derive(Debug, Clone, PartialEq)]
struct Token {
    text: String,
    quoted: bool,
}

impl Token {
    fn keyword(&self, k: &str) -> bool {
        !self.quoted && self.text.eq_ignore_ascii_case(k)
    }
    fn shown(&self) -> String {
        if self.quoted {
            format!("\"{}\"", self.text)
        } else {
            self.text.clone()
        }
    }
}

/// Split an hba line into fields, each a list of comma-separated tokens.
/// `#` outside quotes ends the line. Returns None on an unterminated quote.
fn hba_fields(line: &str) -> Option<Vec<Vec<Token>>> {
    let mut fields: Vec<Vec<Token>> = Vec::new();
    let mut chars = line.chars().peekable();
    let mut current: Vec<Token> = Vec::new();
    loop {
        // Skip blanks between fields.
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.peek() {
            None | Some('#') => break,
            _ => {}
        }
        // One token.
        let (mut text, mut quoted, mut in_quote) = (String::new(), false, false);
        let mut comma = false;
        while let Some(&c) = chars.peek() {
            if in_quote {
                chars.next();
                if c == '"' {
                    in_quote = false;
                } else {
                    text.push(c);
                }
                continue;
            }
            if c.is_whitespace() || c == '#' {
                break;
            }
            chars.next();
            match c {
                '"' => {
                    in_quote = true;
                    quoted = true;
                }
                ',' => {
                    comma = true;
                    break;
                }
                c => text.push(c),
            }
        }
        if in_quote {
            return None;
        }
        if !text.is_empty() || quoted {
            current.push(Token { text, quoted });
        }
        if comma {
            // The list goes on, possibly after blanks.
            continue;
        }
        if !current.is_empty() {
            fields.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        fields.push(current);
    }
    Some(fields)
}

struct HbaReader<'a> {
    scan: &'a Scan,
    cluster: String,
    stack: Vec<String>,
    files: usize,
    records: Vec<Map<String, Value>>,
    unreadable: Vec<ReadError>,
}

impl HbaReader<'_> {
    fn note(&mut self, e: ReadError) {
        if !e.is_not_found() {
            self.scan.note_unreadable(&e);
            self.unreadable.push(e);
        }
    }

    /// Names from an `@file` (blank/comma separated, `#` comments, nested `@`).
    fn at_file(&mut self, base: &str, name: &str, depth: usize, out: &mut Vec<Token>) {
        let path = resolve(base, name);
        if depth > MAX_AT_DEPTH || self.stack.contains(&path) {
            return;
        }
        let file = match self.scan.read_text(&path) {
            Ok(f) => f,
            Err(e) => return self.note(e),
        };
        self.stack.push(path.clone());
        for line in file.text.lines() {
            for field in hba_fields(line).unwrap_or_default() {
                for t in field {
                    match t.text.strip_prefix('@').filter(|_| !t.quoted) {
                        Some(inner) => self.at_file(&path, inner, depth + 1, out),
                        None => out.push(t),
                    }
                }
            }
        }
        self.stack.pop();
    }

    fn expand(&mut self, base: &str, field: &[Token]) -> Vec<Token> {
        let mut out = Vec::new();
        for t in field {
            match t.text.strip_prefix('@').filter(|_| !t.quoted) {
                Some(name) => self.at_file(base, name, 0, &mut out),
                None => out.push(t.clone()),
            }
        }
        out
    }

    fn read(&mut self, path: &str, depth: usize) -> Result<(), ReadError> {
        let key = self.scan.target.stat(path).map(|m| m.path).unwrap_or_else(|_| path.to_string());
        if self.stack.contains(&key) || depth > MAX_DEPTH {
            return Ok(());
        }
        if self.files >= MAX_FILES {
            self.note(ReadError::Io { path: path.into(), message: format!("not read: more than {MAX_FILES} files") });
            return Ok(());
        }
        let file = self.scan.read_text(path)?;
        self.files += 1;
        self.stack.push(key);
        let lines: Vec<&str> = file.text.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            let start = i;
            // A trailing backslash continues the line.
            let mut logical = String::new();
            let mut shown = String::new();
            loop {
                let l = lines[i];
                i += 1;
                let body = l.trim_end();
                let cont = body.ends_with('\\') && !body.trim_start().starts_with('#') && i < lines.len();
                if cont {
                    logical.push_str(&body[..body.len() - 1]);
                    logical.push(' ');
                    shown.push_str(body[..body.len() - 1].trim());
                    shown.push(' ');
                } else {
                    logical.push_str(l);
                    shown.push_str(l.trim());
                    break;
                }
            }
            let Some(fields) = hba_fields(&logical) else { continue };
            if fields.is_empty() {
                continue;
            }
            self.record(path, start + 1, shown.trim(), &fields, depth);
        }
        self.stack.pop();
        Ok(())
    }

    fn record(&mut self, path: &str, line: usize, detail: &str, fields: &[Vec<Token>], depth: usize) {
        let kind = fields[0][0].text.to_ascii_lowercase();
        if fields[0][0].quoted {
            return;
        }
        // PostgreSQL 16 inclusion records.
        if matches!(kind.as_str(), "include" | "include_if_exists" | "include_dir") {
            let Some(arg) = fields.get(1).and_then(|f| f.first()) else { return };
            let target = resolve(path, &arg.text);
            if kind == "include_dir" {
                let mut list = match self.scan.target.read_dir(&target) {
                    Ok(l) => l,
                    Err(e) => return self.note(e),
                };
                list.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
                for e in list {
                    if e.name.starts_with('.') || !e.name.ends_with(".conf") {
                        continue;
                    }
                    if let Err(err) = self.read(&e.path, depth + 1) {
                        self.note(err);
                    }
                }
            } else if let Err(e) = self.read(&target, depth + 1) {
                self.note(e);
            }
            return;
        }
        let is_local = kind == "local";
        if !is_local && !matches!(kind.as_str(), "host" | "hostssl" | "hostnossl" | "hostgssenc" | "hostnogssenc") {
            return; // the server rejects the file; nothing to judge here
        }
        let need = if is_local { 4 } else { 5 };
        if fields.len() < need {
            return;
        }
        let databases = self.expand(path, &fields[1]);
        let users = self.expand(path, &fields[2]);
        let (address, mask, method_at) = if is_local {
            (None, None, 3)
        } else {
            let a = fields[3][0].text.clone();
            // An IP address without /prefix takes the netmask from the next field.
            let bare_ip = !a.contains('/') && a.parse::<IpAddr>().is_ok();
            if bare_ip && fields.len() >= 6 {
                (Some(a), Some(fields[4][0].text.clone()), 5)
            } else {
                (Some(a), None, 4)
            }
        };
        let Some(method) = fields.get(method_at).and_then(|f| f.first()) else { return };
        let method = method.text.to_ascii_lowercase();
        let mut options = Map::new();
        for f in &fields[method_at + 1..] {
            for t in f {
                let (k, v) = t.text.split_once('=').unwrap_or((&t.text, ""));
                options.insert(k.to_ascii_lowercase(), v.into());
            }
        }
        let addr_quoted = !is_local && fields[3][0].quoted;
        let net = address.as_deref().and_then(|a| Net::parse(a, mask.as_deref(), addr_quoted));
        let any_address = matches!(net, Some(Net::All)) || matches!(net, Some(Net::Cidr(_, 0)));
        let mut m = item(Some(path), Some(line), detail);
        m.insert("cluster".into(), self.cluster.clone().into());
        m.insert("type".into(), kind.into());
        m.insert("databases".into(), databases.iter().map(Token::shown).collect::<Vec<_>>().into());
        m.insert("users".into(), users.iter().map(Token::shown).collect::<Vec<_>>().into());
        m.insert("all_databases".into(), databases.iter().any(|t| t.keyword("all")).into());
        m.insert("all_users".into(), users.iter().any(|t| t.keyword("all")).into());
        m.insert("address".into(), address.map(Value::from).unwrap_or(Value::Null));
        m.insert("mask".into(), mask.map(Value::from).unwrap_or(Value::Null));
        m.insert("any_address".into(), any_address.into());
        m.insert("method".into(), method.into());
        m.insert("options".into(), Value::Object(options));
        self.records.push(m);
    }
}

/// A record's address, for deciding whether one record covers another.
#[derive(Debug, Clone, PartialEq)]
enum Net {
    All,
    Cidr(IpAddr, u8),
    /// `samehost`, `samenet`, a host name: compared literally.
    Other(String),
}

impl Net {
    fn parse(addr: &str, mask: Option<&str>, quoted: bool) -> Option<Net> {
        if !quoted && addr.eq_ignore_ascii_case("all") {
            return Some(Net::All);
        }
        let (ip, prefix) = match addr.split_once('/') {
            Some((ip, p)) => (ip.parse::<IpAddr>().ok()?, p.parse::<u8>().ok()?),
            None => match addr.parse::<IpAddr>() {
                Ok(ip) => {
                    let max = if ip.is_ipv4() { 32 } else { 128 };
                    let prefix = match mask.and_then(|m| m.parse::<IpAddr>().ok()) {
                        Some(IpAddr::V4(m)) => u32::from(m).count_ones() as u8,
                        Some(IpAddr::V6(m)) => u128::from(m).count_ones() as u8,
                        None => max,
                    };
                    (ip, prefix)
                }
                Err(_) => return Some(Net::Other(addr.to_ascii_lowercase())),
            },
        };
        let max = if ip.is_ipv4() { 32 } else { 128 };
        Some(Net::Cidr(ip, prefix.min(max)))
    }

    fn bits(ip: &IpAddr) -> u128 {
        match ip {
            IpAddr::V4(a) => u128::from(u32::from(*a)) << 96,
            IpAddr::V6(a) => u128::from(*a),
        }
    }

    /// Whether every client address `other` matches also matches `self`.
    fn covers(&self, other: &Net) -> bool {
        match (self, other) {
            (Net::All, _) => true,
            (_, Net::All) => false,
            (Net::Cidr(a, p), Net::Cidr(b, q)) => {
                if a.is_ipv4() != b.is_ipv4() || p > q {
                    return false;
                }
                // IPv4 addresses sit in the top 32 bits (see `bits`).
                let p = u32::from(*p);
                let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
                Net::bits(a) & mask == Net::bits(b) & mask
            }
            (Net::Other(a), Net::Other(b)) => a == b,
            _ => false,
        }
    }
}

/// Whether record `a` (earlier) matches every connection record `b` does.
fn covers(a: &Map<String, Value>, b: &Map<String, Value>) -> bool {
    let s = |m: &Map<String, Value>, k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let list = |m: &Map<String, Value>, k: &str| -> Vec<String> {
        m.get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let (ta, tb) = (s(a, "type"), s(b, "type"));
    if !(ta == tb || (ta == "host" && tb.starts_with("host"))) {
        return false;
    }
    let (da, db) = (list(a, "databases"), list(b, "databases"));
    let db_all = da.iter().any(|d| d.eq_ignore_ascii_case("all"));
    if db.is_empty() || !db.iter().all(|d| da.contains(d) || (db_all && !d.eq_ignore_ascii_case("replication"))) {
        return false;
    }
    let (ua, ub) = (list(a, "users"), list(b, "users"));
    let user_all = ua.iter().any(|u| u.eq_ignore_ascii_case("all"));
    if ub.is_empty() || !ub.iter().all(|u| ua.contains(u) || user_all) {
        return false;
    }
    if ta == "local" {
        return true;
    }
    let net = |m: &Map<String, Value>| {
        let addr = s(m, "address");
        let mask = m.get("mask").and_then(Value::as_str).map(str::to_string);
        // Quoted addresses were kept as written; "all" quoted is a host name.
        Net::parse(&addr, mask.as_deref(), false)
    };
    match (net(a), net(b)) {
        (Some(x), Some(y)) => x.covers(&y),
        _ => false,
    }
}

fn mark_shadowed(records: &mut [Map<String, Value>]) {
    for j in 0..records.len() {
        let by = (0..j).find(|&i| covers(&records[i], &records[j])).map(|i| {
            format!(
                "{}:{}",
                records[i].get("path").and_then(Value::as_str).unwrap_or(""),
                records[i].get("line").and_then(Value::as_u64).unwrap_or(0)
            )
        });
        records[j].insert("reachable".into(), by.is_none().into());
        records[j].insert("shadowed_by".into(), by.map(Value::from).unwrap_or(Value::Null));
    }
}

// ---------------------------------------------------------------- clusters

fn cluster(scan: &Scan, conf: &str, unreadable: &mut Vec<ReadError>) -> Result<Value, Unavailable> {
    let mut r = ConfReader {
        scan,
        stack: Vec::new(),
        files: Vec::new(),
        settings: Vec::new(),
        unreadable: Vec::new(),
        malformed: None,
    };
    if let Err(e) = r.read(conf, 0) {
        if e.is_not_found() {
            return Ok(Value::Null);
        }
        scan.note_unreadable(&e);
        unreadable.push(e);
        return Ok(Value::Null);
    }
    let last = |settings: &[Value], name: &str| -> Option<String> {
        settings.iter().rev().find(|e| e["name"] == name).and_then(|e| e["value"].as_str().map(str::to_string))
    };
    let conf_dir = dir_of(conf).to_string();
    let data_dir = last(&r.settings, "data_directory")
        .filter(|d| !d.is_empty())
        .map(|d| resolve(conf, &d))
        .unwrap_or_else(|| conf_dir.clone());
    // ALTER SYSTEM settings, read after postgresql.conf.
    let auto = target::join(&data_dir, "postgresql.auto.conf");
    if !r.files.contains(&auto) {
        r.stack.clear();
        if let Err(e) = r.read(&auto, 0) {
            r.note(e);
        }
    }
    if let Some((path, line, message)) = r.malformed.take() {
        return Err(Unavailable::Malformed { path, line, message });
    }
    let version = scan
        .target
        .read_text(&target::join(&data_dir, "PG_VERSION"))
        .ok()
        .and_then(|f| f.text.trim().split('.').next().and_then(|v| v.parse::<u32>().ok()))
        .or_else(|| version_from_path(conf));
    let mut values = Map::new();
    for (name, default) in DEFAULTS {
        let default = if *name == "password_encryption" && version.is_some_and(|v| v < 14) { "md5" } else { default };
        let mut m = item(Some(conf), None, format!("{name} not set (server default '{default}')"));
        m.insert("name".into(), (*name).into());
        m.insert("value".into(), default.into());
        m.insert("lower".into(), default.into());
        m.insert("default".into(), true.into());
        values.insert((*name).to_string(), Value::Object(m));
    }
    for e in &r.settings {
        if let Some(n) = e["name"].as_str() {
            values.insert(n.to_string(), e.clone());
        }
    }
    let hba_file = last(&r.settings, "hba_file")
        .filter(|h| !h.is_empty())
        .map(|h| resolve(conf, &h))
        .unwrap_or_else(|| target::join(&data_dir, "pg_hba.conf"));
    // Debian keeps pg_hba.conf next to postgresql.conf and names it in hba_file;
    // without that setting the server looks in the data directory.
    let mut h = HbaReader {
        scan,
        cluster: conf.to_string(),
        stack: Vec::new(),
        files: 0,
        records: Vec::new(),
        unreadable: Vec::new(),
    };
    if let Err(e) = h.read(&hba_file, 0) {
        h.note(e);
    }
    mark_shadowed(&mut h.records);
    let listen = values["listen_addresses"]["value"].as_str().unwrap_or("").to_string();
    unreadable.extend(r.unreadable);
    unreadable.extend(h.unreadable);
    let mut c = item(Some(conf), None, format!("PostgreSQL cluster {conf}"));
    c.insert("version".into(), version.map(Value::from).unwrap_or(Value::Null));
    c.insert("data_directory".into(), data_dir.into());
    c.insert("hba_file".into(), hba_file.into());
    c.insert("files".into(), r.files.into());
    c.insert("settings".into(), r.settings.into());
    c.insert("values".into(), Value::Object(values));
    c.insert("loopback_only".into(), loopback_only(&listen).into());
    c.insert("listen".into(), listen.into());
    c.insert("hba".into(), h.records.into_iter().map(Value::Object).collect::<Vec<_>>().into());
    Ok(Value::Object(c))
}

pub fn collect(scan: &Scan) -> Result<Value, Unavailable> {
    let mut confs: Vec<String> = Vec::new();
    for g in CONF_GLOBS {
        for p in scan.glob(g) {
            if !confs.contains(&p) {
                confs.push(p);
            }
        }
    }
    let mut unreadable = Vec::new();
    let mut clusters = Vec::new();
    for conf in &confs {
        let c = cluster(scan, conf, &mut unreadable)?;
        if !c.is_null() {
            clusters.push(c);
        }
    }
    if clusters.is_empty() {
        if let Some(e) = unreadable.first() {
            return Err(Unavailable::Unreadable(e.clone()));
        }
        return Err(Unavailable::NotFound("no PostgreSQL configuration (postgresql.conf) found".into()));
    }
    let hba: Vec<Value> = clusters.iter().flat_map(|c| c["hba"].as_array().cloned().unwrap_or_default()).collect();
    let unreadable: Vec<Value> = unreadable.iter().map(|e| json!({"path": e.path(), "reason": e.reason()})).collect();
    Ok(json!({"exists": true, "clusters": clusters, "hba": hba, "unreadable": unreadable}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collectors::test_support::scan_with;

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
