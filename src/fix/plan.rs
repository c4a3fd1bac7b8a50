//! From failing results to changes: the file edits (a patch), the commands
//! (a script) and what a human must decide (manual).

use super::edit::{self, split_eol};
use super::patch::FileEdits;
use crate::checks::engine::Planned;
use crate::checks::remediation::{fill_params, AbsentSpec, Format, ModeSpec, Remediation, SetSpec};
use crate::model::{CheckResult, Status};
use crate::target::{FileType, Target};
use serde::Serialize;
use std::collections::BTreeMap;

/// One guarded script step.
#[derive(Debug, Clone, Serialize)]
pub struct Command {
    pub check: String,
    pub why: String,
    /// A shell condition (paths under `$ROOT`) that holds while the target is
    /// as scanned; the step is skipped with a note otherwise.
    pub guard: String,
    pub run: Vec<String>,
    /// Only on the live host (`ROOT` empty): `sysctl -w`.
    pub live_only: bool,
    /// What runs instead when the guard fails (an offline root: remove the
    /// unit links, or say what to run in the target); empty: skipped.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub otherwise: Vec<String>,
}

/// A failing check `fix` does not change.
#[derive(Debug, Clone, Serialize)]
pub struct Manual {
    pub check: String,
    pub reason: String,
}

/// Everything `fix` proposes.
#[derive(Debug, Default)]
pub struct Plan {
    pub files: BTreeMap<String, FileEdits>,
    pub commands: Vec<Command>,
    pub manual: Vec<Manual>,
    pub reloads: Vec<String>,
    /// Checks with at least one change.
    pub fixed: Vec<String>,
}

pub(super) struct Ctx<'a> {
    pub target: &'a dyn Target,
    pub check: &'a str,
    pub why: String,
    pub params: BTreeMap<String, serde_json::Value>,
}

/// Build the plan for the failing results.
pub fn build(target: &dyn Target, planned: &[Planned], results: &[CheckResult]) -> Plan {
    let mut plan = Plan::default();
    for r in results.iter().filter(|r| r.status == Status::Fail) {
        let Some(p) = planned.iter().find(|p| p.check.def.id == r.id) else { continue };
        let manual = |reason: String| Manual { check: r.id.clone(), reason };
        let rem = match &p.check.def.remediation {
            None => {
                let fix = crate::redact::mask(r.fix.trim());
                plan.manual.push(manual(format!("no mechanical fix is declared; {fix}")));
                continue;
            }
            Some(rem) => rem,
        };
        if let Some(reason) = &rem.manual {
            plan.manual.push(manual(reason.trim().to_string()));
            continue;
        }
        let ctx = Ctx {
            target,
            check: &r.id,
            why: crate::redact::mask(&r.message),
            params: p.params.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        };
        let before = (plan.changes(), plan.commands.len());
        if let Err(reason) = apply(&ctx, rem, r, &mut plan) {
            plan.manual.push(manual(reason));
            continue;
        }
        if (plan.changes(), plan.commands.len()) != before {
            plan.fixed.push(r.id.clone());
            let fired =
                rem.set.iter().filter(|x| r.evidence.iter().any(|e| e.path.as_deref().is_some_and(|p| x.covers(p))));
            for rl in rem.reload.iter().chain(fired.filter_map(|x| x.reload.as_ref())) {
                if !plan.reloads.contains(rl) {
                    plan.reloads.push(rl.clone());
                }
            }
        } else {
            plan.manual.push(manual(
                "the declared fix changes nothing here (the value in effect comes from elsewhere); see `hardcheck checks explain`"
                    .into(),
            ));
        }
    }
    plan.files.retain(|_, f| !f.is_empty());
    plan
}

impl Plan {
    /// One note per change asked for (also when an earlier check already
    /// made the same edit to the line).
    fn changes(&self) -> usize {
        self.files.values().map(|f| f.notes.len()).sum()
    }

    pub(super) fn file(&mut self, target: &dyn Target, path: &str) -> Result<&mut FileEdits, String> {
        if !self.files.contains_key(path) {
            let original = match target.read_text(path) {
                Ok(t) => Some(t.text),
                Err(e) if e.is_not_found() => None,
                Err(e) => return Err(format!("cannot edit {path}: {}", e.reason())),
            };
            self.files.insert(path.to_string(), FileEdits { original, ..FileEdits::default() });
        }
        Ok(self.files.get_mut(path).expect("inserted above"))
    }
}

fn apply(ctx: &Ctx<'_>, rem: &Remediation, r: &CheckResult, plan: &mut Plan) -> Result<(), String> {
    for spec in &rem.set {
        set(ctx, spec, r, plan)?;
    }
    if !rem.sysctl.is_empty() {
        sysctl(ctx, rem, r, plan)?;
    }
    if let Some(m) = &rem.mode {
        mode(ctx, m, r, plan)?;
    }
    if let Some(a) = &rem.absent {
        absent(ctx, a, r, plan)?;
    }
    if rem.lock_empty_password {
        lock(ctx, r, plan)?;
    }
    super::forms::apply(ctx, rem, r, plan)
}

/// Remove the evidence lines matching the pattern, or with `in_line` only
/// the matched text (on the line and the lines a trailing `\` continues).
fn absent(ctx: &Ctx<'_>, a: &AbsentSpec, r: &CheckResult, plan: &mut Plan) -> Result<(), String> {
    let re = regex::Regex::new(&a.pattern).map_err(|e| e.to_string())?;
    for (path, line) in lines_of(r) {
        if vendor_or_runtime(&path) {
            return Err(format!("{path} belongs to a package or the running system; override it by hand"));
        }
        let f = plan.file(ctx.target, &path)?;
        let text = f.original.clone().unwrap_or_default();
        let lines = edit::lines(&text);
        let mut i = line;
        while let Some(l) = lines.get(i) {
            let (body, eol) = split_eol(l);
            if !a.in_line {
                if re.is_match(body) {
                    f.replace.entry(i).or_insert(None);
                    f.notes.push(format!("{}: line {}: remove it ({})", ctx.check, i + 1, ctx.why));
                }
                break;
            }
            if let Some(m) = re.find(body) {
                let kept = re.replace_all(body, regex::NoExpand(&a.with)).into_owned();
                f.replace.entry(i).or_insert_with(|| Some(format!("{kept}{eol}")));
                let what = match a.with.is_empty() {
                    true => format!("remove `{}`", m.as_str().trim()),
                    false => format!("`{}` -> `{}`", m.as_str().trim(), a.with),
                };
                f.notes.push(format!("{}: line {}: {what} ({})", ctx.check, i + 1, ctx.why));
            }
            match body.trim_end().ends_with('\\') {
                true => i += 1,
                false => break,
            }
        }
    }
    Ok(())
}

/// Evidence entries with a path and a line, as (path, 0-based line).
pub(super) fn lines_of(r: &CheckResult) -> Vec<(String, usize)> {
    r.evidence
        .iter()
        .filter_map(|e| match (&e.path, e.line) {
            (Some(p), Some(l)) if l >= 1 => Some((p.clone(), (l - 1) as usize)),
            _ => None,
        })
        .collect()
}

/// Replace the value on `line` of `path` when that line sets `key`;
/// `Ok(true)` when the line sets the key (changed or already right).
fn replace_line(
    ctx: &Ctx<'_>,
    plan: &mut Plan,
    (format, key, value): (Format, &str, &str),
    (path, line): (&str, usize),
    at_least: bool,
) -> Result<bool, String> {
    let f = plan.file(ctx.target, path)?;
    let text = f.original.clone().unwrap_or_default();
    let Some(raw) = edit::lines(&text).get(line).map(|l| l.to_string()) else { return Ok(false) };
    let (body, eol) = split_eol(&raw);
    let Some(s) = edit::parse(format, body).filter(|s| edit::same_key(format, s.key, key)) else { return Ok(false) };
    if at_least && stricter_or_equal(s.value, value) {
        return Ok(true);
    }
    if crate::redact::mask(body) != body {
        return Err(format!("{path}:{}: the line holds a secret; change it by hand", line + 1));
    }
    if !edit::same_value(format, s.value, value) {
        f.replace.entry(line).or_insert_with(|| Some(edit::replace_value(&s, value, eol)));
        f.notes.push(format!("{}: line {}: {} {} -> {} ({})", ctx.check, line + 1, s.key, s.value, value, ctx.why));
    }
    Ok(true)
}

fn set(ctx: &Ctx<'_>, spec: &SetSpec, r: &CheckResult, plan: &mut Plan) -> Result<(), String> {
    if !r.evidence.iter().any(|e| e.path.as_deref().is_some_and(|p| spec.covers(p))) {
        return Ok(());
    }
    let value = fill_params(&spec.value, &ctx.params)?;
    let kv = (spec.format, spec.key.as_str(), value.as_str());
    let mut handled = false;
    let mut elsewhere = false;
    let web = matches!(spec.format, Format::Nginx | Format::Apache);
    for (path, line) in lines_of(r).into_iter().filter(|(p, _)| spec.covers(p)) {
        if vendor_or_runtime(&path) {
            elsewhere = true;
        } else if replace_line(ctx, plan, kv, (&path, line), spec.at_least)? {
            handled = true;
        } else if web {
            // nginx and Apache: the evidence names the block that lacks it.
            handled |= add_in_block(ctx, plan, kv, &path, line)?;
        }
    }
    let lineless = r.evidence.iter().any(|e| e.line.is_none() && e.path.as_deref().is_some_and(|p| spec.covers(p)));
    if handled && !lineless && !elsewhere {
        return Ok(());
    }
    // Nothing in the evidence sets it: the file the daemon reads it from,
    // at the place the evidence names when that is the same file elsewhere
    // (`/etc/postgresql/16/main/postgresql.conf` for `postgresql.conf`).
    let base = |p: &str| p.rsplit('/').next().unwrap_or_default().to_string();
    let file = r
        .evidence
        .iter()
        .filter(|e| e.line.is_none())
        .filter_map(|e| e.path.clone())
        .find(|p| {
            // Apache: a file the evidence names without a line is the server's main file.
            let same = base(p) == base(&spec.file) || spec.format == Format::Apache;
            p.starts_with('/') && spec.covers(p) && !vendor_or_runtime(p) && same
        })
        .unwrap_or_else(|| spec.file.clone());
    let f = plan.file(ctx.target, &file)?;
    let text = f.original.clone().unwrap_or_default();
    let lines = edit::lines(&text);
    if let Some(i) = edit::effective(spec.format, &lines, &spec.key, spec.section.as_deref()) {
        replace_line(ctx, plan, kv, (&file, i), spec.at_least)?;
        return Ok(());
    }
    if spec.at_least && dropin_has_at_least(ctx.target, spec, &value) {
        // `/etc/security/pwquality.conf.d/50-cis.conf` already has a
        // stricter value: a line in the main file would lower it.
        return Ok(());
    }
    if spec.format == Format::Nginx {
        return Err(format!(
            "add `{} {}` to the block the evidence names (which block is a decision)",
            spec.key, value
        ));
    }
    let eol = edit::file_eol(&lines);
    let (at, header) = edit::insert_at(spec.format, &lines, spec.section.as_deref());
    let mut new = Vec::new();
    // An earlier entry of this fix may already add the section header here.
    let pending = |h: &str| f.insert.get(&at).is_some_and(|v| v.iter().any(|l| l.trim() == h));
    if let Some(h) = header.filter(|h| !pending(h)) {
        if !text.is_empty() {
            new.push(eol.to_string());
        }
        new.push(format!("{h}{eol}"));
    }
    new.push(edit::new_line(spec.format, &spec.key, &value, eol));
    let where_ = if spec.format == Format::Sshd && at < lines.len() { " (above the first Match)" } else { "" };
    f.notes.push(format!("{}: add {} {}{where_} ({})", ctx.check, spec.key, value, ctx.why));
    f.insert.entry(at).or_default().extend(new);
    f.terminate_last_line(eol);
    Ok(())
}

/// nginx `… {` or Apache `<Tag …>` on `line`: the setting goes first inside
/// that block, indented one step deeper. `Ok(false)` for any other line.
fn add_in_block(
    ctx: &Ctx<'_>,
    plan: &mut Plan,
    (format, key, value): (Format, &str, &str),
    path: &str,
    line: usize,
) -> Result<bool, String> {
    let f = plan.file(ctx.target, path)?;
    let text = f.original.clone().unwrap_or_default();
    let Some(raw) = edit::lines(&text).get(line).map(|l| l.to_string()) else { return Ok(false) };
    let (body, eol) = split_eol(&raw);
    let t = body.trim();
    let opens = match format {
        Format::Nginx => t.ends_with('{') && !t.starts_with('#'),
        _ => t.starts_with('<') && !t.starts_with("</") && t.ends_with('>'),
    };
    if !opens {
        return Ok(false);
    }
    let indent = &body[..body.len() - body.trim_start().len()];
    let eol = if eol.is_empty() { edit::file_eol(&edit::lines(&text)) } else { eol };
    let new = format!("{indent}    {}", edit::new_line(format, key, value, eol));
    f.notes.push(format!("{}: add {key} {value} in the block at line {} ({})", ctx.check, line + 1, ctx.why));
    f.insert.entry(line + 1).or_default().push(new);
    Ok(true)
}

/// Files a package or the running system owns (`/usr/lib/systemd/…`,
/// `/run/…`): an edit there is lost on the next upgrade or boot, so the
/// setting is overridden in the declared file under /etc instead.
pub(super) fn vendor_or_runtime(path: &str) -> bool {
    ["/usr/", "/lib/", "/run/"].iter().any(|p| path.starts_with(p))
}

fn sysctl(ctx: &Ctx<'_>, rem: &Remediation, r: &CheckResult, plan: &mut Plan) -> Result<(), String> {
    let name = rem.sysctl_file.as_deref().unwrap_or("60-hardening.conf");
    for (key, value) in &rem.sysctl {
        let value = fill_params(value, &ctx.params)?;
        // A vendor or runtime file read after the drop-in (files are read in
        // name order, the last value wins): a drop-in named to come last.
        let late = lines_of(r).iter().any(|(p, _)| {
            vendor_or_runtime(p) && p.rsplit('/').next().is_some_and(|b| b >= name && p.contains("sysctl.d/"))
        });
        let dropin = match late {
            true => {
                format!("/etc/sysctl.d/99-zz-{}", name.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-'))
            }
            false => format!("/etc/sysctl.d/{name}"),
        };
        let mut handled = false;
        for (path, line) in lines_of(r).into_iter().filter(|(p, _)| !p.starts_with("/proc/") && !vendor_or_runtime(p)) {
            handled |= replace_line(ctx, plan, (Format::Equals, key, &value), (&path, line), false)?;
        }
        if !handled {
            let f = plan.file(ctx.target, &dropin)?;
            let text = f.original.clone().unwrap_or_default();
            let lines = edit::lines(&text);
            match edit::effective(Format::Equals, &lines, key, None) {
                Some(i) => {
                    replace_line(ctx, plan, (Format::Equals, key, &value), (&dropin, i), false)?;
                }
                None => {
                    let eol = edit::file_eol(&lines);
                    f.notes.push(format!("{}: add {key} = {value} ({})", ctx.check, ctx.why));
                    f.insert.entry(lines.len()).or_default().push(format!("{key} = {value}{eol}"));
                    f.terminate_last_line(eol);
                }
            }
        }
        plan.commands.push(Command {
            check: ctx.check.to_string(),
            why: format!("apply {key} = {value} to the running kernel"),
            guard: "[ -z \"$ROOT\" ]".into(),
            run: vec![format!("sysctl -q -w {key}={}", shell_quote(&value))],
            live_only: true,
            otherwise: Vec::new(),
        });
    }
    Ok(())
}

fn mode(ctx: &Ctx<'_>, m: &ModeSpec, r: &CheckResult, plan: &mut Plan) -> Result<(), String> {
    let octal = |m: &str| {
        let m = fill_params(m, &ctx.params)?;
        u32::from_str_radix(&m, 8).map_err(|e| format!("mode {m}: {e}"))
    };
    let file_max = octal(&m.max)?;
    let dir_max = m.dir_max.as_deref().map(octal).transpose()?;
    let uid = match &m.owner {
        Some(o) => Some(id_of(ctx.target, "/etc/passwd", o).ok_or_else(|| format!("no user `{o}` in the target"))?),
        None => None,
    };
    // The groups allowed, those the target has, in order of preference.
    let groups: Vec<(&String, u32)> =
        m.group.iter().filter_map(|g| id_of(ctx.target, "/etc/group", g).map(|id| (g, id))).collect();
    if !m.group.is_empty() && groups.is_empty() {
        return Err(format!("none of the groups {} exists in the target", m.group.join(", ")));
    }
    for path in r.evidence.iter().filter_map(|e| e.path.as_deref()) {
        let meta = ctx.target.lstat(path).map_err(|e| format!("{path}: {}", e.reason()))?;
        if meta.file_type == FileType::Symlink {
            return Err(format!("{path} is a symbolic link; fix the file it points to by hand"));
        }
        let max = match meta.file_type {
            FileType::Dir => dir_max.unwrap_or(file_max),
            _ => file_max,
        };
        // Special bits (setuid, setgid, sticky) stay only where `max` allows them.
        let want = meta.mode & 0o7777 & max;
        // A group already allowed is kept; otherwise the first that exists.
        let gid = match groups.iter().find(|(_, id)| *id == meta.gid) {
            Some(kept) => Some(*kept),
            None => groups.first().copied(),
        };
        let (new_uid, new_gid) = (uid.unwrap_or(meta.uid), gid.map(|(_, g)| g).unwrap_or(meta.gid));
        if want == meta.mode && new_uid == meta.uid && new_gid == meta.gid {
            continue;
        }
        let q = format!("\"$ROOT\"{}", shell_quote(path));
        let mut run = Vec::new();
        if (new_uid, new_gid) != (meta.uid, meta.gid) {
            run.push(format!("chown -h {new_uid}:{new_gid} {q}"));
        }
        if want != meta.mode {
            run.push(format!("chmod {want:04o} {q}"));
        }
        let owner = m.owner.as_deref().map(|o| format!(" owner {o}")).unwrap_or_default();
        let group = gid.map(|(g, _)| format!(" group {g}")).unwrap_or_default();
        plan.commands.push(Command {
            check: ctx.check.to_string(),
            why: format!("{path}: mode {:04o} -> {want:04o}{owner}{group} ({})", meta.mode, ctx.why),
            guard: format!(
                "[ ! -L {q} ] && [ \"$(stat -c '%a %u %g' {q})\" = '{:o} {} {}' ]",
                meta.mode, meta.uid, meta.gid
            ),
            run,
            live_only: false,
            otherwise: Vec::new(),
        });
    }
    Ok(())
}

/// Lock the accounts named by the evidence lines of /etc/shadow or /etc/passwd.
fn lock(ctx: &Ctx<'_>, r: &CheckResult, plan: &mut Plan) -> Result<(), String> {
    let mut users = Vec::new();
    for (path, line) in lines_of(r) {
        let text = ctx.target.read_text(&path).map_err(|e| format!("{path}: {}", e.reason()))?.text;
        let Some(l) = edit::lines(&text).get(line).map(|l| split_eol(l).0.to_string()) else { continue };
        let mut fields = l.split(':');
        let (Some(name), Some("")) = (fields.next(), fields.next()) else { continue };
        if !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-$".contains(c))
            && !users.iter().any(|(u, _)| u == name)
        {
            users.push((name.to_string(), path.clone()));
        }
    }
    for (user, path) in users {
        let q = format!("\"$ROOT\"{}", shell_quote(&path));
        plan.commands.push(Command {
            check: ctx.check.to_string(),
            why: format!("lock {user}, whose password field in {path} is empty ({})", ctx.why),
            guard: format!("grep -q '^{user}::' {q}"),
            run: vec![format!("usermod ${{ROOT:+-R \"$ROOT\"}} -L {user}")],
            live_only: false,
            otherwise: Vec::new(),
        });
    }
    Ok(())
}

/// The numeric id of `name` in the target's passwd or group file.
fn id_of(target: &dyn Target, file: &str, name: &str) -> Option<u32> {
    if name == "root" {
        return Some(0);
    }
    let text = target.read_text(file).ok()?.text;
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 3 && f[0] == name).then(|| f[2].parse().ok()).flatten()
    })
}

/// Whether a `FILE.d/*.conf` drop-in of the entry's file sets the key to at
/// least the value.
fn dropin_has_at_least(target: &dyn Target, spec: &SetSpec, value: &str) -> bool {
    let (files, _) = crate::target::glob(target, &format!("{}.d/*.conf", spec.file), None);
    files.iter().filter_map(|f| target.read_text(f).ok()).any(|t| {
        let lines = edit::lines(&t.text);
        edit::effective(spec.format, &lines, &spec.key, spec.section.as_deref())
            .and_then(|i| edit::parse(spec.format, split_eol(lines[i]).0).map(|s| stricter_or_equal(s.value, value)))
            .unwrap_or(false)
    })
}

/// Whether a written number is at least the wanted one (`at_least`: a
/// stricter value already there is kept, not lowered to the minimum).
pub(super) fn stricter_or_equal(written: &str, want: &str) -> bool {
    let n = |s: &str| s.trim().trim_matches(|c| c == '\'' || c == '"').parse::<i64>().ok();
    matches!((n(written), n(want)), (Some(w), Some(x)) if w >= x)
}

/// Single-quote for the shell.
pub fn shell_quote(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-=:,+@".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
