# shellcheck shell=bash disable=SC2154 # runs, slow_runs, scale, bin and work are set by scripts/bench.sh
# Section `live` of scripts/bench.sh (sourced; run alone: scripts/bench-live.sh [--runs N]).
# The targets: a default `scan` of the live host, or of a root with password
# hashes, under 0.15 s wall and 40 MB peak memory on a 2-core machine.

TARGET_WALL=0.15
TARGET_MB=40

target_line() {
  printf '  %-42s wall %s (target < %s s)   memory %s (target < %s MB)\n' "" \
    "$(verdict "$M_WALL" "$TARGET_WALL")" "$TARGET_WALL" "$(verdict "$M_RSS" "$TARGET_MB")" "$TARGET_MB"
}

# A root with password hashes: the Debian minbase root (or, without it, the
# generated base root) whose root account and two login accounts (alice,
# bob) have yescrypt hashes of strong random passwords, as a host installed
# with a root password and two users has. Cached in target/bench/hashroot
# (hard links to target/bench/rootfs but for the account files).
hash_root() {
  local dir=$PWD/target/bench/hashroot base
  if [ ! -s "$dir/etc/shadow" ]; then
    rm -rf "$dir" "$dir.tmp"
    mkdir -p target/bench
    local etc=$dir.tmp/etc u uid=1000 h f
    if base=$(debian_rootfs); then
      # Hard links: only the account files below are new files.
      cp -al "$base" "$dir.tmp"
      for f in passwd group shadow; do cp -p --remove-destination "$base/etc/$f" "$etc/$f"; done
    else
      echo "  (no Debian minbase root: the generated base root is used)" >&2
      python3 scripts/gen-scale.py accounts 0 "$dir.tmp" >/dev/null
    fi
    h=$(hash_yescrypt)
    awk -F: -v OFS=: -v h="$h" '$1 == "root" { $2 = h } { print }' "$etc/shadow" >"$etc/shadow.new"
    for u in alice bob; do
      echo "$u:x:$uid:$uid:$u,,,:/home/$u:/bin/bash" >>"$etc/passwd"
      echo "$u:x:$uid:" >>"$etc/group"
      echo "$u:$(hash_yescrypt):19700:0:99999:7:::" >>"$etc/shadow.new"
      mkdir -p "$dir.tmp/home/$u"
      chmod 0750 "$dir.tmp/home/$u"
      if [ "$(id -u)" = 0 ]; then chown "$uid:$uid" "$dir.tmp/home/$u"; fi
      uid=$((uid + 1))
    done
    chmod 0640 "$etc/shadow.new"
    mv "$etc/shadow.new" "$etc/shadow"
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}

section_live() {
  local root merged hostile
  echo
  echo "== live: the targets (a default scan under $TARGET_WALL s wall and $TARGET_MB MB peak, 2 cores)"
  root=$(hash_root)
  measure "live host, default \`scan\`" "$bin" scan
  target_line
  measure "--root with 3 yescrypt hashes, default scan" "$bin" scan --root "$root"
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
