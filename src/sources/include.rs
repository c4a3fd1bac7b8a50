//! One include-following reader for every configuration that pulls in other
//! files (sshd `Include`, nginx `include`, Apache `Include`, PostgreSQL
//! `include_dir`, MySQL `!includedir`, Redis `include`, sudoers
//! `@includedir`, PAM `@include`, apt `#include`).
//!
//! Each program keeps its own syntax and its own rules for where a relative
//! path points; what they share lives here: a file that is already being
//! read further up the include chain is not read again (an include loop),
//! nesting, files and bytes are bounded ([`crate::limits::Includes`]),
//! globs and directories are expanded in name order, and what cannot be
//! read is recorded, typed, for the facts and for the report.

use super::Reader;
use crate::limits;
use crate::target::{DirEntry, ReadError, TextFile};

/// Why an include-following reader did not read a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// The file is already being read further up the chain: an include loop.
    Loop,
    /// Includes nest deeper than the bound.
    TooDeep,
    /// The configuration reached its bound on files or bytes.
    TooMany,
    /// The file could not be read (missing, or unreadable).
    Read(ReadError),
}

impl Skip {
    pub fn is_not_found(&self) -> bool {
        matches!(self, Skip::Read(e) if e.is_not_found())
    }
}

/// Reads one configuration: a main file and everything it includes.
pub struct Includes<'r> {
    pub reader: &'r Reader,
    bounds: limits::Includes,
    /// Resolved paths of the files being read, outermost first.
    chain: Vec<String>,
    /// Every file read, in the order read (as named, not resolved).
    files: Vec<String>,
    bytes: u64,
    lines: usize,
    /// Include directives followed ([`limits::INCLUDE_DIRECTIVES`]).
    attempts: usize,
    unreadable: Vec<ReadError>,
    /// Keys a collector asked [`Includes::first_time`] about.
    seen: std::collections::HashSet<String>,
}

impl<'r> Includes<'r> {
    pub fn new(reader: &'r Reader, bounds: limits::Includes) -> Includes<'r> {
        Includes {
            reader,
            bounds,
            chain: Vec::new(),
            files: Vec::new(),
            bytes: 0,
            lines: 0,
            attempts: 0,
            unreadable: Vec::new(),
            seen: Default::default(),
        }
    }

    /// Read `path` at include depth `depth` (0 for a main file) and hand it
    /// to `f`; the file stays on the include chain while `f` runs, so that
    /// an include of it from within is a [`Skip::Loop`].
    pub fn read<T>(&mut self, path: &str, depth: usize, f: impl FnOnce(&mut Self, TextFile) -> T) -> Result<T, Skip> {
        self.attempts += 1;
        if self.exhausted() {
            return Err(Skip::TooMany);
        }
        if depth > self.bounds.depth {
            return Err(Skip::TooDeep);
        }
        let key = self.reader.resolved(path);
        if self.chain.contains(&key) {
            return Err(Skip::Loop);
        }
        if self.files.len() >= self.bounds.files || self.bytes >= self.bounds.bytes || self.lines >= self.bounds.lines {
            return Err(Skip::TooMany);
        }
        let file = self.reader.read_text(path).map_err(Skip::Read)?;
        let lines = file.text.lines().count();
        // The file that would cross the line bound is not read at all.
        if self.lines + lines > self.bounds.lines {
            self.lines = self.bounds.lines;
            return Err(Skip::TooMany);
        }
        self.lines += lines;
        self.bytes = self.bytes.saturating_add(file.text.len() as u64);
        self.files.push(path.to_string());
        self.chain.push(key);
        let out = f(self, file);
        self.chain.pop();
        Ok(out)
    }

    /// Whether this configuration meets `key` (a directory, a file in a
    /// context) for the first time: a collector whose program gains nothing
    /// from reading the same thing twice reads it once.
    pub fn first_time(&mut self, key: String) -> bool {
        self.seen.insert(key)
    }

    /// Whether `path` is being read further up the chain.
    pub fn in_chain(&self, path: &str) -> bool {
        self.chain.contains(&self.reader.resolved(path))
    }

    /// The paths a pattern names: a glob's matches in name order
    /// (unreadable directories recorded), or the path itself. Past the bound
    /// on include directives the pattern is not expanded (its read then
    /// stops on the bound).
    pub fn expand(&mut self, pattern: &str) -> Vec<String> {
        self.attempts += 1;
        if self.exhausted() {
            return vec![pattern.to_string()];
        }
        if !pattern.contains(['*', '?', '[']) {
            return vec![pattern.to_string()];
        }
        // A directory the glob cannot list may hold included settings: the
        // configuration is incomplete, and its checks must not pass.
        let (paths, errors) = self.reader.glob_with_errors(pattern);
        for e in errors {
            self.record(e);
        }
        paths
    }

    /// Whether the configuration followed more include directives than
    /// [`limits::INCLUDE_DIRECTIVES`].
    fn exhausted(&self) -> bool {
        self.attempts > limits::INCLUDE_DIRECTIVES
    }

    /// The entries of an included directory, in name (byte) order.
    pub fn dir(&self, dir: &str) -> Result<Vec<DirEntry>, ReadError> {
        let mut list = self.reader.target.read_dir(dir)?;
        list.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        Ok(list)
    }

    /// Record an input that could not be read (a missing one is not recorded).
    pub fn record(&mut self, e: ReadError) {
        if !e.is_not_found() && !self.unreadable.contains(&e) {
            self.reader.note_unreadable(&e);
            self.unreadable.push(e);
        }
    }

    /// Record why `path` was not read, as an unreadable input.
    pub fn record_skip(&mut self, path: &str, skip: Skip) {
        if let Some(e) = self.skip_error(path, skip) {
            self.record(e);
        }
    }

    /// Record why a file listed in an included directory was not read: one
    /// that is listed but not found is a link whose target is missing.
    pub fn record_listed(&mut self, path: &str, skip: Skip) {
        if skip.is_not_found() {
            if let Ok(link) = self.reader.target.read_link(path) {
                self.record(ReadError::DanglingSymlink { path: path.to_string(), link });
            }
            return;
        }
        self.record_skip(path, skip);
    }

    /// The reason a file was skipped, as a read error naming it (`None` for
    /// a missing file).
    pub fn skip_error(&self, path: &str, skip: Skip) -> Option<ReadError> {
        let message = match skip {
            Skip::Read(e) if e.is_not_found() => return None,
            Skip::Read(e) => return Some(e),
            Skip::Loop => "include loop (the file includes itself)".to_string(),
            Skip::TooDeep => format!("not read: includes nested deeper than {} levels", self.bounds.depth),
            Skip::TooMany => return Some(ReadError::Limit { path: path.to_string(), message: self.bound_reached() }),
        };
        Some(ReadError::Io { path: path.to_string(), message })
    }

    /// Why a file was not read on [`Skip::TooMany`].
    pub fn bound_reached(&self) -> String {
        format!(
            "not read: more than {} files, {} bytes, {} lines or {} include directives in one configuration",
            self.bounds.files,
            self.bounds.bytes,
            self.bounds.lines,
            limits::INCLUDE_DIRECTIVES
        )
    }

    /// The files read so far, in order.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// Bytes read so far (a file read again counted again).
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// What could not be read so far.
    pub fn unreadable(&self) -> &[ReadError] {
        &self.unreadable
    }

    /// The files read and what could not be read.
    pub fn finish(self) -> (Vec<String>, Vec<ReadError>) {
        (self.files, self.unreadable)
    }
}

/// The notes of one configuration (syntax errors, includes not read), as
/// `{path, line, detail}` items: each note kept once, at most
/// [`limits::CONFIG_NOTES`], the rest counted in a last note.
#[derive(Debug, Default)]
pub struct Notes {
    items: Vec<serde_json::Value>,
    seen: std::collections::HashSet<(String, Option<usize>, String)>,
    dropped: usize,
}

impl Notes {
    pub fn push(&mut self, path: &str, line: Option<usize>, msg: String) {
        if self.items.len() >= limits::CONFIG_NOTES {
            self.dropped += 1;
            return;
        }
        if self.seen.insert((path.to_string(), line, msg.clone())) {
            self.items.push(serde_json::Value::Object(super::item(Some(path), line, msg)));
        }
    }

    /// The notes kept, and one counting those left out.
    pub fn finish(mut self) -> Vec<serde_json::Value> {
        if self.dropped > 0 {
            let msg =
                format!("{} more notes not kept (at most {} per configuration)", self.dropped, limits::CONFIG_NOTES);
            self.items.push(serde_json::Value::Object(super::item(None, None, msg)));
        }
        self.items
    }
}

/// The directory of an in-target path (`/` for a top-level file).
pub fn dir_of(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some(("", _)) | None => "/",
        Some((d, _)) => d,
    }
}

/// `p` taken relative to the directory of `base_file` (an absolute `p` as it
/// is), normalised.
pub fn relative_to(base_file: &str, p: &str) -> String {
    crate::target::normalize(&crate::target::join(dir_of(base_file), p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::FsTarget;
    use std::sync::Arc;

    fn reader(files: &[(&str, &str)]) -> (tempfile::TempDir, Reader) {
        let dir = tempfile::tempdir().unwrap();
        for (p, text) in files {
            let full = dir.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        let r = Reader::new(Arc::new(FsTarget::root(dir.path()).unwrap()));
        (dir, r)
    }

    /// A toy format: `include PATH` lines, everything else collected.
    fn load(inc: &mut Includes, path: &str, depth: usize, out: &mut Vec<String>, skips: &mut Vec<(String, Skip)>) {
        let r = inc.read(path, depth, |inc, f| {
            for l in f.text.lines() {
                match l.strip_prefix("include ") {
                    Some(p) => {
                        for p in inc.expand(&relative_to(path, p)) {
                            load(inc, &p, depth + 1, out, skips);
                        }
                    }
                    None => out.push(l.to_string()),
                }
            }
        });
        if let Err(s) = r {
            skips.push((path.to_string(), s));
        }
    }

    #[test]
    fn loops_depth_globs_and_bounds() {
        let (_d, r) = reader(&[
            ("/etc/a.conf", "1\ninclude b.conf\ninclude d/*.conf\ninclude missing.conf\n"),
            ("/etc/b.conf", "2\ninclude a.conf\n"),
            ("/etc/d/2.conf", "4\n"),
            ("/etc/d/1.conf", "3\ninclude 1.conf\n"),
        ]);
        let mut inc = Includes::new(&r, limits::INCLUDES);
        let (mut out, mut skips) = (Vec::new(), Vec::new());
        load(&mut inc, "/etc/a.conf", 0, &mut out, &mut skips);
        assert_eq!(out, ["1", "2", "3", "4"]);
        assert_eq!(skips[0], ("/etc/a.conf".to_string(), Skip::Loop));
        assert_eq!(skips[1], ("/etc/d/1.conf".to_string(), Skip::Loop));
        assert!(skips[2].1.is_not_found());
        assert_eq!(inc.files(), ["/etc/a.conf", "/etc/b.conf", "/etc/d/1.conf", "/etc/d/2.conf"]);
        // A file included twice from different places is read twice, but
        // the bounds hold.
        let mut inc = Includes::new(&r, limits::Includes { depth: 0, files: 1, bytes: 1 << 20, lines: 1000 });
        let (mut out, mut skips) = (Vec::new(), Vec::new());
        load(&mut inc, "/etc/a.conf", 0, &mut out, &mut skips);
        assert_eq!(out, ["1"]);
        assert!(skips.iter().all(|(_, s)| *s == Skip::TooDeep), "{skips:?}");
        let e = inc.skip_error("/etc/x", Skip::TooMany).unwrap();
        assert!(e.to_string().contains("more than 1 files"), "{e}");
        // Include directives are bounded too: a file of `include` lines of
        // itself read again and again stops on the bound.
        let many = "include self.conf\n".repeat(15_000);
        let (_d, r) = reader(&[("/etc/self.conf", many.as_str())]);
        let mut inc = Includes::new(&r, limits::INCLUDES);
        let (mut out, mut skips) = (Vec::new(), Vec::new());
        load(&mut inc, "/etc/self.conf", 0, &mut out, &mut skips);
        let loops = skips.iter().filter(|(_, s)| *s == Skip::Loop).count();
        assert_eq!(skips.len(), 15_000);
        // Each line expands a pattern and asks for a file: two directives.
        assert_eq!(loops, limits::INCLUDE_DIRECTIVES / 2 - 1);
        assert_eq!(skips.iter().filter(|(_, s)| *s == Skip::TooMany).count(), 15_000 - loops);
        assert_eq!(inc.skip_error("/etc/x", Skip::Read(ReadError::NotFound { path: "/etc/x".into() })), None);
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative_to("/etc/redis/redis.conf", "local.conf"), "/etc/redis/local.conf");
        assert_eq!(relative_to("/etc/redis/redis.conf", "/x/../y.conf"), "/y.conf");
        assert_eq!(relative_to("/redis.conf", "a"), "/a");
        assert_eq!(dir_of("/a"), "/");
        assert_eq!(dir_of("a"), "/");
    }
}
