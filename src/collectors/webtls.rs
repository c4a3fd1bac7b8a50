//! Shared pieces of the `nginx` and `apache` collectors: OpenSSL cipher
//! strings and protocol lists judged token by token, listen addresses, and
//! the common fact shape both collectors emit (so one check covers both).
//!
//! Cipher strings follow ciphers(1): tokens separated by `:` (also `,`,
//! space, `;`), `!X` removes X for good, `-X` removes X (a later token can
//! add it back), `+X` only reorders, `A+B` is the intersection of A and B,
//! `@STRENGTH`/`@SECLEVEL=n` are sort/level commands. The real set depends
//! on the OpenSSL build; a token counts as weak when it *may* select a weak
//! suite on a build that still has it (RC4, single DES and export suites are
//! gone from OpenSSL 1.1.0+ builds by default, 3DES and anonymous suites are
//! not).

use serde_json::{Map, Value};

/// What else a listen entry says, by where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ListenKind {
    /// nginx `listen` of an `http` server (or the implicit `*:80`).
    Http { default_server: bool, http2: bool, quic: bool, server: String },
    /// nginx `listen` of a `stream` server; `port_last` ends a port range.
    Stream { udp: bool, port_last: Option<u16> },
    /// Apache `Listen`, with the `<IfModule>`-like conditions around it.
    Listen { conditions: Vec<String> },
    /// An Apache `<VirtualHost>` address.
    VirtualHost,
}

/// A listening address of a web server, as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct Listen {
    pub path: String,
    pub line: usize,
    pub detail: String,
    pub address: String,
    pub port: Option<u16>,
    pub ssl: bool,
    pub kind: ListenKind,
}

impl Listen {
    /// `all`, `loopback` or `specific`.
    pub fn scope(&self) -> &'static str {
        scope(&self.address)
    }

    /// The fact item (see [`listen_item`]) with the kind's fields.
    pub fn fact(&self) -> Value {
        let mut m = listen_item(&self.path, self.line, &self.detail, &self.address, self.port, self.ssl);
        match &self.kind {
            ListenKind::Http { default_server, http2, quic, server } => {
                m.insert("default_server".into(), (*default_server).into());
                m.insert("http2".into(), (*http2).into());
                m.insert("quic".into(), (*quic).into());
                m.insert("server".into(), server.clone().into());
            }
            ListenKind::Stream { udp, port_last } => {
                m.insert("udp".into(), (*udp).into());
                m.insert("port_last".into(), port_last.map(Value::from).unwrap_or(Value::Null));
            }
            ListenKind::Listen { conditions } => {
                m.insert("conditions".into(), conditions.clone().into());
            }
            ListenKind::VirtualHost => {}
        }
        Value::Object(m)
    }
}

/// A directive naming a file (`ssl_certificate`, `SSLCertificateFile`).
#[derive(Debug, Clone, PartialEq)]
pub struct FileRef {
    pub path: String,
    pub line: usize,
    pub detail: String,
    pub value: String,
}

impl FileRef {
    pub fn fact(&self) -> Value {
        let mut m = crate::sources::item(Some(&self.path), Some(self.line), self.detail.clone());
        m.insert("value".into(), self.value.clone().into());
        Value::Object(m)
    }
}

/// A directive naming hosts (`server_name`, `ServerName`, `ServerAlias`).
#[derive(Debug, Clone, PartialEq)]
pub struct NameDirective {
    pub path: String,
    pub line: usize,
    pub detail: String,
    pub names: Vec<String>,
}

impl NameDirective {
    pub fn fact(&self) -> Value {
        let mut m = crate::sources::item(Some(&self.path), Some(self.line), self.detail.clone());
        m.insert("names".into(), self.names.clone().into());
        Value::Object(m)
    }
}

/// One server (nginx `server` block, Apache virtual host or main server)
/// with what other views need: its addresses, whether it speaks TLS, its
/// certificate and key files, its host names.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// `www.example.com` (nginx server names), `<VirtualHost *:443> …`.
    pub name: String,
    pub listens: Vec<Listen>,
    pub tls: bool,
    pub certificates: Vec<FileRef>,
    pub keys: Vec<FileRef>,
    pub names: Vec<NameDirective>,
}

pub const NULL: u8 = 1;
pub const ANON: u8 = 2;
pub const EXPORT: u8 = 4;
pub const RC4: u8 = 8;
pub const DES: u8 = 16;
pub const DES3: u8 = 32;
pub const MD5: u8 = 64;
const WEAK_ALL: u8 = ANON | EXPORT | RC4 | DES | DES3 | MD5;
const NAMES: &[(u8, &str)] = &[
    (NULL, "NULL (no encryption)"),
    (ANON, "anonymous (aNULL: no authentication)"),
    (EXPORT, "EXPORT"),
    (RC4, "RC4"),
    (DES, "DES"),
    (DES3, "3DES"),
    (MD5, "MD5"),
];

/// Weak classes a single alias or suite name may select (`None`: an alias
/// that does not restrict a weak class, neutral inside `A+B`).
fn may_select(tok: &str) -> Option<u8> {
    let u = tok.to_ascii_uppercase();
    let c = match u.as_str() {
        "ALL" | "SSLV3" | "TLSV1" | "COMPLEMENTOFDEFAULT" => WEAK_ALL,
        "COMPLEMENTOFALL" | "ENULL" | "NULL" => NULL,
        "ANULL" | "ADH" | "AECDH" => ANON,
        "HIGH" => ANON,
        "MEDIUM" => RC4 | DES3,
        "LOW" => DES,
        "EXP" | "EXPORT" | "EXPORT40" | "EXPORT56" => EXPORT,
        "RC4" => RC4,
        "DES" => DES,
        "3DES" => DES3,
        "MD5" => MD5,
        // Key exchanges that include the anonymous suites (ciphers(1)).
        "DH" | "KEDH" | "KDHE" | "ECDH" | "KEECDH" | "KECDHE" => ANON | RC4 | DES3 | DES | EXPORT,
        // Authenticated key exchanges.
        "EDH" | "DHE" | "EECDH" | "ECDHE" => RC4 | DES3 | DES | EXPORT,
        "RSA" | "KRSA" | "ARSA" => RC4 | DES3 | DES | EXPORT | MD5,
        "AES" | "AESGCM" | "AES128" | "AES256" | "CAMELLIA" | "CAMELLIA128" | "CAMELLIA256" => ANON,
        "SHA" | "SHA1" => WEAK_ALL,
        "DEFAULT" => 0,
        _ if u.starts_with("TLS_") => 0,
        _ if u.contains('-') => {
            let mut c = 0;
            if u.starts_with("ADH-") || u.starts_with("AECDH-") {
                c |= ANON;
            }
            if u.contains("NULL") {
                c |= NULL;
            }
            if u.starts_with("EXP") {
                c |= EXPORT;
            }
            if u.contains("RC4") {
                c |= RC4;
            }
            if u.contains("DES-CBC3") || u.contains("3DES") {
                c |= DES3;
            } else if u.contains("DES-CBC") || u.contains("-DES-") {
                c |= DES;
            }
            if u.ends_with("-MD5") {
                c |= MD5;
            }
            c
        }
        _ => return None,
    };
    Some(c)
}

/// Weak classes a `!X`/`-X` token removes entirely.
fn removes(tok: &str) -> u8 {
    match tok.to_ascii_uppercase().as_str() {
        "ANULL" | "ADH" | "AECDH" => ANON,
        "ENULL" | "NULL" | "COMPLEMENTOFALL" => NULL,
        "EXP" | "EXPORT" | "EXPORT40" | "EXPORT56" => EXPORT,
        "RC4" => RC4,
        "DES" => DES,
        "3DES" => DES3,
        "MD5" => MD5,
        "LOW" => DES,
        "MEDIUM" => RC4 | DES3,
        _ => 0,
    }
}

/// The weak classes an OpenSSL cipher string may enable, as names.
pub fn weak_ciphers(spec: &str) -> Vec<String> {
    let (mut on, mut banned) = (0u8, 0u8);
    for tok in spec.split([':', ',', ' ', ';', '\t']).filter(|t| !t.is_empty()) {
        if tok.starts_with('@') || tok.starts_with('+') {
            continue;
        }
        if let Some(t) = tok.strip_prefix('!') {
            banned |= removes(t);
            continue;
        }
        if let Some(t) = tok.strip_prefix('-') {
            on &= !removes(t);
            continue;
        }
        let mut sel: Option<u8> = None;
        for part in tok.split('+').filter(|p| !p.is_empty()) {
            if let Some(c) = may_select(part) {
                sel = Some(sel.map_or(c, |s| s & c));
            }
        }
        on |= sel.unwrap_or(0);
    }
    let weak = on & !banned;
    NAMES.iter().filter(|(b, _)| weak & b != 0).map(|(_, n)| n.to_string()).collect()
}

/// Protocol names in canonical spelling, oldest first.
pub const PROTOCOLS: &[&str] = &["SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];
/// Protocols NIST SP 800-52r2 and RFC 8996 rule out.
pub const LEGACY: &[&str] = &["SSLv2", "SSLv3", "TLSv1", "TLSv1.1"];

pub fn canonical_protocol(p: &str) -> Option<&'static str> {
    PROTOCOLS.iter().copied().find(|c| c.eq_ignore_ascii_case(p))
}

/// A protocol item: `{path, line, detail, value, protocols, legacy, default, scope}`.
pub fn protocol_item(
    path: Option<&str>,
    line: Option<usize>,
    detail: &str,
    value: &str,
    protocols: &[&str],
    default: bool,
) -> Value {
    let mut m = crate::sources::item(path, line, detail);
    let legacy: Vec<&str> = protocols.iter().copied().filter(|p| LEGACY.contains(p)).collect();
    m.insert("value".into(), value.into());
    m.insert("protocols".into(), protocols.to_vec().into());
    m.insert("legacy".into(), legacy.to_vec().into());
    m.insert("legacy_text".into(), legacy.join(", ").into());
    m.insert("default".into(), default.into());
    Value::Object(m)
}

pub fn cipher_item(path: &str, line: usize, detail: &str, value: &str) -> Value {
    let mut m = crate::sources::item(Some(path), Some(line), detail);
    let weak = weak_ciphers(value);
    m.insert("value".into(), value.into());
    m.insert("weak_text".into(), weak.join(", ").into());
    m.insert("weak".into(), weak.into());
    Value::Object(m)
}

/// `max-age` of a Strict-Transport-Security header value.
pub fn hsts_max_age(v: &str) -> Option<i64> {
    v.split(';').find_map(|d| {
        let (k, val) = d.split_once('=')?;
        if k.trim().eq_ignore_ascii_case("max-age") {
            val.trim().trim_matches('"').parse().ok()
        } else {
            None
        }
    })
}

/// Scope of a listen address, as the `listeners` source names it.
pub fn scope(address: &str) -> &'static str {
    let a = address.trim_start_matches('[').trim_end_matches(']');
    if a.starts_with("127.") || a == "::1" || a.eq_ignore_ascii_case("localhost") || a.starts_with("unix:") {
        "loopback"
    } else if matches!(a, "*" | "0.0.0.0" | "::" | "" | "_default_") {
        "all"
    } else {
        "specific"
    }
}

/// Split `addr:port`, `[v6]:port`, `port` or `addr` (with `default_port`).
pub fn split_addr(spec: &str, default_port: Option<u16>) -> (String, Option<u16>) {
    if spec.starts_with("unix:") {
        return (spec.to_string(), None);
    }
    if let Some(rest) = spec.strip_prefix('[') {
        if let Some((a, p)) = rest.split_once(']') {
            let port = p.strip_prefix(':').and_then(|p| p.parse().ok()).or(default_port);
            return (format!("[{a}]"), port);
        }
    }
    if spec.bytes().all(|b| b.is_ascii_digit()) && !spec.is_empty() {
        return ("*".into(), spec.parse().ok());
    }
    match spec.rsplit_once(':') {
        Some((a, p)) if !a.contains(':') => (a.to_string(), if p == "*" { None } else { p.parse().ok() }),
        _ => (spec.to_string(), default_port),
    }
}

/// A flat listen entry.
pub fn listen_item(
    path: &str,
    line: usize,
    detail: &str,
    address: &str,
    port: Option<u16>,
    ssl: bool,
) -> Map<String, Value> {
    let mut m = crate::sources::item(Some(path), Some(line), detail);
    m.insert("address".into(), address.into());
    m.insert("port".into(), port.map(Value::from).unwrap_or(Value::Null));
    m.insert("ssl".into(), ssl.into());
    m.insert("scope".into(), scope(address).into());
    let ep = match port {
        Some(p) => format!("{address}:{p}"),
        None => address.to_string(),
    };
    m.insert("endpoint".into(), ep.into());
    m
}

/// What the web-server analyses find, in the fact shape both collectors
/// share (so one check covers both).
#[derive(Debug, Clone, Default)]
pub struct Findings {
    /// Plain-HTTP servers reachable from the network ([`plain_http_item`]).
    pub http_plain: Vec<Value>,
    pub protocols: Vec<Value>,
    pub ciphers: Vec<Value>,
    pub hsts: Vec<Value>,
    pub tokens: Vec<Value>,
}

impl Findings {
    /// Add `http_plain`, `tls_protocols`, `tls_ciphers`, `hsts` and `tokens`
    /// to a collector's facts (one item per configuration line).
    pub fn add_facts(&self, facts: &mut Value) {
        let Some(m) = facts.as_object_mut() else { return };
        m.insert("http_plain".into(), self.http_plain.clone().into());
        m.insert("tls_protocols".into(), dedup(self.protocols.clone()).into());
        m.insert("tls_ciphers".into(), dedup(self.ciphers.clone()).into());
        m.insert("hsts".into(), dedup(self.hsts.clone()).into());
        m.insert("tokens".into(), dedup(self.tokens.clone()).into());
    }
}

/// A plain-HTTP server reachable from the network: where it is configured
/// (`at`), its kind and name, its first listen, and how it answers (a
/// redirect, or what it serves).
pub fn plain_http_item(
    mut at: Map<String, Value>,
    kind: &str,
    server: &str,
    first: &Listen,
    redirect: &Option<Map<String, Value>>,
    serves: &Option<Map<String, Value>>,
) -> Value {
    at.insert("kind".into(), kind.into());
    at.insert("server".into(), server.into());
    let endpoint = match first.port {
        Some(p) => format!("{}:{p}", first.address),
        None => first.address.clone(),
    };
    at.insert("listen".into(), endpoint.into());
    at.insert("redirect".into(), redirect.clone().map(Value::Object).unwrap_or(Value::Null));
    at.insert("serves".into(), serves.clone().map(Value::Object).unwrap_or(Value::Null));
    let serves_text = serves.as_ref().map(|s| {
        format!("{} ({}:{})", s["detail"].as_str().unwrap_or(""), s["path"].as_str().unwrap_or(""), s["line"])
    });
    at.insert("serves_text".into(), serves_text.unwrap_or_default().into());
    Value::Object(at)
}

/// Keep the first item of each `(path, line)`.
pub fn dedup(items: Vec<Value>) -> Vec<Value> {
    let mut seen = std::collections::HashSet::new();
    items.into_iter().filter(|v| seen.insert((v["path"].to_string(), v["line"].to_string()))).collect()
}

/// Whether a rewrite/redirect regex matches every request URI.
pub fn catch_all(re: &str) -> bool {
    matches!(
        re,
        "^" | "^/"
            | ".*"
            | "^.*"
            | "^.*$"
            | "(.*)"
            | "(.*)$"
            | "^(.*)"
            | "^(.*)$"
            | "^/(.*)"
            | "^/(.*)$"
            | "^/?(.*)"
            | "^/?(.*)$"
            | "/(.*)"
            | "^/.*"
            | "^/.*$"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ciphers() {
        assert!(weak_ciphers("HIGH:!aNULL:!MD5").is_empty());
        assert_eq!(weak_ciphers("HIGH"), vec!["anonymous (aNULL: no authentication)"]);
        assert!(weak_ciphers("ECDHE+AESGCM:EDH+AESGCM").is_empty());
        assert!(weak_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305").is_empty());
        assert_eq!(weak_ciphers("ECDHE-RSA-AES128-SHA:DES-CBC3-SHA"), vec!["3DES"]);
        assert_eq!(weak_ciphers("RC4-SHA:!MD5"), vec!["RC4"]);
        assert!(weak_ciphers("ALL:!aNULL:!EXPORT:!RC4:!DES:!3DES:!MD5:!eNULL").is_empty());
        assert!(weak_ciphers("ALL:-RC4:RC4:!RC4:!aNULL:!EXP:!LOW:!MEDIUM:!MD5").is_empty());
        assert_eq!(weak_ciphers("ALL:-RC4:RC4:!aNULL:!EXP:!LOW:!3DES:!MD5"), vec!["RC4"]);
        assert_eq!(weak_ciphers("eNULL"), vec!["NULL (no encryption)"]);
        assert_eq!(weak_ciphers("EXP-RC4-MD5"), vec!["EXPORT", "RC4", "MD5"]);
        assert!(weak_ciphers("").is_empty());
        assert!(weak_ciphers("::!!+-@STRENGTH:+++").is_empty());
        assert!(weak_ciphers("TLS_AES_256_GCM_SHA384").is_empty());
    }

    #[test]
    fn addresses() {
        assert_eq!(split_addr("80", None), ("*".into(), Some(80)));
        assert_eq!(split_addr("127.0.0.1:8080", None), ("127.0.0.1".into(), Some(8080)));
        assert_eq!(split_addr("[::]:443", None), ("[::]".into(), Some(443)));
        assert_eq!(split_addr("[::1]", Some(80)), ("[::1]".into(), Some(80)));
        assert_eq!(split_addr("localhost", Some(80)), ("localhost".into(), Some(80)));
        assert_eq!(split_addr("*:*", None), ("*".into(), None));
        assert_eq!(scope("[::1]"), "loopback");
        assert_eq!(scope("*"), "all");
        assert_eq!(scope("10.0.0.1"), "specific");
        assert_eq!(hsts_max_age("max-age=63072000; includeSubDomains"), Some(63072000));
        assert_eq!(hsts_max_age("includeSubDomains"), None);
    }
}
