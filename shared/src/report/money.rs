//! Money in reports: whole đồng (VND has no smaller unit in use), never a float, written the
//! Vietnamese way with dots between thousands: "1.250.000.000".

use serde::{Deserialize, Serialize};

/// An amount of money in đồng. Funds allocated and disbursed are never negative.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Vnd(pub u64);

/// The largest amount a report may state: a million billion đồng (10^15), far above any
/// province's budget, so a slip of the finger is caught.
pub const VND_MAX: u64 = 1_000_000_000_000_000;

/// Why typed money is refused. Display is the Vietnamese message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("Số tiền không được âm.")]
    Negative,
    #[error("Số tiền tính bằng đồng, không có phần lẻ.")]
    Fraction,
    #[error("Số tiền chỉ gồm chữ số, viết liền hoặc có dấu chấm ngăn cách hàng nghìn.")]
    NotANumber,
    #[error("Số tiền quá lớn (tối đa 1.000.000.000.000.000 đồng).")]
    TooLarge,
}

impl Vnd {
    /// "1.250.000.000".
    pub fn format_vi(self) -> String {
        let digits = self.0.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(c);
        }
        out
    }

    /// Money as a user types it: digits, with dots or spaces between thousands, an optional
    /// "đồng"/"đ" after; empty is none.
    ///
    /// # Errors
    /// A negative amount, a fraction ("1,5"), other characters, or more than [`VND_MAX`].
    pub fn parse_vi(text: &str) -> Result<Option<Vnd>, MoneyError> {
        let t = text.trim();
        let t = t
            .strip_suffix("đồng")
            .or_else(|| t.strip_suffix("đ"))
            .unwrap_or(t)
            .trim();
        if t.is_empty() {
            return Ok(None);
        }
        if t.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        if t.contains(',') {
            return Err(MoneyError::Fraction);
        }
        let digits: String = t
            .chars()
            .filter(|c| !matches!(c, '.' | ' ' | '\u{a0}'))
            .collect();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(MoneyError::NotANumber);
        }
        if !thousands_well_placed(t) {
            return Err(MoneyError::NotANumber);
        }
        let amount: u64 = digits.parse().map_err(|_| MoneyError::TooLarge)?;
        if amount > VND_MAX {
            return Err(MoneyError::TooLarge);
        }
        Ok(Some(Vnd(amount)))
    }
}

/// Dots or spaces, where written, separate groups of three digits ("1.250.000", not "12.50");
/// a number written with no separator at all is fine.
fn thousands_well_placed(t: &str) -> bool {
    let groups: Vec<&str> = t.split(['.', ' ', '\u{a0}']).collect();
    if groups.len() == 1 {
        return true;
    }
    let first = groups[0].len();
    (1..=3).contains(&first) && groups[1..].iter().all(|g| g.len() == 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_written_with_dots_between_thousands() {
        assert_eq!(Vnd(1_250_000_000).format_vi(), "1.250.000.000");
        assert_eq!(Vnd(0).format_vi(), "0");
        assert_eq!(Vnd(999).format_vi(), "999");
        assert_eq!(Vnd(1000).format_vi(), "1.000");
        assert_eq!(Vnd(VND_MAX).format_vi(), "1.000.000.000.000.000");
    }

    #[test]
    fn typed_money_is_read_or_refused_with_a_reason() {
        assert_eq!(Vnd::parse_vi("1.250.000.000"), Ok(Some(Vnd(1_250_000_000))));
        assert_eq!(
            Vnd::parse_vi(" 1250000000 đồng "),
            Ok(Some(Vnd(1_250_000_000)))
        );
        assert_eq!(Vnd::parse_vi("1 250 000đ"), Ok(Some(Vnd(1_250_000))));
        assert_eq!(Vnd::parse_vi(""), Ok(None));
        assert_eq!(Vnd::parse_vi("-5.000"), Err(MoneyError::Negative));
        assert_eq!(Vnd::parse_vi("1,5"), Err(MoneyError::Fraction));
        assert_eq!(Vnd::parse_vi("12.50"), Err(MoneyError::NotANumber));
        assert_eq!(Vnd::parse_vi("một tỷ"), Err(MoneyError::NotANumber));
        assert_eq!(
            Vnd::parse_vi("1.000.000.000.000.001"),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(
            Vnd::parse_vi("99999999999999999999999"),
            Err(MoneyError::TooLarge)
        );
        for n in [0, 7, 1_000, 1_250_000_000, VND_MAX] {
            assert_eq!(Vnd::parse_vi(&Vnd(n).format_vi()), Ok(Some(Vnd(n))));
        }
    }
}
