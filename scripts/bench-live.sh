#!/usr/bin/env bash
# shellcheck shell=bash disable=SC2154 # runs, slow_runs, scale, bin and work are set by scripts/bench.sh
# Section `live` of scripts/bench.sh (sourced; run alone: scripts/bench-live.sh [--runs N]).
# The target: a default `scan` of the live host under 0.15 s wall and 40 MB
# peak memory on a 2-core machine (roots with password hashes: section
# passwords).

TARGET_WALL=0.15
TARGET_MB=40

target_line() {
  printf '  %-42s wall %s (target < %s s)   memory %s (target < %s MB)\n' "" \
    "$(verdict "$M_WALL" "$TARGET_WALL")" "$TARGET_WALL" "$(verdict "$M_RSS" "$TARGET_MB")" "$TARGET_MB"
}

section_live() {
  local merged hostile
  echo
  echo "== live: the target (a default scan under $TARGET_WALL s wall and $TARGET_MB MB peak, 2 cores)"
  measure "live host, default \`scan\`" "$bin" scan
  target_line

  echo "== live: other scans"
  # A root filesystem made of every passing fixture, merged.
  merged=$work/merged
  mkdir -p "$merged"
  for d in tests/fixtures/*/*/pass/*/; do cp -a "$d". "$merged"/ 2>/dev/null || true; done
  # The hostile tree of the acceptance criteria (FIFO, symlink loop,
  # escaping and absolute symlinks, 200 MB sparse file): target under 2 s.
  hostile=$work/hostile
  mkdir -p "$hostile/etc/ssh" "$hostile/etc/sysctl.d" "$hostile/etc/sudoers.d"
  mkfifo "$hostile/etc/ssh/sshd_config"
  ln -s 20-b.conf "$hostile/etc/sysctl.d/10-a.conf"
  ln -s 10-a.conf "$hostile/etc/sysctl.d/20-b.conf"
  printf 'root ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n' >"$hostile/etc/sudoers"
  ln -s ../../../../../../../../etc/passwd "$hostile/etc/sudoers.d/escape"
  ln -s /etc/passwd "$hostile/etc/sudoers.d/absolute"
  truncate -s 200M "$hostile/etc/login.defs"
  printf 'root:x:0:0:root:/root:/bin/bash\n' >"$hostile/etc/passwd"

  measure "live host, profile baseline, json" "$bin" scan --format json
  measure "live host, profile server, json" "$bin" scan --profile server --format json
  measure "--root merged pass fixtures" "$bin" scan --root "$merged" --format json
  measure "--root hostile tree" "$bin" scan --root "$hostile" --format json
  printf '  %-42s wall %s (target < 2 s)\n' "" "$(verdict "$M_WALL" 2)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then exec "$(dirname "$0")/bench.sh" "$@" live; fi
