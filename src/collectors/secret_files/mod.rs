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
//!
//! A finding in a dpkg conffile (`Conffiles:` in /var/lib/dpkg/status)
//! carries `conffile_package` (the package) and `conffile_unmodified`
//! (whether the file's md5sum is still the one the package shipped): a
//! vendor's public API keys (Debian's `chromium` ships
//! `/etc/chromium.d/apikeys`) are the same on every machine and leak
//! nothing, but the same file edited by an administrator may hold theirs.

use crate::sources::{item, Reader};
use crate::target::{FileMeta, FileType, ReadError};
mod detect;

pub use detect::{detect, entropy, high_entropy, literal_secret, secret_key, Found, Kind};

use super::accounts;
use super::packages::{ConffileState, Packages};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

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
    /// How many directories were not entered because they are
    /// [`MAX_DEPTH`] levels down (the first few are in `unreadable`).
    pub too_deep_count: usize,
}

struct State<'a> {
    scan: &'a Reader,
    packages: Option<&'a Packages>,
    findings: Vec<Value>,
    unreadable: Vec<Unreadable>,
    seen: BTreeSet<String>,
    entries: usize,
    files: usize,
    stopped: bool,
    too_deep_count: usize,
}

/// One bounded search for exposed secrets under `paths`, histories and
/// environment files; `packages` tells which files are packages' conffiles.
pub fn search(
    scan: &Reader,
    paths: &[String],
    passwd: Option<&accounts::Database>,
    packages: Option<&Packages>,
) -> Search {
    let mut st = State {
        scan,
        packages,
        findings: Vec::new(),
        unreadable: Vec::new(),
        seen: BTreeSet::new(),
        entries: 0,
        files: 0,
        stopped: false,
        too_deep_count: 0,
    };
    let env_targets = environment_files(scan);
    for p in paths {
        walk(&mut st, p, &env_targets);
    }
    for h in history_files(&mut st, passwd) {
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
    Search { findings: st.findings, unreadable: st.unreadable, files_read: st.files, too_deep_count: st.too_deep_count }
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
                if meta.dev != root.dev || tree_walk::dependency_or_sample(&e.name) {
                    continue;
                }
                if depth + 1 >= MAX_DEPTH {
                    // Not silent: the check says what it did not search.
                    st.too_deep_count += 1;
                    if st.too_deep_count <= crate::limits::NOTE_NAMES {
                        let limit = ReadError::Limit {
                            path: e.path.clone(),
                            message: format!("not searched: deeper than {MAX_DEPTH} directory levels (walk limit)"),
                        };
                        unreadable(st, &limit, None);
                    }
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
    let e = ReadError::Limit {
        path: start.to_string(),
        message: format!(
            "walk limit: secret search stopped after {} entries / {} files",
            st.entries.min(MAX_ENTRIES),
            st.files
        ),
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
    if found.is_empty() {
        return;
    }
    let conffile = st.packages.and_then(|p| p.conffile_state(path, text.as_bytes()));
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
        let (package, unmodified) = match &conffile {
            Some(ConffileState::Unmodified(p)) => (Value::from(p.as_str()), Value::Bool(true)),
            Some(ConffileState::Modified(p)) => (Value::from(p.as_str()), Value::Bool(false)),
            None => (Value::Null, Value::Null),
        };
        m.insert("conffile_package".into(), package);
        m.insert("conffile_unmodified".into(), unmodified);
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
/// The history files in every home. A home whose histories cannot be
/// examined (`/root` mode 0000 for an unprivileged scan) is recorded as an
/// unreadable history, so that the history check is skipped, not passed.
fn history_files(st: &mut State, passwd: Option<&accounts::Database>) -> Vec<String> {
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
        let mut candidates: Vec<String> = HISTORIES.iter().map(|name| crate::target::join(&h, name)).collect();
        candidates.push(crate::target::join(&h, ".local/share/fish/fish_history"));
        for p in candidates {
            match st.scan.target.lstat(&p) {
                Ok(_) => out.push(p),
                Err(e) if e.is_not_found() || matches!(e, ReadError::NotDir { .. }) => {}
                Err(e) => {
                    // One record per home: the directory is what could not be searched.
                    let home = ReadError::Io {
                        path: h.clone(),
                        message: format!("{} (history files not examined)", e.reason()),
                    };
                    st.scan.note_unreadable(&home);
                    st.unreadable.push(Unreadable { error: home, others_can_read: false, history: true });
                    break;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
