//! AWS IAM policy documents: statements that allow every action or
//! `iam:PassRole` on every resource.

use super::finding;
use crate::sources::yaml_tree::{documents as yaml_documents, Node, MAX_NESTING};
use serde_json::{Map, Value};

/// Whether an IAM action pattern (case-insensitive, `*` and `?`) matches `action`.
pub(super) fn action_matches(pattern: &str, action: &str) -> bool {
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
pub(super) fn iam_walk(path: &str, n: &Node, depth: usize, out: &mut Vec<Map<String, Value>>) -> usize {
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
