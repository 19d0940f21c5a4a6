//! The terminal's lifecycle: raw mode and the alternate screen in, everything restored on the
//! way out: normal exit, panic, SIGTERM/SIGHUP (via the event loop), and a Drop guard. The
//! screen is cleared before leaving so no PHI stays visible; the title never carries PHI.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{
    self, Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, SetTitle,
};
use crossterm::{cursor, execute};

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Raw mode, alternate screen, bracketed paste, a fixed title.
pub fn enter() -> io::Result<()> {
    terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableBracketedPaste,
        SetTitle("chartroom"),
        Clear(ClearType::All)
    )
}

/// Clears the screen and gives the terminal back as it was. Safe to call twice.
pub fn leave() -> io::Result<()> {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    let mut out = io::stdout();
    let r = execute!(
        out,
        Clear(ClearType::All),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = out.flush();
    terminal::disable_raw_mode()?;
    r
}

/// Restores the terminal when dropped (an early return or an unwinding panic).
pub struct Guard;

impl Guard {
    /// Enters the terminal and installs the panic hook.
    pub fn start() -> io::Result<Guard> {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = leave();
            previous(info);
            // A panic on any thread ends the app with the terminal restored.
            std::process::exit(101);
        }));
        enter()?;
        Ok(Guard)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = leave();
    }
}

/// Ctrl-z: restore the terminal, stop the whole foreground job (as the terminal's own Ctrl-z
/// would: a wrapper script stops too, so the shell sees the job stop), and come back when
/// resumed (`fg`).
pub fn suspend() -> io::Result<()> {
    leave()?;
    // SAFETY: kill(2) with pid 0 signals our own process group; no memory is involved.
    let r = unsafe { libc::kill(0, libc::SIGSTOP) };
    if r != 0 {
        signal_hook::low_level::raise(signal_hook::consts::SIGSTOP)?;
    }
    enter()
}
