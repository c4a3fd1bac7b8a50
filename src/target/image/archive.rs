//! The container an image comes in: an OCI layout directory, or one tar
//! (`docker save`, an OCI archive) indexed once — member names, offsets and
//! sizes — without reading the members themselves.

use super::names::{clean, shown, Cleaned};
use super::stream::{open_regular, Bounded, Section, Window};
use super::{ImageError, Refusal};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Bytes a tar header may carry with it (long names, PAX records).
pub(crate) const HEADER_BYTES: u64 = 1024 * 1024;
/// Most members of the outer archive indexed (a `docker save` has a few per
/// layer).
const MAX_MEMBERS: usize = 100_000;
/// Symlinks followed inside the outer archive (`docker save` links shared
/// layers to one copy).
const MAX_HOPS: usize = 40;

#[derive(Debug)]
pub(crate) enum Store {
    /// An OCI image layout directory.
    Dir(PathBuf),
    /// A tar: regular members by name, symlinks with their targets, and
    /// members that are present but unusable, with the reason.
    Tar {
        path: Arc<PathBuf>,
        members: HashMap<String, (u64, u64)>,
        links: HashMap<String, String>,
        broken: HashMap<String, String>,
    },
}

impl Store {
    /// Open `path` (already known to exist): a directory is a layout; a file
    /// must be an uncompressed tar.
    pub fn open(path: &Path, shown_path: &str, refused: &mut Vec<Refusal>) -> Result<Store, ImageError> {
        let io = |e: std::io::Error| ImageError::Io(shown_path.to_string(), e.to_string());
        let canonical = std::fs::canonicalize(path).map_err(io)?;
        if canonical.is_dir() {
            return Ok(Store::Dir(canonical));
        }
        let mut file = open_regular(&canonical).map_err(io)?;
        let mut head = [0u8; 512];
        let n = file.read(&mut head).map_err(io)?;
        let not_archive = |why: &str| ImageError::NotArchive(shown_path.to_string(), why.to_string());
        match super::stream::Compression::sniff(&head[..n]) {
            super::stream::Compression::None => {}
            c => return Err(ImageError::Compressed(shown_path.to_string(), c.as_str())),
        }
        if n < 512 || &head[257..262] != b"ustar" {
            return Err(not_archive("not a tar archive"));
        }
        let len = file.metadata().map_err(io)?.len();
        let path = Arc::new(canonical);
        let section = Section { path: path.clone(), offset: 0, len };
        let mut store = Store::Tar { path, members: HashMap::new(), links: HashMap::new(), broken: HashMap::new() };
        store.index(&section, refused).map_err(|e| not_archive(&e))?;
        Ok(store)
    }

    /// Record every member of the outer tar.
    fn index(&mut self, section: &Section, refused: &mut Vec<Refusal>) -> Result<(), String> {
        let Store::Tar { members, links, broken, .. } = self else { return Ok(()) };
        let window = Window::new();
        let reader = Bounded::new(section.open().map_err(|e| e.to_string())?, u64::MAX, window.clone());
        let mut archive = tar::Archive::new(reader);
        let mut entries = archive.entries_with_seek().map_err(|e| e.to_string())?;
        loop {
            window.arm(HEADER_BYTES);
            let next = entries.next();
            window.disarm();
            let entry = match next {
                None => break,
                Some(Ok(e)) => e,
                Some(Err(e)) if members.is_empty() => return Err(e.to_string()),
                Some(Err(e)) => {
                    refused.push(Refusal::new("(archive)", format!("archive: stops early: {e}")));
                    break;
                }
            };
            if members.len() + links.len() >= MAX_MEMBERS {
                refused.push(Refusal::new(
                    "(archive)",
                    format!("archive: more than {MAX_MEMBERS} members; the rest not read"),
                ));
                break;
            }
            let raw = entry.path_bytes().into_owned();
            let name = match clean(&raw) {
                Cleaned::Path(c) if !c.is_empty() => c.join("/"),
                Cleaned::Path(_) => continue,
                Cleaned::Refused(why) => {
                    refused.push(Refusal::new(&shown(&raw), format!("archive member refused: {why}")));
                    continue;
                }
            };
            if members.contains_key(&name) || links.contains_key(&name) || broken.contains_key(&name) {
                refused.push(Refusal::new(&name, "archive member refused: duplicate name".to_string()));
                broken.insert(name, "appears twice in the archive".into());
                continue;
            }
            let kind = entry.header().entry_type();
            let (offset, size) = (entry.raw_file_position(), entry.size());
            if kind.is_file() || kind.is_contiguous() {
                if offset.saturating_add(size) > section.len {
                    broken.insert(name, format!("is truncated (declares {size} bytes past the end of the archive)"));
                    continue;
                }
                members.insert(name, (offset, size));
            } else if kind.is_symlink() || kind.is_hard_link() {
                let target = entry.link_name_bytes().map(|b| b.into_owned()).unwrap_or_default();
                let target = String::from_utf8_lossy(&target).into_owned();
                // A hard link names a member from the archive root; a symlink
                // is relative to its own directory.
                let target = if kind.is_hard_link() { format!("/{target}") } else { target };
                links.insert(name, target);
            }
        }
        Ok(())
    }

    /// Whether the store has a member or file of this name.
    pub fn contains(&self, name: &str) -> bool {
        match self {
            Store::Dir(dir) => dir.join(name).exists(),
            Store::Tar { members, links, .. } => members.contains_key(name) || links.contains_key(name),
        }
    }

    /// Where the bytes of member `name` are. A missing member is a fatal
    /// error naming it.
    pub fn section(&self, name: &str, shown_path: &str) -> Result<Section, ImageError> {
        let missing = |why: String| ImageError::MissingBlob(shown_path.to_string(), name.to_string(), why);
        let comps = match clean(name.as_bytes()) {
            Cleaned::Path(c) if !c.is_empty() => c,
            _ => return Err(missing("which is not a name inside the archive".into())),
        };
        match self {
            Store::Dir(dir) => {
                let path = comps.iter().fold(dir.clone(), |p, c| p.join(c));
                // A link (an unpacked `docker save` links shared layers) may
                // lead anywhere inside the directory, never out of it.
                let real = match std::fs::canonicalize(&path) {
                    Ok(real) if real.starts_with(dir) => real,
                    Ok(_) => return Err(missing("a link that leaves the directory".into())),
                    Err(_) => return Err(missing("which is not in the layout".into())),
                };
                match std::fs::symlink_metadata(&real) {
                    Ok(m) if m.file_type().is_file() => Ok(Section { path: Arc::new(real), offset: 0, len: m.len() }),
                    _ => Err(missing("which is not a regular file".into())),
                }
            }
            Store::Tar { path, members, links, broken } => {
                let mut at = comps.join("/");
                for _ in 0..MAX_HOPS {
                    if let Some(&(offset, len)) = members.get(&at) {
                        return Ok(Section { path: path.clone(), offset, len });
                    }
                    if let Some(why) = broken.get(&at) {
                        return Err(missing(format!("which {why}")));
                    }
                    let Some(link) = links.get(&at) else {
                        return Err(missing("which is not in the archive".into()));
                    };
                    at =
                        follow(&at, link).ok_or_else(|| missing(format!("a link that leaves the archive ({link})")))?;
                }
                Err(missing("a symlink loop".into()))
            }
        }
    }
}

/// The member a link at `at` to `link` names, inside the archive.
fn follow(at: &str, link: &str) -> Option<String> {
    let mut parts: Vec<&str> = if link.starts_with('/') { Vec::new() } else { at.split('/').collect() };
    if !link.starts_with('/') {
        parts.pop();
    }
    for c in link.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::follow;

    #[test]
    fn links_inside_the_archive_are_followed_and_escapes_refused() {
        assert_eq!(follow("abc/layer.tar", "../def/layer.tar").as_deref(), Some("def/layer.tar"));
        assert_eq!(follow("a/layer.tar", "/blobs/sha256/x").as_deref(), Some("blobs/sha256/x"));
        assert_eq!(follow("layer.tar", "../x"), None);
    }
}
