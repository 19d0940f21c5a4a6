//! Search quality over a fixed seeded store: typed queries with typos, transpositions,
//! swapped order, every date format, MRN prefixes, SSN last 4 and non-ASCII names; and a
//! generated recall test.

use chartroom::demo::rng::Rng;
use chartroom::domain::PatientInput;
use chartroom::service::{Access, Conn};

use super::common::*;

/// Patients registered into the seeded store, each with the queries a clerk might type.
struct Planted {
    family: &'static str,
    given: &'static str,
    dob: &'static str,
    ssn: &'static str,
    phone: &'static str,
}

const PLANTED: &[Planted] = &[
    Planted {
        family: "Smith",
        given: "John",
        dob: "1970-03-14",
        ssn: "900-11-2233",
        phone: "555-201-3344",
    },
    Planted {
        family: "Garcia",
        given: "Michael",
        dob: "1985-07-02",
        ssn: "900-22-4711",
        phone: "555-201-9876",
    },
    Planted {
        family: "Nguyễn",
        given: "Thảo",
        dob: "1992-12-05",
        ssn: "900-33-5566",
        phone: "555-301-1111",
    },
    Planted {
        family: "Đặng",
        given: "Minh",
        dob: "1961-01-30",
        ssn: "900-44-6677",
        phone: "555-301-2222",
    },
    Planted {
        family: "Sørensen",
        given: "Ingrid",
        dob: "1948-09-09",
        ssn: "900-55-7788",
        phone: "555-301-3333",
    },
    Planted {
        family: "O'Brien",
        given: "Siobhán",
        dob: "2001-04-23",
        ssn: "900-66-8899",
        phone: "555-301-4444",
    },
    Planted {
        family: "Müller",
        given: "Jürgen",
        dob: "1955-11-11",
        ssn: "900-77-9900",
        phone: "555-301-5555",
    },
    Planted {
        family: "de la Cruz",
        given: "María",
        dob: "1977-06-15",
        ssn: "900-88-0011",
        phone: "555-301-6666",
    },
    Planted {
        family: "Ñúñez",
        given: "Begoña",
        dob: "1966-02-28",
        ssn: "900-99-1122",
        phone: "555-301-7777",
    },
];

fn plant(svc: &mut Conn) -> Vec<String> {
    PLANTED
        .iter()
        .map(|p| {
            svc.add_patient(&PatientInput {
                family: p.family.into(),
                given: p.given.into(),
                dob: p.dob.into(),
                sex: "U".into(),
                ssn: Some(p.ssn.into()),
                phone: Some(p.phone.into()),
                ..Default::default()
            })
            .expect("register")
            .mrn
        })
        .collect()
}

fn top5(svc: &mut Conn, q: &str) -> Vec<String> {
    svc.find(q, 5)
        .expect("search")
        .into_iter()
        .map(|f| f.row.mrn.into_raw())
        .collect()
}

#[test]
fn typed_queries_find_their_patient_in_the_top_5() {
    let dir = tmp();
    let db = demo_store(dir.path(), 5_000);
    let mut svc = service(&db);
    let mrns = plant(&mut svc);
    // (query, index into PLANTED)
    let cases: &[(&str, usize)] = &[
        ("jonh smtih 1970-03-14", 0),
        ("smtih jonh 03/14/1970", 0),
        ("smith john 19700314", 0),
        ("john smith 3/14/1970", 0),
        ("smith 2233", 0),
        ("jonh s 1970-03-14", 0),
        ("s jonh 03/14/1970", 0),
        ("5552013344", 0),
        ("micheal garica 1985", 1),
        ("garcia michael 07/1985", 1),
        ("garica 4711", 1),
        ("nguyen thao 1992-12-05", 2),
        ("Nguyễn Thảo", 2),
        ("nguyen 5566", 2),
        ("dang minh 1961", 3),
        ("Đặng minh 01/30/1961", 3),
        ("sorensen ingrid", 4),
        ("sørensen 1948", 4),
        ("obrien siobhan", 5),
        ("o'brien 2001-04-23", 5),
        ("muller jurgen 1955", 6),
        ("mueller jurgen 11/11/1955", 6),
        ("de la cruz maria 1977", 7),
        ("delacruz 06/15/1977", 7),
        ("nunez begona", 8),
        ("Ñúñez 19660228", 8),
        ("555-301-7777", 8),
    ];
    let mut misses = Vec::new();
    for (q, i) in cases {
        let got = top5(&mut svc, q);
        if !got.contains(&mrns[*i]) {
            misses.push(format!("{q:?} → {got:?}, wanted {}", mrns[*i]));
        }
    }
    // MRN exact and by prefix (the planted MRNs are the newest, so the prefix is unique enough).
    for m in &mrns {
        assert_eq!(top5(&mut svc, m).first(), Some(m), "exact MRN {m}");
        let prefix = &m[..m.len() - 1];
        if !top5(&mut svc, prefix).contains(m)
            && svc
                .find(prefix, 50)
                .unwrap()
                .iter()
                .all(|f| &f.row.mrn != m)
        {
            misses.push(format!("MRN prefix {prefix} did not find {m}"));
        }
    }
    assert!(
        misses.is_empty(),
        "queries that missed:\n{}",
        misses.join("\n")
    );
}

/// Every way the clerks who tried chartroom typed a birth date (issue 10), with and without a
/// name; and a date that cannot be read is named in the message.
#[test]
fn birth_dates_as_clerks_type_them() {
    let dir = tmp();
    let db = demo_store(dir.path(), 2_000);
    let mut svc = service(&db);
    let mrns = plant(&mut svc);
    // Smith John, 1970-03-14; Sørensen Ingrid 1948-09-09; O'Brien 2001-04-23.
    let forms: &[(&[&str], usize)] = &[
        (
            &[
                "03-14-1970",
                "3/14/70",
                "1970/03/14",
                "14 Mar 1970",
                "mar 14 1970",
                "March 14, 1970",
                "14.03.1970",
                "14-Mar-1970",
                "3-14-70",
            ],
            0,
        ),
        (
            &[
                "9/9/48",
                "09-09-1948",
                "9 Sep 1948",
                "Sept 9, 1948",
                "09.09.1948",
            ],
            4,
        ),
        (
            &[
                "4/23/01",
                "04-23-2001",
                "2001/4/23",
                "23 April 2001",
                "23.4.2001",
            ],
            5,
        ),
    ];
    let mut misses = Vec::new();
    for (dates, i) in forms {
        let p = &PLANTED[*i];
        for d in *dates {
            let with_name = format!("{} {d}", p.family);
            if !top5(&mut svc, &with_name).contains(&mrns[*i]) {
                misses.push(with_name);
            }
            let alone: Vec<String> = svc
                .find(d, 50)
                .expect("search")
                .into_iter()
                .map(|f| f.row.mrn.into_raw())
                .collect();
            if !alone.contains(&mrns[*i]) {
                misses.push(d.to_string());
            }
        }
    }
    assert!(misses.is_empty(), "dates not understood: {misses:#?}");

    // A date that is none is named, with the forms that work (the shell says so too).
    let none = run(&db, &["find", "smith", "02/30/1970"]);
    assert_eq!(none.status.code(), Some(1));
    let err = stderr(&none);
    assert!(err.contains("\"02/30/1970\" is not a date"), "{err}");
    assert!(err.contains("14 Mar 1970"), "{err}");
    let plain = run(&db, &["find", "zzyzxq"]);
    assert!(
        stderr(&plain).contains("check the spelling"),
        "{}",
        stderr(&plain)
    );
}

#[test]
fn generated_queries_recall_at_5() {
    const N: usize = 3_000;
    const QUERIES: usize = 500;
    let dir = tmp();
    let db = demo_store(dir.path(), N);
    let mut svc = service(&db);
    let mut rng = Rng::new(2024);
    let mut hits = 0;
    let mut missed = Vec::new();
    for _ in 0..QUERIES {
        let mrn = (10_000_000 + rng.below(N)).to_string();
        let glass = Access::BreakGlass {
            reason: "search recall test".into(),
        };
        let chart = svc.show_with(&mrn, &glass).expect("chart");
        let p = &chart.patient;
        let mut words: Vec<String> = format!("{} {}", p.given, p.family)
            .split_whitespace()
            .map(|w| chartroom::demo::typo(&mut rng, w))
            .collect();
        words.push(match rng.below(3) {
            0 => p.dob.format("%Y-%m-%d").to_string(),
            1 => p.dob.format("%m/%d/%Y").to_string(),
            _ => p.dob.format("%Y%m%d").to_string(),
        });
        // Random order.
        for i in (1..words.len()).rev() {
            words.swap(i, rng.below(i + 1));
        }
        let q = words.join(" ");
        if top5(&mut svc, &q).contains(&mrn) {
            hits += 1;
        } else {
            missed.push(format!("{mrn}: {q}"));
        }
    }
    let recall = hits as f64 / QUERIES as f64;
    println!(
        "recall@5 over {QUERIES} generated queries: {:.1}% ({hits} found)",
        recall * 100.0
    );
    for m in missed.iter().take(10) {
        println!("missed {m}");
    }
    assert!(
        recall >= 0.95,
        "recall@5 {recall:.3} < 0.95; first misses: {:?}",
        &missed[..missed.len().min(10)]
    );
}
