//! `--format table` (default): what a person at a terminal needs, in the
//! order they need it.
//!
//! - A header: tool, profile, what was scanned, when, as whom; a note at
//!   the top when a non-root scan sees less.
//! - Per category, worst first: each open failure (worst first) with its
//!   evidence (`path:line` on a line of its own, the offending text below
//!   it) and its fix; errors; then one summary line for the passes and
//!   skips (`--verbose` lists them). Clean categories take one line each.
//! - The listening ports and declared listeners, and the inputs that could
//!   not be read, in a line or two each (`--verbose` lists them).
//! - "Top findings": the worst few open failures again, with the first sentence
//!   of their fixes, so the last screen is what to do first; then the
//!   score line.
//! - Waived failures are not among them: the audit view lists them apart
//!   (with the waiver's owner and expiry), and the counts say how many.
//!
//! Lines fit the width (80 columns when it is not a terminal): text wraps
//! at spaces, and an id, a path or a `path:line` is never broken (one
//! wider than the line gets a line of its own). Every text that comes from
//! the target is neutralised ([`text::neutralize`]): no escape sequence,
//! tab or bidi control reaches the terminal. `--quiet` prints only the
//! score line and the failed ids.

use super::text::{neutralize, prose, wrap, wrap_atoms};
use super::{categories, location, ordered, RenderOptions, Report};
use crate::model::{CheckResult, Evidence, Severity, Status};
use std::fmt::Write as _;

/// Evidence entries shown per failure unless `--verbose`.
const EVIDENCE_SHOWN: usize = 8;
/// Unread inputs listed unless `--verbose`.
const NOT_READ_SHOWN: usize = 5;
/// Failures in the closing "Top findings".
const TOP: usize = 5;

struct Style {
    color: bool,
    width: usize,
    verbose: bool,
}

impl Style {
    fn paint(&self, s: &str, sgr: &str) -> String {
        if self.color {
            format!("\x1b[{sgr}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn lines(&self, out: &mut String, lines: Vec<String>) {
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
    }

    /// Wrapped prose with a first-line prefix and a hanging indent.
    fn para(&self, out: &mut String, text: &str, first: &str, rest: &str) {
        self.lines(out, wrap(text, self.width, first, rest));
    }

    /// Colour `word` where it starts the first line after `skip` bytes
    /// (colour is added after wrapping, so it never counts as width).
    fn paint_first(&self, lines: &mut [String], skip: usize, word: &str, sgr: &str) {
        if let Some(first) = lines.first_mut() {
            if first.get(skip..).is_some_and(|rest| rest.starts_with(word)) {
                *first = format!("{}{}{}", &first[..skip], self.paint(word, sgr), &first[skip + word.len()..]);
            }
        }
    }
}

fn severity_sgr(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "2",
    }
}

fn label(s: Severity) -> String {
    s.as_str().to_uppercase()
}

/// `LABEL id · title`, wrapped, the label coloured.
fn heading(out: &mut String, st: &Style, indent: &str, tag: &str, sgr: &str, r: &CheckResult) {
    let text = format!("{tag} {} · {}", neutralize(&r.id), prose(&r.title));
    let mut lines = wrap(&text, st.width, indent, &format!("{indent}  "));
    st.paint_first(&mut lines, indent.len(), tag, sgr);
    st.lines(out, lines);
}

/// Rows of cells, neutralised, in aligned columns (see [`super::text::aligned`]).
fn rows(out: &mut String, st: &Style, rows: Vec<Vec<String>>) {
    st.lines(out, super::text::aligned(rows, st.width));
}

fn evidence(out: &mut String, st: &Style, e: &Evidence) {
    let detail = neutralize(&e.detail);
    match &e.path {
        Some(_) => {
            let at = neutralize(&location(&e.path, e.line)).into_owned();
            st.lines(out, wrap_atoms(["at", at.as_str()], st.width, "  ", "     "));
            if !detail.is_empty() {
                st.para(out, &detail, "     ", "     ");
            }
        }
        None => st.para(out, &detail, "  - ", "    "),
    }
    if let Some(layer) = super::layer_note(e) {
        st.para(out, &neutralize(&layer), "     ", "     ");
    }
}

fn failure(out: &mut String, st: &Style, r: &CheckResult) {
    heading(out, st, "", &label(r.severity), severity_sgr(r.severity), r);
    st.para(out, &prose(&r.message), "  ", "  ");
    let shown = if st.verbose { r.evidence.len() } else { EVIDENCE_SHOWN.min(r.evidence.len()) };
    for e in &r.evidence[..shown] {
        evidence(out, st, e);
    }
    if shown < r.evidence.len() {
        let more = format!("… and {} more places (--verbose or --format json lists them)", r.evidence.len() - shown);
        st.para(out, &more, "  ", "  ");
    }
    let mut lines = wrap(&prose(&r.fix), st.width, "  fix: ", "       ");
    st.paint_first(&mut lines, 2, "fix:", "1");
    st.lines(out, lines);
    out.push('\n');
}

/// A pass, skip or error in one or two lines, under `indent`.
fn brief(out: &mut String, st: &Style, indent: &str, r: &CheckResult) {
    let (tag, sgr) = match r.status {
        Status::Pass => ("pass", "32"),
        Status::Skip => ("skip", "2"),
        Status::Error => ("ERROR", "35"),
        Status::Fail => ("FAIL", "31"),
    };
    heading(out, st, indent, tag, sgr, r);
    if r.status != Status::Pass {
        let sub = format!("{indent}  ");
        st.para(out, &prose(&r.message), &sub, &sub);
    }
}

fn count_line(results: &[&CheckResult]) -> String {
    let n = |s: Status| results.iter().filter(|r| r.status == s).count();
    let waived = results.iter().filter(|r| r.status == Status::Fail && r.waiver.is_some()).count();
    let parts: Vec<String> =
        [(Status::Fail, "fail"), (Status::Error, "error"), (Status::Pass, "pass"), (Status::Skip, "skip")]
            .into_iter()
            .filter(|(s, _)| n(*s) > 0)
            .map(|(s, w)| match (s, waived) {
                (Status::Fail, 1..) => format!("{} {w} ({waived} waived)", n(s)),
                _ => format!("{} {w}", n(s)),
            })
            .collect();
    parts.join(" · ")
}

fn category(out: &mut String, st: &Style, report: &Report, cat: &str, results: &[&CheckResult]) {
    let score = report.score.by_category.get(cat).copied().unwrap_or(100.0);
    let head = format!("{} · {score:.1}/100 · {}", neutralize(cat), count_line(results));
    let problems: Vec<&&CheckResult> =
        results.iter().filter(|r| r.open_failure() || r.status == Status::Error).collect();
    if problems.is_empty() && !st.verbose {
        let mut lines = wrap(&head, st.width, "✓ ", "  ");
        st.paint_first(&mut lines, 0, "✓", "32");
        st.lines(out, lines);
        return;
    }
    out.push('\n');
    st.para(out, &head, "", "  ");
    let _ = writeln!(out, "{}", st.paint(&"─".repeat(st.width), "2"));
    for r in results.iter().filter(|r| r.open_failure()) {
        failure(out, st, r);
    }
    for r in results.iter().filter(|r| r.status == Status::Error) {
        brief(out, st, "", r);
        out.push('\n');
    }
    let rest: Vec<&&CheckResult> = results.iter().filter(|r| matches!(r.status, Status::Pass | Status::Skip)).collect();
    if st.verbose {
        for r in rest {
            brief(out, st, "  ", r);
        }
    } else if !rest.is_empty() {
        let n = |s: Status| rest.iter().filter(|r| r.status == s).count();
        let mut parts = Vec::new();
        for (s, w) in [(Status::Pass, "passed"), (Status::Skip, "skipped")] {
            if n(s) > 0 {
                parts.push(format!("{} {w}", n(s)));
            }
        }
        st.para(out, &format!("{} (--verbose lists them)", parts.join(", ")), "  + ", "    ");
    }
}

fn header(out: &mut String, st: &Style, report: &Report) {
    let title = format!("hardcheck {} · profile {}", report.tool.version, neutralize(&report.profile));
    st.para(out, &title, "", "  ");
    st.para(out, &neutralize(&report.provenance()), "", "  ");
    if report.sees_less() {
        let note = format!(
            "not running as root ({}, uid {}): {} input(s) could not be read, and the checks that need them are \
             skipped. Run it as root to see everything: `sudo $(command -v hardcheck) scan`",
            neutralize(&report.scan.user),
            report.scan.uid,
            report.skipped.len()
        );
        let mut lines = wrap(&note, st.width, "note: ", "      ");
        st.paint_first(&mut lines, 0, "note:", "1;33");
        st.lines(out, lines);
    }
    if let Some(note) = report.container_note() {
        let note = format!("{note}; live-host-only checks are skipped (give --profile to choose)");
        st.para(out, &neutralize(&note), "", "  ");
    }
}

fn listeners(out: &mut String, st: &Style, report: &Report) {
    if !report.listeners.is_empty() || !report.declared_listeners.is_empty() {
        out.push('\n');
    }
    if !report.listeners.is_empty() {
        let exposed: Vec<String> = report
            .listeners
            .iter()
            .filter(|l| l.verdict != "local only")
            .map(|l| match &l.process {
                Some(p) => format!("{}/{} {}", l.port, neutralize(&l.proto), neutralize(p)),
                None => format!("{}/{}", l.port, neutralize(&l.proto)),
            })
            .collect();
        let mut text = format!("Listening ports: {}, {} beyond loopback", report.listeners.len(), exposed.len());
        if !exposed.is_empty() && !st.verbose {
            let _ = write!(text, " ({})", exposed.join(", "));
        }
        st.para(out, &text, "", "  ");
        if st.verbose {
            let table = report.listeners.iter().map(|l| {
                let process = match (&l.process, l.pid) {
                    (Some(p), Some(pid)) => format!("{p} ({pid})"),
                    _ => "unknown process".into(),
                };
                vec![format!("{}/{}", l.port, l.proto), l.address.clone(), process, l.verdict.clone()]
            });
            rows(out, st, table.collect());
        }
    }
    if !report.declared_listeners.is_empty() {
        let all = report.declared_listeners.iter().filter(|l| l.verdict != "local only").count();
        let text = format!(
            "Declared in configuration: {} listener(s), {all} beyond loopback{}",
            report.declared_listeners.len(),
            if st.verbose { "" } else { " (--verbose lists them)" }
        );
        st.para(out, &text, "", "  ");
        if st.verbose {
            let table = report.declared_listeners.iter().map(|l| {
                let port = l.port.map(|p| p.to_string()).unwrap_or_else(|| "random".into());
                let at = location(&Some(l.path.clone()), l.line);
                vec![format!("{port}/{}", l.proto), l.address.clone(), l.service.clone(), l.verdict.clone(), at]
            });
            rows(out, st, table.collect());
        }
    }
}

fn not_read(out: &mut String, st: &Style, report: &Report) {
    if report.skipped.is_empty() {
        return;
    }
    out.push('\n');
    let _ = writeln!(out, "Not read ({}):", report.skipped.len());
    let shown = if st.verbose { report.skipped.len() } else { NOT_READ_SHOWN.min(report.skipped.len()) };
    for s in &report.skipped[..shown] {
        let path = neutralize(&s.path);
        st.lines(out, wrap_atoms([path.as_ref()], st.width, "  ", "  "));
        st.para(out, &neutralize(&s.reason), "    ", "    ");
    }
    if shown < report.skipped.len() {
        st.para(out, &format!("… and {} more (--verbose lists them)", report.skipped.len() - shown), "  ", "  ");
    }
}

/// The first sentence of a fix (up to a `. ` before a capital letter,
/// outside code spans), or all of it.
pub fn first_sentence(text: &str) -> &str {
    let mut in_code = false;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        match c {
            '`' => in_code = !in_code,
            '.' if !in_code
                && bytes.get(i + 1) == Some(&b' ')
                && bytes.get(i + 2).is_some_and(u8::is_ascii_uppercase) =>
            {
                return &text[..=i];
            }
            _ => {}
        }
    }
    text
}

fn top_findings(out: &mut String, st: &Style, report: &Report) {
    let failed: Vec<&CheckResult> = ordered(&report.results).into_iter().filter(|r| r.open_failure()).collect();
    // A few failures are all on the last screen already.
    if failed.len() <= 3 {
        return;
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "{}",
        st.paint(&format!("Top findings ({} of {} failed)", TOP.min(failed.len()), failed.len()), "1")
    );
    for (i, r) in failed.iter().take(TOP).enumerate() {
        let num = format!("{}. ", i + 1);
        let tag = label(r.severity);
        let at =
            r.evidence.iter().find(|e| e.path.is_some()).map(|e| neutralize(&location(&e.path, e.line)).into_owned());
        let id = neutralize(&r.id);
        let atoms: Vec<&str> = [tag.as_str(), id.as_ref()].into_iter().chain(at.as_deref()).collect();
        let mut lines = wrap_atoms(atoms, st.width, &num, "   ");
        st.paint_first(&mut lines, num.len(), &tag, severity_sgr(r.severity));
        st.lines(out, lines);
        st.para(out, first_sentence(&prose(&r.fix)), "   fix: ", "        ");
    }
}

fn score_line(report: &Report) -> String {
    let s = &report.summary;
    let waived = if s.waived > 0 { format!(" ({} waived)", s.waived) } else { String::new() };
    format!(
        "Score {:.1}/100 (grade {}) · {} pass · {} fail{waived} · {} skip · {} error",
        report.score.value, report.score.grade, s.pass, s.fail, s.skip, s.error
    )
}

/// `--quiet`: the score line, then the ids of the open failures, worst
/// first (a waived failure is counted in the score line, not listed).
fn quiet(report: &Report) -> String {
    let mut out = score_line(report);
    out.push('\n');
    for r in ordered(&report.results).into_iter().filter(|r| r.open_failure()) {
        out.push_str(&neutralize(&r.id));
        out.push('\n');
    }
    out
}

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    if opts.quiet {
        return quiet(report);
    }
    let st = Style { color: opts.color, width: opts.width.unwrap_or(80).clamp(40, 120), verbose: opts.verbose };
    let mut out = String::new();
    header(&mut out, &st, report);
    let ordered = ordered(&report.results);
    let mut clean_seen = false;
    for cat in categories(&report.results) {
        let results: Vec<&CheckResult> = ordered.iter().copied().filter(|r| r.category == cat).collect();
        let clean = !results.iter().any(|r| r.open_failure() || r.status == Status::Error);
        if clean && !st.verbose && !clean_seen {
            out.push('\n');
            clean_seen = true;
        }
        category(&mut out, &st, report, &cat, &results);
    }
    listeners(&mut out, &st, report);
    not_read(&mut out, &st, report);
    top_findings(&mut out, &st, report);
    out.push_str(&super::audit_view::text(report, st.verbose, st.width));
    out.push('\n');
    let line = score_line(report);
    let _ = writeln!(out, "{}", st.paint(&line, "1"));
    out
}

#[cfg(test)]
mod tests {
    use super::first_sentence;

    #[test]
    fn first_sentence_stops_outside_code() {
        assert_eq!(first_sentence("Set `a. B` here. Then reload."), "Set `a. B` here.");
        assert_eq!(first_sentence("Use e.g. this (line 1). Reload it."), "Use e.g. this (line 1).");
        assert_eq!(first_sentence("One sentence only"), "One sentence only");
        assert_eq!(first_sentence("Ends. "), "Ends. ");
    }
}
