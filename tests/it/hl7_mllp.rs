//! Issue 20: `chartroom listen --mllp` over loopback: an ACK for each framed message only
//! after it is stored, junk before the start byte skipped, a client that goes away
//! mid-message leaving nothing, and four connections at once.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chartroom::hl7::mllp::{Decoder, Frame, frame};

use super::common::tmp;
use super::sec_support::{count, store};

struct Listener {
    child: Child,
    addr: String,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn listen(db: &std::path::Path) -> Listener {
    let mut child = Command::new(env!("CARGO_BIN_EXE_chartroom"))
        .args([
            "--db",
            db.to_str().unwrap(),
            "listen",
            "--mllp",
            "127.0.0.1:0",
        ])
        .env_remove("CHARTROOM_DB")
        .env(
            "CHARTROOM_SYSTEM_CONFIG",
            "/nonexistent/chartroom-tests.toml",
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start listener");
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .expect("the listener says where it listens");
    let addr = line
        .split(" on ")
        .nth(1)
        .and_then(|r| r.split(';').next())
        .unwrap_or_else(|| panic!("{line}"))
        .trim()
        .to_string();
    Listener { child, addr }
}

fn a28(id: &str, mrn: &str) -> String {
    format!(
        "MSH|^~\\&|REGSYS|MAINHOSP|CHARTROOM|HIM|20261115083000||ADT^A28^ADT_A05|{id}|P|2.5.1\rPID|1||{mrn}^^^MAINHOSP^MR||Mllptest^Ann||19700101|F\r"
    )
}

fn read_ack(s: &mut TcpStream) -> String {
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut dec = Decoder::new(1 << 20);
    let mut buf = [0u8; 4096];
    loop {
        let n = s.read(&mut buf).expect("an ACK");
        assert!(n > 0, "the listener closed the connection");
        if let Some(Frame::Message(m)) = dec.feed(&buf[..n]).into_iter().next() {
            return String::from_utf8(m).unwrap();
        }
    }
}

#[test]
fn mllp_acks_after_storing_skips_junk_and_drops_half_sent_frames() {
    let dir = tmp();
    let db = store(dir.path());
    let l = listen(&db);
    let mut s = TcpStream::connect(&l.addr).unwrap();
    // Junk before the start byte, then a message sent in 7-byte pieces.
    s.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    for piece in frame(a28("L1", "MLLP1").as_bytes()).chunks(7) {
        s.write_all(piece).unwrap();
        s.flush().unwrap();
    }
    let ack = read_ack(&mut s);
    assert!(ack.contains("MSA|AA|L1"), "{ack}");
    assert_eq!(
        count(&db, "SELECT count(*) FROM patients WHERE mrn = 'MLLP1'"),
        1
    );
    // A message chartroom does not take: AR, on the same connection.
    let oru = "MSH|^~\\&|LAB|MAINHOSP|||20261115||ORU^R01|L2|P|2.5.1\rPID|1||MLLP2^^^H^MR||X^Y||19700101|F\r";
    s.write_all(&frame(oru.as_bytes())).unwrap();
    assert!(read_ack(&mut s).contains("MSA|AR|L2"));
    // A client that goes away in the middle of a message: nothing of it is applied.
    let mut half = TcpStream::connect(&l.addr).unwrap();
    let f = frame(a28("L3", "MLLP3").as_bytes());
    half.write_all(&f[..f.len() / 2]).unwrap();
    drop(half);
    // Four connections at once, 25 messages each.
    let threads: Vec<_> = (0..4)
        .map(|c| {
            let addr = l.addr.clone();
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(&addr).unwrap();
                for i in 0..25 {
                    let id = format!("C{c}M{i}");
                    s.write_all(&frame(a28(&id, &format!("MC{c}X{i}")).as_bytes()))
                        .unwrap();
                    let ack = read_ack(&mut s);
                    assert!(ack.contains(&format!("MSA|AA|{id}")), "{ack}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(
        count(&db, "SELECT count(*) FROM patients WHERE mrn LIKE 'MC%'"),
        100
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM patients WHERE mrn = 'MLLP3'"),
        0
    );
    // The connection is still usable after all that.
    s.write_all(&frame(a28("L1", "MLLP1").as_bytes())).unwrap();
    let ack = read_ack(&mut s);
    assert!(
        ack.contains("MSA|AA|L1") && ack.contains("already applied"),
        "{ack}"
    );
}
