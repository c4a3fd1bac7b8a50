//! Path resolution inside a target root, the way the kernel would resolve it
//! after `chroot(root)`: absolute symlinks restart at the target root, never
//! at the host's `/`; a relative symlink that climbs above the root is refused
//! as an escape; loops end after [`MAX_SYMLINKS`] hops.

use super::{ReadError, MAX_SYMLINKS};
use std::collections::VecDeque;
use std::io;
use std::path::{Path, PathBuf};

/// Map an `io::Error` from a host path to a [`ReadError`] about an in-target path.
pub(crate) fn io_error(path: &str, e: &io::Error) -> ReadError {
    let path = path.to_string();
    match e.kind() {
        io::ErrorKind::NotFound => return ReadError::NotFound { path },
        io::ErrorKind::PermissionDenied => return ReadError::PermissionDenied { path },
        _ => {}
    }
    match e.raw_os_error() {
        Some(libc::ELOOP) => ReadError::SymlinkLoop { path },
        Some(libc::ENOTDIR) => ReadError::NotDir { path },
        Some(libc::ENXIO) | Some(libc::EWOULDBLOCK) => ReadError::NotRegular { path, kind: "special file" },
        _ => ReadError::Io { path, message: e.to_string() },
    }
}

/// Host path of resolved in-target components.
pub(crate) fn host_path(root: &Path, comps: &[String]) -> PathBuf {
    let mut p = root.to_path_buf();
    for c in comps {
        p.push(c);
    }
    p
}

/// Resolve `path` (absolute, in-target) to its components inside `root`.
/// With `follow_last`, a symlink in the last component is followed too.
/// A missing last component is not an error here (the caller's open reports
/// it); a missing intermediate directory is.
pub(crate) fn resolve(root: &Path, path: &str, follow_last: bool) -> Result<Vec<String>, ReadError> {
    let mut pending: VecDeque<String> = path.split('/').map(str::to_string).collect();
    let mut resolved: Vec<String> = Vec::new();
    let mut links = 0usize;
    while let Some(c) = pending.pop_front() {
        match c.as_str() {
            "" | "." => continue,
            ".." => {
                if resolved.pop().is_none() && links > 0 {
                    return Err(ReadError::SymlinkEscape { path: path.to_string() });
                }
                continue;
            }
            _ => {}
        }
        let is_last = pending.iter().all(|p| p.is_empty() || p == ".");
        resolved.push(c);
        if is_last && !follow_last {
            break;
        }
        let host = host_path(root, &resolved);
        let meta = match std::fs::symlink_metadata(&host) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound && is_last => break,
            Err(e) => return Err(io_error(path, &e)),
        };
        if meta.file_type().is_symlink() {
            links += 1;
            if links > MAX_SYMLINKS {
                return Err(ReadError::SymlinkLoop { path: path.to_string() });
            }
            let link = std::fs::read_link(&host).map_err(|e| io_error(path, &e))?;
            let link = link.to_string_lossy().into_owned();
            resolved.pop();
            if link.starts_with('/') {
                resolved.clear();
            }
            for comp in link.split('/').rev() {
                pending.push_front(comp.to_string());
            }
        } else if !is_last && !meta.is_dir() {
            return Err(ReadError::NotDir { path: path.to_string() });
        }
    }
    Ok(resolved)
}
