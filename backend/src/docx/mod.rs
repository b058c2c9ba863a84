//! Word files in the layout of Nghị định 30/2020 (`FORMAT-ND30.md`): an [`Official`] document
//! (the header table with quốc hiệu and tiêu ngữ, số/ký hiệu, place and date, the title and
//! trích yếu, "Kính gửi", the body, the signature block beside "Nơi nhận", appendices) written
//! with `docx-rs`. What goes in each document is decided in `shared::report::official` (the
//! app's A4 print view shows the same); this file only lays it out.

pub use shared::report::official::{Appendix, Block, Official};

use crate::images::Jpeg;
use docx_rs::{
    AlignmentType, BorderType, Docx, Header, LineSpacing, PageMargin, PageNum, Paragraph,
    ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, Pic, Run, RunFonts,
    SpecialIndentType, Table, TableCell, TableRow, WidthType,
};
use shared::inspection::photo::PhotoHash;
use std::collections::HashMap;

/// The photos a document shows, by hash (those missing are named by their caption only).
pub type Photos = HashMap<PhotoHash, Jpeg>;

/// A4 in twentieths of a point.
const PAGE_WIDTH: u32 = 11_906;
const PAGE_HEIGHT: u32 = 16_838;
/// Margins: top and bottom 20 mm, left 30 mm, right 15 mm.
const MARGIN_TOP: i32 = 1_134;
const MARGIN_BOTTOM: i32 = 1_134;
const MARGIN_LEFT: i32 = 1_701;
const MARGIN_RIGHT: i32 = 850;
/// The text block's width.
const TEXT_WIDTH: usize = (PAGE_WIDTH as usize) - 1_701 - 850;
/// Sizes in half-points.
const BODY: usize = 28;
const HEADER: usize = 26;
const SMALL: usize = 22;
const NOI_NHAN: usize = 24;
/// First-line indent of body paragraphs: 1 cm.
const INDENT: i32 = 567;
const FONT: &str = "Times New Roman";

fn run(text: &str) -> Run {
    Run::new().add_text(text)
}

fn centred(runs: Vec<Run>) -> Paragraph {
    runs.into_iter()
        .fold(Paragraph::new(), Paragraph::add_run)
        .align(AlignmentType::Center)
        .line_spacing(LineSpacing::new().before(0).after(0))
}

/// A short solid rule, centred, `inset` from each side of its column (under the agency's
/// name, the tiêu ngữ and the trích yếu): an empty, tiny paragraph with a bottom border.
fn rule(inset: i32) -> Paragraph {
    Paragraph::new()
        .set_borders(
            ParagraphBorders::with_empty().set(
                ParagraphBorder::new(ParagraphBorderPosition::Bottom)
                    .val(BorderType::Single)
                    .size(6)
                    .space(1),
            ),
        )
        .indent(Some(inset), None, Some(inset), None)
        .size(2)
        .line_spacing(LineSpacing::new().before(0).after(60).line(120))
}

fn cell(width: usize, paragraphs: Vec<Paragraph>) -> TableCell {
    paragraphs
        .into_iter()
        .fold(TableCell::new(), TableCell::add_paragraph)
        .width(width, WidthType::Dxa)
}

/// The header: agency and number on the left, quốc hiệu, tiêu ngữ and date on the right.
fn header_table(doc: &Official) -> Table {
    let left_w = TEXT_WIDTH * 37 / 100;
    let right_w = TEXT_WIDTH - left_w;
    let mut left = Vec::new();
    if !doc.parent.is_empty() {
        left.push(centred(vec![run(&doc.parent.to_uppercase()).size(HEADER)]));
    }
    left.push(centred(vec![
        run(&doc.agency.to_uppercase()).size(HEADER).bold(),
    ]));
    left.push(rule(1_000));
    let number = if doc.number.is_empty() {
        "Số:        /".to_owned()
    } else {
        format!("Số: {}", doc.number)
    };
    left.push(centred(vec![run(&number).size(BODY)]));
    if doc.kind.is_empty() && !doc.subject.is_empty() {
        // A letter's subject: "V/v …" under its number.
        left.push(centred(vec![
            run(&format!("V/v {}", doc.subject)).size(SMALL),
        ]));
    }
    let right = vec![
        centred(vec![
            run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").size(24).bold(),
        ]),
        centred(vec![run("Độc lập - Tự do - Hạnh phúc").size(BODY).bold()]),
        rule(1_150),
        centred(vec![run(&doc.place_date).size(BODY).italic()]),
    ];
    Table::without_borders(vec![TableRow::new(vec![
        cell(left_w, left),
        cell(right_w, right),
    ])])
    .set_grid(vec![left_w, right_w])
    .width(TEXT_WIDTH, WidthType::Dxa)
}

fn body_paragraph(lead: Option<&str>, text: &str) -> Paragraph {
    let mut p = Paragraph::new()
        .align(AlignmentType::Both)
        .indent(None, Some(SpecialIndentType::FirstLine(INDENT)), None, None)
        .line_spacing(LineSpacing::new().before(0).after(120).line(312));
    if let Some(lead) = lead {
        p = p.add_run(run(lead).size(BODY).bold());
    }
    p.add_run(run(text).size(BODY))
}

fn heading(text: &str, upper: bool) -> Paragraph {
    let shown = if upper {
        text.to_uppercase()
    } else {
        text.to_owned()
    };
    Paragraph::new()
        .align(AlignmentType::Both)
        .indent(None, Some(SpecialIndentType::FirstLine(INDENT)), None, None)
        .line_spacing(LineSpacing::new().before(120).after(120))
        .keep_next(true)
        .add_run(run(&shown).size(BODY).bold())
}

fn table(header: &[String], rows: &[Vec<String>], weights: &[usize]) -> Table {
    let n = header.len().max(1);
    let total: usize = (0..n).map(|i| weights.get(i).copied().unwrap_or(1)).sum();
    let widths: Vec<usize> = (0..n)
        .map(|i| TEXT_WIDTH * weights.get(i).copied().unwrap_or(1) / total.max(1))
        .collect();
    let line = |cells: &[String], bold: bool| {
        TableRow::new(
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let r = run(c).size(SMALL + 2);
                    let r = if bold { r.bold() } else { r };
                    // Numbers right, the STT and headings centred, words left.
                    let number = !c.is_empty()
                        && c.chars()
                            .all(|ch| ch.is_ascii_digit() || ".,% ".contains(ch));
                    let align = if bold || i == 0 {
                        AlignmentType::Center
                    } else if number {
                        AlignmentType::Right
                    } else {
                        AlignmentType::Left
                    };
                    let p = Paragraph::new()
                        .add_run(r)
                        .align(align)
                        .line_spacing(LineSpacing::new().before(0).after(0));
                    cell(widths.get(i).copied().unwrap_or(0), vec![p])
                })
                .collect(),
        )
    };
    let mut out = vec![line(header, true)];
    out.extend(rows.iter().map(|r| line(r, false)));
    Table::new(out)
        .set_grid(widths.clone())
        .width(TEXT_WIDTH, WidthType::Dxa)
}

/// The largest a photo is shown: 12 cm wide, 9 cm high (in EMU, 360,000 to the centimetre).
const PHOTO_MAX_W: u64 = 12 * 360_000;
const PHOTO_MAX_H: u64 = 9 * 360_000;

/// A photo centred in the column, as large as fits in 12 × 9 cm, its caption under it.
fn photo(docx: Docx, jpeg: Option<&Jpeg>, caption: &str) -> Docx {
    let caption_paragraph = |text: &str| {
        centred(vec![run(text).size(SMALL + 2).italic()])
            .line_spacing(LineSpacing::new().before(60).after(200))
    };
    let Some(jpeg) = jpeg else {
        return docx.add_paragraph(caption_paragraph(&format!(
            "{caption} (ảnh chưa được tải lên máy chủ)"
        )));
    };
    let (w, h) = (u64::from(jpeg.width.max(1)), u64::from(jpeg.height.max(1)));
    // The scale that fits both bounds, in EMU per pixel (kept as a fraction: w_emu = w * num / den).
    let (num, den) = if PHOTO_MAX_W * h <= PHOTO_MAX_H * w {
        (PHOTO_MAX_W, w)
    } else {
        (PHOTO_MAX_H, h)
    };
    let to_emu = |px: u64| u32::try_from(px * num / den).unwrap_or(u32::MAX);
    let pic = Pic::new_with_dimensions(jpeg.bytes.clone(), jpeg.width, jpeg.height)
        .size(to_emu(w), to_emu(h));
    docx.add_paragraph(
        centred(vec![Run::new().add_image(pic)])
            .keep_next(true)
            .line_spacing(LineSpacing::new().before(120).after(0)),
    )
    .add_paragraph(caption_paragraph(caption))
}

fn add_blocks(mut docx: Docx, blocks: &[Block], photos: &Photos) -> Docx {
    for b in blocks {
        docx = match b {
            Block::Heading1(t) => docx.add_paragraph(heading(t, true)),
            Block::Heading2(t) => docx.add_paragraph(heading(t, false)),
            Block::Text { lead, text } => {
                let mut lines = text.lines().filter(|l| !l.trim().is_empty());
                let first = lines.next().unwrap_or("");
                let mut d = docx.add_paragraph(body_paragraph(lead.as_deref(), first));
                for l in lines {
                    d = d.add_paragraph(body_paragraph(None, l));
                }
                d
            }
            Block::Table {
                header,
                rows,
                weights,
            } => docx
                .add_table(table(header, rows, weights))
                .add_paragraph(Paragraph::new()),
            Block::Photo { hash, caption } => photo(docx, photos.get(hash), caption),
        };
    }
    docx
}

/// The signature block beside "Nơi nhận".
fn signature_table(doc: &Official) -> Table {
    let left_w = TEXT_WIDTH / 2;
    let right_w = TEXT_WIDTH - left_w;
    let mut left = vec![Paragraph::new().add_run(run("Nơi nhận:").size(NOI_NHAN).bold().italic())];
    left.extend(
        doc.copies_to
            .iter()
            .map(|c| Paragraph::new().add_run(run(c).size(SMALL))),
    );
    let mut right: Vec<Paragraph> = doc
        .signer_title
        .iter()
        .map(|t| centred(vec![run(&t.to_uppercase()).size(BODY).bold()]))
        .collect();
    // Room for the signature and the seal.
    for _ in 0..4 {
        right.push(centred(vec![]));
    }
    right.push(centred(vec![run(&doc.signer).size(BODY).bold()]));
    Table::without_borders(vec![TableRow::new(vec![
        cell(left_w, left),
        cell(right_w, right),
    ])])
    .set_grid(vec![left_w, right_w])
    .width(TEXT_WIDTH, WidthType::Dxa)
}

/// Why a document could not be written (its zip, in memory).
#[derive(Debug, thiserror::Error)]
#[error("writing the Word file: {0}")]
pub struct RenderError(String);

/// The document as a .docx file (a document without photos).
///
/// # Errors
/// Only if the zip writer fails (it writes to memory).
pub fn render(doc: &Official) -> Result<Vec<u8>, RenderError> {
    render_with_photos(doc, &Photos::new())
}

/// The document as a .docx file, with the photos of `photos` it shows.
///
/// # Errors
/// Only if the zip writer fails (it writes to memory).
pub fn render_with_photos(doc: &Official, photos: &Photos) -> Result<Vec<u8>, RenderError> {
    let fonts = RunFonts::new()
        .ascii(FONT)
        .hi_ansi(FONT)
        .east_asia(FONT)
        .cs(FONT);
    // Page numbers centred in the top margin from page 2; none on page 1.
    let numbered = Header::new().add_paragraph(
        Paragraph::new()
            .add_page_num(PageNum::new())
            .align(AlignmentType::Center)
            .size(BODY),
    );
    let mut docx = Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_margin(PageMargin {
            top: MARGIN_TOP,
            left: MARGIN_LEFT,
            bottom: MARGIN_BOTTOM,
            right: MARGIN_RIGHT,
            header: 567,
            footer: 567,
            gutter: 0,
        })
        .default_fonts(fonts)
        .default_size(BODY)
        .header(numbered)
        .first_header(Header::new())
        .add_table(header_table(doc))
        .add_paragraph(Paragraph::new());
    if !doc.kind.is_empty() {
        docx = docx
            .add_paragraph(centred(vec![
                run(&doc.kind.to_uppercase()).size(BODY).bold(),
            ]))
            .add_paragraph(centred(vec![run(&doc.subject).size(BODY).bold()]))
            .add_paragraph(rule(3_300));
    }
    docx = match doc.recipients.as_slice() {
        [] => docx,
        [one] => docx.add_paragraph(centred(vec![run(&format!("Kính gửi: {one}")).size(BODY)])),
        many => {
            let mut d = docx.add_paragraph(
                Paragraph::new()
                    .indent(Some(2_000), None, None, None)
                    .add_run(run("Kính gửi:").size(BODY)),
            );
            for (i, r) in many.iter().enumerate() {
                let end = if i + 1 == many.len() { "." } else { ";" };
                d = d.add_paragraph(
                    Paragraph::new()
                        .indent(Some(3_200), None, None, None)
                        .add_run(
                            run(&format!("- {}{end}", r.trim_end_matches(['.', ';']))).size(BODY),
                        ),
                );
            }
            d
        }
    };
    docx = add_blocks(docx.add_paragraph(Paragraph::new()), &doc.body, photos)
        .add_paragraph(Paragraph::new())
        .add_table(signature_table(doc));
    for (i, a) in doc.appendices.iter().enumerate() {
        docx = docx
            .add_paragraph(
                centred(vec![run(&Appendix::heading(i)).size(BODY).bold()]).page_break_before(true),
            )
            .add_paragraph(centred(vec![
                run(&a.title.to_uppercase()).size(BODY).bold(),
            ]))
            .add_paragraph(centred(vec![
                run(&format!("({})", a.attached_to)).size(BODY).italic(),
            ]))
            .add_paragraph(Paragraph::new());
        docx = add_blocks(docx, &a.body, photos);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    docx.build()
        .pack(&mut out)
        .map_err(|e| RenderError(e.to_string()))?;
    deflated(&out.into_inner()).map_err(|e| RenderError(e.to_string()))
}

/// The same zip with every part deflated (docx-rs stores them as they are), and its photos
/// named as what they are: docx-rs names every picture `media/….png`, ours are JPEG, so they
/// become `….jpeg` with that content type (a reader that trusts the name shows them).
fn deflated(stored: &[u8]) -> Result<Vec<u8>, zip::result::ZipError> {
    use std::io::{Read, Write};
    let mut from = zip::ZipArchive::new(std::io::Cursor::new(stored))?;
    let mut to = zip::ZipWriter::new(std::io::Cursor::new(Vec::with_capacity(stored.len() / 4)));
    let deflate = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    // A JPEG does not shrink: stored as it is.
    let store =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut parts = Vec::with_capacity(from.len());
    let mut jpegs = Vec::new();
    for i in 0..from.len() {
        let mut part = from.by_index(i)?;
        let name = part.name()?.into_owned();
        if part.is_dir() {
            parts.push((name, None));
            continue;
        }
        let mut buf = Vec::new();
        part.read_to_end(&mut buf)?;
        if let Some(stem) = name
            .strip_prefix("word/media/")
            .and_then(|n| n.strip_suffix(".png"))
            && shared::inspection::photo::is_jpeg(&buf)
        {
            jpegs.push(stem.to_owned());
        }
        parts.push((name, Some(buf)));
    }
    for (name, buf) in parts {
        let Some(mut buf) = buf else {
            to.add_directory(name, deflate)?;
            continue;
        };
        let jpeg_stem = name
            .strip_prefix("word/media/")
            .and_then(|n| n.strip_suffix(".png"))
            .filter(|s| jpegs.iter().any(|j| j == s))
            .map(str::to_owned);
        let (name, options) = if let Some(stem) = jpeg_stem {
            (format!("word/media/{stem}.jpeg"), store)
        } else if !jpegs.is_empty() && name.ends_with(".rels") {
            let mut text = String::from_utf8_lossy(&buf).into_owned();
            for j in &jpegs {
                text = text.replace(&format!("media/{j}.png\""), &format!("media/{j}.jpeg\""));
            }
            buf = text.into_bytes();
            (name, deflate)
        } else if !jpegs.is_empty() && name == "[Content_Types].xml" {
            buf = String::from_utf8_lossy(&buf)
                .replacen(
                    "</Types>",
                    r#"<Default Extension="jpeg" ContentType="image/jpeg"/></Types>"#,
                    1,
                )
                .into_bytes();
            (name, deflate)
        } else {
            (name, deflate)
        };
        to.start_file(name, options)?;
        to.write_all(&buf)?;
    }
    Ok(to.finish()?.into_inner())
}
