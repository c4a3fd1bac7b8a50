//! `systemd`: which units are enabled, masked and installed, read from the
//! unit directories the way `systemctl is-enabled` decides (a symlink in a
//! `*.wants/` or `*.requires/` directory of `/etc/systemd/system` enables a
//! unit; a unit file linked to `/dev/null` there masks it).
//!
//! Facts: `enabled` (unit -> item with `wanted_by`), `masked` (unit -> item),
//! `installed` (list of unit names with a unit file).

use crate::sources::{item, Reader};
use crate::target::ReadError;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

const UNIT_DIRS: &[&str] =
    &["/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"];

/// Enabled, masked and installed units.
#[derive(Debug, Default)]
pub struct Units {
    /// Unit name → its fact item (`unit`, `wanted_by`).
    pub enabled: BTreeMap<String, Value>,
    pub masked: BTreeMap<String, Value>,
    pub installed: BTreeSet<String>,
    /// Unit directories that exist but could not be listed: what they
    /// enable or mask is unknown, so checks built on them skip.
    pub unreadable: Vec<ReadError>,
}

impl Units {
    /// The `systemd` facts: `{exists, enabled, masked, installed}`.
    pub fn facts(&self) -> Value {
        json!({
            "exists": !self.installed.is_empty() || !self.enabled.is_empty(),
            "enabled": self.enabled.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Map<_, _>>(),
            "masked": self.masked.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Map<_, _>>(),
            "installed": self.installed.iter().cloned().collect::<Vec<_>>(),
        })
    }
}

/// Read the unit directories.
pub fn read(scan: &Reader) -> Units {
    let t = &scan.target;
    let mut enabled = BTreeMap::new();
    let mut masked = BTreeMap::new();
    let mut installed = BTreeSet::new();
    let mut unreadable = Vec::new();
    let mut listed = |path: &str| match t.read_dir(path) {
        Ok(entries) => entries,
        Err(e) => {
            if !e.is_not_found() && !matches!(e, ReadError::NotDir { .. }) {
                scan.note_unreadable(&e);
                unreadable.push(e);
            }
            Vec::new()
        }
    };
    for dir in UNIT_DIRS {
        let entries = listed(dir);
        for e in entries {
            let Ok(meta) = t.lstat(&e.path) else { continue };
            let is_link = meta.file_type == crate::target::FileType::Symlink;
            // `systemctl mask` links to /dev/null in /etc, `mask --runtime` in /run.
            if is_link && (*dir == "/etc/systemd/system" || *dir == "/run/systemd/system") {
                if let Ok(link) = t.read_link(&e.path) {
                    if link == "/dev/null" {
                        let mut m = item(Some(&e.path), None, format!("{} -> /dev/null (masked)", e.path));
                        m.insert("unit".into(), e.name.clone().into());
                        masked.insert(e.name.clone(), Value::Object(m));
                        continue;
                    }
                }
            }
            let wants = e.name.ends_with(".wants") || e.name.ends_with(".requires");
            if wants && (*dir == "/etc/systemd/system" || *dir == "/run/systemd/system") {
                let target = e.name.rsplit_once('.').map(|(n, _)| n).unwrap_or(&e.name).to_string();
                for w in listed(&e.path) {
                    let mut m = item(Some(&w.path), None, format!("{} enabled by {}", w.name, w.path));
                    m.insert("unit".into(), w.name.clone().into());
                    m.insert("wanted_by".into(), target.clone().into());
                    enabled.entry(w.name.clone()).or_insert(Value::Object(m));
                }
            } else if !wants && e.name.contains('.') && !e.name.ends_with(".d") {
                installed.insert(e.name.clone());
            }
        }
    }
    for name in masked.keys() {
        enabled.remove(name);
    }
    Units { enabled, masked, installed, unreadable }
}
