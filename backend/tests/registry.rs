//! Administrators' changes to the agency registry over HTTP against a real embedded database:
//! add, rename, merge, retire; refused for everyone else; bad input answered 4xx with a
//! Vietnamese message; a new agency may be assigned at once.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::access::UserRole;
use shared::api::{ApiError, ErrorCode};
use shared::assignment::Role;
use shared::mutation::{Mutation, MutationError};
use shared::registry::{Agency, AgencyGroup};

const CHANGES: &str = "/agencies/changes";

async fn send(s: &Server, client: &reqwest::Client, change: &Value) -> reqwest::Response {
    post_json(client, s.url(CHANGES), change)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A change the administrator makes: the agencies it changed.
async fn change(s: &Server, change: Value) -> Vec<Agency> {
    let r = send(s, &s.client, &change).await;
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    assert_eq!(status, StatusCode::OK, "{change}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// A change refused: its status and error.
async fn refused(s: &Server, client: &reqwest::Client, change: &Value) -> (StatusCode, ApiError) {
    let r = send(s, client, change).await;
    let status = r.status();
    (status, body(r).await)
}

/// A 4xx (never a 5xx) with a Vietnamese message.
fn assert_vietnamese_4xx(what: &str, status: StatusCode, e: &ApiError) {
    assert!(status.is_client_error(), "{what}: {status} {e:?}");
    assert!(
        !e.message.is_empty() && !e.message.is_ascii(),
        "{what}: the message should be Vietnamese: {}",
        e.message
    );
}

async fn registry(s: &Server) -> Vec<Agency> {
    body(s.get("/agencies").await).await
}

fn find<'a>(list: &'a [Agency], code: &str) -> &'a Agency {
    list.iter()
        .find(|a| a.code == code)
        .unwrap_or_else(|| panic!("no agency {code}"))
}

fn date(y: i32, m: u32, d: u32) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::from_ymd_opt(y, m, d)
}

fn add(code: &str, name: &str) -> Value {
    json!({ "action": "add", "agency": { "code": code, "name": name, "group": "department" } })
}

#[tokio::test]
async fn an_administrator_adds_renames_merges_and_retires() {
    let s = Server::start("mem://").await;
    let before = registry(&s).await;

    let added = change(&s, add(" TEST1 ", "  Cơ quan thử nghiệm ")).await;
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].code, "TEST1");
    assert_eq!(added[0].name, "Cơ quan thử nghiệm");
    assert_eq!(added[0].group, AgencyGroup::Department);
    assert_eq!(added[0].valid_to, None);

    let renamed = change(
        &s,
        json!({ "action": "rename", "code": "TEST1", "name": "Cơ quan thử nghiệm tỉnh" }),
    )
    .await;
    assert_eq!(renamed[0].name, "Cơ quan thử nghiệm tỉnh");
    assert_eq!(renamed[0].code, "TEST1");

    let merged = change(
        &s,
        json!({ "action": "merge", "code": "SKHDT", "into": "STC", "on": "2025-03-01" }),
    )
    .await;
    assert_eq!(merged.len(), 1);
    assert_eq!(merged[0].code, "SKHDT");
    assert_eq!(merged[0].valid_to, date(2025, 2, 28));
    assert_eq!(merged[0].successor.as_deref(), Some("STC"));

    // A merge into the agency just added, from a later date.
    let into_new = change(
        &s,
        json!({ "action": "merge", "code": "SCT", "into": "TEST1", "on": "2025-09-01" }),
    )
    .await;
    assert_eq!(into_new[0].valid_to, date(2025, 8, 31));
    assert_eq!(into_new[0].successor.as_deref(), Some("TEST1"));

    let retired = change(
        &s,
        json!({ "action": "retire", "code": "SNGV", "on": "2025-07-01" }),
    )
    .await;
    assert_eq!(retired[0].valid_to, date(2025, 6, 30));
    assert_eq!(retired[0].successor, None);

    // The registry as read back: the changes, and nothing else.
    let after = registry(&s).await;
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(find(&after, "TEST1"), &renamed[0]);
    assert_eq!(find(&after, "SKHDT"), &merged[0]);
    assert_eq!(find(&after, "SCT"), &into_new[0]);
    assert_eq!(find(&after, "SNGV"), &retired[0]);
    assert_eq!(find(&after, "SYT"), find(&before, "SYT"));
    assert_eq!(find(&after, "STC"), find(&before, "STC"));
    s.stop().await;
}

#[tokio::test]
async fn only_administrators_change_the_registry() {
    let s = Server::start("mem://").await;
    let before = registry(&s).await;
    let standing = s
        .as_user("bdt.thuongtruc", UserRole::Standing, Some("BDT"))
        .await;
    let officer = s
        .as_user("syt.canbo", UserRole::AgencyOfficer, Some("SYT"))
        .await;
    let leader = s.as_user("lanhdao", UserRole::Leader, None).await;
    let changes = [
        add("TEST2", "Cơ quan thử"),
        json!({ "action": "rename", "code": "SYT", "name": "Sở Y tế mới" }),
        json!({ "action": "merge", "code": "SYT", "into": "STC", "on": "2025-03-01" }),
        json!({ "action": "retire", "code": "SYT", "on": "2025-03-01" }),
    ];
    for (who, client) in [
        ("standing", &standing),
        ("agency officer", &officer),
        ("leader", &leader),
    ] {
        for c in &changes {
            let (status, e) = refused(&s, client, c).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{who}: {c}");
            assert_eq!(e.code, ErrorCode::Forbidden);
            assert!(e.message.contains("quản trị"), "{}", e.message);
        }
    }
    // Nobody signed in: asked to sign in.
    let (status, e) = refused(&s, &reqwest::Client::new(), &changes[0]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(e.code, ErrorCode::Unauthorized);
    assert_eq!(registry(&s).await, before);
    s.stop().await;
}

#[tokio::test]
async fn bad_changes_are_refused_with_a_vietnamese_message() {
    let s = Server::start("mem://").await;
    let before = registry(&s).await;
    let cases: Vec<(&str, Value, StatusCode, Option<&str>)> = vec![
        (
            "duplicate code",
            add("SYT", "Sở Y tế thứ hai"),
            StatusCode::CONFLICT,
            Some("Đã có cơ quan mã SYT."),
        ),
        (
            "duplicate code in other case",
            add("syt", "Sở Y tế thứ hai"),
            StatusCode::CONFLICT,
            Some("Đã có cơ quan mã SYT."),
        ),
        (
            "code with a space",
            add("SO YT", "Sở"),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        ),
        (
            "empty name",
            add("TEST3", "   "),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Tên cơ quan không được để trống."),
        ),
        (
            "rename an unknown code",
            json!({ "action": "rename", "code": "KHONGCO", "name": "Tên" }),
            StatusCode::CONFLICT,
            Some("Không có cơ quan mã KHONGCO trong danh mục."),
        ),
        (
            "merge an unknown code",
            json!({ "action": "merge", "code": "KHONGCO", "into": "STC", "on": "2025-03-01" }),
            StatusCode::CONFLICT,
            Some("Không có cơ quan mã KHONGCO trong danh mục."),
        ),
        (
            "merge into itself",
            json!({ "action": "merge", "code": "STC", "into": "STC", "on": "2025-03-01" }),
            StatusCode::CONFLICT,
            Some("Không thể sáp nhập một cơ quan vào chính nó."),
        ),
        (
            "merge into an agency no longer in office",
            json!({ "action": "merge", "code": "SYT", "into": "SKHDT", "on": "2025-06-01" }),
            StatusCode::CONFLICT,
            None,
        ),
        (
            "merge that makes a cycle",
            json!({ "action": "merge", "code": "STC", "into": "SKHDT", "on": "2025-01-01" }),
            StatusCode::CONFLICT,
            None,
        ),
        (
            "retire an agency already merged before",
            json!({ "action": "retire", "code": "SKHDT", "on": "2025-06-01" }),
            StatusCode::CONFLICT,
            None,
        ),
        (
            "unknown action",
            json!({ "action": "delete", "code": "SYT" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        ),
        (
            "date as dd/mm/yyyy",
            json!({ "action": "retire", "code": "SYT", "on": "01/03/2025" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        ),
        (
            "date as a number",
            json!({ "action": "retire", "code": "SYT", "on": 20250301 }),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        ),
        (
            "impossible date",
            json!({ "action": "retire", "code": "SYT", "on": "2025-02-30" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        ),
        (
            "name as a number",
            json!({ "action": "rename", "code": "SYT", "name": 5 }),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        ),
        (
            "unknown group",
            json!({ "action": "add", "agency": { "code": "TEST4", "name": "Tên", "group": "bộ" } }),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        ),
        (
            "missing field",
            json!({ "action": "merge", "code": "SYT", "on": "2025-03-01" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        ),
        (
            "not an object",
            json!(["add"]),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        ),
    ];
    for (what, c, want, message) in &cases {
        let (status, e) = refused(&s, &s.client, c).await;
        assert_vietnamese_4xx(what, status, &e);
        assert_eq!(status, *want, "{what}: {e:?}");
        if let Some(m) = message {
            assert_eq!(e.message, *m, "{what}");
        }
    }
    // Not JSON, and not said to be JSON.
    for (what, content_type, payload, want) in [
        (
            "malformed JSON",
            "application/json",
            "{\"action\": \"add\",",
            StatusCode::BAD_REQUEST,
        ),
        (
            "not JSON",
            "text/plain",
            "add SYT",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ] {
        let (status, e) = s.raw_post(CHANGES, content_type, payload).await;
        assert_vietnamese_4xx(what, status, &e);
        assert_eq!(status, want, "{what}");
    }
    assert_eq!(registry(&s).await, before, "nothing refused was written");
    s.stop().await;
}

#[tokio::test]
async fn a_new_agency_may_be_assigned_at_once() {
    let s = Server::start("mem://").await;
    let tree = s.seed_plan().await;
    let plan = tree.plan.id;
    let task = children(&tree, top(&tree, "III").id)[4].id;
    let standing = s
        .as_user("bdt.thuongtruc", UserRole::Standing, Some("BDT"))
        .await;
    let assign = || Mutation::Assign {
        id: task,
        agency: "TEST1".into(),
        role: Role::Coordinating,
        deadline: None,
    };
    // Before it exists: refused (and the plan's state, with the registry's codes, is now in
    // the server's memory).
    let before = push_as(&s, &standing, plan, assign()).await;
    assert!(
        matches!(refusal(&before), Some(MutationError::UnknownAgency { .. })),
        "{:?}",
        before.refused
    );

    change(&s, add("TEST1", "Cơ quan thử nghiệm")).await;
    let after = push_as(&s, &standing, plan, assign()).await;
    assert!(after.refused.is_empty(), "{:?}", after.refused);
    let tree = s.seed_plan().await;
    let node = tree
        .nodes
        .iter()
        .find(|n| n.id == task)
        .unwrap_or_else(|| panic!("no task"));
    assert!(
        node.assignments.iter().any(|a| a.agency == "TEST1"),
        "{:?}",
        node.assignments
    );
    s.stop().await;
}
