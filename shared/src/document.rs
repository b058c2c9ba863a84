//! What a plan document says about itself: its metadata, the legal documents it cites, and the
//! kinds of numbered levels it is written in. Produced by the importer, stored with the plan.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The kind of a legal or administrative document (Luật, Nghị quyết, Quyết định, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Luật
    Law,
    /// Nghị quyết
    Resolution,
    /// Nghị định
    Decree,
    /// Quyết định
    Decision,
    /// Chỉ thị
    Directive,
    /// Thông tư
    Circular,
    /// Kế hoạch
    Plan,
    /// Công văn
    OfficialLetter,
    /// Kết luận
    Conclusion,
    /// Anything else
    Other,
}

impl DocumentKind {
    /// The Vietnamese name as written in documents, e.g. "Quyết định".
    pub fn name_vi(self) -> &'static str {
        match self {
            Self::Law => "Luật",
            Self::Resolution => "Nghị quyết",
            Self::Decree => "Nghị định",
            Self::Decision => "Quyết định",
            Self::Directive => "Chỉ thị",
            Self::Circular => "Thông tư",
            Self::Plan => "Kế hoạch",
            Self::OfficialLetter => "Công văn",
            Self::Conclusion => "Kết luận",
            Self::Other => "Văn bản",
        }
    }
}

/// The metadata of a plan document. Absent values are `None` (null in JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanMetadata {
    /// Số hiệu, e.g. "52/KH-UBND".
    pub number: Option<String>,
    /// Loại văn bản.
    pub kind: Option<DocumentKind>,
    /// Trích yếu: what the document is about.
    pub title: Option<String>,
    /// Ngày ban hành.
    pub issued_on: Option<NaiveDate>,
    /// Ngày có hiệu lực.
    pub effective_on: Option<NaiveDate>,
    /// Cơ quan ban hành.
    pub issuer: Option<String>,
    /// Người ký.
    pub signer: Option<String>,
    /// Địa danh (the place in "Lạng Sơn, ngày 05 tháng 6 năm 2014").
    pub place: Option<String>,
    /// Lĩnh vực.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Nơi nhận: the recipients listed under the signature.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    /// The signature's authority and position lines ("TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ
    /// CHỦ TỊCH").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer_title: Option<String>,
}

impl PlanMetadata {
    /// Whether two plans' metadata name the same document: the same number (spaces and case
    /// aside) from the same issuer (diacritics and case aside; an issuer missing on either side
    /// does not tell them apart).
    pub fn same_document(&self, other: &PlanMetadata) -> bool {
        let (a, b) = (self, other);
        let number = |m: &PlanMetadata| {
            m.number.as_deref().map(|n| {
                n.chars()
                    .filter(|c| !c.is_whitespace())
                    .flat_map(char::to_uppercase)
                    .collect::<String>()
            })
        };
        let issuer = |m: &PlanMetadata| {
            m.issuer
                .as_deref()
                .map(|i| crate::text::fold(i).replace("uy ban nhan dan", "ubnd"))
        };
        match (number(a), number(b)) {
            (Some(x), Some(y)) if !x.is_empty() && x == y => match (issuer(a), issuer(b)) {
                (Some(x), Some(y)) => x == y,
                _ => true,
            },
            _ => false,
        }
    }
}

/// A legal document cited by the plan (căn cứ), e.g.
/// "Quyết định số 449/QĐ-TTg ngày 12/3/2013 của Thủ tướng Chính phủ".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub kind: DocumentKind,
    /// "449/QĐ-TTg"; `None` for e.g. "Nghị quyết Trung ương 7 (khoá IX)".
    pub number: Option<String>,
    pub date: Option<NaiveDate>,
    pub issuer: Option<String>,
    /// The citation as written in the text.
    pub text: String,
}

/// How often a recurring deadline comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recurrence {
    /// hằng năm
    Year,
    /// định kỳ 6 tháng
    HalfYear,
    /// hằng quý
    Quarter,
    /// hằng tháng
    Month,
}

impl Recurrence {
    /// The Vietnamese words, for the UI: "hằng năm".
    pub fn name_vi(self) -> &'static str {
        match self {
            Self::Year => "hằng năm",
            Self::HalfYear => "6 tháng một lần",
            Self::Quarter => "hằng quý",
            Self::Month => "hằng tháng",
        }
    }
}

/// A day of the year without its year: 15/12.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DayOfYear {
    pub day: u8,
    pub month: u8,
}

/// A deadline the text repeats every period ("trước ngày 15/12 hằng năm", "hằng quý"): not a
/// date, so kept apart from the node's deadline.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RecurringDeadline {
    pub every: Recurrence,
    /// The days named in each year ("trước ngày 15/6 và 15/12"), in order; may be empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub days: Vec<DayOfYear>,
    /// The words it was read from, as written: "trước ngày 15/12 hằng năm".
    pub text: String,
}

impl RecurringDeadline {
    /// "15/06, 15/12 hằng năm", or "hằng quý".
    pub fn describe_vi(&self) -> String {
        let days: Vec<String> = self
            .days
            .iter()
            .map(|d| format!("{:02}/{:02}", d.day, d.month))
            .collect();
        if days.is_empty() {
            self.every.name_vi().to_owned()
        } else {
            format!("{} {}", days.join(", "), self.every.name_vi())
        }
    }
}

/// The level of a node in the document's outline, from the label it was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// Phần I, Phần thứ nhất
    Part,
    /// Điều 1.
    Article,
    /// Mục: Roman numerals, "I."
    Section,
    /// Khoản: "1."
    Item,
    /// Điểm: "a)"
    Point,
    /// Gạch đầu dòng: "-"
    Bullet,
    /// "+"
    SubBullet,
    /// A node created in the app rather than imported, with no label of its own.
    Task,
}

impl NodeKind {
    /// Vietnamese name of the level, for the UI.
    pub fn name_vi(self) -> &'static str {
        match self {
            Self::Part => "Phần",
            Self::Article => "Điều",
            Self::Section => "Mục",
            Self::Item => "Khoản",
            Self::Point => "Điểm",
            Self::Bullet | Self::SubBullet => "Gạch đầu dòng",
            Self::Task => "Nhiệm vụ",
        }
    }
}
