//! Word documents (.docx): the text of the paragraphs, Word's automatic numbering turned back
//! into the labels it displays ("I.", "1.2.", "a)"), and tables; then the text importer.
//!
//! A table of tasks ("Nội dung nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian hoàn
//! thành | Sản phẩm", the appendix many plans carry) becomes a part "Phụ lục" of task nodes,
//! each with its deadline and the agencies in a form [`super::suggest_assignments`] reads.
//! Other tables become lines: a layout table (the header, the signature) cell by cell, a data
//! table row by row with its cells separated by " | ".
//!
//! Limits: the archive must hold `word/document.xml`; no part is unpacked past
//! [`DOCX_PART_MAX_BYTES`] (a ZIP bomb stops there with an error), and XML is read as a stream,
//! so deep nesting costs no stack.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::error::{ImportError, ImportErrorKind};
use super::table::{Columns, TaskTable, table_node};
use super::{ParsedNode, ParsedPlan};
use crate::limits::IMPORT_MAX_BYTES;

/// The most a part of the archive may unpack to.
pub const DOCX_PART_MAX_BYTES: usize = 64 * 1024 * 1024;

/// Whether `bytes` look like a ZIP archive (a .docx) rather than text.
pub fn is_docx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// The lines a Word document reads as, and the plan imported from them.
#[derive(Debug)]
pub struct DocxImport {
    pub plan: ParsedPlan,
    /// The document as lines of text, numbering included: what the nodes' `line` numbers refer
    /// to.
    pub lines: Vec<String>,
}

/// Imports a plan from a Word document.
///
/// # Errors
/// [`ImportErrorKind::TooLarge`], [`ImportErrorKind::NotDocx`] for anything that is not a ZIP
/// archive with `word/document.xml` or holds malformed XML, [`ImportErrorKind::DocxTooLarge`]
/// for a part unpacking past the limit, and the errors of [`super::import_plan_text`].
pub fn import_plan_docx(bytes: &[u8]) -> Result<DocxImport, ImportError> {
    if bytes.len() > IMPORT_MAX_BYTES {
        return Err(error(ImportErrorKind::TooLarge {
            size: bytes.len(),
            max: IMPORT_MAX_BYTES,
        }));
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| not_docx(format!("không đọc được tệp nén ({e})")))?;
    let document = read_part(&mut archive, "word/document.xml")?
        .ok_or_else(|| not_docx("thiếu word/document.xml".to_owned()))?;
    let numbering = match read_part(&mut archive, "word/numbering.xml")? {
        Some(xml) => Numbering::parse(&xml)?,
        None => Numbering::default(),
    };
    let styles = match read_part(&mut archive, "word/styles.xml")? {
        Some(xml) => style_numbering(&xml)?,
        None => HashMap::new(),
    };
    let body = Body::parse(&document, numbering, &styles)?;
    body.into_plan()
}

fn error(kind: ImportErrorKind) -> ImportError {
    ImportError { line: 0, kind }
}

fn not_docx(why: String) -> ImportError {
    error(ImportErrorKind::NotDocx(why))
}

fn xml_error(e: impl std::fmt::Display) -> ImportError {
    not_docx(format!("XML hỏng ({e})"))
}

/// The text of `name` in the archive, unpacked up to the limit; `None` when there is no such
/// part.
fn read_part(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
) -> Result<Option<String>, ImportError> {
    let file = match archive.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(not_docx(format!("không đọc được {name} ({e})"))),
    };
    let mut out = Vec::new();
    file.take(DOCX_PART_MAX_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| not_docx(format!("không giải nén được {name} ({e})")))?;
    if out.len() > DOCX_PART_MAX_BYTES {
        return Err(error(ImportErrorKind::DocxTooLarge {
            max: DOCX_PART_MAX_BYTES,
        }));
    }
    String::from_utf8(out)
        .map(Some)
        .map_err(|_| not_docx(format!("{name} không phải UTF-8")))
}

/// The value of the attribute whose local name is `name` ("w:val" → "val").
fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.unescape_value().ok().map(Cow::into_owned))
}

fn attr_number(e: &BytesStart<'_>, name: &[u8]) -> Option<u32> {
    attr(e, name)?.trim().parse().ok()
}

/// One level of a list's numbering.
#[derive(Debug, Clone, Default)]
struct Level {
    format: String,
    text: String,
    start: u32,
}

/// `word/numbering.xml`: the list definitions and their instances.
#[derive(Debug, Default)]
struct Numbering {
    /// Abstract definitions: their levels by `ilvl`.
    abstracts: HashMap<u32, HashMap<u32, Level>>,
    /// Instances (`numId`): their definition and the levels they restart.
    nums: HashMap<u32, (u32, HashMap<u32, u32>)>,
}

impl Numbering {
    fn parse(xml: &str) -> Result<Self, ImportError> {
        let mut out = Numbering::default();
        let mut reader = Reader::from_str(xml);
        let mut abstract_id = None;
        let mut level: Option<(u32, Level)> = None;
        let mut num: Option<(u32, u32, HashMap<u32, u32>)> = None;
        let mut override_level = None;
        loop {
            let event = reader.read_event().map_err(xml_error)?;
            let (e, is_start) = match &event {
                Event::Start(e) => (e, true),
                Event::Empty(e) => (e, false),
                Event::End(e) => {
                    match e.local_name().as_ref() {
                        b"lvl" => {
                            if let (Some(id), Some((ilvl, l))) = (abstract_id, level.take()) {
                                out.abstracts.entry(id).or_default().insert(ilvl, l);
                            }
                        }
                        b"abstractNum" => abstract_id = None,
                        b"num" => {
                            if let Some((id, abstract_id, restarts)) = num.take() {
                                out.nums.insert(id, (abstract_id, restarts));
                            }
                        }
                        _ => {}
                    }
                    continue;
                }
                Event::Eof => break,
                _ => continue,
            };
            match e.local_name().as_ref() {
                b"abstractNum" if is_start => abstract_id = attr_number(e, b"abstractNumId"),
                b"lvl" if abstract_id.is_some() => {
                    let ilvl = attr_number(e, b"ilvl").unwrap_or(0);
                    level = Some((
                        ilvl,
                        Level {
                            start: 1,
                            ..Level::default()
                        },
                    ));
                }
                b"start" => {
                    if let Some((_, l)) = &mut level {
                        l.start = attr_number(e, b"val").unwrap_or(1);
                    } else if let (Some((_, _, restarts)), Some(ilvl)) = (&mut num, override_level)
                    {
                        restarts.insert(ilvl, attr_number(e, b"val").unwrap_or(1));
                    }
                }
                b"startOverride" => {
                    if let (Some((_, _, restarts)), Some(ilvl)) = (&mut num, override_level) {
                        restarts.insert(ilvl, attr_number(e, b"val").unwrap_or(1));
                    }
                }
                b"numFmt" => {
                    if let Some((_, l)) = &mut level {
                        l.format = attr(e, b"val").unwrap_or_default();
                    }
                }
                b"lvlText" => {
                    if let Some((_, l)) = &mut level {
                        l.text = attr(e, b"val").unwrap_or_default();
                    }
                }
                b"num" if is_start => {
                    num = attr_number(e, b"numId").map(|id| (id, 0, HashMap::new()));
                }
                b"abstractNumId" => {
                    if let Some((_, abstract_id, _)) = &mut num {
                        *abstract_id = attr_number(e, b"val").unwrap_or(0);
                    }
                }
                b"lvlOverride" => override_level = attr_number(e, b"ilvl"),
                _ => {}
            }
        }
        Ok(out)
    }
}

/// `word/styles.xml`: the numbering each paragraph style carries (`numId`, `ilvl`), following
/// `basedOn`.
fn style_numbering(xml: &str) -> Result<HashMap<String, (u32, u32)>, ImportError> {
    let mut reader = Reader::from_str(xml);
    // Each style's own numId, ilvl and basedOn.
    type Own = (Option<u32>, Option<u32>, Option<String>);
    let mut own: HashMap<String, Own> = HashMap::new();
    let mut current: Option<String> = None;
    loop {
        let event = reader.read_event().map_err(xml_error)?;
        let e = match &event {
            Event::Start(e) | Event::Empty(e) => e,
            Event::End(e) if e.local_name().as_ref() == b"style" => {
                current = None;
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match e.local_name().as_ref() {
            b"style" => current = attr(e, b"styleId"),
            b"numId" | b"ilvl" | b"basedOn" => {
                let Some(style) = &current else { continue };
                let entry = own.entry(style.clone()).or_default();
                match e.local_name().as_ref() {
                    b"numId" => entry.0 = attr_number(e, b"val"),
                    b"ilvl" => entry.1 = attr_number(e, b"val"),
                    _ => entry.2 = attr(e, b"val"),
                }
            }
            _ => {}
        }
    }
    let mut out = HashMap::new();
    for id in own.keys() {
        let (mut num, mut ilvl, mut based) = own[id].clone();
        // Follow basedOn a few steps for what the style leaves out.
        for _ in 0..8 {
            if num.is_some() {
                break;
            }
            let Some(parent) = based.as_ref().and_then(|b| own.get(b)) else {
                break;
            };
            num = num.or(parent.0);
            ilvl = ilvl.or(parent.1);
            based.clone_from(&parent.2);
        }
        if let Some(num) = num.filter(|n| *n != 0) {
            out.insert(id.clone(), (num, ilvl.unwrap_or(0)));
        }
    }
    Ok(out)
}

/// A table being read: rows of cells, each cell its paragraphs.
#[derive(Debug, Default)]
struct Table {
    rows: Vec<Vec<Vec<String>>>,
}

/// The document's body as lines, and its tables of tasks.
struct Body<'s> {
    numbering: Numbering,
    styles: &'s HashMap<String, (u32, u32)>,
    /// Counters by abstract numbering and level.
    counters: HashMap<u32, [Option<u32>; 9]>,
    /// Instances whose restarts were applied.
    restarted: std::collections::HashSet<u32>,
    lines: Vec<String>,
    /// Lines of the source that the text importer should not read (task tables, their title).
    hidden: Vec<bool>,
    /// The 1-based lines set centred.
    centred: Vec<usize>,
    tables: Vec<TaskTable>,
}

/// A paragraph being read.
#[derive(Default)]
struct Paragraph {
    text: String,
    /// Set centred (`w:jc` in its properties).
    centred: bool,
    num_id: Option<u32>,
    ilvl: Option<u32>,
    style: Option<String>,
}

impl<'s> Body<'s> {
    fn parse(
        xml: &str,
        numbering: Numbering,
        styles: &'s HashMap<String, (u32, u32)>,
    ) -> Result<Self, ImportError> {
        let mut body = Body {
            numbering,
            styles,
            counters: HashMap::new(),
            restarted: std::collections::HashSet::new(),
            lines: Vec::new(),
            hidden: Vec::new(),
            centred: Vec::new(),
            tables: Vec::new(),
        };
        let mut in_paragraph_properties = false;
        let mut reader = Reader::from_str(xml);
        let mut paragraph: Option<Paragraph> = None;
        let mut in_text = false;
        let mut in_deleted = 0usize;
        let mut tables: Vec<Table> = Vec::new();
        loop {
            let event = reader.read_event().map_err(xml_error)?;
            match &event {
                Event::Start(e) | Event::Empty(e) => {
                    let is_start = matches!(event, Event::Start(_));
                    match e.local_name().as_ref() {
                        b"p" if is_start => paragraph = Some(Paragraph::default()),
                        b"p" => body.end_paragraph(Paragraph::default(), &mut tables),
                        b"t" if is_start => in_text = true,
                        b"del" if is_start => in_deleted += 1,
                        b"tab" => push_text(&mut paragraph, " ", in_deleted),
                        b"br" | b"cr" => push_text(&mut paragraph, "\n", in_deleted),
                        b"numId" => {
                            if let Some(p) = &mut paragraph {
                                p.num_id = attr_number(e, b"val");
                            }
                        }
                        b"ilvl" => {
                            if let Some(p) = &mut paragraph {
                                p.ilvl = attr_number(e, b"val");
                            }
                        }
                        b"pPr" if is_start => in_paragraph_properties = true,
                        b"jc" if in_paragraph_properties => {
                            if let Some(p) = &mut paragraph {
                                p.centred = attr(e, b"val").as_deref() == Some("center");
                            }
                        }
                        b"pStyle" => {
                            if let Some(p) = &mut paragraph {
                                p.style = attr(e, b"val");
                            }
                        }
                        b"tbl" if is_start => tables.push(Table::default()),
                        b"tr" if is_start => {
                            if let Some(t) = tables.last_mut() {
                                t.rows.push(Vec::new());
                            }
                        }
                        b"tc" if is_start => {
                            if let Some(row) = tables.last_mut().and_then(|t| t.rows.last_mut()) {
                                row.push(Vec::new());
                            }
                        }
                        _ => {}
                    }
                }
                Event::End(e) => match e.local_name().as_ref() {
                    b"t" => in_text = false,
                    b"pPr" => in_paragraph_properties = false,
                    b"del" => in_deleted = in_deleted.saturating_sub(1),
                    b"p" => {
                        if let Some(p) = paragraph.take() {
                            body.end_paragraph(p, &mut tables);
                        }
                    }
                    b"tbl" => {
                        if let Some(table) = tables.pop() {
                            match tables.last_mut() {
                                // A table in a cell: its text joins the cell.
                                Some(outer) => {
                                    if let Some(cell) =
                                        outer.rows.last_mut().and_then(|r| r.last_mut())
                                    {
                                        for row in table.rows {
                                            cell.push(
                                                row.iter()
                                                    .map(|c| c.join(" "))
                                                    .collect::<Vec<_>>()
                                                    .join(" | "),
                                            );
                                        }
                                    }
                                }
                                None => body.end_table(table),
                            }
                        }
                    }
                    _ => {}
                },
                Event::Text(t) if in_text => {
                    let text = t.decode().map_err(xml_error)?;
                    push_text(&mut paragraph, &text, in_deleted);
                }
                Event::GeneralRef(r) if in_text => {
                    let c = match r.resolve_char_ref().map_err(xml_error)? {
                        Some(c) => Some(c),
                        None => match &**r {
                            b"amp" => Some('&'),
                            b"lt" => Some('<'),
                            b"gt" => Some('>'),
                            b"quot" => Some('"'),
                            b"apos" => Some('\''),
                            _ => None,
                        },
                    };
                    if let Some(c) = c {
                        push_text(&mut paragraph, c.encode_utf8(&mut [0; 4]), in_deleted);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(body)
    }

    fn push_line(&mut self, line: String, hidden: bool) {
        self.lines.push(line);
        self.hidden.push(hidden);
    }

    fn end_paragraph(&mut self, p: Paragraph, tables: &mut [Table]) {
        let label = self.label_of(&p);
        let text = p.text.trim();
        let text = match label {
            Some(label) if !text.is_empty() => format!("{label} {text}"),
            _ => text.to_owned(),
        };
        match tables.last_mut() {
            Some(table) => {
                if let Some(cell) = table.rows.last_mut().and_then(|r| r.last_mut()) {
                    cell.push(text);
                }
            }
            None => {
                for line in text.split('\n') {
                    self.push_line(line.trim().to_owned(), false);
                    if p.centred {
                        self.centred.push(self.lines.len());
                    }
                }
            }
        }
    }

    /// The label Word displays for the paragraph's numbering, counting it.
    fn label_of(&mut self, p: &Paragraph) -> Option<String> {
        let style = p.style.as_ref().and_then(|s| self.styles.get(s));
        let num_id = p.num_id.or(style.map(|s| s.0)).filter(|n| *n != 0)?;
        let ilvl = p.ilvl.or(style.map(|s| s.1)).unwrap_or(0).min(8);
        let (abstract_id, restarts) = self.numbering.nums.get(&num_id)?;
        let levels = self.numbering.abstracts.get(abstract_id)?;
        let counters = self.counters.entry(*abstract_id).or_insert([None; 9]);
        if self.restarted.insert(num_id) {
            for (level, start) in restarts {
                if let Some(slot) = counters.get_mut(*level as usize) {
                    *slot = Some(start.saturating_sub(1));
                }
            }
        }
        let level = levels.get(&ilvl)?;
        let i = ilvl as usize;
        counters[i] = Some(counters[i].map_or(level.start, |n| n + 1));
        for deeper in &mut counters[i + 1..] {
            *deeper = None;
        }
        if level.format == "bullet" {
            return Some(bullet_symbol(&level.text, ilvl));
        }
        if level.format == "none" {
            return None;
        }
        let mut label = level.text.clone();
        for k in (0..=i).rev() {
            let placeholder = format!("%{}", k + 1);
            if label.contains(&placeholder) {
                let value = counters[k]
                    .or_else(|| levels.get(&(k as u32)).map(|l| l.start))
                    .unwrap_or(1);
                let format = levels
                    .get(&(k as u32))
                    .map_or("decimal", |l| l.format.as_str());
                label = label.replace(&placeholder, &format_number(value, format));
            }
        }
        let label = label.trim().to_owned();
        (!label.is_empty()).then_some(label)
    }

    fn end_table(&mut self, table: Table) {
        // A header row of a table of tasks among its first three rows.
        let header = table.rows.iter().take(3).enumerate().find_map(|(k, row)| {
            let cells: Vec<String> = row.iter().map(|c| c.join(" ")).collect();
            Columns::of_header(&cells).map(|columns| (k, columns))
        });
        if let Some((header, columns)) = header {
            let title = super::table::heading_above(&self.lines, &mut self.hidden);
            let first_line = self.lines.len() + 1;
            let mut rows = Vec::new();
            for (k, row) in table.rows.into_iter().enumerate() {
                let cells: Vec<String> = row.iter().map(|c| c.join(", ")).collect();
                self.push_line(cells.join(" | "), true);
                if k > header {
                    rows.push((self.lines.len(), cells));
                }
            }
            self.tables.push(TaskTable {
                title,
                first_line,
                columns,
                rows,
            });
            return;
        }
        let columns = table.rows.iter().map(Vec::len).max().unwrap_or(0);
        if columns <= 2 && table.rows.len() <= 3 {
            // A layout table (the header, the signature): column by column.
            for column in 0..columns {
                for row in &table.rows {
                    if let Some(cell) = row.get(column) {
                        for paragraph in cell {
                            for line in paragraph.split('\n') {
                                self.push_line(line.trim().to_owned(), false);
                            }
                        }
                    }
                }
            }
        } else {
            for row in table.rows {
                let cells: Vec<String> = row.iter().map(|c| c.join(" ")).collect();
                self.push_line(cells.join(" | "), false);
            }
        }
    }

    fn into_plan(self) -> Result<DocxImport, ImportError> {
        let text: String = self
            .lines
            .iter()
            .zip(&self.hidden)
            .map(|(line, hidden)| if *hidden { "" } else { line.as_str() })
            .collect::<Vec<_>>()
            .join("\n");
        let table_nodes: Vec<ParsedNode> = self.tables.iter().map(table_node).collect();
        let mut plan = match super::import_text_with_layout(&text, &self.centred) {
            Ok(plan) => plan,
            Err(ImportError {
                kind: ImportErrorKind::NoOutline | ImportErrorKind::Empty,
                ..
            }) if !table_nodes.is_empty() => ParsedPlan {
                metadata: crate::document::PlanMetadata::default(),
                preamble: None,
                references: Vec::new(),
                nodes: Vec::new(),
                suggested_assignments: Vec::new(),
                unmatched_agencies: Vec::new(),
                warnings: Vec::new(),
            },
            Err(e) => return Err(e),
        };
        plan.nodes.extend(table_nodes);
        Ok(DocxImport {
            plan,
            lines: self.lines,
        })
    }
}

fn push_text(paragraph: &mut Option<Paragraph>, text: &str, in_deleted: usize) {
    if in_deleted > 0 {
        return;
    }
    if let Some(p) = paragraph
        && p.text.len() < crate::limits::BODY_MAX_CHARS * 4
    {
        p.text.push_str(text);
    }
}

/// The symbol of a bulleted level as our labels write it: Word's symbol-font characters
/// become "-" at the first level and "+" below.
fn bullet_symbol(text: &str, ilvl: u32) -> String {
    match text.trim() {
        s @ ("-" | "–" | "+" | "•" | "*") => s.to_owned(),
        _ if ilvl == 0 => "-".to_owned(),
        _ => "+".to_owned(),
    }
}

/// A counter's value as a level of `format` shows it.
fn format_number(value: u32, format: &str) -> String {
    match format {
        "upperRoman" => super::marker::to_roman(value.min(39)),
        "lowerRoman" => super::marker::to_roman(value.min(39)).to_lowercase(),
        "lowerLetter" | "upperLetter" => {
            let letters = "abcdefghijklmnopqrstuvwxyz";
            let letter = letters
                .chars()
                .nth((value.max(1) as usize - 1) % 26)
                .unwrap_or('a');
            if format == "upperLetter" {
                letter.to_ascii_uppercase().to_string()
            } else {
                letter.to_string()
            }
        }
        "decimalZero" => format!("{value:02}"),
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_word_shows_them() {
        assert_eq!(format_number(4, "upperRoman"), "IV");
        assert_eq!(format_number(3, "lowerLetter"), "c");
        assert_eq!(format_number(2, "decimal"), "2");
    }

    #[test]
    fn not_a_zip() {
        let e = import_plan_docx(b"PK\x03\x04 not really").expect_err("refused");
        assert!(matches!(e.kind, ImportErrorKind::NotDocx(_)), "{e:?}");
    }
}
