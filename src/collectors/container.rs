//! Whether hardcheck itself runs inside a container (a `RUN hardcheck
//! scan` step of an image build, a CI job in a container): then the live
//! host's state (listening sockets, the running kernel's settings) is the
//! build container's, not the host's, and the scan says so.
//!
//! Hints, strongest first: `/.dockerenv` (Docker), `/run/.containerenv`
//! (Podman, Buildah; its `engine=` line), `container=` in pid 1's
//! environment (systemd's convention: podman, lxc, systemd-nspawn, oci;
//! readable only as root, absent otherwise), a container runtime in
//! `/proc/1/cgroup` or `/proc/self/cgroup` (cgroup v1 paths, or v2 paths
//! under `docker-…scope`/`libpod-…`), and `/proc/1/sched` naming a pid
//! other than 1 for pid 1 (a pid namespace on kernels that show the host's
//! pid there).

use crate::target::{Target, TargetKind};
use serde::Serialize;

/// What was read, for [`detect`] (kept apart so that detection is tested
/// on strings).
#[derive(Debug, Default, Clone)]
pub struct Inputs {
    pub dockerenv: bool,
    /// Contents of `/run/.containerenv` (may be empty).
    pub containerenv: Option<String>,
    /// `/proc/1/environ` (NUL-separated).
    pub environ: Option<String>,
    /// `/proc/1/cgroup` and `/proc/self/cgroup`.
    pub cgroups: Vec<String>,
    /// `/proc/1/sched`.
    pub sched: Option<String>,
}

/// A container hardcheck runs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Container {
    /// `docker`, `podman`, `kubernetes`, `lxc`, `containerd`,
    /// `systemd-nspawn`, or `container` when only a pid namespace shows.
    pub engine: String,
    /// What showed it (`/.dockerenv`, `/proc/1/cgroup`…).
    pub hints: Vec<String>,
}

/// Runtimes named in cgroup paths.
const CGROUP_NAMES: &[(&str, &str)] = &[
    ("kubepods", "kubernetes"),
    ("libpod", "podman"),
    ("docker", "docker"),
    ("containerd", "containerd"),
    ("lxc", "lxc"),
    ("buildkit", "docker"),
];

/// Read the hints of the live host `t` (a host target only).
pub fn read(t: &dyn Target) -> Inputs {
    let text = |p: &str| t.read_text(p).ok().map(|f| f.text);
    Inputs {
        dockerenv: t.lstat("/.dockerenv").is_ok(),
        containerenv: text("/run/.containerenv").or_else(|| t.lstat("/run/.containerenv").ok().map(|_| String::new())),
        environ: text("/proc/1/environ"),
        cgroups: ["/proc/1/cgroup", "/proc/self/cgroup"].iter().filter_map(|p| text(p)).collect(),
        sched: text("/proc/1/sched"),
    }
}

/// The container a live scan runs in (`None` for `--root` and `--image`).
pub fn of(t: &dyn Target) -> Option<Container> {
    match t.kind() {
        TargetKind::Host => detect(&read(t)),
        _ => None,
    }
}

/// The profile a scan uses when `--profile` is not given: `container` for
/// an image and inside a container (no kernel, init or firewall of its
/// own), else `baseline`.
pub fn default_profile(inside: Option<&Container>, image: bool) -> &'static str {
    if inside.is_some() || image {
        "container"
    } else {
        "baseline"
    }
}

/// The container the hints show, if any.
pub fn detect(i: &Inputs) -> Option<Container> {
    let mut engine: Option<String> = None;
    let mut hints = Vec::new();
    let mut note = |e: &str, hint: &str, engine: &mut Option<String>| {
        engine.get_or_insert_with(|| e.to_string());
        hints.push(hint.to_string());
    };
    if i.dockerenv {
        note("docker", "/.dockerenv", &mut engine);
    }
    if let Some(env) = &i.containerenv {
        let named = env.lines().find_map(|l| l.strip_prefix("engine=")).map(|v| v.trim_matches('"'));
        let e = named.and_then(|v| v.split('-').next()).filter(|v| !v.is_empty()).unwrap_or("podman");
        note(e, "/run/.containerenv", &mut engine);
    }
    if let Some(value) = i.environ.as_deref().and_then(|e| e.split('\0').find_map(|kv| kv.strip_prefix("container="))) {
        if !value.is_empty() {
            note(value, "container= in /proc/1/environ", &mut engine);
        }
    }
    if let Some(e) = i.cgroups.iter().find_map(|c| cgroup_runtime(c)) {
        note(e, "/proc/1/cgroup", &mut engine);
    }
    if i.sched.as_deref().and_then(sched_pid).is_some_and(|pid| pid != 1) {
        note("container", "/proc/1/sched (pid namespace)", &mut engine);
    }
    engine.map(|engine| Container { engine, hints })
}

/// A runtime named in a cgroup file's paths (`12:pids:/docker/<id>`,
/// `0::/system.slice/docker-<id>.scope`, `0::/kubepods/…`).
fn cgroup_runtime(text: &str) -> Option<&'static str> {
    text.lines().filter_map(|l| l.splitn(3, ':').nth(2)).find_map(|path| {
        let lower = path.to_ascii_lowercase();
        CGROUP_NAMES.iter().find(|(k, _)| lower.contains(k)).map(|(_, e)| *e)
    })
}

/// The pid in `/proc/1/sched`'s first line: `bash (4242, #threads: 1)`.
fn sched_pid(text: &str) -> Option<u32> {
    let first = text.lines().next()?;
    let inner = first.rsplit_once('(')?.1;
    inner.split(',').next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_is_not_a_container() {
        let host = Inputs {
            cgroups: vec!["0::/init.scope\n".into(), "0::/user.slice/user-1000.slice/session-2.scope\n".into()],
            sched: Some("systemd (1, #threads: 1)\n-------\nse.exec_start : 1.0\n".into()),
            environ: Some("HOME=/\0TERM=linux\0".into()),
            ..Inputs::default()
        };
        assert_eq!(detect(&host), None);
        assert_eq!(detect(&Inputs::default()), None);
    }

    #[test]
    fn docker_and_podman_files() {
        let d = detect(&Inputs { dockerenv: true, ..Inputs::default() }).unwrap();
        assert_eq!((d.engine.as_str(), d.hints.as_slice()), ("docker", &["/.dockerenv".to_string()][..]));
        let p = Inputs { containerenv: Some("engine=\"podman-4.9.3\"\nname=\"x\"\n".into()), ..Inputs::default() };
        assert_eq!(detect(&p).unwrap().engine, "podman");
        let empty = Inputs { containerenv: Some(String::new()), ..Inputs::default() };
        assert_eq!(detect(&empty).unwrap().engine, "podman");
    }

    #[test]
    fn environ_cgroup_and_sched_hints() {
        let env = Inputs { environ: Some("PATH=/bin\0container=lxc\0".into()), ..Inputs::default() };
        assert_eq!(detect(&env).unwrap().engine, "lxc");
        let v1 =
            Inputs { cgroups: vec!["12:pids:/docker/0123abcd\n11:cpu:/docker/0123abcd\n".into()], ..Inputs::default() };
        assert_eq!(detect(&v1).unwrap().engine, "docker");
        let k8s = Inputs { cgroups: vec!["0::/kubepods/besteffort/pod1/abc\n".into()], ..Inputs::default() };
        assert_eq!(detect(&k8s).unwrap().engine, "kubernetes");
        let ns = Inputs { sched: Some("sh (48213, #threads: 1)\n".into()), ..Inputs::default() };
        assert_eq!(detect(&ns).unwrap().engine, "container");
        let both = Inputs { dockerenv: true, cgroups: vec!["0::/kubepods/x\n".into()], ..Inputs::default() };
        let d = detect(&both).unwrap();
        assert_eq!((d.engine.as_str(), d.hints.len()), ("docker", 2));
    }
}
