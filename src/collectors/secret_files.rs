//! `secret_files`: a bounded search for exposed secrets, shared by the
//! `secrets.*` checks (through the `secret_files` probe).
//!
//! What is read:
//! - every regular text file below the search paths (profile parameter
//!   `secret_paths`; default `/etc`, `/root`, `/home`, `/srv`, `/opt`,
//!   `/var/www`, `/var/lib/jenkins`), without following symlinks below a
//!   start, staying on the start's filesystem, never entering /proc, /sys,
//!   /dev or /run on a live host, nor version-control, dependency, cache and
//!   test/sample trees ([`tree_walk::dependency_or_sample`]); at most [`MAX_DEPTH`] levels,
//!   [`MAX_ENTRIES`] entries and [`MAX_FILES`] files read per scan (hitting a
//!   limit is reported as skipped);
//! - files larger than [`MAX_SCAN_BYTES`], files with a binary/media/archive
//!   extension, and files that are not UTF-8 are passed over without a
//!   report (they hold no configuration);
//! - every user's shell and REPL histories ([`HISTORIES`]) in the home named
//!   by the target's passwd, wherever it is (`/var/lib/postgresql`);
//! - systemd `EnvironmentFile=` targets named by unit files.
//!
//! What is found (a finding is `{path, line, kind, what, key, encrypted,
//! high_entropy, env_file, history}` plus the file's mode and owner; never
//! the value):
//! - private keys: PEM (`-----BEGIN … PRIVATE KEY-----`), OpenSSH, PGP
//!   private key blocks and PuTTY keys, with whether they are encrypted
//!   (PKCS#8 `ENCRYPTED PRIVATE KEY`, PEM `Proc-Type: 4,ENCRYPTED`, the
//!   OpenSSH cipher name, PuTTY `Encryption:`); a marker that is not followed
//!   by a key body (a script grepping for it) is not a key;
//! - cloud and API tokens by their documented shapes: AWS access key ids and
//!   `aws_secret_access_key`, GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`,
//!   `github_pat_`), GitLab `glpat-`, Slack `xox?-` tokens and webhook URLs,
//!   Stripe live keys (AWS's documented `EXAMPLE` keys are ignored);
//! - assignments to secret-named keys (`DB_PASSWORD=…`, `api_key: …`,
//!   `password="…"`) with a literal value (not empty, not a `$VAR`/`${…}`/
//!   `{{ … }}` reference, not a placeholder such as `changeme`), marked
//!   `high_entropy` when the value is at least 20 characters with a Shannon
//!   entropy of at least 3.5 bits per character;
//! - in histories, every line [`crate::redact::mask`] would mask (the
//!   masking patterns *are* the detector, so a reported line is always a
//!   masked one), unless every masked part is a variable reference.

use crate::redact;
use crate::sources::{item, Reader};
use crate::target::{FileMeta, FileType, ReadError};
use regex::Regex;
use super::accounts;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// Default search paths (the `secret_paths` parameter overrides them).
pub const DEFAULT_PATHS: &[&str] = &["/etc", "/root", "/home", "/srv", "/opt", "/var/www", "/var/lib/jenkins"];
/// Directory levels below a start.
pub const MAX_DEPTH: usize = crate::limits::SECRET_WALK.depth;
/// Entries visited per scan.
pub const MAX_ENTRIES: usize = crate::limits::SECRET_WALK.entries;
/// Files read per scan.
pub const MAX_FILES: usize = crate::limits::SECRET_WALK.files;
/// Larger files are not read (histories may be up to the target's limit).
pub const MAX_SCAN_BYTES: u64 = crate::limits::SECRET_SCAN_BYTES;

/// Shell and REPL history files, by name.
pub const HISTORIES: &[&str] = &[
    ".bash_history",
    ".zsh_history",
    ".sh_history",
    ".ash_history",
    ".history",
    ".mysql_history",
    ".mariadb_history",
    ".psql_history",
    ".python_history",
    ".node_repl_history",
    ".rediscli_history",
    ".sqlite_history",
    "fish_history",
];

/// Trees below the default paths that hold only public material.
const SKIP_PATHS: &[&str] =
    &["/etc/ssl/certs", "/etc/pki/ca-trust", "/etc/pki/tls/certs", "/etc/ca-certificates", "/etc/alternatives"];

/// Live pseudo filesystems.
use crate::sources::tree_walk::{self, PSEUDO};

/// Extensions of files that hold no text configuration.
const BINARY_EXT: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "ico", "bmp", "webp", "svg", "woff", "woff2", "ttf", "otf", "eot", "gz", "bz2", "xz",
    "zst", "lz4", "zip", "jar", "war", "ear", "tar", "tgz", "7z", "rar", "so", "a", "o", "ko", "pyc", "pyo", "class",
    "mo", "gmo", "db", "sqlite", "sqlite3", "bin", "img", "iso", "deb", "rpm", "pdf", "mp3", "mp4", "ogg", "wav",
    "wasm", "pub", "crt", "cer", "der", "map", "woff2", "cache", "idx", "pack", "dat", "mmdb", "hwdb", "cdb",
];

/// Source code: token shapes count there, `name = value` does not (it is
/// code, `password = getpass()`, not configuration).
const CODE_EXT: &[&str] = &[
    "py", "rb", "js", "mjs", "cjs", "ts", "go", "java", "kt", "scala", "c", "h", "cc", "cpp", "hpp", "rs", "pl", "pm",
    "lua", "tcl", "cs", "swift", "m4", "el", "vim",
];

fn is_code(path: &str) -> bool {
    name_of(path).rsplit_once('.').is_some_and(|(stem, ext)| !stem.is_empty() && CODE_EXT.contains(&ext))
}

/// A file the search could not read.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreadable {
    pub error: ReadError,
    /// Whether others could read it: a file nobody else can read cannot
    /// expose anything to them.
    pub others_can_read: bool,
    /// A shell or client history.
    pub history: bool,
}

/// What the search found.
#[derive(Debug, Default)]
pub struct Search {
    /// Finding items (`kind`, `what`, `path`, `line`, `detail`, mode and owner fields…).
    pub findings: Vec<Value>,
    pub unreadable: Vec<Unreadable>,
    pub files_read: usize,
}

struct State<'a> {
    scan: &'a Reader,
    findings: Vec<Value>,
    unreadable: Vec<Unreadable>,
    seen: BTreeSet<String>,
    entries: usize,
    files: usize,
    stopped: bool,
}

/// One bounded search for exposed secrets under `paths`, histories and
/// environment files.
pub fn search(scan: &Reader, paths: &[String], passwd: Option<&accounts::Database>) -> Search {
    let mut st = State {
        scan,
        findings: Vec::new(),
        unreadable: Vec::new(),
        seen: BTreeSet::new(),
        entries: 0,
        files: 0,
        stopped: false,
    };
    let env_targets = environment_files(scan);
    for p in paths {
        walk(&mut st, p, &env_targets);
    }
    for h in history_files(scan, passwd) {
        if let Ok(meta) = scan.target.stat(&h) {
            scan_file(&mut st, &h, &meta, env_targets.contains(&h));
        }
    }
    for e in &env_targets {
        match scan.target.stat(e) {
            Ok(meta) if meta.file_type == FileType::File => scan_file(&mut st, e, &meta, true),
            Ok(_) => {}
            Err(err) => unreadable(&mut st, &err, None),
        }
    }
    Search { findings: st.findings, unreadable: st.unreadable, files_read: st.files }
}

fn unreadable(st: &mut State, e: &ReadError, meta: Option<&FileMeta>) {
    if e.is_not_found() {
        return;
    }
    st.scan.note_unreadable(e);
    st.unreadable.push(Unreadable {
        error: e.clone(),
        others_can_read: meta.is_none_or(|m| m.mode & 0o044 != 0),
        history: is_history(e.path()),
    });
}

fn name_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

pub fn is_history(path: &str) -> bool {
    HISTORIES.contains(&name_of(path))
}

/// `.env`, `*.env`, `.env.production` (not `.env.example`/`.sample`/…),
/// `/etc/default/*`, `/etc/sysconfig/*`.
pub fn is_env_file(path: &str) -> bool {
    let name = name_of(path);
    let sample = |s: &str| {
        ["example", "sample", "dist", "template", "tmpl", "defaults"].iter().any(|x| s.ends_with(&format!(".{x}")))
    };
    if path.starts_with("/etc/default/") || path.starts_with("/etc/sysconfig/") {
        return !path["/etc/".len()..].contains("/.") && path.matches('/').count() == 3;
    }
    (name == ".env" || name.ends_with(".env") || name.starts_with(".env.")) && !sample(name)
}

fn walk(st: &mut State, start: &str, env_targets: &BTreeSet<String>) {
    let root = match st.scan.target.stat(start) {
        Ok(m) if m.file_type == FileType::Dir => m,
        Ok(m) if m.file_type == FileType::File => {
            scan_file(st, start, &m, env_targets.contains(start));
            return;
        }
        Ok(_) => return,
        Err(e) => return unreadable(st, &e, None),
    };
    let live = st.scan.target.is_live();
    let mut stack: Vec<(std::vec::IntoIter<crate::target::DirEntry>, usize)> = Vec::new();
    match st.scan.target.read_dir(start) {
        Ok(entries) => stack.push((entries.into_iter(), 0)),
        Err(e) => return unreadable(st, &e, None),
    }
    while let Some((entries, depth)) = stack.last_mut() {
        let depth = *depth;
        let Some(e) = entries.next() else {
            stack.pop();
            continue;
        };
        st.entries += 1;
        if st.entries > MAX_ENTRIES || st.files >= MAX_FILES {
            stop(st, start);
            return;
        }
        if SKIP_PATHS.contains(&e.path.as_str()) || (live && PSEUDO.contains(&e.path.as_str())) {
            continue;
        }
        let meta = match st.scan.target.lstat(&e.path) {
            Ok(m) => m,
            Err(err) => {
                unreadable(st, &err, None);
                continue;
            }
        };
        match meta.file_type {
            FileType::Dir => {
                if depth + 1 >= MAX_DEPTH || meta.dev != root.dev || tree_walk::dependency_or_sample(&e.name) {
                    continue;
                }
                match st.scan.target.read_dir(&e.path) {
                    Ok(entries) => stack.push((entries.into_iter(), depth + 1)),
                    Err(err) => unreadable(st, &err, Some(&meta)),
                }
            }
            FileType::File => scan_file(st, &e.path, &meta, env_targets.contains(&e.path)),
            _ => {}
        }
    }
}

fn stop(st: &mut State, start: &str) {
    if st.stopped {
        return;
    }
    st.stopped = true;
    let e = ReadError::Io {
        path: start.to_string(),
        message: format!("secret search stopped after {} entries / {} files", st.entries.min(MAX_ENTRIES), st.files),
    };
    unreadable(st, &e, None);
}

fn skipped_by_name(path: &str) -> bool {
    let name = name_of(path);
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => BINARY_EXT.contains(&ext.to_ascii_lowercase().as_str()),
        _ => false,
    }
}

fn scan_file(st: &mut State, path: &str, meta: &FileMeta, env_target: bool) {
    if !st.seen.insert(path.to_string()) {
        return;
    }
    let history = is_history(path);
    if !history && (meta.size > MAX_SCAN_BYTES || skipped_by_name(path)) {
        return;
    }
    if st.files >= MAX_FILES {
        return;
    }
    st.files += 1;
    let text = match st.scan.target.read_text(path) {
        Ok(f) => f.text,
        Err(ReadError::NotUtf8 { .. }) | Err(ReadError::TooLarge { .. }) | Err(ReadError::NotRegular { .. }) => return,
        Err(e) => return unreadable(st, &e, Some(meta)),
    };
    let env_file = env_target || is_env_file(path);
    let mut found = detect(&text, history, env_file);
    if is_code(path) {
        found.retain(|f| f.kind != Kind::SecretAssignment);
    }
    let names = st.scan.names();
    let owner = names.users.get(&meta.uid).cloned().unwrap_or_else(|| meta.uid.to_string());
    let group = names.groups.get(&meta.gid).cloned().unwrap_or_else(|| meta.gid.to_string());
    for f in found.iter_mut() {
        let detail = match f.kind {
            // The line itself, which the engine masks (the detector only
            // reports lines the mask changes).
            Kind::History => f.line_text.clone(),
            _ => format!("{} (file mode {:04o} {owner}:{group})", f.what, meta.mode),
        };
        let mut m = item(Some(path), Some(f.line), detail);
        m.insert("kind".into(), f.kind.as_str().into());
        m.insert("what".into(), f.what.clone().into());
        m.insert("key".into(), f.key.clone().map(Value::from).unwrap_or(Value::Null));
        m.insert("encrypted".into(), f.encrypted.map(Value::from).unwrap_or(Value::Null));
        m.insert("high_entropy".into(), f.high_entropy.into());
        m.insert("env_file".into(), env_file.into());
        m.insert("history".into(), history.into());
        meta_fields(&mut m, meta, &owner, &group);
        st.findings.push(Value::Object(m));
    }
}

fn meta_fields(m: &mut Map<String, Value>, meta: &FileMeta, owner: &str, group: &str) {
    m.insert("mode".into(), meta.mode.into());
    m.insert("mode_octal".into(), format!("{:04o}", meta.mode).into());
    m.insert("uid".into(), meta.uid.into());
    m.insert("gid".into(), meta.gid.into());
    m.insert("owner".into(), owner.into());
    m.insert("group".into(), group.into());
    m.insert("world_readable".into(), (meta.mode & 0o004 != 0).into());
    m.insert("group_readable".into(), (meta.mode & 0o040 != 0).into());
}

/// Unit files whose `EnvironmentFile=` targets are read.
const UNIT_DIRS: &[&str] =
    &["/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"];

/// Files named by `EnvironmentFile=` in unit files and their drop-ins
/// (`-` prefix dropped, globs expanded inside the target).
pub fn environment_files(scan: &Reader) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut units = Vec::new();
    for d in UNIT_DIRS {
        let Ok(entries) = scan.target.read_dir(d) else { continue };
        for e in entries {
            if e.name.ends_with(".d") {
                if let Ok(drop) = scan.target.read_dir(&e.path) {
                    units.extend(drop.into_iter().filter(|x| x.name.ends_with(".conf")).map(|x| x.path));
                }
            } else if e.name.ends_with(".service") || e.name.ends_with(".socket") {
                units.push(e.path);
            }
        }
    }
    for u in units.into_iter().take(crate::limits::SECRET_UNITS) {
        let Ok(f) = scan.target.read_text(&u) else { continue };
        for line in f.text.lines() {
            let Some(v) = line.trim().strip_prefix("EnvironmentFile") else { continue };
            let Some(v) = v.trim_start().strip_prefix('=') else { continue };
            for p in v.split_whitespace() {
                let p = p.trim_start_matches('-');
                if !p.starts_with('/') || p.contains('%') {
                    continue;
                }
                if p.contains(['*', '?', '[']) {
                    out.extend(scan.glob(p));
                } else {
                    out.insert(crate::target::normalize(p));
                }
            }
        }
    }
    out
}

/// History files in every passwd home (and /root).
fn history_files(scan: &Reader, passwd: Option<&accounts::Database>) -> Vec<String> {
    let mut homes = BTreeSet::new();
    homes.insert("/root".to_string());
    for u in passwd.map(|p| p.records.as_slice()).unwrap_or_default() {
        let h = u.field(5);
        if h.starts_with('/') && h != "/" && !h.starts_with("/proc") {
            homes.insert(crate::target::normalize(h));
        }
    }
    let mut out = Vec::new();
    for h in homes {
        for name in HISTORIES {
            let p = crate::target::join(&h, name);
            if scan.target.lstat(&p).is_ok() {
                out.push(p);
            }
        }
        out.push(crate::target::join(&h, ".local/share/fish/fish_history"));
    }
    out.retain(|p| scan.target.lstat(p).is_ok());
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    PrivateKey,
    AwsAccessKeyId,
    AwsSecretAccessKey,
    GithubToken,
    GitlabToken,
    SlackToken,
    SlackWebhook,
    StripeKey,
    SecretAssignment,
    History,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::PrivateKey => "private_key",
            Kind::AwsAccessKeyId => "aws_access_key_id",
            Kind::AwsSecretAccessKey => "aws_secret_access_key",
            Kind::GithubToken => "github_token",
            Kind::GitlabToken => "gitlab_token",
            Kind::SlackToken => "slack_token",
            Kind::SlackWebhook => "slack_webhook",
            Kind::StripeKey => "stripe_key",
            Kind::SecretAssignment => "secret_assignment",
            Kind::History => "history",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Found {
    pub line: usize,
    pub kind: Kind,
    /// What was found, in words (never the value).
    pub what: String,
    pub key: Option<String>,
    pub encrypted: Option<bool>,
    pub high_entropy: bool,
    /// History findings only: the line, for the engine to mask.
    line_text: String,
}

fn found(line: usize, kind: Kind, what: impl Into<String>) -> Found {
    Found { line, kind, what: what.into(), key: None, encrypted: None, high_entropy: false, line_text: String::new() }
}

fn token_patterns() -> &'static [(Kind, &'static str, Regex)] {
    static RE: OnceLock<Vec<(Kind, &'static str, Regex)>> = OnceLock::new();
    RE.get_or_init(|| {
        let r = |s: &str| Regex::new(s).expect("static regex");
        vec![
            (Kind::AwsAccessKeyId, "AWS access key id", r(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b")),
            (
                Kind::AwsSecretAccessKey,
                "AWS secret access key",
                r(r#"(?i)\baws_?secret_?access_?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})\b"#),
            ),
            (Kind::GithubToken, "GitHub token", r(r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{60,})\b")),
            (Kind::GitlabToken, "GitLab personal access token", r(r"\bglpat-[A-Za-z0-9_\-]{20,}")),
            (Kind::SlackToken, "Slack token", r(r"\bxox[abposr]-[0-9A-Za-z]+-[0-9A-Za-z\-]{8,}")),
            (
                Kind::SlackWebhook,
                "Slack webhook URL",
                r(r"hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+"),
            ),
            (Kind::StripeKey, "Stripe live secret key", r(r"\b[rs]k_live_[A-Za-z0-9]{20,}\b")),
        ]
    })
}

fn begin_key() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"-----BEGIN ((?:RSA |DSA |EC |OPENSSH |ENCRYPTED |ANY )?PRIVATE KEY|PGP PRIVATE KEY BLOCK)-----")
            .expect("static regex")
    })
}

fn assignment_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"(?:^|[^A-Za-z0-9_.\-])["']?([A-Za-z][A-Za-z0-9_.\-]*)["']?\s*(?:=|:(?:[^/]|$))\s*"#)
            .expect("static regex")
    })
}

/// Whether a key names a secret (`DB_PASSWORD`, `api_key`, `client-secret`,
/// `pwd`), not a setting about one (`password_file`, `token_ttl`).
pub fn secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    let segs: Vec<&str> = k.split(|c: char| !c.is_ascii_alphanumeric()).filter(|s| !s.is_empty()).collect();
    const STRONG: &[&str] = &[
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "api_key",
        "api-key",
        "access_key",
        "accesskey",
        "private_key",
        "privatekey",
        "auth_key",
        "requirepass",
        "masterauth",
    ];
    let named = STRONG.iter().any(|w| k.contains(w)) || segs.iter().any(|s| matches!(*s, "pass" | "pwd" | "pw"));
    const NOT: &[&str] = &[
        "file",
        "path",
        "dir",
        "cmd",
        "command",
        "url",
        "uri",
        "endpoint",
        "type",
        "name",
        "user",
        "username",
        "length",
        "len",
        "min",
        "max",
        "ttl",
        "expiry",
        "expires",
        "expire",
        "timeout",
        "age",
        "days",
        "policy",
        "hash",
        "method",
        "encryption",
        "algorithm",
        "enabled",
        "enable",
        "required",
        "env",
        "id",
        "prompt",
        "mode",
        "header",
        "lifetime",
        "rotation",
        "store",
        "helper",
        "source",
        "format",
        "strength",
        "reset",
        "sha",
        "hashed",
    ];
    named && !segs.iter().any(|s| NOT.contains(s)) && !k.ends_with("authentication") && !k.contains("nopasswd")
}

/// Words that mark a template value, not a real secret.
const PLACEHOLDERS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "your_",
    "your-",
    "yourpassword",
    "example",
    "placeholder",
    "replace_me",
    "replaceme",
    "redacted",
    "dummy",
    "secret_here",
    "password_here",
    "token_here",
];

/// A literal value that is not a reference, placeholder or plain setting.
pub fn literal_secret(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    if v.is_empty() || v.starts_with('$') || v.starts_with('%') || v.starts_with('<') || v.starts_with('`') {
        return false;
    }
    if v.contains("{{") || v.contains("${") || v.starts_with("ENC[") || l.starts_with("vault:") {
        return false;
    }
    if v.starts_with('/') || v.starts_with("~/") || v.starts_with("./") {
        return false;
    }
    // Code, not a value: calls, indexing, attribute access.
    if !v.chars().any(|c| c.is_ascii_alphanumeric())
        || v.contains(['(', ')', '[', '{', '\'', '"'])
        || l.starts_with("self.")
        || l.starts_with("this.")
    {
        return false;
    }
    if v.chars().all(|c| c == '*' || c == 'x' || c == 'X' || c == '.' || c == '-' || c == '_') {
        return false;
    }
    if matches!(
        l.as_str(),
        "yes" | "no" | "true" | "false" | "none" | "null" | "nil" | "on" | "off" | "required" | "optional"
    ) {
        return false;
    }
    if PLACEHOLDERS.iter().any(|p| l.contains(p)) {
        return false;
    }
    !v.chars().all(|c| c.is_ascii_digit()) || v.len() >= 8
}

/// Shannon entropy, bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let n = s.chars().count() as f64;
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    counts.values().map(|&c| c as f64 / n).map(|p| -p * p.log2()).sum()
}

pub fn high_entropy(v: &str) -> bool {
    let classes = [
        v.bytes().any(|b| b.is_ascii_lowercase()),
        v.bytes().any(|b| b.is_ascii_uppercase()),
        v.bytes().any(|b| b.is_ascii_digit()),
    ];
    v.len() >= 20 && entropy(v) >= 3.5 && classes.iter().filter(|c| **c).count() >= 2
}

/// The value at the start of `rest`: a quoted string, or up to whitespace
/// (or `,;<>` and a ` #` comment).
fn value_at(rest: &str) -> &str {
    let rest = rest.trim_start();
    if let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let inner = &rest[1..];
        return inner.find(q).map(|e| &inner[..e]).unwrap_or(inner);
    }
    let end =
        rest.find(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '<' | '>' | '}' | ')')).unwrap_or(rest.len());
    &rest[..end]
}

/// Find secrets in a file's text.
pub fn detect(text: &str, history: bool, env_file: bool) -> Vec<Found> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        if line.len() > 4096 {
            continue;
        }
        if let Some(c) = begin_key().captures(line) {
            let label = c.get(1).map(|m| m.as_str()).unwrap_or("");
            let rest = c.get(0).map(|m| &line[m.end()..]).unwrap_or("");
            if let Some((what, encrypted)) = private_key(label, rest, &lines[i + 1..]) {
                let mut f = found(n, Kind::PrivateKey, what);
                f.encrypted = encrypted;
                out.push(f);
            }
            continue;
        }
        if line.starts_with("PuTTY-User-Key-File-") {
            let enc = lines.iter().skip(i + 1).take(3).find_map(|l| l.strip_prefix("Encryption:")).map(str::trim);
            let encrypted = enc.map(|e| e != "none");
            let what = if encrypted == Some(false) { "unencrypted PuTTY private key" } else { "PuTTY private key" };
            let mut f = found(n, Kind::PrivateKey, what);
            f.encrypted = encrypted;
            out.push(f);
            continue;
        }
        if history {
            if history_secret(line) {
                let mut f = found(n, Kind::History, "a secret on a command line");
                f.line_text = line.chars().take(300).collect();
                out.push(f);
            }
            continue;
        }
        let mut token_line = false;
        for (kind, what, re) in token_patterns() {
            if let Some(m) = re.find(line) {
                if m.as_str().contains("EXAMPLE") {
                    continue;
                }
                out.push(found(n, *kind, *what));
                token_line = true;
            }
        }
        if token_line {
            continue;
        }
        let t = line.trim_start();
        if t.starts_with('#') || t.starts_with(';') || t.starts_with("//") {
            continue;
        }
        for c in assignment_re().captures_iter(line) {
            let (Some(k), Some(whole)) = (c.get(1), c.get(0)) else { continue };
            if !secret_key(k.as_str()) {
                continue;
            }
            let v = value_at(&line[whole.end()..]);
            if !literal_secret(v) {
                continue;
            }
            let he = high_entropy(v);
            if !(he || env_file) {
                continue;
            }
            let what = if he {
                format!("high-entropy literal value for secret-named key {}", k.as_str())
            } else {
                format!("literal value for secret-named key {}", k.as_str())
            };
            let mut f = found(n, Kind::SecretAssignment, what);
            f.key = Some(k.as_str().to_string());
            f.high_entropy = he;
            out.push(f);
            break;
        }
    }
    out
}

/// A history line holds a secret when the central mask would hide part of
/// it and that part is not a variable reference.
fn history_secret(line: &str) -> bool {
    redact::masked_values(line).iter().any(|v| {
        let v = v.trim_matches(|c| c == '"' || c == '\'');
        !(v.is_empty() || v.starts_with('$') || v.starts_with('`') || v.starts_with("%("))
    })
}

/// Whether a private-key marker starts a real key, and its description.
fn private_key(label: &str, after_marker: &str, after: &[&str]) -> Option<(String, Option<bool>)> {
    // The body: base64 lines after optional `Name: value` headers, or (in
    // JSON/escaped form) on the same line after `\n`.
    let inline = after_marker.contains("\\n") && after_marker.len() > 40;
    let mut headers = Vec::new();
    let mut body = String::new();
    for l in after.iter().take(400) {
        let l = l.trim().trim_matches(|c| c == '"' || c == '\'' || c == ',');
        if l.starts_with("-----END") {
            break;
        }
        if l.is_empty() {
            continue;
        }
        if l.contains(": ") && body.is_empty() {
            headers.push(l.to_string());
            continue;
        }
        if !l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=') {
            break;
        }
        body.push_str(l);
        if body.len() > 4096 {
            break;
        }
    }
    if !inline && body.len() < 40 {
        return None;
    }
    Some(match label {
        "ENCRYPTED PRIVATE KEY" => ("encrypted PKCS#8 private key".to_string(), Some(true)),
        "OPENSSH PRIVATE KEY" => match openssh_cipher(&body) {
            Some(c) if c == "none" => ("unencrypted OpenSSH private key".into(), Some(false)),
            Some(_) => ("encrypted OpenSSH private key".into(), Some(true)),
            None => ("OpenSSH private key".into(), None),
        },
        "PGP PRIVATE KEY BLOCK" => ("PGP private key block".into(), None),
        _ if inline => ("PEM private key (inline)".to_string(), None),
        _ => {
            let enc = headers.iter().any(|h| h.starts_with("Proc-Type:") && h.contains("ENCRYPTED"));
            let kind = label.trim_end_matches("PRIVATE KEY").trim();
            let kind = if kind.is_empty() { "PKCS#8".to_string() } else { kind.to_string() };
            if enc {
                (format!("encrypted {kind} private key (PEM)"), Some(true))
            } else {
                (format!("unencrypted {kind} private key (PEM)"), Some(false))
            }
        }
    })
}

/// The cipher name of an OpenSSH private key (`none` when unencrypted):
/// the body is `openssh-key-v1\0`, then string ciphername, string kdfname.
fn openssh_cipher(body: &str) -> Option<String> {
    let bytes = base64_decode(&body[..body.len().min(200) / 4 * 4])?;
    let rest = bytes.strip_prefix(b"openssh-key-v1\0")?;
    let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let name = rest.get(4..4 + len)?;
    String::from_utf8(name.to_vec()).ok()
}

/// Standard base64 (padding optional); None on a bad character.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str, history: bool, env: bool) -> Vec<(usize, &'static str)> {
        detect(text, history, env).into_iter().map(|f| (f.line, f.kind.as_str())).collect()
    }

    const OPENSSH_NONE: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACDummyDummyDummyDummyDummyDummyDummyDummyDummy\n-----END OPENSSH PRIVATE KEY-----\n";
    const OPENSSH_AES: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABDummyDummy\nQyNTUxOQAAACDummyDummyDummyDummyDummyDummyDummyDummyDummy\n-----END OPENSSH PRIVATE KEY-----\n";

    #[test]
    fn private_keys_and_encryption() {
        let f = detect(OPENSSH_NONE, false, false);
        assert_eq!((f.len(), f[0].encrypted), (1, Some(false)), "{f:?}");
        let f = detect(OPENSSH_AES, false, false);
        assert_eq!(f[0].encrypted, Some(true), "{f:?}");
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0011\n\nMIIEowIBAAKCAQEAabcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(detect(pem, false, false)[0].encrypted, Some(true));
        let pem = "-----BEGIN PRIVATE KEY-----\nMIIEowIBAAKCAQEAabcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH\n-----END PRIVATE KEY-----\n";
        assert_eq!(detect(pem, false, false)[0].encrypted, Some(false));
        let pem = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIEowIBAAKCAQEAabcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert_eq!(detect(pem, false, false)[0].encrypted, Some(true));
        // A script that mentions the marker is not a key.
        assert!(detect("grep -q -- '-----BEGIN RSA PRIVATE KEY-----' \"$f\"\necho ok\n", false, false).is_empty());
        let json = r#"{"key": "-----BEGIN PRIVATE KEY-----\nMIIEowIBAAKCAQEAabcdefghijklmnopqrstuvwxyz0123456789\n-----END PRIVATE KEY-----\n"}"#;
        assert_eq!(kinds(json, false, false), vec![(1, "private_key")]);
    }

    #[test]
    fn tokens_by_shape() {
        let text = "a = AKIAABCDEFGHIJKLMNOP\nb=AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = abcdefghijABCDEFGHIJ0123456789abcdefghij\nghp_abcdefghijABCDEFGHIJ0123456789abcdef\nx: glpat-abcdefghij0123456789\nxoxb-123456789012-abcdefghijkl\nsk_live_abcdefghijABCDEFGHIJ0123\n";
        assert_eq!(
            kinds(text, false, false),
            vec![
                (1, "aws_access_key_id"),
                (3, "aws_secret_access_key"),
                (4, "github_token"),
                (5, "gitlab_token"),
                (6, "slack_token"),
                (7, "stripe_key")
            ]
        );
    }

    #[test]
    fn assignments() {
        let he = "api_key = Zq8xT2vLm9Rk4WpY7sNc3Hd6\n";
        assert_eq!(kinds(he, false, false), vec![(1, "secret_assignment")]);
        assert!(detect("password = hunter2\n", false, false).is_empty(), "low entropy outside env files");
        assert_eq!(kinds("DB_PASSWORD=hunter2\n", false, true), vec![(1, "secret_assignment")]);
        for quiet in [
            "DB_PASSWORD=\n",
            "DB_PASSWORD=${DB_PASSWORD}\n",
            "DB_PASSWORD=changeme\n",
            "password_file=/run/secrets/db\n",
            "# DB_PASSWORD=hunter2\n",
            "PASS_MAX_DAYS=99999\n",
            "token_ttl=3600\n",
            "PasswordAuthentication=yes\n",
        ] {
            assert!(detect(quiet, false, true).is_empty(), "{quiet}");
        }
        assert_eq!(kinds(r#"<user username="admin" password="s3cret" roles="x"/>"#, false, true).len(), 1);
        assert!(detect("password = getpass.getpass('Password: ')\n", false, true).is_empty());
        assert!(detect("passwd = self.passwd_entry_value_xyz123\n", false, true).is_empty());
    }

    #[test]
    fn histories() {
        let h = "ls\nmysql -uroot -phunter2 db\nexport AWS_SECRET_ACCESS_KEY=abc\ncurl -u bob:pw https://x\nPGPASSWORD=pw psql\nredis-cli -a pw\nexport X=$TOKEN\nmysql -u root -p\ncurl -u bob https://x\n";
        assert_eq!(kinds(h, true, false).iter().map(|k| k.0).collect::<Vec<_>>(), vec![2, 3, 4, 5, 6]);
    }

    #[test]
    fn env_file_names() {
        assert!(is_env_file("/srv/app/.env"));
        assert!(is_env_file("/srv/app/.env.production"));
        assert!(is_env_file("/etc/app/db.env"));
        assert!(is_env_file("/etc/default/grafana-server"));
        assert!(!is_env_file("/srv/app/.env.example"));
        assert!(!is_env_file("/etc/default/grub.d/x.cfg"));
        assert!(!is_env_file("/etc/environment.d"));
    }

    #[test]
    fn garbage_does_not_panic() {
        let mut s = String::new();
        for i in 0..2000u32 {
            s.push(char::from_u32(i * 37 % 0x2FF + 1).unwrap_or('x'));
            if i % 50 == 0 {
                s.push_str("\n-----BEGIN OPENSSH PRIVATE KEY-----\n");
            }
        }
        s.push_str("password=\"\nkey: '\n=\n:");
        let _ = detect(&s, false, true);
        let _ = detect(&s, true, true);
        assert!(base64_decode("b3Blbn@").is_none());
        assert_eq!(openssh_cipher("AAAA"), None);
    }
}
