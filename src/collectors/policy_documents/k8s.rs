//! Kubernetes manifests (cluster-admin bindings, wildcard RBAC, automounted
//! service-account tokens) and GitHub Actions workflow permissions.

use super::{finding, STATIC_POD_DIRS, WORKLOADS};
use crate::sources::yaml_tree::Node;
use serde_json::{Map, Value};

#[derive(Debug)]
struct Workload {
    path: String,
    line: usize,
    kind: String,
    name: String,
    namespace: Option<String>,
    account: String,
    /// `automountServiceAccountToken` of the pod spec, with its line.
    automount: Option<(bool, usize)>,
}

#[derive(Debug)]
struct Account {
    name: String,
    namespace: Option<String>,
    automount: Option<bool>,
}

#[derive(Default)]
pub(super) struct K8s {
    workloads: Vec<Workload>,
    accounts: Vec<Account>,
}

fn meta_name(doc: &Node) -> String {
    doc.path(&["metadata", "name"]).and_then(Node::str).unwrap_or("(unnamed)").to_string()
}

fn meta_ns(doc: &Node) -> Option<String> {
    doc.path(&["metadata", "namespace"]).and_then(Node::str).map(str::to_string)
}

pub(super) fn k8s_doc(path: &str, doc: &Node, k: &mut K8s, out: &mut Vec<Map<String, Value>>, depth: usize) -> usize {
    let kind = doc.get("kind").and_then(Node::str).unwrap_or("");
    if doc.get("apiVersion").and_then(Node::str).is_none() || kind.is_empty() {
        return 0;
    }
    if kind.ends_with("List") && depth < 4 {
        if let Some(Node::Seq { items, .. }) = doc.get("items") {
            return 1 + items.iter().map(|i| k8s_doc(path, i, k, out, depth + 1)).sum::<usize>();
        }
    }
    let name = meta_name(doc);
    match kind {
        "ClusterRoleBinding" | "RoleBinding" => binding(path, doc, kind, &name, out),
        "ClusterRole" | "Role" if !name.starts_with("system:") => rbac_rules(path, doc, kind, &name, out),
        "ServiceAccount" => k.accounts.push(Account {
            name,
            namespace: meta_ns(doc),
            automount: doc.get("automountServiceAccountToken").and_then(Node::bool),
        }),
        w if WORKLOADS.contains(&w) => {
            let spec_path: &[&str] = match w {
                "Pod" => &["spec"],
                "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
                _ => &["spec", "template", "spec"],
            };
            let (parent, last) = spec_path.split_at(spec_path.len() - 1);
            let Some(holder) = doc.path(parent) else { return 1 };
            let Some(spec @ Node::Map { .. }) = holder.get(last[0]) else { return 1 };
            if w == "Pod" && STATIC_POD_DIRS.iter().any(|d| path.starts_with(d)) {
                return 1;
            }
            let automount = spec
                .get("automountServiceAccountToken")
                .and_then(|n| n.bool().map(|b| (b, spec.key_line("automountServiceAccountToken").unwrap_or(n.line()))));
            let account = spec
                .get("serviceAccountName")
                .or_else(|| spec.get("serviceAccount"))
                .and_then(Node::str)
                .filter(|s| !s.is_empty())
                .unwrap_or("default")
                .to_string();
            k.workloads.push(Workload {
                path: path.to_string(),
                line: holder.key_line(last[0]).unwrap_or(spec.line()),
                kind: w.to_string(),
                name,
                namespace: meta_ns(doc),
                account,
                automount,
            });
        }
        _ => {}
    }
    1
}

fn binding(path: &str, doc: &Node, kind: &str, name: &str, out: &mut Vec<Map<String, Value>>) {
    let Some(role) = doc.get("roleRef") else { return };
    if role.get("name").and_then(Node::str) != Some("cluster-admin")
        || role.get("kind").and_then(Node::str).is_some_and(|k| k != "ClusterRole")
    {
        return;
    }
    let subjects: Vec<String> = match doc.get("subjects") {
        Some(Node::Seq { items, .. }) => items
            .iter()
            .filter_map(|s| {
                let n = s.get("name").and_then(Node::str)?;
                if n.starts_with("system:") {
                    return None;
                }
                let k = s.get("kind").and_then(Node::str).unwrap_or("subject");
                Some(match s.get("namespace").and_then(Node::str) {
                    Some(ns) => format!("{k} {ns}/{n}"),
                    None => format!("{k} {n}"),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    if subjects.is_empty() {
        return;
    }
    let line = role.key_line("name").unwrap_or(role.line());
    let list = subjects.join(", ");
    let mut m = finding(path, line, "k8s-cluster-admin-binding", format!("{kind} {name}: roleRef cluster-admin"));
    m.insert("what".into(), format!("{kind} {name} grants cluster-admin to {list}").into());
    m.insert("subjects".into(), subjects.into());
    m.insert("name".into(), name.into());
    out.push(m);
}

fn rbac_rules(path: &str, doc: &Node, kind: &str, name: &str, out: &mut Vec<Map<String, Value>>) {
    let Some(Node::Seq { items, .. }) = doc.get("rules") else { return };
    for rule in items {
        let star = |f: &str| rule.get(f).map(Node::strings).unwrap_or_default().into_iter().find(|(s, _)| *s == "*");
        let mut fields = Vec::new();
        let mut line = None;
        if let Some((_, l)) = star("verbs") {
            fields.push("verbs");
            line = line.or(Some(l));
        }
        if let Some((_, l)) = star("resources") {
            if star("apiGroups").is_some() {
                fields.push("apiGroups and resources");
            } else {
                fields.push("resources");
            }
            line = line.or(Some(l));
        }
        let Some(line) = line else { continue };
        let fields = fields.join(" and ");
        let mut m = finding(path, line, "k8s-wildcard-rbac", format!("{kind} {name}: \"*\" in {fields}"));
        m.insert("what".into(), format!("{kind} {name} has a rule with \"*\" in {fields}").into());
        m.insert("fields".into(), fields.into());
        m.insert("name".into(), name.into());
        out.push(m);
    }
}

pub(super) fn judge_automount(k: &K8s, out: &mut Vec<(String, Map<String, Value>)>) {
    for w in &k.workloads {
        let ns_match = |a: &Account| {
            a.name == w.account && (a.namespace.is_none() || w.namespace.is_none() || a.namespace == w.namespace)
        };
        let (line, why) = match w.automount {
            Some((false, _)) => continue,
            Some((true, l)) => (l, "the pod spec sets automountServiceAccountToken to true".to_string()),
            None => {
                if k.accounts.iter().any(|a| ns_match(a) && a.automount == Some(false)) {
                    continue;
                }
                let sa =
                    if k.accounts.iter().any(ns_match) { "is defined here" } else { "is not among the files read" };
                (w.line, format!("neither the pod spec nor the ServiceAccount, which {sa}, sets automountServiceAccountToken to false"))
            }
        };
        let ns = w.namespace.as_deref().map(|n| format!(" in namespace {n}")).unwrap_or_default();
        let detail = match w.automount {
            Some(_) => format!("{} {}: the pod spec asks for the service-account token", w.kind, w.name),
            None => format!("{} {} mounts the service-account token by default", w.kind, w.name),
        };
        let mut m = finding(&w.path, line, "k8s-automount-token", detail);
        m.insert(
            "what".into(),
            format!("{} {}{ns} mounts the API token of ServiceAccount {} ({why})", w.kind, w.name, w.account).into(),
        );
        m.insert("name".into(), w.name.clone().into());
        m.insert("service_account".into(), w.account.clone().into());
        out.push((w.path.clone(), m));
    }
}

// ---------------------------------------------------------------- workflows

pub(super) fn judge_workflow(path: &str, doc: &Node, out: &mut Vec<Map<String, Value>>) -> bool {
    let Some(jobs @ Node::Map { entries, .. }) = doc.get("jobs") else { return false };
    let write_all = |n: &Node| n.str().is_some_and(|s| s == "write-all");
    let top = doc.get("permissions");
    if let Some(p) = top.filter(|p| write_all(p)) {
        let mut m = finding(path, p.line(), "ci-workflow-permissions", "permissions: write-all");
        m.insert("what".into(), "the workflow gives its token write-all permissions".into());
        out.push(m);
    }
    let mut missing = Vec::new();
    for (job, _, body) in entries {
        match body.get("permissions") {
            Some(p) if write_all(p) => {
                let mut m =
                    finding(path, p.line(), "ci-workflow-permissions", format!("jobs.{job}.permissions: write-all"));
                m.insert("what".into(), format!("job {job} gives its token write-all permissions").into());
                out.push(m);
            }
            Some(_) => {}
            None => missing.push(job.clone()),
        }
    }
    if top.is_none() && !missing.is_empty() {
        let line = doc.key_line("jobs").unwrap_or(jobs.line());
        let list = missing.join(", ");
        let mut m = finding(path, line, "ci-workflow-permissions", format!("no permissions block (jobs: {list})"));
        m.insert(
            "what".into(),
            format!("no top-level `permissions` and job(s) {list} set none: the token gets the repository default")
                .into(),
        );
        out.push(m);
    }
    true
}
