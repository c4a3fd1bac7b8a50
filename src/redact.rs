//! The one place where secrets are masked. Every evidence `detail` and every
//! message passes through [`mask`] before it reaches any report format.

use regex::Regex;
use std::sync::OnceLock;

const MASK: &str = "****";

/// Words that name a secret inside a key (`DB_PASSWORD`, `api_key`, …).
const SECRET_WORD: &str = r"(?:pass(?:word|wd|phrase)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|auth[_-]?key|requirepass|masterauth|community|[_.\-]key)";

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
            r#"(?im)(^\s*(?:requirepass|masterauth|rocommunity6?|rwcommunity6?|com2sec6?(?:\s+-Cn\s+\S+)?\s+\S+\s+\S+)\s+["']?)([^\s"'`,;]+)"#,
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
            if t.len() > 5 && t[..5].eq_ignore_ascii_case("user ") {
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

fn tokens() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"(AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}",
            r"|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}",
            r"|glpat-[A-Za-z0-9_\-]{20,}|xox[abposr]-[A-Za-z0-9\-]{10,}",
            r"|sk_live_[A-Za-z0-9]{10,}|rk_live_[A-Za-z0-9]{10,}",
            r"|-----BEGIN [A-Z ]*PRIVATE KEY-----[^\n]*)"
        ))
        .expect("static regex")
    })
}

fn url_password() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"([a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@]*:)([^\s@/]+)(@)").expect("static regex"))
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
    let s = replace(quoted(), &s);
    let s = replace(quoted_directive(), &s);
    let s = replace(erlang_term(), &s);
    let s = redis_acl_lines(&s);
    let s = replace(assignment(), &s);
    let s = replace(directive(), &s);
    tokens().replace_all(&s, MASK).into_owned()
}

#[cfg(test)]
mod tests {
    use super::mask;

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
        ] {
            assert_eq!(mask(raw), want, "{raw}");
        }
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
        ] {
            assert_eq!(mask(text), text);
        }
    }
}
