//! Synthetic encounters, documents and codes.

use std::sync::OnceLock;

use chrono::{Duration, NaiveDate};

use crate::domain::Sex;
use crate::domain::bulk::{BulkDocument, BulkEncounter, CodeTitle};

use super::names::CLINICIANS;
use super::rng::Rng;
use crate::domain::bulk::BulkPatient;

/// The demo's clinicians as providers: a synthetic NPI with a valid check digit, a service,
/// and an address for letters.
pub fn providers() -> Vec<crate::domain::bulk::BulkProvider> {
    CLINICIANS
        .iter()
        .enumerate()
        .map(|(i, name)| crate::domain::bulk::BulkProvider {
            name,
            npi: crate::domain::provider::Npi::with_check_digit(190_000_000 + 7_919 * i as u32)
                .as_str()
                .to_string(),
            service: SERVICES[i % SERVICES.len()],
            letter_address: format!(
                "Medical Staff Office, Suite {}, 100 Hospital Way, Springfield, IL 62701",
                100 + i
            ),
        })
        .collect()
}

/// (system, code, title) of the codes the demo uses, from `fixtures/demo_codes.tsv`;
/// diagnoses first.
pub fn demo_codes() -> &'static [CodeTitle] {
    static CODES: OnceLock<Vec<CodeTitle>> = OnceLock::new();
    CODES.get_or_init(|| {
        include_str!("../../fixtures/demo_codes.tsv")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut it = l.split('\t');
                Some((it.next()?, it.next()?, it.next()?))
            })
            .collect()
    })
}

/// How many encounters a patient has: 1 to 10, most have few.
const ENCOUNTER_WEIGHTS: [usize; 10] = [45, 22, 11, 7, 5, 3, 2, 2, 2, 1];
const SERVICES: &[&str] = &[
    "Medicine",
    "Surgery",
    "Cardiology",
    "Orthopedics",
    "Obstetrics",
    "Pediatrics",
    "Psychiatry",
    "Oncology",
    "Neurology",
    "Emergency",
];
const DISPOSITIONS: &[&str] = &[
    "Home",
    "Home",
    "Home",
    "Home health",
    "Skilled nursing facility",
    "Rehabilitation",
    "Left against medical advice",
    "Transferred to another hospital",
];

/// The first and last discharge dates the demo uses (the shipped code sets apply from Oct 1 2024).
fn window() -> (NaiveDate, i64) {
    let first = NaiveDate::from_ymd_opt(2024, 10, 1).expect("date");
    let last = NaiveDate::from_ymd_opt(2026, 11, 20).expect("date");
    (first, (last - first).num_days())
}

pub(super) fn encounters(
    r: &mut Rng,
    p: &BulkPatient,
    next_account: &mut u64,
) -> Vec<BulkEncounter> {
    let codes = code_counts();
    let mut roll = r.below(100);
    let mut n = 1;
    for (i, w) in ENCOUNTER_WEIGHTS.iter().enumerate() {
        if roll < *w {
            n = i + 1;
            break;
        }
        roll -= w;
    }
    let (first, span) = window();
    let mut days: Vec<i64> = (0..n).map(|_| r.range(0, span)).collect();
    days.sort_unstable();
    let mut out = Vec::with_capacity(n);
    for (i, d) in days.into_iter().enumerate() {
        let kind = match r.below(10) {
            0..=1 => "inpatient",
            2..=6 => "outpatient",
            7..=8 => "emergency",
            _ => "observation",
        };
        let stay = match kind {
            "inpatient" => r.range(1, 9),
            "observation" => r.range(0, 2),
            "emergency" => r.range(0, 1),
            _ => 0,
        };
        let discharge_day = first + Duration::days(d);
        let admit_day = discharge_day - Duration::days(stay);
        let in_house = i == n - 1 && kind == "inpatient" && d > span - 10 && r.chance(0.5);
        // Admitted at some time that day; discharged after it (same-day visits an hour or
        // more later, stays on the discharge day in the working hours).
        let admit_at = admit_day
            .and_hms_opt(r.range(0, 21) as u32, r.range(0, 59) as u32, 0)
            .expect("valid time");
        let discharge_at = if stay == 0 {
            admit_at + Duration::minutes(r.range(60, 150))
        } else {
            discharge_day
                .and_hms_opt(r.range(8, 20) as u32, r.range(0, 59) as u32, 0)
                .expect("valid time")
        };
        let admit = admit_at.format("%Y-%m-%d %H:%M").to_string();
        let discharge = (!in_house).then(|| discharge_at.format("%Y-%m-%d %H:%M").to_string());
        let service = if kind == "emergency" {
            "Emergency"
        } else {
            *r.pick(SERVICES)
        };
        let attending = *r.pick(CLINICIANS);
        *next_account += 1;
        let coded = discharge.is_some() && r.chance(0.65);
        let inpatient = kind == "inpatient";
        let mut dx = Vec::new();
        let mut px = Vec::new();
        if coded {
            for _ in 0..r.range(1, 5) {
                let c = pick_dx(r, p.sex, codes.0);
                if !dx.iter().any(|(x, _)| *x == c) {
                    let poa = inpatient.then(|| *r.pick(&["Y", "Y", "Y", "Y", "N", "U", "W"]));
                    dx.push((c, poa));
                }
            }
            if inpatient {
                for _ in 0..r.range(0, 2) {
                    let c = codes.0 + r.below(codes.1);
                    if !px.contains(&c) {
                        px.push(c);
                    }
                }
            }
        }
        let docs = documents(r, kind, admit_day, discharge_day, attending, !px.is_empty());
        out.push(BulkEncounter {
            account: format!("A{}", *next_account),
            kind,
            admit,
            discharge,
            attending,
            service,
            disposition: (kind == "inpatient").then(|| *r.pick(DISPOSITIONS)),
            coded,
            dx: dx
                .into_iter()
                .map(|(c, poa)| (demo_codes()[c].1, poa))
                .collect(),
            px: px.into_iter().map(|c| demo_codes()[c].1).collect(),
            docs,
        });
    }
    out
}

/// (number of diagnosis codes, number of procedure codes) in the fixture; dx come first.
fn code_counts() -> (usize, usize) {
    static COUNTS: OnceLock<(usize, usize)> = OnceLock::new();
    *COUNTS.get_or_init(|| {
        let c = demo_codes();
        let dx = c.iter().filter(|x| x.0 == "ICD10CM").count();
        (dx, c.len() - dx)
    })
}

/// A diagnosis that suits the patient's sex (no maternity codes for men, no prostate for women).
fn pick_dx(r: &mut Rng, sex: Sex, n_dx: usize) -> usize {
    let codes = demo_codes();
    loop {
        let i = r.below(n_dx);
        let code = codes[i].1;
        let female_only = code.starts_with('O') || code.starts_with("Z3") || code == "C509";
        let male_only = code == "C61";
        if (female_only && sex != Sex::Female) || (male_only && sex != Sex::Male) {
            continue;
        }
        return i;
    }
}

const NOTE_LINES: &[&str] = &[
    "Vital signs stable. Afebrile overnight.",
    "Tolerating diet. Ambulating with assistance.",
    "Pain controlled on current regimen.",
    "Labs reviewed; no acute changes.",
    "Discussed plan of care; questions answered.",
    "Continue current medications. Follow up in clinic in two weeks.",
    "Imaging reviewed with radiology.",
    "Wound clean, dry and intact.",
];

fn documents(
    r: &mut Rng,
    kind: &str,
    admit: NaiveDate,
    discharge: NaiveDate,
    attending: &'static str,
    operated: bool,
) -> Vec<BulkDocument> {
    let mut plan: Vec<(&'static str, &'static str, NaiveDate)> = Vec::new();
    match kind {
        "inpatient" | "observation" => {
            plan.push(("H&P", "History and physical", admit));
            if operated {
                plan.push(("OP", "Operative report", admit + Duration::days(1)));
            }
            if r.chance(0.85) {
                plan.push(("DS", "Discharge summary", discharge));
            }
        }
        "emergency" => plan.push(("ED", "Emergency department note", admit)),
        _ => plan.push(("CN", "Clinic note", admit)),
    }
    if r.chance(0.01) {
        plan.push(("SUD", "Substance use treatment note", admit));
    }
    if r.chance(0.005) {
        plan.push(("PSY", "Psychotherapy note", admit));
    }
    plan.into_iter()
        .map(|(doc_type, title, day)| {
            let status = *r.pick(&[
                "signed",
                "signed",
                "signed",
                "signed",
                "signed",
                "transcribed",
                "dictated",
            ]);
            let body = format!(
                "{title}. {} {} Attending: {attending}.",
                r.pick(NOTE_LINES),
                r.pick(NOTE_LINES)
            );
            BulkDocument {
                doc_type,
                title,
                author: attending,
                service_date: day.to_string(),
                status,
                signed_at: (status == "signed").then(|| {
                    format!(
                        "{} 17:{:02}",
                        day + Duration::days(r.range(0, 3)),
                        r.below(60)
                    )
                }),
                body,
                part2: doc_type == "SUD",
                psychotherapy: doc_type == "PSY",
            }
        })
        .collect()
}
