//! Pushes accepted durably first, written out after: a batch of pushes is committed as one
//! journal entry, with the nodes it creates (which take their ids) and deletes (whose ids stay
//! taken), and the plan's new change number; the devices are answered, and the entry is written
//! out record by record (nodes' fields, conflicts, history, sequence numbers, …) soon after, in
//! a transaction of its own that deletes it.
//!
//! Until then every reader sees it: `sync_state` applies the plan's entries on top of its other
//! records (in the same snapshot), and every other reader of those records writes the plan's
//! entries out first ([`Store::settle`]). Entries are written out in their order, all of a plan's
//! pending ones together; two processes writing out the same entries conflict on deleting them,
//! and one of them gives way.

use serde_json::Value;
use shared::ids::PlanId;
use shared::sync::ChangeNo;

use super::sync::{Batch, WriteError, read_pending};
use super::*;

/// Most entries written out in one transaction (a backlog is written out in several).
const MATERIALISE_MAX_ENTRIES: usize = 64;

/// Most bytes of entries (as the journal keeps them) written out in one transaction, beyond
/// the first: a backlog of big pushes is written out a few at a time, so that one transaction
/// never holds tens of thousands of records (memory).
const MATERIALISE_MAX_BYTES: usize = 2 << 20;

/// A journal entry's key: the plan, its change zero-padded, and a time-ordered uuid (two
/// entries may carry one change number: pushes that changed no record), so that keys sort in
/// the order entries were accepted.
fn entry_key(plan: PlanId, change: ChangeNo) -> String {
    format!("{plan}_{:020}_{}", change.0, uuid::Uuid::now_v7())
}

/// What a write transaction came to: [`WriteError::Stale`] when it conflicted with another or
/// threw `stale` (the rule that says so), [`WriteError::IdTaken`] when it threw `id_taken`.
fn outcome(
    result: std::result::Result<surrealdb::IndexedResults, surrealdb::Error>,
    stale: &str,
) -> Result<(), WriteError> {
    let result = match result {
        Ok(result) => result,
        Err(e) if conflicted(&e) => return Err(WriteError::Stale),
        Err(e) => return Err(StoreError::from(e).into()),
    };
    match transaction_error(result) {
        None => Ok(()),
        Some(e) if thrown(&e, stale) || conflicted(&e) => Err(WriteError::Stale),
        Some(e) if thrown(&e, "id_taken") => Err(WriteError::IdTaken),
        Some(e) => Err(StoreError::from(e).into()),
    }
}

impl Store {
    /// Accepts what one or more pushes decided, in one transaction, provided the plan is still
    /// at change `batch.expected` (else [`WriteError::Stale`] and nothing is written): the
    /// nodes they create (whose ids are then taken), the plan's document details, its change
    /// number, and the whole batch as a journal entry, written out later
    /// ([`Store::materialise`]).
    pub async fn accept_batch(&self, plan: PlanId, batch: &Batch) -> Result<(), WriteError> {
        let rows = Store::batch_rows(plan, batch)?;
        let deltas = batch.journal()?;
        let result = self
            .db
            .query(
                "BEGIN TRANSACTION;
                 IF (SELECT VALUE change FROM type::record('plan', $plan))[0] != $expected { THROW 'stale' };
                 -- A new node never lands on a record of another plan (the service refuses such
                 -- ids; this holds even if another process took one meanwhile).
                 IF array::len($insert_keys) > 0 AND array::len(array::concat(
                     (SELECT VALUE id FROM array::map($insert_keys, |$k| type::record('node', $k))
                         WHERE plan_id IS NOT NONE AND plan_id != $plan),
                     (SELECT VALUE id FROM array::map($insert_keys, |$k| type::record('tombstone', $k))
                         WHERE plan_id IS NOT NONE AND plan_id != $plan)
                 )) > 0 { THROW 'id_taken' };
                 IF array::len($inserts) > 0 {
                     INSERT INTO node $inserts ON DUPLICATE KEY UPDATE
                         parent = $input.parent, rank = $input.rank, label = $input.label,
                         title = $input.title, body = $input.body, deadline = $input.deadline,
                         references = $input.references, progress = $input.progress,
                         completed_on = $input.completed_on, assignments = $input.assignments,
                         owner = $input.owner, change = $input.change, stamps = $input.stamps;
                 };
                 -- Deleted nodes' ids stay taken (a tombstone), from now on.
                 FOR $d IN $deleted {
                     DELETE type::record('node', $d.key);
                     UPSERT type::record('tombstone', $d.key) CONTENT { plan_id: $plan, change: $d.change };
                 };
                 -- The plan's document details as changed: lists and trees show them.
                 IF $document != NONE AND $document != NULL {
                     UPDATE type::record('plan', $plan) MERGE { metadata: $document };
                 };
                 CREATE type::record('journal', $key) CONTENT {
                     plan_id: $plan, change: $change, expected: $expected, deltas: $deltas,
                     size: string::len($deltas),
                 };
                 IF $change != $expected {
                     UPDATE type::record('plan', $plan) SET change = $change, version = <string> rand::uuid::v7();
                 };
                 COMMIT TRANSACTION;",
            )
            .bind(("plan", plan.to_string()))
            .bind(("key", entry_key(plan, batch.change)))
            .bind(("expected", batch.expected.0))
            .bind(("change", batch.change.0))
            .bind(("insert_keys", rows.insert_keys))
            .bind(("inserts", Value::Array(rows.inserts)))
            .bind(("deleted", Value::Array(rows.deleted)))
            .bind(("document", rows.document.unwrap_or(Value::Null)))
            .bind(("deltas", deltas))
            .await;
        // Another server wrote the plan at the same moment: read it again and retry.
        let outcome = outcome(result, "stale");
        match &outcome {
            Ok(()) => self.plan_rewritten(plan, |h| h.change = batch.change),
            // Written or not, as far as this process knows: read again.
            Err(_) => self.plan_written(plan),
        }
        outcome
    }

    /// Writes out the plan's oldest journal entries (up to [`MATERIALISE_MAX_ENTRIES`]) record
    /// by record and deletes them, in one transaction: the number written out, 0 when none was
    /// pending; [`WriteError::Stale`] when another process wrote them out meanwhile.
    pub async fn materialise(&self, plan: PlanId) -> Result<usize, WriteError> {
        self.materialise_at_most(plan, MATERIALISE_MAX_ENTRIES)
            .await
    }

    async fn materialise_at_most(&self, plan: PlanId, max: usize) -> Result<usize, WriteError> {
        // The oldest entries' sizes first, then as many of them as the bound takes.
        let db = self.writer().await;
        let mut r = db
            .query(
                "SELECT record::id(id) AS key, id, size FROM journal
                 WHERE plan_id = $plan ORDER BY id LIMIT $max",
            )
            .bind(("plan", plan.to_string()))
            .bind(("max", max))
            .await
            .map_err(StoreError::from)?
            .check()
            .map_err(StoreError::from)?;
        let sizes: Vec<Value> = r.take(0).map_err(StoreError::from)?;
        let mut keys = Vec::new();
        let mut bytes = 0;
        for row in &sizes {
            let size = usize::try_from(u64_of(row.get("size"))).unwrap_or(usize::MAX);
            if !keys.is_empty() && bytes + size > MATERIALISE_MAX_BYTES {
                break;
            }
            bytes = bytes.saturating_add(size);
            if let Some(key) = row.get("key").and_then(Value::as_str) {
                keys.push(key.to_owned());
            }
        }
        let mut r = db
            .query(
                "SELECT record::id(id) AS key, id, expected, deltas
                 FROM array::map($keys, |$k| type::record('journal', $k))
                 WHERE plan_id IS NOT NONE ORDER BY id",
            )
            .bind(("keys", keys))
            .await
            .map_err(StoreError::from)?
            .check()
            .map_err(StoreError::from)?;
        let rows: Vec<Value> = r.take(0).map_err(StoreError::from)?;
        let Some(pending) = read_pending(rows)? else {
            return Ok(0);
        };
        let rows = Store::batch_rows(plan, &pending.batch)?;
        let count = pending.keys.len();
        let result = db
            .query(
                "BEGIN TRANSACTION;
                 -- Written out meanwhile by another process: nothing to do.
                 IF array::len(SELECT VALUE id FROM array::map($keys, |$k| type::record('journal', $k))
                     WHERE plan_id IS NOT NONE) != array::len($keys) { THROW 'gone' };
                 -- New nodes were inserted and deleted ones deleted when accepted: an UPDATE
                 -- never brings back a node deleted since (by a later entry).
                 FOR $m IN $rewrites { UPDATE type::record('node', $m.key) MERGE $m.set; };
                 FOR $m IN $merges { UPDATE type::record('node', $m.key) MERGE $m.set; };
                 FOR $c IN $conflicts { UPSERT type::record('conflict', $c.key) CONTENT $c.content; };
                 FOR $r IN $refusals { UPSERT type::record('refusal', $r.key) CONTENT $r.content; };
                 FOR $r IN $records { UPSERT type::record('report_record', $r.key) CONTENT $r.content; };
                 FOR $c IN $record_conflicts {
                     UPSERT type::record('report_conflict', $c.key) CONTENT $c.content;
                 };
                 IF array::len($history) > 0 { INSERT IGNORE INTO history $history; };
                 FOR $c IN $clients {
                     UPSERT type::record('sync_client', $c.key)
                         CONTENT { plan_id: $plan, client: $c.client, last_seq: $c.last_seq };
                 };
                 FOR $k IN $keys { DELETE type::record('journal', $k); };
                 COMMIT TRANSACTION;",
            )
            .bind(("plan", plan.to_string()))
            .bind(("keys", pending.keys))
            .bind(("rewrites", Value::Array(rows.rewrites)))
            .bind(("merges", Value::Array(rows.merges)))
            .bind(("conflicts", Value::Array(rows.conflicts)))
            .bind(("refusals", Value::Array(rows.refusals)))
            .bind(("clients", Value::Array(rows.clients)))
            .bind(("history", Value::Array(rows.history)))
            .bind(("records", Value::Array(rows.records)))
            .bind(("record_conflicts", Value::Array(rows.record_conflicts)))
            .await;
        outcome(result, "gone").map(|()| count)
    }

    /// Writes out every journal entry of the plan accepted until now (not those accepted
    /// meanwhile, which a busy plan may never run out of): what a reader of its records (other
    /// than `sync_state`, which applies them itself) calls first.
    pub async fn settle(&self, plan: PlanId) -> Result<()> {
        let Some(last) = self.pending_end(plan, "DESC").await? else {
            return Ok(());
        };
        let mut conflicts = 0u64;
        loop {
            match self.pending_end(plan, "ASC").await? {
                Some(oldest) if oldest <= last => {}
                _ => return Ok(()),
            }
            match self.materialise(plan).await {
                Ok(_) => conflicts = 0,
                // Another process (or this one's writer in the background) is writing them out.
                Err(WriteError::Stale) if conflicts < 50 => {
                    conflicts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(conflicts.min(20))).await;
                }
                Err(WriteError::Stale | WriteError::IdTaken) => return Err(StoreError::Journal),
                Err(WriteError::Store(e)) => return Err(e),
            }
        }
    }

    /// The key of the plan's oldest (`ASC`) or newest (`DESC`) pending entry.
    async fn pending_end(&self, plan: PlanId, order: &str) -> Result<Option<String>> {
        let mut r = self
            .db
            .query(format!(
                "SELECT record::id(id) AS key, id FROM journal WHERE plan_id = $plan ORDER BY id {order} LIMIT 1"
            ))
            .bind(("plan", plan.to_string()))
            .await?
            .check()?;
        let rows: Vec<Value> = r.take(0)?;
        Ok(rows
            .first()
            .and_then(|r| r.get("key"))
            .and_then(Value::as_str)
            .map(str::to_owned))
    }

    /// [`Store::settle`] for every plan with a pending entry (before reading all plans, and
    /// at start: entries left by a process stopped before writing them out).
    pub async fn settle_all(&self) -> Result<()> {
        let mut r = self
            .db
            .query("RETURN array::distinct(SELECT VALUE plan_id FROM journal)")
            .await?
            .check()?;
        let plans: Vec<String> = r.take(0)?;
        for plan in plans {
            match plan.parse::<PlanId>() {
                Ok(id) => self.settle(id).await?,
                Err(_) => tracing::warn!(plan, "a journal entry of an unreadable plan id"),
            }
        }
        Ok(())
    }

    /// True when the plan has journal entries not yet written out.
    pub async fn has_pending(&self, plan: PlanId) -> Result<bool> {
        let mut r = self
            .db
            .query("SELECT VALUE id FROM journal WHERE plan_id = $plan LIMIT 1")
            .bind(("plan", plan.to_string()))
            .await?
            .check()?;
        let rows: Vec<Value> = r.take(0)?;
        Ok(!rows.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::access::Author;
    use shared::ids::{ClientId, ConflictId, NodeId};
    use shared::mutation::{Mutation, NodeEdit, Position};
    use shared::plan::Plan;
    use shared::sync::{Pending, PlanSync, PushRequest};

    fn ok<T, E: std::fmt::Display>(r: std::result::Result<T, E>) -> T {
        r.unwrap_or_else(|e| panic!("{e}"))
    }

    async fn new_plan(store: &Store, n: u8) -> (PlanId, PlanSync) {
        let plan = Plan {
            id: PlanId::from_parts(7, [n; 10]),
            metadata: Default::default(),
            preamble: None,
            references: vec![],
            visibility: Default::default(),
        };
        assert!(ok(store.create_plan(&plan, &[], None).await));
        let sync = ok(store.sync_state(plan.id).await).unwrap_or_else(|| panic!("no plan"));
        (plan.id, sync)
    }

    /// Applies one mutation as a push of `client` and accepts it (not written out).
    async fn accept(store: &Store, plan: PlanId, sync: &mut PlanSync, seq: u64, m: Mutation) {
        let client = ClientId::from_parts(7, [3; 10]);
        let req = PushRequest {
            client,
            mutations: vec![Pending {
                seq,
                base: sync.authority.change(),
                at: seq as i64,
                mutation: m,
            }],
        };
        let before = sync.authority.change();
        let (response, delta) = sync.push(&req, &Author::system(), || {
            ConflictId::from_parts(7, [seq as u8; 10])
        });
        assert!(response.refused.is_empty(), "{:?}", response.refused);
        let mut batch = Batch::new(before);
        batch.add(client, &delta);
        ok(store.accept_batch(plan, &batch).await);
    }

    fn create(id: NodeId, title: &str) -> Mutation {
        Mutation::CreateNode {
            id,
            parent: None,
            position: Position::Last,
            title: title.into(),
            body: None,
            deadline: None,
            label: String::new(),
            owner: None,
        }
    }

    async fn stored_node(store: &Store, id: NodeId) -> Option<String> {
        let mut r = ok(store
            .db
            .query("SELECT VALUE title FROM type::record('node', $id)")
            .bind(("id", id.to_string()))
            .await);
        let v: Vec<String> = ok(r.take(0));
        v.into_iter().next()
    }

    /// Entries written out one at a time (as a backlog longer than one transaction takes is):
    /// a node deleted by a later entry is never brought back by an earlier one, and the ids it
    /// had stay taken from the moment the deletion is accepted.
    #[tokio::test]
    async fn an_earlier_entry_never_brings_back_a_node_a_later_one_deleted() {
        let store = ok(Store::connect("mem://", None).await);
        let (plan, mut sync) = new_plan(&store, 1).await;
        let (x, y) = (
            NodeId::from_parts(7, [8; 10]),
            NodeId::from_parts(7, [9; 10]),
        );
        accept(&store, plan, &mut sync, 1, create(x, "Nhiệm vụ X")).await;
        accept(&store, plan, &mut sync, 2, create(y, "Nhiệm vụ Y")).await;
        let title = |t: &str| Mutation::EditNode {
            id: x,
            edit: NodeEdit::Title(t.into()),
        };
        accept(&store, plan, &mut sync, 3, title("Tiêu đề mới của X")).await;
        accept(&store, plan, &mut sync, 4, Mutation::DeleteNode { id: x }).await;
        // Created and deleted at once, before anything is written out.
        assert_eq!(stored_node(&store, x).await, None);
        assert_eq!(stored_node(&store, y).await.as_deref(), Some("Nhiệm vụ Y"));
        let owners = ok(store.node_owners(&[x, y]).await);
        assert_eq!(owners.get(&x), Some(&plan), "a deleted id stays taken");
        // Read with all four entries pending: the same as the state that made them.
        let read = ok(store.sync_state(plan).await).unwrap_or_else(|| panic!("no plan"));
        assert_eq!(read.authority.state().get(x), None);
        assert_eq!(read.authority.state().get(y), sync.authority.state().get(y));
        assert!(read.tombstones.contains_key(&x));
        assert_eq!(read.seqs, sync.seqs);
        for written in 1..=4 {
            assert_eq!(ok(store.materialise_at_most(plan, 1).await), 1);
            assert_eq!(stored_node(&store, x).await, None, "after entry {written}");
        }
        assert_eq!(ok(store.materialise(plan).await), 0);
        let history = ok(store.history(plan, x).await);
        assert_eq!(history.len(), 3, "created, retitled, deleted");
        let again = ok(store.sync_state(plan).await).unwrap_or_else(|| panic!("no plan"));
        assert_eq!(
            again.authority.state().get(y),
            sync.authority.state().get(y)
        );
        assert_eq!(again.seqs, sync.seqs);
    }

    /// A node created by one entry (written whole when accepted, so not kept in the entry)
    /// and edited by the next: written out one entry at a time, it ends as the state has it.
    #[tokio::test]
    async fn a_node_created_then_edited_ends_as_the_state_has_it() {
        let store = ok(Store::connect("mem://", None).await);
        let (plan, mut sync) = new_plan(&store, 4).await;
        let x = NodeId::from_parts(7, [8; 10]);
        accept(&store, plan, &mut sync, 1, create(x, "Nhiệm vụ X")).await;
        let progress = Mutation::EditNode {
            id: x,
            edit: NodeEdit::Progress(55),
        };
        accept(&store, plan, &mut sync, 2, progress).await;
        let read = ok(store.sync_state(plan).await).unwrap_or_else(|| panic!("no plan"));
        assert_eq!(read.authority.state().get(x), sync.authority.state().get(x));
        assert_eq!(ok(store.materialise_at_most(plan, 1).await), 1);
        assert_eq!(ok(store.materialise_at_most(plan, 1).await), 1);
        let nodes = ok(store.nodes(plan).await);
        assert_eq!(
            nodes.iter().find(|n| n.id == x),
            sync.authority.state().get(x)
        );
        let again = ok(store.sync_state(plan).await).unwrap_or_else(|| panic!("no plan"));
        assert_eq!(again.authority.stamps(x), sync.authority.stamps(x));
    }

    /// The journal's text of the plan's pending entries, in their order.
    async fn journal_texts(store: &Store, plan: PlanId) -> Vec<String> {
        let mut r = ok(store
            .db
            .query("SELECT VALUE deltas FROM journal WHERE plan_id = $plan ORDER BY id")
            .bind(("plan", plan.to_string()))
            .await);
        ok(r.take(0))
    }

    /// Of a node made before (its record whole in the database), an entry keeps only the
    /// columns the push wrote, with their stamps: a progress edit, not the node's title, body
    /// and every stamp. Read with the entry pending and once written out, the node is the
    /// state's, stamps included.
    #[tokio::test]
    async fn an_entry_keeps_of_an_edited_node_only_the_columns_written() {
        let store = ok(Store::connect("mem://", None).await);
        let (plan, mut sync) = new_plan(&store, 5).await;
        let x = NodeId::from_parts(7, [8; 10]);
        accept(
            &store,
            plan,
            &mut sync,
            1,
            create(x, "Nhiệm vụ có tiêu đề dài"),
        )
        .await;
        ok(store.settle(plan).await);
        let progress = Mutation::EditNode {
            id: x,
            edit: NodeEdit::Progress(55),
        };
        accept(&store, plan, &mut sync, 2, progress).await;
        let texts = journal_texts(&store, plan).await;
        assert_eq!(texts.len(), 1);
        let items: Vec<Value> = ok(serde_json::from_str(&texts[0]));
        let writes = &items[0][2];
        assert_eq!(writes.as_array().map(Vec::len), Some(1), "{writes}");
        let set = writes[0]["set"].as_object().cloned().unwrap_or_default();
        assert_eq!(set.keys().collect::<Vec<_>>(), vec!["progress"]);
        assert_eq!(set["progress"], 55);
        let stamps = writes[0]["stamps"].as_object().cloned().unwrap_or_default();
        assert_eq!(stamps.len(), 1, "{stamps:?}");
        assert!(
            !texts[0].contains("Nhiệm vụ có tiêu đề dài"),
            "{}",
            texts[0]
        );
        assert_eq!(items[0][1]["nodes"], serde_json::json!([]));

        let read = ok(store.sync_state(plan).await).unwrap_or_else(|| panic!("no plan"));
        assert_eq!(read.authority.state().get(x), sync.authority.state().get(x));
        assert_eq!(read.authority.stamps(x), sync.authority.stamps(x));
        assert_eq!(ok(store.materialise(plan).await), 1);
        let again = ok(store.sync_state(plan).await).unwrap_or_else(|| panic!("no plan"));
        assert_eq!(
            again.authority.state().get(x),
            sync.authority.state().get(x)
        );
        assert_eq!(again.authority.stamps(x), sync.authority.stamps(x));
        assert_eq!(
            again.authority.state().get(x).map(|n| n.title.as_str()),
            Some("Nhiệm vụ có tiêu đề dài")
        );
    }

    /// An entry in the form kept before 06/12/2026 (each push's nodes whole), left by a server
    /// of that version, is still read on top of the records and written out.
    #[tokio::test]
    async fn an_entry_with_nodes_whole_is_still_read_and_written_out() {
        let store = ok(Store::connect("mem://", None).await);
        let (plan, mut sync) = new_plan(&store, 6).await;
        let x = NodeId::from_parts(7, [8; 10]);
        accept(&store, plan, &mut sync, 1, create(x, "Nhiệm vụ X")).await;
        ok(store.settle(plan).await);
        let client = ClientId::from_parts(7, [3; 10]);
        let before = sync.authority.change();
        let (response, delta) = sync.push(
            &PushRequest {
                client,
                mutations: vec![Pending {
                    seq: 2,
                    base: before,
                    at: 2,
                    mutation: Mutation::EditNode {
                        id: x,
                        edit: NodeEdit::Title("Tên mới".into()),
                    },
                }],
            },
            &Author::system(),
            || ConflictId::from_parts(7, [2; 10]),
        );
        assert!(response.refused.is_empty());
        let old_form = ok(serde_json::to_string(&vec![(client, &delta)]));
        ok(ok(store
            .db
            .query(
                "CREATE type::record('journal', $key) CONTENT {
                     plan_id: $plan, change: $change, expected: $expected, deltas: $deltas,
                     size: string::len($deltas),
                 };
                 UPDATE type::record('plan', $plan) SET change = $change;",
            )
            .bind(("key", entry_key(plan, delta.change)))
            .bind(("plan", plan.to_string()))
            .bind(("change", delta.change.0))
            .bind(("expected", before.0))
            .bind(("deltas", old_form))
            .await)
        .check());
        store.plan_written(plan);
        let read = ok(store.sync_state(plan).await).unwrap_or_else(|| panic!("no plan"));
        assert_eq!(read.authority.state().get(x), sync.authority.state().get(x));
        assert_eq!(ok(store.materialise(plan).await), 1);
        assert_eq!(stored_node(&store, x).await.as_deref(), Some("Tên mới"));
        let again = ok(store.sync_state(plan).await).unwrap_or_else(|| panic!("no plan"));
        assert_eq!(again.authority.stamps(x), sync.authority.stamps(x));
    }

    /// A plan read a page of nodes at a time is the plan read in one query: nodes, stamps,
    /// entries still pending applied on top, sequence numbers.
    #[tokio::test]
    async fn a_plan_read_in_pages_is_the_plan_read_whole() {
        let store = ok(Store::connect("mem://", None).await);
        let (plan, mut sync) = new_plan(&store, 9).await;
        let (other, mut other_sync) = new_plan(&store, 10).await;
        // Another plan's nodes between this one's in key order: in a page's range, left out.
        let ids: Vec<NodeId> = (0..7u8)
            .map(|i| NodeId::from_parts(9, [2 * i; 10]))
            .collect();
        for (seq, id) in ids.iter().enumerate() {
            accept(
                &store,
                plan,
                &mut sync,
                seq as u64 + 1,
                create(*id, "Nhiệm vụ"),
            )
            .await;
            let between = NodeId::from_parts(9, [2 * seq as u8 + 1; 10]);
            accept(
                &store,
                other,
                &mut other_sync,
                seq as u64 + 1,
                create(between, "Khác"),
            )
            .await;
        }
        ok(store.settle(plan).await);
        let progress = Mutation::EditNode {
            id: ids[3],
            edit: NodeEdit::Progress(30),
        };
        accept(&store, plan, &mut sync, 8, progress).await;
        // The ranges of keys serve every node: none is read by key, none of the other plan's.
        let tx = ok(store.db.clone().begin().await);
        let mut r = ok(tx
            .query("SELECT VALUE record::id(id) FROM node WHERE plan_id = $plan")
            .bind(("plan", plan.to_string()))
            .await);
        let keys: Vec<String> = ok(r.take(0));
        let mut read = Vec::new();
        let by_key = ok(
            super::super::plans::read_nodes(&tx, plan, &keys, "", 2, &mut |rows| {
                let ids: Vec<NodeId> = rows
                    .iter()
                    .filter_map(|r| r.get("id")?.as_str()?.parse().ok())
                    .collect();
                read.extend(ids.iter().copied());
                Ok(ids)
            })
            .await,
        );
        ok(tx.cancel().await);
        read.sort();
        let mut want = ids.clone();
        want.sort();
        assert_eq!((by_key, read), (0, want));
        let whole =
            ok(store.sync_state_paged(plan, 1_000).await).unwrap_or_else(|| panic!("no plan"));
        let paged = ok(store.sync_state_paged(plan, 2).await).unwrap_or_else(|| panic!("no plan"));
        let nodes = |s: &PlanSync| {
            let mut v: Vec<_> = s.authority.state().nodes().cloned().collect();
            v.sort_by_key(|n| n.id);
            v
        };
        assert_eq!(nodes(&paged).len(), 7);
        assert_eq!(nodes(&paged), nodes(&whole));
        assert_eq!(nodes(&paged), nodes(&sync));
        for id in &ids {
            assert_eq!(paged.authority.stamps(*id), sync.authority.stamps(*id));
        }
        assert_eq!(paged.seqs, sync.seqs);
        assert_eq!(paged.authority.change(), sync.authority.change());
    }

    /// Two writers of one plan's journal at once (two servers, or a reader and the background
    /// writer): every entry is written out once, none is lost.
    #[tokio::test]
    async fn two_writers_write_each_entry_out_once() {
        let store = ok(Store::connect("mem://", None).await);
        let (plan, mut sync) = new_plan(&store, 2).await;
        let x = NodeId::from_parts(7, [8; 10]);
        accept(&store, plan, &mut sync, 1, create(x, "Nhiệm vụ X")).await;
        for seq in 2..=20 {
            let m = Mutation::EditNode {
                id: x,
                edit: NodeEdit::Progress(seq as u8),
            };
            accept(&store, plan, &mut sync, seq, m).await;
        }
        let other = store.clone();
        let (a, b) = tokio::join!(store.settle(plan), other.settle(plan));
        ok(a);
        ok(b);
        assert!(!ok(store.has_pending(plan).await));
        let history = ok(store.history(plan, x).await);
        let seqs: Vec<u64> = history.iter().map(|h| h.seq).collect();
        assert_eq!(seqs, (1..=20).rev().collect::<Vec<_>>());
        let read = ok(store.sync_state(plan).await).unwrap_or_else(|| panic!("no plan"));
        assert_eq!(read.authority.state().get(x), sync.authority.state().get(x));
        assert_eq!(read.authority.stamps(x), sync.authority.stamps(x));
    }

    /// Entries left by a process stopped before writing them out are written out when the
    /// database is opened again; nothing accepted is lost.
    #[tokio::test]
    async fn entries_left_at_a_stop_are_written_out_at_the_next_start() {
        let dir = ok(tempfile::tempdir());
        let url = format!("surrealkv://{}", dir.path().join("db").display());
        let x = NodeId::from_parts(7, [8; 10]);
        let (plan, held) = {
            let store = ok(Store::connect(&url, None).await);
            let (plan, mut sync) = new_plan(&store, 3).await;
            accept(&store, plan, &mut sync, 1, create(x, "Nhiệm vụ X")).await;
            let m = Mutation::EditNode {
                id: x,
                edit: NodeEdit::Progress(40),
            };
            accept(&store, plan, &mut sync, 2, m).await;
            assert!(ok(store.has_pending(plan).await));
            (plan, sync)
        };
        // The folder's lock is let go a moment after the store is dropped.
        let mut reopened = None;
        for _ in 0..200 {
            match Store::connect(&url, None).await {
                Ok(s) => {
                    reopened = Some(s);
                    break;
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(25)).await,
            }
        }
        let store = reopened.unwrap_or_else(|| panic!("the database did not reopen"));
        assert!(!ok(store.has_pending(plan).await));
        let read = ok(store.sync_state(plan).await).unwrap_or_else(|| panic!("no plan"));
        assert_eq!(read.authority.state().get(x), held.authority.state().get(x));
        assert_eq!(read.authority.state().get(x).map(|n| n.progress), Some(40));
        assert_eq!(read.seqs, held.seqs);
    }
}
