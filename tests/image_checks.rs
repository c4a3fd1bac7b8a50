//! Image checks, Dockerfile checks and the build-gating recipes of the
//! README, on an image built by real tools: umoci makes a base
//! layer (ending with a `CMD` step, as base images do), sets a secret in
//! `Env` and exposes Redis, and adds a layer "made by" `curl … | sh` that
//! brings a setuid helper and an SSH misconfiguration; skopeo saves it as a
//! docker-archive. The recipes' command lines are read from
//! the README, so the page and the test cannot drift. Needs `umoci`,
//! `skopeo`, root (fixture owners) and chroot (the Dockerfile-stage
//! recipe runs the binary with the image's root as `/`).

mod common;

use common::oci::{run, umoci_layer};
use common::{apply_modes, bin, copy_tree, details, fixtures, result};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const FETCH: &str = "RUN /bin/sh -c curl -fsSL https://get.example.com/install.sh | sh # buildkit";

fn built() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("image_checks");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let fx = fixtures().join("images");
        let modes = |root: &Path, name: &str| {
            apply_modes(root, &std::fs::read_to_string(fx.join(name)).unwrap()).unwrap();
        };
        run(&dir, "umoci", &["init", "--layout", "oci"]);
        run(&dir, "umoci", &["new", "--image", "oci:img"]);
        umoci_layer(&dir, "b1", "ADD rootfs.tar /", |rootfs| {
            copy_tree(&fx.join("base"), rootfs);
            modes(rootfs, "base.modes");
        });
        let cmd = ["config", "--image", "oci:img", "--config.cmd", "bash", "--history.created_by", "CMD [\"bash\"]"];
        run(&dir, "umoci", &cmd);
        let env = ["--config.env", "DB_PASSWORD=letmein", "--config.exposedports", "6379/tcp"];
        run(&dir, "umoci", &[&["config", "--image", "oci:img"][..], &env, &["--history.created_by", "ENV"]].concat());
        umoci_layer(&dir, "b2", FETCH, |rootfs| {
            copy_tree(&fx.join("misconfig"), rootfs);
            modes(rootfs, "misconfig.modes");
        });
        let copy = |args: &[&str]| run(&dir, "skopeo", &[&["copy", "--quiet", "--insecure-policy"][..], args].concat());
        copy(&["oci:oci:img", "docker-archive:app.tar:example/app:1.0"]);
        dir
    })
}

fn scan(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = bin().current_dir(dir).arg("scan").args(args).args(["--format", "json"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code().unwrap_or(-1), serde_json::from_slice(&out.stdout).unwrap_or(Value::Null), stderr)
}

#[test]
fn image_checks_judge_the_config_history_and_layers_in_every_form() {
    let dir = built();
    for form in ["oci:img", "app.tar"] {
        let (_, report, stderr) = scan(dir, &["--image", form, "--check", "image"]);
        assert_eq!(report["target"]["kind"], "image", "{form}: {stderr}");
        assert_eq!(result(&report, "image.runs-as-root")["status"], "fail", "{form}");
        let env = result(&report, "image.env-secrets");
        assert_eq!(env["status"], "fail", "{form}");
        assert!(details(env)[0].contains("DB_PASSWORD=****"), "{env}");
        assert!(!report.to_string().contains("letmein"), "{form}: the secret is printed");
        assert!(details(result(&report, "image.exposed-admin-ports"))[0].contains("6379/tcp (Redis)"), "{form}");
        assert_eq!(result(&report, "image.healthcheck")["status"], "fail", "{form}");
        // The build step is named with the layer it made.
        let fetch = result(&report, "image.history-remote-fetch");
        let ev = &fetch["evidence"][0];
        assert_eq!((ev["path"].clone(), ev["layer"]["index"].clone()), (Value::Null, 1.into()), "{fetch}");
        assert!(ev["layer"]["created_by"].as_str().unwrap().contains("curl -fsSL"), "{ev}");
        // The helper is setuid above the base; the base's files are not judged.
        let setuid = result(&report, "image.setuid-added");
        let paths: Vec<&str> =
            setuid["evidence"].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap()).collect();
        assert_eq!(paths, ["/usr/local/bin/helper"], "{form}: {setuid}");
        assert_eq!(setuid["evidence"][0]["layer"]["index"], 1, "{form}");
    }
    // A root filesystem is not an image: not applicable.
    let (_, root, _) = scan(dir, &["--root", dir.join("b2/rootfs").to_str().unwrap(), "--check", "image"]);
    assert_eq!(result(&root, "image.runs-as-root")["status"], "skip");
}

#[test]
fn the_table_names_the_layer_of_each_finding() {
    let out =
        bin().current_dir(built()).args(["scan", "--image", "app.tar", "--check", "image", "-v"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("/usr/local/bin/helper") && text.contains("layer 1 (sha256:"), "{text}");
}

/// The command line that follows `<!-- recipe: NAME -->` in README.md
/// (the fenced block's line starting with `RUN hardcheck`/`hardcheck`),
/// and the whole block.
fn recipe(name: &str) -> (Vec<String>, String) {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let marker = format!("<!-- recipe: {name} -->");
    let after = &doc[doc.find(&marker).unwrap_or_else(|| panic!("README.md has no {marker}"))..];
    let block: String = after.lines().skip(2).take_while(|l| !l.starts_with("```")).collect::<Vec<_>>().join("\n");
    let line = block.lines().map(|l| l.trim_start_matches("RUN ")).find(|l| l.starts_with("hardcheck ")).unwrap();
    (line.split_whitespace().map(str::to_string).collect(), block)
}

#[test]
fn the_ci_recipe_gates_on_an_image_archive_and_writes_sarif_naming_it() {
    let (words, _) = recipe("ci");
    assert!(words.contains(&"app.tar".to_string()), "{words:?}");
    let work = tempfile::tempdir().unwrap();
    std::fs::copy(built().join("app.tar"), work.path().join("app.tar")).unwrap();
    let out = bin().current_dir(work.path()).args(&words[1..]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("image.runs-as-root"));
    let sarif: Value = serde_json::from_slice(&std::fs::read(work.path().join("hardcheck.sarif")).unwrap()).unwrap();
    let text = sarif.to_string();
    assert!(text.contains("docker.io/example/app:1.0"), "the SARIF does not name the image");
    assert!(text.contains("\"layer\":{") && text.contains("image.env-secrets"), "{text}");
}

/// The shared libraries a binary loads (from `ldd`), to copy into a root.
fn libraries(binary: &Path) -> Vec<PathBuf> {
    let out = Command::new("ldd").arg(binary).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.split_whitespace().filter(|w| w.starts_with('/')).map(PathBuf::from).collect()
}

#[test]
fn the_dockerfile_recipe_gates_inside_the_build_with_the_container_profile() {
    let (words, block) = recipe("dockerfile");
    // The stage: the binary copied where the recipe puts it, into the
    // image's own root, which the build step runs in (Docker's builder
    // leaves /.dockerenv there).
    let dest = block.lines().find(|l| l.starts_with("COPY ")).and_then(|l| l.split_whitespace().last()).unwrap();
    let work = tempfile::tempdir().unwrap();
    run(work.path(), "umoci", &["unpack", "--image", &format!("{}/oci:img", built().display()), "stage"]);
    let root = work.path().join("stage/rootfs");
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_hardcheck"));
    for lib in libraries(&binary) {
        let to = root.join(lib.strip_prefix("/").unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&lib, &to).unwrap();
    }
    let to = root.join(dest.trim_start_matches('/'));
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(&binary, &to).unwrap();
    std::fs::write(root.join(".dockerenv"), "").unwrap();
    let out = Command::new("chroot").arg(&root).args(&words).env("NO_COLOR", "1").output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("inside a container (docker): profile container"), "{stdout}");
    assert!(stderr.contains("gate failed") && stderr.contains("ssh.permit-root-login"), "{stderr}");
}

#[test]
fn a_dockerfile_given_on_the_command_line_is_judged_with_an_image() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("Dockerfile");
    std::fs::write(&file, "FROM debian:12\nENV API_TOKEN=ghp_R2d2C3poBb8Kq7Lm4Nx9Zt6Yw1Vu5Ss0Hh3J\nCMD [\"app\"]\n")
        .unwrap();
    let (_, report, _) = scan(built(), &["--image", "app.tar", "--dockerfile", file.to_str().unwrap()]);
    let at = format!("{}:1", file.display());
    assert_eq!(common::evidence(result(&report, "dockerfile.user-root")), std::slice::from_ref(&at));
    assert_eq!(common::evidence(result(&report, "dockerfile.base-image-pinned")), [at]);
    assert_eq!(common::evidence(result(&report, "dockerfile.secrets")), [format!("{}:2", file.display())]);
    assert!(!report.to_string().contains("ghp_R2d2"), "the token is printed");
    // A file that is not there is a skip with the reason, not a pass.
    let (_, report, _) = scan(built(), &["--image", "app.tar", "--dockerfile", "/nonexistent/Dockerfile"]);
    assert_eq!(result(&report, "dockerfile.user-root")["status"], "skip");
}
