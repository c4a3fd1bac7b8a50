//! Helpers shared by the integration tests: run the real binary, copy
//! fixture trees to a scratch directory (where modes and owners are set).
#![allow(dead_code)]

pub mod live;
pub mod oci;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The binary, with a fresh empty cache directory of its own (a scan never
/// resumes from another test's, nor writes into the real home's).
pub fn bin() -> Command {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cache-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    let mut c = Command::new(env!("CARGO_BIN_EXE_hardcheck"));
    c.env("NO_COLOR", "1").env("XDG_CACHE_HOME", cache);
    c
}

/// The user id this test runs as.
pub fn own_uid() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

pub fn is_root() -> bool {
    own_uid() == 0
}

/// The binary as an unprivileged user: `nobody` through `setpriv` when the
/// tests run as root, else the binary itself.
pub fn unprivileged_bin() -> Command {
    let bin = env!("CARGO_BIN_EXE_hardcheck");
    let mut c = if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", bin]);
        c
    } else {
        Command::new(bin)
    };
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

/// Scan an image (`--image`) as JSON with extra args; returns (exit code, report).
pub fn scan_image_json(image: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let out = bin().arg("scan").arg("--image").arg(image).args(["--format", "json"]).args(extra).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("scan of {} did not print JSON ({e}); stderr: {stderr}", image.display()));
    (out.status.code().unwrap_or(-1), v, stderr)
}

/// Scan `root` as JSON with extra args; returns (exit code, report).
pub fn scan_json(root: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let out = bin().arg("scan").arg("--root").arg(root).args(["--format", "json"]).args(extra).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("scan of {} did not print JSON ({e}); stderr: {stderr}", root.display()));
    (out.status.code().unwrap_or(-1), v, stderr)
}

/// A fixture scenario ready to scan: a copy of its tree in a scratch
/// directory, its `<scenario>.modes` applied, and the `--profile` arguments
/// of its `<scenario>.profile.toml` (none without one).
pub struct Scenario {
    pub scratch: tempfile::TempDir,
    pub root: PathBuf,
    pub profile: Vec<String>,
}

/// Copy the scenario `dir` to a scratch directory (see [`Scenario`]); an
/// error when its `.modes` file cannot be applied.
pub fn prepare_scenario(dir: &Path) -> Result<Scenario, String> {
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path().join("root");
    copy_tree(dir, &root);
    if let Ok(text) = std::fs::read_to_string(dir.with_extension("modes")) {
        apply_modes(&root, &text)?;
    }
    let profile_file = dir.with_extension("profile.toml");
    let profile = match profile_file.is_file() {
        true => vec!["--profile".into(), profile_file.display().to_string()],
        false => Vec::new(),
    };
    Ok(Scenario { scratch, root, profile })
}

/// Scan one fixture scenario as the fixture harness does, with its check
/// `id` alone: the scenario `dir` is copied to a scratch directory, its
/// `<scenario>.modes` applied there, `--profile <scenario>.profile.toml`
/// given when that file exists, and an image scenario
/// ([`oci::is_image_fixture`]) built into an OCI layout and scanned with
/// `--image` (else `--root`). Returns the report and the binary's stderr;
/// an error when the `.modes` file cannot be applied.
pub fn scan_fixture_scenario(id: &str, dir: &Path) -> Result<(serde_json::Value, String), String> {
    let Scenario { scratch, root, profile } = prepare_scenario(dir)?;
    let mut args: Vec<&str> = vec!["--check", id];
    args.extend(profile.iter().map(String::as_str));
    let (_, report, stderr) = match oci::is_image_fixture(&root) {
        true => {
            let layout = scratch.path().join("layout");
            oci::build(&root.join("image"), &layout);
            scan_image_json(&layout, &args)
        }
        false => scan_json(&root, &args),
    };
    Ok((report, stderr))
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

/// The `detail` of each evidence item of a result.
pub fn details(result: &serde_json::Value) -> Vec<String> {
    result["evidence"].as_array().unwrap().iter().map(|e| e["detail"].as_str().unwrap_or("").to_string()).collect()
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

/// Copy every `verdict` (`fail`, `pass`) fixture of one category over each
/// other into `into`, in name order, applying each scenario's `.modes`
/// after its copy; returns how many scenarios were copied.
pub fn overlay(category: &Path, verdict: &str, into: &Path) -> usize {
    let mut n = 0;
    let mut checks: Vec<PathBuf> = std::fs::read_dir(category).unwrap().flatten().map(|e| e.path()).collect();
    checks.sort();
    for check in checks {
        let Ok(rd) = std::fs::read_dir(check.join(verdict)) else { continue };
        let mut scenarios: Vec<PathBuf> = rd.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
        scenarios.sort();
        for sc in scenarios {
            copy_over(&sc, into);
            if let Ok(text) = std::fs::read_to_string(sc.with_extension("modes")) {
                apply_modes(into, &text).unwrap();
            }
            n += 1;
        }
    }
    n
}

/// Copy a tree over an existing one (a later fixture's file replaces an earlier one).
pub fn copy_over(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let ft = e.file_type().unwrap();
        let dest = to.join(e.file_name());
        let existing = std::fs::symlink_metadata(&dest).ok();
        if ft.is_dir() {
            if existing.as_ref().is_some_and(|m| !m.is_dir()) {
                std::fs::remove_file(&dest).unwrap();
            }
            copy_over(&e.path(), &dest);
            continue;
        }
        if let Some(m) = existing {
            if m.is_dir() {
                std::fs::remove_dir_all(&dest).unwrap();
            } else {
                std::fs::remove_file(&dest).unwrap();
            }
        }
        if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(e.path()).unwrap(), &dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// One tree holding every fail fixture of every category, copied over
/// each other (categories in name order): a host that fails nearly
/// everything, for the report-format tests.
pub fn all_fail_fixtures(into: &Path) -> usize {
    let mut cats: Vec<PathBuf> = std::fs::read_dir(fixtures()).unwrap().flatten().map(|e| e.path()).collect();
    cats.sort();
    cats.into_iter().filter(|c| c.is_dir() && !c.ends_with("scenarios")).map(|c| overlay(&c, "fail", into)).sum()
}

/// [`all_fail_fixtures`] in a fresh directory under cargo's target tmp
/// (replaced on each run, so nothing accumulates), named after the test
/// binary that asks.
pub fn fail_fixtures_tree(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fail-fixtures-{name}"));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    let n = all_fail_fixtures(&dir);
    assert!(n > 100, "only {n} fail fixtures");
    dir
}

/// A child process run to its end, or killed at a time limit, with its peak
/// memory: what the resource tests (bombs, properties) judge.
pub struct Watched {
    pub status: std::process::ExitStatus,
    pub timed_out: bool,
    pub elapsed: std::time::Duration,
    /// Peak resident memory (`VmHWM`), sampled every 5 ms.
    pub peak_kib: u64,
    pub stdout: String,
    pub stderr: String,
}

/// The peak resident memory of a running process, in KiB.
pub fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Run `cmd` (stdin closed, output to scratch files, `NO_COLOR`), polling
/// its peak memory; kill it once it has run longer than `limit`.
pub fn run_watched(cmd: &mut Command, limit: std::time::Duration) -> Watched {
    use std::process::Stdio;
    let out = tempfile::tempdir().unwrap();
    let (so, se) = (out.path().join("out"), out.path().join("err"));
    let start = std::time::Instant::now();
    let mut child = cmd
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&so).unwrap())
        .stderr(std::fs::File::create(&se).unwrap())
        .spawn()
        .unwrap();
    let mut peak = 0;
    let mut timed_out = false;
    let status = loop {
        if let Some(p) = peak_kib(child.id()) {
            peak = peak.max(p);
        }
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            timed_out = true;
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    Watched {
        status,
        timed_out,
        elapsed: start.elapsed(),
        peak_kib: peak,
        stdout: std::fs::read_to_string(&so).unwrap_or_default(),
        stderr: std::fs::read_to_string(&se).unwrap_or_default(),
    }
}

/// Run `job` on every item, `threads` at a time (the jobs start independent
/// processes), and return the errors in item order.
pub fn in_parallel<T: Sync>(items: &[T], threads: usize, job: impl Fn(&T) -> Result<(), String> + Sync) -> Vec<String> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let errors = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(item) = items.get(i) else { break };
                if let Err(e) = job(item) {
                    errors.lock().unwrap().push((i, e));
                }
            });
        }
    });
    let mut errors = errors.into_inner().unwrap();
    errors.sort_by_key(|(i, _)| *i);
    errors.into_iter().map(|(_, e)| e).collect()
}
