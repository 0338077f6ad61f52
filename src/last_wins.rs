//! A list in which an item replaces any earlier one with the same key and
//! takes its place at the end: environment variables (`env` after
//! `envFrom`), HCL object attributes, `merge()` results. Each push is O(1),
//! so a container with 100,000 variables costs 100,000 steps, not 5
//! billion comparisons.

use std::collections::HashMap;
use std::hash::Hash;

pub struct LastWins<K, T> {
    /// Items in order of their last push; `None` where a later push of the
    /// same key took the item away.
    slots: Vec<Option<T>>,
    index: HashMap<K, usize>,
}

impl<K: Eq + Hash, T> LastWins<K, T> {
    pub fn new() -> Self {
        LastWins {
            slots: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Adds `item`, dropping an earlier item of the same key.
    pub fn push(&mut self, key: K, item: T) {
        if let Some(old) = self.index.insert(key, self.slots.len()) {
            self.slots[old] = None;
        }
        self.slots.push(Some(item));
    }

    /// The items, in order of their last push (one per key: sized so, as a
    /// collect from the emptied slots would grow by doubling).
    pub fn into_vec(self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.index.len());
        out.extend(self.slots.into_iter().flatten());
        out
    }
}

impl<K: Eq + Hash, T> Default for LastWins<K, T> {
    fn default() -> Self {
        LastWins::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_item_replaces_and_moves_to_the_end() {
        let mut l = LastWins::new();
        for (k, v) in [("a", 1), ("b", 2), ("a", 3), ("c", 4), ("b", 5)] {
            l.push(k, v);
        }
        assert_eq!(l.into_vec(), [3, 4, 5]);
    }
}
