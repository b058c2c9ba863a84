//! Reports' records, as they are synced and stored: rounds (kỳ báo cáo), agency reports, their
//! entries (one per task), indicators (chỉ tiêu) and their values. Each has a [`RecordKey`]:
//! a round or an indicator by its client-made id; an agency report by its round and agency; an
//! entry by its round, agency and task; a value by its round, indicator, administrative unit
//! and agency. Natural keys make two devices that start the same entry offline write the same
//! record (their fields merge, or conflict field by field) instead of two.

use crate::ids::{AgencyCode, NodeId, RecordId};
use crate::inspection::model::{Finding, InspectionRound, Photo, Recommendation, Visit};
use crate::inspection::photo::PhotoHash;
use crate::plan::Node;
use crate::report::completeness::ReportState;
use crate::report::money::Vnd;
use crate::report::period::{DataPeriod, ReportPeriod};
use crate::report::quantity::Quantity;
use crate::report::summary::{Paragraph, Slot, Summary};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// A report record's identity within its plan. Written as text ("entry/{round}/{node}/{agency}")
/// on the wire, in the database and as a map key; records of one round and agency sort together.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKey {
    Round(RecordId),
    Report {
        round: RecordId,
        agency: AgencyCode,
    },
    Entry {
        round: RecordId,
        agency: AgencyCode,
        node: NodeId,
    },
    Indicator(RecordId),
    Value {
        round: RecordId,
        agency: AgencyCode,
        indicator: RecordId,
        /// The district or commune (`registry::AdminUnit::id`); `None` for the whole province.
        unit: Option<String>,
    },
    /// The round's summary report (its header and approval).
    Summary {
        round: RecordId,
    },
    /// A paragraph of the round's summary report.
    Paragraph {
        round: RecordId,
        slot: Slot,
    },
    /// The plan's own document details (number, trích yếu, date, issuer, signer) as changed
    /// after the import; one per plan.
    Document,
    /// An inspection round (đợt kiểm tra), by its client-made id.
    Inspection(RecordId),
    /// A visit of an inspection round (phiếu kiểm tra), by its client-made id.
    Visit(RecordId),
    /// What a visit found on a task: one per visit and task.
    Finding {
        visit: RecordId,
        task: NodeId,
    },
    /// A recommendation made at a visit, by its client-made id.
    Recommendation(RecordId),
    /// A photo of a visit: one per visit and file.
    Photo {
        visit: RecordId,
        hash: PhotoHash,
    },
}

impl RecordKey {
    /// The round the record belongs to (`None` for an indicator).
    pub fn round(&self) -> Option<RecordId> {
        match self {
            RecordKey::Round(id) => Some(*id),
            RecordKey::Report { round, .. }
            | RecordKey::Entry { round, .. }
            | RecordKey::Value { round, .. }
            | RecordKey::Summary { round }
            | RecordKey::Paragraph { round, .. } => Some(*round),
            RecordKey::Indicator(_) | RecordKey::Document => None,
            RecordKey::Inspection(_)
            | RecordKey::Visit(_)
            | RecordKey::Finding { .. }
            | RecordKey::Recommendation(_)
            | RecordKey::Photo { .. } => None,
        }
    }

    /// Whether the record is an inspection's (a round, a visit, a finding, a recommendation
    /// or a photo), not a report's.
    pub fn is_inspection(&self) -> bool {
        matches!(
            self,
            RecordKey::Inspection(_)
                | RecordKey::Visit(_)
                | RecordKey::Finding { .. }
                | RecordKey::Recommendation(_)
                | RecordKey::Photo { .. }
        )
    }

    /// The visit an inspection record belongs to (a visit's own key names itself).
    pub fn visit(&self) -> Option<RecordId> {
        match self {
            RecordKey::Visit(id)
            | RecordKey::Finding { visit: id, .. }
            | RecordKey::Photo { visit: id, .. } => Some(*id),
            _ => None,
        }
    }

    /// The agency whose report the record is part of.
    pub fn agency(&self) -> Option<&AgencyCode> {
        match self {
            RecordKey::Report { agency, .. }
            | RecordKey::Entry { agency, .. }
            | RecordKey::Value { agency, .. } => Some(agency),
            RecordKey::Round(_)
            | RecordKey::Indicator(_)
            | RecordKey::Summary { .. }
            | RecordKey::Paragraph { .. }
            | RecordKey::Document => None,
            _ => None,
        }
    }

    /// The key of the agency report this record is part of.
    pub fn report(&self) -> Option<RecordKey> {
        Some(RecordKey::Report {
            round: self.round()?,
            agency: self.agency()?.clone(),
        })
    }
}

impl fmt::Display for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordKey::Round(id) => write!(f, "round/{id}"),
            RecordKey::Report { round, agency } => write!(f, "report/{round}/{agency}"),
            RecordKey::Entry {
                round,
                agency,
                node,
            } => write!(f, "entry/{round}/{node}/{agency}"),
            RecordKey::Indicator(id) => write!(f, "indicator/{id}"),
            RecordKey::Value {
                round,
                agency,
                indicator,
                unit,
            } => write!(
                f,
                "value/{round}/{indicator}/{}/{agency}",
                unit.as_deref().unwrap_or("-")
            ),
            RecordKey::Summary { round } => write!(f, "summary/{round}"),
            RecordKey::Paragraph { round, slot } => write!(f, "paragraph/{round}/{slot}"),
            RecordKey::Document => write!(f, "document/plan"),
            RecordKey::Inspection(id) => write!(f, "inspection/{id}"),
            RecordKey::Visit(id) => write!(f, "visit/{id}"),
            RecordKey::Finding { visit, task } => write!(f, "finding/{visit}/{task}"),
            RecordKey::Recommendation(id) => write!(f, "recommendation/{id}"),
            RecordKey::Photo { visit, hash } => write!(f, "photo/{visit}/{hash}"),
        }
    }
}

/// Text that is not a record key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a report record key")]
pub struct BadKey;

impl FromStr for RecordKey {
    type Err = BadKey;
    fn from_str(s: &str) -> Result<Self, BadKey> {
        let id = |t: &str| t.parse::<RecordId>().map_err(|_| BadKey);
        let agency = |t: &str| {
            if t.is_empty() || t.contains(char::is_whitespace) {
                Err(BadKey)
            } else {
                Ok(AgencyCode::from(t))
            }
        };
        let (kind, rest) = s.split_once('/').ok_or(BadKey)?;
        // The agency comes last and may hold anything but spaces; the parts before it never hold
        // a slash.
        let parts = |n: usize| -> Vec<&str> { rest.splitn(n, '/').collect() };
        Ok(match kind {
            "round" => RecordKey::Round(id(rest)?),
            "indicator" => RecordKey::Indicator(id(rest)?),
            "report" => match parts(2)[..] {
                [r, a] => RecordKey::Report {
                    round: id(r)?,
                    agency: agency(a)?,
                },
                _ => return Err(BadKey),
            },
            "entry" => match parts(3)[..] {
                [r, n, a] => RecordKey::Entry {
                    round: id(r)?,
                    node: n.parse().map_err(|_| BadKey)?,
                    agency: agency(a)?,
                },
                _ => return Err(BadKey),
            },
            "summary" => RecordKey::Summary { round: id(rest)? },
            "document" if rest == "plan" => RecordKey::Document,
            "inspection" => RecordKey::Inspection(id(rest)?),
            "visit" => RecordKey::Visit(id(rest)?),
            "recommendation" => RecordKey::Recommendation(id(rest)?),
            "finding" => match parts(2)[..] {
                [v, t] => RecordKey::Finding {
                    visit: id(v)?,
                    task: t.parse().map_err(|_| BadKey)?,
                },
                _ => return Err(BadKey),
            },
            "photo" => match parts(2)[..] {
                [v, h] => RecordKey::Photo {
                    visit: id(v)?,
                    hash: PhotoHash::parse(h).map_err(|_| BadKey)?,
                },
                _ => return Err(BadKey),
            },
            "paragraph" => match parts(2)[..] {
                [r, slot] => RecordKey::Paragraph {
                    round: id(r)?,
                    slot: Slot::parse(slot).ok_or(BadKey)?,
                },
                _ => return Err(BadKey),
            },
            "value" => match parts(4)[..] {
                [r, i, u, a] => RecordKey::Value {
                    round: id(r)?,
                    indicator: id(i)?,
                    unit: (u != "-").then(|| u.to_owned()).filter(|u| !u.is_empty()),
                    agency: agency(a)?,
                },
                _ => return Err(BadKey),
            },
            _ => return Err(BadKey),
        })
    }
}

impl Serialize for RecordKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RecordKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A report round (kỳ báo cáo): which report, for which days, due when, from whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    pub id: RecordId,
    pub period: ReportPeriod,
    /// The year the report is about ("Báo cáo 6 tháng đầu năm 2015": 2015).
    pub year: i32,
    pub title: String,
    /// The days whose data the round covers.
    pub data: DataPeriod,
    /// When agencies' reports are due.
    pub due: NaiveDate,
    /// When the standing agency's summary is due.
    pub summary_due: NaiveDate,
    /// The agencies that must report, in the order they were chosen.
    pub required: Vec<AgencyCode>,
}

/// A document an agency issued to direct the work (công tác chỉ đạo): "Công văn số 125/SYT-NV
/// ngày 10/3/2015 về …".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directive {
    /// Số, ký hiệu: "125/SYT-NV".
    pub number: String,
    #[serde(default)]
    pub date: Option<NaiveDate>,
    /// Trích yếu.
    pub summary: String,
}

/// Why and when the standing agency returned a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Returned {
    pub reason: String,
    pub on: NaiveDate,
}

/// An agency's report for a round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencyReport {
    pub round: RecordId,
    pub agency: AgencyCode,
    pub state: ReportState,
    /// The first time it was sent: what timeliness is judged by.
    #[serde(default)]
    pub first_sent_on: Option<NaiveDate>,
    /// The last time it was sent.
    #[serde(default)]
    pub sent_on: Option<NaiveDate>,
    /// The last return, kept after it is sent again.
    #[serde(default)]
    pub returned: Option<Returned>,
    #[serde(default)]
    pub accepted_on: Option<NaiveDate>,
    /// Công tác chỉ đạo: the documents the agency issued.
    #[serde(default)]
    pub directives: Vec<Directive>,
    /// Đánh giá chung, general remarks.
    #[serde(default)]
    pub remarks: String,
}

impl AgencyReport {
    /// A new draft.
    pub fn draft(round: RecordId, agency: AgencyCode) -> Self {
        Self {
            round,
            agency,
            state: ReportState::Draft,
            first_sent_on: None,
            sent_on: None,
            returned: None,
            accepted_on: None,
            directives: Vec::new(),
            remarks: String::new(),
        }
    }

    /// True while its agency may still change it (a draft, or returned to it).
    pub fn is_open(&self) -> bool {
        matches!(self.state, ReportState::Draft | ReportState::Returned)
    }
}

/// What an agency reports on one task it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub round: RecordId,
    pub agency: AgencyCode,
    pub node: NodeId,
    /// Tiến độ at the end of the data period, in percent.
    #[serde(default)]
    pub progress: Option<u8>,
    /// Kết quả thực hiện: paragraphs separated by line breaks.
    #[serde(default)]
    pub results: String,
    /// Khó khăn, vướng mắc.
    #[serde(default)]
    pub difficulties: String,
    /// Đề xuất, kiến nghị.
    #[serde(default)]
    pub proposals: String,
    /// Kinh phí được giao.
    #[serde(default)]
    pub funds_allocated: Option<Vnd>,
    /// Kinh phí đã giải ngân.
    #[serde(default)]
    pub funds_disbursed: Option<Vnd>,
}

impl Entry {
    /// An entry with nothing written yet.
    pub fn blank(round: RecordId, agency: AgencyCode, node: NodeId) -> Self {
        Self {
            round,
            agency,
            node,
            progress: None,
            results: String::new(),
            difficulties: String::new(),
            proposals: String::new(),
            funds_allocated: None,
            funds_disbursed: None,
        }
    }
}

/// Which way an indicator should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Càng cao càng tốt.
    Higher,
    /// Càng thấp càng tốt (tỷ lệ hộ nghèo).
    Lower,
}

/// Where an indicator's values are given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorScope {
    Province,
    District,
    Commune,
}

/// A plan's indicator (chỉ tiêu): "Tỷ lệ hộ nghèo", "%", lower is better, baseline 28,5,
/// target 18 by 2020.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    pub id: RecordId,
    pub name: String,
    /// Đơn vị tính: "%", "hộ", "km".
    pub unit: String,
    pub direction: Direction,
    #[serde(default)]
    pub baseline: Option<Quantity>,
    #[serde(default)]
    pub target: Option<Quantity>,
    #[serde(default)]
    pub target_year: Option<i32>,
    pub scope: IndicatorScope,
}

/// A value of an indicator in an agency's report, for the province or one unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorValue {
    pub round: RecordId,
    pub agency: AgencyCode,
    pub indicator: RecordId,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub value: Option<Quantity>,
    /// Ghi chú: how it was measured, why it moved.
    #[serde(default)]
    pub note: String,
}

/// A report record of any kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    Round(Round),
    Report(AgencyReport),
    Entry(Entry),
    Indicator(Indicator),
    Value(IndicatorValue),
    Summary(Summary),
    Paragraph(Paragraph),
    Document(DocumentRecord),
    Inspection(InspectionRound),
    Visit(Visit),
    Finding(Finding),
    Recommendation(Recommendation),
    Photo(Photo),
}

/// The plan's document details as changed after its import: each field in `edited` replaces
/// the import's (`PlanMetadata`); the others stand as imported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRecord {
    #[serde(default)]
    pub number: Option<String>,
    /// Named apart from `Record`'s own tag, "kind".
    #[serde(default, rename = "document_kind")]
    pub kind: Option<crate::document::DocumentKind>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub issued_on: Option<NaiveDate>,
    #[serde(default)]
    pub issuer: Option<String>,
    #[serde(default)]
    pub signer: Option<String>,
    /// The fields changed since the import.
    #[serde(default)]
    pub edited: std::collections::BTreeSet<RecordField>,
}

impl DocumentRecord {
    /// `imported` with the fields changed since.
    pub fn over(&self, imported: &crate::document::PlanMetadata) -> crate::document::PlanMetadata {
        let mut m = imported.clone();
        for field in &self.edited {
            match field {
                RecordField::Number => m.number.clone_from(&self.number),
                RecordField::Kind => m.kind = self.kind,
                RecordField::Title => m.title.clone_from(&self.title),
                RecordField::Date => m.issued_on = self.issued_on,
                RecordField::Issuer => m.issuer.clone_from(&self.issuer),
                RecordField::Signer => m.signer.clone_from(&self.signer),
                _ => {}
            }
        }
        m
    }

    /// The edits that take the plan's details from `before` to `after`, one per changed field.
    pub fn edits(
        before: &crate::document::PlanMetadata,
        after: &crate::document::PlanMetadata,
    ) -> Vec<RecordEdit> {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let mut out = Vec::new();
        if after.number != before.number {
            out.push(RecordEdit::Number(text(&after.number)));
        }
        if after.kind != before.kind {
            out.push(RecordEdit::Kind(after.kind));
        }
        if after.title != before.title {
            out.push(RecordEdit::Title(text(&after.title)));
        }
        if after.issued_on != before.issued_on {
            out.push(RecordEdit::Date(after.issued_on));
        }
        if after.issuer != before.issuer {
            out.push(RecordEdit::Issuer(text(&after.issuer)));
        }
        if after.signer != before.signer {
            out.push(RecordEdit::Signer(text(&after.signer)));
        }
        out
    }

    /// The names (as `PlanMetadata` is written in JSON) of the fields changed since the import.
    pub fn changed_keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.edited.iter().filter_map(|field| match field {
            RecordField::Number => Some("number"),
            RecordField::Kind => Some("kind"),
            RecordField::Title => Some("title"),
            RecordField::Date => Some("issued_on"),
            RecordField::Issuer => Some("issuer"),
            RecordField::Signer => Some("signer"),
            _ => None,
        })
    }

    /// The plan's metadata as it stands: `imported`, with the document record of `records` if
    /// there is one.
    pub fn metadata_of(
        records: &Records,
        imported: &crate::document::PlanMetadata,
    ) -> crate::document::PlanMetadata {
        match records.get(&RecordKey::Document) {
            Some(Record::Document(d)) => d.over(imported),
            _ => imported.clone(),
        }
    }
}

impl Record {
    pub fn key(&self) -> RecordKey {
        match self {
            Record::Round(r) => RecordKey::Round(r.id),
            Record::Report(r) => RecordKey::Report {
                round: r.round,
                agency: r.agency.clone(),
            },
            Record::Entry(e) => RecordKey::Entry {
                round: e.round,
                agency: e.agency.clone(),
                node: e.node,
            },
            Record::Indicator(i) => RecordKey::Indicator(i.id),
            Record::Value(v) => RecordKey::Value {
                round: v.round,
                agency: v.agency.clone(),
                indicator: v.indicator,
                unit: v.unit.clone(),
            },
            Record::Summary(s) => RecordKey::Summary { round: s.round },
            Record::Paragraph(p) => RecordKey::Paragraph {
                round: p.round,
                slot: p.slot.clone(),
            },
            Record::Document(_) => RecordKey::Document,
            Record::Inspection(r) => RecordKey::Inspection(r.id),
            Record::Visit(v) => RecordKey::Visit(v.id),
            Record::Finding(f) => RecordKey::Finding {
                visit: f.visit,
                task: f.task,
            },
            Record::Recommendation(r) => RecordKey::Recommendation(r.id),
            Record::Photo(p) => RecordKey::Photo {
                visit: p.visit,
                hash: p.hash.clone(),
            },
        }
    }

    /// The record a key names before anything is written in it, for the kinds a first edit
    /// creates (agency reports, entries, values).
    pub fn blank(key: &RecordKey) -> Option<Record> {
        Some(match key.clone() {
            RecordKey::Report { round, agency } => {
                Record::Report(AgencyReport::draft(round, agency))
            }
            RecordKey::Entry {
                round,
                agency,
                node,
            } => Record::Entry(Entry::blank(round, agency, node)),
            RecordKey::Value {
                round,
                agency,
                indicator,
                unit,
            } => Record::Value(IndicatorValue {
                round,
                agency,
                indicator,
                unit,
                value: None,
                note: String::new(),
            }),
            RecordKey::Summary { round } => Record::Summary(Summary::blank(round)),
            RecordKey::Document => Record::Document(DocumentRecord::default()),
            RecordKey::Round(_)
            | RecordKey::Indicator(_)
            | RecordKey::Paragraph { .. }
            | RecordKey::Inspection(_)
            | RecordKey::Visit(_)
            | RecordKey::Finding { .. }
            | RecordKey::Recommendation(_)
            | RecordKey::Photo { .. } => {
                return None;
            }
        })
    }

    /// The fields a record of this kind has: all of them are written when it is created.
    pub fn fields(&self) -> &'static [RecordField] {
        use RecordField::*;
        match self {
            Record::Round(_) => &[Title, DataPeriod, Due, SummaryDue, Required],
            Record::Report(_) => &[State, Directives, Remarks],
            Record::Entry(_) => &[
                Progress,
                Results,
                Difficulties,
                Proposals,
                FundsAllocated,
                FundsDisbursed,
            ],
            Record::Indicator(_) => &[Name, Unit, Direction, Baseline, Target, TargetYear, Scope],
            Record::Value(_) => &[Value, Note],
            Record::Summary(_) => &[
                Number,
                Place,
                Date,
                Recipients,
                SignerTitle,
                Signer,
                CopiesTo,
                Approval,
            ],
            Record::Paragraph(_) => &[Text, Compiled],
            Record::Document(_) => &[Number, Kind, Title, Date, Issuer, Signer],
            Record::Inspection(_) | Record::Visit(_) | Record::Finding(_) | Record::Photo(_) => {
                &[Content]
            }
            Record::Recommendation(_) => &[Content, FollowUp],
        }
    }
}

/// What a report mutation sees of the plan: its nodes and its report records.
pub trait PlanView {
    fn node(&self, id: NodeId) -> Option<&Node>;
    /// The children of `parent` (`None`: top level), in order.
    fn children(&self, parent: Option<NodeId>) -> Vec<&Node>;
    /// Every node in the plan's order (depth first, siblings by rank): one pass over the
    /// plan, not a search of its children at each node.
    fn in_order(&self) -> Vec<&Node>;
    fn records(&self) -> &Records;
}

/// What a report mutation writes: records (whole, in their new state) and records removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordChange {
    pub upserted: Vec<Record>,
    pub deleted: Vec<RecordKey>,
}

/// A plan's report records, by key (records of one round and agency side by side).
pub type Records = BTreeMap<RecordKey, Record>;

/// A field of a report record: the unit of conflict detection, as [`crate::mutation::Field`]
/// is for nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordField {
    Title,
    DataPeriod,
    Due,
    SummaryDue,
    Required,
    /// An agency report's state and its dates (sent, returned, accepted).
    State,
    Directives,
    Remarks,
    Progress,
    Results,
    Difficulties,
    Proposals,
    FundsAllocated,
    FundsDisbursed,
    Name,
    Unit,
    Direction,
    Baseline,
    Target,
    TargetYear,
    Scope,
    Value,
    Note,
    Number,
    Place,
    Date,
    Recipients,
    SignerTitle,
    Signer,
    CopiesTo,
    /// A summary's approval (only approving and reopening change it).
    Approval,
    Text,
    /// What a paragraph's sources said when it was compiled or refreshed.
    Compiled,
    /// The issuing body of the plan's document.
    Issuer,
    /// The kind of the plan's document.
    Kind,
    /// An inspection record as its recorder wrote it (saved whole).
    Content,
    /// Where the agency says a recommendation stands, and its note.
    FollowUp,
}

impl RecordField {
    /// The field's name as users read it.
    pub fn label_vi(self) -> &'static str {
        use RecordField::*;
        match self {
            Title => "Tên kỳ báo cáo",
            DataPeriod => "Thời gian lấy số liệu",
            Due => "Hạn gửi báo cáo",
            SummaryDue => "Hạn báo cáo tổng hợp",
            Required => "Đơn vị phải báo cáo",
            State => "Trạng thái",
            Directives => "Công tác chỉ đạo",
            Remarks => "Đánh giá chung",
            Progress => "Tiến độ",
            Results => "Kết quả thực hiện",
            Difficulties => "Khó khăn, vướng mắc",
            Proposals => "Đề xuất, kiến nghị",
            FundsAllocated => "Kinh phí được giao",
            FundsDisbursed => "Kinh phí đã giải ngân",
            Name => "Tên chỉ tiêu",
            Unit => "Đơn vị tính",
            Direction => "Chiều tốt",
            Baseline => "Giá trị gốc",
            Target => "Mục tiêu",
            TargetYear => "Năm đạt mục tiêu",
            Scope => "Phạm vi",
            Value => "Giá trị",
            Note => "Ghi chú",
            Number => "Số, ký hiệu",
            Place => "Địa danh",
            Date => "Ngày ban hành",
            Recipients => "Kính gửi",
            SignerTitle => "Chức vụ người ký",
            Signer => "Người ký",
            CopiesTo => "Nơi nhận",
            Approval => "Phê duyệt",
            Text => "Nội dung đoạn",
            Compiled => "Nội dung tổng hợp",
            Issuer => "Cơ quan ban hành",
            Kind => "Loại văn bản",
            Content => "Nội dung",
            FollowUp => "Tình hình thực hiện",
        }
    }
}

/// One field of a report record, with its new value: what a user edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", content = "value", rename_all = "snake_case")]
pub enum RecordEdit {
    Title(String),
    DataPeriod(DataPeriod),
    Due(NaiveDate),
    SummaryDue(NaiveDate),
    Required(Vec<AgencyCode>),
    Directives(Vec<Directive>),
    Remarks(String),
    Progress(Option<u8>),
    Results(String),
    Difficulties(String),
    Proposals(String),
    FundsAllocated(Option<Vnd>),
    FundsDisbursed(Option<Vnd>),
    Name(String),
    Unit(String),
    Direction(Direction),
    Baseline(Option<Quantity>),
    Target(Option<Quantity>),
    TargetYear(Option<i32>),
    Scope(IndicatorScope),
    Value(Option<Quantity>),
    Note(String),
    Number(String),
    Place(String),
    Date(Option<NaiveDate>),
    Recipients(Vec<String>),
    SignerTitle(String),
    Signer(String),
    CopiesTo(Vec<String>),
    Text(String),
    Issuer(String),
    Kind(Option<crate::document::DocumentKind>),
    /// An inspection record, whole (a recommendation's follow-up left as it is).
    Content(Box<Record>),
    FollowUp {
        state: crate::inspection::model::FollowUp,
        #[serde(default)]
        note: String,
    },
}

impl RecordEdit {
    pub fn field(&self) -> RecordField {
        use RecordField as F;
        match self {
            RecordEdit::Title(_) => F::Title,
            RecordEdit::DataPeriod(_) => F::DataPeriod,
            RecordEdit::Due(_) => F::Due,
            RecordEdit::SummaryDue(_) => F::SummaryDue,
            RecordEdit::Required(_) => F::Required,
            RecordEdit::Directives(_) => F::Directives,
            RecordEdit::Remarks(_) => F::Remarks,
            RecordEdit::Progress(_) => F::Progress,
            RecordEdit::Results(_) => F::Results,
            RecordEdit::Difficulties(_) => F::Difficulties,
            RecordEdit::Proposals(_) => F::Proposals,
            RecordEdit::FundsAllocated(_) => F::FundsAllocated,
            RecordEdit::FundsDisbursed(_) => F::FundsDisbursed,
            RecordEdit::Name(_) => F::Name,
            RecordEdit::Unit(_) => F::Unit,
            RecordEdit::Direction(_) => F::Direction,
            RecordEdit::Baseline(_) => F::Baseline,
            RecordEdit::Target(_) => F::Target,
            RecordEdit::TargetYear(_) => F::TargetYear,
            RecordEdit::Scope(_) => F::Scope,
            RecordEdit::Value(_) => F::Value,
            RecordEdit::Note(_) => F::Note,
            RecordEdit::Number(_) => F::Number,
            RecordEdit::Place(_) => F::Place,
            RecordEdit::Date(_) => F::Date,
            RecordEdit::Recipients(_) => F::Recipients,
            RecordEdit::SignerTitle(_) => F::SignerTitle,
            RecordEdit::Signer(_) => F::Signer,
            RecordEdit::CopiesTo(_) => F::CopiesTo,
            RecordEdit::Text(_) => F::Text,
            RecordEdit::Issuer(_) => F::Issuer,
            RecordEdit::Kind(_) => F::Kind,
            RecordEdit::Content(_) => F::Content,
            RecordEdit::FollowUp { .. } => F::FollowUp,
        }
    }

    /// The current value of `field` on `record`, as an edit that would set it (`None` when the
    /// record has no such field, or for the state, which only sending, returning and accepting
    /// change).
    pub fn of(record: &Record, field: RecordField) -> Option<RecordEdit> {
        use RecordField as F;
        Some(match (record, field) {
            (Record::Round(r), F::Title) => RecordEdit::Title(r.title.clone()),
            (Record::Round(r), F::DataPeriod) => RecordEdit::DataPeriod(r.data),
            (Record::Round(r), F::Due) => RecordEdit::Due(r.due),
            (Record::Round(r), F::SummaryDue) => RecordEdit::SummaryDue(r.summary_due),
            (Record::Round(r), F::Required) => RecordEdit::Required(r.required.clone()),
            (Record::Report(r), F::Directives) => RecordEdit::Directives(r.directives.clone()),
            (Record::Report(r), F::Remarks) => RecordEdit::Remarks(r.remarks.clone()),
            (Record::Entry(e), F::Progress) => RecordEdit::Progress(e.progress),
            (Record::Entry(e), F::Results) => RecordEdit::Results(e.results.clone()),
            (Record::Entry(e), F::Difficulties) => RecordEdit::Difficulties(e.difficulties.clone()),
            (Record::Entry(e), F::Proposals) => RecordEdit::Proposals(e.proposals.clone()),
            (Record::Entry(e), F::FundsAllocated) => RecordEdit::FundsAllocated(e.funds_allocated),
            (Record::Entry(e), F::FundsDisbursed) => RecordEdit::FundsDisbursed(e.funds_disbursed),
            (Record::Indicator(i), F::Name) => RecordEdit::Name(i.name.clone()),
            (Record::Indicator(i), F::Unit) => RecordEdit::Unit(i.unit.clone()),
            (Record::Indicator(i), F::Direction) => RecordEdit::Direction(i.direction),
            (Record::Indicator(i), F::Baseline) => RecordEdit::Baseline(i.baseline),
            (Record::Indicator(i), F::Target) => RecordEdit::Target(i.target),
            (Record::Indicator(i), F::TargetYear) => RecordEdit::TargetYear(i.target_year),
            (Record::Indicator(i), F::Scope) => RecordEdit::Scope(i.scope),
            (Record::Value(v), F::Value) => RecordEdit::Value(v.value),
            (Record::Value(v), F::Note) => RecordEdit::Note(v.note.clone()),
            (Record::Summary(s), F::Number) => RecordEdit::Number(s.number.clone()),
            (Record::Summary(s), F::Place) => RecordEdit::Place(s.place.clone()),
            (Record::Summary(s), F::Date) => RecordEdit::Date(s.date),
            (Record::Summary(s), F::Recipients) => RecordEdit::Recipients(s.recipients.clone()),
            (Record::Summary(s), F::SignerTitle) => RecordEdit::SignerTitle(s.signer_title.clone()),
            (Record::Summary(s), F::Signer) => RecordEdit::Signer(s.signer.clone()),
            (Record::Summary(s), F::CopiesTo) => RecordEdit::CopiesTo(s.copies_to.clone()),
            (Record::Paragraph(p), F::Text) => RecordEdit::Text(p.text.clone()),
            (Record::Document(d), F::Number) => {
                RecordEdit::Number(d.number.clone().unwrap_or_default())
            }
            (Record::Document(d), F::Kind) => RecordEdit::Kind(d.kind),
            (Record::Document(d), F::Title) => {
                RecordEdit::Title(d.title.clone().unwrap_or_default())
            }
            (Record::Document(d), F::Date) => RecordEdit::Date(d.issued_on),
            (Record::Document(d), F::Issuer) => {
                RecordEdit::Issuer(d.issuer.clone().unwrap_or_default())
            }
            (Record::Document(d), F::Signer) => {
                RecordEdit::Signer(d.signer.clone().unwrap_or_default())
            }
            (
                Record::Inspection(_)
                | Record::Visit(_)
                | Record::Finding(_)
                | Record::Recommendation(_)
                | Record::Photo(_),
                F::Content,
            ) => RecordEdit::Content(Box::new(record.clone())),
            (Record::Recommendation(r), F::FollowUp) => RecordEdit::FollowUp {
                state: r.state,
                note: r.note.clone(),
            },
            _ => return None,
        })
    }

    /// Sets the field on `record` as given (already checked by `report::op`); false when the
    /// record has no such field.
    pub(crate) fn set(self, record: &mut Record) -> bool {
        match (record, self) {
            (Record::Round(r), RecordEdit::Title(v)) => r.title = v,
            (Record::Round(r), RecordEdit::DataPeriod(v)) => r.data = v,
            (Record::Round(r), RecordEdit::Due(v)) => r.due = v,
            (Record::Round(r), RecordEdit::SummaryDue(v)) => r.summary_due = v,
            (Record::Round(r), RecordEdit::Required(v)) => r.required = v,
            (Record::Report(r), RecordEdit::Directives(v)) => r.directives = v,
            (Record::Report(r), RecordEdit::Remarks(v)) => r.remarks = v,
            (Record::Entry(e), RecordEdit::Progress(v)) => e.progress = v,
            (Record::Entry(e), RecordEdit::Results(v)) => e.results = v,
            (Record::Entry(e), RecordEdit::Difficulties(v)) => e.difficulties = v,
            (Record::Entry(e), RecordEdit::Proposals(v)) => e.proposals = v,
            (Record::Entry(e), RecordEdit::FundsAllocated(v)) => e.funds_allocated = v,
            (Record::Entry(e), RecordEdit::FundsDisbursed(v)) => e.funds_disbursed = v,
            (Record::Indicator(i), RecordEdit::Name(v)) => i.name = v,
            (Record::Indicator(i), RecordEdit::Unit(v)) => i.unit = v,
            (Record::Indicator(i), RecordEdit::Direction(v)) => i.direction = v,
            (Record::Indicator(i), RecordEdit::Baseline(v)) => i.baseline = v,
            (Record::Indicator(i), RecordEdit::Target(v)) => i.target = v,
            (Record::Indicator(i), RecordEdit::TargetYear(v)) => i.target_year = v,
            (Record::Indicator(i), RecordEdit::Scope(v)) => i.scope = v,
            (Record::Value(v), RecordEdit::Value(x)) => v.value = x,
            (Record::Value(v), RecordEdit::Note(x)) => v.note = x,
            (Record::Summary(s), RecordEdit::Number(x)) => s.number = x,
            (Record::Summary(s), RecordEdit::Place(x)) => s.place = x,
            (Record::Summary(s), RecordEdit::Date(x)) => s.date = x,
            (Record::Summary(s), RecordEdit::Recipients(x)) => s.recipients = x,
            (Record::Summary(s), RecordEdit::SignerTitle(x)) => s.signer_title = x,
            (Record::Summary(s), RecordEdit::Signer(x)) => s.signer = x,
            (Record::Summary(s), RecordEdit::CopiesTo(x)) => s.copies_to = x,
            (Record::Paragraph(p), RecordEdit::Text(x)) => p.text = x,
            (Record::Recommendation(r), RecordEdit::FollowUp { state, note }) => {
                r.state = state;
                r.note = note;
            }
            (Record::Recommendation(r), RecordEdit::Content(new)) => match *new {
                Record::Recommendation(new) if new.id == r.id => {
                    let (state, note) = (r.state, std::mem::take(&mut r.note));
                    *r = Recommendation { state, note, ..new };
                }
                _ => return false,
            },
            (
                record @ (Record::Inspection(_)
                | Record::Visit(_)
                | Record::Finding(_)
                | Record::Photo(_)),
                RecordEdit::Content(new),
            ) => {
                if new.key() != record.key() {
                    return false;
                }
                *record = *new;
            }
            (Record::Document(d), edit) => {
                let text = |x: String| (!x.is_empty()).then_some(x);
                let field = edit.field();
                match edit {
                    RecordEdit::Number(x) => d.number = text(x),
                    RecordEdit::Kind(x) => d.kind = x,
                    RecordEdit::Title(x) => d.title = text(x),
                    RecordEdit::Date(x) => d.issued_on = x,
                    RecordEdit::Issuer(x) => d.issuer = text(x),
                    RecordEdit::Signer(x) => d.signer = text(x),
                    _ => return false,
                }
                d.edited.insert(field);
            }
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_text_and_sort_by_round_then_agency() {
        let round = RecordId::from_parts(1, [1; 10]);
        let node = NodeId::from_parts(2, [2; 10]);
        let keys = [
            RecordKey::Round(round),
            RecordKey::Report {
                round,
                agency: "SYT".into(),
            },
            RecordKey::Entry {
                round,
                agency: "UBND/LB".into(),
                node,
            },
            RecordKey::Indicator(round),
            RecordKey::Value {
                round,
                agency: "SYT".into(),
                indicator: round,
                unit: Some("d-178".into()),
            },
            RecordKey::Value {
                round,
                agency: "SYT".into(),
                indicator: round,
                unit: None,
            },
            RecordKey::Inspection(round),
            RecordKey::Visit(round),
            RecordKey::Finding {
                visit: round,
                task: node,
            },
            RecordKey::Recommendation(round),
            RecordKey::Photo {
                visit: round,
                hash: PhotoHash::from_digest(&[0xab; 32]),
            },
        ];
        for k in &keys {
            assert_eq!(k.to_string().parse::<RecordKey>().as_ref(), Ok(k), "{k}");
            let json = serde_json::to_string(k).unwrap_or_default();
            assert_eq!(
                serde_json::from_str::<RecordKey>(&json).ok().as_ref(),
                Some(k)
            );
        }
        let before = crate::document::PlanMetadata {
            number: Some("52/KH-UBND".into()),
            title: Some("Cũ".into()),
            ..Default::default()
        };
        let after = crate::document::PlanMetadata {
            title: Some("Mới".into()),
            signer: Some("Lý Vinh Quang".into()),
            ..before.clone()
        };
        let mut record = Record::Document(DocumentRecord::default());
        for edit in DocumentRecord::edits(&before, &after) {
            assert!(edit.set(&mut record));
        }
        let Record::Document(d) = record else {
            unreachable!("a document record")
        };
        assert_eq!(
            d.over(&before),
            after,
            "the edits carry the form's changes, no more"
        );
        assert_eq!(d.changed_keys().collect::<Vec<_>>(), ["title", "signer"]);
        let document = RecordKey::Document;
        assert_eq!(document.to_string().parse::<RecordKey>(), Ok(document));
        for bad in [
            "",
            "round/x",
            "entry/a/b",
            "report/{}/",
            "nothing/1",
            "document/x",
            "photo/x/y",
            "finding/a",
        ] {
            assert!(bad.parse::<RecordKey>().is_err(), "{bad}");
        }
        let entry_of = |agency: &str| RecordKey::Entry {
            round,
            agency: agency.into(),
            node,
        };
        assert!(entry_of("SGD") < entry_of("SYT"));
    }
}
