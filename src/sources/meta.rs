//! File metadata items (`stat` and `walk` sources): mode, owner, type, with
//! the owner resolved against the target's own passwd/group.

use super::{item, Reader};
use crate::target::{DirEntry, FileMeta, FileType, OpenDir, ReadError};
use serde_json::{Map, Value};

/// Most entries one walk visits before it stops (and says so).
pub const MAX_WALK_ENTRIES: usize = crate::limits::META_WALK_ENTRIES;

/// Live-host pseudo filesystems a walk never enters.
const PSEUDO: &[&str] = &["/proc", "/sys", "/dev", "/run/user"];

/// The boolean fields of a metadata item (usable in a walk's `only`).
pub const FLAGS: &[&str] = &[
    "world_writable",
    "world_readable",
    "group_writable",
    "group_readable",
    "suid",
    "sgid",
    "sticky",
    "unowned",
    "symlink",
];

fn fill(scan: &Reader, m: &mut Map<String, Value>, meta: &FileMeta) {
    let names = scan.names();
    let owner = names.users.get(&meta.uid).cloned();
    let group = names.groups.get(&meta.gid).cloned();
    let mode = meta.mode as i64;
    m.insert("exists".into(), true.into());
    m.insert("type".into(), meta.file_type.as_str().into());
    m.insert("mode".into(), mode.into());
    m.insert("mode_octal".into(), format!("{:04o}", meta.mode).into());
    m.insert("uid".into(), meta.uid.into());
    m.insert("gid".into(), meta.gid.into());
    m.insert("owner_known".into(), owner.is_some().into());
    m.insert("group_known".into(), group.is_some().into());
    m.insert("unowned".into(), (owner.is_none() || group.is_none()).into());
    m.insert("owner".into(), owner.clone().unwrap_or_else(|| meta.uid.to_string()).into());
    m.insert("group".into(), group.clone().unwrap_or_else(|| meta.gid.to_string()).into());
    m.insert("size".into(), meta.size.into());
    m.insert("world_writable".into(), (mode & 0o002 != 0).into());
    m.insert("world_readable".into(), (mode & 0o004 != 0).into());
    m.insert("group_writable".into(), (mode & 0o020 != 0).into());
    m.insert("group_readable".into(), (mode & 0o040 != 0).into());
    m.insert("suid".into(), (mode & 0o4000 != 0).into());
    m.insert("sgid".into(), (mode & 0o2000 != 0).into());
    m.insert("sticky".into(), (mode & 0o1000 != 0).into());
    // Always present (a missing key is a CEL error): `stat` sets it when the
    // path itself is a symlink, `walk` (which never follows) when the entry is.
    m.insert("symlink".into(), (meta.file_type == FileType::Symlink).into());
    let detail = format!(
        "{} {} {}:{} {}",
        meta.file_type.as_str(),
        format_args!("{:04o}", meta.mode),
        owner.unwrap_or_else(|| meta.uid.to_string()),
        group.unwrap_or_else(|| meta.gid.to_string()),
        meta.path
    );
    m.insert("detail".into(), detail.into());
}

/// Metadata of one path (symlinks followed inside the target). A missing
/// path gives `exists: false`; an unreadable one also carries `error`.
pub fn meta_item(scan: &Reader, path: &str) -> Map<String, Value> {
    meta_entry(scan, path).0
}

/// [`meta_item`], and why the path could not be examined (named as asked).
pub fn meta_entry(scan: &Reader, path: &str) -> (Map<String, Value>, Option<ReadError>) {
    let mut error = None;
    let mut m = item(Some(path), None, format!("{path} does not exist"));
    match scan.target.stat(path) {
        Ok(meta) => {
            fill(scan, &mut m, &meta);
            if let Ok(l) = scan.target.lstat(path) {
                if l.file_type == FileType::Symlink {
                    m.insert("symlink".into(), true.into());
                }
            }
        }
        Err(e) => {
            m.insert("exists".into(), false.into());
            // A dangling symlink does not exist, but is still a symlink.
            let dangling = scan.target.lstat(path).map(|l| l.file_type == FileType::Symlink).unwrap_or(false);
            m.insert("symlink".into(), dangling.into());
            if !e.is_not_found() {
                scan.note_unreadable(&e);
                m.insert("error".into(), e.reason().into());
                m.insert("detail".into(), e.to_string().into());
                error = Some(ReadError::Io { path: path.to_string(), message: e.reason() });
            }
        }
    }
    (m, error)
}

/// Whether the boolean field `flag` of [`FLAGS`] is set for `meta`, as the
/// item [`fill`] builds would have it (without building the item).
pub fn flag(scan: &Reader, meta: &FileMeta, flag: &str) -> bool {
    let mode = meta.mode;
    match flag {
        "world_writable" => mode & 0o002 != 0,
        "world_readable" => mode & 0o004 != 0,
        "group_writable" => mode & 0o020 != 0,
        "group_readable" => mode & 0o040 != 0,
        "suid" => mode & 0o4000 != 0,
        "sgid" => mode & 0o2000 != 0,
        "sticky" => mode & 0o1000 != 0,
        "unowned" => {
            let names = scan.names();
            !names.users.contains_key(&meta.uid) || !names.groups.contains_key(&meta.gid)
        }
        "symlink" => meta.file_type == FileType::Symlink,
        _ => false,
    }
}

/// Whether a walk's `only` flag keeps an entry. The permission flags
/// never keep a symlink: its mode is always 0777 and means nothing (what
/// it points to is judged where it lives), and /etc alone holds hundreds.
fn selects(scan: &Reader, meta: &FileMeta, only: &str) -> bool {
    let permission = matches!(only, "world_writable" | "world_readable" | "group_writable" | "group_readable");
    !(permission && meta.file_type == FileType::Symlink) && flag(scan, meta, only)
}

/// Visit everything below `root` (not following symlinks, staying on the
/// root's filesystem, never entering /proc, /sys, /dev), depth-first in
/// name order as `find` lists them (a directory, then what is inside it,
/// then its next sibling). Only entries with one of the `only` flags set
/// (every entry when it is empty) become items for `visit`. Unreadable
/// directories are collected in `unreadable`. The root itself is not
/// visited.
///
/// Each entry is examined relative to its open directory (`lstat_in`,
/// `open_dir_in`): one `fstatat` per entry, no path resolved again from the
/// root.
///
/// A `root` that is itself a symlink is not entered, as `find ROOT` does not
/// follow it: on a merged-/usr system `/bin -> usr/bin`, and walking both
/// `/bin` and `/usr/bin` would report every file twice.
pub fn walk(
    scan: &Reader,
    root: &str,
    max_depth: usize,
    exclude: &[String],
    only: &[String],
    visit: &mut dyn FnMut(Map<String, Value>),
    unreadable: &mut Vec<ReadError>,
) {
    let mut note = |e: ReadError| {
        scan.note_unreadable(&e);
        unreadable.push(e);
    };
    let root_meta = match scan.target.lstat(root) {
        Ok(m) => m,
        Err(e) => {
            if !e.is_not_found() {
                note(e);
            }
            return;
        }
    };
    if root_meta.file_type != FileType::Dir {
        // A symlink root is not followed; a file has nothing below it.
        return;
    }
    let live = scan.target.is_live();
    // Pre-order, as `find` lists: a directory, then everything inside it,
    // then its next sibling. Each frame is one open directory and what is
    // left of its listing.
    let mut stack: Vec<(OpenDir, std::vec::IntoIter<DirEntry>, usize)> = Vec::new();
    match scan.target.open_dir(root) {
        Ok(mut dir) => {
            let entries = std::mem::take(&mut dir.entries);
            stack.push((dir, entries.into_iter(), 0));
        }
        Err(e) => return note(e),
    }
    let mut seen = 0usize;
    while let Some((dir, entries, depth)) = stack.last_mut() {
        let depth = *depth;
        let Some(e) = entries.next() else {
            stack.pop();
            continue;
        };
        seen += 1;
        if seen > MAX_WALK_ENTRIES {
            let message = format!("walk limit: stopped after {MAX_WALK_ENTRIES} entries");
            return note(ReadError::Limit { path: root.to_string(), message });
        }
        if exclude.iter().any(|x| e.path == *x || e.path.starts_with(&format!("{x}/"))) {
            continue;
        }
        if live && PSEUDO.contains(&e.path.as_str()) {
            continue;
        }
        let meta = match scan.target.lstat_in(dir, &e.name) {
            Ok(m) => m,
            Err(err) => {
                note(err);
                continue;
            }
        };
        if only.is_empty() || only.iter().any(|f| selects(scan, &meta, f)) {
            let mut m = item(Some(&e.path), None, "");
            fill(scan, &mut m, &meta);
            visit(m);
        }
        if meta.file_type == FileType::Dir && depth + 1 < max_depth && meta.dev == root_meta.dev {
            match scan.target.open_dir_in(dir, &e.name) {
                Ok(mut sub) => {
                    let entries = std::mem::take(&mut sub.entries);
                    stack.push((sub, entries.into_iter(), depth + 1));
                }
                Err(err) => note(err),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::FsTarget;
    use std::sync::Arc;

    fn scan_of(dir: &std::path::Path) -> Reader {
        Reader::new(Arc::new(FsTarget::root(dir).unwrap()))
    }

    fn walked(scan: &Reader, root: &str, depth: usize) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        let mut unreadable = Vec::new();
        walk(
            scan,
            root,
            depth,
            &[],
            &[],
            &mut |m| out.push((m["path"].as_str().unwrap().to_string(), m["symlink"] == Value::Bool(true))),
            &mut unreadable,
        );
        assert!(unreadable.is_empty(), "{unreadable:?}");
        out
    }

    #[test]
    fn walk_is_preorder_like_find_and_does_not_enter_a_symlink_root() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        std::fs::create_dir_all(r.join("usr/bin/sub")).unwrap();
        std::fs::write(r.join("usr/bin/a"), "").unwrap();
        std::fs::write(r.join("usr/bin/sub/x"), "").unwrap();
        std::fs::write(r.join("usr/bin/z"), "").unwrap();
        std::os::unix::fs::symlink("usr/bin", r.join("bin")).unwrap();
        std::os::unix::fs::symlink("a", r.join("usr/bin/link")).unwrap();
        let scan = scan_of(r);
        let got = walked(&scan, "/usr/bin", 12);
        let want = [
            ("/usr/bin/a", false),
            ("/usr/bin/link", true),
            ("/usr/bin/sub", false),
            ("/usr/bin/sub/x", false),
            ("/usr/bin/z", false),
        ];
        assert_eq!(got, want.iter().map(|(p, s)| (p.to_string(), *s)).collect::<Vec<_>>());
        assert_eq!(walked(&scan, "/usr/bin", 1).len(), 4, "max_depth 1 lists the root's entries only");
        assert!(walked(&scan, "/bin", 12).is_empty(), "a symlink root is not followed");
        assert!(walked(&scan, "/usr/bin/a", 12).is_empty(), "a file has nothing below it");
        let m = meta_item(&scan, "/bin");
        assert_eq!(
            (m["exists"].clone(), m["symlink"].clone(), m["type"].clone()),
            (true.into(), true.into(), "dir".into())
        );
        let m = meta_item(&scan, "/usr/bin/a");
        assert_eq!(m["symlink"], Value::Bool(false), "always present, so CEL can read it");
    }
}
