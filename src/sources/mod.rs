//! Fact sources: what a check's predicate reads.
//!
//! A source is either a built-in collector (`sshd`, `passwd`, …: a parser
//! that follows the real program's rules) or a generic file source declared
//! in the check itself (`files:` with a `format`). Every source is loaded at
//! most once per scan and shared by all checks (see [`SourceCache`]). Every
//! item that comes from a file carries `path` and `line`.

mod formats;
pub mod include;
mod meta;
mod reader;
pub(crate) mod structured;
pub mod text;
pub mod tree_walk;
pub mod x509;

pub use reader::{Names, Reader};

pub use meta::{meta_item, walk};
pub(crate) use structured::yaml as structured_yaml;

use crate::collectors;
use crate::target::{self, ReadError, Target, TextFile};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

/// Built-in collectors, by the variable name a predicate uses.
pub const BUILTIN: &[&str] = &[
    "sshd",
    "passwd",
    "shadow",
    "group",
    "gshadow",
    "sudoers",
    "apt_config",
    "apt_sources",
    "systemd",
    "packages",
    "sysctl",
    "listeners",
    "mycnf",
    "declared_listeners",
    "pam",
    "nginx",
    "apache",
    "certificates",
    "tls_ports",
    "credentials",
    "postgresql",
    "redis",
    "sql_scripts",
    "policy_documents",
];

pub fn is_builtin(name: &str) -> bool {
    BUILTIN.contains(&name)
}

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
    /// keeps memory flat on large trees.
    #[serde(default)]
    pub only: Vec<String>,
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

/// Facts from one source.
#[derive(Debug)]
pub struct Loaded {
    pub cel: cel::Value,
    /// Files that could not be read while the source was still usable (one
    /// unreadable drop-in among several): a check that would pass is
    /// skipped instead, naming them.
    pub unreadable: Vec<ReadError>,
}

pub type SourceResult = Result<Arc<Loaded>, Unavailable>;
/// A collector's facts as JSON, shared.
pub type JsonResult = Result<Arc<Value>, Unavailable>;

/// Everything the collectors need: the target (through a [`Reader`]), and
/// the shared caches.
pub struct Scan {
    reader: Reader,
    cache: Mutex<HashMap<String, Arc<OnceLock<SourceResult>>>>,
    json_cache: Mutex<HashMap<String, Arc<OnceLock<JsonResult>>>>,
    /// Typed values computed once per scan (program configurations).
    memo: Mutex<HashMap<&'static str, Arc<dyn std::any::Any + Send + Sync>>>,
    /// Whether live network probes (TLS handshakes with local ports) may run.
    probing: std::sync::atomic::AtomicBool,
    /// Database connection URLs given with `scan --db` (live introspection).
    db_connections: Mutex<Vec<String>>,
}

impl std::ops::Deref for Scan {
    type Target = Reader;
    fn deref(&self) -> &Reader {
        &self.reader
    }
}

impl Scan {
    pub fn new(target: Arc<dyn Target>) -> Self {
        Scan {
            reader: Reader::new(target),
            cache: Mutex::new(HashMap::new()),
            json_cache: Mutex::new(HashMap::new()),
            memo: Mutex::new(HashMap::new()),
            probing: std::sync::atomic::AtomicBool::new(true),
            db_connections: Mutex::new(Vec::new()),
        }
    }

    /// Database URLs to introspect (`scan --db`, repeatable).
    pub fn set_db_connections(&self, urls: Vec<String>) {
        *self.db_connections.lock().unwrap_or_else(|p| p.into_inner()) = urls;
    }

    /// The `--db` URLs given for this scan.
    pub fn db_connections(&self) -> Vec<String> {
        self.db_connections.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Allow or forbid live network probes (`scan --no-probe`).
    pub fn set_probing(&self, on: bool) {
        self.probing.store(on, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether live network probes may run.
    pub fn probing(&self) -> bool {
        self.probing.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// A typed value computed once per scan under `key` (the same key must
    /// always hold the same type).
    pub fn memo<T: Send + Sync + 'static>(
        &self,
        key: &'static str,
        load: impl FnOnce(&Reader) -> Result<T, Unavailable>,
    ) -> Result<Arc<T>, Unavailable> {
        type Slot<T> = OnceLock<Result<Arc<T>, Unavailable>>;
        let slot: Arc<dyn std::any::Any + Send + Sync> = {
            let mut memo = self.memo.lock().unwrap_or_else(|p| p.into_inner());
            memo.entry(key).or_insert_with(|| Arc::new(Slot::<T>::new())).clone()
        };
        match slot.downcast::<Slot<T>>() {
            Ok(slot) => slot.get_or_init(|| load(&self.reader).map(Arc::new)).clone(),
            Err(_) => Err(Unavailable::Failed(format!("internal: memo `{key}` holds another type"))),
        }
    }

    /// A built-in collector's facts, loaded once per scan.
    pub fn builtin(&self, name: &str) -> SourceResult {
        self.cached(format!("builtin:{name}"), || {
            let value = self.builtin_json(name)?;
            Ok(Arc::new(Loaded { cel: crate::expr::to_cel(&value), unreadable: unreadable_of(&value) }))
        })
    }

    /// A built-in collector's facts as JSON (for Rust probes and other collectors).
    pub fn builtin_json(&self, name: &str) -> JsonResult {
        let slot = {
            let mut cache = self.json_cache.lock().unwrap_or_else(|p| p.into_inner());
            cache.entry(name.to_string()).or_default().clone()
        };
        slot.get_or_init(|| collectors::collect(self, name).map(Arc::new)).clone()
    }

    /// Facts computed once per scan under `key` and shared by the probes
    /// that judge them (one walk for several checks).
    pub fn shared_json(&self, key: &str, load: impl FnOnce() -> JsonResult) -> JsonResult {
        let slot = {
            let mut cache = self.json_cache.lock().unwrap_or_else(|p| p.into_inner());
            cache.entry(format!("shared:{key}")).or_default().clone()
        };
        slot.get_or_init(load).clone()
    }

    /// A generic file source's facts, loaded once per scan.
    pub fn file_source(&self, spec: &FileSource) -> SourceResult {
        let key = serde_json::to_string(spec).unwrap_or_default();
        self.cached(key, || load_file_source(self, spec))
    }

    fn cached(&self, key: String, load: impl FnOnce() -> SourceResult) -> SourceResult {
        let slot = {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            cache.entry(key).or_default().clone()
        };
        slot.get_or_init(load).clone()
    }
}

/// Files a collector noted as unreadable inside its facts (`unreadable: [..]`).
fn unreadable_of(value: &Value) -> Vec<ReadError> {
    value
        .get("unreadable")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|u| {
                    Some(ReadError::Io {
                        path: u.get("path")?.as_str()?.to_string(),
                        message: u.get("reason")?.as_str()?.to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
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
pub(crate) fn systemd_files(scan: &Scan, etc_path: &str) -> Vec<String> {
    let rel = etc_path.trim_start_matches("/etc/");
    let mut out = Vec::new();
    if let Some(main) = SYSTEMD_DIRS.iter().map(|d| format!("{d}/{rel}")).find(|p| scan.target.lstat(p).is_ok()) {
        out.push(main);
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
            Err(e) => scan.note_unreadable(&e),
        }
    }
    for path in dropins.into_values() {
        if scan.target.read_link(&path).is_ok_and(|l| l == "/dev/null") {
            continue;
        }
        out.push(path);
    }
    out
}

/// Read every file a generic source names, in order.
pub(crate) struct SourceFiles {
    pub files: Vec<TextFile>,
    pub unreadable: Vec<ReadError>,
}

pub(crate) fn read_files(scan: &Scan, patterns: &[String]) -> SourceFiles {
    let mut out = SourceFiles { files: Vec::new(), unreadable: Vec::new() };
    for p in patterns {
        let is_glob = p.contains(['*', '?', '[']);
        let paths = if is_glob { scan.glob(p) } else { vec![p.clone()] };
        for path in paths {
            match scan.target.read_text(&path) {
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

fn load_file_source(scan: &Scan, spec: &FileSource) -> SourceResult {
    let patterns = spec.path.as_slice();
    let value = match spec.format {
        Format::Stat => {
            let mut entries = Vec::new();
            let mut glob_errors = Vec::new();
            for p in patterns {
                if p.contains(['*', '?', '[']) {
                    let (paths, errors) = target::glob(scan.target.as_ref(), p);
                    for e in errors {
                        scan.note_unreadable(&e);
                        glob_errors.push(json!({"path": e.path(), "reason": e.reason()}));
                    }
                    for path in paths {
                        entries.push(Value::Object(meta_item(scan, &path)));
                    }
                } else {
                    entries.push(Value::Object(meta_item(scan, p)));
                }
            }
            let exists = entries.iter().any(|e| e["exists"] == Value::Bool(true));
            // A path that exists but cannot be examined must not read as "absent".
            let mut unreadable: Vec<Value> = entries
                .iter()
                .filter_map(|e| Some(json!({"path": e.get("path")?, "reason": e.get("error")?})))
                .collect();
            unreadable.extend(glob_errors);
            json!({"exists": exists, "files": patterns, "entries": entries, "values": {}, "unreadable": unreadable})
        }
        Format::Walk => {
            let mut entries = Vec::new();
            let mut unreadable = Vec::new();
            for p in patterns {
                let keep = |m: &Map<String, Value>| {
                    spec.only.is_empty() || spec.only.iter().any(|f| m.get(f) == Some(&Value::Bool(true)))
                };
                let mut visit = |m: Map<String, Value>| {
                    if keep(&m) {
                        entries.push(Value::Object(m))
                    }
                };
                walk(scan, p, spec.max_depth.unwrap_or(12), &spec.exclude, &mut visit, &mut unreadable);
            }
            let unreadable: Vec<Value> =
                unreadable.iter().map(|e: &ReadError| json!({"path": e.path(), "reason": e.reason()})).collect();
            json!({"exists": !entries.is_empty(), "files": patterns, "entries": entries, "values": {}, "unreadable": unreadable})
        }
        _ => {
            let resolved;
            let patterns = if spec.format == Format::Systemd {
                resolved = systemd_files(scan, &patterns[0]);
                &resolved[..]
            } else {
                patterns
            };
            let read = read_files(scan, patterns);
            if read.files.is_empty() {
                if let Some(e) = read.unreadable.first() {
                    return Err(Unavailable::Unreadable(e.clone()));
                }
                if spec.required() {
                    return Err(Unavailable::NotFound(format!("{} not found", patterns.join(", "))));
                }
            }
            let mut v = formats::parse(spec, &read.files)?;
            v["unreadable"] = read
                .unreadable
                .iter()
                .map(|e| json!({"path": e.path(), "reason": e.reason()}))
                .collect::<Vec<_>>()
                .into();
            v
        }
    };
    Ok(Arc::new(Loaded { cel: crate::expr::to_cel(&value), unreadable: unreadable_of(&value) }))
}
