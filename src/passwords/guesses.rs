//! The guesses tried against one stored hash, strongest first, and how
//! hard to try (`--passwords quick|thorough`).
//!
//! Order, for every account: the empty password, the account's own name
//! and its variants ([`super::name_variants`]), then the bundled list from
//! its top (a list entry equal to a name variant is not tried twice). The
//! guesses are computed on demand from the account's name and the static
//! list: an account costs its few name variants in memory, however deep
//! the guessing goes.

use super::{common, name_variants, Weakness};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::OnceLock;

/// How hard password guessing tries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The default: the strongest guesses (empty, name variants, the top
    /// of the list) within one short scan-wide budget (the figures are in
    /// `limits`).
    #[default]
    Quick,
    /// Audits: the whole list within a longer budget.
    Thorough,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Quick => "quick",
            Mode::Thorough => "thorough",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Mode, String> {
        match s {
            "quick" => Ok(Mode::Quick),
            "thorough" => Ok(Mode::Thorough),
            _ => Err(format!("`{s}` is not a mode (quick or thorough)")),
        }
    }
}

fn rank_of() -> &'static HashMap<&'static str, usize> {
    static RANK: OnceLock<HashMap<&'static str, usize>> = OnceLock::new();
    RANK.get_or_init(|| {
        let mut m = HashMap::new();
        for (i, p) in common().iter().enumerate() {
            m.entry(*p).or_insert(i);
        }
        m
    })
}

/// A digest of the guess order for lists cut at `top` (the algorithm's
/// version and the bundled list): a cache records how far it got under
/// this digest, so that a changed list or order starts afresh.
pub fn list_digest(top: usize) -> String {
    let top = top.min(common().len());
    let mut h = Sha256::new();
    h.update(b"hardcheck guesses v1\0");
    h.update(top.to_le_bytes());
    for p in &common()[..top] {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().take(12).map(|b| format!("{b:02x}")).collect()
}

/// The guesses for one account.
#[derive(Debug, Clone)]
pub struct Guesses {
    names: Vec<String>,
    /// Sorted ranks of list entries that are name variants (not tried twice).
    skip: Vec<usize>,
    top: usize,
}

impl Guesses {
    pub fn new(user: &str, top: usize) -> Guesses {
        let top = top.min(common().len());
        let names: Vec<String> = name_variants(user).into_iter().filter(|n| !n.is_empty()).collect();
        let mut skip: Vec<usize> = names.iter().filter_map(|n| rank_of().get(n.as_str()).copied()).collect();
        skip.retain(|&r| r < top);
        skip.sort_unstable();
        skip.dedup();
        Guesses { names, skip, top }
    }

    /// How many guesses there are.
    pub fn len(&self) -> usize {
        1 + self.names.len() + self.top - self.skip.len()
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// The `k`-th guess (0: the empty password) and what it would mean.
    pub fn get(&self, k: usize) -> Option<(&str, Weakness)> {
        if k == 0 {
            return Some(("", Weakness::Empty));
        }
        if let Some(n) = self.names.get(k - 1) {
            return Some((n.as_str(), Weakness::SameAsName));
        }
        let mut rank = k - 1 - self.names.len();
        for &s in &self.skip {
            if s <= rank {
                rank += 1;
            } else {
                break;
            }
        }
        if rank >= self.top {
            return None;
        }
        common().get(rank).map(|p| (*p, Weakness::Common))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strongest_first_without_repeats() {
        let g = Guesses::new("admin", 200);
        let all: Vec<&str> = (0..g.len()).map(|k| g.get(k).unwrap().0).collect();
        assert_eq!(all[0], "");
        assert_eq!(g.get(0).unwrap().1, Weakness::Empty);
        assert!(all[1..=name_variants("admin").len()].contains(&"admin"));
        assert_eq!(all.iter().filter(|p| **p == "admin").count(), 1, "admin is on the list and a name");
        let set: std::collections::HashSet<&&str> = all.iter().collect();
        assert_eq!(set.len(), all.len(), "no guess twice");
        assert!(g.get(g.len()).is_none());
        // Everything of the top 200 is there, in list order.
        let listed: Vec<&str> = all[1 + name_variants("admin").len()..].to_vec();
        let want: Vec<&str> =
            common()[..200].iter().copied().filter(|p| !name_variants("admin").iter().any(|n| n == p)).collect();
        assert_eq!(listed, want);
    }

    #[test]
    fn modes_and_digests() {
        assert_eq!(Mode::Quick.name(), "quick");
        assert_ne!(list_digest(100), list_digest(101));
        assert_eq!(list_digest(100), list_digest(100));
        assert_eq!(Guesses::new("x", 0).len(), 1 + name_variants("x").len());
    }
}
