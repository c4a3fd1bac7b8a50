//! Every bound hardcheck applies to what it reads, walks, parses, probes
//! and reports, in one place.
//!
//! A target is untrusted input: a hostile image can hold an include loop, a
//! billion-laughs YAML file, a million files or a server that never
//! answers. Each bound below turns such input into a `skip`/`error` result
//! with the reason (or a note) instead of a hang or an exhausted machine.
//! Where a program has a bound of its own (PostgreSQL's include depth), the
//! constant says so and hardcheck follows the program.

use std::time::Duration;

// ------------------------------------------------------------ reading files

/// Largest file read (config files are small; anything larger is skipped
/// with a reason). The target layer's `target::MAX_FILE_BYTES` has this
/// value (a test holds them equal).
pub const FILE_BYTES: u64 = 8 * 1024 * 1024;
/// Most lines of a text file parsed (more is a `skip`/`error` naming the
/// file; the package databases are exempt). 20,000 lines hold a
/// 10,000-account `/etc/passwd` twice over.
pub const FILE_LINES: usize = 20_000;
/// Most symlinks followed while resolving one path (Linux's MAXSYMLINKS).
/// The target layer's `target::MAX_SYMLINKS` has this value (a test holds
/// them equal).
pub const SYMLINK_HOPS: usize = 40;

// ------------------------------------------------------ following includes

/// Bounds of one include-following read of a configuration
/// (`sources::include`): how deep includes nest, how many files, bytes and
/// lines one configuration (a main file and everything it pulls in) may
/// read. A file read again (the same drop-in directory included twice)
/// counts again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Includes {
    pub depth: usize,
    pub files: usize,
    pub bytes: u64,
    pub lines: usize,
}

/// The default include bounds (sshd's `READCONF_MAX_DEPTH` is 16 as well);
/// 250,000 lines leave room for 2,000 nginx sites with their snippets.
pub const INCLUDES: Includes = Includes { depth: 16, files: 512, bytes: 8 * 1024 * 1024, lines: 250_000 };
/// Lines of a MySQL or Redis configuration: real ones are a few thousand
/// lines with comments (Debian's redis.conf about 2,300); beyond, every line
/// is a setting that each check's facts would carry (the long fuzz run
/// reached 1.5 GB with one `!includedir` repeated 80 times).
pub const SMALL_CONFIG_LINES: usize = 20_000;
/// MySQL/MariaDB option files: `my_default.c` stops at 10 levels.
pub const MYSQL_INCLUDES: Includes = Includes { depth: 10, lines: SMALL_CONFIG_LINES, ..INCLUDES };
/// PostgreSQL: `CONF_FILE_MAX_DEPTH` (guc.h) is 10; also for pg_hba.conf
/// inclusions and `@file` lists.
pub const POSTGRESQL_INCLUDES: Includes = Includes { depth: 10, ..INCLUDES };
/// sudoers `@include`/`@includedir` nesting followed, and 1 MiB in all (a
/// real policy is a few KB; `#includedir /etc` repeated reads every file of
/// /etc as sudoers each time).
pub const SUDOERS_INCLUDES: Includes = Includes { depth: 8, bytes: 1024 * 1024, ..INCLUDES };
/// Directives of one Redis configuration (includes expanded), and users of
/// one ACL file: Debian's redis.conf sets about 100; each directive is an
/// entry every Redis check carries (the long fuzz run: one line repeated
/// 12,000 times, 185 MB).
pub const REDIS_DIRECTIVES: usize = 2_000;
/// Redis `include` nesting followed.
pub const REDIS_INCLUDES: Includes = Includes { depth: 10, lines: SMALL_CONFIG_LINES, ..INCLUDES };
/// PAM: `PAM_SUBSTACK_MAX_LEVEL` in libpam.
pub const PAM_LEVELS: usize = 16;
/// PAM services, rules of every stack, and files read in one scan.
pub const PAM_SERVICES: usize = 512;
pub const PAM_RULES: usize = 4096;
pub const PAM_FILES: usize = 1024;
/// Bytes of PAM configuration read in one scan, includes counted each time.
pub const PAM_BYTES: u64 = 8 * 1024 * 1024;
/// Longest INI section name or sshd `Match` criteria: each setting under it
/// carries it, so a longer one is malformed rather than copied per line.
pub const CONFIG_NAME_BYTES: usize = 4096;
/// Include directives (globs expanded and files asked for, a loop or a
/// bound included) one configuration may follow: 2,000 nginx sites with a
/// few snippets each stay well under; a file of thousands of `include *`
/// lines read again and again (the long fuzz run: 1,757 Apache
/// `IncludeOptional *` lines, 8.7 s and 1.6 GB) stops here.
pub const INCLUDE_DIRECTIVES: usize = 20_000;
/// Notes (syntax errors, includes not read) one configuration keeps: the
/// same note is kept once, and past this many the rest are counted in a
/// last note.
pub const CONFIG_NOTES: usize = 256;
/// Deepest block nesting of nginx and Apache configurations.
pub const CONFIG_NESTING: usize = 64;

// ---------------------------------------------------- structured documents

/// Values (leaves) one YAML/JSON/TOML configuration file may hold: each
/// becomes an entry `{path, line, key, value}` that the checks reading it
/// carry (the long fuzz run: one `daemon.json` line of 236,000 strings took
/// 1.8 GB and 10 s). A larger file is not judged, with the reason.
pub const DOCUMENT_LEAVES: usize = 10_000;
/// Nodes one YAML/JSON file may expand to (aliases included: no billion laughs).
pub const DOCUMENT_NODES: usize = 1_000_000;
/// Deepest nesting of a YAML/JSON document.
pub const DOCUMENT_NESTING: usize = 128;
/// Policy documents (Kubernetes, IAM, workflows, Vault): nodes per file,
/// nesting, and the largest file parsed.
pub const POLICY_NODES: usize = 200_000;
pub const POLICY_NESTING: usize = 64;
pub const POLICY_BYTES: u64 = 1024 * 1024;
/// Certificates taken from one PEM file.
pub const CERTS_PER_FILE: usize = 1000;

// ------------------------------------------------------------------- walks

/// Bounds of a directory walk: levels entered below each start, directory
/// entries looked at and files taken, in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Walk {
    pub depth: usize,
    pub entries: usize,
    pub files: usize,
}

/// Entries one `walk` file source visits (a user check over a tree).
pub const META_WALK_ENTRIES: usize = 500_000;
/// Matching entries one `walk` file source keeps for its check (200k
/// unowned files must not cost gigabytes: the rest are counted, and the
/// result says the limit was reached).
pub const META_WALK_KEPT: usize = 10_000;
/// Default depth of a `walk` file source.
pub const META_WALK_DEPTH: usize = 12;
/// Credentials (service passwords, env variables, tokens) judged in one
/// scan: a real host has dozens; a file of thousands of password variables
/// would carry each one, with its verdict, into every check's facts (the
/// long fuzz run: 19,000 lines of one `.env`, 190 MB). The rest are not
/// judged, and the checks say so.
pub const CREDENTIALS: usize = 2_000;
/// Env and compose files under the app paths (credentials).
pub const CREDENTIALS_WALK: Walk = Walk { depth: 6, entries: 100_000, files: 500 };
/// SQL scripts under the app paths.
pub const SQL_WALK: Walk = Walk { depth: 8, entries: 100_000, files: 500 };
/// Policy documents under the app paths.
pub const POLICY_WALK: Walk = Walk { depth: 8, entries: 100_000, files: 2_000 };
/// The secret search, and how much of each file it reads.
pub const SECRET_WALK: Walk = Walk { depth: 32, entries: 200_000, files: 20_000 };
pub const SECRET_SCAN_BYTES: u64 = 1024 * 1024;
/// systemd units looked at for `EnvironmentFile=`.
pub const SECRET_UNITS: usize = 5000;
/// Certificates and keys under /etc/ssl, /etc/pki and /etc/letsencrypt.
pub const CERT_WALK: Walk = Walk { depth: 6, entries: usize::MAX, files: 5000 };
/// Certificate and key files taken from service configurations.
pub const CERT_REFS: usize = 1000;
/// Ports of one nginx `listen` port range listed one by one.
pub const PORT_RANGE: usize = 64;
/// Listeners the configurations of one scan declare (each distinct one
/// once); past it the rest are not listed and the reason is recorded.
pub const DECLARED_LISTENERS: usize = 1024;

// -------------------------------------------------------- results, evidence

/// Evidence entries kept per result.
pub const EVIDENCE_PER_RESULT: usize = 200;
/// Characters of a SQL statement shown in evidence.
pub const SQL_DETAIL_CHARS: usize = 240;
/// Findings kept per kind and database connection.
pub const DB_FINDINGS: usize = 500;
/// Password entries judged per check (a hostile file cannot make the
/// candidate table unbounded), and names listed in one note.
pub const PASSWORD_ENTRIES: usize = 10_000;
pub const NOTE_NAMES: usize = 5;
/// Password guessing, one budget for the whole scan (every password check
/// shares it), on every core: by default (`--passwords quick`) the
/// strongest guesses only (empty, name variants, the top
/// [`PASSWORD_QUICK_COMMON`] of the list); `--passwords thorough` and the
/// audit profiles (`passwords = "thorough"`) the whole list. The thorough
/// budget stays under [`CHECK_TIME`].
pub const PASSWORD_QUICK_BUDGET: Duration = Duration::from_millis(100);
pub const PASSWORD_THOROUGH_BUDGET: Duration = Duration::from_secs(5);
pub const PASSWORD_QUICK_COMMON: usize = 100;
/// Hash memory quick guessing holds at once: as many verifications run
/// side by side as fit (one Debian yescrypt, 16 MiB; every core for
/// SHA-crypt), so that a default scan stays small.
pub const PASSWORD_QUICK_MEMORY: u64 = 16 * 1024 * 1024;
/// Records kept in the invoking user's resume cache (the oldest go first).
pub const CACHE_ENTRIES: usize = 20_000;

// ------------------------------------------------------ checks, expressions

/// The scan's memory (resident) while a check's predicate evaluates: CEL
/// evaluation cannot be interrupted and has no memory budget, so past this
/// the predicates still evaluating are `error` results, the checks not yet
/// judged too, and the scan reports at once (ending the process ends the
/// runaway evaluation). The largest scans measured stay under 200 MB.
pub const SCAN_MEMORY: u64 = 512 << 20;

/// Longest CEL expression, deepest bracket nesting, most binary operators
/// (the recursive parser's stack).
pub const EXPR_BYTES: usize = 4096;
pub const EXPR_NESTING: usize = 32;
pub const EXPR_OPERATORS: usize = 256;
/// Compiled `matches` patterns kept per process (the cache starts over
/// when full).
pub const REGEX_CACHE: usize = 256;
/// Compiled CEL expressions shared between definitions that hold the same
/// text (the cache starts over when full).
pub const EXPR_CACHE: usize = 4096;
/// Largest `lists.range(n)` a CEL expression may ask for (a literal), and
/// the most elements nested comprehensions over an expression's own lists
/// and ranges may create (checked when the expression is compiled).
pub const CEL_RANGE: u64 = 10_000;
pub const CEL_GENERATED: u64 = 1_000_000;
/// Time one check may take: past it the check is an `error` result and the
/// scan goes on with a fresh worker.
pub const CHECK_TIME: Duration = Duration::from_secs(10);
/// Most items a `for_each` may give, and most bytes of one value put into a
/// message: more is an `error` result.
pub const CEL_ITEMS: usize = 1_000_000;
/// Stack of each check worker thread (deeply nested CEL must not overflow it).
pub const WORKER_STACK: usize = 64 * 1024 * 1024;
/// Check worker threads, at most.
pub const WORKERS: usize = 4;
/// Time for the whole scan: a check still running then is an `error`.
pub const SCAN_BUDGET: Duration = Duration::from_secs(120);

// ------------------------------------------------------- live connections

/// TLS/HTTP handshakes with local ports: one step's timeout, the wait for a
/// server that speaks first, ports at once, ports per scan, and the time
/// for all of them.
pub const HANDSHAKE_STEP: Duration = Duration::from_millis(1500);
pub const HANDSHAKE_BANNER_WAIT: Duration = Duration::from_millis(250);
pub const HANDSHAKE_PARALLEL: usize = 4;
pub const HANDSHAKE_PORTS: usize = 128;
pub const HANDSHAKE_BUDGET: Duration = Duration::from_secs(60);
/// Database connections (`--db`): connect/read/write timeout, and the time
/// for one connection's whole introspection.
pub const DB_TIMEOUT: Duration = Duration::from_secs(5);
pub const DB_DEADLINE: Duration = Duration::from_secs(15);
/// Redis replies (RESP): longest line, largest bulk string, most array
/// items, deepest nesting.
pub const RESP_LINE: usize = 64 * 1024;
pub const RESP_BULK: usize = 16 * 1024 * 1024;
pub const RESP_ARRAY: usize = 100_000;
pub const RESP_DEPTH: usize = 8;

// ------------------------------------------------------------ fleet merge

/// `hardcheck merge`: the largest report file read (a full scan with every
/// evidence entry is a few MiB), and the most reports merged at once.
pub const REPORT_BYTES: u64 = 64 * 1024 * 1024;
pub const FLEET_REPORTS: usize = 10_000;
