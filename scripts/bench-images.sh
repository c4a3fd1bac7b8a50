#!/usr/bin/env bash
# shellcheck shell=bash disable=SC2154 # runs, slow_runs, scale, bin and work are set by scripts/bench.sh
# Section `images` of scripts/bench.sh (sourced; run alone: scripts/bench-images.sh [--runs N]).
# Container images. A Debian base (debootstrap minbase) made into an image
# by umoci (gzip layer) and written by skopeo as a docker-save archive
# (uncompressed layer), as an oci-archive (gzip layer) and with zstd layers; the same image with a 512 MB
# layer more shows that memory does not grow with the archive. Built once
# and cached under target/bench/ (needs the Debian mirror the first time).
# Targets: `scan --image` of the docker-save archive within 2x of reading
# it once (`cat`), under 100 MB whatever the archive's size; hostile
# archives (gzip bomb, 1 GiB-declared member, escaping links) under 2 s.

section_images() {
  local images=$PWD/target/bench rootfs archive
  archive=$images/debian-bookworm.docker.tar
  echo
  echo "== images: scan --image"
  need_packages umoci skopeo || { skipped "images" "umoci and skopeo are not installed and could not be"; return 0; }
  if [ ! -s "$archive" ] || [ ! -s "$images/debian-bigger.docker.tar" ] || [ ! -s "$images/debian.oci.tar" ]; then
    rootfs=$(debian_rootfs) || { skipped "images" "no Debian minbase root (debootstrap needs root and the mirror)"; return 0; }
    rm -rf "$images/oci" "$images/oci-zstd" "$work/bundle" "$work/bigger"
    umoci init --layout "$images/oci"
    umoci new --image "$images/oci:debian"
    umoci unpack --image "$images/oci:debian" "$work/bundle" >/dev/null
    cp -a "$rootfs/." "$work/bundle/rootfs/"
    umoci repack --history.created_by "debootstrap --variant=minbase bookworm" --image "$images/oci:debian" "$work/bundle"
    umoci unpack --image "$images/oci:debian" "$work/bigger" >/dev/null
    head -c 512M /dev/urandom >"$work/bigger/rootfs/usr/share/random.bin"
    umoci repack --image "$images/oci:bigger" "$work/bigger"
    skopeo copy -q --insecure-policy "oci:$images/oci:debian" "docker-archive:$archive:debian:bookworm"
    skopeo copy -q --insecure-policy "oci:$images/oci:bigger" "docker-archive:$images/debian-bigger.docker.tar:debian:bigger"
    skopeo copy -q --insecure-policy --dest-compress-format zstd "oci:$images/oci:debian" "oci:$images/oci-zstd:debian"
    rm -f "$images/debian.oci.tar"
    skopeo copy -q --insecure-policy "oci:$images/oci:debian" "oci-archive:$images/debian.oci.tar:debian"
    rm -rf "$work/bundle" "$work/bigger"
  fi
  umoci unpack --image "$images/oci:debian" "$work/unpacked" >/dev/null

  # Hostile image archives (built with Python's tarfile, which writes any name).
  python3 - "$work" <<'PY'
import gzip, hashlib, io, json, sys, tarfile
out = sys.argv[1]
def member(name, kind=tarfile.REGTYPE, data=b"", link="", declared=None):
    ti = tarfile.TarInfo(name); ti.type = kind; ti.linkname = link; ti.mode = 0o644
    ti.size = len(data) if declared is None else declared
    buf = ti.tobuf(format=tarfile.USTAR_FORMAT)
    return buf + data + b"\0" * (-len(data) % 512)
def layer(*members): return b"".join(members) + b"\0" * 1024
def archive(path, blobs):
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(b).hexdigest() for b in blobs]}}).encode()
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as t:
        names = [f"l{i}.tar" for i in range(len(blobs))]
        man = json.dumps([{"Config": "config.json", "RepoTags": ["hostile:latest"], "Layers": names}]).encode()
        for name, data in [("manifest.json", man), ("config.json", cfg)] + list(zip(names, blobs)):
            ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
base = layer(member("etc/passwd", data=b"root:x:0:0:root:/root:/bin/bash\n"),
             member("etc/ssh/sshd_config", data=b"Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\n"))
hostile = layer(member("../../../../../../tmp/hc-bench-escape"), member("/tmp/hc-bench-abs"),
    member("etc/ssh/sshd_config.d/99.conf", tarfile.SYMTYPE, link="/etc/shadow"),
    member("etc/sudoers.d/up", tarfile.SYMTYPE, link="../../../../../../etc/shadow"),
    member("etc/motd", tarfile.LNKTYPE, link="/etc/shadow"),
    member("etc/ssh/sshd_config.d/50.conf", tarfile.FIFOTYPE), member("etc/dev", tarfile.CHRTYPE),
    member("etc/group", data=b"a\n"), member("etc/group", data=b"b\n"),
    member("etc/x", data=b"x"), member("etc/x/y", data=b"y"))
archive(f"{out}/hostile.tar", [base, gzip.compress(hostile)])
zeros = gzip.compress(b"\0" * (32 << 20), 1)
bomb = gzip.compress(member("var/bomb", declared=4 << 30)) + zeros * 32
archive(f"{out}/bomb.tar", [base, bomb])
big = member("usr/share/big.bin", data=b"a few bytes", declared=1 << 30)
archive(f"{out}/declared.tar", [base, big])
PY

  # A profile of one cheap check: what reading the image costs, apart from
  # the checks (startup and check loading are the same for --root).
  printf 'name = "one"\ndescription = "one check"\ninclude = ["ssh.permit-root-login"]\n' >"$work/one.toml"
  echo "  image archive: $(du -m "$archive" | cut -f1) MB docker-save of Debian bookworm minbase"
  measure "cat docker-save archive" cat "$archive"
  measure "--image docker-save (uncompressed)" "$bin" scan --image "$archive" --format json
  measure "--root umoci unpack (same tree)" "$bin" scan --root "$work/unpacked/rootfs" --format json
  measure "--image docker-save, one check" "$bin" scan --image "$archive" --profile "$work/one.toml" --format json
  measure "--root umoci unpack, one check" "$bin" scan --root "$work/unpacked/rootfs" --profile "$work/one.toml" --format json
  measure "--image OCI layout, gzip layer" "$bin" scan --image "$images/oci:debian" --format json
  measure "--image OCI layout, zstd layer" "$bin" scan --image "$images/oci-zstd:debian" --format json
  measure "--image oci-archive, gzip layer ($(du -m "$images/debian.oci.tar" | cut -f1) MB)" "$bin" scan --image "$images/debian.oci.tar" --format json
  echo "  bigger archive: $(du -m "$images/debian-bigger.docker.tar" | cut -f1) MB (the same image plus a 512 MB layer)"
  measure "--image docker-save +512 MB layer" "$bin" scan --image "$images/debian-bigger.docker.tar" --format json
  measure "--image hostile members" "$bin" scan --image "$work/hostile.tar" --format json
  measure "--image gzip bomb (1 GiB in 1 MB)" "$bin" scan --image "$work/bomb.tar" --format json
  measure "--image 1 GiB-declared member" "$bin" scan --image "$work/declared.tar" --format json
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then exec "$(dirname "$0")/bench.sh" "$@" images; fi
