//! `packages`: installed packages from the target's own package database:
//! dpkg (`/var/lib/dpkg/status`, packages whose status is `installed`, held or not) or apk
//! (`/lib/apk/db/installed`). RPM's database is SQLite/BerkeleyDB and not
//! read: `manager` is then `null` and checks fall back to files on disk.
//!
//! Facts: `manager`, `installed` (name -> item with `version`), `entries`.

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

/// The package database: which manager, and what is installed.
#[derive(Debug, Default)]
pub struct Packages {
    /// `dpkg` or `apk`; `None` without a database hardcheck reads.
    pub manager: Option<&'static str>,
    pub installed: BTreeMap<String, Package>,
    pub unreadable: Vec<ReadError>,
}

impl Packages {
    /// The installed version of a package.
    pub fn version(&self, name: &str) -> Option<&str> {
        self.installed.get(name).map(|p| p.version.as_str())
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
        json!({"exists": self.manager.is_some(), "manager": self.manager, "installed": installed, "entries": entries, "unreadable": unreadable})
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
