//! The Word files of inspections: a visit's minutes (biên bản kiểm tra) and a round's
//! conclusion (báo cáo kết quả kiểm tra), built from the plan's state as the database has it,
//! with the photos on the server at print size (`crate::docx`).

use shared::api::User;
use shared::ids::{PlanId, RecordId};
use shared::inspection::model::InspectionError;
use shared::inspection::photo::PhotoSize;
use shared::report::official::Official;

use super::reports::WordFile;
use super::{Denial, Result, Service, ServiceError};
use crate::docx;

fn not_found(e: InspectionError) -> ServiceError {
    ServiceError::Refused(e.into())
}

impl Service {
    /// The minutes of `visit` as a Word file, for whoever may read the plan (an agency's officer
    /// only those of a visit to the agency).
    pub async fn visit_minutes(
        &self,
        plan: PlanId,
        visit: RecordId,
        by: &User,
    ) -> Result<WordFile> {
        let actor = by.actor();
        self.readable(plan, &actor).await?;
        let sync = self.plan_state(plan).await?;
        let agencies = self.agencies().await?;
        let units = self.admin_units().await?;
        let (name, doc) = tokio::task::spawn_blocking(move || {
            let Some(plan_record) = sync.plan.as_ref() else {
                return Err(ServiceError::PlanNotFound);
            };
            let state = sync.authority.state();
            let missing = || not_found(InspectionError::VisitNotFound);
            let v = shared::inspection::op::visit(state.records(), visit).ok_or_else(missing)?;
            if !shared::inspection::sees_visit(&actor, v) {
                return Err(missing());
            }
            let name = format!(
                "bien-ban-kiem-tra-{}-{}.docx",
                shared::registry::slug(&v.place.unit),
                v.at.format("%Y-%m-%d")
            );
            let doc =
                shared::inspection::minutes::minutes(plan_record, state, visit, &agencies, &units)
                    .ok_or_else(missing)?;
            Ok((name, doc))
        })
        .await
        .map_err(|e| ServiceError::Task(e.to_string()))??;
        self.with_photos(plan, name, doc).await
    }

    /// The conclusion of inspection round `round` as a Word file, for whoever may read the plan
    /// but an agency's officer (it speaks of every place and agency visited).
    pub async fn round_conclusion(
        &self,
        plan: PlanId,
        round: RecordId,
        by: &User,
    ) -> Result<WordFile> {
        let actor = by.actor();
        self.readable(plan, &actor).await?;
        if !shared::inspection::sees_round_report(&actor) {
            return Err(Denial::RoundReportNotForAgencies.into());
        }
        let sync = self.plan_state(plan).await?;
        let agencies = self.agencies().await?;
        let units = self.admin_units().await?;
        let today = super::today_vn();
        let (name, doc) = tokio::task::spawn_blocking(move || {
            let Some(plan_record) = sync.plan.as_ref() else {
                return Err(ServiceError::PlanNotFound);
            };
            let state = sync.authority.state();
            let missing = || not_found(InspectionError::RoundNotFound);
            let title = shared::inspection::op::rounds(state.records())
                .find(|r| r.id == round)
                .map(|r| shared::registry::slug(&r.title))
                .ok_or_else(missing)?;
            let doc = shared::inspection::conclusion::conclusion(
                plan_record,
                state,
                round,
                &agencies,
                &units,
                today,
            )
            .ok_or_else(missing)?;
            Ok((format!("bao-cao-ket-qua-kiem-tra-{title}.docx"), doc))
        })
        .await
        .map_err(|e| ServiceError::Task(e.to_string()))??;
        self.with_photos(plan, name, doc).await
    }

    /// `doc` as a Word file with its photos kept for `plan`, at print size (a photo not
    /// uploaded yet is named by its caption only).
    async fn with_photos(&self, plan: PlanId, name: String, doc: Official) -> Result<WordFile> {
        let mut hashes = Vec::new();
        for hash in doc.photos() {
            // Only the photos uploaded for this plan: a record naming another plan's photo
            // shows nothing of it.
            if self.store.photo_size(plan, &hash).await?.is_some() {
                hashes.push(hash);
            }
        }
        let photos = self.sized_many(hashes, PhotoSize::Print).await?;
        let bytes = tokio::task::spawn_blocking(move || docx::render_with_photos(&doc, &photos))
            .await
            .map_err(|e| ServiceError::Task(e.to_string()))?
            .map_err(|e| ServiceError::Encode(e.to_string()))?;
        Ok(WordFile { name, bytes })
    }
}
