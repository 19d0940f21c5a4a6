//! The search engine: expand each word over the vocabulary, read each term's id lists, make
//! candidates from the most selective term and filter them by the others, keep the best k
//! in a bounded heap, and count the matches exactly up to [`COUNT_CAP`].
//!
//! Work per query is bounded by the answer, not the store: a one-word query reads the heads
//! of its lists (weight level by level) and counts no further than the cap; a year is one
//! list read once per process and intersected like a name's; prefixes are read no further
//! than the cap.

use std::sync::{Mutex, MutexGuard};

use crate::store::{StoreError, Tx, search_index};

use super::cache::{Cache, CacheStats};
use super::dense;
use super::expand::letter_mask;
use super::query::{self, Term};
use super::sets::{self, Lists};
use super::terms::{TermLists, other_lists};
use super::total::{COUNT_CAP, Total};

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
    pub const PHONE_PREFIX: u32 = 50;
    pub const TYPO2: u32 = 40;
    pub const PREFIX_TYPO: u32 = 30;
}

/// A ranked match: a patient id and its score (the sum of the best weight per term).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub patient_id: i64,
    pub score: u32,
}

/// The best hits of a query and how many patients it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hits {
    pub hits: Vec<Hit>,
    pub total: Total,
}

impl Hits {
    fn none() -> Self {
        Hits {
            hits: Vec::new(),
            total: Total::Exact(0),
        }
    }
}

/// The name vocabulary in memory: folded tokens sorted, with their store ids, patient
/// counts and letter masks (a cheap filter before the edit-distance check); and what the
/// process has read since (see [`Cache`]).
#[derive(Debug, Default)]
pub struct SearchIndex {
    pub(super) tokens: Vec<String>,
    pub(super) ids: Vec<i64>,
    pub(super) df: Vec<u32>,
    pub(super) masks: Vec<u64>,
    /// Vocabulary positions by token length (the typo scan only looks at nearby lengths).
    pub(super) by_len: Vec<Vec<u32>>,
    generation: i64,
    cache: Mutex<Cache>,
}

impl SearchIndex {
    /// Loads the vocabulary (tens of thousands of tokens; milliseconds). Nothing else is
    /// read until a query needs it.
    pub fn load(db: &dyn Tx) -> Result<Self, StoreError> {
        let (generation, postings_generation) = search_index::generations(db)?;
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
        ix.cache = Mutex::new(Cache::new(postings_generation, ix.tokens.len()));
        Ok(ix)
    }

    /// Catches up with changes made by this or another process: a changed vocabulary is
    /// reloaded; changed postings drop what the cache holds (it fills again as queries
    /// need it).
    pub fn refresh(&mut self, db: &dyn Tx) -> Result<(), StoreError> {
        let (vocab, postings) = search_index::generations(db)?;
        if vocab != self.generation {
            *self = Self::load(db)?;
        } else {
            let cache = self.cache.get_mut().unwrap_or_else(|e| e.into_inner());
            if cache.generation != postings {
                cache.reset(postings);
            }
        }
        Ok(())
    }

    /// Reads every posting list into memory, for a long-running process that wants every
    /// query served without reading postings (about 4 bytes per patient per name token:
    /// ~22 MB and tens of milliseconds per million patients).
    pub fn warm(&self, db: &dyn Tx) -> Result<CacheStats, StoreError> {
        let mut cache = self.lock();
        cache.load_all_postings(db, &self.ids)?;
        Ok(cache.stats())
    }

    /// Drops everything the cache holds, as if the process had just started (the next
    /// queries read their lists from the store again).
    pub fn clear_cache(&self) {
        let mut cache = self.lock();
        let generation = cache.generation;
        cache.reset(generation);
    }

    /// What the cache holds now.
    pub fn cache_stats(&self) -> CacheStats {
        self.lock().stats()
    }

    pub fn vocabulary_size(&self) -> usize {
        self.tokens.len()
    }

    fn lock(&self) -> MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|poisoned| {
            // A query panicked mid-way: its scratch may not be zeroed. Start afresh.
            let mut cache = poisoned.into_inner();
            let generation = cache.generation;
            cache.reset(generation);
            cache.scratch = Default::default();
            self.cache.clear_poison();
            cache
        })
    }

    /// Ranked patient ids for a typed query, best first; at most `limit`.
    /// An empty or unusable query gives no hits.
    pub fn search(&self, db: &dyn Tx, query: &str, limit: usize) -> Result<Vec<Hit>, StoreError> {
        Ok(self.search_counted(db, query, limit)?.hits)
    }

    /// The best `limit` hits of a query and how many patients it matched (exact up to
    /// [`COUNT_CAP`]).
    pub fn search_counted(
        &self,
        db: &dyn Tx,
        query: &str,
        limit: usize,
    ) -> Result<Hits, StoreError> {
        let terms = query::parse(query);
        if terms.is_empty() || limit == 0 {
            return Ok(Hits::none());
        }
        let mut cache = self.lock();
        let cache = &mut *cache;
        let last_name_word = terms.iter().rposition(|t| matches!(t, Term::Name(_)));
        let mut lists: Vec<TermLists> = Vec::with_capacity(terms.len());
        for (i, t) in terms.iter().enumerate() {
            let tl = match t {
                Term::Name(w) => self.name_lists(db, cache, w, Some(i) == last_name_word)?,
                other => other_lists(db, cache, other)?,
            };
            // Every word must match: one that matches nobody ends the search.
            if tl.is_empty() {
                return Ok(Hits::none());
            }
            lists.push(tl);
        }
        lists.sort_by_key(TermLists::size);
        let hits = if lists.len() == 1 {
            one_term(db, &mut lists[0], limit, cache)?
        } else {
            several_terms(db, &mut lists, limit, cache)?
        };
        Ok(hits)
    }

    /// A name word's lists: each vocabulary entry it expands to, with its weight.
    fn name_lists(
        &self,
        db: &dyn Tx,
        cache: &mut Cache,
        w: &str,
        is_last: bool,
    ) -> Result<TermLists, StoreError> {
        let entries = self.expand(w, is_last);
        let positions: Vec<usize> = entries.iter().map(|e| e.0).collect();
        let ids = cache.postings(db, &self.ids, &positions)?;
        let lists: Lists = entries
            .iter()
            .zip(ids)
            .filter(|(_, l)| !l.is_empty())
            .map(|(&(_, wt), l)| (wt, l))
            .collect();
        Ok(TermLists {
            lists,
            wide: Vec::new(),
        })
    }
}

fn hits_of(best: Vec<(u32, u32)>) -> Vec<Hit> {
    best.into_iter()
        .map(|(id, score)| Hit {
            patient_id: i64::from(id),
            score,
        })
        .collect()
}

/// One word: the best k from the heads of its lists, and a count that stops at the cap.
fn one_term(
    db: &dyn Tx,
    t: &mut TermLists,
    limit: usize,
    cache: &mut Cache,
) -> Result<Hits, StoreError> {
    let broad = t.resolve(db)?;
    let best = sets::top_of_union(&t.lists, limit);
    let total = if broad {
        Total::MoreThan(COUNT_CAP)
    } else {
        Total::of(sets::count_union_capped(
            &t.lists,
            COUNT_CAP,
            &mut cache.scratch,
        ))
    };
    Ok(Hits {
        hits: hits_of(best),
        total,
    })
}

/// The smallest word's matches from which bitmaps beat candidate lists.
const DENSE_MIN: usize = 32_768;

/// Several words, smallest first: its union is the candidate list; every other word keeps
/// the candidates it matches (galloping into its lists: no long list is merged) and adds
/// its best weight to their score. A word whose prefix is too common to check does not
/// filter (it adds what weight it can).
fn several_terms(
    db: &dyn Tx,
    terms: &mut [TermLists],
    limit: usize,
    cache: &mut Cache,
) -> Result<Hits, StoreError> {
    // Every word common (the smallest matches tens of thousands): bitmaps, not lists.
    if terms[0].size() >= DENSE_MIN && terms.iter().all(|t| t.wide.is_empty()) {
        let lists: Vec<&Lists> = terms.iter().map(|t| &t.lists).collect();
        if let Some((best, count)) = dense::top_and_count(&lists, limit, &mut cache.scratch) {
            return Ok(Hits {
                hits: hits_of(best),
                total: Total::of(count),
            });
        }
    }
    // Only wide prefixes (say "1 2"): the first makes the candidates from what it reads.
    terms[0].resolve(db)?;
    let mut acc = sets::union(&terms[0].lists, &mut cache.scratch);
    for t in terms[1..].iter() {
        let mut best = sets::weights_in(&acc, &t.lists, &mut cache.scratch);
        let mut filters = true;
        for w in &t.wide {
            match w.weights(db, &acc, &mut cache.scratch)? {
                Some(ws) => best.iter_mut().zip(ws).for_each(|(x, y)| *x = (*x).max(y)),
                None => filters = false,
            }
        }
        if filters {
            sets::keep_weighted(&mut acc, &best);
        } else {
            acc.iter_mut().zip(&best).for_each(|(c, b)| c.1 += b);
        }
        if acc.is_empty() {
            return Ok(Hits::none());
        }
    }
    let total = Total::of(acc.len());
    Ok(Hits {
        hits: hits_of(sets::top_k(acc, limit)),
        total,
    })
}
