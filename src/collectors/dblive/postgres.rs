//! PostgreSQL: catalog queries in one read-only transaction of the
//! database named in the URL (roles are cluster-wide; schemas and tables
//! are those of that database).

use super::{classify, DbError, Facts, Url, TIMEOUT};
use postgres::{Client, Config, NoTls};
use serde_json::json;
use std::str::FromStr;

/// The privileges `GRANT ALL` on a table gives.
const TABLE_PRIVILEGES: &[&str] = &["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"];

fn text_of(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{}: {}", db.severity(), db.message());
    }
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

fn is_auth(e: &postgres::Error) -> bool {
    e.code().is_some_and(|c| c.code().starts_with("28"))
}

pub fn collect(url: &Url) -> Result<Facts, DbError> {
    let mut config = Config::from_str(&url.raw)
        .map_err(|e| DbError::InvalidUrl { url: url.display(), why: url.scrub(&text_of(&e)) })?;
    config.connect_timeout(TIMEOUT);
    if config.get_application_name().is_none() {
        config.application_name("hardcheck");
    }
    let mut client = config.connect(NoTls).map_err(|e| classify(url, &text_of(&e), is_auth(&e), false))?;
    let q = |e: postgres::Error| classify(url, &text_of(&e), false, true);
    query_all(url, &mut client).map_err(q)
}

fn query_all(url: &Url, client: &mut Client) -> Result<Facts, postgres::Error> {
    let mut facts = Facts::new(url);
    let mut tx = client.build_transaction().read_only(true).start()?;
    tx.batch_execute("SET LOCAL statement_timeout = '5s'; SET LOCAL lock_timeout = '2s'")?;
    let me = tx.query_one(
        "SELECT current_user::text, current_database()::text, \
                (SELECT rolsuper FROM pg_roles WHERE rolname = current_user), \
                has_table_privilege('pg_catalog.pg_authid', 'SELECT')",
        &[],
    )?;
    let (user, database): (String, String) = (me.get(0), me.get(1));
    let can_read_authid: bool = me.get::<_, Option<bool>>(3).unwrap_or(false);

    // Superusers other than the bootstrap role (oid 10).
    facts.judged("superusers");
    for row in tx.query(
        "SELECT rolname::text, rolcanlogin FROM pg_roles WHERE rolsuper AND oid <> 10 ORDER BY 1 LIMIT 500",
        &[],
    )? {
        let (role, login): (String, bool) = (row.get(0), row.get(1));
        let how = if login { "can log in" } else { "NOLOGIN, but its members can SET ROLE to it" };
        facts.add("superusers", format!("role {role} is a superuser ({how})"), json!({"role": role, "login": login}));
    }

    // Login roles without a password (pg_authid is readable by superusers only).
    if can_read_authid {
        facts.judged("login_without_password");
        for row in tx.query(
            "SELECT rolname::text FROM pg_authid WHERE rolcanlogin AND rolpassword IS NULL AND oid <> 10 \
             ORDER BY 1 LIMIT 500",
            &[],
        )? {
            let role: String = row.get(0);
            facts.add("login_without_password", format!("login role {role} has no password"), json!({"role": role}));
        }
    } else {
        facts.unjudged(
            "login_without_password",
            format!(
                "role {user} cannot read pg_authid (superuser only), and pg_roles hides passwords: \
                 connect as a superuser to judge which login roles have no password"
            ),
        );
    }

    // CREATE on schema public for PUBLIC (the default before PostgreSQL 15).
    facts.judged("public_schema_create");
    for _ in tx.query(
        "SELECT 1 FROM pg_namespace WHERE nspname = 'public' AND has_schema_privilege('public', oid, 'CREATE')",
        &[],
    )? {
        facts.add(
            "public_schema_create",
            format!("PUBLIC (every role) may CREATE in schema public of database {database}"),
            json!({"database": database, "schema": "public", "role": "PUBLIC"}),
        );
    }

    // Non-superuser login roles holding every table privilege on every table
    // of a schema (granted, directly or through a role; not as the owner).
    facts.judged("app_role_all_tables");
    let all: Vec<String> =
        TABLE_PRIVILEGES.iter().map(|p| format!("has_table_privilege(r.oid, t.oid, '{p}')")).collect();
    let sql = format!(
        "WITH t AS (SELECT c.oid, n.nspname::text AS schema, c.relowner FROM pg_class c \
                    JOIN pg_namespace n ON n.oid = c.relnamespace \
                    WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
                      AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'), \
              r AS (SELECT oid, rolname::text AS name FROM pg_roles WHERE rolcanlogin AND NOT rolsuper) \
         SELECT r.name, t.schema, count(*)::bigint FROM r CROSS JOIN t \
         GROUP BY r.name, r.oid, t.schema \
         HAVING bool_and(t.relowner <> r.oid AND {}) \
         ORDER BY 1, 2 LIMIT 500",
        all.join(" AND ")
    );
    for row in tx.query(sql.as_str(), &[])? {
        let (role, schema, tables): (String, String, i64) = (row.get(0), row.get(1), row.get(2));
        let n = if tables == 1 { "the 1 table".to_string() } else { format!("all {tables} tables") };
        facts.add(
            "app_role_all_tables",
            format!("login role {role} holds ALL privileges on {n} of schema {schema} in database {database}"),
            json!({"role": role, "schema": schema, "tables": tables, "database": database}),
        );
    }
    tx.rollback()?;
    Ok(facts)
}
