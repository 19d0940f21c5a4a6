//! The screens on a records server whose connection fails: a server that stops answering is
//! said plainly (and when it is back) and nothing typed is lost; a session the server ended
//! (expired) locks the screen, keeps a form's draft put away, and the password signs in
//! again to the same pane, chart and draft.

use chartroom::tui::state::{Level, Link, Msg, Reply};
use chartroom::tui::widgets::form::Form;
use chartroom::tui::{Effect, Mode, PaneId, Req, update};
use crossterm::event::KeyCode;

use super::lock::with_phi;
use super::support::*;

fn family(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        Err("the family name is missing".into())
    } else {
        Ok(())
    }
}

fn draft_form() -> Form {
    Form::new("Correct the demographics").field("Family name", 50, "Smith", family)
}

#[test]
fn a_server_that_goes_away_is_said_plainly_and_the_draft_stays() {
    let mut s = with_phi();
    s.open_form(draft_form());
    type_offline(&mut s, "-Quinn");
    let why = "the records server at chartroom://records:4717 stopped before it answered (broken pipe): the change may or may not have been saved; when the server is back, look at the record before you make the change again";
    let fx = update(&mut s, Msg::Link(Link::Down(why.into())));
    assert!(fx.is_empty(), "nothing is sent while it is down: {fx:?}");
    let (level, msg) = status(&s).expect("said");
    assert_eq!(level, Level::Error);
    assert!(msg.contains("may or may not have been saved"), "{msg}");
    assert!(msg.contains("keeps trying"), "{msg}");
    assert_eq!(mode(&s), Mode::Form, "the form stays open");
    assert!(screen(&mut s, 100, 30).contains("Smith-Quinn"));
    update(&mut s, Msg::Link(Link::Back));
    assert!(status(&s).is_some_and(|(_, m)| m.contains("connected to the records server again")));
    assert!(
        screen(&mut s, 100, 30).contains("Smith-Quinn"),
        "the draft is still there"
    );
}

#[test]
fn an_expired_session_locks_the_screen_and_the_password_brings_everything_back() {
    let mut s = with_phi();
    s.open_form(draft_form());
    type_offline(&mut s, "-Quinn");
    let fx = update(
        &mut s,
        Msg::Link(Link::Expired(
            "your session on the records server chartroom://records:4717 has expired; log in again"
                .into(),
        )),
    );
    assert_eq!(mode(&s), Mode::Lock);
    assert!(
        !fx.iter()
            .any(|e| matches!(e, Effect::Request(Req::Lock { .. }))),
        "no lock request: the server has no session left to lock"
    );
    let t = screen(&mut s, 100, 30);
    assert!(t.contains("expired"), "{t}");
    for phi in ["Smith-Quinn", "Carol"] {
        assert!(!t.contains(phi), "{phi} shown while locked:\n{t}");
    }
    assert!(s.stowed_form(PaneId::Chart).is_some(), "the draft is kept");
    // The password (the worker signs in again with it), and the same screen comes back.
    type_offline(&mut s, "pw");
    let fx = update(&mut s, key(KeyCode::Enter));
    let id = fx
        .iter()
        .find_map(|e| match e {
            Effect::Request(r @ Req::Unlock { .. }) => Some(r.id()),
            _ => None,
        })
        .expect("the unlock goes to the worker");
    update(&mut s, Msg::Db(id, Ok(Reply::Done)));
    assert_eq!(mode(&s), Mode::Form);
    assert!(screen(&mut s, 100, 30).contains("Smith-Quinn"));
}
