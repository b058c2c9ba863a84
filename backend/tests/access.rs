//! Signing in and what each role may do, over HTTP against a real embedded database: the setup
//! link, sessions, and a table of role × action with the allowed and the refused cases.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;
use shared::access::UserRole;
use shared::api::{ApiError, ErrorCode, SessionInfo, SetupStatus, User};
use shared::assignment::Role;
use shared::ids::{NodeId, PlanId};
use shared::mutation::{Mutation, MutationError, NodeEdit, Position};
use shared::plan::PlanTree;
use shared::sync::{HistoryEntry, Pending, PushRequest, PushResponse};

async fn tree_of(s: &Server, plan: PlanId) -> PlanTree {
    body(s.get(&format!("/plans/{plan}")).await).await
}

fn create_under(parent: NodeId, owner: Option<&str>) -> Mutation {
    Mutation::CreateNode {
        id: new_id(),
        parent: Some(parent),
        position: Position::Last,
        title: "Nhiệm vụ cụ thể của đơn vị".into(),
        body: None,
        deadline: None,
        label: String::new(),
        owner: owner.map(shared::ids::AgencyCode::from),
    }
}

#[tokio::test]
async fn nothing_without_signing_in_and_the_setup_link_works_once() {
    let s = Server::start("mem://").await;
    let anonymous = reqwest::Client::new();
    for path in ["/plans", "/agencies", "/users", "/session"] {
        let r = anonymous
            .get(s.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        let e: ApiError = body(r).await;
        assert_eq!(e.code, ErrorCode::Unauthorized);
        assert!(e.message.contains("đăng nhập"), "{}", e.message);
    }
    // The server has its administrator: the setup page says so and refuses a second one.
    let status: SetupStatus = body(
        anonymous
            .get(s.url("/setup"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .await;
    assert!(!status.needed);
    let r = post_json(
        &anonymous,
        s.url("/setup"),
        &json!({ "token": "0".repeat(64), "username": "ke-la", "name": "Kẻ lạ", "password": "mat-khau-nguoi-la-mat" }),
    )
    .send()
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // Wrong password: the same answer as an unknown user.
    for (user, pass) in [(ADMIN, "sai-mat-khau"), ("khong-co-ai", "sai-mat-khau")] {
        let r = post_json(
            &anonymous,
            s.url("/session"),
            &json!({ "username": user, "password": pass }),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let e: ApiError = body(r).await;
        assert_eq!(e.message, "Tên đăng nhập hoặc mật khẩu không đúng.");
    }

    // Signing in sets an HttpOnly cookie; signing out ends the session.
    let r = post_json(
        &anonymous,
        s.url("/session"),
        &json!({ "username": ADMIN, "password": ADMIN_PASSWORD }),
    )
    .send()
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        cookie.starts_with("kh_phien=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let session: SessionInfo = body(r).await;
    // A browser gets the session in the HttpOnly cookie only, never in the body.
    assert_eq!(session.token, None);
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let token = cookie
        .trim_start_matches("kh_phien=")
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();
    // Behind a proxy that says the request came over HTTPS, the cookie is marked Secure.
    let proxied = post_json(
        &anonymous,
        s.url("/session"),
        &json!({ "username": ADMIN, "password": ADMIN_PASSWORD }),
    )
    .header("x-forwarded-proto", "https")
    .send()
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let secure = proxied
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(secure.contains("; Secure"), "{secure}");
    let with_cookie = |c: &reqwest::Client, path: &str| {
        c.get(s.url(path))
            .header("cookie", format!("kh_phien={token}"))
            .send()
    };
    let me: SessionInfo = body(
        with_cookie(&anonymous, "/session")
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .await;
    assert_eq!(me.user.username, ADMIN);
    assert_eq!(me.user.role, UserRole::Admin);
    anonymous
        .delete(s.url("/session"))
        .header("cookie", format!("kh_phien={token}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let after = with_cookie(&anonymous, "/plans")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    s.stop().await;
}

#[tokio::test]
async fn a_new_server_prints_a_setup_link_valid_once() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // Process::start uses the link it printed to create the administrator.
    let p = Process::start(dir.path()).await;
    let client = reqwest::Client::new();
    let status: SetupStatus = body(
        client
            .get(format!("{}/setup", p.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .await;
    assert!(!status.needed);
    assert!(!p.token.is_empty());
    p.kill();
}

#[tokio::test]
async fn each_role_may_do_what_it_may_and_nothing_else() {
    let s = Server::start("mem://").await;
    let tree = s.seed_plan().await;
    let plan = tree.plan.id;
    let iii = top(&tree, "III").id;
    let tasks: Vec<NodeId> = children(&tree, iii).iter().map(|n| n.id).collect();
    let (health_task, edu_task, other_task) = (tasks[4], tasks[3], tasks[9]);

    let standing = s
        .as_user("bdt.thuongtruc", UserRole::Standing, Some("BDT"))
        .await;
    let syt = s
        .as_user("syt.canbo", UserRole::AgencyOfficer, Some("SYT"))
        .await;
    let stc = s
        .as_user("stc.canbo", UserRole::AgencyOfficer, Some("STC"))
        .await;
    let sgd = s
        .as_user("sgd.canbo", UserRole::AgencyOfficer, Some("SGDDT"))
        .await;
    let leader = s.as_user("lanhdao", UserRole::Leader, None).await;
    let inspector = s.as_user("kiemtra", UserRole::Inspector, None).await;

    // The standing officer assigns: SYT leads the health task, STC coordinates it.
    for (agency, role) in [("SYT", Role::Lead), ("STC", Role::Coordinating)] {
        let a = push_as(
            &s,
            &standing,
            plan,
            Mutation::Assign {
                id: health_task,
                agency: agency.into(),
                role,
                deadline: None,
            },
        )
        .await;
        assert!(a.refused.is_empty(), "{:?}", a.refused);
    }
    // An agency not in the registry is refused with its reason.
    let unknown = push_as(
        &s,
        &standing,
        plan,
        Mutation::Assign {
            id: health_task,
            agency: "KHONGCO".into(),
            role: Role::Coordinating,
            deadline: None,
        },
    )
    .await;
    assert!(matches!(
        refusal(&unknown),
        Some(MutationError::UnknownAgency { .. })
    ));

    let own = new_id();
    let own_task = Mutation::CreateNode {
        id: own,
        parent: Some(health_task),
        position: Position::Last,
        title: "Khám sức khoẻ cho học sinh bán trú".into(),
        body: None,
        deadline: None,
        label: String::new(),
        owner: Some("SYT".into()),
    };
    let progress = |id: NodeId, p: u8| Mutation::EditNode {
        id,
        edit: NodeEdit::Progress(p),
    };
    let title = |id: NodeId| Mutation::EditNode {
        id,
        edit: NodeEdit::Title("Sửa tiêu đề".into()),
    };
    let assign = |id: NodeId, agency: &str| Mutation::Assign {
        id,
        agency: agency.into(),
        role: Role::Coordinating,
        deadline: None,
    };
    // (who, what, allowed), in order: later rows may rely on earlier ones.
    let table: Vec<(&str, &reqwest::Client, Mutation, bool)> = vec![
        (
            "SYT adds its own sub-task under its task",
            &syt,
            own_task,
            true,
        ),
        (
            "SYT reports progress on its task",
            &syt,
            progress(health_task, 40),
            true,
        ),
        (
            "SYT reports progress on its sub-task",
            &syt,
            progress(own, 60),
            true,
        ),
        ("SYT renames its own sub-task", &syt, title(own), true),
        (
            "STC (coordinating) reports progress",
            &stc,
            progress(health_task, 45),
            true,
        ),
        ("STC may not rename SYT's sub-task", &stc, title(own), false),
        (
            "STC may not delete SYT's sub-task",
            &stc,
            Mutation::DeleteNode { id: own },
            false,
        ),
        (
            "SGDDT may not report on a task not its own",
            &sgd,
            progress(health_task, 10),
            false,
        ),
        (
            "SGDDT may not add under a task not its own",
            &sgd,
            create_under(health_task, Some("SGDDT")),
            false,
        ),
        (
            "SYT may not add a sub-task in another's name",
            &syt,
            create_under(health_task, Some("STC")),
            false,
        ),
        (
            "SYT may not add under a task not its own",
            &syt,
            create_under(edu_task, Some("SYT")),
            false,
        ),
        (
            "SYT may not rename the plan's task",
            &syt,
            title(health_task),
            false,
        ),
        ("SYT may not assign", &syt, assign(other_task, "SYT"), false),
        (
            "SYT may not move its sub-task out of its task",
            &syt,
            Mutation::MoveNode {
                id: own,
                parent: Some(edu_task),
                position: Position::Last,
            },
            false,
        ),
        (
            "the standing officer renames any task",
            &standing,
            title(other_task),
            true,
        ),
        (
            "the standing officer assigns",
            &standing,
            assign(other_task, "SGDDT"),
            true,
        ),
        (
            "SGDDT now reports on the task it was given",
            &sgd,
            progress(other_task, 20),
            true,
        ),
        (
            "the standing officer moves a task",
            &standing,
            Mutation::MoveNode {
                id: other_task,
                parent: Some(iii),
                position: Position::First,
            },
            true,
        ),
        (
            "SYT deletes its own sub-task",
            &syt,
            Mutation::DeleteNode { id: own },
            true,
        ),
        (
            "the standing officer deletes a task",
            &standing,
            Mutation::DeleteNode { id: edu_task },
            true,
        ),
    ];
    for (what, client, m, allowed) in table {
        let answer = push_as(&s, client, plan, m).await;
        match refusal(&answer) {
            None => assert!(allowed, "{what}: applied but should be refused"),
            Some(MutationError::Forbidden { message }) => {
                assert!(!allowed, "{what}: refused ({message})");
                assert!(!message.is_empty());
            }
            Some(other) => panic!("{what}: refused for another reason: {other:?}"),
        }
    }
    // A leader's and an inspector's pushes are taken (leaders approve summary reports,
    // inspectors record inspections); their edits of the plan are refused by the rules.
    for (who, client) in [("leader", &leader), ("inspector", &inspector)] {
        let req = PushRequest {
            client: new_client(),
            mutations: vec![Pending {
                seq: 1,
                base: shared::sync::ChangeNo::ZERO,
                at: 1,
                mutation: progress(health_task, 50),
            }],
        };
        let r = post_json(client, s.url(&format!("/plans/{plan}/push")), &json!(req))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::OK, "{who}");
        let answer: PushResponse = body(r).await;
        assert!(
            matches!(answer.refused.first().map(|r| &r.error), Some(MutationError::Forbidden { message }) if message.contains("chỉ được xem")),
            "{who}: {answer:?}"
        );
    }
    let after = tree_of(&s, plan).await;
    let health = after
        .nodes
        .iter()
        .find(|n| n.id == health_task)
        .unwrap_or_else(|| panic!("task"));
    assert_eq!(health.progress, 45);
    assert_eq!(health.lead(), Some("SYT"));
    assert!(!after.nodes.iter().any(|n| n.id == own || n.id == edu_task));

    // Accounts and plans: administrators and standing officers only.
    let new_user = json!({ "username": "moi", "name": "Người mới", "password": "mat-khau-moi", "role": "leader" });
    for (who, client, users_ok, plan_ok) in [
        ("admin", &s.client, true, true),
        ("standing", &standing, false, true),
        ("agency", &syt, false, false),
        ("leader", &leader, false, false),
        ("inspector", &inspector, false, false),
    ] {
        let r = client
            .get(s.url("/users"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status() == StatusCode::OK, users_ok, "{who} lists users");
        if !users_ok {
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{who}");
            let r = post_json(client, s.url("/users"), &new_user)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{who} creates a user");
        }
        let r = post_json(
            client,
            s.url("/plans"),
            &json!({ "id": new_id().to_string(), "metadata": { "title": "Kế hoạch mới" } }),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            r.status() == StatusCode::CREATED,
            plan_ok,
            "{who} creates a plan: {}",
            r.status()
        );
    }
    // Everyone reads the plan.
    for client in [&standing, &syt, &leader, &inspector] {
        let r = client
            .get(s.url(&format!("/plans/{plan}")))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::OK);
    }
    s.stop().await;
}

#[tokio::test]
async fn accounts_are_validated_and_an_agency_officer_needs_an_agency() {
    let s = Server::start("mem://").await;
    let cases = [
        (
            json!({ "username": "a", "name": "A", "password": "mat-khau-123", "role": "leader" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Tên đăng nhập gồm 3 đến 32 ký tự",
        ),
        (
            json!({ "username": "ngan", "name": "Ngắn", "password": "123", "role": "leader" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Mật khẩu phải có từ 8 đến 256 ký tự.",
        ),
        (
            json!({ "username": "donvi", "name": "Đơn vị", "password": "mat-khau-123", "role": "agency_officer" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Cán bộ đơn vị phải được gắn với một cơ quan.",
        ),
        (
            json!({ "username": "donvi", "name": "Đơn vị", "password": "mat-khau-123", "role": "agency_officer", "agency": "KHONGCO" }),
            StatusCode::CONFLICT,
            "KHONGCO",
        ),
        (
            json!({ "username": "donvi", "name": "Đơn vị", "password": "mat-khau-123", "role": "vua" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "role",
        ),
        (
            json!({ "username": "donvi", "name": "Đơn vị", "password": "mat-khau-123", "role": "agency_officer", "agency": "SYT" }),
            StatusCode::CREATED,
            "",
        ),
        (
            json!({ "username": "DonVi", "name": "Trùng", "password": "mat-khau-123", "role": "leader" }),
            StatusCode::CONFLICT,
            "Tên đăng nhập này đã có người dùng.",
        ),
    ];
    for (i, (req, status, words)) in cases.into_iter().enumerate() {
        let r = post_json(&s.client, s.url("/users"), &req)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), status, "case {i}");
        if status != StatusCode::CREATED {
            let e: ApiError = body(r).await;
            let said = format!("{} {}", e.message, e.detail.clone().unwrap_or_default());
            assert!(said.contains(words), "case {i}: {said}");
        }
    }
    let users: Vec<User> = body(s.get("/users").await).await;
    assert_eq!(users.len(), 2);
    // Locking an account ends its sessions at once.
    let officer = signed_client(&sign_in(&s.url(""), "donvi", "mat-khau-123").await);
    let ok = officer
        .get(s.url("/plans"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ok.status(), StatusCode::OK);
    let r = s
        .client
        .patch(s.url("/users/donvi"))
        .header("content-type", "application/json")
        .body(r#"{"active": false}"#)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::OK);
    let locked = officer
        .get(s.url("/plans"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(locked.status(), StatusCode::UNAUTHORIZED);
    // An administrator cannot lock themself out.
    let r = s
        .client
        .patch(s.url(&format!("/users/{ADMIN}")))
        .header("content-type", "application/json")
        .body(r#"{"active": false}"#)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::CONFLICT);
    s.stop().await;
}

#[tokio::test]
async fn an_expired_session_applies_nothing_and_signing_in_again_sends_the_same_push_once() {
    let s = Server::start("mem://").await;
    let tree = s.seed_plan().await;
    let plan = tree.plan.id;
    let task = children(&tree, top(&tree, "III").id)[0].id;
    let officer = s
        .as_user("bdt.canbo", UserRole::Standing, Some("BDT"))
        .await;
    let token = sign_in(&s.url(""), "bdt.canbo", "mat-khau-123").await;
    let device = signed_client(&token);
    // The session ends (here: signed out elsewhere) while the device holds an outbox.
    device
        .delete(s.url("/session"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let req = PushRequest {
        client: new_client(),
        mutations: vec![
            Pending {
                seq: 1,
                base: shared::sync::ChangeNo::ZERO,
                at: 1,
                mutation: Mutation::EditNode {
                    id: task,
                    edit: NodeEdit::Title("Đã sửa khi ngoại tuyến".into()),
                },
            },
            Pending {
                seq: 2,
                base: shared::sync::ChangeNo::ZERO,
                at: 2,
                mutation: Mutation::EditNode {
                    id: task,
                    edit: NodeEdit::Progress(30),
                },
            },
        ],
    };
    let r = post_json(&device, s.url(&format!("/plans/{plan}/push")), &json!(req))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let e: ApiError = body(r).await;
    assert_eq!(
        e.message,
        "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại."
    );
    let untouched = tree_of(&s, plan).await;
    assert_eq!(
        untouched
            .nodes
            .iter()
            .find(|n| n.id == task)
            .map(|n| n.progress),
        Some(0)
    );
    // Signed in again, the same outbox goes through once, and its history names the author.
    let again = signed_client(&sign_in(&s.url(""), "bdt.canbo", "mat-khau-123").await);
    for _ in 0..2 {
        let r = post_json(&again, s.url(&format!("/plans/{plan}/push")), &json!(req))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let answer: PushResponse = body(r).await;
        assert_eq!(answer.last_seq, 2);
        assert!(answer.refused.is_empty());
    }
    let history: Vec<HistoryEntry> = body(
        officer
            .get(s.url(&format!("/plans/{plan}/nodes/{task}/history")))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .await;
    assert_eq!(history.len(), 2, "applied once each");
    assert_eq!(history[0].seq, 2, "newest first");
    assert!(history.iter().all(|h| h.username == "bdt.canbo"
        && h.name == "Cán bộ bdt.canbo"
        && h.client == req.client));
    s.stop().await;
}

/// An agency officer's device holds the agency's tasks, what is under them and the path above
/// them, not the whole plan (`shared::sync::scope`): its first pull, the bodies that follow and
/// its later pulls; a task given to the agency later comes with a whole pull of that. Other
/// roles' devices hold every node.
#[tokio::test]
async fn an_agency_officers_device_holds_its_tasks_and_their_path_only() {
    use shared::sync::scope::held;
    use shared::sync::{BodiesResponse, ChangeNo, PullResponse};
    let s = Server::start("mem://").await;
    let tree = s.seed_plan().await;
    let plan = tree.plan.id;
    let iii = top(&tree, "III").id;
    let tasks: Vec<NodeId> = children(&tree, iii).iter().map(|n| n.id).collect();
    let standing = s
        .as_user("bdt.thuongtruc", UserRole::Standing, Some("BDT"))
        .await;
    // An agency the seed gives nothing: one task, with a body.
    let agency = "SNNMT";
    assert!(
        tree.nodes
            .iter()
            .all(|n| n.assignments.iter().all(|a| a.agency.as_str() != agency))
    );
    let give = |id: NodeId| Mutation::Assign {
        id,
        agency: agency.into(),
        role: Role::Coordinating,
        deadline: None,
    };
    for m in [
        give(tasks[2]),
        Mutation::EditNode {
            id: tasks[2],
            edit: NodeEdit::Body(Some("Nội dung của nhiệm vụ".into())),
        },
    ] {
        assert!(push_as(&s, &standing, plan, m).await.refused.is_empty());
    }
    let officer = s
        .as_user("snnmt.canbo", UserRole::AgencyOfficer, Some(agency))
        .await;
    let pull = |client: &reqwest::Client, query: &str, cursor: ChangeNo, holds: Option<u64>| {
        let url = s.url(&format!("/plans/{plan}/pull{query}"));
        let req = json!({ "cursor": cursor, "clients": [], "holds": holds });
        let client = client.clone();
        async move {
            let r = post_json(&client, url, &req)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.status(), StatusCode::OK);
            body::<PullResponse>(r).await
        }
    };
    let ids = |p: &PullResponse| {
        let mut v: Vec<NodeId> = p.nodes.iter().map(|n| n.id).collect();
        v.sort();
        v
    };
    // (The tasks of section III sit at its top level.)
    let path_and_below = |task: NodeId| {
        let mut v = vec![iii, task];
        let mut i = 1;
        while i < v.len() {
            let parent = v[i];
            v.extend(children(&tree, parent).iter().map(|n| n.id));
            i += 1;
        }
        v.sort();
        v
    };

    // A new device of the officer: the task, its path, what is under it; its body next.
    let first = pull(&officer, "?without=bodies", ChangeNo::ZERO, None).await;
    assert!(first.reset && first.scoped && first.bodies_left_out);
    assert_eq!(ids(&first), path_and_below(tasks[2]));
    let bodies: BodiesResponse = body(
        officer
            .get(s.url(&format!("/plans/{plan}/bodies")))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .await;
    assert!(!bodies.bodies.is_empty());
    assert!(bodies.bodies.iter().all(|b| ids(&first).contains(&b.id)));
    // The standing officer's device holds the whole plan.
    let whole = pull(&standing, "", ChangeNo::ZERO, None).await;
    assert!(!whole.scoped);
    assert_eq!(whole.nodes.len(), tree.nodes.len());

    // A change elsewhere does not reach the officer's device; one to its task does, alone.
    let holds = Some(held(ids(&first)));
    for id in [tasks[5], tasks[2]] {
        let m = Mutation::EditNode {
            id,
            edit: NodeEdit::Title("Tên mới".into()),
        };
        assert!(push_as(&s, &standing, plan, m).await.refused.is_empty());
    }
    let then = pull(&officer, "", first.cursor, holds).await;
    assert!(!then.reset);
    let touched: Vec<NodeId> = then
        .nodes
        .iter()
        .map(|n| n.id)
        .chain(then.patches.iter().map(|p| p.id))
        .collect();
    assert_eq!(touched, vec![tasks[2]]);

    // Another task given: the next pull is the whole scope, with it.
    assert!(
        push_as(&s, &standing, plan, give(tasks[7]))
            .await
            .refused
            .is_empty()
    );
    let after = pull(&officer, "", then.cursor, holds).await;
    assert!(after.reset && after.scoped);
    let mut want = path_and_below(tasks[2]);
    want.extend(path_and_below(tasks[7]));
    want.sort();
    want.dedup();
    assert_eq!(ids(&after), want);
    // A device that says nothing of what it holds (an earlier version's, which held the whole
    // plan) is sent the whole scope.
    let legacy = pull(&officer, "", after.cursor, None).await;
    assert!(legacy.reset && ids(&legacy) == want);
}
