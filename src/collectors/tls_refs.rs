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

use super::webtls::Site;
use super::{apache, mysql, nginx, postgresql, redis};
use crate::sources::include::dir_of;
use crate::target;
use serde_json::{json, Value};

/// Most referenced files taken from all configurations.
pub const MAX_REFS: usize = crate::limits::CERT_REFS;

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

fn via(directive: &str, path: &str, line: Option<usize>) -> String {
    match line {
        Some(l) => format!("{directive} in {path}:{l}"),
        None => format!("{directive} in {path}"),
    }
}

impl Refs {
    fn add(&mut self, file: String, key: bool, via: String, public_web: bool) {
        if self.files.len() < MAX_REFS {
            self.files.push(Ref { file, key, via, public_web });
        }
    }

    fn note(&mut self, path: &str, line: Option<usize>, msg: String) {
        self.notes.push(json!({"path": path, "line": line, "detail": msg}));
    }

    /// nginx `server` blocks and Apache sites.
    fn web(&mut self, sites: &[Site], base: &str, kind: &str) {
        let (cert_directive, key_directive) = match kind {
            "nginx" => ("ssl_certificate", "ssl_certificate_key"),
            _ => ("SSLCertificateFile", "SSLCertificateKeyFile"),
        };
        for s in sites {
            let public = s.tls && s.listens.iter().any(|l| (kind == "Apache" || l.ssl) && l.scope() != "loopback");
            let mut certs = Vec::new();
            for (refs, is_key, directive) in [(&s.certificates, false, cert_directive), (&s.keys, true, key_directive)]
            {
                for e in refs {
                    let Some(file) = resolve(base, &e.value) else { continue };
                    let v = via(directive, &e.path, Some(e.line));
                    if !is_key && s.tls {
                        certs.push((file.clone(), v.clone()));
                    }
                    self.add(file, is_key, v, public);
                }
            }
            let names: Vec<(String, usize, String, Vec<String>)> =
                s.names.iter().map(|d| (d.path.clone(), d.line, d.detail.clone(), d.names.clone())).collect();
            if s.tls && !certs.is_empty() && !names.is_empty() {
                let server =
                    format!("{kind} {}", if kind == "nginx" { format!("server {}", s.name) } else { s.name.clone() });
                self.served.push(Served { server, names, certs, public });
            }
        }
    }

    fn postgresql(&mut self, cfg: &postgresql::Config) {
        for c in &cfg.clusters {
            let values = c.values();
            let ssl_on = values
                .get("ssl")
                .is_some_and(|s| matches!(s.value.to_ascii_lowercase().as_str(), "on" | "true" | "yes" | "1"));
            for (name, default, key) in [("ssl_cert_file", "server.crt", false), ("ssl_key_file", "server.key", true)] {
                let set = values.get(name).filter(|e| !e.value.is_empty());
                if set.is_none() && !ssl_on {
                    continue;
                }
                let value = set.map(|e| e.value.as_str()).unwrap_or(default);
                let (path, line) = match set {
                    Some(e) => (e.path.as_str(), e.line),
                    None => (c.conf.as_str(), None),
                };
                let directive = if set.is_some() { name.to_string() } else { format!("{name} (default '{default}')") };
                if !value.starts_with('/') && !c.data_directory_known {
                    let msg = format!(
                        "{} names '{value}', relative to the data directory, which the configuration does not set: not judged",
                        via(&directive, path, line)
                    );
                    self.note(path, line, msg);
                    continue;
                }
                if let Some(file) = resolve(&c.data_directory, value) {
                    self.add(file, key, via(&directive, path, line), false);
                }
            }
        }
    }

    /// A setting whose value is an absolute file (Redis, MySQL): `(name,
    /// is a key, value, path, line)`.
    fn absolute(&mut self, service: &str, name: &str, key: bool, value: &str, path: &str, line: usize) {
        let value = value.trim_matches('"');
        if value.is_empty() {
            return;
        }
        let v = via(name, path, Some(line));
        if !value.starts_with('/') {
            self.note(path, Some(line), format!("{service} {v} names the relative path '{value}': not judged"));
            return;
        }
        if let Some(file) = resolve("/", value) {
            self.add(file, key, v, false);
        }
    }
}

/// The configurations whose certificate and key files are judged.
pub struct Inputs<'a> {
    pub nginx: &'a nginx::Config,
    pub apache: &'a apache::Config,
    pub postgresql: Option<&'a postgresql::Config>,
    pub redis: &'a redis::Config,
    pub mysql: &'a mysql::Config,
}

/// Every certificate and key file the service configurations name.
pub fn collect(i: &Inputs) -> Refs {
    let mut r = Refs::default();
    let nginx_base = dir_of(i.nginx.main.as_deref().unwrap_or("/etc/nginx/nginx.conf")).to_string();
    r.web(&i.nginx.analysis.sites, &nginx_base, "nginx");
    let apache_root = if i.apache.main.is_some() { i.apache.server_root.clone() } else { "/etc/apache2".into() };
    r.web(&i.apache.analysis.sites, &apache_root, "Apache");
    if let Some(p) = i.postgresql {
        r.postgresql(p);
    }
    for inst in i.redis.servers() {
        for (name, key) in [("tls-cert-file", false), ("tls-key-file", true)] {
            if let Some(d) = inst.last(name) {
                r.absolute("Redis", name, key, &d.args.join(" "), &d.path, d.line);
            }
        }
    }
    for (name, key) in [("ssl_cert", false), ("ssl_key", true)] {
        if let Some(o) = i.mysql.server_value(name) {
            r.absolute("MySQL", name, key, o.value.as_deref().unwrap_or(""), &o.path, o.line);
        }
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
    }
}
