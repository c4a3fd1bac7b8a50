//! A target backed by a directory on the host: the live host (`/`) or an
//! offline root filesystem (`--root DIR`).

use super::resolve::{errno_error, io_error, Root, Unresolved};
use super::{DirEntry, FileMeta, FileType, ReadError, Target, TargetKind, TextFile, MAX_FILE_BYTES};
use rustix::fd::OwnedFd;
use rustix::fs::{OFlags, Stat};
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
        // O_DIRECTORY: nothing but a directory is ever opened.
        let fd = self
            .dir(path)?
            .resolve(path, true, OFlags::RDONLY | OFlags::DIRECTORY)
            .map_err(|u| self.unresolved(path, u, false))?;
        let dir = rustix::fs::Dir::new(fd).map_err(|e| errno_error(path, e))?;
        let mut out = Vec::new();
        for entry in dir {
            let entry = entry.map_err(|e| errno_error(path, e))?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let name = String::from_utf8_lossy(name).into_owned();
            let kind = file_type_of(entry.file_type());
            out.push(DirEntry { path: super::join(path, &name), name, kind });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
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
