//! The numbering a line of the outline starts with, and the order of the levels.
//!
//! Each style of numbering is one recogniser in [`RECOGNISERS`]; a new style ("Phần I",
//! "Điều 1.", "1.1.", "1)", "•") is a new function there plus, for a new level, a place in
//! [`rank`] and, for a numbered level, a successor rule in [`is_successor`].

use super::text::is_letter;
use crate::document::NodeKind;

/// What a line's label says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Marker<'a> {
    pub kind: NodeKind,
    /// The numbering without trailing punctuation: "II", "1", "a", "-".
    pub label: &'a str,
    /// The label as written, punctuation included: "II.", "a)".
    pub written: &'a str,
    /// The position in its sequence (Roman and Arabic numbers: the value; letters: the
    /// character), `None` for bullets.
    pub ordinal: Option<u32>,
    /// The text after the label; may be empty.
    pub rest: &'a str,
}

type Recogniser = for<'a> fn(&'a str) -> Option<Marker<'a>>;

const RECOGNISERS: &[Recogniser] = &[roman_section, numbered_item, lettered_point, bullet];

/// The marker `line` (trimmed, blanks collapsed) starts with, if any.
pub(crate) fn parse(line: &str) -> Option<Marker<'_>> {
    let first = *line.as_bytes().first()?;
    // Every label starts with an ASCII byte or 'đ'; skip the rest cheaply.
    if !(first.is_ascii_alphanumeric() || matches!(first, b'-' | b'+' | 0xC4)) {
        return None;
    }
    RECOGNISERS.iter().find_map(|recognise| recognise(line))
}

/// The depth of a level: a node nests under the nearest open node of a smaller rank.
pub(crate) fn rank(kind: NodeKind) -> u8 {
    match kind {
        NodeKind::Part => 0,
        NodeKind::Section => 1,
        NodeKind::Article => 2,
        NodeKind::Item => 3,
        NodeKind::Point => 4,
        NodeKind::Bullet => 5,
        NodeKind::SubBullet => 6,
        NodeKind::Task => 7,
    }
}

/// The number of levels [`rank`] knows.
pub(crate) const RANKS: usize = 8;

/// Splits `line` after a label of `len` bytes followed by `punct`; the label must end the line
/// or be followed by a space.
fn split_label(line: &str, len: usize, punct: u8) -> Option<(&str, &str, &str)> {
    if len == 0 || line.as_bytes().get(len) != Some(&punct) {
        return None;
    }
    let after = &line[len + 1..];
    let rest = if after.is_empty() {
        after
    } else {
        after.strip_prefix(' ')?
    };
    Some((&line[..len], &line[..=len], rest))
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
        label,
        written,
        ordinal: Some(value),
        rest,
    })
}

/// "1." … "999." (not "1.1." nor "05.06.2014").
fn numbered_item(line: &str) -> Option<Marker<'_>> {
    let len = line.bytes().take_while(u8::is_ascii_digit).count();
    if len > 3 {
        return None;
    }
    let (label, written, rest) = split_label(line, len, b'.')?;
    let value: u32 = label.parse().ok()?;
    (value > 0).then_some(Marker {
        kind: NodeKind::Item,
        label,
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
        label,
        written,
        ordinal: Some(u32::from(letter)),
        rest,
    })
}

/// "- text" and "+ text" (also "-text" when a letter follows at once).
fn bullet(line: &str) -> Option<Marker<'_>> {
    let kind = match line.as_bytes().first()? {
        b'-' => NodeKind::Bullet,
        b'+' => NodeKind::SubBullet,
        _ => return None,
    };
    let after = &line[1..];
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
        label: &line[..1],
        written: &line[..1],
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

/// The label of an ordinal of `kind`, for messages.
pub(crate) fn label_of(kind: NodeKind, ordinal: u32) -> String {
    match kind {
        NodeKind::Section => to_roman(ordinal),
        NodeKind::Point => char::from_u32(ordinal)
            .map(String::from)
            .unwrap_or_default(),
        _ => ordinal.to_string(),
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

    fn kind_label_rest(line: &str) -> Option<(NodeKind, &str, &str)> {
        parse(line).map(|m| (m.kind, m.label, m.rest))
    }

    #[test]
    fn labels() {
        assert_eq!(
            kind_label_rest("I. MỤC ĐÍCH"),
            Some((NodeKind::Section, "I", "MỤC ĐÍCH"))
        );
        assert_eq!(
            kind_label_rest("XIV."),
            Some((NodeKind::Section, "XIV", ""))
        );
        assert_eq!(kind_label_rest("IIII. x"), None);
        assert_eq!(
            kind_label_rest("10. Tăng"),
            Some((NodeKind::Item, "10", "Tăng"))
        );
        assert_eq!(kind_label_rest("1.1. x"), None);
        assert_eq!(kind_label_rest("2020. x"), None);
        assert_eq!(kind_label_rest("0. x"), None);
        assert_eq!(kind_label_rest("a) x"), Some((NodeKind::Point, "a", "x")));
        assert_eq!(kind_label_rest("đ) x"), Some((NodeKind::Point, "đ", "x")));
        assert_eq!(
            kind_label_rest("- Nhằm"),
            Some((NodeKind::Bullet, "-", "Nhằm"))
        );
        assert_eq!(
            kind_label_rest("-Nhằm"),
            Some((NodeKind::Bullet, "-", "Nhằm"))
        );
        assert_eq!(
            kind_label_rest("+ x"),
            Some((NodeKind::SubBullet, "+", "x"))
        );
        assert_eq!(kind_label_rest("--------"), None);
        assert_eq!(kind_label_rest("-5%"), None);
        assert_eq!(kind_label_rest("-"), None);
        assert_eq!(kind_label_rest("Ix. x"), None);
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
