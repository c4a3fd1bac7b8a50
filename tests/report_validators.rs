//! The report formats checked by the tools that consume them, on two
//! reports: a tree holding every fail fixture of every category, and the
//! live host (`--no-probe`).
//!
//! - SARIF: Microsoft's SARIF Multitool `validate` with its SARIF and
//!   GitHub ingestion rules (`--rule-kind "Gh;Sarif"`): 0 errors, 0
//!   warnings, 0 notes (GitHub code scanning rejects a whole upload for one
//!   result without a location). Only SARIF2006, which fetches every
//!   `helpUri` over the network, is turned off (`tests/schemas/sarif-multitool.xml`).
//! - JUnit: Jenkins xunit's `junit-10.xsd` (`tests/schemas/`), with the
//!   Python `xmlschema` package.
//! - HTML: headless Chromium at 1400 and 420 px: the document's scroll
//!   width is at most the viewport's (nothing overflows or is cut off);
//!   screenshots are left in `target/report-screenshots/`.
//! - Markdown: under 60,000 characters, failures first, a note and a link
//!   when it is cut.
//!
//! `scripts/test.sh` installs the validators when missing (the Multitool
//! from npm and xmlschema from PyPI under `target/validators/`, Debian's
//! chromium). Run without them, these tests fail and say what is missing:
//! a validator that is not run proves nothing.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn fail_tree() -> &'static Path {
    static TREE: OnceLock<PathBuf> = OnceLock::new();
    TREE.get_or_init(|| fail_fixtures_tree("report_validators"))
}

/// Where `scripts/test.sh` installs the validators.
fn validators() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().join("validators")
}

fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-validators").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Render a report of the fail fixtures (`fail`) or of the live host
/// (`live`) in a format, to a file.
fn render(target: &str, format: &str, extra: &[&str]) -> PathBuf {
    let file = out_dir(format).join(format!("{target}.{format}"));
    let mut c = bin();
    c.args(["scan", "--no-probe", "--format", format, "--output"]).arg(&file).args(extra);
    if target == "fail" {
        c.arg("--root").arg(fail_tree());
    }
    let out = c.output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{target} {format}: {}", String::from_utf8_lossy(&out.stderr));
    file
}

fn missing(what: &str) -> ! {
    panic!("{what} is not installed: run ./scripts/test.sh, which installs the report validators when missing")
}

#[test]
fn sarif_passes_the_multitool_with_github_rules() {
    let tool = std::env::var_os("HARDCHECK_SARIF_MULTITOOL")
        .map(PathBuf::from)
        .unwrap_or_else(|| validators().join("npm/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"));
    if !tool.exists() {
        missing("the SARIF Multitool (npm @microsoft/sarif-multitool)");
    }
    for target in ["fail", "live"] {
        let sarif = render(target, "sarif", &[]);
        let findings = multitool(&tool, &sarif);
        assert!(findings.is_empty(), "{target}: {} finding(s):\n{}", findings.len(), findings.join("\n"));
    }
    // The validator does catch what GitHub rejects: a result without a
    // location, a rule without a full description.
    let sarif = out_dir("sarif").join("live.sarif");
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    v["runs"][0]["results"][0].as_object_mut().unwrap().remove("locations");
    v["runs"][0]["tool"]["driver"]["rules"][0].as_object_mut().unwrap().remove("fullDescription");
    let broken = out_dir("sarif").join("broken.sarif");
    std::fs::write(&broken, serde_json::to_string(&v).unwrap()).unwrap();
    let findings = multitool(&tool, &broken);
    assert!(findings.iter().any(|f| f.contains("GH1015")), "{findings:?}");
    assert!(findings.iter().any(|f| f.contains("GH2012")), "{findings:?}");
}

/// The Multitool's findings on a SARIF file (`level ruleId: message`).
fn multitool(tool: &Path, sarif: &Path) -> Vec<String> {
    let log = sarif.with_extension("validation.sarif");
    // The configuration turns off the one rule that would fetch URLs.
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-multitool.xml");
    let out = Command::new(tool)
        .arg("validate")
        .arg(sarif)
        .args(["--rule-kind", "Gh;Sarif", "--log", "ForceOverwrite", "--config"])
        .arg(&config)
        .arg("--output")
        .arg(&log)
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("1 files scanned"), "the Multitool did not read {}:\n{stdout}", sarif.display());
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&log).unwrap()).unwrap();
    v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{} {}: {}", r["level"], r["ruleId"], r["message"]["text"].as_str().unwrap_or("")))
        .collect()
}

#[test]
fn junit_is_valid_against_junit_10_xsd() {
    let python = validators().join("python");
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/junit-10.xsd");
    let files: Vec<PathBuf> = ["fail", "live"].iter().map(|t| render(t, "junit", &[])).collect();
    let script = "import sys, xmlschema\n\
                  schema = xmlschema.XMLSchema(sys.argv[1])\n\
                  for f in sys.argv[2:]:\n    schema.validate(f)\n    print('valid', f)\n";
    let out = Command::new("python3")
        .env("PYTHONPATH", &python)
        .args(["-c", script])
        .arg(&xsd)
        .args(&files)
        .output()
        .unwrap_or_else(|_| missing("python3"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("No module named 'xmlschema'") {
        missing("xmlschema (PyPI)");
    }
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).matches("valid ").count(), 2);
    // The schema does reject what Jenkins rejects.
    let bad = out_dir("junit").join("bad.junit");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    std::fs::write(&bad, text.replacen("<testsuites ", "<testsuites skipped=\"1\" ", 1)).unwrap();
    let out =
        Command::new("python3").env("PYTHONPATH", &python).args(["-c", script]).arg(&xsd).arg(&bad).output().unwrap();
    assert_ne!(out.status.code(), Some(0), "the schema accepted `skipped` on <testsuites>");
}

fn chromium() -> String {
    for c in ["chromium", "/usr/bin/chromium", "chromium-browser"] {
        if Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()) {
            return c.to_string();
        }
    }
    missing("chromium (Debian)")
}

/// Run headless Chromium on a page, fresh profile, no network chatter.
fn chromium_run(chromium: &str, window: (u32, u32), page: &Path, action: &str) -> Vec<u8> {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("timeout")
        .args(["120", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        .args(["--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={},{}", window.0, window.1))
        .arg(action)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "chromium: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// A page that shows the report in an iframe exactly `width` px wide (a
/// window cannot be narrower than 500 px) and records, once it is laid
/// out, the report's scroll width, its viewport width, and the elements
/// that reach past it. The report itself carries no script.
fn harness(report: &str, width: u32) -> String {
    let srcdoc = report.replace('&', "&amp;").replace('"', "&quot;");
    format!(
        r#"<!DOCTYPE html><html><body style="margin:0">
<iframe id="r" scrolling="no" style="border:0;width:{width}px;height:1400px" srcdoc="{srcdoc}"></iframe>
<script>
document.getElementById('r').addEventListener('load', () => {{
  const doc = document.getElementById('r').contentDocument;
  const root = doc.documentElement;
  const over = [];
  for (const el of doc.querySelectorAll('body *')) {{
    const r = el.getBoundingClientRect();
    if (r.right > root.clientWidth + 0.5) over.push(el.tagName + ' ' + Math.round(r.right) + ' ' + (el.textContent || '').slice(0, 50));
  }}
  document.body.setAttribute('data-measure', JSON.stringify({{scroll: root.scrollWidth, client: root.clientWidth, over: over.slice(0, 5)}}));
}});
</script></body></html>"#
    )
}

#[test]
fn html_fits_at_1400_and_420_px() {
    let chromium = chromium();
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().join("report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for target in ["fail", "live"] {
        let page = render(target, "html", &[]);
        let report = std::fs::read_to_string(&page).unwrap();
        assert!(!report.contains("<script"), "the report runs no script");
        for width in [1400, 420] {
            let h = out_dir("html").join(format!("{target}-{width}-harness.html"));
            std::fs::write(&h, harness(&report, width)).unwrap();
            let dom = String::from_utf8(chromium_run(&chromium, (width + 40, 1000), &h, "--dump-dom")).unwrap();
            let start = dom.find("data-measure=\"").unwrap_or_else(|| panic!("{target} {width}: no measure in {dom}"));
            let raw = &dom[start + 14..];
            let raw = raw[..raw.find('"').unwrap()].replace("&quot;", "\"").replace("&amp;", "&");
            let m: serde_json::Value = serde_json::from_str(&raw).unwrap();
            let (scroll, client) = (m["scroll"].as_u64().unwrap(), m["client"].as_u64().unwrap());
            assert_eq!(client, u64::from(width), "{target}: the viewport is not {width} px");
            assert!(
                scroll <= client,
                "{target} at {width} px: scroll width {scroll} > {client}; overflowing: {}",
                m["over"]
            );
            let png = shots.join(format!("{target}-{width}.png"));
            chromium_run(&chromium, (width + 40, 1400), &h, &format!("--screenshot={}", png.display()));
            assert!(std::fs::metadata(&png).is_ok_and(|m| m.len() > 1000), "no screenshot {}", png.display());
        }
    }
}

#[test]
fn markdown_summary_fits_a_pull_request_comment() {
    for target in ["fail", "live"] {
        let file = render(target, "markdown", &["--report-url", "https://ci.example/job/7/artifacts/report.html"]);
        let md = std::fs::read_to_string(&file).unwrap();
        let n = md.chars().count();
        assert!(n < 60_000, "{target}: {n} characters");
        assert!(md.contains("Full report: [https://ci.example/job/7/artifacts/report.html](https://ci.example/job/7/artifacts/report.html)"));
        if let Some(failures) = md.find("## Failures (") {
            // Failures come before the other results.
            assert!(md.find("<details>").is_none_or(|d| d > failures), "{target}");
        }
    }
    // Every failure of every category does not fit: the summary says it is cut, and where the rest is.
    let md = std::fs::read_to_string(out_dir("markdown").join("fail.markdown")).unwrap();
    assert!(md.contains("**This summary is cut**"), "{md}");
    assert!(md.trim_end().ends_with("the full report is at [https://ci.example/job/7/artifacts/report.html](https://ci.example/job/7/artifacts/report.html)."));
}

/// A page that loads the report in an iframe and, for each filter choice
/// (label ids to click, as a person would), records every result row the
/// report's CSS leaves displayed, with its classes and category. The
/// report itself carries no script.
fn filter_harness(report: &str, choices: &[&[&str]]) -> String {
    let srcdoc = report.replace('&', "&amp;").replace('"', "&quot;");
    let choices = serde_json::to_string(choices).unwrap().replace('"', "'");
    format!(
        r#"<!DOCTYPE html><html><body>
<iframe id="r" style="width:1200px;height:800px" srcdoc="{srcdoc}"></iframe>
<script>
document.getElementById('r').addEventListener('load', () => {{
  const doc = document.getElementById('r').contentDocument;
  const win = document.getElementById('r').contentWindow;
  const shown = el => {{
    for (let e = el; e && e !== doc.body; e = e.parentElement) if (win.getComputedStyle(e).display === 'none') return false;
    return true;
  }};
  const all = [...doc.querySelectorAll('.rlist .r')].map(r => [r.className, r.closest('details').id]);
  const out = {{all, seen: []}};
  for (const choice of {choices}) {{
    for (const g of ['fsev', 'fcat', 'fst']) doc.querySelector('label[for=' + g + '-all]').click();
    for (const id of choice) doc.querySelector('label[for=' + id + ']').click();
    const rows = [...doc.querySelectorAll('.rlist .r')].filter(shown).map(r => [r.className, r.closest('details').id]);
    const cats = [...doc.querySelectorAll('.rlist details.category')].filter(shown).map(d => d.id);
    out.seen.push({{rows, cats}});
  }}
  document.body.setAttribute('data-filters', JSON.stringify(out));
}});
</script></body></html>"#
    )
}

/// Issue 12: the HTML results filter by severity, category and status with
/// radio buttons and CSS only, in headless Chromium: each choice shows
/// exactly the rows that match it (and hides categories left empty), the
/// choices combine, and "all" shows every row. The hiding rules are for
/// the screen only, so a printed report has every row.
#[test]
fn html_result_filters_work_without_script() {
    let chromium = chromium();
    let page = render("fail", "html", &[]);
    let report = std::fs::read_to_string(&page).unwrap();
    assert!(!report.contains("<script"), "the report runs no script");
    let screen = report.find("@media screen{").expect("filter rules on screen only");
    let rules_end = screen + report[screen..].find("\n}\n").unwrap();
    let style_end = report.find("</style>").unwrap();
    for sel in ["#fsev-", "#fcat-", "#fst-"] {
        for (at, _) in report[..style_end].match_indices(sel) {
            assert!(at > screen && at < rules_end, "a {sel} rule outside @media screen would hide rows in print");
        }
    }
    let cat = "fcat-ssh";
    let choices: &[&[&str]] = &[&[], &["fsev-high"], &[cat], &["fst-pass"], &["fsev-medium", "fst-fail", cat]];
    let h = out_dir("html").join("filters-harness.html");
    std::fs::write(&h, filter_harness(&report, choices)).unwrap();
    let dom = String::from_utf8(chromium_run(&chromium, (1300, 900), &h, "--dump-dom")).unwrap();
    let start = dom.find("data-filters=\"").unwrap_or_else(|| panic!("no result in {dom}"));
    let raw = &dom[start + 14..];
    let raw = raw[..raw.find('"').unwrap()].replace("&quot;", "\"").replace("&amp;", "&");
    let m: serde_json::Value = serde_json::from_str(&raw).unwrap();
    type Row = (String, String);
    let rows = |v: &serde_json::Value| -> Vec<Row> {
        v.as_array().unwrap().iter().map(|r| (r[0].as_str().unwrap().into(), r[1].as_str().unwrap().into())).collect()
    };
    let all = rows(&m["all"]);
    assert!(all.len() > 100, "{} rows", all.len());
    let has = |r: &Row, class: &str| r.0.split(' ').any(|c| c == class);
    let wants: [&dyn Fn(&Row) -> bool; 5] =
        [&|_| true, &|r| has(r, "s-high"), &|r| r.1 == "cat-ssh", &|r| has(r, "t-pass"), &|r| {
            has(r, "s-medium") && has(r, "t-fail") && r.1 == "cat-ssh"
        }];
    for (i, want) in wants.iter().enumerate() {
        let seen = &m["seen"][i];
        let expected: Vec<Row> = all.iter().filter(|r| want(r)).cloned().collect();
        assert!(!expected.is_empty(), "choice {:?} matches nothing", choices[i]);
        assert_eq!(rows(&seen["rows"]), expected, "choice {:?}", choices[i]);
        // A category with no row left is not shown.
        let mut cats: Vec<&str> = expected.iter().map(|r| r.1.as_str()).collect();
        cats.dedup();
        let shown: Vec<&str> = seen["cats"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        assert_eq!(shown, cats, "choice {:?}", choices[i]);
    }
}

/// Issue 12: the auditor's pages (a CIS control view of the failing tree
/// and the fleet view of `hardcheck merge`) load in headless Chromium with
/// no console message at all (they carry no script, so any message is a
/// blocked or failed load) and render a screenshot that is not blank.
#[test]
fn audit_and_fleet_html_render_without_console_errors() {
    let chromium = chromium();
    let dir = out_dir("html-audit");
    // Its own files: the other tests render `fail` pages at the same time.
    let (audit, json, fleet) = (dir.join("cis.html"), dir.join("cis.json"), dir.join("fleet.html"));
    for (format, file) in [("html", &audit), ("json", &json)] {
        let out = bin()
            .args(["scan", "--no-probe", "--profile", "cis-debian12-l1", "--format", format, "--output"])
            .arg(file)
            .arg("--root")
            .arg(fail_tree())
            .output()
            .unwrap();
        assert!(matches!(out.status.code(), Some(0 | 1)), "{format}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let out = bin().arg("merge").arg(&json).args(["--format", "html", "--output"]).arg(&fleet).output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "merge: {}", String::from_utf8_lossy(&out.stderr));
    for page in [&audit, &fleet] {
        let html = std::fs::read_to_string(page).unwrap();
        assert!(!html.contains("<script"), "{}: the report runs no script", page.display());
        let profile = tempfile::tempdir().unwrap();
        let png = page.with_extension("png");
        let out = Command::new("timeout")
            .args(["120", &chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            .args(["--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"])
            .args(["--enable-logging=stderr", "--v=0", "--window-size=1400,1400"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("--screenshot={}", png.display()))
            .arg(format!("file://{}", page.display()))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "chromium: {stderr}");
        let console: Vec<&str> = stderr.lines().filter(|l| l.contains(":CONSOLE")).collect();
        assert!(console.is_empty(), "{}: console messages:\n{}", page.display(), console.join("\n"));
        // A blank 1400×1400 page compresses to a few hundred bytes; text and
        // tables do not.
        let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
        assert!(size > 20_000, "{}: screenshot of {size} bytes looks blank", png.display());
    }
}
