//! Hand-built synthetic data for the screen snapshots: they must not change when the demo
//! generator does. Names and numbers are made up.
#![allow(dead_code)]

use chartroom::domain::{
    Chart, CodedDiagnosis, CodedProcedure, Document, DocumentSummary, Encounter, Mrn, Patient,
    PatientFlags, Phone, PreviousName, Sex, Ssn,
};
use chartroom::service::Found;
use chartroom::store::patients::PatientRow;
use chrono::NaiveDate;

const FAMILY: [&str; 10] = [
    "Smith",
    "Smyth",
    "Smith-Ruiz",
    "Smithers",
    "Schmidt",
    "Smit",
    "Smith",
    "Smith",
    "Smiths",
    "Smitty",
];
const GIVEN: [&str; 10] = [
    "Carol",
    "John",
    "Linda",
    "Wojciech",
    "Hans-Jürgen",
    "Wei",
    "Nicole",
    "D'Andra",
    "Amanda",
    "Patrick",
];

/// `n` search results, deterministic.
pub fn results(n: usize) -> Vec<Found> {
    (0..n)
        .map(|i| Found {
            row: PatientRow {
                id: i as i64 + 1,
                mrn: format!("{}", 10_000_100 + i * 7).into(),
                family: FAMILY[i % 10].into(),
                given: GIVEN[(i * 3) % 10].into(),
                middle: (i % 3 == 0).then(|| "Q".into()),
                dob: format!(
                    "19{:02}-{:02}-{:02}",
                    30 + (i * 7) % 70,
                    1 + i % 12,
                    1 + (i * 5) % 28
                )
                .into(),
                sex: if i % 2 == 0 { "F" } else { "M" }.into(),
                ssn_last4: (i % 4 != 0).then(|| format!("{:04}", (i * 1237) % 10_000).into()),
                last_encounter: (i % 5 != 0)
                    .then(|| format!("2026-{:02}-{:02}T09:00:00Z", 1 + i % 11, 1 + i % 27).into()),
                restricted: i == 2,
                deceased: i == 4,
            },
            score: 300 - i as u32,
        })
        .collect()
}

fn summary(id: i64, date: &str, kind: &str, title: &str, status: &str) -> DocumentSummary {
    DocumentSummary {
        id,
        encounter_account: Some("A500000009".into()),
        doc_type: kind.into(),
        title: title.into(),
        author: Some("Hector Valdés MD".into()),
        service_date: date.into(),
        status: status.into(),
        signed_by: None,
        signed_at: None,
        part2: false,
        psychotherapy: false,
        version: 1,
    }
}

pub fn chart() -> Chart {
    let patient = Patient {
        id: 1,
        mrn: Mrn::parse("10000002").unwrap(),
        family: "Smith".into(),
        given: "Carol".into(),
        middle: Some("Anne".into()),
        suffix: None,
        dob: NaiveDate::from_ymd_opt(1992, 8, 31).unwrap(),
        sex: Sex::parse("F").unwrap(),
        ssn: Some(Ssn::parse("900-12-3456").unwrap()),
        ssn_note: None,
        address: Some("8009 Main Ln".into()),
        city: Some("Oak Hollow".into()),
        state: Some("TX".into()),
        postal_code: Some("75939".into()),
        phone: Some(Phone::parse("450-555-3623").unwrap()),
        flags: PatientFlags {
            restricted: false,
            employee: false,
            part2: false,
            deceased: true,
        },
        merged_into: Some(Mrn::parse("10000001").unwrap()),
        previous_names: vec![PreviousName {
            kind: "previous".into(),
            family: "Jones".into(),
            given: "Carol".into(),
        }],
        version: 1,
    };
    let enc = |id: i64, admit: &str, dis: &str, kind: &str, coded: bool| Encounter {
        id,
        account_number: format!("A50000000{id}").into(),
        kind: kind.into(),
        admit_at: format!("{admit}T08:00:00Z").into(),
        discharge_at: Some(format!("{dis}T16:00:00Z").into()),
        attending: Some("Hector Valdés MD".into()),
        service: Some("Medicine".into()),
        disposition: Some("Home".into()),
        coding_status: if coded { "coded" } else { "uncoded" }.into(),
        version: 1,
        diagnoses: if coded {
            vec![
                CodedDiagnosis {
                    system: "ICD-10-CM".into(),
                    code: "J45909".into(),
                    sequence: 1,
                    poa: Some("Y".into()),
                    description: Some("Unspecified asthma, uncomplicated".into()),
                },
                CodedDiagnosis {
                    system: "ICD-10-CM".into(),
                    code: "I10".into(),
                    sequence: 2,
                    poa: Some("Y".into()),
                    description: Some("Essential (primary) hypertension".into()),
                },
            ]
        } else {
            Vec::new()
        },
        procedures: if coded {
            vec![CodedProcedure {
                system: "ICD-10-PCS".into(),
                code: "0FT44ZZ".into(),
                sequence: 1,
                performed_on: Some(admit.into()),
                description: Some(
                    "Resection of Gallbladder, Percutaneous Endoscopic Approach".into(),
                ),
            }]
        } else {
            Vec::new()
        },
    };
    Chart {
        patient,
        ssn_shown: Some("***-**-3456".into()),
        encounters: vec![
            enc(9, "2026-10-30", "2026-11-08", "inpatient", true),
            enc(8, "2025-12-01", "2025-12-01", "emergency", false),
        ],
        documents: vec![
            summary(31, "2026-11-08", "DS", "Discharge summary", "signed"),
            summary(30, "2026-10-31", "OP", "Operative report", "dictated"),
            summary(
                29,
                "2026-10-30",
                "HP",
                "History and physical",
                "transcribed",
            ),
            summary(
                28,
                "2025-12-01",
                "ED",
                "Emergency department note",
                "signed",
            ),
        ],
    }
}

/// A document whose text has many lines, a tab, and hostile escape sequences.
pub fn document() -> Document {
    let mut text = String::from("DISCHARGE SUMMARY\n\nHospital course:\n");
    for i in 1..=40 {
        text.push_str(&format!(
            "\t{i:02}. Day {i}: stable; plan reviewed with the patient.\n"
        ));
    }
    text.push_str("Signed: \u{1b}]0;owned\u{7}Hector Valdés MD\u{1b}[2J\r\n");
    Document {
        summary: summary(31, "2026-11-08", "DS", "Discharge summary", "signed"),
        text: Some(text.into()),
        file_ref: None,
    }
}
