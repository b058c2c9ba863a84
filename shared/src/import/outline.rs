//! The outline: from the first numbered line on, each labelled line opens a node that nests
//! under the nearest open node of a higher level (Section > Item > Point > Bullet > SubBullet),
//! and each unlabelled line is a paragraph of the innermost open node.

use super::input::Line;
use super::marker::{self, Marker, RANKS};
use super::{ImportWarning, ParsedNode, WarningKind};
use crate::citations as refs;
use crate::dates;
use crate::limits::{BODY_MAX_CHARS, TITLE_MAX_CHARS};
use crate::scan::{cut_chars, is_elision, is_separator};

/// The last ordinal seen for each rank.
#[derive(Default)]
struct Counters([Option<u32>; RANKS]);

impl Counters {
    fn slot(&mut self, rank: u8) -> &mut Option<u32> {
        &mut self.0[usize::from(rank).min(RANKS - 1)]
    }
}

/// A node still receiving paragraphs and children.
struct Open<'a> {
    node: ParsedNode,
    rank: u8,
    written: &'a str,
    body: String,
    /// The numbering of this node's children.
    counters: Counters,
}

struct Builder<'a, 'w> {
    stack: Vec<Open<'a>>,
    roots: Vec<ParsedNode>,
    root_counters: Counters,
    /// The numbering across the whole document, for numbering that runs on from one parent to
    /// the next.
    document_counters: Counters,
    warnings: &'w mut Vec<ImportWarning>,
}

/// Builds the outline from `lines`, the first of which is labelled.
pub(crate) fn build(lines: &[Line<'_>], warnings: &mut Vec<ImportWarning>) -> Vec<ParsedNode> {
    let mut builder = Builder {
        stack: Vec::new(),
        roots: Vec::new(),
        root_counters: Counters::default(),
        document_counters: Counters::default(),
        warnings,
    };
    for line in lines {
        let text = &*line.text;
        if text.is_empty()
            || is_elision(text)
            || is_separator(text)
            || super::input::is_cell_mark(text)
        {
            continue;
        }
        if is_end_of_body(text) {
            break;
        }
        match marker::parse(text) {
            Some(marker) => builder.open(marker, line.no),
            None => builder.paragraph(text, line.no),
        }
    }
    while !builder.stack.is_empty() {
        builder.close_top();
    }
    builder.roots
}

/// "Nơi nhận:" starts the list of recipients after the signature: the end of the content.
fn is_end_of_body(text: &str) -> bool {
    text.strip_prefix("Nơi nhận")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(':'))
}

impl<'a> Builder<'a, '_> {
    fn open(&mut self, marker: Marker<'a>, line: usize) {
        let rank = marker.rank;
        while self.stack.last().is_some_and(|open| open.rank >= rank) {
            self.close_top();
        }
        if let Some(ordinal) = marker.ordinal {
            self.check_numbering(&marker, ordinal, line);
        }
        // "2.1." belongs under "2."; under "1." the numbering is ambiguous.
        if let (Some((prefix, _)), Some(parent)) =
            (marker.label.rsplit_once('.'), self.stack.last())
            && parent.node.kind == marker.kind
            && parent.node.label != prefix
        {
            self.warnings.push(ImportWarning {
                line,
                kind: WarningKind::NumberingMismatch,
                message: format!(
                    "Số “{}” không khớp với mục cha “{}”",
                    marker.label, parent.node.label
                ),
            });
        }
        self.stack.push(Open {
            node: ParsedNode::new(marker.label, marker.kind, marker.rest, line),
            rank,
            written: marker.written,
            body: String::new(),
            counters: Counters::default(),
        });
    }

    fn check_numbering(&mut self, marker: &Marker<'_>, ordinal: u32, line: usize) {
        let (kind, rank) = (marker.kind, marker.rank);
        let document_previous = *self.document_counters.slot(rank);
        *self.document_counters.slot(rank) = Some(ordinal);
        let counters = match self.stack.last_mut() {
            Some(parent) => &mut parent.counters,
            None => &mut self.root_counters,
        };
        let previous = counters.slot(rank).replace(ordinal);
        let label = &*marker.label;
        let first = marker::first_ordinal(kind);
        let problem = match previous {
            Some(previous) if marker::is_successor(kind, previous, ordinal) => None,
            Some(previous) => {
                let previous_label = marker::relabel(kind, label, previous);
                Some(if marker::is_backwards(kind, previous, ordinal) {
                    (
                        WarningKind::NumberingRepeat,
                        format!("Đánh số lặp lại hoặc lùi lại: “{label}” sau “{previous_label}”"),
                    )
                } else {
                    (
                        WarningKind::NumberingGap,
                        format!("Đánh số không liên tục: “{label}” sau “{previous_label}”"),
                    )
                })
            }
            None if ordinal == first => None,
            // Numbering that runs on from the previous parent ("4." opening section II when
            // section I ended with "3.") is fine.
            None if document_previous
                .is_some_and(|previous| marker::is_successor(kind, previous, ordinal)) =>
            {
                None
            }
            None => Some((
                WarningKind::NumberingGap,
                format!(
                    "Đánh số bắt đầu từ “{label}” thay vì “{}”",
                    marker::relabel(kind, label, first)
                ),
            )),
        };
        if let Some((kind, message)) = problem {
            self.warnings.push(ImportWarning {
                line,
                kind,
                message,
            });
        }
    }

    fn paragraph(&mut self, text: &str, line: usize) {
        let Some(open) = self.stack.last_mut() else {
            // Unreachable as the outline starts with a labelled line; kept for safety.
            self.warnings.push(ImportWarning {
                line,
                kind: WarningKind::UnplacedText,
                message: "Không xác định được đoạn văn này thuộc mục nào; đã bỏ qua".to_owned(),
            });
            return;
        };
        let title_is_empty = open.node.title.is_empty();
        let last = if open.body.is_empty() {
            &mut open.node.title
        } else {
            &mut open.body
        };
        if title_is_empty {
            // "I." alone on its line: the next paragraph is its heading.
            text.clone_into(&mut open.node.title);
        } else if is_continuation(last, text) {
            // A paragraph wrapped over several lines.
            last.push(' ');
            last.push_str(text);
        } else {
            if !open.body.is_empty() {
                open.body.push_str("\n\n");
            }
            open.body.push_str(text);
        }
    }

    fn close_top(&mut self) {
        let Some(open) = self.stack.pop() else {
            return;
        };
        let node = finish(open, self.warnings);
        match self.stack.last_mut() {
            Some(parent) => parent.node.children.push(node),
            None => self.roots.push(node),
        }
    }
}

/// Whether `line` continues the paragraph ending `before` rather than starting a new one: the
/// paragraph has not ended (no full stop or colon; a semicolon ends a clause, not the
/// paragraph) and the line starts in lower case.
pub(crate) fn is_continuation(before: &str, line: &str) -> bool {
    !before.ends_with(['.', ':', '!', '?', '"', '”', ')'])
        && (line.starts_with(|c: char| c.is_lowercase() || c.is_ascii_digit())
            || ends_with_connector(before))
}

/// Whether `text` ends in a word that cannot end a sentence ("Sở Kế hoạch và" / "Đầu tư"): the
/// next line goes on with it, whatever its case.
fn ends_with_connector(text: &str) -> bool {
    let last = text.rsplit(' ').next().unwrap_or(text);
    text.ends_with(['-', '–', '&'])
        || matches!(
            last,
            "và" | "với"
                | "của"
                | "các"
                | "cho"
                | "tại"
                | "về"
                | "theo"
                | "hoặc"
                | "những"
                | "trên"
                | "thuộc"
                | "đến"
                | "từ"
        )
}

/// Puts back the space web copies lose between sentences ("năm 2016.Các sở" becomes "năm
/// 2016. Các sở"): after a full stop, comma, semicolon or colon that follows a lower-case letter
/// or a digit and comes before a capital. `None` when nothing is missing.
pub(crate) fn space_after_punctuation(text: &str) -> Option<String> {
    // The places a space is missing, found by bytes: punctuation is ASCII, so a byte match is a
    // character match; the letters on either side are decoded only there.
    let bytes = text.as_bytes();
    let missing_at = |i: usize| {
        matches!(bytes[i], b'.' | b',' | b';' | b':')
            && text[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_lowercase() || c.is_ascii_digit())
            && text[i + 1..].chars().next().is_some_and(char::is_uppercase)
    };
    let mut places = (1..bytes.len().saturating_sub(1))
        .filter(|&i| bytes[i + 1] != b' ' && missing_at(i))
        .peekable();
    places.peek()?;
    let mut out = String::with_capacity(text.len() + 8);
    let mut from = 0;
    for i in places {
        out.push_str(&text[from..=i]);
        out.push(' ');
        from = i + 1;
    }
    out.push_str(&text[from..]);
    Some(out)
}

/// Settles a node's title and body and finds its references and deadline.
fn finish(open: Open<'_>, warnings: &mut Vec<ImportWarning>) -> ParsedNode {
    let Open {
        mut node,
        written,
        mut body,
        ..
    } = open;
    super::syllables::repair(&mut node.title, node.line, warnings);
    super::syllables::repair(&mut body, node.line, warnings);
    if node.title.is_empty() {
        written.clone_into(&mut node.title);
        warnings.push(ImportWarning {
            line: node.line,
            kind: WarningKind::EmptyTitle,
            message: format!("Mục “{written}” không có tiêu đề"),
        });
    }
    if node.title.len() > TITLE_MAX_CHARS && node.title.chars().count() > TITLE_MAX_CHARS {
        let (title, rest) = split_long_title(&node.title);
        let (title, rest) = (title.to_owned(), rest.to_owned());
        body = if body.is_empty() {
            rest
        } else {
            format!("{rest}\n\n{body}")
        };
        node.title = title;
        warnings.push(ImportWarning {
            line: node.line,
            kind: WarningKind::TitleTooLong,
            message: format!(
                "Tiêu đề dài hơn {TITLE_MAX_CHARS} ký tự; giữ câu đầu làm tiêu đề, phần còn lại \
                 chuyển vào nội dung"
            ),
        });
    }
    if body.len() > BODY_MAX_CHARS && body.chars().count() > BODY_MAX_CHARS {
        warnings.push(ImportWarning {
            line: node.line,
            kind: WarningKind::BodyTooLong,
            message: format!("Nội dung mục dài hơn {BODY_MAX_CHARS} ký tự"),
        });
    }

    if let Some(spaced) = space_after_punctuation(&node.title) {
        node.title = spaced;
    }
    if let Some(spaced) = space_after_punctuation(&body) {
        body = spaced;
    }
    refs::extract(&node.title, &mut node.references);
    refs::extract(&body, &mut node.references);
    node.deadline = dates::find_deadline(&node.title).or_else(|| dates::find_deadline(&body));
    if node.deadline.is_none() {
        node.recurring_deadline =
            dates::find_recurring(&node.title).or_else(|| dates::find_recurring(&body));
    }
    node.body = (!body.is_empty()).then_some(body);
    node
}

/// The first sentence of an over-long title, and the rest; a sentence still over the limit is
/// cut at a space.
fn split_long_title(title: &str) -> (&str, &str) {
    let (head, _) = cut_chars(title, TITLE_MAX_CHARS);
    let sentence_end = head.char_indices().find_map(|(i, c)| {
        let end = i + c.len_utf8();
        (matches!(c, '.' | '!' | '?') && title[end..].starts_with(' ') && i > 0).then_some(end)
    });
    match sentence_end {
        Some(end) => (&title[..end], title[end..].trim_start()),
        None => cut_chars(title, TITLE_MAX_CHARS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_spaces_come_back() {
        assert_eq!(
            space_after_punctuation("năm 2016.Các sở,Ban").as_deref(),
            Some("năm 2016. Các sở, Ban")
        );
        assert_eq!(space_after_punctuation("TP.Lạng Sơn, ngày 12.3.2013"), None);
    }

    #[test]
    fn long_titles_keep_their_first_sentence() {
        let long = format!("Câu đầu. {}", "chữ ".repeat(TITLE_MAX_CHARS));
        let (title, rest) = split_long_title(long.trim_end());
        assert_eq!(title, "Câu đầu.");
        assert!(rest.starts_with("chữ"));

        let run_on = "chữ ".repeat(TITLE_MAX_CHARS);
        let (title, rest) = split_long_title(run_on.trim_end());
        assert!(!title.is_empty() && title.chars().count() <= TITLE_MAX_CHARS);
        assert!(!rest.is_empty());
    }
}
