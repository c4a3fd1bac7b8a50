//! HashiCorp Vault policies: `path "…" { capabilities = [...] }` blocks in
//! HCL (and the deprecated `policy = "sudo"`), or the JSON form.

use super::finding;
use crate::sources::text::skip_block_comment;
use crate::sources::yaml_tree::Node;
use serde_json::{Map, Value};

#[derive(Debug, PartialEq)]
pub(super) enum Tok {
    Str(String),
    Ident(String),
    Punct(char),
}

/// Tokens of an HCL text with their lines: strings (with `\` escapes),
/// identifiers and punctuation; `#`, `//` and `/* */` comments dropped.
pub(super) fn hcl_tokens(text: &str) -> Vec<(Tok, usize)> {
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
            i = skip_block_comment(&chars, i, &mut line);
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
pub(super) struct VaultRule {
    pub path: String,
    pub line: usize,
    pub capabilities: Vec<String>,
}

/// The deprecated `policy = "…"` shorthand, as capabilities.
pub(super) fn legacy_policy(p: &str) -> Vec<String> {
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
pub(super) fn vault_hcl(text: &str) -> Vec<VaultRule> {
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
pub(super) fn vault_json(doc: &Node) -> Option<Vec<VaultRule>> {
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
pub(super) fn root_glob(p: &str) -> bool {
    p.strip_suffix('*').is_some_and(|pre| !pre.trim_end_matches('/').contains('/'))
}

pub(super) fn judge_vault(path: &str, rules: &[VaultRule], out: &mut Vec<Map<String, Value>>) {
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
