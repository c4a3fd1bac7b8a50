//! Property tests over every configuration parser the collectors use, driven
//! through the real binary: a seeded, deterministic mutation generator takes
//! the committed seed corpora (`tests/corpora/<parser>/`: Debian defaults,
//! fixtures and hostile files), flips bytes, duplicates, deletes and splices
//! lines, inserts dictionary tokens (includes of the file itself, braces,
//! NULs, invalid UTF-8), long lines and deep nesting, writes each mutant
//! where the collector reads it and scans the tree (`scan --root`, only the
//! checks that read those parsers).
//!
//! The properties, for every scan:
//! - no panic: exit 0 or 1, never 101, 2 or a signal;
//! - bounded time: a scan still running after [`RUN_TIMEOUT`] is killed and fails;
//! - bounded memory: peak RSS under [`BASE_MEMORY_KIB`] plus
//!   [`MEMORY_PER_INPUT_BYTE`] times the largest mutant;
//! - every evidence line is between 1 and the number of lines of the file
//!   it names.
//!
//! One scan (a round) holds one mutant of every parser of a group; a round
//! that fails is replayed per parser to name the mutant at fault, which is
//! saved under `target/tmp/properties-failures/` for a regression seed.
//! `HARDCHECK_FUZZ_ITERATIONS` (mutants in all, default 300) and
//! `HARDCHECK_FUZZ_SEED` set the run; see docs/robustness.md.

mod common;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A scan still running after this hangs.
const RUN_TIMEOUT: Duration = Duration::from_secs(20);
/// Peak memory any scan may use, plus [`MEMORY_PER_INPUT_BYTE`] per byte of
/// the largest mutant: the issue's target, 100 MiB plus a small multiple of
/// the largest file (docs/robustness.md).
const BASE_MEMORY_KIB: u64 = 100 * 1024;
/// `HARDCHECK_FUZZ_VERBOSE`: a round slower than this is replayed per parser.
const SLOW: Duration = Duration::from_secs(5);
const MEMORY_PER_INPUT_BYTE: u64 = 8;
/// Mutants in all (across every parser) when `HARDCHECK_FUZZ_ITERATIONS` is unset.
const DEFAULT_ITERATIONS: usize = 300;
const DEFAULT_SEED: u64 = 0x5eed_2026_0014;
/// A mutant grows no larger than this (the read cap is 8 MiB); in the short
/// run (the default iterations) mutations stay smaller, to keep it quick.
const MAX_MUTANT: usize = 4 << 20;
const MAX_MUTANT_SHORT: usize = 256 << 10;

/// One parser: its corpus, where its mutant goes, the checks that read it,
/// its dictionary and its nesting pairs.
struct Parser {
    name: &'static str,
    dests: &'static [&'static str],
    checks: &'static [&'static str],
    dict: &'static [&'static str],
    nest: &'static [(&'static str, &'static str)],
}

const WEB_CHECKS: &[&str] = &["tls.*", "network.declared-unexpected-listener", "network.admin-service-bind-all"];
const PG_CHECKS: &[&str] = &["databases.pg-*", "tls.postgresql-ssl", "network.datastore-bind-all"];
const ACCOUNT_CHECKS: &[&str] = &["accounts.*", "passwords.account-*", "passwords.last-change-future"];
const APP_CHECKS: &[&str] =
    &["passwords.app-config-weak-secret", "passwords.jwt-secret-weak", "network.admin-service-bind-all", "secrets.*"];
const YAML_DICT: &[&str] =
    &["&a", "*a", "<<: *a", "---", "...", "- ", ": ", "? ", "!!binary", "{", "[", "|", ">-", "'", "\t"];

const SYSTEM: &[Parser] = &[
    Parser {
        name: "sshd",
        dests: &["etc/ssh/sshd_config", "etc/ssh/sshd_config.d/10-fuzz.conf"],
        checks: &["ssh.*"],
        dict: &[
            "Include /etc/ssh/sshd_config",
            "Include /etc/ssh/sshd_config.d/*.conf",
            "Include sshd_config.d/*",
            "Match User root",
            "Match all",
            "Match",
            "PermitRootLogin yes",
            "Ciphers +aes128-cbc",
            "ListenAddress [::]:22",
            "=",
        ],
        nest: &[("Match User u\n", "Match all\n")],
    },
    Parser {
        name: "sudoers",
        dests: &["etc/sudoers", "etc/sudoers.d/fuzz"],
        checks: &["accounts.sudo-*"],
        dict: &[
            "@include /etc/sudoers",
            "#include /etc/sudoers.d/fuzz",
            "@includedir /etc/sudoers.d",
            "#includedir /etc",
            "Defaults !use_pty",
            "Defaults:%sudo timestamp_timeout=-1",
            "ALL ALL=(ALL) NOPASSWD: ALL",
            "Cmnd_Alias X = /bin/sh, \\",
            "%h",
        ],
        nest: &[("User_Alias A = b, \\\n", "c\n")],
    },
    Parser {
        name: "pam",
        dests: &["etc/pam.d/common-password", "etc/pam.d/common-auth", "etc/pam.d/login"],
        checks: &["passwords.pam-*", "accounts.su-restricted"],
        dict: &[
            "@include common-password",
            "@include login",
            "include system-auth",
            "substack login",
            "auth [success=1 default=ignore] pam_unix.so nullok",
            "password requisite pam_pwquality.so retry=3 minlen=8",
            "-auth",
            "[",
            "]",
        ],
        nest: &[("auth [success=1 [", "]\n")],
    },
    Parser {
        name: "login_defs",
        dests: &["etc/login.defs"],
        checks: &["accounts.pass-*", "accounts.umask", "accounts.encrypt-method", "accounts.system-accounts-nologin"],
        dict: &["PASS_MAX_DAYS 99999", "ENCRYPT_METHOD DES", "UMASK 000", "PASS_MIN_DAYS", "SHA_CRYPT_MAX_ROUNDS -1"],
        nest: &[],
    },
    Parser {
        name: "sysctl",
        dests: &["etc/sysctl.d/99-fuzz.conf", "etc/sysctl.conf"],
        checks: &["kernel.*"],
        dict: &["net.ipv4.ip_forward = 1", "-kernel.randomize_va_space=0", "net/ipv4/conf/all/rp_filter=0", "*", "."],
        nest: &[],
    },
    Parser {
        name: "apt",
        dests: &["etc/apt/apt.conf.d/99fuzz"],
        checks: &["tls.apt-verify-peer", "updates.*"],
        dict: &[
            "#include \"/etc/apt/apt.conf.d/99fuzz\";",
            "#include \"/etc/apt/apt.conf.d/\";",
            "#clear APT;",
            "APT { Get { AllowUnauthenticated \"true\"; }; };",
            "Acquire::https::Verify-Peer \"false\";",
            "::",
            "/*",
            "*/",
            "//",
            "};",
        ],
        nest: &[("A {\n", "};\n"), ("{", "}")],
    },
    Parser {
        name: "passwd",
        dests: &["etc/passwd"],
        checks: ACCOUNT_CHECKS,
        dict: &["root:x:0:0:root:/root:/bin/bash", "toor::0:0::/:/bin/sh", "+::::::", "-user", ":", "4294967296"],
        nest: &[],
    },
    Parser {
        name: "shadow",
        dests: &["etc/shadow"],
        checks: ACCOUNT_CHECKS,
        dict: &["root::19000:0:99999:7:::", "$6$salt$", "$y$j9T$", "$1$", "!", "*", ":", "-1", "99999999999999999999"],
        nest: &[],
    },
    Parser {
        name: "group",
        dests: &["etc/group"],
        checks: ACCOUNT_CHECKS,
        dict: &["root:x:0:", "sudo:x:27:a,,b", "wheel::0:root", "+:::", ":", ","],
        nest: &[],
    },
];

const SERVICES: &[Parser] = &[
    Parser {
        name: "nginx",
        dests: &["etc/nginx/nginx.conf", "etc/nginx/sites-enabled/default"],
        checks: WEB_CHECKS,
        dict: &[
            "include /etc/nginx/nginx.conf;",
            "include /etc/nginx/sites-enabled/*;",
            "include *;",
            "server {",
            "listen 443 ssl;",
            "ssl_protocols TLSv1;",
            "add_header Strict-Transport-Security max-age=1;",
            "{",
            "}",
            ";",
            "$",
        ],
        nest: &[("http {\n", "}\n"), ("server {", "}"), ("location / {\n", "}\n")],
    },
    Parser {
        name: "apache",
        dests: &["etc/apache2/apache2.conf", "etc/apache2/sites-enabled/000-default.conf"],
        checks: WEB_CHECKS,
        dict: &[
            "Include /etc/apache2/apache2.conf",
            "IncludeOptional /etc/apache2/sites-enabled/*.conf",
            "IncludeOptional *",
            "<VirtualHost *:443>",
            "</VirtualHost>",
            "<IfModule x>",
            "</IfModule>",
            "SSLProtocol all",
            "Listen 0.0.0.0:8443",
            "ServerTokens Full",
            "<",
            ">",
        ],
        nest: &[
            ("<IfModule x>\n", "</IfModule>\n"),
            ("<VirtualHost *:80>\n", "</VirtualHost>\n"),
            ("<Directory />", ""),
        ],
    },
    Parser {
        name: "redis",
        dests: &["etc/redis/redis.conf"],
        checks: &["databases.redis-*", "passwords.redis-*", "tls.redis-tls", "network.datastore-bind-all"],
        dict: &[
            "include /etc/redis/redis.conf",
            "include /etc/redis/*.conf",
            "rename-command CONFIG \"\"",
            "requirepass \"",
            "user default on nopass ~* +@all",
            "bind 0.0.0.0",
            "protected-mode no",
            "\\x",
        ],
        nest: &[],
    },
    Parser {
        name: "mycnf",
        dests: &["etc/mysql/my.cnf", "etc/mysql/mariadb.conf.d/50-server.cnf"],
        checks: &[
            "databases.mysql-*",
            "tls.mysql-secure-transport",
            "passwords.mysql-client-weak",
            "network.datastore-bind-all",
        ],
        dict: &[
            "!include /etc/mysql/my.cnf",
            "!includedir /etc/mysql/",
            "!includedir /etc/mysql/mariadb.conf.d/",
            "[mysqld]",
            "[client]",
            "bind-address = 0.0.0.0",
            "skip-grant-tables",
            "password = \"",
        ],
        nest: &[],
    },
    Parser {
        name: "postgresql",
        dests: &["etc/postgresql/16/main/postgresql.conf", "etc/postgresql/16/main/conf.d/10-fuzz.conf"],
        checks: PG_CHECKS,
        dict: &[
            "include 'postgresql.conf'",
            "include_dir 'conf.d'",
            "include_if_exists '/etc/postgresql/16/main/postgresql.conf'",
            "listen_addresses = '*'",
            "ssl = on",
            "password_encryption = md5",
            "'",
            "E'\\",
        ],
        nest: &[],
    },
    Parser {
        name: "pg_hba",
        dests: &["etc/postgresql/16/main/pg_hba.conf"],
        checks: PG_CHECKS,
        dict: &[
            "include pg_hba.conf",
            "include_dir .",
            "host all all 0.0.0.0/0 trust",
            "local all all md5",
            "@pg_hba.conf",
            "\"all\"",
            "/^",
            "\\",
        ],
        nest: &[],
    },
    Parser {
        name: "compose",
        dests: &["srv/app/docker-compose.yml"],
        checks: APP_CHECKS,
        dict: YAML_DICT,
        nest: &[("- [", "]"), ("a: {", "}")],
    },
    Parser {
        name: "kubernetes",
        dests: &["srv/cluster/manifests.yaml", "etc/kubernetes/manifests/pod.yaml"],
        checks: &["tokens.*"],
        dict: YAML_DICT,
        nest: &[("- [", "]"), ("a: {", "}"), ("  ", "")],
    },
    Parser {
        name: "json",
        dests: &["srv/infra/policy.json", "etc/docker/daemon.json"],
        checks: &["tokens.*", "network.docker-api-tcp"],
        dict: &[
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"Statement\":",
            "\"Effect\": \"Allow\",",
            "\"\\u0000\"",
            "\"\\ud800\"",
            "1e999",
        ],
        nest: &[("[", "]"), ("{\"a\":", "}")],
    },
    Parser {
        name: "grafana",
        dests: &["etc/grafana/grafana.ini"],
        checks: &["passwords.grafana-admin-default"],
        dict: &[
            "[security]",
            "admin_password = admin",
            "admin_user = admin",
            "$__env{GF}",
            "$__file{/etc/grafana/grafana.ini}",
            "[",
            "]",
            ";",
            "\"\"\"",
        ],
        nest: &[("[s", "]\n")],
    },
    Parser {
        name: "dotenv",
        dests: &["srv/app/.env"],
        checks: APP_CHECKS,
        dict: &[
            "DB_PASSWORD=changeme",
            "export API_TOKEN=",
            "${DB_PASSWORD}",
            "DATABASE_URL=postgres://u:p@h/db",
            "`",
            "\"",
            "'",
        ],
        nest: &[("A=\"${", "}\"")],
    },
];

/// Tokens inserted into any parser's input.
const COMMON_DICT: &[&str] =
    &["\0", "\r", "\r\n", "\t", "\u{feff}", "\\", "\"", "'", "#", ";", "=", "{", "}", "[", "]", "\u{2028}", "${", "%"];

// ------------------------------------------------------------------ random

/// SplitMix64: small, seeded, the same sequence everywhere; `big` allows
/// the largest mutations (long runs).
struct Rng {
    state: u64,
    big: bool,
}

impl Rng {
    fn new(seed: u64, big: bool) -> Rng {
        Rng { state: seed, big }
    }
    /// `small` in the short run, `big` in a long one.
    fn size(&self, small: (usize, usize), big: (usize, usize)) -> (usize, usize) {
        if self.big {
            big
        } else {
            small
        }
    }
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    /// A repeat count: mostly small, sometimes past the line bound.
    fn count(&mut self) -> usize {
        match self.below(10) {
            0..=6 => self.range(1, 4),
            7 | 8 => self.range(10, 500),
            _ => {
                let (lo, hi) = self.size((500, 2_000), (1_000, 25_000));
                self.range(lo, hi)
            }
        }
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("{name}={v} is not a number")),
        Err(_) => default,
    }
}

// --------------------------------------------------------------- mutation

/// Byte offsets where each line starts, and the length.
fn line_starts(text: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1));
    if starts.last() == Some(&text.len()) && starts.len() > 1 {
        starts.pop();
    }
    starts
}

/// The line `i` (with its newline) as a byte range.
fn line_range(text: &[u8], starts: &[usize], i: usize) -> std::ops::Range<usize> {
    let end = starts.get(i + 1).copied().unwrap_or(text.len());
    starts[i]..end
}

/// One mutation of `text`, described in `log`.
fn mutate_once(rng: &mut Rng, text: &mut Vec<u8>, p: &Parser, seeds: &[Vec<u8>], log: &mut String) {
    let starts = line_starts(text);
    let line = rng.below(starts.len());
    let at_line = starts[line];
    let at_byte = if text.is_empty() { 0 } else { rng.below(text.len() + 1) };
    match rng.below(10) {
        0 if !text.is_empty() => {
            let i = rng.below(text.len());
            text[i] ^= 1 << rng.below(8);
            let _ = write!(log, " flip@{i}");
        }
        1 => {
            let r = line_range(text, &starts, line);
            let mut one = text[r.clone()].to_vec();
            if !one.ends_with(b"\n") {
                one.push(b'\n');
            }
            let n = rng.count();
            let copies = one.repeat(n);
            text.splice(r.end..r.end, copies);
            let _ = write!(log, " dup-line{}x{n}", line + 1);
        }
        2 => {
            let n = rng.range(1, 3).min(starts.len() - line);
            let end = line_range(text, &starts, line + n - 1).end;
            text.drain(starts[line]..end);
            let _ = write!(log, " delete-lines{}+{n}", line + 1);
        }
        3 => {
            let token = if rng.below(3) == 0 || p.dict.is_empty() { *rng.pick(COMMON_DICT) } else { *rng.pick(p.dict) };
            let n = rng.count().min(2_000);
            if rng.below(2) == 0 {
                let ins = format!("{token}\n").repeat(n);
                text.splice(at_line..at_line, ins.into_bytes());
                let _ = write!(log, " token-line{}x{n}:{token:?}", line + 1);
            } else {
                text.splice(at_byte..at_byte, token.repeat(n).into_bytes());
                let _ = write!(log, " token@{at_byte}x{n}:{token:?}");
            }
        }
        4 => {
            let (lo, hi) = rng.size((1_024, 32_768), (4_096, 300_000));
            let len = rng.range(lo, hi);
            let unit = *rng.pick(&["A", "a=", "{", " ", "\\", "x,", "*"]);
            let mut long = unit.repeat(len / unit.len());
            long.push('\n');
            text.splice(at_line..at_line, long.into_bytes());
            let _ = write!(log, " long-line{}:{len}x{unit:?}", line + 1);
        }
        5 if !p.nest.is_empty() => {
            let (open, close) = *rng.pick(p.nest);
            let (lo, hi) = rng.size((64, 500), (100, 3_000));
            let depth = if rng.below(4) == 0 { rng.range(lo, hi) } else { rng.range(2, 100) };
            let mut ins = open.repeat(depth);
            if rng.below(2) == 0 {
                ins.push_str(&close.repeat(depth));
            }
            text.splice(at_line..at_line, ins.into_bytes());
            let _ = write!(log, " nest-line{}x{depth}:{open:?}", line + 1);
        }
        6 => {
            text.truncate(at_byte);
            let _ = write!(log, " truncate@{at_byte}");
        }
        7 => {
            let other = rng.pick(seeds);
            let o_starts = line_starts(other);
            let from = rng.below(o_starts.len());
            let to = (from + rng.range(1, 50)).min(o_starts.len() - 1);
            let r = line_range(other, &o_starts, from).start..line_range(other, &o_starts, to).end;
            text.splice(at_line..at_line, other[r].to_vec());
            let _ = write!(log, " splice-line{}:{}..{}", line + 1, from + 1, to + 1);
        }
        8 => {
            let bytes: Vec<u8> = (0..rng.range(1, 16)).map(|_| rng.next() as u8).collect();
            text.splice(at_byte..at_byte, bytes);
            let _ = write!(log, " bytes@{at_byte}");
        }
        _ => {
            let (lo, hi) = rng.size((2, 3), (2, 8));
            let n = rng.range(lo, hi);
            *text = text.repeat(n);
            let _ = write!(log, " whole-file-x{n}");
        }
    }
    text.truncate(if rng.big { MAX_MUTANT } else { MAX_MUTANT_SHORT });
}

/// A mutant of one of `seeds`: one to four mutations.
fn mutant(rng: &mut Rng, p: &Parser, seeds: &[(String, Vec<u8>)]) -> (Vec<u8>, String) {
    let (name, seed) = rng.pick(seeds);
    let mut text = seed.clone();
    let mut log = name.clone();
    let all: Vec<Vec<u8>> = seeds.iter().map(|(_, s)| s.clone()).collect();
    for _ in 0..rng.range(1, 4) {
        mutate_once(rng, &mut text, p, &all, &mut log);
    }
    (text, log)
}

// ----------------------------------------------------------------- corpora

fn corpora() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpora")
}

/// The seeds of a parser, sorted by name (regression seeds included).
fn seeds(p: &Parser) -> Vec<(String, Vec<u8>)> {
    let dir = corpora().join(p.name);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "{}: no seed", dir.display());
    out
}

// -------------------------------------------------------------------- scan

struct Outcome {
    code: Option<i32>,
    signal: Option<i32>,
    timed_out: bool,
    elapsed: Duration,
    peak_kib: u64,
    stdout: String,
    stderr: String,
}

/// `scan --root` of `root` limited to `checks`, killed at [`RUN_TIMEOUT`].
fn scan(root: &Path, checks: &BTreeSet<&str>) -> Outcome {
    let cache = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hardcheck"));
    cmd.args(["scan", "--no-cache", "--passwords", "quick", "--format", "json", "--profile", "server", "--root"])
        .arg(root);
    for c in checks {
        cmd.args(["--check", c]);
    }
    cmd.env("XDG_CACHE_HOME", cache.path());
    let w = common::run_watched(&mut cmd, RUN_TIMEOUT);
    Outcome {
        code: w.status.code(),
        signal: w.status.signal(),
        timed_out: w.timed_out,
        elapsed: w.elapsed,
        peak_kib: w.peak_kib,
        stdout: w.stdout,
        stderr: w.stderr,
    }
}

/// Lines of a file as an editor counts them (a last line without newline counts).
fn line_count(bytes: &[u8]) -> usize {
    let newlines = bytes.iter().filter(|b| **b == b'\n').count();
    newlines + usize::from(!bytes.is_empty() && !bytes.ends_with(b"\n"))
}

/// What breaks the properties in one scan, if anything.
fn violations(root: &Path, o: &Outcome, largest: usize) -> Vec<String> {
    let mut bad = Vec::new();
    if o.timed_out {
        bad.push(format!("still running after {RUN_TIMEOUT:?} (killed)"));
    } else if !matches!(o.code, Some(0 | 1)) {
        let tail: String = o.stderr.chars().rev().take(600).collect::<Vec<_>>().into_iter().rev().collect();
        bad.push(format!("exit {:?}, signal {:?}; stderr: {tail}", o.code, o.signal));
    }
    let limit = BASE_MEMORY_KIB + MEMORY_PER_INPUT_BYTE * largest as u64 / 1024;
    if o.peak_kib > limit {
        bad.push(format!("peak memory {} KiB over {limit} KiB", o.peak_kib));
    }
    if bad.is_empty() {
        match serde_json::from_str::<serde_json::Value>(&o.stdout) {
            Ok(report) => bad.extend(evidence_violations(root, &report)),
            Err(e) => bad.push(format!("no JSON report: {e}")),
        }
    }
    bad
}

/// Evidence lines outside the file they name.
fn evidence_violations(root: &Path, report: &serde_json::Value) -> Vec<String> {
    let mut bad = Vec::new();
    for r in report["results"].as_array().into_iter().flatten() {
        for e in r["evidence"].as_array().into_iter().flatten() {
            let (Some(path), Some(line)) = (e["path"].as_str(), e["line"].as_u64()) else { continue };
            // `..` stops at the root, as inside the target (never the host's files).
            let mut inside = PathBuf::new();
            for c in path.split('/') {
                match c {
                    "" | "." => {}
                    ".." => {
                        inside.pop();
                    }
                    c => inside.push(c),
                }
            }
            let file = root.join(inside);
            if file.is_dir() {
                continue;
            }
            let lines = std::fs::read(&file).map(|b| line_count(&b)).unwrap_or(0);
            if line == 0 || line as usize > lines {
                bad.push(format!("{}: evidence {path}:{line} but the file has {lines} lines", r["id"]));
            }
        }
    }
    bad
}

// ------------------------------------------------------------------ rounds

/// A tree holding `files` (parser index, contents) written at each parser's destinations.
fn build_tree(group: &[Parser], files: &[(usize, &[u8])]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (i, text) in files {
        for dest in group[*i].dests {
            let p = d.path().join(dest);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text).unwrap();
        }
    }
    d
}

fn checks_of(group: &[Parser], which: impl Iterator<Item = usize>) -> BTreeSet<&'static str> {
    which.flat_map(|i| group[i].checks.iter().copied()).collect()
}

/// Scan one round (a mutant per parser); on a violation, replay each mutant
/// alone to name it, save it and return the report.
fn run_round(group: &[Parser], label: &str, mutants: &[(Vec<u8>, String)]) -> Option<String> {
    let files: Vec<(usize, &[u8])> = mutants.iter().enumerate().map(|(i, (t, _))| (i, t.as_slice())).collect();
    let largest = mutants.iter().map(|(t, _)| t.len()).max().unwrap_or(0);
    let tree = build_tree(group, &files);
    let o = scan(tree.path(), &checks_of(group, 0..group.len()));
    let bad = violations(tree.path(), &o, largest);
    let verbose = std::env::var_os("HARDCHECK_FUZZ_VERBOSE").is_some();
    if verbose {
        eprintln!(
            "{label}: {:.2} s, peak {} MiB, largest mutant {} KiB",
            o.elapsed.as_secs_f64(),
            o.peak_kib / 1024,
            largest / 1024
        );
    }
    // Verbose: a slow round is replayed per parser too, to name the slow one.
    if bad.is_empty() && !(verbose && o.elapsed > SLOW) {
        return None;
    }
    let mut report = format!("{label}: {}\n", bad.join("\n  "));
    let saved = Path::new(env!("CARGO_TARGET_TMPDIR")).join("properties-failures").join(label);
    let _ = std::fs::remove_dir_all(&saved);
    if !bad.is_empty() {
        // The whole round, for a failure no mutant shows alone.
        common::copy_tree(tree.path(), &saved.join("tree"));
        let _ = writeln!(report, "  the round's tree: {}", saved.join("tree").display());
    }
    for (i, (text, log)) in mutants.iter().enumerate() {
        let alone = build_tree(group, &[(i, text.as_slice())]);
        let o = scan(alone.path(), &checks_of(group, std::iter::once(i)));
        let bad = violations(alone.path(), &o, text.len());
        if verbose {
            eprintln!(
                "  {} alone ({log}): {:.2} s, peak {} MiB",
                group[i].name,
                o.elapsed.as_secs_f64(),
                o.peak_kib / 1024
            );
        }
        if !bad.is_empty() {
            let file = saved.join(group[i].name);
            std::fs::create_dir_all(&saved).unwrap();
            std::fs::write(&file, text).unwrap();
            let _ = writeln!(
                report,
                "  {} alone ({log}; {:.1} s): {}\n  saved as {} (copy it to tests/corpora/{}/regress-… once fixed)",
                group[i].name,
                o.elapsed.as_secs_f64(),
                bad.join("; "),
                file.display(),
                group[i].name
            );
        }
    }
    (!bad.is_empty()).then_some(report)
}

/// `rounds` rounds of mutants of every parser of `group`.
fn fuzz_group(group_name: &str, group: &[Parser]) {
    let total_parsers = SYSTEM.len() + SERVICES.len();
    let iterations = env_number("HARDCHECK_FUZZ_ITERATIONS", DEFAULT_ITERATIONS as u64) as usize;
    let rounds = iterations.div_ceil(total_parsers).max(1);
    // A long run (more than the default) makes the largest mutations too.
    let big = iterations > DEFAULT_ITERATIONS;
    let seed = env_number("HARDCHECK_FUZZ_SEED", DEFAULT_SEED);
    let corpus: Vec<Vec<(String, Vec<u8>)>> = group.iter().map(seeds).collect();
    let (mut failures, start, mut slowest) = (Vec::new(), Instant::now(), 0f64);
    // `HARDCHECK_FUZZ_ROUND=N` replays round N only (a failure names its round).
    let only = std::env::var("HARDCHECK_FUZZ_ROUND").ok().and_then(|r| r.parse::<usize>().ok());
    for round in (0..rounds.max(only.map_or(0, |r| r + 1))).filter(|r| only.is_none_or(|o| o == *r)) {
        let name =
            group_name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        let mut rng = Rng::new(seed ^ name ^ (round as u64).wrapping_mul(0x2545_f491_4f6c_dd1d), big);
        let mutants: Vec<(Vec<u8>, String)> =
            group.iter().zip(&corpus).map(|(p, seeds)| mutant(&mut rng, p, seeds)).collect();
        let t = Instant::now();
        if let Some(f) = run_round(group, &format!("{group_name}-seed{seed:x}-round{round}"), &mutants) {
            failures.push(f);
        }
        slowest = slowest.max(t.elapsed().as_secs_f64());
    }
    eprintln!(
        "properties {group_name}: {} mutants in {rounds} scans, {:.1} s (slowest scan {slowest:.1} s), {} failed",
        rounds * group.len(),
        start.elapsed().as_secs_f64(),
        failures.len()
    );
    assert!(failures.is_empty(), "HARDCHECK_FUZZ_SEED={seed}:\n{}", failures.join("\n"));
}

// ------------------------------------------------------------------- tests

#[test]
fn mutants_of_system_configs_keep_the_properties() {
    fuzz_group("system", SYSTEM);
}

#[test]
fn mutants_of_service_configs_keep_the_properties() {
    fuzz_group("services", SERVICES);
}

/// Every seed, unmutated (Debian defaults, hostile files and regression
/// seeds), keeps the properties too; the corpus covers every parser.
#[test]
fn seed_corpora_keep_the_properties() {
    let mut failures = Vec::new();
    for (group_name, group) in [("system", SYSTEM), ("services", SERVICES)] {
        let corpus: Vec<Vec<(String, Vec<u8>)>> = group.iter().map(seeds).collect();
        let rounds = corpus.iter().map(Vec::len).max().unwrap();
        // `HARDCHECK_FUZZ_ROUND=N` replays round N only (a failure names its round).
        let only = std::env::var("HARDCHECK_FUZZ_ROUND").ok().and_then(|r| r.parse::<usize>().ok());
        for round in (0..rounds.max(only.map_or(0, |r| r + 1))).filter(|r| only.is_none_or(|o| o == *r)) {
            let picked: Vec<(Vec<u8>, String)> =
                corpus.iter().map(|s| s[round % s.len()].clone()).map(|(n, t)| (t, n)).collect();
            if let Some(f) = run_round(group, &format!("{group_name}-seeds{round}"), &picked) {
                failures.push(f);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let dirs: BTreeSet<String> =
        std::fs::read_dir(corpora()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    let parsers: BTreeSet<String> = SYSTEM.iter().chain(SERVICES).map(|p| p.name.to_string()).collect();
    assert_eq!(dirs, parsers, "every corpus has a parser and every parser a corpus");
}

/// The generator is deterministic: the same seed gives the same mutants
/// (a failure reported with its seed and round is reproduced exactly).
#[test]
fn mutations_are_reproducible_and_varied() {
    let p = &SERVICES[0];
    let corpus = seeds(p);
    let run = |seed| {
        let mut rng = Rng::new(seed, true);
        (0..50).map(|_| mutant(&mut rng, p, &corpus)).collect::<Vec<_>>()
    };
    let (a, b, c) = (run(1), run(1), run(2));
    assert_eq!(a, b);
    assert_ne!(a, c);
    let distinct: BTreeSet<&Vec<u8>> = a.iter().map(|(t, _)| t).collect();
    assert!(distinct.len() > 40, "{}", distinct.len());
    assert!(a.iter().all(|(t, _)| t.len() <= MAX_MUTANT));
}
