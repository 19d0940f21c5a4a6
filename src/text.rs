//! Making untrusted text safe to put on a terminal (the rules live in `domain::text`, where
//! the `Text` type that carries them is defined).

pub use crate::domain::text::{Text, is_bidi_control, is_invisible, sanitize, shown_or};
