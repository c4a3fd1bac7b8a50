//! `sysctl`: kernel parameters as the boot-time loader applies them
//! (sysctl.d(5), systemd-sysctl; procps `sysctl --system`): `*.conf` files
//! from `/etc/sysctl.d`, `/run/sysctl.d`, `/usr/local/lib/sysctl.d`,
//! `/usr/lib/sysctl.d`, `/lib/sysctl.d` — a name in an earlier directory
//! masks the same name in a later one, and a file linked to `/dev/null`
//! masks without being read — sorted by file name, then `/etc/sysctl.conf`.
//! A file reached twice (Debian's `/etc/sysctl.d/99-sysctl.conf ->
//! ../sysctl.conf`) is read once, at its first position, and reported under
//! its real path. The last assignment of a key wins; keys may use `/`
//! instead of `.` and may be globs; a leading `-` only silences errors, and
//! `-key` without `=` excludes the key from globs (systemd).
//!
//! Facts: `entries` (every assignment, in order, with `key`, `value` — null
//! for an exclusion —, `pattern`, `exclude`), `files`.

use crate::sources::{item, Reader};
use crate::target::ReadError;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// One assignment (or exclusion) as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub path: String,
    pub line: usize,
    pub detail: String,
    /// Dotted key (may be a glob).
    pub key: String,
    /// `None` for an exclusion (`-key` without `=`).
    pub value: Option<String>,
}

impl Assignment {
    /// Whether the key is a glob.
    pub fn pattern(&self) -> bool {
        self.key.contains(['*', '?', '['])
    }

    /// The fact item: `{path, line, detail, key, value, pattern, exclude}`.
    pub fn item(&self) -> Map<String, Value> {
        let mut m = item(Some(&self.path), Some(self.line), self.detail.clone());
        m.insert("pattern".into(), self.pattern().into());
        m.insert("exclude".into(), self.value.is_none().into());
        m.insert("key".into(), self.key.clone().into());
        m.insert("value".into(), self.value.clone().map_or(Value::Null, Value::from));
        m
    }
}

/// Every assignment of the boot-time configuration, in load order.
#[derive(Debug, Default)]
pub struct Settings {
    pub files: Vec<String>,
    pub entries: Vec<Assignment>,
    pub unreadable: Vec<ReadError>,
}

impl Settings {
    /// The `sysctl` facts: `{exists, files, entries}`.
    pub fn facts(&self) -> Value {
        let entries: Vec<Value> = self.entries.iter().map(|e| Value::Object(e.item())).collect();
        crate::sources::object([
            ("exists", (!self.files.is_empty()).into()),
            ("files", json!(self.files)),
            ("entries", Value::Array(entries)),
        ])
    }
}

const DIRS: &[&str] =
    &["/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d"];

/// Normalise a key: `a/b.c` (slash first) means `a.b/c` in dotted form.
pub fn normalize_key(k: &str) -> String {
    let k = k.trim();
    let slash = k.find('/');
    let dot = k.find('.');
    match (slash, dot) {
        (Some(s), d) if d.is_none_or(|d| s < d) => k
            .chars()
            .map(|c| match c {
                '/' => '.',
                '.' => '/',
                c => c,
            })
            .collect(),
        _ => k.to_string(),
    }
}

/// Read the sysctl.d files and sysctl.conf in the order they are applied.
pub fn read(scan: &Reader) -> Settings {
    let mut by_name: BTreeMap<String, String> = BTreeMap::new();
    let mut unreadable = Vec::new();
    for dir in DIRS {
        let list = match scan.target.read_dir(dir) {
            Ok(list) => list,
            Err(e) if e.is_not_found() => continue,
            // A directory that cannot be listed may hold settings: the
            // checks that would pass are skipped, naming it.
            Err(e) => {
                scan.note_unreadable(&e);
                unreadable.push(e);
                continue;
            }
        };
        for e in list {
            if e.name.ends_with(".conf") {
                by_name.entry(e.name.clone()).or_insert(e.path);
            }
        }
    }
    let mut paths: Vec<String> = by_name.into_values().collect();
    paths.push("/etc/sysctl.conf".into());
    let (mut entries, mut files, mut seen) = (Vec::new(), Vec::new(), Vec::new());
    for p in paths {
        // Debian links /etc/sysctl.d/99-sysctl.conf to ../sysctl.conf: read it once.
        let real = canonical(scan, &p);
        if real == "/dev/null" || seen.contains(&real) {
            continue; // masked, or already read
        }
        let f = match scan.read_text(&p) {
            Ok(f) => f,
            Err(e) if e.is_not_found() => continue,
            Err(e) => {
                unreadable.push(e);
                continue;
            }
        };
        seen.push(real.clone());
        files.push(real.clone());
        for (i, line) in f.text.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
                continue;
            }
            // `-key = v`: failures to set are ignored; `-key` alone: excluded from globs.
            let (k, v) = match t.split_once('=') {
                Some((k, v)) => (k.strip_prefix('-').unwrap_or(k), Some(v.trim())),
                None => match t.strip_prefix('-') {
                    Some(k) => (k, None),
                    None => continue, // not an assignment: systemd-sysctl ignores it
                },
            };
            let key = normalize_key(k);
            if key.is_empty() {
                continue;
            }
            let value = v.map(str::to_string);
            entries.push(Assignment { path: real.clone(), line: i + 1, detail: t.to_string(), key, value });
        }
    }
    Settings { files, entries, unreadable }
}

/// The in-target path a file resolves to (symlinks followed inside the target).
fn canonical(scan: &Reader, path: &str) -> String {
    let mut p = path.to_string();
    for _ in 0..crate::limits::SYMLINK_HOPS {
        match scan.target.read_link(&p) {
            Ok(link) => {
                let dir = p.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_default();
                p = crate::target::normalize(&crate::target::join(if dir.is_empty() { "/" } else { &dir }, &link));
            }
            Err(_) => break,
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::normalize_key;

    #[test]
    fn slash_keys() {
        assert_eq!(normalize_key("net/ipv4/ip_forward"), "net.ipv4.ip_forward");
        assert_eq!(normalize_key("net.ipv4.conf.eth0/1.rp_filter"), "net.ipv4.conf.eth0/1.rp_filter");
        assert_eq!(normalize_key("net/ipv4/conf/eth0.1/rp_filter"), "net.ipv4.conf.eth0/1.rp_filter");
    }
}
