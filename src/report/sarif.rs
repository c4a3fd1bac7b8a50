//! `--format sarif`: SARIF 2.1.0 for code-scanning tools (GitHub, GitLab,
//! Azure DevOps).
//!
//! One run. `tool.driver.rules` holds one rule per check that was run (so a
//! consumer knows which rules were evaluated); `results` holds the failures
//! only, each located at its evidence files relative to the `TARGETROOT`
//! base (`run.originalUriBaseIds`), which is the scanned root. Checks that
//! ended in an error and inputs that could not be read become
//! `invocations[0].toolExecutionNotifications`; score and grade are in
//! `run.properties`.

use super::Report;
use crate::model::{CheckResult, Evidence, Severity, Status};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

pub const SCHEMA: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The SARIF level of a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The `security-severity` property GitHub code scanning ranks by (a
/// number in a string, as GitHub documents it).
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// Percent-encode a path for a URI: unreserved characters, `/` and the
/// sub-delimiters allowed in a path segment stay, everything else
/// (spaces, `%`, `#`, `?`, non-ASCII bytes) is `%XX`.
pub fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `file:///<root>/` for the scanned root (always ends with a slash, as
/// SARIF requires of a base URI).
pub fn root_uri(root: &str) -> String {
    let trimmed = root.trim_matches('/');
    if trimmed.is_empty() {
        "file:///".into()
    } else {
        format!("file:///{}/", uri_path(trimmed))
    }
}

/// `ssh.permit-root-login` → `SshPermitRootLogin` (SARIF wants `name` to be
/// a readable identifier distinct from the opaque `id`).
fn rule_name(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut cs = p.chars();
            match cs.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn text(s: &str) -> Value {
    json!({ "text": s })
}

fn rule(r: &CheckResult) -> Value {
    let mut props = Map::new();
    // Tags must be unique (SARIF propertyBag.tags).
    let tags: Vec<&str> = if r.category == "security" { vec!["security"] } else { vec!["security", &r.category] };
    props.insert("tags".into(), json!(tags));
    props.insert("security-severity".into(), json!(security_severity(r.severity)));
    props.insert("severity".into(), json!(r.severity.as_str()));
    if !r.references.is_empty() {
        props.insert("references".into(), json!(r.references));
    }
    json!({
        "id": r.id,
        "name": rule_name(&r.id),
        "shortDescription": text(&r.title),
        "help": text(&r.fix),
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": props,
    })
}

fn location(e: &Evidence) -> Option<Value> {
    let path = e.path.as_deref()?;
    let mut phys = Map::new();
    phys.insert(
        "artifactLocation".into(),
        json!({ "uri": uri_path(path.trim_start_matches('/')), "uriBaseId": "TARGETROOT" }),
    );
    if let Some(line) = e.line.filter(|l| *l >= 1) {
        phys.insert("region".into(), json!({ "startLine": line }));
    }
    let mut loc = Map::new();
    loc.insert("physicalLocation".into(), Value::Object(phys));
    if !e.detail.is_empty() {
        loc.insert("message".into(), text(&e.detail));
    }
    Some(Value::Object(loc))
}

fn result(r: &CheckResult, index: usize) -> Value {
    let mut res = Map::new();
    res.insert("ruleId".into(), json!(r.id));
    res.insert("ruleIndex".into(), json!(index));
    res.insert("kind".into(), json!("fail"));
    res.insert("level".into(), json!(level(r.severity)));
    // Evidence that is not a file (a socket, a process) has no physical
    // location: it is kept in the message so no finding is lost.
    let mut message = r.message.clone();
    let others: Vec<&str> = r.evidence.iter().filter(|e| e.path.is_none()).map(|e| e.detail.as_str()).collect();
    if !others.is_empty() {
        message = format!("{message} ({})", others.join("; "));
    }
    res.insert("message".into(), text(&message));
    let locations: Vec<Value> = r.evidence.iter().filter_map(location).collect();
    if !locations.is_empty() {
        res.insert("locations".into(), Value::Array(locations));
    }
    res.insert("properties".into(), json!({ "category": r.category, "severity": r.severity.as_str(), "fix": r.fix }));
    Value::Object(res)
}

pub fn render(report: &Report) -> String {
    // One rule per check run, sorted by id; results point at them by index.
    let mut checks: BTreeMap<&str, &CheckResult> = BTreeMap::new();
    for r in &report.results {
        checks.entry(r.id.as_str()).or_insert(r);
    }
    let index: BTreeMap<&str, usize> = checks.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    let rules: Vec<Value> = checks.values().map(|r| rule(r)).collect();

    let mut failed: Vec<&CheckResult> = report.results.iter().filter(|r| r.status == Status::Fail).collect();
    failed.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(&b.id)));
    let results: Vec<Value> = failed.iter().map(|r| result(r, index[r.id.as_str()])).collect();

    let mut notes: Vec<Value> = Vec::new();
    for r in report.results.iter().filter(|r| r.status == Status::Error) {
        notes.push(json!({
            "level": "error",
            "message": text(&r.message),
            "associatedRule": { "id": r.id, "index": index[r.id.as_str()] },
        }));
    }
    for s in &report.skipped {
        notes.push(json!({
            "level": "warning",
            "message": text(&format!("not read: {}: {}", s.path, s.reason)),
            "locations": [{ "physicalLocation": { "artifactLocation": {
                "uri": uri_path(s.path.trim_start_matches('/')), "uriBaseId": "TARGETROOT" } } }],
        }));
    }
    let mut invocation = Map::new();
    invocation.insert("executionSuccessful".into(), json!(true));
    if !notes.is_empty() {
        invocation.insert("toolExecutionNotifications".into(), Value::Array(notes));
    }

    // The root of the target on this machine; an image has none (its files
    // live in an archive), so the base is described but has no URI.
    let mut base = Map::new();
    if report.target.kind != "image" && report.target.path.starts_with('/') {
        base.insert("uri".into(), json!(root_uri(&report.target.path)));
    }
    base.insert("description".into(), text(&format!("the scanned {} {}", report.target.kind, report.target.path)));
    let base = Value::Object(base);

    let sarif = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": rules,
            } },
            "originalUriBaseIds": { "TARGETROOT": base },
            "invocations": [Value::Object(invocation)],
            "results": results,
            "properties": {
                "target": { "kind": report.target.kind, "path": report.target.path },
                "profile": report.profile,
                "score": report.score.value,
                "grade": report.score.grade.to_string(),
                "scoreByCategory": report.score.by_category,
                "summary": report.summary,
            },
        }],
    });
    let mut s = serde_json::to_string_pretty(&sarif).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
