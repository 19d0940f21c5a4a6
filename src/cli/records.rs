//! `chartroom serve` (run the service for terminals elsewhere), `chartroom login URL` and
//! `chartroom logout` (a session token in the OS keyring, nothing else).

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use crate::domain::Text;
use crate::secrets::passphrase;
use crate::serve::server::{self, Listen};
use crate::serve::tls::{self, Trust};
use crate::serve::{client, login};
use crate::service::{Location, ServiceAddr, ServiceError};

use super::Outcome;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen: HOST:PORT for terminals elsewhere (TLS), or a socket path (starting
    /// with /) for sessions on this machine, signed in as their OS user. Give it once for
    /// each.
    #[arg(long, value_name = "ADDR", required = true)]
    pub listen: Vec<String>,
    /// The server's own folder: its certificate and key, and the sessions file (default: the
    /// store's folder).
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// A certificate from the site's CA (PEM) instead of a self-signed one; with --key.
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,
    /// The private key of --cert (PEM).
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// A host name or address terminals reach the server by (for the self-signed
    /// certificate; localhost and the loopback addresses are always in it).
    #[arg(long = "name", value_name = "HOST")]
    pub names: Vec<String>,
    /// How many hours a login lasts.
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=168))]
    pub session_hours: u32,
    /// The audit anchor file (default: the system config's audit_anchors).
    #[arg(long, value_name = "FILE")]
    pub anchors: Option<PathBuf>,
    /// Check the server listening at --listen instead of starting one: exit 0 when it and its
    /// store answer, 3 when not (for monitoring).
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The records server: chartroom://HOST[:PORT].
    #[arg(value_name = "URL")]
    pub url: String,
    /// Your chartroom user name (default: your OS login).
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// The server certificate's fingerprint as your administrator gave it (SHA256:…): pinned
    /// without asking.
    #[arg(long, value_name = "SHA256")]
    pub fingerprint: Option<String>,
    /// Trust certificates signed by the site's CA (a PEM file) instead of pinning one.
    #[arg(long, value_name = "FILE", conflicts_with = "fingerprint")]
    pub ca: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The records server (default: --db when it names one).
    #[arg(value_name = "URL")]
    pub url: Option<String>,
}

fn tcp(url: &str) -> Result<ServiceAddr, ServiceError> {
    match Location::parse(url)? {
        Location::Service(a @ ServiceAddr::Tcp { .. }) => Ok(a),
        Location::Service(ServiceAddr::Unix(p)) => Err(ServiceError::Usage(format!(
            "on the records server's own socket ({}) your OS user signs you in: no login is needed; use --db chartroom+unix://{}",
            p.display(),
            p.display()
        ))),
        _ => Err(ServiceError::Usage(format!(
            "\"{}\" is not a records server; give chartroom://HOST[:PORT]",
            Text::from(url)
        ))),
    }
}

fn listens(list: &[String]) -> Vec<Listen> {
    list.iter()
        .map(|l| {
            if l.starts_with('/') {
                Listen::Unix(PathBuf::from(l))
            } else {
                Listen::Tcp(l.clone())
            }
        })
        .collect()
}

fn state_dir(a: &ServeArgs, store: &Location) -> Result<PathBuf, ServiceError> {
    if let Some(d) = &a.state {
        return Ok(d.clone());
    }
    match store.as_file().and_then(|p| p.parent()) {
        Some(d) if d.as_os_str().is_empty() => Ok(PathBuf::from(".")),
        Some(d) => Ok(d.to_path_buf()),
        None => Err(ServiceError::Usage(
            "give the server's own folder with --state (its certificate and sessions go there)"
                .into(),
        )),
    }
}

/// Logs to standard error (the journal, under systemd): connections, user ids, use cases and
/// exit codes, never what was asked for or found. `CHARTROOM_LOG` sets the level.
fn log_to_stderr() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CHARTROOM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

pub fn serve(store: &Location, a: &ServeArgs) -> Outcome {
    if a.check {
        return check(store, a);
    }
    log_to_stderr();
    let mut opts = server::Options::new(store.clone(), listens(&a.listen), state_dir(a, store)?);
    opts.cert = a.cert.clone().zip(a.key.clone());
    opts.names = a.names.clone();
    opts.session_hours = a.session_hours;
    opts.anchors = match &a.anchors {
        Some(p) => Some(p.clone()),
        None => super::system()?.audit_anchors,
    };
    let running = server::start(opts)?;
    for addr in &running.tcp {
        outln!("chartroom serve: listening on {addr} (TLS)")?;
    }
    for p in &running.unix {
        outln!(
            "chartroom serve: listening on {} (this machine's users, as their OS user)",
            Text::from(p.display().to_string())
        )?;
    }
    if let Some(fp) = &running.fingerprint {
        outln!("certificate fingerprint: {fp}")?;
    }
    if let Some(c) = &running.created_cert {
        outln!(
            "(a self-signed certificate was made at {}: terminals pin it at their first login; give them the fingerprint above to compare)",
            Text::from(c.display().to_string())
        )?;
    }
    super::out::flush()?;
    running.wait();
    Ok(0)
}

/// `serve --check`: the running server and its store answer.
fn check(store: &Location, a: &ServeArgs) -> Outcome {
    let mut worst = 0;
    for l in listens(&a.listen) {
        let (addr, trust) = match &l {
            Listen::Unix(p) => (ServiceAddr::Unix(p.clone()), Trust::FirstUse),
            Listen::Tcp(hp) => {
                let addr = tcp(&format!("chartroom://{hp}"))?;
                let cert = a.cert.clone().unwrap_or_else(|| {
                    state_dir(a, store)
                        .unwrap_or_default()
                        .join("serve-cert.pem")
                });
                let pem = std::fs::read(&cert).map_err(|e| {
                    ServiceError::Setup(format!("the certificate {}: {e}", cert.display()))
                })?;
                let der = rustls_pemfile::certs(&mut &pem[..])
                    .next()
                    .and_then(|c| c.ok())
                    .ok_or_else(|| ServiceError::Setup("no certificate in the file".into()))?;
                let fp = tls::parse_fingerprint(&tls::fingerprint(der.as_ref()))
                    .expect("a fingerprint we made");
                (addr, Trust::Pinned(fp))
            }
        };
        match client::health(&addr, &trust) {
            Ok(h) => outln!(
                "ok: {addr}: chartroom {} (protocol {}), store schema {}, {} session(s), {} connection(s)",
                h.version,
                h.protocol,
                h.store_schema,
                h.sessions,
                h.connections
            )?,
            Err(e) => {
                outln!("down: {addr}: {}", Text::from(e.to_string()))?;
                worst = 3;
            }
        }
    }
    Ok(worst)
}

/// Asks whether to trust a first-seen certificate (at a terminal only).
fn confirm_first_use(addr: &ServiceAddr, fp: &str) -> Result<bool, ServiceError> {
    if !std::io::stdin().is_terminal() {
        return Err(ServiceError::Usage(format!(
            "the records server at {addr} shows the certificate {fp}, which this terminal has not seen before; compare it with what your administrator gave you, then log in at a terminal to confirm it, or give it with --fingerprint"
        )));
    }
    errln!(
        "The records server at {addr} shows this certificate:\n  {fp}\nCompare it with the fingerprint your administrator gave you (`chartroom serve` prints it). Trust it? [y/N] "
    );
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES"))
}

pub fn login(a: &LoginArgs) -> Outcome {
    let addr = tcp(&a.url)?;
    let trust = match (&a.ca, &a.fingerprint) {
        (Some(ca), _) => Trust::Ca(ca.clone()),
        (None, Some(fp)) => Trust::Pinned(tls::parse_fingerprint(fp).ok_or_else(|| {
            ServiceError::Usage(
                "the fingerprint is not one: it is SHA256: and 32 pairs of hex digits".into(),
            )
        })?),
        (None, None) => match login::trust(&addr) {
            Some(t) => t,
            None => {
                let fp = client::first_look(&addr)?;
                if !confirm_first_use(&addr, &fp)? {
                    outln!("Not logged in: the certificate was not trusted.")?;
                    return Ok(4);
                }
                Trust::Pinned(tls::parse_fingerprint(&fp).expect("a fingerprint we made"))
            }
        },
    };
    let user = match &a.user {
        Some(u) => u.clone(),
        None => crate::service::identity::os_login().ok_or_else(|| {
            ServiceError::Usage("give your chartroom user name with --user".into())
        })?,
    };
    let password = passphrase::read(&format!("Password for {user} on {addr}: "))?;
    let st = client::sign_in(&addr, &trust, &user, &password)?;
    login::remember(&addr, &trust)?;
    let token = st.token.ok_or_else(|| {
        ServiceError::Setup("the records server started no session (no token)".into())
    })?;
    login::keep(&addr, &token)?;
    outln!(
        "Logged in to {addr} as {} ({}); the session lasts until {}. Use --db {addr}.",
        st.actor.user.username,
        st.actor.user.role.as_str(),
        st.expires_at.as_deref().unwrap_or("the server ends it")
    )?;
    Ok(0)
}

pub fn logout(db: &Location, a: &LogoutArgs) -> Outcome {
    let addr = match &a.url {
        Some(u) => tcp(u)?,
        None => match db {
            Location::Service(a @ ServiceAddr::Tcp { .. }) => a.clone(),
            _ => {
                return Err(ServiceError::Usage(
                    "which records server? give its chartroom://HOST[:PORT]".into(),
                ));
            }
        },
    };
    let Some(token) = login::token(&addr) else {
        outln!("You were not logged in to {addr} here.")?;
        return Ok(0);
    };
    // The server forgets the session first; the token here goes whatever it says.
    let told = login::trust(&addr)
        .map(|t| client::revoke(&addr, &t, &token))
        .unwrap_or(Ok(()));
    login::forget(&addr);
    match told {
        Ok(()) => outln!("Logged out of {addr}; this terminal keeps no token for it.")?,
        Err(e) => outln!(
            "The token is gone from this terminal; the server could not be told ({}), so the session there ends when it expires.",
            Text::from(e.to_string())
        )?,
    }
    Ok(0)
}
