//! Images built by real tools from the fixture trees in
//! tests/fixtures/images: umoci makes a base layer, a layer that adds
//! misconfigurations and a layer that deletes files (umoci writes the
//! whiteouts), with gzip layers; skopeo converts the image to a
//! docker-archive (uncompressed layers), an OCI archive and an OCI layout
//! with zstd layers (and the docker-archive is also unpacked by `tar`, as a
//! directory whose layers are symlinks). Every form must fail exactly like
//! `--root` on umoci's own unpack of the same image. Needs `umoci` and
//! `skopeo` (scripts/test.sh installs them) and root (fixture owners).

mod common;

use common::oci::{run, umoci_layer as layer};
use common::{apply_modes, bin, copy_tree, fixtures};
use hardcheck::target::ImageTarget;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

type Finding = (String, Option<String>, Option<u64>);

fn modes(root: &Path, name: &str) {
    let text = std::fs::read_to_string(fixtures().join("images").join(name)).unwrap();
    apply_modes(root, &text).unwrap();
}

/// The images, built once per test run under the target directory.
fn built() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("image_tools");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let fx = fixtures().join("images");
        run(&dir, "umoci", &["init", "--layout", "oci"]);
        run(&dir, "umoci", &["new", "--image", "oci:img"]);
        layer(&dir, "b1", "base layer", |rootfs| {
            copy_tree(&fx.join("base"), rootfs);
            modes(rootfs, "base.modes");
        });
        let config = ["--config.user", "app", "--config.env", "APP_ENV=prod", "--config.exposedports", "8080/tcp"];
        let label = ["--config.label", "org.example.team=platform", "--history.created_by", "USER app"];
        run(&dir, "umoci", &[&["config", "--image", "oci:img"][..], &config, &label].concat());
        run(&dir, "umoci", &["tag", "--image", "oci:img", "base"]);
        layer(&dir, "b2", "misconfig layer", |rootfs| {
            copy_tree(&fx.join("misconfig"), rootfs);
            modes(rootfs, "misconfig.modes");
        });
        run(&dir, "umoci", &["tag", "--image", "oci:img", "misconfig"]);
        layer(&dir, "b3", "cleanup layer", |rootfs| {
            let list = std::fs::read_to_string(fx.join("cleanup.delete")).unwrap();
            for path in list.lines().filter(|l| l.starts_with('/')) {
                let p = rootfs.join(path.trim_start_matches('/'));
                let gone = if p.is_dir() { std::fs::remove_dir_all(&p) } else { std::fs::remove_file(&p) };
                gone.unwrap_or_else(|e| panic!("cleanup.delete {path}: {e}"));
            }
        });
        run(&dir, "umoci", &["unpack", "--image", "oci:img", "final"]);
        let copy = |args: &[&str]| run(&dir, "skopeo", &[&["copy", "--quiet", "--insecure-policy"][..], args].concat());
        copy(&["oci:oci:img", "docker-archive:docker.tar:example/app:1.0"]);
        copy(&["oci:oci:img", "oci-archive:oci.tar:img"]);
        copy(&["--dest-compress-format", "zstd", "oci:oci:img", "oci:zstd:img"]);
        // `docker save` unpacked by hand: a directory whose layers are links.
        std::fs::create_dir(dir.join("docker-dir")).unwrap();
        run(&dir, "tar", &["-xf", "docker.tar", "-C", "docker-dir"]);
        dir
    })
}

fn scan(args: &[&str]) -> (i32, Value, String) {
    let out = bin().arg("scan").args(args).args(["--format", "json"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), report, stderr)
}

fn image(form: &str) -> String {
    format!("{}/{form}", built().display())
}

/// File findings of failed checks; image checks (which only an image has)
/// are left to tests/image_checks.rs.
fn failing(report: &Value) -> BTreeSet<Finding> {
    let mut out = BTreeSet::new();
    let results = report["results"].as_array().unwrap().iter();
    for r in results.filter(|r| r["status"] == "fail" && !r["category"].as_str().unwrap_or("").eq("image")) {
        for e in r["evidence"].as_array().unwrap() {
            out.insert((
                r["id"].as_str().unwrap().to_string(),
                e["path"].as_str().map(String::from),
                e["line"].as_u64(),
            ));
        }
    }
    out
}

fn has(set: &BTreeSet<Finding>, id: &str, path: &str, line: Option<u64>) -> bool {
    set.contains(&(id.to_string(), Some(path.to_string()), line))
}

#[test]
fn every_archive_form_fails_like_the_unpacked_root() {
    // The zstd form really has zstd layers (skopeo did not fall back to gzip).
    let zstd_layout = built().join("zstd");
    let index: Value = serde_json::from_slice(&std::fs::read(zstd_layout.join("index.json")).unwrap()).unwrap();
    let digest = index["manifests"][0]["digest"].as_str().unwrap().replace(':', "/");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(zstd_layout.join("blobs").join(digest)).unwrap()).unwrap();
    let types: Vec<&str> =
        manifest["layers"].as_array().unwrap().iter().map(|l| l["mediaType"].as_str().unwrap()).collect();
    assert!(!types.is_empty() && types.iter().all(|t| t.ends_with("+zstd")), "{types:?}");
    // The same profile on both sides (an image defaults to `container`).
    let rootfs = built().join("final/rootfs");
    let (code, root, stderr) = scan(&["--root", rootfs.to_str().unwrap(), "--profile", "container"]);
    assert!(code == 0 || code == 1, "{stderr}");
    let want = failing(&root);
    // The misconfigurations of the second layer are found…
    assert!(has(&want, "ssh.permit-root-login", "/etc/ssh/sshd_config.d/50-legacy.conf", Some(1)), "{want:?}");
    assert!(has(&want, "accounts.sudo-nopasswd", "/etc/sudoers.d/nopasswd", Some(1)), "{want:?}");
    assert!(has(&want, "accounts.uid0-only-root", "/etc/passwd", Some(2)), "{want:?}");
    assert!(has(&want, "permissions.world-writable-etc", "/etc/app.conf", None), "{want:?}");
    for form in ["oci:img", "docker.tar", "oci.tar", "zstd:img", "docker-dir"] {
        let (code, report, stderr) = scan(&["--image", &image(form)]);
        assert!(code == 0 || code == 1, "{form}: {stderr}");
        assert_eq!(report["target"]["kind"], "image", "{form}");
        assert_eq!(report["profile"], "container", "{form}: an image is scanned with the container profile by default");
        let got = failing(&report);
        let (extra, missing): (Vec<_>, Vec<_>) = (got.difference(&want).collect(), want.difference(&got).collect());
        assert_eq!(got, want, "{form}: image-only {extra:?}, root-only {missing:?}");
        // …and nothing the third layer deleted is reported.
        let text = report["results"].to_string();
        assert!(!text.contains("temp-nopasswd") && !text.contains("/opt/app/config"), "{form}");
        assert_eq!(report["skipped"], Value::Array(vec![]), "{form}");
    }
}

#[test]
fn files_are_reported_while_no_upper_layer_deletes_them() {
    // The same image before its cleanup layer: the deleted files fail there,
    // so their absence above is the whiteouts' doing.
    let (_, report, stderr) = scan(&["--image", &image("oci:misconfig")]);
    let got = failing(&report);
    assert!(has(&got, "passwords.app-config-weak-secret", "/opt/app/config/db.env", Some(2)), "{got:?} {stderr}");
    assert!(has(&got, "accounts.sudo-nopasswd", "/etc/sudoers.d/temp-nopasswd", Some(1)), "{got:?}");
}

#[test]
fn reports_name_the_image_and_the_layer_that_wrote_each_file() {
    let path = image("docker.tar");
    let (_, report, _) = scan(&["--image", &path]);
    let target = &report["target"];
    assert_eq!(target["path"], path.as_str());
    assert_eq!(target["image"]["tags"], serde_json::json!(["docker.io/example/app:1.0"]));
    assert_eq!(target["image"]["platform"], "linux/amd64");
    assert_eq!(target["image"]["format"], "docker-archive");
    let layers = ImageTarget::open(&path, None).unwrap().layers();
    assert_eq!(layers.len(), 3);
    assert!(target["image"]["digest"].as_str().unwrap().starts_with("sha256:"));
    let layer_of = |id: &str, file: &str| {
        let r = report["results"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap();
        let e = r["evidence"].as_array().unwrap().iter().find(|e| e["path"] == file).unwrap();
        e["layer"].clone()
    };
    let l = layer_of("accounts.sudo-nopasswd", "/etc/sudoers.d/nopasswd");
    assert_eq!(l["index"], 1);
    assert_eq!(l["diff_id"], layers[1].diff_id.as_str());
    assert_eq!(l["created_by"], "misconfig layer");
    let l = layer_of("ssh.max-auth-tries", "/etc/ssh/sshd_config");
    assert_eq!((l["index"].as_u64(), l["created_by"].as_str()), (Some(0), Some("base layer")));
    // The OCI forms name the manifest digest the layout's index gives.
    let (_, report, _) = scan(&["--image", &image("oci:img")]);
    let index: Value = serde_json::from_slice(&std::fs::read(built().join("oci/index.json")).unwrap()).unwrap();
    let img = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == "img");
    assert_eq!(report["target"]["image"]["digest"], img.unwrap()["digest"]);
    assert_eq!(report["target"]["image"]["tags"], serde_json::json!(["img"]));
    // A root filesystem's evidence has no layer.
    let (_, root, _) = scan(&["--root", built().join("final/rootfs").to_str().unwrap()]);
    assert!(!root["results"].to_string().contains("\"layer\""));
    assert!(root["target"].get("image").is_none());
}

#[test]
fn the_image_config_is_typed() {
    let img = ImageTarget::open(&image("oci.tar"), None).unwrap();
    let c = img.config();
    assert_eq!(c.user.as_deref(), Some("app"));
    assert!(c.env.contains(&("APP_ENV".to_string(), "prod".to_string())), "{:?}", c.env);
    assert_eq!(c.exposed_ports, ["8080/tcp"]);
    assert_eq!(c.labels.get("org.example.team").map(String::as_str), Some("platform"));
    assert_eq!(c.platform(), "linux/amd64");
    let steps: Vec<(&str, bool)> =
        c.history.iter().map(|h| (h.created_by.as_deref().unwrap_or(""), h.empty_layer)).collect();
    assert_eq!(
        steps,
        [("base layer", false), ("USER app", true), ("misconfig layer", false), ("cleanup layer", false)]
    );
    assert!(img.refused().is_empty() && img.problems().is_empty());
}

#[test]
fn a_layout_with_several_images_needs_a_tag() {
    let layout = image("oci");
    let (code, _, stderr) = scan(&["--image", &layout]);
    assert_eq!(code, 2);
    assert!(stderr.contains("several images") && stderr.contains("base, misconfig, img"), "{stderr}");
    assert!(stderr.contains(&format!("--image {layout}:TAG")), "{stderr}");
    let (code, _, stderr) = scan(&["--image", &format!("{layout}:nope")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no image tagged `nope`") && stderr.contains("base, misconfig, img"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let (code, report, _) = scan(&["--image", &format!("{layout}:base")]);
    assert_eq!(code, 0);
    assert!(!has(&failing(&report), "accounts.sudo-nopasswd", "/etc/sudoers.d/nopasswd", Some(1)));
    // Two tags of one image are one image: no tag needed, both reported.
    let two = built().join("two-tags");
    let _ = std::fs::remove_dir_all(&two);
    copy_tree(&built().join("zstd"), &two);
    run(built(), "umoci", &["tag", "--image", "two-tags:img", "latest"]);
    let (code, report, stderr) = scan(&["--image", two.to_str().unwrap()]);
    assert!(code == 0 || code == 1, "{stderr}");
    assert_eq!(report["target"]["image"]["tags"], serde_json::json!(["img", "latest"]));
}

#[test]
fn a_missing_blob_is_fatal_and_named() {
    let copy = built().join("missing-blob");
    let _ = std::fs::remove_dir_all(&copy);
    copy_tree(&built().join("zstd"), &copy);
    let json = |p: PathBuf| -> Value { serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() };
    let blob = |digest: &Value| copy.join("blobs/sha256").join(digest.as_str().unwrap().trim_start_matches("sha256:"));
    let manifest = json(blob(&json(copy.join("index.json"))["manifests"][0]["digest"]));
    let last = blob(&manifest["layers"][2]["digest"]);
    std::fs::remove_file(&last).unwrap();
    let (code, _, stderr) = scan(&["--image", copy.to_str().unwrap()]);
    assert_eq!(code, 2);
    let name = format!("blobs/sha256/{}", last.file_name().unwrap().to_str().unwrap());
    assert!(stderr.contains(&name) && stderr.contains("not in the layout"), "{stderr}");
}
