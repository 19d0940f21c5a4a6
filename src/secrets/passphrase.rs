//! Where passphrases come from: the terminal (no echo), or one line per passphrase from a file
//! descriptor given with `--passphrase-fd N` (for scripts and CI). Never from an argument or
//! the environment. Passphrases are held in buffers zeroed on drop.

use std::sync::Mutex;

use zeroize::Zeroizing;

use super::SecretError;

static FD: Mutex<Option<i32>> = Mutex::new(None);

/// Makes every later passphrase come from `fd` (one line each), or from the terminal.
pub fn set_fd(fd: Option<i32>) {
    *FD.lock().unwrap_or_else(|e| e.into_inner()) = fd;
}

fn fd() -> Option<i32> {
    *FD.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether a passphrase can be asked for at all (a descriptor was given, or a terminal exists).
pub fn available() -> bool {
    fd().is_some() || has_tty()
}

fn has_tty() -> bool {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .is_ok()
}

/// Reads one line from `fd`, byte by byte so the next call gets the next line.
fn read_line_fd(fd: i32) -> Result<Zeroizing<String>, SecretError> {
    let mut buf = Zeroizing::new(Vec::with_capacity(128));
    loop {
        let mut b = [0u8; 1];
        // SAFETY: reads at most one byte into a live local buffer.
        let n = unsafe { libc::read(fd, b.as_mut_ptr().cast(), 1) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(SecretError::Usage(format!(
                "cannot read a passphrase from descriptor {fd}: {e}"
            )));
        }
        if n == 0 || b[0] == b'\n' {
            if n == 0 && buf.is_empty() {
                return Err(SecretError::Usage(format!(
                    "no passphrase left on descriptor {fd} (give one line per passphrase)"
                )));
            }
            break;
        }
        if buf.len() >= 4096 {
            return Err(SecretError::Usage(
                "the passphrase is too long (over 4096 bytes)".into(),
            ));
        }
        buf.push(b[0]);
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    let s = std::str::from_utf8(&buf)
        .map_err(|_| SecretError::Usage("the passphrase is not valid UTF-8".into()))?;
    Ok(Zeroizing::new(s.to_string()))
}

/// Asks for an existing passphrase.
pub fn read(prompt: &str) -> Result<Zeroizing<String>, SecretError> {
    if let Some(fd) = fd() {
        return read_line_fd(fd);
    }
    if !has_tty() {
        return Err(SecretError::KeyNeeded);
    }
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| {
            SecretError::Usage(format!("cannot read the passphrase from the terminal: {e}"))
        })
}

/// Asks for a new passphrase (twice on a terminal); refuses an empty or short one.
pub fn read_new(prompt: &str) -> Result<Zeroizing<String>, SecretError> {
    let p = if let Some(fd) = fd() {
        read_line_fd(fd)?
    } else {
        if !has_tty() {
            return Err(SecretError::Usage(
                "a new passphrase is needed: run this at a terminal or give it with --passphrase-fd".into(),
            ));
        }
        let a = read(prompt)?;
        let b = read("Type it again: ")?;
        if *a != *b {
            return Err(SecretError::Usage(
                "the two passphrases differ; nothing was changed".into(),
            ));
        }
        a
    };
    if p.chars().count() < 8 {
        return Err(SecretError::Usage(
            "a passphrase needs at least 8 characters; nothing was changed".into(),
        ));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_come_one_at_a_time_from_a_descriptor() {
        let mut fds = [0; 2];
        // SAFETY: pipe writes two descriptors into the array.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        let data = b"first secret\r\nsecond\n";
        // SAFETY: writes from a live buffer to the pipe we own.
        unsafe { libc::write(fds[1], data.as_ptr().cast(), data.len()) };
        unsafe { libc::close(fds[1]) };
        assert_eq!(*read_line_fd(fds[0]).unwrap(), "first secret");
        assert_eq!(*read_line_fd(fds[0]).unwrap(), "second");
        assert!(read_line_fd(fds[0]).is_err());
        unsafe { libc::close(fds[0]) };
    }
}
