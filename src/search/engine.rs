//! The search engine: expand each word over the vocabulary, fetch postings, intersect, rank.

use crate::store::{Sql, StoreError, patients, search_index};

use super::query::{self, Term};
use super::typo::{allowed_edits, osa_within};

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
        for e in v {
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
        // Estimate each term's size so the most selective goes first.
        let mut order: Vec<(usize, u64)> = terms
            .iter()
            .enumerate()
            .map(|(i, t)| (i, self.estimate(t)))
            .collect();
        order.sort_by_key(|&(_, est)| est);
        let mut acc: Option<Cands> = None;
        for (i, _) in order {
            let c = self.candidates(db, &terms[i], Some(i) == last_name_word)?;
            acc = Some(match acc {
                None => c,
                Some(a) => intersect(&a, &c),
            });
            if acc.as_ref().is_some_and(|a| a.is_empty()) {
                return Ok(Vec::new());
            }
        }
        let mut hits: Vec<Hit> = acc
            .unwrap_or_default()
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
        Ok(hits)
    }

    fn estimate(&self, t: &Term) -> u64 {
        match t {
            Term::Name(w) => {
                let (lo, hi) = self.prefix_range(w);
                // Prefix ranges of one or two letters are large; typo expansion adds a little.
                self.df[lo..hi].iter().map(|&d| u64::from(d)).sum::<u64>() + 1
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
        let prefix_typo = is_last && wb.len() >= 4;
        for (i, t) in self.tokens.iter().enumerate() {
            if (lo..hi).contains(&i) {
                continue;
            }
            let tb = t.as_bytes();
            let masks_close = (wm ^ self.masks[i]).count_ones() as usize <= 2 * k;
            if masks_close
                && tb.len().abs_diff(wb.len()) <= k
                && let Some(d) = osa_within(wb, tb, k)
            {
                out.push((i, if d == 1 { weight::TYPO1 } else { weight::TYPO2 }));
                continue;
            }
            if prefix_typo && tb.len() > wb.len() && osa_within(wb, &tb[..wb.len()], 1).is_some() {
                out.push((i, weight::PREFIX_TYPO));
            }
        }
        out
    }

    fn candidates(&self, db: &dyn Sql, t: &Term, is_last: bool) -> Result<Cands, StoreError> {
        use crate::domain::DateQuery;
        let mut c: Cands = Vec::new();
        match t {
            Term::Name(w) => {
                let mut ids = Vec::new();
                for (i, wt) in self.expand(w, is_last) {
                    ids.clear();
                    search_index::postings(db, self.ids[i], &mut ids)?;
                    c.extend(ids.iter().map(|&id| (id, wt)));
                }
            }
            Term::Date(d) => {
                let wt = match d {
                    DateQuery::Day(_) => weight::EXACT,
                    DateQuery::Month { .. } => weight::MONTH,
                    DateQuery::Year(_) => weight::YEAR,
                };
                let (from, to) = d.iso_range();
                c.extend(
                    patients::ids_by_dob(db, &from, &to)?
                        .into_iter()
                        .map(|id| (id, wt)),
                );
            }
            Term::Mrn(m) => self.mrn_candidates(db, m, &mut c)?,
            Term::Phone(p) => {
                c.extend(
                    patients::ids_by_phone(db, p)?
                        .into_iter()
                        .map(|id| (id, weight::PHONE)),
                );
            }
            Term::SsnLast4(s) => {
                c.extend(
                    patients::ids_by_ssn_last4(db, s)?
                        .into_iter()
                        .map(|id| (id, weight::SSN4)),
                );
            }
            Term::Digits(d) => {
                self.mrn_candidates(db, d, &mut c)?;
                if d.len() == 4 {
                    c.extend(
                        patients::ids_by_ssn_last4(db, d)?
                            .into_iter()
                            .map(|id| (id, weight::SSN4)),
                    );
                }
                if d.len() == 7 || d.len() == 10 {
                    c.extend(
                        patients::ids_by_phone(db, d)?
                            .into_iter()
                            .map(|id| (id, weight::PHONE)),
                    );
                }
                if (d.len() == 4 || d.len() == 8)
                    && let Some(dq) = crate::domain::parse_date_query(d)
                {
                    return self
                        .candidates(db, &Term::Date(dq), is_last)
                        .map(|dc| union(c, dc));
                }
            }
        }
        Ok(normalize(c))
    }

    fn mrn_candidates(&self, db: &dyn Sql, m: &str, c: &mut Cands) -> Result<(), StoreError> {
        for (id, exact) in patients::ids_by_mrn_prefix(db, m, MRN_PREFIX_CAP)? {
            c.push((
                id,
                if exact {
                    weight::MRN_EXACT
                } else {
                    weight::MRN_PREFIX
                },
            ));
        }
        Ok(())
    }
}

/// Sorts by id and keeps the best weight per id.
fn normalize(mut c: Cands) -> Cands {
    c.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    c.dedup_by_key(|x| x.0);
    c
}

fn union(mut a: Cands, b: Cands) -> Cands {
    a.extend(b);
    normalize(a)
}

/// Ids in both lists (each sorted by id), weights added.
fn intersect(a: &Cands, b: &Cands) -> Cands {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let mut out = Vec::with_capacity(small.len());
    if small.len() * 16 < large.len() {
        for &(id, w) in small {
            if let Ok(j) = large.binary_search_by_key(&id, |x| x.0) {
                out.push((id, w + large[j].1));
            }
        }
        return out;
    }
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push((a[i].0, a[i].1 + b[j].1));
                i += 1;
                j += 1;
            }
        }
    }
    out
}
