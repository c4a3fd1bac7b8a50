//! A hardened Debian 12 server scores clean under the default profile, and
//! the opinions the baseline leaves out still run, with their evidence, in
//! the `strict` profile.
//!
//! The tree (`tests/fixtures/scenarios/hardened-debian12`, modes and owners
//! in the `.modes` file beside it) is what a careful administrator ships:
//! keys-only SSH with strong MACs, no root login, yescrypt, pwquality, a
//! default-drop nftables firewall, the kernel hardening sysctls, persistent
//! journald, logrotate, HTTPS APT sources with signing keys, unattended
//! upgrades. It keeps Debian's defaults where a published counter-position
//! exists: no forced password expiry (NIST SP 800-63B), no lockout, umask
//! 022, no SSH banner or allow-list, cron directories 0755.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn tree(scratch: &Path) -> PathBuf {
    let root = scratch.join("root");
    let scenarios = fixtures().join("scenarios");
    copy_tree(&scenarios.join("hardened-debian12"), &root);
    apply_modes(&root, &std::fs::read_to_string(scenarios.join("hardened-debian12.modes")).unwrap()).unwrap();
    root
}

/// The checks the baseline leaves out as opinions, each with where the
/// strict profile finds it in this tree.
const OPINIONS: [(&str, &str); 12] = [
    ("accounts.pass-max-days", "/etc/login.defs:17"),
    ("accounts.pass-min-days", "/etc/login.defs:18"),
    ("accounts.umask", "/etc/login.defs:16"),
    ("kernel.ipv6-accept-ra", "-"),
    ("kernel.log-martians", "-"),
    ("passwords.pam-history", "/etc/pam.d/common-password"),
    ("passwords.pam-lockout", "/etc/pam.d/common-auth"),
    ("ssh.access-restricted", "/etc/ssh/sshd_config"),
    ("ssh.allow-tcp-forwarding", "/etc/ssh/sshd_config"),
    ("ssh.banner", "/etc/ssh/sshd_config"),
    ("ssh.client-alive-interval", "/etc/ssh/sshd_config"),
    ("permissions.cron", "/etc/crontab"),
];

fn failed(report: &Value) -> Vec<String> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] != "pass" && r["status"] != "skip")
        .map(|r| format!("{} {}: {}", r["status"], r["id"], r["message"]))
        .collect()
}

#[test]
fn hardened_server_scores_clean_by_default() {
    let scratch = tempfile::tempdir().unwrap();
    let root = tree(scratch.path());
    for profile in ["baseline", "server"] {
        let (code, report, stderr) = scan_json(&root, &["--no-probe", "--profile", profile]);
        assert_eq!(code, 0, "{profile}: {stderr}");
        assert_eq!(failed(&report), Vec::<String>::new(), "{profile}: a hardened server has findings");
        assert_eq!(report["score"]["value"].as_f64(), Some(100.0), "{profile}");
        // Clean because the checks ran and passed, not because they skipped.
        for id in [
            "ssh.permit-root-login",
            "ssh.macs",
            "accounts.encrypt-method",
            "network.firewall-default-deny",
            "kernel.randomize-va-space",
            "permissions.shadow",
            "updates.unattended-upgrades",
            "logging.logrotate",
        ] {
            assert_eq!(result(&report, id)["status"], "pass", "{profile}: {id}");
        }
        for (id, _) in OPINIONS {
            let ran = report["results"].as_array().unwrap().iter().any(|r| r["id"] == id);
            assert!(!ran, "{profile} runs the opinion {id}");
        }
    }
}

#[test]
fn strict_profile_runs_the_opinions() {
    let scratch = tempfile::tempdir().unwrap();
    let root = tree(scratch.path());
    let (_, report, stderr) = scan_json(&root, &["--no-probe", "--profile", "strict"]);
    assert!(report["results"].is_array(), "{stderr}");
    for (id, at) in OPINIONS {
        let r = result(&report, id);
        assert_eq!(r["status"], "fail", "{id}: {r}");
        let ev = evidence(r);
        assert!(ev.iter().any(|e| e == at || e.starts_with(&format!("{at}:"))), "{id}: evidence {ev:?}, want {at}");
    }
    // Strict runs every check the registry has.
    let all = bin().args(["checks", "list", "--format", "json"]).output().unwrap();
    let all: Value = serde_json::from_slice(&all.stdout).unwrap();
    assert_eq!(report["results"].as_array().unwrap().len(), all.as_array().unwrap().len());
}
