//! `sshd`: the effective OpenSSH server configuration, parsed the way sshd
//! reads it (sshd_config(5)):
//!
//! - keywords are case-insensitive; `Keyword value` or `Keyword=value`;
//! - for most keywords the **first** value obtained wins; list keywords
//!   (`AllowUsers`, `Port`, …) accumulate;
//! - `Include` takes glob patterns (relative ones under `/etc/ssh`), expanded
//!   in sorted order and read in place, also inside a `Match` block;
//! - a `Match` block (`Match all` too) lasts until the next `Match` or the
//!   end of its file, and its values override the global ones for matching
//!   connections: each is reported as its own entry with the block's
//!   criteria. A connection takes a keyword from the first block it matches
//!   that sets it, so a later block whose connections all match an earlier
//!   block setting the keyword is dropped (`sshd -T -C` never shows it);
//! - a keyword that is not set has OpenSSH's built-in default, reported with
//!   `default: true` and the main file as the place to set it.
//!
//! Facts: `sshd.<keyword>` (lower-case) is a list of entries, the global one
//! first, then one per `Match` block that sets it. An entry has `value`,
//! `lower`, `args`, `list`, `int`, `seconds`, `match`, `default`, `scope`
//! (`global`, `Match <criteria>` or `OpenSSH default`, for messages), `path`,
//! `line`, `detail`.
//!
//! A few keywords (`MaxStartups`, `IPQoS`, …) are stored by sshd on every
//! occurrence, so for them the last global value wins.

use crate::limits;
use crate::sources::include::{Includes, Skip};
use crate::sources::{item, Reader, Unavailable};
use crate::target::ReadError;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashSet};

pub const MAIN: &str = "/etc/ssh/sshd_config";

/// OpenSSH's built-in defaults (OpenSSH 9.x, sshd_config(5) and servconf.c).
pub const DEFAULTS: &[(&str, &str, &str)] = &[
    ("permitrootlogin", "PermitRootLogin", "prohibit-password"),
    ("passwordauthentication", "PasswordAuthentication", "yes"),
    ("permitemptypasswords", "PermitEmptyPasswords", "no"),
    ("kbdinteractiveauthentication", "KbdInteractiveAuthentication", "yes"),
    ("pubkeyauthentication", "PubkeyAuthentication", "yes"),
    ("hostbasedauthentication", "HostbasedAuthentication", "no"),
    ("ignorerhosts", "IgnoreRhosts", "yes"),
    ("permituserenvironment", "PermitUserEnvironment", "no"),
    ("x11forwarding", "X11Forwarding", "no"),
    ("allowtcpforwarding", "AllowTcpForwarding", "yes"),
    ("allowagentforwarding", "AllowAgentForwarding", "yes"),
    ("gatewayports", "GatewayPorts", "no"),
    ("permittunnel", "PermitTunnel", "no"),
    ("maxauthtries", "MaxAuthTries", "6"),
    ("maxsessions", "MaxSessions", "10"),
    ("maxstartups", "MaxStartups", "10:30:100"),
    ("logingracetime", "LoginGraceTime", "120"),
    ("clientaliveinterval", "ClientAliveInterval", "0"),
    ("clientalivecountmax", "ClientAliveCountMax", "3"),
    ("loglevel", "LogLevel", "INFO"),
    ("usepam", "UsePAM", "no"),
    ("strictmodes", "StrictModes", "yes"),
    ("banner", "Banner", "none"),
    ("gssapiauthentication", "GSSAPIAuthentication", "no"),
    ("kerberosauthentication", "KerberosAuthentication", "no"),
    ("printlastlog", "PrintLastLog", "yes"),
    ("port", "Port", "22"),
    ("listenaddress", "ListenAddress", "0.0.0.0 ::"),
    ("addressfamily", "AddressFamily", "any"),
    (
        "ciphers",
        "Ciphers",
        "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com",
    ),
    (
        "macs",
        "MACs",
        "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
    ),
    (
        "kexalgorithms",
        "KexAlgorithms",
        "sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256",
    ),
    ("allowusers", "AllowUsers", ""),
    ("allowgroups", "AllowGroups", ""),
    ("denyusers", "DenyUsers", ""),
    ("denygroups", "DenyGroups", ""),
];

/// Keywords whose every occurrence counts (they accumulate).
const ACCUMULATE: &[&str] = &[
    "allowusers",
    "allowgroups",
    "denyusers",
    "denygroups",
    "port",
    "listenaddress",
    "hostkey",
    "acceptenv",
    "subsystem",
    "hostcertificate",
    "setenv",
];

/// Keywords sshd assigns on every occurrence, so the **last** value wins
/// (servconf.c stores them without the usual "first obtained" guard).
const LAST_WINS: &[&str] = &["maxstartups", "ipqos", "streamlocalbindmask", "fingerprinthash", "persourcenetblocksize"];

/// Deprecated spellings sshd still accepts.
const ALIASES: &[(&str, &str)] = &[("challengeresponseauthentication", "kbdinteractiveauthentication")];

/// Algorithm-list keywords whose values may start with `+`, `-` or `^`.
const ALGORITHM_LISTS: &[&str] = &["ciphers", "macs", "kexalgorithms"];

/// One effective setting: a keyword's value in the global section (or
/// OpenSSH's default), or in one `Match` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// Lower-case keyword (deprecated spellings mapped to the current one).
    pub key: String,
    pub args: Vec<String>,
    pub path: String,
    /// `None` for a default.
    pub line: Option<usize>,
    pub detail: String,
    /// The `Match` criteria, for a setting inside a `Match` block.
    pub criteria: Option<String>,
    /// OpenSSH's built-in default (nothing sets the keyword).
    pub default: bool,
}

/// The effective sshd configuration: each keyword's settings, the global
/// one (or the default) first, then one per `Match` block that sets it.
#[derive(Debug, Default)]
pub struct Config {
    pub settings: BTreeMap<String, Vec<Setting>>,
    /// Every file read, in order.
    pub files: Vec<String>,
    /// Included files that could not be read.
    pub unreadable: Vec<ReadError>,
}

impl Config {
    /// The settings of a keyword (lower-case).
    pub fn get(&self, key: &str) -> &[Setting] {
        self.settings.get(key).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// Split an sshd_config line into keyword and arguments (quotes honoured,
/// a token starting with `#` ends the line).
fn split_line(line: &str) -> Option<(String, Vec<String>)> {
    let t = line.trim();
    if t.is_empty() || t.starts_with('#') {
        return None;
    }
    let (kw, rest) = match t.find(|c: char| c.is_whitespace() || c == '=') {
        Some(i) => (&t[..i], t[i..].trim_start_matches(|c: char| c.is_whitespace()).trim_start_matches('=')),
        None => (t, ""),
    };
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut in_quote = false;
    let mut started = false;
    for c in rest.chars() {
        match c {
            '"' => {
                in_quote = !in_quote;
                started = true;
            }
            '#' if !in_quote && !started => break,
            c if c.is_whitespace() && !in_quote => {
                if started {
                    args.push(std::mem::take(&mut cur));
                    started = false;
                }
            }
            c => {
                cur.push(c);
                started = true;
            }
        }
    }
    if started {
        args.push(cur);
    }
    Some((kw.to_ascii_lowercase(), args))
}

/// Read one file with its includes, appending its settings. An include
/// that cannot be read is recorded (sshd refuses to start on an include
/// loop or too deep a nesting); a missing one is nothing.
fn read_file(
    inc: &mut Includes,
    path: &str,
    depth: usize,
    criteria: Option<String>,
    out: &mut Vec<Setting>,
    seen: &mut HashSet<(String, Option<String>)>,
) -> Result<(), Skip> {
    inc.read(path, depth, |inc, file| {
        let mut current = criteria.clone();
        for (i, line) in file.text.lines().enumerate() {
            let Some((key, args)) = split_line(line) else { continue };
            let key = ALIASES.iter().find(|(a, _)| *a == key).map(|(_, k)| k.to_string()).unwrap_or(key);
            match key.as_str() {
                "match" => {
                    let c = args.join(" ");
                    // Every setting below carries its criteria: a longer one
                    // would cost its length once per line.
                    if c.len() > limits::CONFIG_NAME_BYTES {
                        let message = format!(
                            "line {}: Match criteria longer than {} bytes; the rest of the file is not read",
                            i + 1,
                            limits::CONFIG_NAME_BYTES
                        );
                        inc.record(crate::target::ReadError::Io { path: path.to_string(), message });
                        break;
                    }
                    // `Match all` is a block too: its values override the
                    // global ones for every connection (as `sshd -T -C` shows).
                    current = Some(c);
                }
                // Relative patterns are taken from /etc/ssh, glob matches in order.
                "include" => {
                    for pattern in &args {
                        let pattern = crate::target::normalize(&if pattern.starts_with('/') {
                            pattern.clone()
                        } else {
                            format!("/etc/ssh/{pattern}")
                        });
                        for p in inc.expand(&pattern) {
                            // A file read again in the same Match context adds
                            // nothing (the first value of a keyword wins): it is
                            // read once per context, so a file included many
                            // times costs no more than once. A loop is still one.
                            let key = (inc.reader.resolved(&p), current.clone());
                            if !inc.in_chain(&p) && !seen.insert(key) {
                                continue;
                            }
                            if let Err(skip) = read_file(inc, &p, depth + 1, current.clone(), out, seen) {
                                inc.record_skip(&p, skip);
                            }
                        }
                    }
                }
                _ => out.push(Setting {
                    key,
                    args,
                    path: path.to_string(),
                    line: Some(i + 1),
                    detail: line.trim().to_string(),
                    criteria: current.clone(),
                    default: false,
                }),
            }
        }
    })
}

/// `Match` criteria as (criterion, pattern) pairs, criteria lower-case;
/// `all` and `invalid-user` take no pattern.
fn criteria_pairs(criteria: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut words = criteria.split_whitespace();
    while let Some(w) = words.next() {
        let w = w.to_ascii_lowercase();
        match w.as_str() {
            "all" | "invalid-user" => out.push((w, String::new())),
            _ => out.push((w, words.next().unwrap_or("").to_string())),
        }
    }
    out
}

/// Whether every connection that matches `later` also matches `earlier`:
/// `earlier` is `all`, or each of its criteria is among `later`'s (a
/// conjunction with more conditions matches fewer connections).
fn covers(earlier: &str, later: &str) -> bool {
    let (e, l) = (criteria_pairs(earlier), criteria_pairs(later));
    e.iter().any(|(k, _)| k == "all") || (!e.is_empty() && e.iter().all(|p| l.contains(p)))
}

/// `LoginGraceTime`-style time: `120`, `2m`, `1h30m`.
pub fn seconds(v: &str) -> Option<i64> {
    let mut total = 0i64;
    let mut num = String::new();
    for c in v.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let mult = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'w' => 604800,
            _ => return None,
        };
        total += num.parse::<i64>().ok()? * mult;
        num.clear();
    }
    if !num.is_empty() {
        total += num.parse::<i64>().ok()?;
    }
    Some(total)
}

/// Apply `+`, `-` and `^` modifiers of an algorithm list to the default.
fn algorithms(value: &str, default: &str) -> Vec<String> {
    let defaults: Vec<String> = default.split(',').map(str::to_string).collect();
    let items = |s: &str| s.split(',').filter(|x| !x.is_empty()).map(str::to_string).collect::<Vec<_>>();
    if let Some(add) = value.strip_prefix('+') {
        let mut l = defaults;
        l.extend(items(add));
        l
    } else if let Some(remove) = value.strip_prefix('-') {
        let pats: Vec<glob::Pattern> = items(remove).iter().filter_map(|p| glob::Pattern::new(p).ok()).collect();
        defaults.into_iter().filter(|d| !pats.iter().any(|p| p.matches(d))).collect()
    } else if let Some(front) = value.strip_prefix('^') {
        let l = items(front);
        let rest: Vec<String> = defaults.into_iter().filter(|d| !l.contains(d)).collect();
        l.into_iter().chain(rest).collect()
    } else {
        items(value)
    }
}

impl Setting {
    /// The fact item: `value`, `lower`, `args`, `list`, `int`, `seconds`,
    /// `match`, `default`, `scope`, `path`, `line`, `detail`.
    fn fact(&self) -> Value {
        let value = self.args.first().cloned().unwrap_or_default();
        let mut m: Map<String, Value> = item(Some(&self.path), self.line, self.detail.clone());
        let key = self.key.as_str();
        let default_list = DEFAULTS.iter().find(|(k, _, _)| *k == key).map(|(_, _, d)| *d).unwrap_or("");
        let list: Vec<String> = if ALGORITHM_LISTS.contains(&key) {
            algorithms(&value, default_list)
        } else {
            self.args.iter().flat_map(|a| a.split(',')).filter(|s| !s.is_empty()).map(str::to_string).collect()
        };
        m.insert("key".into(), key.into());
        m.insert("lower".into(), value.to_ascii_lowercase().into());
        m.insert("int".into(), value.parse::<i64>().ok().into());
        m.insert("seconds".into(), seconds(&value).into());
        m.insert("value".into(), value.into());
        m.insert("args".into(), self.args.clone().into());
        m.insert("list".into(), list.into());
        let scope = match (&self.criteria, self.default) {
            (_, true) => "OpenSSH default".to_string(),
            (Some(c), _) => format!("Match {c}"),
            (None, false) => "global".to_string(),
        };
        m.insert("match".into(), self.criteria.clone().into());
        m.insert("default".into(), self.default.into());
        m.insert("scope".into(), scope.into());
        Value::Object(m)
    }
}

/// Read the sshd configuration the way sshd does.
pub fn read(r: &Reader) -> Result<Config, Unavailable> {
    let mut inc = Includes::new(r, limits::INCLUDES);
    let mut found = Vec::new();
    match read_file(&mut inc, MAIN, 0, None, &mut found, &mut HashSet::new()) {
        Err(Skip::Read(e)) if e.is_not_found() => {
            return Err(Unavailable::NotFound(format!("{MAIN} not found (OpenSSH server not installed)")))
        }
        Err(Skip::Read(e)) => return Err(Unavailable::Unreadable(e)),
        _ => {}
    }
    let (files, unreadable) = inc.finish();
    // keyword -> (global settings, settings per Match criteria)
    let mut global: BTreeMap<String, Vec<Setting>> = BTreeMap::new();
    let mut matched: BTreeMap<String, Vec<Setting>> = BTreeMap::new();
    let mut first_in_match = HashSet::new();
    for s in found {
        let accumulate = ACCUMULATE.contains(&s.key.as_str());
        match &s.criteria {
            None => {
                let list = global.entry(s.key.clone()).or_default();
                if list.is_empty() || accumulate {
                    list.push(s);
                } else if LAST_WINS.contains(&s.key.as_str()) {
                    list[0] = s;
                }
            }
            Some(crit) => {
                // A connection takes a keyword from the first block it matches
                // that sets it: a later block that only connections matching
                // an earlier one can match never gives its value. The same
                // criteria twice is found in a set; covering criteria are
                // looked for among the first blocks only, so that thousands of
                // Match blocks stay linear.
                let list = matched.entry(s.key.clone()).or_default();
                let shadowed = !first_in_match.insert((s.key.clone(), crit.clone()))
                    || list.iter().take(64).any(|o| o.criteria.as_deref().is_some_and(|c| covers(c, crit)));
                if accumulate || !shadowed {
                    list.push(s);
                }
            }
        }
    }
    for (key, name, default) in DEFAULTS {
        if !global.contains_key(*key) {
            let args: Vec<String> = default.split_whitespace().map(str::to_string).collect();
            let shown = if default.is_empty() { "(none)".to_string() } else { default.to_string() };
            let detail = format!("{name} not set; OpenSSH default is {shown}");
            let s = Setting {
                key: key.to_string(),
                args,
                path: MAIN.to_string(),
                line: None,
                detail,
                criteria: None,
                default: true,
            };
            global.insert(key.to_string(), vec![s]);
        }
    }
    let mut settings = global;
    for (key, list) in matched {
        settings.entry(key).or_default().extend(list);
    }
    Ok(Config { settings, files, unreadable })
}

impl Config {
    /// The `sshd` facts: `sshd.<keyword>` is the list of its settings;
    /// `files`, `unreadable`.
    pub fn facts(&self) -> Value {
        let mut out = Map::new();
        for (key, list) in &self.settings {
            out.insert(key.clone(), Value::Array(list.iter().map(Setting::fact).collect()));
        }
        out.insert("files".into(), json!(self.files));
        out.insert(
            "unreadable".into(),
            self.unreadable.iter().map(|e| json!({"path": e.path(), "reason": e.reason()})).collect::<Vec<_>>().into(),
        );
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_like_sshd() {
        assert_eq!(split_line("PermitRootLogin=yes"), Some(("permitrootlogin".into(), vec!["yes".into()])));
        assert_eq!(
            split_line("  Banner \"/etc/issue net\" # c"),
            Some(("banner".into(), vec!["/etc/issue net".into()]))
        );
        assert_eq!(split_line("# comment"), None);
    }

    #[test]
    fn algorithm_modifiers() {
        assert_eq!(algorithms("+3des-cbc", "a,b"), vec!["a", "b", "3des-cbc"]);
        assert_eq!(algorithms("-b*", "a,b1,b2"), vec!["a"]);
        assert_eq!(algorithms("^c", "a,c"), vec!["c", "a"]);
        assert_eq!(algorithms("x,y", "a"), vec!["x", "y"]);
    }

    #[test]
    fn match_blocks_that_no_connection_reaches_are_shadowed() {
        assert!(super::covers("all", "User root"));
        assert!(super::covers("User root", "User root"));
        assert!(super::covers("Address 10.0.0.0/8", "User root Address 10.0.0.0/8"));
        assert!(super::covers("user root", "User root"));
        assert!(!super::covers("User root Address 10.0.0.0/8", "User root"));
        assert!(!super::covers("User admin Group root", "User root Group admin"));
        assert!(!super::covers("User admin", "all"));
    }

    #[test]
    fn time_values() {
        assert_eq!(seconds("120"), Some(120));
        assert_eq!(seconds("1m30s"), Some(90));
        assert_eq!(seconds("2M"), Some(120));
        assert_eq!(seconds("x"), None);
    }
}
