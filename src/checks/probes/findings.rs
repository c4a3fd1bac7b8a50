//! `image` and `dockerfile` probes: a container image, and the Dockerfiles
//! a scan reads, judged once by their collectors
//! ([`crate::collectors::image`], [`crate::collectors::dockerfiles`]); a
//! check takes the findings of its one concern.

use super::params::{default_app_paths, Params};
use super::Outcome;
use crate::collectors::image::Finding;
use crate::facts::Facts;
use crate::sources::Unavailable;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What an image check judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageConcern {
    RootUser,
    EnvSecret,
    AdminPort,
    NoHealthcheck,
    SetuidAdded,
    Leftovers,
    RemoteFetch,
}

/// Parameters of the `image` probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImageParams {
    pub concern: ImageConcern,
}

impl Params for ImageParams {}

/// What a Dockerfile check judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DockerfileConcern {
    RootUser,
    AddUrl,
    PipeToShell,
    Secret,
    BaseUnpinned,
    AptRecommends,
    Sudo,
}

/// Parameters of the `dockerfile` probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DockerfileParams {
    pub concern: DockerfileConcern,
    /// Directories searched for `Dockerfile`/`Containerfile`.
    #[serde(default = "default_app_paths")]
    pub app_paths: Vec<String>,
}

impl Params for DockerfileParams {}

/// The serde name of a concern (`root_user`).
fn name<C: Serialize>(c: &C) -> String {
    serde_json::to_value(c).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn failures(findings: &[Finding], concern: &str) -> Vec<Map<String, Value>> {
    findings
        .iter()
        .filter(|f| f.concern == concern)
        .filter_map(|f| match f.json() {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .collect()
}

pub fn run_image(f: &Facts, p: &ImageParams) -> Result<Outcome, Unavailable> {
    let image = f.image()?;
    let mut out = Outcome { checked: 1, failures: failures(&image.findings, &name(&p.concern)), ..Outcome::default() };
    if p.concern == ImageConcern::SetuidAdded {
        out.notes.push(match image.base_layers {
            0 | 1 => "the base image is layer 0".to_string(),
            n => format!("the base image is layers 0 to {}", n - 1),
        });
        if image.truncated {
            out.notes.push("the walk of the image reached its bound: not every file was judged".into());
        }
    }
    Ok(out)
}

pub fn run_dockerfile(f: &Facts, p: &DockerfileParams) -> Result<Outcome, Unavailable> {
    let d = f.dockerfiles(&p.app_paths)?;
    if d.files.is_empty() && d.unreadable.is_empty() {
        return Err(Unavailable::NotFound(format!(
            "no Dockerfile or Containerfile under {} (give one with --dockerfile PATH)",
            p.app_paths.join(", ")
        )));
    }
    let mut out = Outcome {
        checked: d.files.len(),
        unreadable: d.unreadable.clone(),
        failures: failures(&d.findings, &name(&p.concern)),
        ..Outcome::default()
    };
    if let Some((path, line, message)) = d.malformed.first() {
        if d.malformed.len() == d.files.len() && out.failures.is_empty() {
            return Err(Unavailable::Malformed { path: path.clone(), line: *line, message: message.clone() });
        }
        out.notes.extend(d.malformed.iter().map(|(p, l, m)| format!("not judged: {p}:{l}: {m}")));
    }
    Ok(out)
}
