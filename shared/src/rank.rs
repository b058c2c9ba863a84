//! Fractional sibling ranks: strings of base-36 digits that sort in byte order, so a node can be
//! put between two siblings without renumbering any other (concurrent inserts and moves included).
//!
//! A rank is read as the fraction 0.d1d2d3… in base 36. A valid rank is non-empty, uses only
//! `0-9a-z`, and does not end in `0` (so that a rank strictly between any two always exists).

use serde::{Deserialize, Serialize};
use std::fmt;

const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
const BASE: u8 = 36;

/// A sibling rank. Siblings sort by rank, then by id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rank(String);

/// A string that is not a valid rank.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("thứ tự không hợp lệ: {0:?}")]
pub struct InvalidRank(pub String);

fn value(d: u8) -> u8 {
    match d {
        b'0'..=b'9' => d - b'0',
        _ => d - b'a' + 10,
    }
}

impl Rank {
    /// The rank string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses a stored rank.
    pub fn parse(s: &str) -> Result<Self, InvalidRank> {
        let ok = !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
            && !s.ends_with('0');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidRank(s.to_owned()))
        }
    }

    /// A rank strictly between `before` and `after` (either may be absent: the start or the end
    /// of the sibling list). If `before >= after` (a corrupt or tied pair), the result is just
    /// after `before`, which keeps the function total.
    pub fn between(before: Option<&Rank>, after: Option<&Rank>) -> Rank {
        let a: Vec<u8> = before
            .map(|r| r.0.bytes().map(value).collect())
            .unwrap_or_default();
        let b: Option<Vec<u8>> = match (before, after) {
            (Some(x), Some(y)) if x >= y => None,
            (_, y) => y.map(|r| r.0.bytes().map(value).collect()),
        };
        let digits = midpoint(&a, b.as_deref());
        Rank(
            digits
                .into_iter()
                .map(|d| DIGITS[d as usize] as char)
                .collect(),
        )
    }

    /// `n` evenly spread ranks of equal length, in increasing order: for bulk imports.
    pub fn sequence(n: usize) -> Vec<Rank> {
        let mut width = 1u32;
        while (BASE as u128).pow(width) < (n as u128 + 1) * 2 {
            width += 1;
        }
        let span = (BASE as u128).pow(width);
        let step = span / (n as u128 + 1);
        (1..=n as u128)
            .map(|i| {
                let mut v = i * step;
                let mut digits = vec![0u8; width as usize];
                for slot in digits.iter_mut().rev() {
                    *slot = (v % BASE as u128) as u8;
                    v /= BASE as u128;
                }
                while digits.last() == Some(&0) {
                    digits.pop();
                }
                Rank(
                    digits
                        .into_iter()
                        .map(|d| DIGITS[d as usize] as char)
                        .collect(),
                )
            })
            .collect()
    }
}

/// Digits strictly between fractions `a` and `b` (`None` = 1), with no trailing zero.
/// Requires a < b and neither ending in zero.
fn midpoint(a: &[u8], b: Option<&[u8]>) -> Vec<u8> {
    if let Some(b) = b {
        // Skip the common prefix, reading `a` as padded with zeros.
        let n = b
            .iter()
            .enumerate()
            .take_while(|&(i, d)| a.get(i).copied().unwrap_or(0) == *d)
            .count();
        if n > 0 {
            let mut out = b[..n].to_vec();
            out.extend(midpoint(a.get(n..).unwrap_or(&[]), Some(&b[n..])));
            return out;
        }
    }
    let da = a.first().copied().unwrap_or(0);
    let db = b.and_then(|b| b.first().copied()).unwrap_or(BASE);
    if db - da > 1 {
        return vec![(da + db).div_ceil(2)];
    }
    match b {
        Some(b) if b.len() > 1 => vec![b[0]],
        _ => {
            let mut out = vec![da];
            out.extend(midpoint(a.get(1..).unwrap_or(&[]), None));
            out
        }
    }
}

impl TryFrom<String> for Rank {
    type Error = InvalidRank;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Rank::parse(&s)
    }
}

impl From<Rank> for String {
    fn from(r: Rank) -> String {
        r.0
    }
}

impl fmt::Display for Rank {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Rank {
        Rank::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn between_is_strictly_between_and_valid() {
        let cases = [
            (None, None),
            (Some("i"), None),
            (None, Some("i")),
            (Some("a"), Some("b")),
            (Some("a"), Some("a1")),
            (Some("az"), Some("b")),
            (Some("zzz"), None),
            (None, Some("001")),
            (Some("i"), Some("i01")),
        ];
        for (a, b) in cases {
            let (ra, rb) = (a.map(r), b.map(r));
            let m = Rank::between(ra.as_ref(), rb.as_ref());
            assert!(Rank::parse(m.as_str()).is_ok(), "{m} invalid");
            if let Some(ra) = &ra {
                assert!(ra < &m, "{ra} < {m}");
            }
            if let Some(rb) = &rb {
                assert!(&m < rb, "{m} < {rb}");
            }
        }
    }

    #[test]
    fn repeated_inserts_stay_ordered_and_short() {
        // Append 1,000 times at the end, and 1,000 times at the front.
        let mut last = Rank::between(None, None);
        for _ in 0..1000 {
            let next = Rank::between(Some(&last), None);
            assert!(next > last);
            last = next;
        }
        assert!(last.as_str().len() < 250, "{}", last.as_str().len());
        let mut first = Rank::between(None, None);
        for _ in 0..1000 {
            let next = Rank::between(None, Some(&first));
            assert!(next < first);
            first = next;
        }
        // Always between the same two neighbours.
        let (mut lo, hi) = (r("a"), r("b"));
        for _ in 0..200 {
            let m = Rank::between(Some(&lo), Some(&hi));
            assert!(lo < m && m < hi);
            lo = m;
        }
    }

    #[test]
    fn sequence_is_increasing_and_valid() {
        for n in [0, 1, 2, 10, 35, 36, 1000, 5000] {
            let seq = Rank::sequence(n);
            assert_eq!(seq.len(), n);
            assert!(seq.windows(2).all(|w| w[0] < w[1]));
            assert!(seq.iter().all(|x| Rank::parse(x.as_str()).is_ok()));
        }
    }

    #[test]
    fn bad_ranks_are_refused() {
        for s in ["", "A", "a0", "ä", "a-b"] {
            assert!(Rank::parse(s).is_err(), "{s}");
        }
        assert!(serde_json::from_str::<Rank>("\"a0\"").is_err());
    }

    #[test]
    fn tied_or_reversed_neighbours_still_give_a_rank_after_the_first() {
        let m = Rank::between(Some(&r("b")), Some(&r("a")));
        assert!(m > r("b"));
        let m = Rank::between(Some(&r("b")), Some(&r("b")));
        assert!(m > r("b"));
    }
}
