//! `home_directories` probe: for every account with a login shell and a UID
//! at or above `min_uid` (default 1000), its home directory exists, is owned
//! by the account, and is not writable by group or others (mode within
//! `max_mode`, default 0750).
//!
//! Failing items carry `user`, `uid`, `want` (the allowed mode, octal) and,
//! when the directory exists, `mode_octal` and `owner`, for the message and
//! fix templates.

use super::{param_i64, Outcome};
use crate::sources::{item, Scan, Unavailable};
use serde_json::{Map, Value};

/// Shells that do not give an interactive login (by basename, wherever the
/// distribution installs them: /usr/sbin/nologin, /sbin/nologin,
/// /usr/bin/nologin, /bin/false, …).
const NO_LOGIN: &[&str] = &["nologin", "false", "sync", "shutdown", "halt"];

fn is_login_shell(shell: &str) -> bool {
    // An empty shell field means /bin/sh (passwd(5)).
    let base = shell.trim().rsplit('/').next().unwrap_or("");
    !NO_LOGIN.contains(&base)
}

pub fn run(scan: &Scan, params: &Map<String, Value>) -> Result<Outcome, Unavailable> {
    let passwd = scan.builtin_json("passwd")?;
    let min_uid = param_i64(params, "min_uid").unwrap_or(1000);
    let max_mode = params.get("max_mode").and_then(Value::as_str).unwrap_or("0750");
    let max_mode = u32::from_str_radix(max_mode.trim_start_matches("0o"), 8).unwrap_or(0o750) & 0o7777;
    let want = format!("{max_mode:04o}");
    let names = scan.names();
    let user_name = |uid: u32| names.users.get(&uid).cloned().unwrap_or_else(|| format!("uid {uid}"));
    let mut out = Outcome::default();
    for u in passwd["entries"].as_array().into_iter().flatten() {
        let uid = u["uid"].as_i64().unwrap_or(-1);
        let shell = u["shell"].as_str().unwrap_or("");
        let home = u["home"].as_str().unwrap_or("");
        let name = u["name"].as_str().unwrap_or("");
        if uid < min_uid || uid == 65534 || !is_login_shell(shell) || home.is_empty() || home == "/" {
            continue;
        }
        out.checked += 1;
        let mut fields = Map::new();
        let problem = match scan.target.stat(home) {
            Ok(m) => {
                fields.insert("mode_octal".into(), format!("{:04o}", m.mode).into());
                fields.insert("owner".into(), user_name(m.uid).into());
                if m.file_type != crate::target::FileType::Dir {
                    Some(format!("{home} ({name}'s home) is a {}, not a directory", m.file_type.as_str()))
                } else if i64::from(m.uid) != uid {
                    Some(format!(
                        "{home} ({name}'s home) is owned by {} instead of {name} (uid {uid})",
                        user_name(m.uid)
                    ))
                } else if m.mode & !max_mode & 0o777 != 0 {
                    Some(format!("{home} ({name}'s home) has mode {:04o}, more permissive than {want}", m.mode))
                } else {
                    None
                }
            }
            Err(e) if e.is_not_found() => Some(format!("{home} ({name}'s home) does not exist")),
            Err(e) => {
                scan.note_unreadable(&e);
                out.unreadable.push(e);
                None
            }
        };
        if let Some(p) = problem {
            let mut m = item(Some(home), None, p);
            m.insert("user".into(), name.into());
            m.insert("uid".into(), uid.into());
            m.insert("want".into(), want.clone().into());
            m.extend(fields);
            out.failures.push(m);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::is_login_shell;

    #[test]
    fn login_shells() {
        assert!(is_login_shell("/bin/bash"));
        assert!(is_login_shell("")); // /bin/sh
        assert!(!is_login_shell("/usr/sbin/nologin"));
        assert!(!is_login_shell("/usr/bin/nologin"));
        assert!(!is_login_shell("/bin/false"));
    }
}
