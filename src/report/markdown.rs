//! `--format markdown`: GitHub-flavoured Markdown for a pull-request
//! comment, a job summary or a wiki page. A summary table, then per
//! category (worst first) each failure with its evidence and fix, and the
//! other results as a compact table.
//!
//! Text read from the target (messages, evidence) is untrusted: evidence
//! goes into code spans, `<`, `>` and `&` in prose become entities so no
//! HTML reaches the renderer, and `|` is escaped inside table cells.

use super::{categories, location, ordered, Report};
use crate::model::{CheckResult, Status};
use std::fmt::Write as _;

/// Prose: entities for `&`, `<` and `>` (no raw HTML), line breaks and
/// control characters become spaces. Code spans are kept as they are (a
/// fix such as ``Set `PermitRootLogin no` `` still renders as code, and
/// entities would show literally inside one).
pub fn escape_text(s: &str) -> String {
    let chars: Vec<char> = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let run_at = |i: usize| chars[i..].iter().take_while(|c| **c == '`').count();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            // A code span runs to the next backtick run of the same length.
            let n = run_at(i);
            let mut j = i + n;
            let mut end = None;
            while j < chars.len() {
                if chars[j] == '`' {
                    let m = run_at(j);
                    if m == n {
                        end = Some(j + m);
                        break;
                    }
                    j += m;
                } else {
                    j += 1;
                }
            }
            match end {
                Some(e) => {
                    out.extend(&chars[i..e]);
                    i = e;
                }
                None => {
                    out.extend(&chars[i..i + n]);
                    i += n;
                }
            }
            continue;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// A table cell: as [`escape_text`], with `|` escaped (GFM splits cells on
/// `|` even inside code spans, and `\|` is read as `|` there too).
pub fn escape_cell(s: &str) -> String {
    escape_text(s).replace('|', "\\|")
}

/// A code span holding `s` literally: the fence is one backtick longer
/// than the longest run of backticks inside, padded with spaces when the
/// content starts or ends with a backtick. Line breaks become spaces.
pub fn code(s: &str) -> String {
    let s: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let (mut longest, mut run) = (0, 0);
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || s.is_empty() { " " } else { "" };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// A code span inside a table cell.
fn code_cell(s: &str) -> String {
    code(s).replace('|', "\\|")
}

fn status_mark(s: Status) -> &'static str {
    match s {
        Status::Pass => "✅ pass",
        Status::Fail => "❌ fail",
        Status::Error => "⚠️ error",
        Status::Skip => "⏭️ skip",
    }
}

fn failure(out: &mut String, r: &CheckResult) {
    let _ = writeln!(out, "### ❌ {} — {} ({})\n", code(&r.id), escape_text(&r.title), r.severity.as_str());
    let _ = writeln!(out, "{}\n", escape_text(&r.message));
    if !r.evidence.is_empty() {
        out.push_str("Evidence:\n\n");
        for e in &r.evidence {
            // Evidence that is not a file (a socket, a process) is its detail.
            let at = e.path.as_ref().map(|_| code(&location(&e.path, e.line)));
            let detail = (!e.detail.is_empty()).then(|| code(&e.detail));
            let item: Vec<String> = at.into_iter().chain(detail).collect();
            let _ = writeln!(out, "- {}", item.join(" "));
        }
        out.push('\n');
    }
    let _ = writeln!(out, "**Fix:** {}\n", escape_text(&r.fix));
    if !r.references.is_empty() {
        let refs: Vec<String> = r.references.iter().map(|(k, v)| format!("{k} {}", v.join(", "))).collect();
        let _ = writeln!(out, "References: {}\n", escape_text(&refs.join("; ")));
    }
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# hardcheck report: {} {}\n", report.target.kind, code(&report.target.path));
    let _ = writeln!(out, "Profile {} · hardcheck {}\n", code(&report.profile), escape_text(report.tool.version));
    let s = &report.summary;
    let _ = writeln!(
        out,
        "**Score {:.1}/100 (grade {})** · {} pass · {} fail · {} skip · {} error\n",
        report.score.value, report.score.grade, s.pass, s.fail, s.skip, s.error
    );

    let cats = categories(&report.results);
    let ordered = ordered(&report.results);
    if !cats.is_empty() {
        out.push_str("| category | score | pass | fail | skip | error |\n|---|---:|---:|---:|---:|---:|\n");
        for cat in &cats {
            let n = |st: Status| ordered.iter().filter(|r| &r.category == cat && r.status == st).count();
            let score = report.score.by_category.get(cat).copied().unwrap_or(100.0);
            let _ = writeln!(
                out,
                "| {} | {score:.1} | {} | {} | {} | {} |",
                escape_cell(cat),
                n(Status::Pass),
                n(Status::Fail),
                n(Status::Skip),
                n(Status::Error)
            );
        }
        out.push('\n');
    }

    for cat in &cats {
        let rs: Vec<&CheckResult> = ordered.iter().copied().filter(|r| &r.category == cat).collect();
        let score = report.score.by_category.get(cat).copied().unwrap_or(100.0);
        let _ = writeln!(out, "## {} — {score:.1}/100\n", escape_text(cat));
        for r in rs.iter().filter(|r| r.status == Status::Fail) {
            failure(&mut out, r);
        }
        let rest: Vec<&&CheckResult> = rs.iter().filter(|r| r.status != Status::Fail).collect();
        if !rest.is_empty() {
            out.push_str("| status | severity | check | result |\n|---|---|---|---|\n");
            for r in rest {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {}: {} |",
                    status_mark(r.status),
                    r.severity.as_str(),
                    code_cell(&r.id),
                    escape_cell(&r.title),
                    escape_cell(&r.message)
                );
            }
            out.push('\n');
        }
    }

    if !report.skipped.is_empty() {
        let _ = writeln!(out, "## Not read ({})\n", report.skipped.len());
        for sk in &report.skipped {
            let _ = writeln!(out, "- {}: {}", code(&sk.path), escape_text(&sk.reason));
        }
        out.push('\n');
    }
    out
}
