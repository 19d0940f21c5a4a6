use std::io::IsTerminal;
use std::time::Instant;

use clap::Parser;

use chartroom::cli::{self, Cli, Command};
use chartroom::service::Clock;

fn main() {
    let started = Instant::now();
    let cli = Cli::parse();
    let code = match &cli.command {
        Some(cmd) => match cli::run(&cli, cmd) {
            Ok(0) if matches!(cmd, Command::Demo(a) if !a.no_tui) => screens(&cli, started),
            Ok(code) => code,
            Err(e) => {
                eprintln!("chartroom: {}", chartroom::text::sanitize(&e.to_string()));
                e.exit_code()
            }
        },
        None => screens(&cli, started),
    };
    std::process::exit(code);
}

/// Opens the screens on the configured store.
fn screens(cli: &Cli, started: Instant) -> i32 {
    let db = match cli.store() {
        Ok(db) => db,
        Err(e) => {
            eprintln!("chartroom: {}", chartroom::text::sanitize(&e.to_string()));
            return e.exit_code();
        }
    };
    if !db.exists() {
        eprintln!(
            "chartroom: there is no store at {}; make a practice one with `chartroom demo`, \
             or an empty one with `chartroom init`",
            chartroom::text::sanitize(&db.to_string())
        );
        return 3;
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!(
            "chartroom: the screens need a terminal; for scripts use a command (chartroom --help)"
        );
        return 2;
    }
    chartroom::secrets::passphrase::set_fd(cli.passphrase_fd);
    // An encrypted store may need a passphrase: unlock it now, while the terminal can prompt.
    let opened = if db.as_file().is_some_and(chartroom::secrets::is_encrypted) {
        match chartroom::service::Service::open(&db, Clock::System) {
            Ok(svc) => Some(svc),
            Err(e) => {
                eprintln!("chartroom: {}", chartroom::text::sanitize(&e.to_string()));
                return e.exit_code();
            }
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
            eprintln!("chartroom: the terminal could not be used: {e}");
            3
        }
    }
}
