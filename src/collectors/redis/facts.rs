//! The `redis` facts, built over the [`Config`]: directives with secrets
//! masked, the users and their ACL rules, the `default` user every
//! unauthenticated client is, and the dangerous commands some enabled user
//! may still run.

use super::{Config, Directive, Instance};
use crate::sources::{item, Unavailable};
use serde_json::{json, Map, Value};

/// Commands whose use should be limited, with their ACL categories.
const DANGEROUS: &[(&str, &[&str])] = &[
    ("FLUSHALL", &["dangerous", "keyspace", "write", "slow"]),
    ("FLUSHDB", &["dangerous", "keyspace", "write", "slow"]),
    ("CONFIG", &["dangerous", "admin", "slow"]),
    ("DEBUG", &["dangerous", "admin", "slow"]),
    ("KEYS", &["dangerous", "keyspace", "read", "slow"]),
    ("SHUTDOWN", &["dangerous", "admin", "slow"]),
    ("MODULE", &["dangerous", "admin", "slow"]),
];

/// An ACL rule token that carries a password or its hash.
pub(super) fn secret_rule(r: &str) -> bool {
    r.starts_with('>') || r.starts_with('<') || r.starts_with('#') || r.starts_with('!')
}

/// The line as evidence: passwords and ACL password rules masked.
pub fn masked_detail(d: &Directive) -> String {
    if matches!(d.key.as_str(), "requirepass" | "masterauth") {
        return format!("{} ****", d.name);
    }
    if d.key == "user" {
        return std::iter::once(d.name.clone())
            .chain(d.args.iter().map(|a| if secret_rule(a) { format!("{}****", &a[..1]) } else { a.clone() }))
            .collect::<Vec<_>>()
            .join(" ");
    }
    d.raw.trim().to_string()
}

/// The effect of a user's ACL rules, applied in order from `reset` (`off`,
/// no passwords, no keys, no commands).
#[derive(Debug, Default, Clone)]
struct Acl {
    on: bool,
    nopass: bool,
    passwords: bool,
    allkeys: bool,
    /// Per dangerous command: allowed?
    commands: Vec<bool>,
    allcommands: bool,
}

impl Acl {
    fn reset() -> Acl {
        Acl { commands: vec![false; DANGEROUS.len()], ..Acl::default() }
    }

    /// The built-in `default` user: `on nopass ~* &* +@all`.
    fn builtin_default() -> Acl {
        Acl {
            on: true,
            nopass: true,
            passwords: false,
            allkeys: true,
            commands: vec![true; DANGEROUS.len()],
            allcommands: true,
        }
    }

    fn apply(&mut self, rule: &str) {
        let lower = rule.to_ascii_lowercase();
        match lower.as_str() {
            "on" => self.on = true,
            "off" => self.on = false,
            "nopass" => {
                self.nopass = true;
                self.passwords = false;
            }
            "resetpass" => {
                self.nopass = false;
                self.passwords = false;
            }
            "reset" => *self = Acl::reset(),
            "allkeys" | "~*" => self.allkeys = true,
            "resetkeys" => self.allkeys = false,
            "allcommands" | "+@all" => {
                self.allcommands = true;
                self.commands.iter_mut().for_each(|c| *c = true);
            }
            "nocommands" | "-@all" => {
                self.allcommands = false;
                self.commands.iter_mut().for_each(|c| *c = false);
            }
            _ if rule.starts_with('>') || rule.starts_with('#') => {
                self.passwords = true;
                self.nopass = false;
            }
            _ => {
                let (allow, name) = match (lower.strip_prefix('+'), lower.strip_prefix('-')) {
                    (Some(n), _) => (true, n),
                    (_, Some(n)) => (false, n),
                    _ => return,
                };
                if !allow {
                    self.allcommands = false;
                }
                if name.contains('|') && allow {
                    return; // one subcommand does not allow the whole command
                }
                let base = name.split('|').next().unwrap_or("");
                for (i, (cmd, cats)) in DANGEROUS.iter().enumerate() {
                    let hit = match base.strip_prefix('@') {
                        Some(cat) => cats.contains(&cat),
                        None => base.eq_ignore_ascii_case(cmd),
                    };
                    if hit {
                        self.commands[i] = allow;
                    }
                }
            }
        }
    }
}

fn user_item(path: &str, line: Option<usize>, detail: &str, name: &str, source: &str, acl: &Acl) -> Map<String, Value> {
    let mut u = item(Some(path), line, detail);
    u.insert("name".into(), name.into());
    u.insert("source".into(), source.into());
    u.insert("on".into(), acl.on.into());
    u.insert("nopass".into(), acl.nopass.into());
    u.insert("has_password".into(), acl.passwords.into());
    u.insert("allkeys".into(), acl.allkeys.into());
    u.insert("allcommands".into(), acl.allcommands.into());
    u
}

/// A directive's fact entry: `{path, line, detail, key, args, value}`
/// (passwords and ACL password rules never shown).
fn entry(d: &Directive) -> Map<String, Value> {
    let mut m = item(Some(&d.path), Some(d.line), masked_detail(d));
    let shown: Vec<Value> = if matches!(d.key.as_str(), "requirepass" | "masterauth") {
        Vec::new()
    } else {
        d.args
            .iter()
            .map(|a| Value::from(if secret_rule(a) && d.key == "user" { "****" } else { a.as_str() }))
            .collect()
    };
    let value = if shown.is_empty() || matches!(d.key.as_str(), "requirepass" | "masterauth" | "user") {
        Value::Null
    } else {
        Value::from(d.args.join(" "))
    };
    m.insert("key".into(), d.key.clone().into());
    m.insert("args".into(), shown.into());
    m.insert("value".into(), value);
    m
}

/// A defined user: name, effective ACL, fact item.
type User = (String, Acl, Map<String, Value>);

/// The users an instance defines: those of its ACL file when it names one
/// (the server then ignores `user` lines of redis.conf), else its `user`
/// lines; a later definition of a name replaces an earlier one.
fn users(inst: &Instance) -> Vec<User> {
    let mut users: Vec<User> = Vec::new();
    let (lines, source): (Vec<&Directive>, &str) = match &inst.aclfile {
        Some(acl) => (acl.users.iter().collect(), "aclfile"),
        None => (inst.all("user").collect(), "conf"),
    };
    for d in lines {
        let Some(name) = d.args.first() else { continue };
        let mut acl = Acl::reset();
        for rule in &d.args[1..] {
            acl.apply(rule);
        }
        let u = user_item(&d.path, Some(d.line), &masked_detail(d), name, source, &acl);
        users.retain(|(n, _, _)| n != name);
        users.push((name.clone(), acl, u));
    }
    users
}

/// The `default` user: its ACL and fact item (`why`, `no_auth`). Without a
/// definition it is the built-in `on nopass ~* &* +@all`, with
/// `requirepass` (ignored with an ACL file) as its password; it is then
/// added first to `users`.
fn default_user(inst: &Instance, users: &mut Vec<User>) -> (Acl, Map<String, Value>) {
    if let Some((_, acl, u)) = users.iter().find(|(n, _, _)| n == "default") {
        let mut d = u.clone();
        d.insert("why".into(), format!("`user default` at line {}", u["line"]).into());
        return (acl.clone(), d);
    }
    let acl_source = inst.aclfile.as_ref().filter(|a| a.read).map(|a| a.path.clone());
    let req = inst.last("requirepass").filter(|_| inst.aclfile.is_none());
    let has = req.is_some_and(|e| e.args.first().is_some_and(|p| !p.is_empty()));
    let mut acl = Acl::builtin_default();
    if has {
        acl.nopass = false;
        acl.passwords = true;
    }
    let mut d = match (req, &acl_source) {
        (Some(e), _) => item(Some(&e.path), Some(e.line), masked_detail(e)),
        (None, Some(f)) => item(Some(f), None, "the ACL file defines no `default` user"),
        (None, None) => item(Some(&inst.path), None, "no requirepass and no `user default` line"),
    };
    let why = match (req, &acl_source) {
        (Some(_), _) if has => "requirepass",
        (Some(_), _) => "requirepass is empty",
        (None, Some(_)) => "the ACL file does not define `default`, which is then `on nopass`",
        (None, None) => "neither requirepass nor a `user default` rule is set",
    };
    d.insert("why".into(), why.into());
    d.insert("name".into(), "default".into());
    d.insert("on".into(), acl.on.into());
    d.insert("nopass".into(), acl.nopass.into());
    d.insert("has_password".into(), acl.passwords.into());
    let builtin = user_item(&inst.path, None, "built-in default user", "default", "builtin", &acl);
    users.insert(0, ("default".into(), acl.clone(), builtin));
    (acl, d)
}

/// Dangerous commands some enabled user may run that are not renamed.
fn dangerous(inst: &Instance, users: &[User]) -> Vec<Value> {
    let renamed: Vec<String> =
        inst.all("rename-command").filter_map(|d| d.args.first().map(|c| c.to_ascii_uppercase())).collect();
    let enabled = |k: &str| {
        inst.last(k)
            .and_then(|d| d.args.first().map(|v| v.to_ascii_lowercase()))
            .is_some_and(|v| v == "yes" || v == "local")
    };
    let mut out = Vec::new();
    for (i, (cmd, _)) in DANGEROUS.iter().enumerate() {
        if renamed.iter().any(|r| r == cmd) {
            continue;
        }
        if (*cmd == "DEBUG" && !enabled("enable-debug-command"))
            || (*cmd == "MODULE" && !enabled("enable-module-command"))
        {
            continue;
        }
        let who: Vec<String> =
            users.iter().filter(|(_, a, _)| a.on && a.commands[i]).map(|(n, _, _)| n.clone()).collect();
        if who.is_empty() {
            continue;
        }
        let mut m = item(Some(&inst.path), None, format!("{cmd} is neither renamed nor denied to {}", who.join(", ")));
        m.insert("command".into(), (*cmd).into());
        m.insert("users".into(), who.into());
        out.push(Value::Object(m));
    }
    out
}

fn instance_fact(inst: &Instance) -> Value {
    let entries: Vec<Map<String, Value>> = inst.directives.iter().map(entry).collect();
    let mut values = Map::new();
    for e in &entries {
        if let Some(k) = e.get("key").and_then(Value::as_str) {
            values.insert(k.to_string(), Value::Object(e.clone()));
        }
    }
    let mut users = users(inst);
    let (dacl, mut d) = default_user(inst, &mut users);
    d.insert("no_auth".into(), (dacl.on && dacl.nopass).into());
    let dangerous = dangerous(inst, &users);
    let mut m = item(Some(&inst.path), None, format!("Redis configuration {}", inst.path));
    m.insert("files".into(), inst.files.clone().into());
    m.insert("entries".into(), entries.into_iter().map(Value::Object).collect::<Vec<_>>().into());
    m.insert("values".into(), Value::Object(values));
    m.insert("users".into(), users.into_iter().map(|(_, _, u)| Value::Object(u)).collect::<Vec<_>>().into());
    m.insert("default_user".into(), Value::Object(d));
    m.insert("dangerous".into(), dangerous.into());
    Value::Object(m)
}

impl Config {
    /// The `redis` facts: `{exists, instances, users, default_users,
    /// unreadable}` of the data servers.
    pub fn facts(&self) -> Result<Value, Unavailable> {
        let instances: Vec<Value> = self.servers().map(instance_fact).collect();
        if instances.is_empty() {
            if let Some(e) = self.unreadable.first() {
                return Err(Unavailable::Unreadable(e.clone()));
            }
            return Err(Unavailable::NotFound("no Redis configuration (redis.conf) found".into()));
        }
        let unreadable: Vec<Value> =
            self.unreadable.iter().map(|e| json!({"path": e.path(), "reason": e.reason()})).collect();
        let all = |k: &str| -> Vec<Value> {
            instances.iter().flat_map(|i| i[k].as_array().cloned().unwrap_or_default()).collect()
        };
        let users = all("users");
        let default_users: Vec<Value> = instances.iter().map(|i| i["default_user"].clone()).collect();
        Ok(
            json!({"exists": true, "instances": instances, "users": users, "default_users": default_users, "unreadable": unreadable}),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::{read, split_args};
    use crate::collectors::test_support::scan_with;
    use crate::sources::{Reader, Unavailable};
    use serde_json::Value;

    fn collect(r: &Reader) -> Result<Value, Unavailable> {
        read(r).facts()
    }

    #[test]
    fn args() {
        assert_eq!(split_args("rename-command CONFIG \"\"").unwrap(), vec!["rename-command", "CONFIG", ""]);
        assert_eq!(split_args("  a 'b c' \"d\\x41\"").unwrap(), vec!["a", "b c", "dA"]);
        assert!(split_args("a \"b").is_none());
        assert!(split_args("a \"b\"c").is_none());
        assert_eq!(split_args("user x on 'q\\'z'").unwrap(), vec!["user", "x", "on", "q'z"]);
        assert_eq!(split_args("  ").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn default_user_and_includes() {
        let (_d, scan) = scan_with(&[
            ("/etc/redis/redis.conf", "requirepass s3cret\ninclude /etc/redis/local.conf\n"),
            (
                "/etc/redis/local.conf",
                "protected-mode no\nuser default on nopass ~* +@all -@dangerous\nuser app on >pw ~* +@all\n",
            ),
        ]);
        let v = collect(&scan).unwrap();
        assert_eq!(v["instances"].as_array().unwrap().len(), 1, "an included file is no instance");
        let i = &v["instances"][0];
        assert_eq!(i["default_user"]["no_auth"], true, "`user default` overrides requirepass");
        assert_eq!(i["values"]["protected-mode"]["value"], "no");
        assert_eq!(i["users"][1]["detail"], "user app on >**** ~* +@all");
        let dangerous: Vec<&str> =
            i["dangerous"].as_array().unwrap().iter().map(|d| d["command"].as_str().unwrap()).collect();
        assert_eq!(dangerous, vec!["FLUSHALL", "FLUSHDB", "CONFIG", "KEYS", "SHUTDOWN"], "app may still run them");
        assert!(!v.to_string().contains("s3cret"));
        assert!(!v.to_string().contains(">pw"));
    }

    #[test]
    fn aclfile_without_default_is_nopass() {
        let (_d, scan) = scan_with(&[
            ("/etc/redis.conf", "requirepass x\naclfile /etc/redis/users.acl\nrename-command FLUSHALL \"\"\n"),
            ("/etc/redis/users.acl", "user admin on #abc ~* +@all\n"),
        ]);
        let v = collect(&scan).unwrap();
        let i = &v["instances"][0];
        assert_eq!(i["default_user"]["no_auth"], true);
        assert_eq!(i["default_user"]["path"], "/etc/redis/users.acl");
        assert!(!i["dangerous"].as_array().unwrap().iter().any(|d| d["command"] == "FLUSHALL"));
    }

    #[test]
    fn garbage_never_panics() {
        let text = "\"\nuser\nuser default\ninclude\ninclude /etc/redis/redis.conf\nrename-command\naclfile\n\\x\n'\u{0}'\nrequirepass\n";
        let (_d, scan) = scan_with(&[("/etc/redis/redis.conf", text)]);
        let v = collect(&scan).unwrap();
        assert_eq!(v["instances"][0]["default_user"]["no_auth"], false, "`user default` alone resets it to off");
    }
}
