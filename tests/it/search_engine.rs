//! What the search engine promises beyond ranking quality: counts that agree with the hits,
//! a long-running index (lists kept in memory) that sees patients registered by this and by
//! another process, patients merged into another record, phone numbers by their beginning.

use chartroom::domain::PatientInput;
use chartroom::search::Total;
use chartroom::service::Conn;
use chartroom::store::{self, OpenMode, Tx, search_index};

use super::backends::{Backend, demo_on, service_on};
use super::common::*;

fn register(svc: &mut Conn, family: &str, given: &str, dob: &str, phone: Option<&str>) -> String {
    svc.add_patient(&PatientInput {
        family: family.into(),
        given: given.into(),
        dob: dob.into(),
        sex: "U".into(),
        phone: phone.map(str::to_string),
        ..Default::default()
    })
    .expect("register")
    .mrn
}

fn mrns(svc: &mut Conn, q: &str, limit: usize) -> Vec<String> {
    svc.find(q, limit)
        .expect("search")
        .into_iter()
        .map(|f| f.row.mrn.into_raw())
        .collect()
}

fn counts_agree_with_the_hits_and_with_the_store(b: Backend) {
    let dir = tmp();
    let db = demo_on(b, dir.path(), 3_000);
    let mut svc = service_on(&db);
    // Below the cap every count is exact: it is the number of hits when all are asked for.
    for q in [
        "j",
        "jo",
        "s",
        "smith",
        "jonh s",
        "jonh sm",
        "j s",
        "jo sm",
        "de la",
        "1970",
        "williams 1984",
        "1",
        "100",
        "1000",
        "10001",
        "2233",
        "03/1970",
        "smith 1",
    ] {
        let (found, total) = svc.find_counted(q, 5_000).expect("search");
        assert_eq!(total, Total::Exact(found.len()), "{q:?}");
    }
    // A bare year: everybody born that year, and anybody whose SSN ends in those digits.
    let want = db
        .open()
        .query_row(
            "SELECT count(*) FROM patients WHERE dob LIKE '1970-%' OR ssn_last4 = '1970'",
            &[],
        )
        .expect("count")
        .map(|r| r.int(0).expect("count") as usize);
    let (_, total) = svc.find_counted("1970", 50).expect("search");
    assert_eq!(Some(total), want.map(Total::Exact));
    // An empty or useless query matches nobody.
    assert_eq!(
        svc.find_counted("   ", 50).expect("search").1,
        Total::Exact(0)
    );
    assert_eq!(
        svc.find_counted("qqqqqqqqqqqq", 50).expect("search").1,
        Total::Exact(0)
    );
}

fn a_warm_index_sees_patients_registered_here_and_elsewhere(b: Backend) {
    let dir = tmp();
    let db = demo_on(b, dir.path(), 2_000);
    let mut a = service_on(&db);
    a.warm_search().expect("warm");
    let count = |svc: &mut Conn, q: &str| svc.find_counted(q, 50).expect("search").1;
    // Names the store already has (only the postings change), on a rare birth date.
    let before = count(&mut a, "smith john 1971-02-03");
    let year_before = count(&mut a, "1971");
    let first = register(&mut a, "Smith", "John", "1971-02-03", None);
    assert!(mrns(&mut a, "smith john 1971-02-03", 50).contains(&first));
    let after = count(&mut a, "smith john 1971-02-03");
    assert_eq!(after.exact(), before.exact().map(|n| n + 1));
    assert_eq!(
        count(&mut a, "1971").exact(),
        year_before.exact().map(|n| n + 1)
    );
    // Another process (another connection) registers: this one sees it on its next search.
    let mut other = service_on(&db);
    let second = register(&mut other, "Smith", "John", "1971-02-03", None);
    let third = register(&mut other, "Qwertyuiop", "Zanzibar", "1971-02-03", None);
    let got = mrns(&mut a, "smith john 1971-02-03", 50);
    assert!(got.contains(&first) && got.contains(&second), "{got:?}");
    assert_eq!(mrns(&mut a, "qwertyuiop", 50), vec![third.clone()]);
    assert_eq!(mrns(&mut a, "zanzibar 1971", 50), vec![third]);
}

#[test]
fn merged_away_patients_leave_date_and_number_searches() {
    let dir = tmp();
    let db = demo_store(dir.path(), 1_000);
    let mut svc = service(&db);
    let old = register(
        &mut svc,
        "Quimbleton",
        "Ann",
        "1960-06-06",
        Some("555-404-1234"),
    );
    let new = register(
        &mut svc,
        "Quimbleton",
        "Ann",
        "1960-06-06",
        Some("555-404-1235"),
    );
    // chartroom has no merge yet: mark it in the store, as a merge would, and say so.
    let raw = store::open_file(&db, OpenMode::Existing, None).expect("open");
    raw.execute(
        "UPDATE patients SET merged_into = (SELECT id FROM patients WHERE mrn = ?) WHERE mrn = ?",
        chartroom::params![new.as_str(), old.as_str()],
    )
    .expect("merge");
    search_index::touch(&raw).expect("touch");
    assert_eq!(
        mrns(&mut svc, "quimbleton ann 1960-06-06", 50),
        vec![new.clone()]
    );
    assert_eq!(
        svc.find_counted("quimbleton 06/06/1960", 50)
            .expect("search")
            .1,
        Total::Exact(1)
    );
    assert!(mrns(&mut svc, "555-404-1234", 50).is_empty());
    assert!(mrns(&mut svc, &old, 50).is_empty());
    // By name alone a merged record is still found (its chart says where it went).
    let by_name = mrns(&mut svc, "quimbleton ann", 50);
    assert!(by_name.contains(&old) && by_name.contains(&new));
}

#[test]
fn phone_numbers_by_their_beginning() {
    let dir = tmp();
    let db = demo_store(dir.path(), 1_000);
    let mut svc = service(&db);
    let mrn = register(
        &mut svc,
        "Ostrander",
        "Lee",
        "1980-01-01",
        Some("555-777-0123"),
    );
    for q in [
        "555-777-0123",
        "555-777-01",
        "555777",
        "5557770",
        "(555)777-012",
        "ostrander 555777",
    ] {
        assert!(mrns(&mut svc, q, 50).contains(&mrn), "{q:?}");
    }
    assert!(!mrns(&mut svc, "555-777-02", 50).contains(&mrn));
}

on_both!(
    counts_agree_with_the_hits_and_with_the_store,
    a_warm_index_sees_patients_registered_here_and_elsewhere,
);
