//! `hardcheck merge` on hand-written reports of three hosts that carry a
//! `compliance` block (`tests/fleet-reports/`, the shape docs/fleet.md
//! describes): per control how many hosts pass, fail, need a manual check
//! or are not covered, worst first, in every format; per check the failing
//! hosts, waived failures apart.

mod common;

use common::*;
use serde_json::{json, Value};
use std::path::PathBuf;

fn reports(names: &[&str]) -> Vec<PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fleet-reports");
    names.iter().map(|n| dir.join(format!("{n}.json"))).collect()
}

fn merge(names: &[&str], format: &str) -> String {
    let out = bin().args(["merge", "--format", format]).args(reports(names)).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

const FRAMEWORK: &str = "CIS Debian Linux 12 Benchmark";
/// Worst first: failing on the most hosts, then not covered, then manual;
/// ties in the benchmark's order.
const ORDER: [&str; 5] = ["5.1.20", "1.1.2.1.4", "5.4.1.1", "6.3.1.1", "1.2.1.1"];

/// Where each control id first appears in `text`, in ORDER's order.
fn positions(text: &str, wrap: impl Fn(&str) -> String) -> Vec<usize> {
    ORDER.iter().map(|id| text.find(&wrap(id)).unwrap_or_else(|| panic!("{id} missing:\n{text}"))).collect()
}

fn ascending(v: &[usize]) -> bool {
    v.windows(2).all(|w| w[0] < w[1])
}

#[test]
fn controls_view_counts_hosts_per_control_worst_first() {
    let fleet: Value = serde_json::from_str(&merge(&["web1", "web2", "db1"], "json")).unwrap();
    let controls = fleet["controls"].as_array().unwrap();
    let rows: Vec<Value> = controls
        .iter()
        .map(|c| json!([c["id"], c["pass"], c["fail"], c["manual"], c["not_covered"], c["failing"]]))
        .collect();
    assert_eq!(
        rows,
        [
            json!(["5.1.20", 1, 2, 0, 0, ["web1", "web2"]]),
            json!(["1.1.2.1.4", 2, 1, 0, 0, ["web2"]]),
            json!(["5.4.1.1", 2, 1, 0, 0, ["web1"]]),
            json!(["6.3.1.1", 0, 0, 0, 3, []]),
            json!(["1.2.1.1", 0, 0, 3, 0, []]),
        ]
    );
    for c in controls {
        assert_eq!(c["framework"], FRAMEWORK);
        assert_eq!(c["version"], "1.1.0");
        assert!(!c["title"].as_str().unwrap().is_empty(), "{c}");
    }
    // Per check: failing hosts by name (in order), a waived failure apart.
    let check = |id: &str| fleet["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap().clone();
    assert_eq!(check("ssh.permit-root-login")["failing"], json!(["web1", "web2"]));
    assert_eq!(check("accounts.password-max-days")["failing"], json!(["web1"]));
    let waived = check("filesystem.tmp-noexec");
    assert_eq!((&waived["failing"], &waived["waived"]), (&json!([]), &json!(["web2"])));
    let hosts: Vec<&str> = fleet["hosts"].as_array().unwrap().iter().map(|h| h["host"].as_str().unwrap()).collect();
    assert_eq!(hosts, ["web1", "web2", "db1"], "worst score first");

    // The order the reports are given in changes nothing.
    let reversed: Value = serde_json::from_str(&merge(&["db1", "web2", "web1"], "json")).unwrap();
    assert_eq!(reversed["controls"], fleet["controls"]);
    assert_eq!(reversed["checks"], fleet["checks"]);
}

#[test]
fn controls_view_in_table_markdown_and_html() {
    let all = ["web1", "web2", "db1"];
    let table = merge(&all, "table");
    let head = format!("Controls: {FRAMEWORK} 1.1.0");
    let at = table.find(&head).unwrap_or_else(|| panic!("{table}"));
    let view = &table[at..];
    assert!(view.contains("control") && view.contains("not-covered"), "{view}");
    assert!(ascending(&positions(view, |id| format!("\n  {id} "))), "{view}");
    let row = view.lines().find(|l| l.trim_start().starts_with("5.1.20 ")).unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cells[..5], ["5.1.20", "1", "2", "0", "0"], "{row}");

    let md = merge(&all, "markdown");
    assert!(md.contains(&format!("## Controls: {FRAMEWORK} 1.1.0")), "{md}");
    assert!(
        md.contains("| `5.1.20` | Ensure sshd PermitRootLogin is disabled | 1 | 2 | 0 | 0 | `web1`, `web2` |"),
        "{md}"
    );
    assert!(md.contains("| `6.3.1.1` | Ensure auditd packages are installed | 0 | 0 | 0 | 3 |  |"), "{md}");
    assert!(ascending(&positions(&md, |id| format!("| `{id}` |"))), "{md}");

    let html = merge(&all, "html");
    assert!(html.contains(&format!("<h2>Controls: {FRAMEWORK} 1.1.0</h2>")), "{html}");
    assert!(html.contains("<th class=\"num\">Not covered</th><th>Failing on</th>"), "{html}");
    assert!(html.contains("<td class=\"num\">0</td><td>web1,<wbr> web2</td></tr>"), "{html}");
    // Ids may break at their dots (`<wbr>`).
    assert!(
        ascending(&positions(&html, |id| format!("<td><code>{}</code></td>", id.replace('.', ".<wbr>")))),
        "{html}"
    );
    assert!(!html.contains("<script"), "no script in the fleet page");
}

#[test]
fn reports_without_compliance_have_no_controls_view() {
    let dir = tempfile::tempdir().unwrap();
    let mut report: Value = serde_json::from_str(&std::fs::read_to_string(&reports(&["web1"])[0]).unwrap()).unwrap();
    report.as_object_mut().unwrap().remove("compliance");
    let file = dir.path().join("plain.json");
    std::fs::write(&file, report.to_string()).unwrap();
    let out = bin().args(["merge", "--format", "json"]).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let fleet: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(fleet.get("controls").is_none(), "{fleet}");
    let out = bin().args(["merge", "--format", "table"]).arg(&file).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Controls:"));
}

/// Bad inputs are named in a one-line error with exit 2, and nothing is
/// written: a file that is not JSON (with its line and column), a report of
/// another schema, a file that is not a report, a missing file, and a URL
/// (nothing is read over the network).
#[test]
fn bad_inputs_are_named_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let good = reports(&["web1"]).remove(0);
    let web1 = std::fs::read_to_string(&good).unwrap();
    let cases = [
        ("broken.json", "{\n  \"a\": ,\n}".to_string(), "broken.json:2:8: not JSON"),
        (
            "v2.json",
            web1.replacen("\"schema_version\": 1", "\"schema_version\": 2", 1),
            "schema_version 2 is not supported",
        ),
        ("list.json", "[1, 2]".to_string(), "not a hardcheck report"),
    ];
    for (name, text, want) in cases {
        assert_ne!(text, web1, "{name}: the case changes the report");
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = dir.path().join("fleet.html");
        let run =
            bin().args(["merge", "--format", "html", "--output"]).arg(&out).arg(&good).arg(&path).output().unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(want) && stderr.contains(name), "{name}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{name}: {stderr}");
        assert!(!out.exists(), "{name}: no output is written");
    }
    for missing in ["/nonexistent/host.json", "https://example.org/host.json"] {
        let run = bin().arg("merge").arg(&good).arg(missing).output().unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{missing}: {stderr}");
        assert!(stderr.contains(missing), "{missing}: {stderr}");
    }
}
