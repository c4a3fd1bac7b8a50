//! Plain-text helpers for terminal output: neutralising text that comes
//! from the target, display width, and word wrapping that never breaks a
//! token (an id, a path) in the middle.

use std::borrow::Cow;
use unicode_width::UnicodeWidthStr;

/// Characters a terminal must never receive raw from a scanned file:
/// control characters (C0 including tab and newline, DEL, C1: escape
/// sequences, cursor movement, bells) and the Unicode bidirectional
/// controls that reorder what is displayed ("Trojan Source").
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Text from the target made safe for a terminal: every character of
/// [`unsafe_char`] is shown escaped (`\t`, `\n`, `\r`, `\x1b`,
/// `\u{202e}`), everything else is kept.
pub fn neutralize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if unsafe_char(c) && (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Prose (a title, a message, a fix): line breaks read as spaces, the
/// rest as [`neutralize`].
pub fn prose(s: &str) -> String {
    let joined: String = s.split(['\n', '\r']).filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join(" ");
    neutralize(joined.trim()).into_owned()
}

/// Columns a string takes on a terminal (wide characters count two).
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Wrap `text` at spaces to lines of at most `width` columns: the first
/// line starts with `first`, the others with `rest` (both counted). A
/// token wider than the room it has gets a line of its own and is never
/// broken (a path or id stays whole, and copyable).
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    wrap_atoms(text.split(' ').filter(|w| !w.is_empty()), width, first, rest)
}

/// As [`wrap`], over given atoms: an atom may hold spaces (a path with a
/// space in it) and is never split, unless it is wider than a whole line:
/// then it is cut after its list separators (see [`soft_pieces`]).
pub fn wrap_atoms<'a>(atoms: impl IntoIterator<Item = &'a str>, max: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut empty = true;
    let room = max.saturating_sub(width(rest)).max(1);
    for atom in atoms {
        for (k, piece) in soft_pieces(atom, room).into_iter().enumerate() {
            let w = width(piece);
            // A continuation piece always starts a line of its own.
            if !empty && (k > 0 || width(&line) + 1 + w > max) {
                let done = std::mem::replace(&mut line, rest.to_string());
                lines.push(done.trim_end().to_string());
                empty = true;
            }
            if !empty {
                line.push(' ');
            }
            line.push_str(piece);
            empty = false;
        }
    }
    if !empty || lines.is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Rows of cells, neutralised, in aligned columns indented by two spaces
/// (wrapped with a hanging indent, never splitting a cell, when a row does
/// not fit `max` columns): the scan table's rows and the fleet tables.
pub fn aligned(rows: Vec<Vec<String>>, max: usize) -> Vec<String> {
    let rows: Vec<Vec<String>> =
        rows.into_iter().map(|r| r.iter().map(|c| neutralize(c).into_owned()).collect()).collect();
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> =
        (0..cols).map(|i| rows.iter().filter_map(|r| r.get(i)).map(|c| width(c)).max().unwrap_or(0)).collect();
    let mut lines = Vec::new();
    for row in rows {
        let last = row.len().saturating_sub(1);
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, c)| match i == last {
                true => c.clone(),
                false => format!("{c}{}", " ".repeat(widths[i] - width(c))),
            })
            .collect();
        lines.extend(wrap_atoms(cells.iter().map(String::as_str), max, "  ", "      "));
    }
    lines
}

/// An atom cut into pieces of at most `room` columns after its list
/// separators — `,` and `;`, `:` (not in a path), and the escapes `\t`
/// and `\n` that stand for a tab or line break (a cipher list, a PAM or
/// inetd line); the atom itself when it fits, or when it has no such
/// separator (a long path stays whole).
pub fn soft_pieces(atom: &str, room: usize) -> Vec<&str> {
    if width(atom) <= room {
        return vec![atom];
    }
    let path = atom.starts_with('/');
    let mut cuts = Vec::new();
    let bytes = atom.as_bytes();
    for (i, c) in atom.char_indices() {
        let end = i + c.len_utf8();
        let sep = matches!(c, ',' | ';') || (c == ':' && !path);
        let escape = (c == 't' || c == 'n') && i > 0 && bytes[i - 1] == b'\\' && (i < 2 || bytes[i - 2] != b'\\');
        if (sep || escape) && end < atom.len() {
            cuts.push(end);
        }
    }
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut last_fit = None;
    for &cut in &cuts {
        if width(&atom[start..cut]) <= room {
            last_fit = Some(cut);
        } else {
            let end = last_fit.unwrap_or(cut);
            pieces.push(&atom[start..end]);
            start = end;
            last_fit = (width(&atom[start..cut]) <= room && cut > start).then_some(cut);
        }
    }
    if let Some(end) = last_fit.filter(|_| width(&atom[start..]) > room) {
        pieces.push(&atom[start..end]);
        start = end;
    }
    pieces.push(&atom[start..]);
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralize_escapes_control_and_bidi() {
        assert_eq!(neutralize("plain é 𝄞"), "plain é 𝄞");
        assert!(matches!(neutralize("plain"), Cow::Borrowed(_)));
        assert_eq!(neutralize("a\u{1b}[31mred"), "a\\x1b[31mred");
        assert_eq!(neutralize("auth\trequired\r\n"), "auth\\trequired\\r\\n");
        assert_eq!(neutralize("\u{7f}\u{9b}\u{0}"), "\\x7f\\u{9b}\\x00");
        assert_eq!(neutralize("x\u{202e}gpj.exe"), "x\\u{202e}gpj.exe");
        assert_eq!(prose("line one\n  line two\r\n"), "line one   line two");
    }

    #[test]
    fn wrap_keeps_tokens_whole() {
        let lines =
            wrap("Set `PermitRootLogin no` at /etc/ssh/sshd_config.d/50-cloud-init.conf now", 30, "fix: ", "     ");
        assert_eq!(
            lines,
            ["fix: Set `PermitRootLogin no`", "     at", "     /etc/ssh/sshd_config.d/50-cloud-init.conf", "     now"]
        );
        assert_eq!(wrap("", 10, "> ", ""), [">"]);
        assert_eq!(wrap("ab cd", 80, "", ""), ["ab cd"]);
        // Wide characters count two columns.
        assert_eq!(wrap("日本 語", 5, "", ""), ["日本", "語"]);
        assert_eq!(wrap_atoms(["/etc/my file.conf:3", "x"], 10, "", "  "), ["/etc/my file.conf:3", "  x"]);
    }

    #[test]
    fn oversized_atoms_are_cut_after_separators_only() {
        assert_eq!(soft_pieces("a,b", 10), ["a,b"]);
        assert_eq!(soft_pieces("aes256-ctr,aes192-ctr,aes128-ctr", 22), ["aes256-ctr,aes192-ctr,", "aes128-ctr"]);
        assert_eq!(soft_pieces("A:B:C", 2), ["A:", "B:", "C"]);
        assert_eq!(soft_pieces("telnet\\t\\tstream\\ttcp", 10), ["telnet\\t\\t", "stream\\t", "tcp"]);
        // A path is never cut at `:` or `/`.
        assert_eq!(soft_pieces("/very/long/path/name.conf:12", 5), ["/very/long/path/name.conf:12"]);
        assert_eq!(soft_pieces("nocommas-at-all", 3), ["nocommas-at-all"]);
        let lines = wrap("x umac-64-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com y", 30, "", "  ");
        assert_eq!(lines, ["x umac-64-etm@openssh.com,", "  hmac-sha1-etm@openssh.com,", "  umac-64@openssh.com y"]);
    }
}
