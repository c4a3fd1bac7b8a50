//! Probe parameters: each probe declares a `#[serde(deny_unknown_fields)]`
//! struct (enums for closed sets, defaults declared once, there). A check
//! definition's `params:` is deserialized into it when the definition loads,
//! so that a misspelt key or value is a definition error with its line; the
//! parameters a check runs with are that struct, defaults filled in.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A probe's parameter struct.
pub trait Params: DeserializeOwned + Serialize {
    /// What serde cannot say about the parameters (a combination that does
    /// not make sense).
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// No parameters.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

impl Params for NoParams {}

/// Why a definition's parameters are wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    /// 1-based line in the definition file, when known.
    pub line: Option<usize>,
    pub message: String,
}

/// The definition file as far as its parameters go: every other key is
/// someone else's.
#[derive(Deserialize)]
struct Doc<P> {
    params: Option<P>,
}

fn clean(message: &str) -> String {
    message.split(" at line ").next().unwrap_or(message).trim().replace('\n', " ")
}

/// Deserialize the `params:` of a definition file into `P` (a missing
/// `params:` is an empty map), and give them with their defaults.
pub fn from_yaml<P: Params>(text: &str) -> Result<Map<String, Value>, ParamError> {
    let opts = serde_saphyr::options! { strict_booleans: true };
    let doc: Doc<P> = serde_saphyr::from_str_with_options(text, opts)
        .map_err(|e| ParamError { line: e.location().map(|l| l.line() as usize), message: clean(&e.to_string()) })?;
    let params = match doc.params {
        Some(p) => p,
        None => serde_json::from_value(Value::Object(Map::new()))
            .map_err(|e| ParamError { line: None, message: format!("params: {e}") })?,
    };
    params.validate().map_err(|message| ParamError { line: None, message })?;
    to_map(&params).map_err(|message| ParamError { line: None, message })
}

/// Deserialize parameters as a check runs with them (a profile may have
/// set some).
pub fn from_json<P: Params>(params: &Map<String, Value>) -> Result<P, String> {
    let p: P = serde_json::from_value(Value::Object(params.clone())).map_err(|e| e.to_string())?;
    p.validate()?;
    Ok(p)
}

pub fn to_map<P: Serialize>(p: &P) -> Result<Map<String, Value>, String> {
    match serde_json::to_value(p) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err("parameters are not a map".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// Default of `app_paths`: where applications keep their files.
pub fn default_app_paths() -> Vec<String> {
    crate::sources::tree_walk::DEFAULT_APP_PATHS.iter().map(|s| s.to_string()).collect()
}

/// Default of `cert_expiry_days`.
pub fn default_expiry_days() -> i64 {
    30
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    struct P {
        #[serde(default = "three")]
        n: u32,
        concern: Concern,
    }

    fn three() -> u32 {
        3
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Concern {
        AnyHost,
    }

    impl Params for P {}

    #[test]
    fn defaults_filled_typos_located() {
        let ok = from_yaml::<P>("id: x\nparams:\n  concern: any_host\n").unwrap();
        assert_eq!(ok["n"], 3);
        let e = from_yaml::<P>("id: x\nparams:\n  concern: any_host\n  nn: 4\n").unwrap_err();
        assert_eq!(e.line, Some(4), "{e:?}");
        assert!(e.message.contains("nn"), "{e:?}");
        let e = from_yaml::<P>("id: x\nparams:\n  concern: any-host\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e:?}");
        assert!(e.message.contains("any-host"), "{e:?}");
        let e = from_yaml::<P>("id: x\n").unwrap_err();
        assert!(e.message.contains("concern"), "{e:?}");
    }
}
