//! The check engine: loads each check's sources (once per scan, shared),
//! evaluates its predicate or probe, and turns the outcome into a
//! [`CheckResult`] with evidence. Checks run on a small pool of worker
//! threads with large stacks; a check that does not finish within the time
//! budget becomes an `error` result and the scan goes on.

use super::definition::{Check, WhenEmpty};
use super::expr;
use super::probes::{self, Outcome};
use super::session::Session;
use crate::facts::Facts;
use crate::limits;
use crate::model::{CheckResult, Evidence, Severity, Status};
use crate::redact::mask;
use crate::sources::Unavailable;
use crate::target::ReadError;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Instant;

/// Stack of each worker thread (deeply nested CEL must not overflow it).
const WORKER_STACK: usize = limits::WORKER_STACK;
/// Most evidence entries kept per result.
const MAX_EVIDENCE: usize = limits::EVIDENCE_PER_RESULT;

/// A check as the profile selected it.
#[derive(Debug, Clone)]
pub struct Planned {
    pub check: Arc<Check>,
    pub severity: Severity,
    pub params: Map<String, Value>,
}

/// Run every planned check; results are in the order given. `finished`
/// counts the checks done so far, for a progress line. A predicate still
/// being evaluated after [`limits::CHECK_TIME`] is an `error` result, and a
/// fresh worker takes its place (CEL evaluation cannot be interrupted: the
/// stuck worker's late answer is dropped).
pub fn run(facts: Arc<Facts>, plan: Vec<Planned>, finished: &AtomicUsize) -> Vec<CheckResult> {
    let budget = facts.options().budget;
    let scan = Arc::new(Session::new(facts));
    scan.plan(&plan);
    // The checks that guess passwords start first: their budget runs on
    // its own (its guessing threads bounded by its memory cap) while the
    // other workers judge the rest. Results stay in plan order.
    let guessing = |p: &Planned| p.check.def.probe.as_deref().is_some_and(|n| probes::GUESSING.contains(&n));
    let mut order: Vec<usize> = (0..plan.len()).collect();
    let slow = slow_first(&plan);
    order.sort_by_key(|&i| (!guessing(&plan[i]), slow[i]));
    let order = Arc::new(order);
    let plan = Arc::new(plan);
    let next = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel::<(usize, CheckResult)>();
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, limits::WORKERS);
    let spawn = || {
        let (plan, order, next, tx, scan) = (plan.clone(), order.clone(), next.clone(), tx.clone(), scan.clone());
        std::thread::Builder::new().stack_size(WORKER_STACK).spawn(move || {
            while let Some(&i) = order.get(next.fetch_add(1, Ordering::SeqCst)) {
                let Some(p) = plan.get(i) else { break };
                let started = Instant::now();
                let r = run_one_at(&scan, p, i);
                super::timings::check(&p.check.def.id, started.elapsed());
                scan.evaluated(i);
                scan.done(p);
                if tx.send((i, r)).is_err() {
                    break;
                }
            }
        })
    };
    for _ in 0..workers.min(plan.len().max(1)) {
        if spawn().is_err() {
            break;
        }
    }
    let mut results: Vec<Option<CheckResult>> = vec![None; plan.len()];
    let deadline = Instant::now() + budget;
    let mut done = 0;
    // Why the checks left unjudged are not judged, when the scan stops early.
    let mut stopped: Option<String> = None;
    while done < plan.len() {
        if let Some(why) = memory_breach(&scan) {
            // Answers already sent are kept.
            while let Ok((i, r)) = rx.try_recv() {
                results[i].get_or_insert(r);
            }
            for (i, r) in why.0 {
                results[i] = Some(result(&plan[i], Status::Error, r, Vec::new(), None));
            }
            stopped = Some(why.1);
            break;
        }
        for i in scan.overdue() {
            if results[i].is_none() {
                let why = format!("evaluation did not finish within {} s", limits::CHECK_TIME.as_secs());
                results[i] = Some(result(&plan[i], Status::Error, why, Vec::new(), None));
                done += 1;
                finished.store(done, Ordering::Relaxed);
                let _ = spawn();
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left.min(MEMORY_POLL)) {
            Ok((i, r)) => {
                if results[i].is_none() {
                    results[i] = Some(r);
                    done += 1;
                    finished.store(done, Ordering::Relaxed);
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) if !left.is_zero() => {}
            Err(_) => break,
        }
    }
    drop(tx);
    results
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.unwrap_or_else(|| {
                let p = &plan[i];
                let why = stopped.clone().unwrap_or_else(|| format!("did not finish within {} s", budget.as_secs()));
                result(p, Status::Error, why, Vec::new(), None)
            })
        })
        .collect()
}

/// Probes that walk directory trees.
const SLOW_PROBES: &[&str] = &["secret_files"];
/// Registry facts that take the longest to collect.
const SLOW_FACTS: &[&str] = &["packages", "declared_listeners", "pam"];

/// Where each planned check goes in the run order: the checks that walk a
/// tree or collect a slow fact first (longest first, so that none is left
/// to run alone while the other workers idle at the end), the first check
/// of each slow input before the second of any (two workers that start on
/// the same input would wait for each other), then the rest in plan order.
fn slow_first(plan: &[Planned]) -> Vec<(usize, usize)> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    plan.iter()
        .enumerate()
        .map(|(i, p)| {
            let d = &p.check.def;
            let input = match (&d.probe, d.sources.iter().find(|s| SLOW_FACTS.contains(&s.as_str()))) {
                (Some(probe), _) if SLOW_PROBES.contains(&probe.as_str()) => Some(format!("probe:{probe}")),
                (_, Some(fact)) => Some(format!("fact:{fact}")),
                _ => d
                    .files
                    .values()
                    .find(|f| f.format == crate::sources::Format::Walk)
                    .map(|f| format!("walk:{}", serde_json::to_string(f).unwrap_or_default())),
            };
            match input {
                Some(input) => {
                    let n = seen.entry(input).or_default();
                    *n += 1;
                    (*n - 1, i)
                }
                None => (usize::MAX, i),
            }
        })
        .collect()
}

/// How often the engine looks at the scan's memory while checks run.
const MEMORY_POLL: std::time::Duration = std::time::Duration::from_millis(50);

/// The error of each check evaluating when the memory bound was passed,
/// and the reason the rest are not judged.
type Breach = (Vec<(usize, String)>, String);

/// Past [`limits::SCAN_MEMORY`] while predicates evaluate: see [`Breach`].
fn memory_breach(scan: &Session) -> Option<Breach> {
    if scan.evaluating().is_empty() {
        return None;
    }
    let rss = resident_bytes()?;
    if rss <= limits::SCAN_MEMORY {
        return None;
    }
    let mib = |b: u64| b >> 20;
    let running: Vec<usize> = scan.evaluating().drain().map(|(i, _)| i).collect();
    let why = format!(
        "evaluation stopped: the scan's memory reached {} MiB (bound {} MiB) while this check's predicate ran",
        mib(rss),
        mib(limits::SCAN_MEMORY)
    );
    let rest = format!(
        "not judged: the scan stopped when a check's predicate took its memory past {} MiB",
        mib(limits::SCAN_MEMORY)
    );
    Some((running.into_iter().map(|i| (i, why.clone())).collect(), rest))
}

/// This process's resident memory (`VmRSS` of /proc/self/status).
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?.trim().trim_end_matches("kB").trim();
    kib.parse::<u64>().ok().map(|k| k * 1024)
}

fn result(
    p: &Planned,
    status: Status,
    message: String,
    evidence: Vec<Evidence>,
    first: Option<&Map<String, Value>>,
) -> CheckResult {
    let d = &p.check.def;
    CheckResult {
        id: d.id.clone(),
        title: d.title.clone(),
        category: d.category.clone(),
        severity: p.severity,
        status,
        // The message is the check's own words with target values masked
        // where they were put in (`fill`), never masked as a whole.
        message,
        evidence,
        fix: fill_fix(&d.fix, first, d.fix_location.as_deref()),
        references: d.references.clone(),
        waiver: None,
        change: None,
    }
}

/// Fill `{field}` placeholders from an item; unknown ones stay as written.
/// Each value put in comes from the target and is masked in the context of
/// the line it lands on (`password = {value}` masks the value), while the
/// template's own words are never masked.
pub fn fill(template: &str, fields: Option<&Map<String, Value>>) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if after[..end].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && end > 0 => {
                let key = &after[..end];
                match fields.and_then(|f| f.get(key)) {
                    Some(Value::String(s)) => push_value(&mut out, s, &after[end + 1..]),
                    Some(Value::Null) | None => {
                        out.push('{');
                        out.push_str(key);
                        out.push('}');
                    }
                    Some(Value::Array(a)) => push_value(
                        &mut out,
                        &a.iter()
                            .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
                            .collect::<Vec<_>>()
                            .join(","),
                        &after[end + 1..],
                    ),
                    Some(v) => push_value(&mut out, &v.to_string(), &after[end + 1..]),
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Append a target value to `out`, masked as it reads between the text
/// already on its line and the template's words after it:
/// `requirepass {value}` hides the value, while "its password {days} days
/// ago" does not take the number for a password. The check's own words are
/// never masked.
fn push_value(out: &mut String, value: &str, template_rest: &str) {
    let line = &out[out.rfind('\n').map_or(0, |i| i + 1)..];
    let tail = &template_rest[..template_rest.find('\n').unwrap_or(template_rest.len())];
    let masked = mask(&format!("{line}{value}{tail}"));
    let shown = match masked.strip_prefix(line).and_then(|m| m.strip_suffix(tail)) {
        Some(v) => v.to_string(),
        // The mask reached into the check's words: mask the value alone.
        None => mask(value),
    };
    out.push_str(&shown);
}

fn fill_fix(template: &str, first: Option<&Map<String, Value>>, default_location: Option<&str>) -> String {
    let path = first.and_then(|f| f.get("path")).and_then(Value::as_str).or(default_location);
    let line = first.and_then(|f| f.get("line")).and_then(Value::as_u64);
    let location = match (path, line) {
        (Some(p), Some(l)) => format!("{p} (line {l})"),
        (Some(p), None) => p.to_string(),
        _ => "the configuration file".to_string(),
    };
    let mut fields = first.cloned().unwrap_or_default();
    fields.insert("location".into(), location.clone().into());
    if fields.get("path").is_none_or(Value::is_null) {
        fields.insert("path".into(), path.unwrap_or(&location).into());
    }
    let filled = fill(template, Some(&fields));
    if first.is_some() {
        filled
    } else {
        // No failing item (a pass or skip): an item placeholder has no value,
        // and is shown by its name (`‹gid›`): the fix reads as a template,
        // not as text with words missing. Guillemets, not `<…>`: Markdown
        // renderers drop what looks like an HTML tag, and code spans keep them.
        fill_missing(&filled)
    }
}

/// Replace every `{field}` placeholder left in `text` by `‹field›`.
fn fill_missing(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if end > 0 && after[..end].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                out.push_str(&rest[..start]);
                out.push('‹');
                out.push_str(&after[..end]);
                out.push('›');
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str(&rest[..=start]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The fields of a failing item: a map as it is; any other value becomes
/// `{it, detail}` (evidence with no path).
fn item_fields(item: &Value) -> Map<String, Value> {
    match item {
        Value::Object(m) => m.clone(),
        other => {
            let s = other.as_str().map(str::to_string).unwrap_or_else(|| other.to_string());
            let mut m = Map::new();
            m.insert("it".into(), s.clone().into());
            m.insert("detail".into(), s.into());
            m
        }
    }
}

/// Evidence from an item's `path`, `line` and `detail` (or `text`), masked.
fn evidence_of(m: &Map<String, Value>) -> Evidence {
    let detail = match m.get("detail") {
        Some(Value::String(s)) => s.clone(),
        _ => m.get("text").and_then(Value::as_str).unwrap_or("").to_string(),
    };
    Evidence {
        path: m.get("path").and_then(Value::as_str).map(str::to_string),
        line: m.get("line").and_then(Value::as_u64),
        detail: mask(&detail),
        // A finding that is not a file may name the layer it is about (an
        // image's build step).
        layer: m.get("layer").and_then(|l| serde_json::from_value(l.clone()).ok()),
        change: None,
    }
}

fn unavailable(p: &Planned, u: &Unavailable) -> CheckResult {
    match u {
        Unavailable::NotFound(why) => {
            result(p, Status::Skip, mask(&format!("not applicable: {why}")), Vec::new(), None)
        }
        Unavailable::Unreadable(e) => result(p, Status::Skip, mask(&format!("cannot read {e}")), Vec::new(), None),
        Unavailable::Malformed { path, line, message } => {
            let ev = Evidence {
                path: Some(path.clone()),
                line: Some(*line as u64),
                detail: mask(message),
                layer: None,
                change: None,
            };
            result(p, Status::Error, mask(&format!("malformed {path}:{line}: {message}")), vec![ev], None)
        }
        Unavailable::Failed(why) => result(p, Status::Error, mask(why), Vec::new(), None),
    }
}

fn unreadable_message(list: &[ReadError]) -> String {
    let shown: Vec<String> = list.iter().take(3).map(|e| e.to_string()).collect();
    let more = if list.len() > 3 { format!(" (and {} more)", list.len() - 3) } else { String::new() };
    mask(&format!("could not read everything this check needs: {}{more}", shown.join("; ")))
}

/// Judge the check at plan index `i`; its evaluation (after its facts are
/// collected) is timed by the session.
pub(super) fn run_one_at(scan: &Session, p: &Planned, i: usize) -> CheckResult {
    let c = &p.check;
    let d = &c.def;
    let target = scan.facts().target();
    if d.live_only && !target.is_live() {
        return result(p, Status::Skip, "needs a live host (offline target)".into(), Vec::new(), None);
    }
    if let (true, Some(engine)) = (d.live_only, &scan.facts().options().container) {
        let why = format!(
            "needs the live host: hardcheck runs inside a container ({engine}), whose live state is not the host's"
        );
        return result(p, Status::Skip, why, Vec::new(), None);
    }
    if let Some(name) = &d.probe {
        return match probes::find(name).map(|probe| (probe.run)(scan.facts(), &p.params)) {
            Some(Ok(outcome)) => from_outcome(p, outcome),
            Some(Err(u)) => unavailable(p, &u),
            None => result(p, Status::Error, format!("unknown probe `{name}`"), Vec::new(), None),
        };
    }
    let mut unreadable: Vec<ReadError> = Vec::new();
    // The facts are lent to the context, not copied into it.
    let mut shared = expr::Shared::default();
    let loaded = d.sources.iter().map(|n| (n, scan.source(n))).chain(d.files.iter().map(|(n, s)| (n, scan.file(s))));
    for (name, fact) in loaded {
        match fact {
            Ok(l) => {
                unreadable.extend(l.1.iter().cloned());
                shared.add(name, l);
            }
            Err(u) => return unavailable(p, &u),
        }
    }
    let mut ctx = expr::context();
    ctx.set_variable_resolver(&shared);
    ctx.add_variable_from_value("params", expr::to_cel(&Value::Object(p.params.clone())));
    let target = serde_json::json!({"kind": target.kind().as_str(), "live": target.is_live()});
    ctx.add_variable_from_value("target", expr::to_cel(&target));
    scan.evaluating().insert(i, Instant::now());

    let predicate = match c.predicate() {
        Ok(predicate) => predicate,
        Err(e) => return result(p, Status::Error, mask(e), Vec::new(), None),
    };
    if let Some(applies) = &predicate.applies {
        match applies.eval_bool(&ctx) {
            Ok(true) => {}
            // Not applicable as far as could be read: an input that could
            // not be read may have made it apply, and is the reason.
            Ok(false) if !unreadable.is_empty() => {
                return result(p, Status::Skip, unreadable_message(&unreadable), Vec::new(), None);
            }
            Ok(false) => {
                let why = d.not_applicable.clone().unwrap_or_else(|| "not applicable to this target".into());
                return result(p, Status::Skip, why, Vec::new(), None);
            }
            Err(e) => return result(p, Status::Error, mask(&e), Vec::new(), None),
        }
    }
    let (Some(for_each), Some(expect)) = (&predicate.for_each, &predicate.expect) else {
        return result(p, Status::Error, "check has neither probe nor predicate".into(), Vec::new(), None);
    };
    // An expression that fails on facts collected with unreadable input
    // (an index into an empty file list) is a skip naming that input.
    let failed = |e: String, unreadable: &[ReadError]| {
        if unreadable.is_empty() {
            result(p, Status::Error, mask(&e), Vec::new(), None)
        } else {
            result(p, Status::Skip, unreadable_message(unreadable), Vec::new(), None)
        }
    };
    let items = match for_each.eval_items(&ctx) {
        Ok(items) => items,
        Err(e) => return failed(e, &unreadable),
    };
    let items = items.as_slice();
    if items.len() > limits::CEL_ITEMS {
        let why = format!("`for_each` gave {} items (limit {})", items.len(), limits::CEL_ITEMS);
        return result(p, Status::Error, why, Vec::new(), None);
    }
    let mut outcome = Outcome { checked: items.len(), unreadable, ..Default::default() };
    for it in items.iter() {
        let item = expr::Item(it.as_ref());
        let mut inner = ctx.new_inner_scope();
        inner.set_variable_resolver(&item);
        match expect.eval_bool(&inner) {
            Ok(true) => {}
            Ok(false) if outcome.failures.len() < MAX_EVIDENCE => {
                outcome.failures.push(item_fields(&expr::val_to_json(it.as_ref())))
            }
            Ok(false) => outcome.more_failures += 1,
            Err(e) => return failed(e, &outcome.unreadable),
        }
    }
    if items.is_empty() {
        match d.when_empty {
            WhenEmpty::Pass => {}
            WhenEmpty::Fail => {
                let msg = d.message.clone().unwrap_or_else(|| "nothing found".into());
                return result(p, Status::Fail, fill(&msg, None), Vec::new(), None);
            }
            WhenEmpty::Skip => {
                let why = d.not_applicable.clone().unwrap_or_else(|| "not applicable: nothing to check".into());
                return result(p, Status::Skip, why, Vec::new(), None);
            }
        }
    }
    from_outcome(p, outcome)
}

fn from_outcome(p: &Planned, o: Outcome) -> CheckResult {
    let d = &p.check.def;
    if let Some(first) = o.failures.first() {
        let template = d.message.clone().unwrap_or_else(|| d.title.clone());
        let count = o.failures.len() + o.more_failures;
        let mut fields = first.clone();
        fields.insert("count".into(), count.into());
        let mut message = fill(&template, Some(&fields));
        // A message that names the count itself needs no "(and N more)".
        if count > 1 && !template.contains("{count}") {
            message.push_str(&format!(" (and {} more)", count - 1));
        }
        let evidence: Vec<Evidence> = o.failures.iter().take(MAX_EVIDENCE).map(evidence_of).collect();
        // A bound that was reached is stated, even on a failure.
        let mut notes = o.notes.clone();
        notes.extend(o.unreadable.iter().filter(|e| matches!(e, ReadError::Limit { .. })).map(|e| e.to_string()));
        return result(p, Status::Fail, with_notes(message, &notes), evidence, Some(first));
    }
    if !o.unreadable.is_empty() {
        return result(p, Status::Skip, with_notes(unreadable_message(&o.unreadable), &o.notes), Vec::new(), None);
    }
    let msg = d.pass_message.clone().unwrap_or_else(|| match o.checked {
        0 => "nothing to check".to_string(),
        1 => "compliant".to_string(),
        n => format!("all {n} checked items comply"),
    });
    result(p, Status::Pass, with_notes(msg, &o.notes), Vec::new(), None)
}

/// A probe's notes (what it did not judge) after the message; a note may
/// quote the target, so each is masked.
fn with_notes(mut message: String, notes: &[String]) -> String {
    for n in notes {
        message.push_str("; ");
        message.push_str(&mask(n));
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn templates() {
        let m = json!({"value": "yes", "n": 3, "list": ["a", "b"]});
        let m = m.as_object().unwrap();
        assert_eq!(
            fill("X is {value} ({n}) {list} {missing} {not a key}", Some(m)),
            "X is yes (3) a,b {missing} {not a key}"
        );
    }
}
