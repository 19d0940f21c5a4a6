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
    let mut prev2 = [0u8; W];
    let mut prev = [0u8; W];
    let mut cur = [0u8; W];
    for (j, p) in prev.iter_mut().enumerate().take(m + 1) {
        *p = j as u8;
    }
    let max8 = max as u8;
    for i in 1..=n {
        cur[0] = i as u8;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max8 {
            return None;
        }
        prev2[..=m].copy_from_slice(&prev[..=m]);
        prev[..=m].copy_from_slice(&cur[..=m]);
    }
    let d = usize::from(prev[m]);
    (d <= max).then_some(d)
}

/// Whether `a` and `b` are at most one edit apart (one deletion, insertion, substitution,
/// or adjacent transposition): the common case, in linear time without a table.
pub fn within1(a: &[u8], b: &[u8]) -> bool {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > 1 {
        return false;
    }
    let i = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if i == n.min(m) {
        return true; // equal, or one extra letter at the end
    }
    match n.cmp(&m) {
        std::cmp::Ordering::Equal => {
            a[i + 1..] == b[i + 1..]
                || (i + 1 < n && a[i] == b[i + 1] && a[i + 1] == b[i] && a[i + 2..] == b[i + 2..])
        }
        std::cmp::Ordering::Less => a[i..] == b[i + 1..],
        std::cmp::Ordering::Greater => a[i + 1..] == b[i..],
    }
}

/// The edit distance of `a` and `b` when it is at most `max` (1 or 2), else `None`.
pub fn within(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    if a == b {
        return Some(0);
    }
    if within1(a, b) {
        return Some(1);
    }
    if max < 2 {
        return None;
    }
    osa_within(a, b, max)
}

/// How many edits a typed word of this length may carry and still match: none for one letter
/// (an initial), one up to seven letters (short names such as Li, Wu, Jo are common; their typo
/// matches rank below exact and prefix ones), two for longer words.
pub fn allowed_edits(len: usize) -> usize {
    match len {
        0..=1 => 0,
        2..=7 => 1,
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
    fn within1_agrees_with_the_table() {
        let words: [&[u8]; 12] = [
            b"smith", b"smtih", b"smyth", b"smit", b"smiths", b"msith", b"john", b"jonh", b"joan",
            b"jon", b"", b"s",
        ];
        for a in words {
            for b in words {
                assert_eq!(within1(a, b), osa_within(a, b, 1).is_some(), "{a:?} {b:?}");
            }
        }
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
