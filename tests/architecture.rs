//! The crate's shape, as tests: every import points down the floors of
//! `docs/architecture.md`, no source file is over 700 lines and no function
//! (outside tests) over 120 lines.
//!
//! The floors, bottom to top (a module may import modules of a lower floor,
//! or itself):
//!
//! | floor | modules |
//! | --- | --- |
//! | 0 | `model`, `redact`, `limits`, `passwords`, `cache` (foundation: no imports of each other) |
//! | 1 | `target` |
//! | 2 | `sources` |
//! | 3 | `collectors` |
//! | 4 | `facts` |
//! | 5 | `checks` |
//! | 6 | `audit` |
//! | 7 | `report`, `fix` |
//! | 8 | `fleet` |
//! | 9 | `main.rs` |
//!
//! Imports are found in the source text with comments and string literals
//! blanked out: `crate::a`, `crate::{a, b::c}`, `hardcheck::a` (main.rs),
//! and `super::` chains that climb out of a top-level module. There is no
//! list of exceptions.

use std::path::{Path, PathBuf};

const FLOORS: &[(&str, u8)] = &[
    ("model", 0),
    ("redact", 0),
    ("limits", 0),
    ("passwords", 0),
    ("cache", 0),
    ("target", 1),
    ("sources", 2),
    ("collectors", 3),
    ("facts", 4),
    ("checks", 5),
    ("audit", 6),
    ("report", 7),
    ("fix", 7),
    ("fleet", 8),
    ("main", 9),
];

const MAX_FILE_LINES: usize = 700;
const MAX_FN_LINES: usize = 120;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every source file: its path, its path from the crate root (`src/…`) and
/// its text.
fn sources() -> Vec<(PathBuf, String, String)> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files
        .into_iter()
        .map(|f| {
            let rel = f.strip_prefix(src().parent().unwrap()).unwrap().display().to_string();
            let text = std::fs::read_to_string(&f).unwrap();
            (f, rel, text)
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file: `src/collectors/redis.rs` → `[collectors,
/// redis]`, `src/collectors/declared/mod.rs` → `[collectors, declared]`,
/// `src/main.rs` → `[main]`.
fn module_path(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs").to_string();
    if stem != "mod" && stem != "lib" {
        parts.push(stem);
    }
    parts
}

fn floor_of(module: &str) -> Option<u8> {
    FLOORS.iter().find(|(m, _)| *m == module).map(|(_, f)| *f)
}

/// The text with comments, string, byte-string and char literals replaced by
/// spaces (newlines kept, so line numbers stay right).
fn blank(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let keep = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        // Line comment.
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
            continue;
        }
        // Block comment (nested).
        if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(keep(b[i]));
                    i += 1;
                }
            }
            continue;
        }
        let ident_before = i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_');
        // Raw strings: r"..", r#".."#, br#".."#.
        if (c == 'r' || (c == 'b' && next == Some('r'))) && !ident_before {
            let mut j = if c == 'b' { i + 2 } else { i + 1 };
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) == Some(&'"') {
                for _ in i..=j {
                    out.push(' ');
                }
                i = j + 1;
                loop {
                    if i >= b.len() {
                        break;
                    }
                    if b[i] == '"' && (0..hashes).all(|k| b.get(i + 1 + k) == Some(&'#')) {
                        for _ in 0..=hashes {
                            out.push(' ');
                        }
                        i += 1 + hashes;
                        break;
                    }
                    out.push(keep(b[i]));
                    i += 1;
                }
                continue;
            }
        }
        // Strings and byte strings.
        if c == '"' || (c == 'b' && next == Some('"') && !ident_before) {
            if c == 'b' {
                out.push(' ');
                i += 1;
            }
            out.push(' ');
            i += 1;
            while i < b.len() {
                if b[i] == '\\' {
                    out.push(' ');
                    if let Some(&e) = b.get(i + 1) {
                        out.push(keep(e));
                    }
                    i += 2;
                    continue;
                }
                if b[i] == '"' {
                    out.push(' ');
                    i += 1;
                    break;
                }
                out.push(keep(b[i]));
                i += 1;
            }
            continue;
        }
        // Char literals ('a', '\n', '\u{1F600}'), not lifetimes ('a).
        if c == '\'' {
            let close = if next == Some('\\') {
                (i + 2..b.len().min(i + 12)).find(|&j| b[j] == '\'')
            } else if b.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            if let Some(end) = close {
                for _ in i..=end {
                    out.push(' ');
                }
                i = end + 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The first segment of each path in a use-tree group starting at `{`
/// (`{a, b::c, d::{e}}` → a, b, d).
fn group_heads(b: &[char], open: usize) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut i = open;
    let mut expect_head = true;
    while i < b.len() {
        let c = b[i];
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    expect_head = true;
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => expect_head = true,
            c if depth == 1 && expect_head && is_ident(c) => {
                let start = i;
                while i < b.len() && is_ident(b[i]) {
                    i += 1;
                }
                heads.push(b[start..i].iter().collect());
                expect_head = false;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    heads
}

/// The top-level modules this file refers to, with their lines.
fn imports(file: &Path, text: &str) -> Vec<(String, usize)> {
    let b: Vec<char> = blank(text).chars().collect();
    let module = module_path(file);
    let mut out = Vec::new();
    let line_at = |i: usize| b[..i].iter().filter(|c| **c == '\n').count() + 1;
    // Inline `mod x {` blocks open at each brace depth, for `super::`.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == '{' {
            depth += 1;
        } else if c == '}' {
            depth = depth.saturating_sub(1);
            inline.retain(|(_, d)| *d <= depth);
        }
        let at_word = i == 0 || !is_ident(b[i - 1]) && b[i - 1] != ':';
        if !at_word || !is_ident(c) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && is_ident(b[i]) {
            i += 1;
        }
        let word: String = b[start..i].iter().collect();
        if word == "mod" {
            let mut j = i;
            while j < b.len() && b[j].is_whitespace() {
                j += 1;
            }
            let name_start = j;
            while j < b.len() && is_ident(b[j]) {
                j += 1;
            }
            let name: String = b[name_start..j].iter().collect();
            while j < b.len() && b[j].is_whitespace() {
                j += 1;
            }
            if b.get(j) == Some(&'{') {
                inline.push((name, depth + 1));
            }
            continue;
        }
        let root = match word.as_str() {
            "crate" => Some(()),
            "hardcheck" if module == ["main"] => Some(()),
            "super" => {
                let mut base: Vec<String> = module.clone();
                base.extend(inline.iter().map(|(n, _)| n.clone()));
                let mut j = start;
                let mut ok = b.get(i..i + 2) == Some(&[':', ':']);
                while b.get(j..j + 7).is_some_and(|s| s.iter().collect::<String>() == "super::") {
                    if base.pop().is_none() {
                        ok = false;
                    }
                    j += 7;
                }
                i = i.max(j);
                if ok && base.is_empty() {
                    Some(())
                } else {
                    None
                }
            }
            _ => None,
        };
        let Some(_) = root else { continue };
        if word != "super" {
            if b.get(i..i + 2) != Some(&[':', ':']) {
                continue;
            }
            i += 2;
        }
        let line = line_at(start);
        if b.get(i) == Some(&'{') {
            for h in group_heads(&b, i) {
                out.push((h, line));
            }
        } else {
            let s = i;
            while i < b.len() && is_ident(b[i]) {
                i += 1;
            }
            out.push((b[s..i].iter().collect(), line));
        }
    }
    out
}

#[test]
fn imports_only_point_down() {
    let mut bad = Vec::new();
    for (f, rel, text) in &sources() {
        let module = module_path(f);
        if module.is_empty() {
            // lib.rs declares the modules and imports nothing.
            for (m, line) in imports(f, text) {
                bad.push(format!("{rel}:{line}: the crate root imports `{m}`"));
            }
            continue;
        }
        let own = &module[0];
        let Some(floor) = floor_of(own) else {
            bad.push(format!("{rel}: module `{own}` has no floor (add it to docs/architecture.md and this test)"));
            continue;
        };
        for (m, line) in imports(f, text) {
            if &m == own {
                continue;
            }
            match floor_of(&m) {
                Some(to) if to < floor => {}
                Some(to) => bad.push(format!("{rel}:{line}: `{own}` (floor {floor}) imports `{m}` (floor {to})")),
                None => bad.push(format!("{rel}:{line}: `{own}` imports `{m}`, which has no floor")),
            }
        }
    }
    assert!(bad.is_empty(), "{} import(s) do not point down:\n{}", bad.len(), bad.join("\n"));
}

/// Line ranges of `#[cfg(test)]` and `#[test]` items (attribute to the end of the item).
fn test_ranges(b: &[char]) -> Vec<(usize, usize)> {
    let text: String = b.iter().collect();
    let mut out = Vec::new();
    for pat in ["#[cfg(test)]", "#[test]"] {
        let mut from = 0;
        while let Some(pos) = text[from..].find(pat) {
            let at = from + pos;
            from = at + pat.len();
            // The item ends at its matching `}` or at a `;` before any `{`.
            let chars: Vec<char> = text[at..].chars().collect();
            let mut depth = 0;
            let mut end = None;
            for (k, c) in chars.iter().enumerate().skip(pat.len()) {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(k);
                            break;
                        }
                    }
                    ';' if depth == 0 => {
                        end = Some(k);
                        break;
                    }
                    _ => {}
                }
            }
            let start_line = text[..at].matches('\n').count() + 1;
            let end_line = start_line + chars[..end.unwrap_or(chars.len() - 1)].iter().filter(|c| **c == '\n').count();
            out.push((start_line, end_line));
        }
    }
    out
}

/// `(name, first line, lines)` of every function with a body.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let b: Vec<char> = blank(text).chars().collect();
    let tests = test_ranges(&b);
    let mut out = Vec::new();
    let line_at = |i: usize| b[..i].iter().filter(|c| **c == '\n').count() + 1;
    let mut i = 0;
    while i + 3 < b.len() {
        let is_fn = b[i] == 'f' && b[i + 1] == 'n' && b[i + 2].is_whitespace() && (i == 0 || !is_ident(b[i - 1]));
        if !is_fn {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i + 3;
        while j < b.len() && b[j].is_whitespace() {
            j += 1;
        }
        let name_start = j;
        while j < b.len() && is_ident(b[j]) {
            j += 1;
        }
        let name: String = b[name_start..j].iter().collect();
        // The body starts at the first `{` outside parentheses and angle
        // brackets; a `;` first means no body, and so does closing a
        // parenthesis the `fn` is inside (`add_overload!(env, fn f: …)`).
        let (mut paren, mut body) = (0i32, None);
        while j < b.len() {
            match b[j] {
                '(' | '[' => paren += 1,
                ')' | ']' if paren == 0 => break,
                ')' | ']' => paren -= 1,
                ';' if paren == 0 => break,
                '{' if paren == 0 => {
                    body = Some(j);
                    break;
                }
                _ => {}
            }
            j += 1;
        }
        i = start + 2;
        let Some(open) = body else { continue };
        let mut depth = 0;
        let mut end = open;
        for (k, c) in b.iter().enumerate().skip(open) {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = k;
                        break;
                    }
                }
                _ => {}
            }
        }
        let (first, last) = (line_at(start), line_at(end));
        if tests.iter().any(|(a, z)| *a <= first && last <= *z) {
            continue;
        }
        out.push((name, first, last - first + 1));
    }
    out
}

#[test]
fn files_and_functions_are_small() {
    let mut bad = Vec::new();
    for (_, rel, text) in &sources() {
        let lines = text.lines().count();
        if lines > MAX_FILE_LINES {
            bad.push(format!("{rel}: {lines} lines (limit {MAX_FILE_LINES})"));
        }
        for (name, line, len) in functions(text) {
            if len > MAX_FN_LINES {
                bad.push(format!("{rel}:{line}: fn {name} is {len} lines (limit {MAX_FN_LINES})"));
            }
        }
    }
    assert!(bad.is_empty(), "{} size limit(s) exceeded:\n{}", bad.len(), bad.join("\n"));
}

/// The scanner itself: strings and comments do not count, groups and
/// `super` chains are resolved, test items are not measured.
#[test]
fn the_scanner_reads_rust_as_written() {
    let f = src().join("sources/x.rs");
    let text = r##"
use crate::{target::{self, X}, model::Y};
use super::super::checks::Z; // crate::report in a comment
/* crate::facts /* nested */ crate::checks */
const S: &str = "crate::report";
const R: &str = r#"crate::report "quoted" "#;
const C: char = '"';
fn f<'a>(x: &'a str) -> &'a str { let _ = crate::limits::X; x }
"##;
    let got: Vec<String> = imports(&f, text).into_iter().map(|(m, _)| m).collect();
    assert_eq!(got, ["target", "model", "checks", "limits"]);
    let inner = src().join("collectors/redis.rs");
    let text = "pub(super) fn x() {}\nmod tests { use super::*; use super::super::sshd; }";
    let got: Vec<String> = imports(&inner, text).into_iter().map(|(m, _)| m).collect();
    assert!(got.is_empty(), "super within collectors stays in collectors: {got:?}");
    let text = "fn a() {\n    1\n}\n#[cfg(test)]\nmod tests {\n    fn b() {\n        let s = \"}\";\n    }\n}\nfn c() -> u8 { 2 }\n";
    let fns = functions(text);
    assert_eq!(fns, [("a".to_string(), 1, 3), ("c".to_string(), 10, 1)]);
}

/// The target layer keeps its own read bounds (it imports nothing above
/// it); they are the bounds of `limits`.
#[test]
fn target_bounds_are_the_limits() {
    assert_eq!(hardcheck::target::MAX_FILE_BYTES, hardcheck::limits::FILE_BYTES);
    assert_eq!(hardcheck::target::MAX_SYMLINKS, hardcheck::limits::SYMLINK_HOPS);
}
