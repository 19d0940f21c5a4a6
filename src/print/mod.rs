//! The one print renderer: a small document model rendered to plain text and to PDF.
//!
//! Everything chartroom prints — pull lists, deficiency and amendment letters, release-of-
//! information letters, invoices, cover pages — is built as a [`Document`] and rendered by
//! [`Document::to_text`] (a line printer, a file, `--json`-less shell output) or
//! [`Document::to_pdf`] (a US Letter PDF with the bundled DejaVu Sans faces embedded, so it
//! prints the same on any machine and needs no fonts installed).
//!
//! ```
//! use chartroom::print::{Column, Document, Table};
//! let doc = Document::new("Pull list — File room A — 2026-12-02")
//!     .header("Mercy General · Health Information")
//!     .footer("Printed by tech")
//!     .paragraph("Charts needed by the clinics below, in shelf order.")
//!     .table(
//!         Table::new(vec![Column::ident("MRN"), Column::ident("Vol"), Column::text("Reason")])
//!             .row(["10004217", "02", "Follow-up, orthopaedics"]),
//!     );
//! let text = doc.to_text(&chartroom::print::TextOptions::default());
//! assert!(text.contains("10004217"));
//! let pdf = doc.to_pdf().unwrap();
//! assert!(pdf.starts_with(b"%PDF"));
//! ```
//!
//! The model:
//! - a **title** (first page, large and bold), an optional running **header** (top of every
//!   page) and **footer** (bottom of every page, followed by "Page n of m");
//! - **blocks** in order: [`Block::Heading`], [`Block::Paragraph`] (wrapped at spaces; a `\n`
//!   in the text is a hard line break, for address blocks), [`Block::Table`], [`Block::Blank`]
//!   (one empty line) and [`Block::PageBreak`].
//! - a [`Table`] has [`Column`]s: `Column::text` wraps its cells at spaces, `Column::ident` never
//!   wraps (MRNs, account numbers, hashes, dates); either may be right-aligned. A table's column
//!   headings repeat at the top of every page it continues on, and a row is never split across
//!   pages.
//!
//! The rule that matters: **nothing is ever dropped or cut.** A word is never split and never
//!   left out. When a word (or an `ident` cell) is wider than the space it has, the plain text
//!   line grows past the width, and the PDF sets that line (or the whole table) in a smaller
//!   type until it fits (down to 5 pt; past that the line runs on into the margin, still
//!   whole and still in the file's text). Control and other invisible characters in the input
//!   are shown as U+FFFD (a visible "�"), never passed through and never silently removed.
//!
//! Fonts: DejaVu Sans and DejaVu Sans Bold (assets/fonts/, Bitstream Vera licence with
//! public-domain DejaVu changes, see assets/fonts/LICENSE) are compiled into the binary.
//! printpdf 0.12 is used without its HTML layout (its own layout engine is not needed and
//! would cost build time); lines are measured here with the fonts' own advance widths.

mod layout;
mod pdf;
mod text;

pub use text::TextOptions;

/// A printable document. Build it with the chaining methods, then render it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    /// Shown large on the first page; also the PDF's document title.
    pub title: String,
    /// Running header, at the top of every page.
    pub header: Option<String>,
    /// Running footer, at the bottom of every page, before "Page n of m".
    pub footer: Option<String>,
    /// The body, in order.
    pub blocks: Vec<Block>,
}

/// One piece of the body.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A section heading (bold).
    Heading(String),
    /// Running text, wrapped at spaces; `\n` breaks the line.
    Paragraph(String),
    /// A table with a heading row.
    Table(Table),
    /// One empty line.
    Blank,
    /// Start a new page.
    PageBreak,
}

/// How a column's cells sit in their space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Right,
}

/// A table column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub heading: String,
    pub align: Align,
    /// `false` for identifiers: the cell is always kept on one line, whole.
    pub wrap: bool,
}

impl Column {
    /// A column of running text, wrapped at spaces when space is short.
    pub fn text(heading: impl Into<String>) -> Self {
        Column {
            heading: heading.into(),
            align: Align::Left,
            wrap: true,
        }
    }
    /// A column of identifiers (MRN, volume, account number, date, hash): never wrapped.
    pub fn ident(heading: impl Into<String>) -> Self {
        Column {
            heading: heading.into(),
            align: Align::Left,
            wrap: false,
        }
    }
    /// The same column, right-aligned (counts, amounts).
    pub fn right(mut self) -> Self {
        self.align = Align::Right;
        self
    }
}

/// A table: columns and rows of cells (a short row is padded with empty cells; extra cells
/// beyond the columns are kept in a last column headed "…" rather than dropped).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(columns: Vec<Column>) -> Self {
        Table {
            columns,
            rows: Vec::new(),
        }
    }
    /// Adds one row.
    pub fn row<I, S>(mut self, cells: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.push(cells);
        self
    }
    /// Adds one row in place.
    pub fn push<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// Columns and rows as rendered: sanitized, every row as long as the columns, and a
    /// "…" column when some row is longer than the columns (nothing is dropped).
    pub(crate) fn normalized(&self) -> (Vec<Column>, Vec<Vec<String>>) {
        let widest = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut columns: Vec<Column> = self
            .columns
            .iter()
            .map(|c| Column {
                heading: clean(&c.heading),
                ..c.clone()
            })
            .collect();
        if widest > columns.len() {
            columns.push(Column::text("…"));
        }
        let n = columns.len();
        let rows = self
            .rows
            .iter()
            .map(|r| {
                let mut out: Vec<String> = r.iter().take(n - 1).map(|c| clean(c)).collect();
                if r.len() >= n {
                    let rest: Vec<String> = r[n - 1..].iter().map(|c| clean(c)).collect();
                    out.push(rest.join(" "));
                }
                out.resize(n, String::new());
                out
            })
            .collect();
        (columns, rows)
    }
}

impl Document {
    pub fn new(title: impl Into<String>) -> Self {
        Document {
            title: title.into(),
            ..Document::default()
        }
    }
    pub fn header(mut self, header: impl Into<String>) -> Self {
        self.header = Some(header.into());
        self
    }
    pub fn footer(mut self, footer: impl Into<String>) -> Self {
        self.footer = Some(footer.into());
        self
    }
    pub fn heading(self, text: impl Into<String>) -> Self {
        self.block(Block::Heading(text.into()))
    }
    pub fn paragraph(self, text: impl Into<String>) -> Self {
        self.block(Block::Paragraph(text.into()))
    }
    pub fn table(self, table: Table) -> Self {
        self.block(Block::Table(table))
    }
    pub fn blank(self) -> Self {
        self.block(Block::Blank)
    }
    pub fn page_break(self) -> Self {
        self.block(Block::PageBreak)
    }
    pub fn block(mut self, block: Block) -> Self {
        self.blocks.push(block);
        self
    }

    /// Plain text (see [`TextOptions`] for the width and paging).
    pub fn to_text(&self, opts: &TextOptions) -> String {
        text::render(self, opts)
    }

    /// A PDF file (US Letter, DejaVu Sans embedded).
    pub fn to_pdf(&self) -> Result<Vec<u8>, PrintError> {
        pdf::render(self)
    }
}

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("the bundled print font could not be read; the program files may be damaged")]
    Font,
}

/// The text as it is printed: control and invisible formatting characters (bidi overrides,
/// zero-width spaces, byte-order marks) become U+FFFD so they show; a tab is a space; `\n`
/// is kept (paragraphs break there; elsewhere the renderers treat it as a space).
pub fn clean(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' => '\n',
            '\t' => ' ',
            c if c.is_control() || is_invisible(c) => '\u{FFFD}',
            c => c,
        })
        .collect()
}

fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{00AD}')
}
