//! The masker hides values read from the target, never hardcheck's own
//! words (issue 16): no `****` in any check's title, fix or rationale, in a
//! fix filled in from a failing tree, in every report format of a passing
//! tree a mask only where the evidence quotes a masked line of the target
//! (a password hash in `/etc/shadow`), and in the message and evidence of
//! every fail fixture a mask only where the fixture's files hold a value
//! in its place.

mod common;

use common::*;
use std::path::{Path, PathBuf};

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

/// The text around each mask in `text`: the whitespace-separated piece that
/// holds it (without the prose's brackets and commas around it and a
/// cut-off's `…`), with the words before it as long as it is the mask and
/// punctuation alone (`requirepass ****`, `password = ****`, `BY '****'`).
fn mask_contexts(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate().filter(|(_, w)| w.contains(MASK)) {
        let mut context = w.trim_start_matches('(').trim_end_matches([')', ',', ';', '.', '…']).to_string();
        let mut j = i;
        while j > 0 && !context.replace(MASK, "").chars().any(char::is_alphanumeric) {
            j -= 1;
            context = format!("{} {context}", words[j]);
        }
        out.push(context);
    }
    out
}

/// A pattern for the target text a mask context was made from: each mask
/// stands for a value on one line, each space for any white space or none
/// (a detail may quote `key=value` as `key = value`).
fn context_pattern(context: &str) -> regex::Regex {
    let mut pattern = String::from("(?i)");
    for (i, part) in context.split(MASK).enumerate() {
        if i > 0 {
            pattern.push_str(r"[^\n]+?");
        }
        let mut words = part.split(char::is_whitespace).peekable();
        while let Some(w) = words.next() {
            pattern.push_str(&regex::escape(w));
            if words.peek().is_some() && !pattern.ends_with(r"\s*") {
                pattern.push_str(r"\s*");
            }
        }
    }
    regex::Regex::new(&pattern).unwrap()
}

/// A message placeholder: `{section}`.
fn placeholder() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"\{[a-z_]+\}").unwrap())
}

/// The text of every file under `dir`, each file's bytes read as UTF-8.
fn texts(dir: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            texts(&e.path(), out);
        } else if ft.is_file() {
            out.push(String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned());
        }
    }
}

/// Scan one fail scenario as the fixture harness does (its `.modes` and
/// `.profile.toml`, an image built into a layout) with its check alone.
fn scan_scenario(id: &str, dir: &Path) -> Result<serde_json::Value, String> {
    let (report, stderr) = scan_fixture_scenario(id, dir)?;
    match report["results"].is_array() {
        true => Ok(report),
        false => Err(format!("no results: {stderr}")),
    }
}

/// Every fail fixture, scanned with its check: a mask in the message or in
/// an evidence detail must stand where the fixture's files hold a value
/// (`DB_PASSWORD=****` where a file says `DB_PASSWORD=changeit123`), never
/// after hardcheck's own words (`ARG NPM_TOKEN: **** secret…` where the
/// file says only `ARG NPM_TOKEN`); nor may a message keep a placeholder.
#[test]
fn failure_messages_mask_only_target_values() {
    let mut jobs: Vec<(String, PathBuf)> = Vec::new();
    for cat in categories() {
        let cat_name = cat.file_name().unwrap().to_string_lossy().into_owned();
        let mut checks: Vec<PathBuf> = std::fs::read_dir(&cat).unwrap().flatten().map(|e| e.path()).collect();
        checks.sort();
        for check in checks {
            let Ok(rd) = std::fs::read_dir(check.join("fail")) else { continue };
            let id = format!("{cat_name}.{}", check.file_name().unwrap().to_string_lossy());
            let mut scenarios: Vec<PathBuf> = rd.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
            scenarios.sort();
            jobs.extend(scenarios.into_iter().map(|sc| (id.clone(), sc)));
        }
    }
    assert!(jobs.len() > 100, "only {} fail fixtures", jobs.len());
    // The scans are independent processes: a few at a time.
    let masks = std::sync::atomic::AtomicUsize::new(0);
    let bad = in_parallel(&jobs, 4, |(id, dir)| {
        let report = scan_scenario(id, dir)?;
        let mut files = Vec::new();
        texts(dir, &mut files);
        let mut own = Vec::new();
        for r in report["results"].as_array().unwrap() {
            let details = r["evidence"].as_array().into_iter().flatten().map(|e| e["detail"].as_str().unwrap_or(""));
            for text in r["message"].as_str().into_iter().chain(details) {
                // A placeholder the check's `for_each` never filled in
                // (`{section}`) is no word of the target either.
                let unfilled = placeholder().find_iter(text).filter(|p| !files.iter().any(|f| f.contains(p.as_str())));
                own.extend(unfilled.map(|p| format!("{} unfilled `{}` in: {text}", r["id"], p.as_str())));
                for context in mask_contexts(text) {
                    masks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let pattern = context_pattern(&context);
                    if !files.iter().any(|f| pattern.is_match(f)) {
                        own.push(format!("{} `{context}` in: {text}", r["id"]));
                    }
                }
            }
        }
        match own.is_empty() {
            true => Ok(()),
            false => Err(format!("{}: {}", dir.strip_prefix(fixtures()).unwrap().display(), own.join("; "))),
        }
    });
    assert!(bad.is_empty(), "masks where the fixture holds no value:\n{}", bad.join("\n"));
    // The fixtures hold secrets: their failures show masks, all in place.
    let masks = masks.into_inner();
    assert!(masks > 20, "only {masks} masks in the failures of {} fail fixtures", jobs.len());
    eprintln!("{masks} masks in the failures of {} fail fixtures, each where a fixture holds a value", jobs.len());
}
