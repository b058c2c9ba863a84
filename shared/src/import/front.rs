//! Everything before the outline. In a text copied from a legal-documents website, in order:
//!
//! 1. the website's own lines: a weekday date ("Chủ nhật, Ngày 27/10/2024") and the page title;
//! 2. its metadata block ("Số hiệu 52/KH-UBND", "Ngày ban hành 05/06/2014", …);
//! 3. the official header: the issuer in capitals, a rule, the national motto, "Số: 52/KH-UBND"
//!    and "Lạng Sơn, ngày 05 tháng 6 năm 2014" (the two columns may also come merged on a line);
//! 4. the kind heading ("KẾ HOẠCH") and the trích yếu in capitals;
//! 5. the preamble.
//!
//! Any part may be missing. Lines before the document proper (1–2) are read for metadata and
//! proper nouns only; text after the header that is neither the trích yếu nor the preamble is
//! kept in the preamble with a warning.

use chrono::NaiveDate;

use super::input::Line;
use super::{ImportWarning, WarningKind};
use crate::dates::{date_at, whole_date};
use crate::scan::{
    cut_chars, is_caps, is_elision, is_separator, kind_from_name, kind_heading, strip_any_prefix,
};

use crate::document::DocumentKind;
use crate::limits::TITLE_MAX_CHARS;

/// What the lines before the outline say.
#[derive(Debug, Default)]
pub(crate) struct Front<'a> {
    /// The website's metadata block.
    pub meta: MetaBlock,
    /// From "Số: 52/KH-UBND".
    pub header_number: Option<String>,
    /// From "Lạng Sơn, ngày 05 tháng 6 năm 2014".
    pub place: Option<String>,
    pub place_date: Option<NaiveDate>,
    /// From the kind heading.
    pub kind: Option<DocumentKind>,
    /// The trích yếu as written in capitals.
    pub title_caps: Option<String>,
    /// The trích yếu when written in sentence case ("Về việc …", "V/v …").
    pub title_plain: Option<String>,
    /// The issuer's lines of the header, joined, in capitals.
    pub issuer_caps: Option<String>,
    /// Paragraphs of the preamble.
    pub preamble: Vec<&'a str>,
    /// Lines to learn proper nouns from.
    pub sources: Vec<&'a str>,
    /// The line of the kind heading (the trích yếu is under it), else the first line.
    pub title_line: usize,
}

/// The website's metadata block. The first value of each key wins.
#[derive(Debug, Default)]
pub(crate) struct MetaBlock {
    pub number: Option<String>,
    pub kind: Option<DocumentKind>,
    pub issued_on: Option<NaiveDate>,
    pub effective_on: Option<NaiveDate>,
    pub issuer: Option<String>,
    pub signer: Option<String>,
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MetaKey {
    Number,
    Issued,
    Effective,
    Kind,
    Issuer,
    Signer,
    Fields,
    Ignored,
}

/// Keys of the metadata block; a key that starts another comes after it.
const META_KEYS: &[(&str, MetaKey)] = &[
    ("Số hiệu", MetaKey::Number),
    ("Ngày ban hành", MetaKey::Issued),
    ("Ngày có hiệu lực", MetaKey::Effective),
    ("Ngày hiệu lực", MetaKey::Effective),
    ("Loại văn bản", MetaKey::Kind),
    ("Cơ quan ban hành", MetaKey::Issuer),
    ("Nơi ban hành", MetaKey::Issuer),
    ("Người ký", MetaKey::Signer),
    ("Lĩnh vực", MetaKey::Fields),
    ("Tình trạng hiệu lực", MetaKey::Ignored),
    ("Tình trạng", MetaKey::Ignored),
    ("Ngày hết hiệu lực", MetaKey::Ignored),
    ("Ngày công báo", MetaKey::Ignored),
    ("Số công báo", MetaKey::Ignored),
    ("Ngày đăng công báo", MetaKey::Ignored),
    ("Cập nhật", MetaKey::Ignored),
];

/// Values that say the website does not know.
const UNKNOWN_VALUES: &[&str] = &["Đang cập nhật", "Đã biết", "Không xác định", "Không có"];

/// The start of either line of the national motto.
const MOTTOS: &[&str] = &[
    "CỘNG HÒA XÃ HỘI",
    "CỘNG HOÀ XÃ HỘI",
    "Cộng hòa xã hội",
    "Cộng hoà xã hội",
    "Độc lập - Tự do",
    "Độc lập – Tự do",
    "ĐỘC LẬP - TỰ DO",
    "ĐỘC LẬP – TỰ DO",
];

/// What a line before the outline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class<'a> {
    Blank,
    /// "Chủ nhật, Ngày 27/10/2024"
    WebDate,
    Meta(MetaKey, &'a str),
    /// "--------"
    Separator,
    /// A line of the motto, with what stands before it when the header's columns are merged
    /// ("TỈNH LẠNG SƠN Độc lập - Tự do - Hạnh phúc").
    Motto(&'a str),
    /// "Số: 52/KH-UBND", with what follows "Số:".
    Number(&'a str),
    /// "Lạng Sơn, ngày 05 tháng 6 năm 2014"
    PlaceDate,
    /// "KẾ HOẠCH", with what follows the kind name.
    Kind(DocumentKind, &'a str),
    /// Any other line in capitals.
    Caps,
    /// Any other line.
    Text,
}

fn classify(text: &str) -> Class<'_> {
    if text.is_empty() || is_elision(text) {
        Class::Blank
    } else if is_web_date(text) {
        Class::WebDate
    } else if let Some((key, value)) = meta_line(text) {
        Class::Meta(key, value)
    } else if is_separator(text) {
        Class::Separator
    } else if let Some(prefix) = motto_prefix(text) {
        Class::Motto(prefix)
    } else if let Some(rest) = strip_any_prefix(text, &["Số:", "Số :", "SỐ:", "SỐ :"]) {
        Class::Number(rest.trim_start())
    } else if place_date(text).is_some() {
        Class::PlaceDate
    } else if is_caps(text) {
        kind_heading(text).map_or(Class::Caps, |(kind, rest)| Class::Kind(kind, rest))
    } else {
        Class::Text
    }
}

fn is_web_date(text: &str) -> bool {
    let Some((day, rest)) = text.split_once(", ") else {
        return false;
    };
    let weekday = matches!(day, "Chủ nhật" | "Chủ Nhật" | "CN")
        || day.strip_prefix("Thứ ").is_some_and(|d| {
            matches!(
                d,
                "hai"
                    | "ba"
                    | "tư"
                    | "năm"
                    | "sáu"
                    | "bảy"
                    | "Hai"
                    | "Ba"
                    | "Tư"
                    | "Năm"
                    | "Sáu"
                    | "Bảy"
                    | "2"
                    | "3"
                    | "4"
                    | "5"
                    | "6"
                    | "7"
            )
        });
    weekday && strip_any_prefix(rest, &["Ngày ", "ngày "]).is_some_and(|d| date_at(d).is_some())
}

fn meta_line(text: &str) -> Option<(MetaKey, &str)> {
    META_KEYS.iter().find_map(|&(key, meta)| {
        let rest = text.strip_prefix(key)?;
        if rest.is_empty() || rest.starts_with([' ', ':']) {
            Some((meta, rest.trim_start_matches([' ', ':']).trim_end()))
        } else {
            None
        }
    })
}

fn motto_prefix(text: &str) -> Option<&str> {
    MOTTOS
        .iter()
        .filter_map(|motto| text.find(motto))
        .min()
        .map(|at| text[..at].trim_end())
}

/// "Lạng Sơn, ngày 05 tháng 6 năm 2014": the place (when it looks like one) and the date.
fn place_date(text: &str) -> Option<(Option<&str>, NaiveDate)> {
    let (place, rest) = text
        .split_once(", ngày ")
        .or_else(|| text.split_once(", Ngày "))?;
    let (date, len) = date_at(rest)?;
    if !rest[len..].trim_start_matches('.').is_empty() {
        return None;
    }
    let place = place.trim();
    let is_place = !place.is_empty()
        && place.chars().count() <= 60
        && !place.contains(|c: char| c.is_ascii_digit());
    Some((is_place.then_some(place), date))
}

impl MetaBlock {
    fn set(&mut self, key: MetaKey, value: &str) {
        let value = value.trim();
        if value.is_empty() || UNKNOWN_VALUES.contains(&value) {
            return;
        }
        match key {
            MetaKey::Number => {
                self.number.get_or_insert_with(|| value.to_owned());
            }
            MetaKey::Issued => self.issued_on = self.issued_on.or_else(|| whole_date(value)),
            MetaKey::Effective => {
                self.effective_on = self.effective_on.or_else(|| whole_date(value));
            }
            MetaKey::Kind => self.kind = self.kind.or_else(|| kind_from_name(value)),
            MetaKey::Issuer => {
                self.issuer.get_or_insert_with(|| value.to_owned());
            }
            MetaKey::Signer => {
                self.signer.get_or_insert_with(|| value.to_owned());
            }
            MetaKey::Fields => {
                if self.fields.is_empty() {
                    self.fields = value
                        .split([',', ';'])
                        .map(str::trim)
                        .filter(|f| !f.is_empty())
                        .map(str::to_owned)
                        .collect();
                }
            }
            MetaKey::Ignored => {}
        }
    }
}

/// Where the parts of the front matter are, by line index.
struct Layout {
    /// The kind heading: the first line that is exactly a kind name ("KẾ HOẠCH"), else the first
    /// capitalised line that starts with one ("KẾ HOẠCH TRIỂN KHAI …").
    kind_at: Option<usize>,
    /// The first and last issuer lines: the capitalised lines just above the header's anchor.
    issuer: Option<(usize, usize)>,
    /// The first line of the document proper; the lines above belong to the website.
    document_start: usize,
}

impl Layout {
    fn of(classes: &[Class<'_>]) -> Self {
        let kind_at = classes
            .iter()
            .position(|c| matches!(c, Class::Kind(_, "")))
            .or_else(|| classes.iter().position(|c| matches!(c, Class::Kind(..))));
        let header = &classes[..kind_at.unwrap_or(classes.len())];
        // The official header is anchored on its first rule, motto, "Số:" or place-date line:
        // in a Word header table the issuer's cell may hold "Số:" under the issuer, with the
        // rule drawn as a border rather than typed.
        let anchor = header.iter().position(|c| {
            matches!(
                c,
                Class::Separator | Class::Motto(_) | Class::Number(_) | Class::PlaceDate
            )
        });
        let mut issuer = None;
        if let Some(anchor) = anchor {
            for (i, class) in header[..anchor].iter().enumerate().rev() {
                match class {
                    Class::Blank => {}
                    Class::Caps => issuer = Some((i, issuer.map_or(i, |(_, last)| last))),
                    _ => break,
                }
            }
        }
        // With no header and no kind heading, the document starts after the metadata block, if
        // any.
        let document_start = issuer
            .map(|(first, _)| first)
            .into_iter()
            .chain(anchor)
            .chain(kind_at)
            .min()
            .unwrap_or_else(|| {
                classes
                    .iter()
                    .rposition(|c| matches!(c, Class::Meta(..)))
                    .map_or(0, |i| i + 1)
            });
        Self {
            kind_at,
            issuer,
            document_start,
        }
    }

    fn is_issuer_line(&self, i: usize) -> bool {
        self.issuer
            .is_some_and(|(first, last)| (first..=last).contains(&i))
    }
}

/// Reads the lines before the outline.
pub(crate) fn parse<'a>(
    lines: &'a [Line<'a>],
    centred: &[usize],
    warnings: &mut Vec<ImportWarning>,
) -> Front<'a> {
    let classes: Vec<Class<'a>> = lines.iter().map(|line| classify(&line.text)).collect();
    let layout = Layout::of(&classes);
    let mut front = Front::default();
    front.read_header(lines, &classes, &layout, warnings);
    let mut title_line = lines.first().map_or(0, |line| line.no);
    if let Some(kind_at) = layout.kind_at {
        title_line = lines[kind_at].no;
        let preamble_start = front.read_kind_and_title(lines, &classes, kind_at, centred);
        for (line, class) in lines.iter().zip(&classes).skip(preamble_start) {
            match class {
                // A decision's "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH …" and "QUYẾT ĐỊNH:" frame
                // the preamble; they are not part of it.
                Class::Blank | Class::Caps | Class::Kind(..) => {}
                _ if is_attachment_note(&line.text) => {}
                _ => {
                    front.preamble.push(&line.text);
                    front.sources.push(&line.text);
                }
            }
        }
    }
    front.title_line = title_line;
    if front
        .title_caps
        .as_ref()
        .is_some_and(|title| title.chars().count() >= TITLE_MAX_CHARS)
    {
        warnings.push(ImportWarning {
            line: title_line,
            kind: WarningKind::TitleTooLong,
            message: format!("Trích yếu dài hơn {TITLE_MAX_CHARS} ký tự; đã cắt bớt"),
        });
    }
    front
}

/// Capitalised lines from `start` on, with no blank line between them, joined; and the index
/// after them.
fn caps_paragraph<'a>(
    lines: &'a [Line<'a>],
    classes: &[Class<'a>],
    start: usize,
    mut parts: Vec<&'a str>,
) -> (String, usize) {
    let mut i = start;
    while let Some(class) = classes.get(i) {
        let text = &*lines[i].text;
        // A wrapped line may hold no letter in capitals: "2021 - 2025".
        let caps_like = matches!(class, Class::Caps | Class::Kind(..))
            || (*class == Class::Text
                && i > start
                && !text.contains(char::is_lowercase)
                && text.contains(|c: char| c.is_alphanumeric()));
        if !caps_like {
            break;
        }
        parts.push(text);
        i += 1;
    }
    (limit(parts.join(" ")), i)
}

/// Keeps at most [`TITLE_MAX_CHARS`] characters.
fn limit(text: String) -> String {
    match cut_chars(&text, TITLE_MAX_CHARS) {
        (_, "") => text,
        (head, _) => head.to_owned(),
    }
}

impl<'a> Front<'a> {
    /// Reads the lines above the kind heading (all of them when there is none): the website's
    /// lines, the metadata block and the official header.
    fn read_header(
        &mut self,
        lines: &'a [Line<'a>],
        classes: &[Class<'a>],
        layout: &Layout,
        warnings: &mut Vec<ImportWarning>,
    ) {
        let mut issuer_parts: Vec<&str> = Vec::new();
        let mut i = 0;
        while i < layout.kind_at.unwrap_or(lines.len()) {
            let text = &*lines[i].text;
            let in_document = i >= layout.document_start;
            match classes[i] {
                Class::Meta(key, value) => self.meta.set(key, value),
                Class::Caps if layout.is_issuer_line(i) => issuer_parts.push(text),
                Class::Motto(prefix) if is_caps(prefix) => issuer_parts.push(prefix),
                Class::Number(rest) => {
                    let (number, after) = rest.split_once(' ').unwrap_or((rest, ""));
                    let number = number.trim_end_matches([',', ';', '.']);
                    if number.contains(|c: char| c.is_ascii_digit()) {
                        self.header_number.get_or_insert_with(|| number.to_owned());
                    }
                    self.read_place_date(after);
                }
                Class::PlaceDate => {
                    self.read_place_date(text);
                    self.sources.push(text);
                }
                Class::Text if !in_document => self.sources.push(text),
                Class::Text
                    if self.title_plain.is_none()
                        && self.title_caps.is_none()
                        && strip_any_prefix(text, &["V/v", "V/V", "Về việc"]).is_some() =>
                {
                    self.title_plain = Some(text.to_owned());
                    self.sources.push(text);
                }
                Class::Caps
                    if in_document && layout.kind_at.is_none() && self.title_caps.is_none() =>
                {
                    // No kind heading: the first capitalised paragraph after the header is the
                    // trích yếu.
                    let (title, next) = caps_paragraph(lines, classes, i, Vec::new());
                    self.title_caps = Some(title);
                    i = next;
                    continue;
                }
                Class::Caps | Class::Text | Class::Kind(..) if in_document => {
                    self.unplaced(&lines[i], warnings);
                }
                _ => {}
            }
            i += 1;
        }
        if !issuer_parts.is_empty() {
            self.issuer_caps = Some(limit(issuer_parts.join(" ")));
        }
    }

    /// Reads the kind heading at `kind_at` and the trích yếu after it; returns the index of the
    /// line after them.
    fn read_kind_and_title(
        &mut self,
        lines: &'a [Line<'a>],
        classes: &[Class<'a>],
        kind_at: usize,
        centred: &[usize],
    ) -> usize {
        let Class::Kind(kind, rest) = classes[kind_at] else {
            return kind_at;
        };
        self.kind = Some(kind);
        let mut i = kind_at + 1;
        if rest.is_empty() {
            while classes.get(i) == Some(&Class::Blank) {
                i += 1;
            }
        }
        if !rest.is_empty() || matches!(classes.get(i), Some(Class::Caps | Class::Kind(..))) {
            let first_part = (!rest.is_empty()).then_some(rest);
            let (title, next) = caps_paragraph(lines, classes, i, first_part.into_iter().collect());
            self.title_caps = Some(title);
            i = next;
        } else if classes.get(i) == Some(&Class::Text)
            && let Some((title, next)) = sentence_title(lines, classes, i, centred)
        {
            self.sources.extend(lines[i..next].iter().map(|l| &*l.text));
            self.title_plain = Some(limit(title));
            i = next;
        }
        i
    }

    fn read_place_date(&mut self, text: &str) {
        if let Some((place, date)) = place_date(text)
            && self.place_date.is_none()
        {
            self.place_date = Some(date);
            self.place = place.map(str::to_owned);
        }
    }

    fn unplaced(&mut self, line: &'a Line<'a>, warnings: &mut Vec<ImportWarning>) {
        warnings.push(ImportWarning {
            line: line.no,
            kind: WarningKind::UnplacedText,
            message: "Đoạn văn trước mục đầu tiên không thuộc phần đầu văn bản; đã đưa vào \
                      phần mở đầu"
                .to_owned(),
        });
        self.preamble.push(&line.text);
        self.sources.push(&line.text);
    }
}

/// A line of an official header: blank, a rule, the motto, "Số:", the place and date, or a line
/// in capitals (the issuer).
pub(crate) fn is_header_line(text: &str) -> bool {
    super::input::is_cell_mark(text)
        || matches!(
            classify(text),
            Class::Blank
                | Class::Separator
                | Class::Motto(_)
                | Class::Number(_)
                | Class::PlaceDate
                | Class::Caps
        )
}

/// Words that open a preamble rather than a trích yếu.
const PREAMBLE_OPENERS: &[&str] = &[
    "Căn cứ",
    "Thực hiện",
    "Để ",
    "Nhằm",
    "Xét ",
    "Theo ",
    "Thi hành",
    "Trên cơ sở",
    "Ngày ",
    "Sau khi",
    "Triển khai",
];

/// "(Ban hành kèm theo Quyết định số …)", "(Kèm theo …)": where a document was attached, not
/// what it says.
pub(crate) fn is_attachment_note(text: &str) -> bool {
    let folded = crate::text::fold(text);
    let folded = folded.trim_start_matches(['(', '[']).trim_start();
    folded.starts_with("ban hanh kem theo") || folded.starts_with("kem theo")
}

/// The trích yếu written in sentence case under the kind heading, from `start`: its lines (a
/// wrapped line goes on in lower case, or anything but a preamble's opening), and the index after
/// them. `None` when the paragraph reads as the preamble: it ends in ".", ":" or ";", says "như
/// sau", opens with "Căn cứ" or runs long; lines set centred (a Word file) are the trích yếu
/// whatever they say.
fn sentence_title(
    lines: &[Line<'_>],
    classes: &[Class<'_>],
    start: usize,
    centred: &[usize],
) -> Option<(String, usize)> {
    let mut title = String::new();
    let mut all_centred = true;
    let mut i = start;
    while let (Some(Class::Text), Some(line)) = (classes.get(i), lines.get(i)) {
        let text = &*line.text;
        if is_attachment_note(text) || i - start >= 4 {
            break;
        }
        if i > start {
            let lower = text.starts_with(|c: char| c.is_lowercase() || c.is_ascii_digit());
            if !lower
                && (strip_any_prefix(text, PREAMBLE_OPENERS).is_some()
                    || title.ends_with(['.', ':', ';']))
            {
                break;
            }
            title.push(' ');
        }
        title.push_str(text);
        all_centred &= centred.contains(&line.no);
        i += 1;
    }
    if title.is_empty() {
        return None;
    }
    let reads_as_title = !title.ends_with(['.', ':', ';'])
        && !title.starts_with("Căn cứ")
        && !crate::text::fold(&title).contains("nhu sau")
        && title.chars().count() <= 400;
    (all_centred || reads_as_title).then_some((title, i))
}

/// The header of a web copy is a table printed a cell at a time: each cell opened by a line
/// holding only "|", its lines wrapped anywhere ("Lạng Sơn, ngày 05" / "tháng 6 năm 2014"). A
/// cell's lines become one line; a rule, the motto, "Số:" and the place and date start lines of
/// their own. Outside cells, a place and date split over two lines ("Hà Nội," / "ngày 05 tháng
/// 6 năm 2014") are joined too.
pub(crate) fn join_cells<'a>(lines: &[Line<'a>]) -> Vec<Line<'a>> {
    use std::borrow::Cow;
    let mut out: Vec<Line<'a>> = Vec::with_capacity(lines.len());
    let mut in_cell = false;
    // Whether the last line out belongs to the open cell and takes the cell's next lines.
    let mut open = false;
    for line in lines {
        let text = &*line.text;
        if super::input::is_cell_mark(text) {
            in_cell = true;
            open = false;
            out.push(Line {
                no: line.no,
                text: Cow::Borrowed(""),
            });
            continue;
        }
        if text.is_empty() {
            in_cell = false;
            open = false;
            out.push(line.clone());
            continue;
        }
        let is_heading = matches!(kind_heading(text), Some((_, "")));
        let alone = is_separator(text) || is_heading;
        let starts_line = alone
            || matches!(
                classify(text),
                Class::Motto(_) | Class::Number(_) | Class::PlaceDate
            )
            || text.contains(", ngày ");
        match out.last_mut() {
            Some(last) if in_cell && open && !starts_line => {
                // "Số: 7/KH-" / "UBND": a number broken after its hyphen or slash joins whole.
                let before = &*last.text;
                let broken = before.ends_with(['-', '/'])
                    && before[..before.len() - 1].ends_with(|c: char| c.is_alphanumeric());
                let space = if broken { "" } else { " " };
                last.text = Cow::Owned(format!("{before}{space}{text}"));
            }
            _ => {
                out.push(line.clone());
                open = in_cell && !alone;
            }
        }
        if is_heading {
            in_cell = false;
        }
    }
    for i in 1..out.len() {
        let (before, after) = (&*out[i - 1].text, &*out[i].text);
        if before.is_empty() || after.is_empty() || place_date(before).is_some() {
            continue;
        }
        let joined = format!("{before} {after}");
        if (before.ends_with(',') || before.contains(", ngày") || before.contains(", Ngày"))
            && place_date(&joined).is_some()
        {
            out[i - 1].text = Cow::Owned(joined);
            out[i].text = Cow::Borrowed("");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(classify("Chủ nhật, Ngày 27/10/2024"), Class::WebDate);
        assert_eq!(
            classify("Số hiệu 52/KH-UBND"),
            Class::Meta(MetaKey::Number, "52/KH-UBND")
        );
        assert_eq!(
            classify("Người ký: Lý Vinh Quang"),
            Class::Meta(MetaKey::Signer, "Lý Vinh Quang")
        );
        assert_eq!(classify("--------"), Class::Separator);
        assert_eq!(
            classify("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
            Class::Motto("")
        );
        assert_eq!(
            classify("TỈNH LẠNG SƠN Độc lập - Tự do - Hạnh phúc"),
            Class::Motto("TỈNH LẠNG SƠN")
        );
        assert_eq!(classify("Số: 52/KH-UBND"), Class::Number("52/KH-UBND"));
        assert_eq!(
            classify("Lạng Sơn, ngày 05 tháng 6 năm 2014"),
            Class::PlaceDate
        );
        assert_eq!(classify("KẾ HOẠCH"), Class::Kind(DocumentKind::Plan, ""));
        assert_eq!(classify("UỶ BAN NHÂN DÂN"), Class::Caps);
        assert_eq!(classify("[...]"), Class::Blank);
        assert_eq!(classify("Thực hiện Công văn số 1301"), Class::Text);
    }

    #[test]
    fn place_dates() {
        let june_5 = NaiveDate::from_ymd_opt(2014, 6, 5).expect("a date");
        assert_eq!(
            place_date("Lạng Sơn, ngày 05 tháng 6 năm 2014"),
            Some((Some("Lạng Sơn"), june_5))
        );
        assert_eq!(
            place_date("TP. Hồ Chí Minh, ngày 5/6/2014."),
            Some((Some("TP. Hồ Chí Minh"), june_5))
        );
        assert_eq!(place_date("Lạng Sơn, ngày 05 tháng 6 năm 2014 và"), None);
    }
}
