//! The result model every report format is fed from.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] =
        [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Scoring weight (documented in the README).
    pub fn weight(self) -> f64 {
        match self {
            Severity::Info => 1.0,
            Severity::Low => 2.0,
            Severity::Medium => 5.0,
            Severity::High => 10.0,
            Severity::Critical => 20.0,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str() == s.to_ascii_lowercase())
            .ok_or_else(|| format!("unknown severity `{s}` (expected info, low, medium, high or critical)"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Fail,
    Error,
    Skip,
    Pass,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Skip => "skip",
            Status::Error => "error",
        }
    }
}

/// Where a verdict comes from: a file and line inside the target, or
/// something that is not a file (`path: None`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub path: Option<String>,
    pub line: Option<u64>,
    pub detail: String,
    /// The image layer that last wrote the file (image targets; an addition
    /// to schema 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerRef>,
}

/// One check's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub id: String,
    pub title: String,
    pub category: String,
    pub severity: Severity,
    pub status: Status,
    pub message: String,
    pub evidence: Vec<Evidence>,
    pub fix: String,
    pub references: BTreeMap<String, Vec<String>>,
}

/// Something the scan could not read, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// One listening socket of a live host, as the report's "Listening ports"
/// section shows it.
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

/// One listener a configuration file declares.
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

/// The image layer that last wrote a path (image targets only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRef {
    /// Position in the image's layer list, from 0 (the base layer).
    pub index: usize,
    /// Digest of the layer's uncompressed tar (the config's `rootfs.diff_ids`).
    pub diff_id: String,
    /// The build step that made the layer (the config's history), when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}
