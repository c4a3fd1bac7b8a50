//! The masker hides values read from the target, never hardcheck's own
//! words (issue 16): no `****` in any check's title, fix or rationale, in a
//! fix filled in from a failing tree, and in every report format of a
//! passing tree, a mask only where the evidence quotes a masked line of the
//! target (a password hash in `/etc/shadow`).

mod common;

use common::*;
use std::path::PathBuf;

const MASK: &str = "****";
const FORMATS: &[&str] = &["table", "json", "jsonl", "sarif", "junit", "html", "markdown"];

fn categories() -> Vec<PathBuf> {
    let mut cats: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && !matches!(p.file_name().and_then(|n| n.to_str()), Some("scenarios" | "images")))
        .collect();
    cats.sort();
    cats
}

fn all_checks_profile() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/all-checks.toml")
}

#[test]
fn definitions_hold_no_mask() {
    let out = bin().args(["checks", "list", "--format", "json"]).output().unwrap();
    assert!(out.status.success());
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut bad = Vec::new();
    for c in list.as_array().unwrap() {
        for field in ["title", "fix", "rationale"] {
            if c[field].as_str().is_some_and(|t| t.contains(MASK)) {
                bad.push(format!("{} {field}", c["id"]));
            }
        }
    }
    assert!(bad.is_empty(), "definitions with a mask in their own words: {bad:?}");
}

/// The whitespace-separated pieces of evidence details that hold a mask
/// (with the word before a bare mask): quotes of the target that had a
/// secret in them.
fn masked_quotes(report: &serde_json::Value) -> Vec<String> {
    let mut quotes = Vec::new();
    for r in report["results"].as_array().unwrap() {
        for e in r["evidence"].as_array().into_iter().flatten() {
            let detail = e["detail"].as_str().unwrap_or("");
            let words: Vec<&str> = detail.split_whitespace().collect();
            for (i, w) in words.iter().enumerate().filter(|(_, w)| w.contains(MASK)) {
                // A bare mask is known by the word before it (`requirepass ****`).
                match (*w == MASK, i.checked_sub(1)) {
                    (true, Some(j)) => quotes.push(format!("{} {w}", words[j])),
                    _ => quotes.push(w.to_string()),
                }
            }
        }
    }
    quotes
}

/// Every category's passing fixtures laid over each other. In no format may
/// a mask appear but inside a quote of the target that the JSON evidence
/// shows masked too.
#[test]
fn no_format_masks_its_own_words() {
    let mut bad = Vec::new();
    let profile = all_checks_profile();
    for cat in categories() {
        let scratch = tempfile::tempdir().unwrap();
        let tree = scratch.path().join("root");
        if overlay(&cat, "pass", &tree) == 0 {
            continue;
        }
        let (_, report, stderr) =
            scan_json(&tree, &["--no-probe", "--no-cache", "--profile", profile.to_str().unwrap()]);
        assert!(report["results"].is_array(), "{}: {stderr}", cat.display());
        let quotes = masked_quotes(&report);
        for format in FORMATS {
            let out = bin()
                .arg("scan")
                .arg("--root")
                .arg(&tree)
                .args(["--no-probe", "--no-cache", "--verbose", "--format", format, "--profile"])
                .arg(&profile)
                .output()
                .unwrap();
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{}: {}",
                cat.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8_lossy(&out.stdout);
            for line in text.lines().filter(|l| l.contains(MASK)) {
                // HTML breaks long words with <wbr> and escapes markup.
                let plain = line
                    .replace("<wbr>", "")
                    .replace("&gt;", ">")
                    .replace("&lt;", "<")
                    .replace("&#39;", "'")
                    .replace("&quot;", "\"")
                    .replace("&amp;", "&");
                if !quotes.iter().any(|q| plain.contains(q.as_str())) {
                    let name = cat.file_name().unwrap().to_string_lossy();
                    bad.push(format!("{name} pass, {format}: {}", line.trim()));
                }
            }
        }
    }
    assert!(bad.is_empty(), "masks outside quotes of the target:\n{}", bad.join("\n"));
}

/// A fix is the check's words with the finding's place and names filled in:
/// even on failing trees full of secrets, it never needs a mask.
#[test]
fn fixes_filled_from_failing_trees_hold_no_mask() {
    let mut bad = Vec::new();
    for cat in categories() {
        let scratch = tempfile::tempdir().unwrap();
        let tree = scratch.path().join("root");
        if overlay(&cat, "fail", &tree) == 0 {
            continue;
        }
        let profile = all_checks_profile();
        let (_, report, stderr) =
            scan_json(&tree, &["--no-probe", "--no-cache", "--profile", profile.to_str().unwrap()]);
        let results = report["results"].as_array().unwrap_or_else(|| panic!("{}: {stderr}", cat.display()));
        for r in results {
            for field in ["fix", "title"] {
                if r[field].as_str().is_some_and(|t| t.contains(MASK)) {
                    bad.push(format!("{} {field}: {}", r["id"], r[field]));
                }
            }
        }
    }
    assert!(bad.is_empty(), "masks in fixes or titles:\n{}", bad.join("\n"));
}
