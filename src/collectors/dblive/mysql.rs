//! MySQL / MariaDB: the accounts of `mysql.user` (a view over
//! `mysql.global_priv` on MariaDB 10.4+), read with one SELECT.

use super::{classify, DbError, Facts, Url, TIMEOUT};
use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder, Value};
use serde_json::json;

/// Hosts that only the server machine itself can connect from.
const LOCAL_HOSTS: &[&str] = &["localhost", "127.0.0.1", "::1"];

fn is_auth(e: &mysql::Error) -> bool {
    // ER_ACCESS_DENIED_ERROR, ER_DBACCESS_DENIED_ERROR, ER_ACCESS_DENIED_NO_PASSWORD_ERROR
    matches!(e, mysql::Error::MySqlError(m) if matches!(m.code, 1044 | 1045 | 1698))
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::Bytes(b)) => String::from_utf8_lossy(b).into_owned(),
        Some(Value::NULL) | None => String::new(),
        Some(other) => other.as_sql(true).trim_matches('\'').to_string(),
    }
}

/// One account of mysql.user (never its password columns).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Account {
    pub user: String,
    pub host: String,
    pub is_role: bool,
    /// Every `*_priv` column except Grant_priv is 'Y'.
    pub all_privileges: bool,
    pub grant_option: bool,
}

/// Judge accounts (split out for unit tests).
pub(crate) fn judge(facts: &mut Facts, accounts: &[Account]) {
    for kind in ["anonymous_users", "remote_root", "global_all_any_host"] {
        facts.judged(kind);
    }
    for a in accounts.iter().filter(|a| !a.is_role) {
        let who = format!("'{}'@'{}'", a.user, a.host);
        let fields = json!({"user": a.user, "host": a.host, "account": who});
        if a.user.is_empty() {
            facts.add(
                "anonymous_users",
                format!("anonymous account {who}: anyone can connect without a user name"),
                fields.clone(),
            );
        }
        if a.user == "root" && !LOCAL_HOSTS.contains(&a.host.to_ascii_lowercase().as_str()) {
            facts.add(
                "remote_root",
                format!("root account {who} accepts connections from other hosts"),
                fields.clone(),
            );
        }
        if a.host == "%" && (a.all_privileges || a.grant_option) {
            let what = match (a.all_privileges, a.grant_option) {
                (true, true) => "ALL PRIVILEGES ON *.* WITH GRANT OPTION",
                (true, false) => "ALL PRIVILEGES ON *.*",
                _ => "global GRANT OPTION",
            };
            facts.add("global_all_any_host", format!("account {who} (any host) has {what}"), fields);
        }
    }
}

pub fn collect(url: &Url) -> Result<Facts, DbError> {
    // The client library knows only mysql://.
    let raw = match url.raw.split_once("://") {
        Some((_, rest)) => format!("mysql://{rest}"),
        None => url.raw.clone(),
    };
    let opts =
        Opts::from_url(&raw).map_err(|e| DbError::InvalidUrl { url: url.display(), why: url.scrub(&e.to_string()) })?;
    let opts = OptsBuilder::from_opts(opts)
        .prefer_socket(false)
        .tcp_connect_timeout(Some(TIMEOUT))
        .read_timeout(Some(TIMEOUT))
        .write_timeout(Some(TIMEOUT));
    let mut conn = Conn::new(opts).map_err(|e| classify(url, &e.to_string(), is_auth(&e), false))?;
    let mut facts = Facts::new(url);
    let rows: Vec<mysql::Row> = match conn.query("SELECT * FROM mysql.user") {
        Ok(rows) => rows,
        // ER_TABLEACCESS_DENIED_ERROR / ER_DBACCESS_DENIED_ERROR: not an error of the scan.
        Err(mysql::Error::MySqlError(m)) if matches!(m.code, 1142 | 1044 | 1045) => {
            let who = url.user.as_deref().unwrap_or("the connecting user");
            for kind in ["anonymous_users", "remote_root", "global_all_any_host"] {
                facts.unjudged(
                    kind,
                    format!("{who} may not read mysql.user ({}): connect as an administrator", url.scrub(&m.message)),
                );
            }
            return Ok(facts);
        }
        Err(e) => return Err(classify(url, &e.to_string(), false, true)),
    };
    let mut accounts = Vec::new();
    for row in rows.iter().take(10_000) {
        let mut a = Account::default();
        let mut privs = 0usize;
        let mut granted = 0usize;
        for (i, col) in row.columns_ref().iter().enumerate() {
            let name = col.name_str();
            let v = || text(row.as_ref(i));
            match name.to_ascii_lowercase().as_str() {
                "user" => a.user = v(),
                "host" => a.host = v(),
                "is_role" => a.is_role = v().eq_ignore_ascii_case("y"),
                "grant_priv" => a.grant_option = v().eq_ignore_ascii_case("y"),
                n if n.ends_with("_priv") => {
                    privs += 1;
                    if v().eq_ignore_ascii_case("y") {
                        granted += 1;
                    }
                }
                _ => {}
            }
        }
        a.all_privileges = privs > 0 && granted == privs;
        accounts.push(a);
    }
    judge(&mut facts, &accounts);
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_accounts() {
        let url = Url::parse("mysql://u:pw@127.0.0.1:3306/").unwrap();
        let mut f = Facts::new(&url);
        let acc = |user: &str, host: &str, all: bool, grant: bool| Account {
            user: user.into(),
            host: host.into(),
            is_role: false,
            all_privileges: all,
            grant_option: grant,
        };
        judge(
            &mut f,
            &[
                acc("", "localhost", false, false),
                acc("root", "localhost", true, true),
                acc("root", "%", true, true),
                acc("root", "::1", true, true),
                acc("app", "%", false, true),
                acc("reader", "%", false, false),
                Account { is_role: true, ..acc("admins", "", true, true) },
            ],
        );
        let v = f.into_json(super::super::Engine::Mysql);
        let names = |k: &str| -> Vec<String> {
            v["findings"][k].as_array().unwrap().iter().map(|i| i["account"].as_str().unwrap().to_string()).collect()
        };
        assert_eq!(names("anonymous_users"), ["''@'localhost'"]);
        assert_eq!(names("remote_root"), ["'root'@'%'"]);
        assert_eq!(names("global_all_any_host"), ["'root'@'%'", "'app'@'%'"]);
        assert!(!v.to_string().contains("pw@"));
    }
}
