//! Synthetic records, deterministic from a seed: patients with real-world name variety,
//! encounters from 2024-10-01 on, documents and codes, planted duplicate pairs and hard
//! non-duplicates. Pure: no I/O (the service layer stores what this yields).

mod clinical;
pub mod names;
pub mod rng;

use std::collections::VecDeque;

use chrono::{Datelike, Duration, NaiveDate};

use crate::domain::{PatientFlags, Sex};
use crate::search::fold::patient_tokens;

use crate::domain::bulk::BulkPatient;
pub use clinical::{demo_codes, providers};
use names::*;
use rng::Rng;

/// A line of the answer key: two MRNs that are (or are not) the same person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPair {
    pub duplicate: bool,
    pub reason: &'static str,
    pub a: String,
    pub b: String,
}

/// Yields exactly `total` patients; the answer key grows as pairs are planted.
pub struct Generator {
    rng: Rng,
    total: usize,
    emitted: usize,
    next_mrn: u64,
    next_account: u64,
    pending: VecDeque<BulkPatient>,
    pub key: Vec<KeyPair>,
}

/// Share of patients that start a planted duplicate pair, and a hard non-duplicate pair.
pub const DUPLICATE_RATE: f64 = 0.02;
pub const HARD_NON_DUPLICATE_RATE: f64 = 0.006;

impl Generator {
    pub fn new(total: usize, seed: u64) -> Self {
        Generator {
            rng: Rng::new(seed),
            total,
            emitted: 0,
            next_mrn: 10_000_000,
            next_account: 500_000_000,
            pending: VecDeque::new(),
            key: Vec::new(),
        }
    }

    fn mrn(&mut self) -> String {
        self.next_mrn += 1;
        (self.next_mrn - 1).to_string()
    }

    fn person(&mut self, r: &mut Rng) -> BulkPatient {
        let sex = match r.below(100) {
            0 => Sex::Unknown,
            1 => Sex::Other,
            n if n < 51 => Sex::Female,
            _ => Sex::Male,
        };
        let family = if r.chance(0.04) {
            format!(
                "{}-{}",
                names::family()[r.skewed(names::family().len())],
                names::family()[r.skewed(names::family().len())]
            )
        } else {
            names::family()[r.skewed(names::family().len())].to_string()
        };
        let given_list = match sex {
            Sex::Female => names::given_f(),
            Sex::Male => names::given_m(),
            _ if r.chance(0.5) => names::given_f(),
            _ => names::given_m(),
        };
        let given = given_list[r.skewed(given_list.len())].to_string();
        let middle = match r.below(10) {
            0..=3 => Some(MIDDLE_INITIALS[r.below(MIDDLE_INITIALS.len())..][..1].to_string()),
            4..=5 => Some(given_list[r.skewed(given_list.len())].to_string()),
            _ => None,
        };
        let dob =
            NaiveDate::from_ymd_opt(1925, 1, 1).expect("date") + Duration::days(r.range(0, 37_000));
        let (city, state, zip) = *r.pick(CITIES);
        let mut previous = Vec::new();
        if sex == Sex::Female && dob.year() < 2000 && r.chance(0.12) {
            previous.push((
                "previous",
                names::family()[r.skewed(names::family().len())].to_string(),
                given.clone(),
            ));
        }
        if r.chance(0.01) {
            previous.push((
                "alias",
                family.clone(),
                given_list[r.below(given_list.len())].to_string(),
            ));
        }
        let mut p = BulkPatient {
            mrn: self.mrn(),
            family,
            given,
            middle,
            suffix: None,
            dob,
            sex,
            ssn: (!r.chance(0.12)).then(|| ssn(r)),
            address: format!(
                "{} {} {}",
                r.range(1, 9999),
                r.pick(STREETS),
                r.pick(STREET_KINDS)
            ),
            city,
            state,
            postal_code: format!("{zip}{:03}", r.below(1000)),
            phone: (!r.chance(0.08)).then(|| phone(r)),
            flags: PatientFlags {
                restricted: r.chance(0.005),
                employee: r.chance(0.01),
                part2: r.chance(0.01),
                deceased: r.chance(0.02),
            },
            previous,
            encounters: Vec::new(),
            tokens: Vec::new(),
        };
        self.clinical(r, &mut p);
        p
    }

    fn clinical(&mut self, r: &mut Rng, p: &mut BulkPatient) {
        let start = self.next_account;
        p.encounters = clinical::encounters(r, p, &mut self.next_account);
        debug_assert!(self.next_account >= start);
    }

    fn finish(mut p: BulkPatient) -> BulkPatient {
        let mut fields: Vec<&str> = vec![&p.family, &p.given];
        fields.extend(p.middle.as_deref());
        for (_, f, g) in &p.previous {
            fields.push(f);
            fields.push(g);
        }
        p.tokens = patient_tokens(fields);
        p
    }

    /// A second registration of the same person, made with a clerk's typical mistake.
    fn duplicate_of(&mut self, r: &mut Rng, p: &BulkPatient) -> (BulkPatient, &'static str) {
        let mut q = p.clone();
        q.mrn = self.mrn();
        q.previous.clear();
        self.clinical(r, &mut q);
        let reason = match r.below(4) {
            0 => {
                q.family = typo(r, &q.family);
                "typo in family name"
            }
            1 => {
                std::mem::swap(&mut q.family, &mut q.given);
                "given and family swapped"
            }
            2 if q.dob.day() <= 12 && q.dob.day() != q.dob.month() => {
                q.dob = NaiveDate::from_ymd_opt(q.dob.year(), q.dob.day(), q.dob.month())
                    .unwrap_or(q.dob);
                "day and month of birth transposed"
            }
            3 if q.ssn.is_some() => {
                let mut d: Vec<u8> = q.ssn.take().unwrap_or_default().into_bytes();
                let i = 3 + r.below(6);
                d[i] = b'0' + ((d[i] - b'0' + 1 + r.below(8) as u8) % 10);
                q.ssn = String::from_utf8(d).ok();
                "one SSN digit off"
            }
            _ => {
                q.given = typo(r, &q.given);
                "typo in given name"
            }
        };
        (q, reason)
    }

    /// Two different people who look alike: the cases a matcher must not merge.
    fn look_alike(&mut self, r: &mut Rng, p: &mut BulkPatient) -> (BulkPatient, &'static str) {
        let mut q = self.person(r);
        let reason = match r.below(4) {
            0 => {
                q.family = p.family.clone();
                q.dob = p.dob;
                q.address = p.address.clone();
                q.phone = p.phone.clone();
                while q.given == p.given {
                    q.given = names::given_f()[r.below(names::given_f().len())].to_string();
                }
                "twins"
            }
            1 => {
                q.family = p.family.clone();
                q.given = p.given.clone();
                q.sex = p.sex;
                q.address = p.address.clone();
                q.dob = p.dob - Duration::days(r.range(20 * 365, 35 * 365));
                q.suffix = Some("Sr".into());
                p.suffix = Some("Jr".into());
                "father and son (Sr and Jr)"
            }
            2 => {
                q.family = p.family.clone();
                q.given = p.given.clone();
                q.dob = p.dob;
                "same name and date of birth, different people"
            }
            _ => {
                p.ssn = Some("999999999".into());
                q.ssn = Some("999999999".into());
                "both carry the placeholder SSN 999-99-9999"
            }
        };
        (q, reason)
    }
}

impl Iterator for Generator {
    type Item = BulkPatient;

    fn next(&mut self) -> Option<BulkPatient> {
        if self.emitted >= self.total {
            return None;
        }
        self.emitted += 1;
        if let Some(p) = self.pending.pop_front() {
            return Some(p);
        }
        let mut r = self.rng.fork();
        let mut p = self.person(&mut r);
        let room = self.total - self.emitted >= 1;
        let roll = r.below(1_000_000) as f64 / 1e6;
        if room && roll < DUPLICATE_RATE {
            let (q, reason) = self.duplicate_of(&mut r, &p);
            self.key.push(KeyPair {
                duplicate: true,
                reason,
                a: p.mrn.clone(),
                b: q.mrn.clone(),
            });
            self.pending.push_back(Self::finish(q));
        } else if room && roll < DUPLICATE_RATE + HARD_NON_DUPLICATE_RATE {
            let (q, reason) = self.look_alike(&mut r, &mut p);
            self.key.push(KeyPair {
                duplicate: false,
                reason,
                a: p.mrn.clone(),
                b: q.mrn.clone(),
            });
            self.pending.push_back(Self::finish(q));
        }
        Some(Self::finish(p))
    }
}

/// An SSN from the never-issued 9xx area (never the placeholder 999-99-9999).
fn ssn(r: &mut Rng) -> String {
    loop {
        let s = format!("9{:08}", r.below(100_000_000));
        if s != "999999999" {
            return s;
        }
    }
}

/// A phone number in the fictional 555 exchange.
fn phone(r: &mut Rng) -> String {
    format!("{}555{:04}", r.range(201, 989), r.below(10_000))
}

/// One random edit (deletion, insertion, substitution or transposition) of a name.
pub fn typo(r: &mut Rng, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 2 {
        c.push('e');
        return c.into_iter().collect();
    }
    let i = r.below(c.len() - 1) + 1;
    let letter = (b'a' + r.below(26) as u8) as char;
    match r.below(4) {
        0 => {
            c.remove(i);
        }
        1 => c.insert(i, letter),
        2 => {
            c[i] = if c[i].to_ascii_lowercase() == letter {
                'y'
            } else {
                letter
            };
        }
        _ => c.swap(i - 1, i),
    }
    let out: String = c.into_iter().collect();
    if out == s { format!("{s}e") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_records() {
        let a: Vec<_> = Generator::new(300, 7)
            .map(|p| (p.mrn, p.family, p.dob))
            .collect();
        let b: Vec<_> = Generator::new(300, 7)
            .map(|p| (p.mrn, p.family, p.dob))
            .collect();
        assert_eq!(a, b);
        assert_eq!(a.len(), 300);
        let c: Vec<_> = Generator::new(300, 8)
            .map(|p| (p.mrn, p.family, p.dob))
            .collect();
        assert_ne!(a, c);
    }

    #[test]
    fn ssns_are_never_issued_and_discharges_recent() {
        let mut g = Generator::new(2000, 1);
        let first = NaiveDate::from_ymd_opt(2024, 10, 1).unwrap().to_string();
        for p in g.by_ref() {
            if let Some(s) = &p.ssn {
                assert!(s.starts_with('9') && s.len() == 9);
            }
            assert!((1..=10).contains(&p.encounters.len()));
            for e in &p.encounters {
                if let Some(d) = &e.discharge {
                    assert!(d.as_str() >= first.as_str(), "{d}");
                    assert!(
                        d.as_str() > e.admit.as_str(),
                        "discharged {d} before admitted {}",
                        e.admit
                    );
                }
                assert!(!e.docs.is_empty());
            }
        }
        assert!(g.key.iter().any(|k| k.duplicate));
        assert!(g.key.iter().any(|k| !k.duplicate));
    }
}
