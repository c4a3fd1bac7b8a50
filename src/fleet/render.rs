//! The fleet view as a table (80 columns, the scan table's layout and
//! helpers), JSON, Markdown and HTML ([`super::html`]). Every string from
//! a report (host names, ids, titles, profiles) came from a host: the
//! table neutralises it ([`text::neutralize`]), Markdown escapes it, HTML
//! escapes it.

use super::{CheckRow, ControlRow, Fleet, Format, Host};
use crate::report::markdown::{code_cell, escape_cell};
use crate::report::text::{self, neutralize, prose, wrap};
use std::fmt::Write as _;

/// The table's width.
const WIDTH: usize = 80;
/// Host names listed per check in the table and Markdown (JSON has all).
const NAMES_SHOWN: usize = 12;

pub fn render(fleet: &Fleet, format: Format) -> String {
    match format {
        Format::Table => table(fleet),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(fleet).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
            s.push('\n');
            s
        }
        Format::Html => super::html::render(fleet),
        Format::Markdown => markdown(fleet),
    }
}

/// `c/h/m/l/i`: unwaived failures by severity, critical first.
pub fn fail_counts(h: &Host) -> String {
    let f = &h.fails;
    format!("{}/{}/{}/{}/{}", f.critical, f.high, f.medium, f.low, f.info)
}

/// Names, the first [`NAMES_SHOWN`] of them, then how many more.
pub fn names(list: &[String]) -> String {
    let shown: Vec<&str> = list.iter().take(NAMES_SHOWN).map(String::as_str).collect();
    match list.len().saturating_sub(NAMES_SHOWN) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// The checks that fail (unwaived) on at least one host, and those only
/// waived failures hold.
pub fn failing(fleet: &Fleet) -> (Vec<&CheckRow>, Vec<&CheckRow>) {
    let failing = fleet.checks.iter().filter(|c| !c.failing.is_empty()).collect();
    let waived = fleet.checks.iter().filter(|c| c.failing.is_empty() && !c.waived.is_empty()).collect();
    (failing, waived)
}

/// The closing line: hosts, mean score, the worst host, what fails.
pub fn summary_line(fleet: &Fleet) -> String {
    let n = fleet.hosts.len();
    let mean = mean_score(fleet);
    let (failing, _) = failing(fleet);
    let waived: usize = fleet.hosts.iter().map(|h| h.waived).sum();
    let worst = match fleet.hosts.first() {
        Some(h) => format!(" · worst {} {:.1} ({})", h.host, h.score, h.grade),
        None => String::new(),
    };
    format!(
        "Fleet: {n} host(s) · mean score {mean:.1}{worst} · {} check(s) fail on at least one host · {waived} waived failure(s)",
        failing.len()
    )
}

/// The hosts' mean score (0 without hosts).
pub fn mean_score(fleet: &Fleet) -> f64 {
    let n = fleet.hosts.len();
    if n == 0 {
        return 0.0;
    }
    fleet.hosts.iter().map(|h| h.score).sum::<f64>() / n as f64
}

/// The frameworks of the controls view, in order.
pub fn frameworks(controls: &[ControlRow]) -> Vec<(&str, &str)> {
    let mut v: Vec<(&str, &str)> = Vec::new();
    for c in controls {
        if !v.iter().any(|(f, _)| *f == c.framework) {
            v.push((&c.framework, &c.version));
        }
    }
    v
}

fn lines(out: &mut String, lines: Vec<String>) {
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
}

fn table_check(out: &mut String, c: &CheckRow) {
    let head = format!("{} {} · {}", c.severity.as_str().to_uppercase(), neutralize(&c.id), prose(&c.title));
    lines(out, wrap(&head, WIDTH, "  ", "    "));
    if !c.failing.is_empty() {
        let text = format!("fails on {} of {} host(s): {}", c.failing.len(), c.hosts_run, names(&c.failing));
        lines(out, wrap(&neutralize(&text), WIDTH, "    ", "      "));
    }
    if !c.waived.is_empty() {
        let text = format!("waived on {}: {}", c.waived.len(), names(&c.waived));
        lines(out, wrap(&neutralize(&text), WIDTH, "    ", "      "));
    }
}

/// Host names up to this width lead their row; longer ones end it (where
/// a name too long for the line gets a line of its own).
const HOST_FIRST: usize = 20;

/// The hosts table's rows, the header first.
fn host_rows(fleet: &Fleet) -> Vec<Vec<String>> {
    let first = fleet.hosts.iter().all(|h| text::width(&neutralize(&h.host)) <= HOST_FIRST);
    let order = |host: String, mut rest: Vec<String>| match first {
        true => [vec![host], rest].concat(),
        false => {
            rest.push(host);
            rest
        }
    };
    let header = ["score", "grade", "c/h/m/l/i", "waived", "kind", "profile", "scanned (UTC)"].map(String::from);
    let mut rows = vec![order("host".into(), header.to_vec())];
    for h in &fleet.hosts {
        let scanned = crate::report::context::human_time(&h.scanned_at);
        let cells = vec![
            format!("{:5.1}", h.score),
            h.grade.clone(),
            fail_counts(h),
            format!("{:>6}", h.waived),
            h.kind.clone(),
            h.profile.clone(),
            scanned.trim_end_matches(" UTC").to_string(),
        ];
        rows.push(order(h.host.clone(), cells));
    }
    rows
}

fn table(fleet: &Fleet) -> String {
    let mut out = String::new();
    let head = format!("hardcheck {} · fleet of {} host(s)", fleet.tool.version, fleet.hosts.len());
    lines(&mut out, wrap(&head, WIDTH, "", "  "));
    if !fleet.replaced.is_empty() {
        let note = format!("{} older report(s) of the same hosts left out", fleet.replaced.len());
        lines(&mut out, wrap(&note, WIDTH, "note: ", "      "));
    }
    out.push_str("\nHosts (worst first)\n");
    lines(&mut out, text::aligned(host_rows(fleet), WIDTH));
    let (failing, waived) = failing(fleet);
    let _ = writeln!(out, "\nChecks failing on the fleet (worst first): {}", failing.len());
    for c in &failing {
        table_check(&mut out, c);
    }
    if !waived.is_empty() {
        let _ = writeln!(out, "\nChecks failing only where waived: {}", waived.len());
        for c in &waived {
            table_check(&mut out, c);
        }
    }
    for (fw, version) in frameworks(&fleet.controls) {
        let _ = writeln!(out, "\nControls: {} {}", neutralize(fw), neutralize(version));
        let mut rows = vec![["control", "pass", "fail", "manual", "not-covered", "title"].map(String::from).to_vec()];
        for c in fleet.controls.iter().filter(|c| c.framework == fw) {
            let counts = [c.pass, c.fail, c.manual, c.not_covered].map(|n| n.to_string());
            rows.push([vec![c.id.clone()], counts.to_vec(), vec![prose(&c.title)]].concat());
        }
        lines(&mut out, text::aligned(rows, WIDTH));
    }
    out.push('\n');
    lines(&mut out, wrap(&neutralize(&summary_line(fleet)), WIDTH, "", "  "));
    out
}

fn markdown(fleet: &Fleet) -> String {
    let mut out = format!("# hardcheck fleet report\n\n{}\n\n## Hosts\n\n", escape_cell(&summary_line(fleet)));
    out.push_str(
        "| Host | Kind | Profile | Score | Grade | Critical | High | Medium | Low | Info | Waived | Scanned |\n",
    );
    out.push_str("| --- | --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    for h in &fleet.hosts {
        let f = &h.fails;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.1} | {} | {} | {} | {} | {} | {} | {} | {} |",
            code_cell(&h.host),
            escape_cell(&h.kind),
            escape_cell(&h.profile),
            h.score,
            escape_cell(&h.grade),
            f.critical,
            f.high,
            f.medium,
            f.low,
            f.info,
            h.waived,
            escape_cell(&crate::report::context::human_time(&h.scanned_at))
        );
    }
    let (failing, waived) = failing(fleet);
    let all: Vec<&CheckRow> = failing.iter().chain(&waived).copied().collect();
    if !all.is_empty() {
        let _ = write!(
            out,
            "\n## Checks failing ({} failing, {} only waived)\n\n\
             | Severity | Check | Title | Failing | Hosts | Waived on |\n| --- | --- | --- | ---: | --- | --- |\n",
            failing.len(),
            waived.len()
        );
    }
    for c in all {
        let hosts: Vec<String> = c.failing.iter().take(NAMES_SHOWN).map(|h| code_cell(h)).collect();
        let waived: Vec<String> = c.waived.iter().take(NAMES_SHOWN).map(|h| code_cell(h)).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} of {} | {} | {} |",
            c.severity,
            code_cell(&c.id),
            escape_cell(&c.title),
            c.failing.len(),
            c.hosts_run,
            hosts.join(", "),
            waived.join(", ")
        );
    }
    for (fw, version) in frameworks(&fleet.controls) {
        let _ = write!(
            out,
            "\n## Controls: {} {}\n\n| Control | Title | Pass | Fail | Manual | Not covered |\n\
             | --- | --- | ---: | ---: | ---: | ---: |\n",
            escape_cell(fw),
            escape_cell(version)
        );
        for c in fleet.controls.iter().filter(|c| c.framework == fw) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                code_cell(&c.id),
                escape_cell(&c.title),
                c.pass,
                c.fail,
                c.manual,
                c.not_covered
            );
        }
    }
    out
}
