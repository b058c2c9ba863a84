//! What goes in each report document: the standing agency's summary report of a round (its
//! outline, the funds and indicator appendices), an agency's report, and the reminder letter
//! (công văn đôn đốc) to the agencies that have not sent theirs.

use super::{Appendix, Block, Official, date_words};
use crate::ids::{AgencyCode, RecordId};
use crate::plan::Plan;
use crate::registry::{AdminUnit, Agency, name_of};
use crate::report::compile::{self, Block as Outline};
use crate::report::indicator::unit_name;
use crate::report::{PlanView, Record, RecordKey, Round, Summary, Vnd, book};
use crate::text::format_date;

/// The round's words after "Báo cáo": "6 tháng đầu năm 2015".
fn period_words(round: &Round) -> String {
    round
        .title
        .strip_prefix("Báo cáo ")
        .unwrap_or(&round.title)
        .to_owned()
}

/// "Kế hoạch số 52/KH-UBND ngày 05/06/2014 của Ủy ban nhân dân tỉnh Lạng Sơn".
pub(crate) fn plan_reference(plan: &Plan) -> String {
    let m = &plan.metadata;
    let mut out = m.kind.map_or("Kế hoạch", |k| k.name_vi()).to_owned();
    if let Some(n) = &m.number {
        out.push_str(&format!(" số {n}"));
    }
    if let Some(d) = m.issued_on {
        out.push_str(&format!(" ngày {}", format_date(d)));
    }
    if let Some(i) = &m.issuer {
        out.push_str(&format!(" của {i}"));
    }
    out
}

/// "Thực hiện Kế hoạch số …, Sở Y tế báo cáo kết quả thực hiện 6 tháng đầu năm 2015 (số liệu
/// từ ngày … đến ngày …) như sau:".
fn opening(plan: &Plan, who: &str, r: &Round) -> Block {
    Block::Text {
        lead: None,
        text: format!(
            "Thực hiện {}, {who} báo cáo kết quả thực hiện {} (số liệu từ ngày {} đến ngày {}) như sau:",
            plan_reference(plan),
            period_words(r),
            format_date(r.data.from),
            format_date(r.data.to)
        ),
    }
}

/// The trích yếu: "Kết quả thực hiện Kế hoạch số 52/KH-UBND 6 tháng đầu năm 2015".
fn subject(plan: &Plan, r: &Round) -> String {
    format!(
        "Kết quả thực hiện {} {}",
        plan_reference(plan)
            .split(" ngày ")
            .next()
            .unwrap_or_default(),
        period_words(r)
    )
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// "72 %": `part` of `whole`, rounded down; empty when there is no whole.
fn percent(part: u64, whole: u64) -> String {
    part.saturating_mul(100)
        .checked_div(whole)
        .map(|p| format!("{p} %"))
        .unwrap_or_default()
}

/// True when the agency's report for the round was accepted (only those go in the summary).
fn accepted(state: &impl PlanView, round: RecordId, agency: &str) -> bool {
    matches!(
        book::report(state.records(), round, agency),
        Some(r) if r.state == crate::report::ReportState::Accepted
    )
}

/// The funds appendix: each accepted entry that states funds, by task and agency.
fn funds(state: &impl PlanView, round: RecordId, agencies: &[Agency]) -> Option<Appendix> {
    let mut rows = Vec::new();
    let (mut total_a, mut total_d) = (0u64, 0u64);
    for r in state.records().values() {
        let Record::Entry(e) = r else { continue };
        if e.round != round || (e.funds_allocated.is_none() && e.funds_disbursed.is_none()) {
            continue;
        }
        if !accepted(state, round, &e.agency) {
            continue;
        }
        let task = state.node(e.node).map_or_else(String::new, |n| {
            format!("{} {}", n.label, n.title).trim().to_owned()
        });
        let a = e.funds_allocated.unwrap_or_default();
        let d = e.funds_disbursed.unwrap_or_default();
        total_a += a.0;
        total_d += d.0;
        let rate = percent(d.0, a.0);
        rows.push(vec![
            (rows.len() + 1).to_string(),
            task,
            name_of(agencies, &e.agency),
            a.format_vi(),
            d.format_vi(),
            rate,
        ]);
    }
    if rows.is_empty() {
        return None;
    }
    rows.push(vec![
        String::new(),
        "Tổng cộng".into(),
        String::new(),
        Vnd(total_a).format_vi(),
        Vnd(total_d).format_vi(),
        percent(total_d, total_a),
    ]);
    Some(Appendix {
        title: "Kinh phí thực hiện".into(),
        attached_to: String::new(),
        body: vec![Block::Table {
            header: [
                "STT",
                "Nhiệm vụ",
                "Cơ quan",
                "Được giao (đồng)",
                "Đã giải ngân (đồng)",
                "Tỷ lệ",
            ]
            .map(str::to_owned)
            .to_vec(),
            rows,
            weights: vec![2, 12, 6, 6, 6, 3],
        }],
    })
}

/// The indicator appendix: each value agencies gave in accepted reports, with the target.
fn indicators(
    state: &impl PlanView,
    round: RecordId,
    agencies: &[Agency],
    units: &[AdminUnit],
) -> Option<Appendix> {
    let mut rows = Vec::new();
    for r in state.records().values() {
        let Record::Value(v) = r else { continue };
        if v.round != round || v.value.is_none() || !accepted(state, round, &v.agency) {
            continue;
        }
        let Some(Record::Indicator(i)) = state.records().get(&RecordKey::Indicator(v.indicator))
        else {
            continue;
        };
        rows.push(vec![
            (rows.len() + 1).to_string(),
            i.name.clone(),
            i.unit.clone(),
            unit_name(units, v.unit.as_deref()),
            name_of(agencies, &v.agency),
            v.value.map(|q| q.format_vi()).unwrap_or_default(),
            i.target.map(|q| q.format_vi()).unwrap_or_default(),
        ]);
    }
    (!rows.is_empty()).then(|| Appendix {
        title: "Kết quả thực hiện các chỉ tiêu".into(),
        attached_to: String::new(),
        body: vec![Block::Table {
            header: [
                "STT",
                "Chỉ tiêu",
                "Đơn vị tính",
                "Địa bàn",
                "Cơ quan báo cáo",
                "Kết quả",
                "Mục tiêu",
            ]
            .map(str::to_owned)
            .to_vec(),
            rows,
            weights: vec![2, 10, 3, 5, 6, 4, 4],
        }],
    })
}

/// The standing agency's summary report of `round`, or `None` when the round does not exist.
pub fn summary(
    plan: &Plan,
    state: &impl PlanView,
    round: RecordId,
    agencies: &[Agency],
    units: &[AdminUnit],
    standing: &str,
    today: chrono::NaiveDate,
) -> Option<Official> {
    let r = book::round(state.records(), round)?;
    let head = match state.records().get(&RecordKey::Summary { round }) {
        Some(Record::Summary(s)) => s.clone(),
        _ => Summary::blank(round),
    };
    let agency = name_of(agencies, standing);
    let mut body = vec![opening(plan, &agency, r)];
    for b in compile::outline(state, state.records(), round) {
        match b {
            Outline::Heading { level: 1, text } => body.push(Block::Heading1(text)),
            Outline::Heading { text, .. } => body.push(Block::Heading2(text)),
            Outline::Paragraph {
                paragraph,
                agency,
                role,
            } => {
                if paragraph.text.trim().is_empty() {
                    continue;
                }
                let lead = agency.map(|a| {
                    let name = name_of(agencies, &a);
                    match role {
                        Some(crate::assignment::Role::Lead) => format!("{name} (chủ trì): "),
                        _ => format!("{name}: "),
                    }
                });
                body.push(Block::Text {
                    lead,
                    text: paragraph.text,
                });
            }
        }
    }
    if let Some(Block::Text { text, .. }) = body.last_mut() {
        text.push_str("./.");
    }
    let number = head.number.clone();
    let date = head.date.unwrap_or(today);
    let attached = format!(
        "Kèm theo Báo cáo số {} {} của {}",
        if number.is_empty() { "    " } else { &number },
        date_words(date),
        agency
    );
    let appendices: Vec<Appendix> = [
        indicators(state, round, agencies, units),
        funds(state, round, agencies),
    ]
    .into_iter()
    .flatten()
    .map(|a| Appendix {
        attached_to: attached.clone(),
        ..a
    })
    .collect();
    let place = Some(head.place.clone())
        .filter(|p| !p.is_empty())
        .or_else(|| plan.metadata.place.clone())
        .unwrap_or_else(|| "Lạng Sơn".into());
    Some(Official {
        parent: plan.metadata.issuer.clone().unwrap_or_default(),
        agency,
        number,
        place_date: format!("{place}, {}", date_words(date)),
        kind: "Báo cáo".into(),
        subject: subject(plan, r),
        recipients: head.recipients.clone(),
        body,
        signer_title: lines(&head.signer_title),
        signer: head.signer.clone(),
        copies_to: if head.copies_to.is_empty() {
            vec!["- Như trên;".into(), "- Lưu: VT.".into()]
        } else {
            head.copies_to.clone()
        },
        appendices,
    })
}

/// An agency's report for `round`, or `None` when the round does not exist.
pub fn agency_report(
    plan: &Plan,
    state: &impl PlanView,
    round: RecordId,
    agency: &AgencyCode,
    agencies: &[Agency],
    standing: &str,
    today: chrono::NaiveDate,
) -> Option<Official> {
    let r = book::round(state.records(), round)?;
    let report = book::report(state.records(), round, agency);
    let name = name_of(agencies, agency);
    let mut body = vec![opening(plan, &name, r)];
    body.push(Block::Heading1("I. Công tác lãnh đạo, chỉ đạo".into()));
    let directives = report.map(|rep| rep.directives.clone()).unwrap_or_default();
    if directives.is_empty() {
        body.push(Block::Text {
            lead: None,
            text: "(Không có văn bản chỉ đạo trong kỳ.)".into(),
        });
    }
    for d in directives {
        body.push(Block::Text {
            lead: None,
            text: format!(
                "- Văn bản số {}{}: {}",
                d.number,
                d.date
                    .map(|x| format!(" ngày {}", format_date(x)))
                    .unwrap_or_default(),
                d.summary
            ),
        });
    }
    body.push(Block::Heading1("II. Kết quả thực hiện nhiệm vụ".into()));
    for (i, t) in book::tasks_of(state, agency).into_iter().enumerate() {
        let Some(node) = state.node(t.node) else {
            continue;
        };
        body.push(Block::Heading2(format!("{}. {}", i + 1, node.title)));
        let e = book::entry(state.records(), round, agency, t.node);
        let mut facts = Vec::new();
        if let Some(p) = e.and_then(|e| e.progress) {
            facts.push(format!("Tiến độ: {p} %"));
        }
        if let Some(a) = e.and_then(|e| e.funds_allocated) {
            facts.push(format!("Kinh phí được giao: {} đồng", a.format_vi()));
        }
        if let Some(d) = e.and_then(|e| e.funds_disbursed) {
            facts.push(format!("Đã giải ngân: {} đồng", d.format_vi()));
        }
        if !facts.is_empty() {
            body.push(Block::Text {
                lead: None,
                text: format!("{}.", facts.join("; ")),
            });
        }
        for (lead, text) in [
            ("Kết quả: ", e.map(|e| e.results.clone())),
            ("Khó khăn, vướng mắc: ", e.map(|e| e.difficulties.clone())),
            ("Đề xuất, kiến nghị: ", e.map(|e| e.proposals.clone())),
        ] {
            if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
                body.push(Block::Text {
                    lead: Some(lead.into()),
                    text,
                });
            }
        }
    }
    body.push(Block::Heading1("III. Đánh giá chung".into()));
    body.push(Block::Text {
        lead: None,
        text: report
            .map(|rep| rep.remarks.clone())
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| "(Không có.)".into()),
    });
    let standing_name = name_of(agencies, standing);
    let date = report.and_then(|rep| rep.sent_on).unwrap_or(today);
    Some(Official {
        parent: plan.metadata.issuer.clone().unwrap_or_default(),
        agency: name,
        number: String::new(),
        place_date: format!(
            "{}, {}",
            plan.metadata
                .place
                .clone()
                .unwrap_or_else(|| "Lạng Sơn".into()),
            date_words(date)
        ),
        kind: "Báo cáo".into(),
        subject: subject(plan, r),
        recipients: vec![standing_name],
        body,
        signer_title: vec!["Thủ trưởng cơ quan".into()],
        signer: String::new(),
        copies_to: vec!["- Như trên;".into(), "- Lưu: VT.".into()],
        appendices: Vec::new(),
    })
}

/// The reminder letter (công văn đôn đốc) to the agencies whose report has not come (or came
/// back to them), or `None` when the round does not exist or nobody needs reminding.
pub fn reminder(
    plan: &Plan,
    state: &impl PlanView,
    round: RecordId,
    agencies: &[Agency],
    standing: &str,
    today: chrono::NaiveDate,
) -> Option<Official> {
    let r = book::round(state.records(), round)?;
    let late: Vec<(String, &'static str)> = book::to_remind(r, state.records(), today)
        .iter()
        .map(|l| (name_of(agencies, &l.agency), l.standing.label_vi()))
        .collect();
    if late.is_empty() {
        return None;
    }
    let standing_name = name_of(agencies, standing);
    let body = vec![
        Block::Text {
            lead: None,
            text: format!(
                "Thực hiện {}, {} đã đề nghị các cơ quan, đơn vị gửi {} (số liệu từ ngày {} đến ngày {}) trước ngày {}.",
                plan_reference(plan),
                standing_name,
                r.title.to_lowercase(),
                format_date(r.data.from),
                format_date(r.data.to),
                format_date(r.due)
            ),
        },
        Block::Text {
            lead: None,
            text: format!(
                "Đến ngày {}, các cơ quan, đơn vị sau chưa gửi báo cáo hoặc báo cáo bị trả lại chưa gửi lại:",
                format_date(today)
            ),
        },
        Block::Table {
            header: vec!["STT".into(), "Cơ quan, đơn vị".into(), "Tình hình".into()],
            rows: late
                .iter()
                .enumerate()
                .map(|(i, (n, s))| vec![(i + 1).to_string(), n.clone(), (*s).to_owned()])
                .collect(),
            weights: vec![1, 6, 4],
        },
        Block::Text {
            lead: None,
            text: format!(
                "{} đề nghị các cơ quan, đơn vị khẩn trương hoàn thành và gửi báo cáo trên phần mềm theo dõi kế hoạch để tổng hợp, báo cáo Ủy ban nhân dân tỉnh theo quy định./.",
                standing_name
            ),
        },
    ];
    Some(Official {
        parent: plan.metadata.issuer.clone().unwrap_or_default(),
        agency: standing_name,
        number: String::new(),
        place_date: format!(
            "{}, {}",
            plan.metadata
                .place
                .clone()
                .unwrap_or_else(|| "Lạng Sơn".into()),
            date_words(today)
        ),
        kind: String::new(),
        subject: format!("đôn đốc gửi {}", r.title.to_lowercase()),
        recipients: late.iter().map(|(n, _)| n.clone()).collect(),
        body,
        signer_title: vec!["Thủ trưởng cơ quan".into()],
        signer: String::new(),
        copies_to: vec!["- Như trên;".into(), "- Lưu: VT.".into()],
        appendices: Vec::new(),
    })
}
