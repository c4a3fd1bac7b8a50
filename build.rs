//! Embeds every check definition (`checks/**.yaml`), profile
//! (`benchmarks-profiles/*.toml`, the top directory only) and control
//! catalog (`benchmarks-profiles/controls/*.toml`) into the binary.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, ext: &[&str], deep: bool, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            if deep {
                collect(&p, ext, deep, out);
            }
        } else if p.extension().and_then(|x| x.to_str()).is_some_and(|x| ext.contains(&x)) {
            out.push(p);
        }
    }
}

fn emit(name: &str, root: &Path, dir: &str, ext: &[&str], deep: bool, code: &mut String) {
    let mut files = Vec::new();
    collect(&root.join(dir), ext, deep, &mut files);
    files.sort();
    writeln!(code, "static {name}: &[(&str, &str)] = &[").unwrap();
    for f in files {
        let rel = f.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        writeln!(code, "    ({rel:?}, include_str!({:?})),", f.display().to_string()).unwrap();
    }
    writeln!(code, "];").unwrap();
}

/// Each check definition as JSON (the same order as `EMBEDDED_CHECKS`):
/// parsed from YAML here, at build time, so that a scan parses JSON, several
/// times faster. A file that does not parse here gets an empty string and
/// is parsed (and its error reported) from its YAML at run time.
fn emit_json(root: &Path, code: &mut String) {
    let mut files = Vec::new();
    collect(&root.join("checks"), &["yaml", "yml"], true, &mut files);
    files.sort();
    writeln!(code, "static EMBEDDED_CHECKS_JSON: &[&str] = &[").unwrap();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let opts = serde_saphyr::options! { strict_booleans: true };
        let json = serde_saphyr::from_str_with_options::<serde_json::Value>(&text, opts)
            .ok()
            .and_then(|v| serde_json::to_string(&v).ok())
            .unwrap_or_default();
        writeln!(code, "    {json:?},").unwrap();
    }
    writeln!(code, "];").unwrap();
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=checks");
    println!("cargo:rerun-if-changed=benchmarks-profiles");
    let mut code = String::new();
    emit("EMBEDDED_CHECKS", &root, "checks", &["yaml", "yml"], true, &mut code);
    emit_json(&root, &mut code);
    // Profiles are the top directory's files; `controls/` holds catalogs.
    emit("EMBEDDED_PROFILES", &root, "benchmarks-profiles", &["toml"], false, &mut code);
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out.join("embedded.rs"), code).unwrap();
    let mut catalogs = String::new();
    emit("EMBEDDED_CATALOGS", &root, "benchmarks-profiles/controls", &["toml"], false, &mut catalogs);
    std::fs::write(out.join("catalogs.rs"), catalogs).unwrap();
}
