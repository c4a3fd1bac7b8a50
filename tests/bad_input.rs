//! Bad input never panics, hangs, escapes the target or loses what it could
//! not read: FIFOs, symlink loops and escapes, absolute symlinks, huge
//! sparse files, non-UTF-8 bytes, unreadable files, malformed definitions.

mod common;

use common::*;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn write(root: &Path, rel: &str, text: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let st = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(st.success());
}

fn skipped(report: &serde_json::Value) -> Vec<(String, String)> {
    report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["path"].as_str().unwrap().to_string(), s["reason"].as_str().unwrap().to_string()))
        .collect()
}

fn reason_for<'a>(list: &'a [(String, String)], path: &str) -> &'a str {
    list.iter()
        .find(|(p, _)| p == path)
        .map(|(_, r)| r.as_str())
        .unwrap_or_else(|| panic!("{path} not listed as skipped in {list:?}"))
}

/// The hostile tree of the acceptance criteria.
fn hostile_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // sshd_config is a FIFO: opening it for reading would block forever.
    mkfifo(&root.join("etc/ssh/sshd_config"));
    // sysctl drop-ins that loop.
    std::fs::create_dir_all(root.join("etc/sysctl.d")).unwrap();
    symlink("20-b.conf", root.join("etc/sysctl.d/10-a.conf")).unwrap();
    symlink("10-a.conf", root.join("etc/sysctl.d/20-b.conf")).unwrap();
    // sudoers includes a directory holding an escaping relative link and an
    // absolute link to a host file that does not exist inside the root.
    write(root, "etc/sudoers", b"root ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n");
    std::fs::create_dir_all(root.join("etc/sudoers.d")).unwrap();
    symlink("../../../../../../../../../../etc/passwd", root.join("etc/sudoers.d/escape")).unwrap();
    let host_secret = dir.path().parent().unwrap().join(format!("hardcheck-host-only-{}", std::process::id()));
    std::fs::write(&host_secret, "deploy ALL=(ALL) NOPASSWD: ALL\n").unwrap();
    symlink(&host_secret, root.join("etc/sudoers.d/absolute")).unwrap();
    // A 200 MB sparse login.defs.
    write(root, "etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n");
    let f = std::fs::File::create(root.join("etc/login.defs")).unwrap();
    f.set_len(200 * 1024 * 1024).unwrap();
    // Non-UTF-8 bytes in /etc/group (line 2).
    write(root, "etc/group", b"root:x:0:\nstaff:x:50:\xff\xfe\n");
    dir
}

#[test]
fn hostile_tree_is_scanned_and_every_problem_reported() {
    let dir = hostile_tree();
    let root = dir.path();
    let start = Instant::now();
    let (code, report, stderr) = scan_json(root, &[]);
    let took = start.elapsed();
    let host_secret = root.parent().unwrap().join(format!("hardcheck-host-only-{}", std::process::id()));
    let _ = std::fs::remove_file(&host_secret);
    assert_eq!(code, 0, "stderr: {stderr}");
    // Not a timing test (see benches/): only a guard against a hang.
    assert!(took < Duration::from_secs(60), "scan took {took:?}");

    let list = skipped(&report);
    assert!(reason_for(&list, "/etc/ssh/sshd_config").contains("not a regular file (fifo)"));
    assert!(reason_for(&list, "/etc/sysctl.d/10-a.conf").contains("symlink loop"));
    assert!(reason_for(&list, "/etc/sudoers.d/escape").contains("escapes the target root"));
    assert!(reason_for(&list, "/etc/sudoers.d/absolute").contains("dangling symlink"));
    assert!(reason_for(&list, "/etc/login.defs").contains("too large"));
    assert!(reason_for(&list, "/etc/group").contains("not valid UTF-8 (first bad byte at line 2)"));

    // The checks that needed those files say so instead of passing.
    let r = result(&report, "ssh.permit-root-login");
    assert_eq!(r["status"], "skip");
    assert!(r["message"].as_str().unwrap().contains("fifo"), "{r}");
    // The host file behind the absolute link was never read: no finding from it.
    let nopasswd = result(&report, "accounts.sudo-nopasswd");
    assert_eq!(nopasswd["status"], "skip", "{nopasswd}");
    assert!(!report.to_string().contains("deploy ALL"), "a host file outside the root was read");
    for r in report["results"].as_array().unwrap() {
        assert_ne!(r["status"], "error", "{r}");
    }
}

#[test]
fn absolute_symlink_resolves_inside_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "srv/ssh/real_config", b"PermitRootLogin yes\n");
    std::fs::create_dir_all(root.join("etc/ssh")).unwrap();
    symlink("/srv/ssh/real_config", root.join("etc/ssh/sshd_config")).unwrap();
    let (_, report, _) = scan_json(root, &["--check", "ssh.permit-root-login"]);
    let r = result(&report, "ssh.permit-root-login");
    assert_eq!(r["status"], "fail");
    assert_eq!(evidence(r), vec!["/etc/ssh/sshd_config:1"]);
}

#[test]
fn unreadable_file_is_skipped_with_the_reason() {
    // Root reads anything: drop privileges for this scan when we have them.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "etc/ssh/sshd_config", b"PermitRootLogin yes\n");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(root.join("etc/ssh/sshd_config"), std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = unprivileged_bin()
        .args(["scan", "--root"])
        .arg(root)
        .args(["--check", "ssh.permit-root-login", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let r = result(&report, "ssh.permit-root-login");
    assert_eq!(r["status"], "skip");
    assert!(r["message"].as_str().unwrap().contains("permission denied"), "{r}");
    assert!(reason_for(&skipped(&report), "/etc/ssh/sshd_config").contains("permission denied"));
}

/// `--no-probe`: the test machine's own services are not the test's to connect to.
#[test]
fn live_scan_finishes_as_root_and_as_an_unprivileged_user() {
    let out = bin().args(["scan", "--no-probe", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["target"]["kind"], "host");
    assert!(report["results"].as_array().unwrap().len() >= 55);
    if is_root() {
        let out = unprivileged_bin().args(["scan", "--no-probe", "--format", "json"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        // As nobody, /etc/shadow cannot be read: that is a skip with the reason, never a pass.
        let shadow = report["skipped"].as_array().unwrap().iter().find(|s| s["path"] == "/etc/shadow");
        if std::path::Path::new("/etc/shadow").exists() {
            assert!(shadow.is_some(), "unreadable /etc/shadow not reported");
        }
    }
}

fn exit2(args: &[&str]) -> String {
    let out = bin().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.starts_with("hardcheck: error: "), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one clear line expected: {stderr}");
    stderr
}

#[test]
fn usage_errors_exit_2_with_one_clear_line() {
    assert!(exit2(&["scan", "--root", "/nonexistent/hardcheck-root"]).contains("not found"));
    assert!(exit2(&["scan", "--profile", "no-such-profile"]).contains("unknown profile `no-such-profile`"));
    assert!(exit2(&["scan", "--check", "ssh.no-such-check"]).contains("`ssh.no-such-check` matches no check"));
    assert!(exit2(&["checks", "explain", "ssh.no-such-check"]).contains("unknown check id"));
    let file = tempfile::NamedTempFile::new().unwrap();
    assert!(exit2(&["scan", "--root", file.path().to_str().unwrap()]).contains("not a directory"));
}

#[test]
fn malformed_check_file_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("mine");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("thing.yaml"),
        "id: mine.thing\ntitle: t\ncategory: mine\nseverity: high\nrationale: r\nfix: f\nsources: [sshd]\nfor_each: sshd.port\nexpect: it.value ==\n",
    )
    .unwrap();
    let err = exit2(&["checks", "list", "--checks", dir.path().to_str().unwrap()]);
    assert!(err.contains("thing.yaml:9: `expect`: invalid CEL"), "{err}");

    std::fs::write(d.join("thing.yaml"), "id: mine.thing\ntitle: t\nseverty: high\n").unwrap();
    let err = exit2(&["checks", "list", "--checks", dir.path().to_str().unwrap()]);
    assert!(err.contains("thing.yaml") && err.contains("severty"), "{err}");
}

#[test]
fn malformed_profile_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mine.toml");
    std::fs::write(&p, "name = \"mine\"\nextends = \"baseline\"\nexclude = [\"ssh.*\"\nfoo = 1\n").unwrap();
    let err = exit2(&["scan", "--root", dir.path().to_str().unwrap(), "--profile", p.to_str().unwrap()]);
    assert!(err.contains("mine.toml:"), "{err}");
    std::fs::write(&p, "name = \"mine\"\nextends = \"baseline\"\nexclude = [\"ssh.permit-rot-login\"]\n").unwrap();
    let err = exit2(&["scan", "--root", dir.path().to_str().unwrap(), "--profile", p.to_str().unwrap()]);
    assert!(err.contains("`ssh.permit-rot-login` matches no check"), "{err}");
}
