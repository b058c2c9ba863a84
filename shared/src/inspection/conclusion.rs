//! The conclusion of an inspection round (báo cáo kết quả kiểm tra) as an official document in
//! the layout of Nghị định 30/2020, compiled from the round's visits: where the team went, the
//! findings task by task and place by place with their ratings, the ratings counted per task,
//! the recommendations with where each stands, and the photos in an appendix.

use chrono::NaiveDate;

use crate::ids::RecordId;
use crate::inspection::form::visits_by_place;
use crate::inspection::model::{Standing, Visit};
use crate::inspection::op;
use crate::inspection::tables::{
    findings_by_task, inspected_name, photo_caption, recommendations_table, team_lines, visit_place,
};
use crate::plan::Plan;
use crate::registry::{AdminUnit, Agency, name_of};
use crate::report::official::{Appendix, Block, Official, date_words, plan_reference};
use crate::report::record::PlanView;
use crate::text::format_date;

/// The most photos the appendix shows (a round of 2,000 visits would make a book, not a
/// report): the first of each visit first, then the others, in the visits' order.
pub const APPENDIX_PHOTOS_MAX: usize = 60;

/// The conclusion of `round` on `today`, or `None` when the plan has no such round.
pub fn conclusion(
    plan: &Plan,
    state: &impl PlanView,
    round: RecordId,
    agencies: &[Agency],
    units: &[AdminUnit],
    today: NaiveDate,
) -> Option<Official> {
    let records = state.records();
    let r = op::rounds(records).find(|r| r.id == round)?;
    let mut visits: Vec<&Visit> = op::visits(records).filter(|v| v.round == round).collect();
    visits.sort_by_key(|v| (v.at, v.id));
    let place = |v: &Visit| visit_place(v, units);
    let inspected = |v: &Visit| inspected_name(v, agencies);
    let decision = match (&r.decision_number, r.decision_date) {
        (Some(n), Some(d)) => format!("Thực hiện Quyết định số {n} ngày {}", format_date(d)),
        (Some(n), None) => format!("Thực hiện Quyết định số {n}"),
        _ => "Thực hiện kế hoạch kiểm tra".to_owned(),
    };
    let by_place = visits_by_place(visits.iter().copied(), units);
    let communes = by_place.iter().filter(|p| p.commune.is_some()).count();
    let districts = by_place.iter().filter(|p| p.commune.is_none()).count();
    let mut body = vec![Block::Text {
        lead: None,
        text: format!(
            "{decision} về việc {}, từ ngày {} đến ngày {}, Đoàn kiểm tra đã tiến hành {} cuộc kiểm tra tại {communes} xã, phường, thị trấn thuộc {districts} huyện, thành phố về việc thực hiện {}. Đoàn kiểm tra báo cáo kết quả như sau:",
            lower_first(&r.title),
            format_date(r.starts),
            format_date(r.ends),
            visits.len(),
            plan_reference(plan),
        ),
    }];

    body.push(Block::Heading1("I. Thành phần và địa bàn kiểm tra".into()));
    body.push(Block::Text {
        lead: Some("1. Thành phần Đoàn kiểm tra:".into()),
        text: team_lines(r),
    });
    body.push(Block::Text {
        lead: Some("2. Địa bàn và đơn vị được kiểm tra:".into()),
        text: String::new(),
    });
    if visits.is_empty() {
        body.push(Block::Text {
            lead: None,
            text: "Đoàn chưa ghi cuộc kiểm tra nào.".into(),
        });
    } else {
        body.push(Block::Table {
            header: vec![
                "STT".into(),
                "Ngày".into(),
                "Địa bàn".into(),
                "Đơn vị được kiểm tra".into(),
            ],
            rows: visits
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    vec![
                        (i + 1).to_string(),
                        format_date(v.at.date()),
                        place(v),
                        inspected(v),
                    ]
                })
                .collect(),
            weights: vec![2, 3, 8, 6],
        });
    }

    body.push(Block::Heading1("II. Kết quả kiểm tra theo nhiệm vụ".into()));
    let (per_task, counts_rows) = findings_by_task(state, &visits, units);
    body.extend(per_task);

    body.push(Block::Heading1("III. Tổng hợp đánh giá".into()));
    if counts_rows.is_empty() {
        body.push(Block::Text {
            lead: None,
            text: "Chưa có đánh giá.".into(),
        });
    } else {
        body.push(Block::Table {
            header: vec![
                "STT".into(),
                "Nhiệm vụ".into(),
                "Đạt".into(),
                "Đạt một phần".into(),
                "Chưa đạt".into(),
                "Chưa đánh giá".into(),
            ],
            rows: counts_rows,
            weights: vec![2, 10, 3, 3, 3, 3],
        });
    }

    body.push(Block::Heading1("IV. Kiến nghị".into()));
    let recs: Vec<_> = visits
        .iter()
        .flat_map(|v| op::recommendations_of(records, v.id))
        .collect();
    if recs.is_empty() {
        body.push(Block::Text {
            lead: None,
            text: "Không có kiến nghị.".into(),
        });
    } else {
        let overdue = recs
            .iter()
            .filter(|r| r.standing(today) == Standing::Overdue)
            .count();
        let done = recs
            .iter()
            .filter(|r| r.standing(today) == Standing::Done)
            .count();
        body.push(Block::Text {
            lead: None,
            text: format!(
                "Đoàn kiểm tra kiến nghị {} nội dung; đến {}, {done} nội dung đã thực hiện, {overdue} nội dung quá hạn chưa thực hiện xong.",
                recs.len(),
                date_words(today)
            ),
        });
        body.push(recommendations_table(&recs, agencies, today));
    }
    body.push(Block::Text {
        lead: None,
        text: format!(
            "Trên đây là báo cáo kết quả kiểm tra việc thực hiện {} của Đoàn kiểm tra./.",
            plan_reference(plan)
        ),
    });

    let mut appendices = Vec::new();
    let photos = appendix_photos(records, &visits);
    if !photos.is_empty() {
        let mut blocks = Vec::new();
        let mut last_visit = None;
        for (n, (v, p)) in photos.iter().enumerate() {
            if last_visit != Some(v.id) {
                blocks.push(Block::Heading2(format!(
                    "{} ({})",
                    place(v),
                    format_date(v.at.date())
                )));
                last_visit = Some(v.id);
            }
            blocks.push(Block::Photo {
                hash: p.hash.clone(),
                caption: photo_caption(n + 1, p),
            });
        }
        appendices.push(Appendix {
            title: "Hình ảnh kiểm tra".into(),
            attached_to: "Kèm theo Báo cáo kết quả kiểm tra của Đoàn kiểm tra".into(),
            body: blocks,
        });
    }

    let mut copies_to = vec!["- Như trên;".to_owned()];
    copies_to.extend(
        r.agencies
            .iter()
            .map(|a| format!("- {};", name_of(agencies, a))),
    );
    copies_to.push("- Lưu: hồ sơ đoàn kiểm tra.".into());
    let issuer = plan.metadata.issuer.clone().unwrap_or_default();
    Some(Official {
        parent: issuer.clone(),
        agency: "ĐOÀN KIỂM TRA".into(),
        number: String::new(),
        place_date: format!(
            "{}, {}",
            plan.metadata.place.as_deref().unwrap_or("Lạng Sơn"),
            date_words(today)
        ),
        kind: "Báo cáo".into(),
        subject: format!(
            "Kết quả kiểm tra việc thực hiện {} ({})",
            plan_reference(plan),
            r.title
        ),
        recipients: if issuer.is_empty() {
            Vec::new()
        } else {
            vec![issuer]
        },
        body,
        signer_title: vec!["Trưởng đoàn kiểm tra".into()],
        signer: r.leader.clone(),
        copies_to,
        appendices,
    })
}

/// The photos the appendix shows, in the visits' order: every visit's first photo before any
/// visit's second, up to [`APPENDIX_PHOTOS_MAX`].
fn appendix_photos<'a>(
    records: &'a crate::report::record::Records,
    visits: &[&'a Visit],
) -> Vec<(&'a Visit, &'a crate::inspection::model::Photo)> {
    let per_visit: Vec<Vec<_>> = visits
        .iter()
        .map(|v| op::photos_of(records, v.id).collect())
        .collect();
    let mut chosen: Vec<(usize, usize)> = Vec::new();
    let deepest = per_visit.iter().map(Vec::len).max().unwrap_or(0);
    'rounds: for depth in 0..deepest {
        for (i, photos) in per_visit.iter().enumerate() {
            if photos.len() > depth {
                if chosen.len() == APPENDIX_PHOTOS_MAX {
                    break 'rounds;
                }
                chosen.push((i, depth));
            }
        }
    }
    chosen.sort_unstable();
    chosen
        .into_iter()
        .filter_map(|(i, d)| Some((*visits.get(i)?, *per_visit.get(i)?.get(d)?)))
        .collect()
}

/// "Kiểm tra …" → "kiểm tra …" (a title continuing a sentence).
fn lower_first(text: &str) -> String {
    let mut chars = text.trim().chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
