//! The analyses of the nginx configuration: servers with their listens,
//! TLS settings (inherited from `http`), HSTS, `server_tokens`, and how a
//! plain-HTTP server answers.

use super::{Config, Directive};
use crate::collectors::packages::Packages;
use crate::collectors::webtls::{
    self, catch_all, plain_http_item, protocol_item, split_addr, FileRef, Listen, ListenKind, NameDirective, Site,
};
use crate::sources::item;
use serde_json::{Map, Value};

/// The version of the installed nginx package, as text and as numbers.
pub fn version_of(packages: &Packages) -> Option<(String, (u32, u32, u32))> {
    for name in ["nginx", "nginx-core", "nginx-full", "nginx-light", "nginx-extras", "nginx-common"] {
        if let Some(v) = packages.version(name) {
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

/// What the analyses produce: typed sites and listens for other views,
/// fact items for the rest.
#[derive(Debug, Default)]
pub struct Analysis {
    pub sites: Vec<Site>,
    /// Every `listen` of the `http` servers (or their implicit `*:80`).
    pub listens: Vec<Listen>,
    /// Every `listen` of the `stream` servers.
    pub stream_listens: Vec<Listen>,
    pub servers: Vec<Value>,
    pub web: webtls::Findings,
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

/// The `listen` directives of a server (or its implicit `*:80`).
fn listens_of(srv: &Directive, name: &str, ssl_on: bool) -> Vec<Listen> {
    let mut listens = Vec::new();
    for l in srv.children().iter().filter(|d| d.name == "listen" && d.block.is_none()) {
        let Some(spec) = l.args.first() else { continue };
        let (address, port) = split_addr(spec, Some(80));
        let has = |p: &str| l.args.iter().skip(1).any(|a| a == p);
        listens.push(Listen {
            path: l.path.clone(),
            line: l.line,
            detail: l.detail(),
            address,
            port,
            ssl: ssl_on || has("ssl") || has("quic"),
            kind: ListenKind::Http {
                default_server: has("default_server") || has("default"),
                http2: has("http2"),
                quic: has("quic"),
                server: name.to_string(),
            },
        });
    }
    if listens.is_empty() {
        listens.push(Listen {
            path: srv.path.clone(),
            line: srv.line,
            detail: "server without listen (listens on *:80)".into(),
            address: "*".into(),
            port: Some(80),
            ssl: ssl_on,
            kind: ListenKind::Http { default_server: false, http2: false, quic: false, server: name.to_string() },
        });
    }
    listens
}

/// The effective `ssl_protocols` item of a server (inherited from http, or
/// the version's default).
fn protocols_of(http: &Directive, own: Option<&Directive>, version: Option<(u32, u32, u32)>) -> Value {
    match own {
        Some(d) => {
            let ps: Vec<&str> = d.args.iter().filter_map(|a| webtls::canonical_protocol(a)).collect();
            protocol_item(Some(&d.path), Some(d.line), &d.detail(), &d.args.join(" "), &ps, false)
        }
        None => {
            let ps = default_protocols(version);
            let why = match version {
                Some(_) => format!("ssl_protocols not set: this nginx version's default is {}", ps.join(" ")),
                None => {
                    format!("ssl_protocols not set: nginx before 1.27.3 defaults to {} (version unknown)", ps.join(" "))
                }
            };
            protocol_item(Some(&http.path), Some(http.line), &why, &ps.join(" "), ps, true)
        }
    }
}

/// HSTS items of a TLS server: its own `add_header` (or the http level's
/// when it has none), then locations that drop it.
fn hsts_of_server(srv: &Directive, http_headers: &[&Directive], name: &str, out: &mut Analysis) {
    let sb = srv.children();
    let own = headers(sb);
    let (eff, from_http) = if own.is_empty() { (http_headers.to_vec(), true) } else { (own, false) };
    let h = hsts_of(&eff);
    let why = match (h, from_http, hsts_of(http_headers)) {
        (Some(_), _, _) => "Strict-Transport-Security".to_string(),
        (None, false, Some(hh)) => format!(
            "add_header in the server replaces the http-level headers, so the Strict-Transport-Security of {}:{} is not sent",
            hh.path, hh.line
        ),
        _ => "no add_header Strict-Transport-Security".to_string(),
    };
    out.web.hsts.push(hsts_item(srv.item(), h, name, &why));
    hsts_locations(sb, h.is_some(), name, &mut out.web.hsts);
}

/// `ssl_certificate` and `ssl_certificate_key` are array directives: the
/// server's own list replaces the http-level one.
fn file_refs(sb: &[Directive], hb: &[Directive], n: &str) -> Vec<FileRef> {
    let own = sb.iter().any(|d| d.name == n && d.block.is_none());
    (if own { sb } else { hb })
        .iter()
        .filter(|d| d.name == n && d.block.is_none())
        .map(|d| FileRef {
            path: d.path.clone(),
            line: d.line,
            detail: d.detail(),
            value: d.args.first().cloned().unwrap_or_default(),
        })
        .collect()
}

fn analyse_server(http: &Directive, srv: &Directive, version: Option<(u32, u32, u32)>, out: &mut Analysis) {
    let hb = http.children();
    let sb = srv.children();
    let names: Vec<String> = sb.iter().filter(|d| d.name == "server_name").flat_map(|d| d.args.clone()).collect();
    let name = if names.is_empty() { "(no server_name)".to_string() } else { names.join(" ") };
    let ssl_on = match last(sb, "ssl").or(last(hb, "ssl")) {
        Some(d) => d.args.first().is_some_and(|a| a == "on"),
        None => false,
    };
    let listens = listens_of(srv, &name, ssl_on);
    let tls = listens.iter().any(|l| l.ssl);
    let (redirect, serves) = judge_plain(srv);
    let proto = protocols_of(http, last(sb, "ssl_protocols").or(last(hb, "ssl_protocols")), version);
    let ciphers = last(sb, "ssl_ciphers")
        .or(last(hb, "ssl_ciphers"))
        .and_then(|d| d.args.first().map(|v| webtls::cipher_item(&d.path, d.line, &d.detail(), v)));
    if tls {
        let mut p = proto.clone();
        p["server"] = name.clone().into();
        out.web.protocols.push(p);
        if let Some(c) = &ciphers {
            let mut c = c.clone();
            c["server"] = name.clone().into();
            out.web.ciphers.push(c);
        }
        hsts_of_server(srv, &headers(hb), &name, out);
    }
    // server_tokens: the server's own or the http one (default on).
    match last(sb, "server_tokens").or(last(hb, "server_tokens")) {
        Some(d) => {
            out.web.tokens.push(token_item(d.item(), d.args.first().map(String::as_str).unwrap_or(""), &name, false))
        }
        None => out.web.tokens.push(token_item(
            item(Some(&http.path), Some(http.line), "server_tokens not set (nginx default: on)"),
            "on",
            &name,
            true,
        )),
    }
    for d in sb.iter().filter(|d| d.name == "location") {
        tokens_in(d.children(), &name, &mut out.web.tokens);
    }
    if let Some(first) = listens.iter().find(|l| !l.ssl && l.scope() != "loopback") {
        // Evidence at the `listen` that opens plain HTTP, where the fix goes.
        let at = item(Some(&first.path), Some(first.line), first.detail.clone());
        out.web.http_plain.push(plain_http_item(at, "nginx server", &name, first, &redirect, &serves));
    }
    let site = Site {
        name: name.clone(),
        listens: listens.clone(),
        tls,
        certificates: file_refs(sb, hb, "ssl_certificate"),
        keys: file_refs(sb, hb, "ssl_certificate_key"),
        names: sb
            .iter()
            .filter(|d| d.name == "server_name" && d.block.is_none())
            .map(|d| NameDirective { path: d.path.clone(), line: d.line, detail: d.detail(), names: d.args.clone() })
            .collect(),
    };
    let mut s = srv.item();
    s.insert("server_names".into(), names.into());
    s.insert("server_name_directives".into(), site.names.iter().map(NameDirective::fact).collect::<Vec<_>>().into());
    s.insert("name".into(), name.into());
    s.insert("listens".into(), listens.iter().map(Listen::fact).collect::<Vec<_>>().into());
    s.insert("tls".into(), tls.into());
    s.insert("redirect".into(), redirect.map(Value::Object).unwrap_or(Value::Null));
    s.insert("serves".into(), serves.map(Value::Object).unwrap_or(Value::Null));
    s.insert("ssl_protocols".into(), proto);
    s.insert("ssl_ciphers".into(), ciphers.unwrap_or(Value::Null));
    s.insert("ssl_certificate".into(), site.certificates.iter().map(FileRef::fact).collect::<Vec<_>>().into());
    s.insert("ssl_certificate_key".into(), site.keys.iter().map(FileRef::fact).collect::<Vec<_>>().into());
    out.servers.push(Value::Object(s));
    out.listens.extend(listens);
    out.sites.push(site);
}

/// Every analysis of a configuration.
pub fn analyse(cfg: &Config) -> Analysis {
    let mut out = Analysis::default();
    let version = cfg.version.as_ref().map(|v| v.1);
    for http in cfg.tree.iter().filter(|d| d.name == "http" && d.block.is_some()) {
        for srv in http.children().iter().filter(|d| d.name == "server" && d.block.is_some()) {
            analyse_server(http, srv, version, &mut out);
        }
    }
    out.stream_listens = stream_listens(&cfg.tree);
    out
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
fn stream_listens(tree: &[Directive]) -> Vec<Listen> {
    let mut out = Vec::new();
    for stream in tree.iter().filter(|d| d.name == "stream" && d.block.is_some()) {
        for srv in stream.children().iter().filter(|d| d.name == "server" && d.block.is_some()) {
            for l in srv.children().iter().filter(|d| d.name == "listen" && d.block.is_none()) {
                let Some(spec) = l.args.first() else { continue };
                let (address, port, port_last) = stream_addr(spec);
                let has = |p: &str| l.args.iter().skip(1).any(|a| a == p);
                out.push(Listen {
                    path: l.path.clone(),
                    line: l.line,
                    detail: l.detail(),
                    address,
                    port,
                    ssl: has("ssl"),
                    kind: ListenKind::Stream { udp: has("udp"), port_last },
                });
            }
        }
    }
    out
}
