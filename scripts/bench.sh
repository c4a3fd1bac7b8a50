#!/usr/bin/env bash
# Benchmark: wall time and peak memory (max RSS) of hardcheck scans, printed
# as figures next to their targets, and a table of every figure at the end.
# Not a test: run it by hand or in a perf job (docs/benchmarks.md says what
# each section measures, and holds the figures of a run).
#   scripts/bench.sh [--runs N] [--slow-runs N] [--scale F] [--keep] [SECTION]...
#     --runs N       runs per cheap scan, median taken (default 10; the old
#                    form `scripts/bench.sh N` still works); scale and
#                    OpenSCAP run min(N, 3) times
#     --slow-runs N  runs of Lynis (about a minute each; default 1)
#     --scale F      scale trees at F times the issue's sizes (default 1)
#     --keep         keep the generated scale trees in target/bench/scale/
#                    for the next run (default: removed once measured)
# Sections (default all, in this order):
#   live       default live scan against the targets (under 0.15 s wall,
#              40 MB peak on 2 cores: PASS/MISS), the server profile, the
#              merged pass fixtures, a hostile tree
#   passwords  roots with one real yescrypt or SHA-512 hash, three hashes,
#              50 hashed accounts: default scan time
#   scale      generated roots (scripts/gen-scale.py): 400k files, 10,000
#              accounts with and without real hashes, 2,000 nginx server
#              blocks, 100k files in /home; each at 0, 1/4, 1/2 and full
#              size, with the ratio per doubling
#   anchors    Lynis and OpenSCAP (ssg-debian), installed from Debian when
#              missing, timed on this host next to hardcheck, with ratios
#   images     scan --image of docker-save, OCI layout and hostile archives
# Everything generated goes under target/bench/ (the Debian minbase root and
# the image archives stay there as a cache: `rm -rf target/bench` frees it).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
# shellcheck source=scripts/bench-live.sh
. scripts/bench-live.sh
# shellcheck source=scripts/bench-passwords.sh
. scripts/bench-passwords.sh
# shellcheck source=scripts/bench-scale.sh
. scripts/bench-scale.sh
# shellcheck source=scripts/bench-anchors.sh
. scripts/bench-anchors.sh
# shellcheck source=scripts/bench-images.sh
. scripts/bench-images.sh

ALL_SECTIONS=(live passwords scale anchors images)
usage() { sed -n '6,28p' "$0" | sed 's/^# \{0,1\}//'; }
runs=10 slow_runs=1 scale=1 keep=0 sections=()
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=${2:?--runs N}; shift 2 ;;
    --slow-runs) slow_runs=${2:?--slow-runs N}; shift 2 ;;
    --scale) scale=${2:?--scale F}; shift 2 ;;
    --keep) keep=1; shift ;;
    [0-9]*) runs=$1; shift ;;
    all) sections+=("${ALL_SECTIONS[@]}"); shift ;;
    live | passwords | scale | anchors | images) sections+=("$1"); shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[ ${#sections[@]} -gt 0 ] || sections=("${ALL_SECTIONS[@]}")

command -v python3 >/dev/null || need_packages python3
cargo build --release --locked -q
bin=$PWD/target/release/hardcheck
mkdir -p target/bench
work=$(mktemp -d "$PWD/target/bench/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
write_measure_helper
: >"$work/figures.tsv"

echo "hardcheck $($bin --version | cut -d' ' -f2) · $($bin checks list --format json | grep -c '"id"') checks · $(nproc) cores · $(uname -r) · $(date -u +%Y-%m-%dT%H:%MZ)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (figures are noisier on a busy machine)"
for BENCH_SECTION in "${sections[@]}"; do
  "section_$BENCH_SECTION"
  echo "load average after $BENCH_SECTION: $(cut -d' ' -f1-3 /proc/loadavg)"
done
print_figures
