//! Environment files and docker-compose `environment:` blocks of the
//! applications under the app paths: `/etc/environment`, `/etc/default/*`,
//! `/etc/sysconfig/*`, and, found by a bounded walk
//! ([`crate::limits::CREDENTIALS_WALK`]), env files (`.env`, `.env.*`,
//! `*.env`; not `*.example`/`*.sample`/…) and compose files
//! (`docker-compose.yml`, `compose.yaml`, overrides; `environment:` as a
//! map or a list, `env_file:` followed). Every variable keeps its line.

use crate::limits;
use crate::sources::include::relative_to;
use crate::sources::tree_walk::{self, Bounds};
use crate::sources::Reader;
use crate::target::{FileType, ReadError};
use regex::Regex;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Directories the walk never enters besides
/// [`tree_walk::DEPENDENCY_DIRS`]: user data and system trees.
const SKIP_DIRS: &[&str] = &[".local", "snap", "proc", "sys", "dev"];

/// How a variable was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Env,
    ComposeMap,
    ComposeList,
}

/// One variable: `value` None for a pass-through (`- KEY`, `KEY:`).
#[derive(Debug, Clone, PartialEq)]
pub struct Var {
    pub key: String,
    pub value: Option<String>,
    /// Single-quoted: taken literally, never a reference.
    pub literal: bool,
    pub line: usize,
}

/// The variables of one env file or one compose service.
#[derive(Debug, Clone, PartialEq)]
pub struct VarSet {
    pub path: String,
    pub form: Form,
    /// The compose service.
    pub service: Option<String>,
    pub vars: Vec<Var>,
}

/// Every env file and compose service found, in the order read.
#[derive(Debug, Default)]
pub struct AppEnv {
    pub sets: Vec<VarSet>,
    /// Files read (env and compose).
    pub files: Vec<String>,
    pub unreadable: Vec<ReadError>,
    /// A walk bound was reached.
    pub truncated: bool,
}

/// `${VAR}`, `$VAR`, `$(cmd)`: a value the shell or compose fills in.
pub fn is_reference(v: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\$(?:\{|\(|[A-Za-z_])").expect("static regex")).is_match(v)
}

/// Parse env-file lines (dotenv, compose `.env`, `/etc/default`, pam_env).
fn env_vars(text: &str) -> Vec<Var> {
    let mut out = Vec::new();
    static KEY: OnceLock<Regex> = OnceLock::new();
    let key_re = KEY.get_or_init(|| Regex::new(r"^[A-Za-z_][A-Za-z0-9_.\-]*$").expect("static regex"));
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let t = t.strip_prefix("export ").map(str::trim_start).unwrap_or(t);
        let Some((k, v)) = t.split_once('=') else { continue };
        let k = k.trim();
        if !key_re.is_match(k) {
            continue;
        }
        let (value, literal) = env_value(v);
        out.push(Var { key: k.to_string(), value: Some(value), literal, line: i + 1 });
    }
    out
}

/// An env value: quoted (`"…"` with escapes, `'…'` literal) or bare (cut at ` #`).
fn env_value(v: &str) -> (String, bool) {
    let v = v.trim_start();
    if let Some(rest) = v.strip_prefix('\'') {
        return (rest.split('\'').next().unwrap_or("").to_string(), true);
    }
    if let Some(rest) = v.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some(o) => out.push(o),
                    None => {}
                },
                '"' => break,
                c => out.push(c),
            }
        }
        return (out, false);
    }
    let cut = v.find(" #").or_else(|| v.find("\t#")).unwrap_or(v.len());
    (v[..cut].trim_end().to_string(), false)
}

fn is_env_file(name: &str) -> bool {
    const SAMPLE: &[&str] = &["example", "sample", "dist", "template", "tmpl", "tpl", "defaults", "orig", "bak"];
    let sample = name.rsplit('.').next().is_some_and(|ext| SAMPLE.contains(&ext.to_ascii_lowercase().as_str()));
    !sample && (name == ".env" || name.starts_with(".env.") || (name.ends_with(".env") && name.len() > 4))
}

fn is_compose_file(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".yml").or_else(|| name.strip_suffix(".yaml")) else { return false };
    stem == "docker-compose" || stem == "compose" || stem.starts_with("docker-compose.") || stem.starts_with("compose.")
}

struct Walker<'r> {
    r: &'r Reader,
    read: HashSet<String>,
    out: AppEnv,
}

impl Walker<'_> {
    fn env_file(&mut self, path: &str) {
        if !self.read.insert(path.to_string()) {
            return;
        }
        match self.r.read_text(path) {
            Ok(f) => {
                self.out.files.push(path.to_string());
                let vars = env_vars(&f.text);
                self.out.sets.push(VarSet { path: path.to_string(), form: Form::Env, service: None, vars });
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => self.out.unreadable.push(e),
        }
    }

    fn compose_file(&mut self, path: &str) {
        if !self.read.insert(path.to_string()) {
            return;
        }
        let Ok(file) = self.r.read_text(path) else { return };
        self.out.files.push(path.to_string());
        let Ok((doc, leaves)) = crate::sources::structured::yaml(&file) else { return };
        let Some(services) = doc.get("services").and_then(Value::as_object) else { return };
        for (name, svc) in services {
            let (vars, list) = compose_vars(name, &leaves);
            let form = if list { Form::ComposeList } else { Form::ComposeMap };
            self.out.sets.push(VarSet { path: path.to_string(), form, service: Some(name.clone()), vars });
            let env_files: Vec<String> = match svc.get("env_file") {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(|e| e.as_str().or_else(|| e.get("path").and_then(Value::as_str)).map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            };
            for e in env_files {
                if !is_reference(&e) {
                    self.env_file(&relative_to(path, &e));
                }
            }
        }
    }
}

/// A compose service's `environment:` variables, and whether it is written
/// as a list.
fn compose_vars(name: &str, leaves: &[serde_json::Map<String, Value>]) -> (Vec<Var>, bool) {
    let map_prefix = format!("services.{name}.environment.");
    let list_prefix = format!("services.{name}.environment[");
    let mut vars = Vec::new();
    let mut list = false;
    for leaf in leaves {
        let key = leaf["key"].as_str().unwrap_or("");
        let line = leaf["line"].as_u64().unwrap_or(0) as usize;
        if let Some(k) = key.strip_prefix(&map_prefix) {
            let value = match &leaf["value"] {
                Value::Null => None,
                Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            };
            vars.push(Var { key: k.to_string(), value, literal: false, line });
        } else if key.starts_with(&list_prefix) {
            list = true;
            let Value::String(s) = &leaf["value"] else { continue };
            match s.split_once('=') {
                Some((k, v)) => {
                    vars.push(Var { key: k.trim().to_string(), value: Some(v.to_string()), literal: false, line })
                }
                None => vars.push(Var { key: s.trim().to_string(), value: None, literal: false, line }),
            }
        }
    }
    (vars, list)
}

/// The system env files, then env and compose files under `roots`.
pub fn read(r: &Reader, roots: &[String]) -> AppEnv {
    let mut w = Walker { r, read: HashSet::new(), out: AppEnv::default() };
    w.env_file("/etc/environment");
    for dir in ["/etc/default", "/etc/sysconfig"] {
        if let Ok(list) = r.target.read_dir(dir) {
            for e in list {
                if r.target.stat(&e.path).is_ok_and(|m| m.file_type == FileType::File) {
                    w.env_file(&e.path);
                }
            }
        }
    }
    let roots: Vec<&str> = roots.iter().map(String::as_str).collect();
    let l = limits::CREDENTIALS_WALK;
    let bounds = Bounds { depth: l.depth, entries: l.entries, files: l.files };
    let walked = tree_walk::walk(r, &roots, bounds, |e| match e.kind {
        FileType::Dir => !SKIP_DIRS.contains(&e.name) && !tree_walk::DEPENDENCY_DIRS.contains(&e.name),
        FileType::File | FileType::Symlink => is_env_file(e.name) || is_compose_file(e.name),
        _ => false,
    });
    w.out.truncated |= walked.truncated;
    for (path, _) in walked.files {
        let name = path.rsplit('/').next().unwrap_or("");
        if is_env_file(name) {
            w.env_file(&path);
        } else {
            w.compose_file(&path);
        }
    }
    w.out
}
