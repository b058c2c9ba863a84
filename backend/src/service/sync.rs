//! Sync: devices' pushes applied exactly once through the plan's authority (one plan at a
//! time, waiting pushes applied together in one transaction), pulls answered from the state the
//! last push left, device ids bound to their first user, and refusals forgotten once their
//! device has them.

use shared::access::Author;
use shared::api::User;
use shared::ids::{ClientId, ConflictId, NodeId, PlanId};
use shared::mutation::Mutation;
use shared::sync::scope::Scope;
use shared::sync::{
    BodiesResponse, ChangeNo, ClientSeq, NodeBody, PlanSync, PullRequest, PullResponse,
    PushRequest, PushResponse,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::plans::{TreeSnapshot, encode};
use super::pulls::{ChangesPulled, OwnPart, PullKey, SharedPull};

use super::{Result, Service, ServiceError, locked, uuid_now};
use crate::store::{Batch, WriteError};

/// A plan's authoritative state, loaded on first push and kept while the database's change
/// number matches (its lock makes writes to one plan go one at a time), and the pushes waiting
/// for the lock, applied together by whoever takes it next.
#[derive(Default)]
pub(super) struct PlanSlot {
    authority: tokio::sync::Mutex<Option<PlanSync>>,
    queue: Mutex<Vec<PushWaiting>>,
    /// The version of the agency registry the state carries (`Service::registry_version`).
    registry: AtomicU64,
    /// The writer of the plan's accepted pushes (`store/journal.rs`).
    journal: Arc<JournalWriter>,
    /// When the plan was last pushed to or read from (milliseconds since the process started).
    used: AtomicU64,
}

impl PlanSlot {
    fn touch(&self) {
        self.used.store(process_ms(), Ordering::Relaxed);
    }

    fn unused_for(&self) -> std::time::Duration {
        std::time::Duration::from_millis(
            process_ms().saturating_sub(self.used.load(Ordering::Relaxed)),
        )
    }
}

/// Milliseconds since this process first asked (a clock that never goes back).
fn process_ms() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let start = START.get_or_init(std::time::Instant::now);
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The compression of the bodies' answer, which a new device downloads right after its tree,
/// often over a weak link: the default level. The fast one made a 5,000-task plan's bodies
/// 1,086 KB instead of about 590 (measured 06/12/2026), 2.5 s more over 3G.
const BODIES_LEVEL: flate2::Compression = flate2::Compression::new(6);

/// How long a plan may go unused before this process forgets what it keeps of it in memory
/// (its state, the copy pulls read, its encoded answers); its next use reads it again from the
/// database, as after a start.
pub const PLAN_IDLE: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// Writes a plan's accepted pushes out in the background, one run at a time per plan.
#[derive(Default)]
struct JournalWriter {
    /// A run is going on.
    running: std::sync::atomic::AtomicBool,
    /// Entries this process accepted and has not seen written out (a bound on the backlog).
    pending: std::sync::atomic::AtomicUsize,
    /// Counts the entries accepted, so that a run ending as another is accepted goes on.
    accepted: AtomicU64,
}

/// Most entries a plan's journal holds before a push writes them out itself (each reader of the
/// plan's state applies them all).
const JOURNAL_BACKLOG_MAX: usize = 32;

/// How long no push is accepted before a plan's journal is written out. Longer than the gaps
/// within a burst of devices (the write-out is the database's per-record work, ~150 µs a
/// record: done during the burst, it takes the cores its pulls need; 200 devices at once, p99
/// 303–348 ms with 20 ms here, 239–307 with 250, six runs each); readers that need the records
/// write them out first anyway.
const JOURNAL_QUIET: std::time::Duration = std::time::Duration::from_millis(250);

type PushWaiting = (
    (PushRequest, Author),
    tokio::sync::oneshot::Sender<Result<PushResponse>>,
);

/// What a pull answers: a new device's whole plan (encoded once for all of them), or the
/// changes since a device's cursor.
pub enum Pulled {
    First(Arc<TreeSnapshot>),
    Changes(ChangesPulled),
}

/// Whether a first pull carries the nodes' bodies, or leaves them for the device to ask next
/// (`Service::bodies`): most of a big plan's bytes, which the tree does not need to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bodies {
    Included,
    Later,
}

/// Most device bindings kept in memory (beyond, the map starts again from the database).
const DEVICES_CACHED: usize = 100_000;

impl Service {
    /// Applies a device's pushed mutations to a plan: exactly once and in order per client,
    /// by the same pure rules as on the device. Pushes that arrive while another is being
    /// written wait and are then applied together, in arrival order, in one transaction.
    pub async fn push(
        &self,
        plan: PlanId,
        req: &PushRequest,
        author: &Author,
    ) -> Result<PushResponse> {
        if req.mutations.len() > shared::limits::PUSH_MAX_MUTATIONS {
            return Err(ServiceError::TooMany);
        }
        self.check_device(req.client, &author.username).await?;
        // No state is kept in memory for a plan that does not exist (ids are the caller's).
        let now = self.readable(plan, &author.actor).await?;
        // A mutation's base (the change its device had when it was made) decides whether it
        // overwrote someone's edit unseen, which is then kept as a conflict. A device cannot
        // have seen a change that does not exist yet, nor one it was never sent. With several
        // servers on one database, another may have sent it newer changes than this one did:
        // then only the plan's change number bounds it (as for a device not seen since start).
        let sent = if self.store.remote() {
            None
        } else {
            locked(&self.sent).get(&(plan, req.client)).copied()
        };
        let seen = sent.map_or(now, |s| s.min(now));
        let mut req = req.clone();
        for p in &mut req.mutations {
            p.base = p.base.min(seen);
        }
        let slot = self.slot(plan);
        let (tx, rx) = tokio::sync::oneshot::channel();
        locked(&slot.queue).push(((req, author.clone()), tx));
        {
            let mut cached = slot.authority.lock().await;
            let waiting = std::mem::take(&mut *locked(&slot.queue));
            if !waiting.is_empty() {
                let (requests, senders): (Vec<_>, Vec<_>) = waiting.into_iter().unzip();
                let results = self
                    .apply_pushes(plan, &mut cached, &slot.registry, &slot.journal, &requests)
                    .await;
                for (tx, result) in senders.into_iter().zip(results) {
                    // The caller may have gone (its connection closed): nothing to tell.
                    let _ = tx.send(result);
                }
            }
        }
        rx.await.unwrap_or(Err(ServiceError::Busy))
    }

    /// Refuses a push under a device id that another user used first (it would take that
    /// device's sequence numbers); binds a new device id to `username`.
    async fn check_device(&self, client: ClientId, username: &str) -> Result<()> {
        let known = locked(&self.devices).get(&client).cloned();
        let owner = match known {
            Some(owner) => owner,
            None => {
                let owner = self
                    .store
                    .bind_device(
                        &client.to_string(),
                        username,
                        chrono::Utc::now().timestamp_millis(),
                    )
                    .await?;
                self.remember_device(client, &owner);
                owner
            }
        };
        if owner == username {
            Ok(())
        } else {
            tracing::warn!(%client, username, owner, "push under another user's device id");
            Err(ServiceError::DeviceOfAnotherUser)
        }
    }

    fn remember_device(&self, client: ClientId, owner: &str) {
        let mut devices = locked(&self.devices);
        if devices.len() >= DEVICES_CACHED {
            devices.clear();
        }
        devices.insert(client, owner.to_owned());
    }

    /// The user a device id is bound to, if it ever pushed.
    async fn device_owner(&self, client: ClientId) -> Result<Option<String>> {
        if let Some(owner) = locked(&self.devices).get(&client).cloned() {
            return Ok(Some(owner));
        }
        let owner = self.store.device_owner(&client.to_string()).await?;
        if let Some(o) = &owner {
            self.remember_device(client, o);
        }
        Ok(owner)
    }

    async fn apply_pushes(
        &self,
        plan: PlanId,
        cached: &mut Option<PlanSync>,
        registry: &AtomicU64,
        journal: &Arc<JournalWriter>,
        requests: &[(PushRequest, Author)],
    ) -> Vec<Result<PushResponse>> {
        let fail = |e: fn() -> ServiceError| requests.iter().map(|_| Err(e())).collect();
        // A backlog this long (the database slower to write records than pushes come): this
        // push writes it out before adding to it.
        if journal.pending.load(Ordering::Acquire) >= JOURNAL_BACKLOG_MAX {
            match self.store.settle(plan).await {
                Ok(()) => journal.pending.store(0, Ordering::Release),
                Err(e) => {
                    tracing::error!(error = %e, "writing out accepted pushes");
                    return fail(|| ServiceError::Busy);
                }
            }
        }
        // Another process may have written since: then the state is read again, and a write
        // that still races is retried.
        for attempt in 0..10u64 {
            if attempt > 0 {
                // Another server writes the same plan: let it finish.
                tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
            }
            match self.current(plan, cached, registry).await {
                Ok(true) => {}
                Ok(false) => return fail(|| ServiceError::PlanNotFound),
                Err(e) => {
                    tracing::error!(error = %e, "loading a plan");
                    return fail(|| ServiceError::Busy);
                }
            }
            // Taken out while it is changed and put back only once the database has the same:
            // whatever stops this half-way (an error, a panic) leaves nothing half-applied in
            // memory, and the next push reads the plan again.
            let Some(mut sync) = cached.take() else {
                return fail(|| ServiceError::PlanNotFound);
            };
            if let Err(e) = self.mark_foreign_ids(plan, &mut sync, requests).await {
                tracing::error!(error = %e, "looking up new node ids");
                return fail(|| ServiceError::Busy);
            }
            sync.authority.set_today(super::today_vn());
            let before = sync.authority.change();
            let mut batch = Batch::new(before);
            let mut responses = Vec::with_capacity(requests.len());
            for (req, author) in requests {
                let (response, mut delta) = sync.push(req, author, || ConflictId(uuid_now()));
                // The history keeps when the server applied each change, beside the device's
                // clock (which may be wrong).
                let now = chrono::Utc::now().timestamp_millis();
                for h in &mut delta.history {
                    h.received_at = Some(now);
                }
                if !delta.is_empty() {
                    batch.add(req.client, &delta);
                }
                responses.push(response);
            }
            if batch.is_empty() {
                *cached = Some(sync);
                return responses.into_iter().map(Ok).collect();
            }
            match self.store.accept_batch(plan, &batch).await {
                Ok(()) => {
                    self.publish(plan, &sync);
                    *cached = Some(sync);
                    if batch.change != before {
                        self.notify(plan, batch.change);
                    }
                    self.write_out_later(plan, journal);
                    return responses.into_iter().map(Ok).collect();
                }
                Err(e) => {
                    // What was changed in memory is ahead of the database: it is dropped, and
                    // the plan read again.
                    match e {
                        WriteError::Stale | WriteError::IdTaken => continue,
                        WriteError::Store(e) => {
                            tracing::error!(error = %e, "writing pushes");
                            return fail(|| ServiceError::Busy);
                        }
                    }
                }
            }
        }
        fail(|| ServiceError::Busy)
    }

    /// True while pushes accepted for `plan` wait in the journal to be written out as records.
    pub async fn writes_waiting(&self, plan: PlanId) -> Result<bool> {
        Ok(self.store.has_pending(plan).await?)
    }

    /// Writes out every plan's accepted pushes now (at shutdown).
    pub async fn write_out_accepted(&self) -> Result<()> {
        Ok(self.store.settle_all().await?)
    }

    /// Writes the plan's accepted pushes out in the background (`store/journal.rs`), unless a
    /// run is going on (which then goes on to this one).
    fn write_out_later(&self, plan: PlanId, journal: &Arc<JournalWriter>) {
        journal.pending.fetch_add(1, Ordering::AcqRel);
        journal.accepted.fetch_add(1, Ordering::AcqRel);
        if journal.running.swap(true, Ordering::AcqRel) {
            return;
        }
        let (store, journal) = (self.store.clone(), journal.clone());
        tokio::spawn(async move {
            loop {
                // While pushes keep coming (a burst of devices), the records wait: each push
                // is answered as soon as it is in the journal, and what the burst wrote is
                // written out once, after it (or once the backlog reaches half its bound).
                let mut seen = journal.accepted.load(Ordering::Acquire);
                loop {
                    tokio::time::sleep(JOURNAL_QUIET).await;
                    let now = journal.accepted.load(Ordering::Acquire);
                    if now == seen
                        || journal.pending.load(Ordering::Acquire) >= JOURNAL_BACKLOG_MAX / 2
                    {
                        break;
                    }
                    seen = now;
                }
                match store.settle(plan).await {
                    Ok(()) => journal.pending.store(0, Ordering::Release),
                    // Kept in the journal (every reader applies it): tried again with the next
                    // push, or by the next reader.
                    Err(e) => tracing::error!(error = %e, %plan, "writing out accepted pushes"),
                }
                journal.running.store(false, Ordering::Release);
                // Accepted while this run ended: go on, unless another run took over.
                if journal.accepted.load(Ordering::Acquire) == seen
                    || journal.running.swap(true, Ordering::AcqRel)
                {
                    break;
                }
            }
        });
    }

    /// Marks the ids that the pushes' new nodes name and that belong to other plans (live or
    /// deleted), so that the authority refuses them: a client-made id never overwrites or
    /// deletes another plan's record. Only ids this plan does not know are looked up.
    async fn mark_foreign_ids(
        &self,
        plan: PlanId,
        sync: &mut PlanSync,
        requests: &[(PushRequest, Author)],
    ) -> Result<()> {
        let mut ids: Vec<NodeId> = requests
            .iter()
            .flat_map(|(r, _)| r.mutations.iter())
            .filter_map(|p| match &p.mutation {
                Mutation::CreateNode { id, .. } => Some(*id),
                _ => None,
            })
            .filter(|id| sync.authority.state().get(*id).is_none() && !sync.authority.is_taken(*id))
            .collect();
        ids.sort();
        ids.dedup();
        let owners = self.store.node_owners(&ids).await?;
        sync.authority.mark_taken(
            owners
                .into_iter()
                .filter(|(_, owner)| *owner != plan)
                .map(|(id, _)| id),
        );
        Ok(())
    }

    /// Brings `cached` up to the database's change number (reading the plan again if another
    /// process wrote it) and to the agency registry (`registry`: the version it carries);
    /// false when the plan does not exist.
    async fn current(
        &self,
        plan: PlanId,
        cached: &mut Option<PlanSync>,
        registry: &AtomicU64,
    ) -> Result<bool> {
        let Some(change) = self.store.plan_change(plan).await? else {
            return Ok(false);
        };
        let version = self.registry_version();
        // The registry changed (its version read before it is, so a change meanwhile is
        // taken next time): the plan's state takes the new one, without reading the plan
        // again (a plan of 100,000 tasks read again costs seconds and gigabytes).
        if registry.load(Ordering::Acquire) != version
            && let Some(s) = cached.as_mut()
        {
            let known = self.known().await?;
            if known.agencies.is_empty() {
                // No registry any more: any code goes, as in a state read without one.
                *cached = None;
            } else {
                s.authority.set_registry(known);
                registry.store(version, Ordering::Release);
            }
        }
        if cached
            .as_ref()
            .is_none_or(|s| s.authority.change() != change)
        {
            *cached = self.store.sync_state(plan).await?;
            // With no registry loaded (a server started without reference data), any
            // well-formed agency code is accepted.
            let known = self.known().await?;
            if let Some(s) = cached.as_mut()
                && !known.agencies.is_empty()
            {
                s.authority.set_registry(known);
            }
            registry.store(version, Ordering::Release);
            match cached.as_ref() {
                Some(s) => self.publish(plan, s),
                None => return Ok(false),
            }
        }
        Ok(true)
    }

    /// Everything that changed in a plan since the device's cursor, from the plan's state in
    /// memory (checked against the database's change number; read again when it differs).
    /// A first pull with no client to report on (a new device): the same answer for everyone,
    /// encoded (gzip) once per change of the plan and served from memory, with the
    /// nodes' bodies or without them (the device asks for them once the tree shows).
    pub async fn first_pull_encoded(
        &self,
        plan: PlanId,
        bodies: Bodies,
    ) -> Result<Arc<TreeSnapshot>> {
        let change = self.change_of(plan).await?;
        let key = change.to_string();
        let slot = (plan, bodies == Bodies::Included);
        let cached = locked(&self.first_pulls).get(&slot).cloned();
        if let Some(hit) = cached.filter(|c| c.version == key) {
            return Ok(hit);
        }
        let answer = self
            .pull_changes(
                plan,
                &PullRequest {
                    cursor: ChangeNo::ZERO,
                    clients: Vec::new(),
                    holds: None,
                },
                "",
                &shared::actor::Actor {
                    role: shared::access::UserRole::Admin,
                    agency: None,
                },
                bodies,
            )
            .await?;
        // Encoded at the cursor it was read at (a write meanwhile makes it older, never wrong:
        // the device pulls what follows).
        let version = answer.cursor.to_string();
        let snapshot = encode_apart(version, answer, flate2::Compression::default()).await?;
        locked(&self.first_pulls).insert(slot, snapshot.clone());
        Ok(snapshot)
    }

    /// Everything that changed in a plan since the device's cursor, for `puller` (whose
    /// devices' refusals the pull says they have are then forgotten).
    pub async fn pull(&self, plan: PlanId, req: &PullRequest, puller: &User) -> Result<Pulled> {
        self.pull_with(plan, req, puller, Bodies::Included).await
    }

    /// [`Service::pull`], where a first pull may leave the nodes' bodies out.
    pub async fn pull_with(
        &self,
        plan: PlanId,
        req: &PullRequest,
        puller: &User,
        bodies: Bodies,
    ) -> Result<Pulled> {
        if req.clients.len() > shared::limits::PULL_MAX_CLIENTS {
            return Err(ServiceError::TooManyClients);
        }
        let actor = puller.actor();
        self.readable(plan, &actor).await?;
        // An agency's officer receives the inspections of the agency only
        // (`shared::inspection::scope`): its first pull is its own.
        let everything = actor.role != shared::access::UserRole::AgencyOfficer;
        if everything && req.cursor == ChangeNo::ZERO && req.clients.is_empty() {
            // A new device: the answer encoded once for all of them.
            return Ok(Pulled::First(self.first_pull_encoded(plan, bodies).await?));
        }
        let state = self.plan_state(plan).await?;
        let key = PullKey {
            plan,
            at: state.authority.change(),
            from: req.cursor,
            scope: (!everything).then(|| actor.agency.clone()),
            // Only a scoped pull depends on the number itself; for everyone else, whether
            // there is one (a device may send any: one answer per number would let it make
            // the server encode the whole plan again and again).
            holds: if everything {
                req.holds.map(|_| 0)
            } else {
                req.holds
            },
            bodies_left_out: bodies == Bodies::Later,
        };
        let cell = self.shared_pulls.cell(key);
        let common = PullRequest {
            cursor: req.cursor,
            clients: Vec::new(),
            holds: req.holds,
        };
        let shared = cell
            .get_or_try_init(|| {
                let state = state.clone();
                async move {
                    tokio::task::spawn_blocking(move || {
                        // An agency officer's device holds the agency's tasks and what is
                        // around them only (`shared::sync::scope`).
                        let scope = match actor.agency.as_deref() {
                            Some(agency) if !everything => {
                                Some(Scope::of_agency(state.authority.state(), agency))
                            }
                            _ => None,
                        };
                        let mut answer =
                            state.pull_as(&common, scope.as_ref(), bodies == Bodies::Included);
                        shared::inspection::scope::scope_pull(
                            &actor,
                            state.authority.state().records(),
                            &mut answer,
                        );
                        SharedPull::new(&answer, flate2::Compression::default()).map(Arc::new)
                    })
                    .await
                    .map_err(|e| ServiceError::Task(e.to_string()))?
                }
            })
            .await?
            .clone();
        let (clients, refusals) = state.pull_own(req);
        self.after_pull(plan, &state, req, &puller.username, shared.cursor)
            .await?;
        Ok(Pulled::Changes(ChangesPulled {
            shared,
            own: OwnPart { clients, refusals },
        }))
    }

    /// The bodies of a plan's nodes, for a device whose first pull left them out: encoded (gzip)
    /// once per change of the plan, like the first pull.
    pub async fn bodies(&self, plan: PlanId, reader: &User) -> Result<Arc<TreeSnapshot>> {
        self.readable(plan, &reader.actor()).await?;
        let change = self.change_of(plan).await?;
        let cached = locked(&self.bodies).get(&plan).cloned();
        if let Some(hit) = cached.filter(|c| c.version == change.to_string()) {
            return Ok(hit);
        }
        let state = self.plan_state(plan).await?;
        // An agency officer's device holds the nodes of its scope only: their bodies.
        let actor = reader.actor();
        if actor.role == shared::access::UserRole::AgencyOfficer {
            let scope = match actor.agency.as_deref() {
                Some(agency) => Scope::of_agency(state.authority.state(), agency),
                None => Scope::default(),
            };
            let answer = bodies_of(&state, |id| scope.contains(id));
            let version = answer.cursor.to_string();
            return encode_apart(version, answer, BODIES_LEVEL).await;
        }
        let answer = bodies_of(&state, |_| true);
        // Encoded at the cursor it was read at (a write meanwhile makes it older, never wrong).
        let version = answer.cursor.to_string();
        let snapshot = encode_apart(version, answer, BODIES_LEVEL).await?;
        locked(&self.bodies).insert(plan, snapshot.clone());
        Ok(snapshot)
    }

    async fn pull_changes(
        &self,
        plan: PlanId,
        req: &PullRequest,
        puller: &str,
        actor: &shared::actor::Actor,
        bodies: Bodies,
    ) -> Result<PullResponse> {
        let state = self.plan_state(plan).await?;
        let mut answer = state.pull_as(req, None, bodies == Bodies::Included);
        shared::inspection::scope::scope_pull(
            actor,
            state.authority.state().records(),
            &mut answer,
        );
        self.after_pull(plan, &state, req, puller, answer.cursor)
            .await?;
        Ok(answer)
    }

    /// What a pull of `change` leaves behind: the devices it names were sent that change, and
    /// the refusals they say they have are forgotten.
    async fn after_pull(
        &self,
        plan: PlanId,
        state: &PlanSync,
        req: &PullRequest,
        puller: &str,
        change: ChangeNo,
    ) -> Result<()> {
        let seen = state.seen_refusals(req);
        self.note_sent(plan, &req.clients, change);
        // Only a device's own user can say it has its refusals (anyone else could make them
        // vanish before the device learnt of them).
        let mut own = Vec::with_capacity(seen.len());
        for c in seen {
            if self.device_owner(c.client).await?.as_deref() == Some(puller) {
                own.push(c);
            }
        }
        if !own.is_empty()
            && let Err(e) = self.forget_refusals(plan, &own).await
        {
            // Kept a while longer: the next pull tries again.
            tracing::warn!(error = %e, "forgetting refusals their devices have");
        }
        Ok(())
    }

    /// The plan's change number in the database (`PlanNotFound` when there is no such plan).
    async fn change_of(&self, plan: PlanId) -> Result<ChangeNo> {
        self.store
            .plan_change(plan)
            .await?
            .ok_or(ServiceError::PlanNotFound)
    }

    /// The plan's state as the database has it now (from memory when it is current): what
    /// pulls and documents are made from.
    pub(super) async fn plan_state(&self, plan: PlanId) -> Result<Arc<PlanSync>> {
        let change = self.change_of(plan).await?;
        let slot = self.slot(plan);
        let published = locked(&self.published).get(&plan).cloned();
        if let Some(p) = published.filter(|p| p.authority.change() == change) {
            return Ok(p);
        }
        // Not in memory, or another process wrote since: load it (once for all waiting), which
        // publishes it.
        let mut cached = slot.authority.lock().await;
        if !self.current(plan, &mut cached, &slot.registry).await? {
            return Err(ServiceError::PlanNotFound);
        }
        locked(&self.published)
            .get(&plan)
            .cloned()
            .ok_or(ServiceError::PlanNotFound)
    }

    /// Remembers that the devices of `clients` were sent `change` of `plan` (a device lists its
    /// own ids; listing another's only lets that device claim what it could pull itself).
    fn note_sent(&self, plan: PlanId, clients: &[ClientSeq], change: ChangeNo) {
        if self.store.remote() {
            return;
        }
        let mut sent = locked(&self.sent);
        if sent.len() >= DEVICES_CACHED {
            // Forgotten devices are trusted up to the plan's change number, as after a restart.
            sent.clear();
        }
        for c in clients {
            let e = sent.entry((plan, c.client)).or_default();
            *e = (*e).max(change);
        }
    }

    /// Deletes the refusals that devices have pulled (so that none is kept forever), in the
    /// database and in the plan's state in memory (which counts each device's pending ones).
    async fn forget_refusals(&self, plan: PlanId, seen: &[ClientSeq]) -> Result<()> {
        self.store.delete_refusals(plan, seen).await?;
        let slot = self.slot(plan);
        if let Some(sync) = slot.authority.lock().await.as_mut() {
            sync.forget_refusals(seen);
        }
        Ok(())
    }

    /// Makes `state` (as written to the database) the one pulls answer from.
    fn publish(&self, plan: PlanId, state: &PlanSync) {
        locked(&self.published).insert(plan, Arc::new(state.clone()));
    }

    /// The plan's slot, marked as used now.
    pub(super) fn slot(&self, plan: PlanId) -> Arc<PlanSlot> {
        let slot = locked(&self.authorities).entry(plan).or_default().clone();
        slot.touch();
        slot
    }

    /// Forgets what this process keeps in memory of the plans unused for `idle` or longer
    /// (their state, the copy pulls read, their encoded answers): memory follows the plans in
    /// use, not every plan used since the start. A plan being written is in use. Returns how
    /// many plans' states were forgotten.
    pub async fn forget_idle_plans(&self, idle: std::time::Duration) -> usize {
        let slots: Vec<(PlanId, Arc<PlanSlot>)> = locked(&self.authorities)
            .iter()
            .map(|(plan, slot)| (*plan, slot.clone()))
            .collect();
        let mut forgotten = 0;
        for (plan, slot) in slots {
            if slot.unused_for() < idle {
                continue;
            }
            // Under the plan's lock, so that no read loads it again halfway.
            let Ok(mut state) = slot.authority.try_lock() else {
                continue;
            };
            if state.take().is_some() {
                forgotten += 1;
            }
            locked(&self.published).remove(&plan);
            self.forget_encoded(plan);
        }
        forgotten
    }

    /// How many plans this process keeps something of in memory: their state (read by pulls)
    /// or an encoded answer (the tree, a first pull, the bodies).
    pub fn plans_in_memory(&self) -> usize {
        let mut plans: std::collections::HashSet<PlanId> =
            locked(&self.published).keys().copied().collect();
        plans.extend(locked(&self.trees).keys().copied());
        plans.extend(locked(&self.first_pulls).keys().map(|(p, _)| *p));
        plans.extend(locked(&self.bodies).keys().copied());
        plans.len()
    }
}

/// [`encode`] on a thread of its own (megabytes of JSON to compress must not hold up the
/// others).
async fn encode_apart<T: serde::Serialize + Send + 'static>(
    version: String,
    value: T,
    level: flate2::Compression,
) -> Result<Arc<TreeSnapshot>> {
    let snapshot = tokio::task::spawn_blocking(move || encode(version, &value, level))
        .await
        .map_err(|e| ServiceError::Task(e.to_string()))??;
    Ok(Arc::new(snapshot))
}

/// The bodies of the plan's nodes that `wanted` names, at the plan's change now.
fn bodies_of(state: &PlanSync, wanted: impl Fn(NodeId) -> bool) -> BodiesResponse {
    BodiesResponse {
        cursor: state.authority.change(),
        bodies: state
            .authority
            .state()
            .nodes()
            .filter(|n| wanted(n.id))
            .filter_map(|n| {
                n.body.as_ref().map(|b| NodeBody {
                    id: n.id,
                    body: b.clone(),
                })
            })
            .collect(),
    }
}
