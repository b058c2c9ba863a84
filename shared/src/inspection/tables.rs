//! Pieces the inspection documents share: a visit's place and inspected unit, the team, a
//! photo's caption, the findings task by task with the ratings counted, the recommendations
//! with where each stands; and the findings of a reporting period as an appendix of the
//! periodic summary report ([`summary_with_inspections`]).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::ids::NodeId;
use crate::ids::RecordId;
use crate::inspection::model::{
    Finding, Inspected, InspectionRound, Position, Rating, Recommendation, Standing, Visit,
};
use crate::inspection::op;
use crate::plan::Plan;
use crate::registry::{AdminUnit, Agency, name_of};
use crate::report::official::{Appendix, Block, Official};
use crate::report::record::PlanView;
use crate::text::{format_date, format_time};

/// Where a visit was: "Bản Slằng, Xã Tân Đoàn, Huyện Văn Quan".
pub(crate) fn visit_place(v: &Visit, units: &[AdminUnit]) -> String {
    let place = units.iter().find(|u| u.id == v.place.unit).map_or_else(
        || v.place.unit.clone(),
        |u| crate::inspection::form::place_name(u, units),
    );
    match &v.place.village {
        Some(village) => format!("{village}, {place}"),
        None => place,
    }
}

/// The unit a visit inspected, by name.
pub(crate) fn inspected_name(v: &Visit, agencies: &[Agency]) -> String {
    match &v.inspected {
        Inspected::Agency(a) => name_of(agencies, a),
        Inspected::Commune(c) => c.clone(),
    }
}

/// The team, one per line after a line break: "- …, Trưởng đoàn;", "- …, thành viên;".
pub(crate) fn team_lines(round: &InspectionRound) -> String {
    let team = std::iter::once(format!("- {}, Trưởng đoàn;", round.leader))
        .chain(round.members.iter().map(|m| format!("- {m}, thành viên;")))
        .collect::<Vec<_>>()
        .join("\n");
    format!("\n{team}")
}

/// "Ảnh 2. Lớp tập huấn tại nhà văn hoá (09:40 02/03/2015; 21.84512° B, 106.76123° Đ)".
pub(crate) fn photo_caption(number: usize, p: &crate::inspection::model::Photo) -> String {
    let when = p
        .taken_at
        .map(|t| format!("{} {}", format_time(t.time()), format_date(t.date())));
    let at = match p.position {
        Position::Fix { lat_e6, lon_e6, .. } => Some(format!(
            "{:.5}° B, {:.5}° Đ",
            f64::from(lat_e6) / 1e6,
            f64::from(lon_e6) / 1e6
        )),
        Position::Unavailable => None,
    };
    let details = [when, at]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("; ");
    let caption = p.caption.trim();
    match (caption.is_empty(), details.is_empty()) {
        (true, true) => format!("Ảnh {number}."),
        (true, false) => format!("Ảnh {number} ({details})."),
        (false, true) => format!("Ảnh {number}. {caption}"),
        (false, false) => format!("Ảnh {number}. {caption} ({details})"),
    }
}

/// The findings of `visits`, task by task in the plan's order ("1. <task>" and a table of
/// place and date, findings, rating), and a row per task of the ratings counted (STT, task,
/// met, partly met, not met, not rated).
pub(crate) fn findings_by_task(
    state: &impl PlanView,
    visits: &[&Visit],
    units: &[AdminUnit],
) -> (Vec<Block>, Vec<Vec<String>>) {
    let records = state.records();
    let mut by_task: BTreeMap<NodeId, Vec<(&Visit, &Finding)>> = BTreeMap::new();
    for v in visits {
        for f in op::findings_of(records, v.id) {
            by_task.entry(f.task).or_default().push((v, f));
        }
    }
    let order = state.in_order();
    let mut tasks: Vec<(usize, NodeId, String)> = by_task
        .keys()
        .map(|id| {
            let (pos, title) = order
                .iter()
                .position(|n| n.id == *id)
                .and_then(|i| {
                    order
                        .get(i)
                        .map(|n| (i, format!("{} {}", n.label, n.title)))
                })
                .unwrap_or((usize::MAX, "(nhiệm vụ đã xoá)".to_owned()));
            (pos, *id, title)
        })
        .collect();
    tasks.sort();
    let mut blocks = Vec::new();
    if tasks.is_empty() {
        blocks.push(Block::Text {
            lead: None,
            text: "Chưa ghi kết quả kiểm tra.".into(),
        });
    }
    let mut counts = Vec::new();
    for (i, (_, id, title)) in tasks.iter().enumerate() {
        let found = by_task.get(id).map(Vec::as_slice).unwrap_or_default();
        blocks.push(Block::Heading2(format!("{}. {title}", i + 1)));
        blocks.push(Block::Table {
            header: vec![
                "Địa bàn, ngày".into(),
                "Kết quả kiểm tra".into(),
                "Đánh giá".into(),
            ],
            rows: found
                .iter()
                .map(|(v, f)| {
                    let mut rating = f
                        .rating
                        .map_or("Chưa đánh giá".to_owned(), |r| r.label_vi().to_owned());
                    if !f.reason.is_empty() {
                        rating = format!("{rating}: {}", f.reason);
                    }
                    vec![
                        format!("{} ({})", visit_place(v, units), format_date(v.at.date())),
                        f.findings.clone(),
                        rating,
                    ]
                })
                .collect(),
            weights: vec![4, 6, 3],
        });
        let count = |want: Option<Rating>| found.iter().filter(|(_, f)| f.rating == want).count();
        counts.push(vec![
            (i + 1).to_string(),
            title.clone(),
            count(Some(Rating::Met)).to_string(),
            count(Some(Rating::PartlyMet)).to_string(),
            count(Some(Rating::NotMet)).to_string(),
            count(None).to_string(),
        ]);
    }
    (blocks, counts)
}

/// The recommendations with their agencies, due dates and where each stands on `today`.
pub(crate) fn recommendations_table(
    recs: &[&Recommendation],
    agencies: &[Agency],
    today: NaiveDate,
) -> Block {
    Block::Table {
        header: vec![
            "STT".into(),
            "Nội dung kiến nghị".into(),
            "Cơ quan thực hiện".into(),
            "Thời hạn".into(),
            "Tình hình thực hiện".into(),
        ],
        rows: recs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut state = r.state.label_vi().to_owned();
                if r.standing(today) == Standing::Overdue {
                    state.push_str(" (quá hạn)");
                }
                if !r.note.is_empty() {
                    state = format!("{state}: {}", r.note);
                }
                vec![
                    (i + 1).to_string(),
                    r.text.clone(),
                    name_of(agencies, &r.agency),
                    format_date(r.due),
                    state,
                ]
            })
            .collect(),
        weights: vec![2, 10, 5, 4, 6],
    }
}

/// The findings of the inspections made between `from` and `to` (the days a periodic report
/// covers), as an appendix of the summary report: the visits counted, the findings task by
/// task, the recommendations made in the period and where each stands. `None` when no visit
/// falls in the period.
pub fn period_appendix(
    state: &impl PlanView,
    from: NaiveDate,
    to: NaiveDate,
    agencies: &[Agency],
    units: &[AdminUnit],
    today: NaiveDate,
) -> Option<Appendix> {
    let records = state.records();
    let mut visits: Vec<&Visit> = op::visits(records)
        .filter(|v| (from..=to).contains(&v.at.date()))
        .collect();
    if visits.is_empty() {
        return None;
    }
    visits.sort_by_key(|v| (v.at, v.id));
    let rounds: Vec<&InspectionRound> = op::rounds(records)
        .filter(|r| visits.iter().any(|v| v.round == r.id))
        .collect();
    let mut body = vec![Block::Text {
        lead: None,
        text: format!(
            "Từ ngày {} đến ngày {}, {} đoàn kiểm tra đã thực hiện {} cuộc kiểm tra ({}). Kết quả theo nhiệm vụ như sau:",
            format_date(from),
            format_date(to),
            rounds.len(),
            visits.len(),
            rounds
                .iter()
                .map(|r| r.title.clone())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }];
    let (per_task, _) = findings_by_task(state, &visits, units);
    body.extend(per_task);
    let recs: Vec<&Recommendation> = visits
        .iter()
        .flat_map(|v| op::recommendations_of(records, v.id))
        .collect();
    if !recs.is_empty() {
        body.push(Block::Heading2("Kiến nghị sau kiểm tra".into()));
        body.push(recommendations_table(&recs, agencies, today));
    }
    Some(Appendix {
        title: "Kết quả kiểm tra trong kỳ báo cáo".into(),
        attached_to: String::new(),
        body,
    })
}

/// The periodic summary report of `round` (`report::official::summary`) with, as its last
/// appendix, what the inspections of its period found ([`period_appendix`]): the standing
/// agency reports the agencies' work and the province's own checks of it together.
pub fn summary_with_inspections(
    plan: &Plan,
    state: &impl PlanView,
    round: RecordId,
    agencies: &[Agency],
    units: &[AdminUnit],
    standing: &str,
    today: NaiveDate,
) -> Option<Official> {
    let mut doc =
        crate::report::official::summary(plan, state, round, agencies, units, standing, today)?;
    let r = crate::report::book::round(state.records(), round)?;
    if let Some(mut appendix) =
        period_appendix(state, r.data.from, r.data.to, agencies, units, today)
    {
        // "Kèm theo Báo cáo số … ngày … của …", as the report's other appendices say.
        appendix.attached_to = doc.appendices.first().map_or_else(
            || {
                let date = doc
                    .place_date
                    .split_once(", ")
                    .map_or("", |(_, d)| d)
                    .to_owned();
                let number = if doc.number.is_empty() {
                    "    "
                } else {
                    &doc.number
                };
                format!("Kèm theo Báo cáo số {number} {date} của {}", doc.agency)
            },
            |a| a.attached_to.clone(),
        );
        doc.appendices.push(appendix);
    }
    Some(doc)
}
