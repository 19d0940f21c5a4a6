//! What is wrong with a store file that cannot be opened, said so that someone knows what to
//! do: `chartroom check` runs this when the store does not open. Reads the file's header and,
//! where SQLite still can, its own checks; writes nothing.

use std::io::Read;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::migrate::SCHEMA_VERSION;

const RESTORE: &str = "restore the newest backup (an administrator runs `chartroom restore BACKUP`), then run `chartroom check` again";

/// The problems found, each with what to do; empty when nothing could be named.
pub fn diagnose(path: &Path, encrypted: bool) -> Vec<String> {
    let mut out = Vec::new();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            out.push(format!(
                "the store file {} cannot be read ({e})",
                path.display()
            ));
            return out;
        }
    };
    let len = meta.len();
    if len == 0 {
        out.push(format!(
            "{} is an empty file, not a store: make one with `chartroom init --db {}`, or {RESTORE}",
            path.display(),
            path.display()
        ));
        return out;
    }
    if encrypted {
        // SQLCipher encrypts the header too; only the size can be judged without the key.
        if len % 1024 != 0 {
            out.push(format!(
                "the store file is truncated: it holds {len} bytes, not a whole number of pages; the end of the store is lost; {RESTORE}"
            ));
        }
        return out;
    }
    let mut head = [0u8; 100];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    if n < 100 || &head[..16] != b"SQLite format 3\0" {
        out.push(format!(
            "the store file's header is damaged (it is not an SQLite database any more); {RESTORE}"
        ));
        return out;
    }
    let page = match u16::from_be_bytes([head[16], head[17]]) {
        1 => 65536u64,
        p => u64::from(p),
    };
    let pages = u64::from(u32::from_be_bytes([head[28], head[29], head[30], head[31]]));
    let counter = &head[24..28];
    let valid_for = &head[92..96];
    if page >= 512 && counter == valid_for && pages > 0 && len < page * pages {
        out.push(format!(
            "the store file is truncated: it holds {len} bytes, but its header says {} ({pages} pages of {page}); the end of the store is lost; {RESTORE}",
            page * pages
        ));
    } else if page >= 512 && len % page != 0 {
        out.push(format!(
            "the store file is truncated: it holds {len} bytes, not a whole number of {page}-byte pages; {RESTORE}"
        ));
    }
    let Ok(c) = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) else {
        return out;
    };
    match c.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0)) {
        Ok(s) if s == "ok" => {}
        Ok(s) => {
            if out.is_empty() {
                out.push(format!("SQLite finds the store damaged ({s}); {RESTORE}"));
            }
        }
        Err(e) => {
            if out.is_empty() {
                out.push(format!("SQLite cannot read the store ({e}); {RESTORE}"));
            }
        }
    }
    if let Some(p) = version_problem(&c, path) {
        out.push(p);
    }
    out
}

/// The schema version the tables show, from what each migration step made.
pub fn tables_version(c: &Connection) -> Option<i64> {
    let has = |sql: &str| -> bool {
        c.query_row(sql, [], |r| r.get::<_, i64>(0))
            .map(|n| n > 0)
            .unwrap_or(false)
    };
    if !has("SELECT count(*) FROM sqlite_master WHERE name = 'audit'") {
        return None;
    }
    Some(
        if has("SELECT count(*) FROM pragma_table_info('audit') WHERE name = 'enc'") {
            5
        } else if has("SELECT count(*) FROM sqlite_master WHERE name = 'providers'") {
            4
        } else if has("SELECT count(*) FROM sqlite_master WHERE name = 'role_permissions'") {
            3
        } else if has("SELECT count(*) FROM sqlite_master WHERE name = 'privacy_alerts'") {
            2
        } else {
            1
        },
    )
}

fn version_problem(c: &Connection, path: &Path) -> Option<String> {
    let marker: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).ok()?;
    let tables = tables_version(c)?;
    if marker == tables {
        return None;
    }
    if marker > SCHEMA_VERSION && tables == SCHEMA_VERSION {
        return Some(format!(
            "the store's version marker says {marker}, but its tables are this chartroom's own (version {tables}): if no newer chartroom was ever installed, the marker was changed or damaged; an administrator can set it back (`sqlite3 {} 'PRAGMA user_version = {tables}'`), or {RESTORE}",
            path.display()
        ));
    }
    if marker <= SCHEMA_VERSION {
        return Some(format!(
            "the store's version marker says {marker}, but its tables are version {tables}: the marker was changed or damaged, so chartroom will not touch the store; an administrator can set it back (`sqlite3 {} 'PRAGMA user_version = {tables}'`), or {RESTORE}",
            path.display()
        ));
    }
    None
}
