//! `sudoers`: `/etc/sudoers` with `#include`/`@include` and
//! `#includedir`/`@includedir` followed the way sudo does (sudoers(5)):
//! included directories skip names ending in `~` or containing `.`, files are
//! read in lexical order; a trailing backslash continues a line.
//!
//! Entries: `{path, line, kind: defaults|rule|alias, text, user, nopasswd,
//! nopasswd_all, no_authenticate}`.

use crate::limits;
use crate::sources::include::{relative_to, Includes, Skip};
use crate::sources::{item, Fact, Reader, Unavailable};
use crate::target::FileType;
use serde_json::{json, Map, Value};

pub const MAIN: &str = "/etc/sudoers";

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

/// Read one file with its includes, appending its entries. A loop or too
/// many files is recorded; includes nested deeper than the bound are not
/// followed.
fn read_file(inc: &mut Includes, path: &str, depth: usize, entries: &mut Vec<Value>) -> Result<(), Skip> {
    inc.read(path, depth, |inc, file| {
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
                include_dir(inc, &relative_to(path, arg), depth + 1, entries);
                continue;
            }
            if let Some(arg) = directive(t, "include") {
                let p = relative_to(path, arg);
                match read_file(inc, &p, depth + 1, entries) {
                    Err(Skip::TooDeep) => {}
                    Err(skip) => inc.record_skip(&p, skip),
                    Ok(()) => {}
                }
                continue;
            }
            if let Some(e) = entry(path, start, t) {
                entries.push(e);
            }
        }
    })
}

/// `@includedir`: every file of the directory whose name has no `.` and does
/// not end in `~`, in name order.
fn include_dir(inc: &mut Includes, dir: &str, depth: usize, entries: &mut Vec<Value>) {
    // A directory included again adds its files again, rules sudo already
    // has: it is read once per configuration (`#includedir /etc` repeated
    // would read every file of /etc as sudoers each time).
    if !inc.first_time(inc.reader.resolved(dir)) {
        return;
    }
    let list = match inc.dir(dir) {
        Ok(list) => list,
        Err(e) => return inc.record(e),
    };
    for e in list {
        if e.name.ends_with('~') || e.name.contains('.') {
            continue;
        }
        // sudo reads only regular files (after following symlinks): a
        // subdirectory or FIFO is not an include. Anything that cannot be
        // resolved is left to `read`, which reports it.
        if let Ok(meta) = inc.reader.target.stat(&e.path) {
            if !matches!(meta.file_type, FileType::File | FileType::Symlink) {
                continue;
            }
        }
        match read_file(inc, &e.path, depth, entries) {
            Err(Skip::TooDeep) | Ok(()) => {}
            Err(skip) => inc.record_listed(&e.path, skip),
        }
    }
}

/// One logical line as an entry (`None` for a comment).
fn entry(path: &str, line: usize, t: &str) -> Option<Value> {
    if t.starts_with('#') && starts_comment(t, 0) {
        return None;
    }
    let t = strip_comment(t);
    if t.is_empty() {
        return None;
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
    let no_auth =
        kind == "defaults" && t.split(|c: char| c == ',' || c.is_whitespace()).any(|w| w.trim() == "!authenticate");
    let mut m: Map<String, Value> = item(Some(path), Some(line), t);
    m.insert("kind".into(), kind.into());
    m.insert("text".into(), t.into());
    m.insert("user".into(), if kind == "rule" { first.into() } else { Value::Null });
    m.insert("nopasswd".into(), nopasswd.into());
    m.insert("nopasswd_all".into(), nopasswd_all.into());
    m.insert("no_authenticate".into(), no_auth.into());
    Some(Value::Object(m))
}

pub fn collect(r: &Reader) -> Result<Fact, Unavailable> {
    let mut inc = Includes::new(r, limits::SUDOERS_INCLUDES);
    let mut entries = Vec::new();
    match read_file(&mut inc, MAIN, 0, &mut entries) {
        Err(Skip::Read(e)) if e.is_not_found() => {
            return Err(Unavailable::NotFound(format!("{MAIN} not found (sudo not installed)")))
        }
        Err(Skip::Read(e)) => return Err(Unavailable::Unreadable(e)),
        _ => {}
    }
    let (files, unreadable) = inc.finish();
    Ok(Fact::new(json!({"exists": true, "files": files, "entries": entries}), unreadable))
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
