//! What patient search keeps in memory between queries of one process: the posting lists it
//! has read (all of them after [`super::SearchIndex::warm`]), the patients born in each
//! year it was asked about, and zeroed scratch space. A one-shot `chartroom find` reads only
//! what its one query needs; a long-running process (the TUI) stops reading postings once
//! it has seen them. Everything is dropped when the store's postings generation moves
//! (a patient registered here or by another process).

use std::collections::HashMap;
use std::sync::Arc;

use crate::store::{StoreError, Tx, patients, search_index};

use super::sets::{Ids, Scratch};

/// Patients born in one year: ascending ids, and each one's birthday as `mm * 100 + dd`.
#[derive(Debug, Default)]
pub struct YearList {
    pub ids: Ids,
    pub mmdd: Vec<u16>,
}

impl YearList {
    /// The ids born between two birthdays of this year (inclusive, `mm * 100 + dd`).
    pub fn between(&self, from: u16, to: u16) -> Vec<u32> {
        self.ids
            .iter()
            .zip(&self.mmdd)
            .filter(|&(_, &d)| (from..=to).contains(&d))
            .map(|(&id, _)| id)
            .collect()
    }
}

#[derive(Debug, Default)]
pub struct Cache {
    /// The store's postings generation this cache belongs to.
    pub generation: i64,
    /// Posting lists by vocabulary position, as read.
    postings: Vec<Option<Ids>>,
    years: HashMap<i32, Arc<YearList>>,
    pub scratch: Scratch,
}

/// What the cache holds, for a status line or a bench.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub posting_lists: usize,
    pub posting_ids: usize,
    pub years: usize,
    pub year_ids: usize,
    pub bitmap_bytes: usize,
}

impl CacheStats {
    /// Bytes held (4 per posting, 6 per patient of a cached year, and bitmaps).
    pub fn bytes(&self) -> usize {
        self.posting_ids * 4 + self.year_ids * 6 + self.bitmap_bytes
    }
}

impl Cache {
    pub fn new(generation: i64, vocabulary: usize) -> Self {
        Cache {
            generation,
            postings: vec![None; vocabulary],
            ..Default::default()
        }
    }

    /// Drops everything read under an older generation.
    pub fn reset(&mut self, generation: i64) {
        self.generation = generation;
        self.postings.iter_mut().for_each(|p| *p = None);
        self.years.clear();
        self.scratch.forget_bitmaps();
    }

    pub fn stats(&self) -> CacheStats {
        let mut s = CacheStats::default();
        for p in self.postings.iter().flatten() {
            s.posting_lists += 1;
            s.posting_ids += p.len();
        }
        s.years = self.years.len();
        s.year_ids = self.years.values().map(|y| y.ids.len()).sum();
        s.bitmap_bytes = self.scratch.bitmap_bytes();
        s
    }

    /// The posting lists of some vocabulary positions (`token_ids[pos]` is each one's store
    /// id), reading the ones not yet held in one statement.
    pub fn postings(
        &mut self,
        db: &dyn Tx,
        token_ids: &[i64],
        positions: &[usize],
    ) -> Result<Vec<Ids>, StoreError> {
        let missing: Vec<usize> = positions
            .iter()
            .copied()
            .filter(|&p| self.postings[p].is_none())
            .collect();
        if !missing.is_empty() {
            let by_id: HashMap<i64, usize> = missing.iter().map(|&p| (token_ids[p], p)).collect();
            let ids: Vec<i64> = missing.iter().map(|&p| token_ids[p]).collect();
            for (t, list) in search_index::postings_of(db, &ids)? {
                if let Some(&p) = by_id.get(&t) {
                    self.postings[p] = Some(Arc::from(list));
                }
            }
            for p in missing {
                // A token whose postings vanished since the vocabulary was read.
                self.postings[p].get_or_insert_with(|| Arc::from(Vec::new()));
            }
        }
        Ok(positions
            .iter()
            .map(|&p| self.postings[p].clone().expect("filled above"))
            .collect())
    }

    /// Reads every posting list (tens of milliseconds per million patients).
    pub fn load_all_postings(&mut self, db: &dyn Tx, token_ids: &[i64]) -> Result<(), StoreError> {
        let by_id: HashMap<i64, usize> =
            token_ids.iter().enumerate().map(|(p, &t)| (t, p)).collect();
        let max = token_ids.iter().copied().max().unwrap_or(0);
        // Batches of token ids, so the rows in flight stay a few megabytes.
        const BATCH: i64 = 2_048;
        let mut from = 0;
        while from <= max {
            for (t, list) in search_index::postings_in_range(db, from, from + BATCH)? {
                if let Some(&p) = by_id.get(&t) {
                    self.postings[p] = Some(Arc::from(list));
                }
            }
            from += BATCH;
        }
        for p in self.postings.iter_mut() {
            p.get_or_insert_with(|| Arc::from(Vec::new()));
        }
        Ok(())
    }

    /// The patients born in `year`, read once from the date-of-birth index.
    pub fn year(&mut self, db: &dyn Tx, year: i32) -> Result<Arc<YearList>, StoreError> {
        if let Some(y) = self.years.get(&year) {
            return Ok(y.clone());
        }
        let rows =
            patients::dobs_between(db, &format!("{year:04}-01-01"), &format!("{year:04}-12-31"))?;
        let (ids, mmdd): (Vec<u32>, Vec<u16>) = rows.into_iter().unzip();
        let y = Arc::new(YearList {
            ids: Arc::from(ids),
            mmdd,
        });
        self.years.insert(year, y.clone());
        Ok(y)
    }

    /// The year's list if it is already held.
    pub fn cached_year(&self, year: i32) -> Option<Arc<YearList>> {
        self.years.get(&year).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_list_between_birthdays() {
        let y = YearList {
            ids: Arc::from(vec![3, 5, 8, 13]),
            mmdd: vec![101, 314, 315, 1231],
        };
        assert_eq!(y.between(301, 331), vec![5, 8]);
        assert_eq!(y.between(314, 314), vec![5]);
        assert_eq!(y.between(101, 1231), vec![3, 5, 8, 13]);
        assert!(y.between(401, 430).is_empty());
    }
}
