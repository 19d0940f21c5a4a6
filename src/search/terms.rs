//! What each kind of query word matches, as weighted id lists: name postings, dates of birth
//! (a year's list held in memory once read), MRNs, phones and SSN last 4 from the store's
//! indexes. An MRN or phone prefix is first read only a little way ([`PEEK`]); one that goes
//! further is "wide", and is read further only as far as the role its word plays needs
//! ([`Wide::resolve`], [`Wide::weights`]).

use crate::domain::DateQuery;
use crate::store::{StoreError, Tx, patients};

use super::cache::Cache;
use super::engine::weight;
use super::query::Term;
use super::sets::{Cands, Ids, Lists, Scratch, weights_in};
use super::total::COUNT_CAP;

/// How many matches of a prefix are read before deciding it is wide.
const PEEK: usize = 1_024;

/// A candidate list at most this long is checked against a broad prefix row by row.
const CHECK_BY_ROW_MAX: usize = 500;

/// A prefix with at least [`PEEK`] matches.
#[derive(Debug, Clone)]
pub struct Wide {
    pub prefix: String,
    pub phone: bool,
    pub weight: u32,
}

/// A wide prefix read up to the cap.
pub enum Resolved {
    /// Every match.
    Complete(Ids),
    /// More than `COUNT_CAP` matches; the first `COUNT_CAP + 1`.
    Broad(Ids),
}

impl Wide {
    /// Reads the prefix up to the cap.
    pub fn resolve(&self, db: &dyn Tx) -> Result<Resolved, StoreError> {
        let ids: Vec<u32> = if self.phone {
            patients::ids_by_phone_prefix(db, &self.prefix, COUNT_CAP + 1)?
        } else {
            patients::ids_by_mrn_prefix(db, &self.prefix, COUNT_CAP + 1)?
                .into_iter()
                .filter(|x| !x.1)
                .map(|x| x.0)
                .collect()
        };
        Ok(if ids.len() > COUNT_CAP {
            Resolved::Broad(ids.into())
        } else {
            Resolved::Complete(ids.into())
        })
    }

    /// The weight each candidate earns from this prefix, when that can be known cheaply:
    /// through the few MRNs outside it (a prefix nearly every MRN shares), from the
    /// whole list when it is within the cap, or row by row for a short candidate list.
    /// `None`: too costly to know; the prefix then does not filter.
    pub fn weights(
        &self,
        db: &dyn Tx,
        acc: &Cands,
        scratch: &mut Scratch,
    ) -> Result<Option<Vec<u32>>, StoreError> {
        if !self.phone
            && let Some(outside) = patients::ids_outside_mrn_prefix(db, &self.prefix, PEEK)?
        {
            let out = weights_in(acc, &vec![(1, outside.into())], scratch);
            return Ok(Some(
                out.into_iter()
                    .map(|o| if o == 0 { self.weight } else { 0 })
                    .collect(),
            ));
        }
        if let Resolved::Complete(ids) = self.resolve(db)? {
            return Ok(Some(weights_in(acc, &vec![(self.weight, ids)], scratch)));
        }
        if acc.len() <= CHECK_BY_ROW_MAX {
            let ids: Vec<u32> = acc.iter().map(|c| c.0).collect();
            let inside = patients::ids_with_prefix_among(db, &ids, &self.prefix, self.phone)?;
            return Ok(Some(weights_in(
                acc,
                &vec![(self.weight, inside.into())],
                scratch,
            )));
        }
        Ok(None)
    }
}

/// Everything one query word matches.
#[derive(Debug, Default)]
pub struct TermLists {
    /// Complete lists.
    pub lists: Lists,
    pub wide: Vec<Wide>,
}

impl TermLists {
    /// Ids in the lists (with repeats), or `usize::MAX` when a prefix is wide (its size is
    /// not known).
    pub fn size(&self) -> usize {
        if self.wide.is_empty() {
            self.lists.iter().map(|l| l.1.len()).sum()
        } else {
            usize::MAX
        }
    }

    pub fn is_empty(&self) -> bool {
        self.wide.is_empty() && self.lists.iter().all(|l| l.1.is_empty())
    }

    /// Reads every wide prefix up to the cap: its lists are then complete, or the word has
    /// more than `COUNT_CAP` matches (`true`), of which the lists hold the first.
    pub fn resolve(&mut self, db: &dyn Tx) -> Result<bool, StoreError> {
        let mut broad = false;
        for w in std::mem::take(&mut self.wide) {
            match w.resolve(db)? {
                Resolved::Complete(ids) => self.lists.push((w.weight, ids)),
                Resolved::Broad(ids) => {
                    broad = true;
                    self.lists.push((w.weight, ids));
                }
            }
        }
        Ok(broad)
    }

    fn push(&mut self, wt: u32, ids: Vec<u32>) {
        if !ids.is_empty() {
            self.lists.push((wt, ids.into()));
        }
    }

    /// A prefix's first matches: complete when fewer than [`PEEK`], else wide.
    fn push_prefix(&mut self, prefix: &str, phone: bool, wt: u32, first: Vec<u32>) {
        if first.len() < PEEK {
            self.push(wt, first);
        } else {
            self.wide.push(Wide {
                prefix: prefix.to_string(),
                phone,
                weight: wt,
            });
        }
    }
}

/// The lists of a term other than a name.
pub fn other_lists(db: &dyn Tx, cache: &mut Cache, t: &Term) -> Result<TermLists, StoreError> {
    let mut out = TermLists::default();
    match t {
        Term::Name(_) => {}
        Term::Date(d) => date_lists(db, cache, d, &mut out)?,
        Term::Mrn(m) => mrn_lists(db, m, &mut out)?,
        Term::Phone(p) => phone_lists(db, p, &mut out)?,
        Term::SsnLast4(s) => out.push(weight::SSN4, patients::ids_by_ssn_last4(db, s)?),
        Term::Digits(d) => {
            mrn_lists(db, d, &mut out)?;
            if d.len() == 4 {
                out.push(weight::SSN4, patients::ids_by_ssn_last4(db, d)?);
            }
            if (6..=10).contains(&d.len()) {
                phone_lists(db, d, &mut out)?;
            }
            if (d.len() == 4 || d.len() == 8)
                && let Some(dq) = crate::domain::parse_date_query(d)
            {
                date_lists(db, cache, &dq, &mut out)?;
            }
        }
    }
    Ok(out)
}

fn date_lists(
    db: &dyn Tx,
    cache: &mut Cache,
    d: &DateQuery,
    out: &mut TermLists,
) -> Result<(), StoreError> {
    let (year, wt, from, to) = match *d {
        DateQuery::Year(y) => {
            let list = cache.year(db, y)?;
            if !list.ids.is_empty() {
                out.lists.push((weight::YEAR, list.ids.clone()));
            }
            return Ok(());
        }
        DateQuery::Month { year, month } => {
            let m = month as u16 * 100;
            (year, weight::MONTH, m + 1, m + 31)
        }
        DateQuery::Day(day) => {
            use chrono::Datelike;
            let md = day.month() as u16 * 100 + day.day() as u16;
            (day.year(), weight::EXACT, md, md)
        }
    };
    // A day or a month: from the year already in memory, else straight from the index
    // (a short range; not worth reading the whole year for).
    let ids = match cache.cached_year(year) {
        Some(list) => list.between(from, to),
        None => {
            let (a, b) = d.iso_range();
            patients::ids_by_dob(db, &a, &b)?
        }
    };
    out.push(wt, ids);
    Ok(())
}

fn mrn_lists(db: &dyn Tx, m: &str, out: &mut TermLists) -> Result<(), StoreError> {
    let found = patients::ids_by_mrn_prefix(db, m, PEEK)?;
    let exact: Vec<u32> = found.iter().filter(|x| x.1).map(|x| x.0).collect();
    out.push(weight::MRN_EXACT, exact);
    let prefix: Vec<u32> = found.iter().filter(|x| !x.1).map(|x| x.0).collect();
    // The exact MRN sorts first, so a full peek of prefix matches still means wide.
    if found.len() >= PEEK {
        out.wide.push(Wide {
            prefix: m.to_string(),
            phone: false,
            weight: weight::MRN_PREFIX,
        });
    } else {
        out.push(weight::MRN_PREFIX, prefix);
    }
    Ok(())
}

/// Ten digits: the whole number. Seven: the local number, or the beginning of one. Six,
/// eight or nine: the beginning of a number (area code and exchange, then more).
fn phone_lists(db: &dyn Tx, d: &str, out: &mut TermLists) -> Result<(), StoreError> {
    if d.len() == 10 || d.len() == 7 {
        out.push(weight::PHONE, patients::ids_by_phone(db, d)?);
    }
    if (6..=9).contains(&d.len()) {
        let first = patients::ids_by_phone_prefix(db, d, PEEK)?;
        out.push_prefix(d, true, weight::PHONE_PREFIX, first);
    }
    Ok(())
}
