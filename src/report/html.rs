//! `--format html`: one self-contained page for an auditor: inline CSS, no
//! script, nothing fetched. Header (target, profile, tool version), score
//! and grade, counts, a summary per category, then a table per category
//! (worst first) with status badges, and evidence, fix and references for
//! each failure; the inputs that could not be read at the end. Prints
//! cleanly (badges keep their colours, rows do not split across pages).
//!
//! Every piece of text is escaped: messages and evidence come from the
//! scanned files.

use super::{categories, location, ordered, Report};
use crate::model::{CheckResult, Status};
use std::fmt::Write as _;

/// Escape text for HTML content or a quoted attribute: `&`, `<`, `>`, `"`
/// and `'` become entities; control characters other than tab, newline
/// and carriage return are dropped.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Escaped text where `` `code` `` spans (as check fixes write them)
/// become `<code>`; an unpaired backtick stays as it is.
pub fn escape_with_code(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len() < 3 || parts.len().is_multiple_of(2) {
        return escape_html(s);
    }
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", escape_html(p));
        } else {
            out.push_str(&escape_html(p));
        }
    }
    out
}

/// Anchor id for a category: letters, digits and `-` only.
fn anchor(cat: &str) -> String {
    let s: String = cat.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    format!("cat-{s}")
}

const CSS: &str = r#"
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg-alt: #f6f8fa;
  --pass: #1a7f37; --fail: #cf222e; --error: #8250df; --skip: #6e7781;
  --critical: #a40e26; --high: #cf222e; --medium: #9a6700; --low: #0969da; --info: #59636e; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--fg); margin: 0 auto; max-width: 72rem; padding: 2rem 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2.25rem 0 .75rem; padding-bottom: .3rem; border-bottom: 1px solid var(--line);
  display: flex; justify-content: space-between; align-items: baseline; }
h2 .cat-score { font-size: .95rem; font-weight: normal; color: var(--muted); }
.meta { color: var(--muted); margin: 0 0 1.5rem; }
.meta dt { display: inline; font-weight: 600; color: var(--fg); }
.meta dd { display: inline; margin: 0 1.25rem 0 .35rem; }
code { font: .88em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--bg-alt);
  border: 1px solid var(--line); border-radius: 4px; padding: 0 .3em; word-break: break-all; }
.overview { display: flex; gap: 1.5rem; align-items: center; flex-wrap: wrap;
  border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; }
.score { font-size: 2.4rem; font-weight: 700; line-height: 1; }
.score small { font-size: 1rem; font-weight: 400; color: var(--muted); }
.grade { font-size: 1.8rem; font-weight: 700; width: 3.2rem; height: 3.2rem; border-radius: 50%;
  display: flex; align-items: center; justify-content: center; color: #fff; background: var(--skip); }
.grade-A { background: var(--pass); } .grade-B { background: #4d8a1f; } .grade-C { background: var(--medium); }
.grade-D { background: #bc4c00; } .grade-F { background: var(--fail); }
.counts { display: flex; gap: 1.25rem; flex-wrap: wrap; }
.counts div { text-align: center; } .counts b { display: block; font-size: 1.4rem; }
table { width: 100%; border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: .45rem .6rem; border-bottom: 1px solid var(--line); }
th { background: var(--bg-alt); font-size: .85rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
td.num, th.num { text-align: right; }
tr { break-inside: avoid; page-break-inside: avoid; }
tr.fail td { background: #fff8f8; }
.badge { display: inline-block; min-width: 4.2rem; text-align: center; font-size: .78rem; font-weight: 700;
  text-transform: uppercase; letter-spacing: .03em; border-radius: 1rem; padding: .1rem .5rem; color: #fff; }
.status-pass { background: var(--pass); } .status-fail { background: var(--fail); }
.status-error { background: var(--error); } .status-skip { background: var(--skip); }
.sev { font-weight: 600; } .sev-critical { color: var(--critical); } .sev-high { color: var(--high); }
.sev-medium { color: var(--medium); } .sev-low { color: var(--low); } .sev-info { color: var(--info); }
.id { font-size: .85rem; color: var(--muted); }
.title { font-weight: 600; }
.msg { margin: .15rem 0 0; }
.evidence { margin: .4rem 0 0; padding-left: 1.1rem; }
.evidence li { margin: .1rem 0; }
.fix { margin: .4rem 0 0; padding: .35rem .6rem; border-left: 3px solid var(--pass); background: #f3faf5; }
.refs { margin: .3rem 0 0; font-size: .85rem; color: var(--muted); }
.notread li { margin: .15rem 0; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: .85rem; border-top: 1px solid var(--line); padding-top: .6rem; }
a { color: inherit; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; page-break-after: avoid; }
  a { text-decoration: none; }
}
"#;

fn counts(results: &[&CheckResult]) -> [usize; 4] {
    let n = |s: Status| results.iter().filter(|r| r.status == s).count();
    [n(Status::Pass), n(Status::Fail), n(Status::Skip), n(Status::Error)]
}

fn row(out: &mut String, r: &CheckResult) {
    let st = r.status.as_str();
    let sev = r.severity.as_str();
    let _ = write!(
        out,
        "<tr class=\"{st}\"><td><span class=\"badge status-{st}\">{st}</span></td>\
         <td><span class=\"sev sev-{sev}\">{sev}</span></td>\
         <td><div class=\"title\">{}</div><div class=\"id\"><code>{}</code></div></td><td><p class=\"msg\">{}</p>",
        escape_html(&r.title),
        escape_html(&r.id),
        escape_html(&r.message)
    );
    if r.status == Status::Fail {
        if !r.evidence.is_empty() {
            out.push_str("<ul class=\"evidence\">");
            for e in &r.evidence {
                out.push_str("<li>");
                // Evidence that is not a file (a socket, a process) is its detail.
                if e.path.is_some() {
                    let _ = write!(out, "<code>{}</code> ", escape_html(&location(&e.path, e.line)));
                }
                out.push_str(&escape_html(&e.detail));
                out.push_str("</li>");
            }
            out.push_str("</ul>");
        }
        let _ = write!(out, "<p class=\"fix\"><strong>Fix:</strong> {}</p>", escape_with_code(&r.fix));
        if !r.references.is_empty() {
            let refs: Vec<String> = r
                .references
                .iter()
                .map(|(k, v)| format!("{} {}", escape_html(k), escape_html(&v.join(", "))))
                .collect();
            let _ = write!(out, "<p class=\"refs\">References: {}</p>", refs.join(" · "));
        }
    }
    out.push_str("</td></tr>\n");
}

pub fn render(report: &Report) -> String {
    let target = format!("{} {}", report.target.kind, report.target.path);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"hardcheck {}\">\n\
         <title>hardcheck report — {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        escape_html(report.tool.version),
        escape_html(&target)
    );

    let _ = write!(
        out,
        "<header>\n<h1>Hardening report</h1>\n<dl class=\"meta\"><dt>Target</dt><dd>{} <code>{}</code></dd>\
         <dt>Profile</dt><dd>{}</dd><dt>Tool</dt><dd>{} {}</dd></dl>\n</header>\n",
        escape_html(report.target.kind),
        escape_html(&report.target.path),
        escape_html(&report.profile),
        escape_html(report.tool.name),
        escape_html(report.tool.version)
    );

    let s = &report.summary;
    let grade = report.score.grade;
    let _ = writeln!(
        out,
        "<section class=\"overview\" aria-label=\"Score\">\
         <div class=\"score\">{:.1}<small>/100</small></div>\
         <div class=\"grade grade-{g}\" title=\"grade\">{g}</div>\
         <div class=\"counts\"><div><b>{}</b>checks</div><div><b>{}</b>pass</div><div><b>{}</b>fail</div>\
         <div><b>{}</b>skip</div><div><b>{}</b>error</div><div><b>{}</b>not read</div></div></section>",
        report.score.value,
        s.pass + s.fail + s.skip + s.error,
        s.pass,
        s.fail,
        s.skip,
        s.error,
        report.skipped.len(),
        g = escape_html(&grade.to_string()),
    );

    let cats = categories(&report.results);
    let ordered = ordered(&report.results);
    if !cats.is_empty() {
        out.push_str(
            "<h2>Summary</h2>\n<table>\n<thead><tr><th>Category</th><th class=\"num\">Score</th>\
             <th class=\"num\">Pass</th><th class=\"num\">Fail</th><th class=\"num\">Skip</th>\
             <th class=\"num\">Error</th></tr></thead>\n<tbody>\n",
        );
        for cat in &cats {
            let rs: Vec<&CheckResult> = ordered.iter().copied().filter(|r| &r.category == cat).collect();
            let [p, f, sk, e] = counts(&rs);
            let score = report.score.by_category.get(cat).copied().unwrap_or(100.0);
            let _ = writeln!(
                out,
                "<tr><td><a href=\"#{}\">{}</a></td><td class=\"num\">{score:.1}</td><td class=\"num\">{p}</td>\
                 <td class=\"num\">{f}</td><td class=\"num\">{sk}</td><td class=\"num\">{e}</td></tr>",
                anchor(cat),
                escape_html(cat)
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }

    for cat in &cats {
        let score = report.score.by_category.get(cat).copied().unwrap_or(100.0);
        let _ = write!(
            out,
            "<section id=\"{}\">\n<h2><span>{}</span><span class=\"cat-score\">{score:.1}/100</span></h2>\n\
             <table>\n<thead><tr><th>Status</th><th>Severity</th><th>Check</th><th>Result</th></tr></thead>\n<tbody>\n",
            anchor(cat),
            escape_html(cat)
        );
        for r in ordered.iter().filter(|r| &r.category == cat) {
            row(&mut out, r);
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }

    if !report.skipped.is_empty() {
        let _ = writeln!(
            out,
            "<section>\n<h2>Not read ({})</h2>\n<p>These inputs could not be read; checks that needed them may be incomplete.</p>\n<ul class=\"notread\">",
            report.skipped.len()
        );
        for sk in &report.skipped {
            let _ = writeln!(out, "<li><code>{}</code> {}</li>", escape_html(&sk.path), escape_html(&sk.reason));
        }
        out.push_str("</ul>\n</section>\n");
    }

    let _ = write!(
        out,
        "<footer>Generated by {} {} · profile {} · score {:.1}/100, grade {}. \
         Score: weighted share of applicable checks that pass (critical 20, high 10, medium 5, low 2, info 1); \
         skipped and errored checks are not counted; a failed critical check caps the grade at D, a failed high one at B.</footer>\n</body>\n</html>\n",
        escape_html(report.tool.name),
        escape_html(report.tool.version),
        escape_html(&report.profile),
        report.score.value,
        escape_html(&grade.to_string())
    );
    out
}
