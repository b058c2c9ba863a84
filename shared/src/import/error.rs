//! Why an import can fail.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// An input the importer cannot read at all. Displays in Vietnamese, e.g.
/// "Dòng 3: tệp không phải văn bản UTF-8".
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[error("{}", describe(*.line, .kind))]
pub struct ImportError {
    /// The 1-based line the problem is on; 0 when it is about the whole file.
    pub line: usize,
    /// What the problem is.
    pub kind: ImportErrorKind,
}

/// The kinds of [`ImportError`].
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportErrorKind {
    /// Nothing but blanks.
    #[error("tệp trống")]
    Empty,
    /// Not UTF-8 text.
    #[error("tệp không phải văn bản UTF-8")]
    InvalidUtf8,
    /// A Word 97–2003 document (.doc), which only Word reads: it must be saved as .docx.
    #[error("tệp Word cũ (.doc) chưa đọc được; hãy mở trong Word và lưu lại thành .docx")]
    OldWord,
    /// Holds NUL bytes: a binary file (a .doc, .pdf, an image…) or UTF-16 text.
    #[error("tệp chứa byte NUL, có lẽ là tệp nhị phân chứ không phải văn bản")]
    Binary,
    /// Larger than [`crate::limits::IMPORT_MAX_BYTES`].
    #[error("tệp quá lớn ({size} byte, tối đa {max} byte)")]
    TooLarge {
        /// The size of the input, in bytes.
        size: usize,
        /// The limit, in bytes.
        max: usize,
    },
    /// A file that is not a Word document (.docx) though it was given as one, or a damaged one.
    #[error("tệp không phải văn bản Word (.docx) hợp lệ: {0}")]
    NotDocx(String),
    /// A part of a Word document that unpacks to more than the limit (a "ZIP bomb").
    #[error("văn bản Word giải nén ra quá lớn (tối đa {max} byte)")]
    DocxTooLarge {
        /// The limit on the unpacked text, in bytes.
        max: usize,
    },
    /// No line starts with a numbering the importer knows ("Phần I", "Điều 1.", "I.", "1.",
    /// "1.1.", "a)", "-", "+").
    #[error("không tìm thấy mục nào được đánh số (Phần I, Điều 1, I., 1., 1.1., a), -, +)")]
    NoOutline,
}

fn describe(line: usize, kind: &ImportErrorKind) -> String {
    if line > 0 {
        format!("Dòng {line}: {kind}")
    } else {
        let message = kind.to_string();
        let mut chars = message.chars();
        chars.next().map_or_else(String::new, |first| {
            first.to_uppercase().chain(chars).collect()
        })
    }
}
