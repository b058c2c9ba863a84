//! The summary report compiled from the accepted agency reports: what each compiled
//! paragraph's source says now (so a paragraph whose source changed says so), the paragraphs a
//! compilation adds, and the report's outline in the usual order (I. chỉ đạo; II. kết quả, one
//! subsection per task, lead first; III. đánh giá: ưu điểm, hạn chế, nguyên nhân; IV. phương
//! hướng; V. đề xuất).

use crate::assignment::Role;
use crate::ids::{AgencyCode, NodeId, RecordId};
use crate::plan::Node;
use crate::report::completeness::ReportState;
use crate::report::record::*;
use crate::report::summary::{Paragraph, Section, Slot};
use crate::text::format_date;

/// What a compiled paragraph's source says now (`None` for one the standing agency wrote, or
/// when the source is gone).
pub fn source_text(records: &Records, round: RecordId, slot: &Slot) -> Option<String> {
    match slot {
        Slot::Directives { agency } => match records.get(&RecordKey::Report {
            round,
            agency: agency.clone(),
        }) {
            Some(Record::Report(r)) => Some(
                r.directives
                    .iter()
                    .map(|d| {
                        let mut line = String::from("- ");
                        if !d.number.is_empty() {
                            line.push_str(&format!("Văn bản số {}", d.number));
                        }
                        if let Some(date) = d.date {
                            line.push_str(&format!(" ngày {}", format_date(date)));
                        }
                        if !d.summary.is_empty() {
                            if line.len() > 2 {
                                line.push_str(": ");
                            }
                            line.push_str(&d.summary);
                        }
                        line
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            _ => None,
        },
        Slot::Result { node, agency }
        | Slot::Difficulty { node, agency }
        | Slot::Proposal { node, agency } => match records.get(&RecordKey::Entry {
            round,
            agency: agency.clone(),
            node: *node,
        }) {
            Some(Record::Entry(e)) => Some(match slot {
                Slot::Result { .. } => e.results.clone(),
                Slot::Difficulty { .. } => e.difficulties.clone(),
                _ => e.proposals.clone(),
            }),
            _ => None,
        },
        Slot::Written { .. } => None,
    }
}

/// True when the paragraph's source says something other than what it was compiled from.
pub fn is_stale(records: &Records, p: &Paragraph) -> bool {
    source_text(records, p.round, &p.slot).is_some_and(|now| now != p.compiled)
}

/// The entries and reports a compiled paragraph came from, with the field.
pub fn sources(round: RecordId, slot: &Slot) -> Vec<(RecordKey, RecordField)> {
    match slot {
        Slot::Directives { agency } => vec![(
            RecordKey::Report {
                round,
                agency: agency.clone(),
            },
            RecordField::Directives,
        )],
        Slot::Result { node, agency }
        | Slot::Difficulty { node, agency }
        | Slot::Proposal { node, agency } => vec![(
            RecordKey::Entry {
                round,
                agency: agency.clone(),
                node: *node,
            },
            match slot {
                Slot::Result { .. } => RecordField::Results,
                Slot::Difficulty { .. } => RecordField::Difficulties,
                _ => RecordField::Proposals,
            },
        )],
        Slot::Written { .. } => Vec::new(),
    }
}

/// The paragraphs a compilation of `round` adds: one per non-empty directive list, result,
/// difficulty and proposal of each accepted report that has none yet, and one empty paragraph
/// to write in each section nobody reports on (ưu điểm, nguyên nhân, phương hướng) the first
/// time. Paragraphs already there are left as they are, edited or not.
pub fn compiled(records: &Records, round: RecordId) -> Vec<Paragraph> {
    let mut slots: Vec<Slot> = Vec::new();
    for r in records.values() {
        match r {
            Record::Report(rep)
                if rep.round == round
                    && rep.state == ReportState::Accepted
                    && !rep.directives.is_empty() =>
            {
                slots.push(Slot::Directives {
                    agency: rep.agency.clone(),
                });
            }
            Record::Entry(e) if e.round == round => {
                let accepted = matches!(
                    records.get(&RecordKey::Report { round, agency: e.agency.clone() }),
                    Some(Record::Report(rep)) if rep.state == ReportState::Accepted
                );
                if !accepted {
                    continue;
                }
                let (node, agency) = (e.node, e.agency.clone());
                for (text, slot) in [
                    (
                        &e.results,
                        Slot::Result {
                            node,
                            agency: agency.clone(),
                        },
                    ),
                    (
                        &e.difficulties,
                        Slot::Difficulty {
                            node,
                            agency: agency.clone(),
                        },
                    ),
                    (
                        &e.proposals,
                        Slot::Proposal {
                            node,
                            agency: agency.clone(),
                        },
                    ),
                ] {
                    if !text.trim().is_empty() {
                        slots.push(slot);
                    }
                }
            }
            _ => {}
        }
    }
    let mut out: Vec<Paragraph> = slots
        .into_iter()
        .filter(|slot| {
            !records.contains_key(&RecordKey::Paragraph {
                round,
                slot: slot.clone(),
            })
        })
        .filter_map(|slot| {
            let text = source_text(records, round, &slot)?;
            Some(Paragraph {
                round,
                slot,
                compiled: text.clone(),
                text,
            })
        })
        .collect();
    let first = !records
        .keys()
        .any(|k| matches!(k, RecordKey::Paragraph { round: r, .. } if *r == round));
    if first {
        for section in [Section::Strengths, Section::Causes, Section::Directions] {
            out.push(Paragraph {
                round,
                // The round's id names the first paragraph of each section to write.
                slot: Slot::Written { section, id: round },
                text: String::new(),
                compiled: String::new(),
            });
        }
    }
    out
}

/// A piece of the summary report's outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A heading: level 1 for "I. …", 2 for "1. …" and for a task's subsection.
    Heading { level: u8, text: String },
    /// A paragraph, with the words that introduce a compiled one ("Sở Y tế (chủ trì)").
    Paragraph {
        paragraph: Paragraph,
        agency: Option<AgencyCode>,
        role: Option<Role>,
    },
}

/// The summary report of `round` in order, headings and paragraphs.
pub fn outline(plan: &impl PlanView, records: &Records, round: RecordId) -> Vec<Block> {
    let order: Vec<&Node> = plan.in_order();
    let position = |id: NodeId| order.iter().position(|n| n.id == id).unwrap_or(usize::MAX);
    let required: Vec<AgencyCode> = match records.get(&RecordKey::Round(round)) {
        Some(Record::Round(r)) => r.required.clone(),
        _ => Vec::new(),
    };
    let role_of = |node: NodeId, agency: &AgencyCode| {
        plan.node(node)
            .and_then(|n| n.assignment(agency))
            .map(|a| a.role)
    };
    let agency_rank = |node: Option<NodeId>, agency: &AgencyCode| {
        let lead = node.and_then(|n| role_of(n, agency)) == Some(Role::Lead);
        (
            !lead,
            required
                .iter()
                .position(|a| a == agency)
                .unwrap_or(usize::MAX),
            agency.clone(),
        )
    };
    let mut paragraphs: Vec<&Paragraph> = records
        .values()
        .filter_map(|r| match r {
            Record::Paragraph(p) if p.round == round => Some(p),
            _ => None,
        })
        .collect();
    paragraphs.sort_by_key(|p| {
        let written = match &p.slot {
            Slot::Written { id, .. } => Some(*id),
            _ => None,
        };
        (
            p.slot.section(),
            written.is_some(),
            p.slot.node().map_or(usize::MAX, position),
            p.slot.agency().map(|a| agency_rank(p.slot.node(), a)),
            written,
        )
    });
    let block = |p: &Paragraph| Block::Paragraph {
        paragraph: p.clone(),
        agency: p.slot.agency().cloned(),
        role: p
            .slot
            .node()
            .zip(p.slot.agency())
            .and_then(|(n, a)| role_of(n, a)),
    };
    let heading = |level: u8, text: &str| Block::Heading {
        level,
        text: text.to_owned(),
    };
    let mut out = Vec::new();
    for section in Section::ALL {
        if section == Section::Strengths {
            out.push(heading(1, "III. ĐÁNH GIÁ CHUNG"));
        }
        let level = if matches!(
            section,
            Section::Strengths | Section::Weaknesses | Section::Causes
        ) {
            2
        } else {
            1
        };
        out.push(heading(level, section.heading_vi()));
        let mut task: Option<NodeId> = None;
        let mut others = false;
        for p in paragraphs.iter().filter(|p| p.slot.section() == section) {
            if section == Section::Results {
                match p.slot.node() {
                    Some(n) if task != Some(n) => {
                        task = Some(n);
                        let text = plan.node(n).map_or_else(String::new, Node::heading);
                        out.push(Block::Heading { level: 2, text });
                    }
                    None if !others => {
                        others = true;
                        out.push(heading(2, "Kết quả khác"));
                    }
                    _ => {}
                }
            }
            out.push(block(p));
        }
    }
    out
}
