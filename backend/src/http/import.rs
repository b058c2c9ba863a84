//! Importing a plan document: a preview (the file read, with suggestions) and the save of what
//! the user reviewed.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::post;
use shared::api::{SaveImportRequest, User};
use shared::import::ImportedDocument;
use shared::plan::PlanSummary;

use super::auth::Signed;
use super::error::Said;
use super::{AppState, HttpError, Json};

/// A reviewed plan is its text and little else: well under this.
const SAVE_MAX_BYTES: usize = 32 * 1024 * 1024;

/// How long a document may take to arrive and be read (a 64 MB file over a slow link).
pub const TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/import/preview",
            post(preview).layer(DefaultBodyLimit::max(shared::limits::IMPORT_MAX_BYTES)),
        )
        .route(
            "/import",
            post(save).layer(DefaultBodyLimit::max(SAVE_MAX_BYTES)),
        )
        .layer(axum::middleware::from_fn(|req, next| {
            super::time_limit(TIME_LIMIT, req, next)
        }))
}

fn may_import(user: &User) -> Result<(), HttpError> {
    if user.role.edits_plan() {
        Ok(())
    } else {
        Err(Said::OnlyStandingImports.into())
    }
}

/// A signed-in user who may import, holding one of the few places for reading a document:
/// taken before the body is read, so that the documents held in memory at once are bounded.
pub struct Importer {
    _place: tokio::sync::OwnedSemaphorePermit,
}

impl FromRequestParts<AppState> for Importer {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, HttpError> {
        let Signed(user) = Signed::from_request_parts(parts, state).await?;
        may_import(&user)?;
        Ok(Importer {
            _place: state.import_place()?,
        })
    }
}

/// The file (a .docx or text, as the body) read as a plan, with the agencies it names matched
/// to the registry. Nothing is stored.
async fn preview(
    State(service): State<AppState>,
    place: Importer,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ImportedDocument>, HttpError> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            HttpError::from(Said::FileTooLarge)
        } else {
            HttpError::from(Said::NoFile)
        }
    })?;
    // Reading a large document takes a while: off the async workers, holding the place until
    // done (even if the request is dropped meanwhile).
    let (document, body_hash) = tokio::task::spawn_blocking(move || {
        let _place = place;
        let hash = <sha2::Sha256 as sha2::Digest>::digest(&body);
        (shared::import::import_document(&body), hash)
    })
    .await
    .map_err(|_| HttpError::from(Said::FileUnreadable))?;
    let mut document = document?;
    document.sha256 = Some(sha256_hex(&body_hash));
    let agencies = service.agencies().await?;
    shared::import::suggest_from_registry(&mut document.plan, &agencies);
    Ok(Json(document))
}

/// Stores the reviewed plan as a new plan.
async fn save(
    State(service): State<AppState>,
    Signed(by): Signed,
    Json(req): Json<SaveImportRequest>,
) -> Result<(StatusCode, Json<PlanSummary>), HttpError> {
    may_import(&by)?;
    let tree = service
        .save_import(
            req.id,
            req.plan,
            req.source_sha256.as_deref(),
            req.allow_duplicate,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(PlanSummary {
            id: tree.plan.id,
            metadata: tree.plan.metadata,
            node_count: tree.nodes.len(),
            visibility: tree.plan.visibility,
        }),
    ))
}

fn sha256_hex(hash: &[u8]) -> String {
    use std::fmt::Write as _;
    hash.iter().fold(String::with_capacity(64), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}
