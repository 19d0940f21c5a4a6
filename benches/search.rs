//! Patient search over a large synthetic store: p50/p90 per typed query for the token index,
//! against a plain fuzzy-matcher SkimMatcherV2 scan of every name measured in the same run
//! (names preloaded in memory, one thread, no caching on either side).
//!
//! Store: `CHARTROOM_BENCH_DB` if set, else `target/bench-data/search-<N>.db`, built once
//! with N = `CHARTROOM_BENCH_PATIENTS` (default 1,000,000) synthetic patients.
//! Run: `cargo bench --bench search`.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

use chartroom::search::SearchIndex;
use chartroom::service::{Clock, Service, demo, identity};
use chartroom::store::{self, OpenMode, Sql};

/// Fifty queries as clerks type them: typos, transpositions, partial words, swapped order,
/// accents typed and not, names with a date of birth.
const QUERIES: [&str; 50] = [
    "jonh smtih",
    "smith john",
    "micheal",
    "garica",
    "nguyen",
    "nguyen thao",
    "dang",
    "sorensen",
    "muller",
    "mueller",
    "obrien",
    "o'brien",
    "de la cruz",
    "delacruz",
    "nunez",
    "jonhson",
    "willaims",
    "brwon",
    "jones mary",
    "davsi",
    "rodriguez maria",
    "martniez",
    "hernandez jose",
    "lopez",
    "gonzalez",
    "wilson james",
    "andersen",
    "thomas",
    "taylro",
    "moore",
    "jackson",
    "martin",
    "lee",
    "perez",
    "thompson",
    "white",
    "harris",
    "sanchez",
    "clark",
    "ramirez",
    "lewis robert",
    "robinson",
    "walker",
    "young",
    "allen",
    "king",
    "wright",
    "scott",
    "torres",
    "patel",
];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn store_path() -> PathBuf {
    if let Some(p) = std::env::var_os("CHARTROOM_BENCH_DB") {
        return PathBuf::from(p);
    }
    let n: usize = std::env::var("CHARTROOM_BENCH_PATIENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let p = dir.join(format!("search-{n}.db"));
    if !p.exists() {
        eprintln!("building a {n}-patient store at {} (once)…", p.display());
        let login = identity::os_login().expect("login");
        demo::build(
            &p,
            n,
            1,
            Clock::System,
            &login,
            &AtomicBool::new(false),
            &mut |_| {},
        )
        .expect("demo store");
    }
    p
}

fn main() {
    // `cargo test --benches` runs bench targets with --bench absent: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let path = store_path();
    let db = store::open_file(&path, OpenMode::Existing, None).expect("open store");
    let t = Instant::now();
    let ix = SearchIndex::load(&db).expect("vocabulary");
    println!(
        "store {}: vocabulary of {} tokens loaded in {:.1} ms",
        path.display(),
        ix.vocabulary_size(),
        ms(t.elapsed())
    );

    // The index: search, fetching the rows shown and breaking ties on them, as `find` does
    // (the audit row excluded here; measured separately below).
    // One warm-up pass so both sides are measured with the pages they touch in memory.
    for q in QUERIES {
        std::hint::black_box(ix.search(&db, q, 50).expect("search"));
    }
    let mut idx_times = Vec::new();
    let reps: usize = std::env::var("CHARTROOM_BENCH_REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    for _ in 0..reps {
        for q in QUERIES {
            let t = Instant::now();
            let rows = chartroom::search::rank::find(&ix, &db, q, 50).expect("search");
            idx_times.push(t.elapsed());
            std::hint::black_box(rows);
        }
    }
    if std::env::var_os("CHARTROOM_BENCH_VERBOSE").is_some() {
        for (i, q) in QUERIES.iter().enumerate() {
            let mut t: Vec<Duration> = (0..reps)
                .map(|r| idx_times[r * QUERIES.len() + i])
                .collect();
            t.sort();
            let n = ix.search(&db, q, 100_000).map(|h| h.len()).unwrap_or(0);
            println!(
                "  {q:<18} median {:>7.3} ms  ({n} matches)",
                ms(t[t.len() / 2])
            );
        }
    }
    idx_times.sort();
    if std::env::var_os("CHARTROOM_BENCH_INDEX_ONLY").is_some() {
        let (i50, i90) = (percentile(&idx_times, 0.5), percentile(&idx_times, 0.9));
        println!(
            "token index   p50 {:>8.3} ms  p90 {:>8.3} ms",
            ms(i50),
            ms(i90)
        );
        return;
    }

    // The baseline: every name as a list shows it ("Family, Given Middle") in memory,
    // SkimMatcherV2 over all of them, keep the best 50.
    let names: Vec<String> = db
        .query(
            "SELECT family || ', ' || given || coalesce(' ' || middle, '') FROM patients",
            &[],
        )
        .expect("names")
        .into_iter()
        .map(|r| r.text(0).expect("name"))
        .collect();
    let matcher = SkimMatcherV2::default();
    let mut scan_times = Vec::new();
    for q in QUERIES {
        let t = Instant::now();
        let mut scored: Vec<(i64, usize)> = names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| matcher.fuzzy_match(n, q).map(|s| (s, i)))
            .collect();
        let k = scored.len().min(50);
        if k > 0 && k < scored.len() {
            scored.select_nth_unstable_by(k, |a, b| b.0.cmp(&a.0));
        }
        scored.truncate(k);
        scan_times.push(t.elapsed());
        std::hint::black_box(scored);
    }
    scan_times.sort();

    let (i50, i90) = (percentile(&idx_times, 0.5), percentile(&idx_times, 0.9));
    let (s50, s90) = (percentile(&scan_times, 0.5), percentile(&scan_times, 0.9));
    println!("patients: {}", names.len());
    println!(
        "token index   p50 {:>8.3} ms  p90 {:>8.3} ms  ({} runs)",
        ms(i50),
        ms(i90),
        idx_times.len()
    );
    println!(
        "skim scan     p50 {:>8.3} ms  p90 {:>8.3} ms  ({} runs)",
        ms(s50),
        ms(s90),
        scan_times.len()
    );
    println!(
        "index is {:.0}x faster than the scan at p50, {:.0}x at p90",
        s50.as_secs_f64() / i50.as_secs_f64(),
        s90.as_secs_f64() / i90.as_secs_f64()
    );
    drop(db);

    // Through the service, as the shell and the TUI call it: includes the audit row (its own
    // write transaction, synchronous = FULL).
    let mut svc = Service::open(&path.clone().into(), Clock::System).expect("service");
    let mut svc_times = Vec::new();
    for q in QUERIES {
        let t = Instant::now();
        std::hint::black_box(svc.find(q, 50).expect("find"));
        svc_times.push(t.elapsed());
    }
    svc_times.sort();
    println!(
        "service find (with audit row) p50 {:.3} ms  p90 {:.3} ms",
        ms(percentile(&svc_times, 0.5)),
        ms(percentile(&svc_times, 0.9))
    );

    // A whole `chartroom find` process, when the release binary is built; its peak RSS as
    // GNU time reports it (getrusage here would count this process's memory at fork).
    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/chartroom");
    if bin.exists() {
        let mut walls = Vec::new();
        let mut peak_kb = 0u64;
        for _ in 0..20 {
            let t = Instant::now();
            let o = std::process::Command::new("/usr/bin/time")
                .args(["-f", "%M"])
                .arg(&bin)
                .arg("--db")
                .arg(&path)
                .args(["find", "jonh smtih"])
                .output()
                .expect("run chartroom under /usr/bin/time");
            walls.push(t.elapsed());
            assert!(o.status.success());
            let err = String::from_utf8_lossy(&o.stderr);
            let kb = err
                .lines()
                .last()
                .and_then(|l| l.trim().parse().ok())
                .unwrap_or(0);
            peak_kb = peak_kb.max(kb);
        }
        walls.sort();
        println!(
            "process `chartroom find \"jonh smtih\"`: p50 {:.1} ms wall, max {:.1} ms; peak RSS {} MB",
            ms(percentile(&walls, 0.5)),
            ms(*walls.last().unwrap()),
            peak_kb / 1024
        );
    } else {
        println!("(build the release binary to time a whole `chartroom find` process)");
    }
}
