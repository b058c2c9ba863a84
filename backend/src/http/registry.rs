//! Reference data: agencies and administrative units; administrators' changes to the agencies.

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use shared::registry::{AdminUnit, Agency, AgencyChange};

use super::auth::Signed;
use super::{AppState, HttpError, Json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agencies", get(agencies))
        .route("/agencies/changes", post(change_agency))
        .route("/admin-units", get(admin_units))
}

async fn agencies(
    State(service): State<AppState>,
    _: Signed,
) -> Result<Json<Vec<Agency>>, HttpError> {
    Ok(Json(service.agencies().await?))
}

/// Adds, renames, merges or retires an agency (administrators); the agencies changed.
async fn change_agency(
    State(service): State<AppState>,
    Signed(by): Signed,
    Json(change): Json<AgencyChange>,
) -> Result<Json<Vec<Agency>>, HttpError> {
    Ok(Json(service.change_agency(&by, change).await?))
}

async fn admin_units(
    State(service): State<AppState>,
    _: Signed,
) -> Result<Json<Vec<AdminUnit>>, HttpError> {
    Ok(Json(service.admin_units().await?))
}
