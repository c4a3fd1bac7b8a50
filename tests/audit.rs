//! Compliance audits through the real binary: benchmark profiles list every
//! recommendation with a status, waivers (applied, expired, unused,
//! malformed file:line, gates), baselines (new, unchanged, fixed, line
//! shifts, `--fail-on-new`).

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

/// A root whose sshd_config allows root login with a key and X11
/// forwarding: `ssh.root-login-disabled` and `ssh.x11-forwarding` fail.
fn ssh_root(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("etc/ssh")).unwrap();
    std::fs::write(dir.path().join("etc/ssh/sshd_config"), config).unwrap();
    dir
}

const CONFIG: &str = "PermitRootLogin prohibit-password\nX11Forwarding yes\n";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn catalog_ids(catalog: &str, level: &str, inherits: Option<&str>) -> Vec<String> {
    let text = std::fs::read_to_string(format!("benchmarks-profiles/controls/{catalog}.toml")).unwrap();
    let v: toml::Table = text.parse().unwrap();
    v["control"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            let levels = c["levels"].as_array().unwrap();
            levels.iter().any(|l| Some(l.as_str().unwrap()) == Some(level) || l.as_str() == inherits)
        })
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn cis_profiles_list_every_recommendation_with_a_status() {
    let root = ssh_root(CONFIG);
    for (profile, catalog, level, inherits) in [
        ("cis-debian12-l1", "cis-debian12", "l1_server", None),
        ("cis-debian12-l2", "cis-debian12", "l2_server", Some("l1_server")),
        ("cis-ubuntu2204-l1", "cis-ubuntu2204", "l1_server", None),
    ] {
        let (_, report, stderr) = scan_json(root.path(), &["--profile", profile]);
        let c = &report["compliance"];
        assert_eq!(c["profile"], profile, "{stderr}");
        assert!(c["framework"].as_str().unwrap().starts_with("CIS "));
        assert!(c["version"].as_str().unwrap().starts_with('v'));
        let controls = c["controls"].as_array().unwrap();
        let ids: Vec<String> = controls.iter().map(|c| c["id"].as_str().unwrap().to_string()).collect();
        assert_eq!(ids, catalog_ids(catalog, level, inherits), "{profile}");
        let mut counts = std::collections::BTreeMap::<String, u64>::new();
        for ctl in controls {
            let s = ctl["status"].as_str().unwrap();
            assert!(["pass", "fail", "manual", "not-covered"].contains(&s), "{ctl}");
            assert!(ctl["title"].as_str().is_some_and(|t| !t.is_empty()));
            assert!(ctl["checks"].is_array());
            *counts.entry(s.replace('-', "_")).or_default() += 1;
        }
        for (k, n) in counts {
            assert_eq!(c["summary"][&k], n, "{profile} summary {k}");
        }
    }
    // The root-login control (5.1.20 on Debian 12) fails on this root; a
    // manual control is manual; a control whose checks were skipped is not
    // a pass.
    let (_, report, _) = scan_json(root.path(), &["--profile", "cis-debian12-l1"]);
    let ctl = |id: &str| -> Value {
        report["compliance"]["controls"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap().clone()
    };
    assert_eq!(ctl("5.1.20")["status"], "fail");
    assert!(ctl("5.1.20")["checks"].as_array().unwrap().iter().any(|c| c == "ssh.root-login-disabled"));
    assert_eq!(ctl("1.1.1.1")["status"], "not-covered");
    assert_eq!(ctl("1.1.1.1")["undecided"], "skip");
    let manual =
        report["compliance"]["controls"].as_array().unwrap().iter().filter(|c| c["status"] == "manual").count();
    assert_eq!(report["compliance"]["summary"]["manual"], manual as u64);
}

#[test]
fn default_profile_has_no_compliance_and_no_cis_only_checks() {
    let root = ssh_root(CONFIG);
    let (_, report, _) = scan_json(root.path(), &[]);
    assert!(report.get("compliance").is_none());
    let ids: Vec<&str> = report["results"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(!ids.contains(&"ssh.root-login-disabled"));
    assert!(!ids.contains(&"kernel.cramfs-module-disabled"));
    assert!(ids.contains(&"ssh.permit-root-login"));
}

#[test]
fn waivers_applied_expired_unused_and_gates() {
    let root = ssh_root(CONFIG);
    let w = tempfile::tempdir().unwrap();
    let file = write(
        w.path(),
        "waivers.toml",
        "[[waiver]]\ncheck = \"ssh.x11-*\"\npath = \"/etc/ssh/*\"\nreason = \"X display for an admin tool\"\nowner = \"ops@example.org\"\nexpires = 2099-12-31\n\n\
         [[waiver]]\ncheck = \"ssh.root-login-disabled\"\nreason = \"old\"\nowner = \"ops\"\nexpires = 2001-01-01\n\n\
         [[waiver]]\ncheck = \"nginx.*\"\nreason = \"typo\"\nowner = \"ops\"\nexpires = \"2099-01-01\"\n",
    );
    let args = ["--check", "ssh", "--waivers", file.as_str()];
    let (code, report, stderr) = scan_json(root.path(), &args);
    assert_eq!(code, 0, "{stderr}");
    let x11 = result(&report, "ssh.x11-forwarding");
    assert_eq!(x11["status"], "fail");
    assert_eq!(x11["waiver"]["owner"], "ops@example.org");
    assert_eq!(x11["waiver"]["expires"], "2099-12-31");
    assert_eq!(evidence(x11), ["/etc/ssh/sshd_config:2"]);
    let root_login = result(&report, "ssh.root-login-disabled");
    assert_eq!(root_login["status"], "fail");
    assert!(root_login.get("waiver").is_none(), "an expired waiver does not apply");
    let states: Vec<(u64, &str)> = report["waivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["line"].as_u64().unwrap(), w["state"].as_str().unwrap()))
        .collect();
    assert_eq!(states, [(1, "applied"), (8, "expired"), (14, "unused")]);
    assert_eq!(report["summary"]["waived"], 1);

    // Not scored, never gated: waiving every failure gives 100 and exit 0.
    let all =
        write(w.path(), "all.toml", "[[waiver]]\ncheck = \"*\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2099-01-01\n");
    let (code, report, stderr) =
        scan_json(root.path(), &["--check", "ssh", "--waivers", &all, "--fail-on", "low", "--min-score", "100"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["score"]["value"], 100.0);
    let (code, _, _) = scan_json(root.path(), &["--check", "ssh", "--fail-on", "low"]);
    assert_eq!(code, 1, "the same scan without waivers trips the gate");
}

#[test]
fn malformed_waivers_are_usage_errors_with_file_and_line() {
    let root = ssh_root(CONFIG);
    let w = tempfile::tempdir().unwrap();
    for (text, line, word) in [
        ("[[waiver]]\ncheck = \"a\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2099-01-01\n\n[[waiver]]\ncheck = \"b\"\nreason = \"r\"\nexpires = 2099-01-01\n", 7, "owner"),
        ("[[waiver]]\ncheck = \"a\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2099-02-30\"\n", 1, "not a date"),
        ("[[waiver]]\ncheck = \"a\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2099-01-01\ncolour = 1\n", 6, "colour"),
        ("[[waiver]]\ncheck = \"a\nreason = \"r\"\n", 2, ""),
    ] {
        let file = write(w.path(), "bad.toml", text);
        let out = bin().arg("scan").arg("--root").arg(root.path()).args(["--waivers", &file]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {stderr}");
        assert!(out.stdout.is_empty());
        assert!(stderr.contains(&format!("{file}:{line}:")) && stderr.contains(word), "{text}: {stderr}");
    }
}

#[test]
fn baseline_new_unchanged_fixed_and_line_shifts() {
    let root = ssh_root(CONFIG);
    let w = tempfile::tempdir().unwrap();
    let (_, old, _) = scan_json(root.path(), &["--check", "ssh"]);
    let base = write(w.path(), "old.json", &old.to_string());

    // Same findings, shifted two lines down; X11 fixed; a new failure.
    std::fs::write(
        root.path().join("etc/ssh/sshd_config"),
        "# moved\n\nPermitRootLogin prohibit-password\nX11Forwarding no\nPermitEmptyPasswords yes\n",
    )
    .unwrap();
    let (code, report, stderr) = scan_json(root.path(), &["--check", "ssh", "--baseline", &base]);
    assert_eq!(code, 0, "{stderr}");
    let root_login = result(&report, "ssh.root-login-disabled");
    assert_eq!(evidence(root_login), ["/etc/ssh/sshd_config:3"]);
    assert_eq!(root_login["evidence"][0]["change"], "unchanged");
    assert_eq!(root_login["change"], "unchanged");
    let empty = result(&report, "ssh.permit-empty-passwords");
    assert_eq!(empty["status"], "fail");
    assert_eq!(empty["evidence"][0]["change"], "new");
    let fixed: Vec<(&str, &str, u64)> = report["fixed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap(), f["path"].as_str().unwrap_or("-"), f["line"].as_u64().unwrap_or(0)))
        .collect();
    assert!(fixed.contains(&("ssh.x11-forwarding", "/etc/ssh/sshd_config", 2)), "{fixed:?}");

    // --fail-on-new gates on the new failure only.
    let (code, _, stderr) = scan_json(root.path(), &["--check", "ssh", "--baseline", &base, "--fail-on-new"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("ssh.permit-empty-passwords") && !stderr.contains("ssh.root-login-disabled"), "{stderr}");
    std::fs::write(root.path().join("etc/ssh/sshd_config"), "# moved\n\nPermitRootLogin prohibit-password\n").unwrap();
    let (code, _, stderr) = scan_json(root.path(), &["--check", "ssh", "--baseline", &base, "--fail-on-new"]);
    assert_eq!(code, 0, "old failures do not trip --fail-on-new: {stderr}");
    let (code, _, _) = scan_json(root.path(), &["--check", "ssh", "--fail-on", "low"]);
    assert_eq!(code, 1);
}

#[test]
fn a_bad_baseline_is_a_usage_error() {
    let root = ssh_root(CONFIG);
    let w = tempfile::tempdir().unwrap();
    for (text, word) in [("{\"results\": []}", "schema_version"), ("{\n\"schema_version\": 1,\n", "old.json:")] {
        let file = write(w.path(), "old.json", text);
        let out = bin().arg("scan").arg("--root").arg(root.path()).args(["--baseline", &file]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(word), "{stderr}");
    }
}
