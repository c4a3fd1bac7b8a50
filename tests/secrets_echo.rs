//! Secrets on the lines a finding is about never reach a report (issue 17,
//! item 2). Each case plants a unique canary next to a real finding; the
//! real binary scans the tree in all six formats: the canary is in none of
//! them, and the finding is still reported at its path:line.

mod common;

use common::*;
use std::path::Path;

const FORMATS: &[&str] = &["table", "json", "sarif", "junit", "markdown", "html"];

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// (check, file, text with `{C}` for the canary, expected evidence)
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "tls.env-verification-off",
        "etc/systemd/system/app.service",
        "[Service]\nEnvironment=\"MYSQL_PWD={C}\" NODE_TLS_REJECT_UNAUTHORIZED=0\nExecStart=/usr/bin/app\n",
        "/etc/systemd/system/app.service:2",
    ),
    (
        "tls.env-verification-off",
        "etc/environment",
        "PATH=/usr/bin\nREDISCLI_AUTH={C} NODE_TLS_REJECT_UNAUTHORIZED=0\n",
        "/etc/environment:2",
    ),
    (
        "tls.env-verification-off",
        "etc/profile.d/app.sh",
        "export PGPASSWORD={C} PYTHONHTTPSVERIFY=0\n",
        "/etc/profile.d/app.sh:1",
    ),
    (
        "tls.env-verification-off",
        "etc/default/app",
        "API_TOKEN={C} APP_SECRET={C}x SIGNING_KEY={C}y GIT_SSL_NO_VERIFY=1\n",
        "/etc/default/app:1",
    ),
    (
        "passwords.pam-nullok",
        "etc/pam.d/common-auth",
        "auth [success=1 default=ignore] pam_unix.so nullok bindpw={C} rootbindpw={C}z\nauth requisite pam_deny.so\n",
        "/etc/pam.d/common-auth:1",
    ),
    ("tls.pip-trusted-host", "etc/pip.conf", "[global]\ntrusted-host = bob:{C}@pypi.example.org\n", "/etc/pip.conf:2"),
];

#[test]
fn secrets_on_echoed_lines_are_in_no_format() {
    for (i, (check, file, text, want)) in CASES.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let canary = format!("Cnry{i}q7Zx4Lw9");
        write(root, file, &text.replace("{C}", &canary));
        let (_, report, stderr) = scan_json(root, &["--check", check]);
        let r = result(&report, check);
        assert_eq!(r["status"], "fail", "case {i} ({check}): {r} {stderr}");
        assert!(evidence(r).contains(&want.to_string()), "case {i} ({check}): {:?}", evidence(r));
        for format in FORMATS {
            let out = bin()
                .args(["scan", "--root"])
                .arg(root)
                .args(["--check", check, "--format", format, "--verbose"])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(!text.is_empty(), "{format}: no output");
            assert!(!text.contains(&canary), "case {i} ({check}) leaks its canary in {format}:\n{text}");
            assert!(text.contains(want.split(':').next().unwrap()), "case {i}: {format} lost the path");
        }
    }
}

#[test]
fn evidence_shows_only_the_variable_the_finding_is_about() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "etc/systemd/system/app.service",
        "[Service]\nEnvironment=\"DB_PASSWORD=a b\" NODE_TLS_REJECT_UNAUTHORIZED=0 OTHER=1\n",
    );
    let (_, report, _) = scan_json(root, &["--check", "tls.env-verification-off"]);
    let r = result(&report, "tls.env-verification-off");
    assert_eq!(r["status"], "fail", "{r}");
    assert_eq!(r["evidence"][0]["detail"], "NODE_TLS_REJECT_UNAUTHORIZED=0", "{r}");
}
