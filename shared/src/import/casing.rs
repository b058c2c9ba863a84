//! Sentence case for lines written in capitals (the trích yếu, the issuer), with proper nouns
//! given their capital back.
//!
//! Whether a word is a proper noun is learnt from the rest of the text: every line not written
//! in capitals is read, and for each word of the capitalised lines the importer counts how often
//! it is written in lower case, with a capital, or all in capitals (an acronym), leaving out
//! sentence starts. The word takes the form most often seen after the same preceding word
//! ("Thủ tướng Chính phủ", but "địa bàn tỉnh" and "Ban Thường vụ Tỉnh ủy"), else its most
//! frequent form anywhere, else lower case. The two spellings of a tone on "oa", "oe", "uy"
//! ("Uỷ"/"Ủy", "hoà"/"hòa") count as one word, but the capitalised line keeps its own.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::marker::roman_value;
use crate::scan::{is_alnum, is_caps, is_letter, push_lower};

/// How a word is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Lower = 0,
    Capital = 1,
    Upper = 2,
}

type Counts = [u32; 3];

/// FNV-1a: the keys are short words, hashed once per word of the text.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// The two placements of a tone mark on "oa", "oe" and "uy".
const TONE_PLACEMENTS: &[(&str, &str)] = &[
    ("oà", "òa"),
    ("oá", "óa"),
    ("oả", "ỏa"),
    ("oã", "õa"),
    ("oạ", "ọa"),
    ("oè", "òe"),
    ("oé", "óe"),
    ("oẻ", "ỏe"),
    ("oẽ", "õe"),
    ("oẹ", "ọe"),
    ("uỳ", "ùy"),
    ("uý", "úy"),
    ("uỷ", "ủy"),
    ("uỹ", "ũy"),
    ("uỵ", "ụy"),
];

/// Words after which a Roman numeral is a number ("KHOÁ IX", "GIAI ĐOẠN III").
const BEFORE_ROMAN: &[&str] = &[
    "khoá", "khóa", "đoạn", "phần", "mục", "chương", "thứ", "vùng", "kỳ", "kì", "hội",
];

/// The statistics for the words of some capitalised lines.
pub(crate) struct Casing {
    /// Lower-case word (in each tone placement) to its id.
    ids: FnvMap<String, u32>,
    /// Forms seen for each word.
    words: Vec<Counts>,
    /// Forms seen for a word after a given word, for the pairs adjacent in the capitalised lines.
    pairs: FnvMap<(u32, u32), Counts>,
    /// Shortest and longest key, in bytes, to skip most words without hashing.
    key_lengths: (usize, usize),
    buffer: String,
}

/// A run of non-blank characters split into its leading punctuation, core and trailing
/// punctuation: "(UBND)" is "(", "UBND", ")".
struct Chunk<'a> {
    lead: &'a str,
    core: &'a str,
    trail: &'a str,
}

impl Chunk<'_> {
    /// A word made of letters only (not "2020", "52/KH-UBND", "v.v").
    fn is_word(&self) -> bool {
        !self.core.is_empty() && self.core.chars().all(is_letter)
    }
}

fn chunk(s: &str) -> Chunk<'_> {
    let core_start = s.find(is_alnum).unwrap_or(s.len());
    let core_end = s.rfind(is_alnum).map_or(core_start, |i| {
        i + s[i..].chars().next().map_or(0, char::len_utf8)
    });
    let core_end = core_end.max(core_start);
    Chunk {
        lead: &s[..core_start],
        core: &s[core_start..core_end],
        trail: &s[core_end..],
    }
}

fn chunks(line: &str) -> impl Iterator<Item = Chunk<'_>> {
    line.split(' ').filter(|c| !c.is_empty()).map(chunk)
}

fn form_of(word: &str) -> Option<Form> {
    let mut chars = word.chars();
    let first = chars.next()?;
    let (mut upper, mut lower) = (false, false);
    for c in chars {
        upper |= c.is_uppercase();
        lower |= c.is_lowercase();
    }
    match (first.is_uppercase(), first.is_lowercase(), upper, lower) {
        (false, true, false, _) => Some(Form::Lower),
        (true, false, false, _) => Some(Form::Capital),
        (true, false, true, false) => Some(Form::Upper),
        _ => None,
    }
}

fn lower_into(word: &str, buffer: &mut String) {
    buffer.clear();
    for c in word.chars() {
        push_lower(buffer, c);
    }
}

impl Casing {
    /// Prepares to case `lines` (each written in capitals; empty ones are ignored).
    pub(crate) fn new(lines: &[&str]) -> Self {
        let mut casing = Self {
            ids: FnvMap::default(),
            words: Vec::new(),
            pairs: FnvMap::default(),
            key_lengths: (usize::MAX, 0),
            buffer: String::new(),
        };
        for line in lines {
            let mut previous = None;
            for chunk in chunks(line) {
                if !chunk.lead.is_empty() {
                    previous = None;
                }
                let id = chunk.is_word().then(|| casing.intern(chunk.core));
                if let (Some(p), Some(id)) = (previous, id) {
                    casing.pairs.insert((p, id), [0; 3]);
                }
                previous = if chunk.trail.is_empty() { id } else { None };
            }
        }
        casing
    }

    fn intern(&mut self, word: &str) -> u32 {
        lower_into(word, &mut self.buffer);
        if let Some(&id) = self.ids.get(self.buffer.as_str()) {
            return id;
        }
        let id = u32::try_from(self.words.len()).unwrap_or(u32::MAX);
        self.words.push([0; 3]);
        let key = self.buffer.clone();
        for &(a, b) in TONE_PLACEMENTS {
            for (from, to) in [(a, b), (b, a)] {
                if key.contains(from) {
                    self.add_key(key.replace(from, to), id);
                }
            }
        }
        self.add_key(key, id);
        id
    }

    fn add_key(&mut self, key: String, id: u32) {
        self.key_lengths = (
            self.key_lengths.0.min(key.len()),
            self.key_lengths.1.max(key.len()),
        );
        self.ids.entry(key).or_insert(id);
    }

    fn id_of(&mut self, word: &str) -> Option<u32> {
        // Upper and lower case of Vietnamese letters take the same number of bytes.
        if word.len() < self.key_lengths.0 || word.len() > self.key_lengths.1 {
            return None;
        }
        lower_into(word, &mut self.buffer);
        self.ids.get(self.buffer.as_str()).copied()
    }

    /// Whether there is anything to case.
    pub(crate) fn is_needed(&self) -> bool {
        !self.words.is_empty()
    }

    /// Counts the forms of the words of `line`, unless it is written in capitals.
    pub(crate) fn observe(&mut self, line: &str) {
        if !self.is_needed() || is_caps(line) {
            return;
        }
        let mut previous = None;
        let mut sentence_start = true;
        for chunk in chunks(line) {
            if !chunk.lead.is_empty() {
                previous = None;
            }
            let mut id = None;
            if chunk.is_word() {
                id = self.id_of(chunk.core);
                if let (Some(id), false) = (id, sentence_start)
                    && let Some(form) = form_of(chunk.core)
                {
                    self.words[id as usize][form as usize] += 1;
                    if let Some(pair) = previous.and_then(|p| self.pairs.get_mut(&(p, id))) {
                        pair[form as usize] += 1;
                    }
                }
            }
            if !chunk.core.is_empty() {
                sentence_start = false;
            }
            previous = id;
            if !chunk.trail.is_empty() {
                previous = None;
                sentence_start |= chunk.trail.contains(['.', '!', '?', ':']);
            }
        }
    }

    /// Takes the forms of `words` as settled (a place name from "Lạng Sơn, ngày …", a fixed
    /// phrase such as "Ủy ban nhân dân"): they outweigh anything [`Casing::observe`] counts.
    ///
    /// With `words_too` false only the pairs count ("nhân dân" after "nhân"), not the words
    /// alone ("Ban Dân tộc" keeps its capital).
    pub(crate) fn insist(&mut self, words: &str, words_too: bool) {
        const WEIGHT: u32 = 1_000_000;
        if !self.is_needed() {
            return;
        }
        let mut previous = None;
        for chunk in chunks(words) {
            let id = if chunk.is_word() {
                self.id_of(chunk.core)
            } else {
                None
            };
            if let (Some(id), Some(form)) = (id, form_of(chunk.core)) {
                if words_too {
                    self.words[id as usize][form as usize] += WEIGHT;
                }
                if let Some(pair) = previous.and_then(|p| self.pairs.get_mut(&(p, id))) {
                    pair[form as usize] += WEIGHT;
                }
            }
            previous = id;
        }
    }

    /// The form the evidence favours (ties go to lower case), if there is any evidence.
    fn evidence(&self, previous: Option<u32>, id: Option<u32>) -> Option<Form> {
        let best = |counts: &Counts| {
            if counts.iter().all(|&n| n == 0) {
                return None;
            }
            [Form::Lower, Form::Capital, Form::Upper]
                .into_iter()
                .rev()
                .max_by_key(|&f| counts[f as usize])
        };
        let id = id?;
        previous
            .and_then(|p| self.pairs.get(&(p, id)))
            .and_then(best)
            .or_else(|| best(&self.words[id as usize]))
    }

    /// `caps` (one of the lines given to [`Casing::new`]) in sentence case.
    pub(crate) fn sentence_case(&self, caps: &str) -> String {
        let mut out = String::with_capacity(caps.len());
        let mut previous: Option<u32> = None;
        let mut previous_word = String::new();
        let mut first = true;
        let mut buffer = String::new();
        for (n, chunk) in chunks(caps).enumerate() {
            if n > 0 {
                out.push(' ');
            }
            out.push_str(chunk.lead);
            if !chunk.lead.is_empty() {
                previous = None;
            }
            if chunk.is_word() {
                lower_into(chunk.core, &mut buffer);
                let id = self.ids.get(buffer.as_str()).copied();
                let evidence = self.evidence(previous, id);
                let form = match evidence {
                    Some(Form::Upper) => Form::Upper,
                    // "UBND", "HĐND": no Vietnamese syllable, so no word to lower.
                    None if is_abbreviation(chunk.core) => Form::Upper,
                    _ if first => Form::Capital,
                    Some(form) => form,
                    None if roman_value(chunk.core).is_some()
                        && BEFORE_ROMAN.contains(&previous_word.as_str()) =>
                    {
                        Form::Upper
                    }
                    None => Form::Lower,
                };
                push_in_form(&mut out, chunk.core, form);
                std::mem::swap(&mut previous_word, &mut buffer);
                previous = id;
            } else {
                out.push_str(chunk.core);
                previous = None;
                previous_word.clear();
            }
            if !chunk.core.is_empty() {
                first = false;
            }
            out.push_str(chunk.trail);
            if !chunk.trail.is_empty() {
                previous = None;
            }
        }
        out
    }
}

/// Two letters or more and no Vietnamese syllable: an abbreviation ("UBND", "HĐND", "KT").
fn is_abbreviation(word: &str) -> bool {
    word.chars().count() >= 2
        && word.chars().all(char::is_alphabetic)
        && !super::syllables::is_syllable(word)
}

/// An issuer in sentence case ends with its place, a proper noun: "Ủy ban nhân dân tỉnh lạng
/// sơn" becomes "… tỉnh Lạng Sơn" (the words after the last "tỉnh", "huyện", "thành phố").
pub(crate) fn place_capitalised(issuer: &str) -> String {
    let words: Vec<&str> = issuer.split(' ').collect();
    let after = words
        .iter()
        .enumerate()
        .rev()
        .find(|(i, w)| {
            matches!(**w, "tỉnh" | "huyện") || (**w == "phố" && *i > 0 && words[i - 1] == "thành")
        })
        .map(|(i, _)| i + 1);
    let Some(after) = after.filter(|a| *a < words.len()) else {
        return issuer.to_owned();
    };
    let mut out = words[..after].join(" ");
    for word in &words[after..] {
        out.push(' ');
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

fn push_in_form(out: &mut String, word: &str, form: Form) {
    let mut chars = word.chars();
    match form {
        Form::Upper => out.extend(word.chars().flat_map(char::to_uppercase)),
        Form::Capital => {
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.extend(chars.flat_map(char::to_lowercase));
            }
        }
        Form::Lower => out.extend(chars.flat_map(char::to_lowercase)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(caps: &str, sources: &[&str]) -> String {
        let mut casing = Casing::new(&[caps]);
        for source in sources {
            casing.observe(source);
        }
        casing.sentence_case(caps)
    }

    #[test]
    fn proper_nouns_come_back() {
        assert_eq!(
            case(
                "UỶ BAN NHÂN DÂN TỈNH LẠNG SƠN",
                &[
                    "của Ủy ban Dân tộc về việc, Uỷ ban nhân dân (UBND) tỉnh Lạng Sơn",
                    "Ban Thường vụ Tỉnh ủy và các Sở, Ban, ngành, Ban Thường vụ",
                    "trên địa bàn tỉnh, trên địa bàn tỉnh.",
                ]
            ),
            "Uỷ ban nhân dân tỉnh Lạng Sơn"
        );
    }

    #[test]
    fn acronyms_and_numerals_stay() {
        assert_eq!(
            case(
                "KẾ HOẠCH CỦA UBND TỈNH GIAI ĐOẠN III (2016-2020)",
                &["Theo đề nghị của UBND tỉnh"]
            ),
            "Kế hoạch của UBND tỉnh giai đoạn III (2016-2020)"
        );
    }

    #[test]
    fn sentence_starts_do_not_count() {
        assert_eq!(case("THỰC HIỆN", &["Thực hiện. Thực hiện"]), "Thực hiện");
        assert_eq!(case("VỀ VIỆC", &["Về việc"]), "Về việc");
    }
}
