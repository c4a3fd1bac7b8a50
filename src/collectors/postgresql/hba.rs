//! pg_hba.conf: records, PostgreSQL 16 inclusions, `@file` lists, and which
//! records an earlier one shadows (the first record that matches a
//! connection decides it).

use crate::sources::include::{relative_to, Includes, Skip};
use crate::sources::item;
use serde_json::{Map, Value};
use std::net::IpAddr;

/// A token: its text and whether it was quoted (a quoted keyword is a name).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub(super) text: String,
    pub(super) quoted: bool,
}

impl Token {
    fn keyword(&self, k: &str) -> bool {
        !self.quoted && self.text.eq_ignore_ascii_case(k)
    }
    fn shown(&self) -> String {
        if self.quoted {
            format!("\"{}\"", self.text)
        } else {
            self.text.clone()
        }
    }
}

/// Split an hba line into fields, each a list of comma-separated tokens.
/// `#` outside quotes ends the line. Returns None on an unterminated quote.
pub(super) fn hba_fields(line: &str) -> Option<Vec<Vec<Token>>> {
    let mut fields: Vec<Vec<Token>> = Vec::new();
    let mut chars = line.chars().peekable();
    let mut current: Vec<Token> = Vec::new();
    loop {
        // Skip blanks between fields.
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.peek() {
            None | Some('#') => break,
            _ => {}
        }
        // One token.
        let (mut text, mut quoted, mut in_quote) = (String::new(), false, false);
        let mut comma = false;
        while let Some(&c) = chars.peek() {
            if in_quote {
                chars.next();
                if c == '"' {
                    in_quote = false;
                } else {
                    text.push(c);
                }
                continue;
            }
            if c.is_whitespace() || c == '#' {
                break;
            }
            chars.next();
            match c {
                '"' => {
                    in_quote = true;
                    quoted = true;
                }
                ',' => {
                    comma = true;
                    break;
                }
                c => text.push(c),
            }
        }
        if in_quote {
            return None;
        }
        if !text.is_empty() || quoted {
            current.push(Token { text, quoted });
        }
        if comma {
            // The list goes on, possibly after blanks.
            continue;
        }
        if !current.is_empty() {
            fields.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        fields.push(current);
    }
    Some(fields)
}

/// Reads one cluster's pg_hba.conf with its inclusions and `@file` lists.
pub(super) struct HbaReader {
    pub cluster: String,
    pub records: Vec<Map<String, Value>>,
}

impl HbaReader {
    /// Names from an `@file` (blank/comma separated, `#` comments, nested `@`).
    fn at_file(&mut self, inc: &mut Includes, base: &str, name: &str, depth: usize, out: &mut Vec<Token>) {
        let path = relative_to(base, name);
        let r = inc.read(&path, depth, |inc, file| {
            for line in file.text.lines() {
                for field in hba_fields(line).unwrap_or_default() {
                    for t in field {
                        match t.text.strip_prefix('@').filter(|_| !t.quoted) {
                            Some(inner) => self.at_file(inc, &path, inner, depth + 1, out),
                            None => out.push(t),
                        }
                    }
                }
            }
        });
        if let Err(skip @ Skip::Read(_)) = r {
            inc.record_skip(&path, skip);
        }
    }

    fn expand(&mut self, inc: &mut Includes, base: &str, field: &[Token]) -> Vec<Token> {
        let mut out = Vec::new();
        for t in field {
            match t.text.strip_prefix('@').filter(|_| !t.quoted) {
                Some(name) => self.at_file(inc, base, name, 0, &mut out),
                None => out.push(t.clone()),
            }
        }
        out
    }

    /// Read one file: its logical lines (a trailing backslash continues a
    /// line) are records. A loop or too deep a nesting is skipped (the server
    /// would refuse the file).
    pub fn read(&mut self, inc: &mut Includes, path: &str, depth: usize) {
        let r = inc.read(path, depth, |inc, file| {
            let lines: Vec<&str> = file.text.lines().collect();
            let mut i = 0;
            while i < lines.len() {
                let start = i;
                let mut logical = String::new();
                let mut shown = String::new();
                loop {
                    let l = lines[i];
                    i += 1;
                    let body = l.trim_end();
                    let cont = body.ends_with('\\') && !body.trim_start().starts_with('#') && i < lines.len();
                    if cont {
                        logical.push_str(&body[..body.len() - 1]);
                        logical.push(' ');
                        shown.push_str(body[..body.len() - 1].trim());
                        shown.push(' ');
                    } else {
                        logical.push_str(l);
                        shown.push_str(l.trim());
                        break;
                    }
                }
                let Some(fields) = hba_fields(&logical) else { continue };
                if !fields.is_empty() {
                    self.record(inc, path, start + 1, shown.trim(), &fields, depth);
                }
            }
        });
        if let Err(skip @ (Skip::Read(_) | Skip::TooMany)) = r {
            inc.record_skip(path, skip);
        }
    }

    /// PostgreSQL 16 inclusion records.
    fn include(&mut self, inc: &mut Includes, path: &str, kind: &str, arg: &str, depth: usize) {
        let target = relative_to(path, arg);
        if kind != "include_dir" {
            return self.read(inc, &target, depth + 1);
        }
        let list = match inc.dir(&target) {
            Ok(l) => l,
            Err(e) => return inc.record(e),
        };
        for e in list {
            if !e.name.starts_with('.') && e.name.ends_with(".conf") {
                self.read(inc, &e.path, depth + 1);
            }
        }
    }

    fn record(
        &mut self,
        inc: &mut Includes,
        path: &str,
        line: usize,
        detail: &str,
        fields: &[Vec<Token>],
        depth: usize,
    ) {
        let kind = fields[0][0].text.to_ascii_lowercase();
        if fields[0][0].quoted {
            return;
        }
        if matches!(kind.as_str(), "include" | "include_if_exists" | "include_dir") {
            if let Some(arg) = fields.get(1).and_then(|f| f.first()) {
                self.include(inc, path, &kind, &arg.text, depth);
            }
            return;
        }
        let is_local = kind == "local";
        if !is_local && !matches!(kind.as_str(), "host" | "hostssl" | "hostnossl" | "hostgssenc" | "hostnogssenc") {
            return; // the server rejects the file; nothing to judge here
        }
        let need = if is_local { 4 } else { 5 };
        if fields.len() < need {
            return;
        }
        let databases = self.expand(inc, path, &fields[1]);
        let users = self.expand(inc, path, &fields[2]);
        let (address, mask, method_at) = if is_local {
            (None, None, 3)
        } else {
            let a = fields[3][0].text.clone();
            // An IP address without /prefix takes the netmask from the next field.
            let bare_ip = !a.contains('/') && a.parse::<IpAddr>().is_ok();
            if bare_ip && fields.len() >= 6 {
                (Some(a), Some(fields[4][0].text.clone()), 5)
            } else {
                (Some(a), None, 4)
            }
        };
        let Some(method) = fields.get(method_at).and_then(|f| f.first()) else { return };
        let method = method.text.to_ascii_lowercase();
        let mut options = Map::new();
        for f in &fields[method_at + 1..] {
            for t in f {
                let (k, v) = t.text.split_once('=').unwrap_or((&t.text, ""));
                options.insert(k.to_ascii_lowercase(), v.into());
            }
        }
        let addr_quoted = !is_local && fields[3][0].quoted;
        let net = address.as_deref().and_then(|a| Net::parse(a, mask.as_deref(), addr_quoted));
        let any_address = matches!(net, Some(Net::All)) || matches!(net, Some(Net::Cidr(_, 0)));
        let mut m = item(Some(path), Some(line), detail);
        m.insert("cluster".into(), self.cluster.clone().into());
        m.insert("type".into(), kind.into());
        m.insert("databases".into(), databases.iter().map(Token::shown).collect::<Vec<_>>().into());
        m.insert("users".into(), users.iter().map(Token::shown).collect::<Vec<_>>().into());
        m.insert("all_databases".into(), databases.iter().any(|t| t.keyword("all")).into());
        m.insert("all_users".into(), users.iter().any(|t| t.keyword("all")).into());
        m.insert("address".into(), address.map(Value::from).unwrap_or(Value::Null));
        m.insert("mask".into(), mask.map(Value::from).unwrap_or(Value::Null));
        m.insert("any_address".into(), any_address.into());
        m.insert("method".into(), method.into());
        m.insert("options".into(), Value::Object(options));
        self.records.push(m);
    }
}

/// A record's address, for deciding whether one record covers another.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Net {
    All,
    Cidr(IpAddr, u8),
    /// `samehost`, `samenet`, a host name: compared literally.
    Other(String),
}

impl Net {
    pub(super) fn parse(addr: &str, mask: Option<&str>, quoted: bool) -> Option<Net> {
        if !quoted && addr.eq_ignore_ascii_case("all") {
            return Some(Net::All);
        }
        let (ip, prefix) = match addr.split_once('/') {
            Some((ip, p)) => (ip.parse::<IpAddr>().ok()?, p.parse::<u8>().ok()?),
            None => match addr.parse::<IpAddr>() {
                Ok(ip) => {
                    let max = if ip.is_ipv4() { 32 } else { 128 };
                    let prefix = match mask.and_then(|m| m.parse::<IpAddr>().ok()) {
                        Some(IpAddr::V4(m)) => u32::from(m).count_ones() as u8,
                        Some(IpAddr::V6(m)) => u128::from(m).count_ones() as u8,
                        None => max,
                    };
                    (ip, prefix)
                }
                Err(_) => return Some(Net::Other(addr.to_ascii_lowercase())),
            },
        };
        let max = if ip.is_ipv4() { 32 } else { 128 };
        Some(Net::Cidr(ip, prefix.min(max)))
    }

    fn bits(ip: &IpAddr) -> u128 {
        match ip {
            IpAddr::V4(a) => u128::from(u32::from(*a)) << 96,
            IpAddr::V6(a) => u128::from(*a),
        }
    }

    /// Whether every client address `other` matches also matches `self`.
    pub(super) fn covers(&self, other: &Net) -> bool {
        match (self, other) {
            (Net::All, _) => true,
            (_, Net::All) => false,
            (Net::Cidr(a, p), Net::Cidr(b, q)) => {
                if a.is_ipv4() != b.is_ipv4() || p > q {
                    return false;
                }
                // IPv4 addresses sit in the top 32 bits (see `bits`).
                let p = u32::from(*p);
                let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
                Net::bits(a) & mask == Net::bits(b) & mask
            }
            (Net::Other(a), Net::Other(b)) => a == b,
            _ => false,
        }
    }
}

/// Whether record `a` (earlier) matches every connection record `b` does.
fn covers(a: &Map<String, Value>, b: &Map<String, Value>) -> bool {
    let s = |m: &Map<String, Value>, k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let list = |m: &Map<String, Value>, k: &str| -> Vec<String> {
        m.get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let (ta, tb) = (s(a, "type"), s(b, "type"));
    if !(ta == tb || (ta == "host" && tb.starts_with("host"))) {
        return false;
    }
    let (da, db) = (list(a, "databases"), list(b, "databases"));
    let db_all = da.iter().any(|d| d.eq_ignore_ascii_case("all"));
    if db.is_empty() || !db.iter().all(|d| da.contains(d) || (db_all && !d.eq_ignore_ascii_case("replication"))) {
        return false;
    }
    let (ua, ub) = (list(a, "users"), list(b, "users"));
    let user_all = ua.iter().any(|u| u.eq_ignore_ascii_case("all"));
    if ub.is_empty() || !ub.iter().all(|u| ua.contains(u) || user_all) {
        return false;
    }
    if ta == "local" {
        return true;
    }
    let net = |m: &Map<String, Value>| {
        let addr = s(m, "address");
        let mask = m.get("mask").and_then(Value::as_str).map(str::to_string);
        // Quoted addresses were kept as written; "all" quoted is a host name.
        Net::parse(&addr, mask.as_deref(), false)
    };
    match (net(a), net(b)) {
        (Some(x), Some(y)) => x.covers(&y),
        _ => false,
    }
}

pub(super) fn mark_shadowed(records: &mut [Map<String, Value>]) {
    for j in 0..records.len() {
        let by = (0..j).find(|&i| covers(&records[i], &records[j])).map(|i| {
            format!(
                "{}:{}",
                records[i].get("path").and_then(Value::as_str).unwrap_or(""),
                records[i].get("line").and_then(Value::as_u64).unwrap_or(0)
            )
        });
        records[j].insert("reachable".into(), by.is_none().into());
        records[j].insert("shadowed_by".into(), by.map(Value::from).unwrap_or(Value::Null));
    }
}
