//! `--format table` (default): grouped by category (worst first), failures
//! first and worst first, each failure with its evidence (`path:line`) and
//! fix; unreadable inputs; a score line at the end. Colour only when asked
//! (a TTY without `NO_COLOR`).

use super::{categories, location, ordered, Report};
use crate::model::{Severity, Status};
use comfy_table::{presets, Attribute, Cell, Color, ContentArrangement, Table};
use std::fmt::Write as _;

fn status_cell(s: Status, color: bool) -> Cell {
    let c = Cell::new(s.as_str().to_uppercase());
    if !color {
        return c;
    }
    match s {
        Status::Pass => c.fg(Color::Green),
        Status::Fail => c.fg(Color::Red).add_attribute(Attribute::Bold),
        Status::Error => c.fg(Color::Magenta),
        Status::Skip => c.fg(Color::DarkGrey),
    }
}

fn severity_cell(s: Severity, color: bool) -> Cell {
    let c = Cell::new(s.as_str());
    if !color {
        return c;
    }
    match s {
        Severity::Critical => c.fg(Color::Red).add_attribute(Attribute::Bold),
        Severity::High => c.fg(Color::Red),
        Severity::Medium => c.fg(Color::Yellow),
        Severity::Low => c.fg(Color::Cyan),
        Severity::Info => c,
    }
}

pub fn render(report: &Report, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "hardcheck {} · {} {} · profile {}\n",
        report.tool.version, report.target.kind, report.target.path, report.profile
    );
    let width = comfy_table::Table::new().width().unwrap_or(120).max(80);
    for cat in categories(&report.results) {
        let results: Vec<_> = ordered(&report.results).into_iter().filter(|r| r.category == cat).collect();
        let score = report.score.by_category.get(&cat).copied().unwrap_or(100.0);
        let _ = writeln!(out, "{cat} — {score:.1}/100");
        let mut t = Table::new();
        t.load_style(presets::UTF8_FULL_CONDENSED);
        t.set_content_arrangement(ContentArrangement::Dynamic);
        t.set_width(width);
        if color {
            t.enforce_styling();
        } else {
            t.force_no_tty();
        }
        t.set_header(vec!["status", "severity", "check", "result"]);
        for r in results {
            let mut text = format!("{}\n{}", r.title, r.message);
            if matches!(r.status, Status::Fail) {
                for e in &r.evidence {
                    let _ = write!(text, "\nat {}: {}", location(&e.path, e.line), e.detail);
                }
                let _ = write!(text, "\nfix: {}", r.fix);
            }
            t.add_row(vec![
                status_cell(r.status, color),
                severity_cell(r.severity, color),
                Cell::new(&r.id),
                Cell::new(text),
            ]);
        }
        let _ = writeln!(out, "{t}\n");
    }
    if !report.listeners.is_empty() {
        let _ = writeln!(out, "Listening ports ({})", report.listeners.len());
        let mut t = Table::new();
        t.load_style(presets::UTF8_FULL_CONDENSED);
        t.set_content_arrangement(ContentArrangement::Dynamic);
        t.set_width(width);
        if color {
            t.enforce_styling();
        } else {
            t.force_no_tty();
        }
        t.set_header(vec!["port", "proto", "address", "process", "verdict"]);
        for l in &report.listeners {
            let process = match (&l.process, l.pid) {
                (Some(p), Some(pid)) => format!("{p} ({pid})"),
                _ => "unknown".into(),
            };
            let verdict = Cell::new(&l.verdict);
            let verdict = match (color, l.verdict.as_str()) {
                (true, v) if v.starts_with("fail") => verdict.fg(Color::Red),
                (true, "exposed") => verdict.fg(Color::Yellow),
                _ => verdict,
            };
            t.add_row(vec![Cell::new(l.port), Cell::new(&l.proto), Cell::new(&l.address), Cell::new(process), verdict]);
        }
        let _ = writeln!(out, "{t}\n");
    }
    if !report.declared_listeners.is_empty() {
        let _ = writeln!(out, "Declared listeners, from configuration ({})", report.declared_listeners.len());
        let mut t = Table::new();
        t.load_style(presets::UTF8_FULL_CONDENSED);
        t.set_content_arrangement(ContentArrangement::Dynamic);
        t.set_width(width);
        if color {
            t.enforce_styling();
        } else {
            t.force_no_tty();
        }
        t.set_header(vec!["port", "proto", "address", "service", "declared at", "verdict"]);
        for l in &report.declared_listeners {
            let port = l.port.map(|p| p.to_string()).unwrap_or_else(|| "random".into());
            let at = match l.line {
                Some(n) => format!("{}:{n}", l.path),
                None => l.path.clone(),
            };
            let verdict = Cell::new(&l.verdict);
            let verdict = match (color, l.verdict.as_str()) {
                (true, v) if v.starts_with("fail") => verdict.fg(Color::Red),
                (true, "exposed") => verdict.fg(Color::Yellow),
                _ => verdict,
            };
            t.add_row(vec![
                Cell::new(port),
                Cell::new(&l.proto),
                Cell::new(&l.address),
                Cell::new(&l.service),
                Cell::new(at),
                verdict,
            ]);
        }
        let _ = writeln!(out, "{t}\n");
    }
    if !report.skipped.is_empty() {
        let _ = writeln!(out, "Not read ({}):", report.skipped.len());
        for s in &report.skipped {
            let _ = writeln!(out, "  {}: {}", s.path, s.reason);
        }
        out.push('\n');
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "Score {:.1}/100 (grade {}) · {} pass · {} fail · {} skip · {} error",
        report.score.value, report.score.grade, s.pass, s.fail, s.skip, s.error
    );
    out
}
