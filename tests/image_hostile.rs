//! Hand-made image archives: hostile members (climbing and absolute names,
//! links aimed at a host file holding a canary, devices and FIFOs,
//! duplicate and conflicting entries, truncated streams, a 1 GiB-declared
//! member, a gzip bomb, an oversized PAX header) are refused one by one with
//! a reason and never followed; the scan ends with exit 0 or 1, never a
//! panic, and nothing is written on the host. Also: whiteouts, opaque
//! directories, hard links and on-demand reads through the library, and the
//! fatal errors of `scan --image` (exit 2).

mod common;

use common::bin;
use flate2::write::GzEncoder;
use hardcheck::model::Status;
use hardcheck::target::{FileType, ImageTarget, ReadError, Target};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One tar member, name and link as raw bytes (nothing validated).
struct M {
    name: Vec<u8>,
    kind: tar::EntryType,
    mode: u32,
    link: Vec<u8>,
    data: Vec<u8>,
    declared: Option<u64>,
}

fn member(name: &str, kind: tar::EntryType, link: &str, data: &[u8]) -> M {
    M { name: name.into(), kind, mode: 0o644, link: link.into(), data: data.to_vec(), declared: None }
}

fn file(name: &str, data: &str) -> M {
    member(name, tar::EntryType::Regular, "", data.as_bytes())
}

fn dir(name: &str) -> M {
    M { mode: 0o755, ..member(name, tar::EntryType::Directory, "", b"") }
}

fn symlink(name: &str, to: &str) -> M {
    M { mode: 0o777, ..member(name, tar::EntryType::Symlink, to, b"") }
}

fn hardlink(name: &str, to: &str) -> M {
    member(name, tar::EntryType::Link, to, b"")
}

fn header(m: &M) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    let old = h.as_old_mut();
    old.name[..m.name.len()].copy_from_slice(&m.name);
    old.linkname[..m.link.len()].copy_from_slice(&m.link);
    h.set_mode(m.mode);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_size(m.declared.unwrap_or(m.data.len() as u64));
    h.set_entry_type(m.kind);
    h.set_cksum();
    h
}

/// A tar stream of `members`, with its end-of-archive blocks.
fn tar_of(members: &[M]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in members {
        out.extend_from_slice(header(m).as_bytes());
        out.extend_from_slice(&m.data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend([0u8; 1024]);
    out
}

/// A layer: its uncompressed tar (for the diff id) and the blob as stored.
struct Layer {
    tar: Vec<u8>,
    blob: Vec<u8>,
}

fn plain(tar: Vec<u8>) -> Layer {
    Layer { blob: tar.clone(), tar }
}

fn gzip(tar: Vec<u8>) -> Layer {
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar).unwrap();
    Layer { blob: gz.finish().unwrap(), tar }
}

fn zstd(tar: Vec<u8>) -> Layer {
    let blob = ruzstd::encoding::compress_to_vec(&tar[..], ruzstd::encoding::CompressionLevel::Fastest);
    Layer { blob, tar }
}

fn sha(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

fn config(layers: &[Layer], arch: &str, variant: Option<&str>) -> Vec<u8> {
    let history: Vec<Value> = (0..layers.len()).map(|i| json!({"created_by": format!("step {i}")})).collect();
    let diff_ids: Vec<String> = layers.iter().map(|l| sha(&l.tar)).collect();
    let mut c = json!({
        "architecture": arch, "os": "linux",
        "config": {"User": "1000", "Healthcheck": {"Test": ["CMD", "/bin/true"], "Retries": 3}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids}, "history": history,
    });
    if let Some(v) = variant {
        c["variant"] = json!(v);
    }
    serde_json::to_vec(&c).unwrap()
}

/// A `docker save` archive of one image; `skip` names layer files left out.
fn docker_archive(path: &Path, layers: &[Layer], skip: Option<usize>) {
    let cfg = config(layers, "amd64", None);
    let cfg_name = format!("{}.json", sha(&cfg).trim_start_matches("sha256:"));
    let names: Vec<String> = (0..layers.len()).map(|i| format!("l{i}/layer.tar")).collect();
    let manifest = json!([{"Config": cfg_name, "RepoTags": ["hostile:latest"], "Layers": names}]);
    let mut b = tar::Builder::new(std::fs::File::create(path).unwrap());
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, data).unwrap();
    };
    add("manifest.json", &serde_json::to_vec(&manifest).unwrap());
    add(&cfg_name, &cfg);
    for (i, l) in layers.iter().enumerate() {
        if skip != Some(i) {
            add(&names[i], &l.blob);
        }
    }
    b.into_inner().unwrap().flush().unwrap();
}

/// An OCI layout directory with one manifest per `(arch, variant, layers)`.
fn oci_layout(dir: &Path, images: &[(&str, Option<&str>, Vec<Layer>)]) {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| {
        let d = sha(bytes);
        std::fs::write(blobs.join(d.trim_start_matches("sha256:")), bytes).unwrap();
        json!({"mediaType": "", "digest": d, "size": bytes.len()})
    };
    let mut manifests = Vec::new();
    for (arch, variant, layers) in images {
        let mut cfg = put(&config(layers, arch, *variant));
        cfg["mediaType"] = json!("application/vnd.oci.image.config.v1+json");
        let ls: Vec<Value> = layers.iter().map(|l| put(&l.blob)).collect();
        let m = json!({"schemaVersion": 2, "config": cfg, "layers": ls});
        let mut desc = put(&serde_json::to_vec(&m).unwrap());
        desc["mediaType"] = json!("application/vnd.oci.image.manifest.v1+json");
        desc["platform"] = json!({"os": "linux", "architecture": arch, "variant": variant});
        manifests.push(desc);
    }
    let index = json!({"schemaVersion": 2, "manifests": manifests});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
}

fn scan(image: &Path, extra: &[&str]) -> (i32, String, String) {
    let out = bin().arg("scan").arg("--image").arg(image).args(extra).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

fn scan_json(image: &Path, extra: &[&str]) -> Value {
    let (code, stdout, stderr) = scan(image, &[&["--format", "json"][..], extra].concat());
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"))
}

fn status<'a>(report: &'a Value, id: &str) -> &'a str {
    let r = report["results"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap();
    r["status"].as_str().unwrap()
}

fn skipped_reason(report: &Value, path: &str) -> String {
    let list = report["skipped"].as_array().unwrap();
    let hit = list.iter().find(|s| s["path"] == path);
    hit.map(|s| s["reason"].as_str().unwrap().to_string()).unwrap_or_else(|| panic!("{path} not in {list:?}"))
}

fn base_layer() -> Vec<M> {
    vec![
        dir("etc/"),
        file("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"),
        dir("etc/ssh/"),
        dir("etc/ssh/sshd_config.d/"),
        file("etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\n"),
        dir("etc/sudoers.d/"),
        file("etc/sudoers", "root ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n"),
    ]
}

#[test]
fn hostile_members_are_refused_with_a_reason_and_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let canary = tmp.path().join("canary");
    std::fs::write(&canary, "PermitRootLogin without-password\nHARDCHECK-CANARY-1b9e\n").unwrap();
    let canary_abs = canary.to_str().unwrap();
    let climb = format!("../../../../../../../..{canary_abs}");
    let pid = std::process::id();
    let escape_dotdot = format!("../../../../../../../../tmp/hc-escape-{pid}-dotdot");
    let escape_abs = format!("/tmp/hc-escape-{pid}-abs");
    let hostile = vec![
        file(&escape_dotdot, "written outside\n"),
        file(&escape_abs, "written outside\n"),
        symlink("etc/ssh/sshd_config.d/99-canary.conf", canary_abs),
        symlink("etc/sudoers.d/escape", &climb),
        hardlink("etc/motd", canary_abs),
        hardlink("etc/issue", &climb),
        hardlink("etc/issue.net", canary_abs.trim_start_matches('/')),
        member("etc/evil-dev", tar::EntryType::Char, "", b""),
        member("etc/ssh/sshd_config.d/50-fifo.conf", tar::EntryType::Fifo, "", b""),
        file("etc/group", "root:x:0:\n"),
        file("etc/group", "root:x:0:evil\n"),
        file("etc/hostname", "box\n"),
        file("etc/hostname/x", "conflict\n"),
        symlink("etc/lnk", "/tmp"),
        file("etc/lnk/evil", "through a symlink\n"),
        member("etc/volume", tar::EntryType::new(b'V'), "", b""),
    ];
    let archive = tmp.path().join("hostile.tar");
    docker_archive(&archive, &[plain(tar_of(&base_layer())), gzip(tar_of(&hostile))], None);
    let report = scan_json(&archive, &[]);
    // The real misconfiguration is still found; nothing of the canary is read.
    assert_eq!(status(&report, "ssh.permit-root-login"), "fail");
    let reasons = [
        (escape_dotdot.as_str(), "climbs out of the image"),
        (escape_abs.as_str(), "absolute name"),
        ("/etc/sudoers.d/escape", "climbs out of the image (not followed)"),
        ("/etc/motd", "hard link target refused: absolute name"),
        ("/etc/issue", "climbs out"),
        ("/etc/issue.net", "which is not in the image"),
        ("/etc/evil-dev", "char-device kept as inert metadata"),
        ("/etc/group", "duplicate entry in this layer"),
        ("/etc/hostname/x", "parent /etc/hostname is not a directory"),
        ("/etc/lnk/evil", "parent /etc/lnk is a symlink (not followed)"),
        ("/etc/volume", "unsupported member type"),
    ];
    for (path, why) in reasons {
        let reason = skipped_reason(&report, path);
        assert!(reason.starts_with("layer 1 (sha256:") && reason.contains(why), "{path}: {reason}");
    }
    for format in ["json", "table", "sarif", "junit", "html", "markdown"] {
        let (code, stdout, stderr) = scan(&archive, &["--format", format]);
        assert!(code == 0 || code == 1, "{format}: exit {code}: {stderr}");
        assert!(!stdout.contains("HARDCHECK-CANARY") && !stderr.contains("HARDCHECK-CANARY"), "{format}");
    }
    for written in [format!("/tmp/hc-escape-{pid}-dotdot"), escape_abs.clone()] {
        assert!(!Path::new(&written).exists(), "{written} was written on the host");
    }
    let names: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    // Through the library: links resolve inside the image, specials stay inert.
    let img = ImageTarget::open(archive.to_str().unwrap(), None).unwrap();
    // An absolute link restarts at the image root: the host file is never
    // reached, and the image has no such path (as `--root` would say).
    let link = "/etc/ssh/sshd_config.d/99-canary.conf";
    assert_eq!(img.read_link(link).unwrap(), canary_abs);
    assert!(img.read_text(link).unwrap_err().is_not_found());
    let fifo = img.read_text("/etc/ssh/sshd_config.d/50-fifo.conf").unwrap_err();
    assert!(matches!(fifo, ReadError::NotRegular { kind: "fifo", .. }), "{fifo:?}");
    assert_eq!(img.lstat("/etc/evil-dev").unwrap().file_type, FileType::CharDevice);
    assert_eq!(img.read_text("/etc/group").unwrap().text, "root:x:0:\n");
    assert!(img.lstat("/etc/sudoers.d/escape").unwrap_err().is_not_found());
    assert!(img.problems().is_empty(), "{:?}", img.problems());
}

/// A scan of an image whose second layer cannot be read to its end.
fn incomplete(second: Layer, why: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("broken.tar");
    docker_archive(&archive, &[plain(tar_of(&base_layer())), second], None);
    let report = scan_json(&archive, &[]);
    let problem = skipped_reason(&report, archive.to_str().unwrap());
    assert!(problem.starts_with("layer 1 (sha256:") && problem.contains(why), "{problem}");
    // What was found stays a failure; nothing passes on an incomplete image.
    assert_eq!(status(&report, "ssh.permit-root-login"), "fail");
    let results = report["results"].as_array().unwrap();
    assert!(results.iter().all(|r| r["status"] != "pass"));
    let err = results.iter().find(|r| r["status"] == "error").unwrap();
    assert!(err["message"].as_str().unwrap().contains("the image is incomplete (layer 1"), "{err}");
}

#[test]
fn a_member_declared_past_the_end_leaves_the_image_incomplete() {
    let mut big = file("usr/share/big.bin", "only a few bytes");
    big.declared = Some(1 << 30);
    let mut tar = tar_of(&[file("etc/motd", "hello\n"), big]);
    tar.truncate(tar.len() - 1024);
    incomplete(plain(tar.clone()), "truncated: usr/share/big.bin declares 1073741824 bytes past the end of the layer");
    incomplete(gzip(tar), "truncated: usr/share/big.bin declares 1073741824 bytes");
}

#[test]
fn a_truncated_compressed_stream_leaves_the_image_incomplete() {
    let data = "x".repeat(300_000);
    let mut layer = gzip(tar_of(&[file("etc/big.conf", &data), file("etc/after.conf", "y\n")]));
    layer.blob.truncate(layer.blob.len() / 2);
    incomplete(layer, "");
    let mut layer = zstd(tar_of(&[file("etc/big.conf", &data)]));
    layer.blob.truncate(layer.blob.len() / 2);
    incomplete(layer, "");
}

#[test]
fn a_gzip_bomb_stops_with_an_error_naming_the_layer() {
    // A 4 GiB member of zeros: one gzip member for the header, then the same
    // gzip member of 32 MiB of zeros repeated (gzip allows concatenation).
    let mut head = file("var/bomb", "");
    head.declared = Some(4 << 30);
    let mut stream = tar_of(&[head]);
    stream.truncate(512);
    let mut blob = gzip(stream).blob;
    let zeros = gzip(vec![0u8; 32 << 20]).blob;
    for _ in 0..16 {
        blob.extend_from_slice(&zeros);
    }
    incomplete(Layer { tar: Vec::new(), blob }, "decompressed size exceeds 256 MiB (possible decompression bomb)");
}

#[test]
fn an_oversized_pax_header_is_refused_without_reading_it_into_memory() {
    let mut pax = member("PaxHeaders/x", tar::EntryType::XHeader, "", b"");
    let record = format!("{} comment={}\n", 2_000_017, "a".repeat(2_000_000));
    pax.data = record.into_bytes();
    let tar = tar_of(&[pax, file("etc/motd", "hi\n")]);
    incomplete(plain(tar.clone()), "larger than 1 MiB");
    incomplete(gzip(tar), "larger than 1 MiB");
}

#[test]
fn layers_apply_whiteouts_opaque_directories_and_links_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let mut tool = file("usr/bin/tool", "#!/bin/sh\n");
    tool.mode = 0o4755;
    let lower = vec![
        file("etc/app/a.conf", "a\n"),
        file("etc/app/sub/b.conf", "b\n"),
        file("etc/keep.conf", "keep\n"),
        file("etc/gone.conf", "gone\n"),
        tool,
        hardlink("usr/bin/tool2", "usr/bin/tool"),
        symlink("etc/abs", "/etc/keep.conf"),
        symlink("etc/loop1", "loop2"),
        symlink("etc/loop2", "loop1"),
    ];
    let upper = vec![
        dir("etc/app/"),
        file("etc/app/.wh..wh..opq", ""),
        file("etc/app/new.conf", "new\n"),
        file("etc/.wh.gone.conf", ""),
        file("etc/same.conf", "same layer\n"),
        file("etc/.wh.same.conf", ""),
    ];
    for (i, (lo, up)) in
        [(plain as fn(Vec<u8>) -> Layer, gzip as fn(Vec<u8>) -> Layer), (zstd, plain)].iter().enumerate()
    {
        let path = tmp.path().join(format!("layers{i}.tar"));
        docker_archive(&path, &[lo(tar_of(&lower)), up(tar_of(&upper))], None);
        let img = ImageTarget::open(path.to_str().unwrap(), None).unwrap();
        let names: Vec<String> = img.read_dir("/etc/app").unwrap().into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["new.conf"]);
        assert!(img.lstat("/etc/gone.conf").unwrap_err().is_not_found());
        assert_eq!(img.read_text("/etc/same.conf").unwrap().text, "same layer\n");
        assert_eq!(img.read_text("/etc/abs").unwrap().text, "keep\n");
        assert!(matches!(img.read_text("/etc/loop1"), Err(ReadError::SymlinkLoop { .. })));
        let tool2 = img.stat("/usr/bin/tool2").unwrap();
        assert_eq!((tool2.mode, tool2.file_type), (0o4755, FileType::File));
        assert_eq!(img.read_text("/usr/bin/tool2").unwrap().text, "#!/bin/sh\n");
        assert_eq!(img.layer_of("/etc/app/new.conf").unwrap().index, 1);
        assert_eq!(img.layer_of("/etc/abs").unwrap().index, 0);
        assert_eq!(img.layer_of("/etc/keep.conf").unwrap().created_by.as_deref(), Some("step 0"));
        let c = img.config();
        assert_eq!(
            c.healthcheck.as_ref().map(|h| (h.test.clone(), h.retries)),
            Some((vec!["CMD".into(), "/bin/true".into()], Some(3)))
        );
        assert_eq!(c.user.as_deref(), Some("1000"));
    }
}

#[test]
fn files_left_in_their_layer_are_read_again_on_demand() {
    let tmp = tempfile::tempdir().unwrap();
    // Larger than what is kept in memory outside the places checks read.
    let big: String = (0..4000).map(|i| format!("line {i}\n")).collect();
    let members = || tar_of(&[file("usr/share/doc/big.txt", &big), file("usr/share/doc/after.txt", "after\n")]);
    for (i, layer) in [plain(members()), gzip(members()), zstd(members())].into_iter().enumerate() {
        let path = tmp.path().join(format!("l{i}.tar"));
        docker_archive(&path, &[layer], None);
        let img = ImageTarget::open(path.to_str().unwrap(), None).unwrap();
        assert_eq!(img.read_text("/usr/share/doc/big.txt").unwrap().text, big, "layer form {i}");
        assert_eq!(img.read_text("/usr/share/doc/after.txt").unwrap().text, "after\n");
    }
}

#[test]
fn a_multi_platform_index_picks_linux_amd64_unless_told() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("multi");
    let layer = |root_login: &str| {
        let sshd = format!("PermitRootLogin {root_login}\n");
        plain(tar_of(&[dir("etc/"), dir("etc/ssh/"), file("etc/ssh/sshd_config", &sshd)]))
    };
    oci_layout(&layout, &[("arm64", Some("v8"), vec![layer("no")]), ("amd64", None, vec![layer("yes")])]);
    let report = scan_json(&layout, &[]);
    assert_eq!(report["target"]["image"]["platform"], "linux/amd64");
    assert_eq!(report["target"]["image"]["format"], "oci-layout");
    assert_eq!(status(&report, "ssh.permit-root-login"), "fail");
    let report = scan_json(&layout, &["--platform", "linux/arm64"]);
    assert_eq!(report["target"]["image"]["platform"], "linux/arm64/v8");
    assert_eq!(status(&report, "ssh.permit-root-login"), "pass");
    let (code, _, stderr) = scan(&layout, &["--platform", "linux/s390x"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no image for platform linux/s390x (platforms: linux/arm64/v8, linux/amd64)"), "{stderr}");
    let (code, _, stderr) = scan(&layout, &["--platform", "s390x"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--platform s390x: expected OS/ARCH"), "{stderr}");
    // The same layout packed as one tar (an OCI archive).
    let packed = tmp.path().join("multi.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&packed).unwrap());
    b.append_dir_all(".", &layout).unwrap();
    b.into_inner().unwrap().flush().unwrap();
    let report = scan_json(&packed, &["--platform", "linux/arm64/v8"]);
    assert_eq!(report["target"]["image"]["format"], "oci-archive");
    assert_eq!(status(&report, "ssh.permit-root-login"), "pass");
}

#[test]
fn unreadable_targets_are_usage_errors_with_one_clear_line() {
    let tmp = tempfile::tempdir().unwrap();
    let text = tmp.path().join("notes.txt");
    std::fs::write(&text, "just text, not a tar archive\n".repeat(40)).unwrap();
    let gz = tmp.path().join("image.tar.gz");
    std::fs::write(&gz, gzip(tar_of(&base_layer())).blob).unwrap();
    let missing_layer = tmp.path().join("missing-layer.tar");
    docker_archive(&missing_layer, &[plain(tar_of(&base_layer())), plain(tar_of(&[file("x", "")]))], Some(1));
    let empty_dir = tmp.path().join("empty");
    std::fs::create_dir(&empty_dir).unwrap();
    // A layout whose layer blob is a link to a file outside it.
    let linked = tmp.path().join("linked");
    let layer = plain(tar_of(&base_layer()));
    let hex = sha(&layer.blob).trim_start_matches("sha256:").to_string();
    oci_layout(&linked, &[("amd64", None, vec![layer])]);
    let blob = linked.join("blobs/sha256").join(&hex);
    std::fs::rename(&blob, tmp.path().join("outside")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("outside"), &blob).unwrap();
    let leaves = format!("the manifest names blobs/sha256/{hex}, a link that leaves the directory");
    let cases: [(PathBuf, &str); 6] = [
        (text, "not a docker save archive, an OCI image layout or an OCI archive (not a tar archive)"),
        (gz, "the archive is gzip-compressed; decompress it first"),
        (tmp.path().join("nowhere.tar"), "nowhere.tar: not found"),
        (missing_layer, "the manifest names l1/layer.tar, which is not in the archive"),
        (empty_dir, "no manifest.json (docker save) or index.json (OCI layout)"),
        (linked, &leaves),
    ];
    for (path, want) in cases {
        let (code, stdout, stderr) = scan(&path, &[]);
        assert_eq!(code, 2, "{}: {stderr}", path.display());
        assert!(stdout.is_empty());
        assert!(stderr.contains(want), "{}: {stderr}", path.display());
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

#[test]
fn pass_results_of_a_complete_image_are_not_degraded() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("ok.tar");
    docker_archive(&archive, &[plain(tar_of(&base_layer()))], None);
    let img = ImageTarget::open(archive.to_str().unwrap(), None).unwrap();
    assert!(img.problems().is_empty() && img.refused().is_empty());
    let report = scan_json(&archive, &[]);
    let statuses: Vec<&str> =
        report["results"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert!(statuses.contains(&Status::Pass.as_str()), "{statuses:?}");
    assert_eq!(report["skipped"], json!([]));
}

#[test]
fn layers_named_through_links_are_followed_inside_the_archive_only() {
    // Older `docker save` links a shared layer's `ID/layer.tar` to one copy.
    let tmp = tempfile::tempdir().unwrap();
    let layer = plain(tar_of(&base_layer()));
    let cfg = config(std::slice::from_ref(&layer), "amd64", None);
    let outer = |link: &str| {
        let manifest = json!([{"Config": "config.json", "RepoTags": ["linked:1"], "Layers": ["abc/layer.tar"]}]);
        tar_of(&[
            file("manifest.json", &manifest.to_string()),
            member("config.json", tar::EntryType::Regular, "", &cfg),
            dir("abc/"),
            symlink("abc/layer.tar", link),
            member("shared/layer.tar", tar::EntryType::Regular, "", &layer.blob),
        ])
    };
    let good = tmp.path().join("good.tar");
    std::fs::write(&good, outer("../shared/layer.tar")).unwrap();
    let unpacked = tmp.path().join("unpacked");
    std::fs::create_dir(&unpacked).unwrap();
    let untar = std::process::Command::new("tar").arg("-xf").arg(&good).arg("-C").arg(&unpacked).status().unwrap();
    assert!(untar.success());
    for path in [&good, &unpacked] {
        let report = scan_json(path, &[]);
        assert_eq!(status(&report, "ssh.permit-root-login"), "fail", "{}", path.display());
        assert_eq!(report["target"]["image"]["tags"], json!(["linked:1"]));
    }
    let bad = tmp.path().join("bad.tar");
    std::fs::write(&bad, outer("../../../etc/passwd")).unwrap();
    let (code, _, stderr) = scan(&bad, &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("the manifest names abc/layer.tar, a link that leaves the archive"), "{stderr}");
}
