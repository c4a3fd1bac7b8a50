//! A user's own check, loaded with `--checks`, runs like a built-in one.

mod common;

use common::*;
use std::path::Path;

fn examples() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples"))
}

#[test]
fn example_user_check_fails_and_passes_with_evidence() {
    let checks = examples().join("checks");
    let args = ["--checks", checks.to_str().unwrap(), "--check", "myapp.tls-enabled"];
    let (code, report, stderr) = scan_json(&examples().join("fixtures/myapp-insecure"), &args);
    assert_eq!(code, 0, "{stderr}");
    let r = result(&report, "myapp.tls-enabled");
    assert_eq!(r["status"], "fail", "{r}");
    assert_eq!(evidence(r), vec!["/etc/myapp/config.yaml:5", "/etc/myapp/config.yaml:6"]);
    assert_eq!(r["message"], "server.tls.enabled: false (and 1 more)");
    assert!(r["fix"].as_str().unwrap().contains("/etc/myapp/config.yaml (line 5)"), "{r}");

    let (_, report, _) = scan_json(&examples().join("fixtures/myapp-secure"), &args);
    assert_eq!(result(&report, "myapp.tls-enabled")["status"], "pass");

    // Where myapp is not installed the check does not apply.
    let empty = tempfile::tempdir().unwrap();
    let (_, report, _) = scan_json(empty.path(), &args);
    let r = result(&report, "myapp.tls-enabled");
    assert_eq!(r["status"], "skip");
    assert!(r["message"].as_str().unwrap().contains("/etc/myapp/config.yaml not found"), "{r}");
}

#[test]
fn user_check_is_listed_and_explained() {
    let checks = examples().join("checks");
    let out =
        bin().args(["checks", "explain", "myapp.tls-enabled", "--checks", checks.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("myapp.tls-enabled — myapp serves HTTPS only"), "{text}");
    assert!(text.contains("app: yaml /etc/myapp/config.yaml"), "{text}");
}

#[test]
fn generic_formats_carry_lines() {
    // kv, ini, toml and json sources through a throw-away user check each.
    let dir = tempfile::tempdir().unwrap();
    let checks = dir.path().join("checks/demo");
    std::fs::create_dir_all(&checks).unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("etc/demo")).unwrap();
    std::fs::write(root.join("etc/demo/a.conf"), "# c\nmode = debug\nport=80\n").unwrap();
    std::fs::write(root.join("etc/demo/b.ini"), "[main]\nmode = prod\n\n[db]\n; c\nmode = debug\n").unwrap();
    std::fs::write(root.join("etc/demo/c.toml"), "title = 'x'\n[server]\nmode = \"debug\"\nport = 80\n").unwrap();
    std::fs::write(root.join("etc/demo/d.json"), "{\n  \"server\": {\n    \"mode\": \"debug\"\n  }\n}\n").unwrap();
    for (name, format, file, expect_line) in [
        ("kv", "kv", "a.conf", "/etc/demo/a.conf:2"),
        ("ini", "ini", "b.ini", "/etc/demo/b.ini:6"),
        ("toml", "toml", "c.toml", "/etc/demo/c.toml:3"),
        ("json", "json", "d.json", "/etc/demo/d.json:3"),
    ] {
        let def = format!(
            "id: demo.{name}\ntitle: no debug mode\ncategory: demo\nseverity: low\nrationale: r\nfix: f\nreferences: {{nist-800-53: [CM-6]}}\nfiles:\n  src: {{format: {format}, path: /etc/demo/{file}}}\nfor_each: src.entries.filter(e, e.key.endsWith('mode'))\nexpect: it.value != 'debug'\n"
        );
        std::fs::write(checks.join(format!("{name}.yaml")), def).unwrap();
        let (_, report, stderr) = scan_json(
            &root,
            &["--checks", dir.path().join("checks").to_str().unwrap(), "--check", &format!("demo.{name}")],
        );
        let r = result(&report, &format!("demo.{name}"));
        assert_eq!(r["status"], "fail", "{name}: {r} {stderr}");
        assert_eq!(evidence(r), vec![expect_line.to_string()], "{name}");
    }
}
