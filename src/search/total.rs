//! How many patients a search matched: exact up to [`COUNT_CAP`], "more than" beyond, so a
//! one-letter query never pays for counting a third of the store.

use std::fmt;

/// Counts are exact up to this many patients.
pub const COUNT_CAP: usize = 10_000;

/// The number of patients a query matched (the list shows the first few of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Total {
    /// Exactly this many.
    Exact(usize),
    /// More than this many (always [`COUNT_CAP`]).
    MoreThan(usize),
}

impl Total {
    /// A count that was taken no further than `COUNT_CAP + 1`.
    pub fn of(n: usize) -> Total {
        if n > COUNT_CAP {
            Total::MoreThan(COUNT_CAP)
        } else {
            Total::Exact(n)
        }
    }

    pub fn is_exact(&self) -> bool {
        matches!(self, Total::Exact(_))
    }

    /// The exact count, if it is known.
    pub fn exact(&self) -> Option<usize> {
        match *self {
            Total::Exact(n) => Some(n),
            Total::MoreThan(_) => None,
        }
    }
}

/// "132", "more than 10,000".
impl fmt::Display for Total {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Total::Exact(n) => write!(f, "{}", thousands(n)),
            Total::MoreThan(n) => write!(f, "more than {}", thousands(n)),
        }
    }
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_up_to_the_cap_then_more_than() {
        assert_eq!(Total::of(0), Total::Exact(0));
        assert_eq!(Total::of(132), Total::Exact(132));
        assert_eq!(Total::of(COUNT_CAP), Total::Exact(10_000));
        assert_eq!(Total::of(COUNT_CAP + 1), Total::MoreThan(10_000));
        assert_eq!(Total::of(usize::MAX), Total::MoreThan(10_000));
        assert_eq!(Total::of(7).exact(), Some(7));
        assert!(!Total::of(20_000).is_exact());
    }

    #[test]
    fn reads_as_a_clerk_expects() {
        assert_eq!(Total::Exact(132).to_string(), "132");
        assert_eq!(Total::Exact(9_861).to_string(), "9,861");
        assert_eq!(Total::MoreThan(10_000).to_string(), "more than 10,000");
        assert_eq!(
            serde_json::to_string(&Total::MoreThan(10_000)).unwrap(),
            r#"{"more_than":10000}"#
        );
    }
}
