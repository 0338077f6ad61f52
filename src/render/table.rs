//! The summary table: findings by service and severity.

use super::summary::{Counts, Tally};
use crate::finding::Severity;
use comfy_table::{Cell, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

pub fn summary_table(t: &Tally, color: bool) -> String {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if !color {
        table.force_no_tty();
    }
    let mut header = vec![Cell::new("service")];
    header.extend(Severity::ALL.iter().map(|s| Cell::new(s.as_str())));
    header.push(Cell::new("total"));
    table.set_header(header);
    let row = |name: &str, c: &Counts| {
        let mut cells = vec![Cell::new(name)];
        cells.extend(Severity::ALL.iter().map(|s| Cell::new(c.get(*s))));
        cells.push(Cell::new(c.total()));
        cells
    };
    for (name, counts) in &t.by_service {
        if let Some(n) = name {
            table.add_row(row(n, counts));
        }
    }
    if let Some(c) = t.by_service.get(&None) {
        table.add_row(row("(not part of a service)", c));
    }
    table.add_row(row("all", &t.all));
    format!("{table}\n")
}
