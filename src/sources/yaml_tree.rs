//! YAML (and JSON, which YAML 1.2 reads) as a tree whose every node keeps
//! the line it starts on, several documents per text (`---`). Aliases are
//! expanded within a node budget, nesting is bounded
//! ([`crate::limits::POLICY_NODES`], [`crate::limits::POLICY_NESTING`]).

use serde_saphyr::granit_parser::{Event, Marker, Parser, ScalarStyle};
use std::collections::HashMap;

const MAX_NODES: usize = crate::limits::POLICY_NODES;
pub const MAX_NESTING: usize = crate::limits::POLICY_NESTING;

/// A YAML (or JSON) node with the line it starts on.
#[derive(Debug, Clone)]
pub enum Node {
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
    pub fn line(&self) -> usize {
        match self {
            Node::Scalar { line, .. } | Node::Seq { line, .. } | Node::Map { line, .. } => *line,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map { entries, .. } => entries.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            _ => None,
        }
    }

    /// The line of `key` in a mapping.
    pub fn key_line(&self, key: &str) -> Option<usize> {
        match self {
            Node::Map { entries, .. } => entries.iter().find(|(k, _, _)| k == key).map(|(_, l, _)| *l),
            _ => None,
        }
    }

    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    pub fn str(&self) -> Option<&str> {
        match self {
            Node::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// A scalar or a list of scalars, with their lines.
    pub fn strings(&self) -> Vec<(&str, usize)> {
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
    pub fn bool(&self) -> Option<bool> {
        match self {
            Node::Scalar { text, plain: true, .. } => match text.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn count(&self) -> usize {
        match self {
            Node::Scalar { .. } => 1,
            Node::Seq { items, .. } => 1 + items.iter().map(Node::count).sum::<usize>(),
            Node::Map { entries, .. } => 1 + entries.iter().map(|(_, _, v)| v.count()).sum::<usize>(),
        }
    }

    pub fn relined(self, line: usize) -> Node {
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
pub fn documents(text: &str) -> (Vec<Node>, Option<(usize, String)>) {
    enum Frame {
        Seq(Vec<Node>, usize, usize),
        Map(Vec<(String, usize, Node)>, Option<(String, usize)>, usize, usize),
    }
    pub fn attach(stack: &mut [Frame], n: Node) -> Option<Node> {
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
    let lines = LineMap::new(text);
    for ev in Parser::new_from_str(text) {
        let (ev, span) = match ev {
            Ok(x) => x,
            Err(e) => return (docs, Some((lines.line(e.marker()), e.info().to_string()))),
        };
        let line = lines.line(&span.start);
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

/// Line numbers as the rest of hardcheck counts them (a line ends at `\n`).
/// YAML also ends a line at a bare `\r`, so where the text holds one, a
/// parser position is mapped from its character index instead.
pub struct LineMap {
    /// Character indices of the `\n`s, when the text has a bare `\r`.
    newlines: Option<Vec<usize>>,
}

impl LineMap {
    pub fn new(text: &str) -> LineMap {
        let bare_cr =
            text.as_bytes().iter().enumerate().any(|(i, &b)| b == b'\r' && text.as_bytes().get(i + 1) != Some(&b'\n'));
        let newlines = bare_cr.then(|| text.chars().enumerate().filter(|(_, c)| *c == '\n').map(|(i, _)| i).collect());
        LineMap { newlines }
    }

    /// The 1-based line of `m`.
    pub fn line(&self, m: &Marker) -> usize {
        match &self.newlines {
            None => m.line(),
            Some(nl) => 1 + nl.partition_point(|&i| i < m.index()),
        }
    }
}
