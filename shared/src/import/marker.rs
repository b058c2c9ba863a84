//! The numbering a line of the outline starts with, and the order of the levels.
//!
//! Each style of numbering is one recogniser in [`RECOGNISERS`]; a new style is a new function
//! there, with its place among the [`Rank`]s and, for a numbered style, a successor rule in
//! [`is_successor`].

use std::borrow::Cow;

use crate::document::NodeKind;
use crate::scan::is_letter;

/// The depth of a style of numbering: a node nests under the nearest open node of a smaller
/// rank. Styles of the same [`NodeKind`] may have different ranks ("1." above "1.1." above
/// "1)").
pub(crate) mod rank {
    pub const PART: u8 = 0;
    pub const SECTION: u8 = 1;
    pub const ARTICLE: u8 = 2;
    /// "1."; "1.1." is `ITEM + 1`, "1.1.1." `ITEM + 2`, "1.1.1.1." `ITEM + 3`.
    pub const ITEM: u8 = 3;
    pub const POINT: u8 = 7;
    /// "1)" used under lettered points.
    pub const PAREN_ITEM: u8 = 8;
    /// "* Đối với cấp tỉnh:", a small heading over bullets.
    pub const STAR: u8 = 9;
    pub const BULLET: u8 = 10;
    pub const SUB_BULLET: u8 = 11;
}

/// The number of ranks.
pub(crate) const RANKS: usize = 12;

/// The deepest decimal numbering recognised ("1.1.1.1.").
const DECIMAL_MAX_DEPTH: usize = 4;

/// What a line's label says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Marker<'a> {
    pub kind: NodeKind,
    /// The depth of its style; see [`rank`].
    pub rank: u8,
    /// The numbering without trailing punctuation: "II", "1", "1.2", "a", "-", "Phần I",
    /// "Phần thứ nhất", "Điều 2".
    pub label: Cow<'a, str>,
    /// The label as written, punctuation included: "II.", "a)", "PHẦN I.".
    pub written: &'a str,
    /// The position in its sequence (Roman and Arabic numbers, words: the value; letters: the
    /// character), `None` for bullets.
    pub ordinal: Option<u32>,
    /// The text after the label; may be empty.
    pub rest: &'a str,
}

type Recogniser = for<'a> fn(&'a str) -> Option<Marker<'a>>;

const RECOGNISERS: &[Recogniser] = &[
    part,
    article,
    roman_section,
    numbered_item,
    lettered_point,
    bullet,
];

/// The marker `line` (trimmed, blanks collapsed) starts with, if any.
pub(crate) fn parse(line: &str) -> Option<Marker<'_>> {
    let first = *line.as_bytes().first()?;
    // Every label starts with an ASCII byte, 'đ'/'Đ' (0xC4) or '–'/'•' (0xE2); skip the rest
    // cheaply.
    if !(first.is_ascii_alphanumeric() || matches!(first, b'-' | b'+' | b'*' | 0xC4 | 0xE2)) {
        return None;
    }
    RECOGNISERS.iter().find_map(|recognise| recognise(line))
}

/// Splits `line` after a label of `len` bytes followed by `punct`; the label must end the line
/// or be followed by a space, or (text copied without its spaces) by a capital letter.
fn split_label(line: &str, len: usize, punct: u8) -> Option<(&str, &str, &str)> {
    if len == 0 || line.as_bytes().get(len) != Some(&punct) {
        return None;
    }
    let after = &line[len + 1..];
    let rest = if after.is_empty() {
        after
    } else if let Some(rest) = after.strip_prefix(' ') {
        rest
    } else if after.starts_with(char::is_uppercase) {
        after
    } else {
        return None;
    };
    Some((&line[..len], &line[..=len], rest))
}

/// After the number of a part or an article: ".", ":", " -", " –" or nothing, then the heading.
fn heading_after(after: &str) -> Option<&str> {
    if after.is_empty() {
        return Some(after);
    }
    for punct in [". ", ": ", " - ", " – ", " "] {
        if let Some(rest) = after.strip_prefix(punct) {
            // "Phần I của kế hoạch" is a sentence, not a part; the heading after a bare space
            // must start with a capital.
            if punct == " " && !rest.starts_with(char::is_uppercase) {
                return None;
            }
            return Some(rest);
        }
    }
    matches!(after, "." | ":").then_some("")
}

/// Word ordinals of parts: "thứ nhất" … "thứ mười".
const ORDINAL_WORDS: &[(&str, u32)] = &[
    ("nhất", 1),
    ("hai", 2),
    ("ba", 3),
    ("tư", 4),
    ("bốn", 4),
    ("năm", 5),
    ("sáu", 6),
    ("bảy", 7),
    ("tám", 8),
    ("chín", 9),
    ("mười", 10),
];

/// The ordinal word for `value`, for labels and messages.
fn ordinal_word(value: u32) -> Option<&'static str> {
    ORDINAL_WORDS
        .iter()
        .find(|(word, v)| *v == value && *word != "bốn")
        .map(|(word, _)| *word)
}

/// Strips `word` at the start of `line`, ignoring case (ASCII and the Vietnamese letters of
/// "Phần", "Điều", "thứ").
fn strip_word<'a>(line: &'a str, word: &str) -> Option<&'a str> {
    let mut chars = line.char_indices();
    for expected in word.chars() {
        let (_, c) = chars.next()?;
        if !c.to_lowercase().eq(expected.to_lowercase()) {
            return None;
        }
    }
    Some(chars.next().map_or("", |(i, _)| &line[i..]))
}

/// "Phần I", "PHẦN II.", "Phần thứ nhất", "PHẦN THỨ HAI:".
fn part(line: &str) -> Option<Marker<'_>> {
    let after_word = strip_word(line, "phần ")?;
    let (ordinal, label, after) = if let Some(after_thu) = strip_word(after_word, "thứ ") {
        let word_end = after_thu
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(after_thu.len());
        let word = after_thu[..word_end].to_lowercase();
        let (_, value) = ORDINAL_WORDS.iter().find(|(w, _)| *w == word)?;
        let label = format!("Phần thứ {}", ordinal_word(*value)?);
        (*value, label, &after_thu[word_end..])
    } else {
        let len = after_word
            .bytes()
            .take_while(|b| matches!(b, b'I' | b'V' | b'X'))
            .count();
        let value = roman_value(&after_word[..len])?;
        (
            value,
            format!("Phần {}", &after_word[..len]),
            &after_word[len..],
        )
    };
    let rest = heading_after(after)?;
    let written = line[..line.len() - rest.len()].trim_end();
    Some(Marker {
        kind: NodeKind::Part,
        rank: rank::PART,
        label: Cow::Owned(label),
        written,
        ordinal: Some(ordinal),
        rest,
    })
}

/// "Điều 1.", "Điều 2:", "ĐIỀU 3".
fn article(line: &str) -> Option<Marker<'_>> {
    let after_word = strip_word(line, "điều ")?;
    let len = after_word.bytes().take_while(u8::is_ascii_digit).count();
    if len == 0 || len > 3 {
        return None;
    }
    let value: u32 = after_word[..len].parse().ok().filter(|v| *v > 0)?;
    let rest = heading_after(&after_word[len..])?;
    let written = line[..line.len() - rest.len()].trim_end();
    Some(Marker {
        kind: NodeKind::Article,
        rank: rank::ARTICLE,
        label: Cow::Owned(format!("Điều {value}")),
        written,
        ordinal: Some(value),
        rest,
    })
}

/// "I.", "II.", … "XXXIX." (Roman numerals with I, V and X only, in canonical form).
fn roman_section(line: &str) -> Option<Marker<'_>> {
    let len = line
        .bytes()
        .take_while(|b| matches!(b, b'I' | b'V' | b'X'))
        .count();
    let (label, written, rest) = split_label(line, len, b'.')?;
    let value = roman_value(label)?;
    Some(Marker {
        kind: NodeKind::Section,
        rank: rank::SECTION,
        label: Cow::Borrowed(label),
        written,
        ordinal: Some(value),
        rest,
    })
}

/// "1." … "999.", decimal "1.1." / "1.1" … "1.1.1.1.", and "1)" (not "05.06.2014", "1.500
/// hộ" nor "2020.").
fn numbered_item(line: &str) -> Option<Marker<'_>> {
    let bytes = line.as_bytes();
    let first_len = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if first_len == 0 || first_len > 3 || bytes[0] == b'0' {
        return None;
    }
    if bytes.get(first_len) == Some(&b')') {
        let (label, written, rest) = split_label(line, first_len, b')')?;
        let value: u32 = label.parse().ok()?;
        return Some(Marker {
            kind: NodeKind::Item,
            rank: rank::PAREN_ITEM,
            label: Cow::Borrowed(label),
            written,
            ordinal: Some(value),
            rest,
        });
    }
    // The components: "1", "1.2", "1.2.3"; each after the first one or two digits.
    let mut end = first_len;
    let mut depth = 1;
    let mut last_start = 0;
    while bytes.get(end) == Some(&b'.') {
        let digits = bytes[end + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 {
            break;
        }
        if digits > 2 || depth == DECIMAL_MAX_DEPTH {
            return None;
        }
        last_start = end + 1;
        end += 1 + digits;
        depth += 1;
    }
    let label = &line[..end];
    let value: u32 = label[last_start..].parse().ok().filter(|v| *v > 0)?;
    let (written, rest) = if depth > 1 && bytes.get(end) == Some(&b' ') {
        // "1.1 Tên mục" without the final dot; "1.5 triệu" is a number.
        let rest = &line[end + 1..];
        if !rest.starts_with(char::is_uppercase) {
            return None;
        }
        (label, rest)
    } else {
        let (_, written, rest) = split_label(line, end, b'.')?;
        (written, rest)
    };
    if depth > 1 && rest.starts_with(|c: char| c.is_ascii_digit() || c == '%') {
        // "1.5 triệu", "2.5 %": a number, not a label.
        return None;
    }
    Some(Marker {
        kind: NodeKind::Item,
        rank: rank::ITEM + u8::try_from(depth - 1).unwrap_or(0),
        label: Cow::Borrowed(label),
        written,
        ordinal: Some(value),
        rest,
    })
}

/// "a)", "b)", … "đ)" …
fn lettered_point(line: &str) -> Option<Marker<'_>> {
    let letter = line.chars().next()?;
    if !(letter.is_ascii_lowercase() || letter == 'đ') {
        return None;
    }
    let (label, written, rest) = split_label(line, letter.len_utf8(), b')')?;
    Some(Marker {
        kind: NodeKind::Point,
        rank: rank::POINT,
        label: Cow::Borrowed(label),
        written,
        ordinal: Some(u32::from(letter)),
        rest,
    })
}

/// "- text", "– text", "• text", "+ text" and "* text" (also "-text" when a letter follows at
/// once).
fn bullet(line: &str) -> Option<Marker<'_>> {
    let symbol = line.chars().next()?;
    let (kind, rank) = match symbol {
        '-' | '–' | '•' => (NodeKind::Bullet, rank::BULLET),
        '+' => (NodeKind::SubBullet, rank::SUB_BULLET),
        '*' => (NodeKind::Bullet, rank::STAR),
        _ => return None,
    };
    let len = symbol.len_utf8();
    let after = &line[len..];
    let rest = match after.strip_prefix(' ') {
        Some(rest) => rest,
        None if after.starts_with(is_letter) => after,
        None => return None,
    };
    if rest.is_empty() {
        return None;
    }
    Some(Marker {
        kind,
        rank,
        label: Cow::Borrowed(&line[..len]),
        written: &line[..len],
        ordinal: None,
        rest,
    })
}

/// The value of a canonical Roman numeral from 1 to 39.
pub(crate) fn roman_value(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 7 {
        return None;
    }
    let digit = |b: u8| match b {
        b'I' => 1,
        b'V' => 5,
        b'X' => 10,
        _ => 0,
    };
    let bytes = s.as_bytes();
    let mut value = 0i32;
    for (i, &b) in bytes.iter().enumerate() {
        let d = digit(b);
        if d == 0 {
            return None;
        }
        match bytes.get(i + 1) {
            Some(&next) if digit(next) > d => value -= d,
            _ => value += d,
        }
    }
    let value = u32::try_from(value).ok().filter(|v| (1..40).contains(v))?;
    (to_roman(value) == s).then_some(value)
}

/// The canonical Roman numeral for 1 to 39.
pub(crate) fn to_roman(mut value: u32) -> String {
    let mut out = String::new();
    for (v, s) in [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")] {
        while value >= v {
            out.push_str(s);
            value -= v;
        }
    }
    out
}

/// Letters of points in the Vietnamese order ("đ" after "d"; no f, j, w, z).
const VIETNAMESE_LETTERS: &str = "abcdđeghiklmnopqrstuvxy";
/// Letters of points in the Latin order.
const LATIN_LETTERS: &str = "abcdefghijklmnopqrstuvwxyz";
/// All letters, for comparing points: Latin order with "đ" after "d".
const ALL_LETTERS: &str = "abcdđefghijklmnopqrstuvwxyz";

/// The label of the node numbered `ordinal` in the sequence `label` (of `kind`) belongs to,
/// for messages: "3" for items, "1.3" after "1.2", "c" for points, "Phần II".
pub(crate) fn relabel(kind: NodeKind, label: &str, ordinal: u32) -> String {
    match kind {
        NodeKind::Section => to_roman(ordinal),
        NodeKind::Point => char::from_u32(ordinal)
            .map(String::from)
            .unwrap_or_default(),
        NodeKind::Part if label.contains("thứ") => {
            format!("Phần thứ {}", ordinal_word(ordinal).unwrap_or("?"))
        }
        NodeKind::Part => format!("Phần {}", to_roman(ordinal)),
        NodeKind::Article => format!("Điều {ordinal}"),
        _ => match label.rsplit_once('.') {
            Some((prefix, _)) => format!("{prefix}.{ordinal}"),
            None => ordinal.to_string(),
        },
    }
}

/// The ordinal `kind`'s numbering starts at: 1, "I" or "a".
pub(crate) fn first_ordinal(kind: NodeKind) -> u32 {
    match kind {
        NodeKind::Point => u32::from('a'),
        _ => 1,
    }
}

/// Whether `next` may follow `previous` in `kind`'s numbering. Points follow either the
/// Vietnamese alphabet (d, đ, e, g) or the Latin one (d, e, f, g).
pub(crate) fn is_successor(kind: NodeKind, previous: u32, next: u32) -> bool {
    match kind {
        NodeKind::Point => {
            let follows_in = |alphabet: &str| {
                let mut letters = alphabet.chars().map(u32::from);
                letters.by_ref().any(|c| c == previous) && letters.next() == Some(next)
            };
            follows_in(VIETNAMESE_LETTERS) || follows_in(LATIN_LETTERS)
        }
        _ => previous.checked_add(1) == Some(next),
    }
}

/// Whether `next` comes at or before `previous` (a repeat rather than a gap).
pub(crate) fn is_backwards(kind: NodeKind, previous: u32, next: u32) -> bool {
    match kind {
        NodeKind::Point => {
            let position = |c: u32| ALL_LETTERS.chars().position(|l| u32::from(l) == c);
            position(next) <= position(previous)
        }
        _ => next <= previous,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_label_rest(line: &str) -> Option<(NodeKind, String, &str)> {
        parse(line).map(|m| (m.kind, m.label.into_owned(), m.rest))
    }

    #[test]
    fn labels() {
        assert_eq!(
            kind_label_rest("I. MỤC ĐÍCH"),
            Some((NodeKind::Section, "I".to_owned(), "MỤC ĐÍCH"))
        );
        assert_eq!(
            kind_label_rest("XIV."),
            Some((NodeKind::Section, "XIV".to_owned(), ""))
        );
        assert_eq!(kind_label_rest("IIII. x"), None);
        assert_eq!(
            kind_label_rest("10. Tăng"),
            Some((NodeKind::Item, "10".to_owned(), "Tăng"))
        );
        assert_eq!(kind_label_rest("2020. x"), None);
        assert_eq!(kind_label_rest("0. x"), None);
        assert_eq!(
            kind_label_rest("a) x"),
            Some((NodeKind::Point, "a".to_owned(), "x"))
        );
        assert_eq!(
            kind_label_rest("đ) x"),
            Some((NodeKind::Point, "đ".to_owned(), "x"))
        );
        assert_eq!(
            kind_label_rest("- Nhằm"),
            Some((NodeKind::Bullet, "-".to_owned(), "Nhằm"))
        );
        assert_eq!(
            kind_label_rest("-Nhằm"),
            Some((NodeKind::Bullet, "-".to_owned(), "Nhằm"))
        );
        assert_eq!(
            kind_label_rest("+ x"),
            Some((NodeKind::SubBullet, "+".to_owned(), "x"))
        );
        assert_eq!(kind_label_rest("--------"), None);
        assert_eq!(kind_label_rest("-5%"), None);
        assert_eq!(kind_label_rest("-"), None);
        assert_eq!(kind_label_rest("Ix. x"), None);
    }

    #[test]
    fn parts_articles_decimals_and_other_bullets() {
        let label_rank_rest = |line| parse(line).map(|m| (m.label.into_owned(), m.rank, m.rest));
        let some = |label: &str, rank, rest| Some((label.to_owned(), rank, rest));
        assert_eq!(
            label_rank_rest("Phần I. ĐÁNH GIÁ"),
            some("Phần I", rank::PART, "ĐÁNH GIÁ")
        );
        assert_eq!(label_rank_rest("PHẦN II"), some("Phần II", rank::PART, ""));
        assert_eq!(
            label_rank_rest("PHẦN III: NHIỆM VỤ"),
            some("Phần III", rank::PART, "NHIỆM VỤ")
        );
        assert_eq!(
            label_rank_rest("Phần thứ nhất. KẾT QUẢ"),
            some("Phần thứ nhất", rank::PART, "KẾT QUẢ")
        );
        assert_eq!(
            label_rank_rest("PHẦN THỨ HAI"),
            some("Phần thứ hai", rank::PART, "")
        );
        assert_eq!(label_rank_rest("Phần lớn các xã"), None);
        assert_eq!(label_rank_rest("Phần I của kế hoạch"), None);
        assert_eq!(
            label_rank_rest("Điều 2. Tổ chức"),
            some("Điều 2", rank::ARTICLE, "Tổ chức")
        );
        assert_eq!(
            label_rank_rest("ĐIỀU 3:"),
            some("Điều 3", rank::ARTICLE, "")
        );
        assert_eq!(label_rank_rest("Điều chỉnh kế hoạch"), None);
        assert_eq!(
            label_rank_rest("1.1. Mục tiêu"),
            some("1.1", rank::ITEM + 1, "Mục tiêu")
        );
        assert_eq!(
            label_rank_rest("1.2 Mục tiêu"),
            some("1.2", rank::ITEM + 1, "Mục tiêu")
        );
        assert_eq!(
            label_rank_rest("2.1.3. x"),
            some("2.1.3", rank::ITEM + 2, "x")
        );
        assert_eq!(label_rank_rest("1.500 hộ nghèo"), None);
        assert_eq!(label_rank_rest("05.06.2014"), None);
        assert_eq!(label_rank_rest("1.5 triệu"), None);
        assert_eq!(
            label_rank_rest("3) Hỗ trợ"),
            some("3", rank::PAREN_ITEM, "Hỗ trợ")
        );
        assert_eq!(label_rank_rest("– Gạch"), some("–", rank::BULLET, "Gạch"));
        assert_eq!(label_rank_rest("• Chấm"), some("•", rank::BULLET, "Chấm"));
        assert_eq!(
            label_rank_rest("* Đối với cấp tỉnh:"),
            some("*", rank::STAR, "Đối với cấp tỉnh:")
        );
        assert_eq!(
            label_rank_rest("2.Nâng cao"),
            some("2", rank::ITEM, "Nâng cao")
        );
        assert_eq!(label_rank_rest("2.năm"), None);
        assert_eq!(relabel(NodeKind::Item, "1.2", 1), "1.1");
        assert_eq!(relabel(NodeKind::Part, "Phần thứ hai", 1), "Phần thứ nhất");
    }

    #[test]
    fn romans() {
        for v in 1..40 {
            assert_eq!(roman_value(&to_roman(v)), Some(v));
        }
        assert_eq!(roman_value("IIX"), None);
        assert_eq!(roman_value("XL"), None);
    }

    #[test]
    fn successors() {
        let c = |c: char| u32::from(c);
        assert!(is_successor(NodeKind::Point, c('d'), c('đ')));
        assert!(is_successor(NodeKind::Point, c('d'), c('e')));
        assert!(is_successor(NodeKind::Point, c('đ'), c('e')));
        assert!(is_successor(NodeKind::Point, c('e'), c('g')));
        assert!(!is_successor(NodeKind::Point, c('a'), c('c')));
        assert!(is_backwards(NodeKind::Point, c('c'), c('a')));
        assert!(is_successor(NodeKind::Item, 1, 2));
        assert!(!is_successor(NodeKind::Item, 1, 3));
    }
}
