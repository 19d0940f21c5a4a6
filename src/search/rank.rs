//! Breaking ties between patients the index scored alike: a word that matches the current
//! given or family name beats one that matched only a middle or previous name, then
//! fuzzy-matcher's score over the displayed name decides, then the older record.

use std::collections::HashMap;

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

use crate::store::{StoreError, Tx, patients, patients::PatientRow};

use super::fold::fold;
use super::query::{self, Term};
use super::typo::{allowed_edits, within};
use super::{Hit, Hits, SearchIndex, Total};

/// The rows of a search, best first, each with its index score, and how many patients the
/// query matched (exact up to [`super::COUNT_CAP`]).
#[derive(Debug, Clone)]
pub struct Ranked {
    pub rows: Vec<(PatientRow, u32)>,
    pub total: Total,
}

/// Ranked rows for a typed query, best first, at most `limit`, each with its index score.
///
/// A query with any word other than a name (a date, an MRN, a phone, an SSN) never shows a
/// patient merged into another record (the id lists come from the store's indexes alone;
/// the few hits are checked here). A count larger than the hits read may still include
/// such a patient.
pub fn find(
    ix: &SearchIndex,
    db: &dyn Tx,
    query: &str,
    limit: usize,
) -> Result<Ranked, StoreError> {
    let terms = query::parse(query);
    let live_only = terms.iter().any(|t| !matches!(t, Term::Name(_)));
    let words: Vec<String> = terms
        .into_iter()
        .filter_map(|t| match t {
            Term::Name(w) => Some(w),
            _ => None,
        })
        .collect();
    // A few more than asked, so ties at the cut can be broken on the names themselves.
    let wanted = limit + limit.min(50);
    let (hits, total) = live_hits(ix, db, query, wanted, live_only)?;
    // Rows for the first `limit` hits, and for the ones tied with the last of them when
    // names will break the tie (without names the index order is final).
    let cut = hits.len().min(limit);
    let need = match cut.checked_sub(1) {
        Some(last) if !words.is_empty() => {
            let s = hits[last].score;
            cut + hits[cut..].iter().take_while(|h| h.score == s).count()
        }
        _ => cut,
    };
    let hits = &hits[..need];
    let score: HashMap<i64, u32> = hits.iter().map(|h| (h.patient_id, h.score)).collect();
    let ids: Vec<i64> = hits.iter().map(|h| h.patient_id).collect();
    let text = words.join(" ");
    let matcher = SkimMatcherV2::default();
    // Score, then how the words sit in the names, then the older record.
    let key = |n: Names<'_>| -> Option<(u32, u32, i64, i64)> {
        let s = *score.get(&n.id)?;
        if words.is_empty() {
            return Some((s, 0, 0, n.id));
        }
        let (given, family) = (fold(n.given), fold(n.family));
        let shown = format!("{given} {family}");
        let fuzzy = matcher.fuzzy_match(&shown, &text).unwrap_or(0);
        let middle = n.middle.map(fold);
        let bonus = field_bonus(&words, [&given, &family], middle.as_deref());
        Some((s, bonus, fuzzy, n.id))
    };
    let best_first = |a: &(u32, u32, i64, i64), b: &(u32, u32, i64, i64)| {
        b.0.cmp(&a.0)
            .then(b.1.cmp(&a.1))
            .then(b.2.cmp(&a.2))
            .then(a.3.cmp(&b.3))
    };
    let rows: Vec<(PatientRow, u32)> = if need > cut {
        // A tie runs past the cut: break it on the names alone, then read whole rows only
        // for the ones shown (they come back in that order).
        let mut keyed: Vec<(u32, u32, i64, i64)> = patients::names_by_ids(db, &ids)?
            .iter()
            .filter_map(|n| key(Names::of_name_row(n)))
            .collect();
        keyed.sort_by(best_first);
        keyed.truncate(limit);
        let shown: Vec<i64> = keyed.iter().map(|k| k.3).collect();
        with_scores(patients::rows_by_ids(db, &shown)?, &score)
    } else if words.is_empty() {
        // No names to break ties on: the index order (score, then the older record) stands.
        with_scores(patients::rows_by_ids(db, &ids)?, &score)
    } else {
        let mut ranked: Vec<((u32, u32, i64, i64), PatientRow)> = patients::rows_by_ids(db, &ids)?
            .into_iter()
            .filter_map(|r| Some((key(Names::of_row(&r))?, r)))
            .collect();
        ranked.sort_by(|a, b| best_first(&a.0, &b.0));
        ranked.into_iter().map(|(k, r)| (r, k.0)).collect()
    };
    Ok(Ranked { rows, total })
}

fn with_scores(rows: Vec<PatientRow>, score: &HashMap<i64, u32>) -> Vec<(PatientRow, u32)> {
    rows.into_iter()
        .filter_map(|r| {
            let s = *score.get(&r.id)?;
            Some((r, s))
        })
        .collect()
}

/// The names a tie is broken on.
#[derive(Clone, Copy)]
struct Names<'a> {
    id: i64,
    given: &'a str,
    family: &'a str,
    middle: Option<&'a str>,
}

impl<'a> Names<'a> {
    fn of_row(r: &'a PatientRow) -> Self {
        Names {
            id: r.id,
            given: r.given.raw(),
            family: r.family.raw(),
            middle: r.middle.as_ref().map(|m| m.raw()),
        }
    }
    fn of_name_row(r: &'a patients::NameRow) -> Self {
        Names {
            id: r.id,
            given: &r.given,
            family: &r.family,
            middle: r.middle.as_deref(),
        }
    }
}

/// The best `wanted` hits, without patients merged away when `live_only`; asks the index for
/// more when some had to go.
fn live_hits(
    ix: &SearchIndex,
    db: &dyn Tx,
    query: &str,
    wanted: usize,
    live_only: bool,
) -> Result<(Vec<Hit>, Total), StoreError> {
    let mut ask = wanted;
    loop {
        let Hits {
            mut hits,
            mut total,
        } = ix.search_counted(db, query, ask)?;
        if !live_only || hits.is_empty() {
            return Ok((hits, total));
        }
        let every_match = total.exact() == Some(hits.len());
        let ids: Vec<u32> = hits.iter().map(|h| h.patient_id as u32).collect();
        let merged = patients::merged_among(db, &ids)?;
        if merged.is_empty() {
            return Ok((hits, total));
        }
        hits.retain(|h| merged.binary_search(&(h.patient_id as u32)).is_err());
        if every_match {
            total = Total::Exact(hits.len());
        } else if hits.len() < wanted && ask < 1 << 16 {
            ask *= 4;
            continue;
        }
        return Ok((hits, total));
    }
}

/// 2 per word found in the current given or family name, 1 per word found only in the middle
/// (each field folded).
fn field_bonus(words: &[String], main: [&str; 2], middle: Option<&str>) -> u32 {
    words
        .iter()
        .map(|w| {
            if main.iter().any(|f| field_has(f, w)) {
                2
            } else if middle.is_some_and(|m| field_has(m, w)) {
                1
            } else {
                0
            }
        })
        .sum()
}

/// Whether a typed word matches one of a folded field's tokens (each piece, and the pieces
/// run together, as the index has them): as a prefix or within the edits it allows.
fn field_has(folded: &str, w: &str) -> bool {
    // Tokens longer than the index keeps (40) are not names it matches.
    let hit = |t: &str| {
        t.len() <= 40
            && (t.starts_with(w)
                || within(w.as_bytes(), t.as_bytes(), allowed_edits(w.len())).is_some())
    };
    let mut pieces = 0;
    for p in folded.split_whitespace() {
        if hit(p) {
            return true;
        }
        pieces += 1;
    }
    pieces > 1 && hit(&folded.split_whitespace().collect::<String>())
}
