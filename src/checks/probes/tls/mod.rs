//! HTTPS and TLS: certificates and keys on disk and named by service
//! configurations (`certificates` facts, judged by [`judge`]) and live
//! handshakes with listening ports (`tls_ports` facts):
//! - `certificates` and the checks' `cert_paths` parameter → probes
//!   `tls_certificates` and `tls_private_keys`;
//! - `tls_ports` → probe `tls_live`.

pub mod judge;

use super::params::{default_expiry_days, NoParams, Params};
use super::Outcome;
use crate::collectors::certificates::Certificates;
use crate::facts::Facts;
use crate::sources::x509::{self, CertInfo};
use crate::sources::{item, Unavailable};
use judge::{Policy, Problem};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Parameters of the `tls_certificates` probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateParams {
    pub problem: Problem,
    /// A certificate expiring within this many days is `expiring`.
    #[serde(default = "default_expiry_days")]
    pub cert_expiry_days: i64,
    /// Extra certificate files (globs allowed), judged like a certificate a
    /// server presents.
    #[serde(default)]
    pub cert_paths: Vec<String>,
}

impl Params for CertificateParams {}

/// What `tls_live` judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveProblem {
    /// Accepts TLS 1.0 or 1.1.
    LegacyProtocol,
    /// Expired, weak key or weak signature in the served chain.
    Certificate,
    /// Plain HTTP on a port bound beyond loopback.
    PlainHttp,
}

/// Parameters of the `tls_live` probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LiveParams {
    pub problem: LiveProblem,
    /// Only these ports (empty: every listening TCP port).
    #[serde(default)]
    pub probe_ports: Vec<u16>,
    #[serde(default = "default_expiry_days")]
    pub cert_expiry_days: i64,
}

impl Params for LiveParams {}

/// The collector's notes (referenced files not found or not judged), for
/// the result message.
fn notes_of(c: &Certificates) -> Vec<String> {
    let all: Vec<String> = c.notes.iter().filter_map(|n| n["detail"].as_str().map(str::to_string)).collect();
    let mut out: Vec<String> = all.iter().take(3).cloned().collect();
    if all.len() > 3 {
        out.push(format!("and {} more not judged", all.len() - 3));
    }
    out
}

fn finding_item(path: &str, line: Option<usize>, c: &CertInfo, detail: String) -> Map<String, Value> {
    let mut m = item(Some(path), line, detail);
    m.insert("subject".into(), c.name().into());
    m.insert("expires".into(), c.expires.clone().into());
    m.insert("key".into(), c.key_desc().into());
    m.insert("signature".into(), c.signature.clone().into());
    m
}

/// Probe `tls_certificates`: one `problem` of certificates on disk, in
/// `cert_paths` and named by service configurations.
pub fn run_certificates(f: &Facts, params: &CertificateParams) -> Result<Outcome, Unavailable> {
    let problem = params.problem;
    let extra = &params.cert_paths;
    let facts = f.certificates()?;
    if !facts.exists && extra.is_empty() {
        return Err(Unavailable::NotFound("no /etc/ssl, /etc/pki or /etc/letsencrypt".into()));
    }
    let mut out = Outcome { unreadable: facts.unreadable.clone(), notes: notes_of(&facts), ..Default::default() };
    let mut explicit: Vec<String> = Vec::new();
    for p in extra {
        explicit.extend(f.reader().expand(p));
    }
    if problem == Problem::HostnameMismatch {
        if facts.served.is_empty() {
            return Err(Unavailable::NotFound(
                "no nginx or Apache TLS server with a server name and a certificate file".into(),
            ));
        }
        return Ok(hostname_mismatches(&facts.served, out));
    }
    let explicit_set: BTreeSet<&str> = explicit.iter().map(String::as_str).collect();
    let base = Policy::new(params.cert_expiry_days);
    for e in &facts.certificates {
        let path = e["path"].as_str().unwrap_or("");
        if explicit_set.contains(path) {
            continue;
        }
        let Ok(c) = serde_json::from_value::<CertInfo>(e.clone()) else { continue };
        out.checked += 1;
        // A self-signed leaf counts when it is served: Let's Encrypt's live
        // certificates, and those of a web server reachable from the network.
        let served = e["origin"] == "letsencrypt" || e["public_web"] == true;
        let policy = Policy { flag_self_signed: served, ..base.clone() };
        let line = e["line"].as_u64().map(|l| l as usize);
        for finding in judge::judge(&c, &policy).into_iter().filter(|x| x.problem == problem) {
            let detail = format!("{}{}", finding.detail, named_by(e));
            out.failures.push(finding_item(path, line, &c, detail));
        }
    }
    let policy = Policy { flag_self_signed: true, ..base };
    for path in &explicit {
        match judge::judge_file(f.reader(), path, &policy) {
            Ok((judged, _)) => {
                let several = judged.len() > 1;
                for j in judged {
                    out.checked += 1;
                    let line = if several { j.cert.line } else { None };
                    for finding in j.findings.into_iter().filter(|x| x.problem == problem) {
                        out.failures.push(finding_item(path, line, &j.cert, finding.detail));
                    }
                }
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => out.unreadable.push(e),
        }
    }
    Ok(out)
}

/// ` (named by ssl_certificate in /etc/nginx/sites-enabled/a:5)` for an
/// item that configuration lines reference.
fn named_by(e: &Value) -> String {
    let refs: Vec<&str> = e["refs"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    if refs.is_empty() {
        String::new()
    } else {
        format!(" (named by {})", refs.join(", "))
    }
}

/// Whether a `server_name`/`ServerName`/`ServerAlias` value is a host name a
/// client connects to: `None` for catch-alls (`_`, `""`), regular
/// expressions, variables, `localhost` and tail wildcards (`www.example.*`);
/// else the lower-case name without scheme and port.
pub fn client_host(name: &str) -> Option<String> {
    let mut n = name.trim().trim_matches('"').to_ascii_lowercase();
    if let Some((_, rest)) = n.split_once("://") {
        n = rest.to_string();
    }
    if let Some(v6) = n.strip_prefix('[') {
        n = v6.split(']').next().unwrap_or("").to_string();
    } else if n.matches(':').count() == 1 {
        n = n.split(':').next().unwrap_or("").to_string();
    }
    let n = n.trim_end_matches('.').to_string();
    let skip = n.is_empty()
        || n == "_"
        || n.starts_with('~')
        || n.contains(['$', '?', '(', '^', '\\', '/'])
        || n.ends_with(".*")
        || n == "*"
        || (n.contains('*') && !n.starts_with("*."))
        || n.matches('*').count() > 1
        || matches!(n.as_str(), "localhost" | "localhost.localdomain" | "ip6-localhost")
        || n.ends_with(".localhost");
    (!skip).then_some(n)
}

/// Whether the certificate is valid for a configured name: a wildcard name
/// (`*.example.com`, nginx `.example.com` also means the bare domain) needs
/// the same wildcard in the certificate (RFC 6125 6.4.3: one left-most label).
fn covers_configured(c: &CertInfo, host: &str) -> bool {
    if let Some(domain) = host.strip_prefix('.') {
        return covers_configured(c, domain) && covers_configured(c, &format!("*.{domain}"));
    }
    if host.starts_with("*.") {
        let names: Vec<&str> = if c.sans.is_empty() {
            c.common_name.as_deref().into_iter().collect()
        } else {
            c.sans.iter().map(String::as_str).collect()
        };
        return names.iter().any(|n| n.trim_end_matches('.').eq_ignore_ascii_case(host));
    }
    x509::covers(c, host)
}

/// `hostname_mismatch`: every TLS web server whose host names its
/// certificate does not cover; evidence is the `server_name` line.
fn hostname_mismatches(served: &[Value], mut out: Outcome) -> Outcome {
    for s in served {
        let server = s["server"].as_str().unwrap_or("");
        for ce in s["certs"].as_array().into_iter().flatten() {
            let Ok(c) = serde_json::from_value::<CertInfo>(ce["leaf"].clone()) else { continue };
            let file = ce["file"].as_str().unwrap_or("");
            out.checked += 1;
            for d in s["names"].as_array().into_iter().flatten() {
                let missing: Vec<String> = d["names"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|n| client_host(n.as_str()?))
                    .filter(|h| !covers_configured(&c, h))
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                let has = if c.sans.is_empty() {
                    format!("no subjectAltName, CN {}", c.common_name.as_deref().unwrap_or("-"))
                } else {
                    format!("SANs {}", c.sans.join(", "))
                };
                let detail = format!(
                    "{server}: {} does not cover {} ({} has {has}; {})",
                    c.name(),
                    missing.join(", "),
                    file,
                    ce["via"].as_str().unwrap_or("")
                );
                let line = d["line"].as_u64().map(|l| l as usize);
                let mut m = finding_item(d["path"].as_str().unwrap_or(""), line, &c, detail);
                m.insert("hosts".into(), missing.join(", ").into());
                m.insert("certificate".into(), file.into());
                m.insert("server".into(), server.into());
                out.failures.push(m);
            }
        }
    }
    out
}

/// Probe `tls_private_keys`: private key files whose permissions let other
/// users (or a group other than root/ssl-cert) read them.
pub fn run_private_keys(f: &Facts, _params: &NoParams) -> Result<Outcome, Unavailable> {
    let facts = f.certificates()?;
    if !facts.exists {
        return Err(Unavailable::NotFound("no /etc/ssl, /etc/pki or /etc/letsencrypt".into()));
    }
    let mut out = Outcome { unreadable: facts.unreadable.clone(), notes: notes_of(&facts), ..Default::default() };
    for k in &facts.keys {
        out.checked += 1;
        if k["problem"].is_string() {
            if let Some(m) = k.as_object() {
                let mut m = m.clone();
                let detail = format!("{}{}", m["detail"].as_str().unwrap_or(""), named_by(k));
                m.insert("detail".into(), detail.into());
                out.failures.push(m);
            }
        }
    }
    Ok(out)
}

/// Probe `tls_live`: what the handshakes with listening ports showed.
pub fn run_live(f: &Facts, params: &LiveParams) -> Result<Outcome, Unavailable> {
    let shakes = f.handshakes(&params.probe_ports)?;
    let mut out = Outcome::default();
    let policy = Policy::new(params.cert_expiry_days);
    for h in &shakes.entries {
        let (l, p) = (&h.listener, &h.probe);
        let ep = l.endpoint();
        let who = match (&l.process, l.pid()) {
            (Some(name), Some(pid)) => format!(" ({name}, pid {pid})"),
            _ => String::new(),
        };
        let mut fail = |detail: String| {
            let mut m = item(None, None, detail);
            m.insert("endpoint".into(), ep.clone().into());
            m.insert("port".into(), l.socket.port.into());
            m.insert("process".into(), l.process.clone().map(Value::from).unwrap_or(Value::Null));
            out.failures.push(m);
        };
        match params.problem {
            LiveProblem::LegacyProtocol if p.kind == "tls" => {
                out.checked += 1;
                if !p.legacy.is_empty() {
                    fail(format!("{ep}{who}: accepts {}", p.legacy.join(" and ")));
                }
            }
            LiveProblem::Certificate if p.kind == "tls" && !p.chain.is_empty() => {
                out.checked += 1;
                let tls = format!("{} {}", p.version.as_deref().unwrap_or("TLS"), p.suite.as_deref().unwrap_or(""));
                for c in &p.chain {
                    for finding in judge::judge(c, &policy) {
                        if matches!(finding.problem, Problem::Expired | Problem::WeakKey | Problem::WeakSignature) {
                            fail(format!("{ep}{who}: {}; {}", finding.detail, tls.trim()));
                        }
                    }
                }
            }
            LiveProblem::PlainHttp if p.kind == "http" => {
                out.checked += 1;
                if l.scope() != "loopback" {
                    fail(format!(
                        "{ep}{who}: plain HTTP ({}) on a port reachable from the network",
                        p.http_status.as_deref().unwrap_or("")
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_names() {
        assert_eq!(client_host("WWW.Example.com.").as_deref(), Some("www.example.com"));
        assert_eq!(client_host("https://www.example.com:443").as_deref(), Some("www.example.com"));
        assert_eq!(client_host("[2001:db8::1]:443").as_deref(), Some("2001:db8::1"));
        assert_eq!(client_host("2001:db8::1").as_deref(), Some("2001:db8::1"));
        assert_eq!(client_host("192.0.2.1").as_deref(), Some("192.0.2.1"));
        assert_eq!(client_host("*.example.com").as_deref(), Some("*.example.com"));
        assert_eq!(client_host(".example.com").as_deref(), Some(".example.com"));
        for skip in [
            "_",
            "",
            "\"\"",
            "~^(www)\\.example\\.com$",
            "www.example.*",
            "$hostname",
            "localhost",
            "a*.example.com",
            "*",
            "a.localhost",
        ] {
            assert_eq!(client_host(skip), None, "{skip}");
        }
    }

    fn leaf(sans: &[&str], cn: Option<&str>) -> CertInfo {
        CertInfo {
            line: None,
            index: 0,
            subject: String::new(),
            issuer: String::new(),
            common_name: cn.map(str::to_string),
            sans: sans.iter().map(|s| s.to_string()).collect(),
            not_before: 0,
            not_after: 0,
            expires: String::new(),
            key_type: "EC".into(),
            key_bits: 256,
            curve: None,
            signature: String::new(),
            weak_hash: None,
            self_signed: false,
            ca: false,
        }
    }

    #[test]
    fn wildcards_and_addresses() {
        let c = leaf(&["example.com", "*.example.com", "192.0.2.1"], Some("example.com"));
        assert!(covers_configured(&c, "www.example.com"));
        assert!(covers_configured(&c, "*.example.com"));
        assert!(covers_configured(&c, ".example.com"));
        assert!(!covers_configured(&c, "a.b.example.com"));
        assert!(!covers_configured(&c, "*.b.example.com"));
        assert!(covers_configured(&c, "192.0.2.1"));
        assert!(!covers_configured(&c, "192.0.2.2"));
        let cn_only = leaf(&[], Some("192.0.2.1"));
        assert!(!covers_configured(&cn_only, "192.0.2.1"), "an IP address is never matched against the CN");
        let cn_only = leaf(&[], Some("www.example.com"));
        assert!(covers_configured(&cn_only, "www.example.com"));
        let single = leaf(&["www.example.com"], None);
        assert!(!covers_configured(&single, ".example.com"));
    }
}
