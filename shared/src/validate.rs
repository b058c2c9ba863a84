//! Parse-don't-validate constructors for the values users type. The UI calls them to show the
//! error under the field; the mutation functions call them again on the server.

use crate::limits::{BODY_MAX_CHARS, LABEL_MAX_CHARS, TITLE_MAX_CHARS};
use serde::{Deserialize, Serialize};

/// A value that users typed and that breaks a rule. Display is the Vietnamese message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum ValidationError {
    #[error("Tiêu đề không được để trống.")]
    TitleEmpty,
    #[error("Tiêu đề dài quá {max} ký tự.")]
    TitleTooLong { max: usize },
    #[error("Nội dung dài quá {max} ký tự.")]
    BodyTooLong { max: usize },
    #[error("Số thứ tự dài quá {max} ký tự.")]
    LabelTooLong { max: usize },
    #[error("Số thứ tự không được xuống dòng.")]
    LabelMultiline,
    #[error("Tiến độ phải từ 0 đến 100 %.")]
    ProgressOutOfRange,
    #[error("Mã cơ quan không hợp lệ.")]
    AssigneeInvalid,
    #[error(
        "Tên đăng nhập gồm 3 đến 32 ký tự: chữ thường không dấu, số, dấu chấm, gạch dưới hoặc gạch ngang."
    )]
    UsernameInvalid,
    #[error("Mật khẩu phải có từ {min} đến {max} ký tự.")]
    PasswordLength { min: usize, max: usize },
    #[error("Mật khẩu này quá phổ biến nên dễ bị đoán; hãy chọn mật khẩu khác.")]
    PasswordCommon,
    #[error("Mật khẩu không được chứa tên đăng nhập.")]
    PasswordHasUsername,
    #[error("Họ tên không được để trống và dài tối đa {max} ký tự.")]
    PersonNameInvalid { max: usize },
    #[error("Cán bộ đơn vị phải được gắn với một cơ quan.")]
    AgencyRequired,
    #[error("Một nhiệm vụ chỉ có một cơ quan chủ trì.")]
    SeveralLeads,
    #[error("Một nhiệm vụ giao cho nhiều nhất {max} cơ quan.")]
    TooManyAssignees { max: usize },
    #[error("Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy, ví dụ 30/06/2016.")]
    DateUnreadable,
    #[error("Hai lần nhập mật khẩu mới không khớp nhau.")]
    PasswordsDiffer,
}

fn tidy(text: &str) -> String {
    // Users paste from Word and web pages: non-breaking spaces and CRLF are normalised.
    text.replace("\r\n", "\n")
        .replace(['\r'], "\n")
        .replace('\u{a0}', " ")
        .trim()
        .to_owned()
}

/// A node title: trimmed, non-empty, at most `TITLE_MAX_CHARS` characters.
pub fn title(text: &str) -> Result<String, ValidationError> {
    let t = tidy(text);
    match t.chars().count() {
        0 => Err(ValidationError::TitleEmpty),
        n if n > TITLE_MAX_CHARS => Err(ValidationError::TitleTooLong {
            max: TITLE_MAX_CHARS,
        }),
        _ => Ok(t),
    }
}

/// A node body: trimmed; empty means none.
pub fn body(text: Option<&str>) -> Result<Option<String>, ValidationError> {
    let t = tidy(text.unwrap_or_default());
    match t.chars().count() {
        0 => Ok(None),
        n if n > BODY_MAX_CHARS => Err(ValidationError::BodyTooLong {
            max: BODY_MAX_CHARS,
        }),
        _ => Ok(Some(t)),
    }
}

/// A label ("1", "a", "-"): trimmed, one line, may be empty.
pub fn label(text: &str) -> Result<String, ValidationError> {
    let t = tidy(text);
    if t.contains('\n') {
        return Err(ValidationError::LabelMultiline);
    }
    if t.chars().count() > LABEL_MAX_CHARS {
        return Err(ValidationError::LabelTooLong {
            max: LABEL_MAX_CHARS,
        });
    }
    Ok(t)
}

/// Percent done: 0..=100.
pub fn progress(p: u8) -> Result<u8, ValidationError> {
    if p > 100 {
        return Err(ValidationError::ProgressOutOfRange);
    }
    Ok(p)
}

/// Progress as typed in a field ("45"): a whole number from 0 to 100.
pub fn progress_text(text: &str) -> Result<u8, ValidationError> {
    text.trim()
        .parse::<u8>()
        .map_err(|_| ValidationError::ProgressOutOfRange)
        .and_then(progress)
}

/// Shortest and longest password, in characters.
pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 256;
const PERSON_NAME_MAX_CHARS: usize = 100;

/// A username: 3 to 32 of `a-z 0-9 . _ -` (stored lower-case).
pub fn username(text: &str) -> Result<String, ValidationError> {
    let u = text.trim().to_lowercase();
    let ok = (3..=32).contains(&u.chars().count())
        && u.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(u)
    } else {
        Err(ValidationError::UsernameInvalid)
    }
}

/// A password: 8 to 256 characters, taken as typed (no trimming).
pub fn password(text: &str) -> Result<&str, ValidationError> {
    if (PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&text.chars().count()) {
        Ok(text)
    } else {
        Err(ValidationError::PasswordLength {
            min: PASSWORD_MIN_CHARS,
            max: PASSWORD_MAX_CHARS,
        })
    }
}

/// A password chosen for `username` (a new account, a reset, a change): [`password`]'s length,
/// not containing the user name, and not one that `is_common` knows (asked in lower case).
pub fn new_password<'a>(
    username: &str,
    text: &'a str,
    is_common: impl Fn(&str) -> bool,
) -> Result<&'a str, ValidationError> {
    password(text)?;
    let lower = text.to_lowercase();
    let name = username.trim().to_lowercase();
    if !name.is_empty() && lower.contains(&name) {
        return Err(ValidationError::PasswordHasUsername);
    }
    if is_common(&lower) {
        return Err(ValidationError::PasswordCommon);
    }
    Ok(text)
}

/// A person's full name: trimmed, one line, 1 to 100 characters.
pub fn person_name(text: &str) -> Result<String, ValidationError> {
    let t = tidy(text);
    if t.is_empty() || t.contains('\n') || t.chars().count() > PERSON_NAME_MAX_CHARS {
        return Err(ValidationError::PersonNameInvalid {
            max: PERSON_NAME_MAX_CHARS,
        });
    }
    Ok(t)
}

/// A date as a user types it: dd/mm/yyyy (see `text::parse_date` for the forms read).
pub fn date(text: &str) -> Result<chrono::NaiveDate, ValidationError> {
    crate::text::parse_date(text).ok_or(ValidationError::DateUnreadable)
}

/// A new password typed twice the same.
pub fn same_password(new: &str, again: &str) -> Result<(), ValidationError> {
    if new == again {
        Ok(())
    } else {
        Err(ValidationError::PasswordsDiffer)
    }
}

/// An agency code: short, one word, non-empty.
pub fn agency_code(code: &str) -> Result<crate::ids::AgencyCode, ValidationError> {
    let c = code.trim();
    if c.is_empty() || c.chars().count() > LABEL_MAX_CHARS || c.contains(char::is_whitespace) {
        return Err(ValidationError::AssigneeInvalid);
    }
    Ok(crate::ids::AgencyCode::from(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_repeated_passwords_say_what_is_wrong() {
        assert_eq!(
            date("30/6/2016"),
            Ok(chrono::NaiveDate::from_ymd_opt(2016, 6, 30).expect("a day"))
        );
        assert_eq!(date("31/02/2016"), Err(ValidationError::DateUnreadable));
        assert_eq!(date("ngày mai"), Err(ValidationError::DateUnreadable));
        assert_eq!(same_password("mat-khau-dai", "mat-khau-dai"), Ok(()));
        assert_eq!(
            same_password("mat-khau-dai", "mat-khau-dài").map_err(|e| e.to_string()),
            Err("Hai lần nhập mật khẩu mới không khớp nhau.".to_owned())
        );
    }

    #[test]
    fn a_new_password_is_long_enough_not_the_user_name_and_not_common() {
        let common = |p: &str| p == "matkhau123";
        assert_eq!(
            new_password("bdt", "ngan", common),
            Err(ValidationError::PasswordLength { min: 8, max: 256 })
        );
        assert_eq!(
            new_password("bdt.canbo", "BDT.CANBO-2026", common),
            Err(ValidationError::PasswordHasUsername)
        );
        assert_eq!(
            new_password("bdt", "MatKhau123", common),
            Err(ValidationError::PasswordCommon)
        );
        assert_eq!(
            new_password("bdt", "Núi Mẫu Sơn 2026", common),
            Ok("Núi Mẫu Sơn 2026")
        );
    }

    #[test]
    fn titles_are_trimmed_and_bounded() {
        assert_eq!(title("  Giáo dục \u{a0}"), Ok("Giáo dục".to_owned()));
        assert_eq!(title(" \n\t "), Err(ValidationError::TitleEmpty));
        let long = "á".repeat(TITLE_MAX_CHARS + 1);
        assert_eq!(
            title(&long),
            Err(ValidationError::TitleTooLong {
                max: TITLE_MAX_CHARS
            })
        );
        assert!(title(&"á".repeat(TITLE_MAX_CHARS)).is_ok());
        assert_eq!(
            ValidationError::TitleEmpty.to_string(),
            "Tiêu đề không được để trống."
        );
    }

    #[test]
    fn bodies_may_be_empty_but_not_huge() {
        assert_eq!(body(None), Ok(None));
        assert_eq!(body(Some("  ")), Ok(None));
        assert_eq!(body(Some("a\r\nb")), Ok(Some("a\nb".to_owned())));
        assert_eq!(
            body(Some(&"x".repeat(BODY_MAX_CHARS + 1))),
            Err(ValidationError::BodyTooLong {
                max: BODY_MAX_CHARS
            })
        );
    }

    #[test]
    fn progress_is_a_whole_percent() {
        assert_eq!(progress_text(" 45 "), Ok(45));
        assert_eq!(progress_text("100"), Ok(100));
        for bad in ["101", "-1", "4,5", "", "abc"] {
            assert_eq!(
                progress_text(bad),
                Err(ValidationError::ProgressOutOfRange),
                "{bad}"
            );
        }
    }

    #[test]
    fn accounts_have_rules() {
        assert_eq!(username(" Syt.Lan "), Ok("syt.lan".to_owned()));
        assert_eq!(username("ab"), Err(ValidationError::UsernameInvalid));
        assert_eq!(username("nguyễn"), Err(ValidationError::UsernameInvalid));
        assert_eq!(username("a b c"), Err(ValidationError::UsernameInvalid));
        assert_eq!(
            password("1234567"),
            Err(ValidationError::PasswordLength { min: 8, max: 256 })
        );
        assert_eq!(password(" mật khẩu "), Ok(" mật khẩu "));
        assert_eq!(
            person_name("  "),
            Err(ValidationError::PersonNameInvalid {
                max: PERSON_NAME_MAX_CHARS
            })
        );
        assert_eq!(person_name(" Hoàng Văn A "), Ok("Hoàng Văn A".to_owned()));
    }

    #[test]
    fn labels_are_one_short_line() {
        assert_eq!(label(" 4 "), Ok("4".to_owned()));
        assert_eq!(label("a\nb"), Err(ValidationError::LabelMultiline));
        assert_eq!(
            label(&"1".repeat(LABEL_MAX_CHARS + 1)),
            Err(ValidationError::LabelTooLong {
                max: LABEL_MAX_CHARS
            })
        );
    }
}
