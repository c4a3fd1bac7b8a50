//! No report format ever contains a secret value.
//!
//! A scratch root gets unique canary secrets, shaped like the real thing
//! (an AWS key id, a GitHub token of the right length, a PEM key body,
//! passwords), in every place a check reads secrets from. The real binary
//! scans it with every check, under the `server` and `baseline` profiles,
//! in every format; no output may contain a canary, nor any 8-character
//! piece of one's random part.
//!
//! To extend: add a canary shape to [`CANARIES`] (a name and how its value
//! is built around a random core) and the files that hold it to [`PLANTS`]
//! (`{{name}}` stands for the canary's value).

mod common;

use common::*;
use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// A canary: its name and how its value is built from a random core
/// (`core(n)` gives `n` random alphanumerics; every call differs).
type Shape = fn(&mut dyn FnMut(usize) -> String) -> (String, String);

/// Canary shapes: (name, builder returning (value, random core)).
const CANARIES: &[(&str, Shape)] = &[
    ("aws_id", |c| {
        let core = c(16).to_ascii_uppercase();
        (format!("AKIA{core}"), core)
    }),
    ("aws_secret", |c| {
        let core = c(40);
        (core.clone(), core)
    }),
    ("ghp", |c| {
        let core = c(36);
        (format!("ghp_{core}"), core)
    }),
    ("github_pat", |c| {
        let core = format!("{}_{}", c(22), c(59));
        (format!("github_pat_{core}"), core)
    }),
    ("glpat", |c| {
        let core = c(20);
        (format!("glpat-{core}"), core)
    }),
    ("slack", |c| {
        let core = c(24);
        (format!("xoxb-123456789012-1234567890123-{core}"), core)
    }),
    ("slack_hook", |c| {
        let core = c(24);
        (format!("https://hooks.slack.com/services/T0123ABCD/B0123ABCD/{core}"), core)
    }),
    ("stripe", |c| {
        let core = c(24);
        (format!("sk_live_{core}"), core)
    }),
    ("pem_body", |c| {
        let core = format!("{}\n{}", c(64), c(64));
        (core.clone(), core)
    }),
    ("openssh_body", |c| {
        let core = c(64);
        (format!("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n{core}"), core)
    }),
    ("npm", |c| {
        let core = c(36);
        (format!("npm_{core}"), core)
    }),
    ("jwt", |c| {
        let core = c(40);
        (format!("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.{core}"), core)
    }),
    ("basic_auth", |c| {
        let core = c(24);
        (format!("{core}=="), core)
    }),
    ("hash_salt", |c| {
        let core = c(16);
        (core.clone(), core)
    }),
    ("hash", |c| {
        let core = c(43);
        (core.clone(), core)
    }),
];

/// Password-like canaries: any name starting with `pw_` is a 16-character
/// mixed-case random password (so every plant can have its own).
fn password(c: &mut dyn FnMut(usize) -> String) -> (String, String) {
    let core = c(16);
    (format!("P{core}9"), core)
}

/// Files planted in the root: (path, mode, content). `{{name}}` is replaced
/// by the canary `name` (shapes above, or `pw_*` passwords).
const PLANTS: &[(&str, u32, &str)] = &[
    ("/etc/passwd", 0o644, "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\npostgres:x:107:114::/var/lib/postgresql:/bin/bash\n"),
    ("/etc/group", 0o644, "root:x:0:\nalice:x:1000:\nssl-cert:x:111:\n"),
    ("/etc/shadow", 0o644, "root:$6${{hash_salt}}${{hash}}:19000:0:99999:7:::\nalice:{{pw_shadow_plain}}:19000:0:99999:7:::\n"),
    // Private keys.
    ("/root/.ssh/id_rsa", 0o644, "-----BEGIN RSA PRIVATE KEY-----\n{{pem_body}}\n-----END RSA PRIVATE KEY-----\n"),
    ("/home/alice/.ssh/id_ed25519", 0o644, "-----BEGIN OPENSSH PRIVATE KEY-----\n{{openssh_body}}\n-----END OPENSSH PRIVATE KEY-----\n"),
    ("/etc/ssl/private/site.key", 0o644, "-----BEGIN PRIVATE KEY-----\n{{pem_body}}\n-----END PRIVATE KEY-----\n"),
    ("/var/www/html/backup.pem", 0o644, "-----BEGIN EC PRIVATE KEY-----\n{{pem_body}}\n-----END EC PRIVATE KEY-----\n"),
    ("/srv/app/key.json", 0o644, "{\"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{{aws_secret}}{{aws_secret}}\\n-----END PRIVATE KEY-----\\n\"}\n"),
    // Tokens in readable files.
    ("/etc/app/config.yml", 0o644, "aws_access_key_id: {{aws_id}}\naws_secret_access_key: {{aws_secret}}\ngithub: {{ghp}}\npat: {{github_pat}}\ngitlab: {{glpat}}\nslack: {{slack}}\nwebhook: {{slack_hook}}\nstripe: {{stripe}}\napi_key: {{pw_api_key}}\nclient_secret: \"{{pw_client_secret}}\"\n"),
    ("/opt/ci/settings.json", 0o644, "{\"token\": \"{{ghp}}\", \"password\": \"{{pw_ci_json}}\"}\n"),
    // Environment files.
    ("/srv/app/.env", 0o644, "DB_PASSWORD={{pw_dotenv}}\nDATABASE_URL=postgres://app:{{pw_dsn}}@db:5432/app\nREDIS_URL=redis://:{{pw_redis_url}}@cache:6379/0\nSECRET_KEY='{{pw_secret_key}}'\nexport API_TOKEN=\"{{pw_api_token}}\"\n"),
    ("/srv/app/docker-compose.yml", 0o644, "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: {{pw_compose}}\n      - MYSQL_ROOT_PASSWORD={{pw_compose_list}}\n"),
    ("/etc/default/app", 0o644, "APP_PASSWORD=\"{{pw_etc_default}}\"\n"),
    ("/etc/systemd/system/app.service", 0o644, "[Service]\nEnvironmentFile=-/var/lib/app/env\nEnvironment=\"DB_PASSWORD={{pw_unit_env}}\"\nExecStart=/usr/bin/app --password {{pw_unit_flag}}\n"),
    ("/var/lib/app/env", 0o644, "API_SECRET={{pw_envfile}}\n"),
    // Service configurations other checks read.
    ("/etc/redis/redis.conf", 0o644, "bind 0.0.0.0\nrequirepass {{pw_redis}}\nmasterauth \"{{pw_masterauth}}\"\nuser app on >{{pw_redis_acl_inline}} ~* +@all\naclfile /etc/redis/users.acl\n"),
    ("/etc/redis/users.acl", 0o644, "user default on >{{pw_redis_acl}} ~* &* +@all\nuser ops on >{{pw_redis_acl2}} >{{pw_redis_acl3}} ~* +@all\n"),
    ("/etc/grafana/grafana.ini", 0o644, "[security]\nadmin_user = admin\nadmin_password = {{pw_grafana}}\nsecret_key = {{pw_grafana_secret}}\n"),
    ("/etc/rabbitmq/rabbitmq.conf", 0o644, "default_user = admin\ndefault_pass = {{pw_rabbit}}\n"),
    ("/etc/tomcat9/tomcat-users.xml", 0o644, "<tomcat-users>\n  <user username=\"admin\" password=\"{{pw_tomcat}}\" roles=\"manager-gui\"/>\n</tomcat-users>\n"),
    ("/etc/mysql/my.cnf", 0o644, "[client]\nuser = root\npassword = {{pw_mycnf}}\n[mysqld]\nbind-address = 0.0.0.0\n"),
    ("/etc/mysql/debian.cnf", 0o644, "[client]\nhost = localhost\nuser = debian-sys-maint\npassword = {{pw_debian_cnf}}\n"),
    ("/etc/snmp/snmpd.conf", 0o644, "rocommunity {{pw_snmp_ro}} default\nrwcommunity {{pw_snmp_rw}} 10.0.0.0/8\ncom2sec readonly default {{pw_snmp_com2sec}}\ncom2sec -Cn ctx local localhost {{pw_snmp_ctx}}\n"),
    ("/etc/nginx/.htpasswd", 0o644, "admin:$apr1${{hash_salt}}${{hash}}\nbob:{{pw_htpasswd_plain}}\n"),
    ("/etc/postgresql/16/main/postgresql.conf", 0o644, "listen_addresses = '*'\n"),
    ("/etc/mongod.conf", 0o644, "net:\n  bindIp: 0.0.0.0\n"),
    // Credential files in homes and cluster credentials.
    ("/home/alice/.aws/credentials", 0o644, "[default]\naws_access_key_id = {{aws_id}}\naws_secret_access_key = {{aws_secret}}\n"),
    ("/home/alice/.aws/config", 0o644, "[profile x]\naws_session_token = {{jwt}}\n"),
    ("/home/alice/.kube/config", 0o644, "users:\n- name: a\n  user:\n    token: {{jwt}}\n    client-key-data: {{basic_auth}}\n"),
    ("/home/alice/.docker/config.json", 0o644, "{\"auths\": {\"registry.example.org\": {\"auth\": \"{{basic_auth}}\"}}}\n"),
    ("/home/alice/.git-credentials", 0o644, "https://alice:{{pw_git_credentials}}@github.com\n"),
    ("/home/alice/.netrc", 0o644, "machine example.org login alice password {{pw_netrc}} account a\nmachine b.example.org\n  login bob\n  password {{pw_netrc2}}\n"),
    ("/home/alice/.npmrc", 0o644, "//registry.npmjs.org/:_authToken={{npm}}\n"),
    ("/home/alice/.pypirc", 0o644, "[pypi]\nusername = __token__\npassword = {{pw_pypirc}}\n"),
    ("/home/alice/.pgpass", 0o644, "db:5432:*:alice:{{pw_pgpass}}\n"),
    ("/home/alice/.my.cnf", 0o644, "[client]\npassword=\"{{pw_user_mycnf}}\"\n"),
    ("/home/alice/.config/gh/hosts.yml", 0o644, "github.com:\n    oauth_token: {{ghp}}\n    user: alice\n"),
    ("/home/alice/.ssh/authorized_keys", 0o666, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI alice\n"),
    ("/etc/kubernetes/admin.conf", 0o644, "users:\n- user:\n    client-key-data: {{basic_auth}}\n    token: {{jwt}}\n"),
    ("/etc/rancher/k3s/k3s.yaml", 0o644, "users:\n- user:\n    password: {{pw_k3s}}\n"),
    ("/var/run/secrets/kubernetes.io/serviceaccount/token", 0o644, "{{jwt}}\n"),
    // SQL setup scripts (statements are shown as evidence).
    ("/docker-entrypoint-initdb.d/01-users.sql", 0o644, "CREATE USER 'app'@'%' IDENTIFIED BY '{{pw_sql_init}}';\nGRANT ALL PRIVILEGES ON *.* TO 'app'@'%' WITH GRANT OPTION;\nCREATE ROLE admin LOGIN SUPERUSER PASSWORD '{{pw_sql_role}}';\nALTER USER 'ops'@'%' IDENTIFIED WITH mysql_native_password BY \"{{pw_sql_alter}}\";\n"),
    ("/srv/app/db/seed.sql", 0o644, "CREATE ROLE web WITH LOGIN CREATEROLE ENCRYPTED PASSWORD '{{pw_sql_seed}}';\nGRANT SELECT ON ALL TABLES IN SCHEMA public TO PUBLIC;\n"),
    ("/var/lib/jenkins/users/admin_1/config.xml", 0o644, "<user><fullName>admin</fullName><properties><hudson.security.HudsonPrivateSecurityRealm_-Details><passwordHash>#jbcrypt:$2a$10${{hash_salt}}{{hash}}</passwordHash></hudson.security.HudsonPrivateSecurityRealm_-Details></properties></user>\n"),
    // Tool configurations whose lines are evidence of switched-off TLS.
    ("/srv/app2/.env", 0o644, "DATABASE_URL=postgres://app:{{pw_dsn_sslmode}}@db:5432/app?sslmode=disable\n"),
    ("/root/.gitconfig", 0o644, "[http]\n\tsslVerify = false\n[remote \"origin\"]\n\turl = https://bob:{{pw_gitconfig}}@git.example.org/r.git\n"),
    ("/root/.curlrc", 0o644, "insecure\nuser = \"bob:{{pw_curlrc}}\"\n"),
    ("/etc/pip.conf", 0o644, "[global]\ntrusted-host = pypi.example.org\nindex-url = https://u:{{pw_pip}}@pypi.example.org/simple\n"),
    ("/root/.npmrc", 0o644, "strict-ssl=false\n//registry.example.org/:_authToken={{npm}}\n"),
    ("/etc/wgetrc", 0o644, "check_certificate = off\nhttp_password = {{pw_wgetrc}}\n"),
    ("/etc/apt/auth.conf.d/private.conf", 0o600, "machine apt.example.org login bob password {{pw_apt_auth}}\n"),
    ("/etc/nginx/nginx.conf", 0o644, "http {\n  server {\n    listen 80;\n    server_name example.org;\n    location / { proxy_pass http://127.0.0.1:8080; proxy_set_header Authorization \"Basic {{basic_auth}}\"; }\n  }\n}\n"),
    // Shell and client histories.
    ("/root/.bash_history", 0o600, "mysql -uroot -p{{pw_hist_mysql}} app\nexport AWS_SECRET_ACCESS_KEY={{aws_secret}}\ncurl -u admin:{{pw_hist_curl}} https://x\nPGPASSWORD={{pw_hist_pg}} psql -h db\nredis-cli -a {{pw_hist_redis}} ping\nsshpass -p '{{pw_hist_sshpass}}' ssh host\ndocker login -u bob -p {{pw_hist_docker}} registry\nhtpasswd -b /etc/nginx/.htpasswd bob {{pw_hist_htpasswd}}\nopenssl rsa -passin pass:{{pw_hist_openssl}} -in k\ncurl -H 'Authorization: Bearer {{jwt}}' https://api\ngit clone https://{{ghp}}@github.com/o/r\nmysql --password={{pw_hist_mysql_long}}\naws configure set aws_secret_access_key {{aws_secret}}\n"),
    ("/home/alice/.zsh_history", 0o600, ": 1700000000:0;export GITHUB_TOKEN={{ghp}}\n: 1700000001:0;mongosh -u admin -p {{pw_hist_mongo}}\n"),
    ("/root/.mysql_history", 0o600, "CREATE USER 'app'@'%' IDENTIFIED BY '{{pw_hist_sql}}';\nSET PASSWORD FOR app = '{{pw_hist_sql2}}';\n"),
    ("/var/lib/postgresql/.psql_history", 0o600, "ALTER ROLE app WITH PASSWORD '{{pw_hist_psql}}';\n"),
    ("/root/.python_history", 0o600, "token = '{{ghp}}'\nos.environ['DB_PASSWORD'] = '{{pw_hist_python}}'\n"),
    ("/root/.node_repl_history", 0o600, "const apiKey = '{{stripe}}'\n"),
    ("/root/.rediscli_history", 0o600, "AUTH {{pw_hist_auth}}\nAUTH default {{pw_hist_auth2}}\nCONFIG SET requirepass {{pw_hist_config}}\n"),
];

/// `n` random alphanumerics (std's per-process random hasher keys, no crate).
fn randomness() -> impl FnMut(usize) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let state = std::collections::hash_map::RandomState::new();
    let mut counter = 0u64;
    move |n| {
        let mut s = String::with_capacity(n);
        while s.len() < n {
            counter += 1;
            let mut h = state.build_hasher();
            h.write_u64(counter);
            let mut x = h.finish();
            for _ in 0..8 {
                if s.len() == n {
                    break;
                }
                s.push(ALNUM[(x % ALNUM.len() as u64) as usize] as char);
                x /= ALNUM.len() as u64;
            }
        }
        s
    }
}

struct Canary {
    value: String,
    core: String,
}

fn plant(root: &Path) -> BTreeMap<String, Canary> {
    let mut rnd = randomness();
    let mut canaries = BTreeMap::new();
    for (name, shape) in CANARIES {
        let (value, core) = shape(&mut rnd);
        canaries.insert(name.to_string(), Canary { value, core });
    }
    for (path, mode, template) in PLANTS {
        let mut text = String::new();
        let mut rest = *template;
        while let Some(start) = rest.find("{{") {
            text.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("unclosed {{") + start;
            let name = &rest[start + 2..end];
            if !canaries.contains_key(name) {
                assert!(name.starts_with("pw_"), "unknown canary {name} in {path}");
                let (value, core) = password(&mut rnd);
                canaries.insert(name.to_string(), Canary { value, core });
            }
            text.push_str(&canaries[name].value);
            rest = &rest[end + 2..];
        }
        text.push_str(rest);
        let host = root.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(host.parent().unwrap()).unwrap();
        std::fs::write(&host, text).unwrap();
        std::fs::set_permissions(&host, std::fs::Permissions::from_mode(*mode)).unwrap();
    }
    canaries
}

/// Every leak of a canary in `output`: its value, or any 8-character piece
/// of its random core.
fn leaks(output: &str, canaries: &BTreeMap<String, Canary>) -> Vec<String> {
    let mut found = Vec::new();
    for (name, c) in canaries {
        if output.contains(&c.value) {
            found.push(format!("{name}: whole value"));
            continue;
        }
        for line in c.core.lines() {
            let chars: Vec<char> = line.chars().collect();
            if let Some(w) = chars
                .windows(8.min(chars.len()))
                .map(|w| w.iter().collect::<String>())
                .find(|w| output.contains(w.as_str()))
            {
                found.push(format!("{name}: piece {w:?}"));
                break;
            }
        }
    }
    found
}

#[test]
fn no_report_format_contains_a_canary() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let canaries = plant(&root);
    let mut problems = Vec::new();
    for profile in ["server", "baseline"] {
        for format in ["table", "json", "sarif", "junit", "markdown", "html"] {
            let out = bin()
                .arg("scan")
                .arg("--root")
                .arg(&root)
                .args(["--profile", profile, "--format", format])
                .output()
                .unwrap();
            let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            assert!(out.stdout.len() > 100, "{profile}/{format}: no report ({text})");
            for l in leaks(&text, &canaries) {
                problems.push(format!("{profile}/{format}: {l}"));
            }
        }
    }
    assert!(problems.is_empty(), "secrets in reports:\n{}", problems.join("\n"));

    // The canaries were found: the secret checks fail, so their evidence was
    // rendered (and masked) in every format above.
    let (_, report, _) = scan_json(&root, &["--profile", "server"]);
    for id in [
        "secrets.private-key-readable",
        "secrets.token-in-readable-file",
        "secrets.env-file-world-readable",
        "secrets.shell-history",
        "tokens.credential-file-permissions",
        "databases.sql-any-host-user",
        "databases.sql-global-grant",
        "databases.sql-grant-option",
        "databases.sql-privileged-role",
        "databases.sql-public-grant",
        "tls.sslmode-disable",
        "tls.git-ssl-verify",
        "tls.curl-insecure",
        "tls.pip-trusted-host",
        "tls.npm-strict-ssl",
        "tls.wget-check-certificate",
        "tls.http-without-redirect",
    ] {
        assert_eq!(result(&report, id)["status"], "fail", "{id}: {}", result(&report, id));
    }
}

#[test]
fn the_leak_detector_sees_pieces() {
    let tmp = tempfile::tempdir().unwrap();
    let canaries = plant(&tmp.path().join("r"));
    let ghp = &canaries["ghp"];
    assert!(!leaks(&format!("token {}", ghp.value), &canaries).is_empty());
    assert!(!leaks(&format!("token ghp_{}…", &ghp.core[..10]), &canaries).is_empty());
    assert!(leaks("token ghp_****", &canaries).is_empty());
}
