//! `apt_config`: APT's configuration (apt.conf(5)) — `/etc/apt/apt.conf.d/*`
//! in lexical order (names of `[A-Za-z0-9_.-]` only, `.conf` or no
//! extension), then `/etc/apt/apt.conf`; later assignments win; keys are
//! case-insensitive; nested scopes `A { B "v"; };` and `A::B "v";` alike.
//!
//! `apt_sources`: one-line `sources.list` entries and deb822 `.sources`
//! stanzas, with their options (`trusted`, `signed-by`).

use crate::limits;
use crate::sources::include::{Includes, Skip};
use crate::sources::{item, parse_int, Fact, Reader, Unavailable};
use crate::target::TextFile;
use serde_json::{json, Map, Value};

/// A file name `GetListOfFilesInDir` accepts: `[A-Za-z0-9_:.-]`, not ending
/// in `.`, and either without extension or with one of `exts`.
fn part_name_ok(name: &str, exts: &[&str], allow_no_ext: bool) -> bool {
    if name.is_empty()
        || name.ends_with('.')
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.'))
    {
        return false;
    }
    match name.rsplit_once('.') {
        None => allow_no_ext,
        Some((_, ext)) => exts.contains(&ext),
    }
}

/// One effect of an apt.conf statement, in file order.
#[derive(Debug)]
enum Event {
    Set(Value),
    /// `#clear Tag;`: drops the tree below `Tag` (lower-case).
    Clear(String),
}

/// apt's `ParseQuoteWord`: a whitespace-delimited word in which `"..."` and
/// `[...]` sections may contain spaces; quotes are removed and `%xx` decoded.
fn parse_quote_word(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start_matches(' ');
    if s.is_empty() {
        return None;
    }
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && !b[i].is_ascii_whitespace() {
        if b[i] == b'"' {
            i += 1 + s[i + 1..].find('"')?;
        } else if b[i] == b'[' {
            i += 1 + s[i + 1..].find(']')?;
        }
        i += 1;
    }
    let raw = &s[..i];
    let mut out = Vec::new();
    let rb = raw.as_bytes();
    let mut j = 0;
    while j < rb.len() {
        if rb[j] == b'%' && j + 2 < rb.len() && rb[j + 1].is_ascii_hexdigit() && rb[j + 2].is_ascii_hexdigit() {
            out.push(u8::from_str_radix(&raw[j + 1..j + 3], 16).unwrap_or(b'%'));
            j += 3;
            continue;
        }
        if rb[j] != b'"' {
            out.push(rb[j]);
        }
        j += 1;
    }
    Some((String::from_utf8_lossy(&out).into_owned(), s[i..].trim_start()))
}

/// apt's `ParseCWord`: one or more `"..."` strings separated by spaces,
/// concatenated; anything unquoted makes it fail.
fn parse_c_word(s: &str) -> Option<(String, &str)> {
    let t = s.trim_start_matches(' ');
    if t.is_empty() {
        return None;
    }
    let mut out = String::new();
    let mut chars = t.char_indices().peekable();
    let mut prev_space = false;
    while let Some((_, c)) = chars.next() {
        if c == '"' {
            let mut closed = false;
            for (_, q) in chars.by_ref() {
                if q == '"' {
                    closed = true;
                    break;
                }
                out.push(q);
            }
            if !closed {
                return None;
            }
            prev_space = false;
            continue;
        }
        if !c.is_whitespace() {
            return None;
        }
        if !prev_space {
            out.push(' ');
        }
        prev_space = true;
    }
    Some((out, ""))
}

/// Strip apt.conf comments from one line the way `ReadConfigFile` does:
/// `//` and `#` (except `#clear`, `#include`) outside quotes, and `/* */`
/// (possibly spanning lines).
fn strip_comments(line: &str, in_comment: &mut bool) -> String {
    let mut line: &str = line;
    if *in_comment {
        match line.find("*/") {
            Some(end) => {
                line = &line[end + 2..];
                *in_comment = false;
            }
            None => return String::new(),
        }
    }
    let quotes_before = |l: &str, at: usize| !l[..at].matches('"').count().is_multiple_of(2);
    let mut cut = line.len();
    let mut start = 0;
    while let Some(p) = line[start..].find("//").map(|p| p + start) {
        if quotes_before(line, p) {
            start = p + 1;
            continue;
        }
        cut = p;
        break;
    }
    let line = &line[..cut];
    let mut cut = line.len();
    let mut start = 0;
    while let Some(p) = line[start..].find('#').map(|p| p + start) {
        let rest = &line[p + 1..];
        if quotes_before(line, p) || ["clear", "include", "x-apt-configure-index"].iter().any(|m| rest.starts_with(m)) {
            start = p + 1;
            continue;
        }
        cut = p;
        break;
    }
    let mut line = &line[..cut];
    let mut out = String::new();
    loop {
        let mut start = 0;
        let mut found = None;
        while let Some(p) = line[start..].find("/*").map(|p| p + start) {
            if quotes_before(line, p) {
                start = p + 2;
                continue;
            }
            found = Some(p);
            break;
        }
        match found {
            None => {
                out.push_str(line);
                return out;
            }
            Some(p) => {
                out.push_str(&line[..p]);
                match line[p + 2..].find("*/") {
                    Some(e) => line = &line[p + 2 + e + 2..],
                    None => {
                        *in_comment = true;
                        return out;
                    }
                }
            }
        }
    }
}

/// Parse one apt.conf file as apt's `ReadConfigFile` does: statements end at
/// `;`, `{` or `}` outside quotes; `Tag Value;` with the value quoted or
/// not; `Tag { … };` scopes; a bare `"value";` appends to the enclosing
/// One option as an entry: `{key (lower-case), name, value, int}`.
fn set_item(path: &str, line: usize, name: &str, value: String) -> Value {
    let mut m: Map<String, Value> = item(Some(path), Some(line), format!("{name} \"{value}\";"));
    m.insert("key".into(), name.to_ascii_lowercase().into());
    m.insert("name".into(), name.into());
    m.insert("int".into(), parse_int(&value).into());
    m.insert("value".into(), value.into());
    Value::Object(m)
}

/// A top-level directive: `#clear TREE`, `#include FILE|DIR/`. An error is
/// a syntax message (`Ok`) or an input that cannot be read (`Err`).
fn directive(
    inc: Option<&mut Includes>,
    directive: &str,
    word: &str,
    depth: usize,
    out: &mut Vec<Event>,
) -> Result<(), Result<String, Unavailable>> {
    match directive {
        "clear" => out.push(Event::Clear(word.to_ascii_lowercase())),
        "include" => {
            if depth > 10 {
                return Err(Ok("too many nested includes".into()));
            }
            if let Some(inc) = inc {
                match include(inc, word, depth + 1, out) {
                    Err(Skip::Loop | Skip::TooDeep) => return Err(Ok("too many nested includes".into())),
                    Err(Skip::TooMany) => inc.record_skip(word, Skip::TooMany),
                    Err(Skip::Read(e)) => return Err(Err(Unavailable::Unreadable(e))),
                    Ok(r) => r.map_err(Err)?,
                }
            }
        }
        "x-apt-configure-index" => {}
        other => return Err(Ok(format!("unsupported directive '{other}'"))),
    }
    Ok(())
}

/// list; `#clear` and `#include` directives.
/// Open a scope inside `parent`. Each scope's name holds its parents':
/// nesting is bounded, or memory would be quadratic in it.
fn enter(stack: &mut Vec<String>, parent: &str) -> Result<(), String> {
    if stack.len() >= limits::CONFIG_NESTING {
        return Err(format!("scopes nested deeper than {}", limits::CONFIG_NESTING));
    }
    stack.push(parent.to_string());
    Ok(())
}

fn parse_conf(
    mut inc: Option<&mut Includes>,
    f: &TextFile,
    depth: usize,
    out: &mut Vec<Event>,
) -> Result<(), Unavailable> {
    let malformed = |line: usize, message: &str| Unavailable::Malformed {
        path: f.path.clone(),
        line,
        message: format!("apt.conf syntax error: {message}"),
    };
    let mut in_comment = false;
    let mut buffer = String::new();
    let mut buffer_line = 0usize;
    let mut stack: Vec<String> = Vec::new();
    let mut parent = String::new();
    let mut list_index: std::collections::HashMap<String, usize> = Default::default();
    let leave = |stack: &mut Vec<String>, parent: &mut String| {
        *parent = stack.pop().unwrap_or_default();
    };
    for (i, raw) in f.text.lines().enumerate() {
        let line_no = i + 1;
        let expanded = raw.replace('\t', "        ");
        let fragment = strip_comments(expanded.trim(), &mut in_comment);
        if fragment.trim().is_empty() {
            continue;
        }
        let mut in_quote = false;
        let mut seg_start = 0;
        for (pos, c) in fragment.char_indices() {
            if c == '"' {
                in_quote = !in_quote;
            }
            if in_quote || !matches!(c, '{' | ';' | '}') {
                continue;
            }
            let piece = fragment[seg_start..pos].trim();
            if !buffer.is_empty() && !piece.is_empty() {
                buffer.push(' ');
            }
            if buffer.is_empty() && !piece.is_empty() {
                buffer_line = line_no;
            }
            buffer.push_str(piece);
            seg_start = pos + 1;
            if c == '{' && buffer.is_empty() {
                return Err(malformed(line_no, "block starts with no name"));
            }
            if buffer.is_empty() {
                if c == '}' {
                    leave(&mut stack, &mut parent);
                }
                continue;
            }
            let statement = std::mem::take(&mut buffer);
            let Some((mut tag, rest)) = parse_quote_word(&statement) else {
                return Err(malformed(buffer_line, "malformed tag"));
            };
            let (mut word, rest, no_word) = match parse_c_word(rest).or_else(|| parse_quote_word(rest)) {
                Some((w, r)) => (w, r, false),
                None if c != '{' => (std::mem::take(&mut tag), rest, false),
                None => (String::new(), rest, true),
            };
            if !rest.trim().is_empty() {
                return Err(malformed(buffer_line, "extra junk after value"));
            }
            if c == '{' {
                enter(&mut stack, &parent).map_err(|m| malformed(buffer_line, &m))?;
                parent = if parent.is_empty() { tag.clone() } else { format!("{parent}::{tag}") };
                tag.clear();
            }
            let mut item_name = if parent.is_empty() {
                tag.clone()
            } else if c != '{' || !tag.is_empty() {
                format!("{parent}::{tag}")
            } else {
                parent.clone()
            };
            if let Some(d) = tag.strip_prefix('#') {
                if !parent.is_empty() {
                    return Err(malformed(buffer_line, "directives can only be done at the top level"));
                }
                directive(inc.as_deref_mut(), d, &word, depth, out).map_err(|e| match e {
                    Ok(message) => malformed(buffer_line, &message),
                    Err(u) => u,
                })?;
            } else if tag.is_empty() && !no_word && word == "#clear" {
                return Err(malformed(buffer_line, "clear directive requires an option tree as argument"));
            } else if !no_word && !item_name.is_empty() {
                // `Tag "a"; "b";` inside a scope: list elements (`Parent::`).
                if item_name.ends_with("::") || (tag.is_empty() && !parent.is_empty() && c != '{') {
                    let base = item_name.trim_end_matches("::").to_string();
                    let n = list_index.entry(base.to_ascii_lowercase()).or_insert(0);
                    *n += 1;
                    item_name = format!("{base}::{n}");
                }
                out.push(Event::Set(set_item(&f.path, buffer_line, &item_name, std::mem::take(&mut word))));
            }
            if c == '}' {
                leave(&mut stack, &mut parent);
            }
        }
        let rest = fragment[seg_start..].trim();
        if !rest.is_empty() {
            if buffer.is_empty() {
                buffer_line = line_no;
            } else {
                buffer.push(' ');
            }
            buffer.push_str(rest);
        }
    }
    if !buffer.is_empty() {
        return Err(malformed(buffer_line, "extra junk at end of file"));
    }
    Ok(())
}

/// `#include FILE;` or `#include DIR/;` (the directory read like apt.conf.d).
fn include(
    inc: &mut Includes,
    target: &str,
    depth: usize,
    out: &mut Vec<Event>,
) -> Result<Result<(), Unavailable>, Skip> {
    let paths: Vec<String> = if target.ends_with('/') {
        match inc.dir(target.trim_end_matches('/')) {
            Ok(list) => list.into_iter().filter(|e| part_name_ok(&e.name, &["conf"], true)).map(|e| e.path).collect(),
            Err(_) => Vec::new(),
        }
    } else {
        vec![target.to_string()]
    };
    for p in paths {
        match inc.read(&p, depth, |inc, f| parse_conf(Some(inc), &f, depth, out)) {
            Ok(Ok(())) => {}
            Ok(Err(u)) => return Ok(Err(u)),
            Err(skip) if skip.is_not_found() => {}
            Err(skip) => return Err(skip),
        }
    }
    Ok(Ok(()))
}

pub fn config(scan: &Reader) -> Result<Fact, Unavailable> {
    // apt reads Dir::Etc::Parts (apt.conf.d, sorted) first, then Dir::Etc::Main.
    let mut paths: Vec<String> = match scan.target.read_dir("/etc/apt/apt.conf.d") {
        Ok(list) => list.into_iter().filter(|e| part_name_ok(&e.name, &["conf"], true)).map(|e| e.path).collect(),
        Err(_) => Vec::new(),
    };
    paths.push("/etc/apt/apt.conf".into());
    let (mut events, mut files, mut unreadable) = (Vec::new(), Vec::new(), Vec::new());
    for p in &paths {
        let mut inc = Includes::new(scan, limits::INCLUDES);
        match inc.read(p, 0, |inc, f| parse_conf(Some(inc), &f, 0, &mut events)) {
            Ok(r) => {
                files.push(p.clone());
                r?;
            }
            Err(skip) if skip.is_not_found() => {}
            Err(Skip::Read(e)) => unreadable.push(e),
            Err(_) => {}
        }
        unreadable.extend(inc.finish().1);
    }
    let exists = scan.target.stat("/etc/apt").is_ok();
    let mut values = Map::new();
    let mut entries = Vec::new();
    for ev in events {
        match ev {
            Event::Set(e) => {
                if let Some(k) = e["key"].as_str() {
                    values.insert(k.to_string(), e.clone());
                }
                entries.push(e);
            }
            Event::Clear(tree) => {
                let prefix = format!("{tree}::");
                values.retain(|k, _| k != &tree && !k.starts_with(&prefix));
            }
        }
    }
    let value = crate::sources::object([
        ("exists", exists.into()),
        ("files", json!(files)),
        ("entries", Value::Array(entries)),
        ("values", Value::Object(values)),
    ]);
    Ok(Fact::new(value, unreadable))
}

/// apt's `StringToBool`: `0`/`1` (as strtol reads them), or one of the
/// words no/false/without/off/disable and yes/true/with/on/enable.
pub(crate) fn string_to_bool(text: &str) -> Option<bool> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let digits = lower.strip_prefix("0x").unwrap_or(&lower);
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_hexdigit()) {
        if let Some(n) = crate::sources::parse_int(t) {
            if n == 0 || n == 1 {
                return Some(n == 1);
            }
        }
    }
    match lower.as_str() {
        "no" | "false" | "without" | "off" | "disable" => Some(false),
        "yes" | "true" | "with" | "on" | "enable" => Some(true),
        _ => None,
    }
}

fn source_item(
    path: &str,
    line: usize,
    detail: &str,
    types: &str,
    uris: Vec<String>,
    opts: &Map<String, Value>,
) -> Value {
    let mut m: Map<String, Value> = item(Some(path), Some(line), detail);
    // debmetaindex.cc: `SetTrusted(StringToBool(trusted, false) ? TRI_YES : TRI_NO)`.
    let trusted = opts.get("trusted").and_then(Value::as_str).is_some_and(|v| string_to_bool(v) == Some(true));
    let signed_by = opts.get("signed-by").cloned().unwrap_or(Value::Null);
    let plain_http = uris.iter().any(|u| {
        let scheme = u.split_once("://").map(|(s, _)| s.to_ascii_lowercase()).unwrap_or_default();
        scheme == "http" || scheme.ends_with("+http")
    });
    m.insert("type".into(), types.into());
    m.insert("trusted".into(), trusted.into());
    m.insert("signed_by".into(), signed_by);
    m.insert("plain_http".into(), plain_http.into());
    m.insert("uris".into(), uris.into());
    m.insert("options".into(), Value::Object(opts.clone()));
    Value::Object(m)
}

/// One-line style, as `ParseFileOldStyle`/`ParseLine`: `#` starts a comment
/// unless inside `[ … ]`; option keys are case-sensitive (`trusted`,
/// `signed-by`), values may be quoted.
fn one_line(f: &TextFile, out: &mut Vec<Value>) {
    for (i, raw) in f.text.lines().enumerate() {
        let mut cut = raw.len();
        let mut from = 0;
        while let Some(p) = raw[from..].find('#').map(|p| p + from) {
            if raw[..p].matches('[').count() > raw[..p].matches(']').count() {
                from = p + 1;
                continue;
            }
            cut = p;
            break;
        }
        let t = raw[..cut].trim();
        if t.is_empty() {
            continue;
        }
        let (kind, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
        if kind != "deb" && kind != "deb-src" {
            continue;
        }
        let mut rest = rest.trim();
        let mut opts = Map::new();
        if let Some(inner) = rest.strip_prefix('[') {
            if let Some(end) = inner.find(']') {
                let mut o = &inner[..end];
                while let Some((word, r)) = parse_quote_word(o) {
                    if let Some((k, v)) = word.split_once('=') {
                        opts.insert(k.to_string(), v.into());
                    }
                    o = r;
                }
                rest = inner[end + 1..].trim();
            }
        }
        let uri = parse_quote_word(rest).map(|(u, _)| u).unwrap_or_default();
        out.push(source_item(&f.path, i + 1, t, kind, vec![uri], &opts));
    }
}

fn deb822(f: &TextFile, out: &mut Vec<Value>) {
    let mut fields: Map<String, Value> = Map::new();
    let mut start = 0usize;
    let mut lines_of: Map<String, Value> = Map::new();
    let flush =
        |fields: &mut Map<String, Value>, lines_of: &mut Map<String, Value>, start: usize, out: &mut Vec<Value>| {
            if fields.is_empty() {
                return;
            }
            // sourcelist.cc: `Enabled` is read with StringToBool (default: enabled).
            let enabled =
                fields.get("enabled").and_then(Value::as_str).map(|v| string_to_bool(v) != Some(false)).unwrap_or(true);
            if enabled {
                let types = fields.get("types").and_then(Value::as_str).unwrap_or("deb").to_string();
                let uris = fields
                    .get("uris")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .split_whitespace()
                    .map(str::to_string)
                    .collect();
                let line = lines_of.get("trusted").and_then(Value::as_u64).map(|l| l as usize).unwrap_or(start);
                let detail = format!("{types} {}", fields.get("uris").and_then(Value::as_str).unwrap_or(""));
                out.push(source_item(&f.path, line, &detail, &types, uris, fields));
            }
            fields.clear();
            lines_of.clear();
        };
    let mut last_key = String::new();
    for (i, raw) in f.text.lines().enumerate() {
        if raw.starts_with('#') {
            continue;
        }
        if raw.trim().is_empty() {
            flush(&mut fields, &mut lines_of, start, out);
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            if let Some(Value::String(v)) = fields.get_mut(&last_key) {
                v.push(' ');
                v.push_str(raw.trim());
            }
            continue;
        }
        if fields.is_empty() {
            start = i + 1;
        }
        if let Some((k, v)) = raw.split_once(':') {
            last_key = k.trim().to_ascii_lowercase();
            fields.insert(last_key.clone(), v.trim().into());
            lines_of.insert(last_key.clone(), (i + 1).into());
        }
    }
    flush(&mut fields, &mut lines_of, start, out);
}

pub fn sources(scan: &Reader) -> Result<Fact, Unavailable> {
    let mut paths = vec!["/etc/apt/sources.list".to_string()];
    if let Ok(list) = scan.target.read_dir("/etc/apt/sources.list.d") {
        paths.extend(list.into_iter().filter(|e| part_name_ok(&e.name, &["list", "sources"], false)).map(|e| e.path));
    }
    let (mut entries, mut files, mut unreadable) = (Vec::new(), Vec::new(), Vec::new());
    for p in &paths {
        match scan.read_text(p) {
            Ok(f) => {
                files.push(p.clone());
                if p.ends_with(".sources") {
                    deb822(&f, &mut entries)
                } else {
                    one_line(&f, &mut entries)
                }
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => unreadable.push(e),
        }
    }
    let value = crate::sources::object([
        ("exists", (!files.is_empty()).into()),
        ("files", json!(files)),
        ("entries", Value::Array(entries)),
    ]);
    Ok(Fact::new(value, unreadable))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Value> {
        let mut out = Vec::new();
        parse_conf(None, &TextFile { path: "/t".into(), text: text.into() }, 0, &mut out).unwrap();
        out.into_iter()
            .filter_map(|e| match e {
                Event::Set(v) => Some(v),
                Event::Clear(_) => None,
            })
            .collect()
    }

    #[test]
    fn flat_and_nested_keys() {
        let v = parse(
            "APT::Periodic::Unattended-Upgrade \"1\";\n// c\nAPT {\n  Get { AllowUnauthenticated \"true\"; };\n};\n",
        );
        assert_eq!(v[0]["key"], "apt::periodic::unattended-upgrade");
        assert_eq!(v[0]["int"], 1);
        assert_eq!(v[1]["key"], "apt::get::allowunauthenticated");
        assert_eq!(v[1]["line"], 4);
    }

    #[test]
    fn scope_opened_by_a_compound_tag_closes_as_a_whole() {
        let v = parse("APT::Periodic {\n  Enable \"1\";\n};\nAcquire::AllowInsecureRepositories \"true\";\n");
        assert_eq!(v[0]["key"], "apt::periodic::enable");
        assert_eq!(v[1]["key"], "acquire::allowinsecurerepositories");
    }

    #[test]
    fn unquoted_values_and_quoted_tags() {
        let v = parse(
            "APT::Get::AllowUnauthenticated true;\n\"Acquire::AllowDowngradeToInsecureRepositories\" \"1\"; # why\n",
        );
        assert_eq!(v[0]["key"], "apt::get::allowunauthenticated");
        assert_eq!(v[0]["value"], "true");
        assert_eq!(v[1]["key"], "acquire::allowdowngradetoinsecurerepositories");
        assert_eq!(v[1]["value"], "1");
        assert_eq!(v[1]["line"], 2);
    }

    #[test]
    fn comments_and_lists() {
        let v = parse("/* a\n b */ A::B \"x//y\"; /* c */\nDPkg::Pre-Invoke { \"one\"; \"two\"; };\n");
        assert_eq!(v[0]["value"], "x//y");
        assert_eq!(v[0]["line"], 2);
        assert_eq!(v[1]["key"], "dpkg::pre-invoke::1");
        assert_eq!(v[2]["key"], "dpkg::pre-invoke::2");
    }

    #[test]
    fn syntax_errors_are_malformed() {
        let mut out = Vec::new();
        let f = TextFile { path: "/t".into(), text: "A::B \"x\" junk;\n".into() };
        assert!(matches!(parse_conf(None, &f, 0, &mut out), Err(Unavailable::Malformed { line: 1, .. })));
        let f = TextFile { path: "/t".into(), text: "A::B \"x\"\n".into() };
        assert!(matches!(parse_conf(None, &f, 0, &mut out), Err(Unavailable::Malformed { .. })));
        let deep = "A {\n".repeat(limits::CONFIG_NESTING + 1) + &"};\n".repeat(limits::CONFIG_NESTING + 1);
        let f = TextFile { path: "/t".into(), text: deep };
        let e = parse_conf(None, &f, 0, &mut out).unwrap_err();
        assert!(e.to_string().contains("nested deeper than 64"), "{e}");
    }

    #[test]
    fn bools_like_apt() {
        assert_eq!(string_to_bool("Yes"), Some(true));
        assert_eq!(string_to_bool("1"), Some(true));
        assert_eq!(string_to_bool("0"), Some(false));
        assert_eq!(string_to_bool("2"), None);
        assert_eq!(string_to_bool("disable"), Some(false));
    }

    #[test]
    fn one_line_options() {
        let mut out = Vec::new();
        let f = TextFile {
            path: "/s".into(),
            text: "deb [ arch=amd64 trusted=true ] http://x/ y main # c\ndeb [Trusted=yes] https://z/ y main\n".into(),
        };
        one_line(&f, &mut out);
        assert_eq!(out[0]["trusted"], true);
        assert_eq!(out[0]["plain_http"], true);
        assert_eq!(out[0]["uris"][0], "http://x/");
        assert_eq!(out[1]["trusted"], false);
    }

    #[test]
    fn part_names() {
        assert!(part_name_ok("20auto-upgrades", &["conf"], true));
        assert!(part_name_ok("99local.conf", &["conf"], true));
        assert!(!part_name_ok("50unattended-upgrades.ucf-dist", &["conf"], true));
        assert!(!part_name_ok("foo", &["list", "sources"], false));
        assert!(!part_name_ok("a b.list", &["list", "sources"], false));
    }
}
