//! HL7 v2 feeds: applying a group of ADT messages in one write transaction, each message
//! inside its own savepoint, so that a message that cannot be applied leaves nothing behind
//! while the others in the group still apply; the error queue; replaying after a fix.
//!
//! Idempotent by sender and control id (MSH-3, MSH-4, MSH-10): a message already applied is
//! acknowledged again and changes nothing; the same id with different content is refused
//! and queued. Only applied messages count as seen, so a corrected resend after an AE is
//! applied. A store that fails (busy, full, gone) fails the whole group: nothing is
//! acknowledged AA and the sender sends again.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::{Action, Mrn, NewPatient, Object, Outcome, PatientFlags, Permission, Sex};
use crate::hl7::adt::{Event, Header};
use crate::hl7::plan::{self, Plan, Refused};
use crate::hl7::{AckCode, Message, ack};
use crate::search::fold;
use crate::store::{self, Tx, hl7::ErrorRow};

use super::entry::{Cx, Op};
use super::{Result, Service, ServiceError};

/// What happened to one message of a group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hl7Outcome {
    pub control_id: String,
    pub message_type: String,
    pub code: AckCode,
    /// Why it was refused, or which fields were dropped, in plain words.
    pub notes: Vec<String>,
    /// The MRN it was filed under, when it was applied.
    pub mrn: Option<String>,
    /// It had been applied before; nothing changed.
    pub duplicate: bool,
    /// Its place in the error queue, when it was queued.
    pub queued: Option<i64>,
    /// The acknowledgement to send back, in the sender's delimiters.
    pub ack: String,
}

/// The error queue and what is in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hl7Errors {
    pub open: i64,
    pub rows: Vec<ErrorRow>,
}

enum Applied {
    Done {
        mrn: Mrn,
        duplicate: bool,
        warnings: Vec<String>,
    },
    Refused(AckCode, String),
}

impl Service {
    /// Applies a group of messages (a batch file's next few hundred, or what arrived on the
    /// listener's connections together) in one transaction. Needs the edit permission.
    pub fn hl7_apply(&mut self, messages: &[String]) -> Result<Vec<Hl7Outcome>> {
        let today = self.clock.today();
        let now_hl7 = self.clock.now().format("%Y%m%d%H%M%S").to_string();
        let template = self.event(Action::PatientCreate, None, Outcome::Ok);
        let mut op = Op::write(Action::Hl7Receive, Permission::Edit);
        op.quiet = false;
        let parsed: Vec<_> = messages
            .iter()
            .map(|m| {
                let parsed = Message::parse_str(m);
                let planned = parsed
                    .as_ref()
                    .map_err(|e| Refused::Error(format!("the message cannot be read: {e}")))
                    .and_then(|msg| plan::plan(msg, today));
                (parsed, planned)
            })
            .collect();
        self.run(op, |cx| {
            let mut index = Vec::new();
            let mut out = Vec::with_capacity(messages.len());
            let (mut applied, mut refused) = (0, 0);
            for (i, (parsed, planned)) in parsed.iter().enumerate() {
                let body = &messages[i];
                let header = match parsed {
                    Ok(m) => Header::read(m),
                    Err(_) => Header::default(),
                };
                let result = match planned {
                    Err(Refused::Error(why)) => Applied::Refused(AckCode::AE, why.clone()),
                    Err(Refused::Reject(why)) => Applied::Refused(AckCode::AR, why.clone()),
                    Ok(p) => apply_one(cx, p, body, &template, &mut index)?,
                };
                let delims = parsed.as_ref().map(|m| m.delimiters).unwrap_or_default();
                let ack_id = format!("CR{now_hl7}{i:04}");
                let o = match result {
                    Applied::Done {
                        mrn,
                        duplicate,
                        warnings,
                    } => {
                        applied += 1;
                        let mut notes = warnings;
                        if duplicate {
                            notes.insert(0, "already applied; nothing changed".into());
                        }
                        Hl7Outcome {
                            ack: ack::build(
                                &delims,
                                &header,
                                AckCode::AA,
                                &notes,
                                &now_hl7,
                                &ack_id,
                            ),
                            control_id: header.control_id.clone(),
                            message_type: type_of(&header),
                            code: AckCode::AA,
                            notes,
                            mrn: Some(mrn.to_string()),
                            duplicate,
                            queued: None,
                        }
                    }
                    Applied::Refused(code, why) => {
                        refused += 1;
                        let id = store::hl7::queue_error(
                            cx.tx,
                            cx.now,
                            &header.sender(),
                            &header.control_id,
                            &type_of(&header),
                            code.as_str(),
                            &why,
                            body,
                        )?;
                        let notes = vec![why];
                        Hl7Outcome {
                            ack: ack::build(&delims, &header, code, &notes, &now_hl7, &ack_id),
                            control_id: header.control_id.clone(),
                            message_type: type_of(&header),
                            code,
                            notes,
                            mrn: None,
                            duplicate: false,
                            queued: Some(id),
                        }
                    }
                };
                out.push(o);
            }
            store::search_index::add_many(cx.tx, &index)?;
            cx.note.detail = Some(format!(
                "messages={} applied={applied} refused={refused}",
                messages.len()
            ));
            Ok(out)
        })
    }

    /// The error queue (open entries, or all with `all`), newest first.
    pub fn hl7_errors(&mut self, all: bool, limit: i64) -> Result<Hl7Errors> {
        let op = Op::read(Action::Hl7ErrorsRead, Permission::Edit);
        self.run(op, |cx| {
            let rows = store::hl7::errors(cx.tx, all, limit)?;
            cx.note.detail = Some(format!("rows={}", rows.len()));
            Ok(Hl7Errors {
                open: store::hl7::open_error_count(cx.tx)?,
                rows,
            })
        })
    }

    /// One queued message with its text, to read before fixing it.
    pub fn hl7_error(&mut self, id: i64) -> Result<ErrorRow> {
        let op = Op::read(Action::Hl7ErrorsRead, Permission::Edit);
        self.run(op, |cx| {
            cx.note.detail = Some(format!("hl7_error={id}"));
            store::hl7::error(cx.tx, id)?
                .ok_or_else(|| ServiceError::NotFound(format!("error-queue entry {id}")))
        })
    }

    /// Sends a queued message through again (after the cause was fixed: the patient now
    /// exists, the merge service is there). Applied: the entry is closed as replayed. Still
    /// refused: the entry stays open and a new one records this try.
    pub fn hl7_replay(&mut self, id: i64) -> Result<Hl7Outcome> {
        let row = self.hl7_error(id)?;
        if row.status != "open" {
            return Err(ServiceError::Usage(format!(
                "error-queue entry {id} is already {}",
                row.status
            )));
        }
        let body = row.body.map(|b| b.into_raw()).unwrap_or_default();
        let mut out = self.hl7_apply(std::slice::from_ref(&body))?;
        let o = out.pop().expect("one message in, one out");
        if o.code == AckCode::AA {
            let by = self.actor.user.username.raw().to_string();
            let op = Op::write(Action::Hl7Replay, Permission::Edit);
            self.run(op, |cx| {
                cx.note.detail = Some(format!("hl7_error={id}"));
                store::hl7::resolve_error(cx.tx, id, "replayed", &by, cx.now)?;
                Ok(())
            })?;
        }
        Ok(o)
    }

    /// Closes a queued message without applying it, with the reason.
    pub fn hl7_dismiss(&mut self, id: i64, reason: &str) -> Result<()> {
        let reason = crate::domain::clean_text("reason", reason, 500, true)?.unwrap_or_default();
        let by = self.actor.user.username.raw().to_string();
        let op = Op::write(Action::Hl7Dismiss, Permission::Edit);
        self.run(op, |cx| {
            cx.note.detail = Some(format!("hl7_error={id} reason={reason}"));
            if !store::hl7::resolve_error(cx.tx, id, "dismissed", &by, cx.now)? {
                return Err(ServiceError::Usage(format!(
                    "error-queue entry {id} is not open"
                )));
            }
            Ok(())
        })
    }
}

fn type_of(h: &Header) -> String {
    if h.message_type.is_empty() {
        String::new()
    } else {
        format!("{}^{}", h.message_type, h.trigger)
    }
}

fn digest(body: &str) -> String {
    // Segment ends differ between senders and files; the content is what is compared.
    let norm: Vec<&str> = body
        .split(['\r', '\n'])
        .filter(|l| !l.trim().is_empty())
        .collect();
    hex::encode(Sha256::digest(norm.join("\r").as_bytes()))
}

/// One message inside its own savepoint: applied whole, or refused with nothing left.
fn apply_one(
    cx: &mut Cx<'_>,
    p: &Plan,
    body: &str,
    template: &store::audit::AuditEvent,
    index: &mut Vec<(i64, Vec<String>)>,
) -> Result<Applied> {
    let tx = cx.tx;
    let sender = p.header.sender();
    let dig = digest(body);
    match store::hl7::applied_digest(tx, &sender, &p.header.control_id)? {
        Some(d) if d == dig => {
            return Ok(Applied::Done {
                mrn: p.mrn.clone(),
                duplicate: true,
                warnings: Vec::new(),
            });
        }
        Some(_) => {
            return Ok(Applied::Refused(
                AckCode::AE,
                format!(
                    "{sender} already sent a different message with control id {}; a control id names one message",
                    p.header.control_id
                ),
            ));
        }
        None => {}
    }
    if p.event == Event::Merge {
        return Ok(Applied::Refused(
            AckCode::AE,
            format!(
                "merging {} into {} from a feed needs the duplicate-merge service, which this chartroom does not have yet; the message is kept to replay",
                p.merge_from
                    .as_ref()
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
                p.mrn
            ),
        ));
    }
    // New patients' search entries are written once for the whole group. A message about
    // a patient already filed may change their names: write what is pending first, outside
    // this message's savepoint, so that its removal of the old names finds them.
    if !index.is_empty() && store::hl7::patient_by_mrn(tx, p.mrn.as_str())?.is_some() {
        store::search_index::add_many(tx, index)?;
        index.clear();
    }
    tx.execute_batch("SAVEPOINT hl7_message")?;
    let mut new_entry = None;
    match apply_changes(tx, p, cx.now, template, &mut new_entry) {
        Ok(Ok(patient_id)) => {
            index.extend(new_entry);
            store::hl7::mark_applied(
                tx,
                &sender,
                &p.header.control_id,
                &dig,
                &type_of(&p.header),
                Some(patient_id),
                cx.now,
                &p.warnings,
            )?;
            tx.execute_batch("RELEASE hl7_message")?;
            Ok(Applied::Done {
                mrn: p.mrn.clone(),
                duplicate: false,
                warnings: p.warnings.clone(),
            })
        }
        Ok(Err(why)) => {
            tx.execute_batch("ROLLBACK TO hl7_message; RELEASE hl7_message")?;
            Ok(Applied::Refused(AckCode::AE, why))
        }
        Err(e) => Err(e),
    }
}

/// The patient and visit changes with their audit rows; `Ok(Err(why))` when the message
/// cannot be applied (the savepoint is rolled back).
fn apply_changes(
    tx: &dyn Tx,
    p: &Plan,
    now: &str,
    template: &store::audit::AuditEvent,
    new_entry: &mut Option<(i64, Vec<String>)>,
) -> Result<std::result::Result<i64, String>> {
    let audit = |action: Action, patient_id: i64, detail: String| {
        let mut e = template.clone();
        e.action = action;
        e.patient_id = Some(patient_id);
        e.object = Some(Object::Patient(p.mrn.clone()));
        e.detail = Some(detail);
        store::audit::append(tx, &e)
    };
    let by = store::hl7::By {
        user_id: template.user_id,
        username: &template.username,
    };
    let id = match store::hl7::patient_by_mrn(tx, p.mrn.as_str())? {
        Some(f) if f.merged_into.is_some() => {
            return Ok(Err(format!(
                "the MRN {} was merged into another record; send the surviving MRN",
                p.mrn
            )));
        }
        Some(f) => {
            let changed = store::hl7::update_patient(
                tx,
                f.id,
                &p.patient.columns,
                p.patient.ssn_note.as_deref(),
                &by,
                now,
            )?;
            if changed
                .iter()
                .any(|c| ["family", "given", "middle"].contains(c))
            {
                store::search_index::remove(
                    tx,
                    f.id,
                    &fold::patient_tokens(f.names.iter().map(String::as_str)),
                )?;
                let after = store::hl7::patient_by_mrn(tx, p.mrn.as_str())?.expect("updated above");
                store::search_index::add(
                    tx,
                    f.id,
                    &fold::patient_tokens(after.names.iter().map(String::as_str)),
                )?;
            }
            if !changed.is_empty() {
                audit(
                    Action::PatientUpdate,
                    f.id,
                    format!("source=hl7 fields={}", changed.join(",")),
                )?;
            }
            f.id
        }
        None => match new_patient(p) {
            Ok(np) => {
                let id = store::patients::insert(tx, &np, &p.mrn, now)?;
                let mut names = vec![np.family.as_str(), np.given.as_str()];
                names.extend(np.middle.as_deref());
                *new_entry = Some((id, fold::patient_tokens(names)));
                audit(Action::PatientCreate, id, "source=hl7".into())?;
                id
            }
            Err(why) => return Ok(Err(why)),
        },
    };
    if let Some(v) = &p.visit {
        let visit_id = match store::hl7::visit_by_account(tx, &v.account)? {
            Some((_, owner)) if owner != id => {
                return Ok(Err(format!(
                    "visit {} belongs to another patient, not to MRN {}",
                    v.account, p.mrn
                )));
            }
            Some((vid, _)) => {
                let changed = store::hl7::update_visit(tx, id, vid, &v.columns, &by, now)?;
                if !changed.is_empty() {
                    audit(
                        Action::EncounterUpdate,
                        id,
                        format!(
                            "source=hl7 visit={} fields={}",
                            v.account,
                            changed.join(",")
                        ),
                    )?;
                }
                vid
            }
            None => {
                if v.get("admit_at").is_none() {
                    return Ok(Err(format!(
                        "visit {} is new to chartroom and the message has no admit time (PV1-44)",
                        v.account
                    )));
                }
                if v.get("type").is_none() {
                    return Ok(Err(format!(
                        "visit {} is new to chartroom and the message has no patient class (PV1-2)",
                        v.account
                    )));
                }
                let vid = store::hl7::insert_visit(tx, id, &v.account, &v.columns)?;
                audit(
                    Action::EncounterCreate,
                    id,
                    format!("source=hl7 visit={}", v.account),
                )?;
                vid
            }
        };
        store::hl7::add_reported_codes(tx, visit_id, &p.codes)?;
    }
    Ok(Ok(id))
}

/// A patient new to chartroom, from the message: name, birth date and sex are needed.
fn new_patient(p: &Plan) -> std::result::Result<NewPatient, String> {
    let c = &p.patient;
    let need = |col: &str, what: &str| {
        c.get(col).map(str::to_string).ok_or_else(|| {
            format!(
                "MRN {} is new to chartroom and the message has no usable {what}; nothing was registered",
                p.mrn
            )
        })
    };
    let family = need("family", "family name (PID-5.1)")?;
    let given = need("given", "given name (PID-5.2)")?;
    let dob = need("dob", "date of birth (PID-7)")?;
    let sex = need("sex", "sex (PID-8)")?;
    let opt = |col: &str| c.get(col).map(str::to_string);
    Ok(NewPatient {
        mrn: Some(p.mrn.clone()),
        family,
        given,
        middle: opt("middle"),
        suffix: opt("suffix"),
        dob: chrono::NaiveDate::parse_from_str(&dob, "%Y-%m-%d").map_err(|e| e.to_string())?,
        sex: Sex::parse(&sex).map_err(|e| e.to_string())?,
        ssn: opt("ssn").and_then(|s| crate::domain::Ssn::from_stored(&s)),
        ssn_note: c.ssn_note.clone(),
        address: opt("address"),
        city: opt("city"),
        state: opt("state"),
        postal_code: opt("postal_code"),
        phone: opt("phone").and_then(|s| crate::domain::Phone::from_stored(&s)),
        flags: PatientFlags {
            deceased: opt("deceased").as_deref() == Some("1"),
            ..PatientFlags::default()
        },
        previous_names: Vec::new(),
    })
}
