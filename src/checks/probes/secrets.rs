//! `secret_files` and `credential_files` probes.
//!
//! `secret_files` judges the findings of the shared secret search
//! ([`crate::collectors::secret_files`]; one walk per scan for all the
//! `secrets.*` checks). Parameter `find` selects what is judged:
//! - `private_keys`: a private key readable by others (mode `o+r`), by a
//!   group not in `allowed_key_groups` (default `ssl-cert`, Debian's group
//!   for TLS keys in /etc/ssl/private, and `ssh_keys`, RHEL's group for SSH
//!   host keys), or unencrypted inside a web-served tree (`web_roots`);
//! - `tokens`: a cloud/API token or a high-entropy secret assignment in a
//!   file readable by others, or by a group in `broad_groups` (`users`,
//!   `staff`); not in a dpkg conffile whose md5sum is still the one its
//!   package shipped (the vendor's public keys, the same on every machine,
//!   such as Debian chromium's `/etc/chromium.d/apikeys`): that one is
//!   named in a note, "shipped by package P unmodified"; a modified
//!   conffile is reported, and says so;
//! - `env_files`: an environment file (`.env`, `*.env`, `/etc/default/*`,
//!   `/etc/sysconfig/*`, systemd `EnvironmentFile=` targets) with a literal
//!   value for a secret-named key, readable by others;
//! - `shell_history`: a secret on a line of a shell or client history.
//!
//! `credential_files` looks at the well-known credential files in every
//! home named by the target's passwd, and at cluster admin/service-account
//! token files.

use super::params::{NoParams, Params};
use super::Outcome;
use crate::collectors::{accounts, secret_files};
use crate::facts::Facts;
use crate::sources::{item, Unavailable};
use crate::target::{FileMeta, FileType};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a `secret_files` check judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Find {
    PrivateKeys,
    Tokens,
    EnvFiles,
    ShellHistory,
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Parameters of the `secret_files` probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SecretParams {
    pub find: Find,
    /// Where the search walks.
    #[serde(default = "default_paths")]
    pub secret_paths: Vec<String>,
    /// Groups that may read private keys (Debian's `ssl-cert`, RHEL's `ssh_keys`).
    #[serde(default = "default_key_groups")]
    pub allowed_key_groups: Vec<String>,
    /// Groups whose read access counts as exposure.
    #[serde(default = "default_broad_groups")]
    pub broad_groups: Vec<String>,
    /// Directories a web server serves.
    #[serde(default = "default_web_roots")]
    pub web_roots: Vec<String>,
}

fn default_paths() -> Vec<String> {
    strings(secret_files::DEFAULT_PATHS)
}

fn default_key_groups() -> Vec<String> {
    strings(&["ssl-cert", "ssh_keys"])
}

fn default_broad_groups() -> Vec<String> {
    strings(&["users", "staff"])
}

fn default_web_roots() -> Vec<String> {
    strings(&["/var/www/", "/srv/www/", "/srv/http/", "/usr/share/nginx/html/", "/public_html/", "/htdocs/"])
}

impl Params for SecretParams {}

const TOKEN_KINDS: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "github_token",
    "gitlab_token",
    "slack_token",
    "slack_webhook",
    "stripe_key",
];

pub fn run_secret_files(f: &Facts, params: &SecretParams) -> Result<Outcome, Unavailable> {
    let find = params.find;
    let (allowed_groups, broad_groups, web_roots) =
        (&params.allowed_key_groups, &params.broad_groups, &params.web_roots);
    let search = f.secret_search(&params.secret_paths)?;
    let mut out = Outcome { checked: search.files_read, ..Default::default() };
    // Vendor-shipped values, by (file, package): the lines.
    let mut shipped: std::collections::BTreeMap<(String, String), Vec<String>> = Default::default();
    for f in &search.findings {
        let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
        let b = |k: &str| f[k].as_bool().unwrap_or(false);
        let (kind, what, path, group, mode) = (s("kind"), s("what"), s("path"), s("group"), s("mode_octal"));
        let who = format!("mode {mode} {}:{group}", s("owner"));
        let problem = match find {
            Find::PrivateKeys if kind == "private_key" => {
                if b("world_readable") {
                    Some(format!("{what} is readable by every user ({who})"))
                } else if b("group_readable") && !allowed_groups.contains(&group) {
                    Some(format!("{what} is readable by group {group} ({who})"))
                } else if f["encrypted"] == Value::Bool(false) && web_roots.iter().any(|w| path.contains(w.as_str())) {
                    Some(format!("{what} inside a web-served directory ({who})"))
                } else {
                    None
                }
            }
            Find::Tokens
                if TOKEN_KINDS.contains(&kind.as_str()) || (kind == "secret_assignment" && b("high_entropy")) =>
            {
                if b("world_readable") {
                    Some(format!("{what} in a file every user can read ({who})"))
                } else if b("group_readable") && broad_groups.contains(&group) {
                    Some(format!("{what} in a file group {group} can read ({who})"))
                } else {
                    None
                }
            }
            Find::EnvFiles if kind == "secret_assignment" && b("env_file") && b("world_readable") => {
                Some(format!("{what} in an environment file every user can read ({who})"))
            }
            Find::ShellHistory if kind == "history" => Some(s("detail")),
            _ => None,
        };
        let problem = match (problem, find, f["conffile_package"].as_str()) {
            (Some(_), Find::Tokens, Some(pkg)) if b("conffile_unmodified") => {
                let lines = shipped.entry((path.clone(), pkg.to_string())).or_default();
                lines.push(f["line"].to_string());
                None
            }
            (Some(p), _, Some(pkg)) if b("conffile_unmodified") => Some(format!("{p}; shipped by package {pkg}")),
            (Some(p), _, Some(pkg)) => Some(format!("{p}; conffile of package {pkg}, modified since it was shipped")),
            (p, _, _) => p,
        };
        if let Some(p) = problem {
            let mut m = f.as_object().cloned().unwrap_or_default();
            m.insert("detail".into(), p.into());
            out.failures.push(m);
        }
    }
    for ((path, pkg), lines) in shipped {
        let n = if lines.len() == 1 { "1 value".to_string() } else { format!("{} values", lines.len()) };
        out.notes.push(format!(
            "{path}:{} ({n}) not counted: shipped by package {pkg} unmodified (dpkg conffile, md5sum matches)",
            lines.join(",")
        ));
    }
    for u in &search.unreadable {
        let relevant = if find == Find::ShellHistory { u.history } else { u.others_can_read };
        if relevant {
            out.unreadable.push(u.error.clone());
        }
    }
    let shown = search.too_deep_count.min(crate::limits::NOTE_NAMES);
    if search.too_deep_count > shown && find != Find::ShellHistory {
        out.notes.push(format!(
            "{} more directories deeper than {} levels were not searched",
            search.too_deep_count - shown,
            secret_files::MAX_DEPTH
        ));
    }
    Ok(out)
}

/// What a credential file is and when it holds a secret (`None`: always).
struct CredFile {
    rel: &'static str,
    what: &'static str,
    /// The file counts only when its text contains one of these.
    needs: &'static [&'static str],
}

const CRED_FILES: &[CredFile] = &[
    CredFile { rel: ".aws/credentials", what: "AWS credentials", needs: &[] },
    CredFile {
        rel: ".aws/config",
        what: "AWS config with keys",
        needs: &["aws_secret_access_key", "aws_session_token"],
    },
    CredFile { rel: ".kube/config", what: "kubeconfig", needs: &[] },
    CredFile { rel: ".docker/config.json", what: "Docker registry credentials", needs: &["\"auth\"", "identitytoken"] },
    CredFile { rel: ".git-credentials", what: "git credential store", needs: &[] },
    CredFile { rel: ".netrc", what: ".netrc", needs: &[] },
    CredFile { rel: ".npmrc", what: "npm token", needs: &["_authToken", "_auth", "_password"] },
    CredFile { rel: ".pypirc", what: "PyPI password", needs: &["password"] },
    CredFile {
        rel: ".pgpass",
        what: "PostgreSQL password file (libpq ignores it when group/other have any access)",
        needs: &[],
    },
    CredFile { rel: ".my.cnf", what: "MySQL client options with a password", needs: &["password"] },
    CredFile { rel: ".config/gh/hosts.yml", what: "GitHub CLI token", needs: &["oauth_token"] },
];

/// Cluster credential files outside homes.
const SYSTEM_FILES: &[(&str, &str)] = &[
    ("/etc/kubernetes/admin.conf", "Kubernetes cluster-admin kubeconfig"),
    ("/etc/kubernetes/super-admin.conf", "Kubernetes super-admin kubeconfig"),
    ("/etc/rancher/k3s/k3s.yaml", "k3s cluster-admin kubeconfig"),
    ("/etc/rancher/rke2/rke2.yaml", "RKE2 cluster-admin kubeconfig"),
];

/// Baked into an image or root, a pod's service-account token is a leak.
const SA_TOKENS: &[&str] =
    &["/var/run/secrets/kubernetes.io/serviceaccount/token", "/run/secrets/kubernetes.io/serviceaccount/token"];

/// The credential-file judgement of one scan: the outcome built up, and how
/// owners and modes are shown.
struct Homes<'a> {
    f: &'a Facts,
    out: Outcome,
}

impl Homes<'_> {
    fn user(&self, uid: u32) -> String {
        self.f.reader().names().user(uid)
    }

    fn who(&self, m: &FileMeta) -> String {
        format!("mode {:04o} {}:{}", m.mode, self.user(m.uid), self.f.reader().names().group(m.gid))
    }

    /// A regular file's metadata (`None`: absent or not a file; unreadable
    /// is recorded).
    fn stat(&mut self, path: &str) -> Option<FileMeta> {
        match self.f.target().stat(path) {
            Ok(m) if m.file_type == FileType::File => Some(m),
            Ok(_) => None,
            Err(e) if e.is_not_found() => None,
            Err(e) => {
                self.f.note_unreadable(&e);
                self.out.unreadable.push(e);
                None
            }
        }
    }

    fn fail(&mut self, path: &str, detail: String, m: &FileMeta, want: &str) {
        let mut item = item(Some(path), None, detail);
        item.insert("user".into(), want.into());
        item.insert("mode_octal".into(), format!("{:04o}", m.mode).into());
        item.insert("owner".into(), self.user(m.uid).into());
        self.out.failures.push(item);
    }

    /// The credential files and authorized_keys of one home.
    fn home(&mut self, home: &str, name: &str, uid: u32) {
        let scan = self.f.reader();
        if !matches!(scan.target.stat(home), Ok(m) if m.file_type == FileType::Dir) {
            return;
        }
        let mut files: Vec<(String, String, &[&str])> =
            CRED_FILES.iter().map(|c| (crate::target::join(home, c.rel), c.what.to_string(), c.needs)).collect();
        for p in scan.glob(&crate::target::join(home, ".ssh/id_*")) {
            if !p.ends_with(".pub") && !p.ends_with("-cert") {
                files.push((p, "SSH private key".into(), &[]));
            }
        }
        for (path, what, needs) in files {
            let Some(m) = self.stat(&path) else { continue };
            if !needs.is_empty() {
                match scan.read_text(&path) {
                    Ok(t) if needs.iter().any(|n| t.text.contains(n)) => {}
                    Ok(_) => continue,
                    Err(e) => {
                        self.out.unreadable.push(e);
                        continue;
                    }
                }
            }
            self.out.checked += 1;
            if m.uid != uid {
                let detail = format!("{what} in {name}'s home is owned by {} ({})", self.user(m.uid), self.who(&m));
                self.fail(&path, detail, &m, name);
            } else if m.mode & 0o077 != 0 {
                let detail = format!("{what} is accessible to group/other ({})", self.who(&m));
                self.fail(&path, detail, &m, name);
            }
        }
        for rel in [".ssh/authorized_keys", ".ssh/authorized_keys2"] {
            let path = crate::target::join(home, rel);
            let Some(m) = self.stat(&path) else { continue };
            self.out.checked += 1;
            if m.uid != uid && m.uid != 0 {
                let detail = format!("{name}'s authorized_keys is owned by {} ({})", self.user(m.uid), self.who(&m));
                self.fail(&path, detail, &m, name);
            } else if m.mode & 0o022 != 0 {
                let detail = format!("{name}'s authorized_keys is writable by group/other ({})", self.who(&m));
                self.fail(&path, detail, &m, name);
            }
        }
    }

    /// Cluster credential files, and service-account tokens baked into an
    /// offline filesystem.
    fn system(&mut self) {
        for (path, what) in SYSTEM_FILES {
            let Some(m) = self.stat(path) else { continue };
            self.out.checked += 1;
            if m.mode & 0o077 != 0 {
                let detail = format!("{what} is accessible to group/other ({})", self.who(&m));
                self.fail(path, detail, &m, "root");
            } else if m.uid != 0 {
                let detail = format!("{what} is owned by {} instead of root ({})", self.user(m.uid), self.who(&m));
                self.fail(path, detail, &m, "root");
            }
        }
        if !self.f.target().is_live() {
            for path in SA_TOKENS {
                let Some(m) = self.stat(path) else { continue };
                self.out.checked += 1;
                let detail = format!("Kubernetes service-account token baked into the filesystem ({})", self.who(&m));
                self.fail(path, detail, &m, "root");
            }
        }
    }
}

pub fn run_credential_files(f: &Facts, _params: &NoParams) -> Result<Outcome, Unavailable> {
    let passwd = f.accounts(accounts::PASSWD)?;
    let mut homes: Vec<(String, String, u32)> = Vec::new();
    for u in &passwd.records {
        let (home, name) = (u.field(5), u.field(0));
        let Some(uid) = u.number(2).and_then(|n| u32::try_from(n).ok()) else { continue };
        let home = crate::target::normalize(home);
        if home == "/" || home.starts_with("/proc") || homes.iter().any(|h| h.0 == home) {
            continue;
        }
        homes.push((home, name.to_string(), uid));
    }
    let mut j = Homes { f, out: Outcome::default() };
    for (home, name, uid) in &homes {
        j.home(home, name, *uid);
    }
    j.system();
    Ok(j.out)
}
