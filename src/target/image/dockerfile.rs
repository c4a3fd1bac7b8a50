//! A Dockerfile parser that reads the file the way BuildKit does, for
//! Dockerfile checks: parser directives at the top (`# escape=`,
//! `# syntax=`, `# check=`), full-line comments dropped (also between
//! continuation lines), lines joined at a trailing escape character, here
//! documents for `RUN`, `COPY` and `ADD` (`<<EOF`, `<<-EOF` without leading
//! tabs, `<<"EOF"` without expansion), leading `--flags`, and exec (JSON)
//! or shell form arguments. Every instruction keeps the lines it spans.
//! Pure: it reads a string, never a file.

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// The escape character (`\` unless `# escape=` says `` ` ``).
    pub escape: char,
    pub directives: Vec<Directive>,
    pub instructions: Vec<Instruction>,
}

/// A parser directive (`# name=value` before anything else).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Lower-case name: `escape`, `syntax` or `check`.
    pub name: String,
    pub value: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-case keyword as written (`RUN`, `FROM`…; unknown ones too).
    pub keyword: String,
    /// First line (1-based).
    pub line: usize,
    /// Last line, continuation lines and here-document bodies included.
    pub end_line: usize,
    /// Leading `--name[=value]` flags (`--from=build`, `--chown=app`, `--mount=…`).
    pub flags: Vec<Flag>,
    pub args: Args,
    pub heredocs: Vec<Heredoc>,
    /// The logical line: continuation lines joined, comments dropped.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
}

/// Arguments after the flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Args {
    /// `["executable", "arg"]` (RUN, CMD, ENTRYPOINT, SHELL, ADD, COPY, VOLUME).
    Exec(Vec<String>),
    /// Everything else, as written (trimmed).
    Shell(String),
}

/// A here-document attached to an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word, quotes removed.
    pub name: String,
    /// The body, each line with its newline (leading tabs removed for `<<-`).
    pub body: String,
    /// Line of the body's first line.
    pub line: usize,
    /// `<<-`: leading tabs stripped from the body and the delimiter line.
    pub chomp: bool,
    /// Unquoted delimiter: variables in the body are expanded.
    pub expand: bool,
    /// `3<<EOF`: the file descriptor it feeds.
    pub fd: Option<u32>,
}

/// Why a Dockerfile cannot be parsed (as BuildKit would refuse it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

/// Instructions whose arguments may be a JSON array.
const EXEC_FORM: &[&str] = &["RUN", "CMD", "ENTRYPOINT", "SHELL", "ADD", "COPY", "VOLUME"];
/// Instructions that may carry here-documents.
const HEREDOC: &[&str] = &["RUN", "COPY", "ADD"];

/// Parse a Dockerfile.
pub fn parse(text: &str) -> Result<Dockerfile, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut file = Dockerfile { escape: '\\', directives: Vec::new(), instructions: Vec::new() };
    let mut directives_done = false;
    let mut i = 0;
    while i < lines.len() {
        let start = i + 1;
        let first = lines[i].trim_end_matches(['\n', '\r']).trim_start();
        i += 1;
        if !directives_done {
            match directive(first) {
                Some((name, value)) => {
                    if file.directives.iter().any(|d| d.name == name) {
                        return Err(ParseError {
                            line: start,
                            message: format!("only one {name} parser directive can be used"),
                        });
                    }
                    if name == "escape" {
                        file.escape = match value.as_str() {
                            "\\" => '\\',
                            "`" => '`',
                            v => {
                                return Err(ParseError {
                                    line: start,
                                    message: format!("invalid escape token '{v}' does not match ` or \\"),
                                })
                            }
                        };
                    }
                    file.directives.push(Directive { name, value, line: start });
                    continue;
                }
                None => directives_done = true,
            }
        }
        if first.is_empty() || first.starts_with('#') {
            continue;
        }
        let (mut logical, mut more) = continued(first, file.escape);
        while more && i < lines.len() {
            let raw = lines[i].trim_end_matches(['\n', '\r']);
            i += 1;
            let trimmed = raw.trim_start();
            if trimmed.starts_with('#') || trimmed.is_empty() {
                continue;
            }
            let (part, again) = continued(raw, file.escape);
            logical.push_str(&part);
            more = again;
        }
        let mut ins = instruction(&logical, start, i);
        if HEREDOC.contains(&ins.keyword.as_str()) && matches!(ins.args, Args::Shell(_)) {
            i = heredoc_bodies(&mut ins, &lines, i)?;
        }
        file.instructions.push(ins);
    }
    if file.instructions.is_empty() {
        return Err(ParseError { line: lines.len().max(1), message: "file with no instructions".into() });
    }
    Ok(file)
}

/// `# name=value` with a known directive name.
fn directive(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix('#')?;
    let (name, value) = rest.split_once('=')?;
    let name = name.trim();
    let ok =
        name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && name.chars().all(|c| c.is_ascii_alphanumeric());
    let name = name.to_ascii_lowercase();
    let value = value.trim();
    (ok && !value.is_empty() && matches!(name.as_str(), "escape" | "syntax" | "check"))
        .then(|| (name, value.to_string()))
}

/// A line without its trailing escape character, and whether it continues:
/// the escape character (then only blanks) ends it, unless it is itself
/// escaped.
fn continued(line: &str, escape: char) -> (String, bool) {
    let body = line.trim_end_matches([' ', '\t']);
    if let Some(before) = body.strip_suffix(escape) {
        if !before.ends_with(escape) {
            return (before.to_string(), true);
        }
    }
    (line.to_string(), false)
}

fn instruction(logical: &str, line: usize, end_line: usize) -> Instruction {
    let trimmed = logical.trim();
    let (keyword, rest) = match trimmed.split_once(char::is_whitespace) {
        Some((k, r)) => (k, r.trim_start()),
        None => (trimmed, ""),
    };
    let keyword = keyword.to_ascii_uppercase();
    let (flags, rest) = flags(rest);
    let args = match EXEC_FORM.contains(&keyword.as_str()) && rest.starts_with('[') {
        true => match serde_json::from_str::<Vec<String>>(rest) {
            Ok(list) => Args::Exec(list),
            Err(_) => Args::Shell(rest.to_string()),
        },
        false => Args::Shell(rest.to_string()),
    };
    Instruction { keyword, line, end_line, flags, args, heredocs: Vec::new(), text: trimmed.to_string() }
}

/// Leading `--name[=value]` words (quotes in values removed), and the rest.
fn flags(mut rest: &str) -> (Vec<Flag>, &str) {
    let mut out = Vec::new();
    while let Some(after) = rest.strip_prefix("--") {
        let (word, tail) = first_word(after);
        if word.is_empty() {
            // A lone `--` ends the flags.
            return (out, tail.trim_start());
        }
        let flag = match word.split_once('=') {
            Some((n, v)) => Flag { name: n.to_string(), value: Some(v.to_string()) },
            None => Flag { name: word, value: None },
        };
        out.push(flag);
        rest = tail.trim_start();
    }
    (out, rest.trim_end())
}

/// One shell-like word (quotes removed, `\` escapes the next character) and
/// what follows it.
fn first_word(s: &str) -> (String, &str) {
    let mut word = String::new();
    let mut quote = None;
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (None, c) if c.is_whitespace() => return (word, &s[i..]),
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (_, '\\') => {
                if let Some((_, n)) = chars.next() {
                    word.push(n);
                }
            }
            (_, c) => word.push(c),
        }
    }
    (word, "")
}

/// Here-document markers in shell-form arguments: `[N]<<[-]WORD`.
fn heredoc_markers(args: &str) -> Vec<Heredoc> {
    let mut out = Vec::new();
    let mut rest = args.trim_start();
    while !rest.is_empty() {
        let raw_end = raw_word_end(rest);
        let raw = &rest[..raw_end];
        rest = rest[raw_end..].trim_start();
        let digits = raw.chars().take_while(char::is_ascii_digit).count();
        let Some(after) = raw[digits..].strip_prefix("<<") else { continue };
        let (chomp, word) = match after.strip_prefix('-') {
            Some(w) => (true, w),
            None => (false, after),
        };
        if word.is_empty() || word.contains('<') {
            continue;
        }
        let (name, _) = first_word(word);
        if name.is_empty() {
            continue;
        }
        out.push(Heredoc {
            name,
            body: String::new(),
            line: 0,
            chomp,
            expand: !word.contains(['\'', '"']),
            fd: raw[..digits].parse().ok(),
        });
    }
    out
}

/// Where the first raw word (quotes kept) of `s` ends.
fn raw_word_end(s: &str) -> usize {
    let mut quote = None;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            _ if escaped => escaped = false,
            (_, '\\') => escaped = true,
            (None, c) if c.is_whitespace() => return i,
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
    }
    s.len()
}

/// Read the bodies of an instruction's here-documents from line index `i`;
/// returns the index after the last delimiter line.
fn heredoc_bodies(ins: &mut Instruction, lines: &[&str], mut i: usize) -> Result<usize, ParseError> {
    let Args::Shell(args) = &ins.args else { return Ok(i) };
    for mut doc in heredoc_markers(args) {
        doc.line = i + 1;
        let mut terminated = false;
        while i < lines.len() {
            let raw = lines[i];
            i += 1;
            let bare = raw.trim_end_matches(['\n', '\r']);
            let candidate = if doc.chomp { bare.trim_start_matches('\t') } else { bare };
            if candidate == doc.name {
                terminated = true;
                break;
            }
            doc.body.push_str(if doc.chomp { raw.trim_start_matches('\t') } else { raw });
        }
        if !terminated {
            return Err(ParseError { line: ins.line, message: format!("unterminated heredoc {}", doc.name) });
        }
        ins.heredocs.push(doc);
    }
    ins.end_line = i.max(ins.end_line);
    Ok(i)
}

#[cfg(test)]
#[path = "dockerfile_tests.rs"]
mod tests;
