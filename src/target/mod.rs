//! The target layer: every file hardcheck reads goes through here.
//!
//! A target is a live host (`/`), an offline root filesystem, or a
//! container image read from its archive ([`image`]). Paths given to a
//! target are absolute paths *inside* the target. Symlinks are resolved
//! inside the target root, FIFOs, sockets and devices are never opened,
//! reads are bounded, and every problem becomes a [`ReadError`] with a
//! reason instead of a panic or a hang.

mod fs;
mod glob;
pub mod image;
mod resolve;

pub use fs::FsTarget;
pub use glob::{glob, Listings};
pub use image::ImageTarget;

use std::fmt;

/// Largest file hardcheck reads (config files are small; anything larger is
/// skipped with a reason rather than read).
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// Most symlinks followed while resolving one path (as Linux's MAXSYMLINKS).
pub const MAX_SYMLINKS: usize = 40;

/// What kind of thing a target is, as the JSON report names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    Host,
    Root,
    Image,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Host => "host",
            TargetKind::Root => "root",
            TargetKind::Image => "image",
        }
    }
}

/// The type of a filesystem entry, from `lstat` (symlinks are not followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    File,
    Dir,
    Symlink,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
}

impl FileType {
    pub fn as_str(self) -> &'static str {
        match self {
            FileType::File => "file",
            FileType::Dir => "dir",
            FileType::Symlink => "symlink",
            FileType::Fifo => "fifo",
            FileType::Socket => "socket",
            FileType::CharDevice => "char-device",
            FileType::BlockDevice => "block-device",
        }
    }
}

/// Metadata of one entry inside the target.
#[derive(Debug, Clone)]
pub struct FileMeta {
    /// Absolute path inside the target (after symlink resolution when the
    /// metadata was asked for with `follow`).
    pub path: String,
    pub file_type: FileType,
    /// Permission bits including setuid/setgid/sticky (`st_mode & 0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    /// Device id, used by walkers to stay on one filesystem.
    pub dev: u64,
}

/// Why something inside the target could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: not found")]
    NotFound { path: String },
    #[error("{path}: permission denied")]
    PermissionDenied { path: String },
    #[error("{path}: not a regular file ({kind})")]
    NotRegular { path: String, kind: &'static str },
    #[error("{path}: too many levels of symbolic links (symlink loop)")]
    SymlinkLoop { path: String },
    #[error("{path}: symlink escapes the target root")]
    SymlinkEscape { path: String },
    #[error("{path}: dangling symlink (to {link}, which does not exist inside the target)")]
    DanglingSymlink { path: String, link: String },
    #[error("{path}: file too large ({size} bytes; limit {limit} bytes)")]
    TooLarge { path: String, size: u64, limit: u64 },
    #[error("{path}: too many lines ({lines}; limit {limit} lines)")]
    TooManyLines { path: String, lines: usize, limit: usize },
    #[error("{path}: not valid UTF-8 (first bad byte at line {line})")]
    NotUtf8 { path: String, line: usize },
    #[error("{path}: not a directory")]
    NotDir { path: String },
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    /// A bound of hardcheck's own was reached (walk depth, entries kept):
    /// what lies beyond it was not examined.
    #[error("{path}: {message}")]
    Limit { path: String, message: String },
}

impl ReadError {
    /// The in-target path the error is about.
    pub fn path(&self) -> &str {
        match self {
            ReadError::NotFound { path }
            | ReadError::PermissionDenied { path }
            | ReadError::NotRegular { path, .. }
            | ReadError::SymlinkLoop { path }
            | ReadError::SymlinkEscape { path }
            | ReadError::DanglingSymlink { path, .. }
            | ReadError::TooLarge { path, .. }
            | ReadError::TooManyLines { path, .. }
            | ReadError::NotUtf8 { path, .. }
            | ReadError::NotDir { path }
            | ReadError::Io { path, .. }
            | ReadError::Limit { path, .. } => path,
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::NotFound { .. })
    }

    /// The reason without the path, for messages that already name the path.
    pub fn reason(&self) -> String {
        let full = self.to_string();
        let prefix = format!("{}: ", self.path());
        full.strip_prefix(&prefix).unwrap_or(&full).to_string()
    }
}

/// One entry of a directory listing.
#[derive(Debug, Clone)]
pub struct DirEntry {
    pub name: String,
    /// Absolute in-target path of the entry.
    pub path: String,
    /// The entry's own type (a link is `Symlink`, not followed), when the
    /// directory listing tells it: walkers skip an `lstat` per entry.
    pub kind: Option<FileType>,
}

/// A text file read from the target.
#[derive(Debug, Clone)]
pub struct TextFile {
    /// In-target path as asked for (not the resolved one), so evidence names
    /// the file the administrator edits.
    pub path: String,
    pub text: String,
}

pub use crate::model::LayerRef;

/// A directory of the target, listed and (on a filesystem target) held
/// open, so that a walk examines what is in it relative to the open
/// directory: an entry is `lstat`ed or entered by its name in this
/// directory, never resolved again from the root, component by component.
#[derive(Debug)]
pub struct OpenDir {
    /// Absolute in-target path of the directory.
    pub path: String,
    /// Its entries, sorted by name (a walk may take them).
    pub entries: Vec<DirEntry>,
    /// The open directory; `None` where the target has no descriptors (an
    /// image), whose entries are then looked up by path.
    fd: Option<rustix::fs::Dir>,
}

/// The interface every kind of target implements. Image targets (layers read
/// from a tar without unpacking) implement the same trait.
pub trait Target: Send + Sync {
    fn kind(&self) -> TargetKind;
    /// What the report shows as the target path (the host path of `--root`).
    fn display_path(&self) -> String;
    /// Whether live state (/proc, sockets, running processes) belongs to this target.
    fn is_live(&self) -> bool {
        self.kind() == TargetKind::Host
    }
    /// `lstat` of an in-target path; intermediate symlinks are resolved inside
    /// the target, the last component is not followed.
    fn lstat(&self, path: &str) -> Result<FileMeta, ReadError>;
    /// `stat` of an in-target path, following symlinks inside the target.
    fn stat(&self, path: &str) -> Result<FileMeta, ReadError>;
    /// Read a regular text file (bounded, UTF-8), following symlinks inside the target.
    fn read_text(&self, path: &str) -> Result<TextFile, ReadError>;
    /// List a directory (sorted by name), following symlinks inside the target.
    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, ReadError>;
    /// [`Target::read_dir`], or `None` when the directory holds more than
    /// `max` entries (a lookup of one name does not list 200,000 files).
    fn read_dir_at_most(&self, path: &str, max: usize) -> Result<Option<Vec<DirEntry>>, ReadError> {
        self.read_dir(path).map(|entries| (entries.len() <= max).then_some(entries))
    }
    /// Target of a symlink, as stored (not resolved).
    fn read_link(&self, path: &str) -> Result<String, ReadError>;
    /// List a directory (following symlinks inside the target, as
    /// [`Target::read_dir`]) and keep it open for [`Target::lstat_in`] and
    /// [`Target::open_dir_in`].
    fn open_dir(&self, path: &str) -> Result<OpenDir, ReadError> {
        Ok(OpenDir { path: path.to_string(), entries: self.read_dir(path)?, fd: None })
    }
    /// `lstat` of the entry `name` of `dir` (the last component not followed).
    fn lstat_in(&self, dir: &OpenDir, name: &str) -> Result<FileMeta, ReadError> {
        self.lstat(&join(&dir.path, name))
    }
    /// The subdirectory `name` of `dir`, listed and held open. A symlink is
    /// never followed here: a walk enters what it saw as a directory only.
    fn open_dir_in(&self, dir: &OpenDir, name: &str) -> Result<OpenDir, ReadError> {
        let path = join(&dir.path, name);
        match self.lstat(&path)? {
            m if m.file_type == FileType::Dir => self.open_dir(&path),
            _ => Err(ReadError::NotDir { path }),
        }
    }
    /// The image layer that last wrote `path` (symlinks followed inside the
    /// target); `None` for targets without layers.
    fn layer_of(&self, _path: &str) -> Option<LayerRef> {
        None
    }
    /// The image itself (its configuration and layers), for image checks;
    /// `None` for a host or a root filesystem.
    fn image(&self) -> Option<&ImageTarget> {
        None
    }
}

impl fmt::Debug for dyn Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind().as_str(), self.display_path())
    }
}

/// Read a text file of the host that the user named (a `--profile`, a
/// check definition under `--checks`) through the same bounded,
/// type-checked read as any target file: a FIFO, a device such as
/// `/dev/zero` or a directory is refused before it is opened, and no more
/// than [`crate::limits::FILE_BYTES`] are read. `path` may be relative to
/// the current directory.
pub fn read_host_text(path: &std::path::Path) -> Result<String, ReadError> {
    let shown = path.display().to_string();
    let abs = std::path::absolute(path).map_err(|e| ReadError::Io { path: shown.clone(), message: e.to_string() })?;
    let Some(abs) = abs.to_str() else {
        return Err(ReadError::Io { path: shown, message: "the path is not UTF-8".into() });
    };
    FsTarget::host().read_text(abs).map(|t| t.text)
}

/// Join an in-target directory and a name.
pub fn join(dir: &str, name: &str) -> String {
    if name.starts_with('/') {
        return normalize(name);
    }
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// Lexically normalise an absolute in-target path (`//`, `.`; `..` stops at `/`).
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}
