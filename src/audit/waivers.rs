//! Waivers (`scan --waivers FILE`, or a profile's `waivers`): failures an
//! owner accepts for a reason until a date. A waived failure keeps
//! `status: "fail"` and gains `waiver`; it is not scored and never trips a
//! gate. An expired waiver stops applying; one that matches no failure is
//! listed as unused.
//!
//! ```toml
//! [[waiver]]
//! check = "ssh.*"                      # a check id or a glob (required)
//! path = "/etc/ssh/sshd_config.d/*"    # a glob over evidence paths (optional)
//! reason = "legacy jump host, replaced in Q3"
//! owner = "infra@example.org"
//! expires = 2026-09-30                 # the last day it applies (or a string)
//! ```

use super::{line_of, parse_toml, read, AuditError};
use crate::model::{CheckResult, Evidence, Status, WaiverNote};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    waiver: Vec<toml::Spanned<RawWaiver>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    check: String,
    path: Option<String>,
    reason: String,
    owner: String,
    expires: toml::Value,
}

/// One waiver, checked.
#[derive(Debug, Clone)]
pub struct Waiver {
    pub file: String,
    pub line: usize,
    pub check: String,
    pub path: Option<String>,
    pub note: WaiverNote,
    check_glob: glob::Pattern,
    path_glob: Option<glob::Pattern>,
}

/// What became of a waiver in a scan (the report's `waivers` list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WaiverState {
    /// It accepts at least one failure.
    Applied,
    /// It matches evidence of a failure that also fails elsewhere: the
    /// failure stays open.
    Partial,
    /// Its date has passed: it no longer applies.
    Expired,
    /// It matches no failure (fixed, or a typo).
    Unused,
}

impl WaiverState {
    pub fn as_str(self) -> &'static str {
        match self {
            WaiverState::Applied => "applied",
            WaiverState::Partial => "partial",
            WaiverState::Expired => "expired",
            WaiverState::Unused => "unused",
        }
    }
}

/// A waiver as the report lists it.
#[derive(Debug, Clone, Serialize)]
pub struct WaiverStatus {
    pub file: String,
    pub line: usize,
    pub check: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub reason: String,
    pub owner: String,
    pub expires: String,
    pub state: WaiverState,
    /// The failing checks it matches (for an expired waiver: would match).
    pub matched: Vec<String>,
}

/// A valid `YYYY-MM-DD` (proleptic Gregorian).
pub fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) || !digits(5..7) || !digits(8..10) {
        return false;
    }
    let (y, m, d): (u32, u32, u32) =
        (s[..4].parse().unwrap_or(0), s[5..7].parse().unwrap_or(0), s[8..].parse().unwrap_or(0));
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => 0,
    };
    (1..=days).contains(&d)
}

fn invalid(file: &str, line: usize, message: String) -> AuditError {
    AuditError::Invalid { file: file.to_string(), line, message }
}

fn checked(file: &str, line: usize, w: RawWaiver) -> Result<Waiver, AuditError> {
    let expires = match &w.expires {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) => d.to_string(),
        other => return Err(invalid(file, line, format!("`expires` must be a date (YYYY-MM-DD), not {other}"))),
    };
    if !valid_date(&expires) {
        return Err(invalid(file, line, format!("`expires = {expires}` is not a date (YYYY-MM-DD)")));
    }
    for (field, value) in [("check", &w.check), ("reason", &w.reason), ("owner", &w.owner)] {
        if value.trim().is_empty() {
            return Err(invalid(file, line, format!("`{field}` is empty")));
        }
    }
    let glob = |what: &str, p: &str| {
        glob::Pattern::new(p).map_err(|e| invalid(file, line, format!("`{what} = {p:?}` is not a glob: {e}")))
    };
    Ok(Waiver {
        file: file.to_string(),
        line,
        check_glob: glob("check", &w.check)?,
        path_glob: w.path.as_deref().map(|p| glob("path", p)).transpose()?,
        check: w.check,
        path: w.path,
        note: WaiverNote { reason: w.reason, owner: w.owner, expires },
    })
}

/// Parse a waivers file's text.
pub fn parse(file: &str, text: &str) -> Result<Vec<Waiver>, AuditError> {
    let raw: RawFile = parse_toml(file, text)?;
    raw.waiver
        .into_iter()
        .map(|s| {
            let line = line_of(text, s.span().start);
            checked(file, line, s.into_inner())
        })
        .collect()
}

/// Read and parse a waivers file.
pub fn load(path: &Path) -> Result<Vec<Waiver>, AuditError> {
    parse(&path.display().to_string(), &read(path)?)
}

impl Waiver {
    fn matches_check(&self, r: &CheckResult) -> bool {
        self.check_glob.matches(&r.id) || self.check == r.id
    }

    /// Whether it covers an evidence entry (`None`: a failure without one).
    fn covers(&self, ev: Option<&Evidence>) -> bool {
        match (&self.path_glob, ev.and_then(|e| e.path.as_deref())) {
            (None, _) => true,
            (Some(g), Some(p)) => g.matches(p),
            (Some(_), None) => false,
        }
    }
}

/// Apply waivers to the failures: `today` is `YYYY-MM-DD` (a waiver applies
/// through its `expires` day). Returns what became of each waiver.
pub fn apply(waivers: &[Waiver], today: &str, results: &mut [CheckResult]) -> Vec<WaiverStatus> {
    let mut matched: Vec<Vec<String>> = vec![Vec::new(); waivers.len()];
    let mut applied = vec![false; waivers.len()];
    let live: Vec<bool> = waivers.iter().map(|w| w.note.expires.as_str() >= today).collect();
    for r in results.iter_mut().filter(|r| r.status == Status::Fail) {
        let entries: Vec<Option<&Evidence>> = match r.evidence.is_empty() {
            true => vec![None],
            false => r.evidence.iter().map(Some).collect(),
        };
        let mut first = None;
        let mut all_covered = true;
        for ev in &entries {
            let by = (0..waivers.len()).filter(|&i| waivers[i].matches_check(r) && waivers[i].covers(*ev));
            let mut covered = false;
            for i in by {
                if !matched[i].contains(&r.id) {
                    matched[i].push(r.id.clone());
                }
                if live[i] {
                    covered = true;
                    first = first.or(Some(i));
                }
            }
            all_covered &= covered;
        }
        if let (true, Some(i)) = (all_covered, first) {
            applied[i] = true;
            r.waiver = Some(waivers[i].note.clone());
        }
    }
    waivers
        .iter()
        .enumerate()
        .map(|(i, w)| WaiverStatus {
            file: w.file.clone(),
            line: w.line,
            check: w.check.clone(),
            path: w.path.clone(),
            reason: w.note.reason.clone(),
            owner: w.note.owner.clone(),
            expires: w.note.expires.clone(),
            state: match (live[i], applied[i], matched[i].is_empty()) {
                (false, _, _) => WaiverState::Expired,
                (true, true, _) => WaiverState::Applied,
                (true, false, false) => WaiverState::Partial,
                (true, false, true) => WaiverState::Unused,
            },
            matched: std::mem::take(&mut matched[i]),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        for ok in ["2026-12-31", "2024-02-29", "2000-02-29", "1999-01-01"] {
            assert!(valid_date(ok), "{ok}");
        }
        for bad in ["2026-13-01", "2023-02-29", "1900-02-29", "2026-04-31", "2026-1-01", "26-01-01", "2026-01-01x"] {
            assert!(!valid_date(bad), "{bad}");
        }
    }

    #[test]
    fn errors_name_the_line() {
        let text = "[[waiver]]\ncheck = \"a.b\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-01-01\n\n[[waiver]]\ncheck = \"a.c\"\nreason = \"r\"\nexpires = 2026-01-01\n";
        let e = parse("w.toml", text).unwrap_err().to_string();
        assert!(e.starts_with("w.toml:7:") && e.contains("owner"), "{e}");
        let text = "[[waiver]]\ncheck = \"a.b\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-02-30\"\n";
        let e = parse("w.toml", text).unwrap_err().to_string();
        assert!(e.starts_with("w.toml:1:") && e.contains("not a date"), "{e}");
    }
}
