//! Whole-tree scenarios through the real binary: what a sysadmin sees.

mod common;

use common::*;

fn bad_ssh() -> std::path::PathBuf {
    fixtures().join("scenarios/bad-ssh")
}

#[test]
fn bad_ssh_tree_reports_each_failure_at_its_file_and_line() {
    let (code, report, stderr) = scan_json(&bad_ssh(), &["--check", "ssh.*"]);
    assert_eq!(code, 0, "{stderr}");
    let main = "/etc/ssh/sshd_config";
    let dropin = "/etc/ssh/sshd_config.d/50-cloud-init.conf";
    let expect = [
        // The drop-in is read before the main file's own line: it wins.
        ("ssh.password-authentication", vec![format!("{dropin}:2")]),
        ("ssh.ciphers", vec![format!("{dropin}:3")]),
        // The global value is safe; the Match block is not.
        ("ssh.permit-root-login", vec![format!("{main}:16")]),
        ("ssh.allow-tcp-forwarding", vec![main.to_string(), format!("{main}:15")]),
        ("ssh.x11-forwarding", vec![format!("{main}:9")]),
        // Not set: OpenSSH's default (6) is judged, and the evidence names the file to edit.
        ("ssh.max-auth-tries", vec![main.to_string()]),
    ];
    for (id, evidence_want) in expect {
        let r = result(&report, id);
        assert_eq!(r["status"], "fail", "{id}: {r}");
        assert_eq!(evidence(r), evidence_want, "{id}");
        assert!(!r["fix"].as_str().unwrap().is_empty(), "{id}");
    }
    let r = result(&report, "ssh.kbd-interactive-authentication");
    assert_eq!(r["status"], "pass", "{r}");
    let r = result(&report, "ssh.max-auth-tries");
    assert!(r["evidence"][0]["detail"].as_str().unwrap().contains("default is 6"), "{r}");
}

#[test]
fn gates_set_the_exit_code() {
    let root = bad_ssh();
    let run = |extra: &[&str]| {
        let mut args = vec!["--check", "ssh.*"];
        args.extend_from_slice(extra);
        scan_json(&root, &args)
    };
    assert_eq!(run(&[]).0, 0);
    let (code, _, stderr) = run(&["--fail-on", "high"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("gate failed") && stderr.contains("ssh.permit-root-login"), "{stderr}");
    assert_eq!(run(&["--fail-on", "critical"]).0, 0);
    let (code, report, stderr) = run(&["--min-score", "99"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(report["score"]["value"].as_f64().unwrap() < 99.0);
    // The server profile gates on high by default.
    assert_eq!(run(&["--profile", "server"]).0, 1);
}

#[test]
fn table_report_groups_and_colours_only_on_request() {
    let out = bin()
        .args(["scan", "--verbose", "--root"])
        .arg(bad_ssh())
        .args(["--check", "ssh.*"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "escape codes in non-TTY output");
    assert!(text.contains("\n  at /etc/ssh/sshd_config.d/50-cloud-init.conf:2\n"), "{text}");
    // Failures come before passes, worst first.
    let root_login = text.find("ssh.permit-root-login").unwrap();
    let x11 = text.find("ssh.x11-forwarding").unwrap();
    let first_pass = text.find("\n  pass ").unwrap();
    assert!(root_login < x11 && x11 < first_pass, "{text}");
    assert!(text.trim_end().lines().last().unwrap().starts_with("Score "), "{text}");
}

#[test]
fn offline_reports_list_declared_listeners_with_their_verdict() {
    let root = fixtures().join("network/admin-service-bind-all/fail/compose-publishes-postgres-on-all");
    let (_, report, stderr) = scan_json(&root, &["--check", "network.*"]);
    let declared = report["declared_listeners"].as_array().unwrap_or_else(|| panic!("no declared_listeners: {stderr}"));
    let find = |port: u64| {
        declared.iter().find(|l| l["port"] == port).unwrap_or_else(|| panic!("port {port} missing: {declared:#?}"))
    };
    let db = find(15432);
    assert_eq!(db["service"], "db");
    assert_eq!(db["path"], "/srv/shop/docker-compose.yml");
    assert_eq!(db["line"], 9);
    assert_eq!(db["scope"], "all");
    assert_eq!(db["verdict"], "fail: network.admin-service-bind-all");
    // The web port is exposed but not a datastore: listed, not failed.
    assert_eq!(find(8080)["verdict"], "exposed");

    let out = bin()
        .arg("scan")
        .arg("--root")
        .arg(&root)
        .args(["--check", "network.*", "--verbose"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("Declared in configuration: 2 listener(s)"), "{table}");
    assert!(table.contains("/srv/shop/docker-compose.yml:9"), "{table}");
}

#[test]
fn web_servers_and_postgresql_are_declared_listeners() {
    let root = fixtures().join("scenarios/web-and-postgres");
    let (_, report, stderr) = scan_json(&root, &["--check", "network.*"]);
    let declared = report["declared_listeners"].as_array().unwrap_or_else(|| panic!("no declared_listeners: {stderr}"));
    let got: Vec<String> = declared
        .iter()
        .map(|l| {
            format!(
                "{} {} {} {}:{} {}",
                l["service"].as_str().unwrap(),
                l["address"].as_str().unwrap(),
                l["port"],
                l["path"].as_str().unwrap(),
                l["line"],
                l["verdict"].as_str().unwrap()
            )
        })
        .collect();
    let nginx = "/etc/nginx/conf.d/shop.conf";
    let apache = "/etc/apache2/ports.conf";
    let pg = "/etc/postgresql/16/main/conf.d/90-remote.conf";
    assert_eq!(
        got,
        [
            format!("nginx * 443 {nginx}:2 exposed"),
            format!("nginx :: 443 {nginx}:3 exposed"),
            // include_dir 'conf.d' overrides postgresql.conf's 'localhost'.
            format!("postgresql * 5432 {pg}:2 fail: network.datastore-bind-all"),
            format!("nginx 127.0.0.1 8080 {nginx}:7 local only"),
            format!("apache2 127.0.0.1 8081 {apache}:2 local only"),
            format!("apache2 * 8082 {apache}:3 exposed"),
        ],
        "{declared:#?}"
    );
    // PostgreSQL is judged once, by the datastore check; web servers are not admin services.
    let r = result(&report, "network.datastore-bind-all");
    assert_eq!(r["status"], "fail", "{r}");
    assert_eq!(evidence(r), [format!("{pg}:2")]);
    assert!(r["fix"].as_str().unwrap().contains("listen_addresses = 'localhost'"), "{r}");
    assert_eq!(result(&report, "network.admin-service-bind-all")["status"], "pass");
}

/// A declared listener is judged by the checks about it, not by any failing
/// check whose evidence names the same file: PostgreSQL's default listener
/// (no line) is not failed by `log_connections`, Redis's by its dangerous
/// commands; a bind-all datastore and a plain-HTTP `listen` line still are.
#[test]
fn declared_listener_verdicts_come_from_the_checks_about_the_listener() {
    let verdict = |fixture: &str, check: &str, port: u64| -> (String, String) {
        let root = fixtures().join(fixture);
        let (_, report, stderr) = scan_json(&root, &["--check", check]);
        assert_eq!(result(&report, check)["status"], "fail", "{fixture}: {stderr}");
        let declared = report["declared_listeners"].as_array().unwrap();
        let l = declared.iter().find(|l| l["port"] == port).unwrap_or_else(|| panic!("{fixture}: {declared:#?}"));
        let at = format!("{}:{}", l["path"].as_str().unwrap(), l["line"]);
        (at, l["verdict"].as_str().unwrap().to_string())
    };
    let (at, v) = verdict("databases/pg-log-connections/fail/default-off", "databases.pg-log-connections", 5432);
    assert_eq!(v, "local only", "{at}");
    let (at, v) =
        verdict("databases/redis-dangerous-commands/fail/defaults", "databases.redis-dangerous-commands", 6379);
    assert_eq!(v, "local only", "{at}");
    let (_, v) = verdict("network/datastore-bind-all/fail/redis-bind-all", "network.datastore-bind-all", 6379);
    assert_eq!(v, "fail: network.datastore-bind-all");
    let (at, v) = verdict("tls/http-without-redirect/fail/nginx-serves-content", "tls.http-without-redirect", 80);
    assert_eq!(v, "fail: tls.http-without-redirect", "{at}");
}
