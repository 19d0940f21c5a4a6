//! TUI speed: one Patients frame with 50 rows; keystroke-to-results-drawn through the real
//! event-loop machinery (channel, drain, update, store worker thread, draw) on a big store;
//! bytes written to the terminal per search keystroke.
//!
//! `CHARTROOM_BENCH_DB=/tmp/big.db cargo bench --bench tui`
//! (without CHARTROOM_BENCH_DB the store benchmarks are skipped with a message).

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chartroom::service::{Clock, Found};
use chartroom::store::patients::PatientRow;
use chartroom::tui::runtime::{draw_frame, turn};
use chartroom::tui::state::{Msg, Reply, Req};
use chartroom::tui::worker::Worker;
use chartroom::tui::{Effect, Keymap, PaneId, State, Theme, update};
use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

/// Counts the bytes a frame would send to the terminal.
#[derive(Clone, Default)]
struct Counter(Arc<AtomicUsize>);

impl Write for Counter {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(b.len(), Ordering::Relaxed);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn new_state() -> State {
    let dir = PathBuf::from("/nonexistent/chartroom-config");
    let (theme, _) = Theme::load("default", &dir, false);
    State::new(
        Keymap::default(),
        theme,
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
        dir,
        false,
    )
}

fn rows(n: usize, tag: &str) -> Vec<Found> {
    (0..n)
        .map(|i| Found {
            row: PatientRow {
                id: i as i64,
                mrn: format!("{}", 10_000_000 + i).into(),
                family: format!("{tag}son-{i}").into(),
                given: "Jennifer".into(),
                middle: Some("Q".into()),
                dob: format!("19{:02}-0{}-1{}", 30 + i % 60, 1 + i % 9, i % 10).into(),
                sex: "F".into(),
                ssn_last4: Some(format!("{:04}", i * 37 % 10_000).into()),
                last_encounter: Some("2026-03-04T10:00:00Z".into()),
                restricted: i % 17 == 0,
                deceased: i % 23 == 0,
            },
            score: 100,
        })
        .collect()
}

/// The id of the newest search among `fx` (the one whose reply will be shown).
fn search_id(fx: &[Effect]) -> Option<u64> {
    fx.iter().rev().find_map(|e| match e {
        Effect::Request(r @ Req::Pane { .. }) => Some(r.id()),
        _ => None,
    })
}

/// Results as the store worker sends them.
fn found(v: Vec<Found>) -> Reply {
    let n = v.len();
    chartroom::tui::panes::patients::Reply::Found(v, chartroom::search::Total::Exact(n)).into()
}

/// A state showing `n` results for "smith", and the id their reply answered.
fn state_with_rows(n: usize) -> (State, u64) {
    let mut s = new_state();
    let mut id = 0;
    for c in "smith".chars() {
        let fx = update(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
        id = search_id(&fx).unwrap_or(id);
    }
    update(&mut s, Msg::Db(id, Ok(found(rows(n, "Smith")))));
    (s, id)
}

fn crossterm_term(w: u16, h: u16) -> (Terminal<CrosstermBackend<Counter>>, Counter) {
    let c = Counter::default();
    let t = Terminal::with_options(
        CrosstermBackend::new(c.clone()),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, w, h)),
        },
    )
    .expect("terminal");
    (t, c)
}

fn frame(c: &mut Criterion) {
    for (w, h) in [(80, 24), (120, 60)] {
        let (mut s, _) = state_with_rows(50);
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        c.bench_function(
            &format!("patients_frame_50_rows_{w}x{h}_testbackend"),
            |b| {
                b.iter(|| {
                    s.app.dirty = true;
                    t.draw(|f| chartroom::tui::draw(f, &mut s)).unwrap();
                })
            },
        );
    }
    // The full path into a crossterm backend: render, diff, escape codes, synchronized update.
    let (mut s, id) = state_with_rows(50);
    let (mut t, _) = crossterm_term(120, 60);
    let mut flip = false;
    c.bench_function(
        "patients_frame_50_rows_120x60_crossterm_changed_rows",
        |b| {
            b.iter(|| {
                flip = !flip;
                update(
                    &mut s,
                    Msg::Db(
                        id,
                        Ok(found(rows(50, if flip { "Smith" } else { "Jones" }))),
                    ),
                );
                draw_frame(&mut t, &mut s).unwrap();
            })
        },
    );
}

/// Bytes for a keystroke that changes the results (synthetic rows, no store).
fn bytes_synthetic() {
    let (mut s, _) = state_with_rows(50);
    let (mut t, count) = crossterm_term(100, 30);
    draw_frame(&mut t, &mut s).unwrap();
    let mut per_key = Vec::new();
    for (i, c) in "sonxyz".chars().enumerate() {
        let before = count.0.load(Ordering::Relaxed);
        let fx = update(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
        draw_frame(&mut t, &mut s).unwrap();
        let id = search_id(&fx).expect("a search");
        update(
            &mut s,
            Msg::Db(id, Ok(found(rows(50 - i * 8, &format!("T{i}"))))),
        );
        draw_frame(&mut t, &mut s).unwrap();
        per_key.push(count.0.load(Ordering::Relaxed) - before);
    }
    eprintln!("bytes per keystroke (synthetic, 100x30, results change every key): {per_key:?}");
}

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1e3
}

/// The real machinery on a store: channel, worker thread, `turn`, draw into a counted
/// crossterm backend.
struct Harness {
    tx: mpsc::Sender<Msg>,
    rx: mpsc::Receiver<Msg>,
    worker: Worker,
    s: State,
    term: Terminal<CrosstermBackend<Counter>>,
    count: Counter,
}

impl Harness {
    fn open(db: &std::path::Path) -> Harness {
        let (tx, rx) = mpsc::channel();
        let worker = Worker::spawn(db.to_path_buf().into(), Clock::System, tx.clone());
        let mut s = new_state();
        while s.app.session.is_none() && s.app.store_error.is_none() {
            turn(&mut s, &rx, None).expect("worker alive");
        }
        assert!(s.app.store_error.is_none(), "{:?}", s.app.store_error);
        let (mut term, count) = crossterm_term(100, 30);
        draw_frame(&mut term, &mut s).unwrap();
        Harness {
            tx,
            rx,
            worker,
            s,
            term,
            count,
        }
    }

    fn clear(&mut self) {
        update(
            &mut self.s,
            Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
        );
        draw_frame(&mut self.term, &mut self.s).unwrap();
    }

    /// One keystroke: key sent → results for the new text drawn. Returns time and bytes.
    fn key(&mut self, c: char) -> (Duration, usize) {
        self.press(KeyCode::Char(c))
    }

    fn press(&mut self, code: KeyCode) -> (Duration, usize) {
        let b0 = self.count.0.load(Ordering::Relaxed);
        let t0 = Instant::now();
        self.tx
            .send(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
            .unwrap();
        loop {
            for e in turn(&mut self.s, &self.rx, None).expect("alive") {
                if let Effect::Request(r) = e {
                    self.worker.send(r);
                }
            }
            if self.s.app.dirty {
                draw_frame(&mut self.term, &mut self.s).unwrap();
            }
            // Results (or an error) for the new text are on screen.
            if !self.s.probe(PaneId::Patients).busy {
                break;
            }
        }
        (t0.elapsed(), self.count.0.load(Ordering::Relaxed) - b0)
    }

    fn type_words(&mut self, words: &[&str]) -> (Vec<Duration>, Vec<usize>) {
        let (mut lat, mut bytes) = (Vec::new(), Vec::new());
        for w in words {
            self.clear();
            for c in w.chars() {
                let (l, b) = self.key(c);
                lat.push(l);
                bytes.push(b);
            }
        }
        (lat, bytes)
    }
}

const WORDS: &[&str] = &[
    "smith",
    "jonh smtih",
    "garica",
    "micheal",
    "10004217",
    "1970-03-14",
    "nguyen",
    "anderson mary",
    "jhon",
    "o'brien",
    "williams 1984",
    "5551",
    "patel",
    "kowalski",
    "lee",
];

fn store(c: &mut Criterion) {
    bytes_synthetic();
    let Some(db) = std::env::var_os("CHARTROOM_BENCH_DB").map(PathBuf::from) else {
        eprintln!(
            "skipping the store benchmarks: set CHARTROOM_BENCH_DB to a store (e.g. /tmp/big.db)"
        );
        return;
    };
    if !db.exists() {
        eprintln!(
            "skipping the store benchmarks: {} does not exist",
            db.display()
        );
        return;
    }
    // The store's share: Service::find alone (search + rows + audit row), same queries.
    let mut svc =
        chartroom::service::Service::open(&db.clone().into(), Clock::System).expect("open store");
    let mut alone = Vec::new();
    let mut slow: Vec<(Duration, String)> = Vec::new();
    for _ in 0..3 {
        for w in WORDS {
            for n in 1..=w.chars().count() {
                let q: String = w.chars().take(n).collect();
                let t0 = Instant::now();
                let _ = svc.find(q.trim(), chartroom::tui::update::SEARCH_LIMIT);
                alone.push(t0.elapsed());
                slow.push((t0.elapsed(), q));
            }
        }
    }
    slow.sort_by_key(|s| std::cmp::Reverse(s.0));
    let worst: Vec<String> = slow
        .iter()
        .take(10)
        .map(|(d, q)| format!("{q:?} {:.1} ms", d.as_secs_f64() * 1e3))
        .collect();
    eprintln!("slowest Service::find queries: {}", worst.join(", "));
    eprintln!(
        "Service::find alone over {} queries: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms",
        alone.len(),
        pct(&mut alone, 0.5),
        pct(&mut alone, 0.9),
        pct(&mut alone, 0.99)
    );
    drop(svc);
    let mut h = Harness::open(&db);
    // Warm-up round (page cache, vocabulary), then measured rounds.
    let _ = h.type_words(WORDS);
    let (mut lat, mut bytes) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        let (l, b) = h.type_words(WORDS);
        lat.extend(l);
        bytes.extend(b);
    }
    bytes.sort();
    eprintln!(
        "keystroke→results drawn on {} over {} keystrokes: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        db.display(),
        lat.len(),
        pct(&mut lat, 0.5),
        pct(&mut lat, 0.9),
        pct(&mut lat, 0.99),
        pct(&mut lat, 1.0)
    );
    eprintln!(
        "bytes per search keystroke (100x30, both frames: echo + results): p50 {} B, mean {} B, max {} B",
        bytes[bytes.len() / 2],
        bytes.iter().sum::<usize>() / bytes.len(),
        bytes[bytes.len() - 1]
    );
    let mut g = c.benchmark_group("store");
    g.sample_size(30);
    // One keystroke turning "smit" into "smith" (and back), through the whole loop.
    h.clear();
    for ch in "smit".chars() {
        h.key(ch);
    }
    g.bench_function("keystroke_smit_to_smith_results_drawn", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                total += h.key('h').0;
                h.press(KeyCode::Backspace);
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, frame, store);
criterion_main!(benches);
