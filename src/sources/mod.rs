//! Fact sources: what a check's predicate reads.
//!
//! This floor reads the target ([`Reader`], the one include-following
//! reader [`include`]) and knows generic formats: lines, key/value, INI,
//! systemd drop-ins, YAML/JSON/TOML with a line for every leaf, file
//! metadata and walks, PEM/X.509. A generic file source is declared in a
//! check itself (`files:` with a [`Format`]); [`load`] reads one into a
//! [`Fact`]. Every item that comes from a file carries `path` and `line`.

mod formats;
pub mod include;
mod meta;
mod reader;
pub(crate) mod structured;
pub mod text;
pub mod tree_walk;
pub mod x509;
pub mod yaml_tree;

pub use reader::{Names, Reader};

pub use meta::{meta_entry, meta_item, walk};
pub(crate) use structured::yaml as structured_yaml;

use crate::target::{ReadError, TextFile};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Generic file formats a user's check can read without Rust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Every non-blank, non-comment line: `{path, line, text}`.
    Lines,
    /// `key value` or `key=value` lines: `{path, line, key, value, int}`.
    Kv,
    /// `[section]` and `key = value`: `{path, line, section, key, value, int}`.
    Ini,
    /// A systemd configuration file with its drop-ins, resolved as systemd
    /// does (systemd.unit(5), e.g. journald.conf(5)); entries as `ini`.
    Systemd,
    Yaml,
    Json,
    Toml,
    /// File metadata of the given paths: `{path, exists, type, mode, uid, owner, …}`.
    Stat,
    /// File metadata of everything below the given directories.
    Walk,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Wins {
    First,
    #[default]
    Last,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn as_slice(&self) -> &[String] {
        match self {
            OneOrMany::One(s) => std::slice::from_ref(s),
            OneOrMany::Many(v) => v,
        }
    }
}

/// A generic file source declared in a check definition.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSource {
    pub format: Format,
    /// Absolute in-target path(s); globs (`*`, `?`, `[..]`) allowed. Files are
    /// read in the order given, glob matches sorted by name.
    pub path: OneOrMany,
    /// `kv`: the separator (`=`, `:`, or `whitespace`); default: the first
    /// `=` or run of whitespace.
    pub separator: Option<String>,
    /// Comment prefix for `lines`, `kv` and `ini` (default `#`; `ini` also `;`).
    pub comment: Option<String>,
    /// `kv`/`ini`: which of several assignments of a key is effective.
    #[serde(default)]
    pub wins: Wins,
    /// `kv`/`ini`: values of keys that are not set (the program's built-in defaults).
    #[serde(default)]
    pub defaults: BTreeMap<String, String>,
    /// `kv`/`ini`: compare keys case-insensitively (keys are lower-cased).
    #[serde(default)]
    pub ignore_case: bool,
    /// Skip the check when no file exists (default true for content formats).
    pub required: Option<bool>,
    /// `walk`: how deep to descend (default 12).
    pub max_depth: Option<usize>,
    /// `walk`: in-target paths not to descend into.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// `walk`: keep only entries for which one of these boolean fields is
    /// true (`suid`, `sgid`, `world_writable`, `unowned`, …). Filtering here
    /// keeps memory flat on large trees. The permission flags
    /// (`world_writable`, `world_readable`, `group_*`) never keep a symlink.
    #[serde(default)]
    pub only: Vec<String>,
    /// `lines`: keep only the lines that contain one of these strings
    /// (ASCII case-insensitive). A check that looks for a few words keeps
    /// its facts, and its memory, in proportion to the matching lines, not
    /// to every line of every file it reads.
    #[serde(default)]
    pub grep: Vec<String>,
}

impl FileSource {
    pub fn validate(&self) -> Result<(), String> {
        if self.path.as_slice().is_empty() {
            return Err("`path` is empty".into());
        }
        for p in self.path.as_slice() {
            if !p.starts_with('/') {
                return Err(format!("path `{p}` is not absolute"));
            }
        }
        if let Some(sep) = &self.separator {
            if self.format != Format::Kv {
                return Err("`separator` only applies to format kv".into());
            }
            if !matches!(sep.as_str(), "=" | ":" | "whitespace") {
                return Err(format!("separator `{sep}` is not one of `=`, `:`, `whitespace`"));
            }
        }
        if !self.defaults.is_empty() && !matches!(self.format, Format::Kv | Format::Ini | Format::Systemd) {
            return Err("`defaults` only applies to formats kv, ini and systemd".into());
        }
        if self.format == Format::Systemd {
            let p = self.path.as_slice();
            if p.len() != 1 || !p[0].starts_with("/etc/") || p[0].contains(['*', '?', '[']) {
                return Err("format systemd takes one path under /etc (e.g. /etc/systemd/journald.conf)".into());
            }
        }
        if !self.grep.is_empty() && self.format != Format::Lines {
            return Err("`grep` only applies to format lines".into());
        }
        if self.grep.iter().any(String::is_empty) {
            return Err("`grep` holds an empty string (it would keep every line)".into());
        }
        if !self.only.is_empty() && self.format != Format::Walk {
            return Err("`only` only applies to format walk".into());
        }
        for f in &self.only {
            if !meta::FLAGS.contains(&f.as_str()) {
                return Err(format!("`only: {f}` is not one of {}", meta::FLAGS.join(", ")));
            }
        }
        Ok(())
    }

    fn required(&self) -> bool {
        self.required.unwrap_or(!matches!(self.format, Format::Stat | Format::Walk))
    }
}

/// Why a source has no facts: the check is skipped or errors with this reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    /// Nothing to check (the program is not installed): `skip`.
    #[error("{0}")]
    NotFound(String),
    /// A file exists but could not be read: `skip` with the reason.
    #[error("{0}")]
    Unreadable(ReadError),
    /// A file was read but is malformed: `error` with file and line.
    #[error("{path}:{line}: {message}")]
    Malformed { path: String, line: usize, message: String },
    /// Something the check needs failed (a `--db` connection refused, an
    /// authentication failure, a timeout): `error` with the reason.
    #[error("{0}")]
    Failed(String),
}

/// The facts of one source: the JSON value a predicate reads, and what
/// could not be read while the source was still usable (one unreadable
/// drop-in among several): a check that would pass is skipped instead,
/// naming them.
#[derive(Debug, Clone)]
pub struct Fact {
    pub value: Value,
    pub unreadable: Vec<ReadError>,
}

impl Fact {
    /// A fact; an object value also lists `unreadable` (`{path, reason}`)
    /// for predicates that want to say which files were missing.
    pub fn new(mut value: Value, unreadable: Vec<ReadError>) -> Fact {
        if let Value::Object(m) = &mut value {
            m.insert("unreadable".into(), unreadable_json(&unreadable));
        }
        Fact { value, unreadable }
    }
}

/// `[{path, reason}]` of what could not be read.
pub fn unreadable_json(list: &[ReadError]) -> Value {
    list.iter().map(|e| json!({"path": e.path(), "reason": e.reason()})).collect::<Vec<_>>().into()
}

/// A JSON object of these fields, moved in: `json!` copies a value it is
/// given (it serializes it), which for a fact of 100,000 entries held it
/// twice while it was built.
pub fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// An item: a map with `path`, `line` and `detail`, the fields every item has.
pub fn item(path: Option<&str>, line: Option<usize>, detail: impl Into<String>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("path".into(), path.map(Value::from).unwrap_or(Value::Null));
    m.insert("line".into(), line.map(Value::from).unwrap_or(Value::Null));
    m.insert("detail".into(), Value::String(detail.into()));
    m
}

/// Parse a decimal (or 0-prefixed octal, or 0x hex) integer as a program would.
pub fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return i64::from_str_radix(h, 16).ok();
    }
    if s.len() > 1 && s.starts_with('0') && s.chars().all(|c| c.is_ascii_digit()) {
        return i64::from_str_radix(&s[1..], 8).ok();
    }
    s.parse().ok()
}

/// Directories systemd reads configuration from, highest priority first.
const SYSTEMD_DIRS: &[&str] = &["/etc", "/run", "/usr/local/lib", "/usr/lib"];

/// The files systemd reads for a configuration file such as
/// `/etc/systemd/journald.conf`, in the order it applies them: the first of
/// `/etc`, `/run`, `/usr/local/lib`, `/usr/lib` that has the main file, then
/// every `*.conf` in the `.d` directories, ordered by file name, where a file
/// in a higher-priority directory replaces one of the same name (a link to
/// /dev/null removes it).
pub(crate) fn systemd_files(scan: &Reader, etc_path: &str) -> (Vec<String>, Vec<ReadError>) {
    let rel = etc_path.trim_start_matches("/etc/");
    let mut out = Vec::new();
    // A directory that cannot be examined may hold the file that decides:
    // it is recorded, so that a check built on it is skipped, not passed.
    let mut unreadable = Vec::new();
    for p in SYSTEMD_DIRS.iter().map(|d| format!("{d}/{rel}")) {
        match scan.target.lstat(&p) {
            Ok(_) => {
                out.push(p);
                break;
            }
            Err(e) if e.is_not_found() || matches!(e, ReadError::NotDir { .. }) => {}
            Err(e) => {
                scan.note_unreadable(&e);
                unreadable.push(e);
                break;
            }
        }
    }
    let mut dropins: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    for dir in SYSTEMD_DIRS {
        let d = format!("{dir}/{rel}.d");
        match scan.target.read_dir(&d) {
            Ok(entries) => {
                for e in entries.into_iter().filter(|e| e.name.ends_with(".conf")) {
                    dropins.entry(e.name).or_insert(e.path);
                }
            }
            Err(e) if e.is_not_found() || matches!(e, ReadError::NotDir { .. }) => {}
            Err(e) => {
                scan.note_unreadable(&e);
                unreadable.push(e);
            }
        }
    }
    for path in dropins.into_values() {
        if scan.target.read_link(&path).is_ok_and(|l| l == "/dev/null") {
            continue;
        }
        out.push(path);
    }
    (out, unreadable)
}

/// Read every file a generic source names, in order.
pub(crate) struct SourceFiles {
    pub files: Vec<TextFile>,
    pub unreadable: Vec<ReadError>,
}

pub(crate) fn read_files(scan: &Reader, patterns: &[String]) -> SourceFiles {
    let mut out = SourceFiles { files: Vec::new(), unreadable: Vec::new() };
    for p in patterns {
        let is_glob = p.contains(['*', '?', '[']);
        let paths = if is_glob { scan.glob(p) } else { vec![p.clone()] };
        for path in paths {
            match scan.target.read_text(&path).and_then(reader::within_lines) {
                Ok(f) => out.files.push(f),
                Err(e) if e.is_not_found() => {}
                // A link to /dev/null (a masked unit, a disabled drop-in) is an empty file.
                Err(ReadError::NotRegular { .. }) if scan.target.read_link(&path).is_ok_and(|l| l == "/dev/null") => {}
                // A glob such as /etc/default/* also matches directories (grub.d): not files to read.
                Err(ReadError::NotRegular { kind: "dir", .. }) if is_glob => {}
                Err(e) => {
                    scan.note_unreadable(&e);
                    out.unreadable.push(e)
                }
            }
        }
    }
    out
}

/// Read a generic file source.
pub fn load(r: &Reader, spec: &FileSource) -> Result<Fact, Unavailable> {
    let patterns = spec.path.as_slice();
    match spec.format {
        Format::Stat => {
            let mut entries = Vec::new();
            // A path that exists but cannot be examined must not read as
            // "absent"; nor may a directory a glob could not list.
            let (mut unreadable, mut glob_errors) = (Vec::new(), Vec::new());
            for p in patterns {
                let paths = if p.contains(['*', '?', '[']) {
                    let (paths, errors) = r.glob_with_errors(p);
                    glob_errors.extend(errors);
                    paths
                } else {
                    vec![p.clone()]
                };
                for path in paths {
                    let (m, error) = meta_entry(r, &path);
                    entries.push(Value::Object(m));
                    unreadable.extend(error);
                }
            }
            unreadable.extend(glob_errors);
            let exists = entries.iter().any(|e| e["exists"] == Value::Bool(true));
            let value = object([
                ("exists", exists.into()),
                ("files", json!(patterns)),
                ("entries", Value::Array(entries)),
                ("values", json!({})),
            ]);
            Ok(Fact::new(value, unreadable))
        }
        Format::Walk => {
            let mut entries = Vec::new();
            let mut unreadable = Vec::new();
            for p in patterns {
                // Streamed: only matching entries are kept, at most
                // META_WALK_KEPT of them; the rest are counted.
                let mut dropped = 0usize;
                let mut visit = |m: Map<String, Value>| {
                    if entries.len() < crate::limits::META_WALK_KEPT {
                        entries.push(Value::Object(m))
                    } else {
                        dropped += 1;
                    }
                };
                let depth = spec.max_depth.unwrap_or(crate::limits::META_WALK_DEPTH);
                walk(r, p, depth, &spec.exclude, &spec.only, &mut visit, &mut unreadable);
                if dropped > 0 {
                    let e = ReadError::Limit {
                        path: p.clone(),
                        message: format!(
                            "walk limit: only the first {} matching entries were judged ({dropped} more not judged)",
                            crate::limits::META_WALK_KEPT
                        ),
                    };
                    r.note_unreadable(&e);
                    unreadable.push(e);
                }
            }
            let value = object([
                ("exists", (!entries.is_empty()).into()),
                ("files", json!(patterns)),
                ("entries", Value::Array(entries)),
                ("values", json!({})),
            ]);
            Ok(Fact::new(value, unreadable))
        }
        _ => {
            let (resolved, unlisted);
            let patterns = if spec.format == Format::Systemd {
                (resolved, unlisted) = systemd_files(r, &patterns[0]);
                &resolved[..]
            } else {
                unlisted = Vec::new();
                patterns
            };
            let mut read = read_files(r, patterns);
            read.unreadable.extend(unlisted);
            if read.files.is_empty() {
                if let Some(e) = read.unreadable.first() {
                    return Err(Unavailable::Unreadable(e.clone()));
                }
                if spec.required() {
                    return Err(Unavailable::NotFound(format!("{} not found", patterns.join(", "))));
                }
            }
            Ok(Fact::new(formats::parse(spec, &read.files)?, read.unreadable))
        }
    }
}
