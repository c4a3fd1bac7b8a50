//! Facts: what the checks judge, computed at most once per scan.
//!
//! [`Facts`] is the per-scan cache over the target's [`Reader`]: each fact
//! of the registry ([`FACTS`]: name, summary, typed parameters,
//! dependencies, collect function) is collected once per parameter set,
//! and the program configurations several facts are built over (the Redis
//! configuration feeds the `redis` facts, the credentials, the declared
//! listeners and the TLS references) are read once into a typed memo. The
//! scan's options ([`ScanOptions`]) are a plain struct the caller hands in.
//!
//! A fact is the JSON value a CEL predicate reads plus, typed, what could
//! not be read while collecting it ([`Fact::unreadable`]): a check that
//! would pass on such facts is skipped instead, naming the files.

mod programs;
mod registry;

pub use registry::{find, names, FactDef, ParamKind, FACTS};

use crate::limits;
use crate::passwords;
use crate::sources::{self, FileSource, Reader, Unavailable};
use crate::target::{ReadError, Target};
use std::any::Any;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

pub use crate::sources::Fact;

/// What one scan may do, as the command line says.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Live network probes (TLS and HTTP handshakes with local ports) may
    /// run (`scan --no-probe` turns them off).
    pub probe: bool,
    /// Database URLs to introspect (`scan --db`, repeatable).
    pub db_urls: Vec<String>,
    /// Time for the whole scan: a check still running then is an `error`.
    pub budget: Duration,
    /// How hard password guessing tries (`--passwords`, or the profile's
    /// `passwords`): one scan-wide budget shared by every password check.
    pub passwords: passwords::Mode,
    /// The invoking user's cache directory (`None`: `--no-cache`, or none
    /// could be found; the reason is in `cache_off`).
    pub cache: Option<PathBuf>,
    /// Why there is no cache, when it was not turned off on purpose.
    pub cache_off: Option<String>,
    /// A Dockerfile on the host to judge besides those found under the app
    /// paths (`scan --dockerfile PATH`).
    pub dockerfile: Option<String>,
    /// The container a live scan runs in, when the profile was chosen for
    /// it (no `--profile` given): live-host-only checks are skipped, naming
    /// it. With `--profile`, they run on the container's own live state (a
    /// test machine or a host agent that runs in a container).
    pub container: Option<String>,
}

impl ScanOptions {
    /// The invoking user's resume cache, unless `off` (`--no-cache`).
    pub fn with_cache(mut self, off: bool) -> Self {
        (self.cache, self.cache_off) = match off {
            true => (None, None),
            false => match crate::cache::default_dir() {
                Ok(dir) => (Some(dir), None),
                Err(why) => (None, Some(why)),
            },
        };
        self
    }
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            probe: true,
            db_urls: Vec::new(),
            budget: limits::SCAN_BUDGET,
            passwords: passwords::Mode::default(),
            cache: None,
            cache_off: None,
            dockerfile: None,
            container: None,
        }
    }
}

/// Typed parameters of a fact (see [`ParamKind`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Params {
    #[default]
    None,
    /// Application directories walked (`app_paths`).
    AppPaths(Vec<String>),
    /// Only these ports (`probe_ports`); empty: every listening port.
    Ports(Vec<u16>),
}

/// The facts of one source, shared.
pub type FactResult = Result<Arc<Fact>, Unavailable>;

type Slot<T> = Arc<OnceLock<Result<Arc<T>, Unavailable>>>;

/// The per-scan cache of facts.
pub struct Facts {
    reader: Reader,
    options: ScanOptions,
    facts: Mutex<HashMap<(&'static str, Params), Slot<Fact>>>,
    memo: Mutex<HashMap<String, Arc<dyn Any + Send + Sync>>>,
}

impl std::fmt::Debug for Facts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Facts({:?})", self.reader)
    }
}

fn slot<K: Eq + std::hash::Hash, T>(map: &Mutex<HashMap<K, Slot<T>>>, key: K) -> Slot<T> {
    let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
    map.entry(key).or_default().clone()
}

/// The registry entry of a fact, or why there is none.
fn registered(name: &str) -> Result<&'static FactDef, Unavailable> {
    find(name).ok_or_else(|| Unavailable::Failed(format!("unknown fact `{name}`")))
}

impl Facts {
    pub fn new(target: Arc<dyn Target>, options: ScanOptions) -> Facts {
        Facts {
            reader: Reader::new(target),
            options,
            facts: Mutex::new(HashMap::new()),
            memo: Mutex::new(HashMap::new()),
        }
    }

    /// The target, read through the scan's record of what could not be read.
    pub fn reader(&self) -> &Reader {
        &self.reader
    }

    pub fn target(&self) -> &dyn Target {
        self.reader.target.as_ref()
    }

    pub fn options(&self) -> &ScanOptions {
        &self.options
    }

    /// A registry fact with its default parameters.
    pub fn get(&self, name: &str) -> FactResult {
        self.get_with(name, &Params::None)
    }

    /// A registry fact with these parameters, collected once per scan.
    pub fn get_with(&self, name: &str, params: &Params) -> FactResult {
        let def = registered(name)?;
        let params = def.params.normalise(params);
        slot(&self.facts, (def.name, params.clone())).get_or_init(|| (def.collect)(self, &params).map(Arc::new)).clone()
    }

    /// A registry fact with its default parameters, collected afresh and
    /// not kept: for a caller that keeps its own form of it once per scan
    /// (the engine keeps the CEL form, so the JSON is freed once converted).
    pub fn collect(&self, name: &str) -> Result<Fact, Unavailable> {
        let def = registered(name)?;
        (def.collect)(self, &def.params.normalise(&Params::None))
    }

    /// A generic file source, loaded afresh and not kept (see [`Facts::collect`]).
    pub fn load_file(&self, spec: &FileSource) -> Result<Fact, Unavailable> {
        sources::load(&self.reader, spec)
    }

    /// A typed value computed once per scan under `key` (a key always holds
    /// values of one type).
    pub fn memo<T: Send + Sync + 'static>(
        &self,
        key: &str,
        load: impl FnOnce(&Facts) -> Result<T, Unavailable>,
    ) -> Result<Arc<T>, Unavailable> {
        let any: Arc<dyn Any + Send + Sync> = {
            let mut memo = self.memo.lock().unwrap_or_else(|p| p.into_inner());
            memo.entry(key.to_string())
                .or_insert_with(|| Arc::new(OnceLock::<Result<Arc<T>, Unavailable>>::new()))
                .clone()
        };
        match any.downcast::<OnceLock<Result<Arc<T>, Unavailable>>>() {
            Ok(cell) => cell.get_or_init(|| load(self).map(Arc::new)).clone(),
            Err(_) => Err(Unavailable::Failed(format!("internal: memo `{key}` holds another type"))),
        }
    }

    /// Record an input that could not be read.
    pub fn note_unreadable(&self, e: &ReadError) {
        self.reader.note_unreadable(e);
    }
}
