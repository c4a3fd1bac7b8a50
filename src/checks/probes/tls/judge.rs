//! The one judgement every TLS check shares: expired, expiring, weak key,
//! weak signature, self-signed, hostname mismatch.

use crate::sources::x509::{covers, now, parse_pem, CertInfo, DAY};
use crate::sources::Reader;
use crate::target::ReadError;

/// What the judgement looks for.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Unix time the judgement is made at.
    pub now: i64,
    /// A certificate that expires within this many days is "expiring".
    pub expiry_days: i64,
    /// Host names the serving configuration expects (`server_name`); empty:
    /// no hostname check.
    pub hostnames: Vec<String>,
    /// Whether a self-signed leaf is a finding (a certificate a server presents).
    pub flag_self_signed: bool,
}

impl Policy {
    pub fn new(expiry_days: i64) -> Policy {
        Policy { now: now(), expiry_days, hostnames: Vec::new(), flag_self_signed: false }
    }
}

/// What is wrong with a certificate (the `problem` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    Expired,
    Expiring,
    WeakKey,
    WeakSignature,
    SelfSigned,
    HostnameMismatch,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub problem: Problem,
    /// `CN=example.com expired 2025-03-01 (270 days ago)`.
    pub detail: String,
}

fn ago(days: i64) -> String {
    match days {
        0 => "today".to_string(),
        1 => "1 day ago".to_string(),
        d => format!("{d} days ago"),
    }
}

/// Judge one certificate. `chain_len` is the number of certificates in its
/// file or chain (the first one is the leaf).
pub fn judge(c: &CertInfo, policy: &Policy) -> Vec<Finding> {
    let mut out = Vec::new();
    let name = c.name();
    let days = c.days_left(policy.now);
    if c.not_after < policy.now {
        out.push(Finding {
            problem: Problem::Expired,
            detail: format!("{name} expired {} ({})", c.expires, ago((policy.now - c.not_after).div_euclid(DAY))),
        });
    }
    if c.not_after < policy.now + policy.expiry_days * DAY {
        let when = if c.not_after < policy.now {
            format!("expired {} ({})", c.expires, ago((policy.now - c.not_after).div_euclid(DAY)))
        } else {
            format!("expires {} (in {days} days; warning at {} days)", c.expires, policy.expiry_days)
        };
        out.push(Finding { problem: Problem::Expiring, detail: format!("{name} {when}") });
    }
    let weak_key = match c.key_type.as_str() {
        "RSA" => c.key_bits > 0 && c.key_bits < 2048,
        "EC" => c.key_bits > 0 && c.key_bits < 256,
        "DSA" => true,
        _ => false,
    };
    if weak_key {
        let why = if c.key_type == "DSA" {
            "DSA keys are deprecated (FIPS 186-5) and unsupported by TLS 1.3".to_string()
        } else {
            format!("below {} bits", if c.key_type == "RSA" { 2048 } else { 256 })
        };
        out.push(Finding { problem: Problem::WeakKey, detail: format!("{name} has a {} key ({why})", c.key_desc()) });
    }
    // A root's own signature is never checked by a client: only the hash of
    // leaf and intermediate signatures matters.
    if let (Some(h), false) = (&c.weak_hash, c.is_root()) {
        let role = if c.index == 0 && !c.ca { "leaf" } else { "intermediate" };
        out.push(Finding {
            problem: Problem::WeakSignature,
            detail: format!("{name} ({role}) is signed with {} ({h} is broken for signatures)", c.signature),
        });
    }
    if policy.flag_self_signed && c.index == 0 && c.self_signed && !c.ca {
        out.push(Finding {
            problem: Problem::SelfSigned,
            detail: format!("{name} is self-signed (issuer = subject); clients cannot verify it"),
        });
    }
    if c.index == 0 && !c.ca {
        let missing: Vec<&str> =
            policy.hostnames.iter().map(String::as_str).filter(|h| !h.is_empty() && !covers(c, h)).collect();
        if !missing.is_empty() {
            let has = if c.sans.is_empty() {
                format!("CN {}", c.common_name.as_deref().unwrap_or("-"))
            } else {
                format!("SANs {}", c.sans.join(", "))
            };
            out.push(Finding {
                problem: Problem::HostnameMismatch,
                detail: format!("{name} does not cover {} (has {has})", missing.join(", ")),
            });
        }
    }
    out
}

/// Certificate blocks of a file that did not decode: `(line, reason)`.
pub type BadBlocks = Vec<(usize, String)>;

/// One judged certificate of a file.
#[derive(Debug, Clone)]
pub struct Judged {
    pub cert: CertInfo,
    pub findings: Vec<Finding>,
}

/// Read a certificate file of the target and judge every certificate in it
/// (the first one is the leaf). A PEM block that does not decode is
/// returned in `errors` with its line.
pub fn judge_file(r: &Reader, path: &str, policy: &Policy) -> Result<(Vec<Judged>, BadBlocks), ReadError> {
    let f = r.read_text(path)?;
    let pem = parse_pem(&f.text);
    let judged = pem.certs.into_iter().map(|c| Judged { findings: judge(&c, policy), cert: c }).collect();
    Ok((judged, pem.errors))
}
