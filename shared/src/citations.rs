//! Citations of legal documents in running text: "Quyết định số 449/QĐ-TTg ngày 12/3/2013 của
//! Thủ tướng Chính phủ", "Kết luận số 57-KL/TW", "Nghị quyết Trung ương 7 (khoá IX)".
//!
//! A citation is a kind name, an optional "số", a number (digits, then letters, joined by '/'
//! or '-'), an optional `ngày <date>` and an optional `của <issuer>`. A kind without a number
//! ("các Chỉ thị, Nghị quyết của Đảng") is a generic mention, not a citation. Written in lower
//! case ("theo quyết định số …"), the kind needs its "số".

use crate::dates::date_at;
use crate::document::{DocumentKind, Reference};
use crate::scan::{KIND_NAMES, KindName, is_alnum, is_letter, strip_any_prefix};

/// The longest document number, in bytes.
const MAX_NUMBER_BYTES: usize = 64;
/// The longest issuer, in words.
const MAX_ISSUER_WORDS: usize = 12;

/// Characters that end an issuer.
const ISSUER_END: &[char] = &[
    ';', ',', '(', ')', '.', ':', '!', '?', '"', '“', '”', '\n', '[', ']',
];

/// Lower-case words that start what follows an issuer ("… của Chính phủ về …").
const STOP_WORDS: &[&str] = &[
    "về", "v/v", "việc", "phê", "quy", "hướng", "triển", "thực", "tổ", "đã", "đến", "trong", "tại",
    "theo", "để", "nhằm", "với", "cho", "là", "thì", "được", "giao", "nay", "thay", "sửa", "bổ",
    "hủy", "huỷ", "bãi", "năm", "ngày", "số",
];

/// Appends the citations in `text` to `out`, in order.
pub(crate) fn extract(text: &str, out: &mut Vec<Reference>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if is_initial(bytes[i])
            && at_word_start(text, i)
            && let Some((reference, end)) = parse_at(text, i)
        {
            out.push(reference);
            i = end;
        } else {
            i += 1;
        }
    }
}

/// Whether a kind name may start with byte `b`: the first byte of the initials of
/// [`KIND_NAMES`] in either case ("Đ" and "đ" share their first byte, 0xC4). Always at a
/// character boundary.
fn is_initial(b: u8) -> bool {
    matches!(
        b.to_ascii_lowercase(),
        b'b' | b'c' | b'h' | b'k' | b'l' | b'n' | b'q' | b't' | b'v' | 0xC4
    )
}

fn at_word_start(text: &str, i: usize) -> bool {
    match i.checked_sub(1).map(|before| text.as_bytes()[before]) {
        None => true,
        Some(before) if before.is_ascii() => !before.is_ascii_alphanumeric(),
        Some(_) => !text[..i].chars().next_back().is_some_and(is_alnum),
    }
}

/// The kind name `s` starts with: its entry, its length, and whether it is capitalised.
fn kind_at(s: &str) -> Option<(&'static KindName, usize, bool)> {
    let b = s.as_bytes();
    KIND_NAMES.iter().find_map(|k| {
        let name = k.name.as_bytes();
        // The initial is an ASCII capital or "Đ" (0xC4 0x90; "đ" is 0xC4 0x91).
        let initial = if name[0].is_ascii() { 1 } else { 2 };
        // Compare the byte after the initial first: most words fail there.
        if b.len() < name.len() || b[initial] != name[initial] {
            return None;
        }
        let (capitalised, lower) = if initial == 1 {
            (b[0] == name[0], b[0] == name[0].to_ascii_lowercase())
        } else {
            (
                b[0] == name[0] && b[1] == name[1],
                b[0] == name[0] && b[1] == name[1] + 1,
            )
        };
        if !(capitalised || lower)
            || b[initial..name.len()] != name[initial..]
            || s[name.len()..].starts_with(is_alnum)
        {
            return None;
        }
        Some((k, name.len(), capitalised))
    })
}

/// A citation starting at byte `start` of `text`, and the byte where it ends.
fn parse_at(text: &str, start: usize) -> Option<(Reference, usize)> {
    let (kind_name, name_len, capitalised) = kind_at(&text[start..])?;
    let mut end = start + name_len;
    if let Some(rest) = text[end..].strip_prefix(" liên tịch") {
        end = text.len() - rest.len();
    }

    let mut named = false;
    if kind_name.kind == DocumentKind::Resolution
        && let Some(len) = named_resolution(&text[end..])
    {
        end += len;
        named = true;
    }

    if kind_name.kind == DocumentKind::Law
        && capitalised
        && !named
        && let Some(len) = named_law(&text[end..])
    {
        end += len;
        named = true;
    }

    let mut number = None;
    let mut said_number = false;
    if let Some(rest) = text[end..].strip_prefix(' ') {
        let after_so = strip_any_prefix(rest, &["số ", "Số ", "số: ", "Số: "]);
        said_number = after_so.is_some();
        let rest = after_so.unwrap_or(rest);
        if let Some(len) = number_token(rest) {
            let at = text.len() - rest.len();
            number = Some(text[at..at + len].to_owned());
            end = at + len;
        }
    }
    if (number.is_none() && !named) || (!capitalised && !said_number) {
        return None;
    }

    let mut date = None;
    if let Some(rest) = strip_any_prefix(&text[end..], &[" ngày ", ", ngày ", " Ngày "])
        && let Some((d, len)) = date_at(rest)
    {
        date = Some(d);
        end = text.len() - rest.len() + len;
    }

    let mut issuer = None;
    if let Some(rest) = text[end..].strip_prefix(" của ")
        && let Some(len) = issuer_len(rest)
    {
        issuer = Some(rest[..len].to_owned());
        end = text.len() - rest.len() + len;
    }

    let reference = Reference {
        kind: kind_name.kind,
        number,
        date,
        issuer,
        text: text[start..end].to_owned(),
    };
    Some((reference, end))
}

/// After "Nghị quyết": " Trung ương 7", " Hội nghị Trung ương lần thứ 7", with an optional
/// " (khoá IX)". Returns the bytes it takes.
fn named_resolution(s: &str) -> Option<usize> {
    let rest = s.strip_prefix(" Hội nghị").unwrap_or(s);
    let rest = strip_any_prefix(rest, &[" Trung ương", " Trung Ương", " TW"])?;
    let rest = rest.strip_prefix(" lần thứ").unwrap_or(rest);
    let rest = rest.strip_prefix(' ')?;
    let ordinal = rest
        .bytes()
        .take_while(|b| b.is_ascii_digit() || matches!(b, b'I' | b'V' | b'X'))
        .count();
    if ordinal == 0 || rest[ordinal..].starts_with(is_alnum) {
        return None;
    }
    let mut rest = &rest[ordinal..];
    if let Some(inner) = strip_any_prefix(rest, &[" (khoá ", " (khóa ", " (Khoá ", " (Khóa "]) {
        let term = inner
            .bytes()
            .take_while(|b| b.is_ascii_digit() || matches!(b, b'I' | b'V' | b'X' | b'L'))
            .count();
        if term > 0
            && let Some(after) = inner[term..].strip_prefix(')')
        {
            rest = after;
        }
    }
    Some(s.len() - rest.len())
}

/// Words that end a law's name ("Luật Đất đai về …", "Luật Ngân sách nhà nước và các văn bản").
const LAW_NAME_ENDS: &[&str] = &[
    "ngày", "số", "của", "đã", "được", "về", "theo", "để", "nhằm", "với", "cho", "tại", "trong",
    "đến", "là", "thì", "nay", "quy", "hướng",
];

/// The name of a law after "Luật" ("Ngân sách nhà nước năm 2015", "Tổ chức chính quyền địa
/// phương" before "ngày …"): a capitalised first word, then up to twelve words, ending before
/// punctuation, "ngày", "số", "của" or a lower-case word that starts a clause, and taking "năm
/// <year>" with it. Returns its length.
fn named_law(s: &str) -> Option<usize> {
    let rest = s.strip_prefix(' ')?;
    if !rest.starts_with(char::is_uppercase) || rest.starts_with("Luật") {
        return None;
    }
    let mut end = 0;
    for (k, word) in rest.split(' ').enumerate() {
        if k >= MAX_ISSUER_WORDS {
            break;
        }
        let bare = word.trim_end_matches(ISSUER_END);
        let next = rest[end..].split(' ').nth(if k == 0 { 1 } else { 2 });
        if bare.is_empty()
            || (k > 0 && LAW_NAME_ENDS.contains(&bare))
            || (bare == "và" && next.is_some_and(|n| matches!(n, "các" | "những")))
        {
            break;
        }
        if bare == "năm" {
            // "năm 2015" closes the name.
            let after = &rest[end + 1 + word.len()..];
            let year = after
                .strip_prefix(' ')
                .map(|a| a.bytes().take_while(u8::is_ascii_digit).count());
            if let Some(4) = year {
                end += 1 + word.len() + 1 + 4;
            }
            break;
        }
        if !bare.chars().all(|c| is_letter(c) || c == '-') {
            break;
        }
        end += if k == 0 { bare.len() } else { 1 + bare.len() };
        if bare.len() != word.len() {
            // Punctuation after the word ends the name.
            break;
        }
    }
    (end > 0).then_some(1 + end)
}

/// A document number at the start of `s` ("449/QĐ-TTg", "57-KL/TW", "05/2011/NĐ-CP"): digits
/// first, letters and digits joined by '/' or '-', at least one of each. Returns its length.
fn number_token(s: &str) -> Option<usize> {
    if !s.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let mut end = 0;
    let mut joined = false;
    let mut letter = false;
    for (i, c) in s.char_indices() {
        if i >= MAX_NUMBER_BYTES {
            return None;
        }
        if is_alnum(c) {
            letter |= is_letter(c);
            end = i + c.len_utf8();
        } else if c == '/' || c == '-' {
            joined |= end > 0 && s[i + 1..].starts_with(is_alnum);
        } else {
            break;
        }
    }
    (joined && letter).then_some(end)
}

/// The issuer at the start of `s` (after "của "): capitalised words up to a punctuation mark,
/// "về" or another word that starts what follows. Returns its length.
fn issuer_len(s: &str) -> Option<usize> {
    if !s.starts_with(char::is_uppercase) {
        return None;
    }
    let mut end = 0;
    let mut pos = 0;
    for words in 0..MAX_ISSUER_WORDS {
        let word_end = s[pos..].find(' ').map_or(s.len(), |i| pos + i);
        let word = &s[pos..word_end];
        if word.is_empty() || (words > 0 && is_stop_word(word, &s[word_end..])) {
            break;
        }
        if let Some(cut) = word.find(ISSUER_END) {
            if cut > 0 {
                end = pos + cut;
            }
            break;
        }
        end = word_end;
        if word_end >= s.len() {
            break;
        }
        pos = word_end + 1;
    }
    (end > 0).then_some(end)
}

fn is_stop_word(word: &str, after: &str) -> bool {
    let after = after.trim_start();
    let next = after.split(' ').next().unwrap_or("");
    match word {
        "ban" => next.starts_with("hành"),
        "và" | "hoặc" => {
            !next.starts_with(char::is_uppercase) || kind_at(after).is_some_and(|(_, _, cap)| cap)
        }
        _ => STOP_WORDS.contains(&word),
    }
}

/// The legal documents cited in `text` (title or body of a node), in order of appearance.
/// Used to keep a node's references true when its text is edited.
pub fn find_references(text: &str) -> Vec<Reference> {
    let mut out = Vec::new();
    extract(text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn refs(text: &str) -> Vec<Reference> {
        let mut out = Vec::new();
        extract(text, &mut out);
        out
    }

    #[test]
    fn every_kind_name_has_a_known_initial() {
        for k in KIND_NAMES {
            assert!(is_initial(k.name.as_bytes()[0]), "{}", k.name);
            assert!(kind_at(k.name).is_some_and(|(_, _, cap)| cap), "{}", k.name);
            let lower = k.name.to_lowercase();
            assert!(is_initial(lower.as_bytes()[0]), "{lower}");
            assert!(kind_at(&lower).is_some_and(|(_, _, cap)| !cap), "{lower}");
        }
    }

    #[test]
    fn full_citation() {
        let found =
            refs("- Quyết định số 449/QĐ-TTg ngày 12/3/2013 của Thủ tướng Chính phủ về phê duyệt");
        assert_eq!(
            found,
            [Reference {
                kind: DocumentKind::Decision,
                number: Some("449/QĐ-TTg".into()),
                date: NaiveDate::from_ymd_opt(2013, 3, 12),
                issuer: Some("Thủ tướng Chính phủ".into()),
                text: "Quyết định số 449/QĐ-TTg ngày 12/3/2013 của Thủ tướng Chính phủ".into(),
            }]
        );
    }

    #[test]
    fn partial_and_generic_citations() {
        let found = refs(
            "các Chỉ thị, Nghị quyết của Đảng; Quyết định số 755/QĐ-TTg, Quyết định 293/QĐ-TTg \
             của Thủ tướng Chính phủ...; theo quyết định số 12/QĐ-UBND; quyết định 13/QĐ-UBND",
        );
        let texts: Vec<_> = found.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Quyết định số 755/QĐ-TTg",
                "Quyết định 293/QĐ-TTg của Thủ tướng Chính phủ",
                "quyết định số 12/QĐ-UBND",
            ]
        );
    }

    #[test]
    fn named_laws() {
        let found = refs(
            "Căn cứ Luật Ngân sách nhà nước năm 2015; Luật Tổ chức chính quyền địa phương ngày 19 \
             tháng 6 năm 2015; Luật Hôn nhân và gia đình; theo quy định của Luật; Luật Bảo vệ và \
             phát triển rừng và các văn bản hướng dẫn.",
        );
        let texts: Vec<&str> = found.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Luật Ngân sách nhà nước năm 2015",
                "Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015",
                "Luật Hôn nhân và gia đình",
                "Luật Bảo vệ và phát triển rừng"
            ]
        );
        assert_eq!(found[1].date, NaiveDate::from_ymd_opt(2015, 6, 19));
    }

    #[test]
    fn named_resolution_and_issuers() {
        let found = refs(
            "Nghị quyết Trung ương 7 (khoá IX) về công tác dân tộc; Kết luận số 57-KL/TW ngày \
             03/11/2009 của Bộ Chính trị về công tác; Chỉ thị số 29-CT/TU ngày 25/4/2014 của Ban \
             Thường vụ Tỉnh ủy Lạng Sơn về thực hiện",
        );
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].text, "Nghị quyết Trung ương 7 (khoá IX)");
        assert_eq!(found[0].number, None);
        assert_eq!(found[1].issuer.as_deref(), Some("Bộ Chính trị"));
        assert_eq!(
            found[2].issuer.as_deref(),
            Some("Ban Thường vụ Tỉnh ủy Lạng Sơn")
        );
    }

    #[test]
    fn issuers_end_where_they_should() {
        assert_eq!(
            issuer_len("UBND tỉnh về triển khai"),
            Some("UBND tỉnh".len())
        );
        assert_eq!(
            issuer_len("Bộ Lao động - Thương binh và Xã hội về"),
            Some("Bộ Lao động - Thương binh và Xã hội".len())
        );
        assert_eq!(
            issuer_len("Thủ tướng Chính phủ và Quyết định"),
            Some("Thủ tướng Chính phủ".len())
        );
        assert_eq!(issuer_len("các Bộ, ngành"), None);
        assert_eq!(number_token("2011-2020 x"), None);
        assert_eq!(number_token("135 giai"), None);
        assert_eq!(
            number_token("05/2011/NĐ-CP ngày"),
            Some("05/2011/NĐ-CP".len())
        );
    }
}
