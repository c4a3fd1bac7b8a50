//! Grafana's `grafana.ini`, the `[security]` section a credentials check
//! reads: `admin_user`, `admin_password`, `disable_initial_admin_creation`,
//! in go-ini syntax (`#`/`;` comments, also inline, `"""…"""` quoting).

use crate::sources::Reader;
use crate::target::ReadError;

pub const INI: &str = "/etc/grafana/grafana.ini";

/// The `[security]` settings, with their lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    pub path: String,
    pub admin_user: Option<String>,
    /// `(line, value)` of `admin_password`.
    pub admin_password: Option<(usize, String)>,
    /// Line of `disable_initial_admin_creation = true` (a later `false` clears it).
    pub admin_creation_disabled: Option<usize>,
}

/// A go-ini value as Grafana reads it: `"""…"""`, `"…"` or `` `…` `` quoting,
/// otherwise cut at the first `#` or `;` (an inline comment).
pub fn ini_value(v: &str) -> String {
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

/// grafana.ini, when it exists.
pub fn read(r: &Reader) -> Result<Option<Config>, ReadError> {
    let text = match r.read_text(INI) {
        Ok(f) => f.text,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut c = Config { path: INI.to_string(), ..Config::default() };
    let mut section = String::new();
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
            "admin_user" => c.admin_user = Some(ini_value(v)),
            "admin_password" => c.admin_password = Some((i + 1, ini_value(v))),
            "disable_initial_admin_creation" if ini_value(v).eq_ignore_ascii_case("true") => {
                c.admin_creation_disabled = Some(i + 1)
            }
            "disable_initial_admin_creation" => c.admin_creation_disabled = None,
            _ => {}
        }
    }
    Ok(Some(c))
}

#[cfg(test)]
mod tests {
    use super::ini_value;

    #[test]
    fn go_ini_values() {
        assert_eq!(ini_value("\"\"\"#pw;\"\"\""), "#pw;");
        assert_eq!(ini_value("abc # c"), "abc");
        assert_eq!(ini_value("`a;b`"), "a;b");
    }
}
