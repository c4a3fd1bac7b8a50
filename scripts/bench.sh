#!/usr/bin/env bash
# Benchmark: wall time and peak memory (max RSS) of hardcheck scans, printed
# as figures. Not a test: run it by hand or in a perf job.
#   scripts/bench.sh [RUNS]
# Targets on a 2-core machine: a default live scan under 0.5 s and 50 MB; a
# --root scan of a hostile tree (FIFO, symlink loop, escaping and absolute
# symlinks, 200 MB sparse file) under 2 s.
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
