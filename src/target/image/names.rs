//! Member names as a tar stores them, cleaned into path components — or
//! refused with the reason (absolute, climbing with `..`, not UTF-8).

/// Longest member name accepted (Linux's PATH_MAX).
pub(crate) const MAX_NAME: usize = 4096;

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Cleaned {
    /// Components below the root (`./` alone is the root: no components).
    Path(Vec<String>),
    Refused(&'static str),
}

/// Clean a member name: `.` and empty components dropped; `..`, a leading
/// `/`, a NUL or bytes that are not UTF-8 refuse it.
pub(crate) fn clean(raw: &[u8]) -> Cleaned {
    if raw.len() > MAX_NAME {
        return Cleaned::Refused("name longer than 4096 bytes");
    }
    let Ok(name) = std::str::from_utf8(raw) else {
        return Cleaned::Refused("name is not UTF-8");
    };
    if name.contains('\0') {
        return Cleaned::Refused("name contains a NUL byte");
    }
    if name.starts_with('/') {
        return Cleaned::Refused("absolute name");
    }
    let mut comps = Vec::new();
    for c in name.split('/') {
        match c {
            "" | "." => {}
            ".." => return Cleaned::Refused("name climbs out of the image (`..`)"),
            c => comps.push(c.to_string()),
        }
    }
    Cleaned::Path(comps)
}

/// A raw name as reports may show it: lossy UTF-8, control characters
/// escaped, at most 200 characters.
pub(crate) fn shown(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::new();
    for (i, ch) in text.chars().enumerate() {
        if i == 200 {
            out.push('…');
            break;
        }
        if ch.is_control() {
            out.extend(ch.escape_default());
        } else {
            out.push(ch);
        }
    }
    out
}

/// Whether a symlink at `parent` (components below the root) pointing to
/// `link` climbs above the image root when read lexically. Absolute links
/// start at the image root.
pub(crate) fn link_climbs_out(parent_depth: usize, link: &str) -> bool {
    let mut depth = if link.starts_with('/') { 0 } else { parent_depth };
    for c in link.split('/') {
        match c {
            "" | "." => {}
            ".." if depth == 0 => return true,
            ".." => depth -= 1,
            _ => depth += 1,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_or_refused() {
        assert_eq!(
            clean(b"./etc//ssh/./sshd_config"),
            Cleaned::Path(vec!["etc".into(), "ssh".into(), "sshd_config".into()])
        );
        assert_eq!(clean(b"./"), Cleaned::Path(vec![]));
        assert!(matches!(clean(b"/etc/passwd"), Cleaned::Refused("absolute name")));
        assert!(matches!(clean(b"etc/../../x"), Cleaned::Refused(_)));
        assert!(matches!(clean(b"etc/\xff"), Cleaned::Refused("name is not UTF-8")));
        assert!(matches!(clean(&[b'a'; 5000]), Cleaned::Refused(_)));
    }

    #[test]
    fn shown_names_escape_control_characters() {
        assert_eq!(shown(b"a\nb\x1b[31m"), "a\\nb\\u{1b}[31m");
    }

    #[test]
    fn climbing_links_are_detected_lexically() {
        assert!(!link_climbs_out(2, "../../x"));
        assert!(link_climbs_out(2, "../../../x"));
        assert!(!link_climbs_out(0, "/usr/lib/x"));
        assert!(link_climbs_out(3, "/../etc"));
        assert!(!link_climbs_out(1, "a/../../b"));
        assert!(link_climbs_out(1, "a/../../../b"));
    }
}
