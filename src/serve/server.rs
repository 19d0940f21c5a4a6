//! `chartroom serve`: owns the store and answers the service's requests for clients across
//! the network (TLS over TCP) and on this machine (a Unix socket, where the kernel says who
//! the peer is). One thread per connection, one `Service` (and store connection) each; every
//! permission check and audit row happens here, with the client's address as the origin.
//! The log names connections, user ids and use cases, never what was asked for or found.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::service::api::{self, Call, Reply};
use crate::service::audit::AnchorLog;
use crate::service::network::StoreOpener;
use crate::service::{Clock, Location, RemoteError, Service, ServiceError};

use super::frame::{self, MAX_REQUEST, PROTOCOL};
use super::hello::{Opened, gone, welcome};
use super::proto::{Hello, Request, Response, Welcome};
use super::sessions::Sessions;

/// Where to listen.
#[derive(Debug, Clone)]
pub enum Listen {
    /// `host:port` (TLS).
    Tcp(String),
    /// A socket path (peer authentication; no TLS: the kernel carries it).
    Unix(PathBuf),
}

/// A Unix socket's peer, as the kernel says.
#[derive(Debug, Clone, Copy)]
pub struct Peer {
    pub uid: u32,
    pub pid: i32,
}

/// Who a peer is as a chartroom OS login (by default: the account with its uid).
pub type PeerLogin = Arc<dyn Fn(&Peer) -> Option<String> + Send + Sync>;

pub struct Options {
    pub store: Location,
    pub listen: Vec<Listen>,
    /// The server's own files: its self-signed certificate and key, the sessions file.
    pub state_dir: PathBuf,
    /// A certificate (and key) from the site's CA instead of a self-signed one.
    pub cert: Option<(PathBuf, PathBuf)>,
    /// Host names and addresses clients reach the server by (in a self-signed certificate).
    pub names: Vec<String>,
    pub session_hours: u32,
    /// The audit anchors (the system config's `audit_anchors`).
    pub anchors: Option<PathBuf>,
    pub clock: Clock,
    /// A connection with no request for this long is closed (the client comes back).
    pub idle: Duration,
    pub max_connections: usize,
    pub peer_login: Option<PeerLogin>,
    /// Keep sessions in memory only (tests).
    pub ephemeral_sessions: bool,
}

impl Options {
    pub fn new(store: Location, listen: Vec<Listen>, state_dir: PathBuf) -> Options {
        Options {
            store,
            listen,
            state_dir,
            cert: None,
            names: Vec::new(),
            session_hours: 12,
            anchors: None,
            clock: Clock::System,
            idle: Duration::from_secs(3600),
            max_connections: 256,
            peer_login: None,
            ephemeral_sessions: false,
        }
    }
}

pub(super) struct Shared {
    pub(super) opener: StoreOpener,
    pub(super) sessions: Sessions,
    pub(super) clock: Clock,
    tls: Option<Arc<rustls::ServerConfig>>,
    anchors: Option<PathBuf>,
    pub(super) active: AtomicUsize,
    max: usize,
    idle: Duration,
    pub(super) peer_login: Option<PeerLogin>,
    next_id: AtomicU64,
    stop: AtomicBool,
    /// Each open connection's socket, to close them all when the server stops.
    open: std::sync::Mutex<Vec<(u64, Sock)>>,
}

/// A connection's socket, as the server closes it when it stops.
enum Sock {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Shared {
    fn opened(&self, id: u64, s: Option<Sock>) {
        if let Some(s) = s {
            self.open
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((id, s));
        }
    }

    fn closed(&self, id: u64) {
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(i, _)| *i != id);
    }
}

/// A server that is running; dropping it stops it (connections open finish their request).
pub struct Running {
    pub tcp: Vec<SocketAddr>,
    pub unix: Vec<PathBuf>,
    /// The TLS certificate's fingerprint (when it listens on TCP).
    pub fingerprint: Option<String>,
    /// The self-signed certificate made at this start (first use).
    pub created_cert: Option<PathBuf>,
    shared: Arc<Shared>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Waits until the server stops (for ever, unless something stops it).
    pub fn wait(mut self) {
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }

    #[doc(hidden)]
    pub fn sessions(&self) -> &Sessions {
        &self.shared.sessions
    }

    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for (_, s) in self
            .shared
            .open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            let _ = match s {
                Sock::Tcp(t) => t.shutdown(std::net::Shutdown::Both),
                Sock::Unix(u) => u.shutdown(std::net::Shutdown::Both),
            };
        }
        // Wake the accept loops.
        for a in &self.tcp {
            let _ = TcpStream::connect_timeout(a, Duration::from_millis(200));
        }
        for p in &self.unix {
            let _ = UnixStream::connect(p);
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
        for p in &self.unix {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Opens the store, binds every listener and starts answering.
pub fn start(opts: Options) -> Result<Running, ServiceError> {
    let opener = StoreOpener::open(&opts.store)?;
    let wants_tls = opts.listen.iter().any(|l| matches!(l, Listen::Tcp(_)));
    std::fs::create_dir_all(&opts.state_dir).map_err(|e| {
        ServiceError::Setup(format!(
            "the server's folder {}: {e}",
            opts.state_dir.display()
        ))
    })?;
    let tls = if wants_tls {
        let c = opts.cert.as_ref().map(|(c, k)| (c.as_path(), k.as_path()));
        Some(super::tls::server(c, &opts.state_dir, &opts.names)?)
    } else {
        None
    };
    let sessions_file = (!opts.ephemeral_sessions).then(|| opts.state_dir.join("sessions.json"));
    let shared = Arc::new(Shared {
        opener,
        sessions: Sessions::new(sessions_file, opts.session_hours),
        clock: opts.clock,
        tls: tls.as_ref().map(|t| t.config.clone()),
        anchors: opts.anchors.clone(),
        active: AtomicUsize::new(0),
        max: opts.max_connections,
        idle: opts.idle,
        peer_login: opts.peer_login.clone(),
        next_id: AtomicU64::new(1),
        stop: AtomicBool::new(false),
        open: Default::default(),
    });
    let mut running = Running {
        tcp: Vec::new(),
        unix: Vec::new(),
        fingerprint: tls.as_ref().map(|t| t.fingerprint.clone()),
        created_cert: tls.and_then(|t| t.created),
        shared: shared.clone(),
        threads: Vec::new(),
    };
    for l in &opts.listen {
        match l {
            Listen::Tcp(addr) => {
                let ln = TcpListener::bind(addr.as_str())
                    .map_err(|e| ServiceError::Setup(format!("cannot listen on {addr}: {e}")))?;
                let local = ln
                    .local_addr()
                    .map_err(|e| ServiceError::Setup(e.to_string()))?;
                running.tcp.push(local);
                let sh = shared.clone();
                running
                    .threads
                    .push(spawn("serve-tcp", move || accept_tcp(sh, ln)));
            }
            Listen::Unix(path) => {
                let ln = bind_unix(path)?;
                running.unix.push(path.clone());
                let sh = shared.clone();
                running
                    .threads
                    .push(spawn("serve-unix", move || accept_unix(sh, ln)));
            }
        }
    }
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        protocol = PROTOCOL,
        tcp = ?running.tcp,
        unix = ?running.unix,
        "chartroom serve is listening"
    );
    Ok(running)
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .expect("spawn a server thread")
}

/// Binds a Unix socket others on this machine may connect to (who they are is checked per
/// connection); a stale socket left by a killed server is replaced, a live one is not.
fn bind_unix(path: &Path) -> Result<UnixListener, ServiceError> {
    use std::os::unix::fs::PermissionsExt;
    if path.exists() {
        if UnixStream::connect(path).is_ok() {
            return Err(ServiceError::Setup(format!(
                "another server is listening on {} already",
                path.display()
            )));
        }
        let _ = std::fs::remove_file(path);
    }
    let ln = UnixListener::bind(path)
        .map_err(|e| ServiceError::Setup(format!("cannot listen on {}: {e}", path.display())))?;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o666));
    Ok(ln)
}

/// Takes one more connection, or says why not.
fn admit(sh: &Shared) -> bool {
    let n = sh.active.fetch_add(1, Ordering::SeqCst);
    if n >= sh.max {
        sh.active.fetch_sub(1, Ordering::SeqCst);
        tracing::warn!(limit = sh.max, "a connection was refused: too many at once");
        return false;
    }
    true
}

fn accept_tcp(sh: Arc<Shared>, ln: TcpListener) {
    for s in ln.incoming() {
        if sh.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(s) = s else { continue };
        if !admit(&sh) {
            continue;
        }
        let sh = sh.clone();
        spawn("serve-conn", move || {
            let peer = s.peer_addr().map(|a| a.to_string()).unwrap_or_default();
            let _ = s.set_nodelay(true);
            let _ = s.set_read_timeout(Some(HANDSHAKE));
            let _ = s.set_write_timeout(Some(WRITE));
            let id = sh.next_id.fetch_add(1, Ordering::SeqCst);
            sh.opened(id, s.try_clone().ok().map(Sock::Tcp));
            match rustls::ServerConnection::new(sh.tls.clone().expect("TLS for TCP")) {
                Ok(c) => {
                    let mut stream = rustls::StreamOwned::new(c, s);
                    let set = |st: &mut Tls, d| {
                        let _ = st.sock.set_read_timeout(d);
                    };
                    conversation(&sh, id, &mut stream, format!("tcp {peer}"), None, set);
                }
                Err(e) => tracing::warn!(error = %e, "a TLS connection could not start"),
            }
            sh.closed(id);
            sh.active.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

type Tls = rustls::StreamOwned<rustls::ServerConnection, TcpStream>;

fn accept_unix(sh: Arc<Shared>, ln: UnixListener) {
    for s in ln.incoming() {
        if sh.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(mut s) = s else { continue };
        if !admit(&sh) {
            continue;
        }
        let sh = sh.clone();
        spawn("serve-conn", move || {
            let _ = s.set_read_timeout(Some(HANDSHAKE));
            let _ = s.set_write_timeout(Some(WRITE));
            let peer = peer_of(&s);
            let id = sh.next_id.fetch_add(1, Ordering::SeqCst);
            sh.opened(id, s.try_clone().ok().map(Sock::Unix));
            let origin = match peer {
                Some(p) => format!("local socket uid {} pid {}", p.uid, p.pid),
                None => "local socket".into(),
            };
            let set = |st: &mut UnixStream, d| {
                let _ = st.set_read_timeout(d);
            };
            conversation(&sh, id, &mut s, origin, peer, set);
            sh.closed(id);
            sh.active.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// The peer's uid and pid, from the kernel (SO_PEERCRED).
fn peer_of(s: &UnixStream) -> Option<Peer> {
    use std::os::fd::AsRawFd;
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into `cred`, which is that size.
    let rc = unsafe {
        libc::getsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    (rc == 0).then_some(Peer {
        uid: cred.uid,
        pid: cred.pid,
    })
}

const HANDSHAKE: Duration = Duration::from_secs(15);
const WRITE: Duration = Duration::from_secs(60);

/// One connection from the prelude to the end.
fn conversation<S: Read + Write>(
    sh: &Shared,
    conn: u64,
    s: &mut S,
    origin: String,
    peer: Option<Peer>,
    set_timeout: impl Fn(&mut S, Option<Duration>),
) {
    let (theirs, client_version) = match frame::read_prelude(s) {
        Ok(v) => v,
        Err(e) => {
            tracing::info!(conn, error = %e, "a connection that does not speak chartroom was closed");
            return;
        }
    };
    if frame::write_prelude(s).is_err() {
        return;
    }
    if theirs != PROTOCOL {
        tracing::warn!(
            conn,
            client_protocol = theirs,
            client_version = %client_version,
            "a client of another protocol version was turned away"
        );
        return;
    }
    let hello: Hello = match frame::read(s, 64 << 10) {
        Ok(h) => h,
        Err(e) => {
            tracing::info!(conn, error = %e, "no hello");
            return;
        }
    };
    let kind = format!("{hello:?}");
    let opened = match welcome(sh, hello, &origin, peer) {
        Ok(Some(o)) => o,
        Ok(None) => return,
        Err(r) => {
            let (w, e) = *r;
            tracing::info!(conn, hello = %kind, exit = e, "hello answered without a session");
            let _ = frame::write(s, &w);
            return;
        }
    };
    let Opened { mut svc, token } = opened;
    let user = svc.actor().user.id;
    let welcome = Welcome::Session {
        actor: svc.actor().clone(),
        locked: svc.is_locked(),
        token: token.clone().filter(|_| kind == "Hello::Password"),
        expires_at: token
            .as_deref()
            .and_then(|t| sh.sessions.find(t).ok())
            .map(|s| s.expires.to_rfc3339()),
    };
    if frame::write(s, &welcome).is_err() {
        return;
    }
    tracing::info!(conn, user, hello = %kind, "session started");
    set_timeout(s, Some(sh.idle));
    while let Ok(req) = frame::read::<Request>(s, MAX_REQUEST) {
        let call = match req {
            Request::Ping => {
                if frame::write(s, &Response::Pong).is_err() {
                    break;
                }
                continue;
            }
            Request::Call(c) => c,
        };
        let started = Instant::now();
        let name = call.name();
        let expired = token
            .as_deref()
            .map(|t| sh.sessions.check(t))
            .transpose()
            .err();
        let answer = match expired {
            Some(g) => Err(gone(g)),
            None => run(sh, &mut svc, call),
        };
        let ends = match &answer {
            Err(e) if Service::ends_sessions(e) => {
                let n = sh.sessions.revoke_user(user);
                tracing::info!(
                    conn,
                    user,
                    ended = n,
                    "the user may no longer work: their sessions end"
                );
                true
            }
            Err(ServiceError::Remote(RemoteError::Expired { .. })) => true,
            _ => false,
        };
        if let Some(t) = &token {
            sh.sessions.set_locked(t, svc.is_locked());
        }
        let exit = answer.as_ref().err().map(|e| e.exit_code()).unwrap_or(0);
        let reply = Response::Reply(Box::new(Reply {
            answer,
            user: Some(svc.actor().user.clone()),
            locked: svc.is_locked(),
        }));
        let sent = frame::write(s, &reply);
        tracing::info!(
            conn,
            user,
            call = name,
            exit,
            ms = started.elapsed().as_millis() as u64,
            "request"
        );
        if sent.is_err() || ends {
            break;
        }
    }
    tracing::info!(conn, user, "connection closed");
}

/// Runs one request; the audit anchors are always the server's own.
fn run(sh: &Shared, svc: &mut Service, call: Call) -> Result<api::Answer, ServiceError> {
    match call {
        Call::audit_verify { .. } => {
            let log = sh.anchors.as_deref().map(AnchorLog::read);
            svc.audit_verify(log.as_ref())
                .map(api::Answer::audit_verify)
        }
        Call::audit_anchor { .. } => {
            let mut log = sh.anchors.as_deref().map(AnchorLog::open);
            svc.audit_anchor(log.as_mut())
                .map(api::Answer::audit_anchor)
        }
        other => api::dispatch(svc, other),
    }
}
