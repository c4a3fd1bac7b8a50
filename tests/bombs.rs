//! Resource bombs: inputs an attacker plants in a target (each file under the
//! read cap, or far past a bound) to hang a scan or exhaust the machine.
//! Each test writes its input (the generator is the reproduction), runs the
//! real binary on it and asserts that the scan ends (a 60 s kill is a hang
//! guard only), exits 0 or 1, and names what it cut (a `skip`/`error`
//! result or a `skipped` entry with the reason).
//!
//! Each scan's time and peak memory are printed (`--nocapture`), not
//! asserted; `HARDCHECK_BOMBS_BIN` runs the tests against another binary
//! (the release one); see docs/robustness.md.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A scan still running after this is a hang (a guard, not a speed bound).
const HANG_GUARD: Duration = Duration::from_secs(60);

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    peak_kib: u64,
}

impl Run {
    fn report(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("no JSON report ({e}); stderr: {}", self.stderr))
    }
    /// Every reason the report gives: skip/error messages and skipped entries.
    fn reasons(&self) -> String {
        let v = self.report();
        let mut out = String::new();
        for r in v["results"].as_array().into_iter().flatten() {
            if r["status"] == "skip" || r["status"] == "error" {
                let _ = writeln!(out, "{}: {} {}", r["id"], r["status"], r["message"]);
            }
        }
        for s in v["skipped"].as_array().into_iter().flatten() {
            let _ = writeln!(out, "skipped: {s}");
        }
        out
    }
}

fn binary() -> PathBuf {
    std::env::var_os("HARDCHECK_BOMBS_BIN").map(PathBuf::from).unwrap_or_else(|| env!("CARGO_BIN_EXE_hardcheck").into())
}

/// Run the binary with `args`, polling its peak memory; kill it at the guard.
fn run(name: &str, args: &[&std::ffi::OsStr]) -> Run {
    let w = common::run_watched(Command::new(binary()).args(args), HANG_GUARD);
    assert!(!w.timed_out, "{name}: scan still running after {HANG_GUARD:?} (peak {} MiB)", w.peak_kib / 1024);
    eprintln!(
        "bomb {name}: {:.2} s, peak {} MiB, exit {:?}",
        w.elapsed.as_secs_f64(),
        w.peak_kib / 1024,
        w.status.code()
    );
    Run { code: w.status.code().unwrap_or(-1), stdout: w.stdout, stderr: w.stderr, peak_kib: w.peak_kib }
}

/// A scan of `root` (JSON report) with extra arguments.
fn scan(name: &str, root: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<&std::ffi::OsStr> = vec!["scan".as_ref(), "--root".as_ref(), root.as_os_str()];
    args.extend(["--format", "json", "--profile", "server"].iter().map(std::ffi::OsStr::new));
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    run(name, &args)
}

/// The scan ended with a report (exit 0 or 1). The peak memory is printed
/// with the largest input, for the record.
fn assert_bounded(name: &str, r: &Run, largest_file: u64) {
    assert!(r.code == 0 || r.code == 1, "{name}: exit {} stderr: {}", r.code, r.stderr);
    eprintln!("bomb {name}: peak {} KiB, largest input {} KiB", r.peak_kib, largest_file / 1024);
}

fn write(root: &Path, rel: &str, text: impl AsRef<[u8]>) -> u64 {
    let p = root.join(rel.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text.as_ref()).unwrap();
    text.as_ref().len() as u64
}

/// `n` lines made by `f`.
fn lines(n: usize, f: impl Fn(usize) -> String) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&f(i));
        s.push('\n');
    }
    s
}

fn tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("etc")).unwrap();
    d
}

// ------------------------------------------------------- includes visited once

#[test]
fn redis_including_itself_many_times_is_a_loop_not_an_explosion() {
    let d = tree();
    let text = "port 6379\n".to_string() + &"include /etc/redis/redis.conf\n".repeat(8);
    write(d.path(), "etc/redis/redis.conf", &text);
    // Two files including each other eight times each: each file is read
    // at most once per chain, and the global file bound holds.
    write(d.path(), "etc/redis/a.conf", "include /etc/redis/b.conf\n".repeat(8));
    write(d.path(), "etc/redis/b.conf", "include /etc/redis/a.conf\n".repeat(8));
    write(d.path(), "etc/redis/redis.conf", text + "include /etc/redis/a.conf\n");
    let r = scan("redis-self-include", d.path(), &[]);
    assert_bounded("redis-self-include", &r, 1 << 10);
    let reasons = r.reasons();
    assert!(reasons.contains("include loop"), "{reasons}");
}

/// Collectors run only for the checks selected: a scan of one sshd check
/// does not read a Redis configuration eight times including itself (nor
/// at all: a file it read past the line bound would be listed as skipped).
#[test]
fn one_check_reads_only_its_own_facts() {
    let d = tree();
    write(d.path(), "etc/ssh/sshd_config", "PermitRootLogin no\n");
    let redis = "include /etc/redis/redis.conf\n".repeat(8) + &"port 6379\n".repeat(30_000);
    write(d.path(), "etc/redis/redis.conf", redis);
    let r = scan("one-check", d.path(), &["--check", "ssh.permit-root-login"]);
    assert_bounded("one-check", &r, 1 << 20);
    let v = r.report();
    assert_eq!(common::result(&v, "ssh.permit-root-login")["status"], "pass", "{v}");
    assert_eq!(v["skipped"], serde_json::json!([]), "{v}");
    // The same tree, all checks: the Redis file is named.
    let r = scan("all-checks", d.path(), &[]);
    assert!(r.reasons().contains("/etc/redis/redis.conf"), "{}", r.reasons());
}

#[test]
fn include_fan_out_is_bounded_in_files() {
    // nginx: every level includes the next one 16 times (16^6 paths).
    let d = tree();
    for level in 0..6 {
        let next = format!("include /etc/nginx/l{}.conf;\n", level + 1);
        write(d.path(), &format!("etc/nginx/l{level}.conf"), next.repeat(16));
    }
    write(d.path(), "etc/nginx/l6.conf", "server_tokens on;\n");
    write(d.path(), "etc/nginx/nginx.conf", "http {\ninclude /etc/nginx/l0.conf;\n}\n");
    let r = scan("nginx-fan-out", d.path(), &[]);
    assert_bounded("nginx-fan-out", &r, 1 << 10);
    // 16^6 include paths, cut at the file bound: the nginx checks still
    // judge the configuration (the deepest file was read on the first path).
    let v = r.report();
    let status = &common::result(&v, "tls.http-without-redirect")["status"];
    assert!(status != "error", "{v}");
}

#[test]
fn ten_thousand_sudoers_includes() {
    let d = tree();
    write(d.path(), "etc/sudoers", lines(10_000, |i| format!("@include /etc/sudoers.d/f{i}")));
    for i in 0..600 {
        write(d.path(), &format!("etc/sudoers.d/f{i}"), "Defaults use_pty\n");
    }
    let r = scan("sudoers-includes", d.path(), &[]);
    assert_bounded("sudoers-includes", &r, 1 << 20);
    let reasons = r.reasons();
    assert!(reasons.contains("more than 512 files"), "{reasons}");
}

// ---------------------------------------------------------- 100k-line files

/// 100k-line files of every kind the issue names, in one tree: each parser
/// must be linear (the benchmark prints the time).
#[test]
fn hundred_thousand_line_files() {
    let d = tree();
    let root = d.path();
    let n = 100_000;
    let mut largest = 0;
    let mut w = |rel: &str, text: String| largest = largest.max(write(root, rel, text));
    w("srv/app/docker-compose.yml", {
        let mut s = "services:\n".to_string();
        s += &lines(n / 4, |i| format!("  s{i}:\n    image: x\n    environment:\n      - DB_PASSWORD_{i}=x{i}"));
        s
    });
    w("srv/app/.env", lines(n, |i| format!("KEY_{i}_PASSWORD=value{i}")));
    w("etc/redis/redis.conf", lines(n, |i| format!("rename-command C{i} \"\"\nrequirepass p{i}")));
    w("etc/grafana/grafana.ini", lines(n, |i| if i % 2 == 0 { format!("[s{i}]") } else { format!("k{i} = v") }));
    w("etc/passwd", lines(n, |i| format!("u{i}:x:{}:{}::/home/u{i}:/bin/sh", 1000 + i, 1000 + i)));
    w("etc/shadow", lines(n, |i| format!("u{i}:!:19000:0:99999:7:::")));
    w("etc/group", lines(n, |i| format!("g{i}:x:{}:u{i}", 1000 + i)));
    w("etc/apt/apt.conf.d/99deep", {
        let mut s = String::new();
        for i in 0..n / 2 {
            let _ = writeln!(s, "A{i} {{");
        }
        s + &"};\n".repeat(n / 2)
    });
    w("etc/sysctl.conf", lines(n, |i| format!("net.ipv4.k{i} = {i}")));
    w(
        "etc/ssh/sshd_config",
        lines(n, |i| if i % 3 == 0 { format!("Match User u{i}") } else { "PermitRootLogin no".into() }),
    );
    w("etc/login.defs", lines(n, |i| format!("K{i} {i}")));
    w(
        "etc/mysql/my.cnf",
        lines(n, |i| if i % 2 == 0 { format!("[mysqld{i}]") } else { "bind-address = 0.0.0.0".into() }),
    );
    w("etc/postgresql/16/main/pg_hba.conf", lines(n, |i| format!("host all u{i} 0.0.0.0/0 trust")));
    w("etc/postgresql/16/main/postgresql.conf", lines(n, |i| format!("k{i} = 'v'")));
    let r = scan("100k-lines", root, &[]);
    assert_bounded("100k-lines", &r, largest);
    // Each file past the line bound is named with the reason, in the
    // skipped list and in the results of the checks that read it.
    let reasons = r.reasons();
    for path in [
        "/srv/app/docker-compose.yml",
        "/etc/redis/redis.conf",
        "/etc/grafana/grafana.ini",
        "/etc/passwd",
        "/etc/login.defs",
        "/etc/ssh/sshd_config",
    ] {
        let line = reasons.lines().find(|l| l.contains(path) && l.contains("too many lines"));
        assert!(line.is_some(), "{path}: {reasons}");
    }
    let skipped = reasons.lines().filter(|l| l.starts_with("skipped:") && l.contains("too many lines")).count();
    assert!(skipped >= 12, "{reasons}");
    assert!(reasons.contains("accounts.") && reasons.contains("databases.redis"), "{reasons}");
}

/// 20,000 copies of one account and one group (the long fuzz run: a
/// `group` with 17,000 copies of a line took 10 s and 226 MB, each of its
/// 17,000 duplicate-GID items listing all 17,000 names). The duplicate
/// checks judge every entry in linear time; an item names at most 8 of the
/// entries sharing its value.
#[test]
fn twenty_thousand_copies_of_one_account() {
    let d = tree();
    let root = d.path();
    let passwd = lines(20_000, |_| "app:x:1000:1000::/home/app:/bin/sh".into());
    let largest =
        write(root, "etc/passwd", passwd).max(write(root, "etc/group", lines(20_000, |_| "app:x:1000:".into())));
    let r = scan("20k-copies", root, &["--check", "accounts.duplicate-*", "--check", "accounts.groups-exist"]);
    assert_bounded("20k-copies", &r, largest);
    let v = r.report();
    let result = |id: &str| {
        v["results"].as_array().unwrap().iter().find(|x| x["id"] == id).unwrap_or_else(|| panic!("{id}: {v}")).clone()
    };
    for (id, path, field) in [
        ("accounts.duplicate-uid", "/etc/passwd", "UID 1000"),
        ("accounts.duplicate-gid", "/etc/group", "GID 1000"),
        ("accounts.duplicate-username", "/etc/passwd", "account name app"),
        ("accounts.duplicate-groupname", "/etc/group", "group name app"),
    ] {
        let x = result(id);
        assert_eq!(x["status"], "fail", "{id}: {x}");
        let message = x["message"].as_str().unwrap();
        assert!(message.contains(field), "{id}: {message}");
        assert!(message.contains("(and 19999 more)"), "{id}: {message}");
        assert_eq!(x["evidence"][0]["path"], path, "{id}");
        assert_eq!(x["evidence"][0]["line"], 1, "{id}");
        assert_eq!(x["evidence"][1]["line"], 2, "{id}");
    }
    let uid = result("accounts.duplicate-uid")["message"].as_str().unwrap().to_string();
    assert!(uid.contains("app,app,app,app,app,app,app,app,and 19992 more"), "{uid}");
    assert_eq!(result("accounts.groups-exist")["status"], "pass");
}

/// One line of 236,000 JSON strings (the long fuzz run: a `daemon.json` of
/// 944 KB took 1.8 GB and 15 s, an IAM policy 277 MB): past 10,000 values
/// a configuration document is not judged, with the reason.
#[test]
fn documents_with_too_many_values() {
    let d = tree();
    let strings = vec!["\"x\""; 236_000].join(",");
    let mut largest =
        write(d.path(), "etc/docker/daemon.json", format!("{{\"hosts\": [{strings}], \"debug\": true}}\n"));
    largest = largest.max(write(
        d.path(),
        "srv/infra/policy.json",
        format!("{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":[{strings}],\"Resource\":\"*\"}}]}}\n"),
    ));
    let r = scan("document-values", d.path(), &[]);
    assert_bounded("document-values", &r, largest);
    let reasons = r.reasons();
    let docker = reasons.lines().find(|l| l.contains("network.docker-api-tcp"));
    assert!(
        docker.is_some_and(|l| l.contains("/etc/docker/daemon.json") && l.contains("more than 10000 values")),
        "{reasons}"
    );
}

/// Deep `apt.conf` scopes under the line bound: the file is malformed at
/// the nesting bound (a scope's name holds all its parents').
#[test]
fn deeply_nested_apt_conf() {
    let d = tree();
    let n = 9_000;
    let text = (0..n).map(|i| format!("A{i} {{\n")).collect::<String>() + &"};\n".repeat(n);
    let size = write(d.path(), "etc/apt/apt.conf.d/99deep", text);
    let r = scan("apt-nesting", d.path(), &[]);
    assert_bounded("apt-nesting", &r, size);
    let reasons = r.reasons();
    assert!(reasons.contains("99deep") && reasons.contains("nested deeper than 64"), "{reasons}");
}

// -------------------------------------------------------------- deep nesting

#[test]
fn twenty_thousand_nested_blocks() {
    let d = tree();
    let n = 20_000;
    let mut largest = write(d.path(), "etc/nginx/nginx.conf", "http {\n".repeat(n) + &"}\n".repeat(n));
    largest = largest.max(write(
        d.path(),
        "etc/apache2/apache2.conf",
        "<IfModule x>\n".repeat(n) + &"</IfModule>\n".repeat(n),
    ));
    largest = largest.max(write(d.path(), "etc/grafana/grafana.ini", lines(n, |i| format!("[s{i}]\nk = v"))));
    let r = scan("nested-blocks", d.path(), &[]);
    assert_bounded("nested-blocks", &r, largest);
    let reasons = r.reasons();
    for path in ["/etc/nginx/nginx.conf", "/etc/apache2/apache2.conf", "/etc/grafana/grafana.ini"] {
        let line = reasons.lines().find(|l| l.contains(path) && l.contains("too many lines"));
        assert!(line.is_some(), "{path}: {reasons}");
    }
}

#[test]
fn hundred_thousand_deep_json() {
    let d = tree();
    let n = 100_000;
    let size = write(d.path(), "etc/docker/daemon.json", "[".repeat(n) + &"]".repeat(n));
    let r = scan("deep-json", d.path(), &[]);
    assert_bounded("deep-json", &r, size);
    let reasons = r.reasons();
    assert!(reasons.contains("daemon.json"), "{reasons}");
}

// ------------------------------------------------------------ YAML alias bombs

/// A billion-laughs YAML document: ten levels of ten aliases each.
fn alias_bomb(prefix: &str) -> String {
    let mut s = format!("{prefix}a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = format!("*a{}", i - 1);
        let _ = writeln!(s, "{prefix}a{i}: &a{i} [{}]", vec![p; 10].join(", "));
    }
    s
}

#[test]
fn yaml_alias_bombs_in_manifests_and_compose_files() {
    let d = tree();
    write(
        d.path(),
        "srv/app/k8s/deploy.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n".to_string() + &alias_bomb("  "),
    );
    write(
        d.path(),
        "srv/app/docker-compose.yml",
        "services:\n  web:\n    image: x\nx-bomb:\n".to_string() + &alias_bomb("  "),
    );
    let r = scan("yaml-alias-bomb", d.path(), &[]);
    assert_bounded("yaml-alias-bomb", &r, 1 << 10);
    let reasons = r.reasons();
    assert!(reasons.contains("deploy.yaml:9 was not judged (aliases expand beyond the node limit)"), "{reasons}");
}

/// A user's check directory holding `file`.
fn checks_dir(name: &str, text: impl AsRef<[u8]>) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), &format!("mine/{name}"), text);
    d
}

#[test]
fn yaml_alias_bomb_as_a_check_definition() {
    let d = tree();
    let c = checks_dir("bomb.yaml", "id: mine.bomb\ntitle: t\n".to_string() + &alias_bomb(""));
    let r = scan("check-alias-bomb", d.path(), &["--checks", c.path().to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("bomb.yaml"), "{}", r.stderr);
}

#[test]
fn fifty_megabyte_check_file() {
    let d = tree();
    let body = "id: mine.big\ntitle: t\n".to_string() + &"# padding\n".repeat(5 * 1024 * 1024);
    let c = checks_dir("big.yaml", body);
    let r = scan("check-50mb", d.path(), &["--checks", c.path().to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("big.yaml"), "{}", r.stderr);
}

#[test]
fn catastrophic_regex_in_a_user_check() {
    let d = tree();
    write(d.path(), "etc/hostname", "a".repeat(100_000) + "!\n");
    let c = checks_dir(
        "re.yaml",
        "id: mine.re\ntitle: Backtracking\ncategory: mine\nseverity: low\nrationale: r\nfix: f\n\
         files:\n  host: {format: lines, path: /etc/hostname}\n\
         for_each: host.entries\n\
         expect: \"!it.text.matches('^(a+)+$') && !it.text.matches('(a|aa)*b')\"\n",
    );
    let r = scan("regex", d.path(), &["--checks", c.path().to_str().unwrap(), "--check", "mine.re"]);
    assert_bounded("regex", &r, 1 << 20);
    let v = r.report();
    let status = &common::result(&v, "mine.re")["status"];
    assert!(status == "pass" || status == "error", "{v}");
}

// ---------------------------------------------------------------- big trees

#[test]
fn more_files_in_one_directory_than_the_walk_reads() {
    let d = tree();
    let dir = d.path().join("srv/app/many");
    std::fs::create_dir_all(&dir).unwrap();
    // More than the secret walk's 20,000 files (limits::SECRET_WALK).
    for i in 0..25_000 {
        std::fs::File::create(dir.join(format!("{i}.env"))).unwrap();
    }
    let r = scan("25k-files", d.path(), &[]);
    assert_bounded("25k-files", &r, 0);
    let reasons = r.reasons();
    assert!(reasons.contains("/srv: walk limit: secret search stopped after"), "{reasons}");
}

#[test]
fn five_thousand_deep_directory_tree() {
    let d = tree();
    // Built with paths relative to an open directory: the whole path is far
    // longer than PATH_MAX.
    let mut dir = rustix::fs::open(d.path().join("srv").as_path(), rustix::fs::OFlags::DIRECTORY, 0.into())
        .unwrap_or_else(|_| {
            std::fs::create_dir_all(d.path().join("srv")).unwrap();
            rustix::fs::open(d.path().join("srv").as_path(), rustix::fs::OFlags::DIRECTORY, 0.into()).unwrap()
        });
    // 5,000 levels: a path of 10,000 bytes, past PATH_MAX, far past every walk's depth.
    for _ in 0..5_000 {
        rustix::fs::mkdirat(&dir, "d", 0o755.into()).unwrap();
        dir = rustix::fs::openat(&dir, "d", rustix::fs::OFlags::DIRECTORY, 0.into()).unwrap();
    }
    let r = scan("5k-deep", d.path(), &[]);
    assert_bounded("5k-deep", &r, 0);
    // std's remove_dir_all recurses once per level: take the chain apart
    // from the top instead (move `d/d` up, remove the emptied `d`).
    let srv = rustix::fs::open(d.path().join("srv").as_path(), rustix::fs::OFlags::DIRECTORY, 0.into()).unwrap();
    while rustix::fs::renameat(&srv, "d/d", &srv, "next").is_ok() {
        rustix::fs::unlinkat(&srv, "d", rustix::fs::AtFlags::REMOVEDIR).unwrap();
        rustix::fs::renameat(&srv, "next", &srv, "d").unwrap();
    }
}
