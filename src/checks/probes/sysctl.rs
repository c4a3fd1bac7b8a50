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

use super::params::Params;
use super::Outcome;
use crate::collectors::sysctl::Assignment;
use crate::facts::Facts;
use crate::sources::{item, Unavailable};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Parameters of the `sysctl` probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SysctlParams {
    /// The kernel parameters that must all comply.
    pub keys: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// The value the kernel uses when nothing sets a key (offline targets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel_default: Option<i64>,
    /// Per-key kernel defaults.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub defaults: BTreeMap<String, i64>,
    /// The /etc/sysctl.d file the fix names when no editable line is to blame.
    #[serde(default = "default_fix_file")]
    pub fix_file: String,
}

fn default_fix_file() -> String {
    "60-hardening.conf".into()
}

impl Params for SysctlParams {
    fn validate(&self) -> Result<(), String> {
        if self.keys.is_empty() {
            return Err("`keys` is empty".into());
        }
        if self.equals.is_none() && self.min.is_none() && self.max.is_none() {
            return Err("one of `equals`, `min`, `max` is needed".into());
        }
        Ok(())
    }
}

fn ok(v: i64, p: &SysctlParams) -> bool {
    if let Some(e) = p.equals {
        return v == e;
    }
    p.min.is_none_or(|m| v >= m) && p.max.is_none_or(|m| v <= m)
}

fn wanted(p: &SysctlParams) -> String {
    match (p.equals, p.min, p.max) {
        (Some(e), _, _) => format!("{e}"),
        (None, Some(a), Some(b)) => format!("between {a} and {b}"),
        (None, Some(a), None) => format!("{a} or more"),
        (None, None, Some(b)) => format!("{b} or less"),
        _ => "a compliant value".into(),
    }
}

/// A value that complies, to write in the fix.
fn to_set(p: &SysctlParams) -> String {
    p.equals.or(p.min).or(p.max).map(|v| v.to_string()).unwrap_or_default()
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
fn effective<'a>(entries: &'a [Assignment], key: &str) -> Option<&'a Assignment> {
    entries
        .iter()
        .rev()
        .find(|e| !e.pattern() && e.key == key)
        .or_else(|| entries.iter().rev().find(|e| e.pattern() && e.value.is_some() && glob_matches(&e.key, key)))
}

/// Where the fix should write the line. An explicit line in /etc is edited in
/// place (and a compliant line anywhere is named as is: only the running value
/// is wrong); otherwise (a package's file, a glob, an exclusion, nothing at
/// all) an explicit line in an /etc/sysctl.d file that loads after the culprit.
fn conf_for(cause: Option<&Assignment>, compliant: bool, fix_file: &str) -> String {
    if let Some(e) = cause {
        let path = e.path.as_str();
        let explicit = !e.pattern() && e.value.is_some();
        if explicit && (compliant || path.starts_with("/etc/")) {
            return format!("{path} (line {})", e.line);
        }
        if !e.pattern() {
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

pub fn run(f: &Facts, params: &SysctlParams) -> Result<Outcome, Unavailable> {
    let settings = f.sysctl()?;
    let entries = &settings.entries;
    let mut out = Outcome { unreadable: settings.unreadable.clone(), ..Outcome::default() };
    let want = wanted(params);
    let set = to_set(params);
    for key in &params.keys {
        out.checked += 1;
        let decider = effective(entries, key);
        // An exclusion (`-key`) leaves the key unset: the kernel default applies.
        let assigned = decider.filter(|e| e.value.is_some());
        let compliant = assigned
            .and_then(|e| e.value.as_deref())
            .and_then(|v| v.parse::<i64>().ok())
            .is_some_and(|v| ok(v, params));
        let conf = conf_for(decider, compliant, &params.fix_file);
        let mut fail = |mut m: Map<String, Value>, value: &str| {
            m.insert("key".into(), key.clone().into());
            m.insert("value".into(), value.into());
            m.insert("want".into(), want.clone().into());
            m.insert("set".into(), set.clone().into());
            m.insert("conf".into(), conf.clone().into());
            out.failures.push(m);
        };
        if let Some(e) = assigned {
            let raw = e.value.as_deref().unwrap_or("");
            if raw.parse::<i64>().map(|v| !ok(v, params)).unwrap_or(true) {
                let mut m = e.item();
                if e.pattern() {
                    m.insert("detail".into(), format!("{key} = {raw} (from glob `{}`)", e.detail).into());
                }
                fail(m, raw);
            }
        }
        if f.target().is_live() {
            let proc = format!("/proc/sys/{}", path_form(key));
            match f.target().read_text(&proc) {
                Ok(file) => {
                    let v = file.text.trim().to_string();
                    if v.parse::<i64>().map(|n| !ok(n, params)).unwrap_or(true) {
                        fail(item(Some(&proc), None, format!("{key} = {v} (running kernel)")), &v);
                    }
                }
                // Not present in this kernel (module not loaded, IPv6 off): nothing runs with it.
                Err(e) if e.is_not_found() => {}
                Err(e) => out.unreadable.push(e),
            }
        } else if assigned.is_none() {
            let default = params.defaults.get(key).copied().or(params.kernel_default);
            if let Some(d) = default.filter(|d| !ok(*d, params)) {
                let why = match decider {
                    Some(x) => format!(
                        "{key} is not set (excluded from globs at {}:{}); the kernel default is {d}",
                        x.path, x.line
                    ),
                    None => format!("{key} is not set; the kernel default is {d}"),
                };
                fail(item(None, None, why), &format!("{d} (kernel default)"));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, line: usize, key: &str, value: Option<&str>) -> Assignment {
        Assignment { path: path.into(), line, detail: String::new(), key: key.into(), value: value.map(str::to_string) }
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
        assert_eq!(effective(&es, "net.ipv4.conf.default.rp_filter").unwrap().value.as_deref(), Some("1"));
        assert_eq!(effective(&es, "net.ipv4.conf.all.rp_filter").unwrap().value, None);
        assert_eq!(effective(&es, "net.ipv4.conf.eth0.rp_filter").unwrap().value.as_deref(), Some("0"));
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
