//! `--format json`: the report contract of DESIGN.md, schema_version 1;
//! `--format jsonl`: the same object on one line.

use super::Report;

pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// The same report as [`render`] on one line: no line break inside (JSON
/// escapes those in strings), one at the end.
pub fn render_line(report: &Report) -> String {
    let mut s = serde_json::to_string(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
