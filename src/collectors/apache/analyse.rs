//! The analyses of the Apache configuration: `Listen`, virtual hosts and
//! the main server with their TLS settings (inherited from the server
//! config), HSTS, `ServerTokens`/`ServerSignature`, and how a plain-HTTP
//! site answers.

use super::Node;
use crate::collectors::webtls::{
    self, catch_all, plain_http_item, protocol_item, split_addr, FileRef, Listen, ListenKind, NameDirective, Site,
};
use crate::sources::item;
use serde_json::{Map, Value};

type Level<'a> = Vec<(&'a Node, Vec<String>)>;

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

/// What the analyses produce: typed sites and listens for other views,
/// fact items for the rest.
#[derive(Debug, Default)]
pub struct Analysis {
    pub sites: Vec<Site>,
    /// Every `Listen` of the server configuration.
    pub listens: Vec<Listen>,
    pub site_facts: Vec<Value>,
    pub web: webtls::Findings,
}

/// A virtual host (or the main server, for the `Listen` ports no virtual
/// host covers) with the directives of its level.
struct Scope<'a> {
    node: Option<&'a Node>,
    level: Level<'a>,
    kids: &'a [Node],
    listens: Vec<Listen>,
}

/// The server config's settings a virtual host inherits.
struct Global<'a> {
    main: &'a str,
    level: &'a Level<'a>,
    engine: bool,
    proto: Option<&'a Node>,
    cipher: Option<&'a Node>,
    hsts: Option<&'a Node>,
}

fn listens_of(global: &Level) -> Vec<Listen> {
    let mut listens = Vec::new();
    for (n, conds) in global.iter().filter(|(n, _)| n.name == "listen" && n.children.is_none()) {
        let (address, port) = split_addr(n.arg(0), None);
        let proto = n.args.get(1).map(|p| p.to_ascii_lowercase());
        let ssl = proto.as_deref() == Some("https") || (proto.is_none() && port == Some(443));
        let kind = ListenKind::Listen { conditions: conds.clone() };
        listens.push(Listen { path: n.path.clone(), line: n.line, detail: n.raw.clone(), address, port, ssl, kind });
    }
    listens
}

/// Virtual hosts, and the main server when some `Listen` port has no
/// virtual host.
fn scopes<'a>(global: &Level<'a>, listens: &[Listen]) -> Vec<Scope<'a>> {
    let mut scopes = Vec::new();
    let mut vhost_ports: Vec<Option<u16>> = Vec::new();
    for (n, _) in global.iter().filter(|(n, _)| n.name == "virtualhost" && n.children.is_some()) {
        let mut level = Vec::new();
        flat(n.kids(), &mut Vec::new(), &mut level);
        let mut ls = Vec::new();
        for a in &n.args {
            let (address, port) = split_addr(a, None);
            vhost_ports.push(port);
            let (path, line, detail) = (n.path.clone(), n.line, n.raw.clone());
            ls.push(Listen { path, line, detail, address, port, ssl: false, kind: ListenKind::VirtualHost });
        }
        scopes.push(Scope { node: Some(*n), level, kids: n.kids(), listens: ls });
    }
    let uncovered: Vec<Listen> =
        listens.iter().filter(|l| !vhost_ports.iter().any(|p| p.is_none() || *p == l.port)).cloned().collect();
    if !uncovered.is_empty() {
        let level = global.iter().filter(|(n, _)| n.name != "virtualhost").cloned().collect();
        scopes.push(Scope { node: None, level, kids: &[], listens: uncovered });
    }
    scopes
}

/// The effective `SSLProtocol` item of a TLS site.
fn protocols_of(own: Option<&Node>, at: &Map<String, Value>) -> Value {
    match own {
        Some(n) => {
            protocol_item(Some(&n.path), Some(n.line), &n.raw, &n.args.join(" "), &ssl_protocols(&n.args), false)
        }
        None => {
            let ps = ssl_protocols(&["all".into(), "-SSLv3".into()]);
            let why = "SSLProtocol not set: mod_ssl default is all -SSLv3";
            let line = at["line"].as_u64().map(|l| l as usize);
            let mut v = protocol_item(at["path"].as_str(), line, why, "all -SSLv3", &ps, true);
            v["detail"] = why.into();
            v
        }
    }
}

/// `SSLCipherSuite [protocol] spec`: only the TLS 1.2-and-older list is judged.
fn cipher_of(n: &Node, label: &str) -> Option<Value> {
    let spec = match n.args.as_slice() {
        [p, _, ..] if p.eq_ignore_ascii_case("tlsv1.3") => None,
        [p, s, ..] if p.eq_ignore_ascii_case("ssl") => Some(s.as_str()),
        [s, ..] => Some(s.as_str()),
        [] => None,
    }?;
    let mut c = webtls::cipher_item(&n.path, n.line, &n.raw, spec);
    c["server"] = label.into();
    Some(c)
}

fn hsts_of(h: Option<&Node>, at: &Map<String, Value>, label: &str) -> Value {
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
    m.insert("server".into(), label.into());
    let age_text = match (h, age) {
        (Some(_), Some(a)) => format!("Strict-Transport-Security max-age is {a}"),
        (Some(_), None) => "Strict-Transport-Security has no max-age".to_string(),
        (None, _) => "no Strict-Transport-Security".to_string(),
    };
    m.insert("age_text".into(), age_text.into());
    m.insert("what".into(), format!("Apache {label}").into());
    Value::Object(m)
}

/// The site's certificate (or key) files: its own, else the server
/// config's (mod_ssl merges the server config into a vhost that sets none).
fn file_refs(s: &Scope, g: &Global, name: &str) -> Vec<FileRef> {
    let own = s.level.iter().any(|(n, _)| n.name == name && n.children.is_none());
    (if own { &s.level } else { g.level })
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| n.name == name && n.children.is_none())
        .map(|n| FileRef { path: n.path.clone(), line: n.line, detail: n.raw.clone(), value: n.arg(0).to_string() })
        .collect()
}

fn analyse_scope(s: &Scope, g: &Global, out: &mut Analysis) {
    let is_vhost = s.node.is_some();
    let own = |name: &str| if is_vhost { last(&s.level, name) } else { None };
    let tls = is_on(own("sslengine")).unwrap_or(g.engine);
    let mut listens = s.listens.clone();
    if is_vhost {
        listens.iter_mut().for_each(|l| l.ssl = tls);
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
        None => item(Some(g.main), None, "main server"),
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
    let tls_here = if is_vhost { tls } else { listens.iter().any(|l| l.ssl) || g.engine };
    if let (Some(first), false) = (listens.iter().find(|l| !l.ssl && l.scope() != "loopback"), tls_here) {
        out.web.http_plain.push(plain_http_item(at.clone(), "Apache", &label, first, &redirect, &serves));
    }
    if tls_here {
        let mut p = protocols_of(own("sslprotocol").or(g.proto), &at);
        p["server"] = label.clone().into();
        out.web.protocols.push(p);
        out.web.ciphers.extend(own("sslciphersuite").or(g.cipher).and_then(|n| cipher_of(n, &label)));
        out.web.hsts.push(hsts_of(hsts_header(s.kids).or(g.hsts), &at, &label));
    }
    if let Some(n) = own("serversignature") {
        out.web.tokens.push(token_item(n.item(), "ServerSignature", n.arg(0), &label));
    }
    let names: Vec<NameDirective> = last(&s.level, "servername")
        .into_iter()
        .chain(s.level.iter().map(|(n, _)| *n).filter(|n| n.name == "serveralias" && n.children.is_none()))
        .map(|n| NameDirective { path: n.path.clone(), line: n.line, detail: n.raw.clone(), names: n.args.clone() })
        .collect();
    let site = Site {
        name: label.clone(),
        listens,
        tls: tls_here,
        certificates: file_refs(s, g, "sslcertificatefile"),
        keys: file_refs(s, g, "sslcertificatekeyfile"),
        names,
    };
    let mut fact = at.clone();
    fact.insert("name".into(), label.into());
    fact.insert("server_name".into(), server_name.map(Value::from).unwrap_or(Value::Null));
    fact.insert("listens".into(), site.listens.iter().map(Listen::fact).collect::<Vec<_>>().into());
    fact.insert("tls".into(), tls_here.into());
    fact.insert("redirect".into(), redirect.map(Value::Object).unwrap_or(Value::Null));
    fact.insert("serves".into(), serves.map(Value::Object).unwrap_or(Value::Null));
    fact.insert("server_name_directives".into(), site.names.iter().map(NameDirective::fact).collect::<Vec<_>>().into());
    fact.insert("ssl_certificate".into(), site.certificates.iter().map(FileRef::fact).collect::<Vec<_>>().into());
    fact.insert("ssl_certificate_key".into(), site.keys.iter().map(FileRef::fact).collect::<Vec<_>>().into());
    out.site_facts.push(Value::Object(fact));
    out.sites.push(site);
}

/// Every analysis of a configuration read from `main`.
pub fn analyse(main: &str, tree: &[Node]) -> Analysis {
    let mut global = Vec::new();
    flat(tree, &mut Vec::new(), &mut global);
    let mut out = Analysis { listens: listens_of(&global), ..Analysis::default() };
    let top_level: Vec<Node> =
        global.iter().filter(|(n, _)| n.name != "virtualhost").map(|(n, _)| (*n).clone()).collect();
    let g = Global {
        main,
        level: &global,
        engine: is_on(last(&global, "sslengine")).unwrap_or(false),
        proto: last(&global, "sslprotocol"),
        cipher: last(&global, "sslciphersuite"),
        hsts: hsts_header(&top_level),
    };
    for s in scopes(&global, &out.listens.clone()) {
        analyse_scope(&s, &g, &mut out);
    }
    match last(&global, "servertokens") {
        Some(n) => out.web.tokens.insert(0, token_item(n.item(), "ServerTokens", n.arg(0), "server config")),
        None => {
            let at = item(Some(main), None, "ServerTokens not set (default: Full)");
            out.web.tokens.insert(0, token_item(at, "ServerTokens", "Full", "server config"))
        }
    }
    if let Some(n) = last(&global, "serversignature") {
        out.web.tokens.insert(1, token_item(n.item(), "ServerSignature", n.arg(0), "server config"));
    }
    out
}

fn token_item(mut m: Map<String, Value>, directive: &str, value: &str, server: &str) -> Value {
    m.insert("directive".into(), directive.into());
    m.insert("value".into(), value.into());
    m.insert("lower".into(), value.to_ascii_lowercase().into());
    m.insert("server".into(), server.into());
    Value::Object(m)
}
