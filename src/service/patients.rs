//! Finding, showing and registering patients.

use chrono::Datelike;
use serde::{Deserialize, Serialize};

use crate::domain::{Action, Chart, Document, Mrn, NewPatient, Object, PatientInput, Permission};
use crate::search::{SearchIndex, Total, fold};
use crate::store::{self, Tx, patients::PatientRow};

use super::entry::{Op, Subject};
use super::{Access, Result, Service, ServiceError};

/// One ranked search result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Found {
    #[serde(flatten)]
    pub row: PatientRow,
    pub score: u32,
}

/// A registered patient and the existing patients that look like the same person.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddOutcome {
    pub mrn: String,
    pub likely_duplicates: Vec<PatientRow>,
    /// What the clerk should know about what was stored (an SSN that meant "unknown").
    pub notes: Vec<String>,
}

/// A typing burst of live searches in the screens: one audit row before the first results
/// are shown, one when the burst ends with how many searches and results it had.
#[derive(Debug, Clone, Default)]
pub(crate) struct Burst {
    searches: u64,
    results: u64,
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
        self.search(query, limit, Action::Search, false)
    }

    /// Reads the whole search index into memory, so that later searches in this process
    /// read no postings (for a long-running process: tens of milliseconds and about 25 MB
    /// per million patients). Needs the search permission; writes no audit row (nothing is
    /// shown).
    pub fn warm_search(&mut self) -> Result<()> {
        self.index()?;
        let ix = self.index.take().expect("loaded");
        let mut op = Op::read(Action::Search, Permission::Search);
        op.quiet = true;
        let r = self.run(op, |cx| Ok(ix.warm(cx.tx)?));
        self.index = Some(ix);
        r.map(|_| ())
    }

    /// A search typed live in the screens: the first of a burst writes a `search_burst_open`
    /// row before its results are returned; the rest write nothing until [`Service::end_burst`]
    /// (Enter, opening a chart, leaving the box, the lock, a pause) writes the closing row.
    /// Rights are checked at every call all the same.
    pub fn find_live(&mut self, query: &str, limit: usize) -> Result<(Vec<Found>, Total)> {
        let open = self.burst.is_some();
        let (found, total) = self.search(query, limit, Action::SearchBurstOpen, open)?;
        let b = self.burst.get_or_insert_with(Burst::default);
        b.searches += 1;
        b.results += found.len() as u64;
        Ok((found, total))
    }

    /// Ends the typing burst, if one is open: writes its closing row (searches, results).
    pub fn end_burst(&mut self) -> Result<()> {
        let Some(b) = self.burst.take() else {
            return Ok(());
        };
        let mut e = self.event(Action::SearchBurstClose, None, crate::domain::Outcome::Ok);
        e.detail = Some(format!("searches={} results={}", b.searches, b.results));
        self.append(store::Durability::Relaxed, &e)
            .map_err(ServiceError::AuditFailed)?;
        Ok(())
    }

    fn search(
        &mut self,
        query: &str,
        limit: usize,
        action: Action,
        quiet: bool,
    ) -> Result<(Vec<Found>, Total)> {
        self.index()?;
        let ix = self.index.take().expect("loaded");
        let mut op = Op::read(action, Permission::Search);
        op.quiet = quiet;
        let r = self.run(op, |cx| {
            let r = crate::search::rank::find(&ix, cx.tx, query, limit)?;
            let found = r
                .rows
                .into_iter()
                .map(|(row, score)| Found { row, score })
                .collect::<Vec<_>>();
            cx.note.detail = Some(format!("results={}", found.len()));
            Ok((found, r.total))
        });
        self.index = Some(ix);
        r
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
        self.end_burst()?;
        let op = Op::read(Action::ChartOpen, Permission::ViewChart)
            .subject(Subject::Mrn {
                mrn: &mrn,
                gate: true,
            })
            .access(access);
        self.run(op, |cx| {
            cx.note.object = Some(Object::Patient(mrn.clone()));
            let patient = store::patients::by_mrn(cx.tx, &mrn)?
                .ok_or_else(|| ServiceError::NotFound(format!("the MRN {mrn}")))?;
            let encounters = store::chart::encounters(cx.tx, patient.id)?;
            let documents = store::chart::documents(cx.tx, patient.id)?;
            let ssn_shown = patient.ssn.as_ref().map(|s| s.masked());
            Ok(Chart {
                patient,
                ssn_shown,
                encounters,
                documents,
            })
        })
    }

    /// One document with its text; audited as a document open.
    pub fn open_document(&mut self, doc_id: i64) -> Result<Document> {
        self.open_document_with(doc_id, &Access::Normal)
    }

    /// One document, with a break-the-glass reason when the patient or the document is
    /// restricted (not needed again once the glass is broken for that patient this session).
    pub fn open_document_with(&mut self, doc_id: i64, access: &Access) -> Result<Document> {
        let op = Op::read(Action::DocumentOpen, Permission::ViewDocument)
            .subject(Subject::Document(doc_id))
            .access(access);
        self.run(op, |cx| {
            cx.note.object = Some(Object::Document(doc_id));
            let (_, doc) = store::chart::document(cx.tx, doc_id)?
                .ok_or_else(|| ServiceError::NotFound(format!("document {doc_id}")))?;
            Ok(doc)
        })
    }

    /// Registers a patient. A likely duplicate is reported, not refused: the clerk decides.
    pub fn add_patient(&mut self, input: &PatientInput) -> Result<AddOutcome> {
        let p = NewPatient::from_input(input, self.clock.today())?;
        if !self.rights()?.allows(Permission::Edit) {
            return Err(self.deny(Action::PatientCreate, None, Permission::Edit));
        }
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
        let op = Op::write(Action::PatientCreate, Permission::Edit);
        let mrn = self.run(op, |cx| {
            let mrn = match &p.mrn {
                Some(m) => m.clone(),
                None => store::patients::next_mrn(cx.tx)?,
            };
            let id = store::patients::insert(cx.tx, &p, &mrn, cx.now)?;
            let mut fields = vec![p.family.as_str(), p.given.as_str()];
            fields.extend(p.middle.as_deref());
            store::search_index::add(cx.tx, id, &fold::patient_tokens(fields))?;
            cx.note.patient_id = Some(id);
            cx.note.object = Some(Object::Patient(mrn.clone()));
            cx.note.detail = Some(
                serde_json::json!({"after": {"mrn": mrn.as_str(), "dob": p.dob.to_string(),
                    "sex": p.sex.code(), "ssn": p.ssn.is_some(), "ssn_unknown": p.ssn_note.is_some(),
                    "phone": p.phone.is_some()}})
                .to_string(),
            );
            Ok(mrn)
        })?;
        Ok(AddOutcome {
            mrn: mrn.to_string(),
            likely_duplicates: likely,
            notes: p.ssn_note.iter().cloned().collect(),
        })
    }
}

fn same_ssn(db: &dyn Tx, digits: &str) -> Result<Vec<i64>> {
    Ok(db
        .query(
            "SELECT id FROM patients WHERE ssn_last4 = ? AND ssn = ? AND merged_into IS NULL",
            crate::params![&digits[5..], digits],
        )?
        .iter()
        .map(|r| r.int(0))
        .collect::<std::result::Result<_, _>>()?)
}

/// chartroom's own invariants, beyond SQLite's integrity check.
pub(super) fn invariant_problems(db: &dyn Tx) -> Result<Vec<String>> {
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
        let n = db.count(sql, &[])?;
        if n > 0 {
            out.push(format!("{n} {what}"));
        }
    }
    for g in store::audit::GUARDS {
        let n = db.count(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = ?",
            crate::params![g],
        )?;
        if n == 0 {
            out.push(format!(
                "the audit trail's guard {g} was removed from the store behind chartroom's back; run `chartroom audit verify` and call your privacy officer"
            ));
        }
    }
    Ok(out)
}
