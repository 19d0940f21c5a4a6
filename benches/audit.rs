//! What the audit trail costs.
//!
//! 1. A chart open with its audit row (`Service::show`: permission check, restricted-record
//!    gate, one hash-chained audit row committed with `synchronous = FULL`) against the same
//!    reads without it (the store calls `show` makes, in one read transaction). Target: the
//!    audit write adds less than 1 ms at p50.
//! 2. `audit verify` throughput over a trail of 200,000 rows. Target: at least 100,000 rows/s.
//!
//! Besides criterion's report, `main` prints p50/p99 of both chart-open variants measured in
//! the same run, so the difference is read against a baseline taken on the same machine
//! and disk at the same moment.

use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};

use chartroom::domain::{Action, Mrn, Object, Outcome};
use chartroom::service::{Clock, Service, demo, identity};
use chartroom::store::{self, Durability, OpenMode, SqliteDb, Tx, audit::AuditEvent};

const VERIFY_ROWS: i64 = 200_000;

fn plain_mrn(db: &SqliteDb) -> String {
    db.query_row(
        "SELECT mrn FROM patients WHERE restricted = 0 AND employee = 0 AND part2 = 0 ORDER BY id LIMIT 1",
        &[],
    )
    .expect("query")
    .expect("a patient")
    .text(0)
    .expect("text")
}

fn open(path: &Path) -> SqliteDb {
    store::open_file(path, OpenMode::Existing, None).expect("open")
}

fn chart_without_audit(db: &SqliteDb, mrn: &Mrn) {
    let r = store::read_tx(db, |db| {
        let p = store::patients::by_mrn(db, mrn)?.expect("patient");
        let enc = store::chart::encounters(db, p.id)?;
        let docs = store::chart::documents(db, p.id)?;
        Ok((p, enc, docs))
    })
    .expect("read");
    black_box(r);
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn setup_store(dir: &Path) -> (std::path::PathBuf, String) {
    let path = dir.join("bench.db");
    let login = identity::os_login().expect("login");
    demo::build(
        &path,
        5_000,
        7,
        Clock::fixed(2026, 11, 26),
        &login,
        &AtomicBool::new(false),
        &mut |_| {},
    )
    .expect("demo");
    (path, login)
}

fn setup_trail(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("trail.db");
    let db = store::open_file(&path, OpenMode::Create, None).expect("create");
    store::write_tx(&db, Durability::Full, |db| {
        for i in 0..VERIFY_ROWS {
            let e = AuditEvent {
                user_id: Some(1 + i % 7),
                username: "tech".into(),
                os_login: Some("tech".into()),
                origin: Some("ssh 10.1.2.3".into()),
                patient_id: Some(i % 5000),
                object: Some(Object::Patient(
                    Mrn::parse(&(10_000_000 + i % 5000).to_string()).expect("mrn"),
                )),
                detail: (i % 3 == 0).then(|| "results=12".to_string()),
                ..AuditEvent::new(
                    "2026-11-26T12:00:00Z".into(),
                    if i % 3 == 0 {
                        Action::Search
                    } else {
                        Action::ChartOpen
                    },
                    Outcome::Ok,
                )
            };
            store::audit::append(db, &e)?;
        }
        Ok(())
    })
    .expect("trail");
    path
}

fn main() {
    let dir = tempfile::Builder::new()
        .prefix("chartroom-bench")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("tmp");
    let (path, login) = setup_store(dir.path());
    let raw = open(&path);
    let mrn_s = plain_mrn(&raw);
    let mrn = Mrn::parse(&mrn_s).expect("mrn");
    let mut svc = Service::with_db(Box::new(open(&path)), Clock::System, &login).expect("service");

    // Same-run p50/p99, interleaved so both see the same disk and cache state.
    let n = 2_000;
    let (mut base, mut audited, mut full) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    // For comparison: the same reads plus an audit row committed with synchronous = FULL
    // (an fsync per chart open), which is what `the relaxed read-audit commit` avoids.
    let full_row = AuditEvent {
        user_id: Some(1),
        username: login.clone(),
        os_login: Some(login.clone()),
        origin: Some("local".into()),
        patient_id: Some(1),
        object: Some(Object::Patient(mrn.clone())),
        ..AuditEvent::new(
            "2026-11-26T12:00:00Z".into(),
            Action::ChartOpen,
            Outcome::Ok,
        )
    };
    for _ in 0..50 {
        chart_without_audit(&raw, &mrn);
        black_box(svc.show(&mrn_s).expect("show"));
    }
    for _ in 0..n {
        let t = Instant::now();
        chart_without_audit(&raw, &mrn);
        base.push(t.elapsed());
        let t = Instant::now();
        black_box(svc.show(&mrn_s).expect("show"));
        audited.push(t.elapsed());
        let t = Instant::now();
        chart_without_audit(&raw, &mrn);
        store::write_tx(&raw, Durability::Full, |db| {
            store::audit::append(db, &full_row)
        })
        .expect("full");
        full.push(t.elapsed());
    }
    let (b50, b99) = (percentile(&mut base, 0.5), percentile(&mut base, 0.99));
    let (a50, a99) = (
        percentile(&mut audited, 0.5),
        percentile(&mut audited, 0.99),
    );
    println!("chart open, {n} each, interleaved:");
    println!("  without audit row: p50 {b50:?}  p99 {b99:?}");
    println!("  with audit row (Service::show): p50 {a50:?}  p99 {a99:?}");
    let (f50, f99) = (percentile(&mut full, 0.5), percentile(&mut full, 0.99));
    println!("  with audit row, synchronous=FULL (not used): p50 {f50:?}  p99 {f99:?}");
    println!("  audit cost at p50: {:?}", a50.saturating_sub(b50));

    let trail = setup_trail(dir.path());
    let tdb = open(&trail);
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let v = store::read_tx(&tdb, |db| store::audit::verify(db, &[])).expect("verify");
        best = best.min(t.elapsed());
        assert!(v.first_bad.is_none() && v.rows == VERIFY_ROWS);
    }
    println!(
        "audit verify: {VERIFY_ROWS} rows, best of 5 {best:?} = {:.0} rows/s",
        VERIFY_ROWS as f64 / best.as_secs_f64()
    );

    let mut c = Criterion::default().configure_from_args();
    {
        let mut g = c.benchmark_group("chart_open");
        g.bench_function("without_audit", |b| {
            b.iter(|| chart_without_audit(&raw, &mrn))
        });
        g.bench_function("with_audit", |b| {
            b.iter(|| black_box(svc.show(&mrn_s).expect("show")))
        });
        g.finish();
    }
    {
        let mut g = c.benchmark_group("audit_verify");
        g.throughput(Throughput::Elements(VERIFY_ROWS as u64));
        g.sample_size(10);
        g.bench_function("200k_rows", |b| {
            b.iter(|| {
                black_box(store::read_tx(&tdb, |db| store::audit::verify(db, &[])).expect("verify"))
            })
        });
        g.finish();
    }
    c.final_summary();
}
