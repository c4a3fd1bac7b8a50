//! `home_directories` probe: for every account with a login shell and a UID
//! at or above `min_uid` (default 1000), its home directory exists, is owned
//! by the account, and is not writable by group or others (mode within
//! `max_mode`, default 0750).
//!
//! Failing items carry `user`, `uid`, `want` (the allowed mode, octal) and,
//! when the directory exists, `mode_octal` and `owner`, for the message and
//! fix templates.

use super::params::Params;
use super::Outcome;
use crate::collectors::accounts;
use crate::facts::Facts;
use crate::sources::{item, Unavailable};
use serde::{Deserialize, Serialize};
use serde_json::Map;

/// Parameters of the `home_directories` probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HomeParams {
    /// Accounts with a UID at or above this are judged.
    #[serde(default = "default_min_uid")]
    pub min_uid: i64,
    /// The most permissive mode allowed (octal).
    #[serde(default = "default_max_mode")]
    pub max_mode: String,
}

fn default_min_uid() -> i64 {
    1000
}

fn default_max_mode() -> String {
    "0750".into()
}

impl Params for HomeParams {
    fn validate(&self) -> Result<(), String> {
        u32::from_str_radix(self.max_mode.trim_start_matches("0o"), 8)
            .map(|_| ())
            .map_err(|_| format!("`max_mode: {}` is not an octal mode", self.max_mode))
    }
}

/// Shells that do not give an interactive login (by basename, wherever the
/// distribution installs them: /usr/sbin/nologin, /sbin/nologin,
/// /usr/bin/nologin, /bin/false, …).
const NO_LOGIN: &[&str] = &["nologin", "false", "sync", "shutdown", "halt"];

fn is_login_shell(shell: &str) -> bool {
    // An empty shell field means /bin/sh (passwd(5)).
    let base = shell.trim().rsplit('/').next().unwrap_or("");
    !NO_LOGIN.contains(&base)
}

pub fn run(f: &Facts, params: &HomeParams) -> Result<Outcome, Unavailable> {
    let passwd = f.accounts(accounts::PASSWD)?;
    let min_uid = params.min_uid;
    let max_mode = u32::from_str_radix(params.max_mode.trim_start_matches("0o"), 8).unwrap_or(0o750) & 0o7777;
    let want = format!("{max_mode:04o}");
    let names = f.reader().names();
    let user_name = |uid: u32| names.users.get(&uid).cloned().unwrap_or_else(|| format!("uid {uid}"));
    let mut out = Outcome::default();
    for u in &passwd.records {
        let uid = u.number(2).unwrap_or(-1);
        let (name, home, shell) = (u.field(0), u.field(5), u.field(6));
        if uid < min_uid || uid == 65534 || !is_login_shell(shell) || home.is_empty() || home == "/" {
            continue;
        }
        out.checked += 1;
        let mut fields = Map::new();
        let problem = match f.target().stat(home) {
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
                f.note_unreadable(&e);
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
