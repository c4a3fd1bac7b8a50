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

mod app;

use super::app_env::{is_reference, AppEnv};
use super::{grafana, mysql, rabbitmq, redis, tomcat};
use crate::passwords::{self, Weakness};
use crate::sources::item;
use crate::target::ReadError;
use regex::Regex;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The app paths walked for env and compose files by default.
pub use crate::sources::tree_walk::DEFAULT_APP_PATHS;
/// Default minimum length of a service password.
pub const DEFAULT_MIN_PASSWORD: usize = 12;
/// Default minimum length of a JWT/session signing secret (RFC 7518 §3.2:
/// an HS256 key is at least 256 bits).
pub const DEFAULT_MIN_SECRET: usize = 32;

const REDIS_DEFAULTS: &[&str] = &["foobared"];
pub(super) const GRAFANA_DEFAULTS: &[&str] = &["admin"];
pub(super) const RABBIT_DEFAULTS: &[&str] = &["guest"];
const TOMCAT_DEFAULTS: &[&str] = &["tomcat", "s3cret", "admin", "both", "role1", "<must-be-changed>"];
/// Sample values from the documentation of common images and frameworks
/// (the postgres and mysql images' READMEs, `changeit`, …).
pub(super) const APP_DEFAULTS: &[&str] = &[
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
pub(super) const SECRET_DEFAULTS: &[&str] = &[
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
pub(super) enum Class {
    Password,
    Secret,
}

/// One credential as found. `value` stays in this module.
pub(super) struct Found {
    pub(super) path: String,
    pub(super) line: Option<usize>,
    pub(super) kind: &'static str,
    pub(super) service: &'static str,
    pub(super) key: String,
    pub(super) user: Option<String>,
    pub(super) label: String,
    pub(super) detail: String,
    /// `None`: a reference or pass-through, not judged.
    pub(super) value: Option<String>,
    pub(super) names: Vec<String>,
    pub(super) vendor: &'static [&'static str],
    pub(super) class: Class,
    pub(super) default: bool,
    pub(super) exempt: Option<String>,
    /// A Redis ACL user without a password.
    pub(super) nopass: bool,
}

impl Found {
    pub(super) fn new(path: &str, line: Option<usize>, kind: &'static str, service: &'static str, key: &str) -> Found {
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
pub(super) struct Collector {
    pub(super) found: Vec<Found>,
    pub(super) files: Vec<String>,
    pub(super) present: BTreeSet<&'static str>,
    pub(super) unreadable: Vec<ReadError>,
    pub(super) truncated: bool,
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
            for u in &acl.users {
                redis_user(c, &u.path, u.line, &u.args);
            }
        }
    }
}

// -------------------------------------------------------------- Grafana --

/// Grafana's expansions: `$__env{}`, `$__file{}`, `$__vault{}`, `${VAR}`.
fn grafana_reference(v: &str) -> bool {
    v.contains("$__") || is_reference(v)
}

/// Grafana's initial admin password (`admin` when unset).
fn grafana(c: &mut Collector, g: &grafana::Config) {
    c.files.push(g.path.clone());
    c.present.insert("grafana");
    let user = g.admin_user.clone().filter(|u| !u.is_empty()).unwrap_or_else(|| "admin".into());
    let mut f = Found::new(&g.path, None, "grafana-admin", "grafana", "admin_password");
    f.user = Some(user.clone());
    f.label = format!("Grafana's initial admin password (admin_user {user})");
    f.names = vec![user, "grafana".into()];
    f.vendor = GRAFANA_DEFAULTS;
    match &g.admin_password {
        Some((line, v)) => {
            f.line = Some(*line);
            f.detail = "admin_password = ****".into();
            f.value = (!grafana_reference(v)).then(|| v.clone());
        }
        None => {
            f.default = true;
            f.detail = "[security] admin_password not set (Grafana's default: admin)".into();
            f.value = Some("admin".into());
        }
    }
    if let Some(line) = g.admin_creation_disabled {
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

/// Tomcat users' passwords (digested ones are not judged).
fn tomcat(c: &mut Collector, t: &tomcat::Config) {
    c.files.extend(t.files.iter().cloned());
    c.unreadable.extend(t.unreadable.iter().cloned());
    if !t.files.is_empty() {
        c.present.insert("tomcat");
    }
    for u in &t.users {
        let (name, roles) = (&u.name, &u.roles);
        let mut f = Found::new(&u.path, Some(u.line), "tomcat-user", "tomcat", "password");
        f.user = Some(name.clone());
        f.label = if roles.is_empty() {
            format!("Tomcat user {name}'s password")
        } else {
            format!("Tomcat user {name}'s password (roles {roles})")
        };
        f.detail = format!("<user username=\"{name}\" password=\"****\" roles=\"{roles}\">");
        f.names = vec![name.clone(), "tomcat".into()];
        f.vendor = TOMCAT_DEFAULTS;
        if looks_digested(&u.password) {
            f.exempt = Some("stored as a digest".into());
        } else {
            f.value = Some(u.password.clone());
        }
        c.found.push(f);
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

/// MySQL/MariaDB client passwords: the server's option files, then the
/// client ones.
fn mysql(c: &mut Collector, server: &mysql::Config, clients: &mysql::Config) {
    if server.exists() {
        c.present.insert("mysql");
    }
    mysql_entries(c, &server.options);
    if !clients.files.is_empty() {
        c.present.insert("mysql");
    }
    c.files.extend(clients.files.iter().cloned());
    c.unreadable.extend(clients.unreadable.iter().cloned());
    mysql_entries(c, &clients.options);
}

/// The client option files: Debian's maintenance file and every user's.
pub const MYSQL_CLIENT_FILES: &[&str] = &["/etc/mysql/debian.cnf", "/root/.my.cnf", "/home/*/.my.cnf"];

/// What the credentials view reads: each program's configuration, read once.
pub struct Inputs<'a> {
    pub redis: &'a redis::Config,
    /// grafana.ini (`Ok(None)`: absent).
    pub grafana: &'a Result<Option<grafana::Config>, ReadError>,
    pub rabbitmq: &'a rabbitmq::Config,
    pub tomcat: &'a tomcat::Config,
    pub mysql: &'a mysql::Config,
    /// The client option files ([`MYSQL_CLIENT_FILES`]).
    pub mysql_clients: &'a mysql::Config,
    pub app: &'a AppEnv,
}

/// The `credentials` facts: `{exists, present, files, entries, truncated,
/// unreadable}`.
pub fn collect(i: &Inputs) -> (Value, Vec<ReadError>) {
    let mut c = Collector::default();
    redis(&mut c, i.redis);
    match i.grafana {
        Ok(Some(g)) => grafana(&mut c, g),
        Ok(None) => {}
        Err(e) => c.unreadable.push(e.clone()),
    }
    rabbitmq(&mut c, i.rabbitmq);
    tomcat(&mut c, i.tomcat);
    mysql(&mut c, i.mysql, i.mysql_clients);
    app::app(&mut c, i.app);
    if let Some(first) = c.found.get(crate::limits::CREDENTIALS) {
        let message = format!(
            "more than {} credentials in one scan: the rest (from line {} on) are not judged",
            crate::limits::CREDENTIALS,
            first.line.unwrap_or(1)
        );
        c.unreadable.push(ReadError::Limit { path: first.path.clone(), message });
        c.found.truncate(crate::limits::CREDENTIALS);
    }
    let entries: Vec<Value> = c.found.iter().map(Found::fact).collect();
    let unreadable: Vec<Value> = c.unreadable.iter().map(|e| json!({"path": e.path(), "reason": e.reason()})).collect();
    let mut files = c.files;
    files.dedup();
    let facts = crate::sources::object([
        ("exists", (!c.present.is_empty()).into()),
        ("present", json!(c.present.into_iter().collect::<Vec<_>>())),
        ("files", json!(files)),
        ("entries", Value::Array(entries)),
        ("truncated", json!(c.truncated)),
        ("unreadable", Value::Array(unreadable)),
    ]);
    (facts, c.unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collectors::app_env;
    use crate::collectors::test_support::scan_with;
    use crate::sources::Reader;

    fn collect_with(r: &Reader, roots: &[String]) -> Result<Value, ()> {
        let clients: Vec<String> = MYSQL_CLIENT_FILES.iter().flat_map(|g| r.expand(g)).collect();
        let inputs = Inputs {
            redis: &redis::read(r),
            grafana: &grafana::read(r),
            rabbitmq: &rabbitmq::read(r),
            tomcat: &tomcat::read(r),
            mysql: &mysql::read(r),
            mysql_clients: &mysql::read_files(r, &clients),
            app: &app_env::read(r, roots),
        };
        Ok(collect(&inputs).0)
    }

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
    }

    #[test]
    fn include_cycles_stop() {
        let (_d, scan) =
            scan_with(&[("/etc/redis/redis.conf", "include /etc/redis/redis.conf\nrequirepass password\n")]);
        let e = entries(&collect_with(&scan, &[]).unwrap());
        assert_eq!(e.len(), 1);
    }
}
