use clap::Parser;

use chartroom::cli::{self, Cli, Command};

fn main() {
    let cli = Cli::parse();
    let code = match &cli.command {
        Some(cmd) => match cli::run(&cli, cmd) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("chartroom: {}", chartroom::text::sanitize(&e.to_string()));
                e.exit_code()
            }
        },
        None => {
            eprintln!(
                "chartroom: the screens are not built yet; use `chartroom --help` for the commands"
            );
            2
        }
    };
    let _ = Command::Check;
    std::process::exit(code);
}
