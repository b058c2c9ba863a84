//! Character-level helpers for reading Vietnamese administrative text (the importer, dates,
//! citations): document kind names, capitalised lines, separators.

use crate::document::DocumentKind;

/// A kind of document as named in running text ("Quyết định") and in a heading ("QUYẾT ĐỊNH").
pub(crate) struct KindName {
    pub name: &'static str,
    pub caps: &'static str,
    pub kind: DocumentKind,
}

const fn kind_name(name: &'static str, caps: &'static str, kind: DocumentKind) -> KindName {
    KindName { name, caps, kind }
}

/// The kinds of documents, longest name first where one name starts another.
pub(crate) const KIND_NAMES: &[KindName] = &[
    kind_name("Luật", "LUẬT", DocumentKind::Law),
    kind_name("Nghị quyết", "NGHỊ QUYẾT", DocumentKind::Resolution),
    kind_name("Nghị định", "NGHỊ ĐỊNH", DocumentKind::Decree),
    kind_name("Quyết định", "QUYẾT ĐỊNH", DocumentKind::Decision),
    kind_name("Chỉ thị", "CHỈ THỊ", DocumentKind::Directive),
    kind_name("Thông tư", "THÔNG TƯ", DocumentKind::Circular),
    kind_name("Kế hoạch", "KẾ HOẠCH", DocumentKind::Plan),
    kind_name("Công văn", "CÔNG VĂN", DocumentKind::OfficialLetter),
    kind_name("Văn bản", "VĂN BẢN", DocumentKind::OfficialLetter),
    kind_name("Kết luận", "KẾT LUẬN", DocumentKind::Conclusion),
    kind_name("Thông báo", "THÔNG BÁO", DocumentKind::Other),
    kind_name("Hướng dẫn", "HƯỚNG DẪN", DocumentKind::Other),
    kind_name("Báo cáo", "BÁO CÁO", DocumentKind::Other),
    kind_name("Chương trình", "CHƯƠNG TRÌNH", DocumentKind::Other),
    kind_name("Tờ trình", "TỜ TRÌNH", DocumentKind::Other),
    kind_name("Đề án", "ĐỀ ÁN", DocumentKind::Other),
];

/// The kind named by `value` ("Kế hoạch", "kế hoạch", "KẾ HOẠCH"), as in "Loại văn bản".
pub(crate) fn kind_from_name(value: &str) -> Option<DocumentKind> {
    let value = value.trim().trim_end_matches([':', '.']);
    KIND_NAMES
        .iter()
        .find(|k| {
            value == k.name || value == k.caps || value.to_lowercase() == k.name.to_lowercase()
        })
        .map(|k| k.kind)
}

/// A heading line naming a kind: "KẾ HOẠCH", or "KẾ HOẠCH TRIỂN KHAI …" where the trích yếu
/// follows on the same line. Returns the kind and the rest of the line.
pub(crate) fn kind_heading(line: &str) -> Option<(DocumentKind, &str)> {
    KIND_NAMES.iter().find_map(|k| {
        let rest = line.strip_prefix(k.caps)?;
        let rest = rest.strip_prefix(':').unwrap_or(rest);
        if rest.is_empty() {
            Some((k.kind, rest))
        } else {
            rest.strip_prefix(' ').map(|rest| (k.kind, rest))
        }
    })
}

/// `char::is_alphabetic`, quick for the Latin letters Vietnamese is written in.
pub(crate) fn is_letter(c: char) -> bool {
    match u32::from(c) {
        0..=0x7F => c.is_ascii_alphabetic(),
        0xC0..=0xFF => c != '×' && c != '÷',
        0x100..=0x24F | 0x1E00..=0x1EFF => true,
        _ => c.is_alphabetic(),
    }
}

/// `char::is_alphanumeric`, quick for the Latin letters Vietnamese is written in.
pub(crate) fn is_alnum(c: char) -> bool {
    c.is_ascii_digit() || is_letter(c) || (!c.is_ascii() && c.is_numeric())
}

/// Appends `c` in lower case, quickly for the letters of Vietnamese.
pub(crate) fn push_lower(out: &mut String, c: char) {
    let code = u32::from(c);
    let lower = match code {
        0x41..=0x5A => code | 0x20,
        0..=0x7F | 0xDF..=0xFF => code,
        0xC0..=0xDE if code != 0xD7 => code + 0x20,
        // Ă Đ Ĩ Ũ Ơ and their lower case
        0x102 | 0x110 | 0x128 | 0x168 | 0x1A0 => code + 1,
        0x103 | 0x111 | 0x129 | 0x169 | 0x1A1 | 0x1B0 => code,
        // Ư
        0x1AF => 0x1B0,
        // Ạ ạ … Ỹ ỹ
        0x1EA0..=0x1EF9 => code | 1,
        _ => {
            out.extend(c.to_lowercase());
            return;
        }
    };
    out.push(char::from_u32(lower).unwrap_or(c));
}

/// A line written in capitals: at least two letters, none lowercase.
pub(crate) fn is_caps(s: &str) -> bool {
    let mut capitals = 0;
    for c in s.chars() {
        if c.is_lowercase() {
            return false;
        }
        if c.is_uppercase() {
            capitals += 1;
        }
    }
    capitals >= 2
}

/// A rule under the header: "--------", "_____", "***", "-------- ---------------".
pub(crate) fn is_separator(s: &str) -> bool {
    let mut marks = 0;
    for c in s.chars() {
        match c {
            '-' | '–' | '—' | '_' | '=' | '*' | '~' => marks += 1,
            ' ' => {}
            _ => return false,
        }
    }
    marks >= 3
}

/// The marker a website leaves where it cut the text: "[...]", "[…]".
pub(crate) fn is_elision(s: &str) -> bool {
    matches!(s, "[...]" | "[…]" | "(...)" | "(…)" | "..." | "…")
}

/// `s` without the first of `prefixes` it starts with.
pub(crate) fn strip_any_prefix<'a>(s: &'a str, prefixes: &[&str]) -> Option<&'a str> {
    prefixes.iter().find_map(|p| s.strip_prefix(p))
}

/// Cuts `s` to at most `max` characters, at a space when there is one in the last fifth.
pub(crate) fn cut_chars(s: &str, max: usize) -> (&str, &str) {
    let Some((limit, _)) = s.char_indices().nth(max) else {
        return (s, "");
    };
    let head = &s[..limit];
    let cut = match head.rfind(' ') {
        Some(space) if space > 0 && head[..space].chars().count() >= max * 4 / 5 => space,
        _ => limit,
    };
    (s[..cut].trim_end(), s[cut..].trim_start())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_lines() {
        assert!(is_caps("UỶ BAN NHÂN DÂN"));
        assert!(is_caps("TỈNH LẠNG SƠN"));
        assert!(!is_caps("Lạng Sơn"));
        assert!(!is_caps("I."));
    }

    #[test]
    fn kind_headings() {
        assert_eq!(kind_heading("KẾ HOẠCH"), Some((DocumentKind::Plan, "")));
        assert_eq!(
            kind_heading("QUYẾT ĐỊNH VỀ VIỆC"),
            Some((DocumentKind::Decision, "VỀ VIỆC"))
        );
        assert_eq!(kind_heading("KẾ HOẠCHX"), None);
        assert_eq!(kind_from_name("Kế hoạch"), Some(DocumentKind::Plan));
    }

    #[test]
    fn quick_letters_agree_with_std() {
        for c in (0..0x2000u32).filter_map(char::from_u32) {
            assert_eq!(is_letter(c), c.is_alphabetic(), "U+{:04X}", u32::from(c));
            assert_eq!(is_alnum(c), c.is_alphanumeric(), "U+{:04X}", u32::from(c));
            let mut lower = String::new();
            push_lower(&mut lower, c);
            assert_eq!(
                lower,
                c.to_lowercase().collect::<String>(),
                "U+{:04X}",
                u32::from(c)
            );
        }
    }

    #[test]
    fn cutting() {
        assert_eq!(cut_chars("abc", 5), ("abc", ""));
        assert_eq!(cut_chars("aaaa bbbb", 6), ("aaaa", "bbbb"));
        assert_eq!(cut_chars("aaaaaaaaaa", 4), ("aaaa", "aaaaaa"));
    }
}
