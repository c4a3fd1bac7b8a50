//! Report formats, all fed by the same [`Report`].

pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod table;

pub use crate::model::{DeclaredListener, Listener};

use crate::checks::score::{Score, Summary};
use crate::model::{CheckResult, Severity, Skipped, Status};
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
