//! The data-driven fixture harness. For every check,
//! `tests/fixtures/<category>/<name>/{pass,fail,skip}/<scenario>/` is a small
//! root filesystem. Each scenario is copied to a scratch directory (modes
//! and owners from an optional `<scenario>.modes` file are applied there),
//! scanned with `--root` and `--check <category>.<name>` through the real
//! binary, and the verdict must match the directory: a pass fixture that
//! fails is *noisy*, a fail fixture that passes is *missing*.
//!
//! A fail scenario has a sibling `<scenario>.evidence` file listing the
//! expected evidence, one `path:line` (or `path`, or `-`) per line, in order.
//!
//! A scenario may have a sibling `<scenario>.profile.toml`: the scan then
//! runs with `--profile` set to it (e.g. to set a parameter; the file can
//! `extends = "baseline"`).
//!
//! A scenario holding `image/config.json` and `image/layers/0/`, `1/`…
//! is an image: it is built into an OCI layout (`common::oci`) and
//! scanned with `--image`; its `.modes` paths start with `image/layers/N/`.
//!
//! `HARDCHECK_FIXTURES=ssh` (a prefix of `category/name`) runs a subset.
//! `HARDCHECK_BLESS=1` writes each fail scenario's `.evidence` file from
//! the evidence the binary gives (a missing file too), for review with
//! `git diff`; the verdicts are still asserted.

mod common;

use common::*;
use std::path::Path;

#[test]
fn every_fixture_gives_its_verdict() {
    let filter = std::env::var("HARDCHECK_FIXTURES").unwrap_or_default();
    let root = fixtures();
    let mut jobs: Vec<(String, String, &'static str, std::path::PathBuf)> = Vec::new();
    let mut cats: Vec<_> = std::fs::read_dir(&root).unwrap().flatten().filter(|e| e.path().is_dir()).collect();
    cats.sort_by_key(|e| e.file_name());
    for cat in cats {
        let cat_name = cat.file_name().to_string_lossy().into_owned();
        let mut checks: Vec<_> = std::fs::read_dir(cat.path()).unwrap().flatten().collect();
        checks.sort_by_key(|e| e.file_name());
        for check in checks {
            let name = check.file_name().to_string_lossy().into_owned();
            let key = format!("{cat_name}/{name}");
            if !key.starts_with(&filter) {
                continue;
            }
            for verdict in ["pass", "fail", "skip"] {
                let Ok(rd) = std::fs::read_dir(check.path().join(verdict)) else { continue };
                let mut scenarios: Vec<_> = rd.flatten().filter(|e| e.path().is_dir()).collect();
                scenarios.sort_by_key(|e| e.file_name());
                for sc in scenarios {
                    jobs.push((key.clone(), format!("{cat_name}.{name}"), verdict, sc.path()));
                }
            }
        }
    }
    assert!(!jobs.is_empty() || !filter.is_empty(), "no fixtures found under {}", root.display());
    // The scans are independent processes: run a few at a time.
    let mut failures = in_parallel(&jobs, 4, |(key, id, verdict, dir)| {
        run_scenario(id, verdict, dir).map_err(|e| {
            let sc = dir.file_name().unwrap().to_string_lossy();
            format!("{key}/{verdict}/{sc}: {e}")
        })
    });
    failures.sort();
    let ran = jobs.len();
    assert!(
        failures.is_empty(),
        "{} of {ran} fixtures gave the wrong verdict:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{ran} fixtures gave their verdict");
}

fn run_scenario(id: &str, verdict: &str, dir: &Path) -> Result<(), String> {
    let (report, stderr) = scan_fixture_scenario(id, dir)?;
    let r = result(&report, id);
    let status = r["status"].as_str().unwrap_or("");
    if status != verdict {
        return Err(format!(
            "expected {verdict}, got {status}: {} {}{}",
            r["message"],
            r["evidence"],
            if stderr.is_empty() { String::new() } else { format!(" (stderr: {stderr})") }
        ));
    }
    if verdict == "fail" {
        let want_file = dir.with_extension("evidence");
        let got = evidence(r);
        if std::env::var_os("HARDCHECK_BLESS").is_some() {
            let text: String = got.iter().map(|l| format!("{l}\n")).collect();
            std::fs::write(&want_file, text).map_err(|e| format!("{}: {e}", want_file.display()))?;
        }
        let want = std::fs::read_to_string(&want_file).map_err(|_| format!("missing {}", want_file.display()))?;
        let want: Vec<String> = want.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
        if got != want {
            return Err(format!("evidence {got:?}, expected {want:?} (message: {})", r["message"]));
        }
        if r["fix"].as_str().unwrap_or("").is_empty() {
            return Err("a failure without a fix".into());
        }
    }
    Ok(())
}
