//! `chartroom import hl7` (files or standard input), `chartroom listen --mllp` (a feed over
//! the network) and `chartroom hl7 errors|show|replay|dismiss` (the error queue).

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Args, Subcommand};

use crate::domain::Text;
use crate::hl7::AckCode;
use crate::hl7::parse::split_batch;
use crate::service::hl7::Hl7Outcome;
use crate::service::{Location, ServiceError};

use super::{Outcome, cell, json, open};

/// Exit code: the command ran, and some messages were refused (they are in the error queue).
pub const SOME_REFUSED: i32 = 8;
/// Messages applied per transaction in a batch import.
const GROUP: usize = 500;
/// A file bigger than this is refused before it is read.
const MAX_FILE: u64 = 1 << 30;

#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// HL7 v2 ADT messages (A01 A03 A04 A05 A08 A28 A31; A40 waits in the error queue), one
    /// or many per file, with or without batch headers; `-` reads standard input.
    Hl7(ImportHl7Args),
}

#[derive(Debug, Args)]
pub struct ImportHl7Args {
    /// The files to read (`-` for standard input).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<String>,
    /// Print one JSON line per message (its ACK code, notes and the MRN it was filed under).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Hl7Cmd {
    /// The messages that were not applied, newest first.
    Errors {
        /// Also those already replayed or dismissed.
        #[arg(long)]
        all: bool,
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// One message from the error queue, with its text and why it was refused.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Send a queued message through again, once its cause is fixed.
    Replay { id: i64 },
    /// Close a queued message without applying it.
    Dismiss {
        id: i64,
        /// Why it will not be applied.
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
}

pub(crate) fn stop_flag() -> Result<Arc<AtomicBool>, ServiceError> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .map_err(|e| ServiceError::system(e.to_string()))?;
    }
    Ok(stop)
}

fn read_input(name: &str) -> Result<String, ServiceError> {
    let mut bytes = Vec::new();
    if name == "-" {
        std::io::stdin()
            .take(MAX_FILE)
            .read_to_end(&mut bytes)
            .map_err(|e| ServiceError::Usage(format!("standard input could not be read: {e}")))?;
    } else {
        let f = std::fs::File::open(name)
            .map_err(|e| ServiceError::Usage(format!("the file {name} could not be read: {e}")))?;
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        if len > MAX_FILE {
            return Err(ServiceError::Usage(format!(
                "the file {name} is {len} bytes; split it into files under 1 GB"
            )));
        }
        f.take(MAX_FILE)
            .read_to_end(&mut bytes)
            .map_err(|e| ServiceError::Usage(format!("the file {name} could not be read: {e}")))?;
    }
    Ok(crate::hl7::parse::decode(&bytes))
}

pub fn import(path: &Location, cmd: &ImportCmd) -> Outcome {
    let ImportCmd::Hl7(a) = cmd;
    let mut svc = open(path)?;
    let stop = stop_flag()?;
    let mut messages = Vec::new();
    for f in &a.files {
        messages.extend(split_batch(&read_input(f)?));
    }
    let bar = indicatif::ProgressBar::new(messages.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "Applying HL7 messages {bar:40} {pos}/{len} ({eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut tally = Tally::default();
    for group in messages.chunks(GROUP) {
        if stop.load(Ordering::SeqCst) {
            bar.finish_and_clear();
            errln!(
                "Stopped after {} of {} messages; those were applied, the rest not read. Run the same command again to finish: messages already applied are skipped.",
                tally.total(),
                messages.len()
            );
            return Ok(130);
        }
        let outcomes = svc
            .hl7_apply(group)
            .inspect_err(|_| bar.finish_and_clear())?;
        for o in &outcomes {
            tally.add(o);
            if a.json {
                bar.suspend(|| outln!("{}", json::line(o)))?;
            }
        }
        bar.inc(group.len() as u64);
    }
    bar.finish_and_clear();
    errln!("{}", tally.summary());
    Ok(if tally.refused > 0 { SOME_REFUSED } else { 0 })
}

#[derive(Default)]
pub(crate) struct Tally {
    applied: u64,
    with_notes: u64,
    duplicates: u64,
    refused: u64,
}

impl Tally {
    pub(crate) fn add(&mut self, o: &Hl7Outcome) {
        match o.code {
            AckCode::AA if o.duplicate => self.duplicates += 1,
            AckCode::AA => {
                self.applied += 1;
                if !o.notes.is_empty() {
                    self.with_notes += 1;
                }
            }
            AckCode::AE | AckCode::AR => self.refused += 1,
        }
    }

    fn total(&self) -> u64 {
        self.applied + self.duplicates + self.refused
    }

    pub(crate) fn summary(&self) -> String {
        let mut s = format!(
            "{} message(s): {} applied ({} with a field left out under the entry rules; --json lists them), {} already applied before",
            self.total(),
            self.applied,
            self.with_notes,
            self.duplicates
        );
        if self.refused > 0 {
            s.push_str(&format!(
                ", {} refused and kept in the error queue (`chartroom hl7 errors`)",
                self.refused
            ));
        }
        s.push('.');
        s
    }
}

pub fn run(path: &Location, cmd: &Hl7Cmd) -> Outcome {
    let mut svc = open(path)?;
    match cmd {
        Hl7Cmd::Errors {
            all,
            limit,
            json: j,
        } => {
            let q = svc.hl7_errors(*all, *limit)?;
            if *j {
                outln!("{}", json::pretty(&q))?;
                return Ok(0);
            }
            if q.rows.is_empty() {
                outln!("The error queue is empty: every message received was applied.")?;
                return Ok(0);
            }
            outln!(
                "{}  {}  {}  {}  {}  Reason",
                cell("Id", 6),
                cell("Received", 20),
                cell("Type", 8),
                cell("Control id", 20),
                cell("Status", 9)
            )?;
            for r in &q.rows {
                outln!(
                    "{}  {}  {}  {}  {}  {}",
                    cell(r.id, 6),
                    cell(&r.received_at, 20),
                    cell(&r.message_type, 8),
                    cell(&r.control_id, 20),
                    cell(&r.status, 9),
                    r.reason
                )?;
            }
            outln!(
                "{} open. `chartroom hl7 show ID` shows a message; `chartroom hl7 replay ID` sends it through again.",
                q.open
            )?;
            Ok(0)
        }
        Hl7Cmd::Show { id, json: j } => {
            let r = svc.hl7_error(*id)?;
            if *j {
                outln!("{}", json::pretty(&r))?;
                return Ok(0);
            }
            outln!(
                "Error-queue entry {} ({}), received {} from {}: {}",
                r.id,
                r.status,
                r.received_at,
                r.sender,
                r.reason
            )?;
            let body = r.body.map(|b| b.into_raw()).unwrap_or_default();
            for seg in body.split(['\r', '\n']).filter(|s| !s.is_empty()) {
                outln!("  {}", Text::from(seg))?;
            }
            Ok(0)
        }
        Hl7Cmd::Replay { id } => {
            let o = svc.hl7_replay(*id)?;
            if o.code == AckCode::AA {
                outln!(
                    "Applied (MRN {}); entry {id} is closed.",
                    o.mrn.unwrap_or_default()
                )?;
                Ok(0)
            } else {
                outln!(
                    "Still refused: {}; entry {id} stays open.",
                    Text::from(o.notes.join("; "))
                )?;
                Ok(SOME_REFUSED)
            }
        }
        Hl7Cmd::Dismiss { id, reason } => {
            svc.hl7_dismiss(*id, reason)?;
            outln!("Entry {id} is closed without being applied.")?;
            Ok(0)
        }
    }
}
