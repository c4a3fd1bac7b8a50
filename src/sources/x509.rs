//! X.509 certificates in PEM files and DER chains (`x509-parser`): the
//! facts of each certificate ([`CertInfo`]) and whether it covers a host
//! name (RFC 6125). Judging them is the TLS checks' business.
//!
//! [`parse_pem`] reads every certificate of a PEM file or bundle (with the
//! line of its `BEGIN` marker); [`parse_der`] one DER certificate (a chain
//! captured by a live handshake).

use crate::limits;
use serde::{Deserialize, Serialize};
use x509_parser::prelude::*;

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// The facts of one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertInfo {
    /// Line of the `-----BEGIN CERTIFICATE-----` marker (PEM), else null.
    pub line: Option<usize>,
    /// Position in its file or chain (0 = first, normally the leaf).
    pub index: usize,
    pub subject: String,
    pub issuer: String,
    /// The subject's common name, when it has one.
    pub common_name: Option<String>,
    /// DNS names and IP addresses of the subjectAltName extension.
    pub sans: Vec<String>,
    /// Unix time.
    pub not_before: i64,
    pub not_after: i64,
    /// `YYYY-MM-DD` of `not_after`.
    pub expires: String,
    /// `RSA`, `EC`, `DSA`, `Ed25519`, `Ed448` or the key algorithm's OID.
    pub key_type: String,
    /// Key size in bits (RSA modulus, EC field, DSA public value); 0 if unknown.
    pub key_bits: u32,
    /// EC curve name (`P-256`, …).
    pub curve: Option<String>,
    /// Signature algorithm name (`sha256WithRSAEncryption`, `ecdsa-with-SHA256`, …).
    pub signature: String,
    /// `SHA-1`, `MD5` or `MD2` when the signature uses a broken hash.
    pub weak_hash: Option<String>,
    /// Subject and issuer are the same name (and key identifiers agree).
    pub self_signed: bool,
    /// basicConstraints CA:TRUE.
    pub ca: bool,
}

impl CertInfo {
    /// How the certificate names itself in messages: its CN, else its subject.
    pub fn name(&self) -> String {
        match &self.common_name {
            Some(cn) => format!("CN={cn}"),
            None if self.subject.is_empty() => "(empty subject)".to_string(),
            None => self.subject.clone(),
        }
    }

    /// A self-signed CA: a trust anchor whose own signature nobody checks.
    pub fn is_root(&self) -> bool {
        self.self_signed && self.ca
    }

    /// Whole days until `not_after` (negative once expired).
    pub fn days_left(&self, now: i64) -> i64 {
        (self.not_after - now).div_euclid(DAY)
    }

    /// `RSA 1024`, `EC P-256`, …
    pub fn key_desc(&self) -> String {
        match (&self.curve, self.key_bits) {
            (Some(c), _) => format!("{} {c}", self.key_type),
            (None, 0) => self.key_type.clone(),
            (None, b) => format!("{} {b}", self.key_type),
        }
    }
}

/// Name of a signature algorithm OID, and the broken hash it uses, if any.
fn signature_name(oid: &str) -> (String, Option<&'static str>) {
    let (name, weak) = match oid {
        "1.2.840.113549.1.1.2" => ("md2WithRSAEncryption", Some("MD2")),
        "1.2.840.113549.1.1.4" => ("md5WithRSAEncryption", Some("MD5")),
        "1.2.840.113549.1.1.5" => ("sha1WithRSAEncryption", Some("SHA-1")),
        "1.3.14.3.2.29" => ("sha1WithRSASignature", Some("SHA-1")),
        "1.3.14.3.2.25" => ("md5WithRSASignature", Some("MD5")),
        "1.2.840.10045.4.1" => ("ecdsa-with-SHA1", Some("SHA-1")),
        "1.2.840.10040.4.3" => ("dsa-with-SHA1", Some("SHA-1")),
        "1.2.840.113549.1.1.11" => ("sha256WithRSAEncryption", None),
        "1.2.840.113549.1.1.12" => ("sha384WithRSAEncryption", None),
        "1.2.840.113549.1.1.13" => ("sha512WithRSAEncryption", None),
        "1.2.840.113549.1.1.14" => ("sha224WithRSAEncryption", None),
        "1.2.840.113549.1.1.10" => ("RSASSA-PSS", None),
        "1.2.840.10045.4.3.1" => ("ecdsa-with-SHA224", None),
        "1.2.840.10045.4.3.2" => ("ecdsa-with-SHA256", None),
        "1.2.840.10045.4.3.3" => ("ecdsa-with-SHA384", None),
        "1.2.840.10045.4.3.4" => ("ecdsa-with-SHA512", None),
        "2.16.840.1.101.3.4.3.2" => ("dsa-with-SHA256", None),
        "1.3.101.112" => ("Ed25519", None),
        "1.3.101.113" => ("Ed448", None),
        other => return (other.to_string(), None),
    };
    (name.to_string(), weak)
}

/// Curve name and field size of a named-curve OID.
fn curve(oid: &str) -> Option<(&'static str, u32)> {
    Some(match oid {
        "1.2.840.10045.3.1.1" => ("P-192", 192),
        "1.3.132.0.33" => ("P-224", 224),
        "1.2.840.10045.3.1.7" => ("P-256", 256),
        "1.3.132.0.34" => ("P-384", 384),
        "1.3.132.0.35" => ("P-521", 521),
        "1.3.132.0.10" => ("secp256k1", 256),
        "1.3.36.3.3.2.8.1.1.7" => ("brainpoolP256r1", 256),
        "1.3.36.3.3.2.8.1.1.11" => ("brainpoolP384r1", 384),
        "1.3.36.3.3.2.8.1.1.13" => ("brainpoolP512r1", 512),
        _ => return None,
    })
}

/// Bits of a big-endian unsigned integer (leading zero bytes ignored).
fn int_bits(bytes: &[u8]) -> u32 {
    let b: &[u8] = match bytes.iter().position(|&x| x != 0) {
        Some(i) => &bytes[i..],
        None => return 0,
    };
    (b.len() as u32 - 1) * 8 + (8 - b[0].leading_zeros())
}

/// `YYYY-MM-DD` of a Unix time (proleptic Gregorian, UTC).
pub fn ymd(unix: i64) -> String {
    let days = unix.div_euclid(DAY);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The current Unix time from the system clock.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Facts of one DER certificate.
pub fn parse_der(der: &[u8], index: usize, line: Option<usize>) -> Result<CertInfo, String> {
    let (_, c) = X509Certificate::from_der(der).map_err(|e| format!("not a valid X.509 certificate: {e}"))?;
    let tbs = &c.tbs_certificate;
    let common_name = tbs.subject.iter_common_name().next().and_then(|a| a.as_str().ok()).map(str::to_string);
    let mut sans = Vec::new();
    if let Ok(Some(ext)) = c.subject_alternative_name() {
        for n in &ext.value.general_names {
            match n {
                GeneralName::DNSName(d) => sans.push(d.to_string()),
                GeneralName::IPAddress(b) => match b.len() {
                    4 => sans.push(std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string()),
                    16 => {
                        if let Ok(a) = <[u8; 16]>::try_from(*b) {
                            sans.push(std::net::Ipv6Addr::from(a).to_string())
                        }
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }
    let spki = &tbs.subject_pki;
    let key_oid = spki.algorithm.algorithm.to_id_string();
    let (key_type, mut key_bits, mut curve_name) = match key_oid.as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => ("RSA".to_string(), 0, None),
        "1.2.840.10045.2.1" => ("EC".to_string(), 0, None),
        "1.2.840.10040.4.1" => ("DSA".to_string(), 0, None),
        "1.3.101.112" => ("Ed25519".to_string(), 256, None),
        "1.3.101.113" => ("Ed448".to_string(), 456, None),
        other => (other.to_string(), 0, None),
    };
    match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => key_bits = int_bits(rsa.modulus),
        Ok(x509_parser::public_key::PublicKey::DSA(y)) => key_bits = int_bits(y),
        Ok(x509_parser::public_key::PublicKey::EC(point)) => {
            let named = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).map(|o| o.to_id_string());
            match named.as_deref().and_then(curve) {
                Some((name, bits)) => {
                    curve_name = Some(name.to_string());
                    key_bits = bits;
                }
                None => {
                    key_bits = point.key_size() as u32;
                    curve_name = named;
                }
            }
        }
        _ => {}
    }
    let (signature, weak) = signature_name(&c.signature_algorithm.algorithm.to_id_string());
    let names_match = tbs.subject.as_raw() == tbs.issuer.as_raw();
    let key_ids_agree = {
        let ski = c.iter_extensions().find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        });
        let aki = c.iter_extensions().find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(a) => a.key_identifier.as_ref().map(|k| k.0.to_vec()),
            _ => None,
        });
        match (ski, aki) {
            (Some(s), Some(a)) => s == a,
            _ => true,
        }
    };
    let not_after = tbs.validity.not_after.timestamp();
    Ok(CertInfo {
        line,
        index,
        subject: tbs.subject.to_string(),
        issuer: tbs.issuer.to_string(),
        common_name,
        sans,
        not_before: tbs.validity.not_before.timestamp(),
        not_after,
        expires: ymd(not_after),
        key_type,
        key_bits,
        curve: curve_name,
        signature,
        weak_hash: weak.map(str::to_string),
        self_signed: names_match && key_ids_agree,
        ca: c.is_ca(),
    })
}

/// What a PEM file holds.
#[derive(Debug, Default)]
pub struct PemContents {
    pub certs: Vec<CertInfo>,
    /// `PRIVATE KEY` blocks (any flavour: PKCS#8, RSA, EC, encrypted).
    pub private_keys: usize,
    /// Certificate blocks that could not be decoded: `(line, reason)`.
    pub errors: Vec<(usize, String)>,
}

/// Every certificate block of a PEM text (`CERTIFICATE`, `X509
/// CERTIFICATE`, `TRUSTED CERTIFICATE`), with the line of its `BEGIN`.
pub fn parse_pem(text: &str) -> PemContents {
    let mut out = PemContents::default();
    let mut offset = 0usize;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let t = line.trim_end();
        let Some(label) = t.strip_prefix("-----BEGIN ").and_then(|r| r.strip_suffix("-----")) else { continue };
        if label.ends_with("PRIVATE KEY") {
            out.private_keys += 1;
            continue;
        }
        if !matches!(label, "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE") {
            continue;
        }
        if out.certs.len() + out.errors.len() >= limits::CERTS_PER_FILE {
            break;
        }
        let index = out.certs.len() + out.errors.len();
        match x509_parser::pem::parse_x509_pem(&text.as_bytes()[start..]) {
            Ok((_, pem)) => match parse_der(&pem.contents, index, Some(n + 1)) {
                Ok(c) => out.certs.push(c),
                Err(e) => out.errors.push((n + 1, e)),
            },
            Err(e) => out.errors.push((n + 1, format!("bad PEM block: {e}"))),
        }
    }
    out
}

/// Whether `name` (a DNS name, maybe `*.` wildcard) covers `host`.
pub fn name_matches(name: &str, host: &str) -> bool {
    let (name, host) =
        (name.trim_end_matches('.').to_ascii_lowercase(), host.trim_end_matches('.').to_ascii_lowercase());
    if let Some(rest) = name.strip_prefix("*.") {
        // A wildcard covers exactly one left-most label (RFC 6125 6.4.3).
        return host.split_once('.').is_some_and(|(label, tail)| !label.is_empty() && tail == rest);
    }
    name == host
}

/// Whether the certificate is valid for `host`: a subjectAltName entry, or
/// the CN when there is no subjectAltName (as browsers did before RFC 6125).
///
/// An IP address is matched only against IP address entries of the
/// subjectAltName, never the CN (RFC 2818 3.1, RFC 6125 1.7.2).
pub fn covers(c: &CertInfo, host: &str) -> bool {
    if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>() {
        return c.sans.iter().any(|n| n.parse::<std::net::IpAddr>().is_ok_and(|s| s == ip));
    }
    if c.sans.is_empty() {
        return c.common_name.as_deref().is_some_and(|cn| name_matches(cn, host));
    }
    c.sans.iter().any(|n| name_matches(n, host))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(ymd(0), "1970-01-01");
        assert_eq!(ymd(951_782_400), "2000-02-29");
        assert_eq!(ymd(4_102_444_799), "2099-12-31");
        assert_eq!(ymd(-86_400), "1969-12-31");
    }

    #[test]
    fn bits() {
        assert_eq!(int_bits(&[0x00, 0x80, 0, 0]), 24);
        assert_eq!(int_bits(&[0x01]), 1);
        assert_eq!(int_bits(&[]), 0);
        assert_eq!(int_bits(&[0, 0]), 0);
    }

    #[test]
    fn wildcards() {
        assert!(name_matches("*.example.com", "www.example.com"));
        assert!(!name_matches("*.example.com", "example.com"));
        assert!(!name_matches("*.example.com", "a.b.example.com"));
        assert!(name_matches("Example.COM.", "example.com"));
    }

    #[test]
    fn garbage_never_panics() {
        for text in [
            "",
            "-----BEGIN CERTIFICATE-----\n",
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "-----BEGIN CERTIFICATE-----\nMIIB\n",
            "-----BEGIN RSA PRIVATE KEY-----\nxx\n-----END RSA PRIVATE KEY-----\n",
            "\u{0}\u{1}-----BEGIN X509 CERTIFICATE-----\r\nMA==\r\n-----END X509 CERTIFICATE-----\r\n",
        ] {
            let p = parse_pem(text);
            assert!(p.certs.is_empty(), "{text:?}");
        }
        assert_eq!(parse_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").errors[0].0, 1);
        assert_eq!(parse_pem("-----BEGIN EC PRIVATE KEY-----\n").private_keys, 1);
        assert!(parse_der(&[0x30, 0x03, 0x02, 0x01, 0x00], 0, None).is_err());
    }
}
