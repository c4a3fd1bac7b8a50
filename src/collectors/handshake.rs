//! Live handshakes: what each listening TCP port of the live host speaks.
//!
//! For every listening TCP socket (from the `listeners` source) the probe
//! connects to a *local* address only: 127.0.0.1 or ::1 for a wildcard
//! bind, the bound address itself when it is loopback or assigned to a
//! local interface (never anything else). Per port:
//!
//! 1. connect (1.5 s), wait briefly for a banner: a server that speaks first
//!    (SSH, SMTP, FTP, MySQL) is not TLS;
//! 2. a rustls handshake (TLS 1.2/1.3, ring provider, a verifier that
//!    accepts any certificate so the chain can be judged): protocol
//!    version, cipher suite and certificate chain. When it fails, the bytes
//!    the server sent tell a TLS server (an alert or handshake record) from
//!    an HTTP one (`HTTP/1.1 400 …`);
//! 3. if nothing answered, `HEAD / HTTP/1.0` on a new connection;
//! 4. for a TLS port, a minimal TLS 1.0 and a TLS 1.1 ClientHello (rustls
//!    cannot speak them): a version counts as accepted only when the server
//!    answers with a ServerHello of that same version.
//!
//! Every step has a short timeout, at most [`PARALLEL`] ports are probed at
//! once, at most [`MAX_PORTS`] ports per scan, within [`BUDGET`].

use super::listeners::{Listener, Listeners};
use crate::limits;
use crate::sources::x509::{self as cert, CertInfo};
use crate::sources::{item, Reader};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Connect and handshake timeout of one step.
pub const STEP_TIMEOUT: Duration = limits::HANDSHAKE_STEP;
/// How long to wait for a server that speaks first.
const BANNER_WAIT: Duration = limits::HANDSHAKE_BANNER_WAIT;
/// Ports probed at once.
pub const PARALLEL: usize = limits::HANDSHAKE_PARALLEL;
/// Most ports probed in one scan.
pub const MAX_PORTS: usize = limits::HANDSHAKE_PORTS;
/// Time budget for probing every port.
pub const BUDGET: Duration = limits::HANDSHAKE_BUDGET;

/// What one port speaks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortProbe {
    /// The address connected to.
    pub connect: String,
    /// `tls`, `http`, `other` (answers, but neither), `silent` (accepts,
    /// says nothing), `closed` (connection failed), `not_probed`.
    pub kind: String,
    /// `TLSv1.3`, `TLSv1.2` (rustls handshake).
    pub version: Option<String>,
    /// Negotiated cipher suite (`TLS13_AES_256_GCM_SHA384`).
    pub suite: Option<String>,
    /// The certificate chain the server sent, leaf first.
    pub chain: Vec<CertInfo>,
    /// Legacy versions the server accepted (`TLSv1.0`, `TLSv1.1`).
    pub legacy: Vec<String>,
    /// First line of an HTTP reply (`HTTP/1.0 200 OK`).
    pub http_status: Option<String>,
    /// Why the handshake or connection failed, when it did.
    pub note: Option<String>,
}

/// A verifier that accepts every certificate: the probe judges the chain
/// itself and never sends data that a wrong server could capture.
#[derive(Debug)]
struct AcceptAny;

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        use SignatureScheme::*;
        vec![
            ECDSA_NISTP256_SHA256,
            ECDSA_NISTP384_SHA384,
            ECDSA_NISTP521_SHA512,
            ED25519,
            ED448,
            RSA_PSS_SHA256,
            RSA_PSS_SHA384,
            RSA_PSS_SHA512,
            RSA_PKCS1_SHA256,
            RSA_PKCS1_SHA384,
            RSA_PKCS1_SHA512,
            RSA_PKCS1_SHA1,
            ECDSA_SHA1_Legacy,
        ]
    }
}

fn client_config() -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAny))
        .with_no_client_auth();
    Ok(Arc::new(cfg))
}

/// A socket that keeps the first bytes the server sent and gives up at a deadline.
struct Recorder<'a> {
    stream: &'a TcpStream,
    seen: Vec<u8>,
    deadline: Instant,
}

impl Read for Recorder<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "handshake timed out"));
        }
        self.stream.set_read_timeout(Some(left))?;
        let n = self.stream.read(buf)?;
        if self.seen.len() < 64 {
            let take = n.min(64 - self.seen.len());
            self.seen.extend_from_slice(&buf[..take]);
        }
        Ok(n)
    }
}

impl Write for Recorder<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut s = self.stream;
        s.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn connect(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let s = TcpStream::connect_timeout(&addr, STEP_TIMEOUT)?;
    s.set_read_timeout(Some(STEP_TIMEOUT))?;
    s.set_write_timeout(Some(STEP_TIMEOUT))?;
    let _ = s.set_nodelay(true);
    Ok(s)
}

/// The printable first line of what a server sent (for notes; bounded).
fn first_line(bytes: &[u8]) -> String {
    let line = bytes.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let s: String = line.iter().take(60).map(|&b| if (0x20..0x7f).contains(&b) { b as char } else { '.' }).collect();
    s.trim_end_matches('.').trim().to_string()
}

fn looks_tls(bytes: &[u8]) -> bool {
    bytes.len() >= 3 && matches!(bytes[0], 0x15 | 0x16) && bytes[1] == 0x03 && bytes[2] <= 0x04
}

fn version_name(v: rustls::ProtocolVersion) -> String {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        other => format!("{other:?}"),
    }
}

/// Probe one local address.
pub fn probe(addr: SocketAddr) -> PortProbe {
    let mut out = PortProbe { connect: endpoint(&addr), ..Default::default() };
    let stream = match connect(addr) {
        Ok(s) => s,
        Err(e) => {
            out.kind = "closed".into();
            out.note = Some(format!("connect: {e}"));
            return out;
        }
    };
    // A server that speaks first is not a TLS server.
    let mut banner = [0u8; 64];
    let _ = stream.set_read_timeout(Some(BANNER_WAIT));
    match (&stream).read(&mut banner) {
        Ok(0) => {
            out.kind = "silent".into();
            out.note = Some("closed the connection without a word".into());
            return out;
        }
        Ok(n) => {
            out.kind = "other".into();
            out.note = Some(format!("speaks first: {}", first_line(&banner[..n])));
            return out;
        }
        Err(_) => {}
    }
    let tls = handshake(&stream, addr.ip());
    drop(stream);
    match tls {
        Ok((version, suite, chain)) => {
            out.kind = "tls".into();
            out.version = Some(version);
            out.suite = Some(suite);
            out.chain = chain;
        }
        Err((seen, why)) if looks_tls(&seen) => {
            out.kind = "tls".into();
            out.note = Some(format!("TLS 1.2/1.3 handshake failed: {why}"));
        }
        Err((seen, _)) if seen.starts_with(b"HTTP/") => {
            out.kind = "http".into();
            out.http_status = Some(first_line(&seen));
        }
        Err((seen, why)) => match http_head(addr) {
            Some(status) => {
                out.kind = "http".into();
                out.http_status = Some(status);
            }
            None if seen.is_empty() => {
                out.kind = "silent".into();
                out.note = Some(format!("no answer to a TLS ClientHello or an HTTP request ({why})"));
            }
            None => {
                out.kind = "other".into();
                out.note = Some(format!("answers neither TLS nor HTTP: {}", first_line(&seen)));
            }
        },
    }
    if out.kind == "tls" {
        for (v, name) in [(0x0301u16, "TLSv1.0"), (0x0302, "TLSv1.1")] {
            if legacy_accepted(addr, v) {
                out.legacy.push(name.into());
            }
        }
    }
    out
}

type Session = (String, String, Vec<CertInfo>);

/// A rustls handshake; on failure, the bytes the server sent and why.
fn handshake(stream: &TcpStream, ip: IpAddr) -> Result<Session, (Vec<u8>, String)> {
    let cfg = client_config().map_err(|e| (Vec::new(), e))?;
    let mut conn = ClientConnection::new(cfg, ServerName::from(ip)).map_err(|e| (Vec::new(), e.to_string()))?;
    let mut io = Recorder { stream, seen: Vec::new(), deadline: Instant::now() + STEP_TIMEOUT };
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut io) {
            return Err((io.seen, e.to_string()));
        }
    }
    let version = conn.protocol_version().map(version_name).unwrap_or_default();
    let suite = conn.negotiated_cipher_suite().map(|s| format!("{:?}", s.suite())).unwrap_or_default();
    let chain = conn
        .peer_certificates()
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter_map(|(i, der)| cert::parse_der(der.as_ref(), i, None).ok())
        .collect();
    conn.send_close_notify();
    let _ = conn.write_tls(&mut io);
    Ok((version, suite, chain))
}

/// `HEAD / HTTP/1.0` on a new connection: the status line when the server speaks HTTP.
fn http_head(addr: SocketAddr) -> Option<String> {
    let mut s = connect(addr).ok()?;
    s.write_all(b"HEAD / HTTP/1.0\r\n\r\n").ok()?;
    let mut buf = [0u8; 128];
    let mut n = 0;
    let deadline = Instant::now() + STEP_TIMEOUT;
    while n < 5 && Instant::now() < deadline {
        match s.read(&mut buf[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    buf[..n].starts_with(b"HTTP/").then(|| first_line(&buf[..n]))
}

/// A minimal ClientHello offering only `version` (0x0301 TLS 1.0, 0x0302
/// TLS 1.1) with the CBC suites such servers have, the renegotiation SCSV,
/// and the elliptic-curve extensions ECDHE needs.
pub fn legacy_client_hello(version: u16) -> Vec<u8> {
    const SUITES: &[u16] = &[
        0xc013, // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
        0xc014, // TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA
        0xc009, // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA
        0xc00a, // TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA
        0x0033, // TLS_DHE_RSA_WITH_AES_128_CBC_SHA
        0x0039, // TLS_DHE_RSA_WITH_AES_256_CBC_SHA
        0x002f, // TLS_RSA_WITH_AES_128_CBC_SHA
        0x0035, // TLS_RSA_WITH_AES_256_CBC_SHA
        0x000a, // TLS_RSA_WITH_3DES_EDE_CBC_SHA
        0x0005, // TLS_RSA_WITH_RC4_128_SHA
        0x00ff, // TLS_EMPTY_RENEGOTIATION_INFO_SCSV
    ];
    let mut body = Vec::new();
    body.extend_from_slice(&version.to_be_bytes());
    // The random need not be secret: no key is ever derived from this hello.
    let seed =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
            ^ u64::from(std::process::id());
    for i in 0..4u64 {
        body.extend_from_slice(&(seed.rotate_left(16 * i as u32) ^ 0x9e37_79b9_7f4a_7c15).to_be_bytes());
    }
    body.push(0); // session id
    body.extend_from_slice(&((SUITES.len() * 2) as u16).to_be_bytes());
    for s in SUITES {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // compression: null
    let mut ext = Vec::new();
    // supported_groups: x25519, secp256r1, secp384r1
    ext.extend_from_slice(&[0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18]);
    // ec_point_formats: uncompressed
    ext.extend_from_slice(&[0x00, 0x0b, 0x00, 0x02, 0x01, 0x00]);
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);
    let mut hs = vec![0x01];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 0x03, 0x01];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

/// Whether the start of a server's reply is a ServerHello of exactly `version`.
pub fn is_server_hello(reply: &[u8], version: u16) -> bool {
    // Record: type 22 (handshake), version, length; handshake: type 2
    // (ServerHello), 3-byte length, server_version.
    reply.len() >= 11
        && reply[0] == 0x16
        && reply[1] == 0x03
        && reply[5] == 0x02
        && reply[9..11] == version.to_be_bytes()
}

/// Whether the server at `addr` completes a ServerHello for `version`.
pub fn legacy_accepted(addr: SocketAddr, version: u16) -> bool {
    let Ok(mut s) = connect(addr) else { return false };
    if s.write_all(&legacy_client_hello(version)).is_err() {
        return false;
    }
    let mut buf = [0u8; 16];
    let mut n = 0;
    let deadline = Instant::now() + STEP_TIMEOUT;
    while n < 11 && Instant::now() < deadline {
        match s.read(&mut buf[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    is_server_hello(&buf[..n], version)
}

fn endpoint(a: &SocketAddr) -> String {
    match a.ip() {
        IpAddr::V4(v4) => format!("{v4}:{}", a.port()),
        IpAddr::V6(v6) => format!("[{v6}]:{}", a.port()),
    }
}

/// Addresses assigned to this host's interfaces (IPv4 from the kernel's
/// local routing table, IPv6 from if_inet6).
fn local_addresses(scan: &Reader) -> BTreeSet<IpAddr> {
    let mut out = BTreeSet::new();
    if let Ok(f) = scan.target.read_text("/proc/net/fib_trie") {
        let mut last: Option<Ipv4Addr> = None;
        for line in f.text.lines() {
            let t = line.trim_start().trim_start_matches(['|', '+', '-', ' ']);
            if let Ok(ip) = t.trim().parse::<Ipv4Addr>() {
                last = Some(ip);
            } else if line.contains("/32 host LOCAL") {
                if let Some(ip) = last {
                    out.insert(IpAddr::V4(ip));
                }
            }
        }
    }
    if let Ok(f) = scan.target.read_text("/proc/net/if_inet6") {
        for line in f.text.lines() {
            let Some(hex) = line.split_whitespace().next() else { continue };
            if hex.len() != 32 {
                continue;
            }
            let bytes: Option<Vec<u8>> =
                (0..16).map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()).collect();
            if let Some(Ok(a)) = bytes.map(<[u8; 16]>::try_from) {
                out.insert(IpAddr::V6(Ipv6Addr::from(a)));
            }
        }
    }
    out
}

/// Where to connect for a socket bound to `bound` (None: not a local address).
pub fn connect_address(bound: IpAddr, local: &BTreeSet<IpAddr>) -> Option<IpAddr> {
    let v4 = match bound {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(v6) => v6.to_ipv4_mapped(),
    };
    if let Some(v4) = v4 {
        if v4.is_unspecified() || v4.is_loopback() {
            return Some(IpAddr::V4(if v4.is_unspecified() { Ipv4Addr::LOCALHOST } else { v4 }));
        }
        return local.contains(&IpAddr::V4(v4)).then_some(IpAddr::V4(v4));
    }
    match bound {
        IpAddr::V6(v6) if v6.is_unspecified() => Some(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        IpAddr::V6(v6) if v6.is_loopback() => Some(bound),
        // Link-local addresses need a scope id the socket table does not give.
        IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80 => None,
        other => local.contains(&other).then_some(other),
    }
}

/// One listening port and what it speaks.
#[derive(Debug, Clone)]
pub struct Handshake {
    pub listener: Listener,
    pub probe: PortProbe,
}

/// Every port probed, and those that were not (with the reason).
#[derive(Debug, Default)]
pub struct Handshakes {
    pub entries: Vec<Handshake>,
    pub skipped: Vec<Value>,
}

impl Handshakes {
    /// The `tls_ports` facts: `{exists, entries, skipped}`.
    pub fn facts(&self) -> Value {
        let entries: Vec<Value> =
            self.entries.iter().map(|h| Value::Object(port_item(&h.listener.item(), &h.probe))).collect();
        json!({"exists": true, "entries": entries, "skipped": self.skipped})
    }
}

/// Handshake with every listening TCP port (or only `ports`) over a local
/// address.
pub fn collect(scan: &Reader, listeners: &Listeners, ports: &[u16]) -> Handshakes {
    let only: Option<BTreeSet<u16>> = (!ports.is_empty()).then(|| ports.iter().copied().collect());
    let local = local_addresses(scan);
    // (connect address, listener); a port bound on both 0.0.0.0 and [::] is
    // probed once, through 127.0.0.1.
    let mut jobs: Vec<(SocketAddr, Listener)> = Vec::new();
    let mut seen: BTreeSet<SocketAddr> = BTreeSet::new();
    let mut skipped = Vec::new();
    let mut sorted: Vec<&Listener> = listeners.entries.iter().filter(|l| l.socket.proto == "tcp").collect();
    // IPv4 first, so a dual wildcard is probed over 127.0.0.1.
    sorted.sort_by_key(|l| (l.socket.port, l.socket.family));
    for l in sorted {
        let (addr, port) = (l.socket.address, l.socket.port);
        if only.as_ref().is_some_and(|o| !o.contains(&port)) {
            continue;
        }
        let Some(ip) = connect_address(addr, &local) else {
            skipped.push(json!({"endpoint": l.endpoint(), "reason": "not a local address"}));
            continue;
        };
        let target = SocketAddr::new(ip, port);
        let v4_twin = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
        if ip == IpAddr::V6(Ipv6Addr::LOCALHOST) && addr.is_unspecified() && seen.contains(&v4_twin) {
            continue;
        }
        if !seen.insert(target) {
            continue;
        }
        if jobs.len() >= MAX_PORTS {
            skipped.push(json!({"endpoint": l.endpoint(), "reason": format!("more than {MAX_PORTS} ports")}));
            continue;
        }
        jobs.push((target, l.clone()));
    }
    let results: Mutex<Vec<Option<PortProbe>>> = Mutex::new(vec![None; jobs.len()]);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let deadline = Instant::now() + BUDGET;
    std::thread::scope(|s| {
        for _ in 0..PARALLEL.min(jobs.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some((addr, _)) = jobs.get(i) else { break };
                let r = if Instant::now() >= deadline {
                    PortProbe {
                        connect: endpoint(addr),
                        kind: "not_probed".into(),
                        note: Some(format!("probe time budget ({} s) used up", BUDGET.as_secs())),
                        ..Default::default()
                    }
                } else {
                    probe(*addr)
                };
                if let Ok(mut v) = results.lock() {
                    v[i] = Some(r);
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_default();
    let mut entries = Vec::new();
    for ((_, listener), r) in jobs.into_iter().zip(results) {
        if let Some(probe) = r {
            entries.push(Handshake { listener, probe });
        }
    }
    Handshakes { entries, skipped }
}

/// An entry of `tls_ports`: the listener's fields (`endpoint`, `port`,
/// `scope`, `process`, `pid`, …) plus the probe's (`kind`, `version`,
/// `suite`, `chain`, `legacy`, `http_status`, `note`, `connect`).
fn port_item(listener: &serde_json::Map<String, Value>, r: &PortProbe) -> serde_json::Map<String, Value> {
    let ep = listener.get("endpoint").and_then(Value::as_str).unwrap_or("?").to_string();
    let who = match (listener.get("process").and_then(Value::as_str), listener.get("pid").and_then(Value::as_u64)) {
        (Some(p), Some(pid)) => format!(" ({p}, pid {pid})"),
        _ => String::new(),
    };
    let what = match r.kind.as_str() {
        "tls" => match (&r.version, &r.suite) {
            (Some(v), Some(s)) => format!("TLS {v} {s}"),
            _ => format!("TLS ({})", r.note.as_deref().unwrap_or("handshake failed")),
        },
        "http" => format!("plain HTTP ({})", r.http_status.as_deref().unwrap_or("")),
        k => format!("{k}{}", r.note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()),
    };
    let mut m = item(None, None, format!("{ep}{who}: {what}"));
    for (k, v) in listener {
        if !matches!(k.as_str(), "path" | "line" | "detail") {
            m.insert(k.clone(), v.clone());
        }
    }
    if let Ok(Value::Object(fields)) = serde_json::to_value(r) {
        m.extend(fields);
    }
    m.insert("who".into(), who.into());
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_is_well_formed() {
        let h = legacy_client_hello(0x0301);
        assert_eq!(&h[..3], &[0x16, 0x03, 0x01]);
        assert_eq!(u16::from_be_bytes([h[3], h[4]]) as usize, h.len() - 5);
        assert_eq!(h[5], 0x01);
        let hs_len = u32::from_be_bytes([0, h[6], h[7], h[8]]) as usize;
        assert_eq!(hs_len, h.len() - 9);
        assert_eq!(&h[9..11], &[0x03, 0x01]);
    }

    #[test]
    fn server_hello_version_must_match() {
        let sh = [0x16, 0x03, 0x01, 0x00, 0x31, 0x02, 0x00, 0x00, 0x2d, 0x03, 0x01];
        assert!(is_server_hello(&sh, 0x0301));
        assert!(!is_server_hello(&sh, 0x0302));
        let higher = [0x16, 0x03, 0x03, 0x00, 0x31, 0x02, 0x00, 0x00, 0x2d, 0x03, 0x03];
        assert!(!is_server_hello(&higher, 0x0301));
        let alert = [0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46];
        assert!(!is_server_hello(&alert, 0x0301));
        assert!(!is_server_hello(b"HTTP/1.1 400 Bad Request", 0x0301));
        assert!(!is_server_hello(&[], 0x0301));
    }

    #[test]
    fn only_local_addresses_are_probed() {
        let local: BTreeSet<IpAddr> = ["10.1.2.3".parse().unwrap()].into_iter().collect();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(connect_address(ip("0.0.0.0"), &local), Some(ip("127.0.0.1")));
        assert_eq!(connect_address(ip("::"), &local), Some(ip("::1")));
        assert_eq!(connect_address(ip("127.0.0.53"), &local), Some(ip("127.0.0.53")));
        assert_eq!(connect_address(ip("::ffff:0.0.0.0"), &local), Some(ip("127.0.0.1")));
        assert_eq!(connect_address(ip("10.1.2.3"), &local), Some(ip("10.1.2.3")));
        assert_eq!(connect_address(ip("192.168.1.1"), &local), None);
        assert_eq!(connect_address(ip("fe80::1"), &local), None);
    }

    #[test]
    fn banners_are_printable() {
        assert_eq!(first_line(b"SSH-2.0-OpenSSH_9.2\r\nxx"), "SSH-2.0-OpenSSH_9.2");
        assert_eq!(first_line(&[0x16, 0x03, 0x01]), "");
        assert!(looks_tls(&[0x15, 0x03, 0x01, 0x00, 0x02]));
        assert!(!looks_tls(b"HTTP/1.1"));
    }
}
