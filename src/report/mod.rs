//! Report formats, all fed by the same [`Report`].

pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod table;

use crate::model::{CheckResult, Severity, Skipped, Status};
use crate::score::{Score, Summary};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetInfo {
    pub kind: &'static str,
    pub path: String,
    /// Tags, digest and platform of an image target (an addition to schema 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<crate::target::image::ImageInfo>,
}

/// A finished scan: the JSON report contract (schema_version 1).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub target: TargetInfo,
    pub profile: String,
    pub score: Score,
    pub summary: Summary,
    pub results: Vec<CheckResult>,
    /// Inputs the scan could not read, with the reason (an addition to
    /// schema 1: fields may be added).
    pub skipped: Vec<Skipped>,
    /// The exposed surface of a live host: every listening socket with its
    /// verdict (an addition to schema 1; empty offline).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub listeners: Vec<Listener>,
    /// What the configuration says will listen (services' config files,
    /// systemd sockets, compose `ports`, Dockerfile `EXPOSE`), offline too
    /// (an addition to schema 1).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub declared_listeners: Vec<DeclaredListener>,
}

/// One listener declared by a configuration file.
#[derive(Debug, Clone, Serialize)]
pub struct DeclaredListener {
    pub service: String,
    pub proto: String,
    pub address: String,
    pub port: Option<u64>,
    pub scope: String,
    pub path: String,
    pub line: Option<u64>,
    /// `local only`, `exposed`, `specific address`, or the id of the
    /// failing check whose evidence points at the same line.
    pub verdict: String,
}

impl DeclaredListener {
    /// Entries of the `declared_listeners` collector, each judged by the
    /// failing checks whose evidence names its file and line.
    pub fn from_facts(facts: &serde_json::Value, results: &[CheckResult]) -> Vec<DeclaredListener> {
        let mut out: Vec<DeclaredListener> = facts["listeners"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let path = e["path"].as_str().unwrap_or("").to_string();
                let line = e["line"].as_u64();
                let scope = e["scope"].as_str().unwrap_or("").to_string();
                let failing = results
                    .iter()
                    .filter(|r| r.status == Status::Fail)
                    .find(|r| r.evidence.iter().any(|ev| ev.path.as_deref() == Some(path.as_str()) && ev.line == line));
                let verdict = match (failing, scope.as_str()) {
                    (Some(r), _) => format!("fail: {}", r.id),
                    (None, "loopback") => "local only".into(),
                    (None, "all") => "exposed".into(),
                    (None, _) => "specific address".into(),
                };
                DeclaredListener {
                    service: e["service"].as_str().unwrap_or("").to_string(),
                    proto: e["proto"].as_str().unwrap_or("").to_string(),
                    address: e["address"].as_str().unwrap_or("").to_string(),
                    port: e["port"].as_u64(),
                    scope,
                    path,
                    line,
                    verdict,
                }
            })
            .collect();
        out.sort_by(|a, b| (a.port, &a.proto, &a.service).cmp(&(b.port, &b.proto, &b.service)));
        out
    }
}

/// One listening socket, as the compact "Listening ports" section shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Listener {
    pub proto: String,
    pub address: String,
    pub port: u64,
    pub scope: String,
    pub process: Option<String>,
    pub pid: Option<u64>,
    pub user: Option<String>,
    /// `local only`, `exposed`, or the id of the failing check that names it.
    pub verdict: String,
}

impl Listener {
    /// Listeners from the `listeners` collector's entries, each judged by the
    /// failing checks whose evidence names it.
    pub fn from_facts(facts: &serde_json::Value, results: &[CheckResult]) -> Vec<Listener> {
        let mut out: Vec<Listener> = facts["entries"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let detail = e["detail"].as_str().unwrap_or("");
                let scope = e["scope"].as_str().unwrap_or("").to_string();
                let failing = results
                    .iter()
                    .filter(|r| r.status == Status::Fail)
                    .find(|r| r.evidence.iter().any(|ev| ev.path.is_none() && ev.detail == detail));
                let verdict = match failing {
                    Some(r) => format!("fail: {}", r.id),
                    None if scope == "loopback" => "local only".into(),
                    None => "exposed".into(),
                };
                Listener {
                    proto: e["proto"].as_str().unwrap_or("").to_string(),
                    address: e["address"].as_str().unwrap_or("").to_string(),
                    port: e["port"].as_u64().unwrap_or(0),
                    scope,
                    process: e["process"].as_str().map(str::to_string),
                    pid: e["pid"].as_u64(),
                    user: e["user"].as_str().map(str::to_string),
                    verdict,
                }
            })
            .collect();
        out.sort_by(|a, b| (a.port, &a.proto, &a.address).cmp(&(b.port, &b.proto, &b.address)));
        out
    }
}

/// Output formats of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Sarif,
    Junit,
    Html,
    Markdown,
}

/// Render a report in a format. `color` only affects the table.
pub fn render(report: &Report, format: Format, color: bool) -> Result<String, String> {
    match format {
        Format::Table => Ok(table::render(report, color)),
        Format::Json => Ok(json::render(report)),
        Format::Sarif => Ok(sarif::render(report)),
        Format::Junit => Ok(junit::render(report)),
        Format::Html => Ok(html::render(report)),
        Format::Markdown => Ok(markdown::render(report)),
    }
}

/// Results ordered for reading: failures first, worst first, then errors,
/// skips and passes; ties by id.
pub fn ordered(results: &[CheckResult]) -> Vec<&CheckResult> {
    let mut v: Vec<&CheckResult> = results.iter().collect();
    v.sort_by(|a, b| a.status.cmp(&b.status).then(b.severity.cmp(&a.severity)).then(a.id.cmp(&b.id)));
    v
}

/// Categories ordered by their worst failure, then by name.
pub fn categories(results: &[CheckResult]) -> Vec<String> {
    let mut cats: Vec<(Option<Severity>, String)> = Vec::new();
    for r in results {
        let worst = if r.status == Status::Fail { Some(r.severity) } else { None };
        match cats.iter_mut().find(|(_, c)| *c == r.category) {
            Some((w, _)) => *w = (*w).max(worst),
            None => cats.push((worst, r.category.clone())),
        }
    }
    cats.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    cats.into_iter().map(|(_, c)| c).collect()
}

/// `path:line`, `path`, or `-` for evidence that is not a file.
pub fn location(path: &Option<String>, line: Option<u64>) -> String {
    match (path, line) {
        (Some(p), Some(l)) => format!("{p}:{l}"),
        (Some(p), None) => p.clone(),
        _ => "-".into(),
    }
}
