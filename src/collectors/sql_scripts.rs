//! `sql_scripts`: SQL files that set up database accounts and privileges:
//! container init scripts (`/docker-entrypoint-initdb.d`, run by the
//! official PostgreSQL, MySQL, MariaDB images on first start) and `*.sql`
//! under application paths (`/srv`, `/opt`, `/var/www`, `/etc`, `/root`,
//! `/home` by default; the `sql_scripts` probe takes them from the
//! `app_paths` parameter).
//!
//! The walk ([`tree_walk`]) does not follow symbolic links, skips
//! `node_modules`, `vendor` and hidden directories, stops at depth 8, after
//! 100000 directory entries and after 500 SQL files. Files are split into statements the way a
//! SQL client does: `;` ends a statement outside 'strings', "identifiers",
//! `backticks`, `-- comments`, `# comments` (MySQL), `/* comments */` and
//! `$tag$ dollar quotes $tag$`; a psql meta-command (`\connect`) at the start
//! of a statement runs to the end of its line; `DELIMITER x` (mysql client)
//! changes the terminator. A statement's line is the line it starts on.
//!
//! Statements are recognised case-insensitively, outside strings and
//! comments, and each carries the concerns it raises (`concerns`):
//! - `global_grant`: `GRANT ALL [PRIVILEGES] ON *.*`, or an administrative
//!   privilege (SUPER, FILE, PROCESS, SHUTDOWN, RELOAD, CREATE USER) on
//!   `*.*` (MySQL/MariaDB); `GRANT ALL … ON ALL TABLES|SEQUENCES|FUNCTIONS IN
//!   SCHEMA` (PostgreSQL).
//! - `grant_option`: `WITH GRANT OPTION`.
//! - `any_host`: a MySQL account at host `'%'` (`CREATE USER`, `GRANT … TO`,
//!   `ALTER USER`, `RENAME USER`), or `CREATE USER 'x' IDENTIFIED …` with no
//!   host, which MySQL takes as `'x'@'%'`.
//! - `privileged_role`: `CREATE|ALTER ROLE|USER … SUPERUSER|CREATEROLE|
//!   BYPASSRLS` (PostgreSQL; `NOSUPERUSER` is not).
//! - `public_grant`: `GRANT … TO PUBLIC` of anything beyond the privileges
//!   PostgreSQL grants PUBLIC by default (USAGE, CONNECT, TEMPORARY,
//!   EXECUTE), e.g. `GRANT CREATE ON SCHEMA public TO PUBLIC`.
//!
//! Facts: `{exists, files, statements, unreadable}`; statements (only those
//! with a concern): `{path, line, detail (the statement, one line,
//! passwords masked, at most 240 characters), concerns}`.

use crate::sources::text::skip_block_comment;
use crate::sources::tree_walk::{self, Bounds};
use crate::sources::{item, Reader};
use crate::target::{FileType, ReadError};
use regex::Regex;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

pub const INITDB: &str = "/docker-entrypoint-initdb.d";
const MAX_DEPTH: usize = crate::limits::SQL_WALK.depth;
const MAX_ENTRIES: usize = crate::limits::SQL_WALK.entries;
const MAX_FILES: usize = crate::limits::SQL_WALK.files;
const MAX_DETAIL: usize = crate::limits::SQL_DETAIL_CHARS;

/// One statement: the line it starts on, its text as written, and its text
/// with comments removed and string contents kept (`code`).
#[derive(Debug, PartialEq)]
pub struct Statement {
    pub line: usize,
    pub code: String,
    /// `code` with the contents of strings blanked (`''`), for keywords.
    pub bare: String,
}

/// Split SQL text into statements. Never panics; unterminated strings or
/// A quoted string or identifier starting at `i` (`''` and, in strings,
/// `\'` escapes), copied into `code` (and, but for string contents,
/// `bare`); the index after it.
fn quoted(chars: &[char], mut i: usize, line: &mut usize, code: &mut String, bare: &mut String) -> usize {
    let q = chars[i];
    code.push(q);
    bare.push(q);
    i += 1;
    while i < chars.len() {
        let d = chars[i];
        if d == '\n' {
            *line += 1;
        }
        if d == '\\' && q == '\'' && i + 1 < chars.len() {
            code.push(d);
            code.push(chars[i + 1]);
            if chars[i + 1] == '\n' {
                *line += 1;
            }
            i += 2;
            continue;
        }
        if d == q {
            if chars.get(i + 1) == Some(&q) {
                code.push(d);
                code.push(d);
                i += 2;
                continue;
            }
            break;
        }
        code.push(d);
        if q != '\'' {
            bare.push(d);
        }
        i += 1;
    }
    code.push(q);
    bare.push(q);
    i + 1
}

/// A dollar-quoted string (`$$ … $$`, `$tag$ … $tag$`) starting at `i`,
/// kept in `code` and blanked in `bare`; the index after it (`None`: not a
/// dollar quote).
fn dollar_quoted(chars: &[char], i: usize, line: &mut usize, code: &mut String, bare: &mut String) -> Option<usize> {
    let e = chars[i + 1..]
        .iter()
        .position(|&d| !(d.is_alphanumeric() || d == '_'))
        .map(|p| i + 1 + p)
        .filter(|&e| chars[e] == '$' && !chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))?;
    let tag: Vec<char> = chars[i..=e].to_vec();
    let mut j = e + 1;
    while j < chars.len() && !chars[j..].starts_with(&tag) {
        j += 1;
    }
    for &d in &chars[i..j.min(chars.len())] {
        if d == '\n' {
            *line += 1;
        }
        code.push(d);
    }
    code.extend(tag.iter());
    bare.push_str("$$ $$");
    Some((j + tag.len()).min(chars.len()))
}

/// comments end at the end of the text.
pub fn split(text: &str) -> Vec<Statement> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut code, mut bare) = (String::new(), String::new());
    let mut line = 1usize;
    let mut start: Option<usize> = None;
    let mut delimiter: Vec<char> = vec![';'];
    let mut i = 0;
    let flush = |code: &mut String, bare: &mut String, start: &mut Option<usize>, out: &mut Vec<Statement>| {
        if let Some(l) = start.take() {
            let c = code.split_whitespace().collect::<Vec<_>>().join(" ");
            if !c.is_empty() {
                out.push(Statement { line: l, code: c, bare: bare.split_whitespace().collect::<Vec<_>>().join(" ") });
            }
        }
        code.clear();
        bare.clear();
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        // Start of a statement: client commands that run to the end of the line.
        if start.is_none() && !c.is_whitespace() {
            let rest: String = chars[i..chars.len().min(i + 10)].iter().collect();
            if c == '\\' || rest.to_ascii_lowercase().starts_with("delimiter ") {
                let end = chars[i..].iter().position(|&c| c == '\n').map(|p| i + p).unwrap_or(chars.len());
                let l: String = chars[i..end].iter().collect();
                if c != '\\' {
                    if let Some(d) = l.split_whitespace().nth(1) {
                        delimiter = d.chars().collect();
                    }
                }
                i = end;
                continue;
            }
        }
        if c == '\n' {
            line += 1;
        }
        // Comments.
        if (c == '-' && next == Some('-')) || c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && next == Some('*') {
            i = skip_block_comment(&chars, i, &mut line);
            code.push(' ');
            bare.push(' ');
            continue;
        }
        if start.is_none() && !c.is_whitespace() && !chars[i..].starts_with(&delimiter) {
            start = Some(line);
        }
        // Quoted strings and identifiers.
        if c == '\'' || c == '"' || c == '`' {
            i = quoted(&chars, i, &mut line, &mut code, &mut bare);
            continue;
        }
        // Dollar quotes: $$ … $$ or $tag$ … $tag$.
        if c == '$' {
            if let Some(next) = dollar_quoted(&chars, i, &mut line, &mut code, &mut bare) {
                i = next;
                continue;
            }
        }
        if chars[i..].starts_with(&delimiter) {
            flush(&mut code, &mut bare, &mut start, &mut out);
            i += delimiter.len();
            continue;
        }
        code.push(c);
        bare.push(c);
        i += 1;
    }
    flush(&mut code, &mut bare, &mut start, &mut out);
    out
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("static regex"))
}

/// The concerns one statement raises.
pub fn concerns(s: &Statement) -> Vec<&'static str> {
    static GLOBAL: OnceLock<Regex> = OnceLock::new();
    static SCHEMA_ALL: OnceLock<Regex> = OnceLock::new();
    static GRANT_OPTION: OnceLock<Regex> = OnceLock::new();
    static ANY_HOST: OnceLock<Regex> = OnceLock::new();
    static NO_HOST: OnceLock<Regex> = OnceLock::new();
    static ROLE: OnceLock<Regex> = OnceLock::new();
    static PUBLIC: OnceLock<Regex> = OnceLock::new();
    let b = &s.bare;
    let mut out = Vec::new();
    let global = re(&GLOBAL, r"(?i)^GRANT\s+(.*?)\s+ON\s+(?:\*|`?\*`?)\s*\.\s*\*");
    if let Some(c) = global.captures(b) {
        let privs = c[1].to_ascii_uppercase();
        let admin = privs.split(',').map(str::trim).any(|p| {
            matches!(p, "ALL" | "ALL PRIVILEGES" | "SUPER" | "FILE" | "PROCESS" | "SHUTDOWN" | "RELOAD" | "CREATE USER")
        });
        if admin {
            out.push("global_grant");
        }
    }
    if re(&SCHEMA_ALL, r"(?i)^GRANT\s+ALL(\s+PRIVILEGES)?\s+ON\s+ALL\s+(TABLES|SEQUENCES|FUNCTIONS|ROUTINES|PROCEDURES)\s+IN\s+SCHEMA\b")
        .is_match(b)
    {
        out.push("global_grant");
    }
    if re(&GRANT_OPTION, r"(?i)^GRANT\b.*\bWITH\s+GRANT\s+OPTION\b").is_match(b) {
        out.push("grant_option");
    }
    let any_host = re(&ANY_HOST, r#"(?i)^(CREATE\s+USER|GRANT|ALTER\s+USER|RENAME\s+USER)\b.*@\s*['"`]%['"`]"#);
    let no_host = re(&NO_HOST, r#"(?i)^CREATE\s+USER\s+(IF\s+NOT\s+EXISTS\s+)?(['"`][^'"`]*['"`]|\w+)\s+IDENTIFIED\b"#);
    if any_host.is_match(&s.code) || no_host.is_match(&s.code) {
        out.push("any_host");
    }
    if re(&ROLE, r"(?i)^(CREATE|ALTER)\s+(ROLE|USER)\b.*\b(SUPERUSER|CREATEROLE|BYPASSRLS)\b").is_match(b) {
        out.push("privileged_role");
    }
    if let Some(c) = re(&PUBLIC, r"(?i)^GRANT\s+(.*?)\s+ON\s+.*\bTO\s+(.*)$").captures(b) {
        let grantees = c[2].to_ascii_uppercase();
        let grantees = grantees.split(" WITH ").next().unwrap_or("").to_string();
        let to_public = grantees.split(',').any(|g| g.trim() == "PUBLIC");
        let privs = c[1].to_ascii_uppercase();
        let beyond_default = privs
            .split(',')
            .map(|p| p.split('(').next().unwrap_or("").trim().to_string())
            .any(|p| !matches!(p.as_str(), "USAGE" | "CONNECT" | "TEMP" | "TEMPORARY" | "EXECUTE"));
        if to_public && beyond_default {
            out.push("public_grant");
        }
    }
    out
}

/// The statement for evidence: one line, passwords masked, bounded.
fn detail(code: &str) -> String {
    let masked = crate::redact::mask(code);
    if masked.chars().count() > MAX_DETAIL {
        let cut: String = masked.chars().take(MAX_DETAIL).collect();
        format!("{cut}…")
    } else {
        masked
    }
}

/// The SQL files found and their statements of concern.
#[derive(Debug, Default)]
pub struct Scripts {
    pub files: Vec<String>,
    pub truncated: bool,
    /// Statement items (`path`, `line`, `detail`, `concerns`).
    pub statements: Vec<Map<String, Value>>,
    pub unreadable: Vec<ReadError>,
}

/// The `sql_scripts` facts.
pub fn facts(s: &Scripts) -> Value {
    json!({
        "exists": !s.files.is_empty(),
        "files": s.files,
        "truncated": s.truncated,
        "statements": s.statements,
    })
}

/// Parse every SQL file under `/docker-entrypoint-initdb.d` and `paths`.
pub fn collect(scan: &Reader, paths: &[String]) -> Scripts {
    let mut roots = vec![INITDB];
    roots.extend(paths.iter().map(String::as_str).filter(|p| *p != INITDB));
    let bounds = Bounds { depth: MAX_DEPTH, entries: MAX_ENTRIES, files: MAX_FILES };
    let walked = tree_walk::walk(scan, &roots, bounds, |e| match e.kind {
        FileType::Dir => !e.name.starts_with('.') && !tree_walk::DEPENDENCY_DIRS.contains(&e.name),
        FileType::File => e.name.to_ascii_lowercase().ends_with(".sql"),
        _ => false,
    });
    let mut unreadable: Vec<ReadError> = Vec::new();
    let mut statements = Vec::new();
    let mut files = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (path, _) in walked.files.iter().filter(|(p, _)| seen.insert(p.clone())) {
        let f = match scan.read_text(path) {
            Ok(f) => f,
            Err(e) => {
                if !e.is_not_found() {
                    unreadable.push(e);
                }
                continue;
            }
        };
        files.push(path.clone());
        for s in split(&f.text) {
            let c = concerns(&s);
            if c.is_empty() {
                continue;
            }
            let mut m = item(Some(path), Some(s.line), detail(&s.code));
            m.insert("concerns".into(), c.into());
            statements.push(m);
        }
    }
    Scripts { files, truncated: walked.truncated, statements, unreadable }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(sql: &str) -> Vec<&'static str> {
        let s = split(sql);
        assert_eq!(s.len(), 1, "{sql}: {s:?}");
        concerns(&s[0])
    }

    #[test]
    fn splitting() {
        let sql = "-- header; not a statement\nCREATE TABLE t (a text DEFAULT 'x;y');\n/* multi\nline; */ GRANT SELECT ON t TO app;\n\nCREATE FUNCTION f() RETURNS void AS $body$ BEGIN PERFORM 1; END $body$ LANGUAGE plpgsql;\n\\connect other\nSELECT 'it''s; fine', \"we;ird\";\nDELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\nDELIMITER ;\nSELECT 2";
        let s = split(sql);
        let lines: Vec<usize> = s.iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![2, 4, 6, 8, 10, 12], "{s:#?}");
        assert!(s[0].code.contains("'x;y'"));
        assert!(s[2].code.contains("PERFORM 1;"));
        assert_eq!(s[3].bare, "SELECT '', \"we;ird\"");
    }

    #[test]
    fn recognition() {
        assert_eq!(
            c("grant all privileges on *.* to 'root'@'%' with grant option"),
            vec!["global_grant", "grant_option", "any_host"]
        );
        assert_eq!(c("GRANT SELECT, FILE ON *.* TO 'etl'@'localhost'"), vec!["global_grant"]);
        assert_eq!(c("GRANT SELECT ON *.* TO 'ro'@'localhost'"), Vec::<&str>::new());
        assert_eq!(c("GRANT ALL ON ALL TABLES IN SCHEMA public TO app"), vec!["global_grant"]);
        assert_eq!(c("CREATE USER 'app'@'%' IDENTIFIED BY 'pw'"), vec!["any_host"]);
        assert_eq!(c("CREATE USER app IDENTIFIED BY 'pw'"), vec!["any_host"]);
        assert_eq!(c("CREATE USER 'app'@'10.0.0.%' IDENTIFIED BY 'pw'"), Vec::<&str>::new());
        assert_eq!(c("CREATE USER app WITH PASSWORD 'SUPERUSER'"), Vec::<&str>::new());
        assert_eq!(c("create role admin login superuser"), vec!["privileged_role"]);
        assert_eq!(c("ALTER ROLE app NOSUPERUSER NOCREATEROLE"), Vec::<&str>::new());
        assert_eq!(c("ALTER ROLE app WITH BYPASSRLS"), vec!["privileged_role"]);
        assert_eq!(c("GRANT CREATE ON SCHEMA public TO PUBLIC"), vec!["public_grant"]);
        assert_eq!(c("GRANT USAGE ON SCHEMA public TO PUBLIC"), Vec::<&str>::new());
        assert_eq!(c("GRANT SELECT ON ALL TABLES IN SCHEMA public TO app, public"), vec!["public_grant"]);
        assert_eq!(c("GRANT SELECT ON t TO app -- TO PUBLIC"), Vec::<&str>::new());
    }

    #[test]
    fn passwords_are_masked_in_detail() {
        let s = split("CREATE USER 'app'@'%' IDENTIFIED BY 'hunter2;x';");
        assert_eq!(detail(&s[0].code), "CREATE USER 'app'@'%' IDENTIFIED BY '****'");
        let s = split("CREATE ROLE a LOGIN SUPERUSER PASSWORD 'p''w' VALID UNTIL 'infinity';");
        assert_eq!(detail(&s[0].code), "CREATE ROLE a LOGIN SUPERUSER PASSWORD '****' VALID UNTIL 'infinity'");
    }

    #[test]
    fn garbage_never_panics() {
        for g in [
            "'",
            "\"",
            "`",
            "$",
            "$$",
            "$a",
            "$a$",
            "/*",
            "--",
            "\\",
            "DELIMITER",
            "DELIMITER ",
            "; ; ;",
            "$1$",
            "ü'ö",
            "GRANT",
            "GRANT ALL ON",
            "\u{0}$\u{0}$",
        ] {
            for s in split(g) {
                let _ = concerns(&s);
                let _ = detail(&s.code);
            }
        }
    }
}
