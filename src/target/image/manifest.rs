//! Which image of an archive to read, and its blobs: `docker save`'s
//! `manifest.json`, or an OCI layout's `index.json` (nested indexes
//! followed), chosen by tag and platform.

use super::archive::Store;
use super::ImageError;
use serde::Deserialize;
use sha2::Digest as _;
use std::collections::BTreeMap;

/// Largest JSON blob read (index, manifest, config).
const MAX_JSON: u64 = 8 * 1024 * 1024;
/// Nested indexes followed from `index.json`.
const MAX_NESTING: usize = 4;
const REF_NAME: &str = "org.opencontainers.image.ref.name";
const IMAGE_NAME: &str = "io.containerd.image.name";

/// `OS/ARCH[/VARIANT]`, as `--platform` takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
}

impl Platform {
    pub fn parse(s: &str) -> Option<Platform> {
        let mut parts = s.split('/');
        let (os, arch) = (parts.next()?, parts.next()?);
        let variant = parts.next().map(str::to_string);
        if os.is_empty() || arch.is_empty() || parts.next().is_some() {
            return None;
        }
        Some(Platform { os: os.into(), arch: arch.into(), variant })
    }

    pub fn default_target() -> Platform {
        Platform { os: "linux".into(), arch: "amd64".into(), variant: None }
    }

    /// Whether an image's platform satisfies this request (a request without
    /// a variant takes any; `arm64` is `arm64/v8`).
    pub fn accepts(&self, os: &str, arch: &str, variant: Option<&str>) -> bool {
        let norm = |v: Option<&str>| match (arch, v) {
            ("arm64", None) => Some("v8".to_string()),
            (_, v) => v.map(str::to_string),
        };
        self.os == os && self.arch == arch && (self.variant.is_none() || norm(self.variant.as_deref()) == norm(variant))
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.variant {
            Some(v) => write!(f, "{}/{}/{v}", self.os, self.arch),
            None => write!(f, "{}/{}", self.os, self.arch),
        }
    }
}

/// The image chosen, as store member names.
#[derive(Debug)]
pub(crate) struct Chosen {
    pub format: &'static str,
    pub tags: Vec<String>,
    /// The manifest's digest (OCI); `None` for `docker save` (the report
    /// then names the config digest, Docker's image id).
    pub digest: Option<String>,
    pub config: Vec<u8>,
    pub layers: Vec<String>,
}

#[derive(Deserialize)]
struct DockerEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers")]
    layers: Vec<String>,
}

#[derive(Deserialize, Clone)]
struct Descriptor {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    digest: String,
    #[serde(default)]
    platform: Option<RawPlatform>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(Deserialize, Clone)]
struct RawPlatform {
    os: String,
    architecture: String,
    #[serde(default)]
    variant: Option<String>,
}

#[derive(Deserialize)]
struct Index {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

#[derive(Deserialize)]
struct Manifest {
    config: Descriptor,
    layers: Vec<Descriptor>,
}

/// Choose the image in `store` by `tag` (`--image PATH:TAG`) and platform.
pub(crate) fn choose(
    store: &Store,
    shown: &str,
    tag: Option<&str>,
    platform: Option<&Platform>,
) -> Result<Chosen, ImageError> {
    if store.contains("index.json") {
        choose_oci(store, shown, tag, platform)
    } else if store.contains("manifest.json") {
        choose_docker(store, shown, tag)
    } else {
        Err(ImageError::NotArchive(shown.into(), "no manifest.json (docker save) or index.json (OCI layout)".into()))
    }
}

fn read_json<T: serde::de::DeserializeOwned>(
    store: &Store,
    shown: &str,
    name: &str,
    digest: Option<&str>,
) -> Result<(T, Vec<u8>), ImageError> {
    let malformed = |m: String| ImageError::Malformed(shown.into(), name.into(), m);
    let bytes = store.section(name, shown)?.read_all(MAX_JSON).map_err(|e| malformed(e.to_string()))?;
    if let Some(d) = digest {
        verify(d, &bytes).map_err(malformed)?;
    }
    let value = serde_json::from_slice(&bytes).map_err(|e| malformed(e.to_string()))?;
    Ok((value, bytes))
}

/// Check a blob against its `sha256:`/`sha512:` digest.
fn verify(digest: &str, bytes: &[u8]) -> Result<(), String> {
    let got = match digest.split_once(':') {
        Some(("sha256", _)) => format!("sha256:{:x}", sha2::Sha256::digest(bytes)),
        Some(("sha512", _)) => format!("sha512:{:x}", sha2::Sha512::digest(bytes)),
        _ => return Err(format!("unsupported digest {digest}")),
    };
    match got == digest {
        true => Ok(()),
        false => Err(format!("content does not match its digest {digest}")),
    }
}

/// `blobs/ALG/HEX` for a digest, refusing anything that is not a digest.
fn blob_name(digest: &str) -> Option<String> {
    let (alg, hex) = digest.split_once(':')?;
    let len = match alg {
        "sha256" => 64,
        "sha512" => 128,
        _ => return None,
    };
    (hex.len() == len && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| format!("blobs/{alg}/{hex}"))
}

fn blob(store: &Store, shown: &str, digest: &str) -> Result<String, ImageError> {
    let name = blob_name(digest).ok_or_else(|| {
        ImageError::Malformed(shown.into(), "index.json".into(), format!("`{digest}` is not a sha256 or sha512 digest"))
    })?;
    store.section(&name, shown)?;
    Ok(name)
}

fn choose_docker(store: &Store, shown: &str, tag: Option<&str>) -> Result<Chosen, ImageError> {
    let (entries, _) = read_json::<Vec<DockerEntry>>(store, shown, "manifest.json", None)?;
    let tags_of = |e: &DockerEntry| e.repo_tags.clone().unwrap_or_default();
    let all: Vec<String> = entries.iter().flat_map(tags_of).collect();
    let entry = match tag {
        Some(t) => entries
            .iter()
            .find(|e| tags_of(e).iter().any(|r| tag_matches(r, t)))
            .ok_or_else(|| ImageError::UnknownTag(shown.into(), t.into(), all.clone()))?,
        None if entries.len() > 1 => return Err(ImageError::SeveralImages(shown.into(), all)),
        None => entries
            .first()
            .ok_or_else(|| ImageError::NotArchive(shown.into(), "manifest.json lists no image".into()))?,
    };
    // `HEX.json` (classic) or `blobs/sha256/HEX` (Docker 25 and later).
    let hex = entry.config.rsplit('/').next().unwrap_or("").trim_end_matches(".json");
    let digest = Some(format!("sha256:{hex}")).filter(|d| blob_name(d).is_some());
    let (_, config) = read_json::<serde_json::Value>(store, shown, &entry.config, digest.as_deref())?;
    for l in &entry.layers {
        store.section(l, shown)?;
    }
    Ok(Chosen { format: "docker-archive", tags: tags_of(entry), digest: None, config, layers: entry.layers.clone() })
}

/// `TAG` names a tagged image as `name:TAG`, `TAG` itself or the full reference.
fn tag_matches(reference: &str, tag: &str) -> bool {
    reference == tag || reference.rsplit_once(':').is_some_and(|(_, t)| t == tag)
}

/// A manifest reachable from `index.json`, with the tag and digest of the
/// top-level descriptor it came through (one image may carry several tags).
struct Leaf {
    tag: Option<String>,
    top: String,
    desc: Descriptor,
}

fn choose_oci(
    store: &Store,
    shown: &str,
    tag: Option<&str>,
    platform: Option<&Platform>,
) -> Result<Chosen, ImageError> {
    let format = if matches!(store, Store::Dir(_)) { "oci-layout" } else { "oci-archive" };
    let (index, _) = read_json::<Index>(store, shown, "index.json", None)?;
    let mut leaves = Vec::new();
    for d in index.manifests {
        let tag = d.annotations.get(IMAGE_NAME).or(d.annotations.get(REF_NAME)).cloned();
        let top = d.digest.clone();
        expand(store, shown, d, &(tag, top), 0, &mut leaves)?;
    }
    leaves.retain(|l| {
        l.desc.annotations.get("vnd.docker.reference.type").is_none_or(|t| t != "attestation-manifest")
            && l.desc.platform.as_ref().is_none_or(|p| p.os != "unknown")
    });
    // An image is what one tagged descriptor names (several tags may name
    // it); untagged manifests are platforms of one image.
    let image_of = |l: &Leaf| if l.tag.is_some() { l.top.clone() } else { String::new() };
    let named: Vec<(Option<String>, String)> = leaves.iter().map(|l| (l.tag.clone(), image_of(l))).collect();
    let tags = unique(named.iter().filter_map(|(t, _)| t.clone()));
    if let Some(t) = tag {
        leaves.retain(|l| l.tag.as_deref().is_some_and(|r| tag_matches(r, t)));
        if leaves.is_empty() {
            return Err(ImageError::UnknownTag(shown.into(), t.into(), tags));
        }
    }
    let tops = unique(leaves.iter().map(image_of));
    if tops.len() > 1 {
        return Err(ImageError::SeveralImages(shown.into(), tags));
    }
    let image_tags = unique(named.into_iter().filter(|(_, top)| tops.contains(top)).filter_map(|(t, _)| t));
    let mut seen = std::collections::HashSet::new();
    leaves.retain(|l| seen.insert(l.desc.digest.clone()));
    let leaf = pick_platform(leaves, shown, platform)?;
    let name = blob(store, shown, &leaf.desc.digest)?;
    let (manifest, _) = read_json::<Manifest>(store, shown, &name, Some(&leaf.desc.digest))?;
    let config_name = blob(store, shown, &manifest.config.digest)?;
    let (_, config) = read_json::<serde_json::Value>(store, shown, &config_name, Some(&manifest.config.digest))?;
    let layers = manifest.layers.iter().map(|l| blob(store, shown, &l.digest)).collect::<Result<Vec<_>, _>>()?;
    Ok(Chosen { format, tags: image_tags, digest: Some(leaf.desc.digest), config, layers })
}

/// The items once each, in their first order.
fn unique(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

fn is_index(media_type: &str) -> bool {
    media_type.ends_with("image.index.v1+json") || media_type.ends_with("manifest.list.v2+json")
}

fn expand(
    store: &Store,
    shown: &str,
    d: Descriptor,
    from: &(Option<String>, String),
    depth: usize,
    out: &mut Vec<Leaf>,
) -> Result<(), ImageError> {
    if !is_index(&d.media_type) {
        out.push(Leaf { tag: from.0.clone(), top: from.1.clone(), desc: d });
        return Ok(());
    }
    if depth >= MAX_NESTING {
        return Err(ImageError::Malformed(shown.into(), d.digest, "indexes nested too deep".into()));
    }
    let name = blob(store, shown, &d.digest)?;
    let (index, _) = read_json::<Index>(store, shown, &name, Some(&d.digest))?;
    for inner in index.manifests {
        expand(store, shown, inner, from, depth + 1, out)?;
    }
    Ok(())
}

/// The one manifest for the platform asked (default `linux/amd64`); a
/// single manifest is taken as it is unless a platform was asked (the
/// config's platform is checked later).
fn pick_platform(mut leaves: Vec<Leaf>, shown: &str, platform: Option<&Platform>) -> Result<Leaf, ImageError> {
    if leaves.len() == 1 {
        return Ok(leaves.remove(0));
    }
    let want = platform.cloned().unwrap_or_else(Platform::default_target);
    let listed: Vec<String> = leaves
        .iter()
        .filter_map(|l| l.desc.platform.as_ref())
        .map(|p| Platform { os: p.os.clone(), arch: p.architecture.clone(), variant: p.variant.clone() }.to_string())
        .collect();
    let pos = leaves.iter().position(|l| {
        l.desc.platform.as_ref().is_some_and(|p| want.accepts(&p.os, &p.architecture, p.variant.as_deref()))
    });
    match pos {
        Some(i) => Ok(leaves.remove(i)),
        None => Err(ImageError::UnknownPlatform(shown.into(), want.to_string(), listed)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_parse_and_match() {
        let p = Platform::parse("linux/arm64").unwrap();
        assert!(p.accepts("linux", "arm64", Some("v8")) && p.accepts("linux", "arm64", None));
        let v7 = Platform::parse("linux/arm/v7").unwrap();
        assert!(v7.accepts("linux", "arm", Some("v7")) && !v7.accepts("linux", "arm", Some("v6")));
        assert!(Platform::parse("linux/arm64/v8").unwrap().accepts("linux", "arm64", None));
        assert_eq!(v7.to_string(), "linux/arm/v7");
        for bad in ["linux", "linux/", "/amd64", "a/b/c/d"] {
            assert!(Platform::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn blob_names_come_only_from_digests() {
        let hex = "a".repeat(64);
        assert_eq!(blob_name(&format!("sha256:{hex}")), Some(format!("blobs/sha256/{hex}")));
        assert_eq!(blob_name("sha256:../../etc/passwd"), None);
        assert_eq!(blob_name(&format!("md5:{hex}")), None);
        assert_eq!(blob_name(&format!("sha256:{}", "A".repeat(64))), None);
    }

    #[test]
    fn digests_are_verified() {
        let d = format!("sha256:{:x}", sha2::Sha256::digest(b"{}"));
        assert!(verify(&d, b"{}").is_ok());
        assert!(verify(&d, b"{ }").is_err());
    }

    #[test]
    fn tags_match_short_and_full_references() {
        assert!(tag_matches("debian:bookworm", "bookworm"));
        assert!(tag_matches("debian:bookworm", "debian:bookworm"));
        assert!(tag_matches("latest", "latest"));
        assert!(!tag_matches("debian:bookworm", "bullseye"));
    }
}
