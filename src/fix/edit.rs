//! Format-aware line editing: find the line that sets a key, rewrite its
//! value in place (indentation, separator and line ending kept), or find
//! where a daemon reads a new line (sshd: above the first `Match`; INI:
//! inside the section).

use crate::checks::remediation::Format;

/// A setting line, split into its parts (byte ranges of the line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<'a> {
    pub indent: &'a str,
    pub key: &'a str,
    pub sep: &'a str,
    pub value: &'a str,
    /// What follows the value and is kept (nginx: `;` and anything after).
    pub suffix: &'a str,
}

/// Split a line (without its line ending) into a setting, or `None` for a
/// blank line, a comment, a section header or anything else.
pub fn parse(format: Format, line: &str) -> Option<Setting<'_>> {
    let body = line.trim_start();
    let indent = &line[..line.len() - body.len()];
    if body.is_empty() || body.starts_with('#') || body.starts_with('[') || (body.starts_with(';') && is_ini(format)) {
        return None;
    }
    let value_end = |rest: &str| rest.trim_end().len();
    match format {
        Format::Ini | Format::Systemd => {
            let eq = body.find('=')?;
            let key = body[..eq].trim_end();
            if key.is_empty() || key.contains(char::is_whitespace) {
                return None;
            }
            let after = &body[eq + 1..];
            let v = after.trim_start();
            let sep = &body[key.len()..eq + 1 + (after.len() - v.len())];
            let end = value_end(v);
            Some(Setting { indent, key, sep, value: &v[..end], suffix: &v[end..] })
        }
        Format::Sshd | Format::Equals | Format::Space | Format::Apache | Format::Nginx => {
            // sshd and postgresql.conf take `key value` as well as `key = value`.
            let eq_ok = matches!(format, Format::Sshd | Format::Equals);
            let key_end = body.find(|c: char| c.is_whitespace() || (c == '=' && eq_ok))?;
            let key = &body[..key_end];
            let after = &body[key_end..];
            let v = after.trim_start_matches(|c: char| c.is_whitespace() || (c == '=' && eq_ok));
            let sep = &after[..after.len() - v.len()];
            let end = match format {
                Format::Nginx => v.find(';').unwrap_or(value_end(v)),
                // A trailing comment stays (postgresql.conf: `on  # why`).
                Format::Equals => value_end(unquoted_comment(v).map_or(v, |at| &v[..at])),
                _ => value_end(v),
            };
            let value = v[..end].trim_end();
            Some(Setting { indent, key, sep, value, suffix: &v[value.len()..] })
        }
    }
}

/// Where a `#` comment starts after a value (outside single quotes, after a blank).
fn unquoted_comment(v: &str) -> Option<usize> {
    let mut quoted = false;
    let mut prev_blank = false;
    for (i, c) in v.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '#' if !quoted && prev_blank => return Some(i),
            _ => {}
        }
        prev_blank = c.is_whitespace();
    }
    None
}

fn is_ini(format: Format) -> bool {
    matches!(format, Format::Ini | Format::Systemd)
}

/// Whether a written key names `want` under the format's rules.
pub fn same_key(format: Format, written: &str, want: &str) -> bool {
    match format {
        Format::Systemd => written == want,
        Format::Ini => norm_mycnf(written) == norm_mycnf(want),
        Format::Sshd => sshd_canonical(written).eq_ignore_ascii_case(sshd_canonical(want)),
        // sysctl.d: `kernel/yama/ptrace_scope` is `kernel.yama.ptrace_scope`.
        Format::Equals => written.replace('/', ".").eq_ignore_ascii_case(&want.replace('/', ".")),
        _ => written.eq_ignore_ascii_case(want),
    }
}

/// sshd keywords that OpenSSH still reads under an older name.
fn sshd_canonical(k: &str) -> &str {
    const ALIASES: [(&str, &str); 3] = [
        ("challengeresponseauthentication", "KbdInteractiveAuthentication"),
        ("pubkeyacceptedkeytypes", "PubkeyAcceptedAlgorithms"),
        ("hostbasedacceptedkeytypes", "HostbasedAcceptedAlgorithms"),
    ];
    ALIASES.iter().find(|(old, _)| k.eq_ignore_ascii_case(old)).map_or(k, |(_, new)| new)
}

/// my.cnf: `-` and `_` are the same, `loose-` is dropped.
fn norm_mycnf(k: &str) -> String {
    let k = k.to_ascii_lowercase().replace('-', "_");
    k.strip_prefix("loose_").map(str::to_string).unwrap_or(k)
}

/// Whether a written value already is the wanted one.
pub fn same_value(format: Format, written: &str, want: &str) -> bool {
    let unquote = |s: &str| s.trim().trim_matches(|c| c == '\'' || c == '"').to_string();
    match format {
        Format::Sshd | Format::Equals | Format::Ini | Format::Apache => {
            unquote(written).eq_ignore_ascii_case(&unquote(want))
        }
        _ => unquote(written) == unquote(want),
    }
}

/// The line with its value replaced; `eol` is the line's own ending.
pub fn replace_value(s: &Setting<'_>, value: &str, eol: &str) -> String {
    format!("{}{}{}{}{}{}", s.indent, s.key, s.sep, value, s.suffix, eol)
}

/// A new line setting `key` to `value`, written as the format writes it.
pub fn new_line(format: Format, key: &str, value: &str, eol: &str) -> String {
    match format {
        Format::Sshd | Format::Space | Format::Apache => format!("{key} {value}{eol}"),
        Format::Equals | Format::Ini => format!("{key} = {value}{eol}"),
        Format::Systemd => format!("{key}={value}{eol}"),
        Format::Nginx => format!("{key} {value};{eol}"),
    }
}

/// Split text into lines that keep their endings.
pub fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// A line's content and its ending (`\r\n`, `\n` or nothing).
pub fn split_eol(line: &str) -> (&str, &str) {
    if let Some(s) = line.strip_suffix("\r\n") {
        (s, "\r\n")
    } else if let Some(s) = line.strip_suffix('\n') {
        (s, "\n")
    } else {
        (line, "")
    }
}

/// The line ending the file uses (CRLF when its first line has one).
pub fn file_eol(lines: &[&str]) -> &'static str {
    match lines.first() {
        Some(l) if l.ends_with("\r\n") => "\r\n",
        _ => "\n",
    }
}

/// The section each line is in (`None` above the first header).
pub fn sections(lines: &[&str]) -> Vec<Option<String>> {
    let mut cur = None;
    lines
        .iter()
        .map(|l| {
            let t = split_eol(l).0.trim();
            if t.starts_with('[') {
                if let Some(end) = t.find(']') {
                    cur = Some(t[1..end].trim().to_string());
                }
            }
            cur.clone()
        })
        .collect()
}

/// sshd: index of the first `Match` line (global settings go above it).
pub fn first_match(lines: &[&str]) -> Option<usize> {
    lines.iter().position(|l| {
        let t = split_eol(l).0.trim_start();
        t.len() >= 5 && t[..5].eq_ignore_ascii_case("match") && t[5..].starts_with(|c: char| c.is_whitespace())
    })
}

/// Where the daemon reads the key: the effective line in this file, if any
/// (sshd: the first one above `Match`; others: the last one, in `section`).
pub fn effective(format: Format, lines: &[&str], key: &str, section: Option<&str>) -> Option<usize> {
    let secs = sections(lines);
    let in_section = |i: usize| match (section, &secs[i]) {
        (None, _) => true,
        (Some(want), Some(s)) => match format {
            Format::Ini => s.eq_ignore_ascii_case(want),
            _ => s == want,
        },
        (Some(_), None) => false,
    };
    let hits = lines
        .iter()
        .enumerate()
        .filter(|(i, l)| in_section(*i) && parse(format, split_eol(l).0).is_some_and(|s| same_key(format, s.key, key)));
    match format {
        Format::Sshd => {
            let limit = first_match(lines).unwrap_or(lines.len());
            hits.map(|(i, _)| i).find(|i| *i < limit)
        }
        _ => hits.map(|(i, _)| i).next_back(),
    }
}

/// Where a new line goes, and whether a section header must be written
/// first: `(index to insert before, header)`.
pub fn insert_at(format: Format, lines: &[&str], section: Option<&str>) -> (usize, Option<String>) {
    match (format, section) {
        (Format::Sshd, _) => (first_match(lines).unwrap_or(lines.len()), None),
        (Format::Ini | Format::Systemd, Some(want)) => {
            let secs = sections(lines);
            let matches = |s: &Option<String>| {
                s.as_deref()
                    .is_some_and(|s| if format == Format::Ini { s.eq_ignore_ascii_case(want) } else { s == want })
            };
            match secs.iter().rposition(matches) {
                Some(last) => {
                    // After the section's last non-blank line.
                    let mut at = last + 1;
                    while at > 0 && split_eol(lines[at - 1]).0.trim().is_empty() && matches(&secs[at - 1]) {
                        at -= 1;
                    }
                    (at, None)
                }
                None => (lines.len(), Some(format!("[{want}]"))),
            }
        }
        _ => (lines.len(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_replaces_in_place() {
        let s = parse(Format::Sshd, "  PermitRootLogin   yes  ").unwrap();
        assert_eq!((s.indent, s.key, s.value), ("  ", "PermitRootLogin", "yes"));
        assert_eq!(replace_value(&s, "no", "\r\n"), "  PermitRootLogin   no  \r\n");
        let s = parse(Format::Sshd, "MaxAuthTries=6").unwrap();
        assert_eq!(replace_value(&s, "4", "\n"), "MaxAuthTries=4\n");
        let s = parse(Format::Nginx, "    ssl_protocols TLSv1 TLSv1.2; # old").unwrap();
        assert_eq!(replace_value(&s, "TLSv1.2 TLSv1.3", ""), "    ssl_protocols TLSv1.2 TLSv1.3; # old");
        let s = parse(Format::Equals, "log_connections=off").unwrap();
        assert_eq!(replace_value(&s, "on", ""), "log_connections=on");
        let s = parse(Format::Equals, "log_connections off\t# quiet").unwrap();
        assert_eq!(replace_value(&s, "on", ""), "log_connections on\t# quiet");
        let s = parse(Format::Equals, "a = 'x # y' # z").unwrap();
        assert_eq!(s.value, "'x # y'");
        assert!(parse(Format::Sshd, "# PermitRootLogin yes").is_none());
        assert!(parse(Format::Ini, "[mysqld]").is_none());
    }

    #[test]
    fn sshd_first_value_above_match() {
        let l = lines("Port 22\nMatch User x\n  PermitRootLogin yes\n");
        assert_eq!(effective(Format::Sshd, &l, "permitrootlogin", None), None);
        assert_eq!(insert_at(Format::Sshd, &l, None), (1, None));
        let l = lines("PermitRootLogin no\nPermitRootLogin yes\n");
        assert_eq!(effective(Format::Sshd, &l, "PermitRootLogin", None), Some(0));
    }

    #[test]
    fn ini_sections() {
        let l = lines("[client]\nport=1\n\n[mysqld]\nuser = mysql\n\n[other]\n");
        assert_eq!(insert_at(Format::Ini, &l, Some("mysqld")), (5, None));
        assert_eq!(effective(Format::Ini, &l, "user", Some("mysqld")), Some(4));
        assert_eq!(insert_at(Format::Ini, &l, Some("x")), (7, Some("[x]".into())));
        assert!(same_key(Format::Ini, "local-infile", "local_infile"));
        assert!(same_key(Format::Sshd, "ChallengeResponseAuthentication", "kbdinteractiveauthentication"));
        assert!(same_key(Format::Equals, "kernel/yama/ptrace_scope", "kernel.yama.ptrace_scope"));
    }
}
