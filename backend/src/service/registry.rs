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
