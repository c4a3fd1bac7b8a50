//! Credentials in application environment files and compose services
//! ([`app_env`]): keys ending in `_PASSWORD`, `_PASSWD`, `_PASS`, `_PWD`,
//! `_SECRET`, `_TOKEN`, `_KEY` (not `_PUBLIC_KEY`, `_*_FILE`, …), JWT and
//! session secrets, passwords inside URLs, and the Grafana and RabbitMQ
//! variables of their container images.

use super::{Class, Collector, Found, APP_DEFAULTS, GRAFANA_DEFAULTS, RABBIT_DEFAULTS, SECRET_DEFAULTS};
use crate::collectors::app_env::{is_reference, AppEnv, Form, VarSet};
use crate::sources::text::percent_decode;
use regex::Regex;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// Keys of JWT and session signing secrets.
fn is_signing_secret(k: &str) -> bool {
    matches!(
        k,
        "SECRET_KEY"
            | "SECRET_KEY_BASE"
            | "SECRET"
            | "APP_SECRET"
            | "APP_KEY"
            | "SESSION_SECRET"
            | "SESSION_KEY"
            | "COOKIE_SECRET"
            | "NEXTAUTH_SECRET"
            | "AUTH_SECRET"
            | "TOKEN_SECRET"
    ) || (k.contains("JWT") && (k.ends_with("SECRET") || k.ends_with("KEY")))
        || ["_SESSION_SECRET", "_COOKIE_SECRET", "_SECRET_KEY_BASE", "_SECRET_KEY", "_TOKEN_SECRET"]
            .iter()
            .any(|s| k.ends_with(s))
}

/// What an env key holds: `(kind-ish, class, is a password)`.
#[derive(Debug, PartialEq)]
enum KeyClass {
    Grafana,
    Rabbit,
    Signing,
    Password,
    Token,
}

fn classify(key: &str) -> Option<KeyClass> {
    let k = key.to_ascii_uppercase();
    if k == "GF_SECURITY_ADMIN_PASSWORD" {
        return Some(KeyClass::Grafana);
    }
    if k == "RABBITMQ_DEFAULT_PASS" {
        return Some(KeyClass::Rabbit);
    }
    const NOT: &[&str] =
        &["_FILE", "_PUBLIC_KEY", "_PUBLISHABLE_KEY", "_SITE_KEY", "_PUB_KEY", "_KEY_ID", "_PATH", "_DIR"];
    if NOT.iter().any(|s| k.ends_with(s)) {
        return None;
    }
    if is_signing_secret(&k) {
        return Some(KeyClass::Signing);
    }
    if ["_PASSWORD", "_PASSWD", "_PASS", "_PWD"].iter().any(|s| k.ends_with(s))
        || matches!(k.as_str(), "PASSWORD" | "PASSWD")
    {
        return Some(KeyClass::Password);
    }
    if ["_SECRET", "_TOKEN", "_KEY"].iter().any(|s| k.ends_with(s)) || k == "TOKEN" {
        return Some(KeyClass::Token);
    }
    None
}

/// A password inside a URL: `(scheme, user, password, rest)`.
fn dsn(v: &str) -> Option<(String, String, String, String)> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"^([A-Za-z][A-Za-z0-9+.\-]*(?::[A-Za-z][A-Za-z0-9+.\-]*)?)://([^:@/\s]*):([^@\s]*)@(\S*)$")
            .expect("static regex")
    });
    let c = re.captures(v.trim())?;
    Some((c[1].to_string(), percent_decode(&c[2]), percent_decode(&c[3]), c[4].to_string()))
}

/// Judge the variables of one env file or one compose service.
fn judge_vars(c: &mut Collector, set: &VarSet) {
    let (path, vars, form, service_name) = (set.path.as_str(), &set.vars, set.form, set.service.as_deref());
    let kind_env = match form {
        Form::Env => "env",
        _ => "compose-env",
    };
    // Each key's last occurrence (index and value) and the keys set with a
    // value, indexed once: a lookup per variable keeps a file of many
    // variables linear (a scan through every variable was quadratic).
    let mut last: HashMap<String, (usize, Option<&str>)> = HashMap::new();
    let mut valued: HashSet<String> = HashSet::new();
    for (i, v) in vars.iter().enumerate() {
        let key = v.key.to_ascii_uppercase();
        if v.value.is_some() {
            valued.insert(key.clone());
        }
        last.insert(key, (i, v.value.as_deref()));
    }
    let sibling = |suffixes: &[&str], prefix: &str| -> Option<String> {
        suffixes
            .iter()
            .filter_map(|s| last.get(&format!("{prefix}{s}").to_ascii_uppercase()))
            .max_by_key(|(i, _)| *i)
            .and_then(|(_, v)| v.map(str::to_string))
            .filter(|v| !is_reference(v))
    };
    let has_file_sibling = |key: &str| valued.contains(&format!("{key}_FILE"));
    for v in vars {
        let shown = |masked: &str| match form {
            Form::Env => format!("{}={masked}", v.key),
            Form::ComposeMap => format!("{}: {masked}", v.key),
            Form::ComposeList => format!("- {}={masked}", v.key),
        };
        let reference = v.value.as_deref().is_none_or(|x| !v.literal && is_reference(x));
        // Passwords inside URLs, under any key.
        if let Some((scheme, user, pass, rest)) = v.value.as_deref().and_then(dsn) {
            let mut f = Found::new(path, Some(v.line), "dsn", "app", &v.key);
            f.label = format!("the password in {} ({scheme} URL, user {user})", v.key);
            f.detail = shown(&format!("{scheme}://{user}:****@{rest}"));
            f.user = Some(user.clone()).filter(|u| !u.is_empty());
            f.names = vec![user, scheme.split([':', '+']).next().unwrap_or("").to_string()];
            f.vendor = if scheme.starts_with("amqp") { RABBIT_DEFAULTS } else { APP_DEFAULTS };
            f.value = (v.literal || !is_reference(&pass)).then_some(pass);
            c.found.push(f);
            continue;
        }
        let Some(class) = classify(&v.key) else { continue };
        let upper = v.key.to_ascii_uppercase();
        let prefix =
            upper.rsplit_once('_').map(|(p, _)| p.to_string()).filter(|_| upper.contains('_')).unwrap_or_default();
        let mut f = Found::new(path, Some(v.line), kind_env, "app", &v.key);
        f.detail = shown("****");
        f.vendor = APP_DEFAULTS;
        f.names = prefix.split('_').filter(|w| w.len() >= 2).map(str::to_ascii_lowercase).collect();
        f.names.extend(service_name.map(str::to_string));
        let value = if reference { None } else { v.value.clone() };
        match class {
            KeyClass::Grafana => {
                let user = sibling(&["_USER"], "GF_SECURITY_ADMIN").unwrap_or_else(|| "admin".into());
                f.kind = "grafana-admin";
                f.service = "grafana";
                f.label = format!("Grafana's initial admin password (GF_SECURITY_ADMIN_PASSWORD, user {user})");
                f.names = vec![user.clone(), "grafana".into()];
                f.user = Some(user);
                f.vendor = GRAFANA_DEFAULTS;
                f.value = value;
                c.present.insert("grafana");
            }
            KeyClass::Rabbit => {
                let user = sibling(&["_USER"], "RABBITMQ_DEFAULT").unwrap_or_else(|| "guest".into());
                f.kind = "rabbitmq-default-user";
                f.service = "rabbitmq";
                f.label = format!("RabbitMQ's default user {user}'s password (RABBITMQ_DEFAULT_PASS)");
                f.names = vec![user.clone(), "rabbitmq".into(), "rabbit".into()];
                f.user = Some(user);
                f.vendor = RABBIT_DEFAULTS;
                f.value = value;
                c.present.insert("rabbitmq");
            }
            KeyClass::Signing => {
                f.kind = "jwt-secret";
                f.class = Class::Secret;
                f.label = format!("the signing secret {}", v.key);
                f.vendor = SECRET_DEFAULTS;
                // An empty secret usually means "unset": the app refuses to start or generates one.
                f.value = value.filter(|x| !x.is_empty() && !looks_like_path(x));
            }
            KeyClass::Password => {
                let user = sibling(&["_USER", "_USERNAME", "_LOGIN"], &prefix);
                f.label = match &user {
                    Some(u) => format!("{} (user {u})", v.key),
                    None => v.key.clone(),
                };
                f.names.extend(user.clone());
                f.user = user;
                f.value = value.filter(|x| !x.is_empty() || !has_file_sibling(&upper));
            }
            KeyClass::Token => {
                // An empty token or key usually turns a feature off; paths and
                // flags are not secrets.
                f.value = value.filter(|x| {
                    !x.is_empty()
                        && !looks_like_path(x)
                        && !matches!(
                            x.to_ascii_lowercase().as_str(),
                            "true" | "false" | "yes" | "no" | "on" | "off" | "none" | "null"
                        )
                });
            }
        }
        if f.kind == "env" || f.kind == "compose-env" || f.kind == "jwt-secret" || f.value.is_some() || reference {
            c.found.push(f);
        }
    }
}

fn looks_like_path(v: &str) -> bool {
    v.starts_with('/') || v.starts_with("./") || v.starts_with("../") || v.starts_with("~/")
}

/// Judge every env file and compose service; `GF_SECURITY_ADMIN_PASSWORD`
/// in the Grafana service's environment file overrides grafana.ini.
pub(super) fn app(c: &mut Collector, env: &AppEnv) {
    c.files.extend(env.files.iter().cloned());
    c.unreadable.extend(env.unreadable.iter().cloned());
    c.truncated |= env.truncated;
    if !env.files.is_empty() {
        c.present.insert("app");
    }
    for set in &env.sets {
        judge_vars(c, set);
    }
    let override_at = c
        .found
        .iter()
        .find(|f| {
            f.kind == "grafana-admin"
                && matches!(f.path.as_str(), "/etc/default/grafana-server" | "/etc/sysconfig/grafana-server")
        })
        .map(|f| format!("overridden by GF_SECURITY_ADMIN_PASSWORD in {}", f.path));
    if let Some(note) = override_at {
        for f in c.found.iter_mut().filter(|f| f.kind == "grafana-admin" && f.path == "/etc/grafana/grafana.ini") {
            f.exempt.get_or_insert(note.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(classify("POSTGRES_PASSWORD"), Some(KeyClass::Password));
        assert_eq!(classify("MYSQL_ROOT_PASSWORD"), Some(KeyClass::Password));
        assert_eq!(classify("DB_PASSWORD_FILE"), None);
        assert_eq!(classify("VAPID_PUBLIC_KEY"), None);
        assert_eq!(classify("SSL_KEY_FILE"), None);
        assert_eq!(classify("JWT_SECRET"), Some(KeyClass::Signing));
        assert_eq!(classify("SECRET_KEY_BASE"), Some(KeyClass::Signing));
        assert_eq!(classify("DJANGO_SECRET_KEY"), Some(KeyClass::Signing));
        assert_eq!(classify("STRIPE_SECRET"), Some(KeyClass::Token));
        assert_eq!(classify("GITHUB_TOKEN"), Some(KeyClass::Token));
        assert_eq!(classify("HOME"), None);
        assert!(is_reference("${X}") && is_reference("$X") && !is_reference("a$") && !is_reference("p$1"));
        assert_eq!(dsn("mysql://root:p%40ss@db:3306/x").map(|d| d.2), Some("p@ss".into()));
        assert_eq!(dsn("redis://:pw@cache:6379").map(|d| d.1), Some(String::new()));
        assert!(dsn("https://example.com/a").is_none());
    }
}
