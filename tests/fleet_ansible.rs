//! `deploy/ansible/hardcheck.yml` run by the real `ansible-playbook`
//! (ansible-core) against this machine: three inventory aliases with
//! `connection: local`, each scanning its own fixture tree through
//! `hardcheck_extra_args: [--root …]` so that nothing depends on the
//! machine. One host's gate fails (exit 1: not a failed play), one host's
//! scan fails (exit 2: that host fails, the others are merged). The merged
//! report must equal `hardcheck merge` of the same trees scanned directly.
//!
//! `scripts/test.sh` installs ansible-core when missing (Debian's
//! `ansible-core`, else PyPI under `target/validators/`). Run without it,
//! the test fails and says so: a playbook that is not run proves nothing.

mod common;

use common::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `ansible-playbook` from PATH, else the one `scripts/test.sh` put under
/// `target/validators/python`.
fn ansible_playbook() -> Command {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("ansible-playbook")).find(|f| f.is_file()))
        .unwrap_or_default();
    if let Some(exe) = on_path {
        return Command::new(exe);
    }
    let validators = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().join("validators/python");
    let exe = validators.join("bin/ansible-playbook");
    if !exe.is_file() {
        panic!(
            "ansible-playbook (ansible-core) is not installed: run ./scripts/test.sh, which installs it when \
             missing (Debian's ansible-core, else PyPI under target/validators/)"
        );
    }
    let mut c = Command::new(exe);
    c.env("PYTHONPATH", &validators);
    c
}

fn playbook() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/ansible/hardcheck.yml")
}

/// A fixture tree copied to `dir`, with its own `/etc/hostname` (the name
/// the fleet knows it by).
fn host_tree(dir: &Path, fixture: &str, hostname: &str) -> PathBuf {
    let root = dir.join(hostname);
    copy_tree(&fixtures().join(fixture), &root);
    std::fs::write(root.join("etc/hostname"), format!("{hostname}\n")).unwrap();
    root
}

fn host(root: &Path, remote: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["--root".to_string(), root.display().to_string()];
    args.extend(extra.iter().map(|s| s.to_string()));
    json!({
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        // Root already: `su` to root asks for no password (and needs no sudo).
        "ansible_become_method": "su",
        "hardcheck_remote_dir": remote,
        "hardcheck_extra_args": args,
    })
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What the merged view says per host and per check, without times and
/// file names.
fn summary(fleet: &Value) -> (Vec<Value>, Vec<Value>) {
    let hosts = fleet["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| json!([h["host"], h["score"], h["grade"], h["fails"], h["kind"], h["profile"]]))
        .collect();
    let checks = fleet["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!([c["id"], c["severity"], c["hosts_run"], c["failing"], c["waived"]]))
        .collect();
    (hosts, checks)
}

fn failing<'a>(fleet: &'a Value, id: &str) -> &'a Value {
    let c = fleet["checks"].as_array().unwrap().iter().find(|c| c["id"] == id);
    &c.unwrap_or_else(|| panic!("{id} not in the fleet view"))["failing"]
}

#[test]
fn playbook_scans_every_host_fetches_and_merges_on_the_controller() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let web = host_tree(dir, "scenarios/bad-ssh", "web1");
    let db = host_tree(dir, "scenarios/web-and-postgres", "db1");
    let remote = |name: &str| dir.join("remote").join(name);
    let inventory = json!({"all": {"hosts": {
        // A failed gate (exit 1) is a finding: the host stays in the play.
        "web-a": host(&web, &remote("web-a"), &["--fail-on", "high"]),
        "db-b": host(&db, &remote("db-b"), &[]),
        // A failed scan (exit 2) fails this host only.
        "broken": host(&dir.join("no-such-root"), &remote("broken"), &[]),
    }}});
    std::fs::write(dir.join("inventory.yml"), serde_json::to_string_pretty(&inventory).unwrap()).unwrap();
    let out = dir.join("out");
    let run = ansible_playbook()
        .current_dir(dir)
        .args(["-i", "inventory.yml"])
        .arg(playbook())
        .arg("-e")
        .arg(format!("hardcheck_binary={}", env!("CARGO_BIN_EXE_hardcheck")))
        .arg("-e")
        .arg(format!("hardcheck_output_dir={}", out.display()))
        .env("ANSIBLE_HOME", dir.join("ansible-home"))
        .env("ANSIBLE_LOCAL_TEMP", dir.join("ansible-tmp"))
        .env("ANSIBLE_REMOTE_TEMP", dir.join("ansible-remote-tmp"))
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_RETRY_FILES_ENABLED", "0")
        .output()
        .unwrap();
    let log = format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    // ansible-playbook exits 2 when a host failed.
    assert_eq!(run.status.code(), Some(2), "{log}");
    let recap = |name: &str, want: &str| {
        let line = log.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap_or_else(|| panic!("{name}: {log}"));
        assert!(line.contains(want), "{name}: {line}\n{log}");
    };
    recap("web-a", "failed=0");
    recap("db-b", "failed=0");
    recap("broken", "failed=1");
    assert!(log.contains("--root") && log.contains("not found"), "{log}");
    assert!(log.contains("gate failed") && log.contains("ssh.permit-root-login"), "{log}");

    // Reports fetched per inventory name; the fleet names hosts by target.host.
    for (alias, name) in [("web-a", "web1"), ("db-b", "db1")] {
        let report = read_json(&out.join(format!("reports/{alias}.json")));
        assert_eq!(report["target"]["host"], name, "{alias}");
        assert_eq!(report["target"]["kind"], "root", "{alias}");
    }
    assert!(!out.join("reports/broken.json").exists());
    // Nothing is left on the hosts, not even on the one whose scan failed.
    for alias in ["web-a", "db-b", "broken"] {
        let left: Vec<_> = std::fs::read_dir(remote(alias)).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(left.is_empty(), "{alias}: {left:?}");
    }

    let fleet = read_json(&out.join("fleet.json"));
    let names: Vec<&str> = fleet["hosts"].as_array().unwrap().iter().map(|h| h["host"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(sorted, ["db1", "web1"], "{fleet}");
    assert_eq!(failing(&fleet, "ssh.permit-root-login"), &json!(["web1"]));
    assert_eq!(failing(&fleet, "network.datastore-bind-all"), &json!(["db1"]));
    let both = failing(&fleet, "kernel.accept-redirects").as_array().unwrap();
    assert_eq!(both.len(), 2, "{both:?}");
    let web_row = fleet["hosts"].as_array().unwrap().iter().find(|h| h["host"] == "web1").unwrap();
    assert_eq!(web_row["fails"]["high"], 1, "{web_row}");

    // The same as scanning the trees directly and merging here.
    let direct: Vec<PathBuf> = [&web, &db]
        .iter()
        .map(|root| {
            let file = dir.join(format!("{}.json", root.file_name().unwrap().to_string_lossy()));
            let s =
                bin().arg("scan").arg("--root").arg(root).args(["--format", "json", "--output"]).arg(&file).output();
            let s = s.unwrap();
            assert_eq!(s.status.code(), Some(0), "{}", String::from_utf8_lossy(&s.stderr));
            file
        })
        .collect();
    let merged = bin().args(["merge", "--format", "json"]).args(&direct).output().unwrap();
    assert_eq!(merged.status.code(), Some(0), "{}", String::from_utf8_lossy(&merged.stderr));
    let expected: Value = serde_json::from_slice(&merged.stdout).unwrap();
    assert_eq!(summary(&fleet), summary(&expected));

    let table = std::fs::read_to_string(out.join("fleet.txt")).unwrap();
    assert!(table.contains("fleet of 2 host(s)") && table.contains("web1") && table.contains("db1"), "{table}");
    let html = std::fs::read_to_string(out.join("fleet.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<code>web1</code>"), "{html}");
}
