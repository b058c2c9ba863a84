//! Two of our servers (in child processes) on one SurrealDB server (this package's `surreal`,
//! on disk): sessions and setup hold across them, pushes through both are all applied once,
//! and what one writes the other serves, its devices told through the database's LIVE query.

mod common;

use common::{client, progress, pull, push};
use shared::sync::{ChangeNo, ClientSeq, Pending, PullResponse};
use std::time::Instant;

/// Not a test: the server that the test below starts in child processes.
#[test]
#[ignore = "a server for the other tests of this file, run in a child process"]
fn child_server() {
    common::serve_as_child();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_database_serve_one_plan_together() {
    // The first administrator is made through A; B starts after, on the same database: the
    // seed is there, no second setup link, and A's session is valid on B.
    let c = common::cluster().await;
    let (a, b, http, plan, nodes, base) = (&c.a, &c.b, &c.http, c.plan, &c.nodes, c.base);
    assert!(b.setup.is_none(), "an administrator exists");
    assert_eq!(
        common::plans(http, &b.api).await.len(),
        1,
        "the seed loaded once"
    );

    // B's devices listen.
    let mut events = http
        .get(format!("{}/plans/{plan}/events", b.api))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let now = events
        .chunk()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_default();
    assert!(String::from_utf8_lossy(&now).contains("event: change"));

    // An edit through A: B's devices are told, and B serves it.
    let pushed = push(http, &a.api, plan, 1, vec![progress(1, base, nodes[1], 40)]).await;
    let change = pushed["change"].as_u64().unwrap_or_default();
    let told = Instant::now();
    common::until_told(&mut events, change, "B's devices").await;
    eprintln!(
        "cross_process_poke_ms: {:.1}",
        told.elapsed().as_secs_f64() * 1000.0
    );
    let on_b = pull(http, &b.api, plan, base, &[1]).await;
    assert_eq!(on_b.cursor, ChangeNo(change));
    assert_eq!(
        on_b.clients,
        vec![ClientSeq {
            client: client(1),
            seq: 1
        }]
    );
    assert!(on_b.patches.iter().any(|p| p.id == nodes[1]));

    // A device pulls a change through B that A never sent it, then edits the same field
    // through A: it saw that change, so no conflict (what a server sent a device is not known
    // to the other).
    let stale = pull(http, &a.api, plan, base, &[2]).await;
    let other = push(
        http,
        &b.api,
        plan,
        3,
        vec![progress(1, stale.cursor, nodes[1], 45)],
    )
    .await;
    let seen = pull(http, &b.api, plan, stale.cursor, &[2]).await;
    assert_eq!(seen.cursor.0, other["change"].as_u64().unwrap_or_default());
    push(
        http,
        &a.api,
        plan,
        2,
        vec![progress(1, seen.cursor, nodes[1], 50)],
    )
    .await;
    let after = pull(http, &a.api, plan, seen.cursor, &[]).await;
    assert!(
        after.conflicts.is_empty(),
        "no conflict for an edit made after seeing the other: {:?}",
        after.conflicts
    );

    // Devices pushing through both at once, from the same stale base: every edit applied
    // once (the database's change-number check serialises the two servers' writes).
    let devices = 6u64;
    let mut pushes = Vec::new();
    for d in 0..devices {
        let (http, api) = (
            http.clone(),
            if d % 2 == 0 { &a.api } else { &b.api }.clone(),
        );
        let mutations: Vec<Pending> = (1..=5)
            .map(|seq| {
                progress(
                    seq,
                    base,
                    nodes[2 + (d as usize * 5 + seq as usize) % (nodes.len() - 2)],
                    (d * 10 + seq) as u8,
                )
            })
            .collect();
        pushes.push(tokio::spawn(async move {
            push(&http, &api, plan, 10 + d, mutations).await["last_seq"].as_u64()
        }));
    }
    for p in pushes {
        assert_eq!(p.await.unwrap_or_else(|e| panic!("{e}")), Some(5));
    }
    // Sent again through the other server (a lost answer): nothing applied twice.
    let again = push(
        http,
        &b.api,
        plan,
        10,
        (1..=5)
            .map(|seq| progress(seq, base, nodes[2], 99))
            .collect(),
    )
    .await;
    assert_eq!(again["last_seq"].as_u64(), Some(5));
    let all: Vec<u64> = (0..devices).map(|d| 10 + d).collect();
    let via_a = pull(http, &a.api, plan, base, &all).await;
    let via_b = pull(http, &b.api, plan, base, &all).await;
    // The same answer from both (in whatever order each keeps its maps).
    let sorted = |mut p: PullResponse| {
        p.patches.sort_by_key(|x| x.id);
        p.conflicts.sort_by_key(|c| c.id);
        p
    };
    let (via_a, via_b) = (sorted(via_a), sorted(via_b));
    assert_eq!(via_a, via_b, "both servers serve the same plan");
    assert!(
        via_a.clients.iter().all(|c| c.seq == 5),
        "{:?}",
        via_a.clients
    );
    assert!(via_a.refusals.is_empty());
    // Every edit is in the plan, as a value or as the loser of a recorded conflict.
    let whole = pull(http, &a.api, plan, ChangeNo::ZERO, &[]).await;
    assert_eq!(whole.cursor, via_a.cursor);
    assert!(
        whole.nodes.iter().all(|n| n.progress != 99),
        "the repeated push changed nothing"
    );

    // The administrator adds an agency through A; B is told through the database, so a task
    // may be given to the new agency through B (until then, B refuses an agency it does not
    // know).
    let added = shared::registry::AgencyChange::Add {
        agency: shared::registry::Agency {
            code: "SMOI".into(),
            name: "Sở mới thành lập".into(),
            group: shared::registry::AgencyGroup::Department,
            role_note: None,
            successor: None,
            successor_note: None,
            valid_from: None,
            valid_to: None,
        },
    };
    let _: serde_json::Value = common::post(
        http,
        format!("{}/agencies/changes", a.api),
        serde_json::json!(added),
    )
    .await;
    let give = |cursor| Pending {
        seq: 1,
        base: cursor,
        at: 1,
        mutation: shared::mutation::Mutation::Assign {
            id: nodes[3],
            agency: "SMOI".into(),
            role: shared::assignment::Role::Lead,
            deadline: None,
        },
    };
    let added_at = Instant::now();
    let mut device = 100;
    loop {
        let answer = push(http, &b.api, plan, device, vec![give(whole.cursor)]).await;
        // (An answer lists what it refused only when it refused something.)
        if answer
            .get("refused")
            .and_then(serde_json::Value::as_array)
            .is_none_or(Vec::is_empty)
        {
            break;
        }
        assert!(
            added_at.elapsed() < std::time::Duration::from_secs(5),
            "B never took the agency added through A: {answer}"
        );
        device += 1;
        tokio::task::yield_now().await;
    }
    eprintln!(
        "registry_change_seen_by_other_server_ms: {:.0}",
        added_at.elapsed().as_secs_f64() * 1000.0
    );
}
