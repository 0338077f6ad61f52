//! The HTML report: the CRE's deliverable, one self-contained file that
//! reads offline, in a mail attachment and on paper. Inline CSS and SVG
//! only; a Content-Security-Policy forbids every network request and every
//! script but the small sorting one (pinned by its hash), so even text that
//! escaped escaping could not run. Everything it shows comes from
//! [`Review`]; every piece of user-controlled text goes through [`escape`].

use super::review::{Frame, Review, ServiceReview, unique_anchor};
use super::svg::{self, class_label, class_name, minutes, percent};
use crate::Report;
use crate::engine::registry::Registry;
use crate::finding::{Finding, Severity};
use std::collections::HashSet;
use std::fmt::Write;

/// Escapes text for element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes, then turns `code spans` of check docs into `<code>`.
fn inline_text(s: &str) -> String {
    let escaped = escape(s);
    if !escaped.matches('`').count().is_multiple_of(2) {
        return escaped;
    }
    let mut out = String::with_capacity(escaped.len() + 16);
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Paragraphs of a check's docs (blank-line separated); the YAML and
/// PromQL snippets among them keep their lines.
fn paragraphs(s: &str, out: &mut String) {
    for p in s.split("\n\n").filter(|p| !p.trim().is_empty()) {
        if looks_like_code(p) {
            let body: Vec<&str> = p.lines().filter(|l| !l.starts_with("```")).collect();
            let _ = write!(
                out,
                "<pre class=\"snippet\"><code>{}</code></pre>",
                escape(&body.join("\n"))
            );
        } else {
            let _ = write!(out, "<p>{}</p>", inline_text(&p.trim().replace('\n', " ")));
        }
    }
}

/// Every line indented, a comment, a list item or a `key:`: a snippet.
fn looks_like_code(p: &str) -> bool {
    let yaml_key = |l: &str| {
        l.split_once(':').is_some_and(|(k, _)| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-/\"'".contains(c))
        })
    };
    p.lines().all(|l| {
        l.starts_with(' ')
            || l.starts_with('#')
            || l.starts_with("- ")
            || l.starts_with("```")
            || yaml_key(l)
    })
}

/// Sorts the tables marked `sortable` when a header is clicked. Reading the
/// report needs none of it. Its SHA-256 is pinned in [`CSP`]: edit both
/// together (the browser test fails when they disagree, because the page
/// then never marks itself `data-sortable="ready"`).
const SCRIPT: &str = r#"(function(){document.documentElement.setAttribute("data-sortable","ready");var ts=document.querySelectorAll("table.sortable");Array.prototype.forEach.call(ts,function(t){var hs=t.tHead.rows[0].cells;Array.prototype.forEach.call(hs,function(th,i){var b=document.createElement("button");b.type="button";b.textContent=th.textContent;th.textContent="";th.appendChild(b);b.addEventListener("click",function(){var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows),dir=th.getAttribute("aria-sort")==="ascending"?-1:1;Array.prototype.forEach.call(hs,function(h){h.removeAttribute("aria-sort")});th.setAttribute("aria-sort",dir===1?"ascending":"descending");rows.sort(function(a,c){var x=a.cells[i].getAttribute("data-v"),y=c.cells[i].getAttribute("data-v");if(x!==null&&y!==null){return(parseFloat(x)-parseFloat(y))*dir}return a.cells[i].textContent.localeCompare(c.cells[i].textContent)*dir});rows.forEach(function(r){body.appendChild(r)})})})})})();"#;

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-kpTi4NA9qW1P+NiZE1+NiLbqT1bYD2UkN/1YRIg7nbE='; base-uri 'none'; form-action 'none'";

const STYLE: &str = include_str!("html.css");

pub fn render(report: &Report, registry: &Registry) -> String {
    let review = Review::new(report, registry);
    let mut ids = HashSet::new();
    let mut out = String::with_capacity(64 * 1024);
    head(&review, &mut out);
    contents(&review, &mut out);
    out.push_str("<main>\n");
    summary(&review, &mut out);
    for s in &review.services {
        service(&review, s, &mut ids, &mut out);
    }
    other_findings(&review, &mut ids, &mut out);
    suppressed(&review, &mut out);
    checks(&review, report, &mut out);
    assumptions(&review, &mut out);
    out.push_str("</main>\n");
    let _ = write!(
        out,
        "<footer><p>Generated by creview {} on {}. The budget figures are expectations computed from the design as written and the assumptions above, not measurements of production.</p></footer>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        escape(review.version),
        escape(review.date)
    );
    out
}

/// A table head; numeric columns (`#` prefix) align right like their cells.
fn thead(cols: &[&str]) -> String {
    let mut out = String::from("<thead><tr>");
    for c in cols {
        match c.strip_prefix('#') {
            Some(name) => {
                let _ = write!(out, "<th scope=\"col\" class=\"num\">{name}</th>");
            }
            None => {
                let _ = write!(out, "<th scope=\"col\">{c}</th>");
            }
        }
    }
    out.push_str("</tr></thead>");
    out
}

fn head(r: &Review, out: &mut String) {
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="generator" content="creview {version}">
<title>Reliability review: {repo}</title>
<style>
{STYLE}</style>
</head>
<body>
{defs}
<header class="cover">
<p class="kicker">Reliability review</p>
<h1>{repo}</h1>
<p class="meta">{date} · creview {version} · {files} file(s) read · {checks} checks run</p>
</header>
"#,
        version = escape(r.version),
        repo = escape(&r.repository),
        date = escape(r.date),
        files = r.files,
        checks = r.checks_run,
        defs = svg::PATTERN_DEFS,
    );
}

fn contents(r: &Review, out: &mut String) {
    out.push_str("<nav aria-label=\"Contents\"><h2>Contents</h2><ol>\n<li><a href=\"#summary\">Executive summary</a></li>\n");
    for s in &r.services {
        let _ = writeln!(
            out,
            "<li><a href=\"#{}\">{}</a> {}</li>",
            s.anchor,
            escape(&s.budget.name),
            verdict_tag(s)
        );
    }
    if !r.other_findings.is_empty() {
        out.push_str("<li><a href=\"#other-findings\">Findings outside any service</a></li>\n");
    }
    if !r.suppressed.is_empty() {
        out.push_str("<li><a href=\"#accepted\">Accepted findings</a></li>\n");
    }
    out.push_str("<li><a href=\"#checks\">Checks cited</a></li>\n<li><a href=\"#assumptions\">Assumptions</a></li>\n</ol></nav>\n");
}

fn verdict_tag(s: &ServiceReview) -> &'static str {
    if s.budget.meets_slo {
        "<span class=\"tag ok\">meets its SLO</span>"
    } else {
        "<span class=\"tag short\">short of its SLO</span>"
    }
}

fn summary(r: &Review, out: &mut String) {
    let n = r.services.len();
    out.push_str("<section id=\"summary\" aria-labelledby=\"summary-h\">\n<h2 id=\"summary-h\">Executive summary</h2>\n");
    let verdict = match (n, r.meeting) {
        (0, _) => "No service was found, so no reliability gap could be computed; the findings below still apply.".to_string(),
        (n, m) if m == n => format!("All {n} service(s) meet their SLO as the design is written."),
        (n, m) => format!(
            "{} of {n} service(s) fall short of their SLO as the design is written; {m} meet it.",
            n - m
        ),
    };
    let _ = writeln!(out, "<p class=\"verdict\">{}</p>", escape(&verdict));
    let t = &r.tally;
    let _ = write!(
        out,
        "<dl class=\"figures\"><div><dt>Services reviewed</dt><dd>{n}</dd></div><div><dt>Meet their SLO as built</dt><dd>{} of {n}</dd></div><div><dt>Findings</dt><dd>{}</dd></div>",
        r.meeting,
        t.all.total()
    );
    for s in Severity::ALL.iter() {
        let c = t.all.get(*s);
        if c > 0 {
            let _ = write!(
                out,
                "<div class=\"sev-{s}\"><dt>{}</dt><dd>{c}</dd></div>",
                capitalized(s)
            );
        }
    }
    if t.suppressed > 0 {
        let _ = write!(
            out,
            "<div><dt>Accepted (suppressed)</dt><dd>{}</dd></div>",
            t.suppressed
        );
    }
    if t.baseline > 0 {
        let _ = write!(
            out,
            "<div><dt>Known (baseline)</dt><dd>{}</dd></div>",
            t.baseline
        );
    }
    out.push_str("</dl>\n");

    let top = r.top_risks();
    if !top.is_empty() {
        let _ = writeln!(
            out,
            "<h3>The {} most expensive risks</h3>\n<ol class=\"top-risks\">",
            top.len()
        );
        for t in &top {
            let _ = writeln!(
                out,
                "<li><strong>{}</strong> in <a href=\"#{}\">{}</a>: {} bad minutes a year, {} of its budget <span class=\"class {}\">{}</span></li>",
                escape(&t.risk.title),
                t.service.anchor,
                escape(&t.service.budget.name),
                minutes(t.risk.bad_minutes_per_year),
                percent(t.risk.budget_share, 1),
                class_name(t.risk.class),
                class_label(t.risk.class)
            );
        }
        out.push_str("</ol>\n");
    }
    if n > 0 {
        out.push_str("<h3>Services</h3>\n<div class=\"scroll\"><table class=\"sortable overview\"><caption>Every service's SLO, its projected availability as built and the share of its error budget its risks spend. Click a header to sort.</caption>\n");
        out.push_str(&thead(&[
            "Service",
            "#SLO",
            "#Projected as built",
            "#Gap",
            "#Budget used",
            "#Findings",
        ]));
        out.push_str("\n<tbody>\n");
        for s in &r.services {
            let b = s.budget;
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\"><a href=\"#{}\">{}</a></th><td data-v=\"{}\">{}</td><td data-v=\"{}\">{}</td><td data-v=\"{}\">{}</td><td data-v=\"{}\">{} {}</td><td data-v=\"{}\">{}</td></tr>",
                s.anchor,
                escape(&b.name),
                b.slo.target.to_f64(),
                percent(b.slo.target, 3),
                b.projected_availability.to_f64(),
                percent(b.projected_availability, 3),
                b.gap_pp.to_f64(),
                gap_text(s),
                b.budget_share.to_f64(),
                svg::share_bar(b.budget_share),
                percent(b.budget_share, 0),
                s.findings.len(),
                s.findings.len()
            );
        }
        out.push_str("</tbody></table></div>\n");
    }
    out.push_str("</section>\n");
}

fn capitalized(s: &Severity) -> String {
    let s = s.to_string();
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn gap_text(s: &ServiceReview) -> String {
    let b = s.budget;
    if b.meets_slo {
        "meets it".into()
    } else {
        format!(
            "{} pp short ({} min/yr over)",
            b.gap_pp.round_str(3),
            minutes(b.gap_minutes_per_year)
        )
    }
}

fn service(r: &Review, s: &ServiceReview, ids: &mut HashSet<String>, out: &mut String) {
    let b = s.budget;
    let _ = write!(
        out,
        "<section class=\"service\" id=\"{a}\" aria-labelledby=\"{a}-h\">\n<h2 id=\"{a}-h\"><span class=\"label\">Service</span> {name}{ns}</h2>\n",
        a = s.anchor,
        name = escape(&b.name),
        ns = b
            .namespace
            .as_deref()
            .map(|n| format!(" <span class=\"ns\">namespace {}</span>", escape(n)))
            .unwrap_or_default()
    );
    let verdict = if b.meets_slo {
        format!(
            "<p class=\"verdict ok\"><strong>Meets its SLO as built:</strong> projected {} against {}.</p>",
            percent(b.projected_availability, 4),
            percent(b.slo.target, 4)
        )
    } else {
        format!(
            "<p class=\"verdict short\"><strong>Short of its SLO as built</strong> by {} percentage points: projected {} against {}, {} bad minutes a year over the budget.</p>",
            b.gap_pp.round_str(4),
            percent(b.projected_availability, 4),
            percent(b.slo.target, 4),
            minutes(b.gap_minutes_per_year)
        )
    };
    out.push_str(&verdict);
    let _ = write!(
        out,
        "\n<dl class=\"facts\"><div><dt>SLO</dt><dd>{} over {} days</dd></div><div><dt>Source of the SLO</dt><dd>{}</dd></div><div><dt>Error budget</dt><dd>{} min per {} days · {} min per year</dd></div><div><dt>Expected bad minutes</dt><dd>{} per year ({} of the budget)</dd></div><div><dt>Projected availability</dt><dd>{} ({:.2} nines)</dd></div><div><dt>Identified by</dt><dd>{}</dd></div>",
        percent(b.slo.target, 4),
        b.slo.window_days,
        escape(&b.slo.source),
        minutes(b.error_budget.window_minutes),
        b.slo.window_days,
        minutes(b.error_budget.year_minutes),
        minutes(b.expected_bad_minutes_per_year),
        percent(b.budget_share, 1),
        percent(b.projected_availability, 4),
        b.nines,
        escape(&b.name_source)
    );
    if !b.workloads.is_empty() {
        let list: Vec<String> = b
            .workloads
            .iter()
            .map(|w| format!("<code>{}</code>", escape(w)))
            .collect();
        let _ = write!(
            out,
            "<div><dt>Workloads</dt><dd>{}</dd></div>",
            list.join(", ")
        );
    }
    out.push_str("</dl>\n");
    if b.overcommitted {
        out.push_str("<p class=\"warning\"><strong>Overcommitted:</strong> the risks already accepted spend more than the whole budget.</p>\n");
    }

    let _ = writeln!(
        out,
        "<figure class=\"chart\">{}<figcaption>Expected bad minutes per year, one segment per risk, costliest first, against the yearly error budget (the shaded area, ending at the 100% line; the dashed line marks 25%). <span class=\"legend\"><span class=\"key exceeds\"></span> exceeds the budget alone <span class=\"key too-big\"></span> too big to accept <span class=\"key acceptable\"></span> acceptable</span></figcaption></figure>",
        svg::budget_bar(b, &format!("{}-chart", s.anchor))
    );

    if b.risks.is_empty() {
        out.push_str("<p>No finding of this service carries a priced risk.</p>\n");
    } else {
        let _ = write!(
            out,
            "<h3>Risks, costliest first</h3>\n<div class=\"scroll\"><table class=\"sortable risks\"><caption>The risk stack rank of {}: each risk's expected bad minutes a year (events a year x (time to detect + time to repair) x share of users affected) and its share of the yearly budget.</caption>\n{}\n<tbody>\n",
            escape(&b.name),
            thead(&[
                "##",
                "Risk",
                "#Events/yr",
                "#TTD min",
                "#TTR min",
                "#Impact",
                "#Bad min/yr",
                "#Share",
                "Class"
            ])
        );
        for (i, risk) in b.risks.iter().enumerate() {
            let check = risk
                .check
                .as_deref()
                .map(|c| {
                    format!(
                        " <a class=\"check\" href=\"#{}\">{}</a>",
                        Review::check_anchor(c),
                        escape(c)
                    )
                })
                .unwrap_or_else(|| " <span class=\"check\">manual</span>".into());
            let _ = writeln!(
                out,
                "<tr><td data-v=\"{n}\">{n}</td><th scope=\"row\">{}{check}{}</th><td data-v=\"{}\">{}</td><td data-v=\"{}\">{}</td><td data-v=\"{}\">{}</td><td data-v=\"{}\">{}</td><td data-v=\"{}\">{}</td><td data-v=\"{}\">{}</td><td><span class=\"class {}\">{}</span></td></tr>",
                escape(&risk.title),
                if risk.accepted {
                    " <span class=\"tag\">accepted</span>"
                } else {
                    ""
                },
                risk.events_per_year.to_f64(),
                risk.events_per_year,
                risk.ttd_minutes.to_f64(),
                risk.ttd_minutes,
                risk.ttr_minutes.to_f64(),
                risk.ttr_minutes,
                risk.impact.to_f64(),
                risk.impact,
                risk.bad_minutes_per_year.to_f64(),
                minutes(risk.bad_minutes_per_year),
                risk.budget_share.to_f64(),
                percent(risk.budget_share, 1),
                class_name(risk.class),
                class_label(risk.class),
                n = i + 1,
            );
        }
        out.push_str("</tbody></table></div>\n");
    }

    if !b.dependencies.is_empty() {
        out.push_str("<h3>Dependencies</h3>\n<table class=\"deps\">");
        out.push_str(&thead(&["Dependency", "Kind", "#Availability used"]));
        out.push_str("<tbody>\n");
        for d in &b.dependencies {
            let link = r
                .service_anchor(&d.name)
                .map(|a| format!("<a href=\"#{a}\">{}</a>", escape(&d.name)))
                .unwrap_or_else(|| escape(&d.name));
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\">{link}</th><td>{}</td><td data-v=\"{}\">{}</td></tr>",
                d.kind,
                d.availability.to_f64(),
                percent(d.availability, 4)
            );
        }
        out.push_str("</tbody></table>\n");
    }

    let _ = writeln!(out, "<h3>Findings ({})</h3>", s.findings.len());
    if s.findings.is_empty() {
        out.push_str("<p>No open finding.</p>\n");
    }
    for f in &s.findings {
        finding(r, f, ids, out);
    }
    if !b.assumptions.is_empty() {
        out.push_str("<details class=\"service-assumptions\"><summary>How these numbers were computed</summary><ul>\n");
        for a in &b.assumptions {
            let _ = writeln!(out, "<li>{}</li>", inline_text(a));
        }
        out.push_str("</ul></details>\n");
    }
    out.push_str("</section>\n");
}

fn finding(r: &Review, f: &Finding, ids: &mut HashSet<String>, out: &mut String) {
    let id = unique_anchor(ids, "finding", &f.fingerprint);
    let _ = write!(
        out,
        "<article class=\"finding sev-{sev}\" id=\"{id}\">\n<h4><span class=\"sev\">{sev}</span> <a class=\"check\" href=\"#{check_anchor}\">{check}</a> {title}</h4>\n<p class=\"msg\">{msg}</p>\n<p class=\"where\"><code>{path}:{line}</code>",
        sev = f.severity,
        check_anchor = Review::check_anchor(&f.check),
        check = escape(&f.check),
        title = escape(&f.title),
        msg = inline_text(&f.message),
        path = escape(&f.location.path),
        line = f.location.line,
    );
    if let Some(res) = &f.resource {
        let _ = write!(out, " · {}", escape(&res.to_string()));
    }
    if let Some(risk) = &f.risk {
        let _ = write!(
            out,
            " · costs {} bad min/yr ({} of the budget)",
            minutes(risk.bad_minutes_per_year),
            percent(risk.budget_share, 1)
        );
    }
    if f.baseline {
        out.push_str(" · <span class=\"tag\">known (baseline)</span>");
    }
    out.push_str("</p>\n");
    if let Some(frame) = r.frame(f) {
        code_frame(&frame, out);
    }
    for reason in &f.severity_reasons {
        let _ = writeln!(
            out,
            "<p class=\"reason\">Severity {}: {}</p>",
            f.severity,
            inline_text(reason)
        );
    }
    let _ = write!(
        out,
        "<p class=\"fix\"><strong>Fix:</strong> {}</p>\n</article>\n",
        inline_text(&f.remediation)
    );
}

fn code_frame(frame: &Frame, out: &mut String) {
    out.push_str("<pre class=\"frame\"><code>");
    for (i, text) in frame.lines.iter().enumerate() {
        let n = frame.first_line + i as u32;
        let line = escape(text.trim_end_matches(['\r', '\n']));
        if n == frame.mark {
            let _ = writeln!(out, "<mark><span class=\"ln\">{n}</span>{line}</mark>");
        } else {
            let _ = writeln!(out, "<span class=\"ln\">{n}</span>{line}");
        }
    }
    out.push_str("</code></pre>\n");
}

fn other_findings(r: &Review, ids: &mut HashSet<String>, out: &mut String) {
    if r.other_findings.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"other-findings\" aria-labelledby=\"other-findings-h\">\n<h2 id=\"other-findings-h\">Findings outside any service ({})</h2>\n<p>These findings concern files or resources no service owns (shared configuration, unreferenced manifests, inputs creview could not read). They are not priced in any budget.</p>",
        r.other_findings.len()
    );
    for f in &r.other_findings {
        finding(r, f, ids, out);
    }
    out.push_str("</section>\n");
}

fn suppressed(r: &Review, out: &mut String) {
    if r.suppressed.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"accepted\" aria-labelledby=\"accepted-h\">\n<h2 id=\"accepted-h\">Accepted findings ({})</h2>\n<p>Findings a suppression covers: they stay in the review, with the reason given, and never fail a build.</p>\n<div class=\"scroll\"><table class=\"sortable\">{}<tbody>",
        r.suppressed.len(),
        thead(&[
            "Check",
            "Location",
            "Finding",
            "Accepted by",
            "Reason",
            "Owner",
            "Expires"
        ])
    );
    for f in &r.suppressed {
        let Some(s) = &f.suppressed else { continue };
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#{}\">{}</a></td><td><code>{}:{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            Review::check_anchor(&f.check),
            escape(&f.check),
            escape(&f.location.path),
            f.location.line,
            inline_text(&f.message),
            s.by,
            escape(&s.reason),
            escape(s.owner.as_deref().unwrap_or("-")),
            escape(s.expires.as_deref().unwrap_or("-"))
        );
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}

fn checks(r: &Review, report: &Report, out: &mut String) {
    let counts = super::review::findings_per_check(report);
    out.push_str("<section id=\"checks\" aria-labelledby=\"checks-h\">\n<h2 id=\"checks-h\">Checks cited</h2>\n<p>Every check with a finding in this review: why it matters and how to fix it.</p>\n");
    for c in &r.checks {
        let _ = write!(
            out,
            "<article class=\"check-doc\" id=\"{}\">\n<h3>{} <span class=\"slug\">{}</span></h3>\n<p class=\"meta\">{} · default severity {} · {} open finding(s)</p>\n",
            Review::check_anchor(&c.id),
            escape(&c.id),
            escape(&c.title),
            escape(&c.category),
            c.severity,
            counts.get(c.id.as_str()).copied().unwrap_or(0)
        );
        paragraphs(&c.docs.why, out);
        if !c.docs.fix.trim().is_empty() {
            out.push_str("<h4>Fix</h4>");
            paragraphs(&c.docs.fix, out);
        }
        if !c.references.is_empty() {
            out.push_str("<p class=\"refs\">References: ");
            let refs: Vec<String> = c.references.iter().map(|r| inline_text(r)).collect();
            out.push_str(&refs.join(" · "));
            out.push_str("</p>");
        }
        out.push_str("</article>\n");
    }
    out.push_str("</section>\n");
}

fn assumptions(r: &Review, out: &mut String) {
    let b = r.basis;
    let _ = write!(
        out,
        "<section id=\"assumptions\" aria-labelledby=\"assumptions-h\">\n<h2 id=\"assumptions-h\">Assumptions</h2>\n<p>Every number above rests on these. Each can be changed in <code>creview.toml</code>: SLOs under <code>[[service]]</code> or <code>[slo]</code>, risk parameters under <code>[risk-defaults.\"ID\"]</code>, and risks creview cannot see under <code>[[risk]]</code>.</p>\n<dl class=\"facts\"><div><dt>Length of a year</dt><dd>{} days</dd></div><div><dt>SLO when none is declared</dt><dd>{} over {} days ({})</dd></div><div><dt>Per-risk threshold</dt><dd>{} of the yearly budget: a single risk above it is too big to accept</dd></div><div><dt>Bad minutes of a risk</dt><dd>events a year x (time to detect + time to repair) x share of users affected</dd></div></dl>\n",
        b.days_per_year,
        percent(b.default_target, 4),
        b.default_window_days,
        escape(&b.default_source),
        percent(b.per_risk_threshold, 0)
    );
    if !r.risk_defaults.is_empty() {
        out.push_str("<h3>Risk parameters of the checks</h3>\n<div class=\"scroll\"><table class=\"sortable params\"><caption>The events each cited check makes likely, with the numbers used and where they come from.</caption>");
        out.push_str(&thead(&[
            "Check",
            "Event",
            "#Events/yr",
            "#TTD min",
            "#TTR min",
            "#Impact",
            "Source",
        ]));
        out.push_str("<tbody>\n");
        for d in &r.risk_defaults {
            let event = match d.modifies {
                Some((ttd, ttr)) => format!(
                    "{} <span class=\"note\">(adds {ttd} min to detect and {ttr} min to repair to the service's other incidents)</span>",
                    escape(d.event)
                ),
                None => escape(d.event),
            };
            let _ = writeln!(
                out,
                "<tr><td><a href=\"#{}\">{}</a></td><td>{event}</td><td data-v=\"{}\">{}</td><td data-v=\"{}\">{}</td><td data-v=\"{}\">{}</td><td data-v=\"{}\">{}</td><td>{}</td></tr>",
                Review::check_anchor(d.check),
                escape(d.check),
                d.events_per_year.to_f64(),
                d.events_per_year,
                d.ttd_minutes.to_f64(),
                d.ttd_minutes,
                d.ttr_minutes.to_f64(),
                d.ttr_minutes,
                d.impact.to_f64(),
                d.impact,
                inline_text(&d.basis)
            );
        }
        out.push_str("</tbody></table></div>\n");
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_that_could_open_markup() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn code_spans_survive_only_balanced() {
        assert_eq!(
            inline_text("set `replicas: 2`"),
            "set <code>replicas: 2</code>"
        );
        assert_eq!(inline_text("odd ` <b>"), "odd ` &lt;b&gt;");
        assert_eq!(inline_text("`<script>`"), "<code>&lt;script&gt;</code>");
    }

    #[test]
    fn the_script_has_no_markup_to_break_out_of() {
        assert!(!SCRIPT.contains("</"));
        assert!(CSP.contains("default-src 'none'"));
    }
}
