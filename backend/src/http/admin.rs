//! Operating the server: the copy of the whole database an administrator downloads (and the
//! operator's `backend backup` fetches while the server runs).

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::StreamExt;

use super::auth::{signed_user, token};
use super::{AppState, HttpError};
use crate::service::backup::BackupFile;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/backup", get(backup))
}

/// The copy as a SurrealQL file to save. The operator's token is tried first, then a session.
async fn backup(
    State(service): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    if let Some(t) = token(&headers)
        && let Some(file) = service.operator_backup(&t).await?
    {
        return Ok(download(file));
    }
    let by = signed_user(&headers, &service).await?;
    Ok(download(service.backup(&by).await?))
}

fn download(file: BackupFile) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file.name))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    // A failure part-way ends the body with an error, so the download is seen to be broken
    // (never a copy that looks whole but is cut short).
    let body = Body::from_stream(file.content.map(|piece| piece.map(bytes::Bytes::from)));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/sql; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}
