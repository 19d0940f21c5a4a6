//! From a parsed ADT message to what chartroom will change, field by field under the same
//! entry rules as a clerk's typing (#9). A field the rules refuse (an impossible SSN, a
//! bidi control in a name, a birth date in the future) is dropped from the change with a
//! warning that stays on the message; the rest is applied and the ACK is AA with a note.
//! A message that cannot be applied at all (no PID, no MRN, a new patient without a name)
//! is refused as a whole (AE) and kept in the error queue.

use chrono::NaiveDate;

use super::adt::{self, CodeFeed, Event, Header, PatientFeed, VisitFeed};
use super::parse::{Message, Value};
use crate::domain::{Mrn, Phone, Sex, Ssn, SsnEntry, clean_text};

/// A change to one column: set to a value, or erase (an HL7 `""`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Set(String),
    Erase,
}

/// Patient columns a message changes, in the store's names, with entry rules applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientChanges {
    pub columns: Vec<(&'static str, Change)>,
    /// Set when the SSN sent means "unknown" (stored as none, with this note).
    pub ssn_note: Option<String>,
}

impl PatientChanges {
    pub fn get(&self, col: &str) -> Option<&str> {
        self.columns.iter().find_map(|(c, v)| match v {
            Change::Set(s) if *c == col => Some(s.as_str()),
            _ => None,
        })
    }
}

/// Visit columns a message changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitChanges {
    pub account: String,
    pub columns: Vec<(&'static str, Change)>,
}

impl VisitChanges {
    pub fn get(&self, col: &str) -> Option<&str> {
        self.columns.iter().find_map(|(c, v)| match v {
            Change::Set(s) if *c == col => Some(s.as_str()),
            _ => None,
        })
    }
}

/// Everything a message asks, checked.
#[derive(Debug, Clone)]
pub struct Plan {
    pub header: Header,
    pub event: Event,
    pub mrn: Mrn,
    pub patient: PatientChanges,
    pub visit: Option<VisitChanges>,
    /// A40: the MRN merged away.
    pub merge_from: Option<Mrn>,
    pub codes: Vec<CodeFeed>,
    /// Fields dropped under the entry rules, said plainly.
    pub warnings: Vec<String>,
}

/// Why a message is refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// AE: the message is wrong; fix it and send it again.
    Error(String),
    /// AR: a message chartroom does not take (not an ADT event it reads).
    Reject(String),
}

/// Plans one parsed message; `today` refuses birth dates in the future.
pub fn plan(m: &Message, today: NaiveDate) -> Result<Plan, Refused> {
    let header = Header::read(m);
    if header.control_id.trim().is_empty() {
        return Err(Refused::Error(
            "MSH-10 (the message control id) is empty; the sender must number its messages".into(),
        ));
    }
    let Some(event) = Event::of(&header) else {
        return Err(Refused::Reject(format!(
            "chartroom takes ADT A01, A03, A04, A05, A08, A28, A31 and A40; this is {}^{}",
            header.message_type, header.trigger
        )));
    };
    let feed = adt::patient(m)
        .ok_or_else(|| Refused::Error("the message has no PID segment (the patient)".into()))?;
    let mrn = Mrn::parse(&feed.mrn)
        .map_err(|e| Refused::Error(format!("PID-3 (the medical record number): {e}")))?;
    let mut warnings = Vec::new();
    let patient = patient_changes(&feed, today, &mut warnings);
    let visit = match event {
        Event::Visit | Event::Discharge => match adt::visit(m) {
            Some(v) => Some(visit_changes(&v, event, &mut warnings)?),
            None if event == Event::Discharge => {
                return Err(Refused::Error(
                    "an A03 (discharge) needs a PV1 segment with the visit number".into(),
                ));
            }
            None => None,
        },
        _ => None,
    };
    let merge_from = match event {
        Event::Merge => {
            let from = adt::merged_mrn(m).ok_or_else(|| {
                Refused::Error("an A40 (merge) needs MRG-1, the MRN being merged away".into())
            })?;
            Some(Mrn::parse(&from).map_err(|e| Refused::Error(format!("MRG-1: {e}")))?)
        }
        _ => None,
    };
    let codes = adt::codes(m)
        .into_iter()
        .filter(|c| !c.code.trim().is_empty())
        .collect();
    Ok(Plan {
        header,
        event,
        mrn,
        patient,
        visit,
        merge_from,
        codes,
        warnings,
    })
}

fn text_col(
    out: &mut PatientChanges,
    col: &'static str,
    label: &'static str,
    v: &Value,
    max: usize,
    required: bool,
    warnings: &mut Vec<String>,
) {
    match v {
        Value::Absent => {}
        Value::Null if required => warnings.push(format!(
            "the {label} cannot be erased; it was left as it was"
        )),
        Value::Null => out.columns.push((col, Change::Erase)),
        Value::Text(t) => match clean_text(label, &one_line(t), max, required) {
            Ok(Some(s)) => out.columns.push((col, Change::Set(s))),
            Ok(None) => {}
            Err(e) => warnings.push(format!("{e} (not filed)")),
        },
    }
}

fn patient_changes(f: &PatientFeed, today: NaiveDate, w: &mut Vec<String>) -> PatientChanges {
    let mut out = PatientChanges::default();
    text_col(&mut out, "family", "family name", &f.family, 80, true, w);
    text_col(&mut out, "given", "given name", &f.given, 80, true, w);
    text_col(&mut out, "middle", "middle name", &f.middle, 80, false, w);
    text_col(&mut out, "suffix", "name suffix", &f.suffix, 20, false, w);
    text_col(
        &mut out,
        "address",
        "street address",
        &f.address,
        200,
        false,
        w,
    );
    text_col(&mut out, "city", "city", &f.city, 80, false, w);
    text_col(&mut out, "state", "state", &f.state, 40, false, w);
    text_col(
        &mut out,
        "postal_code",
        "postal code",
        &f.postal_code,
        20,
        false,
        w,
    );
    match &f.dob {
        Value::Text(t) => match adt::hl7_time(t, false) {
            Some(d) if d.as_str() > today.format("%Y-%m-%d").to_string().as_str() => w.push(
                format!("the date of birth {d} is in the future (not filed)"),
            ),
            Some(d) => out.columns.push(("dob", Change::Set(d))),
            None => w.push(format!(
                "PID-7, the date of birth {:?}, is not a date (YYYYMMDD); not filed",
                shown(t)
            )),
        },
        Value::Null => w.push("the date of birth cannot be erased; it was left as it was".into()),
        Value::Absent => {}
    }
    match &f.sex {
        Value::Text(t) => match Sex::parse(t) {
            Ok(s) => out.columns.push(("sex", Change::Set(s.code().to_string()))),
            Err(e) => w.push(format!("{e} (not filed)")),
        },
        Value::Null => w.push("the sex cannot be erased; it was left as it was".into()),
        Value::Absent => {}
    }
    match &f.ssn {
        Value::Text(t) => match Ssn::entry(t) {
            Ok(SsnEntry::Known(s)) => {
                out.columns
                    .push(("ssn", Change::Set(s.digits().to_string())));
            }
            Ok(SsnEntry::Unknown(sent)) => {
                out.columns.push(("ssn", Change::Erase));
                out.ssn_note = Some(format!(
                    "the SSN was sent as {sent}, which means unknown; no SSN is on file"
                ));
            }
            Err(e) => w.push(format!("{e} (the SSN sent was not filed)")),
        },
        Value::Null => out.columns.push(("ssn", Change::Erase)),
        Value::Absent => {}
    }
    match &f.phone {
        Value::Text(t) => match Phone::parse(t) {
            Ok(p) => out
                .columns
                .push(("phone", Change::Set(p.digits().to_string()))),
            Err(e) => w.push(format!("{e} (not filed)")),
        },
        Value::Null => out.columns.push(("phone", Change::Erase)),
        Value::Absent => {}
    }
    match f.deceased.text().map(|s| s.trim().to_ascii_uppercase()) {
        Some(y) if y == "Y" => out.columns.push(("deceased", Change::Set("1".into()))),
        Some(n) if n == "N" => out.columns.push(("deceased", Change::Set("0".into()))),
        Some(other) => w.push(format!(
            "PID-30 (death indicator) {:?} is neither Y nor N; not filed",
            shown(&other)
        )),
        None => {}
    }
    out
}

fn visit_changes(
    v: &VisitFeed,
    event: Event,
    w: &mut Vec<String>,
) -> Result<VisitChanges, Refused> {
    if v.account.is_empty() {
        return Err(Refused::Error(
            "the visit has no number: send it in PV1-19 (or PID-18)".into(),
        ));
    }
    let account = clean_text("visit number", &v.account, 40, true)
        .map_err(|e| Refused::Error(format!("PV1-19: {e}")))?
        .unwrap_or_default();
    let mut out = VisitChanges {
        account,
        columns: Vec::new(),
    };
    if let Some(c) = v.class.text().map(|s| s.trim().to_ascii_uppercase()) {
        let kind = match c.as_str() {
            "I" => "inpatient",
            "E" => "emergency",
            "O" | "R" | "B" | "P" => "outpatient",
            "OBS" | "U" => "observation",
            _ => {
                w.push(format!(
                    "PV1-2, the patient class {:?}, is not one chartroom knows (I, O, E, R, B, P); not filed",
                    shown(&c)
                ));
                ""
            }
        };
        if !kind.is_empty() {
            out.columns.push(("type", Change::Set(kind.into())));
        }
    }
    for (col, label, val, max) in [
        ("attending", "attending", &v.attending, 120),
        ("service", "hospital service", &v.service, 80),
        ("disposition", "discharge disposition", &v.disposition, 80),
    ] {
        match val {
            Value::Absent => {}
            Value::Null => out.columns.push((col, Change::Erase)),
            Value::Text(t) => match clean_text(label, t, max, false) {
                Ok(Some(s)) => out.columns.push((col, Change::Set(s))),
                Ok(None) => {}
                Err(e) => w.push(format!("{e} (not filed)")),
            },
        }
    }
    for (col, label, val) in [
        ("admit_at", "PV1-44, the admit time", &v.admit),
        ("discharge_at", "PV1-45, the discharge time", &v.discharge),
    ] {
        match val {
            Value::Absent => {}
            Value::Null if col == "discharge_at" => out.columns.push((col, Change::Erase)),
            Value::Null => w.push(format!("{label} cannot be erased; it was left as it was")),
            Value::Text(t) => match adt::hl7_time(t, true) {
                Some(s) => out.columns.push((col, Change::Set(s))),
                None => w.push(format!(
                    "{label} {:?} is not a time (YYYYMMDDHHMM); not filed",
                    shown(t)
                )),
            },
        }
    }
    if event == Event::Discharge && out.get("discharge_at").is_none() {
        return Err(Refused::Error(
            "an A03 (discharge) needs PV1-45, the discharge time".into(),
        ));
    }
    if let (Some(a), Some(d)) = (out.get("admit_at"), out.get("discharge_at"))
        && d < a
    {
        return Err(Refused::Error(format!(
            "the discharge time {d} is before the admit time {a}"
        )));
    }
    Ok(out)
}

/// A one-line field sent with line breaks (`\.br\`): the breaks become spaces.
fn one_line(s: &str) -> String {
    s.replace("\r\n", " ").replace(['\r', '\n'], " ")
}

/// A value as it may be quoted back in a warning: no control characters, at most 40 chars.
fn shown(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(40).collect()
}
