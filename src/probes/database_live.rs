//! `database_live` probe: one kind of finding (`finding`) of one engine
//! (`engine`: postgres, mysql, redis) over every connection given with
//! `scan --db URL` or the profile parameter `db_connections` (a list of URLs).
//!
//! No connection for the engine: `skip`. A connection that fails: `error`
//! with the reason (or, when another connection of the engine found
//! offenders, a note after the failure message). What a connection cannot
//! see (a non-superuser cannot read pg_authid) makes a would-be pass a skip
//! naming the reason. Items carry `url` (no password), `role`/`user`/`host`.

use super::{param_strings, Outcome};
use crate::dblive::{self, Engine, Url};
use crate::sources::{Scan, Unavailable};
use crate::target::ReadError;
use serde_json::{Map, Value};

pub fn run(scan: &Scan, params: &Map<String, Value>) -> Result<Outcome, Unavailable> {
    let engine_name = params.get("engine").and_then(Value::as_str).unwrap_or("");
    let engine = Engine::parse(engine_name)
        .ok_or_else(|| Unavailable::Failed(format!("database_live: unknown engine `{engine_name}`")))?;
    let finding = params.get("finding").and_then(Value::as_str).unwrap_or("");
    let mut raw = scan.db_connections();
    raw.extend(param_strings(params, "db_connections"));
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
        let facts = match dblive::facts(scan, url) {
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
