//! The kinds of query a clerk types, generated from known patients of the bench store (as
//! tests/it/search_quality.rs does over 3,000), and the statistics the bench prints.

use std::time::Duration;

use chartroom::demo::rng::Rng;
use chartroom::store::Tx;

/// One patient as the generator needs it.
pub struct Known {
    pub mrn: String,
    pub family: String,
    pub given: String,
    pub dob: String,
    pub phone: Option<String>,
    pub ssn4: Option<String>,
}

/// A query kind: its name and how to build one query from a patient (None: this patient
/// cannot make one, say no phone on file).
pub struct Kind {
    pub name: &'static str,
    pub make: fn(&mut Rng, &Known) -> Option<String>,
}

fn lower_prefix(s: &str, n: usize) -> String {
    let w = s.split_whitespace().next().unwrap_or("");
    w.chars().take(n).collect::<String>().to_lowercase()
}

fn first_word(s: &str) -> String {
    s.split_whitespace().next().unwrap_or("").to_lowercase()
}

fn year(k: &Known) -> &str {
    &k.dob[..4]
}

fn typo_all(r: &mut Rng, s: &str) -> String {
    s.split_whitespace()
        .map(|w| chartroom::demo::typo(r, w))
        .collect::<Vec<_>>()
        .join(" ")
}

fn date_any_format(r: &mut Rng, dob: &str) -> String {
    let (y, m, d) = (&dob[..4], &dob[5..7], &dob[8..10]);
    match r.below(4) {
        0 => dob.to_string(),
        1 => format!("{m}/{d}/{y}"),
        2 => format!("{y}{m}{d}"),
        _ => format!(
            "{}/{}/{y}",
            m.trim_start_matches('0'),
            d.trim_start_matches('0')
        ),
    }
}

/// Every kind the bench measures, in the order printed.
pub const KINDS: &[Kind] = &[
    Kind {
        name: "bare year",
        make: |_, k| Some(year(k).to_string()),
    },
    Kind {
        name: "family + year",
        make: |_, k| Some(format!("{} {}", first_word(&k.family), year(k))),
    },
    Kind {
        name: "one letter",
        make: |_, k| Some(lower_prefix(&k.given, 1)),
    },
    Kind {
        name: "two letters",
        make: |_, k| Some(lower_prefix(&k.given, 2)),
    },
    Kind {
        name: "typo given + 1 letter",
        make: |r, k| {
            Some(format!(
                "{} {}",
                chartroom::demo::typo(r, &first_word(&k.given)),
                lower_prefix(&k.family, 1)
            ))
        },
    },
    Kind {
        name: "typo given + 2 letters",
        make: |r, k| {
            Some(format!(
                "{} {}",
                chartroom::demo::typo(r, &first_word(&k.given)),
                lower_prefix(&k.family, 2)
            ))
        },
    },
    Kind {
        name: "typo family + 3 given + year",
        make: |r, k| {
            Some(format!(
                "{} {} {}",
                chartroom::demo::typo(r, &first_word(&k.family)),
                lower_prefix(&k.given, 3),
                year(k)
            ))
        },
    },
    Kind {
        name: "typo given + typo family",
        make: |r, k| {
            Some(format!(
                "{} {}",
                typo_all(r, &k.given),
                typo_all(r, &k.family)
            ))
        },
    },
    Kind {
        name: "typo names + date, any order",
        make: |r, k| {
            let mut words: Vec<String> = format!("{} {}", k.given, k.family)
                .split_whitespace()
                .map(|w| chartroom::demo::typo(r, w))
                .collect();
            words.push(date_any_format(r, &k.dob));
            for i in (1..words.len()).rev() {
                words.swap(i, r.below(i + 1));
            }
            Some(words.join(" "))
        },
    },
    Kind {
        name: "full date, any format",
        make: |r, k| Some(date_any_format(r, &k.dob)),
    },
    Kind {
        name: "family + full date",
        make: |r, k| {
            Some(format!(
                "{} {}",
                first_word(&k.family),
                date_any_format(r, &k.dob)
            ))
        },
    },
    Kind {
        name: "MRN prefix (4-7)",
        make: |r, k| Some(k.mrn[..4 + r.below(4)].to_string()),
    },
    Kind {
        name: "MRN",
        make: |_, k| Some(k.mrn.clone()),
    },
    Kind {
        name: "phone prefix (6-9)",
        make: |r, k| {
            let p = k.phone.as_ref()?;
            let n = 6 + r.below(4);
            Some(if r.below(2) == 0 {
                p[..n].to_string()
            } else {
                format!("{}-{}-{}", &p[..3], &p[3..6], &p[6..n])
                    .trim_end_matches('-')
                    .to_string()
            })
        },
    },
    Kind {
        name: "phone",
        make: |_, k| {
            let p = k.phone.as_ref()?;
            Some(format!("{}-{}-{}", &p[..3], &p[3..6], &p[6..]))
        },
    },
    Kind {
        name: "family + SSN last 4",
        make: |_, k| Some(format!("{} {}", first_word(&k.family), k.ssn4.as_ref()?)),
    },
];

/// `n` known patients drawn with a seeded generator (the same ones on every run).
pub fn known_patients(db: &dyn Tx, rng: &mut Rng, n: usize) -> Vec<Known> {
    let count = db
        .query_row("SELECT count(*) FROM patients", &[])
        .expect("count")
        .map(|r| r.int(0).expect("int"))
        .unwrap_or(0) as usize;
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let mrn = (10_000_000 + rng.below(count)).to_string();
        let Some(r) = db
            .query_row(
                "SELECT mrn, family, given, dob, phone, ssn_last4 FROM patients \
                 WHERE mrn = ? AND merged_into IS NULL",
                chartroom::params![mrn.as_str()],
            )
            .expect("patient")
        else {
            continue;
        };
        out.push(Known {
            mrn: r.text(0).expect("mrn"),
            family: r.text(1).expect("family"),
            given: r.text(2).expect("given"),
            dob: r.text(3).expect("dob"),
            phone: r.opt_text(4).expect("phone"),
            ssn4: r.opt_text(5).expect("ssn4"),
        });
    }
    out
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// p50, p90, p99 and max of some timings, as one line.
pub fn spread(times: &mut [Duration]) -> String {
    times.sort();
    format!(
        "p50 {:>7.3}  p90 {:>7.3}  p99 {:>7.3}  max {:>7.3} ms",
        ms(percentile(times, 0.5)),
        ms(percentile(times, 0.9)),
        ms(percentile(times, 0.99)),
        ms(times.last().copied().unwrap_or_default()),
    )
}
