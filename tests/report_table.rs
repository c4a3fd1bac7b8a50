//! The terminal table: what it shows by default (failures, worst first,
//! grouped; one line per category for the rest; Top findings; the score
//! line last), `--verbose` and `--quiet`, the 80-column layout that never
//! breaks an id or a path (on the fail fixtures of every category and on
//! the live host), text from the target neutralised (escape sequences,
//! tabs), and the note a non-root scan prints at the top.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use unicode_width::UnicodeWidthStr;

/// The tree of every category's fail fixtures, built once for this binary.
fn fail_tree() -> &'static Path {
    static TREE: OnceLock<PathBuf> = OnceLock::new();
    TREE.get_or_init(|| fail_fixtures_tree("report_table"))
}

fn run(args: &[&str], extra_env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = bin();
    c.env("COLUMNS", "80").env("SOURCE_DATE_EPOCH", "1700000000").args(args);
    for (k, v) in extra_env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The password-guessing checks: their verdict on a hash deep in the list
/// depends on how far a time budget got, so two scans of the same tree on a
/// loaded machine may differ. The tests that compare two scans leave them
/// out (their own fixtures judge them with a thorough profile).
const BUDGETED: [&str; 6] = [
    "--exclude",
    "passwords.account-weak-password",
    "--exclude",
    "passwords.htpasswd-weak-password",
    "--exclude",
    "passwords.jenkins-weak-password",
];

fn scan_root(root: &Path, extra: &[&str]) -> String {
    let mut args = vec!["scan", "--no-probe", "--root", root.to_str().unwrap()];
    args.extend_from_slice(&BUDGETED);
    args.extend_from_slice(extra);
    let (code, out, err) = run(&args, &[]);
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    out
}

/// The JSON report of the scan that `scan_root` prints as a table.
fn json_of(root: &Path) -> Value {
    let mut args = vec!["--no-probe"];
    args.extend_from_slice(&BUDGETED);
    scan_json(root, &args).1
}

/// What the terminal shows for a text from the target (as the table
/// neutralises it).
fn shown(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() && (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Every line fits `width` columns unless it is one unbroken token (a path
/// longer than the line); every failed id and evidence `path:line` of the
/// JSON report of the same scan appears whole in the table.
fn assert_fits_without_broken_tokens(table: &str, json: &Value, width: usize) {
    for line in table.lines() {
        let w = UnicodeWidthStr::width(line);
        assert!(w <= width || line.split_whitespace().count() == 1, "line of {w} columns:\n{line}");
        assert!(!line.contains('\t') && !line.contains('\u{1b}'), "raw control character in {line:?}");
    }
    let mut checked = 0;
    for r in json["results"].as_array().unwrap().iter().filter(|r| r["status"] == "fail") {
        let id = r["id"].as_str().unwrap();
        assert!(table.lines().any(|l| l.split_whitespace().any(|t| t == id)), "id {id} is not whole in the table");
        for e in r["evidence"].as_array().unwrap().iter().take(8) {
            let Some(path) = e["path"].as_str() else { continue };
            let at = match e["line"].as_u64() {
                Some(n) => format!("{}:{n}", shown(path)),
                None => shown(path),
            };
            assert!(
                table.lines().any(|l| l.trim_start() == format!("at {at}")),
                "`at {at}` is not on a line of its own"
            );
            checked += 1;
        }
    }
    assert!(checked > 0 || json["summary"]["fail"] == 0);
}

#[test]
fn fail_fixtures_table_fits_80_columns_and_shows_failures_first() {
    let root = fail_tree();
    let table = scan_root(root, &[]);
    let json = json_of(root);
    assert_fits_without_broken_tokens(&table, &json, 80);
    // Failures only: no pass rows, one summary line per category instead.
    let passed: Vec<&str> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "pass")
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(!passed.is_empty());
    for id in &passed {
        assert!(!table.contains(&format!(" {id} ")), "passing {id} is listed by default");
    }
    assert!(table.contains("passed") && table.contains("(--verbose lists them)"));
    // The last screen: Top findings with fixes, then the score line.
    let top = table.find("Top findings (5 of ").expect("Top findings");
    assert!(table[top..].contains("   fix: "));
    let last = table.trim_end().lines().last().unwrap();
    assert!(last.starts_with("Score ") && last.contains(" fail · "), "{last}");
    // Worst first: the first finding is critical.
    let first = table.lines().find(|l| l.starts_with("CRITICAL ") || l.starts_with("HIGH ")).unwrap();
    assert!(first.starts_with("CRITICAL "), "{first}");
    // --verbose lists the passes, still within 80 columns.
    let verbose = scan_root(root, &["--verbose"]);
    assert_fits_without_broken_tokens(&verbose, &json, 80);
    for id in &passed {
        assert!(verbose.contains(&format!("pass {id} ")), "--verbose misses {id}");
    }
}

#[test]
fn live_host_table_fits_80_columns() {
    let mut args = vec!["scan", "--no-probe"];
    args.extend_from_slice(&BUDGETED);
    let (code, table, err) = run(&args, &[]);
    assert!(code == 0 || code == 1, "{err}");
    let (code, json, err) = {
        let out = bin().args(&args).args(["--format", "json"]).output().unwrap();
        (out.status.code(), serde_json::from_slice::<Value>(&out.stdout).unwrap(), out.stderr)
    };
    assert!(code == Some(0) || code == Some(1), "{}", String::from_utf8_lossy(&err));
    assert_fits_without_broken_tokens(&table, &json, 80);
    assert!(table.lines().nth(1).unwrap().starts_with("host "), "{table}");
}

#[test]
fn quiet_prints_the_score_line_and_failed_ids() {
    let root = fail_tree();
    let json = json_of(root);
    let quiet = scan_root(root, &["-q"]);
    let mut lines = quiet.lines();
    assert!(lines.next().unwrap().starts_with("Score "));
    let ids: Vec<&str> = lines.collect();
    let failed = json["results"].as_array().unwrap().iter().filter(|r| r["status"] == "fail").count();
    assert_eq!(ids.len(), failed);
    for id in ids {
        assert_eq!(result(&json, id)["status"], "fail", "{id}");
    }
}

#[test]
fn escape_sequences_and_tabs_from_the_target_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("etc/ssh")).unwrap();
    std::fs::write(root.join("etc/ssh/sshd_config"), "PermitRootLogin\tyes\u{1b}[31m\u{1b}]0;pwned\u{7}\u{202e}\n")
        .unwrap();
    for args in [vec![], vec!["--verbose"]] {
        let mut all = vec!["--check", "ssh.permit-root-login"];
        all.extend(args);
        let table = scan_root(root, &all);
        assert!(!table.contains('\u{1b}') && !table.contains('\t') && !table.contains('\u{7}'), "{table:?}");
        assert!(!table.contains('\u{202e}'), "bidi control reached the terminal");
        assert!(table.contains("PermitRootLogin\\tyes\\x1b[31m\\x1b]0;pwned\\x07\\u{202e}"), "{table}");
    }
}

#[test]
fn no_colour_when_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("etc/ssh")).unwrap();
    std::fs::write(dir.path().join("etc/ssh/sshd_config"), "PermitRootLogin yes\n").unwrap();
    // Not a terminal: no colour.
    let table = scan_root(dir.path(), &["--check", "ssh"]);
    assert!(!table.contains('\u{1b}'));
}

#[test]
fn non_root_scan_says_so_at_the_top() {
    let out = unprivileged_bin().env("COLUMNS", "80").args(["scan", "--no-probe"]).output().unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    let head: Vec<&str> = table.lines().take(6).collect();
    let note =
        head.iter().position(|l| l.starts_with("note: not running as root")).unwrap_or_else(|| panic!("{table}"));
    assert!(note <= 2, "the note is not at the top:\n{table}");
    // Other formats say it on stderr, and in the report.
    let out = unprivileged_bin().args(["scan", "--no-probe", "--format", "json"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("not running as root"));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["scan"]["as_root"], false);
    assert_ne!(json["scan"]["uid"], 0);
}
