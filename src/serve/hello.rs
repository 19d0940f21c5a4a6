//! A connection's first frame answered: a session opened by a password (with a new token),
//! a token, or the Unix socket's peer; a logout; a health check.

use std::sync::atomic::Ordering;

use crate::service::{RemoteError, Service, ServiceError, identity};

use super::frame::PROTOCOL;
use super::proto::{Health, Hello, Welcome};
use super::server::{Peer, Shared};
use super::sessions::Gone;

/// What a session was opened with: the token to check before each request, if any.
pub(super) struct Opened {
    pub(super) svc: Service,
    pub(super) token: Option<String>,
}

pub(super) fn gone(g: Gone) -> ServiceError {
    ServiceError::Remote(match g {
        Gone::Expired => RemoteError::Expired {
            addr: String::new(),
        },
        Gone::Unknown => RemoteError::NotLoggedIn {
            addr: String::new(),
        },
    })
}

type Refusal = Box<(Welcome, i32)>;

fn refuse(e: ServiceError) -> Refusal {
    let code = e.exit_code();
    Box::new((Welcome::Refused(e), code))
}

/// Answers a hello: a session (and how it was opened), or a refusal to send.
pub(super) fn welcome(
    sh: &Shared,
    hello: Hello,
    origin: &str,
    peer: Option<Peer>,
) -> Result<Option<Opened>, Refusal> {
    let db = || sh.opener.connect().map_err(refuse);
    match hello {
        Hello::Check => {
            let w = match sh.opener.healthy() {
                Ok(schema) => Welcome::Healthy(Health {
                    version: env!("CARGO_PKG_VERSION").into(),
                    protocol: PROTOCOL,
                    store_schema: schema,
                    sessions: sh.sessions.live(),
                    connections: sh.active.load(Ordering::SeqCst),
                }),
                Err(e) => Welcome::Refused(e),
            };
            Err(Box::new((w, 0)))
        }
        Hello::Revoke { token } => {
            sh.sessions.revoke(&token);
            Err(Box::new((Welcome::Revoked, 0)))
        }
        Hello::Password {
            username,
            password,
            os_login,
        } => {
            let svc = Service::sign_in(
                db()?,
                sh.clock,
                &username,
                &password,
                &os_login,
                origin.into(),
            )
            .map_err(refuse)?;
            let (token, _) = sh.sessions.issue(svc.actor().user.id, &os_login);
            Ok(Some(Opened {
                svc,
                token: Some(token.to_string()),
            }))
        }
        Hello::Token { token, os_login } => {
            let s = sh.sessions.find(&token).map_err(|g| refuse(gone(g)))?;
            let login = if os_login.is_empty() {
                s.os_login.clone()
            } else {
                os_login
            };
            match Service::resume(db()?, sh.clock, s.user_id, &login, origin.into(), s.locked) {
                Ok(svc) => Ok(Some(Opened {
                    svc,
                    token: Some(token),
                })),
                Err(e) => {
                    if Service::ends_sessions(&e) {
                        sh.sessions.revoke_user(s.user_id);
                    }
                    Err(refuse(e))
                }
            }
        }
        Hello::Peer => {
            let Some(p) = peer else {
                return Err(refuse(ServiceError::Remote(RemoteError::Refused(
                    "signing in as your OS user works only on the records server's own Unix socket; log in with your password".into(),
                ))));
            };
            let login = match &sh.peer_login {
                Some(f) => f(&p),
                None => identity::login_of(p.uid),
            };
            let Some(login) = login else {
                return Err(refuse(ServiceError::UnknownLogin(format!("uid {}", p.uid))));
            };
            let svc = Service::for_peer(db()?, sh.clock, &login, origin.into()).map_err(refuse)?;
            Ok(Some(Opened { svc, token: None }))
        }
    }
}
