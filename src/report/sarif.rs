//! `--format sarif`: SARIF 2.1.0 for code-scanning tools (GitHub, GitLab,
//! Azure DevOps).
//!
//! One run. `tool.driver.rules` holds one rule per check that was run (so a
//! consumer knows which rules were evaluated), each with the check's
//! rationale (`fullDescription`), fix (`help`), documentation (`helpUri`)
//! and, in `properties`, the `security-severity` and tags GitHub ranks and
//! filters by. `results` holds the failures only, each located at its
//! evidence files relative to the `TARGETROOT` base
//! (`run.originalUriBaseIds`), which is the scanned root, with a `region`
//! (line 1 for a finding about a whole file). A finding that names no file
//! (a kernel default, a missing firewall) points at the file its fix edits,
//! so that every result has a location: GitHub code scanning rejects a
//! whole upload for one result without. Checks that ended in an error and
//! inputs that could not be read become
//! `invocations[0].toolExecutionNotifications`; when, where and as whom
//! the scan ran is in `invocations[0]`; score and grade are in
//! `run.properties`.
//!
//! Validated in the tests by the SARIF Multitool with its SARIF and GitHub
//! rule sets (`validate --rule-kind "Sarif;Gh"`).

use super::{check_doc_url, context, tool_url, Report};
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

/// Locations kept per result (GitHub keeps the first 100; the others
/// are counted in the message).
pub const MAX_LOCATIONS: usize = 100;

fn rule(r: &CheckResult, rationale: &str) -> Value {
    let mut props = Map::new();
    // Tags must be unique (SARIF propertyBag.tags).
    let tags: Vec<&str> = if r.category == "security" { vec!["security"] } else { vec!["security", &r.category] };
    props.insert("tags".into(), json!(tags));
    props.insert("security-severity".into(), json!(security_severity(r.severity)));
    props.insert("severity".into(), json!(r.severity.as_str()));
    props.insert("precision".into(), json!("very-high"));
    if !r.references.is_empty() {
        props.insert("references".into(), json!(r.references));
    }
    let rationale = if rationale.trim().is_empty() { r.title.as_str() } else { rationale.trim() };
    let mut markdown = format!("{rationale}\n\n**Fix:** {}\n", r.fix.trim());
    if !r.references.is_empty() {
        markdown.push_str("\n**References:**\n\n");
        for (k, v) in &r.references {
            markdown.push_str(&format!("- {k}: {}\n", v.join(", ")));
        }
    }
    json!({
        "id": r.id,
        "name": rule_name(&r.id),
        "shortDescription": text(&r.title),
        "fullDescription": text(rationale),
        "help": { "text": format!("{rationale}\n\nFix: {}", r.fix.trim()), "markdown": markdown },
        "helpUri": check_doc_url(&r.category, &r.id),
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": props,
    })
}

/// The file a fix edits, for a finding that names no file: the first
/// absolute path in the fix text (`/etc/sysctl.d/60-hardening.conf`,
/// `/etc/ufw/ufw.conf`), else `/etc/`.
pub fn fix_path(fix: &str) -> &str {
    fix.split(|c: char| c.is_whitespace() || "`'\"(),;{}<>".contains(c))
        .map(|t| t.trim_end_matches(['.', ':']))
        .find(|t| {
            t.len() > 1
                && t.starts_with('/')
                && t[1..].starts_with(|c: char| c.is_ascii_alphanumeric())
                && !t.contains("//")
                && !t.contains('*')
        })
        .unwrap_or("/etc/")
}

fn physical(path: &str, line: Option<u64>, message: Option<&str>) -> Value {
    let mut loc = Map::new();
    loc.insert(
        "physicalLocation".into(),
        json!({
            "artifactLocation": { "uri": uri_path(path.trim_start_matches('/')), "uriBaseId": "TARGETROOT" },
            // A finding about a whole file (a mode, a missing line) is on line 1.
            "region": { "startLine": line.filter(|l| *l >= 1).unwrap_or(1) },
        }),
    );
    if let Some(m) = message.filter(|m| !m.is_empty()) {
        loc.insert("message".into(), text(m));
    }
    Value::Object(loc)
}

fn result(r: &CheckResult, index: usize) -> Value {
    let mut res = Map::new();
    res.insert("ruleId".into(), json!(r.id));
    res.insert("ruleIndex".into(), json!(index));
    res.insert("kind".into(), json!("fail"));
    res.insert("level".into(), json!(level(r.severity)));
    // Evidence that is not a file (a socket, a kernel value) has no
    // physical location: it is kept in the message so no finding is lost.
    let mut message = r.message.clone();
    let others: Vec<String> = r
        .evidence
        .iter()
        .filter(|e| e.path.is_none())
        .map(|e| match super::layer_note(e) {
            Some(l) => format!("{} [{l}]", e.detail),
            None => e.detail.clone(),
        })
        .collect();
    if !others.is_empty() {
        message = format!("{message} ({})", others.join("; "));
    }
    let files: Vec<&Evidence> = r.evidence.iter().filter(|e| e.path.is_some()).collect();
    let mut locations: Vec<Value> = files
        .iter()
        .take(MAX_LOCATIONS)
        .map(|e| {
            let mut loc = physical(e.path.as_deref().unwrap_or("/"), e.line, Some(&e.detail));
            // The image layer that last wrote the file, in the location's property bag.
            if let (Some(layer), Value::Object(m)) = (&e.layer, &mut loc) {
                m.insert("properties".into(), json!({ "layer": layer }));
            }
            loc
        })
        .collect();
    if files.len() > MAX_LOCATIONS {
        message = format!("{message} (in {} places; the first {MAX_LOCATIONS} are located)", files.len());
    }
    if locations.is_empty() {
        locations.push(physical(fix_path(&r.fix), None, Some("the file that holds the fix")));
    }
    res.insert("message".into(), text(&message));
    res.insert("locations".into(), Value::Array(locations));
    res.insert("properties".into(), json!({ "category": r.category, "severity": r.severity.as_str(), "fix": r.fix }));
    Value::Object(res)
}

/// `startTimeUtc` plus the duration, RFC 3339.
fn end_time(report: &Report) -> String {
    let start = context::parse_rfc3339(&report.scan.started_at).unwrap_or(0);
    context::rfc3339(start + report.scan.duration_ms.div_ceil(1000))
}

pub fn render(report: &Report) -> String {
    // One rule per check run, sorted by id; results point at them by index.
    let mut checks: BTreeMap<&str, &CheckResult> = BTreeMap::new();
    for r in &report.results {
        checks.entry(r.id.as_str()).or_insert(r);
    }
    let index: BTreeMap<&str, usize> = checks.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    let rules: Vec<Value> = checks.values().map(|r| rule(r, report.rationale(&r.id))).collect();

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
    invocation.insert("startTimeUtc".into(), json!(report.scan.started_at));
    invocation.insert("endTimeUtc".into(), json!(end_time(report)));
    // `machine` is where the tool ran: the scanned host itself only for a
    // live scan; the name of an offline root or image is a property.
    if report.target.kind == "host" {
        invocation.insert("machine".into(), json!(report.target.host));
    }
    invocation.insert("account".into(), json!(report.scan.user));
    invocation.insert(
        "properties".into(),
        json!({
            "targetHost": report.target.host,
            "uid": report.scan.uid,
            "asRoot": report.scan.as_root,
            "durationMs": report.scan.duration_ms,
        }),
    );
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
                "informationUri": tool_url(),
                "semanticVersion": report.tool.version,
                "rules": rules,
            } },
            "originalUriBaseIds": { "TARGETROOT": base },
            "invocations": [Value::Object(invocation)],
            "results": results,
            "properties": {
                "target": report.target,
                "scan": report.scan,
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
