//! The acknowledgement chartroom answers each message with (original mode): AA applied
//! (with a note when a field was dropped), AE not applied (the message itself is wrong; it is
//! kept in the error queue), AR not taken (chartroom cannot take it now; send it again).

use super::adt::Header;
use super::parse::{Delimiters, escape};

/// MSA-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AckCode {
    /// Application accept: applied (or already applied).
    AA,
    /// Application error: not applied; fix the message and send it again.
    AE,
    /// Application reject: not taken now (busy, full, not an ADT chartroom reads); retry.
    AR,
}

impl AckCode {
    pub fn as_str(self) -> &'static str {
        match self {
            AckCode::AA => "AA",
            AckCode::AE => "AE",
            AckCode::AR => "AR",
        }
    }
}

/// Builds the ACK for a message, in the delimiters the sender declared. `now` is the HL7
/// time stamp (YYYYMMDDHHMMSS); `notes` go to MSA-3 (joined) and to ERR segments (W for AA,
/// E otherwise).
pub fn build(
    d: &Delimiters,
    h: &Header,
    code: AckCode,
    notes: &[String],
    now: &str,
    ack_id: &str,
) -> String {
    let f = d.field;
    let c = d.component;
    let e = |s: &str| escape(s, d);
    let version = if h.version.is_empty() {
        "2.5.1".to_string()
    } else {
        e(&h.version)
    };
    let mut out = format!(
        "MSH{f}{enc}{f}CHARTROOM{f}{f}{app}{f}{fac}{f}{now}{f}{f}ACK{c}{trig}{c}ACK{f}{ack_id}{f}P{f}{version}\r",
        enc = d.encoding_characters(),
        app = e(&h.sending_app),
        fac = e(&h.sending_facility),
        trig = e(&h.trigger),
    );
    let text = notes.join("; ");
    let text: String = text.chars().take(400).collect();
    out.push_str(&format!(
        "MSA{f}{}{f}{}{f}{}\r",
        code.as_str(),
        e(&h.control_id),
        e(&text)
    ));
    let severity = if code == AckCode::AA { "W" } else { "E" };
    for n in notes.iter().take(20) {
        let n: String = n.chars().take(200).collect();
        out.push_str(&format!("ERR{f}{f}{f}{f}{severity}{f}{f}{f}{f}{}\r", e(&n)));
    }
    out
}
