#!/usr/bin/env bash
# shellcheck shell=bash disable=SC2154 # runs, slow_runs, scale, bin and work are set by scripts/bench.sh
# Section `anchors` of scripts/bench.sh (sourced; run alone: scripts/bench-anchors.sh [--runs N] [--slow-runs N]).
# Lynis and OpenSCAP (openscap-scanner with the ssg-debian content), installed
# from Debian when missing, timed on this host next to hardcheck: wall time,
# peak RSS of the largest process, peak RSS summed over the process tree
# (Lynis runs as hundreds of short processes), and the ratios to hardcheck's
# default scan. Both tools only read the system, but write a little: Lynis
# its PID file (/run/lynis.pid, removed at its end) and temporary files in
# /tmp; its log goes to /dev/null (--no-log) and its report into the
# benchmark's temp dir (--report-file); oscap writes its results into the
# temp dir. Anything new under /var/log or /run named lynis* or oscap* after
# the runs is listed.

SSG_DIR=/usr/share/xml/scap/ssg/content

# The newest Debian datastream ssg-debian ships, made to apply to this
# host: ssg-debian 0.1.65 (bookworm) ships Debian 10 and 11 content only, and
# its platform check (/etc/debian_version matching ^11.[0-9]+$) makes every
# rule `notapplicable` on Debian 12. When the host is newer, a copy whose
# version pattern also accepts the host's major version is evaluated.
anchor_datastream() {
  local ds major host
  ds=$(find "$SSG_DIR" -name 'ssg-debian*-ds.xml' ! -name '*-ds-1.2.xml' 2>/dev/null | sort -V | tail -n1)
  [ -n "$ds" ] || return 1
  major=$(basename "$ds" | sed 's/ssg-debian\([0-9]*\)-ds.xml/\1/')
  host=$(cut -d. -f1 /etc/debian_version 2>/dev/null || echo "$major")
  if [ "$host" != "$major" ] && [[ $host =~ ^[0-9]+$ ]]; then
    sed "s/\^$major\.\[0-9\]+\\$/^($major|$host).[0-9]+$/" "$ds" >"$work/ssg-debian$major-as-$host-ds.xml"
    echo "  note: ssg-debian's newest content is for Debian $major; its platform check is widened to Debian $host (in a copy)" >&2
    ds=$work/ssg-debian$major-as-$host-ds.xml
  fi
  echo "$ds"
}

# Results of oscap's standard output, by status.
oscap_counts() {
  grep '^Result' "$1" | awk '{ c[$2]++ } END { for (s in c) printf "%s %d, ", s, c[s] }' | sed 's/, $//'
}

# hardcheck's results, by status.
hardcheck_counts() {
  python3 -c 'import collections, json, sys; c = collections.Counter(r["status"] for r in json.load(open(sys.argv[1]))["results"]); print(", ".join(f"{k} {v}" for k, v in sorted(c.items())))' "$1"
}

# The ratios of the last measure to hardcheck's default scan.
anchor_ratio() {
  echo "      ratio to hardcheck's default scan: wall $(ratio "$M_WALL" "$hc_wall"), peak RSS $(ratio "$M_RSS" "$hc_rss"), tree peak $(ratio "$M_TREE" "$hc_tree")"
}

section_anchors() {
  local ds hc_wall hc_rss hc_tree profile name written cis=benchmarks-profiles/cis-debian12-l1.toml
  local slow=$((runs < 3 ? runs : 3))
  echo
  echo "== anchors: Lynis and OpenSCAP on this host, next to hardcheck"
  need_packages openscap-scanner ssg-debian || true
  need_packages lynis || true
  touch "$work/anchors-start"
  export MEASURE_TREE=1
  MEASURE_OUT=$work/hc.json measure "hardcheck scan (profile baseline)" "$bin" scan --format json
  echo "      checks: $(hardcheck_counts "$work/hc.json")"
  hc_wall=$M_WALL hc_rss=$M_RSS hc_tree=$M_TREE
  MEASURE_OUT=$work/hc-server.json measure "hardcheck scan --profile server" "$bin" scan --profile server --format json
  echo "      checks: $(hardcheck_counts "$work/hc-server.json")"
  if [ -f "$cis" ]; then
    MEASURE_OUT=$work/hc-cis.json measure "hardcheck scan --profile $(basename "$cis" .toml)" "$bin" scan --profile "$cis" --format json
    echo "      checks: $(hardcheck_counts "$work/hc-cis.json")"
    anchor_ratio
  fi

  if ! command -v oscap >/dev/null; then
    skipped "oscap" "openscap-scanner is not installed and could not be"
  elif ds=$(anchor_datastream); then
    for profile in standard anssi_np_nt28_high; do
      if ! oscap info "$ds" 2>/dev/null | grep -q "content_profile_$profile\$"; then
        skipped "oscap $profile" "no such profile in $(basename "$ds")"
        continue
      fi
      name="oscap $(basename "$ds" | sed 's/-ds.xml//; s/ssg-//') $profile"
      MEASURE_RUNS=$slow MEASURE_OK=0,2 MEASURE_OUT=$work/oscap.txt measure "$name" \
        oscap xccdf eval --profile "xccdf_org.ssgproject.content_profile_$profile" --results "$work/oscap-results.xml" "$ds"
      echo "      rules: $(oscap_counts "$work/oscap.txt")"
      anchor_ratio
    done
  else
    skipped "oscap" "no ssg-debian datastream under $SSG_DIR"
  fi

  if command -v lynis >/dev/null || [ -x /usr/sbin/lynis ]; then
    MEASURE_RUNS=$slow_runs MEASURE_OK=0 MEASURE_OUT=$work/lynis.txt measure "lynis audit system --quick" \
      lynis audit system --quick --no-colors --no-log --report-file "$work/lynis-report.dat"
    echo "      tests done: $(sed -n 's/^lynis_tests_done=//p' "$work/lynis-report.dat"), hardening index $(sed -n 's/^hardening_index=//p' "$work/lynis-report.dat")"
    anchor_ratio
  else
    skipped "lynis" "lynis is not installed and could not be"
  fi
  unset MEASURE_TREE
  written=$(find /var/log /run /var/run -maxdepth 1 \( -name 'lynis*' -o -name 'oscap*' \) -newer "$work/anchors-start" 2>/dev/null | sort -u | tr '\n' ' ')
  echo "  written outside the temp dir by the anchors: ${written:-nothing under /var/log or /run}"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then exec "$(dirname "$0")/bench.sh" "$@" anchors; fi
