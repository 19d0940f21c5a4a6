//! The client side of `chartroom serve`: a connection that says who it is once, then carries
//! the service's requests (`service::api::Transport`). A connection that was idle is checked
//! with a ping before a request goes out and opened again if it is gone, so a restarted
//! server costs nothing but a moment; a request whose answer is lost is never sent again by
//! itself (it may have changed something): the error says so.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::service::api::{Answer, Call, Remote, Reply, Transport};
use crate::service::{Actor, Clock, Conn, Location, RemoteError, ServiceAddr, ServiceError};

use super::frame::{self, MAX_ANSWER, PROTOCOL};
use super::proto::{Health, Hello, Request, Response, Welcome};
use super::tls::{self, Trust};

/// How a client says who it is.
#[derive(Clone)]
pub enum Auth {
    /// The token of an earlier password sign-in.
    Token(Zeroizing<String>),
    /// The OS user the kernel names (Unix socket only).
    Peer,
}

/// Called with a new token after the client signed in again (to keep it in the keyring).
pub type OnToken = Arc<dyn Fn(&str) + Send + Sync>;

trait Stream: Read + Write + Send {
    fn set_timeout(&mut self, d: Option<Duration>);
}

impl Stream for UnixStream {
    fn set_timeout(&mut self, d: Option<Duration>) {
        let _ = self.set_read_timeout(d);
    }
}

impl Stream for rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    fn set_timeout(&mut self, d: Option<Duration>) {
        let _ = self.sock.set_read_timeout(d);
    }
}

/// How long to wait for the server to answer a connection, and an ordinary request.
pub const CONNECT: Duration = Duration::from_secs(5);
pub const ANSWER: Duration = Duration::from_secs(30);
/// Checks that walk the whole store take longer.
pub const LONG_ANSWER: Duration = Duration::from_secs(600);
/// After this long without a request, a ping checks the connection first.
const PING_AFTER: Duration = Duration::from_secs(20);

fn unreachable(addr: &ServiceAddr, e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Remote(RemoteError::Unreachable {
        addr: addr.to_string(),
        why: e.to_string(),
    })
}

/// Opens a connection and exchanges the prelude.
fn dial(addr: &ServiceAddr, trust: &Trust) -> Result<Box<dyn Stream>, ServiceError> {
    let mut s: Box<dyn Stream> = match addr {
        ServiceAddr::Unix(p) => {
            let s = UnixStream::connect(p).map_err(|e| unreachable(addr, e))?;
            let _ = s.set_write_timeout(Some(ANSWER));
            Box::new(s)
        }
        ServiceAddr::Tcp { host, port } => {
            let targets: Vec<_> = (host.as_str(), *port)
                .to_socket_addrs()
                .map_err(|e| unreachable(addr, e))?
                .collect();
            let mut last = None;
            let mut tcp = None;
            for t in targets {
                match TcpStream::connect_timeout(&t, CONNECT) {
                    Ok(s) => {
                        tcp = Some(s);
                        break;
                    }
                    Err(e) => last = Some(e),
                }
            }
            let mut tcp = tcp.ok_or_else(|| {
                unreachable(
                    addr,
                    last.map(|e| e.to_string()).unwrap_or("no address".into()),
                )
            })?;
            let _ = tcp.set_nodelay(true);
            let _ = tcp.set_read_timeout(Some(CONNECT));
            let _ = tcp.set_write_timeout(Some(ANSWER));
            let t = tls::client(trust)?;
            let name = rustls::pki_types::ServerName::try_from(host.clone())
                .map_err(|e| unreachable(addr, e))?;
            let mut c =
                rustls::ClientConnection::new(t.config, name).map_err(|e| unreachable(addr, e))?;
            // The handshake now, so an untrusted certificate is said as such.
            while c.is_handshaking() {
                if let Err(e) = c.complete_io(&mut tcp) {
                    let seen = t.seen.lock().ok().and_then(|s| s.clone());
                    return Err(match (e.kind(), seen) {
                        (io::ErrorKind::InvalidData, Some(fp)) => {
                            ServiceError::Remote(RemoteError::Certificate {
                                addr: addr.to_string(),
                                why: format!("{e}; it shows {fp}"),
                            })
                        }
                        _ => unreachable(addr, e),
                    });
                }
            }
            Box::new(rustls::StreamOwned::new(c, tcp))
        }
    };
    s.set_timeout(Some(CONNECT));
    frame::write_prelude(&mut s).map_err(|e| unreachable(addr, e))?;
    let (theirs, version) = frame::read_prelude(&mut s).map_err(|e| unreachable(addr, e))?;
    if theirs != PROTOCOL {
        return Err(ServiceError::Remote(RemoteError::Version {
            addr: addr.to_string(),
            ours: PROTOCOL,
            theirs,
            server_version: version,
        }));
    }
    Ok(s)
}

/// The fingerprint a server shows, for a first login (the handshake stops there).
pub fn first_look(addr: &ServiceAddr) -> Result<String, ServiceError> {
    match dial(addr, &Trust::FirstUse) {
        Err(ServiceError::Remote(RemoteError::Certificate { why, .. })) => why
            .rsplit_once("it shows ")
            .map(|(_, fp)| fp.to_string())
            .ok_or_else(|| unreachable(addr, why)),
        Err(e) => Err(e),
        Ok(_) => Err(unreachable(addr, "the server's certificate was not shown")),
    }
}

fn talk(
    s: &mut Box<dyn Stream>,
    addr: &ServiceAddr,
    hello: &Hello,
) -> Result<Welcome, ServiceError> {
    frame::write(s, hello).map_err(|e| unreachable(addr, e))?;
    s.set_timeout(Some(ANSWER));
    frame::read(s, MAX_ANSWER).map_err(|e| unreachable(addr, e))
}

/// Fills in the address a server's error leaves out (it does not know what we call it).
fn addressed(e: ServiceError, addr: &ServiceAddr) -> ServiceError {
    let a = addr.to_string();
    match e {
        ServiceError::Remote(RemoteError::Expired { .. }) => {
            ServiceError::Remote(RemoteError::Expired { addr: a })
        }
        ServiceError::Remote(RemoteError::NotLoggedIn { .. }) => {
            ServiceError::Remote(RemoteError::NotLoggedIn { addr: a })
        }
        other => other,
    }
}

/// What a session's start gave back.
pub struct Started {
    pub actor: Actor,
    pub locked: bool,
    pub token: Option<Zeroizing<String>>,
    pub expires_at: Option<String>,
}

fn started(w: Welcome, addr: &ServiceAddr) -> Result<Started, ServiceError> {
    match w {
        Welcome::Session {
            actor,
            locked,
            token,
            expires_at,
        } => Ok(Started {
            actor,
            locked,
            token: token.map(Zeroizing::new),
            expires_at,
        }),
        Welcome::Refused(e) => Err(addressed(e, addr)),
        _ => Err(ServiceError::Remote(RemoteError::Protocol(
            "an answer that starts no session".into(),
        ))),
    }
}

/// Signs in with a password: the session and its new token.
pub fn sign_in(
    addr: &ServiceAddr,
    trust: &Trust,
    username: &str,
    password: &str,
) -> Result<Started, ServiceError> {
    let mut s = dial(addr, trust)?;
    let hello = Hello::Password {
        username: username.to_string(),
        password: password.to_string(),
        os_login: crate::service::identity::os_login().unwrap_or_default(),
    };
    started(talk(&mut s, addr, &hello)?, addr)
}

/// Ends the session a token stands for.
pub fn revoke(addr: &ServiceAddr, trust: &Trust, token: &str) -> Result<(), ServiceError> {
    let mut s = dial(addr, trust)?;
    match talk(
        &mut s,
        addr,
        &Hello::Revoke {
            token: token.to_string(),
        },
    )? {
        Welcome::Revoked => Ok(()),
        Welcome::Refused(e) => Err(e),
        _ => Err(ServiceError::Remote(RemoteError::Protocol(
            "an answer to a logout that is none".into(),
        ))),
    }
}

/// Whether the server is up and its store answers (`serve --check`).
pub fn health(addr: &ServiceAddr, trust: &Trust) -> Result<Health, ServiceError> {
    let mut s = dial(addr, trust)?;
    match talk(&mut s, addr, &Hello::Check)? {
        Welcome::Healthy(h) => Ok(h),
        Welcome::Refused(e) => Err(e),
        _ => Err(ServiceError::Remote(RemoteError::Protocol(
            "an answer to a check that is none".into(),
        ))),
    }
}

/// A connection to a records server that carries the service's requests.
pub struct Link {
    addr: ServiceAddr,
    trust: Trust,
    auth: Auth,
    username: String,
    stream: Option<Box<dyn Stream>>,
    last: Instant,
    on_token: Option<OnToken>,
    /// The session ended on the server (expired, revoked): only a password brings it back.
    expired: bool,
}

impl Link {
    fn hello(&self) -> Hello {
        match &self.auth {
            Auth::Token(t) => Hello::Token {
                token: t.to_string(),
                os_login: crate::service::identity::os_login().unwrap_or_default(),
            },
            Auth::Peer => Hello::Peer,
        }
    }

    /// A connection ready for a request: the one there is, if it still answers; else a new
    /// one, the session resumed.
    fn ready(&mut self) -> Result<&mut Box<dyn Stream>, ServiceError> {
        if let Some(s) = self.stream.as_mut()
            && self.last.elapsed() >= PING_AFTER
        {
            s.set_timeout(Some(CONNECT));
            let alive = frame::write(s, &Request::Ping).is_ok()
                && matches!(frame::read(s, 1024), Ok(Response::Pong));
            if !alive {
                self.stream = None;
            }
        }
        if self.stream.is_none() {
            let mut s = dial(&self.addr, &self.trust)?;
            let w = talk(&mut s, &self.addr, &self.hello())?;
            match started(w, &self.addr) {
                Ok(_) => self.stream = Some(s),
                Err(e) => {
                    if matches!(&e, ServiceError::Remote(RemoteError::Expired { .. })) {
                        self.expired = true;
                    }
                    return Err(e);
                }
            }
        }
        Ok(self.stream.as_mut().expect("opened above"))
    }

    /// After an expired session, the lock screen's password signs in again: a new token
    /// (kept where the first was), and the same screen goes on.
    fn sign_in_again(&mut self, password: &str) -> Result<Reply, ServiceError> {
        let st = sign_in(&self.addr, &self.trust, &self.username, password)?;
        let token = st.token.ok_or_else(|| {
            ServiceError::Remote(RemoteError::Protocol("a sign-in without a token".into()))
        })?;
        if let Some(f) = &self.on_token {
            f(&token);
        }
        self.auth = Auth::Token(token);
        self.expired = false;
        self.stream = None;
        Ok(Reply {
            answer: Ok(Answer::unlock(())),
            user: Some(st.actor.user),
            locked: false,
        })
    }
}

impl Transport for Link {
    fn call(&mut self, call: &Call) -> Result<Reply, ServiceError> {
        if let (true, Call::unlock { password }) = (self.expired, call) {
            return self.sign_in_again(password);
        }
        let addr = self.addr.clone();
        let wait = match call {
            Call::check {} | Call::audit_verify { .. } | Call::warm_search {} => LONG_ANSWER,
            _ => ANSWER,
        };
        let s = self.ready()?;
        let wrote = call.writes();
        if let Err(e) = frame::write(s, &Request::Call(call.clone())) {
            self.stream = None;
            return Err(ServiceError::Remote(RemoteError::Lost {
                addr: addr.to_string(),
                why: e.to_string(),
                wrote: false,
            }));
        }
        s.set_timeout(Some(wait));
        let r = frame::read::<Response>(s, MAX_ANSWER);
        self.last = Instant::now();
        match r {
            Ok(Response::Reply(reply)) => {
                let mut reply = *reply;
                if let Err(e) = reply.answer {
                    let e = addressed(e, &addr);
                    if matches!(&e, ServiceError::Remote(RemoteError::Expired { .. })) {
                        self.expired = true;
                    }
                    // The server closes a session it ended (the user disabled or locked, the
                    // token expired): the next request starts again, and hears why.
                    if self.expired || crate::service::Service::ends_sessions(&e) {
                        self.stream = None;
                    }
                    reply.answer = Err(e);
                }
                Ok(reply)
            }
            Ok(Response::Pong) => {
                self.stream = None;
                Err(ServiceError::Remote(RemoteError::Protocol(
                    "a pong where an answer belongs".into(),
                )))
            }
            Err(e) => {
                self.stream = None;
                let timed_out = matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                );
                Err(ServiceError::Remote(if timed_out {
                    RemoteError::Timeout {
                        addr: addr.to_string(),
                        secs: wait.as_secs(),
                        wrote,
                    }
                } else {
                    RemoteError::Lost {
                        addr: addr.to_string(),
                        why: e.to_string(),
                        wrote,
                    }
                }))
            }
        }
    }
}

/// A connection to a records server with its session started (`auth`), the server checked
/// (`trust`).
pub fn open_link(
    addr: &ServiceAddr,
    trust: Trust,
    auth: Auth,
    on_token: Option<OnToken>,
) -> Result<(Link, Started), ServiceError> {
    let mut link = Link {
        addr: addr.clone(),
        trust,
        auth,
        username: String::new(),
        stream: None,
        last: Instant::now(),
        on_token,
        expired: false,
    };
    let mut s = dial(addr, &link.trust)?;
    let st = started(talk(&mut s, addr, &link.hello())?, addr)?;
    link.stream = Some(s);
    link.username = st.actor.user.username.raw().to_string();
    Ok((link, st))
}

/// A service on a records server, its session opened (`auth`) and checked (`trust`).
pub fn connect(
    addr: &ServiceAddr,
    trust: Trust,
    auth: Auth,
    clock: Clock,
    on_token: Option<OnToken>,
) -> Result<Conn, ServiceError> {
    let (link, st) = open_link(addr, trust, auth, on_token)?;
    Ok(Conn::Remote(Box::new(Remote::new(
        Box::new(link),
        st.actor,
        st.locked,
        clock,
        Location::Service(addr.clone()),
    ))))
}
