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
//!   `Include` is reported in `notes`. At most 16 levels, 512 files; a file
//!   being read is not read again;
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

use super::webtls::{self, catch_all, listen_item, protocol_item, split_addr};
use crate::sources::{item, Scan, Unavailable};
use crate::target::{self, ReadError};
use serde_json::{json, Map, Value};

pub const MAIN_FILES: &[(&str, &str)] =
    &[("/etc/apache2/apache2.conf", "/etc/apache2"), ("/etc/httpd/conf/httpd.conf", "/etc/httpd")];
const MAX_DEPTH: usize = 16;
const MAX_FILES: usize = 512;
const MAX_NEST: usize = 64;

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

struct Loader<'a> {
    scan: &'a Scan,
    root: String,
    stack: Vec<String>,
    files: Vec<String>,
    notes: Vec<Value>,
    unreadable: Vec<ReadError>,
}

impl Loader<'_> {
    fn note(&mut self, path: &str, line: usize, msg: String) {
        self.notes.push(Value::Object(item(Some(path), Some(line), msg)));
    }

    fn load(&mut self, path: &str, depth: usize) -> Result<Vec<Node>, ReadError> {
        let file = self.scan.read_text(path)?;
        self.files.push(path.to_string());
        let key = self.scan.target.stat(path).map(|m| m.path).unwrap_or_else(|_| path.to_string());
        self.stack.push(key);
        let (tree, errors) = parse_text(path, &file.text);
        for (l, m) in errors {
            self.note(path, l, format!("syntax: {m}"));
        }
        let tree = self.expand(tree, depth);
        self.stack.pop();
        Ok(tree)
    }

    /// Every file a directory include reads (recursively, sorted).
    fn dir_files(&self, dir: &str, depth: usize, out: &mut Vec<String>) {
        if depth > 8 || out.len() > MAX_FILES {
            return;
        }
        if let Ok(list) = self.scan.target.read_dir(dir) {
            for e in list {
                match self.scan.target.stat(&e.path).map(|m| m.file_type) {
                    Ok(target::FileType::Dir) => self.dir_files(&e.path, depth + 1, out),
                    Ok(_) => out.push(e.path),
                    Err(_) => {}
                }
            }
        }
    }

    fn expand(&mut self, list: Vec<Node>, depth: usize) -> Vec<Node> {
        let mut out = Vec::new();
        for mut n in list {
            if n.name == "serverroot" && n.children.is_none() && n.arg(0).starts_with('/') {
                self.root = target::normalize(n.arg(0));
            }
            if (n.name == "include" || n.name == "includeoptional") && n.children.is_none() {
                let optional = n.name == "includeoptional";
                let arg = n.arg(0);
                let full = if arg.starts_with('/') { target::normalize(arg) } else { target::join(&self.root, arg) };
                let wild = full.contains(['*', '?', '[']);
                let mut paths = if wild { self.scan.glob(&full) } else { vec![full.clone()] };
                if paths.is_empty() && !optional {
                    self.note(&n.path, n.line, format!("Include {full}: no file matches (httpd refuses to start)"));
                }
                let mut expanded = Vec::new();
                for p in paths.drain(..) {
                    if self.scan.target.stat(&p).is_ok_and(|m| m.file_type == target::FileType::Dir) {
                        self.dir_files(&p, 0, &mut expanded);
                    } else {
                        expanded.push(p);
                    }
                }
                for p in expanded {
                    let key = self.scan.target.stat(&p).map(|m| m.path).unwrap_or_else(|_| p.clone());
                    if depth >= MAX_DEPTH || self.stack.contains(&key) {
                        self.note(
                            &n.path,
                            n.line,
                            format!("Include {p} not read: include cycle or nesting deeper than {MAX_DEPTH}"),
                        );
                        continue;
                    }
                    if self.files.len() >= MAX_FILES {
                        self.note(&n.path, n.line, format!("Include {p} not read: more than {MAX_FILES} files"));
                        continue;
                    }
                    match self.load(&p, depth + 1) {
                        Ok(t) => out.extend(t),
                        Err(e) if e.is_not_found() => {
                            if !optional {
                                self.note(
                                    &n.path,
                                    n.line,
                                    format!("Include {p}: file not found (httpd refuses to start)"),
                                );
                            }
                        }
                        Err(e) => self.unreadable.push(e),
                    }
                }
                continue;
            }
            if let Some(k) = n.children.take() {
                n.children = Some(self.expand(k, depth));
            }
            out.push(n);
        }
        out
    }
}

/// Directives that apply at one level: sections that are conditions
/// (`IfModule`, `IfDefine`, `IfVersion`, `IfFile`, `IfDirective`) are
/// flattened, everything else is kept as a section.
fn flat<'a>(list: &'a [Node], conds: &mut Vec<String>, out: &mut Vec<(&'a Node, Vec<String>)>) {
    for n in list {
        if matches!(n.name.as_str(), "ifmodule" | "ifdefine" | "ifversion" | "iffile" | "ifdirective" | "ifsection") {
            conds.push(format!("<{} {}>", n.name, n.args.join(" ")));
            flat(n.kids(), conds, out);
            conds.pop();
        } else {
            out.push((n, conds.clone()));
        }
    }
}

fn last<'a>(level: &[(&'a Node, Vec<String>)], name: &str) -> Option<&'a Node> {
    level.iter().rev().map(|(n, _)| *n).find(|n| n.name == name && n.children.is_none())
}

/// mod_ssl's `SSLProtocol` arithmetic.
pub fn ssl_protocols(args: &[String]) -> Vec<&'static str> {
    let mut set: Vec<&'static str> = Vec::new();
    for w in args {
        let (op, name) = match w.chars().next() {
            Some(c @ ('+' | '-')) => (c, &w[1..]),
            _ => (' ', w.as_str()),
        };
        let these: Vec<&'static str> = if name.eq_ignore_ascii_case("all") {
            vec!["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
        } else {
            webtls::canonical_protocol(name).into_iter().collect()
        };
        match op {
            '+' => set.extend(these),
            '-' => set.retain(|p| !these.contains(p)),
            _ => set = these,
        }
    }
    webtls::PROTOCOLS.iter().copied().filter(|p| set.contains(p)).collect()
}

fn is_on(n: Option<&Node>) -> Option<bool> {
    n.map(|n| n.arg(0).eq_ignore_ascii_case("on") || n.arg(0).eq_ignore_ascii_case("optional"))
}

/// A redirect of every request to https at this level.
fn redirect_in(level: &[(&Node, Vec<String>)]) -> Option<Map<String, Value>> {
    let rewrite_on = last(level, "rewriteengine").is_some_and(|n| n.arg(0).eq_ignore_ascii_case("on"));
    level
        .iter()
        .map(|(n, _)| *n)
        .find(|n| {
            let a: Vec<&str> = n.args.iter().map(String::as_str).collect();
            let status = |s: &str| {
                matches!(
                    s.to_ascii_lowercase().as_str(),
                    "permanent" | "temp" | "seeother" | "301" | "302" | "303" | "307" | "308"
                )
            };
            match n.name.as_str() {
                "redirect" | "redirectpermanent" | "redirecttemp" => {
                    let rest = if a.first().is_some_and(|s| status(s)) { &a[1..] } else { &a[..] };
                    matches!(rest, [p, u, ..] if *p == "/" && u.starts_with("https://"))
                }
                "redirectmatch" => {
                    let rest = if a.first().is_some_and(|s| status(s)) { &a[1..] } else { &a[..] };
                    matches!(rest, [re, u, ..] if catch_all(re) && u.starts_with("https://"))
                }
                "rewriterule" => {
                    rewrite_on && matches!(a.as_slice(), [re, u, ..] if catch_all(re) && u.starts_with("https://"))
                }
                _ => false,
            }
        })
        .map(Node::item)
}

/// Strict-Transport-Security set by `Header` anywhere in these nodes.
fn hsts_header(list: &[Node]) -> Option<&Node> {
    for n in list {
        if n.name == "header" && n.children.is_none() {
            let mut a = n.args.iter().map(String::as_str);
            let mut first = a.next().unwrap_or("");
            if first.eq_ignore_ascii_case("always") || first.eq_ignore_ascii_case("onsuccess") {
                first = a.next().unwrap_or("");
            }
            let hdr = a.next().unwrap_or("");
            if matches!(first.to_ascii_lowercase().as_str(), "set" | "add" | "append" | "merge" | "setifempty")
                && hdr.eq_ignore_ascii_case("strict-transport-security")
            {
                return Some(n);
            }
        }
        if n.name != "virtualhost" {
            if let Some(h) = hsts_header(n.kids()) {
                return Some(h);
            }
        }
    }
    None
}

struct Site<'a> {
    node: Option<&'a Node>,
    level: Vec<(&'a Node, Vec<String>)>,
    kids: &'a [Node],
    listens: Vec<Value>,
}

pub fn collect(scan: &Scan) -> Result<Value, Unavailable> {
    let mut found = None;
    let mut unreadable = Vec::new();
    for (m, root) in MAIN_FILES {
        match scan.target.stat(m) {
            Ok(_) => {
                found = Some((*m, *root));
                break;
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => unreadable.push(e),
        }
    }
    let Some((main, root)) = found else {
        let u: Vec<Value> = unreadable.iter().map(|e| json!({"path": e.path(), "reason": e.reason()})).collect();
        return Ok(json!({"exists": !u.is_empty(), "files": [], "notes": [], "unreadable": u, "sites": [],
            "listens": [], "http_plain": [], "tls_protocols": [], "tls_ciphers": [], "hsts": [], "tokens": []}));
    };
    let mut ld =
        Loader { scan, root: root.into(), stack: Vec::new(), files: Vec::new(), notes: Vec::new(), unreadable };
    let tree = match ld.load(main, 0) {
        Ok(t) => t,
        Err(e) => {
            ld.unreadable.push(e);
            Vec::new()
        }
    };
    let mut global = Vec::new();
    flat(&tree, &mut Vec::new(), &mut global);

    // Listen directives.
    let mut listens = Vec::new();
    for (n, conds) in global.iter().filter(|(n, _)| n.name == "listen" && n.children.is_none()) {
        let (addr, port) = split_addr(n.arg(0), None);
        let proto = n.args.get(1).map(|p| p.to_ascii_lowercase());
        let ssl = proto.as_deref() == Some("https") || (proto.is_none() && port == Some(443));
        let mut m = listen_item(&n.path, n.line, &n.raw, &addr, port, ssl);
        m.insert("conditions".into(), conds.clone().into());
        listens.push(Value::Object(m));
    }

    // Virtual hosts and the main server (for the Listen ports no vhost covers).
    let mut sites: Vec<Site> = Vec::new();
    let mut vhost_ports: Vec<Option<u16>> = Vec::new();
    for (n, _) in global.iter().filter(|(n, _)| n.name == "virtualhost" && n.children.is_some()) {
        let mut level = Vec::new();
        flat(n.kids(), &mut Vec::new(), &mut level);
        let mut ls = Vec::new();
        for a in &n.args {
            let (addr, port) = split_addr(a, None);
            vhost_ports.push(port);
            ls.push(Value::Object(listen_item(&n.path, n.line, &n.raw, &addr, port, false)));
        }
        sites.push(Site { node: Some(n), level, kids: n.kids(), listens: ls });
    }
    let uncovered: Vec<Value> = listens
        .iter()
        .filter(|l| !vhost_ports.iter().any(|p| p.is_none() || p.map(Value::from) == Some(l["port"].clone())))
        .cloned()
        .collect();
    if !uncovered.is_empty() {
        let level = global.iter().filter(|(n, _)| n.name != "virtualhost").cloned().collect();
        sites.push(Site { node: None, level, kids: &[], listens: uncovered });
    }

    let g_engine = is_on(last(&global, "sslengine")).unwrap_or(false);
    let g_proto = last(&global, "sslprotocol");
    let g_cipher = last(&global, "sslciphersuite");
    let g_sig = last(&global, "serversignature");
    let top_level: Vec<Node> =
        global.iter().filter(|(n, _)| n.name != "virtualhost").map(|(n, _)| (*n).clone()).collect();
    let g_hsts = hsts_header(&top_level);

    let (mut out_sites, mut http_plain, mut protocols, mut ciphers, mut hsts, mut tokens) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for s in &sites {
        let is_vhost = s.node.is_some();
        let own = |name: &str| if is_vhost { last(&s.level, name) } else { None };
        let tls = is_on(own("sslengine")).unwrap_or(g_engine);
        let mut listens_v = s.listens.clone();
        for l in &mut listens_v {
            if is_vhost {
                l["ssl"] = tls.into();
            }
        }
        let server_name = last(&s.level, "servername").map(|n| n.arg(0).to_string());
        let label = match s.node {
            Some(n) => format!(
                "<VirtualHost {}>{}",
                n.args.join(" "),
                server_name.as_ref().map(|s| format!(" {s}")).unwrap_or_default()
            ),
            None => "main server".to_string(),
        };
        let at = match s.node {
            Some(n) => n.item(),
            None => item(Some(main), None, "main server"),
        };
        let redirect = redirect_in(&s.level);
        let serves = if redirect.is_some() {
            None
        } else {
            let d = s.level.iter().map(|(n, _)| *n).find(|n| matches!(n.name.as_str(), "documentroot" | "proxypass"));
            Some(d.map(Node::item).unwrap_or_else(|| {
                let mut m = at.clone();
                m.insert("detail".into(), "no redirect to https: serves the DocumentRoot".into());
                m
            }))
        };
        let plain_public: Vec<&Value> =
            listens_v.iter().filter(|l| l["ssl"] == false && l["scope"] != "loopback").collect();
        let tls_here = if is_vhost { tls } else { listens_v.iter().any(|l| l["ssl"] == true) || g_engine };
        if let (Some(first), false) = (plain_public.first(), tls_here) {
            let mut m = at.clone();
            m.insert("kind".into(), "Apache".into());
            m.insert("server".into(), label.clone().into());
            m.insert("listen".into(), first["endpoint"].clone());
            m.insert("redirect".into(), redirect.clone().map(Value::Object).unwrap_or(Value::Null));
            m.insert("serves".into(), serves.clone().map(Value::Object).unwrap_or(Value::Null));
            let st = serves.as_ref().map(|s| {
                format!("{} ({}:{})", s["detail"].as_str().unwrap_or(""), s["path"].as_str().unwrap_or(""), s["line"])
            });
            m.insert("serves_text".into(), st.unwrap_or_default().into());
            http_plain.push(Value::Object(m));
        }
        if tls_here {
            let p = match own("sslprotocol").or(g_proto) {
                Some(n) => protocol_item(
                    Some(&n.path),
                    Some(n.line),
                    &n.raw,
                    &n.args.join(" "),
                    &ssl_protocols(&n.args),
                    false,
                ),
                None => {
                    let ps = ssl_protocols(&["all".into(), "-SSLv3".into()]);
                    let mut v = protocol_item(
                        at["path"].as_str(),
                        at["line"].as_u64().map(|l| l as usize),
                        "SSLProtocol not set: mod_ssl default is all -SSLv3",
                        "all -SSLv3",
                        &ps,
                        true,
                    );
                    v["detail"] = "SSLProtocol not set: mod_ssl default is all -SSLv3".into();
                    v
                }
            };
            let mut p = p;
            p["server"] = label.clone().into();
            protocols.push(p);
            if let Some(n) = own("sslciphersuite").or(g_cipher) {
                // `SSLCipherSuite [protocol] spec`: only the TLS 1.2-and-older list is judged.
                let spec = match n.args.as_slice() {
                    [p, s, ..] if p.eq_ignore_ascii_case("tlsv1.3") => {
                        let _ = s;
                        None
                    }
                    [p, s, ..] if p.eq_ignore_ascii_case("ssl") => Some(s.as_str()),
                    [s, ..] => Some(s.as_str()),
                    [] => None,
                };
                if let Some(spec) = spec {
                    let mut c = webtls::cipher_item(&n.path, n.line, &n.raw, spec);
                    c["server"] = label.clone().into();
                    ciphers.push(c);
                }
            }
            let h = hsts_header(s.kids).or(g_hsts);
            let mut m = match h {
                Some(n) => n.item(),
                None => {
                    let mut m = at.clone();
                    m.insert("detail".into(), "no Header set Strict-Transport-Security".into());
                    m
                }
            };
            let age = h
                .and_then(|n| n.args.iter().find(|a| a.to_ascii_lowercase().contains("max-age")))
                .and_then(|v| webtls::hsts_max_age(v));
            m.insert("max_age".into(), age.map(Value::from).unwrap_or(Value::Null));
            m.insert("server".into(), label.clone().into());
            let age_text = match (h, age) {
                (Some(_), Some(a)) => format!("Strict-Transport-Security max-age is {a}"),
                (Some(_), None) => "Strict-Transport-Security has no max-age".to_string(),
                (None, _) => "no Strict-Transport-Security".to_string(),
            };
            m.insert("age_text".into(), age_text.into());
            m.insert("what".into(), format!("Apache {label}").into());
            hsts.push(Value::Object(m));
        }
        if let Some(n) = own("serversignature") {
            tokens.push(token_item(n.item(), "ServerSignature", n.arg(0), &label));
        }
        let mut site = at.clone();
        site.insert("name".into(), label.into());
        site.insert("server_name".into(), server_name.map(Value::from).unwrap_or(Value::Null));
        site.insert("listens".into(), listens_v.into());
        site.insert("tls".into(), tls_here.into());
        site.insert("redirect".into(), redirect.map(Value::Object).unwrap_or(Value::Null));
        site.insert("serves".into(), serves.map(Value::Object).unwrap_or(Value::Null));
        // mod_ssl merges the server config into a vhost that sets none.
        let files = |name: &str| -> Vec<Value> {
            let own = s.level.iter().any(|(n, _)| n.name == name && n.children.is_none());
            (if own { &s.level } else { &global })
                .iter()
                .map(|(n, _)| *n)
                .filter(|n| n.name == name && n.children.is_none())
                .map(|n| {
                    let mut m = n.item();
                    m.insert("value".into(), n.arg(0).into());
                    Value::Object(m)
                })
                .collect()
        };
        let mut name_directives: Vec<Value> = Vec::new();
        for n in last(&s.level, "servername")
            .into_iter()
            .chain(s.level.iter().map(|(n, _)| *n).filter(|n| n.name == "serveralias" && n.children.is_none()))
        {
            let mut m = n.item();
            m.insert("names".into(), n.args.clone().into());
            name_directives.push(Value::Object(m));
        }
        site.insert("server_name_directives".into(), name_directives.into());
        site.insert("ssl_certificate".into(), files("sslcertificatefile").into());
        site.insert("ssl_certificate_key".into(), files("sslcertificatekeyfile").into());
        out_sites.push(Value::Object(site));
    }
    match last(&global, "servertokens") {
        Some(n) => tokens.insert(0, token_item(n.item(), "ServerTokens", n.arg(0), "server config")),
        None => tokens.insert(
            0,
            token_item(
                item(Some(main), None, "ServerTokens not set (default: Full)"),
                "ServerTokens",
                "Full",
                "server config",
            ),
        ),
    }
    if let Some(n) = g_sig {
        tokens.insert(1, token_item(n.item(), "ServerSignature", n.arg(0), "server config"));
    }
    let unreadable: Vec<Value> =
        ld.unreadable.iter().map(|e| json!({"path": e.path(), "reason": e.reason()})).collect();
    Ok(json!({
        "exists": true,
        "main": main,
        "server_root": ld.root,
        "files": ld.files,
        "notes": ld.notes,
        "unreadable": unreadable,
        "sites": out_sites,
        "listens": listens,
        "http_plain": http_plain,
        "tls_protocols": webtls::dedup(protocols),
        "tls_ciphers": webtls::dedup(ciphers),
        "hsts": webtls::dedup(hsts),
        "tokens": webtls::dedup(tokens),
    }))
}

fn token_item(mut m: Map<String, Value>, directive: &str, value: &str, server: &str) -> Value {
    m.insert("directive".into(), directive.into());
    m.insert("value".into(), value.into());
    m.insert("lower".into(), value.to_ascii_lowercase().into());
    m.insert("server".into(), server.into());
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collectors::test_support::scan_with;

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
