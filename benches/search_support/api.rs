//! The few calls the search bench makes into chartroom's search, in one place (so the same
//! bench can be pointed at an older engine by swapping this file).

use chartroom::search::SearchIndex;
use chartroom::service::Service;
use chartroom::store::Tx;
use chartroom::store::patients::PatientRow;

/// `rank::find`: the rows shown and the count as a clerk reads it.
pub fn find(ix: &SearchIndex, db: &dyn Tx, q: &str, limit: usize) -> (Vec<PatientRow>, String) {
    let r = chartroom::search::rank::find(ix, db, q, limit).expect("search");
    (
        r.rows.into_iter().map(|(row, _)| row).collect(),
        r.total.to_string(),
    )
}

/// Reads every posting list into memory (a long-running process); what it holds.
pub fn warm(ix: &SearchIndex, db: &dyn Tx) -> Option<String> {
    let s = ix.warm(db).expect("warm");
    Some(format!(
        "{} lists, {} ids, {} MB",
        s.posting_lists,
        s.posting_ids,
        s.bytes() >> 20
    ))
}

/// Empties the search cache, as a fresh process has it.
pub fn forget(ix: &SearchIndex) {
    ix.clear_cache();
}

/// What the search cache holds.
pub fn held(ix: &SearchIndex) -> String {
    let s = ix.cache_stats();
    format!(
        "{} posting lists, {} years, {} MB of bitmaps; {} MB in all",
        s.posting_lists,
        s.years,
        s.bitmap_bytes >> 20,
        s.bytes() >> 20
    )
}

pub fn warm_service(svc: &mut Service) {
    svc.warm_search().expect("warm");
}
