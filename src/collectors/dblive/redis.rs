//! Redis: a minimal RESP2 client over `std::net::TcpStream` (AUTH, INFO
//! server, ACL LIST) and the judgement of the `default` user.

use super::{DbError, Facts, Url, TIMEOUT};
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};

/// Longest status line, bulk string, array and nesting accepted from a server.
const MAX_LINE: usize = crate::limits::RESP_LINE;
const MAX_BULK: usize = crate::limits::RESP_BULK;
const MAX_ARRAY: usize = crate::limits::RESP_ARRAY;
const MAX_DEPTH: usize = crate::limits::RESP_DEPTH;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
}

impl Reply {
    fn text(&self) -> Option<String> {
        match self {
            Reply::Simple(s) => Some(s.clone()),
            Reply::Bulk(Some(b)) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        }
    }
}

fn bad(why: impl Into<String>) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, why.into())
}

fn read_line(r: &mut impl BufRead) -> std::io::Result<String> {
    let mut buf = Vec::new();
    r.by_ref().take(MAX_LINE as u64 + 2).read_until(b'\n', &mut buf)?;
    if buf.is_empty() {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed"));
    }
    if !buf.ends_with(b"\r\n") {
        return Err(bad("line too long or not CRLF-terminated"));
    }
    buf.truncate(buf.len() - 2);
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// Read one RESP2 reply, bounded in size and depth.
pub(crate) fn read_reply(r: &mut impl BufRead, depth: usize) -> std::io::Result<Reply> {
    if depth > MAX_DEPTH {
        return Err(bad("reply nested too deeply"));
    }
    let line = read_line(r)?;
    let (kind, rest) = line.split_at(line.char_indices().nth(1).map_or(line.len(), |(i, _)| i));
    let int = || rest.parse::<i64>().map_err(|_| bad("bad length"));
    match kind {
        "+" => Ok(Reply::Simple(rest.to_string())),
        "-" => Ok(Reply::Error(rest.to_string())),
        ":" => Ok(Reply::Int(int()?)),
        "$" => {
            let n = int()?;
            if n < 0 {
                return Ok(Reply::Bulk(None));
            }
            let n = usize::try_from(n).map_err(|_| bad("bad length"))?;
            if n > MAX_BULK {
                return Err(bad("bulk reply too large"));
            }
            let mut buf = vec![0u8; n + 2];
            r.read_exact(&mut buf)?;
            if !buf.ends_with(b"\r\n") {
                return Err(bad("bulk reply not CRLF-terminated"));
            }
            buf.truncate(n);
            Ok(Reply::Bulk(Some(buf)))
        }
        "*" => {
            let n = int()?;
            if n < 0 {
                return Ok(Reply::Array(None));
            }
            let n = usize::try_from(n).map_err(|_| bad("bad length"))?;
            if n > MAX_ARRAY {
                return Err(bad("array reply too large"));
            }
            let mut items = Vec::with_capacity(n.min(1024));
            for _ in 0..n {
                items.push(read_reply(r, depth + 1)?);
            }
            Ok(Reply::Array(Some(items)))
        }
        _ => Err(bad("not a RESP2 reply")),
    }
}

struct Conn {
    reader: BufReader<TcpStream>,
}

impl Conn {
    fn command(&mut self, args: &[&str]) -> std::io::Result<Reply> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        self.reader.get_mut().write_all(&out)?;
        read_reply(&mut self.reader, 0)
    }
}

fn connect(url: &Url) -> Result<Conn, DbError> {
    let port = url.port.unwrap_or(6379);
    let fail = |why: String| DbError::Connect { url: url.display(), why: url.scrub(&why) };
    let addrs: Vec<_> = (url.host.as_str(), port).to_socket_addrs().map_err(|e| fail(e.to_string()))?.collect();
    let mut last = String::from("no address");
    for a in addrs {
        match TcpStream::connect_timeout(&a, TIMEOUT) {
            Ok(s) => {
                s.set_read_timeout(Some(TIMEOUT)).map_err(|e| fail(e.to_string()))?;
                s.set_write_timeout(Some(TIMEOUT)).map_err(|e| fail(e.to_string()))?;
                return Ok(Conn { reader: BufReader::new(s) });
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(fail(last))
}

/// The root permissions of an `ACL LIST` line (selectors in parentheses are
/// additional, narrower permission sets and do not widen these).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct AclUser {
    pub name: String,
    pub on: bool,
    pub nopass: bool,
    pub allkeys: bool,
    pub allcommands: bool,
}

pub(crate) fn parse_acl_line(line: &str) -> Option<AclUser> {
    let mut words = line.split_whitespace();
    if words.next()? != "user" {
        return None;
    }
    let mut u = AclUser { name: words.next()?.to_string(), ..Default::default() };
    let mut depth = 0usize;
    for w in words {
        if depth > 0 || w.starts_with('(') {
            depth += w.matches('(').count();
            depth = depth.saturating_sub(w.matches(')').count());
            continue;
        }
        match w {
            "on" => u.on = true,
            "off" => u.on = false,
            "nopass" => u.nopass = true,
            "resetpass" => u.nopass = false,
            "allkeys" | "~*" | "%RW~*" | "%WR~*" => u.allkeys = true,
            "resetkeys" => u.allkeys = false,
            "allcommands" | "+@all" => u.allcommands = true,
            "nocommands" | "-@all" => u.allcommands = false,
            "reset" => u = AclUser { name: u.name, ..Default::default() },
            // Any removal after +@all leaves less than all commands.
            w if w.starts_with('-') => u.allcommands = false,
            _ => {}
        }
    }
    Some(u)
}

pub fn collect(url: &Url) -> Result<Facts, DbError> {
    let mut conn = connect(url)?;
    let io = |e: std::io::Error| DbError::Protocol { url: url.display(), why: url.scrub(&e.to_string()) };
    let mut authenticated = false;
    if let Some(pw) = url.password.as_deref() {
        let reply = match url.user.as_deref() {
            Some(user) => conn.command(&["AUTH", user, pw]),
            None => conn.command(&["AUTH", pw]),
        }
        .map_err(io)?;
        match reply {
            Reply::Error(e) => return Err(DbError::Auth { url: url.display(), why: url.scrub(&e) }),
            _ => authenticated = true,
        }
    }
    let info = match conn.command(&["INFO", "server"]).map_err(io)? {
        // A user without INFO may still run ACL LIST: the version stays unknown.
        Reply::Error(e) if e.starts_with("NOPERM") => String::new(),
        Reply::Error(e) if e.starts_with("NOAUTH") => {
            return Err(DbError::Auth { url: url.display(), why: format!("{e} (no password in the URL)") })
        }
        Reply::Error(e) => return Err(DbError::Query { url: url.display(), why: url.scrub(&e) }),
        r => r.text().unwrap_or_default(),
    };
    let version = info.lines().find_map(|l| l.strip_prefix("redis_version:")).map(str::trim).unwrap_or("").to_string();
    let major: u32 = version.split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0);
    let mut facts = Facts::new(url);
    const KIND: &str = "default_user_all";
    let no_acl = |facts: &mut Facts| {
        // Before Redis 6 there are no ACLs: without requirepass every client
        // can run every command on every key.
        facts.judged(KIND);
        if !authenticated {
            facts.add(
                KIND,
                format!("Redis {version} has no ACLs and no requirepass: every client has all commands and all keys"),
                json!({"user": "default", "nopass": true, "version": version}),
            );
        }
    };
    if major > 0 && major < 6 {
        no_acl(&mut facts);
        return Ok(facts);
    }
    match conn.command(&["ACL", "LIST"]).map_err(io)? {
        Reply::Array(Some(lines)) => {
            facts.judged(KIND);
            let users = lines.iter().filter_map(Reply::text).filter_map(|l| parse_acl_line(&l));
            for u in users.filter(|u| u.name == "default") {
                if u.on && u.allkeys && u.allcommands {
                    facts.add(
                        KIND,
                        default_detail(u.nopass),
                        json!({"user": "default", "nopass": u.nopass, "version": version}),
                    );
                }
            }
        }
        Reply::Error(e) if e.to_ascii_lowercase().contains("unknown command") => no_acl(&mut facts),
        Reply::Error(e) => {
            facts.unjudged(KIND, format!("ACL LIST refused ({}): connect as a user allowed to run it", url.scrub(&e)))
        }
        other => return Err(io(bad(format!("ACL LIST returned {}", kind_of(&other))))),
    }
    let _ = conn.command(&["QUIT"]);
    Ok(facts)
}

/// The finding's text (it must survive [`crate::redact::mask`] unchanged).
fn default_detail(nopass: bool) -> String {
    let auth = if nopass {
        "and nopass, so every client that connects"
    } else {
        "and a password, so every client that knows it"
    };
    format!("the default user is on with all keys (~*) and all commands (+@all) {auth} has full control")
}

fn kind_of(r: &Reply) -> &'static str {
    match r {
        Reply::Simple(_) => "a status",
        Reply::Error(_) => "an error",
        Reply::Int(_) => "an integer",
        Reply::Bulk(_) => "a string",
        Reply::Array(_) => "a null array",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> std::io::Result<Reply> {
        read_reply(&mut std::io::Cursor::new(bytes), 0)
    }

    #[test]
    fn resp_replies() {
        assert_eq!(parse(b"+OK\r\n").unwrap(), Reply::Simple("OK".into()));
        assert_eq!(parse(b"-ERR x\r\n").unwrap(), Reply::Error("ERR x".into()));
        assert_eq!(parse(b"$-1\r\n").unwrap(), Reply::Bulk(None));
        assert_eq!(
            parse(b"*2\r\n$3\r\nabc\r\n:5\r\n").unwrap(),
            Reply::Array(Some(vec![Reply::Bulk(Some(b"abc".to_vec())), Reply::Int(5)]))
        );
    }

    #[test]
    fn garbage_replies_are_errors_not_panics() {
        for g in [
            &b""[..],
            b"\r\n",
            b"?\r\n",
            b"$5\r\nab\r\n",
            b"$99999999999\r\n",
            b"$-5x\r\n",
            b"*3\r\n+a\r\n",
            b"*999999999\r\n",
            b"+no crlf",
            "é\r\n".as_bytes(),
            b"$3\r\nabcXY",
        ] {
            assert!(parse(g).is_err(), "{g:?}");
        }
        let deep = "*1\r\n".repeat(50);
        assert!(parse(deep.as_bytes()).is_err());
    }

    #[test]
    fn details_are_not_masked() {
        for nopass in [true, false] {
            let d = default_detail(nopass);
            assert_eq!(crate::redact::mask(&d), d);
        }
    }

    #[test]
    fn acl_lines() {
        let d = parse_acl_line("user default on nopass sanitize-payload ~* &* +@all").unwrap();
        assert!(d.on && d.nopass && d.allkeys && d.allcommands);
        let p = parse_acl_line("user default on #5e884898da28 ~* &* +@all").unwrap();
        assert!(p.on && !p.nopass && p.allkeys && p.allcommands);
        let r = parse_acl_line("user app on #abc ~app:* resetchannels -@all +get").unwrap();
        assert!(!r.allkeys && !r.allcommands);
        let s = parse_acl_line("user default on nopass ~app:* +@all -flushall (~* +@all)").unwrap();
        assert!(!s.allkeys && !s.allcommands);
        let off = parse_acl_line("user default off nopass ~* +@all").unwrap();
        assert!(!off.on);
        assert_eq!(parse_acl_line("garbage"), None);
        assert_eq!(parse_acl_line("user"), None);
        assert!(parse_acl_line("user x ((((").is_some());
    }
}
