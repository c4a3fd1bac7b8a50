//! `sysctl` probe. Params:
//! - `keys`: the kernel parameters that must all comply;
//! - one of `equals: N`, `min: N`, `max: N` (or `min` and `max`);
//! - `kernel_default: N` (or `defaults: {key: N}`): the value the kernel
//!   uses when nothing sets the key, judged on offline targets;
//! - `fix_file` (default `60-hardening.conf`): the `/etc/sysctl.d` file the
//!   fix names when no editable line is to blame.
//!
//! The effective boot-time value follows systemd-sysctl: the last explicit
//! assignment of a key wins over any glob (`net.ipv4.conf.*.rp_filter`),
//! whatever their order; `-key` without a value excludes the key from
//! globs; among globs the last one wins. Offline, that value is judged
//! (file:line, or the kernel default with no path). On a live host the
//! running value in `/proc/sys` is judged too, and a config file that sets a
//! bad value fails even when the running value is good (it will be bad after
//! the next boot).
//!
//! Failure fields: `key`, `value` (as written, or `N (kernel default)`),
//! `want` (`1`, `1 or more`, …), `set` (a compliant value to write) and
//! `conf` (where to write it: the offending `/etc` line, or an
//! `/etc/sysctl.d` file that is loaded late enough to win).

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

/// A value that complies, to write in the fix.
fn to_set(p: &Map<String, Value>) -> String {
    param_i64(p, "equals")
        .or_else(|| param_i64(p, "min"))
        .or_else(|| param_i64(p, "max"))
        .map(|v| v.to_string())
        .unwrap_or_default()
}

/// `a.b/c` (dotted form) as the path under /proc/sys: `a/b.c`.
fn path_form(key: &str) -> String {
    key.chars()
        .map(|c| match c {
            '.' => '/',
            '/' => '.',
            c => c,
        })
        .collect()
}

/// Does a glob key match a key? Globs expand over /proc/sys paths, so `*`
/// stays within one level (`net.*.rp_filter` does not reach `net.ipv4.conf.all.rp_filter`).
fn glob_matches(pattern: &str, key: &str) -> bool {
    let opts =
        glob::MatchOptions { case_sensitive: true, require_literal_separator: true, require_literal_leading_dot: true };
    glob::Pattern::new(&path_form(pattern)).map(|p| p.matches_with(&path_form(key), opts)).unwrap_or(false)
}

/// The entry that decides a key at boot: the last explicit assignment (or
/// exclusion), else the last glob that matches.
fn effective<'a>(entries: &'a [Value], key: &str) -> Option<&'a Value> {
    let is_pattern = |e: &Value| e["pattern"] == Value::Bool(true);
    entries.iter().rev().find(|e| !is_pattern(e) && e["key"].as_str() == Some(key)).or_else(|| {
        entries
            .iter()
            .rev()
            .find(|e| is_pattern(e) && e["value"].is_string() && glob_matches(e["key"].as_str().unwrap_or(""), key))
    })
}

/// Where the fix should write the line. An explicit line in /etc is edited in
/// place (and a compliant line anywhere is named as is: only the running value
/// is wrong); otherwise (a package's file, a glob, an exclusion, nothing at
/// all) an explicit line in an /etc/sysctl.d file that loads after the culprit.
fn conf_for(cause: Option<&Value>, compliant: bool, fix_file: &str) -> String {
    if let Some(e) = cause {
        let path = e["path"].as_str().unwrap_or("");
        let explicit = e["pattern"] != Value::Bool(true) && e["value"].is_string();
        if explicit && (compliant || path.starts_with("/etc/")) {
            return match e["line"].as_u64() {
                Some(l) => format!("{path} (line {l})"),
                None => path.to_string(),
            };
        }
        if e["pattern"] != Value::Bool(true) {
            // Explicit or exclusion in a vendor file: a later file name wins.
            let name = path.rsplit('/').next().unwrap_or("");
            let later = [fix_file, "99-hardening.conf", "zz-hardening.conf"]
                .into_iter()
                .find(|f| *f > name)
                .unwrap_or("zz-hardening.conf");
            return format!("/etc/sysctl.d/{later}");
        }
    }
    format!("/etc/sysctl.d/{fix_file}")
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
    let set = to_set(params);
    let fix_file = params.get("fix_file").and_then(Value::as_str).unwrap_or("60-hardening.conf").to_string();
    for key in param_strings(params, "keys") {
        out.checked += 1;
        let decider = effective(&entries, &key);
        // An exclusion (`-key`) leaves the key unset: the kernel default applies.
        let assigned = decider.filter(|e| e["value"].is_string());
        let compliant = assigned
            .and_then(|e| e["value"].as_str())
            .and_then(|v| v.parse::<i64>().ok())
            .is_some_and(|v| ok(v, params));
        let conf = conf_for(decider, compliant, &fix_file);
        let mut fail = |mut m: Map<String, Value>, value: &str| {
            m.insert("key".into(), key.clone().into());
            m.insert("value".into(), value.into());
            m.insert("want".into(), want.clone().into());
            m.insert("set".into(), set.clone().into());
            m.insert("conf".into(), conf.clone().into());
            out.failures.push(m);
        };
        if let Some(e) = assigned {
            let raw = e["value"].as_str().unwrap_or("");
            let bad = raw.parse::<i64>().map(|v| !ok(v, params)).unwrap_or(true);
            if bad {
                let mut m = e.as_object().cloned().unwrap_or_default();
                if e["pattern"] == Value::Bool(true) {
                    let detail = format!("{key} = {raw} (from glob `{}`)", e["detail"].as_str().unwrap_or(""));
                    m.insert("detail".into(), detail.into());
                }
                fail(m, raw);
            }
        }
        if scan.target.is_live() {
            let proc = format!("/proc/sys/{}", path_form(&key));
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
        } else if assigned.is_none() {
            let default = params
                .get("defaults")
                .and_then(|d| d.get(&key))
                .and_then(Value::as_i64)
                .or_else(|| param_i64(params, "kernel_default"));
            if let Some(d) = default {
                if !ok(d, params) {
                    let why = match decider {
                        Some(x) => format!(
                            "{key} is not set (excluded from globs at {}:{}); the kernel default is {d}",
                            x["path"].as_str().unwrap_or(""),
                            x["line"].as_u64().unwrap_or(0)
                        ),
                        None => format!("{key} is not set; the kernel default is {d}"),
                    };
                    fail(item(None, None, why), &format!("{d} (kernel default)"));
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(path: &str, line: u64, key: &str, value: Option<&str>) -> Value {
        json!({"path": path, "line": line, "detail": "", "key": key, "value": value,
               "pattern": key.contains(['*', '?', '[']), "exclude": value.is_none()})
    }

    #[test]
    fn globs_stay_within_one_level() {
        assert!(glob_matches("net.ipv4.conf.*.rp_filter", "net.ipv4.conf.all.rp_filter"));
        assert!(glob_matches("net.ipv4.conf.*.rp_filter", "net.ipv4.conf.eth0/1.rp_filter"));
        assert!(!glob_matches("net.*.rp_filter", "net.ipv4.conf.all.rp_filter"));
    }

    #[test]
    fn explicit_beats_glob_and_exclusion_unsets() {
        let a = "/usr/lib/sysctl.d/50-default.conf";
        let es = vec![
            entry(a, 1, "net.ipv4.conf.default.rp_filter", Some("2")),
            entry(a, 2, "net.ipv4.conf.*.rp_filter", Some("2")),
            entry(a, 3, "net.ipv4.conf.all.rp_filter", None),
            entry("/etc/sysctl.d/10-x.conf", 1, "net.ipv4.conf.default.rp_filter", Some("1")),
            entry("/etc/sysctl.d/90-y.conf", 1, "net.ipv4.conf.*.rp_filter", Some("0")),
        ];
        assert_eq!(effective(&es, "net.ipv4.conf.default.rp_filter").unwrap()["value"], "1");
        assert_eq!(effective(&es, "net.ipv4.conf.all.rp_filter").unwrap()["value"], Value::Null);
        assert_eq!(effective(&es, "net.ipv4.conf.eth0.rp_filter").unwrap()["value"], "0");
        // A vendor exclusion is overridden by a file that loads later.
        assert_eq!(
            conf_for(effective(&es, "net.ipv4.conf.all.rp_filter"), false, "60-hardening.conf"),
            "/etc/sysctl.d/60-hardening.conf"
        );
        let late = entry("/usr/lib/sysctl.d/70-x.conf", 4, "kernel.kptr_restrict", Some("0"));
        assert_eq!(conf_for(Some(&late), false, "60-hardening.conf"), "/etc/sysctl.d/99-hardening.conf");
        let etc = entry("/etc/sysctl.conf", 4, "kernel.kptr_restrict", Some("0"));
        assert_eq!(conf_for(Some(&etc), false, "60-hardening.conf"), "/etc/sysctl.conf (line 4)");
        // Config already right, running value wrong: name the line, `sysctl --system` applies it.
        let good = entry("/usr/lib/sysctl.d/99-protect-links.conf", 10, "fs.protected_symlinks", Some("1"));
        assert_eq!(
            conf_for(Some(&good), true, "60-hardening.conf"),
            "/usr/lib/sysctl.d/99-protect-links.conf (line 10)"
        );
    }
}
