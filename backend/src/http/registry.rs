//! Reference data: agencies and administrative units.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use shared::registry::{AdminUnit, Agency};

use super::auth::Signed;
use super::{AppState, HttpError, Json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agencies", get(agencies))
        .route("/admin-units", get(admin_units))
}

async fn agencies(
    State(service): State<AppState>,
    _: Signed,
) -> Result<Json<Vec<Agency>>, HttpError> {
    Ok(Json(service.agencies().await?))
}

async fn admin_units(
    State(service): State<AppState>,
    _: Signed,
) -> Result<Json<Vec<AdminUnit>>, HttpError> {
    Ok(Json(service.admin_units().await?))
}
