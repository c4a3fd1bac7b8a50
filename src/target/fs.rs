//! A target backed by a directory on the host: the live host (`/`) or an
//! offline root filesystem (`--root DIR`).

use super::resolve::{host_path, io_error, resolve};
use super::{DirEntry, FileMeta, FileType, ReadError, Target, TargetKind, TextFile, MAX_FILE_BYTES};
use std::fs::{File, Metadata, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct FsTarget {
    root: PathBuf,
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

fn file_type_of(ft: &std::fs::FileType) -> FileType {
    if ft.is_symlink() {
        FileType::Symlink
    } else if ft.is_dir() {
        FileType::Dir
    } else if ft.is_fifo() {
        FileType::Fifo
    } else if ft.is_socket() {
        FileType::Socket
    } else if ft.is_char_device() {
        FileType::CharDevice
    } else if ft.is_block_device() {
        FileType::BlockDevice
    } else {
        FileType::File
    }
}

impl FsTarget {
    /// The live host, rooted at `/`.
    pub fn host() -> Self {
        FsTarget { root: PathBuf::from("/"), kind: TargetKind::Host, max_file_bytes: MAX_FILE_BYTES }
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
        Ok(FsTarget { root, kind: TargetKind::Root, max_file_bytes: MAX_FILE_BYTES })
    }

    fn meta_of(path: &str, m: &Metadata) -> FileMeta {
        let file_type = file_type_of(&m.file_type());
        FileMeta {
            path: path.to_string(),
            file_type,
            mode: m.mode() & 0o7777,
            uid: m.uid(),
            gid: m.gid(),
            size: m.size(),
            dev: m.dev(),
        }
    }

    fn resolved(&self, path: &str, follow: bool) -> Result<(String, PathBuf), ReadError> {
        let comps = resolve(&self.root, path, follow)?;
        Ok((format!("/{}", comps.join("/")), host_path(&self.root, &comps)))
    }

    /// A missing file reached through a symlink is reported as dangling
    /// (an absolute link in an image points into the image, never the host).
    fn not_found(&self, path: &str, e: &std::io::Error) -> ReadError {
        let err = io_error(path, e);
        if err.is_not_found() {
            if let Ok(link) = self.read_link(path) {
                return ReadError::DanglingSymlink { path: path.to_string(), link };
            }
        }
        err
    }

    fn open_regular(&self, path: &str) -> Result<File, ReadError> {
        let (_, host) = self.resolved(path, true)?;
        let m = std::fs::symlink_metadata(&host).map_err(|e| self.not_found(path, &e))?;
        let meta = Self::meta_of(path, &m);
        if meta.file_type != FileType::File {
            return Err(ReadError::NotRegular { path: path.to_string(), kind: meta.file_type.as_str() });
        }
        if meta.size > self.max_file_bytes {
            return Err(ReadError::TooLarge { path: path.to_string(), size: meta.size, limit: self.max_file_bytes });
        }
        // O_NONBLOCK: should a FIFO be swapped in after the check above, open
        // does not wait for a writer. O_NOFOLLOW: nor is a symlink followed.
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOCTTY)
            .open(&host)
            .map_err(|e| io_error(path, &e))?;
        let fm = file.metadata().map_err(|e| io_error(path, &e))?;
        if !fm.file_type().is_file() {
            return Err(ReadError::NotRegular { path: path.to_string(), kind: "special file" });
        }
        Ok(file)
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
        let (_, host) = self.resolved(path, false)?;
        let m = std::fs::symlink_metadata(&host).map_err(|e| io_error(path, &e))?;
        Ok(Self::meta_of(path, &m))
    }

    fn stat(&self, path: &str) -> Result<FileMeta, ReadError> {
        let (_, host) = self.resolved(path, true)?;
        let m = std::fs::symlink_metadata(&host).map_err(|e| self.not_found(path, &e))?;
        Ok(Self::meta_of(path, &m))
    }

    fn read_text(&self, path: &str) -> Result<TextFile, ReadError> {
        let file = self.open_regular(path)?;
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
        let (_, host) = self.resolved(path, true)?;
        let rd = std::fs::read_dir(&host).map_err(|e| io_error(path, &e))?;
        let mut out = Vec::new();
        for entry in rd {
            let entry = entry.map_err(|e| io_error(path, &e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let kind = entry.file_type().ok().map(|t| file_type_of(&t));
            out.push(DirEntry { path: super::join(path, &name), name, kind });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn read_link(&self, path: &str) -> Result<String, ReadError> {
        let (_, host) = self.resolved(path, false)?;
        std::fs::read_link(&host).map(|p| p.to_string_lossy().into_owned()).map_err(|e| io_error(path, &e))
    }
}
