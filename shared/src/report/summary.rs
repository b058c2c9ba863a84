//! The standing agency's summary report (báo cáo tổng hợp) of a round: its header (số/ký hiệu,
//! place and date, "Kính gửi", signer, "Nơi nhận"), its approval, and its paragraphs. Each
//! paragraph has a [`Slot`]: where it sits in the usual outline and, for a compiled one, the
//! agency entry it came from (so its sources are known without being stored).

use crate::ids::{AgencyCode, NodeId, RecordId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The parts of a summary report, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// I. Công tác lãnh đạo, chỉ đạo.
    Leadership,
    /// II. Kết quả thực hiện (one subsection per task).
    Results,
    /// III.1. Ưu điểm.
    Strengths,
    /// III.2. Tồn tại, hạn chế.
    Weaknesses,
    /// III.3. Nguyên nhân.
    Causes,
    /// IV. Phương hướng, nhiệm vụ.
    Directions,
    /// V. Đề xuất, kiến nghị.
    Proposals,
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::Leadership,
        Section::Results,
        Section::Strengths,
        Section::Weaknesses,
        Section::Causes,
        Section::Directions,
        Section::Proposals,
    ];

    /// Its heading as the report prints it.
    pub fn heading_vi(self) -> &'static str {
        match self {
            Section::Leadership => "I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO",
            Section::Results => "II. KẾT QUẢ THỰC HIỆN",
            Section::Strengths => "1. Ưu điểm",
            Section::Weaknesses => "2. Tồn tại, hạn chế",
            Section::Causes => "3. Nguyên nhân",
            Section::Directions => "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI",
            Section::Proposals => "V. ĐỀ XUẤT, KIẾN NGHỊ",
        }
    }

    fn code(self) -> &'static str {
        match self {
            Section::Leadership => "lanh-dao",
            Section::Results => "ket-qua",
            Section::Strengths => "uu-diem",
            Section::Weaknesses => "han-che",
            Section::Causes => "nguyen-nhan",
            Section::Directions => "phuong-huong",
            Section::Proposals => "de-xuat",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// Where a paragraph sits, and what it was compiled from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Slot {
    /// An agency's directives (section I), from its report.
    Directives { agency: AgencyCode },
    /// An agency's results on a task (section II), from its entry.
    Result { node: NodeId, agency: AgencyCode },
    /// An agency's difficulties on a task (section III.2), from its entry.
    Difficulty { node: NodeId, agency: AgencyCode },
    /// An agency's proposals on a task (section V), from its entry.
    Proposal { node: NodeId, agency: AgencyCode },
    /// A paragraph the standing agency writes itself.
    Written { section: Section, id: RecordId },
}

impl Slot {
    pub fn section(&self) -> Section {
        match self {
            Slot::Directives { .. } => Section::Leadership,
            Slot::Result { .. } => Section::Results,
            Slot::Difficulty { .. } => Section::Weaknesses,
            Slot::Proposal { .. } => Section::Proposals,
            Slot::Written { section, .. } => *section,
        }
    }

    /// The agency a compiled paragraph came from.
    pub fn agency(&self) -> Option<&AgencyCode> {
        match self {
            Slot::Directives { agency }
            | Slot::Result { agency, .. }
            | Slot::Difficulty { agency, .. }
            | Slot::Proposal { agency, .. } => Some(agency),
            Slot::Written { .. } => None,
        }
    }

    /// The task a compiled paragraph is about.
    pub fn node(&self) -> Option<NodeId> {
        match self {
            Slot::Result { node, .. }
            | Slot::Difficulty { node, .. }
            | Slot::Proposal { node, .. } => Some(*node),
            Slot::Directives { .. } | Slot::Written { .. } => None,
        }
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Slot::Directives { agency } => write!(f, "d/{agency}"),
            Slot::Result { node, agency } => write!(f, "r/{node}/{agency}"),
            Slot::Difficulty { node, agency } => write!(f, "k/{node}/{agency}"),
            Slot::Proposal { node, agency } => write!(f, "p/{node}/{agency}"),
            Slot::Written { section, id } => write!(f, "w/{}/{id}", section.code()),
        }
    }
}

impl Slot {
    /// A slot read back from its text (the agency last, so it may hold a slash).
    pub fn parse(s: &str) -> Option<Slot> {
        let (kind, rest) = s.split_once('/')?;
        let agency = |a: &str| {
            (!a.is_empty() && !a.contains(char::is_whitespace)).then(|| AgencyCode::from(a))
        };
        let task = |rest: &str| -> Option<(NodeId, AgencyCode)> {
            let (n, a) = rest.split_once('/')?;
            Some((n.parse().ok()?, agency(a)?))
        };
        Some(match kind {
            "d" => Slot::Directives {
                agency: agency(rest)?,
            },
            "r" => task(rest).map(|(node, agency)| Slot::Result { node, agency })?,
            "k" => task(rest).map(|(node, agency)| Slot::Difficulty { node, agency })?,
            "p" => task(rest).map(|(node, agency)| Slot::Proposal { node, agency })?,
            "w" => {
                let (section, id) = rest.split_once('/')?;
                Slot::Written {
                    section: Section::from_code(section)?,
                    id: id.parse().ok()?,
                }
            }
            _ => return None,
        })
    }
}

/// The leader's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub on: NaiveDate,
    /// The leader's name as it was then.
    pub by: String,
}

/// The summary report's own record: the header fields and the approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub round: RecordId,
    /// Số, ký hiệu: "125/BC-BDT".
    #[serde(default)]
    pub number: String,
    /// Địa danh: "Lạng Sơn".
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub date: Option<NaiveDate>,
    /// Kính gửi, one addressee per line.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Quyền hạn, chức vụ: "KT. TRƯỞNG BAN\nPHÓ TRƯỞNG BAN".
    #[serde(default)]
    pub signer_title: String,
    /// Họ tên người ký.
    #[serde(default)]
    pub signer: String,
    /// Nơi nhận, one per line ("- Như trên;", "- Lưu: VT.").
    #[serde(default)]
    pub copies_to: Vec<String>,
    #[serde(default)]
    pub approved: Option<Approval>,
}

impl Summary {
    /// A summary with nothing written in its header.
    pub fn blank(round: RecordId) -> Self {
        Self {
            round,
            number: String::new(),
            place: String::new(),
            date: None,
            recipients: Vec::new(),
            signer_title: String::new(),
            signer: String::new(),
            copies_to: Vec::new(),
            approved: None,
        }
    }
}

/// A paragraph of the summary report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paragraph {
    pub round: RecordId,
    pub slot: Slot,
    /// The text as the report prints it (edited by the standing agency).
    pub text: String,
    /// What its sources said when it was compiled (or last refreshed): when they say something
    /// else now, the paragraph is out of date.
    #[serde(default)]
    pub compiled: String,
}

impl Serialize for Slot {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Slot {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Slot::parse(&s).ok_or_else(|| serde::de::Error::custom("not a paragraph slot"))
    }
}
