//! Golden snapshots of every report format: a scenario tree scanned with a
//! fixed clock (`SOURCE_DATE_EPOCH`) must render byte for byte as committed
//! under `tests/golden/formats/`. A deliberate change to a format is
//! re-recorded with `HARDCHECK_BLESS=1 cargo test --test golden_formats` and
//! the diff reviewed.
//!
//! The scanned directory, a fresh one under /tmp, is named `ROOT` in the
//! snapshots. The snapshots are of a scan as root (the test command runs as
//! root).

mod common;

use common::*;
use std::path::{Path, PathBuf};

const FORMATS: &[(&str, &str)] = &[
    ("table", "txt"),
    ("json", "json"),
    ("jsonl", "jsonl"),
    ("sarif", "sarif"),
    ("junit", "xml"),
    ("html", "html"),
    ("markdown", "md"),
];

/// Scenarios whose reports hold nothing timed (no password guessing).
const SCENARIOS: &[&str] = &["bad-ssh"];

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/formats")
}

/// The uid this test runs as.
fn uid() -> u32 {
    std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m)).unwrap_or(u32::MAX)
}

#[test]
fn every_format_matches_its_snapshot() {
    // The tree is copied by the user running the test: its owners, and so
    // the ownership checks, are root's only when that user is root (as in
    // CI and `./scripts/test.sh`).
    if uid() != 0 {
        eprintln!("golden_formats: the snapshots are of a scan as root; run the tests as root to compare them");
        return;
    }
    let mut failures = Vec::new();
    for scenario in SCENARIOS {
        // A short directory name without separators: HTML may break a path
        // after each `/`, never inside this name.
        let token = format!("hcgolden{}{scenario}", std::process::id()).replace('-', "");
        let tree = Path::new("/tmp").join(&token);
        let _ = std::fs::remove_dir_all(&tree);
        copy_tree(&fixtures().join("scenarios").join(scenario), &tree);
        for (format, ext) in FORMATS {
            let out = bin()
                .env("SOURCE_DATE_EPOCH", "1780000000")
                .arg("scan")
                .arg("--root")
                .arg(&tree)
                // One category: the snapshot changes when ssh checks or a format do.
                .args(["--no-probe", "--no-cache", "--check", "ssh", "--format", format])
                .output()
                .unwrap();
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{scenario} {format}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let got = String::from_utf8_lossy(&out.stdout).replace(&token, "ROOT");
            let file = golden_dir().join(format!("{scenario}.{ext}"));
            if std::env::var_os("HARDCHECK_BLESS").is_some() {
                std::fs::create_dir_all(golden_dir()).unwrap();
                std::fs::write(&file, &got).unwrap();
                continue;
            }
            let want = std::fs::read_to_string(&file).unwrap_or_default();
            if got != want {
                let (g, w): (Vec<&str>, Vec<&str>) = (got.lines().collect(), want.lines().collect());
                let first = g.iter().zip(&w).position(|(a, b)| a != b).unwrap_or(g.len().min(w.len()));
                failures.push(format!(
                    "{}: differs at line {} (record with HARDCHECK_BLESS=1)\n--- expected\n{}\n--- got\n{}",
                    file.display(),
                    first + 1,
                    w.get(first).unwrap_or(&"(end)"),
                    g.get(first).unwrap_or(&"(end)"),
                ));
            }
        }
        let _ = std::fs::remove_dir_all(&tree);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
