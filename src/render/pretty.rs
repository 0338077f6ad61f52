//! Pretty JSON, rendered in parallel: the same bytes as
//! `serde_json::to_string_pretty`, but a long array's elements are
//! serialized on several threads. A JSON report of 2,000 apps is 19 MB;
//! serializing it on one thread was a tenth of the scan.

use rayon::prelude::*;
use serde::Serialize;
use serde_json::ser::Formatter;
use std::io;

const INDENT: &[u8] = b"  ";

/// serde_json's pretty formatter, starting `level` levels deep, so a value
/// rendered alone can be pasted into a larger pretty document.
struct Nested {
    level: usize,
    has_value: bool,
}

fn indent<W: ?Sized + io::Write>(w: &mut W, level: usize) -> io::Result<()> {
    for _ in 0..level {
        w.write_all(INDENT)?;
    }
    Ok(())
}

impl Nested {
    fn open<W: ?Sized + io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            indent(w, self.level)?;
        }
        w.write_all(bracket)
    }

    fn next_item<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        indent(w, self.level)
    }
}

impl Formatter for Nested {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.next_item(w, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.next_item(w, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// `value` as pretty JSON at nesting `level`, appended to `out`.
pub fn write_at<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
    level: usize,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        out,
        Nested {
            level,
            has_value: false,
        },
    );
    value.serialize(&mut ser)
}

/// A pretty JSON array at some nesting level, rendered in parallel chunks
/// that are written out one after the other, never put together.
pub struct Array {
    level: usize,
    chunks: Vec<Vec<u8>>,
}

impl Array {
    /// Renders a slice, its elements serialized in parallel chunks.
    pub fn of<T: Serialize + Sync>(items: &[T], level: usize) -> serde_json::Result<Array> {
        let chunks = items
            .par_chunks(64)
            .map(|chunk| {
                let mut out = Vec::with_capacity(chunk.len() * 1024);
                for item in chunk {
                    out.extend_from_slice(b",\n");
                    indent(&mut out, level + 1).map_err(serde_json::Error::io)?;
                    write_at(&mut out, item, level + 1)?;
                }
                Ok(out)
            })
            .collect::<serde_json::Result<_>>()?;
        Ok(Array { level, chunks })
    }

    /// Writes the array out, freeing each chunk once written.
    pub fn write_to(self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        if self.chunks.is_empty() {
            return out.write_all(b"[]");
        }
        out.write_all(b"[")?;
        for (i, chunk) in self.chunks.into_iter().enumerate() {
            // The first element follows `[` without a comma.
            out.write_all(if i == 0 { &chunk[1..] } else { &chunk })?;
        }
        let mut end = vec![b'\n'];
        indent(&mut end, self.level)?;
        end.push(b']');
        out.write_all(&end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The nested pieces put together give what serde_json prints.
    #[test]
    fn same_bytes_as_serde_json_pretty() {
        let items: Vec<serde_json::Value> = (0..200)
            .map(|i| json!({"id": i, "tags": ["a", {"b": []}], "empty": {}, "nested": {"x": [1, 2]}}))
            .collect();
        for n in [0, 1, 63, 64, 65, 200] {
            let doc = json!({"list": &items[..n], "after": 1});
            let expected = serde_json::to_string_pretty(&doc).unwrap();
            let mut got = b"{\n  \"after\": 1,\n  \"list\": ".to_vec();
            Array::of(&items[..n], 1)
                .unwrap()
                .write_to(&mut got)
                .unwrap();
            got.extend_from_slice(b"\n}");
            assert_eq!(String::from_utf8(got).unwrap(), expected, "{n} items");
        }
        let mut one = Vec::new();
        write_at(&mut one, &items[0], 0).unwrap();
        assert_eq!(
            String::from_utf8(one).unwrap(),
            serde_json::to_string_pretty(&items[0]).unwrap()
        );
    }
}
