//! Inline SVG charts of the HTML report: a service's budget bar (each risk
//! a segment, the 25% and 100% budget lines marked) and the small bar of the
//! overview table. Each chart carries its own text alternative, and each
//! class has its own fill pattern, so colour is never the only carrier.

use super::html::escape;
use crate::budget::decimal::Dec;
use crate::budget::risk::RiskClass;
use crate::budget::services::ServiceBudget;
use std::fmt::Write;

const WIDTH: f64 = 720.0;
const LEFT: f64 = 8.0;
const RIGHT: f64 = 712.0;
const BAR_Y: f64 = 30.0;
const BAR_H: f64 = 30.0;
/// Segments after this many are drawn as one, so a service with hundreds
/// of small risks keeps a readable chart (the table lists them all).
const MAX_SEGMENTS: usize = 12;

/// A minute count as a reader wants it: whole above 100, one place below.
pub fn minutes(d: Dec) -> String {
    if d >= Dec::int(100) {
        group_thousands(&d.round_str(0))
    } else {
        d.round_str(1)
    }
}

fn group_thousands(digits: &str) -> String {
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", digits),
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

pub fn percent(d: Dec, places: u32) -> String {
    format!("{}%", d.percent().round_str(places))
}

/// The CSS class of a risk class: its colour and pattern.
pub fn class_name(c: RiskClass) -> &'static str {
    match c {
        RiskClass::ExceedsBudget => "exceeds",
        RiskClass::TooBig => "too-big",
        RiskClass::Acceptable => "acceptable",
    }
}

pub fn class_label(c: RiskClass) -> &'static str {
    match c {
        RiskClass::ExceedsBudget => "exceeds the budget",
        RiskClass::TooBig => "too big to accept",
        RiskClass::Acceptable => "acceptable",
    }
}

/// The patterns the bars use, defined once per document (ids must be unique).
pub const PATTERN_DEFS: &str = r##"<svg width="0" height="0" class="defs" aria-hidden="true" focusable="false"><defs>
<pattern id="hatch-exceeds" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#b3261e"/><rect width="3" height="8" fill="#7f1d18"/></pattern>
<pattern id="hatch-too-big" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#d98a00"/><circle cx="3" cy="3" r="1.3" fill="#8a5600"/></pattern>
</defs></svg>"##;

fn fill(c: RiskClass) -> &'static str {
    match c {
        RiskClass::ExceedsBudget => "url(#hatch-exceeds)",
        RiskClass::TooBig => "url(#hatch-too-big)",
        RiskClass::Acceptable => "#3a7d44",
    }
}

/// The budget bar of one service; `id` prefixes the element ids.
pub fn budget_bar(b: &ServiceBudget, id: &str) -> String {
    let budget = b.error_budget.year_minutes;
    let total = b.expected_bad_minutes_per_year;
    let scale_max = {
        let m = if total > budget { total } else { budget };
        // Room to the right of the furthest mark.
        (m.to_f64() * 1.08).max(1e-9)
    };
    let x = |v: f64| LEFT + (RIGHT - LEFT) * (v / scale_max).clamp(0.0, 1.0);
    let budget_x = x(budget.to_f64());
    let quarter_x = x(budget.to_f64() * 0.25);

    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="budget-bar" viewBox="0 0 {WIDTH} 96" role="img" aria-labelledby="{id}-title {id}-desc" preserveAspectRatio="xMinYMin meet">"#
    );
    let _ = write!(
        out,
        "<title id=\"{id}-title\">Error budget use of {}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(&b.name),
        escape(&bar_description(b))
    );
    // The budget itself: the area the risks should fit in.
    let _ = write!(
        out,
        r#"<rect class="budget-area" x="{LEFT}" y="{BAR_Y}" width="{:.1}" height="{BAR_H}"/>"#,
        budget_x - LEFT
    );
    let mut at = 0.0;
    let mut drawn = 0;
    let mut rest = (Dec::ZERO, 0usize);
    for r in b
        .risks
        .iter()
        .filter(|r| r.bad_minutes_per_year.is_positive())
    {
        if drawn == MAX_SEGMENTS {
            rest = (rest.0 + r.bad_minutes_per_year, rest.1 + 1);
            continue;
        }
        let v = r.bad_minutes_per_year.to_f64();
        let (x0, x1) = (x(at), x(at + v));
        at += v;
        drawn += 1;
        let _ = write!(
            out,
            r#"<rect class="seg {}" x="{x0:.2}" y="{BAR_Y}" width="{:.2}" height="{BAR_H}" fill="{}"><title>{}: {} bad min/yr, {} of the budget ({}{})</title></rect>"#,
            class_name(r.class),
            (x1 - x0).max(0.0),
            fill(r.class),
            escape(&r.title),
            minutes(r.bad_minutes_per_year),
            percent(r.budget_share, 1),
            class_label(r.class),
            if r.accepted { ", accepted" } else { "" }
        );
    }
    if rest.1 > 0 {
        let v = rest.0.to_f64();
        let (x0, x1) = (x(at), x(at + v));
        let _ = write!(
            out,
            r#"<rect class="seg rest" x="{x0:.2}" y="{BAR_Y}" width="{:.2}" height="{BAR_H}"><title>{} smaller risks: {} bad min/yr</title></rect>"#,
            (x1 - x0).max(0.0),
            rest.1,
            minutes(rest.0)
        );
    }
    // The marks: 25% (the per-risk threshold's usual home) and 100%.
    for (mx, label, class) in [
        (quarter_x, "25%".to_string(), "mark quarter"),
        (
            budget_x,
            format!("budget {} min/yr", minutes(budget)),
            "mark full",
        ),
    ] {
        let anchor = if mx > WIDTH * 0.75 { "end" } else { "middle" };
        let _ = write!(
            out,
            r#"<line class="{class}" x1="{mx:.2}" x2="{mx:.2}" y1="{}" y2="{}"/><text class="mark-label" x="{mx:.2}" y="{}" text-anchor="{anchor}">{}</text>"#,
            BAR_Y - 8.0,
            BAR_Y + BAR_H + 6.0,
            BAR_Y - 12.0,
            escape(&label)
        );
    }
    let _ = write!(
        out,
        r#"<text class="axis" x="{LEFT}" y="84">0</text><text class="axis" x="{:.2}" y="84" text-anchor="end">expected {} bad min/yr ({} of the budget)</text></svg>"#,
        RIGHT,
        minutes(total),
        percent(b.budget_share, 0)
    );
    out
}

/// The chart's text alternative: what a reader would take from it.
fn bar_description(b: &ServiceBudget) -> String {
    let mut s = format!(
        "Expected {} bad minutes per year against a yearly error budget of {} minutes ({} of the budget).",
        minutes(b.expected_bad_minutes_per_year),
        minutes(b.error_budget.year_minutes),
        percent(b.budget_share, 0)
    );
    match b.risks.first() {
        Some(r) => {
            let _ = write!(
                s,
                " {} risk(s); the largest is {} at {} minutes ({}).",
                b.risks.len(),
                r.title,
                minutes(r.bad_minutes_per_year),
                percent(r.budget_share, 1)
            );
        }
        None => s.push_str(" No priced risk."),
    }
    s
}

/// A small bar of budget share for the overview table: full width is
/// twice the budget, with the 100% line in the middle.
pub fn share_bar(share: Dec) -> String {
    let frac = (share.to_f64() / 2.0).clamp(0.0, 1.0);
    let class = if share > Dec::ONE { "over" } else { "within" };
    format!(
        r#"<svg class="share-bar" viewBox="0 0 100 12" width="100" height="12" aria-hidden="true" focusable="false"><rect class="share-track" width="100" height="12"/><rect class="share-fill {class}" width="{:.1}" height="12"/><line class="share-mark" x1="50" x2="50" y1="0" y2="12"/></svg>"#,
        frac * 100.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_read_well() {
        assert_eq!(minutes(Dec::int(525_960)), "525,960");
        assert_eq!(minutes(Dec::ratio(2629, 100)), "26.3");
        assert_eq!(minutes(Dec::int(100)), "100");
        assert_eq!(group_thousands("-1234567"), "-1,234,567");
    }

    #[test]
    fn share_bar_is_capped() {
        assert!(share_bar(Dec::int(50)).contains(r#"width="100.0""#));
        assert!(share_bar(Dec::ratio(1, 2)).contains(r#"width="25.0""#));
    }
}
