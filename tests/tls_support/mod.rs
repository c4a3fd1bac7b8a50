//! Certificates made at test time (so no fixture date ever rots): EC ones
//! with `rcgen`, RSA-1024 and SHA-1 ones with the `openssl` CLI (rcgen's
//! ring backend neither makes RSA keys nor signs with SHA-1).
#![allow(dead_code)]

use rcgen::{CertificateParams, DnType, IsCa, KeyPair};
use std::path::Path;
use std::process::Command;
use time::{Duration, OffsetDateTime};

/// A certificate and its key, PEM and DER.
pub struct Made {
    pub cert_pem: String,
    pub cert_der: Vec<u8>,
    pub key_pem: String,
    pub key_der: Vec<u8>,
}

/// A self-signed EC P-256 leaf for `name`, valid from `from_days` to
/// `to_days` relative to now (negative: in the past).
pub fn ec_cert(name: &str, from_days: i64, to_days: i64) -> Made {
    let mut p = CertificateParams::new(vec![name.to_string()]).unwrap();
    p.distinguished_name.push(DnType::CommonName, name);
    let now = OffsetDateTime::now_utc();
    p.not_before = now + Duration::days(from_days);
    p.not_after = now + Duration::days(to_days);
    p.is_ca = IsCa::ExplicitNoCa;
    let key = KeyPair::generate().unwrap();
    let c = p.self_signed(&key).unwrap();
    Made { cert_pem: c.pem(), cert_der: c.der().to_vec(), key_pem: key.serialize_pem(), key_der: key.serialize_der() }
}

/// `openssl req -x509` with extra arguments (e.g. `-newkey rsa:1024`,
/// `-sha1`); returns the certificate PEM.
pub fn openssl_cert(dir: &Path, name: &str, args: &[&str]) -> String {
    let out = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    let st = Command::new("openssl")
        .args(["req", "-x509", "-nodes", "-days", "365", "-subj"])
        .arg(format!("/CN={name}"))
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .args(["-addext"])
        .arg(format!("subjectAltName=DNS:{name}"))
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&out)
        .args(args)
        .output()
        .expect("the openssl CLI (Debian package openssl) is needed");
    assert!(st.status.success(), "openssl req failed: {}", String::from_utf8_lossy(&st.stderr));
    std::fs::read_to_string(&out).unwrap()
}

/// `YYYY-MM-DD` of now + `days`.
pub fn date_in(days: i64) -> String {
    let d = (OffsetDateTime::now_utc() + Duration::days(days)).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Write `text` at `rel` under `root`, creating directories.
pub fn put(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}
