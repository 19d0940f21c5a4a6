//! Patient search, shared by the TUI and the shell: a token index over every name a patient
//! has had (typo-tolerant by edit distance over the small vocabulary), plus the store's own
//! indexes for dates of birth, MRNs, phones and SSN last 4.

pub mod engine;
pub mod fold;
pub mod query;
pub mod rank;
pub mod typo;

pub use engine::{Hit, SearchIndex};
