//! The job lane: a long job runs on its own worker thread (with its own `Service`) while
//! search keystrokes are answered by the store worker; the gauge shows its progress; cancel
//! stops it cleanly and the lane takes the next job.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use chartroom::service::Clock;
use chartroom::tui::state::{Job, Level, Msg};
use chartroom::tui::worker::Worker;
use chartroom::tui::{Effect, Mode, State, jobs, runtime, update};
use crossterm::event::KeyCode;

use super::super::common::*;
use super::support::*;

struct Loop {
    s: State,
    rx: mpsc::Receiver<Msg>,
    worker: Worker,
}

impl Loop {
    fn run(&mut self, fx: Vec<Effect>) {
        for e in fx {
            if let Effect::Request(r) = e {
                self.worker.send(r);
            }
        }
    }

    /// Turns of the event loop until `done` holds (at most 20 s).
    fn until(&mut self, what: &str, done: impl Fn(&State) -> bool) {
        let start = Instant::now();
        while !done(&self.s) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "timed out: {what}"
            );
            let fx = runtime::turn(&mut self.s, &self.rx, Some(Duration::from_millis(50)))
                .expect("workers alive");
            self.run(fx);
        }
    }

    fn press(&mut self, m: Msg) {
        let fx = update(&mut self.s, m);
        self.run(fx);
    }
}

#[test]
fn a_long_job_runs_while_searches_are_answered_shows_progress_and_cancels() {
    let dir = tmp();
    let db = demo_store(dir.path(), 300);
    let (tx, rx) = mpsc::channel();
    let worker = Worker::spawn(db.into(), Clock::System, tx);
    let mut l = Loop {
        s: state("default"),
        rx,
        worker,
    };
    l.until("the session", |s| s.idle_deadline().is_some());

    // 40 s of work if nothing stops it.
    let mut fx = Vec::new();
    let job = Job::Synthetic {
        steps: 4000,
        step_ms: 10,
    };
    let id = jobs::start(&mut l.s, job, &mut fx).expect("started");
    l.run(fx);
    l.until("progress", |s| s.job().is_some_and(|j| j.done > 0));

    // Search keystrokes are answered while it runs.
    for c in "smith".chars() {
        let t0 = Instant::now();
        l.press(ch(c));
        l.until("the results", |s| !patients(s).busy);
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "a keystroke waited {:?}",
            t0.elapsed()
        );
        let j = l.s.job().expect("the job still runs");
        assert!(j.done < j.total, "{j:?}");
    }
    assert!(patients(&l.s).rows > 0);
    assert_eq!(patients(&l.s).subject.as_deref(), Some("smith"));

    // The gauge: what runs and how far, with a way to stop it.
    let before = l.s.job().unwrap().done;
    l.until("more progress", |s| {
        s.job().is_some_and(|j| j.done > before)
    });
    let t = l.s.screen_text(100, 30);
    let line = t
        .lines()
        .find(|x| x.contains("practice job"))
        .unwrap_or_else(|| panic!("no gauge:\n{t}"));
    assert!(line.contains("/4000 (") && line.contains("%)"), "{line}");
    assert!(line.contains("stops it"), "{line}");
    let t = screen(&mut l.s, 100, 30);
    assert!(t.contains("practice job"), "{t}");

    // Cancel from the palette: the lane stops it, nothing is kept, the gauge goes.
    l.press(key(KeyCode::F(10)));
    for c in "stop job".chars() {
        l.press(ch(c));
    }
    let t0 = Instant::now();
    l.press(key(KeyCode::Enter));
    assert!(l.s.screen_text(100, 30).contains("stopping"));
    l.until("the job to stop", |s| s.job().is_none());
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    assert_eq!(
        status(&l.s),
        Some((Level::Info, "practice job stopped; nothing kept".into()))
    );
    assert!(!l.s.screen_text(100, 30).contains("practice job 4000/4000"));
    assert_eq!(mode(&l.s), Mode::Search);
    // A late progress reply for the stopped job changes nothing.
    update(
        &mut l.s,
        Msg::Db(
            id,
            Ok(chartroom::tui::state::Reply::Progress { done: 1, total: 2 }),
        ),
    );
    assert!(l.s.job().is_none());

    // The lane is free: the next job runs to its end.
    let mut fx = Vec::new();
    jobs::start(
        &mut l.s,
        Job::Synthetic {
            steps: 3,
            step_ms: 1,
        },
        &mut fx,
    )
    .expect("started");
    l.run(fx);
    l.until("the second job", |s| s.job().is_none());
    assert_eq!(
        status(&l.s),
        Some((Level::Info, "practice job done: 3 steps".into()))
    );
    // Cancel with nothing running says so.
    let mut fx = Vec::new();
    jobs::cancel(&mut l.s, &mut fx);
    assert!(fx.is_empty());
    l.worker.shutdown(Duration::from_secs(10));
}

#[test]
fn one_job_at_a_time() {
    let mut s = state("default");
    let mut fx = Vec::new();
    let job = Job::Synthetic {
        steps: 10,
        step_ms: 1,
    };
    assert!(jobs::start(&mut s, job.clone(), &mut fx).is_some());
    assert!(jobs::start(&mut s, job, &mut fx).is_none());
    assert!(matches!(status(&s), Some((Level::Warning, m)) if m.contains("running already")));
    assert_eq!(fx.len(), 1);
}

#[test]
fn a_job_that_ends_while_locked_is_told_after_the_unlock() {
    let mut s = state("default");
    update(
        &mut s,
        Msg::LoggedIn(chartroom::service::LoginInfo {
            must_unlock: false,
            idle_timeout_s: 300,
            has_password: true,
        }),
    );
    let mut fx = Vec::new();
    let job = Job::Synthetic {
        steps: 10,
        step_ms: 1,
    };
    let id = jobs::start(&mut s, job, &mut fx).unwrap();
    update(&mut s, alt('l'));
    assert!(s.is_locked());
    let reply = |r| Msg::Db(id, Ok(r));
    use chartroom::tui::state::Reply;
    update(&mut s, reply(Reply::Progress { done: 5, total: 10 }));
    assert_eq!(s.job().map(|j| j.done), Some(5), "followed while locked");
    assert!(
        !s.screen_text(100, 30).contains("practice job"),
        "not drawn"
    );
    update(&mut s, reply(Reply::Finished("10 steps".into())));
    assert!(s.job().is_none());
    assert!(!s.screen_text(100, 30).contains("practice job"));
    type_offline(&mut s, "pw");
    let fx = update(&mut s, key(KeyCode::Enter));
    let Some(Effect::Request(r)) = fx.first() else {
        panic!("{fx:?}")
    };
    update(&mut s, Msg::Db(r.id(), Ok(Reply::Done)));
    assert!(!s.is_locked());
    assert_eq!(
        status(&s),
        Some((Level::Info, "unlocked; practice job done: 10 steps".into()))
    );
}

#[test]
fn without_a_second_way_to_open_the_store_a_job_is_refused_with_a_reason() {
    // The screens on a store opened before they started (an encrypted one, unlocked with a
    // passphrase): the job lane has no way to open its own connection.
    let dir = tmp();
    let db = demo_store(dir.path(), 20);
    let svc = service(&db);
    let (tx, rx) = mpsc::channel();
    let w = Worker::spawn_with(move || Ok(svc), tx);
    let job = Job::Synthetic {
        steps: 1,
        step_ms: 1,
    };
    w.send(chartroom::tui::state::Req::Job { id: 15, job });
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let m = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("an answer");
        if let Msg::Db(15, r) = m {
            let e = r.expect_err("refused");
            assert!(e.raw().contains("encrypted store"), "{e}");
            break;
        }
    }
    w.shutdown(Duration::from_secs(10));
}
