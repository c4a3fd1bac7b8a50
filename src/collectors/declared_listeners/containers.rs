//! Declared listeners of containers: docker-compose `ports`, Dockerfile
//! `EXPOSE` and the Docker daemon's `hosts`.

use super::{url_host_port, Found};
use crate::sources::{structured_yaml, Reader};
use serde_json::Value;

/// Compose file names (compose spec: compose.yaml preferred, then the
/// docker-compose names).
/// One YAML leaf (`key`, `value`, `path`, `line`, `detail`).
type Leaf = serde_json::Map<String, Value>;

const COMPOSE_NAMES: &[&str] = &["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];
/// Where applications are deployed; searched to two directory levels.
const APP_DIRS: &[&str] = &["/srv", "/opt", "/var/www", "/home/*", "/root", "/etc", "/app", "/usr/src/app"];

pub(super) fn collect(scan: &Reader, found: &mut Found) {
    for dir in APP_DIRS {
        for depth in ["", "/*", "/*/*"] {
            for name in COMPOSE_NAMES {
                for path in scan.glob(&format!("{dir}{depth}/{name}")) {
                    compose(scan, found, &path);
                }
            }
            for path in scan.glob(&format!("{dir}{depth}/Dockerfile")) {
                dockerfile(scan, found, &path);
            }
        }
    }
    docker_daemon(scan, found);
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// `services.<name>.ports`: short syntax `[HOST:]HOST_PORT:CONTAINER_PORT[/proto]`
/// or `CONTAINER_PORT` (published on a random host port, all interfaces),
/// and long syntax (`target`, `published`, `host_ip`, `protocol`).
fn compose(scan: &Reader, found: &mut Found, path: &str) {
    let Some(f) = found.read(scan, path) else { return };
    let Ok((_, leaves)) = structured_yaml(&f) else { return };
    let remedy = "Publish the port on loopback only (`\"127.0.0.1:HOST:CONTAINER\"`) or drop `ports:` and use an internal network";
    // Group leaves by `services.NAME.ports[i]`.
    let mut entries: Vec<(String, String, Vec<&Leaf>)> = Vec::new();
    for l in &leaves {
        let Some(key) = l.get("key").and_then(Value::as_str) else { continue };
        let Some(rest) = key.strip_prefix("services.") else { continue };
        let Some((service, tail)) = rest.split_once(".ports[") else { continue };
        let Some((index, _)) = tail.split_once(']') else { continue };
        let id = format!("{service}[{index}]");
        match entries.iter_mut().find(|(i, ..)| *i == id) {
            Some(e) => e.2.push(l),
            None => entries.push((id, service.to_string(), vec![l])),
        }
    }
    for (_, service, items) in entries {
        let first = items[0];
        let line = first.get("line").and_then(Value::as_u64).map(|n| n as usize);
        let key_of =
            |l: &serde_json::Map<String, Value>| l.get("key").and_then(Value::as_str).unwrap_or("").to_string();
        let field =
            |name: &str| items.iter().find(|l| key_of(l).ends_with(&format!("].{name}"))).map(|l| text(l.get("value")));
        let (host, published, target, proto, detail) = if items.len() == 1 && !key_of(first).contains("].") {
            let spec = text(first.get("value"));
            let (spec_no_proto, proto) = match spec.rsplit_once('/') {
                Some((s, p)) => (s.to_string(), if p.eq_ignore_ascii_case("udp") { "udp" } else { "tcp" }),
                None => (spec.clone(), "tcp"),
            };
            let (host, published) = short_syntax(&spec_no_proto);
            let target = spec_no_proto.rsplit(':').next().unwrap_or("").to_string();
            (host, published, target, proto, format!("{service}: ports \"{spec}\""))
        } else {
            let host = field("host_ip").unwrap_or_default();
            let published = field("published").unwrap_or_default();
            let target = field("target").unwrap_or_default();
            let proto = if field("protocol").is_some_and(|p| p.eq_ignore_ascii_case("udp")) { "udp" } else { "tcp" };
            let shown = if host.is_empty() { published.clone() } else { format!("{host}:{published}") };
            let detail = format!("{service}: ports published {shown} -> {target}");
            (host, published, target, proto, detail)
        };
        // A range publishes every port in it; record its first port.
        let port = published.split('-').next().and_then(|p| p.trim().parse::<u16>().ok());
        let address = if host.is_empty() { "*".to_string() } else { host };
        found.add(&service, "docker-compose", &address, port, proto, path, line, detail, remedy);
        if let Some(l) = found.listeners.last_mut() {
            l.target_port = target.split('-').next().and_then(|p| p.trim().parse::<u16>().ok());
        }
    }
}

/// `[IP:][HOST_PORT:]CONTAINER_PORT` → (host ip, published host port).
/// Without a host port Docker publishes on a random port (None).
fn short_syntax(spec: &str) -> (String, String) {
    // IPv6 host: `[::1]:8080:80`.
    if let Some(rest) = spec.strip_prefix('[') {
        if let Some((ip, tail)) = rest.split_once("]:") {
            let published = tail.split(':').next().unwrap_or("").to_string();
            return (ip.to_string(), published);
        }
    }
    let parts: Vec<&str> = spec.split(':').collect();
    match parts.as_slice() {
        [_container] => (String::new(), String::new()),
        [host_port, _container] => (String::new(), host_port.to_string()),
        [ip, host_port, _container] => (ip.to_string(), host_port.to_string()),
        _ => (String::new(), String::new()),
    }
}

/// Dockerfile `EXPOSE port[/proto] ...`: the ports the image's service
/// listens on inside its network namespace (every interface there).
fn dockerfile(scan: &Reader, found: &mut Found, path: &str) {
    let Some(f) = found.read(scan, path) else { return };
    let remedy = "Publish the port only on loopback or an internal network when running the image";
    for (i, l) in f.text.lines().enumerate() {
        let t = l.trim();
        let Some((instr, args)) = t.split_once(char::is_whitespace) else { continue };
        if !instr.eq_ignore_ascii_case("EXPOSE") {
            continue;
        }
        for a in args.split_whitespace() {
            let (port, proto) = match a.split_once('/') {
                Some((p, pr)) => (p, if pr.eq_ignore_ascii_case("udp") { "udp" } else { "tcp" }),
                None => (a, "tcp"),
            };
            let port = port.split('-').next().and_then(|p| p.parse::<u16>().ok());
            if port.is_some() {
                found.add("container image", "Dockerfile", "*", port, proto, path, Some(i + 1), t, remedy);
            }
        }
    }
}

/// Docker daemon `hosts` in /etc/docker/daemon.json (`tcp://` entries;
/// unix sockets and fd:// are not network listeners).
fn docker_daemon(scan: &Reader, found: &mut Found) {
    let path = "/etc/docker/daemon.json";
    let Some(f) = found.read(scan, path) else { return };
    let Ok((_, leaves)) = structured_yaml(&f) else { return };
    let remedy = "Remove `tcp://` hosts from daemon.json, or bind to 127.0.0.1 with `tlsverify`";
    for l in &leaves {
        let key = l.get("key").and_then(Value::as_str).unwrap_or("");
        if key != "hosts" && !key.starts_with("hosts[") {
            continue;
        }
        let v = text(l.get("value"));
        if let Some((host, port)) = url_host_port(&v) {
            let tls = v.starts_with("tcp://") && port == Some(2376);
            let port = port.or(Some(if tls { 2376 } else { 2375 }));
            let line = l.get("line").and_then(Value::as_u64).map(|n| n as usize);
            let host = if host.is_empty() { "*".to_string() } else { host };
            found.add("docker", "daemon.json", &host, port, "tcp", path, line, text(l.get("detail")), remedy);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::short_syntax;

    #[test]
    fn compose_short_syntax() {
        assert_eq!(short_syntax("5432"), ("".into(), "".into()));
        assert_eq!(short_syntax("5432:5432"), ("".into(), "5432".into()));
        assert_eq!(short_syntax("127.0.0.1:8080:80"), ("127.0.0.1".into(), "8080".into()));
        assert_eq!(short_syntax("[::1]:8080:80"), ("::1".into(), "8080".into()));
        assert_eq!(short_syntax("8000-8010:8000-8010"), ("".into(), "8000-8010".into()));
        assert_eq!(short_syntax(":::"), ("".into(), "".into()));
    }
}
