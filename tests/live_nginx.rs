//! A real nginx (Debian's; scripts/test.sh installs it) serving a plain-HTTP
//! site is reported from its configuration (`tls.http-without-redirect`,
//! path:line) and by the live probe (`tls.live-plain-http`).
//!
//! Both checks report plain HTTP only beyond loopback, by design. So that
//! the test never exposes a port to the network, nginx listens on every
//! address *inside a private network namespace* (`unshare --net`, where only
//! `lo` exists), and the live scan runs in that namespace too; a PID
//! namespace ends nginx with it. Where namespaces are not available (no
//! root and no user namespaces, or no `ip`), nginx listens on 127.0.0.1 and
//! the test asserts what the design says: both checks pass for a
//! loopback-only site, and the probe records the port as `http`.

mod common;

use common::live::*;
use common::*;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn nginx_binary() -> PathBuf {
    for p in ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!("nginx is not installed: install the Debian package nginx-light (scripts/test.sh does) to run this test");
}

/// `unshare` arguments for a private network and PID namespace, when this
/// machine allows one (and `ip` can bring its `lo` up).
/// `HARDCHECK_TEST_NO_NETNS=1` forces the loopback variant.
fn namespace_args() -> Option<Vec<&'static str>> {
    if std::env::var_os("HARDCHECK_TEST_NO_NETNS").is_some() {
        return None;
    }
    let mut args = vec!["--net", "--pid", "--fork", "--kill-child", "--mount-proc"];
    if !is_root() {
        args.insert(0, "--map-root-user");
    }
    let ok = Command::new("unshare")
        .args(&args)
        .args(["sh", "-c", "ip link set lo up"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(args)
}

/// Lay out `<tmp>/root/etc/nginx/nginx.conf`; pid, logs and temp paths stay
/// in `<tmp>`. Returns the configuration path and the `listen` line number.
fn write_conf(tmp: &Path, listen: &str) -> (PathBuf, usize) {
    let t = tmp.display();
    let text = format!(
        "# hardcheck live test\n\
         pid {t}/nginx.pid;\n\
         error_log {t}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n\
         \x20   access_log {t}/access.log;\n\
         \x20   client_body_temp_path {t}/client_body;\n\
         \x20   proxy_temp_path {t}/proxy;\n\
         \x20   fastcgi_temp_path {t}/fastcgi;\n\
         \x20   uwsgi_temp_path {t}/uwsgi;\n\
         \x20   scgi_temp_path {t}/scgi;\n\
         \x20   server {{\n\
         \x20       listen {listen};\n\
         \x20       server_name test.example;\n\
         \x20       location / {{ return 200 \"hi\"; }}\n\
         \x20   }}\n\
         }}\n"
    );
    let conf = tmp.join("root/etc/nginx/nginx.conf");
    std::fs::create_dir_all(conf.parent().unwrap()).unwrap();
    std::fs::write(&conf, text).unwrap();
    (conf, 13)
}
// Line 12 is `server {`, 13 its `listen` (the evidence of the plain-HTTP
// server), 15 the `location` that serves content.

/// The live-scan profile: only this port is probed.
fn profile(tmp: &Path, port: u16) -> PathBuf {
    let p = tmp.join("live.toml");
    std::fs::write(&p, format!("name = \"live-nginx\"\nextends = \"baseline\"\n[params]\nprobe_ports = [{port}]\n"))
        .unwrap();
    p
}

/// The offline scan of the configuration.
fn offline(tmp: &Path) -> serde_json::Value {
    let (_, report, stderr) = scan_json(&tmp.join("root"), &["--check", "tls.http-without-redirect"]);
    assert!(report["results"].is_array(), "{stderr}");
    report
}

#[test]
fn plain_http_nginx_site_reported_from_config_and_live() {
    let nginx = nginx_binary();
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path();
    let port = free_port();
    let hardcheck = env!("CARGO_BIN_EXE_hardcheck");
    let profile = profile(tmp, port);

    match namespace_args() {
        Some(ns) => {
            // Every address, inside a namespace nothing else can reach.
            let (conf, line) = write_conf(tmp, &port.to_string());
            let report = offline(tmp);
            let r = result(&report, "tls.http-without-redirect");
            assert_eq!(r["status"], "fail", "{r}");
            assert_eq!(evidence(r), vec!["/etc/nginx/nginx.conf:13"], "{r}");
            assert_eq!(line, 13);
            let m = r["message"].as_str().unwrap();
            assert!(m.contains(&format!("nginx server test.example listens on plain HTTP (*:{port})")), "{m}");
            assert!(
                m.ends_with("serves content instead of redirecting to https: location / { (/etc/nginx/nginx.conf:15)"),
                "{m}"
            );

            // nginx and the live scan, both in the namespace.
            let out = tmp.join("live.json");
            let hex = format!(":{port:04X} ");
            let script = format!(
                "ip link set lo up || exit 90\n\
                 \"$0\" -c '{conf}' -p '{tmp}' -g 'daemon off; master_process off;' 2>'{tmp}/stderr' &\n\
                 i=0\n\
                 until grep -q '{hex}' /proc/net/tcp /proc/net/tcp6 2>/dev/null; do\n\
                 \x20 i=$((i+1)); [ $i -gt 200 ] && exit 91; sleep 0.05\n\
                 done\n\
                 '{hardcheck}' scan --profile '{profile}' --check tls.live-plain-http --format json >'{out}'\n\
                 kill %1\n",
                conf = conf.display(),
                tmp = tmp.display(),
                profile = profile.display(),
                out = out.display(),
            );
            let child = Command::new("unshare")
                .args(&ns)
                .args(["sh", "-c", &script])
                .arg(&nginx)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let guard = Running::new(child);
            let deadline = Instant::now() + Duration::from_secs(120);
            let mut guard = guard;
            let status = loop {
                if let Some(s) = guard.child.try_wait().unwrap() {
                    break s;
                }
                assert!(Instant::now() < deadline, "the namespace run did not finish");
                std::thread::sleep(Duration::from_millis(100));
            };
            let nginx_err = std::fs::read_to_string(tmp.join("stderr")).unwrap_or_default();
            assert_ne!(status.code(), Some(91), "nginx did not start listening on {port}: {nginx_err}");
            let text = std::fs::read_to_string(&out).unwrap_or_default();
            let report: serde_json::Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("no live report ({e}, exit {status}); nginx: {nginx_err}"));
            let r = result(&report, "tls.live-plain-http");
            assert_eq!(r["status"], "fail", "{r}");
            let d = details(r);
            assert_eq!(d.len(), 1, "only the test's port is probed: {d:?}");
            assert!(d[0].starts_with(&format!("0.0.0.0:{port}")), "{d:?}");
            assert!(
                d[0].contains("plain HTTP (HTTP/1.1 ") && d[0].ends_with("on a port reachable from the network"),
                "{d:?}"
            );
            assert!(d[0].contains("nginx"), "the process is named: {d:?}");
        }
        None => {
            eprintln!("no network namespace here: nginx listens on 127.0.0.1 and the loopback design is asserted");
            write_conf(tmp, &format!("127.0.0.1:{port}"));
            let conf = tmp.join("root/etc/nginx/nginx.conf");
            let child = Command::new(&nginx)
                .arg("-c")
                .arg(&conf)
                .arg("-p")
                .arg(tmp)
                .args(["-g", "daemon off; master_process off;"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("{}: {e}", nginx.display()));
            let mut guard = Running::new(child);
            guard.wait_listening(&format!("nginx (see {}/error.log)", tmp.display()), port, Duration::from_secs(10));
            let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
            // A loopback-only plain-HTTP site is not a finding of either check.
            let report = offline(tmp);
            let r = result(&report, "tls.http-without-redirect");
            assert_eq!(r["status"], "pass", "{r}");
            let p = hardcheck::collectors::handshake::probe(addr);
            assert_eq!(p.kind, "http", "{p:?}");
            let out = bin()
                .arg("scan")
                .arg("--profile")
                .arg(&profile)
                .args(["--check", "tls.live-plain-http", "--format", "json"])
                .output()
                .unwrap();
            let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let r = result(&report, "tls.live-plain-http");
            assert_eq!(r["status"], "pass", "{r}");
        }
    }
}
