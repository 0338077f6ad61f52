//! The HTML report: self-contained, every service present, hostile names
//! escaped; and, when a Chromium is available, rendered by a real browser
//! (the page loads, the sorting script runs under the page's CSP, every
//! service section and chart is in the DOM, a screenshot is produced).

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{creview, repo};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop")
}

/// The HTML report of a folder, with a fixed date.
fn html_of(dir: &Path, extra: &[&str]) -> String {
    let out = creview()
        .env("SOURCE_DATE_EPOCH", "1795564800") // 2026-11-25
        .args(["scan", "--format", "html"])
        .args(extra)
        .arg(dir)
        .output()
        .expect("runs");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The names of the services of a folder, from the JSON contract.
fn service_names(dir: &Path) -> Vec<String> {
    let out = creview()
        .args(["scan", "--format", "json"])
        .arg(dir)
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    v["services"]
        .as_array()
        .expect("services")
        .iter()
        .map(|s| s["name"].as_str().expect("name").to_string())
        .collect()
}

fn anchor(name: &str) -> String {
    let mut out = String::from("service-");
    let mut dash = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            dash = false;
        } else if !dash {
            out.push('-');
            dash = true;
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Names, titles and file content that would run or break a page if they
/// reached it unescaped.
fn hostile_repo() -> tempfile::TempDir {
    repo(&[
        (
            "k8s/app.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: \"<script>document.title='pwned'</script>\"\n  namespace: \"x\\\"><img src=x onerror=alert(1)>\"\n  labels: {app: web}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: \"</pre><script>alert(2)</script>\"\n          image: \"nginx:1.27 --><script>alert(3)</script>\"\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: \"<b>svc</b>\"\n  namespace: \"x\\\"><img src=x onerror=alert(1)>\"\nspec:\n  selector: {app: \"<i>nothing</i>\"}\n  ports: [{port: 80}]\n",
        ),
        (
            "creview.toml",
            "[[service]]\nname = \"<script>alert(4)</script>\"\nslo = 99.9\n\n[[risk]]\nservice = \"<script>alert(4)</script>\"\ntitle = \"</td></tr></table><script>alert(5)</script>\"\nfrequency-per-year = 2\nttd-minutes = 5\nttr-minutes = 60\nimpact = 0.5\n",
        ),
    ])
}

#[test]
fn the_report_is_one_self_contained_page() {
    let html = html_of(&example(), &[]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("default-src 'none'"));
    // Nothing is fetched: no external script, style, image, font or link.
    for needle in [
        " src=",
        "<link",
        "@import",
        "url(http",
        "href=\"http",
        "href=\"//",
    ] {
        assert!(!html.contains(needle), "found `{needle}`");
    }
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the sorting script"
    );
    // The executive summary, the date, every service with its chart.
    assert!(html.contains("<h2 id=\"summary-h\">Executive summary</h2>"));
    assert!(html.contains("2026-11-25"));
    assert!(html.contains("most expensive risks"));
    let names = service_names(&example());
    assert!(names.len() >= 4, "{names:?}");
    for name in &names {
        let id = anchor(name);
        assert!(
            html.contains(&format!("<section class=\"service\" id=\"{id}\"")),
            "no section for {name}"
        );
        assert!(html.contains(&format!("id=\"{id}-chart-title\"")));
    }
    assert_eq!(
        html.matches("<svg class=\"budget-bar\"").count(),
        names.len()
    );
    // The 25% and 100% marks, and a text alternative per chart.
    assert!(html.contains("class=\"mark quarter\""));
    assert!(html.contains("class=\"mark full\""));
    assert_eq!(html.matches("<desc id=").count(), names.len());
    // Findings link to their check, and the check is in the appendix.
    assert!(html.contains("href=\"#check-config-001\""));
    assert!(html.contains("<article class=\"check-doc\" id=\"check-config-001\">"));
    // The assumptions: year length, the default SLO, each check's numbers.
    assert!(html.contains("<h2 id=\"assumptions-h\">Assumptions</h2>"));
    assert!(html.contains("Length of a year"));
    assert!(html.contains("Risk parameters of the checks"));
    // A code frame with the finding's line marked.
    assert!(html.contains("<pre class=\"frame\"><code>"));
    assert!(html.contains("<mark><span class=\"ln\">"));
}

#[test]
fn the_report_is_reproducible() {
    assert_eq!(html_of(&example(), &[]), html_of(&example(), &[]));
}

#[test]
fn hostile_names_are_escaped() {
    let r = hostile_repo();
    let html = html_of(r.path(), &[]);
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the sorting script"
    );
    for raw in [
        "<img",
        "<b>svc",
        "<i>nothing",
        "</td></tr></table><script",
        "--><script",
        "</pre><script",
    ] {
        assert!(!html.contains(raw), "unescaped `{raw}`");
    }
    assert!(html.contains("&lt;script&gt;alert(4)&lt;/script&gt;"));
    assert!(html.contains("&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;alert(5)"));
    // Attribute values cannot be closed early either.
    assert!(!html.contains("\"><img"));
}

#[test]
fn markdown_shares_the_review() {
    let out = creview()
        .args(["scan", "--format", "markdown"])
        .arg(example())
        .output()
        .expect("runs");
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("service(s) meet their SLO as the design is written"));
    assert!(md.contains("most expensive risks:"));
    assert!(md.contains("| Service | SLO | Projected as built | Gap | Budget used |"));
    assert!(md.contains("Risk stack rank of the"));
    assert!(md.contains("| # | Risk | Events/yr |"));
}

// ---- in a real browser ----------------------------------------------------

/// A Chromium: `CREVIEW_BROWSER`, else the usual names on `PATH`.
fn browser() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CREVIEW_BROWSER") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in [
            "chromium",
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// The browser, or `None` after saying why the test is skipped. With
/// `CREVIEW_REQUIRE_BROWSER` set (CI), a missing browser fails instead.
fn browser_or_skip(test: &str) -> Option<PathBuf> {
    let b = browser();
    if b.is_none() {
        assert!(
            std::env::var_os("CREVIEW_REQUIRE_BROWSER").is_none(),
            "CREVIEW_REQUIRE_BROWSER is set but no chromium was found on PATH"
        );
        eprintln!(
            "SKIPPED {test}: no Chromium found (install Debian's `chromium` or set CREVIEW_BROWSER)"
        );
    }
    b
}

/// Runs headless Chromium on a page; returns its standard output.
fn chromium(browser: &Path, profile: &Path, args: &[String], page: &Path) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-extensions",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
        s
    });
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish in 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().expect("reader")
}

fn write_report(dir: &Path, html: &str) -> PathBuf {
    let page = dir.join("report.html");
    std::fs::write(&page, html).expect("write the page");
    page
}

#[test]
fn the_bundled_example_renders_in_chromium() {
    let Some(browser) = browser_or_skip("the_bundled_example_renders_in_chromium") else {
        return;
    };
    let work = tempfile::tempdir().expect("temp");
    let page = write_report(work.path(), &html_of(&example(), &[]));
    let dom = chromium(
        &browser,
        &work.path().join("profile-dom"),
        &["--dump-dom".into()],
        &page,
    );
    assert!(
        dom.contains("<title>Reliability review: shop</title>"),
        "{}",
        &dom[..dom.len().min(500)]
    );
    // The sorting script ran: the CSP hash matches the script.
    assert!(
        dom.contains("data-sortable=\"ready\""),
        "the inline script was blocked: update the sha256 in CSP (src/render/html.rs)"
    );
    assert!(dom.contains("<button type=\"button\">Service</button>"));
    let names = service_names(&example());
    for name in &names {
        assert!(
            dom.contains(&format!("id=\"{}\"", anchor(name))),
            "no section for {name} in the DOM"
        );
    }
    assert_eq!(
        dom.matches("<svg class=\"budget-bar\"").count(),
        names.len()
    );
    assert!(dom.contains("</html>"));

    // A screenshot of the first page, kept for a human to look at.
    let shot_dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let shot = shot_dir.join("creview-report.png");
    let _ = std::fs::remove_file(&shot);
    chromium(
        &browser,
        &work.path().join("profile-shot"),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".into(),
        ],
        &page,
    );
    let png = std::fs::read(&shot).expect("a screenshot was written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        png.len() > 20_000,
        "a near-empty screenshot: {} bytes",
        png.len()
    );
    eprintln!("screenshot of the first page: {}", shot.display());
}

#[test]
fn hostile_names_do_not_run_in_chromium() {
    let Some(browser) = browser_or_skip("hostile_names_do_not_run_in_chromium") else {
        return;
    };
    let r = hostile_repo();
    let work = tempfile::tempdir().expect("temp");
    let page = write_report(work.path(), &html_of(r.path(), &[]));
    let dom = chromium(
        &browser,
        &work.path().join("profile"),
        &["--dump-dom".into()],
        &page,
    );
    // The title was not rewritten and no injected element exists.
    assert!(
        dom.contains("<title>Reliability review:"),
        "{}",
        &dom[..dom.len().min(500)]
    );
    assert!(!dom.contains("pwned</title>"));
    assert_eq!(dom.matches("<script").count(), 1, "only the sorting script");
    assert!(!dom.contains("<img"));
    assert!(dom.contains("data-sortable=\"ready\""));
    assert!(dom.contains("&lt;script&gt;alert(4)&lt;/script&gt;"));
    // The page structure survived: the footer is still the last thing.
    assert!(dom.contains("<footer>"));
}
