//! Report documents: the summary report of a round, an agency's report and the reminder letter,
//! as Word files built from the plan's state as the database has it (`crate::docx`).

use shared::access::UserRole;
use shared::api::User;
use shared::ids::{AgencyCode, PlanId, RecordId};
use shared::report::ReportError;

use super::{Denial, Result, Service, ServiceError};
use crate::docx;

/// Which document of a round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportDocument {
    /// The standing agency's summary report.
    Summary,
    /// An agency's own report.
    Agency(AgencyCode),
    /// The reminder letter to the agencies that have not sent theirs.
    Reminder,
}

/// A Word file to download.
#[derive(Debug, Clone)]
pub struct WordFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Service {
    /// The document `which` of `round`, as `by` may see it: the summary for whoever reads the
    /// plan, an agency's report for the province's roles and that agency's officers, the reminder
    /// for the standing agency.
    pub async fn report_document(
        &self,
        plan: PlanId,
        round: RecordId,
        which: ReportDocument,
        by: &User,
    ) -> Result<WordFile> {
        let actor = by.actor();
        self.readable(plan, &actor).await?;
        match (&which, actor.role) {
            (ReportDocument::Agency(a), UserRole::AgencyOfficer)
                if actor.agency.as_ref() != Some(a) =>
            {
                return Err(Denial::OtherAgencysReport.into());
            }
            (ReportDocument::Reminder, role) if !role.edits_plan() => {
                return Err(Denial::ReminderStandingOnly.into());
            }
            _ => {}
        }
        let sync = self.plan_state(plan).await?;
        let agencies = self.agencies().await?;
        let units = self.admin_units().await?;
        let standing = shared::report::official::issuing_agency(&actor);
        let today = super::today_vn();
        let title = match sync
            .authority
            .state()
            .record(&shared::report::RecordKey::Round(round))
        {
            Some(shared::report::Record::Round(r)) => shared::registry::slug(&r.title),
            _ => String::new(),
        };
        let name = |what: &str| format!("{what}-{title}.docx");
        let built = tokio::task::spawn_blocking(move || {
            let Some(plan_record) = sync.plan.as_ref() else {
                return Err(ServiceError::PlanNotFound);
            };
            let state = sync.authority.state();
            let doc = match &which {
                ReportDocument::Summary => shared::inspection::tables::summary_with_inspections(
                    plan_record,
                    state,
                    round,
                    &agencies,
                    &units,
                    &standing,
                    today,
                ),
                ReportDocument::Agency(a) => shared::report::official::agency_report(
                    plan_record,
                    state,
                    round,
                    a,
                    &agencies,
                    &standing,
                    today,
                ),
                ReportDocument::Reminder => shared::report::official::reminder(
                    plan_record,
                    state,
                    round,
                    &agencies,
                    &standing,
                    today,
                )
                .ok_or(ServiceError::Refused(ReportError::NothingToRemind.into()))
                .map(Some)?,
            }
            .ok_or(ServiceError::Refused(ReportError::RoundNotFound.into()))?;
            let bytes = docx::render(&doc).map_err(|e| ServiceError::Encode(e.to_string()))?;
            Ok((bytes, which))
        })
        .await
        .map_err(|e| ServiceError::Task(e.to_string()))?;
        let (bytes, which) = built?;
        let file = match which {
            ReportDocument::Summary => name("bao-cao-tong-hop"),
            ReportDocument::Agency(a) => name(&format!("bao-cao-{}", shared::registry::slug(&a))),
            ReportDocument::Reminder => name("cong-van-don-doc"),
        };
        Ok(WordFile { name: file, bytes })
    }
}
