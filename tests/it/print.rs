//! The print renderer: exact plain text, and PDFs read back with poppler's pdftotext (the
//! way a person's PDF reader sees them). Nothing may be dropped or cut: every identifier
//! comes back whole from both renderings.

use std::process::Command;

use chartroom::print::{Block, Column, Document, Table, TextOptions};

fn pdf_text(pdf: &[u8], layout: bool) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).expect("write pdf");
    let mut cmd = Command::new("pdftotext");
    if layout {
        cmd.arg("-layout");
    }
    let out = cmd
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils; .ci/run installs it)");
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 text")
}

fn pdf_pages(pdf: &[u8]) -> usize {
    pdf_text(pdf, false).matches('\u{c}').count()
}

fn letter() -> Document {
    Document::new("Pull list: File room A, 2026-12-02")
        .header("Mercy General - Health Information")
        .footer("Printed by tech")
        .paragraph("Charts needed by the clinics below,\nin shelf order.")
        .heading("Orthopaedics")
        .table(
            Table::new(vec![
                Column::ident("MRN"),
                Column::ident("Vol"),
                Column::text("Reason"),
                Column::ident("Pages").right(),
            ])
            .row(["10004217", "02", "Follow-up visit", "12"])
            .row([
                "10000024",
                "01",
                "Surgery planning with the whole team",
                "7",
            ]),
        )
}

#[test]
fn plain_text_is_exact() {
    let text = letter().to_text(&TextOptions {
        width: 44,
        page_lines: None,
    });
    let want = "\
Mercy General - Health Information

Pull list: File room A, 2026-12-02
==================================

Charts needed by the clinics below,
in shelf order.

Orthopaedics
------------

MRN       Vol  Reason                  Pages
--------  ---  ----------------------  -----
10004217  02   Follow-up visit            12
10000024  01   Surgery planning with       7
               the whole team

Printed by tech                  Page 1 of 1
";
    assert_eq!(text, want);
}

#[test]
fn plain_text_pages_repeat_the_header_and_the_table_headings() {
    let mut t = Table::new(vec![Column::ident("MRN"), Column::text("Where")]);
    for i in 0..30 {
        t.push([format!("1000{:04}", i), "File room A".to_string()]);
    }
    let doc = Document::new("Overdue").header("Mercy").table(t);
    let text = doc.to_text(&TextOptions {
        width: 40,
        page_lines: Some(20),
    });
    let pages: Vec<&str> = text.split('\u{c}').collect();
    assert_eq!(pages.len(), 3, "{text}");
    for (i, page) in pages.iter().enumerate() {
        assert!(page.starts_with("Mercy\n\n"), "page {i}: {page}");
        assert!(page.lines().count() <= 20, "page {i} is too long: {page}");
        assert!(
            page.trim_end().ends_with(&format!("Page {} of 3", i + 1)),
            "{page}"
        );
        assert!(
            page.contains("MRN       Where"),
            "page {i} has no column headings: {page}"
        );
    }
    for i in 0..30 {
        assert_eq!(text.matches(&format!("1000{:04}", i)).count(), 1, "{i}");
    }
}

#[test]
fn a_word_too_wide_is_never_cut_or_dropped() {
    let hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let doc = Document::new("Packet")
        .paragraph(format!("SHA-256 {hash}{hash} of the packet."))
        .table(
            Table::new(vec![
                Column::text("File"),
                Column::ident("SHA-256"),
                Column::ident("MRN"),
            ])
            .row(["discharge-summary.pdf", hash, "10004217"])
            .row(["op-report.pdf", &format!("{hash}{hash}"), "10000024"]),
        );
    let text = doc.to_text(&TextOptions {
        width: 40,
        page_lines: None,
    });
    assert!(text.contains(&format!("{hash}{hash}")), "{text}");
    let row = text
        .lines()
        .find(|l| l.starts_with("discharge-summary.pdf"))
        .expect("row");
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        ["discharge-summary.pdf", hash, "10004217"]
    );
    let pdf = doc.to_pdf().expect("pdf");
    let read = pdf_text(&pdf, false);
    let words: Vec<&str> = read.split_whitespace().collect();
    assert!(words.contains(&format!("{hash}{hash}").as_str()), "{read}");
    assert!(words.contains(&hash), "{read}");
    assert!(
        words.contains(&"10004217") && words.contains(&"10000024"),
        "{read}"
    );
}

#[test]
fn the_pdf_carries_every_word_across_pages() {
    let mut t = Table::new(vec![
        Column::ident("MRN"),
        Column::ident("Vol"),
        Column::text("Patient"),
        Column::text("Requested by"),
        Column::ident("Needed"),
    ]);
    for i in 0..120 {
        t.push([
            format!("2{:07}", i * 7919 % 10_000_000),
            format!("{:02}", i % 3 + 1),
            "Muñoz, Zoë Ñ".to_string(),
            "Orthopaedic clinic, room 4".to_string(),
            "2026-12-02".to_string(),
        ]);
    }
    let doc = Document::new("Pull list")
        .header("Mercy General")
        .footer("Printed by tech")
        .table(t)
        .page_break()
        .paragraph("Signed: ____________");
    let pdf = doc.to_pdf().expect("pdf");
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let pages = pdf_pages(&pdf);
    assert!(pages >= 3, "120 rows on {pages} pages");
    let read = pdf_text(&pdf, false);
    for i in 0..120 {
        let mrn = format!("2{:07}", i * 7919 % 10_000_000);
        assert_eq!(read.matches(&mrn).count(), 1, "{mrn} in:\n{read}");
    }
    assert_eq!(read.matches("Muñoz, Zoë Ñ").count(), 120);
    assert_eq!(
        read.matches("Mercy General").count(),
        pages,
        "a header on every page"
    );
    assert_eq!(
        read.matches("Requested by").count(),
        pages - 1,
        "headings on each table page"
    );
    assert!(read.contains(&format!("Page {pages} of {pages}")), "{read}");
    // The page break put the signature line alone on the last page.
    let last = read.split('\u{c}').nth(pages - 1).expect("last page");
    assert!(
        last.contains("Signed:") && !last.contains("Muñoz"),
        "{last}"
    );
}

#[test]
fn invisible_and_control_characters_show_as_replacement_marks() {
    let doc = Document::new("Name\u{202E}gnp.exe").block(Block::Paragraph(
        "Bell\u{7} and \u{1b}[2J escape\u{200B}".into(),
    ));
    let text = doc.to_text(&TextOptions::default());
    assert!(
        !text
            .chars()
            .any(|c| c == '\u{1b}' || c == '\u{7}' || c == '\u{202E}' || c == '\u{200B}')
    );
    assert!(text.contains("Name\u{FFFD}gnp.exe"), "{text}");
    assert!(
        text.contains("Bell\u{FFFD} and \u{FFFD}[2J escape\u{FFFD}"),
        "{text}"
    );
    let read = pdf_text(&doc.to_pdf().expect("pdf"), false);
    assert!(read.contains("Name\u{FFFD}gnp.exe"), "{read}");
}

#[test]
fn an_empty_table_and_an_empty_document_still_render() {
    let doc = Document::new("Missing charts").table(Table::new(vec![Column::ident("MRN")]));
    let text = doc.to_text(&TextOptions::default());
    assert!(text.contains("MRN\n---\n"), "{text}");
    let read = pdf_text(&doc.to_pdf().expect("pdf"), false);
    assert!(
        read.contains("Missing charts") && read.contains("MRN"),
        "{read}"
    );
    let empty = Document::default();
    assert!(
        empty
            .to_text(&TextOptions::default())
            .contains("Page 1 of 1")
    );
    assert!(empty.to_pdf().expect("pdf").starts_with(b"%PDF-"));
}

#[test]
fn rows_longer_than_the_columns_keep_their_extra_cells() {
    let doc = Document::new("T").table(
        Table::new(vec![Column::ident("MRN")])
            .row(["10004217", "extra", "cells"])
            .row(["1"]),
    );
    let text = doc.to_text(&TextOptions::default());
    assert!(text.contains("10004217  extra cells"), "{text}");
}
