//! The credential checks never print a password: every fail fixture of the
//! `passwords` category is scanned in JSON and table format and no fixture
//! password value may appear in the output.

mod common;

use common::*;

/// Every password or secret value written in the fail fixtures (those that
/// are not also ordinary words of the report: `admin`, `guest`, `root`… are
/// checked in their `key=value` shapes below).
const VALUES: &[&str] = &[
    "foobared",
    "x7Kq#2",
    "Redis123",
    "admin123",
    "s3cret",
    "123456",
    "my-secret-pw",
    "changeme",
    "t0k3n",
    "mailer2024",
    "my-jwt-secret-2024",
    "keyboard cat",
    "Lq8vN2wX5tR9zK3m",
    "Pz4yH7cJ1sF6bD8g",
];

/// Shapes in which a common word would be a leaked value.
const SHAPES: &[&str] = &[
    "requirepass password",
    "password=root",
    "password = root",
    "admin_password = grafana",
    "admin_password = admin",
    "POSTGRES_PASSWORD: postgres",
    "RABBITMQ_DEFAULT_PASS: guest",
    "password=\"admin\"",
    "site:changeme",
];

#[test]
fn fail_fixtures_print_no_password() {
    let base = fixtures().join("passwords");
    let mut scenarios = Vec::new();
    for check in std::fs::read_dir(&base).unwrap().flatten() {
        let Ok(rd) = std::fs::read_dir(check.path().join("fail")) else { continue };
        for sc in rd.flatten().filter(|e| e.path().is_dir()) {
            scenarios.push(sc.path());
        }
    }
    assert!(scenarios.len() >= 16, "only {} fail scenarios", scenarios.len());
    let mut leaks = Vec::new();
    for dir in &scenarios {
        for format in ["json", "table"] {
            // The whole list (quick mode may stop before a fixture's
            // password), every result shown (the table hides passes).
            let out = bin()
                .arg("scan")
                .arg("--root")
                .arg(dir)
                .args(["--passwords", "thorough", "--no-cache", "--verbose", "--format", format])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
            // The report names the target directory, whose scenario name may say what it pins.
            let text = text.replace(&dir.display().to_string(), "ROOT");
            assert!(text.contains("passwords."), "{}: no passwords result in {format}", dir.display());
            for v in VALUES.iter().chain(SHAPES) {
                if text.contains(v) {
                    leaks.push(format!("{} ({format}): `{v}` appears", dir.display()));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}
