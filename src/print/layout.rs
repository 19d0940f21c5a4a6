//! Layout shared by the text and PDF renderers: wrapping at spaces (never inside a word),
//! table column widths, and paging that keeps rows whole and repeats table headings.
//! Widths are in the renderer's own unit (columns of text, or points).

/// Splits `text` into lines no wider than `max` where it can: breaks only at spaces (and at
/// `\n`); a word wider than `max` gets a line of its own, whole. Runs of spaces between
/// words collapse to one. An empty text is one empty line.
pub fn wrap(text: &str, max: f32, measure: &dyn Fn(&str) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    for hard in text.split('\n') {
        let mut line = String::new();
        for word in hard.split(' ').filter(|w| !w.is_empty()) {
            if line.is_empty() {
                line.push_str(word);
                continue;
            }
            let candidate = format!("{line} {word}");
            if measure(&candidate) <= max {
                line = candidate;
            } else {
                lines.push(std::mem::take(&mut line));
                line.push_str(word);
            }
        }
        lines.push(line);
    }
    lines
}

/// The widest word of `text` (a cell that may wrap can get no narrower).
pub fn widest_word(text: &str, measure: &dyn Fn(&str) -> f32) -> f32 {
    text.split(['\n', ' ']).map(measure).fold(0.0, f32::max)
}

/// The widest line of `text` as it stands (only `\n` breaks it).
pub fn natural(text: &str, measure: &dyn Fn(&str) -> f32) -> f32 {
    text.split('\n')
        .map(|l| {
            measure(
                &l.split(' ')
                    .filter(|w| !w.is_empty())
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        })
        .fold(0.0, f32::max)
}

/// Column widths for a table in `avail` (gaps between columns included in `gap`).
/// Every column gets at least its minimum (the widest word, or for a column that does not
/// wrap its widest cell); space left over goes to the columns that want more, in proportion
/// to what they want. Returns the widths and whether the minimums alone overflow `avail`.
pub fn column_widths(mins: &[f32], wants: &[f32], gap: f32, avail: f32) -> (Vec<f32>, bool) {
    let gaps = gap * mins.len().saturating_sub(1) as f32;
    let min_total: f32 = mins.iter().sum::<f32>() + gaps;
    let want_total: f32 = wants.iter().sum::<f32>() + gaps;
    if want_total <= avail {
        return (wants.to_vec(), false);
    }
    if min_total > avail {
        return (mins.to_vec(), true);
    }
    let spare = avail - min_total;
    let extra: f32 = wants.iter().zip(mins).map(|(w, m)| w - m).sum();
    let widths = wants
        .iter()
        .zip(mins)
        .map(|(w, m)| {
            if extra > 0.0 {
                m + (w - m) * spare / extra
            } else {
                *m
            }
        })
        .collect();
    (widths, false)
}

/// A group of lines kept on one page, optionally belonging to a table whose heading lines
/// are repeated when the group starts a page that the table did not start on.
pub struct Chunk<L> {
    pub lines: Vec<L>,
    /// Index into the heads passed to [`paginate`].
    pub head: Option<usize>,
    /// Force a page break before this chunk.
    pub break_before: bool,
}

/// Fills pages of `capacity` (in the unit of `height`) with chunks in order. A chunk never
/// splits unless it alone is taller than a page (then it runs over several, line by line).
pub fn paginate<L: Clone>(
    chunks: Vec<Chunk<L>>,
    heads: &[Vec<L>],
    capacity: f32,
    height: &dyn Fn(&L) -> f32,
) -> Vec<Vec<L>> {
    let tall = |ls: &[L]| ls.iter().map(height).sum::<f32>();
    let mut pages: Vec<Vec<L>> = vec![Vec::new()];
    let mut used = 0.0;
    let mut last_head: Option<usize> = None;
    for chunk in chunks {
        let head = chunk.head.map(|h| heads[h].clone()).unwrap_or_default();
        let need = tall(&chunk.lines);
        let fresh = pages.last().is_some_and(Vec::is_empty);
        if !fresh && (chunk.break_before || used + need > capacity) {
            pages.push(Vec::new());
            used = 0.0;
        }
        let page_is_new = pages.last().is_some_and(Vec::is_empty);
        if page_is_new && chunk.head.is_some() && last_head == chunk.head {
            // The table goes on over the break: its heading again first.
            used += tall(&head);
            pages
                .last_mut()
                .expect("a page")
                .extend(head.iter().cloned());
        }
        for line in chunk.lines {
            let h = height(&line);
            if used + h > capacity && pages.last().is_some_and(|p| !p.is_empty()) {
                pages.push(Vec::new());
                used = 0.0;
                if chunk.head.is_some() {
                    used += tall(&head);
                    pages
                        .last_mut()
                        .expect("a page")
                        .extend(head.iter().cloned());
                }
            }
            used += h;
            pages.last_mut().expect("a page").push(line);
        }
        last_head = chunk.head;
    }
    pages
}
