//! What the image checks judge in a container image: its configuration
//! (`User`, `Env`, `ExposedPorts`, `Healthcheck`), its build history
//! (`created_by`), and its layers (setuid/setgid files added above the
//! base image, package caches and build tools left in the final image).
//!
//! Findings about the configuration are not files: their evidence has no
//! path (`null`, as DESIGN.md's evidence shape says for what is not a
//! file); the detail names the key (`Config.User`, `Config.Env
//! DB_PASSWORD`, `history[4]`), and a history step that made a layer
//! carries that layer. Findings about files name the in-image path; the
//! report adds the layer that last wrote it. Values of the environment are
//! never shown: a secret is named by its key only.

use super::dockerfiles::{adds_url, pipes_to_shell};
use super::secret_files::{detect, literal_secret, secret_key};
use crate::limits;
use crate::model::LayerRef;
use crate::sources::tree_walk::{self, Bounds};
use crate::sources::Reader;
use crate::target::{FileType, ImageTarget, Target};
use serde_json::{json, Value};

/// What an image finding is about; one check per concern.
pub const CONCERNS: &[&str] =
    &["root_user", "env_secret", "admin_port", "no_healthcheck", "setuid_added", "leftovers", "remote_fetch"];

/// One finding, in the shape the engine turns into evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub concern: &'static str,
    pub path: Option<String>,
    pub line: Option<usize>,
    pub detail: String,
    pub layer: Option<LayerRef>,
}

impl Finding {
    pub fn json(&self) -> Value {
        json!({"concern": self.concern, "path": self.path, "line": self.line, "detail": self.detail,
               "layer": self.layer})
    }
}

/// Ports of datastores and administration services: reachable from
/// wherever the container's port is published.
pub const ADMIN_PORTS: &[(u16, &str)] = &[
    (22, "SSH"),
    (23, "Telnet"),
    (2375, "Docker API (plain)"),
    (2376, "Docker API"),
    (2379, "etcd"),
    (3306, "MySQL/MariaDB"),
    (3389, "RDP"),
    (5432, "PostgreSQL"),
    (5900, "VNC"),
    (5984, "CouchDB"),
    (6379, "Redis"),
    (8086, "InfluxDB"),
    (9042, "Cassandra"),
    (9200, "Elasticsearch"),
    (10250, "kubelet"),
    (11211, "memcached"),
    (15672, "RabbitMQ management"),
    (27017, "MongoDB"),
];

/// Package manager caches (directories that should be empty in a final
/// image) and what they are.
const CACHES: &[(&str, &str)] = &[
    ("/var/lib/apt/lists", "APT package lists"),
    ("/var/cache/apt/archives", "downloaded .deb packages"),
    ("/var/cache/apk", "apk package cache"),
    ("/var/cache/yum", "yum cache"),
    ("/var/cache/dnf", "dnf cache"),
    ("/root/.cache/pip", "pip cache"),
    ("/root/.npm/_cacache", "npm cache"),
];

/// Entries of a cache directory that are there when it is empty.
const CACHE_SKELETON: &[&str] = &["lock", "partial", "auxfiles", "installed"];

/// Compilers and build tools that a runtime image does not need.
const BUILD_TOOLS: &[&str] = &[
    "/usr/bin/gcc",
    "/usr/bin/g++",
    "/usr/bin/cc",
    "/usr/bin/clang",
    "/usr/bin/make",
    "/usr/local/go/bin/go",
    "/root/.cargo/bin/cargo",
];

/// Everything the image checks judge, and how much each concern looked at.
#[derive(Debug, Default)]
pub struct ImageFacts {
    pub findings: Vec<Finding>,
    /// Layers that belong to the base image (see [`base_layers`]).
    pub base_layers: usize,
    /// The walk for setuid files reached a bound.
    pub truncated: bool,
}

impl ImageFacts {
    pub fn facts(&self) -> Value {
        json!({
            "findings": self.findings.iter().map(Finding::json).collect::<Vec<_>>(),
            "base_layers": self.base_layers,
            "truncated": self.truncated,
        })
    }
}

/// Judge an image.
pub fn collect(r: &Reader, image: &ImageTarget) -> ImageFacts {
    let c = image.config();
    let layers = image.layers();
    let mut out = ImageFacts { base_layers: base_layers(image), ..ImageFacts::default() };
    let mut add = |concern, path: Option<String>, detail: String, layer: Option<LayerRef>| {
        out.findings.push(Finding { concern, path, line: None, detail, layer });
    };
    if let Some(why) = runs_as_root(c.user.as_deref()) {
        add("root_user", None, why, None);
    }
    for (key, value) in &c.env {
        if let Some(why) = env_secret(key, value) {
            add("env_secret", None, format!("Config.Env {key}=**** ({why})"), None);
        }
    }
    for spec in &c.exposed_ports {
        let port = spec.split('/').next().and_then(|p| p.parse::<u16>().ok());
        if let Some((_, name)) = ADMIN_PORTS.iter().find(|(p, _)| Some(*p) == port) {
            add("admin_port", None, format!("Config.ExposedPorts {spec} ({name})"), None);
        }
    }
    match &c.healthcheck {
        None => add("no_healthcheck", None, "Config.Healthcheck is not set".into(), None),
        Some(h) if h.test.first().is_some_and(|t| t == "NONE") => {
            add("no_healthcheck", None, "Config.Healthcheck is disabled (NONE)".into(), None)
        }
        Some(_) => {}
    }
    let mut made = 0usize;
    let steps = c.layer_history().is_some();
    for (i, h) in c.history.iter().enumerate() {
        let layer = match (steps, h.empty_layer) {
            (true, false) => layers.get(made).cloned(),
            _ => None,
        };
        made += usize::from(!h.empty_layer);
        let Some(cmd) = h.created_by.as_deref() else { continue };
        let what = match (adds_url(cmd), pipes_to_shell(cmd)) {
            (true, _) => "ADD of a remote URL",
            (_, true) => "a download piped to a shell",
            _ => continue,
        };
        add("remote_fetch", None, format!("history[{i}]: {what}: {}", crate::redact::mask(&short(cmd))), layer);
    }
    out.truncated = setuid_added(r, image, out.base_layers, &mut out.findings);
    leftovers(r, &mut out.findings);
    out
}

/// Why `User` means root: unset, empty, `root` or uid 0 (a group after `:`
/// does not change the user).
pub fn runs_as_root(user: Option<&str>) -> Option<String> {
    let Some(u) = user.map(str::trim).filter(|u| !u.is_empty()) else {
        return Some("Config.User is not set: the container runs as root".into());
    };
    let name = u.split(':').next().unwrap_or("");
    matches!(name, "" | "root" | "0").then(|| format!("Config.User is {u}: the container runs as root"))
}

/// Why an environment variable holds a secret: a secret-named key with a
/// literal value (judged with the weak-password rules too), or a value
/// shaped like a token. Never the value.
pub fn env_secret(key: &str, value: &str) -> Option<String> {
    if secret_key(key) && literal_secret(value) {
        return Some(match crate::passwords::judge(value, &[key], &[], 0) {
            Some(weak) => format!("a literal secret, and {}", weak.describe()),
            None => "a literal secret baked into the image".into(),
        });
    }
    let found = detect(&format!("{key}={value}"), false, true);
    found.first().map(|f| format!("{} baked into the image", f.what))
}

/// A build step shortened for a detail line.
fn short(cmd: &str) -> String {
    let cmd = cmd.trim().trim_start_matches("/bin/sh -c ").trim();
    match cmd.char_indices().nth(160) {
        Some((i, _)) => format!("{}…", &cmd[..i]),
        None => cmd.to_string(),
    }
}

/// How many layers (from the bottom) belong to the base image. The image
/// config does not record it; the history does, by convention: a base
/// image's last step is its `CMD` or `ENTRYPOINT` (which makes no layer).
/// The base ends at the last such step that is followed by a step making
/// a layer; without one, the base is the first layer.
pub fn base_layers(image: &ImageTarget) -> usize {
    let c = image.config();
    if c.layer_history().is_none() {
        return 1.min(c.diff_ids.len());
    }
    let mut made = 0usize;
    let mut base = None;
    for (i, h) in c.history.iter().enumerate() {
        made += usize::from(!h.empty_layer);
        let cmd = h.created_by.as_deref().unwrap_or("");
        let ends = h.empty_layer && (cmd.contains("CMD [") || cmd.contains("ENTRYPOINT [") || cmd.contains("CMD \""));
        if ends && c.history[i + 1..].iter().any(|n| !n.empty_layer) {
            base = Some(made);
        }
    }
    base.unwrap_or(1).min(c.diff_ids.len())
}

/// Setuid/setgid regular files last written by a layer above the base;
/// returns whether the walk reached a bound.
fn setuid_added(r: &Reader, image: &ImageTarget, base: usize, out: &mut Vec<Finding>) -> bool {
    let bounds = Bounds { depth: limits::META_WALK_DEPTH, entries: limits::META_WALK_ENTRIES, files: usize::MAX };
    let walked = tree_walk::walk(r, &["/"], bounds, |e| matches!(e.kind, FileType::Dir | FileType::File));
    for (path, meta) in &walked.files {
        if meta.file_type != FileType::File || meta.mode & 0o6000 == 0 {
            continue;
        }
        let Some(layer) = image.layer_of(path) else { continue };
        if layer.index >= base {
            let bits = match meta.mode & 0o6000 {
                0o6000 => "setuid and setgid",
                0o4000 => "setuid",
                _ => "setgid",
            };
            let detail = format!("{bits} {:04o} uid {} added by layer {}", meta.mode, meta.uid, layer.index);
            out.push(Finding { concern: "setuid_added", path: Some(path.clone()), line: None, detail, layer: None });
        }
    }
    walked.truncated
}

/// Package caches that are not empty, and build tools present.
fn leftovers(r: &Reader, out: &mut Vec<Finding>) {
    let t = &r.target;
    for (dir, what) in CACHES {
        let Ok(list) = t.read_dir(dir) else { continue };
        let n = list.iter().filter(|e| !CACHE_SKELETON.contains(&e.name.as_str())).count();
        if n > 0 {
            let detail = format!("{what}: {n} entries left in the final image");
            out.push(Finding { concern: "leftovers", path: Some(dir.to_string()), line: None, detail, layer: None });
        }
    }
    for tool in BUILD_TOOLS {
        if t.stat(tool).is_ok_and(|m| m.file_type == FileType::File) {
            let detail = "build tool left in the final image".to_string();
            out.push(Finding { concern: "leftovers", path: Some(tool.to_string()), line: None, detail, layer: None });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_users() {
        assert!(runs_as_root(None).is_some());
        assert!(runs_as_root(Some("")).is_some());
        assert!(runs_as_root(Some("0:0")).is_some());
        assert!(runs_as_root(Some("root:app")).is_some());
        assert!(runs_as_root(Some("app")).is_none());
        assert!(runs_as_root(Some("1000:0")).is_none());
    }

    #[test]
    fn env_secrets_are_named_never_shown() {
        let why = env_secret("DB_PASSWORD", "letmein").unwrap();
        assert!(why.contains("common password") && !why.contains("letmein"), "{why}");
        assert!(env_secret("DB_PASSWORD", "${DB_PASSWORD}").is_none());
        assert!(env_secret("PATH", "/usr/bin").is_none());
        assert!(env_secret("GH", "ghp_0123456789abcdefghijABCDEFGHIJ012345").is_some());
    }
}
