#!/usr/bin/env bash
# shellcheck shell=bash disable=SC2154 # runs, bin and work are set by scripts/bench.sh
# Section `passwords` of scripts/bench.sh (sourced; run alone:
# scripts/bench-passwords.sh [--runs N]). Password checks are the one place
# a scan spends time on purpose: guessing against real hashes of strong
# random passwords (nothing matches, so whatever budget there is is spent).
# Roots: the Debian minbase root (or, without it, the generated base root)
# with no hash, with one real hash on root (yescrypt, Debian's default
# $y$j9T$, or SHA-512 crypt), with three (root and two login accounts), and
# 50 yescrypt accounts. Each is scanned as a first scan (quick, the
# default, with an empty resume cache), the one-yescrypt root also resumed
# (after a scan that filled the cache), with --no-cache, and with
# --passwords thorough. The cache is the run's own (under $work), never
# the invoking user's. Target: a default scan of a root with hashes under
# 0.15 s wall and 40 MB peak on 2 cores.

# password_root NAME METHOD...: a root in $work/NAME whose root account has
# a hash by the first METHOD (none: locked) and one login account more per
# further METHOD. Hard links to the base root but for the account files.
password_root() {
  local dir=$work/$1 base etc u uid=1000 method i=0
  shift
  if base=$(debian_rootfs 2>/dev/null); then
    cp -al "$base" "$dir"
  else
    python3 scripts/gen-scale.py accounts 0 "$dir" >/dev/null
  fi
  etc=$dir/etc
  for u in passwd group shadow; do cp -p --remove-destination "$etc/$u" "$etc/$u.new" && mv "$etc/$u.new" "$etc/$u"; done
  for method in "$@"; do
    if [ $i = 0 ]; then
      if [ "$method" != none ]; then
        local h
        h=$(hash_password "$method")
        awk -F: -v OFS=: -v h="$h" '$1 == "root" { $2 = h } { print }' "$etc/shadow" >"$etc/shadow.new"
        mv "$etc/shadow.new" "$etc/shadow"
      fi
    else
      u=user$i
      echo "$u:x:$uid:$uid:$u,,,:/home/$u:/bin/bash" >>"$etc/passwd"
      echo "$u:x:$uid:" >>"$etc/group"
      echo "$u:$(hash_password "$method"):19700:0:99999:7:::" >>"$etc/shadow"
      mkdir -p "$dir/home/$u"
      chmod 0750 "$dir/home/$u"
      uid=$((uid + 1))
    fi
    i=$((i + 1))
  done
  chmod 0640 "$etc/shadow"
  echo "$dir"
}

# What the report says about the password check (its message, shortened).
password_summary() {
  python3 - "$1" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    if r["id"] == "passwords.account-weak-password":
        m = r.get("message") or ""
        print(f"      passwords.account-weak-password: {r['status']}: {m[:160]}")
PY
}

# fresh_cache CMD...: run CMD with a cache directory of its own, empty (a
# first scan: nothing to resume).
fresh_cache() {
  XDG_CACHE_HOME=$(mktemp -d "$work/cache.XXXXXX") "$@"
}

section_passwords() {
  local plain one6 oney three fifty i methods=(none) slow=$((runs < 3 ? runs : 3))
  echo
  echo "== passwords: roots with real hashes of strong random passwords, default scan (target < $TARGET_WALL s, $TARGET_MB MB)"
  if ! python3 -W ignore -c 'import crypt' 2>/dev/null && ! command -v mkpasswd >/dev/null; then
    need_packages whois || { skipped "passwords" "no crypt module and no mkpasswd"; return 0; }
  fi
  debian_rootfs >/dev/null 2>&1 || echo "  (no Debian minbase root: the generated base root is used)"
  plain=$(password_root plain none)
  oney=$(password_root one-yescrypt yescrypt)
  one6=$(password_root one-sha512 sha512)
  three=$(password_root three yescrypt yescrypt sha512)
  for i in $(seq 50); do methods+=(yescrypt); done
  fifty=$(password_root fifty "${methods[@]}")
  # The resume cache of this run, never the invoking user's: "quick" is a
  # first scan (an empty cache each run), "resumed" a scan after one that
  # filled the cache, "--no-cache" neither reads nor writes one.
  export XDG_CACHE_HOME=$work/cache
  export -f fresh_cache
  export work

  measure "--root, no hash (every account locked)" "$bin" scan --root "$plain"
  MEASURE_OUT=$work/one-y.json measure "--root, one yescrypt hash, quick (first scan)" \
    bash -c 'fresh_cache "$@"' - "$bin" scan --root "$oney" --format json
  target_line
  password_summary "$work/one-y.json"
  "$bin" scan --root "$oney" >/dev/null 2>&1 || true
  MEASURE_OUT=$work/one-y-resumed.json measure "--root, one yescrypt hash, resumed" \
    "$bin" scan --root "$oney" --format json
  target_line
  password_summary "$work/one-y-resumed.json"
  MEASURE_OUT=$work/one-y-nocache.json measure "--root, one yescrypt hash, --no-cache" \
    "$bin" scan --root "$oney" --no-cache --format json
  target_line
  password_summary "$work/one-y-nocache.json"
  MEASURE_OUT=$work/one-6.json measure "--root, one SHA-512 hash, quick (first scan)" \
    bash -c 'fresh_cache "$@"' - "$bin" scan --root "$one6" --format json
  target_line
  password_summary "$work/one-6.json"
  MEASURE_OUT=$work/three.json measure "--root, three hashes, quick (first scan)" \
    bash -c 'fresh_cache "$@"' - "$bin" scan --root "$three" --format json
  target_line
  password_summary "$work/three.json"
  MEASURE_RUNS=$slow MEASURE_OUT=$work/fifty.json measure "--root, 50 yescrypt accounts, quick (first scan)" \
    bash -c 'fresh_cache "$@"' - "$bin" scan --root "$fifty" --format json
  password_summary "$work/fifty.json"
  MEASURE_RUNS=$slow measure "--root, 50 yescrypt, password check only" \
    bash -c 'fresh_cache "$@"' - "$bin" scan --root "$fifty" --check passwords.account-weak-password
  MEASURE_RUNS=$slow MEASURE_OUT=$work/thorough.json measure "--root, one yescrypt, --passwords thorough" \
    "$bin" scan --root "$oney" --passwords thorough --no-cache --format json
  password_summary "$work/thorough.json"
  unset XDG_CACHE_HOME
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then exec "$(dirname "$0")/bench.sh" "$@" passwords; fi
