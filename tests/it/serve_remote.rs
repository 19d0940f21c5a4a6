//! `chartroom serve` itself, client and server in one process over loopback: password
//! logins and their tokens (TLS, a pinned certificate), wrong passwords and the lockout,
//! the client's address in the audit trail, expiry, a user disabled while their screens are
//! connected, peer authentication on the Unix socket, a server that goes away and comes
//! back, protocol versions, the server's own anchors.

use std::io::{Read, Write};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chartroom::serve::client::{self, Auth};
use chartroom::serve::server::{self, Listen, Running};
use chartroom::serve::tls::{self, Trust};
use chartroom::serve::{frame, proto};
use chartroom::service::{Clock, Conn, Location, RemoteError, ServiceAddr, ServiceError};
use chartroom::tui::state::{Link, Msg};
use chartroom::tui::worker::Worker;
use chartroom::tui::{Effect, PaneId, update};

use super::common::tmp;
use super::sec_support::*;
use super::tui::support::{state_as, status, type_offline};

const PW: &str = "tech-password-1";

struct Site {
    _dir: tempfile::TempDir,
    db: PathBuf,
    server: Running,
    addr: ServiceAddr,
    trust: Trust,
}

/// A demo store served on a loopback TCP port (TLS, a self-signed certificate made now) and
/// a Unix socket; `tech` has a password.
fn site() -> Site {
    let dir = tmp();
    let db = store(dir.path());
    as_user(&db, &admin())
        .set_password(Some("tech"), None, PW)
        .expect("passwd");
    let sock = dir.path().join("serve.sock");
    let mut o = server::Options::new(
        Location::File(db.clone()),
        vec![Listen::Tcp("127.0.0.1:0".into()), Listen::Unix(sock)],
        dir.path().join("state"),
    );
    o.clock = Clock::fixed(2026, 11, 26);
    let server = server::start(o).expect("serve");
    let port = server.tcp[0].port();
    let fp = tls::parse_fingerprint(server.fingerprint.as_deref().expect("TLS")).expect("fp");
    Site {
        _dir: dir,
        db,
        addr: ServiceAddr::Tcp {
            host: "127.0.0.1".into(),
            port,
        },
        server,
        trust: Trust::Pinned(fp),
    }
}

fn token_for(s: &Site, user: &str, pw: &str) -> Result<String, ServiceError> {
    let st = client::sign_in(&s.addr, &s.trust, user, pw)?;
    Ok(st.token.expect("a token").to_string())
}

fn with_token(s: &Site, token: &str) -> Result<Conn, ServiceError> {
    client::connect(
        &s.addr,
        s.trust.clone(),
        Auth::Token(token.to_string().into()),
        Clock::fixed(2026, 11, 26),
        None,
    )
}

fn last_origin(db: &Path) -> (String, String) {
    raw(db)
        .query_row(
            "SELECT action, origin FROM audit ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("a row")
}

#[test]
fn a_password_gives_a_token_and_the_trail_names_the_clients_address() {
    let s = site();
    let token = token_for(&s, "tech", PW).expect("signed in");
    assert!(token.starts_with("crs1_") && token.len() > 60);
    let (action, origin) = last_origin(&s.db);
    assert_eq!(action, "login");
    assert!(origin.starts_with("tcp 127.0.0.1:"), "{origin}");
    let mut c = with_token(&s, &token).expect("connected");
    assert_eq!(c.actor().user.username.raw(), "tech");
    let (mrn, _) = plain_patient(&s.db);
    c.show(&mrn).expect("a chart");
    let (action, origin) = last_origin(&s.db);
    assert_eq!(action, "chart_open");
    assert!(origin.starts_with("tcp 127.0.0.1:"), "{origin}");
    // The store knows nothing of tokens; the server keeps only their hashes.
    let sessions = std::fs::read_to_string(s.db.parent().unwrap().join("state/sessions.json"))
        .expect("sessions file");
    assert!(!sessions.contains(&token));
    assert_eq!(
        count(
            &s.db,
            "SELECT count(*) FROM audit WHERE detail LIKE '%crs1_%'"
        ),
        0
    );
}

#[test]
fn wrong_passwords_count_toward_the_lockout_and_say_nothing_of_which_part_was_wrong() {
    let s = site();
    for _ in 0..4 {
        let e = token_for(&s, "tech", "not-it").expect_err("wrong");
        assert!(
            e.to_string().contains("user name or the password is wrong"),
            "{e}"
        );
        assert_eq!(e.exit_code(), 4);
    }
    let e = token_for(&s, "nobody-here", "not-it").expect_err("unknown");
    assert!(
        e.to_string().contains("user name or the password is wrong"),
        "{e}"
    );
    assert_eq!(
        count(
            &s.db,
            "SELECT failed_unlocks FROM users WHERE username = 'tech'"
        ),
        4
    );
    let e = token_for(&s, "tech", "not-it").expect_err("fifth");
    assert!(matches!(e, ServiceError::Locked(_)), "{e:?}");
    let e = token_for(&s, "tech", PW).expect_err("locked now");
    assert!(matches!(e, ServiceError::Locked(_)), "{e:?}");
    as_user(&s.db, "supervisor")
        .unlock_user("tech")
        .expect("unlock");
    token_for(&s, "tech", PW).expect("signed in again");
    assert_eq!(
        count(
            &s.db,
            "SELECT failed_unlocks FROM users WHERE username = 'tech'"
        ),
        0
    );
}

#[test]
fn an_expired_session_is_said_and_the_password_signs_in_again() {
    let s = site();
    let token = token_for(&s, "tech", PW).expect("token");
    let mut c = with_token(&s, &token).expect("connected");
    c.find("smith", 3).expect("works");
    s.server.sessions().expire_now(&token);
    let e = c.find("smith", 3).expect_err("expired");
    assert!(
        matches!(&e, ServiceError::Remote(RemoteError::Expired { addr }) if addr.starts_with("chartroom://127.0.0.1:")),
        "{e:?}"
    );
    assert!(e.to_string().contains("chartroom login"), "{e}");
    assert_eq!(e.exit_code(), 4);
    // The lock screen's password signs in again on the same connection object.
    assert!(c.unlock("wrong-one").is_err());
    c.unlock(PW).expect("signed in again");
    c.find("smith", 3).expect("works again");
    assert!(
        with_token(&s, &token).is_err(),
        "the old token opens nothing"
    );
}

#[test]
fn disabling_a_user_while_their_screens_are_connected_ends_the_session_at_the_next_request() {
    let s = site();
    let token = token_for(&s, "tech", PW).expect("token");
    let conn = with_token(&s, &token).expect("connected");
    let (tx, rx) = mpsc::channel();
    let worker = Worker::spawn_with(move || Ok(conn), tx);
    let mut st = state_as("technician");
    // Pumps messages from the worker into the screens until `done` holds.
    let pump = |st: &mut chartroom::tui::State, fx: Vec<Effect>, done: &dyn Fn(&Msg) -> bool| {
        for e in fx {
            if let Effect::Request(r) = e {
                worker.send(r);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let m = rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("an answer from the worker");
            let stop = done(&m);
            for e in update(st, m) {
                if let Effect::Request(r) = e {
                    worker.send(r);
                }
            }
            if stop {
                return;
            }
        }
    };
    let idle = |st: &chartroom::tui::State| !st.panes.get(PaneId::Patients).probe().busy;
    pump(&mut st, Vec::new(), &|m| matches!(m, Msg::LoggedIn(_)));
    let fx = type_offline(&mut st, "smith");
    pump(&mut st, fx, &|m| matches!(m, Msg::Db(_, _)));
    while !idle(&st) {
        pump(&mut st, Vec::new(), &|m| matches!(m, Msg::Db(_, _)));
    }
    assert!(st.panes.get(PaneId::Patients).probe().rows > 0, "results");
    as_user(&s.db, &admin())
        .set_user_disabled("tech", true)
        .expect("disable");
    let fx = type_offline(&mut st, "x");
    pump(&mut st, fx, &|m| matches!(m, Msg::Db(_, _)));
    while !idle(&st) {
        pump(&mut st, Vec::new(), &|m| matches!(m, Msg::Db(_, _)));
    }
    let error = st
        .panes
        .get(PaneId::Patients)
        .probe()
        .error
        .expect("refused");
    assert!(error.raw().contains("disabled"), "{error}");
    // The session is over: the token is gone even once the user is enabled again.
    as_user(&s.db, &admin())
        .set_user_disabled("tech", false)
        .expect("enable");
    let e = with_token(&s, &token).err().expect("refused");
    assert!(
        matches!(e, ServiceError::Remote(RemoteError::NotLoggedIn { .. })),
        "{e:?}"
    );
    assert_eq!(
        count(
            &s.db,
            "SELECT count(*) FROM audit WHERE action = 'login_refused' AND detail = 'reason=disabled' AND origin LIKE 'tcp 127.0.0.1:%'"
        ),
        1
    );
    worker.shutdown(Duration::from_secs(5));
}

#[test]
fn a_certificate_not_pinned_here_is_refused_before_anything_is_sent() {
    let s = site();
    let seen = client::first_look(&s.addr).expect("shown");
    assert_eq!(Some(seen.as_str()), s.server.fingerprint.as_deref());
    let other = Trust::Pinned([7u8; 32]);
    let e = client::sign_in(&s.addr, &other, "tech", PW)
        .err()
        .expect("refused");
    assert!(
        matches!(&e, ServiceError::Remote(RemoteError::Certificate { .. })),
        "{e:?}"
    );
    assert!(e.to_string().contains(&seen), "{e}");
    assert_eq!(
        count(
            &s.db,
            "SELECT count(*) FROM audit WHERE action = 'login' AND detail = 'via=password'"
        ),
        0,
        "the password never left"
    );
}

#[test]
fn on_the_unix_socket_the_os_user_signs_in_and_over_tcp_it_cannot() {
    let s = site();
    let addr = ServiceAddr::Unix(s.server.unix[0].clone());
    let mut c = client::connect(&addr, Trust::FirstUse, Auth::Peer, Clock::System, None)
        .expect("peer authentication");
    assert_eq!(c.actor().user.username.raw(), admin());
    c.find("smith", 3).expect("works");
    let (_, origin) = last_origin(&s.db);
    assert!(origin.starts_with("local socket uid "), "{origin}");
    let e = client::connect(&s.addr, s.trust.clone(), Auth::Peer, Clock::System, None)
        .err()
        .expect("refused over TCP");
    assert!(e.to_string().contains("Unix socket"), "{e}");
}

#[test]
fn a_server_that_goes_away_is_said_plainly_and_the_screens_reconnect() {
    let dir = tmp();
    let db = store(dir.path());
    let sock = dir.path().join("s.sock");
    let start = || {
        let mut o = server::Options::new(
            Location::File(db.clone()),
            vec![Listen::Unix(sock.clone())],
            dir.path().join("state"),
        );
        o.ephemeral_sessions = true;
        server::start(o).expect("serve")
    };
    let first = start();
    let addr = ServiceAddr::Unix(sock.clone());
    let conn = client::connect(&addr, Trust::FirstUse, Auth::Peer, Clock::System, None)
        .expect("connected");
    let (tx, rx) = mpsc::channel();
    let worker = Worker::spawn_with(move || Ok(conn), tx);
    let mut st = state_as("admin");
    let wait_for =
        |rx: &mpsc::Receiver<Msg>, st: &mut chartroom::tui::State, want: &dyn Fn(&Msg) -> bool| {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let m = rx
                    .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                    .expect("a message");
                let hit = want(&m);
                update(st, m);
                if hit {
                    return;
                }
            }
        };
    wait_for(&rx, &mut st, &|m| matches!(m, Msg::LoggedIn(_)));
    drop(first);
    for e in type_offline(&mut st, "smith") {
        if let Effect::Request(r) = e {
            worker.send(r);
        }
    }
    wait_for(&rx, &mut st, &|m| matches!(m, Msg::Link(Link::Down(_))));
    let (_, said) = status(&st).expect("said");
    assert!(
        said.contains("records server") && said.contains("keeps trying"),
        "{said}"
    );
    assert!(
        st.screen_text(100, 30)
            .contains("no answer from the records server"),
        "the status line leads with it"
    );
    let _second = start();
    wait_for(&rx, &mut st, &|m| matches!(m, Msg::Link(Link::Back)));
    assert!(
        st.screen_text(100, 30)
            .contains("connected to the records server again")
    );
    worker.shutdown(Duration::from_secs(5));
}

/// A server of another protocol version: the prelude it sends, then it hangs up.
fn fake_server(sock: &Path, protocol: u32, version: &'static str) {
    let ln = UnixListener::bind(sock).expect("bind");
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = ln.accept() {
            let mut b = [0u8; 64];
            let _ = s.read(&mut b);
            let _ = frame::write_prelude_as(&mut s, protocol, version);
            let _ = s.flush();
        }
    });
}

#[test]
fn a_protocol_version_mismatch_is_named_with_what_to_upgrade() {
    let dir = tmp();
    let newer = dir.path().join("newer.sock");
    fake_server(&newer, frame::PROTOCOL + 1, "9.9.9");
    let e = client::connect(
        &ServiceAddr::Unix(newer),
        Trust::FirstUse,
        Auth::Peer,
        Clock::System,
        None,
    )
    .err()
    .expect("refused");
    assert!(
        matches!(e, ServiceError::Remote(RemoteError::Version { .. })),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .contains("upgrade chartroom on this terminal to 9.9.9"),
        "{e}"
    );
    let older = dir.path().join("older.sock");
    fake_server(&older, 0, "0.0.1");
    let e = client::connect(
        &ServiceAddr::Unix(older),
        Trust::FirstUse,
        Auth::Peer,
        Clock::System,
        None,
    )
    .err()
    .expect("refused");
    assert!(e.to_string().contains("upgrade the records server"), "{e}");
    // And the real server turns away an old client without reading on.
    let s = site();
    let mut c = std::os::unix::net::UnixStream::connect(&s.server.unix[0]).expect("connect");
    frame::write_prelude_as(&mut c, 0, "0.0.1").expect("prelude");
    let (theirs, version) = frame::read_prelude(&mut c).expect("its prelude");
    assert_eq!(
        (theirs, version.as_str()),
        (frame::PROTOCOL, env!("CARGO_PKG_VERSION"))
    );
    let r: std::io::Result<proto::Welcome> = frame::read(&mut c, 1 << 20);
    assert!(r.is_err(), "nothing more is said");
}

#[test]
fn a_records_server_anchors_and_verifies_against_its_own_anchor_file() {
    let dir = tmp();
    let db = store(dir.path());
    let anchors = dir.path().join("anchors");
    let sock = dir.path().join("s.sock");
    let mut o = server::Options::new(
        Location::File(db.clone()),
        vec![Listen::Unix(sock.clone())],
        dir.path().join("state"),
    );
    o.anchors = Some(anchors.clone());
    o.ephemeral_sessions = true;
    let _server = server::start(o).expect("serve");
    let mut c = client::connect(
        &ServiceAddr::Unix(sock),
        Trust::FirstUse,
        Auth::Peer,
        Clock::System,
        None,
    )
    .expect("connected");
    c.audit_anchor(None).expect("anchored");
    assert!(
        std::fs::read_to_string(&anchors)
            .expect("the server's anchor file")
            .contains("chartroom-audit-anchor v1")
    );
    let r = c.audit_verify(None).expect("verified");
    assert!(r.ok() && r.anchored, "{r:?}");
    assert_eq!(r.exit_code(), 0);
}
