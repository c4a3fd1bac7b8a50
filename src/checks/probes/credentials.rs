//! `credentials` probe: judges the service and application credentials of
//! the `credentials` collector with the profile's parameters.
//!
//! Params: `kinds` (fact kinds this check judges, e.g. `[redis-requirepass,
//! redis-acl]`), `app_paths` (directories walked for env and compose files),
//! `min_service_password_length` (passwords shorter are `short`, default
//! 12), `min_secret_length` (JWT/session secrets, default 32). A credential
//! is weak when it is empty, a vendor default, derived from its user or
//! service name, on the common-password list, or shorter than the minimum;
//! a Redis ACL user with `nopass` always fails. Facts with an `exempt`
//! reason (an `off` user, guest limited to localhost) and references
//! (`${VAR}`) are not judged. Failing items carry `what` (the label and the
//! reason, never the value), `kind`, `key`, `user`, `label`, `why`.

use super::params::{default_app_paths, Params};
use super::Outcome;
use crate::collectors::credentials::{DEFAULT_MIN_PASSWORD, DEFAULT_MIN_SECRET};
use crate::facts::{Facts, Params as FactParams};
use crate::passwords::Weakness;
use crate::sources::Unavailable;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The kinds of credentials the collector tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    RedisRequirepass,
    RedisMasterauth,
    RedisAcl,
    RedisAclNopass,
    GrafanaAdmin,
    RabbitmqDefaultUser,
    TomcatUser,
    MycnfClient,
    Env,
    ComposeEnv,
    Dsn,
    JwtSecret,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::RedisRequirepass => "redis-requirepass",
            Kind::RedisMasterauth => "redis-masterauth",
            Kind::RedisAcl => "redis-acl",
            Kind::RedisAclNopass => "redis-acl-nopass",
            Kind::GrafanaAdmin => "grafana-admin",
            Kind::RabbitmqDefaultUser => "rabbitmq-default-user",
            Kind::TomcatUser => "tomcat-user",
            Kind::MycnfClient => "mycnf-client",
            Kind::Env => "env",
            Kind::ComposeEnv => "compose-env",
            Kind::Dsn => "dsn",
            Kind::JwtSecret => "jwt-secret",
        }
    }
}

/// Parameters of the `credentials` probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialParams {
    /// The kinds this check judges.
    pub kinds: Vec<Kind>,
    /// Directories walked for env and compose files.
    #[serde(default = "default_app_paths")]
    pub app_paths: Vec<String>,
    /// Passwords shorter than this are weak.
    #[serde(default = "min_password")]
    pub min_service_password_length: usize,
    /// JWT and session secrets shorter than this are weak.
    #[serde(default = "min_secret")]
    pub min_secret_length: usize,
}

fn min_password() -> usize {
    DEFAULT_MIN_PASSWORD
}

fn min_secret() -> usize {
    DEFAULT_MIN_SECRET
}

impl Params for CredentialParams {
    fn validate(&self) -> Result<(), String> {
        if self.kinds.is_empty() {
            return Err("`kinds` is empty".into());
        }
        Ok(())
    }
}

/// Which service a kind belongs to (for "not applicable").
fn service_of(kind: &str) -> &'static str {
    match kind.split('-').next().unwrap_or("") {
        "redis" => "redis",
        "grafana" => "grafana",
        "rabbitmq" => "rabbitmq",
        "tomcat" => "tomcat",
        "mycnf" => "mysql",
        _ => "app",
    }
}

/// Which service an input path belongs to (for an unreadable one).
fn service_of_path(path: &str) -> &'static str {
    ["redis", "grafana", "rabbitmq", "tomcat"]
        .into_iter()
        .find(|s| path.contains(s))
        .or_else(|| ["mysql", "mariadb", "my.cnf"].iter().any(|s| path.contains(s)).then_some("mysql"))
        .unwrap_or("app")
}

fn describe_service(s: &str) -> &'static str {
    match s {
        "redis" => "no Redis configuration",
        "grafana" => "no Grafana configuration",
        "rabbitmq" => "no RabbitMQ configuration",
        "tomcat" => "no tomcat-users.xml",
        "mysql" => "no MySQL/MariaDB option file",
        _ => "no env or compose file in the app paths",
    }
}

pub fn run(f: &Facts, params: &CredentialParams) -> Result<Outcome, Unavailable> {
    let kinds: Vec<&str> = params.kinds.iter().map(|k| k.as_str()).collect();
    let (min_pw, min_secret) = (params.min_service_password_length, params.min_secret_length);
    let fact = f.get_with("credentials", &FactParams::AppPaths(params.app_paths.clone()))?;
    let facts = &fact.value;
    let present: Vec<&str> = facts["present"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let services: Vec<&str> = kinds.iter().map(|k| service_of(k)).collect();
    if !services.iter().any(|s| present.contains(s)) {
        // Nothing of the service was read: an input of it that could not be
        // read (a FIFO, a file over the line bound) is the reason, not "none".
        if let Some(e) = fact.unreadable.iter().find(|e| services.contains(&service_of_path(e.path()))) {
            return Err(Unavailable::Unreadable(e.clone()));
        }
        let why = services.first().map(|s| describe_service(s)).unwrap_or("no credentials to judge");
        return Err(Unavailable::NotFound(why.to_string()));
    }
    let mut out = Outcome { unreadable: fact.unreadable.clone(), ..Outcome::default() };
    for f in facts["entries"].as_array().into_iter().flatten() {
        let kind = f["kind"].as_str().unwrap_or("");
        if !kinds.contains(&kind) || f["reference"] == true || !f["exempt"].is_null() {
            continue;
        }
        out.checked += 1;
        let min = if f["class"] == "secret" { min_secret } else { min_pw };
        // `short` (or no weakness) was judged with the default minimum: re-judge with this one.
        let why = match f["weakness"].as_str() {
            None | Some("short") => match f["len"].as_u64().map(|l| l as usize) {
                Some(len) if len < min => Some(Weakness::Short { len, min }.describe()),
                _ => None,
            },
            Some(_) => f["why"].as_str().map(str::to_string),
        };
        let Some(why) = why else { continue };
        let Some(mut m) = f.as_object().cloned() else { continue };
        let label = f["label"].as_str().unwrap_or("a credential");
        let mut label_cap = label.to_string();
        if let Some(first) = label_cap.get(0..1) {
            label_cap = first.to_uppercase() + &label_cap[1..];
        }
        let what =
            if f["weakness"] == "nopass" { format!("{label_cap} {why}") } else { format!("{label_cap} is {why}") };
        m.insert("what".into(), what.into());
        m.insert("why".into(), why.into());
        m.insert("min".into(), min.into());
        out.failures.push(m);
    }
    Ok(out)
}
