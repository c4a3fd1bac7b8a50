//! `listeners`: the sockets a live host listens on, read from the kernel's
//! socket tables (`/proc/net/{tcp,tcp6,udp,udp6}`) the way `ss -ltnup` does.
//!
//! TCP sockets in state `0A` (LISTEN) and UDP sockets with no remote peer
//! (unconnected, bound) are listeners. Each is mapped to its process through
//! the socket inode (`/proc/<pid>/fd/<n>` -> `socket:[INODE]`). Processes whose
//! descriptors cannot be read (another user's, when not root) are counted in
//! `hidden_processes`, not reported as unreadable: the listener is still
//! listed, with `pid: null`.
//!
//! Facts: `entries` (one item per socket: `proto`, `family`, `address`,
//! `port`, `scope` = `loopback` | `all` | `specific`, `pid`, `pids`,
//! `process`, `uid`, `user`, `inode`), `hidden_processes`, `unreadable`.
//! Live only: an offline root has no sockets.

use crate::sources::{item, Reader, Unavailable};
use crate::target::ReadError;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The socket tables, with protocol and address family.
const TABLES: &[(&str, &str, u8)] = &[
    ("/proc/net/tcp", "tcp", 4),
    ("/proc/net/tcp6", "tcp", 6),
    ("/proc/net/udp", "udp", 4),
    ("/proc/net/udp6", "udp", 6),
];

/// TCP_LISTEN in the kernel's `st` column.
const TCP_LISTEN: &str = "0A";

/// One socket from a `/proc/net/*` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Socket {
    pub proto: &'static str,
    pub family: u8,
    pub address: IpAddr,
    pub port: u16,
    pub uid: u32,
    pub inode: u64,
}

/// One listening socket with the process that owns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Listener {
    pub socket: Socket,
    /// Every process holding the socket (the first one is shown).
    pub pids: Vec<u32>,
    pub process: Option<String>,
    pub user: String,
}

impl Listener {
    pub fn pid(&self) -> Option<u32> {
        self.pids.first().copied()
    }

    /// `127.0.0.1:8080`, `[::]:22`.
    pub fn endpoint(&self) -> String {
        endpoint(&self.socket.address, self.socket.port)
    }

    pub fn scope(&self) -> &'static str {
        scope(&self.socket.address)
    }

    /// `tcp 0.0.0.0:22 sshd (pid 1, user root)`: how evidence names it.
    pub fn detail(&self) -> String {
        let who = match (&self.process, self.pid()) {
            (Some(name), Some(pid)) => format!("{name} (pid {pid}, user {})", self.user),
            (None, Some(pid)) => format!("pid {pid} (user {})", self.user),
            _ => format!("process unknown (user {})", self.user),
        };
        format!("{} {} {who}", self.socket.proto, self.endpoint())
    }

    /// The fact item.
    pub fn item(&self) -> serde_json::Map<String, Value> {
        let s = &self.socket;
        let mut m = item(None, None, self.detail());
        m.insert("proto".into(), s.proto.into());
        m.insert("family".into(), s.family.into());
        m.insert("address".into(), s.address.to_string().into());
        m.insert("endpoint".into(), self.endpoint().into());
        m.insert("port".into(), s.port.into());
        m.insert("scope".into(), self.scope().into());
        m.insert("pid".into(), self.pid().map(Value::from).unwrap_or(Value::Null));
        m.insert("pids".into(), self.pids.clone().into());
        m.insert("process".into(), self.process.clone().map(Value::from).unwrap_or(Value::Null));
        m.insert("uid".into(), s.uid.into());
        m.insert("user".into(), self.user.clone().into());
        m.insert("inode".into(), s.inode.into());
        m
    }
}

/// The listening sockets of a live host.
#[derive(Debug, Default)]
pub struct Listeners {
    pub entries: Vec<Listener>,
    /// Processes whose descriptors could not be read.
    pub hidden_processes: usize,
    pub unreadable: Vec<ReadError>,
}

impl Listeners {
    /// The `listeners` facts: `{exists, entries, hidden_processes}`.
    pub fn facts(&self) -> Value {
        let entries: Vec<Value> = self.entries.iter().map(|l| Value::Object(l.item())).collect();
        json!({"exists": true, "entries": entries, "hidden_processes": self.hidden_processes})
    }
}

/// Read the socket tables and map each listener to its process.
pub fn read(scan: &Reader) -> Result<Listeners, Unavailable> {
    if !scan.target.is_live() {
        return Err(Unavailable::NotFound("offline target: listening sockets are live state".into()));
    }
    let mut sockets = Vec::new();
    let mut unreadable = Vec::new();
    let mut read_any = false;
    for (path, proto, family) in TABLES {
        match scan.read_text(path) {
            Ok(f) => {
                read_any = true;
                sockets.extend(parse_table(&f.text, proto, *family));
            }
            // No IPv6 in this kernel: nothing listens there.
            Err(e) if e.is_not_found() => {}
            Err(e) => unreadable.push(e),
        }
    }
    if !read_any && unreadable.is_empty() {
        return Err(Unavailable::NotFound("/proc/net/tcp not found (is /proc mounted?)".into()));
    }
    let wanted: BTreeSet<u64> = sockets.iter().map(|s| s.inode).filter(|i| *i != 0).collect();
    let (owners, hidden) = socket_owners(scan, &wanted);
    let names = scan.names();
    let mut comm_cache: HashMap<u32, Option<String>> = HashMap::new();
    let mut entries = Vec::new();
    for s in sockets {
        let pids: Vec<u32> = owners.get(&s.inode).map(|p| p.iter().copied().collect()).unwrap_or_default();
        let process = pids.first().and_then(|p| {
            comm_cache
                .entry(*p)
                .or_insert_with(|| {
                    scan.target.read_text(&format!("/proc/{p}/comm")).ok().map(|f| f.text.trim_end().to_string())
                })
                .clone()
        });
        let user = names.user(s.uid);
        entries.push(Listener { socket: s, pids, process, user });
    }
    Ok(Listeners { entries, hidden_processes: hidden, unreadable })
}

/// The listening sockets of one `/proc/net/{tcp,udp}[6]` table.
pub fn parse_table(text: &str, proto: &'static str, family: u8) -> Vec<Socket> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 10 {
            continue;
        }
        let (Some((local, lport)), Some((remote, rport))) = (parse_endpoint(f[1]), parse_endpoint(f[2])) else {
            continue;
        };
        let listening = match proto {
            "tcp" => f[3] == TCP_LISTEN,
            // A UDP socket with no peer receives from anyone: it is bound, not connected.
            _ => rport == 0 && remote.is_unspecified(),
        };
        if !listening {
            continue;
        }
        let (Ok(uid), Ok(inode)) = (f[7].parse::<u32>(), f[9].parse::<u64>()) else { continue };
        out.push(Socket { proto, family, address: local, port: lport, uid, inode });
    }
    out
}

/// `0100007F:1F90` -> 127.0.0.1, 8080. The kernel prints each 32-bit word of
/// the (network-order) address as a native-endian hex number.
pub fn parse_endpoint(s: &str) -> Option<(IpAddr, u16)> {
    let (addr, port) = s.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let mut bytes = Vec::with_capacity(16);
    if addr.len() != 8 && addr.len() != 32 {
        return None;
    }
    for i in (0..addr.len()).step_by(8) {
        let word = u32::from_str_radix(addr.get(i..i + 8)?, 16).ok()?;
        bytes.extend_from_slice(&word.to_ne_bytes());
    }
    let ip = match bytes.len() {
        4 => IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3])),
        _ => {
            let a: [u8; 16] = bytes.try_into().ok()?;
            IpAddr::V6(Ipv6Addr::from(a))
        }
    };
    Some((ip, port))
}

/// `loopback` (127.0.0.0/8, ::1, ::ffff:127.x), `all` (0.0.0.0, ::,
/// ::ffff:0.0.0.0) or `specific`.
pub fn scope(ip: &IpAddr) -> &'static str {
    let v4 = match ip {
        IpAddr::V4(v4) => Some(*v4),
        IpAddr::V6(v6) => v6.to_ipv4_mapped(),
    };
    if let Some(v4) = v4 {
        if v4.is_unspecified() {
            return "all";
        }
        if v4.is_loopback() {
            return "loopback";
        }
        return "specific";
    }
    if ip.is_unspecified() {
        "all"
    } else if ip.is_loopback() {
        "loopback"
    } else {
        "specific"
    }
}

/// `0.0.0.0:22`, `[::]:22`.
fn endpoint(ip: &IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(v4) => format!("{v4}:{port}"),
        IpAddr::V6(v6) => format!("[{v6}]:{port}"),
    }
}

/// Socket inode -> the pids holding it (sorted), and how many processes'
/// descriptors could not be read.
fn socket_owners(scan: &Reader, wanted: &BTreeSet<u64>) -> (HashMap<u64, BTreeSet<u32>>, usize) {
    let mut owners: HashMap<u64, BTreeSet<u32>> = HashMap::new();
    let mut hidden = 0;
    let t = &scan.target;
    let Ok(procs) = t.read_dir("/proc") else { return (owners, 0) };
    let mut pids: BTreeMap<u32, String> = BTreeMap::new();
    for p in procs {
        if let Ok(pid) = p.name.parse::<u32>() {
            pids.insert(pid, p.path);
        }
    }
    for (pid, dir) in pids {
        let fds = match t.read_dir(&format!("{dir}/fd")) {
            Ok(fds) => fds,
            // The process exited meanwhile.
            Err(e) if e.is_not_found() => continue,
            Err(_) => {
                hidden += 1;
                continue;
            }
        };
        for fd in fds {
            let Ok(link) = t.read_link(&fd.path) else { continue };
            let Some(inode) = link.strip_prefix("socket:[").and_then(|r| r.strip_suffix(']')) else { continue };
            let Ok(inode) = inode.parse::<u64>() else { continue };
            if wanted.contains(&inode) {
                owners.entry(inode).or_default().insert(pid);
            }
        }
    }
    (owners, hidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    #[cfg(target_endian = "little")]
    fn decodes_addresses() {
        assert_eq!(parse_endpoint("0100007F:1F90"), Some((ip("127.0.0.1"), 8080)));
        assert_eq!(parse_endpoint("00000000:0016"), Some((ip("0.0.0.0"), 22)));
        assert_eq!(parse_endpoint("0101A8C0:1538"), Some((ip("192.168.1.1"), 5432)));
        assert_eq!(parse_endpoint("00000000000000000000000000000000:0016"), Some((ip("::"), 22)));
        assert_eq!(parse_endpoint("00000000000000000000000001000000:0277"), Some((ip("::1"), 631)));
        assert_eq!(parse_endpoint("0000000000000000FFFF00000100007F:18EB"), Some((ip("::ffff:127.0.0.1"), 6379)));
        assert_eq!(parse_endpoint("B80D0120000000000000000001000000:0050"), Some((ip("2001:db8::1"), 80)));
        assert_eq!(parse_endpoint("0100007F"), None);
        assert_eq!(parse_endpoint("007F:0016"), None);
    }

    #[test]
    fn classifies_scope() {
        assert_eq!(scope(&ip("127.0.0.53")), "loopback");
        assert_eq!(scope(&ip("::1")), "loopback");
        assert_eq!(scope(&ip("::ffff:127.0.0.1")), "loopback");
        assert_eq!(scope(&ip("0.0.0.0")), "all");
        assert_eq!(scope(&ip("::")), "all");
        assert_eq!(scope(&ip("::ffff:0.0.0.0")), "all");
        assert_eq!(scope(&ip("10.0.0.5")), "specific");
        assert_eq!(scope(&ip("fe80::1")), "specific");
    }

    #[test]
    #[cfg(target_endian = "little")]
    fn keeps_listening_tcp_and_unconnected_udp() {
        let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 00000000:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   112        0 2001 1 0 100 0 0 10 0\n\
   1: 0100007F:1538 0100007F:9C40 01 00000000:00000000 00:00000000 00000000   112        0 2002 1 0 20 4 30 10 -1\n";
        let s = parse_table(tcp, "tcp", 4);
        assert_eq!(
            s,
            vec![Socket { proto: "tcp", family: 4, address: ip("0.0.0.0"), port: 5432, uid: 112, inode: 2001 }]
        );
        let udp = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
  1: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 3001 2 0 0\n\
  2: 0F02000A:A1B2 08080808:0035 01 00000000:00000000 00:00000000 00000000  1000        0 3002 2 0 0\n";
        let s = parse_table(udp, "udp", 4);
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].address, s[0].port, s[0].uid), (ip("127.0.0.53"), 53, 101));
    }
}
