//! `sudoers`: `/etc/sudoers` with `#include`/`@include` and
//! `#includedir`/`@includedir` followed the way sudo does (sudoers(5)):
//! included directories skip names ending in `~` or containing `.`, files are
//! read in lexical order; a trailing backslash continues a line.
//!
//! Entries: `{path, line, kind: defaults|rule|alias, text, user, nopasswd,
//! nopasswd_all, no_authenticate}`.

use crate::sources::{item, Scan, Unavailable};
use crate::target::ReadError;
use serde_json::{json, Map, Value};

pub const MAIN: &str = "/etc/sudoers";
const MAX_DEPTH: usize = 8;

struct Reader<'a> {
    scan: &'a Scan,
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

/// Judge a user specification: NOPASSWD anywhere, and NOPASSWD for `ALL` commands.
fn rule_flags(text: &str) -> (bool, bool) {
    let Some((_, cmds)) = text.split_once('=') else { return (false, false) };
    let (mut nopasswd_any, mut nopasswd_all, mut nopasswd) = (false, false, false);
    for spec in cmds.split(',') {
        let mut s = spec.trim();
        if s.starts_with('(') {
            s = s.find(')').map(|i| s[i + 1..].trim()).unwrap_or(s);
        }
        loop {
            let Some((tag, rest)) = s.split_once(':') else { break };
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
    fn read(&mut self, path: &str, depth: usize) -> Result<(), ReadError> {
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
            let directive = t.strip_prefix('@').or_else(|| t.strip_prefix('#')).unwrap_or("");
            if let Some(arg) = directive.strip_prefix("includedir") {
                let dir = resolve(path, arg.trim());
                if depth >= MAX_DEPTH {
                    continue;
                }
                match self.scan.target.read_dir(&dir) {
                    Ok(list) => {
                        for e in list {
                            if e.name.ends_with('~') || e.name.contains('.') {
                                continue;
                            }
                            match self.read(&e.path, depth + 1) {
                                Ok(()) => {}
                                Err(err) if err.is_not_found() => {}
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
            if let Some(arg) = directive.strip_prefix("include") {
                if depth < MAX_DEPTH {
                    match self.read(&resolve(path, arg.trim()), depth + 1) {
                        Ok(()) => {}
                        Err(err) if err.is_not_found() => {}
                        Err(err) => self.unreadable.push(err),
                    }
                }
                continue;
            }
            if t.starts_with('#') {
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
    let mut r = Reader { scan, entries: Vec::new(), files: Vec::new(), unreadable: Vec::new() };
    match r.read(MAIN, 0) {
        Ok(()) => {}
        Err(e) if e.is_not_found() => return Err(Unavailable::NotFound(format!("{MAIN} not found (sudo not installed)"))),
        Err(e) => return Err(Unavailable::Unreadable(e)),
    }
    let unreadable: Vec<Value> = r.unreadable.iter().map(|e| json!({"path": e.path(), "reason": e.reason()})).collect();
    Ok(json!({"exists": true, "files": r.files, "entries": r.entries, "unreadable": unreadable}))
}

#[cfg(test)]
mod tests {
    use super::rule_flags;

    #[test]
    fn nopasswd_rules() {
        assert_eq!(rule_flags("deploy ALL=(ALL) NOPASSWD: ALL"), (true, true));
        assert_eq!(rule_flags("deploy ALL=(root) NOPASSWD: /usr/bin/systemctl restart app"), (true, false));
        assert_eq!(rule_flags("%sudo ALL=(ALL:ALL) ALL"), (false, false));
        assert_eq!(rule_flags("ops ALL = NOPASSWD: /bin/ls, PASSWD: ALL"), (true, false));
    }
}
