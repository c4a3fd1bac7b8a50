//! `sudoers`: `/etc/sudoers` with `#include`/`@include` and
//! `#includedir`/`@includedir` followed the way sudo does (sudoers(5)):
//! included directories skip names ending in `~` or containing `.`, files are
//! read in lexical order; a trailing backslash continues a line.
//!
//! Entries: `{path, line, kind: defaults|rule|alias, text, user, nopasswd,
//! nopasswd_all, no_authenticate}`.

use crate::sources::{item, Scan, Unavailable};
use crate::target::{FileType, ReadError};
use serde_json::{json, Map, Value};

pub const MAIN: &str = "/etc/sudoers";
const MAX_DEPTH: usize = 8;
/// Most files one configuration may pull in.
const MAX_FILES: usize = 256;

struct Reader<'a> {
    scan: &'a Scan,
    /// Files being read (the include chain), for loop detection.
    stack: Vec<String>,
    /// Files read so far.
    reads: usize,
    entries: Vec<Value>,
    files: Vec<String>,
    unreadable: Vec<ReadError>,
}

fn resolve(base: &str, p: &str) -> String {
    if p.starts_with('/') {
        p.to_string()
    } else {
        let dir = base.rsplit_once('/').map(|(d, _)| d).unwrap_or("/etc");
        format!("{dir}/{p}")
    }
}

/// `#include`/`@includedir` and friends: the argument after the keyword,
/// which sudo requires to be separated by blanks (`#includes are…` is a comment).
fn directive<'a>(t: &'a str, keyword: &str) -> Option<&'a str> {
    let rest = t.strip_prefix('@').or_else(|| t.strip_prefix('#'))?.strip_prefix(keyword)?;
    rest.starts_with([' ', '\t']).then(|| rest.trim())
}

/// Whether a `#` at byte `i` starts a comment: in sudoers `#` followed by a
/// number is a uid or gid (`#0`, `%#1000`, `(#0)`), anything else a comment.
fn starts_comment(t: &str, i: usize) -> bool {
    let rest = &t[i + 1..];
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    !rest.starts_with(|c: char| c.is_ascii_digit())
}

/// A logical line without its trailing comment (outside double quotes and
/// backslash escapes), trimmed.
fn strip_comment(t: &str) -> &str {
    let (mut quoted, mut escaped) = (false, false);
    for (i, c) in t.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            '#' if !quoted && starts_comment(t, i) => return t[..i].trim(),
            _ => {}
        }
    }
    t.trim()
}

/// Judge a user specification: NOPASSWD anywhere, and NOPASSWD for `ALL` commands.
fn rule_flags(text: &str) -> (bool, bool) {
    let Some((_, cmds)) = text.split_once('=') else { return (false, false) };
    let (mut nopasswd_any, mut nopasswd_all, mut nopasswd) = (false, false, false);
    for spec in cmds.split(',') {
        let mut s = spec.trim();
        if s.starts_with('(') {
            s = s.find(')').map(|i| s[i + 1..].trim()).unwrap_or(s);
        }
        while let Some((tag, rest)) = s.split_once(':') {
            let tag = tag.trim();
            if tag.is_empty() || !tag.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                break;
            }
            match tag {
                "NOPASSWD" => nopasswd = true,
                "PASSWD" => nopasswd = false,
                _ => {}
            }
            s = rest.trim();
        }
        if nopasswd {
            nopasswd_any = true;
            if s == "ALL" {
                nopasswd_all = true;
            }
        }
    }
    (nopasswd_any, nopasswd_all)
}

impl Reader<'_> {
    /// Read one file, refusing include cycles (a file that includes itself,
    /// directly or through others) and stopping after [`MAX_FILES`] files.
    fn read(&mut self, path: &str, depth: usize) -> Result<(), ReadError> {
        if self.stack.iter().any(|p| p == path) {
            self.unreadable.push(ReadError::Io {
                path: path.to_string(),
                message: "include loop (the file includes itself)".into(),
            });
            return Ok(());
        }
        if self.reads >= MAX_FILES {
            self.unreadable.push(ReadError::Io {
                path: path.to_string(),
                message: format!("not read: more than {MAX_FILES} included files"),
            });
            return Ok(());
        }
        self.reads += 1;
        self.stack.push(path.to_string());
        let r = self.read_inner(path, depth);
        self.stack.pop();
        r
    }

    fn read_inner(&mut self, path: &str, depth: usize) -> Result<(), ReadError> {
        let file = self.scan.read_text(path)?;
        self.files.push(path.to_string());
        let mut logical = String::new();
        let mut start = 0usize;
        for (i, raw) in file.text.lines().enumerate() {
            if logical.is_empty() {
                start = i + 1;
            }
            if let Some(cont) = raw.strip_suffix('\\') {
                logical.push_str(cont);
                logical.push(' ');
                continue;
            }
            logical.push_str(raw);
            let line = std::mem::take(&mut logical);
            let t = line.trim();
            if t.is_empty() {
                continue;
            }
            if let Some(arg) = directive(t, "includedir") {
                let dir = resolve(path, arg);
                if depth >= MAX_DEPTH {
                    continue;
                }
                match self.scan.target.read_dir(&dir) {
                    Ok(list) => {
                        for e in list {
                            if e.name.ends_with('~') || e.name.contains('.') {
                                continue;
                            }
                            // sudo reads only regular files (after following symlinks):
                            // a subdirectory or FIFO is not an include. Anything that
                            // cannot be resolved is left to `read`, which reports it.
                            // (`stat` can return the link itself when its target does
                            // not resolve: that case is also left to `read`.)
                            if let Ok(meta) = self.scan.target.stat(&e.path) {
                                if !matches!(meta.file_type, FileType::File | FileType::Symlink) {
                                    continue;
                                }
                            }
                            match self.read(&e.path, depth + 1) {
                                Ok(()) => {}
                                Err(err) if err.is_not_found() => {
                                    // Listed but not found: a link whose target (or a
                                    // directory on the way to it) is missing in the target.
                                    if let Ok(link) = self.scan.target.read_link(&e.path) {
                                        let err = ReadError::DanglingSymlink { path: e.path.clone(), link };
                                        self.scan.note_unreadable(&err);
                                        self.unreadable.push(err);
                                    }
                                }
                                Err(err) => self.unreadable.push(err),
                            }
                        }
                    }
                    Err(e) if e.is_not_found() => {}
                    Err(e) => {
                        self.scan.note_unreadable(&e);
                        self.unreadable.push(e)
                    }
                }
                continue;
            }
            if let Some(arg) = directive(t, "include") {
                if depth < MAX_DEPTH {
                    match self.read(&resolve(path, arg), depth + 1) {
                        Ok(()) => {}
                        Err(err) if err.is_not_found() => {}
                        Err(err) => self.unreadable.push(err),
                    }
                }
                continue;
            }
            if t.starts_with('#') && starts_comment(t, 0) {
                continue;
            }
            let t = strip_comment(t);
            if t.is_empty() {
                continue;
            }
            let first = t.split_whitespace().next().unwrap_or("");
            let kind = if first.starts_with("Defaults") {
                "defaults"
            } else if first.ends_with("_Alias") {
                "alias"
            } else {
                "rule"
            };
            let (nopasswd, nopasswd_all) = if kind == "rule" { rule_flags(t) } else { (false, false) };
            let no_auth = kind == "defaults"
                && t.split(|c: char| c == ',' || c.is_whitespace()).any(|w| w.trim() == "!authenticate");
            let mut m: Map<String, Value> = item(Some(path), Some(start), t);
            m.insert("kind".into(), kind.into());
            m.insert("text".into(), t.into());
            m.insert("user".into(), if kind == "rule" { first.into() } else { Value::Null });
            m.insert("nopasswd".into(), nopasswd.into());
            m.insert("nopasswd_all".into(), nopasswd_all.into());
            m.insert("no_authenticate".into(), no_auth.into());
            self.entries.push(Value::Object(m));
        }
        Ok(())
    }
}

pub fn collect(scan: &Scan) -> Result<Value, Unavailable> {
    let mut r =
        Reader { scan, stack: Vec::new(), reads: 0, entries: Vec::new(), files: Vec::new(), unreadable: Vec::new() };
    match r.read(MAIN, 0) {
        Ok(()) => {}
        Err(e) if e.is_not_found() => {
            return Err(Unavailable::NotFound(format!("{MAIN} not found (sudo not installed)")))
        }
        Err(e) => return Err(Unavailable::Unreadable(e)),
    }
    let unreadable: Vec<Value> = r.unreadable.iter().map(|e| json!({"path": e.path(), "reason": e.reason()})).collect();
    Ok(json!({"exists": true, "files": r.files, "entries": r.entries, "unreadable": unreadable}))
}

#[cfg(test)]
mod tests {
    use super::{directive, rule_flags, strip_comment};

    #[test]
    fn nopasswd_rules() {
        assert_eq!(rule_flags("deploy ALL=(ALL) NOPASSWD: ALL"), (true, true));
        assert_eq!(rule_flags("deploy ALL=(root) NOPASSWD: /usr/bin/systemctl restart app"), (true, false));
        assert_eq!(rule_flags("%sudo ALL=(ALL:ALL) ALL"), (false, false));
        assert_eq!(rule_flags("ops ALL = NOPASSWD: /bin/ls, PASSWD: ALL"), (true, false));
        assert_eq!(rule_flags("#0 ALL=(#0) NOPASSWD:SETENV: ALL"), (true, true));
    }

    #[test]
    fn comments_and_directives() {
        assert_eq!(strip_comment("deploy ALL=(ALL) NOPASSWD: ALL # temporary"), "deploy ALL=(ALL) NOPASSWD: ALL");
        assert_eq!(strip_comment("%#1000 ALL=(#0) ALL"), "%#1000 ALL=(#0) ALL");
        assert_eq!(strip_comment("Defaults lecture_file=\"/etc/a#b\""), "Defaults lecture_file=\"/etc/a#b\"");
        assert_eq!(directive("#includedir /etc/sudoers.d", "includedir"), Some("/etc/sudoers.d"));
        assert_eq!(directive("@include\tsudoers.local", "include"), Some("sudoers.local"));
        assert_eq!(directive("#includes are described in sudoers(5)", "include"), None);
        assert_eq!(directive("#includedir /etc/sudoers.d", "include"), None);
    }
}
