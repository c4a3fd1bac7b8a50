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
//!   16 levels, a file being read is not read again (cycle), files are
//!   bounded ([`crate::limits::INCLUDES`]), blocks nest up to 64 levels;
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

mod analyse;

pub use analyse::{version_of, Analysis};

use super::packages::Packages;
use super::webtls::{self, Listen};
use crate::limits;
use crate::sources::include::{Includes, Notes, Skip};
use crate::sources::{item, Reader};
use crate::target::{self, ReadError};
use serde_json::{json, Map, Value};

pub const MAIN_FILES: &[&str] =
    &["/etc/nginx/nginx.conf", "/usr/local/nginx/conf/nginx.conf", "/usr/local/etc/nginx/nginx.conf"];
const MAX_NEST: usize = limits::CONFIG_NESTING;

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

/// Reads the configuration with its includes expanded in place.
struct Loader {
    prefix: String,
    notes: Notes,
}

impl Loader {
    fn note(&mut self, path: &str, line: Option<usize>, msg: String) {
        self.notes.push(path, line, msg);
    }

    /// Read and parse one file, expanding its includes.
    fn load(&mut self, inc: &mut Includes, path: &str, depth: usize) -> Result<Vec<Directive>, Skip> {
        inc.read(path, depth, |inc, file| {
            let (toks, err) = tokenize(&file.text);
            let mut errors: Vec<(usize, String)> = err.into_iter().collect();
            let tree = parse_tokens(path, &toks, &mut errors);
            for (l, m) in errors {
                self.note(path, Some(l), format!("syntax: {m}"));
            }
            self.expand(inc, tree, depth)
        })
    }

    /// An `include` in place: a glob in name order, a relative path from
    /// the configuration prefix.
    fn include(&mut self, inc: &mut Includes, d: &Directive, depth: usize, out: &mut Vec<Directive>) {
        let Some(arg) = d.args.first() else { return };
        let full = if arg.starts_with('/') { target::normalize(arg) } else { target::join(&self.prefix, arg) };
        for p in inc.expand(&full) {
            if inc.reader.target.stat(&p).is_ok_and(|m| m.file_type == target::FileType::Dir) {
                continue;
            }
            let bound = limits::INCLUDES;
            match self.load(inc, &p, depth + 1) {
                Ok(t) => out.extend(t),
                Err(Skip::TooDeep) => self.note(
                    &d.path,
                    Some(d.line),
                    format!("include {p} not read: nested deeper than {}", bound.depth),
                ),
                Err(Skip::Loop) => {
                    self.note(&d.path, Some(d.line), format!("include {p} not read again: include cycle"))
                }
                Err(Skip::TooMany) => {
                    let why = inc.bound_reached();
                    self.note(&d.path, Some(d.line), format!("include {p} {why}"));
                    inc.record_skip(&p, Skip::TooMany);
                }
                Err(skip) if skip.is_not_found() => {
                    self.note(&d.path, Some(d.line), format!("include {p}: file not found"))
                }
                Err(skip) => inc.record_skip(&p, skip),
            }
        }
    }

    fn expand(&mut self, inc: &mut Includes, list: Vec<Directive>, depth: usize) -> Vec<Directive> {
        let mut out = Vec::new();
        for mut d in list {
            if d.name == "include" && d.block.is_none() {
                self.include(inc, &d, depth, &mut out);
                continue;
            }
            if let Some(b) = d.block.take() {
                d.block = Some(self.expand(inc, b, depth));
            }
            out.push(d);
        }
        out
    }
}

/// Parse one text (no includes), for tests and fuzzing: `(tree, errors)`.
pub fn parse_text(path: &str, text: &str) -> (Vec<Directive>, Vec<(usize, String)>) {
    let (toks, err) = tokenize(text);
    let mut errors: Vec<(usize, String)> = err.into_iter().collect();
    let tree = parse_tokens(path, &toks, &mut errors);
    (tree, errors)
}

/// The nginx configuration as read and analysed.
#[derive(Debug, Default)]
pub struct Config {
    /// The main file; `None` when nginx is not installed.
    pub main: Option<String>,
    /// The configuration prefix (relative paths start there).
    pub prefix: String,
    pub files: Vec<String>,
    /// Syntax errors, missing includes, includes not read.
    pub notes: Vec<Value>,
    pub unreadable: Vec<ReadError>,
    /// The installed version (from the package database).
    pub version: Option<(String, (u32, u32, u32))>,
    pub tree: Vec<Directive>,
    pub analysis: Analysis,
}

/// Read the configuration (includes expanded) and analyse it.
pub fn read(r: &Reader, packages: &Packages) -> Config {
    let mut cfg = Config::default();
    for m in MAIN_FILES {
        match r.target.stat(m) {
            Ok(_) => {
                cfg.main = Some(m.to_string());
                break;
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => cfg.unreadable.push(e),
        }
    }
    let Some(main) = cfg.main.clone() else { return cfg };
    cfg.prefix = main.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_else(|| "/".into());
    let mut inc = Includes::new(r, limits::INCLUDES);
    let mut ld = Loader { prefix: cfg.prefix.clone(), notes: Notes::default() };
    match ld.load(&mut inc, &main, 0) {
        Ok(t) => cfg.tree = t,
        Err(skip) => inc.record_skip(&main, skip),
    }
    let (files, unreadable) = inc.finish();
    cfg.files = files;
    cfg.unreadable.extend(unreadable);
    cfg.notes = ld.notes.finish();
    cfg.version = version_of(packages);
    cfg.analysis = analyse::analyse(&cfg);
    cfg
}

impl Config {
    /// The `nginx` facts: `{exists, main, version, files, notes,
    /// unreadable, servers, listens, stream_listens, http_plain,
    /// tls_protocols, tls_ciphers, hsts, tokens}`.
    pub fn facts(&self) -> Value {
        let unreadable: Vec<Value> =
            self.unreadable.iter().map(|e| json!({"path": e.path(), "reason": e.reason()})).collect();
        let Some(main) = &self.main else {
            let mut facts = json!({"exists": !unreadable.is_empty(), "files": [], "notes": [],
                "unreadable": unreadable, "servers": [], "listens": [], "stream_listens": []});
            webtls::Findings::default().add_facts(&mut facts);
            return facts;
        };
        let a = &self.analysis;
        let mut facts = json!({
            "exists": true,
            "main": main,
            "version": self.version.as_ref().map(|v| v.0.clone()),
            "files": self.files,
            "notes": self.notes,
            "unreadable": unreadable,
            "servers": a.servers,
            "listens": a.listens.iter().map(Listen::fact).collect::<Vec<_>>(),
            "stream_listens": a.stream_listens.iter().map(Listen::fact).collect::<Vec<_>>(),
        });
        a.web.add_facts(&mut facts);
        facts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collectors::test_support::scan_with;

    fn collect(r: &Reader) -> Result<Value, ()> {
        Ok(read(r, &Packages::default()).facts())
    }

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
