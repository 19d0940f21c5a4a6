//! `chartroom init` and `chartroom demo`.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::Args;

use crate::service::Location;
use crate::service::{Clock, NewStoreKey, ServiceError, create_store, demo, identity};

use super::Outcome;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many made-up patients to create.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=5_000_000))]
    pub patients: u64,
    /// The same seed always makes the same patients.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Only build the store; do not open the screens.
    #[arg(long)]
    pub no_tui: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Encrypt the store (SQLCipher) under a random key kept in key slots beside it: one for
    /// you under a passphrase you choose, and a recovery slot whose passphrase is printed once.
    #[arg(long)]
    pub encrypt: bool,
}

fn login() -> Result<String, ServiceError> {
    identity::os_login()
        .ok_or_else(|| ServiceError::UnknownLogin("(no name for this account)".into()))
}

/// Creates an empty store with the OS login as its first administrator.
pub fn init(path: &Path, a: &InitArgs) -> Outcome {
    // An empty (0-byte) file is the one thing init may make into a store.
    if path.exists() && !crate::service::is_empty_file(path) {
        return Err(ServiceError::Usage(format!(
            "a store already exists at {}; nothing was changed",
            path.display()
        )));
    }
    let created = if a.encrypt {
        let login = login()?;
        let pass = super::key::new_passphrase(&login)?;
        let recovery = crate::secrets::slots::recovery_passphrase();
        let cache = super::key::user_cache();
        let c = create_store(
            path,
            Clock::System,
            NewStoreKey::Encrypted {
                pass: &pass,
                recovery: &recovery,
                cache: &cache,
            },
        )?;
        if let Some(why) = &c.not_cached {
            errln!("Note: {}.", crate::domain::Text::from(why.as_str()));
        }
        outln!(
            "Created an empty store at {}; {} is its administrator.",
            path.display(),
            c.admin
        )?;
        super::key::print_recovery(path, &recovery)?;
        return Ok(0);
    } else {
        create_store(path, Clock::System, NewStoreKey::Plain)?
    };
    outln!(
        "Created an empty store at {}; {} is its administrator.",
        path.display(),
        created.admin
    )?;
    Ok(0)
}

/// Makes an empty store on a server (whose credential is in this account's keyring).
pub fn init_server(url: &str, a: &InitArgs) -> Outcome {
    if a.encrypt {
        return Err(ServiceError::Usage(
            "--encrypt is for a store file; a store on a server is encrypted at rest (or not) by the server itself".into(),
        ));
    }
    let c = crate::service::create_server_store(url, Clock::System)?;
    println!(
        "Created an empty store on {url}; {} is its administrator.",
        c.admin
    );
    Ok(0)
}

/// Builds the demo store when it is missing. Returns whether it was built now.
pub fn demo(path: &Path, a: &DemoArgs) -> Result<bool, ServiceError> {
    if path.exists() {
        // Open it once to make sure it is a chartroom store we can use.
        crate::service::setup_probe(&Location::File(path.to_path_buf()))?;
        errln!("Using the demo store already at {}.", path.display());
        return Ok(false);
    }
    let login = login()?;
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .map_err(|e| ServiceError::system(e.to_string()))?;
    }
    let bar = indicatif::ProgressBar::new(a.patients);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "Making made-up patients {bar:40} {pos}/{len} ({eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let report = demo::build(
        path,
        a.patients as usize,
        a.seed,
        Clock::System,
        &login,
        &stop,
        &mut |n| bar.set_position(n),
    );
    bar.finish_and_clear();
    let report = report?;
    let s = report.stats;
    errln!(
        "Built {} in {:.1} s: {} patients, {} encounters, {} documents, {} diagnosis and {} procedure codes; \
         {} planted duplicate pairs and {} look-alike pairs (answer key: {}). You ({}) are its administrator; \
         every demo user's password (to unlock the screens after the idle lock) is {}.",
        path.display(),
        started.elapsed().as_secs_f64(),
        s.patients,
        s.encounters,
        s.documents,
        s.diagnoses,
        s.procedures,
        report.duplicate_pairs,
        report.look_alike_pairs,
        report.answer_key.display(),
        report.admin_login,
        demo::DEMO_PASSWORD
    );
    Ok(true)
}
