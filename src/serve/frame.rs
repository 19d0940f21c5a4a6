//! The wire: first an 8-byte mark, the protocol version and the chartroom version each way
//! (so a mismatch is named, with what to upgrade, before anything else is read), then frames of a 4-byte big-endian length and
//! that many bytes of JSON.

use std::io::{self, Read, Write};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The protocol this chartroom speaks. Raise it with any change to `Hello`, `Welcome`,
/// `Request`, `Response`, or to the shape of a use case's arguments or answer.
pub const PROTOCOL: u32 = 1;

const MARK: &[u8; 8] = b"CHRTROOM";

/// The largest frame a server reads from a client (requests are small).
pub const MAX_REQUEST: usize = 1 << 20;
/// The largest frame a client reads from a server (a long audit report).
pub const MAX_ANSWER: usize = 256 << 20;

/// Writes the mark, our protocol version and our chartroom version.
pub fn write_prelude(w: &mut impl Write) -> io::Result<()> {
    write_prelude_as(w, PROTOCOL, env!("CARGO_PKG_VERSION"))
}

#[doc(hidden)]
pub fn write_prelude_as(w: &mut impl Write, protocol: u32, version: &str) -> io::Result<()> {
    let v = &version.as_bytes()[..version.len().min(64)];
    let mut b = Vec::with_capacity(13 + v.len());
    b.extend_from_slice(MARK);
    b.extend_from_slice(&protocol.to_be_bytes());
    b.push(v.len() as u8);
    b.extend_from_slice(v);
    w.write_all(&b)?;
    w.flush()
}

/// Reads the other side's mark, protocol version and chartroom version.
pub fn read_prelude(r: &mut impl Read) -> io::Result<(u32, String)> {
    let mut b = [0u8; 13];
    r.read_exact(&mut b)?;
    if &b[..8] != MARK {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the other side does not speak chartroom's protocol",
        ));
    }
    let protocol = u32::from_be_bytes([b[8], b[9], b[10], b[11]]);
    let mut v = vec![0u8; usize::from(b[12]).min(64)];
    r.read_exact(&mut v)?;
    let version: String = String::from_utf8_lossy(&v)
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .collect();
    Ok((protocol, version))
}

/// Writes one value as a frame.
pub fn write<T: Serialize>(w: &mut impl Write, v: &T) -> io::Result<()> {
    let body = serde_json::to_vec(v).map_err(io::Error::other)?;
    let len = u32::try_from(body.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a frame over 4 GiB"))?;
    let mut out = Vec::with_capacity(body.len() + 4);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&body);
    w.write_all(&out)?;
    w.flush()
}

/// Reads one frame of at most `max` bytes.
pub fn read<T: DeserializeOwned>(r: &mut impl Read, max: usize) -> io::Result<T> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    let len = u32::from_be_bytes(len) as usize;
    if len > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a frame of {len} bytes (at most {max} are taken)"),
        ));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)?;
    serde_json::from_slice(&body).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_oversized_ones_are_refused() {
        let mut buf = Vec::new();
        write_prelude(&mut buf).unwrap();
        write(&mut buf, &vec!["a\u{1b}b".to_string()]).unwrap();
        let mut r = &buf[..];
        assert_eq!(
            read_prelude(&mut r).unwrap(),
            (PROTOCOL, env!("CARGO_PKG_VERSION").to_string())
        );
        let v: Vec<String> = read(&mut r, 100).unwrap();
        assert_eq!(v, vec!["a\u{1b}b".to_string()]);
        let mut big = Vec::new();
        write(&mut big, &"x".repeat(200)).unwrap();
        assert!(read::<String>(&mut &big[..], 100).is_err());
        assert!(read_prelude(&mut &b"GET / HTTP/1.1\r\n"[..]).is_err());
    }
}
