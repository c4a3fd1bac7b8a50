//! A bounded, depth-first walk of application directories (`app_paths`),
//! shared by the collectors that look for files by name under them (env and
//! compose files, SQL scripts, policy documents).
//!
//! The walk never follows a symbolic link to a directory, stays on the
//! filesystem of its start, never enters `/proc`, `/sys`, `/dev` or `/run` of
//! a live host, and stops at [`Bounds`] (depth, directory entries, files
//! taken), saying so in [`Walked::truncated`]. The caller's `choose` decides
//! which directories to enter and which files to take, from the entry's name
//! and type as the directory listing gives them, so that entries nobody
//! wants cost no `lstat`. A directory that cannot be listed is recorded in
//! the scan's skipped paths (it does not make a check skip by itself).

use super::Reader;
use crate::target::{self, FileMeta, FileType, OpenDir, ReadError};

/// Where applications keep their files and configuration: the default of
/// the `app_paths` parameter.
pub const DEFAULT_APP_PATHS: &[&str] = &["/srv", "/opt", "/var/www", "/etc", "/root", "/home"];

/// Directories that hold dependencies, VCS data, toolchains and caches, not
/// an application's own files: no walk enters them.
pub const DEPENDENCY_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "bower_components",
    "vendor",
    "site-packages",
    "dist-packages",
    "__pycache__",
    ".tox",
    ".cache",
    ".npm",
    ".cargo",
    ".rustup",
    ".m2",
    ".gradle",
    ".pyenv",
    ".rbenv",
    ".nvm",
    ".venv",
    "venv",
    ".virtualenvs",
    "lost+found",
];

/// Test and sample trees: their secrets and policies are examples.
pub const SAMPLE_DIRS: &[&str] = &["test", "tests", "testdata", "__tests__", "fixtures", "examples", "samples"];

/// A dependency or sample directory (see [`DEPENDENCY_DIRS`], [`SAMPLE_DIRS`]).
pub fn dependency_or_sample(name: &str) -> bool {
    DEPENDENCY_DIRS.contains(&name) || SAMPLE_DIRS.contains(&name)
}

/// Pseudo filesystems of a live host: nothing to find there, and reading
/// them can block.
pub const PSEUDO: &[&str] = &["/proc", "/sys", "/dev", "/run"];

/// Where a walk stops.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Directory levels below the start that are entered.
    pub depth: usize,
    /// Directory entries looked at, in all.
    pub entries: usize,
    /// Files taken, in all.
    pub files: usize,
}

/// One directory entry offered to the caller's `choose`.
pub struct Entry<'a> {
    /// The directory it is in.
    pub dir: &'a str,
    pub path: &'a str,
    pub name: &'a str,
    /// The entry's own type (a symlink is `Symlink`, not followed).
    pub kind: FileType,
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walked {
    /// Files taken, in walk order (a directory's files in name order, then
    /// its subdirectories in name order), each with its `lstat` metadata.
    pub files: Vec<(String, FileMeta)>,
    /// A bound was reached: the walk is incomplete.
    pub truncated: bool,
}

/// Walk every start directory in order with one set of bounds. `choose` is
/// asked about each directory (enter it?) and each other entry (take it?).
/// Entries are examined relative to their open directory (`lstat_in`,
/// `open_dir_in`), which the walk holds for the directories it is inside.
pub fn walk(scan: &Reader, starts: &[&str], bounds: Bounds, mut choose: impl FnMut(&Entry) -> bool) -> Walked {
    let mut out = Walked::default();
    let mut entries = 0usize;
    for start in starts.iter().filter(|s| s.starts_with('/')) {
        let start = target::normalize(start);
        let root = match scan.target.lstat(&start) {
            Ok(m) if m.file_type == FileType::Dir => m,
            _ => continue,
        };
        let Some(first) = opened(scan, scan.target.open_dir(&start)) else { continue };
        // The directories the walk is inside, each with the subdirectories
        // of it still to enter (depth-first in name order).
        let mut stack: Vec<(OpenDir, std::vec::IntoIter<String>, usize)> = Vec::new();
        let mut next = Some((first, 0usize));
        loop {
            if let Some((dir, depth)) = next.take() {
                let Some(subdirs) =
                    take_entries(scan, &dir, depth, root.dev, bounds, &mut entries, &mut out, &mut choose)
                else {
                    return out;
                };
                stack.push((dir, subdirs.into_iter(), depth));
            }
            let Some((dir, subdirs, depth)) = stack.last_mut() else { break };
            match subdirs.next() {
                Some(name) => next = opened(scan, scan.target.open_dir_in(dir, &name)).map(|d| (d, *depth + 1)),
                None => {
                    stack.pop();
                }
            }
        }
    }
    out
}

/// A directory opened by the walk, or `None` (noted in the scan's skipped
/// paths unless it vanished or is no directory).
fn opened(scan: &Reader, dir: Result<OpenDir, ReadError>) -> Option<OpenDir> {
    match dir {
        Ok(d) => Some(d),
        Err(e) => {
            if !e.is_not_found() && !matches!(e, ReadError::NotDir { .. }) {
                scan.note_unreadable(&e);
            }
            None
        }
    }
}

/// Offer the entries of `dir` to `choose`: files taken go to `out`, the
/// names of the subdirectories to enter are returned; `None` when a bound
/// was reached (`out.truncated`).
#[allow(clippy::too_many_arguments)]
fn take_entries(
    scan: &Reader,
    dir: &OpenDir,
    depth: usize,
    dev: u64,
    bounds: Bounds,
    entries: &mut usize,
    out: &mut Walked,
    choose: &mut impl FnMut(&Entry) -> bool,
) -> Option<Vec<String>> {
    let live = scan.target.is_live();
    let mut subdirs = Vec::new();
    for e in &dir.entries {
        *entries += 1;
        if *entries > bounds.entries || out.files.len() >= bounds.files {
            out.truncated = true;
            return None;
        }
        if live && PSEUDO.contains(&e.path.as_str()) {
            continue;
        }
        let kind = match e.kind {
            Some(k) => k,
            None => match scan.target.lstat_in(dir, &e.name) {
                Ok(m) => m.file_type,
                Err(_) => continue,
            },
        };
        let entry = Entry { dir: &dir.path, path: &e.path, name: &e.name, kind };
        if kind == FileType::Dir {
            if depth >= bounds.depth || !choose(&entry) {
                continue;
            }
            // One filesystem: a mount below an app path is not the app's.
            if scan.target.lstat_in(dir, &e.name).is_ok_and(|m| m.dev == dev) {
                subdirs.push(e.name.clone());
            }
        } else if choose(&entry) {
            if let Ok(meta) = scan.target.lstat_in(dir, &e.name) {
                out.files.push((e.path.clone(), meta));
            }
        }
    }
    Some(subdirs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::FsTarget;
    use std::sync::Arc;

    #[test]
    fn bounded_depth_first_without_symlinked_dirs() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        for d in ["srv/a/b/c", "srv/skip", "outside"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        for f in ["srv/a/x.sql", "srv/a/b/y.sql", "srv/a/b/c/z.sql", "srv/skip/w.sql", "srv/a/n.txt"] {
            std::fs::write(root.join(f), "x").unwrap();
        }
        std::fs::write(t.path().join("o.sql"), "x").unwrap();
        std::os::unix::fs::symlink(t.path(), root.join("srv/linked")).unwrap();
        let scan = Reader::new(Arc::new(FsTarget::root(&root).unwrap()));
        let want = |e: &Entry| if e.kind == FileType::Dir { e.name != "skip" } else { e.name.ends_with(".sql") };
        let all = walk(&scan, &["/srv", "/missing"], Bounds { depth: 8, entries: 100, files: 100 }, want);
        let paths: Vec<&str> = all.files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["/srv/a/x.sql", "/srv/a/b/y.sql", "/srv/a/b/c/z.sql"]);
        assert!(!all.truncated);
        let shallow = walk(&scan, &["/srv"], Bounds { depth: 1, entries: 100, files: 100 }, want);
        assert_eq!(shallow.files.len(), 1);
        let capped = walk(&scan, &["/srv"], Bounds { depth: 8, entries: 100, files: 2 }, want);
        assert_eq!(capped.files.len(), 2);
        assert!(capped.truncated);
    }
}
