//! The shell commands end to end against a real store file.

use super::common::*;

#[test]
fn find_json_has_the_promised_fields() {
    let dir = tmp();
    let db = demo_store(dir.path(), 500);
    let o = run(&db, &["find", "smith", "--json", "--limit", "5"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let arr = v.as_array().expect("array");
    assert!(!arr.is_empty());
    for f in ["mrn", "family", "given", "dob", "sex", "ssn_last4", "score"] {
        assert!(arr[0].get(f).is_some(), "missing {f}");
    }
}
