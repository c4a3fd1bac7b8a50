//! What counts as an exposed secret in a text: private keys (and whether
//! they are encrypted), cloud and API tokens by their shape, secret-named
//! assignments with a literal high-entropy value, secrets on history lines.

use crate::redact;
use regex::Regex;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    PrivateKey,
    AwsAccessKeyId,
    AwsSecretAccessKey,
    GithubToken,
    GitlabToken,
    SlackToken,
    SlackWebhook,
    StripeKey,
    SecretAssignment,
    History,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::PrivateKey => "private_key",
            Kind::AwsAccessKeyId => "aws_access_key_id",
            Kind::AwsSecretAccessKey => "aws_secret_access_key",
            Kind::GithubToken => "github_token",
            Kind::GitlabToken => "gitlab_token",
            Kind::SlackToken => "slack_token",
            Kind::SlackWebhook => "slack_webhook",
            Kind::StripeKey => "stripe_key",
            Kind::SecretAssignment => "secret_assignment",
            Kind::History => "history",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Found {
    pub line: usize,
    pub kind: Kind,
    /// What was found, in words (never the value).
    pub what: String,
    pub key: Option<String>,
    pub encrypted: Option<bool>,
    pub high_entropy: bool,
    /// History findings only: the line, for the engine to mask.
    pub line_text: String,
}

fn found(line: usize, kind: Kind, what: impl Into<String>) -> Found {
    Found { line, kind, what: what.into(), key: None, encrypted: None, high_entropy: false, line_text: String::new() }
}

fn token_patterns() -> &'static [(Kind, &'static str, Regex)] {
    static RE: OnceLock<Vec<(Kind, &'static str, Regex)>> = OnceLock::new();
    RE.get_or_init(|| {
        let r = |s: &str| Regex::new(s).expect("static regex");
        vec![
            (Kind::AwsAccessKeyId, "AWS access key id", r(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b")),
            (
                Kind::AwsSecretAccessKey,
                "AWS secret access key",
                r(r#"(?i)\baws_?secret_?access_?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})\b"#),
            ),
            (Kind::GithubToken, "GitHub token", r(r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{60,})\b")),
            (Kind::GitlabToken, "GitLab personal access token", r(r"\bglpat-[A-Za-z0-9_\-]{20,}")),
            (Kind::SlackToken, "Slack token", r(r"\bxox[abposr]-[0-9A-Za-z]+-[0-9A-Za-z\-]{8,}")),
            (
                Kind::SlackWebhook,
                "Slack webhook URL",
                r(r"hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+"),
            ),
            (Kind::StripeKey, "Stripe live secret key", r(r"\b[rs]k_live_[A-Za-z0-9]{20,}\b")),
        ]
    })
}

fn begin_key() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"-----BEGIN ((?:RSA |DSA |EC |OPENSSH |ENCRYPTED |ANY )?PRIVATE KEY|PGP PRIVATE KEY BLOCK)-----")
            .expect("static regex")
    })
}

fn assignment_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"(?:^|[^A-Za-z0-9_.\-])["']?([A-Za-z][A-Za-z0-9_.\-]*)["']?\s*(?:=|:(?:[^/]|$))\s*"#)
            .expect("static regex")
    })
}

/// Whether a key names a secret (`DB_PASSWORD`, `api_key`, `client-secret`,
/// `pwd`), not a setting about one (`password_file`, `token_ttl`).
pub fn secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    let segs: Vec<&str> = k.split(|c: char| !c.is_ascii_alphanumeric()).filter(|s| !s.is_empty()).collect();
    const STRONG: &[&str] = &[
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "api_key",
        "api-key",
        "access_key",
        "accesskey",
        "private_key",
        "privatekey",
        "auth_key",
        "requirepass",
        "masterauth",
    ];
    let named = STRONG.iter().any(|w| k.contains(w)) || segs.iter().any(|s| matches!(*s, "pass" | "pwd" | "pw"));
    const NOT: &[&str] = &[
        "file",
        "path",
        "dir",
        "cmd",
        "command",
        "url",
        "uri",
        "endpoint",
        "type",
        "name",
        "user",
        "username",
        "length",
        "len",
        "min",
        "max",
        "ttl",
        "expiry",
        "expires",
        "expire",
        "timeout",
        "age",
        "days",
        "policy",
        "hash",
        "method",
        "encryption",
        "algorithm",
        "enabled",
        "enable",
        "required",
        "env",
        "id",
        "prompt",
        "mode",
        "header",
        "lifetime",
        "rotation",
        "store",
        "helper",
        "source",
        "format",
        "strength",
        "reset",
        "sha",
        "hashed",
    ];
    named && !segs.iter().any(|s| NOT.contains(s)) && !k.ends_with("authentication") && !k.contains("nopasswd")
}

/// Words that mark a template value, not a real secret.
const PLACEHOLDERS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "your_",
    "your-",
    "yourpassword",
    "example",
    "placeholder",
    "replace_me",
    "replaceme",
    "redacted",
    "dummy",
    "secret_here",
    "password_here",
    "token_here",
];

/// A literal value that is not a reference, placeholder or plain setting.
pub fn literal_secret(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    if v.is_empty() || v.starts_with('$') || v.starts_with('%') || v.starts_with('<') || v.starts_with('`') {
        return false;
    }
    if v.contains("{{") || v.contains("${") || v.starts_with("ENC[") || l.starts_with("vault:") {
        return false;
    }
    if v.starts_with('/') || v.starts_with("~/") || v.starts_with("./") {
        return false;
    }
    // Code, not a value: calls, indexing, attribute access.
    if !v.chars().any(|c| c.is_ascii_alphanumeric())
        || v.contains(['(', ')', '[', '{', '\'', '"'])
        || l.starts_with("self.")
        || l.starts_with("this.")
    {
        return false;
    }
    if v.chars().all(|c| c == '*' || c == 'x' || c == 'X' || c == '.' || c == '-' || c == '_') {
        return false;
    }
    if matches!(
        l.as_str(),
        "yes" | "no" | "true" | "false" | "none" | "null" | "nil" | "on" | "off" | "required" | "optional"
    ) {
        return false;
    }
    if PLACEHOLDERS.iter().any(|p| l.contains(p)) {
        return false;
    }
    !v.chars().all(|c| c.is_ascii_digit()) || v.len() >= 8
}

/// Shannon entropy, bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let n = s.chars().count() as f64;
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    counts.values().map(|&c| c as f64 / n).map(|p| -p * p.log2()).sum()
}

pub fn high_entropy(v: &str) -> bool {
    let classes = [
        v.bytes().any(|b| b.is_ascii_lowercase()),
        v.bytes().any(|b| b.is_ascii_uppercase()),
        v.bytes().any(|b| b.is_ascii_digit()),
    ];
    v.len() >= 20 && entropy(v) >= 3.5 && classes.iter().filter(|c| **c).count() >= 2
}

/// The value at the start of `rest`: a quoted string, or up to whitespace
/// (or `,;<>` and a ` #` comment).
fn value_at(rest: &str) -> &str {
    let rest = rest.trim_start();
    if let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let inner = &rest[1..];
        return inner.find(q).map(|e| &inner[..e]).unwrap_or(inner);
    }
    let end =
        rest.find(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '<' | '>' | '}' | ')')).unwrap_or(rest.len());
    &rest[..end]
}

/// Find secrets in a file's text.
pub fn detect(text: &str, history: bool, env_file: bool) -> Vec<Found> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        if line.len() > 4096 {
            continue;
        }
        if let Some(c) = begin_key().captures(line) {
            let label = c.get(1).map(|m| m.as_str()).unwrap_or("");
            let rest = c.get(0).map(|m| &line[m.end()..]).unwrap_or("");
            if let Some((what, encrypted)) = private_key(label, rest, &lines[i + 1..]) {
                let mut f = found(n, Kind::PrivateKey, what);
                f.encrypted = encrypted;
                out.push(f);
            }
            continue;
        }
        if line.starts_with("PuTTY-User-Key-File-") {
            let enc = lines.iter().skip(i + 1).take(3).find_map(|l| l.strip_prefix("Encryption:")).map(str::trim);
            let encrypted = enc.map(|e| e != "none");
            let what = if encrypted == Some(false) { "unencrypted PuTTY private key" } else { "PuTTY private key" };
            let mut f = found(n, Kind::PrivateKey, what);
            f.encrypted = encrypted;
            out.push(f);
            continue;
        }
        if history {
            if history_secret(line) {
                let mut f = found(n, Kind::History, "a secret on a command line");
                f.line_text = line.chars().take(300).collect();
                out.push(f);
            }
            continue;
        }
        let mut token_line = false;
        for (kind, what, re) in token_patterns() {
            if let Some(m) = re.find(line) {
                if m.as_str().contains("EXAMPLE") {
                    continue;
                }
                out.push(found(n, *kind, *what));
                token_line = true;
            }
        }
        if token_line {
            continue;
        }
        let t = line.trim_start();
        if t.starts_with('#') || t.starts_with(';') || t.starts_with("//") {
            continue;
        }
        for c in assignment_re().captures_iter(line) {
            let (Some(k), Some(whole)) = (c.get(1), c.get(0)) else { continue };
            if !secret_key(k.as_str()) {
                continue;
            }
            let v = value_at(&line[whole.end()..]);
            if !literal_secret(v) {
                continue;
            }
            let he = high_entropy(v);
            if !(he || env_file) {
                continue;
            }
            let what = if he {
                format!("high-entropy literal value for secret-named key {}", k.as_str())
            } else {
                format!("literal value for secret-named key {}", k.as_str())
            };
            let mut f = found(n, Kind::SecretAssignment, what);
            f.key = Some(k.as_str().to_string());
            f.high_entropy = he;
            out.push(f);
            break;
        }
    }
    out
}

/// A history line holds a secret when the central mask would hide part of
/// it and that part is not a variable reference.
fn history_secret(line: &str) -> bool {
    redact::masked_values(line).iter().any(|v| {
        let v = v.trim_matches(|c| c == '"' || c == '\'');
        !(v.is_empty() || v.starts_with('$') || v.starts_with('`') || v.starts_with("%("))
    })
}

/// Whether a private-key marker starts a real key, and its description.
fn private_key(label: &str, after_marker: &str, after: &[&str]) -> Option<(String, Option<bool>)> {
    // The body: base64 lines after optional `Name: value` headers, or (in
    // JSON/escaped form) on the same line after `\n`.
    let inline = after_marker.contains("\\n") && after_marker.len() > 40;
    let mut headers = Vec::new();
    let mut body = String::new();
    for l in after.iter().take(400) {
        let l = l.trim().trim_matches(|c| c == '"' || c == '\'' || c == ',');
        if l.starts_with("-----END") {
            break;
        }
        if l.is_empty() {
            continue;
        }
        if l.contains(": ") && body.is_empty() {
            headers.push(l.to_string());
            continue;
        }
        if !l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=') {
            break;
        }
        body.push_str(l);
        if body.len() > 4096 {
            break;
        }
    }
    if !inline && body.len() < 40 {
        return None;
    }
    Some(match label {
        "ENCRYPTED PRIVATE KEY" => ("encrypted PKCS#8 private key".to_string(), Some(true)),
        "OPENSSH PRIVATE KEY" => match openssh_cipher(&body) {
            Some(c) if c == "none" => ("unencrypted OpenSSH private key".into(), Some(false)),
            Some(_) => ("encrypted OpenSSH private key".into(), Some(true)),
            None => ("OpenSSH private key".into(), None),
        },
        "PGP PRIVATE KEY BLOCK" => ("PGP private key block".into(), None),
        _ if inline => ("PEM private key (inline)".to_string(), None),
        _ => {
            let enc = headers.iter().any(|h| h.starts_with("Proc-Type:") && h.contains("ENCRYPTED"));
            let kind = label.trim_end_matches("PRIVATE KEY").trim();
            let kind = if kind.is_empty() { "PKCS#8".to_string() } else { kind.to_string() };
            if enc {
                (format!("encrypted {kind} private key (PEM)"), Some(true))
            } else {
                (format!("unencrypted {kind} private key (PEM)"), Some(false))
            }
        }
    })
}

/// The cipher name of an OpenSSH private key (`none` when unencrypted):
/// the body is `openssh-key-v1\0`, then string ciphername, string kdfname.
fn openssh_cipher(body: &str) -> Option<String> {
    let bytes = base64_decode(&body[..body.len().min(200) / 4 * 4])?;
    let rest = bytes.strip_prefix(b"openssh-key-v1\0")?;
    let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let name = rest.get(4..4 + len)?;
    String::from_utf8(name.to_vec()).ok()
}

/// Standard base64 (padding optional); None on a bad character.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str, history: bool, env: bool) -> Vec<(usize, &'static str)> {
        detect(text, history, env).into_iter().map(|f| (f.line, f.kind.as_str())).collect()
    }

    const OPENSSH_NONE: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACDummyDummyDummyDummyDummyDummyDummyDummyDummy\n-----END OPENSSH PRIVATE KEY-----\n";
    const OPENSSH_AES: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABDummyDummy\nQyNTUxOQAAACDummyDummyDummyDummyDummyDummyDummyDummyDummy\n-----END OPENSSH PRIVATE KEY-----\n";

    #[test]
    fn private_keys_and_encryption() {
        let f = detect(OPENSSH_NONE, false, false);
        assert_eq!((f.len(), f[0].encrypted), (1, Some(false)), "{f:?}");
        let f = detect(OPENSSH_AES, false, false);
        assert_eq!(f[0].encrypted, Some(true), "{f:?}");
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0011\n\nMIIEowIBAAKCAQEAabcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(detect(pem, false, false)[0].encrypted, Some(true));
        let pem = "-----BEGIN PRIVATE KEY-----\nMIIEowIBAAKCAQEAabcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH\n-----END PRIVATE KEY-----\n";
        assert_eq!(detect(pem, false, false)[0].encrypted, Some(false));
        let pem = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIEowIBAAKCAQEAabcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert_eq!(detect(pem, false, false)[0].encrypted, Some(true));
        // A script that mentions the marker is not a key.
        assert!(detect("grep -q -- '-----BEGIN RSA PRIVATE KEY-----' \"$f\"\necho ok\n", false, false).is_empty());
        let json = r#"{"key": "-----BEGIN PRIVATE KEY-----\nMIIEowIBAAKCAQEAabcdefghijklmnopqrstuvwxyz0123456789\n-----END PRIVATE KEY-----\n"}"#;
        assert_eq!(kinds(json, false, false), vec![(1, "private_key")]);
    }

    #[test]
    fn tokens_by_shape() {
        let text = "a = AKIAABCDEFGHIJKLMNOP\nb=AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = abcdefghijABCDEFGHIJ0123456789abcdefghij\nghp_abcdefghijABCDEFGHIJ0123456789abcdef\nx: glpat-abcdefghij0123456789\nxoxb-123456789012-abcdefghijkl\nsk_live_abcdefghijABCDEFGHIJ0123\n";
        assert_eq!(
            kinds(text, false, false),
            vec![
                (1, "aws_access_key_id"),
                (3, "aws_secret_access_key"),
                (4, "github_token"),
                (5, "gitlab_token"),
                (6, "slack_token"),
                (7, "stripe_key")
            ]
        );
    }

    #[test]
    fn assignments() {
        let he = "api_key = Zq8xT2vLm9Rk4WpY7sNc3Hd6\n";
        assert_eq!(kinds(he, false, false), vec![(1, "secret_assignment")]);
        assert!(detect("password = hunter2\n", false, false).is_empty(), "low entropy outside env files");
        assert_eq!(kinds("DB_PASSWORD=hunter2\n", false, true), vec![(1, "secret_assignment")]);
        for quiet in [
            "DB_PASSWORD=\n",
            "DB_PASSWORD=${DB_PASSWORD}\n",
            "DB_PASSWORD=changeme\n",
            "password_file=/run/secrets/db\n",
            "# DB_PASSWORD=hunter2\n",
            "PASS_MAX_DAYS=99999\n",
            "token_ttl=3600\n",
            "PasswordAuthentication=yes\n",
        ] {
            assert!(detect(quiet, false, true).is_empty(), "{quiet}");
        }
        assert_eq!(kinds(r#"<user username="admin" password="s3cret" roles="x"/>"#, false, true).len(), 1);
        assert!(detect("password = getpass.getpass('Password: ')\n", false, true).is_empty());
        assert!(detect("passwd = self.passwd_entry_value_xyz123\n", false, true).is_empty());
    }

    #[test]
    fn garbage_does_not_panic() {
        let mut s = String::new();
        for i in 0..2000u32 {
            s.push(char::from_u32(i * 37 % 0x2FF + 1).unwrap_or('x'));
            if i % 50 == 0 {
                s.push_str("\n-----BEGIN OPENSSH PRIVATE KEY-----\n");
            }
        }
        s.push_str("password=\"\nkey: '\n=\n:");
        let _ = detect(&s, false, true);
        let _ = detect(&s, true, true);
        assert!(base64_decode("b3Blbn@").is_none());
        assert_eq!(openssh_cipher("AAAA"), None);
    }

    #[test]
    fn histories() {
        let h = "ls\nmysql -uroot -phunter2 db\nexport AWS_SECRET_ACCESS_KEY=abc\ncurl -u bob:pw https://x\nPGPASSWORD=pw psql\nredis-cli -a pw\nexport X=$TOKEN\nmysql -u root -p\ncurl -u bob https://x\n";
        assert_eq!(kinds(h, true, false).iter().map(|k| k.0).collect::<Vec<_>>(), vec![2, 3, 4, 5, 6]);
    }
}
