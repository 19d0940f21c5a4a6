//! Anchors: the chain head written, at a moment, where the people the trail watches cannot
//! rewrite it; restore markers, which say that a restore replaced the rows past a backup's
//! head (and where those rows were archived); and the archive files themselves.

use serde::{Deserialize, Serialize};

use super::chain::{Stored, StoredRow};

/// A line of the anchor file: the chain head at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub head_id: i64,
    pub rows: i64,
    pub hash: String,
    pub at: String,
}

const ANCHOR_TAG: &str = "chartroom-audit-anchor v1";
const RESTORE_TAG: &str = "chartroom-audit-restore v1";

fn fields(rest: &str) -> impl Iterator<Item = (&str, &str)> {
    rest.split_whitespace()
        .map(|part| part.split_once('=').unwrap_or((part, "")))
}

fn is_hash(h: &str) -> bool {
    h.len() == 64 && hex::decode(h).is_ok()
}

fn damaged(line: &str) -> String {
    let shown: String = line.trim().chars().take(200).collect();
    // Shown through `Text` by whoever prints it (the report's `anchor_problem`).
    format!("the anchor line \"{shown}\" is damaged")
}

impl Anchor {
    /// `chartroom-audit-anchor v1 head=N rows=N hash=HEX at=TIME`
    pub fn to_line(&self) -> String {
        format!(
            "{ANCHOR_TAG} head={} rows={} hash={} at={}",
            self.head_id, self.rows, self.hash, self.at
        )
    }

    /// Reads a line; the tag may follow a syslog prefix. `None` for lines without the tag,
    /// `Some(Err)` for a damaged line.
    pub fn parse_line(line: &str) -> Option<Result<Anchor, String>> {
        let at = line.find(ANCHOR_TAG)?;
        let rest = &line[at + ANCHOR_TAG.len()..];
        let mut a = Anchor {
            head_id: -1,
            rows: -1,
            hash: String::new(),
            at: String::new(),
        };
        for (k, v) in fields(rest) {
            match k {
                "head" => a.head_id = v.parse().unwrap_or(-1),
                "rows" => a.rows = v.parse().unwrap_or(-1),
                "hash" => a.hash = v.to_ascii_lowercase(),
                "at" => a.at = v.to_string(),
                _ => {}
            }
        }
        if a.head_id < 0 || a.rows < 0 || !is_hash(&a.hash) {
            return Some(Err(damaged(line)));
        }
        Some(Ok(a))
    }
}

/// Written to the anchor file by `chartroom restore`: the store now holds a backup's trail
/// up to `head` (whose hash is `hash`), and the rows `head+1..=replaced_head` it replaced
/// (ending in `replaced_hash`) are kept in the archive file `archive`. Anchors written before
/// this line for rows past `head` are checked against that archive instead of the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreMarker {
    pub head: i64,
    pub hash: String,
    pub replaced_head: i64,
    pub replaced_hash: String,
    pub at: String,
    pub archive: String,
}

impl RestoreMarker {
    /// `chartroom-audit-restore v1 head=N hash=HEX replaced_head=M replaced_hash=HEX at=TIME
    /// archive=PATH` (the path last: it runs to the end of the line).
    pub fn to_line(&self) -> String {
        format!(
            "{RESTORE_TAG} head={} hash={} replaced_head={} replaced_hash={} at={} archive={}",
            self.head, self.hash, self.replaced_head, self.replaced_hash, self.at, self.archive
        )
    }

    pub fn parse_line(line: &str) -> Option<Result<RestoreMarker, String>> {
        let at = line.find(RESTORE_TAG)?;
        let rest = &line[at + RESTORE_TAG.len()..];
        let (head_part, archive) = match rest.split_once(" archive=") {
            Some((h, a)) => (h, a.trim_end_matches(['\r', '\n']).to_string()),
            None => return Some(Err(damaged(line))),
        };
        let mut m = RestoreMarker {
            head: -1,
            hash: String::new(),
            replaced_head: -1,
            replaced_hash: String::new(),
            at: String::new(),
            archive,
        };
        for (k, v) in fields(head_part) {
            match k {
                "head" => m.head = v.parse().unwrap_or(-1),
                "hash" => m.hash = v.to_ascii_lowercase(),
                "replaced_head" => m.replaced_head = v.parse().unwrap_or(-1),
                "replaced_hash" => m.replaced_hash = v.to_ascii_lowercase(),
                "at" => m.at = v.to_string(),
                _ => {}
            }
        }
        if m.head < 0
            || m.replaced_head < m.head
            || !is_hash(&m.hash)
            || !is_hash(&m.replaced_hash)
            || m.archive.is_empty()
        {
            return Some(Err(damaged(line)));
        }
        Some(Ok(m))
    }
}

/// One meaningful line of an anchor file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorLine {
    Anchor(Anchor),
    Restore(RestoreMarker),
}

/// Every anchor and restore marker in a file's text, in order; the first damaged line, if
/// any. Lines without either tag (a syslog's other lines) are skipped.
pub fn parse_log(text: &str) -> (Vec<AnchorLine>, Option<String>) {
    let mut out = Vec::new();
    let mut problem = None;
    for line in text.lines() {
        let parsed = match RestoreMarker::parse_line(line) {
            Some(r) => Some(r.map(AnchorLine::Restore)),
            None => Anchor::parse_line(line).map(|a| a.map(AnchorLine::Anchor)),
        };
        match parsed {
            Some(Ok(l)) => out.push(l),
            Some(Err(e)) => {
                problem.get_or_insert(e);
            }
            None => {}
        }
    }
    (out, problem)
}

/// The first line of an archive file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArchiveHeader {
    pub chartroom_audit_archive: u32,
    pub from: i64,
    pub to: i64,
    pub written_at: String,
}

/// One archived row: readable fields for a person, and the exact stored values for the hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArchivedRow {
    pub id: i64,
    pub enc: Option<i64>,
    pub prev_hash: String,
    pub hash: String,
    pub at: Option<String>,
    pub username: Option<String>,
    pub action: Option<String>,
    pub object: Option<String>,
    pub outcome: Option<String>,
    pub detail: Option<String>,
    /// The ten hashed columns as (storage class, value) pairs (text and blobs in hex).
    pub stored: Vec<(String, String)>,
}

fn lossy(s: &Stored) -> Option<String> {
    match s {
        Stored::Text(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Stored::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

impl ArchivedRow {
    pub fn from_stored(r: &StoredRow) -> ArchivedRow {
        ArchivedRow {
            id: r.id,
            enc: r.enc.ok().flatten(),
            prev_hash: hex::encode(r.prev_hash.clone().unwrap_or_default()),
            hash: hex::encode(r.hash.clone().unwrap_or_default()),
            at: lossy(&r.cols[0]),
            username: lossy(&r.cols[2]),
            action: lossy(&r.cols[5]),
            object: lossy(&r.cols[7]),
            outcome: lossy(&r.cols[8]),
            detail: lossy(&r.cols[9]),
            stored: r
                .cols
                .iter()
                .map(|c| {
                    let (k, v) = c.to_parts();
                    (k.to_string(), v)
                })
                .collect(),
        }
    }

    /// Whether the readable fields say what the stored values hold (an archive is read by
    /// people: its readable copy must not differ from what the hash covers).
    fn readable_matches(&self, r: &StoredRow) -> bool {
        let want = ArchivedRow::from_stored(r);
        (
            &self.at,
            &self.username,
            &self.action,
            &self.object,
            &self.outcome,
            &self.detail,
        ) == (
            &want.at,
            &want.username,
            &want.action,
            &want.object,
            &want.outcome,
            &want.detail,
        )
    }

    fn to_stored(&self) -> Option<StoredRow> {
        let cols = self
            .stored
            .iter()
            .map(|(k, v)| Stored::from_parts(k, v))
            .collect::<Option<Vec<_>>>()?;
        if cols.len() != super::chain::HASHED_COLS.len() {
            return None;
        }
        Some(StoredRow {
            id: self.id,
            enc: Ok(self.enc),
            prev_hash: hex::decode(&self.prev_hash).ok(),
            hash: hex::decode(&self.hash).ok(),
            cols,
        })
    }
}

/// Writes an archive: a header line, then one JSON line per row.
pub fn archive_text(header: &ArchiveHeader, rows: &[StoredRow]) -> String {
    let mut out = serde_json::to_string(header).unwrap_or_default();
    out.push('\n');
    for r in rows {
        out.push_str(&serde_json::to_string(&ArchivedRow::from_stored(r)).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// Checks an archive against the restore marker that names it: its rows run from
/// `head + 1` to `replaced_head` with no gap, each row's hash recomputes and links to the
/// row before it, and the last one is `replaced_hash`. Returns each row's (id, hash) for the
/// anchors it replaced, or what is wrong.
pub fn check_archive(text: &str, m: &RestoreMarker) -> Result<Vec<(i64, String)>, String> {
    let bad = |why: String| Err(format!("the archive {} {why}", m.archive));
    let mut lines = text.lines();
    let header: ArchiveHeader = match lines.next().map(serde_json::from_str) {
        Some(Ok(h)) => h,
        _ => return bad("is not a chartroom audit archive".into()),
    };
    if header.from != m.head + 1 || header.to != m.replaced_head {
        return bad(format!(
            "holds rows {} to {}, not the rows {} to {} its restore replaced",
            header.from,
            header.to,
            m.head + 1,
            m.replaced_head
        ));
    }
    let mut out = Vec::new();
    let mut prev: Option<Vec<u8>> = None;
    let mut next_id = m.head + 1;
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let Some((archived, row)) = serde_json::from_str::<ArchivedRow>(line)
            .ok()
            .and_then(|a| a.to_stored().map(|r| (a, r)))
        else {
            return bad(format!("has a damaged line at row {next_id}"));
        };
        if !archived.readable_matches(&row) {
            return bad(format!("row {} was changed after it was archived", row.id));
        }
        if row.id != next_id {
            return bad(format!("is missing row {next_id}"));
        }
        let p = row.prev_hash.clone().unwrap_or_default();
        if prev.as_ref().is_some_and(|q| *q != p) {
            return bad(format!("row {} does not follow the row before it", row.id));
        }
        match row.expected_hash(&p) {
            Ok(h) if row.hash.as_deref() == Some(&h[..]) => {}
            _ => return bad(format!("row {} was changed after it was archived", row.id)),
        }
        let h = row.hash.clone().unwrap_or_default();
        out.push((row.id, hex::encode(&h)));
        prev = Some(h);
        next_id += 1;
    }
    if next_id != m.replaced_head + 1 {
        return bad(format!("ends before row {}", m.replaced_head));
    }
    if let Some((_, last)) = out.last()
        && *last != m.replaced_hash
    {
        return bad("does not end in the head its restore marker names".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_lines_round_trip_and_survive_a_syslog_prefix() {
        let a = Anchor {
            head_id: 7,
            rows: 7,
            hash: "ab".repeat(32),
            at: "2026-11-26T12:00:00Z".into(),
        };
        let line = a.to_line();
        assert_eq!(Anchor::parse_line(&line), Some(Ok(a.clone())));
        let syslog = format!("Nov 26 12:00:00 host chartroom[42]: {line}");
        assert_eq!(Anchor::parse_line(&syslog), Some(Ok(a)));
        assert_eq!(Anchor::parse_line("something else"), None);
        assert!(matches!(
            Anchor::parse_line("chartroom-audit-anchor v1 head=x"),
            Some(Err(_))
        ));
    }

    #[test]
    fn restore_markers_round_trip_with_a_path_that_has_spaces() {
        let m = RestoreMarker {
            head: 10,
            hash: "ab".repeat(32),
            replaced_head: 20,
            replaced_hash: "cd".repeat(32),
            at: "2026-11-26T12:00:00Z".into(),
            archive: "/srv/chart room/site.db.restored.audit".into(),
        };
        let (lines, problem) = parse_log(&format!("noise\n{}\n", m.to_line()));
        assert_eq!(problem, None);
        assert_eq!(lines, vec![AnchorLine::Restore(m)]);
    }
}
