//! The one place where secrets are masked. Every evidence `detail` and every
//! message passes through [`mask`] before it reaches any report format.

use regex::Regex;
use std::sync::OnceLock;

const MASK: &str = "****";

/// Words that name a secret inside a key (`DB_PASSWORD`, `api_key`, …).
const SECRET_WORD: &str = r"(?:pass(?:word|wd|phrase)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|auth[_-]?key|requirepass|masterauth|community|[_.\-]key|(?:\b|[_.\-])pwd|bindpw|rediscli_auth)";

/// `key = value` / `key: value` where the key names a secret.
fn assignment() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(&format!(
            r#"(?i)((?:[A-Za-z0-9_.\-]*{SECRET_WORD}[A-Za-z0-9_.\-]*)["']?\s*[:=]\s*["']?)([^\s"'`,;]+)"#
        ))
        .expect("static regex")
    })
}

/// A config directive whose value follows a space: SNMP communities and
/// Redis auth at the start of a line (`rocommunity public 10.0.0.0/8`,
/// `requirepass x`), and `password x` / `secret x` as the last word of a
/// line (.netrc, `Password x`), so that prose such as "password
/// authentication is disabled" stays readable.
fn directive() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r#"(?im)(^\s*(?:requirepass|masterauth|(?:root)?bindpw|rocommunity6?|rwcommunity6?|com2sec6?(?:\s+-Cn\s+\S+)?\s+\S+\s+\S+)\s+["']?)([^\s"'`,;]+)"#,
            r#"|((?:^|[\s(])(?:password|passwd|passphrase|secret|token)\s+["']?)([^\s"'`,;]+)["']?\s*$"#
        ))
        .expect("static regex")
    })
}

/// A quoted value of a secret key, spaces included: `password="a b"`,
/// `KEY: 'x y'`, and Erlang terms `{default_pass, <<"x">>}`.
fn quoted() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(&format!(
            r#"(?i)((?:[A-Za-z0-9_.\-]*{SECRET_WORD}[A-Za-z0-9_.\-]*)\s*[:=]\s*")([^"\n]*)"|((?:[A-Za-z0-9_.\-]*{SECRET_WORD}[A-Za-z0-9_.\-]*)\s*[:=]\s*')([^'\n]*)'"#
        ))
        .expect("static regex")
    })
}

/// A quoted systemd-style assignment of a secret, spaces included:
/// `Environment="PGPASSWORD=a b"`.
fn quoted_assignment() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(&format!(r#"(?i)(["'][A-Za-z0-9_.\-]*{SECRET_WORD}[A-Za-z0-9_.\-]*=)([^"'\n]+)"#))
            .expect("static regex")
    })
}

/// SQL passwords: `IDENTIFIED BY 'x'`, `IDENTIFIED WITH plugin BY 'x'`,
/// `IDENTIFIED BY PASSWORD '*hash'`, `PASSWORD 'x'`, `PASSWORD('x')` (MySQL,
/// MariaDB, PostgreSQL `CREATE ROLE … PASSWORD 'x'`).
fn sql_password() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r#"(?i)(\b(?:IDENTIFIED(?:\s+WITH\s+\S+)?\s+(?:BY|AS)(?:\s+PASSWORD)?|PASSWORD)\s*\(?\s*)"#,
            r#"('(?:[^'\\]|\\.|'')*'?|"(?:[^"\\]|\\.)*"?)"#
        ))
        .expect("static regex")
    })
}

/// `requirepass "a b"` / `masterauth 'a b'` (Redis quoting).
fn quoted_directive() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r#"(?im)(^\s*(?:requirepass|masterauth)\s+")([^"\n]*)"|(^\s*(?:requirepass|masterauth)\s+')([^'\n]*)'"#,
        )
        .expect("static regex")
    })
}

fn erlang_term() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(&format!(r#"(?i)(\{{\s*[A-Za-z0-9_]*{SECRET_WORD}[A-Za-z0-9_]*\s*,\s*(?:<<\s*)?")([^"\n]*)""#))
            .expect("static regex")
    })
}

/// Redis ACL rules that carry a password: `>pw` and `<pw` on `user` lines
/// (redis.conf and ACL files), quoted or not.
fn redis_acl() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"(\s)(?:(")([<>])[^"\n]*"|(')([<>])[^'\n]*'|()([<>])[^\s"']+)"#).expect("static regex")
    })
}

fn redis_acl_lines(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| {
            let t = line.trim_start();
            if t.len() > 5 && t.get(..5).is_some_and(|w| w.eq_ignore_ascii_case("user ")) {
                redis_acl()
                    .replace_all(line, |c: &regex::Captures| {
                        let q = c.get(2).or(c.get(4)).or(c.get(6)).map_or("", |m| m.as_str());
                        let op = c.get(3).or(c.get(5)).or(c.get(7)).map_or("", |m| m.as_str());
                        format!("{}{q}{op}{MASK}{q}", &c[1])
                    })
                    .into_owned()
            } else {
                line.to_string()
            }
        })
        .collect()
}

/// Redis ACL rules: `user NAME … >password`, `<password`, `#sha256`, `!sha256`.
fn acl_password() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?i)(^\s*(?:ACL\s+SETUSER|user)\s+\S+\s.*)").expect("static regex"))
}

fn mask_acl(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| {
            if !acl_password().is_match(line) {
                return line.to_string();
            }
            let mut out = String::with_capacity(line.len());
            let mut first = 0usize;
            for (i, word) in line.split(' ').enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                // `user NAME` itself is never masked; later `>x`, `<x`, `#x`, `!x` are.
                let trimmed = word.trim_start();
                if first >= 2
                    && trimmed.len() > 1
                    && trimmed.starts_with(['>', '<', '#', '!'])
                    && !trimmed.starts_with("****")
                {
                    let lead = &word[..word.len() - trimmed.len()];
                    out.push_str(lead);
                    out.push_str(&trimmed[..1]);
                    out.push_str(MASK);
                    if trimmed.ends_with('\n') {
                        out.push('\n');
                    }
                } else {
                    out.push_str(word);
                }
                if !trimmed.is_empty() {
                    first += 1;
                }
            }
            out
        })
        .collect()
}

fn tokens() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"(AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}",
            r"|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}",
            r"|glpat-[A-Za-z0-9_\-]{20,}|xox[abposr]-[A-Za-z0-9\-]{10,}",
            r"|sk_live_[A-Za-z0-9]{10,}|rk_live_[A-Za-z0-9]{10,}",
            r"|hooks\.slack\.com/services/[A-Za-z0-9_/]+",
            r"|-----BEGIN [A-Z ]*PRIVATE KEY-----[^\n]*)"
        ))
        .expect("static regex")
    })
}

fn url_password() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"([a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@]*:)([^\s@/]+)(@)").expect("static regex"))
}

/// URL userinfo without a scheme: `user:pw@host` (pip `trusted-host`,
/// `--index-url` fragments, proxies written bare).
fn bare_userinfo() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"((?:^|[\s=,;"'(\[])[A-Za-z0-9_.%+\-]+:)([^\s@/:"'*][^\s@/"']*)(@[A-Za-z0-9\[])"#)
            .expect("static regex")
    })
}

/// Keys that name a password *policy* or a mechanism, not a secret:
/// `PASS_MAX_DAYS`, `PasswordAuthentication`, `password_encryption`, sudo's
/// `NOPASSWD:` tag.
fn policy_key(key: &str) -> bool {
    const POLICY: &[&str] = &[
        "days",
        "age",
        "len",
        "minlen",
        "maxlen",
        "tries",
        "warn",
        "min",
        "max",
        "policy",
        "file",
        "path",
        "encryption",
        "hash",
        "method",
        "class",
        "classes",
        "retry",
    ];
    let k = key.trim().trim_end_matches([':', '=', '"', '\'', ' ', '\t']).to_ascii_lowercase();
    k.ends_with("nopasswd")
        || k == "passwd"
        || k.ends_with("authentication")
        || k.split(|c: char| !c.is_ascii_alphanumeric()).any(|seg| POLICY.contains(&seg))
}

/// Replace the value group of every match of `re` by the mask, unless the
/// key is a path component (`/etc/passwd: …`), a policy key, or the value an
/// obvious non-secret.
fn replace(re: &Regex, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for c in re.captures_iter(text) {
        // The directive regex has two alternatives: groups 1/2 or 3/4.
        let (key, value) = match (c.get(1), c.get(2), c.get(3), c.get(4)) {
            (Some(k), Some(v), _, _) | (_, _, Some(k), Some(v)) => (k, v),
            _ => continue,
        };
        let in_path = text[..key.start()].ends_with('/');
        let plain =
            matches!(value.as_str().to_ascii_lowercase().as_str(), "yes" | "no" | "true" | "false" | "none" | "null")
                || value.as_str() == MASK;
        if in_path || plain || policy_key(key.as_str()) {
            continue;
        }
        out.push_str(&text[last..value.start()]);
        out.push_str(MASK);
        last = value.end();
    }
    out.push_str(&text[last..]);
    out
}

/// Mask secret values in `text`: values of password/secret/token-like keys,
/// well-known token formats, and passwords in URLs.
pub fn mask(text: &str) -> String {
    let s = url_password().replace_all(text, format!("${{1}}{MASK}${{3}}"));
    let s = bare_userinfo().replace_all(&s, format!("${{1}}{MASK}${{3}}"));
    // Command lines first: an assignment pattern could hide the command
    // name (`secret: mysql -pPW`) that tells where the password is.
    let s = commands(&s);
    let s = replace(quoted(), &s);
    let s = replace(quoted_assignment(), &s);
    let s = replace(quoted_directive(), &s);
    let s = replace(erlang_term(), &s);
    let s = sql_password().replace_all(&s, format!("${{1}}'{MASK}'"));
    let s = redis_acl_lines(&s);
    let s = mask_acl(&s);
    let s = replace(assignment(), &s);
    let s = replace(directive(), &s);
    tokens().replace_all(&s, MASK).into_owned()
}

/// A quoted or bare command-line value.
const VAL: &str = r#"('[^'\n]*'|"[^"\n]*"|[^\s"'`|;&]+)"#;

/// Secrets as they appear on command lines and in client histories
/// (`mysql -pPW`, `curl -u user:PW`, `redis-cli -a PW`, `sshpass -p PW`,
/// `docker login -p PW`, `--password PW`, `Authorization: Bearer T`, SQL
/// `IDENTIFIED BY 'PW'`/`PASSWORD 'PW'`, redis `AUTH PW`, `CONFIG SET
/// requirepass PW`, ACL `>PW`, openssl `pass:PW`, `htpasswd -b F U PW`,
/// `aws configure set aws_secret_access_key K`, .netrc `password PW`
/// mid-line). Each pattern: group 1 kept, group 2 masked.
/// A pattern and a test its value must pass to be masked.
type CommandPattern = (Regex, fn(&str) -> bool);

fn command_patterns() -> &'static [CommandPattern] {
    static RE: OnceLock<Vec<CommandPattern>> = OnceLock::new();
    fn any(_: &str) -> bool {
        true
    }
    fn has_digit(v: &str) -> bool {
        v.bytes().any(|b| b.is_ascii_digit())
    }
    RE.get_or_init(|| {
        let r = |s: String| Regex::new(&s).expect("static regex");
        let cmd = |names: &str, flag: &str| {
            format!(r"((?i:\b(?:{names})\b)[^\n|;&]*?\s{flag}){VAL}")
        };
        vec![
            (r(cmd("mysql|mysqldump|mysqladmin|mysqlimport|mysqlshow|mysqlcheck|mysqlpump|mariadb|mariadb-dump|mariadb-admin", "-p")), any as fn(&str) -> bool),
            (r(cmd("curl", r#"(?:-u|--user|-U|--proxy-user)(?:\s+|=)?["']?[^\s:"']*:"#)), any),
            (r(cmd("redis-cli", r"(?:-a|--pass)\s+")), any),
            (r(cmd("sshpass", r"-p\s*")), any),
            (r(cmd(r"(?:docker|podman|buildah|skopeo)\s+login|helm\s+registry\s+login|mongo|mongosh|mongodump|mongorestore|mongoexport|mongoimport", r"(?:-p|--password)(?:\s+|=)")), any),
            (r(r#"(\s--(?:[a-z0-9]+-)*(?:password|passwd|pass|token|secret|api-key|apikey|access-key|secret-key)\s+)('[^'\n]*'|"[^"\n]*"|[^\s"'`|;&-][^\s"'`|;&]*)"#.to_string()), any),
            (r(r"(?i)(\b(?:bearer|basic)\s+)([A-Za-z0-9._~+/\-]{12,}=*)".into()), has_digit),
            (r(r"(?i)(\bset\s+password\b[^=\n]{0,80}=\s*')([^'\n]+)".into()), any),
            (r(r"(?im)(^\s*auth\s+(?:\S+\s+)?)(\S+)[ \t]*$".into()), any),
            (r(r#"(?i)(\bconfig\s+set\s+(?:requirepass|masterauth)\s+["']?)([^\s"']+)"#.into()), any),
            (r(r"(\bpass:)([^\s]+)".into()), any),
            (r(r"(?i)(\bhtpasswd\s+-[A-Za-z]*b[A-Za-z]*\s+(?:-[A-Za-z]+\s+)*(?:\S+\s+)?\S+\s+)(\S+)".into()), any),
            (r(r"(?i)(\baws\s+configure\s+set\s+\S*(?:secret|token|key)\S*\s+)(\S+)".into()), any),
            (r(r"(?i)(\b(?:machine|default)\b[^\n]*?\bpassword\s+)(\S+)".into()), any),
        ]
    })
}

/// Redis ACL rules (`user NAME on >PW ~* +@all`, `ACL SETUSER NAME >PW`):
/// every `>password` on such a line.
fn acl_rule() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?i)^\s*(?:acl\s+setuser|user)\s").expect("static regex"))
}

fn commands(text: &str) -> String {
    let mut s = text.to_string();
    for (re, ok) in command_patterns() {
        if !re.is_match(&s) {
            continue;
        }
        s = re
            .replace_all(&s, |c: &regex::Captures| {
                let v = c.get(2).map_or("", |m| m.as_str());
                if v == MASK || !ok(v) {
                    c[0].to_string()
                } else {
                    format!("{}{MASK}", &c[1])
                }
            })
            .into_owned();
    }
    s.split_inclusive('\n')
        .map(|line| {
            if !acl_rule().is_match(line) {
                return line.to_string();
            }
            line.split_inclusive(char::is_whitespace)
                .map(|w| match w.strip_prefix('>') {
                    Some(rest) if !rest.trim().is_empty() => format!(">{MASK}{}", &rest[rest.trim_end().len()..]),
                    _ => w.to_string(),
                })
                .collect()
        })
        .collect()
}

/// The parts of `text` that [`mask`] hides, for *judging* a line (is what
/// would be hidden a literal or a `$VAR` reference?). Never print these.
pub fn masked_values(text: &str) -> Vec<String> {
    let masked = mask(text);
    if masked == text || text.contains(MASK) {
        return Vec::new();
    }
    let pieces: Vec<&str> = masked.split(MASK).collect();
    let mut out = Vec::new();
    let Some(mut pos) = text.starts_with(pieces[0]).then_some(pieces[0].len()) else { return out };
    for (i, piece) in pieces.iter().enumerate().skip(1) {
        let end = if i == pieces.len() - 1 && piece.is_empty() {
            text.len()
        } else if piece.is_empty() {
            pos + text[pos..].chars().next().map_or(0, char::len_utf8)
        } else {
            let from = pos + text[pos..].chars().next().map_or(0, char::len_utf8);
            match text.get(from..).and_then(|t| t.find(piece)) {
                Some(k) => from + k,
                None => return out,
            }
        };
        out.push(text[pos..end].to_string());
        pos = end + piece.len();
        if pos > text.len() {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn masks_db_connection_urls() {
        // `scan --db` URLs in error texts: every engine's scheme, empty user.
        for (url, want) in [
            (
                "cannot connect to postgres://postgres:Pg-pw1@127.0.0.1:5432/db: refused",
                "postgres://postgres:****@127.0.0.1:5432/db",
            ),
            ("postgresql://u:p%40ss@h/x", "postgresql://u:****@h/x"),
            ("mysql://root:My.pw-2@127.0.0.1:3306/", "mysql://root:****@127.0.0.1:3306/"),
            ("mariadb://admin:x@[::1]:3306", "mariadb://admin:****@[::1]:3306"),
            ("redis://:Redis-pw3@127.0.0.1:6379/0", "redis://:****@127.0.0.1:6379/0"),
            ("redis://app:Redis-pw4@host", "redis://app:****@host"),
        ] {
            let m = mask(url);
            assert!(m.contains(want), "{url} -> {m}");
            assert!(!m.contains("pw") || !url.contains("pw"), "{m}");
        }
    }

    #[test]
    fn masks_secrets() {
        assert_eq!(mask("requirepass hunter2"), "requirepass ****");
        assert_eq!(mask("DB_PASSWORD=s3cret"), "DB_PASSWORD=****");
        assert_eq!(mask("admin_password: \"abc\""), "admin_password: \"****\"");
        assert_eq!(mask("postgres://app:pw@db/x"), "postgres://app:****@db/x");
        assert_eq!(mask("key AKIAABCDEFGHIJKLMNOP"), "key ****");
        assert_eq!(mask("PasswordAuthentication yes"), "PasswordAuthentication yes");
        assert_eq!(mask("PermitRootLogin yes"), "PermitRootLogin yes");
        assert_eq!(mask("rocommunity public default"), "rocommunity **** default");
        assert_eq!(mask("com2sec -Cn ctx1 local localhost private"), "com2sec -Cn ctx1 local localhost ****");
        assert_eq!(mask("com2sec local localhost private"), "com2sec local localhost ****");
        assert_eq!(mask("machine db login app password hunter2"), "machine db login app password ****");
        assert_eq!(mask("  password s3cr3t"), "  password ****");
    }

    #[test]
    fn masks_credential_shapes() {
        for (raw, want) in [
            ("requirepass \"two words\"", "requirepass \"****\""),
            ("masterauth hunter2", "masterauth ****"),
            ("user alice on >s3cret ~* +@all", "user alice on >**** ~* +@all"),
            ("user bob on \">pass word\" <old ~*", "user bob on \">****\" <**** ~*"),
            ("user carol on nopass ~* +@all", "user carol on nopass ~* +@all"),
            ("admin_password = hunter2", "admin_password = ****"),
            ("admin_password = \"\"\"#a b;\"\"\"", "admin_password = \"****\"\"#a b;\"\"\""),
            ("default_pass = guest", "default_pass = ****"),
            ("{default_pass, <<\"guest\">>}", "{default_pass, <<\"****\">>}"),
            ("{default_pass, \"guest\"}", "{default_pass, \"****\"}"),
            (
                "<user username=\"tomcat\" password=\"s3cret\" roles=\"manager-gui\"/>",
                "<user username=\"tomcat\" password=\"****\" roles=\"manager-gui\"/>",
            ),
            ("<user username=\"t\" password='a b' roles=\"x\"/>", "<user username=\"t\" password='****' roles=\"x\"/>"),
            ("password = \"pw with spaces\"", "password = \"****\""),
            ("POSTGRES_PASSWORD=postgres", "POSTGRES_PASSWORD=****"),
            ("POSTGRES_PASSWORD: postgres", "POSTGRES_PASSWORD: ****"),
            ("- MYSQL_ROOT_PASSWORD=root", "- MYSQL_ROOT_PASSWORD=****"),
            ("export REDIS_PASS='a b c'", "export REDIS_PASS='****'"),
            ("JWT_SECRET=short", "JWT_SECRET=****"),
            ("SECRET_KEY_BASE=abc", "SECRET_KEY_BASE=****"),
            ("APP_KEY=base64:abc", "APP_KEY=****"),
            ("STRIPE_KEY: sk_test_abc", "STRIPE_KEY: ****"),
            ("GITHUB_TOKEN=abc", "GITHUB_TOKEN=****"),
            ("GF_SECURITY_ADMIN_PASSWORD=admin", "GF_SECURITY_ADMIN_PASSWORD=****"),
            ("RABBITMQ_DEFAULT_PASS=guest", "RABBITMQ_DEFAULT_PASS=****"),
            ("DATABASE_URL=postgres://app:pw@db:5432/app", "DATABASE_URL=postgres://app:****@db:5432/app"),
            ("- AMQP_URL=amqp://guest:guest@mq/", "- AMQP_URL=amqp://guest:****@mq/"),
            ("Environment=MYSQL_PWD=hunter2", "Environment=MYSQL_PWD=****"),
            ("export REDISCLI_AUTH=hunter2", "export REDISCLI_AUTH=****"),
            ("Environment=\"PGPASSWORD=x y\"", "Environment=\"PGPASSWORD=****\""),
            ("API_TOKEN=abc", "API_TOKEN=****"),
            ("APP_SECRET=abc", "APP_SECRET=****"),
            ("SIGNING_KEY=abc", "SIGNING_KEY=****"),
            ("auth sufficient pam_ldap.so bindpw=hunter2", "auth sufficient pam_ldap.so bindpw=****"),
            ("bindpw hunter2", "bindpw ****"),
            ("rootbindpw hunter2", "rootbindpw ****"),
            ("Driver=x;Uid=app;Pwd=hunter2;", "Driver=x;Uid=app;Pwd=****;"),
            ("trusted-host = bob:hunter2@pypi.example.org", "trusted-host = bob:****@pypi.example.org"),
        ] {
            assert_eq!(mask(raw), want, "{raw}");
        }
    }

    #[test]
    fn masks_command_lines_and_histories() {
        for (text, want) in [
            ("mysql -uroot -phunter2 db", "mysql -uroot -p**** db"),
            ("mysqldump -u root -p'pw x' db", "mysqldump -u root -p**** db"),
            ("mysql -u root -p", "mysql -u root -p"),
            ("(`mysql -p` alone prompts)", "(`mysql -p` alone prompts)"),
            ("curl -u bob:pw https://x", "curl -u bob:**** https://x"),
            ("curl --user bob:pw https://x", "curl --user bob:**** https://x"),
            ("redis-cli -h db -a pw ping", "redis-cli -h db -a **** ping"),
            ("sshpass -p pw ssh host", "sshpass -p **** ssh host"),
            ("docker login -u bob -p pw registry", "docker login -u bob -p **** registry"),
            ("tool --api-token abc123 --x", "tool --api-token **** --x"),
            ("tool --password-file /run/x", "tool --password-file /run/x"),
            ("curl -H 'Authorization: Bearer abc123def456ghi'", "curl -H 'Authorization: Bearer ****'"),
            ("CREATE USER 'bob'@'%' IDENTIFIED BY 'pw';", "CREATE USER 'bob'@'%' IDENTIFIED BY '****';"),
            ("ALTER ROLE app WITH PASSWORD 'pw';", "ALTER ROLE app WITH PASSWORD '****';"),
            ("SET PASSWORD FOR bob = 'pw';", "SET PASSWORD FOR bob = '****';"),
            ("AUTH pw", "AUTH ****"),
            ("auth default pw", "auth default ****"),
            ("CONFIG SET requirepass pw", "CONFIG SET requirepass ****"),
            ("user app on >pw1 >pw2 ~* +@all", "user app on >**** >**** ~* +@all"),
            ("openssl rsa -passin pass:pw -in k", "openssl rsa -passin pass:**** -in k"),
            ("htpasswd -bc /etc/h bob pw", "htpasswd -bc /etc/h bob ****"),
            ("htpasswd -nb bob pw", "htpasswd -nb bob ****"),
            ("aws configure set aws_secret_access_key abc", "aws configure set aws_secret_access_key ****"),
            ("machine h login u password pw account a", "machine h login u password **** account a"),
            ("export PGPASSWORD=pw", "export PGPASSWORD=****"),
            ("curl https://hooks.slack.com/services/T000/B000/XXXX", "curl https://****"),
            ("github_pat_abcdefghij0123456789ABCDEFGHIJ", "****"),
            ("secret: mysql -uroot -ppw app", "secret: **** -uroot -p**** app"),
        ] {
            assert_eq!(mask(text), want, "{text}");
        }
    }

    #[test]
    fn masked_values_recovers_the_hidden_parts() {
        assert_eq!(super::masked_values("mysql -phunter2 db"), vec!["hunter2"]);
        assert_eq!(super::masked_values("export PGPASSWORD=$PW"), vec!["$PW"]);
        assert_eq!(super::masked_values("AUTH a b"), vec!["b"]);
        assert!(super::masked_values("ls -la").is_empty());
    }

    #[test]
    fn masks_sql_and_acl_passwords() {
        assert_eq!(mask("CREATE USER 'a'@'%' IDENTIFIED BY 'hunter2'"), "CREATE USER 'a'@'%' IDENTIFIED BY '****'");
        assert_eq!(
            mask("ALTER USER a IDENTIFIED WITH mysql_native_password BY \"x y\";"),
            "ALTER USER a IDENTIFIED WITH mysql_native_password BY '****';"
        );
        assert_eq!(
            mask("GRANT ALL ON *.* TO a IDENTIFIED BY PASSWORD '*ABC'"),
            "GRANT ALL ON *.* TO a IDENTIFIED BY PASSWORD '****'"
        );
        assert_eq!(mask("SET PASSWORD FOR a = PASSWORD('it''s')"), "SET PASSWORD FOR a = PASSWORD('****')");
        assert_eq!(
            mask("CREATE ROLE r LOGIN PASSWORD 'a\\'b' SUPERUSER"),
            "CREATE ROLE r LOGIN PASSWORD '****' SUPERUSER"
        );
        assert_eq!(mask("CREATE ROLE r ENCRYPTED PASSWORD 'md5abc'"), "CREATE ROLE r ENCRYPTED PASSWORD '****'");
        assert_eq!(mask("user app on >s3cret #abcdef ~* +@all"), "user app on >**** #**** ~* +@all");
        assert_eq!(mask("user default on nopass ~* +@all"), "user default on nopass ~* +@all");
        assert_eq!(mask("password_encryption = md5"), "password_encryption = md5");
    }

    #[test]
    fn leaves_prose_and_directives_alone() {
        for text in [
            "PasswordAuthentication not set; OpenSSH default is yes",
            "password authentication is disabled",
            "users cannot pass environment variables",
            "Set `PermitEmptyPasswords no` in /etc/ssh/sshd_config",
            "PASS_MAX_DAYS 99999",
            "PASS_MAX_DAYS=90",
            "ubuntu ALL=(ALL) NOPASSWD:ALL",
            "/etc/passwd: mode 0666",
            "/etc/passwd (line 3)",
            "password_encryption = md5",
            "passwd -l alice",
            "Redis requirepass is a common password (on the bundled weak-password list)",
            "POSTGRES_PASSWORD (user app) is derived from the user or service name",
            "Redis ACL user app's password is 5 characters, shorter than the minimum of 12",
            "weak password for 'alice'",
            "basic authentication is enabled",
            "docker run -u 1000:1000 image",
            "docker run -p 8080:80 nginx",
            "literal value for secret-named key DB_PASSWORD (file mode 0644 root:root)",
            "GitHub token (file mode 0644 root:root)",
        ] {
            assert_eq!(mask(text), text);
        }
    }
}
