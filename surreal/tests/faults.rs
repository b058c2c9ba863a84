//! Faults of a deployment on a SurrealDB server, with our servers in child processes: one
//! killed (SIGKILL) in the middle of a push, the push sent again through the other, every
//! mutation applied once; the SurrealDB server restarted while devices sync: the servers say
//! so at once (503, in words) while it is down, reconnect by themselves, and nothing is lost.

mod common;

use common::{ChildServer, client, json_of, post, progress, pull, send};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::sync::{ChangeNo, PushRequest};
use std::time::{Duration, Instant};

/// Not a test: the server that the tests below start in child processes.
#[test]
#[ignore = "a server for the other tests of this file, run in a child process"]
fn child_server() {
    common::serve_as_child();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_cut_off_by_a_killed_server_is_applied_once_when_sent_again_through_the_other() {
    let mut c = common::cluster().await;
    let photos = c.dir.path().join("photos");
    // The longest push a device sends (1,000 edits, written in ~100 ms), cut off at moments
    // spread over its life: before the server has read it, while it is being checked and
    // written, after it was written but before the answer.
    let edits = shared::limits::PUSH_MAX_MUTATIONS as u64;
    let (mut cut_before, mut cut_after) = (0, 0);
    for (round, delay_ms) in [0u64, 10, 20, 25, 30, 35, 40, 50].into_iter().enumerate() {
        let device = 100 + round as u64;
        let node = c.nodes[1 + round % (c.nodes.len() - 1)];
        let push = json!(PushRequest {
            client: client(device),
            mutations: (1..=edits)
                .map(|seq| progress(seq, c.base, node, (seq % 101) as u8))
                .collect()
        });
        let (http, url, body) = (c.http.clone(), c.url(&c.a.api, "push"), push.clone());
        let sent = tokio::spawn(async move {
            http.post(url)
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .map(|r| r.status())
        });
        // The moment of the kill is the point of the test, not a wait for a condition.
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        c.a.kill();
        let answered = sent.await.unwrap_or_else(|e| panic!("{e}"));
        // A transaction: all of the push or none of it, whatever the moment.
        let held = c.seq_of(&c.b.api, device).await;
        assert!(
            held == 0 || held == edits,
            "round {round}: a part of a push was kept ({held} of {edits})"
        );
        if held == 0 {
            cut_before += 1;
        } else {
            cut_after += 1;
        }
        let answer = match &answered {
            Ok(status) => status.to_string(),
            Err(_) => "none (connection cut)".to_owned(),
        };
        eprintln!("round {round}: killed after {delay_ms} ms, answer {answer}, kept {held}");
        // The device, unanswered, sends it again through the other server.
        let again: Value = post(&c.http, c.url(&c.b.api, "push"), push).await;
        assert_eq!(again["last_seq"].as_u64(), Some(edits));
        assert_eq!(
            c.history_seqs(&c.b.api, node, device).await,
            (1..=edits).collect::<Vec<_>>(),
            "round {round}: every edit applied exactly once"
        );
        c.a = ChildServer::start(&c.db.url, &photos);
    }
    eprintln!("pushes cut off before they were kept: {cut_before}, after: {cut_after}");
    // The plan as both servers serve it: the last value of each round's node.
    let whole = pull(&c.http, &c.a.api, c.plan, ChangeNo::ZERO, &[]).await;
    let last = (edits % 101) as u8;
    for round in 0..8 {
        let node = c.nodes[1 + round % (c.nodes.len() - 1)];
        let n = whole
            .nodes
            .iter()
            .find(|n| n.id == node)
            .unwrap_or_else(|| panic!("node"));
        assert_eq!(n.progress, last);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_syncing_through_a_database_restart_lose_nothing() {
    let mut c = common::cluster().await;
    let devices = 4u64;
    let edits = 30u64;
    // Each device edits its own node, one edit per push, through A and B in turn; a push
    // answered 503 is sent again, as the app does.
    let (pushed_tx, mut pushed) = tokio::sync::watch::channel(0u64);
    let pushed_tx = std::sync::Arc::new(pushed_tx);
    let mut running = Vec::new();
    for d in 0..devices {
        let (http, base, node) = (c.http.clone(), c.base, c.nodes[1 + d as usize]);
        let urls = [c.url(&c.a.api, "push"), c.url(&c.b.api, "push")];
        let pushed_tx = pushed_tx.clone();
        running.push(tokio::spawn(async move {
            let mut refused = Vec::new();
            for seq in 1..=edits {
                let body = json!(PushRequest {
                    client: client(200 + d),
                    mutations: vec![progress(seq, base, node, seq as u8)]
                });
                let mut turn = seq as usize;
                loop {
                    let (status, answer) = send(&http, urls[turn % 2].clone(), &body).await;
                    if status == StatusCode::OK {
                        assert_eq!(answer["last_seq"].as_u64(), Some(seq));
                        break;
                    }
                    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
                    refused.push(answer["message"].as_str().unwrap_or_default().to_owned());
                    turn += 1;
                    // The device's own pause before it tries again (the app waits for the
                    // server's Retry-After).
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                pushed_tx.send_modify(|n| *n += 1);
            }
            refused
        }));
    }
    // A few edits in, the database goes away.
    pushed
        .wait_for(|n| *n >= devices * 3)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    c.db.kill();
    let down = Instant::now();
    // Both servers notice, and say so at once instead of making devices wait.
    for api in [&c.a.api, &c.b.api] {
        let health = format!("{api}/health");
        loop {
            let r = reqwest::get(&health)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            if r.status() == StatusCode::SERVICE_UNAVAILABLE {
                let said: Value = json_of(r).await;
                assert_eq!(said["status"], "database_unavailable");
                break;
            }
            assert!(
                down.elapsed() < Duration::from_secs(10),
                "{api} did not notice the database was gone"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    eprintln!("database_down_noticed_ms: {}", down.elapsed().as_millis());
    let asked = Instant::now();
    let (status, answer) = send(
        &c.http,
        c.url(&c.a.api, "pull"),
        &json!({ "cursor": 0, "clients": [] }),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(asked.elapsed() < Duration::from_secs(1), "answered at once");
    assert!(
        answer["message"]
            .as_str()
            .unwrap_or_default()
            .contains("kết nối lại với cơ sở dữ liệu"),
        "{answer}"
    );
    assert_eq!(answer["retry_after_secs"].as_u64(), Some(2));
    // Back: both servers reconnect by themselves.
    c.db.restart().await;
    let back = Instant::now();
    for api in [&c.a.api, &c.b.api] {
        common::until_ok(&format!("{api}/health"), Duration::from_secs(30)).await;
    }
    eprintln!("database_back_served_ms: {}", back.elapsed().as_millis());
    let mut said = Vec::new();
    for r in running {
        said.extend(r.await.unwrap_or_else(|e| panic!("{e}")));
    }
    // Every refusal was a 503 in words (the loop above checks), most of them saying why.
    assert!(
        said.iter()
            .any(|m| m.contains("kết nối lại với cơ sở dữ liệu")),
        "{said:?}"
    );
    eprintln!("pushes answered 503 meanwhile: {}", said.len());
    // Nothing lost, nothing applied twice.
    for d in 0..devices {
        let node = c.nodes[1 + d as usize];
        assert_eq!(c.seq_of(&c.a.api, 200 + d).await, edits);
        assert_eq!(
            c.history_seqs(&c.b.api, node, 200 + d).await,
            (1..=edits).collect::<Vec<_>>()
        );
    }
    // And what one server writes, the other's devices hear again (the LIVE query listens
    // anew after the restart; what was written before it did is caught up).
    let mut events = c
        .http
        .get(c.url(&c.b.api, "events"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let _now = events.chunk().await.unwrap_or_else(|e| panic!("{e}"));
    let pushed: Value = post(
        &c.http,
        c.url(&c.a.api, "push"),
        json!(PushRequest {
            client: client(300),
            mutations: vec![progress(1, c.base, c.nodes[1], 77)]
        }),
    )
    .await;
    let change = pushed["change"].as_u64().unwrap_or_default();
    common::until_told(&mut events, change, "B's devices, after the restart,").await;
}
