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

/// Issue 16: Debian's `chromium` ships `/etc/chromium.d/apikeys` with the
/// browser's public API keys. Unmodified (its md5sum is the one in dpkg's
/// `Conffiles:`) it is not a leak, and the pass message says why (in the
/// formats that print pass messages), in no format with the values; the same file edited is reported, and the
/// finding says it was modified.
#[test]
fn vendor_conffile_unmodified_is_not_a_leak_and_modified_is() {
    let base = fixtures().join("secrets/token-in-readable-file");
    let check = "secrets.token-in-readable-file";
    let key = "AIzaSyD7fq2Lw9XkQe4RbT1uVn8mZc3HsJp6yGa";
    let pass = base.join("pass/chromium-apikeys-unmodified-conffile");
    let (_, report, _) = scan_json(&pass, &["--check", check]);
    let r = result(&report, check);
    assert_eq!(r["status"], "pass", "{r}");
    let msg = r["message"].as_str().unwrap();
    assert!(
        msg.contains("/etc/chromium.d/apikeys:3,5 (2 values) not counted: shipped by package chromium unmodified"),
        "{msg}"
    );
    for format in FORMATS {
        let mut cmd = bin();
        cmd.args(["scan", "--root"]).arg(&pass).args(["--check", check, "--format", format, "--verbose"]);
        let text = String::from_utf8_lossy(&cmd.output().unwrap().stdout).into_owned();
        let says_why = text.contains("shipped by package chromium");
        assert!(says_why || !["json", "markdown"].contains(format), "{format} does not say why:\n{text}");
        assert!(!text.contains(key) && !text.contains(&key[8..20]), "{format} shows the key:\n{text}");
    }
    let fail = base.join("fail/chromium-apikeys-modified-conffile");
    let (_, report, _) = scan_json(&fail, &["--check", check]);
    let r = result(&report, check);
    assert_eq!(r["status"], "fail", "{r}");
    assert_eq!(evidence(r), ["/etc/chromium.d/apikeys:3", "/etc/chromium.d/apikeys:5"]);
    let detail = r["evidence"][0]["detail"].as_str().unwrap();
    assert!(detail.ends_with("conffile of package chromium, modified since it was shipped"), "{detail}");
}
