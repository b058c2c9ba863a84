//! Finding the registry's agencies in a document's text.
//!
//! Matching works on folded words (lower case, no diacritics, "&" read as "và", dashes and
//! commas ignored), so spelling variants ("Văn hoá" / "Văn hóa", "Uỷ" / "Ủy") match. Three kinds
//! of names are recognised:
//! - the registry's names, with and without the final "tỉnh";
//! - abbreviations after "Sở" ("Sở KH&ĐT", "Sở LĐ-TB&XH", "Sở Nông nghiệp & PTNT"), read as
//!   the initials of the name's words;
//! - the usual short names of a few bodies ([`KNOWN_ALIASES`]: "Bộ CHQS tỉnh", "UBND các huyện,
//!   thành phố", "Ủy ban MTTQ Việt Nam tỉnh", …).
//!
//! Some names that look like an agency's are someone else's ("Ủy ban Dân tộc" is the national
//! committee, not "Ban Dân tộc" of the province); [`NOT_AGENCIES`] keeps them from matching.

use std::collections::HashMap;

use crate::registry::Agency;
use crate::text::fold;

/// Short names some documents use instead of the registry's, by agency code (folded words).
const KNOWN_ALIASES: &[(&str, &[&str])] = &[
    ("BDT", &["ban dan toc tinh", "ban dan toc", "bdt tinh"]),
    (
        "VPUBND",
        &[
            "van phong ubnd tinh",
            "van phong uy ban nhan dan tinh",
            "vp ubnd tinh",
        ],
    ),
    (
        "BCHQS",
        &[
            "bo chqs tinh",
            "bo chqs",
            "bo chi huy quan su tinh",
            "bo chi huy quan su",
        ],
    ),
    (
        "BDBP",
        &[
            "bo chi huy bdbp tinh",
            "bo chi huy bdbp",
            "bo chi huy bo doi bien phong",
            "bdbp tinh",
            "bo doi bien phong tinh",
        ],
    ),
    ("CAT", &["cong an tinh"]),
    (
        "MTTQ",
        &[
            "uy ban mttq viet nam tinh",
            "uy ban mttq tinh",
            "uy ban mat tran to quoc viet nam tinh",
            "uy ban mat tran to quoc tinh",
            "mttq viet nam tinh",
            "mttq tinh",
            "mat tran to quoc tinh",
        ],
    ),
    (
        "HLHPN",
        &[
            "hoi lien hiep phu nu tinh",
            "hoi lhpn tinh",
            "hoi phu nu tinh",
        ],
    ),
    ("HND", &["hoi nong dan tinh"]),
    ("HCCB", &["hoi cuu chien binh tinh", "hoi ccb tinh"]),
    ("LDLD", &["lien doan lao dong tinh", "ldld tinh"]),
    (
        "TINHDOAN",
        &[
            "tinh doan",
            "doan tncs ho chi minh tinh",
            "doan thanh nien cong san ho chi minh tinh",
        ],
    ),
    (
        "NHCSXH",
        &[
            "ngan hang chinh sach xa hoi tinh",
            "ngan hang chinh sach xa hoi",
            "chi nhanh nhcsxh tinh",
            "nhcsxh tinh",
            "nhcsxh",
        ],
    ),
    (
        "DPTTH",
        &[
            "dai phat thanh va truyen hinh tinh",
            "dai phat thanh truyen hinh tinh",
            "dai pt va th tinh",
            "dai pt th tinh",
            "dai ptth tinh",
        ],
    ),
    ("BAOLS", &["bao lang son"]),
    ("CTK", &["cuc thong ke tinh", "cuc thong ke"]),
    ("TTT", &["thanh tra tinh"]),
    (
        "BQLKKT",
        &[
            "ban quan ly khu kinh te cua khau dong dang lang son",
            "ban quan ly khu kinh te cua khau",
            "ban quan ly khu kinh te",
        ],
    ),
    (
        "UBNDH",
        &[
            "ubnd cac huyen thanh pho",
            "ubnd cac huyen thanh pho lang son",
            "ubnd cac huyen tp",
            "ubnd huyen thanh pho",
            "uy ban nhan dan cac huyen thanh pho",
            "uy ban nhan dan huyen thanh pho",
        ],
    ),
    (
        "UBNDX",
        &[
            "ubnd cac xa phuong",
            "ubnd cac xa phuong thi tran",
            "uy ban nhan dan cac xa phuong",
        ],
    ),
];

/// Names that contain an agency's name but are another body's: matched first, and ignored.
const NOT_AGENCIES: &[&str] = &[
    "uy ban dan toc",
    "ubnd tinh",
    "uy ban nhan dan tinh",
    "chu tich ubnd tinh",
    "chanh van phong ubnd tinh",
    "hoi dong nhan dan tinh",
    "hdnd tinh",
];

/// Names by their first folded word: each name's words and its agency's code.
type NameIndex = HashMap<String, Vec<(Vec<String>, Option<String>)>>;

/// The registry's agencies, ready to be found in text.
pub struct AgencyMatcher {
    /// Names by their first folded word: each name's words and its agency's code (`None` for
    /// [`NOT_AGENCIES`]), longest first.
    names: NameIndex,
    /// "Sở" agencies by the initials of their name after "Sở" ("khdt"); only unambiguous ones.
    initials: HashMap<String, String>,
    /// The code of the district committees as one agency (UBNDH), when in office: "UBND huyện
    /// Cao Lộc" is one of them.
    district_committees: Option<String>,
}

/// The committee of a named district: "UBND huyện Cao Lộc", "Ủy ban nhân dân thành phố Lạng
/// Sơn" (a capitalised name after the word for the district).
const DISTRICT_COMMITTEES: &[&str] = &[
    "ubnd huyen",
    "ubnd thanh pho",
    "ubnd tp",
    "uy ban nhan dan huyen",
    "uy ban nhan dan thanh pho",
];
const DISTRICT_COMMITTEES_CODE: &str = "UBNDH";

/// A word of the text being matched.
#[derive(Debug)]
pub(super) struct Word {
    pub(super) folded: String,
    /// Written in capitals, at least two letters: part of an abbreviation ("KH", "ĐT").
    pub(super) caps: bool,
    /// Starts with a capital ("Cao", "Lộc").
    pub(super) capital: bool,
    /// Byte range in the text.
    pub(super) start: usize,
    pub(super) end: usize,
    /// Follows a colon, full stop, semicolon or bracket: names never run across it.
    pub(super) after_break: bool,
    /// Follows a comma (a list goes on; a name does not).
    pub(super) after_comma: bool,
}

/// An agency found in a sentence: its code and the words it spans.
#[derive(Debug)]
pub(super) struct Found {
    pub(super) code: String,
    pub(super) first: usize,
    pub(super) last: usize,
}

impl AgencyMatcher {
    /// A matcher for `agencies` (those to suggest: usually the ones in office on the plan's date).
    pub fn new(agencies: &[&Agency]) -> Self {
        let mut names = NameIndex::new();
        let mut add = |name: &str, code: Option<&str>| {
            let words: Vec<String> = words(name).into_iter().map(|w| w.folded).collect();
            if let Some(first) = words.first() {
                let list = names.entry(first.clone()).or_default();
                if !list.iter().any(|(w, _)| *w == words) {
                    list.push((words, code.map(str::to_owned)));
                }
            }
        };
        for name in NOT_AGENCIES {
            add(name, None);
        }
        let mut initials: HashMap<String, Option<String>> = HashMap::new();
        for agency in agencies {
            let code = Some(agency.code.as_str());
            let name = agency.name.as_str();
            add(name, code);
            let without_brackets = match name.split_once(" (") {
                Some((before, inside)) => {
                    add(inside.trim_end_matches(')'), code);
                    before
                }
                None => name,
            };
            add(without_brackets, code);
            if let Some(short) = without_brackets.strip_suffix(" tỉnh") {
                // "Ban Dân tộc" for "Ban Dân tộc tỉnh", but not a bare "Thanh tra".
                if short.split(' ').count() > 2 {
                    add(short, code);
                }
            }
            if let Some(rest) = without_brackets.strip_prefix("Sở ") {
                let key: String = words(rest)
                    .iter()
                    .filter(|w| w.folded != "va")
                    .filter_map(|w| w.folded.chars().next())
                    .collect();
                initials
                    .entry(key)
                    .and_modify(|existing| *existing = None)
                    .or_insert_with(|| Some(agency.code.to_string()));
            }
            for (alias_code, aliases) in KNOWN_ALIASES {
                if agency.code == *alias_code {
                    for alias in *aliases {
                        add(alias, code);
                    }
                }
            }
        }
        for list in names.values_mut() {
            list.sort_by_key(|(words, _)| std::cmp::Reverse(words.len()));
        }
        AgencyMatcher {
            names,
            district_committees: agencies
                .iter()
                .find(|a| a.code == DISTRICT_COMMITTEES_CODE)
                .map(|a| a.code.to_string()),
            initials: initials
                .into_iter()
                .filter_map(|(key, code)| Some((key, code?)))
                .collect(),
        }
    }

    /// The agencies named in `words`, in order.
    pub(super) fn find(&self, words: &[Word]) -> Vec<Found> {
        let mut found = Vec::new();
        let mut i = 0;
        while i < words.len() {
            match self
                .name_at(words, i)
                .or_else(|| self.initials_at(words, i))
                .or_else(|| self.district_committee_at(words, i))
            {
                Some((code, last)) => {
                    if let Some(code) = code {
                        found.push(Found {
                            code,
                            first: i,
                            last,
                        });
                    }
                    i = last + 1;
                }
                None => i += 1,
            }
        }
        found
    }

    /// "UBND huyện Cao Lộc" at word `i`: the district committees' code and the name's last
    /// word.
    fn district_committee_at(&self, words: &[Word], i: usize) -> Option<(Option<String>, usize)> {
        let code = self.district_committees.as_ref()?;
        let opening = DISTRICT_COMMITTEES
            .iter()
            .find(|p| phrase_at(words, i, p))?
            .split(' ')
            .count();
        let name = words
            .get(i + opening..)?
            .iter()
            .take(4)
            .take_while(|w| w.capital && !w.after_break && !w.after_comma)
            .count();
        (name > 0).then(|| (Some(code.clone()), i + opening + name - 1))
    }

    /// The longest name starting at word `i`: its code and its last word.
    fn name_at(&self, words: &[Word], i: usize) -> Option<(Option<String>, usize)> {
        let candidates = self.names.get(&words[i].folded)?;
        candidates.iter().find_map(|(name, code)| {
            let span = words.get(i..i + name.len())?;
            let fits = span
                .iter()
                .zip(name)
                .enumerate()
                .all(|(k, (word, folded))| word.folded == *folded && (k == 0 || !word.after_break));
            fits.then(|| (code.clone(), i + name.len() - 1))
        })
    }

    /// "Sở" followed by an abbreviation ("Sở KH&ĐT", "Sở Nông nghiệp & PTNT"): the initials of
    /// the words after it, a word in capitals giving all its letters.
    fn initials_at(&self, words: &[Word], i: usize) -> Option<(Option<String>, usize)> {
        if words[i].folded != "so" {
            return None;
        }
        let mut key = String::new();
        let mut saw_caps = false;
        let mut best = None;
        for (j, word) in words.iter().enumerate().skip(i + 1).take(8) {
            if word.after_break {
                break;
            }
            if word.folded == "va" {
                continue;
            }
            if word.caps {
                key.push_str(&word.folded);
                saw_caps = true;
            } else {
                key.extend(word.folded.chars().next());
            }
            if let Some(code) = self.initials.get(&key).filter(|_| saw_caps) {
                best = Some((Some(code.clone()), j));
            }
        }
        best
    }
}

/// Splits `text` into folded words with their places; "&" is the word "và".
pub(super) fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut after_break = false;
    let mut after_comma = false;
    let mut start = None;
    let flush = |out: &mut Vec<Word>,
                 start: usize,
                 end: usize,
                 after_break: &mut bool,
                 after_comma: &mut bool| {
        let written = &text[start..end];
        let letters = written.chars().filter(|c| c.is_alphabetic()).count();
        out.push(Word {
            folded: fold(written),
            caps: letters >= 2 && !written.chars().any(char::is_lowercase),
            capital: written.starts_with(char::is_uppercase),
            start,
            end,
            after_break: std::mem::take(after_break),
            after_comma: std::mem::take(after_comma),
        });
    };
    for (at, c) in text.char_indices() {
        if c.is_alphanumeric() {
            if start.is_none() {
                start = Some(at);
            }
            continue;
        }
        if let Some(s) = start.take() {
            flush(&mut out, s, at, &mut after_break, &mut after_comma);
        }
        match c {
            '&' => out.push(Word {
                folded: "va".to_owned(),
                caps: false,
                capital: false,
                start: at,
                end: at + 1,
                after_break: std::mem::take(&mut after_break),
                after_comma: std::mem::take(&mut after_comma),
            }),
            ',' => after_comma = true,
            '.' | ';' | ':' | '(' | ')' | '!' | '?' | '\n' | '"' | '“' | '”' => {
                after_break = true
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        flush(&mut out, s, text.len(), &mut after_break, &mut after_comma);
    }
    out
}

/// Whether the folded words starting at `i` are `phrase`.
pub(super) fn phrase_at(words: &[Word], i: usize, phrase: &str) -> bool {
    phrase
        .split(' ')
        .enumerate()
        .all(|(k, p)| words.get(i + k).is_some_and(|w| w.folded == p))
}
