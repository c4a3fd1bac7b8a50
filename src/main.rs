//! The `hardcheck` command: parses arguments, runs, maps to an exit code
//! (0 ok, 1 a gate failed, 2 usage or fatal error).
#![forbid(unsafe_code)]

use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Parser, Subcommand, ValueEnum};
use hardcheck::checks::definition::{self, Check};
use hardcheck::checks::{engine, profile, score, surface};
use hardcheck::collectors::dblive;
use hardcheck::facts::{Facts, ScanOptions};
use hardcheck::model::{Severity, Status};
use hardcheck::report::{self, Format, Report, TargetInfo, Tool};
use hardcheck::target::{FsTarget, Target};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "hardcheck", version, about = "Check a Linux host, root filesystem or image against secure defaults")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan a target and print a scored hardening report.
    Scan(ScanArgs),
    /// List or explain checks.
    #[command(subcommand)]
    Checks(ChecksCommand),
    /// List profiles.
    #[command(subcommand)]
    Profiles(ProfilesCommand),
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Scan an offline root filesystem instead of the live host.
    #[arg(long, value_name = "DIR", conflicts_with = "image")]
    root: Option<PathBuf>,
    /// Scan a container image archive (docker save or OCI layout).
    #[arg(long, value_name = "FILE")]
    image: Option<PathBuf>,
    /// Profile name (baseline, server, container) or path to a profile TOML.
    #[arg(long, default_value = "baseline")]
    profile: String,
    /// Add check definitions from a directory (repeatable).
    #[arg(long = "checks", value_name = "DIR")]
    checks: Vec<PathBuf>,
    /// Only run these checks (repeatable; ids or globs like `ssh.*`).
    #[arg(long = "check", value_name = "ID")]
    only: Vec<String>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the report to a file instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit 1 when a check at or above this severity fails.
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<Severity>,
    /// Exit 1 when the score is below N.
    #[arg(long, value_name = "N")]
    min_score: Option<f64>,
    /// Do not probe listening ports (no TLS/HTTP connections to local services).
    #[arg(long)]
    no_probe: bool,
    /// Introspect a running database with read-only queries (repeatable):
    /// postgres://USER:PASSWORD@HOST:PORT/DB, mysql://… (or mariadb://…),
    /// redis://[USER]:PASSWORD@HOST:PORT. Also with --root: the database is
    /// remote of the target. Passwords never appear in any output.
    #[arg(long = "db", value_name = "URL")]
    db: Vec<String>,
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
        Command::Scan(args) => scan(args),
        Command::Checks(ChecksCommand::List { format, checks }) => list_checks(format, &checks),
        Command::Checks(ChecksCommand::Explain { id, checks }) => explain(&id, &checks),
        Command::Profiles(ProfilesCommand::List) => list_profiles(),
    }
}

fn load_checks(dirs: &[PathBuf]) -> Result<Vec<Arc<Check>>> {
    Ok(definition::load_all(dirs)?.into_iter().map(Arc::new).collect())
}

fn use_color(to_stdout: bool) -> bool {
    to_stdout && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn scan(args: ScanArgs) -> Result<u8> {
    if let Some(image) = &args.image {
        bail!(
            "--image {}: container image targets are not supported in this version (use --root on an unpacked image)",
            image.display()
        );
    }
    let target: Arc<dyn Target> = match &args.root {
        Some(dir) => Arc::new(FsTarget::root(dir)?),
        None => Arc::new(FsTarget::host()),
    };
    let checks = load_checks(&args.checks)?;
    let prof = profile::load(&args.profile)?;
    let plan = if args.only.is_empty() { prof.plan(&checks)? } else { prof.plan_only(&checks, &args.only)? };
    for url in &args.db {
        dblive::Url::parse(url).map_err(|e| anyhow!(hardcheck::redact::mask(&e.to_string())))?;
    }
    let options = ScanOptions { probe: !args.no_probe, db_urls: args.db.clone(), ..ScanOptions::default() };
    let facts = Arc::new(Facts::new(target.clone(), options));
    let results = engine::run(facts.clone(), plan);
    let sc = score::score(&results);
    // The exposed surface, for the report's compact sections.
    let listeners = surface::listeners(&facts, &results);
    let declared_listeners = surface::declared_listeners(&facts, &results);
    let report = Report {
        schema_version: 1,
        tool: Tool { name: "hardcheck", version: env!("CARGO_PKG_VERSION") },
        target: TargetInfo {
            kind: target.kind().as_str(),
            path: match &args.root {
                Some(_) => target.display_path(),
                None => "/".into(),
            },
        },
        profile: prof.name.clone(),
        summary: score::summary(&results),
        score: sc,
        results,
        skipped: facts.reader().skipped(),
        listeners,
        declared_listeners,
    };
    let text = report::render(&report, args.format, use_color(args.output.is_none())).map_err(|e| anyhow!(e))?;
    match &args.output {
        Some(path) => std::fs::write(path, &text).with_context(|| format!("--output {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = out.write_all(text.as_bytes());
        }
    }
    let fail_on = args.fail_on.or(prof.gates.fail_on);
    let min_score = args.min_score.or(prof.gates.min_score);
    let mut gate_failed = false;
    if let Some(sev) = fail_on {
        let bad: Vec<&str> = report
            .results
            .iter()
            .filter(|r| r.status == Status::Fail && r.severity >= sev)
            .map(|r| r.id.as_str())
            .collect();
        if !bad.is_empty() {
            eprintln!("hardcheck: gate failed: {} check(s) at or above {sev} failed: {}", bad.len(), bad.join(", "));
            gate_failed = true;
        }
    }
    if let Some(min) = min_score {
        if report.score.value < min {
            eprintln!("hardcheck: gate failed: score {:.1} is below --min-score {min}", report.score.value);
            gate_failed = true;
        }
    }
    Ok(if gate_failed { 1 } else { 0 })
}

fn list_checks(format: ListFormat, dirs: &[PathBuf]) -> Result<u8> {
    let checks = load_checks(dirs)?;
    match format {
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

fn explain(id: &str, dirs: &[PathBuf]) -> Result<u8> {
    let checks = load_checks(dirs)?;
    let c = checks
        .iter()
        .find(|c| c.def.id == id || c.def.aliases.iter().any(|a| a == id))
        .ok_or_else(|| anyhow!("unknown check id `{id}` (see `hardcheck checks list`)"))?;
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
    s
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
    }
    Ok(0)
}
