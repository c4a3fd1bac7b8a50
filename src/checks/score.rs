//! Scoring: the weighted share of applicable checks that pass.
//!
//! score = 100 × Σ weight(passed) / Σ weight(passed or failed), with weights
//! info 1, low 2, medium 5, high 10, critical 20; `skip` and `error` are not
//! applicable, and so is a waived failure (`scan --waivers`). Grade: A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, else F; a failed
//! critical check caps the grade at D, a failed high one at B. With nothing
//! applicable the score is 100.

use crate::model::{CheckResult, Severity, Status};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Score {
    pub value: f64,
    pub grade: char,
    pub by_category: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub pass: usize,
    pub fail: usize,
    pub skip: usize,
    pub error: usize,
    /// Of `fail`, the failures a waiver accepts (not scored, never gated;
    /// present with `--waivers`).
    #[serde(skip_serializing_if = "is_zero")]
    pub waived: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn value(results: &[&CheckResult]) -> f64 {
    let (mut got, mut total) = (0.0, 0.0);
    for r in results {
        let w = r.severity.weight();
        match r.status {
            Status::Pass => {
                got += w;
                total += w;
            }
            Status::Fail if r.waiver.is_none() => total += w,
            _ => {}
        }
    }
    if total == 0.0 {
        100.0
    } else {
        (1000.0 * got / total).round() / 10.0
    }
}

pub fn grade(value: f64, results: &[CheckResult]) -> char {
    let mut g = match value {
        v if v >= 90.0 => 'A',
        v if v >= 80.0 => 'B',
        v if v >= 70.0 => 'C',
        v if v >= 60.0 => 'D',
        _ => 'F',
    };
    let failed = |s: Severity| results.iter().any(|r| r.open_failure() && r.severity == s);
    if failed(Severity::Critical) && g < 'D' {
        g = 'D';
    } else if failed(Severity::High) && g < 'B' {
        g = 'B';
    }
    g
}

pub fn score(results: &[CheckResult]) -> Score {
    let all: Vec<&CheckResult> = results.iter().collect();
    let v = value(&all);
    let mut cats: BTreeMap<String, Vec<&CheckResult>> = BTreeMap::new();
    for r in results {
        cats.entry(r.category.clone()).or_default().push(r);
    }
    Score { value: v, grade: grade(v, results), by_category: cats.into_iter().map(|(c, rs)| (c, value(&rs))).collect() }
}

pub fn summary(results: &[CheckResult]) -> Summary {
    let mut s = Summary::default();
    for r in results {
        match r.status {
            Status::Pass => s.pass += 1,
            Status::Fail => {
                s.fail += 1;
                s.waived += usize::from(r.waiver.is_some());
            }
            Status::Skip => s.skip += 1,
            Status::Error => s.error += 1,
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(sev: Severity, status: Status) -> CheckResult {
        CheckResult {
            id: "a.b".into(),
            title: String::new(),
            category: "a".into(),
            severity: sev,
            status,
            message: String::new(),
            evidence: vec![],
            fix: String::new(),
            references: Default::default(),
            waiver: None,
            change: None,
        }
    }

    #[test]
    fn weighted_and_capped() {
        let rs =
            vec![r(Severity::Critical, Status::Fail), r(Severity::Low, Status::Pass), r(Severity::Low, Status::Skip)];
        let s = score(&rs);
        assert_eq!(s.value, 9.1);
        assert_eq!(s.grade, 'F');
        let rs = [vec![r(Severity::Low, Status::Fail)], vec![r(Severity::Critical, Status::Pass); 5]].concat();
        assert_eq!(score(&rs).grade, 'A');
        let rs = [vec![r(Severity::Critical, Status::Fail)], vec![r(Severity::Critical, Status::Pass); 30]].concat();
        assert_eq!(score(&rs).grade, 'D');
        assert_eq!(score(&[]).value, 100.0);
    }
}
