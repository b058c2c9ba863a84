//! Vietnamese text helpers: diacritic-insensitive search and dd/mm/yyyy dates.

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};

mod latin;

/// `c` as Unicode's canonical decomposition (NFD) writes it when it is a letter of the Latin
/// blocks (a base letter, then its marks: "ộ" is "o", U+0323, U+0302); any other character as
/// it is. Text typed either way (precomposed or with combining marks) then folds and sorts the
/// same. Other scripts are compared as written: the web app's main module does not carry
/// Unicode's whole normalisation tables for them (44 KB of its download with Brotli).
fn decomposed(c: char) -> impl Iterator<Item = char> {
    // (Below U+00C0 nothing decomposes: ASCII skips the search.)
    let parts = if c < '\u{c0}' {
        [Some(c), None, None]
    } else {
        match latin::LATIN.binary_search_by_key(&u32::from(c), |e| u32::from(e[0])) {
            Ok(i) => {
                let [_, base, first, second] = latin::LATIN[i];
                [base, first, second].map(|u| char::from_u32(u32::from(u)).filter(|&c| c != '\0'))
            }
            Err(_) => [Some(c), None, None],
        }
    };
    parts.into_iter().flatten()
}

/// Folds text for search: lower case, diacritics removed, "đ" read as "d".
/// `fold("Giáo dục ĐÀO TẠO") == "giao duc dao tao"`.
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(decomposed)
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

/// The Vietnamese alphabet's order (with f, j, w, z for foreign words).
const ALPHABET: &str = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz";

/// A key that sorts text in Vietnamese dictionary order: letters by the alphabet (a ă â b c d
/// đ e ê …), case ignored; words that differ only by tone follow the tones' order (none,
/// huyền, hỏi, ngã, sắc, nặng). "Ban" < "Bộ" < "Công" < "Cục" < "Đài" < "Ủy".
pub fn collation_key(text: &str) -> (Vec<u32>, Vec<u8>) {
    let rank = |c: char| {
        ALPHABET
            .chars()
            .position(|a| a == c)
            .map(|i| 0x100 + i as u32)
    };
    let mut letters: Vec<u32> = Vec::with_capacity(text.len());
    let mut tones: Vec<u8> = Vec::with_capacity(text.len());
    for c in text
        .chars()
        .flat_map(decomposed)
        .flat_map(char::to_lowercase)
    {
        let last = letters.last().copied();
        let modified = |base: char, with: char| (last == rank(base)).then(|| rank(with)).flatten();
        let letter_mark = match c {
            '\u{306}' => modified('a', 'ă'),
            '\u{302}' => modified('a', 'â')
                .or_else(|| modified('e', 'ê'))
                .or_else(|| modified('o', 'ô')),
            '\u{31b}' => modified('o', 'ơ').or_else(|| modified('u', 'ư')),
            _ => None,
        };
        if let Some(r) = letter_mark {
            if let Some(l) = letters.last_mut() {
                *l = r;
            }
            continue;
        }
        let tone = match c {
            '\u{300}' => Some(1),
            '\u{309}' => Some(2),
            '\u{303}' => Some(3),
            '\u{301}' => Some(4),
            '\u{323}' => Some(5),
            _ => None,
        };
        if let Some(t) = tone {
            if let Some(l) = tones.last_mut() {
                *l = t;
            }
            continue;
        }
        if ('\u{300}'..='\u{36f}').contains(&c) {
            continue;
        }
        letters.push(match c {
            ' ' => 0,
            c => rank(c).unwrap_or(if c.is_ascii_digit() {
                0x80 + c as u32
            } else {
                0x1000 + c as u32
            }),
        });
        tones.push(0);
    }
    (letters, tones)
}

/// A search query, folded once and matched against many texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    words: Vec<String>,
}

impl Query {
    /// Splits the query into folded words.
    pub fn new(query: &str) -> Self {
        Self {
            words: fold(query).split_whitespace().map(str::to_owned).collect(),
        }
    }

    /// True when the query has no words (it matches everything).
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// True when every word of the query occurs in the already folded text.
    pub fn matches_folded(&self, folded: &str) -> bool {
        self.words.iter().all(|w| folded.contains(w.as_str()))
    }

    /// How well the already folded text matches, for ordering results: 2 when every word of
    /// the query starts a word of the text ("y te" in "so y te"), 1 when every word occurs
    /// somewhere ("y te" in "kinh te" via "ly"), 0 when not.
    pub fn rank_folded(&self, folded: &str) -> u8 {
        if !self.matches_folded(folded) {
            return 0;
        }
        let words: Vec<&str> = folded
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let starts = self
            .words
            .iter()
            .all(|q| words.iter().any(|w| w.starts_with(q.as_str())));
        if starts { 2 } else { 1 }
    }

    /// True when every word of the query occurs in `text`, ignoring case and diacritics.
    pub fn matches(&self, text: &str) -> bool {
        self.is_empty() || self.matches_folded(&fold(text))
    }
}

/// Formats a date the Vietnamese way: `05/06/2014`.
pub fn format_date(date: NaiveDate) -> String {
    format!("{:02}/{:02}/{:04}", date.day(), date.month(), date.year())
}

/// A time of day as hh:mm ("08:30").
pub fn format_time(time: NaiveTime) -> String {
    format!("{:02}:{:02}", time.hour(), time.minute())
}

/// A number written with 1 to `most` ASCII digits (no sign, no spaces).
fn digits(text: &str, most: usize) -> Option<u32> {
    (!text.is_empty() && text.len() <= most && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// Parses a time of day typed as h:mm or hh:mm (the way a time field gives it).
pub fn parse_time(text: &str) -> Option<NaiveTime> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m) = (h.trim(), m.trim());
    NaiveTime::from_hms_opt(digits(h, 2)?, digits(m, 2)?, 0)
}

/// Parses `d/m/yyyy` (also with `-` or `.` as separators, and ISO `yyyy-mm-dd`). Written out
/// rather than through chrono's format strings, whose interpreter the web app would carry.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    let mut parts = t.split(['/', '-', '.']).map(str::trim);
    let (first, second, third) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let iso = first.len() == 4 && t.split('-').count() == 3;
    let (d, m, y) = if iso {
        (third, second, first)
    } else {
        (first, second, third)
    };
    if y.len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(
        i32::try_from(digits(y, 4)?).ok()?,
        digits(m, 2)?,
        digits(d, 2)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    #[test]
    fn latin_letters_decompose_as_unicode_says() {
        // Sorted, so that the search finds every entry.
        assert!(latin::LATIN.windows(2).all(|w| w[0][0] < w[1][0]));
        for range in [
            '\u{a0}'..='\u{24f}',
            '\u{1e00}'..='\u{1eff}',
            '\u{300}'..='\u{36f}',
        ] {
            for c in range {
                let ours: String = decomposed(c).collect();
                assert_eq!(ours, c.nfd().collect::<String>(), "U+{:04X}", u32::from(c));
            }
        }
        // Any other character is left as it is.
        assert_eq!(decomposed('ω').collect::<String>(), "ω");
        assert_eq!(decomposed('\0').collect::<String>(), "\0");
    }

    #[test]
    fn text_typed_precomposed_or_with_marks_folds_and_sorts_alike() {
        let precomposed = "Ủy ban nhân dân huyện Lộc Bình";
        let marks: String = precomposed.nfd().collect();
        assert_ne!(precomposed, marks);
        assert_eq!(fold(precomposed), fold(&marks));
        assert_eq!(fold(&marks), "uy ban nhan dan huyen loc binh");
        assert_eq!(collation_key(precomposed), collation_key(&marks));
        // A tone typed before the vowel's own mark (as some keyboards send them).
        assert_eq!(collation_key("ộ"), collation_key("o\u{323}\u{302}"));
        assert_eq!(collation_key("ộ"), collation_key("o\u{302}\u{323}"));
    }

    #[test]
    fn folding_ignores_case_and_diacritics() {
        assert_eq!(fold("Giáo dục, ĐÀO TẠO"), "giao duc, dao tao");
        assert_eq!(fold("Uỷ ban Dân tộc"), "uy ban dan toc");
        assert_eq!(fold("Ủy ban"), fold("Uỷ ban"));
    }

    #[test]
    fn queries_match_words_in_any_order() {
        let q = Query::new("giao duc");
        assert!(q.matches("4. Phát triển giáo dục, đào tạo"));
        assert!(!q.matches("Phát triển y tế"));
        assert!(Query::new("dao tao giao").matches("giáo dục, đào tạo"));
        assert!(Query::new("  ").matches("anything"));
        assert!(Query::new("Dân Tộc").matches("công tác dân tộc"));
    }

    #[test]
    fn word_starts_rank_above_inner_matches() {
        let q = Query::new("y te");
        assert_eq!(q.rank_folded(&fold("Sở Y tế")), 2);
        assert_eq!(q.rank_folded(&fold("Ban Quản lý Khu kinh tế")), 1);
        assert_eq!(q.rank_folded(&fold("Sở Tài chính")), 0);
        assert_eq!(
            Query::new("tai chinh").rank_folded(&fold("Sở Tài chính (STC)")),
            2
        );
    }

    #[test]
    fn sorting_follows_the_vietnamese_alphabet_then_tones() {
        let mut names = vec![
            "Ủy ban Mặt trận Tổ quốc",
            "Đài Phát thanh và Truyền hình",
            "Cục Thống kê",
            "Sở Y tế",
            "Công an tỉnh",
            "Bộ Chỉ huy Quân sự",
            "Ban Dân tộc tỉnh",
            "Sở Tài chính",
            "Sở Xây dựng",
            "Sở Tư pháp",
            "Dân",
        ];
        names.sort_by_key(|n| collation_key(n));
        assert_eq!(
            names,
            [
                "Ban Dân tộc tỉnh",
                "Bộ Chỉ huy Quân sự",
                "Công an tỉnh",
                "Cục Thống kê",
                "Dân",
                "Đài Phát thanh và Truyền hình",
                "Sở Tài chính",
                "Sở Tư pháp",
                "Sở Xây dựng",
                "Sở Y tế",
                "Ủy ban Mặt trận Tổ quốc",
            ]
        );
        // Tones only break ties, in their order.
        let mut t = vec!["ma", "mạ", "má", "mã", "mả", "mà"];
        t.sort_by_key(|n| collation_key(n));
        assert_eq!(t, ["ma", "mà", "mả", "mã", "má", "mạ"]);
        assert!(collation_key("a") < collation_key("ă"));
        assert!(collation_key("o") < collation_key("ô") && collation_key("ô") < collation_key("ơ"));
    }

    #[test]
    fn dates_read_and_write_dd_mm_yyyy() {
        let d = NaiveDate::from_ymd_opt(2014, 6, 5);
        assert_eq!(d.map(format_date).as_deref(), Some("05/06/2014"));
        assert_eq!(parse_date("5/6/2014"), d);
        assert_eq!(parse_date(" 05-06-2014 "), d);
        assert_eq!(parse_date("2014-06-05"), d);
        assert_eq!(parse_date("2014-6-5"), d);
        for bad in [
            "",
            "31/2/2014",
            "5/6/14",
            "5/6",
            "a/b/cccc",
            "1/1/2014/1",
            "2014/06/05",
            "+5/6/2014",
            "2014-06-05x",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        let t = NaiveTime::from_hms_opt(8, 5, 59).map(format_time);
        assert_eq!(t.as_deref(), Some("08:05"));
        let t = NaiveTime::from_hms_opt(8, 5, 0);
        assert_eq!(parse_time("08:05"), t);
        assert_eq!(parse_time(" 8:05 "), t);
        assert_eq!(parse_time("8 : 05"), t);
        for bad in [
            "", "8", "8:", "24:00", "12:60", "a:bc", "8:05:00", "-1:05", "008:05",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }
}
