//! `--format junit`: JUnit XML for CI test-report views (GitLab, Jenkins,
//! Azure Pipelines). One `<testsuite>` per category (worst first), one
//! `<testcase>` per check: a failure carries its evidence and fix, an error
//! result is an `<error>`, a skip is `<skipped>`. Each suite carries the
//! scan time (`timestamp`, UTC), the host (`hostname`), and as properties
//! the target, the user the scan ran as and whether it was root.
//!
//! Valid against Jenkins xunit's `junit-10.xsd` (the strictest of the
//! common JUnit schemas: no `skipped` on `<testsuites>`), which the tests
//! validate with `xmlschema`.

use super::{categories, location, ordered, Report};
use crate::model::{CheckResult, Status};
use std::fmt::Write as _;

/// Whether XML 1.0 allows this character at all (`Char` production):
/// tab, newline, carriage return, and everything from U+0020 except the
/// non-characters U+FFFE and U+FFFF (Rust `char`s are never surrogates).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escape text for XML element content or a quoted attribute: `&`, `<`,
/// `>`, `"` and `'` become entities, characters XML 1.0 forbids (control
/// characters, U+FFFE/U+FFFF) are dropped.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|c| xml_char(*c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escape an attribute value: as [`escape_xml`], and whitespace that a
/// parser would normalise to spaces (newline, tab, CR) kept as character
/// references.
pub fn escape_attr(s: &str) -> String {
    escape_xml(s).replace('\n', "&#10;").replace('\r', "&#13;").replace('\t', "&#9;")
}

fn counts(results: &[&CheckResult]) -> (usize, usize, usize, usize) {
    let n = |s: Status| results.iter().filter(|r| r.status == s).count();
    (results.len(), n(Status::Fail), n(Status::Error), n(Status::Skip))
}

fn body(r: &CheckResult) -> String {
    let mut b = format!("{}\n{}\n", r.title, r.message);
    for e in &r.evidence {
        let _ = writeln!(b, "{}  {}", location(&e.path, e.line), e.detail);
    }
    let _ = writeln!(b, "fix: {}", r.fix);
    for (k, v) in &r.references {
        let _ = writeln!(b, "{k}: {}", v.join(", "));
    }
    b
}

fn testcase(out: &mut String, r: &CheckResult) {
    let _ = write!(
        out,
        "    <testcase classname=\"hardcheck.{}\" name=\"{}\" time=\"0\"",
        escape_attr(&r.category),
        escape_attr(&r.id)
    );
    match r.status {
        Status::Pass => out.push_str("/>\n"),
        Status::Fail => {
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                escape_attr(&r.message),
                r.severity.as_str(),
                escape_xml(&body(r))
            );
        }
        Status::Error => {
            let _ = writeln!(
                out,
                ">\n      <error message=\"{}\" type=\"error\">{}</error>\n    </testcase>",
                escape_attr(&r.message),
                escape_xml(&format!("{}\n{}\n", r.title, r.message))
            );
        }
        Status::Skip => {
            let _ = writeln!(out, ">\n      <skipped message=\"{}\"/>\n    </testcase>", escape_attr(&r.message));
        }
    }
}

pub fn render(report: &Report) -> String {
    let all: Vec<&CheckResult> = report.results.iter().collect();
    let (tests, failures, errors, _) = counts(&all);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let seconds = format!("{:.3}", report.scan.duration_ms as f64 / 1000.0);
    let _ = writeln!(
        out,
        "<testsuites name=\"hardcheck\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{seconds}\">"
    );
    // JUnit timestamps carry no zone (Ant's schema allows none): UTC, as
    // the `started_at` property says.
    let timestamp = report.scan.started_at.trim_end_matches('Z');
    let ordered = ordered(&report.results);
    for cat in categories(&report.results) {
        let rs: Vec<&CheckResult> = ordered.iter().copied().filter(|r| r.category == cat).collect();
        let (tests, failures, errors, skipped) = counts(&rs);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"0\" timestamp=\"{}\" hostname=\"{}\">",
            escape_attr(&cat),
            escape_attr(timestamp),
            escape_attr(&report.target.host)
        );
        out.push_str("    <properties>\n");
        let score = report.score.by_category.get(&cat).copied().unwrap_or(100.0);
        for (name, value) in [
            ("target", format!("{} {}", report.target.kind, report.target.path)),
            ("host", report.target.host.clone()),
            ("started_at", report.scan.started_at.clone()),
            ("user", report.scan.user.clone()),
            ("uid", report.scan.uid.to_string()),
            ("as_root", report.scan.as_root.to_string()),
            ("profile", report.profile.clone()),
            ("hardcheck.version", report.tool.version.to_string()),
            ("score", format!("{score:.1}")),
        ] {
            let _ = writeln!(out, "      <property name=\"{name}\" value=\"{}\"/>", escape_attr(&value));
        }
        out.push_str("    </properties>\n");
        for r in rs {
            testcase(&mut out, r);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
