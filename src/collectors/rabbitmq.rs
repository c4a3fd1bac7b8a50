//! RabbitMQ's configuration, read once for every view (credentials,
//! declared listeners):
//!
//! - `rabbitmq.conf` and `conf.d/*.conf` (name order; later files win), the
//!   sysctl-like format of cuttlefish: `key = value`, `#` starts a comment,
//!   also after a value;
//! - the classic Erlang-terms `rabbitmq.config` and `advanced.config`: the
//!   `{loopback_users, [...]}`, `{default_user, <<"…">>}` and
//!   `{default_pass, <<"…">>}` terms (`%` comments);
//! - `enabled_plugins` (whether the management plugin listens).
//!
//! The default user is `guest`/`guest`, and `guest` may only connect from
//! localhost (`loopback_users`) unless that is lifted
//! (`loopback_users = none`, `loopback_users.guest = false`, or a classic
//! `{loopback_users, []}`).

use crate::sources::Reader;
use crate::target::ReadError;
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::OnceLock;

pub const CONF: &str = "/etc/rabbitmq/rabbitmq.conf";
const CLASSIC: &[&str] = &["/etc/rabbitmq/rabbitmq.config", "/etc/rabbitmq/advanced.config"];
pub const PLUGINS: &str = "/etc/rabbitmq/enabled_plugins";

/// One `key = value` of rabbitmq.conf (or a conf.d file).
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub path: String,
    pub line: usize,
    pub key: String,
    /// The value, its trailing comment removed.
    pub value: String,
}

/// One classic-config term hardcheck reads: `loopback_users`,
/// `default_user` or `default_pass`, with its value as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub path: String,
    pub line: usize,
    pub key: String,
    pub value: String,
}

/// A value and where it is set.
#[derive(Debug, Clone, PartialEq)]
pub struct At {
    pub path: String,
    pub line: usize,
    pub value: String,
}

/// The broker's default user as configured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DefaultUser {
    /// `default_user` (else `guest`).
    pub user: Option<At>,
    /// `default_pass` (else `guest`).
    pub pass: Option<At>,
    /// Users limited to connections from localhost (`guest` by default).
    pub loopback: BTreeSet<String>,
    /// The setting that lifted the localhost limit, as shown.
    pub lifted: Option<At>,
}

#[derive(Debug, Default)]
pub struct Config {
    /// rabbitmq.conf and conf.d settings, in the order read.
    pub settings: Vec<Setting>,
    pub terms: Vec<Term>,
    /// rabbitmq.conf, conf.d and classic files read.
    pub files: Vec<String>,
    /// `enabled_plugins`, when present.
    pub plugins: Option<String>,
    pub unreadable: Vec<ReadError>,
}

fn read_file(r: &Reader, path: &str, cfg: &mut Config) -> Option<String> {
    match r.read_text(path) {
        Ok(f) => Some(f.text),
        Err(e) if e.is_not_found() => None,
        Err(e) => {
            cfg.unreadable.push(e);
            None
        }
    }
}

/// Read RabbitMQ's configuration files.
pub fn read(r: &Reader) -> Config {
    let mut cfg = Config::default();
    let mut files = vec![CONF.to_string()];
    files.extend(r.glob("/etc/rabbitmq/conf.d/*.conf"));
    for path in files {
        let Some(text) = read_file(r, &path, &mut cfg) else { continue };
        cfg.files.push(path.clone());
        for (i, raw) in text.lines().enumerate() {
            let t = raw.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let Some((k, v)) = t.split_once('=') else { continue };
            let value = v.split('#').next().unwrap_or("").trim().to_string();
            cfg.settings.push(Setting { path: path.clone(), line: i + 1, key: k.trim().to_string(), value });
        }
    }
    for path in CLASSIC {
        let Some(text) = read_file(r, path, &mut cfg) else { continue };
        cfg.files.push(path.to_string());
        for (i, raw) in text.lines().enumerate() {
            let t = raw.split('%').next().unwrap_or("");
            for cap in erlang_term().captures_iter(t) {
                cfg.terms.push(Term { path: path.to_string(), line: i + 1, key: cap[1].into(), value: cap[2].into() });
            }
        }
    }
    cfg.plugins = read_file(r, PLUGINS, &mut cfg);
    cfg
}

impl Config {
    /// Whether a rabbitmq.conf, conf.d or classic file exists.
    pub fn exists(&self) -> bool {
        !self.files.is_empty()
    }

    /// The last setting of a key.
    pub fn last(&self, key: &str) -> Option<&Setting> {
        self.settings.iter().rev().find(|s| s.key == key)
    }

    /// Whether the management plugin is enabled.
    pub fn management(&self) -> bool {
        self.plugins.as_deref().is_some_and(|p| p.contains("rabbitmq_management"))
    }

    /// The default user, its password and the localhost limit, as the
    /// broker applies them (later settings win; classic terms last).
    pub fn default_user(&self) -> DefaultUser {
        let mut d = DefaultUser { loopback: BTreeSet::from(["guest".to_string()]), ..DefaultUser::default() };
        for s in &self.settings {
            let v = s.value.trim_matches('"').to_string();
            let at = |value: String| At { path: s.path.clone(), line: s.line, value };
            match s.key.as_str() {
                "default_user" => d.user = Some(at(v)),
                "default_pass" => d.pass = Some(at(v)),
                "loopback_users" if v == "none" => {
                    d.loopback.clear();
                    d.lifted = Some(at(format!("{} = none", s.key)));
                }
                k => {
                    if let Some(name) = k.strip_prefix("loopback_users.") {
                        if matches!(v.as_str(), "false" | "no" | "off") {
                            d.loopback.remove(name);
                            d.lifted = Some(at(format!("{k} = {v}")));
                        } else {
                            d.loopback.insert(name.to_string());
                        }
                    }
                }
            }
        }
        for t in &self.terms {
            let at = |value: String| At { path: t.path.clone(), line: t.line, value };
            match t.key.as_str() {
                "loopback_users" => {
                    d.loopback = erlang_list(&t.value).into_iter().filter_map(|s| erlang_binary(&s)).collect();
                    if !d.loopback.contains("guest") {
                        d.lifted = Some(at(format!("{{loopback_users, {}}}", t.value.trim())));
                    }
                }
                "default_user" => d.user = Some(at(erlang_binary(&t.value).unwrap_or_default())),
                "default_pass" => d.pass = Some(at(erlang_binary(&t.value).unwrap_or_default())),
                _ => {}
            }
        }
        d
    }
}

/// `{key, value}` pairs of the classic config we care about.
fn erlang_term() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r#"\{\s*(loopback_users|default_user|default_pass)\s*,\s*(\[[^\]]*\]|<<\s*"[^"]*"\s*>>|"[^"]*")\s*\}"#,
        )
        .expect("static regex")
    })
}

/// `<<"x">>` or `"x"` → `x`.
fn erlang_binary(v: &str) -> Option<String> {
    let v = v.trim();
    let v = v.strip_prefix("<<").and_then(|v| v.strip_suffix(">>")).unwrap_or(v).trim();
    v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).map(str::to_string)
}

fn erlang_list(v: &str) -> Vec<String> {
    let inner = v.trim().trim_start_matches('[').trim_end_matches(']');
    inner.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collectors::test_support::scan_with;

    #[test]
    fn conf_classic_and_plugins() {
        let (_d, scan) = scan_with(&[
            (CONF, "default_user = admin # the admin\nloopback_users.guest = false\nlisteners.tcp.default = 5672\n"),
            ("/etc/rabbitmq/conf.d/10-pass.conf", "default_pass = \"s3cret\"\n"),
            ("/etc/rabbitmq/advanced.config", "[{rabbit, [{default_user, <<\"ops\">>}]}]. % c\n"),
            (PLUGINS, "[rabbitmq_management].\n"),
        ]);
        let cfg = read(&scan);
        assert_eq!(cfg.files.len(), 3);
        assert!(cfg.management());
        assert_eq!(cfg.last("listeners.tcp.default").unwrap().value, "5672");
        let d = cfg.default_user();
        assert_eq!(d.user.unwrap().value, "ops", "classic terms are applied last");
        assert_eq!(d.pass.unwrap().value, "s3cret");
        assert!(d.loopback.is_empty());
        assert_eq!(d.lifted.unwrap().line, 2);
    }
}
