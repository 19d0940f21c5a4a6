//! Patient search over a large synthetic store.
//!
//! 1. Typed queries (fifty as clerks type them plus the slow ones from issue 9): p50, p90,
//!    p99 and max of `rank::find` (the index, the row fetch and the tie-breaking: what
//!    `Service::find` costs without its audit row), against a plain fuzzy-matcher
//!    SkimMatcherV2 scan of every name measured in the same run (names preloaded in memory,
//!    one thread).
//! 2. Query kinds (bare year, name + year, one and two letters, typo + partial word, typo
//!    family + three letters of the given name + year, MRN and phone prefixes, …), each
//!    generated from known patients of the store with a seeded generator: timings per kind
//!    and recall@5 (the patient the query was made from is among the first five).
//! 3. The same queries with the search cache emptied before each one (what a one-shot
//!    `chartroom find` pays beyond starting up), `Service::find` with its audit row, and
//!    whole `chartroom find` processes (wall time and peak RSS).
//!
//! Sections 1 and 2 measure a long-running process (the TUI) after `SearchIndex::warm`;
//! `CHARTROOM_BENCH_COLD=1` skips the warm-up (lists are then read as queries need them).
//!
//! Store: `CHARTROOM_BENCH_DB` if set, else `target/bench-data/search-<N>.db`, built once
//! with N = `CHARTROOM_BENCH_PATIENTS` (default 1,000,000) synthetic patients.
//! `CHARTROOM_BENCH_PER_KIND` (default 60) queries per kind; `CHARTROOM_BENCH_VERBOSE=1`
//! prints every typed query.
//! Run: `cargo bench --bench search`.

#[path = "search_support/api.rs"]
mod api;
#[path = "search_support/kinds.rs"]
mod kinds;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

use chartroom::demo::rng::Rng;
use chartroom::search::SearchIndex;
use chartroom::service::{Clock, Service, demo, identity};
use chartroom::store::{self, OpenMode, Tx};

use kinds::{KINDS, known_patients, ms, percentile, spread};

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

/// The slow ones issue 9 names, and one of each other kind as a clerk types it, keystroke
/// by keystroke where the intermediate states are the risk.
const TYPED_KINDS: &[&str] = &[
    "1970",
    "williams 1984",
    "williams 1",
    "williams 19",
    "williams 198",
    "j",
    "jo",
    "s",
    "jonh s",
    "jonh sm",
    "j s",
    "jo sm",
    "murhy jon 2008",
    "1000",
    "1",
    "10",
    "100012",
    "10001234",
    "201555",
    "201-555-12",
    "555-201-3344",
    "smith 2233",
    "03/14/1970",
    "1970-03-14",
    "19700314",
    "1970-03",
    "smith 03/1970",
    "de la",
    "maria 1",
];

fn store_path() -> PathBuf {
    if let Some(p) = std::env::var_os("CHARTROOM_BENCH_DB") {
        return PathBuf::from(p);
    }
    let n: usize = env_num("CHARTROOM_BENCH_PATIENTS", 1_000_000);
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

fn env_num(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Times `rank::find` `reps` times per query, after one untimed pass (so the index and the
/// scan both run with the store pages they touch in memory): the timings of each query.
fn time_find(ix: &SearchIndex, db: &dyn Tx, queries: &[String], reps: usize) -> Vec<Vec<Duration>> {
    for q in queries {
        std::hint::black_box(api::find(ix, db, q, 50));
    }
    let mut times = vec![Vec::with_capacity(reps); queries.len()];
    for _ in 0..reps {
        for (i, q) in queries.iter().enumerate() {
            let t = Instant::now();
            let rows = api::find(ix, db, q, 50);
            times[i].push(t.elapsed());
            std::hint::black_box(rows);
        }
    }
    times
}

/// Every run of every query.
fn all_runs(times: &[Vec<Duration>]) -> Vec<Duration> {
    times.iter().flatten().copied().collect()
}

/// Each query's median run: a run the scheduler interrupted (two cores shared with other
/// builds) does not count against the query.
fn medians(times: &[Vec<Duration>]) -> Vec<Duration> {
    times
        .iter()
        .map(|t| {
            let mut t = t.clone();
            t.sort();
            t[t.len() / 2]
        })
        .collect()
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
    // A long-running process (the TUI) reads the postings into memory once; a one-shot
    // process does not (CHARTROOM_BENCH_COLD=1 measures that way: lists are still kept once
    // read, as in any process).
    let cold = std::env::var_os("CHARTROOM_BENCH_COLD").is_some();
    if !cold {
        let t = Instant::now();
        if let Some(held) = api::warm(&ix, &db) {
            println!(
                "postings read into memory in {:.1} ms: {held}",
                ms(t.elapsed())
            );
        }
    }
    let verbose = std::env::var_os("CHARTROOM_BENCH_VERBOSE").is_some();
    let reps = env_num("CHARTROOM_BENCH_REPS", 5);

    // 1. Typed queries.
    let typed: Vec<String> = QUERIES
        .iter()
        .chain(TYPED_KINDS)
        .map(|s| s.to_string())
        .collect();
    let typed_times = time_find(&ix, &db, &typed, reps);
    let typed_medians = medians(&typed_times);
    if verbose {
        for (q, t) in typed.iter().zip(&typed_medians) {
            let total = api::find(&ix, &db, q, 50).1;
            println!("  {q:<18} median {:>7.3} ms  ({total} matches)", ms(*t));
        }
    }
    let mut worst: Vec<(Duration, &String)> = typed_medians.iter().copied().zip(&typed).collect();
    worst.sort_by_key(|w| std::cmp::Reverse(w.0));
    let n50 = QUERIES.len();
    let mut fifty = all_runs(&typed_times[..n50]);
    let mut fifty_med = typed_medians[..n50].to_vec();
    let mut kinds_typed = all_runs(&typed_times[n50..]);
    let mut kinds_med = typed_medians[n50..].to_vec();
    let mut all_typed = all_runs(&typed_times);
    let mut all_typed_med = typed_medians.clone();
    println!(
        "rank::find, limit 50; {reps} runs of each typed query (all runs | each query's median):"
    );
    println!(
        "  50 typed queries     {}  |  {}",
        spread(&mut fifty),
        spread(&mut fifty_med)
    );
    println!(
        "  issue-9 typed kinds  {}  |  {}",
        spread(&mut kinds_typed),
        spread(&mut kinds_med)
    );
    println!(
        "  all typed            {}  |  {}",
        spread(&mut all_typed),
        spread(&mut all_typed_med)
    );
    println!(
        "  slowest typed (median): {}",
        worst
            .iter()
            .take(6)
            .map(|(d, q)| format!("{q:?} {:.2}", ms(*d)))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // 2. Kinds generated from known patients.
    let per_kind = env_num("CHARTROOM_BENCH_PER_KIND", 60);
    let gen_reps = env_num("CHARTROOM_BENCH_GEN_REPS", 3);
    let mut rng = Rng::new(9);
    let pool = known_patients(&db, &mut rng, per_kind * 2);
    let mut gen_all: Vec<Duration> = Vec::new();
    let mut gen_med: Vec<Duration> = Vec::new();
    let mut all_generated: Vec<String> = Vec::new();
    println!(
        "query kinds, {per_kind} each from known patients (seeded); each query's median of \
         {gen_reps} runs; recall@5"
    );
    for kind in KINDS {
        let mut qs: Vec<(String, String)> = Vec::new();
        for k in &pool {
            if qs.len() == per_kind {
                break;
            }
            if let Some(q) = (kind.make)(&mut rng, k) {
                qs.push((q, k.mrn.clone()));
            }
        }
        let texts: Vec<String> = qs.iter().map(|q| q.0.clone()).collect();
        all_generated.extend(texts.iter().cloned());
        let times = time_find(&ix, &db, &texts, gen_reps);
        gen_all.extend(all_runs(&times));
        let mut med = medians(&times);
        gen_med.extend_from_slice(&med);
        let hits = qs
            .iter()
            .filter(|(q, mrn)| {
                api::find(&ix, &db, q, 50)
                    .0
                    .iter()
                    .take(5)
                    .any(|r| &r.mrn == mrn)
            })
            .count();
        println!(
            "  {:<30} {}  recall@5 {:>5.1}% ({hits}/{})",
            kind.name,
            spread(&mut med),
            100.0 * hits as f64 / qs.len().max(1) as f64,
            qs.len()
        );
    }
    println!("  all generated, all runs        {}", spread(&mut gen_all));
    println!("  all generated, medians         {}", spread(&mut gen_med));
    println!("search cache now: {}", api::held(&ix));

    // The same queries as a one-shot process runs them: nothing in memory but the
    // vocabulary (the cache emptied before each query; the store's pages stay warm).
    let mut cold_typed = Vec::new();
    for q in &typed {
        api::forget(&ix);
        let t = Instant::now();
        std::hint::black_box(api::find(&ix, &db, q, 50));
        cold_typed.push(t.elapsed());
    }
    let mut cold_gen = Vec::new();
    for q in &all_generated {
        api::forget(&ix);
        let t = Instant::now();
        std::hint::black_box(api::find(&ix, &db, q, 50));
        cold_gen.push(t.elapsed());
    }
    println!("cold (the search cache emptied before each query, as in a one-shot process):");
    println!("  typed                {}", spread(&mut cold_typed));
    println!("  generated            {}", spread(&mut cold_gen));

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
    let patients = names.len();
    drop(names);
    scan_times.sort();
    let s50 = percentile(&scan_times, 0.5);
    println!("patients: {patients}");
    println!(
        "skim scan, 50 typed queries  {}",
        spread(&mut scan_times.clone())
    );
    let ratio = |d: Duration| s50.as_secs_f64() / d.as_secs_f64().max(1e-9);
    for (name, t) in [
        ("50 typed, all runs", &fifty),
        ("all typed, all runs", &all_typed),
        ("all typed, medians", &all_typed_med),
        ("generated, medians", &gen_med),
        ("cold typed", &cold_typed),
    ] {
        println!(
            "  skim p50 / index {name:<20} p50 {:>5.0}x  p90 {:>5.0}x  p99 {:>5.0}x  max {:>5.0}x",
            ratio(percentile(t, 0.5)),
            ratio(percentile(t, 0.9)),
            ratio(percentile(t, 0.99)),
            ratio(*t.last().unwrap()),
        );
    }
    drop(db);

    // 3. Through the service, as the shell and the TUI call it: includes the audit row (its own
    // write transaction, synchronous = FULL).
    let mut svc = Service::open(&path.clone().into(), Clock::System).expect("service");
    if !cold {
        api::warm_service(&mut svc);
    }
    for q in &typed {
        std::hint::black_box(svc.find(q, 50).expect("find"));
    }
    let mut svc_times = Vec::new();
    for q in &typed {
        let t = Instant::now();
        std::hint::black_box(svc.find(q, 50).expect("find"));
        svc_times.push(t.elapsed());
    }
    println!(
        "service find (with audit row), typed queries: {}",
        spread(&mut svc_times)
    );
    // A whole `chartroom find` process, when the release binary is built; its peak RSS as
    // GNU time reports it (getrusage here would count this process's memory at fork).
    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/chartroom");
    if bin.exists() {
        for q in ["jonh smtih", "1970", "jo", "murhy jon 2008"] {
            let mut walls = Vec::new();
            let mut peak_kb = 0u64;
            for _ in 0..10 {
                let t = Instant::now();
                let o = std::process::Command::new("/usr/bin/time")
                    .args(["-f", "%M"])
                    .arg(&bin)
                    .arg("--db")
                    .arg(&path)
                    .args(["find", q])
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
                "process `chartroom find {q:?}`: p50 {:.1} ms wall, max {:.1} ms; peak RSS {} MB",
                ms(percentile(&walls, 0.5)),
                ms(*walls.last().unwrap()),
                peak_kb / 1024
            );
        }
    } else {
        println!("(build the release binary to time a whole `chartroom find` process)");
    }
}
