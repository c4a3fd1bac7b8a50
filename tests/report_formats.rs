//! The report formats besides table and JSON: SARIF, JUnit, Markdown and
//! HTML. Through the real binary on a tiny root (an sshd_config allowing
//! root login, with markup and a control character in the value), and in
//! process on a hand-built report (errors, evidence without a file, inputs
//! not read, hostile text), plus the escaping functions themselves.

use hardcheck::checks::score;
use hardcheck::model::{CheckResult, Evidence, Severity, Skipped, Status};
use hardcheck::report::{self, html, junit, markdown, sarif, CheckDoc, Format, Report, ScanInfo, TargetInfo, Tool};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// Line of `PermitRootLogin` in the fixture below.
const LINE: u64 = 3;

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ssh = dir.path().join("etc/ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    std::fs::write(ssh.join("sshd_config"), "# test root\nPort 22\nPermitRootLogin <script>&\"'yes\u{1}\n").unwrap();
    dir
}

fn scan(root: &Path, format: &str, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hardcheck"))
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .arg("scan")
        .arg("--root")
        .arg(root)
        .args(["--check", "ssh.permit-root-login", "--format", format])
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A small well-formedness check for the XML we write: every tag closes in
/// order, attributes are quoted, `&` only starts a known entity or a
/// character reference, no raw `<` in text, no control characters. Returns
/// the element names in document order.
fn well_formed(xml: &str) -> Result<Vec<String>, String> {
    if let Some(c) = xml.chars().find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
        return Err(format!("control character {c:?}"));
    }
    let check_amp = |text: &str| -> Result<(), String> {
        for (i, _) in text.match_indices('&') {
            let rest = &text[i..];
            let ok = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"].iter().any(|e| rest.starts_with(e))
                || (rest.starts_with("&#") && rest[2..].find(';').is_some_and(|n| n > 0 && n < 8));
            if !ok {
                return Err(format!("bare & at {:?}", &rest[..rest.len().min(20)]));
            }
        }
        Ok(())
    };
    let body = xml.strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n").ok_or("no XML declaration")?;
    let mut stack: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut rest = body;
    let mut seen_root = false;
    while let Some(lt) = rest.find('<') {
        let text = &rest[..lt];
        if stack.is_empty() && !text.trim().is_empty() {
            return Err(format!("text outside the root element: {text:?}"));
        }
        check_amp(text)?;
        let gt = rest[lt..].find('>').ok_or("unclosed tag")? + lt;
        let tag = &rest[lt + 1..gt];
        if tag.contains('<') {
            return Err(format!("`<` inside a tag: {tag:?}"));
        }
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or(format!("</{name}> without an opening tag"))?;
            if open != name {
                return Err(format!("<{open}> closed by </{name}>"));
            }
        } else {
            let self_closing = tag.ends_with('/');
            let inner = tag.trim_end_matches('/');
            let name = inner.split_whitespace().next().ok_or("empty tag")?.to_string();
            let attrs = &inner[name.len()..];
            // name="value" pairs, values without `<` or bare `&`
            let mut a = attrs.trim();
            while !a.is_empty() {
                let eq = a.find("=\"").ok_or(format!("unquoted attribute in <{name}>: {a:?}"))?;
                let key = a[..eq].trim();
                if key.is_empty() || key.contains(char::is_whitespace) {
                    return Err(format!("bad attribute name in <{name}>: {key:?}"));
                }
                let close = a[eq + 2..].find('"').ok_or("unterminated attribute")? + eq + 2;
                check_amp(&a[eq + 2..close])?;
                a = a[close + 1..].trim_start();
            }
            if stack.is_empty() {
                if seen_root {
                    return Err("two root elements".into());
                }
                seen_root = true;
            }
            names.push(name.clone());
            if !self_closing {
                stack.push(name);
            }
        }
        rest = &rest[gt + 1..];
    }
    if !rest.trim().is_empty() || !stack.is_empty() {
        return Err(format!("unclosed elements {stack:?}"));
    }
    Ok(names)
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_string())
}

/// Every opening tag `<name ...>` in the document.
fn tags<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    xml.match_indices(&open)
        .filter(|(i, _)| xml[i + open.len()..].starts_with([' ', '>', '/']))
        .map(|(i, _)| &xml[i..i + xml[i..].find('>').unwrap() + 1])
        .collect()
}

fn count_attr(tag: &str, name: &str) -> usize {
    attr(tag, name).unwrap_or_else(|| panic!("{tag} has no {name}")).parse().unwrap()
}

/// Suite and document counts agree with the testcases they hold.
fn junit_counts_consistent(xml: &str) {
    let (mut tests, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
    for part in xml.split("<testsuite ").skip(1) {
        let head = &part[..part.find('>').unwrap()];
        let body = &part[..part.find("</testsuite>").unwrap()];
        let t = tags(body, "testcase").len();
        let f = tags(body, "failure").len();
        let e = tags(body, "error").len();
        let s = tags(body, "skipped").len();
        let head = format!(" {head}");
        assert_eq!(count_attr(&head, "tests"), t, "{head}");
        assert_eq!(count_attr(&head, "failures"), f, "{head}");
        assert_eq!(count_attr(&head, "errors"), e, "{head}");
        assert_eq!(count_attr(&head, "skipped"), s, "{head}");
        (tests, failures, errors, skipped) = (tests + t, failures + f, errors + e, skipped + s);
    }
    let top = tags(xml, "testsuites")[0];
    assert_eq!(count_attr(top, "tests"), tests);
    assert_eq!(count_attr(top, "failures"), failures);
    assert_eq!(count_attr(top, "errors"), errors);
    // junit-10.xsd has no `skipped` on <testsuites> (Jenkins rejects it).
    assert_eq!(attr(top, "skipped"), None, "{top}");
    let _ = skipped;
}

#[test]
fn sarif_locates_the_failure() {
    let root = fixture();
    let v: Value = serde_json::from_str(&scan(root.path(), "sarif", &[])).expect("SARIF is JSON");
    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"].as_str().unwrap().contains("sarif-schema-2.1.0"));
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["tool"]["driver"]["name"], "hardcheck");
    assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    let base = run["originalUriBaseIds"]["TARGETROOT"]["uri"].as_str().unwrap();
    let canon = std::fs::canonicalize(root.path()).unwrap();
    assert_eq!(base, format!("file://{}/", canon.display()));

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let r = &results[0];
    assert_eq!(r["ruleId"], "ssh.permit-root-login");
    assert_eq!(r["level"], "error");
    assert!(r["message"]["text"].as_str().unwrap().starts_with("PermitRootLogin is <script>"));
    let phys = &r["locations"][0]["physicalLocation"];
    assert_eq!(phys["artifactLocation"]["uri"], "etc/ssh/sshd_config");
    assert_eq!(phys["artifactLocation"]["uriBaseId"], "TARGETROOT");
    assert_eq!(phys["region"]["startLine"], LINE);

    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let idx = r["ruleIndex"].as_u64().unwrap() as usize;
    let rule = &rules[idx];
    assert_eq!(rule["id"], "ssh.permit-root-login");
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
    assert_eq!(rule["properties"]["security-severity"], "8.0");
    assert!(rule["properties"]["tags"].as_array().unwrap().contains(&Value::from("ssh")));
    assert!(rule["help"]["text"].as_str().unwrap().contains("PermitRootLogin no"));
    assert_eq!(run["properties"]["grade"], "F");
    assert_eq!(run["properties"]["score"], 0.0);
}

#[test]
fn junit_is_well_formed_with_a_failure() {
    let root = fixture();
    let xml = scan(root.path(), "junit", &[]);
    let names = well_formed(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    assert_eq!(names[0], "testsuites");
    let cases = tags(&xml, "testcase");
    assert_eq!(cases.len(), 1);
    assert_eq!(attr(cases[0], "name").as_deref(), Some("ssh.permit-root-login"));
    assert_eq!(attr(cases[0], "classname").as_deref(), Some("hardcheck.ssh"));
    let failure = tags(&xml, "failure");
    assert_eq!(failure.len(), 1);
    assert_eq!(attr(failure[0], "type").as_deref(), Some("high"));
    assert!(attr(failure[0], "message").unwrap().starts_with("PermitRootLogin is &lt;script&gt;&amp;"));
    assert!(xml.contains(&format!("/etc/ssh/sshd_config:{LINE}  PermitRootLogin &lt;script&gt;")), "{xml}");
    assert!(xml.contains("fix: Set `PermitRootLogin no`"));
    assert!(!xml.contains('\u{1}'));
    junit_counts_consistent(&xml);
}

#[test]
fn markdown_has_evidence_and_fix() {
    let root = fixture();
    let md = scan(root.path(), "markdown", &[]);
    assert!(md.starts_with("# hardcheck report: root "));
    assert!(md.contains(&format!("`/etc/ssh/sshd_config:{LINE}`")), "{md}");
    assert!(md.contains("**Fix:** Set `PermitRootLogin no`"), "{md}");
    assert!(md.contains("**Score 0.0/100 (grade F)**"));
    assert!(md.contains("| ssh | 0.0 | 0 | 1 | 0 | 0 |"), "{md}");
    // The value is markup: as prose it is entity-escaped, as evidence it
    // is inside a code span.
    assert!(md.contains("PermitRootLogin is &lt;script&gt;&amp;"), "{md}");
    assert!(!md.contains('\u{1}'));
}

#[test]
fn html_escapes_everything() {
    let root = fixture();
    let page = scan(root.path(), "html", &[]);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.trim_end().ends_with("</html>"));
    assert!(!page.to_lowercase().contains("<script"), "unescaped markup in the page");
    assert!(page.contains("PermitRootLogin is &lt;script&gt;&amp;&#39;yes"), "{page}");
    assert!(page.contains("PermitRootLogin &lt;script&gt;&amp;&quot;&#39;yes"), "{page}");
    let plain = page.replace("<wbr>", "");
    assert!(plain.contains(&format!("<code>/etc/ssh/sshd_config:{LINE}</code>")));
    assert!(plain.contains("<code>PermitRootLogin no</code>"), "fix code spans");
    assert!(page.contains(&format!("hardcheck {}", env!("CARGO_PKG_VERSION"))));
    // Self-contained: nothing fetched, nothing run; URLs only as link targets.
    for bad in ["src=", "<link", "@import", "url(", "<script", "<iframe", "<img"] {
        assert!(!page.contains(bad), "page contains {bad}");
    }
    for (i, _) in page.match_indices("https://") {
        assert!(page[..i].ends_with("href=\""), "a URL outside a link: {}", &page[i..(i + 60).min(page.len())]);
    }
    assert!(plain.contains("<article class=\"result fail r s-high t-fail\" id=\"ssh.permit-root-login\">"));
    assert!(plain.contains(
        "href=\"#ssh.permit-root-login\" title=\"link to this result\"><code>ssh.permit-root-login</code></a>"
    ));
    assert!(!page.contains('\u{1}'));
}

#[test]
fn output_file_matches_stdout() {
    let root = fixture();
    for format in ["table", "json", "sarif", "junit", "html", "markdown"] {
        let stdout = scan(root.path(), format, &[]);
        let file = root.path().join(format!("report.{format}"));
        let quiet = scan(root.path(), format, &["--output", file.to_str().unwrap()]);
        assert_eq!(quiet, "", "--output {format} also printed to stdout");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), stdout, "--output {format}");
    }
}

// ---- in process, on a hand-built report --------------------------------

fn result(id: &str, severity: Severity, status: Status, message: &str, evidence: Vec<Evidence>) -> CheckResult {
    CheckResult {
        id: id.into(),
        title: format!("Title of {id} <b>"),
        category: id.split('.').next().unwrap().into(),
        severity,
        status,
        message: message.into(),
        evidence,
        fix: "Run `echo 'a' > /etc/x && reload` | tee".into(),
        references: [("nist-800-53".to_string(), vec!["CM-6".to_string()])].into(),
        waiver: None,
        change: None,
    }
}

fn ev(path: Option<&str>, line: Option<u64>, detail: &str) -> Evidence {
    Evidence { path: path.map(String::from), line, detail: detail.into(), layer: None, change: None }
}

fn hostile_report() -> Report {
    let results = vec![
        result(
            "net.listeners",
            Severity::Medium,
            Status::Fail,
            "2 services listen on all addresses: a|b <img src=x>",
            vec![
                ev(Some("/etc/my file#1.conf"), Some(7), "Listen 0.0.0.0 & \"x\" `tick`"),
                ev(None, None, "tcp 0.0.0.0:23 (telnetd)"),
                ev(Some("/etc/shadow"), None, "mode 0644"),
            ],
        ),
        result("net.forwarding", Severity::Low, Status::Pass, "ip_forward is 0", vec![]),
        result("kernel.aslr", Severity::High, Status::Error, "cannot evaluate: ]]> </error> \u{0}", vec![]),
        result("kernel.modules", Severity::Info, Status::Skip, "no modprobe.d | n/a", vec![]),
        result("security.tags", Severity::Critical, Status::Fail, "x", vec![ev(Some("/a"), Some(1), "y")]),
    ];
    Report {
        schema_version: 1,
        tool: Tool { name: "hardcheck", version: "0.1.0" },
        target: TargetInfo {
            kind: "root",
            path: "/srv/roots/web 1".into(),
            host: "web-1".into(),
            image: None,
            container: None,
        },
        scan: ScanInfo {
            started_at: "2026-11-01T09:30:00Z".into(),
            duration_ms: 1500,
            user: "alice".into(),
            uid: 1000,
            as_root: false,
        },
        profile: "server".into(),
        score: score::score(&results),
        summary: score::summary(&results),
        results,
        skipped: vec![Skipped { path: "/etc/sudoers.d/<x>".into(), reason: "permission denied".into() }],
        listeners: Vec::new(),
        declared_listeners: Vec::new(),
        compliance: None,
        waivers: Vec::new(),
        fixed: None,
        docs: [("net.listeners".to_string(), CheckDoc { rationale: "Why <it> matters".into() })].into(),
    }
}

#[test]
fn sarif_handles_errors_pathless_evidence_and_skipped_inputs() {
    let text = report::render(&hostile_report(), Format::Sarif, false).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let run = &v["runs"][0];
    assert_eq!(run["originalUriBaseIds"]["TARGETROOT"]["uri"], "file:///srv/roots/web%201/");
    let results = run["results"].as_array().unwrap();
    // Failures only, worst first.
    let ids: Vec<&str> = results.iter().map(|r| r["ruleId"].as_str().unwrap()).collect();
    assert_eq!(ids, ["security.tags", "net.listeners"]);
    let r = &results[1];
    assert_eq!(r["level"], "warning");
    let locs = r["locations"].as_array().unwrap();
    assert_eq!(locs.len(), 2, "evidence without a path has no physical location");
    assert_eq!(locs[0]["physicalLocation"]["artifactLocation"]["uri"], "etc/my%20file%231.conf");
    assert_eq!(locs[0]["physicalLocation"]["region"]["startLine"], 7);
    assert_eq!(locs[1]["physicalLocation"]["region"]["startLine"], 1, "a whole-file finding is on line 1");
    assert!(r["message"]["text"].as_str().unwrap().contains("tcp 0.0.0.0:23 (telnetd)"));
    // Every rule index points at its rule; tags stay unique.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 5);
    for r in results {
        assert_eq!(rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"], r["ruleId"]);
    }
    let sec = rules.iter().find(|r| r["id"] == "security.tags").unwrap();
    assert_eq!(sec["properties"]["tags"], serde_json::json!(["security"]));
    assert_eq!(sec["properties"]["security-severity"], "9.5");
    let notes = run["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0]["level"], "error");
    assert_eq!(notes[0]["associatedRule"]["id"], "kernel.aslr");
    assert_eq!(notes[1]["level"], "warning");
    assert!(notes[1]["message"]["text"].as_str().unwrap().contains("/etc/sudoers.d/<x>"));
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    // When, where, as whom: an offline root is not the machine the tool ran on.
    let inv = &run["invocations"][0];
    assert_eq!(inv["startTimeUtc"], "2026-11-01T09:30:00Z");
    assert_eq!(inv["endTimeUtc"], "2026-11-01T09:30:02Z");
    assert_eq!(inv["account"], "alice");
    assert!(inv.get("machine").is_none());
    assert_eq!(inv["properties"]["targetHost"], "web-1");
    assert_eq!(inv["properties"]["asRoot"], false);
    // Rule documentation: rationale, fix, docs link.
    let rule = rules.iter().find(|r| r["id"] == "net.listeners").unwrap();
    assert_eq!(rule["fullDescription"]["text"], "Why <it> matters");
    assert!(rule["help"]["text"].as_str().unwrap().contains("Fix: Run `echo"));
    assert!(rule["helpUri"].as_str().unwrap().ends_with("docs/checks/net.md#net.listeners"), "{rule}");
    let bare = rules.iter().find(|r| r["id"] == "security.tags").unwrap();
    assert_eq!(bare["fullDescription"]["text"], "Title of security.tags <b>", "no rationale: the title");
    assert!(run["tool"]["driver"]["informationUri"].as_str().unwrap().starts_with("https://"));
}

#[test]
fn sarif_locates_findings_without_a_file_at_the_fix() {
    let mut report = hostile_report();
    report.results = vec![result(
        "kernel.dmesg",
        Severity::Medium,
        Status::Fail,
        "kernel.dmesg_restrict is 0",
        vec![ev(None, None, "kernel.dmesg_restrict = 0 (kernel default)")],
    )];
    report.results[0].fix =
        "Set `kernel.dmesg_restrict = 1` in /etc/sysctl.d/60-hardening.conf, then run `sysctl --system`.".into();
    let v: Value = serde_json::from_str(&report::render(&report, Format::Sarif, false).unwrap()).unwrap();
    let r = &v["runs"][0]["results"][0];
    let phys = &r["locations"][0]["physicalLocation"];
    assert_eq!(phys["artifactLocation"]["uri"], "etc/sysctl.d/60-hardening.conf");
    assert_eq!(phys["region"]["startLine"], 1);
    assert!(r["message"]["text"].as_str().unwrap().contains("(kernel default)"));
    assert_eq!(sarif::fix_path("Install rsyslog (`apt-get install rsyslog`)."), "/etc/");
    assert_eq!(sarif::fix_path("sets ENABLED=yes in /etc/ufw/ufw.conf; `systemctl enable ufw`"), "/etc/ufw/ufw.conf");
    assert_eq!(sarif::fix_path("allow 22/tcp, then edit /etc/nftables.conf."), "/etc/nftables.conf");
}

#[test]
fn junit_handles_errors_skips_and_hostile_text() {
    let xml = report::render(&hostile_report(), Format::Junit, false).unwrap();
    well_formed(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    junit_counts_consistent(&xml);
    assert_eq!(tags(&xml, "testsuite").len(), 3);
    assert_eq!(tags(&xml, "error").len(), 1);
    assert_eq!(tags(&xml, "skipped").len(), 1);
    assert!(!xml.contains("]]> </error>"));
    assert!(xml.contains("/etc/my file#1.conf:7  Listen 0.0.0.0 &amp; &quot;x&quot;"));
    assert!(xml.contains("\n-  tcp 0.0.0.0:23 (telnetd)\n"), "{xml}");
    assert!(xml.contains("\n/etc/shadow  mode 0644\n"));
}

#[test]
fn markdown_handles_tables_and_hostile_text() {
    let md = report::render(&hostile_report(), Format::Markdown, false).unwrap();
    // Failures first, worst first; then the other results folded per
    // category, worst category first (net, then kernel).
    let pos = |s: &str| md.find(s).unwrap_or_else(|| panic!("{s} missing\n{md}"));
    assert!(pos("## Failures (2)") < pos("### ❌ `security.tags`"));
    assert!(pos("### ❌ `security.tags`") < pos("### ❌ `net.listeners`"));
    assert!(pos("### ❌ `net.listeners`") < pos("<summary>net — "));
    assert!(pos("<summary>net — ") < pos("<summary>kernel — "));
    // When, where, as whom.
    assert!(
        md.contains("Host `web-1` · scanned 2026-11-01 09:30 UTC (`2026-11-01T09:30:00Z`) as `alice` (not root)"),
        "{md}"
    );
    assert!(md.contains("> **Note:** this scan did not run as root"));
    assert!(md.contains("2 services listen on all addresses: a|b &lt;img src=x&gt;"), "prose is not a table cell");
    assert!(
        md.contains("| ⏭️ skip | info | `kernel.modules` | Title of kernel.modules &lt;b&gt;: no modprobe.d \\| n/a |"),
        "{md}"
    );
    assert!(md.contains("- `/etc/my file#1.conf:7` `` Listen 0.0.0.0 & \"x\" `tick` ``"), "{md}");
    assert!(md.contains("\n- `tcp 0.0.0.0:23 (telnetd)`\n"), "evidence without a file is its detail");
    assert!(md.contains("\n- `/etc/shadow` `mode 0644`\n"));
    // A code span in the fix stays literal, the prose around it is escaped.
    assert!(md.contains("**Fix:** Run `echo 'a' > /etc/x && reload` | tee"), "{md}");
    assert!(md.contains("## Not read (1)\n\n- `/etc/sudoers.d/<x>`: permission denied"));
    // Every table row has the same number of unescaped pipes as its header.
    for block in md.split("\n\n").filter(|b| b.starts_with('|')) {
        let cols = |l: &str| l.replace("\\|", "").matches('|').count();
        let mut lines = block.lines();
        let n = cols(lines.next().unwrap());
        for l in lines {
            assert_eq!(cols(l), n, "row {l:?}");
        }
    }
    assert!(!md.contains('\u{0}'));
}

#[test]
fn html_handles_hostile_text() {
    let page = report::render(&hostile_report(), Format::Html, false).unwrap();
    assert!(!page.contains("<img"), "unescaped markup");
    assert!(!page.contains("net.listeners <b>"), "unescaped markup");
    assert!(page.contains("Title of net.listeners &lt;b&gt;"));
    assert!(page.contains("&lt;img src=x&gt;"));
    let plain = page.replace("<wbr>", "");
    assert!(plain.contains(
        "<code>/etc/my file#1.conf:7</code> <span class=\"detail\">Listen 0.0.0.0 &amp; &quot;x&quot; `tick`"
    ));
    assert!(plain.contains("<code>echo &#39;a&#39; &gt; /etc/x &amp;&amp; reload</code> | tee"), "{page}");
    assert!(plain.contains("<code>/etc/sudoers.d/&lt;x&gt;</code> permission denied"));
    assert!(
        plain.contains("<li><span class=\"detail\">tcp 0.0.0.0:23 (telnetd)</span></li>"),
        "evidence without a file is its detail"
    );
    assert!(plain.contains("<li><code>/etc/shadow</code> <span class=\"detail\">mode 0644</span></li>"));
    // When, where, as whom; the rationale; a note that the scan saw less.
    assert!(plain.contains("<time datetime=\"2026-11-01T09:30:00Z\">2026-11-01 09:30 UTC</time>"), "{page}");
    assert!(plain.contains("<dt>Host</dt><dd>web-1</dd>"));
    assert!(plain.contains("alice (uid 1000, not root)"));
    assert!(plain.contains("Not run as root:"));
    assert!(plain.contains("<strong>Why:</strong> Why &lt;it&gt; matters"));
    // A message's backticks are code, not raw Markdown.
    assert!(!plain.contains("`tick`</p>"));
    assert!(page.contains("class=\"badge status-error\""));
    assert!(page.contains("Not read (1)"));
    assert!(!page.contains('\u{0}'));
    // Each category appears once, worst first, open when it has failures
    // or errors.
    let pos = |s: &str| page.find(s).unwrap();
    assert!(pos("id=\"cat-security\"") < pos("id=\"cat-net\"") && pos("id=\"cat-net\"") < pos("id=\"cat-kernel\""));
    assert_eq!(page.matches("<details class=\"category\"").count(), 3);
    assert!(page.contains("<details class=\"category\" id=\"cat-kernel\" open>"), "an error opens its category");
}

// ---- escaping functions ------------------------------------------------

#[test]
fn escape_xml_escapes_and_strips() {
    assert_eq!(junit::escape_xml(r#"a<b>&"c"'d'"#), "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
    assert_eq!(junit::escape_xml("x\u{0}\u{1}\u{8}\u{b}\u{c}\u{1f}y\u{fffe}\u{ffff}"), "xy");
    assert_eq!(junit::escape_xml("tab\tnl\ncr\r é 𝄞 \u{7f}"), "tab\tnl\ncr\r é 𝄞 \u{7f}");
    assert_eq!(junit::escape_attr("a\nb\tc\rd"), "a&#10;b&#9;c&#13;d");
    assert_eq!(junit::escape_xml("&amp;"), "&amp;amp;", "no double-escaping shortcut");
}

#[test]
fn escape_html_escapes_and_strips() {
    assert_eq!(
        html::escape_html(r#"<script>alert("x")</script>&'"#),
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"
    );
    assert_eq!(html::escape_html("a\u{0}\u{1b}[31mb\nc"), "a[31mb\nc");
    assert_eq!(html::escape_with_code("Set `a <b>` in <f>"), "Set <code>a &lt;b&gt;</code> in &lt;f&gt;");
    assert_eq!(html::escape_with_code("odd ` tick <"), "odd ` tick &lt;");
}

#[test]
fn markdown_escapes() {
    assert_eq!(markdown::escape_cell("a|b"), "a\\|b");
    assert_eq!(markdown::escape_cell("x <y> & z\nw"), "x &lt;y&gt; &amp; z w");
    assert_eq!(markdown::escape_cell("`a|<b>`"), "`a\\|<b>`");
    assert_eq!(markdown::escape_text("`a` <b> ``c ` d`` `e"), "`a` &lt;b&gt; ``c ` d`` `e");
    assert_eq!(markdown::code("plain"), "`plain`");
    assert_eq!(markdown::code("a`b"), "``a`b``");
    assert_eq!(markdown::code("`x``"), "``` `x`` ```");
    assert_eq!(markdown::code("l1\nl2"), "`l1 l2`");
}

#[test]
fn sarif_helpers() {
    assert_eq!(sarif::uri_path("etc/my file#1?.conf"), "etc/my%20file%231%3F.conf");
    assert_eq!(sarif::uri_path("é%"), "%C3%A9%25");
    assert_eq!(sarif::root_uri("/"), "file:///");
    assert_eq!(sarif::root_uri("/tmp/x"), "file:///tmp/x/");
    assert_eq!(sarif::level(Severity::Critical), "error");
    assert_eq!(sarif::level(Severity::Medium), "warning");
    assert_eq!(sarif::level(Severity::Info), "note");
    assert_eq!(sarif::security_severity(Severity::Low), "3.0");
}

#[test]
fn the_xml_check_catches_broken_xml() {
    let decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    assert!(well_formed(&format!("{decl}<a><b x=\"1\"/>t &amp; &#10;</a>\n")).is_ok());
    for bad in
        ["<a><b></a></b>", "<a>", "<a>x & y</a>", "<a x=1/>", "<a x=\"<\"/>", "<a/><b/>", "<a>\u{1}</a>", "<a></a>text"]
    {
        assert!(well_formed(&format!("{decl}{bad}")).is_err(), "{bad} passed");
    }
}

/// A fix with no failing item (a pass or a skip) names its placeholders
/// (`‹gid›`) instead of leaving "…" (issue 16: SARIF rule help read "Give
/// each group sharing GID … (…) its own GID"); the definitions hold no "…"
/// of their own (tests/registry.rs), so none may reach a report.
#[test]
fn fixes_without_a_failing_item_name_their_placeholders() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    std::fs::write(dir.path().join("etc/group"), "root:x:0:\nstaff:x:50:\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hardcheck"))
        .args(["scan", "--root"])
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = report["results"].as_array().unwrap();
    let with_dots: Vec<&str> = results
        .iter()
        .filter(|r| r["fix"].as_str().unwrap().contains('…'))
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(with_dots.is_empty(), "{with_dots:?}");
    let gid = results.iter().find(|r| r["id"] == "accounts.duplicate-gid").unwrap();
    assert_eq!(gid["status"], "pass", "{gid}");
    assert!(gid["fix"].as_str().unwrap().contains("sharing GID ‹gid› (‹names›)"), "{gid}");
}
