//! Odd and hostile config content never panics or hangs a scan: every file
//! the checks read is filled with junk, self-includes and unbalanced syntax.

mod common;

use common::*;
use std::path::Path;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn junk_everywhere_is_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let junk = "=\n:::\n{{{{\n}}}}\n\"unterminated\n\\\n[section\nkey\n= value\n#\n\u{feff}BOM\n\t\t\n".to_string()
        + &"x".repeat(100_000)
        + "\n";
    for f in [
        "etc/passwd",
        "etc/shadow",
        "etc/group",
        "etc/gshadow",
        "etc/login.defs",
        "etc/sysctl.conf",
        "etc/sysctl.d/10-junk.conf",
        "etc/systemd/journald.conf",
        "etc/rsyslog.conf",
        "etc/apt/sources.list",
        "etc/apt/sources.list.d/junk.sources",
        "etc/dnf/dnf.conf",
        "etc/yum.repos.d/junk.repo",
        "var/lib/dpkg/status",
        "etc/logrotate.conf",
        "etc/audit/rules.d/junk.rules",
    ] {
        write(root, f, &junk);
    }
    // Includes that point at themselves.
    write(root, "etc/ssh/sshd_config", &format!("Include /etc/ssh/sshd_config\nMatch\n{junk}"));
    write(root, "etc/sudoers", &format!("@include /etc/sudoers\n@includedir /etc\n{junk}"));
    write(root, "etc/apt/apt.conf.d/99junk", "#include \"/etc/apt/apt.conf.d/99junk\";\nAPT { Get { x \"1\";\n");
    write(root, "etc/apt/apt.conf", &junk);

    let (code, report, stderr) = scan_json(root, &[]);
    assert_eq!(code, 0, "{stderr}");
    let results = report["results"].as_array().unwrap();
    assert!(results.len() >= 55);
    for r in results {
        let status = r["status"].as_str().unwrap();
        assert!(["pass", "fail", "skip", "error"].contains(&status), "{r}");
        if status == "error" {
            // A malformed file is an error that names the file.
            assert!(r["message"].as_str().unwrap().contains("/etc/"), "{r}");
        }
    }
}
