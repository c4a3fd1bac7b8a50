//! A target backed by a directory on the host: the live host (`/`) or an
//! offline root filesystem (`--root DIR`).

use super::resolve::{errno_error, io_error, Root, Unresolved};
use super::{DirEntry, FileMeta, FileType, OpenDir, ReadError, Target, TargetKind, TextFile, MAX_FILE_BYTES};
use rustix::fd::OwnedFd;
use rustix::fs::{AtFlags, Mode, OFlags, Stat};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Every operation resolves its path from the root's file descriptor (see
/// `resolve.rs`), never from a host path string.
#[derive(Debug)]
pub struct FsTarget {
    root: PathBuf,
    /// The root directory, held open; the reason when it could not be opened.
    dir: Result<Root, String>,
    kind: TargetKind,
    max_file_bytes: u64,
}

/// Why a target could not be opened at all (a usage error, exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("--root {0}: not found")]
    NotFound(String),
    #[error("--root {0}: not a directory")]
    NotDir(String),
    #[error("--root {0}: {1}")]
    Io(String, String),
}

fn file_type_of(ft: rustix::fs::FileType) -> Option<FileType> {
    use rustix::fs::FileType as T;
    Some(match ft {
        T::Symlink => FileType::Symlink,
        T::Directory => FileType::Dir,
        T::Fifo => FileType::Fifo,
        T::Socket => FileType::Socket,
        T::CharacterDevice => FileType::CharDevice,
        T::BlockDevice => FileType::BlockDevice,
        T::RegularFile => FileType::File,
        T::Unknown => return None,
    })
}

impl FsTarget {
    /// The live host, rooted at `/`.
    pub fn host() -> Self {
        let root = PathBuf::from("/");
        let dir = Root::open(&root).map_err(|e| format!("cannot open /: {e}"));
        FsTarget { root, dir, kind: TargetKind::Host, max_file_bytes: MAX_FILE_BYTES }
    }

    /// An offline root filesystem at `dir` on the host.
    pub fn root(dir: &Path) -> Result<Self, OpenError> {
        let shown = dir.display().to_string();
        let meta = std::fs::metadata(dir).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => OpenError::NotFound(shown.clone()),
            _ => OpenError::Io(shown.clone(), e.to_string()),
        })?;
        if !meta.is_dir() {
            return Err(OpenError::NotDir(shown));
        }
        let root = std::fs::canonicalize(dir).map_err(|e| OpenError::Io(shown.clone(), e.to_string()))?;
        let fd = Root::open(&root).map_err(|e| OpenError::Io(shown.clone(), e.to_string()))?;
        Ok(FsTarget { root, dir: Ok(fd), kind: TargetKind::Root, max_file_bytes: MAX_FILE_BYTES })
    }

    fn meta_of(path: &str, st: &Stat) -> FileMeta {
        let ft = rustix::fs::FileType::from_raw_mode(st.st_mode);
        FileMeta {
            path: path.to_string(),
            // `fstat` always knows the type.
            file_type: file_type_of(ft).unwrap_or(FileType::File),
            mode: st.st_mode & 0o7777,
            uid: st.st_uid,
            gid: st.st_gid,
            size: u64::try_from(st.st_size).unwrap_or(0),
            dev: st.st_dev,
        }
    }

    fn dir(&self, path: &str) -> Result<&Root, ReadError> {
        self.dir.as_ref().map_err(|message| ReadError::Io { path: path.to_string(), message: message.clone() })
    }

    /// A missing file reached through a symlink is reported as dangling when
    /// `path` itself is the link (an absolute link in an image points into
    /// the image, never the host).
    fn unresolved(&self, path: &str, u: Unresolved, dangling: bool) -> ReadError {
        match u {
            Unresolved::Read(e) => e,
            Unresolved::MissingAfterLink => match dangling.then(|| self.read_link(path)) {
                Some(Ok(link)) => ReadError::DanglingSymlink { path: path.to_string(), link },
                _ => ReadError::NotFound { path: path.to_string() },
            },
        }
    }

    /// The directory at `fd` (open for reading), listed and kept open.
    fn listing(path: &str, fd: OwnedFd) -> Result<OpenDir, ReadError> {
        // Never cut short: no directory holds usize::MAX entries.
        Self::listing_at_most(path, fd, usize::MAX)?
            .ok_or_else(|| ReadError::Io { path: path.to_string(), message: "listing cut short".to_string() })
    }

    /// [`FsTarget::listing`], or `None` as soon as more than `max` entries
    /// are read.
    fn listing_at_most(path: &str, fd: OwnedFd, max: usize) -> Result<Option<OpenDir>, ReadError> {
        let mut dir = rustix::fs::Dir::new(fd).map_err(|e| errno_error(path, e))?;
        let mut entries = Vec::new();
        for entry in &mut dir {
            let entry = entry.map_err(|e| errno_error(path, e))?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            if entries.len() >= max {
                return Ok(None);
            }
            let name = String::from_utf8_lossy(name).into_owned();
            let kind = file_type_of(entry.file_type());
            entries.push(DirEntry { path: super::join(path, &name), name, kind });
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Some(OpenDir { path: path.to_string(), entries, fd: Some(dir) }))
    }

    /// The open directory of `dir`, to look `name` up in; `None` when the
    /// name is not one component (a lossy name, never from the kernel).
    fn fd_of<'d>(dir: &'d OpenDir, name: &str) -> Option<rustix::fd::BorrowedFd<'d>> {
        if name.is_empty() || name == "." || name == ".." || name.contains('/') {
            return None;
        }
        dir.fd.as_ref()?.fd().ok()
    }

    /// An `O_PATH` handle on the entry at `path` and its `fstat`.
    fn handle(&self, path: &str, follow: bool) -> Result<(OwnedFd, Stat), ReadError> {
        let fd = self.dir(path)?.resolve(path, follow, OFlags::PATH).map_err(|u| self.unresolved(path, u, follow))?;
        let st = rustix::fs::fstat(&fd).map_err(|e| errno_error(path, e))?;
        Ok((fd, st))
    }

    /// The regular file at `path`, open for reading. It is checked on a handle
    /// that opens nothing (a FIFO, socket or device is never opened, so no
    /// wait and no device side effect) and then reopened as that same inode.
    fn open_regular(&self, path: &str) -> Result<File, ReadError> {
        let (fd, st) = self.handle(path, true)?;
        let meta = Self::meta_of(path, &st);
        if meta.file_type != FileType::File {
            return Err(ReadError::NotRegular { path: path.to_string(), kind: meta.file_type.as_str() });
        }
        if meta.size > self.max_file_bytes {
            return Err(ReadError::TooLarge { path: path.to_string(), size: meta.size, limit: self.max_file_bytes });
        }
        let file = self.dir(path)?.reopen(path, &fd, &st).map_err(|u| self.unresolved(path, u, true))?;
        Ok(File::from(file))
    }
}

impl Target for FsTarget {
    fn kind(&self) -> TargetKind {
        self.kind
    }

    fn display_path(&self) -> String {
        self.root.display().to_string()
    }

    fn lstat(&self, path: &str) -> Result<FileMeta, ReadError> {
        let (_, st) = self.handle(path, false)?;
        Ok(Self::meta_of(path, &st))
    }

    fn stat(&self, path: &str) -> Result<FileMeta, ReadError> {
        let (_, st) = self.handle(path, true)?;
        Ok(Self::meta_of(path, &st))
    }

    fn read_text(&self, path: &str) -> Result<TextFile, ReadError> {
        let file = self.open_regular(path)?;
        // Bounded on the open file, whatever its size said.
        let mut buf = Vec::new();
        file.take(self.max_file_bytes + 1).read_to_end(&mut buf).map_err(|e| io_error(path, &e))?;
        if buf.len() as u64 > self.max_file_bytes {
            return Err(ReadError::TooLarge {
                path: path.to_string(),
                size: buf.len() as u64,
                limit: self.max_file_bytes,
            });
        }
        match String::from_utf8(buf) {
            Ok(text) => Ok(TextFile { path: path.to_string(), text }),
            Err(e) => {
                let good = e.utf8_error().valid_up_to();
                let line = e.as_bytes()[..good].iter().filter(|b| **b == b'\n').count() + 1;
                Err(ReadError::NotUtf8 { path: path.to_string(), line })
            }
        }
    }

    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, ReadError> {
        self.open_dir(path).map(|d| d.entries)
    }

    fn read_dir_at_most(&self, path: &str, max: usize) -> Result<Option<Vec<DirEntry>>, ReadError> {
        let fd = self
            .dir(path)?
            .resolve(path, true, OFlags::RDONLY | OFlags::DIRECTORY)
            .map_err(|u| self.unresolved(path, u, false))?;
        Ok(Self::listing_at_most(path, fd, max)?.map(|d| d.entries))
    }

    fn open_dir(&self, path: &str) -> Result<OpenDir, ReadError> {
        // O_DIRECTORY: nothing but a directory is ever opened.
        let fd = self
            .dir(path)?
            .resolve(path, true, OFlags::RDONLY | OFlags::DIRECTORY)
            .map_err(|u| self.unresolved(path, u, false))?;
        Self::listing(path, fd)
    }

    fn lstat_in(&self, dir: &OpenDir, name: &str) -> Result<FileMeta, ReadError> {
        let path = super::join(&dir.path, name);
        let Some(fd) = Self::fd_of(dir, name) else { return self.lstat(&path) };
        // One component, relative to the open directory, not followed.
        let st = rustix::fs::statat(fd, name, AtFlags::SYMLINK_NOFOLLOW).map_err(|e| errno_error(&path, e))?;
        Ok(Self::meta_of(&path, &st))
    }

    fn open_dir_in(&self, dir: &OpenDir, name: &str) -> Result<OpenDir, ReadError> {
        let path = super::join(&dir.path, name);
        let Some(fd) = Self::fd_of(dir, name) else { return self.open_dir(&path) };
        // O_NOFOLLOW: a directory swapped for a symlink since it was seen is
        // refused (ELOOP), never followed.
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::NOCTTY | OFlags::CLOEXEC;
        let open = |f| rustix::fs::openat(fd, name, f, Mode::empty());
        let sub = match self.dir.as_ref() {
            Ok(root) => root.noatime_retry(flags, open),
            Err(_) => open(flags),
        }
        .map_err(|e| errno_error(&path, e))?;
        Self::listing(&path, sub)
    }

    fn read_link(&self, path: &str) -> Result<String, ReadError> {
        let fd = self.dir(path)?.resolve(path, false, OFlags::PATH).map_err(|u| self.unresolved(path, u, false))?;
        // An empty name reads the link the handle is on; on anything else the
        // kernel answers ENOENT, which here means "not a symlink" (EINVAL, as
        // readlink(2) on a path says).
        match rustix::fs::readlinkat(&fd, "", Vec::new()) {
            Ok(link) => Ok(link.to_string_lossy().into_owned()),
            Err(rustix::io::Errno::NOENT) => Err(errno_error(path, rustix::io::Errno::INVAL)),
            Err(e) => Err(errno_error(path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// A tree with every kind of entry and link the resolver must handle.
    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("etc/ssh/sshd_config.d")).unwrap();
        std::fs::create_dir_all(r.join("srv")).unwrap();
        std::fs::write(r.join("etc/ssh/sshd_config"), "PermitRootLogin no\n").unwrap();
        std::fs::write(r.join("etc/passwd"), "root:x:0:0::/root:/bin/sh\n").unwrap();
        let links = [
            ("/etc/ssh/sshd_config", "etc/abs"),
            ("ssh/sshd_config", "etc/rel"),
            ("../../../../etc/passwd", "etc/escape"),
            ("/../../etc/passwd", "etc/abs-dotdot"),
            ("/etc/missing", "etc/dangling"),
            ("/nowhere/missing", "etc/dangling-dir"),
            ("loop-b", "etc/loop-a"),
            ("loop-a", "etc/loop-b"),
            ("ssh", "etc/alt"),
            ("/etc", "srv/etc"),
            ("passwd", "etc/to-file"),
        ];
        for (to, at) in links {
            symlink(to, r.join(at)).unwrap();
        }
        let st = std::process::Command::new("mkfifo").arg(r.join("etc/fifo")).status().unwrap();
        assert!(st.success());
        std::os::unix::net::UnixListener::bind(r.join("etc/socket")).unwrap();
        dir
    }

    const PATHS: &[&str] = &[
        "/",
        "/etc",
        "/etc/",
        "/etc/ssh/sshd_config",
        "/etc/ssh/sshd_config/",
        "/etc/ssh/./sshd_config/.",
        "/../../etc/passwd",
        "/etc/../etc/ssh/sshd_config",
        "/etc/passwd/x",
        "/etc/abs",
        "/etc/rel",
        "/etc/escape",
        "/etc/abs-dotdot",
        "/etc/dangling",
        "/etc/dangling-dir",
        "/etc/loop-a",
        "/etc/alt/sshd_config",
        "/etc/alt/../passwd",
        "/srv/etc/alt/sshd_config",
        "/etc/to-file/x",
        "/etc/fifo",
        "/etc/socket",
        "/etc/missing",
        "/missing/x",
        "/etc/alt/",
        "/etc/abs/",
        "/etc/dangling/",
        "/etc/fifo/",
        "/srv/etc/..",
        "/srv/etc/../..",
        "/srv/etc/../etc/passwd",
        "/etc/alt/../../etc/passwd",
        "/etc/alt/../../../etc/passwd",
    ];

    /// Every operation on every path, as text: errors and metadata alike.
    fn outcomes(t: &FsTarget) -> Vec<String> {
        let mut out = Vec::new();
        for p in PATHS {
            let lstat = t.lstat(p).map(|m| (m.file_type, m.size));
            let stat = t.stat(p).map(|m| (m.file_type, m.size));
            let text = t.read_text(p).map(|f| f.text);
            let dir = t.read_dir(p).map(|d| d.into_iter().map(|e| (e.name, e.kind)).collect::<Vec<_>>());
            out.push(format!("{p}: {lstat:?} {stat:?} {text:?} {dir:?} {:?}", t.read_link(p)));
        }
        out
    }

    #[test]
    fn walk_and_openat2_agree_on_every_path() {
        let dir = tree();
        let fast = FsTarget::root(dir.path()).unwrap();
        let mut walk = FsTarget::root(dir.path()).unwrap();
        walk.dir = Ok(Root::open(&walk.root).unwrap().without_openat2());
        assert_eq!(outcomes(&fast), outcomes(&walk));
    }

    #[test]
    fn links_resolve_inside_the_root_with_typed_errors() {
        let dir = tree();
        for t in [FsTarget::root(dir.path()).unwrap(), {
            let mut w = FsTarget::root(dir.path()).unwrap();
            w.dir = Ok(Root::open(&w.root).unwrap().without_openat2());
            w
        }] {
            let text = |p: &str| t.read_text(p).map(|f| f.text);
            assert_eq!(text("/etc/abs").unwrap(), "PermitRootLogin no\n");
            assert_eq!(text("/etc/rel").unwrap(), "PermitRootLogin no\n");
            assert_eq!(text("/srv/etc/alt/sshd_config").unwrap(), "PermitRootLogin no\n");
            assert_eq!(text("/../../etc/passwd").unwrap(), "root:x:0:0::/root:/bin/sh\n");
            // A `..` above the root: clamped in the path asked for, an escape in a link.
            assert!(matches!(text("/etc/escape"), Err(ReadError::SymlinkEscape { .. })));
            assert!(matches!(text("/etc/abs-dotdot"), Err(ReadError::SymlinkEscape { .. })));
            assert!(matches!(text("/etc/loop-a"), Err(ReadError::SymlinkLoop { .. })));
            assert!(matches!(text("/etc/to-file/x"), Err(ReadError::NotDir { .. })));
            assert!(matches!(text("/missing/x"), Err(ReadError::NotFound { .. })));
            assert!(matches!(text("/etc/dangling-dir"), Err(ReadError::NotFound { .. })));
            match text("/etc/dangling") {
                Err(ReadError::DanglingSymlink { link, .. }) => assert_eq!(link, "/etc/missing"),
                other => panic!("{other:?}"),
            }
            assert!(matches!(t.lstat("/etc/dangling"), Ok(FileMeta { file_type: FileType::Symlink, .. })));
            // Neither a FIFO nor a socket is opened (a FIFO would block here).
            assert!(matches!(text("/etc/fifo"), Err(ReadError::NotRegular { kind: "fifo", .. })));
            assert!(matches!(text("/etc/socket"), Err(ReadError::NotRegular { kind: "socket", .. })));
            assert!(matches!(t.read_dir("/etc/fifo"), Err(ReadError::NotDir { .. })));
            assert!(matches!(t.read_link("/etc/passwd"), Err(ReadError::Io { .. })));
            assert_eq!(t.read_link("/etc/alt").unwrap(), "ssh");
            let names: Vec<String> = t.read_dir("/etc/alt").unwrap().into_iter().map(|e| e.name).collect();
            assert_eq!(names, ["sshd_config", "sshd_config.d"]);
        }
    }

    #[test]
    fn reads_are_bounded_on_the_fd_not_by_the_size_fstat_gives() {
        let dir = tree();
        let mut t = FsTarget::root(dir.path()).unwrap();
        t.max_file_bytes = 8;
        assert!(matches!(t.read_text("/etc/passwd"), Err(ReadError::TooLarge { size: 26, limit: 8, .. })));
        // A /proc file says it is empty and is not.
        let mut host = FsTarget::host();
        assert_eq!(host.stat("/proc/self/status").unwrap().size, 0);
        host.max_file_bytes = 8;
        assert!(matches!(host.read_text("/proc/self/status"), Err(ReadError::TooLarge { size: 9, limit: 8, .. })));
    }
}
