//! Contributor tasks for hardcheck, run as `cargo xtask TASK` (the alias is
//! in `.cargo/config.toml`).
//!
//! `cargo xtask new-check CATEGORY.NAME [--probe] [--severity S]` scaffolds a
//! check: its definition (`checks/CATEGORY/NAME.yaml`), a pass and a fail
//! fixture with the expected evidence, and a CHANGELOG line; with `--probe`
//! also a Rust probe registered in `src/checks/probes/mod.rs`. The scaffold
//! is a working check over an example file; every `TODO` in it must be
//! replaced (tests/registry.rs fails while one is left).

#![forbid(unsafe_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask new-check CATEGORY.NAME [--probe] [--severity info|low|medium|high|critical]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("new-check") => NewCheck::parse(&args[1..]).and_then(|n| n.write(&repo_root())),
        Some("-h" | "--help") | None => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown task `{other}`\n{USAGE}")),
    };
    match result {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::from(2)
        }
    }
}

/// The repository root: the parent of this crate's directory.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the repository").to_path_buf()
}

#[derive(Debug)]
struct NewCheck {
    category: String,
    name: String,
    probe: bool,
    severity: String,
}

const SEVERITIES: &[&str] = &["info", "low", "medium", "high", "critical"];

/// A category or name: lower-case ASCII letters, digits and dashes, starting
/// with a letter (the form every existing id has).
fn valid_part(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.ends_with('-')
        && s.len() <= 48
}

impl NewCheck {
    fn parse(args: &[String]) -> Result<NewCheck, String> {
        let mut id = None;
        let mut probe = false;
        let mut severity = "medium".to_string();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--probe" => probe = true,
                "--severity" => severity = it.next().ok_or("--severity needs a value")?.clone(),
                s if s.starts_with('-') => return Err(format!("unknown option `{s}`\n{USAGE}")),
                s if id.is_none() => id = Some(s.to_string()),
                s => return Err(format!("unexpected argument `{s}`\n{USAGE}")),
            }
        }
        let id = id.ok_or(USAGE)?;
        let (category, name) = id.split_once('.').ok_or_else(|| format!("`{id}` is not CATEGORY.NAME"))?;
        if !valid_part(category) || !valid_part(name) {
            return Err(format!(
                "`{id}`: category and name are lower-case letters, digits and dashes, starting with a letter"
            ));
        }
        if !SEVERITIES.contains(&severity.as_str()) {
            return Err(format!("--severity `{severity}`: one of {}", SEVERITIES.join(", ")));
        }
        Ok(NewCheck { category: category.into(), name: name.into(), probe, severity })
    }

    fn id(&self) -> String {
        format!("{}.{}", self.category, self.name)
    }

    /// The probe's Rust name: `category_name` with dashes as underscores.
    fn probe_name(&self) -> String {
        format!("{}_{}", self.category, self.name).replace('-', "_")
    }

    /// The example file the scaffold judges.
    fn conf(&self) -> String {
        format!("/etc/{}/{}.conf", self.category, self.name)
    }

    fn write(&self, root: &Path) -> Result<String, String> {
        let def = root.join("checks").join(&self.category).join(format!("{}.yaml", self.name));
        if def.exists() {
            return Err(format!("{} exists already", def.display()));
        }
        let fixtures = root.join("tests/fixtures").join(&self.category).join(&self.name);
        if fixtures.exists() {
            return Err(format!("{} exists already", fixtures.display()));
        }
        let new_category = !root.join("checks").join(&self.category).is_dir();
        let mut files: Vec<(PathBuf, String)> = vec![(def, self.definition())];
        let conf = self.conf();
        let conf_rel = conf.trim_start_matches('/');
        files.push((fixtures.join("pass/disabled").join(conf_rel), "# the secure setting\nenabled = false\n".into()));
        files.push((fixtures.join("fail/enabled").join(conf_rel), "# the insecure setting\nenabled = true\n".into()));
        files.push((fixtures.join("fail/enabled.evidence"), format!("{conf}:2\n")));
        if self.probe {
            let rs = root.join("src/checks/probes").join(format!("{}.rs", self.probe_name()));
            if rs.exists() {
                return Err(format!("{} exists already", rs.display()));
            }
            files.push((rs, self.probe_source()));
        }
        for (path, text) in &files {
            std::fs::create_dir_all(path.parent().unwrap()).map_err(|e| format!("{}: {e}", path.display()))?;
            std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        if self.probe {
            self.register_probe(&root.join("src/checks/probes/mod.rs"))?;
        }
        add_changelog_line(&root.join("CHANGELOG.md"), &format!("- `{}`: TODO what it checks.", self.id()))?;
        let mut out = String::new();
        let _ = writeln!(out, "Scaffolded {}:", self.id());
        for (path, _) in &files {
            let _ = writeln!(out, "  {}", path.strip_prefix(root).unwrap_or(path).display());
        }
        if self.probe {
            let _ = writeln!(out, "  src/checks/probes/mod.rs (module and PROBES entry added)");
        }
        let _ = writeln!(out, "  CHANGELOG.md (a line under [Unreleased] / Added)");
        if new_category {
            let _ = writeln!(out, "A new category: add it to docs where categories are listed.");
        }
        let _ = writeln!(
            out,
            "\nNext: replace every TODO (tests/registry.rs fails while one is left), make the fixtures real\n\
             scenarios of the program's config, then run\n  \
             HARDCHECK_FIXTURES={cat}/{name} cargo test --test fixtures\n  \
             HARDCHECK_BLESS=1 cargo test --test docs_drift   # regenerates docs/checks/{cat}.md",
            cat = self.category,
            name = self.name,
        );
        Ok(out)
    }

    fn definition(&self) -> String {
        let head = format!(
            "id: {id}\n\
             title: TODO one line stating the secure state, e.g. \"{cat} requires authentication\"\n\
             category: {cat}\n\
             severity: {sev}\n\
             rationale: >\n  \
             TODO: what an attacker gains when this is wrong, and why the secure value\n  \
             is the right one for most hosts.\n\
             fix: >-\n  \
             Set `enabled = false` at {{location}}. TODO: how to check and reload the service.\n\
             references:\n  \
             nist-800-53: [\"CM-6\"]  # TODO: the benchmark and control numbers that apply\n\
             remediation:\n  \
             manual: TODO a mechanical fix instead (set, line, mode; see docs/writing-checks.md), or why a human decides\n",
            id = self.id(),
            cat = self.category,
            sev = self.severity,
        );
        let body = match self.probe {
            true => format!(
                "probe: {probe}\n\
                 params:\n  \
                 path: {conf}\n\
                 message: \"{{detail}}\"\n\
                 pass_message: TODO what a pass means\n",
                probe = self.probe_name(),
                conf = self.conf(),
            ),
            false => format!(
                "files:\n  \
                 conf:\n    \
                 format: kv\n    \
                 path: {conf}\n    \
                 defaults: {{enabled: \"false\"}}\n    \
                 required: true\n\
                 for_each: \"[conf.values.enabled]\"\n\
                 expect: it.value == 'false'\n\
                 message: \"enabled = {{value}}\"\n\
                 pass_message: TODO what a pass means\n",
                conf = self.conf(),
            ),
        };
        head + &body
    }

    fn probe_source(&self) -> String {
        let probe = self.probe_name();
        let params = format!("{}Params", camel(&probe));
        PROBE_TEMPLATE.replace("@PROBE@", &probe).replace("@PARAMS@", &params).replace("@CONF@", &self.conf())
    }

    /// Add `mod NAME;` and a `probe!` entry at the end of `PROBES`.
    fn register_probe(&self, mod_rs: &Path) -> Result<(), String> {
        let text = std::fs::read_to_string(mod_rs).map_err(|e| format!("{}: {e}", mod_rs.display()))?;
        let probe = self.probe_name();
        let params = format!("{}Params", camel(&probe));
        let first_mod = text.find("\nmod ").ok_or("src/checks/probes/mod.rs: no `mod` line found")?;
        let mut text = format!("{}\nmod {probe};{}", &text[..first_mod], &text[first_mod..]);
        let start = text.find("pub static PROBES: &[Probe] = &[").ok_or("PROBES not found")?;
        let end = start + text[start..].find("\n];").ok_or("end of PROBES not found")?;
        let entry = format!(
            "\n    probe!(\n        \"{probe}\",\n        \"TODO what the probe judges\",\n        facts: &[],\n        \
             {probe}::{params},\n        {probe}::run\n    ),"
        );
        text.insert_str(end, &entry);
        std::fs::write(mod_rs, text).map_err(|e| format!("{}: {e}", mod_rs.display()))
    }
}

/// `ssh_example_thing` → `SshExampleThing`.
fn camel(s: &str) -> String {
    s.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// Insert a line at the top of the first `### Added` list under
/// `## [Unreleased]` (creating the subsection when there is none).
fn add_changelog_line(path: &Path, line: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let unreleased = text.find("## [Unreleased]").ok_or("CHANGELOG.md: no `## [Unreleased]` section")?;
    let next_release = text[unreleased + 3..].find("\n## [").map(|i| i + unreleased + 3).unwrap_or(text.len());
    let section = &text[unreleased..next_release];
    let out = match section.find("### Added\n") {
        Some(i) => {
            let at = unreleased + i + "### Added\n".len();
            format!("{}{line}\n{}", &text[..at], &text[at..])
        }
        None => {
            let at = unreleased + "## [Unreleased]\n".len();
            format!("{}\n### Added\n{line}\n{}", &text[..at], &text[at..])
        }
    };
    std::fs::write(path, out).map_err(|e| format!("{}: {e}", path.display()))
}

const PROBE_TEMPLATE: &str = r#"//! `@PROBE@` probe: TODO what it judges, and where it reads it.
//!
//! Failing items carry `path`, `line` and `detail` for the message and fix
//! templates.

use super::params::Params;
use super::Outcome;
use crate::facts::Facts;
use crate::sources::{item, Unavailable};
use serde::{Deserialize, Serialize};

/// Parameters of the `@PROBE@` probe (a typo in a definition's `params:` is
/// a load error with file and line).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct @PARAMS@ {
    /// The file judged.
    #[serde(default = "default_path")]
    pub path: String,
}

fn default_path() -> String {
    "@CONF@".into()
}

impl Params for @PARAMS@ {
    fn validate(&self) -> Result<(), String> {
        match self.path.starts_with('/') {
            true => Ok(()),
            false => Err(format!("`path: {}` is not absolute", self.path)),
        }
    }
}

pub fn run(f: &Facts, params: &@PARAMS@) -> Result<Outcome, Unavailable> {
    let file = match f.reader().read_text(&params.path) {
        Ok(file) => file,
        Err(e) if e.is_not_found() => return Err(Unavailable::NotFound(format!("{} does not exist", params.path))),
        Err(e) => return Err(Unavailable::Unreadable(e)),
    };
    let mut out = Outcome::default();
    for (i, line) in file.text.lines().enumerate() {
        let Some((key, value)) = line.split_once('=') else { continue };
        if key.trim() != "enabled" {
            continue;
        }
        out.checked += 1;
        // TODO: the real judgement.
        if value.trim() != "false" {
            out.failures.push(item(Some(&file.path), Some(i + 1), format!("enabled = {}", value.trim())));
        }
    }
    Ok(out)
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn ids_are_validated() {
        assert!(NewCheck::parse(&args("ssh.example")).is_ok());
        assert!(NewCheck::parse(&args("ssh")).is_err());
        assert!(NewCheck::parse(&args("SSH.example")).is_err());
        assert!(NewCheck::parse(&args("ssh.ex_ample")).is_err());
        assert!(NewCheck::parse(&args("ssh.example --severity severe")).is_err());
        assert!(NewCheck::parse(&args("ssh.example --bogus")).is_err());
    }

    #[test]
    fn camel_case() {
        assert_eq!(camel("ssh_example_thing"), "SshExampleThing");
    }

    #[test]
    fn changelog_line_goes_under_unreleased_added() {
        let dir = std::env::temp_dir().join(format!("xtask-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("CHANGELOG.md");
        std::fs::write(&p, "# Changelog\n\n## [Unreleased]\n\n### Fixed\n- x\n\n## [0.1.0]\n### Added\n- old\n")
            .unwrap();
        add_changelog_line(&p, "- new").unwrap();
        let t = std::fs::read_to_string(&p).unwrap();
        assert!(t.starts_with("# Changelog\n\n## [Unreleased]\n\n### Added\n- new\n"), "{t}");
        assert!(t.ends_with("### Added\n- old\n"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
