//! `hardcheck merge`: many hosts' (and images') JSON reports in one fleet
//! view — per host its score, grade and failures by severity; per check
//! how many hosts fail it, worst first, with their names; waived failures
//! counted apart; and, for reports that carry a `compliance` section, each
//! control across the fleet. `docs/fleet.md` documents the JSON output.
//!
//! Hosts are named by the report's `target.host`. Two reports of the same
//! host: the newest by `scan.started_at` is kept (a later file on the
//! command line wins a tie) and the other is listed under `replaced`, so
//! that a directory of reports collected over several runs merges to the
//! current state of each host.
//!
//! Nothing is read over the network: every input is a local file, read as
//! [`read`] says.

pub mod html;
pub mod read;
pub mod render;

use crate::model::Severity;
use read::{InStatus, Loaded};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What can go wrong reading the reports or writing the view; each names
/// the file.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    #[error("{file}: cannot read: {message}")]
    Read { file: String, message: String },
    #[error("{file}: is {kind}, not a regular file (a report is a JSON file)")]
    NotRegular { file: String, kind: &'static str },
    #[error("{file}: larger than {limit} bytes: not a report")]
    TooLarge { file: String, limit: u64 },
    #[error("{file}:{line}:{column}: not JSON: {message}")]
    Syntax { file: String, line: usize, column: usize, message: String },
    #[error("{file}: `schema_version` is missing: not a hardcheck JSON report (`scan --format json`)")]
    NoSchema { file: String },
    #[error("{file}: schema_version {found} is not supported (this hardcheck reads schema_version 1)")]
    Schema { file: String, found: String },
    #[error("mixed schema versions: {first} has schema_version {first_version}, {file} has {version}")]
    Mixed { first: String, first_version: u64, file: String, version: u64 },
    #[error("{file}: not a hardcheck report: {message}")]
    NotReport { file: String, message: String },
    #[error("{count} reports given: at most {limit} are merged at once")]
    TooMany { count: usize, limit: usize },
    #[error("--output {file}: {message}")]
    Output { file: String, message: String },
}

/// Output formats of `merge`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Html,
    Markdown,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

/// Unwaived failures of one host by severity.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Fails {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl Fails {
    fn add(&mut self, s: Severity) {
        match s {
            Severity::Critical => self.critical += 1,
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
            Severity::Info => self.info += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.critical + self.high + self.medium + self.low + self.info
    }
}

/// One host of the fleet.
#[derive(Debug, Clone, Serialize)]
pub struct Host {
    pub host: String,
    pub kind: String,
    pub path: String,
    pub profile: String,
    pub score: f64,
    pub grade: String,
    pub fails: Fails,
    /// Failures a waiver covers (not in `fails`).
    pub waived: usize,
    pub scanned_at: String,
    /// The report file.
    pub file: String,
    /// The worst unwaived failure's severity.
    #[serde(skip)]
    pub worst: Option<Severity>,
}

/// One check across the fleet.
#[derive(Debug, Clone, Serialize)]
pub struct CheckRow {
    pub id: String,
    pub title: String,
    pub category: String,
    /// The highest severity any report gives it (profiles may differ).
    pub severity: Severity,
    /// Hosts whose report has it as `pass` or `fail`.
    pub hosts_run: usize,
    /// Hosts that fail it with no waiver, by name.
    pub failing: Vec<String>,
    /// Hosts whose failure a waiver covers, by name.
    pub waived: Vec<String>,
}

/// One compliance control across the hosts whose reports carry its
/// framework.
#[derive(Debug, Clone, Serialize)]
pub struct ControlRow {
    pub framework: String,
    pub version: String,
    pub id: String,
    pub title: String,
    pub pass: usize,
    pub fail: usize,
    pub manual: usize,
    pub not_covered: usize,
    /// Hosts where the control fails, by name.
    pub failing: Vec<String>,
}

/// A report left out because a newer one of the same host was given.
#[derive(Debug, Clone, Serialize)]
pub struct Replaced {
    pub host: String,
    pub file: String,
    pub by: String,
}

/// The merged view (`--format json` writes it as it is).
#[derive(Debug, Clone, Serialize)]
pub struct Fleet {
    pub schema_version: u32,
    pub tool: Tool,
    pub hosts: Vec<Host>,
    pub checks: Vec<CheckRow>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<ControlRow>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replaced: Vec<Replaced>,
}

/// Read every report (in the order given), refusing mixed schema versions.
pub fn load_all(files: &[PathBuf]) -> Result<Vec<Loaded>, FleetError> {
    if files.len() > crate::limits::FLEET_REPORTS {
        return Err(FleetError::TooMany { count: files.len(), limit: crate::limits::FLEET_REPORTS });
    }
    let mut out: Vec<Loaded> = Vec::with_capacity(files.len());
    for f in files {
        let l = read::load(f)?;
        if let Some(first) = out.first().filter(|first| first.report.schema_version != l.report.schema_version) {
            return Err(FleetError::Mixed {
                first: first.file.clone(),
                first_version: first.report.schema_version,
                file: l.file,
                version: l.report.schema_version,
            });
        }
        out.push(l);
    }
    Ok(out)
}

/// One report per host: the newest by `scan.started_at` (the later one
/// given on a tie); the others are returned as replaced.
fn newest_per_host(reports: Vec<Loaded>) -> (Vec<Loaded>, Vec<Replaced>) {
    let time = |l: &Loaded| crate::report::context::parse_rfc3339(l.started_at()).unwrap_or(0);
    let mut kept: Vec<Loaded> = Vec::new();
    let mut replaced = Vec::new();
    for l in reports {
        match kept.iter_mut().find(|k| k.host() == l.host()) {
            Some(k) if time(&l) >= time(k) => {
                let old = std::mem::replace(k, l);
                replaced.push(Replaced { host: old.host().to_string(), file: old.file, by: k.file.clone() });
            }
            Some(k) => replaced.push(Replaced { host: l.host().to_string(), file: l.file.clone(), by: k.file.clone() }),
            None => kept.push(l),
        }
    }
    (kept, replaced)
}

fn host_row(l: &Loaded) -> Host {
    let r = &l.report;
    let mut fails = Fails::default();
    let mut waived = 0;
    let mut worst = None;
    for res in r.results.iter().filter(|x| x.status == InStatus::Fail) {
        if res.open_failure() {
            fails.add(res.severity);
            worst = worst.max(Some(res.severity));
        } else {
            waived += 1;
        }
    }
    Host {
        host: l.host().to_string(),
        kind: r.target.kind.clone(),
        path: r.target.path.clone(),
        profile: r.profile.clone(),
        score: r.score.value,
        grade: r.score.grade.clone(),
        fails,
        waived,
        scanned_at: l.started_at().to_string(),
        file: l.file.clone(),
        worst,
    }
}

fn check_rows(reports: &[Loaded]) -> Vec<CheckRow> {
    let mut by_id: BTreeMap<&str, CheckRow> = BTreeMap::new();
    for l in reports {
        for res in &l.report.results {
            let row = by_id.entry(&res.id).or_insert_with(|| CheckRow {
                id: res.id.clone(),
                title: res.title.clone(),
                category: res.category.clone(),
                severity: res.severity,
                hosts_run: 0,
                failing: Vec::new(),
                waived: Vec::new(),
            });
            row.severity = row.severity.max(res.severity);
            if matches!(res.status, InStatus::Pass | InStatus::Fail) {
                row.hosts_run += 1;
            }
            if res.open_failure() {
                row.failing.push(l.host().to_string());
            } else if res.status == InStatus::Fail {
                row.waived.push(l.host().to_string());
            }
        }
    }
    let mut rows: Vec<CheckRow> = by_id.into_values().collect();
    rows.sort_by(|a, b| {
        let failing = |r: &CheckRow| !r.failing.is_empty();
        failing(b)
            .cmp(&failing(a))
            .then(b.severity.cmp(&a.severity))
            .then(b.failing.len().cmp(&a.failing.len()))
            .then(b.waived.len().cmp(&a.waived.len()))
            .then(a.id.cmp(&b.id))
    });
    rows
}

fn control_rows(reports: &[Loaded]) -> Vec<ControlRow> {
    let mut by_key: BTreeMap<(String, String), ControlRow> = BTreeMap::new();
    for l in reports {
        let Some(c) = &l.report.compliance else { continue };
        for ctl in &c.controls {
            let row = by_key.entry((c.framework.clone(), ctl.id.clone())).or_insert_with(|| ControlRow {
                framework: c.framework.clone(),
                version: c.version.clone(),
                id: ctl.id.clone(),
                title: ctl.title.clone(),
                pass: 0,
                fail: 0,
                manual: 0,
                not_covered: 0,
                failing: Vec::new(),
            });
            match ctl.status.as_str() {
                "pass" => row.pass += 1,
                "fail" => {
                    row.fail += 1;
                    row.failing.push(l.host().to_string());
                }
                "manual" => row.manual += 1,
                "not-covered" => row.not_covered += 1,
                _ => {}
            }
        }
    }
    let mut rows: Vec<ControlRow> = by_key.into_values().collect();
    rows.sort_by(|a, b| a.framework.cmp(&b.framework).then(b.fail.cmp(&a.fail)).then(natural(&a.id, &b.id)));
    rows
}

/// Control ids in reading order: `1.2` before `1.10`.
fn natural(a: &str, b: &str) -> std::cmp::Ordering {
    let key = |s: &str| -> Vec<(u64, String)> {
        s.split('.').map(|p| (p.parse::<u64>().unwrap_or(u64::MAX), p.to_string())).collect()
    };
    key(a).cmp(&key(b))
}

/// Merge the reports into the fleet view: hosts worst first (lowest
/// score), checks failing on the most important ground first.
pub fn merge(reports: Vec<Loaded>) -> Fleet {
    let (reports, replaced) = newest_per_host(reports);
    let mut hosts: Vec<Host> = reports.iter().map(host_row).collect();
    hosts.sort_by(|a, b| a.score.total_cmp(&b.score).then(a.host.cmp(&b.host)));
    Fleet {
        schema_version: 1,
        tool: Tool { name: "hardcheck", version: env!("CARGO_PKG_VERSION") },
        hosts,
        checks: check_rows(&reports),
        controls: control_rows(&reports),
        replaced,
    }
}

/// Hosts with an unwaived failure at or above `sev`, with how many.
pub fn gate(fleet: &Fleet, sev: Severity) -> Vec<(String, usize)> {
    let mut per: BTreeMap<&str, usize> = BTreeMap::new();
    for c in fleet.checks.iter().filter(|c| c.severity >= sev) {
        for h in &c.failing {
            *per.entry(h.as_str()).or_default() += 1;
        }
    }
    per.into_iter().map(|(h, n)| (h.to_string(), n)).collect()
}

/// `hardcheck merge`: read, merge, render to `output` or standard output;
/// the exit code (0, or 1 when `fail_on` fails on a host).
pub fn run(
    files: &[PathBuf],
    format: Format,
    output: Option<&Path>,
    fail_on: Option<Severity>,
) -> Result<u8, FleetError> {
    let fleet = merge(load_all(files)?);
    for r in &fleet.replaced {
        eprintln!(
            "hardcheck: note: {} is an older report of {} than {}: left out",
            r.file,
            crate::report::text::neutralize(&r.host),
            r.by
        );
    }
    let text = render::render(&fleet, format);
    match output {
        Some(path) => std::fs::write(path, &text)
            .map_err(|e| FleetError::Output { file: path.display().to_string(), message: e.to_string() })?,
        None => {
            use std::io::Write as _;
            // A closed pipe (`| head`) is not an error.
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
    }
    let Some(sev) = fail_on else { return Ok(0) };
    let bad = gate(&fleet, sev);
    if bad.is_empty() {
        return Ok(0);
    }
    let names: Vec<String> = bad.iter().map(|(h, n)| format!("{} ({n})", crate::report::text::neutralize(h))).collect();
    eprintln!("hardcheck: gate failed: {} host(s) fail a check at or above {sev}: {}", bad.len(), names.join(", "));
    Ok(1)
}
