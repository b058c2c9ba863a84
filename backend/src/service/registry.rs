//! Administrators' changes to the agency registry: checked by `shared::registry`'s rules
//! against the registry as stored, then written.

use shared::api::{ApiError, ErrorCode, User};
use shared::registry::{Agency, AgencyChange, RegistryError, apply_agency_change};

use super::{Result, Service, ServiceError};

/// One registry change at a time in this process, so that two administrators' changes are
/// each checked against the registry the other left.
static CHANGES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn refused(e: &RegistryError) -> ServiceError {
    let code = if e.is_validation() {
        ErrorCode::Validation
    } else {
        ErrorCode::Refused
    };
    ServiceError::Api(ApiError::new(code, e.to_string()))
}

impl Service {
    /// Adds, renames, merges or retires an agency; the agencies whose records changed.
    /// Administrators only. Assignments may name a new agency at once.
    pub async fn change_agency(&self, by: &User, change: AgencyChange) -> Result<Vec<Agency>> {
        if !by.role.administers() {
            return Err(ServiceError::Api(ApiError::new(
                ErrorCode::Forbidden,
                "Chỉ quản trị hệ thống mới được quản lý tài khoản và danh mục cơ quan.",
            )));
        }
        let _one_at_a_time = CHANGES.lock().await;
        let current = self.store.agencies().await?;
        let changed = apply_agency_change(&current, &change).map_err(|e| refused(&e))?;
        self.store.put_agencies(&changed).await?;
        self.forget_agency_codes();
        tracing::info!(by = %by.username, ?change, "agency registry changed");
        Ok(changed)
    }
}
