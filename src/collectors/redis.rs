//! `redis`: Redis server configuration, read the way redis-server reads it
//! (redis.conf comments, `config.c` `loadServerConfigFromString`, `acl.c`).
//!
//! - Instances: `/etc/redis/redis.conf` (Debian, RHEL 8+), `/etc/redis.conf`
//!   (older RHEL), `/etc/redis/redis-*.conf` and `/etc/redis/*.conf`
//!   (Debian's per-instance `redis-server@NAME`); sentinel files and files
//!   another instance includes are not instances of their own.
//! - A line is a directive and its arguments, split like `sdssplitargs`
//!   (blanks; "double" quotes with `\n`, `\xHH` escapes; 'single' quotes);
//!   `#` starts a comment line; directive names are case-insensitive; the last
//!   setting wins. `include PATH` (a glob from Redis 7) is read in place;
//!   relative paths are taken from the including file's directory (the
//!   server uses its working directory). Nesting stops at 10 levels, cycles
//!   are skipped, at most 64 files per instance.
//! - Authentication of the `default` user (the one every unauthenticated
//!   client is): with `aclfile`, the file's `user default` rule decides, and
//!   a file without one leaves `default` as `on nopass ~* &* +@all`
//!   (`requirepass` is ignored with an ACL file); without it, the last
//!   `user default` line of redis.conf (rules applied after `reset`), or else
//!   `requirepass`; with none of them, `default` has no password.
//! - `rename-command NAME ""` removes a command, another name hides it.
//!   `DEBUG` and `MODULE` are refused unless `enable-debug-command` /
//!   `enable-module-command` is `yes` or `local` (Redis 7 defaults; Redis 6
//!   had no such switch).
//!
//! Facts: `{exists, instances, users (every instance's), default_users
//! (one per instance), unreadable}`. An instance: `{path, line: null,
//! detail, files, entries, values (lower-case directive -> last entry),
//! users, default_user, dangerous}`. Entries: `{path, line, detail, key,
//! args, value}` (passwords masked in `detail`, `args` of `requirepass`,
//! `masterauth` and ACL passwords are dropped). Users: `{path, line, detail,
//! name, source (conf or aclfile), on, nopass, has_password, allkeys,
//! allcommands}`. `default_user`: `{path, line, detail, on, nopass,
//! has_password, no_auth, why}`. `dangerous`: commands (FLUSHALL, FLUSHDB,
//! CONFIG, DEBUG, KEYS, SHUTDOWN, MODULE) some enabled user may run that
//! are not renamed: `{path, line: null, detail, command, users}`.

use crate::sources::{item, Scan, Unavailable};
use crate::target::{self, ReadError};
use serde_json::{json, Map, Value};

const INSTANCE_GLOBS: &[&str] = &["/etc/redis/redis.conf", "/etc/redis.conf", "/etc/redis/*.conf"];
const MAX_DEPTH: usize = 10;
const MAX_FILES: usize = 64;
/// Commands whose use should be limited, with their ACL categories.
const DANGEROUS: &[(&str, &[&str])] = &[
    ("FLUSHALL", &["dangerous", "keyspace", "write", "slow"]),
    ("FLUSHDB", &["dangerous", "keyspace", "write", "slow"]),
    ("CONFIG", &["dangerous", "admin", "slow"]),
    ("DEBUG", &["dangerous", "admin", "slow"]),
    ("KEYS", &["dangerous", "keyspace", "read", "slow"]),
    ("SHUTDOWN", &["dangerous", "admin", "slow"]),
    ("MODULE", &["dangerous", "admin", "slow"]),
];

/// Split a line into arguments like `sdssplitargs`; None on unbalanced quotes.
pub fn split_args(line: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { return Some(out) };
        let mut cur = String::new();
        match first {
            '"' => {
                chars.next();
                loop {
                    match chars.next()? {
                        '\\' => match chars.next()? {
                            'n' => cur.push('\n'),
                            'r' => cur.push('\r'),
                            't' => cur.push('\t'),
                            'b' => cur.push('\u{8}'),
                            'a' => cur.push('\u{7}'),
                            'x' => {
                                let h: String = [chars.next()?, chars.next()?].iter().collect();
                                match u8::from_str_radix(&h, 16) {
                                    Ok(b) => cur.push(char::from(b)),
                                    Err(_) => {
                                        cur.push('x');
                                        cur.push_str(&h);
                                    }
                                }
                            }
                            c => cur.push(c),
                        },
                        '"' => break,
                        c => cur.push(c),
                    }
                }
                // The closing quote must be followed by a blank or the end.
                if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                    return None;
                }
            }
            '\'' => {
                chars.next();
                loop {
                    match chars.next()? {
                        '\\' if chars.peek() == Some(&'\'') => {
                            chars.next();
                            cur.push('\'');
                        }
                        '\'' => break,
                        c => cur.push(c),
                    }
                }
                if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                    return None;
                }
            }
            _ => {
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() {
                        break;
                    }
                    cur.push(c);
                    chars.next();
                }
            }
        }
        out.push(cur);
    }
}

/// An ACL rule token that carries a password or its hash.
fn secret_rule(r: &str) -> bool {
    r.starts_with('>') || r.starts_with('<') || r.starts_with('#') || r.starts_with('!')
}

/// The line as evidence: ACL passwords and hashes masked.
fn masked_detail(args: &[String], raw: &str) -> String {
    if args.first().is_some_and(|d| d.eq_ignore_ascii_case("requirepass") || d.eq_ignore_ascii_case("masterauth")) {
        return format!("{} ****", args[0]);
    }
    if args.first().is_some_and(|d| d.eq_ignore_ascii_case("user")) {
        return args
            .iter()
            .map(|a| if secret_rule(a) { format!("{}****", &a[..1]) } else { a.clone() })
            .collect::<Vec<_>>()
            .join(" ");
    }
    raw.trim().to_string()
}

/// The effect of a user's ACL rules, applied in order from `reset` (`off`,
/// no passwords, no keys, no commands).
#[derive(Debug, Default, Clone)]
struct Acl {
    on: bool,
    nopass: bool,
    passwords: bool,
    allkeys: bool,
    /// Per dangerous command: allowed?
    commands: Vec<bool>,
    allcommands: bool,
}

impl Acl {
    fn reset() -> Acl {
        Acl { commands: vec![false; DANGEROUS.len()], ..Acl::default() }
    }

    /// The built-in `default` user: `on nopass ~* &* +@all`.
    fn builtin_default() -> Acl {
        Acl {
            on: true,
            nopass: true,
            passwords: false,
            allkeys: true,
            commands: vec![true; DANGEROUS.len()],
            allcommands: true,
        }
    }

    fn apply(&mut self, rule: &str) {
        let lower = rule.to_ascii_lowercase();
        match lower.as_str() {
            "on" => self.on = true,
            "off" => self.on = false,
            "nopass" => {
                self.nopass = true;
                self.passwords = false;
            }
            "resetpass" => {
                self.nopass = false;
                self.passwords = false;
            }
            "reset" => *self = Acl::reset(),
            "allkeys" | "~*" => self.allkeys = true,
            "resetkeys" => self.allkeys = false,
            "allcommands" | "+@all" => {
                self.allcommands = true;
                self.commands.iter_mut().for_each(|c| *c = true);
            }
            "nocommands" | "-@all" => {
                self.allcommands = false;
                self.commands.iter_mut().for_each(|c| *c = false);
            }
            _ if rule.starts_with('>') || rule.starts_with('#') => {
                self.passwords = true;
                self.nopass = false;
            }
            _ => {
                let (allow, name) = match (lower.strip_prefix('+'), lower.strip_prefix('-')) {
                    (Some(n), _) => (true, n),
                    (_, Some(n)) => (false, n),
                    _ => return,
                };
                if !allow {
                    self.allcommands = false;
                }
                if name.contains('|') && allow {
                    return; // one subcommand does not allow the whole command
                }
                let base = name.split('|').next().unwrap_or("");
                for (i, (cmd, cats)) in DANGEROUS.iter().enumerate() {
                    let hit = match base.strip_prefix('@') {
                        Some(cat) => cats.contains(&cat),
                        None => base.eq_ignore_ascii_case(cmd),
                    };
                    if hit {
                        self.commands[i] = allow;
                    }
                }
            }
        }
    }
}

struct Reader<'a> {
    scan: &'a Scan,
    stack: Vec<String>,
    files: Vec<String>,
    entries: Vec<Map<String, Value>>,
    unreadable: Vec<ReadError>,
}

impl Reader<'_> {
    fn note(&mut self, e: ReadError) {
        if !e.is_not_found() {
            self.scan.note_unreadable(&e);
            self.unreadable.push(e);
        }
    }

    fn read(&mut self, path: &str, depth: usize) -> Result<(), ReadError> {
        let key = self.scan.target.stat(path).map(|m| m.path).unwrap_or_else(|_| path.to_string());
        if self.stack.contains(&key) || depth > MAX_DEPTH {
            return Ok(());
        }
        if self.files.len() >= MAX_FILES {
            self.note(ReadError::Io { path: path.into(), message: format!("not read: more than {MAX_FILES} files") });
            return Ok(());
        }
        let file = self.scan.read_text(path)?;
        self.files.push(path.to_string());
        self.stack.push(key);
        for (i, raw) in file.text.lines().enumerate() {
            let t = raw.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let Some(args) = split_args(t) else { continue };
            let Some(first) = args.first() else { continue };
            let key = first.to_ascii_lowercase();
            if key == "include" {
                if let Some(p) = args.get(1) {
                    let dir = path.rsplit_once('/').map(|(d, _)| if d.is_empty() { "/" } else { d }).unwrap_or("/");
                    let p = target::normalize(&target::join(dir, p));
                    let paths = if p.contains(['*', '?', '[']) { self.scan.glob(&p) } else { vec![p] };
                    for p in paths {
                        if let Err(e) = self.read(&p, depth + 1) {
                            self.note(e);
                        }
                    }
                }
                continue;
            }
            let mut m = item(Some(path), Some(i + 1), masked_detail(&args, raw));
            let rest: Vec<String> = args[1..].to_vec();
            let shown: Vec<Value> = if matches!(key.as_str(), "requirepass" | "masterauth") {
                Vec::new()
            } else {
                rest.iter()
                    .map(|a| Value::from(if secret_rule(a) && key == "user" { "****" } else { a.as_str() }))
                    .collect()
            };
            let value = if shown.is_empty() { Value::Null } else { Value::from(rest.join(" ")) };
            let value = if matches!(key.as_str(), "requirepass" | "masterauth" | "user") { Value::Null } else { value };
            m.insert("key".into(), key.into());
            m.insert("args".into(), shown.into());
            m.insert("value".into(), value);
            // Kept for the ACL evaluation, removed before the facts are returned.
            m.insert("_args".into(), rest.into_iter().map(Value::from).collect::<Vec<_>>().into());
            self.entries.push(m);
        }
        self.stack.pop();
        Ok(())
    }
}

fn args_of(e: &Map<String, Value>) -> Vec<String> {
    e.get("_args")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn user_item(path: &str, line: Option<usize>, detail: &str, name: &str, source: &str, acl: &Acl) -> Map<String, Value> {
    let mut u = item(Some(path), line, detail);
    u.insert("name".into(), name.into());
    u.insert("source".into(), source.into());
    u.insert("on".into(), acl.on.into());
    u.insert("nopass".into(), acl.nopass.into());
    u.insert("has_password".into(), acl.passwords.into());
    u.insert("allkeys".into(), acl.allkeys.into());
    u.insert("allcommands".into(), acl.allcommands.into());
    u
}

fn instance(scan: &Scan, path: &str, seen: &mut Vec<String>, unreadable: &mut Vec<ReadError>) -> Option<Value> {
    let mut r = Reader { scan, stack: Vec::new(), files: Vec::new(), entries: Vec::new(), unreadable: Vec::new() };
    if let Err(e) = r.read(path, 0) {
        r.note(e);
        unreadable.extend(r.unreadable);
        return None;
    }
    seen.extend(r.files.iter().cloned());
    let mut values = Map::new();
    for e in &r.entries {
        if let Some(k) = e.get("key").and_then(Value::as_str) {
            values.insert(k.to_string(), Value::Object(e.clone()));
        }
    }
    let last = |k: &str| r.entries.iter().rev().find(|e| e.get("key").and_then(Value::as_str) == Some(k));
    // Users: (name, acl, item).
    let mut users: Vec<(String, Acl, Map<String, Value>)> = Vec::new();
    let define = |users: &mut Vec<(String, Acl, Map<String, Value>)>,
                  p: &str,
                  line: usize,
                  detail: &str,
                  args: &[String],
                  source: &str| {
        let Some(name) = args.first() else { return };
        let mut acl = Acl::reset();
        for rule in &args[1..] {
            acl.apply(rule);
        }
        let u = user_item(p, Some(line), detail, name, source, &acl);
        users.retain(|(n, _, _)| n != name);
        users.push((name.clone(), acl, u));
    };
    let aclfile = last("aclfile").and_then(|e| args_of(e).first().cloned());
    let mut acl_source = None;
    if let Some(f) = &aclfile {
        let f = target::normalize(&target::join("/", f));
        match scan.read_text(&f) {
            Ok(file) => {
                for (i, raw) in file.text.lines().enumerate() {
                    let t = raw.trim();
                    if t.is_empty() || t.starts_with('#') {
                        continue;
                    }
                    let Some(args) = split_args(t) else { continue };
                    if args.first().is_some_and(|d| d.eq_ignore_ascii_case("user")) {
                        define(&mut users, &f, i + 1, &masked_detail(&args, raw), &args[1..], "aclfile");
                    }
                }
                acl_source = Some(f);
            }
            Err(e) => {
                if !e.is_not_found() {
                    unreadable.push(e);
                }
            }
        }
    } else {
        for e in &r.entries {
            if e.get("key").and_then(Value::as_str) == Some("user") {
                let p = e["path"].as_str().unwrap_or("").to_string();
                let line = e["line"].as_u64().unwrap_or(0) as usize;
                let detail = e["detail"].as_str().unwrap_or("").to_string();
                define(&mut users, &p, line, &detail, &args_of(e), "conf");
            }
        }
    }
    // The default user.
    let (dacl, mut d) = match users.iter().find(|(n, _, _)| n == "default") {
        Some((_, acl, u)) => {
            let mut d = u.clone();
            d.insert("why".into(), format!("`user default` at line {}", u["line"]).into());
            (acl.clone(), d)
        }
        None => {
            let req = last("requirepass").filter(|_| aclfile.is_none());
            let has = req.is_some_and(|e| args_of(e).first().is_some_and(|p| !p.is_empty()));
            let mut acl = Acl::builtin_default();
            if has {
                acl.nopass = false;
                acl.passwords = true;
            }
            let mut d = match (req, &acl_source) {
                (Some(e), _) => {
                    let mut d = e.clone();
                    d.remove("_args");
                    d.remove("key");
                    d.remove("args");
                    d.remove("value");
                    d
                }
                (None, Some(f)) => item(Some(f), None, "the ACL file defines no `default` user"),
                (None, None) => item(Some(path), None, "no requirepass and no `user default` line"),
            };
            let why = match (req, &acl_source) {
                (Some(_), _) if has => "requirepass",
                (Some(_), _) => "requirepass is empty",
                (None, Some(_)) => "the ACL file does not define `default`, which is then `on nopass`",
                (None, None) => "neither requirepass nor a `user default` rule is set",
            };
            d.insert("why".into(), why.into());
            d.insert("name".into(), "default".into());
            d.insert("on".into(), acl.on.into());
            d.insert("nopass".into(), acl.nopass.into());
            d.insert("has_password".into(), acl.passwords.into());
            users.insert(
                0,
                (
                    "default".into(),
                    acl.clone(),
                    user_item(path, None, "built-in default user", "default", "builtin", &acl),
                ),
            );
            (acl, d)
        }
    };
    d.insert("no_auth".into(), (dacl.on && dacl.nopass).into());
    // Dangerous commands.
    let renamed: Vec<String> = r
        .entries
        .iter()
        .filter(|e| e.get("key").and_then(Value::as_str) == Some("rename-command"))
        .filter_map(|e| args_of(e).first().map(|c| c.to_ascii_uppercase()))
        .collect();
    let enabled = |k: &str| {
        last(k)
            .and_then(|e| args_of(e).first().map(|v| v.to_ascii_lowercase()))
            .is_some_and(|v| v == "yes" || v == "local")
    };
    let mut dangerous = Vec::new();
    for (i, (cmd, _)) in DANGEROUS.iter().enumerate() {
        if renamed.iter().any(|r| r == cmd) {
            continue;
        }
        if (*cmd == "DEBUG" && !enabled("enable-debug-command"))
            || (*cmd == "MODULE" && !enabled("enable-module-command"))
        {
            continue;
        }
        let who: Vec<String> =
            users.iter().filter(|(_, a, _)| a.on && a.commands[i]).map(|(n, _, _)| n.clone()).collect();
        if who.is_empty() {
            continue;
        }
        let mut m = item(Some(path), None, format!("{cmd} is neither renamed nor denied to {}", who.join(", ")));
        m.insert("command".into(), (*cmd).into());
        m.insert("users".into(), who.into());
        dangerous.push(Value::Object(m));
    }
    let entries: Vec<Value> = r
        .entries
        .into_iter()
        .map(|mut e| {
            e.remove("_args");
            Value::Object(e)
        })
        .collect();
    for v in values.values_mut() {
        if let Some(o) = v.as_object_mut() {
            o.remove("_args");
        }
    }
    unreadable.extend(r.unreadable);
    let mut inst = item(Some(path), None, format!("Redis configuration {path}"));
    inst.insert("files".into(), r.files.into());
    inst.insert("entries".into(), entries.into());
    inst.insert("values".into(), Value::Object(values));
    inst.insert("users".into(), users.into_iter().map(|(_, _, u)| Value::Object(u)).collect::<Vec<_>>().into());
    inst.insert("default_user".into(), Value::Object(d));
    inst.insert("dangerous".into(), dangerous.into());
    Some(Value::Object(inst))
}

pub fn collect(scan: &Scan) -> Result<Value, Unavailable> {
    let mut candidates = Vec::new();
    for g in INSTANCE_GLOBS {
        for p in if g.contains('*') { scan.glob(g) } else { vec![g.to_string()] } {
            let name = p.rsplit('/').next().unwrap_or("");
            if name.starts_with("sentinel") || candidates.contains(&p) {
                continue;
            }
            candidates.push(p);
        }
    }
    let mut seen: Vec<String> = Vec::new();
    let mut unreadable = Vec::new();
    let mut instances = Vec::new();
    for p in candidates {
        if seen.contains(&p) {
            continue;
        }
        if let Some(i) = instance(scan, &p, &mut seen, &mut unreadable) {
            instances.push(i);
        }
    }
    if instances.is_empty() {
        if let Some(e) = unreadable.first() {
            return Err(Unavailable::Unreadable(e.clone()));
        }
        return Err(Unavailable::NotFound("no Redis configuration (redis.conf) found".into()));
    }
    let unreadable: Vec<Value> = unreadable.iter().map(|e| json!({"path": e.path(), "reason": e.reason()})).collect();
    let all = |k: &str| -> Vec<Value> {
        instances.iter().flat_map(|i| i[k].as_array().cloned().unwrap_or_default()).collect()
    };
    let users = all("users");
    let default_users: Vec<Value> = instances.iter().map(|i| i["default_user"].clone()).collect();
    Ok(
        json!({"exists": true, "instances": instances, "users": users, "default_users": default_users, "unreadable": unreadable}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collectors::test_support::scan_with;

    #[test]
    fn args() {
        assert_eq!(split_args("rename-command CONFIG \"\"").unwrap(), vec!["rename-command", "CONFIG", ""]);
        assert_eq!(split_args("  a 'b c' \"d\\x41\"").unwrap(), vec!["a", "b c", "dA"]);
        assert!(split_args("a \"b").is_none());
        assert!(split_args("a \"b\"c").is_none());
    }

    #[test]
    fn default_user_and_includes() {
        let (_d, scan) = scan_with(&[
            ("/etc/redis/redis.conf", "requirepass s3cret\ninclude /etc/redis/local.conf\n"),
            (
                "/etc/redis/local.conf",
                "protected-mode no\nuser default on nopass ~* +@all -@dangerous\nuser app on >pw ~* +@all\n",
            ),
        ]);
        let v = collect(&scan).unwrap();
        assert_eq!(v["instances"].as_array().unwrap().len(), 1, "an included file is no instance");
        let i = &v["instances"][0];
        assert_eq!(i["default_user"]["no_auth"], true, "`user default` overrides requirepass");
        assert_eq!(i["values"]["protected-mode"]["value"], "no");
        assert_eq!(i["users"][1]["detail"], "user app on >**** ~* +@all");
        let dangerous: Vec<&str> =
            i["dangerous"].as_array().unwrap().iter().map(|d| d["command"].as_str().unwrap()).collect();
        assert_eq!(dangerous, vec!["FLUSHALL", "FLUSHDB", "CONFIG", "KEYS", "SHUTDOWN"], "app may still run them");
        assert!(!v.to_string().contains("s3cret"));
        assert!(!v.to_string().contains(">pw"));
    }

    #[test]
    fn aclfile_without_default_is_nopass() {
        let (_d, scan) = scan_with(&[
            ("/etc/redis.conf", "requirepass x\naclfile /etc/redis/users.acl\nrename-command FLUSHALL \"\"\n"),
            ("/etc/redis/users.acl", "user admin on #abc ~* +@all\n"),
        ]);
        let v = collect(&scan).unwrap();
        let i = &v["instances"][0];
        assert_eq!(i["default_user"]["no_auth"], true);
        assert_eq!(i["default_user"]["path"], "/etc/redis/users.acl");
        assert!(!i["dangerous"].as_array().unwrap().iter().any(|d| d["command"] == "FLUSHALL"));
    }

    #[test]
    fn garbage_never_panics() {
        let text = "\"\nuser\nuser default\ninclude\ninclude /etc/redis/redis.conf\nrename-command\naclfile\n\\x\n'\u{0}'\nrequirepass\n";
        let (_d, scan) = scan_with(&[("/etc/redis/redis.conf", text)]);
        let v = collect(&scan).unwrap();
        assert_eq!(v["instances"][0]["default_user"]["no_auth"], false, "`user default` alone resets it to off");
    }
}
