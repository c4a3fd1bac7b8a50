//! Path resolution inside a target root, the way the kernel would resolve it
//! after `chroot(root)`: absolute symlinks restart at the target root, never
//! at the host's `/`; a relative symlink that climbs above the root is refused
//! as an escape; loops end after [`MAX_SYMLINKS`] hops.
//!
//! Resolution is race-free: it never turns a resolved path back into a host
//! path string. Every step is taken from a directory file descriptor, starting
//! at the root's, so that a directory swapped for a symlink while a scan runs
//! (`renameat2(RENAME_EXCHANGE)` on a live container's rootfs) cannot lead a
//! read outside the root:
//!
//! - fast path: one `openat2(root_fd, path, RESOLVE_IN_ROOT |
//!   RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)` for a path without symlinks
//!   (most paths). The kernel refuses any symlink with `ELOOP`;
//! - otherwise (a symlink on the way, or a kernel without `openat2`): a walk,
//!   component by component, with `openat(dir_fd, name, O_PATH | O_NOFOLLOW)`
//!   and `readlinkat` on the symlinks. `..` pops the walk's own stack of
//!   directory fds, so it never climbs above the root nor follows a `..` that
//!   a rename moved.
//!
//! `RESOLVE_NO_XDEV` is not used: a live host scan crosses mounts (`/proc`,
//! `/boot`, a separate `/var`), as does a root filesystem with mounts below it.
//! `RESOLVE_IN_ROOT` alone (following symlinks) is not used either: it clamps
//! a `..` above the root instead of reporting the escape, and a scan reports
//! escaping and dangling symlinks as such.

use super::{ReadError, MAX_SYMLINKS};
use rustix::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use rustix::fs::{FileType, Mode, OFlags, ResolveFlags, Stat};
use rustix::io::Errno;
use std::collections::VecDeque;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

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

/// [`io_error`] for a raw `errno`.
pub(crate) fn errno_error(path: &str, e: Errno) -> ReadError {
    io_error(path, &io::Error::from(e))
}

/// Why a path could not be resolved to an open file descriptor.
#[derive(Debug)]
pub(crate) enum Unresolved {
    Read(ReadError),
    /// The last component is missing, and it was reached through at least
    /// one symlink: the caller tells a dangling symlink from a missing file.
    MissingAfterLink,
}

impl From<ReadError> for Unresolved {
    fn from(e: ReadError) -> Self {
        Unresolved::Read(e)
    }
}

/// Flags of every resolution step: a handle on the entry itself (no open of
/// the file, so no FIFO wait and no device side effect), symlinks not followed.
const STEP: OFlags = OFlags::PATH.union(OFlags::NOFOLLOW).union(OFlags::CLOEXEC);

/// The target root, held open for the whole scan.
#[derive(Debug)]
pub(crate) struct Root {
    fd: OwnedFd,
    /// `openat2` works here (cleared once on `ENOSYS`: kernels before 5.6, or
    /// a seccomp filter that does not know the call).
    openat2: AtomicBool,
    /// `O_NOATIME` is allowed (cleared on the first `EPERM`: only the
    /// owner of a file or `CAP_FOWNER` may read without updating atime).
    noatime: AtomicBool,
    /// `/proc/self/fd` can reopen a handle (cleared when /proc is missing).
    proc_fd: AtomicBool,
}

impl Root {
    pub(crate) fn open(dir: &Path) -> io::Result<Root> {
        let fd = rustix::fs::open(dir, OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())?;
        Ok(Root { fd, openat2: AtomicBool::new(true), noatime: AtomicBool::new(true), proc_fd: AtomicBool::new(true) })
    }

    /// Resolve every path with the walk (tests compare it with `openat2`).
    #[cfg(test)]
    pub(crate) fn without_openat2(self) -> Root {
        self.openat2.store(false, Ordering::Relaxed);
        self
    }

    /// Open `path` (absolute, in-target) inside the root. With `follow_last`,
    /// a symlink in the last component is followed too. `oflags` opens the
    /// final entry (`O_PATH` for a handle; a directory is opened for reading
    /// with `O_DIRECTORY`, which never opens anything else).
    pub(crate) fn resolve(&self, path: &str, follow_last: bool, oflags: OFlags) -> Result<OwnedFd, Unresolved> {
        let mut oflags = oflags | OFlags::CLOEXEC;
        if !follow_last {
            oflags |= OFlags::NOFOLLOW;
        }
        // openat2 refuses (EINVAL) any other flag next to O_PATH.
        if !oflags.contains(OFlags::PATH) {
            oflags |= OFlags::NOCTTY;
        }
        if self.openat2.load(Ordering::Relaxed) {
            let how = ResolveFlags::IN_ROOT | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
            match self.noatime_retry(oflags, |f| rustix::fs::openat2(&self.fd, fast_path(path), f, Mode::empty(), how))
            {
                Ok(fd) => return Ok(fd),
                // A symlink on the way (ELOOP), a rename racing with a `..`
                // (EAGAIN), a path that is no C string: the walk decides.
                Err(Errno::LOOP | Errno::AGAIN | Errno::XDEV | Errno::INVAL) => {}
                Err(Errno::NOSYS | Errno::PERM) => self.openat2.store(false, Ordering::Relaxed),
                Err(e) => return Err(errno_error(path, e).into()),
            }
        }
        self.walk(path, follow_last, oflags)
    }

    /// Run an open with `O_NOATIME` while the kernel allows it, else without.
    pub(crate) fn noatime_retry<T>(
        &self,
        oflags: OFlags,
        open: impl Fn(OFlags) -> Result<T, Errno>,
    ) -> Result<T, Errno> {
        if oflags.contains(OFlags::PATH) || !self.noatime.load(Ordering::Relaxed) {
            return open(oflags);
        }
        match open(oflags | OFlags::NOATIME) {
            Err(Errno::PERM) => {
                self.noatime.store(false, Ordering::Relaxed);
                open(oflags)
            }
            other => other,
        }
    }

    /// Reopen a handle from [`Root::resolve`] for reading. Through
    /// `/proc/self/fd/N` this opens the very inode the handle holds (whose
    /// type the caller checked), whatever was renamed since; a name is never
    /// looked up again. Without `/proc` (a minimal container), the path is
    /// opened again by name (`O_NONBLOCK`: a FIFO swapped in does not block)
    /// and refused unless it is the same inode; only then can a device
    /// swapped in between be opened, which is said in SECURITY.md.
    pub(crate) fn reopen(&self, path: &str, handle: &OwnedFd, seen: &Stat) -> Result<OwnedFd, Unresolved> {
        let read = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        if self.proc_fd.load(Ordering::Relaxed) {
            let by_fd = format!("/proc/self/fd/{}", handle.as_raw_fd());
            match self.noatime_retry(read, |f| rustix::fs::open(by_fd.as_str(), f, Mode::empty())) {
                Ok(fd) => return Ok(fd),
                // The handle is open, so only a missing /proc explains ENOENT.
                Err(Errno::NOENT) => self.proc_fd.store(false, Ordering::Relaxed),
                Err(e) => return Err(errno_error(path, e).into()),
            }
        }
        let fd = self.resolve(path, true, read)?;
        let now = rustix::fs::fstat(&fd).map_err(|e| errno_error(path, e))?;
        if (now.st_dev, now.st_ino) != (seen.st_dev, seen.st_ino) {
            return Err(
                ReadError::Io { path: path.to_string(), message: "replaced while being read".to_string() }.into()
            );
        }
        Ok(fd)
    }

    /// The component-by-component walk (see the module documentation).
    fn walk(&self, path: &str, follow_last: bool, oflags: OFlags) -> Result<OwnedFd, Unresolved> {
        let mut pending: VecDeque<String> = path.split('/').map(str::to_string).collect();
        // Directories below the root that the walk is in, innermost last.
        let mut stack: Vec<OwnedFd> = Vec::new();
        let mut links = 0usize;
        let mut after_link = false;
        let err = |e: Errno| Unresolved::Read(errno_error(path, e));
        while let Some(c) = pending.pop_front() {
            match c.as_str() {
                "" | "." => continue,
                ".." => {
                    if stack.pop().is_none() && links > 0 {
                        return Err(ReadError::SymlinkEscape { path: path.to_string() }.into());
                    }
                    continue;
                }
                _ => {}
            }
            let dir = stack.last().map_or(self.fd.as_fd(), |d| d.as_fd());
            if std::mem::take(&mut after_link) {
                if let Some(fd) = self.rest_at_once(dir, &c, &pending, oflags) {
                    return Ok(fd);
                }
            }
            let is_last = pending.iter().all(|p| p.is_empty() || p == ".");
            if !is_last {
                // Most components are directories: one call tells.
                match rustix::fs::openat(dir, c.as_str(), STEP | OFlags::DIRECTORY, Mode::empty()) {
                    Ok(fd) => {
                        stack.push(fd);
                        continue;
                    }
                    Err(Errno::NOTDIR) => {} // a symlink, or not a directory: see below
                    Err(e) => return Err(err(e)),
                }
            }
            let fd = match rustix::fs::openat(dir, c.as_str(), STEP, Mode::empty()) {
                Ok(fd) => fd,
                Err(Errno::NOENT) if is_last && links > 0 => return Err(Unresolved::MissingAfterLink),
                Err(e) => return Err(err(e)),
            };
            if is_last && !follow_last {
                return self.open_last(dir, &c, fd, oflags).map_err(err);
            }
            let st = rustix::fs::fstat(&fd).map_err(err)?;
            match FileType::from_raw_mode(st.st_mode) {
                FileType::Symlink => {
                    links += 1;
                    if links > MAX_SYMLINKS {
                        return Err(ReadError::SymlinkLoop { path: path.to_string() }.into());
                    }
                    let link = rustix::fs::readlinkat(&fd, "", Vec::new()).map_err(err)?;
                    let link = link.to_string_lossy();
                    if link.starts_with('/') {
                        stack.clear();
                    }
                    for comp in link.split('/').rev() {
                        pending.push_front(comp.to_string());
                    }
                    after_link = true;
                }
                _ if is_last => return self.open_last(dir, &c, fd, oflags).map_err(err),
                FileType::Directory => stack.push(fd),
                _ => return Err(ReadError::NotDir { path: path.to_string() }.into()),
            }
        }
        // The path ends at a directory of the walk (`/`, or a trailing `..`).
        let dir = stack.last().map_or(self.fd.as_fd(), |d| d.as_fd());
        self.noatime_retry(oflags, |f| rustix::fs::openat(dir, ".", f, Mode::empty())).map_err(err)
    }

    /// After a symlink, the rest of the path (`first` and `pending`) in one
    /// `openat2` from the walk's directory, when it holds no symlink and
    /// stays beneath that directory (`RESOLVE_BENEATH`); `None` when the walk
    /// must go on step by step (which also tells the exact error).
    fn rest_at_once(
        &self,
        dir: BorrowedFd<'_>,
        first: &str,
        pending: &VecDeque<String>,
        oflags: OFlags,
    ) -> Option<OwnedFd> {
        if !self.openat2.load(Ordering::Relaxed) {
            return None;
        }
        let mut rest = first.to_string();
        for p in pending {
            rest.push('/');
            rest.push_str(p);
        }
        let how = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
        self.noatime_retry(oflags, |f| rustix::fs::openat2(dir, fast_path(&rest), f, Mode::empty(), how)).ok()
    }

    /// The final entry: the walk's `O_PATH` handle, or the entry opened by
    /// name in the same directory (never following a symlink swapped in).
    fn open_last(&self, dir: BorrowedFd<'_>, name: &str, handle: OwnedFd, oflags: OFlags) -> Result<OwnedFd, Errno> {
        if oflags.contains(OFlags::PATH) {
            return Ok(handle);
        }
        self.noatime_retry(oflags | OFlags::NOFOLLOW, |f| rustix::fs::openat(dir, name, f, Mode::empty()))
    }
}

/// The path handed to `openat2`, relative to the root; `/` itself is the
/// root's `.`. Trailing `/` and `/.` are dropped: the walk treats the
/// component before them as the last one, whatever its type (the kernel
/// would refuse `file/` with `ENOTDIR`).
fn fast_path(path: &str) -> &str {
    let mut rel = path.trim_matches('/');
    while let Some(r) = rel.strip_suffix("/.") {
        rel = r.trim_end_matches('/');
    }
    if rel.is_empty() {
        "."
    } else {
        rel
    }
}

#[cfg(test)]
mod tests {
    use super::fast_path;

    #[test]
    fn fast_path_is_relative_without_trailing_dots() {
        assert_eq!(fast_path("/"), ".");
        assert_eq!(fast_path("/."), ".");
        assert_eq!(fast_path("//etc//ssh/"), "etc//ssh");
        assert_eq!(fast_path("/etc/passwd/./"), "etc/passwd");
        assert_eq!(fast_path("/etc/../passwd"), "etc/../passwd");
    }
}
