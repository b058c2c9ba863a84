//! Field inspections' rules: places valid on a round's dates, visits within their round,
//! ratings and reasons, recommendations' follow-up and overdue, who may do what.

use chrono::NaiveDate;
use shared::actor::{Actor, UserRole};
use shared::ids::{AgencyCode, NodeId, RecordId};
use shared::inspection::model::*;
use shared::inspection::{Action, may, sees_recommendation, sees_visit};
use shared::registry::{AdminUnit, UnitLevel};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn id(n: u64) -> RecordId {
    RecordId::from_parts(1_800_000_000_000 + n, [0; 10])
}

fn unit(
    id: &str,
    name: &str,
    kind: &str,
    level: UnitLevel,
    parent: Option<&str>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> AdminUnit {
    AdminUnit {
        id: id.into(),
        name: name.into(),
        kind: kind.into(),
        level,
        parent: parent.map(Into::into),
        valid_from: from,
        valid_to: to,
    }
}

/// A district and two of its communes until 30/06/2025, one merged away in 2020; a commune of
/// the two-tier system from 01/07/2025.
fn units() -> Vec<AdminUnit> {
    let end = Some(day(2025, 6, 30));
    vec![
        unit(
            "d-178",
            "Văn Quan",
            "huyện",
            UnitLevel::District,
            None,
            None,
            end,
        ),
        unit(
            "c-178-xa-tan-doan",
            "Tân Đoàn",
            "xã",
            UnitLevel::Commune,
            Some("d-178"),
            None,
            end,
        ),
        unit(
            "c-178-xa-bac-la",
            "Bắc La",
            "xã",
            UnitLevel::Commune,
            Some("d-178"),
            None,
            Some(day(2019, 12, 31)),
        ),
        unit(
            "c-2025-xa-van-quan",
            "Văn Quan",
            "xã",
            UnitLevel::Commune,
            None,
            Some(day(2025, 7, 1)),
            None,
        ),
    ]
}

fn place(unit: &str) -> Place {
    Place {
        unit: unit.into(),
        village: None,
    }
}

fn round(starts: NaiveDate, ends: NaiveDate, places: &[&str]) -> InspectionRound {
    InspectionRound {
        id: id(1),
        title: "Kiểm tra thực hiện Kế hoạch 52 năm 2015".into(),
        decision_number: Some("15/QĐ-BDT".into()),
        decision_date: Some(starts),
        leader: "kiemtra".into(),
        members: vec!["kiemtra2".into()],
        starts,
        ends,
        places: places.iter().map(|p| place(p)).collect(),
        tasks: vec![],
        agencies: vec![AgencyCode::from("SYT")],
    }
}

#[test]
fn a_round_offers_and_accepts_the_places_of_its_own_dates() {
    let units = units();
    let names = |from, to| -> Vec<String> {
        places_on(&units, from, to)
            .iter()
            .map(|u| u.id.clone())
            .collect()
    };
    assert_eq!(
        names(day(2015, 3, 1), day(2015, 3, 5)),
        ["d-178", "c-178-xa-tan-doan", "c-178-xa-bac-la"]
    );
    assert_eq!(
        names(day(2026, 3, 1), day(2026, 3, 5)),
        ["c-2025-xa-van-quan"]
    );
    // A round across the change offers both.
    assert_eq!(names(day(2025, 6, 25), day(2025, 7, 5)).len(), 3);

    assert_eq!(
        check_round(
            &round(
                day(2015, 3, 1),
                day(2015, 3, 5),
                &["d-178", "c-178-xa-tan-doan"]
            ),
            &units
        ),
        Ok(())
    );
    let e = check_round(
        &round(day(2026, 3, 1), day(2026, 3, 5), &["c-178-xa-tan-doan"]),
        &units,
    );
    assert_eq!(
        e,
        Err(InspectionError::PlaceNotOnDate {
            name: "xã Tân Đoàn".into()
        })
    );
    assert_eq!(
        e.map_err(|e| e.to_string()),
        Err("xã Tân Đoàn không còn (hoặc chưa có) vào thời gian của đợt kiểm tra.".into())
    );
    assert!(
        check_round(
            &round(day(2015, 3, 1), day(2015, 3, 5), &["c-2025-xa-van-quan"]),
            &units
        )
        .is_err()
    );
    assert!(
        check_round(
            &round(day(2021, 3, 1), day(2021, 3, 5), &["c-178-xa-bac-la"]),
            &units
        )
        .is_err()
    );
    assert_eq!(
        check_round(
            &round(day(2015, 3, 1), day(2015, 3, 5), &["c-khong-co"]),
            &units
        ),
        Err(InspectionError::UnknownPlace {
            unit: "c-khong-co".into()
        })
    );
}

#[test]
fn a_round_is_checked_for_its_title_dates_leader_and_caps() {
    let units = units();
    let ok = round(day(2015, 3, 1), day(2015, 3, 5), &["d-178"]);
    let mut r = ok.clone();
    r.title = "  ".into();
    assert_eq!(check_round(&r, &units), Err(InspectionError::EmptyTitle));
    let mut r = ok.clone();
    r.ends = day(2015, 2, 28);
    assert_eq!(
        check_round(&r, &units),
        Err(InspectionError::EndsBeforeStart)
    );
    let mut r = ok.clone();
    r.leader = String::new();
    assert_eq!(check_round(&r, &units), Err(InspectionError::NoLeader));
    let mut r = ok.clone();
    r.places = vec![place("d-178"); PLACES_MAX + 1];
    assert_eq!(
        check_round(&r, &units).map_err(|e| e.to_string()),
        Err(format!("Địa bàn kiểm tra: tối đa {PLACES_MAX}."))
    );
    let mut r = ok.clone();
    r.title = "đ".repeat(SHORT_MAX_CHARS + 1);
    assert!(matches!(
        check_round(&r, &units),
        Err(InspectionError::TooLong { .. })
    ));
    let mut r = ok;
    r.places[0].village = Some("Thôn Nà Làng".into());
    assert_eq!(check_round(&r, &units), Ok(()));
}

fn visit(at: (i32, u32, u32), unit: &str) -> Visit {
    Visit {
        id: id(2),
        round: id(1),
        place: place(unit),
        at: day(at.0, at.1, at.2)
            .and_hms_opt(9, 30, 0)
            .unwrap_or_default(),
        inspected: Inspected::Commune(unit.into()),
        met: vec!["Ông Hoàng Văn A, Chủ tịch UBND xã".into()],
        position: Position::Fix {
            lat_e6: 21_853_000,
            lon_e6: 106_580_000,
            accuracy_m: 12,
        },
    }
}

#[test]
fn a_visit_is_on_a_day_and_at_a_place_of_its_round() {
    let units = units();
    let r = round(day(2015, 3, 1), day(2015, 3, 5), &["d-178"]);
    // A commune of a district the round visits.
    assert_eq!(
        check_visit(&visit((2015, 3, 2), "c-178-xa-tan-doan"), &r, &units),
        Ok(())
    );
    assert_eq!(
        check_visit(&visit((2015, 3, 5), "d-178"), &r, &units),
        Ok(())
    );
    assert_eq!(
        check_visit(&visit((2015, 3, 6), "d-178"), &r, &units),
        Err(InspectionError::VisitOutsideRound)
    );
    let only_commune = round(day(2015, 3, 1), day(2015, 3, 5), &["c-178-xa-tan-doan"]);
    assert_eq!(
        check_visit(&visit((2015, 3, 2), "d-178"), &only_commune, &units),
        Err(InspectionError::NotAPlaceOfTheRound {
            unit: "d-178".into()
        })
    );
    // No fix is said so; a fix off the map is refused.
    let mut v = visit((2015, 3, 2), "d-178");
    v.position = Position::Unavailable;
    assert_eq!(check_visit(&v, &r, &units), Ok(()));
    v.position = Position::Fix {
        lat_e6: -1,
        lon_e6: 106_000_000,
        accuracy_m: 5,
    };
    assert_eq!(
        check_visit(&v, &r, &units),
        Err(InspectionError::BadPosition)
    );
}

#[test]
fn a_rating_short_of_met_needs_its_reason() {
    assert_eq!(
        Rating::ALL.map(Rating::label_vi),
        ["Đạt", "Đạt một phần", "Chưa đạt"]
    );
    let mut f = Finding {
        visit: id(2),
        task: NodeId::from_parts(1, [0; 10]),
        findings: "Đã tổ chức 3 lớp tập huấn.".into(),
        rating: Some(Rating::Met),
        reason: String::new(),
    };
    assert_eq!(check_finding(&f), Ok(()));
    for rating in [Rating::PartlyMet, Rating::NotMet] {
        f.rating = Some(rating);
        f.reason = " ".into();
        assert_eq!(check_finding(&f), Err(InspectionError::ReasonNeeded));
        f.reason = "Chưa bố trí đủ kinh phí.".into();
        assert_eq!(check_finding(&f), Ok(()));
    }
    f.rating = None;
    f.reason.clear();
    assert_eq!(check_finding(&f), Ok(()), "not rated yet");
    f.findings = "x".repeat(TEXT_MAX_CHARS + 1);
    assert!(check_finding(&f).is_err());
}

fn recommendation(state: FollowUp) -> Recommendation {
    Recommendation {
        id: id(3),
        visit: id(2),
        task: None,
        text: "Bố trí kinh phí tập huấn cho cán bộ thôn, bản".into(),
        agency: AgencyCode::from("SYT"),
        due: day(2015, 6, 30),
        state,
        note: String::new(),
    }
}

#[test]
fn a_recommendation_not_done_is_overdue_after_its_due_day() {
    assert_eq!(FollowUp::default(), FollowUp::NotStarted);
    for state in [FollowUp::NotStarted, FollowUp::InProgress] {
        let r = recommendation(state);
        assert_eq!(r.standing(day(2015, 6, 29)), Standing::Open);
        assert_eq!(
            r.standing(day(2015, 6, 30)),
            Standing::Open,
            "the due day is in time"
        );
        assert_eq!(r.standing(day(2015, 7, 1)), Standing::Overdue);
    }
    assert_eq!(
        recommendation(FollowUp::Done).standing(day(2016, 1, 1)),
        Standing::Done
    );
    assert_eq!(
        [FollowUp::Done, FollowUp::InProgress, FollowUp::NotStarted].map(FollowUp::label_vi),
        ["Đã thực hiện", "Đang thực hiện", "Chưa thực hiện"]
    );
    let mut empty = recommendation(FollowUp::NotStarted);
    empty.text = "  ".into();
    assert_eq!(check_recommendation(&empty), Err(InspectionError::NoText));
}

#[test]
fn who_may_do_what_role_by_action() {
    let r = round(day(2015, 3, 1), day(2015, 3, 5), &["d-178"]);
    let syt = AgencyCode::from("SYT");
    let stc = AgencyCode::from("STC");
    let actor = |role, agency: Option<&str>| Actor {
        role,
        agency: agency.map(AgencyCode::from),
    };
    // (who, user name, plan a round, record a visit, answer SYT's, answer STC's)
    let rows = [
        (
            "admin",
            actor(UserRole::Admin, None),
            "quantri",
            [true, true, true, true],
        ),
        (
            "standing",
            actor(UserRole::Standing, Some("BDT")),
            "bdt",
            [true, true, true, true],
        ),
        (
            "inspector on the team",
            actor(UserRole::Inspector, None),
            "kiemtra2",
            [true, true, false, false],
        ),
        (
            "inspector not on it",
            actor(UserRole::Inspector, None),
            "kiemtra9",
            [true, false, false, false],
        ),
        (
            "SYT's officer",
            actor(UserRole::AgencyOfficer, Some("SYT")),
            "syt",
            [false, false, true, false],
        ),
        (
            "leader",
            actor(UserRole::Leader, None),
            "lanhdao",
            [false, false, false, false],
        ),
    ];
    for (who, a, username, expected) in rows {
        let got = [
            may(&a, username, Action::PlanRound),
            may(&a, username, Action::RecordVisit { round: &r }),
            may(&a, username, Action::AnswerRecommendation { agency: &syt }),
            may(&a, username, Action::AnswerRecommendation { agency: &stc }),
        ];
        assert_eq!(got, expected, "{who}");
    }
    // An agency's officer reads the visits of its agency and the recommendations made to it.
    let officer = actor(UserRole::AgencyOfficer, Some("SYT"));
    let mut v = visit((2015, 3, 2), "d-178");
    assert!(!sees_visit(&officer, &v));
    v.inspected = Inspected::Agency(syt.clone());
    assert!(sees_visit(&officer, &v));
    assert!(sees_visit(
        &actor(UserRole::Leader, None),
        &visit((2015, 3, 2), "d-178")
    ));
    assert!(sees_recommendation(
        &officer,
        &recommendation(FollowUp::Done)
    ));
    let mut other = recommendation(FollowUp::Done);
    other.agency = stc;
    assert!(!sees_recommendation(&officer, &other));
}

#[test]
fn records_keep_their_json_shape() {
    let v = visit((2015, 3, 2), "c-178-xa-tan-doan");
    let json = serde_json::to_value(&v).unwrap_or_default();
    assert_eq!(json["position"]["fix"]["accuracy_m"], 12);
    assert_eq!(json["inspected"]["commune"], "c-178-xa-tan-doan");
    assert_eq!(json["at"], "2015-03-02T09:30:00");
    let back: Visit = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, v);
    let r = serde_json::to_value(recommendation(FollowUp::InProgress)).unwrap_or_default();
    assert_eq!(r["state"], "in_progress");
}

mod ops {
    use super::*;
    use shared::access::check;
    use shared::ids::PlanId;
    use shared::inspection::op::{InspectionMutation as M, findings_of, photos_of};
    use shared::inspection::photo::PhotoHash;
    use shared::mutation::{Mutation, MutationError};
    use shared::plan::Node;
    use shared::plan_state::PlanState;
    use shared::report::RecordKey;

    fn task(n: u64) -> NodeId {
        NodeId::from_parts(1_800_000_000_000 + n, [9; 10])
    }

    fn plan() -> PlanState {
        let plan = PlanId::from_parts(1, [1; 10]);
        let node = Node {
            id: task(1),
            plan_id: plan,
            parent: None,
            rank: shared::rank::Rank::sequence(1).remove(0),
            label: "1".into(),
            kind: shared::document::NodeKind::Task,
            title: "Tuyên truyền, phổ biến".into(),
            body: None,
            deadline: None,
            recurring_deadline: None,
            references: Vec::new(),
            progress: 0,
            completed_on: None,
            assignments: Vec::new(),
            owner: None,
        };
        PlanState::new(plan, [node])
    }

    fn run(s: &mut PlanState, op: M) -> Result<(), MutationError> {
        let change = s.apply(&Mutation::Inspection { op })?;
        s.commit(&change);
        Ok(())
    }

    fn refusal(s: &mut PlanState, op: M) -> String {
        run(s, op).expect_err("refused").to_string()
    }

    fn photo(n: u8) -> shared::inspection::model::Photo {
        shared::inspection::model::Photo {
            visit: id(2),
            hash: PhotoHash::from_digest(&[n; 32]),
            size: 400_000,
            width: 2_000,
            height: 1_500,
            task: Some(task(1)),
            caption: "Lớp tập huấn tại nhà văn hoá".into(),
            taken_at: None,
            position: Position::Unavailable,
        }
    }

    fn finding() -> Finding {
        Finding {
            visit: id(2),
            task: task(1),
            findings: "Đã tổ chức 2 lớp".into(),
            rating: Some(Rating::PartlyMet),
            reason: "Chưa đủ số thôn".into(),
        }
    }

    #[test]
    fn a_visit_needs_its_round_findings_and_photos_their_visit_and_tasks_the_plans() {
        let mut s = plan();
        let r = round(day(2015, 3, 1), day(2015, 3, 5), &["d-178"]);
        let v = visit((2015, 3, 2), "c-178-xa-tan-doan");
        assert!(refusal(&mut s, M::SaveVisit { visit: v.clone() }).contains("đợt kiểm tra"));
        assert!(refusal(&mut s, M::SaveFinding { finding: finding() }).contains("phiếu"));
        run(&mut s, M::SaveRound { round: r.clone() }).expect("round");
        let late = visit((2015, 3, 9), "d-178");
        assert!(refusal(&mut s, M::SaveVisit { visit: late }).contains("thời gian"));
        run(&mut s, M::SaveVisit { visit: v.clone() }).expect("visit");
        // A visit stays in its round.
        let mut other = r.clone();
        other.id = id(9);
        run(&mut s, M::SaveRound { round: other }).expect("second round");
        let mut moved = v.clone();
        moved.round = id(9);
        assert!(refusal(&mut s, M::SaveVisit { visit: moved }).contains("đợt khác"));
        let mut f = finding();
        f.task = task(77);
        assert!(refusal(&mut s, M::SaveFinding { finding: f }).contains("nhiệm vụ"));
        run(&mut s, M::SaveFinding { finding: finding() }).expect("finding");
        for n in 0..3 {
            run(&mut s, M::SavePhoto { photo: photo(n) }).expect("photo");
        }
        // The same file chosen again is the same photo, its caption changed.
        let mut again = photo(0);
        again.caption = "Chú thích mới".into();
        run(&mut s, M::SavePhoto { photo: again }).expect("photo again");
        assert_eq!(photos_of(s.records(), id(2)).count(), 3);
        let mut huge = photo(5);
        huge.size = 7 * 1024 * 1024;
        assert!(refusal(&mut s, M::SavePhoto { photo: huge }).contains("6 MB"));
        run(
            &mut s,
            M::SaveRecommendation {
                recommendation: recommendation(FollowUp::Done),
            },
        )
        .expect("recommendation");
        let rec = RecordKey::Recommendation(id(3));
        assert!(
            matches!(s.record(&rec), Some(shared::report::Record::Recommendation(r)) if r.state == FollowUp::NotStarted),
            "the recorder does not set the agency's follow-up"
        );
        // A round with visits stays; deleting the visit takes its records with it.
        assert!(refusal(&mut s, M::DeleteRound { id: id(1) }).contains("xoá các phiếu"));
        run(&mut s, M::DeleteVisit { id: id(2) }).expect("visit deleted");
        assert_eq!(findings_of(s.records(), id(2)).count(), 0);
        assert_eq!(photos_of(s.records(), id(2)).count(), 0);
        assert!(s.record(&rec).is_none());
        run(&mut s, M::DeleteRound { id: id(1) }).expect("round deleted");
    }

    #[test]
    fn a_task_shows_its_findings_and_an_agency_its_open_recommendations_overdue_first() {
        use shared::inspection::follow::{findings_on, open_for_agency, open_on_task};
        let mut s = plan();
        run(
            &mut s,
            M::SaveRound {
                round: round(day(2015, 3, 1), day(2015, 3, 5), &["d-178"]),
            },
        )
        .expect("round");
        for (n, at) in [(20u64, 2u32), (21, 4)] {
            let mut v = visit((2015, 3, at), "c-178-xa-tan-doan");
            v.id = id(n);
            if n == 21 {
                v.inspected = Inspected::Agency(AgencyCode::from("SYT"));
            }
            run(&mut s, M::SaveVisit { visit: v }).expect("visit");
            let mut f = finding();
            f.visit = id(n);
            run(&mut s, M::SaveFinding { finding: f }).expect("finding");
        }
        // Three recommendations to SYT: one due later, one overdue, one done; one to STC.
        let recs = [
            (30u64, "SYT", day(2015, 9, 30), Some(task(1))),
            (31, "SYT", day(2015, 6, 30), Some(task(1))),
            (32, "SYT", day(2015, 5, 30), None),
            (33, "STC", day(2015, 4, 30), Some(task(1))),
        ];
        for (n, agency, due, on) in recs {
            let mut r = recommendation(FollowUp::NotStarted);
            r.id = id(n);
            r.visit = id(21);
            r.agency = AgencyCode::from(agency);
            r.due = due;
            r.task = on;
            run(&mut s, M::SaveRecommendation { recommendation: r }).expect("recommendation");
        }
        run(
            &mut s,
            M::Answer {
                id: id(32),
                state: FollowUp::Done,
                note: String::new(),
            },
        )
        .expect("done");
        let today = day(2015, 7, 1);
        let leader = Actor {
            role: UserRole::Leader,
            agency: None,
        };
        let syt = Actor {
            role: UserRole::AgencyOfficer,
            agency: Some(AgencyCode::from("SYT")),
        };
        let ids = |l: Vec<&Recommendation>| l.iter().map(|r| r.id).collect::<Vec<_>>();
        // The latest visit first; an agency's officer sees the findings at its own visits.
        let found = findings_on(s.records(), task(1), &leader);
        assert_eq!(
            found.iter().map(|(v, _)| v.id).collect::<Vec<_>>(),
            vec![id(21), id(20)]
        );
        assert_eq!(findings_on(s.records(), task(1), &syt).len(), 1);
        assert!(findings_on(s.records(), task(77), &leader).is_empty());
        // Overdue first (the STC one, then SYT's of June), then by due date; done ones out.
        assert_eq!(
            ids(open_on_task(s.records(), task(1), &leader, today)),
            vec![id(33), id(31), id(30)]
        );
        assert_eq!(
            ids(open_on_task(s.records(), task(1), &syt, today)),
            vec![id(31), id(30)]
        );
        assert_eq!(
            ids(open_for_agency(
                s.records(),
                &AgencyCode::from("SYT"),
                &syt,
                today
            )),
            vec![id(31), id(30)]
        );
        assert!(open_for_agency(s.records(), &AgencyCode::from("STC"), &syt, today).is_empty());
    }

    #[test]
    fn a_rounds_conclusion_counts_ratings_per_task_follows_recommendations_and_caps_its_photos() {
        use shared::inspection::conclusion::{APPENDIX_PHOTOS_MAX, conclusion};
        use shared::report::official::Block;
        let mut s = plan();
        run(
            &mut s,
            M::SaveRound {
                round: round(day(2015, 3, 1), day(2015, 3, 5), &["d-178"]),
            },
        )
        .expect("round");
        // Three visits; the task met at one, partly met at another, not rated at the third.
        let ratings = [Some(Rating::Met), Some(Rating::PartlyMet), None];
        for (n, rating) in (0u64..).zip(ratings) {
            let mut v = visit((2015, 3, 2 + n as u32), "c-178-xa-tan-doan");
            v.id = id(20 + n);
            run(&mut s, M::SaveVisit { visit: v }).expect("visit");
            let mut f = finding();
            f.visit = id(20 + n);
            f.rating = rating;
            f.reason = if rating == Some(Rating::PartlyMet) {
                "Chưa đủ số thôn".into()
            } else {
                String::new()
            };
            run(&mut s, M::SaveFinding { finding: f }).expect("finding");
        }
        // 50 photos at the first visit, 30 at the second: the appendix takes every visit's
        // first photos before the first visit's fiftieth.
        for (visit, count) in [(id(20), 50u8), (id(21), 30u8)] {
            for n in 0..count {
                let mut p = photo(n);
                p.visit = visit;
                let mut digest = [n; 32];
                digest[0] = u8::from(visit == id(21));
                p.hash = PhotoHash::from_digest(&digest);
                run(&mut s, M::SavePhoto { photo: p }).expect("photo");
            }
        }
        let mut late = recommendation(FollowUp::NotStarted);
        late.visit = id(21);
        run(
            &mut s,
            M::SaveRecommendation {
                recommendation: late,
            },
        )
        .expect("recommendation");
        run(
            &mut s,
            M::Answer {
                id: id(3),
                state: FollowUp::InProgress,
                note: "Đang lập dự toán".into(),
            },
        )
        .expect("the agency's answer");
        let plan = shared::plan::Plan {
            id: PlanId::from_parts(1, [1; 10]),
            metadata: shared::document::PlanMetadata {
                number: Some("52/KH-UBND".into()),
                issuer: Some("UBND tỉnh Lạng Sơn".into()),
                ..Default::default()
            },
            preamble: None,
            references: Vec::new(),
            visibility: Default::default(),
        };
        let today = day(2015, 7, 15);
        let doc = conclusion(&plan, &s, id(1), &[], &units(), today).expect("the conclusion");
        assert_eq!(doc.kind, "Báo cáo");
        assert_eq!(doc.recipients, vec!["UBND tỉnh Lạng Sơn".to_owned()]);
        let tables: Vec<&Vec<Vec<String>>> = doc
            .body
            .iter()
            .filter_map(|b| match b {
                Block::Table { rows, .. } => Some(rows),
                _ => None,
            })
            .collect();
        // The visits, the task's findings place by place, the ratings counted, the
        // recommendations.
        assert_eq!(tables.len(), 4);
        assert_eq!(tables[0].len(), 3);
        assert_eq!(tables[1].len(), 3);
        assert_eq!(tables[1][1][2], "Đạt một phần: Chưa đủ số thôn");
        assert_eq!(tables[2][0][2..], ["1", "1", "0", "1"]);
        assert_eq!(
            tables[3][0][4],
            "Đang thực hiện (quá hạn): Đang lập dự toán"
        );
        let text: String = doc
            .body
            .iter()
            .filter_map(|b| match b {
                Block::Text { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect();
        assert!(
            text.contains("tiến hành 3 cuộc kiểm tra tại 1 xã"),
            "{text}"
        );
        assert!(
            text.contains("0 nội dung đã thực hiện, 1 nội dung quá hạn"),
            "{text}"
        );
        // The appendix: capped, every visit's first photos in, grouped by visit.
        let photos = doc.photos();
        assert_eq!(photos.len(), APPENDIX_PHOTOS_MAX);
        let second_visit = photos
            .iter()
            .filter(|h| h.as_str().starts_with("01"))
            .count();
        assert_eq!(second_visit, 30, "every photo of the smaller visit");
        assert!(
            conclusion(&plan, &s, id(9), &[], &units(), today).is_none(),
            "no such round"
        );
        // The same findings in the periodic summary report of a period that holds the visits.
        use shared::inspection::tables::period_appendix;
        let appendix = period_appendix(&s, day(2015, 1, 1), day(2015, 6, 30), &[], &units(), today)
            .expect("visits in the first half of 2015");
        assert_eq!(appendix.title, "Kết quả kiểm tra trong kỳ báo cáo");
        let Some(Block::Text { text, .. }) = appendix.body.first() else {
            panic!("an opening line")
        };
        assert!(
            text.contains("1 đoàn kiểm tra đã thực hiện 3 cuộc kiểm tra"),
            "{text}"
        );
        assert!(
            appendix
                .body
                .iter()
                .any(|b| matches!(b, Block::Table { rows, .. } if rows.len() == 3))
        );
        assert!(
            period_appendix(&s, day(2015, 7, 1), day(2015, 12, 31), &[], &units(), today).is_none(),
            "no visit in the second half"
        );
    }

    #[test]
    fn a_visits_minutes_say_who_where_what_was_found_and_what_must_be_done() {
        use shared::report::official::Block;
        let mut s = plan();
        run(
            &mut s,
            M::SaveRound {
                round: round(day(2015, 3, 1), day(2015, 3, 5), &["d-178"]),
            },
        )
        .expect("round");
        run(
            &mut s,
            M::SaveVisit {
                visit: visit((2015, 3, 2), "c-178-xa-tan-doan"),
            },
        )
        .expect("visit");
        run(&mut s, M::SaveFinding { finding: finding() }).expect("finding");
        run(
            &mut s,
            M::SaveRecommendation {
                recommendation: recommendation(FollowUp::NotStarted),
            },
        )
        .expect("recommendation");
        run(&mut s, M::SavePhoto { photo: photo(1) }).expect("photo");
        let plan = shared::plan::Plan {
            id: PlanId::from_parts(1, [1; 10]),
            metadata: shared::document::PlanMetadata {
                number: Some("52/KH-UBND".into()),
                issuer: Some("UBND tỉnh Lạng Sơn".into()),
                ..Default::default()
            },
            preamble: None,
            references: Vec::new(),
            visibility: Default::default(),
        };
        let agencies = vec![shared::registry::Agency {
            code: "SYT".into(),
            name: "Sở Y tế".into(),
            group: shared::registry::AgencyGroup::ALL[0],
            role_note: None,
            successor: None,
            successor_note: None,
            valid_from: None,
            valid_to: None,
        }];
        let m = shared::inspection::minutes::minutes(&plan, &s, id(2), &agencies, &units())
            .expect("the minutes");
        assert_eq!(m.kind, "Biên bản");
        assert!(
            m.place_date
                .starts_with("Tân Đoàn, ngày 02 tháng 3 năm 2015"),
            "{}",
            m.place_date
        );
        assert_eq!(m.signer, "kiemtra");
        let text: String = m
            .body
            .iter()
            .map(|b| match b {
                Block::Heading1(t) | Block::Heading2(t) => t.clone(),
                Block::Text { lead, text } => format!("{}{text}", lead.clone().unwrap_or_default()),
                Block::Table { rows, .. } => {
                    rows.iter().flatten().cloned().collect::<Vec<_>>().join(" ")
                }
                Block::Photo { caption, .. } => caption.clone(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        for want in [
            "vào hồi 09g30 ngày 02 tháng 3 năm 2015, tại xã Tân Đoàn, huyện Văn Quan",
            "theo Quyết định số 15/QĐ-BDT",
            "Kế hoạch số 52/KH-UBND của UBND tỉnh Lạng Sơn",
            "kiemtra, Trưởng đoàn",
            "Ông Hoàng Văn A, Chủ tịch UBND xã",
            "1. 1 Tuyên truyền, phổ biến",
            "Đánh giá: Đạt một phần. Lý do: Chưa đủ số thôn",
            "Bố trí kinh phí tập huấn cho cán bộ thôn, bản Sở Y tế 30/06/2015",
            "Ảnh 1. Lớp tập huấn tại nhà văn hoá",
        ] {
            assert!(text.contains(want), "{want} missing from:\n{text}");
        }
        assert_eq!(m.photos(), vec![photo(1).hash]);
        assert!(
            shared::inspection::minutes::minutes(&plan, &s, id(9), &agencies, &units()).is_none()
        );
    }

    #[test]
    fn team_members_record_agencies_answer_their_own_leaders_read() {
        let mut s = plan();
        let r = round(day(2015, 3, 1), day(2015, 3, 5), &["d-178"]);
        run(&mut s, M::SaveRound { round: r }).expect("round");
        run(
            &mut s,
            M::SaveVisit {
                visit: visit((2015, 3, 2), "d-178"),
            },
        )
        .expect("visit");
        run(
            &mut s,
            M::SaveRecommendation {
                recommendation: recommendation(FollowUp::NotStarted),
            },
        )
        .expect("recommendation");
        let actor = |role, agency: Option<&str>| Actor {
            role,
            agency: agency.map(AgencyCode::from),
        };
        let inspector = actor(UserRole::Inspector, None);
        let standing = actor(UserRole::Standing, None);
        let leader = actor(UserRole::Leader, None);
        let syt = actor(UserRole::AgencyOfficer, Some("SYT"));
        let sgd = actor(UserRole::AgencyOfficer, Some("SGD"));
        let save_finding = Mutation::Inspection {
            op: M::SaveFinding { finding: finding() },
        };
        let answer = Mutation::Inspection {
            op: M::Answer {
                id: id(3),
                state: FollowUp::Done,
                note: "Đã bố trí".into(),
            },
        };
        let new_round = Mutation::Inspection {
            op: M::SaveRound {
                round: InspectionRound {
                    id: id(8),
                    ..round(day(2016, 3, 1), day(2016, 3, 5), &["d-178"])
                },
            },
        };
        // (actor, user name, mutation, allowed)
        let rows = [
            (&inspector, "kiemtra", &save_finding, true),
            (&inspector, "kiemtra2", &save_finding, true),
            (&inspector, "nguoingoai", &save_finding, false),
            (&inspector, "nguoingoai", &new_round, true),
            (&inspector, "kiemtra", &answer, false),
            (&standing, "thuongtruc", &save_finding, true),
            (&standing, "thuongtruc", &answer, true),
            (&leader, "lanhdao", &save_finding, false),
            (&leader, "lanhdao", &new_round, false),
            (&leader, "lanhdao", &answer, false),
            (&syt, "syt", &answer, true),
            (&sgd, "sgd", &answer, false),
            (&syt, "syt", &save_finding, false),
            (&syt, "syt", &new_round, false),
        ];
        for (actor, user, m, allowed) in rows {
            let got = check(actor, user, &s, m);
            assert_eq!(
                got.is_ok(),
                allowed,
                "{:?} {user} {m:?}: {got:?}",
                actor.role
            );
            if let Err(e) = got {
                assert!(matches!(e, MutationError::Forbidden { .. }), "{e}");
            }
        }
    }
}

mod forms {
    use super::*;
    use shared::inspection::form::*;

    #[test]
    fn drafts_become_records_or_say_what_is_missing_in_vietnamese() {
        let units = units();
        let mut d = RoundDraft::new("kiemtra", day(2015, 3, 2));
        d.title = "Kiểm tra năm 2015".into();
        d.members = "kiemtra2, kiemtra3\nkiemtra4".into();
        d.places = vec![place("d-178")];
        d.ends = "31/02/2015".into();
        assert_eq!(
            d.round(id(1)).map_err(|e| e.to_string()),
            Err("Ngày kết thúc: cần nhập ngày dạng dd/mm/yyyy.".into())
        );
        d.ends = "05/03/2015".into();
        let r = d.round(id(1)).expect("a round");
        assert_eq!(r.members, ["kiemtra2", "kiemtra3", "kiemtra4"]);
        assert_eq!(RoundDraft::of(&r).round(id(1)), Ok(r.clone()));

        // The places of a visit: the district, and its communes that existed then.
        let places = visit_places(&r, &units);
        let ids: Vec<&str> = places.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["d-178", "c-178-xa-tan-doan", "c-178-xa-bac-la"]);
        assert_eq!(places[1].1, "xã Tân Đoàn, huyện Văn Quan");

        let mut v = VisitDraft::new(&r, day(2015, 3, 9), "09:30");
        assert_eq!(v.date, "05/03/2015", "today past the round: its last day");
        v.unit = "c-178-xa-tan-doan".into();
        v.met = "Ông Hoàng Văn A, Chủ tịch UBND xã\n\nBà Lý Thị B".into();
        v.time = "9h".into();
        assert_eq!(v.visit(id(2), &r, "xã Tân Đoàn"), Err(FormError::Time));
        v.time = "09:30".into();
        let visit = v.visit(id(2), &r, "xã Tân Đoàn").expect("a visit");
        assert_eq!(visit.met.len(), 2);
        assert_eq!(
            visit.inspected,
            Inspected::Commune("UBND xã Tân Đoàn".into())
        );
        assert_eq!(
            VisitDraft::of(&visit).visit(id(2), &r, "xã Tân Đoàn"),
            Ok(visit.clone())
        );

        let mut f = FindingDraft {
            task: Some(NodeId::from_parts(1, [1; 10])),
            findings: "Đã tổ chức 2 lớp".into(),
            rating: Some(Rating::NotMet),
            reason: " ".into(),
        };
        assert!(
            f.finding(id(2))
                .expect_err("no reason")
                .to_string()
                .contains("lý do")
        );
        f.rating = Some(Rating::Met);
        assert_eq!(f.finding(id(2)).map(|f| f.reason), Ok(String::new()));
        let kept = f.finding(id(2)).expect("a finding");
        assert_eq!(FindingDraft::of(&kept).finding(id(2)), Ok(kept));

        let mut rec = RecommendationDraft {
            text: "Bố trí kinh phí".into(),
            agency: String::new(),
            due: "30/06/2015".into(),
            task: None,
        };
        assert_eq!(
            RecommendationDraft::new(&r).due,
            "03/06/2015",
            "due three months after the round"
        );
        assert_eq!(rec.recommendation(id(3), id(2)), Err(FormError::NoAgency));
        rec.agency = "SYT".into();
        assert_eq!(
            rec.recommendation(id(3), id(2)).map(|r| r.due),
            Ok(day(2015, 6, 30))
        );
        let kept = rec.recommendation(id(3), id(2)).expect("a recommendation");
        assert_eq!(
            RecommendationDraft::of(&kept).recommendation(id(3), id(2)),
            Ok(kept)
        );

        // Where: by district, then commune, with counts.
        let mut second = visit.clone();
        second.id = id(4);
        second.place = place("d-178");
        let counts = visits_by_place([&visit, &visit, &second], &units);
        assert_eq!(
            counts
                .iter()
                .map(|c| (c.commune.clone().unwrap_or_default(), c.visits))
                .collect::<Vec<_>>(),
            [(String::new(), 3), ("xã Tân Đoàn".into(), 2)]
        );
    }
}
