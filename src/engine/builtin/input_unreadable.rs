//! INPUT-001: a file or document that cannot be read or parsed. The loader
//! already recorded each problem at the parser's position; this check reports
//! them, so input problems go through suppression, output and exit codes like
//! any other finding.

use crate::engine::{Ctx, Hit};
use crate::finding::Severity;

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "input-unreadable"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        for p in &ctx.inv.problems {
            let path = ctx.inv.files[p.file].display.clone();
            let hit = Hit::file(path, p.pos, &p.message, &p.message);
            hits.push(if p.fatal {
                hit
            } else {
                hit.with_severity(
                    Severity::Medium,
                    "the document was still read (the last duplicate key wins)",
                )
            });
        }
    }
}
