//! Dates as Vietnamese documents write them: "12/3/2013", "05 tháng 6 năm 2014", and the
//! deadlines in "hoàn thành trước ngày 30/6/2016".

use chrono::NaiveDate;

use super::text::is_alnum;

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
/// ngày" or "thời hạn ngày".
pub(crate) fn find_deadline(text: &str) -> Option<NaiveDate> {
    text.match_indices("ngày ").find_map(|(at, day)| {
        let before = &text[..at];
        if !DEADLINE_CUES.iter().any(|cue| before.ends_with(cue)) {
            return None;
        }
        date_at(&text[at + day.len()..]).map(|(date, _)| date)
    })
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
    }
}
