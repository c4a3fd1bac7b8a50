//! `apt_config`: APT's configuration (apt.conf(5)) — `/etc/apt/apt.conf.d/*`
//! in lexical order (names of `[A-Za-z0-9_.-]` only, `.conf` or no
//! extension), then `/etc/apt/apt.conf`; later assignments win; keys are
//! case-insensitive; nested scopes `A { B "v"; };` and `A::B "v";` alike.
//!
//! `apt_sources`: one-line `sources.list` entries and deb822 `.sources`
//! stanzas, with their options (`trusted`, `signed-by`).

use crate::sources::{item, parse_int, Scan, Unavailable};
use crate::target::{ReadError, TextFile};
use serde_json::{json, Map, Value};

fn part_name_ok(name: &str) -> bool {
    name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && (!name.contains('.') || name.ends_with(".conf"))
}

#[derive(Debug, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Open,
    Close,
    Semi,
}

fn tokens(text: &str) -> Vec<(usize, Tok)> {
    let mut out = Vec::new();
    let mut line = 1usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            c if c.is_whitespace() => {}
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                    }
                    if prev == '*' && c == '/' {
                        break;
                    }
                    prev = c;
                }
            }
            '"' => {
                let mut s = String::new();
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    if c == '\n' {
                        line += 1;
                    }
                    s.push(c);
                }
                out.push((line, Tok::Str(s)));
            }
            '{' => out.push((line, Tok::Open)),
            '}' => out.push((line, Tok::Close)),
            ';' => out.push((line, Tok::Semi)),
            c => {
                let mut s = String::from(c);
                while let Some(&n) = chars.peek() {
                    if n.is_whitespace() || matches!(n, '{' | '}' | ';' | '"') {
                        break;
                    }
                    s.push(n);
                    chars.next();
                }
                out.push((line, Tok::Word(s)));
            }
        }
    }
    out
}

fn parse_conf(f: &TextFile, out: &mut Vec<Value>) {
    let mut scope: Vec<String> = Vec::new();
    let mut key: Option<(usize, String)> = None;
    let mut list_index = 0usize;
    for (line, tok) in tokens(&f.text) {
        match tok {
            Tok::Word(w) => key = Some((line, w.trim_end_matches("::").to_string())),
            Tok::Str(s) => {
                let full = match &key {
                    Some((_, k)) => scope.iter().cloned().chain(std::iter::once(k.clone())).collect::<Vec<_>>().join("::"),
                    None => {
                        list_index += 1;
                        format!("{}::{}", scope.join("::"), list_index)
                    }
                };
                let l = key.as_ref().map(|(l, _)| *l).unwrap_or(line);
                let mut m: Map<String, Value> = item(Some(&f.path), Some(l), format!("{full} \"{s}\";"));
                m.insert("key".into(), full.to_ascii_lowercase().into());
                m.insert("name".into(), full.into());
                m.insert("int".into(), parse_int(&s).into());
                m.insert("value".into(), s.into());
                out.push(Value::Object(m));
                key = None;
            }
            Tok::Open => {
                if let Some((_, k)) = key.take() {
                    scope.extend(k.split("::").map(str::to_string));
                } else {
                    scope.push(String::new());
                }
                list_index = 0;
            }
            Tok::Close => {
                // A scope opened by `A::B {` closes both levels in APT only if
                // written so; we close the levels the key opened.
                scope.pop();
            }
            Tok::Semi => key = None,
        }
    }
}

fn unreadable_json(errs: &[ReadError]) -> Vec<Value> {
    errs.iter().map(|e| json!({"path": e.path(), "reason": e.reason()})).collect()
}

pub fn config(scan: &Scan) -> Result<Value, Unavailable> {
    let mut paths: Vec<String> = match scan.target.read_dir("/etc/apt/apt.conf.d") {
        Ok(list) => list.into_iter().filter(|e| part_name_ok(&e.name)).map(|e| e.path).collect(),
        Err(_) => Vec::new(),
    };
    paths.push("/etc/apt/apt.conf".into());
    let (mut entries, mut files, mut unreadable) = (Vec::new(), Vec::new(), Vec::new());
    for p in &paths {
        match scan.read_text(p) {
            Ok(f) => {
                files.push(p.clone());
                parse_conf(&f, &mut entries);
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => unreadable.push(e),
        }
    }
    let exists = scan.target.stat("/etc/apt").is_ok();
    let mut values = Map::new();
    for e in &entries {
        if let Some(k) = e["key"].as_str() {
            values.insert(k.to_string(), e.clone());
        }
    }
    Ok(json!({"exists": exists, "files": files, "entries": entries, "values": values, "unreadable": unreadable_json(&unreadable)}))
}

fn source_item(path: &str, line: usize, detail: &str, types: &str, uris: Vec<String>, opts: &Map<String, Value>) -> Value {
    let mut m: Map<String, Value> = item(Some(path), Some(line), detail);
    let trusted = opts.get("trusted").and_then(Value::as_str).is_some_and(|v| v.eq_ignore_ascii_case("yes"));
    let signed_by = opts.get("signed-by").cloned().unwrap_or(Value::Null);
    m.insert("type".into(), types.into());
    m.insert("trusted".into(), trusted.into());
    m.insert("signed_by".into(), signed_by);
    m.insert("plain_http".into(), uris.iter().any(|u| u.starts_with("http://")).into());
    m.insert("uris".into(), uris.into());
    m.insert("options".into(), Value::Object(opts.clone()));
    Value::Object(m)
}

fn one_line(f: &TextFile, out: &mut Vec<Value>) {
    for (i, raw) in f.text.lines().enumerate() {
        let t = raw.split('#').next().unwrap_or("").trim();
        if t.is_empty() {
            continue;
        }
        let (kind, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
        if kind != "deb" && kind != "deb-src" {
            continue;
        }
        let mut rest = rest.trim();
        let mut opts = Map::new();
        if rest.starts_with('[') {
            if let Some(end) = rest.find(']') {
                for o in rest[1..end].split_whitespace() {
                    if let Some((k, v)) = o.split_once('=') {
                        opts.insert(k.to_ascii_lowercase(), v.into());
                    }
                }
                rest = rest[end + 1..].trim();
            }
        }
        let uri = rest.split_whitespace().next().unwrap_or("").to_string();
        out.push(source_item(&f.path, i + 1, t, kind, vec![uri], &opts));
    }
}

fn deb822(f: &TextFile, out: &mut Vec<Value>) {
    let mut fields: Map<String, Value> = Map::new();
    let mut start = 0usize;
    let mut lines_of: Map<String, Value> = Map::new();
    let flush = |fields: &mut Map<String, Value>, lines_of: &mut Map<String, Value>, start: usize, out: &mut Vec<Value>| {
        if fields.is_empty() {
            return;
        }
        let enabled = fields.get("enabled").and_then(Value::as_str).map(|v| !v.eq_ignore_ascii_case("no")).unwrap_or(true);
        if enabled {
            let types = fields.get("types").and_then(Value::as_str).unwrap_or("deb").to_string();
            let uris = fields.get("uris").and_then(Value::as_str).unwrap_or("").split_whitespace().map(str::to_string).collect();
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

pub fn sources(scan: &Scan) -> Result<Value, Unavailable> {
    let mut paths = vec!["/etc/apt/sources.list".to_string()];
    if let Ok(list) = scan.target.read_dir("/etc/apt/sources.list.d") {
        paths.extend(list.into_iter().filter(|e| e.name.ends_with(".list") || e.name.ends_with(".sources")).map(|e| e.path));
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
    Ok(json!({"exists": !files.is_empty(), "files": files, "entries": entries, "unreadable": unreadable_json(&unreadable)}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Value> {
        let mut out = Vec::new();
        parse_conf(&TextFile { path: "/t".into(), text: text.into() }, &mut out);
        out
    }

    #[test]
    fn flat_and_nested_keys() {
        let v = parse("APT::Periodic::Unattended-Upgrade \"1\";\n// c\nAPT {\n  Get { AllowUnauthenticated \"true\"; };\n};\n");
        assert_eq!(v[0]["key"], "apt::periodic::unattended-upgrade");
        assert_eq!(v[0]["int"], 1);
        assert_eq!(v[1]["key"], "apt::get::allowunauthenticated");
        assert_eq!(v[1]["line"], 4);
    }
}
