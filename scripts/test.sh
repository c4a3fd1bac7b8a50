#!/usr/bin/env bash
# The README's test command: installs what the test suite needs on a fresh
# Debian machine (when missing), then runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1; }
packages=()
need mkfifo || packages+=(coreutils)   # FIFO fixtures
need setpriv || packages+=(util-linux) # scans as an unprivileged user
need cc || packages+=(gcc)             # crates that build C
need ss || packages+=(iproute2)        # the live listeners test compares with ss
need openssl || packages+=(openssl)    # TLS servers for the live probe tests
need strace || packages+=(strace)      # the side-effects test records every spawn and write
# Real servers the live tests start on loopback, in temporary directories,
# on ports of their own (never a system instance).
need nginx || [ -x /usr/sbin/nginx ] || packages+=(nginx-light)
need redis-server || packages+=(redis-server)
need mariadbd || [ -x /usr/sbin/mariadbd ] || packages+=(mariadb-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need initdb || packages+=(postgresql)
if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/test.sh: missing ${packages[*]}; install them (apt-get install ${packages[*]}) or run as root" >&2
    exit 2
  fi
  apt-get update -qq
  # Packages must not start their system services here: the tests start
  # their own instances (policy-rc.d refuses service starts during install).
  policy=/usr/sbin/policy-rc.d
  created_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && created_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
  if [ -n "$created_policy" ]; then rm -f "$policy"; fi
fi
if ! need cargo; then
  echo "scripts/test.sh: cargo (Rust ${RUST_VERSION:-1.95} or newer) is required" >&2
  exit 2
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo test --locked "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "%d passed, %d failed\n", p, f }' "$log"
exit "$status"
