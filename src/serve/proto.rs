//! What client and server say to each other after the prelude (see `frame.rs`): the client
//! says who it is ([`Hello`]), the server answers ([`Welcome`]); then requests and replies,
//! one at a time, in order.

use serde::{Deserialize, Serialize};

use crate::service::api::{Call, Reply};
use crate::service::{Actor, ServiceError};

/// The client's first frame.
#[derive(Serialize, Deserialize)]
pub enum Hello {
    /// Sign in with the chartroom user's password: a new session and its token.
    Password {
        username: String,
        password: String,
        /// The OS login on the client's machine (what the client says: recorded, not trusted).
        os_login: String,
    },
    /// Go on with the session a token stands for.
    Token { token: String, os_login: String },
    /// Over a Unix socket only: the OS user the kernel says the peer runs as.
    Peer,
    /// End the session a token stands for (`chartroom logout`).
    Revoke { token: String },
    /// Is the server up and its store answering (`chartroom serve --check`)? No session.
    Check,
}

impl std::fmt::Debug for Hello {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never a password or a token, in a log or a panic.
        f.write_str(match self {
            Hello::Password { .. } => "Hello::Password",
            Hello::Token { .. } => "Hello::Token",
            Hello::Peer => "Hello::Peer",
            Hello::Revoke { .. } => "Hello::Revoke",
            Hello::Check => "Hello::Check",
        })
    }
}

/// The server's answer to a [`Hello`].
#[derive(Serialize, Deserialize)]
pub enum Welcome {
    Session {
        actor: Actor,
        locked: bool,
        /// A new token, after a password.
        token: Option<String>,
        /// When the session ends (UTC, ISO 8601).
        expires_at: Option<String>,
    },
    Revoked,
    Healthy(Health),
    Refused(ServiceError),
}

/// What `serve --check` reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Health {
    pub version: String,
    pub protocol: u32,
    pub store_schema: i64,
    pub sessions: usize,
    pub connections: usize,
}

/// A frame from the client once the session has started.
#[derive(Debug, Serialize, Deserialize)]
pub enum Request {
    Call(Call),
    /// Is the connection still there (after a while without requests)?
    Ping,
}

/// The server's frame for each [`Request`].
#[derive(Debug, Serialize, Deserialize)]
pub enum Response {
    Reply(Box<Reply>),
    Pong,
}
