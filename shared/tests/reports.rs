//! Reports' records and mutations: who may make each (a role × action table), what each state
//! of a report allows, and the checks on what is typed.

use chrono::NaiveDate;
use shared::access::{Actor, UserRole, check};
use shared::assignment::Role;
use shared::ids::{AgencyCode, NodeId, PlanId, RecordId};
use shared::mutation::{Mutation, MutationError, Position};
use shared::plan_state::PlanState;
use shared::report::{
    DataPeriod, Direction, Indicator, IndicatorScope, Quantity, Record, RecordEdit, RecordKey,
    ReportError, ReportMutation, ReportPeriod, ReportState, Round, Vnd,
};

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2015, m, day).expect("date")
}

fn node(n: u8) -> NodeId {
    NodeId::from_parts(1, [n; 10])
}

fn round_id() -> RecordId {
    RecordId::from_parts(2, [1; 10])
}

fn indicator_id() -> RecordId {
    RecordId::from_parts(2, [2; 10])
}

fn round() -> Round {
    Round {
        id: round_id(),
        period: ReportPeriod::HalfYear,
        year: 2015,
        title: "Báo cáo 6 tháng đầu năm 2015".into(),
        data: DataPeriod {
            from: NaiveDate::from_ymd_opt(2014, 12, 15).expect("date"),
            to: d(6, 14),
        },
        due: d(6, 15),
        summary_due: d(6, 20),
        required: vec!["SYT".into(), "STC".into()],
    }
}

fn report(op: ReportMutation) -> Mutation {
    Mutation::Report { op }
}

/// Task 1 (SYT lead, STC coordinating) with sub-task 2; task 3 for nobody; SGD's own sub-task
/// 4 under 3 is not possible, so 4 is SYT's own under 2. A round and an indicator.
fn state() -> PlanState {
    let mut s = PlanState::new(PlanId::from_parts(1, [0; 10]), []);
    let mut apply = |m: Mutation| {
        s.apply_and_commit(&m).expect("set up");
    };
    for (n, parent, owner) in [
        (1, None, None),
        (2, Some(1), None),
        (3, None, None),
        (4, Some(2), Some("SYT")),
    ] {
        apply(Mutation::CreateNode {
            id: node(n),
            parent: parent.map(node),
            position: Position::Last,
            title: format!("Nhiệm vụ {n}"),
            body: None,
            deadline: None,
            label: n.to_string(),
            owner: owner.map(AgencyCode::from),
        });
    }
    for (agency, role) in [("SYT", Role::Lead), ("STC", Role::Coordinating)] {
        apply(Mutation::Assign {
            id: node(1),
            agency: agency.into(),
            role,
            deadline: None,
        });
    }
    apply(report(ReportMutation::CreateRound { round: round() }));
    apply(report(ReportMutation::CreateIndicator {
        indicator: Indicator {
            id: indicator_id(),
            name: "Tỷ lệ hộ nghèo".into(),
            unit: "%".into(),
            direction: Direction::Lower,
            baseline: Some(Quantity(28_500)),
            target: Some(Quantity::whole(18)),
            target_year: Some(2020),
            scope: IndicatorScope::District,
        },
    }));
    s
}

fn entry(agency: &str, n: u8) -> RecordKey {
    RecordKey::Entry {
        round: round_id(),
        agency: agency.into(),
        node: node(n),
    }
}

fn results(agency: &str, n: u8) -> Mutation {
    report(ReportMutation::Edit {
        key: entry(agency, n),
        edit: RecordEdit::Results("Đã triển khai.".into()),
    })
}

fn send(agency: &str) -> Mutation {
    report(ReportMutation::Send {
        round: round_id(),
        agency: agency.into(),
        on: d(6, 12),
    })
}

fn give_back(agency: &str, reason: &str) -> Mutation {
    report(ReportMutation::Return {
        round: round_id(),
        agency: agency.into(),
        reason: reason.into(),
        on: d(6, 16),
    })
}

fn accept(agency: &str) -> Mutation {
    report(ReportMutation::Accept {
        round: round_id(),
        agency: agency.into(),
        on: d(6, 17),
    })
}

fn actor(role: UserRole, agency: Option<&str>) -> Actor {
    Actor {
        role,
        agency: agency.map(AgencyCode::from),
    }
}

fn refusal(s: &PlanState, m: &Mutation) -> ReportError {
    match s.apply(m) {
        Err(MutationError::Report { error }) => error,
        other => panic!("expected a report refusal, got {other:?}"),
    }
}

#[test]
fn who_may_make_each_report_mutation() {
    let s = state();
    let standing = [
        actor(UserRole::Admin, None),
        actor(UserRole::Standing, None),
    ];
    let own = actor(UserRole::AgencyOfficer, Some("SYT"));
    let other = actor(UserRole::AgencyOfficer, Some("STC"));
    let readers = [
        actor(UserRole::Leader, None),
        actor(UserRole::Inspector, None),
    ];
    let standing_only = [
        report(ReportMutation::CreateRound { round: round() }),
        report(ReportMutation::DeleteRound { id: round_id() }),
        report(ReportMutation::Edit {
            key: RecordKey::Round(round_id()),
            edit: RecordEdit::Due(d(6, 30)),
        }),
        report(ReportMutation::DeleteIndicator { id: indicator_id() }),
        report(ReportMutation::Edit {
            key: RecordKey::Indicator(indicator_id()),
            edit: RecordEdit::Target(Some(Quantity::whole(15))),
        }),
        give_back("SYT", "Thiếu số liệu"),
        accept("SYT"),
    ];
    let agency_only = [
        results("SYT", 1),
        send("SYT"),
        report(ReportMutation::Edit {
            key: RecordKey::Report {
                round: round_id(),
                agency: "SYT".into(),
            },
            edit: RecordEdit::Remarks("Nhìn chung tốt.".into()),
        }),
        report(ReportMutation::Edit {
            key: RecordKey::Value {
                round: round_id(),
                agency: "SYT".into(),
                indicator: indicator_id(),
                unit: Some("d-178".into()),
            },
            edit: RecordEdit::Value(Some(Quantity(24_100))),
        }),
    ];
    for m in &standing_only {
        for a in &standing {
            assert!(check(a, "", &s, m).is_ok(), "{a:?} {m:?}");
        }
        for a in [&own, &other].into_iter().chain(&readers) {
            assert!(
                matches!(check(a, "", &s, m), Err(MutationError::Forbidden { .. })),
                "{a:?} {m:?}"
            );
        }
    }
    for m in &agency_only {
        assert!(check(&own, "", &s, m).is_ok(), "{m:?}");
        for a in standing.iter().chain(&readers).chain([&other]) {
            let e = check(a, "", &s, m).expect_err("refused");
            assert!(matches!(e, MutationError::Forbidden { .. }), "{a:?} {m:?}");
            assert!(!e.to_string().is_empty());
        }
    }
    // An officer with no agency is told so.
    let e = check(
        &actor(UserRole::AgencyOfficer, None),
        "",
        &s,
        &results("SYT", 1),
    )
    .expect_err("refused");
    assert!(e.to_string().contains("chưa được gắn"), "{e}");
}

#[test]
fn a_report_goes_from_draft_to_sent_returned_sent_again_and_accepted() {
    let mut s = state();
    let key = RecordKey::Report {
        round: round_id(),
        agency: "SYT".into(),
    };
    let state_of = |s: &PlanState| match s.record(&key) {
        Some(Record::Report(r)) => Some((r.state, r.first_sent_on, r.sent_on)),
        _ => None,
    };
    // The first edit of an entry makes the agency's draft.
    s.apply_and_commit(&results("SYT", 2)).expect("entry");
    assert_eq!(state_of(&s), Some((ReportState::Draft, None, None)));
    // Nothing can be returned or accepted before it is sent.
    assert_eq!(refusal(&s, &accept("SYT")), ReportError::NotSent);
    assert_eq!(refusal(&s, &give_back("SYT", "x")), ReportError::NotSent);
    s.apply_and_commit(&send("SYT")).expect("send");
    assert_eq!(refusal(&s, &send("SYT")), ReportError::AlreadySent);
    assert_eq!(refusal(&s, &results("SYT", 1)), ReportError::AlreadySent);
    assert_eq!(
        refusal(&s, &give_back("SYT", "  ")),
        ReportError::ReasonRequired
    );
    s.apply_and_commit(&give_back("SYT", "Bổ sung số liệu kinh phí"))
        .expect("return");
    let Some(Record::Report(r)) = s.record(&key) else {
        panic!()
    };
    assert_eq!(r.state, ReportState::Returned);
    assert_eq!(
        r.returned.as_ref().map(|x| x.reason.as_str()),
        Some("Bổ sung số liệu kinh phí")
    );
    // Back with the agency: it edits and sends again; the first sending date stays.
    s.apply_and_commit(&results("SYT", 1)).expect("fix");
    s.apply_and_commit(&report(ReportMutation::Send {
        round: round_id(),
        agency: "SYT".into(),
        on: d(6, 19),
    }))
    .expect("send again");
    assert_eq!(
        state_of(&s),
        Some((ReportState::Sent, Some(d(6, 12)), Some(d(6, 19))))
    );
    s.apply_and_commit(&accept("SYT")).expect("accept");
    assert_eq!(
        refusal(&s, &results("SYT", 1)),
        ReportError::AlreadyAccepted
    );
    assert_eq!(refusal(&s, &accept("SYT")), ReportError::AlreadyAccepted);
    // An accepted report may still go back for a correction.
    assert!(s.apply(&give_back("SYT", "Sửa số liệu")).is_ok());
    // A round with a report sent is not deleted.
    assert_eq!(
        refusal(&s, &report(ReportMutation::DeleteRound { id: round_id() })),
        ReportError::RoundHasReports
    );
}

#[test]
fn an_agency_reports_only_on_tasks_it_holds() {
    let s = state();
    // Lead, coordinating, a sub-task of a task it holds, its own sub-task.
    for (agency, n) in [("SYT", 1), ("STC", 1), ("SYT", 2), ("SYT", 4)] {
        assert!(s.apply(&results(agency, n)).is_ok(), "{agency} {n}");
    }
    assert_eq!(
        refusal(&s, &results("SYT", 3)),
        ReportError::NotHeld {
            agency: "SYT".into()
        }
    );
    assert_eq!(refusal(&s, &results("SYT", 9)), ReportError::TaskNotFound);
    let other_round = report(ReportMutation::Edit {
        key: RecordKey::Entry {
            round: RecordId::from_parts(3, [3; 10]),
            agency: "SYT".into(),
            node: node(1),
        },
        edit: RecordEdit::Progress(Some(10)),
    });
    assert_eq!(refusal(&s, &other_round), ReportError::RoundNotFound);
}

#[test]
fn typed_values_are_checked() {
    let s = state();
    let edit = |key: RecordKey, edit: RecordEdit| report(ReportMutation::Edit { key, edit });
    let long = "x".repeat(20_001);
    assert_eq!(
        refusal(&s, &edit(entry("SYT", 1), RecordEdit::Results(long))),
        ReportError::TextTooLong { max: 20_000 }
    );
    assert_eq!(
        refusal(
            &s,
            &edit(
                entry("SYT", 1),
                RecordEdit::FundsAllocated(Some(Vnd(10_u64.pow(16))))
            )
        ),
        ReportError::MoneyTooLarge
    );
    assert!(matches!(
        refusal(&s, &edit(entry("SYT", 1), RecordEdit::Progress(Some(101)))),
        ReportError::Invalid { .. }
    ));
    // A field of another kind of record.
    assert_eq!(
        refusal(&s, &edit(entry("SYT", 1), RecordEdit::Remarks("x".into()))),
        ReportError::WrongField
    );
    // An indicator by district needs a district; one for the province takes none.
    let value = |unit: Option<&str>| {
        edit(
            RecordKey::Value {
                round: round_id(),
                agency: "SYT".into(),
                indicator: indicator_id(),
                unit: unit.map(str::to_owned),
            },
            RecordEdit::Value(Some(Quantity(1))),
        )
    };
    assert_eq!(refusal(&s, &value(None)), ReportError::UnitMismatch);
    assert!(s.apply(&value(Some("d-178"))).is_ok());
    // A round whose data period runs backwards.
    let mut r = round();
    r.id = RecordId::from_parts(9, [9; 10]);
    r.data = DataPeriod {
        from: d(6, 14),
        to: d(1, 1),
    };
    assert_eq!(
        refusal(&s, &report(ReportMutation::CreateRound { round: r })),
        ReportError::PeriodBackwards
    );
    assert_eq!(
        refusal(&s, &report(ReportMutation::CreateRound { round: round() })),
        ReportError::AlreadyExists
    );
    // Money and text arrive tidied: trailing spaces go, Windows line ends become \n.
    let mut t = s.clone();
    t.apply_and_commit(&edit(
        entry("SYT", 1),
        RecordEdit::Results("Dòng 1\r\nDòng 2   ".into()),
    ))
    .expect("edit");
    let Some(Record::Entry(e)) = t.record(&entry("SYT", 1)) else {
        panic!()
    };
    assert_eq!(e.results, "Dòng 1\nDòng 2");
}

#[test]
fn deleting_a_round_or_an_indicator_takes_what_hangs_on_it() {
    let mut s = state();
    s.apply_and_commit(&results("SYT", 1)).expect("entry");
    s.apply_and_commit(&report(ReportMutation::Edit {
        key: RecordKey::Value {
            round: round_id(),
            agency: "SYT".into(),
            indicator: indicator_id(),
            unit: Some("d-178".into()),
        },
        edit: RecordEdit::Value(Some(Quantity(1))),
    }))
    .expect("value");
    let mut t = s.clone();
    t.apply_and_commit(&report(ReportMutation::DeleteIndicator {
        id: indicator_id(),
    }))
    .expect("delete indicator");
    assert!(
        t.records()
            .keys()
            .all(|k| !matches!(k, RecordKey::Value { .. } | RecordKey::Indicator(_)))
    );
    s.apply_and_commit(&report(ReportMutation::DeleteRound { id: round_id() }))
        .expect("delete round");
    assert!(s.records().keys().all(|k| k.round().is_none()));
}

fn accepted(s: &mut PlanState, agency: &str) {
    s.apply_and_commit(&send(agency)).expect("send");
    s.apply_and_commit(&accept(agency)).expect("accept");
}

fn entry_edit(agency: &str, n: u8, edit: RecordEdit) -> Mutation {
    report(ReportMutation::Edit {
        key: entry(agency, n),
        edit,
    })
}

/// SYT reported results and difficulties on tasks 1 and 2 and issued a directive; STC reported
/// results on task 1; both accepted; then compiled.
fn compiled_state() -> PlanState {
    let mut s = state();
    for m in [
        entry_edit(
            "SYT",
            1,
            RecordEdit::Results("SYT: kết quả nhiệm vụ 1".into()),
        ),
        entry_edit("SYT", 1, RecordEdit::Difficulties("SYT: khó khăn 1".into())),
        entry_edit(
            "SYT",
            2,
            RecordEdit::Results("SYT: kết quả nhiệm vụ 2".into()),
        ),
        entry_edit(
            "STC",
            1,
            RecordEdit::Results("STC: phối hợp nhiệm vụ 1".into()),
        ),
        report(ReportMutation::Edit {
            key: RecordKey::Report {
                round: round_id(),
                agency: "SYT".into(),
            },
            edit: RecordEdit::Directives(vec![shared::report::Directive {
                number: "125/SYT-NV".into(),
                date: Some(d(3, 10)),
                summary: "về triển khai Kế hoạch 52".into(),
            }]),
        }),
    ] {
        s.apply_and_commit(&m).expect("write");
    }
    accepted(&mut s, "SYT");
    accepted(&mut s, "STC");
    s.apply_and_commit(&report(ReportMutation::Compile { round: round_id() }))
        .expect("compile");
    s
}

#[test]
fn the_summary_is_compiled_from_accepted_reports_in_the_usual_outline_and_names_its_sources() {
    use shared::report::compile::{Block, outline, sources};
    use shared::report::{Section, Slot};
    // Nothing accepted yet: nothing to compile.
    assert_eq!(
        refusal(
            &state(),
            &report(ReportMutation::Compile { round: round_id() })
        ),
        ReportError::NothingToCompile
    );
    let s = compiled_state();
    let blocks = outline(&s, s.records(), round_id());
    let text: Vec<String> = blocks
        .iter()
        .map(|b| match b {
            Block::Heading { text, .. } => format!("# {text}"),
            Block::Paragraph {
                paragraph, agency, ..
            } => format!("{}: {}", agency.as_deref().unwrap_or("-"), paragraph.text),
        })
        .collect();
    assert_eq!(
        text,
        [
            "# I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO",
            "SYT: - Văn bản số 125/SYT-NV ngày 10/03/2015: về triển khai Kế hoạch 52",
            "# II. KẾT QUẢ THỰC HIỆN",
            "# 1. Nhiệm vụ 1",
            "SYT: SYT: kết quả nhiệm vụ 1",
            "STC: STC: phối hợp nhiệm vụ 1",
            "# 2. Nhiệm vụ 2",
            "SYT: SYT: kết quả nhiệm vụ 2",
            "# III. ĐÁNH GIÁ CHUNG",
            "# 1. Ưu điểm",
            "-: ",
            "# 2. Tồn tại, hạn chế",
            "SYT: SYT: khó khăn 1",
            "# 3. Nguyên nhân",
            "-: ",
            "# IV. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI",
            "-: ",
            "# V. ĐỀ XUẤT, KIẾN NGHỊ",
        ]
    );
    // Every compiled paragraph names the entry (or report) and field it came from.
    for b in &blocks {
        if let Block::Paragraph { paragraph: p, .. } = b {
            let from = sources(p.round, &p.slot);
            match &p.slot {
                Slot::Written { .. } => assert!(from.is_empty()),
                _ => {
                    assert_eq!(from.len(), 1);
                    assert!(s.record(&from[0].0).is_some(), "{:?}", from[0]);
                }
            }
        }
    }
    // Compiling again adds nothing new.
    let again = s
        .apply(&report(ReportMutation::Compile { round: round_id() }))
        .expect("again");
    assert!(again.records.is_empty(), "{:?}", again.records);
    assert_eq!(Section::ALL.len(), 7);
}

#[test]
fn a_source_that_changes_after_compiling_marks_exactly_its_paragraphs_and_can_be_taken() {
    use shared::report::compile::is_stale;
    use shared::report::{Paragraph, Slot};
    let mut s = compiled_state();
    let key = |slot: Slot| RecordKey::Paragraph {
        round: round_id(),
        slot,
    };
    let results_1 = key(Slot::Result {
        node: node(1),
        agency: "SYT".into(),
    });
    // The standing agency edits the paragraph; the source has not changed: not stale.
    s.apply_and_commit(&report(ReportMutation::Edit {
        key: results_1.clone(),
        edit: RecordEdit::Text("Sở Y tế đã hoàn thành phần việc được giao.".into()),
    }))
    .expect("edit");
    let stale = |s: &PlanState| -> Vec<RecordKey> {
        s.records()
            .iter()
            .filter(|(_, r)| matches!(r, Record::Paragraph(p) if is_stale(s.records(), p)))
            .map(|(k, _)| k.clone())
            .collect()
    };
    assert!(stale(&s).is_empty());
    // SYT's report is returned, its results on task 1 rewritten, accepted again.
    s.apply_and_commit(&give_back("SYT", "Bổ sung"))
        .expect("return");
    s.apply_and_commit(&entry_edit(
        "SYT",
        1,
        RecordEdit::Results("SYT: kết quả nhiệm vụ 1, đã bổ sung".into()),
    ))
    .expect("fix");
    accepted(&mut s, "SYT");
    assert_eq!(
        stale(&s),
        std::slice::from_ref(&results_1),
        "exactly the paragraph of that entry"
    );
    // Taking the new text keeps nothing stale and replaces the edited text.
    s.apply_and_commit(&report(ReportMutation::Refresh {
        key: results_1.clone(),
    }))
    .expect("refresh");
    assert!(stale(&s).is_empty());
    let Some(Record::Paragraph(Paragraph { text, .. })) = s.record(&results_1) else {
        panic!()
    };
    assert_eq!(text, "SYT: kết quả nhiệm vụ 1, đã bổ sung");
}

#[test]
fn an_approved_summary_is_read_only_until_a_leader_reopens_it() {
    use shared::report::{Section, Slot};
    let mut s = compiled_state();
    let written = RecordKey::Paragraph {
        round: round_id(),
        slot: Slot::Written {
            section: Section::Strengths,
            id: round_id(),
        },
    };
    let edit = report(ReportMutation::Edit {
        key: written.clone(),
        edit: RecordEdit::Text("Các sở, ngành đã vào cuộc tích cực.".into()),
    });
    let approve = report(ReportMutation::Approve {
        round: round_id(),
        on: d(6, 25),
        by: String::new(),
    });
    let reopen = report(ReportMutation::Reopen { round: round_id() });
    // Who may: the standing agency edits; a leader approves; an agency does neither.
    let standing = actor(UserRole::Standing, None);
    let leader = actor(UserRole::Leader, None);
    let officer = actor(UserRole::AgencyOfficer, Some("SYT"));
    assert!(check(&standing, "", &s, &edit).is_ok());
    assert!(check(&leader, "", &s, &edit).is_err());
    assert!(check(&officer, "", &s, &edit).is_err());
    assert!(check(&leader, "", &s, &approve).is_ok());
    let e = check(&standing, "", &s, &approve).expect_err("standing may not approve");
    assert!(e.to_string().contains("lãnh đạo"), "{e}");
    assert!(check(&officer, "", &s, &reopen).is_err());
    s.apply_and_commit(&edit).expect("edit");
    assert_eq!(refusal(&s, &reopen), ReportError::NotApproved);
    s.apply_and_commit(&approve).expect("approve");
    assert_eq!(refusal(&s, &edit), ReportError::SummaryApproved);
    assert_eq!(
        refusal(&s, &report(ReportMutation::Compile { round: round_id() })),
        ReportError::SummaryApproved
    );
    assert_eq!(refusal(&s, &approve), ReportError::SummaryApproved);
    s.apply_and_commit(&reopen).expect("reopen");
    assert!(s.apply(&edit).is_ok());
}

#[test]
fn rounds_indicators_and_written_paragraphs_are_capped() {
    use shared::report::op::{INDICATORS_MAX, ROUNDS_MAX, WRITTEN_PARAGRAPHS_MAX};
    use shared::report::{Section, Slot};
    let mut s = compiled_state();
    let rounds = s
        .records()
        .keys()
        .filter(|k| matches!(k, RecordKey::Round(_)))
        .count();
    let new_round = |n: usize| {
        report(ReportMutation::CreateRound {
            round: Round {
                id: RecordId::from_parts(10 + n as u64, [3; 10]),
                ..round()
            },
        })
    };
    for n in rounds..ROUNDS_MAX {
        s.apply_and_commit(&new_round(n)).expect("a round");
    }
    assert_eq!(
        refusal(&s, &new_round(ROUNDS_MAX)),
        ReportError::TooMany { max: ROUNDS_MAX }
    );
    let new_indicator = |n: usize| {
        report(ReportMutation::CreateIndicator {
            indicator: Indicator {
                id: RecordId::from_parts(1_000 + n as u64, [4; 10]),
                name: format!("Chỉ tiêu {n}"),
                unit: "%".into(),
                direction: Direction::Higher,
                baseline: None,
                target: None,
                target_year: None,
                scope: IndicatorScope::Province,
            },
        })
    };
    for n in 1..INDICATORS_MAX {
        s.apply_and_commit(&new_indicator(n)).expect("an indicator");
    }
    assert_eq!(
        refusal(&s, &new_indicator(INDICATORS_MAX)),
        ReportError::TooMany {
            max: INDICATORS_MAX
        }
    );
    let add = |n: usize| {
        report(ReportMutation::AddParagraph {
            round: round_id(),
            section: Section::Strengths,
            id: RecordId::from_parts(5_000 + n as u64, [5; 10]),
            text: "Đoạn viết thêm.".into(),
        })
    };
    let written = |s: &PlanState| {
        s.records()
            .keys()
            .filter(|k| {
                matches!(
                    k,
                    RecordKey::Paragraph {
                        slot: Slot::Written { .. },
                        ..
                    }
                )
            })
            .count()
    };
    // Compiling wrote some of its own (the sections the standing agency writes itself).
    for n in written(&s)..WRITTEN_PARAGRAPHS_MAX {
        s.apply_and_commit(&add(n)).expect("a paragraph");
    }
    assert_eq!(
        refusal(&s, &add(WRITTEN_PARAGRAPHS_MAX)),
        ReportError::TooMany {
            max: WRITTEN_PARAGRAPHS_MAX
        }
    );
    // Every paragraph written up to the cap was kept.
    assert_eq!(written(&s), WRITTEN_PARAGRAPHS_MAX);
}

/// Values, progress and reports of a second round (the year 2015), after the 6-month one.
fn year_round_state() -> (PlanState, RecordId) {
    let mut s = state();
    let year = RecordId::from_parts(3, [9; 10]);
    let value = |round: RecordId, agency: &str, unit: &str, v: i64| {
        report(ReportMutation::Edit {
            key: RecordKey::Value {
                round,
                agency: agency.into(),
                indicator: indicator_id(),
                unit: Some(unit.into()),
            },
            edit: RecordEdit::Value(Some(Quantity::whole(v))),
        })
    };
    let progress = |round: RecordId, agency: &str, n: u8, p: u8| {
        report(ReportMutation::Edit {
            key: RecordKey::Entry {
                round,
                agency: agency.into(),
                node: node(n),
            },
            edit: RecordEdit::Progress(Some(p)),
        })
    };
    let state_change = |round: RecordId, agency: &str, accept_too: bool| {
        let mut out = vec![report(ReportMutation::Send {
            round,
            agency: agency.into(),
            on: d(6, 12),
        })];
        if accept_too {
            out.push(report(ReportMutation::Accept {
                round,
                agency: agency.into(),
                on: d(6, 17),
            }));
        }
        out
    };
    let mut script = vec![
        value(round_id(), "SYT", "d-178", 20),
        value(round_id(), "SYT", "d-179", 30),
        progress(round_id(), "SYT", 1, 40),
        progress(round_id(), "STC", 1, 90),
    ];
    script.extend(state_change(round_id(), "SYT", true));
    script.extend(state_change(round_id(), "STC", false));
    script.push(report(ReportMutation::CreateRound {
        round: Round {
            id: year,
            period: ReportPeriod::Year,
            title: "Báo cáo năm 2015".into(),
            data: DataPeriod {
                from: NaiveDate::from_ymd_opt(2014, 12, 15).expect("date"),
                to: d(12, 14),
            },
            due: d(12, 15),
            summary_due: d(12, 20),
            ..round()
        },
    }));
    // In the year round SYT gives a new value for d-178 only and is sent, not yet accepted;
    // STC (coordinating) gives its progress.
    script.extend([
        value(year, "SYT", "d-178", 15),
        progress(year, "SYT", 1, 80),
        progress(year, "STC", 1, 100),
    ]);
    script.extend(state_change(year, "SYT", false));
    script.extend(state_change(year, "STC", false));
    for m in script {
        s.apply_and_commit(&m).expect("write");
    }
    (s, year)
}

#[test]
fn the_latest_accepted_value_of_each_unit_is_shown_against_the_target() {
    use shared::report::indicator::{TargetState, indicators, latest_values};
    let (mut s, year) = year_round_state();
    let list = indicators(s.records());
    assert_eq!(list.len(), 1);
    let poverty = list[0].clone();
    // The year round is only sent: the 6-month values stand.
    let latest = latest_values(s.records(), indicator_id(), None);
    let pairs: Vec<(Option<&str>, Quantity)> = latest
        .iter()
        .map(|v| (v.unit.as_deref(), v.value))
        .collect();
    assert_eq!(
        pairs,
        [
            (Some("d-178"), Quantity::whole(20)),
            (Some("d-179"), Quantity::whole(30))
        ]
    );
    assert!(latest.iter().all(|v| v.round == round_id()));
    s.apply_and_commit(&report(ReportMutation::Accept {
        round: year,
        agency: "SYT".into(),
        on: d(12, 16),
    }))
    .expect("accept");
    let latest = latest_values(s.records(), indicator_id(), None);
    assert_eq!(latest[0].value, Quantity::whole(15));
    assert_eq!(latest[0].round, year);
    assert_eq!(
        latest[1].value,
        Quantity::whole(30),
        "d-179 kept from before"
    );
    // As of the 6-month round, the year round's values are not yet there.
    let then = latest_values(s.records(), indicator_id(), Some(d(6, 14)));
    assert_eq!(then[0].value, Quantity::whole(20));
    // Lower is better, target 18, baseline 28,5.
    assert_eq!(
        poverty.against_target(Quantity::whole(15)),
        TargetState::Reached
    );
    assert_eq!(
        poverty.against_target(Quantity::whole(20)),
        TargetState::NotYet
    );
    assert_eq!(poverty.share_of_target(Quantity::whole(20)), Some(81));
    assert_eq!(poverty.share_of_target(Quantity::whole(40)), Some(0));
    assert_eq!(poverty.share_of_target(Quantity::whole(10)), Some(100));
}

#[test]
fn the_dashboard_counts_progress_and_overdue_tasks_by_task_and_agency() {
    use shared::assignment::TaskStatus;
    use shared::mutation::NodeEdit;
    use shared::report::dashboard::dashboard;
    let mut s = state();
    for m in [
        Mutation::EditNode {
            id: node(1),
            edit: NodeEdit::Deadline(Some(d(3, 31))),
        },
        Mutation::EditNode {
            id: node(1),
            edit: NodeEdit::Progress(60),
        },
        Mutation::Assign {
            id: node(3),
            agency: "STC".into(),
            role: Role::Lead,
            deadline: None,
        },
    ] {
        s.apply_and_commit(&m).expect("set up");
    }
    let board = dashboard(&s, d(6, 1));
    let tasks: Vec<(&str, u8, TaskStatus)> = board
        .tasks
        .iter()
        .map(|t| (t.heading.as_str(), t.progress, t.status))
        .collect();
    assert_eq!(
        tasks,
        [
            ("1. Nhiệm vụ 1", 60, TaskStatus::InProgressOverdue),
            ("3. Nhiệm vụ 3", 0, TaskStatus::NotStarted),
        ]
    );
    assert_eq!(board.overdue().count(), 1);
    assert_eq!(board.progress(), 30);
    let sections: Vec<(&str, usize, usize, u8)> = board
        .sections
        .iter()
        .map(|s| (s.heading.as_str(), s.tasks, s.overdue, s.progress))
        .collect();
    assert_eq!(
        sections,
        [("1. Nhiệm vụ 1", 1, 1, 60), ("3. Nhiệm vụ 3", 1, 0, 0)]
    );
    let agencies: Vec<(&str, usize, usize, usize, u8)> = board
        .agencies
        .iter()
        .map(|a| {
            (
                a.agency.as_str(),
                a.lead,
                a.coordinating,
                a.overdue,
                a.progress,
            )
        })
        .collect();
    // Both are overdue on task 1; STC also leads task 3 (not started): the mean is 30.
    assert_eq!(agencies, [("STC", 1, 1, 1, 30), ("SYT", 1, 0, 1, 60)]);
    assert_eq!(
        board.by_status,
        [
            (TaskStatus::InProgressOverdue, 1),
            (TaskStatus::NotStarted, 1)
        ]
    );
}

#[test]
fn a_round_is_compared_with_the_round_before_task_by_task_and_value_by_value() {
    use shared::report::dashboard::comparison;
    let (s, year) = year_round_state();
    let Some(Record::Round(year_round)) = s.record(&RecordKey::Round(year)).cloned() else {
        panic!("the year round");
    };
    let c = comparison(&s, &year_round);
    assert_eq!(c.previous, Some(round_id()));
    let task1 = c.tasks.iter().find(|t| t.node == node(1)).expect("task 1");
    // The lead's figure counts over the coordinating agency's: 40 then (not STC's 90), 80 now.
    assert_eq!((task1.then, task1.now), (Some(40), Some(80)));
    let values: Vec<(Option<&str>, Option<Quantity>, Option<Quantity>)> = c
        .values
        .iter()
        .map(|v| (v.unit.as_deref(), v.then, v.now))
        .collect();
    assert_eq!(
        values,
        [
            (
                Some("d-178"),
                Some(Quantity::whole(20)),
                Some(Quantity::whole(15))
            ),
            (Some("d-179"), Some(Quantity::whole(30)), None),
        ]
    );
    // The first round has nothing before it.
    let first = comparison(&s, &round());
    assert_eq!(first.previous, None);
    assert!(first.tasks.iter().all(|t| t.then.is_none()));
}

#[test]
fn the_indicator_form_reads_numbers_the_vietnamese_way_and_says_what_is_wrong() {
    use shared::report::indicator::{IndicatorDraft, IndicatorDraftError};
    let draft = IndicatorDraft {
        name: "Tỷ lệ hộ nghèo".into(),
        unit: " % ".into(),
        direction: Direction::Lower,
        baseline: "28,5".into(),
        target: "18".into(),
        target_year: "2020".into(),
        scope: IndicatorScope::District,
    };
    let i = draft.indicator(indicator_id()).expect("an indicator");
    assert_eq!(
        (i.unit.as_str(), i.baseline, i.target, i.target_year),
        (
            "%",
            Some(Quantity(28_500)),
            Some(Quantity::whole(18)),
            Some(2020)
        )
    );
    let wrong = |change: fn(&mut IndicatorDraft)| {
        let mut d = draft.clone();
        change(&mut d);
        d.indicator(indicator_id())
            .expect_err("refused")
            .to_string()
    };
    assert!(wrong(|d| d.name = " ".into()).starts_with("Tên chỉ tiêu"));
    assert_eq!(
        wrong(|d| d.unit = String::new()),
        IndicatorDraftError::NoUnit.to_string()
    );
    assert!(wrong(|d| d.target = "18 hộ".into()).starts_with("Mục tiêu:"));
    assert!(wrong(|d| d.target_year = "20".into()).contains("4 chữ số"));
}
