#!/usr/bin/env bash
# Benchmark: wall time and peak memory (max RSS) of hardcheck scans, printed
# as figures. Not a test: run it by hand or in a perf job.
#   scripts/bench.sh [RUNS]
# Targets on a 2-core machine: a default live scan under 0.5 s and 50 MB; a
# --root scan of a hostile tree (FIFO, symlink loop, escaping and absolute
# symlinks, 200 MB sparse file) under 2 s; `scan --image` of a ~200 MB
# docker-save archive of Debian within 2x of reading the archive once
# (`cat`), under 100 MB of memory whatever the archive's size; hostile image
# archives (gzip bomb, 1 GiB-declared member, escaping links) under 2 s.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
if [ ! -x /usr/bin/time ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time
fi
cargo build --release --locked -q
bin=$PWD/target/release/hardcheck
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A root filesystem made of every passing fixture, merged.
merged=$work/merged
mkdir -p "$merged"
for d in tests/fixtures/*/*/pass/*/; do cp -a "$d". "$merged"/ 2>/dev/null || true; done

# The hostile tree of the acceptance criteria.
hostile=$work/hostile
mkdir -p "$hostile/etc/ssh" "$hostile/etc/sysctl.d" "$hostile/etc/sudoers.d"
mkfifo "$hostile/etc/ssh/sshd_config"
ln -s 20-b.conf "$hostile/etc/sysctl.d/10-a.conf"
ln -s 10-a.conf "$hostile/etc/sysctl.d/20-b.conf"
printf 'root ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n' > "$hostile/etc/sudoers"
ln -s ../../../../../../../../etc/passwd "$hostile/etc/sudoers.d/escape"
ln -s /etc/passwd "$hostile/etc/sudoers.d/absolute"
truncate -s 200M "$hostile/etc/login.defs"
cp -a /etc/passwd "$hostile/etc/passwd" 2>/dev/null || true

measure() {
  local name=$1; shift
  local times=() mems=()
  for _ in $(seq "$runs"); do
    # Exit code 1 (a gate failed) is a result, not a benchmark failure.
    /usr/bin/time -o "$work/time" -f '%e %M' "$@" >/dev/null 2>&1 || true
    out=$(tail -n1 "$work/time")
    times+=("${out% *}"); mems+=("${out#* }")
  done
  local med max
  med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  max=$(printf '%s\n' "${mems[@]}" | sort -n | tail -n1)
  printf '%-34s median %6.3f s   peak RSS %6.1f MB   (%d runs)\n' "$name" "$med" "$(awk -v m="$max" 'BEGIN { print m / 1024 }')" "$runs"
}

echo "hardcheck $($bin --version | cut -d' ' -f2) · $(nproc) cores · $(uname -r)"
echo "checks: $($bin checks list --format json | grep -c '"id"')"
measure "live host, profile baseline" "$bin" scan --format json
measure "live host, profile server" "$bin" scan --profile server --format json
measure "--root merged pass fixtures" "$bin" scan --root "$merged" --format json
measure "--root hostile tree" "$bin" scan --root "$hostile" --format json

# Container images. A Debian base (debootstrap minbase) made into an image
# by umoci (gzip layer) and written by skopeo as a docker-save archive
# (uncompressed layer) and with zstd layers; the same image with a 512 MB
# layer more shows that memory does not grow with the archive. Built once
# and cached under target/bench/ (needs the Debian mirror the first time).
images=$PWD/target/bench
archive=$images/debian-bookworm.docker.tar
if [ ! -s "$archive" ] || [ ! -s "$images/debian-bigger.docker.tar" ]; then
  missing=()
  for tool in debootstrap umoci skopeo python3; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  mkdir -p "$images"
  rm -rf "$images/oci" "$images/oci-zstd" "$work/bundle" "$work/bigger"
  if [ ! -d "$images/rootfs/etc" ]; then
    debootstrap --variant=minbase bookworm "$images/rootfs" http://deb.debian.org/debian >/dev/null
  fi
  umoci init --layout "$images/oci"
  umoci new --image "$images/oci:debian"
  umoci unpack --image "$images/oci:debian" "$work/bundle" >/dev/null
  cp -a "$images/rootfs/." "$work/bundle/rootfs/"
  umoci repack --history.created_by "debootstrap --variant=minbase bookworm" --image "$images/oci:debian" "$work/bundle"
  umoci unpack --image "$images/oci:debian" "$work/bigger" >/dev/null
  head -c 512M /dev/urandom >"$work/bigger/rootfs/usr/share/random.bin"
  umoci repack --image "$images/oci:bigger" "$work/bigger"
  skopeo copy -q --insecure-policy "oci:$images/oci:debian" "docker-archive:$archive:debian:bookworm"
  skopeo copy -q --insecure-policy "oci:$images/oci:bigger" "docker-archive:$images/debian-bigger.docker.tar:debian:bigger"
  skopeo copy -q --insecure-policy --dest-compress-format zstd "oci:$images/oci:debian" "oci:$images/oci-zstd:debian"
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
echo "image archive: $(du -m "$archive" | cut -f1) MB docker-save of Debian bookworm minbase"
measure "cat docker-save archive" cat "$archive"
measure "--image docker-save (uncompressed)" "$bin" scan --image "$archive" --format json
measure "--root umoci unpack (same tree)" "$bin" scan --root "$work/unpacked/rootfs" --format json
measure "--image docker-save, one check" "$bin" scan --image "$archive" --profile "$work/one.toml" --format json
measure "--root umoci unpack, one check" "$bin" scan --root "$work/unpacked/rootfs" --profile "$work/one.toml" --format json
measure "--image OCI layout, gzip layer" "$bin" scan --image "$images/oci:debian" --format json
measure "--image OCI layout, zstd layer" "$bin" scan --image "$images/oci-zstd:debian" --format json
echo "bigger archive: $(du -m "$images/debian-bigger.docker.tar" | cut -f1) MB (the same image plus a 512 MB layer)"
measure "--image docker-save +512 MB layer" "$bin" scan --image "$images/debian-bigger.docker.tar" --format json
measure "--image hostile members" "$bin" scan --image "$work/hostile.tar" --format json
measure "--image gzip bomb (1 GiB in 1 MB)" "$bin" scan --image "$work/bomb.tar" --format json
measure "--image 1 GiB-declared member" "$bin" scan --image "$work/declared.tar" --format json
