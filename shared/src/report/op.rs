//! Every change to reports is a typed [`ReportMutation`] (carried by
//! `Mutation::Report`), and [`apply`] decides what it writes or why it is refused, for every
//! role alike (who may make it is `report::access`). It sees the plan through [`PlanView`].

use crate::ids::{AgencyCode, ConflictId, NodeId, RecordId};
use crate::report::compile;
use crate::report::completeness::ReportState;
pub use crate::report::error::ReportError;
use crate::report::money::VND_MAX;
use crate::report::quantity::QUANTITY_MAX;
use crate::report::record::*;
use crate::report::summary::{Approval, Paragraph, Section, Slot, Summary};
use crate::validate;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Longest text of a report field (results, difficulties, proposals, remarks), in characters.
pub const REPORT_TEXT_MAX_CHARS: usize = 20_000;
/// Longest reason for returning a report, in characters.
pub const REASON_MAX_CHARS: usize = 2_000;
/// Most directives one report lists.
pub const DIRECTIVES_MAX: usize = 100;
/// Most agencies a round may require.
pub const REQUIRED_MAX: usize = 500;
/// Most rounds a plan may have (two a year for a century).
pub const ROUNDS_MAX: usize = 200;
/// Most indicators a plan may have.
pub const INDICATORS_MAX: usize = 200;
/// Most paragraphs the standing agency may add by hand to one round's summary.
pub const WRITTEN_PARAGRAPHS_MAX: usize = 500;
/// Longest short text (a directive's number, an indicator's unit, a unit id), in characters.
pub const SHORT_TEXT_MAX_CHARS: usize = 64;

/// A change to a plan's reports, as a user meant it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ReportMutation {
    /// Opens a round; its id is made by the client.
    CreateRound {
        round: Round,
    },
    /// Deletes a round with everything in it, while no agency has sent a report for it.
    DeleteRound {
        id: RecordId,
    },
    CreateIndicator {
        indicator: Indicator,
    },
    /// Deletes an indicator and its values.
    DeleteIndicator {
        id: RecordId,
    },
    /// Sets one field of a record. An agency report, an entry or a value that does not exist
    /// yet is created by its first edit (and the agency's report with it).
    Edit {
        key: RecordKey,
        edit: RecordEdit,
    },
    /// The agency sends its report (a draft, or one returned to it). `on` is the day it was
    /// sent; the server puts its own date there.
    Send {
        round: RecordId,
        agency: AgencyCode,
        on: NaiveDate,
    },
    /// The standing agency returns a sent (or accepted) report to its agency, saying why.
    Return {
        round: RecordId,
        agency: AgencyCode,
        reason: String,
        on: NaiveDate,
    },
    /// The standing agency accepts a sent report.
    Accept {
        round: RecordId,
        agency: AgencyCode,
        on: NaiveDate,
    },
    /// Settles a conflict by setting the field to the chosen (or merged) value.
    ResolveConflict {
        conflict: ConflictId,
        key: RecordKey,
        edit: RecordEdit,
    },
    /// Compiles the round's summary from its accepted reports: a paragraph for each result,
    /// difficulty, proposal and directive list not yet in it (`compile::compiled`).
    Compile {
        round: RecordId,
    },
    /// Puts what a compiled paragraph's source says now in place of its text.
    Refresh {
        key: RecordKey,
    },
    /// Adds a paragraph the standing agency writes; its id is made by the client.
    AddParagraph {
        round: RecordId,
        section: Section,
        id: RecordId,
        #[serde(default)]
        text: String,
    },
    /// Removes a paragraph of the summary.
    DeleteParagraph {
        key: RecordKey,
    },
    /// A leader approves the summary ("Duyệt"): read-only until reopened. `on` and `by` are
    /// the server's date and the leader's name.
    Approve {
        round: RecordId,
        on: NaiveDate,
        #[serde(default)]
        by: String,
    },
    /// A leader reopens an approved summary for changes.
    Reopen {
        round: RecordId,
    },
}

impl ReportMutation {
    /// The record the mutation is about.
    pub fn key(&self) -> RecordKey {
        match self {
            ReportMutation::CreateRound { round } => RecordKey::Round(round.id),
            ReportMutation::DeleteRound { id } => RecordKey::Round(*id),
            ReportMutation::CreateIndicator { indicator } => RecordKey::Indicator(indicator.id),
            ReportMutation::DeleteIndicator { id } => RecordKey::Indicator(*id),
            ReportMutation::Edit { key, .. } | ReportMutation::ResolveConflict { key, .. } => {
                key.clone()
            }
            ReportMutation::Send { round, agency, .. }
            | ReportMutation::Return { round, agency, .. }
            | ReportMutation::Accept { round, agency, .. } => RecordKey::Report {
                round: *round,
                agency: agency.clone(),
            },
            ReportMutation::Refresh { key } | ReportMutation::DeleteParagraph { key } => {
                key.clone()
            }
            ReportMutation::AddParagraph {
                round, section, id, ..
            } => RecordKey::Paragraph {
                round: *round,
                slot: Slot::Written {
                    section: *section,
                    id: *id,
                },
            },
            ReportMutation::Compile { round }
            | ReportMutation::Approve { round, .. }
            | ReportMutation::Reopen { round } => RecordKey::Summary { round: *round },
        }
    }

    /// The mutation dated `today` and signed by `author` (sending, returning, accepting and
    /// approving carry a date, approving a name: the server puts its own there, so nobody's
    /// clock decides whether a report was late).
    #[must_use]
    pub fn dated(&self, today: NaiveDate, author: &str) -> Self {
        let mut m = self.clone();
        match &mut m {
            ReportMutation::Send { on, .. }
            | ReportMutation::Return { on, .. }
            | ReportMutation::Accept { on, .. } => *on = today,
            ReportMutation::Approve { on, by, .. } => {
                *on = today;
                author.clone_into(by);
            }
            _ => {}
        }
        m
    }

    /// The change in words, for people.
    pub fn describe_vi(&self) -> String {
        match self {
            ReportMutation::CreateRound { round } => format!("Mở kỳ báo cáo «{}»", round.title),
            ReportMutation::DeleteRound { .. } => "Xoá kỳ báo cáo".to_owned(),
            ReportMutation::CreateIndicator { indicator } => {
                format!("Thêm chỉ tiêu «{}»", indicator.name)
            }
            ReportMutation::DeleteIndicator { .. } => "Xoá chỉ tiêu".to_owned(),
            ReportMutation::Edit { edit, .. } => {
                format!("Sửa {}", edit.field().label_vi().to_lowercase())
            }
            ReportMutation::Send { .. } => "Gửi báo cáo".to_owned(),
            ReportMutation::Return { .. } => "Trả lại báo cáo".to_owned(),
            ReportMutation::Accept { .. } => "Tiếp nhận báo cáo".to_owned(),
            ReportMutation::ResolveConflict { .. } => "Giải quyết xung đột".to_owned(),
            ReportMutation::Compile { .. } => "Tổng hợp báo cáo".to_owned(),
            ReportMutation::Refresh { .. } => "Lấy lại nội dung từ báo cáo của đơn vị".to_owned(),
            ReportMutation::AddParagraph { .. } => "Thêm đoạn".to_owned(),
            ReportMutation::DeleteParagraph { .. } => "Xoá đoạn".to_owned(),
            ReportMutation::Approve { .. } => "Duyệt báo cáo tổng hợp".to_owned(),
            ReportMutation::Reopen { .. } => "Mở lại báo cáo tổng hợp".to_owned(),
        }
    }

    /// The mutation with every text cut by `cut`: what a stored refusal keeps of it.
    pub fn abridged(&self, cut: &dyn Fn(&str) -> String, max_list: usize) -> Self {
        let edit = |e: &RecordEdit| match e {
            RecordEdit::Title(t) => RecordEdit::Title(cut(t)),
            RecordEdit::Remarks(t) => RecordEdit::Remarks(cut(t)),
            RecordEdit::Results(t) => RecordEdit::Results(cut(t)),
            RecordEdit::Difficulties(t) => RecordEdit::Difficulties(cut(t)),
            RecordEdit::Proposals(t) => RecordEdit::Proposals(cut(t)),
            RecordEdit::Name(t) => RecordEdit::Name(cut(t)),
            RecordEdit::Unit(t) => RecordEdit::Unit(cut(t)),
            RecordEdit::Note(t) => RecordEdit::Note(cut(t)),
            RecordEdit::Text(t) => RecordEdit::Text(cut(t)),
            RecordEdit::Number(t) => RecordEdit::Number(cut(t)),
            RecordEdit::Place(t) => RecordEdit::Place(cut(t)),
            RecordEdit::Signer(t) => RecordEdit::Signer(cut(t)),
            RecordEdit::SignerTitle(t) => RecordEdit::SignerTitle(cut(t)),
            RecordEdit::Recipients(l) => {
                RecordEdit::Recipients(l.iter().take(max_list).map(|t| cut(t)).collect())
            }
            RecordEdit::CopiesTo(l) => {
                RecordEdit::CopiesTo(l.iter().take(max_list).map(|t| cut(t)).collect())
            }
            RecordEdit::Required(l) => {
                RecordEdit::Required(l.iter().take(max_list).map(|a| cut(a).into()).collect())
            }
            RecordEdit::Directives(l) => RecordEdit::Directives(
                l.iter()
                    .take(max_list)
                    .map(|d| Directive {
                        number: cut(&d.number),
                        date: d.date,
                        summary: cut(&d.summary),
                    })
                    .collect(),
            ),
            other => other.clone(),
        };
        let key = |k: &RecordKey| match k {
            RecordKey::Report { round, agency } => RecordKey::Report {
                round: *round,
                agency: cut(agency).into(),
            },
            RecordKey::Entry {
                round,
                agency,
                node,
            } => RecordKey::Entry {
                round: *round,
                agency: cut(agency).into(),
                node: *node,
            },
            RecordKey::Value {
                round,
                agency,
                indicator,
                unit,
            } => RecordKey::Value {
                round: *round,
                agency: cut(agency).into(),
                indicator: *indicator,
                unit: unit.as_deref().map(cut),
            },
            other => other.clone(),
        };
        match self {
            ReportMutation::CreateRound { round } => ReportMutation::CreateRound {
                round: Round {
                    title: cut(&round.title),
                    required: round
                        .required
                        .iter()
                        .take(max_list)
                        .map(|a| cut(a).into())
                        .collect(),
                    ..round.clone()
                },
            },
            ReportMutation::CreateIndicator { indicator } => ReportMutation::CreateIndicator {
                indicator: Indicator {
                    name: cut(&indicator.name),
                    unit: cut(&indicator.unit),
                    ..indicator.clone()
                },
            },
            ReportMutation::Edit { key: k, edit: e } => ReportMutation::Edit {
                key: key(k),
                edit: edit(e),
            },
            ReportMutation::ResolveConflict {
                conflict,
                key: k,
                edit: e,
            } => ReportMutation::ResolveConflict {
                conflict: *conflict,
                key: key(k),
                edit: edit(e),
            },
            ReportMutation::Send { round, agency, on } => ReportMutation::Send {
                round: *round,
                agency: cut(agency).into(),
                on: *on,
            },
            ReportMutation::Return {
                round,
                agency,
                reason,
                on,
            } => ReportMutation::Return {
                round: *round,
                agency: cut(agency).into(),
                reason: cut(reason),
                on: *on,
            },
            ReportMutation::Accept { round, agency, on } => ReportMutation::Accept {
                round: *round,
                agency: cut(agency).into(),
                on: *on,
            },
            ReportMutation::AddParagraph {
                round,
                section,
                id,
                text,
            } => ReportMutation::AddParagraph {
                round: *round,
                section: *section,
                id: *id,
                text: cut(text),
            },
            ReportMutation::Approve { round, on, by } => ReportMutation::Approve {
                round: *round,
                on: *on,
                by: cut(by),
            },
            ReportMutation::Refresh { key: k } => ReportMutation::Refresh { key: key(k) },
            ReportMutation::DeleteParagraph { key: k } => {
                ReportMutation::DeleteParagraph { key: key(k) }
            }
            ReportMutation::DeleteRound { .. }
            | ReportMutation::DeleteIndicator { .. }
            | ReportMutation::Compile { .. }
            | ReportMutation::Reopen { .. } => self.clone(),
        }
    }
}

/// True when `agency` holds task `id`: it is assigned the task or one of its ancestors, or it
/// added the task as its own sub-task.
pub fn holds(plan: &impl PlanView, id: NodeId, agency: &str) -> bool {
    let mut cur = Some(id);
    // Bounded walk: corrupt data with a parent loop cannot hang us.
    for _ in 0..10_000 {
        let Some(node) = cur.and_then(|c| plan.node(c)) else {
            return false;
        };
        if node.assignment(agency).is_some() || node.owner.as_deref() == Some(agency) {
            return true;
        }
        cur = node.parent;
    }
    false
}

fn text(t: &str, max: usize) -> Result<String, ReportError> {
    let t = t.replace("\r\n", "\n").replace('\u{a0}', " ");
    if t.chars().count() > max {
        return Err(ReportError::TextTooLong { max });
    }
    Ok(t.trim_end().to_owned())
}

fn year(y: i32) -> Result<i32, ReportError> {
    if (1990..=2100).contains(&y) {
        Ok(y)
    } else {
        Err(ReportError::YearOutOfRange)
    }
}

fn agencies(list: &[AgencyCode]) -> Result<Vec<AgencyCode>, ReportError> {
    if list.len() > REQUIRED_MAX {
        return Err(ReportError::TooMany { max: REQUIRED_MAX });
    }
    let mut out: Vec<AgencyCode> = Vec::with_capacity(list.len());
    for a in list {
        let a = validate::agency_code(a)?;
        if !out.contains(&a) {
            out.push(a);
        }
    }
    Ok(out)
}

/// The edit with its value checked and tidied, for a record of `key`'s kind.
fn checked(key: &RecordKey, edit: &RecordEdit) -> Result<RecordEdit, ReportError> {
    use RecordEdit as E;
    let fits = matches!(
        (key, edit),
        (
            RecordKey::Round(_),
            E::Title(_) | E::DataPeriod(_) | E::Due(_) | E::SummaryDue(_) | E::Required(_)
        ) | (RecordKey::Report { .. }, E::Directives(_) | E::Remarks(_))
            | (
                RecordKey::Entry { .. },
                E::Progress(_)
                    | E::Results(_)
                    | E::Difficulties(_)
                    | E::Proposals(_)
                    | E::FundsAllocated(_)
                    | E::FundsDisbursed(_)
            )
            | (
                RecordKey::Indicator(_),
                E::Name(_)
                    | E::Unit(_)
                    | E::Direction(_)
                    | E::Baseline(_)
                    | E::Target(_)
                    | E::TargetYear(_)
                    | E::Scope(_)
            )
            | (RecordKey::Value { .. }, E::Value(_) | E::Note(_))
            | (
                RecordKey::Summary { .. },
                E::Number(_)
                    | E::Place(_)
                    | E::Date(_)
                    | E::Recipients(_)
                    | E::SignerTitle(_)
                    | E::Signer(_)
                    | E::CopiesTo(_)
            )
            | (RecordKey::Paragraph { .. }, E::Text(_))
            | (
                RecordKey::Document,
                E::Number(_) | E::Kind(_) | E::Title(_) | E::Date(_) | E::Issuer(_) | E::Signer(_)
            )
    );
    if !fits {
        return Err(ReportError::WrongField);
    }
    if *key == RecordKey::Document {
        return document_checked(edit);
    }
    let money = |v: &Option<crate::report::money::Vnd>| match v {
        Some(m) if m.0 > VND_MAX => Err(ReportError::MoneyTooLarge),
        _ => Ok(*v),
    };
    let quantity = |v: &Option<crate::report::quantity::Quantity>| match v {
        Some(q) if q.0.unsigned_abs() > QUANTITY_MAX.unsigned_abs() => {
            Err(ReportError::QuantityTooLarge)
        }
        _ => Ok(*v),
    };
    Ok(match edit {
        E::Title(t) => E::Title(validate::title(t)?),
        E::Name(t) => E::Name(validate::title(t)?),
        E::DataPeriod(p) if p.from > p.to => return Err(ReportError::PeriodBackwards),
        E::Required(l) => E::Required(agencies(l)?),
        E::Directives(list) => {
            if list.len() > DIRECTIVES_MAX {
                return Err(ReportError::TooMany {
                    max: DIRECTIVES_MAX,
                });
            }
            E::Directives(
                list.iter()
                    .map(|d| {
                        Ok(Directive {
                            number: text(&d.number, SHORT_TEXT_MAX_CHARS)?.trim().to_owned(),
                            date: d.date,
                            summary: text(&d.summary, REASON_MAX_CHARS)?.trim().to_owned(),
                        })
                    })
                    .collect::<Result<_, ReportError>>()?,
            )
        }
        E::Remarks(t) => E::Remarks(text(t, REPORT_TEXT_MAX_CHARS)?),
        E::Results(t) => E::Results(text(t, REPORT_TEXT_MAX_CHARS)?),
        E::Difficulties(t) => E::Difficulties(text(t, REPORT_TEXT_MAX_CHARS)?),
        E::Proposals(t) => E::Proposals(text(t, REPORT_TEXT_MAX_CHARS)?),
        E::Note(t) => E::Note(text(t, REASON_MAX_CHARS)?),
        E::Unit(t) => E::Unit(text(t, SHORT_TEXT_MAX_CHARS)?.trim().to_owned()),
        E::Text(t) => E::Text(text(t, REPORT_TEXT_MAX_CHARS)?),
        E::Number(t) => E::Number(text(t, SHORT_TEXT_MAX_CHARS)?.trim().to_owned()),
        E::Place(t) => E::Place(text(t, SHORT_TEXT_MAX_CHARS)?.trim().to_owned()),
        E::Signer(t) => E::Signer(text(t, SHORT_TEXT_MAX_CHARS)?.trim().to_owned()),
        E::SignerTitle(t) => E::SignerTitle(text(t, REASON_MAX_CHARS)?.trim().to_owned()),
        E::Recipients(l) | E::CopiesTo(l) => {
            if l.len() > DIRECTIVES_MAX {
                return Err(ReportError::TooMany {
                    max: DIRECTIVES_MAX,
                });
            }
            let lines = l
                .iter()
                .map(|t| Ok(text(t, REASON_MAX_CHARS)?.trim().to_owned()))
                .filter(|t| !matches!(t, Ok(t) if t.is_empty()))
                .collect::<Result<Vec<String>, ReportError>>()?;
            if matches!(edit, E::Recipients(_)) {
                E::Recipients(lines)
            } else {
                E::CopiesTo(lines)
            }
        }
        E::Progress(Some(p)) => E::Progress(Some(validate::progress(*p)?)),
        E::FundsAllocated(v) => E::FundsAllocated(money(v)?),
        E::FundsDisbursed(v) => E::FundsDisbursed(money(v)?),
        E::Baseline(v) => E::Baseline(quantity(v)?),
        E::Target(v) => E::Target(quantity(v)?),
        E::Value(v) => E::Value(quantity(v)?),
        E::TargetYear(Some(y)) => E::TargetYear(Some(year(*y)?)),
        other => other.clone(),
    })
}

/// A change to the plan's document details, checked as the import's review checks them.
fn document_checked(edit: &RecordEdit) -> Result<RecordEdit, ReportError> {
    use crate::import::review::{document_number, name, trich_yeu};
    let invalid = |e: crate::import::review::MetadataError| ReportError::Document {
        message: e.to_string(),
    };
    let text = |checked: Result<Option<String>, _>| {
        checked.map(Option::unwrap_or_default).map_err(invalid)
    };
    Ok(match edit {
        RecordEdit::Number(t) => RecordEdit::Number(text(document_number(t))?),
        RecordEdit::Title(t) => RecordEdit::Title(text(trich_yeu(t))?),
        RecordEdit::Issuer(t) => RecordEdit::Issuer(text(name(t))?),
        RecordEdit::Signer(t) => RecordEdit::Signer(text(name(t))?),
        other => other.clone(),
    })
}

fn round_checked(round: &Round) -> Result<Round, ReportError> {
    if round.data.from > round.data.to {
        return Err(ReportError::PeriodBackwards);
    }
    Ok(Round {
        title: validate::title(&round.title)?,
        year: year(round.year)?,
        required: agencies(&round.required)?,
        ..round.clone()
    })
}

fn indicator_checked(i: &Indicator) -> Result<Indicator, ReportError> {
    let q = |v: Option<crate::report::quantity::Quantity>| {
        checked(&RecordKey::Indicator(i.id), &RecordEdit::Target(v))
    };
    q(i.baseline)?;
    q(i.target)?;
    Ok(Indicator {
        name: validate::title(&i.name)?,
        unit: text(&i.unit, SHORT_TEXT_MAX_CHARS)?.trim().to_owned(),
        target_year: i.target_year.map(year).transpose()?,
        ..i.clone()
    })
}

fn report_of<'a>(
    plan: &'a impl PlanView,
    round: RecordId,
    agency: &AgencyCode,
) -> Option<&'a AgencyReport> {
    match plan.records().get(&RecordKey::Report {
        round,
        agency: agency.clone(),
    }) {
        Some(Record::Report(r)) => Some(r),
        _ => None,
    }
}

/// The round's summary while it may be changed: the round exists and its summary is not
/// approved (`None`: nothing compiled yet).
fn open_summary(plan: &impl PlanView, round: RecordId) -> Result<Option<&Summary>, ReportError> {
    let records = plan.records();
    if !matches!(
        records.get(&RecordKey::Round(round)),
        Some(Record::Round(_))
    ) {
        return Err(ReportError::RoundNotFound);
    }
    match records.get(&RecordKey::Summary { round }) {
        Some(Record::Summary(s)) if s.approved.is_some() => Err(ReportError::SummaryApproved),
        Some(Record::Summary(s)) => Ok(Some(s)),
        _ => Ok(None),
    }
}

/// What the summary's own mutations write.
fn apply_summary(plan: &impl PlanView, op: &ReportMutation) -> Result<RecordChange, ReportError> {
    let records = plan.records();
    let upsert = |r: Vec<Record>| RecordChange {
        upserted: r,
        deleted: Vec::new(),
    };
    let paragraph = |key: &RecordKey| match records.get(key) {
        Some(Record::Paragraph(p)) => Ok(p.clone()),
        _ => Err(ReportError::ParagraphNotFound),
    };
    match op {
        ReportMutation::Compile { round } => {
            let summary = open_summary(plan, *round)?;
            let new = compile::compiled(records, *round);
            let any_accepted = records.values().any(|r| {
                matches!(r, Record::Report(rep) if rep.round == *round && rep.state == ReportState::Accepted)
            });
            if !any_accepted {
                return Err(ReportError::NothingToCompile);
            }
            let mut out: Vec<Record> = new.into_iter().map(Record::Paragraph).collect();
            if summary.is_none() {
                out.push(Record::Summary(Summary::blank(*round)));
            }
            Ok(upsert(out))
        }
        ReportMutation::Refresh { key } => {
            let mut p = paragraph(key)?;
            open_summary(plan, p.round)?;
            let now =
                compile::source_text(records, p.round, &p.slot).ok_or(ReportError::NoSource)?;
            p.text.clone_from(&now);
            p.compiled = now;
            Ok(upsert(vec![Record::Paragraph(p)]))
        }
        ReportMutation::AddParagraph { round, text: t, .. } => {
            if open_summary(plan, *round)?.is_none() {
                return Err(ReportError::NotCompiled);
            }
            let key = op.key();
            if records.contains_key(&key) {
                return Err(ReportError::AlreadyExists);
            }
            let written = records
                .keys()
                .filter(|k| {
                    matches!(k, RecordKey::Paragraph { round: r, slot: Slot::Written { .. } } if r == round)
                })
                .count();
            if written >= WRITTEN_PARAGRAPHS_MAX {
                return Err(ReportError::TooMany {
                    max: WRITTEN_PARAGRAPHS_MAX,
                });
            }
            let RecordKey::Paragraph { slot, .. } = key else {
                return Err(ReportError::WrongField);
            };
            Ok(upsert(vec![Record::Paragraph(Paragraph {
                round: *round,
                slot,
                text: text(t, REPORT_TEXT_MAX_CHARS)?,
                compiled: String::new(),
            })]))
        }
        ReportMutation::DeleteParagraph { key } => {
            let p = paragraph(key)?;
            open_summary(plan, p.round)?;
            Ok(RecordChange {
                upserted: Vec::new(),
                deleted: vec![key.clone()],
            })
        }
        ReportMutation::Approve { round, on, by } => {
            let Some(summary) = open_summary(plan, *round)? else {
                return Err(ReportError::NotCompiled);
            };
            let mut s = summary.clone();
            s.approved = Some(Approval {
                on: *on,
                by: text(by, SHORT_TEXT_MAX_CHARS)?.trim().to_owned(),
            });
            Ok(upsert(vec![Record::Summary(s)]))
        }
        ReportMutation::Reopen { round } => {
            match records.get(&RecordKey::Summary { round: *round }) {
                Some(Record::Summary(s)) if s.approved.is_some() => {
                    let mut s = s.clone();
                    s.approved = None;
                    Ok(upsert(vec![Record::Summary(s)]))
                }
                _ => Err(ReportError::NotApproved),
            }
        }
        _ => Err(ReportError::WrongField),
    }
}

/// Works out what `op` writes, or why it must be refused.
///
/// # Errors
/// A missing round, task, indicator or report; a task the agency does not hold; a report no
/// longer open to its agency; a state change out of order; an invalid value.
pub fn apply(plan: &impl PlanView, op: &ReportMutation) -> Result<RecordChange, ReportError> {
    let records = plan.records();
    let round_exists =
        |id: RecordId| matches!(records.get(&RecordKey::Round(id)), Some(Record::Round(_)));
    let upsert = |r: Record| RecordChange {
        upserted: vec![r],
        deleted: Vec::new(),
    };
    match op {
        ReportMutation::Compile { .. }
        | ReportMutation::Refresh { .. }
        | ReportMutation::AddParagraph { .. }
        | ReportMutation::DeleteParagraph { .. }
        | ReportMutation::Approve { .. }
        | ReportMutation::Reopen { .. } => apply_summary(plan, op),
        ReportMutation::CreateRound { round } => {
            if records.contains_key(&RecordKey::Round(round.id)) {
                return Err(ReportError::AlreadyExists);
            }
            if records
                .keys()
                .filter(|k| matches!(k, RecordKey::Round(_)))
                .count()
                >= ROUNDS_MAX
            {
                return Err(ReportError::TooMany { max: ROUNDS_MAX });
            }
            Ok(upsert(Record::Round(round_checked(round)?)))
        }
        ReportMutation::CreateIndicator { indicator } => {
            if records.contains_key(&RecordKey::Indicator(indicator.id)) {
                return Err(ReportError::AlreadyExists);
            }
            let indicators = records
                .keys()
                .filter(|k| matches!(k, RecordKey::Indicator(_)))
                .count();
            if indicators >= INDICATORS_MAX {
                return Err(ReportError::TooMany {
                    max: INDICATORS_MAX,
                });
            }
            Ok(upsert(Record::Indicator(indicator_checked(indicator)?)))
        }
        ReportMutation::DeleteRound { id } => {
            if !round_exists(*id) {
                return Err(ReportError::RoundNotFound);
            }
            let keys: Vec<RecordKey> = records
                .keys()
                .filter(|k| k.round() == Some(*id))
                .cloned()
                .collect();
            let sent = keys.iter().any(|k| {
                matches!(records.get(k), Some(Record::Report(r)) if r.state != ReportState::Draft)
            });
            if sent {
                return Err(ReportError::RoundHasReports);
            }
            Ok(RecordChange {
                upserted: Vec::new(),
                deleted: keys,
            })
        }
        ReportMutation::DeleteIndicator { id } => {
            let key = RecordKey::Indicator(*id);
            if !records.contains_key(&key) {
                return Err(ReportError::IndicatorNotFound);
            }
            let mut deleted = vec![key];
            deleted.extend(
                records
                    .keys()
                    .filter(|k| matches!(k, RecordKey::Value { indicator, .. } if indicator == id))
                    .cloned(),
            );
            Ok(RecordChange {
                upserted: Vec::new(),
                deleted,
            })
        }
        ReportMutation::Edit { key, edit } | ReportMutation::ResolveConflict { key, edit, .. } => {
            let edit = checked(key, edit)?;
            let mut change = RecordChange::default();
            let existing = records.get(key).cloned();
            match key {
                RecordKey::Round(_) => {
                    if existing.is_none() {
                        return Err(ReportError::RoundNotFound);
                    }
                }
                RecordKey::Indicator(_) => {
                    if existing.is_none() {
                        return Err(ReportError::IndicatorNotFound);
                    }
                }
                RecordKey::Document => {}
                RecordKey::Inspection(_)
                | RecordKey::Visit(_)
                | RecordKey::Finding { .. }
                | RecordKey::Recommendation(_)
                | RecordKey::Photo { .. } => return Err(ReportError::WrongField),
                RecordKey::Summary { round } | RecordKey::Paragraph { round, .. } => {
                    open_summary(plan, *round)?;
                    if matches!(key, RecordKey::Paragraph { .. }) && existing.is_none() {
                        return Err(ReportError::ParagraphNotFound);
                    }
                }
                RecordKey::Report { round, agency }
                | RecordKey::Entry { round, agency, .. }
                | RecordKey::Value { round, agency, .. } => {
                    if !round_exists(*round) {
                        return Err(ReportError::RoundNotFound);
                    }
                    match report_of(plan, *round, agency) {
                        Some(r) if r.state == ReportState::Sent => {
                            return Err(ReportError::AlreadySent);
                        }
                        Some(r) if r.state == ReportState::Accepted => {
                            return Err(ReportError::AlreadyAccepted);
                        }
                        Some(_) => {}
                        None if matches!(key, RecordKey::Report { .. }) => {}
                        None => change
                            .upserted
                            .push(Record::Report(AgencyReport::draft(*round, agency.clone()))),
                    }
                    if let RecordKey::Entry { node, agency, .. } = key {
                        if plan.node(*node).is_none() {
                            return Err(ReportError::TaskNotFound);
                        }
                        if !holds(plan, *node, agency) {
                            return Err(ReportError::NotHeld {
                                agency: agency.clone(),
                            });
                        }
                    }
                    if let RecordKey::Value {
                        indicator, unit, ..
                    } = key
                    {
                        let Some(Record::Indicator(i)) =
                            records.get(&RecordKey::Indicator(*indicator))
                        else {
                            return Err(ReportError::IndicatorNotFound);
                        };
                        let by_unit = i.scope != IndicatorScope::Province;
                        let unit_ok = unit.as_deref().is_some_and(|u| {
                            !u.is_empty()
                                && u.chars().count() <= SHORT_TEXT_MAX_CHARS
                                && !u.contains(['/', ' '])
                        });
                        if by_unit != unit_ok || (!by_unit && unit.is_some()) {
                            return Err(ReportError::UnitMismatch);
                        }
                    }
                }
            }
            let mut record = existing
                .or_else(|| Record::blank(key))
                .ok_or(ReportError::WrongField)?;
            if !edit.set(&mut record) {
                return Err(ReportError::WrongField);
            }
            change.upserted.push(record);
            Ok(change)
        }
        ReportMutation::Send { round, agency, on } => {
            if !round_exists(*round) {
                return Err(ReportError::RoundNotFound);
            }
            let mut r = report_of(plan, *round, agency)
                .cloned()
                .unwrap_or_else(|| AgencyReport::draft(*round, agency.clone()));
            match r.state {
                ReportState::Sent => return Err(ReportError::AlreadySent),
                ReportState::Accepted => return Err(ReportError::AlreadyAccepted),
                ReportState::Draft | ReportState::Returned => {}
            }
            r.state = ReportState::Sent;
            r.sent_on = Some(*on);
            r.first_sent_on = r.first_sent_on.or(Some(*on));
            Ok(upsert(Record::Report(r)))
        }
        ReportMutation::Return {
            round,
            agency,
            reason,
            on,
        } => {
            let mut r = report_of(plan, *round, agency)
                .cloned()
                .ok_or(ReportError::ReportNotFound)?;
            // An accepted report may still be returned for a correction (its paragraphs in the
            // summary then say their source changed).
            match r.state {
                ReportState::Sent | ReportState::Accepted => {}
                ReportState::Draft | ReportState::Returned => return Err(ReportError::NotSent),
            }
            let reason = text(reason, REASON_MAX_CHARS)?.trim().to_owned();
            if reason.is_empty() {
                return Err(ReportError::ReasonRequired);
            }
            r.state = ReportState::Returned;
            r.returned = Some(Returned { reason, on: *on });
            Ok(upsert(Record::Report(r)))
        }
        ReportMutation::Accept { round, agency, on } => {
            let mut r = report_of(plan, *round, agency)
                .cloned()
                .ok_or(ReportError::ReportNotFound)?;
            match r.state {
                ReportState::Sent => {}
                ReportState::Accepted => return Err(ReportError::AlreadyAccepted),
                ReportState::Draft | ReportState::Returned => return Err(ReportError::NotSent),
            }
            r.state = ReportState::Accepted;
            r.accepted_on = Some(*on);
            Ok(upsert(Record::Report(r)))
        }
    }
}
