//! The `remediation:` block of a check definition: what `hardcheck fix`
//! may change, declared without Rust.
//!
//! ```yaml
//! remediation:
//!   set:                       # set key = value, respecting the format's rules
//!     - {format: sshd, file: /etc/ssh/sshd_config, key: PermitRootLogin, value: "no"}
//!   reload: sshd -t && systemctl reload ssh
//! ```
//! or `sysctl: {KEY: VALUE}`, `mode: {max: "0640", dir_max: "0750", owner: root, group: [shadow, root]}`,
//! `absent: {pattern: REGEX, in_line: false}`, `lock_empty_password: true`,
//! `line: {file: PATH, lines: [TEXT, {text: TEXT, replaces: REGEX}], mode: "0440", validate: visudo -cf}`,
//! `mount_options: [nodev]`, `pam: {module: pam_pwhistory.so, set: {remember: "24"}, add: [use_authtok], remove: [remember]}`,
//! `disable: true` (the units the evidence's links name), `purge: [PKG]`, or `manual: REASON`.
//! Values may name the check's parameters: `"{{ params.ssh_max_auth_tries }}"`.

use serde::Deserialize;
use std::collections::BTreeMap;

/// A check's remediation, as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    /// Settings to make effective, each in its own file format.
    #[serde(default)]
    pub set: Vec<SetSpec>,
    /// Kernel parameters: the evidence line is edited in place, otherwise a
    /// drop-in under /etc/sysctl.d/ sets them; `sysctl -w` on a live host.
    #[serde(default)]
    pub sysctl: BTreeMap<String, String>,
    /// The sysctl drop-in (default `60-hardening.conf`).
    pub sysctl_file: Option<String>,
    /// File modes and owners of the evidence paths.
    pub mode: Option<ModeSpec>,
    /// Remove the evidence lines that match this pattern.
    pub absent: Option<AbsentSpec>,
    /// Lock the accounts the evidence names (`passwd -l`).
    #[serde(default)]
    pub lock_empty_password: bool,
    /// Lines that must be present in a file the tool may create (a drop-in).
    pub line: Option<LineSpec>,
    /// Mount options to add to the fstab line (or mount unit) the evidence names.
    #[serde(default)]
    pub mount_options: Vec<String>,
    /// Module arguments on the PAM lines the evidence names.
    pub pam: Option<PamSpec>,
    /// Disable the units whose `.wants/` links the evidence names
    /// (`systemctl disable --now`; offline: the links are removed).
    #[serde(default)]
    pub disable: bool,
    /// Packages to remove (`apt-get purge -y`, live host only, when installed).
    #[serde(default)]
    pub purge: Vec<String>,
    /// No mechanical fix: a human decides (the reason says why).
    pub manual: Option<String>,
    /// Command that makes the service read the change (run last, live host only).
    pub reload: Option<String>,
}

/// Set `key` to `value` in a configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetSpec {
    pub format: Format,
    /// Where the line goes when nothing in the evidence sets the key.
    pub file: String,
    pub key: String,
    pub value: String,
    /// INI/my.cnf/systemd section the key belongs in (`mysqld`, `Journal`).
    pub section: Option<String>,
    /// Only for evidence under these path prefixes (`/etc/nginx/`), when one
    /// check covers several servers; the entry is skipped without such evidence.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Reload command for this entry's server, when it changed something.
    pub reload: Option<String>,
    /// A number: a larger value already written is kept (`minclass = 4`
    /// stays when 3 is the minimum).
    #[serde(default)]
    pub at_least: bool,
}

impl SetSpec {
    /// Whether evidence at `path` is this entry's.
    pub fn covers(&self, path: &str) -> bool {
        self.paths.is_empty() || self.paths.iter().any(|p| path.starts_with(p.as_str()))
    }
}

/// The file formats `fix` edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// sshd_config: `Key value`, case-insensitive keys, the first value wins,
    /// global settings above the first `Match`.
    Sshd,
    /// `KEY VALUE` (login.defs, redis.conf): the last value wins.
    Space,
    /// `key = value` or `key value` (postgresql.conf, sysctl.d, pwquality.conf):
    /// the last value wins; a trailing `# comment` is kept.
    Equals,
    /// `[section]` with `key = value` (my.cnf: `-` and `_` are the same).
    Ini,
    /// systemd unit/configuration files: `[Section]` with `Key=value`.
    Systemd,
    /// nginx: `directive args;` in the block the evidence names.
    Nginx,
    /// Apache httpd: `Directive args` in the context the evidence names.
    Apache,
}

/// Wanted mode bits and owner.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModeSpec {
    /// No permission bit beyond these (the file's other bits are removed,
    /// setuid, setgid and sticky too unless `max` has them, e.g. `7775`).
    pub max: String,
    /// The same for directories (`0700` for cron directories beside `0600` files).
    pub dir_max: Option<String>,
    pub owner: Option<String>,
    /// The first of these groups that exists in the target's /etc/group.
    #[serde(default)]
    pub group: Vec<String>,
}

/// Lines that must not be there.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbsentSpec {
    pub pattern: String,
    /// Remove only the matched text from the evidence line (and the lines a
    /// trailing `\` continues it on), not the whole line: `nullok` from a
    /// pam_unix rule.
    #[serde(default)]
    pub in_line: bool,
    /// With `in_line`: put this text where the match was (`fileCreateMode="0640"`).
    #[serde(default)]
    pub with: String,
}

/// Ensure lines are present in `file` (created when missing).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineSpec {
    pub file: String,
    pub lines: Vec<WantedLine>,
    /// Mode of the file when `fix` creates it (the script sets it: `0440` for sudoers).
    pub mode: Option<String>,
    /// Add lines only for evidence under these path prefixes (replacing
    /// evidence lines in place always applies): another file may already
    /// satisfy the check, and a second one would fight it.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Put new lines before the file's first setting (after its leading
    /// comments) instead of at its end: rsyslog's `$FileCreateMode` applies
    /// to the actions after it.
    #[serde(default)]
    pub first: bool,
    /// A command that must accept the file on a live host (`visudo -cf`);
    /// the file is moved aside when it does not.
    pub validate: Option<String>,
}

/// A line to ensure, and what it replaces in place.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum WantedLine {
    Text(String),
    Spec {
        text: String,
        /// An evidence line (or a line of `file`) matching this is rewritten
        /// to `text` rather than a second line added.
        replaces: Option<String>,
    },
}

impl WantedLine {
    pub fn text(&self) -> &str {
        match self {
            WantedLine::Text(t) | WantedLine::Spec { text: t, .. } => t,
        }
    }
    pub fn replaces(&self) -> Option<&str> {
        match self {
            WantedLine::Text(_) => None,
            WantedLine::Spec { replaces, .. } => replaces.as_deref(),
        }
    }
}

/// Arguments of a PAM module on the evidence lines.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PamSpec {
    /// `pam_pwquality.so` (a path ending in it matches too).
    pub module: String,
    /// `name=value` arguments, added or replaced.
    #[serde(default)]
    pub set: BTreeMap<String, String>,
    /// Flags added when missing (`use_authtok`).
    #[serde(default)]
    pub add: Vec<String>,
    /// Arguments removed (`remember` removes `remember=N`).
    #[serde(default)]
    pub remove: Vec<String>,
    /// `set` values are minimums: a larger number on the line is kept.
    #[serde(default)]
    pub at_least: bool,
    /// `set` only replaces arguments already on the line (the others are
    /// left to the module's configuration file, which another entry sets).
    #[serde(default)]
    pub replace_only: bool,
    /// Why a missing module line is not added (PAM order): the exact line to add.
    pub missing: Option<String>,
}

/// What `fix` can do for a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A mechanical fix (patch and/or script).
    Fixable,
    /// A human decides; the definition says why.
    Manual,
    /// The definition declares no remediation.
    Undeclared,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Fixable => "fixable",
            Kind::Manual => "manual",
            Kind::Undeclared => "not-declared",
        }
    }
}

impl Remediation {
    pub fn kind(this: Option<&Remediation>) -> Kind {
        match this {
            None => Kind::Undeclared,
            Some(r) if r.manual.is_some() => Kind::Manual,
            Some(_) => Kind::Fixable,
        }
    }

    /// Combinations serde cannot check; `params` are the check's defaults.
    pub fn validate(&self, params: &BTreeMap<String, serde_json::Value>) -> Result<(), String> {
        let machine = !self.set.is_empty()
            || !self.sysctl.is_empty()
            || self.mode.is_some()
            || self.absent.is_some()
            || self.lock_empty_password
            || self.line.is_some()
            || !self.mount_options.is_empty()
            || self.pam.is_some()
            || self.disable
            || !self.purge.is_empty();
        match (&self.manual, machine) {
            (Some(m), _) if m.trim().is_empty() => return Err("`manual` needs a reason".into()),
            (Some(_), true) => return Err("`manual` cannot be combined with a mechanical fix".into()),
            (None, false) => {
                return Err(
                    "declares nothing: use `set`, `sysctl`, `mode`, `absent`, `lock_empty_password`, `line`, `mount_options`, `pam`, `disable`, `purge` or `manual`".into(),
                )
            }
            _ => {}
        }
        for s in &self.set {
            if !s.file.starts_with('/') {
                return Err(format!("set `{}`: `file` must be an absolute path", s.key));
            }
            if s.key.trim().is_empty() || s.key.contains(char::is_whitespace) {
                return Err(format!("set: invalid key `{}`", s.key));
            }
            if matches!(s.format, Format::Ini | Format::Systemd) != s.section.is_some() {
                return Err(format!("set `{}`: `section` is required for ini/systemd and only for them", s.key));
            }
            if s.value.contains('\n') {
                return Err(format!("set `{}`: the value spans lines", s.key));
            }
            fill_params(&s.value, params)?;
            if s.paths.iter().any(|p| !p.starts_with('/')) {
                return Err(format!("set `{}`: `paths` are absolute path prefixes", s.key));
            }
        }
        for (k, v) in &self.sysctl {
            if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c)) {
                return Err(format!("sysctl: invalid key `{k}`"));
            }
            fill_params(v, params)?;
        }
        if let Some(p) = &self.pam {
            for v in p.set.values() {
                fill_params(v, params)?;
            }
        }
        if let Some(f) = &self.sysctl_file {
            if f.contains('/') || !f.ends_with(".conf") {
                return Err(format!("sysctl_file `{f}`: a file name ending in .conf"));
            }
        }
        if let Some(m) = &self.mode {
            for max in std::iter::once(&m.max).chain(&m.dir_max) {
                let max = fill_params(max, params)?;
                if max.is_empty() || max.len() > 4 || u32::from_str_radix(&max, 8).is_err() {
                    return Err(format!("mode: `{max}` is not an octal mode"));
                }
            }
        }
        if let Some(a) = &self.absent {
            regex::Regex::new(&a.pattern).map_err(|e| format!("absent: pattern: {e}"))?;
        }
        self.validate_new_forms()
    }

    fn validate_new_forms(&self) -> Result<(), String> {
        let word = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || "._-@:+".contains(c));
        if let Some(l) = &self.line {
            if !l.file.starts_with('/') || l.file.contains("..") {
                return Err(format!("line: `file` {} must be an absolute path", l.file));
            }
            if l.lines.is_empty() || l.lines.iter().any(|w| w.text().trim().is_empty() || w.text().contains('\n')) {
                return Err("line: `lines` are one non-empty line each".into());
            }
            if l.paths.iter().any(|p| !p.starts_with('/')) {
                return Err("line: `paths` are absolute path prefixes".into());
            }
            for re in l.lines.iter().filter_map(WantedLine::replaces) {
                regex::Regex::new(re).map_err(|e| format!("line: replaces: {e}"))?;
            }
            if let Some(m) = &l.mode {
                if m.len() != 4 || u32::from_str_radix(m, 8).is_err() {
                    return Err(format!("line: mode `{m}` is not a four-digit octal mode"));
                }
            }
        }
        if let Some(o) = self.mount_options.iter().find(|o| !word(o) || o.contains(',')) {
            return Err(format!("mount_options: invalid option `{o}`"));
        }
        if let Some(p) = &self.pam {
            if !p.module.starts_with("pam_") || !p.module.ends_with(".so") {
                return Err(format!("pam: module `{}` is not pam_NAME.so", p.module));
            }
            let names = p.set.keys().chain(&p.add).chain(&p.remove);
            if let Some(bad) = names.into_iter().find(|w| !word(w)) {
                return Err(format!("pam: invalid argument `{bad}`"));
            }
            if p.set.is_empty() && p.add.is_empty() && p.remove.is_empty() {
                return Err("pam: nothing to set, add or remove".into());
            }
        }
        if let Some(pk) = self.purge.iter().find(|p| !word(p)) {
            return Err(format!("purge: invalid package name `{pk}`"));
        }
        Ok(())
    }

    /// A human-readable summary, for `checks explain`.
    pub fn describe(this: Option<&Remediation>) -> String {
        let Some(r) = this else {
            return "  none declared (follow the fix above)\n".into();
        };
        if let Some(m) = &r.manual {
            return format!("  manual: {}\n", m.trim());
        }
        let mut s = String::new();
        for x in &r.set {
            let section = x.section.as_ref().map(|s| format!(" [{s}]")).unwrap_or_default();
            let only = match x.paths.is_empty() {
                true => String::new(),
                false => format!(", for {}", x.paths.join(" and ")),
            };
            s += &format!("  set {} {}{section} in {} ({} format{only})\n", x.key, x.value, x.file, x.format.name());
            if let Some(rl) = &x.reload {
                s += &format!("    then: {rl}\n");
            }
        }
        for (k, v) in &r.sysctl {
            let file = r.sysctl_file.as_deref().unwrap_or("60-hardening.conf");
            s += &format!("  sysctl {k} = {v} (/etc/sysctl.d/{file}, and sysctl -w on a live host)\n");
        }
        if let Some(m) = &r.mode {
            s += &format!("  mode at most {}", m.max);
            if let Some(d) = &m.dir_max {
                s += &format!(" ({d} for directories)");
            }
            if let Some(o) = &m.owner {
                s += &format!(", owner {o}");
            }
            if !m.group.is_empty() {
                s += &format!(", group {}", m.group.join(" or "));
            }
            s += " (script)\n";
        }
        if let Some(a) = &r.absent {
            let what = if a.in_line { "text" } else { "lines" };
            s += &format!("  remove {what} matching /{}/\n", a.pattern);
        }
        if r.lock_empty_password {
            s += "  lock accounts with an empty password (passwd -l)\n";
        }
        s += &describe_new_forms(r);
        if let Some(rl) = &r.reload {
            s += &format!("  then: {rl}\n");
        }
        s
    }
}

fn describe_new_forms(r: &Remediation) -> String {
    let mut s = String::new();
    if let Some(l) = &r.line {
        let lines: Vec<String> = l.lines.iter().map(|w| format!("`{}`", w.text())).collect();
        s += &format!("  ensure {} in {}", lines.join(" and "), l.file);
        if let Some(m) = &l.mode {
            s += &format!(" (mode {m} when created)");
        }
        s += "\n";
        if let Some(v) = &l.validate {
            s += &format!("    validated with `{v} {}` on a live host\n", l.file);
        }
    }
    if !r.mount_options.is_empty() {
        let o = r.mount_options.join(",");
        s += &format!("  add mount option(s) {o} to the fstab line (then mount -o remount,{o} on a live host)\n");
    }
    if let Some(p) = &r.pam {
        let mut parts: Vec<String> = p.set.iter().map(|(k, v)| format!("{k}={v}")).collect();
        parts.extend(p.add.iter().cloned());
        let rm: Vec<String> = p.remove.iter().map(|x| format!("-{x}")).collect();
        parts.extend(rm);
        s += &format!("  {} arguments: {}\n", p.module, parts.join(" "));
    }
    if r.disable {
        s += "  disable the units the evidence names (systemctl disable --now)\n";
    }
    if !r.purge.is_empty() {
        s += &format!("  remove package(s) {} (apt-get purge -y, live host only)\n", r.purge.join(" "));
    }
    s
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Sshd => "sshd",
            Format::Space => "space",
            Format::Equals => "equals",
            Format::Ini => "ini",
            Format::Systemd => "systemd",
            Format::Nginx => "nginx",
            Format::Apache => "apache",
        }
    }
}

/// Replace `{{ params.NAME }}` with the parameter's value.
pub fn fill_params(template: &str, params: &BTreeMap<String, serde_json::Value>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| format!("unclosed `{{{{` in `{template}`"))?;
        let name = after[..end].trim();
        let key = name.strip_prefix("params.").ok_or_else(|| format!("`{{{{ {name} }}}}`: only params.NAME"))?;
        match params.get(key) {
            Some(serde_json::Value::String(s)) => out.push_str(s),
            Some(v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => out.push_str(&v.to_string()),
            Some(_) => return Err(format!("param `{key}` is not a string, number or boolean")),
            None => return Err(format!("unknown param `{key}`")),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}
