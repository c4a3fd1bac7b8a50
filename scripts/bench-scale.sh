#!/usr/bin/env bash
# shellcheck shell=bash disable=SC2154 # runs, scale, keep, bin and work are set by scripts/bench.sh
# Section `scale` of scripts/bench.sh (sourced; run alone: scripts/bench-scale.sh [--runs N] [--scale F]).
# Generated roots (scripts/gen-scale.py) at 0, 1/4, 1/2 and full size; for
# each, wall time and peak memory per size, the ratio per doubling
# (t(1/2) / t(1/4), t(1) / t(1/2): at most 2 when the cost grows no worse
# than linearly) and the growth of the cost per element over the empty
# root: (t(n) - t(0)) / n at full and at 1/2 against 1/4. Linear cost keeps
# that ratio near 1 (below 1 when part of the work is bounded); above 1.5
# is flagged NON-LINEAR. The trees are generated in target/bench/scale/ and
# removed once measured; with --keep they stay there as a cache (rebuilt
# when gen-scale.py changes).

# kind:full-size:what an element is
SCALE_SERIES=(
  "root:400000:files in a Debian-like root"
  "accounts:10000:accounts, all locked"
  "accounts-hashed:10000:accounts, 1 in 100 with a real hash (yescrypt or SHA-512)"
  "nginx:2000:nginx server blocks, snippet includes"
  "nginx-inline:2000:nginx server blocks, TLS settings inline"
  "home:100000:files under /home/*"
)
GROWTH_LIMIT=1.5

# scale_tree KIND N: the cached tree's path (generated when missing or stale).
scale_tree() {
  local kind=$1 n=$2 dir stamp sum
  dir=$PWD/target/bench/scale/$kind-$n
  stamp=$dir.stamp
  sum=$(sha256sum scripts/gen-scale.py | cut -d' ' -f1)
  if [ ! -d "$dir" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
    rm -rf "$dir" "$dir.tmp" "$stamp"
    mkdir -p "$(dirname "$dir")"
    python3 scripts/gen-scale.py "$kind" "$n" "$dir.tmp" >"$dir.count"
    mv "$dir.tmp" "$dir"
    echo "$sum" >"$stamp"
  fi
  echo "$dir"
}

# What the report says about a scan at scale: results by status, inputs
# not read, and every message about a limit or a budget (first three).
scale_summary() {
  python3 - "$1" <<'PY'
import collections, json, re, sys
r = json.load(open(sys.argv[1]))
st = collections.Counter(x["status"] for x in r["results"])
print(f"      {st['fail']} fail, {st['pass']} pass, {st['skip']} skip, {st['error']} error; "
      f"{len(r['skipped'])} inputs not read", end="")
limits = set()
def walk(v):
    if isinstance(v, dict):
        for x in v.values(): walk(x)
    elif isinstance(v, list):
        for x in v: walk(x)
    elif isinstance(v, str) and re.search(r"stopped after|not read: |more than \d+ (?:files|entries|members|included)|budget of|untried", v):
        limits.add(v if len(v) < 150 else v[:147] + "...")
walk(r)
print(f"; {len(limits)} limit messages" if limits else "")
for m in sorted(limits)[:3]:
    print(f"        {m}")
PY
}

section_scale() {
  local series kind full what frac n dir elements out
  local n_runs=$((runs < 3 ? runs : 3))
  echo
  echo "== scale: generated roots at 0, 1/4, 1/2 and full size ($n_runs runs each, generated in target/bench/scale/)"
  for series in "${SCALE_SERIES[@]}"; do
    IFS=: read -r kind full what <<<"$series"
    full=$(awk -v f="$full" -v s="$scale" 'BEGIN { printf "%d", f * s }')
    echo "-- $kind: $what (full size $full)"
    local sizes=() walls=() mems=()
    for frac in 0 0.25 0.5 1; do
      n=$(awk -v f="$full" -v x="$frac" 'BEGIN { printf "%d", f * x }')
      dir=$(scale_tree "$kind" "$n")
      elements=$(sed -n 's/^elements=\([0-9]*\).*/\1/p' "$dir.count")
      out=$work/scale-$kind-$n.json
      MEASURE_RUNS=$n_runs MEASURE_OUT=$out measure "  $kind n=$elements" "$bin" scan --root "$dir" --format json
      scale_summary "$out"
      sizes+=("$elements") walls+=("$M_WALL") mems+=("$M_RSS")
      if [ "$keep" != 1 ]; then rm -rf "$dir" "$dir.stamp" "$dir.count"; fi
    done
    scale_growth "$kind" "${sizes[*]}" "${walls[*]}" "${mems[*]}"
  done
}

# scale_growth KIND "N0 N1 N2 N3" "T0 T1 T2 T3" "M0 M1 M2 M3": the marginal
# cost per element (over the size-0 tree) at each size, and its growth from
# 1/4 to 1/2 and to full size.
scale_growth() {
  awk -v kind="$1" -v ns="$2" -v ts="$3" -v ms="$4" -v limit="$GROWTH_LIMIT" 'BEGIN {
    split(ns, n, " "); split(ts, t, " "); split(ms, m, " ")
    if (n[2] == 0 || n[4] == 0) { print "    growth: not judged (the 1/4 size has no elements)"; exit }
    printf "    per doubling: time x%.2f (1/4 to 1/2), x%.2f (1/2 to full); memory x%.2f, x%.2f\n",
      t[3] / t[2], t[4] / t[3], m[3] / m[2], m[4] / m[3]
    for (i = 2; i <= 4; i++) {
      dt[i] = t[i] - t[1]; dm[i] = m[i] - m[1]
      printf "    n=%-8d %+.3f s over n=0 (%.4f ms per element)   %+.1f MB (%.2f KB per element)\n",
        n[i], dt[i], 1000 * dt[i] / n[i], dm[i], 1024 * dm[i] / n[i]
    }
    # A quarter-size increment under 5 ms is noise: judge against 5 ms.
    q = (dt[2] > 0.005 ? dt[2] : 0.005) / n[2]
    g3 = (dt[3] / n[3]) / q; g4 = (dt[4] / n[4]) / q
    qm = (dm[2] > 0.5 ? dm[2] : 0.5) / n[2]
    gm = (dm[4] / n[4]) / qm
    if (dt[4] < 0.05) verdict = "flat (under 50 ms over the empty root at full size)"
    else if (g4 > limit) verdict = "NON-LINEAR"
    else verdict = "linear or better"
    mverdict = (dm[4] > 20 && gm > limit) ? "memory NON-LINEAR" : "memory bounded or linear"
    printf "    growth per element vs 1/4: time x%.2f at 1/2, x%.2f at full: %s; memory x%.2f at full: %s\n",
      g3, g4, verdict, gm, mverdict
  }'
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then exec "$(dirname "$0")/bench.sh" "$@" scale; fi
