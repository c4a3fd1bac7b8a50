//! Password-hash verification: is a candidate the password behind a stored
//! hash? Used to find account passwords an attacker would guess first.
//!
//! Schemes: crypt(3) as libxcrypt writes it (`$y$` yescrypt, `$6$`/`$5$`
//! SHA-crypt with `rounds=`, `$1$` MD5-crypt, `$2a$`/`$2b$`/`$2y$` bcrypt;
//! 13-character DES is recognised but not verified), and the htpasswd
//! formats of Apache and nginx (`$apr1$`, `{SHA}`, `{SSHA}`, `{PLAIN}`, and
//! plaintext).
//!
//! The cost of a hash is read *before* any work and compared with
//! [`Limits`]: a hostile hash (`$6$rounds=999999999$…`, bcrypt cost 20) would
//! otherwise keep a core busy for minutes per candidate.
//!
//! Nothing here formats a hash or a candidate into an error or message.

use base64::Engine as _;
use md5::{Digest as _, Md5};
use sha1::Sha1;
use std::fmt;

/// Debian's default yescrypt cost (`$y$j9T$`: N = 4096, r = 32, p = 1).
pub const YESCRYPT_DEBIAN_NRP: u64 = 4096 * 32;

/// The most work one verification may take; a hash above any of these is
/// not verified (and said so).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// SHA-crypt `rounds=` (glibc's default is 5000).
    pub sha_rounds: u64,
    /// bcrypt cost (log2 of the rounds; 10–12 are usual).
    pub bcrypt_cost: u64,
    /// yescrypt N·r·p·(t+1) (Debian: 4096·32).
    pub yescrypt_work: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { sha_rounds: 1_000_000, bcrypt_cost: 12, yescrypt_work: YESCRYPT_DEBIAN_NRP * 4 }
    }
}

/// A hash scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    Yescrypt,
    Sha512Crypt,
    Sha256Crypt,
    Md5Crypt,
    Apr1,
    Bcrypt,
    Des,
    /// `{SHA}`: base64 of an unsalted SHA-1.
    Sha1,
    /// `{SSHA}`: base64 of SHA-1(password + salt) + salt.
    Ssha,
    /// The password itself (`{PLAIN}` in nginx, or no recognised prefix).
    Plain,
}

impl Scheme {
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Yescrypt => "yescrypt",
            Scheme::Sha512Crypt => "sha512crypt",
            Scheme::Sha256Crypt => "sha256crypt",
            Scheme::Md5Crypt => "md5crypt",
            Scheme::Apr1 => "apr1 (MD5)",
            Scheme::Bcrypt => "bcrypt",
            Scheme::Des => "DES crypt",
            Scheme::Sha1 => "{SHA} (unsalted SHA-1)",
            Scheme::Ssha => "{SSHA} (salted SHA-1)",
            Scheme::Plain => "plaintext",
        }
    }
}

/// Why a hash cannot be verified. `Display` never shows the hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsupported {
    /// A scheme this module does not verify.
    Scheme(String),
    /// The hash asks for more work than the limit allows.
    TooCostly { scheme: Scheme, cost: String, limit: String },
    /// Not a well-formed hash of its scheme.
    Malformed(Scheme),
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unsupported::Scheme(s) if s == "DES crypt" => {
                f.write_str("DES crypt hashes are not verified: no maintained pure-Rust implementation (the scheme is weak in itself, see accounts.weak-password-hash)")
            }
            Unsupported::Scheme(s) => write!(f, "{s} hashes are not verified"),
            Unsupported::TooCostly { scheme, cost, limit } => {
                write!(f, "{} hash with {cost}, above the limit of {limit}", scheme.name())
            }
            Unsupported::Malformed(s) => write!(f, "malformed {} hash", s.name()),
        }
    }
}

/// A parsed hash: its scheme and cost, ready to verify candidates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hash {
    pub scheme: Scheme,
    /// The cost as written: SHA-crypt rounds, bcrypt cost, yescrypt
    /// N·r·p·(t+1); `None` for schemes without one.
    pub cost: Option<u64>,
    /// The text handed to the verifier (normalised: SHA-crypt rounds are
    /// clamped as glibc does).
    text: String,
}

impl Hash {
    /// Memory one verification takes, in bytes (yescrypt: 128·N·r·p, here
    /// bounded by 128·N·r·p·(t+1); bcrypt's 4 KiB tables; others: none to
    /// speak of).
    pub fn memory(&self) -> u64 {
        match (self.scheme, self.cost) {
            (Scheme::Yescrypt, Some(work)) => work.saturating_mul(128),
            (Scheme::Bcrypt, _) => 4096,
            _ => 0,
        }
    }
}

/// Parse a crypt(3) hash as found in /etc/shadow (a leading `!` — a
/// locked account — is the caller's business and is not accepted here).
pub fn parse(hash: &str) -> Result<Hash, Unsupported> {
    let h = hash.trim();
    let scheme = if h.starts_with("$y$") {
        Scheme::Yescrypt
    } else if h.starts_with("$6$") {
        Scheme::Sha512Crypt
    } else if h.starts_with("$5$") {
        Scheme::Sha256Crypt
    } else if h.starts_with("$1$") {
        Scheme::Md5Crypt
    } else if h.starts_with("$2a$") || h.starts_with("$2b$") || h.starts_with("$2y$") {
        Scheme::Bcrypt
    } else if h.len() == 13 && h.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'/') {
        Scheme::Des
    } else if let Some(rest) = h.strip_prefix('$') {
        let id = rest.split('$').next().unwrap_or("");
        let name = match id {
            "gy" => "gost-yescrypt".to_string(),
            "7" => "scrypt".to_string(),
            "3" => "NT hash".to_string(),
            "2x" => "bcrypt $2x$".to_string(),
            "sha1" => "sha1crypt".to_string(),
            "md5" => "Sun MD5".to_string(),
            _ => "unknown (`$…$`)".to_string(),
        };
        return Err(Unsupported::Scheme(name));
    } else {
        return Err(Unsupported::Scheme("unrecognised".into()));
    };
    build(scheme, h)
}

/// Parse a password field of an htpasswd file as Apache httpd and nginx
/// read it: `$apr1$`, `{SHA}`, `{SSHA}`, `{PLAIN}` (nginx), any crypt(3)
/// hash, and otherwise the password itself.
pub fn parse_htpasswd(field: &str) -> Result<Hash, Unsupported> {
    let f = field.trim();
    if f.starts_with("$apr1$") {
        return build(Scheme::Apr1, f);
    }
    if let Some(b64) = f.strip_prefix("{SHA}") {
        return build(Scheme::Sha1, b64);
    }
    if let Some(b64) = f.strip_prefix("{SSHA}") {
        return build(Scheme::Ssha, b64);
    }
    if let Some(p) = f.strip_prefix("{PLAIN}") {
        return Ok(Hash { scheme: Scheme::Plain, cost: None, text: p.to_string() });
    }
    match parse(f) {
        Err(Unsupported::Scheme(s)) if s == "unrecognised" => {
            Ok(Hash { scheme: Scheme::Plain, cost: None, text: f.to_string() })
        }
        r => r,
    }
}

fn build(scheme: Scheme, h: &str) -> Result<Hash, Unsupported> {
    let malformed = || Unsupported::Malformed(scheme);
    let (cost, text) = match scheme {
        Scheme::Sha512Crypt | Scheme::Sha256Crypt => {
            // $6$[rounds=N$]salt$hash; glibc clamps N to 1000..=999999999.
            let rest = &h[3..];
            let (rounds, rest) = match rest.strip_prefix("rounds=") {
                Some(r) => {
                    let (n, rest) = r.split_once('$').ok_or_else(malformed)?;
                    let n: u64 = n.parse().map_err(|_| malformed())?;
                    (Some(n.clamp(1000, 999_999_999)), rest)
                }
                None => (None, rest),
            };
            let (salt, digest) = rest.rsplit_once('$').ok_or_else(malformed)?;
            if salt.is_empty() || salt.contains('$') || digest.is_empty() {
                return Err(malformed());
            }
            let salt: String = salt.chars().take(16).collect();
            let text = match rounds {
                Some(n) => format!("{}rounds={n}${salt}${digest}", &h[..3]),
                None => format!("{}{salt}${digest}", &h[..3]),
            };
            (Some(rounds.unwrap_or(5000)), text)
        }
        Scheme::Bcrypt => {
            let cost = h.get(4..6).and_then(|c| c.parse::<u64>().ok()).ok_or_else(malformed)?;
            if h.len() != 60 || !h.is_ascii() || h.as_bytes()[6] != b'$' {
                return Err(malformed());
            }
            (Some(cost), h.to_string())
        }
        Scheme::Yescrypt => {
            let params = h[3..].split('$').next().unwrap_or("");
            let work = yescrypt_work(params).ok_or_else(malformed)?;
            (Some(work), h.to_string())
        }
        Scheme::Md5Crypt | Scheme::Apr1 => {
            let magic = if scheme == Scheme::Apr1 { "$apr1$" } else { "$1$" };
            let rest = &h[magic.len()..];
            let (_, digest) = rest.split_once('$').ok_or_else(malformed)?;
            if digest.len() != 22 {
                return Err(malformed());
            }
            (None, h.to_string())
        }
        Scheme::Sha1 | Scheme::Ssha => {
            let raw = base64::engine::general_purpose::STANDARD.decode(h.trim()).map_err(|_| malformed())?;
            let ok = if scheme == Scheme::Sha1 { raw.len() == 20 } else { raw.len() > 20 };
            if !ok {
                return Err(malformed());
            }
            (None, h.trim().to_string())
        }
        Scheme::Des | Scheme::Plain => (None, h.to_string()),
    };
    Ok(Hash { scheme, cost, text })
}

/// N·r·p·(t+1) of yescrypt's encoded parameters (`j9T`: flavor, log2 N, r,
/// then optional `have` bits with p, t, g), decoded as libxcrypt does.
fn yescrypt_work(params: &str) -> Option<u64> {
    let mut src = params.as_bytes();
    let flavor = decode64_uint32(&mut src, 0)?;
    if flavor > 0x3ff {
        return None;
    }
    let nlog2 = decode64_uint32(&mut src, 1)?;
    if !(1..=63).contains(&nlog2) {
        return None;
    }
    let r = decode64_uint32(&mut src, 1)?;
    let (mut p, mut t) = (1u64, 0u64);
    if !src.is_empty() {
        let have = decode64_uint32(&mut src, 1)?;
        if have & 1 != 0 {
            p = decode64_uint32(&mut src, 2)?;
        }
        if have & 2 != 0 {
            t = decode64_uint32(&mut src, 1)?;
        }
    }
    (1u64 << nlog2).checked_mul(r)?.checked_mul(p)?.checked_mul(t + 1).or(Some(u64::MAX))
}

fn atoi64(c: u8) -> Option<u64> {
    const ITOA64: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    ITOA64.iter().position(|&x| x == c).map(|p| p as u64)
}

/// libxcrypt's variable-length little-endian base-64 integer.
fn decode64_uint32(src: &mut &[u8], min: u64) -> Option<u64> {
    let (&first, rest) = src.split_first()?;
    *src = rest;
    let c = atoi64(first)?;
    let (mut start, mut end, mut chars, mut bits) = (0u64, 47u64, 1u32, 0u32);
    let mut dst = min;
    while c > end {
        dst += (end + 1 - start) << bits;
        start = end + 1;
        end = start + (62 - end) / 2;
        chars += 1;
        bits += 6;
    }
    dst += (c - start) << bits;
    while chars > 1 {
        chars -= 1;
        let (&b, rest) = src.split_first()?;
        *src = rest;
        bits -= 6;
        dst += atoi64(b)? << bits;
    }
    (dst <= u64::from(u32::MAX)).then_some(dst)
}

impl Hash {
    /// Refuse a hash whose cost is above the limits, before any work.
    pub fn check_cost(&self, limits: &Limits) -> Result<(), Unsupported> {
        let Some(cost) = self.cost else { return Ok(()) };
        let (limit, what, lim) = match self.scheme {
            Scheme::Sha512Crypt | Scheme::Sha256Crypt => {
                (limits.sha_rounds, format!("{cost} rounds"), format!("{} rounds", limits.sha_rounds))
            }
            Scheme::Bcrypt => (limits.bcrypt_cost, format!("cost {cost}"), format!("cost {}", limits.bcrypt_cost)),
            Scheme::Yescrypt => (
                limits.yescrypt_work,
                format!("N·r·p·(t+1) = {cost}"),
                format!("{} (Debian's default ×{})", limits.yescrypt_work, limits.yescrypt_work / YESCRYPT_DEBIAN_NRP),
            ),
            _ => return Ok(()),
        };
        if cost > limit {
            return Err(Unsupported::TooCostly { scheme: self.scheme, cost: what, limit: lim });
        }
        Ok(())
    }

    /// Can this hash be verified at all (scheme supported, cost within the
    /// limits)?
    pub fn verifiable(&self, limits: &Limits) -> Result<(), Unsupported> {
        if self.scheme == Scheme::Des {
            return Err(Unsupported::Scheme(Scheme::Des.name().into()));
        }
        self.check_cost(limits)
    }

    /// Is `candidate` the password? Call [`Hash::verifiable`] first: this
    /// does the work whatever the cost.
    pub fn matches(&self, candidate: &str) -> Result<bool, Unsupported> {
        use sha_crypt::PasswordVerifier as _;
        let pw = candidate.as_bytes();
        let malformed = || Unsupported::Malformed(self.scheme);
        match self.scheme {
            Scheme::Sha512Crypt | Scheme::Sha256Crypt => {
                let v = if self.scheme == Scheme::Sha512Crypt {
                    sha_crypt::ShaCrypt::SHA512
                } else {
                    sha_crypt::ShaCrypt::SHA256
                };
                match v.verify_password(pw, self.text.as_str()) {
                    Ok(()) => Ok(true),
                    Err(sha_crypt::password_hash::Error::PasswordInvalid) => Ok(false),
                    Err(_) => Err(malformed()),
                }
            }
            Scheme::Yescrypt => {
                let v = yescrypt::Yescrypt::default();
                match yescrypt::PasswordVerifier::<str>::verify_password(&v, pw, self.text.as_str()) {
                    Ok(()) => Ok(true),
                    Err(yescrypt::password_hash::Error::PasswordInvalid) => Ok(false),
                    Err(_) => Err(malformed()),
                }
            }
            // bcrypt uses at most 72 bytes of the password, as libxcrypt does.
            Scheme::Bcrypt => bcrypt::verify(pw, &self.text).map_err(|_| malformed()),
            Scheme::Md5Crypt | Scheme::Apr1 => {
                let magic = if self.scheme == Scheme::Apr1 { "$apr1$" } else { "$1$" };
                let rest = &self.text[magic.len()..];
                let (salt, _) = rest.split_once('$').ok_or_else(malformed)?;
                Ok(md5_crypt(pw, salt.as_bytes(), magic) == self.text)
            }
            Scheme::Sha1 => {
                let d = Sha1::digest(pw);
                Ok(base64::engine::general_purpose::STANDARD.encode(d) == self.text)
            }
            Scheme::Ssha => {
                let raw = base64::engine::general_purpose::STANDARD.decode(&self.text).map_err(|_| malformed())?;
                let (digest, salt) = raw.split_at(20);
                let mut h = Sha1::new();
                h.update(pw);
                h.update(salt);
                Ok(h.finalize().as_slice() == digest)
            }
            Scheme::Plain => Ok(candidate == self.text),
            Scheme::Des => Err(Unsupported::Scheme(Scheme::Des.name().into())),
        }
    }
}

/// Verify a crypt(3) hash (as in /etc/shadow) against a candidate, within
/// the default [`Limits`].
pub fn verify(hash: &str, candidate: &str) -> Result<bool, Unsupported> {
    let h = parse(hash)?;
    h.verifiable(&Limits::default())?;
    h.matches(candidate)
}

/// Poul-Henning Kamp's MD5-crypt (`$1$`), and Apache's `$apr1$` (the same
/// with another magic string). Returns the full hash string.
fn md5_crypt(pw: &[u8], salt: &[u8], magic: &str) -> String {
    let salt = &salt[..salt.len().min(8)];
    let mut alt = Md5::new();
    alt.update(pw);
    alt.update(salt);
    alt.update(pw);
    let alt = alt.finalize();
    let mut ctx = Md5::new();
    ctx.update(pw);
    ctx.update(magic.as_bytes());
    ctx.update(salt);
    let mut left = pw.len();
    while left > 0 {
        let n = left.min(16);
        ctx.update(&alt[..n]);
        left -= n;
    }
    let mut i = pw.len();
    while i > 0 {
        if i & 1 != 0 {
            ctx.update([0u8]);
        } else {
            ctx.update(&pw[..pw.len().min(1)]);
        }
        i >>= 1;
    }
    let mut fin = ctx.finalize();
    for i in 0..1000 {
        let mut c = Md5::new();
        if i & 1 != 0 {
            c.update(pw);
        } else {
            c.update(fin);
        }
        if i % 3 != 0 {
            c.update(salt);
        }
        if i % 7 != 0 {
            c.update(pw);
        }
        if i & 1 != 0 {
            c.update(fin);
        } else {
            c.update(pw);
        }
        fin = c.finalize();
    }
    const ITOA64: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(magic.len() + salt.len() + 23);
    out.push_str(magic);
    out.push_str(&String::from_utf8_lossy(salt));
    out.push('$');
    let mut to64 = |mut v: u32, n: usize| {
        for _ in 0..n {
            out.push(ITOA64[(v & 0x3f) as usize] as char);
            v >>= 6;
        }
    };
    let f = |i: usize| u32::from(fin[i]);
    for (a, b, c) in [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)] {
        to64((f(a) << 16) | (f(b) << 8) | f(c), 4);
    }
    to64(f(11), 2);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors made with libxcrypt (Python's crypt module) and `openssl passwd`.
    const YESCRYPT: &str = "$y$j9T$abcdefgh$79JhsKZwfY/UU2qrk3QcffpHl7EyEEJK0pA5pD1wu73";
    const SHA512: &str =
        "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/";
    const SHA256_ROUNDS: &str = "$5$rounds=1000$saltsalt$azOwbpkvuuBKkE82dQPwTsQE8JyT9Fflpr9aKid3aT9";
    const MD5: &str = "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/";
    const APR1: &str = "$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/";
    const BCRYPT: &str = "$2b$05$abcdefghijklmnopqrstuuWG29KuyeAicPCJODk1zjyGvyQUU2awu";

    #[test]
    fn verifies_every_scheme() {
        for h in [YESCRYPT, SHA512, SHA256_ROUNDS, MD5, BCRYPT] {
            assert_eq!(verify(h, "password"), Ok(true), "{h}");
            assert_eq!(verify(h, "Password"), Ok(false), "{h}");
        }
        let apr1 = parse_htpasswd(APR1).unwrap();
        assert_eq!(apr1.scheme, Scheme::Apr1);
        assert_eq!(apr1.matches("password"), Ok(true));
        assert_eq!(apr1.matches("passwore"), Ok(false));
        // Apache's documented examples for "myPassword" (password_encryptions.html).
        for h in [
            "{SHA}VBPuJHI7uixaa6LQGWx4s+5GKNE=",
            "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/",
            "$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC",
        ] {
            let p = parse_htpasswd(h).unwrap();
            assert_eq!(p.matches("myPassword"), Ok(true), "{h}");
            assert_eq!(p.matches("mypassword"), Ok(false), "{h}");
        }
        // {SHA}: `htpasswd -s`; password "password".
        let sha = parse_htpasswd("{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=").unwrap();
        assert_eq!(sha.matches("password"), Ok(true));
        assert_eq!(sha.matches("secret"), Ok(false));
        let plain = parse_htpasswd("secret").unwrap();
        assert_eq!(plain.scheme, Scheme::Plain);
        assert_eq!(plain.matches("secret"), Ok(true));
        assert_eq!(parse_htpasswd("{PLAIN}secret").unwrap().matches("secret"), Ok(true));
    }

    #[test]
    fn ssha_round_trip() {
        let mut h = Sha1::new();
        h.update(b"password");
        h.update(b"salt");
        let mut raw = h.finalize().to_vec();
        raw.extend_from_slice(b"salt");
        let field = format!("{{SSHA}}{}", base64::engine::general_purpose::STANDARD.encode(raw));
        let p = parse_htpasswd(&field).unwrap();
        assert_eq!(p.scheme, Scheme::Ssha);
        assert_eq!(p.matches("password"), Ok(true));
        assert_eq!(p.matches("salt"), Ok(false));
    }

    #[test]
    fn costs_are_read_before_any_work() {
        let l = Limits::default();
        let hostile = parse("$6$rounds=999999999$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/").unwrap();
        assert_eq!(hostile.cost, Some(999_999_999));
        let e = hostile.verifiable(&l).unwrap_err();
        assert!(e.to_string().contains("999999999 rounds, above the limit of 1000000 rounds"), "{e}");
        let b = parse("$2b$20$abcdefghijklmnopqrstuuWG29KuyeAicPCJODk1zjyGvyQUU2awu").unwrap();
        assert_eq!(b.cost, Some(20));
        assert!(matches!(b.verifiable(&l), Err(Unsupported::TooCostly { .. })));
        let y = parse(YESCRYPT).unwrap();
        assert_eq!(y.cost, Some(YESCRYPT_DEBIAN_NRP));
        assert!(y.verifiable(&l).is_ok());
        // j → N = 2^20 (log2 N is the second character): 256× Debian's.
        let big = parse("$y$jJT$abcdefgh$79JhsKZwfY/UU2qrk3QcffpHl7EyEEJK0pA5pD1wu73").unwrap();
        assert!(big.verifiable(&l).is_err());
        // Default rounds and glibc's clamping.
        assert_eq!(parse(SHA512).unwrap().cost, Some(5000));
        assert_eq!(parse("$5$rounds=10$s$h").unwrap().cost, Some(1000));
    }

    #[test]
    fn des_and_unknown_are_reported_not_verified() {
        let e = verify("abJnggxhB/yWI", "password").unwrap_err();
        assert!(e.to_string().starts_with("DES crypt hashes are not verified"));
        assert!(matches!(verify("$gy$j9T$a$b", "x"), Err(Unsupported::Scheme(_))));
        assert!(matches!(verify("$7$abc", "x"), Err(Unsupported::Scheme(_))));
    }

    #[test]
    fn garbage_never_panics() {
        for g in [
            "",
            "$",
            "$6$",
            "$6$rounds=$",
            "$6$rounds=abc$s$h",
            "$6$$",
            "$5$salt",
            "$y$",
            "$y$$$",
            "$y$~~~$a$b",
            "$y$j9T$!!$??",
            "$2b$",
            "$2b$xx$",
            "$2b$05$short",
            "$1$",
            "$1$s$",
            "$1$s$tooshort",
            "$2y$99$é",
            "$y$jzzzzzzzzzzzzz$a$b",
            "\u{0}\u{1}",
            "$apr1$",
            "{SHA}",
            "{SHA}***",
            "{SSHA}AAAA",
        ] {
            let _ = verify(g, "password");
            let _ = parse_htpasswd(g).map(|h| h.matches("password"));
        }
        // A malformed field is never taken for the password (no leak in errors).
        let e = verify("$6$rounds=abc$s$h", "pw").unwrap_err();
        assert!(!e.to_string().contains("abc"));
    }
}
