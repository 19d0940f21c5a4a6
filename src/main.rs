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
                fail(&e);
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
            fail(&e);
            return e.exit_code();
        }
    };
    if !db.exists() {
        eprintln!(
            "chartroom: there is no store at {}; make a practice one with `chartroom demo`, \
             or an empty one with `chartroom init`",
            chartroom::domain::Text::from(db.to_string())
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
                fail(&e);
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

/// One line on stderr: what went wrong (its text may quote a path or a name, so it goes out
/// as any outside text does, through `Text`).
fn fail(e: &dyn std::fmt::Display) {
    eprintln!(
        "chartroom: {}",
        chartroom::domain::Text::from(e.to_string())
    );
}
