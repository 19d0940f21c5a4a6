//! Encounters, documents and codes of one patient.

use crate::domain::{CodedDiagnosis, CodedProcedure, Document, DocumentSummary, Encounter};

use super::StoreError;
use super::sql::{Row, Tx};
use crate::params;

pub fn encounters(db: &dyn Tx, patient_id: i64) -> Result<Vec<Encounter>, StoreError> {
    let mut out = Vec::new();
    for r in db.query(
        "SELECT id, account_number, type, admit_at, discharge_at, \
         coalesce((SELECT p.name FROM providers p WHERE p.id = attending_id), attending), service, \
         disposition, coding_status, version FROM encounters WHERE patient_id = ? \
         ORDER BY admit_at DESC",
        params![patient_id],
    )? {
        let id = r.int(0)?;
        out.push(Encounter {
            id,
            account_number: r.data(1)?,
            kind: r.data(2)?,
            admit_at: r.data(3)?,
            discharge_at: r.opt_data(4)?,
            attending: r.opt_data(5)?,
            service: r.opt_data(6)?,
            disposition: r.opt_data(7)?,
            coding_status: r.data(8)?,
            diagnoses: diagnoses(db, id)?,
            procedures: procedures(db, id)?,
            version: r.int(9)?,
        });
    }
    Ok(out)
}

fn diagnoses(db: &dyn Tx, encounter_id: i64) -> Result<Vec<CodedDiagnosis>, StoreError> {
    db.query(
        "SELECT d.code_system, d.code, d.sequence, d.poa, t.title FROM diagnoses d \
         LEFT JOIN code_titles t ON t.code_system = d.code_system AND t.code = d.code \
         WHERE d.encounter_id = ? ORDER BY d.sequence",
        params![encounter_id],
    )?
    .into_iter()
    .map(|r| {
        Ok(CodedDiagnosis {
            system: r.data(0)?,
            code: r.data(1)?,
            sequence: r.int(2)?,
            poa: r.opt_data(3)?,
            description: r.opt_data(4)?,
        })
    })
    .collect()
}

fn procedures(db: &dyn Tx, encounter_id: i64) -> Result<Vec<CodedProcedure>, StoreError> {
    db.query(
        "SELECT d.code_system, d.code, d.sequence, d.performed_on, t.title FROM procedures d \
         LEFT JOIN code_titles t ON t.code_system = d.code_system AND t.code = d.code \
         WHERE d.encounter_id = ? ORDER BY d.sequence",
        params![encounter_id],
    )?
    .into_iter()
    .map(|r| {
        Ok(CodedProcedure {
            system: r.data(0)?,
            code: r.data(1)?,
            sequence: r.int(2)?,
            performed_on: r.opt_data(3)?,
            description: r.opt_data(4)?,
        })
    })
    .collect()
}

const DOC_COLS: &str = "d.id, (SELECT e.account_number FROM encounters e WHERE e.id = d.encounter_id), \
     d.doc_type, d.title, coalesce((SELECT p.name FROM providers p WHERE p.id = d.author_id), d.author), \
     d.service_date, d.status, d.signed_by, d.signed_at, d.part2, d.psychotherapy, d.version";

fn summary(r: &Row) -> Result<DocumentSummary, StoreError> {
    Ok(DocumentSummary {
        id: r.int(0)?,
        encounter_account: r.opt_data(1)?,
        doc_type: r.data(2)?,
        title: r.data(3)?,
        author: r.opt_data(4)?,
        service_date: r.data(5)?,
        status: r.data(6)?,
        signed_by: r.opt_data(7)?,
        signed_at: r.opt_data(8)?,
        part2: r.flag(9)?,
        psychotherapy: r.flag(10)?,
        version: r.int(11)?,
    })
}

pub fn documents(db: &dyn Tx, patient_id: i64) -> Result<Vec<DocumentSummary>, StoreError> {
    let sql = format!(
        "SELECT {DOC_COLS} FROM documents d WHERE d.patient_id = ? ORDER BY d.service_date DESC, d.id"
    );
    db.query(&sql, params![patient_id])?
        .iter()
        .map(summary)
        .collect()
}

/// One document with its text, and the id of the patient it belongs to.
pub fn document(db: &dyn Tx, id: i64) -> Result<Option<(i64, Document)>, StoreError> {
    let sql = format!(
        "SELECT {DOC_COLS}, d.body, d.file_ref, d.patient_id FROM documents d WHERE d.id = ?"
    );
    db.query_row(&sql, params![id])?
        .map(|r| {
            Ok((
                r.int(14)?,
                Document {
                    summary: summary(&r)?,
                    text: r.opt_data(12)?,
                    file_ref: r.opt_data(13)?,
                },
            ))
        })
        .transpose()
}
