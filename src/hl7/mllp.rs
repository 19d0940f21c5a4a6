//! MLLP framing (HL7's Minimal Lower Layer Protocol): a message travels as 0x0B, the
//! message, 0x1C 0x0D. The decoder takes bytes as they arrive in any pieces, skips anything
//! before a start byte (line noise, a port scanner), and refuses a frame that grows past a
//! limit instead of holding it in memory.

pub const START: u8 = 0x0b;
pub const END: [u8; 2] = [0x1c, 0x0d];

/// Wraps a message for sending.
pub fn frame(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 3);
    out.push(START);
    out.extend_from_slice(message);
    out.extend_from_slice(&END);
    out
}

/// What the decoder found in the bytes fed to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Message(Vec<u8>),
    /// A frame longer than the limit: dropped; the decoder waits for the next start byte.
    TooBig(usize),
}

/// Reassembles frames from a byte stream.
#[derive(Debug)]
pub struct Decoder {
    buf: Vec<u8>,
    in_frame: bool,
    dropping: Option<usize>,
    limit: usize,
    /// Bytes skipped outside any frame, for the listener's log.
    pub skipped: usize,
}

impl Decoder {
    pub fn new(limit: usize) -> Decoder {
        Decoder {
            buf: Vec::new(),
            in_frame: false,
            dropping: None,
            limit,
            skipped: 0,
        }
    }

    /// Feeds bytes; returns the frames they completed.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Frame> {
        let mut out = Vec::new();
        for &b in bytes {
            if !self.in_frame {
                if b == START {
                    self.in_frame = true;
                    self.buf.clear();
                    self.dropping = None;
                } else {
                    self.skipped += 1;
                }
                continue;
            }
            if b == START && self.buf.last() != Some(&END[0]) {
                // A new frame began before this one ended: the sender gave up on it.
                self.skipped += self.buf.len();
                self.buf.clear();
                self.dropping = None;
                continue;
            }
            if self.buf.last() == Some(&END[0]) && b == END[1] {
                self.buf.pop();
                self.in_frame = false;
                match self.dropping.take() {
                    Some(n) => out.push(Frame::TooBig(n)),
                    None => out.push(Frame::Message(std::mem::take(&mut self.buf))),
                }
                continue;
            }
            if let Some(n) = self.dropping.as_mut() {
                *n += 1;
                // Keep only the last byte, to see the end marker.
                self.buf.clear();
                self.buf.push(b);
                continue;
            }
            self.buf.push(b);
            if self.buf.len() > self.limit {
                self.dropping = Some(self.buf.len());
                let last = b;
                self.buf.clear();
                self.buf.push(last);
            }
        }
        out
    }

    /// Bytes of a frame begun but not ended (a client that went away mid-message).
    pub fn pending(&self) -> usize {
        if self.in_frame { self.buf.len() } else { 0 }
    }
}
