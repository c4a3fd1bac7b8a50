//! The scan command line: `--exclude`, a category name for `--check`,
//! "did you mean" for a mistyped id, the `--min-score` range, exit codes in
//! `--help`, the progress line (a terminal only), and the when-and-where
//! facts of the JSON report (`target.host`, `scan`).

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

fn ssh_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("etc/ssh")).unwrap();
    std::fs::write(dir.path().join("etc/ssh/sshd_config"), "PermitRootLogin yes\nX11Forwarding yes\n").unwrap();
    dir
}

fn ids(report: &Value) -> Vec<String> {
    report["results"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
}

fn usage_error(args: &[&str]) -> String {
    let out = bin().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?} printed a report");
    stderr
}

#[test]
fn check_accepts_a_category_and_exclude_removes_checks() {
    let root = ssh_root();
    let (_, all_ssh, _) = scan_json(root.path(), &["--check", "ssh"]);
    let all_ssh = ids(&all_ssh);
    assert!(all_ssh.len() > 10);
    assert!(all_ssh.iter().all(|id| id.starts_with("ssh.")), "{all_ssh:?}");
    assert!(all_ssh.contains(&"ssh.x11-forwarding".to_string()));

    let (_, fewer, _) =
        scan_json(root.path(), &["--check", "ssh", "--exclude", "ssh.x11-forwarding", "--exclude", "ssh.c*"]);
    let fewer = ids(&fewer);
    assert!(!fewer.contains(&"ssh.x11-forwarding".to_string()));
    assert!(!fewer.iter().any(|id| id.starts_with("ssh.c")), "{fewer:?}");
    let expected = all_ssh.iter().filter(|id| *id != "ssh.x11-forwarding" && !id.starts_with("ssh.c")).count();
    assert_eq!(fewer.len(), expected);

    // A category can be excluded from the whole profile.
    let (_, no_kernel, _) = scan_json(root.path(), &["--exclude", "kernel"]);
    assert!(!ids(&no_kernel).iter().any(|id| id.starts_with("kernel.")));
    assert!(ids(&no_kernel).iter().any(|id| id.starts_with("ssh.")));
}

#[test]
fn mistyped_ids_get_suggestions() {
    let root = ssh_root();
    let r = root.path().to_str().unwrap();
    let err = usage_error(&["scan", "--root", r, "--check", "ssh.permit-root"]);
    assert!(err.contains("did you mean `ssh.permit-root-login`?"), "{err}");
    let err = usage_error(&["scan", "--root", r, "--check", "ssh.permitrootlogin"]);
    assert!(err.contains("`ssh.permit-root-login`"), "{err}");
    let err = usage_error(&["scan", "--root", r, "--check", "kernal"]);
    assert!(err.contains("did you mean `kernel`?"), "{err}");
    let err = usage_error(&["scan", "--root", r, "--exclude", "ssh.x11-forwardin"]);
    assert!(
        err.contains("--exclude `ssh.x11-forwardin` matches no check") && err.contains("`ssh.x11-forwarding`"),
        "{err}"
    );
    // Nothing close: no suggestion, but where to look.
    let err = usage_error(&["scan", "--root", r, "--check", "zzzzzzzz"]);
    assert!(!err.contains("did you mean") && err.contains("hardcheck checks list"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    let err = usage_error(&["checks", "explain", "ssh.permit-rot-login"]);
    assert!(err.contains("unknown check id `ssh.permit-rot-login` (did you mean `ssh.permit-root-login`?)"), "{err}");
    let err = usage_error(&["scan", "--root", r, "--check", "ssh.permit-root-login", "--exclude", "ssh"]);
    assert!(err.contains("no check left to run"), "{err}");
}

#[test]
fn min_score_must_be_a_score() {
    let root = ssh_root();
    let r = root.path().to_str().unwrap();
    for bad in ["190", "-1", "100.5", "NaN", "high"] {
        let err = usage_error(&["scan", "--root", r, &format!("--min-score={bad}")]);
        assert!(err.contains("--min-score"), "{bad}: {err}");
    }
    for ok in ["0", "100", "72.5"] {
        let out = bin().args(["scan", "--root", r, "--check", "ssh", "-q", "--min-score", ok]).output().unwrap();
        assert!(matches!(out.status.code(), Some(0 | 1)), "{ok}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn help_lists_exit_codes() {
    for args in [&["scan", "--help"][..], &["--help"][..]] {
        let out = bin().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(help.contains("Exit codes"), "{help}");
        assert!(help.contains("0 ") && help.contains("1 ") && help.contains("2 "), "{help}");
    }
    let out = bin().args(["scan", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in ["--exclude", "--verbose", "--quiet", "--image", "--report-url"] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
}

/// The progress line needs a terminal: `script` gives the scan one.
#[test]
fn progress_line_only_on_a_terminal() {
    let tree = tempfile::tempdir().unwrap();
    let root = tree.path().join("root");
    assert!(overlay(&fixtures().join("ssh"), "fail", &root) > 5);
    let report = tree.path().join("r.json");
    let cmd = format!(
        "{} scan --no-probe --root {} --format json --output {}",
        env!("CARGO_BIN_EXE_hardcheck"),
        root.display(),
        report.display()
    );
    // On a terminal (delay shortened: the tests have no slow scan).
    let out = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("HARDCHECK_PROGRESS_DELAY_MS", "0")
        .output()
        .expect("`script` (util-linux) runs the scan on a terminal");
    let tty = String::from_utf8_lossy(&out.stdout);
    assert!(tty.contains("checks done"), "no progress on a terminal: {tty:?}");
    assert!(tty.trim_end().ends_with("\r\u{1b}[2K"), "the progress line is not cleared: {tty:?}");
    // Not a terminal: nothing on stderr.
    let out = bin()
        .env("HARDCHECK_PROGRESS_DELAY_MS", "0")
        .args(["scan", "--no-probe", "--root"])
        .arg(&root)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("checks done"));
}

#[test]
fn json_says_when_where_and_as_whom() {
    let root = ssh_root();
    std::fs::write(root.path().join("etc/hostname"), "web-7.example\n").unwrap();
    let out = bin()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args(["scan", "--check", "ssh", "--format", "json", "--root"])
        .arg(root.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["target"]["host"], "web-7.example");
    assert_eq!(v["scan"]["started_at"], "2023-11-14T22:13:20Z");
    assert_eq!(v["scan"]["duration_ms"], 0, "SOURCE_DATE_EPOCH makes the report reproducible");
    let uid = v["scan"]["uid"].as_u64().unwrap();
    assert_eq!(v["scan"]["as_root"], uid == 0);
    assert!(!v["scan"]["user"].as_str().unwrap().is_empty());

    // A hostile /etc/hostname is not a name: the directory stands in.
    std::fs::write(root.path().join("etc/hostname"), "evil\u{1b}[2J\n").unwrap();
    let (_, v, _) = scan_json(root.path(), &["--check", "ssh"]);
    let canon = std::fs::canonicalize(root.path()).unwrap();
    assert_eq!(v["target"]["host"], canon.display().to_string());
    // Without SOURCE_DATE_EPOCH: now, in RFC 3339 UTC.
    let started = v["scan"]["started_at"].as_str().unwrap();
    assert!(started.len() == 20 && started.ends_with('Z') && started.as_bytes()[10] == b'T', "{started}");

    // A live scan names the machine.
    let out =
        bin().args(["scan", "--no-probe", "--check", "ssh.permit-root-login", "--format", "json"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_eq!(v["target"]["host"], host.trim());
    assert!(Path::new("/proc/self/status").exists());
}
