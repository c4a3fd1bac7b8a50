//! Dockerfiles and Containerfiles: the one given with `--dockerfile PATH`
//! (a host path, read with the same bounded reads as any target file) and
//! those found by a bounded walk of the app paths, parsed the way BuildKit
//! reads them ([`crate::target::image::dockerfile`]) and judged: the final
//! stage's user, `ADD` of a URL, downloads piped to a shell, secrets in
//! `ENV`/`ARG`, base images not pinned by digest, `apt-get install`
//! without `--no-install-recommends`, `sudo` installed. Every finding names
//! the file and the physical line.

use super::image::{env_secret, runs_as_root, Finding};
use crate::limits;
use crate::sources::tree_walk::{self, Bounds};
use crate::sources::Reader;
use crate::target::image::dockerfile::{self, Args, Instruction};
use crate::target::{FileType, FsTarget, ReadError, Target, TextFile};
use regex::Regex;
use serde_json::{json, Value};
use std::sync::OnceLock;

/// What a Dockerfile finding is about; one check per concern.
pub const CONCERNS: &[&str] =
    &["root_user", "add_url", "pipe_to_shell", "secret", "base_unpinned", "apt_recommends", "sudo"];

/// Every Dockerfile read and what was found in them.
#[derive(Debug, Default)]
pub struct Dockerfiles {
    pub files: Vec<String>,
    pub findings: Vec<Finding>,
    pub unreadable: Vec<ReadError>,
    /// Files BuildKit would refuse: path, line, message.
    pub malformed: Vec<(String, usize, String)>,
}

impl Dockerfiles {
    pub fn facts(&self) -> Value {
        json!({
            "files": self.files,
            "findings": self.findings.iter().map(Finding::json).collect::<Vec<_>>(),
            "malformed": self.malformed.iter().map(|(p, l, m)| json!({"path": p, "line": l, "message": m})).collect::<Vec<_>>(),
        })
    }
}

/// Whether a file name is a Dockerfile: `Dockerfile`, `Containerfile`,
/// `Dockerfile.prod`, `app.Dockerfile`.
pub fn is_dockerfile(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    ["dockerfile", "containerfile"]
        .iter()
        .any(|b| l == *b || l.starts_with(&format!("{b}.")) || l.ends_with(&format!(".{b}")))
}

/// Read `given` (a host path from `--dockerfile`) and the Dockerfiles under
/// `roots` of the target.
pub fn read(r: &Reader, roots: &[String], given: Option<&str>) -> Dockerfiles {
    let mut out = Dockerfiles::default();
    if let Some(path) = given {
        let abs = std::path::absolute(path).map(|p| p.display().to_string()).unwrap_or_else(|_| path.to_string());
        match FsTarget::host().read_text(&abs) {
            Ok(file) => judge_file(&mut out, file),
            Err(e) => out.unreadable.push(e),
        }
    }
    let starts: Vec<&str> = roots.iter().map(String::as_str).collect();
    let w = limits::CREDENTIALS_WALK;
    let bounds = Bounds { depth: w.depth, entries: w.entries, files: w.files };
    let walked = tree_walk::walk(r, &starts, bounds, |e| match e.kind {
        FileType::Dir => !tree_walk::dependency_or_sample(e.name),
        _ => is_dockerfile(e.name),
    });
    for (path, _) in walked.files {
        match r.read_text(&path) {
            Ok(file) => judge_file(&mut out, file),
            Err(e) => out.unreadable.push(e),
        }
    }
    out
}

fn judge_file(out: &mut Dockerfiles, file: TextFile) {
    let parsed = match dockerfile::parse(&file.text) {
        Ok(p) => p,
        Err(e) => {
            out.malformed.push((file.path.clone(), e.line, e.message));
            out.files.push(file.path);
            return;
        }
    };
    let lines: Vec<&str> = file.text.lines().collect();
    let mut found = Vec::new();
    judge(&parsed.instructions, &lines, &mut found);
    out.findings.extend(found.into_iter().map(|(concern, line, detail)| Finding {
        concern,
        path: Some(file.path.clone()),
        line: Some(line),
        detail,
        layer: None,
    }));
    out.files.push(file.path);
}

/// Judge the instructions of one Dockerfile: (concern, line, detail).
pub fn judge(all: &[Instruction], lines: &[&str], out: &mut Vec<(&'static str, usize, String)>) {
    let aliases = stage_aliases(all);
    for ins in all {
        let text = command_text(ins);
        match ins.keyword.as_str() {
            "FROM" => {
                if let Some(why) = base_unpinned(ins, &aliases) {
                    out.push(("base_unpinned", ins.line, why));
                }
            }
            "ADD" if !ins.flags.iter().any(|f| f.name == "checksum") && words(ins).iter().any(|w| is_url(w)) => {
                out.push(("add_url", ins.line, short(&ins.text)));
            }
            "ENV" | "ARG" => {
                for (key, value) in assignments(ins) {
                    if let Some(why) = build_secret(&ins.keyword, &key, value.as_deref()) {
                        out.push(("secret", at(lines, ins, &key), format!("{} {key} {why}", ins.keyword)));
                    }
                }
            }
            "RUN" => {
                for seg in segments(&text) {
                    if pipes_to_shell(&seg) {
                        out.push(("pipe_to_shell", at(lines, ins, &download(&seg)), crate::redact::mask(&short(&seg))));
                    }
                    if let Some(pkgs) = installs(&seg) {
                        let apt = seg.contains("apt-get") || seg.split_whitespace().next() == Some("apt");
                        if apt && !seg.contains("--no-install-recommends") && !seg.contains("Install-Recommends=false")
                        {
                            out.push(("apt_recommends", at(lines, ins, "install"), short(&seg)));
                        }
                        if pkgs.iter().any(|p| p == "sudo" || p.starts_with("sudo=")) {
                            out.push(("sudo", at(lines, ins, "sudo"), short(&seg)));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if let Some((line, why)) = final_user(all, &aliases) {
        out.push(("root_user", line, why));
    }
    out.sort_by_key(|(_, line, _)| *line);
}

/// `AS name` of every stage, lower-case.
fn stage_aliases(all: &[Instruction]) -> Vec<String> {
    all.iter().filter_map(alias).collect()
}

/// The `AS name` of a `FROM`, lower-case.
fn alias(i: &Instruction) -> Option<String> {
    if i.keyword != "FROM" {
        return None;
    }
    let w = words(i);
    let pos = w.iter().position(|x| x.eq_ignore_ascii_case("as"))?;
    w.get(pos + 1).map(|a| a.to_ascii_lowercase())
}

/// The user the final stage runs as, when it is root: the last `USER` of
/// the final stage (or of the stage it is built `FROM`), or none at all.
fn final_user(all: &[Instruction], aliases: &[String]) -> Option<(usize, String)> {
    let mut stage = all.iter().rposition(|i| i.keyword == "FROM")?;
    loop {
        let end = all[stage + 1..].iter().position(|i| i.keyword == "FROM").map_or(all.len(), |p| stage + 1 + p);
        if let Some(user) = all[stage..end].iter().rev().find(|i| i.keyword == "USER") {
            let name = words(user).first().cloned().unwrap_or_default();
            return runs_as_root(Some(&name))
                .map(|_| (user.line, format!("USER {name} makes the final stage run as root")));
        }
        let base = words(&all[stage]).first().map(|b| b.to_ascii_lowercase()).unwrap_or_default();
        if base.contains("nonroot") || base.contains("rootless") {
            return None;
        }
        match aliases.contains(&base) {
            true => stage = all[..stage].iter().rposition(|i| alias(i).as_deref() == Some(base.as_str()))?,
            false => {
                let line = all.iter().rposition(|i| i.keyword == "FROM").map_or(1, |p| all[p].line);
                return Some((line, "no USER in the final stage: the container runs as root".into()));
            }
        }
    }
}

/// Why a `FROM` is not reproducible: `latest` (named or implied), or a tag
/// without a digest. Stages, `scratch` and variables are not judged.
fn base_unpinned(ins: &Instruction, aliases: &[String]) -> Option<String> {
    let image = words(ins).into_iter().next()?;
    let lower = image.to_ascii_lowercase();
    if lower == "scratch" || aliases.contains(&lower) || image.contains('$') || image.contains("@sha256:") {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(&image);
    Some(match last.split_once(':') {
        None => format!("FROM {image} has no tag (latest) and no digest"),
        Some((_, "latest")) => format!("FROM {image} uses latest and no digest"),
        Some(_) => format!("FROM {image} has a tag without a digest (@sha256:…)"),
    })
}

/// Why an `ENV`/`ARG` key holds a secret: a literal secret value (judged
/// with the secret and weak-password rules), or a secret-named key whose
/// value a build passes in (an `ARG`, or an `ENV` set from one): both end
/// up in the image's history or configuration.
///
/// The reason follows the key as a verb phrase (`ARG NPM_TOKEN declares
/// …`), never after `:` or `=`: the report masker reads `NPM_TOKEN: a` as
/// a secret key and its value, and would mask hardcheck's own words.
fn build_secret(keyword: &str, key: &str, value: Option<&str>) -> Option<String> {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        if let Some(why) = env_secret(key, v) {
            return Some(format!("holds {why} (value masked)"));
        }
    }
    let named = super::secret_files::secret_key(key);
    match (keyword, value) {
        ("ARG", _) if named => Some("declares a secret as a build argument, which the image history records".into()),
        ("ENV", Some(v)) if named && !v.is_empty() => Some("puts a secret in the image's environment".into()),
        _ => None,
    }
}

/// `KEY=VALUE …` (or the legacy `ENV KEY VALUE`, `ARG KEY`) of an `ENV`/`ARG`.
fn assignments(ins: &Instruction) -> Vec<(String, Option<String>)> {
    let w = words(ins);
    if ins.keyword == "ENV" && w.len() >= 2 && !w[0].contains('=') {
        return vec![(w[0].clone(), Some(w[1..].join(" ")))];
    }
    w.into_iter()
        .map(|x| match x.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (x, None),
        })
        .collect()
}

/// The command a `RUN` runs: shell form with its here-documents, or the
/// exec form's words joined.
fn command_text(ins: &Instruction) -> String {
    let mut s = match &ins.args {
        Args::Shell(s) => s.clone(),
        Args::Exec(v) => v.join(" "),
    };
    for h in &ins.heredocs {
        s.push('\n');
        s.push_str(&h.body);
    }
    s
}

/// Shell words of the arguments (quotes removed; good enough for judging).
fn words(ins: &Instruction) -> Vec<String> {
    match &ins.args {
        Args::Exec(v) => v.clone(),
        Args::Shell(s) => s.split_whitespace().map(|w| w.trim_matches(['"', '\'']).to_string()).collect(),
    }
}

fn is_url(w: &str) -> bool {
    let l = w.to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://") || l.starts_with("git@") || l.starts_with("ftp://")
}

/// Commands of a shell line, split at `&&`, `||`, `;` and new lines (a
/// pipe stays inside its command).
fn segments(text: &str) -> Vec<String> {
    text.split(['\n', ';'])
        .flat_map(|s| s.split("&&"))
        .flat_map(|s| s.split("||"))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The packages a package-manager install command names.
fn installs(seg: &str) -> Option<Vec<String>> {
    let all: Vec<&str> = seg.split_whitespace().collect();
    let mgr = all.iter().position(|x| matches!(*x, "apt-get" | "apt" | "apk" | "yum" | "dnf" | "microdnf"))?;
    let verb = all[mgr + 1..].iter().position(|x| matches!(*x, "install" | "add"))? + mgr + 1;
    Some(all[verb + 1..].iter().filter(|x| !x.starts_with('-')).map(|x| x.to_string()).collect())
}

/// A download (`curl`, `wget`) piped into a shell or interpreter.
pub fn pipes_to_shell(cmd: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\b(?:curl|wget)\b[^|;&]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:\S*/)?(?:ba|da|z|k|a)?sh\b|\b(?:curl|wget)\b[^|;&]*\|\s*(?:sudo\s+)?(?:\S*/)?(?:python3?|perl|ruby)\b")
            .expect("static regex")
    })
    .is_match(cmd)
}

/// An `ADD` of a remote URL, as the history records it (`ADD https://… /`,
/// `/bin/sh -c #(nop) ADD https://…`).
pub fn adds_url(cmd: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?:^|\s|\))ADD\s+(?:--\S+\s+)*(?:https?|ftp)://").expect("static regex"))
        .is_match(cmd)
}

/// The download command of a piped fetch and its first argument
/// (`curl -fsSL`), to find its line.
fn download(seg: &str) -> String {
    let w: Vec<&str> = seg.split_whitespace().collect();
    let i = w.iter().position(|x| *x == "curl" || *x == "wget").unwrap_or(0);
    w[i..].iter().take(2).copied().collect::<Vec<_>>().join(" ")
}

/// The physical line of an instruction that holds `needle` (the first
/// line otherwise).
fn at(lines: &[&str], ins: &Instruction, needle: &str) -> usize {
    (ins.line..=ins.end_line).find(|n| lines.get(n - 1).is_some_and(|l| l.contains(needle))).unwrap_or(ins.line)
}

fn short(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match s.char_indices().nth(160) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

#[cfg(test)]
#[path = "dockerfiles_tests.rs"]
mod tests;
