//! The time, injectable so tests and snapshots do not drift with the calendar.

use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    Fixed(DateTime<Utc>),
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(t) => *t,
        }
    }
    pub fn today(&self) -> NaiveDate {
        match self {
            Clock::System => chrono::Local::now().date_naive(),
            Clock::Fixed(t) => t.date_naive(),
        }
    }
    /// A fixed clock at noon UTC on the given day.
    pub fn fixed(y: i32, m: u32, d: u32) -> Clock {
        let t = NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .expect("valid fixed date");
        Clock::Fixed(t.and_utc())
    }
}
