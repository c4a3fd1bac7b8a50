//! Embeds every check definition (`checks/**.yaml`) and profile
//! (`benchmarks-profiles/*.toml`) into the binary.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, ext: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, ext, out);
        } else if p.extension().and_then(|x| x.to_str()).is_some_and(|x| ext.contains(&x)) {
            out.push(p);
        }
    }
}

fn emit(name: &str, root: &Path, dir: &str, ext: &[&str], code: &mut String) {
    let mut files = Vec::new();
    collect(&root.join(dir), ext, &mut files);
    files.sort();
    writeln!(code, "static {name}: &[(&str, &str)] = &[").unwrap();
    for f in files {
        let rel = f.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        writeln!(code, "    ({rel:?}, include_str!({:?})),", f.display().to_string()).unwrap();
    }
    writeln!(code, "];").unwrap();
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rerun-if-changed=checks");
    println!("cargo:rerun-if-changed=benchmarks-profiles");
    let mut code = String::new();
    emit("EMBEDDED_CHECKS", &root, "checks", &["yaml", "yml"], &mut code);
    emit("EMBEDDED_PROFILES", &root, "benchmarks-profiles", &["toml"], &mut code);
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("embedded.rs");
    std::fs::write(out, code).unwrap();
}
