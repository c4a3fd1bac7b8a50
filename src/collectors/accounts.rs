//! `passwd`, `shadow`, `group`, `gshadow`: the target's own account
//! databases (never the NSS of the host running hardcheck). Password hashes
//! never leave this module: items carry the hash *scheme* and cost, and a
//! masked `detail`.

use crate::sources::{item, object, Fact, Reader, Unavailable};
use serde_json::{json, Map, Value};

pub const PASSWD: &str = "/etc/passwd";
pub const SHADOW: &str = "/etc/shadow";
pub const GROUP: &str = "/etc/group";
pub const GSHADOW: &str = "/etc/gshadow";

/// One record of a colon-separated database.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

impl Record {
    /// Field `i`, or empty.
    pub fn field(&self, i: usize) -> &str {
        self.fields.get(i).map(String::as_str).unwrap_or("")
    }

    /// Field `i` as a number.
    pub fn number(&self, i: usize) -> Option<i64> {
        self.fields.get(i).and_then(|s| s.trim().parse().ok())
    }
}

/// A colon-separated account database (`/etc/passwd`, `/etc/shadow`, …).
/// Its second field may hold a password hash: it never leaves the
/// collectors unmasked.
#[derive(Debug, Clone, PartialEq)]
pub struct Database {
    pub path: String,
    pub records: Vec<Record>,
}

/// Read one account database of the target.
pub fn read(r: &Reader, path: &str) -> Result<Database, Unavailable> {
    let f = r.read_text(path).map_err(|e| {
        if e.is_not_found() {
            Unavailable::NotFound(format!("{path} not found"))
        } else {
            Unavailable::Unreadable(e)
        }
    })?;
    let records = records(&f.text)
        .map(|(line, _, fields)| Record { line, fields: fields.iter().map(|s| s.to_string()).collect() })
        .collect();
    Ok(Database { path: path.to_string(), records })
}

/// The records of a colon-separated database, as glibc's `files` NSS module
/// reads them: leading blanks skipped, blank and `#` lines ignored.
fn records(text: &str) -> impl Iterator<Item = (usize, &str, Vec<&str>)> {
    text.lines().enumerate().filter_map(|(i, l)| {
        let t = l.trim_end_matches('\r').trim_start();
        if t.trim().is_empty() || t.starts_with('#') {
            return None;
        }
        Some((i + 1, t, t.split(':').collect()))
    })
}

fn wrap(path: &str, entries: Vec<Value>) -> Value {
    object([("exists", true.into()), ("files", json!([path])), ("entries", Value::Array(entries))])
}

fn fields_of(r: &Record) -> Vec<&str> {
    r.fields.iter().map(String::as_str).collect()
}

/// What kind of password a hash field holds.
pub fn hash_scheme(field: &str) -> &'static str {
    let f = field.trim_start_matches('!');
    if field.is_empty() {
        "empty"
    } else if field == "x" {
        "shadowed"
    } else if f.is_empty() || f.starts_with('*') {
        // `!`, `!!`, `*`, `*LK*`, and `!*` (usermod -L on a `*` account).
        "locked"
    } else if f.starts_with("$y$") {
        "yescrypt"
    } else if f.starts_with("$gy$") {
        "gost-yescrypt"
    } else if f.starts_with("$7$") {
        "scrypt"
    } else if f.starts_with("$6$") {
        "sha512crypt"
    } else if f.starts_with("$5$") {
        "sha256crypt"
    } else if f.starts_with("$2") {
        "bcrypt"
    } else if f.starts_with("$1$") {
        "md5crypt"
    } else if f.starts_with("$3$") {
        "nthash"
    } else if f.starts_with("$md5") || f.starts_with("$sha1$") || f.starts_with("_") {
        "other-weak"
    } else if f.len() == 13 && f.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '/') {
        "des"
    } else if f.starts_with('$') {
        "unknown"
    } else {
        "invalid"
    }
}

/// The cost of a hash: `rounds=` for sha-crypt, the cost for bcrypt.
fn hash_rounds(field: &str) -> Option<i64> {
    let f = field.trim_start_matches('!');
    if f.starts_with("$5$") || f.starts_with("$6$") {
        let rest = &f[3..];
        return Some(
            rest.strip_prefix("rounds=").and_then(|r| r.split('$').next()).and_then(|r| r.parse().ok()).unwrap_or(5000),
        );
    }
    if f.starts_with("$2") {
        return f.split('$').nth(2).and_then(|c| c.parse().ok());
    }
    None
}

/// A record with its second field (a password or hash) masked.
fn masked(fields: &[&str]) -> String {
    let mut f: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
    if let Some(p) = f.get_mut(1) {
        let scheme = hash_scheme(p);
        if !matches!(scheme, "empty" | "shadowed" | "locked") {
            *p = if p.starts_with('!') { "!****".into() } else { "****".into() };
        }
    }
    f.join(":")
}

fn num(s: Option<&&str>) -> Value {
    s.and_then(|s| s.trim().parse::<i64>().ok()).map(Value::from).unwrap_or(Value::Null)
}

/// The `passwd` facts.
pub fn passwd_facts(db: &Database) -> Fact {
    let path = db.path.as_str();
    let mut out = Vec::new();
    for r in &db.records {
        let (line, fields) = (r.line, fields_of(r));
        let mut m: Map<String, Value> = item(Some(path), Some(line), masked(&fields));
        m.insert("name".into(), fields[0].into());
        m.insert("password".into(), hash_scheme(fields.get(1).unwrap_or(&"")).into());
        m.insert("uid".into(), num(fields.get(2)));
        m.insert("gid".into(), num(fields.get(3)));
        m.insert("gecos".into(), fields.get(4).copied().unwrap_or("").into());
        m.insert("home".into(), fields.get(5).copied().unwrap_or("").into());
        m.insert("shell".into(), fields.get(6).copied().unwrap_or("").into());
        m.insert("fields".into(), fields.len().into());
        out.push(Value::Object(m));
    }
    Fact::new(wrap(path, out), Vec::new())
}

/// The `shadow` (or `gshadow`) facts: schemes and ageing, never a hash.
pub fn shadow_facts(db: &Database) -> Fact {
    let path = db.path.as_str();
    let mut out = Vec::new();
    for r in &db.records {
        let (line, fields) = (r.line, fields_of(r));
        let hash = fields.get(1).copied().unwrap_or("");
        let scheme = hash_scheme(hash);
        let mut m: Map<String, Value> = item(Some(path), Some(line), masked(&fields));
        m.insert("name".into(), fields[0].into());
        m.insert("scheme".into(), scheme.into());
        m.insert("rounds".into(), hash_rounds(hash).into());
        m.insert("locked".into(), (hash.starts_with('!') || hash.starts_with('*')).into());
        // A password can only match a real crypt hash: not a locked, empty
        // or malformed field (`NP`, `LK`, `x`, which crypt(3) never produces).
        let usable = !hash.starts_with('!')
            && !hash.starts_with('*')
            && !matches!(scheme, "empty" | "locked" | "shadowed" | "invalid");
        m.insert("usable".into(), usable.into());
        m.insert("empty".into(), hash.is_empty().into());
        for (i, k) in ["last_change", "min_days", "max_days", "warn_days", "inactive_days", "expire"].iter().enumerate()
        {
            m.insert((*k).into(), num(fields.get(i + 2)));
        }
        out.push(Value::Object(m));
    }
    let mut v = wrap(path, out);
    // Today as a shadow(5) day number (days since 1970-01-01, UTC), to
    // compare `last_change` and `expire` with.
    v["today"] = today().into();
    Fact::new(v, Vec::new())
}

/// Days since the epoch, UTC.
pub fn today() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| (d.as_secs() / 86_400) as i64)
        .unwrap_or(0)
}

/// The `group` facts.
pub fn group_facts(db: &Database) -> Fact {
    let path = db.path.as_str();
    let mut out = Vec::new();
    for r in &db.records {
        let (line, fields) = (r.line, fields_of(r));
        let mut m: Map<String, Value> = item(Some(path), Some(line), masked(&fields));
        m.insert("name".into(), fields[0].into());
        m.insert("gid".into(), num(fields.get(2)));
        let members: Vec<&str> =
            fields.get(3).map(|s| s.split(',').filter(|x| !x.is_empty()).collect()).unwrap_or_default();
        m.insert("members".into(), members.into());
        out.push(Value::Object(m));
    }
    Fact::new(wrap(path, out), Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert_eq!(hash_scheme(""), "empty");
        assert_eq!(hash_scheme("x"), "shadowed");
        assert_eq!(hash_scheme("!"), "locked");
        assert_eq!(hash_scheme("*"), "locked");
        assert_eq!(hash_scheme("$y$j9T$abc$def"), "yescrypt");
        assert_eq!(hash_scheme("!$6$salt$hash"), "sha512crypt");
        assert_eq!(hash_scheme("abJnggxhB/yWI"), "des");
        assert_eq!(hash_scheme("!!"), "locked");
        assert_eq!(hash_scheme("!*"), "locked");
        assert_eq!(hash_scheme("*LK*"), "locked");
        assert_eq!(hash_scheme("!$1$salt$hash"), "md5crypt");
        assert_eq!(hash_scheme("NP"), "invalid");
        assert_eq!(hash_rounds("$6$rounds=1000$salt$h"), Some(1000));
        assert_eq!(hash_rounds("$6$salt$h"), Some(5000));
        assert_eq!(hash_rounds("$2b$12$abc"), Some(12));
        assert_eq!(masked(&["root", "$6$s$h", "1"]), "root:****:1");
    }

    #[test]
    fn records_skip_comments_and_leading_blanks() {
        let r: Vec<_> = records("# c\n\n  #x\n  toor:x:0:0::/root:/bin/sh\n").collect();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, 4);
        assert_eq!(r[0].2[0], "toor");
    }
}
