//! The error-budget views: `creview budget` (an SLO's budget and burn-rate
//! tiers) and the reliability-gap section of a scan report.

use crate::budget::decimal::Dec;
use crate::budget::report::BudgetReport;
use crate::budget::risk::RiskClass;
use crate::budget::services::ServiceBudget;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use std::fmt::Write;

fn pct(d: Dec, places: u32) -> String {
    format!("{}%", d.percent().round_str(places))
}

fn minutes(d: Dec) -> String {
    let m = d.round_str(2);
    if d >= Dec::int(120) {
        format!("{m} min ({} h)", (d / Dec::int(60)).round_str(1))
    } else {
        format!("{m} min")
    }
}

/// `creview budget --slo 99.9 --window 30d`.
pub fn human(r: &BudgetReport, days_per_year: Dec) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "SLO {} over {} days: an error budget of {} per window, {} per {}-day year\n",
        pct(r.slo.target.fraction(), 4),
        r.slo.window_days,
        minutes(r.error_budget.window_minutes),
        minutes(r.error_budget.year_minutes),
        days_per_year
    );
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header([
            "alert",
            "severity",
            "windows",
            "burn rate",
            "error ratio >",
            "budget spent at firing",
            "fires after (100% errors)",
            "clears after",
            "can fire",
        ]);
    for a in &r.burn_rate_alerts {
        t.add_row([
            a.name.clone(),
            format!("{:?}", a.severity).to_ascii_lowercase(),
            format!("{} and {}", a.long_window, a.short_window),
            a.burn_rate.round_str(4),
            pct(a.error_ratio_threshold, 4),
            pct(a.budget_consumed, 2),
            a.detection_minutes_full_outage
                .map(minutes)
                .unwrap_or_else(|| "never".into()),
            a.reset_minutes.map(minutes).unwrap_or_else(|| "-".into()),
            if a.feasible { "yes" } else { "NO" }.into(),
        ]);
    }
    let _ = writeln!(out, "{t}");
    out.push_str(
        "\nPage when both windows burn faster than the rate; the short window makes the alert clear \
         soon after errors stop (SRE Workbook, \"Alerting on SLOs\").\n",
    );
    if r.burn_rate_alerts.iter().any(|a| !a.feasible) {
        out.push_str("An alert marked NO needs an error ratio of 100% or more: it can never fire at this SLO and window.\n");
    }
    out
}

/// A text bar of the yearly budget: `#` spent by risks, `.` left, `|` at
/// 25% and 100%; past 100% the bar grows and says so.
pub fn budget_bar(share: Dec, width: usize) -> String {
    let full = width as i64;
    let scale_max = share.max(Dec::ONE);
    let cells = |s: Dec| -> usize {
        (s / scale_max * Dec::int(full))
            .round_str(0)
            .parse::<usize>()
            .unwrap_or(0)
    };
    let filled = cells(share).min(width);
    let q = cells(Dec::ratio(1, 4));
    let whole = cells(Dec::ONE);
    let mut bar = String::new();
    for i in 0..width {
        let c = if i == q || i == whole {
            '|'
        } else if i < filled {
            '#'
        } else {
            '.'
        };
        bar.push(c);
    }
    format!("[{bar}] {}", pct(share, 1))
}

/// The reliability-gap section of the human report.
pub fn gap_section(budgets: &[ServiceBudget]) -> String {
    let mut out = String::new();
    if budgets.is_empty() {
        return out;
    }
    out.push_str("Reliability gap (expected bad minutes per year as built, against each service's yearly error budget)\n\n");
    for b in budgets {
        let target = pct(b.slo.target, 4);
        let projected = pct(b.projected_availability, 4);
        let verdict = if b.meets_slo {
            format!(
                "{target} promised, {projected} projected as built: meets it with {} to spare",
                minutes(
                    (b.error_budget.year_minutes - b.expected_bad_minutes_per_year).max(Dec::ZERO)
                )
            )
        } else {
            format!(
                "{target} promised, {projected} projected as built: {} pp short, {} a year over budget",
                b.gap_pp.round_str(4),
                minutes(b.gap_minutes_per_year)
            )
        };
        let big = match b.risks_over_threshold {
            0 => String::new(),
            1 => "; 1 risk exceeds a quarter of the budget".to_string(),
            n => format!("; {n} risks each exceed a quarter of the budget"),
        };
        let _ = writeln!(out, "{}: {verdict}{big}", b.name);
        let _ = writeln!(
            out,
            "  SLO from {}; budget {} per {} days, {} per year",
            b.slo.source,
            minutes(b.error_budget.window_minutes),
            b.slo.window_days,
            minutes(b.error_budget.year_minutes)
        );
        let _ = writeln!(out, "  budget {}", budget_bar(b.budget_share, 40));
        for (i, r) in b.risks.iter().take(5).enumerate() {
            let class = match r.class {
                RiskClass::ExceedsBudget => " EXCEEDS BUDGET",
                RiskClass::TooBig => " TOO BIG",
                RiskClass::Acceptable => "",
            };
            let _ = writeln!(
                out,
                "  {:>2}. {:>9} min/yr {:>7}{class}{}  {}",
                i + 1,
                r.bad_minutes_per_year.round_str(1),
                pct(r.budget_share, 1),
                if r.accepted { " (accepted)" } else { "" },
                r.title
            );
        }
        if b.risks.len() > 5 {
            let rest: Dec = b.risks[5..]
                .iter()
                .fold(Dec::ZERO, |a, r| a + r.bad_minutes_per_year);
            let _ = writeln!(
                out,
                "      ... {} more risks, {} min/yr",
                b.risks.len() - 5,
                rest.round_str(1)
            );
        }
        if b.overcommitted {
            out.push_str("  accepted risks alone take more than the whole budget: the SLO is overcommitted\n");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars() {
        // Up to 100% the end of the bar is the whole budget.
        assert_eq!(budget_bar(Dec::ZERO, 8), "[..|.....] 0%");
        let half = budget_bar(Dec::ratio(1, 2), 8);
        assert!(half.starts_with("[##|#...."), "{half}");
        assert!(half.ends_with("50%"));
        let double = budget_bar(Dec::int(2), 8);
        assert!(double.ends_with("200%"), "{double}");
        assert_eq!(double.matches('|').count(), 2);
    }

    #[test]
    fn budget_command_text() {
        let r = crate::budget::report::budget_report(
            crate::budget::target::Target::parse("99.9").unwrap(),
            Dec::int(30),
        );
        let text = human(&r, Dec::int(365));
        assert!(text.contains("43.2 min per window"), "{text}");
        assert!(
            text.contains("525.6 min (8.8 h) per 365-day year"),
            "{text}"
        );
        assert!(text.contains("14.4"));
        assert!(!text.contains("NO "));
    }
}
