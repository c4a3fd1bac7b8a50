//! Declared listeners of systemd socket units and of X11 servers that
//! accept TCP connections.

use super::{split_host_port, Found};
use crate::collectors::systemd;
use crate::sources::Reader;

/// Unit search path, highest priority first (systemd.unit(5)).
const UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

pub(super) fn collect(scan: &Reader, units: &systemd::Units, found: &mut Found) {
    sockets(scan, units, found);
    x11(scan, found);
}

/// The unit file and its drop-ins, in the order systemd applies them.
fn unit_files(scan: &Reader, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(main) = UNIT_DIRS.iter().map(|d| format!("{d}/{name}")).find(|p| scan.target.stat(p).is_ok()) {
        out.push(main);
    }
    let mut dropins = std::collections::BTreeMap::new();
    for d in UNIT_DIRS {
        for e in scan.target.read_dir(&format!("{d}/{name}.d")).unwrap_or_default() {
            if e.name.ends_with(".conf") {
                dropins.entry(e.name).or_insert(e.path);
            }
        }
    }
    out.extend(dropins.into_values());
    out
}

/// Enabled `.socket` units: every network `ListenStream=`/`ListenDatagram=`
/// (an empty assignment resets the list; a bare port listens on all
/// interfaces; paths, abstract and vsock sockets are not network listeners).
fn sockets(scan: &Reader, units: &systemd::Units, found: &mut Found) {
    for unit in units.enabled.keys().filter(|u| u.ends_with(".socket")) {
        let mut listens: Vec<(String, usize, String, &'static str, String)> = Vec::new();
        for path in unit_files(scan, unit) {
            let Some(f) = found.read(scan, &path) else { continue };
            let mut section = String::new();
            for (i, raw) in f.text.lines().enumerate() {
                let l = raw.trim();
                if l.starts_with('[') {
                    section = l.trim_matches(['[', ']']).to_string();
                    continue;
                }
                if section != "Socket" || l.starts_with(['#', ';']) {
                    continue;
                }
                let Some((k, v)) = l.split_once('=') else { continue };
                let proto = match k.trim() {
                    "ListenStream" => "tcp",
                    "ListenDatagram" => "udp",
                    _ => continue,
                };
                let v = v.trim();
                if v.is_empty() {
                    listens.retain(|e| e.3 != proto);
                    continue;
                }
                listens.push((f.path.clone(), i + 1, v.to_string(), proto, l.to_string()));
            }
        }
        let service = unit.trim_end_matches(".socket");
        for (path, line, value, proto, detail) in listens {
            if value.starts_with(['/', '@']) || value.starts_with("vsock:") {
                continue;
            }
            let (host, port) = split_host_port(&value);
            if port.is_none() {
                continue;
            }
            let host = if host.is_empty() { "*".to_string() } else { host };
            let remedy = format!("Set `ListenStream=127.0.0.1:{}` in a drop-in for {unit}", port.unwrap_or(0));
            found.add(service, "systemd socket", &host, port, proto, &path, Some(line), detail, remedy);
        }
    }
}

/// X11 on TCP port 6000: GDM `[security] DisallowTCP=false`, LightDM
/// `xserver-allow-tcp=true`, or `-listen tcp` in xserverrc.
fn x11(scan: &Reader, found: &mut Found) {
    let remedy = "Remove the setting (X servers listen on TCP only when asked) and use SSH X11 forwarding";
    let mut files: Vec<String> = vec![
        "/etc/gdm3/custom.conf".into(),
        "/etc/gdm/custom.conf".into(),
        "/etc/lightdm/lightdm.conf".into(),
        "/etc/X11/xinit/xserverrc".into(),
    ];
    files.extend(scan.glob("/etc/lightdm/lightdm.conf.d/*.conf"));
    for path in files {
        let Some(f) = found.read(scan, &path) else { continue };
        for (i, raw) in f.text.lines().enumerate() {
            let l = raw.trim();
            if l.starts_with(['#', ';']) {
                continue;
            }
            let compact: String = l.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
            let on = compact == "disallowtcp=false"
                || compact == "xserver-allow-tcp=true"
                || (path.ends_with("xserverrc")
                    && l.split_whitespace().collect::<Vec<_>>().windows(2).any(|w| w == ["-listen", "tcp"]));
            if on {
                found.add("x11", "display manager", "*", Some(6000), "tcp", &f.path, Some(i + 1), l, remedy);
            }
        }
    }
}
