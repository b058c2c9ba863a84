//! Parse-don't-validate constructors for the values users type. The UI calls them to show the
//! error under the field; the mutation functions call them again on the server.

use crate::limits::{ASSIGNEES_MAX, BODY_MAX_CHARS, LABEL_MAX_CHARS, TITLE_MAX_CHARS};
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
    #[error("Một nhiệm vụ giao cho nhiều nhất {max} cơ quan.")]
    TooManyAssignees { max: usize },
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

/// Agency codes: each one short, on one line, non-empty; no duplicates (kept in order); at most
/// `ASSIGNEES_MAX`.
pub fn assignees(codes: &[String]) -> Result<Vec<String>, ValidationError> {
    let mut out: Vec<String> = Vec::with_capacity(codes.len());
    for c in codes {
        let c = c.trim();
        if c.is_empty() || c.chars().count() > LABEL_MAX_CHARS || c.contains(char::is_whitespace) {
            return Err(ValidationError::AssigneeInvalid);
        }
        if !out.iter().any(|o| o == c) {
            out.push(c.to_owned());
        }
    }
    if out.len() > ASSIGNEES_MAX {
        return Err(ValidationError::TooManyAssignees { max: ASSIGNEES_MAX });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(body(Some(&"x".repeat(BODY_MAX_CHARS + 1))).is_err());
    }

    #[test]
    fn labels_are_one_short_line() {
        assert_eq!(label(" 4 "), Ok("4".to_owned()));
        assert_eq!(label("a\nb"), Err(ValidationError::LabelMultiline));
        assert!(label(&"1".repeat(LABEL_MAX_CHARS + 1)).is_err());
    }
}
