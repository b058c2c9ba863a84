//! Inspections through the plan's sync, against a real embedded database and the seeded
//! registry: a team member records a round, a visit, findings, a recommendation and photos;
//! places and agencies are checked against the registry of the round's dates; whoever is not on
//! the team, or not the agency a recommendation is made to, is refused; another plan's ids
//! name nothing here; everything is read back by a new device.

mod common;

use common::*;
use shared::access::UserRole;
use shared::ids::{NodeId, RecordId};
use shared::inspection::model::*;
use shared::inspection::op::InspectionMutation as M;
use shared::inspection::photo::PhotoHash;
use shared::mutation::{Mutation, MutationError};
use shared::report::{Record, RecordKey};
use shared::sync::{ChangeNo, PullRequest};

fn day(m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2015, m, d).unwrap_or_default()
}

fn rid(n: u8) -> RecordId {
    RecordId::from_parts(1_800_000_000_000, [n; 10])
}

fn place(unit: &str) -> Place {
    Place {
        unit: unit.into(),
        village: None,
    }
}

fn round(places: &[&str]) -> InspectionRound {
    InspectionRound {
        id: rid(1),
        title: "Kiểm tra thực hiện Kế hoạch 52 năm 2015".into(),
        decision_number: Some("25/QĐ-BDT".into()),
        decision_date: Some(day(9, 1)),
        leader: "kiemtra".into(),
        members: vec!["kiemtra2".into()],
        starts: day(9, 10),
        ends: day(9, 12),
        places: places.iter().map(|p| place(p)).collect(),
        tasks: Vec::new(),
        agencies: vec!["SYT".into()],
    }
}

fn visit(unit: &str) -> Visit {
    Visit {
        id: rid(2),
        round: rid(1),
        place: place(unit),
        at: day(9, 10).and_hms_opt(9, 30, 0).unwrap_or_default(),
        inspected: Inspected::Commune(unit.into()),
        met: vec!["Ông Hoàng Văn A, Chủ tịch UBND xã".into()],
        position: Position::Fix {
            lat_e6: 21_853_000,
            lon_e6: 106_761_000,
            accuracy_m: 15,
        },
    }
}

fn recommendation(agency: &str) -> Recommendation {
    Recommendation {
        id: rid(3),
        visit: rid(2),
        task: None,
        text: "Bố trí kinh phí tập huấn cho cán bộ thôn, bản".into(),
        agency: agency.into(),
        due: day(12, 31),
        state: FollowUp::NotStarted,
        note: String::new(),
    }
}

/// The pictures a Word file holds.
fn docx_media(bytes: &[u8]) -> Vec<String> {
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap_or_else(|e| panic!("{e}"));
    zip.file_names()
        .filter_map(Result::ok)
        .filter(|n| n.starts_with("word/media/") && !n.ends_with('/'))
        .map(|n| n.into_owned())
        .collect()
}

fn inspection(op: M) -> Mutation {
    Mutation::Inspection { op }
}

#[tokio::test]
async fn a_team_records_a_visit_offline_agencies_answer_and_every_device_reads_it() {
    let s = Server::start("mem://").await;
    let tree = s.seed_plan().await;
    let plan = tree.plan.id;
    let task: NodeId = top(&tree, "I").id;
    let inspector = s.as_user("kiemtra", UserRole::Inspector, None).await;
    let outsider = s.as_user("nguoingoai", UserRole::Inspector, None).await;
    let syt = s
        .as_user("canbo-syt", UserRole::AgencyOfficer, Some("SYT"))
        .await;
    let sgd = s
        .as_user("canbo-sgd", UserRole::AgencyOfficer, Some("SGDDT"))
        .await;
    let leader = s.as_user("lanhdao", UserRole::Leader, None).await;

    let refused = |answer: &shared::sync::PushResponse| refusal(answer).cloned();
    // Places of the round's dates only: a 2025 commune is not a 2015 place.
    let mut r = round(&["d-178", "c-2025-xa-that-khe"]);
    let e = refused(
        &push_as(
            &s,
            &inspector,
            plan,
            inspection(M::SaveRound { round: r.clone() }),
        )
        .await,
    );
    assert!(
        matches!(&e, Some(MutationError::Inspection { error }) if matches!(error, InspectionError::PlaceNotOnDate { .. } | InspectionError::UnknownPlace { .. })),
        "{e:?}"
    );
    r = round(&["d-178"]);
    r.agencies = vec!["KHONGCO".into()];
    let e = refused(&push_as(&s, &inspector, plan, inspection(M::SaveRound { round: r })).await);
    assert!(
        matches!(e, Some(MutationError::UnknownAgency { .. })),
        "{e:?}"
    );

    // One device, offline all day: the round, the visit, a finding, a recommendation and two
    // photos, in one push when it is back.
    let photo = |n: u8| Photo {
        visit: rid(2),
        hash: PhotoHash::from_digest(&[n; 32]),
        size: 450_000,
        width: 2_000,
        height: 1_500,
        task: Some(task),
        caption: format!("Ảnh {n}"),
        taken_at: None,
        position: Position::Unavailable,
    };
    let day_of_work = vec![
        inspection(M::SaveRound {
            round: round(&["d-178"]),
        }),
        // A commune of a district the round visits.
        inspection(M::SaveVisit {
            visit: visit("c-178-xa-mai-pha"),
        }),
        inspection(M::SaveFinding {
            finding: Finding {
                visit: rid(2),
                task,
                findings: "Đã tổ chức 2 lớp tuyên truyền".into(),
                rating: Some(Rating::PartlyMet),
                reason: "Chưa tới đủ các thôn".into(),
            },
        }),
        inspection(M::SaveRecommendation {
            recommendation: recommendation("SYT"),
        }),
        inspection(M::SavePhoto { photo: photo(1) }),
        inspection(M::SavePhoto { photo: photo(2) }),
    ];
    let device = new_client();
    let req = shared::sync::PushRequest {
        client: device,
        mutations: day_of_work
            .into_iter()
            .enumerate()
            .map(|(i, mutation)| shared::sync::Pending {
                seq: i as u64 + 1,
                base: ChangeNo::ZERO,
                at: 1_800_000_000_000,
                mutation,
            })
            .collect(),
    };
    let r = post_json(
        &inspector,
        s.url(&format!("/plans/{plan}/push")),
        &serde_json::json!(req),
    )
    .send()
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let answer: shared::sync::PushResponse = body(r).await;
    assert!(answer.refused.is_empty(), "{:?}", answer.refused);
    assert_eq!(answer.last_seq, 6);

    // A visit outside the round's places; a finding by someone not on the team.
    let mut away = visit("c-180-thi-tran-that-khe");
    away.id = rid(4);
    let e = refused(
        &push_as(
            &s,
            &inspector,
            plan,
            inspection(M::SaveVisit { visit: away }),
        )
        .await,
    );
    assert!(
        matches!(
            &e,
            Some(MutationError::Inspection {
                error: InspectionError::NotAPlaceOfTheRound { .. }
            })
        ),
        "{e:?}"
    );
    let e = refused(
        &push_as(
            &s,
            &outsider,
            plan,
            inspection(M::DeleteVisit { id: rid(2) }),
        )
        .await,
    );
    assert!(
        matches!(&e, Some(MutationError::Forbidden { message }) if message.contains("thành viên đoàn")),
        "{e:?}"
    );

    // The agency the recommendation is made to answers it; another agency may not.
    let answer_done = inspection(M::Answer {
        id: rid(3),
        state: FollowUp::Done,
        note: "Đã bố trí 50 triệu đồng".into(),
    });
    let e = refused(&push_as(&s, &sgd, plan, answer_done.clone()).await);
    assert!(matches!(e, Some(MutationError::Forbidden { .. })), "{e:?}");
    assert_eq!(refused(&push_as(&s, &syt, plan, answer_done).await), None);

    // A leader's new device reads it all.
    let pulled = post_json(
        &leader,
        s.url(&format!("/plans/{plan}/pull")),
        &serde_json::json!(PullRequest {
            cursor: ChangeNo::ZERO,
            clients: Vec::new(),
            holds: None,
        }),
    )
    .send()
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let pulled: shared::sync::PullResponse = body(pulled).await;
    let kinds = |want: fn(&Record) -> bool| pulled.records.iter().filter(|r| want(r)).count();
    assert_eq!(kinds(|r| matches!(r, Record::Inspection(_))), 1);
    assert_eq!(kinds(|r| matches!(r, Record::Visit(_))), 1);
    assert_eq!(kinds(|r| matches!(r, Record::Finding(_))), 1);
    assert_eq!(kinds(|r| matches!(r, Record::Photo(_))), 2);
    let rec = pulled
        .records
        .iter()
        .find_map(|r| match r {
            Record::Recommendation(r) => Some(r),
            _ => None,
        })
        .unwrap_or_else(|| panic!("the recommendation"));
    assert_eq!(rec.state, FollowUp::Done);
    assert_eq!(rec.note, "Đã bố trí 50 triệu đồng");

    // A third photo whose file is on the server: the documents show it at print size.
    let jpeg = {
        let img = image::RgbImage::from_fn(1_600, 1_200, |x, y| {
            image::Rgb([(x / 7 % 256) as u8, (y / 5 % 256) as u8, 90])
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
            .encode_image(&img)
            .unwrap_or_else(|e| panic!("{e}"));
        out
    };
    let sha = |b: &[u8]| {
        use sha2::Digest;
        shared::inspection::photo::hex(&sha2::Sha256::digest(b))
    };
    let hash = sha(&jpeg);
    for index in 0..shared::inspection::photo::chunk_count(jpeg.len() as u64) {
        let range = shared::inspection::photo::chunk_range(jpeg.len() as u64, index);
        let chunk = &jpeg[range.start as usize..range.end as usize];
        let r = inspector
            .put(s.url(&format!(
                "/plans/{plan}/photos/{hash}/upload/{}/{index}",
                jpeg.len()
            )))
            .header("x-chunk-sha256", sha(chunk))
            .body(chunk.to_vec())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), reqwest::StatusCode::OK);
    }
    let mut real = photo(3);
    real.hash = PhotoHash::parse(&hash).unwrap_or_else(|e| panic!("{e}"));
    real.caption = "Lớp học tại nhà văn hoá thôn".into();
    assert!(
        refusal(
            &push_as(
                &s,
                &inspector,
                plan,
                inspection(M::SavePhoto { photo: real })
            )
            .await
        )
        .is_none()
    );

    // The visit's minutes, as a Word file LibreOffice reads: who, where, the finding with its
    // rating, the recommendation, the photos.
    let r = leader
        .get(s.url(&format!("/plans/{plan}/visits/{}/minutes.docx", rid(2))))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let disposition = r
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(disposition.contains("bien-ban-kiem-tra-"), "{disposition}");
    let bytes = r.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
    let xml = part(&bytes, "word/document.xml");
    for text in [
        "BIÊN BẢN",
        "Đoàn kiểm tra",
        "Đạt một phần",
        "Chưa tới đủ các thôn",
        "Sở Y tế",
        "Ảnh 1",
    ] {
        assert!(xml.contains(text), "{text} missing from the minutes");
    }
    // The uploaded photo as a JPEG part, named and typed as one; the others are named only.
    let media = docx_media(&bytes);
    assert_eq!(media.len(), 1, "{media:?}");
    assert!(media[0].ends_with(".jpeg"), "{media:?}");
    assert!(part(&bytes, "[Content_Types].xml").contains("image/jpeg"));
    assert!(xml.contains("ảnh chưa được tải lên máy chủ"));
    assert!(xml.contains("Lớp học tại nhà văn hoá thôn"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("bien-ban.docx");
    std::fs::write(&file, &bytes).unwrap_or_else(|e| panic!("{e}"));
    let (text, pages) = pdf_text(&file);
    assert!(pages >= 1);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for text in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "BIÊN BẢN",
        "Mai Pha",
        "Trưởng đoàn",
        "kiemtra",
    ] {
        assert!(
            flat.to_uppercase().contains(&text.to_uppercase()),
            "{text} missing from the PDF: {flat}"
        );
    }
    // The round's conclusion, compiled from its visits, with the photo in its appendix: for
    // the team, the standing agency and leaders, not an agency's officer.
    let url = s.url(&format!(
        "/plans/{plan}/inspections/{}/conclusion.docx",
        rid(1)
    ));
    let r = leader
        .get(url.clone())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let conclusion = r.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
    let xml = part(&conclusion, "word/document.xml");
    for text in [
        "BÁO CÁO",
        "Kết quả kiểm tra việc thực hiện",
        "25/QĐ-BDT",
        "KẾT QUẢ KIỂM TRA THEO NHIỆM VỤ",
        "Chưa tới đủ các thôn",
        "TỔNG HỢP ĐÁNH GIÁ",
        "Bố trí kinh phí tập huấn cho cán bộ thôn, bản",
        "Đã thực hiện: Đã bố trí 50 triệu đồng",
        "Phụ lục I",
        "Lớp học tại nhà văn hoá thôn",
    ] {
        assert!(xml.contains(text), "{text} missing from the conclusion");
    }
    assert_eq!(docx_media(&conclusion).len(), 1);
    let file = dir.path().join("ket-qua.docx");
    std::fs::write(&file, &conclusion).unwrap_or_else(|e| panic!("{e}"));
    let (text, pages) = pdf_text(&file);
    assert!(pages >= 2, "the appendix on a page of its own");
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for text in ["BÁO CÁO", "Mai Pha", "TỔNG HỢP ĐÁNH GIÁ", "Phụ lục I"] {
        assert!(
            flat.to_uppercase().contains(&text.to_uppercase()),
            "{text} missing from the PDF: {flat}"
        );
    }
    let r = syt.get(url).send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN);
    let r = leader
        .get(s.url(&format!(
            "/plans/{plan}/inspections/{}/conclusion.docx",
            rid(9)
        )))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), reqwest::StatusCode::NOT_FOUND);

    // What an agency's officer's device receives: the visit a recommendation to the agency
    // was made at (its place and date), not what was found there nor its photos.
    // (Its device holds the agency's tasks and what is around them: it says which it holds.)
    let pull_as = |client: reqwest::Client, cursor: ChangeNo, holds: Option<u64>| {
        let url = s.url(&format!("/plans/{plan}/pull"));
        async move {
            let r = post_json(
                &client,
                url,
                &serde_json::json!(PullRequest {
                    cursor,
                    clients: Vec::new(),
                    holds,
                }),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
            body::<shared::sync::PullResponse>(r).await
        }
    };
    let keys =
        |p: &shared::sync::PullResponse| p.records.iter().map(Record::key).collect::<Vec<_>>();
    let first = pull_as(syt.clone(), ChangeNo::ZERO, None).await;
    assert!(first.scoped);
    let holds = Some(shared::sync::scope::held(first.nodes.iter().map(|n| n.id)));
    let got = keys(&first);
    assert!(got.contains(&RecordKey::Visit(rid(2))));
    assert!(got.contains(&RecordKey::Recommendation(rid(3))));
    assert!(got.contains(&RecordKey::Inspection(rid(1))));
    assert!(
        !got.iter()
            .any(|k| matches!(k, RecordKey::Finding { .. } | RecordKey::Photo { .. })),
        "{got:?}"
    );
    // Another agency's officer: not even that.
    let other_agency = keys(&pull_as(sgd.clone(), ChangeNo::ZERO, None).await);
    assert_eq!(other_agency, vec![RecordKey::Inspection(rid(1))]);
    let photo_url = s.url(&format!("/plans/{plan}/photos/{hash}"));
    let get = |client: &reqwest::Client| client.get(photo_url.clone()).send();
    let status = |r: Result<reqwest::Response, reqwest::Error>| {
        r.map(|r| r.status()).unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(status(get(&syt).await), reqwest::StatusCode::NOT_FOUND);
    assert_eq!(status(get(&leader).await), reqwest::StatusCode::OK);
    // A visit to the agency itself, with the same photo: the officer sees it all.
    let mut own = visit("c-178-xa-mai-pha");
    own.id = rid(5);
    own.inspected = Inspected::Agency("SYT".into());
    let mut own_photo = photo(3);
    own_photo.visit = rid(5);
    own_photo.hash = PhotoHash::parse(&hash).unwrap_or_else(|e| panic!("{e}"));
    for m in [
        M::SaveVisit { visit: own.clone() },
        M::SavePhoto { photo: own_photo },
    ] {
        assert!(refusal(&push_as(&s, &inspector, plan, inspection(m)).await).is_none());
    }
    let then = pull_as(syt.clone(), first.cursor, holds).await;
    assert!(!then.reset, "the same tasks: only what changed");
    assert!(keys(&then).contains(&RecordKey::Visit(rid(5))));
    assert!(
        keys(&then)
            .iter()
            .any(|k| matches!(k, RecordKey::Photo { visit, .. } if *visit == rid(5)))
    );
    assert_eq!(status(get(&syt).await), reqwest::StatusCode::OK);
    // The visit is put down to the commune instead: the officer's device lets it and its
    // photo go.
    own.inspected = Inspected::Commune("UBND xã Mai Pha".into());
    assert!(
        refusal(
            &push_as(
                &s,
                &inspector,
                plan,
                inspection(M::SaveVisit { visit: own })
            )
            .await
        )
        .is_none()
    );
    let after = pull_as(syt.clone(), then.cursor, holds).await;
    assert!(
        after.records_deleted.contains(&RecordKey::Visit(rid(5))),
        "{:?}",
        after.records_deleted
    );
    assert!(
        after
            .records_deleted
            .iter()
            .any(|k| matches!(k, RecordKey::Photo { visit, .. } if *visit == rid(5)))
    );
    assert!(!keys(&after).contains(&RecordKey::Visit(rid(5))));
    assert_eq!(status(get(&syt).await), reqwest::StatusCode::NOT_FOUND);

    // An unknown visit is not found; a bad id is said so.
    let r = leader
        .get(s.url(&format!("/plans/{plan}/visits/{}/minutes.docx", rid(9))))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), reqwest::StatusCode::NOT_FOUND);
    let r = leader
        .get(s.url(&format!("/plans/{plan}/visits/khong-phai-ma/minutes.docx")))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), reqwest::StatusCode::BAD_REQUEST);

    // Another plan: the same ids name nothing there.
    let other = new_plan(&s, "Kế hoạch khác").await;
    let e = refused(
        &push_as(
            &s,
            &inspector,
            other,
            inspection(M::SavePhoto { photo: photo(3) }),
        )
        .await,
    );
    assert!(
        matches!(
            &e,
            Some(MutationError::Inspection {
                error: InspectionError::VisitNotFound
            })
        ),
        "{e:?}"
    );
    let first = s
        .pull(
            plan,
            &PullRequest {
                cursor: ChangeNo::ZERO,
                clients: Vec::new(),
                holds: None,
            },
        )
        .await;
    assert!(
        !first.records.iter().any(|r| r.key()
            == RecordKey::Photo {
                visit: rid(2),
                hash: PhotoHash::from_digest(&[3; 32])
            }),
        "nothing of the other plan's push landed here"
    );
    s.stop().await;
}
