//! The facts of one scan as CEL, for the engine: each input a check reads
//! (a registry fact or a file source) is collected and converted once,
//! lent to every check that reads it, and dropped once the last planned
//! check that reads it is done. Also which checks are evaluating, since
//! when (for the engine's time bound).

use super::engine::Planned;
use super::expr;
use crate::facts::{Fact, Facts};
use crate::limits;
use crate::sources::{FileSource, Unavailable};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

/// A fact converted to CEL once per scan, with what could not be read.
pub(super) type Cel = Result<Arc<expr::Fact>, Unavailable>;

/// The facts of a scan, and their CEL values (converted once, shared by
/// every check that reads them, and dropped once the last planned check
/// that reads one is done).
pub struct Session {
    facts: Arc<Facts>,
    cel: Mutex<HashMap<String, Arc<OnceLock<Cel>>>>,
    /// For each CEL input of the plan, how many planned checks still read
    /// it (empty outside [`super::engine::run`]: nothing is dropped).
    readers: Mutex<HashMap<String, usize>>,
    /// Checks whose predicate is being evaluated, by plan index, since when.
    evaluating: Mutex<HashMap<usize, Instant>>,
}

impl Session {
    pub fn new(facts: Arc<Facts>) -> Session {
        Session {
            facts,
            cel: Mutex::new(HashMap::new()),
            readers: Mutex::new(HashMap::new()),
            evaluating: Mutex::new(HashMap::new()),
        }
    }

    /// The CEL inputs of a check, as the session keys them.
    fn inputs(p: &Planned) -> impl Iterator<Item = String> + '_ {
        let d = &p.check.def;
        let cel = d.probe.is_none();
        let facts = d.sources.iter().filter(move |_| cel).map(|n| fact_key(n));
        facts.chain(d.files.values().filter(move |_| cel).map(file_key))
    }

    /// Count the readers of each CEL input of the plan.
    pub(super) fn plan(&self, plan: &[Planned]) {
        let mut readers = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        for key in plan.iter().flat_map(Session::inputs) {
            *readers.entry(key).or_default() += 1;
        }
    }

    /// A planned check is done: an input no check left reads is dropped
    /// (10,000 accounts held as CEL values to the end of the scan were most
    /// of its memory). A check that still evaluates keeps its own handle.
    pub(super) fn done(&self, p: &Planned) {
        let mut gone = Vec::new();
        {
            let mut readers = self.readers.lock().unwrap_or_else(|p| p.into_inner());
            for key in Session::inputs(p) {
                if let Some(n) = readers.get_mut(&key) {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        readers.remove(&key);
                        gone.push(key);
                    }
                }
            }
        }
        if !gone.is_empty() {
            let dropped: Vec<_> = {
                let mut cel = self.cel.lock().unwrap_or_else(|p| p.into_inner());
                gone.iter().filter_map(|k| cel.remove(k)).collect()
            };
            // Freed here, outside the lock.
            drop(dropped);
        }
    }

    pub(super) fn evaluating(&self) -> std::sync::MutexGuard<'_, HashMap<usize, Instant>> {
        self.evaluating.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Check `i` has finished evaluating (or never started).
    pub(super) fn evaluated(&self, i: usize) {
        self.evaluating().remove(&i);
    }

    /// Checks evaluating for longer than [`limits::CHECK_TIME`]; they are
    /// forgotten here (their answer, if it comes, is dropped by `run`).
    pub(super) fn overdue(&self) -> Vec<usize> {
        let mut map = self.evaluating();
        let late: Vec<usize> = map.iter().filter(|(_, t)| t.elapsed() > limits::CHECK_TIME).map(|(i, _)| *i).collect();
        for i in &late {
            map.remove(i);
        }
        late
    }

    pub fn facts(&self) -> &Facts {
        &self.facts
    }

    fn cel(&self, key: String, load: impl FnOnce() -> Result<Fact, Unavailable>) -> Cel {
        let slot = {
            let mut map = self.cel.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(key.clone()).or_default().clone()
        };
        slot.get_or_init(|| {
            super::timings::time(
                || format!("fact {key}"),
                || load().map(|f: Fact| Arc::new((expr::into_val(f.value), f.unreadable))),
            )
        })
        .clone()
    }

    /// A registry fact as CEL.
    pub(super) fn source(&self, name: &str) -> Cel {
        self.cel(fact_key(name), || self.facts.collect(name))
    }

    /// A check's generic file source as CEL.
    pub(super) fn file(&self, spec: &FileSource) -> Cel {
        self.cel(file_key(spec), || self.facts.load_file(spec))
    }
}

/// The session's key of a registry fact.
fn fact_key(name: &str) -> String {
    format!("fact:{name}")
}

/// The session's key of a generic file source.
fn file_key(spec: &FileSource) -> String {
    format!("file:{}", serde_json::to_string(spec).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::definition::Check;
    use crate::checks::engine::run_one_at;
    use crate::model::{Severity, Status};
    use serde_json::Map;

    fn planned(checks: &[Check], id: &str) -> Planned {
        let check = checks.iter().find(|c| c.def.id == id).unwrap_or_else(|| panic!("no check {id}")).clone();
        Planned { check: Arc::new(check), severity: Severity::Low, params: Map::new() }
    }

    #[test]
    fn an_input_is_dropped_after_its_last_reader() {
        let dir = std::env::temp_dir().join(format!("hardcheck-session-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("etc")).unwrap();
        std::fs::write(dir.join("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\n").unwrap();
        let target: Arc<dyn crate::target::Target> = Arc::new(crate::target::FsTarget::root(&dir).unwrap());
        let facts = Arc::new(Facts::new(target, crate::facts::ScanOptions::default()));
        let checks = super::super::definition::load_all(&[]).unwrap();
        let plan = vec![planned(&checks, "accounts.duplicate-uid"), planned(&checks, "accounts.duplicate-username")];
        let scan = Session::new(facts);
        scan.plan(&plan);
        let held = |scan: &Session| scan.cel.lock().unwrap().contains_key("fact:passwd");

        let first = run_one_at(&scan, &plan[0], 0);
        assert_eq!(first.status, Status::Fail, "{first:?}");
        assert_eq!(first.evidence[0].line, Some(1));
        scan.done(&plan[0]);
        assert!(held(&scan), "a check still to run reads passwd");
        let second = run_one_at(&scan, &plan[1], 1);
        assert_eq!(second.status, Status::Pass, "{second:?}");
        scan.done(&plan[1]);
        assert!(!held(&scan), "no check left reads passwd");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
