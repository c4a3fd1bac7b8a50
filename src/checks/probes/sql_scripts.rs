//! `sql_scripts` probe: the statements of SQL init scripts and application
//! SQL files that grant too much, one concern per check. No SQL file at
//! all: not applicable.

use super::params::{default_app_paths, Params};
use super::Outcome;
use crate::collectors::sql_scripts::INITDB;
use crate::facts::Facts;
use crate::sources::Unavailable;
use serde::{Deserialize, Serialize};

/// What a statement grants that it should not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Concern {
    GlobalGrant,
    GrantOption,
    AnyHost,
    PrivilegedRole,
    PublicGrant,
}

impl Concern {
    fn as_str(self) -> &'static str {
        match self {
            Concern::GlobalGrant => "global_grant",
            Concern::GrantOption => "grant_option",
            Concern::AnyHost => "any_host",
            Concern::PrivilegedRole => "privileged_role",
            Concern::PublicGrant => "public_grant",
        }
    }
}

/// Parameters of the `sql_scripts` probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SqlParams {
    pub concern: Concern,
    /// Directories searched besides /docker-entrypoint-initdb.d.
    #[serde(default = "default_app_paths")]
    pub app_paths: Vec<String>,
}

impl Params for SqlParams {}

pub fn run(f: &Facts, params: &SqlParams) -> Result<Outcome, Unavailable> {
    let concern = params.concern.as_str();
    let paths = &params.app_paths;
    let scripts = f.sql_scripts(paths)?;
    if scripts.files.is_empty() && scripts.unreadable.is_empty() {
        return Err(Unavailable::NotFound(format!(
            "no SQL files in {INITDB} or {}",
            if paths.is_empty() { "(no application paths)".to_string() } else { paths.join(", ") }
        )));
    }
    let mut out =
        Outcome { checked: scripts.files.len(), unreadable: scripts.unreadable.clone(), ..Outcome::default() };
    for s in &scripts.statements {
        if s["concerns"].as_array().is_some_and(|c| c.iter().any(|c| c == concern)) {
            let mut m = s.clone();
            m.insert("statement".into(), m["detail"].clone());
            out.failures.push(m);
        }
    }
    Ok(out)
}
