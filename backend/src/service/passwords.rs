//! The passwords nobody may choose: the 10,000 most common of 8 characters or more
//! (`backend/data/mat-khau-pho-bien.txt`, built into the binary), compared in lower case.

use std::collections::HashSet;
use std::sync::OnceLock;

const LIST: &str = include_str!("../../data/mat-khau-pho-bien.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        LIST.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// True when `lower` (a password in lower case) is one of the common ones.
pub fn is_common(lower: &str) -> bool {
    common().contains(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_holds_ten_thousand_passwords_long_enough_to_pass_the_length_rule() {
        assert_eq!(common().len(), 10_000);
        assert!(common().iter().all(|p| {
            p.chars().count() >= shared::validate::PASSWORD_MIN_CHARS && *p == p.to_lowercase()
        }));
        assert!(is_common("password") && is_common("matkhau123") && is_common("12345678"));
        assert!(!is_common("núi mẫu sơn 2026"));
    }
}
