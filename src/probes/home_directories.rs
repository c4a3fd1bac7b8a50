//! `home_directories` probe: for every account with a login shell and a UID
//! at or above `min_uid` (default 1000), its home directory exists, is owned
//! by the account, and is not writable by group or others (mode within
//! `max_mode`, default 0750).

use super::{param_i64, Outcome};
use crate::sources::{item, Scan, Unavailable};
use serde_json::{Map, Value};

const NO_LOGIN: &[&str] = &["/usr/sbin/nologin", "/sbin/nologin", "/bin/false", "/usr/bin/false", "/bin/sync"];

pub fn run(scan: &Scan, params: &Map<String, Value>) -> Result<Outcome, Unavailable> {
    let passwd = scan.builtin_json("passwd")?;
    let min_uid = param_i64(params, "min_uid").unwrap_or(1000);
    let max_mode = params.get("max_mode").and_then(Value::as_str).unwrap_or("0750");
    let max_mode = u32::from_str_radix(max_mode, 8).unwrap_or(0o750);
    let mut out = Outcome::default();
    for u in passwd["entries"].as_array().into_iter().flatten() {
        let uid = u["uid"].as_i64().unwrap_or(-1);
        let shell = u["shell"].as_str().unwrap_or("");
        let home = u["home"].as_str().unwrap_or("");
        let name = u["name"].as_str().unwrap_or("");
        if uid < min_uid || uid == 65534 || NO_LOGIN.contains(&shell) || home.is_empty() || home == "/" {
            continue;
        }
        out.checked += 1;
        let problem = match scan.target.stat(home) {
            Ok(m) if m.file_type != crate::target::FileType::Dir => Some(format!("{home} ({name}'s home) is not a directory")),
            Ok(m) if i64::from(m.uid) != uid => Some(format!("{home} ({name}'s home) is owned by uid {} instead of {uid}", m.uid)),
            Ok(m) if m.mode & !max_mode & 0o777 != 0 => {
                Some(format!("{home} ({name}'s home) has mode {:04o}, more permissive than {max_mode:04o}", m.mode))
            }
            Ok(_) => None,
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
            out.failures.push(m);
        }
    }
    Ok(out)
}
