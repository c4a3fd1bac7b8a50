//! `hardcheck fix`: scan, then turn every failing check's declared
//! remediation into a reviewed change: a unified diff (`patch`), a guarded
//! POSIX script (`script`), or both as data (`json`). Never writes to the
//! target; checks that need a human decision are listed as manual.

pub mod edit;
pub mod forms;
pub mod patch;
pub mod plan;
pub mod script;

use crate::checks::definition::{self, Check, DefError};
use crate::checks::engine::{self, Planned};
use crate::checks::profile::{self, ProfileError};
use crate::checks::remediation::{Kind, Remediation};
use crate::facts::{Facts, ScanOptions};
use crate::model::CheckResult;
use crate::target::{FsTarget, ImageTarget, Target};
use plan::Plan;
use serde_json::json;
use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

/// `hardcheck fix` arguments.
#[derive(Debug, clap::Args)]
pub struct FixArgs {
    /// Fix an offline root filesystem (paths in the output stay inside it).
    #[arg(long, value_name = "DIR", conflicts_with = "image")]
    pub root: Option<PathBuf>,
    /// A container image archive (the patch applies to a tree unpacked from it).
    #[arg(long, value_name = "PATH[:TAG]")]
    pub image: Option<String>,
    /// Platform of a multi-platform image.
    #[arg(long, value_name = "OS/ARCH", requires = "image")]
    pub platform: Option<String>,
    /// Only these checks (repeatable): an id, a glob or a category.
    #[arg(long = "check", value_name = "ID")]
    pub only: Vec<String>,
    /// Profile name or path (which checks, their parameters).
    #[arg(long, default_value = "baseline")]
    pub profile: String,
    /// Add check definitions from a directory (repeatable).
    #[arg(long = "checks", value_name = "DIR")]
    pub checks: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "patch")]
    pub format: FixFormat,
    /// Write to this file instead of standard output (never into the target).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FixFormat {
    Patch,
    Script,
    Json,
}

#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error(transparent)]
    Definition(#[from] DefError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error("{0}")]
    Target(String),
    #[error("--check `{0}` matches no check id, alias or category (see `hardcheck checks list`)")]
    Selection(String),
    #[error("--output {path}: {message}")]
    Output { path: String, message: String },
}

/// Run `hardcheck fix`; the exit code is 0.
pub fn run(args: &FixArgs) -> Result<u8, FixError> {
    let target: Arc<dyn Target> = match (&args.image, &args.root) {
        (Some(spec), _) => {
            Arc::new(ImageTarget::open(spec, args.platform.as_deref()).map_err(|e| FixError::Target(e.to_string()))?)
        }
        (None, Some(dir)) => Arc::new(FsTarget::root(dir).map_err(|e| FixError::Target(e.to_string()))?),
        (None, None) => Arc::new(FsTarget::host()),
    };
    let checks: Vec<Arc<Check>> = definition::load_all(&args.checks)?.into_iter().map(Arc::new).collect();
    let prof = profile::load(&args.profile)?;
    let planned = select(&prof, &checks, &args.only)?;
    let facts = Arc::new(Facts::new(target.clone(), ScanOptions { probe: false, ..ScanOptions::default() }));
    let results = engine::run(facts, planned.clone(), &AtomicUsize::new(0));
    let plan = plan::build(target.as_ref(), &planned, &results);
    if args.format != FixFormat::Json {
        for m in &plan.manual {
            eprintln!("hardcheck fix: manual: {}: {}", m.check, script::one_line(&m.reason));
        }
    }
    let text = match args.format {
        FixFormat::Patch => render_patch(&plan),
        FixFormat::Script => script::render(&plan),
        FixFormat::Json => render_json(&plan, &results),
    };
    if let (Some(out), Some(root)) = (&args.output, &args.root) {
        if inside(out, root) {
            let message = "is inside the target; fix never writes to the target".to_string();
            return Err(FixError::Output { path: out.display().to_string(), message });
        }
    }
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| FixError::Output { path: path.display().to_string(), message: e.to_string() })?,
        None => print!("{text}"),
    }
    Ok(0)
}

/// Whether `path` (which may not exist yet) is under the directory `root`.
fn inside(path: &std::path::Path, root: &std::path::Path) -> bool {
    let Ok(root) = root.canonicalize() else { return false };
    let abs = match path.is_absolute() {
        true => path.to_path_buf(),
        false => std::env::current_dir().map(|d| d.join(path)).unwrap_or_else(|_| path.to_path_buf()),
    };
    let parent = abs.parent().and_then(|p| p.canonicalize().ok());
    parent.is_some_and(|p| p.starts_with(&root))
}

fn select(prof: &profile::Profile, checks: &[Arc<Check>], only: &[String]) -> Result<Vec<Planned>, FixError> {
    if only.is_empty() {
        return Ok(prof.plan(checks)?);
    }
    let mut patterns = Vec::new();
    for pat in only {
        if checks.iter().any(|c| profile::matches(pat, c)) {
            patterns.push(pat.clone());
        } else if checks.iter().any(|c| &c.def.category == pat) {
            patterns.push(format!("{pat}.*"));
        } else {
            return Err(FixError::Selection(pat.clone()));
        }
    }
    Ok(prof.plan_only(checks, &patterns)?)
}

/// The unified diff, each file preceded by comments naming the checks and
/// why; what needs the script or a human is said in the leading comments.
/// Empty when there is nothing to change.
pub fn render_patch(plan: &Plan) -> String {
    let mut s = String::new();
    if plan.files.is_empty() {
        return s;
    }
    s += "# hardcheck fix: review, then apply with `patch -p1 -d /` (or `-d ROOT`, or `git apply`).\n";
    if !plan.commands.is_empty() {
        s += "# Some changes need the script too: `hardcheck fix --format script`.\n";
    }
    for rl in &plan.reloads {
        s += &format!("# Afterwards: {rl}\n");
    }
    if !plan.manual.is_empty() {
        s += &format!("# {} failing check(s) need a human decision (listed on stderr).\n", plan.manual.len());
    }
    for (path, f) in &plan.files {
        s += "\n";
        for n in &f.notes {
            s += &format!("# {}\n", script::one_line(n));
        }
        s += &f.diff(path);
    }
    s
}

fn render_json(plan: &Plan, results: &[CheckResult]) -> String {
    let files: Vec<_> = plan
        .files
        .iter()
        .map(|(path, f)| json!({"path": path, "new_file": f.original.is_none(), "changes": f.notes, "diff": f.diff(path)}))
        .collect();
    let failed = results.iter().filter(|r| r.status == crate::model::Status::Fail).count();
    let judged: Vec<_> = results.iter().map(|r| json!({"id": r.id, "status": r.status})).collect();
    let v = json!({
        "schema_version": 1,
        "failed": failed,
        "results": judged,
        "fixed": plan.fixed,
        "files": files,
        "commands": plan.commands,
        "reloads": plan.reloads,
        "manual": plan.manual,
        "patch": render_patch(plan),
        "script": script::render(plan),
    });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

/// Whether a definition declares a mechanical fix, a manual one, or none.
pub fn kind(c: &Check) -> Kind {
    Remediation::kind(c.def.remediation.as_ref())
}
