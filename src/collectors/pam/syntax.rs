//! The syntax of a PAM configuration file, as libpam reads it: logical
//! lines (`\\` continuations, `#` comments), tokens (`[...]` arguments),
//! rules (`type control module args`, Debian's `@include`).

/// A logical line: comments removed, continuations joined.
#[derive(Debug, Clone, PartialEq)]
pub struct Logical {
    pub line: usize,
    pub text: String,
}

/// Join continued lines and strip comments, as `_pam_line_assemble` does.
pub fn assemble(text: &str) -> Vec<Logical> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let raw = raw.trim_end_matches('\r');
        let body = match raw.find('#') {
            Some(p) => &raw[..p],
            None => raw,
        };
        let trimmed = body.trim_end();
        let (piece, cont) = match trimmed.strip_suffix('\\') {
            Some(p) => (p, true),
            None => (body, false),
        };
        let entry = cur.get_or_insert_with(|| (i + 1, String::new()));
        entry.1.push_str(piece);
        if cont {
            entry.1.push(' ');
            continue;
        }
        if let Some((line, text)) = cur.take() {
            if !text.trim().is_empty() {
                out.push(Logical { line, text: text.trim().to_string() });
            }
        }
    }
    if let Some((line, text)) = cur.take() {
        if !text.trim().is_empty() {
            out.push(Logical { line, text: text.trim().to_string() });
        }
    }
    out
}

/// One token: as written, and with `[...]` brackets resolved (`\]` → `]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub raw: String,
    pub cooked: String,
}

/// Split on blanks outside brackets.
pub fn tokenize(s: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let (mut raw, mut cooked) = (String::new(), String::new());
        let mut bracket = false;
        while let Some(&c) = chars.peek() {
            if !bracket && c.is_whitespace() {
                break;
            }
            chars.next();
            raw.push(c);
            if bracket {
                if c == '\\' && chars.peek() == Some(&']') {
                    chars.next();
                    raw.push(']');
                    cooked.push(']');
                } else if c == ']' {
                    bracket = false;
                } else {
                    cooked.push(c);
                }
            } else if c == '[' {
                bracket = true;
            } else {
                cooked.push(c);
            }
        }
        out.push(Token { raw, cooked });
    }
    out
}

/// A parsed rule line.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// Debian's `@include FILE`.
    AtInclude(String),
    Entry {
        /// Lower-case type as written (validity checked by the caller).
        kind: String,
        optional_load: bool,
        /// Lower-case control (brackets kept, inner blanks normalised).
        control: String,
        module: Option<String>,
        args: Vec<String>,
    },
    Empty,
}

pub fn parse_rule(text: &str) -> Rule {
    let toks = tokenize(text);
    let Some(first) = toks.first() else { return Rule::Empty };
    if first.raw == "@include" {
        return match toks.get(1) {
            Some(t) => Rule::AtInclude(t.cooked.clone()),
            None => Rule::Empty,
        };
    }
    let (optional_load, kind) = match first.raw.strip_prefix('-') {
        Some(k) => (true, k.to_ascii_lowercase()),
        None => (false, first.raw.to_ascii_lowercase()),
    };
    let control = toks
        .get(1)
        .map(|t| t.raw.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase())
        .unwrap_or_default();
    let module = toks.get(2).map(|t| t.cooked.clone());
    let args = toks.iter().skip(3).map(|t| t.cooked.clone()).collect();
    Rule::Entry { kind, optional_load, control, module, args }
}

pub(super) fn basename(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}
