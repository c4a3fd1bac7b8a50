//! Glob expansion inside a target (`*`, `?`, `[...]` per component), and
//! the directory listings a scan's globs share ([`Listings`]): the checks
//! of one scan expand hundreds of patterns over the same directories
//! (`/etc/*/*.conf`, `/etc/*/.env`, `/srv/*/*.yml`, …), and each directory
//! is listed once per scan instead of once per pattern.

use super::{join, DirEntry, FileType, ReadError, Target};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Most entries the listings of one scan keep (about 100 bytes each); a
/// directory listed past it is listed again by each glob that needs it.
const KEPT_ENTRIES: usize = 50_000;
/// A listing longer than this is never kept (a 200,000-file directory
/// must not stay in memory for the rest of the scan), and a name is looked
/// up in a directory this large without listing it.
const KEPT_PER_DIRECTORY: usize = 4_096;

type Listing = Result<Arc<Vec<DirEntry>>, ReadError>;

/// What the scan keeps of one directory.
#[derive(Clone)]
enum Kept {
    Listed(Listing),
    /// Listed once, too large to keep: names in it are looked up one by one.
    TooLarge,
}

/// The directory listings of one scan, by in-target path, bounded by
/// [`KEPT_ENTRIES`]. A scan reads a snapshot: a directory changed while
/// the scan runs is seen as it was first listed.
#[derive(Default)]
pub struct Listings {
    kept: Mutex<HashMap<String, Kept>>,
    entries: AtomicUsize,
}

impl std::fmt::Debug for Listings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Listings({} entries)", self.entries.load(Ordering::Relaxed))
    }
}

impl Listings {
    /// The listing of `dir`, from the scan's listings or read now.
    fn list(&self, target: &dyn Target, dir: &str) -> Listing {
        match self.kept(dir) {
            Some(Kept::Listed(found)) => return found,
            Some(Kept::TooLarge) | None => {}
        }
        self.keep(dir, target.read_dir(dir).map(Arc::new))
    }

    /// Keep `listing` of `dir` while the scan's listings hold fewer than
    /// [`KEPT_ENTRIES`] entries; a directory over [`KEPT_PER_DIRECTORY`]
    /// is remembered as too large (each holds thousands of entries, so
    /// there are few such marks). Gives the listing back.
    fn keep(&self, dir: &str, listing: Listing) -> Listing {
        let size = listing.as_ref().map_or(1, |l| l.len().max(1));
        if size > KEPT_PER_DIRECTORY {
            self.lock().insert(dir.to_string(), Kept::TooLarge);
        } else if self.entries.fetch_add(size, Ordering::Relaxed) + size <= KEPT_ENTRIES {
            self.lock().insert(dir.to_string(), Kept::Listed(listing.clone()));
        }
        listing
    }

    /// The scan's listings hold all they may: names are looked up one by one.
    fn full(&self) -> bool {
        self.entries.load(Ordering::Relaxed) >= KEPT_ENTRIES
    }

    /// What this scan's globs already know of `dir`.
    fn kept(&self, dir: &str) -> Option<Kept> {
        self.lock().get(dir).cloned()
    }

    /// Whether `name` is in `dir`: `Some` from the directory's listing
    /// (read now if this scan has not yet), `None` when it cannot tell (a
    /// directory too large to keep, the scan's listings full, or a
    /// directory that cannot be listed but may still be searched: 0711).
    fn has(&self, target: &dyn Target, dir: &str, name: &str) -> Option<bool> {
        if matches!(name, "." | "..") {
            return None;
        }
        let listing = match self.kept(dir) {
            Some(Kept::TooLarge) => return None,
            Some(Kept::Listed(listing)) => listing,
            None if self.full() => return None,
            None => match target.read_dir_at_most(dir, KEPT_PER_DIRECTORY) {
                Ok(Some(entries)) => self.keep(dir, Ok(Arc::new(entries))),
                Ok(None) => {
                    self.lock().insert(dir.to_string(), Kept::TooLarge);
                    return None;
                }
                Err(e) => self.keep(dir, Err(e)),
            },
        };
        match listing {
            Ok(entries) => Some(entries.iter().any(|e| e.name == name)),
            // Nothing can be found below what is no directory.
            Err(
                ReadError::NotFound { .. }
                | ReadError::NotDir { .. }
                | ReadError::SymlinkLoop { .. }
                | ReadError::SymlinkEscape { .. }
                | ReadError::DanglingSymlink { .. },
            ) => Some(false),
            Err(_) => None,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Kept>> {
        self.kept.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Expand a glob pattern (absolute, in-target; `*`, `?`, `[...]` per
/// component) against the target. Results are sorted; unreadable
/// directories are returned in `errors`. With `listings`, directories
/// already listed by this scan are not listed again.
pub fn glob(target: &dyn Target, pattern: &str, listings: Option<&Listings>) -> (Vec<String>, Vec<ReadError>) {
    let own = Listings::default();
    let listings = listings.unwrap_or(&own);
    // Each path with whether a directory listing showed it exists (a
    // literal component is pushed unchecked, and checked at the end).
    let mut current = vec![("/".to_string(), true)];
    let mut errors = Vec::new();
    let comps: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    let first_glob = comps.iter().position(|c| c.contains(['*', '?', '['])).unwrap_or(comps.len());
    for (n, comp) in comps.iter().enumerate() {
        let more = n + 1 < comps.len();
        let mut next = Vec::new();
        let is_glob = comp.contains(['*', '?', '[']);
        let pat = match is_glob {
            true => match ::glob::Pattern::new(comp) {
                Ok(p) => Some(p),
                // A pattern that cannot match anything.
                Err(_) => return (Vec::new(), errors),
            },
            false => None,
        };
        for (dir, _) in &current {
            let Some(pat) = &pat else {
                // A literal name after a glob (`/home/*/.bashrc`): the
                // directory's listing, shared by every pattern of the scan
                // that looks in it, tells whether it exists. A literal path
                // from the root (`/etc/ssh`) is looked up once at the end.
                let path = join(dir, comp);
                match n > first_glob {
                    true => match listings.has(target, dir, comp) {
                        Some(true) => next.push((path, true)),
                        Some(false) => {}
                        None => next.push((path, false)),
                    },
                    false => next.push((path, false)),
                }
                continue;
            };
            match listings.list(target, dir) {
                Ok(entries) => {
                    for e in entries.iter() {
                        // Like the shell and sshd's glob(3): `*` does not match dotfiles.
                        if e.name.starts_with('.') && !comp.starts_with('.') {
                            continue;
                        }
                        // Only a directory (or a link to one) has entries
                        // for the components that follow.
                        if more && e.kind.is_some_and(|k| !matches!(k, FileType::Dir | FileType::Symlink)) {
                            continue;
                        }
                        if pat.matches(&e.name) {
                            let listed = !e.name.contains(char::REPLACEMENT_CHARACTER);
                            next.push((e.path.clone(), listed));
                        }
                    }
                }
                Err(ReadError::NotFound { .. }) | Err(ReadError::NotDir { .. }) => {}
                Err(e) => errors.push(e),
            }
        }
        current = next;
    }
    // Only keep paths that exist: those a listing showed, and the others
    // once `lstat` finds them.
    let mut found: Vec<String> =
        current.into_iter().filter(|(p, listed)| *listed || target.lstat(p).is_ok()).map(|(p, _)| p).collect();
    found.sort();
    found.dedup();
    (found, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::FsTarget;

    /// Shared listings give what each glob alone gives: literal names after
    /// a glob, a directory too large to list for a lookup, dotfiles, files
    /// where a directory is needed, a missing directory.
    #[test]
    fn shared_listings_change_no_result() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for user in ["alice", "bob", "carol"] {
            std::fs::create_dir_all(root.join(format!("home/{user}/.config/git"))).unwrap();
        }
        std::fs::write(root.join("home/alice/.bashrc"), "x").unwrap();
        std::fs::write(root.join("home/bob/.profile"), "x").unwrap();
        std::fs::write(root.join("home/carol/.config/git/config"), "x").unwrap();
        std::fs::write(root.join("home/notadir"), "x").unwrap();
        // More entries than a lookup lists: the name is looked up alone.
        for i in 0..KEPT_PER_DIRECTORY + 5 {
            std::fs::write(root.join(format!("home/bob/f{i}")), "").unwrap();
        }
        std::os::unix::fs::symlink("/home/alice", root.join("home/link")).unwrap();
        let t = FsTarget::root(root).unwrap();
        let shared = Listings::default();
        for pattern in [
            "/home/*/.bashrc",
            "/home/*/.profile",
            "/home/*/.config/git/config",
            "/home/*/*",
            "/home/*/.bashrc",
            "/home/*/.missing",
            "/nothing/*/x",
            "/home/notadir/*",
            "/home/[",
        ] {
            let alone = glob(&t, pattern, None);
            assert_eq!(glob(&t, pattern, Some(&shared)), alone, "{pattern}");
        }
        assert_eq!(
            glob(&t, "/home/*/.bashrc", Some(&shared)).0,
            vec!["/home/alice/.bashrc".to_string(), "/home/link/.bashrc".to_string()]
        );
        assert_eq!(glob(&t, "/home/*/.profile", Some(&shared)).0, vec!["/home/bob/.profile".to_string()]);
        assert!(matches!(shared.kept("/home/bob"), Some(Kept::TooLarge)));
    }
}
