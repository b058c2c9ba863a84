//! Report documents to download: `GET /api/plans/{id}/reports/{round}/summary.docx`, `…/agencies/
//! {agency}/report.docx` and `…/reminder.docx`, a visit's minutes (`GET /api/plans/{id}/
//! visits/{visit}/minutes.docx`) and an inspection round's conclusion (`GET /api/plans/{id}/
//! inspections/{round}/conclusion.docx`), built by the service from the plan's state.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use shared::ids::{AgencyCode, RecordId};

use super::auth::Signed;
use super::error::Said;
use super::plans::plan_id;
use super::{AppState, HttpError};
use crate::service::reports::{ReportDocument, WordFile};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/plans/{id}/reports/{round}/summary.docx", get(summary))
        .route("/plans/{id}/reports/{round}/reminder.docx", get(reminder))
        .route(
            "/plans/{id}/reports/{round}/agencies/{agency}/report.docx",
            get(agency),
        )
        .route("/plans/{id}/visits/{visit}/minutes.docx", get(minutes))
        .route(
            "/plans/{id}/inspections/{round}/conclusion.docx",
            get(conclusion),
        )
}

/// The conclusion of an inspection round (báo cáo kết quả kiểm tra).
async fn conclusion(
    State(service): State<AppState>,
    Signed(user): Signed,
    Path((plan, round)): Path<(String, String)>,
) -> Result<Response, HttpError> {
    let file = service
        .round_conclusion(plan_id(&plan)?, round_id(&round)?, &user)
        .await
        .map_err(|e| match e {
            crate::service::ServiceError::Refused(
                shared::mutation::MutationError::Inspection {
                    error: shared::inspection::model::InspectionError::RoundNotFound,
                },
            ) => HttpError::not_found("Không tìm thấy đợt kiểm tra này."),
            e => e.into(),
        })?;
    Ok(word(file))
}

/// The minutes of a visit (biên bản kiểm tra).
async fn minutes(
    State(service): State<AppState>,
    Signed(user): Signed,
    Path((plan, visit)): Path<(String, String)>,
) -> Result<Response, HttpError> {
    let visit: RecordId = visit
        .parse()
        .map_err(|_| HttpError::from(Said::BadVisitId))?;
    let file = service
        .visit_minutes(plan_id(&plan)?, visit, &user)
        .await
        .map_err(|e| match e {
            crate::service::ServiceError::Refused(
                shared::mutation::MutationError::Inspection {
                    error: shared::inspection::model::InspectionError::VisitNotFound,
                },
            ) => HttpError::not_found("Không tìm thấy phiếu kiểm tra này."),
            e => e.into(),
        })?;
    Ok(word(file))
}

fn round_id(raw: &str) -> Result<RecordId, HttpError> {
    raw.parse().map_err(|_| Said::BadRoundId.into())
}

async fn document(
    service: AppState,
    user: shared::api::User,
    plan: &str,
    round: &str,
    which: ReportDocument,
) -> Result<Response, HttpError> {
    let file = service
        .report_document(plan_id(plan)?, round_id(round)?, which, &user)
        .await?;
    Ok(word(file))
}

async fn summary(
    State(service): State<AppState>,
    Signed(user): Signed,
    Path((plan, round)): Path<(String, String)>,
) -> Result<Response, HttpError> {
    document(service, user, &plan, &round, ReportDocument::Summary).await
}

async fn reminder(
    State(service): State<AppState>,
    Signed(user): Signed,
    Path((plan, round)): Path<(String, String)>,
) -> Result<Response, HttpError> {
    document(service, user, &plan, &round, ReportDocument::Reminder).await
}

async fn agency(
    State(service): State<AppState>,
    Signed(user): Signed,
    Path((plan, round, agency)): Path<(String, String, String)>,
) -> Result<Response, HttpError> {
    let code =
        shared::validate::agency_code(&agency).map_err(|_| HttpError::from(Said::BadAgencyCode))?;
    document(
        service,
        user,
        &plan,
        &round,
        ReportDocument::Agency(AgencyCode::from(code.as_str())),
    )
    .await
}

fn word(file: WordFile) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file.name))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                ),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        file.bytes,
    )
        .into_response()
}
