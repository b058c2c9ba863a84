//! A bounded fuzz run of the push body (the route every device writes through): random bytes,
//! valid pushes with one value replaced by anything JSON can hold or a key dropped or added,
//! gzip of either and broken gzip. The server must answer each with a typed 4xx or a 200,
//! never a 5xx, keep answering, and keep the other plans untouched. 256 cases, a few seconds;
//! `FUZZ_PUSH_CASES` runs more.

mod common;

use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::mutation::{Mutation, NodeEdit, Position};
use shared::plan::PlanTree;
use shared::sync::{Pending, PushRequest};

/// Any JSON value, a few levels deep, with the numbers and strings that break parsers.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,40}".prop_map(Value::String),
        Just(json!("00000000-0000-0000-0000-000000000000")),
        Just(json!("x".repeat(70_000))),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A valid push of a few kinds of mutation against `node`, as JSON.
fn valid_push(node: shared::ids::NodeId) -> Value {
    let req = PushRequest {
        client: new_client(),
        mutations: vec![
            Pending {
                seq: 1,
                base: shared::sync::ChangeNo(1),
                at: 1_800_000_000_000,
                mutation: Mutation::EditNode {
                    id: node,
                    edit: NodeEdit::Title("Tên mới".into()),
                },
            },
            Pending {
                seq: 2,
                base: shared::sync::ChangeNo(1),
                at: 1_800_000_000_000,
                mutation: Mutation::CreateNode {
                    id: new_id(),
                    parent: Some(node),
                    position: Position::Last,
                    title: "Việc con".into(),
                    body: None,
                    deadline: chrono::NaiveDate::from_ymd_opt(2026, 12, 31),
                    label: String::new(),
                    owner: None,
                },
            },
        ],
    };
    json!(req)
}

/// Every place in `v` (as a path of keys and indexes).
fn paths(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                at.push(k.clone());
                paths(x, at, out);
                at.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                at.push(i.to_string());
                paths(x, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn place<'a>(v: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, k| match v {
        Value::Object(m) => m.get_mut(k),
        Value::Array(a) => k.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
        _ => None,
    })
}

/// How one case changes a valid push.
#[derive(Debug, Clone)]
enum Damage {
    Replace(usize, Value),
    Drop(usize),
    Add(usize, String, Value),
}

fn damaged(mut v: Value, damage: &Damage) -> Value {
    let mut all = Vec::new();
    paths(&v, &mut Vec::new(), &mut all);
    let pick = |i: usize| all[i % all.len()].clone();
    match damage {
        Damage::Replace(i, x) => {
            if let Some(p) = place(&mut v, &pick(*i)) {
                *p = x.clone();
            }
        }
        Damage::Drop(i) => {
            let path = pick(*i);
            if let Some((last, parent)) = path.split_last()
                && let Some(Value::Object(m)) = place(&mut v, parent)
            {
                m.remove(last);
            }
        }
        Damage::Add(i, k, x) => {
            if let Some(Value::Object(m)) = place(&mut v, &pick(*i)) {
                m.insert(k.clone(), x.clone());
            }
        }
    }
    v
}

/// A body to send, and whether to send it as gzip.
#[derive(Debug, Clone)]
enum Body {
    Bytes(Vec<u8>),
    Damaged(Damage),
    Gzip(Box<Body>),
    BrokenGzip(Vec<u8>),
}

fn any_body() -> impl Strategy<Value = Body> {
    let damage = prop_oneof![
        (any::<usize>(), any_json()).prop_map(|(i, x)| Damage::Replace(i, x)),
        any::<usize>().prop_map(Damage::Drop),
        (any::<usize>(), ".{0,12}", any_json()).prop_map(|(i, k, x)| Damage::Add(i, k, x)),
    ];
    let plain = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512).prop_map(Body::Bytes),
        damage.prop_map(Body::Damaged),
    ];
    prop_oneof![
        4 => plain.clone(),
        1 => plain.prop_map(|b| Body::Gzip(Box::new(b))),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(Body::BrokenGzip),
    ]
}

fn bytes_of(body: &Body, node: shared::ids::NodeId) -> (Vec<u8>, bool) {
    match body {
        Body::Bytes(b) => (b.clone(), false),
        Body::Damaged(d) => (damaged(valid_push(node), d).to_string().into_bytes(), false),
        Body::Gzip(inner) => (gzip(&bytes_of(inner, node).0), true),
        Body::BrokenGzip(b) => {
            let mut g = vec![0x1f, 0x8b, 8, 0];
            g.extend_from_slice(b);
            (g, true)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzzed_push_bodies_get_a_typed_answer_never_a_server_error() {
    let s = Server::start("mem://").await;
    let tree = s.seed_plan().await;
    let node = top(&tree, "I").id;
    // A second plan with a task, which no push to the first may change.
    let other_id = shared::ids::PlanId(new_id().0);
    let r = post_json(
        &s.client,
        s.url("/plans"),
        &json!({ "id": other_id.to_string(), "metadata": { "title": "Kế hoạch khác" } }),
    )
    .send()
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::CREATED);
    let created = push_as(
        &s,
        &s.client,
        other_id,
        Mutation::CreateNode {
            id: new_id(),
            parent: None,
            position: Position::Last,
            title: "Nhiệm vụ của kế hoạch khác".into(),
            body: None,
            deadline: None,
            label: "I".into(),
            owner: None,
        },
    )
    .await;
    assert!(created.refused.is_empty(), "{:?}", created.refused);
    let other: PlanTree = body(s.get(&format!("/plans/{other_id}")).await).await;
    let cases = std::env::var("FUZZ_PUSH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let handle = tokio::runtime::Handle::current();
    let url = s.url(&format!("/plans/{}/push", tree.plan.id));
    let result = tokio::task::block_in_place(|| {
        runner.run(&any_body(), |case| {
            let (bytes, gz) = bytes_of(&case, node);
            let mut req = s
                .client
                .post(&url)
                .header("content-type", "application/json");
            if gz {
                req = req.header("content-encoding", "gzip");
            }
            let status = handle
                .block_on(req.body(bytes).send())
                .map_err(|e| TestCaseError::fail(e.to_string()))?
                .status();
            prop_assert!(!status.is_server_error(), "{status} for {case:?}");
            prop_assert!(
                [
                    StatusCode::OK,
                    StatusCode::BAD_REQUEST,
                    StatusCode::FORBIDDEN,
                    StatusCode::CONFLICT,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    StatusCode::UNPROCESSABLE_ENTITY,
                ]
                .contains(&status),
                "{status} for {case:?}"
            );
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    assert_eq!(s.get("/health").await.status(), StatusCode::OK);
    let after: PlanTree = body(s.get(&format!("/plans/{}", other.plan.id)).await).await;
    assert_eq!(after, other);
}
