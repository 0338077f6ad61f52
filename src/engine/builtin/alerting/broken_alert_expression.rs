//! ALERT-008: rule expressions that cannot work, found statically as pint
//! does offline: a syntax error (Prometheus refuses the whole rule file); an
//! alert without a comparison or filter (fires for every series that
//! exists); `rate()`-like functions over a range shorter than two scrape
//! intervals (fewer than two samples: no result); `rate()` over a
//! subquery of an aggregation; `topk`/`bottomk` in alerts (flapping sets);
//! the query value in alert labels (every change is a new alert).
//! Rules in VictoriaMetrics' MetricsQL dialect (functions PromQL lacks, such
//! as `histogram_share`) are for vmalert: not reported.

use crate::engine::{Ctx, Hit};
use crate::finding::Severity;
use crate::model::alerting::{self, PROMETHEUS_CONFIG};
use crate::yaml::Node;

pub struct Check;

const RATE_FUNCTIONS: &[&str] = &["rate", "irate", "increase", "delta", "idelta", "deriv"];

/// Functions of VictoriaMetrics' MetricsQL that PromQL lacks. A rule that
/// fails to parse only because it calls one of these is written for vmalert
/// (Sloth and others generate such files), not broken.
const METRICSQL_FUNCTIONS: &[&str] = &[
    "histogram_share",
    "histogram_avg",
    "histogram_stddev",
    "histogram_stdvar",
    "histogram_quantiles",
    "share_gt_over_time",
    "share_le_over_time",
    "share_eq_over_time",
    "count_gt_over_time",
    "count_le_over_time",
    "count_eq_over_time",
    "count_ne_over_time",
    "range_avg",
    "range_max",
    "range_min",
    "range_sum",
    "range_first",
    "range_last",
    "range_median",
    "range_quantile",
    "rollup",
    "rollup_rate",
    "rollup_increase",
    "rollup_delta",
    "rollup_deriv",
    "rollup_candlestick",
    "increase_pure",
    "increase_prometheus",
    "rate_over_sum",
    "median_over_time",
    "distinct_over_time",
    "mode_over_time",
    "tmin_over_time",
    "tmax_over_time",
    "tfirst_over_time",
    "tlast_change_over_time",
    "lifetime",
    "lag",
    "first_over_time",
    "integrate",
    "ideriv",
    "running_sum",
    "running_avg",
    "running_max",
    "running_min",
    "interpolate",
    "keep_last_value",
    "keep_next_value",
    "remove_resets",
    "union",
    "label_set",
    "label_del",
    "label_keep",
    "label_copy",
    "label_move",
    "label_transform",
    "label_value",
    "label_match",
    "label_mismatch",
    "limitk",
    "outliersk",
    "outliers_mad",
    "zscore",
    "zscore_over_time",
    "any",
    "mad",
    "median",
];

/// The name of the unknown function a parse error is about.
fn unknown_function(error: &str) -> Option<&str> {
    let at = error.find("unknown function")?;
    let rest = &error[at..];
    let name = rest
        .split(['\'', '"', '`'])
        .nth(1)
        .or_else(|| rest.rsplit(' ').next())?;
    Some(name.trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
}

/// The shortest scrape interval configured in the repository, or the
/// assumption (30 s) when none is.
fn scrape_interval_ms(ctx: &Ctx<'_>) -> (u64, bool) {
    let parse = |n: Option<&Node>| {
        n.and_then(Node::scalar_text)
            .and_then(|t| crate::budget::window::Window::parse(&t).ok())
            .map(|w| w.as_millis())
            .filter(|m| *m > 0)
    };
    let mut known: Vec<u64> = Vec::new();
    for r in &ctx.inv.resources {
        if r.kind == PROMETHEUS_CONFIG && r.api_version == alerting::API_VERSION {
            known.extend(parse(r.node.path(&["global", "scrape_interval"])).or(Some(60_000)));
            for sc in r
                .node
                .get("scrape_configs")
                .map(Node::items)
                .unwrap_or_default()
            {
                known.extend(parse(sc.get("scrape_interval")));
            }
        } else if r.api_version.starts_with("monitoring.coreos.com/") {
            match r.kind.as_str() {
                "Prometheus" => {
                    known.extend(parse(r.node.path(&["spec", "scrapeInterval"])).or(Some(30_000)))
                }
                "ServiceMonitor" | "PodMonitor" => {
                    for key in ["endpoints", "podMetricsEndpoints"] {
                        for e in r
                            .node
                            .path(&["spec", key])
                            .map(Node::items)
                            .unwrap_or_default()
                        {
                            known.extend(parse(e.get("interval")));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    match known.into_iter().min() {
        Some(m) => (m, true),
        None => (30_000, false),
    }
}

fn human(ms: u64) -> String {
    crate::budget::window::Window::from_millis(ms).to_string()
}

impl crate::engine::builtin::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "broken-alert-expression"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let (scrape, known) = scrape_interval_ms(ctx);
        for rule in ctx.derived.rules() {
            let a = &rule.analysis;
            let name = rule.display_name();
            let expr_at = format!("{}/expr", rule.pointer);
            if let Some(e) = &a.error {
                if unknown_function(e).is_some_and(|f| METRICSQL_FUNCTIONS.contains(&f)) {
                    continue;
                }
                let unknown_fn = e.contains("unknown function");
                let mut hit = Hit::resource(
                    rule.resource,
                    expr_at,
                    format!(
                        "the expression of `{name}` does not parse as PromQL: {e}; Prometheus refuses the whole rule file, so none of its rules run{}",
                        if unknown_fn {
                            " (if this file is for VictoriaMetrics/MetricsQL or a newer Prometheus, this may be expected)"
                        } else {
                            ""
                        }
                    ),
                );
                if unknown_fn {
                    hit = hit.with_severity(
                        Severity::Info,
                        "an unknown function: possibly another dialect (MetricsQL) or a newer Prometheus",
                    );
                }
                hits.push(hit);
                continue;
            }
            let mut problems = Vec::new();
            if rule.alert.is_some() && !a.filters && !rule.is_heartbeat() {
                problems.push(
                    "it has no comparison or filter, so it fires for every series that exists, whatever its value (add a threshold, e.g. `> 0.05`)"
                        .to_string(),
                );
            }
            for r in &a.ranges {
                if !RATE_FUNCTIONS.contains(&r.function.as_str()) {
                    continue;
                }
                if r.subquery {
                    problems.push(format!(
                        "`{}()` over a subquery: a counter must be rated before it is aggregated (`sum(rate(x[5m]))`, not `rate(sum(x)[5m:])`), or resets turn into spikes",
                        r.function
                    ));
                } else if r.range_ms < 2 * scrape {
                    problems.push(format!(
                        "`{}()` over [{}], less than two scrape intervals ({} {}): it often has fewer than two samples and returns nothing",
                        r.function,
                        human(r.range_ms),
                        human(scrape),
                        if known { "configured" } else { "assumed" }
                    ));
                }
            }
            if rule.alert.is_some()
                && let Some(agg) = a
                    .aggregations
                    .iter()
                    .find(|x| *x == "topk" || *x == "bottomk")
            {
                problems.push(format!(
                    "`{agg}` in an alert: the set of series changes between evaluations, so the alert flaps and `for` restarts"
                ));
            }
            if rule.alert.is_some()
                && let Some((k, _)) = rule
                    .labels
                    .iter()
                    .find(|(_, v)| v.contains("$value") || v.contains(".Value"))
            {
                problems.push(format!(
                    "label `{k}` holds the query value: every change of the value makes a new alert and restarts `for` (put it in an annotation)"
                ));
            }
            if !problems.is_empty() {
                let mut hit = Hit::resource(
                    rule.resource,
                    expr_at,
                    format!("`{name}`: {}", problems.join("; ")),
                );
                // `metric{label=~"bad.*"}` alone: the selector may be the
                // condition (a series that exists only on error).
                let existence = problems.len() == 1
                    && rule.alert.is_some()
                    && !a.filters
                    && a.selectors
                        .iter()
                        .any(|s| s.matchers.iter().any(|m| m.op.positive()));
                if existence {
                    hit = hit.lowered(
                        1,
                        "its selector may be the condition (a series that exists only on error)",
                    );
                }
                hits.push(hit);
            }
        }
    }
}
