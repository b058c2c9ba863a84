//! The open plan's state on the device. Every edit goes through [`PlanStore::dispatch`]: applied
//! at once to the device's [`Replica`] (optimistic), kept in IndexedDB, and synced when the
//! network allows (push the outbox, pull what changed, rebase). Nothing here decides a rule:
//! `shared::sync` and `shared::mutation` do.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::ApiError;
use shared::ids::{ClientId, NodeId, PlanId};
use shared::mutation::Mutation;
use shared::plan::Plan;
use shared::plan_state::{Change, PlanState};
use shared::rows::Outline;
use shared::sync::{ChangeNo, Conflict, Outbox, RefusalNotice as Refused, Replica, SyncedState};
use std::collections::HashSet;
use std::pin::pin;

use crate::error::AppError;
use crate::session::Auth;
use crate::{api, device, kv};

/// A message for the user, shown in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub error: bool,
    pub text: String,
}

/// What the status bar shows about sync.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncStatus {
    pub online: bool,
    /// The server answered that it cannot serve yet (its database reconnecting, a proxy with
    /// no server behind it): its words, until a sync succeeds. None when the network is down.
    pub server_waits: Option<String>,
    pub pending: usize,
    pub syncing: bool,
    /// When the last sync succeeded (device clock, ms), if ever.
    pub last_sync: Option<f64>,
    pub conflicts: Vec<Conflict>,
    /// Open conflicts of reports' and inspections' records.
    pub record_conflicts: Vec<shared::sync::RecordConflict>,
    /// Mutations the server refused, until the user dismisses them.
    pub refused: Vec<Refused>,
}

/// Everything the plan page shares between its components.
#[derive(Clone, Copy)]
pub struct PlanStore {
    pub plan: RwSignal<Plan>,
    pub state: RwSignal<PlanState>,
    pub outline: RwSignal<Outline>,
    pub expanded: RwSignal<HashSet<NodeId>>,
    pub selected: RwSignal<Option<NodeId>>,
    pub query: RwSignal<String>,
    pub notice: RwSignal<Option<Notice>>,
    pub sync: RwSignal<SyncStatus>,
    /// The conflicts panel is open.
    pub conflicts_open: RwSignal<bool>,
    /// The follow-ups of inspections were asked for (from the agency's tasks): the "Kiểm tra"
    /// tab opens on them.
    pub follow_ups_asked: RwSignal<bool>,
    /// Some nodes' bodies have not arrived yet (a first visit shows the tree before them).
    bodies_pending: RwSignal<bool>,
    /// They are being fetched.
    bodies_fetching: StoredValue<bool>,
    /// Who is signed in: what they may change, and whether the session holds.
    pub auth: Auth,
    replica: StoredValue<Replica>,
    /// The replica's revision the device holds, if it holds one ([`PlanStore::keep`]).
    kept: StoredValue<Option<u64>>,
    /// (a sync is running, another was asked for meanwhile)
    busy: StoredValue<(bool, bool)>,
    /// Syncs failed in a row on the network or a server that waits (the next retry's delay
    /// grows with it).
    failures: StoredValue<u32>,
}

/// Seconds before the next try after `failures` failed syncs in a row: 1, 2, 4, 8, then 15
/// (the periodic retry's interval).
pub fn retry_delay_secs(failures: u32) -> u64 {
    (1u64 << failures.saturating_sub(1).min(4)).min(15)
}

/// A new UUIDv7 node id made on the device.
pub fn new_id() -> NodeId {
    NodeId(device::new_uuid())
}

fn key(plan: PlanId, what: &str) -> String {
    format!("plan:{plan}:{what}")
}

/// Where the outbox of `client` (one per user on the device) for `plan` is kept.
fn outbox_key(plan: PlanId, client: ClientId) -> String {
    key(plan, &format!("outbox:{client}"))
}

/// The device's copy of a plan for `username`, from IndexedDB: the plan as last synced (shared
/// by everyone on the device) and the user's own outbox; `None` parts when it has none. Read in
/// two transactions at most (each one waits its turn behind whatever the page is doing).
pub async fn load_replica(plan: PlanId, username: &str) -> (Replica, Option<f64>) {
    let (client_key, synced_key, last_sync_key, legacy_outbox_key) = (
        device::client_key(username),
        key(plan, "synced"),
        key(plan, "last_sync"),
        key(plan, "outbox"),
    );
    device::mark("idb-read-start");
    let values = kv::get_many(&[
        &client_key,
        device::LEGACY_DEVICE_KEY,
        &synced_key,
        &last_sync_key,
        &legacy_outbox_key,
    ])
    .await;
    // A read that failed (a plan of megabytes, a device short of memory) must not pass for a
    // device with no client id: the user's id is read again on its own, lest a new one be made
    // and the outbox under the old one be orphaned.
    let values = match values {
        Ok(values) => values,
        Err(_) => kv::get_many(&[&client_key, device::LEGACY_DEVICE_KEY])
            .await
            .unwrap_or_default(),
    };
    let mut values = values.into_iter();
    let mut next = || values.next().flatten();
    let (kept_client, legacy_client, synced, last_sync, legacy_outbox) =
        (next(), next(), next(), next(), next());
    let known = kept_client.is_some() || legacy_client.is_some();
    let client = device::client_id(username, kept_client, legacy_client).await;
    let outbox_key = outbox_key(plan, client);
    // A client id made just now has no outbox yet.
    let outbox = if known {
        kv::get(&outbox_key).await.ok().flatten()
    } else {
        None
    };
    device::mark("idb-read-end");
    let synced: Option<SyncedState> = synced
        .and_then(kv::bytes)
        .and_then(|b| serde_json::from_slice(&b).ok());
    device::mark("idb-parsed");
    let mut outbox: Option<Outbox> = outbox.and_then(|s| serde_json::from_slice(s.as_bytes()).ok());
    if outbox.is_none() {
        // An outbox of an earlier version (one per plan) is its client's, so its user's.
        let old = legacy_outbox
            .and_then(|v| v.as_string())
            .and_then(|s| serde_json::from_slice::<Outbox>(s.as_bytes()).ok())
            .filter(|o| o.client == client);
        if let Some(old) = old {
            if let Ok(json) = serde_json::to_string(&old)
                && kv::put(&outbox_key, &json).await.is_ok()
            {
                let _ = kv::delete(&legacy_outbox_key).await;
            }
            outbox = Some(old);
        }
    }
    let outbox = outbox.unwrap_or(Outbox {
        plan,
        client,
        next_seq: 1,
        entries: Vec::new(),
    });
    let last_sync = last_sync
        .and_then(|v| v.as_string())
        .and_then(|s| s.parse().ok());
    (Replica::restore(plan, synced, outbox), last_sync)
}

/// The plan from the device's copy when it has one (works offline), else from the server. On
/// a first visit the answer to `boot.js`'s early pull is decoded while the device's memory is
/// read. A plan from the server is not kept on the device yet: [`PlanStore::keep_after_paint`].
pub async fn open(plan: PlanId, username: &str) -> Result<Opened, ApiError> {
    use futures_util::future::{Either, select};
    let early = api::EarlyPull::take(plan);
    let (local, answer) = match &early {
        None => (load_replica(plan, username).await, None),
        Some(e) => {
            let (local, answer) = (pin!(load_replica(plan, username)), pin!(e.answer()));
            match select(local, answer).await {
                Either::Left((local, answer)) if is_new(&local.0) => (local, answer.await),
                Either::Left((local, _)) => (local, None),
                Either::Right((answer, local)) => (local.await, answer),
            }
        }
    };
    let (mut replica, last_sync) = local;
    if replica.has_synced() {
        if let Some(e) = early {
            e.cancel();
        }
        // (A copy kept by an earlier version, which did not say so.)
        device::remember_flag(&key(plan, "kept"));
        return Ok(Opened {
            replica,
            last_sync,
            from_server: false,
        });
    }
    // The early pull is the request of a device that never synced nor made a change; any
    // other is asked again, the way every pull is (a refusal then says why).
    let resp = match answer {
        Some(Ok(resp)) if is_new(&replica) => resp,
        _ => api::pull(plan, &replica.pull_request(), !replica.has_synced()).await?,
    };
    replica.on_pull(resp);
    Ok(Opened {
        replica,
        last_sync: Some(device::now_ms()),
        from_server: true,
    })
}

/// A plan opened: the device's copy, or the server's answer.
pub struct Opened {
    pub replica: Replica,
    /// When the device last synced it (Unix milliseconds).
    pub last_sync: Option<f64>,
    /// Fetched from the server, not yet kept on the device.
    pub from_server: bool,
}

/// A device's copy that never synced nor made a change: its first pull is everyone's.
fn is_new(replica: &Replica) -> bool {
    let request = replica.pull_request();
    !replica.has_synced() && request.cursor == ChangeNo::ZERO && request.clients.is_empty()
}

/// Writes the replica to the device; true once written.
async fn save_synced(replica: &Replica) -> bool {
    let plan = replica.plan_id();
    // The plan as last synced as bytes (megabytes for a big plan: read back fastest); the
    // outbox as text, which every version of the app reads (an older version open in another
    // tab must never take the device's unsent changes for none).
    let synced = serde_json::to_vec(&replica.synced_state()).unwrap_or_default();
    let outbox = serde_json::to_string(&replica.outbox()).unwrap_or_default();
    let now = device::now_ms().to_string();
    let (k1, k2, k3) = (
        key(plan, "synced"),
        outbox_key(plan, replica.client()),
        key(plan, "last_sync"),
    );
    let saved = kv::put_all(&[
        (&k1, kv::Value::Bytes(&synced)),
        (&k2, kv::Value::Text(&outbox)),
        (&k3, kv::Value::Text(&now)),
    ])
    .await;
    if saved.is_ok() {
        // Read by `boot.js` before the app starts: this plan is not asked for whole again.
        device::remember_flag(&key(plan, "kept"));
    }
    saved.is_ok()
}

impl PlanStore {
    /// The store of `replica`; `kept` when the device holds this very copy (it was read there).
    pub fn new(replica: Replica, last_sync: Option<f64>, kept: bool) -> Self {
        let plan = replica.plan().cloned().unwrap_or_else(|| Plan {
            id: replica.plan_id(),
            metadata: Default::default(),
            preamble: None,
            references: Vec::new(),
            visibility: Default::default(),
        });
        let kept_revision = kept.then(|| replica.revision());
        let state = replica.view().clone();
        let outline = Outline::new(&state);
        // Open the top level, so the plan's sections show their items.
        let expanded: HashSet<NodeId> = outline.children(None).iter().copied().collect();
        let sync = SyncStatus {
            online: device::online(),
            pending: replica.pending().len(),
            last_sync,
            conflicts: replica.open_conflicts().into_iter().cloned().collect(),
            record_conflicts: replica
                .open_record_conflicts()
                .into_iter()
                .cloned()
                .collect(),
            ..SyncStatus::default()
        };
        let auth = use_context::<Auth>().unwrap_or_default();
        auth.pending.set(sync.pending);
        Self {
            plan: RwSignal::new(plan),
            state: RwSignal::new(state),
            outline: RwSignal::new(outline),
            expanded: RwSignal::new(expanded),
            selected: RwSignal::new(None),
            query: RwSignal::new(String::new()),
            notice: RwSignal::new(None),
            sync: RwSignal::new(sync),
            conflicts_open: RwSignal::new(false),
            follow_ups_asked: RwSignal::new(false),
            bodies_pending: RwSignal::new(replica.bodies_unknown()),
            bodies_fetching: StoredValue::new(false),
            auth,
            replica: StoredValue::new(replica),
            kept: StoredValue::new(kept_revision),
            busy: StoredValue::new((false, false)),
            failures: StoredValue::new(0),
        }
    }

    pub fn plan_id(&self) -> PlanId {
        self.plan.with_untracked(|p| p.id)
    }

    /// Keeps the plan on the device once it is on screen and the user pauses: writing megabytes
    /// to IndexedDB (and copying the plan to write it) need not hold up the first render, nor
    /// the first scroll.
    pub fn keep_after_paint(self) {
        spawn_local(async move {
            device::quiet(400.0).await;
            self.keep().await;
        });
    }

    /// Keeps the replica on the device, unless the device holds this revision already (a sync
    /// that brought nothing does not copy and write a plan of megabytes again).
    /// False when there was nothing to write.
    async fn keep(&self) -> bool {
        let kept = self.kept.try_get_value().flatten();
        let Some(copy) = self
            .replica
            .try_with_value(|r| (kept != Some(r.revision())).then(|| r.clone()))
            .flatten()
        else {
            return false;
        };
        if save_synced(&copy).await {
            let _ = self.kept.try_set_value(Some(copy.revision()));
        }
        true
    }

    pub fn cursor(&self) -> shared::sync::ChangeNo {
        self.replica.with_value(Replica::cursor)
    }

    pub fn client(&self) -> shared::ids::ClientId {
        self.replica.with_value(Replica::client)
    }

    fn record(&self, change: &Change) {
        self.state.update(|s| s.commit(change));
        let changed = change
            .upserted
            .iter()
            .map(|n| n.id)
            .chain(change.deleted.iter().copied());
        let changed: Vec<NodeId> = changed.collect();
        self.state
            .with_untracked(|s| self.outline.update(|o| o.update(s, changed)));
    }

    /// After a pull: brings what the user sees to the replica's view, touching only the nodes
    /// that differ (a sync that confirms the user's own edits changes nothing on screen, and
    /// never re-renders a list under the user's finger).
    fn catch_up_view(&self) {
        let change = self.replica.with_value(|r| {
            let new = r.view();
            self.state.with_untracked(|old| {
                let upserted: Vec<_> = new
                    .nodes()
                    .filter(|n| old.get(n.id) != Some(*n))
                    .cloned()
                    .collect();
                let deleted: Vec<NodeId> = old
                    .nodes()
                    .filter(|n| new.get(n.id).is_none())
                    .map(|n| n.id)
                    .collect();
                let records: Vec<_> = new
                    .records()
                    .iter()
                    .filter(|(k, r)| old.record(k) != Some(*r))
                    .map(|(_, r)| r.clone())
                    .collect();
                let records_deleted: Vec<_> = old
                    .records()
                    .keys()
                    .filter(|k| new.record(k).is_none())
                    .cloned()
                    .collect();
                Change {
                    upserted,
                    deleted,
                    records,
                    records_deleted,
                }
            })
        });
        if !change.upserted.is_empty()
            || !change.deleted.is_empty()
            || !change.records.is_empty()
            || !change.records_deleted.is_empty()
        {
            if let Some(sel) = self.selected.get_untracked()
                && change.deleted.contains(&sel)
            {
                self.selected.set(None);
            }
            self.record(&change);
        }
        let plan = self.replica.with_value(|r| r.plan().cloned());
        if let Some(plan) = plan
            && self.plan.with_untracked(|p| *p != plan)
        {
            self.plan.set(plan);
        }
    }

    fn refresh_status(&self) {
        let (pending, conflicts, record_conflicts) = self.replica.with_value(|r| {
            (
                r.pending().len(),
                r.open_conflicts().into_iter().cloned().collect::<Vec<_>>(),
                r.open_record_conflicts()
                    .into_iter()
                    .cloned()
                    .collect::<Vec<_>>(),
            )
        });
        self.sync.update(|s| {
            s.pending = pending;
            s.conflicts = conflicts;
            s.record_conflicts = record_conflicts;
        });
        self.auth.pending.set(pending);
    }

    /// Shows `text` (a message, or a typed error in its words) in the notice bar.
    pub fn say(&self, text: impl std::fmt::Display, error: bool) {
        self.notice.set(Some(Notice {
            error,
            text: text.to_string(),
        }));
    }

    /// Applies `mutation` here at once, keeps it on the device, and syncs when online. Returns
    /// the local refusal, if any, for the caller to show next to the field.
    pub fn dispatch(&self, mutation: Mutation) -> Result<(), AppError> {
        // The server checks again; checking here refuses at once, with the same reason.
        let actor = self.auth.actor();
        let username = self.auth.username();
        self.state
            .with_untracked(|s| shared::access::check(&actor, &username, s, &mutation))?;
        // A body the device has not received yet would be written over unseen.
        if let Mutation::EditNode {
            id,
            edit: shared::mutation::NodeEdit::Body(_),
        } = &mutation
            && self
                .replica
                .try_with_value(|r| r.body_unknown(*id))
                .unwrap_or(false)
        {
            return Err(AppError::BodyNotHereYet);
        }
        let change = self
            .replica
            .try_update_value(|r| r.apply(mutation, device::now_ms() as i64))
            .ok_or(AppError::PageClosed)??;
        self.record(&change);
        self.refresh_status();
        let store = *self;
        spawn_local(async move {
            store.save_outbox().await;
            store.sync();
        });
        Ok(())
    }

    async fn save_outbox(&self) {
        let (key, outbox) = self.replica.with_value(|r| {
            (
                outbox_key(r.plan_id(), r.client()),
                serde_json::to_string(&r.outbox()),
            )
        });
        if let Ok(outbox) = outbox
            && let Err(e) = kv::put(&key, &outbox).await
        {
            self.say(e.to_string(), true);
        }
    }

    /// Pushes what waits and pulls what changed, unless offline. One sync at a time; a sync
    /// asked for during another runs right after it.
    pub fn sync(&self) {
        let store = *self;
        let (running, _) = self.busy.get_value();
        if running {
            self.busy.set_value((true, true));
            return;
        }
        if !device::online() {
            self.sync.update(|s| s.online = false);
            return;
        }
        if self.auth.expired.get_untracked() {
            // Waits for the user to sign in again; nothing is lost meanwhile.
            return;
        }
        self.busy.set_value((true, false));
        self.sync.update(|s| s.syncing = true);
        spawn_local(async move {
            loop {
                let result = store.sync_round().await;
                let now = device::now_ms();
                store.sync.update(|s| {
                    s.syncing = false;
                    match &result {
                        Ok(()) => {
                            // The browser's word, not `true`: an answer that arrives just
                            // after the network went away (its `offline` event already
                            // heard) must not show the device online.
                            s.online = device::online();
                            s.server_waits = None;
                            s.last_sync = Some(now);
                        }
                        Err(e) if e.code.retryable() => {
                            s.online = false;
                            s.server_waits =
                                crate::error::from_server(e).then(|| e.message.clone());
                        }
                        Err(_) => {}
                    }
                });
                // Tried again while changes wait, sooner than the periodic retry: when the
                // server says (its database reconnecting), else after 1, 2, 4, 8, then 15 s (a
                // network back a moment after the browser said "online").
                if result.is_ok() {
                    store.failures.set_value(0);
                }
                if let Err(e) = &result
                    && e.code.retryable()
                {
                    let failures = store.failures.get_value().saturating_add(1);
                    store.failures.set_value(failures);
                    let secs = e
                        .retry_after_secs
                        .map(|s| s.clamp(1, 60))
                        .unwrap_or_else(|| retry_delay_secs(failures));
                    set_timeout(
                        move || {
                            if store
                                .sync
                                .with_untracked(|s| s.pending > 0 || s.server_waits.is_some())
                            {
                                store.sync();
                            }
                        },
                        std::time::Duration::from_secs(secs),
                    );
                }
                if let Err(e) = &result
                    && !e.code.retryable()
                    && !store.auth.on_error(e)
                {
                    store.say(format!("Chưa đồng bộ được: {}", e.message), true);
                }
                let (_, again) = store.busy.get_value();
                if !again || result.is_err() {
                    break;
                }
                store.busy.set_value((true, false));
            }
            store.busy.set_value((false, false));
        });
    }

    async fn sync_round(&self) -> Result<(), shared::api::ApiError> {
        let plan = self.plan_id();
        for _ in 0..100 {
            let before = self.replica.with_value(|r| r.pending().len());
            let push = self.replica.with_value(|r| {
                // Within the server's limits: fewer mutations when long texts make it large.
                let mut max = shared::limits::PUSH_MAX_MUTATIONS;
                loop {
                    let req = r.push_request(max)?;
                    let size = serde_json::to_vec(&req).map_or(0, |v| v.len());
                    if size <= shared::limits::PUSH_BODY_MAX_BYTES / 2 || max == 1 {
                        return Some(req);
                    }
                    max = (max / 2).max(1);
                }
            });
            if let Some(req) = &push {
                api::push(plan, req).await?;
            }
            let (req, first) = self
                .replica
                .with_value(|r| (r.pull_request(), !r.has_synced()));
            let resp = api::pull(plan, &req, first).await?;
            let refused = self
                .replica
                .try_update_value(|r| r.on_pull(resp))
                .unwrap_or_default();
            let after = self.replica.with_value(|r| r.pending().len());
            self.catch_up_view();
            if !refused.is_empty() {
                // Listed, with their reasons, under the sync bar until the user dismisses them.
                self.sync.update(|s| s.refused.extend(refused));
            }
            self.refresh_status();
            // A plan the device holds no copy of yet (a new device, the tree about to show):
            // kept once it is on screen, not before (copying and encoding a 5,000-task plan
            // takes ~60 ms). A copy the device holds: brought up to date at once.
            let kept = if self.kept.get_value().is_none() {
                self.keep_after_paint();
                true
            } else {
                self.keep().await
            };
            if !kept {
                // The same copy: only when it was last synced (shown offline).
                let now = device::now_ms().to_string();
                let _ = kv::put(&key(plan, "last_sync"), &now).await;
            }
            if after == 0 || after >= before {
                break;
            }
        }
        // (The plan may have been closed during the awaits above.)
        let unknown = self
            .replica
            .try_with_value(Replica::bodies_unknown)
            .unwrap_or(false);
        if unknown && self.bodies_fetching.try_get_value() == Some(false) {
            // Apart from the sync: what the user changes meanwhile is sent without waiting.
            let _ = self.bodies_fetching.try_set_value(true);
            let store = *self;
            spawn_local(async move {
                let _ = store.fetch_bodies(plan).await;
                let _ = store.bodies_fetching.try_set_value(false);
            });
        }
        Ok(())
    }

    /// Brings the nodes' bodies a first pull left out, and keeps them on the device; the work
    /// waits for a pause in the user's scrolling and typing.
    async fn fetch_bodies(&self, plan: PlanId) -> Result<(), shared::api::ApiError> {
        const QUIET_MS: f64 = 400.0;
        device::quiet(QUIET_MS).await;
        let answer = api::bodies(plan, device::quiet(QUIET_MS)).await?;
        let Some(filled) = self
            .replica
            .try_update_value(|r| r.fill_bodies(answer))
            .flatten()
        else {
            // Older than the plan on the device (another server behind), or the plan was
            // closed meanwhile: asked again later.
            return Ok(());
        };
        // Only the bodies changed: no comparison of the whole plan, no new shape of the tree.
        self.replica.with_value(|r| {
            self.state.update(|s| {
                for id in &filled {
                    if let Some(body) = r.view().get(*id).and_then(|n| n.body.clone()) {
                        s.set_body(*id, body);
                    }
                }
            })
        });
        self.state
            .with_untracked(|s| self.outline.update(|o| o.refold(s, filled)));
        self.bodies_pending
            .set(self.replica.with_value(Replica::bodies_unknown));
        device::quiet(QUIET_MS).await;
        self.keep().await;
        Ok(())
    }

    /// True when the device holds the agency's tasks and what is around them only, not the
    /// whole plan (`shared::sync::scope`); follows each pull.
    pub fn scoped(&self) -> bool {
        self.state.track();
        self.replica.with_value(Replica::scoped)
    }

    /// True while `node`'s body has not arrived (a first visit shows the tree before the
    /// bodies); it then shows as none and is not editable.
    pub fn body_unknown(&self, node: NodeId) -> bool {
        self.bodies_pending.get() && self.replica.with_value(|r| r.body_unknown(node))
    }

    /// The outbox as a file's text, for carrying to another device. Compact JSON, like the
    /// outbox the device keeps: an indented copy would compile a second (pretty) encoder of
    /// every mutation into the app (issue 16), and indenting it in the browser would pass its
    /// numbers through JavaScript's, which round amounts above 2^53 (`VND_MAX` is 10^18).
    pub fn export_outbox(&self) -> String {
        self.replica
            .with_value(|r| serde_json::to_string(&r.outbox()).unwrap_or_default())
    }

    /// Adds the changes of an exported file; returns how many were new.
    pub fn import_outbox(&self, text: &str) -> Result<usize, AppError> {
        let file: Outbox =
            serde_json::from_slice(text.as_bytes()).map_err(|_| AppError::NotAnOutbox)?;
        if file.plan != self.plan_id() {
            return Err(AppError::OutboxOfAnotherPlan);
        }
        let added = self
            .replica
            .try_update_value(|r| r.import(&file))
            .unwrap_or(0);
        self.catch_up_view();
        self.refresh_status();
        let store = *self;
        spawn_local(async move {
            store.save_outbox().await;
            store.sync();
        });
        Ok(added)
    }

    /// Sets a node's progress; 100 records today as the day the work was finished, less than
    /// 100 clears that day.
    pub fn set_progress(&self, id: NodeId, progress: u8) -> Result<(), AppError> {
        let done_on = self
            .state
            .with_untracked(|s| s.get(id).and_then(|n| n.completed_on));
        let edit = |edit| self.dispatch(Mutation::EditNode { id, edit });
        edit(shared::mutation::NodeEdit::Progress(progress))?;
        if progress >= 100 && done_on.is_none() {
            edit(shared::mutation::NodeEdit::CompletedOn(Some(
                device::today(),
            )))?;
        } else if progress < 100 && done_on.is_some() {
            edit(shared::mutation::NodeEdit::CompletedOn(None))?;
        }
        Ok(())
    }

    /// What the signed-in user may do.
    pub fn actor(&self) -> shared::access::Actor {
        self.auth.actor()
    }

    /// Whether the user may change `id`'s progress (`progress`) or its text and place.
    pub fn may_edit(&self, id: NodeId, progress: bool) -> bool {
        let actor = self.actor();
        self.state
            .with(|s| shared::access::may_edit_node(&actor, s, id, progress))
    }

    /// Whether the user may add a node under `parent`.
    pub fn may_add(&self, parent: Option<NodeId>) -> bool {
        let actor = self.actor();
        self.state
            .with(|s| shared::access::may_add_child(&actor, s, parent))
    }

    /// The owner new nodes of this user get: their agency when they add its own sub-tasks.
    pub fn owner_for_new(&self) -> Option<shared::ids::AgencyCode> {
        let actor = self.actor();
        (actor.role == shared::access::UserRole::AgencyOfficer)
            .then_some(actor.agency)
            .flatten()
    }

    /// Shows `id`: selects it and opens its ancestors.
    pub fn reveal(&self, id: NodeId) {
        let ancestors = self
            .state
            .with_untracked(|s| self.outline.with_untracked(|o| o.ancestors(s, id)));
        self.expanded.update(|e| e.extend(ancestors));
        self.selected.set(Some(id));
    }
}

#[cfg(test)]
mod tests {
    use super::retry_delay_secs;

    #[test]
    fn failed_syncs_are_retried_sooner_first_then_at_the_periodic_interval() {
        let delays: Vec<u64> = (1..=7).map(retry_delay_secs).collect();
        assert_eq!(delays, [1, 2, 4, 8, 15, 15, 15]);
        assert_eq!(retry_delay_secs(0), 1);
        assert_eq!(retry_delay_secs(u32::MAX), 15);
    }
}
