//! What the server and the network said, as `StoreError`s a records clerk can act on. The
//! `libsql` crate gives its protocol errors as text ("api error: `status=401 …, body=…`",
//! "stream error: `Error { message: …, code: \"SQLITE_BUSY\" }`", "http error: `…`"), so they
//! are read from that text; anything not recognised is passed on as the server's own words.

use super::super::StoreError;

/// A server error code (`SQLITE_BUSY`, `TRANSACTION_TIMEOUT`…) in a stream error's text.
fn code(s: &str) -> Option<&str> {
    let i = s.find("code: \"")? + 7;
    let rest = &s[i..];
    Some(&rest[..rest.find('"')?])
}

/// The server's message in a stream error's text.
fn message(s: &str) -> Option<&str> {
    let i = s.find("message: \"")? + 10;
    let rest = &s[i..];
    Some(&rest[..rest.find("\", code")?])
}

/// The HTTP status in an API error's text.
fn status(s: &str) -> Option<u16> {
    let i = s.find("status=")? + 7;
    s.get(i..i + 3)?.parse().ok()
}

/// Maps what the crate returned for a request to the server at `url`.
pub(super) fn map(e: libsql::Error, url: &str) -> StoreError {
    let text = e.to_string();
    match &e {
        libsql::Error::Hrana(_) | libsql::Error::ConnectionFailed(_) => classify(&text, url),
        libsql::Error::Sqlite3SyntaxError(..)
        | libsql::Error::Sqlite3UnsupportedStatement
        | libsql::Error::Sqlite3ParserError(_) => {
            StoreError::Other(format!("the client could not send a statement: {text}"))
        }
        libsql::Error::InvalidTlsConfiguration(io) => StoreError::Unreachable {
            url: url.to_string(),
            why: format!("TLS could not be set up: {io}"),
        },
        _ if interrupted(&text) => StoreError::TxTakenOver,
        _ => StoreError::Other(text),
    }
}

fn classify(text: &str, url: &str) -> StoreError {
    let url = url.to_string();
    if let Some(st) = status(text) {
        return match st {
            401 if text.contains("expired") => StoreError::TokenExpired(url),
            401 => StoreError::ServerRefused {
                url,
                why: if text.contains("none given") {
                    "no credential was sent".into()
                } else {
                    "the credential is not one it accepts".into()
                },
            },
            403 if text.contains("Write permission") => StoreError::ReadOnlyToken(url),
            403 => StoreError::ServerRefused {
                url,
                why: "the credential is not allowed to use this store".into(),
            },
            404 => StoreError::Unreachable {
                url,
                why: "nothing answers at that address (404): is it a libSQL server?".into(),
            },
            _ => StoreError::Unreachable {
                url,
                why: format!("the server answered {st}"),
            },
        };
    }
    if let Some(c) = code(text) {
        let msg = message(text).unwrap_or(text).to_string();
        return match c {
            "SQLITE_BUSY" | "SQLITE_LOCKED" => StoreError::Busy,
            // sqld hands the write lock to a waiting writer after about 5 s, interrupting the
            // holder's statement; an interrupted statement rolls its whole transaction back.
            "TRANSACTION_TIMEOUT" | "SQLITE_INTERRUPT" => StoreError::TxTakenOver,
            "SQLITE_FULL" => StoreError::DiskFull,
            "SQLITE_CORRUPT" | "SQLITE_NOTADB" => StoreError::Corrupt,
            "SQLITE_READONLY" => StoreError::ReadOnlyToken(url),
            "STREAM_EXPIRED" | "STREAM_CLOSED" => StoreError::ServerLost {
                url,
                why: "it closed our session (it was idle too long)".into(),
            },
            c if c.starts_with("SQLITE_CONSTRAINT") => {
                StoreError::Duplicate(msg.trim_start_matches("SQLite error: ").to_string())
            }
            "SQL_PARSE_ERROR" if msg.contains("unsupported statement") => {
                StoreError::Unsupported(format!("the store server at {url} refuses: {msg}"))
            }
            _ if interrupted(&msg) => StoreError::TxTakenOver,
            _ => StoreError::Other(msg.trim_start_matches("SQLite error: ").to_string()),
        };
    }
    if text.contains("http error") || text.contains("onnect") {
        let why = if text.contains("Connection refused") {
            "nothing listens at that address".to_string()
        } else if text.contains("dns error") || text.contains("failed to lookup") {
            "the host name is not known".to_string()
        } else {
            strip(text)
        };
        if text.contains("error trying to connect") || text.contains("dns error") {
            return StoreError::Unreachable { url, why };
        }
        return StoreError::ServerLost { url, why };
    }
    if interrupted(text) {
        return StoreError::TxTakenOver;
    }
    StoreError::Other(strip(text))
}

/// sqld interrupts the holder of the write lock when it hands the lock to a waiting writer,
/// and says so with or without a code ("api error: SQLite error: interrupted"): the
/// transaction was rolled back and can run again.
fn interrupted(text: &str) -> bool {
    strip(text).trim_end().ends_with("interrupted")
}

/// The crate's wrapping ("Hrana: `http error: `…``") taken off.
fn strip(text: &str) -> String {
    text.replace("Hrana: ", "")
        .replace("http error: ", "")
        .replace('`', "")
}

/// An error from COMMIT: if the request may have reached the server, nobody can say whether
/// it saved, and the message says so.
pub(super) fn at_commit(e: StoreError, url: &str) -> StoreError {
    match e {
        StoreError::ServerTimeout(_) | StoreError::ServerLost { .. } => {
            StoreError::CommitUnknown(url.to_string())
        }
        other => other,
    }
}

/// Whether the server rolled the transaction back for a reason a second run can clear.
pub(super) fn retryable(e: &StoreError) -> bool {
    matches!(e, StoreError::Busy | StoreError::TxTakenOver)
}

/// Whether the error means the connection itself is gone (no ROLLBACK can reach the server).
pub(super) fn transport(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::ServerTimeout(_)
            | StoreError::ServerLost { .. }
            | StoreError::Unreachable { .. }
            | StoreError::CommitUnknown(_)
    )
}

/// A request needed to check the server failed: says what was being checked.
pub fn server_problem(url: &str, what: &str, e: StoreError) -> StoreError {
    match e {
        StoreError::Other(m) => StoreError::Unsupported(format!("{what} at {url}: {m}")),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_errors_read_from_their_text() {
        let u = "http://127.0.0.1:1";
        let t = |s: &str| classify(s, u);
        assert!(matches!(
            t(
                "Hrana: `api error: `status=401 Unauthorized, body={\"error\":\"Unauthorized: `The JWT has expired`\"}``"
            ),
            StoreError::TokenExpired(_)
        ));
        assert!(matches!(
            t(
                "Hrana: `api error: `status=401 Unauthorized, body={\"error\":\"Unauthorized: `Expected authorization header but none given`\"}``"
            ),
            StoreError::ServerRefused { .. }
        ));
        assert!(matches!(
            t(
                "Hrana: `api error: `status=403 Forbidden, body={\"error\":\"Authorization forbidden: Current session doesn't not have Write permission to namespace default\"}``"
            ),
            StoreError::ReadOnlyToken(_)
        ));
        assert!(matches!(
            t("Hrana: `stream error: `Error { message: \"SQLite error: UNIQUE constraint failed: t.a\", code: \"SQLITE_CONSTRAINT\" }``"),
            StoreError::Duplicate(m) if m == "UNIQUE constraint failed: t.a"
        ));
        assert!(matches!(
            t(
                "Hrana: `stream error: `Error { message: \"Transaction timed out\", code: \"TRANSACTION_TIMEOUT\" }``"
            ),
            StoreError::TxTakenOver
        ));
        assert!(matches!(
            t("Hrana: `api error: `SQLite error: interrupted``"),
            StoreError::TxTakenOver
        ));
        assert!(matches!(
            t(
                "Hrana: `http error: `error trying to connect: tcp connect error: Connection refused (os error 111)``"
            ),
            StoreError::Unreachable { .. }
        ));
        assert!(matches!(
            t("Hrana: `http error: `connection closed before message completed``"),
            StoreError::ServerLost { .. }
        ));
    }
}
