//! When and where a scan ran: the facts every report format states (the
//! scan time, the host or image, the user the scan ran as, and whether it
//! ran as root), so that a report is evidence an auditor can date.
//!
//! Everything here reads the machine hardcheck runs on (`/proc`, the
//! host's `/etc/passwd`), except [`target_host`], which reads the target's
//! own `/etc/hostname` through the target layer.

use super::ScanInfo;
use crate::target::{Target, TargetKind};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The start of a scan, for [`ScanInfo`].
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    epoch_secs: u64,
    started: Instant,
    /// Set by `SOURCE_DATE_EPOCH`: the report is reproducible (fixed time,
    /// duration 0).
    fixed: bool,
}

impl Clock {
    /// Now, or the time in `SOURCE_DATE_EPOCH` (the reproducible-builds
    /// convention: seconds since 1970 UTC) when it is set and valid.
    pub fn start() -> Clock {
        let fixed = source_date_epoch(std::env::var("SOURCE_DATE_EPOCH").ok().as_deref());
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs();
        Clock { epoch_secs: fixed.unwrap_or(now), started: Instant::now(), fixed: fixed.is_some() }
    }

    /// The scan facts once it has finished, as the current user.
    pub fn finish(&self) -> ScanInfo {
        let (user, uid) = current_user();
        ScanInfo {
            started_at: rfc3339(self.epoch_secs),
            duration_ms: if self.fixed { 0 } else { self.started.elapsed().as_millis().try_into().unwrap_or(u64::MAX) },
            user,
            uid,
            as_root: uid == 0,
        }
    }
}

/// A `SOURCE_DATE_EPOCH` value: decimal seconds, nothing else.
pub fn source_date_epoch(value: Option<&str>) -> Option<u64> {
    let v = value?.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

/// Seconds since 1970 as RFC 3339 UTC (`2026-11-01T09:30:00Z`).
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// `2026-11-01T09:30:00Z` as `2026-11-01 09:30 UTC` for people.
pub fn human_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(date), Some(time)) if rfc3339.ends_with('Z') => format!("{date} {time} UTC"),
        _ => rfc3339.to_string(),
    }
}

/// Seconds since 1970 of `YYYY-MM-DDTHH:MM:SSZ` (the form [`rfc3339`] writes).
pub fn parse_rfc3339(s: &str) -> Option<u64> {
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if s.len() != 20 || !s.ends_with('Z') || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    u64::try_from(days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss).ok()
}

/// Howard Hinnant's `days_from_civil`: a proleptic Gregorian date to days
/// since 1970-01-01.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to a
/// proleptic Gregorian date.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The effective user hardcheck runs as: name and uid. The uid comes from
/// `/proc/self/status`; the name from the machine's `/etc/passwd`, else
/// `$USER`, else `uid N`.
pub fn current_user() -> (String, u32) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = effective_uid(&status).unwrap_or(u32::MAX);
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let name = user_name(&passwd, uid)
        .or_else(|| std::env::var("USER").ok().filter(|u| valid_name(u)))
        .unwrap_or_else(|| format!("uid {uid}"));
    (name, uid)
}

/// The effective uid from a `/proc/PID/status` text (`Uid: real effective saved fs`).
pub fn effective_uid(status: &str) -> Option<u32> {
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// The name of `uid` in a passwd text (first entry wins).
pub fn user_name(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let id: u32 = f.nth(1)?.parse().ok()?;
        (id == uid && valid_name(name)).then(|| name.to_string())
    })
}

fn valid_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-$@".contains(&b))
}

/// A hostname as written in `/etc/hostname` or the kernel's: one line of
/// letters, digits, `-`, `_` and `.`, at most 253 characters. Anything
/// else is not a hostname (and is never shown).
pub fn valid_hostname(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let ok = line.len() <= 253 && line.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    ok.then(|| line.to_string())
}

/// The hostname of the machine hardcheck runs on.
pub fn local_hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok().and_then(|t| valid_hostname(&t)))
        .unwrap_or_else(|| "localhost".into())
}

/// `target.host`: what a reader calls the scanned system.
pub fn target_host(target: &dyn Target) -> String {
    match target.kind() {
        TargetKind::Host => local_hostname(),
        // The root's own name when it has one (read through the target
        // layer, inside the root), else the directory scanned.
        TargetKind::Root => target
            .read_text("/etc/hostname")
            .ok()
            .and_then(|f| valid_hostname(&f.text))
            .unwrap_or_else(|| target.display_path()),
        // The image target names itself (its tag or file name) here.
        TargetKind::Image => target.display_path(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
        assert_eq!(human_time("2023-11-14T22:13:20Z"), "2023-11-14 22:13 UTC");
        for t in [0, 951_782_400, 1_700_000_000, 4_102_444_799, 86_399, 5_097_600] {
            assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t), "{t}");
        }
        assert_eq!(parse_rfc3339("2023-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2023-11-14 22:13:20"), None);
    }

    #[test]
    fn source_date_epoch_is_digits_only() {
        assert_eq!(source_date_epoch(Some("1700000000")), Some(1_700_000_000));
        assert_eq!(source_date_epoch(Some(" 5\n")), Some(5));
        for bad in ["", "-1", "1e9", "abc", "99999999999999999999999"] {
            assert_eq!(source_date_epoch(Some(bad)), None, "{bad}");
        }
        assert_eq!(source_date_epoch(None), None);
    }

    #[test]
    fn users_and_hostnames() {
        assert_eq!(effective_uid("Name:\tx\nUid:\t1000\t0\t0\t0\n"), Some(0));
        assert_eq!(effective_uid("Name:\tx\n"), None);
        let passwd = "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nbad\n";
        assert_eq!(user_name(passwd, 1000).as_deref(), Some("alice"));
        assert_eq!(user_name(passwd, 7), None);
        assert_eq!(valid_hostname("# c\n web-1.example \n").as_deref(), Some("web-1.example"));
        assert_eq!(valid_hostname("evil\u{1b}[31m\n"), None);
        assert_eq!(valid_hostname(&"a".repeat(254)), None);
        assert_eq!(valid_hostname("\n\n"), None);
    }
}
