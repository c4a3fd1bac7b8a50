//! `HARDCHECK_TIMINGS=1`: where a scan's time goes, on stderr. Phases of
//! the run (loading definitions, planning, checks, report), time summed
//! per kind of work (YAML, CEL compilation, each fact's collection), and
//! the slowest checks. Nothing is measured unless the variable is set.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Whether `HARDCHECK_TIMINGS` is set to something other than empty or `0`.
pub fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var("HARDCHECK_TIMINGS").is_ok_and(|v| !v.is_empty() && v != "0"))
}

fn totals() -> &'static Mutex<BTreeMap<String, (Duration, usize)>> {
    static T: OnceLock<Mutex<BTreeMap<String, (Duration, usize)>>> = OnceLock::new();
    T.get_or_init(Default::default)
}

fn checks() -> &'static Mutex<Vec<(Duration, String)>> {
    static C: OnceLock<Mutex<Vec<(Duration, String)>>> = OnceLock::new();
    C.get_or_init(Default::default)
}

/// Run `f`, adding its time to the total of `what` (when enabled).
pub fn time<T>(what: impl FnOnce() -> String, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    let mut t = totals().lock().unwrap_or_else(|p| p.into_inner());
    let e = t.entry(what()).or_default();
    e.0 += took;
    e.1 += 1;
    out
}

/// Record how long one check took (its facts included when it was the
/// first to need them).
pub fn check(id: &str, took: Duration) {
    if enabled() {
        checks().lock().unwrap_or_else(|p| p.into_inner()).push((took, id.to_string()));
    }
}

/// Phases of a run, printed as they end.
pub struct Phases {
    start: Instant,
    last: Instant,
}

impl Phases {
    pub fn start() -> Phases {
        let now = Instant::now();
        Phases { start: now, last: now }
    }

    /// The phase `name` ended now.
    pub fn mark(&mut self, name: &str) {
        if enabled() {
            let now = Instant::now();
            eprintln!("timing: phase {name:<12} {:>8.1} ms", ms(now - self.last));
            self.last = now;
        }
    }

    /// Print the totals, the slowest checks and the whole run's time.
    pub fn finish(self) {
        if !enabled() {
            return;
        }
        let t = totals().lock().unwrap_or_else(|p| p.into_inner());
        let mut sums: Vec<_> = t.iter().collect();
        sums.sort_by_key(|s| std::cmp::Reverse(s.1 .0));
        for (what, (d, n)) in sums {
            eprintln!("timing: total {what:<40} {:>8.1} ms ({n}×)", ms(*d));
        }
        let mut c = checks().lock().unwrap_or_else(|p| p.into_inner()).clone();
        c.sort_by_key(|x| std::cmp::Reverse(x.0));
        let all: Duration = c.iter().map(|x| x.0).sum();
        eprintln!("timing: {} checks, {:.1} ms summed over the workers; slowest:", c.len(), ms(all));
        for (d, id) in c.iter().take(15) {
            eprintln!("timing:   {:>8.1} ms {id}", ms(*d));
        }
        eprintln!("timing: whole run {:.1} ms", ms(self.start.elapsed()));
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
