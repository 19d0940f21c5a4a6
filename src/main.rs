use std::io::IsTerminal;
use std::time::Instant;

use clap::Parser;

use chartroom::cli::{self, Cli, Command};
use chartroom::errln;
use chartroom::service::{Clock, ServiceError, shared};

fn main() {
    let started = Instant::now();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => std::process::exit(usage(&e)),
    };
    // A shared records server's binary: read the system config, open what the command needs
    // and drop the store's group before anything a user names is touched (see shared.rs).
    let code = match cli::server::enter(&cli) {
        Err(e) => report(&e),
        Ok(()) => match &cli.command {
            Some(cmd) => match cli::run(&cli, cmd) {
                Ok(0) if matches!(cmd, Command::Demo(a) if !a.no_tui) => screens(&cli, started),
                Ok(code) => code,
                Err(e) => report(&e),
            },
            None => screens(&cli, started),
        },
    };
    // What is still buffered must reach the pipe or the file, or the command says so.
    let code = match cli::out::flush() {
        Err(e) if code == 0 => report(&e),
        _ => code,
    };
    std::process::exit(code);
}

/// Help, the version, or a command typed wrong: clap's text, written so that a closed pipe
/// ends quietly and a full disk says so (clap's own printing ignores both).
fn usage(e: &clap::Error) -> i32 {
    use clap::error::ErrorKind;
    let text = e.render().to_string();
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            match chartroom::out!("{text}").and_then(|_| cli::out::flush()) {
                Ok(()) => 0,
                Err(err) => report(&err),
            }
        }
        _ => {
            errln!("{}", text.trim_end());
            2
        }
    }
}

/// Says what went wrong on one line of stderr and gives the exit code. A closed pipe ends
/// quietly: whoever read the output has what they wanted.
fn report(e: &ServiceError) -> i32 {
    if e.is_closed_pipe() {
        return 0;
    }
    // Its text may quote a path or a name: it goes out as outside text does, through Text.
    errln!(
        "chartroom: {}",
        chartroom::domain::Text::from(e.to_string())
    );
    e.exit_code()
}

/// Opens the screens on the configured store.
fn screens(cli: &Cli, started: Instant) -> i32 {
    let db = match cli.store() {
        Ok(db) => db,
        Err(e) => return report(&e),
    };
    if !shared::active() && !db.exists() {
        errln!(
            "chartroom: there is no store at {}; make a practice one with `chartroom demo`, \
             or an empty one with `chartroom init`",
            chartroom::domain::Text::from(db.to_string())
        );
        return 3;
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        errln!(
            "chartroom: the screens need a terminal; for scripts use a command (chartroom --help)"
        );
        return 2;
    }
    chartroom::secrets::passphrase::set_fd(cli.passphrase_fd);
    // On a shared server the services were opened before the group was dropped, and the
    // screens' worker and job lane take them from `Service::open`. Elsewhere, an encrypted
    // store may need a passphrase: unlock it now, while the terminal can prompt.
    // The user's own config (theme, keymap) is read after the group is gone; a config folder
    // that leads into the store is refused outright.
    if shared::active()
        && let Err(e) = shared::check_user_path(&chartroom::config::config_dir())
    {
        return report(&e);
    }
    let opened = if shared::active() {
        None
    } else if db.as_file().is_some_and(chartroom::secrets::is_encrypted) {
        match chartroom::service::Service::open(&db, Clock::System) {
            Ok(svc) => Some(chartroom::service::Conn::from(svc)),
            Err(e) => return report(&e),
        }
    } else {
        None
    };
    let opts = chartroom::tui::Options {
        db,
        theme: cli.theme.clone(),
        clock: Clock::System,
        started,
        bench_query: cli.bench_first_frame.clone(),
    };
    match chartroom::tui::run_with(opts, opened) {
        Ok(()) => 0,
        Err(e) => {
            errln!("chartroom: the terminal could not be used: {e}");
            3
        }
    }
}
