#!/usr/bin/env bash
# Benchmark of passwords.account-weak-password: a root whose /etc/shadow has
# 50 accounts hashed with Debian's default yescrypt cost ($y$j9T$) and strong
# random passwords (nothing matches, so the whole budget is spent). Prints
# wall time, peak RSS and how far guessing got: the check alone, a default
# full scan of that root (quick: 100 ms scan-wide), the same scan again
# (resumed from the cache), `--passwords thorough`, `--no-cache`, and a
# default live scan. The cache goes to a scratch XDG_CACHE_HOME.
#   scripts/bench-passwords.sh [ACCOUNTS]
set -euo pipefail
cd "$(dirname "$0")/.."
accounts=${1:-50}
if [ ! -x /usr/bin/time ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time
fi
cargo build --release --locked -q
bin=$PWD/target/release/hardcheck
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/etc"

# yescrypt hashes from the system's libxcrypt: Python's crypt module (up to
# Python 3.12) or mkpasswd (Debian package whois).
hash_yescrypt() {
  local pw salt
  pw=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  salt=$(head -c 12 /dev/urandom | base64 | tr '+' '.' | tr -d '=' | cut -c1-16)
  if python3 -W ignore -c 'import crypt' 2>/dev/null; then
    python3 -W ignore -c 'import crypt, sys; print(crypt.crypt(sys.argv[1], "$y$j9T$" + sys.argv[2]))' "$pw" "$salt"
  elif command -v mkpasswd >/dev/null; then
    printf '%s\n' "$pw" | mkpasswd -m yescrypt --stdin
  else
    echo "need python3 (<= 3.12, crypt module) or mkpasswd (apt-get install whois)" >&2
    exit 2
  fi
}
{
  echo 'root:*:19700:0:99999:7:::'
  for i in $(seq -w 1 "$accounts"); do
    echo "user$i:$(hash_yescrypt):19700:0:99999:7:::"
  done
} > "$work/root/etc/shadow"

echo "hardcheck $($bin --version | cut -d' ' -f2) · $(nproc) cores · $accounts yescrypt (j9T) accounts"
export XDG_CACHE_HOME="$work/cache"
# run LABEL ARGS...: one timed scan; prints wall, peak RSS and the password
# check's status and progress notes.
run() {
  local label=$1
  shift
  /usr/bin/time -o "$work/time" -f '%e %M' "$bin" scan "$@" --format json > "$work/out.json" || true
  read -r wall rss < "$work/time"
  printf '%-34s wall %5.2f s   peak RSS %5.1f MB\n' "$label" "$wall" "$(awk -v m="$rss" 'BEGIN { print m / 1024 }')"
  python3 - "$work/out.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    if r["id"] == "passwords.account-weak-password":
        print(f"    {r['status']}: {r['message'][:300]}")
PY
}
run "check only (quick)" --root "$work/root" --check passwords.account-weak-password --no-cache
run "default scan of the root" --root "$work/root"
run "again (resumed from the cache)" --root "$work/root"
run "--passwords thorough" --root "$work/root" --passwords thorough --no-cache
run "--no-cache" --root "$work/root" --no-cache
run "one check (ssh.permit-root-login)" --root "$work/root" --check ssh.permit-root-login --no-cache
run "default live scan" --no-cache
