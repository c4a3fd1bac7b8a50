//! Reading the reports `merge` is given: user files, read bounded and
//! type-checked. A report is opened without blocking (a FIFO cannot hang
//! the merge), must be a regular file (`/dev/zero` is refused before a
//! byte is read), is read up to [`limits::REPORT_BYTES`], parsed as JSON
//! (a syntax error names its line and column), and must say it is a
//! hardcheck report of `schema_version` 1.
//!
//! Only the fields the fleet view needs are read; fields added to schema 1
//! later are ignored, and the planned additions (`target.host`,
//! `results[].waiver`, `compliance`) are read when present.

use super::FleetError;
use crate::limits;
use crate::model::Severity;
use serde::Deserialize;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// The report schema this hardcheck reads.
pub const SCHEMA_VERSION: u64 = 1;

/// One report, as `merge` reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct Input {
    pub schema_version: u64,
    pub tool: InTool,
    pub target: InTarget,
    #[serde(default)]
    pub scan: Option<InScan>,
    #[serde(default)]
    pub profile: String,
    pub score: InScore,
    pub results: Vec<InResult>,
    #[serde(default)]
    pub compliance: Option<InCompliance>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InTool {
    pub name: String,
    #[serde(default)]
    pub version: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InTarget {
    pub kind: String,
    #[serde(default)]
    pub path: String,
    /// The hostname or image name (an addition to schema 1; a report
    /// without it is named by its `path`).
    #[serde(default)]
    pub host: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InScan {
    #[serde(default)]
    pub started_at: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InScore {
    pub value: f64,
    pub grade: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InStatus {
    Pass,
    Fail,
    Skip,
    Error,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InResult {
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub category: String,
    pub severity: Severity,
    pub status: InStatus,
    /// A waiver (`{reason, owner, expires}`): a waived failure keeps
    /// `status: "fail"` and is counted apart.
    #[serde(default)]
    pub waiver: Option<serde_json::Value>,
}

impl InResult {
    /// A failure no waiver covers.
    pub fn open_failure(&self) -> bool {
        self.status == InStatus::Fail && self.waived().is_none()
    }

    /// The waiver of a failure, when it has one (`null` is none).
    pub fn waived(&self) -> Option<&serde_json::Value> {
        self.waiver.as_ref().filter(|w| !w.is_null())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct InCompliance {
    pub framework: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub controls: Vec<InControl>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InControl {
    pub id: String,
    #[serde(default)]
    pub title: String,
    /// `pass`, `fail`, `manual` or `not-covered`; another value is counted
    /// as none of them.
    pub status: String,
}

/// A report with the file it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub file: String,
    pub report: Input,
}

impl Loaded {
    /// The name the fleet knows the host by: `target.host`, else the
    /// target's path (reports written before `target.host`).
    pub fn host(&self) -> &str {
        match self.report.target.host.as_deref() {
            Some(h) if !h.is_empty() => h,
            _ => &self.report.target.path,
        }
    }

    /// `scan.started_at`, or empty.
    pub fn started_at(&self) -> &str {
        self.report.scan.as_ref().map(|s| s.started_at.as_str()).unwrap_or("")
    }
}

/// The bytes of a user file: opened without blocking, a regular file only,
/// at most `max` bytes.
pub fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, FleetError> {
    let file = path.display().to_string();
    let read_err = |e: std::io::Error| FleetError::Read { file: file.clone(), message: e.to_string() };
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(read_err)?;
    let meta = f.metadata().map_err(read_err)?;
    let ft = meta.file_type();
    if !ft.is_file() {
        let kind = match () {
            _ if ft.is_dir() => "a directory",
            _ if ft.is_fifo() => "a FIFO",
            _ if ft.is_socket() => "a socket",
            _ if ft.is_char_device() => "a character device",
            _ if ft.is_block_device() => "a block device",
            _ => "not a regular file",
        };
        return Err(FleetError::NotRegular { file, kind });
    }
    if meta.len() > max {
        return Err(FleetError::TooLarge { file, limit: max });
    }
    let mut buf = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    f.take(max + 1).read_to_end(&mut buf).map_err(read_err)?;
    if buf.len() as u64 > max {
        return Err(FleetError::TooLarge { file, limit: max });
    }
    Ok(buf)
}

/// Read and check one report.
pub fn load(path: &Path) -> Result<Loaded, FleetError> {
    let bytes = read_bounded(path, limits::REPORT_BYTES)?;
    let file = path.display().to_string();
    parse(&file, &bytes).map(|report| Loaded { file, report })
}

/// The `schema_version` a JSON document declares: `Ok(None)` when it is
/// not an object with that field.
fn declared_version(file: &str, v: &serde_json::Value) -> Result<u64, FleetError> {
    let Some(obj) = v.as_object() else {
        return Err(FleetError::NotReport { file: file.into(), message: "the document is not a JSON object".into() });
    };
    match obj.get("schema_version") {
        None => Err(FleetError::NoSchema { file: file.into() }),
        Some(n) => n.as_u64().ok_or_else(|| FleetError::Schema { file: file.into(), found: n.to_string() }),
    }
}

/// Parse one report's bytes.
pub fn parse(file: &str, bytes: &[u8]) -> Result<Input, FleetError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Io => FleetError::Read { file: file.into(), message: e.to_string() },
        _ => FleetError::Syntax { file: file.into(), line: e.line(), column: e.column(), message: syntax_message(&e) },
    })?;
    let version = declared_version(file, &value)?;
    if version != SCHEMA_VERSION {
        return Err(FleetError::Schema { file: file.into(), found: version.to_string() });
    }
    if value.pointer("/tool/name").and_then(|n| n.as_str()) != Some("hardcheck") {
        return Err(FleetError::NotReport { file: file.into(), message: "`tool.name` is not \"hardcheck\"".into() });
    }
    serde_json::from_value(value).map_err(|e| FleetError::NotReport { file: file.into(), message: e.to_string() })
}

/// serde_json's message without its own ` at line L column C` suffix (the
/// error names them itself).
fn syntax_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal(extra: &str) -> String {
        format!(
            r#"{{"schema_version": 1, "tool": {{"name": "hardcheck", "version": "0.1.0"}},
               "target": {{"kind": "root", "path": "/srv/a"{extra}}}, "profile": "baseline",
               "score": {{"value": 50.0, "grade": "C"}}, "results": []}}"#
        )
    }

    #[test]
    fn a_report_without_host_is_named_by_its_path() {
        let r = parse("a.json", minimal("").as_bytes()).unwrap();
        let l = Loaded { file: "a.json".into(), report: r };
        assert_eq!(l.host(), "/srv/a");
        let r = parse("a.json", minimal(r#", "host": "web1""#).as_bytes()).unwrap();
        assert_eq!(Loaded { file: "a.json".into(), report: r }.host(), "web1");
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let e = parse("x.json", b"{\n  \"a\": ,\n}").unwrap_err().to_string();
        assert!(e.starts_with("x.json:2:8: not JSON: expected value"), "{e}");
        let e = parse("x.json", b"[1]").unwrap_err().to_string();
        assert!(e.contains("not a hardcheck report"), "{e}");
        let e = parse("x.json", b"{\"tool\": {}}").unwrap_err().to_string();
        assert!(e.contains("`schema_version` is missing"), "{e}");
        let e = parse("x.json", minimal("").replace("\"schema_version\": 1", "\"schema_version\": 2").as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("schema_version 2 is not supported"), "{e}");
        let e = parse("x.json", minimal("").replace("\"results\": []", "\"results\": 3").as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a hardcheck report") && e.contains("results"), "{e}");
    }
}
