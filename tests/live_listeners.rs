//! Live listening sockets: the test opens real sockets in its own process,
//! then scans the host and checks they are reported (with this process's
//! pid and name), and that the collector agrees with `ss`.

mod common;

use common::*;
use hardcheck::facts::{Facts, ScanOptions};
use hardcheck::target::FsTarget;
use std::collections::BTreeSet;
use std::net::{TcpListener, UdpSocket};
use std::process::Command;
use std::sync::Arc;

const CHECKS: [&str; 2] = ["network.unexpected-listener", "network.datastore-exposed"];

/// This process's name as the kernel reports it (at most 15 bytes).
fn own_comm() -> String {
    std::fs::read_to_string("/proc/self/comm").unwrap().trim_end().to_string()
}

/// The evidence line for `proto` on `port`, if any.
fn find<'a>(details: &'a [String], proto: &str, port: u16) -> Option<&'a String> {
    details.iter().find(|d| d.starts_with(&format!("{proto} ")) && d.contains(&format!(":{port} ")))
}

#[test]
fn live_scan_reports_all_interface_listeners_with_their_process() {
    let all = TcpListener::bind("0.0.0.0:0").unwrap();
    let lo = TcpListener::bind("127.0.0.1:0").unwrap();
    let udp = UdpSocket::bind("0.0.0.0:0").unwrap();
    let (all_port, lo_port, udp_port) =
        (all.local_addr().unwrap().port(), lo.local_addr().unwrap().port(), udp.local_addr().unwrap().port());

    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("listeners.toml");
    // Our own ports count as datastore ports here, so both checks must flag
    // the all-interfaces sockets and neither the loopback one.
    std::fs::write(
        &profile,
        format!(
            "name = \"live-listeners\"\nextends = \"baseline\"\n[params]\nallowed_ports = [22]\n\
             exposed_ports = [{all_port}, {lo_port}, {udp_port}]\n"
        ),
    )
    .unwrap();
    let out = bin()
        .arg("scan")
        .arg("--profile")
        .arg(&profile)
        .args(["--check", CHECKS[0], "--check", CHECKS[1], "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("no JSON report ({e}); stderr: {stderr}"));

    let pid = std::process::id();
    let comm = own_comm();
    assert!(comm.starts_with("live_listeners"), "unexpected comm {comm}");
    let user = "root";
    let uid = own_uid();
    for id in CHECKS {
        let r = result(&report, id);
        assert_eq!(r["status"], "fail", "{id}: {r}");
        let d = details(r);
        let who = |proto: &str, port: u16| {
            find(&d, proto, port).unwrap_or_else(|| panic!("{id}: {proto} port {port} not reported: {d:#?}")).clone()
        };
        let tcp = who("tcp", all_port);
        assert!(tcp.contains(&format!("0.0.0.0:{all_port} {comm} (pid {pid}, ")), "{id}: {tcp}");
        let u = who("udp", udp_port);
        assert!(u.contains(&format!("0.0.0.0:{udp_port} {comm} (pid {pid}, ")), "{id}: {u}");
        if uid == 0 {
            assert!(tcp.ends_with(&format!("user {user})")), "{id}: {tcp}");
        }
        assert!(find(&d, "tcp", lo_port).is_none(), "{id}: the loopback listener was flagged: {d:#?}");
        assert!(!r["message"].as_str().unwrap().is_empty());
        assert!(!r["fix"].as_str().unwrap().contains("{"), "{id}: unfilled fix template: {}", r["fix"]);
    }
    // The report's compact "Listening ports" section: every socket with a verdict.
    let listeners = report["listeners"].as_array().expect("a live report lists its listeners");
    let verdict = |proto: &str, port: u16| {
        listeners
            .iter()
            .find(|l| l["proto"] == proto && l["port"] == port)
            .unwrap_or_else(|| panic!("{proto} {port} missing from {listeners:#?}"))["verdict"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(verdict("tcp", all_port).starts_with("fail: network."), "{listeners:#?}");
    assert_eq!(verdict("tcp", lo_port), "local only");
    drop((all, lo, udp));
}

/// The uid this test runs as, from /proc (no libc call needed).
#[test]
fn collector_items_have_the_documented_shape() {
    let _lo = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = _lo.local_addr().unwrap().port();
    let facts = Facts::new(Arc::new(FsTarget::host()), ScanOptions::default());
    let v = facts.get("listeners").unwrap().value.clone();
    assert_eq!(v["exists"], true);
    let e = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["port"] == port && e["proto"] == "tcp")
        .unwrap_or_else(|| panic!("loopback listener {port} missing: {v}"));
    assert_eq!(e["scope"], "loopback");
    assert_eq!(e["family"], 4);
    assert_eq!(e["address"], "127.0.0.1");
    assert_eq!(e["pid"], std::process::id());
    assert_eq!(e["process"], own_comm());
    assert!(e["path"].is_null() && e["line"].is_null());
    assert!(e["user"].is_string());
}

/// `(proto, port)` of every listening TCP and bound UDP socket, from `ss`.
fn ss_listeners() -> BTreeSet<(String, u16)> {
    let out = Command::new("ss")
        .args(["-H", "-l", "-t", "-u", "-n"])
        .output()
        .expect("`ss` (iproute2) is needed for this test; scripts/test.sh installs it");
    assert!(out.status.success(), "ss failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut set = BTreeSet::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        // Netid State Recv-Q Send-Q Local:Port Peer:Port [Process]
        let f: Vec<&str> = line.split_whitespace().collect();
        assert!(f.len() >= 6, "unexpected ss line: {line}");
        let port = f[4].rsplit_once(':').unwrap_or_else(|| panic!("no port in {line}")).1;
        // `*` is a socket with no local port yet; ss lists none such for -l.
        let port: u16 = port.parse().unwrap_or_else(|_| panic!("bad port in {line}"));
        set.insert((f[0].to_string(), port));
    }
    set
}

fn hardcheck_listeners() -> BTreeSet<(String, u16)> {
    let facts = Facts::new(Arc::new(FsTarget::host()), ScanOptions::default());
    let fact = facts.get("listeners").unwrap();
    assert!(fact.unreadable.is_empty(), "{:?}", fact.unreadable);
    let v = &fact.value;
    v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["proto"].as_str().unwrap().to_string(), e["port"].as_u64().unwrap() as u16))
        .collect()
}

#[test]
fn live_listeners_match_ss() {
    // Sockets of our own, so the comparison is never vacuous.
    let t = TcpListener::bind("[::]:0").or_else(|_| TcpListener::bind("0.0.0.0:0")).unwrap();
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mine =
        [("tcp".to_string(), t.local_addr().unwrap().port()), ("udp".to_string(), u.local_addr().unwrap().port())];

    // Other programs may open or close sockets between the reads: what both
    // ss reads saw must be in hardcheck's, and hardcheck must list nothing
    // that neither saw.
    let before = ss_listeners();
    let ours = hardcheck_listeners();
    let after = ss_listeners();
    let stable: BTreeSet<_> = before.intersection(&after).cloned().collect();
    let seen: BTreeSet<_> = before.union(&after).cloned().collect();
    for m in &mine {
        assert!(stable.contains(m) && ours.contains(m), "{m:?} missing (ss {stable:?}, hardcheck {ours:?})");
    }
    let missing: Vec<_> = stable.difference(&ours).collect();
    let extra: Vec<_> = ours.difference(&seen).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "ss lists but hardcheck does not: {missing:?}; hardcheck lists but ss does not: {extra:?}"
    );
}

#[test]
fn offline_root_skips_live_only_checks() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    let (_, report, stderr) = scan_json(dir.path(), &["--check", "network.*"]);
    for id in CHECKS {
        let r = result(&report, id);
        assert_eq!(r["status"], "skip", "{id}: {r} ({stderr})");
        assert!(r["message"].as_str().unwrap().contains("offline"), "{id}: {}", r["message"]);
    }
}
