//! `sysctl` probe. Params:
//! - `keys`: the kernel parameters that must all comply;
//! - one of `equals: N`, `min: N`, `max: N` (or `min` and `max`);
//! - `kernel_default: N` (or `defaults: {key: N}`): the value the kernel
//!   uses when nothing sets the key, judged on offline targets.
//!
//! Offline, the effective boot-time value is judged (file:line, or the
//! kernel default). On a live host the running value in `/proc/sys` is
//! judged too, and a config file that sets a bad value fails even when the
//! running value is good (it will be bad after the next boot).

use super::{param_i64, param_strings, Outcome};
use crate::sources::{item, Scan, Unavailable};
use serde_json::{Map, Value};

fn ok(v: i64, p: &Map<String, Value>) -> bool {
    if let Some(e) = param_i64(p, "equals") {
        return v == e;
    }
    param_i64(p, "min").is_none_or(|m| v >= m) && param_i64(p, "max").is_none_or(|m| v <= m)
}

fn wanted(p: &Map<String, Value>) -> String {
    match (param_i64(p, "equals"), param_i64(p, "min"), param_i64(p, "max")) {
        (Some(e), _, _) => format!("{e}"),
        (None, Some(a), Some(b)) => format!("between {a} and {b}"),
        (None, Some(a), None) => format!("{a} or more"),
        (None, None, Some(b)) => format!("{b} or less"),
        _ => "a compliant value".into(),
    }
}

pub fn run(scan: &Scan, params: &Map<String, Value>) -> Result<Outcome, Unavailable> {
    let facts = scan.builtin_json("sysctl")?;
    let entries = facts["entries"].as_array().cloned().unwrap_or_default();
    let mut out = Outcome::default();
    for u in facts["unreadable"].as_array().into_iter().flatten() {
        out.unreadable.push(crate::target::ReadError::Io {
            path: u["path"].as_str().unwrap_or("").into(),
            message: u["reason"].as_str().unwrap_or("").into(),
        });
    }
    let want = wanted(params);
    for key in param_strings(params, "keys") {
        out.checked += 1;
        let mut fail = |mut m: Map<String, Value>, value: &str| {
            m.insert("key".into(), key.clone().into());
            m.insert("value".into(), value.into());
            m.insert("want".into(), want.clone().into());
            out.failures.push(m);
        };
        // Last assignment whose key (or pattern) matches wins.
        let effective = entries.iter().rev().find(|e| {
            let k = e["key"].as_str().unwrap_or("");
            if e["pattern"] == Value::Bool(true) {
                glob::Pattern::new(k).map(|p| p.matches(&key)).unwrap_or(false)
            } else {
                k == key
            }
        });
        if let Some(e) = effective {
            let raw = e["value"].as_str().unwrap_or("");
            let bad = raw.parse::<i64>().map(|v| !ok(v, params)).unwrap_or(true);
            if bad {
                let m = e.as_object().cloned().unwrap_or_default();
                fail(m, raw);
            }
        }
        if scan.target.is_live() {
            let proc = format!("/proc/sys/{}", key.replace('.', "/"));
            match scan.target.read_text(&proc) {
                Ok(f) => {
                    let v = f.text.trim().to_string();
                    if v.parse::<i64>().map(|n| !ok(n, params)).unwrap_or(true) {
                        fail(item(Some(&proc), None, format!("{key} = {v} (running kernel)")), &v);
                    }
                }
                // Not present in this kernel (module not loaded, IPv6 off): nothing runs with it.
                Err(e) if e.is_not_found() => {}
                Err(e) => out.unreadable.push(e),
            }
        } else if effective.is_none() {
            let default = params
                .get("defaults")
                .and_then(|d| d.get(&key))
                .and_then(Value::as_i64)
                .or_else(|| param_i64(params, "kernel_default"));
            if let Some(d) = default {
                if !ok(d, params) {
                    fail(item(None, None, format!("{key} is not set; the kernel default is {d}")), &d.to_string());
                }
            }
        }
    }
    Ok(out)
}
