//! Report formats, all fed by the same [`Report`].

pub mod audit_view;
pub mod catalog;
pub mod context;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod table;
pub mod text;

pub use crate::model::{DeclaredListener, Listener};

use crate::audit::baseline::Fixed;
use crate::audit::controls::Compliance;
use crate::audit::waivers::WaiverStatus;
use crate::checks::score::{Score, Summary};
use crate::model::{CheckResult, Severity, Skipped};
use serde::Serialize;
use std::collections::BTreeMap;

/// Where each check's documentation lives: `docs/checks/<category>.md#<id>`
/// under this base (the generated check pages), as SARIF's `helpUri`. The
/// one place the docs URL is declared. There is no public site yet: the
/// default is a reserved name that can never resolve (nor be taken by
/// someone else); a release build sets the real base (ending in `/`) with
/// the `HARDCHECK_DOCS_URL` environment variable at compile time.
pub const DOCS_BASE_URL: &str = match option_env!("HARDCHECK_DOCS_URL") {
    Some(url) => url,
    None => "https://hardcheck.invalid/",
};

/// The documentation page of a check (`helpUri` in SARIF, links in HTML).
pub fn check_doc_url(category: &str, id: &str) -> String {
    format!("{DOCS_BASE_URL}docs/checks/{category}.md#{id}")
}

/// The tool's home page (`informationUri` in SARIF).
pub fn tool_url() -> &'static str {
    DOCS_BASE_URL
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetInfo {
    pub kind: &'static str,
    pub path: String,
    /// What the report is about, for a reader: the hostname of a live
    /// host; for `--root`, the target's own `/etc/hostname` when it has a
    /// valid one, else the directory; for an image, its name (see
    /// [`context::target_host`]).
    pub host: String,
    /// Tags, digest and platform of an image target (an addition to schema 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<crate::target::image::ImageInfo>,
    /// The container a live scan ran inside (a build step), with what
    /// showed it (an addition to schema 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<crate::collectors::container::Container>,
}

/// When, how long and as whom the scan ran (an addition to schema 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanInfo {
    /// RFC 3339, UTC, whole seconds (`SOURCE_DATE_EPOCH` fixes it).
    pub started_at: String,
    pub duration_ms: u64,
    /// The user the scan ran as (effective user), by name when known.
    pub user: String,
    pub uid: u32,
    pub as_root: bool,
}

/// What the reports say about a check beyond its result: the rationale
/// (SARIF `fullDescription`, the HTML details). Not part of the JSON
/// report, which carries results only.
#[derive(Debug, Clone, Default)]
pub struct CheckDoc {
    pub rationale: String,
}

/// A finished scan: the JSON report contract (schema_version 1).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub target: TargetInfo,
    pub scan: ScanInfo,
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
    /// The benchmark controls, when the profile declares a framework (an
    /// addition to schema 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compliance: Option<Compliance>,
    /// Every waiver given and what became of it: applied, partial, expired,
    /// unused (an addition to schema 1).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<WaiverStatus>,
    /// With `--baseline`: the baseline's failing findings that are gone (an
    /// addition to schema 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed: Option<Vec<Fixed>>,
    /// Documentation of each check that ran, by id (not serialised).
    #[serde(skip)]
    pub docs: BTreeMap<String, CheckDoc>,
}

impl Report {
    /// The rationale of a check, or an empty string.
    pub fn rationale(&self, id: &str) -> &str {
        self.docs.get(id).map(|d| d.rationale.as_str()).unwrap_or("")
    }

    /// Whether the report sees less than root would: a scan of the live
    /// host, or of a root with unreadable files, by a user other than root.
    pub fn sees_less(&self) -> bool {
        !self.scan.as_root && (self.target.kind == "host" || !self.skipped.is_empty())
    }

    /// `inside a container (docker): profile container`, for a live scan
    /// that runs inside a container.
    pub fn container_note(&self) -> Option<String> {
        let c = self.target.container.as_ref()?;
        Some(format!("inside a container ({}): profile {}", c.engine, self.profile))
    }

    /// One line saying what was scanned, where, when and as whom.
    pub fn provenance(&self) -> String {
        let target = match self.target.kind {
            "host" => format!("host {}", self.target.host),
            kind if self.target.host == self.target.path => format!("{kind} {}", self.target.path),
            kind => format!("{kind} {} ({})", self.target.path, self.target.host),
        };
        let who = if self.scan.as_root { "as root".to_string() } else { format!("as {} (not root)", self.scan.user) };
        format!("{target} · {} · {who}", context::human_time(&self.scan.started_at))
    }
}

/// Output formats of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    /// The JSON report on one line (and a newline): a log pipeline reads
    /// one report per line (the Kubernetes DaemonSet of `deploy/`).
    Jsonl,
    Sarif,
    Junit,
    Html,
    Markdown,
}

/// How a report is rendered, besides its format.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// ANSI colours (table only).
    pub color: bool,
    /// Table: every result, listeners and unread inputs in full.
    pub verbose: bool,
    /// Table: only the score line and the failed ids.
    pub quiet: bool,
    /// Table: the width to fit (terminal columns); 80 when unknown.
    pub width: Option<usize>,
    /// Markdown: where the full report is (a link in the summary).
    pub report_url: Option<String>,
}

/// Render a report in a format. `color` only affects the table.
pub fn render(report: &Report, format: Format, color: bool) -> Result<String, String> {
    render_with(report, format, &RenderOptions { color, ..RenderOptions::default() })
}

/// Render a report in a format with options.
pub fn render_with(report: &Report, format: Format, opts: &RenderOptions) -> Result<String, String> {
    match format {
        Format::Table => Ok(table::render(report, opts)),
        Format::Json => Ok(json::render(report)),
        Format::Jsonl => Ok(json::render_line(report)),
        Format::Sarif => Ok(sarif::render(report)),
        Format::Junit => Ok(junit::render(report)),
        Format::Html => Ok(html::render(report)),
        Format::Markdown => Ok(markdown::render(report, opts.report_url.as_deref())),
    }
}

/// Results ordered for reading: failures first, worst first, then errors,
/// skips and passes; ties by id.
pub fn ordered(results: &[CheckResult]) -> Vec<&CheckResult> {
    let mut v: Vec<&CheckResult> = results.iter().collect();
    v.sort_by(|a, b| a.status.cmp(&b.status).then(b.severity.cmp(&a.severity)).then(a.id.cmp(&b.id)));
    v
}

/// Categories ordered by their worst open failure (a waived one does not
/// count), then by name.
pub fn categories(results: &[CheckResult]) -> Vec<String> {
    let mut cats: Vec<(Option<Severity>, String)> = Vec::new();
    for r in results {
        let worst = if r.open_failure() { Some(r.severity) } else { None };
        match cats.iter_mut().find(|(_, c)| *c == r.category) {
            Some((w, _)) => *w = (*w).max(worst),
            None => cats.push((worst, r.category.clone())),
        }
    }
    cats.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    cats.into_iter().map(|(_, c)| c).collect()
}

/// `path:line`, `path`, or `-` for evidence that is not a file.
/// `layer 2 (sha256:0123456789ab) RUN make install`: the image layer that
/// last wrote an evidence's file, or that a build step made.
pub fn layer_note(e: &crate::model::Evidence) -> Option<String> {
    let l = e.layer.as_ref()?;
    let short: String = l.diff_id.chars().take(l.diff_id.find(':').map_or(12, |i| i + 13)).collect();
    let mut s = format!("layer {} ({short})", l.index);
    if let Some(by) = &l.created_by {
        let by = by.trim().trim_start_matches("/bin/sh -c ").trim();
        let cut: String = by.chars().take(80).collect();
        s.push(' ');
        s.push_str(&cut);
        if cut.len() < by.len() {
            s.push('…');
        }
    }
    Some(s)
}

pub fn location(path: &Option<String>, line: Option<u64>) -> String {
    match (path, line) {
        (Some(p), Some(l)) => format!("{p}:{l}"),
        (Some(p), None) => p.clone(),
        _ => "-".into(),
    }
}
