//! Breaking ties between patients the index scored alike: a word that matches the current
//! given or family name beats one that matched only a middle or previous name, then
//! fuzzy-matcher's score over the displayed name decides, then the older record.

use std::collections::HashMap;

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

use crate::store::{Sql, StoreError, patients, patients::PatientRow};

use super::SearchIndex;
use super::fold::{fold, name_tokens_into};
use super::query::{self, Term};
use super::typo::{allowed_edits, within};

/// Ranked rows for a typed query, best first, at most `limit`, each with its index score.
pub fn find(
    ix: &SearchIndex,
    db: &dyn Sql,
    query: &str,
    limit: usize,
) -> Result<Vec<(PatientRow, u32)>, StoreError> {
    // A few more than asked, so ties at the cut can be broken on the names themselves.
    let hits = ix.search(db, query, limit + limit.min(50))?;
    let score: HashMap<i64, u32> = hits.iter().map(|h| (h.patient_id, h.score)).collect();
    let ids: Vec<i64> = hits.iter().map(|h| h.patient_id).collect();
    let rows = patients::rows_by_ids(db, &ids)?;
    let words: Vec<String> = query::parse(query)
        .into_iter()
        .filter_map(|t| match t {
            Term::Name(w) => Some(w),
            _ => None,
        })
        .collect();
    let text = words.join(" ");
    let matcher = SkimMatcherV2::default();
    let mut ranked: Vec<(PatientRow, u32, u32, i64)> = rows
        .into_iter()
        .filter_map(|r| {
            let s = *score.get(&r.id)?;
            let (field, fuzzy) = if words.is_empty() {
                (0, 0)
            } else {
                let shown = fold(&format!("{} {}", r.given.raw(), r.family.raw()));
                (
                    field_bonus(&words, &r),
                    matcher.fuzzy_match(&shown, &text).unwrap_or(0),
                )
            };
            Some((r, s, field, fuzzy))
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(b.2.cmp(&a.2))
            .then(b.3.cmp(&a.3))
            .then(a.0.id.cmp(&b.0.id))
    });
    ranked.truncate(limit);
    Ok(ranked.into_iter().map(|(r, s, _, _)| (r, s)).collect())
}

/// 2 per word found in the current given or family name, 1 per word found only in the middle.
fn field_bonus(words: &[String], r: &PatientRow) -> u32 {
    let mut main = Vec::new();
    name_tokens_into(r.given.raw(), &mut main);
    name_tokens_into(r.family.raw(), &mut main);
    let mut middle = Vec::new();
    if let Some(m) = &r.middle {
        name_tokens_into(m.raw(), &mut middle);
    }
    let hit = |w: &str, toks: &[String]| {
        toks.iter().any(|t| {
            t.starts_with(w) || within(w.as_bytes(), t.as_bytes(), allowed_edits(w.len())).is_some()
        })
    };
    words
        .iter()
        .map(|w| {
            if hit(w, &main) {
                2
            } else if hit(w, &middle) {
                1
            } else {
                0
            }
        })
        .sum()
}
