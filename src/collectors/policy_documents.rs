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

use crate::sources::tree_walk::{self, Bounds, Entry};
use crate::sources::{item, Reader};
use crate::target::{FileType, ReadError};
use serde_json::{json, Map, Value};
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};
use std::collections::{BTreeSet, HashMap};

/// Directory levels below a start.
pub const MAX_DEPTH: usize = crate::limits::POLICY_WALK.depth;
/// Directory entries visited per scan.
pub const MAX_ENTRIES: usize = crate::limits::POLICY_WALK.entries;
/// Candidate files read per scan.
pub const MAX_FILES: usize = crate::limits::POLICY_WALK.files;
/// Larger files are not read.
pub const MAX_BYTES: u64 = crate::limits::POLICY_BYTES;
/// Most YAML nodes one file may expand to (aliases included).
const MAX_NODES: usize = crate::limits::POLICY_NODES;
/// Deepest YAML nesting accepted.
const MAX_NESTING: usize = crate::limits::POLICY_NESTING;
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

// ---------------------------------------------------------------- YAML tree

/// A YAML (or JSON) node with the line it starts on.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Scalar {
        text: String,
        plain: bool,
        line: usize,
    },
    Seq {
        items: Vec<Node>,
        line: usize,
    },
    /// Entries: key, the key's line, value.
    Map {
        entries: Vec<(String, usize, Node)>,
        line: usize,
    },
}

impl Node {
    fn line(&self) -> usize {
        match self {
            Node::Scalar { line, .. } | Node::Seq { line, .. } | Node::Map { line, .. } => *line,
        }
    }

    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map { entries, .. } => entries.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            _ => None,
        }
    }

    /// The line of `key` in a mapping.
    fn key_line(&self, key: &str) -> Option<usize> {
        match self {
            Node::Map { entries, .. } => entries.iter().find(|(k, _, _)| k == key).map(|(_, l, _)| *l),
            _ => None,
        }
    }

    fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    fn str(&self) -> Option<&str> {
        match self {
            Node::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// A scalar or a list of scalars, with their lines.
    fn strings(&self) -> Vec<(&str, usize)> {
        match self {
            Node::Scalar { text, line, .. } => vec![(text.as_str(), *line)],
            Node::Seq { items, .. } => items
                .iter()
                .filter_map(|i| match i {
                    Node::Scalar { text, line, .. } => Some((text.as_str(), *line)),
                    _ => None,
                })
                .collect(),
            Node::Map { .. } => Vec::new(),
        }
    }

    /// A YAML 1.2 boolean (plain `true`/`false`; JSON's too).
    fn bool(&self) -> Option<bool> {
        match self {
            Node::Scalar { text, plain: true, .. } => match text.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    fn count(&self) -> usize {
        match self {
            Node::Scalar { .. } => 1,
            Node::Seq { items, .. } => 1 + items.iter().map(Node::count).sum::<usize>(),
            Node::Map { entries, .. } => 1 + entries.iter().map(|(_, _, v)| v.count()).sum::<usize>(),
        }
    }

    fn relined(self, line: usize) -> Node {
        match self {
            Node::Scalar { text, plain, .. } => Node::Scalar { text, plain, line },
            Node::Seq { items, .. } => Node::Seq { items: items.into_iter().map(|i| i.relined(line)).collect(), line },
            Node::Map { entries, .. } => {
                Node::Map { entries: entries.into_iter().map(|(k, _, v)| (k, line, v.relined(line))).collect(), line }
            }
        }
    }
}

/// Every document of a YAML (or JSON) text, each with its lines; the
/// documents completed before a syntax error are kept, and the error is
/// returned with its line.
pub(crate) fn yaml_documents(text: &str) -> (Vec<Node>, Option<(usize, String)>) {
    enum Frame {
        Seq(Vec<Node>, usize, usize),
        Map(Vec<(String, usize, Node)>, Option<(String, usize)>, usize, usize),
    }
    fn attach(stack: &mut [Frame], n: Node) -> Option<Node> {
        match stack.last_mut() {
            None => Some(n),
            Some(Frame::Seq(items, _, _)) => {
                items.push(n);
                None
            }
            Some(Frame::Map(entries, pending, _, _)) => {
                match pending.take() {
                    None => {
                        let key = match &n {
                            Node::Scalar { text, .. } => text.clone(),
                            other => format!("<{} key>", if matches!(other, Node::Map { .. }) { "map" } else { "seq" }),
                        };
                        *pending = Some((key, n.line()));
                    }
                    Some((k, l)) => entries.push((k, l, n)),
                }
                None
            }
        }
    }
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut nodes = 0usize;
    for ev in Parser::new_from_str(text) {
        let (ev, span) = match ev {
            Ok(x) => x,
            Err(e) => return (docs, Some((e.marker().line(), e.info().to_string()))),
        };
        let line = span.start.line();
        nodes += 1;
        if nodes > MAX_NODES {
            return (docs, Some((line, "document too large (node limit)".into())));
        }
        let done = match ev {
            Event::DocumentStart(..) => {
                stack.clear();
                anchors.clear();
                None
            }
            Event::Scalar(v, style, anchor, _) => {
                let n = Node::Scalar { text: v.to_string(), plain: style == ScalarStyle::Plain, line };
                if anchor > 0 {
                    anchors.insert(anchor, n.clone());
                }
                attach(&mut stack, n)
            }
            Event::Alias(id) => {
                let n = anchors.get(&id).cloned().unwrap_or(Node::Scalar { text: String::new(), plain: true, line });
                nodes += n.count();
                if nodes > MAX_NODES {
                    return (docs, Some((line, "aliases expand beyond the node limit".into())));
                }
                attach(&mut stack, n)
            }
            Event::SequenceStart(_, anchor, _) => {
                if stack.len() >= MAX_NESTING {
                    return (docs, Some((line, "nesting too deep".into())));
                }
                stack.push(Frame::Seq(Vec::new(), anchor, line));
                None
            }
            Event::MappingStart(_, anchor, _) => {
                if stack.len() >= MAX_NESTING {
                    return (docs, Some((line, "nesting too deep".into())));
                }
                stack.push(Frame::Map(Vec::new(), None, anchor, line));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (n, anchor) = match stack.pop() {
                    Some(Frame::Seq(items, a, l)) => (Node::Seq { items, line: l }, a),
                    Some(Frame::Map(entries, _, a, l)) => (Node::Map { entries, line: l }, a),
                    None => continue,
                };
                if anchor > 0 {
                    anchors.insert(anchor, n.clone());
                }
                attach(&mut stack, n)
            }
            _ => None,
        };
        if let Some(root) = done {
            docs.push(root);
        }
    }
    (docs, None)
}

// ---------------------------------------------------------------- HCL

#[derive(Debug, PartialEq)]
enum Tok {
    Str(String),
    Ident(String),
    Punct(char),
}

/// Tokens of an HCL text with their lines: strings (with `\` escapes),
/// identifiers and punctuation; `#`, `//` and `/* */` comments dropped.
fn hcl_tokens(text: &str) -> Vec<(Tok, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0usize, 1usize);
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '#' || (c == '/' && next == Some('/')) {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                if chars[i] == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 2;
        } else if c == '"' {
            let start = line;
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\n' {
                    // HCL strings do not span lines: end it here.
                    break;
                }
                if chars[i] == '\\' && i + 1 < chars.len() && chars[i + 1] != '\n' {
                    s.push(chars[i + 1]);
                    i += 2;
                    continue;
                }
                s.push(chars[i]);
                i += 1;
            }
            if chars.get(i) == Some(&'"') {
                i += 1;
            }
            out.push((Tok::Str(s), start));
        } else if c.is_alphanumeric() || c == '_' || c == '-' || c == '.' {
            let mut s = String::new();
            while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '-' | '.')) {
                s.push(chars[i]);
                i += 1;
            }
            out.push((Tok::Ident(s), line));
        } else {
            out.push((Tok::Punct(c), line));
            i += 1;
        }
    }
    out
}

/// One `path` rule of a Vault policy.
#[derive(Debug, PartialEq)]
pub(crate) struct VaultRule {
    pub path: String,
    pub line: usize,
    pub capabilities: Vec<String>,
}

/// The deprecated `policy = "…"` shorthand, as capabilities.
fn legacy_policy(p: &str) -> Vec<String> {
    let caps: &[&str] = match p.to_ascii_lowercase().as_str() {
        "deny" => &["deny"],
        "read" => &["read", "list"],
        "write" => &["create", "read", "update", "delete", "list"],
        "sudo" => &["create", "read", "update", "delete", "list", "sudo"],
        _ => &[],
    };
    caps.iter().map(|s| s.to_string()).collect()
}

/// The `path "…" { … }` blocks of an HCL Vault policy.
pub(crate) fn vault_hcl(text: &str) -> Vec<VaultRule> {
    let toks = hcl_tokens(text);
    let mut rules = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        match &toks[i].0 {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => depth = depth.saturating_sub(1),
            Tok::Ident(id) if depth == 0 && id == "path" => {
                if let Some((Tok::Str(p), line)) = toks.get(i + 1) {
                    let mut j = i + 2;
                    if toks.get(j).map(|t| &t.0) == Some(&Tok::Punct('=')) {
                        j += 1;
                    }
                    if toks.get(j).map(|t| &t.0) == Some(&Tok::Punct('{')) {
                        let mut rule = VaultRule { path: p.clone(), line: *line, capabilities: Vec::new() };
                        let mut d = 1usize;
                        j += 1;
                        while j < toks.len() && d > 0 {
                            match &toks[j].0 {
                                Tok::Punct('{') => d += 1,
                                Tok::Punct('}') => d -= 1,
                                Tok::Ident(k)
                                    if d == 1
                                        && k == "capabilities"
                                        && toks.get(j + 1).map(|t| &t.0) == Some(&Tok::Punct('='))
                                        && toks.get(j + 2).map(|t| &t.0) == Some(&Tok::Punct('[')) =>
                                {
                                    j += 3;
                                    while j < toks.len() && toks[j].0 != Tok::Punct(']') {
                                        if let Tok::Str(s) = &toks[j].0 {
                                            rule.capabilities.push(s.to_ascii_lowercase());
                                        }
                                        j += 1;
                                    }
                                }
                                Tok::Ident(k) if d == 1 && k == "policy" => {
                                    if let (Some((Tok::Punct('='), _)), Some((Tok::Str(s), _))) =
                                        (toks.get(j + 1), toks.get(j + 2))
                                    {
                                        rule.capabilities.extend(legacy_policy(s));
                                        j += 2;
                                    }
                                }
                                _ => {}
                            }
                            j += 1;
                        }
                        rules.push(rule);
                        i = j;
                        continue;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    rules
}

/// The JSON form of a Vault policy: `{"path": {"P": {"capabilities": [..]}}}`
/// (or a list of such maps).
fn vault_json(doc: &Node) -> Option<Vec<VaultRule>> {
    let paths = doc.get("path")?;
    let maps: Vec<&Node> = match paths {
        Node::Map { .. } => vec![paths],
        Node::Seq { items, .. } => items.iter().collect(),
        _ => return None,
    };
    let mut rules = Vec::new();
    for m in maps {
        let Node::Map { entries, .. } = m else { continue };
        for (p, line, body) in entries {
            let mut caps: Vec<String> = Vec::new();
            let bodies: Vec<&Node> = match body {
                Node::Seq { items, .. } => items.iter().collect(),
                other => vec![other],
            };
            let mut known = false;
            for b in bodies {
                if let Some(c) = b.get("capabilities") {
                    known = true;
                    caps.extend(c.strings().iter().map(|(s, _)| s.to_ascii_lowercase()));
                }
                if let Some(s) = b.get("policy").and_then(Node::str) {
                    known = true;
                    caps.extend(legacy_policy(s));
                }
            }
            if known {
                rules.push(VaultRule { path: p.clone(), line: *line, capabilities: caps });
            }
        }
    }
    (!rules.is_empty()).then_some(rules)
}

/// A glob at the root of Vault's path tree: `*`, `+/*`, `sys/*`, `sys*`.
fn root_glob(p: &str) -> bool {
    p.strip_suffix('*').is_some_and(|pre| !pre.trim_end_matches('/').contains('/'))
}

fn judge_vault(path: &str, rules: &[VaultRule], out: &mut Vec<Map<String, Value>>) {
    for r in rules {
        let has = |c: &str| r.capabilities.iter().any(|x| x == c);
        if has("deny") {
            continue;
        }
        let caps = r.capabilities.join(", ");
        let why = if root_glob(&r.path) && has("sudo") {
            format!("grants sudo on `{}`", r.path)
        } else if matches!(r.path.as_str(), "*" | "+/*") && has("create") && has("update") && has("delete") {
            format!("grants create, update and delete on every path (`{}`)", r.path)
        } else {
            continue;
        };
        let mut m = finding(path, r.line, "vault-sudo-wildcard", format!("path \"{}\" capabilities [{caps}]", r.path));
        m.insert("vault_path".into(), r.path.clone().into());
        m.insert("capabilities".into(), r.capabilities.clone().into());
        m.insert("what".into(), format!("Vault policy {why} (capabilities {caps})").into());
        out.push(m);
    }
}

// ---------------------------------------------------------------- IAM

/// Whether an IAM action pattern (case-insensitive, `*` and `?`) matches `action`.
fn action_matches(pattern: &str, action: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let a: Vec<char> = action.to_ascii_lowercase().chars().collect();
    // Iterative glob with backtracking to the last `*`: linear in practice.
    let (mut pi, mut ai, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while ai < a.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == a[ai]) {
            pi += 1;
            ai += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            pi += 1;
            mark = ai;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ai = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn statements(s: &Node) -> Vec<&Node> {
    match s {
        Node::Map { .. } => vec![s],
        Node::Seq { items, .. } => items.iter().filter(|i| matches!(i, Node::Map { .. })).collect(),
        Node::Scalar { .. } => Vec::new(),
    }
}

fn is_policy(m: &Node) -> bool {
    m.get("Statement").is_some_and(|s| statements(s).iter().any(|st| st.get("Effect").is_some()))
}

/// Find IAM policy documents anywhere in a tree (also JSON strings holding
/// one) and judge their statements. Returns how many were found.
fn iam_walk(path: &str, n: &Node, depth: usize, out: &mut Vec<Map<String, Value>>) -> usize {
    iam_nodes(path, n, depth, false, out)
}

fn iam_nodes(path: &str, n: &Node, depth: usize, in_string: bool, out: &mut Vec<Map<String, Value>>) -> usize {
    if depth > MAX_NESTING {
        return 0;
    }
    match n {
        Node::Map { entries, .. } => {
            if is_policy(n) {
                judge_iam(path, n, out);
                return 1;
            }
            entries.iter().map(|(_, _, v)| iam_nodes(path, v, depth + 1, in_string, out)).sum()
        }
        Node::Seq { items, .. } => items.iter().map(|v| iam_nodes(path, v, depth + 1, in_string, out)).sum(),
        Node::Scalar { text, line, .. } => {
            let t = text.trim_start();
            // A policy held in a JSON string (Terraform JSON `policy`), one level only.
            if in_string || !t.starts_with('{') || !t.contains("Statement") {
                return 0;
            }
            let (docs, _) = yaml_documents(t);
            docs.into_iter().map(|d| iam_nodes(path, &d.relined(*line), depth + 1, true, out)).sum()
        }
    }
}

fn judge_iam(path: &str, doc: &Node, out: &mut Vec<Map<String, Value>>) {
    let Some(st) = doc.get("Statement") else { return };
    for s in statements(st) {
        if !s.get("Effect").and_then(Node::str).is_some_and(|e| e.eq_ignore_ascii_case("allow")) {
            continue;
        }
        let resources: Vec<(&str, usize)> = s.get("Resource").map(Node::strings).unwrap_or_default();
        let not_resource = s.get("NotResource").is_some();
        if !(not_resource || resources.iter().any(|(r, _)| *r == "*")) {
            continue;
        }
        let on = if not_resource { "every resource but those in NotResource" } else { "Resource \"*\"" };
        let sid = s.get("Sid").and_then(Node::str).map(|s| format!("statement {s:?}")).unwrap_or("a statement".into());
        let actions: Vec<(&str, usize)> = s.get("Action").map(Node::strings).unwrap_or_default();
        let cond = if s.get("Condition").is_some() { " (under a Condition)" } else { "" };
        if let Some((_, line)) = actions.iter().find(|(a, _)| matches!(*a, "*" | "*:*")) {
            let mut m = finding(path, *line, "iam-wildcard-policy", format!("\"Action\": \"*\" on {on}"));
            m.insert("what".into(), format!("{sid} allows every action on {on}{cond}").into());
            out.push(m);
        } else if let Some(na) = s.get("NotAction") {
            let line = s.key_line("NotAction").unwrap_or(na.line());
            let mut m = finding(path, line, "iam-wildcard-policy", format!("\"NotAction\" with Allow on {on}"));
            m.insert(
                "what".into(),
                format!("{sid} allows every action except those in NotAction on {on}{cond}").into(),
            );
            out.push(m);
        }
        if let Some((a, line)) =
            actions.iter().find(|(a, _)| !matches!(*a, "*" | "*:*") && action_matches(a, "iam:PassRole"))
        {
            let mut m = finding(path, *line, "iam-passrole-wildcard", format!("\"Action\": \"{a}\" on {on}"));
            let which = if a.eq_ignore_ascii_case("iam:PassRole") { "" } else { ", which includes iam:PassRole," };
            m.insert("what".into(), format!("{sid} allows `{a}`{which} on {on}{cond}").into());
            out.push(m);
        }
    }
}

// ---------------------------------------------------------------- Kubernetes

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
struct K8s {
    workloads: Vec<Workload>,
    accounts: Vec<Account>,
}

fn meta_name(doc: &Node) -> String {
    doc.path(&["metadata", "name"]).and_then(Node::str).unwrap_or("(unnamed)").to_string()
}

fn meta_ns(doc: &Node) -> Option<String> {
    doc.path(&["metadata", "namespace"]).and_then(Node::str).map(str::to_string)
}

fn k8s_doc(path: &str, doc: &Node, k: &mut K8s, out: &mut Vec<Map<String, Value>>, depth: usize) -> usize {
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

fn judge_automount(k: &K8s, out: &mut Vec<(String, Map<String, Value>)>) {
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

fn judge_workflow(path: &str, doc: &Node, out: &mut Vec<Map<String, Value>>) -> bool {
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

// ---------------------------------------------------------------- walk

fn finding(path: &str, line: usize, concern: &str, detail: impl Into<String>) -> Map<String, Value> {
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
