//! Words run together in web copies ("Triểnkhai", "chínhphủ"): a Vietnamese word is a syllable
//! (an initial consonant, a rhyme and at most one tone mark), so a written word that is no
//! syllable but splits one way only into two syllables lost the space between them.
//!
//! The syllables are not listed but built: 27 initials and 150 rhymes (toneless), about 4,000
//! forms before tones, in a few hundred bytes of tables. Only words with a Vietnamese letter or
//! mark are tried, so abbreviations ("UBND", "HĐND") and foreign words are left alone.

/// Initial consonants, longest first where one starts another.
const INITIALS: &[&str] = &[
    "ngh", "ch", "gh", "gi", "kh", "ng", "nh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g",
    "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
];

/// Rhymes without tone, sorted for binary search.
const RHYMES: &[&str] = &[
    "a", "ac", "ach", "ai", "am", "an", "ang", "anh", "ao", "ap", "at", "au", "ay", "e", "ec",
    "em", "en", "eng", "eo", "ep", "et", "i", "ia", "ich", "im", "in", "inh", "ip", "it", "iu",
    "iêc", "iêm", "iên", "iêng", "iêp", "iêt", "iêu", "o", "oa", "oac", "oach", "oai", "oam",
    "oan", "oang", "oanh", "oao", "oap", "oat", "oay", "oc", "oe", "oen", "oeo", "oet", "oi", "om",
    "on", "ong", "ooc", "oong", "op", "ot", "oăc", "oăm", "oăn", "oăng", "oăt", "u", "ua", "uc",
    "ui", "um", "un", "ung", "up", "ut", "uy", "uya", "uych", "uynh", "uyt", "uyu", "uyên", "uyêt",
    "uân", "uâng", "uât", "uây", "uê", "uêch", "uênh", "uôc", "uôi", "uôm", "uôn", "uông", "uôt",
    "uơ", "y", "yêm", "yên", "yêng", "yêt", "yêu", "âc", "âm", "ân", "âng", "âp", "ât", "âu", "ây",
    "ê", "êch", "êm", "ên", "êng", "ênh", "êp", "êt", "êu", "ô", "ôc", "ôi", "ôm", "ôn", "ông",
    "ôp", "ôt", "ăc", "ăm", "ăn", "ăng", "ăp", "ăt", "ơ", "ơi", "ơm", "ơn", "ơp", "ơt", "ư", "ưa",
    "ưc", "ưi", "ưm", "ưn", "ưng", "ưt", "ưu", "ươc", "ươi", "ươm", "ươn", "ương", "ươp", "ươt",
    "ươu",
];

/// Each vowel and its five toned forms (huyền, sắc, hỏi, ngã, nặng).
const TONED: &[(char, &str)] = &[
    ('a', "àáảãạ"),
    ('ă', "ằắẳẵặ"),
    ('â', "ầấẩẫậ"),
    ('e', "èéẻẽẹ"),
    ('ê', "ềếểễệ"),
    ('i', "ìíỉĩị"),
    ('o', "òóỏõọ"),
    ('ô', "ồốổỗộ"),
    ('ơ', "ờớởỡợ"),
    ('u', "ùúủũụ"),
    ('ư', "ừứửữự"),
    ('y', "ỳýỷỹỵ"),
];

/// The word in lower case without its tone, and how many tone marks it carried; `None` for a
/// character that is not a Vietnamese letter.
fn untoned(word: &str) -> Option<(String, usize)> {
    let mut out = String::with_capacity(word.len());
    let mut tones = 0;
    for c in word.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || matches!(c, 'ă' | 'â' | 'ê' | 'ô' | 'ơ' | 'ư' | 'đ') {
            out.push(c);
        } else if let Some((base, _)) = TONED.iter().find(|(_, forms)| forms.contains(c)) {
            out.push(*base);
            tones += 1;
        } else {
            return None;
        }
    }
    Some((out, tones))
}

/// Whether `word` (letters only) is one Vietnamese syllable.
pub(crate) fn is_syllable(word: &str) -> bool {
    let Some((bare, tones)) = untoned(word) else {
        return false;
    };
    tones <= 1
        && INITIALS.iter().any(|initial| {
            bare.strip_prefix(initial)
                .is_some_and(|rhyme| RHYMES.binary_search(&rhyme).is_ok())
                // "gì", "gìn": "gi" reads as "g" + "i…" too.
                || (*initial == "g" && bare.starts_with("gi") && RHYMES.binary_search(&&bare[1..]).is_ok())
        })
}

/// How many runs of vowels the word has: one in a syllable ("quyết", "giữa", "người"), two or
/// more in words run together. Checked first: it costs no allocation.
fn vowel_groups(word: &str) -> usize {
    let mut groups = 0;
    let mut in_vowels = false;
    for c in word.chars() {
        // Every letter Vietnamese writes beyond ASCII is a vowel, but "đ".
        let vowel = matches!(c.to_ascii_lowercase(), 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
            || (!c.is_ascii() && !matches!(c, 'đ' | 'Đ'));
        if vowel && !in_vowels {
            groups += 1;
        }
        in_vowels = vowel;
    }
    groups
}

/// Whether the word has a letter or mark only Vietnamese writes.
fn is_vietnamese(word: &str) -> bool {
    !word.is_ascii()
}

/// Where `word` splits into two syllables, if there is exactly one such place.
fn split_point(word: &str) -> Option<usize> {
    let mut found = None;
    for (at, _) in word.char_indices().skip(1) {
        if is_syllable(&word[..at]) && is_syllable(&word[at..]) {
            if found.is_some() {
                return None;
            }
            found = Some(at);
        }
    }
    found
}

/// `text` with the spaces put back between syllables run together, and each repair ("Triểnkhai",
/// "Triển khai"); `None` when nothing was run together.
pub(crate) fn respace(text: &str) -> Option<(String, Vec<(String, String)>)> {
    let mut out = String::new();
    let mut repairs = Vec::new();
    let mut from = 0;
    let mut word_start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if c.is_alphabetic() {
            word_start.get_or_insert(i);
            continue;
        }
        let Some(start) = word_start.take() else {
            continue;
        };
        let word = &text[start..i];
        let chars = word.chars().count();
        if (3..=14).contains(&chars)
            && vowel_groups(word) >= 2
            && is_vietnamese(word)
            && !is_syllable(word)
            && let Some(at) = split_point(word)
        {
            out.push_str(&text[from..start + at]);
            out.push(' ');
            from = start + at;
            repairs.push((word.to_owned(), format!("{} {}", &word[..at], &word[at..])));
        }
    }
    if repairs.is_empty() {
        return None;
    }
    out.push_str(&text[from..]);
    Some((out, repairs))
}

/// Repairs `text` in place and says so in a warning at `line`.
pub(crate) fn repair(text: &mut String, line: usize, warnings: &mut Vec<super::ImportWarning>) {
    if let Some((fixed, repairs)) = respace(text) {
        *text = fixed;
        let list: Vec<String> = repairs
            .iter()
            .map(|(before, after)| format!("“{before}” → “{after}”"))
            .collect();
        warnings.push(super::ImportWarning {
            line,
            kind: super::WarningKind::WordsSplit,
            message: format!("Đã tách chữ viết liền: {}", list.join(", ")),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rhymes_are_sorted() {
        assert!(RHYMES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn syllables() {
        for word in [
            "Triển", "khai", "chính", "phủ", "người", "nghiêng", "quyết", "giữa", "gì", "khuya",
            "huyện", "được", "Đồng", "xoong", "hoà", "khoẻ", "uống", "yếu", "ĐẢNG",
        ] {
            assert!(is_syllable(word), "{word}");
        }
        for word in [
            "Triểnkhai",
            "chínhphủ",
            "UBND",
            "HĐND",
            "kh",
            "bàá",
            "Internet",
        ] {
            assert!(!is_syllable(word), "{word}");
        }
    }

    #[test]
    fn run_together_words_are_split() {
        let (text, repairs) =
            respace("Triểnkhai kịp thời chỉ đạo của Chínhphủ, HĐND và UBND.").expect("repaired");
        assert_eq!(
            text,
            "Triển khai kịp thời chỉ đạo của Chính phủ, HĐND và UBND."
        );
        assert_eq!(
            repairs,
            [
                ("Triểnkhai".to_owned(), "Triển khai".to_owned()),
                ("Chínhphủ".to_owned(), "Chính phủ".to_owned())
            ]
        );
        assert_eq!(
            respace("ngườiđứng đầu").map(|r| r.0).as_deref(),
            Some("người đứng đầu")
        );
        // Already spaced, abbreviations, foreign words and plain ASCII stay as written.
        assert_eq!(
            respace("Kế hoạch số 52/KH-UBND của HĐND tỉnh, KH&ĐT, Internet, game"),
            None
        );
    }
}
