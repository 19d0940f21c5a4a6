//! Every use case of the service is one `chartroom serve` carries: a `pub fn` of `Service`
//! (taking `self`) that is in neither `service::api`'s list of use cases nor its short list
//! of what runs only beside the store fails here, as does a listed name `Service` no longer
//! has. (The shell and the screens hold a `Conn`, whose methods are that list: a use case
//! missing from it cannot be called from them at all.)

use std::collections::BTreeSet;
use std::path::Path;

use chartroom::service::api::{LOCAL_ONLY, NOT_USE_CASES, USE_CASES};

/// The names of the `pub fn`s with a `self` receiver inside `impl Service` blocks, in every
/// file under `src/service`.
fn service_methods() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut files = Vec::new();
    fn walk(p: &Path, files: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(p).expect("read") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(&p, files);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/service"),
        &mut files,
    );
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read");
        let mut depth = 0i32;
        let mut inside: Option<i32> = None;
        let mut sig = String::new();
        for line in text.lines() {
            let t = line.trim_start();
            if inside.is_none() && (t.starts_with("impl Service {") || t == "impl Service {") {
                inside = Some(depth);
            }
            if let Some(d) = inside {
                if depth == d + 1 && t.starts_with("pub fn ") {
                    sig = t.to_string();
                } else if !sig.is_empty() {
                    sig.push_str(t);
                }
                if !sig.is_empty() && sig.contains(')') {
                    let name = sig["pub fn ".len()..]
                        .split(['(', '<'])
                        .next()
                        .unwrap_or_default()
                        .trim()
                        .to_string();
                    let args = sig.split_once('(').map(|x| x.1).unwrap_or_default();
                    if args.trim_start().starts_with("&self")
                        || args.trim_start().starts_with("&mut self")
                    {
                        out.insert(name);
                    }
                    sig.clear();
                }
            }
            for c in line.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if inside.is_some_and(|d| depth <= d) && line.contains('}') {
                inside = None;
            }
        }
    }
    out
}

#[test]
fn every_use_case_of_the_service_is_one_serve_carries() {
    let methods = service_methods();
    assert!(
        methods.contains("find") && methods.contains("audit_verify"),
        "the scan found the service's methods: {methods:?}"
    );
    let carried: BTreeSet<&str> = USE_CASES.iter().copied().collect();
    let local: BTreeSet<&str> = LOCAL_ONLY.iter().map(|(n, _)| *n).collect();
    let not: BTreeSet<&str> = NOT_USE_CASES.iter().copied().collect();
    let missing: Vec<&String> = methods
        .iter()
        .filter(|m| {
            !carried.contains(m.as_str())
                && !local.contains(m.as_str())
                && !not.contains(m.as_str())
        })
        .collect();
    assert!(
        missing.is_empty(),
        "Service has use cases chartroom serve cannot carry: {missing:?}. Add each as one line \
         to use_cases! in src/service/api.rs (or, if it works on files beside the store, to \
         LOCAL_ONLY with the reason)"
    );
    let stale: Vec<&&str> = carried
        .iter()
        .chain(local.iter())
        .filter(|n| !methods.contains(**n))
        .collect();
    assert!(stale.is_empty(), "listed but not on Service: {stale:?}");
    let both: Vec<&&str> = carried.intersection(&local).collect();
    assert!(both.is_empty(), "carried and local-only at once: {both:?}");
}

#[test]
fn each_local_only_use_case_says_why() {
    for (name, why) in LOCAL_ONLY {
        assert!(why.len() > 10, "{name} needs its reason");
    }
}
