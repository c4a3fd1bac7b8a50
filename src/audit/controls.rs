//! Benchmark controls: the catalogs under `benchmarks-profiles/controls/`
//! (format: `docs/compliance/coverage.md`), the checks a profile with a
//! `[framework]` runs, and each control's status from their results.

use super::{parse_toml, AuditError};
use crate::checks::profile::{FrameworkRef, Profile};
use crate::model::{CheckResult, Status};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/catalogs.rs"));

/// One benchmark's recommendations, every level.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub framework: String,
    pub version: String,
    pub source: String,
    pub reference_prefix: String,
    pub levels: Vec<String>,
    /// A level that includes every control of another (`l2_server` →
    /// `l1_server`).
    #[serde(default)]
    pub inherits: BTreeMap<String, String>,
    #[serde(rename = "control")]
    pub controls: Vec<CatalogControl>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogControl {
    pub id: String,
    pub title: String,
    pub levels: Vec<String>,
    pub automated: bool,
    #[serde(default)]
    pub checks: Vec<String>,
    #[serde(default)]
    pub partial: bool,
    pub note: Option<String>,
    #[serde(default)]
    pub related: Vec<String>,
}

/// A control's status in a report: the four values of the shape.
/// A control the scan could not decide is not `pass`: an errored check
/// makes it `fail`, a skipped (not applicable, unreadable) or unrun check
/// `not-covered`; `undecided` then says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlStatus {
    Fail,
    Pass,
    /// The benchmark says it cannot be automated: an auditor decides.
    Manual,
    /// hardcheck has no check for it yet, or its checks were skipped on
    /// this target (listed, never hidden).
    NotCovered,
}

impl ControlStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ControlStatus::Pass => "pass",
            ControlStatus::Fail => "fail",
            ControlStatus::Manual => "manual",
            ControlStatus::NotCovered => "not-covered",
        }
    }
}

/// Why a control with checks was not decided by them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Undecided {
    /// A check errored and none failed openly (the control is `fail`: an
    /// erroring check means it cannot pass).
    Error,
    /// A check was skipped or not run (the control is `not-covered`).
    Skip,
}

/// One control in a report (`compliance.controls[]`).
#[derive(Debug, Clone, Serialize)]
pub struct Control {
    pub id: String,
    pub title: String,
    pub status: ControlStatus,
    /// Set when its checks could not decide it (`error` or `skip`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undecided: Option<Undecided>,
    /// The checks that decide it (empty: manual or not covered).
    pub checks: Vec<String>,
    /// The checks decide only part of it: a failure is conclusive, a pass
    /// covers the checked part.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
    /// It fails only on failures a waiver accepts.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub waived: bool,
    /// Manual controls: checks that help the review (they decide nothing).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How many controls have each status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ControlSummary {
    pub pass: usize,
    pub fail: usize,
    pub manual: usize,
    pub not_covered: usize,
}

/// The report's `compliance` section (an addition to schema 1).
#[derive(Debug, Clone, Serialize)]
pub struct Compliance {
    pub framework: String,
    pub version: String,
    pub profile: String,
    pub level: String,
    pub source: String,
    pub controls: Vec<Control>,
    pub summary: ControlSummary,
}

/// Names of the embedded catalogs (file stems).
pub fn catalog_names() -> Vec<String> {
    EMBEDDED_CATALOGS.iter().filter_map(|(p, _)| stem(p)).collect()
}

fn stem(path: &str) -> Option<String> {
    Path::new(path).file_stem().and_then(|s| s.to_str()).map(str::to_string)
}

/// An embedded catalog by name (`cis-debian12`).
pub fn catalog(name: &str) -> Result<Catalog, AuditError> {
    let (file, text) = EMBEDDED_CATALOGS.iter().find(|(p, _)| stem(p).as_deref() == Some(name)).ok_or_else(|| {
        AuditError::Other(format!("unknown control catalog `{name}` (built-in: {})", catalog_names().join(", ")))
    })?;
    let c: Catalog = parse_toml(file, text)?;
    c.validate().map_err(|m| AuditError::Other(format!("{file}: {m}")))?;
    Ok(c)
}

impl Catalog {
    fn validate(&self) -> Result<(), String> {
        let mut ids = BTreeSet::new();
        for c in &self.controls {
            if !ids.insert(c.id.as_str()) {
                return Err(format!("control {} is listed twice", c.id));
            }
            if let Some(l) = c.levels.iter().find(|l| !self.levels.contains(l)) {
                return Err(format!("control {}: unknown level `{l}`", c.id));
            }
            if !c.automated && !c.checks.is_empty() {
                return Err(format!("control {}: a manual control lists `related` checks, not `checks`", c.id));
            }
        }
        Ok(())
    }

    /// The levels a level includes: itself and what it inherits.
    fn level_set<'a>(&'a self, level: &'a str) -> Result<BTreeSet<&'a str>, String> {
        if !self.levels.iter().any(|l| l == level) {
            return Err(format!("unknown level `{level}` (levels: {})", self.levels.join(", ")));
        }
        let mut set = BTreeSet::new();
        let mut cur = Some(level);
        while let Some(l) = cur.filter(|l| set.insert(*l)) {
            cur = self.inherits.get(l).map(String::as_str);
        }
        Ok(set)
    }

    /// The controls of a level, in benchmark order.
    pub fn controls_at(&self, level: &str) -> Result<Vec<&CatalogControl>, String> {
        let set = self.level_set(level)?;
        Ok(self.controls.iter().filter(|c| c.levels.iter().any(|l| set.contains(l.as_str()))).collect())
    }
}

/// A profile's benchmark, once its checks are selected.
#[derive(Debug, Clone)]
pub struct Selected {
    pub catalog: Catalog,
    pub level: String,
}

/// For a profile with `[framework]`: load its catalog and add the checks of
/// the level's controls to what the profile selects (a check id the catalog
/// names that does not exist is then a profile error).
pub fn select(profile: &mut Profile) -> Result<Option<Selected>, AuditError> {
    let Some(FrameworkRef { catalog: name, level, name: title, version, source }) = profile.framework.clone() else {
        return Ok(None);
    };
    let catalog = catalog(&name)?;
    for (field, said, is) in [
        ("name", title, &catalog.framework),
        ("version", version, &catalog.version),
        ("source", source, &catalog.source),
    ] {
        if let Some(said) = said.filter(|s| s != is) {
            let m =
                format!("profile `{}`: [framework] {field} = {said:?}, but catalog `{name}` says {is:?}", profile.name);
            return Err(AuditError::Other(m));
        }
    }
    let controls = catalog
        .controls_at(&level)
        .map_err(|m| AuditError::Other(format!("profile `{}`: [framework] {m}", profile.name)))?;
    let checks: BTreeSet<String> = controls.iter().flat_map(|c| c.checks.iter().cloned()).collect();
    profile.include.push(checks.into_iter().collect());
    profile.exclude.push(Vec::new());
    Ok(Some(Selected { catalog, level }))
}

/// A control's status from the results of its checks, why it is
/// undecided, and whether it fails only on waived failures.
fn status_of(c: &CatalogControl, results: &BTreeMap<&str, &CheckResult>) -> (ControlStatus, Option<Undecided>, bool) {
    if !c.automated {
        return (ControlStatus::Manual, None, false);
    }
    if c.checks.is_empty() {
        return (ControlStatus::NotCovered, None, false);
    }
    let got: Vec<Option<&&CheckResult>> = c.checks.iter().map(|id| results.get(id.as_str())).collect();
    let failed: Vec<&&CheckResult> = got.iter().flatten().copied().filter(|r| r.status == Status::Fail).collect();
    let status = |s: Status| got.iter().any(|r| r.is_some_and(|r| r.status == s));
    // An open failure decides it. A check that errored can never make it
    // pass, and is not covered by a waiver: with only waived failures
    // besides, it stays `fail` (undecided: error), not "waived".
    let open = failed.iter().any(|r| r.waiver.is_none());
    let waived_only = !failed.is_empty() && !open;
    if open || (waived_only && !status(Status::Error)) {
        return (ControlStatus::Fail, None, waived_only);
    }
    if status(Status::Error) {
        (ControlStatus::Fail, Some(Undecided::Error), false)
    } else if got.iter().any(Option::is_none) || status(Status::Skip) {
        (ControlStatus::NotCovered, Some(Undecided::Skip), false)
    } else {
        (ControlStatus::Pass, None, false)
    }
}

/// The compliance section of a report.
pub fn evaluate(sel: &Selected, profile: &str, results: &[CheckResult]) -> Compliance {
    let by_id: BTreeMap<&str, &CheckResult> = results.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut summary = ControlSummary::default();
    let controls: Vec<Control> = sel
        .catalog
        .controls_at(&sel.level)
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            let (status, undecided, waived) = status_of(c, &by_id);
            *match status {
                ControlStatus::Pass => &mut summary.pass,
                ControlStatus::Fail => &mut summary.fail,
                ControlStatus::Manual => &mut summary.manual,
                ControlStatus::NotCovered => &mut summary.not_covered,
            } += 1;
            Control {
                id: c.id.clone(),
                title: c.title.clone(),
                status,
                undecided,
                checks: c.checks.clone(),
                partial: c.partial,
                waived,
                related: c.related.clone(),
                note: c.note.clone(),
            }
        })
        .collect();
    let c = &sel.catalog;
    Compliance {
        framework: c.framework.clone(),
        version: c.version.clone(),
        profile: profile.to_string(),
        level: sel.level.clone(),
        source: c.source.clone(),
        controls,
        summary,
    }
}

/// How much of a benchmark level hardcheck decides (`profiles list`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    pub controls: usize,
    pub manual: usize,
    /// Automatable (not manual) controls with at least one check.
    pub covered: usize,
    pub automatable: usize,
}

impl Coverage {
    /// Covered share of the automatable controls, in percent.
    pub fn percent(&self) -> f64 {
        if self.automatable == 0 {
            return 100.0;
        }
        100.0 * self.covered as f64 / self.automatable as f64
    }
}

/// The coverage of a profile's benchmark level (`None`: no `[framework]`).
pub fn coverage(profile: &Profile) -> Result<Option<Coverage>, AuditError> {
    let Some(f) = &profile.framework else { return Ok(None) };
    let catalog = catalog(&f.catalog)?;
    let controls = catalog.controls_at(&f.level).map_err(AuditError::Other)?;
    let automatable: Vec<_> = controls.iter().filter(|c| c.automated).collect();
    Ok(Some(Coverage {
        controls: controls.len(),
        manual: controls.len() - automatable.len(),
        covered: automatable.iter().filter(|c| !c.checks.is_empty()).count(),
        automatable: automatable.len(),
    }))
}
