//! `deploy/kubernetes/daemonset.yaml`: valid against the Kubernetes API
//! schemas (`kubernetes-validate --strict`, which rejects unknown fields),
//! and holding the privileges docs/fleet.md promises and no more.
//!
//! `scripts/test.sh` installs kubernetes-validate (PyPI, pinned) under
//! `target/validators/python` when missing. Run without it, the schema test
//! fails and says so: a validator that is not run proves nothing.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

fn manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/kubernetes/daemonset.yaml")
}

fn documents() -> Vec<Value> {
    let text = std::fs::read_to_string(manifest()).unwrap();
    serde_saphyr::from_multiple::<Value>(&text).unwrap()
}

fn daemonset() -> Value {
    documents().into_iter().find(|d| d["kind"] == "DaemonSet").expect("a DaemonSet")
}

#[test]
fn manifest_passes_the_kubernetes_schemas() {
    let python = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().join("validators/python");
    if !python.join("kubernetes_validate").is_dir() {
        panic!(
            "kubernetes-validate is not installed: run ./scripts/test.sh, which installs it under \
             target/validators/python when missing"
        );
    }
    // The release the manifest is written for, and the oldest with every
    // field it uses (recursiveReadOnly is GA in 1.33).
    for version in ["1.37.0", "1.33.0"] {
        let out = Command::new("python3")
            .env("PYTHONPATH", &python)
            .args(["-m", "kubernetes_validate", "--strict", "--kubernetes-version", version])
            .arg(manifest())
            .output()
            .unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(0), "{version}: {text}");
        assert_eq!(text.matches("passed for resource").count(), 2, "{version}: {text}");
    }
    // The validator does reject what the API server would: a misspelt field.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    let text = std::fs::read_to_string(manifest()).unwrap().replace("readOnlyRootFilesystem", "readOnlyRootFileSystem");
    std::fs::write(&bad, text).unwrap();
    let out = Command::new("python3")
        .env("PYTHONPATH", &python)
        .args(["-m", "kubernetes_validate", "--strict", "--kubernetes-version", "1.37.0"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "a misspelt field passed");
}

#[test]
fn one_pod_per_node_with_the_host_root_read_only() {
    let ds = daemonset();
    let pod = &ds["spec"]["template"]["spec"];
    // Every node, whatever its taints.
    assert_eq!(pod["tolerations"], json!([{"operator": "Exists"}]));
    let volume = pod["volumes"].as_array().unwrap().iter().find(|v| v["name"] == "host-root").unwrap();
    assert_eq!(volume["hostPath"]["path"], "/");
    assert_eq!(pod["volumes"].as_array().unwrap().len(), 1, "only the host root is mounted");
    let containers = pod["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1);
    let c = &containers[0];
    let mounts = c["volumeMounts"].as_array().unwrap();
    assert_eq!(mounts.len(), 1);
    assert_eq!(mounts[0]["mountPath"], "/host");
    assert_eq!(mounts[0]["readOnly"], true);
    assert_eq!(mounts[0]["recursiveReadOnly"], "IfPossible");
    assert_eq!(mounts[0]["mountPropagation"], "None");
    let script = c["args"][0].as_str().unwrap();
    assert!(script.contains("hardcheck scan --root /host") && script.contains("--format jsonl"), "{script}");
    assert!(script.contains("while :") && script.contains("sleep \"$HARDCHECK_INTERVAL\""), "{script}");
    for limit in ["cpu", "memory"] {
        assert!(c["resources"]["limits"][limit].is_string(), "limit {limit}");
        assert!(c["resources"]["requests"][limit].is_string(), "request {limit}");
    }
}

#[test]
fn no_privileges_beyond_reading_the_host() {
    let ds = daemonset();
    let pod = &ds["spec"]["template"]["spec"];
    for ns in ["hostNetwork", "hostPID", "hostIPC"] {
        assert_eq!(pod[ns], false, "{ns}");
    }
    assert_eq!(pod["automountServiceAccountToken"], false);
    assert_eq!(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
    let sc = &pod["containers"][0]["securityContext"];
    assert_eq!(sc["privileged"], false);
    assert_eq!(sc["allowPrivilegeEscalation"], false);
    assert_eq!(sc["readOnlyRootFilesystem"], true);
    assert_eq!(sc["capabilities"]["drop"], json!(["ALL"]));
    // Root (uid 0) reads root's files; the one capability reads files of
    // other owners. Nothing else.
    assert_eq!(sc["capabilities"]["add"], json!(["DAC_READ_SEARCH"]));
    assert_eq!(sc["seccompProfile"]["type"], "RuntimeDefault");
    let text = std::fs::read_to_string(manifest()).unwrap();
    for word in ["privileged: true", "hostNetwork: true", "SYS_ADMIN", "Unconfined", "allowPrivilegeEscalation: true"] {
        assert!(!text.contains(word), "{word}");
    }
    // The namespace admits the hostPath volume and warns against anything
    // beyond the restricted standard.
    let ns = documents().into_iter().find(|d| d["kind"] == "Namespace").unwrap();
    assert_eq!(ns["metadata"]["labels"]["pod-security.kubernetes.io/warn"], "restricted");
    assert_eq!(ds["metadata"]["namespace"], ns["metadata"]["name"]);
}
