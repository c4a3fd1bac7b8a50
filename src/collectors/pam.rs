//! `pam`: the Linux-PAM stacks of every service, flattened the way libpam
//! builds them (pam.conf(5)/pam.d(5), `libpam/pam_handlers.c`), and the
//! effective settings of the modules the password checks judge.
//!
//! - A service's file is `/etc/pam.d/NAME`, else `/usr/lib/pam.d/NAME` (the
//!   vendor directory); every file of both directories is a service.
//! - A rule is `type control module-path args…`; comments run from `#` to
//!   the end of the line, a line ending in `\` continues on the next one.
//!   `type` and the control keywords are case-insensitive; a `-` before the
//!   type means that a module that cannot be loaded is silently skipped.
//!   The control is a keyword or a bracketed `[value=action …]` list.
//!   Arguments may be written `[with spaces]`; `\]` is a literal `]`.
//! - `include FILE` and `substack FILE` pull in the rules of FILE that have
//!   the same type; Debian's `@include FILE` pulls in every rule of FILE (of
//!   the type being read, when itself included). A relative FILE is looked
//!   up like a service, an absolute one is used as is. Includes nest at most
//!   16 levels (`PAM_SUBSTACK_MAX_LEVEL`); an include cycle stops there in
//!   libpam, and is cut (and reported) at the first repetition here. An
//!   include whose file is missing makes libpam fail that stack; it is
//!   reported in the service's `missing`.
//!
//! Facts: `{exists, files, services, pwquality, faillock, pwhistory,
//! unreadable}`. Each service: `{name, path, entries, includes, missing,
//! problems}`. Each entry (one per rule, includes flattened, in stack
//! order): `{service, type, control, optional_load, module, module_path,
//! args, opts, active, module_found, settings, path, line, detail, via}`
//! where `path`/`line` are those of the rule itself (the included file), `via`
//! the chain of files that included it, `opts` maps each argument name to
//! its value (`""` for a flag; the last one wins), `active` is false for a
//! `-type` rule whose module is missing from the target's security
//! directories, and `settings` holds the effective value of every known
//! option of pam_pwquality, pam_cracklib, pam_faillock, pam_pwhistory,
//! pam_unix and pam_tally2: `{key, value, int, default, origin, path, line,
//! detail}`, with `origin` `argument` (the module line), `file` (the config
//! file line that sets it) or `default` (the module's built-in default; the
//! module line is the evidence).
//!
//! Config files: pwquality.conf(5): every `*.conf` of
//! `/etc/security/pwquality.conf.d` in ASCII order, *then*
//! `/etc/security/pwquality.conf`; a later value wins and module arguments
//! override them all. faillock.conf(5) and pwhistory.conf(5): one file (or
//! the module's `conf=` argument), overridden by module arguments.

use crate::limits;
use crate::sources::include::{Includes, Skip};
use crate::sources::{item, Fact, Reader, Unavailable};
use crate::target::{FileType, ReadError};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Where libpam looks for a service's file, in order.
pub const PAM_DIRS: &[&str] = &["/etc/pam.d", "/usr/lib/pam.d"];
/// `PAM_SUBSTACK_MAX_LEVEL` in libpam.
const MAX_LEVEL: usize = limits::PAM_LEVELS;
/// Most services read.
const MAX_SERVICES: usize = limits::PAM_SERVICES;
/// Most rules kept per flattened stack.
const MAX_ENTRIES: usize = limits::PAM_RULES;
/// Include bounds of one service's stack.
const STACK_BOUNDS: limits::Includes = limits::Includes { depth: limits::PAM_LEVELS, files: limits::PAM_FILES, ..limits::INCLUDES };

pub const PWQUALITY_CONF: &str = "/etc/security/pwquality.conf";
pub const PWQUALITY_DIR: &str = "/etc/security/pwquality.conf.d";
pub const FAILLOCK_CONF: &str = "/etc/security/faillock.conf";
pub const PWHISTORY_CONF: &str = "/etc/security/pwhistory.conf";

/// Built-in defaults of the modules judged (their manual pages).
/// pwquality.conf(5) (libpwquality 1.4).
const PWQUALITY_DEFAULTS: &[(&str, &str)] = &[
    ("difok", "1"),
    ("minlen", "8"),
    ("dcredit", "0"),
    ("ucredit", "0"),
    ("lcredit", "0"),
    ("ocredit", "0"),
    ("minclass", "0"),
    ("maxrepeat", "0"),
    ("maxclassrepeat", "0"),
    ("maxsequence", "0"),
    ("gecoscheck", "0"),
    ("dictcheck", "1"),
    ("usercheck", "1"),
    ("usersubstr", "0"),
    ("enforcing", "1"),
    ("retry", "1"),
];
/// pam_cracklib(8): no configuration file, arguments only.
const CRACKLIB_DEFAULTS: &[(&str, &str)] = &[
    ("difok", "5"),
    ("minlen", "9"),
    ("dcredit", "1"),
    ("ucredit", "1"),
    ("lcredit", "1"),
    ("ocredit", "1"),
    ("minclass", "0"),
    ("maxrepeat", "0"),
    ("retry", "1"),
];
/// faillock.conf(5).
const FAILLOCK_DEFAULTS: &[(&str, &str)] = &[("deny", "3"), ("fail_interval", "900"), ("unlock_time", "600")];
/// pwhistory.conf(5) / pam_pwhistory(8).
const PWHISTORY_DEFAULTS: &[(&str, &str)] = &[("remember", "10"), ("retry", "1")];
/// pam_unix(8): `remember` is off unless given.
const UNIX_DEFAULTS: &[(&str, &str)] = &[("remember", "0")];
/// pam_tally2(8): no `deny` means no lockout.
const TALLY2_DEFAULTS: &[(&str, &str)] = &[("deny", "0"), ("unlock_time", "0")];
/// pam_unix hash options; when several are given the last one wins.
pub const UNIX_HASHES: &[&str] = &["md5", "bigcrypt", "sha256", "sha512", "blowfish", "gost_yescrypt", "yescrypt"];

/// A logical line: comments removed, continuations joined.
#[derive(Debug, Clone, PartialEq)]
pub struct Logical {
    pub line: usize,
    pub text: String,
}

/// Join continued lines and strip comments, as `_pam_line_assemble` does.
pub fn assemble(text: &str) -> Vec<Logical> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let raw = raw.trim_end_matches('\r');
        let body = match raw.find('#') {
            Some(p) => &raw[..p],
            None => raw,
        };
        let trimmed = body.trim_end();
        let (piece, cont) = match trimmed.strip_suffix('\\') {
            Some(p) => (p, true),
            None => (body, false),
        };
        let entry = cur.get_or_insert_with(|| (i + 1, String::new()));
        entry.1.push_str(piece);
        if cont {
            entry.1.push(' ');
            continue;
        }
        if let Some((line, text)) = cur.take() {
            if !text.trim().is_empty() {
                out.push(Logical { line, text: text.trim().to_string() });
            }
        }
    }
    if let Some((line, text)) = cur.take() {
        if !text.trim().is_empty() {
            out.push(Logical { line, text: text.trim().to_string() });
        }
    }
    out
}

/// One token: as written, and with `[...]` brackets resolved (`\]` → `]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub raw: String,
    pub cooked: String,
}

/// Split on blanks outside brackets.
pub fn tokenize(s: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let (mut raw, mut cooked) = (String::new(), String::new());
        let mut bracket = false;
        while let Some(&c) = chars.peek() {
            if !bracket && c.is_whitespace() {
                break;
            }
            chars.next();
            raw.push(c);
            if bracket {
                if c == '\\' && chars.peek() == Some(&']') {
                    chars.next();
                    raw.push(']');
                    cooked.push(']');
                } else if c == ']' {
                    bracket = false;
                } else {
                    cooked.push(c);
                }
            } else if c == '[' {
                bracket = true;
            } else {
                cooked.push(c);
            }
        }
        out.push(Token { raw, cooked });
    }
    out
}

/// A parsed rule line.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// Debian's `@include FILE`.
    AtInclude(String),
    Entry {
        /// Lower-case type as written (validity checked by the caller).
        kind: String,
        optional_load: bool,
        /// Lower-case control (brackets kept, inner blanks normalised).
        control: String,
        module: Option<String>,
        args: Vec<String>,
    },
    Empty,
}

pub fn parse_rule(text: &str) -> Rule {
    let toks = tokenize(text);
    let Some(first) = toks.first() else { return Rule::Empty };
    if first.raw == "@include" {
        return match toks.get(1) {
            Some(t) => Rule::AtInclude(t.cooked.clone()),
            None => Rule::Empty,
        };
    }
    let (optional_load, kind) = match first.raw.strip_prefix('-') {
        Some(k) => (true, k.to_ascii_lowercase()),
        None => (false, first.raw.to_ascii_lowercase()),
    };
    let control = toks
        .get(1)
        .map(|t| t.raw.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase())
        .unwrap_or_default();
    let module = toks.get(2).map(|t| t.cooked.clone());
    let args = toks.iter().skip(3).map(|t| t.cooked.clone()).collect();
    Rule::Entry { kind, optional_load, control, module, args }
}

fn basename(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// An integer as strtol would read it (decimal, optional sign).
fn int_of(v: &str) -> Option<i64> {
    v.trim().parse::<i64>().ok()
}

/// One `name = value` (or bare `name`) line of pwquality.conf, faillock.conf
/// or pwhistory.conf.
fn conf_line(raw: &str) -> Option<(String, String)> {
    let body = raw.split('#').next().unwrap_or("").trim();
    if body.is_empty() {
        return None;
    }
    let (k, v) = match body.split_once('=') {
        Some((k, v)) => (k.trim(), v.trim()),
        None => match body.split_once(char::is_whitespace) {
            Some((k, v)) => (k.trim(), v.trim()),
            None => (body, ""),
        },
    };
    if k.is_empty() || k.contains(char::is_whitespace) {
        return None;
    }
    Some((k.to_ascii_lowercase(), v.to_string()))
}

fn setting(key: &str, value: &str, origin: &str, path: Option<&str>, line: Option<usize>, detail: &str) -> Value {
    let mut m = item(path, line, detail);
    m.insert("key".into(), key.into());
    m.insert("value".into(), value.into());
    let mut int = int_of(value);
    // libpwquality clamps these (pwquality_set_int_value).
    if let Some(i) = int.as_mut() {
        if key == "minlen" && *i < 6 {
            *i = 6;
        }
        if key == "minclass" && *i > 4 {
            *i = 4;
        }
    }
    m.insert("int".into(), int.map(Value::from).unwrap_or(Value::Null));
    m.insert("default".into(), (origin == "default").into());
    m.insert("origin".into(), origin.into());
    Value::Object(m)
}

/// Settings from one configuration file, in file order.
#[derive(Debug, Default, Clone)]
struct ConfFile {
    settings: Vec<(String, Value)>,
}

struct Loader<'a> {
    scan: &'a Reader,
    files: Vec<String>,
    unreadable: Vec<ReadError>,
    texts: BTreeMap<String, Option<String>>,
    confs: BTreeMap<String, ConfFile>,
    pwquality: Option<ConfFile>,
    security_dirs: Option<Vec<String>>,
}

/// One flattened stack under construction.
#[derive(Default)]
struct Stack {
    entries: Vec<Value>,
    includes: Vec<String>,
    missing: Vec<Value>,
    problems: Vec<Value>,
}

impl<'a> Loader<'a> {
    fn new(scan: &'a Reader) -> Self {
        Loader {
            scan,
            files: Vec::new(),
            unreadable: Vec::new(),
            texts: BTreeMap::new(),
            confs: BTreeMap::new(),
            pwquality: None,
            security_dirs: None,
        }
    }

    fn read_file(&mut self, path: &str) {
        if !self.files.iter().any(|f| f == path) {
            self.files.push(path.to_string());
        }
    }

    fn unreadable(&mut self, e: ReadError) {
        if !e.is_not_found() && !self.unreadable.contains(&e) {
            self.unreadable.push(e);
        }
    }

    /// The text of a configuration file (cached); `None` when it does not
    /// exist or cannot be read.
    fn text(&mut self, path: &str) -> Option<String> {
        if let Some(t) = self.texts.get(path) {
            return t.clone();
        }
        let t = match self.scan.read_text(path) {
            Ok(f) => {
                self.read_file(path);
                Some(f.text)
            }
            Err(e) => {
                self.unreadable(e);
                None
            }
        };
        self.texts.insert(path.to_string(), t.clone());
        t
    }

    /// The file libpam opens for `name`: absolute as is, else the first of
    /// PAM_DIRS that has it.
    fn resolve(&self, name: &str) -> Option<String> {
        if name.starts_with('/') {
            return Some(name.to_string());
        }
        if name.is_empty() || name.contains('/') || name == "." || name == ".." {
            return None;
        }
        PAM_DIRS.iter().map(|d| format!("{d}/{name}")).find(|p| self.scan.target.stat(p).is_ok())
    }

    fn security_dirs(&mut self) -> Vec<String> {
        if let Some(d) = &self.security_dirs {
            return d.clone();
        }
        let mut cands: Vec<String> = ["/lib/security", "/lib64/security", "/usr/lib/security", "/usr/lib64/security"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        cands.extend(self.scan.glob("/usr/lib/*/security"));
        cands.extend(self.scan.glob("/lib/*/security"));
        let dirs: Vec<String> = cands
            .into_iter()
            .filter(|d| self.scan.target.stat(d).is_ok_and(|m| m.file_type == FileType::Dir))
            .collect();
        self.security_dirs = Some(dirs.clone());
        dirs
    }

    /// Whether the module exists in the target: `None` when no security directory exists at all.
    fn module_found(&mut self, module_path: &str) -> Option<bool> {
        let exists = |s: &Reader, p: &str| s.target.stat(p).is_ok_and(|m| m.file_type == FileType::File);
        if module_path.starts_with('/') {
            return Some(exists(self.scan, module_path));
        }
        let dirs = self.security_dirs();
        if dirs.is_empty() {
            return None;
        }
        Some(dirs.iter().any(|d| exists(self.scan, &format!("{d}/{module_path}"))))
    }

    fn conf(&mut self, path: &str) -> ConfFile {
        if let Some(c) = self.confs.get(path) {
            return c.clone();
        }
        let mut c = ConfFile::default();
        if let Some(text) = self.text(path) {
            for (i, raw) in text.lines().enumerate() {
                if let Some((k, v)) = conf_line(raw) {
                    let s = setting(&k, &v, "file", Some(path), Some(i + 1), raw.trim());
                    c.settings.push((k, s));
                }
            }
        }
        self.confs.insert(path.to_string(), c.clone());
        c
    }

    /// pwquality.conf.d/*.conf in ASCII order, then pwquality.conf.
    fn pwquality(&mut self) -> ConfFile {
        if let Some(c) = &self.pwquality {
            return c.clone();
        }
        let mut all = ConfFile::default();
        match self.scan.target.read_dir(PWQUALITY_DIR) {
            Ok(list) => {
                let mut names: Vec<_> = list.into_iter().filter(|e| e.name.ends_with(".conf")).collect();
                names.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
                for e in names {
                    all.settings.extend(self.conf(&e.path).settings);
                }
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => {
                self.scan.note_unreadable(&e);
                self.unreadable.push(e);
            }
        }
        all.settings.extend(self.conf(PWQUALITY_CONF).settings);
        self.pwquality = Some(all.clone());
        all
    }

    /// Effective settings of a module rule.
    fn settings(&mut self, module: &str, opts: &[(String, String)], path: &str, line: usize, detail: &str) -> Value {
        let (defaults, file): (&[(&str, &str)], Option<ConfFile>) = match module {
            "pam_pwquality.so" => (PWQUALITY_DEFAULTS, Some(self.pwquality())),
            "pam_cracklib.so" => (CRACKLIB_DEFAULTS, None),
            "pam_faillock.so" | "pam_pwhistory.so" => {
                let (d, default_conf) = if module == "pam_faillock.so" {
                    (FAILLOCK_DEFAULTS, FAILLOCK_CONF)
                } else {
                    (PWHISTORY_DEFAULTS, PWHISTORY_CONF)
                };
                let conf = opts.iter().rev().find(|(k, _)| k == "conf").map(|(_, v)| v.clone());
                let conf = conf.filter(|c| c.starts_with('/')).unwrap_or_else(|| default_conf.to_string());
                (d, Some(self.conf(&conf)))
            }
            "pam_unix.so" => (UNIX_DEFAULTS, None),
            "pam_tally2.so" => (TALLY2_DEFAULTS, None),
            _ => return Value::Object(Map::new()),
        };
        let mut m = Map::new();
        for (k, v) in defaults {
            m.insert((*k).into(), setting(k, v, "default", Some(path), Some(line), detail));
        }
        for (k, s) in file.map(|f| f.settings).unwrap_or_default() {
            m.insert(k, s);
        }
        for (k, v) in opts {
            m.insert(k.clone(), setting(k, v, "argument", Some(path), Some(line), detail));
        }
        if module == "pam_unix.so" {
            let hash = opts.iter().rev().find(|(k, _)| UNIX_HASHES.contains(&k.as_str()));
            let s = match hash {
                Some((k, _)) => setting("hash", k, "argument", Some(path), Some(line), detail),
                None => setting("hash", "", "default", Some(path), Some(line), detail),
            };
            m.insert("hash".into(), s);
        }
        Value::Object(m)
    }

    /// Read `name` into `stack`; `kind` restricts to one type (an include).
    /// `false` when the file does not exist (or cannot be read).
    fn load(&mut self, inc: &mut Includes, service: &str, name: &str, kind: Option<&str>, level: usize, chain: &mut Vec<String>, stack: &mut Stack) -> bool {
        let Some(path) = self.resolve(name) else { return false };
        let r = inc.read(&path, level, |inc, file| {
            self.read_file(&path);
            chain.push(path.clone());
            self.rules(inc, service, &path, &file.text, kind, level, chain, stack);
            chain.pop();
        });
        match r {
            Ok(()) | Err(Skip::TooDeep | Skip::TooMany) => true,
            Err(Skip::Loop) => {
                stack.problems.push(
                    json!({"path": path, "line": null, "detail": format!("include cycle: {} is already being read", path)}),
                );
                true
            }
            Err(Skip::Read(e)) => {
                self.unreadable(e);
                false
            }
        }
    }

    /// The rules of one file.
    #[allow(clippy::too_many_arguments)]
    fn rules(&mut self, inc: &mut Includes, service: &str, path: &str, text: &str, kind: Option<&str>, level: usize, chain: &mut Vec<String>, stack: &mut Stack) {
        for l in assemble(text) {
            if stack.entries.len() >= MAX_ENTRIES {
                break;
            }
            let detail = l.text.clone();
            match parse_rule(&l.text) {
                Rule::Empty => {}
                Rule::AtInclude(target) => {
                    self.include(inc, service, &target, kind, level, chain, stack, path, l.line, &detail, "@include");
                }
                Rule::Entry { kind: k, optional_load, control, module, args } => {
                    if !matches!(k.as_str(), "auth" | "account" | "password" | "session") {
                        stack.problems.push(json!({"path": path, "line": l.line, "detail": detail,
                            "why": format!("illegal module type `{k}` (libpam makes the stack fail)")}));
                        continue;
                    }
                    if kind.is_some_and(|want| want != k) {
                        continue;
                    }
                    if control == "include" || control == "substack" {
                        let target = module.unwrap_or_default();
                        self.include(inc, service, &target, Some(&k), level, chain, stack, path, l.line, &detail, &control);
                        continue;
                    }
                    let Some(module_path) = module else {
                        stack.problems.push(json!({"path": path, "line": l.line, "detail": detail,
                            "why": "no module name (libpam makes the stack fail)"}));
                        continue;
                    };
                    let e = self.entry(service, path, l.line, detail, &k, optional_load, control, module_path, args, chain);
                    stack.entries.push(e);
                }
            }
        }
    }

    /// The fact item of one module rule.
    #[allow(clippy::too_many_arguments)]
    fn entry(&mut self, service: &str, path: &str, line: usize, detail: String, kind: &str, optional_load: bool, control: String, module_path: String, args: Vec<String>, chain: &[String]) -> Value {
        let opts: Vec<(String, String)> = args
            .iter()
            .map(|a| match a.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (a.clone(), String::new()),
            })
            .collect();
        let modname = basename(&module_path).to_string();
        let found = if optional_load { self.module_found(&module_path) } else { None };
        let settings = self.settings(&modname, &opts, path, line, &detail);
        let mut m = item(Some(path), Some(line), detail);
        m.insert("service".into(), service.into());
        m.insert("type".into(), kind.into());
        m.insert("control".into(), control.into());
        m.insert("optional_load".into(), optional_load.into());
        m.insert("module".into(), modname.into());
        m.insert("module_path".into(), module_path.into());
        m.insert("args".into(), args.into());
        let mut om = Map::new();
        for (k, v) in opts {
            om.insert(k, v.into());
        }
        m.insert("opts".into(), Value::Object(om));
        m.insert("module_found".into(), found.map(Value::from).unwrap_or(Value::Null));
        m.insert("active".into(), (found != Some(false)).into());
        m.insert("settings".into(), settings);
        m.insert("via".into(), chain[..chain.len().saturating_sub(1)].to_vec().into());
        Value::Object(m)
    }

    #[allow(clippy::too_many_arguments)]
    fn include(
        &mut self,
        inc: &mut Includes,
        service: &str,
        target: &str,
        kind: Option<&str>,
        level: usize,
        chain: &mut Vec<String>,
        stack: &mut Stack,
        path: &str,
        line: usize,
        detail: &str,
        how: &str,
    ) {
        if target.is_empty() {
            stack.problems.push(json!({"path": path, "line": line, "detail": detail,
                "why": format!("`{how}` without a file (libpam makes the stack fail)")}));
            return;
        }
        if level + 1 >= MAX_LEVEL {
            stack.problems.push(json!({"path": path, "line": line, "detail": detail,
                "why": format!("more than {MAX_LEVEL} levels of includes (libpam makes the stack fail)")}));
            return;
        }
        if self.load(inc, service, target, kind, level + 1, chain, stack) {
            let n = basename(target).to_string();
            if !stack.includes.contains(&n) {
                stack.includes.push(n);
            }
        } else {
            let mut m = item(Some(path), Some(line), detail);
            m.insert("target".into(), target.into());
            m.insert("type".into(), kind.map(Value::from).unwrap_or(Value::Null));
            m.insert(
                "why".into(),
                format!("{how} {target}: the file does not exist (libpam makes the stack fail)").into(),
            );
            stack.missing.push(Value::Object(m));
        }
    }
}

fn conf_values(c: &ConfFile) -> Value {
    let mut m = Map::new();
    for (k, s) in &c.settings {
        m.insert(k.clone(), s.clone());
    }
    json!({"values": m})
}

pub fn collect(scan: &Reader) -> Result<Fact, Unavailable> {
    let mut r = Loader::new(scan);
    let mut names: Vec<String> = Vec::new();
    let mut any_dir = false;
    for d in PAM_DIRS {
        match scan.target.read_dir(d) {
            Ok(list) => {
                any_dir = true;
                for e in list {
                    if e.name.starts_with('.') || names.contains(&e.name) {
                        continue;
                    }
                    if scan.target.stat(&e.path).is_ok_and(|m| m.file_type != FileType::File) {
                        continue;
                    }
                    names.push(e.name);
                }
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => {
                scan.note_unreadable(&e);
                r.unreadable.push(e);
            }
        }
    }
    if !any_dir {
        if let Some(e) = r.unreadable.first() {
            return Err(Unavailable::Unreadable(e.clone()));
        }
        return Err(Unavailable::NotFound(format!("{} not found", PAM_DIRS.join(", "))));
    }
    names.sort();
    names.truncate(MAX_SERVICES);
    let mut services = Vec::new();
    for name in &names {
        let mut stack = Stack::default();
        let mut chain = Vec::new();
        let path = r.resolve(name);
        let mut inc = Includes::new(scan, STACK_BOUNDS);
        if !r.load(&mut inc, name, name, None, 0, &mut chain, &mut stack) {
            continue;
        }
        services.push(json!({
            "name": name,
            "path": path,
            "entries": stack.entries,
            "includes": stack.includes,
            "missing": stack.missing,
            "problems": stack.problems,
        }));
    }
    let pwq = r.pwquality();
    let faillock = r.conf(FAILLOCK_CONF);
    let pwhistory = r.conf(PWHISTORY_CONF);
    let value = json!({
        "exists": true,
        "files": r.files,
        "services": services,
        "pwquality": conf_values(&pwq),
        "faillock": conf_values(&faillock),
        "pwhistory": conf_values(&pwhistory),
    });
    Ok(Fact::new(value, r.unreadable))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collectors::test_support::scan_with;

    fn service<'a>(v: &'a Value, name: &str) -> &'a Value {
        v["services"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap()
    }

    #[test]
    fn lines_and_tokens() {
        let l = assemble("# c\nauth required \\\n  pam_unix.so nullok # trailing\n\n  \npassword x y\\");
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].line, 2);
        assert_eq!(l[0].text.split_whitespace().collect::<Vec<_>>(), ["auth", "required", "pam_unix.so", "nullok"]);
        assert_eq!(l[1].line, 6);
        let t = tokenize("auth [success=1 default=ignore] pam_x.so [query=a b \\] c] k=[v w]");
        assert_eq!(t[1].raw, "[success=1 default=ignore]");
        assert_eq!(t[3].cooked, "query=a b ] c");
        assert_eq!(t[4].cooked, "k=v w");
        match parse_rule("-Password  Optional pam_gnome_keyring.so use_authtok") {
            Rule::Entry { kind, optional_load, control, module, args } => {
                assert_eq!(kind, "password");
                assert!(optional_load);
                assert_eq!(control, "optional");
                assert_eq!(module.as_deref(), Some("pam_gnome_keyring.so"));
                assert_eq!(args, ["use_authtok"]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(parse_rule("@include common-auth"), Rule::AtInclude("common-auth".into()));
    }

    #[test]
    fn garbage_never_panics() {
        let inputs = [
            "",
            "\\",
            "\\\n\\\n\\",
            "[",
            "]",
            "auth [",
            "auth [success=1 default=ignore",
            "auth required [pam_unix.so",
            "@include",
            "@include \\",
            "- - - -",
            "-",
            "auth",
            "auth required",
            "password include",
            "\u{0}\u{1}\u{ff}[]]]\\]\\",
            "ünïcödé ☃ [☃ \\]☃",
            "#only comment\\\nstill comment?",
        ];
        for i in inputs {
            let _ = assemble(i);
            let _ = tokenize(i);
            let _ = parse_rule(i);
            let _ = conf_line(i);
        }
        let long = "[".repeat(10_000) + &"\\]".repeat(10_000);
        let _ = parse_rule(&long);
        let (_d, scan) = scan_with(&[
            ("/etc/pam.d/weird", "auth\nbogus required pam_x.so\npassword include\n[[[\n@include\n-\n"),
            ("/etc/pam.d/loop", "@include loop\nauth include loop\n"),
            ("/etc/security/pwquality.conf", "minlen\n= 3\n==\nminlen = abc\n#\n"),
        ]);
        let v = collect(&scan).unwrap().value;
        assert!(!service(&v, "weird")["problems"].as_array().unwrap().is_empty());
        assert!(!service(&v, "loop")["problems"].as_array().unwrap().is_empty());
    }

    #[test]
    fn debian_layout_with_overrides() {
        let (_d, scan) = scan_with(&[
            ("/etc/pam.d/passwd", "@include common-password\n"),
            (
                "/etc/pam.d/common-password",
                "password requisite pam_pwquality.so retry=3 minlen=12\n\
                 password [success=1 default=ignore] pam_unix.so obscure use_authtok md5 yescrypt\n\
                 password requisite pam_deny.so\n",
            ),
            ("/etc/pam.d/login", "auth include missing-file\n@include common-auth\n"),
            (
                "/etc/pam.d/common-auth",
                "auth [success=1 default=ignore] pam_unix.so nullok\nauth requisite pam_deny.so\n",
            ),
            ("/etc/security/pwquality.conf", "minlen = 10\nminclass = 3\n"),
            ("/etc/security/pwquality.conf.d/50-x.conf", "minclass = 2\ndcredit=-1\n"),
        ]);
        let v = collect(&scan).unwrap().value;
        let p = service(&v, "passwd");
        let e = &p["entries"][0];
        assert_eq!(e["path"], "/etc/pam.d/common-password");
        assert_eq!(e["line"], 1);
        assert_eq!(e["via"][0], "/etc/pam.d/passwd");
        assert_eq!(e["settings"]["minlen"]["int"], 12);
        assert_eq!(e["settings"]["minlen"]["origin"], "argument");
        // pwquality.conf is read after the .d directory: it wins.
        assert_eq!(e["settings"]["minclass"]["int"], 3);
        assert_eq!(e["settings"]["minclass"]["path"], "/etc/security/pwquality.conf");
        assert_eq!(e["settings"]["dcredit"]["int"], -1);
        assert_eq!(e["settings"]["difok"]["origin"], "default");
        assert_eq!(p["entries"][1]["settings"]["hash"]["value"], "yescrypt");
        assert_eq!(p["includes"][0], "common-password");
        let login = service(&v, "login");
        assert_eq!(login["missing"][0]["line"], 1);
        assert_eq!(login["entries"][0]["opts"]["nullok"], "");
        assert_eq!(login["entries"][0]["path"], "/etc/pam.d/common-auth");
    }

    #[test]
    fn rhel_include_filters_type_and_optional_modules() {
        let (_d, scan) = scan_with(&[
            ("/etc/pam.d/passwd", "auth include system-auth\npassword substack system-auth\n-password optional pam_gnome_keyring.so\n"),
            (
                "/etc/pam.d/system-auth",
                "auth required pam_env.so\npassword requisite pam_pwquality.so\npassword sufficient pam_unix.so sha512\n",
            ),
            ("/usr/lib64/security/pam_unix.so", ""),
        ]);
        let v = collect(&scan).unwrap().value;
        let p = service(&v, "passwd");
        let mods: Vec<_> = p["entries"].as_array().unwrap().iter().map(|e| e["module"].as_str().unwrap()).collect();
        assert_eq!(mods, ["pam_env.so", "pam_pwquality.so", "pam_unix.so", "pam_gnome_keyring.so"]);
        assert_eq!(p["entries"][3]["active"], false);
        assert_eq!(p["entries"][3]["module_found"], false);
        assert_eq!(p["entries"][1]["settings"]["minlen"]["int"], 8);
    }
}
