//! The generated reference docs (`docs/checks/*.md`, `docs/sources.md`) are
//! what the binary prints now: a definition, a profile or a fact changed
//! without regenerating them fails here. `HARDCHECK_BLESS=1 cargo test --test
//! docs_drift` rewrites them (and removes pages of categories that are gone).

mod common;
use common::bin;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn run(args: &[&str]) -> String {
    let out = bin().args(args).output().expect("run hardcheck");
    assert!(out.status.success(), "hardcheck {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn docs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs")
}

#[test]
fn generated_docs_are_current() {
    let bless = std::env::var_os("HARDCHECK_BLESS").is_some();
    let list: serde_json::Value = serde_json::from_str(&run(&["checks", "list", "--format", "json"])).unwrap();
    let cats: BTreeSet<String> =
        list.as_array().unwrap().iter().map(|c| c["category"].as_str().unwrap().to_string()).collect();
    assert!(cats.len() >= 12, "too few categories: {cats:?}");
    let mut pages: Vec<(PathBuf, String)> = vec![
        (docs().join("checks/README.md"), run(&["checks", "list", "--format", "markdown"])),
        (docs().join("sources.md"), run(&["sources", "--format", "markdown"])),
    ];
    for cat in &cats {
        let page = run(&["checks", "list", "--format", "markdown", "--category", cat]);
        pages.push((docs().join(format!("checks/{cat}.md")), page));
    }
    let mut stale = Vec::new();
    for (path, want) in &pages {
        let have = std::fs::read_to_string(path).unwrap_or_default();
        if &have != want {
            match bless {
                true => {
                    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                    std::fs::write(path, want).unwrap();
                }
                false => stale.push(path.display().to_string()),
            }
        }
    }
    // A page whose category no longer exists.
    for e in std::fs::read_dir(docs().join("checks")).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Some(cat) = name.strip_suffix(".md") else { continue };
        if cat != "README" && !cats.contains(cat) {
            match bless {
                true => std::fs::remove_file(e.path()).unwrap(),
                false => stale.push(format!("{} (no such category)", e.path().display())),
            }
        }
    }
    assert!(
        stale.is_empty(),
        "generated docs are stale; regenerate with `HARDCHECK_BLESS=1 cargo test --test docs_drift`:\n{}",
        stale.join("\n")
    );
}

#[test]
fn every_check_has_a_section_and_every_fact_a_row() {
    let list: serde_json::Value = serde_json::from_str(&run(&["checks", "list", "--format", "json"])).unwrap();
    for c in list.as_array().unwrap() {
        let (id, cat) = (c["id"].as_str().unwrap(), c["category"].as_str().unwrap());
        let page = run(&["checks", "list", "--format", "markdown", "--category", cat]);
        assert!(page.contains(&format!("\n## {id}\n")), "{id} has no section on the {cat} page");
        assert!(!page.contains("{location}"), "{cat}: a fix placeholder is left unfilled");
    }
    let sources: serde_json::Value = serde_json::from_str(&run(&["sources", "--format", "json"])).unwrap();
    let page = run(&["sources", "--format", "markdown"]);
    for f in sources.as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        assert!(page.contains(&format!("<a id=\"{name}\"></a>`{name}`")), "fact {name} has no row");
    }
}

#[test]
fn an_unknown_category_is_a_usage_error() {
    let out = bin().args(["checks", "list", "--format", "markdown", "--category", "sshh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`sshh` is not a category") && err.contains("ssh"), "{err}");
}

/// The README stays a newcomer's page (under 200 lines, linking into
/// `docs/`), and no relative link in the README, CONTRIBUTING.md, SECURITY.md
/// or `docs/` points at a file that does not exist.
#[test]
fn readme_is_short_and_every_relative_link_resolves() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.lines().count() < 200, "README.md has {} lines; move detail into docs/", readme.lines().count());
    assert!(readme.contains("./scripts/test.sh"), "the README must keep the test command");
    let mut files: Vec<PathBuf> =
        ["README.md", "CONTRIBUTING.md", "SECURITY.md"].iter().map(|f| root.join(f)).filter(|p| p.exists()).collect();
    let mut dirs = vec![docs()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            match p.is_dir() {
                true => dirs.push(p),
                false if p.extension().is_some_and(|x| x == "md") => files.push(p),
                false => {}
            }
        }
    }
    let link = regex::Regex::new(r"\]\(([^)#\s]+)(#[^)\s]*)?\)").unwrap();
    let mut broken = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for c in link.captures_iter(&text) {
            let target = &c[1];
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            if !f.parent().unwrap().join(target).exists() {
                broken.push(format!("{}: {target}", f.strip_prefix(root).unwrap().display()));
            }
        }
    }
    assert!(broken.is_empty(), "broken relative links:\n{}", broken.join("\n"));
}

/// The bounds the README states are the ones the code holds.
#[test]
fn readme_states_the_bounds_the_code_holds() {
    use hardcheck::limits;
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let text = readme.split_once("Bounds:").expect("the README states the bounds").1.replace('\n', " ");
    let thousands = |n: usize| {
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    let mib = |b: u64| format!("{} MiB", b >> 20);
    for stated in [
        format!("read up to {} and {} lines", mib(limits::FILE_BYTES), thousands(limits::FILE_LINES)),
        format!(
            "includes up to {} levels, {} files and {} per configuration",
            limits::INCLUDES.depth,
            limits::INCLUDES.files,
            mib(limits::INCLUDES.bytes)
        ),
        format!("a walk up to {} entries", thousands(limits::META_WALK_ENTRIES)),
        format!("a document up to {} values", thousands(limits::DOCUMENT_LEAVES)),
        format!("predicate {} s", limits::CHECK_TIME.as_secs()),
        format!("a scan {} s and {}", limits::SCAN_BUDGET.as_secs(), mib(limits::SCAN_MEMORY)),
    ] {
        assert!(text.contains(&stated), "the README's bounds do not say `{stated}`");
    }
}
