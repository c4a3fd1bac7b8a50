//! Scanning never writes to the target: every fixture tree is scanned in
//! place and must be byte-for-byte, mode-for-mode the same afterwards.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

fn snapshot(dir: &Path, out: &mut BTreeMap<String, (u32, u64, i64, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let m = std::fs::symlink_metadata(e.path()).unwrap();
        let content = if m.file_type().is_file() { std::fs::read(e.path()).unwrap() } else { Vec::new() };
        out.insert(e.path().display().to_string(), (m.mode(), m.len(), m.mtime(), content));
        if m.file_type().is_dir() {
            snapshot(&e.path(), out);
        }
    }
}

fn scenario_dirs(dir: &Path, depth: usize, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if !e.path().is_dir() {
            continue;
        }
        let parent = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if depth == 3 && ["pass", "fail", "skip"].contains(&parent.as_str()) {
            out.push(e.path());
        } else if depth < 3 {
            scenario_dirs(&e.path(), depth + 1, out);
        }
    }
}

#[test]
fn scanning_fixtures_modifies_nothing() {
    let root = fixtures();
    let mut before = BTreeMap::new();
    snapshot(&root, &mut before);
    let mut dirs = Vec::new();
    scenario_dirs(&root, 0, &mut dirs);
    assert!(!dirs.is_empty());
    let failed = in_parallel(&dirs, 4, |d| {
        let out = bin().arg("scan").arg("--root").arg(d).args(["--format", "json"]).output().unwrap();
        match out.status.code() {
            Some(0) => Ok(()),
            code => Err(format!("{}: exit {code:?}: {}", d.display(), String::from_utf8_lossy(&out.stderr))),
        }
    });
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    let mut after = BTreeMap::new();
    snapshot(&root, &mut after);
    assert_eq!(before.len(), after.len(), "files appeared or vanished");
    for (path, b) in &before {
        assert_eq!(Some(b), after.get(path), "{path} changed");
    }
}
