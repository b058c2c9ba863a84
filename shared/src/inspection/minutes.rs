//! The minutes of a visit (biên bản kiểm tra) as an official document in the layout of Nghị
//! định 30/2020 (`report::official::Official`; the server writes it as a Word file): when and
//! where, who inspected and who was met, the findings task by task with their ratings, the
//! recommendations with their agencies and due dates, and the photos taken.

use crate::ids::RecordId;
use crate::inspection::op;
use crate::inspection::tables::{inspected_name, photo_caption, team_lines, visit_place};
use crate::plan::Plan;
use crate::registry::{AdminUnit, Agency, name_of};
use crate::report::official::{Block, Official, date_words, plan_reference};
use crate::report::record::PlanView;
use crate::text::format_date;

/// The minutes of `visit`, or `None` when the plan has no such visit (or its round is gone).
pub fn minutes(
    plan: &Plan,
    state: &impl PlanView,
    visit: RecordId,
    agencies: &[Agency],
    units: &[AdminUnit],
) -> Option<Official> {
    let records = state.records();
    let v = op::visit(records, visit)?;
    let round = op::rounds(records).find(|r| r.id == v.round)?;
    let unit = units.iter().find(|u| u.id == v.place.unit);
    let place = visit_place(v, units);
    let inspected = inspected_name(v, agencies);
    let decision = match (&round.decision_number, round.decision_date) {
        (Some(n), Some(d)) => format!(" theo Quyết định số {n} ngày {}", format_date(d)),
        (Some(n), None) => format!(" theo Quyết định số {n}"),
        _ => String::new(),
    };
    let mut body = vec![Block::Text {
        lead: None,
        text: format!(
            "Hôm nay, vào hồi {} {}, tại {place}, Đoàn kiểm tra{decision} tiến hành kiểm tra việc thực hiện {} tại {inspected}.",
            v.at.time().format("%Hg%M"),
            date_words(v.at.date()),
            plan_reference(plan),
        ),
    }];
    body.push(Block::Heading1("I. Thành phần".into()));
    body.push(Block::Text {
        lead: Some("1. Đoàn kiểm tra:".into()),
        text: team_lines(round),
    });
    let met = if v.met.is_empty() {
        "(không ghi)".to_owned()
    } else {
        v.met
            .iter()
            .map(|m| format!("- {m};"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    body.push(Block::Text {
        lead: Some(format!("2. Đại diện {inspected}:")),
        text: format!("\n{met}"),
    });
    body.push(Block::Heading1("II. Nội dung và kết quả kiểm tra".into()));
    let findings: Vec<_> = op::findings_of(records, visit).collect();
    if findings.is_empty() {
        body.push(Block::Text {
            lead: None,
            text: "Chưa ghi kết quả kiểm tra.".into(),
        });
    }
    for (i, f) in findings.iter().enumerate() {
        let task = state.node(f.task).map_or_else(
            || "(nhiệm vụ đã xoá)".to_owned(),
            |n| format!("{} {}", n.label, n.title),
        );
        body.push(Block::Heading2(format!("{}. {task}", i + 1)));
        if !f.findings.is_empty() {
            body.push(Block::Text {
                lead: None,
                text: f.findings.clone(),
            });
        }
        let mut rating = f
            .rating
            .map_or("Chưa đánh giá".to_owned(), |r| r.label_vi().to_owned());
        if !f.reason.is_empty() {
            rating = format!("{rating}. Lý do: {}", f.reason);
        }
        body.push(Block::Text {
            lead: Some("Đánh giá: ".into()),
            text: rating,
        });
    }
    body.push(Block::Heading1("III. Kiến nghị".into()));
    let recs: Vec<_> = op::recommendations_of(records, visit).collect();
    if recs.is_empty() {
        body.push(Block::Text {
            lead: None,
            text: "Không có kiến nghị.".into(),
        });
    } else {
        body.push(Block::Table {
            header: vec![
                "STT".into(),
                "Nội dung kiến nghị".into(),
                "Cơ quan thực hiện".into(),
                "Thời hạn".into(),
            ],
            rows: recs
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    vec![
                        (i + 1).to_string(),
                        r.text.clone(),
                        name_of(agencies, &r.agency),
                        format_date(r.due),
                    ]
                })
                .collect(),
            weights: vec![1, 8, 4, 2],
        });
    }
    let photos: Vec<_> = op::photos_of(records, visit).collect();
    if !photos.is_empty() {
        body.push(Block::Heading1("IV. Hình ảnh".into()));
        body.extend(photos.iter().enumerate().map(|(i, p)| Block::Photo {
            hash: p.hash.clone(),
            caption: photo_caption(i + 1, p),
        }));
    }
    body.push(Block::Text {
        lead: None,
        text: "Biên bản được lập xong cùng ngày, đã đọc lại cho những người có mặt cùng nghe và thống nhất ký tên./.".into(),
    });
    Some(Official {
        parent: plan.metadata.issuer.clone().unwrap_or_default(),
        agency: "ĐOÀN KIỂM TRA".into(),
        number: String::new(),
        place_date: format!(
            "{}, {}",
            unit.map_or_else(|| "Lạng Sơn".to_owned(), place_word),
            date_words(v.at.date())
        ),
        kind: "Biên bản".into(),
        subject: format!(
            "Kiểm tra việc thực hiện {} tại {inspected}",
            plan_reference(plan)
        ),
        recipients: Vec::new(),
        body,
        signer_title: vec!["Trưởng đoàn kiểm tra".into()],
        signer: round.leader.clone(),
        copies_to: vec![
            format!("- {inspected};"),
            "- Lưu: hồ sơ đoàn kiểm tra.".into(),
        ],
        appendices: Vec::new(),
    })
}

/// A unit's name as the place of a document is written: without its kind ("Thất Khê").
fn place_word(unit: &AdminUnit) -> String {
    let name = unit.name.trim();
    let kind = format!("{} ", unit.kind.trim().to_lowercase());
    if name.to_lowercase().starts_with(&kind) {
        name.chars().skip(kind.chars().count()).collect()
    } else {
        name.to_owned()
    }
}
