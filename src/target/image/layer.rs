//! One streaming pass over a layer's tar, applying it to the [`Tree`]:
//! whiteouts and opaque directories, hard links and symlinks, modes and
//! owners from the headers. Contents are kept only for files checks read
//! (config-sized files in the places they look, small files under a
//! budget); the rest stays in the layer, found again by its [`Locator`].
//! Hostile members are refused one by one with a reason.

use super::archive::HEADER_BYTES;
use super::names::{clean, link_climbs_out, shown, Cleaned};
use super::stream::{open_tar, Section, TarStream, Window};
use super::tree::{Data, Locator, Node, NodeId, Tree, ROOT};
use super::Refusal;
use crate::target::{FileType, MAX_FILE_BYTES};
use std::io::{self, Read};
use std::sync::Arc;

/// Most entries the tree holds (bounds its memory: about 170 bytes each).
pub(crate) const MAX_ENTRIES: usize = 500_000;
/// Contents kept for files under [`PLACES`] (bytes, all layers together).
const PLACES_BUDGET: u64 = 48 * 1024 * 1024;
/// Contents kept for small files anywhere else.
const SMALL_BUDGET: u64 = 8 * 1024 * 1024;
/// What "small" means for [`SMALL_BUDGET`].
const SMALL_FILE: u64 = 16 * 1024;
/// Most refusals recorded per layer (the count of the rest is kept).
const MAX_REFUSALS: usize = 200;

/// Where checks read configuration, credentials and state: files here are
/// kept in memory up to [`PLACES_BUDGET`].
const PLACES: &[&str] = &[
    "etc/",
    "root/",
    "home/",
    "srv/",
    "opt/",
    "app/",
    "var/www/",
    "var/lib/",
    "var/spool/",
    "usr/local/",
    "usr/lib/systemd/",
    "lib/systemd/",
    "usr/lib/sysctl.d/",
    "lib/sysctl.d/",
    "usr/lib/pam.d/",
    "usr/lib/os-release",
    "usr/share/nginx/",
    "usr/share/tomcat",
    "lib/apk/",
    "run/",
];

/// What one layer pass needs besides the tree.
pub(crate) struct Pass<'a> {
    pub tree: &'a mut Tree,
    pub refused: &'a mut Vec<Refusal>,
    pub layer: u32,
    /// `layer 1 (sha256:0123456789ab)`, for reasons.
    pub label: &'a str,
}

/// Apply one layer. `Err` means the layer could not be read to its end (the
/// image is incomplete); refused members are recorded and skipped.
pub(crate) fn apply(section: &Section, pass: &mut Pass<'_>) -> Result<(), String> {
    let window = Window::new();
    let (stream, _) = open_tar(section, &window).map_err(|e| format!("cannot read: {e}"))?;
    let mut state = State { refusals: 0 };
    let result = match stream {
        TarStream::Plain(r) => {
            let mut archive = tar::Archive::new(r);
            let entries = archive.entries_with_seek().map_err(|e| e.to_string())?;
            walk(entries, &window, Some(section.len), |e, ordinal| state.member(pass, e, ordinal, true).map(|_| true))
        }
        TarStream::Packed(r) => {
            let mut archive = tar::Archive::new(r);
            let entries = archive.entries().map_err(|e| e.to_string())?;
            walk(entries, &window, None, |e, ordinal| state.member(pass, e, ordinal, false).map(|_| true))
        }
    };
    if state.refusals > MAX_REFUSALS {
        let more = state.refusals - MAX_REFUSALS;
        pass.refused.push(Refusal::new("(layer)", format!("{}: {more} more members refused", pass.label)));
    }
    result
}

/// Every entry of a tar stream, in order, until `each` returns `false`. The
/// header of each entry may carry at most [`HEADER_BYTES`]; `len` (when the
/// stream is seekable) is where it ends, so a member declared past the end
/// is caught unread.
pub(crate) fn walk<R: Read>(
    mut entries: tar::Entries<'_, R>,
    window: &Window,
    len: Option<u64>,
    mut each: impl FnMut(&mut tar::Entry<'_, R>, u32) -> Result<bool, String>,
) -> Result<(), String> {
    let mut ordinal = 0u32;
    loop {
        window.arm(HEADER_BYTES);
        let next = entries.next();
        window.disarm();
        let mut entry = match next {
            None => return Ok(()),
            Some(Ok(e)) => e,
            Some(Err(e)) => return Err(e.to_string()),
        };
        // Bytes stored in the archive (a sparse file stores fewer than its size).
        let stored = match entry.header().entry_type().is_gnu_sparse() {
            true => entry.header().entry_size().unwrap_or(0),
            false => entry.size(),
        };
        let end = entry.raw_file_position().saturating_add(stored);
        if len.is_some_and(|len| end > len) {
            return Err(truncated(&entry, stored));
        }
        if !each(&mut entry, ordinal)? {
            return Ok(());
        }
        if len.is_none() {
            // Drain what was not read here, so the next header's budget only
            // counts header bytes (a compressed stream cannot seek).
            io::copy(&mut entry, &mut io::sink()).map_err(|e| e.to_string())?;
            if window.read() < end {
                return Err(truncated(&entry, stored));
            }
        }
        ordinal = ordinal.checked_add(1).ok_or("too many entries")?;
    }
}

fn truncated<R: Read>(entry: &tar::Entry<'_, R>, stored: u64) -> String {
    format!("truncated: {} declares {stored} bytes past the end of the layer", shown(&entry.path_bytes()))
}

/// The data of the entry at `ordinal` (a file read again on demand).
pub(crate) fn find<R: Read>(
    entries: tar::Entries<'_, R>,
    window: &Window,
    len: Option<u64>,
    ordinal: u32,
    size: u64,
) -> Result<Arc<[u8]>, String> {
    let mut found = None;
    walk(entries, window, len, |e, i| {
        if i == ordinal {
            found = Some(read_exactly(e, size)?);
        }
        Ok(i < ordinal)
    })?;
    found.ok_or_else(|| "the member is no longer in the layer".to_string())
}

struct State {
    refusals: usize,
}

impl State {
    fn refuse(&mut self, pass: &mut Pass<'_>, path: &str, why: &str) {
        self.note(pass, path, format!("member refused: {why}"));
    }

    /// Record a reason about a member (at most [`MAX_REFUSALS`] per layer).
    fn note(&mut self, pass: &mut Pass<'_>, path: &str, why: String) {
        self.refusals += 1;
        if self.refusals <= MAX_REFUSALS {
            pass.refused.push(Refusal::new(path, format!("{}: {why}", pass.label)));
        }
    }

    fn member<R: Read>(
        &mut self,
        pass: &mut Pass<'_>,
        entry: &mut tar::Entry<'_, R>,
        ordinal: u32,
        seekable: bool,
    ) -> Result<(), String> {
        let raw = entry.path_bytes().into_owned();
        let kind = entry.header().entry_type();
        if kind.is_pax_global_extensions() {
            return Ok(());
        }
        let comps = match clean(&raw) {
            Cleaned::Path(c) => c,
            Cleaned::Refused(why) => {
                self.refuse(pass, &shown(&raw), why);
                return Ok(());
            }
        };
        let path = format!("/{}", comps.join("/"));
        let Some((name, parents)) = comps.split_last() else {
            // `./`: the root directory's own metadata.
            if kind.is_dir() {
                let (mode, uid, gid) = owner(entry).unwrap_or((0o755, 0, 0));
                let root = pass.tree.node_mut(ROOT);
                (root.mode, root.uid, root.gid, root.layer) = (mode, uid, gid, pass.layer);
            }
            return Ok(());
        };
        if let Some(hidden) = name.strip_prefix(".wh.") {
            // A whiteout creates nothing: what it hides is in an existing
            // directory (never reached through a symlink).
            let Some(dir) = existing_dir(pass.tree, parents) else { return Ok(()) };
            if hidden == ".wh..opq" {
                pass.tree.make_opaque(dir, pass.layer);
            } else if !hidden.starts_with(".wh.")
                && pass.tree.child(dir, hidden).is_some_and(|id| pass.tree.node(id).layer < pass.layer)
            {
                // Whiteouts hide lower layers only, never this layer's own entries.
                pass.tree.remove(dir, hidden);
            }
            return Ok(());
        }
        let parent = match self.parent(pass, parents) {
            Ok(p) => p,
            Err(why) => {
                self.refuse(pass, &path, &why);
                return Ok(());
            }
        };
        if pass.tree.allocated() >= MAX_ENTRIES {
            return Err(format!("more than {MAX_ENTRIES} entries"));
        }
        let written_here = |id: NodeId| pass.tree.node(id).layer == pass.layer && !pass.tree.node(id).implicit;
        if pass.tree.child(parent, name).is_some_and(written_here) {
            self.refuse(pass, &path, "duplicate entry in this layer");
            return Ok(());
        }
        let node = match self.node(pass, entry, &path, parents.len(), ordinal, seekable) {
            Ok(Some(n)) => n,
            Ok(None) => return Ok(()),
            Err(Fault::Member(why)) => {
                self.refuse(pass, &path, &why);
                return Ok(());
            }
            Err(Fault::Stream(why)) => return Err(why),
        };
        pass.tree.put(parent, name, node);
        Ok(())
    }

    /// The directory an entry goes in; missing directories are created (as
    /// container runtimes do), symlinks and files on the way are refused.
    fn parent(&self, pass: &mut Pass<'_>, parents: &[String]) -> Result<NodeId, String> {
        let mut dir = ROOT;
        for (i, c) in parents.iter().enumerate() {
            dir = match pass.tree.child(dir, c) {
                None => pass.tree.put(dir, c, Node { implicit: true, ..Node::dir(0o755, 0, 0, pass.layer) }),
                Some(id) => match pass.tree.node(id).kind {
                    FileType::Dir => id,
                    FileType::Symlink => {
                        return Err(format!("parent /{} is a symlink (not followed)", parents[..=i].join("/")))
                    }
                    _ => return Err(format!("parent /{} is not a directory", parents[..=i].join("/"))),
                },
            };
        }
        Ok(dir)
    }

    /// The node an entry makes, or why it is refused.
    fn node<R: Read>(
        &mut self,
        pass: &mut Pass<'_>,
        entry: &mut tar::Entry<'_, R>,
        path: &str,
        depth: usize,
        ordinal: u32,
        seekable: bool,
    ) -> Result<Option<Node>, Fault> {
        let (mode, uid, gid) = owner(entry).map_err(Fault::Member)?;
        let t = entry.header().entry_type();
        let base = Node::dir(mode, uid, gid, pass.layer);
        let link = || {
            let raw = entry.link_name_bytes().map(|b| b.into_owned()).unwrap_or_default();
            String::from_utf8(raw).map_err(|_| Fault::Member("link target is not UTF-8".into()))
        };
        let node = if t.is_dir() {
            base
        } else if t.is_symlink() {
            let to = link()?;
            if to.is_empty() || to.contains('\0') {
                return Err(Fault::Member("empty symlink target".into()));
            }
            if link_climbs_out(depth, &to) {
                return Err(Fault::Member(format!("symlink to {to} climbs out of the image (not followed)")));
            }
            Node { kind: FileType::Symlink, size: to.len() as u64, link: Some(to.into()), ..base }
        } else if t.is_hard_link() {
            return self.hard_link(pass, &link()?).map(Some);
        } else if t.is_character_special() || t.is_block_special() || t.is_fifo() {
            let kind = match () {
                _ if t.is_fifo() => FileType::Fifo,
                _ if t.is_block_special() => FileType::BlockDevice,
                _ => FileType::CharDevice,
            };
            if !path.starts_with("/dev/") {
                let why = format!("{} kept as inert metadata, never opened", kind.as_str());
                self.note(pass, path, why);
            }
            Node { kind, ..base }
        } else if t.is_file() || t.is_contiguous() || t.is_gnu_sparse() {
            let size = entry.size();
            // A sparse file's data is not where its holes are: found by ordinal.
            let offset = if t.is_gnu_sparse() { u64::MAX } else { entry.raw_file_position() };
            let locator = Locator { layer: pass.layer, ordinal, offset };
            let data = match keep(path, size, pass.tree.held) {
                true => Data::Held(read_exactly(entry, size).map_err(Fault::Stream)?),
                false if size == 0 => Data::None,
                false if !seekable && size > MAX_FILE_BYTES => Data::None,
                false => Data::InLayer(locator),
            };
            Node { kind: FileType::File, size, data, ..base }
        } else if t.is_gnu_longname() || t.is_gnu_longlink() || t.is_pax_local_extensions() {
            return Ok(None);
        } else {
            return Err(Fault::Member(format!("unsupported member type {:?}", t.as_byte() as char)));
        };
        Ok(Some(node))
    }

    /// A hard link shares its target's inode: same type, mode, owner and
    /// contents. The target must already be in the image.
    fn hard_link(&self, pass: &mut Pass<'_>, to: &str) -> Result<Node, Fault> {
        let comps = match clean(to.as_bytes()) {
            Cleaned::Path(c) if !c.is_empty() => c,
            Cleaned::Path(_) => return Err(Fault::Member("hard link to the root directory".into())),
            Cleaned::Refused(why) => return Err(Fault::Member(format!("hard link target refused: {why}"))),
        };
        let mut at = ROOT;
        for c in &comps {
            let next = pass.tree.child(at, c).filter(|_| pass.tree.node(at).kind == FileType::Dir);
            at = next.ok_or_else(|| {
                Fault::Member(format!("hard link to /{}, which is not in the image", comps.join("/")))
            })?;
        }
        let target = pass.tree.node(at);
        if target.kind == FileType::Dir {
            return Err(Fault::Member(format!("hard link to directory /{}", comps.join("/"))));
        }
        Ok(Node { layer: pass.layer, children: Default::default(), ..target.clone() })
    }
}

/// The directory `parents` names, when it exists (no link followed).
fn existing_dir(tree: &Tree, parents: &[String]) -> Option<NodeId> {
    let mut dir = ROOT;
    for c in parents {
        dir = tree.child(dir, c).filter(|id| tree.node(*id).kind == FileType::Dir)?;
    }
    Some(dir)
}

/// Why an entry is not applied: the member alone, or the stream it is in.
enum Fault {
    Member(String),
    Stream(String),
}

/// Mode (permission bits with setuid, setgid, sticky), uid and gid.
fn owner<R: Read>(entry: &tar::Entry<'_, R>) -> Result<(u32, u32, u32), String> {
    let h = entry.header();
    let mode = h.mode().map_err(|e| format!("bad mode field: {e}"))? & 0o7777;
    let uid = h.uid().ok().and_then(|u| u32::try_from(u).ok()).ok_or("bad uid field")?;
    let gid = h.gid().ok().and_then(|g| u32::try_from(g).ok()).ok_or("bad gid field")?;
    Ok((mode, uid, gid))
}

/// Whether a file's contents are kept in memory during the pass.
fn keep(path: &str, size: u64, held: u64) -> bool {
    if size == 0 || size > MAX_FILE_BYTES {
        return false;
    }
    let rel = &path[1..];
    let in_places = PLACES.iter().any(|p| rel.starts_with(p) || rel == p.trim_end_matches('/'));
    match in_places {
        true => held + size <= PLACES_BUDGET + SMALL_BUDGET,
        false => size <= SMALL_FILE && held + size <= SMALL_BUDGET,
    }
}

/// Exactly `size` bytes of an entry's data; fewer is a truncated stream.
pub(crate) fn read_exactly(r: &mut impl Read, size: u64) -> Result<Arc<[u8]>, String> {
    let mut buf = Vec::with_capacity(size.min(MAX_FILE_BYTES) as usize);
    r.take(size).read_to_end(&mut buf).map_err(|e| e.to_string())?;
    if (buf.len() as u64) < size {
        return Err(format!("truncated: a member declares {size} bytes, the layer ends after {}", buf.len()));
    }
    Ok(Arc::from(buf))
}
