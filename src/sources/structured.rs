//! YAML, JSON and TOML sources with line numbers for every leaf.
//!
//! YAML (and JSON, which YAML 1.2 reads) comes from the event parser of
//! `serde-saphyr` (granit-parser) so that each scalar keeps its line; scalars
//! are typed by the YAML 1.2 core schema with strict booleans (`on` stays a
//! string). Aliases are expanded with a node budget (no billion laughs).
//! TOML comes from the `toml` crate's spanned tables.

use super::{item, Unavailable};
use crate::target::TextFile;
use serde_json::{Map, Value};
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;

/// Most nodes one structured file may expand to (aliases included).
const MAX_NODES: usize = crate::limits::DOCUMENT_NODES;
/// Deepest nesting accepted.
const MAX_DEPTH: usize = crate::limits::DOCUMENT_NESTING;

fn malformed(f: &TextFile, line: usize, message: impl Into<String>) -> Unavailable {
    Unavailable::Malformed { path: f.path.clone(), line, message: message.into() }
}

fn scalar(v: &str, style: ScalarStyle) -> Value {
    if style != ScalarStyle::Plain {
        return Value::String(v.to_string());
    }
    match v {
        "~" | "null" | "Null" | "NULL" | "" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(i) = v.parse::<i64>() {
        return Value::from(i);
    }
    if let Some(o) = v.strip_prefix("0o") {
        if let Ok(i) = i64::from_str_radix(o, 8) {
            return Value::from(i);
        }
    }
    if let Some(h) = v.strip_prefix("0x") {
        if let Ok(i) = i64::from_str_radix(h, 16) {
            return Value::from(i);
        }
    }
    if v.contains(['.', 'e', 'E'])
        && v.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '-' || c == '+' || c == '.')
    {
        if let Ok(f) = v.parse::<f64>() {
            if let Some(n) = serde_json::Number::from_f64(f) {
                return Value::Number(n);
            }
        }
    }
    Value::String(v.to_string())
}

enum Frame {
    Seq(Vec<Value>, Option<usize>),
    Map(Map<String, Value>, Option<String>, Option<usize>),
}

/// Attach a finished node to its parent; returns the root when done.
fn attach(stack: &mut [Frame], v: Value) -> Option<Value> {
    match stack.last_mut() {
        None => Some(v),
        Some(Frame::Seq(items, _)) => {
            items.push(v);
            None
        }
        Some(Frame::Map(map, pending, _)) => {
            match pending.take() {
                None => {
                    // `v` is a key
                    let k = match &v {
                        Value::String(s) => s.clone(),
                        Value::Null => "null".into(),
                        other => other.to_string(),
                    };
                    *pending = Some(k);
                }
                Some(k) => {
                    map.insert(k, v);
                }
            }
            None
        }
    }
}

/// More values (leaves) than a configuration of this kind holds: the file
/// is not judged, and the check says why.
fn too_many_leaves(f: &TextFile) -> Unavailable {
    let message = format!(
        "more than {} values in one document (a configuration file holds a few hundred): not judged",
        crate::limits::DOCUMENT_LEAVES
    );
    Unavailable::Unreadable(crate::target::ReadError::Limit { path: f.path.clone(), message })
}

/// Parse the first YAML/JSON document: the tree, and one entry per leaf
/// (at most [`crate::limits::DOCUMENT_LEAVES`]).
pub(crate) fn yaml(f: &TextFile) -> Result<(Value, Vec<Map<String, Value>>), Unavailable> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Value> = HashMap::new();
    let mut leaves: Vec<(Vec<String>, usize, Value)> = Vec::new();
    let mut nodes = 0usize;
    let mut root: Option<Value> = None;

    let path_now = |stack: &[Frame]| -> Vec<String> {
        stack
            .iter()
            .filter_map(|fr| match fr {
                Frame::Seq(items, _) => Some(format!("[{}]", items.len())),
                Frame::Map(_, pending, _) => pending.clone(),
            })
            .collect()
    };

    let lines = super::yaml_tree::LineMap::new(&f.text);
    for ev in Parser::new_from_str(&f.text) {
        let (ev, span) = ev.map_err(|e| malformed(f, lines.line(e.marker()), e.info().to_string()))?;
        let line = lines.line(&span.start);
        nodes += 1;
        if nodes > MAX_NODES {
            return Err(malformed(f, line, "document too large (node limit)"));
        }
        match ev {
            Event::DocumentEnd if root.is_some() => break,
            Event::Scalar(v, style, anchor, _) => {
                let val = scalar(&v, style);
                if anchor > 0 {
                    anchors.insert(anchor, val.clone());
                }
                let is_value = matches!(stack.last(), Some(Frame::Map(_, Some(_), _)) | Some(Frame::Seq(..)));
                if is_value || stack.is_empty() {
                    if leaves.len() >= crate::limits::DOCUMENT_LEAVES {
                        return Err(too_many_leaves(f));
                    }
                    leaves.push((path_now(&stack), line, val.clone()));
                }
                if let Some(r) = attach(&mut stack, val) {
                    root = Some(r);
                }
            }
            Event::Alias(id) => {
                let val = anchors.get(&id).cloned().unwrap_or(Value::Null);
                nodes += count(&val);
                if nodes > MAX_NODES {
                    return Err(malformed(f, line, "aliases expand beyond the node limit"));
                }
                if matches!(stack.last(), Some(Frame::Map(_, Some(_), _)) | Some(Frame::Seq(..))) {
                    if leaves.len() >= crate::limits::DOCUMENT_LEAVES {
                        return Err(too_many_leaves(f));
                    }
                    leaves.push((path_now(&stack), line, val.clone()));
                }
                if let Some(r) = attach(&mut stack, val) {
                    root = Some(r);
                }
            }
            Event::SequenceStart(_, anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(malformed(f, line, "nesting too deep"));
                }
                stack.push(Frame::Seq(Vec::new(), (anchor > 0).then_some(anchor)));
            }
            Event::MappingStart(_, anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(malformed(f, line, "nesting too deep"));
                }
                stack.push(Frame::Map(Map::new(), None, (anchor > 0).then_some(anchor)));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (v, anchor) = match stack.pop() {
                    Some(Frame::Seq(items, a)) => (Value::Array(items), a),
                    Some(Frame::Map(m, _, a)) => (Value::Object(m), a),
                    None => continue,
                };
                if let Some(a) = anchor {
                    anchors.insert(a, v.clone());
                }
                if let Some(r) = attach(&mut stack, v) {
                    root = Some(r);
                }
            }
            _ => {}
        }
    }
    let entries = leaves
        .into_iter()
        .map(|(path, line, value)| {
            let key = dotted(&path);
            let mut m = item(Some(&f.path), Some(line), format!("{key}: {}", display(&value)));
            m.insert("key".into(), key.into());
            m.insert("value".into(), value);
            m
        })
        .collect();
    Ok((root.unwrap_or(Value::Null), entries))
}

fn count(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(count).sum::<usize>(),
        Value::Object(o) => 1 + o.values().map(count).sum::<usize>(),
        _ => 1,
    }
}

fn dotted(path: &[String]) -> String {
    let mut s = String::new();
    for p in path {
        if p.starts_with('[') || s.is_empty() {
            s.push_str(p);
        } else {
            s.push('.');
            s.push_str(p);
        }
    }
    s
}

fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// Parse a TOML file: the tree, and one entry per leaf with its line.
pub(crate) fn toml(f: &TextFile) -> Result<(Value, Vec<Map<String, Value>>), Unavailable> {
    use toml::de::{DeTable, DeValue};
    let table = DeTable::parse(&f.text).map_err(|e| {
        let line = e.span().map(|s| line_at(&f.text, s.start)).unwrap_or(1);
        malformed(f, line, e.message().to_string())
    })?;
    let mut entries = Vec::new();
    // Byte offsets of the newlines: a key's line by binary search (counting
    // from the start for every key was quadratic in the file's size).
    let newlines: Vec<usize> = f.text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i).collect();
    let line_of = |offset: usize| 1 + newlines.partition_point(|&i| i < offset);

    struct Walk<'a, L: Fn(usize) -> usize> {
        f: &'a TextFile,
        line_of: L,
        out: Vec<Map<String, Value>>,
        full: bool,
    }

    fn walk<L: Fn(usize) -> usize>(w: &mut Walk<'_, L>, v: &DeValue<'_>, line: usize, path: &mut Vec<String>) -> Value {
        match v {
            DeValue::Table(t) => {
                let mut m = Map::new();
                for (k, val) in t.iter() {
                    path.push(k.get_ref().to_string());
                    let l = (w.line_of)(k.span().start);
                    m.insert(k.get_ref().to_string(), walk(w, val.get_ref(), l, path));
                    path.pop();
                }
                Value::Object(m)
            }
            DeValue::Array(a) => {
                let mut items = Vec::new();
                for (i, val) in a.iter().enumerate() {
                    path.push(format!("[{i}]"));
                    let l = (w.line_of)(val.span().start);
                    items.push(walk(w, val.get_ref(), l, path));
                    path.pop();
                }
                Value::Array(items)
            }
            leaf => {
                let value = match leaf {
                    DeValue::String(s) => Value::String(s.to_string()),
                    DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                        .map(Value::from)
                        .unwrap_or(Value::Null),
                    DeValue::Float(x) => x
                        .as_str()
                        .replace('_', "")
                        .parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map(Value::Number)
                        .unwrap_or(Value::Null),
                    DeValue::Boolean(b) => Value::Bool(*b),
                    DeValue::Datetime(d) => Value::String(d.to_string()),
                    _ => Value::Null,
                };
                if w.out.len() >= crate::limits::DOCUMENT_LEAVES {
                    w.full = true;
                    return value;
                }
                let key = dotted(path);
                let mut m = item(Some(&w.f.path), Some(line), format!("{key} = {}", display(&value)));
                m.insert("key".into(), key.into());
                m.insert("value".into(), value.clone());
                w.out.push(m);
                value
            }
        }
    }
    let mut w = Walk { f, line_of, out: Vec::new(), full: false };
    let doc = walk(&mut w, &DeValue::Table(table.get_ref().clone()), 1, &mut Vec::new());
    if w.full {
        return Err(too_many_leaves(f));
    }
    entries.extend(w.out);
    Ok((doc, entries))
}
