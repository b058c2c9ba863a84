//! Reports' figures (issue 14), for a plan of 500 tasks, 40 agencies, 3 rounds of reports (every
//! agency reporting on every task it holds, all accepted) and 10 indicators by district:
//! `report_compile_ms` (compile the summary of the last round and lay out its outline),
//! `report_docx_ms` and `report_docx_kb` (the summary as a Word file), `report_push_bytes` and
//! `report_push_gzip_bytes` (the push that sends one agency's report of 30 entries, as JSON and
//! as the app sends it, gzip). Medians of several runs; release build: `cargo xtask bench`.

use backend::docx;
use shared::assignment::Role;
use shared::ids::{AgencyCode, ClientId, NodeId, PlanId, RecordId};
use shared::mutation::{Mutation, Position};
use shared::plan::Plan;
use shared::plan_state::PlanState;
use shared::registry::{Agency, AgencyGroup};
use shared::report::{
    DataPeriod, Direction, Indicator, IndicatorScope, Quantity, RecordEdit, RecordKey,
    ReportMutation, ReportPeriod, Round, Vnd,
};
use shared::sync::{ChangeNo, Pending, PushRequest};
use std::io::Write;
use std::time::Instant;

const TASKS: u64 = 500;
const AGENCIES: usize = 40;
const RUNS: usize = 9;

fn id(n: u64) -> NodeId {
    NodeId::from_parts(1_700_000_000_000 + n, [7; 10])
}

fn code(i: usize) -> AgencyCode {
    AgencyCode(format!("A{i:02}"))
}

fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn apply(s: &mut PlanState, m: Mutation) {
    if let Err(e) = s.apply_and_commit(&m) {
        panic!("{e}: {m:?}");
    }
}

fn report(op: ReportMutation) -> Mutation {
    Mutation::Report { op }
}

/// What an agency writes about one task.
/// Phrases a results text is made of, picked pseudo-randomly so that every entry says
/// something different (a text repeated 30 times would make the compressed figure flatter).
const PHRASES: [&str; 24] = [
    "tổ chức hội nghị quán triệt kế hoạch",
    "mở lớp tập huấn cho cán bộ cơ sở",
    "phát hành tờ rơi song ngữ Việt – Tày",
    "hỗ trợ hộ đồng bào dân tộc thiểu số phát triển sản xuất",
    "xây dựng mô hình điểm tại xã đặc biệt khó khăn",
    "kiểm tra việc thực hiện chính sách ở thôn, bản",
    "cấp thẻ bảo hiểm y tế cho người dân tộc thiểu số",
    "sửa chữa đường giao thông nông thôn",
    "hỗ trợ nước sinh hoạt phân tán",
    "đào tạo nghề cho lao động nông thôn",
    "tuyên truyền trên sóng phát thanh bằng tiếng Nùng",
    "vận động người có uy tín tham gia hòa giải",
    "rà soát hộ nghèo, hộ cận nghèo",
    "cấp giống cây trồng, vật nuôi",
    "hỗ trợ học sinh bán trú",
    "khám chữa bệnh lưu động",
    "xây dựng nhà văn hóa thôn",
    "bảo tồn lễ hội truyền thống",
    "giao khoán bảo vệ rừng",
    "cho vay vốn ưu đãi qua Ngân hàng Chính sách xã hội",
    "kiện toàn ban chỉ đạo cấp huyện",
    "sơ kết 6 tháng và đề ra nhiệm vụ",
    "lồng ghép nguồn vốn các chương trình mục tiêu",
    "phối hợp với Mặt trận Tổ quốc và các đoàn thể",
];
const PLACES: [&str; 11] = [
    "Lộc Bình",
    "Đình Lập",
    "Cao Lộc",
    "Văn Quan",
    "Bình Gia",
    "Bắc Sơn",
    "Hữu Lũng",
    "Chi Lăng",
    "Tràng Định",
    "Văn Lãng",
    "Thành phố Lạng Sơn",
];

/// A small deterministic generator (the figures must be the same on every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// About 400 characters of results, different for each `n`.
fn results_text(n: u64) -> String {
    let mut g = Lcg(n + 1);
    let mut text = String::from("Trong kỳ, đơn vị đã ");
    for k in 0..4 {
        if k > 0 {
            text.push_str(if k == 3 { "; đồng thời " } else { "; " });
        }
        let count = 1 + g.next(400);
        text.push_str(&format!(
            "{} ({count} lượt) tại huyện {}",
            PHRASES[g.next(PHRASES.len())],
            PLACES[g.next(PLACES.len())]
        ));
    }
    text.push('.');
    text
}

fn entry_edits(round: RecordId, agency: &AgencyCode, node: NodeId, n: u64) -> Vec<Mutation> {
    let key = RecordKey::Entry {
        round,
        agency: agency.clone(),
        node,
    };
    let edit = |edit| {
        report(ReportMutation::Edit {
            key: key.clone(),
            edit,
        })
    };
    let mut g = Lcg(n + 1_000);
    vec![
        edit(RecordEdit::Results(results_text(n))),
        edit(RecordEdit::Progress(Some((n % 10 * 10) as u8))),
        edit(RecordEdit::Difficulties(format!(
            "Kinh phí cấp chậm; địa bàn {} rộng, {}.",
            PLACES[g.next(PLACES.len())],
            PHRASES[g.next(PHRASES.len())]
        ))),
        edit(RecordEdit::FundsAllocated(Some(Vnd(
            1_000_000 * (1 + g.next(5_000) as u64)
        )))),
        edit(RecordEdit::FundsDisbursed(Some(Vnd(
            1_000_000 * (1 + g.next(3_000) as u64)
        )))),
    ]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let plan_id = PlanId::from_parts(1_700_000_000_000, [1; 10]);
    let mut s = PlanState::new(plan_id, []);
    // 10 sections of 50 tasks; each task has a lead and a coordinating agency; A01 also
    // coordinates the first 30 tasks (its report has 30+ entries).
    for sec in 0..10u64 {
        apply(
            &mut s,
            Mutation::CreateNode {
                id: id(10_000 + sec),
                parent: None,
                position: Position::Last,
                title: format!("Phần {sec}"),
                body: None,
                deadline: None,
                label: (sec + 1).to_string(),
                owner: None,
            },
        );
    }
    let mut held: Vec<Vec<NodeId>> = vec![Vec::new(); AGENCIES];
    for t in 0..TASKS {
        let node = id(t);
        apply(
            &mut s,
            Mutation::CreateNode {
                id: node,
                parent: Some(id(10_000 + t / 50)),
                position: Position::Last,
                title: format!(
                    "Nhiệm vụ {t}: triển khai các chính sách hỗ trợ đồng bào dân tộc thiểu số"
                ),
                body: None,
                deadline: None,
                label: (t % 50 + 1).to_string(),
                owner: None,
            },
        );
        let lead = t as usize % AGENCIES;
        let mut coord = vec![(t as usize + 7) % AGENCIES];
        if t < 30 && lead != 1 && coord[0] != 1 {
            coord.push(1);
        }
        apply(
            &mut s,
            Mutation::Assign {
                id: node,
                agency: code(lead),
                role: Role::Lead,
                deadline: None,
            },
        );
        held[lead].push(node);
        for c in coord {
            apply(
                &mut s,
                Mutation::Assign {
                    id: node,
                    agency: code(c),
                    role: Role::Coordinating,
                    deadline: None,
                },
            );
            held[c].push(node);
        }
    }
    for i in 0..10u64 {
        apply(
            &mut s,
            report(ReportMutation::CreateIndicator {
                indicator: Indicator {
                    id: RecordId::from_parts(1_700_000_100_000 + i, [3; 10]),
                    name: format!("Chỉ tiêu {i}"),
                    unit: "%".into(),
                    direction: Direction::Lower,
                    baseline: Some(Quantity::whole(30)),
                    target: Some(Quantity::whole(15)),
                    target_year: Some(2020),
                    scope: IndicatorScope::District,
                },
            }),
        );
    }
    let mut last = RecordId::from_parts(0, [0; 10]);
    for (k, year) in [2015, 2016, 2017].into_iter().enumerate() {
        let round = Round {
            id: RecordId::from_parts(1_700_000_200_000 + k as u64, [4; 10]),
            period: ReportPeriod::Year,
            year,
            title: format!("Báo cáo năm {year}"),
            data: DataPeriod {
                from: date(year - 1, 12, 15),
                to: date(year, 12, 14),
            },
            due: date(year, 12, 15),
            summary_due: date(year, 12, 20),
            required: (0..AGENCIES).map(code).collect(),
        };
        last = round.id;
        apply(
            &mut s,
            report(ReportMutation::CreateRound {
                round: round.clone(),
            }),
        );
        for (a, tasks) in held.iter().enumerate() {
            let agency = code(a);
            for (n, node) in tasks.iter().enumerate() {
                for m in entry_edits(round.id, &agency, *node, n as u64) {
                    apply(&mut s, m);
                }
            }
            for i in 0..10u64 {
                for unit in ["d-178", "d-185"] {
                    apply(
                        &mut s,
                        report(ReportMutation::Edit {
                            key: RecordKey::Value {
                                round: round.id,
                                agency: agency.clone(),
                                indicator: RecordId::from_parts(1_700_000_100_000 + i, [3; 10]),
                                unit: Some(unit.into()),
                            },
                            edit: RecordEdit::Value(Some(Quantity(20_500 + a as i64))),
                        }),
                    );
                }
            }
            apply(
                &mut s,
                report(ReportMutation::Send {
                    round: round.id,
                    agency: agency.clone(),
                    on: round.due,
                }),
            );
            apply(
                &mut s,
                report(ReportMutation::Accept {
                    round: round.id,
                    agency,
                    on: round.due,
                }),
            );
        }
    }
    println!(
        "plan: {} tasks, {AGENCIES} agencies, 3 rounds, 10 indicators, {} report records",
        TASKS,
        s.records().len()
    );

    // Compiling the last round's summary, and its outline.
    let mut compile_ms = Vec::new();
    let mut compiled = s.clone();
    for _ in 0..RUNS {
        let mut t = s.clone();
        let started = Instant::now();
        apply(&mut t, report(ReportMutation::Compile { round: last }));
        let blocks = shared::report::compile::outline(&t, t.records(), last);
        compile_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(blocks.len() > 500, "{} blocks", blocks.len());
        compiled = t;
    }
    println!("report_compile_ms: {:.1}", median(compile_ms));

    // The summary as a Word file.
    let agencies: Vec<Agency> = (0..AGENCIES)
        .map(|i| Agency {
            code: code(i),
            name: format!("Sở số {i}"),
            group: AgencyGroup::Department,
            role_note: None,
            successor: None,
            successor_note: None,
            valid_from: None,
            valid_to: None,
        })
        .collect();
    let plan = Plan {
        id: plan_id,
        metadata: Default::default(),
        preamble: None,
        references: Vec::new(),
        visibility: Default::default(),
    };
    let mut docx_ms = Vec::new();
    let mut size = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let doc = shared::report::official::summary(
            &plan,
            &compiled,
            last,
            &agencies,
            &[],
            "A00",
            date(2017, 12, 20),
        )
        .unwrap_or_else(|| panic!("the round"));
        let bytes = docx::render(&doc).unwrap_or_else(|e| panic!("{e}"));
        docx_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        size = bytes.len();
    }
    println!("report_docx_ms: {:.1}", median(docx_ms));
    println!("report_docx_kb: {:.0}", size as f64 / 1024.0);

    // One agency's report of 30 entries, as the device pushes it.
    let round = RecordId::from_parts(1_700_000_300_000, [5; 10]);
    let agency = code(1);
    let mut mutations: Vec<Mutation> = held[1]
        .iter()
        .take(30)
        .enumerate()
        .flat_map(|(n, node)| entry_edits(round, &agency, *node, n as u64))
        .collect();
    mutations.push(report(ReportMutation::Send {
        round,
        agency,
        on: date(2018, 6, 15),
    }));
    let push = PushRequest {
        client: ClientId::from_parts(1_700_000_000_000, [9; 10]),
        mutations: mutations
            .into_iter()
            .enumerate()
            .map(|(i, mutation)| Pending {
                seq: i as u64 + 1,
                base: ChangeNo(42),
                at: 1_700_000_000_000 + i as i64,
                mutation,
            })
            .collect(),
    };
    let json = serde_json::to_vec(&push).unwrap_or_default();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&json).unwrap_or_else(|e| panic!("{e}"));
    let gz = gz.finish().unwrap_or_default();
    println!("report_push_bytes: {}", json.len());
    println!("report_push_gzip_bytes: {}", gz.len());
}
