//! A user's check definitions and profiles cannot exhaust the machine
//! (issue 17, item 4): generated work is refused when the definition is
//! loaded, a predicate that runs too long is an `error` result while the
//! scan goes on, and `--profile`/`--checks` files go through the target's
//! bounded, type-checked read (a FIFO, `/dev/zero`, a directory or a huge
//! file is a usage error, exit 2, at once).

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn check_file(dir: &Path, id: &str, source: &str, for_each: &str) {
    let d = dir.join("checks/demo");
    std::fs::create_dir_all(&d).unwrap();
    let text = format!(
        "id: demo.{id}\ntitle: t\ncategory: demo\nseverity: low\nrationale: r\nfix: f\n\
         references: {{nist-800-53: [CM-6]}}\nfiles:\n  src: {{format: lines, path: {source}}}\n\
         for_each: \"{for_each}\"\nexpect: \"false\"\n"
    );
    std::fs::write(d.join(format!("{id}.yaml")), text).unwrap();
}

/// Run with a watchdog: a hang fails the test instead of hanging it.
fn run_bounded(cmd: &mut Command, limit: Duration) -> (Option<i32>, String, String) {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let start = Instant::now();
    loop {
        if let Some(_status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            return (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            );
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn generated_work_is_refused_when_the_definition_loads() {
    let dir = tempfile::tempdir().unwrap();
    for (id, expr) in [
        ("range", "lists.range(1000000).map(x, {'path': '/a', 'line': x})"),
        ("nested", "lists.range(10000).map(a, lists.range(10000).map(b, a)).flatten().distinct()"),
        ("join", "[lists.range(10000).map(a, lists.range(10000).map(b, 'xxxxxxxx').join()).join()]"),
    ] {
        let sub = dir.path().join(id);
        check_file(&sub, id, "/etc/hosts", expr);
        let (code, _, stderr) = run_bounded(
            bin().args(["scan", "--root"]).arg(&sub).arg("--checks").arg(sub.join("checks")),
            Duration::from_secs(60),
        );
        assert_eq!(code, Some(2), "{id}: {stderr}");
        assert!(stderr.contains(&format!("demo/{id}.yaml")), "{id}: names the file: {stderr}");
        assert!(stderr.contains("at most") || stderr.contains("elements"), "{id}: says the bound: {stderr}");
    }
}

#[test]
fn a_predicate_past_its_time_is_an_error_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("etc/demo")).unwrap();
    let lines: String = (0..3000).map(|i| format!("k{i} = v\n")).collect();
    std::fs::write(root.join("etc/demo/big.conf"), lines).unwrap();
    // 3000^3 comparisons: hours of work, no allocation.
    check_file(
        root,
        "slow",
        "/etc/demo/big.conf",
        "src.entries.filter(a, src.entries.exists(b, src.entries.exists(c, c.line == -1)))",
    );
    check_file(root, "quick", "/etc/demo/big.conf", "src.entries.filter(e, e.line == 1)");
    let (code, stdout, stderr) = run_bounded(
        bin()
            .args(["scan", "--root"])
            .arg(root)
            .arg("--checks")
            .arg(root.join("checks"))
            .args(["--check", "demo.*", "--format", "json"]),
        Duration::from_secs(100),
    );
    assert!(code.is_some(), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let slow = result(&report, "demo.slow");
    assert_eq!(slow["status"], "error", "{slow}");
    assert!(slow["message"].as_str().unwrap().contains("did not finish within"), "{slow}");
    assert_eq!(result(&report, "demo.quick")["status"], "fail");
}

fn usage_error(profile: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run_bounded(
        bin().args(["scan", "--root"]).arg(dir.path()).args(["--profile", profile]),
        Duration::from_secs(60),
    );
    assert_eq!(code, Some(2), "--profile {profile}: {stderr}");
    assert!(stderr.starts_with("hardcheck: error: "), "{stderr}");
    stderr
}

#[test]
fn profile_files_are_read_bounded_and_type_checked() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.toml");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    assert!(usage_error(fifo.to_str().unwrap()).contains("not a regular file (fifo)"));
    assert!(usage_error("/dev/zero").contains("not a regular file"));
    let sub = dir.path().join("sub.toml");
    std::fs::create_dir(&sub).unwrap();
    assert!(usage_error(sub.to_str().unwrap()).contains("not a regular file (dir"));
    let huge = dir.path().join("huge.toml");
    let f = std::fs::File::create(&huge).unwrap();
    f.set_len(64 * 1024 * 1024).unwrap();
    assert!(usage_error(huge.to_str().unwrap()).contains("too large"));
}

#[test]
fn check_files_are_read_bounded_and_type_checked() {
    let dir = tempfile::tempdir().unwrap();
    let checks = dir.path().join("checks");
    std::fs::create_dir_all(&checks).unwrap();
    assert!(Command::new("mkfifo").arg(checks.join("x.yaml")).status().unwrap().success());
    let (code, _, stderr) = run_bounded(
        bin().args(["scan", "--root"]).arg(dir.path()).arg("--checks").arg(&checks),
        Duration::from_secs(60),
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("x.yaml") && stderr.contains("not a regular file"), "{stderr}");
}

/// A predicate that builds ever more data from the target's facts (a
/// 2,000-line file, each line joined with all the others: gigabytes) has no
/// bound the definition shows; the scan's memory is watched while it runs,
/// and past the bound the predicate is an `error` result naming the bound,
/// the report is still written, and the process ends (found by an audit:
/// 1.9 GB, or an abort on allocation failure under a memory limit).
#[test]
fn a_predicate_past_the_memory_bound_is_an_error_and_the_report_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("etc/demo")).unwrap();
    let long = "v".repeat(1000);
    let lines: String = (0..2000).map(|i| format!("setting_{i:05} = {long}\n")).collect();
    std::fs::write(root.join("etc/demo/big.conf"), lines).unwrap();
    check_file(
        root,
        "join",
        "/etc/demo/big.conf",
        "src.entries.map(a, {'path': a.path, 'line': a.line, 'detail': src.entries.map(b, b.detail).join()})",
    );
    let out = common::run_watched(
        bin().args(["scan", "--root"]).arg(root).arg("--checks").arg(root.join("checks")).args([
            "--check",
            "demo.join",
            "--check",
            "ssh",
            "--format",
            "json",
        ]),
        Duration::from_secs(60),
    );
    assert!(!out.timed_out, "still running after 60 s");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{:?}: {}", out.status, out.stderr);
    // The bound (512 MiB) plus what a 50 ms poll lets through.
    assert!(out.peak_kib < 900 * 1024, "peak {} MiB", out.peak_kib / 1024);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let r = result(&report, "demo.join");
    assert_eq!(r["status"], "error", "{r}");
    assert!(r["message"].as_str().unwrap().contains("memory"), "{r}");
}
