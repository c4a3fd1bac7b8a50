//! Declared listeners of web servers and PostgreSQL, taken from the readers
//! that already parse those configurations as the servers do (includes,
//! defaults): nginx `listen` (the `nginx` source), Apache httpd `Listen`
//! (the `apache` source) and PostgreSQL `listen_addresses`/`port` (the
//! `postgresql` source). Nothing is parsed a second time here.
//!
//! - nginx (`ngx_http_core_module`, `listen`): `address[:port]`, `port`,
//!   `[v6]:port`; the port defaults to 80, the address to `*`; a server
//!   block without `listen` listens on `*:80` (`*:8000` when nginx does not
//!   run as root); `unix:` sockets are not network listeners; `quic` is
//!   HTTP/3 over UDP. `stream` servers (TCP/UDP proxies) too: there the
//!   port is required, `udp` makes a datagram socket, and a port range
//!   (`12345-12399`) gives one entry per port (the first 64).
//! - Apache (`Listen [IP-address:]portnumber [protocol]`): without an
//!   address, every interface; a `Listen` without a valid port is a
//!   configuration error and is not listed.
//! - PostgreSQL (`listen_addresses`, a comma list; `*` every interface,
//!   `0.0.0.0` every IPv4 one, `::` every IPv6 one, `''` Unix sockets only;
//!   default `localhost`) on `port` (default 5432), per cluster, with
//!   `include`, `include_dir` and postgresql.auto.conf honoured.

use super::{Found, Inputs};
use crate::collectors::webtls::ListenKind;
use crate::collectors::{apache, nginx, postgresql};
use crate::sources::Unavailable;
use crate::target::ReadError;

pub(super) fn collect(i: &Inputs, found: &mut Found) {
    nginx(i.nginx, found);
    apache(i.apache, found);
    match i.postgresql {
        Ok(cfg) => postgresql(cfg, found),
        Err(u) => note_unavailable(found, u),
    }
}

/// `[::1]` → `::1` (the other declared sources write IPv6 without brackets).
fn unbracket(a: &str) -> &str {
    a.strip_prefix('[').and_then(|a| a.strip_suffix(']')).unwrap_or(a)
}

/// A collector that could not run: an unreadable or malformed file is
/// recorded (a passing check becomes `skip`), an absent program is nothing.
fn note_unavailable(found: &mut Found, u: &Unavailable) {
    match u {
        Unavailable::NotFound(_) | Unavailable::Failed(_) => {}
        Unavailable::Unreadable(e) => found.unreadable.push(e.clone()),
        Unavailable::Malformed { path, line, message } => found
            .unreadable
            .push(ReadError::Io { path: path.clone(), message: format!("malformed at line {line}: {message}") }),
    }
}

/// nginx: every `listen` of every `server` block in `http` (or the implicit
/// `*:80` of a server without one), with its own file and line.
fn nginx(cfg: &nginx::Config, found: &mut Found) {
    found.unreadable.extend(cfg.unreadable.iter().cloned());
    found.files.extend(cfg.files.iter().cloned());
    for l in &cfg.analysis.listens {
        if l.address.starts_with("unix:") {
            continue;
        }
        let Some(port) = l.port else { continue };
        let remedy = loopback_listen(&l.detail, &port.to_string(), "server");
        let quic = matches!(l.kind, ListenKind::Http { quic: true, .. });
        let proto = if quic { "udp" } else { "tcp" };
        found.add(
            "nginx",
            "nginx.conf",
            unbracket(&l.address),
            Some(port),
            proto,
            &l.path,
            Some(l.line),
            &l.detail,
            remedy,
        );
    }
    // `stream` servers (TCP/UDP proxies): no default port; `udp`; port ranges.
    for l in &cfg.analysis.stream_listens {
        let Some(first) = l.port.filter(|_| !l.address.starts_with("unix:")) else { continue };
        let ListenKind::Stream { udp, port_last } = l.kind else { continue };
        let last = port_last.unwrap_or(first);
        let proto = if udp { "udp" } else { "tcp" };
        let ports = if last > first { format!("{first}-{last}") } else { first.to_string() };
        let remedy = loopback_listen(&l.detail, &ports, "stream server");
        let address = unbracket(&l.address);
        for port in (first..=last).take(MAX_RANGE) {
            let source = "nginx.conf (stream)";
            found.add("nginx", source, address, Some(port), proto, &l.path, Some(l.line), &l.detail, &remedy);
        }
    }
}

/// The nginx remedy: the same `listen` line on 127.0.0.1, its parameters
/// (`ssl`, `quic`, `default_server`…) kept, so that it can be pasted.
fn loopback_listen(detail: &str, ports: &str, block: &str) -> String {
    match detail.strip_prefix("listen ") {
        Some(rest) => {
            let mut line = format!("listen 127.0.0.1:{ports}");
            for p in rest.trim_end_matches(';').split_whitespace().skip(1) {
                line.push(' ');
                line.push_str(p);
            }
            format!("Change it to `{line};` (or the private address the clients use) in this {block} block")
        }
        // A server block without `listen` (nginx's `*:80`).
        None => {
            format!("Add `listen 127.0.0.1:{ports};` (or the private address the clients use) to this {block} block")
        }
    }
}

/// Most ports of one `listen` port range listed one by one.
const MAX_RANGE: usize = crate::limits::PORT_RANGE;

/// Apache httpd: every `Listen` of the server configuration (includes
/// followed, `<IfModule>` sections taken as active).
fn apache(cfg: &apache::Config, found: &mut Found) {
    found.unreadable.extend(cfg.unreadable.iter().cloned());
    found.files.extend(cfg.files.iter().cloned());
    // The unit name, so that "restart {service}" can be pasted.
    let service = cfg.service();
    for l in &cfg.analysis.listens {
        let Some(port) = l.port else { continue };
        // The protocol argument (`https`) is kept.
        let proto_arg: String = l.detail.split_whitespace().skip(2).map(|w| format!(" {w}")).collect();
        let remedy = format!(
            "Change it to `Listen 127.0.0.1:{port}{proto_arg}` (or the private address the clients use) and bind the \
             matching <VirtualHost> to that address"
        );
        let address = unbracket(&l.address);
        found.add(service, "apache config", address, Some(port), "tcp", &l.path, Some(l.line), &l.detail, remedy);
    }
}

/// PostgreSQL: per cluster, one entry per `listen_addresses` address on the
/// cluster's `port`; `''` declares no TCP listener at all.
fn postgresql(cfg: &postgresql::Config, found: &mut Found) {
    found.unreadable.extend(cfg.unreadable.iter().cloned());
    let remedy = "Set `listen_addresses = 'localhost'` (or add only the private address the clients use)";
    for c in &cfg.clusters {
        found.files.extend(c.files.iter().cloned());
        let values = c.values();
        let Some(listen) = values.get("listen_addresses") else { continue };
        // An unset or unparsable port: the server default, or a server that
        // will not start (null: no port to judge).
        let port = match values.get("port") {
            Some(p) => p.value.trim().parse::<u16>().ok(),
            None => Some(5432),
        };
        for a in listen.value.split(',').map(str::trim).filter(|a| !a.is_empty()) {
            found.add(
                "postgresql",
                "postgresql.conf",
                a,
                port,
                "tcp",
                &listen.path,
                listen.line,
                &listen.detail,
                remedy,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::collectors::test_support::{declared_with as scan, listener_lines};
    use serde_json::Value;

    fn summary(v: &Value) -> Vec<String> {
        listener_lines(v, true)
    }

    #[test]
    fn nginx_listen_forms() {
        let conf = "http {\n\
            server {\n listen 80 default_server;\n listen [::]:80;\n}\n\
            server {\n listen 0.0.0.0:443 ssl;\n listen 443 quic reuseport;\n}\n\
            server {\n listen 127.0.0.1:8080;\n listen [::1];\n listen unix:/run/nginx.sock;\n listen localhost:81;\n}\n\
            server {\n server_name nolisten;\n}\n\
            }\n";
        let v = scan(&[("/etc/nginx/nginx.conf", conf)]);
        let n = "/etc/nginx/nginx.conf";
        assert_eq!(
            summary(&v),
            [
                format!("nginx *:80 tcp all {n}:3"),
                format!("nginx :::80 tcp all {n}:4"),
                format!("nginx 0.0.0.0:443 tcp all {n}:7"),
                format!("nginx *:443 udp all {n}:8"),
                format!("nginx 127.0.0.1:8080 tcp loopback {n}:11"),
                format!("nginx ::1:80 tcp loopback {n}:12"),
                format!("nginx localhost:81 tcp loopback {n}:14"),
                format!("nginx *:80 tcp all {n}:16"),
            ]
        );
        let remedy = |i: usize| v["listeners"][i]["remedy"].as_str().unwrap().to_string();
        assert!(remedy(0).contains("`listen 127.0.0.1:80 default_server;`"), "{}", remedy(0));
        assert!(remedy(2).contains("`listen 127.0.0.1:443 ssl;`"), "{}", remedy(2));
        assert!(remedy(7).starts_with("Add `listen 127.0.0.1:80;`"), "{}", remedy(7));
    }

    #[test]
    fn nginx_stream_servers() {
        let conf = "stream {\n\
            server {\n listen 3307;\n proxy_pass db:3306;\n}\n\
            server {\n listen 127.0.0.1:53 udp reuseport;\n}\n\
            server {\n listen [::]:7000-7002;\n listen 12345-1;\n listen unix:/run/s.sock;\n listen 1-65535;\n}\n\
            }\n";
        let v = scan(&[("/etc/nginx/nginx.conf", conf)]);
        let n = "/etc/nginx/nginx.conf";
        let got = summary(&v);
        assert_eq!(
            got[..7],
            [
                format!("nginx *:3307 tcp all {n}:3"),
                format!("nginx 127.0.0.1:53 udp loopback {n}:7"),
                format!("nginx :::7000 tcp all {n}:10"),
                format!("nginx :::7001 tcp all {n}:10"),
                format!("nginx :::7002 tcp all {n}:10"),
                // A backwards range is not a range: its first port.
                format!("nginx *:12345 tcp all {n}:11"),
                format!("nginx *:1 tcp all {n}:13"),
            ]
        );
        assert_eq!(got.len(), 6 + super::MAX_RANGE, "a wide range is capped");
    }

    #[test]
    fn apache_listen_forms() {
        let v = scan(&[
            ("/etc/apache2/apache2.conf", "IncludeOptional ports.conf\n"),
            (
                "/etc/apache2/ports.conf",
                "Listen 80\n<IfModule ssl_module>\n  Listen 0.0.0.0:443\n  Listen [::1]:8443 https\n</IfModule>\nListen 10.0.0.1:8080 http\nListen nonsense\n",
            ),
        ]);
        let p = "/etc/apache2/ports.conf";
        assert_eq!(
            summary(&v),
            [
                format!("apache2 *:80 tcp all {p}:1"),
                format!("apache2 0.0.0.0:443 tcp all {p}:3"),
                format!("apache2 ::1:8443 tcp loopback {p}:4"),
                format!("apache2 10.0.0.1:8080 tcp specific {p}:6"),
            ]
        );
        let remedy = v["listeners"][2]["remedy"].as_str().unwrap();
        assert!(remedy.starts_with("Change it to `Listen 127.0.0.1:8443 https`"), "{remedy}");
        let rhel = scan(&[("/etc/httpd/conf/httpd.conf", "Listen 8080\n")]);
        assert_eq!(summary(&rhel), ["httpd *:8080 tcp all /etc/httpd/conf/httpd.conf:1"]);
    }

    #[test]
    fn postgresql_listen_addresses() {
        let c = "/etc/postgresql/16/main/postgresql.conf";
        // Default: localhost on 5432, no line.
        let v = scan(&[(c, "# nothing\n")]);
        assert_eq!(summary(&v), [format!("postgresql localhost:5432 tcp loopback {c}:null")]);
        // A list, with the port set, overridden by an included file.
        let v = scan(&[
            (c, "listen_addresses = 'localhost'\nport = 5433\ninclude_dir 'conf.d'\n"),
            ("/etc/postgresql/16/main/conf.d/remote.conf", "listen_addresses = '127.0.0.1, 0.0.0.0,::'\n"),
        ]);
        let d = "/etc/postgresql/16/main/conf.d/remote.conf";
        assert_eq!(
            summary(&v),
            [
                format!("postgresql 127.0.0.1:5433 tcp loopback {d}:1"),
                format!("postgresql 0.0.0.0:5433 tcp all {d}:1"),
                format!("postgresql :::5433 tcp all {d}:1"),
            ]
        );
        // ALTER SYSTEM wins; '' is Unix sockets only.
        let v = scan(&[
            (c, "data_directory = '/var/lib/postgresql/16/main'\nlisten_addresses = '*'\n"),
            ("/var/lib/postgresql/16/main/postgresql.auto.conf", "listen_addresses = ''\n"),
        ]);
        assert!(summary(&v).is_empty(), "{:?}", summary(&v));
        // A bad port: listed without a port.
        let v = scan(&[(c, "listen_addresses = '*'\nport = 'x'\n")]);
        assert_eq!(summary(&v), [format!("postgresql *:null tcp all {c}:1")]);
    }

    #[test]
    fn unreadable_and_malformed_are_recorded() {
        let v = scan(&[("/etc/postgresql/16/main/postgresql.conf", "listen_addresses = '*\n")]);
        assert!(summary(&v).is_empty());
        assert_eq!(v["unreadable"][0]["path"], "/etc/postgresql/16/main/postgresql.conf");
    }

    #[test]
    fn garbage_never_panics() {
        let junk = "\u{0}\u{1}[[[ :: ::: listen Listen { } ;; ' \" \\\nlisten_addresses = ,,, \nport 99999999\n}}}\n";
        for p in [
            "/etc/nginx/nginx.conf",
            "/etc/apache2/apache2.conf",
            "/etc/httpd/conf/httpd.conf",
            "/etc/postgresql/16/main/postgresql.conf",
        ] {
            let _ = scan(&[(p, junk)]);
        }
        let _ =
            scan(&[("/etc/nginx/nginx.conf", "http { server { listen [::; listen :; listen 99999; listen *:*; } }")]);
        let _ = scan(&[("/etc/apache2/apache2.conf", "Listen [\nListen :\nListen 99999\nListen [::]:\n")]);
    }
}
