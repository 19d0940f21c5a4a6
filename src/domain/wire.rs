//! What the types need to come back from `chartroom serve`'s wire (serde): names the code
//! holds as `&'static str` (a role's name, a permission's description, a field named in an
//! error) are read back into one interned copy each, so a long-running client keeps at most
//! one copy of every distinct name it was ever sent.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Deserializer};

/// A name held as `&'static str`, read back through [`name`]. (Written as this alias so that
/// serde does not take the field for one borrowed from the input.)
pub type Name = &'static str;

/// The one `'static` copy of `s`.
pub fn interned(s: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(k) = names.get(s) {
        return k;
    }
    // Bounded by the distinct names a server sends (a fixed vocabulary: roles, permissions,
    // settings, field names); a name is never leaked twice.
    let k: &'static str = Box::leak(s.to_string().into_boxed_str());
    names.insert(k);
    k
}

/// `#[serde(deserialize_with = "crate::domain::wire::name")]` for a `&'static str` field.
pub fn name<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    let s = String::deserialize(d)?;
    Ok(interned(&s))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_name_is_kept_once() {
        let a = super::interned("view_chart");
        let b = super::interned(&String::from("view_chart"));
        assert!(std::ptr::eq(a, b));
    }
}
