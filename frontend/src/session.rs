//! Who is signed in on this device. The user is kept in IndexedDB, so that someone who signed
//! in before going offline keeps working offline. When the server says the session has ended,
//! the app asks to sign in again and keeps every change that waits to be sent; they go out as
//! soon as the user is back in.

use leptos::prelude::*;
use shared::access::{Actor, UserRole};
use shared::api::{ApiError, ErrorCode, SessionInfo, User};
use shared::registry::{AdminUnit, Agency};

use crate::{api, device, kv};

const USER_KEY: &str = "session:user";
/// Set when signing out could not reach the server: the session cookie may still be valid, so
/// the app must not sign its owner back in by itself.
/// (Also a flag in localStorage, which `boot.js` reads: `device::remember_flag`.)
const LOGOUT_PENDING_KEY: &str = "session:logout-pending";
const AGENCIES_KEY: &str = "agencies";
const UNITS_KEY: &str = "admin-units";

/// A value the device kept (read with `kv::get_many`), if it can still be read.
fn remembered<T: serde::de::DeserializeOwned>(value: Option<wasm_bindgen::JsValue>) -> Option<T> {
    let text = value?.as_string()?;
    serde_json::from_slice(text.as_bytes()).ok()
}

/// Keeps `value` on the device under `key` (for offline use); a failure only loses the copy.
async fn remember<T: serde::Serialize>(key: &str, value: &T) {
    if let Ok(json) = serde_json::to_string(value) {
        let _ = kv::put(key, &json).await;
    }
}

/// What the device remembers of the session.
struct Kept {
    user: Option<User>,
    agencies: Option<Vec<Agency>>,
    units: Option<Vec<AdminUnit>>,
    logout_pending: bool,
}

/// No sign-out pending any more (the flag in IndexedDB and its mirror in localStorage).
async fn forget_logout_pending() {
    device::forget_flag(LOGOUT_PENDING_KEY);
    let _ = kv::delete(LOGOUT_PENDING_KEY).await;
}

/// The app's sign-in state, shared through context.
#[derive(Clone, Copy)]
pub struct Auth {
    /// The signed-in user (possibly from the device's memory while offline).
    pub user: RwSignal<Option<User>>,
    /// The server said the session has ended: sign in again to send what waits.
    pub expired: RwSignal<bool>,
    /// The first check (device memory, then server) is done.
    pub checked: RwSignal<bool>,
    /// The agency registry, from the server or the device's memory.
    pub agencies: RwSignal<Vec<Agency>>,
    /// The districts and communes (indicator values name them), from the server or the
    /// device's memory.
    pub units: RwSignal<Vec<AdminUnit>>,
    /// Changes of the open plan that wait to be sent (for the sign-out warning).
    pub pending: RwSignal<usize>,
}

impl Auth {
    pub fn new() -> Self {
        Self {
            user: RwSignal::new(None),
            expired: RwSignal::new(false),
            checked: RwSignal::new(false),
            agencies: RwSignal::new(Vec::new()),
            units: RwSignal::new(Vec::new()),
            pending: RwSignal::new(0),
        }
    }

    /// What the signed-in user may do; nobody signed in may do nothing. Not tracked: the
    /// user does not change while a page is open (signing out leaves it).
    pub fn actor(&self) -> Actor {
        self.user.with_untracked(|u| match u {
            Some(u) => u.actor(),
            None => Actor {
                role: UserRole::Leader,
                agency: None,
            },
        })
    }

    /// The signed-in user's name (empty when nobody is signed in); not tracked.
    pub fn username(&self) -> String {
        self.user
            .with_untracked(|u| u.as_ref().map(|u| u.username.clone()))
            .unwrap_or_default()
    }

    /// The user from the device, then checked with the server when it can be reached. The
    /// server is asked while the device's memory is read, and what the device remembers is used
    /// as soon as it is read (offline, or on a slow link, the server's answer may never come).
    /// A server that answers first signs its user in at once (a new device's memory takes a
    /// while to open), unless a sign-out is pending: that is mirrored in localStorage, which
    /// is read at once.
    pub async fn init(&self) {
        use futures_util::future::{Either, join, select};
        use std::pin::pin;
        let from_device = async {
            let keys = [USER_KEY, AGENCIES_KEY, UNITS_KEY, LOGOUT_PENDING_KEY];
            let mut values = kv::get_many(&keys).await.unwrap_or_default().into_iter();
            let mut next = || values.next().flatten();
            Kept {
                user: remembered(next()),
                agencies: remembered(next()),
                units: remembered(next()),
                logout_pending: next().is_some(),
            }
        };
        let mirrored_pending = device::has_flag(LOGOUT_PENDING_KEY);
        let (session, device) = (pin!(api::session()), pin!(from_device));
        let (session, kept) = if mirrored_pending {
            let (session, kept) = join(session, device).await;
            self.use_kept(&kept, true);
            (session, kept)
        } else {
            match select(session, device).await {
                Either::Left((session, device)) => {
                    if let Ok(info) = &session {
                        self.user.set(Some(info.user.clone()));
                        self.expired.set(false);
                        self.checked.set(true);
                    }
                    // Still read: a sign-out left pending by an earlier version, which did
                    // not mirror it, is finished below.
                    let kept = device.await;
                    self.use_kept(&kept, session.is_err());
                    (session, kept)
                }
                Either::Right((kept, session)) => {
                    self.use_kept(&kept, true);
                    (session.await, kept)
                }
            }
        };
        if kept.logout_pending || mirrored_pending {
            // Signed out while offline: finish it before anything else.
            self.user.set(None);
            if api::logout().await.is_ok() {
                forget_logout_pending().await;
            }
            self.checked.set(true);
            return;
        }
        match session {
            Ok(info) => self.signed_in(info).await,
            Err(e) => {
                self.on_error(&e);
            }
        }
        self.checked.set(true);
    }

    /// What the device remembers, shown until the server says otherwise (the user only when
    /// `user_too`: not over a user the server has just confirmed).
    fn use_kept(&self, kept: &Kept, user_too: bool) {
        if user_too && let Some(user) = &kept.user {
            self.user.set(Some(user.clone()));
        }
        if let Some(list) = &kept.agencies {
            self.agencies.set(list.clone());
        }
        if let Some(list) = &kept.units {
            self.units.set(list.clone());
        }
    }

    /// Records a new session (after signing in, or when the server confirms one).
    pub async fn signed_in(&self, info: SessionInfo) {
        self.user.set(Some(info.user.clone()));
        self.expired.set(false);
        forget_logout_pending().await;
        remember(USER_KEY, &info.user).await;
        self.load_registry().await;
    }

    async fn load_registry(&self) {
        let (agencies, units) =
            futures_util::future::join(api::agencies(), api::admin_units()).await;
        if let Ok(list) = agencies {
            remember(AGENCIES_KEY, &list).await;
            self.agencies.set(list);
        }
        if let Ok(list) = units {
            remember(UNITS_KEY, &list).await;
            self.units.set(list);
        }
    }

    /// Reacts to an API error: a refused session asks to sign in again (or shows the sign-in
    /// page when nobody was signed in). True when it was that.
    pub fn on_error(&self, e: &ApiError) -> bool {
        if e.code != ErrorCode::Unauthorized {
            return false;
        }
        if self.user.with_untracked(Option::is_some) {
            self.expired.set(true);
        }
        true
    }

    pub async fn sign_out(&self) {
        if api::logout().await.is_err() {
            device::remember_flag(LOGOUT_PENDING_KEY);
            let _ = kv::put(LOGOUT_PENDING_KEY, "1").await;
        }
        let _ = kv::delete(USER_KEY).await;
        self.user.set(None);
        self.expired.set(false);
    }
}

impl Default for Auth {
    fn default() -> Self {
        Self::new()
    }
}

/// The app's [`Auth`].
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}
