//! Finding, showing and registering patients.

use chrono::Datelike;
use serde::Serialize;

use crate::domain::{Chart, Document, Mrn, NewPatient, PatientInput, Permission};
use crate::search::{SearchIndex, Total, fold};
use crate::store::{self, Sql, StoreError, patients::PatientRow};

use super::restricted::sensitive_kinds;
use super::{Access, Result, Service, ServiceError};

/// One ranked search result.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    #[serde(flatten)]
    pub row: PatientRow,
    pub score: u32,
}

/// A registered patient and the existing patients that look like the same person.
#[derive(Debug, Clone, Serialize)]
pub struct AddOutcome {
    pub mrn: String,
    pub likely_duplicates: Vec<PatientRow>,
}

impl Service {
    fn index(&mut self) -> Result<&SearchIndex> {
        match &mut self.index {
            Some(ix) => ix.refresh(self.db.as_ref())?,
            None => self.index = Some(SearchIndex::load(self.db.as_ref())?),
        }
        Ok(self.index.as_ref().expect("loaded above"))
    }

    /// Ranked patients for a typed query. Audited as the fact and the result count; the query
    /// text is never stored.
    pub fn find(&mut self, query: &str, limit: usize) -> Result<Vec<Found>> {
        Ok(self.find_counted(query, limit)?.0)
    }

    /// [`Service::find`], with how many patients the query matched (exact up to 10,000).
    pub fn find_counted(&mut self, query: &str, limit: usize) -> Result<(Vec<Found>, Total)> {
        self.require(Permission::Search, "search", None)?;
        self.index()?;
        let ix = self.index.as_ref().expect("loaded");
        let db = self.db.as_ref();
        let (found, total) = store::read_tx(db, |db| {
            let r = crate::search::rank::find(ix, db, query, limit)?;
            let found = r.rows.into_iter().map(|(row, score)| Found { row, score });
            Ok((found.collect::<Vec<_>>(), r.total))
        })?;
        let mut e = self.event("search", None, "ok");
        e.detail = Some(format!("results={}", found.len()));
        self.audit_read(&e)?;
        Ok((found, total))
    }

    /// Reads the whole search index into memory, so that later searches in this process
    /// read no postings (for a long-running process; tens of milliseconds per million
    /// patients).
    pub fn warm_search(&mut self) -> Result<()> {
        self.index()?;
        let ix = self.index.as_ref().expect("loaded");
        store::read_tx(self.db.as_ref(), |db| ix.warm(db))?;
        Ok(())
    }

    /// The whole chart of one patient; audited as a chart open. A restricted, employee or
    /// Part 2 record is refused with `ServiceError::Restricted`: use [`Service::show_with`].
    pub fn show(&mut self, mrn: &str) -> Result<Chart> {
        self.show_with(mrn, &Access::Normal)
    }

    /// The whole chart, with a break-the-glass reason for restricted records (see
    /// `service/restricted.rs`). The user's own record is always refused.
    pub fn show_with(&mut self, mrn: &str, access: &Access) -> Result<Chart> {
        let mrn = Mrn::parse(mrn)?;
        let (patient, encounters, documents) = store::read_tx(self.db(), |db| {
            let p = store::patients::by_mrn(db, &mrn)?
                .ok_or_else(|| StoreError::NotFound(format!("the MRN {mrn}")))?;
            let enc = store::chart::encounters(db, p.id)?;
            let docs = store::chart::documents(db, p.id)?;
            Ok((p, enc, docs))
        })
        .map_err(not_found)?;
        self.require(Permission::ViewChart, "chart_open", Some(patient.id))?;
        let kinds = sensitive_kinds(&patient.flags, false);
        self.gate(
            patient.id,
            &kinds,
            "chart_open",
            format!("patient:{}", patient.mrn),
            access,
        )?;
        let ssn_shown = patient.ssn.as_ref().map(|s| s.masked());
        Ok(Chart {
            patient,
            ssn_shown,
            encounters,
            documents,
        })
    }

    /// One document with its text; audited as a document open.
    pub fn open_document(&mut self, doc_id: i64) -> Result<Document> {
        self.open_document_with(doc_id, &Access::Normal)
    }

    /// One document, with a break-the-glass reason when the patient or the document is
    /// restricted (not needed again once the glass is broken for that patient this session).
    pub fn open_document_with(&mut self, doc_id: i64, access: &Access) -> Result<Document> {
        let (patient_id, doc) = store::chart::document(self.db(), doc_id)?
            .ok_or_else(|| ServiceError::NotFound(format!("document {doc_id}")))?;
        self.require(Permission::ViewDocument, "document_open", Some(patient_id))?;
        let flags = self.patient_flags(patient_id)?;
        let kinds = sensitive_kinds(&flags, doc.summary.part2);
        self.gate(
            patient_id,
            &kinds,
            "document_open",
            format!("document:{doc_id}"),
            access,
        )?;
        Ok(doc)
    }

    /// Registers a patient. A likely duplicate is reported, not refused: the clerk decides.
    pub fn add_patient(&mut self, input: &PatientInput) -> Result<AddOutcome> {
        self.require(Permission::Edit, "patient_create", None)?;
        let p = NewPatient::from_input(input, self.clock.today())?;
        // The same names (typos and swapped order allowed) with the same date of birth, or
        // with its day and month transposed: the registration errors that make duplicates.
        let mut dates = vec![p.dob];
        if let Some(t) = chrono::NaiveDate::from_ymd_opt(p.dob.year(), p.dob.day(), p.dob.month())
            && t != p.dob
        {
            dates.push(t);
        }
        let mut likely: Vec<PatientRow> = Vec::new();
        for d in dates {
            let q = format!("{} {} {}", p.family, p.given, d.format("%Y-%m-%d"));
            for f in self.find(&q, 5)? {
                if f.score >= 200 && !likely.iter().any(|l| l.id == f.row.id) {
                    likely.push(f.row);
                }
            }
        }
        if let Some(ssn) = p.ssn.as_ref().filter(|s| !s.is_placeholder()) {
            let same = same_ssn(self.db(), ssn.digits())?;
            for r in store::patients::rows_by_ids(self.db(), &same)? {
                if !likely.iter().any(|l| l.id == r.id) {
                    likely.push(r);
                }
            }
        }
        let now = store::iso_utc(self.clock.now());
        let mut e = self.event("patient_create", None, "ok");
        let mrn = store::write_tx(self.db(), |db| {
            let mrn = match &p.mrn {
                Some(m) => m.clone(),
                None => store::patients::next_mrn(db)?,
            };
            let id = store::patients::insert(db, &p, &mrn, &now)?;
            let mut fields = vec![p.family.as_str(), p.given.as_str()];
            fields.extend(p.middle.as_deref());
            store::search_index::add(db, id, &fold::patient_tokens(fields))?;
            e.patient_id = Some(id);
            e.object = Some(format!("patient:{mrn}"));
            e.detail = Some(
                serde_json::json!({"after": {"mrn": mrn.as_str(), "dob": p.dob.to_string(),
                    "sex": p.sex.code(), "ssn": p.ssn.is_some(), "phone": p.phone.is_some()}})
                .to_string(),
            );
            store::audit::append(db, &e)?;
            Ok(mrn)
        })?;
        Ok(AddOutcome {
            mrn: mrn.to_string(),
            likely_duplicates: likely,
        })
    }
}

fn same_ssn(db: &dyn Sql, digits: &str) -> Result<Vec<i64>> {
    Ok(db
        .query(
            "SELECT id FROM patients WHERE ssn_last4 = ? AND ssn = ? AND merged_into IS NULL",
            crate::params![&digits[5..], digits],
        )?
        .iter()
        .map(|r| r.int(0))
        .collect())
}

fn not_found(e: StoreError) -> ServiceError {
    match e {
        StoreError::NotFound(w) => ServiceError::NotFound(w),
        other => ServiceError::Store(other),
    }
}

/// chartroom's own invariants, beyond SQLite's integrity check.
pub(super) fn invariant_problems(db: &dyn Sql) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let checks: [(&str, &str); 6] = [
        (
            "SELECT count(*) FROM patients WHERE ssn IS NOT NULL AND ssn_last4 IS NOT substr(ssn, 6)",
            "patients whose stored SSN last 4 does not match the SSN",
        ),
        (
            "SELECT count(*) FROM patients WHERE merged_into = id",
            "patients merged into themselves",
        ),
        (
            "SELECT count(*) FROM patients p JOIN patients q ON q.id = p.merged_into WHERE q.merged_into IS NOT NULL",
            "patients merged into a record that was itself merged away",
        ),
        (
            "SELECT count(*) FROM encounters WHERE discharge_at IS NOT NULL AND discharge_at < admit_at",
            "encounters discharged before they were admitted",
        ),
        (
            "SELECT count(*) FROM documents d JOIN encounters e ON e.id = d.encounter_id WHERE e.patient_id <> d.patient_id",
            "documents filed under another patient's encounter",
        ),
        (
            "SELECT count(*) FROM search_token t WHERE t.df <> (SELECT coalesce(sum(length(ids) / 4), 0) FROM search_posting s WHERE s.token_id = t.id)",
            "patient-search entries out of step with their counts; call your administrator",
        ),
    ];
    for (sql, what) in checks {
        let n = db.query_row(sql, &[])?.map(|r| r.int(0)).unwrap_or(0);
        if n > 0 {
            out.push(format!("{n} {what}"));
        }
    }
    Ok(out)
}
