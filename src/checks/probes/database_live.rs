//! `database_live` probe: one kind of finding (`finding`) of one engine
//! (`engine`: postgres, mysql, redis) over every connection given with
//! `scan --db URL` or the profile parameter `db_connections` (a list of URLs).
//!
//! No connection for the engine: `skip`. A connection that fails: `error`
//! with the reason (or, when another connection of the engine found
//! offenders, a note after the failure message). What a connection cannot
//! see (a non-superuser cannot read pg_authid) makes a would-be pass a skip
//! naming the reason. Items carry `url` (no password), `role`/`user`/`host`.

use super::params::Params;
use super::Outcome;
use crate::collectors::dblive::{Engine, Url};
use crate::facts::Facts;
use crate::sources::Unavailable;
use crate::target::ReadError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The database engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DbEngine {
    #[serde(alias = "postgresql")]
    Postgres,
    #[serde(alias = "mariadb")]
    Mysql,
    Redis,
}

/// What a check looks for, per engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    Superusers,
    LoginWithoutPassword,
    PublicSchemaCreate,
    AppRoleAllTables,
    AnonymousUsers,
    RemoteRoot,
    GlobalAllAnyHost,
    DefaultUserAll,
}

impl Finding {
    fn as_str(self) -> &'static str {
        match self {
            Finding::Superusers => "superusers",
            Finding::LoginWithoutPassword => "login_without_password",
            Finding::PublicSchemaCreate => "public_schema_create",
            Finding::AppRoleAllTables => "app_role_all_tables",
            Finding::AnonymousUsers => "anonymous_users",
            Finding::RemoteRoot => "remote_root",
            Finding::GlobalAllAnyHost => "global_all_any_host",
            Finding::DefaultUserAll => "default_user_all",
        }
    }

    fn engine(self) -> DbEngine {
        match self {
            Finding::Superusers
            | Finding::LoginWithoutPassword
            | Finding::PublicSchemaCreate
            | Finding::AppRoleAllTables => DbEngine::Postgres,
            Finding::AnonymousUsers | Finding::RemoteRoot | Finding::GlobalAllAnyHost => DbEngine::Mysql,
            Finding::DefaultUserAll => DbEngine::Redis,
        }
    }
}

/// Parameters of the `database_live` probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DbParams {
    pub engine: DbEngine,
    pub finding: Finding,
    /// URLs besides those of `scan --db`.
    #[serde(default)]
    pub db_connections: Vec<String>,
}

impl Params for DbParams {
    fn validate(&self) -> Result<(), String> {
        if self.finding.engine() != self.engine {
            return Err(format!("finding `{}` is not one of engine {:?}", self.finding.as_str(), self.engine));
        }
        Ok(())
    }
}

pub fn run(f: &Facts, params: &DbParams) -> Result<Outcome, Unavailable> {
    let engine = match params.engine {
        DbEngine::Postgres => Engine::Postgres,
        DbEngine::Mysql => Engine::Mysql,
        DbEngine::Redis => Engine::Redis,
    };
    let finding = params.finding.as_str();
    let mut raw = f.options().db_urls.clone();
    raw.extend(params.db_connections.iter().cloned());
    let mut urls: Vec<Url> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    for r in &raw {
        match Url::parse(r) {
            Ok(u) if u.engine == engine && !urls.iter().any(|x| x.raw == u.raw) => urls.push(u),
            Ok(_) => {}
            // Only URLs of this engine's schemes are this check's business.
            Err(e) if Engine::parse(r.split("://").next().unwrap_or("")) == Some(engine) => {
                errors.push(crate::redact::mask(&e.to_string()))
            }
            Err(_) => {}
        }
    }
    if urls.is_empty() && errors.is_empty() {
        return Err(Unavailable::NotFound(format!("no --db connection given for {}", engine.as_str())));
    }
    let mut out = Outcome::default();
    for url in &urls {
        let facts = match f.database(url) {
            Ok(f) => f,
            Err(Unavailable::Failed(why)) => {
                errors.push(why);
                continue;
            }
            Err(other) => return Err(other),
        };
        if let Some(why) = facts["unjudged"].get(finding).and_then(Value::as_str) {
            out.unreadable.push(ReadError::Io { path: url.display(), message: why.to_string() });
            continue;
        }
        let Some(items) = facts["findings"].get(finding).and_then(Value::as_array) else {
            return Err(Unavailable::Failed(format!("database_live: {} has no finding `{finding}`", engine.as_str())));
        };
        out.checked += 1;
        out.failures.extend(items.iter().filter_map(|i| i.as_object().cloned()));
    }
    if !errors.is_empty() {
        if out.failures.is_empty() {
            return Err(Unavailable::Failed(errors.join("; ")));
        }
        out.notes.extend(errors);
    }
    Ok(out)
}
