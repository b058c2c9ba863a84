//! Indicator values (chỉ tiêu): numbers with up to three decimals ("45,5 %", "1.234 hộ"),
//! kept exactly as thousandths in an integer, never a float, written the Vietnamese way: dots
//! between thousands, a comma before the decimals.

use serde::{Deserialize, Serialize};

/// A number of an indicator's unit, in thousandths (45,5 is `Quantity(45_500)`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Quantity(pub i64);

/// The largest magnitude a value may have: a thousand billion units.
pub const QUANTITY_MAX: i64 = 1_000_000_000_000_000;

/// Why a typed number is refused. Display is the Vietnamese message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum QuantityError {
    #[error("Giá trị chỉ gồm chữ số, dấu chấm ngăn cách hàng nghìn và dấu phẩy thập phân.")]
    NotANumber,
    #[error("Giá trị có nhiều nhất 3 chữ số thập phân.")]
    TooPrecise,
    #[error("Giá trị quá lớn.")]
    TooLarge,
}

impl Quantity {
    /// The whole number `n`.
    pub fn whole(n: i64) -> Self {
        Self(n.saturating_mul(1000))
    }

    /// "1.234,5", "-3", "0,125".
    pub fn format_vi(self) -> String {
        let neg = self.0 < 0;
        let abs = self.0.unsigned_abs();
        let (int, frac) = (abs / 1000, abs % 1000);
        let digits = int.to_string();
        let mut out = String::new();
        if neg {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(c);
        }
        if frac > 0 {
            let f = format!("{frac:03}");
            out.push(',');
            out.push_str(f.trim_end_matches('0'));
        }
        out
    }

    /// A number as a user types it: "1.234,5", "45,5", "45.5" (a lone dot not followed by
    /// three digits is a decimal point), "-2"; a trailing "%" is allowed; empty is none.
    ///
    /// # Errors
    /// Other characters, more than three decimals, or more than [`QUANTITY_MAX`] in size.
    pub fn parse_vi(text: &str) -> Result<Option<Quantity>, QuantityError> {
        let t = text.trim();
        let t = t.strip_suffix('%').unwrap_or(t).trim();
        if t.is_empty() {
            return Ok(None);
        }
        let (neg, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, t),
        };
        let t: String = t.chars().filter(|c| !matches!(c, ' ' | '\u{a0}')).collect();
        let (int, frac) = if let Some((i, f)) = t.split_once(',') {
            (i.replace('.', ""), f.to_owned())
        } else if t.matches('.').count() == 1
            && t.split_once('.').is_some_and(|(_, f)| f.len() != 3)
        {
            let (i, f) = t.split_once('.').unwrap_or((&t, ""));
            (i.to_owned(), f.to_owned())
        } else {
            (t.replace('.', ""), String::new())
        };
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if int.is_empty() && frac.is_empty() || !digits(&int) || !digits(&frac) {
            return Err(QuantityError::NotANumber);
        }
        if frac.len() > 3 {
            return Err(QuantityError::TooPrecise);
        }
        let whole: i64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| QuantityError::TooLarge)?
        };
        let frac: i64 = format!("{frac:0<3}").parse().unwrap_or(0);
        let v = whole
            .checked_mul(1000)
            .and_then(|w| w.checked_add(frac))
            .filter(|v| *v <= QUANTITY_MAX)
            .ok_or(QuantityError::TooLarge)?;
        Ok(Some(Quantity(if neg { -v } else { v })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_and_read_the_vietnamese_way() {
        assert_eq!(Quantity(1_234_500).format_vi(), "1.234,5");
        assert_eq!(Quantity(125).format_vi(), "0,125");
        assert_eq!(Quantity::whole(-3).format_vi(), "-3");
        assert_eq!(Quantity::whole(1_000_000).format_vi(), "1.000.000");
        for (typed, value) in [
            ("1.234,5", 1_234_500),
            ("45,5 %", 45_500),
            ("45.5", 45_500),
            ("1.234", 1_234_000),
            ("-2", -2_000),
            (",5", 500),
            ("12 345", 12_345_000),
        ] {
            assert_eq!(
                Quantity::parse_vi(typed),
                Ok(Some(Quantity(value))),
                "{typed}"
            );
        }
        assert_eq!(Quantity::parse_vi("  "), Ok(None));
        assert_eq!(Quantity::parse_vi("mười"), Err(QuantityError::NotANumber));
        assert_eq!(Quantity::parse_vi("1,2345"), Err(QuantityError::TooPrecise));
        assert_eq!(
            Quantity::parse_vi("99999999999999999999"),
            Err(QuantityError::TooLarge)
        );
    }
}
