//! Live database introspection (`scan --db`) against real servers started by
//! the test in temporary directories on free loopback ports: PostgreSQL
//! (initdb + postgres as the `postgres` user), MariaDB (mariadb-install-db +
//! mariadbd) and redis-server. Never a mock, never the system's instances.
//! Over-privileged and correctly restricted roles are created, the real
//! binary is run with `--db` URLs, and no password given in a URL may
//! appear in any output. A missing server binary fails the test
//! (scripts/test.sh installs postgresql, mariadb-server and redis-server).

mod common;

use common::live::*;
use common::*;
use serde_json::Value;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to start on a loaded machine.
const READY: Duration = Duration::from_secs(60);

fn pg_bin() -> PathBuf {
    let mut dirs: Vec<PathBuf> = glob::glob("/usr/lib/postgresql/*/bin/initdb")
        .unwrap()
        .flatten()
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    dirs.sort_by_key(|d| {
        d.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok())
    });
    dirs.pop().unwrap_or_else(|| {
        panic!("no /usr/lib/postgresql/*/bin/initdb: install the Debian package `postgresql` (scripts/test.sh does)")
    })
}

fn uid_of(user: &str) -> String {
    let out = Command::new("id").args(["-u", user]).output().unwrap();
    assert!(out.status.success(), "no system user `{user}` (installed with the server package)");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Scan an empty root with the live database checks (and one ordinary
/// check, to show the scan goes on). Returns the JSON report and every byte
/// printed (JSON and table runs, stdout and stderr).
fn scan(dbs: &[String]) -> (Value, String) {
    scan_with(dbs, &[])
}

fn scan_with(dbs: &[String], extra: &[&str]) -> (Value, String) {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    let mut all = String::new();
    let mut report = Value::Null;
    for format in ["json", "table"] {
        let mut c = bin();
        c.arg("scan").arg("--root").arg(root.path()).args(["--format", format]);
        c.args(["--check", "databases.live-*", "--check", "ssh.permit-root-login"]);
        for d in dbs {
            c.args(["--db", d]);
        }
        c.args(extra);
        let out = c.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        all.push_str(&stdout);
        all.push_str(&String::from_utf8_lossy(&out.stderr));
        assert!(out.status.code().is_some_and(|c| c <= 1), "scan failed: {all}");
        if format == "json" {
            report = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {all}"));
        }
    }
    (report, all)
}

fn res<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["results"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("no result for {id}"))
}

fn status(report: &Value, id: &str) -> String {
    res(report, id)["status"].as_str().unwrap().to_string()
}

/// Evidence details of a result, one string.
fn said(report: &Value, id: &str) -> String {
    let r = res(report, id);
    let ev: Vec<String> =
        r["evidence"].as_array().unwrap().iter().map(|e| e["detail"].as_str().unwrap_or("").to_string()).collect();
    format!("{} | {}", r["message"].as_str().unwrap_or(""), ev.join(" | "))
}

fn assert_fails_naming(report: &Value, id: &str, names: &[&str], not: &[&str]) {
    let r = res(report, id);
    assert_eq!(r["status"], "fail", "{id}: {r}");
    let d = said(report, id);
    for n in names {
        assert!(d.contains(n), "{id} does not name {n}: {d}");
    }
    for n in not {
        assert!(!d.contains(n), "{id} wrongly names {n}: {d}");
    }
    let fix = r["fix"].as_str().unwrap();
    assert!(!fix.contains("{location}") && !fix.contains("****") && !d.contains("****"), "{id}: {r}");
}

fn assert_no_secret(all: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!all.contains(s), "a password ({s}) appears in the output:\n{all}");
    }
}

// ---------------------------------------------------------------- PostgreSQL

fn start_postgres() -> (Running, u16, PathBuf) {
    let bin = pg_bin();
    let dir = tempfile::tempdir().unwrap();
    let uid = uid_of("postgres");
    run_ok(Command::new("chown").args([&format!("{uid}:{uid}"), dir.path().to_str().unwrap()]), "chown");
    let as_pg = |prog: &Path| {
        let mut c = Command::new("setpriv");
        c.args(["--reuid", &uid, "--regid", &uid, "--clear-groups"]).arg(prog);
        c
    };
    let data = dir.path().join("data");
    run_ok(
        as_pg(&bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8"])
            .stdout(Stdio::null()),
        "initdb",
    );
    let port = free_port();
    let log = dir.path().join("postgres.log");
    let logf = std::fs::File::create(&log).unwrap();
    let child = as_pg(&bin.join("postgres"))
        .arg("-D")
        .arg(&data)
        .arg("-k")
        .arg(dir.path())
        .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
        .stdout(logf.try_clone().unwrap())
        .stderr(logf)
        .spawn()
        .unwrap();
    let sock = dir.path().to_path_buf();
    let mut server = Running::server(child, "INT", dir, log);
    let psql = bin.join("psql");
    server.wait_ready("postgres", READY, || {
        as_pg(&psql)
            .arg("-h")
            .arg(&sock)
            .args(["-p", &port.to_string(), "-U", "postgres", "-d", "postgres", "-Atc", "select 1"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    (server, port, sock)
}

fn psql(sock: &Path, port: u16, sql: &str) {
    let uid = uid_of("postgres");
    run_ok(
        Command::new("setpriv")
            .args(["--reuid", &uid, "--regid", &uid, "--clear-groups"])
            .arg(pg_bin().join("psql"))
            .arg("-h")
            .arg(sock)
            .args(["-p", &port.to_string(), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql]),
        "psql",
    );
}

#[test]
fn postgres_roles_and_grants() {
    let (_server, port, sock) = start_postgres();
    const SUPER_PW: &str = "PgSuperPw-4417x";
    const APP_PW: &str = "PgAppPw-99321y";
    psql(
        &sock,
        port,
        &format!(
            "ALTER ROLE postgres PASSWORD '{SUPER_PW}';
             CREATE ROLE admin2 LOGIN SUPERUSER PASSWORD 'Admin2Pw-1';
             CREATE ROLE nopw LOGIN;
             CREATE ROLE app LOGIN PASSWORD '{APP_PW}';
             CREATE ROLE reader LOGIN PASSWORD 'ReaderPw-2';
             CREATE ROLE logwriter LOGIN PASSWORD 'LogPw-3';
             CREATE TABLE public.orders (id int);
             CREATE TABLE public.customers (id int);
             GRANT ALL ON ALL TABLES IN SCHEMA public TO app;
             GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader;
             GRANT INSERT ON ALL TABLES IN SCHEMA public TO logwriter;
             GRANT CREATE ON SCHEMA public TO PUBLIC;"
        ),
    );
    let secrets = [SUPER_PW, APP_PW];

    // As a superuser: every finding.
    let url = format!("postgres://postgres:{SUPER_PW}@127.0.0.1:{port}/postgres");
    let (r, all) = scan(std::slice::from_ref(&url));
    assert_fails_naming(&r, "databases.live-pg-superusers", &["admin2"], &["role postgres", "nopw", "app"]);
    assert_fails_naming(&r, "databases.live-pg-login-without-password", &["nopw"], &["app", "reader", "admin2"]);
    assert_fails_naming(&r, "databases.live-pg-public-schema-create", &["schema public", "PUBLIC"], &[]);
    assert_fails_naming(
        &r,
        "databases.live-pg-app-role-all-tables",
        &["role app ", "all 2 tables", "schema public"],
        &["reader", "logwriter"],
    );
    let ev = &res(&r, "databases.live-pg-superusers")["evidence"][0];
    assert_eq!(ev["path"], format!("postgres://postgres@127.0.0.1:{port}/postgres"), "{ev}");
    assert_no_secret(&all, &secrets);

    // As a non-superuser: pg_authid is not readable, the check says so (skip).
    let app_url = format!("postgres://app:{APP_PW}@127.0.0.1:{port}/postgres");
    let (r, all) = scan(std::slice::from_ref(&app_url));
    let login = res(&r, "databases.live-pg-login-without-password");
    assert_eq!(login["status"], "skip", "{login}");
    assert!(login["message"].as_str().unwrap().contains("pg_authid"), "{login}");
    assert_fails_naming(&r, "databases.live-pg-superusers", &["admin2"], &[]);
    assert_no_secret(&all, &secrets);

    // Wrong password: error with the reason, no password in it.
    let bad = format!("postgres://app:WrongPgPw-000z@127.0.0.1:{port}/postgres");
    let (r, all) = scan(&[bad]);
    let e = res(&r, "databases.live-pg-superusers");
    assert_eq!(e["status"], "error", "{e}");
    assert!(e["message"].as_str().unwrap().contains("authentication failed"), "{e}");
    assert_no_secret(&all, &["WrongPgPw-000z"]);

    // A closed port: every PostgreSQL check is an error with the reason, and
    // the rest of the scan still runs.
    let closed = free_port();
    let (r, all) = scan(&[format!("postgres://u:ClosedPw-55q@127.0.0.1:{closed}/x")]);
    for id in [
        "databases.live-pg-superusers",
        "databases.live-pg-login-without-password",
        "databases.live-pg-public-schema-create",
        "databases.live-pg-app-role-all-tables",
    ] {
        let e = res(&r, id);
        assert_eq!(e["status"], "error", "{e}");
        let m = e["message"].as_str().unwrap();
        assert!(m.contains("cannot connect") && m.contains(&format!("127.0.0.1:{closed}")), "{e}");
    }
    assert_eq!(status(&r, "databases.live-redis-default-user-all"), "skip");
    assert_eq!(status(&r, "ssh.permit-root-login"), "skip");
    assert_no_secret(&all, &["ClosedPw-55q"]);

    // A port that accepts but never answers: an error after the deadline.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let started = Instant::now();
    let (r, all) = scan(&[format!("postgres://u:SilentPw-66w@127.0.0.1:{silent_port}/x")]);
    let e = res(&r, "databases.live-pg-superusers");
    assert_eq!(e["status"], "error", "{e}");
    assert!(e["message"].as_str().unwrap().contains("timed out"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(60), "{:?}", started.elapsed());
    assert_eq!(status(&r, "ssh.permit-root-login"), "skip");
    assert_no_secret(&all, &["SilentPw-66w"]);
    drop(silent);

    // Restricted: every check passes.
    psql(
        &sock,
        port,
        "ALTER ROLE admin2 NOSUPERUSER;
         ALTER ROLE nopw PASSWORD 'NopwNow-4';
         REVOKE TRUNCATE ON ALL TABLES IN SCHEMA public FROM app;
         REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
    );
    let (r, _) = scan(&[url]);
    for id in [
        "databases.live-pg-superusers",
        "databases.live-pg-login-without-password",
        "databases.live-pg-public-schema-create",
        "databases.live-pg-app-role-all-tables",
    ] {
        assert_eq!(status(&r, id), "pass", "{}", res(&r, id));
    }
}

// ---------------------------------------------------------------- MariaDB

fn start_mariadb() -> (Running, u16, PathBuf) {
    let mariadbd = need("/usr/sbin/mariadbd", "mariadb-server");
    let install = need("/usr/bin/mariadb-install-db", "mariadb-server");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    run_ok(
        Command::new(install)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args(["--user=root", "--auth-root-authentication-method=socket", "--skip-test-db"])
            .stdout(Stdio::null()),
        "mariadb-install-db",
    );
    let port = free_port();
    let sock = dir.path().join("mysqld.sock");
    let log = dir.path().join("mariadbd.log");
    let child = Command::new(mariadbd)
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--socket={}", sock.display()))
        .arg(format!("--pid-file={}", dir.path().join("mariadbd.pid").display()))
        .arg(format!("--log-error={}", log.display()))
        .arg(format!("--port={port}"))
        .args(["--bind-address=127.0.0.1", "--user=root", "--skip-name-resolve", "--skip-log-bin"])
        .args(["--innodb-buffer-pool-size=16M", "--skip-innodb-doublewrite"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Running::server(child, "TERM", dir, log);
    server.wait_ready("mariadbd", READY, || {
        Command::new("mariadb")
            .arg("--no-defaults")
            .arg(format!("--socket={}", sock.display()))
            .args(["-uroot", "-e", "select 1"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    (server, port, sock)
}

fn mariadb(sock: &Path, sql: &str) {
    run_ok(
        Command::new("mariadb")
            .arg("--no-defaults")
            .arg(format!("--socket={}", sock.display()))
            .args(["-uroot", "-e", sql]),
        "mariadb",
    );
}

#[test]
fn mariadb_accounts() {
    let (_server, port, sock) = start_mariadb();
    const ADMIN_PW: &str = "MyAdminPw-7788k";
    const READER_PW: &str = "MyReaderPw-1212r";
    mariadb(
        &sock,
        &format!(
            "DELETE FROM mysql.global_priv WHERE User = '' ; FLUSH PRIVILEGES;
             CREATE USER 'admin'@'127.0.0.1' IDENTIFIED BY '{ADMIN_PW}';
             GRANT ALL PRIVILEGES ON *.* TO 'admin'@'127.0.0.1' WITH GRANT OPTION;
             CREATE USER ''@'localhost';
             CREATE USER 'root'@'%' IDENTIFIED BY 'MyRootPw-5531';
             GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
             CREATE USER 'granter'@'%' IDENTIFIED BY 'MyGranterPw-1';
             GRANT SELECT ON *.* TO 'granter'@'%' WITH GRANT OPTION;
             CREATE USER 'appall'@'%' IDENTIFIED BY 'MyAppallPw-2';
             GRANT ALL PRIVILEGES ON *.* TO 'appall'@'%';
             CREATE USER 'reader'@'%' IDENTIFIED BY '{READER_PW}';
             GRANT SELECT ON app.* TO 'reader'@'%';"
        ),
    );
    let secrets = [ADMIN_PW, READER_PW];
    let url = format!("mysql://admin:{ADMIN_PW}@127.0.0.1:{port}/");
    let (r, all) = scan(std::slice::from_ref(&url));
    assert_fails_naming(&r, "databases.live-mysql-anonymous-users", &["''@'localhost'"], &["reader", "admin"]);
    assert_fails_naming(
        &r,
        "databases.live-mysql-remote-root",
        &["'root'@'%'"],
        &["'root'@'localhost'", "reader", "appall"],
    );
    assert_fails_naming(
        &r,
        "databases.live-mysql-global-all-any-host",
        &["'root'@'%'", "'granter'@'%'", "'appall'@'%'", "WITH GRANT OPTION"],
        &["reader", "'admin'"],
    );
    assert_no_secret(&all, &secrets);

    // An account that may not read mysql.user: skipped with the reason.
    let (r, all) = scan(&[format!("mariadb://reader:{READER_PW}@127.0.0.1:{port}/")]);
    let a = res(&r, "databases.live-mysql-anonymous-users");
    assert_eq!(a["status"], "skip", "{a}");
    assert!(a["message"].as_str().unwrap().contains("mysql.user"), "{a}");
    assert_no_secret(&all, &secrets);

    // Wrong password: error, no password.
    let (r, all) = scan(&[format!("mysql://admin:WrongMyPw-0@127.0.0.1:{port}/")]);
    let e = res(&r, "databases.live-mysql-remote-root");
    assert_eq!(e["status"], "error", "{e}");
    assert!(e["message"].as_str().unwrap().contains("authentication failed"), "{e}");
    assert_no_secret(&all, &["WrongMyPw-0"]);

    // Restricted: every check passes.
    mariadb(&sock, "DROP USER ''@'localhost', 'root'@'%', 'granter'@'%', 'appall'@'%';");
    let (r, _) = scan(&[url]);
    for id in [
        "databases.live-mysql-anonymous-users",
        "databases.live-mysql-remote-root",
        "databases.live-mysql-global-all-any-host",
    ] {
        assert_eq!(status(&r, id), "pass", "{}", res(&r, id));
    }
}

// ---------------------------------------------------------------- Redis

fn start_redis() -> (Running, u16) {
    let redis = need("/usr/bin/redis-server", "redis-server");
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let log = dir.path().join("redis.log");
    let child = Command::new(redis)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir.path())
        .arg("--logfile")
        .arg(&log)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Running::server(child, "TERM", dir, log);
    server.wait_ready("redis-server", READY, || redis_cli(port, None, &["PING"]).is_some_and(|o| o.contains("PONG")));
    (server, port)
}

fn redis_cli(port: u16, auth: Option<&str>, args: &[&str]) -> Option<String> {
    let mut c = Command::new("redis-cli");
    c.args(["-h", "127.0.0.1", "-p", &port.to_string()]);
    if let Some(pw) = auth {
        // The password goes through the environment, not the command line.
        c.env("REDISCLI_AUTH", pw);
    }
    let out = c.args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn redis_default_user() {
    let (_server, port) = start_redis();
    const DEFAULT_PW: &str = "RedisDefaultPw-8841m";
    const APP_PW: &str = "RedisAppPw-3333n";
    let set = |auth: Option<&str>, args: &[&str]| {
        let out = redis_cli(port, auth, args).expect("redis-cli");
        assert!(!out.starts_with("(error)") && !out.contains("ERR"), "{args:?}: {out}");
    };
    set(None, &["ACL", "SETUSER", "app", "on", &format!(">{APP_PW}"), "~app:*", "+get"]);

    // Stock default user (nopass, all keys, all commands).
    let (r, all) = scan(&[format!("redis://127.0.0.1:{port}")]);
    assert_fails_naming(&r, "databases.live-redis-default-user-all", &["default user", "nopass"], &["app"]);
    assert_no_secret(&all, &[APP_PW]);

    // With a password, the default user still has everything.
    set(None, &["ACL", "SETUSER", "default", "resetpass", &format!(">{DEFAULT_PW}")]);
    let url = format!("redis://:{DEFAULT_PW}@127.0.0.1:{port}/0");
    let (r, all) = scan(std::slice::from_ref(&url));
    assert_fails_naming(&r, "databases.live-redis-default-user-all", &["and a password"], &["nopass"]);
    assert_no_secret(&all, &[DEFAULT_PW, APP_PW]);

    // Wrong password, and no password: errors with the reason.
    for bad in [format!("redis://:WrongRedisPw-9@127.0.0.1:{port}"), format!("redis://127.0.0.1:{port}")] {
        let (r, all) = scan(&[bad]);
        let e = res(&r, "databases.live-redis-default-user-all");
        assert_eq!(e["status"], "error", "{e}");
        assert!(e["message"].as_str().unwrap().contains("authentication failed"), "{e}");
        assert_no_secret(&all, &["WrongRedisPw-9", DEFAULT_PW]);
    }

    // A user that may not run ACL LIST: skipped with the reason.
    let (r, all) = scan(&[format!("redis://app:{APP_PW}@127.0.0.1:{port}")]);
    let s = res(&r, "databases.live-redis-default-user-all");
    assert_eq!(s["status"], "skip", "{s}");
    assert!(s["message"].as_str().unwrap().contains("ACL LIST"), "{s}");
    assert_no_secret(&all, &[APP_PW]);

    // Restricted default user: pass.
    set(Some(DEFAULT_PW), &["ACL", "SETUSER", "default", "resetkeys", "~app:*", "-@all", "+get", "+info", "+acl"]);
    // Given by the profile parameter `db_connections` instead of --db.
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("db.toml");
    std::fs::write(
        &profile,
        format!("name = \"db\"\nextends = \"baseline\"\n\n[params]\ndb_connections = [\"{url}\"]\n"),
    )
    .unwrap();
    let (r, all) = scan_with(&[], &["--profile", profile.to_str().unwrap()]);
    assert_eq!(status(&r, "databases.live-redis-default-user-all"), "pass", "{}", all);
    assert_no_secret(&all, &[DEFAULT_PW]);
}
