//! The exposed surface of a scan, judged: every listening socket of a live
//! host and every listener the configuration declares, each with the
//! failing check about it (or whether it is local only). The report shows
//! these tables as they are.

use super::definition::Check;
use crate::collectors::declared_listeners::scope;
use crate::facts::Facts;
use crate::model::{CheckResult, DeclaredListener, Listener, Status};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Sources whose items are listeners: a check that reads one judges them.
const LISTENER_SOURCES: [&str; 2] = ["declared_listeners", "listeners"];

/// Categories whose checks are about a listener when their evidence names
/// its line: where it binds (`network`) and how it speaks (`tls`: plain
/// HTTP, protocols, HSTS on the `listen` line).
const TRANSPORT_CATEGORIES: [&str; 2] = ["network", "tls"];

/// The ids (and aliases) of the checks that read a listener source.
fn listener_readers(checks: &[Arc<Check>]) -> BTreeSet<&str> {
    checks
        .iter()
        .filter(|c| c.def.sources.iter().any(|s| LISTENER_SOURCES.contains(&s.as_str())))
        .flat_map(|c| std::iter::once(c.def.id.as_str()).chain(c.def.aliases.iter().map(String::as_str)))
        .collect()
}

/// Listening sockets of a live host (none offline), by port.
pub fn listeners(facts: &Facts, results: &[CheckResult]) -> Vec<Listener> {
    if !facts.target().is_live() {
        return Vec::new();
    }
    let Ok(live) = facts.listeners() else { return Vec::new() };
    let mut out: Vec<Listener> = live
        .entries
        .iter()
        .map(|l| {
            let detail = l.detail();
            let scope = l.scope().to_string();
            let failing = results
                .iter()
                .filter(|r| r.status == Status::Fail)
                .find(|r| r.evidence.iter().any(|ev| ev.path.is_none() && ev.detail == detail));
            let verdict = match failing {
                Some(r) => format!("fail: {}", r.id),
                None if scope == "loopback" => "local only".into(),
                None => "exposed".into(),
            };
            Listener {
                proto: l.socket.proto.to_string(),
                address: l.socket.address.to_string(),
                port: u64::from(l.socket.port),
                scope,
                process: l.process.clone(),
                pid: l.pid().map(u64::from),
                user: Some(l.user.clone()),
                verdict,
            }
        })
        .collect();
    out.sort_by(|a, b| (a.port, &a.proto, &a.address).cmp(&(b.port, &b.proto, &b.address)));
    out
}

/// Listeners the configuration declares, each judged by the failing checks
/// about it: a check that reads the listener sources and names its file and
/// line (or its file, for a listener by default, without a line), or a
/// network or TLS check whose evidence names its very line. A check about
/// something else in the same file (logging, dangerous commands) does not
/// judge the listener.
pub fn declared_listeners(facts: &Facts, checks: &[Arc<Check>], results: &[CheckResult]) -> Vec<DeclaredListener> {
    let Ok(declared) = facts.declared_listeners() else { return Vec::new() };
    let readers = listener_readers(checks);
    let about = |r: &CheckResult, line: Option<u64>| {
        readers.contains(r.id.as_str()) || (line.is_some() && TRANSPORT_CATEGORIES.contains(&r.category.as_str()))
    };
    let mut out: Vec<DeclaredListener> = declared
        .listeners
        .iter()
        .map(|d| {
            let line = d.line.map(|l| l as u64);
            let scope = scope(&d.address).to_string();
            let failing = results
                .iter()
                .filter(|r| r.status == Status::Fail && about(r, line))
                .find(|r| r.evidence.iter().any(|ev| ev.path.as_deref() == Some(d.path.as_str()) && ev.line == line));
            let verdict = match (failing, scope.as_str()) {
                (Some(r), _) => format!("fail: {}", r.id),
                (None, "loopback") => "local only".into(),
                (None, "all") => "exposed".into(),
                (None, _) => "specific address".into(),
            };
            DeclaredListener {
                service: d.service.clone(),
                proto: d.proto.to_string(),
                address: d.address.clone(),
                port: d.port.map(u64::from),
                scope,
                path: d.path.clone(),
                line,
                verdict,
            }
        })
        .collect();
    out.sort_by(|a, b| (a.port, &a.proto, &a.service).cmp(&(b.port, &b.proto, &b.service)));
    out
}
