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

mod settings;
mod syntax;

pub use settings::{FAILLOCK_CONF, PWHISTORY_CONF, PWQUALITY_CONF, PWQUALITY_DIR, UNIX_HASHES};
pub use syntax::{assemble, parse_rule, tokenize, Logical, Rule, Token};

use settings::{conf_values, ConfFile};
use syntax::basename;

use crate::limits;
use crate::sources::include::{Includes, Skip};
use crate::sources::{item, object, Fact, Reader, Unavailable};
use crate::target::{FileType, ReadError};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashSet};

/// Where libpam looks for a service's file, in order.
pub const PAM_DIRS: &[&str] = &["/etc/pam.d", "/usr/lib/pam.d"];
/// `PAM_SUBSTACK_MAX_LEVEL` in libpam.
const MAX_LEVEL: usize = limits::PAM_LEVELS;
/// Most services read.
const MAX_SERVICES: usize = limits::PAM_SERVICES;
/// Most rules kept per flattened stack.
const MAX_ENTRIES: usize = limits::PAM_RULES;
/// Include bounds of one service's stack.
const STACK_BOUNDS: limits::Includes = limits::Includes {
    depth: limits::PAM_LEVELS,
    files: limits::PAM_FILES,
    bytes: limits::PAM_BYTES,
    ..limits::INCLUDES
};

struct Loader<'a> {
    scan: &'a Reader,
    files: Vec<String>,
    unreadable: Vec<ReadError>,
    texts: BTreeMap<String, Option<String>>,
    confs: BTreeMap<String, ConfFile>,
    pwquality: Option<ConfFile>,
    security_dirs: Option<Vec<String>>,
    /// Rules every stack may still hold (one budget for the scan).
    rules_left: usize,
}

/// One flattened stack under construction.
#[derive(Default)]
struct Stack {
    entries: Vec<Value>,
    includes: Vec<String>,
    missing: Vec<Value>,
    problems: Vec<Value>,
    /// Problems and missing includes noted so far (a file included many
    /// times repeats its own: each is listed once).
    noted: HashSet<String>,
}

impl Stack {
    fn problem(&mut self, v: Value) {
        if self.problems.len() < MAX_ENTRIES && self.noted.insert(v.to_string()) {
            self.problems.push(v);
        }
    }

    fn miss(&mut self, v: Value) {
        if self.missing.len() < MAX_ENTRIES && self.noted.insert(v.to_string()) {
            self.missing.push(v);
        }
    }
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
            rules_left: MAX_ENTRIES,
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

    /// Read `name` into `stack`; `kind` restricts to one type (an include).
    /// `false` when the file does not exist (or cannot be read).
    #[allow(clippy::too_many_arguments)]
    fn load(
        &mut self,
        inc: &mut Includes,
        service: &str,
        name: &str,
        kind: Option<&str>,
        level: usize,
        chain: &mut Vec<String>,
        stack: &mut Stack,
    ) -> bool {
        let Some(path) = self.resolve(name) else { return false };
        let r = inc.read(&path, level, |inc, file| {
            self.read_file(&path);
            chain.push(path.clone());
            self.rules(inc, service, &path, &file.text, kind, level, chain, stack);
            chain.pop();
        });
        match r {
            Ok(()) | Err(Skip::TooDeep) => true,
            Err(Skip::TooMany) => {
                let message = format!(
                    "not read: the PAM stacks read more than {} files or {} bytes in all",
                    limits::PAM_FILES,
                    limits::PAM_BYTES
                );
                self.unreadable(ReadError::Io { path, message });
                true
            }
            Err(Skip::Loop) => {
                stack.problem(
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
    fn rules(
        &mut self,
        inc: &mut Includes,
        service: &str,
        path: &str,
        text: &str,
        kind: Option<&str>,
        level: usize,
        chain: &mut Vec<String>,
        stack: &mut Stack,
    ) {
        for l in assemble(text) {
            if self.rules_left == 0 {
                let message = format!("not read: the PAM stacks hold more than {MAX_ENTRIES} rules in all");
                self.unreadable(ReadError::Io { path: path.to_string(), message });
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
                        stack.problem(json!({"path": path, "line": l.line, "detail": detail,
                            "why": format!("illegal module type `{k}` (libpam makes the stack fail)")}));
                        continue;
                    }
                    if kind.is_some_and(|want| want != k) {
                        continue;
                    }
                    if control == "include" || control == "substack" {
                        let target = module.unwrap_or_default();
                        self.include(
                            inc,
                            service,
                            &target,
                            Some(&k),
                            level,
                            chain,
                            stack,
                            path,
                            l.line,
                            &detail,
                            &control,
                        );
                        continue;
                    }
                    let Some(module_path) = module else {
                        stack.problem(json!({"path": path, "line": l.line, "detail": detail,
                            "why": "no module name (libpam makes the stack fail)"}));
                        continue;
                    };
                    let e =
                        self.entry(service, path, l.line, detail, &k, optional_load, control, module_path, args, chain);
                    stack.entries.push(e);
                    self.rules_left -= 1;
                }
            }
        }
    }

    /// The fact item of one module rule.
    #[allow(clippy::too_many_arguments)]
    fn entry(
        &mut self,
        service: &str,
        path: &str,
        line: usize,
        detail: String,
        kind: &str,
        optional_load: bool,
        control: String,
        module_path: String,
        args: Vec<String>,
        chain: &[String],
    ) -> Value {
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
            stack.problem(json!({"path": path, "line": line, "detail": detail,
                "why": format!("`{how}` without a file (libpam makes the stack fail)")}));
            return;
        }
        if level + 1 >= MAX_LEVEL {
            stack.problem(json!({"path": path, "line": line, "detail": detail,
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
            stack.miss(Value::Object(m));
        }
    }
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
    // One budget of files and bytes for every stack: a file included many
    // times by many services is read (and costs) at most that much in all.
    let (mut files, mut bytes) = (STACK_BOUNDS.files, STACK_BOUNDS.bytes);
    for name in &names {
        let mut stack = Stack::default();
        let mut chain = Vec::new();
        let path = r.resolve(name);
        let mut inc = Includes::new(scan, limits::Includes { files, bytes, ..STACK_BOUNDS });
        let loaded = r.load(&mut inc, name, name, None, 0, &mut chain, &mut stack);
        files = files.saturating_sub(inc.files().len());
        bytes = bytes.saturating_sub(inc.bytes());
        if !loaded {
            continue;
        }
        services.push(object([
            ("name", json!(name)),
            ("path", json!(path)),
            ("entries", Value::Array(stack.entries)),
            ("includes", json!(stack.includes)),
            ("missing", Value::Array(stack.missing)),
            ("problems", Value::Array(stack.problems)),
        ]));
    }
    let pwq = r.pwquality();
    let faillock = r.conf(FAILLOCK_CONF);
    let pwhistory = r.conf(PWHISTORY_CONF);
    let value = object([
        ("exists", true.into()),
        ("files", json!(r.files)),
        ("services", Value::Array(services)),
        ("pwquality", conf_values(&pwq)),
        ("faillock", conf_values(&faillock)),
        ("pwhistory", conf_values(&pwhistory)),
    ]);
    Ok(Fact::new(value, r.unreadable))
}

#[cfg(test)]
mod tests {
    use super::settings::conf_line;
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
    fn a_rule_of_many_arguments_is_not_copied_into_each_setting() {
        let args: Vec<String> = (0..400).map(|i| format!("opt{i}=v")).collect();
        let line = format!("password requisite pam_pwquality.so {}", args.join(" "));
        let text = format!("{line}\n");
        let (_d, scan) = scan_with(&[("/etc/pam.d/passwd", text.as_str())]);
        let v = collect(&scan).unwrap().value;
        let rule = &service(&v, "passwd")["entries"][0];
        // The rule keeps its whole line; each of its 400 settings the start.
        assert_eq!(rule["detail"], line.as_str());
        let setting = &rule["settings"]["opt399"];
        assert_eq!(setting["line"], 1);
        assert_eq!(setting["value"], "v");
        let detail = setting["detail"].as_str().unwrap();
        assert_eq!(detail.chars().count(), 257, "{detail}");
        assert!(line.starts_with(detail.trim_end_matches('…')) && detail.ends_with('…'));
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
