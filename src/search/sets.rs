//! Operations over ascending patient-id lists whose cost is bounded by what the answer
//! needs: unions with the best weight per id, filtering candidates by galloping into
//! posting lists, a bounded heap for the best k, the best k of one term read level by level
//! from the heads of its lists, and a count that stops past the cap.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::sync::Arc;

/// Ascending patient ids, shared between the cache and a query.
pub type Ids = Arc<[u32]>;

/// One term's matches: (weight, ascending ids) per matching token or index.
pub type Lists = Vec<(u32, Ids)>;

/// Candidates: ascending ids with their score so far.
pub type Cands = Vec<(u32, u32)>;

fn make_bitmap(list: &[u32]) -> Arc<[u64]> {
    let words = list.last().map_or(0, |&m| m as usize / 64 + 1);
    let mut b = vec![0u64; words];
    for &id in list {
        b[id as usize / 64] |= 1 << (id % 64);
    }
    Arc::from(b)
}

/// Whether a list is long enough to keep as a bitmap once used as a filter: at least one
/// id in 64 of the store (the initial tokens, single letters, the commonest names), so the
/// bitmap is never more than twice the list's own size. Testing a candidate is one load.
fn wants_bitmap(list: &[u32]) -> bool {
    list.len() >= 4_096 && list.len() >= list.last().map_or(0, |&m| m as usize / 64)
}

/// Reusable zeroed memory for dense unions and counting (kept zeroed between uses), and
/// the bitmaps of long lists.
#[derive(Debug, Default)]
pub struct Scratch {
    best: Vec<u8>,
    bits: Vec<u64>,
    /// Bitmaps of long lists, by the address of the list (which is kept alive with it, so
    /// the address is never reused while the entry exists).
    bitmaps: std::collections::HashMap<usize, (Ids, Arc<[u64]>)>,
}

impl Scratch {
    /// Forgets the bitmaps (their lists are being dropped).
    pub fn forget_bitmaps(&mut self) {
        self.bitmaps.clear();
    }

    /// Bytes held by bitmaps.
    pub fn bitmap_bytes(&self) -> usize {
        self.bitmaps.values().map(|b| b.1.len() * 8).sum()
    }

    pub fn has_bitmap(&self, list: &Ids) -> bool {
        self.bitmaps
            .contains_key(&(Arc::as_ptr(list) as *const u32 as usize))
    }

    /// The bitmap of a list, made on first use and kept if the list is long
    /// ([`wants_bitmap`]).
    pub fn bitmap_of(&mut self, list: &Ids) -> Arc<[u64]> {
        if self.has_bitmap(list) || wants_bitmap(list) {
            return self.bitmap(list);
        }
        make_bitmap(list)
    }

    /// The bitmap of a list, made on first use.
    pub fn bitmap(&mut self, list: &Ids) -> Arc<[u64]> {
        let key = Arc::as_ptr(list) as *const u32 as usize;
        self.bitmaps
            .entry(key)
            .or_insert_with(|| (list.clone(), make_bitmap(list)))
            .1
            .clone()
    }

    fn fit(&mut self, max_id: usize) {
        if self.best.len() <= max_id {
            self.best.resize(max_id + 1, 0);
        }
        if self.bits.len() <= max_id / 64 {
            self.bits.resize(max_id / 64 + 1, 0);
        }
    }
}

/// Lists with no entries removed; the largest id, if any.
fn max_id(lists: &Lists) -> Option<usize> {
    lists
        .iter()
        .filter_map(|l| l.1.last())
        .max()
        .map(|&m| m as usize)
}

/// The union of one term's lists, best weight per id, ascending.
pub fn union(lists: &Lists, scratch: &mut Scratch) -> Cands {
    let mut nonempty: Vec<&(u32, Ids)> = lists.iter().filter(|l| !l.1.is_empty()).collect();
    nonempty.sort_by_key(|l| Reverse(l.1.len()));
    let Some(&(wt, ref longest)) = nonempty.first().copied() else {
        return Vec::new();
    };
    let rest: usize = nonempty[1..].iter().map(|l| l.1.len()).sum();
    if rest == 0 {
        return longest.iter().map(|&id| (id, wt)).collect();
    }
    if rest <= 4_096 {
        // One long list and a few short ones (a common name and its rare typos): sort the
        // short ones together, then one linear merge.
        let mut small: Cands = Vec::with_capacity(rest);
        for (w, ids) in &nonempty[1..] {
            small.extend(ids.iter().map(|&id| (id, *w)));
        }
        // Same id: the best weight first, then drop the rest.
        small.sort_unstable_by_key(|&(id, w)| (id, Reverse(w)));
        small.dedup_by_key(|x| x.0);
        return merge_into(longest, wt, &small);
    }
    dense_union(lists, scratch)
}

/// The union of one list (all of weight `wt`) and some candidates, best weight per id.
fn merge_into(ids: &[u32], wt: u32, b: &Cands) -> Cands {
    let mut out = Vec::with_capacity(ids.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < ids.len() && j < b.len() {
        let (x, y) = (ids[i], b[j].0);
        if x < y {
            out.push((x, wt));
            i += 1;
        } else if y < x {
            out.push(b[j]);
            j += 1;
        } else {
            out.push((x, wt.max(b[j].1)));
            i += 1;
            j += 1;
        }
    }
    out.extend(ids[i..].iter().map(|&id| (id, wt)));
    out.extend_from_slice(&b[j..]);
    out
}

/// The union of many long lists through a table indexed by id (a byte of weight per
/// patient, a bit per patient to find the set ones in order): linear in the list lengths.
fn dense_union(lists: &Lists, s: &mut Scratch) -> Cands {
    let Some(max) = max_id(lists) else {
        return Vec::new();
    };
    s.fit(max);
    let mut n = 0usize;
    for (wt, ids) in lists {
        let w = (*wt).clamp(1, 255) as u8;
        for &id in ids.iter() {
            let id = id as usize;
            let b = &mut s.best[id];
            if *b == 0 {
                s.bits[id / 64] |= 1 << (id % 64);
                n += 1;
            }
            *b = (*b).max(w);
        }
    }
    let mut out = Vec::with_capacity(n);
    for k in 0..=max / 64 {
        let mut bits = std::mem::take(&mut s.bits[k]);
        while bits != 0 {
            let id = k * 64 + bits.trailing_zeros() as usize;
            out.push((id as u32, u32::from(std::mem::take(&mut s.best[id]))));
            bits &= bits - 1;
        }
    }
    out
}

/// The first index `i >= from` with `xs[i] >= x` (or `xs.len()`), by exponential search
/// from `from`: cheap when the answer is near.
fn gallop<T: Copy>(xs: &[T], from: usize, x: u32, key: impl Fn(T) -> u32) -> usize {
    let mut lo = from;
    let mut step = 1;
    let mut hi = from;
    while hi < xs.len() && key(xs[hi]) < x {
        lo = hi + 1;
        hi += step;
        step *= 2;
    }
    let hi = hi.min(xs.len());
    lo + xs[lo..hi].partition_point(|&v| key(v) < x)
}

/// The best weight each candidate earns from `lists` (0: in none of them). A long list is
/// tested through its bitmap; one much longer than the candidates is galloped into (cost
/// about the candidates' length); one
/// much shorter gallops into them (about its own length); lists of comparable length are
/// scattered into a table by id that the candidates then read (linear, no branches to
/// mispredict).
pub fn weights_in(acc: &Cands, lists: &Lists, scratch: &mut Scratch) -> Vec<u32> {
    let mut best = vec![0u32; acc.len()];
    if acc.is_empty() {
        return best;
    }
    let mut scattered: Vec<&(u32, Ids)> = Vec::new();
    for l in lists {
        let (wt, list) = l;
        if list.is_empty() {
            continue;
        }
        if scratch.has_bitmap(list) || (wants_bitmap(list) && acc.len() * 16 >= list.len()) {
            let bits = scratch.bitmap(list);
            for (j, &(id, _)) in acc.iter().enumerate() {
                let (w, b) = (id as usize / 64, id % 64);
                if bits.get(w).is_some_and(|x| x >> b & 1 == 1) {
                    best[j] = best[j].max(*wt);
                }
            }
        } else if list.len() >= acc.len() * 8 {
            let mut lo = 0;
            for (j, &(id, _)) in acc.iter().enumerate() {
                lo = gallop(list, lo, id, |v| v);
                if lo >= list.len() {
                    break;
                }
                if list[lo] == id {
                    best[j] = best[j].max(*wt);
                }
            }
        } else if list.len() * 8 <= acc.len() {
            let mut lo = 0;
            for &id in list.iter() {
                lo = gallop(acc, lo, id, |c| c.0);
                if lo >= acc.len() {
                    break;
                }
                if acc[lo].0 == id {
                    best[lo] = best[lo].max(*wt);
                }
            }
        } else {
            scattered.push(l);
        }
    }
    if scattered.is_empty() {
        return best;
    }
    let max = scattered
        .iter()
        .filter_map(|l| l.1.last())
        .max()
        .copied()
        .unwrap_or(0) as usize;
    scratch.fit(max);
    for (wt, list) in &scattered {
        let w = (*wt).clamp(1, 255) as u8;
        for &id in list.iter() {
            let b = &mut scratch.best[id as usize];
            *b = (*b).max(w);
        }
    }
    for (j, &(id, _)) in acc.iter().enumerate() {
        if let Some(&w) = scratch.best.get(id as usize) {
            best[j] = best[j].max(u32::from(w));
        }
    }
    for (_, list) in &scattered {
        for &id in list.iter() {
            scratch.best[id as usize] = 0;
        }
    }
    best
}

/// Keeps the candidates that earned a weight, adding it to their score.
pub fn keep_weighted(acc: &mut Cands, best: &[u32]) {
    let mut kept = 0;
    for j in 0..acc.len() {
        if best[j] > 0 {
            acc[kept] = (acc[j].0, acc[j].1 + best[j]);
            kept += 1;
        }
    }
    acc.truncate(kept);
}

/// One hit in a bounded heap: the worst (lowest score, then highest id) on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Worst(Reverse<u32>, u32);

/// The best `k` of some scored candidates: highest score first, ties by lower id. A bounded
/// heap: memory `k`, time linear in the candidates (a candidate enters only if it beats
/// the worst kept).
pub fn top_k(cands: impl IntoIterator<Item = (u32, u32)>, k: usize) -> Vec<(u32, u32)> {
    if k == 0 {
        return Vec::new();
    }
    let mut heap: BinaryHeap<Worst> = BinaryHeap::with_capacity(k + 1);
    for (id, score) in cands {
        let w = Worst(Reverse(score), id);
        if heap.len() < k {
            heap.push(w);
        } else if let Some(top) = heap.peek()
            && w < *top
        {
            heap.pop();
            heap.push(w);
        }
    }
    heap.into_sorted_vec()
        .into_iter()
        .map(|Worst(Reverse(s), id)| (id, s))
        .collect()
}

/// The best `k` ids of one term without reading its lists through: weight levels from the
/// highest, and within a level ids in ascending order merged from the heads of its lists
/// (an id already taken at a higher level is skipped). Work about `k · log(lists)`.
pub fn top_of_union(lists: &Lists, k: usize) -> Vec<(u32, u32)> {
    let mut weights: Vec<u32> = lists.iter().map(|l| l.0).collect();
    weights.sort_unstable_by(|a, b| b.cmp(a));
    weights.dedup();
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(k);
    let mut taken: HashSet<u32> = HashSet::new();
    for w in weights {
        if out.len() >= k {
            break;
        }
        let level: Vec<&[u32]> = lists
            .iter()
            .filter(|l| l.0 == w && !l.1.is_empty())
            .map(|l| &l.1[..])
            .collect();
        // Min-heap of (next id, list, position).
        let mut heads: BinaryHeap<Reverse<(u32, usize, usize)>> = level
            .iter()
            .enumerate()
            .map(|(i, l)| Reverse((l[0], i, 0)))
            .collect();
        let mut last = None;
        while out.len() < k {
            let Some(Reverse((id, i, p))) = heads.pop() else {
                break;
            };
            if p + 1 < level[i].len() {
                heads.push(Reverse((level[i][p + 1], i, p + 1)));
            }
            if last == Some(id) || taken.contains(&id) {
                continue;
            }
            last = Some(id);
            out.push((id, w));
        }
        taken.extend(out.iter().map(|h| h.0));
    }
    out
}

/// How many distinct ids the lists hold, counting no further than `cap + 1`.
pub fn count_union_capped(lists: &Lists, cap: usize, scratch: &mut Scratch) -> usize {
    let total: usize = lists.iter().map(|l| l.1.len()).sum();
    let longest = lists.iter().map(|l| l.1.len()).max().unwrap_or(0);
    if longest > cap {
        return cap + 1;
    }
    if total <= longest || lists.iter().filter(|l| !l.1.is_empty()).count() <= 1 {
        return total.min(cap + 1);
    }
    let Some(max) = max_id(lists) else {
        return 0;
    };
    scratch.fit(max);
    let mut order: Vec<&Ids> = lists.iter().map(|l| &l.1).collect();
    order.sort_by_key(|l| Reverse(l.len()));
    let mut n = 0usize;
    'lists: for ids in &order {
        for &id in ids.iter() {
            let (w, b) = (id as usize / 64, 1u64 << (id % 64));
            if scratch.bits[w] & b == 0 {
                scratch.bits[w] |= b;
                n += 1;
                if n > cap {
                    break 'lists;
                }
            }
        }
    }
    // Leave the scratch zeroed: clear every bit these lists could have set.
    for ids in &order {
        for &id in ids.iter() {
            scratch.bits[id as usize / 64] = 0;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[u32]) -> Ids {
        Arc::from(v)
    }

    /// The reference answer: every id's best weight, sorted by (score desc, id asc).
    fn brute(lists: &Lists) -> Vec<(u32, u32)> {
        let mut m = std::collections::BTreeMap::new();
        for (w, l) in lists {
            for &id in l.iter() {
                let e = m.entry(id).or_insert(0);
                *e = (*e).max(*w);
            }
        }
        let mut v: Vec<(u32, u32)> = m.into_iter().collect();
        v.sort_by_key(|&(id, s)| (Reverse(s), id));
        v
    }

    fn lcg_lists(seed: u64, n: usize, len: usize, span: u32) -> Lists {
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
                ([100, 70, 60, 40][i % 4], ids(&v))
            })
            .collect()
    }

    #[test]
    fn unions_agree_with_the_reference_small_and_dense() {
        let mut s = Scratch::default();
        for (n, len) in [(1, 10), (2, 3_000), (3, 50), (12, 900), (40, 300)] {
            let lists = lcg_lists(n as u64, n, len, 20_000);
            let mut want = brute(&lists);
            want.sort_unstable();
            assert_eq!(union(&lists, &mut s), want, "{n} lists of {len}");
            assert!(s.best.iter().all(|&b| b == 0) && s.bits.iter().all(|&b| b == 0));
        }
    }

    #[test]
    fn weights_in_galloping_either_way() {
        let acc: Cands = vec![(3, 10), (8, 10), (20, 10), (21, 10), (400, 10)];
        let long = ids(&(0..1000).step_by(4).collect::<Vec<u32>>());
        let short = ids(&[8, 21, 22, 999]);
        let mut s = Scratch::default();
        let best = weights_in(
            &acc,
            &vec![(60, long.clone()), (100, short.clone())],
            &mut s,
        );
        assert_eq!(best, vec![0, 100, 60, 100, 60]);
        let mut a = acc.clone();
        keep_weighted(&mut a, &best);
        assert_eq!(a, vec![(8, 110), (20, 70), (21, 110), (400, 70)]);
        // Comparable lengths go through the table; the answer is the same.
        let mid = ids(&[3, 20, 400, 401]);
        let best = weights_in(&acc, &vec![(60, mid), (100, short)], &mut s);
        assert_eq!(best, vec![60, 100, 60, 100, 60]);
        assert!(s.best.iter().all(|&b| b == 0));
    }

    #[test]
    fn bounded_heap_keeps_the_best_k_ties_by_lower_id() {
        let c = vec![(5, 10), (1, 30), (9, 30), (2, 10), (7, 20), (3, 30)];
        assert_eq!(top_k(c.clone(), 3), vec![(1, 30), (3, 30), (9, 30)]);
        assert_eq!(
            top_k(c.clone(), 4),
            vec![(1, 30), (3, 30), (9, 30), (7, 20)]
        );
        assert_eq!(top_k(c.clone(), 100).len(), 6);
        assert!(top_k(c, 0).is_empty());
    }

    #[test]
    fn top_of_union_matches_sorting_everything() {
        for seed in 1..6 {
            let lists = lcg_lists(seed, 9, 400, 3_000);
            for k in [1, 7, 50, 5_000] {
                let want: Vec<(u32, u32)> = brute(&lists).into_iter().take(k).collect();
                assert_eq!(top_of_union(&lists, k), want, "seed {seed} k {k}");
            }
        }
    }

    #[test]
    fn capped_count_is_exact_below_the_cap_and_stops_above() {
        let mut s = Scratch::default();
        let lists = lcg_lists(7, 10, 500, 4_000);
        let exact = brute(&lists).len();
        assert_eq!(count_union_capped(&lists, 10_000, &mut s), exact);
        assert_eq!(count_union_capped(&lists, 100, &mut s), 101);
        assert!(s.bits.iter().all(|&b| b == 0));
        let one = vec![(100, ids(&(0..20_000).collect::<Vec<u32>>()))];
        assert_eq!(count_union_capped(&one, 10_000, &mut s), 10_001);
        assert_eq!(count_union_capped(&Vec::new(), 10, &mut s), 0);
    }
}
