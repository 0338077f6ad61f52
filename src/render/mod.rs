//! Renderers: turn a [`crate::Report`] into text. They never compute; what
//! they show comes from the report (and [`summary`], which only counts).

pub mod budget;
pub mod catalog;
pub mod human;
pub mod json;
pub mod summary;
pub mod table;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}
