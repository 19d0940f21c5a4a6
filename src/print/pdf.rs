//! PDF: US Letter pages drawn with printpdf's low-level operations, lines measured with the
//! embedded fonts' advance widths (so wrapping is exact and nothing is clipped).

use std::sync::OnceLock;

use printpdf::{
    FontId, Line, LinePoint, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, TextItem,
};

use super::layout::{self, Chunk};
use super::{Align, Block, Document, PrintError, clean};

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

const PAGE_W: f32 = 612.0;
const PAGE_H: f32 = 792.0;
const MARGIN: f32 = 54.0;
const BODY_TOP: f32 = PAGE_H - 72.0;
const BODY_BOTTOM: f32 = 72.0;
const AVAIL: f32 = PAGE_W - 2.0 * MARGIN;
const TITLE: f32 = 16.0;
const HEADING: f32 = 12.0;
const BODY: f32 = 10.0;
const TABLE: f32 = 9.0;
const SMALLEST: f32 = 5.0;
const LEADING: f32 = 1.3;

struct Faces {
    regular: ParsedFont,
    bold: ParsedFont,
}

fn faces() -> Result<&'static Faces, PrintError> {
    static FACES: OnceLock<Option<Faces>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            let mut warnings = Vec::new();
            Some(Faces {
                regular: ParsedFont::from_bytes(REGULAR, 0, &mut warnings)?,
                bold: ParsedFont::from_bytes(BOLD, 0, &mut warnings)?,
            })
        })
        .as_ref()
        .ok_or(PrintError::Font)
}

/// The width of `s` in points at `size`.
fn width(font: &ParsedFont, s: &str, size: f32) -> f32 {
    let units: u32 = s
        .chars()
        .map(|c| {
            let gid = font.lookup_glyph_index(c as u32).unwrap_or(0);
            u32::from(font.get_glyph_width(gid).unwrap_or(0))
        })
        .sum();
    units as f32 / f32::from(font.units_per_em.max(1)) * size
}

#[derive(Clone)]
enum Item {
    Text {
        x: f32,
        text: String,
        size: f32,
        bold: bool,
    },
    Rule {
        x0: f32,
        x1: f32,
    },
}

#[derive(Clone)]
struct PLine {
    height: f32,
    items: Vec<Item>,
}

impl PLine {
    fn text(x: f32, text: String, size: f32, bold: bool) -> Self {
        PLine {
            height: size * LEADING,
            items: vec![Item::Text {
                x,
                text,
                size,
                bold,
            }],
        }
    }
    fn gap(height: f32) -> Self {
        PLine {
            height,
            items: Vec::new(),
        }
    }
    fn rule(x0: f32, x1: f32) -> Self {
        PLine {
            height: 5.0,
            items: vec![Item::Rule { x0, x1 }],
        }
    }
}

/// Wrapped lines of running text at `size`; a line that is one word too wide for the page
/// is set smaller until it fits (never split, never dropped).
fn running(f: &Faces, text: &str, size: f32, bold: bool) -> Vec<PLine> {
    let font = if bold { &f.bold } else { &f.regular };
    let measure = |s: &str| width(font, s, size);
    layout::wrap(&clean(text), AVAIL, &measure)
        .into_iter()
        .map(|l| {
            let w = measure(&l);
            let s = if w > AVAIL {
                (size * AVAIL / w).max(SMALLEST)
            } else {
                size
            };
            PLine::text(MARGIN, l, s, bold)
        })
        .collect()
}

fn one(lines: Vec<PLine>, break_before: bool) -> Chunk<PLine> {
    Chunk {
        lines,
        head: None,
        break_before,
    }
}

fn table(f: &Faces, t: &super::Table, heads: &mut Vec<Vec<PLine>>, brk: bool) -> Vec<Chunk<PLine>> {
    let (columns, rows) = t.normalized();
    let n = columns.len();
    let sizes = |size: f32| {
        let reg = |s: &str| width(&f.regular, s, size);
        let bold = |s: &str| width(&f.bold, s, size);
        let mut mins = vec![0.0f32; n];
        let mut wants = vec![0.0f32; n];
        for (i, c) in columns.iter().enumerate() {
            mins[i] = layout::widest_word(&c.heading, &bold);
            wants[i] = layout::natural(&c.heading, &bold);
            for r in &rows {
                let nat = layout::natural(&r[i], &reg);
                mins[i] = mins[i].max(if c.wrap {
                    layout::widest_word(&r[i], &reg)
                } else {
                    nat
                });
                wants[i] = wants[i].max(nat);
            }
        }
        (mins, wants)
    };
    let mut size = TABLE;
    let gap = |size: f32| size * 1.1;
    let (mut mins, mut wants) = sizes(size);
    let need = mins.iter().sum::<f32>() + gap(size) * n.saturating_sub(1) as f32;
    if need > AVAIL {
        // Too wide even with every text column wrapped: set the whole table smaller.
        size = (size * AVAIL / need * 0.999).max(SMALLEST);
        (mins, wants) = sizes(size);
    }
    let (widths, _) = layout::column_widths(&mins, &wants, gap(size), AVAIL);
    let mut xs = Vec::with_capacity(n);
    let mut x = MARGIN;
    for w in &widths {
        xs.push(x);
        x += w + gap(size);
    }
    let right = x - gap(size);
    let lines_of = |cells: &[String], bold: bool| -> Vec<PLine> {
        let font = if bold { &f.bold } else { &f.regular };
        let measure = |s: &str| width(font, s, size);
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .zip(&columns)
            .zip(&widths)
            .map(|((cell, c), w)| {
                if c.wrap || bold {
                    layout::wrap(cell, *w + 0.01, &measure)
                } else {
                    cell.split('\n').map(str::to_string).collect()
                }
            })
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        (0..height)
            .map(|k| {
                let items = wrapped
                    .iter()
                    .enumerate()
                    .filter_map(|(i, ls)| {
                        let text = ls.get(k)?.clone();
                        let x = match columns[i].align {
                            Align::Left => xs[i],
                            Align::Right => xs[i] + widths[i] - measure(&text),
                        };
                        Some(Item::Text {
                            x,
                            text,
                            size,
                            bold,
                        })
                    })
                    .collect();
                PLine {
                    height: size * LEADING,
                    items,
                }
            })
            .collect()
    };
    let headings: Vec<String> = columns.iter().map(|c| c.heading.clone()).collect();
    let mut head = lines_of(&headings, true);
    head.push(PLine::rule(MARGIN, right));
    let k = heads.len();
    heads.push(head.clone());
    let mut chunks = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let mut lines = if i == 0 { head.clone() } else { Vec::new() };
        lines.extend(lines_of(r, false));
        chunks.push(Chunk {
            lines,
            head: Some(k),
            break_before: brk && i == 0,
        });
    }
    if rows.is_empty() {
        chunks.push(one(head, brk));
    }
    chunks.push(one(vec![PLine::gap(BODY)], false));
    chunks
}

pub fn render(doc: &Document) -> Result<Vec<u8>, PrintError> {
    let f = faces()?;
    let mut chunks = Vec::new();
    let mut heads = Vec::new();
    let mut title = running(f, &doc.title, TITLE, true);
    title.push(PLine::gap(TITLE * 0.6));
    chunks.push(one(title, false));
    let mut brk = false;
    for block in &doc.blocks {
        match block {
            Block::Heading(h) => {
                let mut lines = vec![PLine::gap(HEADING * 0.4)];
                lines.extend(running(f, h, HEADING, true));
                lines.push(PLine::gap(HEADING * 0.3));
                chunks.push(one(lines, brk));
            }
            Block::Paragraph(p) => {
                for (i, line) in running(f, p, BODY, false).into_iter().enumerate() {
                    chunks.push(one(vec![line], brk && i == 0));
                }
                chunks.push(one(vec![PLine::gap(BODY * 0.6)], false));
            }
            Block::Blank => chunks.push(one(vec![PLine::gap(BODY * LEADING)], brk)),
            Block::PageBreak => {
                brk = true;
                continue;
            }
            Block::Table(t) => chunks.extend(table(f, t, &mut heads, brk)),
        }
        brk = false;
    }
    let pages = layout::paginate(chunks, &heads, BODY_TOP - BODY_BOTTOM, &|l: &PLine| {
        l.height
    });

    let mut pdf = PdfDocument::new(&clean(&doc.title).replace('\n', " "));
    let regular = pdf.add_font(&f.regular);
    let bold = pdf.add_font(&f.bold);
    let total = pages.len();
    let header = doc.header.as_deref().map(|h| clean(h).replace('\n', " "));
    let footer = doc.footer.as_deref().map(|h| clean(h).replace('\n', " "));
    let mut out = Vec::with_capacity(total);
    for (i, lines) in pages.into_iter().enumerate() {
        let mut ops = Vec::new();
        let mut put = |x: f32, y: f32, text: &str, size: f32, b: bool| {
            let font = if b { bold.clone() } else { regular.clone() };
            show(&mut ops, &font, x, y, text, size);
        };
        let small = 8.0;
        if let Some(h) = &header {
            let s = fit(&f.regular, h, small);
            put(MARGIN, PAGE_H - 40.0, h, s, false);
        }
        let page = format!("Page {} of {}", i + 1, total);
        put(
            PAGE_W - MARGIN - width(&f.regular, &page, small),
            40.0,
            &page,
            small,
            false,
        );
        if let Some(t) = &footer {
            let room = AVAIL - width(&f.regular, &page, small) - 12.0;
            let s = (small * room / width(&f.regular, t, small).max(1.0)).clamp(SMALLEST, small);
            put(MARGIN, 40.0, t, s, false);
        }
        let mut y = BODY_TOP;
        let mut rules = Vec::new();
        for line in lines {
            for item in &line.items {
                match item {
                    Item::Text {
                        x,
                        text,
                        size,
                        bold: b,
                    } => {
                        put(*x, y - size * 0.95, text, *size, *b);
                    }
                    Item::Rule { x0, x1 } => rules.push((*x0, *x1, y - line.height / 2.0)),
                }
            }
            y -= line.height;
        }
        ops.push(Op::SetOutlineThickness { pt: Pt(0.5) });
        for (x0, x1, y) in rules {
            let p = |x: f32| LinePoint {
                p: Point { x: Pt(x), y: Pt(y) },
                bezier: false,
            };
            ops.push(Op::DrawLine {
                line: Line {
                    points: vec![p(x0), p(x1)],
                    is_closed: false,
                },
            });
        }
        out.push(PdfPage::new(Mm(215.9), Mm(279.4), ops));
    }
    pdf.with_pages(out);
    // The fonts go in whole: printpdf subsets only with its layout engine, which is not built.
    let opts = PdfSaveOptions {
        subset_fonts: false,
        ..PdfSaveOptions::default()
    };
    let mut warnings = Vec::new();
    Ok(pdf.save(&opts, &mut warnings))
}

/// The size at which `text` fits the width of the page body (at most `size`).
fn fit(font: &ParsedFont, text: &str, size: f32) -> f32 {
    let w = width(font, text, size);
    if w > AVAIL {
        (size * AVAIL / w).max(SMALLEST)
    } else {
        size
    }
}

fn show(ops: &mut Vec<Op>, font: &FontId, x: f32, y: f32, text: &str, size: f32) {
    if text.is_empty() {
        return;
    }
    ops.push(Op::StartTextSection);
    ops.push(Op::SetFont {
        font: PdfFontHandle::External(font.clone()),
        size: Pt(size),
    });
    ops.push(Op::SetTextCursor {
        pos: Point { x: Pt(x), y: Pt(y) },
    });
    ops.push(Op::ShowText {
        items: vec![TextItem::Text(text.to_string())],
    });
    ops.push(Op::EndTextSection);
}
