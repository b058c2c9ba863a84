//! Each plan's change numbers as they happen, for the server-sent event streams of signed-in
//! users: at most [`STREAMS_PER_USER`] open at once per user.

use shared::api::User;
use shared::ids::PlanId;
use shared::sync::ChangeNo;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

use super::{Result, Service, ServiceError, locked};

/// Most event streams one user may hold open (tabs and devices together).
pub const STREAMS_PER_USER: usize = 16;

/// The channels of the plans written since start, and the streams open per user.
#[derive(Default)]
pub(super) struct Watchers {
    channels: Mutex<HashMap<PlanId, broadcast::Sender<ChangeNo>>>,
    /// The newest change each plan's watchers were told of.
    told: Mutex<HashMap<PlanId, ChangeNo>>,
    open: Arc<Mutex<HashMap<String, usize>>>,
}

/// A stream being watched: the plan's change number when it began, the later ones, and the
/// user's place among the streams open (given back when dropped).
pub struct Watch {
    pub change: ChangeNo,
    pub changes: broadcast::Receiver<ChangeNo>,
    _place: Place,
}

struct Place {
    user: String,
    open: Arc<Mutex<HashMap<String, usize>>>,
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut open = locked(&self.open);
        if let Some(n) = open.get_mut(&self.user) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.user);
            }
        }
    }
}

impl Watchers {
    fn channel(&self, plan: PlanId) -> broadcast::Sender<ChangeNo> {
        locked(&self.channels)
            .entry(plan)
            .or_insert_with(|| broadcast::channel(16).0)
            .clone()
    }

    /// A place for one more stream of `user`, unless they hold the most already.
    fn take_place(&self, user: &str) -> Option<Place> {
        let mut open = locked(&self.open);
        let n = open.entry(user.to_owned()).or_default();
        if *n >= STREAMS_PER_USER {
            return None;
        }
        *n += 1;
        Some(Place {
            user: user.to_owned(),
            open: self.open.clone(),
        })
    }
}

impl Service {
    /// The plan's change numbers as they happen, starting with the current one, for `by`.
    pub async fn watch(&self, plan: PlanId, by: &User) -> Result<Watch> {
        // No channel is made for a plan that does not exist (ids are the caller's), nor for
        // one the user may not read.
        self.readable(plan, &by.actor()).await?;
        let place = self
            .watchers
            .take_place(&by.username)
            .ok_or(ServiceError::TooManyStreams)?;
        let changes = self.watchers.channel(plan).subscribe();
        // Read after subscribing, so that no change between the two is missed.
        let change = self
            .store
            .plan_change(plan)
            .await?
            .ok_or(ServiceError::PlanNotFound)?;
        Ok(Watch {
            change,
            changes,
            _place: place,
        })
    }

    /// Ends every event stream (at shutdown).
    pub fn close_watchers(&self) {
        locked(&self.watchers.channels).clear();
    }

    /// Tells the plan's watchers of `change`, once (the process that wrote it tells at once,
    /// and hears it again from the database).
    pub(super) fn notify(&self, plan: PlanId, change: ChangeNo) {
        {
            let mut told = locked(&self.watchers.told);
            let last = told.entry(plan).or_default();
            if change <= *last {
                return;
            }
            *last = change;
        }
        // No receiver is fine: nobody is watching.
        let _ = self.watchers.channel(plan).send(change);
    }
}

impl Service {
    /// Tells this process's watchers of every plan's new change numbers, whichever process
    /// wrote them (several servers on one SurrealDB server): the database's LIVE query on the
    /// plans. Listens again a second after its stream ends (the database restarted).
    pub async fn relay_changes(&self) -> std::convert::Infallible {
        use futures_util::StreamExt;
        let mut again = false;
        loop {
            match self.store.plan_changes().await {
                Ok(changes) => {
                    if again {
                        // What was written while nobody listened (the database restarted).
                        self.catch_up().await;
                    }
                    again = true;
                    let mut changes = std::pin::pin!(changes);
                    while let Some((plan, change)) = changes.next().await {
                        self.notify(plan, change);
                    }
                    tracing::warn!("the database's stream of plan changes ended; listening again");
                }
                Err(e) => tracing::warn!(error = %e, "listening for plan changes"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }

    /// Tells the watchers of every watched plan of its change now, if they were not told.
    async fn catch_up(&self) {
        let watched: Vec<PlanId> = locked(&self.watchers.channels)
            .iter()
            .filter(|(_, channel)| channel.receiver_count() > 0)
            .map(|(plan, _)| *plan)
            .collect();
        for plan in watched {
            match self.store.plan_change(plan).await {
                Ok(Some(change)) => self.notify(plan, change),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "reading a plan's change number"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A user's places are counted per stream and given back when a stream ends.
    #[test]
    fn a_stream_that_ends_gives_its_place_back() {
        let w = Watchers::default();
        let mut held: Vec<Place> = (0..STREAMS_PER_USER)
            .map(|_| w.take_place("bdt").unwrap_or_else(|| panic!("a place")))
            .collect();
        assert!(w.take_place("bdt").is_none());
        assert!(w.take_place("syt.canbo").is_some());
        held.pop();
        assert!(w.take_place("bdt").is_some());
        drop(held);
        assert!(!locked(&w.open).contains_key("bdt"));
    }
}
