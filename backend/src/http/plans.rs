//! Plans, their trees, and mutations of the tree.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use shared::api::{ErrorCode, MutationRequest, MutationResponse};
use shared::ids::PlanId;
use shared::plan::{PlanSummary, PlanTree};

use super::{AppState, HttpError, Json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/plans", get(list))
        .route("/plans/{plan_id}", get(tree))
        .route("/plans/{plan_id}/mutations", post(mutate))
}

fn plan_id(raw: &str) -> Result<PlanId, HttpError> {
    raw.parse()
        .map_err(|_| HttpError::new(ErrorCode::InvalidPath, "Mã kế hoạch không hợp lệ."))
}

async fn list(State(service): State<AppState>) -> Result<Json<Vec<PlanSummary>>, HttpError> {
    Ok(Json(service.list_plans().await?))
}

async fn tree(
    State(service): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Json<PlanTree>, HttpError> {
    Ok(Json(service.plan_tree(plan_id(&raw)?).await?))
}

async fn mutate(
    State(service): State<AppState>,
    Path(raw): Path<String>,
    Json(req): Json<MutationRequest>,
) -> Result<Json<MutationResponse>, HttpError> {
    let change = service
        .apply_mutation(plan_id(&raw)?, &req.mutation)
        .await?;
    Ok(Json(MutationResponse { change }))
}
