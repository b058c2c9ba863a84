//! From bytes to normalised lines: size and content checks, UTF-8 decoding, Unicode
//! normalisation, line splitting (LF, CRLF, CR) and whitespace clean-up.

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use super::error::{ImportError, ImportErrorKind};
use crate::limits::IMPORT_MAX_BYTES;

const BOM: &str = "\u{feff}";

/// One line of the input, trimmed, with every run of blanks (spaces, tabs, non-breaking spaces,
/// other Unicode spaces) made one space and zero-width characters removed.
#[derive(Debug, Clone)]
pub(crate) struct Line<'a> {
    /// 1-based.
    pub no: usize,
    pub text: Cow<'a, str>,
}

/// A line that opens a cell of a web copy's table: only "|" (and spaces).
pub(crate) fn is_cell_mark(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c == '|' || c == ' ')
}

/// Checks raw bytes and decodes them as UTF-8 (without the byte-order mark).
pub(crate) fn decode(bytes: &[u8]) -> Result<&str, ImportError> {
    check_size(bytes.len())?;
    // The compound-file signature of Word 97–2003 documents.
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Err(ImportError {
            line: 0,
            kind: ImportErrorKind::OldWord,
        });
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(error_at(bytes, at, ImportErrorKind::Binary));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| error_at(bytes, e.valid_up_to(), ImportErrorKind::InvalidUtf8))?;
    Ok(text.strip_prefix(BOM).unwrap_or(text))
}

/// The checks that apply to text already decoded.
pub(crate) fn check_text(text: &str) -> Result<(), ImportError> {
    check_size(text.len())?;
    if let Some(at) = text.bytes().position(|b| b == 0) {
        return Err(error_at(text.as_bytes(), at, ImportErrorKind::Binary));
    }
    if text.chars().all(|c| c.is_whitespace() || is_invisible(c)) {
        return Err(ImportError {
            line: 0,
            kind: ImportErrorKind::Empty,
        });
    }
    Ok(())
}

fn check_size(size: usize) -> Result<(), ImportError> {
    if size > IMPORT_MAX_BYTES {
        return Err(ImportError {
            line: 0,
            kind: ImportErrorKind::TooLarge {
                size,
                max: IMPORT_MAX_BYTES,
            },
        });
    }
    Ok(())
}

fn error_at(bytes: &[u8], at: usize, kind: ImportErrorKind) -> ImportError {
    ImportError {
        line: line_of(bytes, at),
        kind,
    }
}

/// The 1-based line holding byte `at`, counting LF, CRLF and lone CR as line ends.
fn line_of(bytes: &[u8], at: usize) -> usize {
    let before = &bytes[..at.min(bytes.len())];
    let mut line = 1;
    for (i, &b) in before.iter().enumerate() {
        match b {
            b'\n' => line += 1,
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => line += 1,
            _ => {}
        }
    }
    line
}

/// Strips a byte-order mark and brings decomposed text (as some editors and PDF extractors write
/// Vietnamese) to NFC, so that "ế" is one character however it was typed.
pub(crate) fn normalize_unicode(text: &str) -> Cow<'_, str> {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    // Only combining marks (U+0300–U+036F, lead bytes 0xCC and 0xCD) can make Vietnamese text
    // non-NFC; skip the full check when there are none.
    let may_be_decomposed = text.bytes().any(|b| b == 0xCC || b == 0xCD);
    if may_be_decomposed && is_nfc_quick(text.chars()) != IsNormalized::Yes {
        Cow::Owned(text.nfc().collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// Splits on LF, CRLF and lone CR, and normalises each line.
pub(crate) fn split_lines(text: &str) -> Vec<Line<'_>> {
    let bytes = text.as_bytes();
    let mut lines = Vec::with_capacity(bytes.len() / 64 + 1);
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                push_line(&mut lines, &text[start..i]);
                i += 1;
                start = i;
            }
            b'\r' => {
                push_line(&mut lines, &text[start..i]);
                i += if bytes.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < bytes.len() {
        push_line(&mut lines, &text[start..]);
    }
    lines
}

fn push_line<'a>(lines: &mut Vec<Line<'a>>, raw: &'a str) {
    lines.push(Line {
        no: lines.len() + 1,
        text: clean_line(raw),
    });
}

/// Trims a line and makes every run of blanks one space; borrows when nothing changes.
pub(crate) fn clean_line(raw: &str) -> Cow<'_, str> {
    if !needs_cleaning(raw.as_bytes()) {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    for c in raw.chars() {
        if c.is_whitespace() {
            pending_space = true;
        } else if !is_invisible(c) {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Zero-width characters that carry nothing in a plan's text.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}' | '\u{2060}' | '\u{feff}')
}

/// Whether [`clean_line`] would change the line: a leading or trailing space, two spaces in a
/// row, or any other blank or invisible character. Must agree with `char::is_whitespace` and
/// [`is_invisible`] on every character it lets through.
fn needs_cleaning(b: &[u8]) -> bool {
    if b.first() == Some(&b' ') || b.last() == Some(&b' ') {
        return true;
    }
    let mut previous_space = false;
    for (i, &byte) in b.iter().enumerate() {
        let odd = match byte {
            b' ' => {
                if previous_space {
                    return true;
                }
                previous_space = true;
                continue;
            }
            b'\t' | b'\n' | 0x0B | 0x0C | b'\r' => true,
            // U+0085, U+00A0
            0xC2 => matches!(b.get(i + 1), Some(0x85 | 0xA0)),
            // U+1680
            0xE1 => b.get(i + 1) == Some(&0x9A) && b.get(i + 2) == Some(&0x80),
            // U+2000–U+200B, U+2028, U+2029, U+202F, U+205F, U+2060
            0xE2 => matches!(
                (b.get(i + 1), b.get(i + 2)),
                (Some(0x80), Some(0x80..=0x8B | 0xA8 | 0xA9 | 0xAF))
                    | (Some(0x81), Some(0x9F | 0xA0))
            ),
            // U+3000
            0xE3 => b.get(i + 1) == Some(&0x80) && b.get(i + 2) == Some(&0x80),
            // U+FEFF
            0xEF => b.get(i + 1) == Some(&0xBB) && b.get(i + 2) == Some(&0xBF),
            _ => false,
        };
        if odd {
            return true;
        }
        previous_space = false;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning_agrees_with_the_fast_check() {
        for c in (0..0x3100u32)
            .filter_map(char::from_u32)
            .chain(['\u{feff}'])
        {
            let line = format!("a{c}b");
            let cleaned = clean_line(&line);
            assert_eq!(
                needs_cleaning(line.as_bytes()),
                cleaned != line,
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn lines_split_on_every_kind_of_end() {
        let lines = split_lines("a\r\nb\rc\n\nd");
        let texts: Vec<_> = lines.iter().map(|l| (l.no, &*l.text)).collect();
        assert_eq!(texts, [(1, "a"), (2, "b"), (3, "c"), (4, ""), (5, "d")]);
        assert_eq!(line_of(b"a\r\nb\rc\nd", 7), 4);
    }
}
