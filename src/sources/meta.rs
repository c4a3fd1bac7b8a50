//! File metadata items (`stat` and `walk` sources): mode, owner, type, with
//! the owner resolved against the target's own passwd/group.

use super::{item, Scan};
use crate::target::{FileMeta, FileType, ReadError};
use serde_json::{Map, Value};

/// Most entries one walk visits before it stops (and says so).
pub const MAX_WALK_ENTRIES: usize = 500_000;

/// Live-host pseudo filesystems a walk never enters.
const PSEUDO: &[&str] = &["/proc", "/sys", "/dev", "/run/user"];

fn fill(scan: &Scan, m: &mut Map<String, Value>, meta: &FileMeta) {
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
pub fn meta_item(scan: &Scan, path: &str) -> Map<String, Value> {
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
            if !e.is_not_found() {
                scan.note_unreadable(&e);
                m.insert("error".into(), e.reason().into());
                m.insert("detail".into(), e.to_string().into());
            }
        }
    }
    m
}

/// Visit everything below `root` (not following symlinks, staying on the
/// root's filesystem, never entering /proc, /sys, /dev), depth-first in
/// name order. Unreadable directories are collected in `unreadable`.
pub fn walk(
    scan: &Scan,
    root: &str,
    max_depth: usize,
    exclude: &[String],
    visit: &mut dyn FnMut(Map<String, Value>),
    unreadable: &mut Vec<ReadError>,
) {
    let root_meta = match scan.target.lstat(root) {
        Ok(m) => m,
        Err(e) => {
            if !e.is_not_found() {
                scan.note_unreadable(&e);
                unreadable.push(e);
            }
            return;
        }
    };
    let live = scan.target.is_live();
    let mut stack = vec![(root.to_string(), 0usize)];
    let mut seen = 0usize;
    while let Some((dir, depth)) = stack.pop() {
        let entries = match scan.target.read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                scan.note_unreadable(&e);
                unreadable.push(e);
                continue;
            }
        };
        let mut subdirs = Vec::new();
        for e in entries {
            seen += 1;
            if seen > MAX_WALK_ENTRIES {
                let err = ReadError::Io { path: root.to_string(), message: format!("walk stopped after {MAX_WALK_ENTRIES} entries") };
                scan.note_unreadable(&err);
                unreadable.push(err);
                return;
            }
            if exclude.iter().any(|x| e.path == *x || e.path.starts_with(&format!("{x}/"))) {
                continue;
            }
            if live && PSEUDO.contains(&e.path.as_str()) {
                continue;
            }
            let meta = match scan.target.lstat(&e.path) {
                Ok(m) => m,
                Err(err) => {
                    scan.note_unreadable(&err);
                    unreadable.push(err);
                    continue;
                }
            };
            let mut m = item(Some(&e.path), None, "");
            fill(scan, &mut m, &meta);
            if meta.file_type == FileType::Dir && depth + 1 < max_depth && meta.dev == root_meta.dev {
                subdirs.push((e.path.clone(), depth + 1));
            }
            visit(m);
        }
        stack.extend(subdirs.into_iter().rev());
    }
}
