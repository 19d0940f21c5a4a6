//! What an ADT message says about a patient and a visit, read field by field (HL7 v2.3–2.8
//! positions). Nothing here is checked against chartroom's entry rules yet: the service does
//! that per field, so that one bad field is dropped with a warning and the rest applied.

use super::parse::{Message, Value};

/// The header facts that identify a message and its sender (MSH-3, MSH-4, MSH-10).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    pub sending_app: String,
    pub sending_facility: String,
    pub control_id: String,
    /// MSH-9.1 and MSH-9.2, e.g. ADT and A01.
    pub message_type: String,
    pub trigger: String,
    pub version: String,
}

impl Header {
    pub fn read(m: &Message) -> Header {
        Header {
            sending_app: m.text("MSH-3"),
            sending_facility: m.text("MSH-4"),
            control_id: m.text("MSH-10"),
            message_type: m.text("MSH-9.1").to_ascii_uppercase(),
            trigger: m.text("MSH-9.2").to_ascii_uppercase(),
            version: m.text("MSH-12"),
        }
    }

    /// The sender, as the idempotency key knows it ("APP@FACILITY").
    pub fn sender(&self) -> String {
        format!("{}@{}", self.sending_app, self.sending_facility)
    }
}

/// What an ADT event asks chartroom to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A01 admit, A04 register, A05 pre-admit, A08 update: the patient and the visit.
    Visit,
    /// A03: the visit ended (its discharge time).
    Discharge,
    /// A28 add person, A31 update person: the patient only.
    Person,
    /// A40: merge the patient in MRG into the one in PID.
    Merge,
}

impl Event {
    pub fn of(h: &Header) -> Option<Event> {
        if h.message_type != "ADT" {
            return None;
        }
        Some(match h.trigger.as_str() {
            "A01" | "A04" | "A05" | "A08" => Event::Visit,
            "A03" => Event::Discharge,
            "A28" | "A31" => Event::Person,
            "A40" => Event::Merge,
            _ => return None,
        })
    }
}

/// The patient as PID describes it. `Absent` leaves what is stored, `Null` (`""`) erases it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientFeed {
    pub mrn: String,
    pub family: Value,
    pub given: Value,
    pub middle: Value,
    pub suffix: Value,
    /// PID-7, as sent (YYYYMMDD[HHMM…]).
    pub dob: Value,
    pub sex: Value,
    pub ssn: Value,
    pub address: Value,
    pub city: Value,
    pub state: Value,
    pub postal_code: Value,
    pub phone: Value,
    /// PID-30: Y or N.
    pub deceased: Value,
}

/// The visit as PV1 (and PID-18) describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitFeed {
    pub account: String,
    /// PV1-2 patient class: I, O, E, P, R, B …
    pub class: Value,
    pub attending: Value,
    pub service: Value,
    pub disposition: Value,
    /// PV1-44, PV1-45 as sent.
    pub admit: Value,
    pub discharge: Value,
}

/// A diagnosis (DG1) or procedure (PR1) the sending system reported for the visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeFeed {
    /// DG1 or PR1.
    pub segment: &'static str,
    pub code: String,
    /// The coding system as sent (I10, ICD10CM, I10P, CPT, …).
    pub system: String,
    pub text: String,
    /// DG1-6 diagnosis type (A admitting, W working, F final); PR1-5 date for procedures.
    pub kind: String,
}

/// The identifier of the patient chartroom files the record under: PID-3's repetition of
/// type MR (medical record number), else its first repetition.
fn mrn_of(m: &Message, seg: &super::parse::Segment, field: usize) -> String {
    let n = m.repetitions(seg, field);
    let mut first = String::new();
    for r in 0..n {
        let id = m.get(seg, field, r, 1, 1);
        let kind = m.get(seg, field, r, 5, 1);
        if let Value::Text(id) = id {
            if kind.text().is_some_and(|k| k.eq_ignore_ascii_case("MR")) {
                return id.trim().to_string();
            }
            if first.is_empty() {
                first = id.trim().to_string();
            }
        }
    }
    first
}

/// PID, or None when the message has none (the service refuses it).
pub fn patient(m: &Message) -> Option<PatientFeed> {
    let pid = m.segment("PID")?;
    let g = |f: usize, c: usize| m.get(pid, f, 0, c, 1);
    let mut mrn = mrn_of(m, pid, 3);
    if mrn.is_empty() {
        // v2.3 senders sometimes use PID-2 (the external id) alone.
        mrn = mrn_of(m, pid, 2);
    }
    // PID-13: a formatted number in .1, or area code and number in .6 and .7.
    let phone = match (g(13, 1), g(13, 6), g(13, 7)) {
        (Value::Text(t), _, _) => Value::Text(t),
        (_, Value::Text(a), Value::Text(n)) => Value::Text(format!("{a}{n}")),
        (v, _, _) => v,
    };
    Some(PatientFeed {
        mrn,
        family: g(5, 1),
        given: g(5, 2),
        middle: g(5, 3),
        suffix: g(5, 4),
        dob: g(7, 1),
        sex: g(8, 1),
        ssn: g(19, 1),
        address: g(11, 1),
        city: g(11, 3),
        state: g(11, 4),
        postal_code: g(11, 5),
        phone,
        deceased: g(30, 1),
    })
}

/// PV1 (with PID-18 for the account number when PV1-19 is empty).
pub fn visit(m: &Message) -> Option<VisitFeed> {
    let pv1 = m.segment("PV1")?;
    let g = |f: usize, c: usize| m.get(pv1, f, 0, c, 1);
    let mut account = g(19, 1).text().unwrap_or("").trim().to_string();
    if account.is_empty() {
        account = m.text("PID-18").trim().to_string();
    }
    // PV1-7 attending (XCN): id ^ family ^ given; the name is what the chart shows.
    let attending = match (g(7, 2), g(7, 3)) {
        (Value::Text(f), Value::Text(gv)) => Value::Text(format!("{f}, {gv}")),
        (Value::Text(f), _) => Value::Text(f),
        (Value::Null, _) => Value::Null,
        _ => Value::Absent,
    };
    Some(VisitFeed {
        account,
        class: g(2, 1),
        attending,
        service: g(10, 1),
        disposition: g(36, 1),
        admit: g(44, 1),
        discharge: g(45, 1),
    })
}

/// MRG-1: the MRN being merged away (A40).
pub fn merged_mrn(m: &Message) -> Option<String> {
    let mrg = m.segment("MRG")?;
    let id = mrn_of(m, mrg, 1);
    (!id.is_empty()).then_some(id)
}

/// DG1 and PR1 segments: the code (field 3) and, for DG1, its type (DG1-6); for PR1, its
/// date (PR1-5).
pub fn codes(m: &Message) -> Vec<CodeFeed> {
    let mut out = Vec::new();
    for (segment, kind_field) in [("DG1", 6), ("PR1", 5)] {
        for s in m.all(segment) {
            let g = |f: usize, c: usize| m.get(s, f, 0, c, 1).text().unwrap_or("").to_string();
            out.push(CodeFeed {
                segment,
                code: g(3, 1),
                system: g(3, 3),
                text: g(3, 2),
                kind: g(kind_field, 1),
            });
        }
    }
    out
}

/// An HL7 date or date-time (YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ]) as chartroom stores
/// it: "YYYY-MM-DD" for a date, "YYYY-MM-DD HH:MM" for a time. None when it cannot be read.
pub fn hl7_time(s: &str, want_time: bool) -> Option<String> {
    let digits: String = s
        .trim()
        .split(['+', '-'])
        .next()?
        .split('.')
        .next()?
        .to_string();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() < 8 {
        return None;
    }
    let num = |a: usize, b: usize| digits.get(a..b).and_then(|x| x.parse::<u32>().ok());
    let date = chrono::NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(4, 6)?, num(6, 8)?)?;
    if !want_time {
        return Some(date.format("%Y-%m-%d").to_string());
    }
    let h = num(8, 10).unwrap_or(0);
    let mi = num(10, 12).unwrap_or(0);
    if h > 23 || mi > 59 {
        return None;
    }
    Some(format!("{} {h:02}:{mi:02}", date.format("%Y-%m-%d")))
}
