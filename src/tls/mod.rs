//! HTTPS and TLS: certificates and keys on disk ([`disk`], judged by
//! [`cert`]) and the live probe of listening ports ([`probe`]).
//!
//! The checks are Rust probes over two built-in sources:
//! - `certificates` ([`disk::collect`]) and the checks' `cert_paths`
//!   parameter → probes `tls_certificates` and `tls_private_keys`;
//! - `tls_ports` ([`probe::collect`]) → probe `tls_live`.

pub mod cert;
pub mod disk;
pub mod probe;

use crate::probes::{param_i64, param_strings, Outcome};
use crate::sources::{item, Scan, Unavailable};
use crate::target::ReadError;
use cert::{CertInfo, Policy, Problem};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Default of `cert_expiry_days`.
pub const DEFAULT_EXPIRY_DAYS: i64 = 30;

fn unreadable_of(facts: &Value) -> Vec<ReadError> {
    facts["unreadable"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| {
            Some(ReadError::Io { path: u["path"].as_str()?.to_string(), message: u["reason"].as_str()?.to_string() })
        })
        .collect()
}

fn finding_item(path: &str, line: Option<usize>, c: &CertInfo, detail: String) -> Map<String, Value> {
    let mut m = item(Some(path), line, detail);
    m.insert("subject".into(), c.name().into());
    m.insert("expires".into(), c.expires.clone().into());
    m.insert("key".into(), c.key_desc().into());
    m.insert("signature".into(), c.signature.clone().into());
    m
}

/// Probe `tls_certificates`: params `problem` (`expired`, `expiring`,
/// `weak_key`, `weak_signature`, `self_signed`, `hostname_mismatch`),
/// `cert_expiry_days`, `cert_paths` (extra certificate files, globs
/// allowed: judged like a certificate a server presents, so a self-signed
/// leaf counts).
pub fn run_certificates(scan: &Scan, params: &Map<String, Value>) -> Result<Outcome, Unavailable> {
    let problem = params
        .get("problem")
        .and_then(Value::as_str)
        .and_then(Problem::parse)
        .ok_or_else(|| Unavailable::NotFound("tls_certificates: `problem` parameter missing or unknown".into()))?;
    let expiry_days = param_i64(params, "cert_expiry_days").unwrap_or(DEFAULT_EXPIRY_DAYS);
    let extra = param_strings(params, "cert_paths");
    let facts = scan.builtin_json("certificates")?;
    if facts["exists"] != Value::Bool(true) && extra.is_empty() {
        return Err(Unavailable::NotFound("no /etc/ssl, /etc/pki or /etc/letsencrypt".into()));
    }
    let mut out = Outcome { unreadable: unreadable_of(&facts), ..Default::default() };
    let mut explicit: Vec<String> = Vec::new();
    for p in &extra {
        if p.contains(['*', '?', '[']) {
            explicit.extend(scan.glob(p));
        } else {
            explicit.push(p.clone());
        }
    }
    let explicit_set: BTreeSet<&str> = explicit.iter().map(String::as_str).collect();
    let base = Policy::new(expiry_days);
    for e in facts["certificates"].as_array().into_iter().flatten() {
        let path = e["path"].as_str().unwrap_or("");
        if explicit_set.contains(path) {
            continue;
        }
        let Ok(c) = serde_json::from_value::<CertInfo>(e.clone()) else { continue };
        out.checked += 1;
        let policy = Policy { flag_self_signed: e["origin"] == "letsencrypt", ..base.clone() };
        let line = e["line"].as_u64().map(|l| l as usize);
        for f in cert::judge(&c, &policy).into_iter().filter(|f| f.problem == problem) {
            out.failures.push(finding_item(path, line, &c, f.detail));
        }
    }
    let policy = Policy { flag_self_signed: true, ..base };
    for path in &explicit {
        match cert::judge_file(scan, path, &policy) {
            Ok((judged, _)) => {
                let several = judged.len() > 1;
                for j in judged {
                    out.checked += 1;
                    let line = if several { j.cert.line } else { None };
                    for f in j.findings.into_iter().filter(|f| f.problem == problem) {
                        out.failures.push(finding_item(path, line, &j.cert, f.detail));
                    }
                }
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => out.unreadable.push(e),
        }
    }
    Ok(out)
}

/// Probe `tls_private_keys`: private key files whose permissions let other
/// users (or a group other than root/ssl-cert) read them.
pub fn run_private_keys(scan: &Scan, _params: &Map<String, Value>) -> Result<Outcome, Unavailable> {
    let facts = scan.builtin_json("certificates")?;
    if facts["exists"] != Value::Bool(true) {
        return Err(Unavailable::NotFound("no /etc/ssl, /etc/pki or /etc/letsencrypt".into()));
    }
    let mut out = Outcome { unreadable: unreadable_of(&facts), ..Default::default() };
    for k in facts["keys"].as_array().into_iter().flatten() {
        out.checked += 1;
        if k["problem"].is_string() {
            if let Some(m) = k.as_object() {
                out.failures.push(m.clone());
            }
        }
    }
    Ok(out)
}

/// Probe `tls_live`: param `problem` = `legacy_protocol` (accepts TLS 1.0
/// or 1.1), `certificate` (expired, weak key or weak signature in the
/// served chain), `plain_http` (plain HTTP on a port bound beyond loopback).
pub fn run_live(scan: &Scan, params: &Map<String, Value>) -> Result<Outcome, Unavailable> {
    let problem = params.get("problem").and_then(Value::as_str).unwrap_or("");
    let mut only: Vec<i64> =
        params.get("probe_ports").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_i64).collect();
    only.sort_unstable();
    only.dedup();
    let facts = if only.is_empty() {
        scan.builtin_json("tls_ports")?
    } else {
        let list: Vec<String> = only.iter().map(i64::to_string).collect();
        scan.builtin_json(&format!("tls_ports:{}", list.join(",")))?
    };
    let mut out = Outcome::default();
    let policy = Policy::new(param_i64(params, "cert_expiry_days").unwrap_or(DEFAULT_EXPIRY_DAYS));
    for e in facts["entries"].as_array().into_iter().flatten() {
        let Ok(p) = serde_json::from_value::<probe::PortProbe>(e.clone()) else { continue };
        let ep = e["endpoint"].as_str().unwrap_or(&p.connect);
        let who = e["who"].as_str().unwrap_or("");
        let mut fail = |detail: String| {
            let mut m = item(None, None, detail);
            m.insert("endpoint".into(), ep.into());
            m.insert("port".into(), e["port"].clone());
            m.insert("process".into(), e["process"].clone());
            out.failures.push(m);
        };
        match problem {
            "legacy_protocol" if p.kind == "tls" => {
                out.checked += 1;
                if !p.legacy.is_empty() {
                    fail(format!("{ep}{who}: accepts {}", p.legacy.join(" and ")));
                }
            }
            "certificate" if p.kind == "tls" && !p.chain.is_empty() => {
                out.checked += 1;
                let tls = format!("{} {}", p.version.as_deref().unwrap_or("TLS"), p.suite.as_deref().unwrap_or(""));
                for c in &p.chain {
                    for f in cert::judge(c, &policy) {
                        if matches!(f.problem, Problem::Expired | Problem::WeakKey | Problem::WeakSignature) {
                            fail(format!("{ep}{who}: {}; {}", f.detail, tls.trim()));
                        }
                    }
                }
            }
            "plain_http" if p.kind == "http" => {
                out.checked += 1;
                if e["scope"] != "loopback" {
                    fail(format!(
                        "{ep}{who}: plain HTTP ({}) on a port reachable from the network",
                        p.http_status.as_deref().unwrap_or("")
                    ));
                }
            }
            "legacy_protocol" | "certificate" | "plain_http" => {}
            other => return Err(Unavailable::NotFound(format!("tls_live: unknown problem `{other}`"))),
        }
    }
    Ok(out)
}
