//! Tables of tasks ("STT | Nội dung nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian
//! hoàn thành | Sản phẩm", the appendix many plans carry), from a Word file or from a web copy,
//! made into a part "Phụ lục" of task nodes, each with its deadline and its agencies in a form
//! [`super::suggest_assignments`] reads.
//!
//! A web copy prints a table in one of two ways: a row per line with its cells between "|"
//! ("| 1 | Tổ chức hội nghị | Ban Dân tộc tỉnh | … |"), or a cell per group of lines, each cell
//! opened by a line holding only "|". In the second form rows are not marked: the header row's
//! cells give the number of columns, and a row starts at its number ("1", "I").

use super::ParsedNode;
use super::input::{Line, is_cell_mark};
use crate::dates;
use crate::document::NodeKind;
use crate::scan::cut_chars;
use crate::text::fold;

/// A table of tasks, with the line its rows start on.
#[derive(Debug)]
pub(crate) struct TaskTable {
    /// The heading written above it ("DANH MỤC NHIỆM VỤ …").
    pub title: Option<String>,
    pub first_line: usize,
    pub columns: Columns,
    /// The rows after the header, each with its line.
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Which column holds what, in a table of tasks.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Columns {
    number: Option<usize>,
    content: usize,
    lead: Option<usize>,
    coordinating: Option<usize>,
    time: Option<usize>,
    product: Option<usize>,
}

impl Columns {
    /// The columns of a header row, if it is the header of a table of tasks.
    pub(crate) fn of_header(cells: &[String]) -> Option<Self> {
        let folded: Vec<String> = cells.iter().map(|c| fold(c)).collect();
        let find = |words: &[&str]| {
            folded
                .iter()
                .position(|c| words.iter().any(|w| c.contains(w)))
        };
        let lead = find(&["chu tri"]);
        let content = find(&["noi dung", "nhiem vu", "ten nhiem vu", "cong viec"])?;
        lead?;
        Some(Columns {
            number: find(&["stt", "so tt"])
                .or_else(|| folded.iter().position(|c| c.trim() == "tt")),
            content,
            lead,
            coordinating: find(&["phoi hop"]),
            time: find(&["thoi gian", "thoi han", "tien do"]),
            product: find(&["san pham", "ket qua"]),
        })
    }
}

/// The heading written above a table of tasks ("PHỤ LỤC", "DANH MỤC NHIỆM VỤ …", "(Kèm theo Kế
/// hoạch …)"): up to four lines just above `lines`' end, hidden from the text importer; the
/// "DANH MỤC" line, else the first, is the title.
pub(crate) fn heading_above<S: AsRef<str>>(lines: &[S], hidden: &mut [bool]) -> Option<String> {
    let mut title_lines = Vec::new();
    for k in (0..lines.len()).rev().take(4) {
        let line = lines[k].as_ref();
        if line.is_empty() || hidden[k] {
            continue;
        }
        if is_table_heading(line) {
            hidden[k] = true;
            title_lines.push(line.to_owned());
        } else {
            break;
        }
    }
    title_lines.reverse();
    title_lines
        .iter()
        .find(|l| fold(l).starts_with("danh muc"))
        .or(title_lines.first())
        .cloned()
}

fn is_table_heading(line: &str) -> bool {
    let folded = fold(line);
    let folded = folded.trim_start_matches(['(', '[']);
    ["phu luc", "danh muc", "kem theo", "ban hanh kem theo"]
        .iter()
        .any(|start| folded.starts_with(start))
}

/// The cells of a row written on one line between "|": "| 1 | Tổ chức | BDT |".
fn inline_cells(text: &str) -> Option<Vec<String>> {
    let inner = text.strip_prefix('|')?;
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let cells: Vec<String> = inner.split('|').map(|c| c.trim().to_owned()).collect();
    (cells.len() >= 2).then_some(cells)
}

/// A row's number: "1", "12.", "I", "IV".
fn is_row_number(cell: &str) -> bool {
    let n = cell.trim().trim_end_matches('.');
    (!n.is_empty() && n.len() <= 4 && n.chars().all(|c| c.is_ascii_digit()))
        || super::marker::roman_value(n).is_some()
}

fn is_group_number(cell: &str) -> bool {
    super::marker::roman_value(cell.trim().trim_end_matches('.')).is_some()
}

/// A cell of the second form, with the line it starts on.
struct Cell {
    line: usize,
    text: String,
}

/// Finds the tables of tasks a web copy prints in `lines`, blanks their lines (and the heading
/// above each) so the text importer reads past them, and returns them.
pub(crate) fn extract_text_tables(lines: &mut [Line<'_>]) -> Vec<TaskTable> {
    let mut tables = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let text = &*lines[i].text;
        let found = if is_cell_mark(text) {
            cell_table(lines, i)
        } else if inline_cells(text).is_some() {
            inline_table(lines, i)
        } else {
            None
        };
        match found {
            Some((mut table, end)) => {
                let mut hidden = vec![false; i];
                let texts: Vec<&str> = lines[..i].iter().map(|l| &*l.text).collect();
                table.title = heading_above(&texts, &mut hidden);
                for (line, hide) in lines[..i].iter_mut().zip(hidden) {
                    if hide {
                        line.text = "".into();
                    }
                }
                for line in &mut lines[i..end] {
                    line.text = "".into();
                }
                tables.push(table);
                i = end;
            }
            None => i += 1,
        }
    }
    tables
}

/// A table of rows on lines of their own, starting at `start`; the table and the index after it.
fn inline_table(lines: &[Line<'_>], start: usize) -> Option<(TaskTable, usize)> {
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    let mut end = start;
    while let Some(line) = lines.get(end) {
        if line.text.is_empty() {
            // A blank line between rows, not after the last.
            if lines
                .get(end + 1)
                .is_some_and(|next| inline_cells(&next.text).is_some())
            {
                end += 1;
                continue;
            }
            break;
        }
        let Some(cells) = inline_cells(&line.text) else {
            break;
        };
        // A rule under the header ("|---|---|").
        if !cells
            .iter()
            .all(|c| c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
        {
            rows.push((line.no, cells));
        }
        end += 1;
    }
    let header = rows
        .iter()
        .take(3)
        .position(|(_, cells)| Columns::of_header(cells).is_some())?;
    let columns = Columns::of_header(&rows[header].1)?;
    let first_line = rows[0].0;
    Some((
        TaskTable {
            title: None,
            first_line,
            columns,
            rows: rows.split_off(header + 1),
        },
        end,
    ))
}

/// A table of cells opened by "|" lines, starting at `start`; the table and the index after it.
fn cell_table(lines: &[Line<'_>], start: usize) -> Option<(TaskTable, usize)> {
    let mut cells: Vec<Cell> = Vec::new();
    let mut end = start;
    let mut open: Option<Cell> = None;
    while let Some(line) = lines.get(end) {
        let text = &*line.text;
        if is_cell_mark(text) {
            cells.extend(open.take());
            open = Some(Cell {
                line: line.no,
                text: String::new(),
            });
        } else if text.is_empty() {
            // Blank lines inside the table are allowed when another cell follows.
            let next = lines[end..].iter().find(|l| !l.text.is_empty());
            if !next.is_some_and(|l| is_cell_mark(&l.text)) {
                break;
            }
        } else {
            let Some(cell) = open.as_mut() else { break };
            if !cell.text.is_empty() {
                // A cell's lines: a list of agencies one per line, or a wrapped sentence.
                let joins = super::outline::is_continuation(&cell.text, text);
                cell.text.push_str(if joins { " " } else { "\n" });
            }
            cell.text.push_str(text);
        }
        end += 1;
    }
    cells.extend(open);
    // The header: the cells before the first row number, naming the columns of a task table.
    let width = cells.iter().position(|c| is_row_number(&c.text))?;
    let header: Vec<String> = cells[..width]
        .iter()
        .map(|c| c.text.replace('\n', " "))
        .collect();
    let columns = Columns::of_header(&header)?;
    let mut rows = Vec::new();
    let mut k = width;
    while k < cells.len() {
        let first = &cells[k];
        // A row of column numbers "(1) | (2) | …" is skipped by the node builder.
        let group = columns.number == Some(0) && is_group_number(&first.text);
        let mut row = vec![first.text.clone()];
        let mut j = k + 1;
        while j < cells.len() && row.len() < width {
            // A group row spans the table: it ends at the next row's number.
            if group && is_row_number(&cells[j].text) {
                break;
            }
            row.push(cells[j].text.clone());
            j += 1;
        }
        rows.push((first.line, row));
        k = j;
    }
    Some((
        TaskTable {
            title: None,
            first_line: cells[0].line,
            columns,
            rows,
        },
        end,
    ))
}

/// The part "Phụ lục" made of a table of tasks: group rows ("I", a row spanning the table)
/// hold the task rows after them.
pub(crate) fn table_node(table: &TaskTable) -> ParsedNode {
    let c = table.columns;
    let mut root = node(
        "Phụ lục",
        NodeKind::Part,
        table
            .title
            .clone()
            .unwrap_or_else(|| "Danh mục nhiệm vụ".to_owned()),
        table.first_line,
    );
    let mut group: Option<ParsedNode> = None;
    for (line, cells) in &table.rows {
        let cell = |i: Option<usize>| {
            i.and_then(|i| cells.get(i))
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
        };
        let content = cell(Some(c.content));
        let number = cell(c.number).map(|n| n.trim_end_matches('.').to_owned());
        // A row of column numbers "(1) | (2) | …".
        if cells.iter().all(|s| {
            let s = s.trim();
            s.is_empty()
                || s.trim_matches(['(', ')'])
                    .chars()
                    .all(|ch| ch.is_ascii_digit())
        }) {
            continue;
        }
        let is_group = number
            .as_deref()
            .is_some_and(|n| super::marker::roman_value(n).is_some())
            || (cells.len() < 3 && content.is_some())
            || (cell(c.lead).is_none() && cell(c.time).is_none() && content.is_some());
        let Some(content) = content.or_else(|| {
            cells
                .iter()
                .map(|s| s.trim())
                .find(|s| !s.is_empty() && Some(*s) != number.as_deref())
        }) else {
            continue;
        };
        if is_group {
            if let Some(g) = group.take() {
                root.children.push(g);
            }
            let mut g = node(
                number.as_deref().unwrap_or(""),
                NodeKind::Section,
                content.to_owned(),
                *line,
            );
            if g.label.is_empty() {
                g.label = super::marker::to_roman(
                    u32::try_from(root.children.len() + 1).unwrap_or(1).min(39),
                );
            }
            group = Some(g);
            continue;
        }
        let parent = group.as_mut().unwrap_or(&mut root);
        let label = number.unwrap_or_else(|| (parent.children.len() + 1).to_string());
        let mut task = node(&label, NodeKind::Item, content.to_owned(), *line);
        let mut body = Vec::new();
        // A list of agencies may be split by semicolons or line breaks: one line, commas.
        let as_list = |text: &str| {
            text.split([';', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if let Some(lead) = cell(c.lead) {
            body.push(format!("Cơ quan chủ trì: {}", as_list(lead)));
        }
        if let Some(coordinating) = cell(c.coordinating) {
            body.push(format!("Cơ quan phối hợp: {}", as_list(coordinating)));
        }
        if let Some(time) = cell(c.time) {
            body.push(format!("Thời gian hoàn thành: {time}"));
            task.deadline = table_deadline(time);
            if task.deadline.is_none() {
                task.recurring_deadline = dates::find_recurring(time);
            }
        }
        if let Some(product) = cell(c.product) {
            body.push(format!("Sản phẩm: {product}"));
        }
        task.body = (!body.is_empty()).then(|| body.join("\n"));
        parent.children.push(task);
    }
    if let Some(g) = group.take() {
        root.children.push(g);
    }
    root
}

fn node(label: &str, kind: NodeKind, title: String, line: usize) -> ParsedNode {
    let (title, _) = cut_chars(&title, crate::limits::TITLE_MAX_CHARS);
    ParsedNode::new(label, kind, title, line)
}

/// The deadline in a table's "Thời gian hoàn thành" cell: "31/12/2016", "Trước 31/12/2016",
/// "Tháng 6/2016", "Quý II/2016", "Năm 2017" or "2016-2020" (the end of the last year).
fn table_deadline(cell: &str) -> Option<chrono::NaiveDate> {
    let cell = cell.trim();
    let lower = cell.to_lowercase();
    let bare = lower
        .strip_prefix("trước ngày ")
        .or_else(|| lower.strip_prefix("trước "))
        .or_else(|| lower.strip_prefix("ngày "))
        .unwrap_or(&lower);
    if let Some((date, _)) = dates::date_at(bare) {
        return Some(date);
    }
    if let Some(date) = dates::find_deadline(&format!("thời hạn {bare}")) {
        return Some(date);
    }
    if lower.starts_with("trước")
        && let Some(date) = dates::find_deadline(&lower)
    {
        return Some(date);
    }
    // "Năm 2017", "2017", "2016-2020", "2016 - 2020": the last year's end.
    let year = bare
        .strip_prefix("năm ")
        .unwrap_or(bare)
        .rsplit(['-', '–'])
        .next()
        .map(str::trim)?;
    let year: i32 = year.parse().ok().filter(|y| (1900..2200).contains(y))?;
    chrono::NaiveDate::from_ymd_opt(year, 12, 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_in_table_cells() {
        let d = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(table_deadline("31/12/2016"), d(2016, 12, 31));
        assert_eq!(table_deadline("Trước 31/12/2016"), d(2016, 12, 31));
        assert_eq!(table_deadline("Tháng 6/2016"), d(2016, 6, 30));
        assert_eq!(table_deadline("Quý II/2016"), d(2016, 6, 30));
        assert_eq!(table_deadline("Năm 2017"), d(2017, 12, 31));
        assert_eq!(table_deadline("2016-2020"), d(2020, 12, 31));
        assert_eq!(table_deadline("Hằng năm"), None);
        assert!(dates::find_recurring("Hằng năm").is_some());
    }
}
