//! A tiny OCI image builder for image fixtures: a fixture scenario holding
//! `image/config.json` (an image configuration without `rootfs`; `os` and
//! `architecture` default to linux/amd64, and a history of one step per
//! layer is made up when it has none) and `image/layers/0/`,
//! `image/layers/1/`… (each a tree, applied in order) becomes an
//! uncompressed OCI image layout tagged `fixture:latest`. Modes and owners
//! come from the files themselves (set by the scenario's `.modes`).
#![allow(dead_code)]

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;

/// Run a real image tool in `dir`; panics with its stderr when it fails.
pub fn run(dir: &Path, program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e} (scripts/test.sh installs umoci and skopeo)"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{program} {args:?} failed: {stderr}");
}

/// Unpack the umoci image `oci:img` in `dir`, let `edit` change the tree,
/// repack it as a new layer made by `created_by`.
pub fn umoci_layer(dir: &Path, bundle: &str, created_by: &str, edit: impl FnOnce(&Path)) {
    run(dir, "umoci", &["unpack", "--image", "oci:img", bundle]);
    edit(&dir.join(bundle).join("rootfs"));
    run(dir, "umoci", &["repack", "--history.created_by", created_by, "--image", "oci:img", bundle]);
}

fn sha(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

fn put_blob(out: &Path, bytes: &[u8]) -> (String, usize) {
    let digest = sha(bytes);
    let dir = out.join("blobs/sha256");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(digest.trim_start_matches("sha256:")), bytes).unwrap();
    (digest, bytes.len())
}

/// One layer's tree as an uncompressed tar, modes and owners kept.
fn layer_tar(tree: &Path) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    b.mode(tar::HeaderMode::Complete);
    b.follow_symlinks(false);
    let mut entries: Vec<_> = walk(tree);
    entries.sort();
    for rel in entries {
        b.append_path_with_name(tree.join(&rel), &rel).unwrap();
    }
    b.into_inner().unwrap()
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let rel = std::path::PathBuf::from(e.file_name());
        out.push(rel.clone());
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()).into_iter().map(|r| rel.join(r)));
        }
    }
    out
}

/// Whether a scenario directory holds an image spec.
pub fn is_image_fixture(scenario: &Path) -> bool {
    scenario.join("image/config.json").is_file()
}

/// Build the OCI layout of `spec` (a scenario's `image/` directory) in `out`.
pub fn build(spec: &Path, out: &Path) {
    let mut config: Value = serde_json::from_str(&std::fs::read_to_string(spec.join("config.json")).unwrap()).unwrap();
    let mut layers: Vec<_> =
        std::fs::read_dir(spec.join("layers")).map(|rd| rd.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    layers.sort_by_key(|p| p.file_name().unwrap().to_string_lossy().parse::<u32>().unwrap());
    let mut diff_ids = Vec::new();
    let mut descriptors = Vec::new();
    for l in &layers {
        let (digest, size) = put_blob(out, &layer_tar(l));
        diff_ids.push(json!(digest));
        descriptors
            .push(json!({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest, "size": size}));
    }
    let c = config.as_object_mut().unwrap();
    c.entry("os").or_insert(json!("linux"));
    c.entry("architecture").or_insert(json!("amd64"));
    c.insert("rootfs".into(), json!({"type": "layers", "diff_ids": diff_ids}));
    if !c.contains_key("history") {
        let steps: Vec<Value> =
            (0..layers.len()).map(|i| json!({"created_by": format!("fixture layer {i}")})).collect();
        c.insert("history".into(), json!(steps));
    }
    let (cdigest, csize) = put_blob(out, serde_json::to_vec(&config).unwrap().as_slice());
    let manifest = json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdigest, "size": csize},
        "layers": descriptors,
    });
    let (mdigest, msize) = put_blob(out, serde_json::to_vec(&manifest).unwrap().as_slice());
    let index = json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest, "size": msize,
        "annotations": {"org.opencontainers.image.ref.name": "fixture:latest"}}]});
    std::fs::write(out.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    std::fs::write(out.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
}
