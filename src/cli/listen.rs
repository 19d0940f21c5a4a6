//! `chartroom listen --mllp ADDR`: takes HL7 v2 messages over MLLP. One thread per
//! connection reads frames; one writer applies what has arrived on all connections together
//! in one transaction (group commit) and only then sends each ACK, so an AA always means
//! the message is durably in the store. When the store fails (busy, full, gone) every
//! message of the group is answered AR and nothing is kept: the sender sends again.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use clap::Args;

use crate::hl7::adt::Header;
use crate::hl7::mllp::{Decoder, Frame, frame};
use crate::hl7::parse::{Delimiters, MAX_MESSAGE_BYTES, decode};
use crate::hl7::{AckCode, Message, ack};
use crate::service::{Conn, Location};

use super::hl7::Tally;
use super::{Outcome, open};

/// Messages taken into one transaction at most.
const GROUP: usize = 200;
/// A connection that sends nothing for this long is closed.
const IDLE: Duration = Duration::from_secs(300);

#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Where to listen, as HOST:PORT (for example 127.0.0.1:2575). MLLP is not encrypted:
    /// listen on loopback or a private interface, behind a VPN or a TLS tunnel.
    #[arg(long, value_name = "ADDR")]
    pub mllp: String,
    /// Stop after this many messages (for tests and trial runs).
    #[arg(long, hide = true)]
    pub max_messages: Option<u64>,
}

/// A message that arrived, and where its ACK goes.
struct Arrived {
    text: String,
    reply: Sender<String>,
}

pub fn listen(path: &Location, a: &ListenArgs) -> Outcome {
    let mut svc = open(path)?;
    let listener = TcpListener::bind(&a.mllp).map_err(|e| {
        crate::service::ServiceError::Usage(format!("cannot listen on {}: {e}", a.mllp))
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|e| crate::service::ServiceError::system(e.to_string()))?;
    let local = listener
        .local_addr()
        .map(|x| x.to_string())
        .unwrap_or_else(|_| a.mllp.clone());
    errln!("Listening for HL7 messages (MLLP) on {local}; Ctrl-C stops.");
    let stop = super::hl7::stop_flag()?;
    let (tx, rx) = mpsc::channel::<Arrived>();
    let accept_stop = stop.clone();
    std::thread::spawn(move || {
        while !accept_stop.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((s, _)) => {
                    let tx = tx.clone();
                    std::thread::spawn(move || connection(s, tx));
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    });
    let mut tally = Tally::default();
    let mut seen = 0u64;
    while !stop.load(Ordering::SeqCst) {
        let group = match next_group(&rx) {
            Some(g) => g,
            None => continue,
        };
        seen += group.len() as u64;
        apply_group(&mut svc, group, &mut tally);
        if a.max_messages.is_some_and(|m| seen >= m) {
            break;
        }
    }
    errln!("Stopped listening. {}", tally.summary());
    Ok(0)
}

/// Waits a little for a first message, then takes whatever else has arrived.
fn next_group(rx: &Receiver<Arrived>) -> Option<Vec<Arrived>> {
    let first = rx.recv_timeout(Duration::from_millis(200)).ok()?;
    let mut g = vec![first];
    while g.len() < GROUP {
        match rx.try_recv() {
            Ok(m) => g.push(m),
            Err(_) => break,
        }
    }
    Some(g)
}

fn apply_group(svc: &mut Conn, group: Vec<Arrived>, tally: &mut Tally) {
    let texts: Vec<String> = group.iter().map(|m| m.text.clone()).collect();
    match svc.hl7_apply(&texts) {
        Ok(outcomes) => {
            for (m, o) in group.iter().zip(outcomes) {
                tally.add(&o);
                let _ = m.reply.send(o.ack);
            }
        }
        Err(e) => {
            errln!(
                "The store could not take {} message(s): {e}; answered AR so the sender retries.",
                group.len()
            );
            for m in &group {
                let _ = m.reply.send(reject(
                    &m.text,
                    &format!(
                        "the records store could not take the message now ({e}); send it again"
                    ),
                ));
            }
        }
    }
}

/// An AR for a message that was not applied, in its own delimiters when they can be read.
fn reject(text: &str, why: &str) -> String {
    let (d, h) = match Message::parse_str(text) {
        Ok(m) => (m.delimiters, Header::read(&m)),
        Err(_) => (Delimiters::default(), Header::default()),
    };
    let now = chrono::Utc::now().format("%Y%m%d%H%M%S").to_string();
    ack::build(
        &d,
        &h,
        AckCode::AR,
        &[why.to_string()],
        &now,
        &format!("CR{now}R"),
    )
}

/// One client: frames in, each handed to the writer, its ACK written back before the next
/// is read (HL7's original acknowledgement mode).
fn connection(mut s: TcpStream, tx: Sender<Arrived>) {
    let _ = s.set_read_timeout(Some(IDLE));
    let mut dec = Decoder::new(MAX_MESSAGE_BYTES);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match s.read(&mut buf) {
            Ok(0) | Err(_) => return, // gone, or idle too long: a half-sent frame is dropped
            Ok(n) => n,
        };
        for f in dec.feed(&buf[..n]) {
            let answer = match f {
                Frame::TooBig(len) => reject(
                    "",
                    &format!(
                        "the message is {len} bytes, more than the {MAX_MESSAGE_BYTES} accepted"
                    ),
                ),
                Frame::Message(bytes) => {
                    let (rtx, rrx) = mpsc::channel();
                    let sent = tx.send(Arrived {
                        text: decode(&bytes),
                        reply: rtx,
                    });
                    if sent.is_err() {
                        return;
                    }
                    match rrx.recv() {
                        Ok(a) => a,
                        Err(_) => return,
                    }
                }
            };
            if s.write_all(&frame(answer.as_bytes())).is_err() {
                return;
            }
        }
    }
}
