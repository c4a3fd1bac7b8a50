//! Golden reports: whole-profile scans of fixed trees, compared with the
//! reports committed under `tests/golden/`. They pin every check's verdict,
//! message, evidence and fix on trees that exercise every check at once, so
//! that a change to the engine, a collector or a report model that alters a
//! result is seen in review. A deliberate change is re-recorded with
//! `HARDCHECK_BLESS=1 cargo test --test golden` and the diff reviewed.
//!
//! Trees: each scenario under `tests/fixtures/scenarios/` (its modes from a
//! `.modes` file beside it), and for each
//! category, every `fail` fixture of that category copied over each other in
//! name order (modes applied after each copy), and the same for `pass`.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The part of a result that a refactoring must not change.
fn summarize(report: &Value) -> String {
    let mut out = String::new();
    for r in report["results"].as_array().unwrap() {
        out.push_str(&format!(
            "{} {} {}\n  message: {}\n",
            r["id"].as_str().unwrap(),
            r["status"].as_str().unwrap(),
            r["severity"].as_str().unwrap(),
            stable(r["message"].as_str().unwrap_or(""))
        ));
        for e in r["evidence"].as_array().unwrap() {
            let loc = match (e["path"].as_str(), e["line"].as_u64()) {
                (Some(p), Some(l)) => format!("{p}:{l}"),
                (Some(p), None) => p.to_string(),
                _ => "-".into(),
            };
            out.push_str(&format!("  at {loc}: {}\n", stable(e["detail"].as_str().unwrap_or(""))));
        }
        if r["status"] == "fail" {
            out.push_str(&format!("  fix: {}\n", r["fix"].as_str().unwrap_or("").trim()));
        }
    }
    out
}

/// Messages that depend on the machine's speed (how far password guessing
/// got within a time budget) or on today's date (days until or since a
/// date in the fixture) keep their words but not their numbers.
fn stable(message: &str) -> String {
    // How long ago a certificate expired grows by one every day.
    let ago = regex::Regex::new(r"\b\d+ days ago").unwrap();
    let message = &ago.replace_all(message, "N days ago");
    if !message.contains("guess") && !message.contains(" days in the future") {
        return message.to_string();
    }
    // Whether the budget ran out depends on the machine's load.
    let message = message.split("; the time budget").next().unwrap_or(message);
    let re = regex::Regex::new(r"\d+(\.\d+)?").unwrap();
    re.replace_all(message, "N").into_owned()
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn compare(name: &str, root: &Path) -> Result<(), String> {
    let profile = golden_dir().join("all-checks.toml");
    let (_, report, stderr) = scan_json(root, &["--no-probe", "--profile", profile.to_str().unwrap()]);
    let got = summarize(&report);
    let file = golden_dir().join(format!("{name}.txt"));
    if std::env::var_os("HARDCHECK_BLESS").is_some() {
        std::fs::write(&file, &got).unwrap();
        return Ok(());
    }
    let want = std::fs::read_to_string(&file)
        .map_err(|e| format!("{}: {e} (record with HARDCHECK_BLESS=1)", file.display()))?;
    if got == want {
        return Ok(());
    }
    let (g, w): (Vec<&str>, Vec<&str>) = (got.lines().collect(), want.lines().collect());
    let first = g.iter().zip(&w).position(|(a, b)| a != b).unwrap_or(g.len().min(w.len()));
    let lo = first.saturating_sub(3);
    Err(format!(
        "{name}: report differs from {} at line {} (stderr: {stderr})\n--- expected\n{}\n--- got\n{}",
        file.display(),
        first + 1,
        w[lo..(first + 6).min(w.len())].join("\n"),
        g[lo..(first + 6).min(g.len())].join("\n"),
    ))
}

/// A golden report to compare: its name, its tree, and for a category
/// overlay, the category and verdict to copy.
type Job = (String, PathBuf, Option<(PathBuf, &'static str)>);

#[test]
fn whole_scans_match_the_golden_reports() {
    let mut jobs: Vec<Job> = Vec::new();
    let root = fixtures();
    let mut cats: Vec<PathBuf> = std::fs::read_dir(&root).unwrap().flatten().map(|e| e.path()).collect();
    cats.sort();
    for cat in cats {
        let name = cat.file_name().unwrap().to_string_lossy().into_owned();
        // Layer trees of the image tests (tests/image_tools.rs), not a category.
        if name == "images" {
            continue;
        }
        if name == "scenarios" {
            let mut scs: Vec<PathBuf> = std::fs::read_dir(&cat).unwrap().flatten().map(|e| e.path()).collect();
            scs.sort();
            for sc in scs.into_iter().filter(|p| p.is_dir()) {
                let sn = sc.file_name().unwrap().to_string_lossy().into_owned();
                jobs.push((format!("scenario-{sn}"), sc, None));
            }
            continue;
        }
        for verdict in ["fail", "pass"] {
            jobs.push((format!("{name}-{verdict}"), cat.clone(), Some((cat.clone(), verdict))));
        }
    }
    let failures = in_parallel(&jobs, 3, |(name, path, overlay_of)| {
        let scratch = tempfile::tempdir().unwrap();
        let tree = scratch.path().join("root");
        match overlay_of {
            Some((cat, verdict)) => {
                assert!(overlay(cat, verdict, &tree) > 0, "no {verdict} fixtures in {}", cat.display());
            }
            None => {
                copy_tree(path, &tree);
                // Modes and owners of a scenario, in `<scenario>.modes` beside it.
                if let Ok(modes) = std::fs::read_to_string(path.with_extension("modes")) {
                    apply_modes(&tree, &modes)?;
                }
            }
        }
        compare(name, &tree)
    });
    assert!(failures.is_empty(), "{} golden report(s) differ:\n{}", failures.len(), failures.join("\n\n"));
}
