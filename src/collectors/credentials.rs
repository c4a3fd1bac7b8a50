//! `credentials`: passwords and secrets that services and applications read
//! from their configuration files, judged by [`crate::passwords::judge`].
//! The value itself never leaves this module: each fact says where the
//! credential is, what it is for, and *why* it is weak (or that it is not),
//! never what it is.
//!
//! Sources, each read the way its program reads it:
//!
//! - Redis (`/etc/redis/redis.conf`, `/etc/redis.conf`, every other
//!   `/etc/redis/*.conf`): lines split like `sdssplitargs` (double quotes
//!   with escapes, single quotes), `#` comment lines, `include FILE|GLOB`
//!   followed where it appears (nested up to 10 levels), the last
//!   `requirepass`/`masterauth` wins; `user NAME rules…` lines, here and in
//!   the `aclfile` named, applied rule by rule (`on`/`off`, `>pw`, `<pw`,
//!   `#hash`, `nopass`, `resetpass`, `reset`). `foobared`, the commented
//!   sample of redis.conf, counts as the vendor default.
//! - Grafana (`/etc/grafana/grafana.ini`): `[security] admin_password`
//!   (default `admin` when unset), `admin_user` (default `admin`),
//!   `disable_initial_admin_creation`; go-ini syntax (`#`/`;` comments, also
//!   inline, `"""…"""` quoting); `$__env{}`, `$__file{}`, `$__vault{}` and
//!   `${VAR}` are references. `GF_SECURITY_ADMIN_PASSWORD` in
//!   `/etc/default/grafana-server` or `/etc/sysconfig/grafana-server`
//!   overrides the file; in other env or compose files it is judged too.
//! - RabbitMQ (`/etc/rabbitmq/rabbitmq.conf`, `conf.d/*.conf`, and the
//!   Erlang-terms `rabbitmq.config`/`advanced.config`): `default_user`/
//!   `default_pass` (default guest/guest), `loopback_users` (default: guest
//!   may only connect from localhost; `loopback_users = none`,
//!   `loopback_users.guest = false` or `{loopback_users, []}` lift it).
//!   `RABBITMQ_DEFAULT_PASS` in env/compose files (the Docker image, which
//!   lets guest connect remotely).
//! - Tomcat (`tomcat-users.xml` under `/etc/tomcat*`, `/opt/tomcat*/conf`,
//!   `/usr/share/tomcat*/conf`): `<user username|name=… password=…>` outside
//!   `<!-- -->` comments; digested passwords are not judged.
//! - MySQL/MariaDB client option groups (`[client]`, `[mysql]`,
//!   `[mysqldump]`, …) in the server's option files (the `mycnf` source),
//!   `/etc/mysql/debian.cnf`, `/root/.my.cnf` and `/home/*/.my.cnf`.
//! - Env files (`.env`, `.env.*`, `*.env`; not `*.example`/`*.sample`/…),
//!   `/etc/environment`, `/etc/default/*`, `/etc/sysconfig/*`, and compose
//!   files (`docker-compose.yml`, `compose.yaml`, overrides; `environment:`
//!   as a map or a list, `env_file:`) found by a bounded walk of the app
//!   paths: keys ending in `_PASSWORD`, `_PASSWD`, `_PASS`, `_PWD`,
//!   `_SECRET`, `_TOKEN`, `_KEY` (not `_PUBLIC_KEY`, `_*_FILE`, …), JWT and
//!   session secrets (`JWT_SECRET`, `SECRET_KEY`, `SESSION_SECRET`,
//!   `SECRET_KEY_BASE`, …), and passwords inside URLs (`postgres://u:p@h`).
//!   `${VAR}`/`$VAR` references and pass-through (`- KEY`, `KEY:`) are not
//!   judged.
//!
//! Facts: `{exists, present, files, entries, truncated, unreadable}`.
//! `present` lists the services whose configuration was found (`redis`,
//! `grafana`, `rabbitmq`, `tomcat`, `mysql`, `app`). Each entry: `{path,
//! line, detail, kind, service, key, user, label, class, reference,
//! default, exempt, weakness, why, len, min}`; `detail` shows the key with
//! `****`; `weakness` is null, `empty`, `vendor-default`, `same-as-name`,
//! `common`, `short` (under `min`, 12 for passwords and 32 for JWT/session
//! secrets here; the checks' `min_service_password_length` and
//! `min_secret_length` re-judge `short` from `len`) or `nopass` (a Redis ACL
//! user without a password); `exempt` says why a weak value is not a risk
//! (an `off` user, guest limited to localhost, a file overridden).

use super::mysql;
use super::{rabbitmq, redis};
use crate::passwords::{self, Weakness};
use crate::sources::include::relative_to;
use crate::sources::tree_walk::{self, Bounds};
use crate::sources::{item, Scan, Unavailable};
use crate::target::{FileType, ReadError};
use regex::Regex;
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashSet};
use std::sync::OnceLock;

/// The app paths walked for env and compose files by default.
pub use crate::sources::tree_walk::DEFAULT_APP_PATHS;
/// Default minimum length of a service password.
pub const DEFAULT_MIN_PASSWORD: usize = 12;
/// Default minimum length of a JWT/session signing secret (RFC 7518 §3.2:
/// an HS256 key is at least 256 bits).
pub const DEFAULT_MIN_SECRET: usize = 32;

/// Walk bounds: depth below each app path, directory entries, files read.
const WALK_DEPTH: usize = 6;
const WALK_ENTRIES: usize = 100_000;
const WALK_FILES: usize = 500;

/// Directories the walk never enters besides
/// [`tree_walk::DEPENDENCY_DIRS`]: user data and system trees.
const SKIP_DIRS: &[&str] = &[".local", "snap", "proc", "sys", "dev"];

const REDIS_DEFAULTS: &[&str] = &["foobared"];
const GRAFANA_DEFAULTS: &[&str] = &["admin"];
const RABBIT_DEFAULTS: &[&str] = &["guest"];
const TOMCAT_DEFAULTS: &[&str] = &["tomcat", "s3cret", "admin", "both", "role1", "<must-be-changed>"];
/// Sample values from the documentation of common images and frameworks
/// (the postgres and mysql images' READMEs, `changeit`, …).
const APP_DEFAULTS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "changethis",
    "mysecretpassword",
    "my-secret-pw",
    "example",
    "secret",
    "supersecret",
    "replaceme",
    "replace-me",
    "your-password",
    "yourpassword",
];
/// Sample signing secrets: jwt.io's default, the jsonwebtoken and
/// express-session READMEs, framework placeholders.
const SECRET_DEFAULTS: &[&str] = &[
    "your-256-bit-secret",
    "shhhhh",
    "keyboard cat",
    "secret",
    "secretkey",
    "secret_key",
    "mysecret",
    "supersecret",
    "jwt_secret",
    "jwtsecret",
    "changeme",
    "change_me",
    "your-secret-key",
    "your_secret_key",
    "yoursecretkey",
];

/// Whether a value is a password or a signing secret (different minimums).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Password,
    Secret,
}

/// One credential as found. `value` stays in this module.
struct Found {
    path: String,
    line: Option<usize>,
    kind: &'static str,
    service: &'static str,
    key: String,
    user: Option<String>,
    label: String,
    detail: String,
    /// `None`: a reference or pass-through, not judged.
    value: Option<String>,
    names: Vec<String>,
    vendor: &'static [&'static str],
    class: Class,
    default: bool,
    exempt: Option<String>,
    /// A Redis ACL user without a password.
    nopass: bool,
}

impl Found {
    fn new(path: &str, line: Option<usize>, kind: &'static str, service: &'static str, key: &str) -> Found {
        Found {
            path: path.to_string(),
            line,
            kind,
            service,
            key: key.to_string(),
            user: None,
            label: key.to_string(),
            detail: format!("{key} ****"),
            value: None,
            names: Vec::new(),
            vendor: &[],
            class: Class::Password,
            default: false,
            exempt: None,
            nopass: false,
        }
    }

    fn fact(&self) -> Value {
        let mut m: Map<String, Value> = item(Some(&self.path), self.line, self.detail.clone());
        let min = match self.class {
            Class::Password => DEFAULT_MIN_PASSWORD,
            Class::Secret => DEFAULT_MIN_SECRET,
        };
        let (weakness, why, len) = if self.nopass {
            (Some("nopass"), Some("accepts any password (nopass rule)".to_string()), Value::Null)
        } else if let Some(v) = &self.value {
            let names: Vec<&str> = self.names.iter().map(String::as_str).filter(|n| !n.is_empty()).collect();
            let w = passwords::judge(v, &names, self.vendor, min);
            let name = w.as_ref().map(|w| match w {
                Weakness::Empty => "empty",
                Weakness::Common => "common",
                Weakness::SameAsName => "same-as-name",
                Weakness::VendorDefault => "vendor-default",
                Weakness::Short { .. } => "short",
            });
            (name, w.map(|w| w.describe()), Value::from(v.chars().count()))
        } else {
            (None, None, Value::Null)
        };
        m.insert("kind".into(), self.kind.into());
        m.insert("service".into(), self.service.into());
        m.insert("key".into(), self.key.clone().into());
        m.insert("user".into(), self.user.clone().map(Value::from).unwrap_or(Value::Null));
        m.insert("label".into(), self.label.clone().into());
        m.insert("class".into(), if self.class == Class::Secret { "secret" } else { "password" }.into());
        m.insert("reference".into(), (self.value.is_none() && !self.nopass).into());
        m.insert("default".into(), self.default.into());
        m.insert("exempt".into(), self.exempt.clone().map(Value::from).unwrap_or(Value::Null));
        m.insert("weakness".into(), weakness.map(Value::from).unwrap_or(Value::Null));
        m.insert("why".into(), why.map(Value::from).unwrap_or(Value::Null));
        m.insert("len".into(), len);
        m.insert("min".into(), min.into());
        Value::Object(m)
    }
}

/// Everything found in one scan.
#[derive(Default)]
struct Collector {
    found: Vec<Found>,
    files: Vec<String>,
    read: HashSet<String>,
    present: BTreeSet<&'static str>,
    unreadable: Vec<ReadError>,
    truncated: bool,
}

impl Collector {
    /// Read a file once; `None` when missing (silently) or unreadable (noted).
    fn read(&mut self, scan: &Scan, path: &str) -> Option<String> {
        match scan.read_text(path) {
            Ok(f) => {
                self.files.push(path.to_string());
                Some(f.text)
            }
            Err(e) if e.is_not_found() => None,
            Err(e) => {
                self.unreadable.push(e);
                None
            }
        }
    }
}

// ---------------------------------------------------------------- Redis --

/// One Redis ACL `user` line applied rule by rule.
fn redis_user(c: &mut Collector, path: &str, line: usize, args: &[String]) {
    let Some(name) = args.first() else { return };
    let mut on = false;
    let mut nopass = false;
    let mut passwords: Vec<String> = Vec::new();
    let mut hashed = 0usize;
    for rule in &args[1..] {
        let lower = rule.to_ascii_lowercase();
        match lower.as_str() {
            "on" => on = true,
            "off" => on = false,
            "nopass" => {
                nopass = true;
                passwords.clear();
                hashed = 0;
            }
            "resetpass" => {
                nopass = false;
                passwords.clear();
                hashed = 0;
            }
            "reset" => {
                on = false;
                nopass = false;
                passwords.clear();
                hashed = 0;
            }
            _ => {
                if let Some(p) = rule.strip_prefix('>') {
                    passwords.retain(|x| x != p);
                    passwords.push(p.to_string());
                    nopass = false;
                } else if let Some(p) = rule.strip_prefix('<') {
                    passwords.retain(|x| x != p);
                } else if rule.starts_with('#') {
                    hashed += 1;
                    nopass = false;
                }
            }
        }
    }
    let state = if on { "on" } else { "off" };
    let off = (!on).then(|| format!("user {name} is off (cannot log in)"));
    if nopass {
        let mut f = Found::new(path, Some(line), "redis-acl-nopass", "redis", "user");
        f.user = Some(name.clone());
        f.label = format!("Redis ACL user {name}");
        f.detail = format!("user {name} {state} nopass");
        f.nopass = true;
        f.exempt = off.clone();
        c.found.push(f);
    }
    let _ = hashed;
    for p in passwords {
        let mut f = Found::new(path, Some(line), "redis-acl", "redis", "user");
        f.user = Some(name.clone());
        f.label = format!("Redis ACL user {name}'s password");
        f.detail = format!("user {name} {state} >****");
        f.value = Some(p);
        f.names = vec![name.clone(), "redis".into()];
        f.vendor = REDIS_DEFAULTS;
        f.exempt = off.clone();
        c.found.push(f);
    }
}

/// Redis (every configuration, Sentinel's too): the last `requirepass` and
/// `masterauth`, every `user` line and the ACL file's users.
fn redis(c: &mut Collector, cfg: &redis::Config) {
    c.unreadable.extend(cfg.unreadable.iter().cloned());
    for inst in &cfg.instances {
        c.present.insert("redis");
        c.files.extend(inst.files.iter().cloned());
        c.read.extend(inst.files.iter().cloned());
        for (directive, kind, label) in [
            ("requirepass", "redis-requirepass", "Redis requirepass"),
            ("masterauth", "redis-masterauth", "Redis masterauth (the password this replica sends to its master)"),
        ] {
            let Some(d) = inst.all(directive).filter(|d| d.args.len() == 1).last() else { continue };
            let mut f = Found::new(&d.path, Some(d.line), kind, "redis", directive);
            f.value = Some(d.args[0].clone());
            f.vendor = REDIS_DEFAULTS;
            f.names = vec!["redis".into()];
            f.detail = format!("{directive} ****");
            f.label = label.into();
            c.found.push(f);
        }
        for d in inst.all("user").filter(|d| !d.args.is_empty()) {
            redis_user(c, &d.path, d.line, &d.args);
        }
        if let Some(acl) = inst.aclfile.as_ref().filter(|a| a.read) {
            c.files.push(acl.path.clone());
            c.read.insert(acl.path.clone());
            for u in &acl.users {
                redis_user(c, &u.path, u.line, &u.args);
            }
        }
    }
}

// -------------------------------------------------------------- Grafana --

/// A go-ini value as Grafana reads it: `"""…"""`, `"…"` or `` `…` `` quoting,
/// otherwise cut at the first `#` or `;` (an inline comment).
fn ini_value(v: &str) -> String {
    let v = v.trim();
    if let Some(rest) = v.strip_prefix("\"\"\"") {
        return rest.split("\"\"\"").next().unwrap_or("").to_string();
    }
    for q in ['"', '`'] {
        if v.len() >= 2 && v.starts_with(q) && v[1..].contains(q) {
            return v[1..].split(q).next().unwrap_or("").to_string();
        }
    }
    v.split(['#', ';']).next().unwrap_or("").trim().to_string()
}

/// Grafana's expansions: `$__env{}`, `$__file{}`, `$__vault{}`, `${VAR}`.
fn grafana_reference(v: &str) -> bool {
    v.contains("$__") || is_reference(v)
}

fn grafana(c: &mut Collector, scan: &Scan) {
    let path = "/etc/grafana/grafana.ini";
    let Some(text) = c.read(scan, path) else { return };
    c.present.insert("grafana");
    let mut section = String::new();
    let mut user: Option<String> = None;
    let mut pass: Option<(usize, String)> = None;
    let mut disabled: Option<usize> = None;
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        if let Some(s) = t.strip_prefix('[').and_then(|s| s.split(']').next()) {
            section = s.trim().to_ascii_lowercase();
            continue;
        }
        if section != "security" {
            continue;
        }
        let Some((k, v)) = t.split_once('=') else { continue };
        match k.trim() {
            "admin_user" => user = Some(ini_value(v)),
            "admin_password" => pass = Some((i + 1, ini_value(v))),
            "disable_initial_admin_creation" if ini_value(v).eq_ignore_ascii_case("true") => disabled = Some(i + 1),
            "disable_initial_admin_creation" => disabled = None,
            _ => {}
        }
    }
    let user = user.filter(|u| !u.is_empty()).unwrap_or_else(|| "admin".into());
    let mut f = Found::new(path, None, "grafana-admin", "grafana", "admin_password");
    f.user = Some(user.clone());
    f.label = format!("Grafana's initial admin password (admin_user {user})");
    f.names = vec![user, "grafana".into()];
    f.vendor = GRAFANA_DEFAULTS;
    match pass {
        Some((line, v)) => {
            f.line = Some(line);
            f.detail = "admin_password = ****".into();
            f.value = (!grafana_reference(&v)).then_some(v);
        }
        None => {
            f.default = true;
            f.detail = "[security] admin_password not set (Grafana's default: admin)".into();
            f.value = Some("admin".into());
        }
    }
    if let Some(line) = disabled {
        f.exempt = Some(format!("disable_initial_admin_creation = true (line {line})"));
    }
    c.found.push(f);
}

// ------------------------------------------------------------- RabbitMQ --

/// RabbitMQ's default user's password (guest/guest unless configured).
fn rabbitmq(c: &mut Collector, cfg: &rabbitmq::Config) {
    c.unreadable.extend(cfg.unreadable.iter().cloned());
    c.files.extend(cfg.files.iter().cloned());
    if !cfg.exists() {
        return;
    }
    c.present.insert("rabbitmq");
    let d = cfg.default_user();
    let name = d.user.as_ref().map(|u| u.value.clone()).unwrap_or_else(|| "guest".into());
    let mut f = Found::new("", None, "rabbitmq-default-user", "rabbitmq", "default_pass");
    f.user = Some(name.clone());
    f.label = format!("RabbitMQ's default user {name}'s password");
    f.names = vec![name.clone(), "rabbitmq".into(), "rabbit".into()];
    f.vendor = RABBIT_DEFAULTS;
    let lifted_note = d.lifted.as_ref().map(|l| format!("; {} lets it connect remotely", l.value)).unwrap_or_default();
    match &d.pass {
        Some(p) => {
            f.path = p.path.clone();
            f.line = Some(p.line);
            f.detail = format!("default_pass = ****{lifted_note}");
            f.value = (!p.value.starts_with("encrypted:")).then(|| p.value.clone());
        }
        None => {
            f.default = true;
            f.value = Some("guest".into());
            f.detail = format!("default_pass not set (RabbitMQ's default: guest){lifted_note}");
            match (&d.lifted, &d.user) {
                (Some(l), _) => {
                    f.path = l.path.clone();
                    f.line = Some(l.line);
                }
                (None, Some(u)) => f.path = u.path.clone(),
                (None, None) => f.path = cfg.files.first().cloned().unwrap_or_default(),
            }
        }
    }
    if d.loopback.contains(&name) {
        f.exempt = Some(format!("{name} may only connect from localhost (loopback_users)"));
    }
    c.found.push(f);
}

// --------------------------------------------------------------- Tomcat --

fn xml_unescape(v: &str) -> String {
    v.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// Blank out `<!-- … -->` comments, keeping newlines so that lines stay put.
fn strip_xml_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let end = after.find("-->").map(|e| e + 3).unwrap_or(after.len());
        out.extend(after[..end].chars().map(|ch| if ch == '\n' { '\n' } else { ' ' }));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// A stored digest (MessageDigestCredentialHandler / SecretKeyCredentialHandler
/// `salt$iterations$hash`, or a bare hex digest) rather than a password.
fn looks_digested(p: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(?:[0-9a-fA-F]{32,}|[0-9a-fA-F]*\$\d+\$[0-9a-fA-F]+|\{(?:SHA|SSHA|MD5|SHA256)\}\S+)$")
            .expect("static regex")
    })
    .is_match(p)
}

fn tomcat(c: &mut Collector, scan: &Scan) {
    let mut paths = Vec::new();
    for g in [
        "/etc/tomcat*/tomcat-users.xml",
        "/opt/tomcat*/conf/tomcat-users.xml",
        "/usr/share/tomcat*/conf/tomcat-users.xml",
    ] {
        paths.extend(scan.glob(g));
    }
    let mut seen = HashSet::new();
    static USER: OnceLock<Regex> = OnceLock::new();
    static ATTR: OnceLock<Regex> = OnceLock::new();
    let user_re = USER.get_or_init(|| Regex::new(r"<user\b([^>]*)>").expect("static regex"));
    let attr_re =
        ATTR.get_or_init(|| Regex::new(r#"([A-Za-z_][\w:.\-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')"#).expect("static regex"));
    for path in paths {
        // /usr/share/tomcat9/conf is usually a link to /etc/tomcat9.
        let real = scan.target.stat(&path).map(|m| m.path).unwrap_or_else(|_| path.clone());
        if !seen.insert(real) {
            continue;
        }
        let Some(text) = c.read(scan, &path) else { continue };
        c.present.insert("tomcat");
        let clean = strip_xml_comments(&text);
        for cap in user_re.captures_iter(&clean) {
            let start = cap.get(0).map(|m| m.start()).unwrap_or(0);
            let line = clean[..start].matches('\n').count() + 1;
            let (mut name, mut pass, mut roles) = (None, None, String::new());
            for a in attr_re.captures_iter(&cap[1]) {
                let v = xml_unescape(a.get(2).or(a.get(3)).map(|m| m.as_str()).unwrap_or(""));
                match &a[1] {
                    "username" | "name" => name = Some(v),
                    "password" => pass = Some(v),
                    "roles" => roles = v,
                    _ => {}
                }
            }
            let Some(name) = name else { continue };
            let Some(pass) = pass else { continue };
            let mut f = Found::new(&path, Some(line), "tomcat-user", "tomcat", "password");
            f.user = Some(name.clone());
            f.label = if roles.is_empty() {
                format!("Tomcat user {name}'s password")
            } else {
                format!("Tomcat user {name}'s password (roles {roles})")
            };
            f.detail = format!("<user username=\"{name}\" password=\"****\" roles=\"{roles}\">");
            f.names = vec![name, "tomcat".into()];
            f.vendor = TOMCAT_DEFAULTS;
            if looks_digested(&pass) {
                f.exempt = Some("stored as a digest".into());
            } else {
                f.value = Some(pass);
            }
            c.found.push(f);
        }
    }
}

// ---------------------------------------------------------------- MySQL --

/// Option groups that the mysql client programs read.
fn client_group(g: &str) -> bool {
    matches!(
        g,
        "client"
            | "client-server"
            | "client-mariadb"
            | "mysql"
            | "mariadb-client"
            | "mysqldump"
            | "mariadb-dump"
            | "mysqladmin"
            | "mariadb-admin"
            | "mysqlcheck"
            | "mysqlimport"
            | "mysqlshow"
            | "mysqlslap"
    )
}

fn mysql_entries(c: &mut Collector, options: &[mysql::OptionLine]) {
    for o in options {
        if o.key != "password" || !client_group(&o.group) {
            continue;
        }
        // A bare `password` makes the client prompt.
        let Some(v) = &o.value else { continue };
        let group = &o.group;
        let user = options
            .iter()
            .filter(|u| u.path == o.path && u.group == o.group && u.key == "user")
            .filter_map(|u| u.value.as_deref())
            .next_back()
            .map(str::to_string);
        let mut f = Found::new(&o.path, Some(o.line), "mycnf-client", "mysql", "password");
        f.label = match &user {
            Some(u) => format!("MySQL client password for {u} ([{group}])"),
            None => format!("MySQL client password ([{group}])"),
        };
        f.detail = format!("[{group}] password = ****");
        f.names = user.iter().cloned().chain(["mysql".to_string()]).collect();
        f.user = user;
        f.value = Some(v.to_string());
        c.found.push(f);
    }
}

fn mysql(c: &mut Collector, scan: &Scan) {
    if let Ok(cfg) = scan.memo("mysql", |r| Ok(mysql::read(r))) {
        if cfg.exists() {
            c.present.insert("mysql");
        }
        mysql_entries(c, &cfg.options);
    }
    let mut extra = vec!["/etc/mysql/debian.cnf".to_string(), "/root/.my.cnf".to_string()];
    extra.extend(scan.glob("/home/*/.my.cnf"));
    let clients = mysql::read_files(scan, &extra);
    if !clients.files.is_empty() {
        c.present.insert("mysql");
    }
    c.files.extend(clients.files.iter().cloned());
    c.unreadable.extend(clients.unreadable.iter().cloned());
    mysql_entries(c, &clients.options);
}

// ------------------------------------------------------- env and compose --

/// `${VAR}`, `$VAR`, `$(cmd)`: a value the shell or compose fills in.
fn is_reference(v: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\$(?:\{|\(|[A-Za-z_])").expect("static regex")).is_match(v)
}

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

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(x) = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(x);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How a variable was written, for the masked detail.
#[derive(Clone, Copy)]
enum Form {
    Env,
    ComposeMap,
    ComposeList,
}

/// One variable: `value` None for a pass-through (`- KEY`, `KEY:`).
struct Var {
    key: String,
    value: Option<String>,
    /// Single-quoted: taken literally, never a reference.
    literal: bool,
    line: usize,
}

/// Judge the variables of one env file or one compose service.
fn judge_vars(c: &mut Collector, path: &str, vars: &[Var], form: Form, service_name: Option<&str>) {
    let kind_env = match form {
        Form::Env => "env",
        _ => "compose-env",
    };
    let sibling = |suffixes: &[&str], prefix: &str| -> Option<String> {
        vars.iter()
            .rev()
            .find(|v| suffixes.iter().any(|s| v.key.eq_ignore_ascii_case(&format!("{prefix}{s}"))))
            .and_then(|v| v.value.clone())
            .filter(|v| !is_reference(v))
    };
    let has_file_sibling =
        |key: &str| vars.iter().any(|v| v.key.eq_ignore_ascii_case(&format!("{key}_FILE")) && v.value.is_some());
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

/// Parse env-file lines (dotenv, compose `.env`, `/etc/default`, pam_env).
fn env_vars(text: &str) -> Vec<Var> {
    let mut out = Vec::new();
    static KEY: OnceLock<Regex> = OnceLock::new();
    let key_re = KEY.get_or_init(|| Regex::new(r"^[A-Za-z_][A-Za-z0-9_.\-]*$").expect("static regex"));
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let t = t.strip_prefix("export ").map(str::trim_start).unwrap_or(t);
        let Some((k, v)) = t.split_once('=') else { continue };
        let k = k.trim();
        if !key_re.is_match(k) {
            continue;
        }
        let (value, literal) = env_value(v);
        out.push(Var { key: k.to_string(), value: Some(value), literal, line: i + 1 });
    }
    out
}

/// An env value: quoted (`"…"` with escapes, `'…'` literal) or bare (cut at ` #`).
fn env_value(v: &str) -> (String, bool) {
    let v = v.trim_start();
    if let Some(rest) = v.strip_prefix('\'') {
        return (rest.split('\'').next().unwrap_or("").to_string(), true);
    }
    if let Some(rest) = v.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some(o) => out.push(o),
                    None => {}
                },
                '"' => break,
                c => out.push(c),
            }
        }
        return (out, false);
    }
    let cut = v.find(" #").or_else(|| v.find("\t#")).unwrap_or(v.len());
    (v[..cut].trim_end().to_string(), false)
}

fn is_env_file(name: &str) -> bool {
    const SAMPLE: &[&str] = &["example", "sample", "dist", "template", "tmpl", "tpl", "defaults", "orig", "bak"];
    let sample = name.rsplit('.').next().is_some_and(|ext| SAMPLE.contains(&ext.to_ascii_lowercase().as_str()));
    !sample && (name == ".env" || name.starts_with(".env.") || (name.ends_with(".env") && name.len() > 4))
}

fn is_compose_file(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".yml").or_else(|| name.strip_suffix(".yaml")) else { return false };
    stem == "docker-compose" || stem == "compose" || stem.starts_with("docker-compose.") || stem.starts_with("compose.")
}

fn env_file(c: &mut Collector, scan: &Scan, path: &str) {
    if !c.read.insert(path.to_string()) {
        return;
    }
    let Some(text) = c.read(scan, path) else { return };
    c.present.insert("app");
    let vars = env_vars(&text);
    judge_vars(c, path, &vars, Form::Env, None);
}

fn compose_file(c: &mut Collector, scan: &Scan, path: &str) {
    if !c.read.insert(path.to_string()) {
        return;
    }
    let Ok(file) = scan.read_text(path) else { return };
    c.files.push(path.to_string());
    c.present.insert("app");
    let Ok((doc, leaves)) = crate::sources::structured::yaml(&file) else { return };
    let Some(services) = doc.get("services").and_then(Value::as_object) else { return };
    for (name, svc) in services {
        let map_prefix = format!("services.{name}.environment.");
        let list_prefix = format!("services.{name}.environment[");
        let mut vars = Vec::new();
        let mut list = false;
        for leaf in &leaves {
            let key = leaf["key"].as_str().unwrap_or("");
            let line = leaf["line"].as_u64().unwrap_or(0) as usize;
            if let Some(k) = key.strip_prefix(&map_prefix) {
                let value = match &leaf["value"] {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    other => Some(other.to_string()),
                };
                vars.push(Var { key: k.to_string(), value, literal: false, line });
            } else if key.starts_with(&list_prefix) {
                list = true;
                let s = match &leaf["value"] {
                    Value::String(s) => s.clone(),
                    _ => continue,
                };
                match s.split_once('=') {
                    Some((k, v)) => {
                        vars.push(Var { key: k.trim().to_string(), value: Some(v.to_string()), literal: false, line })
                    }
                    None => vars.push(Var { key: s.trim().to_string(), value: None, literal: false, line }),
                }
            }
        }
        let form = if list { Form::ComposeList } else { Form::ComposeMap };
        judge_vars(c, path, &vars, form, Some(name));
        let env_files: Vec<String> = match svc.get("env_file") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|e| e.as_str().or_else(|| e.get("path").and_then(Value::as_str)).map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        for e in env_files {
            if !is_reference(&e) {
                env_file(c, scan, &relative_to(path, &e));
            }
        }
    }
}

/// Bounded walk of the app paths for env and compose files.
fn walk(c: &mut Collector, scan: &Scan, roots: &[String]) {
    let roots: Vec<&str> = roots.iter().map(String::as_str).collect();
    let bounds = Bounds { depth: WALK_DEPTH, entries: WALK_ENTRIES, files: WALK_FILES };
    let walked = tree_walk::walk(scan, &roots, bounds, |e| match e.kind {
        FileType::Dir => !SKIP_DIRS.contains(&e.name) && !tree_walk::DEPENDENCY_DIRS.contains(&e.name),
        FileType::File | FileType::Symlink => is_env_file(e.name) || is_compose_file(e.name),
        _ => false,
    });
    c.truncated |= walked.truncated;
    for (path, _) in walked.files {
        let name = path.rsplit('/').next().unwrap_or("");
        if is_env_file(name) {
            env_file(c, scan, &path);
        } else {
            compose_file(c, scan, &path);
        }
    }
}

fn app(c: &mut Collector, scan: &Scan, roots: &[String]) {
    env_file(c, scan, "/etc/environment");
    for dir in ["/etc/default", "/etc/sysconfig"] {
        if let Ok(list) = scan.target.read_dir(dir) {
            for e in list {
                if scan.target.stat(&e.path).is_ok_and(|m| m.file_type == FileType::File) {
                    env_file(c, scan, &e.path);
                }
            }
        }
    }
    walk(c, scan, roots);
    // GF_SECURITY_ADMIN_PASSWORD in the service's environment file overrides grafana.ini.
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

/// Collect with the default app paths (the `credentials` source).
pub fn collect(scan: &Scan) -> Result<Value, Unavailable> {
    let roots: Vec<String> = DEFAULT_APP_PATHS.iter().map(|s| s.to_string()).collect();
    collect_with(scan, &roots)
}

/// The source name under which facts for `roots` are cached in a scan:
/// `credentials` for the default app paths, else `credentials:` and the
/// paths one per line.
pub fn source_name(roots: &[String]) -> String {
    if roots.iter().map(String::as_str).eq(DEFAULT_APP_PATHS.iter().copied()) {
        "credentials".into()
    } else {
        format!("credentials:{}", roots.join("\n"))
    }
}

/// The app paths of a [`source_name`].
pub fn paths_of(name: &str) -> Vec<String> {
    name.strip_prefix("credentials:").unwrap_or("").lines().filter(|l| l.starts_with('/')).map(str::to_string).collect()
}

/// Collect, walking `roots` for env and compose files.
pub fn collect_with(scan: &Scan, roots: &[String]) -> Result<Value, Unavailable> {
    let mut c = Collector::default();
    let redis_cfg = scan.memo("redis", |r| Ok(redis::read(r)))?;
    redis(&mut c, &redis_cfg);
    grafana(&mut c, scan);
    let rabbitmq_cfg = scan.memo("rabbitmq", |r| Ok(rabbitmq::read(r)))?;
    rabbitmq(&mut c, &rabbitmq_cfg);
    tomcat(&mut c, scan);
    mysql(&mut c, scan);
    app(&mut c, scan, roots);
    let entries: Vec<Value> = c.found.iter().map(Found::fact).collect();
    let unreadable: Vec<Value> = c.unreadable.iter().map(|e| json!({"path": e.path(), "reason": e.reason()})).collect();
    let mut files = c.files;
    files.dedup();
    Ok(json!({
        "exists": !c.present.is_empty(),
        "present": c.present.into_iter().collect::<Vec<_>>(),
        "files": files,
        "entries": entries,
        "truncated": c.truncated,
        "unreadable": unreadable,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collectors::test_support::scan_with;

    fn entries(v: &Value) -> Vec<Value> {
        v["entries"].as_array().cloned().unwrap_or_default()
    }

    #[test]
    fn redis_last_wins_and_acl_rules() {
        let (_d, scan) = scan_with(&[
            ("/etc/redis/redis.conf", "requirepass first-Strong-Value-1\ninclude /etc/redis/local.d/*.conf\n"),
            (
                "/etc/redis/local.d/a.conf",
                "requirepass password\nuser bob on nopass ~* +@all\naclfile /etc/redis/users.acl\n",
            ),
            (
                "/etc/redis/users.acl",
                "user carol on >x >Qz8#w <x\nuser dave off nopass\nuser erin on nopass >k9-Long-Secret-Value\n",
            ),
        ]);
        let v = collect_with(&scan, &[]).unwrap();
        let e = entries(&v);
        let rp: Vec<_> = e.iter().filter(|f| f["kind"] == "redis-requirepass").collect();
        assert_eq!(rp.len(), 1);
        assert_eq!(rp[0]["path"], "/etc/redis/local.d/a.conf");
        assert_eq!(rp[0]["weakness"], "common");
        let nopass: Vec<_> = e.iter().filter(|f| f["kind"] == "redis-acl-nopass").collect();
        assert_eq!(nopass.len(), 2, "{nopass:?}");
        assert_eq!(nopass[0]["user"], "bob");
        assert!(nopass[1]["exempt"].is_string(), "dave is off");
        let acl: Vec<_> = e.iter().filter(|f| f["kind"] == "redis-acl").collect();
        assert_eq!(acl.len(), 2, "carol's y, erin's password: {acl:?}");
        assert_eq!(acl[0]["weakness"], "short");
        assert_eq!(acl[1]["weakness"], Value::Null);
        let text = v.to_string();
        assert!(!text.contains("first-Strong") && !text.contains("k9-Long"), "no value in facts");
    }

    #[test]
    fn grafana_default_and_reference() {
        let (_d, scan) = scan_with(&[("/etc/grafana/grafana.ini", "[security]\n;admin_password = x\n")]);
        let e = entries(&collect_with(&scan, &[]).unwrap());
        assert_eq!(e[0]["weakness"], "vendor-default");
        assert_eq!(e[0]["default"], true);
        let (_d, scan) =
            scan_with(&[("/etc/grafana/grafana.ini", "[security]\nadmin_password = $__file{/run/secrets/gf}\n")]);
        let e = entries(&collect_with(&scan, &[]).unwrap());
        assert_eq!(e[0]["reference"], true);
        assert_eq!(ini_value("\"\"\"#pw;\"\"\""), "#pw;");
        assert_eq!(ini_value("abc # c"), "abc");
    }

    #[test]
    fn env_and_compose_forms() {
        let compose = "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: postgres\n      POSTGRES_USER: app\n  app:\n    environment:\n      - DB_PASSWORD=${DB_PASSWORD}\n      - JWT_SECRET=short\n      - DATABASE_URL=postgres://app:app@db/app\n      - API_TOKEN\n    env_file: [app.env]\n";
        let (_d, scan) = scan_with(&[
            ("/srv/x/docker-compose.yml", compose),
            ("/srv/x/app.env", "# DB_PASSWORD=password\nexport REDIS_PASSWORD='$literal' # c\n"),
            ("/srv/x/.env.example", "DB_PASSWORD=changeme\n"),
            ("/srv/x/node_modules/.env", "DB_PASSWORD=changeme\n"),
        ]);
        let e = entries(&collect_with(&scan, &["/srv".into()]).unwrap());
        let by = |k: &str| e.iter().find(|f| f["key"] == k).cloned().unwrap_or(Value::Null);
        assert_eq!(by("POSTGRES_PASSWORD")["weakness"], "same-as-name");
        assert_eq!(by("POSTGRES_PASSWORD")["detail"], "POSTGRES_PASSWORD: ****");
        assert_eq!(by("DB_PASSWORD")["reference"], true);
        assert_eq!(by("JWT_SECRET")["weakness"], "short");
        assert_eq!(by("JWT_SECRET")["detail"], "- JWT_SECRET=****");
        assert_eq!(by("DATABASE_URL")["weakness"], "same-as-name");
        assert_eq!(by("DATABASE_URL")["detail"], "- DATABASE_URL=postgres://app:****@db/app");
        assert_eq!(by("API_TOKEN")["reference"], true);
        assert_eq!(by("REDIS_PASSWORD")["reference"], false, "single quotes are literal");
        assert_eq!(by("REDIS_PASSWORD")["path"], "/srv/x/app.env");
        assert_eq!(e.iter().filter(|f| f["key"] == "DB_PASSWORD").count(), 1, "samples and node_modules skipped");
    }

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

    #[test]
    fn tomcat_comments_and_digests() {
        let xml = "<tomcat-users>\n<!--\n  <user username=\"tomcat\" password=\"tomcat\" roles=\"manager-gui\"/>\n-->\n<user username=\"admin\"\n      password=\"admin\" roles=\"manager-gui,admin-gui\"/>\n<user name=\"d\" password=\"0123456789abcdef0123456789abcdef\" roles=\"x\"/>\n</tomcat-users>\n";
        let (_d, scan) = scan_with(&[("/etc/tomcat9/tomcat-users.xml", xml)]);
        let e = entries(&collect_with(&scan, &[]).unwrap());
        assert_eq!(e.len(), 2);
        assert_eq!(e[0]["line"], 5);
        assert_eq!(e[0]["weakness"], "vendor-default");
        assert!(e[1]["exempt"].is_string());
    }

    #[test]
    fn rabbitmq_guest_remote_only_when_loopback_lifted() {
        let (_d, scan) = scan_with(&[("/etc/rabbitmq/rabbitmq.conf", "listeners.tcp.default = 5672\n")]);
        let e = entries(&collect_with(&scan, &[]).unwrap());
        assert!(e[0]["exempt"].is_string());
        let (_d, scan) = scan_with(&[("/etc/rabbitmq/rabbitmq.config", "[{rabbit, [{loopback_users, []}]}].\n")]);
        let e = entries(&collect_with(&scan, &[]).unwrap());
        assert_eq!(e[0]["exempt"], Value::Null);
        assert_eq!(e[0]["weakness"], "vendor-default");
        assert_eq!(e[0]["line"], 1);
    }

    #[test]
    fn garbage_does_not_panic() {
        let junk = "\u{0}\"'\\x\n[security\nadmin_password\n<user username=\"a\" password='\n{default_pass, <<\"\n%\nuser\ninclude\nrequirepass \"\\x4\"\nKEY==\n=\nservices: [1, 2\n";
        let (_d, scan) = scan_with(&[
            ("/etc/redis/redis.conf", junk),
            ("/etc/grafana/grafana.ini", junk),
            ("/etc/rabbitmq/rabbitmq.config", junk),
            ("/etc/tomcat9/tomcat-users.xml", junk),
            ("/srv/.env", junk),
            ("/srv/compose.yaml", junk),
        ]);
        let _ = collect_with(&scan, &["/srv".into()]).unwrap();
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("a%4"), "a%4");
    }

    #[test]
    fn include_cycles_stop() {
        let (_d, scan) =
            scan_with(&[("/etc/redis/redis.conf", "include /etc/redis/redis.conf\nrequirepass password\n")]);
        let e = entries(&collect_with(&scan, &[]).unwrap());
        assert_eq!(e.len(), 1);
    }
}
