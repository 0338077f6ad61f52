//! INPUT-002: a Helm chart's `templates/` are Go templates, not YAML. They are
//! never parsed (that would be a wall of false parse errors); the chart is
//! reported once, with the command that renders it for review.

use crate::engine::{Ctx, Hit};
use crate::source::Pos;

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "helm-chart-not-rendered"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        for chart in &ctx.inv.helm_charts {
            let message = format!(
                "Helm chart `{}` has {} template file(s) that are not YAML until rendered; review the rendered manifests: \
                 `helm template {} -f <production values> | creview scan -`",
                chart.dir, chart.templates, chart.dir
            );
            hits.push(Hit::file(
                &chart.chart_file,
                Pos::START,
                "helm-templates",
                message,
            ));
        }
    }
}
