//! Expanding a typed name word over the vocabulary: its prefix range, the tokens within one
//! or two edits (Damerau: a transposition is one), and for the word being typed the longer
//! names it may begin with a slip in it.

use super::SearchIndex;
use super::engine::weight;
use super::typo::{allowed_edits, within, within1};

/// A letter mask of a token (a cheap filter before the edit-distance check).
pub(super) fn letter_mask(s: &[u8]) -> u64 {
    s.iter().fold(0u64, |m, &b| m | 1u64 << (b % 64))
}

/// Initial tokens (`^j`: a name starting with j) stand for a letter, not a name: they are
/// reached only by a one-letter word, never as a typo of a two-letter one ("jo" is not
/// one edit from "^o").
fn is_initial(token: &[u8]) -> bool {
    token.first() == Some(&b'^')
}

impl SearchIndex {
    pub(super) fn prefix_range(&self, w: &str) -> (usize, usize) {
        let lo = self.tokens.partition_point(|t| t.as_str() < w);
        let hi = lo + self.tokens[lo..].partition_point(|t| t.starts_with(w));
        (lo, hi)
    }

    /// The vocabulary entries a typed name word stands for, with their weights.
    pub fn expand(&self, w: &str, is_last: bool) -> Vec<(usize, u32)> {
        if w.len() == 1 {
            // One letter: an initial. Exact one-letter names (a middle initial) rank above
            // names that merely start with it.
            let mut out = Vec::new();
            let initial = super::fold::initial_token(w);
            for (t, wt) in [(w, weight::EXACT), (initial.as_str(), weight::PREFIX)] {
                if let Ok(i) = self.tokens.binary_search_by(|x| x.as_str().cmp(t)) {
                    out.push((i, wt));
                }
            }
            return out;
        }
        let wb = w.as_bytes();
        let mut out = Vec::new();
        let (lo, hi) = self.prefix_range(w);
        for i in lo..hi {
            let wt = if self.tokens[i].len() == w.len() {
                weight::EXACT
            } else {
                weight::PREFIX
            };
            out.push((i, wt));
        }
        let k = allowed_edits(wb.len());
        if k == 0 {
            return out;
        }
        let wm = letter_mask(wb);
        let lens =
            wb.len().saturating_sub(k)..=(wb.len() + k).min(self.by_len.len().saturating_sub(1));
        for len in lens {
            for &i in &self.by_len[len] {
                let i = i as usize;
                if (lo..hi).contains(&i)
                    || (wm ^ self.masks[i]).count_ones() as usize > 2 * k
                    || is_initial(self.tokens[i].as_bytes())
                {
                    continue;
                }
                if let Some(d) = within(wb, self.tokens[i].as_bytes(), k) {
                    out.push((i, if d == 1 { weight::TYPO1 } else { weight::TYPO2 }));
                }
            }
        }
        // The word being typed may be the start of a longer name with a slip in it
        // ("smti" for "smith"): one edit against the token's beginning, same first letter.
        if is_last && wb.len() >= 4 {
            let (flo, fhi) = self.prefix_range(&w[..1]);
            for i in flo..fhi {
                let tb = self.tokens[i].as_bytes();
                if tb.len() > wb.len() + 1
                    && !(lo..hi).contains(&i)
                    && within1(wb, &tb[..wb.len()])
                    && !out.iter().any(|x| x.0 == i)
                {
                    out.push((i, weight::PREFIX_TYPO));
                }
            }
        }
        out
    }
}
