//! Plain text: a fixed width in terminal columns (wide characters count two), optionally
//! paged for a printer (form feed between pages, header and footer on each).

use unicode_width::UnicodeWidthStr;

use super::layout::{self, Chunk};
use super::{Align, Block, Document, clean};

/// How plain text is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextOptions {
    /// Line width in columns (lines grow past it only to keep a word whole).
    pub width: usize,
    /// Lines per page including header and footer; `None` for one continuous page
    /// (header first, footer last, no form feeds).
    pub page_lines: Option<usize>,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions {
            width: 80,
            page_lines: None,
        }
    }
}

const GAP: usize = 2;

fn cols(s: &str) -> f32 {
    s.width() as f32
}

fn pad(s: &str, width: usize, align: Align) -> String {
    let fill = " ".repeat(width.saturating_sub(s.width()));
    match align {
        Align::Left => format!("{s}{fill}"),
        Align::Right => format!("{fill}{s}"),
    }
}

pub fn render(doc: &Document, opts: &TextOptions) -> String {
    let width = opts.width.max(20);
    let (chunks, heads) = body(doc, width);
    let header = doc.header.as_deref().map(|h| clean(h).replace('\n', " "));
    let footer = doc.footer.as_deref().map(|f| clean(f).replace('\n', " "));
    let pages = match opts.page_lines {
        None => vec![chunks.into_iter().flat_map(|c| c.lines).collect::<Vec<_>>()],
        Some(n) => {
            let frame = if header.is_some() { 2 } else { 0 } + 2;
            let capacity = n.saturating_sub(frame).max(1) as f32;
            layout::paginate(chunks, &heads, capacity, &|_| 1.0)
        }
    };
    let total = pages.len();
    let mut out = String::new();
    for (i, lines) in pages.iter().enumerate() {
        if i > 0 {
            out.push('\u{c}');
        }
        if let Some(h) = &header {
            out.push_str(&format!("{h}\n\n"));
        }
        let mut body: Vec<&str> = lines.iter().map(String::as_str).collect();
        while body.last().is_some_and(|l| l.is_empty()) {
            body.pop();
        }
        for line in body {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        let page = format!("Page {} of {}", i + 1, total);
        let foot = match &footer {
            Some(f) if f.width() + GAP + page.width() <= width => {
                format!("{f}{}{page}", " ".repeat(width - f.width() - page.width()))
            }
            Some(f) => format!("{f}  {page}"),
            None => format!("{}{page}", " ".repeat(width - page.width())),
        };
        out.push_str(&format!("\n{}\n", foot.trim_end()));
    }
    out
}

/// The body as chunks of lines (a chunk is kept on one page), and the tables' heading lines.
fn body(doc: &Document, width: usize) -> (Vec<Chunk<String>>, Vec<Vec<String>>) {
    let max = width as f32;
    let mut chunks = Vec::new();
    let mut heads = Vec::new();
    let single = |lines: Vec<String>, chunks: &mut Vec<Chunk<String>>| {
        chunks.push(Chunk {
            lines,
            head: None,
            break_before: false,
        });
    };
    let title = clean(&doc.title);
    let mut t = layout::wrap(&title, max, &cols);
    let rule = t.iter().map(|l| l.width()).max().unwrap_or(0);
    t.push("=".repeat(rule));
    t.push(String::new());
    single(t, &mut chunks);
    let mut pending_break = false;
    for block in &doc.blocks {
        match block {
            Block::Heading(h) => {
                let mut lines = layout::wrap(&clean(h), max, &cols);
                let rule = lines.iter().map(|l| l.width()).max().unwrap_or(0);
                lines.push("-".repeat(rule));
                lines.push(String::new());
                chunks.push(Chunk {
                    lines,
                    head: None,
                    break_before: pending_break,
                });
            }
            Block::Paragraph(p) => {
                for line in layout::wrap(&clean(p), max, &cols) {
                    chunks.push(Chunk {
                        lines: vec![line],
                        head: None,
                        break_before: pending_break,
                    });
                    pending_break = false;
                }
                single(vec![String::new()], &mut chunks);
            }
            Block::Blank => single(vec![String::new()], &mut chunks),
            Block::PageBreak => {
                pending_break = true;
                continue;
            }
            Block::Table(table) => {
                let (columns, rows) = table.normalized();
                let n = columns.len();
                let mut mins = vec![0.0f32; n];
                let mut wants = vec![0.0f32; n];
                for (i, c) in columns.iter().enumerate() {
                    mins[i] = layout::widest_word(&c.heading, &cols);
                    wants[i] = layout::natural(&c.heading, &cols);
                    for r in &rows {
                        let nat = layout::natural(&r[i], &cols);
                        let min = if c.wrap {
                            layout::widest_word(&r[i], &cols)
                        } else {
                            nat
                        };
                        mins[i] = mins[i].max(min);
                        wants[i] = wants[i].max(nat);
                    }
                }
                let (widths, _) = layout::column_widths(&mins, &wants, GAP as f32, max);
                let widths: Vec<usize> = widths.iter().map(|w| w.floor() as usize).collect();
                let widths: Vec<usize> = widths
                    .iter()
                    .zip(&mins)
                    .map(|(w, m)| (*w).max(*m as usize))
                    .collect();
                let line_of = |cells: &[String], head: bool| -> Vec<String> {
                    let wrapped: Vec<Vec<String>> = cells
                        .iter()
                        .zip(&columns)
                        .zip(&widths)
                        .map(|((cell, c), w)| {
                            if c.wrap || head {
                                layout::wrap(cell, *w as f32, &cols)
                            } else {
                                cell.split('\n').map(str::to_string).collect::<Vec<_>>()
                            }
                        })
                        .collect();
                    let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
                    (0..height)
                        .map(|k| {
                            let parts: Vec<String> = wrapped
                                .iter()
                                .zip(&columns)
                                .zip(&widths)
                                .map(|((lines, c), w)| {
                                    pad(lines.get(k).map_or("", String::as_str), *w, c.align)
                                })
                                .collect();
                            parts.join(&" ".repeat(GAP)).trim_end().to_string()
                        })
                        .collect()
                };
                let headings: Vec<String> = columns.iter().map(|c| c.heading.clone()).collect();
                let mut head = line_of(&headings, true);
                head.push(
                    widths
                        .iter()
                        .map(|w| "-".repeat(*w))
                        .collect::<Vec<_>>()
                        .join(&" ".repeat(GAP)),
                );
                let k = heads.len();
                heads.push(head.clone());
                let mut first = true;
                for r in &rows {
                    let mut lines = if first { head.clone() } else { Vec::new() };
                    lines.extend(line_of(r, false));
                    chunks.push(Chunk {
                        lines,
                        head: Some(k),
                        break_before: pending_break,
                    });
                    pending_break = false;
                    first = false;
                }
                if first {
                    chunks.push(Chunk {
                        lines: head,
                        head: None,
                        break_before: pending_break,
                    });
                }
                single(vec![String::new()], &mut chunks);
            }
        }
        pending_break = false;
    }
    (chunks, heads)
}
