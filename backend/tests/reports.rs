//! Reports over HTTP against a real embedded database: an agency writes its report for a
//! round, sends it, the standing agency returns it with a reason, the agency fixes and sends
//! it again, it is accepted; every refusal on the way, in Vietnamese; bad input; two devices
//! writing one entry; and the records surviving a restart.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;
use shared::access::UserRole;
use shared::api::ApiError;
use shared::assignment::Role;
use shared::ids::{AgencyCode, NodeId, PlanId, RecordId};
use shared::mutation::{Mutation, MutationError};
use shared::report::{
    DataPeriod, Direction, Indicator, IndicatorScope, Quantity, Record, RecordEdit, RecordField,
    RecordKey, ReportError, ReportMutation, ReportPeriod, ReportState, Round, Vnd,
};
use shared::sync::{
    ChangeNo, ClientSeq, Pending, PullRequest, PullResponse, PushRequest, PushResponse,
};

fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| panic!("date"))
}

fn round(required: &[&str]) -> Round {
    Round {
        id: RecordId(uuid::Uuid::now_v7()),
        period: ReportPeriod::HalfYear,
        year: 2015,
        title: "Báo cáo 6 tháng đầu năm 2015".into(),
        data: DataPeriod {
            from: date(2014, 12, 15),
            to: date(2015, 6, 14),
        },
        due: date(2015, 6, 15),
        summary_due: date(2015, 6, 20),
        required: required.iter().map(|a| AgencyCode::from(*a)).collect(),
    }
}

fn op(op: ReportMutation) -> Mutation {
    Mutation::Report { op }
}

fn entry_edit(round: RecordId, agency: &str, node: NodeId, edit: RecordEdit) -> Mutation {
    op(ReportMutation::Edit {
        key: RecordKey::Entry {
            round,
            agency: agency.into(),
            node,
        },
        edit,
    })
}

/// A device of one user: its client id and next sequence number.
struct Device {
    http: reqwest::Client,
    client: shared::ids::ClientId,
    seq: u64,
}

impl Device {
    fn new(http: reqwest::Client) -> Self {
        Self {
            http,
            client: new_client(),
            seq: 1,
        }
    }

    /// Pushes `mutations` in one push, all made on `base`.
    /// Posts `value` to the plan's `what` (push or pull): a 200 and its answer.
    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        s: &Server,
        plan: PlanId,
        what: &str,
        value: &serde_json::Value,
    ) -> T {
        let r = post_json(&self.http, s.url(&format!("/plans/{plan}/{what}")), value)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::OK);
        body(r).await
    }

    async fn push(
        &mut self,
        s: &Server,
        plan: PlanId,
        base: ChangeNo,
        mutations: Vec<Mutation>,
    ) -> (PushResponse, usize) {
        let pending: Vec<Pending> = mutations
            .into_iter()
            .map(|mutation| {
                self.seq += 1;
                Pending {
                    seq: self.seq - 1,
                    base,
                    at: 1_800_000_000_000,
                    mutation,
                }
            })
            .collect();
        let req = PushRequest {
            client: self.client,
            mutations: pending,
        };
        let bytes = serde_json::to_vec(&req).unwrap_or_default().len();
        (self.post(s, plan, "push", &json!(req)).await, bytes)
    }

    async fn one(&mut self, s: &Server, plan: PlanId, m: Mutation) -> Option<MutationError> {
        let (answer, _) = self.push(s, plan, ChangeNo::ZERO, vec![m]).await;
        answer.refused.first().map(|r| r.error.clone())
    }

    async fn pull(&self, s: &Server, plan: PlanId, cursor: ChangeNo) -> PullResponse {
        let req = PullRequest {
            cursor,
            clients: vec![ClientSeq {
                client: self.client,
                seq: self.seq - 1,
            }],
            holds: None,
        };
        self.post(s, plan, "pull", &json!(req)).await
    }
}

fn report_of(pull: &PullResponse, round: RecordId, agency: &str) -> shared::report::AgencyReport {
    pull.records
        .iter()
        .find_map(|r| match r {
            Record::Report(r) if r.round == round && r.agency == agency => Some(r.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("the report of {agency}"))
}

fn report_error(e: Option<MutationError>) -> ReportError {
    match e {
        Some(MutationError::Report { error }) => error,
        other => panic!("expected a report refusal, got {other:?}"),
    }
}

/// Three tasks of section III of the seed plan: SYT leads the first, coordinates the second;
/// STC leads the third.
async fn setup(s: &Server) -> (PlanId, [NodeId; 3]) {
    let tree = s.seed_plan().await;
    let plan = tree.plan.id;
    let tasks = children(&tree, top(&tree, "III").id);
    let ids = [tasks[0].id, tasks[1].id, tasks[2].id];
    for (id, agency, role) in [
        (ids[0], "SYT", Role::Lead),
        (ids[1], "SYT", Role::Coordinating),
        (ids[2], "STC", Role::Lead),
    ] {
        let m = Mutation::Assign {
            id,
            agency: agency.into(),
            role,
            deadline: None,
        };
        assert_eq!(refusal(&s.mutate(plan, &m).await), None);
    }
    (plan, ids)
}

#[tokio::test]
async fn an_agency_report_goes_round_the_whole_cycle_with_every_refusal_in_vietnamese() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = format!("surrealkv://{}", dir.path().join("db").display());
    let s = Server::start(&url).await;
    let (plan, [a, b, c]) = setup(&s).await;
    let mut standing = Device::new(
        s.as_user("bdt.thuongtruc", UserRole::Standing, Some("BDT"))
            .await,
    );
    let mut syt = Device::new(
        s.as_user("syt.canbo", UserRole::AgencyOfficer, Some("SYT"))
            .await,
    );
    let leader = Device::new(s.as_user("lanhdao", UserRole::Leader, None).await);

    // The standing agency opens the round; an agency may not.
    let r = round(&["SYT", "STC"]);
    let e = syt
        .one(
            &s,
            plan,
            op(ReportMutation::CreateRound { round: r.clone() }),
        )
        .await;
    assert!(
        matches!(&e, Some(MutationError::Forbidden { message }) if message.contains("thường trực")),
        "{e:?}"
    );
    assert_eq!(
        standing
            .one(
                &s,
                plan,
                op(ReportMutation::CreateRound { round: r.clone() })
            )
            .await,
        None
    );

    // SYT writes its report: 30 edits in one push, as a tablet sends them after a day offline.
    let mut edits = Vec::new();
    for (task, n) in [(a, 1), (b, 2)] {
        for k in 0..3 {
            edits.push(entry_edit(
                r.id,
                "SYT",
                task,
                RecordEdit::Results(format!(
                    "Nhiệm vụ {n}, lần sửa {k}: đã tổ chức {k} hội nghị tuyên truyền tại các huyện Lộc Bình, Đình Lập, Cao Lộc với {} lượt người tham dự; phát hành 2.000 tờ rơi song ngữ Việt – Tày.",
                    120 * (u32::from(k) + 1)
                )),
            ));
            edits.push(entry_edit(
                r.id,
                "SYT",
                task,
                RecordEdit::Progress(Some(20 * (k + 1))),
            ));
            edits.push(entry_edit(
                r.id,
                "SYT",
                task,
                RecordEdit::Difficulties(
                    "Kinh phí cấp chậm; địa bàn rộng, giao thông khó khăn.".into(),
                ),
            ));
            edits.push(entry_edit(
                r.id,
                "SYT",
                task,
                RecordEdit::FundsAllocated(Some(Vnd(1_250_000_000))),
            ));
            edits.push(entry_edit(
                r.id,
                "SYT",
                task,
                RecordEdit::FundsDisbursed(Some(Vnd(800_000_000 + 1000 * u64::from(k)))),
            ));
        }
    }
    assert_eq!(edits.len(), 30);
    let (answer, bytes) = syt.push(&s, plan, ChangeNo::ZERO, edits).await;
    assert!(answer.refused.is_empty(), "{:?}", answer.refused);
    println!("report_push_bytes (30 edits, uncompressed JSON) = {bytes}");

    // Refusals: another agency's report, a task SYT does not hold, text over the limit.
    let e = syt
        .one(
            &s,
            plan,
            entry_edit(r.id, "STC", c, RecordEdit::Results("x".into())),
        )
        .await;
    assert!(
        matches!(&e, Some(MutationError::Forbidden { message }) if message.contains("chính đơn vị")),
        "{e:?}"
    );
    let e = report_error(
        syt.one(
            &s,
            plan,
            entry_edit(r.id, "SYT", c, RecordEdit::Results("x".into())),
        )
        .await,
    );
    assert_eq!(
        e,
        ReportError::NotHeld {
            agency: "SYT".into()
        }
    );
    assert!(e.to_string().contains("không được giao"), "{e}");
    let e = report_error(
        syt.one(
            &s,
            plan,
            entry_edit(r.id, "SYT", a, RecordEdit::Results("x".repeat(20_001))),
        )
        .await,
    );
    assert!(e.to_string().contains("20000"), "{e}");

    // Sent: dated by the server, late against a due date in 2015.
    assert_eq!(
        syt.one(
            &s,
            plan,
            op(ReportMutation::Send {
                round: r.id,
                agency: "SYT".into(),
                on: date(2015, 6, 1),
            }),
        )
        .await,
        None
    );
    let today = backend::service::today_vn();
    let pulled = standing.pull(&s, plan, ChangeNo(1)).await;
    let sent = report_of(&pulled, r.id, "SYT");
    assert_eq!(sent.state, ReportState::Sent);
    assert_eq!(sent.first_sent_on, Some(today), "the server's date");
    let entries = pulled
        .records
        .iter()
        .filter(|r| matches!(r, Record::Entry(e) if e.agency == "SYT"))
        .count();
    assert_eq!(entries, 2);

    // Edits after sending, a return without a reason, a leader accepting: refused.
    let e = report_error(
        syt.one(
            &s,
            plan,
            entry_edit(r.id, "SYT", a, RecordEdit::Progress(Some(90))),
        )
        .await,
    );
    assert!(e.to_string().contains("đã gửi"), "{e}");
    let give_back = |reason: &str| {
        op(ReportMutation::Return {
            round: r.id,
            agency: "SYT".into(),
            reason: reason.into(),
            on: today,
        })
    };
    let e = report_error(standing.one(&s, plan, give_back("   ")).await);
    assert!(e.to_string().contains("lý do"), "{e}");
    let accept = op(ReportMutation::Accept {
        round: r.id,
        agency: "SYT".into(),
        on: today,
    });
    let mut leader = leader;
    let e = leader.one(&s, plan, accept.clone()).await;
    assert!(
        matches!(&e, Some(MutationError::Forbidden { message }) if message.contains("chỉ được xem")),
        "{e:?}"
    );

    // Returned with a reason, fixed, sent again, accepted; then closed to edits.
    assert_eq!(
        standing
            .one(&s, plan, give_back("Bổ sung số liệu giải ngân quý II"))
            .await,
        None
    );
    assert_eq!(
        syt.one(
            &s,
            plan,
            entry_edit(
                r.id,
                "SYT",
                a,
                RecordEdit::FundsDisbursed(Some(Vnd(950_000_000)))
            ),
        )
        .await,
        None
    );
    let send = op(ReportMutation::Send {
        round: r.id,
        agency: "SYT".into(),
        on: today,
    });
    assert_eq!(syt.one(&s, plan, send).await, None);
    assert_eq!(standing.one(&s, plan, accept).await, None);
    let e = report_error(
        syt.one(
            &s,
            plan,
            entry_edit(r.id, "SYT", a, RecordEdit::Progress(Some(100))),
        )
        .await,
    );
    assert!(e.to_string().contains("tiếp nhận"), "{e}");
    let done = report_of(&standing.pull(&s, plan, ChangeNo(1)).await, r.id, "SYT");
    assert_eq!(done.state, ReportState::Accepted);
    assert_eq!(
        done.returned.map(|x| x.reason),
        Some("Bổ sung số liệu giải ngân quý II".into())
    );

    // Bad input: negative money, a wrong type, an unknown record key. A 4xx with a typed
    // Vietnamese error, never a 500.
    for bad in [
        json!({"type": "report", "op": {"op": "edit", "key": format!("entry/{}/{a}/SYT", r.id), "edit": {"field": "funds_allocated", "value": -5}}}),
        json!({"type": "report", "op": {"op": "edit", "key": format!("entry/{}/{a}/SYT", r.id), "edit": {"field": "progress", "value": "nhiều"}}}),
        json!({"type": "report", "op": {"op": "edit", "key": "entry/khong-phai-ma", "edit": {"field": "results", "value": "x"}}}),
    ] {
        let req = json!({"client": new_client(), "mutations": [{"seq": 1, "base": 0, "at": 0, "mutation": bad}]});
        let answer = post_json(&syt.http, s.url(&format!("/plans/{plan}/push")), &req)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(answer.status().is_client_error(), "{}", answer.status());
        let e: ApiError = body(answer).await;
        assert!(!e.message.is_empty());
    }

    // Everything survives a restart: the records, their states and stamps.
    s.stop().await;
    let service = reopen(&url).await;
    let admin = admin_user();
    let req = PullRequest {
        cursor: ChangeNo(1),
        clients: vec![ClientSeq {
            client: new_client(),
            seq: 0,
        }],
        holds: None,
    };
    let pulled = match service.pull(plan, &req, &admin).await {
        Ok(backend::service::Pulled::Changes(p)) => p.answer().expect("a pull"),
        _ => panic!("a pull of changes"),
    };
    assert_eq!(report_of(&pulled, r.id, "SYT").state, ReportState::Accepted);
    let entry = pulled.records.iter().find_map(|x| match x {
        Record::Entry(e) if e.node == a => Some(e.clone()),
        _ => None,
    });
    assert_eq!(
        entry.and_then(|e| e.funds_disbursed),
        Some(Vnd(950_000_000))
    );
}

#[tokio::test]
async fn two_tablets_of_one_agency_writing_one_entry_keep_both_texts_as_a_conflict() {
    let s = Server::start("mem://").await;
    let (plan, [a, _, _]) = setup(&s).await;
    let mut standing = Device::new(
        s.as_user("bdt.thuongtruc", UserRole::Standing, Some("BDT"))
            .await,
    );
    let r = round(&["SYT"]);
    assert_eq!(
        standing
            .one(
                &s,
                plan,
                op(ReportMutation::CreateRound { round: r.clone() })
            )
            .await,
        None
    );
    let officer = s
        .as_user("syt.canbo", UserRole::AgencyOfficer, Some("SYT"))
        .await;
    let base = standing.pull(&s, plan, ChangeNo::ZERO).await.cursor;
    let mut first = Device::new(officer.clone());
    let mut second = Device::new(officer);
    let text = |t: &str| entry_edit(r.id, "SYT", a, RecordEdit::Results(t.into()));
    let (one, _) = first
        .push(&s, plan, base, vec![text("Bản của máy thứ nhất")])
        .await;
    let (two, _) = second
        .push(&s, plan, base, vec![text("Bản của máy thứ hai")])
        .await;
    assert!(one.conflicts.is_empty());
    assert_eq!(two.conflicts.len(), 1, "the second write opens a conflict");
    let pulled = first.pull(&s, plan, base).await;
    let c = pulled
        .record_conflicts
        .iter()
        .find(|c| c.open)
        .unwrap_or_else(|| panic!("the conflict reaches the first tablet"));
    assert_eq!(c.field, RecordField::Results);
    assert_eq!(
        c.replaced.value,
        RecordEdit::Results("Bản của máy thứ nhất".into())
    );
    assert_eq!(
        c.kept.value,
        RecordEdit::Results("Bản của máy thứ hai".into())
    );
    // Resolved by the first tablet with both texts merged.
    let resolve = op(ReportMutation::ResolveConflict {
        conflict: c.id,
        key: c.key.clone(),
        edit: RecordEdit::Results("Bản của máy thứ nhất; bản của máy thứ hai".into()),
    });
    let (answer, _) = first.push(&s, plan, pulled.cursor, vec![resolve]).await;
    assert!(answer.refused.is_empty(), "{:?}", answer.refused);
    let after = second.pull(&s, plan, pulled.cursor).await;
    assert!(after.record_conflicts.iter().all(|c| !c.open));
}

async fn download(http: &reqwest::Client, url: String) -> (StatusCode, Vec<u8>) {
    let r = http.get(url).send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = r.status();
    (
        status,
        r.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
    )
}

#[tokio::test]
async fn the_summary_is_compiled_and_exported_as_an_official_word_file_that_libreoffice_reads() {
    let s = Server::start("mem://").await;
    let (plan, [a, b, _]) = setup(&s).await;
    let tree = s.seed_plan().await;
    let title_of = |id: NodeId| {
        tree.nodes
            .iter()
            .find(|n| n.id == id)
            .map(|n| n.title.clone())
            .unwrap_or_default()
    };
    let mut standing = Device::new(
        s.as_user("bdt.thuongtruc", UserRole::Standing, Some("BDT"))
            .await,
    );
    let mut syt = Device::new(
        s.as_user("syt.canbo", UserRole::AgencyOfficer, Some("SYT"))
            .await,
    );
    let mut leader = Device::new(s.as_user("lanhdao", UserRole::Leader, None).await);
    let r = round(&["SYT", "STC"]);
    assert_eq!(
        standing
            .one(
                &s,
                plan,
                op(ReportMutation::CreateRound { round: r.clone() })
            )
            .await,
        None
    );
    let edits = vec![
        entry_edit(
            r.id,
            "SYT",
            a,
            RecordEdit::Results(
                "Tổ chức 12 lớp tập huấn cho 480 lượt cán bộ y tế thôn bản.".into(),
            ),
        ),
        entry_edit(
            r.id,
            "SYT",
            a,
            RecordEdit::FundsAllocated(Some(Vnd(1_250_000_000))),
        ),
        entry_edit(
            r.id,
            "SYT",
            a,
            RecordEdit::FundsDisbursed(Some(Vnd(900_000_000))),
        ),
        entry_edit(
            r.id,
            "SYT",
            a,
            RecordEdit::Difficulties("Kinh phí cấp chậm.".into()),
        ),
        entry_edit(
            r.id,
            "SYT",
            b,
            RecordEdit::Results("Phối hợp khám sàng lọc tại 8 xã biên giới.".into()),
        ),
        op(ReportMutation::Send {
            round: r.id,
            agency: "SYT".into(),
            on: date(2015, 6, 1),
        }),
    ];
    let (answer, _) = syt.push(&s, plan, ChangeNo::ZERO, edits).await;
    assert!(answer.refused.is_empty(), "{:?}", answer.refused);
    // The agency's own report as a Word file; another agency's officer may not have it.
    let base = s.url(&format!("/plans/{plan}/reports/{}", r.id));
    let (status, agency_doc) =
        download(&syt.http, format!("{base}/agencies/SYT/report.docx")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(part(&agency_doc, "word/document.xml").contains("12 lớp tập huấn"));
    let (status, _) = download(&syt.http, format!("{base}/agencies/STC/report.docx")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The reminder goes to STC, which has sent nothing.
    let (status, reminder) = download(&standing.http, format!("{base}/reminder.docx")).await;
    assert_eq!(status, StatusCode::OK);
    let reminder_xml = part(&reminder, "word/document.xml");
    assert!(
        reminder_xml.contains("Sở Tài chính") && !reminder_xml.contains("Sở Y tế"),
        "only the agency that has not sent"
    );
    assert_eq!(
        download(&syt.http, format!("{base}/reminder.docx")).await.0,
        StatusCode::FORBIDDEN
    );

    // Accepted, compiled, the header filled in, approved.
    let head = |edit: RecordEdit| {
        op(ReportMutation::Edit {
            key: RecordKey::Summary { round: r.id },
            edit,
        })
    };
    let (answer, _) = standing
        .push(
            &s,
            plan,
            ChangeNo::ZERO,
            vec![
                op(ReportMutation::Accept {
                    round: r.id,
                    agency: "SYT".into(),
                    on: date(2015, 6, 2),
                }),
                op(ReportMutation::Compile { round: r.id }),
                head(RecordEdit::Number("15/BC-BDT".into())),
                head(RecordEdit::Date(Some(date(2015, 6, 20)))),
                head(RecordEdit::Recipients(vec![
                    "Ủy ban nhân dân tỉnh".into(),
                    "Ủy ban Dân tộc".into(),
                ])),
                head(RecordEdit::SignerTitle(
                    "KT. TRƯỞNG BAN\nPHÓ TRƯỞNG BAN".into(),
                )),
                head(RecordEdit::Signer("Hoàng Văn Pao".into())),
                head(RecordEdit::CopiesTo(vec![
                    "- Như trên;".into(),
                    "- Lưu: VT, NV.".into(),
                ])),
            ],
        )
        .await;
    assert!(answer.refused.is_empty(), "{:?}", answer.refused);
    assert_eq!(
        leader
            .one(
                &s,
                plan,
                op(ReportMutation::Approve {
                    round: r.id,
                    on: date(2015, 6, 21),
                    by: String::new()
                })
            )
            .await,
        None
    );
    let approved = standing.pull(&s, plan, ChangeNo(1)).await;
    let summary = approved.records.iter().find_map(|x| match x {
        Record::Summary(s) => s.approved.clone(),
        _ => None,
    });
    assert_eq!(
        summary.map(|a| (a.on, a.by)),
        Some((backend::service::today_vn(), "Cán bộ lanhdao".into())),
        "the server's date and the leader's name"
    );

    let started = std::time::Instant::now();
    let (status, bytes) = download(&leader.http, format!("{base}/summary.docx")).await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::OK);
    println!(
        "report_docx_ms (seed plan, one agency) = {}",
        took.as_millis()
    );
    let doc = part(&bytes, "word/document.xml");
    // A4, the margins, the first page without a number.
    assert!(doc.contains(r#"<w:pgSz w:w="11906" w:h="16838""#), "{doc}");
    assert!(
        doc.contains(r#"w:top="1134""#)
            && doc.contains(r#"w:left="1701""#)
            && doc.contains(r#"w:right="850""#)
    );
    assert!(doc.contains("<w:titlePg"), "no number on the first page");
    assert!(part(&bytes, "word/styles.xml").contains("Times New Roman"));
    // The header table: quốc hiệu and tiêu ngữ in a table, before the title.
    let table = doc.find("<w:tbl>").unwrap_or(usize::MAX);
    let motto = doc.find("Độc lập - Tự do - Hạnh phúc").unwrap_or(0);
    let title = doc.find(">BÁO CÁO<").unwrap_or(0);
    assert!(table < motto && motto < title, "header table first");
    assert!(doc.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
    assert!(doc.contains("Lạng Sơn, ngày 20 tháng 6 năm 2015"));
    // The signature block beside "Nơi nhận".
    let noi_nhan = doc.find("Nơi nhận:").unwrap_or(0);
    let start = doc[..noi_nhan].rfind("<w:tbl>").unwrap_or(0);
    let end = noi_nhan + doc[noi_nhan..].find("</w:tbl>").unwrap_or(0);
    assert!(
        doc[start..end].contains("Hoàng Văn Pao"),
        "the signer beside Nơi nhận"
    );
    assert!(doc[start..end].contains("PHÓ TRƯỞNG BAN"));
    assert!(doc.contains("Sở Y tế (chủ trì): "));

    // LibreOffice reads it: the title, the number, every task's heading, a sane page count.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("bao-cao.docx");
    std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
    let (text, pages) = pdf_text(&path);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "BÁO CÁO",
        "Số: 15/BC-BDT",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO",
        "II. KẾT QUẢ THỰC HIỆN",
        "Nơi nhận:",
        "Hoàng Văn Pao",
        "KINH PHÍ THỰC HIỆN",
    ] {
        assert!(flat.contains(expected), "{expected} missing from:\n{flat}");
    }
    for task in [a, b] {
        let words: String = title_of(task)
            .split_whitespace()
            .take(6)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(flat.contains(&words), "task heading «{words}» missing");
    }
    assert!((2..=20).contains(&pages), "{pages} pages");
}

/// An indicator value names a district or commune the registry had, at the indicator's level,
/// during the round (a 2015 round knows the 2015 districts, not the 2025 communes); a round
/// requires only agencies the registry knows.
#[tokio::test]
async fn values_and_required_agencies_name_only_what_the_registry_had_then() {
    let s = Server::start("mem://").await;
    let (plan, _) = setup(&s).await;
    let mut standing = Device::new(
        s.as_user("bdt.thuongtruc", UserRole::Standing, Some("BDT"))
            .await,
    );
    let mut syt = Device::new(
        s.as_user("syt.canbo", UserRole::AgencyOfficer, Some("SYT"))
            .await,
    );
    let unknown = standing
        .one(
            &s,
            plan,
            op(ReportMutation::CreateRound {
                round: round(&["SYT", "KHONG-CO"]),
            }),
        )
        .await;
    assert!(
        matches!(&unknown, Some(MutationError::UnknownAgency { agency }) if agency == "KHONG-CO"),
        "{unknown:?}"
    );
    let r = round(&["SYT"]);
    let indicator = |scope| Indicator {
        id: RecordId(uuid::Uuid::now_v7()),
        name: "Tỷ lệ hộ nghèo".into(),
        unit: "%".into(),
        direction: Direction::Lower,
        baseline: None,
        target: None,
        target_year: None,
        scope,
    };
    let by_district = indicator(IndicatorScope::District);
    let by_commune = indicator(IndicatorScope::Commune);
    for m in [
        op(ReportMutation::CreateRound { round: r.clone() }),
        op(ReportMutation::CreateIndicator {
            indicator: by_district.clone(),
        }),
        op(ReportMutation::CreateIndicator {
            indicator: by_commune.clone(),
        }),
        op(ReportMutation::Edit {
            key: RecordKey::Round(r.id),
            edit: RecordEdit::Required(vec!["SYT".into(), "STC".into()]),
        }),
    ] {
        assert_eq!(standing.one(&s, plan, m).await, None);
    }
    let value = |indicator: &Indicator, unit: &str| {
        op(ReportMutation::Edit {
            key: RecordKey::Value {
                round: r.id,
                agency: "SYT".into(),
                indicator: indicator.id,
                unit: Some(unit.into()),
            },
            edit: RecordEdit::Value(Some(Quantity::whole(12))),
        })
    };
    // Thành phố Lạng Sơn (2015 district) and xã Mai Pha (a 2015 commune of it) are fine.
    assert_eq!(syt.one(&s, plan, value(&by_district, "d-178")).await, None);
    assert_eq!(
        syt.one(&s, plan, value(&by_commune, "c-178-xa-mai-pha"))
            .await,
        None
    );
    for (indicator, unit) in [
        (&by_district, "d-999"),
        // A commune given for a district indicator.
        (&by_district, "c-178-xa-mai-pha"),
        // A commune of the 2025 two-tier system, which did not exist in 2015.
        (&by_commune, "c-2025-xa-that-khe"),
    ] {
        let e = report_error(syt.one(&s, plan, value(indicator, unit)).await);
        assert_eq!(e, ReportError::UnknownUnit, "{unit}");
        assert!(e.to_string().contains("danh mục"), "{e}");
    }
    let pull = syt.pull(&s, plan, ChangeNo::ZERO).await;
    let units: Vec<Option<String>> = pull
        .records
        .iter()
        .filter_map(|r| match r {
            Record::Value(v) => Some(v.unit.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(units.len(), 2, "{units:?}");
}
