//! What can go wrong between a terminal and a records server (`chartroom serve`), said for a
//! records clerk, and how the service's errors travel (serde; an I/O error as its kind and
//! text).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A records server that could not be used: each says what happened and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum RemoteError {
    #[error(
        "cannot reach the records server at {addr} ({why}); it may be down or restarting: try again in a moment, or call your administrator"
    )]
    Unreachable { addr: String, why: String },
    #[error("{}", lost(.addr, .why, *.wrote))]
    Lost {
        addr: String,
        why: String,
        /// The request could have changed something.
        wrote: bool,
    },
    #[error("{}", timeout(.addr, *.secs, *.wrote))]
    Timeout {
        addr: String,
        secs: u64,
        wrote: bool,
    },
    #[error(
        "your session on the records server {addr} has expired; log in again (`chartroom login {addr}`)"
    )]
    Expired { addr: String },
    #[error(
        "you are not logged in to the records server {addr}; log in first (`chartroom login {addr}`)"
    )]
    NotLoggedIn { addr: String },
    #[error("{}", version(.addr, *.ours, *.theirs, .server_version))]
    Version {
        addr: String,
        ours: u32,
        theirs: u32,
        server_version: String,
    },
    #[error(
        "the records server at {addr} is not the one this terminal knows ({why}); nothing was sent. If its certificate was replaced on purpose, your administrator tells you its new fingerprint: `chartroom login {addr} --fingerprint SHA256:…`"
    )]
    Certificate { addr: String, why: String },
    #[error("the records server refused the connection: {0}")]
    Refused(String),
    #[error(
        "the records server sent something this chartroom cannot read ({0}); ask your administrator whether both run the same version"
    )]
    Protocol(String),
}

fn lost(addr: &str, why: &str, wrote: bool) -> String {
    if wrote {
        format!(
            "the records server at {addr} stopped before it answered ({why}): the change may or may not have been saved; when the server is back, look at the record before you make the change again"
        )
    } else {
        format!(
            "the records server at {addr} stopped before it answered ({why}); nothing was changed; chartroom connects again by itself when you retry"
        )
    }
}

fn timeout(addr: &str, secs: u64, wrote: bool) -> String {
    let what = if wrote {
        "the change may still be saved there: look at the record before you make it again"
    } else {
        "try again in a moment"
    };
    format!(
        "the records server at {addr} did not answer within {secs} s (it may be overloaded, or the network slow); {what}"
    )
}

fn version(addr: &str, ours: u32, theirs: u32, server: &str) -> String {
    let mine = env!("CARGO_PKG_VERSION");
    if theirs > ours {
        format!(
            "the records server at {addr} runs chartroom {server} (protocol {theirs}) and this terminal chartroom {mine} (protocol {ours}): upgrade chartroom on this terminal to {server}"
        )
    } else {
        format!(
            "the records server at {addr} runs chartroom {server} (protocol {theirs}) and this terminal chartroom {mine} (protocol {ours}): ask your administrator to upgrade the records server to chartroom {mine} or later"
        )
    }
}

impl RemoteError {
    /// 3: the records server could not be used; 4: you are not (or no longer) logged in.
    pub fn exit_code(&self) -> i32 {
        match self {
            RemoteError::Expired { .. } | RemoteError::NotLoggedIn { .. } => 4,
            RemoteError::Certificate { .. } | RemoteError::Refused(_) => 4,
            _ => 3,
        }
    }

    /// The connection is gone (as opposed to a refusal): reconnecting may help.
    pub fn is_link_down(&self) -> bool {
        matches!(
            self,
            RemoteError::Unreachable { .. }
                | RemoteError::Lost { .. }
                | RemoteError::Timeout { .. }
        )
    }
}

/// `#[serde(with = "wire::io_error")]` for an I/O error: its kind (the few the messages
/// tell apart) and its text.
pub mod io_error {
    use super::*;
    use std::io::{Error, ErrorKind};

    #[derive(Serialize, Deserialize)]
    struct Io {
        kind: String,
        text: String,
    }

    pub fn serialize<S: Serializer>(e: &Error, s: S) -> Result<S::Ok, S::Error> {
        let kind = match e.kind() {
            ErrorKind::StorageFull => "storage_full",
            ErrorKind::BrokenPipe => "broken_pipe",
            _ => "other",
        };
        Io {
            kind: kind.into(),
            text: e.to_string(),
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Error, D::Error> {
        let io = Io::deserialize(d)?;
        let kind = match io.kind.as_str() {
            "storage_full" => ErrorKind::StorageFull,
            "broken_pipe" => ErrorKind::BrokenPipe,
            _ => ErrorKind::Other,
        };
        Ok(Error::new(kind, io.text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::ServiceError;

    #[test]
    fn errors_travel_with_their_kind_and_words() {
        let errs = [
            ServiceError::Denied {
                role: "auditor",
                what: "open charts",
            },
            ServiceError::Restricted {
                kinds: "restricted".into(),
            },
            ServiceError::WrongPassword { left: 3 },
            ServiceError::Store(crate::store::StoreError::Conflict),
            ServiceError::Invalid(crate::domain::DomainError::Missing("family name")),
            ServiceError::Output(std::io::Error::new(std::io::ErrorKind::StorageFull, "full")),
            ServiceError::Remote(RemoteError::Expired {
                addr: "chartroom://h:1".into(),
            }),
        ];
        for e in errs {
            let back: ServiceError =
                serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
            assert_eq!(back.to_string(), e.to_string());
            assert_eq!(back.exit_code(), e.exit_code());
            assert_eq!(
                std::mem::discriminant(&back),
                std::mem::discriminant(&e),
                "{e:?}"
            );
        }
    }

    #[test]
    fn a_version_mismatch_says_what_to_upgrade() {
        let newer = RemoteError::Version {
            addr: "chartroom://records:4717".into(),
            ours: 1,
            theirs: 2,
            server_version: "9.0.0".into(),
        };
        assert!(
            newer
                .to_string()
                .contains("upgrade chartroom on this terminal to 9.0.0")
        );
        let older = RemoteError::Version {
            addr: "chartroom://records:4717".into(),
            ours: 2,
            theirs: 1,
            server_version: "0.0.1".into(),
        };
        assert!(older.to_string().contains("upgrade the records server"));
    }
}
