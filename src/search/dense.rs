//! Several words that each match a large share of the store ("j s", "jo sm", "de la"):
//! one bitmap per word and weight level instead of candidate lists. The count is a popcount
//! of the intersection; the best k are read from the (level, level, …) combinations in
//! descending score until k are found, each combination an AND of a few bitmaps. Work is
//! linear in the lists (to set the bits) plus a few passes of `patients / 64` words, and
//! no list of hundreds of thousands of candidates is ever built.

use std::cmp::Reverse;

use super::sets::{Lists, Scratch};

/// Combinations of levels tried at most; past that the sparse path is used.
pub const MAX_COMBINATIONS: usize = 256;

/// One word: for each weight (highest first) the ids whose best weight it is.
struct Levels {
    weights: Vec<u32>,
    bits: Vec<Vec<u64>>,
    any: Vec<bool>,
    union: Vec<u64>,
}

fn levels(lists: &Lists, words: usize, scratch: &mut Scratch) -> Levels {
    let mut weights: Vec<u32> = lists
        .iter()
        .filter(|l| !l.1.is_empty())
        .map(|l| l.0)
        .collect();
    weights.sort_unstable_by_key(|&w| Reverse(w));
    weights.dedup();
    let mut union = vec![0u64; words];
    let mut bits = Vec::with_capacity(weights.len());
    let mut any = Vec::with_capacity(weights.len());
    for &w in &weights {
        let mut b = vec![0u64; words];
        for (_, ids) in lists.iter().filter(|l| l.0 == w) {
            if scratch.has_bitmap(ids) || ids.len() >= words {
                // A long list: OR its bitmap in (kept for the next query).
                let bits = scratch.bitmap_of(ids);
                b.iter_mut().zip(bits.iter()).for_each(|(x, y)| *x |= y);
            } else {
                for &id in ids.iter() {
                    b[id as usize / 64] |= 1 << (id % 64);
                }
            }
        }
        // Keep only the ids no higher level has; add them to the union.
        let mut nonzero = false;
        for (x, u) in b.iter_mut().zip(union.iter_mut()) {
            *x &= !*u;
            *u |= *x;
            nonzero |= *x != 0;
        }
        bits.push(b);
        any.push(nonzero);
    }
    Levels {
        weights,
        bits,
        any,
        union,
    }
}

/// The best `k` (highest score, then lowest id) of the ids every term matches, and how
/// many ids that is; `None` when the terms have too many weight levels between them.
pub fn top_and_count(
    terms: &[&Lists],
    k: usize,
    scratch: &mut Scratch,
) -> Option<(Vec<(u32, u32)>, usize)> {
    let combinations = terms.iter().try_fold(1usize, |acc, t| {
        let n = {
            let mut w: Vec<u32> = t.iter().map(|l| l.0).collect();
            w.sort_unstable();
            w.dedup();
            w.len()
        };
        acc.checked_mul(n).filter(|&c| c <= MAX_COMBINATIONS)
    })?;
    let max = terms
        .iter()
        .flat_map(|t| t.iter())
        .filter_map(|l| l.1.last())
        .max()
        .copied()
        .unwrap_or(0) as usize;
    let words = max / 64 + 1;
    let lv: Vec<Levels> = terms.iter().map(|t| levels(t, words, scratch)).collect();
    // Everything every term matches.
    let mut all = lv[0].union.clone();
    for l in &lv[1..] {
        all.iter_mut().zip(&l.union).for_each(|(a, b)| *a &= *b);
    }
    let count = all.iter().map(|w| w.count_ones() as usize).sum();
    // Every combination of one level per term, best score first.
    let mut combos: Vec<(u32, Vec<usize>)> = Vec::with_capacity(combinations);
    let mut pick = vec![0usize; lv.len()];
    loop {
        if pick.iter().zip(&lv).all(|(&i, l)| l.any[i]) {
            let score = pick.iter().zip(&lv).map(|(&i, l)| l.weights[i]).sum();
            combos.push((score, pick.clone()));
        }
        // Next combination (odometer).
        let mut t = 0;
        while t < lv.len() {
            pick[t] += 1;
            if pick[t] < lv[t].weights.len() {
                break;
            }
            pick[t] = 0;
            t += 1;
        }
        if t == lv.len() {
            break;
        }
    }
    combos.sort_by_key(|c| Reverse(c.0));
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(k);
    let mut i = 0;
    let mut group = vec![0u64; words];
    while i < combos.len() && out.len() < k {
        // All combinations of this score together, so their ids come out in id order.
        let score = combos[i].0;
        group.iter_mut().for_each(|g| *g = 0);
        while i < combos.len() && combos[i].0 == score {
            let pick = &combos[i].1;
            for (w, g) in group.iter_mut().enumerate() {
                if all[w] == 0 {
                    continue;
                }
                let mut x = !0u64;
                for (l, &p) in lv.iter().zip(pick) {
                    x &= l.bits[p][w];
                }
                *g |= x;
            }
            i += 1;
        }
        'words: for (w, &g) in group.iter().enumerate() {
            let mut bits = g;
            while bits != 0 {
                if out.len() >= k {
                    break 'words;
                }
                out.push(((w * 64) as u32 + bits.trailing_zeros(), score));
                bits &= bits - 1;
            }
        }
    }
    Some((out, count))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::sets::{keep_weighted, top_k, union, weights_in};
    use std::sync::Arc;

    fn lists(seed: u64, n: usize, len: usize, span: u32, weights: &[u32]) -> Lists {
        let mut x = seed;
        let mut next = move || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as u32
        };
        (0..n)
            .map(|i| {
                let mut v: Vec<u32> = (0..len).map(|_| next() % span).collect();
                v.sort_unstable();
                v.dedup();
                (weights[i % weights.len()], Arc::from(v))
            })
            .collect()
    }

    /// The sparse path: union of the first, filter by the rest, bounded heap.
    fn sparse(terms: &[&Lists], k: usize) -> (Vec<(u32, u32)>, usize) {
        let mut s = Scratch::default();
        let mut acc = union(terms[0], &mut s);
        for t in &terms[1..] {
            let best = weights_in(&acc, t, &mut s);
            keep_weighted(&mut acc, &best);
        }
        let n = acc.len();
        (top_k(acc, k), n)
    }

    #[test]
    fn dense_agrees_with_sparse() {
        for seed in 1..8 {
            let a = lists(seed, 5, 3_000, 20_000, &[100, 70, 60]);
            let b = lists(seed + 100, 3, 6_000, 20_000, &[100, 70]);
            let c = lists(seed + 200, 2, 9_000, 20_000, &[50]);
            for terms in [vec![&a, &b], vec![&b, &a, &c]] {
                for k in [1, 10, 100, 100_000] {
                    assert_eq!(
                        top_and_count(&terms, k, &mut Scratch::default()),
                        Some(sparse(&terms, k)),
                        "seed {seed} k {k}"
                    );
                }
            }
        }
    }

    #[test]
    fn too_many_levels_declines() {
        let ws: Vec<u32> = (1..=20).collect();
        let a = lists(1, 20, 10, 1_000, &ws);
        assert!(top_and_count(&[&a, &a], 10, &mut Scratch::default()).is_none());
    }
}
