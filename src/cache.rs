//! The invoking user's cache of work already done (today: how many
//! password guesses were tried against a hash), so that the next scan
//! resumes where the last one stopped.
//!
//! Where: `$XDG_CACHE_HOME/hardcheck/` (an absolute `XDG_CACHE_HOME`), or
//! `$HOME/.cache/hardcheck/` — always on the machine running hardcheck,
//! never inside a scanned root or image. Under `sudo`, the cache is the one
//! of the home hardcheck runs with, and only if that home belongs to the
//! effective user: root never writes into another user's home (`sudo -H`,
//! or Debian's and Ubuntu's default of `HOME=/root`, gives root's cache).
//!
//! What: a table from a *keyed digest* (HMAC-SHA256 under a random 32-byte
//! key kept in the cache directory, mode 0600) to a small record. The
//! cached things (password hashes) are never stored: without the key the
//! digests cannot be compared with a leaked hash, and with it they can only
//! be matched, not reversed. The directory is 0700, files 0600, written
//! atomically (a temporary file renamed over the old one), bounded to
//! `limits::CACHE_ENTRIES` records (the oldest are dropped). A cache that cannot be
//! read or parsed is ignored with a note, never a failure.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Largest cache file read (a bigger one is ignored as corrupt).
const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
const KEY_FILE: &str = "key";
const FORMAT: u32 = 1;

/// One record: how far work on a digest got, under which list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Units of work done (password guesses tried, in order).
    pub done: u64,
    /// Digest of the list the work follows: a changed list restarts.
    pub list: String,
    /// When the record was last written (seconds since the epoch).
    pub at: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: u32,
    records: BTreeMap<String, Record>,
}

/// An opened cache file.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    name: String,
    key: [u8; 32],
    records: BTreeMap<String, Record>,
}

/// The cache directory of the invoking user, from the environment
/// (`XDG_CACHE_HOME`, then `HOME`); `Err` says why there is none.
pub fn default_dir() -> Result<PathBuf, String> {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| Path::new(x).is_absolute()) {
        return Ok(PathBuf::from(x).join("hardcheck"));
    }
    match std::env::var_os("HOME").filter(|h| Path::new(h).is_absolute()) {
        Some(home) => {
            let owner = std::fs::metadata(&home).map(|m| m.uid()).map_err(|e| format!("$HOME: {e}"))?;
            if owner != effective_uid() {
                return Err("$HOME belongs to another user (run `sudo -H`)".into());
            }
            Ok(PathBuf::from(home).join(".cache/hardcheck"))
        }
        None => Err("neither XDG_CACHE_HOME nor HOME is set".into()),
    }
}

fn effective_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// HMAC-SHA256 (RFC 2104) over `sha2`, the hash crate already in the tree
/// (the `hmac` crate in Cargo.lock pairs with another `sha2` major).
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |b: u8| k.map(|x| x ^ b);
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(data).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn make_dir(dir: &Path) -> Result<(), String> {
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    }
    let meta = std::fs::symlink_metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if !meta.is_dir() || meta.uid() != effective_uid() {
        return Err(format!("{} is not a directory of the effective user", dir.display()));
    }
    if meta.mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    Ok(())
}

/// Write `bytes` to `dir/name` atomically, mode 0600.
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let res = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, dir.join(name))
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res.map_err(|e| format!("{}: {e}", dir.join(name).display()))
}

/// Read a regular file of the cache directory (never following a symlink),
/// at most `max` bytes.
fn read_file(path: &Path, max: u64) -> Result<Option<Vec<u8>>, String> {
    let f = match std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let meta = f.metadata().map_err(|e| format!("{}: {e}", path.display()))?;
    if !meta.is_file() || meta.len() > max {
        return Err(format!("{}: not a regular file of at most {max} bytes", path.display()));
    }
    let mut out = Vec::new();
    f.take(max).read_to_end(&mut out).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some(out))
}

fn load_key(dir: &Path) -> Result<[u8; 32], String> {
    let path = dir.join(KEY_FILE);
    if let Some(bytes) = read_file(&path, 64)? {
        return bytes.try_into().map_err(|_| format!("{}: not a 32-byte key", path.display()));
    }
    let mut key = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut r| r.read_exact(&mut key))
        .map_err(|e| format!("/dev/urandom: {e}"))?;
    write_atomic(dir, KEY_FILE, &key)?;
    Ok(key)
}

impl Cache {
    /// Open (creating the directory and key when missing) the cache file
    /// `name` in `dir`. `Err` says why there is no cache; a corrupt file
    /// gives an empty cache and a note.
    pub fn open(dir: &Path, name: &str) -> Result<(Cache, Option<String>), String> {
        make_dir(dir)?;
        let key = load_key(dir)?;
        let mut cache = Cache { dir: dir.to_path_buf(), name: name.to_string(), key, records: BTreeMap::new() };
        let path = dir.join(name);
        let note = match read_file(&path, MAX_FILE_BYTES) {
            Ok(None) => None,
            Ok(Some(bytes)) => match serde_json::from_slice::<File>(&bytes) {
                Ok(f) if f.format == FORMAT => {
                    cache.records = f.records;
                    None
                }
                Ok(_) => Some(format!("cache {} has another format: started afresh", path.display())),
                Err(e) => Some(format!("cache {} is corrupt ({e}): started afresh", path.display())),
            },
            Err(e) => Some(format!("cache not read ({e}): started afresh")),
        };
        Ok((cache, note))
    }

    /// Where the cache file is.
    pub fn path(&self) -> PathBuf {
        self.dir.join(&self.name)
    }

    /// The keyed digest (hex) under which `data` is recorded.
    pub fn digest(&self, data: &[u8]) -> String {
        hex(&hmac_sha256(&self.key, data))
    }

    /// The record of a digest made under `list`.
    pub fn get(&self, digest: &str, list: &str) -> Option<&Record> {
        self.records.get(digest).filter(|r| r.list == list)
    }

    pub fn put(&mut self, digest: String, done: u64, list: &str) {
        self.records.insert(digest, Record { done, list: list.to_string(), at: now() });
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Write the cache, dropping the oldest records above `max`.
    pub fn save(&mut self, max: usize) -> Result<(), String> {
        if self.records.len() > max {
            let mut ages: Vec<(u64, String)> = self.records.iter().map(|(k, r)| (r.at, k.clone())).collect();
            ages.sort();
            for (_, k) in ages.into_iter().take(self.records.len() - max) {
                self.records.remove(&k);
            }
        }
        let file = File { format: FORMAT, records: std::mem::take(&mut self.records) };
        let text = serde_json::to_vec(&file).map_err(|e| e.to_string());
        self.records = file.records;
        write_atomic(&self.dir, &self.name, &text?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231() {
        // RFC 4231 test cases 1 and 2.
        let mac = hmac_sha256(&[0x0b; 20], b"Hi There");
        assert_eq!(hex(&mac), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex(&mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // Test case 6: a key longer than the block.
        let mac = hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(hex(&mac), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }

    #[test]
    fn round_trip_modes_eviction_and_corruption() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("c/hardcheck");
        let (mut c, note) = Cache::open(&dir, "t.json").unwrap();
        assert!(note.is_none() && c.is_empty());
        let d = c.digest(b"secret-hash");
        assert_eq!(d.len(), 64);
        c.put(d.clone(), 7, "L1");
        c.save(10).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("t.json")), 0o600);
        assert_eq!(mode(&dir.join(KEY_FILE)), 0o600);
        let text = std::fs::read_to_string(dir.join("t.json")).unwrap();
        assert!(!text.contains("secret-hash"));
        let (c2, _) = Cache::open(&dir, "t.json").unwrap();
        assert_eq!(c2.digest(b"secret-hash"), d, "the key persists");
        assert_eq!(c2.get(&d, "L1").map(|r| r.done), Some(7));
        assert!(c2.get(&d, "L2").is_none(), "another list restarts");
        std::fs::write(dir.join("t.json"), "{not json").unwrap();
        let (c3, note) = Cache::open(&dir, "t.json").unwrap();
        assert!(c3.is_empty() && note.unwrap().contains("corrupt"));
        let mut c4 = c3;
        let max = 50;
        for i in 0..max + 3 {
            c4.records.insert(format!("{i:08}"), Record { done: 1, list: "L".into(), at: i as u64 });
        }
        c4.save(max).unwrap();
        assert_eq!(c4.len(), max);
        assert!(!c4.records.contains_key("00000000") && c4.records.contains_key(&format!("{:08}", max + 2)));
    }
}
