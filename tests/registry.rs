//! Registry invariants, as tests rather than review checklists.

mod common;

use common::*;
use std::collections::BTreeSet;
use std::path::Path;

fn list() -> Vec<serde_json::Value> {
    let out = bin().args(["checks", "list", "--format", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).unwrap()
}

#[test]
fn checks_list_covers_the_core_domains() {
    let checks = list();
    let cats: BTreeSet<&str> = checks.iter().map(|c| c["category"].as_str().unwrap()).collect();
    for cat in ["ssh", "accounts", "permissions", "kernel", "logging", "updates"] {
        assert!(cats.contains(cat), "no {cat} checks");
    }
    assert!(checks.len() >= 55, "only {} checks", checks.len());
    for c in &checks {
        let id = c["id"].as_str().unwrap();
        assert!(["info", "low", "medium", "high", "critical"].contains(&c["severity"].as_str().unwrap()), "{id}");
        assert!(!c["fix"].as_str().unwrap().trim().is_empty(), "{id}: no fix");
        assert!(!c["rationale"].as_str().unwrap().trim().is_empty(), "{id}: no rationale");
        let refs = c["references"].as_object().unwrap();
        assert!(refs.values().any(|v| !v.as_array().unwrap().is_empty()), "{id}: no reference");
        assert_eq!(c["origin"], format!("checks/{}.yaml", id.replacen('.', "/", 1)), "{id}");
    }
}

#[test]
fn every_check_has_pass_and_fail_fixtures() {
    let root = fixtures();
    let mut missing = Vec::new();
    for c in list() {
        let id = c["id"].as_str().unwrap();
        let dir = root.join(id.replacen('.', "/", 1));
        // A live-only check can only skip on an offline fixture; its pass and
        // fail behaviour is tested against real sockets (tests/live_*.rs).
        // Live database checks (probe database_live) likewise skip without
        // `--db`; they are tested against real servers (tests/live_db.rs).
        let live = c["live_only"] == true || c["probe"] == "database_live";
        let verdicts: &[&str] = if live { &["skip"] } else { &["pass", "fail"] };
        for &verdict in verdicts {
            let scenarios: Vec<_> = std::fs::read_dir(dir.join(verdict))
                .map(|rd| rd.flatten().filter(|e| e.path().is_dir()).collect())
                .unwrap_or_default();
            if scenarios.is_empty() {
                missing.push(format!("{id}: no {verdict} fixture"));
            }
            if verdict == "fail" {
                for s in scenarios {
                    if !s.path().with_extension("evidence").exists() {
                        missing.push(format!("{id}: {} has no .evidence", s.path().display()));
                    }
                }
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn fixture_directories_name_existing_checks() {
    let ids: BTreeSet<String> = list().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect();
    for cat in std::fs::read_dir(fixtures()).unwrap().flatten() {
        let cat_name = cat.file_name().to_string_lossy().into_owned();
        // Scenario trees, and the layer trees of the image tests.
        if cat_name == "scenarios" || cat_name == "images" {
            continue;
        }
        for check in std::fs::read_dir(cat.path()).unwrap().flatten() {
            let id = format!("{cat_name}.{}", check.file_name().to_string_lossy());
            assert!(ids.contains(&id), "fixtures for unknown check {id}");
        }
    }
}

#[test]
fn every_probe_is_used_and_every_profile_plans() {
    let used: BTreeSet<String> = list().iter().filter_map(|c| c["probe"].as_str().map(str::to_string)).collect();
    for p in hardcheck::checks::probes::names() {
        assert!(used.contains(p), "probe {p} is used by no check");
    }
    let checks: Vec<_> =
        hardcheck::checks::definition::load_all(&[]).unwrap().into_iter().map(std::sync::Arc::new).collect();
    for name in hardcheck::checks::profile::builtin_names() {
        let mut p = hardcheck::checks::profile::load(&name).unwrap_or_else(|e| panic!("{name}: {e}"));
        // A benchmark profile selects the checks of its controls (as `scan` does).
        hardcheck::audit::controls::select(&mut p).unwrap_or_else(|e| panic!("{name}: {e}"));
        let plan = p.plan(&checks).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!plan.is_empty(), "{name} selects nothing");
    }
    assert!(hardcheck::checks::profile::builtin_names().len() >= 3);
}

#[test]
fn explain_prints_the_definition_text() {
    for c in list().iter().take(200) {
        let id = c["id"].as_str().unwrap();
        let out = bin().args(["checks", "explain", id]).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let first_words: String =
            c["rationale"].as_str().unwrap().split_whitespace().take(4).collect::<Vec<_>>().join(" ");
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(&first_words), "{id}: explain lacks the rationale");
        assert!(text.contains(&format!("defined in: checks/{}.yaml", id.replacen('.', "/", 1))), "{id}");
    }
}

#[test]
fn definitions_live_in_their_category_folder() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("checks");
    for cat in std::fs::read_dir(&base).unwrap().flatten() {
        for f in std::fs::read_dir(cat.path()).unwrap().flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            assert!(name.ends_with(".yaml"), "{}: definitions end in .yaml", f.path().display());
        }
    }
}

/// Every fact of the registry is read by a built-in check (in `sources:`,
/// or through the probe it runs), or a fact built over one that is; every
/// dependency names a fact; every check's `sources:` and `probe:` exist.
/// A fact kept only for users' own checks says so in the registry.
#[test]
fn every_fact_is_used_and_every_source_exists() {
    use hardcheck::checks::{definition, probes};
    use hardcheck::facts::{self, FACTS};
    let checks = definition::load_all(&[]).unwrap();
    let mut used: BTreeSet<&str> = BTreeSet::new();
    for c in &checks {
        for s in &c.def.sources {
            assert!(facts::find(s).is_some(), "{}: unknown source {s}", c.def.id);
            used.insert(facts::find(s).unwrap().name);
        }
        if let Some(p) = &c.def.probe {
            let probe = probes::find(p).unwrap_or_else(|| panic!("{}: unknown probe {p}", c.def.id));
            for f in probe.facts {
                used.insert(facts::find(f).unwrap_or_else(|| panic!("probe {p} reads unknown fact {f}")).name);
            }
        }
    }
    // A fact something used is built over is used too.
    let mut grew = true;
    while grew {
        grew = false;
        let now: Vec<_> = FACTS.iter().filter(|f| used.contains(f.name)).collect();
        for f in now {
            for d in f.depends {
                let d = facts::find(d).unwrap_or_else(|| panic!("fact {} depends on unknown fact {d}", f.name));
                grew |= used.insert(d.name);
            }
        }
    }
    let names: Vec<&str> = facts::names().collect();
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(names.len(), unique.len(), "a fact name is registered twice");
    for f in FACTS {
        assert_eq!(
            used.contains(f.name),
            !f.for_user_checks,
            "fact {}: used by a built-in check: {}",
            f.name,
            used.contains(f.name)
        );
        assert!(!f.summary.trim().is_empty(), "fact {} has no summary", f.name);
    }
    for p in probes::PROBES {
        for f in p.facts {
            assert!(facts::find(f).is_some(), "probe {} reads unknown fact {f}", p.name);
        }
    }
}

/// A probe's parameters are typed: an unknown key, a misspelt value or a
/// value of the wrong type is a definition error with the file and line,
/// when the definitions load; defaults are filled in.
#[test]
fn probe_params_are_checked_when_definitions_load() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, params: &str| {
        let text = format!(
            "id: custom.{name}\ntitle: t\ncategory: custom\nseverity: low\nrationale: r\nfix: f\n\
             references: {{cis: [\"1\"]}}\nprobe: sql_scripts\nparams:\n{params}"
        );
        let d = dir.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(format!("{name}.yaml")), text).unwrap();
        d
    };
    let cases = [
        ("typo-key", "  concern: any_host\n  app_path: [/srv]\n", 11, "app_path"),
        ("typo-value", "  concern: any-host\n", 10, "any-host"),
        ("wrong-type", "  concern: any_host\n  app_paths: 3\n", 11, "app_paths"),
    ];
    for (name, params, line, word) in cases {
        let d = write(name, params);
        let out = bin().args(["checks", "list", "--checks"]).arg(&d).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}: {}", String::from_utf8_lossy(&out.stdout));
        let err = String::from_utf8_lossy(&out.stderr);
        let file = format!("{}/{name}.yaml:{line}:", d.display());
        assert!(err.contains(&file), "{name}: expected {file} in: {err}");
        assert!(err.contains(word), "{name}: expected `{word}` in: {err}");
    }
    let d = write("fine", "  concern: any_host\n");
    let out = bin().args(["checks", "explain", "custom.fine", "--checks"]).arg(&d).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\"app_paths\":[\"/srv\""), "defaults are filled in: {text}");
}

/// `cargo xtask new-check` scaffolds with `TODO`s; none may be left in a
/// definition or a probe.
#[test]
fn no_scaffold_todo_is_left() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut left = Vec::new();
    let mut dirs = vec![root.join("checks"), root.join("src/checks/probes")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            for (i, line) in text.lines().enumerate() {
                if line.contains("TODO") {
                    left.push(format!("{}:{}: {}", p.strip_prefix(root).unwrap().display(), i + 1, line.trim()));
                }
            }
        }
    }
    assert!(left.is_empty(), "scaffold TODOs left:\n{}", left.join("\n"));
}

/// Help texts are complete (issue 16): no "…" standing for a value the
/// reader must guess, in the fix, rationale or title the binary prints, nor
/// anywhere in a definition (messages and evidence details it builds).
#[test]
fn help_texts_have_no_placeholder_ellipsis() {
    let mut bad = Vec::new();
    for c in list() {
        for field in ["title", "fix", "rationale"] {
            if c[field].as_str().is_some_and(|t| t.contains('…')) {
                bad.push(format!("{} {field}", c["id"]));
            }
        }
    }
    fn walk(dir: &Path, bad: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, bad);
            } else if p.extension().is_some_and(|x| x == "yaml") {
                let text = std::fs::read_to_string(&p).unwrap();
                for (i, line) in text.lines().enumerate() {
                    if line.contains('…') && !line.trim_start().starts_with('#') {
                        bad.push(format!("{}:{}", p.display(), i + 1));
                    }
                }
            }
        }
    }
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("checks"), &mut bad);
    assert!(bad.is_empty(), "unfilled \"…\" placeholders: {bad:#?}");
}

/// The built-in definitions load without compiling their CEL (a scan
/// compiles only what it runs); here every one of them is compiled, as a
/// user's `--checks` definition is when it loads, and a compile error
/// names the file and line.
#[test]
fn every_builtin_predicate_compiles() {
    use hardcheck::checks::definition;
    let all = definition::load_all(&[]).unwrap();
    let mut compiled = 0;
    for (file, text) in definition::embedded_checks() {
        let check = definition::parse(file, text).unwrap_or_else(|e| panic!("{e}"));
        let lazy = all.iter().find(|c| c.def.id == check.def.id).unwrap();
        let (now, later) = (check.predicate().unwrap(), lazy.predicate().unwrap());
        assert_eq!(now.for_each.is_some(), later.for_each.is_some(), "{file}");
        compiled += usize::from(now.expect.is_some());
    }
    assert!(compiled > 100, "only {compiled} definitions have a predicate");
    // An expression that does not compile is still found, with its line.
    let bad = "id: ssh.bad\ntitle: t\ncategory: ssh\nseverity: low\nrationale: r\nfix: f\nsources: [sshd]\nfor_each: \"[1]\"\nexpect: \"it ==\"\n";
    let e = definition::parse("checks/ssh/bad.yaml", bad).unwrap_err().to_string();
    assert!(e.starts_with("checks/ssh/bad.yaml:9: `expect`: invalid CEL"), "{e}");
}
