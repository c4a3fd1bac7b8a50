//! `--format html`: one self-contained page for an auditor: inline CSS, no
//! script, nothing fetched. Header (target, host, scan time, user and
//! whether it ran as root, profile, tool version), score and grade,
//! counts, a summary per category, then one `<details>` per category
//! (worst first; open when it has failures), each failure with its
//! evidence, fix, rationale and references (links where they are URLs);
//! every result has an anchor (`#ssh.permit-root-login`) to link to; the
//! inputs that could not be read at the end.
//!
//! The results have filters by severity, category and status made of radio
//! buttons and CSS (no script): the hiding rules apply on screen only, so
//! printing shows every row whatever is selected. Waived failures are
//! listed apart in the audit view ([`super::audit_view`]), not among the
//! results.
//!
//! Readable on a phone (nothing overflows at 420 px: the tests measure it
//! in headless Chromium) and printable (every category prints open, a
//! result does not split across pages). Code breaks only at `/`, `.`,
//! `-`, `_`, `=`, `,` or `:`, never inside a word, unless a token is wider
//! than the screen.
//!
//! Every piece of text is escaped: messages and evidence come from the
//! scanned files.

use super::{categories, context, location, ordered, Report};
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

/// Escaped text with a line-break opportunity (`<wbr>`) after each `/`,
/// `.`, `-`, `_`, `=`, `,` and `:` (paths, ids, settings), so that code
/// wraps between its parts rather than inside a word.
pub fn breakable(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    let mut run = 0;
    for c in s.chars() {
        out.push_str(&escape_html(&c.to_string()));
        run += 1;
        if matches!(c, '/' | '.' | '-' | '_' | '=' | ',' | ':') && run > 1 {
            out.push_str("<wbr>");
            run = 0;
        } else if c.is_whitespace() {
            run = 0;
        }
    }
    out
}

/// `<code>` holding `s`, breakable between its parts.
pub fn code(s: &str) -> String {
    format!("<code>{}</code>", breakable(s))
}

/// Escaped text where `` `code` `` spans (as check fixes and messages
/// write them) become `<code>`; an unpaired backtick stays as it is.
pub fn escape_with_code(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len() < 3 || parts.len().is_multiple_of(2) {
        return escape_html(s);
    }
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i % 2 == 1 {
            out.push_str(&code(p));
        } else {
            out.push_str(&escape_html(p));
        }
    }
    out
}

/// A reference value as HTML: a link when it is an http(s) URL or a CWE
/// id, else text.
pub fn reference(kind: &str, value: &str) -> String {
    let url_like = (value.starts_with("https://") || value.starts_with("http://"))
        && !value.chars().any(|c| c.is_whitespace() || c.is_control() || "<>\"'`".contains(c));
    if url_like {
        return format!("<a href=\"{}\">{}</a>", escape_html(value), breakable(value));
    }
    let digits = value.trim_start_matches("CWE-").trim_start_matches("cwe-");
    if kind.eq_ignore_ascii_case("cwe") && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return format!("<a href=\"https://cwe.mitre.org/data/definitions/{digits}.html\">{}</a>", escape_html(value));
    }
    escape_html(value)
}

/// Anchor id for a category: letters, digits and `-` only.
fn anchor(cat: &str) -> String {
    let s: String = cat.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    format!("cat-{s}")
}

/// Anchor id for a check: letters, digits, `.` and `-` only.
pub fn anchor_id(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '-' }).collect()
}

/// The page style, shared with the fleet view of `merge`.
pub const CSS: &str = include_str!("html.css");
const AUDIT_CSS: &str = super::audit_view::CSS;

/// Pass, fail (open), skip, error and waived counts.
fn counts(results: &[&CheckResult]) -> [usize; 5] {
    let n = |s: Status| results.iter().filter(|r| r.status == s && r.waiver.is_none()).count();
    let waived = results.iter().filter(|r| r.status == Status::Fail && r.waiver.is_some()).count();
    [n(Status::Pass), n(Status::Fail), n(Status::Skip), n(Status::Error), waived]
}

/// `` or ` (+1 waived)`, after the count of open failures.
fn waived_note(waived: usize) -> String {
    match waived {
        0 => String::new(),
        w => format!(" (+{w} waived)"),
    }
}

/// The filter classes of a result row: `r s-<severity> t-<status>`.
fn row_class(r: &CheckResult) -> String {
    format!("r s-{} t-{}", r.severity.as_str(), r.status.as_str())
}

/// Severities and statuses the result filters offer.
const SEVERITIES: &[&str] = &["critical", "high", "medium", "low", "info"];
const STATUSES: &[&str] = &["fail", "error", "skip", "pass"];

/// The radio buttons of one filter group (`all` checked).
fn filter_group(out: &mut String, group: &str, title: &str, options: &[(String, String)]) {
    let _ = writeln!(
        out,
        "<span class=\"fl\">{title}</span><input type=\"radio\" name=\"{group}\" id=\"{group}-all\" checked>\
         <label for=\"{group}-all\">all</label>"
    );
    for (id, text) in options {
        let _ = writeln!(
            out,
            "<input type=\"radio\" name=\"{group}\" id=\"{group}-{id}\"><label for=\"{group}-{id}\">{}</label>",
            escape_html(text)
        );
    }
}

/// The CSS of the result filters for these categories: on screen only (a
/// printed page shows every row).
fn filter_css(cats: &[String]) -> String {
    let mut rules = Vec::new();
    for s in SEVERITIES {
        rules.push(format!("#fsev-{s}:checked~.rlist .r:not(.s-{s})"));
    }
    for s in STATUSES {
        rules.push(format!("#fst-{s}:checked~.rlist .r:not(.t-{s})"));
    }
    for c in cats {
        let a = anchor(c);
        rules.push(format!("#f{a}:checked~.rlist details.category:not(#{a})"));
    }
    // A category with no row left is hidden too (where `:has` is known; a
    // browser without it keeps the category, empty).
    let mut empty = Vec::new();
    for s in SEVERITIES {
        empty.push(format!("#fsev-{s}:checked~.rlist details.category:not(:has(.s-{s}))"));
    }
    for s in STATUSES {
        empty.push(format!("#fst-{s}:checked~.rlist details.category:not(:has(.t-{s}))"));
    }
    format!(
        "@media screen{{\n{}{{display:none}}\n{}{{display:none}}\n\
         .results-all>input:not([id$=\"-all\"]):checked~.rlist details.category::details-content\
         {{content-visibility:visible;display:block}}\n}}\n",
        rules.join(",\n"),
        empty.join(",\n")
    )
}

fn head_line(out: &mut String, r: &CheckResult) {
    let st = r.status.as_str();
    let sev = r.severity.as_str();
    let _ = write!(
        out,
        "<div class=\"result-head\"><span class=\"badge status-{st}\">{st}</span>\
         <span class=\"sev sev-{sev}\">{sev}</span><span class=\"title\">{}</span>\
         <a class=\"id\" href=\"#{}\" title=\"link to this result\">{}</a></div>",
        escape_with_code(&r.title),
        anchor_id(&r.id),
        code(&r.id),
    );
}

fn failure(out: &mut String, report: &Report, r: &CheckResult) {
    let _ =
        write!(out, "<article class=\"result {} {}\" id=\"{}\">", r.status.as_str(), row_class(r), anchor_id(&r.id));
    head_line(out, r);
    let _ = write!(out, "<p class=\"msg\">{}</p>", escape_with_code(&r.message));
    if !r.evidence.is_empty() {
        out.push_str("<ul class=\"evidence\">");
        for e in &r.evidence {
            out.push_str("<li>");
            // Evidence that is not a file (a socket, a process) is its detail.
            if e.path.is_some() {
                let _ = write!(out, "{} ", code(&location(&e.path, e.line)));
            }
            let _ = write!(out, "<span class=\"detail\">{}</span>", breakable(&e.detail));
            if let Some(layer) = super::layer_note(e) {
                let _ = write!(out, " <span class=\"layer\">{}</span>", breakable(&layer));
            }
            out.push_str("</li>");
        }
        out.push_str("</ul>");
    }
    if r.status == Status::Fail {
        let _ = write!(out, "<p class=\"fix\"><strong>Fix:</strong> {}</p>", escape_with_code(&r.fix));
    }
    let why = report.rationale(&r.id);
    if !why.is_empty() {
        let _ = write!(out, "<p class=\"why\"><strong>Why:</strong> {}</p>", escape_with_code(why));
    }
    if !r.references.is_empty() {
        let refs: Vec<String> = r
            .references
            .iter()
            .map(|(k, v)| {
                let vals: Vec<String> = v.iter().map(|x| reference(k, x)).collect();
                format!("{} {}", escape_html(k), vals.join(", "))
            })
            .collect();
        let _ = write!(out, "<p class=\"refs\">References: {}</p>", refs.join(" · "));
    }
    out.push_str("</article>\n");
}

/// A pass or skip in one line.
fn other(out: &mut String, r: &CheckResult) {
    let _ = write!(out, "<li class=\"{}\" id=\"{}\">", row_class(r), anchor_id(&r.id));
    head_line(out, r);
    if r.status != Status::Pass {
        let _ = write!(out, "<p class=\"msg\">{}</p>", escape_with_code(&r.message));
    }
    out.push_str("</li>\n");
}

fn category(out: &mut String, report: &Report, cat: &str, rs: &[&CheckResult]) {
    let [p, f, sk, e, w] = counts(rs);
    let score = report.score.by_category.get(cat).copied().unwrap_or(100.0);
    let open = if f + e > 0 { " open" } else { "" };
    let _ = write!(
        out,
        "<details class=\"category\" id=\"{}\"{open}>\n<summary><span>{}</span>\
         <span class=\"cat-stats\">{score:.1}/100 · {f} fail{} · {e} error · {p} pass · {sk} skip</span></summary>\n\
         <div class=\"results\">\n",
        anchor(cat),
        escape_html(cat),
        waived_note(w)
    );
    for r in rs.iter().filter(|r| r.open_failure() || r.status == Status::Error) {
        failure(out, report, r);
    }
    let rest: Vec<&&CheckResult> = rs.iter().filter(|r| matches!(r.status, Status::Pass | Status::Skip)).collect();
    if !rest.is_empty() {
        out.push_str("<ul class=\"others\">\n");
        for r in rest {
            other(out, r);
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</div>\n</details>\n");
}

fn header(out: &mut String, report: &Report) {
    let t = &report.target;
    let who = match report.scan.as_root {
        true if report.scan.user == "root" => "root".to_string(),
        true => format!("{} (uid 0, root)", escape_html(&report.scan.user)),
        false => format!("{} (uid {}, not root)", escape_html(&report.scan.user), report.scan.uid),
    };
    let _ = write!(
        out,
        "<header>\n<h1>Hardening report: {}</h1>\n<dl class=\"meta\">\
         <dt>Host</dt><dd>{}</dd><dt>Target</dt><dd>{} {}</dd>\
         <dt>Scanned</dt><dd><time datetime=\"{}\">{}</time> ({:.1} s)</dd><dt>As</dt><dd>{who}</dd>\
         <dt>Profile</dt><dd>{}</dd><dt>Tool</dt><dd>{} {}</dd></dl>\n</header>\n",
        breakable(&t.host),
        breakable(&t.host),
        escape_html(t.kind),
        code(&t.path),
        escape_html(&report.scan.started_at),
        escape_html(&context::human_time(&report.scan.started_at)),
        report.scan.duration_ms as f64 / 1000.0,
        escape_html(&report.profile),
        escape_html(report.tool.name),
        escape_html(report.tool.version)
    );
    if report.sees_less() {
        let _ = writeln!(
            out,
            "<p class=\"note\"><strong>Not run as root:</strong> {} input(s) could not be read and the checks that \
             need them are skipped; a scan as root sees everything.</p>",
            report.skipped.len()
        );
    }
}

fn overview(out: &mut String, report: &Report) {
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
}

fn summary_table(out: &mut String, report: &Report, cats: &[String], ordered: &[&CheckResult]) {
    out.push_str(
        "<h2>Summary</h2>\n<div class=\"table-wrap\"><table>\n<thead><tr><th>Category</th><th class=\"num\">Score</th>\
         <th class=\"num\">Fail</th><th class=\"num\">Error</th><th class=\"num\">Pass</th>\
         <th class=\"num\">Skip</th></tr></thead>\n<tbody>\n",
    );
    for cat in cats {
        let rs: Vec<&CheckResult> = ordered.iter().copied().filter(|r| &r.category == cat).collect();
        let [p, f, sk, e, w] = counts(&rs);
        let score = report.score.by_category.get(cat).copied().unwrap_or(100.0);
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#{}\">{}</a></td><td class=\"num\">{score:.1}</td><td class=\"num\">{f}{}</td>\
             <td class=\"num\">{e}</td><td class=\"num\">{p}</td><td class=\"num\">{sk}</td></tr>",
            anchor(cat),
            escape_html(cat),
            waived_note(w)
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
}

pub fn render(report: &Report) -> String {
    let target = format!("{} {}", report.target.kind, report.target.host);
    let cats = categories(&report.results);
    let filters = filter_css(&cats);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"hardcheck {}\">\n\
         <title>hardcheck report — {} — {}</title>\n<style>\n{CSS}{AUDIT_CSS}{filters}</style>\n</head>\n<body>\n",
        escape_html(report.tool.version),
        escape_html(&target),
        escape_html(&context::human_time(&report.scan.started_at))
    );
    header(&mut out, report);
    overview(&mut out, report);
    out.push_str(&super::audit_view::html(report));
    let ordered = ordered(&report.results);
    if !cats.is_empty() {
        summary_table(&mut out, report, &cats, &ordered);
        out.push_str("<section class=\"results-all\">\n<h2>Results</h2>\n");
        let sev: Vec<(String, String)> = SEVERITIES.iter().map(|s| (s.to_string(), s.to_string())).collect();
        filter_group(&mut out, "fsev", "Severity", &sev);
        let by_cat: Vec<(String, String)> =
            cats.iter().map(|c| (anchor(c).trim_start_matches("cat-").to_string(), c.clone())).collect();
        filter_group(&mut out, "fcat", "Category", &by_cat);
        let st: Vec<(String, String)> = STATUSES.iter().map(|s| (s.to_string(), s.to_string())).collect();
        filter_group(&mut out, "fst", "Status", &st);
        out.push_str("<div class=\"rlist\">\n");
    }
    for cat in &cats {
        let rs: Vec<&CheckResult> = ordered.iter().copied().filter(|r| &r.category == cat).collect();
        category(&mut out, report, cat, &rs);
    }
    if !cats.is_empty() {
        out.push_str("</div>\n</section>\n");
    }
    if !report.skipped.is_empty() {
        let _ = writeln!(
            out,
            "<section>\n<h2>Not read ({})</h2>\n<p>These inputs could not be read; checks that needed them may be incomplete.</p>\n<ul class=\"notread\">",
            report.skipped.len()
        );
        for sk in &report.skipped {
            let _ = writeln!(out, "<li>{} {}</li>", code(&sk.path), escape_html(&sk.reason));
        }
        out.push_str("</ul>\n</section>\n");
    }
    let _ = write!(
        out,
        "<footer>Generated by {} {} on {} · profile {} · score {:.1}/100, grade {}. \
         Score: weighted share of applicable checks that pass (critical 20, high 10, medium 5, low 2, info 1); \
         skipped and errored checks are not counted; a failed critical check caps the grade at D, a failed high one at B.</footer>\n</body>\n</html>\n",
        escape_html(report.tool.name),
        escape_html(report.tool.version),
        escape_html(&report.scan.started_at),
        escape_html(&report.profile),
        report.score.value,
        escape_html(&report.score.grade.to_string())
    );
    out
}
