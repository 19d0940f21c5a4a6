//! Who is at the keyboard: the OS login (peer authentication, as PostgreSQL does on local
//! sockets; over SSH, sshd has already authenticated the person) and where they came from.

use std::ffi::CStr;

/// The OS account running this process, from the real uid (not from $USER, which anyone
/// can set).
pub fn os_login() -> Option<String> {
    // SAFETY: getuid cannot fail.
    login_of(unsafe { libc::getuid() })
}

/// The OS account with this uid (a Unix socket's peer, as the kernel names it).
pub fn login_of(uid: u32) -> Option<String> {
    // SAFETY: getpwuid_r writes into our buffers only; we read the name before they drop.
    unsafe {
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut buf = vec![0 as libc::c_char; 4096];
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result);
        if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
            return None;
        }
        Some(CStr::from_ptr(pwd.pw_name).to_string_lossy().into_owned())
    }
}

/// Where the session comes from: the SSH client address, else the terminal, else "local".
pub fn origin() -> String {
    if let Ok(c) = std::env::var("SSH_CONNECTION")
        && let Some(ip) = c.split_whitespace().next()
    {
        let ip: String = ip
            .chars()
            .filter(|c| c.is_ascii_hexdigit() || ".:".contains(*c))
            .take(45)
            .collect();
        return format!("ssh {ip}");
    }
    // SAFETY: ttyname returns a pointer to a static buffer or null; copied at once.
    unsafe {
        let p = libc::ttyname(0);
        if !p.is_null() {
            return CStr::from_ptr(p).to_string_lossy().into_owned();
        }
    }
    "local".to_string()
}
