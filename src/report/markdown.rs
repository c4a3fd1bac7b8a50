//! `--format markdown`: GitHub-flavoured Markdown for a pull-request
//! comment, a job summary or a wiki page. A summary table, then per
//! category (worst first) each failure with its evidence and fix, and the
//! other results as a compact table. Waived failures are listed apart in
//! the audit view ([`super::audit_view`]), not among the failures.
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
pub fn code_cell(s: &str) -> String {
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

/// Most characters of the summary: under GitHub's 65,536-character limit
/// for a comment, with room for a bot's own header.
pub const LIMIT: usize = 60_000;
/// Evidence entries shown per failure.
const EVIDENCE_SHOWN: usize = 10;

fn failure(r: &CheckResult) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### ❌ {} — {} ({})\n", code(&r.id), escape_text(&r.title), r.severity.as_str());
    let _ = writeln!(out, "{}\n", escape_text(&r.message));
    if !r.evidence.is_empty() {
        out.push_str("Evidence:\n\n");
        for e in r.evidence.iter().take(EVIDENCE_SHOWN) {
            // Evidence that is not a file (a socket, a process) is its detail.
            let at = e.path.as_ref().map(|_| code(&location(&e.path, e.line)));
            let detail = (!e.detail.is_empty()).then(|| code(&e.detail));
            let layer = super::layer_note(e).map(|l| format!("({})", code(&l)));
            let item: Vec<String> = at.into_iter().chain(detail).chain(layer).collect();
            let _ = writeln!(out, "- {}", item.join(" "));
        }
        if r.evidence.len() > EVIDENCE_SHOWN {
            let _ = writeln!(out, "- … and {} more", r.evidence.len() - EVIDENCE_SHOWN);
        }
        out.push('\n');
    }
    let _ = writeln!(out, "**Fix:** {}\n", escape_text(&r.fix));
    if !r.references.is_empty() {
        let refs: Vec<String> = r.references.iter().map(|(k, v)| format!("{k} {}", v.join(", "))).collect();
        let _ = writeln!(out, "References: {}\n", escape_text(&refs.join("; ")));
    }
    out
}

/// A URL as a Markdown link target: characters that would end or break
/// the link are percent-encoded.
pub fn link_target(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            ' ' | '<' | '>' | '(' | ')' | '[' | ']' | '`' | '"' | '\'' | '|' => {
                out.push_str(&format!("%{:02X}", c as u32))
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn head(report: &Report, report_url: Option<&str>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# hardcheck report: {} {}\n", report.target.kind, code(&report.target.path));
    let s = &report.summary;
    let waived = if s.waived > 0 { format!(" ({} waived)", s.waived) } else { String::new() };
    let _ = writeln!(
        out,
        "**Score {:.1}/100 (grade {})** · {} pass · {} fail{waived} · {} skip · {} error\n",
        report.score.value, report.score.grade, s.pass, s.fail, s.skip, s.error
    );
    let who =
        if report.scan.as_root { "as root".to_string() } else { format!("as {} (not root)", code(&report.scan.user)) };
    let _ = writeln!(
        out,
        "Host {} · scanned {} ({}) {who} · profile {} · hardcheck {}\n",
        code(&report.target.host),
        super::context::human_time(&report.scan.started_at),
        code(&report.scan.started_at),
        code(&report.profile),
        escape_text(report.tool.version)
    );
    if report.sees_less() {
        let _ = writeln!(
            out,
            "> **Note:** this scan did not run as root: {} input(s) could not be read and the checks that need them are skipped.\n",
            report.skipped.len()
        );
    }
    if let Some(url) = report_url {
        let _ = writeln!(out, "Full report: [{}]({})\n", escape_text(url), link_target(url));
    }
    out
}

fn summary_table(report: &Report, cats: &[String], ordered: &[&CheckResult]) -> String {
    let mut out = String::from("| category | score | pass | fail | skip | error |\n|---|---:|---:|---:|---:|---:|\n");
    for cat in cats {
        let n = |st: Status| ordered.iter().filter(|r| &r.category == cat && r.status == st).count();
        let waived = ordered.iter().filter(|r| &r.category == cat && r.status == Status::Fail && r.waiver.is_some());
        let fail = match waived.count() {
            0 => n(Status::Fail).to_string(),
            w => format!("{} ({w} waived)", n(Status::Fail)),
        };
        let score = report.score.by_category.get(cat).copied().unwrap_or(100.0);
        let _ = writeln!(
            out,
            "| {} | {score:.1} | {} | {fail} | {} | {} |",
            escape_cell(cat),
            n(Status::Pass),
            n(Status::Skip),
            n(Status::Error)
        );
    }
    out.push('\n');
    out
}

/// The passes, skips and errors of one category, folded.
fn others(report: &Report, cat: &str, rest: &[&CheckResult]) -> String {
    let score = report.score.by_category.get(cat).copied().unwrap_or(100.0);
    let mut out = format!(
        "<details><summary>{} — {score:.1}/100: {} other result(s)</summary>\n\n",
        escape_text(cat),
        rest.len()
    );
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
    out.push_str("\n</details>\n\n");
    out
}

fn not_read(report: &Report) -> String {
    let mut out = format!("## Not read ({})\n\n", report.skipped.len());
    for sk in &report.skipped {
        let _ = writeln!(out, "- {}: {}", code(&sk.path), escape_text(&sk.reason));
    }
    out.push('\n');
    out
}

/// The closing note of a cut summary: what is missing and where it is.
fn cut_note(failed_left: &[&CheckResult], others_left: usize, report_url: Option<&str>, with_ids: bool) -> String {
    let mut out = String::from(
        "---\n\n> **This summary is cut** to stay under 60,000 characters (a pull-request comment holds 65,536):",
    );
    if !failed_left.is_empty() {
        let _ = write!(out, " {} failure(s) are not shown in detail", failed_left.len());
        if with_ids {
            let ids: Vec<String> = failed_left.iter().map(|r| code(&r.id)).collect();
            let _ = write!(out, " ({})", ids.join(", "));
        }
        out.push(';');
    }
    if others_left > 0 {
        let _ = write!(out, " {others_left} other section(s) are left out;");
    }
    match report_url {
        Some(url) => {
            let _ = write!(out, " the full report is at [{}]({}).", escape_text(url), link_target(url));
        }
        None => out.push_str(" run `hardcheck scan --format html` or `--format json` for the full report."),
    }
    out.push('\n');
    out
}

pub fn render(report: &Report, report_url: Option<&str>) -> String {
    let cats = categories(&report.results);
    let ordered = ordered(&report.results);
    let mut out = head(report, report_url);
    if !cats.is_empty() {
        out.push_str(&summary_table(report, &cats, &ordered));
    }
    out.push_str(&super::audit_view::markdown(report));
    // Failures first (worst first, across categories), then errors, the
    // other results folded per category, and the inputs not read: each
    // block goes in whole while the summary stays under the limit.
    let failed: Vec<&CheckResult> = ordered.iter().copied().filter(|r| r.open_failure()).collect();
    let mut blocks: Vec<(Option<usize>, String)> = Vec::new();
    if !failed.is_empty() {
        blocks.push((None, format!("## Failures ({})\n\n", failed.len())));
    }
    blocks.extend(failed.iter().enumerate().map(|(i, r)| (Some(i), failure(r))));
    for cat in &cats {
        let rest: Vec<&CheckResult> =
            ordered.iter().copied().filter(|r| &r.category == cat && r.status != Status::Fail).collect();
        if !rest.is_empty() {
            blocks.push((None, others(report, cat, &rest)));
        }
    }
    if !report.skipped.is_empty() {
        blocks.push((None, not_read(report)));
    }
    let reserve = cut_note(&failed, blocks.len(), report_url, true).chars().count().min(LIMIT / 10) + 100;
    let mut used = out.chars().count();
    let mut shown_failures = 0;
    let mut cut_at = None;
    for (i, (failure_index, block)) in blocks.iter().enumerate() {
        let n = block.chars().count();
        if used + n + reserve > LIMIT {
            cut_at = Some(i);
            break;
        }
        used += n;
        out.push_str(block);
        if let Some(f) = failure_index {
            shown_failures = f + 1;
        }
    }
    if let Some(i) = cut_at {
        let left = &failed[shown_failures..];
        let others_left = blocks[i..].iter().filter(|(f, _)| f.is_none()).count();
        let note = cut_note(left, others_left, report_url, true);
        let note =
            if used + note.chars().count() <= LIMIT { note } else { cut_note(left, others_left, report_url, false) };
        out.push_str(&note);
    }
    out
}
