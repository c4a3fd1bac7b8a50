//! The proof behind `hardcheck fix`: for every fail fixture of every check
//! whose definition declares a mechanical `remediation:`, copy the fixture,
//! check that `git apply` takes the patch, apply it with GNU
//! `patch -p1 -d COPY`, run the script with
//! `ROOT=COPY`, rescan, and require that the check now passes and that no
//! other check went from pass to fail. A second `fix` on the fixed tree
//! must change nothing for the check (idempotence). Where the fixture holds an
//! sshd configuration, `sshd -t` must accept the patched one; where it holds
//! a Redis one, redis-server must start with it on loopback.
//!
//! `HARDCHECK_FIXTURES=ssh` (a prefix of `category/name`) runs a subset.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Ids of the checks whose remediation is mechanical, from `checks list`.
fn fixable() -> Vec<String> {
    let out = bin().args(["checks", "list", "--format", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = v.as_array().cloned().or_else(|| v["checks"].as_array().cloned()).expect("a list of checks");
    list.iter().filter(|c| c["remediation"] == "fixable").map(|c| c["id"].as_str().unwrap().to_string()).collect()
}

/// Every check's status, whatever the profile selects (`--check '*'`).
fn statuses(results: &serde_json::Value) -> BTreeMap<String, String> {
    results
        .as_array()
        .expect("a list of results")
        .iter()
        .map(|r| (r["id"].as_str().unwrap().to_string(), r["status"].as_str().unwrap().to_string()))
        .collect()
}

/// `hardcheck fix --format json` (patch, script and the statuses judged).
fn fix_json(root: &Path, only: &str, profile: &[String]) -> serde_json::Value {
    let out = bin()
        .arg("fix")
        .arg("--root")
        .arg(root)
        .args(["--check", only, "--format", "json"])
        .args(profile)
        .output()
        .unwrap();
    assert!(out.status.success(), "fix --check {only}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("fix --format json prints JSON")
}

/// Three runs of the binary per fixture: a scan of every check, `fix` for
/// this one (patch and script in one JSON), and `fix` for every check on
/// the fixed copy (every status again, and what a second fix would change).
fn run_scenario(id: &str, dir: &Path, host_key: &Path) -> Result<(), String> {
    let Scenario { scratch, root, profile } = prepare_scenario(dir)?;
    let mut args: Vec<&str> = profile.iter().map(String::as_str).collect();
    args.extend(["--check", "*"]);
    let (_, report, _) = scan_json(&root, &args);
    let before = statuses(&report["results"]);
    // nginx judged the unpatched tree too, for the message.
    let nginx_before = root.join("etc/nginx/nginx.conf").is_file().then(|| {
        let orig = scratch.path().join("orig");
        copy_tree(dir, &orig);
        nginx_errors(&orig)
    });
    if before.get(id).map(String::as_str) != Some("fail") {
        return Err(format!("the fail fixture does not fail: {:?}", before.get(id)));
    }
    let fixed = fix_json(&root, id, &profile);
    let patch = fixed["patch"].as_str().unwrap_or_default().to_string();
    let script = fixed["script"].as_str().unwrap_or_default().to_string();
    // `NAME.manual` beside a fail fixture: the fix deliberately leaves this
    // case to a human (a PAM module line missing: its place in the stack is a
    // decision) and says so with the reason the file quotes.
    if let Ok(want) = std::fs::read_to_string(dir.with_extension("manual")) {
        let listed = fixed["manual"].as_array().into_iter().flatten().find(|m| m["check"] == id);
        let reason = listed.and_then(|m| m["reason"].as_str()).unwrap_or_default();
        return match reason.contains(want.trim()) && !fixed["fixed"].as_array().unwrap().iter().any(|f| f == id) {
            true => Ok(()),
            false => Err(format!("should be manual with `{}`, got {}\n{patch}{script}", want.trim(), fixed["manual"])),
        };
    }
    if patch.is_empty() && script.is_empty() {
        return Err(format!("no patch and no script for a failing fixable check: {}", fixed["manual"]));
    }
    if !patch.is_empty() {
        // `git apply` takes the same patch (checked only: GNU patch applies it).
        let out = Command::new("git")
            .current_dir(&root)
            .args(["apply", "--check", "-p1", "-"])
            .stdin(std::fs::File::open(write(scratch.path(), "fix.patch", &patch)).unwrap())
            .output()
            .map_err(|e| format!("git apply: {e} (install git)"))?;
        if !out.status.success() {
            return Err(format!(
                "git apply --check refuses the patch: {}\n{patch}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let out = Command::new("patch")
            .args(["-p1", "--batch", "--forward", "-d"])
            .arg(&root)
            .stdin(std::fs::File::open(write(scratch.path(), "fix.patch", &patch)).unwrap())
            .output()
            .unwrap();
        if !out.status.success() {
            return Err(format!(
                "patch failed: {}{}\n{patch}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    let untouched = snapshot(&root);
    if !script.is_empty() {
        let out = Command::new("sh").arg(write(scratch.path(), "fix.sh", &script)).env("ROOT", &root).output().unwrap();
        if !out.status.success() || !out.stderr.is_empty() {
            return Err(format!("script failed: {}\n{script}", String::from_utf8_lossy(&out.stderr)));
        }
        // A fix only a live host can make (removing a package): in an
        // offline root the script changes nothing and says what to run.
        let commands = fixed["commands"].as_array().unwrap();
        let live_only = commands.iter().all(|c| c["live_only"] == true);
        let said = String::from_utf8_lossy(&out.stdout).contains("hardcheck fix: offline root: run '");
        if patch.is_empty() && live_only && said {
            return match snapshot(&root) == untouched {
                true => Ok(()),
                false => Err(format!("a live-host-only script changed the offline root:\n{script}")),
            };
        }
    }
    let again = fix_json(&root, "*", &profile);
    let after = statuses(&again["results"]);
    if after.get(id).map(String::as_str) != Some("pass") {
        return Err(format!("still {:?} after the fix:\n{patch}{script}", after.get(id)));
    }
    for (other, was) in &before {
        if was == "pass" && after.get(other).is_some_and(|s| s == "fail") {
            return Err(format!("{other} went from pass to fail:\n{patch}{script}"));
        }
    }
    // Idempotence: nothing left to change for this check.
    let fixed_again: Vec<&str> = again["fixed"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
    if fixed_again.contains(&id) {
        return Err(format!("a second fix changes it again:\n{}", again["patch"].as_str().unwrap_or_default()));
    }
    if root.join("etc/ssh/sshd_config").is_file() {
        sshd_accepts(&root, host_key)?;
    }
    if let Some(was) = nginx_before {
        let now = nginx_errors(&root);
        // Completed with an `events` block and a test certificate, every
        // fixture's configuration is accepted: the fixed one must be too.
        if !now.is_empty() {
            return Err(format!("nginx -t rejects the fixed configuration: {now} (before the fix: {was:?})"));
        }
    }
    if root.join("etc/redis/redis.conf").is_file() {
        redis_starts(&root, scratch.path())?;
    }
    Ok(())
}

/// Point absolute `include`-like lines of a copied configuration file into
/// the copy (`directive /etc/…` becomes `directive ROOT/etc/…`).
fn rebase_includes(file: &Path, root: &Path, directives: &[&str]) {
    let Ok(text) = std::fs::read_to_string(file) else { return };
    let text: String = text
        .split_inclusive('\n')
        .map(|l| {
            let body = l.trim_start();
            let word = body.split_whitespace().next().unwrap_or_default();
            let rest = body[word.len()..].trim_start();
            match directives.iter().any(|d| d.eq_ignore_ascii_case(word)) && rest.starts_with('/') {
                true => format!("{word} {}{rest}", root.display()),
                false => l.to_string(),
            }
        })
        .collect();
    std::fs::write(file, text).unwrap();
}

/// The certificate and key files an nginx configuration names.
const NGINX_TLS_FILES: [&str; 4] =
    ["ssl_certificate", "ssl_certificate_key", "ssl_trusted_certificate", "ssl_client_certificate"];

/// A self-signed certificate and its key in one PEM (nginx reads the
/// certificate from it as `ssl_certificate` and the key as
/// `ssl_certificate_key`), made once per test run.
fn test_pem() -> &'static str {
    static PEM: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PEM.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let (key, cert) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
        let out = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=fix.test"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("openssl runs (Debian package openssl)");
        assert!(out.status.success(), "openssl req: {}", String::from_utf8_lossy(&out.stderr));
        std::fs::read_to_string(&cert).unwrap() + &std::fs::read_to_string(&key).unwrap()
    })
}

/// Give every certificate or key file the configuration names and the tree
/// lacks a real test certificate, so that `nginx -t` judges the
/// configuration rather than stopping at the first missing file.
fn provide_tls_files(file: &Path, root: &Path) {
    let Ok(text) = std::fs::read_to_string(file) else { return };
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let (Some(word), Some(arg)) = (words.next(), words.next()) else { continue };
        let arg = arg.trim_end_matches(';');
        if NGINX_TLS_FILES.contains(&word) && arg.starts_with('/') && !arg.contains('$') {
            let at = root.join(arg.trim_start_matches('/'));
            if !at.exists() {
                std::fs::create_dir_all(at.parent().unwrap()).unwrap();
                std::fs::write(&at, test_pem()).unwrap();
            }
        }
    }
}

/// What a fixture's nginx.conf leaves out because no check reads it, added
/// to the copy that `nginx -t` judges (the same before and after the fix):
/// an `events {}` block, and a test certificate at the `http` level for the
/// `listen … ssl` servers that name none of their own.
fn complete_nginx_conf(root: &Path) {
    let conf = root.join("etc/nginx/nginx.conf");
    let Ok(text) = std::fs::read_to_string(&conf) else { return };
    let pem = root.join("hardcheck-test.pem");
    std::fs::write(&pem, test_pem()).unwrap();
    let mut out = String::new();
    let mut added = false;
    for line in text.split_inclusive('\n') {
        out.push_str(line);
        let t = line.trim();
        if !added && (t == "http {" || t.starts_with("http {") || t == "http{") && !t.contains('}') {
            out.push_str(&format!("    ssl_certificate {0}; ssl_certificate_key {0};\n", pem.display()));
            added = true;
        }
    }
    if !text.lines().any(|l| l.trim_start().starts_with("events")) {
        out.push_str("\nevents {}\n");
    }
    std::fs::write(&conf, out).unwrap();
}

/// `nginx -t -c` on a copied tree (its `include`s and certificate files
/// pointed into the copy, a test certificate where the tree has none): the
/// errors, without line numbers and paths; empty when it is accepted.
fn nginx_errors(root: &Path) -> String {
    complete_nginx_conf(root);
    for f in walk(&root.join("etc/nginx")) {
        provide_tls_files(&f, root);
        let mut rebased = vec!["include"];
        rebased.extend(NGINX_TLS_FILES);
        rebase_includes(&f, root, &rebased);
    }
    let out = Command::new(nginx())
        .arg("-t")
        .arg("-q")
        .arg("-e")
        .arg("stderr")
        .arg("-p")
        .arg(root)
        .arg("-c")
        .arg(root.join("etc/nginx/nginx.conf"))
        .arg("-g")
        .arg(format!("pid {}/nginx.pid;", root.display()))
        .output()
        .expect("nginx runs");
    match out.status.success() {
        true => String::new(),
        false => {
            let text = String::from_utf8_lossy(&out.stderr).replace(&root.display().to_string(), "ROOT");
            error_messages(&text)
        }
    }
}

/// nginx's messages without time and process, and `in ROOT/…/nginx.conf:5`
/// without its `:5`: inserting a line moves an error the tree already had
/// without making it a new one.
fn error_messages(text: &str) -> String {
    text.lines()
        // `2026/12/05 08:17:44 [emerg] 5673#5673: message`: the message.
        .map(|l| l.split_once("] ").and_then(|(_, r)| r.split_once(": ")).map_or(l, |(_, m)| m))
        .map(|l| match l.rfind(".conf:") {
            Some(at) => {
                let (head, tail) = l.split_at(at + 5);
                format!("{head}{}", tail.trim_start_matches(|c: char| c == ':' || c.is_ascii_digit()))
            }
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every file of a tree with its content and mode (symbolic links by target).
fn snapshot(root: &Path) -> BTreeMap<std::path::PathBuf, (Vec<u8>, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                stack.push(p.clone());
            }
            let data = match meta.file_type().is_symlink() {
                true => std::fs::read_link(&p).unwrap().into_os_string().into_encoded_bytes(),
                false => std::fs::read(&p).unwrap_or_default(),
            };
            out.insert(p, (data, meta.permissions().mode()));
        }
    }
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        match p.is_dir() {
            true => out.extend(walk(&p)),
            false => out.push(p),
        }
    }
    out
}

fn nginx() -> &'static str {
    ["/usr/sbin/nginx", "/usr/bin/nginx"].into_iter().find(|p| Path::new(p).is_file()).unwrap_or("nginx")
}

/// redis-server started on loopback with the patched configuration (its
/// `include`s pointed into the copy; port, directory and files of its own)
/// must answer PING.
fn redis_starts(root: &Path, scratch: &Path) -> Result<(), String> {
    let conf = root.join("etc/redis/redis.conf");
    for f in std::fs::read_dir(root.join("etc/redis")).unwrap().flatten() {
        rebase_includes(&f.path(), root, &["include"]);
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    let dir = scratch.join("redis");
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new("redis-server")
        .arg(&conf)
        .args(["--port", &port, "--bind", "127.0.0.1", "--daemonize", "no", "--supervised", "no"])
        .args(["--save", "", "--appendonly", "no", "--unixsocket", "", "--logfile", ""])
        .arg("--dir")
        .arg(&dir)
        .arg("--pidfile")
        .arg(dir.join("pid"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("redis-server: {e}"))?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let result = loop {
        if let Ok(Some(status)) = child.try_wait() {
            let out = child.wait_with_output().unwrap();
            return Err(format!(
                "redis-server exited ({status}) with the fixed configuration: {}",
                String::from_utf8_lossy(&out.stdout)
            ));
        }
        let pong = Command::new("redis-cli").args(["-h", "127.0.0.1", "-p", &port, "PING"]).output();
        if pong.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("PONG")) {
            break Ok(());
        }
        if std::time::Instant::now() > deadline {
            break Err("redis-server did not answer PING within 10 s".to_string());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// `sshd -t` on the patched configuration: `Include`s are pointed into the
/// copy and a host key is generated in the scratch directory.
fn sshd_accepts(root: &Path, key: &Path) -> Result<(), String> {
    let prefix = format!("Include {}/etc/", root.display());
    let mut cfgs = vec![root.join("etc/ssh/sshd_config")];
    if let Ok(rd) = std::fs::read_dir(root.join("etc/ssh/sshd_config.d")) {
        cfgs.extend(rd.flatten().map(|e| e.path()));
    }
    for c in cfgs.iter().filter(|c| c.is_file()) {
        let text = std::fs::read_to_string(c).unwrap();
        let text: String = text
            .split_inclusive('\n')
            .map(|l| match l.trim_start().get(..13) {
                Some(h) if h.eq_ignore_ascii_case("include /etc/") => {
                    l.replacen(&l[..l.len() - l.trim_start().len() + 13], &prefix, 1)
                }
                _ => l.to_string(),
            })
            .collect();
        std::fs::write(c, text).unwrap();
    }
    let out = Command::new(sshd())
        .arg("-t")
        .arg("-f")
        .arg(root.join("etc/ssh/sshd_config"))
        .arg("-h")
        .arg(key)
        .output()
        .unwrap();
    match out.status.success() {
        true => Ok(()),
        false => Err(format!("sshd -t rejects the fixed configuration: {}", String::from_utf8_lossy(&out.stderr))),
    }
}

fn sshd() -> &'static str {
    ["/usr/sbin/sshd", "/usr/bin/sshd"].into_iter().find(|p| Path::new(p).is_file()).unwrap_or("sshd")
}

/// The tools the proof needs: a missing one fails the test, it never
/// passes silently (`scripts/test.sh` installs them).
fn require_tools(scratch: &Path) -> std::path::PathBuf {
    let gnu_patch = Command::new("patch").arg("--version").output();
    assert!(
        gnu_patch.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("GNU patch")),
        "GNU patch is not installed (scripts/test.sh installs the `patch` package)"
    );
    assert!(
        Path::new(sshd()).is_file(),
        "sshd is not installed: `sshd -t` must judge patched configurations (scripts/test.sh installs openssh-server)"
    );
    assert!(
        Path::new(nginx()).is_file(),
        "nginx is not installed: `nginx -t` must judge fixed configurations (scripts/test.sh installs nginx-light)"
    );
    for (tool, package) in [("redis-server", "redis-server"), ("redis-cli", "redis-tools")] {
        let found = Command::new(tool).arg("--version").output();
        assert!(
            found.is_ok(),
            "{tool} is not installed: the fixed Redis configurations must start it (install {package})"
        );
    }
    let key = scratch.join("host_key");
    let out = Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-f"]).arg(&key).output();
    assert!(out.is_ok_and(|o| o.status.success()), "ssh-keygen could not make a host key for `sshd -t`");
    key
}

#[test]
fn every_fixable_check_passes_after_its_fix() {
    let tools = tempfile::tempdir().unwrap();
    let host_key = require_tools(tools.path());
    let filter = std::env::var("HARDCHECK_FIXTURES").unwrap_or_default();
    let mut jobs = Vec::new();
    for id in fixable() {
        let (cat, name) = id.split_once('.').unwrap();
        if !format!("{cat}/{name}").starts_with(&filter) {
            continue;
        }
        let fail = fixtures().join(cat).join(name).join("fail");
        let rd = std::fs::read_dir(&fail).unwrap_or_else(|_| panic!("{id}: fixable but no fail fixture"));
        let mut scenarios: Vec<_> = rd.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
        scenarios.sort();
        jobs.extend(scenarios.into_iter().map(|s| (id.clone(), s)));
    }
    assert!(!jobs.is_empty() || !filter.is_empty(), "no fixable check");
    let mut failures = in_parallel(&jobs, 4, |(id, dir)| {
        run_scenario(id, dir, &host_key).map_err(|e| {
            let sc = dir.file_name().unwrap().to_string_lossy();
            format!("{id}/{sc}: {e}")
        })
    });
    failures.sort();
    assert!(failures.is_empty(), "{} of {} fixes failed:\n{}", failures.len(), jobs.len(), failures.join("\n\n"));
    eprintln!("{} fail fixtures fixed and rescanned", jobs.len());
}

/// docs/fixing.md shows the binary's own output: each `<!-- fix-sample:
/// ARGS -->` is followed by a fenced block holding what `hardcheck fix ARGS`
/// prints, and `<!-- fix-counts -->` by the counts of fixable, manual and
/// undeclared checks. `HARDCHECK_BLESS=1` rewrites them.
#[test]
fn fixing_page_shows_real_output_and_counts() {
    let page_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/fixing.md");
    let page = std::fs::read_to_string(&page_path).unwrap();
    let out = bin().args(["checks", "list", "--format", "json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = v.as_array().cloned().or_else(|| v["checks"].as_array().cloned()).unwrap();
    let count = |kind: &str| list.iter().filter(|c| c["remediation"] == kind).count();
    let (fixable, manual, none) = (count("fixable"), count("manual"), count("not-declared"));
    assert_eq!(fixable + manual + none, list.len(), "every check is fixable, manual or not-declared");
    let undeclared: Vec<&str> =
        list.iter().filter(|c| c["remediation"] == "not-declared").filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(none, 0, "built-in checks without a `remediation:` block (fixable or `manual: REASON`): {undeclared:?}");
    let counts = format!(
        "Of the {} built-in checks, **{fixable} are fixable** (a patch or a script) and **{manual} are \
         manual** (a human decides; `fix` prints why); every one declares which. A user's check without \
         a `remediation:` block is listed as manual with its fix text.",
        list.len()
    );
    let mut want = String::new();
    let mut lines = page.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        want.push_str(line);
        if line.trim() == "<!-- fix-counts -->" {
            while lines.peek().is_some_and(|l| !l.trim().is_empty()) {
                lines.next();
            }
            want.push_str(&counts);
            want.push('\n');
        } else if let Some(args) = line.trim().strip_prefix("<!-- fix-sample:").and_then(|a| a.strip_suffix("-->")) {
            let fence = lines.next().expect("a fenced block after fix-sample");
            want.push_str(fence);
            while lines.peek().is_some_and(|l| !l.starts_with("```")) {
                lines.next();
            }
            let out = bin()
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .arg("fix")
                .args(args.split_whitespace())
                .output()
                .unwrap();
            assert!(out.status.success(), "fix {args}: {}", String::from_utf8_lossy(&out.stderr));
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(!text.is_empty(), "fix {args} prints nothing");
            want.push_str(&text);
        }
    }
    if std::env::var_os("HARDCHECK_BLESS").is_some() {
        std::fs::write(&page_path, &want).unwrap();
        return;
    }
    assert!(
        page == want,
        "docs/fixing.md is stale (HARDCHECK_BLESS=1 cargo test --test fix_closed_loop rewrites it); want:\n{want}"
    );
}

/// `fix` never writes into the tree it fixes, not even its own output.
#[test]
fn output_inside_the_target_is_refused() {
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path().join("root");
    copy_tree(&fixtures().join("scenarios/bad-ssh"), &root);
    let inside = root.join("etc/fix.patch");
    let out = bin().arg("fix").arg("--root").arg(&root).arg("--output").arg(&inside).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("inside the target"));
    assert!(!inside.exists());
    let outside = scratch.path().join("fix.patch");
    let out = bin().arg("fix").arg("--root").arg(&root).arg("--output").arg(&outside).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read_to_string(&outside).unwrap().contains("+++ b/etc/ssh/sshd_config"));
}
