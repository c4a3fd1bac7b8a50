//! Container images as a target, read straight from their archive: a
//! `docker save` tar, an OCI image layout directory, or an OCI layout packed
//! as one tar (`skopeo copy … oci-archive:`, `podman save --format
//! oci-archive`). Layers (uncompressed, gzip or zstd) are applied in order
//! into an in-memory tree ([`tree`]) in one streaming pass each; nothing is
//! unpacked to disk and nothing from the image is executed. Hostile members
//! are refused one by one with a reason ([`ImageTarget::refused`]); a layer
//! that cannot be read to its end (truncated, a decompression bomb) leaves
//! the image incomplete ([`ImageTarget::problems`]).

mod archive;
mod config;
pub mod dockerfile;
mod layer;
mod manifest;
mod names;
mod stream;
mod tree;

pub use config::{Healthcheck, History, ImageConfig};
pub use manifest::Platform;

use super::{DirEntry, FileMeta, FileType, LayerRef, ReadError, Target, TargetKind, TextFile, MAX_FILE_BYTES};
use serde::Serialize;
use sha2::Digest as _;
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use stream::{open_tar, Section, TarStream, Window};
use tree::{Data, Locator, Node, NodeId, Tree};

/// Why an image could not be opened at all (a usage or fatal error, exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("--image {0}: not found")]
    NotFound(String),
    #[error("--image {0}: not a docker save archive, an OCI image layout or an OCI archive ({1})")]
    NotArchive(String, String),
    #[error("--image {0}: the archive is {1}-compressed; decompress it first (hardcheck reads the tar in place)")]
    Compressed(String, &'static str),
    #[error("--image {0}: the manifest names {1}, {2}")]
    MissingBlob(String, String, String),
    #[error("--image {0}: {1}: {2}")]
    Malformed(String, String, String),
    #[error("--image {0}: the archive holds several images; choose one with --image {0}:TAG (tags: {list})", list = list(.1))]
    SeveralImages(String, Vec<String>),
    #[error("--image {0}: no image tagged `{1}` (tags: {list})", list = list(.2))]
    UnknownTag(String, String, Vec<String>),
    #[error("--image {0}: no image for platform {1} (platforms: {list})", list = list(.2))]
    UnknownPlatform(String, String, Vec<String>),
    #[error("--platform {0}: expected OS/ARCH[/VARIANT], such as linux/amd64 or linux/arm64/v8")]
    BadPlatform(String),
    #[error("--image {0}: {1}")]
    Io(String, String),
}

fn list(items: &[String]) -> String {
    match items.is_empty() {
        true => "none".into(),
        false => items.join(", "),
    }
}

/// A member of the image (or of its archive) that was not applied, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// In-image path of the member (its raw name when it has no clean one).
    pub path: String,
    pub reason: String,
}

impl Refusal {
    pub(crate) fn new(path: &str, reason: String) -> Refusal {
        Refusal { path: path.to_string(), reason }
    }
}

/// What the report says about the image (`target.image`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageInfo {
    pub tags: Vec<String>,
    /// The manifest's digest (OCI); for `docker save`, the config's digest
    /// (Docker's image id), which is all the archive records.
    pub digest: String,
    pub platform: String,
    /// `docker-archive`, `oci-layout` or `oci-archive`.
    pub format: &'static str,
}

struct LayerMeta {
    section: Section,
    /// `layer 1 (sha256:0123456789ab)`.
    label: String,
    reference: LayerRef,
}

/// A container image, applied layer by layer into memory.
pub struct ImageTarget {
    shown: String,
    info: ImageInfo,
    config: ImageConfig,
    layers: Vec<LayerMeta>,
    tree: Tree,
    refused: Vec<Refusal>,
    problems: Vec<String>,
}

impl std::fmt::Debug for ImageTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ImageTarget({}, {} layers)", self.shown, self.layers.len())
    }
}

/// `PATH` or `PATH:TAG`: the longest existing path is the archive.
fn split_spec(arg: &str) -> Result<(PathBuf, String, Option<String>), ImageError> {
    if Path::new(arg).exists() {
        return Ok((arg.into(), arg.into(), None));
    }
    for (i, _) in arg.match_indices(':').collect::<Vec<_>>().into_iter().rev() {
        let (p, t) = (&arg[..i], &arg[i + 1..]);
        if !p.is_empty() && !t.is_empty() && Path::new(p).exists() {
            return Ok((p.into(), p.into(), Some(t.into())));
        }
    }
    Err(ImageError::NotFound(arg.into()))
}

impl ImageTarget {
    /// Open `spec` (`PATH` or `PATH:TAG`) for `platform` (`OS/ARCH[/VARIANT]`;
    /// default `linux/amd64` when the archive has several).
    pub fn open(spec: &str, platform: Option<&str>) -> Result<ImageTarget, ImageError> {
        let platform = match platform {
            Some(p) => Some(Platform::parse(p).ok_or_else(|| ImageError::BadPlatform(p.into()))?),
            None => None,
        };
        let (path, shown, tag) = split_spec(spec)?;
        let mut refused = Vec::new();
        let store = archive::Store::open(&path, &shown, &mut refused)?;
        let chosen = manifest::choose(&store, &shown, tag.as_deref(), platform.as_ref())?;
        let config = ImageConfig::parse(&chosen.config)
            .map_err(|e| ImageError::Malformed(shown.clone(), "image config".into(), e))?;
        if let Some(p) = &platform {
            if !p.accepts(&config.os, &config.architecture, config.variant.as_deref()) {
                return Err(ImageError::UnknownPlatform(shown, p.to_string(), vec![config.platform()]));
            }
        }
        if config.diff_ids.len() != chosen.layers.len() {
            let why = format!("lists {} diff_ids for {} layers", config.diff_ids.len(), chosen.layers.len());
            return Err(ImageError::Malformed(shown, "image config".into(), why));
        }
        let history = config.layer_history();
        let mut layers = Vec::new();
        for (index, name) in chosen.layers.iter().enumerate() {
            let diff_id = config.diff_ids[index].clone();
            let short: String = diff_id.chars().take(diff_id.find(':').map_or(0, |i| i + 13)).collect();
            layers.push(LayerMeta {
                section: store.section(name, &shown)?,
                label: format!("layer {index} ({short})"),
                reference: LayerRef {
                    index,
                    diff_id,
                    // A build step may carry a secret (`RUN … --password=…`).
                    created_by: history.as_ref().and_then(|h| h[index].created_by.as_deref().map(crate::redact::mask)),
                },
            });
        }
        let digest = chosen.digest.unwrap_or_else(|| format!("sha256:{:x}", sha2::Sha256::digest(&chosen.config)));
        let info = ImageInfo { tags: chosen.tags, digest, platform: config.platform(), format: chosen.format };
        let mut image = ImageTarget { shown, info, config, layers, tree: Tree::new(), refused, problems: Vec::new() };
        image.apply_layers();
        Ok(image)
    }

    fn apply_layers(&mut self) {
        for (i, meta) in self.layers.iter().enumerate() {
            let mut pass =
                layer::Pass { tree: &mut self.tree, refused: &mut self.refused, layer: i as u32, label: &meta.label };
            if let Err(e) = layer::apply(&meta.section, &mut pass) {
                self.problems.push(format!("{}: {e}", meta.label));
            }
        }
    }

    /// Tags, digest, platform and archive format, for the report.
    pub fn info(&self) -> &ImageInfo {
        &self.info
    }

    /// The image configuration (user, environment, ports, health check,
    /// labels, history…), for image checks.
    pub fn config(&self) -> &ImageConfig {
        &self.config
    }

    /// Members that were not applied, with the reason.
    pub fn refused(&self) -> &[Refusal] {
        &self.refused
    }

    /// Layers that could not be read to their end: the image is incomplete
    /// and a check that finds nothing wrong cannot vouch for it.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// Every layer, base first.
    pub fn layers(&self) -> Vec<LayerRef> {
        self.layers.iter().map(|l| l.reference.clone()).collect()
    }

    fn meta(&self, path: &str, id: NodeId) -> FileMeta {
        let n = self.tree.node(id);
        FileMeta {
            path: path.to_string(),
            file_type: n.kind,
            mode: n.mode,
            uid: n.uid,
            gid: n.gid,
            size: n.size,
            dev: 1,
        }
    }

    /// The entry a path names, following symlinks; a missing one reached
    /// through a symlink is dangling.
    fn followed(&self, path: &str) -> Result<NodeId, ReadError> {
        match self.tree.resolve(path, true)? {
            Some(id) => Ok(id),
            None => match self.read_link(path) {
                Ok(link) => Err(ReadError::DanglingSymlink { path: path.to_string(), link }),
                Err(_) => Err(ReadError::NotFound { path: path.to_string() }),
            },
        }
    }

    fn contents(&self, path: &str, node: &Node) -> Result<Arc<[u8]>, ReadError> {
        let io = |message: String| ReadError::Io { path: path.to_string(), message };
        match &node.data {
            Data::Held(bytes) => Ok(bytes.clone()),
            Data::None if node.size == 0 => Ok(Arc::from(&[][..])),
            Data::None => Err(io("contents not available".into())),
            Data::InLayer(loc) => {
                let meta = &self.layers[loc.layer as usize];
                self.fetch(meta, *loc, node.size).map_err(|e| io(format!("{}: {e}", meta.label)))
            }
        }
    }

    /// Read a file's contents again from its layer.
    fn fetch(&self, meta: &LayerMeta, loc: Locator, size: u64) -> Result<Arc<[u8]>, String> {
        let window = Window::new();
        let (stream, _) = open_tar(&meta.section, &window).map_err(|e| e.to_string())?;
        match stream {
            TarStream::Plain(mut r) if loc.offset != u64::MAX => {
                r.seek(SeekFrom::Start(loc.offset)).map_err(|e| e.to_string())?;
                layer::read_exactly(&mut r, size)
            }
            TarStream::Plain(r) => {
                let mut archive = tar::Archive::new(r);
                let entries = archive.entries_with_seek().map_err(|e| e.to_string())?;
                layer::find(entries, &window, Some(meta.section.len), loc.ordinal, size)
            }
            TarStream::Packed(r) => {
                let mut archive = tar::Archive::new(r);
                let entries = archive.entries().map_err(|e| e.to_string())?;
                layer::find(entries, &window, None, loc.ordinal, size)
            }
        }
    }
}

impl Target for ImageTarget {
    fn kind(&self) -> TargetKind {
        TargetKind::Image
    }

    fn display_path(&self) -> String {
        self.shown.clone()
    }

    fn lstat(&self, path: &str) -> Result<FileMeta, ReadError> {
        match self.tree.resolve(path, false)? {
            Some(id) => Ok(self.meta(path, id)),
            None => Err(ReadError::NotFound { path: path.to_string() }),
        }
    }

    fn stat(&self, path: &str) -> Result<FileMeta, ReadError> {
        Ok(self.meta(path, self.followed(path)?))
    }

    fn read_text(&self, path: &str) -> Result<TextFile, ReadError> {
        let node = self.tree.node(self.followed(path)?);
        if node.kind != FileType::File {
            return Err(ReadError::NotRegular { path: path.to_string(), kind: node.kind.as_str() });
        }
        if node.size > MAX_FILE_BYTES {
            return Err(ReadError::TooLarge { path: path.to_string(), size: node.size, limit: MAX_FILE_BYTES });
        }
        let bytes = self.contents(path, node)?;
        match std::str::from_utf8(&bytes) {
            Ok(text) => Ok(TextFile { path: path.to_string(), text: text.to_string() }),
            Err(e) => {
                let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
                Err(ReadError::NotUtf8 { path: path.to_string(), line })
            }
        }
    }

    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, ReadError> {
        let id = self.tree.resolve(path, true)?.ok_or_else(|| ReadError::NotFound { path: path.to_string() })?;
        let node = self.tree.node(id);
        if node.kind != FileType::Dir {
            return Err(ReadError::NotDir { path: path.to_string() });
        }
        Ok(node
            .children
            .iter()
            .map(|(name, child)| DirEntry {
                name: name.to_string(),
                path: super::join(path, name),
                kind: Some(self.tree.node(*child).kind),
            })
            .collect())
    }

    fn read_link(&self, path: &str) -> Result<String, ReadError> {
        let id = self.tree.resolve(path, false)?.ok_or_else(|| ReadError::NotFound { path: path.to_string() })?;
        match &self.tree.node(id).link {
            Some(link) if self.tree.node(id).kind == FileType::Symlink => Ok(link.to_string()),
            _ => Err(ReadError::Io { path: path.to_string(), message: "not a symbolic link".into() }),
        }
    }

    fn layer_of(&self, path: &str) -> Option<LayerRef> {
        let id = match self.tree.resolve(path, true) {
            Ok(Some(id)) => id,
            _ => self.tree.resolve(path, false).ok().flatten()?,
        };
        self.layers.get(self.tree.node(id).layer as usize).map(|l| l.reference.clone())
    }

    fn image(&self) -> Option<&ImageTarget> {
        Some(self)
    }
}
