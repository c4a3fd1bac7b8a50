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

/// A profile may name its own waivers file (relative to the profile): it
/// applies like `--waivers`, and together with it.
#[test]
fn a_profile_names_its_waivers_file() {
    let root = ssh_root(CONFIG);
    let w = tempfile::tempdir().unwrap();
    write(
        w.path(),
        "accepted.toml",
        "[[waiver]]\ncheck = \"ssh.x11-forwarding\"\nreason = \"X display for an admin tool\"\nowner = \"ops\"\nexpires = 2099-12-31\n",
    );
    let profile =
        write(w.path(), "team.toml", "name = \"team\"\nextends = \"baseline\"\nwaivers = \"accepted.toml\"\n");
    let (_, report, stderr) = scan_json(root.path(), &["--check", "ssh", "--profile", &profile]);
    assert_eq!(result(&report, "ssh.x11-forwarding")["waiver"]["owner"], "ops", "{stderr}");
    assert!(result(&report, "ssh.root-login-disabled").get("waiver").is_none());
    assert_eq!(report["summary"]["waived"], 1);
    // Both the profile's file and the command line's apply.
    let more = write(
        w.path(),
        "more.toml",
        "[[waiver]]\ncheck = \"ssh.root-login-disabled\"\nreason = \"break-glass\"\nowner = \"sec\"\nexpires = 2099-12-31\n",
    );
    let (_, report, _) = scan_json(root.path(), &["--check", "ssh", "--profile", &profile, "--waivers", &more]);
    assert_eq!(report["summary"]["waived"], 2);
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

/// A baseline failure is "fixed" only when its check decided this time: a
/// check that did not run (`--check`) or was skipped (its file could not be
/// read) does not vouch that the failure is gone.
#[test]
fn failures_whose_checks_did_not_decide_are_not_fixed() {
    let root = ssh_root(CONFIG);
    std::fs::create_dir_all(root.path().join("etc/sysctl.d")).unwrap();
    std::fs::write(root.path().join("etc/sysctl.d/90-local.conf"), "net.ipv4.ip_forward = 1\n").unwrap();
    let w = tempfile::tempdir().unwrap();
    let (_, old, _) = scan_json(root.path(), &[]);
    assert_eq!(result(&old, "ssh.x11-forwarding")["status"], "fail");
    assert_eq!(result(&old, "kernel.ip-forward")["status"], "fail", "the baseline holds a kernel failure");
    let base = write(w.path(), "old.json", &old.to_string());
    let fixed = |report: &Value| -> Vec<String> {
        report["fixed"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect()
    };
    // Only the ssh checks run: the kernel failure is not "fixed".
    let (_, report, stderr) = scan_json(root.path(), &["--check", "ssh", "--baseline", &base]);
    assert_eq!(fixed(&report), Vec::<String>::new(), "{stderr}");
    // sshd_config unreadable (a FIFO): the ssh checks skip, nothing is "fixed".
    let config = root.path().join("etc/ssh/sshd_config");
    std::fs::remove_file(&config).unwrap();
    assert!(std::process::Command::new("mkfifo").arg(&config).status().unwrap().success());
    let (_, report, stderr) = scan_json(root.path(), &["--check", "ssh", "--baseline", &base]);
    assert_eq!(result(&report, "ssh.x11-forwarding")["status"], "skip", "{stderr}");
    let now = fixed(&report);
    assert!(!now.iter().any(|id| id == "ssh.x11-forwarding" || id == "ssh.root-login-disabled"), "{now:?}");
    // Really fixed, and decided: listed.
    std::fs::remove_file(&config).unwrap();
    std::fs::write(&config, "PermitRootLogin prohibit-password\nX11Forwarding no\n").unwrap();
    let (_, report, _) = scan_json(root.path(), &["--check", "ssh", "--baseline", &base]);
    let now = fixed(&report);
    assert!(
        now.contains(&"ssh.x11-forwarding".to_string()) && !now.contains(&"ssh.root-login-disabled".to_string()),
        "{now:?}"
    );
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

/// `hardcheck scan ARGS` on `root`: stdout.
fn scan_text(root: &Path, args: &[&str]) -> String {
    let out = bin().arg("scan").arg("--root").arg(root).args(args).env("NO_COLOR", "1").output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Issue 12: a waived failure is listed apart (with its expiry and owner)
/// and not again among the failures, in the table (categories, "Top
/// findings", `--quiet`), Markdown and HTML; the counts say how many.
#[test]
fn waived_failures_are_listed_apart_not_among_the_failures() {
    let root = ssh_root(CONFIG);
    let w = tempfile::tempdir().unwrap();
    let file = write(
        w.path(),
        "waivers.toml",
        "[[waiver]]\ncheck = \"ssh.x11-*\"\nreason = \"X display for an admin tool\"\nowner = \"ops@example.org\"\nexpires = 2099-12-31\n",
    );
    let args = ["--check", "ssh", "--waivers", file.as_str()];
    let (_, report, _) = scan_json(root.path(), &args);
    let fail = report["summary"]["fail"].as_u64().unwrap();
    assert_eq!(report["summary"]["waived"], 1);
    assert!(fail > 4, "{fail}");
    let id = "ssh.x11-forwarding";

    let table = scan_text(root.path(), &[&args[..], &["--format", "table"]].concat());
    assert_eq!(table.matches(id).count(), 1, "{table}");
    let waived = table.find("WAIVED FAILURES (1, not scored, not gated)").expect("waived section");
    let at = table.find(id).unwrap();
    assert!(at > waived, "{table}");
    assert!(table[at..].contains("until 2099-12-31 by") && table[at..].contains("ops@example.org"), "{table}");
    assert!(table.contains(&format!("ssh · 57.3/100 · {fail} fail (1 waived)")), "{table}");
    assert!(table.contains(&format!("Top findings (5 of {} failed)", fail - 1)), "{table}");
    assert!(table.contains(&format!("· {fail} fail (1 waived) ·")), "{table}");
    let quiet = scan_text(root.path(), &[&args[..], &["--quiet"]].concat());
    assert!(!quiet.contains(id) && quiet.lines().count() as u64 == fail, "{quiet}");

    let md = scan_text(root.path(), &[&args[..], &["--format", "markdown"]].concat());
    assert_eq!(md.matches(id).count(), 1, "{md}");
    let section = md.find("## Waived failures (1, not scored, not gated)").expect("waived section");
    let failures = md.find(&format!("## Failures ({})", fail - 1)).expect("failures without the waived one");
    assert!(section < md.find(id).unwrap() && md.find(id).unwrap() < failures, "{md}");
    assert!(md.contains("| `ssh.x11-forwarding` | low | `/etc/ssh/sshd_config:2` | 2099-12-31 | ops@example.org |"));
    assert!(md.contains(&format!("| ssh | 57.3 | 13 | {fail} (1 waived) |")), "{md}");

    let html = scan_text(root.path(), &[&args[..], &["--format", "html"]].concat());
    assert_eq!(html.matches(&format!("id=\"{id}\"")).count(), 1, "one anchor");
    let section = html.find("<section class=\"waived\">").expect("waived section");
    let row = html.find(&format!("<tr id=\"{id}\">")).expect("waived row");
    assert!(row > section && row < html.find("<section class=\"results-all\">").unwrap());
    assert!(!html.contains(&format!("<article class=\"result fail r s-low t-fail\" id=\"{id}\"")));
    assert!(html.contains(&format!("{} fail (+1 waived)", fail - 1)), "category counts");
}

/// Issue 12: how errored and skipped checks count for a control. An image
/// whose second layer is cut short cannot vouch for anything: every check
/// that would pass errors. No control with an erroring check passes: it
/// is `fail` with `undecided: "error"` unless one of its checks failed
/// outright; a control whose checks were skipped is `not-covered`.
#[test]
fn a_control_with_an_erroring_check_cannot_pass() {
    use sha2::Digest as _;
    let tar_of = |files: &[(&str, &[u8], Option<u64>)]| {
        let mut out = Vec::new();
        for (name, data, declared) in files {
            let mut h = tar::Header::new_ustar();
            h.set_path(name).unwrap();
            h.set_entry_type(tar::EntryType::Regular);
            h.set_mode(0o644);
            h.set_uid(0);
            h.set_gid(0);
            h.set_mtime(0);
            h.set_size(declared.unwrap_or(data.len() as u64));
            h.set_cksum();
            out.extend_from_slice(h.as_bytes());
            out.extend_from_slice(data);
            out.resize(out.len().div_ceil(512) * 512, 0);
        }
        out
    };
    let mut base = tar_of(&[
        ("etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n", None),
        ("etc/ssh/sshd_config", b"PermitRootLogin yes\nX11Forwarding no\nMaxAuthTries 3\n", None),
    ]);
    base.extend([0u8; 1024]);
    // Declares a gigabyte and ends after a few bytes.
    let cut = tar_of(&[("etc/motd", b"hello\n", None), ("usr/share/big.bin", b"only a few bytes", Some(1 << 30))]);
    let layers = [base, cut];
    let diff_ids: Vec<String> = layers.iter().map(|l| format!("sha256:{:x}", sha2::Sha256::digest(l))).collect();
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": "base"}, {"created_by": "cut"}],
    }))
    .unwrap();
    let manifest = serde_json::json!([{"Config": "config.json", "RepoTags": ["cut:1"], "Layers": ["0.tar", "1.tar"]}]);
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("cut.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&archive).unwrap());
    for (name, data) in [("manifest.json", serde_json::to_vec(&manifest).unwrap()), ("config.json", config)]
        .into_iter()
        .chain(layers.iter().enumerate().map(|(i, l)| (if i == 0 { "0.tar" } else { "1.tar" }, l.clone())))
    {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, &data[..]).unwrap();
    }
    b.finish().unwrap();
    drop(b);

    let args = ["--profile", "cis-debian12-l1", "--format", "json"];
    let out = bin().arg("scan").arg("--image").arg(&archive).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let status: std::collections::BTreeMap<&str, &str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(status["ssh.root-login-disabled"], "fail", "{}", result(&report, "ssh.root-login-disabled"));
    assert_eq!(status["ssh.max-auth-tries"], "error", "a check that would pass errors");
    let (mut errored, mut skipped) = (0, 0);
    for c in report["compliance"]["controls"].as_array().unwrap() {
        let checks: Vec<&str> = c["checks"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
        let any = |s: &str| checks.iter().any(|id| status.get(id) == Some(&s));
        if any("error") {
            errored += 1;
            assert_eq!(c["status"], "fail", "{c}");
            let want = if any("fail") { Value::Null } else { Value::from("error") };
            assert_eq!(c.get("undecided").cloned().unwrap_or(Value::Null), want, "{c}");
        } else if any("skip") && !any("fail") {
            skipped += 1;
            assert_eq!((&c["status"], &c["undecided"]), (&Value::from("not-covered"), &Value::from("skip")), "{c}");
        }
        if c["status"] == "pass" {
            assert!(checks.iter().all(|id| status.get(id) == Some(&"pass")), "{c}");
        }
    }
    assert!(errored > 5 && skipped > 5, "{errored} errored, {skipped} skipped controls");
    let max_auth = report["compliance"]["controls"].as_array().unwrap().iter().find(|c| c["id"] == "5.1.16");
    assert_eq!(max_auth.map(|c| (&c["status"], &c["undecided"])), Some((&"fail".into(), &"error".into())));

    // A waiver covers failures, not errors: with every failure waived, a
    // control that also has an erroring check is undecided (error), not
    // "waived"; one with only waived failures is waived.
    let all = write(
        dir.path(),
        "all.toml",
        "[[waiver]]\ncheck = \"*\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2099-01-01\n",
    );
    let out = bin().arg("scan").arg("--image").arg(&archive).args(args).args(["--waivers", &all]).output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (mut mixed, mut waived) = (0, 0);
    for c in report["compliance"]["controls"].as_array().unwrap() {
        let checks: Vec<&str> = c["checks"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
        let any = |s: &str| checks.iter().any(|id| status.get(id) == Some(&s));
        match (any("fail"), any("error")) {
            (true, true) => {
                mixed += 1;
                assert_eq!((&c["status"], &c["undecided"], c.get("waived")), (&"fail".into(), &"error".into(), None));
            }
            (true, false) => {
                waived += 1;
                assert_eq!((&c["status"], &c["waived"]), (&"fail".into(), &true.into()), "{c}");
            }
            _ => {}
        }
    }
    assert!(mixed > 0 && waived > 0, "{mixed} controls with a failure and an error, {waived} waived");
}
