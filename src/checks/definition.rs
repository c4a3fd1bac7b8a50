//! Check definition files: one YAML file per check under `checks/<category>/`.
//!
//! The built-in definitions are embedded into the binary at build time
//! (`build.rs`); `--checks DIR` adds a user's own. A broken definition is
//! reported like a compiler error: file, line, what was expected.

use super::expr::{self, Expr};
use super::probes;
use super::remediation::Remediation;
use crate::facts;
use crate::model::Severity;
use crate::sources::FileSource;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// A check definition, as written in its YAML file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckDef {
    /// Stable id, `category.kebab-name`.
    pub id: String,
    pub title: String,
    pub category: String,
    pub severity: Severity,
    pub rationale: String,
    /// How to fix a failure. `{location}`, `{path}`, `{line}` and any field of
    /// the first failing item are filled in from the evidence.
    pub fix: String,
    #[serde(default)]
    pub references: BTreeMap<String, Vec<String>>,
    /// Former ids of this check (ids are forever: a rename keeps the old one here).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// `active` (default) or `deprecated`: a deprecated check is not run.
    #[serde(default)]
    pub status: DefStatus,
    /// The check needs live state (sockets, /proc): `skip` on offline targets.
    #[serde(default)]
    pub live_only: bool,
    /// Registry facts the predicate reads (`sshd`, `passwd`, …).
    #[serde(default)]
    pub sources: Vec<String>,
    /// Generic file sources, by the variable name the predicate uses.
    #[serde(default)]
    pub files: BTreeMap<String, FileSource>,
    /// Parameters with their defaults; a profile can override them by name.
    /// A probe's parameters are checked against its parameter struct when
    /// the definition loads, and its defaults filled in.
    #[serde(default)]
    pub params: BTreeMap<String, serde_json::Value>,
    /// CEL: whether the check applies (false: `skip`, "not applicable").
    pub applies: Option<String>,
    /// Shown when `applies` is false.
    pub not_applicable: Option<String>,
    /// CEL yielding the list of items to judge.
    pub for_each: Option<String>,
    /// CEL judged for every item (bound to `it`); false makes the item evidence.
    pub expect: Option<String>,
    /// Failure message template (fields of the first failing item).
    pub message: Option<String>,
    /// Message when the check passes.
    pub pass_message: Option<String>,
    /// Outcome when `for_each` yields no items: `pass` (default), `fail` or `skip`.
    #[serde(default)]
    pub when_empty: WhenEmpty,
    /// Name of a Rust probe, instead of `for_each`/`expect`.
    pub probe: Option<String>,
    /// The file to name in the fix when the evidence has none (a default value).
    pub fix_location: Option<String>,
    /// What `hardcheck fix` may change (`checks::remediation`).
    pub remediation: Option<Remediation>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DefStatus {
    #[default]
    Active,
    Deprecated,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WhenEmpty {
    #[default]
    Pass,
    Fail,
    Skip,
}

/// A definition that loaded and validated. Its CEL is compiled when the
/// definition loads (a user's `--checks`), or, for the built-in ones (whose
/// every expression the test suite compiles), when the check first runs:
/// a scan compiles only the checks its profile selects, on the workers.
#[derive(Debug, Clone)]
pub struct Check {
    pub def: CheckDef,
    /// Where it came from (`checks/ssh/permit-root-login.yaml` or a user path).
    pub origin: String,
    compiled: OnceLock<Result<Predicate, String>>,
}

/// A check's compiled CEL: `applies`, `for_each`, `expect`.
#[derive(Debug, Clone, Default)]
pub struct Predicate {
    pub applies: Option<Arc<Expr>>,
    pub for_each: Option<Arc<Expr>>,
    pub expect: Option<Arc<Expr>>,
}

impl Check {
    /// The compiled predicate (compiled now if it was not yet). The error
    /// names the field and the line in the definition.
    pub fn predicate(&self) -> Result<&Predicate, &str> {
        let text = || embedded_checks().iter().find(|(f, _)| *f == self.origin).map(|(_, t)| *t);
        self.compiled
            .get_or_init(|| compile_predicate(&self.origin, text(), &self.def).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }
}

/// A definition file that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DefError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("{file}:{line}: {message}")]
    InvalidAt { file: String, line: usize, message: String },
    #[error("{file}: cannot read: {message}")]
    Read { file: String, message: String },
    #[error("{dir}: duplicate check id `{id}` (also in {other})")]
    Duplicate { dir: String, id: String, other: String },
}

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The built-in check definitions, as (path, text).
pub fn embedded_checks() -> &'static [(&'static str, &'static str)] {
    EMBEDDED_CHECKS
}

/// The built-in profiles, as (path, text).
pub fn embedded_profiles() -> &'static [(&'static str, &'static str)] {
    EMBEDDED_PROFILES
}

fn valid_id(id: &str) -> bool {
    let part = |s: &str| {
        !s.is_empty()
            && s.split('-').all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
    };
    match id.split_once('.') {
        Some((cat, name)) => part(cat) && part(name),
        None => false,
    }
}

/// 1-based line of the first line that starts the given top-level key.
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    let prefix = format!("{key}:");
    text.lines().position(|l| l.starts_with(&prefix)).map(|i| i + 1)
}

/// Parse and validate one definition file, its CEL compiled.
pub fn parse(file: &str, text: &str) -> Result<Check, DefError> {
    parse_with(file, text, true)
}

/// Parse and validate one definition file; its CEL is compiled now when
/// `compile_now`, else when the check first runs.
fn parse_with(file: &str, text: &str, compile_now: bool) -> Result<Check, DefError> {
    parse_from(file, text, None, compile_now)
}

/// The definition from YAML `text`, or from `json`, the same definition
/// converted at build time (`build.rs`), when given and it deserializes.
fn read_def(file: &str, text: &str, json: Option<&str>) -> Result<CheckDef, DefError> {
    if let Some(def) = json
        .filter(|j| !j.is_empty())
        .and_then(|j| super::timings::time(|| "load: JSON".into(), || serde_json::from_str::<CheckDef>(j).ok()))
    {
        return Ok(def);
    }
    let opts = serde_saphyr::options! { strict_booleans: true };
    super::timings::time(|| "load: YAML".into(), || serde_saphyr::from_str_with_options(text, opts))
        .map_err(|e| DefError::Invalid { file: file.to_string(), message: e.to_string().replace('\n', " ") })
}

fn parse_from(file: &str, text: &str, json: Option<&str>, compile_now: bool) -> Result<Check, DefError> {
    let mut def = read_def(file, text, json)?;
    let at = |key: &str, message: String| match line_of_key(text, key) {
        Some(line) => DefError::InvalidAt { file: file.to_string(), line, message },
        None => DefError::Invalid { file: file.to_string(), message },
    };
    if !valid_id(&def.id) {
        return Err(at("id", format!("id `{}` is not of the form `category.kebab-name`", def.id)));
    }
    if def.id.split('.').next() != Some(def.category.as_str()) {
        return Err(at("category", format!("category `{}` does not match the id `{}`", def.category, def.id)));
    }
    let stem = Path::new(file).file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let name = def.id.split_once('.').map(|(_, n)| n).unwrap_or("");
    if stem != name {
        return Err(at(
            "id",
            format!("file name `{stem}` does not match the id `{}` (expected `{name}.yaml`)", def.id),
        ));
    }
    for (field, value) in [("title", &def.title), ("rationale", &def.rationale), ("fix", &def.fix)] {
        if value.trim().is_empty() {
            return Err(at(field, format!("`{field}` is empty")));
        }
    }
    match (&def.probe, &def.for_each, &def.expect) {
        (Some(p), None, None) => {
            let Some(probe) = probes::find(p) else {
                return Err(at("probe", format!("unknown probe `{p}` (known: {})", probes::names().join(", "))));
            };
            // A misspelt parameter or value is an error here, with its line
            // (from the YAML; a built-in definition's JSON is tried first).
            let parsed = json.and_then(|_| (probe.load_parsed)(&def.params.clone().into_iter().collect()).ok());
            let params = super::timings::time(
                || "load: probe params".into(),
                || match parsed {
                    Some(params) => Ok(params),
                    None => (probe.load)(text),
                },
            )
            .map_err(|e| {
                let message = format!("probe `{p}` params: {}", e.message);
                match e.line {
                    Some(line) => DefError::InvalidAt { file: file.to_string(), line, message },
                    None => {
                        at(if text.lines().any(|l| l.starts_with("params:")) { "params" } else { "probe" }, message)
                    }
                }
            })?;
            def.params = params.into_iter().collect();
        }
        (None, Some(_), Some(_)) => {}
        (Some(_), _, _) => return Err(at("probe", "`probe` cannot be combined with `for_each`/`expect`".into())),
        _ => {
            return Err(DefError::Invalid {
                file: file.to_string(),
                message: "a check needs either `probe` or both `for_each` and `expect`".into(),
            })
        }
    }
    let mut vars: BTreeSet<String> = ["params", "target", "it"].iter().map(|s| s.to_string()).collect();
    for s in &def.sources {
        if facts::find(s).is_none() {
            let known: Vec<&str> = facts::names().collect();
            return Err(at("sources", format!("unknown source `{s}` (known: {})", known.join(", "))));
        }
        vars.insert(s.clone());
    }
    for (name, f) in &def.files {
        if vars.contains(name) {
            return Err(at("files", format!("file source `{name}` shadows another variable")));
        }
        f.validate().map_err(|m| at("files", format!("file source `{name}`: {m}")))?;
        vars.insert(name.clone());
    }
    if let Some(r) = &def.remediation {
        r.validate(&def.params).map_err(|m| at("remediation", format!("`remediation`: {m}")))?;
    }
    let check = Check { def, origin: file.to_string(), compiled: OnceLock::new() };
    if compile_now {
        let predicate = compile_predicate(file, Some(text), &check.def)?;
        let _ = check.compiled.set(Ok(predicate));
    }
    Ok(check)
}

/// Compile a definition's CEL; an error names the field and its line.
fn compile_predicate(file: &str, text: Option<&str>, def: &CheckDef) -> Result<Predicate, DefError> {
    let compile = |key: &str, src: &Option<String>| -> Result<Option<Arc<Expr>>, DefError> {
        match src {
            None => Ok(None),
            Some(s) => super::timings::time(|| "load: CEL".into(), || expr::compile_shared(s)).map(Some).map_err(|m| {
                let message = format!("`{key}`: {m}");
                match text.and_then(|t| line_of_key(t, key)) {
                    Some(line) => DefError::InvalidAt { file: file.to_string(), line, message },
                    None => DefError::Invalid { file: file.to_string(), message },
                }
            }),
        }
    };
    Ok(Predicate {
        applies: compile("applies", &def.applies)?,
        for_each: compile("for_each", &def.for_each)?,
        expect: compile("expect", &def.expect)?,
    })
}

/// All built-in checks plus those in `extra_dirs`, sorted by id.
pub fn load_all(extra_dirs: &[std::path::PathBuf]) -> Result<Vec<Check>, DefError> {
    let mut checks = parse_embedded()?;
    for dir in extra_dirs {
        checks.extend(load_dir(dir)?);
    }
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for c in &checks {
        for id in std::iter::once(&c.def.id).chain(c.def.aliases.iter()) {
            if let Some(other) = seen.insert(id.clone(), c.origin.clone()) {
                return Err(DefError::Duplicate { dir: c.origin.clone(), id: id.clone(), other });
            }
        }
    }
    checks.sort_by(|a, b| a.def.id.cmp(&b.def.id));
    Ok(checks)
}

/// The built-in definitions, parsed on every core (their CEL is compiled
/// when they run); the first error in file order wins.
fn parse_embedded() -> Result<Vec<Check>, DefError> {
    let all = embedded_checks();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, crate::limits::WORKERS);
    let chunk = all.len().div_ceil(cores).max(1);
    let parts: Vec<Result<Vec<Check>, DefError>> = std::thread::scope(|s| {
        let parse_part = |part: &'static [(&'static str, &'static str)], json: &'static [&'static str]| {
            part.iter()
                .enumerate()
                .map(|(i, (file, text))| parse_from(file, text, json.get(i).copied(), false))
                .collect::<Result<Vec<_>, _>>()
        };
        let json = |n: usize| EMBEDDED_CHECKS_JSON.get(n * chunk..).unwrap_or_default();
        let mut chunks = all.chunks(chunk).enumerate().map(|(n, part)| (part, json(n)));
        let (first, first_json) = chunks.next().unwrap_or_default();
        let handles: Vec<_> = chunks.map(|(part, json)| s.spawn(move || parse_part(part, json))).collect();
        let mut parts = vec![parse_part(first, first_json)];
        for h in handles {
            parts.push(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        parts
    });
    let mut checks = Vec::with_capacity(all.len());
    for part in parts {
        checks.extend(part?);
    }
    Ok(checks)
}

/// Load every `*.yaml`/`*.yml` file below `dir` (recursively).
pub fn load_dir(dir: &Path) -> Result<Vec<Check>, DefError> {
    let mut files = Vec::new();
    collect_yaml(dir, &mut files, 0)?;
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let shown = f.display().to_string();
        let text = crate::target::read_host_text(&f)
            .map_err(|e| DefError::Read { file: shown.clone(), message: e.reason() })?;
        out.push(parse(&shown, &text)?);
    }
    Ok(out)
}

fn collect_yaml(dir: &Path, out: &mut Vec<std::path::PathBuf>, depth: usize) -> Result<(), DefError> {
    let shown = dir.display().to_string();
    let rd = std::fs::read_dir(dir).map_err(|e| DefError::Read { file: shown.clone(), message: e.to_string() })?;
    for entry in rd {
        let entry = entry.map_err(|e| DefError::Read { file: shown.clone(), message: e.to_string() })?;
        let path = entry.path();
        let ft = entry.file_type().map_err(|e| DefError::Read { file: shown.clone(), message: e.to_string() })?;
        if ft.is_dir() && depth < 8 {
            collect_yaml(&path, out, depth + 1)?;
        } else if !ft.is_dir() && matches!(path.extension().and_then(|e| e.to_str()), Some("yaml") | Some("yml")) {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every built-in definition loads from its build-time JSON, into the
    /// very definition its YAML gives (a difference would fall back to the
    /// slower YAML silently).
    #[test]
    fn embedded_json_gives_the_yaml_definitions() {
        assert_eq!(EMBEDDED_CHECKS.len(), EMBEDDED_CHECKS_JSON.len());
        let opts = serde_saphyr::options! { strict_booleans: true };
        for ((file, text), json) in EMBEDDED_CHECKS.iter().zip(EMBEDDED_CHECKS_JSON) {
            let from_json: CheckDef = serde_json::from_str(json).unwrap_or_else(|e| panic!("{file}: {e}"));
            let from_yaml: CheckDef = serde_saphyr::from_str_with_options(text, opts.clone()).unwrap();
            assert_eq!(format!("{from_json:?}"), format!("{from_yaml:?}"), "{file}");
            // A probe's parameters, with their defaults, as its YAML gives them.
            if let Some(probe) = from_json.probe.as_deref().and_then(probes::find) {
                let parsed = (probe.load_parsed)(&from_json.params.clone().into_iter().collect());
                assert_eq!(parsed.ok(), (probe.load)(text).ok(), "{file}");
            }
        }
    }
}
