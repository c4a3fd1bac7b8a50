//! The `hardcheck` command: parses arguments, runs, maps to an exit code
//! (0 ok, 1 a gate failed, 2 usage or fatal error).
#![forbid(unsafe_code)]

use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Parser, Subcommand, ValueEnum};
use hardcheck::audit::Audit;
use hardcheck::checks::definition::{self, Check};
use hardcheck::checks::{engine, profile, score, surface};
use hardcheck::collectors::{container, dblive};
use hardcheck::facts::{Facts, ScanOptions};
use hardcheck::model::{Change, CheckResult, Severity, Skipped, Status};
use hardcheck::report::{self, Format, Report, TargetInfo, Tool};
use hardcheck::target::{FsTarget, ImageTarget, Target};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "hardcheck",
    version,
    about = "Check a Linux host, root filesystem or image against secure defaults",
    after_help = "Exit codes: 0 no gate failed, 1 a gate failed (--fail-on, --min-score), 2 usage or fatal error.\nSee `hardcheck scan --help` for the scan options and examples."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan a target and print a scored hardening report.
    Scan(Box<ScanArgs>),
    /// List or explain checks.
    #[command(subcommand)]
    Checks(ChecksCommand),
    /// List profiles.
    #[command(subcommand)]
    Profiles(ProfilesCommand),
    /// Print a reviewed fix for the failing checks: a patch, a script or JSON.
    Fix(Box<hardcheck::fix::FixArgs>),
    /// List the facts a check definition can read (`sources:`).
    Sources {
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Merge JSON reports of many hosts into one fleet view (docs/fleet.md).
    Merge(MergeArgs),
}

#[derive(clap::Args)]
#[command(after_help = "Exit codes: 0 merged, 1 --fail-on failed on a host, 2 an input is missing, not a \
                        hardcheck JSON report, or of another schema version (the file is named).")]
struct MergeArgs {
    /// JSON reports (`hardcheck scan --format json`), one or more per host.
    #[arg(value_name = "REPORT.json", required = true)]
    reports: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    format: hardcheck::fleet::Format,
    /// Write the fleet view to a file instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit 1 when a host fails a check at or above this severity (waived
    /// failures do not count).
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<Severity>,
}

const SCAN_HELP: &str = "\
Exit codes:
  0  the scan completed and no gate failed
  1  a gate failed: a check at or above --fail-on failed, or the score is
     below --min-score (gates may also come from the profile)
  2  usage or fatal error (unreadable target, invalid check or profile file,
     unknown check id), with one line on stderr

Examples:
  sudo $(command -v hardcheck) scan            the live host, as root sees it
  hardcheck scan --root /mnt/disk              an offline root filesystem
  hardcheck scan --check ssh --exclude ssh.x11-forwarding
  hardcheck scan --fail-on high --format sarif --output hardcheck.sarif
  hardcheck scan -q                            score line and failed ids only";

#[derive(clap::Args)]
#[command(after_help = SCAN_HELP)]
struct ScanArgs {
    /// Scan an offline root filesystem instead of the live host.
    #[arg(long, value_name = "DIR", conflicts_with = "image")]
    root: Option<PathBuf>,
    /// Scan a container image archive: `docker save`, an OCI layout
    /// directory or an OCI archive; `PATH:TAG` picks one of several images.
    #[arg(long, value_name = "PATH[:TAG]")]
    image: Option<String>,
    /// Platform of a multi-platform image (default linux/amd64).
    #[arg(long, value_name = "OS/ARCH", requires = "image")]
    platform: Option<String>,
    /// Profile name (baseline, server, container, strict, cis-…) or path to a profile TOML
    /// (default baseline; container for --image and when a live scan runs inside a container).
    #[arg(long)]
    profile: Option<String>,
    /// Also judge this Dockerfile (Dockerfiles under the app paths are found).
    #[arg(long, value_name = "PATH")]
    dockerfile: Option<PathBuf>,
    /// Add check definitions from a directory (repeatable).
    #[arg(long = "checks", value_name = "DIR")]
    checks: Vec<PathBuf>,
    /// Only run these checks (repeatable): an id, a glob like `ssh.*`, or a
    /// category like `ssh`.
    #[arg(long = "check", value_name = "ID")]
    only: Vec<String>,
    /// Do not run these checks (repeatable): an id, a glob or a category.
    #[arg(long = "exclude", value_name = "ID|GLOB")]
    exclude: Vec<String>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the report to a file instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Table: list every result (passes and skips too), every listener and
    /// every input not read.
    #[arg(short, long, conflicts_with = "quiet")]
    verbose: bool,
    /// Table: print only the score line and the failed check ids; no
    /// progress line or notes on stderr.
    #[arg(short, long)]
    quiet: bool,
    /// Markdown: where the full report is published (a link in the
    /// summary, which is cut to fit a pull-request comment).
    #[arg(long, value_name = "URL")]
    report_url: Option<String>,
    /// Exit 1 when a check at or above this severity fails.
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<Severity>,
    /// Exit 1 when the score is below N (0 to 100).
    #[arg(long, value_name = "N", value_parser = parse_min_score)]
    min_score: Option<f64>,
    /// Do not probe listening ports (no TLS/HTTP connections to local services).
    #[arg(long)]
    no_probe: bool,
    /// Password guessing: `quick` (default: empty, name variants and the
    /// top of the list, 100 ms for the whole scan) or `thorough` (the whole
    /// list, 5 s). The profile may set it; this flag wins.
    #[arg(long, value_name = "MODE")]
    passwords: Option<hardcheck::passwords::Mode>,
    /// Do not read or write the resume cache ($XDG_CACHE_HOME/hardcheck or
    /// ~/.cache/hardcheck: keyed digests of password hashes, never the hashes).
    #[arg(long)]
    no_cache: bool,
    /// Introspect a running database with read-only queries (repeatable):
    /// postgres://USER:PASSWORD@HOST:PORT/DB, mysql://… (or mariadb://…),
    /// redis://[USER]:PASSWORD@HOST:PORT. Also with --root: the database is
    /// remote of the target. Passwords never appear in any output.
    #[arg(long = "db", value_name = "URL")]
    db: Vec<String>,
    /// Accept failures for a reason until a date (TOML `[[waiver]]` with
    /// check, optional path, reason, owner, expires); see docs/compliance.md.
    #[arg(long, value_name = "FILE")]
    waivers: Option<PathBuf>,
    /// Compare with an earlier JSON report: each failing finding is new or
    /// unchanged, and what was fixed is listed.
    #[arg(long, value_name = "OLD.json")]
    baseline: Option<PathBuf>,
    /// Gate only on failures that are new against --baseline.
    #[arg(long, requires = "baseline")]
    fail_on_new: bool,
}

#[derive(Subcommand)]
enum ChecksCommand {
    /// List every check.
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
        /// Add check definitions from a directory (repeatable).
        #[arg(long = "checks", value_name = "DIR")]
        checks: Vec<PathBuf>,
        /// Markdown: the reference page of one category (default: the index).
        #[arg(long, value_name = "CATEGORY")]
        category: Option<String>,
    },
    /// Explain one check: rationale, fix, references, how it is evaluated.
    Explain {
        id: String,
        #[arg(long = "checks", value_name = "DIR")]
        checks: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ProfilesCommand {
    /// List the built-in profiles.
    List,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Table,
    Json,
    Markdown,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("hardcheck: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Scan(args) => scan(*args),
        Command::Checks(ChecksCommand::List { format, checks, category }) => {
            list_checks(format, &checks, category.as_deref())
        }
        Command::Sources { format } => list_sources(format),
        Command::Checks(ChecksCommand::Explain { id, checks }) => explain(&id, &checks),
        Command::Profiles(ProfilesCommand::List) => list_profiles(),
        Command::Fix(args) => Ok(hardcheck::fix::run(&args)?),
        Command::Merge(a) => Ok(hardcheck::fleet::run(&a.reports, a.format, a.output.as_deref(), a.fail_on)?),
    }
}

fn load_checks(dirs: &[PathBuf]) -> Result<Vec<Arc<Check>>> {
    Ok(definition::load_all(dirs)?.into_iter().map(Arc::new).collect())
}

fn use_color(to_stdout: bool) -> bool {
    to_stdout && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn scan(args: ScanArgs) -> Result<u8> {
    let clock = report::context::Clock::start();
    let mut phases = hardcheck::checks::timings::Phases::start();
    let image = match &args.image {
        Some(spec) => Some(Arc::new(ImageTarget::open(spec, args.platform.as_deref())?)),
        None => None,
    };
    let target: Arc<dyn Target> = match (&image, &args.root) {
        (Some(image), _) => image.clone(),
        (None, Some(dir)) => Arc::new(FsTarget::root(dir)?),
        (None, None) => Arc::new(FsTarget::host()),
    };
    phases.mark("target");
    let checks = load_checks(&args.checks)?;
    phases.mark("definitions");
    let container = container::of(target.as_ref());
    let default = container::default_profile(container.as_ref(), image.is_some());
    let mut prof = profile::load(args.profile.as_deref().unwrap_or(default))?;
    let audit = Audit::prepare(&mut prof, args.waivers.as_deref(), args.baseline.as_deref())?;
    let plan = select(&prof, &checks, &args.only, &args.exclude)?;
    let docs = docs_of(&plan);
    for url in &args.db {
        dblive::Url::parse(url).map_err(|e| anyhow!(hardcheck::redact::mask(&e.to_string())))?;
    }
    let options = ScanOptions {
        probe: !args.no_probe,
        db_urls: args.db.clone(),
        dockerfile: args.dockerfile.as_ref().map(|p| p.display().to_string()),
        container: container.as_ref().filter(|_| args.profile.is_none()).map(|c| c.engine.clone()),
        passwords: args.passwords.or(prof.passwords).unwrap_or_default(),
        ..ScanOptions::default().with_cache(args.no_cache)
    };
    let facts = Arc::new(Facts::new(target.clone(), options));
    phases.mark("plan");
    let mut results = run_with_progress(facts.clone(), plan, !args.quiet);
    phases.mark("checks");
    let mut skipped = facts.reader().skipped();
    if let Some(image) = &image {
        image_results(image, &mut results, &mut skipped);
    }
    let scan = clock.finish();
    let found = audit.finish(&prof.name, scan.started_at.get(..10).unwrap_or_default(), &mut results);
    let sc = score::score(&results);
    // The exposed surface, for the report's compact sections.
    let listeners = surface::listeners(&facts, &results);
    let declared_listeners = surface::declared_listeners(&facts, &checks, &results);
    let report = Report {
        schema_version: 1,
        tool: Tool { name: "hardcheck", version: env!("CARGO_PKG_VERSION") },
        target: TargetInfo {
            kind: target.kind().as_str(),
            path: match (&args.root, &image) {
                (None, None) => "/".into(),
                _ => target.display_path(),
            },
            // An image is named by its first tag (the archive path without one).
            host: match image.as_ref().and_then(|i| i.info().tags.first()) {
                Some(tag) => tag.clone(),
                None => report::context::target_host(target.as_ref()),
            },
            image: image.as_ref().map(|i| i.info().clone()),
            container,
        },
        scan,
        profile: prof.name.clone(),
        summary: score::summary(&results),
        score: sc,
        results,
        skipped,
        listeners,
        declared_listeners,
        compliance: found.compliance,
        waivers: found.waivers,
        fixed: found.fixed,
        docs,
    };
    phases.mark("report");
    write_report(&report, &args)?;
    phases.mark("output");
    phases.finish();
    Ok(gates(&report, &args, &prof))
}

/// The rationale of each planned check, for the formats that show it.
fn docs_of(plan: &[engine::Planned]) -> BTreeMap<String, report::CheckDoc> {
    plan.iter()
        .map(|p| (p.check.def.id.clone(), report::CheckDoc { rationale: p.check.def.rationale.trim().to_string() }))
        .collect()
}

/// `--min-score`: a number from 0 to 100.
fn parse_min_score(s: &str) -> Result<f64, String> {
    let v: f64 = s.trim().parse().map_err(|_| format!("`{s}` is not a number"))?;
    if !(0.0..=100.0).contains(&v) {
        return Err(format!("{v} is out of range: the score is from 0 to 100"));
    }
    Ok(v)
}

/// The checks to run: the profile's, or only `--check`'s; minus `--exclude`.
fn select(
    prof: &profile::Profile,
    checks: &[Arc<Check>],
    only: &[String],
    exclude: &[String],
) -> Result<Vec<engine::Planned>> {
    let only: Vec<String> = only.iter().map(|p| selection_pattern(p, checks, "--check")).collect::<Result<_>>()?;
    let exclude: Vec<String> =
        exclude.iter().map(|p| selection_pattern(p, checks, "--exclude")).collect::<Result<_>>()?;
    let mut plan = if only.is_empty() { prof.plan(checks)? } else { prof.plan_only(checks, &only)? };
    plan.retain(|p| !exclude.iter().any(|pat| profile::matches(pat, &p.check)));
    if plan.is_empty() {
        bail!("no check left to run (every selected check is excluded)");
    }
    Ok(plan)
}

/// A `--check`/`--exclude` value as a pattern: a category name becomes
/// `category.*`; a pattern that matches no check is an error with the
/// nearest ids as suggestions.
fn selection_pattern(pat: &str, checks: &[Arc<Check>], flag: &str) -> Result<String> {
    if checks.iter().any(|c| profile::matches(pat, c)) {
        return Ok(pat.to_string());
    }
    if checks.iter().any(|c| c.def.category == pat) {
        return Ok(format!("{pat}.*"));
    }
    // One line, as every usage error.
    let near = suggestions(pat, checks);
    let hint = match near.is_empty() {
        true => "see `hardcheck checks list`".to_string(),
        false => {
            let names: Vec<String> = near.iter().map(|s| format!("`{s}`")).collect();
            format!("did you mean {}?", names.join(" or "))
        }
    };
    let msg = format!("{flag} `{pat}` matches no check id, alias or category ({hint})");
    Err(anyhow!(msg))
}

/// Ids and categories close to a mistyped `pat`: by edit distance (at most
/// a third of the length), or containing it; the best three.
fn suggestions(pat: &str, checks: &[Arc<Check>]) -> Vec<String> {
    let mut names: Vec<&str> = checks.iter().flat_map(|c| [c.def.id.as_str(), c.def.category.as_str()]).collect();
    names.sort_unstable();
    names.dedup();
    let needle = pat.trim_end_matches(".*").to_ascii_lowercase();
    let max = (needle.chars().count() / 3).max(1);
    let mut scored: Vec<(usize, &str)> = names
        .into_iter()
        .filter_map(|n| {
            let d = edit_distance(&needle, n);
            match d {
                d if d <= max => Some((d, n)),
                _ if needle.len() >= 4 && n.contains(&needle) => Some((max + 1, n)),
                _ => None,
            }
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, n)| n.to_string()).collect()
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Run the checks; on a terminal, a progress line on stderr once the work
/// has taken a second (password guessing, TLS probes), cleared at the end.
fn run_with_progress(facts: Arc<Facts>, plan: Vec<engine::Planned>, allowed: bool) -> Vec<CheckResult> {
    let total = plan.len();
    let finished = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let show = allowed && std::io::stderr().is_terminal();
    std::thread::scope(|s| {
        if show {
            s.spawn(|| progress_line(&finished, &stop, total));
        }
        let results = engine::run(facts, plan, &finished);
        stop.store(true, Ordering::Relaxed);
        results
    })
}

fn progress_line(finished: &AtomicUsize, stop: &AtomicBool, total: usize) {
    // The delay can be shortened for the tests (which have no slow scan).
    let delay = std::env::var("HARDCHECK_PROGRESS_DELAY_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let start = Instant::now();
    let mut shown = false;
    let mut last = String::new();
    loop {
        let elapsed = start.elapsed();
        if elapsed >= Duration::from_millis(delay) {
            let done = finished.load(Ordering::Relaxed);
            let line = format!("hardcheck: {done}/{total} checks done ({} s)", elapsed.as_secs());
            if line != last {
                eprint!("\r\x1b[2K{line}");
                last = line;
                shown = true;
            }
        }
        if stop.load(Ordering::Relaxed) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if shown {
        eprint!("\r\x1b[2K");
    }
}

/// The table's width: the terminal's when standard output is one, else
/// `COLUMNS` when set, else 80.
fn table_width(to_stdout: bool) -> usize {
    let term = to_stdout && std::io::stdout().is_terminal();
    let tty = term.then(|| comfy_table::Table::new().width().map(usize::from)).flatten();
    let columns = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok()).filter(|c| *c > 0);
    tty.or(columns).unwrap_or(80)
}

fn write_report(report: &Report, args: &ScanArgs) -> Result<()> {
    let to_stdout = args.output.is_none();
    let opts = report::RenderOptions {
        color: use_color(to_stdout),
        verbose: args.verbose,
        quiet: args.quiet,
        width: Some(table_width(to_stdout)),
        report_url: args.report_url.clone(),
    };
    if report.sees_less() && !args.quiet && args.format != Format::Table {
        eprintln!(
            "hardcheck: note: not running as root ({}): {} input(s) could not be read; run it with sudo to see everything",
            report.scan.user,
            report.skipped.len()
        );
    }
    let text = report::render_with(report, args.format, &opts).map_err(|e| anyhow!(e))?;
    match &args.output {
        Some(path) => std::fs::write(path, &text).with_context(|| format!("--output {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = out.write_all(text.as_bytes());
        }
    }
    Ok(())
}

/// Exit code of the gates: 1 when `--fail-on` or `--min-score` (or the
/// profile's defaults) fail, else 0.
fn gates(report: &Report, args: &ScanArgs, prof: &profile::Profile) -> u8 {
    // --fail-on-new: only new failures, at any severity unless --fail-on
    // says; the score (old failures included) gates only when asked.
    let fail_on = args.fail_on.or(prof.gates.fail_on).or(args.fail_on_new.then_some(Severity::Info));
    let min_score = args.min_score.or(prof.gates.min_score.filter(|_| !args.fail_on_new));
    let counts = |r: &&CheckResult| !args.fail_on_new || r.change == Some(Change::New);
    let mut gate_failed = false;
    if let Some(sev) = fail_on {
        let bad: Vec<&str> = report
            .results
            .iter()
            .filter(|r| r.open_failure() && r.severity >= sev)
            .filter(counts)
            .map(|r| r.id.as_str())
            .collect();
        if !bad.is_empty() {
            let new = if args.fail_on_new { "new " } else { "" };
            eprintln!(
                "hardcheck: gate failed: {} {new}check(s) at or above {sev} failed: {}",
                bad.len(),
                bad.join(", ")
            );
            gate_failed = true;
        }
    }
    if let Some(min) = min_score {
        if report.score.value < min {
            eprintln!("hardcheck: gate failed: score {:.1} is below --min-score {min}", report.score.value);
            gate_failed = true;
        }
    }
    u8::from(gate_failed)
}

/// Evidence from an image names the layer that last wrote its file; members
/// refused are listed as not read; and when a layer could not be read to its
/// end, a check that found nothing wrong cannot vouch for the image.
fn image_results(image: &ImageTarget, results: &mut [CheckResult], skipped: &mut Vec<Skipped>) {
    for ev in results.iter_mut().flat_map(|r| r.evidence.iter_mut()) {
        if ev.layer.is_none() {
            ev.layer = ev.path.as_deref().and_then(|p| image.layer_of(p));
        }
    }
    let refused = image.refused().iter().map(|r| Skipped { path: r.path.clone(), reason: r.reason.clone() });
    let broken = image.problems().iter().map(|p| Skipped { path: image.display_path(), reason: p.clone() });
    skipped.extend(refused.chain(broken));
    if let Some(first) = image.problems().first() {
        for r in results.iter_mut().filter(|r| r.status == Status::Pass) {
            r.status = Status::Error;
            r.message = format!("not judged: the image is incomplete ({first})");
        }
    }
}

fn list_checks(format: ListFormat, dirs: &[PathBuf], category: Option<&str>) -> Result<u8> {
    let checks = load_checks(dirs)?;
    match format {
        ListFormat::Markdown => print!("{}", checks_markdown(&checks, category)?),
        ListFormat::Json => {
            let list: Vec<_> = checks
                .iter()
                .map(|c| {
                    let d = &c.def;
                    serde_json::json!({
                        "id": d.id, "title": d.title, "category": d.category, "severity": d.severity,
                        "rationale": d.rationale.trim(), "fix": d.fix.trim(), "references": d.references,
                        "aliases": d.aliases, "status": if d.status == definition::DefStatus::Active { "active" } else { "deprecated" },
                        "live_only": d.live_only, "probe": d.probe, "sources": d.sources, "origin": c.origin,
                        "remediation": hardcheck::fix::kind(c).as_str(),
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&list)?);
        }
        ListFormat::Table => {
            let mut t = comfy_table::Table::new();
            t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
            t.set_header(vec!["id", "severity", "title"]);
            for c in &checks {
                t.add_row(vec![c.def.id.clone(), c.def.severity.to_string(), c.def.title.clone()]);
            }
            println!("{t}\n{} checks", checks.len());
        }
    }
    Ok(0)
}

/// The generated reference page: the index, or one category's page.
fn checks_markdown(checks: &[Arc<Check>], category: Option<&str>) -> Result<String> {
    let Some(cat) = category else { return Ok(report::catalog::index_page(checks)) };
    let cats = report::catalog::by_category(checks);
    let list = cats.get(cat).ok_or_else(|| {
        let names: Vec<&str> = cats.keys().map(String::as_str).collect();
        anyhow!("--category `{cat}` is not a category (one of: {})", names.join(", "))
    })?;
    let mut membership = report::catalog::Membership::new();
    for name in profile::builtin_names() {
        for p in profile::load(&name)?.plan(checks)? {
            membership.entry(p.check.def.id.clone()).or_default().push(name.clone());
        }
    }
    Ok(report::catalog::category_page(cat, list, &membership))
}

fn list_sources(format: ListFormat) -> Result<u8> {
    match format {
        ListFormat::Table => print!("{}", report::catalog::sources_text()),
        ListFormat::Markdown => print!("{}", report::catalog::sources_page()),
        ListFormat::Json => {
            let list: Vec<_> = hardcheck::facts::FACTS
                .iter()
                .map(|f| serde_json::json!({"name": f.name, "summary": f.summary, "depends": f.depends}))
                .collect();
            println!("{}", serde_json::to_string_pretty(&list)?);
        }
    }
    Ok(0)
}

fn explain(id: &str, dirs: &[PathBuf]) -> Result<u8> {
    let checks = load_checks(dirs)?;
    let c = checks.iter().find(|c| c.def.id == id || c.def.aliases.iter().any(|a| a == id)).ok_or_else(|| {
        let near: Vec<String> = suggestions(id, &checks).iter().map(|s| format!("`{s}`")).collect();
        match near.is_empty() {
            true => anyhow!("unknown check id `{id}` (see `hardcheck checks list`)"),
            false => anyhow!("unknown check id `{id}` (did you mean {}?)", near.join(" or ")),
        }
    })?;
    print!("{}", explain_text(c));
    Ok(0)
}

fn explain_text(c: &Check) -> String {
    let d = &c.def;
    let mut s = format!("{} — {}\n\nseverity: {}\ncategory: {}\n", d.id, d.title, d.severity, d.category);
    if !d.aliases.is_empty() {
        s += &format!("aliases: {}\n", d.aliases.join(", "));
    }
    s += &format!(
        "\nWhy\n  {}\n\nFix\n  {}\n",
        d.rationale.trim().replace('\n', "\n  "),
        d.fix.trim().replace('\n', "\n  ")
    );
    if !d.references.is_empty() {
        s += "\nReferences\n";
        for (k, v) in &d.references {
            s += &format!("  {k}: {}\n", v.join(", "));
        }
    }
    s += "\nHow it is checked\n";
    if let Some(p) = &d.probe {
        s += &format!("  probe: {p}\n");
    }
    if !d.sources.is_empty() {
        s += &format!("  sources: {}\n", d.sources.join(", "));
    }
    for (name, f) in &d.files {
        s += &format!("  {name}: {:?} {}\n", f.format, f.path.as_slice().join(", ")).to_lowercase();
    }
    if let Some(a) = &d.applies {
        s += &format!("  applies when: {a}\n");
    }
    if let (Some(f), Some(e)) = (&d.for_each, &d.expect) {
        s += &format!("  for each: {f}\n  expect: {e}\n");
    }
    if !d.params.is_empty() {
        s += &format!("  params: {}\n", serde_json::to_string(&d.params).unwrap_or_default());
    }
    s += &format!("  defined in: {}\n", c.origin);
    s + "\nRemediation (hardcheck fix)\n"
        + &hardcheck::checks::remediation::Remediation::describe(d.remediation.as_ref())
}

fn list_profiles() -> Result<u8> {
    for name in profile::builtin_names() {
        let p = profile::load(&name)?;
        let extends = if p.chain.len() > 1 {
            format!(" (extends {})", p.chain[..p.chain.len() - 1].join(" → "))
        } else {
            String::new()
        };
        println!("{name}{extends}\n  {}", p.description);
        if let Some(c) = hardcheck::audit::controls::coverage(&p)? {
            println!(
                "  controls: {} ({} manual); automated coverage {} of {} automatable ({:.1}%)",
                c.controls,
                c.manual,
                c.covered,
                c.automatable,
                c.percent()
            );
        }
    }
    Ok(0)
}
