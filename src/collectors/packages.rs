//! `packages`: installed packages from the target's own package database:
//! dpkg (`/var/lib/dpkg/status`, packages whose status is `installed`, held or not) or apk
//! (`/lib/apk/db/installed`). RPM's database is SQLite/BerkeleyDB and not
//! read: `manager` is then `null` and checks fall back to files on disk.
//!
//! Facts: `manager`, `installed` (name -> item with `version`), `entries`.

use crate::sources::{item, Scan, Unavailable};
use serde_json::{json, Map, Value};

pub fn collect(scan: &Scan) -> Result<Value, Unavailable> {
    let mut installed = Map::new();
    let mut unreadable = Vec::new();
    let mut manager = Value::Null;
    for (path, kind) in [("/var/lib/dpkg/status", "dpkg"), ("/lib/apk/db/installed", "apk")] {
        let f = match scan.read_text(path) {
            Ok(f) => f,
            Err(e) if e.is_not_found() => continue,
            Err(e) => {
                unreadable.push(json!({"path": e.path(), "reason": e.reason()}));
                continue;
            }
        };
        manager = kind.into();
        let (name_key, version_key) = if kind == "dpkg" { ("Package:", "Version:") } else { ("P:", "V:") };
        let (mut name, mut version, mut ok, mut start) = (None::<String>, String::new(), kind == "apk", 0usize);
        let mut flush = |name: &mut Option<String>, version: &str, ok: bool, start: usize| {
            if let Some(n) = name.take() {
                if ok {
                    let mut m = item(Some(path), Some(start), format!("{n} {version}"));
                    m.insert("name".into(), n.clone().into());
                    m.insert("version".into(), version.into());
                    installed.insert(n, Value::Object(m));
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
    let entries: Vec<Value> = installed.values().cloned().collect();
    Ok(
        json!({"exists": !manager.is_null(), "manager": manager, "installed": installed, "entries": entries, "unreadable": unreadable}),
    )
}
