//! Live TLS probe against real servers on loopback, started by the test:
//! rustls in-process with a good and an expired certificate (made now with
//! rcgen), `openssl s_server -tls1` for the legacy-protocol finding, and
//! plain-HTTP responders on 0.0.0.0 and 127.0.0.1. The scan is restricted
//! to the test's own ports (`probe_ports`), so other services on the machine
//! are neither probed nor asserted on.

mod common;
mod tls_support;

use common::live::*;
use common::*;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tls_support::*;

/// A rustls server on 127.0.0.1 presenting `m`; returns its port.
fn rustls_server(m: &Made) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(m.key_der.clone()));
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(m.cert_der.clone())], key)
        .unwrap();
    let cfg = Arc::new(cfg);
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let cfg = cfg.clone();
            std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
                let Ok(mut c) = rustls::ServerConnection::new(cfg) else { return };
                while c.is_handshaking() {
                    if c.complete_io(&mut s).is_err() {
                        return;
                    }
                }
                let _ = c.complete_io(&mut s);
            });
        }
    });
    port
}

/// A server that reads the request, then answers plain HTTP.
fn http_server(bind: &str) -> u16 {
    let l = TcpListener::bind(bind).unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf);
                let _ = s.write_all(b"HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            });
        }
    });
    port
}

/// `openssl s_server -tls1` at security level 0, when the local OpenSSL
/// still speaks TLS 1.0 (checked with a real handshake); else the reason.
fn openssl_tls1_server(dir: &std::path::Path) -> Result<(u16, Running), String> {
    openssl_cert(dir, "legacy.example.com", &["-newkey", "rsa:2048"]);
    let port = free_port();
    let child = Command::new("openssl")
        .current_dir(dir)
        .args(["s_server", "-quiet", "-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"])
        .args(["-cert", "legacy.example.com.crt", "-key", "legacy.example.com.key"])
        .arg("-accept")
        .arg(format!("127.0.0.1:{port}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("openssl s_server: {e}"))?;
    let child = Running::new(child);
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if Instant::now() > deadline {
            return Err("openssl s_server did not start listening".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // Does this OpenSSL really negotiate TLS 1.0 at level 0?
    let check = Command::new("openssl")
        .args(["s_client", "-tls1", "-cipher", "DEFAULT:@SECLEVEL=0", "-connect"])
        .arg(format!("127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    let out = String::from_utf8_lossy(&check.stdout);
    if !out.contains("Protocol  : TLSv1\n") && !out.contains("New, TLSv1.0") {
        return Err(format!(
            "the local OpenSSL refuses TLS 1.0 even at SECLEVEL=0: {}",
            out.lines().next().unwrap_or("")
        ));
    }
    Ok((port, child))
}

fn about(d: &[String], endpoint: &str) -> Vec<String> {
    d.iter()
        .filter(|x| x.starts_with(&format!("{endpoint} ")) || x.starts_with(&format!("{endpoint}:")))
        .cloned()
        .collect()
}

#[test]
fn live_probe_reports_version_expiry_legacy_and_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    let good = ec_cert("good.example.com", -1, 365);
    let expired = ec_cert("expired.example.com", -400, -3);
    let good_port = rustls_server(&good);
    let expired_port = rustls_server(&expired);
    let http_all = http_server("0.0.0.0:0");
    let http_lo = http_server("127.0.0.1:0");
    let legacy = openssl_tls1_server(dir.path());
    let mut ports = vec![good_port, expired_port, http_all, http_lo];
    if let Ok((p, _)) = &legacy {
        ports.push(*p);
    }

    // The probe itself: version, suite, chain.
    let p = hardcheck::collectors::handshake::probe(format!("127.0.0.1:{good_port}").parse().unwrap());
    assert_eq!(p.kind, "tls", "{p:?}");
    assert_eq!(p.version.as_deref(), Some("TLSv1.3"), "{p:?}");
    assert!(p.suite.as_deref().unwrap_or("").starts_with("TLS13_"), "{p:?}");
    assert_eq!(p.chain.len(), 1);
    assert_eq!(p.chain[0].common_name.as_deref(), Some("good.example.com"));
    assert_eq!(p.chain[0].expires, date_in(365));
    assert!(p.legacy.is_empty(), "rustls never speaks TLS 1.0/1.1: {p:?}");

    let profile = dir.path().join("live.toml");
    let list: Vec<String> = ports.iter().map(u16::to_string).collect();
    std::fs::write(
        &profile,
        format!("name = \"live-tls\"\nextends = \"baseline\"\n[params]\nprobe_ports = [{}]\n", list.join(", ")),
    )
    .unwrap();
    let out = bin()
        .arg("scan")
        .arg("--profile")
        .arg(&profile)
        .args(["--check", "tls.live-*", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("no JSON report ({e}); stderr: {stderr}"));

    let r = result(&report, "tls.live-certificate");
    assert_eq!(r["status"], "fail", "{r}");
    let d = details(r);
    let bad = about(&d, &format!("127.0.0.1:{expired_port}"));
    assert_eq!(bad.len(), 1, "{d:#?}");
    assert!(bad[0].contains(&format!("CN=expired.example.com expired {} (3 days ago)", date_in(-3))), "{bad:?}");
    assert!(bad[0].contains("TLSv1.3 TLS13_"), "{bad:?}");
    assert!(about(&d, &format!("127.0.0.1:{good_port}")).is_empty(), "good certificate flagged: {d:#?}");

    let r = result(&report, "tls.live-plain-http");
    assert_eq!(r["status"], "fail", "{r}");
    let d = details(r);
    let all = about(&d, &format!("0.0.0.0:{http_all}"));
    assert_eq!(all.len(), 1, "{d:#?}");
    assert!(all[0].contains("plain HTTP (HTTP/1.0 400 Bad Request)"), "{all:?}");
    assert!(about(&d, &format!("127.0.0.1:{http_lo}")).is_empty(), "loopback HTTP flagged: {d:#?}");

    let r = result(&report, "tls.live-legacy-protocol");
    let d = details(r);
    for port in [good_port, expired_port] {
        assert!(about(&d, &format!("127.0.0.1:{port}")).is_empty(), "rustls port {port} flagged: {d:#?}");
    }
    match &legacy {
        Ok((port, _)) => {
            assert_eq!(r["status"], "fail", "{r}");
            let l = about(&d, &format!("127.0.0.1:{port}"));
            assert_eq!(l.len(), 1, "{d:#?}");
            assert!(l[0].ends_with("accepts TLSv1.0"), "{l:?}");
        }
        Err(why) => eprintln!("skipped the TLS 1.0 sub-case: {why}"),
    }

    // --no-probe: every live probe check skips.
    let out = bin()
        .arg("scan")
        .arg("--profile")
        .arg(&profile)
        .args(["--check", "tls.live-*", "--format", "json", "--no-probe"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for id in ["tls.live-certificate", "tls.live-plain-http", "tls.live-legacy-protocol"] {
        let r = result(&report, id);
        assert_eq!(r["status"], "skip", "{r}");
        assert!(r["message"].as_str().unwrap().contains("probing disabled"), "{r}");
    }
}
