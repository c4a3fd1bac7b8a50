//! Helpers shared by the integration tests: run the real binary, copy
//! fixture trees to a scratch directory (where modes and owners are set).
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hardcheck"));
    c.env("NO_COLOR", "1");
    c
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Copy a tree, recreating symlinks as symlinks.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let ft = e.file_type().unwrap();
        let dest = to.join(e.file_name());
        if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(e.path()).unwrap(), &dest).unwrap();
        } else if ft.is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// Apply a `MODES` file: lines of `PATH MODE [UID GID]` (octal mode, path
/// inside the tree). Changing owners needs root, as CI runs.
pub fn apply_modes(root: &Path, modes: &str) -> Result<(), String> {
    for line in modes.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let path = root.join(parts[0].trim_start_matches('/'));
        let mode = u32::from_str_radix(parts[1], 8).map_err(|e| format!("MODES `{line}`: {e}"))?;
        if parts.len() >= 4 {
            let uid: u32 = parts[2].parse().map_err(|e| format!("MODES `{line}`: {e}"))?;
            let gid: u32 = parts[3].parse().map_err(|e| format!("MODES `{line}`: {e}"))?;
            std::os::unix::fs::lchown(&path, Some(uid), Some(gid))
                .map_err(|e| format!("chown {}: {e} (fixture owners need root)", path.display()))?;
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| format!("chmod {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Scan `root` as JSON with extra args; returns (exit code, report).
pub fn scan_json(root: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let out = bin().arg("scan").arg("--root").arg(root).args(["--format", "json"]).args(extra).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("scan of {} did not print JSON ({e}); stderr: {stderr}", root.display()));
    (out.status.code().unwrap_or(-1), v, stderr)
}

/// The result of one check in a report.
pub fn result<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no result for {id} in {report}"))
}

/// Evidence as `path:line` strings (`path` alone without a line, `-` without a path).
pub fn evidence(result: &serde_json::Value) -> Vec<String> {
    result["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| match (e["path"].as_str(), e["line"].as_u64()) {
            (Some(p), Some(l)) => format!("{p}:{l}"),
            (Some(p), None) => p.to_string(),
            _ => "-".to_string(),
        })
        .collect()
}
