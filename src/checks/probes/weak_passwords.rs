//! Passwords an attacker would guess first, tried against the target's
//! stored hashes: `/etc/shadow`, htpasswd files, Jenkins users.
//!
//! Probes:
//! - `weak_passwords` (param `source`: `shadow`, `htpasswd`, `jenkins`):
//!   every usable hash is tried with the empty password, the account's own
//!   name variants and the most common passwords (`common_passwords`, or
//!   by `--passwords`: 100 quick, the whole list thorough), under the
//!   scan-wide budget (`guessing`), resuming from the invoking user's
//!   cache. A match is a failure naming the *kind* of weakness, never the
//!   password; the message says how far guessing got for each account.
//! - `password_hashes` (param `source`: `shadow` or `htpasswd`; `judge`:
//!   `cost` or `scheme`): hashes whose cost is above the verification caps
//!   (a hostile image, a login DoS), or htpasswd entries with a weak scheme.
//!
//! Hash cost caps (params, shared): `password_max_sha_rounds` (1,000,000),
//! `password_max_bcrypt_cost` (12), `password_max_yescrypt_factor` (4 ×
//! Debian's default N·r). A hash above them is never computed.
//!
//! What was not tried (an unsupported scheme, a cost above the cap, the
//! budget running out) is said in the result's notes.

use super::guessing::{self, Guessed, Job};
use super::params::Params;
use super::Outcome;
use crate::collectors::accounts::{self, hash_scheme};
use crate::facts::Facts;
use crate::passwords;
use crate::passwords::hash::{self, Hash, Limits, Scheme, Unsupported};
use crate::passwords::Mode;
use crate::sources::{item, Reader, Unavailable};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Most accounts/entries judged per check (a hostile file cannot make the
/// candidate table unbounded).
const MAX_ENTRIES: usize = crate::limits::PASSWORD_ENTRIES;
/// Most names listed in one note.
const NOTE_NAMES: usize = crate::limits::NOTE_NAMES;

fn max_sha_rounds() -> u64 {
    Limits::default().sha_rounds
}

fn max_bcrypt_cost() -> u64 {
    Limits::default().bcrypt_cost
}

fn max_yescrypt_factor() -> u64 {
    Limits::default().yescrypt_work / hash::YESCRYPT_DEBIAN_NRP
}

/// The caps on the cost of a hash computed (`password_max_sha_rounds`,
/// `password_max_bcrypt_cost`, `password_max_yescrypt_factor` in multiples
/// of Debian's default N·r).
fn caps(sha_rounds: u64, bcrypt_cost: u64, yescrypt_factor: u64) -> Limits {
    Limits { sha_rounds, bcrypt_cost, yescrypt_work: yescrypt_factor.saturating_mul(hash::YESCRYPT_DEBIAN_NRP) }
}

/// Parameters of the `weak_passwords` probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GuessParams {
    #[serde(default)]
    pub source: Source,
    /// Files to read (globs) instead of the source's usual places.
    #[serde(default)]
    pub paths: Vec<String>,
    /// How many of the most common passwords are tried (default: by
    /// `--passwords`, 100 quick, the whole list thorough).
    #[serde(default)]
    pub common_passwords: Option<usize>,
    /// The scan-wide guessing budget, from the scan's first guess (default:
    /// by `--passwords`, 100 ms quick, 5 s thorough).
    #[serde(default)]
    pub password_check_budget_ms: Option<u64>,
    #[serde(default = "max_sha_rounds")]
    pub password_max_sha_rounds: u64,
    #[serde(default = "max_bcrypt_cost")]
    pub password_max_bcrypt_cost: u64,
    #[serde(default = "max_yescrypt_factor")]
    pub password_max_yescrypt_factor: u64,
}

impl Params for GuessParams {}

/// What `password_hashes` judges.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Judge {
    /// A cost above the verification caps.
    #[default]
    Cost,
    /// A weak scheme.
    Scheme,
}

/// Parameters of the `password_hashes` probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HashParams {
    #[serde(default)]
    pub source: Source,
    #[serde(default)]
    pub judge: Judge,
    /// SHA-crypt hashes with fewer rounds are weak.
    #[serde(default = "min_sha_rounds")]
    pub min_sha_rounds: i64,
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default = "max_sha_rounds")]
    pub password_max_sha_rounds: u64,
    #[serde(default = "max_bcrypt_cost")]
    pub password_max_bcrypt_cost: u64,
    #[serde(default = "max_yescrypt_factor")]
    pub password_max_yescrypt_factor: u64,
}

fn min_sha_rounds() -> i64 {
    5000
}

impl Params for HashParams {
    fn validate(&self) -> Result<(), String> {
        if self.source == Source::Jenkins {
            return Err("`password_hashes` reads `shadow` or `htpasswd`, not `jenkins`".into());
        }
        Ok(())
    }
}

const HTPASSWD_PATHS: &[&str] = &[
    "/etc/nginx/.htpasswd",
    "/etc/nginx/*.htpasswd",
    "/etc/nginx/htpasswd*",
    "/etc/nginx/conf.d/*.htpasswd",
    "/etc/apache2/.htpasswd",
    "/etc/apache2/*.htpasswd",
    "/etc/apache2/htpasswd*",
    "/etc/httpd/.htpasswd",
    "/etc/httpd/*.htpasswd",
    "/etc/httpd/conf/.htpasswd",
    "/etc/httpd/conf/*.htpasswd",
];
const JENKINS_PATHS: &[&str] = &["/var/lib/jenkins/users/*/config.xml"];

/// One stored password hash and whose it is.
#[derive(Debug)]
struct Entry {
    path: String,
    line: usize,
    user: String,
    field: String,
}

/// Where the entries come from, and how their hash field is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    #[default]
    Shadow,
    Htpasswd,
    Jenkins,
}

impl Source {
    fn parse(self, field: &str) -> Result<Hash, Unsupported> {
        match self {
            Source::Htpasswd => hash::parse_htpasswd(field),
            Source::Shadow | Source::Jenkins => hash::parse(field),
        }
    }

    fn what(self) -> &'static str {
        match self {
            Source::Shadow => "account",
            Source::Htpasswd => "htpasswd user",
            Source::Jenkins => "Jenkins user",
        }
    }
}

/// Usable hashes of the target's /etc/shadow (locked, empty and
/// placeholder fields cannot be logged into with a password).
fn shadow_entries(f: &Facts) -> Result<Vec<Entry>, Unavailable> {
    let db = f.accounts(accounts::SHADOW)?;
    let mut out = Vec::new();
    for r in &db.records {
        let (user, field) = (r.field(0), r.field(1));
        if r.fields.len() < 2 {
            continue;
        }
        let scheme = hash_scheme(field);
        if field.starts_with(['!', '*']) || matches!(scheme, "empty" | "locked" | "shadowed" | "invalid") {
            continue;
        }
        out.push(Entry { path: db.path.clone(), line: r.line, user: user.into(), field: field.into() });
    }
    Ok(out)
}

/// The files named by the `paths` param (globs), or the defaults; missing
/// ones are left out, unreadable ones recorded.
fn files(scan: &Reader, paths: &[String], defaults: &[&str], out: &mut Outcome) -> Vec<(String, String)> {
    let mut patterns = paths.to_vec();
    if patterns.is_empty() {
        patterns = defaults.iter().map(|s| s.to_string()).collect();
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut files = Vec::new();
    for p in &patterns {
        for path in scan.glob(p) {
            if !seen.insert(path.clone()) {
                continue;
            }
            match scan.read_text(&path) {
                Ok(f) => files.push((path, f.text)),
                Err(e) if e.is_not_found() || matches!(e, crate::target::ReadError::NotDir { .. }) => {}
                Err(e) => out.unreadable.push(e),
            }
        }
    }
    files
}

/// `user:hash` lines of an htpasswd file, as Apache's mod_authn_file and
/// nginx's auth_basic read them (`#` lines skipped; the hash ends at the
/// next `:`).
fn htpasswd_entries(path: &str, text: &str, out: &mut Vec<Entry>) {
    for (i, l) in text.lines().enumerate() {
        let t = l.trim_end_matches('\r');
        if t.trim().is_empty() || t.starts_with('#') {
            continue;
        }
        let Some((user, rest)) = t.split_once(':') else { continue };
        let field = rest.split(':').next().unwrap_or("");
        if user.is_empty() {
            continue;
        }
        out.push(Entry { path: path.into(), line: i + 1, user: user.into(), field: field.into() });
    }
}

/// A Jenkins user's `config.xml`: `<id>` and the `#jbcrypt:` password hash.
fn jenkins_entry(path: &str, text: &str) -> Option<Entry> {
    let tag = |t: &str| -> Option<(usize, String)> {
        let (open, close) = (format!("<{t}>"), format!("</{t}>"));
        text.lines().enumerate().find_map(|(i, l)| {
            let s = l.find(&open)? + open.len();
            let e = l[s..].find(&close)? + s;
            Some((i + 1, l[s..e].trim().to_string()))
        })
    };
    let (line, h) = tag("passwordHash")?;
    let field = h.strip_prefix("#jbcrypt:")?.to_string();
    // The directory is `<id>` or, since Jenkins 2.150, `<id>_<random>`.
    let user = tag("id").map(|(_, v)| v).unwrap_or_else(|| {
        let dir = path.rsplit('/').nth(1).unwrap_or("");
        dir.rsplit_once('_').map(|(a, _)| a).unwrap_or(dir).to_string()
    });
    Some(Entry { path: path.into(), line, user, field })
}

fn entries(f: &Facts, source: Source, paths: &[String], out: &mut Outcome) -> Result<Vec<Entry>, Unavailable> {
    let mut list = Vec::new();
    let scan = f.reader();
    match source {
        Source::Shadow => list = shadow_entries(f)?,
        Source::Htpasswd => {
            let files = files(scan, paths, HTPASSWD_PATHS, out);
            if files.is_empty() && out.unreadable.is_empty() {
                return Err(Unavailable::NotFound("no htpasswd file found".into()));
            }
            for (path, text) in &files {
                htpasswd_entries(path, text, &mut list);
            }
        }
        Source::Jenkins => {
            let files = files(scan, paths, JENKINS_PATHS, out);
            if files.is_empty() && out.unreadable.is_empty() {
                return Err(Unavailable::NotFound("no Jenkins user (users/*/config.xml) found".into()));
            }
            list.extend(files.iter().filter_map(|(p, t)| jenkins_entry(p, t)));
        }
    }
    if list.len() > MAX_ENTRIES {
        out.notes.push(format!("only the first {MAX_ENTRIES} of {} entries were judged", list.len()));
        list.truncate(MAX_ENTRIES);
    }
    Ok(list)
}

fn who(e: &Entry) -> String {
    format!("{} at {}:{}", e.user, e.path, e.line)
}

/// "a, b, c (and N more)".
fn listing(names: &[String]) -> String {
    let shown = names.iter().take(NOTE_NAMES).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > NOTE_NAMES {
        format!("{shown} (and {} more)", names.len() - NOTE_NAMES)
    } else {
        shown
    }
}

/// Probe `weak_passwords`.
pub fn run(f: &Facts, params: &GuessParams) -> Result<Outcome, Unavailable> {
    let source = params.source;
    let limits =
        caps(params.password_max_sha_rounds, params.password_max_bcrypt_cost, params.password_max_yescrypt_factor);
    let mode = f.options().passwords;
    let top = params.common_passwords.unwrap_or_else(|| guessing::top(mode)).min(passwords::common().len());
    let mut out = Outcome::default();
    let list = entries(f, source, &params.paths, &mut out)?;
    let mut hashes = Vec::new();
    let mut unverified = Vec::new();
    for e in &list {
        match source.parse(&e.field).and_then(|h| h.verifiable(&limits).map(|()| h)) {
            Ok(h) => hashes.push((e, h)),
            Err(why) => unverified.push(format!("{} ({why})", who(e))),
        }
    }
    let jobs: Vec<Job> = hashes
        .iter()
        .map(|(e, h)| Job { key: format!("{source:?}\0{}\0{}", e.user, e.field), user: &e.user, hash: h })
        .collect();
    let g = guessing::guess(f, &jobs, top, params.password_check_budget_ms.map(Duration::from_millis));
    for ((e, h), p) in hashes.iter().zip(&g.per) {
        if let Some((why, k, at)) = &p.found {
            let detail = format!(
                "{}: password is {} — guessed in {:.1} s (guess {k} of {}){}",
                e.user,
                why.describe(),
                at.as_secs_f64(),
                p.planned,
                if h.scheme == Scheme::Plain { " (stored in plaintext)" } else { "" }
            );
            let mut m = item(Some(&e.path), Some(e.line), detail);
            m.insert("user".into(), e.user.clone().into());
            m.insert("why".into(), why.describe().into());
            m.insert("scheme".into(), h.scheme.name().into());
            out.failures.push(m);
        }
    }
    let malformed = hashes.iter().zip(&g.per).filter(|(_, p)| p.malformed);
    unverified.extend(malformed.map(|((e, h), _)| format!("{} (malformed {} hash)", who(e), h.scheme.name())));
    out.checked = hashes.len();
    notes(&mut out, source, &hashes, &g, mode, top);
    out.notes.extend(g.notes);
    if !unverified.is_empty() {
        out.notes.push(format!("not verified: {}", listing(&unverified)));
    }
    if hashes.is_empty() && !unverified.is_empty() && out.unreadable.is_empty() {
        return Err(Unavailable::NotFound(format!("no password hash could be verified: {}", listing(&unverified))));
    }
    Ok(out)
}

/// What was tried and how far it got for each account.
fn notes(out: &mut Outcome, source: Source, hashes: &[(&Entry, Hash)], g: &Guessed, mode: Mode, top: usize) {
    if hashes.is_empty() {
        return;
    }
    let what = source.what();
    let tried: usize = g.per.iter().map(|p| p.tried).sum();
    out.notes.push(format!(
        "{} {what}{} checked: {tried} guesses in {:.1} s ({}: empty, name variants and the {top} most common passwords)",
        hashes.len(),
        if hashes.len() == 1 { "" } else { "s" },
        g.elapsed.as_secs_f64(),
        mode.name(),
    ));
    let open: Vec<String> = hashes
        .iter()
        .zip(&g.per)
        .filter(|(_, p)| p.found.is_none() && !p.malformed)
        .map(|((e, _), p)| format!("{} {}", e.user, p.describe()))
        .collect();
    if !open.is_empty() {
        out.notes.push(format!("progress: {}", listing(&open)));
    }
    let left: usize = g.per.iter().filter(|p| p.found.is_none() && !p.malformed).map(|p| p.planned - p.done()).sum();
    if g.out_of_time && left > 0 {
        out.notes.push(format!(
            "the time budget of {} ms ran out with {left} guesses untried: the next scan resumes there (unless --no-cache), or use --passwords thorough",
            g.budget.as_millis()
        ));
    }
}

/// Probe `password_hashes`.
pub fn run_hashes(f: &Facts, params: &HashParams) -> Result<Outcome, Unavailable> {
    let source = params.source;
    let limits =
        caps(params.password_max_sha_rounds, params.password_max_bcrypt_cost, params.password_max_yescrypt_factor);
    let min_sha_rounds = params.min_sha_rounds;
    let mut out = Outcome::default();
    let list = entries(f, source, &params.paths, &mut out)?;
    for e in &list {
        out.checked += 1;
        let problem = match (params.judge, source.parse(&e.field)) {
            (Judge::Cost, Ok(h)) => match h.check_cost(&limits) {
                Err(why) => Some(why.to_string()),
                Ok(()) => None,
            },
            (Judge::Scheme, Ok(h)) => match h.scheme {
                Scheme::Plain => Some("the password is stored in plaintext".to_string()),
                Scheme::Des => Some("DES crypt hash (only the first 8 characters count)".to_string()),
                Scheme::Sha1 => Some("{SHA} hash: unsalted SHA-1".to_string()),
                Scheme::Ssha => Some("{SSHA} hash: a single salted SHA-1".to_string()),
                Scheme::Md5Crypt | Scheme::Apr1 => {
                    Some(format!("{} hash: MD5-based, 1000 iterations", h.scheme.name()))
                }
                Scheme::Sha256Crypt | Scheme::Sha512Crypt
                    if h.cost.is_some_and(|r| i64::try_from(r).unwrap_or(i64::MAX) < min_sha_rounds) =>
                {
                    Some(format!("{} hash with only {} rounds", h.scheme.name(), h.cost.unwrap_or(0)))
                }
                _ => None,
            },
            (Judge::Scheme, Err(Unsupported::Scheme(s))) => Some(format!("{s} hash")),
            _ => None,
        };
        if let Some(p) = problem {
            let mut m = item(Some(&e.path), Some(e.line), format!("{}: {p}", e.user));
            m.insert("user".into(), e.user.clone().into());
            m.insert("why".into(), p.into());
            out.failures.push(m);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passwords::Weakness;

    #[test]
    fn htpasswd_and_jenkins_parsing() {
        let mut v = Vec::new();
        htpasswd_entries(
            "/etc/nginx/.htpasswd",
            "# c\n\nalice:{PLAIN}x:comment\n:nouser\nnocolon\nbob:$apr1$a$b\n",
            &mut v,
        );
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].user.as_str(), v[0].field.as_str(), v[0].line), ("alice", "{PLAIN}x", 3));
        assert_eq!(v[1].line, 6);
        let xml = "<?xml version='1.1'?>\n<user>\n  <id>admin</id>\n  <properties>\n    <passwordHash>#jbcrypt:$2a$10$x</passwordHash>\n";
        let e = jenkins_entry("/var/lib/jenkins/users/admin_123/config.xml", xml).unwrap();
        assert_eq!((e.user.as_str(), e.line, e.field.as_str()), ("admin", 5, "$2a$10$x"));
        let e = jenkins_entry("/var/lib/jenkins/users/bob_99/config.xml", "<passwordHash>#jbcrypt:h</passwordHash>")
            .unwrap();
        assert_eq!(e.user, "bob");
        assert!(jenkins_entry("/x/config.xml", "<passwordHash>garbage</passwordHash><id>").is_none());
        assert!(jenkins_entry("/x/config.xml", "<passwordHash>#jbcrypt:").is_none());
    }

    #[test]
    fn details_survive_masking() {
        let d = format!("alice: password is {} — guessed in 0.2 s", Weakness::Common.describe());
        assert_eq!(crate::redact::mask(&d), d);
        let d = format!("root: password is {} — guessed in 0.0 s", Weakness::SameAsName.describe());
        assert_eq!(crate::redact::mask(&d), d);
    }
}
