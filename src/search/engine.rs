//! The search engine: expand each word over the vocabulary, fetch postings, intersect, rank.

use crate::store::{Sql, StoreError, patients, search_index};

use super::query::{self, Term};
use super::typo::{allowed_edits, within, within1};

/// Weights: how well one term matched one patient. Higher is better.
pub mod weight {
    pub const MRN_EXACT: u32 = 200;
    pub const EXACT: u32 = 100;
    pub const PHONE: u32 = 100;
    pub const SSN4: u32 = 90;
    pub const MRN_PREFIX: u32 = 80;
    pub const PREFIX: u32 = 70;
    pub const TYPO1: u32 = 60;
    pub const MONTH: u32 = 60;
    pub const YEAR: u32 = 50;
    pub const TYPO2: u32 = 40;
    pub const PREFIX_TYPO: u32 = 30;
}

/// Most ids one MRN prefix may bring in (a one-digit prefix matches everybody).
const MRN_PREFIX_CAP: usize = 5_000;

/// A ranked match: a patient id and its score (the sum of the best weight per term).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub patient_id: i64,
    pub score: u32,
}

/// The name vocabulary in memory: folded tokens sorted, with their store ids, patient
/// counts and letter masks (a cheap filter before the edit-distance check).
#[derive(Debug, Default)]
pub struct SearchIndex {
    tokens: Vec<String>,
    ids: Vec<i64>,
    df: Vec<u32>,
    masks: Vec<u64>,
    /// Vocabulary positions by token length (the typo scan only looks at nearby lengths).
    by_len: Vec<Vec<u32>>,
    generation: i64,
}

fn letter_mask(s: &[u8]) -> u64 {
    s.iter().fold(0u64, |m, &b| m | 1u64 << (b % 64))
}

type Cands = Vec<(u32, u32)>;

impl SearchIndex {
    /// Loads the vocabulary (tens of thousands of tokens; milliseconds).
    pub fn load(db: &dyn Sql) -> Result<Self, StoreError> {
        let generation = search_index::vocab_generation(db)?;
        let mut v = search_index::load_vocab(db)?;
        v.sort_unstable_by(|a, b| a.token.cmp(&b.token));
        let mut ix = SearchIndex {
            generation,
            ..Default::default()
        };
        for (i, e) in v.into_iter().enumerate() {
            let len = e.token.len();
            if ix.by_len.len() <= len {
                ix.by_len.resize(len + 1, Vec::new());
            }
            ix.by_len[len].push(i as u32);
            ix.masks.push(letter_mask(e.token.as_bytes()));
            ix.ids.push(e.id);
            ix.df.push(e.df);
            ix.tokens.push(e.token);
        }
        Ok(ix)
    }

    /// Reloads the vocabulary when another process or connection changed it.
    pub fn refresh(&mut self, db: &dyn Sql) -> Result<(), StoreError> {
        if search_index::vocab_generation(db)? != self.generation {
            *self = Self::load(db)?;
        }
        Ok(())
    }

    pub fn vocabulary_size(&self) -> usize {
        self.tokens.len()
    }

    /// Ranked patient ids for a typed query, best first; at most `limit`.
    /// An empty or unusable query gives no hits.
    pub fn search(&self, db: &dyn Sql, query: &str, limit: usize) -> Result<Vec<Hit>, StoreError> {
        let terms = query::parse(query);
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let last_name_word = terms.iter().rposition(|t| matches!(t, Term::Name(_)));
        // Name words expand in memory first, so each term's size is known before any read.
        let expansions: Vec<Vec<(usize, u32)>> = terms
            .iter()
            .enumerate()
            .map(|(i, t)| match t {
                Term::Name(w) => self.expand(w, Some(i) == last_name_word),
                _ => Vec::new(),
            })
            .collect();
        let mut order: Vec<(usize, u64)> = terms
            .iter()
            .enumerate()
            .map(|(i, t)| (i, self.estimate(t, &expansions[i])))
            .collect();
        order.sort_by_key(|&(_, est)| est);
        // One name word: when its exact and prefix matches already fill the list, typo matches
        // (which score lower) cannot reach it, so their postings are not read.
        if let [Term::Name(_)] = terms.as_slice() {
            let (strong, weak): (Vec<_>, Vec<_>) = expansions[0]
                .iter()
                .partition(|(_, wt)| *wt >= weight::PREFIX);
            let mut acc = union_all(self.postings_of(db, &strong)?);
            if acc.len() < limit {
                acc = union_all_with(acc, self.postings_of(db, &weak)?);
            }
            return Ok(top(acc, limit));
        }
        // The most selective term makes the candidate list; every other term only filters it,
        // by binary search into its (possibly long) posting lists: no big list is ever merged.
        let mut acc: Option<Cands> = None;
        for (i, _) in order {
            let lists = match &terms[i] {
                Term::Name(_) => self.postings_of(db, &expansions[i])?,
                t => self.candidates(db, t)?,
            };
            match acc.as_mut() {
                None => acc = Some(union_all(lists)),
                Some(a) => filter(a, &lists),
            }
            if acc.as_ref().is_some_and(|a| a.is_empty()) {
                return Ok(Vec::new());
            }
        }
        Ok(top(acc.unwrap_or_default(), limit))
    }

    /// The posting lists of some vocabulary entries, with their weights.
    fn postings_of(&self, db: &dyn Sql, entries: &[(usize, u32)]) -> Result<Lists, StoreError> {
        let mut out = Vec::with_capacity(entries.len());
        for &(i, wt) in entries {
            let mut ids = Vec::with_capacity(self.df[i] as usize);
            search_index::postings(db, self.ids[i], &mut ids)?;
            out.push((wt, ids));
        }
        Ok(out)
    }
}

/// The best `limit` candidates, best first (ties: lower id first).
fn top(acc: Cands, limit: usize) -> Vec<Hit> {
    let mut hits: Vec<Hit> = acc
        .into_iter()
        .map(|(id, score)| Hit {
            patient_id: i64::from(id),
            score,
        })
        .collect();
    let k = limit.min(hits.len());
    if k < hits.len() {
        hits.select_nth_unstable_by(k, |a, b| {
            b.score.cmp(&a.score).then(a.patient_id.cmp(&b.patient_id))
        });
        hits.truncate(k);
    }
    hits.sort_unstable_by(|a, b| b.score.cmp(&a.score).then(a.patient_id.cmp(&b.patient_id)));
    hits
}

impl SearchIndex {
    fn estimate(&self, t: &Term, expansion: &[(usize, u32)]) -> u64 {
        match t {
            Term::Name(_) => {
                expansion
                    .iter()
                    .map(|&(i, _)| u64::from(self.df[i]))
                    .sum::<u64>()
                    + 1
            }
            Term::Phone(_) | Term::SsnLast4(_) => 10,
            Term::Date(crate::domain::DateQuery::Day(_)) => 50,
            Term::Mrn(m) | Term::Digits(m) if m.len() >= 6 => 20,
            _ => 1_000_000,
        }
    }

    fn prefix_range(&self, w: &str) -> (usize, usize) {
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
                if (lo..hi).contains(&i) || (wm ^ self.masks[i]).count_ones() as usize > 2 * k {
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

    /// The id lists one term matches, each sorted, with the weight of that match.
    fn candidates(&self, db: &dyn Sql, t: &Term) -> Result<Lists, StoreError> {
        use crate::domain::DateQuery;
        let mut out: Lists = Vec::new();
        match t {
            Term::Name(_) => {}
            Term::Date(d) => {
                let wt = match d {
                    DateQuery::Day(_) => weight::EXACT,
                    DateQuery::Month { .. } => weight::MONTH,
                    DateQuery::Year(_) => weight::YEAR,
                };
                let (from, to) = d.iso_range();
                out.push((wt, patients::ids_by_dob(db, &from, &to)?));
            }
            Term::Mrn(m) => self.mrn_candidates(db, m, &mut out)?,
            Term::Phone(p) => out.push((weight::PHONE, patients::ids_by_phone(db, p)?)),
            Term::SsnLast4(s) => out.push((weight::SSN4, patients::ids_by_ssn_last4(db, s)?)),
            Term::Digits(d) => {
                self.mrn_candidates(db, d, &mut out)?;
                if d.len() == 4 {
                    out.push((weight::SSN4, patients::ids_by_ssn_last4(db, d)?));
                }
                if d.len() == 7 || d.len() == 10 {
                    out.push((weight::PHONE, patients::ids_by_phone(db, d)?));
                }
                if (d.len() == 4 || d.len() == 8)
                    && let Some(dq) = crate::domain::parse_date_query(d)
                {
                    out.extend(self.candidates(db, &Term::Date(dq))?);
                }
            }
        }
        Ok(out)
    }

    fn mrn_candidates(&self, db: &dyn Sql, m: &str, out: &mut Lists) -> Result<(), StoreError> {
        let found = patients::ids_by_mrn_prefix(db, m, MRN_PREFIX_CAP)?;
        let (exact, prefix): (Vec<_>, Vec<_>) = found.into_iter().partition(|x| x.1);
        out.push((weight::MRN_EXACT, exact.into_iter().map(|x| x.0).collect()));
        out.push((
            weight::MRN_PREFIX,
            prefix.into_iter().map(|x| x.0).collect(),
        ));
        Ok(())
    }
}

/// One term's matches: (weight, ascending ids) per matching token or index.
type Lists = Vec<(u32, Vec<u32>)>;

/// Candidates already gathered, joined with more lists of the same term.
fn union_all_with(acc: Cands, lists: Lists) -> Cands {
    merge_cands(&acc, &union_all(lists))
}

/// The union of one term's lists, best weight per id.
fn union_all(mut lists: Lists) -> Cands {
    lists.retain(|l| !l.1.is_empty());
    match lists.len() {
        0 => Vec::new(),
        1 => {
            let (wt, ids) = lists.pop().expect("one list");
            ids.into_iter().map(|id| (id, wt)).collect()
        }
        _ if lists.iter().map(|l| l.1.len()).sum::<usize>() > 4_096 => dense_union(&lists),
        _ => {
            // Merge the lists one by one, longest first: linear work, no sort.
            lists.sort_by_key(|l| std::cmp::Reverse(l.1.len()));
            let mut it = lists.into_iter();
            let (wt, first) = it.next().expect("two or more lists");
            let mut acc: Cands = first.into_iter().map(|id| (id, wt)).collect();
            for (wt, ids) in it {
                acc = merge(&acc, &ids, wt);
            }
            acc
        }
    }
}

/// The union of many long lists through a table indexed by id (a byte of weight per patient,
/// and a bit per patient to find the set ones fast): linear in the list lengths.
fn dense_union(lists: &Lists) -> Cands {
    let max = lists
        .iter()
        .filter_map(|l| l.1.last())
        .max()
        .copied()
        .unwrap_or(0) as usize;
    let mut best = vec![0u8; max + 1];
    let mut seen = vec![0u64; max / 64 + 1];
    let mut n = 0usize;
    for (wt, ids) in lists {
        let w = (*wt).min(255) as u8;
        for &id in ids {
            let id = id as usize;
            let b = &mut best[id];
            if *b == 0 {
                seen[id / 64] |= 1 << (id % 64);
                n += 1;
            }
            *b = (*b).max(w);
        }
    }
    let mut out = Vec::with_capacity(n);
    for (k, &word) in seen.iter().enumerate() {
        let mut bits = word;
        while bits != 0 {
            let id = k * 64 + bits.trailing_zeros() as usize;
            out.push((id as u32, u32::from(best[id])));
            bits &= bits - 1;
        }
    }
    out
}

/// The union of candidates and one more list, keeping the best weight per id.
fn merge(acc: &Cands, ids: &[u32], wt: u32) -> Cands {
    let more: Cands = ids.iter().map(|&id| (id, wt)).collect();
    merge_cands(acc, &more)
}

/// The union of two candidate lists (each sorted by id), keeping the best weight per id.
fn merge_cands(a: &Cands, b: &Cands) -> Cands {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push((a[i].0, a[i].1.max(b[j].1)));
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Keeps the candidates that some list of this term contains, adding the best weight.
fn filter(acc: &mut Cands, lists: &Lists) {
    let mut best = vec![0u32; acc.len()];
    for (wt, list) in lists {
        if list.len() > acc.len() * 8 {
            // Long list: binary-search each candidate, moving the lower bound forward.
            let mut lo = 0;
            for (j, &(id, _)) in acc.iter().enumerate() {
                lo += list[lo..].partition_point(|&x| x < id);
                if lo >= list.len() {
                    break;
                }
                if list[lo] == id {
                    best[j] = best[j].max(*wt);
                }
            }
        } else {
            let (mut i, mut j) = (0, 0);
            while i < acc.len() && j < list.len() {
                match acc[i].0.cmp(&list[j]) {
                    std::cmp::Ordering::Less => i += 1,
                    std::cmp::Ordering::Greater => j += 1,
                    std::cmp::Ordering::Equal => {
                        best[i] = best[i].max(*wt);
                        i += 1;
                        j += 1;
                    }
                }
            }
        }
    }
    let mut kept = 0;
    for j in 0..acc.len() {
        if best[j] > 0 {
            acc[kept] = (acc[j].0, acc[j].1 + best[j]);
            kept += 1;
        }
    }
    acc.truncate(kept);
}
