//! Dates as Vietnamese documents write them: "12/3/2013", "05 tháng 6 năm 2014", and the
//! deadlines in "hoàn thành trước ngày 30/6/2016".

use chrono::NaiveDate;

use crate::document::{DayOfYear, Recurrence, RecurringDeadline};
use crate::scan::is_alnum;

/// Leading ASCII digits of `s`, between `min` and `max` of them and not followed by another digit.
fn digits(s: &str, min: usize, max: usize) -> Option<(u32, usize)> {
    let len = s.bytes().take_while(u8::is_ascii_digit).count();
    if len < min || len > max {
        return None;
    }
    s[..len].parse().ok().map(|n| (n, len))
}

/// "d/m/yyyy" (or with '-' or '.') at the start of `s`: the date and the bytes it takes.
pub(crate) fn numeric_date(s: &str) -> Option<(NaiveDate, usize)> {
    let (day, a) = digits(s, 1, 2)?;
    let sep = *s.as_bytes().get(a)?;
    if !matches!(sep, b'/' | b'-' | b'.') {
        return None;
    }
    let (month, b) = digits(&s[a + 1..], 1, 2)?;
    let after_month = a + 1 + b;
    if s.as_bytes().get(after_month) != Some(&sep) {
        return None;
    }
    let (year, c) = digits(&s[after_month + 1..], 4, 4)?;
    let end = after_month + 1 + c;
    if s[end..].starts_with(is_alnum) {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day).map(|d| (d, end))
}

/// "d tháng m năm yyyy" at the start of `s`: the date and the bytes it takes.
pub(crate) fn worded_date(s: &str) -> Option<(NaiveDate, usize)> {
    let (day, a) = digits(s, 1, 2)?;
    let rest = s[a..].strip_prefix(" tháng ")?;
    let (month, b) = digits(rest, 1, 2)?;
    let rest2 = rest[b..].strip_prefix(" năm ")?;
    let (year, c) = digits(rest2, 4, 4)?;
    let end = s.len() - rest2.len() + c;
    if s[end..].starts_with(is_alnum) {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day).map(|d| (d, end))
}

/// Either form of date at the start of `s`.
pub(crate) fn date_at(s: &str) -> Option<(NaiveDate, usize)> {
    numeric_date(s).or_else(|| worded_date(s))
}

/// A date written alone, as in the metadata block ("05/06/2014").
pub(crate) fn whole_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    date_at(s).and_then(|(date, len)| (len == s.len()).then_some(date))
}

/// The words before "ngày" that make the date a deadline.
const DEADLINE_CUES: &[&str] = &[
    "trước ",
    "Trước ",
    "chậm nhất ",
    "Chậm nhất ",
    "chậm nhất là ",
    "Chậm nhất là ",
    "hạn chót ",
    "thời hạn ",
    "Thời hạn ",
];

/// The first deadline in `text`: the date after "trước ngày", "chậm nhất (là) ngày", "hạn chót
/// ngày" or "thời hạn (:) ngày"; or a month or a quarter given as the time to finish
/// ("thời hạn: tháng 6/2016", "hoàn thành trong quý II/2016": its last day; "trước tháng
/// 6/2016": the day before it begins). A date the text repeats every year ("trước ngày 15/12
/// hằng năm") is not a date and is left out.
pub(crate) fn find_deadline(text: &str) -> Option<NaiveDate> {
    let text = &text.replace("hạn: ", "hạn ").replace("hạn : ", "hạn ");
    let day = text.match_indices("ngày ").find_map(|(at, day)| {
        let before = &text[..at];
        if !DEADLINE_CUES.iter().any(|cue| before.ends_with(cue)) {
            return None;
        }
        date_at(&text[at + day.len()..]).map(|(date, _)| date)
    });
    day.or_else(|| period_deadline(text))
}

/// The words before "tháng" or "quý" that make the period a deadline, and whether the deadline
/// is the period's end (else the day before it starts).
const PERIOD_CUES: &[(&str, bool)] = &[
    ("hoàn thành trong ", true),
    ("hoàn thành trước ", false),
    ("hoàn thành ", true),
    ("xong trong ", true),
    ("xong trước ", false),
    ("thực hiện trong ", true),
    ("trước ", false),
    ("chậm nhất ", true),
    ("chậm nhất là ", true),
    ("thời hạn ", true),
    ("thời hạn trong ", true),
];

/// "tháng 6/2016", "tháng 6 năm 2016", "quý II/2016", "quý 2 năm 2016" after a cue: the
/// deadline it sets.
fn period_deadline(text: &str) -> Option<NaiveDate> {
    // Only where a month or a quarter is written, in any case ("THỜI HẠN QUÝ IV/2016").
    let written = ["tháng", "Tháng", "THÁNG", "quý", "Quý", "QUÝ"];
    if !written.iter().any(|w| text.contains(w)) {
        return None;
    }
    // All in lower case, so that positions found are positions read ("II" is "ii" here).
    let lower = text.to_lowercase();
    for (word, months) in [("tháng ", 1u32), ("quý ", 3u32)] {
        for (at, w) in lower.match_indices(word) {
            let before = &lower[..at];
            let Some(&(_, end_of_period)) =
                PERIOD_CUES.iter().find(|(cue, _)| before.ends_with(cue))
            else {
                continue;
            };
            if let Some(date) = period_at(&lower[at + w.len()..], months, end_of_period) {
                return Some(date);
            }
        }
    }
    None
}

/// The deadline set by the period starting `s` ("6/2016", "ii năm 2016"), `months` long.
fn period_at(s: &str, months: u32, end_of_period: bool) -> Option<NaiveDate> {
    let (n, used) = if months == 3 {
        quarter_number(s)?
    } else {
        digits(s, 1, 2)?
    };
    let rest = &s[used..];
    let rest = rest
        .strip_prefix('/')
        .or_else(|| rest.strip_prefix(" năm "))?;
    let (year, y) = digits(rest, 4, 4)?;
    if rest[y..].starts_with(is_alnum) {
        return None;
    }
    let valid = if months == 3 {
        (1..=4).contains(&n)
    } else {
        (1..=12).contains(&n)
    };
    if !valid {
        return None;
    }
    let first_month = if months == 3 { (n - 1) * 3 + 1 } else { n };
    let start = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, first_month, 1)?;
    if end_of_period {
        start
            .checked_add_months(chrono::Months::new(months))?
            .pred_opt()
    } else {
        start.pred_opt()
    }
}

/// A quarter's number, Roman ("ii", lower case) or Arabic ("2"), and the bytes it takes.
fn quarter_number(s: &str) -> Option<(u32, usize)> {
    for (roman, n) in [("iv", 4), ("iii", 3), ("ii", 2), ("i", 1)] {
        if s.starts_with(roman) && !s[roman.len()..].starts_with(is_alnum) {
            return Some((n, roman.len()));
        }
    }
    digits(s, 1, 1)
}

/// The words that make a deadline recur, in lower case.
const RECURRENCES: &[(&str, Recurrence)] = &[
    ("hằng năm", Recurrence::Year),
    ("hàng năm", Recurrence::Year),
    ("định kỳ 6 tháng", Recurrence::HalfYear),
    ("định kỳ sáu tháng", Recurrence::HalfYear),
    ("6 tháng một lần", Recurrence::HalfYear),
    ("hằng quý", Recurrence::Quarter),
    ("hàng quý", Recurrence::Quarter),
    ("hằng tháng", Recurrence::Month),
    ("hàng tháng", Recurrence::Month),
];

/// The words just before a recurrence word that make it the time of the task ("thực hiện hằng
/// năm"), rather than a description ("kế hoạch hằng năm").
const RECURRENCE_CUES: &[&str] = &[
    "thực hiện",
    "báo cáo",
    "định kỳ",
    "thời hạn",
    "thời gian thực hiện",
    "thời gian hoàn thành",
    "thời gian",
    "tổ chức",
    "triển khai",
    "hoàn thành",
    "tổng hợp",
    "kiểm tra",
    "giám sát",
    "sơ kết",
    "tổng kết",
];

/// A deadline `text` repeats every year, half-year, quarter or month: "trước ngày 15/12 hằng
/// năm", "thực hiện hằng năm", "định kỳ 6 tháng, báo cáo trước ngày 15/6 và 15/12", or a text
/// that is only "Hằng năm" (a table cell). `None` when the words describe something else
/// ("kế hoạch phát triển kinh tế - xã hội hằng năm").
pub(crate) fn find_recurring(text: &str) -> Option<RecurringDeadline> {
    if !(text.contains("hằng")
        || text.contains("hàng")
        || text.contains("Hằng")
        || text.contains("Hàng")
        || text.contains("định kỳ")
        || text.contains("Định kỳ")
        || text.contains("một lần"))
    {
        return None;
    }
    let lower = text.to_lowercase();
    // Sentences and clauses: a recurring deadline is read within one.
    let mut start = 0;
    for sentence in lower.split(['.', ';', '\n']) {
        let begin = start;
        start += sentence.len() + 1;
        let Some((at, word, every)) = RECURRENCES
            .iter()
            .filter_map(|(word, every)| sentence.find(word).map(|at| (at, *word, *every)))
            .min_by_key(|(at, _, _)| *at)
        else {
            continue;
        };
        let days = days_of_year(sentence);
        let before = sentence[..at]
            .trim_end()
            .trim_end_matches([':', ','])
            .trim_end();
        let alone = before.is_empty() && sentence.trim().len() < 40;
        // "định kỳ 6 tháng" says by itself that the work recurs.
        let cued =
            word.starts_with("định kỳ") || RECURRENCE_CUES.iter().any(|cue| before.ends_with(cue));
        if days.is_empty() && !alone && !cued {
            continue;
        }
        let original = text.get(begin..begin + sentence.len()).unwrap_or(sentence);
        let (written, _) = crate::scan::cut_chars(original.trim(), 200);
        return Some(RecurringDeadline {
            every,
            days,
            text: written.to_owned(),
        });
    }
    None
}

/// The days without a year in `s` ("15/12", "ngày 15/6 và 15/12"), in order.
fn days_of_year(s: &str) -> Vec<DayOfYear> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit()
            || (i > 0 && (bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b'/'))
        {
            i += 1;
            continue;
        }
        let Some((day, d)) = digits(&s[i..], 1, 2) else {
            i += 1;
            continue;
        };
        let rest = &s[i + d..];
        if let Some((month, m)) = rest.strip_prefix('/').and_then(|r| digits(r, 1, 2)) {
            let after = &rest[1 + m..];
            let has_year =
                after.starts_with('/') || after.starts_with(|c: char| c.is_ascii_digit());
            if let (false, Ok(day @ 1..=31), Ok(month @ 1..=12)) =
                (has_year, u8::try_from(day), u8::try_from(month))
            {
                out.push(DayOfYear { day, month });
            }
            i += d + 1 + m;
        } else {
            i += d;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn dates() {
        assert_eq!(numeric_date("12/3/2013 của").map(|d| d.0), ymd(2013, 3, 12));
        assert_eq!(numeric_date("12/3/20134"), None);
        assert_eq!(numeric_date("12/3-2013"), None);
        assert_eq!(numeric_date("31/2/2013"), None);
        assert_eq!(
            worded_date("05 tháng 6 năm 2014").map(|d| d.0),
            ymd(2014, 6, 5)
        );
        assert_eq!(whole_date(" 05/06/2014 "), ymd(2014, 6, 5));
        assert_eq!(whole_date("Đã biết"), None);
    }

    #[test]
    fn deadlines() {
        assert_eq!(
            find_deadline("Báo cáo kết quả trước ngày 30/6/2016."),
            ymd(2016, 6, 30)
        );
        assert_eq!(
            find_deadline("hoàn thành chậm nhất là ngày 15 tháng 12 năm 2015"),
            ymd(2015, 12, 15)
        );
        assert_eq!(find_deadline("ban hành ngày 30/6/2016"), None);
        assert_eq!(find_deadline("trước ngày 15/12 hằng năm"), None);
        assert_eq!(
            find_deadline("Thời hạn: ngày 31/10/2018."),
            ymd(2018, 10, 31)
        );
    }

    #[test]
    fn months_and_quarters_as_deadlines() {
        assert_eq!(find_deadline("Thời hạn: tháng 6/2016."), ymd(2016, 6, 30));
        assert_eq!(
            find_deadline("hoàn thành trong tháng 2 năm 2016"),
            ymd(2016, 2, 29)
        );
        assert_eq!(
            find_deadline("Xây dựng đề án, hoàn thành trong quý II/2016"),
            ymd(2016, 6, 30)
        );
        assert_eq!(find_deadline("thời hạn quý 4/2015"), ymd(2015, 12, 31));
        // "Before" a period: the day before it begins.
        assert_eq!(
            find_deadline("trình UBND tỉnh trước quý III/2016"),
            ymd(2016, 6, 30)
        );
        assert_eq!(find_deadline("trước tháng 1/2017"), ymd(2016, 12, 31));
        // A month or quarter mentioned for another reason is not a deadline.
        assert_eq!(find_deadline("báo cáo 6 tháng đầu năm 2016"), None);
        assert_eq!(find_deadline("kết quả quý II/2016 cho thấy"), None);
        assert_eq!(find_deadline("thời hạn tháng 13/2016"), None);
        assert_eq!(find_deadline("thời hạn quý V/2016"), None);
        // A first mention that is no period does not hide a later one.
        assert_eq!(
            find_deadline("trước tháng này, hoàn thành trong tháng 6/2016"),
            ymd(2016, 6, 30)
        );
        assert_eq!(find_deadline("THỜI HẠN QUÝ IV/2016"), ymd(2016, 12, 31));
    }

    #[test]
    fn recurring_deadlines() {
        let every = |text: &str| find_recurring(text).map(|r| (r.every, r.days));
        let day = |day, month| DayOfYear { day, month };
        assert_eq!(
            every("Báo cáo kết quả trước ngày 15/12 hằng năm."),
            Some((Recurrence::Year, vec![day(15, 12)]))
        );
        assert_eq!(
            every("Định kỳ 6 tháng, báo cáo trước ngày 15/6 và 15/12"),
            Some((Recurrence::HalfYear, vec![day(15, 6), day(15, 12)]))
        );
        assert_eq!(
            every("Thực hiện hằng năm"),
            Some((Recurrence::Year, vec![]))
        );
        assert_eq!(every("Hằng năm"), Some((Recurrence::Year, vec![])));
        assert_eq!(
            every("kiểm tra hằng quý"),
            Some((Recurrence::Quarter, vec![]))
        );
        assert_eq!(
            every("định kỳ 6 tháng, năm báo cáo UBND tỉnh"),
            Some((Recurrence::HalfYear, vec![]))
        );
        // Words that describe rather than schedule.
        assert_eq!(
            every("lồng ghép vào kế hoạch phát triển kinh tế - xã hội hằng năm"),
            None
        );
        assert_eq!(every("báo cáo 6 tháng đầu năm 2016"), None);
        let r =
            find_recurring("Các sở tổng hợp, báo cáo trước ngày 10/12 hằng năm; gửi Ban Dân tộc.")
                .expect("recurring");
        assert_eq!(r.text, "Các sở tổng hợp, báo cáo trước ngày 10/12 hằng năm");
        assert_eq!(r.describe_vi(), "10/12 hằng năm");
    }
}
