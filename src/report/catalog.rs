//! The generated reference documentation: one Markdown page per check
//! category (`docs/checks/<category>.md`), an index of categories, and the
//! page of fact sources (`docs/sources.md`). Everything comes from the loaded
//! definitions, the profiles and the fact registry, so the docs cannot say
//! something the binary does not do; `tests/docs_drift.rs` fails when the
//! committed pages are stale.

use crate::checks::definition::{Check, DefStatus};
use crate::facts::{ParamKind, FACTS};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// Which built-in profiles run each check: check id → profile names.
pub type Membership = BTreeMap<String, Vec<String>>;

/// The categories of `checks`, in name order, with their checks by id.
pub fn by_category(checks: &[Arc<Check>]) -> BTreeMap<String, Vec<&Check>> {
    let mut cats: BTreeMap<String, Vec<&Check>> = BTreeMap::new();
    for c in checks {
        cats.entry(c.def.category.clone()).or_default().push(c);
    }
    for v in cats.values_mut() {
        v.sort_by(|a, b| a.def.id.cmp(&b.def.id));
    }
    cats
}

/// `docs/checks/README.md`: every category with its count, and every check
/// in one table.
pub fn index_page(checks: &[Arc<Check>]) -> String {
    let cats = by_category(checks);
    let mut s = String::from(GENERATED);
    s += "# Checks\n\n";
    let _ = writeln!(
        s,
        "hardcheck has {} checks in {} categories. Each page lists a category's checks with their \
         rationale, fix, references, parameters and the profiles that run them; \
         `hardcheck checks explain ID` prints the same for one check.\n",
        checks.len(),
        cats.len()
    );
    s += "| category | checks | critical | high | medium | low | info |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n";
    for (cat, list) in &cats {
        let count = |sev: &str| list.iter().filter(|c| c.def.severity.to_string() == sev).count();
        let _ = writeln!(
            s,
            "| [{cat}]({cat}.md) | {} | {} | {} | {} | {} | {} |",
            list.len(),
            count("critical"),
            count("high"),
            count("medium"),
            count("low"),
            count("info")
        );
    }
    s += "\n## Every check\n\n| id | severity | title |\n| --- | --- | --- |\n";
    for (cat, list) in &cats {
        for c in list {
            let d = &c.def;
            let _ = writeln!(s, "| [`{}`]({cat}.md#{}) | {} | {} |", d.id, anchor(&d.id), d.severity, cell(&d.title));
        }
    }
    s
}

/// `docs/checks/<category>.md`: every check of one category.
pub fn category_page(category: &str, checks: &[&Check], membership: &Membership) -> String {
    let mut s = String::from(GENERATED);
    let _ = writeln!(s, "# {category} checks ({})\n", checks.len());
    s += "[All categories](README.md)\n\n| id | severity | title |\n| --- | --- | --- |\n";
    for c in checks {
        let d = &c.def;
        let _ = writeln!(s, "| [`{}`](#{}) | {} | {} |", d.id, anchor(&d.id), d.severity, cell(&d.title));
    }
    for c in checks {
        s += "\n";
        s += &check_section(c, membership);
    }
    s
}

fn check_section(c: &Check, membership: &Membership) -> String {
    let d = &c.def;
    let mut s = format!("## {}\n\n**{}** · severity {}", d.id, d.title.trim(), d.severity);
    if d.status == DefStatus::Deprecated {
        s += " · deprecated (not run)";
    }
    if d.live_only {
        s += " · live host only";
    }
    s += "\n\n";
    let _ = writeln!(s, "{}\n", d.rationale.trim());
    let _ = writeln!(s, "**Fix.** {}\n", fix_text(c));
    if !d.aliases.is_empty() {
        let _ =
            writeln!(s, "Former ids: {}.\n", d.aliases.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", "));
    }
    let profiles = membership.get(&d.id).map(Vec::as_slice).unwrap_or_default();
    match profiles.is_empty() {
        true => s += "Profiles: none of the built-in profiles (run it with `--check` or a profile of your own).\n\n",
        false => {
            let _ = writeln!(
                s,
                "Profiles: {}.\n",
                profiles.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
            );
        }
    }
    let mut how = Vec::new();
    if let Some(p) = &d.probe {
        how.push(format!("probe `{p}`"));
    }
    if !d.sources.is_empty() {
        let names: Vec<String> = d.sources.iter().map(|n| format!("[`{n}`](../sources.md#{n})")).collect();
        how.push(format!("facts {}", names.join(", ")));
    }
    for (name, f) in &d.files {
        how.push(format!("file source `{name}` ({})", f.path.as_slice().join(", ")));
    }
    if !how.is_empty() {
        let _ = writeln!(s, "Reads: {}.\n", how.join("; "));
    }
    if !d.params.is_empty() {
        s += "| parameter | default |\n| --- | --- |\n";
        for (k, v) in &d.params {
            let _ = writeln!(s, "| `{k}` | `{}` |", cell(&serde_json::to_string(v).unwrap_or_default()));
        }
        s += "\n";
    }
    if !d.references.is_empty() {
        s += "References:\n\n";
        for (kind, refs) in &d.references {
            for r in refs {
                match r.starts_with("https://") || r.starts_with("http://") {
                    true => {
                        let _ = writeln!(s, "- {kind}: <{r}>");
                    }
                    false => {
                        let _ = writeln!(s, "- {kind}: {}", cell(r));
                    }
                }
            }
        }
        s += "\n";
    }
    let _ = writeln!(s, "Defined in `{}`.", c.origin);
    s
}

/// The fix with its evidence placeholders in words: a report fills them in
/// from the finding.
fn fix_text(c: &Check) -> String {
    let d = &c.def;
    let location = match &d.fix_location {
        Some(f) => format!("the file the finding names (`{f}` when none)"),
        None => "the file the finding names".to_string(),
    };
    d.fix.trim().replace("{location}", &location).replace("{path}", "the file").replace("{line}", "the line")
}

/// `docs/sources.md`: every fact a predicate can read, from the registry.
pub fn sources_page() -> String {
    let mut s = String::from(GENERATED);
    s += "# Fact sources\n\n";
    s += "A check definition reads facts by name (`sources: [sshd]`); each is collected once per \
          scan, on first use. `hardcheck sources` prints this list; `docs/writing-checks.md` \
          describes the fields of each.\n\n";
    s += "| fact | what it holds | parameters | built over |\n| --- | --- | --- | --- |\n";
    for f in FACTS {
        let params = match f.params {
            ParamKind::None => "",
            ParamKind::AppPaths => "`app_paths`",
            ParamKind::Ports => "`ports`",
        };
        let deps: Vec<String> = f.depends.iter().map(|d| format!("[`{d}`](#{d})")).collect();
        let user = if f.for_user_checks { " (for your own checks: no built-in check reads it)" } else { "" };
        let _ = writeln!(
            s,
            "| <a id=\"{name}\"></a>`{name}` | {}{user} | {params} | {} |",
            cell(f.summary),
            deps.join(", "),
            name = f.name
        );
    }
    s
}

/// The registry as plain text, one fact a line.
pub fn sources_text() -> String {
    let width = FACTS.iter().map(|f| f.name.len()).max().unwrap_or(0);
    FACTS.iter().map(|f| format!("{:width$}  {}\n", f.name, f.summary)).collect()
}

const GENERATED: &str = "<!-- Generated by hardcheck from the check definitions and the fact registry: \
do not edit. Regenerate with `HARDCHECK_BLESS=1 cargo test --test docs_drift`. -->\n\n";

/// GitHub's heading anchor for a check id (`ssh.permit-root-login` →
/// `sshpermit-root-login`).
fn anchor(id: &str) -> String {
    id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect::<String>().to_ascii_lowercase()
}

/// Text safe inside a Markdown table cell.
fn cell(s: &str) -> String {
    s.trim().replace('|', "\\|").replace('\n', " ")
}
