//! Edit distance for typo-tolerant name matching.

/// Optimal-string-alignment distance (Damerau-Levenshtein where an adjacent transposition
/// counts as one edit: "jonh" → "john" is 1), giving up early once it must exceed `max`.
/// Returns `None` when the distance is greater than `max`.
pub fn osa_within(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > max {
        return None;
    }
    if n == 0 || m == 0 {
        let d = n.max(m);
        return (d <= max).then_some(d);
    }
    const W: usize = 48;
    if m + 1 > W {
        return None;
    }
    let mut prev2 = [0usize; W];
    let mut prev = [0usize; W];
    let mut cur = [0usize; W];
    for (j, p) in prev.iter_mut().enumerate().take(m + 1) {
        *p = j;
    }
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        prev2[..=m].copy_from_slice(&prev[..=m]);
        prev[..=m].copy_from_slice(&cur[..=m]);
    }
    let d = prev[m];
    (d <= max).then_some(d)
}

/// How many edits a typed word of this length may carry and still match.
pub fn allowed_edits(len: usize) -> usize {
    match len {
        0..=2 => 0,
        3..=7 => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpositions_count_once() {
        assert_eq!(osa_within(b"jonh", b"john", 2), Some(1));
        assert_eq!(osa_within(b"smtih", b"smith", 2), Some(1));
        assert_eq!(osa_within(b"micheal", b"michael", 2), Some(1));
        assert_eq!(osa_within(b"garica", b"garcia", 2), Some(1));
    }

    #[test]
    fn other_edits() {
        assert_eq!(osa_within(b"smith", b"smyth", 1), Some(1));
        assert_eq!(osa_within(b"smith", b"smit", 1), Some(1));
        assert_eq!(osa_within(b"smith", b"smiths", 1), Some(1));
        assert_eq!(osa_within(b"smith", b"jones", 2), None);
        assert_eq!(osa_within(b"", b"ab", 2), Some(2));
    }
}
