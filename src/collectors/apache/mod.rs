//! `apache`: the Apache httpd configuration, read as httpd 2.4 reads it
//! (core docs "Configuration Files", `Include`, `<VirtualHost>`; mod_ssl):
//!
//! - main file: `/etc/apache2/apache2.conf` (Debian, ServerRoot
//!   `/etc/apache2`) or `/etc/httpd/conf/httpd.conf` (RHEL, ServerRoot
//!   `/etc/httpd`); a `ServerRoot` directive changes the root for later
//!   relative paths;
//! - one directive per line, names case-insensitive, a trailing `\` joins the
//!   next line, `#` starts a comment line, arguments may be quoted;
//! - `Include`/`IncludeOptional` are expanded in place (also inside
//!   sections): relative to ServerRoot, wildcards in any component, files in
//!   sorted order, a directory includes every file below it; a missing
//!   `Include` is reported in `notes`. At most 16 levels, files bounded
//!   ([`crate::limits::INCLUDES`]); a file being read is not read again;
//! - `<IfModule>`, `<IfDefine>`, `<IfVersion>` are treated as active (their
//!   condition is kept in `conditions`, negated ones too);
//! - a `<VirtualHost>` inherits `SSLEngine`, `SSLProtocol`, `SSLCipherSuite`
//!   and `ServerSignature` from the server config when it does not set them;
//!   `Header` settings of the server config also apply to every vhost;
//! - `SSLProtocol` is evaluated as mod_ssl does: a word without `+`/`-`
//!   replaces the set, `+X` adds, `-X` removes; `all` is TLSv1 to TLSv1.3
//!   (plus SSLv3 on OpenSSL builds that still have it); unset means
//!   `all -SSLv3`; `ServerTokens` defaults to `Full`, `ServerSignature` to
//!   `Off`.
//!
//! Facts as the `nginx` source: `{exists, files, notes, unreadable, sites,
//! listens, http_plain, tls_protocols, tls_ciphers, hsts, tokens}`.

mod analyse;

pub use analyse::{ssl_protocols, Analysis};

use super::webtls::{self, Listen};
use crate::limits;
use crate::sources::include::{Includes, Notes, Skip};
use crate::sources::{item, Reader};
use crate::target::{self, ReadError};
use serde_json::{json, Map, Value};

pub const MAIN_FILES: &[(&str, &str)] =
    &[("/etc/apache2/apache2.conf", "/etc/apache2"), ("/etc/httpd/conf/httpd.conf", "/etc/httpd")];
const MAX_NEST: usize = limits::CONFIG_NESTING;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Lower-case name (`<VirtualHost>` → `virtualhost`).
    pub name: String,
    pub args: Vec<String>,
    pub path: String,
    pub line: usize,
    pub raw: String,
    pub children: Option<Vec<Node>>,
}

impl Node {
    fn item(&self) -> Map<String, Value> {
        item(Some(&self.path), Some(self.line), self.raw.clone())
    }
    fn kids(&self) -> &[Node] {
        self.children.as_deref().unwrap_or(&[])
    }
    fn arg(&self, i: usize) -> &str {
        self.args.get(i).map(String::as_str).unwrap_or("")
    }
}

/// Split arguments like `ap_getword_conf`: whitespace, `"…"` and `'…'` group.
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&c) = chars.peek() else { break };
        let mut w = String::new();
        if c == '"' || c == '\'' {
            chars.next();
            while let Some(d) = chars.next() {
                if d == '\\' && chars.peek().is_some_and(|&n| n == c || n == '\\') {
                    w.push(chars.next().unwrap_or(d));
                } else if d == c {
                    break;
                } else {
                    w.push(d);
                }
            }
        } else {
            while let Some(&d) = chars.peek() {
                if d.is_whitespace() {
                    break;
                }
                w.push(d);
                chars.next();
            }
        }
        out.push(w);
    }
    out
}

/// Parse one file's text into nodes; errors are `(line, message)`.
pub fn parse_text(path: &str, text: &str) -> (Vec<Node>, Vec<(usize, String)>) {
    let mut errors = Vec::new();
    // Logical lines with `\` continuation.
    let mut lines: Vec<(usize, String)> = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim_end();
        let (body, cont) = match t.strip_suffix('\\') {
            Some(b) => (b, true),
            None => (t, false),
        };
        match pending.as_mut() {
            Some((_, s)) => {
                s.push(' ');
                s.push_str(body.trim_start());
            }
            None => pending = Some((i + 1, body.to_string())),
        }
        if !cont {
            lines.extend(pending.take());
        }
    }
    lines.extend(pending.take());
    // Stack of open sections.
    let mut stack: Vec<(Node, Vec<Node>)> = Vec::new();
    let mut top: Vec<Node> = Vec::new();
    for (line, l) in lines {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if let Some(close) = t.strip_prefix("</") {
            let name = close.trim_end_matches('>').trim().to_ascii_lowercase();
            match stack.pop() {
                Some((mut n, kids)) => {
                    if n.name != name {
                        errors.push((line, format!("</{name}> closes <{}> of line {}", n.name, n.line)));
                    }
                    n.children = Some(kids);
                    match stack.last_mut() {
                        Some((_, k)) => k.push(n),
                        None => top.push(n),
                    }
                }
                None => errors.push((line, format!("</{name}> without an open section"))),
            }
            continue;
        }
        if let Some(open) = t.strip_prefix('<') {
            let inner = open.strip_suffix('>').unwrap_or(open);
            let mut ws = words(inner);
            if ws.is_empty() {
                errors.push((line, "empty section".into()));
                continue;
            }
            if stack.len() >= MAX_NEST {
                errors.push((line, format!("sections nested deeper than {MAX_NEST}: skipped")));
                continue;
            }
            let name = ws.remove(0).to_ascii_lowercase();
            let n = Node { name, args: ws, path: path.into(), line, raw: t.to_string(), children: None };
            stack.push((n, Vec::new()));
            continue;
        }
        let mut ws = words(t);
        if ws.is_empty() {
            continue;
        }
        let name = ws.remove(0).to_ascii_lowercase();
        let n = Node { name, args: ws, path: path.into(), line, raw: t.to_string(), children: None };
        match stack.last_mut() {
            Some((_, k)) => k.push(n),
            None => top.push(n),
        }
    }
    while let Some((mut n, kids)) = stack.pop() {
        errors.push((n.line, format!("<{}> is not closed", n.name)));
        n.children = Some(kids);
        match stack.last_mut() {
            Some((_, k)) => k.push(n),
            None => top.push(n),
        }
    }
    (top, errors)
}

/// Reads the configuration with its includes expanded in place.
struct Loader {
    root: String,
    notes: Notes,
}

impl Loader {
    fn note(&mut self, path: &str, line: usize, msg: String) {
        self.notes.push(path, Some(line), msg);
    }

    fn load(&mut self, inc: &mut Includes, path: &str, depth: usize) -> Result<Vec<Node>, Skip> {
        inc.read(path, depth, |inc, file| {
            let (tree, errors) = parse_text(path, &file.text);
            for (l, m) in errors {
                self.note(path, l, format!("syntax: {m}"));
            }
            self.expand(inc, tree, depth)
        })
    }

    /// Every file a directory include reads (recursively, sorted).
    fn dir_files(inc: &Includes, dir: &str, depth: usize, out: &mut Vec<String>) {
        if depth > 8 || out.len() > limits::INCLUDES.files {
            return;
        }
        if let Ok(list) = inc.dir(dir) {
            for e in list {
                match inc.reader.target.stat(&e.path).map(|m| m.file_type) {
                    Ok(target::FileType::Dir) => Self::dir_files(inc, &e.path, depth + 1, out),
                    Ok(_) => out.push(e.path),
                    Err(_) => {}
                }
            }
        }
    }

    /// `Include`/`IncludeOptional` in place: relative to ServerRoot,
    /// wildcards in any component, a directory includes every file below it.
    fn include(&mut self, inc: &mut Includes, n: &Node, depth: usize, out: &mut Vec<Node>) {
        let optional = n.name == "includeoptional";
        let arg = n.arg(0);
        let full = if arg.starts_with('/') { target::normalize(arg) } else { target::join(&self.root, arg) };
        let paths = inc.expand(&full);
        if full.contains(['*', '?', '[']) && paths.is_empty() && !optional {
            self.note(&n.path, n.line, format!("Include {full}: no file matches (httpd refuses to start)"));
        }
        let mut expanded = Vec::new();
        for p in paths {
            if inc.reader.target.stat(&p).is_ok_and(|m| m.file_type == target::FileType::Dir) {
                Self::dir_files(inc, &p, 0, &mut expanded);
            } else {
                expanded.push(p);
            }
        }
        let bound = limits::INCLUDES;
        for p in expanded {
            match self.load(inc, &p, depth + 1) {
                Ok(t) => out.extend(t),
                Err(Skip::Loop | Skip::TooDeep) => self.note(
                    &n.path,
                    n.line,
                    format!("Include {p} not read: include cycle or nesting deeper than {}", bound.depth),
                ),
                Err(Skip::TooMany) => {
                    let why = inc.bound_reached();
                    self.note(&n.path, n.line, format!("Include {p} {why}"));
                    inc.record_skip(&p, Skip::TooMany);
                }
                Err(skip) if skip.is_not_found() => {
                    if !optional {
                        self.note(&n.path, n.line, format!("Include {p}: file not found (httpd refuses to start)"));
                    }
                }
                Err(skip) => inc.record_skip(&p, skip),
            }
        }
    }

    fn expand(&mut self, inc: &mut Includes, list: Vec<Node>, depth: usize) -> Vec<Node> {
        let mut out = Vec::new();
        for mut n in list {
            if n.name == "serverroot" && n.children.is_none() && n.arg(0).starts_with('/') {
                self.root = target::normalize(n.arg(0));
            }
            if (n.name == "include" || n.name == "includeoptional") && n.children.is_none() {
                self.include(inc, &n, depth, &mut out);
                continue;
            }
            if let Some(k) = n.children.take() {
                n.children = Some(self.expand(inc, k, depth));
            }
            out.push(n);
        }
        out
    }
}

/// The Apache configuration as read and analysed.
#[derive(Debug, Default)]
pub struct Config {
    /// The main file; `None` when Apache is not installed.
    pub main: Option<String>,
    /// ServerRoot (relative paths start there), after `ServerRoot` directives.
    pub server_root: String,
    pub files: Vec<String>,
    pub notes: Vec<Value>,
    pub unreadable: Vec<ReadError>,
    pub analysis: Analysis,
}

impl Config {
    /// The service unit name (`apache2` on Debian, `httpd` on RHEL).
    pub fn service(&self) -> &'static str {
        if self.main.as_deref().is_some_and(|m| m.starts_with("/etc/httpd")) {
            "httpd"
        } else {
            "apache2"
        }
    }
}

/// Read the configuration (includes expanded) and analyse it.
pub fn read(r: &Reader) -> Config {
    let mut cfg = Config::default();
    let mut found = None;
    for (m, root) in MAIN_FILES {
        match r.target.stat(m) {
            Ok(_) => {
                found = Some((*m, *root));
                break;
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => cfg.unreadable.push(e),
        }
    }
    let Some((main, root)) = found else { return cfg };
    cfg.main = Some(main.to_string());
    let mut inc = Includes::new(r, limits::INCLUDES);
    let mut ld = Loader { root: root.to_string(), notes: Notes::default() };
    let tree = match ld.load(&mut inc, main, 0) {
        Ok(t) => t,
        Err(skip) => {
            inc.record_skip(main, skip);
            Vec::new()
        }
    };
    let (files, unreadable) = inc.finish();
    cfg.files = files;
    cfg.unreadable.extend(unreadable);
    cfg.notes = ld.notes.finish();
    cfg.server_root = ld.root;
    cfg.analysis = analyse::analyse(main, &tree);
    cfg
}

impl Config {
    /// The `apache` facts: `{exists, main, server_root, files, notes,
    /// unreadable, sites, listens, http_plain, tls_protocols, tls_ciphers,
    /// hsts, tokens}`.
    pub fn facts(&self) -> Value {
        let unreadable: Vec<Value> =
            self.unreadable.iter().map(|e| json!({"path": e.path(), "reason": e.reason()})).collect();
        let Some(main) = &self.main else {
            let mut facts = json!({"exists": !unreadable.is_empty(), "files": [], "notes": [],
                "unreadable": unreadable, "sites": [], "listens": []});
            webtls::Findings::default().add_facts(&mut facts);
            return facts;
        };
        let a = &self.analysis;
        let mut facts = json!({
            "exists": true,
            "main": main,
            "server_root": self.server_root,
            "files": self.files,
            "notes": self.notes,
            "unreadable": unreadable,
            "sites": a.site_facts,
            "listens": a.listens.iter().map(Listen::fact).collect::<Vec<_>>(),
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
        Ok(read(r).facts())
    }

    #[test]
    fn protocol_arithmetic() {
        let p = |s: &str| ssl_protocols(&s.split_whitespace().map(String::from).collect::<Vec<_>>());
        assert_eq!(p("all -SSLv3"), vec!["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]);
        assert_eq!(p("-all +TLSv1.2 +TLSv1.3"), vec!["TLSv1.2", "TLSv1.3"]);
        assert_eq!(p("all -SSLv3 -TLSv1 -TLSv1.1"), vec!["TLSv1.2", "TLSv1.3"]);
        assert_eq!(p("TLSv1.2 +tlsv1"), vec!["TLSv1", "TLSv1.2"]);
        assert_eq!(p("+TLSv1.2 TLSv1.3"), vec!["TLSv1.3"]);
    }

    #[test]
    fn garbage_never_panics() {
        for t in ["<", "</a>", "<a", "<>", "\\", "a \\\n", "<VirtualHost *:80>\n", "'", "\"x", "<a>\n</b>\n", "\u{0}"] {
            let _ = parse_text("/x", t);
        }
        let deep = "<If x>\n".repeat(5000);
        let (_, e) = parse_text("/x", &deep);
        assert!(e.iter().any(|(_, m)| m.contains("nested deeper")));
        let (t, e) = parse_text("/x", "Listen \\\n 80\n<VirtualHost *:80>\nServerName a\n");
        assert_eq!(t[0].args, vec!["80"]);
        assert_eq!(t[1].line, 3);
        assert!(e.iter().any(|(l, m)| *l == 3 && m.contains("not closed")));
    }

    #[test]
    fn debian_layout_cycle_and_inheritance() {
        let (_d, scan) = scan_with(&[
            ("/etc/apache2/apache2.conf", "IncludeOptional mods-enabled/*.conf\nInclude ports.conf\nIncludeOptional sites-enabled/*.conf\nInclude apache2.conf\nSSLProtocol all -SSLv3\n"),
            ("/etc/apache2/ports.conf", "Listen 80\n<IfModule ssl_module>\n  Listen 443\n</IfModule>\n"),
            ("/etc/apache2/sites-enabled/a.conf", "<VirtualHost *:80>\n DocumentRoot /var/www\n</VirtualHost>\n<VirtualHost *:443>\n SSLEngine on\n Header always set Strict-Transport-Security \"max-age=300\"\n</VirtualHost>\n"),
        ]);
        let v = collect(&scan).unwrap();
        assert!(v["notes"].to_string().contains("include cycle"));
        assert_eq!(v["listens"][1]["ssl"], true);
        assert_eq!(v["http_plain"][0]["line"], 1);
        assert_eq!(v["tls_protocols"][0]["legacy"], json!(["TLSv1", "TLSv1.1"]));
        assert_eq!(v["tls_protocols"][0]["path"], "/etc/apache2/apache2.conf");
        assert_eq!(v["hsts"][0]["max_age"], 300);
        assert_eq!(v["tokens"][0]["value"], "Full");
    }
}
