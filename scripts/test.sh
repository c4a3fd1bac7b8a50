#!/usr/bin/env bash
# The README's test command: installs what the test suite needs on a fresh
# Debian machine (when missing), then runs the whole test suite.
#
# What it may install (only what is missing):
# - Debian packages: coreutils, util-linux, gcc, iproute2, openssl, strace,
#   patch, openssh-server (`sshd -t` on the configurations `fix` patches);
#   nginx-light, redis-server, mariadb-server and postgresql (the live tests
#   start their own instances on loopback, in temporary directories); chromium
#   (the HTML report test); umoci and skopeo (the image tests); python3-pip
#   and npm when absent; ansible-core (the fleet playbook test), from PyPI
#   under target/validators/ where Debian has no package.
# - Report validators, under target/validators/ (nothing system-wide):
#   xmlschema and kubernetes-validate from PyPI and the SARIF Multitool
#   from npm.
# Services of the packages it installs are neither started nor enabled at
# boot: the machine's services stay as they were (a live scan of the
# machine is not changed by running the tests).
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned so that a new release of a validator cannot change the verdict.
XMLSCHEMA_VERSION=4.3.2
KUBERNETES_VALIDATE_VERSION=1.37.0
ANSIBLE_CORE_VERSION=2.18.19  # PyPI fallback only: runs on Python 3.11 to 3.13
SARIF_MULTITOOL_VERSION=5.7.0

need() { command -v "$1" >/dev/null 2>&1; }
packages=()
need mkfifo || packages+=(coreutils)   # FIFO fixtures
need setpriv || packages+=(util-linux) # scans as an unprivileged user; `script` for a terminal
need cc || packages+=(gcc)             # crates that build C
need ss || packages+=(iproute2)        # the live listeners test compares with ss
need openssl || packages+=(openssl)    # TLS servers for the live probe tests
need umoci || packages+=(umoci)        # image tests build their images with umoci…
need skopeo || packages+=(skopeo)      # …and convert them (docker-archive, OCI archive, zstd)
need strace || packages+=(strace)      # the side-effects test records every spawn and write
# The fleet playbook test runs deploy/ansible with real ansible-core (PyPI
# below when Debian has no ansible-core package).
need ansible-playbook || ! apt-cache show ansible-core >/dev/null 2>&1 || packages+=(ansible-core)
# Real servers the live tests start on loopback, in temporary directories,
# on ports of their own (never a system instance).
need nginx || [ -x /usr/sbin/nginx ] || packages+=(nginx-light)
need redis-server || packages+=(redis-server)
need sshd || [ -x /usr/sbin/sshd ] || packages+=(openssh-server) # hardcheck fix: `sshd -t` on patched configurations
need patch || packages+=(patch)       # hardcheck fix: the closed-loop test applies its patches with GNU patch
need mariadbd || [ -x /usr/sbin/mariadbd ] || packages+=(mariadb-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need initdb || packages+=(postgresql)
# Report validators' runtimes.
need chromium || packages+=(chromium)
python3 -m pip --version >/dev/null 2>&1 || packages+=(python3-pip)
need npm || packages+=(npm)

# Services of the packages installed now must not run, now or at boot.
disable_services() {
  local pkg file unit
  for pkg in "$@"; do
    while read -r file; do
      case "$file" in
        */systemd/system/*.service)
          unit=${file##*/}
          case "$unit" in *@.service) continue ;; esac
          deb-systemd-helper disable "$unit" >/dev/null 2>&1 || true
          ;;
        /etc/init.d/*)
          update-rc.d "${file##*/}" disable >/dev/null 2>&1 || true
          ;;
      esac
    done < <(dpkg-query -L "$pkg" 2>/dev/null || true)
  done
}

if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/test.sh: missing ${packages[*]}; install them (apt-get install ${packages[*]}) or run as root" >&2
    exit 2
  fi
  echo "scripts/test.sh: installing ${packages[*]}" >&2
  apt-get update -qq
  before=$(mktemp)
  dpkg-query -W -f '${Package}\n' | sort >"$before"
  # Packages must not start their system services here: the tests start
  # their own instances (policy-rc.d refuses service starts during install).
  policy=/usr/sbin/policy-rc.d
  created_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && created_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
  if [ -n "$created_policy" ]; then rm -f "$policy"; fi
  # Every package new to this machine (dependencies too) keeps its services
  # off at boot, as they were before it was installed.
  mapfile -t installed < <(dpkg-query -W -f '${Package}\n' | sort | comm -13 "$before" -)
  rm -f "$before"
  disable_services "${installed[@]}"
fi
# `sshd -t` (the fix closed loop) needs sshd's privilege separation
# directory, which a package installed without starting its service has
# not created.
if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then
  mkdir -p -m 0755 /run/sshd
fi
if ! need cargo; then
  echo "scripts/test.sh: cargo (Rust ${RUST_VERSION:-1.95} or newer) is required" >&2
  exit 2
fi

# Report validators, in the build directory only.
validators="${CARGO_TARGET_DIR:-target}/validators"
if ! PYTHONPATH="$validators/python" python3 -c "import xmlschema" >/dev/null 2>&1; then
  echo "scripts/test.sh: installing xmlschema $XMLSCHEMA_VERSION into $validators/python" >&2
  python3 -m pip install --quiet --disable-pip-version-check --target "$validators/python" "xmlschema==$XMLSCHEMA_VERSION"
fi
if ! PYTHONPATH="$validators/python" python3 -c "import kubernetes_validate" >/dev/null 2>&1; then
  echo "scripts/test.sh: installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION into $validators/python" >&2
  python3 -m pip install --quiet --disable-pip-version-check --target "$validators/python" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
fi
if ! need ansible-playbook && [ ! -x "$validators/python/bin/ansible-playbook" ]; then
  echo "scripts/test.sh: installing ansible-core $ANSIBLE_CORE_VERSION into $validators/python" >&2
  python3 -m pip install --quiet --disable-pip-version-check --target "$validators/python" "ansible-core==$ANSIBLE_CORE_VERSION"
fi
# The Multitool's Linux build (what the `@microsoft/sarif-multitool`
# wrapper runs), called directly by the tests.
multitool="$validators/npm/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if [ ! -e "$multitool" ]; then
  echo "scripts/test.sh: installing the SARIF Multitool $SARIF_MULTITOOL_VERSION into $validators/npm" >&2
  mkdir -p "$validators/npm"
  npm install --silent --no-audit --no-fund --prefix "$validators/npm" "@microsoft/sarif-multitool-linux@$SARIF_MULTITOOL_VERSION"
fi
# npm may skip the package's own `chmod u+x` install script.
chmod u+x "$multitool"

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
