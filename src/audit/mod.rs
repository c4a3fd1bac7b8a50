//! Audit features over a finished scan: a profile's benchmark controls
//! (`controls`), accepted failures (`waivers`) and the comparison with an
//! earlier report (`baseline`). Above the engine (it reads results and
//! profiles), below the report (which renders what it builds).

pub mod baseline;
pub mod controls;
pub mod waivers;

use std::path::Path;

/// A user file or catalog that cannot be used: exit 2 with this message.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("{file}: cannot read: {message}")]
    Read { file: String, message: String },
    #[error("{file}:{line}: {message}")]
    Invalid { file: String, line: usize, message: String },
    #[error("{0}")]
    Other(String),
}

/// The 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// A TOML document as `T`, a parse error with its file and line.
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, AuditError> {
    toml::from_str(text).map_err(|e| AuditError::Invalid {
        file: file.to_string(),
        line: e.span().map(|s| line_of(text, s.start)).unwrap_or(1),
        message: e.message().trim().to_string(),
    })
}

/// A user file's text (bounded, regular files only).
pub(crate) fn read(path: &Path) -> Result<String, AuditError> {
    crate::target::read_host_text(path)
        .map_err(|e| AuditError::Read { file: path.display().to_string(), message: e.reason() })
}

/// What an audit needs before the scan: the profile's benchmark (its checks
/// are added to the profile), the waivers, the baseline report.
#[derive(Debug, Default)]
pub struct Audit {
    pub controls: Option<controls::Selected>,
    pub waivers: Vec<waivers::Waiver>,
    pub baseline: Option<baseline::Baseline>,
}

/// What an audit adds to a report.
#[derive(Debug, Default)]
pub struct Findings {
    pub compliance: Option<controls::Compliance>,
    pub waivers: Vec<waivers::WaiverStatus>,
    /// `Some` with a baseline (empty when nothing was fixed).
    pub fixed: Option<Vec<baseline::Fixed>>,
}

impl Audit {
    /// Load the profile's catalog (adding its checks to the profile), the
    /// profile's waivers file and `waivers` (the command line's), and the
    /// baseline report.
    pub fn prepare(
        profile: &mut crate::checks::profile::Profile,
        waivers: Option<&Path>,
        baseline: Option<&Path>,
    ) -> Result<Audit, AuditError> {
        let mut all = Vec::new();
        for file in profile.waivers.clone().iter().map(|p| p.as_path()).chain(waivers) {
            all.extend(waivers::load(file)?);
        }
        Ok(Audit {
            controls: controls::select(profile)?,
            waivers: all,
            baseline: baseline.map(baseline::load).transpose()?,
        })
    }

    /// Apply waivers (judged on `today`, `YYYY-MM-DD`), compare with the
    /// baseline and decide the controls, in that order.
    pub fn finish(&self, profile: &str, today: &str, results: &mut [crate::model::CheckResult]) -> Findings {
        let waivers = waivers::apply(&self.waivers, today, results);
        let fixed = self.baseline.as_ref().map(|b| baseline::compare(b, results));
        let compliance = self.controls.as_ref().map(|s| controls::evaluate(s, profile, results));
        Findings { compliance, waivers, fixed }
    }
}
