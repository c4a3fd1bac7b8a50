//! The effective options of the modules judged (pam_pwquality,
//! pam_cracklib, pam_faillock, pam_pwhistory, pam_unix, pam_tally2): module
//! defaults, then their configuration files, then the rule's arguments.

use super::Loader;
use crate::sources::item;
use serde_json::{Map, Value};

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

/// An integer as strtol would read it (decimal, optional sign).
fn int_of(v: &str) -> Option<i64> {
    v.trim().parse::<i64>().ok()
}

/// Longest rule line a setting carries, in characters.
const SETTING_DETAIL_CHARS: usize = 256;

/// A rule line as a setting carries it: past [`SETTING_DETAIL_CHARS`],
/// its start and `…`.
fn shortened(detail: &str) -> String {
    match detail.char_indices().nth(SETTING_DETAIL_CHARS) {
        Some((end, _)) => format!("{}…", &detail[..end]),
        None => detail.to_string(),
    }
}

/// One `name = value` (or bare `name`) line of pwquality.conf, faillock.conf
/// or pwhistory.conf.
pub(super) fn conf_line(raw: &str) -> Option<(String, String)> {
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

pub(super) fn setting(
    key: &str,
    value: &str,
    origin: &str,
    path: Option<&str>,
    line: Option<usize>,
    detail: &str,
) -> Value {
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
pub(super) struct ConfFile {
    settings: Vec<(String, Value)>,
}

pub(super) fn conf_values(c: &ConfFile) -> Value {
    let mut m = Map::new();
    for (k, s) in &c.settings {
        m.insert(k.clone(), s.clone());
    }
    crate::sources::object([("values", Value::Object(m))])
}

impl Loader<'_> {
    pub(super) fn conf(&mut self, path: &str) -> ConfFile {
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
    pub(super) fn pwquality(&mut self) -> ConfFile {
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
    pub(super) fn settings(
        &mut self,
        module: &str,
        opts: &[(String, String)],
        path: &str,
        line: usize,
        detail: &str,
    ) -> Value {
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
        // Each setting carries the rule's line: a hostile line of hundreds
        // of arguments copied into a setting per argument was quadratic
        // (the long fuzz run: three 57 KB files, 150 MB).
        let detail = &shortened(detail);
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
}
