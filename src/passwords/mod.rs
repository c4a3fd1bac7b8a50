//! Weak-password knowledge shared by every check that judges a password:
//! the account-hash probe (`/etc/shadow`) and the credential checks on
//! service and application configs.
//!
//! Nothing here ever returns or formats a candidate password: callers get a
//! [`Weakness`] that says *why* a value is weak, never *what* it is.

pub mod guesses;
pub mod hash;

pub use guesses::{Guesses, Mode};

use std::collections::HashSet;
use std::sync::OnceLock;

/// The bundled list of common passwords, one per line (see the header of
/// `data/weak-passwords.txt` for its source and licence).
const WEAK_LIST: &str = include_str!("../../data/weak-passwords.txt");

/// Why a password is weak. `describe()` is safe to print: it never contains
/// the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Weakness {
    /// The value is empty.
    Empty,
    /// The value is on the bundled common-password list.
    Common,
    /// The value is (a trivial variant of) a related name: the account,
    /// user or service it belongs to.
    SameAsName,
    /// A vendor's default password for this service (`guest`, `admin`, …).
    VendorDefault,
    /// Shorter than the minimum length.
    Short { len: usize, min: usize },
}

impl Weakness {
    pub fn describe(&self) -> String {
        match self {
            Weakness::Empty => "empty password".into(),
            Weakness::Common => "a common password (on the bundled weak-password list)".into(),
            Weakness::SameAsName => "derived from the user or service name".into(),
            Weakness::VendorDefault => "the vendor's default password".into(),
            Weakness::Short { len, min } => format!("{len} characters, shorter than the minimum of {min}"),
        }
    }
}

/// The bundled common passwords (lines starting with `#` are comments).
pub fn common() -> &'static [&'static str] {
    static LIST: OnceLock<Vec<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| WEAK_LIST.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).collect())
}

fn common_set() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| common().iter().copied().collect())
}

/// Trivial variants of a name that people use as its password: the name,
/// capitalised, reversed, doubled, with common suffixes (`1`, `123`, `!`,
/// the year…).
pub fn name_variants(name: &str) -> Vec<String> {
    let name = name.trim();
    if name.is_empty() {
        return Vec::new();
    }
    let lower = name.to_lowercase();
    let mut cap = lower.clone();
    if let Some(first) = cap.get(0..1) {
        cap = first.to_uppercase() + &cap[1..];
    }
    let reversed: String = lower.chars().rev().collect();
    let mut out = vec![name.to_string(), lower.clone(), cap.clone(), name.to_uppercase(), reversed, lower.repeat(2)];
    for suffix in ["1", "12", "123", "1234", "12345", "!", "01", "2024", "2025", "2026"] {
        out.push(format!("{lower}{suffix}"));
        out.push(format!("{cap}{suffix}"));
    }
    out.sort();
    out.dedup();
    out
}

/// Judge a plaintext password found in a config file. `names` are the
/// user/service names it belongs to; `vendor_defaults` the service's
/// shipped defaults; `min_len` the minimum length (0: no length rule).
pub fn judge(password: &str, names: &[&str], vendor_defaults: &[&str], min_len: usize) -> Option<Weakness> {
    if password.is_empty() {
        return Some(Weakness::Empty);
    }
    if vendor_defaults.iter().any(|d| d.eq_ignore_ascii_case(password)) {
        return Some(Weakness::VendorDefault);
    }
    let lower = password.to_lowercase();
    if names.iter().any(|n| name_variants(n).iter().any(|v| v.to_lowercase() == lower)) {
        return Some(Weakness::SameAsName);
    }
    if common_set().contains(password) || common_set().contains(lower.as_str()) {
        return Some(Weakness::Common);
    }
    let len = password.chars().count();
    if min_len > 0 && len < min_len {
        return Some(Weakness::Short { len, min: min_len });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_without_echoing() {
        assert_eq!(judge("", &[], &[], 12), Some(Weakness::Empty));
        assert_eq!(judge("guest", &["rabbit"], &["guest"], 0), Some(Weakness::VendorDefault));
        assert_eq!(judge("Alice123", &["alice"], &[], 0), Some(Weakness::SameAsName));
        assert_eq!(judge("password", &[], &[], 0), Some(Weakness::Common));
        assert_eq!(judge("x7#Kq", &[], &[], 12), Some(Weakness::Short { len: 5, min: 12 }));
        assert_eq!(judge("correct-horse-battery-staple-91", &["alice"], &[], 12), None);
        assert!(!Weakness::Common.describe().contains("password\n"));
    }
}
