//! Certificate and key files that service configurations reference, so
//! that the certificates a server really presents are judged wherever they
//! live (not only under /etc/ssl, /etc/pki and /etc/letsencrypt).
//!
//! - nginx `ssl_certificate` / `ssl_certificate_key` (relative paths are
//!   taken from the configuration prefix, the directory of nginx.conf; values
//!   with variables, `data:` and `engine:` are not files and are skipped);
//! - Apache `SSLCertificateFile` / `SSLCertificateKeyFile` (relative to
//!   ServerRoot; a vhost that sets none uses the server config's);
//! - PostgreSQL `ssl_cert_file` / `ssl_key_file` when `ssl` is on or the
//!   file is named (relative to the data directory; defaults `server.crt`
//!   and `server.key`; when the data directory is not set in the
//!   configuration it cannot be known offline and the file is skipped with
//!   a note);
//! - Redis `tls-cert-file` / `tls-key-file` (absolute paths only: a
//!   relative one depends on the server's working directory);
//! - MySQL/MariaDB `ssl_cert` / `ssl_key` of the server groups (absolute
//!   paths only: relative ones are taken from the data directory).
//!
//! Besides the files, every TLS server block of nginx and Apache that has
//! host names and a certificate becomes a [`Served`] record (for the
//! hostname check and the self-signed judgement of public web servers).

use crate::sources::Scan;
use crate::target;
use serde_json::{json, Value};

/// Most referenced files taken from all configurations.
pub const MAX_REFS: usize = 1000;

/// A file a configuration line names.
#[derive(Debug, Clone)]
pub struct Ref {
    /// Absolute in-target path of the certificate or key.
    pub file: String,
    pub key: bool,
    /// `ssl_certificate in /etc/nginx/sites-enabled/a:12`.
    pub via: String,
    /// Served by an nginx/Apache TLS server that listens beyond loopback.
    pub public_web: bool,
}

/// A TLS web server with its host names and certificate files.
#[derive(Debug, Clone)]
pub struct Served {
    /// `nginx server www.example.com` or `Apache <VirtualHost *:443> …`.
    pub server: String,
    /// The `server_name`/`ServerName`/`ServerAlias` lines: `(path, line, detail, names)`.
    pub names: Vec<(String, usize, String, Vec<String>)>,
    /// Certificate files (absolute) with the directive that names them.
    pub certs: Vec<(String, String)>,
    pub public: bool,
}

#[derive(Debug, Default)]
pub struct Refs {
    pub files: Vec<Ref>,
    pub served: Vec<Served>,
    pub notes: Vec<Value>,
}

/// A configured path as an absolute one (`None`: not a file).
fn resolve(base: &str, value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() || v.contains('$') || v.starts_with("data:") || v.starts_with("engine:") || v.contains('\0') {
        return None;
    }
    Some(target::normalize(&target::join(base, v)))
}

fn dir_of(path: &str) -> String {
    match path.rsplit_once('/') {
        Some(("", _)) | None => "/".to_string(),
        Some((d, _)) => d.to_string(),
    }
}

fn via(directive: &str, e: &Value) -> String {
    match (e["path"].as_str(), e["line"].as_u64()) {
        (Some(p), Some(l)) => format!("{directive} in {p}:{l}"),
        (Some(p), None) => format!("{directive} in {p}"),
        _ => directive.to_string(),
    }
}

impl Refs {
    fn add(&mut self, file: String, key: bool, via: String, public_web: bool) {
        if self.files.len() < MAX_REFS {
            self.files.push(Ref { file, key, via, public_web });
        }
    }

    fn note(&mut self, e: &Value, msg: String) {
        self.notes.push(json!({"path": e["path"], "line": e["line"], "detail": msg}));
    }

    /// nginx `server` blocks and Apache sites.
    fn web(&mut self, facts: &Value, list: &str, base: &str, kind: &str) {
        for s in facts[list].as_array().into_iter().flatten() {
            let tls = s["tls"] == true;
            let listens = s["listens"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            let public =
                tls && listens.iter().any(|l| (kind == "Apache" || l["ssl"] == true) && l["scope"] != "loopback");
            let mut certs = Vec::new();
            for (field, is_key, directive) in [
                ("ssl_certificate", false, if kind == "nginx" { "ssl_certificate" } else { "SSLCertificateFile" }),
                (
                    "ssl_certificate_key",
                    true,
                    if kind == "nginx" { "ssl_certificate_key" } else { "SSLCertificateKeyFile" },
                ),
            ] {
                for e in s[field].as_array().into_iter().flatten() {
                    let Some(file) = resolve(base, e["value"].as_str().unwrap_or("")) else { continue };
                    let v = via(directive, e);
                    if !is_key && tls {
                        certs.push((file.clone(), v.clone()));
                    }
                    self.add(file, is_key, v, public);
                }
            }
            let names: Vec<(String, usize, String, Vec<String>)> = s["server_name_directives"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| {
                    let names = d["names"].as_array()?.iter().filter_map(|n| n.as_str().map(str::to_string)).collect();
                    Some((
                        d["path"].as_str()?.to_string(),
                        d["line"].as_u64()? as usize,
                        d["detail"].as_str().unwrap_or("").to_string(),
                        names,
                    ))
                })
                .collect();
            if tls && !certs.is_empty() && !names.is_empty() {
                let label = if kind == "nginx" {
                    format!("nginx server {}", s["name"].as_str().unwrap_or(""))
                } else {
                    format!("Apache {}", s["name"].as_str().unwrap_or(""))
                };
                self.served.push(Served { server: label, names, certs, public });
            }
        }
    }

    fn postgresql(&mut self, facts: &Value) {
        for c in facts["clusters"].as_array().into_iter().flatten() {
            let v = &c["values"];
            let ssl_on = v["ssl"]["lower"].as_str().is_some_and(|s| matches!(s, "on" | "true" | "yes" | "1"));
            let data_known =
                v.get("data_directory").is_some() || !c["path"].as_str().unwrap_or("").starts_with("/etc/");
            let data_dir = c["data_directory"].as_str().unwrap_or("/");
            for (name, default, key) in [("ssl_cert_file", "server.crt", false), ("ssl_key_file", "server.key", true)] {
                let set = v.get(name).filter(|e| e["value"].as_str().is_some_and(|s| !s.is_empty()));
                if set.is_none() && !ssl_on {
                    continue;
                }
                let value = set.and_then(|e| e["value"].as_str()).unwrap_or(default);
                let at = set.cloned().unwrap_or_else(|| json!({"path": c["path"], "line": null}));
                let directive = if set.is_some() { name.to_string() } else { format!("{name} (default '{default}')") };
                if !value.starts_with('/') && !data_known {
                    let msg = format!(
                        "{} names '{value}', relative to the data directory, which the configuration does not set: not judged",
                        via(&directive, &at)
                    );
                    self.note(&at, msg);
                    continue;
                }
                if let Some(file) = resolve(data_dir, value) {
                    self.add(file, key, via(&directive, &at), false);
                }
            }
        }
    }

    /// `values` entries whose value is an absolute file (Redis, MySQL).
    fn absolute(&mut self, values: &Value, names: &[(&str, bool)], service: &str) {
        for (name, key) in names {
            let Some(e) = values.get(*name) else { continue };
            let value = e["value"].as_str().unwrap_or("").trim_matches('"');
            if value.is_empty() {
                continue;
            }
            if !value.starts_with('/') {
                let msg = format!("{service} {} names the relative path '{value}': not judged", via(name, e));
                self.note(e, msg);
                continue;
            }
            if let Some(file) = resolve("/", value) {
                self.add(file, *key, via(name, e), false);
            }
        }
    }
}

/// Every certificate and key file the service configurations name.
pub fn collect(scan: &Scan) -> Refs {
    let mut r = Refs::default();
    if let Ok(n) = scan.builtin_json("nginx") {
        let base = dir_of(n["main"].as_str().unwrap_or("/etc/nginx/nginx.conf"));
        r.web(&n, "servers", &base, "nginx");
    }
    if let Ok(a) = scan.builtin_json("apache") {
        let base = a["server_root"].as_str().unwrap_or("/etc/apache2").to_string();
        r.web(&a, "sites", &base, "Apache");
    }
    if let Ok(p) = scan.builtin_json("postgresql") {
        r.postgresql(&p);
    }
    if let Ok(rd) = scan.builtin_json("redis") {
        for i in rd["instances"].as_array().into_iter().flatten() {
            r.absolute(&i["values"], &[("tls-cert-file", false), ("tls-key-file", true)], "Redis");
        }
    }
    if let Ok(m) = scan.builtin_json("mycnf") {
        r.absolute(&m["values"], &[("ssl_cert", false), ("ssl_key", true)], "MySQL");
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_paths() {
        assert_eq!(resolve("/etc/nginx", "ssl/a.pem").as_deref(), Some("/etc/nginx/ssl/a.pem"));
        assert_eq!(resolve("/etc/nginx", "/etc/ssl/../ssl/a.pem").as_deref(), Some("/etc/ssl/a.pem"));
        assert_eq!(resolve("/etc/nginx", "/etc/ssl/$ssl_server_name.crt"), None);
        assert_eq!(resolve("/etc/nginx", "data:$var"), None);
        assert_eq!(resolve("/etc/nginx", "engine:pkcs11:x"), None);
        assert_eq!(resolve("/etc/nginx", " "), None);
        assert_eq!(dir_of("/nginx.conf"), "/");
    }

    #[test]
    fn garbage_facts_never_panic() {
        let mut r = Refs::default();
        for v in [json!(null), json!({"servers": 3}), json!({"servers": [{"tls": true, "ssl_certificate": [{}]}]})] {
            r.web(&v, "servers", "/etc/nginx", "nginx");
            r.postgresql(&v);
            r.absolute(&v, &[("tls-cert-file", false)], "Redis");
        }
        assert!(r.files.is_empty() && r.served.is_empty());
    }
}
