//! Declared listeners of daemons, each read the way the daemon reads its
//! own configuration: sshd, Redis, MySQL/MariaDB, MongoDB, memcached,
//! Elasticsearch, etcd, the kubelet and RabbitMQ.

use super::{split_host_port, url_host_port, Found, Inputs};
use crate::collectors::{mysql, rabbitmq, redis, sshd};
use crate::sources::{structured_yaml, Reader};
use crate::target::TextFile;
use serde_json::Value;

pub(super) fn collect(scan: &Reader, i: &Inputs, found: &mut Found) {
    if let Some(cfg) = i.sshd {
        sshd(cfg, found);
    }
    redis(i.redis, found);
    mysql(i.mysql, found);
    mongodb(scan, found);
    memcached(scan, found);
    elasticsearch(scan, found);
    etcd(scan, found);
    kubelet(scan, found);
    rabbitmq(i.rabbitmq, found);
}

/// Lines that are not blank or `#` comments, with their 1-based numbers.
fn lines(f: &TextFile) -> impl Iterator<Item = (usize, &str)> {
    f.text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

/// sshd: every `ListenAddress` (with its own port, or each `Port`); without
/// ListenAddress, each `Port` on all interfaces (sshd_config(5)).
fn sshd(cfg: &sshd::Config, found: &mut Found) {
    // Each port and each address once, as sshd binds them (a repeated one
    // is the same socket): the pairs stay within distinct values.
    let mut seen = std::collections::HashSet::new();
    let ports: Vec<(u16, &sshd::Setting)> = cfg
        .get("port")
        .iter()
        .filter(|s| s.criteria.is_none())
        .filter_map(|s| s.args.first().and_then(|v| v.parse::<u16>().ok()).map(|p| (p, s)))
        .filter(|(p, _)| seen.insert(*p))
        .collect();
    let remedy = "Set `ListenAddress` to the management address (or 127.0.0.1) in /etc/ssh/sshd_config";
    let mut addresses = std::collections::HashSet::new();
    for la in cfg.get("listenaddress") {
        let explicit = !la.default;
        for arg in la.args.iter().take(1) {
            if !addresses.insert(arg.as_str()) || found.is_full() {
                continue;
            }
            // Unset: sshd listens on 0.0.0.0 and :: (one entry, all interfaces).
            let (host, port) = if explicit { split_host_port(arg) } else { ("*".into(), None) };
            let (path, line, detail) = if explicit {
                (la.path.clone(), la.line, la.detail.clone())
            } else {
                match ports.first() {
                    Some((_, p)) if !p.default => (p.path.clone(), p.line, p.detail.clone()),
                    _ => (la.path.clone(), None, "Port and ListenAddress not set (sshd defaults)".into()),
                }
            };
            let targets: Vec<u16> = match port {
                Some(p) => vec![p],
                None => ports.iter().map(|(p, _)| *p).collect(),
            };
            for p in targets {
                found.add("sshd", "sshd_config", &host, Some(p), "tcp", &path, line, detail.clone(), remedy);
            }
        }
    }
}

/// Redis, every server: the last `bind` (default: all interfaces) on the
/// last `port` (default 6379; 0 disables TCP) and `tls-port`.
fn redis(cfg: &redis::Config, found: &mut Found) {
    found.unreadable.extend(cfg.unreadable.iter().cloned());
    let remedy = "Set `bind 127.0.0.1 -::1`";
    for inst in cfg.servers() {
        found.files.extend(inst.files.iter().cloned());
        let port = |k: &str, default: u16| match inst.last(k) {
            Some(d) => d.args.first().and_then(|p| p.parse::<u16>().ok()).unwrap_or(0),
            None => default,
        };
        let ports: Vec<u16> = [port("port", 6379), port("tls-port", 0)].into_iter().filter(|p| *p != 0).collect();
        match inst.last("bind") {
            Some(d) => {
                let detail = format!("bind {}", d.args.join(" "));
                for addr in &d.args {
                    for p in &ports {
                        found.add("redis", "redis.conf", addr, Some(*p), "tcp", &d.path, Some(d.line), &detail, remedy);
                    }
                }
            }
            None => {
                for p in &ports {
                    let detail = "no bind directive: Redis listens on all interfaces";
                    found.add("redis", "redis.conf", "*", Some(*p), "tcp", &inst.path, None, detail, remedy);
                }
            }
        }
    }
}

/// MySQL/MariaDB: `bind-address` (comma list, default all interfaces) and
/// `port` (default 3306) of the server groups; nothing with skip-networking.
fn mysql(cfg: &mysql::Config, found: &mut Found) {
    if !cfg.has_server_options() {
        return;
    }
    if let Some(skip) = cfg.server_value("skip_networking") {
        if !matches!(skip.value.as_deref().unwrap_or("").to_ascii_lowercase().as_str(), "0" | "off" | "false") {
            return;
        }
    }
    let port = cfg.server_value("port").and_then(|p| p.value.as_deref()?.parse::<u16>().ok()).unwrap_or(3306);
    let remedy = "Set `bind-address = 127.0.0.1` in the [mysqld] group";
    match cfg.server_value("bind_address") {
        Some(b) => {
            for a in b.value.as_deref().unwrap_or("").split(',') {
                found.add("mysql", "my.cnf", a.trim(), Some(port), "tcp", &b.path, Some(b.line), &b.raw, remedy);
            }
        }
        None => {
            let path = cfg.files.first().map(String::as_str).unwrap_or("/etc/mysql/my.cnf");
            let detail = "bind-address not set in any server group: all interfaces";
            found.add("mysql", "my.cnf", "*", Some(port), "tcp", path, None, detail, remedy);
        }
    }
}

/// The leaves of a YAML file keyed by dotted path (flat `a.b:` and nested
/// `a: {b:}` give the same key), or nothing when absent or malformed.
fn yaml_leaves(scan: &Reader, found: &mut Found, path: &str) -> Option<Vec<serde_json::Map<String, Value>>> {
    let f = found.read(scan, path)?;
    structured_yaml(&f).ok().map(|(_, leaves)| leaves)
}

fn leaf<'a>(leaves: &'a [serde_json::Map<String, Value>], key: &str) -> Option<&'a serde_json::Map<String, Value>> {
    leaves.iter().rev().find(|l| l.get("key").and_then(Value::as_str) == Some(key))
}

fn leaf_list<'a>(leaves: &'a [serde_json::Map<String, Value>], key: &str) -> Vec<&'a serde_json::Map<String, Value>> {
    let prefix = format!("{key}[");
    let items: Vec<_> = leaves
        .iter()
        .filter(|l| l.get("key").and_then(Value::as_str).is_some_and(|k| k.starts_with(&prefix)))
        .collect();
    if items.is_empty() {
        leaf(leaves, key).into_iter().collect()
    } else {
        items
    }
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn lineno(l: &serde_json::Map<String, Value>) -> Option<usize> {
    l.get("line").and_then(Value::as_u64).map(|n| n as usize)
}

/// MongoDB (mongod.conf): `net.bindIpAll: true`, else `net.bindIp` (comma
/// list, default localhost) on `net.port` (default 27017).
fn mongodb(scan: &Reader, found: &mut Found) {
    let path = "/etc/mongod.conf";
    let Some(leaves) = yaml_leaves(scan, found, path) else { return };
    let port = leaf(&leaves, "net.port").and_then(|l| l.get("value")).and_then(Value::as_u64).unwrap_or(27017) as u16;
    let remedy = "Set `net.bindIp: 127.0.0.1` and remove `net.bindIpAll`";
    if let Some(all) = leaf(&leaves, "net.bindIpAll").filter(|l| l.get("value") == Some(&Value::Bool(true))) {
        found.add("mongodb", "mongod.conf", "*", Some(port), "tcp", path, lineno(all), text(all.get("detail")), remedy);
        return;
    }
    match leaf(&leaves, "net.bindIp") {
        Some(b) => {
            for a in text(b.get("value")).split(',') {
                found.add(
                    "mongodb",
                    "mongod.conf",
                    a.trim(),
                    Some(port),
                    "tcp",
                    path,
                    lineno(b),
                    text(b.get("detail")),
                    remedy,
                );
            }
        }
        None => found.add(
            "mongodb",
            "mongod.conf",
            "localhost",
            Some(port),
            "tcp",
            path,
            None,
            "net.bindIp not set: localhost (default)",
            remedy,
        ),
    }
}

/// memcached: `-l`/`--listen` (comma list, may carry `:port`; default all
/// interfaces), `-p`/`--port` (11211), `-U`/`--udp-port` (0 since 1.5.6),
/// from Debian's /etc/memcached.conf (one option per line) or RHEL's
/// /etc/sysconfig/memcached (`PORT=`, `OPTIONS=`).
fn memcached(scan: &Reader, found: &mut Found) {
    let mut opts: Vec<(String, usize, String)> = Vec::new(); // (path, line, option text)
    let mut sources = Vec::new();
    if let Some(f) = found.read(scan, "/etc/memcached.conf") {
        sources.push(f.path.clone());
        for (n, l) in lines(&f) {
            opts.push((f.path.clone(), n, l.to_string()));
        }
    }
    if let Some(f) = found.read(scan, "/etc/sysconfig/memcached") {
        sources.push(f.path.clone());
        for (n, l) in lines(&f) {
            let Some((k, v)) = l.split_once('=') else { continue };
            let v = v.trim().trim_matches(['"', '\'']);
            match k.trim() {
                "PORT" => opts.push((f.path.clone(), n, format!("-p {v}"))),
                "UDP_PORT" => opts.push((f.path.clone(), n, format!("-U {v}"))),
                "OPTIONS" => opts.push((f.path.clone(), n, v.to_string())),
                _ => {}
            }
        }
    }
    let Some(first) = sources.first().cloned() else { return };
    // Tokenise every option line into (flag, value, path, line).
    let mut flags: Vec<(String, String, String, usize)> = Vec::new();
    for (path, line, text) in &opts {
        let mut words = text.split_whitespace().peekable();
        while let Some(w) = words.next() {
            let (flag, inline) = match w.split_once('=') {
                Some((f, v)) if w.starts_with("--") => (f.to_string(), Some(v.to_string())),
                _ if w.starts_with("--") => (w.to_string(), None),
                _ if w.starts_with('-') && w.len() > 2 && w.is_char_boundary(2) => {
                    (w[..2].to_string(), Some(w[2..].to_string()))
                }
                _ => (w.to_string(), None),
            };
            let takes = matches!(flag.as_str(), "-l" | "--listen" | "-p" | "--port" | "-U" | "--udp-port");
            let value = match inline {
                Some(v) => v,
                None if takes => words.next().unwrap_or("").to_string(),
                None => String::new(),
            };
            flags.push((flag, value, path.clone(), *line));
        }
    }
    let last = |names: &[&str]| flags.iter().rev().find(|(f, ..)| names.contains(&f.as_str())).cloned();
    let tcp = last(&["-p", "--port"]).and_then(|(_, v, ..)| v.parse::<u16>().ok()).unwrap_or(11211);
    let udp = last(&["-U", "--udp-port"]).and_then(|(_, v, ..)| v.parse::<u16>().ok()).unwrap_or(0);
    let remedy = "Set `-l 127.0.0.1`";
    let listens: Vec<_> = flags.iter().filter(|(f, ..)| f == "-l" || f == "--listen").cloned().collect();
    let mut add = |addr: &str, path: &str, line: Option<usize>, detail: String| {
        let (host, port) = split_host_port(addr);
        let host = if host.is_empty() && port.is_none() { addr.to_string() } else { host };
        for (p, proto) in [(port.unwrap_or(tcp), "tcp"), (udp, "udp")] {
            if p != 0 {
                found.add("memcached", "memcached options", &host, Some(p), proto, path, line, detail.clone(), remedy);
            }
        }
    };
    if listens.is_empty() {
        add("*", &first, None, "no -l option: memcached listens on all interfaces".into());
    }
    for (flag, value, path, line) in listens {
        for a in value.split(',') {
            add(a.trim(), &path, Some(line), format!("{flag} {value}"));
        }
    }
}

/// Elasticsearch: `http.host`/`http.bind_host`, else `network.host`/
/// `network.bind_host` (default `_local_`: loopback), on `http.port` (9200).
fn elasticsearch(scan: &Reader, found: &mut Found) {
    let path = "/etc/elasticsearch/elasticsearch.yml";
    let Some(leaves) = yaml_leaves(scan, found, path) else { return };
    let port = leaf(&leaves, "http.port")
        .and_then(|l| text(l.get("value")).split('-').next().and_then(|p| p.trim().parse::<u16>().ok()))
        .unwrap_or(9200);
    let remedy = "Set `network.host: _local_` (or a private address behind a firewall)";
    let key = ["http.bind_host", "http.host", "network.bind_host", "network.host"]
        .into_iter()
        .find(|k| !leaf_list(&leaves, k).is_empty());
    match key {
        Some(k) => {
            for l in leaf_list(&leaves, k) {
                let v = text(l.get("value"));
                let addr = match v.as_str() {
                    "_local_" => "127.0.0.1".to_string(),
                    other => other.trim_matches('_').to_string(),
                };
                let addr = if v == "0.0.0.0" { v.clone() } else { addr };
                found.add(
                    "elasticsearch",
                    "elasticsearch.yml",
                    &addr,
                    Some(port),
                    "tcp",
                    path,
                    lineno(l),
                    text(l.get("detail")),
                    remedy,
                );
            }
        }
        None => found.add(
            "elasticsearch",
            "elasticsearch.yml",
            "127.0.0.1",
            Some(port),
            "tcp",
            path,
            None,
            "network.host not set: _local_ (default)",
            remedy,
        ),
    }
}

/// etcd: `listen-client-urls` (YAML config) or `ETCD_LISTEN_CLIENT_URLS`
/// (environment file); default http://localhost:2379.
fn etcd(scan: &Reader, found: &mut Found) {
    let remedy = "Set `listen-client-urls` to https://127.0.0.1:2379 (plus the node's private address with client TLS)";
    let yml = "/etc/etcd/etcd.conf.yml";
    if let Some(leaves) = yaml_leaves(scan, found, yml) {
        if let Some(l) = leaf(&leaves, "listen-client-urls") {
            for u in text(l.get("value")).split(',') {
                if let Some((h, p)) = url_host_port(u) {
                    found.add(
                        "etcd",
                        "etcd.conf.yml",
                        &h,
                        Some(p.unwrap_or(2379)),
                        "tcp",
                        yml,
                        lineno(l),
                        text(l.get("detail")),
                        remedy,
                    );
                }
            }
        } else {
            found.add(
                "etcd",
                "etcd.conf.yml",
                "localhost",
                Some(2379),
                "tcp",
                yml,
                None,
                "listen-client-urls not set: localhost (default)",
                remedy,
            );
        }
        return;
    }
    for env in ["/etc/default/etcd", "/etc/etcd/etcd.conf"] {
        let Some(f) = found.read(scan, env) else { continue };
        for (n, l) in lines(&f) {
            let l = l.strip_prefix("export ").unwrap_or(l);
            if let Some(v) = l.strip_prefix("ETCD_LISTEN_CLIENT_URLS=") {
                for u in v.trim_matches(['"', '\'']).split(',') {
                    if let Some((h, p)) = url_host_port(u) {
                        found.add(
                            "etcd",
                            "etcd environment",
                            &h,
                            Some(p.unwrap_or(2379)),
                            "tcp",
                            &f.path,
                            Some(n),
                            l,
                            remedy,
                        );
                    }
                }
            }
        }
    }
}

/// kubelet (KubeletConfiguration): `address` (default 0.0.0.0) on `port`
/// (10250), and `readOnlyPort` when set to a non-zero port.
fn kubelet(scan: &Reader, found: &mut Found) {
    let path = "/var/lib/kubelet/config.yaml";
    let Some(leaves) = yaml_leaves(scan, found, path) else { return };
    let remedy =
        "Set `address` to the node's private address and `readOnlyPort: 0`; allow 10250 only from the control plane";
    let port = leaf(&leaves, "port").and_then(|l| l.get("value")).and_then(Value::as_u64).unwrap_or(10250) as u16;
    let (addr, line, detail) = match leaf(&leaves, "address") {
        Some(l) => (text(l.get("value")), lineno(l), text(l.get("detail"))),
        None => ("0.0.0.0".to_string(), None, "address not set: 0.0.0.0 (default)".to_string()),
    };
    found.add("kubelet", "kubelet config", &addr, Some(port), "tcp", path, line, detail.clone(), remedy);
    if let Some(ro) = leaf(&leaves, "readOnlyPort") {
        let p = ro.get("value").and_then(Value::as_u64).unwrap_or(0) as u16;
        if p != 0 {
            found.add(
                "kubelet (read-only)",
                "kubelet config",
                &addr,
                Some(p),
                "tcp",
                path,
                lineno(ro),
                text(ro.get("detail")),
                remedy,
            );
        }
    }
}

/// RabbitMQ (rabbitmq.conf, sysctl-like): AMQP `listeners.tcp.*` (default
/// all interfaces, 5672) and, with the management plugin enabled,
/// `management.tcp.ip`/`management.tcp.port` (default all, 15672).
fn rabbitmq(cfg: &rabbitmq::Config, found: &mut Found) {
    // Only rabbitmq.conf and enabled_plugins declare listeners here.
    let own = |p: &str| p == rabbitmq::CONF || p == rabbitmq::PLUGINS;
    found.unreadable.extend(cfg.unreadable.iter().filter(|e| own(e.path())).cloned());
    if cfg.plugins.is_some() {
        found.files.push(rabbitmq::PLUGINS.to_string());
    }
    let conf = cfg.files.iter().any(|f| f == rabbitmq::CONF);
    if conf {
        found.files.push(rabbitmq::CONF.to_string());
    }
    if !conf && cfg.plugins.as_deref().unwrap_or("").is_empty() {
        return;
    }
    let path = rabbitmq::CONF;
    let remedy = "Set `listeners.tcp.default` / `management.tcp.ip` to 127.0.0.1 (or a private address)";
    let settings: Vec<&rabbitmq::Setting> = cfg.settings.iter().filter(|s| s.path == rabbitmq::CONF).collect();
    let last = |k: &str| settings.iter().rev().find(|s| s.key == k).copied();
    let amqp: Vec<&rabbitmq::Setting> =
        settings.iter().filter(|s| s.key.starts_with("listeners.tcp.")).copied().collect();
    if amqp.is_empty() {
        let detail = "no listeners.tcp: all interfaces on 5672 (default)";
        found.add("rabbitmq", "rabbitmq.conf", "*", Some(5672), "tcp", path, None, detail, remedy);
    }
    for s in amqp {
        if s.value.eq_ignore_ascii_case("none") {
            continue;
        }
        let (host, port) = split_host_port(&s.value);
        let host = if host.is_empty() { "*".to_string() } else { host };
        let detail = format!("{} = {}", s.key, s.value);
        found.add(
            "rabbitmq",
            "rabbitmq.conf",
            &host,
            port.or(Some(5672)),
            "tcp",
            &s.path,
            Some(s.line),
            detail,
            remedy,
        );
    }
    if cfg.management() {
        let port = last("management.tcp.port").and_then(|s| s.value.parse::<u16>().ok()).unwrap_or(15672);
        let service = "rabbitmq-management";
        match last("management.tcp.ip") {
            Some(s) => {
                let detail = format!("{} = {}", s.key, s.value);
                found.add(service, "rabbitmq.conf", &s.value, Some(port), "tcp", &s.path, Some(s.line), detail, remedy)
            }
            None => {
                let detail = "management plugin enabled, management.tcp.ip not set: all interfaces";
                found.add(service, "rabbitmq.conf", "*", Some(port), "tcp", path, None, detail, remedy)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::collectors::test_support::{declared_with as scan, listener_lines};
    use serde_json::Value;

    fn summary(v: &Value) -> Vec<String> {
        listener_lines(v, false)
    }

    #[test]
    fn memcached_options() {
        let v = scan(&[("/etc/memcached.conf", "-m 64\n-p 11311\n-l 127.0.0.1,10.0.0.2\n-U 11311\n")]);
        assert_eq!(
            summary(&v),
            [
                "memcached 127.0.0.1:11311 tcp loopback",
                "memcached 127.0.0.1:11311 udp loopback",
                "memcached 10.0.0.2:11311 tcp specific",
                "memcached 10.0.0.2:11311 udp specific"
            ]
        );
    }

    #[test]
    fn redis_include_last_wins() {
        let v = scan(&[
            ("/etc/redis/redis.conf", "bind 127.0.0.1\nport 6379\ninclude /etc/redis/local.conf\n"),
            ("/etc/redis/local.conf", "bind 0.0.0.0 ::\n"),
        ]);
        assert_eq!(summary(&v), ["redis 0.0.0.0:6379 tcp all", "redis :::6379 tcp all"]);
    }

    #[test]
    fn garbage_never_panics() {
        let junk = "\u{0}\u{1}[[[ :: ::: -l -p -U\nbind\nport x\n\"'\n";
        for p in [
            "/etc/redis/redis.conf",
            "/etc/memcached.conf",
            "/etc/mongod.conf",
            "/etc/rabbitmq/rabbitmq.conf",
            "/etc/default/etcd",
            "/var/lib/kubelet/config.yaml",
            "/etc/elasticsearch/elasticsearch.yml",
        ] {
            let _ = scan(&[(p, junk)]);
        }
    }
}
