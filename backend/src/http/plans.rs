//! Plans, their trees, and mutations of the tree.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use shared::api::{ErrorCode, MutationRequest, MutationResponse};
use shared::ids::PlanId;
use shared::plan::PlanSummary;

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

/// A `PlanTree` as JSON, sent gzip-compressed when the client accepts it (encoded once per
/// version of the plan, not per request), with the version as its ETag.
async fn tree(
    State(service): State<AppState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let tree = service.plan_tree_encoded(plan_id(&raw)?).await?;
    let etag = format!("\"{}\"", tree.version);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|e| e.trim().split(';').next() == Some("gzip"))
        });
    let common = [
        (header::CONTENT_TYPE, "application/json".to_owned()),
        (header::VARY, "accept-encoding".to_owned()),
        (header::ETAG, etag),
    ];
    Ok(if gzip {
        (
            common,
            [(header::CONTENT_ENCODING, "gzip")],
            tree.gzip.clone(),
        )
            .into_response()
    } else {
        (common, tree.json.clone()).into_response()
    })
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
