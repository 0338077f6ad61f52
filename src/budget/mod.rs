//! The error-budget engine: pure, exact math over [`decimal::Dec`]. Formula
//! numbers (F1-F20) and lint numbers (L1-L6) follow §10 of
//! `reference/error-budget-math.md`; the worked examples E1-E12 of its §11
//! are the tests in `worked_examples.rs`.

pub mod alert_tiers;
pub mod availability;
pub mod burn_rate;
pub mod decimal;
pub mod error_budget;
pub mod lints;
pub mod redundancy;
pub mod report;
pub mod risk;
pub mod risk_factor;
pub mod target;
pub mod window;

pub mod services;
#[cfg(test)]
mod worked_examples;
