//! Administrators' changes to the agency registry: checked by `shared::registry`'s rules
//! against the registry as stored, then written.

use shared::api::User;
use shared::registry::{Agency, AgencyChange, apply_agency_change};

use super::{Denial, Result, Service, ServiceError};

/// One registry change at a time in this process, so that two administrators' changes are
/// each checked against the registry the other left.
static CHANGES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl Service {
    /// Adds, renames, merges or retires an agency; the agencies whose records changed.
    /// Administrators only. Assignments may name a new agency at once.
    pub async fn change_agency(&self, by: &User, change: AgencyChange) -> Result<Vec<Agency>> {
        if !by.role.administers() {
            return Err(Denial::AdministratorsOnly.into());
        }
        let _one_at_a_time = CHANGES.lock().await;
        let current = self.store.agencies().await?;
        let changed = apply_agency_change(&current, &change).map_err(ServiceError::Registry)?;
        self.store.put_agencies(&changed).await?;
        self.forget_registry();
        tracing::info!(by = %by.username, ?change, "agency registry changed");
        Ok(changed)
    }
}

impl Service {
    /// Forgets the registry whenever an agency is written, through this server or another on
    /// the same database, and whenever listening starts (again): a change made through one
    /// server is used by every other at once.
    pub async fn relay_registry_changes(&self) -> std::convert::Infallible {
        use futures_util::StreamExt;
        loop {
            match self.store.agency_changes().await {
                Ok(changes) => {
                    // What changed while nobody listened (a start, the database restarted).
                    self.forget_registry();
                    let mut changes = std::pin::pin!(changes);
                    while changes.next().await.is_some() {
                        self.forget_registry();
                    }
                    tracing::warn!(
                        "the database's stream of registry changes ended; listening again"
                    );
                }
                Err(e) => tracing::warn!(error = %e, "listening for registry changes"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }
}
