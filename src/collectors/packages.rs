//! `packages`: installed packages from the target's own package database:
//! dpkg (`/var/lib/dpkg/status`, packages whose status is `installed`, held or not) or apk
//! (`/lib/apk/db/installed`). RPM's database is SQLite/BerkeleyDB and not
//! read: `manager` is then `null` and checks fall back to files on disk.
//!
//! Facts: `manager`, `installed` (name -> item with `version`), `entries`.
//!
//! dpkg's `Conffiles:` lists (path, md5sum of the file as the package
//! shipped it, and `obsolete` when the current version no longer ships it)
//! are kept in [`Packages::conffiles`], so that a finding in a file can say
//! whether it is the vendor's content unmodified ([`Packages::conffile_state`]:
//! the file's md5 is computed from the bytes the target layer read, nothing
//! is executed).

use crate::sources::{item, Reader};
use crate::target::ReadError;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// One installed package.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    pub path: String,
    pub line: usize,
    pub name: String,
    pub version: String,
}

/// A configuration file a dpkg package shipped (`Conffiles:`).
#[derive(Debug, Clone, PartialEq)]
pub struct Conffile {
    /// The package whose stanza lists it.
    pub package: String,
    /// The md5sum of the file as shipped (32 lowercase hex digits; anything
    /// else, such as `newconffile`, never matches).
    pub md5: String,
}

/// Whether a file is a package's conffile, and unmodified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConffileState {
    /// The file's content is exactly what package P shipped.
    Unmodified(String),
    /// Package P shipped it, and it has been changed since.
    Modified(String),
}

/// The package database: which manager, and what is installed.
#[derive(Debug, Default)]
pub struct Packages {
    /// `dpkg` or `apk`; `None` without a database hardcheck reads.
    pub manager: Option<&'static str>,
    pub installed: BTreeMap<String, Package>,
    /// dpkg conffiles by path, from every stanza that lists them (a package
    /// removed with its configuration kept still owns them; a file moved
    /// between packages is listed by both).
    pub conffiles: BTreeMap<String, Vec<Conffile>>,
    pub unreadable: Vec<ReadError>,
}

impl Packages {
    /// The installed version of a package.
    pub fn version(&self, name: &str) -> Option<&str> {
        self.installed.get(name).map(|p| p.version.as_str())
    }

    /// Whether `path`, whose content is `bytes`, is a dpkg conffile, and
    /// whether its md5sum is the one the package shipped.
    pub fn conffile_state(&self, path: &str, bytes: &[u8]) -> Option<ConffileState> {
        use md5::{Digest as _, Md5};
        let listed = self.conffiles.get(path)?;
        let digest = Md5::digest(bytes);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        Some(match listed.iter().find(|c| c.md5.eq_ignore_ascii_case(&hex)) {
            Some(c) => ConffileState::Unmodified(c.package.clone()),
            None => ConffileState::Modified(listed.first()?.package.clone()),
        })
    }

    /// The `packages` facts: `{exists, manager, installed, entries, unreadable}`.
    pub fn facts(&self) -> Value {
        let item_of = |p: &Package| {
            let mut m = item(Some(&p.path), Some(p.line), format!("{} {}", p.name, p.version));
            m.insert("name".into(), p.name.clone().into());
            m.insert("version".into(), p.version.clone().into());
            Value::Object(m)
        };
        let installed: serde_json::Map<String, Value> =
            self.installed.iter().map(|(n, p)| (n.clone(), item_of(p))).collect();
        let entries: Vec<Value> = self.installed.values().map(item_of).collect();
        let unreadable: Vec<Value> =
            self.unreadable.iter().map(|e| json!({"path": e.path(), "reason": e.reason()})).collect();
        crate::sources::object([
            ("exists", self.manager.is_some().into()),
            ("manager", json!(self.manager)),
            ("installed", Value::Object(installed)),
            ("entries", Value::Array(entries)),
            ("unreadable", Value::Array(unreadable)),
        ])
    }
}

/// Read the package database.
pub fn read(r: &Reader) -> Packages {
    let mut out = Packages::default();
    for (path, kind) in [("/var/lib/dpkg/status", "dpkg"), ("/lib/apk/db/installed", "apk")] {
        let f = match r.read_text_long(path) {
            Ok(f) => f,
            Err(e) if e.is_not_found() => continue,
            Err(e) => {
                out.unreadable.push(e);
                continue;
            }
        };
        out.manager = Some(kind);
        let (name_key, version_key) = if kind == "dpkg" { ("Package:", "Version:") } else { ("P:", "V:") };
        let (mut name, mut version, mut ok, mut start) = (None::<String>, String::new(), kind == "apk", 0usize);
        let installed = &mut out.installed;
        // Inside a `Conffiles:` field (its entries are continuation lines).
        let mut in_conffiles = false;
        let mut flush = |name: &mut Option<String>, version: &str, ok: bool, start: usize| {
            if let Some(n) = name.take() {
                if ok {
                    let p =
                        Package { path: path.to_string(), line: start, name: n.clone(), version: version.to_string() };
                    installed.insert(n, p);
                }
            }
        };
        for (i, line) in f.text.lines().enumerate() {
            if line.trim().is_empty() {
                flush(&mut name, &version, ok, start);
                ok = kind == "apk";
                continue;
            }
            if kind == "dpkg" && line.starts_with([' ', '\t']) {
                if in_conffiles {
                    if let (Some(n), Some(c)) = (&name, conffile_line(line)) {
                        let (p, md5) = c;
                        out.conffiles.entry(p).or_default().push(Conffile { package: n.clone(), md5 });
                    }
                }
                continue;
            }
            in_conffiles = kind == "dpkg" && line.starts_with("Conffiles:");
            if let Some(v) = line.strip_prefix(name_key) {
                flush(&mut name, &version, ok, start);
                name = Some(v.trim().to_string());
                start = i + 1;
            } else if let Some(v) = line.strip_prefix(version_key) {
                version = v.trim().to_string();
            } else if let Some(v) = line.strip_prefix("Status:") {
                // `want flag status`: a held (`hold ok installed`) or
                // to-be-removed (`deinstall ok installed`) package is still
                // installed; so is one with pending triggers.
                let w: Vec<&str> = v.split_whitespace().collect();
                ok = w.len() == 3
                    && w[1] == "ok"
                    && matches!(w[2], "installed" | "triggers-awaited" | "triggers-pending");
            }
        }
        flush(&mut name, &version, ok, start);
    }
    out
}

/// One `Conffiles:` entry, ` /etc/x 0123…abcd [obsolete|remove-on-upgrade]`:
/// the path and the md5sum.
fn conffile_line(line: &str) -> Option<(String, String)> {
    let mut w = line.split_whitespace();
    let (path, md5) = (w.next()?, w.next()?);
    path.starts_with('/').then(|| (crate::target::normalize(path), md5.to_string()))
}

#[cfg(test)]
mod tests {
    use super::{conffile_line, Conffile, ConffileState, Packages};

    #[test]
    fn conffile_entries() {
        let (p, m) = conffile_line(" /etc/chromium.d/apikeys 0123456789abcdef0123456789abcdef").unwrap();
        assert_eq!((p.as_str(), m.as_str()), ("/etc/chromium.d/apikeys", "0123456789abcdef0123456789abcdef"));
        assert!(conffile_line(" /etc/old.conf 0123456789abcdef0123456789abcdef obsolete").is_some());
        assert_eq!(conffile_line(" A paragraph of a description"), None);
        assert_eq!(conffile_line(" ."), None);
    }

    #[test]
    fn conffile_state_matches_any_listing_package() {
        let c = |package: &str, md5: &str| Conffile { package: package.into(), md5: md5.into() };
        let mut p = Packages::default();
        // md5("x") = 9dd4e461268c8034f5c8564e155c67a6: the file moved from `old` to `new`.
        let listed = vec![c("old", "0123456789abcdef0123456789abcdef"), c("new", "9DD4E461268C8034F5C8564E155C67A6")];
        p.conffiles.insert("/etc/a".into(), listed);
        p.conffiles.insert("/etc/b".into(), vec![c("pkg", "newconffile")]);
        assert_eq!(p.conffile_state("/etc/a", b"x"), Some(ConffileState::Unmodified("new".into())));
        assert_eq!(p.conffile_state("/etc/a", b"y"), Some(ConffileState::Modified("old".into())));
        assert_eq!(p.conffile_state("/etc/b", b"x"), Some(ConffileState::Modified("pkg".into())));
        assert_eq!(p.conffile_state("/etc/c", b"x"), None);
    }
}
