//! `nginx`: the nginx configuration, parsed as nginx reads it
//! (`ngx_conf_file.c`, nginx.org "Beginner's guide" and core module docs):
//!
//! - the main file is the first of `/etc/nginx/nginx.conf`,
//!   `/usr/local/nginx/conf/nginx.conf`, `/usr/local/etc/nginx/nginx.conf`;
//! - directives are `name args;`, blocks `name args { ... }`; `#` at the
//!   start of a token begins a comment; single and double quotes group, `\`
//!   escapes; `${var}` braces are part of a word;
//! - `include` is expanded in place, anywhere; a relative path is resolved
//!   against the configuration prefix (the directory of the main file, e.g.
//!   `/etc/nginx`), not the including file; glob matches are read in sorted
//!   order and a glob matching nothing is fine; a missing plain include is
//!   reported in `notes` (nginx itself refuses to start). Includes nest up to
//!   16 levels, a file being read is not read again (cycle), at most 512
//!   files and 64 block levels;
//! - `add_header` is inherited from the enclosing level only when the current
//!   level has no `add_header` of its own; `ssl_protocols`, `ssl_ciphers`,
//!   `server_tokens` are inherited when unset.
//!
//! Defaults: `ssl_protocols` is `TLSv1 TLSv1.1 TLSv1.2` before 1.23.4,
//! `TLSv1 TLSv1.1 TLSv1.2 TLSv1.3` from 1.23.4 and `TLSv1.2 TLSv1.3` from
//! 1.27.3 (`NGX_SSL_DEFAULT_PROTOCOLS`); the version comes from the package
//! database, and when unknown the older default is assumed (set it
//! explicitly). `ssl_ciphers` defaults to `HIGH:!aNULL:!MD5`, `server_tokens`
//! to `on`. A server without `listen` listens on `*:80`.
//!
//! Facts: `{exists, files, notes, unreadable, version, servers, listens,
//! stream_listens, http_plain, tls_protocols, tls_ciphers, hsts, tokens}`
//! (see `webtls` and docs/writing-checks.md).

use super::webtls::{self, catch_all, listen_item, protocol_item, split_addr};
use crate::sources::{item, Scan, Unavailable};
use crate::target::{self, ReadError};
use serde_json::{json, Map, Value};

pub const MAIN_FILES: &[&str] =
    &["/etc/nginx/nginx.conf", "/usr/local/nginx/conf/nginx.conf", "/usr/local/etc/nginx/nginx.conf"];
const MAX_DEPTH: usize = 16;
const MAX_FILES: usize = 512;
const MAX_NEST: usize = 64;

/// One directive with its (already include-expanded) block.
#[derive(Debug, Clone, PartialEq)]
pub struct Directive {
    pub name: String,
    pub args: Vec<String>,
    pub path: String,
    pub line: usize,
    pub block: Option<Vec<Directive>>,
}

impl Directive {
    fn detail(&self) -> String {
        let mut s = self.name.clone();
        for a in &self.args {
            s.push(' ');
            if a.is_empty() || a.contains([' ', ';', '{', '}']) {
                s.push('"');
                s.push_str(a);
                s.push('"');
            } else {
                s.push_str(a);
            }
        }
        if self.block.is_some() {
            s.push_str(" {");
        } else {
            s.push(';');
        }
        s
    }
    fn item(&self) -> Map<String, Value> {
        item(Some(&self.path), Some(self.line), self.detail())
    }
    fn children(&self) -> &[Directive] {
        self.block.as_deref().unwrap_or(&[])
    }
}

#[derive(Debug, PartialEq)]
enum Tok {
    Word(String),
    Semi,
    Open,
    Close,
}

/// Split nginx configuration text into tokens with their line numbers. An
/// unterminated quote ends the text with an error.
type Tokens = (Vec<(Tok, usize)>, Option<(usize, String)>);

fn tokenize(text: &str) -> Tokens {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    let mut word: Option<(String, usize)> = None;
    let mut var_brace = false;
    let flush = |word: &mut Option<(String, usize)>, out: &mut Vec<(Tok, usize)>| {
        if let Some((w, l)) = word.take() {
            out.push((Tok::Word(w), l));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\n' | ' ' | '\t' | '\r' => {
                flush(&mut word, &mut out);
                var_brace = false;
                if c == '\n' {
                    line += 1;
                }
            }
            '{' if word.as_ref().is_some_and(|(w, _)| w.ends_with('$')) => {
                var_brace = true;
                if let Some((w, _)) = word.as_mut() {
                    w.push(c);
                }
            }
            '}' if var_brace => {
                var_brace = false;
                if let Some((w, _)) = word.as_mut() {
                    w.push(c);
                }
            }
            ';' | '{' | '}' => {
                flush(&mut word, &mut out);
                out.push((
                    match c {
                        ';' => Tok::Semi,
                        '{' => Tok::Open,
                        _ => Tok::Close,
                    },
                    line,
                ));
            }
            '#' if word.is_none() => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            '"' | '\'' if word.is_none() => {
                let start = line;
                let mut s = String::new();
                let mut closed = false;
                while let Some(d) = chars.next() {
                    match d {
                        '\\' => match chars.next() {
                            Some('n') => s.push('\n'),
                            Some('t') => s.push('\t'),
                            Some('r') => s.push('\r'),
                            Some(e @ ('"' | '\'' | '\\')) => s.push(e),
                            Some(e) => {
                                if e == '\n' {
                                    line += 1;
                                }
                                s.push('\\');
                                s.push(e);
                            }
                            None => {}
                        },
                        d if d == c => {
                            closed = true;
                            break;
                        }
                        d => {
                            if d == '\n' {
                                line += 1;
                            }
                            s.push(d);
                        }
                    }
                }
                if !closed {
                    return (out, Some((start, "unterminated quoted string".into())));
                }
                out.push((Tok::Word(s), start));
            }
            '\\' => {
                let w = word.get_or_insert_with(|| (String::new(), line));
                if let Some(e) = chars.next() {
                    if e == '\n' {
                        line += 1;
                    }
                    match e {
                        '"' | '\'' | '\\' => w.0.push(e),
                        e => {
                            w.0.push('\\');
                            w.0.push(e);
                        }
                    }
                }
            }
            c => word.get_or_insert_with(|| (String::new(), line)).0.push(c),
        }
    }
    flush(&mut word, &mut out);
    (out, None)
}

/// Parse tokens into directives (no include expansion). Errors are
/// `(line, message)`; what parsed before an error is kept.
fn parse_tokens(path: &str, toks: &[(Tok, usize)], errors: &mut Vec<(usize, String)>) -> Vec<Directive> {
    fn level(
        path: &str,
        toks: &[(Tok, usize)],
        i: &mut usize,
        depth: usize,
        errors: &mut Vec<(usize, String)>,
    ) -> (Vec<Directive>, bool) {
        let mut out = Vec::new();
        let mut words: Vec<(String, usize)> = Vec::new();
        while *i < toks.len() {
            let (t, l) = &toks[*i];
            *i += 1;
            match t {
                Tok::Word(w) => words.push((w.clone(), *l)),
                Tok::Semi => {
                    if let Some(((name, line), args)) = words.split_first() {
                        out.push(Directive {
                            name: name.clone(),
                            args: args.iter().map(|(a, _)| a.clone()).collect(),
                            path: path.into(),
                            line: *line,
                            block: None,
                        });
                    } else {
                        errors.push((*l, "unexpected \";\"".into()));
                    }
                    words.clear();
                }
                Tok::Open => {
                    let open_line = *l;
                    if depth >= MAX_NEST {
                        errors.push((open_line, format!("blocks nested deeper than {MAX_NEST} levels: rest skipped")));
                        *i = toks.len();
                        return (out, true);
                    }
                    let (block, closed) = level(path, toks, i, depth + 1, errors);
                    if let Some(((name, line), args)) = words.split_first() {
                        out.push(Directive {
                            name: name.clone(),
                            args: args.iter().map(|(a, _)| a.clone()).collect(),
                            path: path.into(),
                            line: *line,
                            block: Some(block),
                        });
                    } else {
                        errors.push((open_line, "block without a directive name".into()));
                    }
                    words.clear();
                    if !closed {
                        errors.push((open_line, "unexpected end of file, expecting \"}\"".into()));
                        return (out, true);
                    }
                }
                Tok::Close => {
                    if !words.is_empty() {
                        errors.push((*l, "unexpected \"}\" (missing \";\")".into()));
                    }
                    if depth == 0 {
                        errors.push((*l, "unexpected \"}\"".into()));
                        words.clear();
                        continue;
                    }
                    return (out, true);
                }
            }
        }
        if let Some((_, l)) = words.first() {
            errors.push((*l, "unexpected end of file, expecting \";\" or \"}\"".into()));
        }
        (out, depth == 0)
    }
    let mut i = 0;
    level(path, toks, &mut i, 0, errors).0
}

struct Loader<'a> {
    scan: &'a Scan,
    prefix: String,
    stack: Vec<String>,
    files: Vec<String>,
    notes: Vec<Value>,
    unreadable: Vec<ReadError>,
}

impl Loader<'_> {
    fn note(&mut self, path: &str, line: Option<usize>, msg: String) {
        self.notes.push(Value::Object(item(Some(path), line, msg)));
    }

    /// Read and parse one file, expanding its includes.
    fn load(&mut self, path: &str, depth: usize) -> Result<Vec<Directive>, ReadError> {
        let file = self.scan.read_text(path)?;
        self.files.push(path.to_string());
        let key = self.scan.target.stat(path).map(|m| m.path).unwrap_or_else(|_| path.to_string());
        self.stack.push(key);
        let (toks, err) = tokenize(&file.text);
        let mut errors = Vec::new();
        if let Some(e) = err {
            errors.push(e);
        }
        let tree = parse_tokens(path, &toks, &mut errors);
        for (l, m) in errors {
            self.note(path, Some(l), format!("syntax: {m}"));
        }
        let tree = self.expand(tree, depth);
        self.stack.pop();
        Ok(tree)
    }

    fn expand(&mut self, list: Vec<Directive>, depth: usize) -> Vec<Directive> {
        let mut out = Vec::new();
        for mut d in list {
            if d.name == "include" && d.block.is_none() {
                let Some(arg) = d.args.first() else { continue };
                let full = if arg.starts_with('/') { target::normalize(arg) } else { target::join(&self.prefix, arg) };
                let paths = if full.contains(['*', '?', '[']) { self.scan.glob(&full) } else { vec![full.clone()] };
                for p in paths {
                    if depth >= MAX_DEPTH {
                        self.note(
                            &d.path,
                            Some(d.line),
                            format!("include {p} not read: nested deeper than {MAX_DEPTH}"),
                        );
                        continue;
                    }
                    let key = self.scan.target.stat(&p).map(|m| m.path).unwrap_or_else(|_| p.clone());
                    if self.stack.contains(&key) {
                        self.note(&d.path, Some(d.line), format!("include {p} not read again: include cycle"));
                        continue;
                    }
                    if self.files.len() >= MAX_FILES {
                        self.note(&d.path, Some(d.line), format!("include {p} not read: more than {MAX_FILES} files"));
                        continue;
                    }
                    if self.scan.target.stat(&p).is_ok_and(|m| m.file_type == target::FileType::Dir) {
                        continue;
                    }
                    match self.load(&p, depth + 1) {
                        Ok(t) => out.extend(t),
                        Err(e) if e.is_not_found() => {
                            self.note(&d.path, Some(d.line), format!("include {p}: file not found"))
                        }
                        Err(e) => self.unreadable.push(e),
                    }
                }
                continue;
            }
            if let Some(b) = d.block.take() {
                d.block = Some(self.expand(b, depth));
            }
            out.push(d);
        }
        out
    }
}

fn version_of(scan: &Scan) -> Option<(String, (u32, u32, u32))> {
    let pk = scan.builtin_json("packages").ok()?;
    for name in ["nginx", "nginx-core", "nginx-full", "nginx-light", "nginx-extras", "nginx-common"] {
        if let Some(v) = pk["installed"][name]["version"].as_str() {
            let core = v.split(':').next_back().unwrap_or(v);
            let mut it = core.split(|c: char| !c.is_ascii_digit()).map(|s| s.parse::<u32>().unwrap_or(0));
            let t = (it.next().unwrap_or(0), it.next().unwrap_or(0), it.next().unwrap_or(0));
            return Some((v.to_string(), t));
        }
    }
    None
}

fn default_protocols(v: Option<(u32, u32, u32)>) -> &'static [&'static str] {
    match v {
        Some(v) if v >= (1, 27, 3) => &["TLSv1.2", "TLSv1.3"],
        Some(v) if v >= (1, 23, 4) => &["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
        Some(_) => &["TLSv1", "TLSv1.1", "TLSv1.2"],
        None => &["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
    }
}

fn last<'a>(list: &'a [Directive], name: &str) -> Option<&'a Directive> {
    list.iter().rev().find(|d| d.name == name && d.block.is_none())
}

fn headers(list: &[Directive]) -> Vec<&Directive> {
    list.iter().filter(|d| d.name == "add_header" && d.block.is_none()).collect()
}

fn hsts_of<'a>(hs: &[&'a Directive]) -> Option<&'a Directive> {
    hs.iter().copied().find(|d| d.args.first().is_some_and(|n| n.eq_ignore_ascii_case("strict-transport-security")))
}

/// A `return`/`rewrite` that sends every request to https.
fn https_redirect(d: &Directive) -> bool {
    match d.name.as_str() {
        "return" => match d.args.as_slice() {
            [code, url, ..] => {
                matches!(code.as_str(), "301" | "302" | "303" | "307" | "308") && url.starts_with("https://")
            }
            [url] => url.starts_with("https://"),
            _ => false,
        },
        "rewrite" => match d.args.as_slice() {
            [re, url, ..] => catch_all(re) && url.starts_with("https://"),
            _ => false,
        },
        _ => false,
    }
}

/// `return CODE` that ends every request without content (4xx, 444, a redirect elsewhere).
fn returns_no_content(d: &Directive) -> bool {
    d.name == "return" && d.args.first().is_some_and(|c| c.parse::<u16>().is_ok_and(|c| !(200..300).contains(&c)))
}

fn acme(loc: &Directive) -> bool {
    loc.args.iter().any(|a| a.contains("/.well-known/acme-challenge"))
}

/// How a plain-HTTP server answers: `(redirect, serves)`.
type Item = Map<String, Value>;

fn judge_plain(srv: &Directive) -> (Option<Item>, Option<Item>) {
    let body = srv.children();
    // Server-level rewrite-phase directives run before location lookup.
    for d in body {
        if https_redirect(d) {
            return (Some(d.item()), None);
        }
        if d.name == "if" && d.args.iter().any(|a| a.contains("$scheme") || a.contains("$https")) {
            if let Some(r) = d.children().iter().find(|c| https_redirect(c)) {
                return (Some(r.item()), None);
            }
        }
        if d.name == "return" {
            return if returns_no_content(d) { (None, None) } else { (None, Some(d.item())) };
        }
    }
    let locs: Vec<&Directive> = body.iter().filter(|d| d.name == "location" && d.block.is_some()).collect();
    if locs.is_empty() {
        let mut m = srv.item();
        m.insert("detail".into(), "server without location (serves its root)".into());
        return (None, Some(m));
    }
    let mut redirect = None;
    for l in locs {
        if acme(l) {
            continue;
        }
        let first = l.children().iter().find(|c| c.name == "return" || c.name == "rewrite");
        match first {
            Some(r) if https_redirect(r) => {
                redirect.get_or_insert_with(|| r.item());
            }
            Some(r) if returns_no_content(r) => {}
            _ => return (None, Some(l.item())),
        }
    }
    (redirect, None)
}

struct Out {
    servers: Vec<Value>,
    listens: Vec<Value>,
    http_plain: Vec<Value>,
    protocols: Vec<Value>,
    ciphers: Vec<Value>,
    hsts: Vec<Value>,
    tokens: Vec<Value>,
}

fn hsts_item(at: Map<String, Value>, d: Option<&Directive>, server: &str, why: &str) -> Value {
    let mut m = match d {
        Some(d) => d.item(),
        None => {
            let mut m = at;
            m.insert("detail".into(), why.into());
            m
        }
    };
    let age = d.and_then(|d| d.args.get(1)).and_then(|v| webtls::hsts_max_age(v));
    m.insert("max_age".into(), age.map(Value::from).unwrap_or(Value::Null));
    m.insert("server".into(), server.into());
    let age_text = match (d, age) {
        (Some(_), Some(a)) => format!("Strict-Transport-Security max-age is {a}"),
        (Some(_), None) => "Strict-Transport-Security has no max-age".to_string(),
        (None, _) => "no Strict-Transport-Security".to_string(),
    };
    m.insert("age_text".into(), age_text.into());
    m.insert("what".into(), format!("nginx server {server}").into());
    Value::Object(m)
}

/// Locations (and `if` blocks) whose own `add_header` drops the inherited HSTS.
fn hsts_locations(list: &[Directive], parent_has: bool, server: &str, out: &mut Vec<Value>) {
    for d in list.iter().filter(|d| matches!(d.name.as_str(), "location" | "if") && d.block.is_some()) {
        let own = headers(d.children());
        let has = if own.is_empty() {
            parent_has
        } else {
            let h = hsts_of(&own);
            if h.is_some() || parent_has {
                let why = match h {
                    Some(_) => "location sets its own Strict-Transport-Security".to_string(),
                    None => format!(
                        "{} {}: add_header here replaces the inherited headers, so Strict-Transport-Security is not sent",
                        d.name,
                        d.args.join(" ")
                    ),
                };
                out.push(hsts_item(d.item(), h, server, &why));
            }
            h.is_some()
        };
        hsts_locations(d.children(), has, server, out);
    }
}

fn tokens_in(list: &[Directive], server: &str, out: &mut Vec<Value>) {
    for d in list {
        if d.name == "server_tokens" && d.block.is_none() {
            out.push(token_item(d.item(), d.args.first().map(String::as_str).unwrap_or(""), server, false));
        }
        if d.name == "location" || d.name == "if" {
            tokens_in(d.children(), server, out);
        }
    }
}

fn token_item(mut m: Map<String, Value>, value: &str, server: &str, default: bool) -> Value {
    m.insert("directive".into(), "server_tokens".into());
    m.insert("value".into(), value.into());
    m.insert("lower".into(), value.to_ascii_lowercase().into());
    m.insert("default".into(), default.into());
    m.insert("server".into(), server.into());
    Value::Object(m)
}

fn analyse_http(http: &Directive, version: Option<(u32, u32, u32)>, out: &mut Out) {
    let hb = http.children();
    let http_protocols = last(hb, "ssl_protocols");
    let http_ciphers = last(hb, "ssl_ciphers");
    let http_tokens = last(hb, "server_tokens");
    let http_ssl_on = last(hb, "ssl").is_some_and(|d| d.args.first().is_some_and(|a| a == "on"));
    let http_headers = headers(hb);
    for srv in hb.iter().filter(|d| d.name == "server" && d.block.is_some()) {
        let sb = srv.children();
        let names: Vec<String> = sb.iter().filter(|d| d.name == "server_name").flat_map(|d| d.args.clone()).collect();
        let name = if names.is_empty() { "(no server_name)".to_string() } else { names.join(" ") };
        let ssl_on = match last(sb, "ssl") {
            Some(d) => d.args.first().is_some_and(|a| a == "on"),
            None => http_ssl_on,
        };
        let mut listens = Vec::new();
        for l in sb.iter().filter(|d| d.name == "listen" && d.block.is_none()) {
            let Some(spec) = l.args.first() else { continue };
            let (addr, port) = split_addr(spec, Some(80));
            let has = |p: &str| l.args.iter().skip(1).any(|a| a == p);
            let mut m = listen_item(&l.path, l.line, &l.detail(), &addr, port, ssl_on || has("ssl") || has("quic"));
            m.insert("default_server".into(), (has("default_server") || has("default")).into());
            m.insert("http2".into(), has("http2").into());
            m.insert("quic".into(), has("quic").into());
            m.insert("server".into(), name.clone().into());
            listens.push(Value::Object(m));
        }
        if listens.is_empty() {
            let mut m =
                listen_item(&srv.path, srv.line, "server without listen (listens on *:80)", "*", Some(80), ssl_on);
            m.insert("default_server".into(), false.into());
            m.insert("http2".into(), false.into());
            m.insert("quic".into(), false.into());
            m.insert("server".into(), name.clone().into());
            listens.push(Value::Object(m));
        }
        let tls = listens.iter().any(|l| l["ssl"] == true);
        let plain_public: Vec<&Value> =
            listens.iter().filter(|l| l["ssl"] == false && l["scope"] != "loopback").collect();
        let (redirect, serves) = judge_plain(srv);

        // ssl_protocols / ssl_ciphers, inherited from http.
        let proto = match last(sb, "ssl_protocols").or(http_protocols) {
            Some(d) => {
                let ps: Vec<&str> = d.args.iter().filter_map(|a| webtls::canonical_protocol(a)).collect();
                protocol_item(Some(&d.path), Some(d.line), &d.detail(), &d.args.join(" "), &ps, false)
            }
            None => {
                let ps = default_protocols(version);
                let why = match version {
                    Some(_) => format!("ssl_protocols not set: this nginx version's default is {}", ps.join(" ")),
                    None => format!(
                        "ssl_protocols not set: nginx before 1.27.3 defaults to {} (version unknown)",
                        ps.join(" ")
                    ),
                };
                protocol_item(Some(&http.path), Some(http.line), &why, &ps.join(" "), ps, true)
            }
        };
        let ciphers = last(sb, "ssl_ciphers")
            .or(http_ciphers)
            .and_then(|d| d.args.first().map(|v| webtls::cipher_item(&d.path, d.line, &d.detail(), v)));
        if tls {
            let mut p = proto.clone();
            p["server"] = name.clone().into();
            out.protocols.push(p);
            if let Some(c) = &ciphers {
                let mut c = c.clone();
                c["server"] = name.clone().into();
                out.ciphers.push(c);
            }
            let own = headers(sb);
            let (eff, from_http) = if own.is_empty() { (http_headers.clone(), true) } else { (own.clone(), false) };
            let h = hsts_of(&eff);
            let why = match (h, from_http, hsts_of(&http_headers)) {
                (Some(_), _, _) => "Strict-Transport-Security".to_string(),
                (None, false, Some(hh)) => format!(
                    "add_header in the server replaces the http-level headers, so the Strict-Transport-Security of {}:{} is not sent",
                    hh.path, hh.line
                ),
                _ => "no add_header Strict-Transport-Security".to_string(),
            };
            out.hsts.push(hsts_item(srv.item(), h, &name, &why));
            hsts_locations(sb, h.is_some(), &name, &mut out.hsts);
        }
        // server_tokens: the server's own or the http one (default on).
        match last(sb, "server_tokens").or(http_tokens) {
            Some(d) => {
                out.tokens.push(token_item(d.item(), d.args.first().map(String::as_str).unwrap_or(""), &name, false))
            }
            None => out.tokens.push(token_item(
                item(Some(&http.path), Some(http.line), "server_tokens not set (nginx default: on)"),
                "on",
                &name,
                true,
            )),
        }
        for d in sb.iter().filter(|d| d.name == "location") {
            tokens_in(d.children(), &name, &mut out.tokens);
        }
        if let Some(first) = plain_public.first() {
            let mut m = srv.item();
            m.insert("kind".into(), "nginx server".into());
            m.insert("server".into(), name.clone().into());
            m.insert("listen".into(), first["endpoint"].clone());
            m.insert("redirect".into(), redirect.clone().map(Value::Object).unwrap_or(Value::Null));
            m.insert("serves".into(), serves.clone().map(Value::Object).unwrap_or(Value::Null));
            let serves_text = serves.as_ref().map(|s| {
                format!("{} ({}:{})", s["detail"].as_str().unwrap_or(""), s["path"].as_str().unwrap_or(""), s["line"])
            });
            m.insert("serves_text".into(), serves_text.unwrap_or_default().into());
            out.http_plain.push(Value::Object(m));
        }
        // `ssl_certificate` and `ssl_certificate_key` are array directives:
        // the server's own list replaces the http-level one.
        let certs = |n: &str| -> Vec<Value> {
            let own = sb.iter().any(|d| d.name == n && d.block.is_none());
            (if own { sb } else { hb })
                .iter()
                .filter(|d| d.name == n && d.block.is_none())
                .map(|d| {
                    let mut m = d.item();
                    m.insert("value".into(), d.args.first().cloned().unwrap_or_default().into());
                    Value::Object(m)
                })
                .collect()
        };
        let mut s = srv.item();
        s.insert("server_names".into(), names.into());
        let name_directives: Vec<Value> = sb
            .iter()
            .filter(|d| d.name == "server_name" && d.block.is_none())
            .map(|d| {
                let mut m = d.item();
                m.insert("names".into(), d.args.clone().into());
                Value::Object(m)
            })
            .collect();
        s.insert("server_name_directives".into(), name_directives.into());
        s.insert("name".into(), name.clone().into());
        s.insert("listens".into(), listens.clone().into());
        s.insert("tls".into(), tls.into());
        s.insert("redirect".into(), redirect.map(Value::Object).unwrap_or(Value::Null));
        s.insert("serves".into(), serves.map(Value::Object).unwrap_or(Value::Null));
        s.insert("ssl_protocols".into(), proto);
        s.insert("ssl_ciphers".into(), ciphers.unwrap_or(Value::Null));
        s.insert("ssl_certificate".into(), certs("ssl_certificate").into());
        s.insert("ssl_certificate_key".into(), certs("ssl_certificate_key").into());
        out.servers.push(Value::Object(s));
        out.listens.extend(listens);
    }
}

/// `listen` of a `stream` server (ngx_stream_core_module): `address:port`,
/// `port`, `[v6]:port`, `unix:path`, or a port range `12345-12399` (1.15.10);
/// there is no default port. Returns (address, first port, last port).
fn stream_addr(spec: &str) -> (String, Option<u16>, Option<u16>) {
    if spec.starts_with("unix:") {
        return (spec.to_string(), None, None);
    }
    let (host, ports) = if let Some(rest) = spec.strip_prefix('[') {
        match rest.split_once(']') {
            Some((a, p)) => (format!("[{a}]"), p.strip_prefix(':').unwrap_or("")),
            None => (spec.to_string(), ""),
        }
    } else if !spec.is_empty() && spec.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        ("*".to_string(), spec)
    } else {
        match spec.rsplit_once(':') {
            Some((a, p)) if !a.contains(':') => (a.to_string(), p),
            _ => (spec.to_string(), ""),
        }
    };
    let (first, last) = match ports.split_once('-') {
        Some((a, b)) => (a.parse().ok(), b.parse().ok()),
        None => (ports.parse().ok(), None),
    };
    (host, first, last.filter(|l| first.is_some_and(|f| f < *l)))
}

/// Every `listen` of the `stream` (TCP/UDP proxy) servers: the `listens`
/// fields (no `server` name) plus `udp` and `port_last` (the end of a port
/// range, or null).
fn stream_listens(tree: &[Directive]) -> Vec<Value> {
    let mut out = Vec::new();
    for stream in tree.iter().filter(|d| d.name == "stream" && d.block.is_some()) {
        for srv in stream.children().iter().filter(|d| d.name == "server" && d.block.is_some()) {
            for l in srv.children().iter().filter(|d| d.name == "listen" && d.block.is_none()) {
                let Some(spec) = l.args.first() else { continue };
                let (addr, port, last) = stream_addr(spec);
                let has = |p: &str| l.args.iter().skip(1).any(|a| a == p);
                let mut m = listen_item(&l.path, l.line, &l.detail(), &addr, port, has("ssl"));
                m.insert("udp".into(), has("udp").into());
                m.insert("port_last".into(), last.map(Value::from).unwrap_or(Value::Null));
                out.push(Value::Object(m));
            }
        }
    }
    out
}

/// Parse one text (no includes), for tests and fuzzing: `(tree, errors)`.
pub fn parse_text(path: &str, text: &str) -> (Vec<Directive>, Vec<(usize, String)>) {
    let (toks, err) = tokenize(text);
    let mut errors: Vec<(usize, String)> = err.into_iter().collect();
    let tree = parse_tokens(path, &toks, &mut errors);
    (tree, errors)
}

pub fn collect(scan: &Scan) -> Result<Value, Unavailable> {
    let mut main = None;
    let mut unreadable = Vec::new();
    for m in MAIN_FILES {
        match scan.target.stat(m) {
            Ok(_) => {
                main = Some(*m);
                break;
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => unreadable.push(e),
        }
    }
    let Some(main) = main else {
        let u: Vec<Value> = unreadable.iter().map(|e| json!({"path": e.path(), "reason": e.reason()})).collect();
        return Ok(json!({"exists": !u.is_empty(), "files": [], "notes": [], "unreadable": u, "servers": [],
            "listens": [], "stream_listens": [], "http_plain": [], "tls_protocols": [], "tls_ciphers": [], "hsts": [],
            "tokens": []}));
    };
    let prefix = main.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_else(|| "/".into());
    let mut ld = Loader { scan, prefix, stack: Vec::new(), files: Vec::new(), notes: Vec::new(), unreadable };
    let tree = match ld.load(main, 0) {
        Ok(t) => t,
        Err(e) => {
            ld.unreadable.push(e);
            Vec::new()
        }
    };
    let version = version_of(scan);
    let mut out = Out {
        servers: Vec::new(),
        listens: Vec::new(),
        http_plain: Vec::new(),
        protocols: Vec::new(),
        ciphers: Vec::new(),
        hsts: Vec::new(),
        tokens: Vec::new(),
    };
    for http in tree.iter().filter(|d| d.name == "http" && d.block.is_some()) {
        analyse_http(http, version.as_ref().map(|v| v.1), &mut out);
    }
    let stream_listens = stream_listens(&tree);
    let unreadable: Vec<Value> =
        ld.unreadable.iter().map(|e| json!({"path": e.path(), "reason": e.reason()})).collect();
    Ok(json!({
        "exists": true,
        "main": main,
        "version": version.map(|v| v.0),
        "files": ld.files,
        "notes": ld.notes,
        "unreadable": unreadable,
        "servers": out.servers,
        "listens": out.listens,
        "stream_listens": stream_listens,
        "http_plain": out.http_plain,
        "tls_protocols": webtls::dedup(out.protocols),
        "tls_ciphers": webtls::dedup(out.ciphers),
        "hsts": webtls::dedup(out.hsts),
        "tokens": webtls::dedup(out.tokens),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collectors::test_support::scan_with;

    #[test]
    fn tokens_quotes_comments_variables() {
        let (t, e) = parse_text(
            "/x",
            "a 'b c' \"d\\\"e\" f#g; # comment ;\nrewrite ^/(.*)$ https://${host}/$1 permanent;\nb { c; }\n",
        );
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(t[0].args, vec!["b c", "d\"e", "f#g"]);
        assert_eq!(t[1].args[1], "https://${host}/$1");
        assert_eq!(t[1].line, 2);
        assert_eq!(t[2].block.as_ref().unwrap()[0].name, "c");
        assert_eq!(t[2].block.as_ref().unwrap()[0].line, 3);
    }

    #[test]
    fn garbage_never_panics() {
        for text in [
            "",
            "{",
            "}",
            ";",
            "a",
            "a {",
            "a 'unterminated",
            "a \"x\\",
            "}}}{{{",
            "\\",
            "$",
            "${",
            "a ${b;",
            "server { listen 80 ssl; location / { return 301 https://x; } ",
            "\u{0}\u{1}{;}'",
        ] {
            let _ = parse_text("/x", text);
        }
        let deep = "a {".repeat(10_000);
        let (_, e) = parse_text("/x", &deep);
        assert!(e.iter().any(|(_, m)| m.contains("nested deeper")));
        let (t, e) = parse_text("/x", "a b;\nc 'd;\n");
        assert_eq!(t.len(), 1);
        assert!(e.iter().any(|(l, m)| *l == 2 && m.contains("unterminated")));
    }

    #[test]
    fn include_cycle_missing_and_prefix() {
        let (_d, scan) = scan_with(&[
            ("/etc/nginx/nginx.conf", "include a.conf;\ninclude missing.conf;\nhttp { include sites/*; }\n"),
            ("/etc/nginx/a.conf", "include nginx.conf;\n"),
            ("/etc/nginx/sites/b", "server { listen 80; include snippets/x.conf; }\n"),
            ("/etc/nginx/snippets/x.conf", "return 301 https://$host$request_uri;\n"),
        ]);
        let v = collect(&scan).unwrap();
        let notes = v["notes"].to_string();
        assert!(notes.contains("include cycle"), "{notes}");
        assert!(notes.contains("missing.conf: file not found"), "{notes}");
        assert_eq!(v["servers"][0]["redirect"]["path"], "/etc/nginx/snippets/x.conf");
        assert_eq!(v["http_plain"].as_array().unwrap().len(), 1);
        assert_eq!(v["listens"][0]["port"], 80);
    }

    #[test]
    fn inheritance_and_defaults() {
        let (_d, scan) = scan_with(&[(
            "/etc/nginx/nginx.conf",
            "http {\n ssl_protocols TLSv1.2 TLSv1.3;\n add_header Strict-Transport-Security \"max-age=63072000\" always;\n\
             server {\n  listen 443 ssl;\n  location /a { add_header X-Frame-Options DENY; }\n }\n\
             server {\n  listen 8443 ssl;\n  ssl_protocols TLSv1 TLSv1.2;\n  add_header X-A b;\n }\n}\n",
        )]);
        let v = collect(&scan).unwrap();
        let p = v["tls_protocols"].as_array().unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0]["line"], 2);
        assert_eq!(p[1]["legacy"], json!(["TLSv1"]));
        let h = v["hsts"].as_array().unwrap();
        assert_eq!(h[0]["max_age"], 63072000);
        assert_eq!(h[1]["line"], 6);
        assert_eq!(h[1]["max_age"], Value::Null);
        assert_eq!(h[2]["line"], 8);
        assert_eq!(h[2]["max_age"], Value::Null);
        assert_eq!(v["tokens"][0]["default"], true);
        assert_eq!(v["tokens"].as_array().unwrap().len(), 1);
    }
}
