//! [`Reader`]: how every collector reads the target. It wraps the target
//! with the scan's typed record of what could not be read (listed in every
//! report as `skipped`) and the target's own user and group names.

use crate::limits;
use crate::model::Skipped;
use crate::target::{self, ReadError, Target, TextFile};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

/// `f` if it has at most [`limits::FILE_LINES`] lines.
pub(crate) fn within_lines(f: TextFile) -> Result<TextFile, ReadError> {
    let lines = f.text.bytes().filter(|b| *b == b'\n').count();
    if lines > limits::FILE_LINES {
        return Err(ReadError::TooManyLines { path: f.path, lines, limit: limits::FILE_LINES });
    }
    Ok(f)
}

/// The target, read through one place that records what it could not read.
pub struct Reader {
    pub target: Arc<dyn Target>,
    skipped: Mutex<BTreeSet<Skipped>>,
    names: OnceLock<Names>,
    /// Directory listings shared by this scan's globs.
    listings: target::Listings,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Reader({:?})", self.target)
    }
}

impl Reader {
    pub fn new(target: Arc<dyn Target>) -> Reader {
        Reader { target, skipped: Mutex::new(BTreeSet::new()), names: OnceLock::new(), listings: Default::default() }
    }

    /// Whether live state (/proc, sockets) belongs to the target.
    pub fn is_live(&self) -> bool {
        self.target.is_live()
    }

    /// Record something the scan could not read (listed in every report).
    /// A missing file is not recorded: it is absent, not unreadable.
    pub fn note_unreadable(&self, e: &ReadError) {
        if e.is_not_found() {
            return;
        }
        if let Ok(mut s) = self.skipped.lock() {
            s.insert(Skipped { path: e.path().to_string(), reason: e.reason() });
        }
    }

    /// Everything recorded as unreadable so far, sorted.
    pub fn skipped(&self) -> Vec<Skipped> {
        self.skipped.lock().map(|s| s.iter().cloned().collect()).unwrap_or_default()
    }

    /// Read a text file, recording it if it cannot be read.
    /// A file of more than [`limits::FILE_LINES`] lines is not read (no
    /// configuration a person maintains is that long; each line costs every
    /// parser and check that reads it).
    pub fn read_text(&self, path: &str) -> Result<TextFile, ReadError> {
        let r = self.target.read_text(path).and_then(within_lines);
        if let Err(e) = &r {
            self.note_unreadable(e);
        }
        r
    }

    /// Read a text file of any number of lines (package databases, which
    /// are long by nature and parsed in one linear pass), recording it if it
    /// cannot be read.
    pub fn read_text_long(&self, path: &str) -> Result<TextFile, ReadError> {
        let r = self.target.read_text(path);
        if let Err(e) = &r {
            self.note_unreadable(e);
        }
        r
    }

    /// Expand a glob (sorted), recording unreadable directories.
    pub fn glob(&self, pattern: &str) -> Vec<String> {
        self.glob_with_errors(pattern).0
    }

    /// A glob's matches and the directories it could not list (recorded as
    /// skipped too): a collector whose input they may hold is not complete.
    pub fn glob_with_errors(&self, pattern: &str) -> (Vec<String>, Vec<ReadError>) {
        let (paths, errors) = target::glob(self.target.as_ref(), pattern, Some(&self.listings));
        for e in &errors {
            self.note_unreadable(e);
        }
        (paths, errors)
    }

    /// The paths a pattern names: a glob's matches, or the path itself.
    pub fn expand(&self, pattern: &str) -> Vec<String> {
        if pattern.contains(['*', '?', '[']) {
            self.glob(pattern)
        } else {
            vec![pattern.to_string()]
        }
    }

    /// The in-target path a path resolves to (symlinks followed inside the
    /// target), or the path itself when it cannot be resolved.
    pub fn resolved(&self, path: &str) -> String {
        self.target.stat(path).map(|m| m.path).unwrap_or_else(|_| path.to_string())
    }

    /// uid → user name and gid → group name, from the target's own files.
    pub fn names(&self) -> &Names {
        self.names.get_or_init(|| Names::load(self.target.as_ref()))
    }
}

/// User and group names of the target (not of the host running hardcheck).
#[derive(Debug, Default)]
pub struct Names {
    pub users: HashMap<u32, String>,
    pub groups: HashMap<u32, String>,
}

impl Names {
    fn load(target: &dyn Target) -> Names {
        let mut n = Names::default();
        for (file, map) in [("/etc/passwd", &mut n.users), ("/etc/group", &mut n.groups)] {
            if let Ok(f) = target.read_text(file) {
                for line in f.text.lines() {
                    let mut parts = line.split(':');
                    if let (Some(name), Some(_), Some(id)) = (parts.next(), parts.next(), parts.next()) {
                        if let Ok(id) = id.trim().parse::<u32>() {
                            map.entry(id).or_insert_with(|| name.to_string());
                        }
                    }
                }
            }
        }
        n
    }

    /// The user's name, or the uid as text.
    pub fn user(&self, uid: u32) -> String {
        self.users.get(&uid).cloned().unwrap_or_else(|| uid.to_string())
    }

    /// The group's name, or the gid as text.
    pub fn group(&self, gid: u32) -> String {
        self.groups.get(&gid).cloned().unwrap_or_else(|| gid.to_string())
    }
}
