//! Everything the shell commands print goes through here, so that a closed pipe
//! (`chartroom show M | head -1`) or a full disk (`chartroom find smith > /dev/full`) is an
//! error the command returns, never a panic: `outln!` and `out!` return a `Result` to `?`.
//! Messages for the person (`errln!`) go to stderr and never fail a command: if even stderr
//! is gone there is nobody left to tell.

use std::fmt;
use std::io::{self, Write};

use crate::service::ServiceError;

/// Writes to standard output; an error becomes [`ServiceError::Output`].
pub fn write(args: fmt::Arguments<'_>, newline: bool) -> Result<(), ServiceError> {
    let mut o = io::stdout().lock();
    o.write_fmt(args)
        .and_then(|_| if newline { o.write_all(b"\n") } else { Ok(()) })
        .map_err(ServiceError::Output)
}

/// Flushes standard output (at the end of a command: what is still buffered must reach the
/// pipe or the file, or the command says it did not).
pub fn flush() -> Result<(), ServiceError> {
    io::stdout().lock().flush().map_err(ServiceError::Output)
}

/// The exit code a command's finding deserves even when a closed pipe cut its report short
/// (`chartroom audit verify | head -1` still ends 7 or 3 when that is what it found).
pub fn keep_code(code: i32, shown: Result<i32, ServiceError>) -> Result<i32, ServiceError> {
    match shown {
        Err(e) if e.is_closed_pipe() => Ok(code),
        other => other,
    }
}

/// Writes a line to standard error, ignoring any failure.
pub fn err(args: fmt::Arguments<'_>) {
    let mut e = io::stderr().lock();
    let _ = e.write_fmt(args).and_then(|_| e.write_all(b"\n"));
}

/// `println!` that returns `Result<(), ServiceError>` instead of panicking.
#[macro_export]
macro_rules! outln {
    () => { $crate::cli::out::write(format_args!(""), true) };
    ($($t:tt)*) => { $crate::cli::out::write(format_args!($($t)*), true) };
}

/// `print!` that returns `Result<(), ServiceError>` instead of panicking.
#[macro_export]
macro_rules! out {
    ($($t:tt)*) => { $crate::cli::out::write(format_args!($($t)*), false) };
}

/// `eprintln!` that never panics.
#[macro_export]
macro_rules! errln {
    ($($t:tt)*) => { $crate::cli::out::err(format_args!($($t)*)) };
}
