//! HL7 v2: reading ADT messages, acknowledging them, and MLLP framing. Pure: no I/O, no
//! store. The service (`service/hl7.rs`) applies what a message says; the shell commands
//! (`chartroom import hl7`, `chartroom listen --mllp`) move the bytes.

pub mod ack;
pub mod adt;
pub mod mllp;
pub mod parse;
pub mod plan;

pub use ack::AckCode;
pub use parse::{Message, ParseError, Value};
