//! Who may read a plan: every signed-in officer, or for a restricted plan the province's roles
//! and the agencies it gives a task to (`shared::access::may_read`). A plan someone may not read
//! is, to them, a plan that does not exist.

use shared::access::{Actor, may_read};
use shared::api::User;
use shared::ids::PlanId;
use shared::plan::{PlanSummary, Visibility};
use shared::sync::ChangeNo;

use super::{Denial, Result, Service, ServiceError};

impl Service {
    /// The plan's change number, if `actor` may read it (else "not found").
    pub(super) async fn readable(&self, plan: PlanId, actor: &Actor) -> Result<ChangeNo> {
        let access = self
            .store
            .plan_access(plan, actor.agency.as_deref())
            .await?
            .ok_or(ServiceError::PlanNotFound)?;
        if may_read(actor, access.visibility, |_| access.assigns) {
            Ok(access.change)
        } else {
            Err(ServiceError::PlanNotFound)
        }
    }

    /// The plans `by` may read.
    pub async fn list_plans(&self, by: &User) -> Result<Vec<PlanSummary>> {
        let actor = by.actor();
        let mut readable = Vec::new();
        for p in self.store.plans().await? {
            let shown = match p.visibility {
                Visibility::Province => true,
                Visibility::Assigned => match self.readable(p.id, &actor).await {
                    Ok(_) => true,
                    Err(ServiceError::PlanNotFound) => false,
                    Err(e) => return Err(e),
                },
            };
            if shown {
                readable.push(p);
            }
        }
        Ok(readable)
    }

    /// Sets who may read the plan (those who edit plans).
    pub async fn set_visibility(
        &self,
        plan: PlanId,
        visibility: Visibility,
        by: &User,
    ) -> Result<()> {
        if !by.role.edits_plan() {
            return Err(Denial::VisibilityStandingOnly.into());
        }
        if !self.store.set_visibility(plan, visibility).await? {
            return Err(ServiceError::PlanNotFound);
        }
        // The plan's record changed: the encoded trees and first pulls are made again.
        self.forget_encoded(plan);
        tracing::info!(%plan, ?visibility, user = %by.username, "plan visibility changed");
        Ok(())
    }
}
