//! The audit sections of the table, Markdown and HTML reports: the control
//! view of a benchmark profile, the waivers and what became of them, and
//! the baseline comparison. SARIF and JUnit do not show them.
//!
//! Waived failures are listed here, apart, with the waiver's owner, expiry
//! and reason; the table, Markdown and HTML reports do not list them again
//! among the open failures (JSON keeps them in `results` with `waiver`).

use super::html::escape_html as esc;
use super::text::neutralize;
use super::Report;
use crate::audit::controls::{Control, ControlStatus};
use crate::model::{Change, Status};
use std::fmt::Write as _;

fn counts(report: &Report) -> Option<String> {
    let c = report.compliance.as_ref()?;
    let s = &c.summary;
    Some(format!(
        "{} {} ({}), profile {}: {} controls: {} pass, {} fail, {} manual, {} not covered",
        c.framework,
        c.version,
        c.level,
        c.profile,
        c.controls.len(),
        s.pass,
        s.fail,
        s.manual,
        s.not_covered
    ))
}

fn status_word(c: &Control) -> String {
    match (c.status, c.undecided, c.waived) {
        (ControlStatus::Fail, _, true) => "fail (waived)".into(),
        (s, Some(u), _) => format!(
            "{} ({})",
            s.as_str(),
            if u == crate::audit::controls::Undecided::Error { "check errored" } else { "checks skipped" }
        ),
        (s, None, _) => s.as_str().into(),
    }
}

/// The waived failures, worst first.
fn waived(report: &Report) -> Vec<&crate::model::CheckResult> {
    super::ordered(&report.results).into_iter().filter(|r| r.status == Status::Fail && r.waiver.is_some()).collect()
}

/// Where a failure is: its first evidence location, or `-`.
fn first_at(r: &crate::model::CheckResult) -> String {
    r.evidence.iter().find(|e| e.path.is_some()).map(|e| super::location(&e.path, e.line)).unwrap_or("-".into())
}

fn new_failures(report: &Report) -> usize {
    report.results.iter().filter(|r| r.change == Some(Change::New)).count()
}

/// Plain text for the table report, wrapped at `width`; every control with
/// `verbose`, else the failing and undecided ones.
pub fn text(report: &Report, verbose: bool, width: usize) -> String {
    let mut out = String::new();
    let para = |out: &mut String, text: &str| {
        for l in super::text::wrap(text, width, "  ", "      ") {
            let _ = writeln!(out, "{l}");
        }
    };
    if let (Some(line), Some(c)) = (counts(report), report.compliance.as_ref()) {
        out.push('\n');
        for l in super::text::wrap(&format!("CONTROLS  {line}"), width, "", "  ") {
            let _ = writeln!(out, "{l}");
        }
        for ctl in c.controls.iter().filter(|c| verbose || c.status == ControlStatus::Fail || c.undecided.is_some()) {
            let line = format!("{:<10} {:<16} {}  [{}]", ctl.id, status_word(ctl), ctl.title, ctl.checks.join(", "));
            para(&mut out, &line);
        }
    }
    let w = waived(report);
    if !w.is_empty() {
        let _ = writeln!(out, "\nWAIVED FAILURES ({}, not scored, not gated)", w.len());
        for r in w {
            let n = r.waiver.as_ref().expect("waived");
            para(
                &mut out,
                &format!(
                    "{} {} at {} · until {} by {}: {}",
                    r.severity.as_str().to_uppercase(),
                    neutralize(&r.id),
                    neutralize(&first_at(r)),
                    neutralize(&n.expires),
                    neutralize(&n.owner),
                    neutralize(&n.reason)
                ),
            );
        }
    }
    for ws in report.waivers.iter().filter(|w| w.state.as_str() != "applied") {
        let line = format!("waiver {}:{} ({}) {}: {}", ws.file, ws.line, ws.check, ws.state.as_str(), ws.reason);
        para(&mut out, &neutralize(&line));
    }
    if let Some(fixed) = &report.fixed {
        let _ = writeln!(
            out,
            "\nBASELINE  {} new failing check(s), {} finding(s) fixed",
            new_failures(report),
            fixed.len()
        );
        for f in fixed {
            let at = f.path.as_deref().map(|p| format!(" {p}{}", f.line.map(|l| format!(":{l}")).unwrap_or_default()));
            para(&mut out, &neutralize(&format!("fixed {}{}", f.id, at.unwrap_or_default())));
        }
    }
    out
}

/// Markdown: the counts, the failing and undecided controls, waivers and
/// the baseline comparison.
pub fn markdown(report: &Report) -> String {
    let md = super::markdown::escape_cell;
    let mut out = String::new();
    if let (Some(line), Some(c)) = (counts(report), report.compliance.as_ref()) {
        let _ = writeln!(out, "## Controls\n\n{}\n", super::markdown::escape_text(&line));
        let shown: Vec<&Control> =
            c.controls.iter().filter(|c| c.status == ControlStatus::Fail || c.undecided.is_some()).collect();
        if !shown.is_empty() {
            out.push_str("| control | status | title | checks |\n| --- | --- | --- | --- |\n");
            for ctl in shown {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    md(&ctl.id),
                    md(&status_word(ctl)),
                    md(&ctl.title),
                    md(&ctl.checks.join(", "))
                );
            }
            out.push('\n');
        }
    }
    let w = waived(report);
    if !w.is_empty() {
        let _ = writeln!(out, "## Waived failures ({}, not scored, not gated)\n", w.len());
        out.push_str("| check | severity | at | expires | owner | reason |\n| --- | --- | --- | --- | --- | --- |\n");
        for r in w {
            let n = r.waiver.as_ref().expect("waived");
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                super::markdown::code_cell(&r.id),
                r.severity.as_str(),
                super::markdown::code_cell(&first_at(r)),
                md(&n.expires),
                md(&n.owner),
                md(&n.reason)
            );
        }
        out.push('\n');
    }
    if !report.waivers.is_empty() {
        out.push_str("## Waivers\n\n| waiver | check | state | expires | owner | reason |\n| --- | --- | --- | --- | --- | --- |\n");
        for w in &report.waivers {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                md(&format!("{}:{}", w.file, w.line)),
                md(&w.check),
                w.state.as_str(),
                md(&w.expires),
                md(&w.owner),
                md(&w.reason)
            );
        }
        out.push('\n');
    }
    if let Some(fixed) = &report.fixed {
        let _ = writeln!(
            out,
            "## Baseline\n\n{} new failing check(s), {} finding(s) fixed.\n",
            new_failures(report),
            fixed.len()
        );
        for f in fixed {
            let _ = writeln!(out, "- fixed {} {}", md(&f.id), md(f.path.as_deref().unwrap_or("")));
        }
        if !fixed.is_empty() {
            out.push('\n');
        }
    }
    out
}

/// HTML: every control with a status filter made of radio buttons and CSS
/// (no script; print shows every row), waivers, the baseline comparison.
pub fn html(report: &Report) -> String {
    let mut out = String::new();
    if let (Some(line), Some(c)) = (counts(report), report.compliance.as_ref()) {
        let _ = writeln!(out, "<section class=\"controls\">\n<h2>Controls</h2>\n<p>{}</p>", esc(&line));
        out.push_str("<input type=\"radio\" name=\"cf\" id=\"cf-all\" checked><label for=\"cf-all\">all</label>\n");
        for s in ["fail", "pass", "manual", "not-covered"] {
            let _ = writeln!(out, "<input type=\"radio\" name=\"cf\" id=\"cf-{s}\"><label for=\"cf-{s}\">{s}</label>");
        }
        out.push_str(
            "<table>\n<thead><tr><th>control</th><th>status</th><th>title</th><th>checks</th></tr></thead>\n<tbody>\n",
        );
        for ctl in &c.controls {
            let _ = writeln!(
                out,
                "<tr class=\"cs-{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                ctl.status.as_str(),
                esc(&ctl.id),
                esc(&status_word(ctl)),
                esc(&ctl.title),
                esc(&ctl.checks.join(", "))
            );
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }
    let w = waived(report);
    if !w.is_empty() {
        let _ = writeln!(
            out,
            "<section class=\"waived\">\n<h2>Waived failures ({}, not scored, not gated)</h2>\n<div class=\"table-wrap\"><table>\n\
             <thead><tr><th>check</th><th>severity</th><th>at</th><th>result</th><th>expires</th><th>owner</th><th>reason</th></tr></thead>\n<tbody>",
            w.len()
        );
        for r in w {
            let n = r.waiver.as_ref().expect("waived");
            let _ = writeln!(
                out,
                "<tr id=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                super::html::anchor_id(&r.id),
                super::html::code(&r.id),
                r.severity.as_str(),
                super::html::code(&first_at(r)),
                super::html::escape_with_code(&r.message),
                esc(&n.expires),
                esc(&n.owner),
                esc(&n.reason)
            );
        }
        out.push_str("</tbody>\n</table></div>\n</section>\n");
    }
    if !report.waivers.is_empty() {
        out.push_str("<section class=\"waivers\">\n<h2>Waivers</h2>\n<table>\n<thead><tr><th>waiver</th><th>check</th><th>state</th><th>expires</th><th>owner</th><th>reason</th></tr></thead>\n<tbody>\n");
        for w in &report.waivers {
            let _ = writeln!(
                out,
                "<tr class=\"ws-{}\"><td>{}:{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                w.state.as_str(),
                esc(&w.file),
                w.line,
                esc(&w.check),
                w.state.as_str(),
                esc(&w.expires),
                esc(&w.owner),
                esc(&w.reason)
            );
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }
    if let Some(fixed) = &report.fixed {
        let _ = writeln!(
            out,
            "<section class=\"baseline\">\n<h2>Baseline</h2>\n<p>{} new failing check(s), {} finding(s) fixed.</p>\n<ul>",
            new_failures(report),
            fixed.len()
        );
        for f in fixed {
            let _ = writeln!(out, "<li>fixed {} {}</li>", esc(&f.id), esc(f.path.as_deref().unwrap_or("")));
        }
        out.push_str("</ul>\n</section>\n");
    }
    out
}

/// The CSS of the HTML control filter (print shows every row).
pub const CSS: &str = "\
.controls input[type=radio]{position:absolute;opacity:0}
.controls label{display:inline-block;margin:0 .3em .5em 0;padding:.1em .6em;border:1px solid #888;border-radius:1em;cursor:pointer}
.controls input:checked+label{background:#333;color:#fff}
#cf-fail:checked~table tbody tr:not(.cs-fail),#cf-pass:checked~table tbody tr:not(.cs-pass),
#cf-manual:checked~table tbody tr:not(.cs-manual),#cf-not-covered:checked~table tbody tr:not(.cs-not-covered){display:none}
tr.cs-fail td:nth-child(2){color:#b00020;font-weight:bold}
tr.ws-expired td:nth-child(3){color:#b00020}
@media print{.controls input,.controls label{display:none}.controls tbody tr{display:table-row!important}}
";
