//! MySQL/MariaDB option files (the `mycnf` facts), read the way the server reads them
//! (MariaDB "Configuring MariaDB with Option Files", MySQL "Using Option
//! Files", `mysys/my_default.c`):
//!
//! - default files, each read if it exists, in order: `/etc/my.cnf`,
//!   `/etc/mysql/my.cnf` (on Debian a link to `mariadb.cnf` or
//!   `mysql.cnf` through /etc/alternatives). When `/etc/mysql/my.cnf` is
//!   missing (an image without the alternatives link) `/etc/mysql/mariadb.cnf`
//!   is read in its place. `$MYSQL_HOME/my.cnf`, `--defaults-extra-file` and
//!   `~/.my.cnf` depend on the environment of the running server and are not
//!   read.
//! - `[group]` starts an option group; the server reads `[mysqld]`,
//!   `[server]`, `[mysqld-X.Y]`, and on MariaDB `[mariadb]`, `[mariadb-X.Y]`,
//!   `[mariadbd]`, `[mariadbd-X.Y]`, `[client-server]`, `[galera]`. The
//!   version is not known offline, so every `-X.Y` group counts.
//! - `!include FILE` reads a file, `!includedir DIR` (and MariaDB's
//!   `?includedir`) every file of DIR whose name ends in `.cnf`, in
//!   alphabetical order (`.ini` only on Windows). Includes nest up to 10
//!   levels, a file already being read (an include cycle) is skipped, and
//!   the files read are bounded ([`crate::limits::MYSQL_INCLUDES`]).
//! - `#` (outside quotes) and a leading `;` start a comment; `name`,
//!   `name=value`, `name = "quoted value"`; `-` and `_` in names are the same;
//!   the `loose-` prefix is dropped. Later settings win.
//!
//! Facts: `{exists, files, entries, values, unreadable}`. Entries: `{path,
//! line, group, server, key, value, detail}` with `key` lower-case and `_`
//! for `-`, `value` null for a bare `name`, `server` true for a group the
//! server reads. `values` maps each key to its last entry in a server group.
//! When no option file exists the facts are `exists: false` (not an
//! unavailable source), so that a check over several datastores still judges
//! the others.

use crate::limits;
use crate::sources::include::{Includes, Skip};
use crate::sources::{item, Reader};
use crate::target::{FileType, ReadError};
use serde_json::{json, Map, Value};

/// Default option files, in the order the server reads them.
pub const DEFAULT_FILES: &[&str] = &["/etc/my.cnf", "/etc/mysql/my.cnf"];
/// Read in place of `/etc/mysql/my.cnf` when that is missing.
const DEBIAN_MARIADB: &str = "/etc/mysql/mariadb.cnf";

/// Whether the server reads option group `group` (lower-case).
pub fn server_group(group: &str) -> bool {
    if matches!(group, "mysqld" | "server" | "mariadb" | "mariadbd" | "client-server" | "galera") {
        return true;
    }
    ["mysqld-", "mariadb-", "mariadbd-"].iter().any(|p| {
        group.strip_prefix(p).is_some_and(|v| {
            let mut parts = v.split('.');
            let ok = |s: Option<&str>| s.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
            ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
        })
    })
}

/// An option name as the server matches it: lower-case, `_` for `-`,
/// without the `loose_` prefix.
pub fn normalise(name: &str) -> String {
    let k = name.trim().to_ascii_lowercase().replace('-', "_");
    match k.strip_prefix("loose_") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => k,
    }
}

/// The line without its comment: `#` outside quotes ends it
/// (`remove_end_comment` in my_default.c).
fn strip_comment(line: &str) -> &str {
    let (mut quote, mut escape) = (None::<char>, false);
    for (i, c) in line.char_indices() {
        if (c == '\'' || c == '"') && !escape {
            match quote {
                None => quote = Some(c),
                Some(q) if q == c => quote = None,
                _ => {}
            }
        }
        if quote.is_none() && c == '#' {
            return &line[..i];
        }
        escape = quote.is_some() && c == '\\' && !escape;
    }
    line
}

/// A value without its surrounding quotes, escapes resolved.
fn unquote(v: &str) -> String {
    let v = v.trim();
    let inner =
        if v.len() >= 2 && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\''))) {
            &v[1..v.len() - 1]
        } else {
            v
        };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('b') => out.push('\u{8}'),
            Some('s') => out.push(' '),
            Some(o) => out.push(o),
            None => out.push('\\'),
        }
    }
    out
}

/// One parsed line.
#[derive(Debug, PartialEq)]
enum Line<'a> {
    Group(String),
    Include(&'a str),
    IncludeDir(&'a str),
    Option(String, Option<String>),
    Nothing,
}

fn parse_line(raw: &str) -> Line<'_> {
    let t = raw.trim();
    if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
        return Line::Nothing;
    }
    if let Some(rest) = t.strip_prefix('!').or_else(|| t.strip_prefix('?')) {
        // `?includedir` is MariaDB's tolerant form; `?include` does not exist.
        let dir_only = t.starts_with('?');
        if let Some(arg) = rest.strip_prefix("includedir").filter(|a| a.starts_with([' ', '\t'])) {
            return Line::IncludeDir(arg.trim());
        }
        if let Some(arg) = rest.strip_prefix("include").filter(|a| !dir_only && a.starts_with([' ', '\t'])) {
            return Line::Include(arg.trim());
        }
        return Line::Nothing;
    }
    if t.starts_with('[') {
        let g = strip_comment(t).trim();
        if let Some(g) = g.strip_prefix('[').and_then(|g| g.strip_suffix(']')) {
            return Line::Group(g.trim().to_ascii_lowercase());
        }
        return Line::Nothing;
    }
    let t = strip_comment(t).trim();
    if t.is_empty() {
        return Line::Nothing;
    }
    match t.split_once('=') {
        Some((k, v)) => Line::Option(normalise(k), Some(unquote(v))),
        None => Line::Option(normalise(t), None),
    }
}

fn resolve(base: &str, p: &str) -> String {
    if p.starts_with('/') {
        p.to_string()
    } else {
        let dir = base.rsplit_once('/').map(|(d, _)| d).filter(|d| !d.is_empty()).unwrap_or("");
        format!("{dir}/{p}")
    }
}

/// One option as written: `name[=value]` in an option group.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionLine {
    pub path: String,
    pub line: usize,
    /// The line as written (trimmed).
    pub raw: String,
    /// Lower-case group name.
    pub group: String,
    /// Normalised option name (lower-case, `_` for `-`, no `loose_`).
    pub key: String,
    /// `None` for a bare `name`.
    pub value: Option<String>,
}

impl OptionLine {
    /// Whether the server reads this option's group.
    pub fn server(&self) -> bool {
        server_group(&self.group)
    }

    fn fact(&self) -> Value {
        let mut m: Map<String, Value> = item(Some(&self.path), Some(self.line), self.raw.clone());
        m.insert("group".into(), self.group.clone().into());
        m.insert("server".into(), self.server().into());
        m.insert("key".into(), self.key.clone().into());
        m.insert("value".into(), self.value.clone().map(Value::from).unwrap_or(Value::Null));
        Value::Object(m)
    }
}

/// Option files as read: every option in order, the files, and what could
/// not be read.
#[derive(Debug, Default)]
pub struct Config {
    pub files: Vec<String>,
    pub options: Vec<OptionLine>,
    pub unreadable: Vec<ReadError>,
}

impl Config {
    /// Whether any option file exists (read or not).
    pub fn exists(&self) -> bool {
        !self.files.is_empty() || !self.unreadable.is_empty()
    }

    /// The effective value of a server option: its last setting in a group
    /// the server reads.
    pub fn server_value(&self, key: &str) -> Option<&OptionLine> {
        self.options.iter().rev().find(|o| o.server() && o.key == key)
    }

    /// Whether any option is in a group the server reads.
    pub fn has_server_options(&self) -> bool {
        self.options.iter().any(OptionLine::server)
    }

    /// The `mycnf` facts: `{exists, files, entries, values, unreadable}`.
    pub fn facts(&self) -> Value {
        let mut values = Map::new();
        for o in self.options.iter().filter(|o| o.server()) {
            values.insert(o.key.clone(), o.fact());
        }
        let unreadable: Vec<Value> =
            self.unreadable.iter().map(|e| json!({"path": e.path(), "reason": e.reason()})).collect();
        crate::sources::object([
            ("exists", self.exists().into()),
            ("files", json!(self.files)),
            ("entries", Value::Array(self.options.iter().map(OptionLine::fact).collect())),
            ("values", Value::Object(values)),
            ("unreadable", Value::Array(unreadable)),
        ])
    }
}

/// Read one option file with its includes.
fn read_file(inc: &mut Includes, path: &str, depth: usize, out: &mut Vec<OptionLine>) -> Result<(), Skip> {
    inc.read(path, depth, |inc, file| {
        let mut group = String::new();
        for (i, raw) in file.text.lines().enumerate() {
            match parse_line(raw) {
                Line::Nothing => {}
                Line::Group(g) => group = g,
                Line::Include(arg) => {
                    let p = resolve(path, arg);
                    match read_file(inc, &p, depth + 1, out) {
                        // A cycle is skipped and nesting stops at the bound, as the server does.
                        Err(Skip::Loop | Skip::TooDeep) | Ok(()) => {}
                        Err(skip) => inc.record_skip(&p, skip),
                    }
                }
                Line::IncludeDir(arg) => {
                    if depth < limits::MYSQL_INCLUDES.depth {
                        include_dir(inc, &resolve(path, arg), depth + 1, out);
                    }
                }
                Line::Option(key, value) => out.push(OptionLine {
                    path: path.to_string(),
                    line: i + 1,
                    raw: raw.trim().to_string(),
                    group: group.clone(),
                    key,
                    value,
                }),
            }
        }
    })
}

/// `!includedir`: every regular file of the directory ending in `.cnf`.
fn include_dir(inc: &mut Includes, dir: &str, depth: usize, out: &mut Vec<OptionLine>) {
    let list = match inc.dir(dir) {
        Ok(list) => list,
        Err(e) => return inc.record(e),
    };
    for e in list {
        if !e.name.ends_with(".cnf") {
            continue;
        }
        // Only regular files (after links); a subdirectory named x.cnf is not an option file.
        if inc.reader.target.stat(&e.path).is_ok_and(|m| m.file_type != FileType::File) {
            continue;
        }
        match read_file(inc, &e.path, depth, out) {
            Err(Skip::Loop | Skip::TooDeep) | Ok(()) => {}
            Err(skip) => inc.record_listed(&e.path, skip),
        }
    }
}

/// The server's option files, in the order it reads them.
pub fn read(r: &Reader) -> Config {
    let mut inc = Includes::new(r, limits::MYSQL_INCLUDES);
    let mut options = Vec::new();
    for main in DEFAULT_FILES {
        match read_file(&mut inc, main, 0, &mut options) {
            Err(Skip::Read(e)) if e.is_not_found() && *main == "/etc/mysql/my.cnf" => {
                if let Err(skip) = read_file(&mut inc, DEBIAN_MARIADB, 0, &mut options) {
                    inc.record_skip(DEBIAN_MARIADB, skip);
                }
            }
            Err(skip) => inc.record_skip(main, skip),
            Ok(()) => {}
        }
    }
    let (files, unreadable) = inc.finish();
    Config { files, options, unreadable }
}

/// Option files read one by one (with their `!include`s), as a client
/// reads `--defaults-extra-file` or `~/.my.cnf`. A missing file is skipped.
pub fn read_files(r: &Reader, paths: &[String]) -> Config {
    let mut inc = Includes::new(r, limits::MYSQL_INCLUDES);
    let mut options = Vec::new();
    for p in paths {
        if let Err(skip) = read_file(&mut inc, p, 0, &mut options) {
            inc.record_skip(p, skip);
        }
    }
    let (files, unreadable) = inc.finish();
    Config { files, options, unreadable }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collectors::test_support::scan_with;

    fn collect(r: &Reader) -> Result<Value, ()> {
        Ok(read(r).facts())
    }

    #[test]
    fn lines() {
        assert_eq!(parse_line("[mysqld]"), Line::Group("mysqld".into()));
        assert_eq!(parse_line(" [MariaDB] # c"), Line::Group("mariadb".into()));
        assert_eq!(
            parse_line("bind-address = 0.0.0.0 # all"),
            Line::Option("bind_address".into(), Some("0.0.0.0".into()))
        );
        assert_eq!(
            parse_line("Bind_Address=\"127.0.0.1\""),
            Line::Option("bind_address".into(), Some("127.0.0.1".into()))
        );
        assert_eq!(parse_line("password = 'a#b'"), Line::Option("password".into(), Some("a#b".into())));
        assert_eq!(parse_line("skip-networking"), Line::Option("skip_networking".into(), None));
        assert_eq!(parse_line("loose-bind-address=::"), Line::Option("bind_address".into(), Some("::".into())));
        assert_eq!(parse_line("; comment"), Line::Nothing);
        assert_eq!(parse_line("# bind-address = 0.0.0.0"), Line::Nothing);
        assert_eq!(parse_line("!includedir /etc/mysql/conf.d/"), Line::IncludeDir("/etc/mysql/conf.d/"));
        assert_eq!(parse_line("?includedir /etc/my.cnf.d"), Line::IncludeDir("/etc/my.cnf.d"));
        assert_eq!(parse_line("!include /etc/mysql/x.cnf"), Line::Include("/etc/mysql/x.cnf"));
        assert_eq!(parse_line("?include /etc/mysql/x.cnf"), Line::Nothing);
    }

    #[test]
    fn groups() {
        for g in ["mysqld", "server", "mariadb", "mariadbd", "client-server", "galera", "mysqld-8.0", "mariadb-10.11"] {
            assert!(server_group(g), "{g}");
        }
        for g in ["client", "mysql", "mysqld_safe", "mysqldump", "mysqld-8", "mariadb-client", ""] {
            assert!(!server_group(g), "{g}");
        }
    }

    #[test]
    fn includedir_later_file_wins_and_only_cnf_is_read() {
        let (_d, scan) = scan_with(&[
            ("/etc/mysql/my.cnf", "[client-server]\n!includedir /etc/mysql/conf.d/\n"),
            ("/etc/mysql/conf.d/50-server.cnf", "[mysqld]\nbind-address = 127.0.0.1\nport=3306\n"),
            ("/etc/mysql/conf.d/99-open.cnf", "[mariadb]\nbind_address=0.0.0.0\n"),
            ("/etc/mysql/conf.d/zz.ini", "[mysqld]\nbind-address=10.0.0.1\n"),
            ("/etc/mysql/conf.d/client.cnf", "[client]\nport=3307\n"),
        ]);
        let v = collect(&scan).unwrap();
        assert_eq!(v["exists"], true);
        assert_eq!(v["values"]["bind_address"]["value"], "0.0.0.0");
        assert_eq!(v["values"]["bind_address"]["path"], "/etc/mysql/conf.d/99-open.cnf");
        assert_eq!(v["values"]["bind_address"]["line"], 2);
        assert_eq!(v["values"]["port"]["value"], "3306", "the [client] port is not the server's");
        assert_eq!(v["files"].as_array().unwrap().len(), 4);
    }

    #[test]
    fn include_cycle_is_skipped() {
        let (_d, scan) = scan_with(&[
            ("/etc/my.cnf", "[mysqld]\nport=1\n!include /etc/a.cnf\n"),
            ("/etc/a.cnf", "!include /etc/my.cnf\n[mysqld]\nport=2\n!include /etc/a.cnf\n"),
        ]);
        let v = collect(&scan).unwrap();
        assert_eq!(v["values"]["port"]["value"], "2");
        assert_eq!(v["files"], json!(["/etc/my.cnf", "/etc/a.cnf"]));
        assert_eq!(v["unreadable"], json!([]));
    }

    #[test]
    fn mariadb_cnf_stands_in_for_a_missing_debian_link_and_nothing_is_not_an_error() {
        let (_d, scan) = scan_with(&[("/etc/mysql/mariadb.cnf", "[mysqld]\nskip-networking\n")]);
        let v = collect(&scan).unwrap();
        assert_eq!(v["values"]["skip_networking"]["value"], Value::Null);
        assert_eq!(v["values"]["skip_networking"]["path"], "/etc/mysql/mariadb.cnf");
        let (_d, scan) = scan_with(&[("/etc/other", "")]);
        let v = collect(&scan).unwrap();
        assert_eq!(v["exists"], false);
    }

    #[test]
    fn too_many_files_is_reported() {
        let mut files: Vec<(String, String)> = vec![("/etc/my.cnf".into(), "!includedir /etc/my.cnf.d\n".into())];
        for i in 0..limits::MYSQL_INCLUDES.files + 10 {
            files.push((format!("/etc/my.cnf.d/{i:03}.cnf"), "[mysqld]\nport=1\n".into()));
        }
        let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let (_d, scan) = scan_with(&refs);
        let v = collect(&scan).unwrap();
        assert_eq!(v["files"].as_array().unwrap().len(), limits::MYSQL_INCLUDES.files);
        assert!(!v["unreadable"].as_array().unwrap().is_empty());
    }
}
