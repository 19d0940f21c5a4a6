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
