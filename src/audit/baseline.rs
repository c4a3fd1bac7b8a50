//! Baselines (`scan --baseline OLD.json`): each failing evidence entry is
//! `new` or `unchanged` against an earlier JSON report, and what the old
//! report failed on that is gone is listed as `fixed`. Entries match on
//! check id, path and detail, so a finding that moved to another line is
//! still the same finding.

use super::{read, AuditError};
use crate::model::{Change, CheckResult, Status};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// A finding of the baseline report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fixed {
    pub id: String,
    pub path: Option<String>,
    pub line: Option<u64>,
    pub detail: String,
}

/// The failing findings of an earlier report.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub file: String,
    findings: Vec<Fixed>,
}

type Key = (String, Option<String>, String);

fn key(f: &Fixed) -> Key {
    (f.id.clone(), f.path.clone(), f.detail.clone())
}

fn bad(file: &str, message: &str) -> AuditError {
    AuditError::Other(format!("--baseline {file}: {message}"))
}

/// Read an earlier JSON report (`--format json`, schema_version 1).
pub fn load(path: &Path) -> Result<Baseline, AuditError> {
    parse(&path.display().to_string(), &read(path)?)
}

/// Parse an earlier JSON report's text.
pub fn parse(file: &str, text: &str) -> Result<Baseline, AuditError> {
    let v: Value = serde_json::from_str(text).map_err(|e| AuditError::Invalid {
        file: file.into(),
        line: e.line(),
        message: e.to_string(),
    })?;
    match v.get("schema_version").and_then(Value::as_u64) {
        Some(1) => {}
        Some(n) => return Err(bad(file, &format!("schema_version {n} is not supported (expected 1)"))),
        None => return Err(bad(file, "not a hardcheck JSON report (no schema_version)")),
    }
    let results = v.get("results").and_then(Value::as_array).ok_or_else(|| bad(file, "no `results` list"))?;
    let mut findings = Vec::new();
    for (i, r) in results.iter().enumerate() {
        let id = r.get("id").and_then(Value::as_str).ok_or_else(|| bad(file, &format!("results[{i}] has no id")))?;
        if r.get("status").and_then(Value::as_str) != Some("fail") {
            continue;
        }
        let evidence = r.get("evidence").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        if evidence.is_empty() {
            findings.push(Fixed { id: id.into(), path: None, line: None, detail: String::new() });
        }
        for e in evidence {
            findings.push(Fixed {
                id: id.into(),
                path: e.get("path").and_then(Value::as_str).map(str::to_string),
                line: e.get("line").and_then(Value::as_u64),
                detail: e.get("detail").and_then(Value::as_str).unwrap_or_default().to_string(),
            });
        }
    }
    Ok(Baseline { file: file.to_string(), findings })
}

/// Mark each failure's evidence (and the failure) `new` or `unchanged`;
/// return the baseline's findings that are gone. A finding is fixed only
/// when its check decided this time (pass or fail): one whose check did not
/// run (`--check`, another profile) or was skipped or errored may well be
/// still there, and is not listed.
pub fn compare(base: &Baseline, results: &mut [CheckResult]) -> Vec<Fixed> {
    let decided: std::collections::BTreeSet<String> =
        results.iter().filter(|r| matches!(r.status, Status::Pass | Status::Fail)).map(|r| r.id.clone()).collect();
    let mut left: BTreeMap<Key, Vec<&Fixed>> = BTreeMap::new();
    for f in &base.findings {
        left.entry(key(f)).or_default().push(f);
    }
    let mut take = |k: Key| left.get_mut(&k).and_then(Vec::pop).is_some();
    for r in results.iter_mut().filter(|r| r.status == Status::Fail) {
        let mut any_new = false;
        if r.evidence.is_empty() {
            any_new = !take((r.id.clone(), None, String::new()));
        }
        for e in &mut r.evidence {
            let seen = take((r.id.clone(), e.path.clone(), e.detail.clone()));
            e.change = Some(if seen { Change::Unchanged } else { Change::New });
            any_new |= !seen;
        }
        r.change = Some(if any_new { Change::New } else { Change::Unchanged });
    }
    let mut fixed: Vec<Fixed> = left.into_values().flatten().filter(|f| decided.contains(&f.id)).cloned().collect();
    fixed.sort_by(|a, b| (&a.id, &a.path, a.line).cmp(&(&b.id, &b.path, b.line)));
    fixed
}
