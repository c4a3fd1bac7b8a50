//! Profiles (`benchmarks-profiles/*.toml`): which checks run, severity
//! overrides, parameters and default gates. A profile can extend another.

use super::definition::{embedded_profiles, Check, DefStatus};
use super::engine::Planned;
use super::probes;
use crate::model::Severity;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// A built-in profile name or a path (relative to this file).
    pub extends: Option<String>,
    /// Check ids or globs (`ssh.*`, `*`) to add to what the parent selects.
    #[serde(default)]
    pub include: Vec<String>,
    /// Check ids or globs to remove.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Severity overrides by check id.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// Parameter values by name (checks declare which they use).
    #[serde(default)]
    pub params: toml::Table,
    #[serde(default)]
    pub gates: Gates,
    /// How hard password guessing tries (`quick` or `thorough`); the
    /// command line's `--passwords` wins.
    pub passwords: Option<crate::passwords::Mode>,
    /// The benchmark this profile audits: a control catalog and a level.
    pub framework: Option<FrameworkRef>,
    /// A waivers file (a path relative to this profile file).
    pub waivers: Option<String>,
}

/// `[framework]` of a profile: which control catalog
/// (`benchmarks-profiles/controls/<catalog>.toml`) and which of its levels.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkRef {
    pub catalog: String,
    pub level: String,
    /// The benchmark's name, version and source as the profile states them
    /// (checked against the catalog's).
    pub name: Option<String>,
    pub version: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gates {
    pub fail_on: Option<Severity>,
    pub min_score: Option<f64>,
}

/// A profile with its parents merged in.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub description: String,
    pub chain: Vec<String>,
    pub include: Vec<Vec<String>>,
    pub exclude: Vec<Vec<String>>,
    pub severity: BTreeMap<String, Severity>,
    pub params: Map<String, Value>,
    pub gates: Gates,
    /// The nearest `[framework]` in the chain.
    pub framework: Option<FrameworkRef>,
    /// The nearest `waivers` in the chain, resolved against its profile
    /// file's directory (a built-in profile's against the working directory).
    pub waivers: Option<PathBuf>,
    pub passwords: Option<crate::passwords::Mode>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("unknown profile `{0}` (built-in: {1}; or give a path to a .toml file)")]
    Unknown(String, String),
    #[error("{file}: cannot read: {message}")]
    Read { file: String, message: String },
    #[error("{file}:{line}: {message}")]
    Invalid { file: String, line: usize, message: String },
    #[error("{file}: `extends` chain is circular or deeper than 8 ({chain})")]
    Cycle { file: String, chain: String },
    #[error("{profile}: `{pattern}` matches no check (see `hardcheck checks list`)")]
    NoMatch { profile: String, pattern: String },
    #[error("profile `{profile}`: parameters of {check}: {message}")]
    Param { profile: String, check: String, message: String },
}

fn is_path(spec: &str) -> bool {
    spec.contains('/') || spec.ends_with(".toml")
}

fn builtin(name: &str) -> Option<(&'static str, &'static str)> {
    embedded_profiles().iter().copied().find(|(p, _)| Path::new(p).file_stem().and_then(|s| s.to_str()) == Some(name))
}

/// Names of the built-in profiles.
pub fn builtin_names() -> Vec<String> {
    embedded_profiles()
        .iter()
        .filter_map(|(p, _)| Path::new(p).file_stem().and_then(|s| s.to_str()).map(str::to_string))
        .collect()
}

fn parse(file: &str, text: &str) -> Result<ProfileFile, ProfileError> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1).unwrap_or(1);
        ProfileError::Invalid { file: file.to_string(), line, message: e.message().trim().to_string() }
    })
}

fn load_file(spec: &str, base: Option<&Path>) -> Result<(String, ProfileFile, Option<PathBuf>), ProfileError> {
    if is_path(spec) {
        let path = match base {
            Some(b) if !Path::new(spec).is_absolute() => b.join(spec),
            _ => PathBuf::from(spec),
        };
        let shown = path.display().to_string();
        let text = crate::target::read_host_text(&path)
            .map_err(|e| ProfileError::Read { file: shown.clone(), message: e.reason() })?;
        let f = parse(&shown, &text)?;
        Ok((shown, f, path.parent().map(Path::to_path_buf)))
    } else {
        let (file, text) =
            builtin(spec).ok_or_else(|| ProfileError::Unknown(spec.to_string(), builtin_names().join(", ")))?;
        Ok((file.to_string(), parse(file, text)?, None))
    }
}

/// A profile file read: where it was, what it says, its directory.
type Loaded = (String, ProfileFile, Option<PathBuf>);

/// Load a profile by built-in name or path, following `extends`.
pub fn load(spec: &str) -> Result<Profile, ProfileError> {
    let mut files = Vec::new();
    let mut current = Some((spec.to_string(), None::<PathBuf>));
    let mut seen = BTreeSet::new();
    while let Some((s, base)) = current.take() {
        let (file, f, dir) = load_file(&s, base.as_deref())?;
        if !seen.insert(file.clone()) || files.len() >= 8 {
            let chain = files.iter().map(|(f, _, _): &Loaded| f.clone()).collect::<Vec<_>>().join(" -> ");
            return Err(ProfileError::Cycle { file, chain });
        }
        current = f.extends.clone().map(|e| (e, dir.clone().or(base)));
        files.push((file, f, dir));
    }
    files.reverse(); // root ancestor first
    let leaf = files.last().map(|(_, f, _)| f.clone()).expect("at least one profile");
    let mut p = Profile {
        name: leaf.name.clone(),
        description: leaf.description.clone(),
        chain: files.iter().map(|(_, f, _)| f.name.clone()).collect(),
        include: Vec::new(),
        exclude: Vec::new(),
        severity: BTreeMap::new(),
        params: Map::new(),
        gates: Gates::default(),
        framework: None,
        waivers: None,
        passwords: None,
    };
    for (_, f, dir) in files {
        if f.framework.is_some() {
            p.framework = f.framework;
        }
        if let Some(w) = f.waivers {
            p.waivers = Some(dir.map(|d| d.join(&w)).unwrap_or_else(|| PathBuf::from(w)));
        }
        p.include.push(f.include);
        p.exclude.push(f.exclude);
        p.severity.extend(f.severity);
        for (k, v) in f.params {
            p.params.insert(k, serde_json::to_value(v).unwrap_or(Value::Null));
        }
        if f.gates.fail_on.is_some() {
            p.gates.fail_on = f.gates.fail_on;
        }
        if f.gates.min_score.is_some() {
            p.gates.min_score = f.gates.min_score;
        }
        p.passwords = f.passwords.or(p.passwords);
    }
    Ok(p)
}

/// Whether a pattern (an id, an alias or a glob over them) selects a check.
pub fn matches(pattern: &str, check: &Check) -> bool {
    let mut ids = std::iter::once(&check.def.id).chain(check.def.aliases.iter());
    if !pattern.contains(['*', '?', '[']) {
        return ids.any(|id| id == pattern);
    }
    // A profile's patterns are tried against every check: each is compiled
    // once per thread.
    thread_local! {
        static COMPILED: std::cell::RefCell<HashMap<String, Option<glob::Pattern>>> = Default::default();
    }
    COMPILED.with_borrow_mut(|compiled| {
        match compiled.entry(pattern.to_string()).or_insert_with(|| glob::Pattern::new(pattern).ok()) {
            Some(p) => ids.any(|id| p.matches(id)),
            None => ids.any(|id| id == pattern),
        }
    })
}

impl Profile {
    /// Select and parametrise checks. A pattern that matches nothing is an
    /// error (a typo in a profile must not silently drop a check).
    pub fn plan(&self, checks: &[Arc<Check>]) -> Result<Vec<Planned>, ProfileError> {
        let hits = |pat: &String| -> Result<Vec<usize>, ProfileError> {
            let hits: Vec<usize> = (0..checks.len()).filter(|&i| matches(pat, &checks[i])).collect();
            if hits.is_empty() {
                return Err(ProfileError::NoMatch {
                    profile: format!("profile `{}`", self.name),
                    pattern: pat.clone(),
                });
            }
            Ok(hits)
        };
        let mut selected: BTreeSet<usize> = BTreeSet::new();
        for (inc, exc) in self.include.iter().zip(&self.exclude) {
            for pat in inc {
                selected.extend(hits(pat)?);
            }
            for pat in exc {
                for h in hits(pat)? {
                    selected.remove(&h);
                }
            }
        }
        for id in self.severity.keys() {
            hits(id)?;
        }
        selected.into_iter().filter_map(|i| self.planned(&checks[i]).transpose()).collect()
    }

    /// Only the checks matching `patterns` (ids or globs), whether or not the
    /// profile selects them, with the profile's severities and parameters.
    pub fn plan_only(&self, checks: &[Arc<Check>], patterns: &[String]) -> Result<Vec<Planned>, ProfileError> {
        for pat in patterns {
            if !checks.iter().any(|c| matches(pat, c)) {
                return Err(ProfileError::NoMatch { profile: "--check".into(), pattern: pat.clone() });
            }
        }
        checks
            .iter()
            .filter(|c| patterns.iter().any(|p| matches(p, c)))
            .filter_map(|c| self.planned(c).transpose())
            .collect()
    }

    /// The check with this profile's severity and parameters (`None`: a
    /// deprecated check). A probe's parameters must still fit its
    /// parameter struct after the profile's overrides.
    fn planned(&self, c: &Arc<Check>) -> Result<Option<Planned>, ProfileError> {
        if c.def.status != DefStatus::Active {
            return Ok(None);
        }
        let severity = self.severity.iter().find(|(id, _)| matches(id, c)).map(|(_, s)| *s).unwrap_or(c.def.severity);
        // A named parameter applies to every check that declares it; a table
        // named after a check id (`[params."ssh.max-auth-tries"]`) to that one.
        let mut params: Map<String, Value> = c.def.params.clone().into_iter().collect();
        let own = self.params.get(&c.def.id).and_then(Value::as_object);
        for (k, v) in params.iter_mut() {
            if let Some(o) = own.and_then(|o| o.get(k)).or_else(|| self.params.get(k)) {
                *v = o.clone();
            }
        }
        if let Some(probe) = c.def.probe.as_deref().and_then(probes::find) {
            (probe.check)(&params).map_err(|message| ProfileError::Param {
                profile: self.name.clone(),
                check: c.def.id.clone(),
                message,
            })?;
        }
        Ok(Some(Planned { check: c.clone(), severity, params }))
    }
}
