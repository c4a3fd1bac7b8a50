//! The one place where secrets are masked. Every evidence `detail` and every
//! message passes through [`mask`] before it reaches any report format.

use regex::Regex;
use std::sync::OnceLock;

const MASK: &str = "****";

fn assignment() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // key (containing a secret-ish word) followed by `=`, `:` or spaces, then the value.
        Regex::new(
            r#"(?i)((?:[A-Za-z0-9_.\-]*(?:pass(?:word|wd|phrase)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|auth[_-]?key|requirepass|masterauth|community)[A-Za-z0-9_.\-]*)["']?\s*(?:[:=]|\s)\s*["']?)([^\s"',;]+)"#,
        )
        .expect("static regex")
    })
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

/// Mask secret values in `text`: values of password/secret/token-like keys,
/// well-known token formats, and passwords in URLs.
pub fn mask(text: &str) -> String {
    let s = url_password().replace_all(text, format!("${{1}}{MASK}${{3}}"));
    let s = assignment().replace_all(&s, |c: &regex::Captures| {
        let value = &c[2];
        // Keep obvious non-secrets readable: yes/no, numbers, masked values, booleans.
        if value == MASK || matches!(value.to_ascii_lowercase().as_str(), "yes" | "no" | "true" | "false" | "none") {
            c[0].to_string()
        } else {
            format!("{}{MASK}", &c[1])
        }
    });
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
    }
}
