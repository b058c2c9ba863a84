//! Photos of field inspections: `PUT …/photos/{sha256}/upload/{size}/{chunk}` (a chunk, with its
//! own SHA-256 in `X-Chunk-Sha256`), `GET …/photos/{sha256}/upload/{size}` (what is there, to
//! resume), `GET …/photos/{sha256}` (the photo, for those who may read the plan) and
//! `GET …/photos/{sha256}/thumb` or `…/print` (smaller: 320 px for lists, 1,024 px for print).

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use shared::inspection::photo::{CHUNK_BYTES, PhotoError, PhotoHash, PhotoSize, UploadStatus};
use std::convert::Infallible;

use super::auth::Signed;
use super::error::Said;
use super::plans::plan_id;
use super::{AppState, HttpError, Json};
use crate::service::ServiceError;

/// The header that carries a chunk's SHA-256.
pub const CHUNK_HASH: &str = "x-chunk-sha256";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/plans/{plan_id}/photos/{hash}", get(photo))
        .route("/plans/{plan_id}/photos/{hash}/{size}", get(sized))
        .route("/plans/{plan_id}/photos/{hash}/upload/{size}", get(status))
        .route(
            "/plans/{plan_id}/photos/{hash}/upload/{size}/{chunk}",
            axum::routing::put(chunk).layer::<_, Infallible>(DefaultBodyLimit::max(
                usize::try_from(CHUNK_BYTES).unwrap_or(usize::MAX),
            )),
        )
}

fn hash(raw: &str) -> Result<PhotoHash, HttpError> {
    PhotoHash::parse(raw).map_err(|e| ServiceError::from(e).into())
}

/// A number in the address (a size, a chunk): not one is a malformed address.
fn number<T: std::str::FromStr>(raw: &str) -> Result<T, HttpError> {
    raw.parse().map_err(|_| {
        HttpError::new(
            shared::api::ErrorCode::InvalidPath,
            "Địa chỉ ảnh không hợp lệ.",
        )
    })
}

async fn chunk(
    State(service): State<AppState>,
    Signed(user): Signed,
    Path((plan, photo, size, index)): Path<(String, String, String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<UploadStatus>, HttpError> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            HttpError::from(Said::ChunkTooLarge)
        } else {
            HttpError::from(Said::NoFile)
        }
    })?;
    let chunk_hash = headers
        .get(CHUNK_HASH)
        .and_then(|v| v.to_str().ok())
        .ok_or(Said::NoChunkHash)?;
    let chunk_hash = PhotoHash::parse(chunk_hash).map_err(|_| Said::NoChunkHash)?;
    let status = service
        .upload_chunk(
            plan_id(&plan)?,
            &user,
            hash(&photo)?,
            number(&size)?,
            number(&index)?,
            chunk_hash,
            body,
        )
        .await?;
    Ok(Json(status))
}

async fn status(
    State(service): State<AppState>,
    Signed(user): Signed,
    Path((plan, photo, size)): Path<(String, String, String)>,
) -> Result<Json<UploadStatus>, HttpError> {
    let status = service
        .upload_status(plan_id(&plan)?, &user, hash(&photo)?, number(&size)?)
        .await?;
    Ok(Json(status))
}

async fn photo(
    State(service): State<AppState>,
    Signed(user): Signed,
    Path((plan, photo)): Path<(String, String)>,
) -> Result<Response, HttpError> {
    let bytes = service.photo(plan_id(&plan)?, &user, hash(&photo)?).await?;
    Ok(jpeg(bytes))
}

async fn sized(
    State(service): State<AppState>,
    Signed(user): Signed,
    Path((plan, photo, size)): Path<(String, String, String)>,
) -> Result<Response, HttpError> {
    let size = PhotoSize::parse(&size).ok_or_else(|| {
        HttpError::new(
            shared::api::ErrorCode::InvalidPath,
            "Cỡ ảnh không hợp lệ (thumb hoặc print).",
        )
    })?;
    let bytes = service
        .photo_sized(plan_id(&plan)?, &user, hash(&photo)?, size)
        .await?;
    Ok(jpeg(bytes))
}

fn jpeg(bytes: Bytes) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg")),
            // Named by its content: the same address is always the same photo. Private: the
            // photo is for those signed in who may read the plan.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=31536000, immutable"),
            ),
        ],
        bytes,
    )
        .into_response()
}

impl From<PhotoError> for HttpError {
    fn from(e: PhotoError) -> Self {
        ServiceError::from(e).into()
    }
}
