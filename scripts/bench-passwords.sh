#!/usr/bin/env bash
# Benchmark of passwords.account-weak-password: a root whose /etc/shadow has
# 50 accounts hashed with Debian's default yescrypt cost ($y$j9T$) and strong
# random passwords (nothing matches, so the whole budget is spent). Prints
# wall time, peak RSS and how many guesses fit in the default budget.
#   scripts/bench-passwords.sh [ACCOUNTS]
set -euo pipefail
cd "$(dirname "$0")/.."
accounts=${1:-50}
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
need_packages time
cargo build --release --locked -q
bin=$PWD/target/release/hardcheck
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/etc"

{
  echo 'root:*:19700:0:99999:7:::'
  for i in $(seq -w 1 "$accounts"); do
    echo "user$i:$(hash_yescrypt):19700:0:99999:7:::"
  done
} > "$work/root/etc/shadow"

echo "hardcheck $($bin --version | cut -d' ' -f2) · $(nproc) cores · $accounts yescrypt (j9T) accounts"
/usr/bin/time -o "$work/time" -f '%e %M' \
  "$bin" scan --root "$work/root" --check passwords.account-weak-password --format json > "$work/out.json" || true
read -r wall rss < "$work/time"
python3 - "$work/out.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"status: {r['status']}")
print(f"message: {r['message']}")
PY
printf 'wall %.2f s   peak RSS %.1f MB\n' "$wall" "$(awk -v m="$rss" 'BEGIN { print m / 1024 }')"
