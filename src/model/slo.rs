//! SLOs declared in the repository, as the budget stage needs them. The
//! readers of each SLO format (OpenSLO, Sloth, Pyrra, slo-generator,
//! Terraform `google_monitoring_slo`) produce these.

use crate::budget::decimal::Dec;
use crate::finding::Location;

#[derive(Clone, Debug)]
pub struct SloSpec {
    /// The service it is for, as named in the spec.
    pub service: String,
    /// Name of the SLO (`requests-availability`).
    pub name: String,
    /// As a fraction (`0.999`).
    pub target: Dec,
    pub window_days: Dec,
    /// What it measures: `availability`, `latency`, or `other`.
    pub indicator: String,
    /// Format and place it was read from (`Sloth prometheus/v1 slos/checkout.yaml:12`).
    pub source: String,
    pub location: Location,
}
