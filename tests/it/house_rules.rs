//! The rules of the house, checked on the source itself so a change that breaks one fails
//! here: layers import only downward, the screens never write SQL, outside text reaches a
//! terminal only through `domain::Text` (no hand-placed sanitize calls), files stay small.

use std::path::{Path, PathBuf};

fn sources(dir: &str) -> Vec<(PathBuf, String)> {
    fn walk(p: &Path, out: &mut Vec<(PathBuf, String)>) {
        for e in std::fs::read_dir(p).expect("read src") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).expect("read file");
                out.push((p, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut out);
    out
}

fn offenders(dir: &str, bad: impl Fn(&str) -> bool) -> Vec<String> {
    sources(dir)
        .into_iter()
        .flat_map(|(p, text)| {
            text.lines()
                .enumerate()
                .filter(|(_, l)| !l.trim_start().starts_with("//"))
                .filter(|(_, l)| bad(l))
                .map(|(i, l)| format!("{}:{}: {}", p.display(), i + 1, l.trim()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn domain_and_store_never_touch_the_terminal_or_the_layers_above() {
    for dir in ["src/domain", "src/store", "src/print"] {
        let bad = offenders(dir, |l| {
            l.contains("ratatui")
                || l.contains("crossterm")
                || l.contains("crate::tui")
                || l.contains("crate::cli")
                || l.contains("crate::service")
                || l.contains("crate::demo")
        });
        assert!(
            bad.is_empty(),
            "{dir} reaches above itself:\n{}",
            bad.join("\n")
        );
    }
}

#[test]
fn the_shell_and_the_screens_go_through_the_service() {
    for dir in ["src/cli", "src/tui", "src/serve"] {
        let bad = offenders(dir, |l| l.contains("crate::store"));
        assert!(
            bad.is_empty(),
            "{dir} uses the store directly:\n{}",
            bad.join("\n")
        );
    }
    let sql = offenders("src/tui", |l| {
        ["SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM"]
            .iter()
            .any(|k| l.contains(k))
    });
    assert!(sql.is_empty(), "SQL in the screens:\n{}", sql.join("\n"));
}

#[test]
fn outside_text_is_escaped_by_its_type_only() {
    let bad: Vec<String> = offenders("src", |l| l.contains("sanitize("))
        .into_iter()
        .filter(|o| !o.contains("src/domain/text.rs"))
        .collect();
    assert!(
        bad.is_empty(),
        "hand-placed sanitize calls (show a domain::Text instead):\n{}",
        bad.join("\n")
    );
}

#[test]
fn files_stay_under_600_lines() {
    let big: Vec<String> = sources("src")
        .into_iter()
        .filter(|(_, t)| t.lines().count() > 600)
        .map(|(p, t)| format!("{} ({} lines)", p.display(), t.lines().count()))
        .collect();
    assert!(big.is_empty(), "split these:\n{}", big.join("\n"));
}
