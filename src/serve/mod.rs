//! `chartroom serve`: the service on the network, so no technician's terminal holds a
//! credential that opens the database. The server owns the store (a file, or a libSQL
//! server behind it) and answers the service's own requests (`service::api`), never SQL;
//! every permission check and audit row stays there. Terminals hold a session token (in the
//! OS keyring) and nothing else.
//!
//! - `frame.rs`: the prelude (protocol and chartroom versions) and length-prefixed JSON.
//! - `proto.rs`: hello and welcome, requests and replies; `hello.rs` answers a hello.
//! - `tls.rs`: rustls, the self-signed certificate, fingerprints, the site CA.
//! - `sessions.rs`: tokens (the server keeps their hashes), expiry, revocation.
//! - `server.rs`: listeners (TCP with TLS, a Unix socket with peer authentication), one
//!   thread and one `Service` per connection.
//! - `client.rs`: the connection the shell and the screens hold (`service::Conn::Remote`).
//! - `login.rs`: the token in the keyring, how a server is trusted.

pub mod client;
pub mod frame;
mod hello;
pub mod login;
pub mod proto;
pub mod server;
pub mod sessions;
pub mod tls;

use crate::service::{Clock, Conn, Location, Service, ServiceAddr, ServiceError};

/// The service for a `--db`: a store on this machine (a local service), or a records server
/// (a connection, with the token `chartroom login` kept, or as the OS user on its socket).
pub fn open(loc: &Location, clock: Clock) -> Result<Conn, ServiceError> {
    match loc {
        Location::Service(addr) => connect(addr, clock),
        _ => Service::open(loc, clock).map(Conn::from),
    }
}

fn connect(addr: &ServiceAddr, clock: Clock) -> Result<Conn, ServiceError> {
    match addr {
        ServiceAddr::Unix(_) => {
            client::connect(addr, tls::Trust::FirstUse, client::Auth::Peer, clock, None)
        }
        ServiceAddr::Tcp { .. } => {
            let trust = login::trust_or_login(addr)?;
            let token = login::token(addr).ok_or_else(|| {
                ServiceError::Remote(crate::service::RemoteError::NotLoggedIn {
                    addr: addr.to_string(),
                })
            })?;
            client::connect(
                addr,
                trust,
                client::Auth::Token(token),
                clock,
                Some(login::keeper(addr)),
            )
        }
    }
}
