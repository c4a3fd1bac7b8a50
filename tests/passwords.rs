//! Weak-password probes through the real binary: the time budget and the
//! parameters set by a profile (which the fixture harness cannot set), the
//! hostile-cost guard, and that no password or hash reaches a report.

mod common;

use common::*;
use std::path::Path;
use std::time::{Duration, Instant};

const ID: &str = "passwords.account-weak-password";

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A profile extending baseline with some params.
fn profile(dir: &Path, params: &str) -> String {
    let p = dir.join("profile.toml");
    std::fs::write(&p, format!("name = \"tiny\"\nextends = \"baseline\"\n\n[params]\n{params}\n")).unwrap();
    p.to_string_lossy().into_owned()
}

fn shadow_fixture(scenario: &str) -> std::path::PathBuf {
    fixtures().join("passwords/account-weak-password").join(scenario)
}

#[test]
fn budget_that_runs_out_is_a_pass_that_says_what_was_left() {
    let tmp = tempfile::tempdir().unwrap();
    let prof = profile(tmp.path(), "password_check_budget_ms = 0");
    let (_, report, stderr) =
        scan_json(&shadow_fixture("pass/strong-and-locked"), &["--check", ID, "--profile", &prof]);
    let r = result(&report, ID);
    assert_eq!(r["status"], "pass", "{r} {stderr}");
    let msg = r["message"].as_str().unwrap();
    assert!(msg.contains("the time budget of 0 ms ran out with "), "{msg}");
    assert!(msg.contains("progress: alice 0 of "), "{msg}");
    assert!(msg.contains("or use --passwords thorough"), "{msg}");
}

/// Scan the strong-and-locked fixture with the cache in `cache` (and
/// extra args); the result of the weak-password check.
fn cached_scan(cache: &Path, extra: &[&str]) -> serde_json::Value {
    let root = shadow_fixture("pass/strong-and-locked");
    let out = bin()
        .env("XDG_CACHE_HOME", cache)
        .args(["scan", "--root"])
        .arg(&root)
        .args(["--check", ID, "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    result(&report, ID).clone()
}

#[test]
fn cache_holds_keyed_digests_only_and_the_next_scan_resumes() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let prof = profile(tmp.path(), "password_check_budget_ms = 9000");
    let cache = tmp.path().join("xdg");
    let r = cached_scan(&cache, &["--profile", &prof]);
    assert_eq!(r["status"], "pass", "{r}");
    let msg = r["message"].as_str().unwrap();
    let total: String = msg.split("alice ").nth(1).unwrap().split(" of ").next().unwrap().into();
    assert!(msg.contains(&format!("alice {total} of {total} guesses tried")), "all tried: {msg}");
    assert!(!msg.contains("resumed"), "{msg}");
    let dir = cache.join("hardcheck");
    let text = std::fs::read_to_string(dir.join("passwords.json")).unwrap();
    let shadow = std::fs::read_to_string(shadow_fixture("pass/strong-and-locked/etc/shadow")).unwrap();
    for line in shadow.lines() {
        for part in line.split(':').nth(1).unwrap_or("").split('$').filter(|p| p.len() > 3) {
            assert!(!text.contains(part), "the cache holds `{part}` of a hash: {text}");
        }
    }
    assert!(!text.contains("alice") && !text.contains("bob"), "no account names: {text}");
    for f in ["passwords.json", "key"] {
        assert_eq!(std::fs::metadata(dir.join(f)).unwrap().permissions().mode() & 0o777, 0o600, "{f}");
    }
    // The second scan starts where the first stopped: nothing left to try.
    let r = cached_scan(&cache, &["--profile", &prof]);
    let msg = r["message"].as_str().unwrap();
    assert!(msg.contains(&format!("alice {total} of {total} guesses tried (resumed at {total})")), "{msg}");
    assert!(msg.contains(": 0 guesses in"), "{msg}");
    // Without the cache it starts afresh, and writes nothing.
    let fresh = tmp.path().join("fresh");
    let r = cached_scan(&fresh, &["--profile", &prof, "--no-cache"]);
    assert!(!r["message"].as_str().unwrap().contains("resumed"), "{r}");
    assert!(!fresh.exists(), "--no-cache wrote {}", fresh.display());
}

#[test]
fn a_corrupt_cache_is_a_note_not_a_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("hardcheck");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("passwords.json"), "{not json").unwrap();
    let r = cached_scan(tmp.path(), &[]);
    assert_eq!(r["status"], "pass", "{r}");
    assert!(r["message"].as_str().unwrap().contains("is corrupt"), "{r}");
    // And it is replaced by a good one.
    let text = std::fs::read_to_string(dir.join("passwords.json")).unwrap();
    assert!(text.starts_with("{\"format\":1"), "{text}");
}

#[test]
fn profile_sets_how_many_common_passwords_are_tried() {
    let tmp = tempfile::tempdir().unwrap();
    // Only name variants: "password" (rank 3 of the list) is no longer tried.
    let prof = profile(tmp.path(), "common_passwords = 0\npassword_check_budget_ms = 9000");
    let (_, report, _) =
        scan_json(&shadow_fixture("fail/common-password-every-scheme"), &["--check", ID, "--profile", &prof]);
    let r = result(&report, ID);
    assert_eq!(r["status"], "pass", "{r}");
    assert!(r["message"].as_str().unwrap().contains("the 0 most common passwords"), "{r}");
    // The name variants alone still find root's `toor`.
    let (_, report, _) = scan_json(&shadow_fixture("fail/name-variants"), &["--check", ID, "--profile", &prof]);
    let r = result(&report, ID);
    assert_eq!(r["status"], "fail", "{r}");
    assert_eq!(evidence(r), ["/etc/shadow:1", "/etc/shadow:2"]);
}

#[test]
fn hostile_costs_return_fast_and_are_named() {
    let t = Instant::now();
    let (_, report, _) = scan_json(
        &shadow_fixture("pass/hostile-cost-not-computed"),
        &["--check", ID, "--check", "passwords.hash-cost-excessive"],
    );
    assert!(t.elapsed() < Duration::from_secs(30), "took {:?}", t.elapsed());
    let r = result(&report, ID);
    assert_eq!(r["status"], "pass", "{r}");
    let msg = r["message"].as_str().unwrap();
    assert!(msg.contains("not verified: mallory at /etc/shadow:1 (sha512crypt hash with 999999999 rounds, above the limit of 1000000 rounds)"), "{msg}");
    assert!(msg.contains("trudy at /etc/shadow:2 (bcrypt hash with cost 20, above the limit of cost 12)"), "{msg}");
    let c = result(&report, "passwords.hash-cost-excessive");
    assert_eq!(c["status"], "fail", "{c}");
    assert_eq!(evidence(c), ["/etc/shadow:1", "/etc/shadow:2"]);
}

#[test]
fn caps_come_from_the_profile() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    // sha512crypt with rounds=20000 and a strong password.
    write(&root, "etc/shadow", "alice:$6$rounds=20000$alicesalt$YY9UVz1YipjSeKA1nFu5CFvpER5xkeuWJ2oY15TDBsd/p5TFc5FBzOXc7MzmlLmIhAF8gn27uHuXCOcr7ysGr.:19700:0:99999:7:::\n");
    let (_, report, _) = scan_json(&root, &["--check", ID]);
    let r = result(&report, ID);
    assert_eq!(r["status"], "pass", "{r}");
    assert!(r["message"].as_str().unwrap().contains("1 account checked: "), "{r}");
    let prof = profile(tmp.path(), "password_max_sha_rounds = 10000\npassword_check_budget_ms = 9000");
    let (_, report, _) = scan_json(&root, &["--check", ID, "--profile", &prof]);
    let r = result(&report, ID);
    assert_eq!(r["status"], "skip", "{r}");
    assert!(r["message"].as_str().unwrap().contains("20000 rounds, above the limit of 10000 rounds"), "{r}");
}

#[test]
fn no_password_or_hash_reaches_any_report() {
    let scenarios = [
        ("passwords.account-weak-password", "account-weak-password/fail/common-password-every-scheme", "etc/shadow"),
        (
            "passwords.htpasswd-weak-password",
            "htpasswd-weak-password/fail/apr1-sha-plain-bcrypt",
            "etc/nginx/.htpasswd",
        ),
        ("passwords.htpasswd-weak-hash", "htpasswd-weak-hash/fail/every-weak-scheme", "etc/nginx/.htpasswd"),
    ];
    for (id, dir, file) in scenarios {
        let root = fixtures().join("passwords").join(dir);
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        for format in ["json", "table", "sarif", "markdown"] {
            let out =
                bin().args(["scan", "--root"]).arg(&root).args(["--check", id, "--format", format]).output().unwrap();
            let report = String::from_utf8_lossy(&out.stdout);
            for line in text.lines().filter(|l| !l.starts_with('#')) {
                let user = line.split(':').next().unwrap_or("");
                let secret = line.split(':').nth(1).unwrap_or("");
                let secret = secret.trim_start_matches("{PLAIN}").trim_start_matches("{SHA}").trim_start_matches('!');
                // (A password equal to the user name shows as the name.)
                if secret.len() > 2 && secret != user {
                    assert!(!report.contains(secret), "{id} ({format}) shows a hash or password from {file}");
                }
            }
            for pw in ["123456789", "password1", "Vq7#pLr2", "monkey", "guest\""] {
                assert!(!report.contains(pw), "{id} ({format}) shows a password");
            }
        }
    }
}
