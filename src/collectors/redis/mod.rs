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
//!   are skipped and recorded (the file is named), files are bounded ([`crate::limits::REDIS_INCLUDES`]).
//!   `include` takes exactly one argument, as in `config.c`.
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
//! This module reads the files once ([`read`]); the `redis` facts
//! ([`Config::facts`], in `facts.rs`), the credentials, the declared
//! listeners and the TLS references are views over the [`Config`].
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

mod facts;

use crate::limits;
use crate::sources::include::{relative_to, Includes, Skip};
use crate::sources::Reader;
use crate::target::ReadError;

const INSTANCE_GLOBS: &[&str] = &["/etc/redis/redis.conf", "/etc/redis.conf", "/etc/redis/*.conf"];

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

/// One directive as written: its lower-case name, its arguments (secrets
/// included: they never leave the collectors unmasked), where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Directive {
    /// The directive as written (`requirepass`, `REQUIREPASS`).
    pub name: String,
    pub key: String,
    pub args: Vec<String>,
    pub path: String,
    pub line: usize,
    /// The line as written (may hold a secret).
    pub raw: String,
}

/// The ACL file an instance names (`aclfile`), with its `user` lines.
#[derive(Debug, Clone, PartialEq)]
pub struct AclFile {
    pub path: String,
    /// `user NAME rules…` lines (the directive's args start with NAME);
    /// empty when the file could not be read.
    pub users: Vec<Directive>,
    /// Whether the file was read.
    pub read: bool,
}

/// One configuration file with everything it includes: one server.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// The main file.
    pub path: String,
    /// A Sentinel configuration (`sentinel*.conf`): not a data server.
    pub sentinel: bool,
    /// Files read, in order.
    pub files: Vec<String>,
    /// Every directive, includes expanded, in order.
    pub directives: Vec<Directive>,
    pub aclfile: Option<AclFile>,
}

impl Instance {
    /// The last setting of a directive (the one the server keeps).
    pub fn last(&self, key: &str) -> Option<&Directive> {
        self.directives.iter().rev().find(|d| d.key == key)
    }

    /// Every setting of a directive, in order.
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Directive> + 'a {
        self.directives.iter().filter(move |d| d.key == key)
    }
}

/// Every Redis configuration found (Sentinel ones too, flagged).
#[derive(Debug, Default)]
pub struct Config {
    pub instances: Vec<Instance>,
    pub unreadable: Vec<ReadError>,
}

impl Config {
    /// The data servers (not Sentinel).
    pub fn servers(&self) -> impl Iterator<Item = &Instance> {
        self.instances.iter().filter(|i| !i.sentinel)
    }
}

/// The bound ([`limits::REDIS_DIRECTIVES`]) reached at `line` of `path`:
/// `more than 2000 {what}: the rest (from line N) not read`.
fn past_bound(path: &str, what: &str, line: usize) -> ReadError {
    let message = format!("more than {} {what}: the rest (from line {line}) not read", limits::REDIS_DIRECTIVES);
    ReadError::Limit { path: path.to_string(), message }
}

/// Directives of one file, with its includes read in place.
fn read_file(inc: &mut Includes, path: &str, depth: usize, out: &mut Vec<Directive>) -> Result<(), Skip> {
    inc.read(path, depth, |inc, file| {
        for (i, raw) in file.text.lines().enumerate() {
            let t = raw.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let Some(mut args) = split_args(t) else { continue };
            if args.is_empty() {
                continue;
            }
            if out.len() >= limits::REDIS_DIRECTIVES {
                inc.record(past_bound(path, "directives in one Redis configuration", i + 1));
                return;
            }
            let name = args.remove(0);
            let key = name.to_ascii_lowercase();
            if key == "include" {
                if let [p] = args.as_slice() {
                    for p in inc.expand(&relative_to(path, p)) {
                        match read_file(inc, &p, depth + 1, out) {
                            Ok(()) => {}
                            // A loop or nesting past the bound is recorded:
                            // Redis itself would recurse until it fails.
                            Err(skip) => inc.record_skip(&p, skip),
                        }
                    }
                }
                continue;
            }
            out.push(Directive { name, key, args, path: path.to_string(), line: i + 1, raw: raw.to_string() });
        }
    })
}

/// The ACL file: its `user` lines.
fn read_aclfile(r: &Reader, path: &str, unreadable: &mut Vec<ReadError>) -> AclFile {
    let mut acl = AclFile { path: path.to_string(), users: Vec::new(), read: false };
    match r.read_text(path) {
        Ok(file) => {
            acl.read = true;
            for (i, raw) in file.text.lines().enumerate() {
                let t = raw.trim();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                let Some(mut args) = split_args(t) else { continue };
                if acl.users.len() >= limits::REDIS_DIRECTIVES {
                    unreadable.push(past_bound(path, "users in one ACL file", i + 1));
                    break;
                }
                if args.first().is_some_and(|d| d.eq_ignore_ascii_case("user")) && args.len() >= 2 {
                    let name = args.remove(0);
                    acl.users.push(Directive {
                        name,
                        key: "user".into(),
                        args,
                        path: path.to_string(),
                        line: i + 1,
                        raw: raw.to_string(),
                    });
                }
            }
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => unreadable.push(e),
    }
    acl
}

fn instance(r: &Reader, path: &str, unreadable: &mut Vec<ReadError>) -> Option<Instance> {
    let mut inc = Includes::new(r, limits::REDIS_INCLUDES);
    let mut directives = Vec::new();
    if let Err(skip) = read_file(&mut inc, path, 0, &mut directives) {
        if let Some(e) = inc.skip_error(path, skip) {
            unreadable.push(e);
        }
        return None;
    }
    let (files, errors) = inc.finish();
    unreadable.extend(errors);
    let aclfile = directives
        .iter()
        .rev()
        .find(|d| d.key == "aclfile")
        .and_then(|d| d.args.first().map(|f| relative_to(&d.path, f)))
        .map(|f| read_aclfile(r, &f, unreadable));
    let name = path.rsplit('/').next().unwrap_or("");
    Some(Instance { path: path.to_string(), sentinel: name.starts_with("sentinel"), files, directives, aclfile })
}

/// Every Redis configuration: `/etc/redis/redis.conf`, `/etc/redis.conf`
/// and every other `/etc/redis/*.conf` that no earlier one includes.
pub fn read(r: &Reader) -> Config {
    let mut candidates: Vec<String> = Vec::new();
    let mut cfg = Config::default();
    for g in INSTANCE_GLOBS {
        let (paths, errors) = match g.contains('*') {
            true => r.glob_with_errors(g),
            false => (vec![g.to_string()], Vec::new()),
        };
        // /etc/redis that cannot be listed: the configurations in it are unknown.
        cfg.unreadable.extend(errors);
        for p in paths {
            if !candidates.contains(&p) {
                candidates.push(p);
            }
        }
    }
    let mut seen: Vec<String> = Vec::new();
    for p in candidates {
        if seen.contains(&p) {
            continue;
        }
        if let Some(i) = instance(r, &p, &mut cfg.unreadable) {
            seen.extend(i.files.iter().cloned());
            cfg.instances.push(i);
        }
    }
    cfg
}
