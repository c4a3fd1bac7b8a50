//! Line-oriented generic formats: `lines`, `kv`, `ini`; and dispatch to the
//! structured ones (`yaml`, `json`, `toml`).

use super::{item, parse_int, structured, FileSource, Format, Unavailable, Wins};
use crate::target::TextFile;
use serde_json::{Map, Value};

/// Parse every file of a source into `{exists, files, entries, values[, docs]}`.
pub(crate) fn parse(spec: &FileSource, files: &[TextFile]) -> Result<Value, Unavailable> {
    let mut entries: Vec<Map<String, Value>> = Vec::new();
    let mut docs = Vec::new();
    for f in files {
        match spec.format {
            Format::Lines => lines(spec, f, &mut entries),
            Format::Kv => kv(spec, f, &mut entries),
            Format::Ini | Format::Systemd => ini(spec, f, &mut entries)?,
            Format::Yaml | Format::Json => {
                let (doc, leaves) = structured::yaml(f)?;
                docs.push(super::object([("path", f.path.clone().into()), ("doc", doc)]));
                entries.extend(leaves);
            }
            Format::Toml => {
                let (doc, leaves) = structured::toml(f)?;
                docs.push(super::object([("path", f.path.clone().into()), ("doc", doc)]));
                entries.extend(leaves);
            }
            Format::Stat | Format::Walk => unreachable!("metadata formats are not parsed"),
        }
    }
    let mut values: Map<String, Value> = Map::new();
    for e in &entries {
        if let Some(k) = e.get("key").and_then(Value::as_str) {
            if spec.wins == Wins::First && values.contains_key(k) {
                continue;
            }
            values.insert(k.to_string(), Value::Object(e.clone()));
        }
    }
    let main_path = files.first().map(|f| f.path.clone()).unwrap_or_else(|| spec.path.as_slice()[0].clone());
    for (k, v) in &spec.defaults {
        let key = if spec.ignore_case { k.to_ascii_lowercase() } else { k.clone() };
        if !values.contains_key(&key) {
            let mut m = item(Some(&main_path), None, format!("{k} is not set (default: {v})"));
            m.insert("key".into(), key.clone().into());
            m.insert("value".into(), v.clone().into());
            m.insert("int".into(), parse_int(v).map(Value::from).unwrap_or(Value::Null));
            m.insert("default".into(), true.into());
            values.insert(key, Value::Object(m));
        }
    }
    let mut out = super::object([
        ("exists", (!files.is_empty()).into()),
        ("files", files.iter().map(|f| f.path.clone()).collect::<Vec<_>>().into()),
        ("entries", Value::Array(entries.into_iter().map(Value::Object).collect())),
        ("values", Value::Object(values)),
    ]);
    if matches!(spec.format, Format::Yaml | Format::Json | Format::Toml) {
        out["doc"] = docs.first().map(|d| d["doc"].clone()).unwrap_or(Value::Null);
        out["docs"] = Value::Array(docs);
    }
    Ok(out)
}

fn is_comment(spec: &FileSource, line: &str) -> bool {
    let t = line.trim_start();
    match &spec.comment {
        Some(c) => t.starts_with(c.as_str()),
        None => t.starts_with('#') || (matches!(spec.format, Format::Ini | Format::Systemd) && t.starts_with(';')),
    }
}

fn unquote(v: &str) -> &str {
    let v = v.trim();
    if v.len() >= 2 && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\''))) {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

fn lines(spec: &FileSource, f: &TextFile, out: &mut Vec<Map<String, Value>>) {
    let words: Vec<Vec<u8>> = spec.grep.iter().map(|w| w.to_ascii_lowercase().into_bytes()).collect();
    let wanted = |line: &str| {
        words.is_empty()
            || words.iter().any(|w| line.as_bytes().windows(w.len()).any(|win| win.eq_ignore_ascii_case(w)))
    };
    for (i, line) in f.text.lines().enumerate() {
        if line.trim().is_empty() || is_comment(spec, line) || !wanted(line) {
            continue;
        }
        let mut m = item(Some(&f.path), Some(i + 1), line.trim());
        m.insert("text".into(), line.into());
        out.push(m);
    }
}

fn kv_item(
    f: &TextFile,
    line_no: usize,
    raw: &str,
    key: &str,
    value: &str,
    section: Option<&str>,
) -> Map<String, Value> {
    let mut m = item(Some(&f.path), Some(line_no), raw.trim());
    m.insert("key".into(), key.into());
    m.insert("value".into(), value.into());
    m.insert("int".into(), parse_int(value).map(Value::from).unwrap_or(Value::Null));
    m.insert("default".into(), false.into());
    if let Some(s) = section {
        m.insert("section".into(), s.into());
    }
    m
}

fn kv(spec: &FileSource, f: &TextFile, out: &mut Vec<Map<String, Value>>) {
    for (i, line) in f.text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || is_comment(spec, line) {
            continue;
        }
        let split = match spec.separator.as_deref() {
            Some("=") => t.split_once('='),
            Some(":") => t.split_once(':'),
            Some(_) => t.split_once(char::is_whitespace),
            None => {
                let eq = t.find('=');
                let ws = t.find(char::is_whitespace);
                match (eq, ws) {
                    (Some(e), Some(w)) if w < e && !t[w..e].trim().is_empty() => t.split_once(char::is_whitespace),
                    (Some(_), _) => t.split_once('='),
                    (None, Some(_)) => t.split_once(char::is_whitespace),
                    (None, None) => Some((t, "")),
                }
            }
        };
        let Some((k, v)) = split else { continue };
        let key = if spec.ignore_case { k.trim().to_ascii_lowercase() } else { k.trim().to_string() };
        out.push(kv_item(f, i + 1, t, &key, unquote(v), None));
    }
}

fn ini(spec: &FileSource, f: &TextFile, out: &mut Vec<Map<String, Value>>) -> Result<(), Unavailable> {
    let mut section = String::new();
    for (i, line) in f.text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || is_comment(spec, line) {
            continue;
        }
        if t.starts_with('[') && t.ends_with(']') {
            // Every key below carries its section's name: a long one would
            // cost its length once per line.
            if t.len() > crate::limits::CONFIG_NAME_BYTES {
                let message = format!("a section name longer than {} bytes", crate::limits::CONFIG_NAME_BYTES);
                return Err(Unavailable::Malformed { path: f.path.clone(), line: i + 1, message });
            }
            section = t[1..t.len() - 1].trim().to_string();
            if spec.ignore_case {
                section = section.to_ascii_lowercase();
            }
            continue;
        }
        let (k, v) = match t.split_once('=').or_else(|| t.split_once(':')) {
            Some((k, v)) => (k.trim(), unquote(v)),
            None => (t, ""),
        };
        let k = if spec.ignore_case { k.to_ascii_lowercase() } else { k.to_string() };
        let key = if section.is_empty() { k.clone() } else { format!("{section}.{k}") };
        let mut m = kv_item(f, i + 1, t, &key, v, Some(&section));
        m.insert("name".into(), k.into());
        out.push(m);
    }
    Ok(())
}
