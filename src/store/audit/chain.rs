//! The hash chain's encodings, and computing a row's hash from what the store holds.
//!
//! Row `n` carries `prev_hash` (row `n-1`'s `hash`, 32 zero bytes for the first row) and
//! `hash = SHA-256(prev_hash || tag || id || each column)`. Two encodings exist, named per row
//! by the `enc` column (migration 5), so chains and anchors written before it still verify:
//!
//! - **v1** (`enc` NULL, rows written before migration 5): each column by its declared type,
//!   NULL `00`, integer `01 ‖ i64 BE`, text `02 ‖ u64 BE length ‖ UTF-8 bytes`. A stored
//!   value of another type than the column's, or text that is not valid UTF-8, cannot be a
//!   row chartroom wrote: it is reported, never hashed as something else.
//! - **v2** (`enc` = 2): each column by the storage class it holds, as read, byte for byte:
//!   NULL `00`, integer `01 ‖ i64 BE`, text `02 ‖ length ‖ bytes`, real `03 ‖ f64 bits BE`,
//!   blob `04 ‖ length ‖ bytes`. Changing a NULL into a blob, an integer into text, or one
//!   invalid byte of a text changes the hash. Rows chartroom writes hold only NULL, integers
//!   and UTF-8 text, so for them v2 differs from v1 only in its tag.

use sha2::{Digest, Sha256};

use super::super::StoreError;
use super::super::sql::{Row, Value};

/// The hash a chain starts from.
pub const GENESIS: [u8; 32] = [0; 32];
/// The encoding chartroom writes now.
pub const CURRENT_ENC: i64 = 2;

const TAG_V1: &[u8] = b"chartroom-audit-v1\0";
const TAG_V2: &[u8] = b"chartroom-audit-v2\0";

/// The hashed columns, in order (the id is hashed first, on its own).
pub const HASHED_COLS: [&str; 10] = [
    "at",
    "user_id",
    "username",
    "os_login",
    "origin",
    "action",
    "patient_id",
    "object",
    "outcome",
    "detail",
];
/// Which hashed columns are declared INTEGER (the rest are TEXT).
const INT_COL: [bool; 10] = [
    false, true, false, false, false, false, true, false, false, false,
];

/// One stored value exactly as the store holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    Null,
    Int(i64),
    Real(f64),
    Text(Vec<u8>),
    Blob(Vec<u8>),
}

impl Stored {
    pub fn text(s: Option<&str>) -> Stored {
        s.map_or(Stored::Null, |s| Stored::Text(s.as_bytes().to_vec()))
    }

    pub fn int(v: Option<i64>) -> Stored {
        v.map_or(Stored::Null, Stored::Int)
    }

    /// From a column read twice: as itself (its storage class) and `CAST(… AS BLOB)` (its
    /// exact bytes, for text).
    fn from_read(v: &Value, bytes: &Value) -> Stored {
        match v {
            Value::Null => Stored::Null,
            Value::Int(i) => Stored::Int(*i),
            Value::Real(f) => Stored::Real(*f),
            Value::Blob(b) => Stored::Blob(b.clone()),
            Value::Text(s) => match bytes {
                Value::Blob(b) => Stored::Text(b.clone()),
                _ => Stored::Text(s.as_bytes().to_vec()),
            },
        }
    }

    /// The storage class's name and the value's bytes in hex (for the archive file).
    pub fn to_parts(&self) -> (&'static str, String) {
        match self {
            Stored::Null => ("null", String::new()),
            Stored::Int(i) => ("integer", i.to_string()),
            Stored::Real(f) => ("real", hex::encode(f.to_bits().to_be_bytes())),
            Stored::Text(b) => ("text", hex::encode(b)),
            Stored::Blob(b) => ("blob", hex::encode(b)),
        }
    }

    pub fn from_parts(kind: &str, v: &str) -> Option<Stored> {
        Some(match kind {
            "null" => Stored::Null,
            "integer" => Stored::Int(v.parse().ok()?),
            "real" => {
                let b: [u8; 8] = hex::decode(v).ok()?.try_into().ok()?;
                Stored::Real(f64::from_bits(u64::from_be_bytes(b)))
            }
            "text" => Stored::Text(hex::decode(v).ok()?),
            "blob" => Stored::Blob(hex::decode(v).ok()?),
            _ => return None,
        })
    }
}

/// Why a row cannot be hashed under its encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unhashable {
    /// A value of another type than its column's (v1), or text that is not UTF-8.
    WrongType,
    /// `enc` names no encoding this chartroom knows.
    UnknownEncoding,
}

/// The hash of row `id` holding `cols` (the ten [`HASHED_COLS`]), under encoding `enc`
/// (`None` is v1).
pub fn hash_row(
    prev: &[u8],
    id: i64,
    enc: Option<i64>,
    cols: &[Stored],
) -> Result<[u8; 32], Unhashable> {
    let v2 = match enc {
        None => false,
        Some(CURRENT_ENC) => true,
        Some(_) => return Err(Unhashable::UnknownEncoding),
    };
    let mut h = Sha256::new();
    h.update(prev);
    h.update(if v2 { TAG_V2 } else { TAG_V1 });
    h.update(id.to_be_bytes());
    for (i, c) in cols.iter().enumerate() {
        if !v2 {
            let fits = match c {
                Stored::Null => true,
                Stored::Int(_) => INT_COL.get(i) == Some(&true),
                Stored::Text(b) => INT_COL.get(i) == Some(&false) && std::str::from_utf8(b).is_ok(),
                Stored::Real(_) | Stored::Blob(_) => false,
            };
            if !fits {
                return Err(Unhashable::WrongType);
            }
        }
        match c {
            Stored::Null => h.update([0u8]),
            Stored::Int(v) => {
                h.update([1u8]);
                h.update(v.to_be_bytes());
            }
            Stored::Text(b) => {
                h.update([2u8]);
                h.update((b.len() as u64).to_be_bytes());
                h.update(b);
            }
            Stored::Real(f) => {
                h.update([3u8]);
                h.update(f.to_bits().to_be_bytes());
            }
            Stored::Blob(b) => {
                h.update([4u8]);
                h.update((b.len() as u64).to_be_bytes());
                h.update(b);
            }
        }
    }
    Ok(h.finalize().into())
}

/// The SELECT list that reads a row for hashing: id, enc, prev_hash, hash, then each hashed
/// column twice (as itself and as its bytes). `enc` is NULL for a store before migration 5.
pub fn select_list(has_enc: bool) -> String {
    let mut s = String::from("id, ");
    s.push_str(if has_enc { "enc" } else { "NULL" });
    s.push_str(", prev_hash, hash");
    for c in HASHED_COLS {
        s.push_str(&format!(", {c}, CAST({c} AS BLOB)"));
    }
    s
}

/// A row read with [`select_list`].
#[derive(Debug, Clone)]
pub struct StoredRow {
    pub id: i64,
    pub enc: Result<Option<i64>, ()>,
    pub prev_hash: Option<Vec<u8>>,
    pub hash: Option<Vec<u8>>,
    pub cols: Vec<Stored>,
}

impl StoredRow {
    pub fn read(r: &Row) -> Result<StoredRow, StoreError> {
        let blob = |i: usize| match r.value(i) {
            Some(Value::Blob(b)) => Some(b.clone()),
            _ => None,
        };
        let enc = match r.value(1) {
            Some(Value::Null) | None => Ok(None),
            Some(Value::Int(v)) => Ok(Some(*v)),
            Some(_) => Err(()),
        };
        let mut cols = Vec::with_capacity(HASHED_COLS.len());
        for i in 0..HASHED_COLS.len() {
            let (v, b) = (r.value(4 + 2 * i), r.value(5 + 2 * i));
            match (v, b) {
                (Some(v), Some(b)) => cols.push(Stored::from_read(v, b)),
                _ => {
                    return Err(StoreError::BadValue {
                        column: 4 + 2 * i,
                        expected: "a value",
                        found: "no column",
                    });
                }
            }
        }
        Ok(StoredRow {
            id: r.int(0)?,
            enc,
            prev_hash: blob(2),
            hash: blob(3),
            cols,
        })
    }

    /// The hash this row should carry after `prev`.
    pub fn expected_hash(&self, prev: &[u8]) -> Result<[u8; 32], Unhashable> {
        let enc = self.enc.map_err(|_| Unhashable::UnknownEncoding)?;
        hash_row(prev, self.id, enc, &self.cols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Stored {
        Stored::Text(s.as_bytes().to_vec())
    }

    #[test]
    fn v1_is_the_encoding_chains_were_written_with() {
        // The v1 bytes for a text column and an integer column, as the old `chain_hash` made.
        let mut h = Sha256::new();
        h.update(GENESIS);
        h.update(TAG_V1);
        h.update(1i64.to_be_bytes());
        h.update([2u8]);
        h.update(1u64.to_be_bytes());
        h.update(b"a");
        h.update([1u8]);
        h.update(7i64.to_be_bytes());
        let want: [u8; 32] = h.finalize().into();
        assert_eq!(
            hash_row(&GENESIS, 1, None, &[t("a"), Stored::Int(7)]).unwrap(),
            want
        );
    }

    #[test]
    fn every_type_and_byte_counts_in_v2_and_wrong_types_are_refused_in_v1() {
        let v2 = |c: Stored| hash_row(&GENESIS, 1, Some(2), &[t("x"), c]).unwrap();
        let all = [
            v2(Stored::Null),
            v2(Stored::Blob(vec![])),
            v2(Stored::Text(vec![])),
            v2(Stored::Int(0)),
            v2(Stored::Real(0.0)),
            v2(Stored::Text(vec![0xff])),
            v2(Stored::Text(vec![0xfe])),
        ];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(
            hash_row(&GENESIS, 1, None, &[Stored::Blob(vec![])]),
            Err(Unhashable::WrongType)
        );
        assert_eq!(
            hash_row(&GENESIS, 1, None, &[Stored::Text(vec![0xff])]),
            Err(Unhashable::WrongType)
        );
        assert_eq!(
            hash_row(&GENESIS, 1, None, &[t("x"), t("1")]),
            Err(Unhashable::WrongType),
            "text where an integer belongs"
        );
        assert_eq!(
            hash_row(&GENESIS, 1, Some(9), &[]),
            Err(Unhashable::UnknownEncoding)
        );
        assert_ne!(
            hash_row(&GENESIS, 1, None, &[t("x")]).unwrap(),
            hash_row(&GENESIS, 1, Some(2), &[t("x")]).unwrap()
        );
    }

    #[test]
    fn parts_round_trip() {
        for s in [
            Stored::Null,
            Stored::Int(-3),
            Stored::Real(1.5),
            Stored::Text(vec![0xff, b'a']),
            Stored::Blob(vec![1, 2]),
        ] {
            let (k, v) = s.to_parts();
            assert_eq!(Stored::from_parts(k, &v), Some(s));
        }
    }
}
