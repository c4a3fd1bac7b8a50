//! The image configuration (the JSON blob a manifest's `config` names):
//! platform, the run configuration (user, environment, ports, health check,
//! labels…), the layers' diff ids and the build history. Docker's and the
//! OCI's formats share these fields; Docker adds `Healthcheck`, which the
//! OCI specification (and the `oci-spec` crate) leaves out — one reason
//! these are small structs of our own.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What later image checks read: typed, with defaults for absent fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImageConfig {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
    /// `USER` (empty or absent: root).
    pub user: Option<String>,
    /// `ENV`, in order, as `NAME` and value.
    pub env: Vec<(String, String)>,
    /// `EXPOSE`, as written (`80/tcp`, `53/udp`).
    pub exposed_ports: Vec<String>,
    pub healthcheck: Option<Healthcheck>,
    pub labels: BTreeMap<String, String>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub working_dir: Option<String>,
    pub volumes: Vec<String>,
    pub stop_signal: Option<String>,
    /// Digests of the layers' uncompressed tars, base layer first.
    pub diff_ids: Vec<String>,
    pub history: Vec<History>,
}

/// `HEALTHCHECK`: `test` is `["NONE"]` when disabled, else `CMD`/`CMD-SHELL`
/// and the command; durations in nanoseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Healthcheck {
    #[serde(rename = "Test", default)]
    pub test: Vec<String>,
    #[serde(rename = "Interval", default)]
    pub interval: Option<i64>,
    #[serde(rename = "Timeout", default)]
    pub timeout: Option<i64>,
    #[serde(rename = "StartPeriod", default)]
    pub start_period: Option<i64>,
    #[serde(rename = "Retries", default)]
    pub retries: Option<i64>,
}

/// One build step; `empty_layer` steps (ENV, USER…) made no layer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub empty_layer: bool,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    variant: Option<String>,
    #[serde(default)]
    config: Option<RawRun>,
    rootfs: RawRootfs,
    #[serde(default)]
    history: Vec<History>,
}

#[derive(Deserialize)]
struct RawRootfs {
    #[serde(default)]
    diff_ids: Vec<String>,
}

/// Docker writes `null` for empty lists and maps: every field tolerates it.
#[derive(Deserialize, Default)]
struct RawRun {
    #[serde(rename = "User", default)]
    user: Option<String>,
    #[serde(rename = "Env", default)]
    env: Option<Vec<String>>,
    #[serde(rename = "ExposedPorts", default)]
    exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(rename = "Healthcheck", default)]
    healthcheck: Option<Healthcheck>,
    #[serde(rename = "Labels", default)]
    labels: Option<BTreeMap<String, String>>,
    #[serde(rename = "Entrypoint", default)]
    entrypoint: Option<Vec<String>>,
    #[serde(rename = "Cmd", default)]
    cmd: Option<Vec<String>>,
    #[serde(rename = "WorkingDir", default)]
    working_dir: Option<String>,
    #[serde(rename = "Volumes", default)]
    volumes: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(rename = "StopSignal", default)]
    stop_signal: Option<String>,
}

impl ImageConfig {
    /// Parse a config blob.
    pub fn parse(bytes: &[u8]) -> Result<ImageConfig, String> {
        let raw: Raw = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let run = raw.config.unwrap_or_default();
        let env = run
            .env
            .unwrap_or_default()
            .into_iter()
            .map(|kv| match kv.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (kv, String::new()),
            })
            .collect();
        Ok(ImageConfig {
            os: raw.os,
            architecture: raw.architecture,
            variant: raw.variant.filter(|v| !v.is_empty()),
            user: run.user.filter(|u| !u.is_empty()),
            env,
            exposed_ports: run.exposed_ports.unwrap_or_default().into_keys().collect(),
            healthcheck: run.healthcheck,
            labels: run.labels.unwrap_or_default(),
            entrypoint: run.entrypoint,
            cmd: run.cmd,
            working_dir: run.working_dir.filter(|w| !w.is_empty()),
            volumes: run.volumes.unwrap_or_default().into_keys().collect(),
            stop_signal: run.stop_signal.filter(|s| !s.is_empty()),
            diff_ids: raw.rootfs.diff_ids,
            history: raw.history,
        })
    }

    /// `os/architecture[/variant]`.
    pub fn platform(&self) -> String {
        match &self.variant {
            Some(v) => format!("{}/{}/{v}", self.os, self.architecture),
            None => format!("{}/{}", self.os, self.architecture),
        }
    }

    /// The build step that made each layer: history entries that are not
    /// `empty_layer`, in order; `None` when they do not match the layers.
    pub fn layer_history(&self) -> Option<Vec<&History>> {
        let steps: Vec<&History> = self.history.iter().filter(|h| !h.empty_layer).collect();
        (steps.len() == self.diff_ids.len()).then_some(steps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCKER: &str = r#"{
      "architecture": "amd64", "os": "linux",
      "config": {"User": "app", "Env": ["PATH=/usr/bin", "EMPTY="], "ExposedPorts": {"8080/tcp": {}},
                 "Healthcheck": {"Test": ["CMD-SHELL", "curl -f http://localhost/"], "Interval": 30000000000},
                 "Labels": {"maintainer": "x"}, "Cmd": ["/app"], "Volumes": null, "Entrypoint": null},
      "rootfs": {"type": "layers", "diff_ids": ["sha256:aa", "sha256:bb"]},
      "history": [{"created_by": "ADD base.tar /"}, {"created_by": "ENV A=1", "empty_layer": true},
                  {"created_by": "RUN make"}]
    }"#;

    #[test]
    fn docker_config_is_typed() {
        let c = ImageConfig::parse(DOCKER.as_bytes()).unwrap();
        assert_eq!(c.platform(), "linux/amd64");
        assert_eq!(c.user.as_deref(), Some("app"));
        assert_eq!(c.env, [("PATH".into(), "/usr/bin".into()), ("EMPTY".into(), String::new())]);
        assert_eq!(c.exposed_ports, ["8080/tcp"]);
        let h = c.healthcheck.as_ref().unwrap();
        assert_eq!(h.test, ["CMD-SHELL", "curl -f http://localhost/"]);
        assert_eq!(h.interval, Some(30_000_000_000));
        assert_eq!(c.labels["maintainer"], "x");
        assert_eq!(c.cmd.as_deref(), Some(&["/app".to_string()][..]));
        assert!(c.entrypoint.is_none() && c.volumes.is_empty());
        let steps = c.layer_history().unwrap();
        assert_eq!(steps[1].created_by.as_deref(), Some("RUN make"));
    }

    #[test]
    fn minimal_oci_config_has_defaults() {
        let c = ImageConfig::parse(
            br#"{"architecture":"arm64","os":"linux","variant":"v8","rootfs":{"type":"layers","diff_ids":[]}}"#,
        )
        .unwrap();
        assert_eq!(c.platform(), "linux/arm64/v8");
        assert!(c.user.is_none() && c.healthcheck.is_none() && c.env.is_empty());
        assert_eq!(c.layer_history().map(|h| h.len()), Some(0));
        assert!(ImageConfig::parse(b"{}").is_err());
    }
}
