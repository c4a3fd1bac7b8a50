#!/usr/bin/env bash
# Benchmark: wall time and peak memory (max RSS) of hardcheck scans, printed
# as figures next to their targets. Not a test: run it by hand or in a perf
# job (docs/benchmarks.md says what each section measures, and the figures).
#   scripts/bench.sh [--runs N] [--slow-runs N] [--scale F] [all|live|scale|anchors|images]...
#     --runs N       runs per cheap scan, median taken (default 10; the old
#                    form `scripts/bench.sh N` still works); scale runs
#                    min(N, 3) per size
#     --slow-runs N  runs of Lynis (about a minute each; default 1)
#     --scale F      scale trees at F times the issue's sizes (default 1)
# Sections (default all, in this order):
#   live     default live scan and a --root with yescrypt hashes against the
#            targets (under 0.15 s wall, 40 MB peak on 2 cores: PASS/MISS),
#            the server profile, the merged pass fixtures, a hostile tree
#   scale    generated roots (scripts/gen-scale.py, cached in
#            target/bench/scale/): 400k files, 10,000 accounts with and
#            without hashes, 2,000 nginx server blocks, 100k files in /home;
#            each at 0, 1/4, 1/2 and full size, with per-element growth
#   anchors  Lynis and OpenSCAP (ssg-debian), installed from Debian when
#            missing, timed on this host next to hardcheck, with ratios
#   images   container images: docker-save, OCI layouts, hostile archives
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
# shellcheck source=scripts/bench-live.sh
. scripts/bench-live.sh
# shellcheck source=scripts/bench-scale.sh
. scripts/bench-scale.sh
# shellcheck source=scripts/bench-anchors.sh
. scripts/bench-anchors.sh
# shellcheck source=scripts/bench-images.sh
. scripts/bench-images.sh

usage() { sed -n '5,21p' "$0" | sed 's/^# \{0,1\}//'; }
runs=10 slow_runs=1 scale=1 sections=()
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=${2:?--runs N}; shift 2 ;;
    --slow-runs) slow_runs=${2:?--slow-runs N}; shift 2 ;;
    --scale) scale=${2:?--scale F}; shift 2 ;;
    [0-9]*) runs=$1; shift ;;
    all) sections+=(live scale anchors images); shift ;;
    live | scale | anchors | images) sections+=("$1"); shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[ ${#sections[@]} -gt 0 ] || sections=(live scale anchors images)

command -v python3 >/dev/null || need_packages python3
cargo build --release --locked -q
bin=$PWD/target/release/hardcheck
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
write_measure_helper

echo "hardcheck $($bin --version | cut -d' ' -f2) · $($bin checks list --format json | grep -c '"id"') checks · $(nproc) cores · $(uname -r) · $(date -u +%Y-%m-%dT%H:%MZ)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (figures are noisier on a busy machine)"
for section in "${sections[@]}"; do
  "section_$section"
  echo "load average after $section: $(cut -d' ' -f1-3 /proc/loadavg)"
done
