//! The fleet view as one self-contained page for an auditor, in the scan
//! report's style (its CSS and escaping helpers): no script, nothing
//! fetched, every string from a report escaped.

use super::render::{fail_counts, failing, frameworks, mean_score, names, summary_line};
use super::{CheckRow, Fleet};
use crate::report::context::human_time;
use crate::report::html::{breakable, code, escape_html, CSS};
use std::fmt::Write as _;

fn hosts(out: &mut String, fleet: &Fleet) {
    out.push_str(
        "<h2>Hosts</h2>\n<div class=\"table-wrap\"><table>\n<thead><tr><th>Host</th><th>Kind</th><th>Profile</th>\
         <th class=\"num\">Score</th><th>Grade</th><th class=\"num\" title=\"critical/high/medium/low/info\">Fails c/h/m/l/i</th>\
         <th class=\"num\">Waived</th><th>Scanned</th></tr></thead>\n<tbody>\n",
    );
    for h in &fleet.hosts {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{:.1}</td><td>{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td><time datetime=\"{}\">{}</time></td></tr>",
            code(&h.host),
            escape_html(&h.kind),
            escape_html(&h.profile),
            h.score,
            escape_html(&h.grade),
            fail_counts(h),
            h.waived,
            escape_html(&h.scanned_at),
            escape_html(&human_time(&h.scanned_at))
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
}

fn checks(out: &mut String, title: &str, rows: &[&CheckRow]) {
    if rows.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<h2>{} ({})</h2>\n<div class=\"table-wrap\"><table>\n<thead><tr><th>Severity</th><th>Check</th>\
         <th class=\"num\">Failing</th><th>Hosts</th></tr></thead>\n<tbody>\n",
        escape_html(title),
        rows.len()
    );
    for c in rows {
        let sev = c.severity.as_str();
        let mut hosts = String::new();
        if !c.failing.is_empty() {
            hosts.push_str(&breakable(&names(&c.failing)));
        }
        if !c.waived.is_empty() {
            let _ = write!(hosts, " <small>(waived on {})</small>", breakable(&names(&c.waived)));
        }
        let _ = writeln!(
            out,
            "<tr><td><span class=\"sev sev-{sev}\">{sev}</span></td><td>{}<br>{}</td>\
             <td class=\"num\">{} of {}</td><td>{}</td></tr>",
            code(&c.id),
            escape_html(&c.title),
            c.failing.len(),
            c.hosts_run,
            hosts.trim()
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
}

fn controls(out: &mut String, fleet: &Fleet) {
    for (fw, version) in frameworks(&fleet.controls) {
        let _ = write!(
            out,
            "<h2>Controls: {} {}</h2>\n<div class=\"table-wrap\"><table>\n<thead><tr><th>Control</th><th>Title</th>\
             <th class=\"num\">Pass</th><th class=\"num\">Fail</th><th class=\"num\">Manual</th>\
             <th class=\"num\">Not covered</th></tr></thead>\n<tbody>\n",
            escape_html(fw),
            escape_html(version)
        );
        for c in fleet.controls.iter().filter(|c| c.framework == fw) {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                code(&c.id),
                escape_html(&c.title),
                c.pass,
                c.fail,
                c.manual,
                c.not_covered
            );
        }
        out.push_str("</tbody>\n</table></div>\n");
    }
}

pub fn render(fleet: &Fleet) -> String {
    let n = fleet.hosts.len();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"hardcheck {v}\">\n\
         <title>hardcheck fleet report — {n} host(s)</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n\
         <header>\n<h1>Fleet hardening report: {n} host(s)</h1>\n<dl class=\"meta\"><dt>Hosts</dt><dd>{n}</dd>\
         <dt>Reports left out</dt><dd>{}</dd><dt>Tool</dt><dd>hardcheck {v}</dd></dl>\n</header>\n",
        fleet.replaced.len(),
        v = escape_html(fleet.tool.version),
    );
    let mean = mean_score(fleet);
    let (failing, waived) = failing(fleet);
    let _ = writeln!(
        out,
        "<section class=\"overview\" aria-label=\"Fleet\"><div class=\"score\">{mean:.1}<small>/100 mean</small></div>\
         <div class=\"counts\"><div><b>{n}</b>hosts</div><div><b>{}</b>checks failing</div>\
         <div><b>{}</b>only waived</div></div></section>",
        failing.len(),
        waived.len()
    );
    hosts(&mut out, fleet);
    checks(&mut out, "Checks failing on the fleet, worst first", &failing);
    checks(&mut out, "Checks failing only where waived", &waived);
    controls(&mut out, fleet);
    let _ = write!(out, "<footer>{}</footer>\n</body>\n</html>\n", escape_html(&summary_line(fleet)));
    out
}
