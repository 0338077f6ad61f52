//! DEPEND-002: retries that do not back off or are not jittered. Clients
//! that retry at a fixed interval, all at the same moments, multiply the
//! load on a struggling dependency and delay its recovery.
//!
//! Reported:
//! - resilience4j retries (instances, and configs they or code-defined
//!   instances inherit) with more than one attempt and neither
//!   `enableExponentialBackoff` nor `enableRandomizedWait` (both off by
//!   default; one level lower when only the jitter is missing), with the
//!   wait, and attempts above 5; a custom `intervalFunction` is left alone;
//! - Spring Cloud Gateway `Retry` filters without `backoff` (off by
//!   default), noting retried non-idempotent methods;
//! - Ribbon `MaxAutoRetries`/`MaxAutoRetriesNextServer` and Spring Cloud
//!   LoadBalancer retries set without back-off;
//! - Istio VirtualService retries with more than 5 attempts (Envoy already
//!   jitters its back-off).

use super::appconfig_support::{Adjust, Emitter, list};
use crate::engine::{Ctx, Hit};
use crate::model::appconfig::duration;
use crate::model::appconfig::spring;
use crate::model::appconfig::view::App;

pub struct Check;

const MAX_ATTEMPTS: i64 = 5;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "retry-without-backoff-jitter"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let apps = ctx.derived.apps(true);
        let mut out = Emitter::default();
        for app in apps.apps.iter().filter(|a| a.has_config) {
            resilience4j(app, &mut out);
            gateway(app, &mut out);
            ribbon(app, &mut out);
            loadbalancer(app, &mut out);
        }
        out.finish(hits);
        istio(ctx, hits);
    }
}

fn resilience4j(app: &App, out: &mut Emitter) {
    for r in spring::r4j_retries(app) {
        if r.max_attempts <= 1 || r.custom_interval {
            continue;
        }
        // A config nobody inherits is not used (except `default`, which
        // instances created in code inherit).
        if r.kind == "configs" && r.users.is_empty() && !r.name.eq_ignore_ascii_case("default") {
            continue;
        }
        if r.exponential && r.randomized && r.max_attempts <= MAX_ATTEMPTS {
            continue;
        }
        let what = match r.kind {
            "configs" if r.users.is_empty() => {
                format!("resilience4j retry config `{}`", r.name)
            }
            "configs" => format!(
                "resilience4j retry config `{}` (used by {})",
                r.name,
                list(&r.users, 5)
            ),
            _ => format!("resilience4j retry `{}`", r.name),
        };
        let mut problems = Vec::new();
        if !r.exponential && !r.randomized {
            problems.push(format!(
                "waits a fixed {} between attempts with no exponential back-off and no jitter (`enableExponentialBackoff` and `enableRandomizedWait` are off by default)",
                duration::show(r.wait)
            ));
        } else if !r.randomized {
            problems.push(
                "backs off exponentially but without jitter (`enableRandomizedWait`), so clients that failed together retry together".into(),
            );
        } else if !r.exponential {
            problems.push(format!(
                "jitters a fixed {} wait but does not back off exponentially",
                duration::show(r.wait)
            ));
        }
        if r.wait < 0.1 && !r.exponential {
            problems.push("the wait is under 100 ms".into());
        }
        if r.max_attempts > MAX_ATTEMPTS {
            problems.push(format!(
                "{} attempts is more than a struggling dependency should get",
                r.max_attempts
            ));
        }
        let adjust = if r.exponential && r.max_attempts <= MAX_ATTEMPTS {
            Adjust::lower("it backs off exponentially; only the jitter is missing")
        } else {
            Adjust::none()
        };
        out.at(
            app,
            r.anchor,
            format!(
                "{what} makes {} attempts and {}: every caller retries in lock-step, multiplying the load on a dependency exactly when it is struggling and delaying its recovery; set `enableExponentialBackoff: true`, `exponentialBackoffMultiplier: 2`, `enableRandomizedWait: true` and keep attempts at 2-3",
                r.max_attempts,
                problems.join("; ")
            ),
            adjust,
        );
    }
}

fn gateway(app: &App, out: &mut Emitter) {
    let (routes, defaults) = spring::gateway(app);
    let mut filters: Vec<(String, &spring::Filter<'_>)> = defaults
        .iter()
        .map(|f| ("every route (default filter)".to_string(), f))
        .collect();
    for r in &routes {
        let name = r.id.clone().unwrap_or_else(|| r.prefix.clone());
        filters.extend(r.filters.iter().map(|f| (format!("route `{name}`"), f)));
    }
    for (what, f) in filters {
        if !f.name.eq_ignore_ascii_case("retry") {
            continue;
        }
        let retries = f
            .arg("retries")
            .or_else(|| f.arg("_0"))
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(3);
        let shortcut_backoff = f.args.iter().filter(|(k, _)| k.starts_with('_')).count() >= 5;
        if retries < 1 || f.has_arg_under("backoff") || shortcut_backoff {
            continue;
        }
        let methods = f.arg("methods").unwrap_or("GET").to_ascii_uppercase();
        let unsafe_methods: Vec<&str> = ["POST", "PATCH", "PUT", "DELETE"]
            .into_iter()
            .filter(|m| methods.contains(m))
            .collect();
        let idempotency = if unsafe_methods.iter().any(|m| *m == "POST" || *m == "PATCH") {
            format!(
                "; it also retries {}, which is not idempotent: a retried request that had reached the backend runs twice unless the backend deduplicates it (idempotency keys)",
                unsafe_methods.join("/")
            )
        } else {
            String::new()
        };
        out.at(
            app,
            f.setting,
            format!(
                "Spring Cloud Gateway Retry filter on {what} retries {retries} time{} with no back-off (the filter's `backoff` is off by default): retries hit the struggling backend immediately, adding load when it can least take it{idempotency}; add `backoff` (firstBackoff, maxBackoff, factor, basedOnPreviousValue) and keep retries low",
                if retries == 1 { "" } else { "s" }
            ),
            Adjust::none(),
        );
    }
}

fn ribbon(app: &App, out: &mut Emitter) {
    for s in app.settings.iter().filter(|s| {
        let sq = s.squashed();
        (sq.ends_with("ribbonmaxautoretries") || sq.ends_with("ribbonmaxautoretriesnextserver"))
            && !s.from_env
    }) {
        let Ok(n) = app.resolve(&s.value).trim().parse::<i64>() else {
            continue;
        };
        if n < 1 {
            continue;
        }
        out.at(
            app,
            s,
            format!(
                "{} is {n}: Ribbon retries immediately, with no back-off or jitter, so a failing backend gets the retries of every caller at once; prefer one retry layer with exponential back-off and jitter (Spring Retry `BackOffPolicy`, resilience4j)",
                app.at(s)
            ),
            Adjust::none(),
        );
    }
}

fn loadbalancer(app: &App, out: &mut Emitter) {
    let base = "spring.cloud.loadbalancer.retry";
    if app.value(&format!("{base}.enabled")).as_deref() == Some("false")
        || app.value(&format!("{base}.backoff.enabled")).as_deref() == Some("true")
    {
        return;
    }
    for key in [
        "max-retries-on-same-service-instance",
        "max-retries-on-next-service-instance",
    ] {
        let Some(s) = app.get(&format!("{base}.{key}")) else {
            continue;
        };
        let Ok(n) = app.resolve(&s.value).trim().parse::<i64>() else {
            continue;
        };
        if n < 1 {
            continue;
        }
        out.at(
            app,
            s,
            format!(
                "{} is {n} and `{base}.backoff.enabled` is not true: Spring Cloud LoadBalancer retries immediately, with no back-off or jitter; enable the back-off (min-backoff, max-backoff, jitter)",
                app.at(s)
            ),
            Adjust::none(),
        );
        return;
    }
}

fn istio(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let mesh = ctx.derived.mesh();
    for r in &mesh.routes {
        if r.retries.default || r.retries.attempts <= MAX_ATTEMPTS {
            continue;
        }
        let vs = &ctx.inv.resources[r.vs];
        hits.push(Hit::resource(
            r.vs,
            format!("{}/attempts", r.retries.pointer),
            format!(
                "VirtualService `{}` retries up to {} times: Envoy jitters its back-off, but that many attempts per request still multiplies the load on a struggling destination; keep `retries.attempts` at 2-3 and retry at one layer only",
                vs.name, r.retries.attempts
            ),
        ));
    }
}
