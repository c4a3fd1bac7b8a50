//! Tomcat's `tomcat-users.xml` (under `/etc/tomcat*`, `/opt/tomcat*/conf`,
//! `/usr/share/tomcat*/conf`; a file reached twice through links is read
//! once): the `<user username|name=… password=… roles=…>` elements outside
//! `<!-- -->` comments.

use crate::sources::Reader;
use crate::target::ReadError;
use regex::Regex;
use std::collections::HashSet;
use std::sync::OnceLock;

const GLOBS: &[&str] = &[
    "/etc/tomcat*/tomcat-users.xml",
    "/opt/tomcat*/conf/tomcat-users.xml",
    "/usr/share/tomcat*/conf/tomcat-users.xml",
];

/// One `<user>` with a name and a password.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub path: String,
    pub line: usize,
    pub name: String,
    pub password: String,
    pub roles: String,
}

#[derive(Debug, Default)]
pub struct Config {
    pub files: Vec<String>,
    pub users: Vec<User>,
    pub unreadable: Vec<ReadError>,
}

fn xml_unescape(v: &str) -> String {
    v.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// Blank out `<!-- … -->` comments, keeping newlines so that lines stay put.
fn strip_xml_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let end = after.find("-->").map(|e| e + 3).unwrap_or(after.len());
        out.extend(after[..end].chars().map(|ch| if ch == '\n' { '\n' } else { ' ' }));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn users_of(path: &str, text: &str, out: &mut Vec<User>) {
    static USER: OnceLock<Regex> = OnceLock::new();
    static ATTR: OnceLock<Regex> = OnceLock::new();
    let user_re = USER.get_or_init(|| Regex::new(r"<user\b([^>]*)>").expect("static regex"));
    let attr_re =
        ATTR.get_or_init(|| Regex::new(r#"([A-Za-z_][\w:.\-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')"#).expect("static regex"));
    let clean = strip_xml_comments(text);
    for cap in user_re.captures_iter(&clean) {
        let start = cap.get(0).map(|m| m.start()).unwrap_or(0);
        let line = clean[..start].matches('\n').count() + 1;
        let (mut name, mut password, mut roles) = (None, None, String::new());
        for a in attr_re.captures_iter(&cap[1]) {
            let v = xml_unescape(a.get(2).or(a.get(3)).map(|m| m.as_str()).unwrap_or(""));
            match &a[1] {
                "username" | "name" => name = Some(v),
                "password" => password = Some(v),
                "roles" => roles = v,
                _ => {}
            }
        }
        if let (Some(name), Some(password)) = (name, password) {
            out.push(User { path: path.to_string(), line, name, password, roles });
        }
    }
}

/// Every tomcat-users.xml.
pub fn read(r: &Reader) -> Config {
    let mut c = Config::default();
    let mut seen = HashSet::new();
    for path in GLOBS.iter().flat_map(|g| r.glob(g)) {
        // /usr/share/tomcat9/conf is usually a link to /etc/tomcat9.
        if !seen.insert(r.resolved(&path)) {
            continue;
        }
        match r.read_text(&path) {
            Ok(f) => {
                c.files.push(path.clone());
                users_of(&path, &f.text, &mut c.users);
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => c.unreadable.push(e),
        }
    }
    c
}
