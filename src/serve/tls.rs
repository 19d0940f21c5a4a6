//! TLS for `chartroom serve` (rustls, TLS 1.3 only, the ring provider). The server has a
//! certificate from the site's CA (`--cert`, `--key`) or makes itself a self-signed one on
//! first start and shows its fingerprint; a client then trusts either the site CA
//! (`--ca FILE` at login) or the fingerprint it pinned the first time (`known_servers` in
//! the config folder: addresses and fingerprints, nothing secret).

use std::io::BufReader;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};

use crate::service::ServiceError;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn setup(what: &str, e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Setup(format!("{what}: {e}"))
}

/// A certificate's SHA-256 fingerprint as people compare it: `SHA256:AB:CD:…`.
pub fn fingerprint(cert: &[u8]) -> String {
    let h = Sha256::digest(cert);
    let pairs: Vec<String> = h.iter().map(|b| format!("{b:02X}")).collect();
    format!("SHA256:{}", pairs.join(":"))
}

/// Reads a fingerprint however it was typed (with or without `SHA256:`, colons, spaces,
/// either case); `None` when it is not 32 bytes of hex.
pub fn parse_fingerprint(s: &str) -> Option<[u8; 32]> {
    let t = s.trim();
    let t = t
        .strip_prefix("SHA256:")
        .or_else(|| t.strip_prefix("sha256:"))
        .unwrap_or(t);
    let hexed: String = t.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    if hexed.len() != 64
        || t.chars()
            .any(|c| !c.is_ascii_hexdigit() && !": ".contains(c))
    {
        return None;
    }
    hex::decode(hexed).ok()?.try_into().ok()
}

fn digest(cert: &[u8]) -> [u8; 32] {
    Sha256::digest(cert).into()
}

/// The server's side: its certificate chain and key.
pub struct ServerTls {
    pub config: Arc<rustls::ServerConfig>,
    pub fingerprint: String,
    /// Made by this start (first use): say so, with the fingerprint.
    pub created: Option<PathBuf>,
}

/// The certificate and key a server uses: the site's, or its own self-signed pair in `dir`
/// (made when missing, for `names`: the host names and addresses clients use).
pub fn server(
    cert_key: Option<(&Path, &Path)>,
    dir: &Path,
    names: &[String],
) -> Result<ServerTls, ServiceError> {
    let (cert_path, key_path, made) = match cert_key {
        Some((c, k)) => (c.to_path_buf(), k.to_path_buf(), false),
        None => {
            let c = dir.join("serve-cert.pem");
            let k = dir.join("serve-key.pem");
            let made = !c.exists() || !k.exists();
            if made {
                make_self_signed(&c, &k, names)?;
            }
            (c, k, made)
        }
    };
    let certs = read_certs(&cert_path)?;
    let key = {
        let f = std::fs::File::open(&key_path).map_err(|e| setup("the TLS key", e))?;
        rustls_pemfile::private_key(&mut BufReader::new(f))
            .map_err(|e| setup("the TLS key", e))?
            .ok_or_else(|| setup("the TLS key", "no private key in the file"))?
    };
    let fp = fingerprint(certs[0].as_ref());
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| setup("TLS", e))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| setup("the TLS certificate", e))?;
    Ok(ServerTls {
        config: Arc::new(config),
        fingerprint: fp,
        created: made.then_some(cert_path),
    })
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, ServiceError> {
    let f = std::fs::File::open(path)
        .map_err(|e| setup(&format!("the certificate {}", path.display()), e))?;
    let certs: Vec<_> = rustls_pemfile::certs(&mut BufReader::new(f))
        .collect::<Result<_, _>>()
        .map_err(|e| setup(&format!("the certificate {}", path.display()), e))?;
    if certs.is_empty() {
        return Err(setup(
            &format!("the certificate {}", path.display()),
            "no certificate in the file",
        ));
    }
    Ok(certs)
}

fn make_self_signed(cert: &Path, key: &Path, names: &[String]) -> Result<(), ServiceError> {
    let mut all: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    for n in names {
        if !all.contains(n) {
            all.push(n.clone());
        }
    }
    let pair = rcgen::KeyPair::generate().map_err(|e| setup("a TLS key", e))?;
    let mut params =
        rcgen::CertificateParams::new(all).map_err(|e| setup("a TLS certificate", e))?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "chartroom serve");
    let c = params
        .self_signed(&pair)
        .map_err(|e| setup("a TLS certificate", e))?;
    write_private(key, pair.serialize_pem().as_bytes())?;
    std::fs::write(cert, c.pem()).map_err(|e| setup("the TLS certificate", e))?;
    Ok(())
}

/// Writes a file only its owner can read (a key), replacing what was there.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ServiceError> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| setup(&format!("cannot write {}", tmp.display()), e))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| setup(&format!("cannot write {}", tmp.display()), e))?;
    std::fs::rename(&tmp, path).map_err(|e| setup(&format!("cannot write {}", path.display()), e))
}

/// How a client decides to trust a server.
#[derive(Debug, Clone)]
pub enum Trust {
    /// This fingerprint (pinned on first use, or given).
    Pinned([u8; 32]),
    /// Certificates signed by the site's CA (PEM file), for the host name connected to.
    Ca(PathBuf),
    /// Nothing yet: the handshake stops, and the fingerprint it saw is kept to be shown.
    FirstUse,
}

/// A client's TLS set-up, and the fingerprint the server showed (to pin on first use).
pub struct ClientTls {
    pub config: Arc<rustls::ClientConfig>,
    pub seen: Arc<Mutex<Option<String>>>,
}

pub fn client(trust: &Trust) -> Result<ClientTls, ServiceError> {
    let seen = Arc::new(Mutex::new(None));
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| setup("TLS", e))?;
    let config = match trust {
        Trust::Ca(path) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in read_certs(path)? {
                roots
                    .add(c)
                    .map_err(|e| setup(&format!("the CA {}", path.display()), e))?;
            }
            let inner = rustls::client::WebPkiServerVerifier::builder_with_provider(
                Arc::new(roots),
                provider(),
            )
            .build()
            .map_err(|e| setup("the site CA", e))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Noting {
                    inner: Check::Ca(inner),
                    seen: seen.clone(),
                    algs: provider().signature_verification_algorithms,
                }))
                .with_no_client_auth()
        }
        Trust::Pinned(fp) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Noting {
                inner: Check::Pin(Some(*fp)),
                seen: seen.clone(),
                algs: provider().signature_verification_algorithms,
            }))
            .with_no_client_auth(),
        Trust::FirstUse => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Noting {
                inner: Check::Pin(None),
                seen: seen.clone(),
                algs: provider().signature_verification_algorithms,
            }))
            .with_no_client_auth(),
    };
    Ok(ClientTls {
        config: Arc::new(config),
        seen,
    })
}

#[derive(Debug)]
enum Check {
    Pin(Option<[u8; 32]>),
    Ca(Arc<rustls::client::WebPkiServerVerifier>),
}

/// Checks the server's certificate (pinned or by the CA), noting its fingerprint either way.
#[derive(Debug)]
struct Noting {
    inner: Check,
    seen: Arc<Mutex<Option<String>>>,
    algs: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Noting {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut s) = self.seen.lock() {
            *s = Some(fingerprint(end_entity.as_ref()));
        }
        match &self.inner {
            Check::Pin(Some(fp)) if digest(end_entity.as_ref()) == *fp => {
                Ok(ServerCertVerified::assertion())
            }
            Check::Pin(Some(_)) => Err(rustls::Error::General(
                "its certificate is not the one pinned here".into(),
            )),
            Check::Pin(None) => Err(rustls::Error::General(
                "its certificate is not trusted yet".into(),
            )),
            Check::Ca(v) => v.verify_server_cert(end_entity, intermediates, server_name, ocsp, now),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// The servers this terminal has pinned: `known_servers` in the config folder, one line
/// each, `chartroom://host:port SHA256:…`.
pub fn known_servers_file() -> PathBuf {
    crate::config::config_dir().join("known_servers")
}

/// The fingerprint pinned for `addr`, if any.
pub fn pinned(addr: &str) -> Option<[u8; 32]> {
    let text = std::fs::read_to_string(known_servers_file()).ok()?;
    text.lines().find_map(|l| {
        let (a, fp) = l.trim().split_once(char::is_whitespace)?;
        (a == addr).then(|| parse_fingerprint(fp)).flatten()
    })
}

/// Pins `fp` for `addr` (replacing an older pin for it).
pub fn pin(addr: &str, fp: &[u8; 32]) -> Result<(), ServiceError> {
    let path = known_servers_file();
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let mut out: Vec<String> = old
        .lines()
        .filter(|l| l.split_whitespace().next() != Some(addr))
        .map(str::to_string)
        .collect();
    out.push(format!("{addr} {}", fingerprint_of_digest(fp)));
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).map_err(|e| setup("the config folder", e))?;
    }
    std::fs::write(&path, out.join("\n") + "\n")
        .map_err(|e| setup(&format!("cannot write {}", path.display()), e))
}

fn fingerprint_of_digest(d: &[u8; 32]) -> String {
    let pairs: Vec<String> = d.iter().map(|b| format!("{b:02X}")).collect();
    format!("SHA256:{}", pairs.join(":"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_read_however_they_are_typed() {
        let fp = fingerprint(b"a certificate");
        let d = parse_fingerprint(&fp).unwrap();
        assert_eq!(fingerprint_of_digest(&d), fp);
        assert_eq!(parse_fingerprint(&fp.to_lowercase()), Some(d));
        let bare: String = fp[7..].replace(':', "");
        assert_eq!(parse_fingerprint(&bare), Some(d));
        assert_eq!(parse_fingerprint("SHA256:12:34"), None);
        assert_eq!(parse_fingerprint(&format!("{bare}zz")), None);
    }
}
