//! HL7 v2 intake speed (issue 20).
//!
//! 1. Batch import: ADT A01 messages (a new patient and a visit each) applied in groups of
//!    500, one transaction per group with a savepoint per message, against the baseline of
//!    the same messages applied one transaction each (one fsync per message), measured in
//!    the same run on the same disk. Target: at least 5,000 messages/s grouped.
//! 2. MLLP: `chartroom listen --mllp` on loopback, messages/s with one connection and with
//!    four (each client waits for its ACK before sending the next, as senders do).
//!
//! `cargo bench --bench hl7` (HL7_BENCH_MESSAGES sets the batch size, default 20,000).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use chartroom::hl7::mllp::{Decoder, Frame, frame};
use chartroom::service::{Clock, Service, demo, identity};

fn a01(i: usize, tag: &str) -> String {
    format!(
        "MSH|^~\\&|REGSYS|MAINHOSP|CHARTROOM|HIM|20261115083000||ADT^A01^ADT_A01|{tag}{i}|P|2.5.1\r\
         EVN|A01|20261115083000\r\
         PID|1||{tag}{i:07}^^^MAINHOSP^MR||Benchfeed^Ann{}||19{:02}0314|F|||12 Elm St^^Springfield^IL^62701||(217)555-0142\r\
         PV1|1|I|4W^401^A||||1234567893^Okafor^Grace|||MED|||||||||V{tag}{i}|||||||||||||||||||||||||202611140900\r",
        i % 97,
        i % 100
    )
}

fn service(path: &Path) -> Service {
    Service::open(&path.into(), Clock::System).expect("open")
}

fn main() {
    let n: usize = std::env::var("HL7_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("bench.db");
    let login = identity::os_login().expect("login");
    demo::build(
        &db,
        2_000,
        1,
        Clock::System,
        &login,
        &AtomicBool::new(false),
        &mut |_| {},
    )
    .expect("demo store");
    let mut svc = service(&db);

    let single = (n / 20).max(200);
    let msgs: Vec<String> = (0..single).map(|i| a01(i, "S")).collect();
    let t = Instant::now();
    for m in &msgs {
        svc.hl7_apply(std::slice::from_ref(m)).expect("apply");
    }
    let one_each = single as f64 / t.elapsed().as_secs_f64();

    let msgs: Vec<String> = (0..n).map(|i| a01(i, "G")).collect();
    let t = Instant::now();
    for g in msgs.chunks(500) {
        let out = svc.hl7_apply(g).expect("apply");
        assert!(out.iter().all(|o| o.code == chartroom::hl7::AckCode::AA));
    }
    let grouped = n as f64 / t.elapsed().as_secs_f64();
    println!(
        "batch import: {grouped:.0} messages/s in groups of 500 ({n} messages), {one_each:.0} messages/s one transaction each ({single}); ratio {:.1}x",
        grouped / one_each
    );
    drop(svc);

    let mut child = Command::new(env!("CARGO_BIN_EXE_chartroom"))
        .args([
            "--db",
            db.to_str().unwrap(),
            "listen",
            "--mllp",
            "127.0.0.1:0",
        ])
        .env(
            "CHARTROOM_SYSTEM_CONFIG",
            "/nonexistent/chartroom-bench.toml",
        )
        .stderr(Stdio::piped())
        .spawn()
        .expect("listener");
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .expect("address");
    let addr = line
        .split(" on ")
        .nth(1)
        .and_then(|r| r.split(';').next())
        .unwrap()
        .trim()
        .to_string();
    let per = 1_000;
    for conns in [1usize, 4] {
        let t = Instant::now();
        let threads: Vec<_> = (0..conns)
            .map(|c| {
                let addr = addr.clone();
                std::thread::spawn(move || {
                    let mut s = TcpStream::connect(&addr).unwrap();
                    let mut dec = Decoder::new(1 << 20);
                    let mut buf = [0u8; 4096];
                    for i in 0..per {
                        s.write_all(&frame(a01(i, &format!("M{conns}C{c}X")).as_bytes()))
                            .unwrap();
                        'ack: loop {
                            let k = s.read(&mut buf).unwrap();
                            assert!(k > 0);
                            for f in dec.feed(&buf[..k]) {
                                if let Frame::Message(m) = f {
                                    assert!(String::from_utf8_lossy(&m).contains("MSA|AA"));
                                    break 'ack;
                                }
                            }
                        }
                    }
                })
            })
            .collect();
        for th in threads {
            th.join().unwrap();
        }
        let rate = (conns * per) as f64 / t.elapsed().as_secs_f64();
        println!(
            "MLLP: {rate:.0} messages/s with {conns} connection(s) ({} messages, ACK after commit)",
            conns * per
        );
    }
    let _ = child.kill();
    let _ = child.wait();
}
