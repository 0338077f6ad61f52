//! Profiling output for `CREVIEW_TIMINGS=1`: how long each stage took, and
//! which readers and checks were slow (why a scan is slow). The benchmark
//! measures whole runs; this says where the time inside one went.

use std::fmt::Display;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Whether `CREVIEW_TIMINGS` is set (read once).
pub fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("CREVIEW_TIMINGS").is_some())
}

/// Prints `timings: {what} {ms}` when timings are on and the step took at
/// least `at_least`. The label is only formatted when it is printed.
pub fn report_step(what: impl Display, started: Instant, at_least: Duration) {
    let took = started.elapsed();
    if enabled() && took >= at_least {
        eprintln!("timings: {what} {:.1}ms", took.as_secs_f64() * 1000.0);
    }
}

/// Runs one step, reporting how long it took.
pub fn time<T>(what: impl Display, step: impl FnOnce() -> T) -> T {
    time_if_slow(what, Duration::ZERO, step)
}

/// Runs one step, reporting it only when it took at least `at_least`.
pub fn time_if_slow<T>(what: impl Display, at_least: Duration, step: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = step();
    report_step(what, started, at_least);
    out
}

/// Stage laps of one run, printed on one line.
pub struct Laps {
    last: Instant,
    laps: Vec<(&'static str, Duration)>,
}

impl Laps {
    pub fn new() -> Laps {
        Laps {
            last: Instant::now(),
            laps: Vec::new(),
        }
    }

    pub fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        self.laps.push((stage, now - self.last));
        self.last = now;
    }

    pub fn report(&self) {
        if enabled() {
            let text: Vec<String> = self
                .laps
                .iter()
                .map(|(s, d)| format!("{s} {:.1}ms", d.as_secs_f64() * 1000.0))
                .collect();
            eprintln!("timings: {}", text.join(", "));
        }
    }
}

impl Default for Laps {
    fn default() -> Self {
        Laps::new()
    }
}
