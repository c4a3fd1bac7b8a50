//! Guessing passwords against stored hashes under one scan-wide budget,
//! resuming from the invoking user's cache.
//!
//! - **Budget.** The first password check of a scan starts the clock; every
//!   password check (shadow, htpasswd, Jenkins) stops at the same deadline:
//!   `--passwords quick` (default) 100 ms, `thorough` 5 s
//!   (`limits::PASSWORD_*_BUDGET`), or the
//!   profile's `password_check_budget_ms`. The guesses run on every core.
//! - **Order.** Rank by rank across accounts: every account gets its
//!   strongest guesses (empty, name variants, the top of the list) before
//!   any gets deeper ones ([`passwords::Guesses`]).
//! - **Memory.** Guesses are computed on demand; per account the state is
//!   a few counters and its name variants, bounded by
//!   `limits::PASSWORD_ENTRIES` accounts.
//! - **Cache.** How many guesses of the list were tried without a match is
//!   recorded under an HMAC of the hash (never the hash) in the invoking
//!   user's cache ([`crate::cache`]); the next scan starts there. A match
//!   is not recorded past its rank, so it is found again at once.

use crate::cache::Cache;
use crate::facts::Facts;
use crate::limits;
use crate::passwords::hash::Hash;
use crate::passwords::{self, Guesses, Mode, Weakness};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The probes that guess passwords: the engine starts their checks first,
/// so that the guessing budget runs while the other checks run, not after
/// them (a scan takes the longer of the two, not their sum).
pub const PROBES: &[&str] = &["weak_passwords"];

/// The scan-wide budget of a mode.
pub fn budget(mode: Mode) -> Duration {
    match mode {
        Mode::Quick => limits::PASSWORD_QUICK_BUDGET,
        Mode::Thorough => limits::PASSWORD_THOROUGH_BUDGET,
    }
}

/// How much of the bundled list a mode tries.
pub fn top(mode: Mode) -> usize {
    match mode {
        Mode::Quick => limits::PASSWORD_QUICK_COMMON,
        Mode::Thorough => passwords::common().len(),
    }
}

/// The cache file of password guessing, in the cache directory.
pub const CACHE_FILE: &str = "passwords.json";

/// One hash to guess.
pub struct Job<'a> {
    /// What identifies it in the cache (source, user and hash field): only
    /// its keyed digest is stored.
    pub key: String,
    pub user: &'a str,
    pub hash: &'a Hash,
}

/// How far guessing got for one hash.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// The weakness found, the guess's number (1-based) and when.
    pub found: Option<(Weakness, usize, Duration)>,
    /// Guesses tried in this scan.
    pub tried: usize,
    /// Where this scan started (the cache's record; 0: from the start).
    pub resumed_at: usize,
    /// Guesses there are in all.
    pub planned: usize,
    /// The hash could not be verified (malformed).
    pub malformed: bool,
}

impl Progress {
    /// Guesses of the list done, this scan and earlier ones.
    pub fn done(&self) -> usize {
        (self.resumed_at + self.tried).min(self.planned)
    }

    /// "40 of 127 guesses tried (resumed at 20)".
    pub fn describe(&self) -> String {
        let resumed = if self.resumed_at > 0 { format!(" (resumed at {})", self.resumed_at) } else { String::new() };
        format!("{} of {} guesses tried{resumed}", self.done(), self.planned)
    }
}

/// What a round of guessing found.
pub struct Guessed {
    pub per: Vec<Progress>,
    pub out_of_time: bool,
    pub elapsed: Duration,
    pub budget: Duration,
    /// About the cache (off, corrupt, not written).
    pub notes: Vec<String>,
}

/// The scan's cache, opened once, and a note about it not yet given.
struct Shared {
    cache: Result<Cache, String>,
    note: Option<String>,
}

/// The scan's cache (`None`: `--no-cache`).
fn cache(f: &Facts) -> Option<std::sync::Arc<Mutex<Shared>>> {
    let dir = f.options().cache.clone()?;
    f.memo("passwords:cache", move |_| {
        Ok(Mutex::new(match Cache::open(&dir, CACHE_FILE) {
            Ok((cache, note)) => Shared { cache: Ok(cache), note },
            Err(e) => Shared { cache: Err(e), note: None },
        }))
    })
    .ok()
}

/// Guess every job's password, rank by rank, until done or the scan-wide
/// deadline. `top`: how much of the list; `own`: a budget set by the
/// profile (`password_check_budget_ms`) instead of the mode's.
pub fn guess(f: &Facts, jobs: &[Job], top: usize, own: Option<Duration>) -> Guessed {
    let budget = own.unwrap_or_else(|| budget(f.options().passwords));
    let list = passwords::guesses::list_digest(top);
    let guesses: Vec<Guesses> = jobs.iter().map(|j| Guesses::new(j.user, top)).collect();
    let mut notes = Vec::new();
    if let Some(off) = &f.options().cache_off {
        notes.push(format!("no resume cache ({off})"));
    }
    let shared = cache(f);
    let mut digests = Vec::new();
    let mut from = vec![0; jobs.len()];
    if let Some(c) = &shared {
        let mut state = c.lock().unwrap_or_else(|p| p.into_inner());
        notes.extend(state.note.take());
        match &state.cache {
            Ok(c) => {
                for (i, j) in jobs.iter().enumerate() {
                    let d = c.digest(j.key.as_bytes());
                    from[i] = c.get(&d, &list).map(|r| r.done).unwrap_or(0).try_into().unwrap_or(usize::MAX);
                    from[i] = from[i].min(guesses[i].len());
                    digests.push(d);
                }
            }
            Err(e) => notes.push(format!("no resume cache ({e})")),
        }
    }
    // The clock starts at the scan's first guess (opening the cache is not
    // guessing).
    let start = f.memo("passwords:budget", |_| Ok(Instant::now())).map(|s| *s).unwrap_or_else(|_| Instant::now());
    // Quick guessing holds at most `PASSWORD_QUICK_MEMORY` of hash memory
    // at once (one Debian yescrypt verification: 16 MiB), so that a default
    // scan stays small; thorough guessing uses every core.
    let memory = jobs.iter().map(|j| j.hash.memory()).max().unwrap_or(0).max(1);
    let cores = std::thread::available_parallelism().map(|w| w.get()).unwrap_or(1).clamp(1, 64);
    let workers = match f.options().passwords {
        Mode::Quick => cores.min((limits::PASSWORD_QUICK_MEMORY / memory).max(1) as usize),
        Mode::Thorough => cores,
    };
    let run = crack(jobs, &guesses, &from, start + budget, workers);
    if let Some(c) = &shared {
        if let Ok(c) = &mut c.lock().unwrap_or_else(|p| p.into_inner()).cache {
            for ((d, p), done) in digests.into_iter().zip(&run.per).zip(&run.prefix) {
                if !p.malformed && *done > 0 {
                    c.put(d, *done as u64, &list);
                }
            }
            if let Err(e) = c.save(limits::CACHE_ENTRIES) {
                notes.push(format!("resume cache not written ({e})"));
            }
        }
    }
    Guessed { per: run.per, out_of_time: run.out_of_time, elapsed: start.elapsed(), budget, notes }
}

struct Cracked {
    per: Vec<Progress>,
    /// Per job: how many guesses from the start are known not to match.
    prefix: Vec<usize>,
    out_of_time: bool,
}

/// Guesses known not to match, from the first: completed out of order
/// ones wait in `ahead`.
struct Prefix {
    next: usize,
    ahead: BTreeSet<usize>,
}

impl Prefix {
    fn done(&mut self, k: usize) {
        if k != self.next {
            self.ahead.insert(k);
            return;
        }
        self.next += 1;
        while self.ahead.remove(&self.next) {
            self.next += 1;
        }
    }
}

fn crack(jobs: &[Job], guesses: &[Guesses], from: &[usize], deadline: Instant, workers: usize) -> Cracked {
    let start = Instant::now();
    let n = jobs.len();
    let depth = (0..n).map(|i| guesses[i].len() - from[i]).max().unwrap_or(0);
    let total = n.saturating_mul(depth);
    let next = AtomicUsize::new(0);
    let found: Vec<OnceLock<(Weakness, usize, Duration)>> = (0..n).map(|_| OnceLock::new()).collect();
    let tried: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
    let broken: Vec<AtomicBool> = (0..n).map(|_| AtomicBool::new(false)).collect();
    let prefix: Vec<Mutex<Prefix>> =
        from.iter().map(|&f| Mutex::new(Prefix { next: f, ahead: BTreeSet::new() })).collect();
    let out_of_time = AtomicBool::new(false);
    let workers = workers.clamp(1, 64).min(total.max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let (e, k) = (i % n, from[i % n] + i / n);
                let Some((cand, why)) = guesses[e].get(k) else { continue };
                if found[e].get().is_some() || broken[e].load(Ordering::Relaxed) {
                    continue;
                }
                if Instant::now() >= deadline {
                    out_of_time.store(true, Ordering::Relaxed);
                    break;
                }
                tried[e].fetch_add(1, Ordering::Relaxed);
                match jobs[e].hash.matches(cand) {
                    Ok(true) => {
                        let _ = found[e].set((why, k + 1, start.elapsed()));
                    }
                    Ok(false) => prefix[e].lock().unwrap_or_else(|p| p.into_inner()).done(k),
                    Err(_) => broken[e].store(true, Ordering::Relaxed),
                }
            });
        }
    });
    let per = (0..n)
        .map(|i| Progress {
            found: found[i].get().cloned(),
            tried: tried[i].load(Ordering::Relaxed),
            resumed_at: from[i],
            planned: guesses[i].len(),
            malformed: broken[i].load(Ordering::Relaxed),
        })
        .collect();
    Cracked {
        per,
        prefix: prefix.into_iter().map(|p| p.into_inner().unwrap_or_else(|p| p.into_inner()).next).collect(),
        out_of_time: out_of_time.into_inner(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passwords::hash;

    #[test]
    fn round_robin_resume_and_deadline() {
        let h1 = hash::parse_htpasswd("{PLAIN}Bob1").unwrap();
        let h2 = hash::parse_htpasswd("{PLAIN}password").unwrap();
        let jobs =
            vec![Job { key: "a".into(), user: "alice", hash: &h1 }, Job { key: "b".into(), user: "bob", hash: &h2 }];
        let g: Vec<Guesses> = jobs.iter().map(|j| Guesses::new(j.user, 100)).collect();
        let far = Instant::now() + Duration::from_secs(30);
        let c = crack(&jobs, &g, &[0, 0], far, 2);
        assert!(c.per[0].found.is_none());
        assert_eq!(c.prefix[0], g[0].len(), "every guess for alice tried");
        let (why, k, _) = c.per[1].found.clone().unwrap();
        assert_eq!(why, Weakness::Common);
        assert_eq!(g[1].get(k - 1).unwrap().0, "password");
        assert_eq!(c.prefix[1], k - 1, "a match is not recorded past its rank");
        assert!(!c.out_of_time);
        // Resumed: the guesses before the record are not tried again.
        let c = crack(&jobs, &g, &[g[0].len() - 2, k - 1], far, 2);
        assert_eq!(c.per[0].tried, 2);
        assert_eq!(c.per[1].tried, 1);
        assert!(c.per[1].found.is_some());
        // No time: nothing tried, and said so.
        let c = crack(&jobs, &g, &[0, 0], Instant::now(), 2);
        assert!(c.out_of_time);
        assert_eq!(c.per.iter().map(|p| p.tried).sum::<usize>(), 0);
    }

    #[test]
    fn prefix_waits_for_gaps() {
        let mut p = Prefix { next: 3, ahead: BTreeSet::new() };
        p.done(5);
        p.done(3);
        assert_eq!(p.next, 4);
        p.done(4);
        assert_eq!(p.next, 6);
    }
}
