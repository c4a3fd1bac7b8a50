//! The image's filesystem as its layers leave it, in memory: for every entry
//! its type, mode, owner, size, link target, the layer that last wrote it and
//! where its contents are. Paths are resolved here the way `--root` resolves
//! them on disk (absolute links restart at the image root, climbing above it
//! is refused, loops end after [`MAX_SYMLINKS`] hops).

use crate::target::{FileType, ReadError, MAX_SYMLINKS};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

pub(crate) type NodeId = u32;
pub(crate) const ROOT: NodeId = 0;

/// Where a regular file's contents are.
#[derive(Debug, Clone)]
pub(crate) enum Data {
    /// Empty, or not a regular file.
    None,
    /// Kept in memory while the layer was read.
    Held(Arc<[u8]>),
    /// Left in the layer: read again on demand.
    InLayer(Locator),
}

/// A member's place in its layer's tar stream.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Locator {
    pub layer: u32,
    /// How many entries come before it in the layer.
    pub ordinal: u32,
    /// Offset of its data in the uncompressed tar stream (`u64::MAX`: only
    /// found by reading the entries up to it, as for a sparse file).
    pub offset: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: FileType,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    /// Index of the layer that last wrote the entry.
    pub layer: u32,
    pub link: Option<Box<str>>,
    pub data: Data,
    pub children: BTreeMap<Box<str>, NodeId>,
    /// A directory created only because an entry below it needed one (no
    /// entry of its own in the layer that made it).
    pub implicit: bool,
}

impl Node {
    pub fn dir(mode: u32, uid: u32, gid: u32, layer: u32) -> Node {
        Node {
            kind: FileType::Dir,
            mode,
            uid,
            gid,
            size: 0,
            layer,
            link: None,
            data: Data::None,
            children: BTreeMap::new(),
            implicit: false,
        }
    }
}

/// All entries; removed ones stay in the arena without their contents.
#[derive(Debug)]
pub(crate) struct Tree {
    nodes: Vec<Node>,
    /// Bytes of contents held in memory.
    pub held: u64,
}

impl Tree {
    pub fn new() -> Tree {
        Tree { nodes: vec![Node::dir(0o755, 0, 0, 0)], held: 0 }
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    pub fn node_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.nodes[id as usize]
    }

    /// Entries allocated so far (what bounds the tree's memory).
    pub fn allocated(&self) -> usize {
        self.nodes.len()
    }

    pub fn child(&self, dir: NodeId, name: &str) -> Option<NodeId> {
        self.node(dir).children.get(name).copied()
    }

    /// Add `node` as `name` in `dir`, replacing what was there (a directory
    /// over a directory keeps its children and takes the new metadata).
    pub fn put(&mut self, dir: NodeId, name: &str, node: Node) -> NodeId {
        if let Some(old) = self.child(dir, name) {
            if self.node(old).kind == FileType::Dir && node.kind == FileType::Dir {
                let o = self.node_mut(old);
                (o.mode, o.uid, o.gid, o.layer, o.implicit) =
                    (node.mode, node.uid, node.gid, node.layer, node.implicit);
                return old;
            }
            self.remove(dir, name);
        }
        if let Data::Held(bytes) = &node.data {
            if Arc::strong_count(bytes) == 1 {
                self.held += bytes.len() as u64;
            }
        }
        let id = self.nodes.len() as NodeId;
        self.nodes.push(node);
        self.node_mut(dir).children.insert(name.into(), id);
        id
    }

    /// Remove `name` from `dir` with everything below it, freeing contents.
    pub fn remove(&mut self, dir: NodeId, name: &str) {
        let Some(id) = self.node_mut(dir).children.remove(name) else { return };
        let mut stack = vec![id];
        while let Some(id) = stack.pop() {
            let n = self.node_mut(id);
            let children = std::mem::take(&mut n.children);
            if let Data::Held(bytes) = std::mem::replace(&mut n.data, Data::None) {
                if Arc::strong_count(&bytes) == 1 {
                    self.held = self.held.saturating_sub(bytes.len() as u64);
                }
            }
            stack.extend(children.into_values());
        }
    }

    /// Hide everything below `dir` that comes from layers before `layer`
    /// (an opaque directory); returns whether anything of `layer` remains.
    pub fn make_opaque(&mut self, dir: NodeId, layer: u32) -> bool {
        let kids: Vec<(Box<str>, NodeId)> = self.node(dir).children.iter().map(|(k, v)| (k.clone(), *v)).collect();
        let mut any = false;
        for (name, id) in kids {
            let own = self.node(id).layer >= layer;
            let below = self.node(id).kind == FileType::Dir && self.make_opaque(id, layer);
            if own || below {
                any = true;
            } else {
                self.remove(dir, &name);
            }
        }
        any
    }

    /// Resolve an in-image path to its entry. With `follow_last`, a symlink
    /// in the last component is followed too. `Ok(None)`: the last
    /// component does not exist (a missing directory on the way is an error).
    pub fn resolve(&self, path: &str, follow_last: bool) -> Result<Option<NodeId>, ReadError> {
        let mut pending: VecDeque<String> = path.split('/').map(str::to_string).collect();
        let mut stack: Vec<NodeId> = Vec::new();
        let mut links = 0usize;
        let mut current = ROOT;
        while let Some(c) = pending.pop_front() {
            match c.as_str() {
                "" | "." => continue,
                ".." => {
                    if stack.pop().is_none() && links > 0 {
                        return Err(ReadError::SymlinkEscape { path: path.to_string() });
                    }
                    current = stack.last().copied().unwrap_or(ROOT);
                    continue;
                }
                _ => {}
            }
            let is_last = pending.iter().all(|p| p.is_empty() || p == ".");
            let node = self.node(current);
            if node.kind != FileType::Dir {
                return Err(ReadError::NotDir { path: path.to_string() });
            }
            let Some(id) = node.children.get(c.as_str()).copied() else {
                return match is_last {
                    true => Ok(None),
                    false => Err(ReadError::NotFound { path: path.to_string() }),
                };
            };
            let n = self.node(id);
            if n.kind == FileType::Symlink && (follow_last || !is_last) {
                links += 1;
                if links > MAX_SYMLINKS {
                    return Err(ReadError::SymlinkLoop { path: path.to_string() });
                }
                let link = n.link.as_deref().unwrap_or("");
                if link.starts_with('/') {
                    stack.clear();
                }
                current = stack.last().copied().unwrap_or(ROOT);
                for comp in link.split('/').rev() {
                    pending.push_front(comp.to_string());
                }
                continue;
            }
            if !is_last && n.kind != FileType::Dir {
                return Err(ReadError::NotDir { path: path.to_string() });
            }
            stack.push(id);
            current = id;
        }
        Ok(Some(current))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(layer: u32) -> Node {
        Node { kind: FileType::File, ..Node::dir(0o644, 0, 0, layer) }
    }

    fn link(to: &str) -> Node {
        Node { kind: FileType::Symlink, link: Some(to.into()), ..Node::dir(0o777, 0, 0, 0) }
    }

    fn sample() -> Tree {
        let mut t = Tree::new();
        let etc = t.put(ROOT, "etc", Node::dir(0o755, 0, 0, 0));
        t.put(etc, "passwd", file(0));
        t.put(etc, "abs", link("/etc/passwd"));
        t.put(etc, "rel", link("../etc/./passwd"));
        t.put(etc, "up", link("../../../etc/passwd"));
        t.put(etc, "loop1", link("loop2"));
        t.put(etc, "loop2", link("loop1"));
        t.put(etc, "dangling", link("/nowhere"));
        t.put(ROOT, "lnk", link("etc"));
        t
    }

    #[test]
    fn resolution_stays_inside_the_image() {
        let t = sample();
        let passwd = t.resolve("/etc/passwd", true).unwrap().unwrap();
        assert_eq!(t.resolve("/etc/abs", true).unwrap(), Some(passwd));
        assert_eq!(t.resolve("/etc/rel", true).unwrap(), Some(passwd));
        assert_eq!(t.resolve("/lnk/passwd", false).unwrap(), Some(passwd));
        assert_ne!(t.resolve("/etc/abs", false).unwrap(), Some(passwd));
        assert!(matches!(t.resolve("/etc/up", true), Err(ReadError::SymlinkEscape { .. })));
        assert!(matches!(t.resolve("/etc/loop1", true), Err(ReadError::SymlinkLoop { .. })));
        assert_eq!(t.resolve("/etc/dangling", true).unwrap(), None);
        assert!(matches!(t.resolve("/etc/passwd/x", true), Err(ReadError::NotDir { .. })));
        assert!(matches!(t.resolve("/nope/x", true), Err(ReadError::NotFound { .. })));
        // `..` at the root without a link stays at the root, as the kernel does.
        assert_eq!(t.resolve("/../etc/passwd", true).unwrap(), Some(passwd));
    }

    #[test]
    fn opaque_directories_keep_only_the_upper_layer() {
        let mut t = Tree::new();
        let d = t.put(ROOT, "d", Node::dir(0o755, 0, 0, 0));
        t.put(d, "old", file(0));
        let sub = t.put(d, "sub", Node::dir(0o755, 0, 0, 0));
        t.put(sub, "old", file(0));
        t.put(sub, "new", file(1));
        t.put(d, "empty", Node::dir(0o755, 0, 0, 0));
        t.make_opaque(d, 1);
        let names: Vec<&str> = t.node(d).children.keys().map(|k| &**k).collect();
        assert_eq!(names, ["sub"]);
        let names: Vec<&str> = t.node(sub).children.keys().map(|k| &**k).collect();
        assert_eq!(names, ["new"]);
    }

    #[test]
    fn held_bytes_are_counted_and_freed() {
        let mut t = Tree::new();
        let bytes: Arc<[u8]> = Arc::from(&b"hello"[..]);
        t.put(ROOT, "f", Node { data: Data::Held(bytes), ..file(0) });
        assert_eq!(t.held, 5);
        t.remove(ROOT, "f");
        assert_eq!(t.held, 0);
    }
}
