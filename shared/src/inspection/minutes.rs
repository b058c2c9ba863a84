//! The minutes of a visit (biên bản kiểm tra) as an official document in the layout of Nghị
//! định 30/2020 (`report::official::Official`; the server writes it as a Word file): when and
//! where, who inspected and who was met, the findings task by task with their ratings, the
//! recommendations with their agencies and due dates, and the photos taken.

use crate::ids::RecordId;
use crate::inspection::model::{Inspected, InspectionRound, Position, Visit};
use crate::inspection::op;
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
        .map(|t| format!("{} {}", t.time().format("%H:%M"), format_date(t.date())));
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
