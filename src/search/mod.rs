//! Patient search, shared by the TUI and the shell: a token index over every name a patient
//! has had (typo-tolerant by edit distance over the small vocabulary), plus the store's own
//! indexes for dates of birth, MRNs, phones and SSN last 4.

pub mod cache;
mod dense;
pub mod engine;
mod expand;
pub mod fold;
pub mod query;
pub mod rank;
pub mod sets;
mod terms;
pub mod total;
pub mod typo;

pub use cache::CacheStats;
pub use engine::{Hit, Hits, SearchIndex};
pub use total::{COUNT_CAP, Total};

/// When a search held words meant as a date that are none ("02/30/1970"): which, and the
/// forms that can be read — what to tell a clerk whose search found nothing.
pub fn unread_date_hint(query: &str) -> Option<String> {
    let unread = query::unread_dates(query);
    if unread.is_empty() {
        return None;
    }
    let words: Vec<String> = unread
        .iter()
        .map(|w| format!("\"{}\"", crate::domain::Text::from(w.as_str())))
        .collect();
    Some(format!(
        "{} is not a date chartroom can read; dates can be typed {}",
        words.join(" and "),
        crate::domain::date_typed::ACCEPTED_FORMS
    ))
}
