# shellcheck shell=bash disable=SC2154 # runs, slow_runs, scale, bin and work are set by scripts/bench.sh
# Shared by scripts/bench.sh and its sections (scripts/bench-*.sh): the
# measuring helper, target checks, yescrypt hashes. Sourced, not run.

# Install Debian packages that are missing (by package name); returns 1
# when they cannot be installed (no root, no mirror), so that a section can
# be skipped with its reason.
need_packages() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "  installing from Debian: ${missing[*]}" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/dev/null 2>&1 || {
      echo "  could not install: ${missing[*]}" >&2
      return 1
    }
  fi
}

# A password hash of a strong random password from the system's libxcrypt
# (Python's crypt module, up to Python 3.12, or mkpasswd of the Debian
# package whois): hash_password yescrypt (Debian's default cost, $y$j9T$)
# or hash_password sha512 ($6$, 5000 rounds).
hash_password() {
  local method=${1:-yescrypt} pw salt prefix
  pw=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  salt=$(head -c 12 /dev/urandom | base64 | tr '+' '.' | tr -d '=' | cut -c1-16)
  case $method in
    yescrypt) prefix="\$y\$j9T\$$salt" ;;
    sha512) prefix="\$6\$$salt" ;;
    *) echo "hash_password: unknown method $method" >&2; return 2 ;;
  esac
  if python3 -W ignore -c 'import crypt' 2>/dev/null; then
    python3 -W ignore -c 'import crypt, sys; print(crypt.crypt(sys.argv[1], sys.argv[2]))' "$pw" "$prefix"
  elif command -v mkpasswd >/dev/null; then
    printf '%s\n' "$pw" | mkpasswd -m "$method" --stdin
  else
    echo "need python3 (<= 3.12, crypt module) or mkpasswd (apt-get install whois)" >&2
    return 2
  fi
}
hash_yescrypt() { hash_password yescrypt; }

# Write the measuring helper into $work (set by the caller). It runs a
# command RUNS times and prints `median_wall_s max_rss_kb tree_peak_kb
# bad_exit`: wall time by the monotonic clock, the largest maximum resident
# set of the process and every descendant it waited for (getrusage, what
# GNU time's %M reports), and with TREE=1 the peak of the RSS summed over
# the whole process tree, sampled every 20 ms from /proc (for tools that
# run as many processes, like Lynis). bad_exit is the first exit status
# not in OK (a comma list), or `-`.
write_measure_helper() {
  cat >"$work/measure.py" <<'PY'
import os, statistics, subprocess, sys, threading, time
runs, ok, tree, out = int(sys.argv[1]), {int(c) for c in sys.argv[2].split(",")}, sys.argv[3] == "1", sys.argv[4]
cmd = sys.argv[6:]
page = os.sysconf("SC_PAGE_SIZE") // 1024

def tree_rss(root):
    kids, rss = {}, {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kids.setdefault(int(fields[1]), []).append(int(pid))
        rss[int(pid)] = int(fields[21]) * page
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += kids.get(p, [])
    return total

walls, maxrss, peak, bad = [], 0, 0, "-"
for run in range(runs):
    sink = open(out if out != "-" and run == runs - 1 else os.devnull, "wb")
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.DEVNULL)
    done = threading.Event()
    def sample():
        global peak
        while not done.wait(0.02):
            peak = max(peak, tree_rss(proc.pid))
    sampler = threading.Thread(target=sample) if tree else None
    if sampler:
        sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    walls.append(time.monotonic() - start)
    done.set()
    if sampler:
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    sink.close()
    maxrss = max(maxrss, usage.ru_maxrss)
    if proc.returncode not in ok and bad == "-":
        bad = str(proc.returncode)
print(f"{statistics.median(walls):.3f} {maxrss} {peak if tree else maxrss} {bad}")
PY
}

# measure NAME CMD...: run CMD $runs times (or MEASURE_RUNS), print its
# median wall time and peak memory, and leave them in M_WALL (s), M_RSS
# and M_TREE (MB). MEASURE_OK lists the accepted exit codes (default 0,1:
# exit 1 is a failed gate, a result); MEASURE_TREE=1 samples the process
# tree; MEASURE_OUT keeps the last run's standard output.
measure() {
  local name=$1; shift
  local n=${MEASURE_RUNS:-$runs} res rss tree bad extra=""
  res=$(python3 "$work/measure.py" "$n" "${MEASURE_OK:-0,1}" "${MEASURE_TREE:-0}" "${MEASURE_OUT:--}" -- "$@")
  read -r M_WALL rss tree bad <<<"$res"
  M_RSS=$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')
  M_TREE=$(awk -v k="$tree" 'BEGIN { printf "%.1f", k / 1024 }')
  if [ "${MEASURE_TREE:-0}" = 1 ]; then extra="   process tree peak $(printf '%6.1f' "$M_TREE") MB"; fi
  if [ "$bad" != "-" ]; then extra="$extra   EXIT $bad (not a normal result)"; fi
  printf '%-44s median %7.3f s   peak RSS %6.1f MB%s   (%d runs)\n' "$name" "$M_WALL" "$M_RSS" "$extra" "$n"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${BENCH_SECTION:-}" "${name#"${name%%[! ]*}"}" "$M_WALL" "$M_RSS" \
    "$([ "${MEASURE_TREE:-0}" = 1 ] && echo "$M_TREE" || echo -)" "$n" "$bad" >>"$work/figures.tsv"
}

# skipped SECTION REASON: record a skipped section (or part) in the table.
skipped() {
  echo "  skipped: $2"
  printf '%s\t%s\t-\t-\t-\t0\tskipped\n' "${BENCH_SECTION:-}" "$1: skipped, $2" >>"$work/figures.tsv"
}

# The figures table of the whole run: every measure, by section.
print_figures() {
  echo
  echo "== figures (median wall time; peak RSS of the largest process; tree: summed over the process tree)"
  awk -F '\t' '
    BEGIN { printf "%-9s %-50s %9s %10s %10s %5s\n", "section", "scan", "wall s", "RSS MB", "tree MB", "runs" }
    { note = ($7 == "-" ? "" : ($7 == "skipped" ? "" : "  exit " $7))
      if ($7 == "skipped") printf "%-9s %-50s %9s %10s %10s %5s\n", $1, $2, "-", "-", "-", "-"
      else printf "%-9s %-50s %9.3f %10.1f %10s %5d%s\n", $1, substr($2, 1, 50), $3, $4, $5, $6, note }
  ' "$work/figures.tsv"
}

# verdict VALUE TARGET: PASS when VALUE < TARGET, else MISS.
verdict() {
  awk -v v="$1" -v t="$2" 'BEGIN { print (v < t) ? "PASS" : "MISS" }'
}

# ratio A B: A / B with two decimals.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "n/a" }'
}

# A Debian bookworm minbase root (debootstrap, needs root and the Debian
# mirror once), cached in target/bench/rootfs; shared by the live and images
# sections. Returns 1 when it cannot be built.
debian_rootfs() {
  local rootfs=$PWD/target/bench/rootfs
  if [ ! -d "$rootfs/etc" ]; then
    [ "$(id -u)" = 0 ] || return 1
    need_packages debootstrap || return 1
    mkdir -p target/bench
    rm -rf "$rootfs" "$rootfs.tmp"
    # The default mirror of debootstrap; built aside, moved in when whole.
    debootstrap --variant=minbase bookworm "$rootfs.tmp" >/dev/null 2>&1 || { rm -rf "$rootfs.tmp"; return 1; }
    mv "$rootfs.tmp" "$rootfs"
  fi
  echo "$rootfs"
}
