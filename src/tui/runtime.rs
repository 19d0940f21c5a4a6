//! The event loop: an input thread and a signal thread feed one channel, the store worker
//! replies on it too. Each turn takes one message, drains the rest (a paste of a hundred
//! keys costs one search), updates, runs the effects and draws only when something changed,
//! each frame inside synchronized-update escapes.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyEventKind};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use crossterm::{execute, queue};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use crate::service::{Clock, Conn};

use super::action::PaneId;
use super::keymap::Keymap;
use super::state::{Effect, Level, Msg, State};
use super::terminal;
use super::theme::Theme;
use super::update::update;
use super::view;
use super::worker::{Worker, newest_wins};

/// How the screens start.
#[derive(Debug, Clone)]
pub struct Options {
    pub db: crate::service::Location,
    /// `--theme`; else `theme` in config.toml; else the default.
    pub theme: Option<String>,
    pub clock: Clock,
    /// When the process started (for the first-frame measurement).
    pub started: Instant,
    /// Measure start-to-first-frame and first search (`--bench-first-frame QUERY`), then quit.
    pub bench_query: Option<String>,
}

/// The theme named in `<config>/config.toml` (`theme = "light"`), if any.
fn config_theme(dir: &Path, problems: &mut Vec<String>) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("config.toml")).ok()?;
    match text.parse::<toml::Table>() {
        Ok(t) => t.get("theme").and_then(|v| v.as_str()).map(str::to_string),
        Err(_) => {
            problems.push("config.toml could not be read; using the defaults".into());
            None
        }
    }
}

/// Builds the starting state: keymap and theme loaded, problems in the status bar.
pub fn initial_state(theme: Option<String>, clock: &Clock, config_dir: PathBuf) -> State {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let (keymap, mut problems) = Keymap::load(&config_dir);
    let name = theme
        .or_else(|| config_theme(&config_dir, &mut problems))
        .unwrap_or_else(|| "default".into());
    let (theme, p) = Theme::load(&name, &config_dir, no_color);
    problems.extend(p);
    let mut state = State::new(keymap, theme, clock.today(), config_dir, no_color);
    if let Some(first) = problems.first() {
        let more = match problems.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        state.say(Level::Warning, format!("{first}{more}"));
    }
    state
}

/// Draws one frame wrapped in synchronized-update escapes (no tearing over SSH).
pub fn draw_frame<W: Write>(
    term: &mut Terminal<CrosstermBackend<W>>,
    state: &mut State,
) -> io::Result<()> {
    queue!(term.backend_mut(), BeginSynchronizedUpdate)?;
    term.draw(|f| view::draw(f, state))?;
    execute!(term.backend_mut(), EndSynchronizedUpdate)?;
    state.app.dirty = false;
    Ok(())
}

/// Clears the screen and forgets what is on it, so the next frame draws every cell.
/// (`Terminal::clear` would ask the terminal for the cursor position, racing the input thread.)
fn full_redraw<W: Write>(term: &mut Terminal<CrosstermBackend<W>>) -> io::Result<()> {
    let size = term.size()?;
    term.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
}

fn spawn_input(tx: Sender<Msg>) {
    std::thread::Builder::new()
        .name("input".into())
        .spawn(move || {
            loop {
                let msg = match event::read() {
                    Ok(Event::Key(k)) if k.kind == KeyEventKind::Press => Msg::Key(k),
                    Ok(Event::Paste(s)) => Msg::Paste(s),
                    Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                    Ok(_) => continue,
                    Err(_) => Msg::Terminate,
                };
                let end = matches!(msg, Msg::Terminate);
                if tx.send(msg).is_err() || end {
                    return;
                }
            }
        })
        .expect("spawn the input thread");
}

fn spawn_signals(tx: Sender<Msg>) -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGTSTP};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT, SIGTSTP])?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                let msg = if sig == SIGTSTP {
                    Msg::Suspend
                } else {
                    Msg::Terminate
                };
                if tx.send(msg).is_err() {
                    return;
                }
            }
        })?;
    Ok(())
}

/// Takes every message waiting (after blocking for the first), applies them all, and returns
/// the effects with overtaken requests removed (the same coalescer as the store worker's). `None` when every sender is gone.
pub fn turn(
    state: &mut State,
    rx: &Receiver<Msg>,
    timeout: Option<Duration>,
) -> Option<Vec<Effect>> {
    let first = match timeout {
        None => rx.recv().ok()?,
        Some(t) => match rx.recv_timeout(t) {
            Ok(m) => m,
            // Nothing happened for a while: time for the idle check.
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Some(update(state, Msg::Tick(Instant::now())));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => return None,
        },
    };
    let mut fx = update(state, first);
    while let Ok(m) = rx.try_recv() {
        fx.extend(update(state, m));
    }
    Some(newest_wins(fx, |e| match e {
        Effect::Request(r) => r.coalesce_key(),
        _ => None,
    }))
}

/// Opens the screens on `opts.db` and runs until the user quits. The store is opened on the
/// worker thread, so the first frame never waits for it.
pub fn run(opts: Options) -> io::Result<()> {
    run_with(opts, None)
}

/// As [`run`], with a service already open (an encrypted store unlocked with a passphrase
/// before the screens start, while the terminal can still prompt).
pub fn run_with(opts: Options, opened: Option<Conn>) -> io::Result<()> {
    let mut state = initial_state(opts.theme.clone(), &opts.clock, crate::config::config_dir());
    let (tx, rx) = mpsc::channel();
    let worker = match opened {
        Some(svc) => Worker::spawn_with(move || Ok(svc), tx.clone()),
        None => Worker::spawn(opts.db.clone(), opts.clock, tx.clone()),
    };
    let guard = terminal::Guard::start()?;
    spawn_input(tx.clone());
    spawn_signals(tx.clone())?;
    drop(tx);
    let mut term = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    if let Ok(size) = term.size() {
        update(&mut state, Msg::Resize(size.width, size.height));
    }
    draw_frame(&mut term, &mut state)?;
    let first_frame = opts.started.elapsed();
    let mut bench = opts
        .bench_query
        .clone()
        .map(|q| (q, None::<Duration>, Instant::now()));
    if let Some((q, _, at)) = bench.as_mut() {
        *at = Instant::now();
        for e in update(&mut state, Msg::Paste(q.clone())) {
            if let Effect::Request(r) = e {
                worker.send(r);
            }
        }
    }
    'main: loop {
        // Wake up when the idle lock is due (no timer otherwise: nothing to do).
        let timeout = state
            .idle_deadline()
            .map(|d| d.saturating_duration_since(Instant::now()));
        let Some(effects) = turn(&mut state, &rx, timeout) else {
            break;
        };
        for e in effects {
            match e {
                Effect::Request(r) => worker.send(r),
                Effect::Quit => break 'main,
                Effect::Suspend => {
                    terminal::suspend()?;
                    full_redraw(&mut term)?;
                    state.app.dirty = true;
                }
                Effect::Redraw => {
                    full_redraw(&mut term)?;
                    state.app.dirty = true;
                }
            }
        }
        if state.app.dirty {
            draw_frame(&mut term, &mut state)?;
        }
        if let Some((_, done, at)) = bench.as_mut() {
            let p = state.panes.get(PaneId::Patients).probe();
            if done.is_none() && !p.busy && p.subject.is_some() {
                *done = Some(at.elapsed());
                break;
            }
            if state.app.store_error.is_some() {
                break;
            }
        }
    }
    // The `logout` row, then the terminal back (cleared: no PHI stays on screen).
    worker.shutdown(Duration::from_secs(3));
    drop(guard);
    if let Some(why) = &state.farewell {
        eprintln!("{why}");
    }
    if let Some((q, done, _)) = bench {
        eprintln!(
            "first frame {:.1} ms after start; results for {:?} drawn {:.1} ms after the first frame ({} rows)",
            first_frame.as_secs_f64() * 1e3,
            q,
            done.map(|d| d.as_secs_f64() * 1e3).unwrap_or(f64::NAN),
            state.panes.get(PaneId::Patients).probe().rows
        );
    }
    Ok(())
}
