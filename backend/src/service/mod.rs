//! Orchestration between the HTTP layer and the store: loads state, runs `shared`'s rules, and
//! writes what they decided. Every synced mutation is checked against the author's role
//! (`shared::access`) by the authority; accounts and sessions are in `auth`.

mod auth;
pub mod backup;
pub mod database;
mod error;
pub mod events;
mod inspection_docs;
mod passwords;
mod photos;
mod plans;
mod pulls;
mod registry;
pub mod reports;
mod sync;
pub mod throttle;
mod visibility;

pub use auth::{new_token, token_key};
pub use error::{Denial, ServiceError};
pub use plans::TreeSnapshot;
pub use pulls::ChangesPulled;
pub use sync::{Bodies, PLAN_IDLE, Pulled};

use shared::ids::{ClientId, PlanId};
use shared::registry::{AdminUnit, Agency, Known, ReferenceData};
use shared::sync::{ChangeNo, PlanSync};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::blobs::Blobs;
use crate::store::Store;
use sync::PlanSlot;

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// The application's operations.
pub struct Service {
    store: Store,
    /// Where photos are kept (`crate::blobs`).
    blobs: Blobs,
    /// Each plan's authoritative state and waiting pushes.
    authorities: Mutex<HashMap<PlanId, Arc<PlanSlot>>>,
    /// The agency registry's version in this process: one more after each change.
    registry_version: std::sync::atomic::AtomicU64,
    /// The state each plan's last push left, as written to the database: pulls read nodes
    /// from it while the database is at the same change.
    published: Mutex<HashMap<PlanId, Arc<PlanSync>>>,
    /// Tells watchers (server-sent events) of each plan's new change numbers.
    watchers: events::Watchers,
    /// The last encoded tree of each plan. Checked against the plan's version in the database
    /// on every read, so it is never stale, even with several server processes.
    trees: Mutex<HashMap<PlanId, Arc<TreeSnapshot>>>,
    /// Each plan's first pull for new devices, encoded once per change number, with the nodes'
    /// bodies (true) or without.
    first_pulls: Mutex<HashMap<(PlanId, bool), Arc<TreeSnapshot>>>,
    /// Each plan's bodies, for the devices whose first pull left them out, encoded once per
    /// change number.
    bodies: Mutex<HashMap<PlanId, Arc<TreeSnapshot>>>,
    /// The shared parts of pulls of changes, encoded once for every device asking the same.
    shared_pulls: pulls::SharedPulls,
    /// How long a session lasts.
    session_hours: i64,
    /// How long a session may stay unused before it ends.
    session_idle_hours: i64,
    /// The registry's agency codes and administrative units, which mutations may name (read
    /// once, renewed when an administrator changes the registry).
    known: Mutex<Option<Arc<Known>>>,
    /// The user each device id is bound to, as read from the database (a binding never
    /// changes, so a process may keep it).
    devices: Mutex<HashMap<ClientId, String>>,
    /// Failed sign-ins, per user name and address.
    throttle: throttle::SignInThrottle,
    /// The SHA-256 of the token the operator's `backend backup` presents (see `backup`).
    operator_key: Option<String>,
    /// The newest change number each device was sent by a pull of each plan (while this process
    /// runs): a push may not claim to have seen more (see [`Service::push`]).
    sent: Mutex<HashMap<(PlanId, ClientId), ChangeNo>>,
    /// Places for reading an imported document: at most [`IMPORTS_AT_ONCE`] at once.
    import_places: Arc<tokio::sync::Semaphore>,
    /// Whether the database answers (see [`database`]).
    database: tokio::sync::watch::Sender<bool>,
}

/// Documents read at once for an import preview (each up to 64 MB, and more while read).
pub const IMPORTS_AT_ONCE: usize = 2;

/// The data behind `mutex`; a panic elsewhere while it was held leaves plain data behind (every
/// map here is valid at each step), so poisoning is ignored.
fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// A fresh UUIDv7 (time from the clock, randomness from the OS).
pub fn uuid_now() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

/// Today in Vietnam (UTC+7): the date reports are sent, returned and accepted on.
pub fn today_vn() -> chrono::NaiveDate {
    let now = chrono::Utc::now();
    match chrono::FixedOffset::east_opt(7 * 3600) {
        Some(vietnam) => now.with_timezone(&vietnam).date_naive(),
        None => now.date_naive(),
    }
}

impl Service {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            blobs: Blobs::in_memory(),
            authorities: Mutex::default(),
            registry_version: std::sync::atomic::AtomicU64::new(1),
            published: Mutex::default(),
            watchers: events::Watchers::default(),
            trees: Mutex::default(),
            first_pulls: Mutex::default(),
            bodies: Mutex::default(),
            shared_pulls: pulls::SharedPulls::default(),
            session_hours: 30 * 24,
            session_idle_hours: 7 * 24,
            known: Mutex::default(),
            devices: Mutex::default(),
            throttle: throttle::SignInThrottle::new(),
            operator_key: None,
            sent: Mutex::default(),
            import_places: Arc::new(tokio::sync::Semaphore::new(IMPORTS_AT_ONCE)),
            database: tokio::sync::watch::Sender::new(true),
        }
    }

    /// Photos kept in `blobs` (in memory unless told otherwise: a server on disk is given its
    /// folder or bucket by `crate::open`).
    pub fn with_blobs(mut self, blobs: Blobs) -> Self {
        self.blobs = blobs;
        self
    }

    /// Sessions last `hours`.
    pub fn with_session_hours(mut self, hours: i64) -> Self {
        self.session_hours = hours.max(1);
        self
    }

    /// Sessions unused for `hours` end.
    pub fn with_session_idle_hours(mut self, hours: i64) -> Self {
        self.session_idle_hours = hours.max(1);
        self
    }

    /// The registry's agency codes and administrative units.
    pub async fn known(&self) -> Result<Arc<Known>> {
        if let Some(k) = locked(&self.known).clone() {
            return Ok(k);
        }
        let agencies = self.store.agencies().await?;
        let units = self.store.admin_units().await?;
        let known = Arc::new(Known::new(&agencies, units));
        *locked(&self.known) = Some(known.clone());
        Ok(known)
    }

    /// Forgets the registry after an administrator changed it: the plans' states in memory
    /// take the new one on their next push (`registry_version`).
    pub(crate) fn forget_registry(&self) {
        *locked(&self.known) = None;
        self.registry_version
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// The version of the agency registry: one more after each change.
    fn registry_version(&self) -> u64 {
        self.registry_version
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// A place for reading one imported document, if one is free.
    pub fn import_place(&self) -> Result<tokio::sync::OwnedSemaphorePermit> {
        self.import_places
            .clone()
            .try_acquire_owned()
            .map_err(|_| ServiceError::ImportsBusy)
    }

    /// A flag of the database (e.g. that the seed was loaded).
    pub async fn flag(&self, name: &str) -> Result<bool> {
        Ok(self.store.flag(name).await?)
    }

    pub async fn set_flag(&self, name: &str) -> Result<()> {
        Ok(self.store.set_flag(name).await?)
    }

    pub async fn put_reference_data(&self, data: &ReferenceData) -> Result<()> {
        self.store.put_reference_data(data).await?;
        self.forget_registry();
        Ok(())
    }

    pub async fn agencies(&self) -> Result<Vec<Agency>> {
        Ok(self.store.agencies().await?)
    }

    pub async fn admin_units(&self) -> Result<Vec<AdminUnit>> {
        Ok(self.store.admin_units().await?)
    }
}
