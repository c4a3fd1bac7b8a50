//! Fix forms for system settings: lines ensured in a drop-in, mount
//! options on the fstab line, PAM module arguments, units disabled and
//! packages removed.

use super::edit::{self, split_eol};
use super::plan::{lines_of, shell_quote, vendor_or_runtime, Command, Ctx, Plan};
use crate::checks::remediation::{Format, LineSpec, PamSpec, Remediation};
use crate::model::CheckResult;

pub(super) fn apply(ctx: &Ctx<'_>, rem: &Remediation, r: &CheckResult, plan: &mut Plan) -> Result<(), String> {
    if let Some(l) = &rem.line {
        ensure_lines(ctx, l, r, plan)?;
    }
    if !rem.mount_options.is_empty() {
        mount_options(ctx, &rem.mount_options, r, plan)?;
    }
    if let Some(p) = &rem.pam {
        pam(ctx, p, r, plan)?;
    }
    if rem.disable {
        disable(ctx, r, plan)?;
    }
    if !rem.purge.is_empty() {
        let found = installed_named(ctx, r);
        purge(ctx, if found.is_empty() { &rem.purge } else { &found }, plan);
    }
    Ok(())
}

/// Whitespace-insensitive form of a line, to compare it with a wanted one.
fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn no_secret(path: &str, line: usize, body: &str) -> Result<(), String> {
    match crate::redact::mask(body) == body {
        true => Ok(()),
        false => Err(format!("{path}:{}: the line holds a secret; change it by hand", line + 1)),
    }
}

/// Each wanted line: an evidence line (or a line of the drop-in) matching
/// its `replaces` is rewritten in place; otherwise, unless the drop-in
/// already has it, it is added (at the end, or before the first setting).
fn ensure_lines(ctx: &Ctx<'_>, spec: &LineSpec, r: &CheckResult, plan: &mut Plan) -> Result<(), String> {
    let created = plan.file(ctx.target, &spec.file)?.original.is_none();
    let may_add = spec.paths.is_empty()
        || r.evidence
            .iter()
            .any(|e| e.path.as_deref().is_some_and(|p| spec.paths.iter().any(|x| p.starts_with(x.as_str()))));
    let before = plan.files.get(&spec.file).map_or(0, |f| f.notes.len());
    for want in &spec.lines {
        let text = want.text();
        let mut done = false;
        if let Some(re) = want.replaces() {
            let re = regex::Regex::new(re).map_err(|e| e.to_string())?;
            let mut spots: Vec<(String, usize)> =
                lines_of(r).into_iter().filter(|(p, _)| !vendor_or_runtime(p)).collect();
            let own = plan.file(ctx.target, &spec.file)?.original.clone().unwrap_or_default();
            spots.extend(
                edit::lines(&own)
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| re.is_match(split_eol(l).0))
                    .map(|(i, _)| (spec.file.clone(), i)),
            );
            for (path, line) in spots {
                let f = plan.file(ctx.target, &path)?;
                let t = f.original.clone().unwrap_or_default();
                let Some(raw) = edit::lines(&t).get(line).map(|l| l.to_string()) else { continue };
                let (body, eol) = split_eol(&raw);
                if !re.is_match(body) || f.replace.get(&line).is_some_and(|n| n.is_none()) {
                    continue;
                }
                no_secret(&path, line, body)?;
                if norm(body) != norm(text) && !f.replace.contains_key(&line) {
                    f.replace.insert(line, Some(format!("{text}{eol}")));
                    f.notes.push(format!(
                        "{}: {path} line {}: `{}` -> `{text}` ({})",
                        ctx.check,
                        line + 1,
                        body.trim(),
                        ctx.why
                    ));
                }
                done = true;
            }
        }
        if done || !may_add {
            continue;
        }
        let f = plan.file(ctx.target, &spec.file)?;
        let t = f.original.clone().unwrap_or_default();
        let lines = edit::lines(&t);
        let pending = f.insert.values().flatten().any(|l| norm(l) == norm(text));
        if pending || lines.iter().any(|l| norm(split_eol(l).0) == norm(text)) {
            continue;
        }
        let eol = edit::file_eol(&lines);
        let at = match spec.first {
            true => lines
                .iter()
                .position(|l| {
                    let b = split_eol(l).0.trim();
                    !b.is_empty() && !b.starts_with('#')
                })
                .unwrap_or(lines.len()),
            false => lines.len(),
        };
        f.notes.push(format!("{}: add `{text}` ({})", ctx.check, ctx.why));
        f.insert.entry(at).or_default().push(format!("{text}{eol}"));
        f.terminate_last_line(eol);
    }
    let changed = plan.files.get(&spec.file).map_or(0, |f| f.notes.len()) != before;
    let q = format!("\"$ROOT\"{}", shell_quote(&spec.file));
    if let (true, true, Some(m)) = (created, changed, &spec.mode) {
        plan.commands.push(Command {
            check: ctx.check.to_string(),
            why: format!("{}: mode {m} for the new file", spec.file),
            guard: format!("[ -f {q} ] && [ ! -L {q} ]"),
            run: vec![format!("chmod {m} {q}")],
            live_only: false,
            otherwise: Vec::new(),
        });
    }
    if let (true, Some(v)) = (changed, &spec.validate) {
        let file = shell_quote(&spec.file);
        let aside = shell_quote(&format!("{}.hardcheck-rejected", spec.file));
        plan.commands.push(Command {
            check: ctx.check.to_string(),
            why: format!("`{v}` must accept {} (rejected: moved aside, where it is not read)", spec.file),
            guard: "[ -z \"$ROOT\" ]".into(),
            run: vec![format!(
                "if ! {v} {file}; then mv {file} {aside}; echo \"hardcheck fix: {v} rejected {file}; moved to {aside}\" >&2; exit 1; fi"
            )],
            live_only: true,
            otherwise: Vec::new(),
        });
    }
    Ok(())
}

/// `nodev` for `dev`, `dev` for `nodev`.
fn opposite(o: &str) -> String {
    o.strip_prefix("no").map_or_else(|| format!("no{o}"), str::to_string)
}

/// The option list with `want` in effect: its opposite removed, and it
/// placed after any `defaults` (later options override earlier ones).
fn add_options(old: &str, want: &[String]) -> String {
    let mut list: Vec<String> = old.split(',').filter(|o| !o.is_empty()).map(str::to_string).collect();
    for w in want {
        list.retain(|o| *o != opposite(w));
        let last = list.iter().rposition(|o| o == w);
        let defaults = list.iter().rposition(|o| o == "defaults");
        if last.is_none() || defaults > last {
            list.retain(|o| o != w);
            list.push(w.clone());
        }
    }
    list.join(",")
}

/// Add the options to the fourth field of the fstab line the evidence
/// names (columns and spacing kept), or to `Options=` of a mount unit;
/// `mount -o remount` on a live host.
fn mount_options(ctx: &Ctx<'_>, want: &[String], r: &CheckResult, plan: &mut Plan) -> Result<(), String> {
    let opts = want.join(",");
    let mut handled = false;
    for e in r.evidence.iter().filter(|e| e.line.is_none()) {
        let Some(path) = e.path.as_deref().filter(|p| p.ends_with(".mount")) else { continue };
        if vendor_or_runtime(path) {
            return Err(format!("{path} belongs to a package; override it in /etc/systemd/system by hand"));
        }
        let f = plan.file(ctx.target, path)?;
        let t = f.original.clone().unwrap_or_default();
        let lines = edit::lines(&t);
        let (at, header) = edit::insert_at(Format::Systemd, &lines, Some("Mount"));
        let eol = edit::file_eol(&lines);
        let mut new: Vec<String> = header.map(|h| format!("{h}{eol}")).into_iter().collect();
        new.push(format!("Options={opts}{eol}"));
        f.notes.push(format!("{}: {path}: add Options={opts} ({})", ctx.check, ctx.why));
        f.insert.entry(at).or_default().extend(new);
        f.terminate_last_line(eol);
        handled = true;
    }
    for (path, line) in lines_of(r) {
        if vendor_or_runtime(&path) {
            // A package's mount unit: an fstab line for the same tmpfs overrides it.
            let t = ctx.target.read_text(&path).map_err(|e| format!("{path}: {}", e.reason()))?.text;
            let opts = edit::lines(&t).get(line).and_then(|l| {
                edit::parse(Format::Systemd, split_eol(l).0).filter(|s| s.key == "Options").map(|s| s.value.to_string())
            });
            tmpfs_line(ctx, want, opts.as_deref(), plan)?;
            handled = true;
            continue;
        }
        let f = plan.file(ctx.target, &path)?;
        let t = f.original.clone().unwrap_or_default();
        let Some(raw) = edit::lines(&t).get(line).map(|l| l.to_string()) else { continue };
        let (body, eol) = split_eol(&raw);
        let new_body = if path.ends_with(".mount") {
            let Some(s) = edit::parse(Format::Systemd, body).filter(|s| s.key == "Options") else { continue };
            edit::replace_value(&s, &add_options(s.value, want), "")
        } else {
            if body.trim_start().starts_with('#') {
                continue;
            }
            // Byte spans of the whitespace-separated fields.
            let mut spans = Vec::new();
            let mut start = None;
            for (i, c) in body.char_indices().chain(std::iter::once((body.len(), ' '))) {
                match (c.is_whitespace(), start) {
                    (true, Some(s)) => {
                        spans.push((s, i));
                        start = None;
                    }
                    (false, None) => start = Some(i),
                    _ => {}
                }
            }
            match spans.len() {
                0..=2 => continue,
                3 => format!("{body} {}", add_options("defaults", want)),
                _ => {
                    let (s, e) = spans[3];
                    format!("{}{}{}", &body[..s], add_options(&body[s..e], want), &body[e..])
                }
            }
        };
        handled = true;
        if new_body == body || f.replace.contains_key(&line) {
            continue;
        }
        f.replace.insert(line, Some(format!("{new_body}{eol}")));
        f.notes.push(format!("{}: {path} line {}: add {opts} ({})", ctx.check, line + 1, ctx.why));
        let mount_point = body.split_whitespace().nth(1).filter(|m| m.starts_with('/')).map(str::to_string);
        if let Some(mp) =
            mount_point.or_else(|| ctx.params.get("mount_point").and_then(|v| v.as_str()).map(str::to_string))
        {
            let mp = shell_quote(&mp);
            plan.commands.push(Command {
                check: ctx.check.to_string(),
                why: format!("remount {mp} with {opts} (the running system)"),
                guard: format!("[ -z \"$ROOT\" ] && mountpoint -q {mp}"),
                run: vec![format!("mount -o remount,{opts} {mp}")],
                live_only: true,
                otherwise: Vec::new(),
            });
        }
    }
    if !handled && r.evidence.iter().any(|e| e.path.is_none()) {
        // Mounted by systemd itself (/dev/shm): its options are nosuid,nodev.
        tmpfs_line(ctx, want, Some("nosuid,nodev"), plan)?;
        handled = true;
    }
    match handled {
        true => Ok(()),
        false => Err("no fstab line or mount unit in the evidence to add the option to".into()),
    }
}

/// A tmpfs that a systemd unit (a package's, or systemd's own) mounts gets an
/// /etc/fstab line with its options and the wanted ones: fstab's line takes
/// precedence. Other filesystems are left to a human (which device is a decision).
fn tmpfs_line(ctx: &Ctx<'_>, want: &[String], opts: Option<&str>, plan: &mut Plan) -> Result<(), String> {
    let mp = ctx.params.get("mount_point").and_then(|v| v.as_str()).unwrap_or_default().to_string();
    if !matches!(mp.as_str(), "/tmp" | "/dev/shm") {
        return Err(format!(
            "{mp} is mounted by a package's unit: override its Options= in /etc/systemd/system by hand"
        ));
    }
    let f = plan.file(ctx.target, "/etc/fstab")?;
    let lines_n = f.original.as_deref().map_or(0, |t| edit::lines(t).len());
    let eol = edit::file_eol(&edit::lines(f.original.as_deref().unwrap_or_default()));
    let pending = f.insert.entry(lines_n).or_default();
    // Another check of this fix already adds the line: add to its options.
    if let Some(l) = pending.iter_mut().find(|l| l.split_whitespace().nth(1) == Some(mp.as_str())) {
        let fields: Vec<&str> = l.split_whitespace().collect();
        *l = format!("{} {} {} {} 0 0{eol}", fields[0], fields[1], fields[2], add_options(fields[3], want));
    } else {
        // systemd writes `%` as `%%` in unit files; fstab does not.
        let base = opts.map_or("defaults".to_string(), |o| format!("defaults,{}", o.replace("%%", "%")));
        pending.push(format!("tmpfs {mp} tmpfs {} 0 0{eol}", add_options(&base, want)));
    }
    f.notes.push(format!(
        "{}: add a /etc/fstab line for the tmpfs at {mp} with {} ({})",
        ctx.check,
        want.join(","),
        ctx.why
    ));
    f.terminate_last_line(eol);
    plan.commands.push(Command {
        check: ctx.check.to_string(),
        why: format!("remount {mp} with {} (the running system)", want.join(",")),
        guard: format!("[ -z \"$ROOT\" ] && mountpoint -q {mp}"),
        run: vec![format!("mount -o remount,{} {mp}", want.join(","))],
        live_only: true,
        otherwise: Vec::new(),
    });
    Ok(())
}

/// Add, replace or remove arguments of the module on the PAM lines the
/// evidence names; the line's type, control and module are kept as written.
fn pam(ctx: &Ctx<'_>, p: &PamSpec, r: &CheckResult, plan: &mut Plan) -> Result<(), String> {
    let mut found = false;
    let pam_evidence = r.evidence.iter().any(|e| e.path.as_deref().is_some_and(|x| x.starts_with("/etc/pam.d/")));
    for (path, line) in lines_of(r).into_iter().filter(|(x, _)| x.starts_with("/etc/pam.d/")) {
        let f = plan.file(ctx.target, &path)?;
        let t = f.original.clone().unwrap_or_default();
        let Some(raw) = edit::lines(&t).get(line).map(|l| l.to_string()) else { continue };
        let (body, eol) = split_eol(&raw);
        if body.trim_start().starts_with('#') || body.trim_end().ends_with('\\') {
            continue;
        }
        // The module is the first word after the type that names it.
        let mut words = Vec::new();
        let mut rest = body;
        while let Some(s) = rest.find(|c: char| !c.is_whitespace()) {
            let end = rest[s..].find(char::is_whitespace).map_or(rest.len(), |e| s + e);
            words.push((body.len() - rest.len() + s, &rest[s..end]));
            rest = &rest[end..];
        }
        let Some(m) = words.iter().skip(1).position(|(_, w)| w.rsplit('/').next() == Some(p.module.as_str())) else {
            continue;
        };
        found = true;
        let m = m + 1;
        let (m_at, m_word) = words[m];
        let args: Vec<&str> = words[m + 1..].iter().map(|(_, w)| *w).collect();
        if args.iter().any(|a| a.starts_with('[')) {
            return Err(format!("{path}:{}: a bracketed argument; edit the line by hand", line + 1));
        }
        let mut new: Vec<String> = args
            .iter()
            .filter(|a| !p.remove.iter().any(|x| *a == x || a.starts_with(&format!("{x}="))))
            .map(|a| a.to_string())
            .collect();
        for (k, v) in &p.set {
            let v = crate::checks::remediation::fill_params(v, &ctx.params)?;
            let pre = format!("{k}=");
            match new.iter().position(|a| a.starts_with(&pre)) {
                Some(i) if p.at_least && super::plan::stricter_or_equal(&new[i][pre.len()..], &v) => {}
                None if p.replace_only => {}
                Some(i) => {
                    new[i] = format!("{k}={v}");
                    let mut n = 0;
                    new.retain(|a| {
                        !a.starts_with(&pre) || {
                            n += 1;
                            n == 1
                        }
                    });
                }
                None => new.push(format!("{k}={v}")),
            }
        }
        for a in &p.add {
            if !new.contains(a) {
                new.push(a.clone());
            }
        }
        if new == args || f.replace.contains_key(&line) {
            continue;
        }
        no_secret(&path, line, body)?;
        let head = &body[..m_at + m_word.len()];
        let sep = match words.get(m + 1) {
            Some((at, _)) => &body[m_at + m_word.len()..*at],
            None => " ",
        };
        let tail = if new.is_empty() { String::new() } else { format!("{sep}{}", new.join(" ")) };
        f.replace.insert(line, Some(format!("{head}{tail}{eol}")));
        f.notes.push(format!(
            "{}: line {}: {} `{}` -> `{}` ({})",
            ctx.check,
            line + 1,
            p.module,
            args.join(" "),
            new.join(" "),
            ctx.why
        ));
    }
    if !found && pam_evidence {
        let reason = p.missing.clone().unwrap_or_else(|| {
            format!("no {} line to change: add it by hand where the stack needs it (PAM order matters)", p.module)
        });
        return Err(reason.trim().to_string());
    }
    Ok(())
}

/// Disable the units whose `.wants/`/`.requires/` links the evidence names:
/// `systemctl disable --now` on a live host, the links removed in an offline root.
fn disable(ctx: &Ctx<'_>, r: &CheckResult, plan: &mut Plan) -> Result<(), String> {
    let mut links: Vec<&str> = Vec::new();
    for p in r.evidence.iter().filter_map(|e| e.path.as_deref()) {
        let dir = p.rsplit_once('/').map_or("", |(d, _)| d);
        if p.starts_with("/etc/systemd/system/")
            && (dir.ends_with(".wants") || dir.ends_with(".requires"))
            && !links.contains(&p)
        {
            links.push(p);
        }
    }
    if links.is_empty() {
        return Err(
            "no unit link in the evidence: find the unit that is enabled and run `systemctl disable --now UNIT`".into(),
        );
    }
    let mut units: Vec<String> = links.iter().filter_map(|l| l.rsplit('/').next()).map(shell_quote).collect();
    units.dedup();
    units.sort();
    units.dedup();
    let otherwise = links
        .iter()
        .map(|l| {
            let q = format!("\"$ROOT\"{}", shell_quote(l));
            format!("if [ -L {q} ]; then rm -f {q}; fi")
        })
        .collect();
    plan.commands.push(Command {
        check: ctx.check.to_string(),
        why: format!("disable {} (offline root: remove the links that enable it) ({})", units.join(" "), ctx.why),
        guard: "[ -z \"$ROOT\" ]".into(),
        run: vec![format!("systemctl disable --now {}", units.join(" "))],
        live_only: true,
        otherwise,
    });
    Ok(())
}

/// The packages whose dpkg status stanzas the evidence lines are in (the
/// check may name a package that another one provides: telnet-ssl for telnet).
fn installed_named(ctx: &Ctx<'_>, r: &CheckResult) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (path, line) in lines_of(r).into_iter().filter(|(p, _)| p == "/var/lib/dpkg/status") {
        let Ok(t) = ctx.target.read_text(&path) else { continue };
        let lines = edit::lines(&t.text);
        let stanza =
            lines[..(line + 1).min(lines.len())].iter().rev().take_while(|l| !split_eol(l).0.trim().is_empty());
        let name = stanza.filter_map(|l| split_eol(l).0.strip_prefix("Package:")).map(str::trim).next();
        if let Some(n) =
            name.filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
        {
            if !out.iter().any(|o| o == n) {
                out.push(n.to_string());
            }
        }
    }
    out
}

/// Remove packages on a live host, when installed; for an offline root the
/// script says what to run in it (a package manager run from outside the
/// root would use the host's scripts and databases).
fn purge(ctx: &Ctx<'_>, pkgs: &[String], plan: &mut Plan) {
    let list = pkgs.join(" ");
    let run = pkgs
        .iter()
        .map(|p| {
            format!(
                "if dpkg-query -W -f='${{Status}}' {p} 2>/dev/null | grep -q 'ok installed'; then apt-get purge -y {p}; fi"
            )
        })
        .collect();
    plan.commands.push(Command {
        check: ctx.check.to_string(),
        why: format!("remove {list} ({})", ctx.why),
        guard: "[ -z \"$ROOT\" ]".into(),
        run,
        live_only: true,
        otherwise: vec![format!(
            "echo \"hardcheck fix: offline root: run 'apt-get purge -y {list}' inside it (chroot \\\"\\$ROOT\\\")\""
        )],
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_added_after_defaults_and_opposites_removed() {
        assert_eq!(add_options("defaults", &opts(&["nodev"])), "defaults,nodev");
        assert_eq!(add_options("nodev,rw,dev", &opts(&["nodev"])), "nodev,rw");
        assert_eq!(add_options("nodev,defaults", &opts(&["nodev"])), "defaults,nodev");
        assert_eq!(add_options("rw,nosuid,nodev", &opts(&["nodev", "noexec"])), "rw,nosuid,nodev,noexec");
        assert_eq!(add_options("exec,rw", &opts(&["noexec"])), "rw,noexec");
        assert_eq!(opposite("suid"), "nosuid");
    }
}
