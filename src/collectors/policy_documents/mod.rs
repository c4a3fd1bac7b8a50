//! `policy_documents`: token scopes written down in policy documents found
//! under application paths (profile parameter `app_paths`; default `/srv`,
//! `/opt`, `/var/www`, `/etc`, `/root`, `/home`).
//!
//! The walk does not follow symbolic links, stays on each start's
//! filesystem, skips hidden directories (except `.github/workflows`) and
//! the dependency, cache and sample trees of [`tree_walk::dependency_or_sample`],
//! stops at depth [`MAX_DEPTH`], after [`MAX_ENTRIES`] directory entries and
//! [`MAX_FILES`] files read, and passes over files larger than
//! [`MAX_BYTES`]. Only `*.yaml`, `*.yml`, `*.json` and `*.hcl` files are
//! read, and documents are recognised by content:
//! - Kubernetes manifests: YAML or JSON documents (several per file, `---`;
//!   `kind: List` items) with `apiVersion` and `kind`;
//! - AWS IAM policy documents: any mapping with a `Statement` (one statement
//!   or a list) whose statements carry `Effect`: a policy file, a
//!   CloudFormation `PolicyDocument`, or a policy embedded as a JSON string
//!   (Terraform JSON `policy`);
//! - GitHub Actions workflows: `.github/workflows/*.yml|yaml`;
//! - HashiCorp Vault policies: `path "…" { capabilities = [...] }` blocks in
//!   HCL (comments `#`, `//`, `/* */`; the deprecated `policy = "sudo"`
//!   too), or the JSON form `{"path": {"…": {"capabilities": [...]}}}`.
//!
//! Facts: `{exists, files, documents {k8s, iam, workflow, vault}, findings,
//! unparsed, unreadable, truncated}`. A finding is `{path, line, detail,
//! concern, family, …}` where `concern` is the check it fails
//! (`k8s-cluster-admin-binding`, `k8s-wildcard-rbac`, `k8s-automount-token`,
//! `iam-wildcard-policy`, `iam-passrole-wildcard`, `ci-workflow-permissions`,
//! `vault-sudo-wildcard`) and `line` the line of the offending key or value.

mod iam;
mod k8s;
mod vault;

use crate::sources::tree_walk::{self, Bounds, Entry};
use crate::sources::yaml_tree::documents as yaml_documents;
use crate::sources::{item, Reader};
use crate::target::{FileType, ReadError};
use iam::iam_walk;
use k8s::{judge_automount, judge_workflow, k8s_doc, K8s};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};
use vault::{judge_vault, vault_hcl, vault_json};

/// Directory levels below a start.
pub const MAX_DEPTH: usize = crate::limits::POLICY_WALK.depth;
/// Directory entries visited per scan.
pub const MAX_ENTRIES: usize = crate::limits::POLICY_WALK.entries;
/// Candidate files read per scan.
pub const MAX_FILES: usize = crate::limits::POLICY_WALK.files;
/// Larger files are not read.
pub const MAX_BYTES: u64 = crate::limits::POLICY_BYTES;
/// Where the kubelet reads static pods by default: they get no
/// service-account token (a static pod cannot refer to a ServiceAccount).
const STATIC_POD_DIRS: &[&str] = &["/etc/kubernetes/manifests/"];

const WORKLOADS: &[&str] =
    &["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"];

/// The document family a concern belongs to.
/// The document family a concern belongs to.
pub fn family_of(concern: &str) -> &'static str {
    match concern.split('-').next().unwrap_or("") {
        "k8s" => "k8s",
        "iam" => "iam",
        "ci" => "workflow",
        "vault" => "vault",
        _ => "",
    }
}

// ---------------------------------------------------------------- walk

pub(super) fn finding(path: &str, line: usize, concern: &str, detail: impl Into<String>) -> Map<String, Value> {
    let mut m = item(Some(path), Some(line), detail);
    m.insert("concern".into(), concern.into());
    m.insert("family".into(), family_of(concern).into());
    m
}

fn ext(name: &str) -> Option<String> {
    name.rsplit_once('.').filter(|(s, _)| !s.is_empty()).map(|(_, e)| e.to_ascii_lowercase())
}

/// The families a file may hold, by its path.
fn candidate(path: &str, name: &str) -> Option<&'static [&'static str]> {
    let e = ext(name)?;
    // GitHub reads the workflows directory itself, not its subdirectories.
    let parent = path.strip_suffix(name).unwrap_or("");
    if parent.ends_with("/.github/workflows/") && matches!(e.as_str(), "yml" | "yaml") {
        return Some(&["workflow"]);
    }
    match e.as_str() {
        "yml" | "yaml" => Some(&["k8s", "iam"]),
        "json" => Some(&["k8s", "iam", "vault"]),
        "hcl" => Some(&["vault"]),
        _ => None,
    }
}

/// A candidate file that could not be read: listed in the report's skipped
/// paths, and it makes the checks of its families skip.
fn unreadable(scan: &Reader, list: &mut Vec<(ReadError, Vec<&'static str>)>, e: &ReadError, families: &[&'static str]) {
    if e.is_not_found() {
        return;
    }
    scan.note_unreadable(e);
    list.push((e.clone(), families.to_vec()));
}

/// Which directories the walk enters: not hidden ones (but `.github` and
/// its `workflows`), nor dependency, cache and sample trees.
fn enter(e: &Entry) -> bool {
    if e.dir.ends_with("/.github") {
        e.name == "workflows"
    } else if e.name.starts_with('.') {
        e.name == ".github"
    } else {
        !tree_walk::dependency_or_sample(e.name)
    }
}

/// What the search found.
#[derive(Debug, Default)]
pub struct Documents {
    /// Files that hold a recognised document.
    pub files: Vec<String>,
    /// Documents per family (`k8s`, `iam`, `workflow`, `vault`).
    pub documents: Map<String, Value>,
    /// Finding items (`concern`, `family`, `what`, `path`, `line`, `detail`…).
    pub findings: Vec<Map<String, Value>>,
    /// Documents with a syntax error: `{path, line, message, families}`.
    pub unparsed: Vec<Value>,
    /// Candidates that could not be read, with the families they may hold.
    pub unreadable_files: Vec<(ReadError, Vec<&'static str>)>,
    pub truncated: bool,
}

impl Documents {
    /// Everything that could not be read.
    pub fn unreadable(&self) -> Vec<ReadError> {
        self.unreadable_files.iter().map(|(e, _)| e.clone()).collect()
    }

    /// The `policy_documents` facts.
    pub fn facts(&self) -> Value {
        json!({
            "exists": !self.files.is_empty(),
            "files": self.files,
            "documents": self.documents,
            "findings": self.findings,
            "unparsed": self.unparsed,
            "truncated": self.truncated,
        })
    }
}

/// Read and judge every policy document under `paths`.
pub fn collect(scan: &Reader, paths: &[String]) -> Documents {
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let paths = paths.as_slice();
    let bounds = Bounds { depth: MAX_DEPTH, entries: MAX_ENTRIES, files: MAX_FILES };
    let walked = tree_walk::walk(scan, paths, bounds, |e| match e.kind {
        FileType::Dir => enter(e),
        FileType::File => !e.dir.ends_with("/.github") && candidate(e.path, e.name).is_some(),
        _ => false,
    });
    let mut seen = BTreeSet::new();
    let mut unreadable_files = Vec::new();
    let mut findings: Vec<Map<String, Value>> = Vec::new();
    let mut docs: HashMap<&str, usize> = HashMap::new();
    let mut files = Vec::new();
    let mut unparsed = Vec::new();
    let mut k8s = K8s::default();
    // Findings are grouped by file in walk order; the automount judgement
    // needs every ServiceAccount first, so its findings are slotted in after.
    let mut per_file: Vec<(String, Vec<Map<String, Value>>)> = Vec::new();
    for (path, meta) in walked.files {
        let name = path.rsplit('/').next().unwrap_or("").to_string();
        let Some(families) = candidate(&path, &name) else { continue };
        if meta.size > MAX_BYTES || !seen.insert(path.clone()) {
            continue;
        }
        let f = match scan.target.read_text(&path) {
            Ok(f) => f,
            Err(e) => {
                unreadable(scan, &mut unreadable_files, &e, families);
                continue;
            }
        };
        let mut out = Vec::new();
        let mut found: Vec<&'static str> = Vec::new();
        let text = &f.text;
        if families == ["vault"] {
            let rules = vault_hcl(text);
            if !rules.is_empty() {
                judge_vault(&path, &rules, &mut out);
                found.push("vault");
            }
        } else {
            let looks = families == ["workflow"]
                || text.contains("apiVersion")
                || text.contains("Statement")
                || (families.contains(&"vault") && text.contains("capabilities"));
            if !looks {
                continue;
            }
            let (parsed, error) = yaml_documents(text);
            if let Some((line, message)) = error {
                // A templated file (Helm, Jinja) is not a document yet.
                if !text.contains("{{") && !text.contains("{%") {
                    unparsed.push(json!({"path": path, "line": line, "message": message, "families": families}));
                }
            }
            for doc in &parsed {
                if families == ["workflow"] {
                    if judge_workflow(&path, doc, &mut out) {
                        found.push("workflow");
                    }
                    continue;
                }
                if k8s_doc(&path, doc, &mut k8s, &mut out, 0) > 0 {
                    found.push("k8s");
                }
                if iam_walk(&path, doc, 0, &mut out) > 0 {
                    found.push("iam");
                }
                if families.contains(&"vault") {
                    if let Some(rules) = vault_json(doc) {
                        judge_vault(&path, &rules, &mut out);
                        found.push("vault");
                    }
                }
            }
        }
        for fam in &found {
            *docs.entry(fam).or_default() += 1;
        }
        if !found.is_empty() {
            files.push(path.clone());
        }
        per_file.push((path, out));
    }
    let mut automount = Vec::new();
    judge_automount(&k8s, &mut automount);
    for (path, mut list) in per_file {
        // Keep each file's findings in line order, automount ones included.
        list.extend(automount.iter().filter(|(p, _)| *p == path).map(|(_, m)| m.clone()));
        list.sort_by_key(|m| m["line"].as_u64().unwrap_or(0));
        findings.extend(list);
    }
    let documents: Map<String, Value> = ["k8s", "iam", "workflow", "vault"]
        .iter()
        .map(|f| (f.to_string(), docs.get(f).copied().unwrap_or(0).into()))
        .collect();
    Documents { files, documents, findings, unparsed, unreadable_files, truncated: walked.truncated }
}

#[cfg(test)]
mod tests {
    use super::iam::action_matches;
    use super::vault::*;
    use super::*;

    fn concerns(text: &str, path: &str) -> Vec<(String, u64, String)> {
        let mut out = Vec::new();
        let mut k = K8s::default();
        let (docs, _) = yaml_documents(text);
        for d in &docs {
            k8s_doc(path, d, &mut k, &mut out, 0);
            iam_walk(path, d, 0, &mut out);
        }
        let mut am = Vec::new();
        judge_automount(&k, &mut am);
        out.extend(am.into_iter().map(|(_, m)| m));
        out.iter()
            .map(|m| {
                (
                    m["concern"].as_str().unwrap().to_string(),
                    m["line"].as_u64().unwrap(),
                    m["what"].as_str().unwrap().into(),
                )
            })
            .collect()
    }

    #[test]
    fn yaml_lines_and_multi_documents() {
        let (docs, err) = yaml_documents("a: 1\n---\nb:\n  - x\n  - y\n---\n{\"c\": [1,\n 2]}\n");
        assert!(err.is_none());
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0].key_line("a"), Some(1));
        assert_eq!(docs[1].get("b").unwrap().strings(), vec![("x", 4), ("y", 5)]);
        assert_eq!(docs[2].get("c").unwrap().strings()[1].1, 8);
    }

    #[test]
    fn kubernetes() {
        let text = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: ops\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n- kind: Group\n  name: system:masters\n- kind: ServiceAccount\n  name: ci\n  namespace: tools\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: wide\nrules:\n- apiGroups: [\"*\"]\n  resources: [\"*\"]\n  verbs: [get]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: system:thing\nrules:\n- verbs: [\"*\"]\n";
        let got = concerns(text, "/srv/x.yaml");
        assert_eq!(got[0].0, "k8s-cluster-admin-binding");
        assert_eq!(got[0].1, 8);
        assert!(got[0].2.contains("ServiceAccount tools/ci") && !got[0].2.contains("masters"), "{got:?}");
        assert_eq!((got[1].0.as_str(), got[1].1), ("k8s-wildcard-rbac", 22));
        assert!(got[1].2.contains("apiGroups and resources"));
        assert_eq!(got.len(), 2, "{got:?}");
    }

    #[test]
    fn automount() {
        let sa =
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\nautomountServiceAccountToken: false\n---\n";
        let dep = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      serviceAccountName: web\n";
        assert!(concerns(&format!("{sa}{dep}"), "/srv/a.yaml").is_empty());
        let got = concerns(dep, "/srv/a.yaml");
        assert_eq!((got[0].0.as_str(), got[0].1), ("k8s-automount-token", 7));
        let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  automountServiceAccountToken: true\n";
        assert_eq!(concerns(&format!("{sa}{pod}"), "/srv/a.yaml")[0].1, 12);
        assert!(concerns(pod, "/etc/kubernetes/manifests/p.yaml").is_empty(), "static pods get no token");
    }

    #[test]
    fn iam() {
        let p = r#"{"Version": "2012-10-17", "Statement": [
 {"Effect": "Allow", "Action": ["s3:GetObject", "*"], "Resource": "*"},
 {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
 {"Effect": "Deny", "Action": "*", "Resource": "*"},
 {"Effect": "Allow", "Action": "IAM:Pass*", "Resource": "*"},
 {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::1:role/x"}]}"#;
        let got = concerns(p, "/srv/p.json");
        let want = [("iam-wildcard-policy", 2), ("iam-wildcard-policy", 3), ("iam-passrole-wildcard", 5)];
        assert_eq!(got.iter().map(|(c, l, _)| (c.as_str(), *l)).collect::<Vec<_>>(), want);
        // A policy in a JSON string (Terraform JSON), single statement object.
        let tf = "{\"resource\": {\"aws_iam_policy\": {\"a\": {\n\"policy\": \"{\\\"Statement\\\": {\\\"Effect\\\": \\\"Allow\\\", \\\"Action\\\": \\\"*\\\", \\\"Resource\\\": \\\"*\\\"}}\"}}}}";
        let got = concerns(tf, "/srv/main.tf.json");
        assert_eq!(got.iter().map(|(c, l, _)| (c.as_str(), *l)).collect::<Vec<_>>(), [("iam-wildcard-policy", 2)]);
        assert!(action_matches("iam:*", "iam:PassRole") && action_matches("*Role", "iam:PassRole"));
        assert!(!action_matches("iam:Get*", "iam:PassRole") && !action_matches("iam:PassRoles", "iam:PassRole"));
    }

    #[test]
    fn workflows() {
        let mut out = Vec::new();
        let (d, _) = yaml_documents("on: push\njobs:\n  a:\n    runs-on: x\n  b:\n    permissions: write-all\n");
        judge_workflow("/w.yml", &d[0], &mut out);
        let got: Vec<_> = out.iter().map(|m| (m["line"].as_u64().unwrap(), m["what"].as_str().unwrap())).collect();
        assert_eq!(got[0].0, 6);
        assert_eq!(got[1].0, 2);
        assert!(got[1].1.contains("job(s) a set"), "{got:?}");
        out.clear();
        let (d, _) = yaml_documents("on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n");
        assert!(judge_workflow("/w.yml", &d[0], &mut out) && out.is_empty());
    }

    #[test]
    fn vault() {
        let hcl = "# c\npath \"sys/*\" {\n  capabilities = [\"read\", \"sudo\"] // x\n}\n/* path \"*\" { capabilities = [\"sudo\"] } */\npath \"secret/data/app\" { capabilities = [\"sudo\"] }\npath \"*\" {\n  policy = \"write\"\n}\npath \"+/*\" { capabilities = [\"sudo\", \"deny\"] }\n";
        let rules = vault_hcl(hcl);
        assert_eq!(
            rules.iter().map(|r| (r.path.as_str(), r.line)).collect::<Vec<_>>(),
            [("sys/*", 2), ("secret/data/app", 6), ("*", 7), ("+/*", 10)]
        );
        let mut out = Vec::new();
        judge_vault("/etc/vault/p.hcl", &rules, &mut out);
        assert_eq!(out.iter().map(|m| m["line"].as_u64().unwrap()).collect::<Vec<_>>(), [2, 7]);
        let (d, _) =
            yaml_documents("{\"path\": {\n\"*\": {\"capabilities\": [\"create\", \"update\", \"delete\", \"sudo\"]}}}");
        assert_eq!(vault_json(&d[0]).unwrap()[0].line, 2);
        assert!(root_glob("*") && root_glob("+/*") && root_glob("sys/*") && !root_glob("sys/policy/*"));
    }

    #[test]
    fn messages_survive_masking() {
        let mut texts = Vec::new();
        let dep = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec: {}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  automountServiceAccountToken: true\n";
        let (docs, _) = yaml_documents(dep);
        let mut k = K8s::default();
        let mut out = Vec::new();
        for d in &docs {
            k8s_doc("/srv/a.yaml", d, &mut k, &mut out, 0);
        }
        let mut am = Vec::new();
        judge_automount(&k, &mut am);
        out.extend(am.into_iter().map(|(_, m)| m));
        let (d, _) =
            yaml_documents("on: push\npermissions: write-all\njobs:\n  a:\n    permissions: write-all\n  b: {}\n");
        judge_workflow("/w.yml", &d[0], &mut out);
        let (d, _) = yaml_documents("on: push\njobs:\n  a: {}\n");
        judge_workflow("/w.yml", &d[0], &mut out);
        assert_eq!(out.len(), 5);
        for m in &out {
            texts.push(m["what"].as_str().unwrap().to_string());
            texts.push(m["detail"].as_str().unwrap().to_string());
        }
        for t in texts {
            assert_eq!(crate::redact::mask(&t), t);
        }
    }

    #[test]
    fn json_with_tabs_and_crlf() {
        let (docs, err) = yaml_documents("{\r\n\t\"Statement\": {\r\n\t\t\"Effect\": \"Allow\",\r\n\t\t\"Action\": \"*\",\r\n\t\t\"Resource\": \"*\"}}\r\n");
        assert!(err.is_none(), "{err:?}");
        let mut out = Vec::new();
        assert_eq!(iam_walk("/p.json", &docs[0], 0, &mut out), 1);
        assert_eq!(out[0]["line"], 4);
    }

    #[test]
    fn walk_stays_inside_the_root_and_skips_what_it_should() {
        use crate::target::FsTarget;
        use std::sync::Arc;
        let admin = "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}}";
        let t = tempfile::tempdir().unwrap();
        let (root, outside) = (t.path().join("root"), t.path().join("outside"));
        for d in ["srv/app/node_modules/x", "srv/app/.git", "srv/app/.github/workflows/sub", "srv/app/ok"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("p.json"), admin).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("srv/linked-dir")).unwrap();
        std::os::unix::fs::symlink(outside.join("p.json"), root.join("srv/linked.json")).unwrap();
        std::os::unix::fs::symlink("../../../../../outside/p.json", root.join("srv/app/ok/rel.json")).unwrap();
        std::fs::write(root.join("srv/app/node_modules/x/p.json"), admin).unwrap();
        std::fs::write(root.join("srv/app/.git/p.json"), admin).unwrap();
        std::fs::write(root.join("srv/app/.github/workflows/sub/w.yml"), "on: push\njobs:\n  a: {}\n").unwrap();
        std::fs::write(root.join("srv/app/ok/p.json"), admin).unwrap();
        let scan = crate::sources::Reader::new(Arc::new(FsTarget::root(&root).unwrap()));
        let v = collect(&scan, &["/srv".to_string()]).facts();
        let paths: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
        assert_eq!(paths, ["/srv/app/ok/p.json"], "{v}");
        assert_eq!(v["documents"]["workflow"], 0);
    }

    #[test]
    fn garbage_never_panics() {
        for g in [
            "",
            "\"",
            "{",
            "}}}",
            "path",
            "path \"",
            "path \"x\" {",
            "path \"x\" { capabilities = [",
            "path \"x\" = { policy = }",
            "/*",
            "a: [",
            "- - - -",
            "&a [*a, *a]",
            "apiVersion: v1\nkind: List\nitems: 3",
            "apiVersion: v1\nkind: Deployment\nspec: 1",
            "apiVersion: v1\nkind: CronJob\nspec:\n  jobTemplate: []",
            "apiVersion: v1\nkind: RoleBinding\nroleRef: x\nsubjects: {}",
            "apiVersion: v1\nkind: Role\nrules: [1, [2], {verbs: 3}]",
            "Statement: [{Effect: Allow, Resource: [[\"*\"]], Action: {a: b}}]",
            "Statement: {Effect: Allow, Resource: '*', NotAction: []}",
            "x: '{ \"Statement\": '",
            "jobs: [1]",
            "jobs:\n  a: 1\npermissions: [write-all]",
            "path: {a: 1, b: [1], c: {capabilities: 3}}",
            "\u{0}\u{feff}ü",
            &"[".repeat(10_000),
            &"{a: ".repeat(5_000),
        ] {
            let _ = concerns(g, "/srv/g.yaml");
            let mut out = Vec::new();
            for d in yaml_documents(g).0 {
                judge_workflow("/g.yml", &d, &mut out);
                if let Some(r) = vault_json(&d) {
                    judge_vault("/g.json", &r, &mut out);
                }
            }
            judge_vault("/g.hcl", &vault_hcl(g), &mut out);
        }
        assert!(!action_matches("", "iam:PassRole"));
        assert!(action_matches("**", ""));
    }
}
